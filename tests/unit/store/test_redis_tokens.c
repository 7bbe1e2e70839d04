/* Unit tests of store/redis_tokens against a real redis-server started here (skipped when it is not
 * installed): the same session rules as the store's tables (tests/unit/store/test_store.c), shared
 * by two pools standing for two instances, atomic rotation under a race, and Redis going away. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/redis_tokens.h"
#include "support/testredis.h"

typedef struct fx {
    testredis srv;
    redis_pool *a, *b; /* two instances sharing one Redis */
} fx;

static int setup(void **state)
{
    *state = NULL;
    if (!testredis_available())
        return 0;
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    char url[400];
    testredis_start_url(&f->srv, url, sizeof url);
    ig_err err = {0};
    assert_int_equal(redis_pool_open(url, 4, 1000, &f->a, &err), IG_OK);
    assert_int_equal(redis_pool_open(url, 4, 1000, &f->b, &err), IG_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    if (f == NULL)
        return 0;
    redis_pool_close(f->a);
    redis_pool_close(f->b);
    testredis_stop(&f->srv);
    free(f);
    return 0;
}

/* The fixture, or the test skipped when there is no redis-server. */
static fx *need(void **state)
{
    return testredis_need(state);
}

static int64_t later(int64_t s)
{
    return (int64_t)time(NULL) + s;
}

static void check(redis_pool *p, int64_t uid, const char *jti, const char *fam, bool jti_revoked, bool fam_revoked)
{
    bool j = !jti_revoked, fr = !fam_revoked;
    ig_err err = {0};
    assert_int_equal(redis_tokens_check(p, uid, jti, fam, &j, &fr, &err), IG_OK);
    assert_int_equal(j, jti_revoked);
    assert_int_equal(fr, fam_revoked);
}

static int64_t ttl(redis_pool *p, const char *key)
{
    const char *a[2] = {"TTL", key};
    redisReply *r = NULL;
    assert_int_equal(redis_command(p, 2, a, NULL, &r, NULL), IG_OK);
    int64_t t = r->integer;
    freeReplyObject(r);
    return t;
}

static void test_create_rotate_reuse(void **state)
{
    fx *f = need(state);
    ig_err err = {0};
    int64_t exp = later(3600);
    assert_int_equal(redis_tokens_family_create(f->a, "f1", 7, "a1", exp, &err), IG_OK);
    assert_int_equal(redis_tokens_family_create(f->b, "f1", 7, "zz", exp, &err), IG_ECONFLICT);
    check(f->b, 7, "acc1", "f1", false, false);

    /* rotated on instance A, the old token is refused on instance B: reuse revokes the family */
    assert_int_equal(redis_tokens_family_rotate(f->a, "f1", 7, "a1", "a2", exp + 10, &err), IG_OK);
    assert_int_equal(redis_tokens_family_rotate(f->b, "f1", 8, "a2", "a3", exp, &err), IG_EAUTH);
    assert_non_null(strstr(err.msg, "another user"));
    check(f->b, 7, "acc1", "f1", false, false); /* another user's attempt changes nothing */
    assert_int_equal(redis_tokens_family_rotate(f->b, "nope", 7, "a2", "a3", exp, &err), IG_EAUTH);
    assert_non_null(strstr(err.msg, "unknown"));
    assert_int_equal(redis_tokens_family_rotate(f->b, "f1", 7, "a1", "evil", exp, &err), IG_EAUTH);
    assert_non_null(strstr(err.msg, "reuse"));
    check(f->a, 7, "acc1", "f1", false, true);
    /* the legitimate holder of a2 is locked out too: the family is over */
    assert_int_equal(redis_tokens_family_rotate(f->a, "f1", 7, "a2", "a3", exp, &err), IG_EAUTH);
    assert_non_null(strstr(err.msg, "revoked"));

    /* a family that has already expired is gone */
    assert_int_equal(redis_tokens_family_create(f->a, "f-exp", 7, "e1", later(-5), &err), IG_OK);
    assert_int_equal(redis_tokens_family_rotate(f->a, "f-exp", 7, "e1", "e2", exp, &err), IG_EAUTH);
    check(f->a, 7, "acc1", "f-exp", false, true);

    /* the family key lives until the latest expiry it was given */
    int64_t t = ttl(f->a, "ig:fam:f1");
    assert_true(t > 3600 && t <= 3610);
    t = ttl(f->a, "ig:ufam:7");
    assert_true(t > 3600 && t <= 3610);
}

static void test_check_other_user_and_unknown(void **state)
{
    fx *f = need(state);
    ig_err err = {0};
    assert_int_equal(redis_tokens_family_create(f->a, "fam-a", 1, "r1", later(600), &err), IG_OK);
    check(f->b, 1, "x1", "fam-a", false, false);
    check(f->b, 2, "x1", "fam-a", false, true);   /* not the user's */
    check(f->b, 1, "x1", "fam-zzz", false, true); /* unknown: over */
    check(f->b, 1, "x1", "", false, false);       /* no family to check */
    check(f->b, 1, "x1", NULL, false, false);
    bool j, fr;
    assert_int_equal(redis_tokens_check(f->a, 1, "bad id!", "fam-a", &j, &fr, &err), IG_EINVAL);
    assert_int_equal(redis_tokens_check(f->a, 1, "x1", "fam a", &j, &fr, &err), IG_EINVAL);
    char longid[REDIS_TOKENS_ID_MAX + 2];
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    assert_int_equal(redis_tokens_family_create(f->a, longid, 1, "r1", later(600), &err), IG_EINVAL);
    longid[REDIS_TOKENS_ID_MAX] = '\0';
    assert_int_equal(redis_tokens_family_create(f->a, longid, 1, "r1", later(600), &err), IG_OK);
}

static void test_logout_seen_by_other_instance(void **state)
{
    fx *f = need(state);
    ig_err err = {0};
    assert_int_equal(redis_tokens_family_create(f->a, "sess", 3, "r1", later(600), &err), IG_OK);
    check(f->b, 3, "acc", "sess", false, false);
    /* logout on A: the access token and its family */
    assert_int_equal(redis_tokens_jti_revoke(f->a, "acc", later(300), &err), IG_OK);
    assert_int_equal(redis_tokens_family_revoke(f->a, "sess", &err), IG_OK);
    check(f->b, 3, "acc", "sess", true, true);
    check(f->b, 3, "acc2", "sess", false, true);
    int64_t t = ttl(f->b, "ig:jti:acc");
    assert_true(t > 290 && t <= 300);
    /* revoking an unknown family creates nothing; an already-expired jti is not stored */
    assert_int_equal(redis_tokens_family_revoke(f->a, "ghost", &err), IG_OK);
    assert_int_equal(ttl(f->a, "ig:fam:ghost"), -2);
    assert_int_equal(redis_tokens_jti_revoke(f->a, "old", later(-1), &err), IG_OK);
    check(f->a, 3, "old", "", false, false);
}

static void test_revoke_user_and_sessions(void **state)
{
    fx *f = need(state);
    ig_err err = {0};
    int64_t exp = later(900);
    assert_int_equal(redis_tokens_family_create(f->a, "k1", 5, "j1", exp, &err), IG_OK);
    assert_int_equal(redis_tokens_family_create(f->a, "k2", 5, "j2", exp, &err), IG_OK);
    assert_int_equal(redis_tokens_family_create(f->b, "k3", 5, "j3", exp, &err), IG_OK);
    assert_int_equal(redis_tokens_family_create(f->b, "o1", 6, "j4", exp, &err), IG_OK);
    assert_int_equal(redis_tokens_family_rotate(f->a, "k2", 5, "j2", "j2b", exp, &err), IG_OK);

    json_t *s = NULL;
    char iso_exp[32]; /* timestamps are ISO 8601 UTC, as the store exports them */
    time_t te = (time_t)exp;
    struct tm tm;
    strftime(iso_exp, sizeof iso_exp, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&te, &tm));
    assert_int_equal(redis_tokens_sessions(f->b, 5, &s, &err), IG_OK);
    assert_int_equal(json_array_size(s), 3);
    json_t *row;
    size_t i;
    int rotated = 0;
    json_array_foreach(s, i, row)
    {
        const char *id = json_string_value(json_object_get(row, "id"));
        assert_true(strcmp(id, "k1") == 0 || strcmp(id, "k2") == 0 || strcmp(id, "k3") == 0);
        assert_string_equal(json_string_value(json_object_get(row, "expires_at")), iso_exp);
        assert_true(strcmp(json_string_value(json_object_get(row, "created_at")), iso_exp) < 0);
        assert_true(json_is_false(json_object_get(row, "revoked")));
        if (json_is_string(json_object_get(row, "rotated_at")))
            rotated++;
        else
            assert_true(json_is_null(json_object_get(row, "rotated_at")));
        if (i > 0) /* oldest first, then by id */
            assert_true(strcmp(json_string_value(json_object_get(json_array_get(s, i - 1), "id")), id) < 0);
    }
    assert_int_equal(rotated, 1);
    json_decref(s);

    /* a password change on B keeps only the current session */
    assert_int_equal(redis_tokens_revoke_user(f->b, 5, "k2", false, &err), IG_OK);
    check(f->a, 5, "x", "k1", false, true);
    check(f->a, 5, "x", "k2", false, false);
    check(f->a, 5, "x", "k3", false, true);
    check(f->a, 6, "x", "o1", false, false);
    assert_int_equal(redis_tokens_sessions(f->a, 5, &s, &err), IG_OK);
    int revoked = 0;
    json_array_foreach(s, i, row) revoked += json_is_true(json_object_get(row, "revoked"));
    assert_int_equal(revoked, 2);
    json_decref(s);

    /* account deletion: everything revoked and the list forgotten, so a later user 5 sees none */
    assert_int_equal(redis_tokens_revoke_user(f->a, 5, NULL, true, &err), IG_OK);
    check(f->b, 5, "x", "k2", false, true);
    assert_int_equal(redis_tokens_sessions(f->a, 5, &s, &err), IG_OK);
    assert_int_equal(json_array_size(s), 0);
    json_decref(s);
    assert_int_equal(redis_tokens_sessions(f->a, 6, &s, &err), IG_OK);
    assert_int_equal(json_array_size(s), 1);
    json_decref(s);
}

typedef struct race {
    redis_pool *p;
    pthread_barrier_t *go;
    const char *next;
    ig_status st;
} race;

static void *rotate_thread(void *arg)
{
    race *r = arg;
    pthread_barrier_wait(r->go);
    r->st = redis_tokens_family_rotate(r->p, "race", 9, "r0", r->next, (int64_t)time(NULL) + 600, NULL);
    return NULL;
}

static void test_rotation_race_is_atomic(void **state)
{
    fx *f = need(state);
    ig_err err = {0};
    for (int round = 0; round < 20; round++) {
        const char *del[2] = {"DEL", "ig:fam:race"};
        redisReply *rep = NULL;
        assert_int_equal(redis_command(f->a, 2, del, NULL, &rep, &err), IG_OK);
        freeReplyObject(rep);
        assert_int_equal(redis_tokens_family_create(f->a, "race", 9, "r0", later(600), &err), IG_OK);
        /* the same refresh token presented twice at once, on two instances */
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, 2);
        race r[2] = {{f->a, &go, "n1", IG_OK}, {f->b, &go, "n2", IG_OK}};
        pthread_t t[2];
        for (int i = 0; i < 2; i++)
            assert_int_equal(pthread_create(&t[i], NULL, rotate_thread, &r[i]), 0);
        for (int i = 0; i < 2; i++)
            pthread_join(t[i], NULL);
        pthread_barrier_destroy(&go);
        /* exactly one wins; the loser is a replay, which ends the family */
        assert_true((r[0].st == IG_OK) != (r[1].st == IG_OK));
        assert_int_equal(r[0].st == IG_OK ? r[1].st : r[0].st, IG_EAUTH);
        check(f->a, 9, "x", "race", false, true);
    }
}

static void test_redis_down(void **state)
{
    fx *f = need(state);
    ig_err err = {0};
    assert_int_equal(redis_tokens_family_create(f->a, "d1", 4, "j1", later(600), &err), IG_OK);
    testredis_halt(&f->srv);
    bool j = false, fr = false;
    assert_int_equal(redis_tokens_check(f->a, 4, "x", "d1", &j, &fr, &err), IG_EUNAVAIL);
    assert_int_equal(redis_tokens_family_create(f->a, "d2", 4, "j1", later(600), &err), IG_EUNAVAIL);
    assert_int_equal(redis_tokens_family_rotate(f->b, "d1", 4, "j1", "j2", later(600), &err), IG_EUNAVAIL);
    assert_int_equal(redis_tokens_jti_revoke(f->b, "x", later(60), &err), IG_EUNAVAIL);
    json_t *s = NULL;
    assert_int_equal(redis_tokens_sessions(f->b, 4, &s, &err), IG_EUNAVAIL);
    assert_null(s);
    testredis_start(&f->srv, NULL);
    int64_t deadline = testredis_ms() + 3000;
    while (redis_tokens_check(f->a, 4, "x", "d1", &j, &fr, &err) != IG_OK) {
        assert_int_equal(err.status, IG_EUNAVAIL);
        assert_true(testredis_ms() < deadline);
        usleep(20000);
    }
    /* no persistence: a session from before the outage is gone, so it counts as over */
    assert_true(fr);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_rotate_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_other_user_and_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logout_seen_by_other_instance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoke_user_and_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation_race_is_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redis_down, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

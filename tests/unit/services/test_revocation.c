/* Unit tests of services/revocation: the same session scenario against both implementations, the
 * store's tables and Redis (a redis-server started here; those runs are skipped when it is not
 * installed), with the export's sessions in the same shape from both, and what differs: where
 * they come from, and Redis being unreachable. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "services/revocation.h"
#include "store/redis_tokens.h"
#include "support/testdb.h"
#include "support/testredis.h"

typedef struct fx {
    char dir[512], path[600];
    ig_store *st;
    testredis srv;
    redis_pool *redis; /* NULL: the store's tables */
    revocation rv;
    int64_t uid, other;
} fx;

static int64_t user(ig_store *st, const char *email)
{
    store_user u;
    ig_err err = {0};
    assert_int_equal(store_user_create(st, email, "$argon2id$fake", NULL, &u, &err), IG_OK);
    return u.id;
}

static int setup_common(void **state, bool with_redis)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    *state = f;
    if (with_redis && testredis_binary() == NULL) {
        print_message("redis-server is not installed (apt-get install redis-server): skipped\n");
        f->st = NULL;
        return 0;
    }
    f->st = testdb_create("igrevoke", 4, f->dir, sizeof f->dir, f->path, sizeof f->path);
    if (with_redis) {
        testredis_start(&f->srv, NULL);
        char url[400];
        testredis_url(&f->srv, 0, url, sizeof url);
        ig_err err = {0};
        assert_int_equal(redis_pool_open(url, 2, 1000, &f->redis, &err), IG_OK);
    }
    f->rv = (revocation){f->st, f->redis};
    f->uid = user(f->st, "zhang.san@example.com");
    f->other = user(f->st, "li.si@example.cn");
    return 0;
}

static int setup_store(void **state)
{
    return setup_common(state, false);
}

static int setup_redis(void **state)
{
    return setup_common(state, true);
}

static int teardown(void **state)
{
    fx *f = *state;
    if (f->st) {
        store_close(f->st);
        testdb_remove(f->dir, f->path);
    }
    redis_pool_close(f->redis);
    testredis_stop(&f->srv);
    free(f);
    return 0;
}

static fx *need(void **state)
{
    fx *f = *state;
    if (f->st == NULL)
        skip();
    return f;
}

static store_auth_check check(fx *f, int64_t uid, const char *jti, const char *fam)
{
    store_auth_check c;
    ig_err err = {0};
    assert_int_equal(revocation_check(&f->rv, uid, jti, fam, &c, &err), IG_OK);
    return c;
}

static void scenario(void **state)
{
    fx *f = need(state);
    ig_err err = {0};
    int64_t exp = (int64_t)time(NULL) + 600;
    assert_int_equal(revocation_ready(&f->rv, &err), IG_OK);
    assert_int_equal(revocation_family_create(&f->rv, "s1", f->uid, "r1", exp, &err), IG_OK);
    assert_int_equal(revocation_family_create(&f->rv, "s2", f->uid, "r2", exp, &err), IG_OK);
    assert_int_equal(revocation_family_create(&f->rv, "o1", f->other, "r3", exp, &err), IG_OK);

    store_auth_check c = check(f, f->uid, "a1", "s1");
    assert_true(c.user_exists && c.user_active);
    assert_false(c.jti_revoked || c.family_revoked);
    assert_string_equal(c.user.email, "zhang.san@example.com");
    assert_true(check(f, f->other, "a1", "s1").family_revoked); /* another user's session */
    assert_false(check(f, 999999, "a1", "s1").user_exists);

    /* rotation, then a replay of the old refresh token ends the session */
    assert_int_equal(revocation_family_rotate(&f->rv, "s1", f->uid, "r1", "r1b", exp, &err), IG_OK);
    assert_int_equal(revocation_family_rotate(&f->rv, "s1", f->uid, "r1", "r1c", exp, &err), IG_EAUTH);
    assert_true(check(f, f->uid, "a1", "s1").family_revoked);

    /* logout of s2's access token */
    assert_int_equal(revocation_jti_revoke(&f->rv, "a2", exp, &err), IG_OK);
    assert_int_equal(revocation_family_revoke(&f->rv, "s2", &err), IG_OK);
    c = check(f, f->uid, "a2", "s2");
    assert_true(c.jti_revoked && c.family_revoked);

    /* a password change keeps the current session only */
    assert_int_equal(revocation_family_create(&f->rv, "s3", f->uid, "r4", exp, &err), IG_OK);
    assert_int_equal(revocation_family_create(&f->rv, "s4", f->uid, "r5", exp, &err), IG_OK);
    assert_int_equal(revocation_revoke_user(&f->rv, f->uid, "s4", &err), IG_OK);
    assert_true(check(f, f->uid, "x", "s3").family_revoked);
    assert_false(check(f, f->uid, "x", "s4").family_revoked);
    assert_false(check(f, f->other, "x", "o1").family_revoked);

    /* the export lists the user's four sessions, wherever they live */
    json_t *doc = NULL;
    assert_int_equal(store_user_export(f->st, f->uid, &doc, &err), IG_OK);
    assert_int_equal(revocation_export(&f->rv, f->uid, doc, &err), IG_OK);
    json_t *sessions = json_object_get(doc, "sessions");
    char iso[32];
    time_t t = (time_t)exp;
    struct tm tm;
    strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    assert_int_equal(json_array_size(sessions), 4);
    size_t i;
    json_t *row;
    int live = 0;
    json_array_foreach(sessions, i, row)
    {
        assert_true(json_is_string(json_object_get(row, "id")));
        assert_string_equal(json_string_value(json_object_get(row, "expires_at")), iso);
        assert_true(json_is_boolean(json_object_get(row, "revoked")));
        live += json_is_false(json_object_get(row, "revoked"));
        assert_null(json_object_get(row, "current_jti"));
    }
    assert_int_equal(live, 1);
    json_decref(doc);

    /* deletion: the user goes, the other user's session stays */
    assert_int_equal(revocation_delete_user(&f->rv, f->uid, &err), IG_OK);
    assert_false(check(f, f->uid, "x", "s4").user_exists);
    assert_false(check(f, f->other, "x", "o1").family_revoked);
}

static void test_store_backend(void **state)
{
    fx *f = need(state);
    scenario(state);
    /* nothing of the store's sessions goes to Redis, and the export came from the tables */
    assert_null(f->rv.redis);
}

static void test_redis_backend(void **state)
{
    fx *f = need(state);
    scenario(state);
    /* the deleted user's last session is revoked in Redis, so its tokens could not pass for a
     * later user given the same id */
    bool jti_revoked, fam_revoked;
    assert_int_equal(redis_tokens_check(f->redis, f->uid, "x", "s4", &jti_revoked, &fam_revoked, NULL), IG_OK);
    assert_true(fam_revoked);
    /* the sessions never touched the database */
    json_t *doc = NULL;
    ig_err err = {0};
    assert_int_equal(store_user_export(f->st, f->other, &doc, &err), IG_OK);
    assert_int_equal(json_array_size(json_object_get(doc, "sessions")), 0);
    assert_int_equal(revocation_export(&f->rv, f->other, doc, &err), IG_OK);
    assert_int_equal(json_array_size(json_object_get(doc, "sessions")), 1);
    json_decref(doc);
}

static void test_redis_unreachable(void **state)
{
    fx *f = need(state);
    ig_err err = {0};
    int64_t exp = (int64_t)time(NULL) + 600;
    assert_int_equal(revocation_family_create(&f->rv, "d1", f->uid, "r1", exp, &err), IG_OK);
    testredis_halt(&f->srv);
    store_auth_check c;
    assert_int_equal(revocation_ready(&f->rv, &err), IG_EUNAVAIL);
    assert_int_equal(revocation_check(&f->rv, f->uid, "a", "d1", &c, &err), IG_EUNAVAIL);
    assert_int_equal(revocation_family_create(&f->rv, "d2", f->uid, "r2", exp, &err), IG_EUNAVAIL);
    json_t *doc = json_object();
    assert_int_equal(revocation_export(&f->rv, f->uid, doc, &err), IG_EUNAVAIL);
    json_decref(doc);
    /* deletion needs Redis first: the account stays rather than leave live sessions behind */
    assert_int_equal(revocation_delete_user(&f->rv, f->uid, &err), IG_EUNAVAIL);
    store_user u;
    assert_int_equal(store_user_by_id(f->st, f->uid, &u, &err), IG_OK);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_backend, setup_store, teardown),
        cmocka_unit_test_setup_teardown(test_redis_backend, setup_redis, teardown),
        cmocka_unit_test_setup_teardown(test_redis_unreachable, setup_redis, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

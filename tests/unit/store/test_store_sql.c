/* Unit tests of the SQL backend (store_sql.c) on each engine: SQLite always, PostgreSQL and
 * MySQL/MariaDB when IG_TEST_PG_URL / IG_TEST_MYSQL_URL name a database (skipped otherwise). They
 * cover what differs between the engines: parameters tested for NULL, writes that read their row
 * back, upserts, and the races that row locks must settle (a refresh token rotated twice at once,
 * a job queue shared by many workers). A server's database outlives the run, so every row is tagged
 * with the run's own names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "support/testdb.h"

#define RACERS 8
#define LEASERS 4
#define JOBS 60

typedef struct fixture {
    char dir[512];
    char path[600];
    const char *url_env; /* NULL: SQLite */
    ig_store *st;
    char tag[48]; /* unique to this run and fixture */
    int64_t alice;
} fixture;

static int64_t make_user(fixture *f, const char *name, const char *username)
{
    char email[128];
    snprintf(email, sizeof email, "%s-%s@example.com", name, f->tag);
    store_user u;
    ig_err err = {0};
    assert_int_equal(store_user_create(f->st, email, "$argon2id$hash", username, &u, &err), IG_OK);
    return u.id;
}

static int setup_with(void **state, const char *url_env)
{
    static int serial;
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->url_env = url_env;
    snprintf(f->tag, sizeof f->tag, "%ld-%d-%d", (long)time(NULL), (int)getpid(), ++serial);
    if (url_env == NULL) {
        f->st = testdb_create("igsql", LEASERS + 2, f->dir, sizeof f->dir, f->path, sizeof f->path);
    } else if ((f->st = testdb_server_open(url_env, LEASERS + 2)) == NULL) {
        free(f);
        *state = NULL;
        return 0;
    }
    f->alice = make_user(f, "alice", "爱丽丝");
    *state = f;
    return 0;
}

static int setup_sqlite(void **state)
{
    return setup_with(state, NULL);
}

static int setup_pg(void **state)
{
    return setup_with(state, "IG_TEST_PG_URL");
}

static int setup_mysql(void **state)
{
    return setup_with(state, "IG_TEST_MYSQL_URL");
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f == NULL)
        return 0;
    store_close(f->st);
    if (f->url_env == NULL)
        testdb_remove(f->dir, f->path);
    free(f);
    return 0;
}

/* The fixture, or a skip when this engine has no database configured. */
static fixture *fx(void **state)
{
    return testdb_need(state);
}

/* NULL leaves a profile field, "" clears it (a parameter tested for NULL and used as text). */
static void test_profile_fields(void **state)
{
    fixture *f = fx(state);
    store_user u;
    ig_err err = {0};
    assert_int_equal(store_user_update_profile(f->st, f->alice, NULL, NULL, &u, &err), IG_OK);
    assert_true(u.has_username);
    assert_string_equal(u.username, "爱丽丝");
    assert_false(u.has_avatar_url);
    assert_int_equal(store_user_update_profile(f->st, f->alice, NULL, "https://cdn.example.com/a.png", &u, &err),
                     IG_OK);
    assert_string_equal(u.username, "爱丽丝");
    assert_string_equal(u.avatar_url, "https://cdn.example.com/a.png");
    assert_int_equal(store_user_update_profile(f->st, f->alice, "", NULL, &u, &err), IG_OK);
    assert_false(u.has_username);
    assert_true(u.has_avatar_url);
    assert_int_equal(store_user_update_profile(f->st, f->alice, "Alice", "", &u, &err), IG_OK);
    assert_string_equal(u.username, "Alice");
    assert_false(u.has_avatar_url);
    assert_int_equal(store_user_update_profile(f->st, f->alice + 1000000, "x", NULL, &u, &err), IG_ENOTFOUND);
    store_user again;
    assert_int_equal(store_user_by_id(f->st, f->alice, &again, &err), IG_OK);
    assert_string_equal(again.username, "Alice");
}

/* The one-query token check, and the revocation upsert that keeps the later expiry. */
static void test_token_checks(void **state)
{
    fixture *f = fx(state);
    ig_err err = {0};
    char jti[64], fam[64], other[64];
    snprintf(jti, sizeof jti, "jti-%s", f->tag);
    snprintf(fam, sizeof fam, "fam-%s", f->tag);
    snprintf(other, sizeof other, "fam2-%s", f->tag);
    int64_t t = time(NULL);
    assert_int_equal(store_family_create(f->st, fam, f->alice, "r1", t + 600, &err), IG_OK);
    assert_int_equal(store_family_create(f->st, other, f->alice, "r2", t + 600, &err), IG_OK);
    store_auth_check a;
    assert_int_equal(store_auth_check_token(f->st, f->alice, jti, NULL, &a, &err), IG_OK);
    assert_true(a.user_exists);
    assert_false(a.jti_revoked);
    assert_false(a.family_revoked);
    assert_int_equal(store_auth_check_token(f->st, f->alice, jti, fam, &a, &err), IG_OK);
    assert_false(a.family_revoked);
    assert_int_equal(store_auth_check_token(f->st, f->alice, jti, "no-such-family", &a, &err), IG_OK);
    assert_true(a.family_revoked);
    assert_int_equal(store_auth_check_token(f->st, f->alice + 1000000, jti, NULL, &a, &err), IG_OK);
    assert_false(a.user_exists);

    /* a logout on every device but this one */
    assert_int_equal(store_family_revoke_user(f->st, f->alice, fam, &err), IG_OK);
    assert_int_equal(store_auth_check_token(f->st, f->alice, jti, fam, &a, &err), IG_OK);
    assert_false(a.family_revoked);
    assert_int_equal(store_auth_check_token(f->st, f->alice, jti, other, &a, &err), IG_OK);
    assert_true(a.family_revoked);
    assert_int_equal(store_family_revoke_user(f->st, f->alice, NULL, &err), IG_OK);
    assert_int_equal(store_auth_check_token(f->st, f->alice, jti, fam, &a, &err), IG_OK);
    assert_true(a.family_revoked);

    /* revoked twice: the later expiry stays, so the purge before it keeps the revocation */
    assert_int_equal(store_jti_revoke(f->st, jti, t + 100, &err), IG_OK);
    assert_int_equal(store_jti_revoke(f->st, jti, t + 50, &err), IG_OK);
    assert_int_equal(store_purge_expired(f->st, t + 60, &err), IG_OK);
    assert_int_equal(store_auth_check_token(f->st, f->alice, jti, NULL, &a, &err), IG_OK);
    assert_true(a.jti_revoked);
    assert_int_equal(store_purge_expired(f->st, t + 100, &err), IG_OK);
    assert_int_equal(store_auth_check_token(f->st, f->alice, jti, NULL, &a, &err), IG_OK);
    assert_false(a.jti_revoked);
}

typedef struct rotator {
    fixture *f;
    const char *family;
    int n;
    ig_status rc;
} rotator;

static void *rotate(void *arg)
{
    rotator *r = arg;
    char next[64];
    ig_err err = {0};
    snprintf(next, sizeof next, "next-%d", r->n);
    r->rc = store_family_rotate(r->f->st, r->family, r->f->alice, "r1", next, time(NULL) + 600, &err);
    return NULL;
}

/* The same refresh token presented RACERS times at once rotates the session once: every other
 * attempt is reuse, which revokes the session. */
static void test_rotate_race(void **state)
{
    fixture *f = fx(state);
    char fam[64];
    snprintf(fam, sizeof fam, "race-%s", f->tag);
    ig_err err = {0};
    assert_int_equal(store_family_create(f->st, fam, f->alice, "r1", time(NULL) + 600, &err), IG_OK);
    pthread_t th[RACERS];
    rotator r[RACERS];
    for (int i = 0; i < RACERS; i++) {
        r[i] = (rotator){f, fam, i, IG_EINTERNAL};
        assert_int_equal(pthread_create(&th[i], NULL, rotate, &r[i]), 0);
    }
    int ok = 0;
    for (int i = 0; i < RACERS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        if (r[i].rc == IG_OK)
            ok++;
        else
            assert_int_equal(r[i].rc, IG_EAUTH);
    }
    assert_int_equal(ok, 1);
    store_auth_check a;
    assert_int_equal(store_auth_check_token(f->st, f->alice, "j", fam, &a, &err), IG_OK);
    assert_true(a.family_revoked);
}

typedef struct leaser {
    fixture *f;
    int n;
    int64_t ids[JOBS]; /* the jobs of this run it leased */
    int count;
    ig_status rc;
} leaser;

static void *lease_all(void *arg)
{
    leaser *l = arg;
    char owner[64], kind[64];
    snprintf(owner, sizeof owner, "w%d-%s", l->n, l->f->tag);
    snprintf(kind, sizeof kind, "k%s", l->f->tag);
    for (;;) {
        store_job j;
        ig_err err = {0};
        ig_status rc = store_job_lease(l->f->st, owner, time(NULL), 60, &j, &err);
        if (rc == IG_ENOTFOUND)
            return NULL;
        if (rc == IG_OK)
            rc = store_job_complete(l->f->st, j.id, owner, time(NULL), &err);
        if (rc != IG_OK) {
            l->rc = rc;
            return NULL;
        }
        if (strcmp(j.kind, kind) == 0 && l->count < JOBS)
            l->ids[l->count++] = j.id;
    }
}

/* LEASERS workers drain a queue at once: each job is leased by exactly one of them, once. */
static void test_lease_each_job_once(void **state)
{
    fixture *f = fx(state);
    char kind[64];
    snprintf(kind, sizeof kind, "k%s", f->tag);
    int64_t ids[JOBS];
    ig_err err = {0};
    for (int i = 0; i < JOBS; i++)
        assert_int_equal(store_job_enqueue(f->st, kind, "{\"n\":1}", 0, 3, 0, &ids[i], &err), IG_OK);
    pthread_t th[LEASERS];
    leaser *l = calloc(LEASERS, sizeof *l);
    assert_non_null(l);
    for (int i = 0; i < LEASERS; i++) {
        l[i].f = f;
        l[i].n = i;
        l[i].rc = IG_OK;
        assert_int_equal(pthread_create(&th[i], NULL, lease_all, &l[i]), 0);
    }
    int seen[JOBS] = {0};
    for (int i = 0; i < LEASERS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(l[i].rc, IG_OK);
        for (int k = 0; k < l[i].count; k++)
            for (int j = 0; j < JOBS; j++)
                seen[j] += l[i].ids[k] == ids[j];
    }
    for (int j = 0; j < JOBS; j++) {
        store_job job;
        assert_int_equal(seen[j], 1);
        assert_int_equal(store_job_get(f->st, ids[j], &job, &err), IG_OK);
        assert_string_equal(job.status, "done");
        assert_int_equal(job.attempts, 1);
    }
    free(l);
}

/* A lease that lapsed on the last attempt fails the job and its resume when a worker next looks. */
static void test_lapsed_last_attempt(void **state)
{
    fixture *f = fx(state);
    char sha[65], owner[64];
    snprintf(sha, sizeof sha, "%064lx", (unsigned long)f->alice * 7919UL + (unsigned long)time(NULL));
    snprintf(owner, sizeof owner, "w-%s", f->tag);
    store_resume_new in = {f->alice, "简历.pdf", "1/cv.pdf", "application/pdf", 10, sha, 1};
    store_resume r;
    ig_err err = {0};
    assert_int_equal(store_resume_create(f->st, &in, &r, &err), IG_OK);
    assert_string_equal(r.status, "pending");
    /* lease every runnable job (this resume's among them) for a second */
    int64_t t = time(NULL);
    store_job j;
    int64_t mine = 0;
    while (store_job_lease(f->st, owner, t, 1, &j, &err) == IG_OK)
        if (j.resume_id == r.id)
            mine = j.id;
    assert_true(mine != 0);
    /* the next lease, once those have lapsed, fails it (and may take some other job) */
    ig_status rc = store_job_lease(f->st, owner, t + 2, 60, &j, &err);
    assert_true(rc == IG_OK || rc == IG_ENOTFOUND);
    assert_int_equal(store_job_get(f->st, mine, &j, &err), IG_OK);
    assert_string_equal(j.status, "failed");
    assert_int_equal(store_resume_get(f->st, f->alice, r.id, &r, &err), IG_OK);
    assert_string_equal(r.status, "failed");
    assert_string_equal(r.error_code, STORE_ERR_INTERRUPTED);
    /* the same bytes again name the resume that has them */
    store_resume dup;
    assert_int_equal(store_resume_create(f->st, &in, &dup, &err), IG_ECONFLICT);
    assert_int_equal(dup.id, r.id);
    bool queued = false;
    assert_int_equal(store_resume_reparse(f->st, f->alice, r.id, 3, &dup, &queued, &err), IG_OK);
    assert_true(queued);
    assert_string_equal(dup.status, "pending");
}

/* Interview transitions read their row back (GREATEST on the servers, no RETURNING on MySQL). */
static void test_interview_transitions(void **state)
{
    fixture *f = fx(state);
    char sha[65], sid[64];
    snprintf(sha, sizeof sha, "%064lx", (unsigned long)f->alice * 104729UL + (unsigned long)time(NULL));
    snprintf(sid, sizeof sid, "sid-%s", f->tag);
    store_resume_new rn = {f->alice, "cv.pdf", "1/cv.pdf", "application/pdf", 10, sha, 3};
    store_resume r;
    ig_err err = {0};
    assert_int_equal(store_resume_create(f->st, &rn, &r, &err), IG_OK);
    json_t *qs = json_pack("[{s:s, s:s, s:s, s:s, s:[s], s:[], s:s, s:s}, {s:s, s:s, s:s, s:s, s:[], s:[], s:s, s:s}]",
                           "question_text", "讲讲 MVCC", "category", "technical", "topic", "sql", "difficulty",
                           "hard", "expected_points", "快照", "follow_ups", "language", "zh", "bank_id", "b-1",
                           "question_text", "Explain GC", "category", "technical", "topic", "runtime",
                           "difficulty", "easy", "expected_points", "follow_ups", "language", "en", "bank_id", "b-2");
    store_interview_new in = {f->alice, r.id, sid, "technical", "medium", "zh", NULL, false, true, 7};
    store_interview iv, now;
    assert_int_equal(store_interview_create(f->st, &in, qs, &iv, &err), IG_OK);
    json_decref(qs);
    assert_string_equal(iv.status, "active");
    assert_int_equal(iv.total_questions, 2);
    int64_t t0 = iv.started_at;
    assert_int_equal(store_interview_transition(f->st, f->alice, iv.id, STORE_RESUME, t0 + 5, &now, &err), IG_ESTATE);
    assert_int_equal(store_interview_transition(f->st, f->alice, iv.id, STORE_PAUSE, t0 + 10, &now, &err), IG_OK);
    assert_string_equal(now.status, "paused");
    assert_int_equal(now.paused_at, t0 + 10);
    assert_int_equal(now.version, iv.version + 1);
    assert_int_equal(store_interview_transition(f->st, f->alice, iv.id, STORE_RESUME, t0 + 40, &now, &err), IG_OK);
    assert_string_equal(now.status, "active");
    assert_int_equal(now.paused_seconds, 30);
    assert_int_equal(now.paused_at, 0);
    assert_int_equal(store_interview_transition(f->st, f->alice + 1000000, iv.id, STORE_PAUSE, t0 + 41, &now, &err),
                     IG_ENOTFOUND);
    assert_int_equal(store_interview_add_usage(f->st, f->alice, iv.id, 120, 30, &err), IG_OK);
    assert_int_equal(store_interview_transition(f->st, f->alice, iv.id, STORE_CANCEL, t0 + 100, &now, &err), IG_OK);
    assert_string_equal(now.status, "cancelled");
    assert_int_equal(now.duration, 70);
    assert_int_equal(now.ai_prompt_tokens, 120);
    assert_int_equal(store_interview_transition(f->st, f->alice, iv.id, STORE_PAUSE, t0 + 101, &now, &err),
                     IG_ESTATE);
    json_t *items = NULL;
    assert_int_equal(store_interview_items(f->st, f->alice, iv.id, &items, &err), IG_OK);
    assert_int_equal(json_array_size(items), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "question_text")), "讲讲 MVCC");
    json_decref(items);
    json_t *list = NULL;
    int64_t total = 0;
    assert_int_equal(store_question_list(f->st, f->alice, r.id, 1, 10, &list, &total, &err), IG_OK);
    assert_int_equal(total, 2);
    assert_false(json_is_true(json_object_get(json_array_get(list, 0), "locked")));
    json_decref(list);
}

#define ENGINE_TESTS(setup)                                                                                  \
    cmocka_unit_test_setup_teardown(test_profile_fields, setup, teardown),                                   \
        cmocka_unit_test_setup_teardown(test_token_checks, setup, teardown),                                 \
        cmocka_unit_test_setup_teardown(test_rotate_race, setup, teardown),                                  \
        cmocka_unit_test_setup_teardown(test_lease_each_job_once, setup, teardown),                          \
        cmocka_unit_test_setup_teardown(test_lapsed_last_attempt, setup, teardown),                          \
        cmocka_unit_test_setup_teardown(test_interview_transitions, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        ENGINE_TESTS(setup_sqlite),
        ENGINE_TESTS(setup_pg),
        ENGINE_TESTS(setup_mysql),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

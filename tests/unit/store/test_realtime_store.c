/* Unit tests of the store call the Socket.IO server makes before a client joins an interview's
 * room: the interview by session_id, only for its owner. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "support/testdb.h"

#define SESSION "6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab"

typedef struct fixture {
    char dir[512];
    char path[600];
    ig_store *st;
    int64_t alice, bob;
    store_interview iv;
} fixture;

static int64_t make_user(ig_store *st, const char *email)
{
    store_user u;
    ig_err err = {0};
    assert_int_equal(store_user_create(st, email, "$argon2id$hash", NULL, &u, &err), IG_OK);
    return u.id;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->st = testdb_create("igrt", 2, f->dir, sizeof f->dir, f->path, sizeof f->path);
    f->alice = make_user(f->st, "alice@example.com");
    f->bob = make_user(f->st, "bob@example.com");
    ig_err err = {0};
    char sha[65];
    snprintf(sha, sizeof sha, "%064x", 7);
    store_resume_new rn = {f->alice, "简历.pdf", "1/cv.pdf", "application/pdf", 100, sha, 3};
    store_resume r;
    assert_int_equal(store_resume_create(f->st, &rn, &r, &err), IG_OK);
    json_t *qs = json_pack("[{s:s, s:s, s:s, s:s, s:s, s:[s], s:[], s:s, s:s, s:s}]", "question_text",
                           "介绍一个你做过的项目", "category", "project", "topic", "project", "skill", "Python",
                           "difficulty", "medium", "expected_points", "结果", "follow_ups", "model_answer", "STAR",
                           "bank_id", "b-1", "language", "zh");
    store_interview_new in = {f->alice, r.id, SESSION, "project", "medium", "zh", NULL, false, true, 1};
    assert_int_equal(store_interview_create(f->st, &in, qs, &f->iv, &err), IG_OK);
    json_decref(qs);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    store_close(f->st);
    testdb_remove(f->dir, f->path);
    free(f);
    return 0;
}

static void test_owner_only(void **state)
{
    fixture *f = *state;
    store_interview iv;
    ig_err err = {0};
    assert_int_equal(store_interview_owner_by_session(f->st, SESSION, f->alice, &iv, &err), IG_OK);
    assert_int_equal(iv.id, f->iv.id);
    assert_string_equal(iv.session_id, SESSION);
    assert_string_equal(iv.status, "active");
    assert_int_equal(iv.user_id, f->alice);

    assert_int_equal(store_interview_owner_by_session(f->st, SESSION, f->bob, &iv, &err), IG_ENOTFOUND);
    assert_int_equal(store_interview_owner_by_session(f->st, "6f1c2d3e-4a5b-4c6d-8e7f-0123456789ac", f->alice, &iv,
                                                      &err),
                     IG_ENOTFOUND);
    assert_int_equal(store_interview_owner_by_session(f->st, "6F1C2D3E-4A5B-4C6D-8E7F-0123456789AB", f->alice, &iv,
                                                      &err),
                     IG_ENOTFOUND); /* ids compare exactly */
}

static void test_bad_arguments(void **state)
{
    fixture *f = *state;
    store_interview iv;
    ig_err err = {0};
    char longer[STORE_SESSION_ID_MAX + 2];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    assert_int_equal(store_interview_owner_by_session(f->st, "", f->alice, &iv, &err), IG_EINVAL);
    assert_int_equal(store_interview_owner_by_session(f->st, NULL, f->alice, &iv, &err), IG_EINVAL);
    assert_int_equal(store_interview_owner_by_session(f->st, longer, f->alice, &iv, &err), IG_EINVAL);
    assert_int_equal(store_interview_owner_by_session(f->st, SESSION, f->alice, NULL, &err), IG_EINVAL);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_owner_only),
        T(test_bad_arguments),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}

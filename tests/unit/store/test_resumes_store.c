/* Unit tests of the store's resumes and durable jobs on a temporary SQLite file: ownership, the
 * duplicate upload, the structured parse result and its edits, deletion that keeps interviews,
 * leasing, lease expiry, retries with backoff, final failure, concurrent leasing and purging. Rows
 * the store API does not write (interviews, questions) are inserted with raw sqlite3 on the same
 * file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "support/testdb.h"


typedef struct fixture {
    char dir[512];
    char path[600];
    ig_store *st;
    int64_t alice, bob;
    int64_t now; /* the tests' clock: a little ahead of the real one, so new jobs are due */
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
    f->st = testdb_create("igres", 6, f->dir, sizeof f->dir, f->path, sizeof f->path);
    f->alice = make_user(f->st, "alice@example.com");
    f->bob = make_user(f->st, "bob@example.com");
    f->now = (int64_t)time(NULL) + 10;
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

static sqlite3 *raw_open(const fixture *f)
{
    return testdb_raw_open(f->path);
}

static int64_t raw_int(sqlite3 *db, const char *sql, int64_t p1)
{
    return testdb_raw_int(db, sql, p1);
}

/* A 64-digit hex hash that differs by n. */
static void sha_of(int n, char out[65])
{
    snprintf(out, 65, "%064x", n);
}

static store_resume create(fixture *f, int64_t user, int n)
{
    char sha[65], path[64], name[64];
    sha_of(n, sha);
    snprintf(path, sizeof path, "%lld/file%d.pdf", (long long)user, n);
    snprintf(name, sizeof name, "cv-%d.pdf", n);
    store_resume_new in = {user, name, path, "application/pdf", 1000 + n, sha, 3};
    store_resume r;
    ig_err err = {0};
    ig_status rc = store_resume_create(f->st, &in, &r, &err);
    if (rc != IG_OK)
        print_error("create: %s\n", err.msg);
    assert_int_equal(rc, IG_OK);
    return r;
}

/* The id of the resume's only queued or running job. */
static int64_t active_job(fixture *f, int64_t resume_id)
{
    sqlite3 *db = raw_open(f);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM jobs WHERE resume_id = ?1 AND status IN ('queued', 'running')",
                             resume_id),
                     1);
    int64_t id = raw_int(db, "SELECT id FROM jobs WHERE resume_id = ?1 AND status IN ('queued', 'running')", resume_id);
    sqlite3_close(db);
    return id;
}

static store_job lease_ok(fixture *f, const char *owner, int64_t now, int lease_s)
{
    store_job j;
    ig_err err = {0};
    ig_status rc = store_job_lease(f->st, owner, now, lease_s, &j, &err);
    if (rc != IG_OK)
        print_error("lease: %s\n", err.msg);
    assert_int_equal(rc, IG_OK);
    return j;
}

static void lease_none(fixture *f, int64_t now)
{
    store_job j;
    ig_err err = {0};
    assert_int_equal(store_job_lease(f->st, "nobody", now, 60, &j, &err), IG_ENOTFOUND);
}

/* ---- resumes ---- */

static void test_create_and_ownership(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_resume r = create(f, f->alice, 1);
    assert_true(r.id > 0);
    assert_int_equal(r.user_id, f->alice);
    assert_string_equal(r.file_name, "cv-1.pdf");
    assert_string_equal(r.file_type, "application/pdf");
    assert_int_equal(r.file_size, 1001);
    assert_string_equal(r.status, "pending");
    assert_int_equal(r.progress, 0);
    assert_string_equal(r.error_code, "");
    assert_true(r.created_at >= time(NULL) - 5);

    /* the parse job was written with it, pointing at it */
    store_job j;
    assert_int_equal(store_job_get(f->st, active_job(f, r.id), &j, &err), IG_OK);
    assert_string_equal(j.kind, STORE_JOB_PARSE_RESUME);
    assert_string_equal(j.status, "queued");
    assert_int_equal(j.attempts, 0);
    assert_int_equal(j.max_attempts, 3);
    assert_int_equal(j.resume_id, r.id);
    json_t *payload = json_loads(j.payload, 0, NULL);
    assert_non_null(payload);
    assert_int_equal(json_integer_value(json_object_get(payload, "resume_id")), r.id);
    assert_int_equal(json_integer_value(json_object_get(payload, "user_id")), f->alice);
    json_decref(payload);

    store_resume got;
    assert_int_equal(store_resume_get(f->st, f->alice, r.id, &got, &err), IG_OK);
    assert_string_equal(got.content_sha256, r.content_sha256);
    /* another user's id is not found, exactly like a missing one */
    assert_int_equal(store_resume_get(f->st, f->bob, r.id, &got, &err), IG_ENOTFOUND);
    assert_int_equal(store_resume_get(f->st, f->alice, r.id + 100, &got, &err), IG_ENOTFOUND);
    assert_int_equal(store_resume_mark_processing(f->st, f->bob, r.id, 10, &err), IG_ENOTFOUND);
    assert_int_equal(store_resume_mark_failed(f->st, f->bob, r.id, "no_text", NULL, &err), IG_ENOTFOUND);
    store_parse_result pr = {.raw_text = "x"};
    assert_int_equal(store_resume_save_result(f->st, f->bob, r.id, &pr, 0.5, &err), IG_ENOTFOUND);
    bool queued = true;
    assert_int_equal(store_resume_reparse(f->st, f->bob, r.id, 3, &got, &queued, &err), IG_ENOTFOUND);
    assert_false(queued);
    char path[STORE_FILE_PATH_MAX + 1];
    assert_int_equal(store_resume_delete(f->st, f->bob, r.id, path, sizeof path, &err), IG_ENOTFOUND);
    assert_int_equal(store_resume_get(f->st, f->alice, r.id, &got, &err), IG_OK);
    assert_string_equal(got.status, "pending");
}

static void test_create_validates(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_resume r;
    char sha[65];
    sha_of(7, sha);
    store_resume_new in = {f->alice, "a.pdf", "1/x.pdf", "application/pdf", 1, sha, 3};
    in.content_sha256 = "ABC";
    assert_int_equal(store_resume_create(f->st, &in, &r, &err), IG_EINVAL);
    char upper[65];
    memcpy(upper, sha, sizeof upper);
    upper[63] = 'A';
    in.content_sha256 = upper;
    assert_int_equal(store_resume_create(f->st, &in, &r, &err), IG_EINVAL);
    in.content_sha256 = sha;
    in.file_name = "";
    assert_int_equal(store_resume_create(f->st, &in, &r, &err), IG_EINVAL);
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    in.file_name = longname;
    assert_int_equal(store_resume_create(f->st, &in, &r, &err), IG_EINVAL);
    in.file_name = "a.pdf";
    in.job_max_attempts = 0;
    assert_int_equal(store_resume_create(f->st, &in, &r, &err), IG_EINVAL);
    in.job_max_attempts = 3;
    in.file_size = -1;
    assert_int_equal(store_resume_create(f->st, &in, &r, &err), IG_EINVAL);
    in.file_size = 1;
    in.user_id = f->bob + 1000; /* no such user */
    assert_int_equal(store_resume_create(f->st, &in, &r, &err), IG_ENOTFOUND);
    sqlite3 *db = raw_open(f);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM resumes", 0), 0);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM jobs", 0), 0);
    sqlite3_close(db);
}

static void test_duplicate_upload(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_resume first = create(f, f->alice, 1);
    assert_int_equal(store_resume_mark_processing(f->st, f->alice, first.id, 40, &err), IG_OK);

    char sha[65];
    sha_of(1, sha);
    store_resume_new again = {f->alice, "renamed.pdf", "1/other.pdf", "application/pdf", 1001, sha, 3};
    store_resume r;
    assert_int_equal(store_resume_create(f->st, &again, &r, &err), IG_ECONFLICT);
    assert_int_equal(r.id, first.id);
    assert_string_equal(r.file_name, "cv-1.pdf"); /* the existing row, as it is now */
    assert_string_equal(r.status, "processing");
    assert_int_equal(r.progress, 40);

    /* nothing new was written: one resume, one job */
    sqlite3 *db = raw_open(f);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM resumes", 0), 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM jobs", 0), 1);
    sqlite3_close(db);

    /* the same bytes from another user are that user's own resume */
    store_resume_new other = {f->bob, "b.pdf", "2/b.pdf", "application/pdf", 1001, sha, 3};
    assert_int_equal(store_resume_create(f->st, &other, &r, &err), IG_OK);
    assert_int_not_equal(r.id, first.id);
    assert_int_equal(r.user_id, f->bob);
}

static void test_list_paging(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    int64_t ids[25];
    for (int i = 0; i < 25; i++)
        ids[i] = create(f, f->alice, i).id;
    create(f, f->bob, 100);

    store_resume *items = NULL;
    size_t n = 0;
    int64_t total = 0;
    assert_int_equal(store_resume_list(f->st, f->alice, 1, 10, &items, &n, &total, &err), IG_OK);
    assert_int_equal(total, 25);
    assert_int_equal(n, 10);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(items[i].id, ids[24 - i]); /* newest first */
        assert_int_equal(items[i].user_id, f->alice);
    }
    free(items);

    assert_int_equal(store_resume_list(f->st, f->alice, 3, 10, &items, &n, &total, &err), IG_OK);
    assert_int_equal(n, 5);
    assert_int_equal(total, 25);
    assert_int_equal(items[0].id, ids[4]);
    assert_int_equal(items[4].id, ids[0]);
    free(items);

    /* past the end: no rows, the total still right */
    assert_int_equal(store_resume_list(f->st, f->alice, 4, 10, &items, &n, &total, &err), IG_OK);
    assert_null(items);
    assert_int_equal(n, 0);
    assert_int_equal(total, 25);

    assert_int_equal(store_resume_list(f->st, f->bob, 1, 100, &items, &n, &total, &err), IG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(total, 1);
    assert_int_equal(items[0].user_id, f->bob);
    free(items);

    int64_t nobody = f->bob + 50;
    assert_int_equal(store_resume_list(f->st, nobody, 1, 20, &items, &n, &total, &err), IG_OK);
    assert_int_equal(total, 0);
    assert_null(items);

    assert_int_equal(store_resume_list(f->st, f->alice, 0, 10, &items, &n, &total, &err), IG_EINVAL);
    assert_int_equal(store_resume_list(f->st, f->alice, 1, 0, &items, &n, &total, &err), IG_EINVAL);
    assert_int_equal(store_resume_list(f->st, f->alice, INT32_MAX, 100, &items, &n, &total, &err), IG_EINVAL);
}

static void test_status_transitions_and_result(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_resume r = create(f, f->alice, 1), got;
    json_t *doc = NULL;
    assert_int_equal(store_resume_parse_result(f->st, f->alice, r.id, &doc, &err), IG_ENOTFOUND);
    assert_null(doc);

    assert_int_equal(store_resume_mark_processing(f->st, f->alice, r.id, 10, &err), IG_OK);
    assert_int_equal(store_resume_get(f->st, f->alice, r.id, &got, &err), IG_OK);
    assert_string_equal(got.status, "processing");
    assert_int_equal(got.progress, 10);
    assert_int_equal(store_resume_mark_processing(f->st, f->alice, r.id, 101, &err), IG_EINVAL);

    json_t *basic = json_pack("{s:[s]}", "links", "https://github.com/alice");
    json_t *empty = json_array();
    store_parse_result pr = {.basic_info = basic,
                             .skills = empty,
                             .experience = empty,
                             .education = empty,
                             .projects = empty,
                             .raw_text = "Alice 工程师\nExperience"};
    assert_int_equal(store_resume_save_result(f->st, f->alice, r.id, &pr, 0.75, &err), IG_OK);
    assert_int_equal(store_resume_save_result(f->st, f->alice, r.id, &pr, 1.5, &err), IG_EINVAL);
    json_decref(basic);
    json_decref(empty);
    assert_int_equal(store_resume_get(f->st, f->alice, r.id, &got, &err), IG_OK);
    assert_string_equal(got.status, "completed");
    assert_int_equal(got.progress, 100);
    assert_true(got.parse_confidence > 0.74 && got.parse_confidence < 0.76);

    assert_int_equal(store_resume_parse_result(f->st, f->alice, r.id, &doc, &err), IG_OK);
    assert_string_equal(json_string_value(json_object_get(doc, "raw_text")), "Alice 工程师\nExperience");
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_object_get(doc, "basic_info"), "links"), 0)),
                        "https://github.com/alice");
    assert_true(json_is_array(json_object_get(doc, "skills")));
    assert_true(json_is_string(json_object_get(doc, "created_at")));
    json_decref(doc);
    assert_int_equal(store_resume_parse_result(f->st, f->bob, r.id, &doc, &err), IG_ENOTFOUND);

    /* saving again replaces the one result row */
    store_parse_result pr2 = {.raw_text = "second"};
    assert_int_equal(store_resume_save_result(f->st, f->alice, r.id, &pr2, 0.5, &err), IG_OK);
    assert_int_equal(store_resume_parse_result(f->st, f->alice, r.id, &doc, &err), IG_OK);
    assert_string_equal(json_string_value(json_object_get(doc, "raw_text")), "second");
    assert_true(json_is_null(json_object_get(doc, "skills")));
    json_decref(doc);
    sqlite3 *db = raw_open(f);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM resume_parse_results", 0), 1);
    sqlite3_close(db);

    /* failure: a stable code and a readable detail; a long detail is cut on a character boundary */
    char detail[3 * 400 + 1];
    for (int i = 0; i < 400; i++)
        memcpy(detail + 3 * i, "文", 3);
    detail[sizeof detail - 1] = '\0';
    assert_int_equal(store_resume_mark_failed(f->st, f->alice, r.id, "no_text", detail, &err), IG_OK);
    assert_int_equal(store_resume_get(f->st, f->alice, r.id, &got, &err), IG_OK);
    assert_string_equal(got.status, "failed");
    assert_string_equal(got.error_code, "no_text");
    assert_int_equal(strlen(got.error), 999); /* 333 whole characters of 3 bytes within 1000 */
    assert_int_equal(strncmp(got.error, detail, 999), 0);
    assert_int_equal(store_resume_mark_failed(f->st, f->alice, r.id, "", NULL, &err), IG_EINVAL);
    assert_int_equal(store_resume_mark_failed(f->st, f->alice, r.id, "a_code_that_is_far_too_long_to_be_a_code", NULL,
                                              &err),
                     IG_EINVAL);
}

static void test_reparse(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_resume r = create(f, f->alice, 1), got;
    bool queued = true;
    /* a job is already queued: nothing new */
    assert_int_equal(store_resume_reparse(f->st, f->alice, r.id, 3, &got, &queued, &err), IG_OK);
    assert_false(queued);
    assert_int_equal(got.id, r.id);
    int64_t first = active_job(f, r.id);

    store_job j = lease_ok(f, "w1", f->now, 60);
    assert_int_equal(j.id, first);
    assert_int_equal(store_resume_mark_failed(f->st, f->alice, r.id, "no_text", "empty", &err), IG_OK);
    /* running counts as active too */
    assert_int_equal(store_resume_reparse(f->st, f->alice, r.id, 3, &got, &queued, &err), IG_OK);
    assert_false(queued);
    assert_string_equal(got.status, "failed");
    assert_int_equal(store_job_complete(f->st, j.id, "w1", f->now, &err), IG_OK);

    assert_int_equal(store_resume_reparse(f->st, f->alice, r.id, 5, &got, &queued, &err), IG_OK);
    assert_true(queued);
    assert_string_equal(got.status, "pending");
    assert_int_equal(got.progress, 0);
    assert_string_equal(got.error_code, "");
    assert_string_equal(got.error, "");
    int64_t second = active_job(f, r.id);
    assert_int_not_equal(second, first);
    store_job sj;
    assert_int_equal(store_job_get(f->st, second, &sj, &err), IG_OK);
    assert_int_equal(sj.max_attempts, 5);
    assert_string_equal(sj.kind, STORE_JOB_PARSE_RESUME);
}

/* ---- structured resume edits ---- */

/* A structured result as parse/structure.h shapes it, EN and ZH. */
static store_parse_result structured(void)
{
    return (store_parse_result){
        .basic_info = json_pack("{s:s, s:s, s:[s]}", "name", "张伟", "email", "zhangwei@example.cn", "links",
                                "https://github.com/zw"),
        .skills = json_pack("[{s:s, s:s, s:[s], s:i, s:s}]", "name", "Python", "category", "language", "sources",
                            "skills", "count", 2, "raw", "python"),
        .experience = json_pack("[{s:s, s:s, s:s}]", "company", "阿里巴巴集团", "start", "2019-07", "end", "present"),
        .education = json_pack("[{s:s, s:s}]", "school", "北京大学", "degree", "bachelor"),
        .projects = json_array(),
        .raw_text = "张伟\nzhangwei@example.cn\n工作经历\n阿里巴巴集团 2019.07 - 至今",
        .certifications = json_pack("[s]", "AWS Certified Developer"),
        .awards = json_array(),
        .languages = json_pack("[s, s]", "English", "中文"),
        .sections = json_pack("[{s:s, s:s}]", "kind", "experience", "heading", "工作经历"),
        .confidence = json_pack("{s:f, s:f}", "overall", 0.6, "name", 0.9),
    };
}

static void free_result(store_parse_result *r)
{
    json_t *const parts[] = {r->basic_info, r->skills,    r->experience, r->education, r->projects,
                             r->certifications, r->awards, r->languages,  r->sections,  r->confidence};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        json_decref(parts[i]);
}

static json_t *result_of(fixture *f, int64_t user, int64_t id)
{
    json_t *doc = NULL;
    ig_err err = {0};
    assert_int_equal(store_resume_parse_result(f->st, user, id, &doc, &err), IG_OK);
    return doc;
}

static void test_structured_result_and_edit(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_resume r = create(f, f->alice, 1), got;
    store_parse_result pr = structured();
    /* not completed yet: nothing to edit */
    store_parse_result fix = {.skills = json_pack("[{s:s}]", "name", "Go")};
    assert_int_equal(store_resume_edit_result(f->st, f->alice, r.id, &fix, 0.9, &err), IG_ESTATE);
    assert_int_equal(store_resume_save_result(f->st, f->alice, r.id, &pr, 0.6, &err), IG_OK);

    /* every part comes back as JSON, not edited */
    json_t *doc = result_of(f, f->alice, r.id);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "basic_info"), "name")), "张伟");
    assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "certifications"), 0)),
                        "AWS Certified Developer");
    assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "languages"), 1)), "中文");
    assert_int_equal(json_array_size(json_object_get(doc, "awards")), 0);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(doc, "sections"), 0),
                                                          "heading")),
                        "工作经历");
    assert_true(json_real_value(json_object_get(json_object_get(doc, "confidence"), "overall")) == 0.6);
    assert_true(json_is_false(json_object_get(doc, "edited")));
    assert_true(json_is_null(json_object_get(doc, "edited_at")));
    json_decref(doc);

    /* an edit replaces only the parts given, keeps the text, and sets the confidence */
    json_decref(fix.skills);
    fix = (store_parse_result){.skills = json_pack("[{s:s}, {s:s}]", "name", "Go", "name", "机器学习"),
                               .confidence = json_pack("{s:f}", "overall", 0.85),
                               .raw_text = "ignored"};
    assert_int_equal(store_resume_edit_result(f->st, f->alice, r.id, &fix, 0.85, &err), IG_OK);
    assert_int_equal(store_resume_get(f->st, f->alice, r.id, &got, &err), IG_OK);
    assert_string_equal(got.status, "completed");
    assert_true(got.parse_confidence == 0.85);
    doc = result_of(f, f->alice, r.id);
    assert_int_equal(json_array_size(json_object_get(doc, "skills")), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(doc, "skills"), 1), "name")),
                        "机器学习");
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "basic_info"), "email")),
                        "zhangwei@example.cn");
    assert_int_equal(json_array_size(json_object_get(doc, "experience")), 1);
    assert_string_equal(json_string_value(json_object_get(doc, "raw_text")), pr.raw_text);
    assert_true(json_is_true(json_object_get(doc, "edited")));
    assert_true(json_is_string(json_object_get(doc, "edited_at")));
    assert_true(json_real_value(json_object_get(json_object_get(doc, "confidence"), "overall")) == 0.85);
    json_decref(doc);

    /* another user's resume, a missing one, a confidence out of range */
    assert_int_equal(store_resume_edit_result(f->st, f->bob, r.id, &fix, 0.9, &err), IG_ENOTFOUND);
    assert_int_equal(store_resume_edit_result(f->st, f->alice, r.id + 100, &fix, 0.9, &err), IG_ENOTFOUND);
    assert_int_equal(store_resume_edit_result(f->st, f->alice, r.id, &fix, 1.01, &err), IG_EINVAL);
    assert_int_equal(store_resume_edit_result(f->st, f->alice, r.id, NULL, 0.5, &err), IG_EINVAL);
    doc = result_of(f, f->alice, r.id); /* the refused edits changed nothing */
    assert_int_equal(json_array_size(json_object_get(doc, "skills")), 2);
    json_decref(doc);

    /* the user's export carries the new parts */
    json_t *exp = NULL;
    assert_int_equal(store_user_export(f->st, f->alice, &exp, &err), IG_OK);
    json_t *row = json_array_get(json_object_get(exp, "parse_results"), 0);
    assert_true(json_is_true(json_object_get(row, "edited")));
    assert_true(json_is_object(json_object_get(row, "confidence")));
    assert_true(json_is_array(json_object_get(row, "languages")));
    json_decref(exp);

    /* a reparse puts the resume back to pending: no edits until its new result is saved, and that
     * machine result replaces the edited one */
    bool queued = false;
    store_job j = lease_ok(f, "w1", f->now, 60);
    assert_int_equal(store_job_complete(f->st, j.id, "w1", f->now, &err), IG_OK);
    assert_int_equal(store_resume_reparse(f->st, f->alice, r.id, 3, &got, &queued, &err), IG_OK);
    assert_true(queued);
    assert_int_equal(store_resume_edit_result(f->st, f->alice, r.id, &fix, 0.9, &err), IG_ESTATE);
    assert_int_equal(store_resume_mark_processing(f->st, f->alice, r.id, 10, &err), IG_OK);
    assert_int_equal(store_resume_edit_result(f->st, f->alice, r.id, &fix, 0.9, &err), IG_ESTATE);
    assert_int_equal(store_resume_save_result(f->st, f->alice, r.id, &pr, 0.6, &err), IG_OK);
    doc = result_of(f, f->alice, r.id);
    assert_true(json_is_false(json_object_get(doc, "edited")));
    assert_true(json_is_null(json_object_get(doc, "edited_at")));
    assert_int_equal(json_array_size(json_object_get(doc, "skills")), 1);
    assert_true(json_real_value(json_object_get(json_object_get(doc, "confidence"), "overall")) == 0.6);
    json_decref(doc);
    assert_int_equal(store_resume_get(f->st, f->alice, r.id, &got, &err), IG_OK);
    assert_true(got.parse_confidence == 0.6);
    free_result(&fix);
    free_result(&pr);
}

/* Inserts, for the resume, a question an interview asked, one it answered, and one no interview
 * used; returns the interview's id. */
static int64_t seed_interview(sqlite3 *db, int64_t user, int64_t resume_id)
{
    static const char *const sql[] = {
        "INSERT INTO questions (user_id, resume_id, question_text, created_at) VALUES (?1, ?2, 'asked', 0)",
        "INSERT INTO questions (user_id, resume_id, question_text, created_at) VALUES (?1, ?2, 'answered', 0)",
        "INSERT INTO questions (user_id, resume_id, question_text, created_at) VALUES (?1, ?2, 'unused', 0)",
        "INSERT INTO interviews (user_id, resume_id, session_id, created_at, updated_at) "
        "VALUES (?1, ?2, 'sess-' || ?2, 0, 0)",
        "INSERT INTO interview_questions (interview_id, position, question_id) VALUES ((SELECT max(id) FROM "
        "interviews), 0, (SELECT id FROM questions WHERE resume_id = ?2 AND question_text = 'asked'))",
        "INSERT INTO interview_answers (interview_id, question_id, answer_text, created_at) VALUES ((SELECT "
        "max(id) FROM interviews), (SELECT id FROM questions WHERE resume_id = ?2 AND question_text = 'answered'), "
        "'my answer', 0)",
        "INSERT INTO resume_file_chunks (resume_id, seq, data) VALUES (?2, 0, x'25504446')",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        sqlite3_stmt *q = NULL;
        int rc = sqlite3_prepare_v2(db, sql[i], -1, &q, NULL);
        if (rc == SQLITE_OK) {
            if (sqlite3_bind_parameter_count(q) >= 1)
                sqlite3_bind_int64(q, 1, user);
            sqlite3_bind_int64(q, 2, resume_id);
            rc = sqlite3_step(q);
        }
        if (rc != SQLITE_DONE)
            print_error("seed %zu: %s\n", i, sqlite3_errmsg(db));
        assert_int_equal(rc, SQLITE_DONE);
        sqlite3_finalize(q);
    }
    return raw_int(db, "SELECT max(id) FROM interviews", 0);
}

/* The fields a language model refined: saved with a machine result, [] when none, kept by an edit,
 * replaced by the next machine result. */
static void test_refined_fields(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_resume r = create(f, f->alice, 1);
    store_parse_result pr = structured();
    assert_int_equal(store_resume_save_result(f->st, f->alice, r.id, &pr, 0.6, &err), IG_OK);
    json_t *doc = result_of(f, f->alice, r.id);
    assert_true(json_is_array(json_object_get(doc, "refined_fields")));
    assert_int_equal(json_array_size(json_object_get(doc, "refined_fields")), 0);
    json_decref(doc);
    pr.refined_fields = json_pack("[s, s]", "name", "education");
    assert_int_equal(store_resume_save_result(f->st, f->alice, r.id, &pr, 0.6, &err), IG_OK);
    store_parse_result fix = {.skills = json_pack("[{s:s}]", "name", "Go")};
    assert_int_equal(store_resume_edit_result(f->st, f->alice, r.id, &fix, 0.9, &err), IG_OK);
    doc = result_of(f, f->alice, r.id);
    json_t *rf = json_object_get(doc, "refined_fields");
    assert_int_equal(json_array_size(rf), 2);
    assert_string_equal(json_string_value(json_array_get(rf, 1)), "education");
    json_decref(doc);
    json_decref(pr.refined_fields);
    pr.refined_fields = NULL;
    assert_int_equal(store_resume_save_result(f->st, f->alice, r.id, &pr, 0.6, &err), IG_OK);
    doc = result_of(f, f->alice, r.id);
    assert_int_equal(json_array_size(json_object_get(doc, "refined_fields")), 0);
    json_decref(doc);
    free_result(&fix);
    free_result(&pr);
}

static void test_delete_keeps_interviews(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_resume r = create(f, f->alice, 1);
    store_resume keep = create(f, f->alice, 2);
    store_parse_result pr = {.raw_text = "text"};
    assert_int_equal(store_resume_save_result(f->st, f->alice, r.id, &pr, 0.5, &err), IG_OK);
    sqlite3 *db = raw_open(f);
    int64_t interview = seed_interview(db, f->alice, r.id);
    seed_interview(db, f->alice, keep.id);

    char path[STORE_FILE_PATH_MAX + 1];
    char small[16];
    assert_int_equal(store_resume_delete(f->st, f->alice, r.id, small, sizeof small, &err), IG_EINVAL);
    assert_int_equal(store_resume_delete(f->st, f->alice, r.id, path, sizeof path, &err), IG_OK);
    assert_string_equal(path, r.file_path);

    assert_int_equal(raw_int(db, "SELECT count(*) FROM resumes WHERE id = ?1", r.id), 0);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM resume_parse_results WHERE resume_id = ?1", r.id), 0);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM resume_file_chunks WHERE resume_id = ?1", r.id), 0);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM jobs WHERE resume_id = ?1", r.id), 0);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM jobs", 0), 1); /* the other resume's */
    /* the interview keeps its questions and answers; only the unused question is gone */
    assert_int_equal(raw_int(db, "SELECT count(*) FROM interviews WHERE id = ?1 AND resume_id IS NULL", interview), 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM interview_questions WHERE interview_id = ?1", interview), 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM interview_answers WHERE interview_id = ?1", interview), 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM questions WHERE resume_id IS NULL", 0), 2);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM questions WHERE question_text = 'unused' AND resume_id IS NULL",
                             0),
                     0);
    /* the other resume and everything of it untouched */
    assert_int_equal(raw_int(db, "SELECT count(*) FROM questions WHERE resume_id = ?1", keep.id), 3);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM interviews WHERE resume_id = ?1", keep.id), 1);
    sqlite3_close(db);

    assert_int_equal(store_resume_delete(f->st, f->alice, r.id, path, sizeof path, &err), IG_ENOTFOUND);
    assert_string_equal(path, "");

    /* ids are never reused: deleting the newest resume does not free its id for the next upload */
    store_resume last = create(f, f->bob, 50);
    assert_int_equal(store_resume_delete(f->st, f->bob, last.id, path, sizeof path, &err), IG_OK);
    assert_true(create(f, f->bob, 51).id > last.id);
}

/* ---- jobs ---- */

static void test_lease_order_and_exclusivity(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    int64_t later = 0, a = 0, b = 0;
    assert_int_equal(store_job_enqueue(f->st, "test", "{\"n\":0}", 0, 3, f->now + 100, &later, &err), IG_OK);
    assert_int_equal(store_job_enqueue(f->st, "test", "{\"n\":1}", 0, 3, f->now, &a, &err), IG_OK);
    assert_int_equal(store_job_enqueue(f->st, "test", NULL, 0, 3, f->now - 5, &b, &err), IG_OK);
    assert_int_equal(store_job_enqueue(f->st, "", NULL, 0, 3, f->now, NULL, &err), IG_EINVAL);
    assert_int_equal(store_job_enqueue(f->st, "test", NULL, 0, 0, f->now, NULL, &err), IG_EINVAL);

    /* the oldest due job first; one not yet due waits */
    store_job j = lease_ok(f, "w1", f->now, 30);
    assert_int_equal(j.id, a);
    assert_string_equal(j.payload, "{\"n\":1}");
    assert_string_equal(j.status, "running");
    assert_int_equal(j.attempts, 1);
    assert_int_equal(j.lease_until, f->now + 30);
    assert_string_equal(j.lease_owner, "w1");
    assert_int_equal(j.resume_id, 0);
    j = lease_ok(f, "w2", f->now, 30);
    assert_int_equal(j.id, b);
    assert_string_equal(j.payload, "{}");
    lease_none(f, f->now);
    lease_none(f, f->now + 30); /* leases last through their last second */
    j = lease_ok(f, "w3", f->now + 100, 1000);
    assert_int_equal(j.id, later);

    /* bad arguments */
    assert_int_equal(store_job_lease(f->st, "", f->now, 30, &j, &err), IG_EINVAL);
    assert_int_equal(store_job_lease(f->st, "w", f->now, 0, &j, &err), IG_EINVAL);
}

static void test_lease_expiry_and_lost_lease(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    int64_t id = 0;
    assert_int_equal(store_job_enqueue(f->st, "test", NULL, 0, 3, f->now, &id, &err), IG_OK);
    store_job j = lease_ok(f, "dead", f->now, 10);
    /* renewing keeps it: no one else can take it */
    assert_int_equal(store_job_renew(f->st, id, "dead", f->now + 20, &err), IG_OK);
    lease_none(f, f->now + 15);
    /* the worker died: once the lease ran out, another worker takes the job over */
    j = lease_ok(f, "alive", f->now + 21, 10);
    assert_int_equal(j.id, id);
    assert_int_equal(j.attempts, 2);
    assert_string_equal(j.lease_owner, "alive");
    /* the old holder can no longer renew, complete or fail it */
    assert_int_equal(store_job_renew(f->st, id, "dead", f->now + 60, &err), IG_ESTATE);
    assert_int_equal(store_job_complete(f->st, id, "dead", f->now + 22, &err), IG_ESTATE);
    bool final = true;
    assert_int_equal(store_job_fail(f->st, id, "dead", f->now + 22, 1, NULL, "x", &final, &err), IG_ESTATE);
    assert_false(final);
    assert_int_equal(store_job_complete(f->st, id, "alive", f->now + 22, &err), IG_OK);
    assert_int_equal(store_job_get(f->st, id, &j, &err), IG_OK);
    assert_string_equal(j.status, "done");
    /* done is done */
    assert_int_equal(store_job_complete(f->st, id, "alive", f->now + 23, &err), IG_ESTATE);
    lease_none(f, f->now + 1000);
    assert_int_equal(store_job_renew(f->st, id + 99, "alive", f->now, &err), IG_ENOTFOUND);
}

static void test_retry_backoff_and_final_failure(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_resume r = create(f, f->alice, 1), got;
    int64_t id = active_job(f, r.id);
    bool final = true;

    store_job j = lease_ok(f, "w", f->now, 60);
    assert_int_equal(j.id, id);
    assert_int_equal(store_job_fail(f->st, id, "w", f->now + 1, 2, "parse_error", "first try", &final, &err), IG_OK);
    assert_false(final);
    assert_int_equal(store_job_get(f->st, id, &j, &err), IG_OK);
    assert_string_equal(j.status, "queued");
    assert_int_equal(j.run_after, f->now + 3);
    assert_string_equal(j.last_error, "first try");
    assert_int_equal(j.lease_until, 0);
    assert_int_equal(store_resume_get(f->st, f->alice, r.id, &got, &err), IG_OK);
    assert_string_equal(got.status, "pending"); /* not failed while attempts remain */

    lease_none(f, f->now + 2); /* backing off */
    j = lease_ok(f, "w", f->now + 3, 60);
    assert_int_equal(j.attempts, 2);
    assert_int_equal(store_job_fail(f->st, id, "w", f->now + 4, 4, "parse_error", "second try", &final, &err), IG_OK);
    assert_false(final);
    j = lease_ok(f, "w", f->now + 8, 60);
    assert_int_equal(j.attempts, 3);
    assert_int_equal(store_job_fail(f->st, id, "w", f->now + 9, 8, "parse_error", "third try", &final, &err), IG_OK);
    assert_true(final);
    assert_int_equal(store_job_get(f->st, id, &j, &err), IG_OK);
    assert_string_equal(j.status, "failed");
    assert_string_equal(j.last_error, "third try");
    lease_none(f, f->now + 1000);
    /* the resume failed with the last error */
    assert_int_equal(store_resume_get(f->st, f->alice, r.id, &got, &err), IG_OK);
    assert_string_equal(got.status, "failed");
    assert_string_equal(got.error_code, "parse_error");
    assert_string_equal(got.error, "third try");
}

static void test_permanent_failure(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_resume r = create(f, f->alice, 1), got;
    int64_t id = active_job(f, r.id);
    bool final = false;
    lease_ok(f, "w", f->now, 60);
    /* a negative backoff: retrying cannot help, fail on the first attempt; the default code */
    assert_int_equal(store_job_fail(f->st, id, "w", f->now, -1, NULL, "broken file", &final, &err), IG_OK);
    assert_true(final);
    assert_int_equal(store_resume_get(f->st, f->alice, r.id, &got, &err), IG_OK);
    assert_string_equal(got.status, "failed");
    assert_string_equal(got.error_code, STORE_ERR_JOB_FAILED);
    assert_string_equal(got.error, "broken file");

    /* a failed job never overwrites a resume that completed meanwhile */
    store_resume r2 = create(f, f->alice, 2);
    int64_t id2 = active_job(f, r2.id);
    lease_ok(f, "w", f->now, 60);
    store_parse_result pr = {.raw_text = "done"};
    assert_int_equal(store_resume_save_result(f->st, f->alice, r2.id, &pr, 0.9, &err), IG_OK);
    assert_int_equal(store_job_fail(f->st, id2, "w", f->now, -1, NULL, "late", &final, &err), IG_OK);
    assert_int_equal(store_resume_get(f->st, f->alice, r2.id, &got, &err), IG_OK);
    assert_string_equal(got.status, "completed");
}

static void test_worker_died_on_last_attempt(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_resume r = create(f, f->alice, 1), got;
    int64_t id = active_job(f, r.id);
    assert_int_equal(store_resume_mark_processing(f->st, f->alice, r.id, 10, &err), IG_OK);
    /* three workers each die holding the job */
    for (int i = 0; i < 3; i++) {
        store_job j = lease_ok(f, "doomed", f->now + 100 * i, 10);
        assert_int_equal(j.id, id);
        assert_int_equal(j.attempts, i + 1);
    }
    assert_int_equal(store_resume_get(f->st, f->alice, r.id, &got, &err), IG_OK);
    assert_string_equal(got.status, "processing");
    /* the next lease after the last one ran out fails the job and its resume instead of running it */
    lease_none(f, f->now + 300);
    store_job j;
    assert_int_equal(store_job_get(f->st, id, &j, &err), IG_OK);
    assert_string_equal(j.status, "failed");
    assert_int_equal(j.attempts, 3);
    assert_int_equal(store_resume_get(f->st, f->alice, r.id, &got, &err), IG_OK);
    assert_string_equal(got.status, "failed");
    assert_string_equal(got.error_code, STORE_ERR_INTERRUPTED);
    assert_true(strlen(got.error) > 0);
}

static void test_job_of_deleted_resume(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_resume r = create(f, f->alice, 1);
    store_job j = lease_ok(f, "w", f->now, 60);
    char path[STORE_FILE_PATH_MAX + 1];
    assert_int_equal(store_resume_delete(f->st, f->alice, r.id, path, sizeof path, &err), IG_OK);
    /* the running job went with its resume: its worker learns so */
    assert_int_equal(store_job_renew(f->st, j.id, "w", f->now + 60, &err), IG_ENOTFOUND);
    assert_int_equal(store_job_complete(f->st, j.id, "w", f->now, &err), IG_ENOTFOUND);
    assert_int_equal(store_job_fail(f->st, j.id, "w", f->now, 1, NULL, "x", NULL, &err), IG_ENOTFOUND);
}

static void test_purge(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    int64_t done_old = 0, done_new = 0, failed_old = 0, queued_old = 0;
    assert_int_equal(store_job_enqueue(f->st, "test", NULL, 0, 1, f->now, &done_old, &err), IG_OK);
    assert_int_equal(store_job_enqueue(f->st, "test", NULL, 0, 1, f->now, &failed_old, &err), IG_OK);
    assert_int_equal(store_job_enqueue(f->st, "test", NULL, 0, 1, f->now, &done_new, &err), IG_OK);
    store_job j = lease_ok(f, "w", f->now, 60);
    assert_int_equal(store_job_complete(f->st, j.id, "w", f->now, &err), IG_OK);
    j = lease_ok(f, "w", f->now, 60);
    assert_int_equal(store_job_fail(f->st, j.id, "w", f->now, 1, NULL, "x", NULL, &err), IG_OK);
    j = lease_ok(f, "w", f->now + 500, 60);
    assert_int_equal(store_job_complete(f->st, j.id, "w", f->now + 500, &err), IG_OK);
    assert_int_equal(store_job_enqueue(f->st, "test", NULL, 0, 1, f->now + 10000, &queued_old, &err), IG_OK);

    int purged = -1;
    assert_int_equal(store_job_purge(f->st, f->now + 100, &purged, &err), IG_OK);
    assert_int_equal(purged, 2);
    assert_int_equal(store_job_get(f->st, done_old, &j, &err), IG_ENOTFOUND);
    assert_int_equal(store_job_get(f->st, failed_old, &j, &err), IG_ENOTFOUND);
    assert_int_equal(store_job_get(f->st, done_new, &j, &err), IG_OK);
    assert_int_equal(store_job_get(f->st, queued_old, &j, &err), IG_OK);
    assert_int_equal(store_job_purge(f->st, f->now + 100, NULL, &err), IG_OK);
}

#define RACE_JOBS 200
#define RACE_THREADS 4

typedef struct race {
    fixture *f;
    int index;
    atomic_int *taken; /* RACE_JOBS + 1 counters, indexed by job id */
    int done;
    ig_status failure;
} race;

static void *race_worker(void *arg)
{
    race *r = arg;
    char owner[32];
    snprintf(owner, sizeof owner, "racer-%d", r->index);
    for (;;) {
        store_job j;
        ig_err err = {0};
        ig_status rc = store_job_lease(r->f->st, owner, r->f->now, 60, &j, &err);
        if (rc == IG_ENOTFOUND)
            break;
        if (rc != IG_OK || j.id < 1 || j.id > RACE_JOBS) {
            r->failure = rc != IG_OK ? rc : IG_EINTERNAL;
            break;
        }
        atomic_fetch_add(&r->taken[j.id], 1);
        rc = store_job_complete(r->f->st, j.id, owner, r->f->now, &err);
        if (rc != IG_OK) {
            r->failure = rc;
            break;
        }
        r->done++;
    }
    return NULL;
}

static void test_concurrent_leasing(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    for (int i = 0; i < RACE_JOBS; i++)
        assert_int_equal(store_job_enqueue(f->st, "race", NULL, 0, 3, f->now, NULL, &err), IG_OK);
    atomic_int taken[RACE_JOBS + 1];
    for (int i = 0; i <= RACE_JOBS; i++)
        atomic_init(&taken[i], 0);
    pthread_t th[RACE_THREADS];
    race rs[RACE_THREADS];
    for (int i = 0; i < RACE_THREADS; i++) {
        rs[i] = (race){f, i, taken, 0, IG_OK};
        assert_int_equal(pthread_create(&th[i], NULL, race_worker, &rs[i]), 0);
    }
    int total = 0;
    for (int i = 0; i < RACE_THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(rs[i].failure, IG_OK);
        total += rs[i].done;
    }
    assert_int_equal(total, RACE_JOBS);
    for (int i = 1; i <= RACE_JOBS; i++) {
        if (atomic_load(&taken[i]) != 1)
            print_error("job %d leased %d times\n", i, atomic_load(&taken[i]));
        assert_int_equal(atomic_load(&taken[i]), 1);
    }
    sqlite3 *db = raw_open(f);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM jobs WHERE status = 'done' AND attempts = 1", 0), RACE_JOBS);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_ownership, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_validates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_upload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_transitions_and_result, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reparse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_structured_result_and_edit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refined_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_keeps_interviews, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lease_order_and_exclusivity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lease_expiry_and_lost_lease, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_backoff_and_final_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permanent_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_worker_died_on_last_attempt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_of_deleted_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_leasing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of the store (store.c and the SQL backend on SQLite) on a temporary database file; child rows
 * the store API does not write yet are inserted with raw sqlite3 on the same file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/migrations.h"
#include "store/store.h"
#include "support/testdb.h"

typedef struct fixture {
    char dir[512];
    char path[600];
    ig_store *st;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->st = testdb_create("igstore", 4, f->dir, sizeof f->dir, f->path, sizeof f->path);
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

/* Inserts one of every kind of row a user owns, tagged by the user's id. */
static void seed_children(sqlite3 *db, int64_t uid)
{
    static const char *const sql[] = {
        "INSERT INTO resumes (user_id, file_name, file_path, file_type, file_size, content_sha256, status, "
        "parse_confidence, created_at, updated_at) VALUES (?1, 'cv.pdf', '/srv/uploads/cv.pdf', 'pdf', 1234, "
        "'sha-' || ?1, 'completed', 0.9, 1700000000, 1700000000)",
        "INSERT INTO resume_file_chunks (resume_id, seq, data) VALUES ((SELECT max(id) FROM resumes "
        "WHERE user_id = ?1), 0, x'255044462d')",
        /* raw_text carries a byte that is not UTF-8, as a hostile file could leave behind */
        "INSERT INTO resume_parse_results (resume_id, basic_info, skills, raw_text, created_at, updated_at) "
        "VALUES ((SELECT max(id) FROM resumes WHERE user_id = ?1), '{\"name\":\"Ann\"}', '[\"C\",\"SQL\"]', "
        "'raw' || CAST(x'ff' AS TEXT) || 'text', 1700000000, 1700000000)",
        "INSERT INTO questions (user_id, resume_id, interview_type, difficulty, question_text, expected_points, "
        "language, created_at) VALUES (?1, (SELECT max(id) FROM resumes WHERE user_id = ?1), 'technical', "
        "'medium', 'Explain WAL', '[\"readers\",\"writer\"]', 'en', 1700000000)",
        "INSERT INTO interviews (user_id, resume_id, session_id, status, interview_type, difficulty, language, "
        "total_questions, created_at, updated_at) VALUES (?1, (SELECT max(id) FROM resumes WHERE user_id = ?1), "
        "'sess-' || ?1, 'completed', 'technical', 'medium', 'en', 1, 1700000000, 1700000000)",
        "INSERT INTO interview_questions (interview_id, position, question_id) VALUES ((SELECT max(id) FROM "
        "interviews WHERE user_id = ?1), 0, (SELECT max(id) FROM questions WHERE user_id = ?1))",
        "INSERT INTO interview_answers (interview_id, question_id, answer_text, score, feedback, created_at) "
        "VALUES ((SELECT max(id) FROM interviews WHERE user_id = ?1), (SELECT max(id) FROM questions WHERE "
        "user_id = ?1), 'It logs first', 7.5, '{\"ok\":true}', 1700000000)",
        "INSERT INTO interview_feedback (interview_id, overall_score, dimension_scores, strengths, weaknesses, "
        "suggestions, created_at) VALUES ((SELECT max(id) FROM interviews WHERE user_id = ?1), 7.5, "
        "'{\"depth\":7}', '[\"clear\"]', '[]', '[\"examples\"]', 1700000000)",
        "INSERT INTO jobs (kind, payload, status, run_after, resume_id, created_at, updated_at) VALUES "
        "('parse_resume', '{}', 'queued', 0, (SELECT max(id) FROM resumes WHERE user_id = ?1), 0, 0)",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        sqlite3_stmt *q = NULL;
        int rc = sqlite3_prepare_v2(db, sql[i], -1, &q, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_int64(q, 1, uid);
            rc = sqlite3_step(q);
        }
        if (rc != SQLITE_DONE)
            print_error("seed %zu: %s\n", i, sqlite3_errmsg(db));
        assert_int_equal(rc, SQLITE_DONE);
        sqlite3_finalize(q);
    }
}

static int64_t make_user(ig_store *st, const char *email, const char *username)
{
    store_user u;
    ig_err err = {0};
    ig_status rc = store_user_create(st, email, "$argon2id$hash", username, &u, &err);
    if (rc != IG_OK)
        print_error("create %s: %s\n", email, err.msg);
    assert_int_equal(rc, IG_OK);
    return u.id;
}

static store_auth_check check(ig_store *st, int64_t uid, const char *jti, const char *family)
{
    store_auth_check a;
    ig_err err = {0};
    assert_int_equal(store_auth_check_token(st, uid, jti, family, &a, &err), IG_OK);
    return a;
}

/* ---- open / ping ---- */

static void test_open_rejects_bad_urls(void **state)
{
    (void)state;
    ig_store *st = (ig_store *)1;
    ig_err err = {0};
    assert_int_equal(store_open(&st, "oracle://admin:hunter2@db/ig", 2, 100, 30000, &err), IG_EINVAL);
    assert_null(st);
    assert_non_null(strstr(err.msg, "oracle"));
    assert_null(strstr(err.msg, "hunter2")); /* the URL's password is never echoed */
    /* a server that is not there: the store does not open, and the password stays out of the message */
    assert_int_equal(store_open(&st, "postgresql://admin:hunter2@127.0.0.1:1/ig", 2, 100, 30000, &err), IG_EIO);
    assert_null(st);
    assert_null(strstr(err.msg, "hunter2"));
    assert_int_equal(store_open(&st, "mysql://admin:hunter2@127.0.0.1:1/ig", 2, 100, 30000, &err), IG_EIO);
    assert_null(st);
    assert_null(strstr(err.msg, "hunter2"));
    assert_int_equal(store_open(&st, "no-scheme.db", 2, 100, 30000, &err), IG_EINVAL);
    assert_int_equal(store_open(&st, "sqlite://", 2, 100, 30000, &err), IG_EINVAL);
    assert_int_equal(store_open(&st, "sqlite:///", 2, 100, 30000, &err), IG_EINVAL);
    assert_int_equal(store_open(&st, "sqlite://host/x.db", 2, 100, 30000, &err), IG_EINVAL);
    assert_int_equal(store_open(&st, "sqlite://:memory:", 0, 100, 30000, &err), IG_EINVAL);
    assert_int_equal(store_open(&st, "sqlite://:memory:", 2, -1, 30000, &err), IG_EINVAL);
    assert_int_equal(store_open(&st, "sqlite:////nonexistent-ig-dir/sub/x.db", 2, 100, 30000, &err), IG_EIO);
    assert_null(st);
}

static void test_memory_store(void **state)
{
    (void)state;
    static const char *const urls[] = {"sqlite://:memory:", "sqlite:///:memory:"};
    for (size_t i = 0; i < 2; i++) {
        ig_store *st = NULL;
        ig_err err = {0};
        assert_int_equal(store_open(&st, urls[i], 4, 1000, 30000, &err), IG_OK);
        int applied = 0, version = 0;
        assert_int_equal(store_migrate(st, &applied, &err), IG_OK);
        assert_int_equal(applied, (int)store_migrations_count);
        assert_int_equal(store_schema_version(st, &version, &err), IG_OK);
        assert_int_equal(version, store_migrations[store_migrations_count - 1].version);
        /* the one pooled connection sees what it wrote */
        int64_t id = make_user(st, "mem@example.com", NULL);
        store_user u;
        assert_int_equal(store_user_by_email(st, "mem@example.com", &u, &err), IG_OK);
        assert_int_equal(u.id, id);
        store_close(st);
    }
}

static void test_relative_path_url(void **state)
{
    fixture *f = *state;
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(f->dir), 0);
    ig_store *st = NULL;
    ig_err err = {0};
    ig_status rc = store_open(&st, "sqlite:///rel.db", 1, 1000, 30000, &err);
    if (rc == IG_OK)
        rc = store_ping(st, &err);
    store_close(st);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(rc, IG_OK);
    char p[700];
    snprintf(p, sizeof p, "%s/rel.db", f->dir);
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    testdb_remove_file(p);
}

static void test_ping_and_version(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    int version = 0;
    assert_int_equal(store_ping(f->st, &err), IG_OK);
    assert_int_equal(store_schema_version(f->st, &version, &err), IG_OK);
    assert_int_equal(version, store_migrations[store_migrations_count - 1].version);
    /* WAL is set on file databases and persists in the file */
    sqlite3 *db = raw_open(f);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    sqlite3_close(db);
}

/* ---- users ---- */

static void test_user_create_and_get(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_user u, g;
    int64_t before = (int64_t)time(NULL);
    assert_int_equal(store_user_create(f->st, "ann@example.com", "$argon2id$v=19$abc", "ann", &u, &err), IG_OK);
    int64_t after = (int64_t)time(NULL);
    assert_true(u.id > 0);
    assert_string_equal(u.email, "ann@example.com");
    assert_string_equal(u.password_hash, "$argon2id$v=19$abc");
    assert_true(u.has_username);
    assert_string_equal(u.username, "ann");
    assert_false(u.has_avatar_url);
    assert_string_equal(u.avatar_url, "");
    assert_true(u.is_active);
    assert_int_equal(u.last_login_at, 0);
    assert_true(u.created_at >= before && u.created_at <= after);
    assert_int_equal(u.updated_at, u.created_at);

    assert_int_equal(store_user_by_email(f->st, "ann@example.com", &g, &err), IG_OK);
    assert_memory_equal(&g, &u, sizeof g);
    assert_int_equal(store_user_by_id(f->st, u.id, &g, &err), IG_OK);
    assert_string_equal(g.email, "ann@example.com");

    assert_int_equal(store_user_by_email(f->st, "nobody@example.com", &g, &err), IG_ENOTFOUND);
    assert_int_equal(store_user_by_id(f->st, u.id + 1000, &g, &err), IG_ENOTFOUND);

    /* NULL and "" usernames are both stored as NULL */
    assert_int_equal(store_user_create(f->st, "nil@example.com", "h", NULL, &g, &err), IG_OK);
    assert_false(g.has_username);
    assert_int_equal(store_user_create(f->st, "empty@example.com", "h", "", &g, &err), IG_OK);
    assert_false(g.has_username);
    assert_string_equal(g.username, "");
}

static void test_user_duplicate_email(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_user u;
    make_user(f->st, "dup@example.com", NULL);
    assert_int_equal(store_user_create(f->st, "dup@example.com", "other", "x", &u, &err), IG_ECONFLICT);
    assert_int_equal(err.status, IG_ECONFLICT);
    assert_non_null(strstr(err.msg, "email"));
    /* emails are stored as given: normalising is the caller's job */
    assert_int_equal(store_user_create(f->st, "Dup@example.com", "other", NULL, &u, &err), IG_OK);
}

static void test_user_input_limits(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_user u;
    char long_email[300];
    memset(long_email, 'a', sizeof long_email - 1);
    long_email[sizeof long_email - 1] = '\0';
    char name101[102];
    memset(name101, 'n', 101);
    name101[101] = '\0';
    assert_int_equal(store_user_create(f->st, long_email, "h", NULL, &u, &err), IG_EINVAL);
    assert_int_equal(store_user_create(f->st, "", "h", NULL, &u, &err), IG_EINVAL);
    assert_int_equal(store_user_create(f->st, "a@b.c", NULL, NULL, &u, &err), IG_EINVAL);
    assert_int_equal(store_user_create(f->st, "a@b.c", "h", name101, &u, &err), IG_EINVAL);
    assert_int_equal(store_user_create(NULL, "a@b.c", "h", NULL, &u, &err), IG_EINVAL);
    assert_int_equal(store_user_create(f->st, "a@b.c", "h", NULL, NULL, &err), IG_EINVAL);
    name101[100] = '\0'; /* exactly 100 characters fits */
    assert_int_equal(store_user_create(f->st, "a@b.c", "h", name101, &u, &err), IG_OK);
    assert_string_equal(u.username, name101);

    /* the limit counts characters, as VARCHAR(100) does: 100 CJK characters (300 bytes) fit, 101 do not */
    char cjk[101 * 3 + 1];
    for (int i = 0; i < 101; i++)
        memcpy(cjk + i * 3, "\xE5\x90\x8D", 3); /* U+540D */
    cjk[101 * 3] = '\0';
    assert_int_equal(store_user_update_profile(f->st, u.id, cjk, NULL, &u, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "characters"));
    cjk[100 * 3] = '\0';
    assert_int_equal(store_user_update_profile(f->st, u.id, cjk, NULL, &u, &err), IG_OK);
    assert_string_equal(u.username, cjk);

    char avatar[300];
    memset(avatar, 'v', sizeof avatar - 1);
    avatar[sizeof avatar - 1] = '\0';
    assert_int_equal(store_user_update_profile(f->st, u.id, NULL, avatar, &u, &err), IG_EINVAL);
    avatar[255] = '\0';
    assert_int_equal(store_user_update_profile(f->st, u.id, NULL, avatar, &u, &err), IG_OK);
    assert_string_equal(u.avatar_url, avatar);
}

static void test_user_update_profile(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_user u;
    int64_t id = make_user(f->st, "prof@example.com", "alice");

    assert_int_equal(store_user_update_profile(f->st, id, NULL, NULL, &u, &err), IG_OK);
    assert_string_equal(u.username, "alice");
    assert_false(u.has_avatar_url);

    assert_int_equal(store_user_update_profile(f->st, id, NULL, "https://cdn/a.png", &u, &err), IG_OK);
    assert_string_equal(u.username, "alice");
    assert_true(u.has_avatar_url);
    assert_string_equal(u.avatar_url, "https://cdn/a.png");

    assert_int_equal(store_user_update_profile(f->st, id, "", NULL, &u, &err), IG_OK);
    assert_false(u.has_username);
    assert_string_equal(u.avatar_url, "https://cdn/a.png");

    assert_int_equal(store_user_update_profile(f->st, id, "bob", "", &u, &err), IG_OK);
    assert_string_equal(u.username, "bob");
    assert_false(u.has_avatar_url);
    assert_true(u.updated_at >= u.created_at);

    store_user g;
    assert_int_equal(store_user_by_id(f->st, id, &g, &err), IG_OK);
    assert_memory_equal(&g, &u, sizeof g);

    assert_int_equal(store_user_update_profile(f->st, id + 999, "x", NULL, &u, &err), IG_ENOTFOUND);
}

static void test_user_password_active_login(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_user u;
    int64_t id = make_user(f->st, "pw@example.com", NULL);

    assert_int_equal(store_user_set_password(f->st, id, "$argon2id$new", &err), IG_OK);
    assert_int_equal(store_user_by_id(f->st, id, &u, &err), IG_OK);
    assert_string_equal(u.password_hash, "$argon2id$new");
    assert_int_equal(store_user_set_password(f->st, id + 999, "x", &err), IG_ENOTFOUND);

    assert_int_equal(store_user_set_active(f->st, "pw@example.com", false, &err), IG_OK);
    assert_int_equal(store_user_by_id(f->st, id, &u, &err), IG_OK);
    assert_false(u.is_active);
    assert_false(check(f->st, id, NULL, NULL).user_active);
    assert_true(check(f->st, id, NULL, NULL).user_exists);
    assert_int_equal(store_user_set_active(f->st, "pw@example.com", true, &err), IG_OK);
    assert_true(check(f->st, id, NULL, NULL).user_active);
    assert_int_equal(store_user_set_active(f->st, "ghost@example.com", false, &err), IG_ENOTFOUND);

    int64_t before = (int64_t)time(NULL);
    assert_int_equal(store_user_touch_login(f->st, id, &err), IG_OK);
    assert_int_equal(store_user_by_id(f->st, id, &u, &err), IG_OK);
    assert_true(u.last_login_at >= before && u.last_login_at <= (int64_t)time(NULL));
    assert_int_equal(store_user_touch_login(f->st, id + 999, &err), IG_ENOTFOUND);
}

static void test_user_list(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    int64_t a = make_user(f->st, "l1@example.com", "one");
    int64_t b = make_user(f->st, "l2@example.com", NULL);
    assert_int_equal(store_user_touch_login(f->st, a, &err), IG_OK);
    json_t *list = NULL;
    assert_int_equal(store_user_list(f->st, &list, &err), IG_OK);
    assert_true(json_is_array(list));
    assert_int_equal(json_array_size(list), 2);
    json_t *u0 = json_array_get(list, 0), *u1 = json_array_get(list, 1);
    assert_int_equal(json_integer_value(json_object_get(u0, "id")), a);
    assert_int_equal(json_integer_value(json_object_get(u1, "id")), b);
    assert_string_equal(json_string_value(json_object_get(u0, "email")), "l1@example.com");
    assert_string_equal(json_string_value(json_object_get(u0, "username")), "one");
    assert_true(json_is_null(json_object_get(u1, "username")));
    assert_true(json_is_true(json_object_get(u0, "is_active")));
    const char *login = json_string_value(json_object_get(u0, "last_login_at"));
    assert_non_null(login);
    assert_int_equal(strlen(login), 20); /* 2024-01-02T03:04:05Z */
    assert_int_equal(login[19], 'Z');
    assert_true(json_is_null(json_object_get(u1, "last_login_at")));
    assert_true(json_is_string(json_object_get(u1, "created_at")));
    assert_null(json_object_get(u0, "password_hash"));
    json_decref(list);
}

/* ---- export and delete ---- */

static void test_user_export(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    int64_t a = make_user(f->st, "exp-a@example.com", "a");
    int64_t b = make_user(f->st, "exp-b@example.com", "b");
    sqlite3 *db = raw_open(f);
    seed_children(db, a);
    seed_children(db, b);
    sqlite3_close(db);
    assert_int_equal(store_family_create(f->st, "fam-a", a, "jti-secret-a", time(NULL) + 3600, &err), IG_OK);
    assert_int_equal(store_family_create(f->st, "fam-b", b, "jti-secret-b", time(NULL) + 3600, &err), IG_OK);

    json_t *doc = NULL;
    assert_int_equal(store_user_export(f->st, a, &doc, &err), IG_OK);
    json_t *user = json_object_get(doc, "user");
    assert_string_equal(json_string_value(json_object_get(user, "email")), "exp-a@example.com");
    assert_null(json_object_get(user, "password_hash"));
    assert_true(json_is_string(json_object_get(user, "created_at")));

    json_t *resumes = json_object_get(doc, "resumes");
    assert_int_equal(json_array_size(resumes), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(resumes, 0), "file_name")), "cv.pdf");
    assert_null(json_object_get(json_array_get(resumes, 0), "file_path"));
    assert_true(json_is_real(json_object_get(json_array_get(resumes, 0), "parse_confidence")));

    json_t *pr = json_array_get(json_object_get(doc, "parse_results"), 0);
    assert_int_equal(json_array_size(json_object_get(doc, "parse_results")), 1);
    assert_true(json_is_array(json_object_get(pr, "skills")));
    assert_int_equal(json_array_size(json_object_get(pr, "skills")), 2);
    assert_string_equal(json_string_value(json_object_get(json_object_get(pr, "basic_info"), "name")), "Ann");
    /* the non-UTF-8 byte becomes U+FFFD instead of failing the export */
    assert_string_equal(json_string_value(json_object_get(pr, "raw_text")), "raw\xEF\xBF\xBDtext");

    json_t *qs = json_object_get(doc, "questions");
    assert_int_equal(json_array_size(qs), 1);
    assert_true(json_is_array(json_object_get(json_array_get(qs, 0), "expected_points")));
    json_t *iv = json_object_get(doc, "interviews");
    assert_int_equal(json_array_size(iv), 1);
    char sess[32];
    snprintf(sess, sizeof sess, "sess-%lld", (long long)a);
    assert_string_equal(json_string_value(json_object_get(json_array_get(iv, 0), "session_id")), sess);
    assert_int_equal(json_array_size(json_object_get(doc, "interview_questions")), 1);
    json_t *ans = json_object_get(doc, "answers");
    assert_int_equal(json_array_size(ans), 1);
    assert_true(json_is_true(json_object_get(json_object_get(json_array_get(ans, 0), "feedback"), "ok")));
    json_t *fb = json_object_get(doc, "feedback");
    assert_int_equal(json_array_size(fb), 1);
    assert_true(json_is_array(json_object_get(json_array_get(fb, 0), "strengths")));
    json_t *sessions = json_object_get(doc, "sessions");
    assert_int_equal(json_array_size(sessions), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(sessions, 0), "id")), "fam-a");
    assert_true(json_is_false(json_object_get(json_array_get(sessions, 0), "revoked")));

    /* no secrets, and nothing of the other user */
    char *text = json_dumps(doc, 0);
    assert_non_null(text);
    assert_null(strstr(text, "jti-secret"));
    assert_null(strstr(text, "$argon2id"));
    assert_null(strstr(text, "exp-b@example.com"));
    assert_null(strstr(text, "fam-b"));
    free(text);
    json_decref(doc);

    doc = (json_t *)1;
    assert_int_equal(store_user_export(f->st, b + 1000, &doc, &err), IG_ENOTFOUND);
    assert_null(doc);
}

static void test_user_delete_cascades(void **state)
{
    fixture *f = *state;
    static const char *const tables[] = {
        "resumes", "resume_file_chunks", "resume_parse_results", "questions", "interviews", "interview_questions",
        "interview_answers", "interview_feedback", "jobs", "token_families",
    };
    char sql[128];
    ig_err err = {0};
    int64_t a = make_user(f->st, "del-a@example.com", NULL);
    int64_t b = make_user(f->st, "del-b@example.com", NULL);
    sqlite3 *db = raw_open(f);
    seed_children(db, a);
    seed_children(db, b);
    assert_int_equal(store_family_create(f->st, "fam-del-a", a, "j", time(NULL) + 60, &err), IG_OK);
    assert_int_equal(store_family_create(f->st, "fam-del-b", b, "j", time(NULL) + 60, &err), IG_OK);
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[i]);
        assert_int_equal(raw_int(db, sql, 0), 2);
    }

    assert_int_equal(store_user_delete(f->st, a, &err), IG_OK);
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[i]);
        if (raw_int(db, sql, 0) != 1)
            print_error("table %s kept rows of the deleted user\n", tables[i]);
        assert_int_equal(raw_int(db, sql, 0), 1);
    }
    assert_int_equal(raw_int(db, "SELECT count(*) FROM resumes WHERE user_id = ?1", b), 1);
    sqlite3_close(db);

    store_user u;
    assert_int_equal(store_user_by_id(f->st, a, &u, &err), IG_ENOTFOUND);
    assert_false(check(f->st, a, NULL, NULL).user_exists);
    assert_int_equal(store_user_delete(f->st, a, &err), IG_ENOTFOUND);
    assert_int_equal(store_user_by_id(f->st, b, &u, &err), IG_OK);
}

/* ---- token families and revoked tokens ---- */

static void test_family_rotate_and_reuse(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    int64_t exp = (int64_t)time(NULL) + 3600;
    int64_t uid = make_user(f->st, "fam@example.com", NULL);
    int64_t other = make_user(f->st, "fam-other@example.com", NULL);

    assert_int_equal(store_family_create(f->st, "f1", uid, "a1", exp, &err), IG_OK);
    assert_int_equal(store_family_create(f->st, "f1", uid, "zz", exp, &err), IG_ECONFLICT);
    assert_int_equal(store_family_create(f->st, "f-ghost", uid + 999, "a1", exp, &err), IG_ENOTFOUND);

    assert_int_equal(store_family_rotate(f->st, "f1", uid, "a1", "a2", exp + 10, &err), IG_OK);
    assert_false(check(f->st, uid, "x", "f1").family_revoked);

    /* another user's family: refused, and not revoked by the attempt */
    assert_int_equal(store_family_rotate(f->st, "f1", other, "a2", "a3", exp, &err), IG_EAUTH);
    assert_false(check(f->st, uid, "x", "f1").family_revoked);
    assert_true(check(f->st, other, "x", "f1").family_revoked); /* not theirs */

    assert_int_equal(store_family_rotate(f->st, "nope", uid, "a2", "a3", exp, &err), IG_EAUTH);

    /* replaying the rotated-away jti revokes the whole family */
    assert_int_equal(store_family_rotate(f->st, "f1", uid, "a1", "evil", exp, &err), IG_EAUTH);
    assert_non_null(strstr(err.msg, "reuse"));
    assert_true(check(f->st, uid, "x", "f1").family_revoked);
    assert_int_equal(store_family_rotate(f->st, "f1", uid, "a2", "a3", exp, &err), IG_EAUTH);
    assert_non_null(strstr(err.msg, "revoked"));

    assert_int_equal(store_family_create(f->st, "f-exp", uid, "e1", (int64_t)time(NULL) - 5, &err), IG_OK);
    assert_int_equal(store_family_rotate(f->st, "f-exp", uid, "e1", "e2", exp, &err), IG_EAUTH);
    assert_non_null(strstr(err.msg, "expired"));

    /* a jti of the same length that differs only in its last byte is still reuse */
    assert_int_equal(store_family_create(f->st, "f2", uid, "b1", exp, &err), IG_OK);
    assert_int_equal(store_family_rotate(f->st, "f2", uid, "b2", "b3", exp, &err), IG_EAUTH);
    assert_true(check(f->st, uid, "x", "f2").family_revoked);
}

static void test_family_revoke(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    int64_t exp = (int64_t)time(NULL) + 3600;
    int64_t uid = make_user(f->st, "rev@example.com", NULL);
    int64_t other = make_user(f->st, "rev-other@example.com", NULL);
    assert_int_equal(store_family_create(f->st, "k1", uid, "j", exp, &err), IG_OK);
    assert_int_equal(store_family_create(f->st, "k2", uid, "j", exp, &err), IG_OK);
    assert_int_equal(store_family_create(f->st, "k3", uid, "j", exp, &err), IG_OK);
    assert_int_equal(store_family_create(f->st, "o1", other, "j", exp, &err), IG_OK);

    assert_int_equal(store_family_revoke_user(f->st, uid, "k2", &err), IG_OK);
    assert_true(check(f->st, uid, "j", "k1").family_revoked);
    assert_false(check(f->st, uid, "j", "k2").family_revoked);
    assert_true(check(f->st, uid, "j", "k3").family_revoked);
    assert_false(check(f->st, other, "j", "o1").family_revoked);

    assert_int_equal(store_family_revoke_user(f->st, uid, NULL, &err), IG_OK);
    assert_true(check(f->st, uid, "j", "k2").family_revoked);
    assert_false(check(f->st, other, "j", "o1").family_revoked);

    assert_int_equal(store_family_revoke(f->st, "o1", &err), IG_OK);
    assert_true(check(f->st, other, "j", "o1").family_revoked);
    assert_int_equal(store_family_revoke(f->st, "missing", &err), IG_ENOTFOUND);
    assert_int_equal(store_family_rotate(f->st, "o1", other, "j", "j2", exp, &err), IG_EAUTH);
}

static void test_jti_revoke_and_auth_check(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    int64_t uid = make_user(f->st, "jti@example.com", NULL);
    assert_int_equal(store_family_create(f->st, "fj", uid, "r1", (int64_t)time(NULL) + 60, &err), IG_OK);

    store_auth_check a = check(f->st, uid, "acc-1", "fj");
    assert_true(a.user_exists);
    assert_true(a.user_active);
    assert_false(a.jti_revoked);
    assert_false(a.family_revoked);

    assert_int_equal(store_jti_revoke(f->st, "acc-1", (int64_t)time(NULL) + 100, &err), IG_OK);
    assert_true(check(f->st, uid, "acc-1", "fj").jti_revoked);
    assert_false(check(f->st, uid, "acc-2", "fj").jti_revoked);
    /* revoking twice is fine */
    assert_int_equal(store_jti_revoke(f->st, "acc-1", (int64_t)time(NULL) + 10, &err), IG_OK);
    assert_true(check(f->st, uid, "acc-1", NULL).jti_revoked);

    a = check(f->st, uid + 999, "acc-3", NULL);
    assert_false(a.user_exists);
    assert_false(a.user_active);
    assert_false(a.jti_revoked);
    assert_false(a.family_revoked);
    /* an unknown family means the session is over */
    assert_true(check(f->st, uid, "acc-3", "gone").family_revoked);

    char long_jti[80];
    memset(long_jti, 'j', sizeof long_jti - 1);
    long_jti[sizeof long_jti - 1] = '\0';
    assert_int_equal(store_jti_revoke(f->st, long_jti, 1, &err), IG_EINVAL);
    assert_int_equal(store_auth_check_token(f->st, uid, "x", NULL, NULL, &err), IG_EINVAL);
}

static void test_purge_expired(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    int64_t now = (int64_t)time(NULL);
    int64_t uid = make_user(f->st, "purge@example.com", NULL);
    assert_int_equal(store_jti_revoke(f->st, "old", now - 10, &err), IG_OK);
    assert_int_equal(store_jti_revoke(f->st, "new", now + 1000, &err), IG_OK);
    assert_int_equal(store_family_create(f->st, "f-old", uid, "j", now - 10, &err), IG_OK);
    assert_int_equal(store_family_create(f->st, "f-new", uid, "j", now + 1000, &err), IG_OK);

    assert_int_equal(store_purge_expired(f->st, now, &err), IG_OK);
    assert_false(check(f->st, uid, "old", NULL).jti_revoked);
    assert_true(check(f->st, uid, "new", NULL).jti_revoked);
    sqlite3 *db = raw_open(f);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM token_families WHERE user_id = ?1", uid), 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM token_families WHERE id = 'f-new'", 0), 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM revoked_tokens", 0), 1);
    sqlite3_close(db);
}

/* ---- concurrency ---- */

#define THREADS 8
#define USERS_PER_THREAD 20

typedef struct worker {
    ig_store *st;
    int index;
    pthread_barrier_t *barrier;
    ig_status result; /* the last non-OK status, or IG_OK */
    int ok;
} worker;

static void *create_users(void *arg)
{
    worker *w = arg;
    char email[64];
    pthread_barrier_wait(w->barrier);
    for (int i = 0; i < USERS_PER_THREAD; i++) {
        store_user u;
        ig_err err = {0};
        snprintf(email, sizeof email, "t%d-u%d@example.com", w->index, i);
        ig_status rc = store_user_create(w->st, email, "h", NULL, &u, &err);
        if (rc == IG_OK)
            rc = store_user_by_id(w->st, u.id, &u, &err);
        if (rc == IG_OK && strcmp(u.email, email) == 0)
            w->ok++;
        else
            w->result = rc;
    }
    return NULL;
}

static void *create_same_user(void *arg)
{
    worker *w = arg;
    store_user u;
    ig_err err = {0};
    pthread_barrier_wait(w->barrier);
    w->result = store_user_create(w->st, "race@example.com", "h", NULL, &u, &err);
    return NULL;
}

static void *rotate_same_family(void *arg)
{
    worker *w = arg;
    char next[32];
    ig_err err = {0};
    snprintf(next, sizeof next, "next-%d", w->index);
    pthread_barrier_wait(w->barrier);
    w->result = store_family_rotate(w->st, "f-race", (int64_t)w->ok, "start", next, time(NULL) + 60, &err);
    return NULL;
}

/* Runs fn on THREADS threads released together. With hold (a raw connection in a write
 * transaction), the writer lock is kept for a while after they start, so every thread gets as far
 * as it can before the first write, and a read-then-write without a transaction would show. */
static void run_workers(ig_store *st, void *(*fn)(void *), int ok_seed, worker *w, sqlite3 *hold)
{
    pthread_t th[THREADS];
    pthread_barrier_t barrier;
    assert_int_equal(pthread_barrier_init(&barrier, NULL, THREADS), 0);
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){.st = st, .index = i, .barrier = &barrier, .result = IG_OK, .ok = ok_seed};
        assert_int_equal(pthread_create(&th[i], NULL, fn, &w[i]), 0);
    }
    if (hold != NULL) {
        usleep(300 * 1000);
        assert_int_equal(sqlite3_exec(hold, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&barrier);
}

static void test_concurrent_users(void **state)
{
    fixture *f = *state;
    worker w[THREADS];
    run_workers(f->st, create_users, 0, w, NULL);
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(w[i].result, IG_OK);
        assert_int_equal(w[i].ok, USERS_PER_THREAD);
    }
    json_t *list = NULL;
    ig_err err = {0};
    assert_int_equal(store_user_list(f->st, &list, &err), IG_OK);
    assert_int_equal(json_array_size(list), THREADS * USERS_PER_THREAD);
    json_decref(list);

    run_workers(f->st, create_same_user, 0, w, NULL);
    int ok = 0, conflict = 0;
    for (int i = 0; i < THREADS; i++) {
        ok += w[i].result == IG_OK;
        conflict += w[i].result == IG_ECONFLICT;
    }
    assert_int_equal(ok, 1);
    assert_int_equal(conflict, THREADS - 1);
}

static void test_concurrent_rotate(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    int64_t uid = make_user(f->st, "rot@example.com", NULL);
    assert_int_equal(store_family_create(f->st, "f-race", uid, "start", time(NULL) + 60, &err), IG_OK);
    worker w[THREADS];
    sqlite3 *hold = raw_open(f);
    assert_int_equal(sqlite3_exec(hold, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    run_workers(f->st, rotate_same_family, (int)uid, w, hold);
    sqlite3_close(hold);
    int ok = 0, denied = 0;
    for (int i = 0; i < THREADS; i++) {
        ok += w[i].result == IG_OK;
        denied += w[i].result == IG_EAUTH;
    }
    /* one refresh wins; the first loser is a reuse, which revokes the family */
    assert_int_equal(ok, 1);
    assert_int_equal(denied, THREADS - 1);
    assert_true(check(f->st, uid, "x", "f-race").family_revoked);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_rejects_bad_urls),
        cmocka_unit_test(test_memory_store),
        cmocka_unit_test_setup_teardown(test_relative_path_url, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ping_and_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_create_and_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_duplicate_email, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_input_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_update_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_password_active_login, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_export, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_delete_cascades, setup, teardown),
        cmocka_unit_test_setup_teardown(test_family_rotate_and_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_family_revoke, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jti_revoke_and_auth_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_users, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_rotate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of resume files kept in the database (store/store_files.h): round trips of files of
 * zero, one, several and an exact multiple of chunks (EN and ZH bytes), a chunk at a time and never
 * more than one, ownership, replacing, deleting, the cascade with the resume, a sink that stops
 * the read, and the write inside a caller's transaction. On a temporary SQLite file always; on
 * PostgreSQL and MySQL too when IG_TEST_PG_URL / IG_TEST_MYSQL_URL name a throwaway database (the
 * store migrates it; every test makes users of its own, so runs do not collide). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_files.h"
#include "support/testdb.h"

#define ZH_TEXT "简历：张爱丽，分布式系统工程师。"
#define EN_TEXT "Resume: Alice Zhang, distributed systems engineer."

typedef struct fixture {
    const char *url_env;   /* NULL: SQLite */
    char dir[512];
    char path[600];
    char file[700];        /* a scratch file to store */
    ig_store *st;
    sqldb_pool *pool;
    int64_t alice, bob;
    int64_t resume, bob_resume;
} fixture;

/* What a read handed over: the bytes, and how the chunks came. */
typedef struct sink {
    unsigned char *data;
    size_t len, cap;
    int calls;
    size_t largest;
    int fail_at;           /* > 0: answer IG_EIO on that call */
} sink;

static ig_status collect(void *arg, const void *data, size_t n, ig_err *err)
{
    sink *s = arg;
    s->calls++;
    if (n > s->largest)
        s->largest = n;
    if (s->fail_at > 0 && s->calls == s->fail_at)
        return status_errf(err, IG_EIO, "disk full");
    if (s->len + n > s->cap) {
        s->cap = (s->len + n) * 2;
        s->data = realloc(s->data, s->cap);
        assert_non_null(s->data);
    }
    if (n > 0)
        memcpy(s->data + s->len, data, n);
    s->len += n;
    return IG_OK;
}

static int64_t make_user(ig_store *st, const char *tag)
{
    unsigned char rnd[6];
    char email[64], hex[13];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    snprintf(email, sizeof email, "%s-%s@example.com", tag, hex);
    store_user u;
    ig_err err = {0};
    assert_int_equal(store_user_create(st, email, "$argon2id$hash", NULL, &u, &err), IG_OK);
    return u.id;
}

static int64_t make_resume(ig_store *st, int64_t user)
{
    unsigned char rnd[32];
    char sha[65], path[64];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(sha, sizeof sha, rnd, sizeof rnd);
    snprintf(path, sizeof path, "%lld/%.16s.pdf", (long long)user, sha);
    store_resume_new in = {user, "简历.pdf", path, "application/pdf", 100, sha, 3};
    store_resume r;
    ig_err err = {0};
    assert_int_equal(store_resume_create(st, &in, &r, &err), IG_OK);
    return r.id;
}

static int setup_with(void **state, const char *url_env)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->url_env = url_env;
    ig_err err = {0};
    const char *tmp = getenv("TMPDIR");
    char url[1024];
    if (url_env == NULL) {
        f->st = testdb_create("igfiles", 2, f->dir, sizeof f->dir, f->path, sizeof f->path);
        snprintf(url, sizeof url, "sqlite:///%s", f->path);
    } else {
        f->st = testdb_server_open(url_env, 2);
        if (f->st == NULL) {
            free(f);
            *state = NULL;
            return 0;
        }
        snprintf(url, sizeof url, "%s", getenv(url_env));
        snprintf(f->dir, sizeof f->dir, "%s/igfilesXXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
        assert_non_null(mkdtemp(f->dir));
    }
    sqldb_options opt = {.busy_timeout_ms = 5000, .stmt_slots = STOREFILES_SLOTS + 3};
    assert_int_equal(sqldb_pool_open(url, &opt, 2, &f->pool, &err), IG_OK);
    snprintf(f->file, sizeof f->file, "%s/upload.bin", f->dir);
    f->alice = make_user(f->st, "alice");
    f->bob = make_user(f->st, "bob");
    f->resume = make_resume(f->st, f->alice);
    f->bob_resume = make_resume(f->st, f->bob);
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
    sqldb_pool_close(f->pool);
    store_close(f->st);
    unlink(f->file);
    if (f->url_env == NULL)
        testdb_remove(f->dir, f->path);
    else
        rmdir(f->dir);
    free(f);
    return 0;
}

/* The fixture, or a skip when this backend has no database configured. */
static fixture *fx(void **state)
{
    return testdb_need(state);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, p, n), (ssize_t)n);
    close(fd);
}

/* n pseudo-random bytes that start with text (so the file holds readable EN or ZH). */
static unsigned char *make_bytes(size_t n, const char *text)
{
    unsigned char *p = malloc(n > 0 ? n : 1);
    assert_non_null(p);
    randombytes_buf(p, n);
    size_t t = strlen(text) < n ? strlen(text) : n;
    memcpy(p, text, t);
    return p;
}

static int64_t chunk_rows(fixture *f, int64_t resume)
{
    sqldb_conn *c = NULL;
    sqldb_stmt *q = NULL;
    ig_err err = {0};
    bool row = false;
    assert_int_equal(sqldb_pool_acquire(f->pool, &c, &err), IG_OK);
    assert_int_equal(sqldb_prepare(c, STOREFILES_SLOTS, "SELECT count(*) FROM resume_file_chunks WHERE resume_id = ?1",
                                   &q, &err),
                     IG_OK);
    sqldb_bind_int64(q, 1, resume);
    assert_int_equal(sqldb_step(q, &row, &err), IG_OK);
    assert_true(row);
    int64_t n = sqldb_column_int64(q, 0);
    sqldb_reset(q);
    sqldb_pool_release(f->pool, c);
    return n;
}

/* Stores n bytes as alice's resume and reads them back: the same bytes, in the chunks expected. */
static void round_trip(fixture *f, size_t n, const char *text, int64_t chunks)
{
    unsigned char *bytes = make_bytes(n, text);
    write_bytes(f->file, bytes, n);
    ig_err err = {0};
    assert_int_equal(storefiles_put(f->pool, 0, f->alice, f->resume, f->file, &err), IG_OK);
    assert_int_equal(chunk_rows(f, f->resume), chunks);
    sink s = {0};
    assert_int_equal(storefiles_read(f->pool, 0, f->alice, f->resume, collect, &s, &err), IG_OK);
    assert_int_equal(s.len, n);
    assert_int_equal(s.calls, chunks);
    assert_true(s.largest <= STOREFILES_CHUNK);
    if (n > 0)
        assert_memory_equal(s.data, bytes, n);
    free(s.data);
    free(bytes);
}

static void test_round_trips(void **state)
{
    fixture *f = fx(state);
    round_trip(f, strlen(EN_TEXT), EN_TEXT, 1);
    round_trip(f, STOREFILES_CHUNK * 3 + 123, ZH_TEXT, 4);
    round_trip(f, STOREFILES_CHUNK * 2, EN_TEXT, 2); /* an exact multiple: no empty chunk after */
    round_trip(f, STOREFILES_CHUNK - 1, ZH_TEXT, 1);
}

static void test_empty_file_is_one_empty_chunk(void **state)
{
    fixture *f = fx(state);
    ig_err err = {0};
    sink s = {0};
    /* nothing stored yet: not found, so the caller looks in UPLOAD_FOLDER */
    assert_int_equal(storefiles_read(f->pool, 0, f->alice, f->resume, collect, &s, &err), IG_ENOTFOUND);
    assert_int_equal(s.calls, 0);
    write_bytes(f->file, "", 0);
    assert_int_equal(storefiles_put(f->pool, 0, f->alice, f->resume, f->file, &err), IG_OK);
    assert_int_equal(chunk_rows(f, f->resume), 1);
    assert_int_equal(storefiles_read(f->pool, 0, f->alice, f->resume, collect, &s, &err), IG_OK);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.len, 0);
    free(s.data);
}

static void test_other_users_resume_is_not_found(void **state)
{
    fixture *f = fx(state);
    ig_err err = {0};
    write_bytes(f->file, ZH_TEXT, strlen(ZH_TEXT));
    assert_int_equal(storefiles_put(f->pool, 0, f->alice, f->resume, f->file, &err), IG_OK);
    sink s = {0};
    /* bob can neither read, nor overwrite, nor delete alice's file */
    assert_int_equal(storefiles_read(f->pool, 0, f->bob, f->resume, collect, &s, &err), IG_ENOTFOUND);
    assert_int_equal(s.calls, 0);
    write_bytes(f->file, EN_TEXT, strlen(EN_TEXT));
    assert_int_equal(storefiles_put(f->pool, 0, f->bob, f->resume, f->file, &err), IG_ENOTFOUND);
    assert_int_equal(storefiles_delete(f->pool, 0, f->bob, f->resume, &err), IG_ENOTFOUND);
    assert_int_equal(storefiles_put(f->pool, 0, f->alice, f->resume + 1000000, f->file, &err), IG_ENOTFOUND);
    assert_int_equal(storefiles_read(f->pool, 0, f->alice, f->resume, collect, &s, &err), IG_OK);
    assert_int_equal(s.len, strlen(ZH_TEXT));
    assert_memory_equal(s.data, ZH_TEXT, s.len);
    assert_int_equal(chunk_rows(f, f->bob_resume), 0);
    free(s.data);
}

static void test_put_replaces_and_delete_removes(void **state)
{
    fixture *f = fx(state);
    ig_err err = {0};
    unsigned char *big = make_bytes(STOREFILES_CHUNK + 10, ZH_TEXT);
    write_bytes(f->file, big, STOREFILES_CHUNK + 10);
    assert_int_equal(storefiles_put(f->pool, 0, f->alice, f->resume, f->file, &err), IG_OK);
    assert_int_equal(chunk_rows(f, f->resume), 2);
    write_bytes(f->file, EN_TEXT, strlen(EN_TEXT));
    assert_int_equal(storefiles_put(f->pool, 0, f->alice, f->resume, f->file, &err), IG_OK);
    assert_int_equal(chunk_rows(f, f->resume), 1);
    sink s = {0};
    assert_int_equal(storefiles_read(f->pool, 0, f->alice, f->resume, collect, &s, &err), IG_OK);
    assert_int_equal(s.len, strlen(EN_TEXT));
    assert_memory_equal(s.data, EN_TEXT, s.len);
    assert_int_equal(storefiles_delete(f->pool, 0, f->alice, f->resume, &err), IG_OK);
    assert_int_equal(chunk_rows(f, f->resume), 0);
    assert_int_equal(storefiles_delete(f->pool, 0, f->alice, f->resume, &err), IG_OK); /* none left: fine */
    assert_int_equal(storefiles_read(f->pool, 0, f->alice, f->resume, collect, &s, &err), IG_ENOTFOUND);
    store_resume r;
    assert_int_equal(store_resume_get(f->st, f->alice, f->resume, &r, &err), IG_OK); /* the resume stays */
    free(s.data);
    free(big);
}

static void test_chunks_go_with_the_resume(void **state)
{
    fixture *f = fx(state);
    ig_err err = {0};
    unsigned char *big = make_bytes(STOREFILES_CHUNK * 2 + 1, EN_TEXT);
    write_bytes(f->file, big, STOREFILES_CHUNK * 2 + 1);
    assert_int_equal(storefiles_put(f->pool, 0, f->alice, f->resume, f->file, &err), IG_OK);
    assert_int_equal(storefiles_put(f->pool, 0, f->bob, f->bob_resume, f->file, &err), IG_OK);
    char rel[STORE_FILE_PATH_MAX + 1];
    assert_int_equal(store_resume_delete(f->st, f->alice, f->resume, rel, sizeof rel, &err), IG_OK);
    assert_int_equal(chunk_rows(f, f->resume), 0);
    assert_int_equal(chunk_rows(f, f->bob_resume), 3);
    assert_int_equal(store_user_delete(f->st, f->bob, &err), IG_OK);
    assert_int_equal(chunk_rows(f, f->bob_resume), 0);
    free(big);
}

static void test_sink_failure_stops_the_read(void **state)
{
    fixture *f = fx(state);
    ig_err err = {0};
    unsigned char *big = make_bytes(STOREFILES_CHUNK * 3, ZH_TEXT);
    write_bytes(f->file, big, STOREFILES_CHUNK * 3);
    assert_int_equal(storefiles_put(f->pool, 0, f->alice, f->resume, f->file, &err), IG_OK);
    sink s = {.fail_at = 2};
    assert_int_equal(storefiles_read(f->pool, 0, f->alice, f->resume, collect, &s, &err), IG_EIO);
    assert_string_equal(err.msg, "disk full");
    assert_int_equal(s.calls, 2);
    assert_int_equal(s.len, STOREFILES_CHUNK);
    free(s.data);
    free(big);
}

/* storefiles_write joins the caller's transaction: rolled back with it, refused over a stored file. */
static void test_write_in_callers_transaction(void **state)
{
    fixture *f = fx(state);
    ig_err err = {0};
    sqldb_conn *c = NULL;
    int64_t size = -1;
    unsigned char *big = make_bytes(STOREFILES_CHUNK + 5, EN_TEXT);
    write_bytes(f->file, big, STOREFILES_CHUNK + 5);
    assert_int_equal(sqldb_pool_acquire(f->pool, &c, &err), IG_OK);
    assert_int_equal(sqldb_begin(c, true, &err), IG_OK);
    assert_int_equal(storefiles_write(c, 0, f->resume, f->file, &size, &err), IG_OK);
    assert_int_equal(size, STOREFILES_CHUNK + 5);
    sqldb_rollback(c);
    sqldb_pool_release(f->pool, c);
    assert_int_equal(chunk_rows(f, f->resume), 0);

    assert_int_equal(sqldb_pool_acquire(f->pool, &c, &err), IG_OK);
    assert_int_equal(sqldb_begin(c, true, &err), IG_OK);
    assert_int_equal(storefiles_write(c, 0, f->resume, f->file, NULL, &err), IG_OK);
    assert_int_equal(storefiles_write(c, 0, f->resume, f->file, NULL, &err), IG_ECONFLICT);
    assert_int_equal(sqldb_commit(c, &err), IG_OK);
    /* a resume that does not exist: the foreign key refuses (which ends a PostgreSQL transaction) */
    assert_int_equal(sqldb_begin(c, true, &err), IG_OK);
    assert_int_equal(storefiles_write(c, 0, f->resume + 1000000, f->file, NULL, &err), IG_ENOTFOUND);
    sqldb_rollback(c);
    sqldb_pool_release(f->pool, c);
    assert_int_equal(chunk_rows(f, f->resume), 2);

    /* a file that cannot be read */
    assert_int_equal(storefiles_put(f->pool, 0, f->alice, f->bob_resume, "/nonexistent/ig/x.pdf", &err), IG_ENOTFOUND);
    assert_int_equal(storefiles_put(f->pool, 0, f->bob, f->bob_resume, "/nonexistent/ig/x.pdf", &err), IG_EIO);
    assert_int_equal(chunk_rows(f, f->bob_resume), 0);
    free(big);
}

/* The public API, where the store's backend keeps files: the resume and its file in one call. */
static void test_store_api(void **state)
{
    fixture *f = fx(state);
    ig_err err = {0};
    write_bytes(f->file, ZH_TEXT, strlen(ZH_TEXT));
    ig_status rc = store_file_put(f->st, f->alice, f->resume, f->file, &err);
    if (rc == IG_EINVAL && strstr(err.msg, "cannot keep files") != NULL)
        skip(); /* a backend without the file operations yet */
    assert_int_equal(rc, IG_OK);
    sink s = {0};
    assert_int_equal(store_file_read(f->st, f->alice, f->resume, collect, &s, &err), IG_OK);
    assert_int_equal(s.len, strlen(ZH_TEXT));
    assert_int_equal(store_file_read(f->st, f->bob, f->resume, collect, &s, &err), IG_ENOTFOUND);
    assert_int_equal(store_file_delete(f->st, f->alice, f->resume, &err), IG_OK);
    assert_int_equal(store_file_read(f->st, f->alice, f->resume, collect, &s, &err), IG_ENOTFOUND);

    unsigned char rnd[32];
    char sha[65];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(sha, sizeof sha, rnd, sizeof rnd);
    store_resume_new in = {f->alice, "resume.pdf", "1/new.pdf", "application/pdf", (int64_t)strlen(ZH_TEXT), sha, 3};
    store_resume r, dup;
    assert_int_equal(store_resume_create_file(f->st, &in, f->file, &r, &err), IG_OK);
    assert_int_equal(chunk_rows(f, r.id), 1);
    /* the same bytes again: the existing resume, and no second file */
    assert_int_equal(store_resume_create_file(f->st, &in, f->file, &dup, &err), IG_ECONFLICT);
    assert_int_equal(dup.id, r.id);
    assert_int_equal(chunk_rows(f, r.id), 1);
    /* a file that cannot be read: neither the resume nor its job is written */
    in.content_sha256 = "0000000000000000000000000000000000000000000000000000000000000001";
    assert_int_equal(store_resume_create_file(f->st, &in, "/nonexistent/ig/x.pdf", &dup, &err), IG_EIO);
    int64_t total = 0;
    store_resume *items = NULL;
    size_t count = 0;
    assert_int_equal(store_resume_list(f->st, f->alice, 1, 10, &items, &count, &total, &err), IG_OK);
    assert_int_equal(total, 2);
    free(items);
    free(s.data);
}

#define FILE_TESTS(setup)                                                             \
    cmocka_unit_test_setup_teardown(test_round_trips, setup, teardown),               \
    cmocka_unit_test_setup_teardown(test_empty_file_is_one_empty_chunk, setup, teardown), \
    cmocka_unit_test_setup_teardown(test_other_users_resume_is_not_found, setup, teardown), \
    cmocka_unit_test_setup_teardown(test_put_replaces_and_delete_removes, setup, teardown), \
    cmocka_unit_test_setup_teardown(test_chunks_go_with_the_resume, setup, teardown), \
    cmocka_unit_test_setup_teardown(test_sink_failure_stops_the_read, setup, teardown), \
    cmocka_unit_test_setup_teardown(test_write_in_callers_transaction, setup, teardown), \
    cmocka_unit_test_setup_teardown(test_store_api, setup, teardown)

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {FILE_TESTS(setup_sqlite), FILE_TESTS(setup_pg), FILE_TESTS(setup_mysql)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

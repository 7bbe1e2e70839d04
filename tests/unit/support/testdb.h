/* Test support shared by the store, jobs and service tests: a migrated SQLite store in a fresh
 * temporary directory (or one on a server the environment names), its removal, and raw sqlite3 access for assertions the store API does not
 * expose. Header-only (static inline) because each test file is its own program. */
#ifndef IG_TESTS_SUPPORT_TESTDB_H
#define IG_TESTS_SUPPORT_TESTDB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/store.h"

/* Creates <TMPDIR>/<prefix>XXXXXX with test.db inside, opens it with pool connections and applies
 * the migrations. dir and path receive the two paths. */
static inline ig_store *testdb_create(const char *prefix, int pool, char *dir, size_t dircap, char *path,
                                      size_t pathcap)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, dircap, "%s/%sXXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp", prefix);
    assert_non_null(mkdtemp(dir));
    snprintf(path, pathcap, "%s/test.db", dir);
    char url[1024];
    snprintf(url, sizeof url, "sqlite:///%s", path); /* absolute path: four slashes */
    ig_err err = {0};
    ig_store *st = NULL;
    assert_int_equal(store_open(&st, url, pool, 5000, 30000, &err), IG_OK);
    assert_int_equal(store_migrate(st, NULL, &err), IG_OK);
    return st;
}

/* A migrated store with pool connections on the server database the environment variable url_env
 * names (IG_TEST_PG_URL, IG_TEST_MYSQL_URL); NULL when it names none (the engine's tests skip). */
static inline ig_store *testdb_server_open(const char *url_env, int pool)
{
    const char *url = getenv(url_env);
    if (url == NULL || url[0] == '\0')
        return NULL;
    ig_err err = {0};
    ig_store *st = NULL;
    if (store_open(&st, url, pool, 5000, 30000, &err) != IG_OK || store_migrate(st, NULL, &err) != IG_OK)
        fail_msg("%s: %s", url_env, err.msg);
    return st;
}

/* The fixture a setup left in *state, or the test skipped when it left none (no database for the
 * engine). */
static inline void *testdb_need(void **state)
{
    if (*state == NULL)
        skip();
    return *state;
}

/* Removes a database file and its WAL companions. */
static inline void testdb_remove_file(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char p[1100];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        unlink(p);
    }
}

/* Removes the database made by testdb_create and its directory. */
static inline void testdb_remove(const char *dir, const char *path)
{
    testdb_remove_file(path);
    rmdir(dir);
}

/* A second, raw connection to the same file (test-only SQL, constant text, bound parameters). */
static inline sqlite3 *testdb_raw_open(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL), SQLITE_OK);
    return db;
}

/* Runs sql with ?1 = p1 (when it has a parameter); the first column of the first row, 0 if none. */
static inline int64_t testdb_raw_int(sqlite3 *db, const char *sql, int64_t p1)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        print_error("%s: %s\n", sql, sqlite3_errmsg(db));
    assert_int_equal(rc, SQLITE_OK);
    if (sqlite3_bind_parameter_count(q) > 0)
        sqlite3_bind_int64(q, 1, p1);
    rc = sqlite3_step(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        print_error("%s: %s\n", sql, sqlite3_errmsg(db));
    assert_true(rc == SQLITE_ROW || rc == SQLITE_DONE);
    int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    return v;
}

#endif

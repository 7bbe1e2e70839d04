/* Unit tests of schema migrations: the embedded list on fresh and current databases, upgrades from an
 * older state, failure rollback, refusal of a newer database, and concurrent starts. */
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
#include <unistd.h>

#include "store/migrations.h"
#include "store/store.h"
#include "store/store_backend.h"

typedef struct fixture {
    char dir[512];
    char path[600];
    char url[700];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/igmigXXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/mig.db", f->dir);
    snprintf(f->url, sizeof f->url, "sqlite:///%s", f->path);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char p[700];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffixes[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static ig_store *open_store(const fixture *f)
{
    ig_store *st = NULL;
    ig_err err = {0};
    assert_int_equal(store_open(&st, f->url, 2, 10000, 30000, &err), IG_OK);
    return st;
}

static int version_of(ig_store *st)
{
    int v = -1;
    ig_err err = {0};
    assert_int_equal(store_schema_version(st, &v, &err), IG_OK);
    return v;
}

/* Count of rows a constant query returns in its first column, on a separate raw connection. */
static int64_t raw_int(const fixture *f, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        print_error("%s: %s\n", sql, sqlite3_errmsg(db));
    assert_int_equal(rc, SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static bool table_exists(const fixture *f, const char *name)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'", name);
    return raw_int(f, sql) == 1;
}

static int newest_embedded(void)
{
    return store_migrations[store_migrations_count - 1].version;
}

static void test_embedded_list_is_sane(void **state)
{
    (void)state;
    assert_true(store_migrations_count >= 1);
    for (size_t i = 0; i < store_migrations_count; i++) {
        const store_migration *m = &store_migrations[i];
        char prefix[16];
        snprintf(prefix, sizeof prefix, "%04d_", m->version);
        assert_int_equal(m->version, (int)i + 1); /* 1, 2, 3 ... without gaps */
        assert_memory_equal(m->name, prefix, strlen(prefix));
        assert_true(strlen(m->sql) > 0);
    }
}

static void test_fresh_then_current(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    int applied = -1;
    ig_store *st = open_store(f);
    assert_int_equal(version_of(st), 0);
    assert_int_equal(store_migrate(st, &applied, &err), IG_OK);
    assert_int_equal(applied, (int)store_migrations_count);
    assert_int_equal(version_of(st), newest_embedded());

    assert_int_equal(store_migrate(st, &applied, &err), IG_OK);
    assert_int_equal(applied, 0);
    store_close(st);

    /* a restart on a current database applies nothing either */
    st = open_store(f);
    assert_int_equal(store_migrate(st, &applied, &err), IG_OK);
    assert_int_equal(applied, 0);
    assert_int_equal(version_of(st), newest_embedded());
    assert_int_equal(store_migrate(st, NULL, &err), IG_OK);
    store_close(st);

    static const char *const tables[] = {
        "users", "resumes", "resume_file_chunks", "resume_parse_results", "questions", "interviews",
        "interview_questions", "interview_answers", "interview_feedback", "token_families", "revoked_tokens",
        "jobs", "schema_migrations",
    };
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        if (!table_exists(f, tables[i]))
            print_error("missing table %s\n", tables[i]);
        assert_true(table_exists(f, tables[i]));
    }
    assert_int_equal(raw_int(f, "SELECT count(*) FROM schema_migrations"), (int64_t)store_migrations_count);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM schema_migrations WHERE version = 1 AND name = '0001_init' "
                                "AND applied_at > 0"),
                     1);
}

static void test_schema_constraints(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    ig_store *st = open_store(f);
    assert_int_equal(store_migrate(st, NULL, &err), IG_OK);
    store_user u;
    assert_int_equal(store_user_create(st, "c@example.com", "h", NULL, &u, &err), IG_OK);
    store_close(st);

    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL), SQLITE_OK);
    /* a resume of a user that does not exist */
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO resumes (user_id, file_name, file_path, file_type, file_size, "
                                  "content_sha256, created_at, updated_at) VALUES (4242, 'a', 'b', 'pdf', 1, 'x', 0, 0)",
                                  NULL, NULL, NULL),
                     SQLITE_CONSTRAINT);
    /* a status outside the enum */
    char sql[300];
    snprintf(sql, sizeof sql,
             "INSERT INTO resumes (user_id, file_name, file_path, file_type, file_size, content_sha256, status, "
             "created_at, updated_at) VALUES (%lld, 'a', 'b', 'pdf', 1, 'x', 'weird', 0, 0)",
             (long long)u.id);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_CONSTRAINT);
    snprintf(sql, sizeof sql,
             "INSERT INTO resumes (user_id, file_name, file_path, file_type, file_size, content_sha256, "
             "created_at, updated_at) VALUES (%lld, 'a', 'b', 'pdf', 1, 'x', 0, 0)",
             (long long)u.id);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    /* the same file twice for one user */
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_CONSTRAINT);
    sqlite3_close(db);
}

/* Two hypothetical releases: the database was created by the first and is upgraded by the second. */
static const store_migration older[] = {
    {1, "0001_a", "CREATE TABLE a (x INTEGER NOT NULL);\nINSERT INTO a VALUES (1);"},
    {2, "0002_b", "CREATE TABLE b (y INTEGER);\nINSERT INTO a VALUES (2);"},
    {3, "0003_c", "ALTER TABLE b ADD COLUMN z TEXT;"},
};

static void test_upgrade_from_older_version(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    int applied = -1;
    ig_store *st = open_store(f);
    assert_int_equal(store_migrate_list(st, older, 1, &applied, &err), IG_OK);
    assert_int_equal(applied, 1);
    assert_int_equal(version_of(st), 1);
    assert_false(table_exists(f, "b"));

    assert_int_equal(store_migrate_list(st, older, 3, &applied, &err), IG_OK);
    assert_int_equal(applied, 2);
    assert_int_equal(version_of(st), 3);
    assert_true(table_exists(f, "b"));
    assert_int_equal(raw_int(f, "SELECT count(*) FROM a"), 2); /* 0001 ran once, 0002 once */
    assert_int_equal(raw_int(f, "SELECT count(*) FROM pragma_table_info('b') WHERE name = 'z'"), 1);

    assert_int_equal(store_migrate_list(st, older, 3, &applied, &err), IG_OK);
    assert_int_equal(applied, 0);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM a"), 2);
    store_close(st);
}

static void test_failed_migration_rolls_back(void **state)
{
    fixture *f = *state;
    static const store_migration broken[] = {
        {1, "0001_a", "CREATE TABLE a (x INTEGER);"},
        {2, "0002_broken", "CREATE TABLE c (z INTEGER);\nINSERT INTO missing_table VALUES (1);"},
        {3, "0003_d", "CREATE TABLE d (w INTEGER);"},
    };
    static const store_migration fixed[] = {
        {1, "0001_a", "CREATE TABLE a (x INTEGER);"},
        {2, "0002_fixed", "CREATE TABLE c (z INTEGER);"},
        {3, "0003_d", "CREATE TABLE d (w INTEGER);"},
    };
    ig_err err = {0};
    int applied = -1;
    ig_store *st = open_store(f);
    assert_int_equal(store_migrate_list(st, broken, 3, &applied, &err), IG_EIO);
    assert_non_null(strstr(err.msg, "0002_broken"));
    assert_non_null(strstr(err.msg, "missing_table"));
    assert_int_equal(applied, 1);
    assert_int_equal(version_of(st), 1);
    assert_true(table_exists(f, "a"));
    assert_false(table_exists(f, "c")); /* the failed migration's first statement was rolled back */
    assert_false(table_exists(f, "d")); /* and nothing after it ran */

    /* the connection went back to the pool clean: the next run works */
    assert_int_equal(store_migrate_list(st, fixed, 3, &applied, &err), IG_OK);
    assert_int_equal(applied, 2);
    assert_int_equal(version_of(st), 3);
    assert_true(table_exists(f, "c"));
    assert_true(table_exists(f, "d"));
    store_close(st);
}

static void test_newer_database_is_refused(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    int applied = -1;
    ig_store *st = open_store(f);
    assert_int_equal(store_migrate_list(st, older, 3, &applied, &err), IG_OK);
    assert_int_equal(store_migrate_list(st, older, 2, &applied, &err), IG_ESTATE);
    assert_int_equal(applied, 0);
    assert_non_null(strstr(err.msg, "newer"));
    assert_int_equal(version_of(st), 3);
    store_close(st);
}

static void test_bad_lists_are_refused(void **state)
{
    fixture *f = *state;
    static const store_migration unordered[] = {
        {2, "0002_b", "CREATE TABLE b (y INTEGER);"},
        {1, "0001_a", "CREATE TABLE a (x INTEGER);"},
    };
    static const store_migration duplicate[] = {
        {1, "0001_a", "CREATE TABLE a (x INTEGER);"},
        {1, "0001_b", "CREATE TABLE b (y INTEGER);"},
    };
    static const store_migration zero[] = {{0, "0000_z", "CREATE TABLE z (x INTEGER);"}};
    ig_err err = {0};
    ig_store *st = open_store(f);
    assert_int_equal(store_migrate_list(st, unordered, 2, NULL, &err), IG_EINVAL);
    assert_int_equal(store_migrate_list(st, duplicate, 2, NULL, &err), IG_EINVAL);
    assert_int_equal(store_migrate_list(st, zero, 1, NULL, &err), IG_EINVAL);
    assert_int_equal(store_migrate(NULL, NULL, &err), IG_EINVAL);
    assert_false(table_exists(f, "a"));
    assert_false(table_exists(f, "z"));
    store_close(st);
}

#define STARTS 4

typedef struct starter {
    const fixture *f;
    pthread_barrier_t *barrier;
    ig_status rc;
    int applied;
} starter;

/* One process start: its own store on the shared file, migrating as soon as all are ready. */
static void *start_and_migrate(void *arg)
{
    starter *s = arg;
    ig_store *st = NULL;
    ig_err err = {0};
    s->rc = store_open(&st, s->f->url, 2, 10000, 30000, &err);
    pthread_barrier_wait(s->barrier);
    if (s->rc == IG_OK)
        s->rc = store_migrate(st, &s->applied, &err);
    if (s->rc != IG_OK)
        print_error("concurrent migrate: %s\n", err.msg);
    store_close(st);
    return NULL;
}

static void test_concurrent_starts_apply_once(void **state)
{
    fixture *f = *state;
    pthread_t th[STARTS];
    starter s[STARTS];
    pthread_barrier_t barrier;
    assert_int_equal(pthread_barrier_init(&barrier, NULL, STARTS), 0);
    for (int i = 0; i < STARTS; i++) {
        s[i] = (starter){.f = f, .barrier = &barrier, .rc = IG_OK, .applied = 0};
        assert_int_equal(pthread_create(&th[i], NULL, start_and_migrate, &s[i]), 0);
    }
    int total = 0;
    for (int i = 0; i < STARTS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(s[i].rc, IG_OK);
        total += s[i].applied;
    }
    pthread_barrier_destroy(&barrier);
    assert_int_equal(total, (int)store_migrations_count);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM schema_migrations"), (int64_t)store_migrations_count);
    assert_int_equal(raw_int(f, "SELECT max(version) FROM schema_migrations"), newest_embedded());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_embedded_list_is_sane),
        cmocka_unit_test_setup_teardown(test_fresh_then_current, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_constraints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_from_older_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_migration_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_database_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_lists_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_starts_apply_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of the SQL driver interface (sqldb.h): the ?N rewriting and script splitting, URL
 * checks, and the same end-to-end cases on SQLite and, when IG_TEST_PG_URL / IG_TEST_MYSQL_URL name
 * a server (postgresql://user:password@127.0.0.1:port/db, mysql://user:password@127.0.0.1:port/db),
 * on PostgreSQL and MariaDB: types, NULLs, blobs with NUL bytes, repeated parameters, constraint
 * errors, changes, transactions, and reconnecting after the server drops the connection. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/sqldb.h"
#include "store/sqldb_driver.h"

#define SLOTS 20

static const sqldb_options test_opt = {
    .busy_timeout_ms = 5000, .statement_timeout_ms = 0, .connect_timeout_s = 5, .stmt_slots = SLOTS};

/* ---- rewriting and splitting ---- */

static void test_rewrite_pg(void **state)
{
    (void)state;
    ig_err err = {0};
    char *out = NULL;
    int maxn = 0;
    assert_int_equal(sqldb_rewrite("SELECT ?1, '?2 it''s ?3', \"col?4\", ?10 -- ?5\n/* ?6 */ ?2 || '面试?7'",
                                   '$', &out, NULL, NULL, &maxn, &err),
                     IG_OK);
    assert_string_equal(out, "SELECT $1, '?2 it''s ?3', \"col?4\", $10 -- ?5\n/* ?6 */ $2 || '面试?7'");
    assert_int_equal(maxn, 10);
    free(out);
}

static void test_rewrite_mysql(void **state)
{
    (void)state;
    ig_err err = {0};
    char *out = NULL;
    int *map = NULL, nmap = 0, maxn = 0;
    assert_int_equal(sqldb_rewrite("UPDATE t SET a = ?2, b = `x?9` WHERE id = ?1 OR id = ?10 OR id = ?1 AND s = 'a?3'",
                                   '?', &out, &map, &nmap, &maxn, &err),
                     IG_OK);
    assert_string_equal(out, "UPDATE t SET a = ?, b = `x?9` WHERE id = ? OR id = ? OR id = ? AND s = 'a?3'");
    assert_int_equal(nmap, 4);
    assert_int_equal(map[0], 2);
    assert_int_equal(map[1], 1);
    assert_int_equal(map[2], 10);
    assert_int_equal(map[3], 1);
    assert_int_equal(maxn, 10);
    free(out);
    free(map);
}

static void test_rewrite_rejects(void **state)
{
    (void)state;
    ig_err err = {0};
    char *out = NULL;
    int maxn = 0;
    assert_int_equal(sqldb_rewrite("SELECT ?", '$', &out, NULL, NULL, &maxn, &err), IG_EINVAL);
    assert_int_equal(sqldb_rewrite("SELECT ?0", '$', &out, NULL, NULL, &maxn, &err), IG_EINVAL);
    assert_int_equal(sqldb_rewrite("SELECT ?99999999999", '?', &out, NULL, NULL, &maxn, &err), IG_EINVAL);
    assert_null(out);
    /* an unterminated literal is passed through for the server to reject */
    assert_int_equal(sqldb_rewrite("SELECT 'abc ?1", '$', &out, NULL, NULL, &maxn, &err), IG_OK);
    assert_string_equal(out, "SELECT 'abc ?1");
    assert_int_equal(maxn, 0);
    free(out);
}

static void test_script_split(void **state)
{
    (void)state;
    const char *script = "-- 建表\nCREATE TABLE a (x INTEGER);\n\n  -- comment; with a semicolon;\n"
                         "CREATE TABLE b (\n  y TEXT -- no end here;x\n);   \nINSERT INTO a VALUES (1)";
    const char *pos = script;
    sqldb_bytes buf = {0};
    size_t len = 0;
    ig_err err = {0};
    assert_int_equal(sqldb_script_next(&pos, &buf, &len, &err), IG_OK);
    assert_string_equal(buf.p, "CREATE TABLE a (x INTEGER)");
    assert_int_equal(len, strlen(buf.p));
    assert_int_equal(sqldb_script_next(&pos, &buf, &len, &err), IG_OK);
    assert_string_equal(buf.p, "CREATE TABLE b (\ny TEXT -- no end here;x\n)");
    assert_int_equal(sqldb_script_next(&pos, &buf, &len, &err), IG_OK);
    assert_string_equal(buf.p, "INSERT INTO a VALUES (1)");
    assert_int_equal(sqldb_script_next(&pos, &buf, &len, &err), IG_OK);
    assert_int_equal(len, 0);
    free(buf.p);
}

static void test_dialect_of(void **state)
{
    (void)state;
    ig_err err = {0};
    sqldb_dialect d;
    assert_int_equal(sqldb_dialect_of("sqlite:///x.db", &d, &err), IG_OK);
    assert_int_equal(d, SQLDB_SQLITE);
    assert_int_equal(sqldb_dialect_of("postgresql://u@h/db", &d, &err), IG_OK);
    assert_int_equal(d, SQLDB_PG);
    assert_int_equal(sqldb_dialect_of("postgres://u@h/db", &d, &err), IG_OK);
    assert_int_equal(d, SQLDB_PG);
    assert_int_equal(sqldb_dialect_of("mysql+pymysql://u:p@h/db", &d, &err), IG_OK);
    assert_int_equal(d, SQLDB_MYSQL);
    assert_int_equal(sqldb_dialect_of("mariadb://u:p@h/db", &d, &err), IG_OK);
    assert_int_equal(d, SQLDB_MYSQL);
    assert_int_equal(sqldb_dialect_of("oracle://u:hunter2@h/db", &d, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "oracle"));
    assert_null(strstr(err.msg, "hunter2"));
    assert_int_equal(sqldb_dialect_of("u:hunter2@h://x", &d, &err), IG_EINVAL);
    assert_null(strstr(err.msg, "hunter2"));
    assert_int_equal(sqldb_dialect_of("no scheme", &d, &err), IG_EINVAL);
}

/* Bad URLs are refused before any connection is tried, and the message never quotes a password. */
static void test_bad_urls(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "sqlite://relative.db",
        "mysql://u:hunter2@host:99999/db",
        "mysql://u:hunter2%zz@host/db",
        "mysql://u:hunter2@host/db?hunter2",
        "mysql://u:hunter2@host/d/b",
        "mysql://u:hunter2@ho st/db",
        "mysql://u:hunter2@[::1/db",
        "mysql://u:hunter2%00x@host/db",
        "mysql://u:hunter2@host/db?charset=latin1",
        "postgresql://u:hunter2@host:5432/db?bogus=1",
        "postgresql://u:hunter2%zz@host/db",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ig_err err = {0};
        sqldb_conn *c = NULL;
        assert_int_equal(sqldb_connect(bad[i], &test_opt, &c, &err), IG_EINVAL);
        assert_null(c);
        assert_null(strstr(err.msg, "hunter2"));
    }
    ig_err err = {0};
    sqldb_conn *c = NULL;
    assert_int_equal(sqldb_connect("mysql://u@h/db?sslmode=on", &test_opt, &c, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "sslmode"));
}

/* ---- end to end, on each engine ---- */

typedef struct tctx {
    const char *url;
    sqldb_dialect dialect;
    sqldb_pool *pool;
    char p[64], t[64]; /* the table names, unique to this process */
} tctx;

static void must(ig_status rc, const ig_err *err)
{
    if (rc != IG_OK)
        fail_msg("%s: %s", status_name(rc), err->msg);
}

/* Runs parameterless SQL through a one-off statement slot. */
static ig_status run_sql(sqldb_conn *c, size_t slot, const char *sql, ig_err *err)
{
    sqldb_stmt *q = NULL;
    bool row = false;
    ig_status rc = sqldb_prepare(c, slot, sql, &q, err);
    if (rc == IG_OK)
        rc = sqldb_step(q, &row, err);
    sqldb_reset(q);
    return rc;
}

static int64_t one_int(sqldb_conn *c, size_t slot, const char *sql, int64_t p1)
{
    ig_err err = {0};
    sqldb_stmt *q = NULL;
    bool row = false;
    must(sqldb_prepare(c, slot, sql, &q, &err), &err);
    if (sqldb_param_count(q) >= 1)
        sqldb_bind_int64(q, 1, p1);
    must(sqldb_step(q, &row, &err), &err);
    assert_true(row);
    int64_t v = sqldb_column_int64(q, 0);
    sqldb_reset(q);
    return v;
}

static void schema(tctx *x, sqldb_conn *c)
{
    snprintf(x->p, sizeof x->p, "sqldb_p_%d", (int)getpid());
    snprintf(x->t, sizeof x->t, "sqldb_t_%d", (int)getpid());
    char sql[1024];
    ig_err err = {0};
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s;\nDROP TABLE IF EXISTS %s;\n", x->t, x->p);
    must(sqldb_exec_script(c, sql, &err), &err);
    if (x->dialect == SQLDB_PG)
        snprintf(sql, sizeof sql,
                 "-- parents\nCREATE TABLE %s (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE);\n"
                 "CREATE TABLE %s (id BIGSERIAL PRIMARY KEY, p_id BIGINT REFERENCES %s (id),\n"
                 "  n BIGINT, r DOUBLE PRECISION, s TEXT, b BYTEA, flag BOOLEAN, dec NUMERIC(10, 2));\n",
                 x->p, x->t, x->p);
    else if (x->dialect == SQLDB_MYSQL)
        snprintf(sql, sizeof sql,
                 "-- parents\nCREATE TABLE %s (id BIGINT PRIMARY KEY, name VARCHAR(191) NOT NULL UNIQUE)\n"
                 "  ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;\n"
                 "CREATE TABLE %s (id BIGINT AUTO_INCREMENT PRIMARY KEY, p_id BIGINT,\n"
                 "  n BIGINT, r DOUBLE, s LONGTEXT, b LONGBLOB, flag BOOLEAN, \"dec\" DECIMAL(10, 2),\n"
                 "  FOREIGN KEY (p_id) REFERENCES %s (id))\n"
                 "  ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;\n",
                 x->p, x->t, x->p);
    else
        snprintf(sql, sizeof sql,
                 "-- parents\nCREATE TABLE %s (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);\n"
                 "CREATE TABLE %s (id INTEGER PRIMARY KEY AUTOINCREMENT, p_id INTEGER REFERENCES %s (id),\n"
                 "  n INTEGER, r REAL, s TEXT, b BLOB, flag BOOLEAN, dec REAL);\n",
                 x->p, x->t, x->p);
    must(sqldb_exec_script(c, sql, &err), &err);
}

static void drop(tctx *x, sqldb_conn *c)
{
    char sql[256];
    ig_err err = {0};
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s;\nDROP TABLE IF EXISTS %s;\n", x->t, x->p);
    must(sqldb_exec_script(c, sql, &err), &err);
}

static const unsigned char blob_bytes[] = {0x00, 0x01, 0xff, 'a', 0x00, 'b'};

static int64_t insert_row(tctx *x, sqldb_conn *c, int64_t n, double r, const char *s, const void *b, size_t blen,
                          bool flag)
{
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO %s (n, r, s, b, flag) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id", x->t);
    ig_err err = {0};
    sqldb_stmt *q = NULL;
    bool row = false;
    must(sqldb_prepare(c, 1, sql, &q, &err), &err);
    assert_int_equal(sqldb_param_count(q), 5);
    sqldb_bind_int64(q, 1, n);
    sqldb_bind_double(q, 2, r);
    sqldb_bind_text(q, 3, s, s != NULL ? strlen(s) : 0);
    if (b != NULL)
        sqldb_bind_blob(q, 4, b, blen);
    else
        sqldb_bind_null(q, 4);
    sqldb_bind_int64(q, 5, flag);
    must(sqldb_step(q, &row, &err), &err);
    assert_true(row);
    int64_t id = sqldb_column_int64(q, 0);
    must(sqldb_step(q, &row, &err), &err);
    assert_false(row);
    sqldb_reset(q);
    assert_int_equal(sqldb_changes(c), 1);
    return id;
}

static void check_types(tctx *x, sqldb_conn *c)
{
    const char *zh = "面试官：请介绍一下你自己。";
    int64_t id1 = insert_row(x, c, -42, 3.25, zh, blob_bytes, sizeof blob_bytes, true);
    int64_t id2 = insert_row(x, c, 7, 0.1, NULL, NULL, 0, false);
    assert_true(id2 > id1);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT id, n, r, s, b, flag, p_id AS parent FROM %s WHERE id = ?1", x->t);
    ig_err err = {0};
    sqldb_stmt *q = NULL;
    bool row = false;
    must(sqldb_prepare(c, 2, sql, &q, &err), &err);
    sqldb_bind_int64(q, 1, id1);
    must(sqldb_step(q, &row, &err), &err);
    assert_true(row);
    assert_int_equal(sqldb_column_count(q), 7);
    assert_string_equal(sqldb_column_name(q, 1), "n");
    assert_string_equal(sqldb_column_name(q, 6), "parent");
    assert_int_equal(sqldb_column_type(q, 1), SQLDB_INT);
    assert_int_equal(sqldb_column_int64(q, 1), -42);
    size_t len = 0;
    assert_string_equal(sqldb_column_text(q, 1, &len), "-42");
    assert_int_equal(len, 3);
    assert_int_equal(sqldb_column_type(q, 2), SQLDB_REAL);
    assert_true(sqldb_column_double(q, 2) == 3.25);
    assert_int_equal(sqldb_column_int64(q, 2), 3);
    assert_int_equal(sqldb_column_type(q, 3), SQLDB_TEXT);
    const char *t = sqldb_column_text(q, 3, &len);
    assert_int_equal(len, strlen(zh));
    assert_string_equal(t, zh);
    assert_int_equal(sqldb_column_type(q, 4), SQLDB_BLOB);
    const void *b = sqldb_column_blob(q, 4, &len);
    assert_int_equal(len, sizeof blob_bytes);
    assert_memory_equal(b, blob_bytes, sizeof blob_bytes);
    assert_int_equal(sqldb_column_type(q, 5), SQLDB_INT);
    assert_int_equal(sqldb_column_int64(q, 5), 1);
    assert_int_equal(sqldb_column_type(q, 6), SQLDB_NULL);
    assert_int_equal(sqldb_column_int64(q, 6), 0);
    assert_null(sqldb_column_text(q, 6, &len));
    assert_int_equal(len, 0);
    must(sqldb_step(q, &row, &err), &err);
    assert_false(row);
    sqldb_reset(q);

    /* the second row: NULL text and blob, false, and a double that needs 17 digits */
    sqldb_bind_int64(q, 1, id2);
    must(sqldb_step(q, &row, &err), &err);
    assert_true(row);
    assert_int_equal(sqldb_column_type(q, 3), SQLDB_NULL);
    assert_null(sqldb_column_text(q, 3, &len));
    assert_int_equal(sqldb_column_type(q, 4), SQLDB_NULL);
    assert_null(sqldb_column_blob(q, 4, &len));
    assert_int_equal(sqldb_column_int64(q, 5), 0);
    assert_true(sqldb_column_double(q, 2) == 0.1);
    assert_string_equal(sqldb_column_text(q, 2, &len), "0.1");
    sqldb_reset(q);

    /* NUMERIC / DECIMAL reads as REAL */
    snprintf(sql, sizeof sql, "UPDATE %s SET \"dec\" = 12.5 WHERE id = ?1", x->t);
    must(sqldb_prepare(c, 15, sql, &q, &err), &err);
    sqldb_bind_int64(q, 1, id1);
    must(sqldb_step(q, &row, &err), &err);
    sqldb_reset(q);
    assert_int_equal(sqldb_changes(c), 1);
    snprintf(sql, sizeof sql, "SELECT \"dec\" FROM %s WHERE id = ?1", x->t);
    assert_int_equal(one_int(c, 16, sql, id1), 12);
    must(sqldb_prepare(c, 16, sql, &q, &err), &err);
    sqldb_bind_int64(q, 1, id1);
    must(sqldb_step(q, &row, &err), &err);
    assert_true(row);
    assert_int_equal(sqldb_column_type(q, 0), SQLDB_REAL);
    assert_true(sqldb_column_double(q, 0) == 12.5);
    sqldb_reset(q);
}

/* A number used twice binds one value; ?10 is not ?1 followed by 0. */
static void check_repeated_params(tctx *x, sqldb_conn *c)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM %s WHERE (n >= ?1 AND n <= ?1 + ?2) OR n = ?10 OR n = ?3 OR n = ?4 OR n = ?5 "
             "OR n = ?6 OR n = ?7 OR n = ?8 OR n = ?9",
             x->t);
    ig_err err = {0};
    sqldb_stmt *q = NULL;
    bool row = false;
    must(sqldb_prepare(c, 3, sql, &q, &err), &err);
    assert_int_equal(sqldb_param_count(q), 10);
    for (int i = 1; i <= 10; i++)
        sqldb_bind_int64(q, i, 1000 + i);
    sqldb_bind_int64(q, 1, 5);
    sqldb_bind_int64(q, 2, 2);
    must(sqldb_step(q, &row, &err), &err);
    assert_true(row);
    assert_int_equal(sqldb_column_int64(q, 0), 1); /* n = 7 */
    sqldb_reset(q);
    for (int i = 1; i <= 10; i++)
        sqldb_bind_int64(q, i, 1000 + i);
    sqldb_bind_int64(q, 10, -42);
    must(sqldb_step(q, &row, &err), &err);
    assert_true(row);
    assert_int_equal(sqldb_column_int64(q, 0), 1); /* n = -42 through ?10 */
    sqldb_reset(q);
    /* a bad index is reported by the next step */
    sqldb_bind_int64(q, 11, 1);
    assert_int_not_equal(sqldb_step(q, &row, &err), IG_OK);
    sqldb_reset(q);
}

static void check_constraints(tctx *x, sqldb_conn *c)
{
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO %s (id, name) VALUES (?1, ?2)", x->p);
    ig_err err = {0};
    sqldb_stmt *q = NULL;
    bool row = false;
    must(sqldb_prepare(c, 4, sql, &q, &err), &err);
    sqldb_bind_int64(q, 1, 1);
    sqldb_bind_text(q, 2, "secret-unique-value", strlen("secret-unique-value"));
    must(sqldb_step(q, &row, &err), &err);
    sqldb_reset(q);
    sqldb_bind_int64(q, 1, 2);
    sqldb_bind_text(q, 2, "secret-unique-value", strlen("secret-unique-value"));
    assert_int_equal(sqldb_step(q, &row, &err), IG_ECONFLICT);
    assert_null(strstr(err.msg, "secret-unique-value"));
    sqldb_reset(q);
    sqldb_bind_int64(q, 1, 1);
    sqldb_bind_text(q, 2, "other", 5);
    assert_int_equal(sqldb_step(q, &row, &err), IG_ECONFLICT);
    sqldb_reset(q);

    snprintf(sql, sizeof sql, "INSERT INTO %s (p_id, n) VALUES (?1, ?2)", x->t);
    must(sqldb_prepare(c, 5, sql, &q, &err), &err);
    sqldb_bind_int64(q, 1, 999999);
    sqldb_bind_int64(q, 2, 0);
    assert_int_equal(sqldb_step(q, &row, &err), IG_ENOTFOUND);
    sqldb_reset(q);
    sqldb_bind_int64(q, 1, 1);
    sqldb_bind_int64(q, 2, 0);
    must(sqldb_step(q, &row, &err), &err);
    sqldb_reset(q);
}

/* changes counts matched rows, also those an UPDATE leaves as they were; a SELECT leaves it. */
static void check_changes(tctx *x, sqldb_conn *c)
{
    char sql[256];
    ig_err err = {0};
    snprintf(sql, sizeof sql, "UPDATE %s SET n = n WHERE p_id IS NULL", x->t);
    must(run_sql(c, 6, sql, &err), &err);
    assert_int_equal(sqldb_changes(c), 2);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", x->t);
    assert_int_equal(one_int(c, 7, sql, 0), 3);
    assert_int_equal(sqldb_changes(c), 2);
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE n = ?1", x->t);
    assert_int_equal(one_int(c, 8, "SELECT 1", 0), 1);
    sqldb_stmt *q = NULL;
    bool row = false;
    must(sqldb_prepare(c, 9, sql, &q, &err), &err);
    sqldb_bind_int64(q, 1, 12345);
    must(sqldb_step(q, &row, &err), &err);
    assert_false(row);
    sqldb_reset(q);
    assert_int_equal(sqldb_changes(c), 0);
}

static void check_transactions(tctx *x, sqldb_conn *c)
{
    char count[128], ins[128];
    snprintf(count, sizeof count, "SELECT count(*) FROM %s", x->t);
    snprintf(ins, sizeof ins, "INSERT INTO %s (n) VALUES (99)", x->t);
    ig_err err = {0};
    int64_t before = one_int(c, 7, count, 0);
    assert_false(sqldb_in_transaction(c));
    must(sqldb_begin(c, true, &err), &err);
    assert_true(sqldb_in_transaction(c));
    must(run_sql(c, 10, ins, &err), &err);
    assert_int_equal(one_int(c, 7, count, 0), before + 1);
    sqldb_rollback(c);
    assert_false(sqldb_in_transaction(c));
    assert_int_equal(one_int(c, 7, count, 0), before);
    sqldb_rollback(c); /* a no-op outside a transaction */
    must(sqldb_begin(c, true, &err), &err);
    must(run_sql(c, 10, ins, &err), &err);
    must(sqldb_commit(c, &err), &err);
    assert_false(sqldb_in_transaction(c));
    assert_int_equal(one_int(c, 7, count, 0), before + 1);
    /* a read transaction is read-only on the servers: a write in it is refused, nothing changes */
    if (sqldb_dialect_get(c) != SQLDB_SQLITE) {
        must(sqldb_begin(c, false, &err), &err);
        assert_int_equal(run_sql(c, 10, ins, &err), IG_EIO);
        sqldb_rollback(c);
        assert_int_equal(one_int(c, 7, count, 0), before + 1);
    }
}

/* Rows are walked while other statements run on the same connection; values longer than a
 * driver's first buffer come whole. */
static void check_interleaved(tctx *x, sqldb_conn *c)
{
    char big[6001];
    for (size_t i = 0; i + 3 <= 6000; i += 3)
        memcpy(big + i, "试", 3);
    big[6000] = '\0';
    insert_row(x, c, 500, 1.5, big, big, 6000, false);
    insert_row(x, c, 501, 2.5, "short", "", 0, false);
    char sql[256], count[256];
    snprintf(sql, sizeof sql, "SELECT id, s, b FROM %s WHERE n >= 500 ORDER BY id", x->t);
    snprintf(count, sizeof count, "SELECT count(*) FROM %s WHERE id <= ?1", x->t);
    ig_err err = {0};
    sqldb_stmt *q = NULL;
    bool row = false;
    must(sqldb_prepare(c, 11, sql, &q, &err), &err);
    int rows = 0;
    while (sqldb_step(q, &row, &err) == IG_OK && row) {
        int64_t id = sqldb_column_int64(q, 0);
        assert_true(one_int(c, 12, count, id) >= 4);
        size_t len = 0;
        const char *s = sqldb_column_text(q, 1, &len);
        const void *b = sqldb_column_blob(q, 2, &len);
        if (rows == 0) {
            assert_string_equal(s, big);
            assert_int_equal(len, 6000);
            assert_memory_equal(b, big, 6000);
        } else {
            assert_string_equal(s, "short");
            assert_int_equal(len, 0); /* an empty blob: not NULL on the servers, NULL or empty on SQLite */
        }
        rows++;
    }
    assert_int_equal(err.status, IG_OK);
    assert_int_equal(rows, 2);
    sqldb_reset(q);
}

static void run_e2e(tctx *x)
{
    ig_err err = {0};
    must(sqldb_pool_open(x->url, &test_opt, 2, &x->pool, &err), &err);
    assert_int_equal(sqldb_pool_dialect(x->pool), x->dialect);
    sqldb_conn *c = NULL;
    must(sqldb_pool_acquire(x->pool, &c, &err), &err);
    assert_int_equal(sqldb_dialect_get(c), x->dialect);
    schema(x, c);
    check_types(x, c);
    check_repeated_params(x, c);
    check_constraints(x, c);
    check_changes(x, c);
    check_transactions(x, c);
    check_interleaved(x, c);
    /* release rolls back what a borrower left open */
    must(sqldb_begin(c, true, &err), &err);
    sqldb_pool_release(x->pool, c);
    must(sqldb_pool_acquire(x->pool, &c, &err), &err);
    assert_false(sqldb_in_transaction(c));
    drop(x, c);
    sqldb_pool_release(x->pool, c);
    sqldb_pool_close(x->pool);
}

static void test_sqlite_e2e(void **state)
{
    (void)state;
    char dir[] = "/tmp/igsqldbXXXXXX";
    assert_non_null(mkdtemp(dir));
    char url[160], path[128];
    snprintf(path, sizeof path, "%s/t.db", dir);
    snprintf(url, sizeof url, "sqlite:///%s", path);
    tctx x = {.url = url, .dialect = SQLDB_SQLITE};
    run_e2e(&x);
    char side[200];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    rmdir(dir);
}

/* An in-memory database is one connection's: its pool has one, so a table made through it stays. */
static void test_sqlite_memory(void **state)
{
    (void)state;
    tctx x = {.url = "sqlite://:memory:", .dialect = SQLDB_SQLITE};
    run_e2e(&x);
    ig_err err = {0};
    sqldb_pool *p = NULL;
    must(sqldb_pool_open("sqlite:///:memory:", &test_opt, 4, &p, &err), &err);
    sqldb_conn *c = NULL;
    must(sqldb_pool_acquire(p, &c, &err), &err);
    must(sqldb_exec_script(c, "CREATE TABLE m (x INTEGER);\nINSERT INTO m VALUES (1);\n", &err), &err);
    sqldb_pool_release(p, c);
    must(sqldb_pool_acquire(p, &c, &err), &err);
    assert_int_equal(one_int(c, 0, "SELECT count(*) FROM m", 0), 1);
    assert_int_equal(sqldb_prepare(c, SLOTS, "SELECT 1", &(sqldb_stmt *){NULL}, &err), IG_EINTERNAL);
    sqldb_pool_release(p, c);
    sqldb_pool_close(p);
}

static int64_t backend_id(sqldb_conn *c)
{
    return one_int(c, 13, sqldb_dialect_get(c) == SQLDB_PG ? "SELECT pg_backend_pid()" : "SELECT CONNECTION_ID()",
                   0);
}

/* Drops connection id on the server, as a restart would, and waits until it is gone. */
static void kill_backend(const char *url, int64_t id)
{
    ig_err err = {0};
    sqldb_conn *k = NULL;
    must(sqldb_connect(url, &test_opt, &k, &err), &err);
    bool pg = sqldb_dialect_get(k) == SQLDB_PG;
    char sql[96];
    snprintf(sql, sizeof sql, pg ? "SELECT pg_terminate_backend(%lld)" : "KILL CONNECTION %lld", (long long)id);
    must(sqldb_exec_script(k, sql, &err), &err);
    const char *gone = pg ? "SELECT count(*) FROM pg_stat_activity WHERE pid = ?1"
                          : "SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID = ?1";
    for (int i = 0; i < 100 && one_int(k, 1, gone, id) > 0; i++)
        usleep(20000);
    /* the server's last bytes (a FATAL notice, the FIN) reach the client socket */
    usleep(50000);
    sqldb_close(k);
}

static void check_reconnect(const char *url)
{
    ig_err err = {0};
    sqldb_pool *p = NULL;
    must(sqldb_pool_open(url, &test_opt, 1, &p, &err), &err);
    sqldb_conn *c = NULL;
    /* an idle pooled connection the server dropped is replaced at acquire */
    must(sqldb_pool_acquire(p, &c, &err), &err);
    int64_t id = backend_id(c);
    sqldb_pool_release(p, c);
    kill_backend(url, id);
    must(sqldb_pool_acquire(p, &c, &err), &err);
    int64_t id2 = backend_id(c);
    assert_int_not_equal(id2, id);
    /* a connection dropped while in use fails its statement, then sqldb_check reconnects it */
    kill_backend(url, id2);
    sqldb_stmt *q = NULL;
    bool row = false;
    ig_status rc = sqldb_prepare(c, 14, "SELECT 1", &q, &err);
    if (rc == IG_OK)
        rc = sqldb_step(q, &row, &err);
    assert_int_equal(rc, IG_EUNAVAIL);
    assert_non_null(strstr(err.msg, "lost"));
    sqldb_reset(q);
    must(sqldb_check(c, &err), &err);
    assert_int_not_equal(backend_id(c), id2);
    sqldb_pool_release(p, c);
    sqldb_pool_close(p);
}

static void check_timeout(const char *url, bool pg)
{
    sqldb_options opt = test_opt;
    opt.statement_timeout_ms = 200;
    ig_err err = {0};
    sqldb_conn *c = NULL;
    must(sqldb_connect(url, &opt, &c, &err), &err);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ig_status rc = run_sql(c, 0, pg ? "SELECT pg_sleep(3)" : "SELECT SLEEP(3) FROM DUAL", &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(s < 2.0);
    assert_int_equal(rc, IG_EIO);
    assert_non_null(strstr(err.msg, "timed out"));
    assert_int_equal(one_int(c, 1, "SELECT 2", 0), 2);
    sqldb_close(c);
}

static void check_bad_password(const char *url)
{
    /* the same URL with the password replaced */
    const char *at = strrchr(url, '@');
    const char *colon = strchr(strstr(url, "://") + 3, ':');
    if (at == NULL || colon == NULL || colon > at)
        return;
    char bad[512];
    snprintf(bad, sizeof bad, "%.*s:WrongPass-hunter2%s", (int)(colon - url), url, at);
    ig_err err = {0};
    sqldb_conn *c = NULL;
    assert_int_equal(sqldb_connect(bad, &test_opt, &c, &err), IG_EIO);
    assert_null(c);
    assert_null(strstr(err.msg, "hunter2"));
}

static void test_pg_e2e(void **state)
{
    (void)state;
    const char *url = getenv("IG_TEST_PG_URL");
    if (url == NULL || *url == '\0') {
        print_message("skipped: IG_TEST_PG_URL is not set (postgresql://user:password@127.0.0.1:port/db)\n");
        skip();
    }
    tctx x = {.url = url, .dialect = SQLDB_PG};
    run_e2e(&x);
    check_reconnect(url);
    check_timeout(url, true);
    check_bad_password(url);
}

static void test_mysql_e2e(void **state)
{
    (void)state;
    const char *url = getenv("IG_TEST_MYSQL_URL");
    if (url == NULL || *url == '\0') {
        print_message("skipped: IG_TEST_MYSQL_URL is not set (mysql://user:password@127.0.0.1:port/db)\n");
        skip();
    }
    tctx x = {.url = url, .dialect = SQLDB_MYSQL};
    run_e2e(&x);
    check_reconnect(url);
    check_timeout(url, false);
    check_bad_password(url);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rewrite_pg),      cmocka_unit_test(test_rewrite_mysql),
        cmocka_unit_test(test_rewrite_rejects), cmocka_unit_test(test_script_split),
        cmocka_unit_test(test_dialect_of),      cmocka_unit_test(test_bad_urls),
        cmocka_unit_test(test_sqlite_e2e),      cmocka_unit_test(test_sqlite_memory),
        cmocka_unit_test(test_pg_e2e),          cmocka_unit_test(test_mysql_e2e),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The SQLite driver of sqldb.h: a thin pass-through to sqlite3_*. SQLite already speaks the
 * interface's dialect (?N parameters, BEGIN IMMEDIATE), so statements are prepared as written. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqldb_driver.h"

typedef struct lite_stmt {
    sqldb_stmt base;
    sqlite3_stmt *st;
} lite_stmt;

static sqlite3 *lite_db(const sqldb_conn *c)
{
    return c->handle;
}

static sqlite3_stmt *lite_st(const sqldb_stmt *q)
{
    return ((const lite_stmt *)q)->st;
}

/* Maps the connection's last error to a status; the message keeps SQLite's reason, which names
 * tables and columns but never a bound value. */
static ig_status lite_fail(sqldb_conn *c, const char *what, ig_err *err)
{
    int code = sqlite3_extended_errcode(lite_db(c));
    const char *msg = sqlite3_errmsg(lite_db(c));
    switch (code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return status_errf(err, IG_ECONFLICT, "%s: already exists (%s)", what, msg);
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        return status_errf(err, IG_ENOTFOUND, "%s: referenced row does not exist", what);
    default:
        break;
    }
    if ((code & 0xff) == SQLITE_NOMEM)
        return status_errf(err, IG_ENOMEM, "%s: out of memory", what);
    return status_errf(err, IG_EIO, "%s: %s", what, msg);
}

/* Switching a new file to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once instead
 * of calling the busy handler when another connection is doing the same (processes starting
 * together); so retry for up to the busy timeout. */
static int lite_set_wal(sqlite3 *db, int busy_timeout_ms)
{
    for (int waited = 0;; waited += 10) {
        int rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
        if ((rc & 0xff) != SQLITE_BUSY || waited >= busy_timeout_ms)
            return rc;
        sqlite3_sleep(10);
    }
}

/* The URL after "sqlite://" is read as SQLAlchemy does (the seed's DATABASE_URL): "/rel/path.db" is
 * relative (sqlite:///rel/path.db), "//abs/path.db" absolute (sqlite:////abs/path.db), ":memory:"
 * or "/:memory:" an in-memory database private to the connection (sqldb_pool_open gives it a pool
 * of one). */
static ig_status lite_open(sqldb_conn *c, ig_err *err)
{
    const char *location = c->url + strlen("sqlite://");
    bool memory = strcmp(location, ":memory:") == 0 || strcmp(location, "/:memory:") == 0;
    const char *path = ":memory:";
    if (!memory) {
        if (location[0] != '/' || location[1] == '\0')
            return status_errf(err, IG_EINVAL, "SQLite URL must be sqlite:///relative.db, sqlite:////absolute.db "
                                               "or sqlite://:memory:");
        path = location + 1;
    }
    sqlite3 *db = NULL;
    /* NOMUTEX: the pool hands a connection to one thread at a time. No SQLITE_OPEN_URI, so a
     * configured path is always a plain file name. */
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    c->handle = db;
    if (rc != SQLITE_OK) {
        if (db == NULL)
            return status_errf(err, IG_ENOMEM, "out of memory opening database %s", path);
        return status_errf(err, IG_EIO, "cannot open database %s: %s", path, sqlite3_errmsg(db));
    }
    int busy = c->opt.busy_timeout_ms;
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, busy);
    /* WAL lets readers run beside the one writer; NORMAL sync is durable across app crashes in WAL. */
    if ((!memory && lite_set_wal(db, busy) != SQLITE_OK) ||
        sqlite3_exec(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL", NULL, NULL, NULL) != SQLITE_OK)
        return status_errf(err, IG_EIO, "cannot configure database %s: %s", path, sqlite3_errmsg(db));
    return IG_OK;
}

static void lite_close(sqldb_conn *c)
{
    sqlite3_close(lite_db(c));
    c->handle = NULL;
}

/* A file or in-memory database cannot go away under an open connection. */
static bool lite_dead(sqldb_conn *c)
{
    (void)c;
    return false;
}

static ig_status lite_exec(sqldb_conn *c, const char *sql, const char *what, ig_err *err)
{
    if (sqlite3_exec(lite_db(c), sql, NULL, NULL, NULL) != SQLITE_OK)
        return lite_fail(c, what, err);
    return IG_OK;
}

static ig_status lite_exec_script(sqldb_conn *c, const char *sql, ig_err *err)
{
    return lite_exec(c, sql, "script", err);
}

static ig_status lite_begin(sqldb_conn *c, bool write, ig_err *err)
{
    return lite_exec(c, write ? "BEGIN IMMEDIATE" : "BEGIN", "begin", err);
}

static ig_status lite_commit(sqldb_conn *c, ig_err *err)
{
    return lite_exec(c, "COMMIT", "commit", err);
}

static void lite_rollback(sqldb_conn *c)
{
    if (!sqlite3_get_autocommit(lite_db(c)))
        sqlite3_exec(lite_db(c), "ROLLBACK", NULL, NULL, NULL);
}

static bool lite_in_transaction(const sqldb_conn *c)
{
    return !sqlite3_get_autocommit(lite_db(c));
}

static ig_status lite_prepare(sqldb_conn *c, size_t slot, const char *sql, sqldb_stmt **out, ig_err *err)
{
    (void)slot;
    lite_stmt *q = calloc(1, sizeof *q);
    if (q == NULL)
        return status_errf(err, IG_ENOMEM, "prepare: out of memory");
    if (sqlite3_prepare_v3(lite_db(c), sql, -1, SQLITE_PREPARE_PERSISTENT, &q->st, NULL) != SQLITE_OK) {
        free(q);
        return lite_fail(c, "prepare", err);
    }
    q->base.conn = c;
    q->base.nparams = sqlite3_bind_parameter_count(q->st);
    *out = &q->base;
    return IG_OK;
}

static void lite_finalize(sqldb_stmt *q)
{
    sqlite3_finalize(lite_st(q));
    free(q);
}

static void lite_bind(sqldb_stmt *q, int idx, const sqldb_value *v)
{
    sqlite3_stmt *st = lite_st(q);
    int rc;
    switch (v->type) {
    case SQLDB_INT:
        rc = sqlite3_bind_int64(st, idx, v->i);
        break;
    case SQLDB_REAL:
        rc = sqlite3_bind_double(st, idx, v->d);
        break;
    case SQLDB_TEXT:
        rc = sqlite3_bind_text64(st, idx, v->p, v->n, SQLITE_STATIC, SQLITE_UTF8);
        break;
    case SQLDB_BLOB:
        rc = sqlite3_bind_blob64(st, idx, v->p, v->n, SQLITE_STATIC);
        break;
    case SQLDB_NULL:
    default:
        rc = sqlite3_bind_null(st, idx);
        break;
    }
    if (rc != SQLITE_OK && q->bind_rc == IG_OK)
        q->bind_rc = rc == SQLITE_NOMEM ? IG_ENOMEM : rc == SQLITE_TOOBIG ? IG_ETOOBIG : IG_EINTERNAL;
}

static ig_status lite_step(sqldb_stmt *q, bool *row, ig_err *err)
{
    if (q->bind_rc != IG_OK)
        return status_errf(err, q->bind_rc, "step: a parameter could not be bound");
    int rc = sqlite3_step(lite_st(q));
    if (rc == SQLITE_ROW) {
        *row = true;
        return IG_OK;
    }
    if (rc == SQLITE_DONE)
        return IG_OK;
    return lite_fail(q->conn, "step", err);
}

static void lite_reset(sqldb_stmt *q)
{
    sqlite3_reset(lite_st(q));
    sqlite3_clear_bindings(lite_st(q));
    q->bind_rc = IG_OK;
}

static int64_t lite_changes(const sqldb_conn *c)
{
    return sqlite3_changes64(lite_db(c));
}

static const char *lite_column_name(const sqldb_stmt *q, int col)
{
    return sqlite3_column_name(lite_st(q), col);
}

static int lite_column_count(const sqldb_stmt *q)
{
    return sqlite3_column_count(lite_st(q));
}

static sqldb_type lite_column_type(const sqldb_stmt *q, int col)
{
    switch (sqlite3_column_type(lite_st(q), col)) {
    case SQLITE_INTEGER:
        return SQLDB_INT;
    case SQLITE_FLOAT:
        return SQLDB_REAL;
    case SQLITE_TEXT:
        return SQLDB_TEXT;
    case SQLITE_BLOB:
        return SQLDB_BLOB;
    default:
        return SQLDB_NULL;
    }
}

static int64_t lite_column_int64(const sqldb_stmt *q, int col)
{
    return sqlite3_column_int64(lite_st(q), col);
}

static double lite_column_double(const sqldb_stmt *q, int col)
{
    return sqlite3_column_double(lite_st(q), col);
}

static const char *lite_column_text(const sqldb_stmt *q, int col, size_t *len)
{
    const char *t = (const char *)sqlite3_column_text(lite_st(q), col);
    *len = t != NULL ? (size_t)sqlite3_column_bytes(lite_st(q), col) : 0;
    return t;
}

static const void *lite_column_blob(const sqldb_stmt *q, int col, size_t *len)
{
    const void *b = sqlite3_column_blob(lite_st(q), col);
    *len = b != NULL ? (size_t)sqlite3_column_bytes(lite_st(q), col) : 0;
    return b;
}

const sqldb_ops sqldb_sqlite_ops = {
    .open = lite_open,
    .close = lite_close,
    .dead = lite_dead,
    .exec_script = lite_exec_script,
    .begin = lite_begin,
    .commit = lite_commit,
    .rollback = lite_rollback,
    .in_transaction = lite_in_transaction,
    .prepare = lite_prepare,
    .finalize = lite_finalize,
    .bind = lite_bind,
    .step = lite_step,
    .reset = lite_reset,
    .changes = lite_changes,
    .column_name = lite_column_name,
    .column_count = lite_column_count,
    .column_type = lite_column_type,
    .column_int64 = lite_column_int64,
    .column_double = lite_column_double,
    .column_text = lite_column_text,
    .column_blob = lite_column_blob,
};

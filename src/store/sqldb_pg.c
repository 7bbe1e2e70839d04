/* The PostgreSQL driver of sqldb.h over libpq: statements are prepared on the server with their
 * parameters' types left to it (?N becomes $N), parameters go as text (blobs as binary), and each
 * result is read whole into a PGresult so that other statements may run while its rows are walked. */
#include <libpq-fe.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "store/sqldb_driver.h"

/* Type OIDs (catalog/pg_type.h, stable across versions). */
enum {
    PGD_BOOLOID = 16,
    PGD_BYTEAOID = 17,
    PGD_INT8OID = 20,
    PGD_INT2OID = 21,
    PGD_INT4OID = 23,
    PGD_OIDOID = 26,
    PGD_FLOAT4OID = 700,
    PGD_FLOAT8OID = 701,
    PGD_NUMERICOID = 1700,
};

typedef struct pgd_stmt {
    sqldb_stmt base;
    char name[24];         /* of the server's prepared statement */
    PGresult *res;         /* the executed result, or NULL */
    bool executed;
    int row;               /* the current row of res, -1 before the first */
    const char **values;   /* nparams entries, pointing into arena or at bound blobs */
    int *lengths, *formats;
    sqldb_bytes arena;     /* the text parameters, NUL-terminated */
    sqldb_bytes *colbuf;   /* per column of res: decoded bytea */
    int colcap;            /* entries in colbuf */
} pgd_stmt;

static PGconn *pgd_conn(const sqldb_conn *c)
{
    return c->handle;
}

static pgd_stmt *pgd_q(sqldb_stmt *q)
{
    return (pgd_stmt *)q;
}

/* Notices (e.g. "relation already exists, skipping" from a migration) are not errors; dropped. */
static void pgd_quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* libpq's message with its line breaks folded, or a generic one when it could hold the password. */
static void pgd_message(const char *msg, const char *password, char *buf, size_t cap)
{
    if (msg == NULL || *msg == '\0' || (password != NULL && *password != '\0' && strstr(msg, password) != NULL)) {
        snprintf(buf, cap, "no reason given");
        return;
    }
    size_t j = 0;
    for (const char *p = msg; *p != '\0' && j + 1 < cap; p++)
        buf[j++] = *p == '\n' || *p == '\r' ? ' ' : *p;
    while (j > 0 && buf[j - 1] == ' ')
        j--;
    buf[j] = '\0';
}

static bool pgd_lost_state(const char *state)
{
    return state != NULL && (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
                             strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0);
}

/* Maps a failed result (res may be NULL) to a status. Server messages name tables, columns and
 * constraints; those of SQLSTATE class 22 (data exceptions) may quote a value, so they are left out. */
static ig_status pgd_fail(sqldb_conn *c, const PGresult *res, const char *what, ig_err *err)
{
    PGconn *conn = pgd_conn(c);
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (PQstatus(conn) == CONNECTION_BAD || pgd_lost_state(state)) {
        c->broken = true;
        c->in_tx = false;
        return status_errf(err, IG_EUNAVAIL, "%s: the database connection was lost", what);
    }
    if (state == NULL) {
        char msg[200];
        pgd_message(PQerrorMessage(conn), NULL, msg, sizeof msg);
        return status_errf(err, IG_EIO, "%s: %s", what, msg);
    }
    const char *constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
    if (strcmp(state, "23505") == 0)
        return status_errf(err, IG_ECONFLICT, "%s: already exists (%s)", what,
                           constraint != NULL ? constraint : "unique constraint");
    if (strcmp(state, "23503") == 0)
        return status_errf(err, IG_ENOTFOUND, "%s: referenced row does not exist", what);
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
        return status_errf(err, IG_ECONFLICT, "%s: conflict with a concurrent transaction (SQLSTATE %s)", what,
                           state);
    if (strcmp(state, "55P03") == 0)
        return status_errf(err, IG_ECONFLICT, "%s: timed out waiting for a lock", what);
    if (strcmp(state, "57014") == 0)
        return status_errf(err, IG_EIO, "%s: timed out", what);
    if (strcmp(state, "53200") == 0)
        return status_errf(err, IG_ENOMEM, "%s: the database server is out of memory", what);
    if (strncmp(state, "22", 2) == 0)
        return status_errf(err, IG_EIO, "%s: invalid value (SQLSTATE %s)", what, state);
    const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    return status_errf(err, IG_EIO, "%s: %s (SQLSTATE %s)", what, primary != NULL ? primary : "failed", state);
}

/* Runs parameterless SQL whose result carries no rows that matter. */
static ig_status pgd_exec(sqldb_conn *c, const char *sql, const char *what, ig_err *err)
{
    PGresult *res = PQexec(pgd_conn(c), sql);
    ExecStatusType st = PQresultStatus(res);
    ig_status rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? IG_OK : pgd_fail(c, res, what, err);
    PQclear(res);
    return rc;
}

static ig_status pgd_open(sqldb_conn *c, ig_err *err)
{
    char *perr = NULL;
    PQconninfoOption *info = PQconninfoParse(c->url, &perr);
    if (info == NULL) {
        /* libpq's reason may quote part of the URL, the password included */
        bool oom = perr == NULL;
        PQfreemem(perr);
        return oom ? status_errf(err, IG_ENOMEM, "connect: out of memory")
                   : status_errf(err, IG_EINVAL, "invalid PostgreSQL URL (postgresql://user:password@host:port/db)");
    }
    const char *password = NULL;
    for (PQconninfoOption *o = info; o->keyword != NULL; o++)
        if (strcmp(o->keyword, "password") == 0)
            password = o->val;
    char timeout[16];
    snprintf(timeout, sizeof timeout, "%d", c->opt.connect_timeout_s);
    /* the URL comes last: what it sets itself wins over these defaults */
    const char *keys[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
    const char *vals[] = {c->opt.connect_timeout_s > 0 ? timeout : NULL, "interviewgenius", c->url, NULL};
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    c->handle = conn;
    ig_status rc = IG_OK;
    if (conn == NULL) {
        rc = status_errf(err, IG_ENOMEM, "connect: out of memory");
        goto out;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        char msg[200];
        pgd_message(PQerrorMessage(conn), password, msg, sizeof msg);
        rc = status_errf(err, IG_EIO, "cannot connect to PostgreSQL: %s", msg);
        goto out;
    }
    PQsetNoticeProcessor(conn, pgd_quiet, NULL);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SET statement_timeout = %d; SET lock_timeout = %d; SET client_encoding = 'UTF8'; SET TimeZone = 'UTC'",
             c->opt.statement_timeout_ms > 0 ? c->opt.statement_timeout_ms : 0,
             c->opt.busy_timeout_ms > 0 ? c->opt.busy_timeout_ms : 0);
    rc = pgd_exec(c, sql, "session settings", err);
out:
    PQconninfoFree(info);
    return rc;
}

static void pgd_close(sqldb_conn *c)
{
    if (c->handle != NULL)
        PQfinish(pgd_conn(c));
    c->handle = NULL;
}

/* Between statements the server sends nothing; anything readable is its farewell (shutdown,
 * termination) or the end of the stream. */
static bool pgd_dead(sqldb_conn *c)
{
    return PQstatus(pgd_conn(c)) != CONNECTION_OK || sqldb_fd_readable(PQsocket(pgd_conn(c)));
}

/* pgd_exec as sqldb_script_run calls it: the statement is NUL-terminated. */
static ig_status pgd_exec_counted(sqldb_conn *c, const char *sql, size_t len, const char *what, ig_err *err)
{
    (void)len;
    return pgd_exec(c, sql, what, err);
}

static ig_status pgd_exec_script(sqldb_conn *c, const char *sql, ig_err *err)
{
    return sqldb_script_run(c, sql, pgd_exec_counted, err);
}

/* A read transaction sees one snapshot (a page and its total, an export agree); writes stay READ
 * COMMITTED and take row locks where a later write depends on a read. */
static ig_status pgd_begin(sqldb_conn *c, bool write, ig_err *err)
{
    return pgd_exec(c, write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "begin", err);
}

static ig_status pgd_commit(sqldb_conn *c, ig_err *err)
{
    PGresult *res = PQexec(pgd_conn(c), "COMMIT");
    ig_status rc = IG_OK;
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = pgd_fail(c, res, "commit", err);
    else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0)
        /* COMMIT of a transaction an earlier error aborted rolls it back */
        rc = status_errf(err, IG_EIO, "commit: the transaction had failed and was rolled back");
    PQclear(res);
    return rc;
}

static bool pgd_in_transaction(const sqldb_conn *c)
{
    PGTransactionStatusType t = PQtransactionStatus(pgd_conn(c));
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

static void pgd_rollback(sqldb_conn *c)
{
    if (!pgd_in_transaction(c))
        return;
    PGresult *res = PQexec(pgd_conn(c), "ROLLBACK");
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        pgd_fail(c, res, "rollback", NULL);
    PQclear(res);
}

static void pgd_finalize(sqldb_stmt *base)
{
    pgd_stmt *q = pgd_q(base);
    PQclear(q->res);
    free(q->values);
    free(q->lengths);
    free(q->formats);
    free(q->arena.p);
    for (int i = 0; i < q->colcap; i++)
        free(q->colbuf[i].p);
    free(q->colbuf);
    sqldb_stmt_free_common(base);
    free(q);
}

static ig_status pgd_prepare(sqldb_conn *c, size_t slot, const char *sql, sqldb_stmt **out, ig_err *err)
{
    char *text = NULL;
    int maxn = 0;
    PGresult *res = NULL;
    pgd_stmt *q = calloc(1, sizeof *q);
    ig_status rc = q != NULL ? IG_OK : status_errf(err, IG_ENOMEM, "prepare: out of memory");
    if (rc == IG_OK)
        rc = sqldb_rewrite(sql, '$', &text, NULL, NULL, &maxn, err);
    if (rc != IG_OK)
        goto out;
    q->base.conn = c;
    q->row = -1;
    snprintf(q->name, sizeof q->name, "ig%zu", slot);
    rc = sqldb_stmt_alloc_params(&q->base, maxn, err);
    if (rc == IG_OK && maxn > 0 &&
        ((q->values = calloc((size_t)maxn, sizeof *q->values)) == NULL ||
         (q->lengths = calloc((size_t)maxn, sizeof *q->lengths)) == NULL ||
         (q->formats = calloc((size_t)maxn, sizeof *q->formats)) == NULL))
        rc = status_errf(err, IG_ENOMEM, "prepare: out of memory");
    if (rc != IG_OK)
        goto out;
    /* no parameter types: the server infers each from where it is used */
    res = PQprepare(pgd_conn(c), q->name, text, maxn, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = pgd_fail(c, res, "prepare", err);
        goto out;
    }
    *out = &q->base;
    q = NULL;
out:
    PQclear(res);
    free(text);
    if (q != NULL)
        pgd_finalize(&q->base);
    return rc;
}

/* Lays the bound parameters out for PQexecPrepared: numbers and text as NUL-terminated text in
 * the arena, blobs in binary format where they are. */
static ig_status pgd_params(pgd_stmt *q, ig_err *err)
{
    size_t need = 0;
    for (int i = 0; i < q->base.nparams; i++) {
        const sqldb_value *v = &q->base.params[i];
        if (v->type == SQLDB_INT || v->type == SQLDB_REAL)
            need += 32;
        else if (v->type == SQLDB_TEXT) {
            if (memchr(v->p, '\0', v->n) != NULL)
                return status_errf(err, IG_EINVAL, "step: parameter %d: text may not contain NUL", i + 1);
            need += v->n + 1;
        }
    }
    if (!sqldb_bytes_reserve(&q->arena, need > 0 ? need : 1))
        return status_errf(err, IG_ENOMEM, "step: out of memory binding parameters");
    size_t at = 0;
    for (int i = 0; i < q->base.nparams; i++) {
        const sqldb_value *v = &q->base.params[i];
        char *dst = q->arena.p + at;
        q->formats[i] = 0;
        q->lengths[i] = 0;
        q->values[i] = dst;
        switch (v->type) {
        case SQLDB_INT:
            at += (size_t)snprintf(dst, 32, "%lld", (long long)v->i) + 1;
            break;
        case SQLDB_REAL:
            at += (size_t)snprintf(dst, 32, "%.17g", v->d) + 1;
            break;
        case SQLDB_TEXT:
            memcpy(dst, v->p, v->n);
            dst[v->n] = '\0';
            at += v->n + 1;
            break;
        case SQLDB_BLOB:
            if (v->n > (size_t)INT_MAX)
                return status_errf(err, IG_ETOOBIG, "step: parameter %d: blob too big", i + 1);
            q->values[i] = v->p;
            q->lengths[i] = (int)v->n;
            q->formats[i] = 1;
            break;
        case SQLDB_NULL:
        default:
            q->values[i] = NULL;
            break;
        }
    }
    return IG_OK;
}

/* Decodes a bytea's text form into b, NUL-terminated: hex ("\x..."), the default since 9.0,
 * directly; the old escape form through libpq. */
static ig_status pgd_bytea(sqldb_bytes *b, const char *val, size_t len, size_t *n, ig_err *err)
{
    if (len >= 2 && val[0] == '\\' && val[1] == 'x') {
        size_t m = (len - 2) / 2;
        if (!sqldb_bytes_reserve(b, m + 1))
            return status_errf(err, IG_ENOMEM, "step: out of memory reading a blob");
        for (size_t i = 0; i < m; i++) {
            int hi = str_hexval(val[2 + 2 * i]), lo = str_hexval(val[3 + 2 * i]);
            if (hi < 0 || lo < 0)
                return status_errf(err, IG_EIO, "step: malformed bytea from the server");
            b->p[i] = (char)(hi << 4 | lo);
        }
        b->p[m] = '\0';
        *n = m;
        return IG_OK;
    }
    size_t m = 0;
    unsigned char *raw = PQunescapeBytea((const unsigned char *)val, &m);
    if (raw == NULL || !sqldb_bytes_reserve(b, m + 1)) {
        PQfreemem(raw);
        return status_errf(err, IG_ENOMEM, "step: out of memory reading a blob");
    }
    memcpy(b->p, raw, m);
    b->p[m] = '\0';
    PQfreemem(raw);
    *n = m;
    return IG_OK;
}

/* Sizes the cells and the bytea buffers for a fresh result. */
static ig_status pgd_columns(pgd_stmt *q, ig_err *err)
{
    int ncols = PQnfields(q->res);
    ig_status rc = sqldb_stmt_alloc_cells(&q->base, ncols, err);
    if (rc != IG_OK || ncols <= q->colcap)
        return rc;
    sqldb_bytes *colbuf = realloc(q->colbuf, (size_t)ncols * sizeof *colbuf);
    if (colbuf == NULL)
        return status_errf(err, IG_ENOMEM, "step: out of memory reading a result");
    for (int i = q->colcap; i < ncols; i++)
        colbuf[i] = (sqldb_bytes){0};
    q->colbuf = colbuf;
    q->colcap = ncols;
    return IG_OK;
}

static ig_status pgd_fill(pgd_stmt *q, ig_err *err)
{
    for (int i = 0; i < q->base.ncols; i++) {
        sqldb_cell *cell = &q->base.cells[i];
        cell->v = (sqldb_value){.type = SQLDB_NULL};
        if (PQgetisnull(q->res, q->row, i))
            continue;
        const char *val = PQgetvalue(q->res, q->row, i);
        size_t len = (size_t)PQgetlength(q->res, q->row, i);
        cell->v.p = val;
        cell->v.n = len;
        switch (PQftype(q->res, i)) {
        case PGD_INT2OID:
        case PGD_INT4OID:
        case PGD_INT8OID:
        case PGD_OIDOID:
            cell->v.type = SQLDB_INT;
            cell->v.i = strtoll(val, NULL, 10);
            break;
        case PGD_FLOAT4OID:
        case PGD_FLOAT8OID:
        case PGD_NUMERICOID:
            cell->v.type = SQLDB_REAL;
            cell->v.d = strtod(val, NULL);
            break;
        case PGD_BOOLOID:
            cell->v.type = SQLDB_INT;
            cell->v.i = val[0] == 't';
            cell->v.p = cell->v.i ? "1" : "0";
            cell->v.n = 1;
            break;
        case PGD_BYTEAOID: {
            size_t n = 0;
            ig_status rc = pgd_bytea(&q->colbuf[i], val, len, &n, err);
            if (rc != IG_OK)
                return rc;
            cell->v.type = SQLDB_BLOB;
            cell->v.p = q->colbuf[i].p;
            cell->v.n = n;
            break;
        }
        default:
            cell->v.type = SQLDB_TEXT;
            break;
        }
    }
    return IG_OK;
}

static bool pgd_counts_changes(const char *status)
{
    return strncmp(status, "INSERT ", 7) == 0 || strncmp(status, "UPDATE ", 7) == 0 ||
           strncmp(status, "DELETE ", 7) == 0 || strncmp(status, "MERGE ", 6) == 0;
}

static ig_status pgd_execute(pgd_stmt *q, ig_err *err)
{
    sqldb_conn *c = q->base.conn;
    ig_status rc = sqldb_stmt_ready(&q->base, err);
    if (rc == IG_OK)
        rc = pgd_params(q, err);
    if (rc != IG_OK)
        return rc;
    PQclear(q->res);
    q->res = PQexecPrepared(pgd_conn(c), q->name, q->base.nparams, q->values, q->lengths, q->formats, 0);
    ExecStatusType st = PQresultStatus(q->res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        rc = pgd_fail(c, q->res, "step", err);
        PQclear(q->res);
        q->res = NULL;
        return rc;
    }
    q->executed = true;
    q->row = -1;
    if (pgd_counts_changes(PQcmdStatus(q->res)))
        c->changes = strtoll(PQcmdTuples(q->res), NULL, 10);
    return pgd_columns(q, err);
}

static ig_status pgd_step(sqldb_stmt *base, bool *row, ig_err *err)
{
    pgd_stmt *q = pgd_q(base);
    if (!q->executed) {
        ig_status rc = pgd_execute(q, err);
        if (rc != IG_OK)
            return rc;
    }
    if (q->res == NULL || q->row + 1 >= PQntuples(q->res)) {
        q->row = q->res != NULL ? PQntuples(q->res) : 0;
        sqldb_cells_clear(base);
        return IG_OK;
    }
    q->row++;
    ig_status rc = pgd_fill(q, err);
    *row = rc == IG_OK;
    return rc;
}

static void pgd_reset(sqldb_stmt *base)
{
    pgd_stmt *q = pgd_q(base);
    PQclear(q->res);
    q->res = NULL;
    q->executed = false;
    q->row = -1;
    sqldb_cells_clear(base);
    sqldb_params_clear(base);
}

static int64_t pgd_changes(const sqldb_conn *c)
{
    return c->changes;
}

static const char *pgd_column_name(const sqldb_stmt *base, int col)
{
    const pgd_stmt *q = (const pgd_stmt *)base;
    return q->res != NULL ? PQfname(q->res, col) : NULL;
}

const sqldb_ops sqldb_pg_ops = {
    .open = pgd_open,
    .close = pgd_close,
    .dead = pgd_dead,
    .exec_script = pgd_exec_script,
    .begin = pgd_begin,
    .commit = pgd_commit,
    .rollback = pgd_rollback,
    .in_transaction = pgd_in_transaction,
    .prepare = pgd_prepare,
    .finalize = pgd_finalize,
    .bind = sqldb_params_bind,
    .step = pgd_step,
    .reset = pgd_reset,
    .changes = pgd_changes,
    .column_name = pgd_column_name,
};

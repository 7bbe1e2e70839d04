/* The SQL driver interface (sqldb.h): picks a driver by the URL's scheme and dispatches to its
 * operations table, keeps each connection's statement cache, reconnects broken connections, and
 * pools connections for threads. Also the helpers the PostgreSQL and MySQL drivers share. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqldb_driver.h"

/* SQLite's own limit on ?N. */
#define SQLDB_MAX_PARAM 32766
/* The longest scheme named in a message. */
#define SQLDB_SCHEME_SHOWN 32

static const struct {
    const char *scheme;
    sqldb_dialect dialect;
} sqldb_schemes[] = {
    {"sqlite", SQLDB_SQLITE},      {"postgresql", SQLDB_PG}, {"postgres", SQLDB_PG},
    {"mysql", SQLDB_MYSQL},        {"mysql+pymysql", SQLDB_MYSQL}, {"mariadb", SQLDB_MYSQL},
};

ig_status sqldb_dialect_of(const char *url, sqldb_dialect *out, ig_err *err)
{
    const char *sep = url != NULL ? strstr(url, "://") : NULL;
    if (sep == NULL || sep == url)
        return status_errf(err, IG_EINVAL, "database URL must look like scheme://location (e.g. sqlite:///var/app.db)");
    size_t n = (size_t)(sep - url);
    for (size_t i = 0; i < sizeof sqldb_schemes / sizeof sqldb_schemes[0]; i++) {
        if (strlen(sqldb_schemes[i].scheme) == n && memcmp(sqldb_schemes[i].scheme, url, n) == 0) {
            *out = sqldb_schemes[i].dialect;
            return IG_OK;
        }
    }
    /* the scheme only: what follows may carry a password, and so may a malformed "scheme" */
    if (n > SQLDB_SCHEME_SHOWN || memchr(url, '@', n) != NULL || memchr(url, ':', n) != NULL)
        return status_errf(err, IG_EINVAL, "unsupported database URL scheme");
    return status_errf(err, IG_EINVAL, "unsupported database URL scheme \"%.*s\" (sqlite, postgresql, mysql)",
                       (int)n, url);
}

static const sqldb_ops *sqldb_ops_of(sqldb_dialect d)
{
    switch (d) {
    case SQLDB_PG:
        return &sqldb_pg_ops;
    case SQLDB_MYSQL:
        return &sqldb_mysql_ops;
    case SQLDB_SQLITE:
    default:
        return &sqldb_sqlite_ops;
    }
}

/* Finalizes every cached statement (their server side is gone, or about to be). */
static void sqldb_drop_stmts(sqldb_conn *c)
{
    for (size_t i = 0; i < c->opt.stmt_slots; i++) {
        if (c->stmts[i] != NULL) {
            c->ops->finalize(c->stmts[i]);
            c->stmts[i] = NULL;
        }
    }
}

ig_status sqldb_connect(const char *url, const sqldb_options *opt, sqldb_conn **out, ig_err *err)
{
    sqldb_dialect d;
    ig_status rc = sqldb_dialect_of(url, &d, err);
    if (rc != IG_OK)
        return rc;
    sqldb_conn *c = calloc(1, sizeof *c);
    if (c == NULL || (c->url = strdup(url)) == NULL ||
        (opt->stmt_slots > 0 && (c->stmts = calloc(opt->stmt_slots, sizeof *c->stmts)) == NULL)) {
        rc = status_errf(err, IG_ENOMEM, "out of memory opening a database connection");
        goto out;
    }
    c->dialect = d;
    c->ops = sqldb_ops_of(d);
    c->opt = *opt;
    rc = c->ops->open(c, err);
    if (rc == IG_OK) {
        *out = c;
        c = NULL;
    }
out:
    sqldb_close(c);
    return rc;
}

void sqldb_close(sqldb_conn *c)
{
    if (c == NULL)
        return;
    if (c->stmts != NULL)
        sqldb_drop_stmts(c);
    if (c->ops != NULL)
        c->ops->close(c);
    free(c->stmts);
    free(c->url);
    free(c);
}

sqldb_dialect sqldb_dialect_get(const sqldb_conn *c)
{
    return c->dialect;
}

ig_status sqldb_check(sqldb_conn *c, ig_err *err)
{
    if (!c->broken && c->handle != NULL && !c->ops->dead(c))
        return IG_OK;
    sqldb_drop_stmts(c);
    c->ops->close(c);
    c->in_tx = false;
    c->broken = true;
    ig_err e = {0};
    ig_status rc = c->ops->open(c, &e);
    if (rc != IG_OK) {
        c->ops->close(c);
        return status_errf(err, rc == IG_ENOMEM ? rc : IG_EUNAVAIL, "database unavailable: %s", e.msg);
    }
    c->broken = false;
    return IG_OK;
}

ig_status sqldb_exec_script(sqldb_conn *c, const char *sql, ig_err *err)
{
    return c->ops->exec_script(c, sql, err);
}

ig_status sqldb_begin(sqldb_conn *c, bool write, ig_err *err)
{
    return c->ops->begin(c, write, err);
}

ig_status sqldb_commit(sqldb_conn *c, ig_err *err)
{
    return c->ops->commit(c, err);
}

void sqldb_rollback(sqldb_conn *c)
{
    c->ops->rollback(c);
}

bool sqldb_in_transaction(const sqldb_conn *c)
{
    return c->ops->in_transaction(c);
}

ig_status sqldb_prepare(sqldb_conn *c, size_t slot, const char *sql, sqldb_stmt **out, ig_err *err)
{
    if (slot >= c->opt.stmt_slots)
        return status_errf(err, IG_EINTERNAL, "prepare: statement slot %zu beyond the cache's %zu", slot,
                           c->opt.stmt_slots);
    if (c->broken || c->handle == NULL)
        return status_errf(err, IG_EUNAVAIL, "prepare: the database connection was lost");
    if (c->stmts[slot] == NULL) {
        ig_status rc = c->ops->prepare(c, slot, sql, &c->stmts[slot], err);
        if (rc != IG_OK)
            return rc;
    }
    *out = c->stmts[slot];
    return IG_OK;
}

void sqldb_bind_null(sqldb_stmt *q, int idx)
{
    sqldb_value v = {.type = SQLDB_NULL};
    q->conn->ops->bind(q, idx, &v);
}

void sqldb_bind_int64(sqldb_stmt *q, int idx, int64_t i)
{
    sqldb_value v = {.type = SQLDB_INT, .i = i};
    q->conn->ops->bind(q, idx, &v);
}

void sqldb_bind_double(sqldb_stmt *q, int idx, double d)
{
    sqldb_value v = {.type = SQLDB_REAL, .d = d};
    q->conn->ops->bind(q, idx, &v);
}

void sqldb_bind_text(sqldb_stmt *q, int idx, const char *s, size_t n)
{
    sqldb_value v = {.type = s != NULL ? SQLDB_TEXT : SQLDB_NULL, .p = s, .n = s != NULL ? n : 0};
    q->conn->ops->bind(q, idx, &v);
}

void sqldb_bind_blob(sqldb_stmt *q, int idx, const void *p, size_t n)
{
    /* an empty blob is a value, not NULL: give it a non-NULL address */
    sqldb_value v = {.type = SQLDB_BLOB, .p = p != NULL ? p : "", .n = p != NULL ? n : 0};
    q->conn->ops->bind(q, idx, &v);
}

int sqldb_param_count(const sqldb_stmt *q)
{
    return q->nparams;
}

ig_status sqldb_step(sqldb_stmt *q, bool *row, ig_err *err)
{
    *row = false;
    return q->conn->ops->step(q, row, err);
}

void sqldb_reset(sqldb_stmt *q)
{
    if (q != NULL)
        q->conn->ops->reset(q);
}

int64_t sqldb_changes(const sqldb_conn *c)
{
    return c->ops->changes(c);
}

/* ---- columns ---- */

int sqldb_column_count(const sqldb_stmt *q)
{
    return q->conn->ops->column_count != NULL ? q->conn->ops->column_count(q) : q->ncols;
}

const char *sqldb_column_name(const sqldb_stmt *q, int col)
{
    if (col < 0 || col >= sqldb_column_count(q))
        return NULL;
    return q->conn->ops->column_name(q, col);
}

/* The server drivers' cell for col, NULL when out of range. */
static const sqldb_cell *sqldb_cell_at(const sqldb_stmt *q, int col)
{
    return q->cells != NULL && col >= 0 && col < q->ncols ? &q->cells[col] : NULL;
}

sqldb_type sqldb_column_type(const sqldb_stmt *q, int col)
{
    if (q->conn->ops->column_type != NULL)
        return q->conn->ops->column_type(q, col);
    const sqldb_cell *cell = sqldb_cell_at(q, col);
    return cell != NULL ? cell->v.type : SQLDB_NULL;
}

/* A double as an integer the way SQLite converts one: truncated, clamped to the range. */
static int64_t sqldb_double_to_int64(double d)
{
    if (d != d)
        return 0;
    if (d <= -9223372036854775808.0)
        return INT64_MIN;
    if (d >= 9223372036854775807.0)
        return INT64_MAX;
    return (int64_t)d;
}

int64_t sqldb_column_int64(const sqldb_stmt *q, int col)
{
    if (q->conn->ops->column_int64 != NULL)
        return q->conn->ops->column_int64(q, col);
    const sqldb_cell *cell = sqldb_cell_at(q, col);
    if (cell == NULL)
        return 0;
    switch (cell->v.type) {
    case SQLDB_INT:
        return cell->v.i;
    case SQLDB_REAL:
        return sqldb_double_to_int64(cell->v.d);
    case SQLDB_TEXT:
    case SQLDB_BLOB:
        /* the drivers NUL-terminate every text and blob they buffer */
        return strtoll(cell->v.p, NULL, 10);
    case SQLDB_NULL:
    default:
        return 0;
    }
}

double sqldb_column_double(const sqldb_stmt *q, int col)
{
    if (q->conn->ops->column_double != NULL)
        return q->conn->ops->column_double(q, col);
    const sqldb_cell *cell = sqldb_cell_at(q, col);
    if (cell == NULL)
        return 0.0;
    switch (cell->v.type) {
    case SQLDB_INT:
        return (double)cell->v.i;
    case SQLDB_REAL:
        return cell->v.d;
    case SQLDB_TEXT:
    case SQLDB_BLOB:
        return strtod(cell->v.p, NULL);
    case SQLDB_NULL:
    default:
        return 0.0;
    }
}

const char *sqldb_column_text(const sqldb_stmt *q, int col, size_t *len)
{
    if (q->conn->ops->column_text != NULL)
        return q->conn->ops->column_text(q, col, len);
    *len = 0;
    if (q->cells == NULL || col < 0 || col >= q->ncols)
        return NULL;
    /* q is const to the caller, but rendering a number's text into its cell changes no value */
    sqldb_cell *cell = &q->cells[col];
    if (cell->v.type == SQLDB_NULL)
        return NULL;
    if (cell->v.p == NULL) {
        if (cell->v.type == SQLDB_INT)
            snprintf(cell->num, sizeof cell->num, "%lld", (long long)cell->v.i);
        else
            sqldb_format_double(cell->v.d, cell->num, sizeof cell->num);
        cell->v.p = cell->num;
        cell->v.n = strlen(cell->num);
    }
    *len = cell->v.n;
    return cell->v.p;
}

const void *sqldb_column_blob(const sqldb_stmt *q, int col, size_t *len)
{
    if (q->conn->ops->column_blob != NULL)
        return q->conn->ops->column_blob(q, col, len);
    return sqldb_column_text(q, col, len);
}

/* ---- helpers of the server drivers ---- */

static bool sqldb_is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

ig_status sqldb_rewrite(const char *sql, char mark, char **out, int **map, int *nmap, int *maxn, ig_err *err)
{
    size_t n = strlen(sql);
    /* a rewritten number is never longer than its original digits */
    char *o = malloc(n + 1);
    int *m = NULL;
    size_t mcap = 0, j = 0;
    int count = 0, highest = 0;
    ig_status rc = IG_OK;
    if (o == NULL) {
        rc = status_errf(err, IG_ENOMEM, "prepare: out of memory rewriting parameters");
        goto out;
    }
    for (size_t i = 0; i < n;) {
        char ch = sql[i];
        size_t k = i + 1;
        if (ch == '\'' || ch == '"' || ch == '`') {
            /* a doubled quote inside is a closing quote followed by a reopening one */
            while (k < n && sql[k] != ch)
                k++;
            k = k < n ? k + 1 : n;
        } else if (ch == '-' && sql[i + 1] == '-') {
            while (k < n && sql[k] != '\n')
                k++;
        } else if (ch == '/' && sql[i + 1] == '*') {
            const char *end = strstr(sql + i + 2, "*/");
            k = end != NULL ? (size_t)(end - sql) + 2 : n;
        } else if (ch == '?') {
            long v = 0;
            while (k < n && sqldb_is_digit(sql[k])) {
                if (v <= SQLDB_MAX_PARAM)
                    v = v * 10 + (sql[k] - '0');
                k++;
            }
            if (k == i + 1 || v < 1 || v > SQLDB_MAX_PARAM) {
                rc = status_errf(err, IG_EINVAL, "prepare: parameters must be numbered ?1..?%d", SQLDB_MAX_PARAM);
                goto out;
            }
            if (mark == '$') {
                j += (size_t)snprintf(o + j, n + 1 - j, "$%ld", v);
            } else {
                if ((size_t)count == mcap) {
                    size_t ncap = mcap ? mcap * 2 : 8;
                    int *nm = realloc(m, ncap * sizeof *nm);
                    if (nm == NULL) {
                        rc = status_errf(err, IG_ENOMEM, "prepare: out of memory rewriting parameters");
                        goto out;
                    }
                    m = nm;
                    mcap = ncap;
                }
                m[count++] = (int)v;
                o[j++] = '?';
            }
            if (v > highest)
                highest = (int)v;
            i = k;
            continue;
        }
        memcpy(o + j, sql + i, k - i);
        j += k - i;
        i = k;
    }
    o[j] = '\0';
    *out = o;
    o = NULL;
    if (map != NULL) {
        *map = m;
        m = NULL;
    }
    if (nmap != NULL)
        *nmap = count;
    *maxn = highest;
out:
    free(o);
    free(m);
    return rc;
}

static bool sqldb_is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\f' || ch == '\v';
}

ig_status sqldb_script_next(const char **pos, sqldb_bytes *buf, size_t *len, ig_err *err)
{
    const char *p = *pos;
    size_t used = 0;
    *len = 0;
    while (*p != '\0') {
        const char *a = p;
        const char *eol = strchr(p, '\n');
        if (eol == NULL)
            eol = p + strlen(p);
        p = *eol != '\0' ? eol + 1 : eol;
        const char *b = eol;
        while (a < b && sqldb_is_space(*a))
            a++;
        while (b > a && sqldb_is_space(b[-1]))
            b--;
        if (a == b || (b - a >= 2 && a[0] == '-' && a[1] == '-'))
            continue;
        bool last = b[-1] == ';';
        size_t take = (size_t)(b - a) - (last ? 1 : 0);
        if (!sqldb_bytes_reserve(buf, used + take + 2)) {
            *pos = p;
            return status_errf(err, IG_ENOMEM, "script: out of memory");
        }
        if (used > 0)
            buf->p[used++] = '\n';
        memcpy(buf->p + used, a, take);
        used += take;
        buf->p[used] = '\0';
        if (last)
            break;
    }
    *pos = p;
    *len = used;
    return IG_OK;
}

ig_status sqldb_script_run(sqldb_conn *c, const char *sql, sqldb_exec_fn exec, ig_err *err)
{
    sqldb_bytes buf = {0};
    const char *pos = sql;
    size_t len;
    ig_status rc;
    while ((rc = sqldb_script_next(&pos, &buf, &len, err)) == IG_OK && len > 0) {
        rc = exec(c, buf.p, len, "script", err);
        if (rc != IG_OK)
            break;
    }
    free(buf.p);
    return rc;
}

ig_status sqldb_stmt_alloc_params(sqldb_stmt *q, int nparams, ig_err *err)
{
    q->nparams = nparams;
    if (nparams > 0 && (q->params = calloc((size_t)nparams, sizeof *q->params)) == NULL)
        return status_errf(err, IG_ENOMEM, "prepare: out of memory");
    return IG_OK;
}

ig_status sqldb_stmt_alloc_cells(sqldb_stmt *q, int ncols, ig_err *err)
{
    if (ncols > q->ncols || q->cells == NULL) {
        sqldb_cell *cells = calloc(ncols > 0 ? (size_t)ncols : 1, sizeof *cells);
        if (cells == NULL)
            return status_errf(err, IG_ENOMEM, "out of memory reading a result");
        free(q->cells);
        q->cells = cells;
    }
    q->ncols = ncols;
    for (int i = 0; i < ncols; i++)
        q->cells[i].v = (sqldb_value){.type = SQLDB_NULL};
    return IG_OK;
}

void sqldb_params_bind(sqldb_stmt *q, int idx, const sqldb_value *v)
{
    if (idx < 1 || idx > q->nparams) {
        q->bind_rc = IG_EINTERNAL;
        return;
    }
    q->params[idx - 1] = *v;
}

void sqldb_params_clear(sqldb_stmt *q)
{
    for (int i = 0; i < q->nparams; i++)
        q->params[i] = (sqldb_value){.type = SQLDB_NULL};
    q->bind_rc = IG_OK;
}

void sqldb_stmt_free_common(sqldb_stmt *q)
{
    free(q->params);
    free(q->cells);
}

ig_status sqldb_stmt_ready(const sqldb_stmt *q, ig_err *err)
{
    if (q->bind_rc != IG_OK)
        return status_errf(err, q->bind_rc, "step: a parameter could not be bound");
    if (q->conn->broken || q->conn->handle == NULL)
        return status_errf(err, IG_EUNAVAIL, "step: the database connection was lost");
    return IG_OK;
}

void sqldb_cells_clear(sqldb_stmt *q)
{
    for (int i = 0; i < q->ncols; i++)
        q->cells[i].v = (sqldb_value){.type = SQLDB_NULL};
}

bool sqldb_bytes_reserve(sqldb_bytes *b, size_t n)
{
    if (n <= b->cap)
        return true;
    size_t cap = b->cap > 0 ? b->cap : 64;
    while (cap < n)
        cap = cap > SIZE_MAX / 2 ? n : cap * 2;
    char *p = realloc(b->p, cap);
    if (p == NULL)
        return false;
    b->p = p;
    b->cap = cap;
    return true;
}

static bool sqldb_keyword(const char *s, const char *kw)
{
    size_t n = strlen(kw);
    return strncasecmp(s, kw, n) == 0 && !((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
                                             sqldb_is_digit(s[n]) || s[n] == '_');
}

bool sqldb_is_write(const char *sql)
{
    while (sqldb_is_space(*sql) || *sql == '(')
        sql++;
    return sqldb_keyword(sql, "INSERT") || sqldb_keyword(sql, "UPDATE") || sqldb_keyword(sql, "DELETE") ||
           sqldb_keyword(sql, "REPLACE");
}

void sqldb_format_double(double d, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.15g", d);
    if (strtod(buf, NULL) != d)
        snprintf(buf, cap, "%.17g", d);
}

bool sqldb_fd_readable(int fd)
{
    if (fd < 0)
        return true;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int n;
    do {
        n = poll(&pfd, 1, 0);
    } while (n < 0 && errno == EINTR);
    return n > 0;
}

/* ---- the pool ---- */

struct sqldb_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool mu_ok, cv_ok;
    sqldb_dialect dialect;
    sqldb_conn **conns; /* size entries, NULL where not opened */
    int size;
    sqldb_conn *free;
};

/* An in-memory SQLite database is private to its connection (see sqldb_pool_open). */
static bool sqldb_is_memory(const char *url)
{
    return strcmp(url, "sqlite://:memory:") == 0 || strcmp(url, "sqlite:///:memory:") == 0;
}

/* An in-memory SQLite database is private to one connection, so its pool is forced to one
 * connection: shared-cache mode would let several share it, but it reports table locks as
 * SQLITE_LOCKED errors instead of waiting, and the in-memory store is only for tests and tools. */
ig_status sqldb_pool_open(const char *url, const sqldb_options *opt, int size, sqldb_pool **out, ig_err *err)
{
    sqldb_dialect d;
    ig_status rc = sqldb_dialect_of(url, &d, err);
    if (rc != IG_OK)
        return rc;
    if (size < 1)
        return status_errf(err, IG_EINVAL, "database pool size must be at least 1");
    if (d == SQLDB_SQLITE && sqldb_is_memory(url))
        size = 1;
    sqldb_pool *p = calloc(1, sizeof *p);
    if (p == NULL || (p->conns = calloc((size_t)size, sizeof *p->conns)) == NULL) {
        free(p);
        return status_errf(err, IG_ENOMEM, "out of memory opening the database pool");
    }
    p->dialect = d;
    p->size = size;
    p->mu_ok = pthread_mutex_init(&p->mu, NULL) == 0;
    p->cv_ok = p->mu_ok && pthread_cond_init(&p->cv, NULL) == 0;
    if (!p->cv_ok) {
        rc = status_errf(err, IG_EINTERNAL, "cannot create the database pool lock");
        goto out;
    }
    for (int i = 0; i < size; i++) {
        rc = sqldb_connect(url, opt, &p->conns[i], err);
        if (rc != IG_OK)
            goto out;
        p->conns[i]->next = p->free;
        p->free = p->conns[i];
    }
    *out = p;
    p = NULL;
out:
    sqldb_pool_close(p);
    return rc;
}

void sqldb_pool_close(sqldb_pool *p)
{
    if (p == NULL)
        return;
    for (int i = 0; i < p->size; i++)
        sqldb_close(p->conns[i]);
    free(p->conns);
    if (p->cv_ok)
        pthread_cond_destroy(&p->cv);
    if (p->mu_ok)
        pthread_mutex_destroy(&p->mu);
    free(p);
}

ig_status sqldb_pool_acquire(sqldb_pool *p, sqldb_conn **out, ig_err *err)
{
    pthread_mutex_lock(&p->mu);
    while (p->free == NULL)
        pthread_cond_wait(&p->cv, &p->mu);
    sqldb_conn *c = p->free;
    p->free = c->next;
    pthread_mutex_unlock(&p->mu);
    ig_status rc = sqldb_check(c, err);
    if (rc != IG_OK) {
        *out = NULL;
        sqldb_pool_release(p, c);
        return rc;
    }
    *out = c;
    return IG_OK;
}

void sqldb_pool_release(sqldb_pool *p, sqldb_conn *c)
{
    if (c == NULL)
        return;
    if (c->handle != NULL && !c->broken)
        c->ops->rollback(c);
    pthread_mutex_lock(&p->mu);
    c->next = p->free;
    p->free = c;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

sqldb_dialect sqldb_pool_dialect(const sqldb_pool *p)
{
    return p->dialect;
}

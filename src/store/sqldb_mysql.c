/* The MySQL/MariaDB driver of sqldb.h over libmariadb: server-side prepared statements (?N becomes
 * ? with a map from each placeholder to its number, so a repeated number binds one value), each
 * result stored whole on the client so that other statements may run while its rows are walked. */
#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "store/sqldb_driver.h"

/* The longest URL read: anything longer is not a configuration value. */
#define MYD_URL_MAX 4096
/* A text or blob column's first buffer; grown to the longest value seen. */
#define MYD_COLBUF_MIN 256
/* The binary character set's number: a string column with it holds bytes, not text. */
#define MYD_BINARY_CHARSET 63

/* mysql_library_init is not thread-safe: run once, before any connection (pthread_once). */
static pthread_once_t myd_once = PTHREAD_ONCE_INIT;
static int myd_init_rc;

static void myd_library_init(void)
{
    myd_init_rc = mysql_library_init(0, NULL, NULL);
}

typedef struct myd_url {
    char *host, *user, *password, *db, *socket; /* owned, NULL when absent */
    unsigned port;
} myd_url;

typedef struct myd_stmt {
    sqldb_stmt base;
    MYSQL_STMT *st;
    int *map;          /* placeholder k binds ?map[k] */
    int npos;          /* placeholders */
    MYSQL_BIND *pbind; /* npos entries */
    bool write;        /* INSERT/UPDATE/DELETE/REPLACE: sets sqldb_changes */
    bool executed;
    MYSQL_RES *meta;   /* the result's fields, or NULL */
    MYSQL_BIND *rbind; /* per result column; the arrays below have rcap entries */
    sqldb_bytes *rbuf;
    unsigned long *rlen;
    my_bool *rnull, *rerr;
    int64_t *ri;
    double *rd;
    sqldb_type *rtype;
    int rcap;
} myd_stmt;

static MYSQL *myd_conn(const sqldb_conn *c)
{
    return c->handle;
}

static myd_stmt *myd_q(sqldb_stmt *q)
{
    return (myd_stmt *)q;
}

/* ---- the URL: mysql://user:password@host:port/db?unix_socket=/path ---- */

/* Percent-decodes p[0..n) into a new string; control characters (NUL included) are refused. The
 * message names the part, never its bytes. */
static ig_status myd_decode(const char *p, size_t n, const char *part, char **out, ig_err *err)
{
    char *s = malloc(n + 1);
    if (s == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory reading the MySQL URL");
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        int ch = (unsigned char)p[i];
        if (ch == '%') {
            int hi = i + 2 < n ? str_hexval(p[i + 1]) : -1;
            int lo = hi >= 0 ? str_hexval(p[i + 2]) : -1;
            if (lo < 0) {
                free(s);
                return status_errf(err, IG_EINVAL, "MySQL URL: bad percent-encoding in the %s", part);
            }
            ch = hi << 4 | lo;
            i += 2;
        }
        if (ch < 0x20 || ch == 0x7f) {
            free(s);
            return status_errf(err, IG_EINVAL, "MySQL URL: control character in the %s", part);
        }
        s[j++] = (char)ch;
    }
    s[j] = '\0';
    *out = s;
    return IG_OK;
}

static void myd_url_free(myd_url *u)
{
    free(u->host);
    free(u->user);
    if (u->password != NULL)
        memset(u->password, 0, strlen(u->password));
    free(u->password);
    free(u->db);
    free(u->socket);
    *u = (myd_url){0};
}

static bool myd_host_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
           ch == '-' || ch == '_';
}

/* host[:port] or [v6]:port. */
static ig_status myd_parse_hostport(const char *a, const char *b, myd_url *u, ig_err *err)
{
    const char *host = a, *host_end = b, *colon = NULL;
    if (a < b && *a == '[') {
        const char *close = memchr(a, ']', (size_t)(b - a));
        if (close == NULL)
            return status_errf(err, IG_EINVAL, "MySQL URL: unclosed [ in the host");
        host = a + 1;
        host_end = close;
        for (const char *p = host; p < host_end; p++)
            if (!myd_host_char(*p) && *p != ':')
                return status_errf(err, IG_EINVAL, "MySQL URL: bad character in the host");
        if (close + 1 < b) {
            if (close[1] != ':')
                return status_errf(err, IG_EINVAL, "MySQL URL: junk after the host");
            colon = close + 1;
        }
    } else {
        for (const char *p = a; p < b; p++) {
            if (*p == ':' && colon == NULL) {
                colon = p;
                host_end = p;
            } else if (!myd_host_char(*p) || *p == ':') {
                return status_errf(err, IG_EINVAL, "MySQL URL: bad character in the host");
            }
        }
    }
    if (colon != NULL) {
        unsigned long port = 0;
        const char *p = colon + 1;
        if (p == b || b - p > 5)
            return status_errf(err, IG_EINVAL, "MySQL URL: the port must be 1..65535");
        for (; p < b; p++) {
            if (*p < '0' || *p > '9')
                return status_errf(err, IG_EINVAL, "MySQL URL: the port must be 1..65535");
            port = port * 10 + (unsigned long)(*p - '0');
        }
        if (port < 1 || port > 65535)
            return status_errf(err, IG_EINVAL, "MySQL URL: the port must be 1..65535");
        u->port = (unsigned)port;
    }
    if (host_end > host)
        return myd_decode(host, (size_t)(host_end - host), "host", &u->host, err);
    return IG_OK;
}

/* key=value&...: unix_socket, and charset (utf8mb4 is always used; utf8 is accepted as its alias). */
static ig_status myd_parse_query(const char *q, myd_url *u, ig_err *err)
{
    while (*q != '\0') {
        const char *amp = strchr(q, '&');
        const char *end = amp != NULL ? amp : q + strlen(q);
        const char *eq = memchr(q, '=', (size_t)(end - q));
        if (eq == NULL)
            return status_errf(err, IG_EINVAL, "MySQL URL: options must be key=value");
        size_t klen = (size_t)(eq - q);
        ig_status rc = IG_OK;
        if (klen == 11 && memcmp(q, "unix_socket", 11) == 0) {
            free(u->socket);
            u->socket = NULL;
            rc = myd_decode(eq + 1, (size_t)(end - eq - 1), "unix_socket", &u->socket, err);
        } else if (klen == 7 && memcmp(q, "charset", 7) == 0) {
            size_t vlen = (size_t)(end - eq - 1);
            if (!((vlen == 7 && memcmp(eq + 1, "utf8mb4", 7) == 0) || (vlen == 4 && memcmp(eq + 1, "utf8", 4) == 0)))
                return status_errf(err, IG_EINVAL, "MySQL URL: charset must be utf8mb4");
        } else {
            bool plain = klen > 0 && klen <= 32;
            for (size_t i = 0; plain && i < klen; i++)
                plain = (q[i] >= 'a' && q[i] <= 'z') || q[i] == '_';
            if (plain)
                return status_errf(err, IG_EINVAL, "MySQL URL: unknown option \"%.*s\" (unix_socket, charset)",
                                   (int)klen, q);
            return status_errf(err, IG_EINVAL, "MySQL URL: unknown option (unix_socket, charset)");
        }
        if (rc != IG_OK)
            return rc;
        q = amp != NULL ? amp + 1 : end;
    }
    return IG_OK;
}

static ig_status myd_parse_url(const char *url, myd_url *u, ig_err *err)
{
    *u = (myd_url){0};
    size_t total = strnlen(url, MYD_URL_MAX + 1);
    const char *sep = strstr(url, "://");
    if (total > MYD_URL_MAX || sep == NULL)
        return status_errf(err, IG_EINVAL, "MySQL URL must look like mysql://user:password@host:port/db");
    const char *rest = sep + 3;
    const char *qmark = strchr(rest, '?');
    const char *main_end = qmark != NULL ? qmark : rest + strlen(rest);
    const char *slash = memchr(rest, '/', (size_t)(main_end - rest));
    const char *auth_end = slash != NULL ? slash : main_end;
    const char *at = NULL;
    for (const char *p = rest; p < auth_end; p++)
        if (*p == '@')
            at = p;
    ig_status rc = IG_OK;
    const char *hostport = rest;
    if (at != NULL) {
        const char *colon = memchr(rest, ':', (size_t)(at - rest));
        const char *user_end = colon != NULL ? colon : at;
        if (user_end > rest)
            rc = myd_decode(rest, (size_t)(user_end - rest), "user", &u->user, err);
        if (rc == IG_OK && colon != NULL)
            rc = myd_decode(colon + 1, (size_t)(at - colon - 1), "password", &u->password, err);
        hostport = at + 1;
    }
    if (rc == IG_OK)
        rc = myd_parse_hostport(hostport, auth_end, u, err);
    if (rc == IG_OK && slash != NULL && main_end > slash + 1) {
        if (memchr(slash + 1, '/', (size_t)(main_end - slash - 1)) != NULL)
            rc = status_errf(err, IG_EINVAL, "MySQL URL: the database name may not contain /");
        else
            rc = myd_decode(slash + 1, (size_t)(main_end - slash - 1), "database name", &u->db, err);
    }
    if (rc == IG_OK && qmark != NULL)
        rc = myd_parse_query(qmark + 1, u, err);
    if (rc != IG_OK)
        myd_url_free(u);
    return rc;
}

/* ---- errors ---- */

static bool myd_lost(unsigned code)
{
    return code == CR_SERVER_GONE_ERROR || code == CR_SERVER_LOST || code == CR_SERVER_LOST_EXTENDED ||
           code == ER_CONNECTION_KILLED || code == ER_SERVER_SHUTDOWN || code == 4031 /* idle disconnect */;
}

/* Server messages name tables, columns and keys, but a duplicate key or a rejected value is
 * quoted in them: those are replaced by fixed text. */
static ig_status myd_fail_code(sqldb_conn *c, unsigned code, const char *state, const char *msg, const char *what,
                               ig_err *err)
{
    switch (code) {
    case ER_DUP_ENTRY:
    case ER_DUP_ENTRY_WITH_KEY_NAME:
    case ER_DUP_KEY:
        return status_errf(err, IG_ECONFLICT, "%s: already exists (error %u)", what, code);
    case ER_NO_REFERENCED_ROW:
    case ER_NO_REFERENCED_ROW_2:
    case ER_ROW_IS_REFERENCED:
    case ER_ROW_IS_REFERENCED_2:
        return status_errf(err, IG_ENOTFOUND, "%s: referenced row does not exist", what);
    case ER_LOCK_DEADLOCK:
        return status_errf(err, IG_ECONFLICT, "%s: deadlock with a concurrent transaction", what);
    case ER_LOCK_WAIT_TIMEOUT:
        return status_errf(err, IG_ECONFLICT, "%s: timed out waiting for a lock", what);
    case ER_STATEMENT_TIMEOUT:
    case 3024: /* MySQL's max_execution_time */
        return status_errf(err, IG_EIO, "%s: timed out", what);
    case CR_OUT_OF_MEMORY:
    case ER_OUTOFMEMORY:
    case ER_OUT_OF_SORTMEMORY:
        return status_errf(err, IG_ENOMEM, "%s: out of memory", what);
    case ER_TRUNCATED_WRONG_VALUE:
    case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
    case ER_WARN_DATA_OUT_OF_RANGE:
    case WARN_DATA_TRUNCATED:
        return status_errf(err, IG_EIO, "%s: invalid value (error %u)", what, code);
    default:
        break;
    }
    if (myd_lost(code)) {
        c->broken = true;
        c->in_tx = false;
        return status_errf(err, IG_EUNAVAIL, "%s: the database connection was lost", what);
    }
    if (state != NULL && strncmp(state, "22", 2) == 0)
        return status_errf(err, IG_EIO, "%s: invalid value (error %u)", what, code);
    return status_errf(err, IG_EIO, "%s: %s (error %u)", what, msg != NULL && *msg ? msg : "failed", code);
}

static ig_status myd_fail(sqldb_conn *c, const char *what, ig_err *err)
{
    MYSQL *m = myd_conn(c);
    return myd_fail_code(c, mysql_errno(m), mysql_sqlstate(m), mysql_error(m), what, err);
}

static ig_status myd_fail_stmt(myd_stmt *q, const char *what, ig_err *err)
{
    return myd_fail_code(q->base.conn, mysql_stmt_errno(q->st), mysql_stmt_sqlstate(q->st), mysql_stmt_error(q->st),
                         what, err);
}

/* Runs parameterless SQL, discarding any rows. */
static ig_status myd_exec(sqldb_conn *c, const char *sql, size_t len, const char *what, ig_err *err)
{
    MYSQL *m = myd_conn(c);
    if (mysql_real_query(m, sql, len) != 0)
        return myd_fail(c, what, err);
    MYSQL_RES *res = mysql_store_result(m);
    if (res == NULL && mysql_field_count(m) > 0)
        return myd_fail(c, what, err);
    mysql_free_result(res);
    return IG_OK;
}

/* ---- connections ---- */

/* The session: ANSI_QUOTES so "x" is an identifier, PIPES_AS_CONCAT so || concatenates, and
 * NO_BACKSLASH_ESCAPES so a literal reads as in SQLite and PostgreSQL; strict tables refuse a bad
 * value instead of truncating it. UTC throughout. READ COMMITTED because job leasing uses
 * FOR UPDATE SKIP LOCKED, which skips only what is locked now, and because InnoDB's REPEATABLE READ
 * takes gap locks that turn concurrent inserts into deadlocks. */
static ig_status myd_session(sqldb_conn *c, ig_err *err)
{
    MYSQL *m = myd_conn(c);
    int lock_s = c->opt.busy_timeout_ms > 0 ? (c->opt.busy_timeout_ms + 999) / 1000 : 1;
    int stmt_ms = c->opt.statement_timeout_ms > 0 ? c->opt.statement_timeout_ms : 0;
    char timeout[64];
    if (mariadb_connection(m))
        snprintf(timeout, sizeof timeout, "max_statement_time = %d.%03d", stmt_ms / 1000, stmt_ms % 1000);
    else
        snprintf(timeout, sizeof timeout, "max_execution_time = %d", stmt_ms);
    char sql[512];
    int n = snprintf(sql, sizeof sql,
                     "SET SESSION sql_mode = 'ANSI_QUOTES,PIPES_AS_CONCAT,STRICT_ALL_TABLES,NO_BACKSLASH_ESCAPES,"
                     "NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', "
                     "time_zone = '+00:00', innodb_lock_wait_timeout = %d, %s",
                     lock_s, timeout);
    ig_status rc = myd_exec(c, sql, (size_t)n, "session settings", err);
    if (rc == IG_OK)
        rc = myd_exec(c, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
                      strlen("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"), "session settings", err);
    return rc;
}

static ig_status myd_open(sqldb_conn *c, ig_err *err)
{
    pthread_once(&myd_once, myd_library_init);
    if (myd_init_rc != 0)
        return status_errf(err, IG_EINTERNAL, "cannot initialise the MySQL client library");
    myd_url u;
    ig_status rc = myd_parse_url(c->url, &u, err);
    if (rc != IG_OK)
        return rc;
    MYSQL *m = mysql_init(NULL);
    c->handle = m;
    if (m == NULL) {
        rc = status_errf(err, IG_ENOMEM, "connect: out of memory");
        goto out;
    }
    unsigned timeout = c->opt.connect_timeout_s > 0 ? (unsigned)c->opt.connect_timeout_s : 0;
    unsigned no_infile = 0;
    my_bool report = 1;
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_options(m, MYSQL_OPT_LOCAL_INFILE, &no_infile);
    mysql_options(m, MYSQL_REPORT_DATA_TRUNCATION, &report);
    if (timeout > 0)
        mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    /* FOUND_ROWS: an UPDATE reports the rows it matched, as SQLite and PostgreSQL do; no
     * MULTI_STATEMENTS, so one call runs one statement */
    const char *host = u.host != NULL ? u.host : "localhost";
    if (mysql_real_connect(m, host, u.user, u.password, u.db, u.port, u.socket, CLIENT_FOUND_ROWS) == NULL) {
        const char *msg = mysql_error(m);
        if (u.password != NULL && *u.password != '\0' && strstr(msg, u.password) != NULL)
            msg = "no reason given";
        rc = status_errf(err, mysql_errno(m) == CR_OUT_OF_MEMORY ? IG_ENOMEM : IG_EIO,
                         "cannot connect to MySQL: %s (error %u)", msg, mysql_errno(m));
        goto out;
    }
    rc = myd_session(c, err);
out:
    myd_url_free(&u);
    return rc;
}

static void myd_close(sqldb_conn *c)
{
    if (c->handle != NULL)
        mysql_close(myd_conn(c));
    c->handle = NULL;
}

/* Between statements the server sends nothing; anything readable is the end of the stream
 * (a restart, wait_timeout, a killed connection). */
static bool myd_dead(sqldb_conn *c)
{
    return sqldb_fd_readable((int)mysql_get_socket(myd_conn(c)));
}

static ig_status myd_exec_script(sqldb_conn *c, const char *sql, ig_err *err)
{
    return sqldb_script_run(c, sql, myd_exec, err);
}

/* A read transaction sees one snapshot (the session default is READ COMMITTED, see the session
 * settings); SET TRANSACTION applies to the next transaction only. */
static ig_status myd_begin(sqldb_conn *c, bool write, ig_err *err)
{
    static const char snapshot[] = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ";
    static const char start_read[] = "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY";
    ig_status rc = IG_OK;
    if (!write)
        rc = myd_exec(c, snapshot, sizeof snapshot - 1, "begin", err);
    if (rc == IG_OK)
        rc = write ? myd_exec(c, "START TRANSACTION", strlen("START TRANSACTION"), "begin", err)
                   : myd_exec(c, start_read, sizeof start_read - 1, "begin", err);
    if (rc == IG_OK)
        c->in_tx = true;
    return rc;
}

static ig_status myd_commit(sqldb_conn *c, ig_err *err)
{
    ig_status rc = myd_exec(c, "COMMIT", strlen("COMMIT"), "commit", err);
    if (rc == IG_OK)
        c->in_tx = false;
    return rc;
}

static void myd_rollback(sqldb_conn *c)
{
    if (!c->in_tx || c->handle == NULL)
        return;
    c->in_tx = false;
    if (mysql_rollback(myd_conn(c)) != 0)
        myd_fail(c, "rollback", NULL);
}

static bool myd_in_transaction(const sqldb_conn *c)
{
    return c->in_tx;
}

/* ---- statements ---- */

static void myd_finalize(sqldb_stmt *base)
{
    myd_stmt *q = myd_q(base);
    if (q->st != NULL)
        mysql_stmt_close(q->st);
    mysql_free_result(q->meta);
    for (int i = 0; i < q->rcap; i++)
        free(q->rbuf[i].p);
    free(q->rbuf);
    free(q->rbind);
    free(q->rlen);
    free(q->rnull);
    free(q->rerr);
    free(q->ri);
    free(q->rd);
    free(q->rtype);
    free(q->pbind);
    free(q->map);
    sqldb_stmt_free_common(base);
    free(q);
}

static ig_status myd_prepare(sqldb_conn *c, size_t slot, const char *sql, sqldb_stmt **out, ig_err *err)
{
    (void)slot;
    char *text = NULL;
    int maxn = 0;
    myd_stmt *q = calloc(1, sizeof *q);
    ig_status rc = q != NULL ? IG_OK : status_errf(err, IG_ENOMEM, "prepare: out of memory");
    if (rc == IG_OK)
        rc = sqldb_rewrite(sql, '?', &text, &q->map, &q->npos, &maxn, err);
    if (rc != IG_OK)
        goto out;
    q->base.conn = c;
    q->write = sqldb_is_write(sql);
    rc = sqldb_stmt_alloc_params(&q->base, maxn, err);
    if (rc == IG_OK && q->npos > 0 && (q->pbind = calloc((size_t)q->npos, sizeof *q->pbind)) == NULL)
        rc = status_errf(err, IG_ENOMEM, "prepare: out of memory");
    if (rc == IG_OK && (q->st = mysql_stmt_init(myd_conn(c))) == NULL)
        rc = status_errf(err, IG_ENOMEM, "prepare: out of memory");
    if (rc != IG_OK)
        goto out;
    if (mysql_stmt_prepare(q->st, text, strlen(text)) != 0) {
        rc = myd_fail_stmt(q, "prepare", err);
        goto out;
    }
    if (mysql_stmt_param_count(q->st) != (unsigned long)q->npos) {
        rc = status_errf(err, IG_EINTERNAL, "prepare: the server counts other placeholders than ?N");
        goto out;
    }
    *out = &q->base;
    q = NULL;
out:
    free(text);
    if (q != NULL)
        myd_finalize(&q->base);
    return rc;
}

static bool myd_is_int(enum enum_field_types t)
{
    return t == MYSQL_TYPE_TINY || t == MYSQL_TYPE_SHORT || t == MYSQL_TYPE_LONG || t == MYSQL_TYPE_INT24 ||
           t == MYSQL_TYPE_LONGLONG || t == MYSQL_TYPE_YEAR;
}

static bool myd_is_real(enum enum_field_types t)
{
    return t == MYSQL_TYPE_FLOAT || t == MYSQL_TYPE_DOUBLE || t == MYSQL_TYPE_DECIMAL || t == MYSQL_TYPE_NEWDECIMAL;
}

static bool myd_is_bytes(enum enum_field_types t)
{
    return t == MYSQL_TYPE_TINY_BLOB || t == MYSQL_TYPE_MEDIUM_BLOB || t == MYSQL_TYPE_LONG_BLOB ||
           t == MYSQL_TYPE_BLOB || t == MYSQL_TYPE_STRING || t == MYSQL_TYPE_VAR_STRING || t == MYSQL_TYPE_VARCHAR;
}

/* realloc of p to n entries of size bytes; when out of memory p is kept and *ok cleared. */
static void *myd_grow(void *p, size_t n, size_t size, bool *ok)
{
    void *grown = realloc(p, n * size);
    if (grown == NULL) {
        *ok = false;
        return p;
    }
    return grown;
}

/* Grows the per-column arrays to n entries. */
static bool myd_columns_reserve(myd_stmt *q, int n)
{
    if (n <= q->rcap)
        return true;
    size_t sz = (size_t)n;
    bool ok = true, rbuf_ok = true;
    q->rbind = myd_grow(q->rbind, sz, sizeof *q->rbind, &ok);
    q->rbuf = myd_grow(q->rbuf, sz, sizeof *q->rbuf, &rbuf_ok);
    for (int i = q->rcap; rbuf_ok && i < n; i++)
        q->rbuf[i] = (sqldb_bytes){0};
    q->rlen = myd_grow(q->rlen, sz, sizeof *q->rlen, &ok);
    q->rnull = myd_grow(q->rnull, sz, sizeof *q->rnull, &ok);
    q->rerr = myd_grow(q->rerr, sz, sizeof *q->rerr, &ok);
    q->ri = myd_grow(q->ri, sz, sizeof *q->ri, &ok);
    q->rd = myd_grow(q->rd, sz, sizeof *q->rd, &ok);
    q->rtype = myd_grow(q->rtype, sz, sizeof *q->rtype, &ok);
    if (!ok || !rbuf_ok)
        return false;
    q->rcap = n;
    return true;
}

/* Binds the result's columns: numbers as LONGLONG or DOUBLE, the rest as bytes into buffers that
 * grow when a value does not fit. */
static ig_status myd_bind_result(myd_stmt *q, ig_err *err)
{
    mysql_free_result(q->meta);
    q->meta = mysql_stmt_result_metadata(q->st);
    if (q->meta == NULL)
        return myd_fail_stmt(q, "step", err);
    int nf = (int)mysql_num_fields(q->meta);
    MYSQL_FIELD *fields = mysql_fetch_fields(q->meta);
    ig_status rc = sqldb_stmt_alloc_cells(&q->base, nf, err);
    if (rc != IG_OK)
        return rc;
    if (!myd_columns_reserve(q, nf))
        return status_errf(err, IG_ENOMEM, "step: out of memory reading a result");
    for (int i = 0; i < nf; i++) {
        MYSQL_BIND *b = &q->rbind[i];
        memset(b, 0, sizeof *b);
        b->is_null = &q->rnull[i];
        b->error = &q->rerr[i];
        b->length = &q->rlen[i];
        enum enum_field_types t = fields[i].type;
        if (myd_is_int(t)) {
            q->rtype[i] = SQLDB_INT;
            b->buffer_type = MYSQL_TYPE_LONGLONG;
            b->buffer = &q->ri[i];
            b->is_unsigned = (fields[i].flags & UNSIGNED_FLAG) != 0;
        } else if (myd_is_real(t)) {
            q->rtype[i] = SQLDB_REAL;
            b->buffer_type = MYSQL_TYPE_DOUBLE;
            b->buffer = &q->rd[i];
        } else {
            bool binary = myd_is_bytes(t) && fields[i].charsetnr == MYD_BINARY_CHARSET;
            q->rtype[i] = binary ? SQLDB_BLOB : SQLDB_TEXT;
            if (!sqldb_bytes_reserve(&q->rbuf[i], MYD_COLBUF_MIN))
                return status_errf(err, IG_ENOMEM, "step: out of memory reading a result");
            b->buffer_type = binary ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
            b->buffer = q->rbuf[i].p;
            b->buffer_length = q->rbuf[i].cap - 1; /* room for a NUL */
        }
    }
    if (mysql_stmt_bind_result(q->st, q->rbind) != 0)
        return myd_fail_stmt(q, "step", err);
    return IG_OK;
}

static ig_status myd_execute(myd_stmt *q, ig_err *err)
{
    sqldb_conn *c = q->base.conn;
    ig_status rc = sqldb_stmt_ready(&q->base, err);
    if (rc != IG_OK)
        return rc;
    for (int k = 0; k < q->npos; k++) {
        sqldb_value *v = &q->base.params[q->map[k] - 1];
        MYSQL_BIND *b = &q->pbind[k];
        memset(b, 0, sizeof *b);
        switch (v->type) {
        case SQLDB_INT:
            b->buffer_type = MYSQL_TYPE_LONGLONG;
            b->buffer = &v->i;
            break;
        case SQLDB_REAL:
            b->buffer_type = MYSQL_TYPE_DOUBLE;
            b->buffer = &v->d;
            break;
        case SQLDB_TEXT:
        case SQLDB_BLOB:
            b->buffer_type = v->type == SQLDB_TEXT ? MYSQL_TYPE_STRING : MYSQL_TYPE_BLOB;
            b->buffer = (void *)(v->n > 0 ? v->p : "");
            b->buffer_length = v->n;
            break;
        case SQLDB_NULL:
        default:
            b->buffer_type = MYSQL_TYPE_NULL;
            break;
        }
    }
    if (q->npos > 0 && mysql_stmt_bind_param(q->st, q->pbind) != 0)
        return myd_fail_stmt(q, "step", err);
    if (mysql_stmt_execute(q->st) != 0)
        return myd_fail_stmt(q, "step", err);
    q->executed = true;
    if (mysql_stmt_field_count(q->st) > 0) {
        rc = myd_bind_result(q, err);
        if (rc != IG_OK)
            return rc;
        if (mysql_stmt_store_result(q->st) != 0)
            return myd_fail_stmt(q, "step", err);
    } else {
        q->base.ncols = 0;
    }
    if (q->write)
        c->changes = (int64_t)mysql_stmt_affected_rows(q->st);
    return IG_OK;
}

/* Fetches the columns the row's first fetch did not fit, growing their buffers for the rows to come. */
static ig_status myd_refetch(myd_stmt *q, ig_err *err)
{
    bool rebind = false;
    for (int i = 0; i < q->base.ncols; i++) {
        if (q->rtype[i] == SQLDB_INT || q->rtype[i] == SQLDB_REAL || q->rnull[i] ||
            q->rlen[i] <= q->rbind[i].buffer_length)
            continue;
        if (!sqldb_bytes_reserve(&q->rbuf[i], (size_t)q->rlen[i] + 1))
            return status_errf(err, IG_ENOMEM, "step: out of memory reading a value");
        q->rbind[i].buffer = q->rbuf[i].p;
        q->rbind[i].buffer_length = q->rbuf[i].cap - 1;
        MYSQL_BIND one = q->rbind[i];
        if (mysql_stmt_fetch_column(q->st, &one, (unsigned)i, 0) != 0)
            return myd_fail_stmt(q, "step", err);
        rebind = true;
    }
    if (rebind && mysql_stmt_bind_result(q->st, q->rbind) != 0)
        return myd_fail_stmt(q, "step", err);
    return IG_OK;
}

static ig_status myd_step(sqldb_stmt *base, bool *row, ig_err *err)
{
    myd_stmt *q = myd_q(base);
    if (!q->executed) {
        ig_status rc = myd_execute(q, err);
        if (rc != IG_OK)
            return rc;
    }
    if (base->ncols == 0)
        return IG_OK;
    int r = mysql_stmt_fetch(q->st);
    if (r == MYSQL_NO_DATA) {
        sqldb_cells_clear(base);
        return IG_OK;
    }
    if (r != 0 && r != MYSQL_DATA_TRUNCATED)
        return myd_fail_stmt(q, "step", err);
    ig_status rc = myd_refetch(q, err);
    if (rc != IG_OK)
        return rc;
    for (int i = 0; i < base->ncols; i++) {
        sqldb_value *v = &base->cells[i].v;
        *v = (sqldb_value){.type = SQLDB_NULL};
        if (q->rnull[i])
            continue;
        v->type = q->rtype[i];
        if (v->type == SQLDB_INT) {
            v->i = q->ri[i];
        } else if (v->type == SQLDB_REAL) {
            v->d = q->rd[i];
        } else {
            q->rbuf[i].p[q->rlen[i]] = '\0';
            v->p = q->rbuf[i].p;
            v->n = q->rlen[i];
        }
    }
    *row = true;
    return IG_OK;
}

static void myd_reset(sqldb_stmt *base)
{
    myd_stmt *q = myd_q(base);
    if (q->executed)
        mysql_stmt_free_result(q->st);
    q->executed = false;
    sqldb_cells_clear(base);
    sqldb_params_clear(base);
}

static int64_t myd_changes(const sqldb_conn *c)
{
    return c->changes;
}

static const char *myd_column_name(const sqldb_stmt *base, int col)
{
    const myd_stmt *q = (const myd_stmt *)base;
    return q->meta != NULL ? mysql_fetch_fields(q->meta)[col].name : NULL;
}

const sqldb_ops sqldb_mysql_ops = {
    .open = myd_open,
    .close = myd_close,
    .dead = myd_dead,
    .exec_script = myd_exec_script,
    .begin = myd_begin,
    .commit = myd_commit,
    .rollback = myd_rollback,
    .in_transaction = myd_in_transaction,
    .prepare = myd_prepare,
    .finalize = myd_finalize,
    .bind = sqldb_params_bind,
    .step = myd_step,
    .reset = myd_reset,
    .changes = myd_changes,
    .column_name = myd_column_name,
};

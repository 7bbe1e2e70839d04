/* The inside of sqldb.h, shared by sqldb.c and the three drivers (sqldb_sqlite.c, sqldb_pg.c,
 * sqldb_mysql.c): the connection and statement records, each driver's operations table, and the
 * helpers the two server drivers share (parameter rewriting, bound values, buffered row cells). */
#ifndef IG_STORE_SQLDB_DRIVER_H
#define IG_STORE_SQLDB_DRIVER_H

#include "store/sqldb.h"

/* A bound parameter (PostgreSQL, MySQL) or a fetched column value; p is referenced, not owned. */
typedef struct sqldb_value {
    sqldb_type type;
    int64_t i;
    double d;
    const void *p;
    size_t n;
} sqldb_value;

/* One column of the current row, as the server drivers buffer it. For a number p may be NULL
 * until the text is asked for, then it points at num. */
typedef struct sqldb_cell {
    sqldb_value v;
    char num[32];
} sqldb_cell;

/* A growable byte buffer owned by a statement (one per column, or one for the parameters). */
typedef struct sqldb_bytes {
    char *p;
    size_t cap;
} sqldb_bytes;

struct sqldb_stmt {
    sqldb_conn *conn;
    int nparams;         /* the highest ?N */
    int ncols;           /* of the result, once known */
    sqldb_value *params; /* server drivers: nparams entries, SQLDB_NULL when unbound */
    sqldb_cell *cells;   /* server drivers: ncols entries, the current row */
    ig_status bind_rc;   /* a bad bind, reported by the next step */
};

typedef struct sqldb_ops {
    /* Opens c->handle from c->url and c->opt and applies the session settings. */
    ig_status (*open)(sqldb_conn *c, ig_err *err);
    void (*close)(sqldb_conn *c); /* closes c->handle (may be NULL) and sets it NULL */
    bool (*dead)(sqldb_conn *c);  /* an idle connection the server has dropped */
    ig_status (*exec_script)(sqldb_conn *c, const char *sql, ig_err *err);
    ig_status (*begin)(sqldb_conn *c, bool write, ig_err *err);
    ig_status (*commit)(sqldb_conn *c, ig_err *err);
    void (*rollback)(sqldb_conn *c);
    bool (*in_transaction)(const sqldb_conn *c);
    ig_status (*prepare)(sqldb_conn *c, size_t slot, const char *sql, sqldb_stmt **out, ig_err *err);
    void (*finalize)(sqldb_stmt *q);
    void (*bind)(sqldb_stmt *q, int idx, const sqldb_value *v);
    ig_status (*step)(sqldb_stmt *q, bool *row, ig_err *err);
    void (*reset)(sqldb_stmt *q);
    int64_t (*changes)(const sqldb_conn *c);
    const char *(*column_name)(const sqldb_stmt *q, int col);
    /* NULL in the server drivers: sqldb.c reads their cells. */
    int (*column_count)(const sqldb_stmt *q);
    sqldb_type (*column_type)(const sqldb_stmt *q, int col);
    int64_t (*column_int64)(const sqldb_stmt *q, int col);
    double (*column_double)(const sqldb_stmt *q, int col);
    const char *(*column_text)(const sqldb_stmt *q, int col, size_t *len);
    const void *(*column_blob)(const sqldb_stmt *q, int col, size_t *len);
} sqldb_ops;

struct sqldb_conn {
    const sqldb_ops *ops;
    sqldb_dialect dialect;
    char *url; /* owned: reconnects read it again; never put in a message */
    sqldb_options opt;
    void *handle;       /* sqlite3 *, PGconn * or MYSQL * */
    sqldb_stmt **stmts; /* opt.stmt_slots entries, prepared lazily */
    bool broken;        /* the server went away: sqldb_check reconnects */
    bool in_tx;         /* server drivers: inside BEGIN .. COMMIT/ROLLBACK */
    int64_t changes;    /* server drivers: rows the last INSERT/UPDATE/DELETE matched */
    sqldb_conn *next;   /* pool free-list link */
};

extern const sqldb_ops sqldb_sqlite_ops;
extern const sqldb_ops sqldb_pg_ops;
extern const sqldb_ops sqldb_mysql_ops;

/* Rewrites SQLite numbered parameters for a server, skipping quoted literals, quoted identifiers
 * and comments. mark '$': ?N becomes $N (PostgreSQL). mark '?': ?N becomes ? and (*map)[k] = N
 * for the k-th placeholder, *nmap of them (MySQL). *maxn is the highest N. *out and *map (NULL
 * when mark is '$') are freed by the caller. A bare ? or ?0 is IG_EINVAL. */
ig_status sqldb_rewrite(const char *sql, char mark, char **out, int **map, int *nmap, int *maxn, ig_err *err);

/* The next statement of a migration script at *pos, which it advances: statements end at a ';'
 * that ends a line, lines starting with "--" and blank lines are left out. The statement (without
 * its ';') is copied into buf, NUL-terminated, *len bytes; *len is 0 at the end of the script. */
ig_status sqldb_script_next(const char **pos, sqldb_bytes *buf, size_t *len, ig_err *err);
/* Runs one parameterless statement, sql NUL-terminated and len bytes; what names it in errors. */
typedef ig_status (*sqldb_exec_fn)(sqldb_conn *c, const char *sql, size_t len, const char *what, ig_err *err);
/* The server drivers' exec_script: each statement of the script (sqldb_script_next) through exec,
 * stopping at the first failure. */
ig_status sqldb_script_run(sqldb_conn *c, const char *sql, sqldb_exec_fn exec, ig_err *err);

/* Allocates q's parameter array (nparams entries, all NULL) and its cells (ncols entries). */
ig_status sqldb_stmt_alloc_params(sqldb_stmt *q, int nparams, ig_err *err);
ig_status sqldb_stmt_alloc_cells(sqldb_stmt *q, int ncols, ig_err *err);
/* The server drivers' bind: records v in q->params, or sets q->bind_rc on a bad index. */
void sqldb_params_bind(sqldb_stmt *q, int idx, const sqldb_value *v);
/* Makes every parameter NULL again and clears bind_rc. */
void sqldb_params_clear(sqldb_stmt *q);
void sqldb_stmt_free_common(sqldb_stmt *q);
/* The server drivers' checks before executing q: a bind that failed, a connection that is lost
 * (IG_EUNAVAIL). */
ig_status sqldb_stmt_ready(const sqldb_stmt *q, ig_err *err);
/* Makes every cell of the current row NULL (the result is done, or q was reset). */
void sqldb_cells_clear(sqldb_stmt *q);

/* Grows b to hold at least n bytes; false when out of memory (b unchanged). */
bool sqldb_bytes_reserve(sqldb_bytes *b, size_t n);

/* True when the first keyword of sql is INSERT, UPDATE, DELETE or REPLACE (statements whose
 * matched rows sqldb_changes reports). */
bool sqldb_is_write(const char *sql);

/* Renders a double as the shortest of %.15g and %.17g that reads back equal. */
void sqldb_format_double(double d, char *buf, size_t cap);

/* True when fd has something to read (or a hang-up) at once: on an idle connection the server
 * has closed it or sent a final error. */
bool sqldb_fd_readable(int fd);

#endif

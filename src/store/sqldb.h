/* One SQL driver interface over SQLite (libsqlite3), PostgreSQL (libpq) and MySQL/MariaDB
 * (libmariadb), private to src/store/: the store's SQL is written once against it. Statements use
 * SQLite's numbered parameters (?1..?N, a number may repeat); each driver rewrites them for its
 * server. Values are only ever bound, never pasted into SQL. A pool hands connections to threads. */
#ifndef IG_STORE_SQLDB_H
#define IG_STORE_SQLDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

typedef enum sqldb_dialect { SQLDB_SQLITE, SQLDB_PG, SQLDB_MYSQL } sqldb_dialect;

/* A column value's type as the driver sees it (PostgreSQL booleans read as SQLDB_INT 0/1). */
typedef enum sqldb_type { SQLDB_NULL, SQLDB_INT, SQLDB_REAL, SQLDB_TEXT, SQLDB_BLOB } sqldb_type;

typedef struct sqldb_conn sqldb_conn; /* one connection, used by one thread at a time */
typedef struct sqldb_stmt sqldb_stmt; /* a prepared statement, owned by its connection's cache */
typedef struct sqldb_pool sqldb_pool;

typedef struct sqldb_options {
    int busy_timeout_ms;      /* SQLite: busy timeout; PostgreSQL/MySQL: lock wait timeout */
    int statement_timeout_ms; /* PostgreSQL statement_timeout, MySQL max_statement_time; 0: none */
    int connect_timeout_s;    /* PostgreSQL/MySQL connect timeout; 0: the driver's default */
    size_t stmt_slots;        /* size of each connection's prepared-statement cache */
} sqldb_options;

/* The dialect a DATABASE_URL selects: sqlite://, postgresql:// or postgres://, mysql://,
 * mysql+pymysql:// (the seed's form) or mariadb://. The message names only the scheme: the rest of
 * a URL may carry a password. */
ig_status sqldb_dialect_of(const char *url, sqldb_dialect *out, ig_err *err);

/* Opens one connection to url. *out is freed with sqldb_close. */
ig_status sqldb_connect(const char *url, const sqldb_options *opt, sqldb_conn **out, ig_err *err);
void sqldb_close(sqldb_conn *c);
sqldb_dialect sqldb_dialect_get(const sqldb_conn *c);

/* Reconnects when an earlier call found the server gone (a restart, a dropped connection): the
 * statement cache is emptied and the session settings applied again. IG_OK when usable,
 * IG_EUNAVAIL (the API answers 503) when the server cannot be reached. */
ig_status sqldb_check(sqldb_conn *c, ig_err *err);

/* Runs trusted SQL text with no parameters, several statements separated by ';' at line ends
 * (migrations). MySQL commits DDL implicitly, so a failed script may leave part of it applied. */
ig_status sqldb_exec_script(sqldb_conn *c, const char *sql, ig_err *err);

/* Transactions. write: SQLite takes the write lock at once (BEGIN IMMEDIATE). !write: a read
 * transaction that sees one snapshot (PostgreSQL REPEATABLE READ READ ONLY, MySQL a consistent
 * snapshot, read-only; SQLite a deferred BEGIN): the servers refuse writes in it. rollback is a
 * no-op outside a transaction, and never fails. */
ig_status sqldb_begin(sqldb_conn *c, bool write, ig_err *err);
ig_status sqldb_commit(sqldb_conn *c, ig_err *err);
void sqldb_rollback(sqldb_conn *c);
bool sqldb_in_transaction(const sqldb_conn *c);

/* The statement in cache slot (< stmt_slots), prepared from sql on its first use on c. The same
 * slot must always be given the same sql. *out stays owned by c. PostgreSQL and MySQL refuse a
 * bare ? (and ?0) with IG_EINVAL; ? inside quoted literals, quoted identifiers and comments is
 * left alone. */
ig_status sqldb_prepare(sqldb_conn *c, size_t slot, const char *sql, sqldb_stmt **out, ig_err *err);

/* Binding never fails on its own: a bad index or an allocation failure is reported by the next
 * sqldb_step. idx is 1-based, as in ?1. Text and blob bytes are referenced, not copied, and must
 * stay valid until the first sqldb_step after binding. A NULL s binds SQL NULL. */
void sqldb_bind_null(sqldb_stmt *q, int idx);
void sqldb_bind_int64(sqldb_stmt *q, int idx, int64_t v);
void sqldb_bind_double(sqldb_stmt *q, int idx, double v);
void sqldb_bind_text(sqldb_stmt *q, int idx, const char *s, size_t n);
void sqldb_bind_blob(sqldb_stmt *q, int idx, const void *p, size_t n);
/* The highest ?N in the statement's SQL. */
int sqldb_param_count(const sqldb_stmt *q);

/* Executes on the first call after binding, then walks the result: *row is true when a row is
 * ready, false when the result is done. Errors: IG_ECONFLICT for a unique/primary-key violation or
 * a deadlock/serialisation failure, IG_ENOTFOUND for a foreign-key violation, IG_EIO for the rest
 * IG_EUNAVAIL for a lost connection (which also marks c for sqldb_check), IG_ENOMEM. */
ig_status sqldb_step(sqldb_stmt *q, bool *row, ig_err *err);
/* Clears bindings and the result so the statement can be bound again (NULL is fine). */
void sqldb_reset(sqldb_stmt *q);
/* Rows a write matched (MySQL: found rows, not changed rows), as sqlite3_changes. */
int64_t sqldb_changes(const sqldb_conn *c);

/* The current row's columns, 0-based. Text is NUL-terminated as well as counted; pointers stay
 * valid until the next step or reset. A NULL column reads as 0, 0.0 or NULL with *len 0. On
 * PostgreSQL the count and names are known only after the first sqldb_step. */
int sqldb_column_count(const sqldb_stmt *q);
const char *sqldb_column_name(const sqldb_stmt *q, int col);
sqldb_type sqldb_column_type(const sqldb_stmt *q, int col);
int64_t sqldb_column_int64(const sqldb_stmt *q, int col);
double sqldb_column_double(const sqldb_stmt *q, int col);
const char *sqldb_column_text(const sqldb_stmt *q, int col, size_t *len);
const void *sqldb_column_blob(const sqldb_stmt *q, int col, size_t *len);

/* A fixed set of size connections opened at once (one for an in-memory SQLite database, which is
 * private to its connection). acquire blocks until one is free and runs sqldb_check on it, which
 * also notices an idle connection the server has closed (a restart); when that fails the connection
 * goes back to the pool, *out is NULL and the status is IG_EUNAVAIL. release rolls back an open
 * transaction (c may be NULL). */
ig_status sqldb_pool_open(const char *url, const sqldb_options *opt, int size, sqldb_pool **out, ig_err *err);
void sqldb_pool_close(sqldb_pool *p);
ig_status sqldb_pool_acquire(sqldb_pool *p, sqldb_conn **out, ig_err *err);
void sqldb_pool_release(sqldb_pool *p, sqldb_conn *c);
sqldb_dialect sqldb_pool_dialect(const sqldb_pool *p);

#endif

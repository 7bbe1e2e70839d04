/* migrate --copy-from (store_copy.h): SQLite rows and upload files into PostgreSQL or MySQL over
 * the SQL driver interface. Tables are discovered in the source and ordered by their foreign keys,
 * so a table a later migration adds is copied without a change here. */
#include "store/store_copy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/migrations.h"
#include "store/sqldb.h"
#include "store/store.h"
#include "store/store_files.h"

#define COPY_MAX_TABLES 64
#define COPY_NAME_MAX 63
/* Statement-cache slots: a few fixed ones, then per table its count, select and insert, then
 * store_files.h's. */
#define SLOT_TABLES 0
#define SLOT_DEPS 1
#define SLOT_VERSION 2
#define SLOT_SEQUENCE 3
#define SLOT_SEQUENCE_ROWS 4
#define SLOT_RESUMES 5
#define SLOT_SETVAL 6
#define SLOT_HAS_ID 7
#define SLOT_TABLE0 8
#define SLOT_FILES (SLOT_TABLE0 + 3 * COPY_MAX_TABLES)
#define COPY_SLOTS (SLOT_FILES + STOREFILES_SLOTS)
#define COPY_BUF 65536

typedef struct copy_table {
    char name[COPY_NAME_MAX + 1];
    char deps[COPY_MAX_TABLES][COPY_NAME_MAX + 1]; /* the tables its foreign keys name */
    size_t ndeps;
    bool placed;
    bool has_id;      /* an "id" column: the target numbers new rows from a sequence */
    int64_t rows;
    int64_t high_id;  /* the highest id the source handed out (its rows, SQLite's sqlite_sequence) */
    bool autoinc;     /* in sqlite_sequence */
} copy_table;

typedef struct copier {
    const store_copy_opts *o;
    store_copy_report report;
    void *arg;
    sqldb_conn *src, *dst;
    copy_table *tables;            /* in copy order once sorted */
    size_t ntables;
    char **created;                /* files written under target_uploads, removed on failure */
    size_t ncreated;
    char source_uploads[PATH_MAX + 1];
    bool same_folder;              /* target_uploads is source_uploads: the files stay where they are */
    int64_t files, files_left_out;
} copier;

static void note(const copier *cp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(const copier *cp, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (cp->report != NULL)
        cp->report(cp->arg, line);
}

/* rc with err's message prefixed by what (copied first: the message is also the output). */
static ig_status wrap(ig_err *err, ig_status rc, const char *what)
{
    char msg[sizeof err->msg];
    snprintf(msg, sizeof msg, "%s", err != NULL ? err->msg : "");
    return status_errf(err, rc, "%s: %s", what, msg);
}

/* Identifiers are pasted into SQL: only plain lower-case names (the schema's) are accepted. */
static bool plain_name(const char *s, size_t n)
{
    if (n == 0 || n > COPY_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || ch == '_' || (i > 0 && ch >= '0' && ch <= '9')))
            return false;
    }
    return true;
}

/* Steps q: true when a row is ready; a failure goes into *rc (nothing is stepped after one). */
static bool next_row(sqldb_stmt *q, ig_status *rc, ig_err *err)
{
    bool row = false;
    if (*rc == IG_OK)
        *rc = sqldb_step(q, &row, err);
    return *rc == IG_OK && row;
}

static ig_status one_int(sqldb_conn *c, size_t slot, const char *sql, const char *param, int64_t *out, ig_err *err)
{
    sqldb_stmt *q = NULL;
    bool row = false;
    ig_status rc = sqldb_prepare(c, slot, sql, &q, err);
    if (rc != IG_OK)
        return rc;
    if (param != NULL)
        sqldb_bind_text(q, 1, param, strlen(param));
    rc = sqldb_step(q, &row, err);
    *out = rc == IG_OK && row ? sqldb_column_int64(q, 0) : 0;
    sqldb_reset(q);
    return rc;
}

/* ---- tables ---- */

static ig_status list_tables(copier *cp, ig_err *err)
{
    sqldb_stmt *q = NULL;
    ig_status rc = sqldb_prepare(cp->src, SLOT_TABLES,
                                 "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
                                 "ESCAPE '\\' AND name <> 'schema_migrations' ORDER BY name",
                                 &q, err);
    while (next_row(q, &rc, err)) {
        size_t n = 0;
        const char *name = sqldb_column_text(q, 0, &n);
        if (!plain_name(name, n))
            rc = status_errf(err, IG_EINVAL, "source table '%.64s' has a name the copy does not handle", name);
        else if (cp->ntables == COPY_MAX_TABLES)
            rc = status_errf(err, IG_ETOOBIG, "the source has more than %d tables", COPY_MAX_TABLES);
        else
            memcpy(cp->tables[cp->ntables++].name, name, n + 1);
    }
    sqldb_reset(q);
    for (size_t i = 0; rc == IG_OK && i < cp->ntables; i++) {
        copy_table *t = &cp->tables[i];
        int64_t id = 0;
        /* known from the schema, not the rows: an emptied table still has a sequence to carry on */
        rc = one_int(cp->src, SLOT_HAS_ID, "SELECT count(*) FROM pragma_table_info(?1) WHERE name = 'id'", t->name,
                     &id, err);
        t->has_id = id > 0;
        if (rc == IG_OK)
            rc = sqldb_prepare(cp->src, SLOT_DEPS, "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?1)", &q, err);
        if (rc != IG_OK)
            break;
        sqldb_bind_text(q, 1, t->name, strlen(t->name));
        while (next_row(q, &rc, err)) {
            size_t n = 0;
            const char *dep = sqldb_column_text(q, 0, &n);
            if (n > COPY_NAME_MAX || t->ndeps == COPY_MAX_TABLES)
                rc = status_errf(err, IG_EINVAL, "table %s has foreign keys the copy does not handle", t->name);
            else if (strcmp(dep, t->name) != 0) /* a table referring to itself: its rows go in id order */
                memcpy(t->deps[t->ndeps++], dep, n + 1);
        }
        sqldb_reset(q);
    }
    return rc;
}

static bool is_placed(const copy_table *sorted, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(sorted[i].name, name) == 0)
            return true;
    }
    return false;
}

/* Orders the tables so each comes after the tables it refers to. */
static ig_status sort_tables(copier *cp, ig_err *err)
{
    copy_table *sorted = calloc(COPY_MAX_TABLES, sizeof *sorted);
    size_t n = 0;
    if (sorted == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");
    while (n < cp->ntables) {
        size_t before = n;
        for (size_t i = 0; i < cp->ntables; i++) {
            copy_table *t = &cp->tables[i];
            bool ready = !t->placed;
            for (size_t d = 0; ready && d < t->ndeps; d++)
                ready = is_placed(sorted, n, t->deps[d]);
            if (ready) {
                t->placed = true;
                sorted[n++] = *t;
            }
        }
        if (n == before) {
            free(sorted);
            return status_errf(err, IG_EINVAL, "the source's foreign keys form a cycle the copy cannot order");
        }
    }
    memcpy(cp->tables, sorted, cp->ntables * sizeof *sorted);
    free(sorted);
    return IG_OK;
}

/* Every table the source has must exist in the target and be empty there. */
static ig_status check_empty(copier *cp, ig_err *err)
{
    char sql[128];
    for (size_t i = 0; i < cp->ntables; i++) {
        int64_t n = 0;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", cp->tables[i].name);
        ig_status rc = one_int(cp->dst, SLOT_TABLE0 + 3 * i, sql, NULL, &n, err);
        if (rc != IG_OK) {
            snprintf(sql, sizeof sql, "target table %s cannot be read", cp->tables[i].name);
            return wrap(err, rc, sql);
        }
        if (n > 0)
            return status_errf(err, IG_ECONFLICT,
                               "the target database is not empty (%s has %lld rows): the copy runs only into a "
                               "new database, once",
                               cp->tables[i].name, (long long)n);
    }
    return IG_OK;
}

/* Binds column col of the source row to parameter col + 1 of the insert. Text and blobs are
 * referenced: the insert runs before the source moves on. */
static void bind_value(sqldb_stmt *ins, sqldb_stmt *sel, int col)
{
    size_t n = 0;
    switch (sqldb_column_type(sel, col)) {
    case SQLDB_NULL: sqldb_bind_null(ins, col + 1); break;
    case SQLDB_INT: sqldb_bind_int64(ins, col + 1, sqldb_column_int64(sel, col)); break;
    case SQLDB_REAL: sqldb_bind_double(ins, col + 1, sqldb_column_double(sel, col)); break;
    case SQLDB_TEXT: {
        const char *s = sqldb_column_text(sel, col, &n);
        sqldb_bind_text(ins, col + 1, s, n);
        break;
    }
    case SQLDB_BLOB: {
        const void *p = sqldb_column_blob(sel, col, &n);
        sqldb_bind_blob(ins, col + 1, p, n);
        break;
    }
    }
}

/* INSERT INTO t (c1, ...) VALUES (?1, ...) for the columns of sel's result. */
static ig_status insert_sql(const copy_table *t, sqldb_stmt *sel, char **out, ig_err *err)
{
    int ncols = sqldb_column_count(sel);
    size_t cap = 64 + strlen(t->name) + (size_t)ncols * (COPY_NAME_MAX + 12);
    char *sql = malloc(cap);
    if (sql == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");
    size_t len = (size_t)snprintf(sql, cap, "INSERT INTO %s (", t->name);
    for (int c = 0; c < ncols; c++) {
        const char *name = sqldb_column_name(sel, c);
        if (name == NULL || !plain_name(name, strlen(name))) {
            free(sql);
            return status_errf(err, IG_EINVAL, "a column of %s has a name the copy does not handle", t->name);
        }
        len += (size_t)snprintf(sql + len, cap - len, "%s%s", c > 0 ? ", " : "", name);
    }
    len += (size_t)snprintf(sql + len, cap - len, ") VALUES (");
    for (int c = 0; c < ncols; c++)
        len += (size_t)snprintf(sql + len, cap - len, "%s?%d", c > 0 ? ", " : "", c + 1);
    snprintf(sql + len, cap - len, ")");
    *out = sql;
    return IG_OK;
}

static ig_status copy_rows(copier *cp, size_t i, ig_err *err)
{
    copy_table *t = &cp->tables[i];
    sqldb_stmt *sel = NULL, *ins = NULL;
    char sql[128], *isql = NULL;
    int idcol = -1;
    snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY rowid", t->name);
    ig_status rc = sqldb_prepare(cp->src, SLOT_TABLE0 + 3 * i + 1, sql, &sel, err);
    while (next_row(sel, &rc, err)) {
        if (ins == NULL) {
            int ncols = sqldb_column_count(sel);
            for (int c = 0; c < ncols; c++) {
                const char *name = sqldb_column_name(sel, c);
                if (name != NULL && strcmp(name, "id") == 0)
                    idcol = c;
            }
            if ((rc = insert_sql(t, sel, &isql, err)) != IG_OK ||
                (rc = sqldb_prepare(cp->dst, SLOT_TABLE0 + 3 * i + 2, isql, &ins, err)) != IG_OK)
                break;
        }
        for (int c = 0; c < sqldb_column_count(sel); c++)
            bind_value(ins, sel, c);
        bool r2 = false;
        rc = sqldb_step(ins, &r2, err);
        sqldb_reset(ins);
        if (rc != IG_OK) {
            snprintf(sql, sizeof sql, "copying %s", t->name);
            rc = wrap(err, rc, sql);
            break;
        }
        if (idcol >= 0 && sqldb_column_int64(sel, idcol) > t->high_id)
            t->high_id = sqldb_column_int64(sel, idcol);
        t->rows++;
    }
    sqldb_reset(sel);
    free(isql);
    return rc;
}

/* SQLite's AUTOINCREMENT high-water marks: ids handed out once, even to rows deleted since. */
static ig_status read_sequences(copier *cp, ig_err *err)
{
    int64_t exists = 0;
    sqldb_stmt *q = NULL;
    ig_status rc = one_int(cp->src, SLOT_SEQUENCE,
                           "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", "sqlite_sequence",
                           &exists, err);
    if (rc != IG_OK || exists == 0)
        return rc;
    rc = sqldb_prepare(cp->src, SLOT_SEQUENCE_ROWS, "SELECT name, seq FROM sqlite_sequence", &q, err);
    while (next_row(q, &rc, err)) {
        size_t n = 0;
        const char *name = sqldb_column_text(q, 0, &n);
        for (size_t i = 0; i < cp->ntables; i++) {
            copy_table *t = &cp->tables[i];
            if (name != NULL && strcmp(t->name, name) == 0) {
                t->autoinc = true;
                if (sqldb_column_int64(q, 1) > t->high_id)
                    t->high_id = sqldb_column_int64(q, 1);
            }
        }
    }
    sqldb_reset(q);
    return rc;
}

/* PostgreSQL: each identity sequence continues after the source's highest id (setval is not
 * rolled back with the transaction, which is harmless: the target stays empty then). */
static ig_status set_pg_sequences(copier *cp, ig_err *err)
{
    for (size_t i = 0; i < cp->ntables; i++) {
        const copy_table *t = &cp->tables[i];
        sqldb_stmt *q = NULL;
        bool row = false;
        if (!t->has_id || t->high_id < 1)
            continue;
        ig_status rc = sqldb_prepare(cp->dst, SLOT_SETVAL, "SELECT setval(pg_get_serial_sequence(?1, 'id'), ?2)", &q,
                                     err);
        if (rc != IG_OK)
            return rc;
        sqldb_bind_text(q, 1, t->name, strlen(t->name));
        sqldb_bind_int64(q, 2, t->high_id);
        rc = sqldb_step(q, &row, err);
        sqldb_reset(q);
        if (rc != IG_OK)
            return wrap(err, rc, t->name);
    }
    return IG_OK;
}

/* MySQL: InnoDB already continues after the highest id inserted; a source whose AUTOINCREMENT
 * went further (rows deleted at the top) moves the counter on. DDL: after the commit. */
static ig_status set_mysql_counters(copier *cp, ig_err *err)
{
    char sql[160];
    for (size_t i = 0; i < cp->ntables; i++) {
        const copy_table *t = &cp->tables[i];
        if (!t->has_id || !t->autoinc || t->high_id < 1)
            continue;
        snprintf(sql, sizeof sql, "ALTER TABLE %s AUTO_INCREMENT = %lld", t->name, (long long)t->high_id + 1);
        ig_status rc = sqldb_exec_script(cp->dst, sql, err);
        if (rc != IG_OK)
            return wrap(err, rc, t->name);
    }
    return IG_OK;
}

/* ---- files ---- */

/* The same rule as the resumes service's: a stored path stays inside the upload folder. */
static bool safe_rel(const char *rel)
{
    return rel != NULL && rel[0] != '\0' && rel[0] != '/' && strstr(rel, "..") == NULL;
}

/* The lower-case hex SHA-256 of the file at path; false when it cannot be read. */
static bool file_sha256(const char *path, char hex[65])
{
    unsigned char buf[COPY_BUF], sum[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    crypto_hash_sha256_init(&st);
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0 || (r < 0 && errno == EINTR)) {
        if (r > 0)
            crypto_hash_sha256_update(&st, buf, (size_t)r);
    }
    int saved = errno;
    close(fd);
    if (r < 0) {
        errno = saved;
        return false;
    }
    crypto_hash_sha256_final(&st, sum);
    sodium_bin2hex(hex, 65, sum, sizeof sum);
    return true;
}

/* mkdir -p of the directories above path, mode 0700 for those it creates. */
static bool make_parents(const char *path)
{
    char tmp[PATH_MAX + 1];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return false;
        *p = '/';
    }
    return true;
}

/* Copies src to the new file dst (0600, never over an existing one) and syncs it. */
static ig_status copy_file(const char *src, const char *dst, ig_err *err)
{
    char buf[COPY_BUF];
    ig_status rc = IG_OK;
    int in = open(src, O_RDONLY | O_CLOEXEC), out = -1;
    if (in < 0)
        return status_errf(err, IG_EIO, "cannot open %s: %s", src, strerror(errno));
    if (!make_parents(dst) || (out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
        close(in);
        return status_errf(err, IG_EIO, "cannot create %s: %s", dst, strerror(errno));
    }
    for (ssize_t r; rc == IG_OK && (r = read(in, buf, sizeof buf)) != 0;) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = status_errf(err, IG_EIO, "cannot read %s: %s", src, strerror(errno));
            break;
        }
        for (ssize_t off = 0; rc == IG_OK && off < r;) {
            ssize_t w = write(out, buf + off, (size_t)(r - off));
            if (w < 0 && errno != EINTR)
                rc = status_errf(err, IG_EIO, "cannot write %s: %s", dst, strerror(errno));
            else if (w > 0)
                off += w;
        }
    }
    if (rc == IG_OK && fsync(out) != 0)
        rc = status_errf(err, IG_EIO, "cannot write %s: %s", dst, strerror(errno));
    close(in);
    close(out);
    if (rc != IG_OK)
        unlink(dst);
    return rc;
}

static ig_status remember(copier *cp, const char *path, ig_err *err)
{
    char **grown = realloc(cp->created, (cp->ncreated + 1) * sizeof *grown);
    if (grown == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");
    cp->created = grown;
    if ((grown[cp->ncreated] = strdup(path)) == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");
    cp->ncreated++;
    return IG_OK;
}

/* One resume's file: into the target database or the target's upload folder. */
static ig_status copy_one_file(copier *cp, int64_t id, const char *rel, const char *sha, ig_err *err)
{
    char src[PATH_MAX + 1], dst[PATH_MAX + 1], hex[65];
    if (!safe_rel(rel) || snprintf(src, sizeof src, "%s/%s", cp->source_uploads, rel) >= (int)sizeof src) {
        note(cp, "warning: resume %lld: its file path '%.64s' is not inside the upload folder; not copied",
             (long long)id, rel);
        cp->files_left_out++;
        return IG_OK;
    }
    if (!file_sha256(src, hex)) {
        note(cp, "warning: resume %lld: %s cannot be read (%s); its file is not copied", (long long)id, src,
             strerror(errno));
        cp->files_left_out++;
        return IG_OK;
    }
    if (strcmp(hex, sha) != 0) {
        note(cp, "warning: resume %lld: %s does not match the hash of its upload; not copied", (long long)id, src);
        cp->files_left_out++;
        return IG_OK;
    }
    ig_status rc = IG_OK;
    if (cp->o->files_in_db) {
        rc = storefiles_write(cp->dst, SLOT_FILES, id, src, NULL, err);
    } else if (!cp->same_folder) {
        if (snprintf(dst, sizeof dst, "%s/%s", cp->o->target_uploads, rel) >= (int)sizeof dst)
            return status_errf(err, IG_EINVAL, "UPLOAD_FOLDER is too long");
        rc = copy_file(src, dst, err);
        if (rc == IG_OK)
            rc = remember(cp, dst, err);
    }
    if (rc == IG_OK)
        cp->files++;
    return rc;
}

/* The files of the source's resumes, except those it already keeps in its database (copied
 * with the chunk table). */
static ig_status copy_files(copier *cp, ig_err *err)
{
    sqldb_stmt *q = NULL;
    ig_status rc = sqldb_prepare(cp->src, SLOT_RESUMES,
                                 "SELECT r.id, r.file_path, r.content_sha256 FROM resumes r WHERE NOT EXISTS "
                                 "(SELECT 1 FROM resume_file_chunks c WHERE c.resume_id = r.id) ORDER BY r.id",
                                 &q, err);
    while (next_row(q, &rc, err)) {
        size_t n1 = 0, n2 = 0;
        rc = copy_one_file(cp, sqldb_column_int64(q, 0), sqldb_column_text(q, 1, &n1), sqldb_column_text(q, 2, &n2),
                           err);
    }
    sqldb_reset(q);
    return rc;
}

/* ---- the whole copy ---- */

/* The file a sqlite:// URL names, read as the SQLite driver does (SQLAlchemy's form):
 * sqlite:///relative.db, sqlite:////absolute.db. */
static ig_status sqlite_path(const char *url, char *out, size_t cap, ig_err *err)
{
    const char *p = url + strlen("sqlite://");
    if (p[0] != '/' || p[1] == '\0' || strcmp(p, "/:memory:") == 0)
        return status_errf(err, IG_EINVAL, "--copy-from needs sqlite:///relative.db or sqlite:////absolute.db");
    if (strlen(p + 1) >= cap)
        return status_errf(err, IG_EINVAL, "the source database path is too long");
    snprintf(out, cap, "%s", p + 1);
    return IG_OK;
}

/* The "uploads" folder beside the database file at db. */
static ig_status default_uploads(const char *db, char *out, size_t cap, ig_err *err)
{
    const char *slash = strrchr(db, '/');
    int n = slash == NULL ? snprintf(out, cap, "uploads") : snprintf(out, cap, "%.*s/uploads", (int)(slash - db), db);
    if (n < 0 || (size_t)n >= cap)
        return status_errf(err, IG_EINVAL, "the source database path is too long");
    return IG_OK;
}

static bool same_dir(const char *a, const char *b)
{
    char ra[PATH_MAX], rb[PATH_MAX];
    return realpath(a, ra) != NULL && realpath(b, rb) != NULL && strcmp(ra, rb) == 0;
}

/* Migrates the target through the store (per-dialect migrations) and answers its version. */
static ig_status migrate_target(const store_copy_opts *o, int *version, ig_err *err)
{
    ig_store *st = NULL;
    ig_status rc = store_open(&st, o->target_url, 1, o->busy_timeout_ms, 0, err) /* a copy may run long */;
    if (rc == IG_OK)
        rc = store_migrate(st, NULL, err);
    if (rc == IG_OK)
        rc = store_schema_version(st, version, err);
    store_close(st);
    return rc;
}

static ig_status open_source(copier *cp, const sqldb_options *opt, int target_version, ig_err *err)
{
    char path[PATH_MAX + 1];
    struct stat sb;
    int64_t version = 0;
    ig_status rc = sqlite_path(cp->o->source_url, path, sizeof path, err);
    if (rc != IG_OK)
        return rc;
    if (cp->o->source_uploads == NULL) {
        if ((rc = default_uploads(path, cp->source_uploads, sizeof cp->source_uploads, err)) != IG_OK)
            return rc;
    } else if (snprintf(cp->source_uploads, sizeof cp->source_uploads, "%s", cp->o->source_uploads) >=
               (int)sizeof cp->source_uploads) {
        return status_errf(err, IG_EINVAL, "the source upload folder path is too long");
    }
    /* opening a missing SQLite file would create it */
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return status_errf(err, IG_ENOTFOUND, "the source database %s does not exist", path);
    rc = sqldb_connect(cp->o->source_url, opt, &cp->src, err);
    if (rc == IG_OK)
        rc = sqldb_exec_script(cp->src, "PRAGMA query_only = ON", err);
    /* one snapshot of the source, even if its server is still running */
    if (rc == IG_OK)
        rc = sqldb_begin(cp->src, false, err);
    if (rc == IG_OK)
        rc = one_int(cp->src, SLOT_VERSION, "SELECT coalesce(max(version), 0) FROM schema_migrations", NULL, &version,
                     err);
    if (rc != IG_OK)
        return wrap(err, rc, "source database");
    if (version != target_version)
        return status_errf(err, IG_ESTATE,
                           version < target_version
                               ? "the source database is at schema version %lld, this binary at %d: run "
                                 "`interviewgenius migrate` with DATABASE_URL set to the source first"
                               : "the source database is at schema version %lld, newer than this binary's %d",
                           (long long)version, target_version);
    return IG_OK;
}

ig_status store_copy_from(const store_copy_opts *o, store_copy_report report, void *arg, ig_err *err)
{
    copier cp = {.o = o, .report = report, .arg = arg};
    sqldb_options opt = {.busy_timeout_ms = o->busy_timeout_ms, .stmt_slots = COPY_SLOTS};
    sqldb_dialect sd, td;
    int version = 0;
    bool committed = false;
    ig_status rc = IG_OK;
    if (o->source_url == NULL || o->target_url == NULL || (!o->files_in_db && o->target_uploads == NULL))
        return status_errf(err, IG_EINVAL, "store_copy_from: source, target and upload folders are required");
    if (sqldb_dialect_of(o->source_url, &sd, err) != IG_OK || sd != SQLDB_SQLITE)
        return status_errf(err, IG_EINVAL, "--copy-from takes the sqlite:/// URL of the installation to copy");
    if ((rc = sqldb_dialect_of(o->target_url, &td, err)) != IG_OK)
        return rc;
    if (td == SQLDB_SQLITE)
        return status_errf(err, IG_EINVAL,
                           "DATABASE_URL is SQLite: --copy-from copies into PostgreSQL or MySQL (set DATABASE_URL "
                           "to the new database)");
    if ((cp.tables = calloc(COPY_MAX_TABLES, sizeof *cp.tables)) == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");

    if ((rc = migrate_target(o, &version, err)) != IG_OK) {
        rc = wrap(err, rc, "target database");
        goto out;
    }
    if ((rc = open_source(&cp, &opt, version, err)) != IG_OK || (rc = list_tables(&cp, err)) != IG_OK ||
        (rc = sort_tables(&cp, err)) != IG_OK)
        goto out;
    cp.same_folder = !o->files_in_db && same_dir(cp.source_uploads, o->target_uploads);
    if ((rc = sqldb_connect(o->target_url, &opt, &cp.dst, err)) != IG_OK ||
        (rc = sqldb_begin(cp.dst, true, err)) != IG_OK || (rc = check_empty(&cp, err)) != IG_OK)
        goto out;
    for (size_t i = 0; rc == IG_OK && i < cp.ntables; i++)
        rc = copy_rows(&cp, i, err);
    if (rc == IG_OK)
        rc = read_sequences(&cp, err);
    if (rc == IG_OK)
        rc = copy_files(&cp, err);
    if (rc == IG_OK && td == SQLDB_PG)
        rc = set_pg_sequences(&cp, err);
    if (rc == IG_OK && (rc = sqldb_commit(cp.dst, err)) == IG_OK)
        committed = true;
    if (rc == IG_OK && td == SQLDB_MYSQL)
        rc = set_mysql_counters(&cp, err);
    if (!committed || rc != IG_OK)
        goto out;
    for (size_t i = 0; i < cp.ntables; i++)
        note(&cp, "%s: %lld rows", cp.tables[i].name, (long long)cp.tables[i].rows);
    if (o->files_in_db)
        note(&cp, "files: %lld copied into the database", (long long)cp.files);
    else if (cp.same_folder)
        note(&cp, "files: %lld left where they are (UPLOAD_FOLDER is the source's)", (long long)cp.files);
    else
        note(&cp, "files: %lld copied into %s", (long long)cp.files, o->target_uploads);
    if (cp.files_left_out > 0)
        note(&cp, "warning: %lld files could not be copied (see above); their resumes are kept",
             (long long)cp.files_left_out);
out:
    if (cp.dst != NULL) {
        sqldb_rollback(cp.dst);
        sqldb_close(cp.dst);
    }
    if (cp.src != NULL) {
        sqldb_rollback(cp.src);
        sqldb_close(cp.src);
    }
    for (size_t i = 0; i < cp.ncreated; i++) {
        if (!committed)
            unlink(cp.created[i]);
        free(cp.created[i]);
    }
    free(cp.created);
    free(cp.tables);
    return rc;
}

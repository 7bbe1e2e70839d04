/* Resume files as chunk rows (store_files.h): one statement per chunk, read or written through a
 * buffer of one chunk, so a file's size never decides how much memory it takes. */
#include "store/store_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    SF_OWNED,      /* the resume is the user's */
    SF_NCHUNKS,    /* how many chunks it has */
    SF_CHUNK,      /* one chunk's bytes */
    SF_INSERT,     /* a chunk */
    SF_DELETE,     /* every chunk of a resume */
    SF_STMTS
};
_Static_assert(SF_STMTS == STOREFILES_SLOTS, "store_files.h's STOREFILES_SLOTS counts these statements");

static const char *const SF_SQL[STOREFILES_SLOTS] = {
    [SF_OWNED] = "SELECT 1 FROM resumes WHERE id = ?1 AND user_id = ?2",
    [SF_NCHUNKS] = "SELECT count(*) FROM resume_file_chunks WHERE resume_id = ?1",
    [SF_CHUNK] = "SELECT data FROM resume_file_chunks WHERE resume_id = ?1 AND seq = ?2",
    [SF_INSERT] = "INSERT INTO resume_file_chunks (resume_id, seq, data) VALUES (?1, ?2, ?3)",
    [SF_DELETE] = "DELETE FROM resume_file_chunks WHERE resume_id = ?1",
};

static ig_status prep(sqldb_conn *c, size_t slot0, int which, sqldb_stmt **q, ig_err *err)
{
    return sqldb_prepare(c, slot0 + (size_t)which, SF_SQL[which], q, err);
}

/* The single integer the statement answers; IG_ENOTFOUND when it answers no row. */
static ig_status one_int(sqldb_stmt *q, int64_t *out, ig_err *err)
{
    bool row = false;
    ig_status rc = sqldb_step(q, &row, err);
    if (rc == IG_OK && !row)
        rc = IG_ENOTFOUND;
    if (rc == IG_OK)
        *out = sqldb_column_int64(q, 0);
    sqldb_reset(q);
    return rc;
}

static ig_status chunk_count(sqldb_conn *c, size_t slot0, int64_t resume_id, int64_t *n, ig_err *err)
{
    sqldb_stmt *q = NULL;
    ig_status rc = prep(c, slot0, SF_NCHUNKS, &q, err);
    if (rc != IG_OK)
        return rc;
    sqldb_bind_int64(q, 1, resume_id);
    return one_int(q, n, err);
}

static ig_status check_owner(sqldb_conn *c, size_t slot0, int64_t user_id, int64_t resume_id, ig_err *err)
{
    sqldb_stmt *q = NULL;
    int64_t one = 0;
    ig_status rc = prep(c, slot0, SF_OWNED, &q, err);
    if (rc != IG_OK)
        return rc;
    sqldb_bind_int64(q, 1, resume_id);
    sqldb_bind_int64(q, 2, user_id);
    rc = one_int(q, &one, err);
    if (rc == IG_ENOTFOUND)
        return status_errf(err, IG_ENOTFOUND, "resume %lld not found", (long long)resume_id);
    return rc;
}

/* Fills buf from fd up to cap bytes; *n < cap only at the end of the file. */
static ig_status read_full(int fd, unsigned char *buf, size_t cap, size_t *n, ig_err *err)
{
    *n = 0;
    while (*n < cap) {
        ssize_t r = read(fd, buf + *n, cap - *n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return status_errf(err, IG_EIO, "cannot read the file to store: %s", strerror(errno));
        if (r == 0)
            break;
        *n += (size_t)r;
    }
    return IG_OK;
}

ig_status storefiles_write(sqldb_conn *c, size_t slot0, int64_t resume_id, const char *path, int64_t *size,
                           ig_err *err)
{
    unsigned char *buf = NULL;
    sqldb_stmt *q = NULL;
    int64_t have = 0, total = 0;
    int fd = -1;
    ig_status rc = chunk_count(c, slot0, resume_id, &have, err);
    if (rc == IG_OK && have > 0)
        rc = status_errf(err, IG_ECONFLICT, "resume %lld already has a stored file", (long long)resume_id);
    if (rc != IG_OK)
        goto out;
    if ((buf = malloc(STOREFILES_CHUNK)) == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory storing a file");
        goto out;
    }
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        rc = status_errf(err, IG_EIO, "cannot open the file to store: %s", strerror(errno));
        goto out;
    }
    if ((rc = prep(c, slot0, SF_INSERT, &q, err)) != IG_OK)
        goto out;
    /* an empty file is one empty chunk, so that "stored" and "not stored" stay apart */
    for (int64_t seq = 0;; seq++) {
        size_t n = 0;
        bool row = false;
        if ((rc = read_full(fd, buf, STOREFILES_CHUNK, &n, err)) != IG_OK)
            goto out;
        if (n == 0 && seq > 0)
            break;
        sqldb_bind_int64(q, 1, resume_id);
        sqldb_bind_int64(q, 2, seq);
        sqldb_bind_blob(q, 3, buf, n);
        rc = sqldb_step(q, &row, err);
        sqldb_reset(q);
        if (rc == IG_ENOTFOUND)
            rc = status_errf(err, IG_ENOTFOUND, "resume %lld not found", (long long)resume_id);
        if (rc != IG_OK)
            goto out;
        total += (int64_t)n;
        if (n < STOREFILES_CHUNK)
            break;
    }
    if (size != NULL)
        *size = total;
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return rc;
}

static ig_status delete_chunks(sqldb_conn *c, size_t slot0, int64_t resume_id, ig_err *err)
{
    sqldb_stmt *q = NULL;
    bool row = false;
    ig_status rc = prep(c, slot0, SF_DELETE, &q, err);
    if (rc != IG_OK)
        return rc;
    sqldb_bind_int64(q, 1, resume_id);
    rc = sqldb_step(q, &row, err);
    sqldb_reset(q);
    return rc;
}

/* In one transaction on a connection of its own: the user's resume's chunks deleted, then the file
 * at path written in their place unless path is NULL. */
static ig_status replace_chunks(sqldb_pool *p, size_t slot0, int64_t user_id, int64_t resume_id, const char *path,
                                ig_err *err)
{
    sqldb_conn *c = NULL;
    ig_status rc = sqldb_pool_acquire(p, &c, err);
    if (rc != IG_OK)
        return rc;
    rc = sqldb_begin(c, true, err);
    if (rc == IG_OK)
        rc = check_owner(c, slot0, user_id, resume_id, err);
    if (rc == IG_OK)
        rc = delete_chunks(c, slot0, resume_id, err);
    if (rc == IG_OK && path != NULL)
        rc = storefiles_write(c, slot0, resume_id, path, NULL, err);
    if (rc == IG_OK)
        rc = sqldb_commit(c, err);
    sqldb_rollback(c);
    sqldb_pool_release(p, c);
    return rc;
}

ig_status storefiles_put(sqldb_pool *p, size_t slot0, int64_t user_id, int64_t resume_id, const char *path,
                         ig_err *err)
{
    return replace_chunks(p, slot0, user_id, resume_id, path, err);
}

ig_status storefiles_read(sqldb_pool *p, size_t slot0, int64_t user_id, int64_t resume_id, store_file_sink fn,
                          void *arg, ig_err *err)
{
    sqldb_conn *c = NULL;
    sqldb_stmt *q = NULL;
    int64_t n = 0;
    ig_status rc = sqldb_pool_acquire(p, &c, err);
    if (rc != IG_OK)
        return rc;
    rc = check_owner(c, slot0, user_id, resume_id, err);
    if (rc == IG_OK)
        rc = chunk_count(c, slot0, resume_id, &n, err);
    if (rc == IG_OK && n == 0)
        rc = status_errf(err, IG_ENOTFOUND, "resume %lld has no file in the database", (long long)resume_id);
    if (rc == IG_OK)
        rc = prep(c, slot0, SF_CHUNK, &q, err);
    /* each chunk by its own statement: a result of one row is all the driver buffers */
    for (int64_t seq = 0; rc == IG_OK && seq < n; seq++) {
        bool row = false;
        sqldb_bind_int64(q, 1, resume_id);
        sqldb_bind_int64(q, 2, seq);
        rc = sqldb_step(q, &row, err);
        if (rc == IG_OK && !row)
            rc = status_errf(err, IG_ENOTFOUND, "chunk %lld of resume %lld's file is gone (deleted meanwhile?)",
                             (long long)seq, (long long)resume_id);
        if (rc == IG_OK) {
            size_t len = 0;
            const void *data = sqldb_column_blob(q, 0, &len);
            if (len > STOREFILES_CHUNK)
                rc = status_errf(err, IG_EIO, "chunk %lld of resume %lld's file is %zu bytes, over %d",
                                 (long long)seq, (long long)resume_id, len, STOREFILES_CHUNK);
            else
                rc = fn(arg, data, len, err);
        }
        sqldb_reset(q);
    }
    sqldb_pool_release(p, c);
    return rc;
}

ig_status storefiles_delete(sqldb_pool *p, size_t slot0, int64_t user_id, int64_t resume_id, ig_err *err)
{
    return replace_chunks(p, slot0, user_id, resume_id, NULL, err);
}

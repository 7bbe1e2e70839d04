/* The upload sink: multipart parser → SHA-256 → double-buffered asynchronous writes (uv_fs on the
 * libuv pool). At most UPLOAD_HIGH_WATER bytes wait in memory; above it the connection stops
 * reading until the disk catches up. */
#include "api/upload.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "http/multipart.h"

#define UPLOAD_WRITE_AT (128u * 1024)   /* start a write once this much is buffered */
#define UPLOAD_HIGH_WATER (512u * 1024) /* pause the connection above this */
#define UPLOAD_BUF_MAX (1024u * 1024)   /* hard cap: high water + a read buffer + slack */

struct api_upload {
    uv_loop_t *loop;
    http_exchange *x;         /* NULL once the request is gone */
    multipart_parser mp;
    upload_result res;
    int fd;
    bool in_file;
    bool file_seen;
    crypto_hash_sha256_state sha;
    ig_buf pend;              /* received, not yet handed to a write */
    char *wbuf;               /* being written */
    size_t wlen, woff;
    uv_fs_t req;
    bool writing;
    bool failed;              /* a disk error: the upload cannot succeed */
    bool finishing;
    bool orphaned;            /* the request died while a write was in flight */
    bool claimed;
    void (*done)(void *arg, bool ok);
    void *done_arg;
};

static void upload_free(api_upload *u)
{
    if (u->fd >= 0)
        close(u->fd);
    if (u->res.tmp_path[0] && !u->claimed)
        unlink(u->res.tmp_path);
    buf_free(&u->pend);
    free(u->wbuf);
    free(u);
}

static void on_release(void *arg)
{
    api_upload *u = arg;
    u->x = NULL;
    if (u->writing)
        u->orphaned = true; /* the write callback frees it */
    else
        upload_free(u);
}

static void start_write(api_upload *u);

static void finish_if_ready(api_upload *u)
{
    if (!u->finishing || u->writing || (u->pend.len > 0 && !u->failed))
        return;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&u->sha, digest);
    sodium_bin2hex(u->res.sha256, sizeof u->res.sha256, digest, sizeof digest);
    if (u->fd >= 0) {
        if (close(u->fd) != 0)
            u->failed = true;
        u->fd = -1;
    }
    u->finishing = false;
    if (u->done)
        u->done(u->done_arg, !u->failed);
}

static void on_write(uv_fs_t *req)
{
    api_upload *u = req->data;
    ssize_t n = req->result;
    uv_fs_req_cleanup(req);
    u->writing = false;
    if (u->orphaned) {
        upload_free(u);
        return;
    }
    if (n < 0) {
        u->failed = true;
    } else {
        u->woff += (size_t)n;
        if (u->woff < u->wlen) { /* a short write: the rest */
            u->writing = true;
            uv_buf_t b = uv_buf_init(u->wbuf + u->woff, (unsigned)(u->wlen - u->woff));
            if (uv_fs_write(u->loop, &u->req, u->fd, &b, 1, -1, on_write) == 0)
                return;
            u->writing = false;
            u->failed = true;
        }
    }
    free(u->wbuf);
    u->wbuf = NULL;
    if (!u->failed && (u->pend.len >= UPLOAD_WRITE_AT || (u->finishing && u->pend.len > 0)))
        start_write(u);
    if (u->x && u->pend.len < UPLOAD_HIGH_WATER)
        http_exchange_resume_body(u->x);
    finish_if_ready(u);
}

static void start_write(api_upload *u)
{
    if (u->writing || u->pend.len == 0 || u->fd < 0)
        return;
    u->wbuf = buf_steal(&u->pend, &u->wlen);
    buf_init(&u->pend, UPLOAD_BUF_MAX);
    u->woff = 0;
    u->req.data = u;
    uv_buf_t b = uv_buf_init(u->wbuf, (unsigned)u->wlen);
    if (uv_fs_write(u->loop, &u->req, u->fd, &b, 1, -1, on_write) != 0) {
        u->failed = true;
        return;
    }
    u->writing = true;
}

static ig_status on_part(void *arg, const multipart_part *part)
{
    api_upload *u = arg;
    if (strcmp(part->name, "file") != 0 || u->file_seen)
        return IG_OK; /* other fields are not ours to keep */
    u->file_seen = true;
    u->in_file = true;
    u->res.has_file = true;
    snprintf(u->res.filename, sizeof u->res.filename, "%s", part->filename);
    return IG_OK;
}

static ig_status on_data(void *arg, const char *data, size_t len)
{
    api_upload *u = arg;
    if (!u->in_file)
        return IG_OK;
    if (u->failed)
        return IG_EIO;
    crypto_hash_sha256_update(&u->sha, (const unsigned char *)data, len);
    u->res.size += len;
    ig_status st = buf_append(&u->pend, data, len);
    if (st != IG_OK)
        return st == IG_ETOOBIG ? IG_EIO : st;
    if (u->pend.len >= UPLOAD_WRITE_AT)
        start_write(u);
    if (u->pend.len >= UPLOAD_HIGH_WATER && u->x)
        http_exchange_pause_body(u->x);
    return u->failed ? IG_EIO : IG_OK;
}

static ig_status on_part_end(void *arg)
{
    ((api_upload *)arg)->in_file = false;
    return IG_OK;
}

static ig_status sink(void *arg, const char *data, size_t len)
{
    api_upload *u = arg;
    if (!u->res.multipart)
        return IG_OK; /* not multipart: the handler answers 400; the bytes are dropped */
    ig_err err;
    ig_status st = multipart_feed(&u->mp, data, len, &err);
    return st == IG_ETOOBIG ? IG_EINVAL : st;
}

api_upload *upload_begin(uv_loop_t *loop, http_exchange *x, const char *dir, ig_str content_type)
{
    api_upload *u = calloc(1, sizeof *u);
    if (u == NULL)
        return NULL;
    u->loop = loop;
    u->x = x;
    u->fd = -1;
    buf_init(&u->pend, UPLOAD_BUF_MAX);
    crypto_hash_sha256_init(&u->sha);
    if (pool_cleanup_add(http_exchange_request(x)->pool, on_release, u) != 0) {
        free(u);
        return NULL;
    }
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    if (content_type.p && multipart_boundary(content_type, boundary, sizeof boundary)) {
        static const multipart_callbacks cb = {on_part, on_data, on_part_end};
        multipart_init(&u->mp, boundary, &cb, u);
        u->res.multipart = true;
        char rnd[17];
        unsigned char r[8];
        randombytes_buf(r, sizeof r);
        sodium_bin2hex(rnd, sizeof rnd, r, sizeof r);
        snprintf(u->res.tmp_path, sizeof u->res.tmp_path, "%s/upload-%s.part", dir, rnd);
        /* opened before the first byte so a full disk or a bad UPLOAD_FOLDER fails early */
        u->fd = open(u->res.tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (u->fd < 0) {
            u->res.tmp_path[0] = '\0';
            u->failed = true;
        }
    }
    http_exchange_set_body_sink(x, sink, u);
    return u;
}

void upload_finish(api_upload *u, void (*done)(void *arg, bool ok), void *arg)
{
    u->done = done;
    u->done_arg = arg;
    u->finishing = true;
    if (u->res.multipart && !multipart_done(&u->mp))
        u->res.truncated = true;
    if (!u->failed)
        start_write(u);
    finish_if_ready(u);
}

upload_result *upload_result_get(api_upload *u)
{
    return &u->res;
}

void upload_claim(api_upload *u)
{
    u->claimed = true;
}

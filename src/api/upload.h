/* File uploads: a multipart/form-data body streamed to a temporary file as it arrives (never
 * held whole in memory), hashed (SHA-256) on the way, with backpressure on the connection while
 * the disk catches up. Loop thread only, except the finished result, which handlers read. */
#ifndef IG_API_UPLOAD_H
#define IG_API_UPLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/str.h"
#include "http/server.h"

typedef struct api_upload api_upload;

/* What a handler sees once the body is complete. Owned by the upload, which lives as long as the
 * request; the temporary file is removed with it unless the handler claims it. */
typedef struct upload_result {
    bool multipart;         /* the body was multipart/form-data with a boundary */
    bool has_file;          /* a part named "file" was present */
    bool truncated;         /* the body ended before the closing boundary */
    char filename[256];     /* the file part's filename as sent ("" when empty) */
    char tmp_path[1024];    /* the part's bytes */
    uint64_t size;
    char sha256[65];        /* lower-case hex */
} upload_result;

/* Starts streaming x's body into a temporary file under dir (which must exist). Called from the
 * body_limit callback; the upload is released with the request's pool. NULL when out of memory. */
api_upload *upload_begin(uv_loop_t *loop, http_exchange *x, const char *dir, ig_str content_type);
/* Once the request is complete: flushes what is buffered, then calls done on the loop with
 * ok = false when the disk failed. */
void upload_finish(api_upload *u, void (*done)(void *arg, bool ok), void *arg);
upload_result *upload_result_get(api_upload *u);
/* The handler has moved or deleted the temporary file: do not remove it. */
void upload_claim(api_upload *u);

#endif

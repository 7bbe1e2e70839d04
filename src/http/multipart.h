/* Streaming multipart/form-data parser (RFC 7578): fed the body in arbitrary chunks, it reports
 * each part's headers and data without holding the body in memory. Explicit lengths, capped part
 * headers, and no allocation after init. */
#ifndef IG_HTTP_MULTIPART_H
#define IG_HTTP_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"
#include "core/str.h"

#define MULTIPART_BOUNDARY_MAX 70   /* RFC 2046 */
#define MULTIPART_HEADERS_MAX 8192  /* all headers of one part */
#define MULTIPART_NAME_MAX 255

typedef struct multipart_part {
    char name[MULTIPART_NAME_MAX + 1];      /* form field name */
    char filename[MULTIPART_NAME_MAX + 1];  /* as sent, "" when none */
    bool has_filename;
    char content_type[128];
} multipart_part;

typedef struct multipart_callbacks {
    /* A part begins; return non-OK to stop parsing with that status. */
    ig_status (*on_part)(void *arg, const multipart_part *part);
    ig_status (*on_data)(void *arg, const char *data, size_t len);
    ig_status (*on_part_end)(void *arg);
} multipart_callbacks;

typedef struct multipart_parser {
    multipart_callbacks cb;
    void *arg;
    int state;
    char delim[MULTIPART_BOUNDARY_MAX + 4]; /* "\r\n--" + boundary */
    size_t delim_len;
    size_t match;                           /* bytes of delim matched so far */
    char hdr[MULTIPART_HEADERS_MAX];
    size_t hdr_len;
    multipart_part part;
    bool done;
} multipart_parser;

/* Extracts the boundary parameter of a multipart/form-data Content-Type; false when the type is
 * not multipart/form-data or the boundary is missing or invalid. */
bool multipart_boundary(ig_str content_type, char *out, size_t cap);

void multipart_init(multipart_parser *p, const char *boundary, const multipart_callbacks *cb, void *arg);
/* Feeds len bytes. IG_EINVAL on malformed input (the message says why), or the first non-OK
 * status a callback returned. */
ig_status multipart_feed(multipart_parser *p, const char *data, size_t len, ig_err *err);
/* True once the closing delimiter has been seen. Call at the end of the body: a body that ends
 * before it is truncated. */
bool multipart_done(const multipart_parser *p);

#endif

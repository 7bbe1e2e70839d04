/* Capped dynamic byte buffer (curl's dynbuf idea): grows geometrically up to a hard maximum and
 * refuses, with IG_ETOOBIG, to grow past it. The owner calls buf_free. */
#ifndef IG_CORE_BUF_H
#define IG_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/status.h"

typedef struct ig_buf {
    char *p;    /* owned; always NUL-terminated when non-NULL (not counted in len) */
    size_t len;
    size_t cap;
    size_t max; /* hard cap on len */
} ig_buf;

void buf_init(ig_buf *b, size_t max);
void buf_free(ig_buf *b);
void buf_reset(ig_buf *b);
ig_status buf_append(ig_buf *b, const void *data, size_t n);
ig_status buf_appendf(ig_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
ig_status buf_vappendf(ig_buf *b, const char *fmt, va_list ap);
/* Removes the first n bytes (consumed input). */
void buf_consume(ig_buf *b, size_t n);
/* Hands the storage to the caller (who frees it) and leaves b empty. */
char *buf_steal(ig_buf *b, size_t *len);

#endif

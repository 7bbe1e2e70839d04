/* Capped dynamic buffer. */
#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(ig_buf *b, size_t max)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void buf_free(ig_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void buf_reset(ig_buf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}

static ig_status buf_reserve(ig_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return IG_ETOOBIG;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return IG_OK;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < need)
        ncap *= 2;
    if (ncap > b->max + 1)
        ncap = b->max + 1;
    char *np = realloc(b->p, ncap);
    if (np == NULL)
        return IG_ENOMEM;
    b->p = np;
    b->cap = ncap;
    return IG_OK;
}

ig_status buf_append(ig_buf *b, const void *data, size_t n)
{
    ig_status st = buf_reserve(b, n);
    if (st != IG_OK)
        return st;
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return IG_OK;
}

ig_status buf_vappendf(ig_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return IG_EINVAL;
    ig_status st = buf_reserve(b, (size_t)n);
    if (st != IG_OK)
        return st;
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return IG_OK;
}

ig_status buf_appendf(ig_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ig_status st = buf_vappendf(b, fmt, ap);
    va_end(ap);
    return st;
}

void buf_consume(ig_buf *b, size_t n)
{
    if (n >= b->len) {
        buf_reset(b);
        return;
    }
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
    b->p[b->len] = '\0';
}

char *buf_steal(ig_buf *b, size_t *len)
{
    char *p = b->p;
    if (len)
        *len = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

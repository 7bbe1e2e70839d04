/* Chunked bump allocator with cleanup hooks. Big requests get a chunk of their own. */
#include "core/pool.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL_CHUNK 4096
#define POOL_ALIGN 16

typedef struct pool_chunk {
    struct pool_chunk *next;
    size_t used, size;
    _Alignas(POOL_ALIGN) unsigned char data[];
} pool_chunk;

typedef struct pool_cleanup {
    struct pool_cleanup *next;
    pool_cleanup_fn fn;
    void *arg;
} pool_cleanup;

struct ig_pool {
    pool_chunk *chunks;
    pool_cleanup *cleanups;
};

ig_pool *pool_create(void)
{
    return calloc(1, sizeof(ig_pool));
}

void pool_destroy(ig_pool *pool)
{
    if (pool == NULL)
        return;
    for (pool_cleanup *c = pool->cleanups; c; c = c->next)
        c->fn(c->arg);
    pool_chunk *ch = pool->chunks;
    while (ch) {
        pool_chunk *next = ch->next;
        free(ch);
        ch = next;
    }
    free(pool);
}

void *pool_alloc(ig_pool *pool, size_t n)
{
    size_t need = (n + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1);
    if (need < n)
        return NULL;
    pool_chunk *ch = pool->chunks;
    if (ch == NULL || ch->size - ch->used < need) {
        size_t size = need > POOL_CHUNK / 2 ? need : POOL_CHUNK;
        if (size > SIZE_MAX - sizeof(pool_chunk))
            return NULL;
        pool_chunk *nch = malloc(sizeof(pool_chunk) + size);
        if (nch == NULL)
            return NULL;
        nch->used = 0;
        nch->size = size;
        if (size == need && ch != NULL) {
            /* a big one-off block: keep the current chunk as the bump target */
            nch->next = ch->next;
            ch->next = nch;
        } else {
            nch->next = ch;
            pool->chunks = nch;
        }
        ch = nch;
    }
    void *p = ch->data + ch->used;
    ch->used += need;
    return p;
}

void *pool_calloc(ig_pool *pool, size_t n)
{
    void *p = pool_alloc(pool, n);
    if (p)
        memset(p, 0, n);
    return p;
}

char *pool_strndup(ig_pool *pool, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *p = pool_alloc(pool, n + 1);
    if (p == NULL)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *pool_strdup(ig_pool *pool, const char *s)
{
    return pool_strndup(pool, s, strlen(s));
}

char *pool_printf(ig_pool *pool, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = NULL;
    if (n >= 0 && (p = pool_alloc(pool, (size_t)n + 1)) != NULL)
        vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

int pool_cleanup_add(ig_pool *pool, pool_cleanup_fn fn, void *arg)
{
    pool_cleanup *c = pool_alloc(pool, sizeof *c);
    if (c == NULL)
        return -1;
    c->fn = fn;
    c->arg = arg;
    c->next = pool->cleanups;
    pool->cleanups = c;
    return 0;
}

/* Request-scoped memory (h2o's mem pool, nginx's cleanup hooks): everything allocated from a pool
 * is released at once by pool_destroy, after the registered cleanup hooks run in reverse order.
 * A pool is used by one thread at a time. */
#ifndef IG_CORE_POOL_H
#define IG_CORE_POOL_H

#include <stddef.h>

#include "core/str.h"

typedef struct ig_pool ig_pool;
typedef void (*pool_cleanup_fn)(void *arg);

ig_pool *pool_create(void);
void pool_destroy(ig_pool *pool);
/* 16-byte aligned; NULL on allocation failure. */
void *pool_alloc(ig_pool *pool, size_t n);
void *pool_calloc(ig_pool *pool, size_t n);
/* Copies n bytes and NUL-terminates. */
char *pool_strndup(ig_pool *pool, const char *s, size_t n);
char *pool_strdup(ig_pool *pool, const char *s);
char *pool_printf(ig_pool *pool, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Runs fn(arg) when the pool is destroyed; returns -1 on allocation failure. */
int pool_cleanup_add(ig_pool *pool, pool_cleanup_fn fn, void *arg);

#endif

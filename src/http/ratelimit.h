/* Rate limits with Flask-Limiter's fixed-window semantics: a rule ("100 per hour"), a backend
 * interface (in-memory here; Redis in store/redis_ratelimit.h) and the X-RateLimit-* response headers. */
#ifndef IG_HTTP_RATELIMIT_H
#define IG_HTTP_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/* At most this many requests per window of window_s seconds. */
typedef struct ratelimit_rule {
    uint64_t count;    /* >= 1 */
    uint64_t window_s; /* >= 1, at most RATELIMIT_WINDOW_MAX */
} ratelimit_rule;

#define RATELIMIT_COUNT_MAX 1000000000ULL  /* a larger count is a typo, not a limit */
#define RATELIMIT_WINDOW_MAX 315360000ULL  /* ten years */
#define RATELIMIT_KEY_MAX 1024             /* longest key a backend accepts */
#define RATELIMIT_HEADERS_MAX 192          /* room ratelimit_headers ever needs, NUL included */

/* Parses Flask-Limiter's notation: "<count> per [<n>] <unit>" or "<count>/[<n>]<unit>", where unit is
 * second, minute, hour, day, month (30 days) or year (365 days), singular or plural, any case; spaces
 * around the parts are allowed. E.g. "100 per hour", "100/hour", "5 per 30 seconds", "1000/day".
 * spec need not be NUL-terminated and may hold any bytes. IG_EINVAL with a reason otherwise. */
ig_status ratelimit_parse(const char *spec, size_t len, ratelimit_rule *out, ig_err *err);

/* The decision for one request. */
typedef struct ratelimit_result {
    bool allowed;
    uint64_t limit;      /* the rule's count */
    uint64_t remaining;  /* requests left in this window after this one */
    int64_t reset_at;    /* unix seconds when the current window ends */
    int64_t retry_after; /* seconds until a request can succeed: >= 1 when !allowed, else 0 */
} ratelimit_result;

/* A store of counters. Every function is safe to call from any thread at the same time.
 * hit: counts one request for key under rule at now_ms (unix milliseconds) and fills out. A request
 *   over the limit is not an error: hit returns IG_OK with out->allowed false (and does not count
 *   it). Errors (IG_EINVAL: empty key, key over RATELIMIT_KEY_MAX, bad rule, negative now_ms;
 *   IG_ENOMEM; IG_EIO for a remote store) leave the decision to the caller, who should let the
 *   request through rather than fail every request while the store is sick.
 * sweep: drops counters whose window ended by now_ms (call it from a periodic timer).
 * count: how many keys are held (a metrics gauge); may be NULL for remote stores.
 * destroy: frees self; the backend must not be used afterwards.
 * blocking: hit waits on the network (a remote store): never call it on the event loop. */
typedef struct ratelimit_backend {
    ig_status (*hit)(void *self, const char *key, size_t keylen, const ratelimit_rule *rule,
                     int64_t now_ms, ratelimit_result *out);
    void (*sweep)(void *self, int64_t now_ms);
    size_t (*count)(void *self);
    void (*destroy)(void *self);
    void *self;
    bool blocking;
} ratelimit_backend;

/* Creates the in-process backend holding at most max_keys counters (1 .. 2^24). Expired counters
 * are dropped by sweep and lazily on the hash chains a hit walks. When a new key arrives and the
 * table is full, expired counters among the 32 least recently hit are reclaimed; if none were
 * expired, the least recently hit key is evicted and its count restarts at zero. Failing closed
 * instead would let one client flooding distinct keys lock every client out, so bounded memory is
 * paid for by such a flood resetting the coldest counters; the scan is bounded (no full sweep on
 * the request path) so the flood costs O(1) per request. Keys are hashed with a per-table random
 * SipHash key so clients cannot aim collisions at one bucket. out is filled on IG_OK; free it with
 * ratelimit_destroy. */
ig_status ratelimit_memory_new(size_t max_keys, ratelimit_backend *out, ig_err *err);

/* Shorthands for the backend's functions. */
ig_status ratelimit_hit(const ratelimit_backend *b, const char *key, size_t keylen,
                        const ratelimit_rule *rule, int64_t now_ms, ratelimit_result *out);
void ratelimit_sweep(const ratelimit_backend *b, int64_t now_ms);
/* 0 when the backend does not count. */
size_t ratelimit_count(const ratelimit_backend *b);
/* Frees the backend and clears *b; safe on a zeroed or already destroyed backend. */
void ratelimit_destroy(ratelimit_backend *b);

/* Writes "X-RateLimit-Limit: L\r\nX-RateLimit-Remaining: R\r\nX-RateLimit-Reset: T\r\n" (T in unix
 * seconds), plus "Retry-After: N\r\n" when the request was refused, NUL-terminated into buf.
 * Returns the length written, or 0 (buf emptied when cap > 0) when cap is too small;
 * RATELIMIT_HEADERS_MAX is always enough. */
size_t ratelimit_headers(const ratelimit_result *r, char *buf, size_t cap);

#endif

/* Fixed-window counters in Redis with an in-memory fallback while Redis is down. */
#include "store/redis_ratelimit.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_PREFIX_MAX 80
#define EXPIRE_GRACE_MS 1000

/* KEYS: counter. ARGV: limit, expiry (unix ms). Returns {allowed, used}. */
static const char SCRIPT_HIT[] =
    "local used = tonumber(redis.call('GET', KEYS[1]) or '0') "
    "if used >= tonumber(ARGV[1]) then return {0, used} end "
    "used = redis.call('INCR', KEYS[1]) "
    "if used == 1 then redis.call('PEXPIREAT', KEYS[1], ARGV[2]) end "
    "return {1, used}";

typedef struct rl_redis {
    redis_pool *pool;
    const ig_log *log;
    ratelimit_backend fallback;
    atomic_bool down;
} rl_redis;

static void fill(const ratelimit_rule *rule, int64_t now_ms, int64_t end, bool allowed, uint64_t used,
                 ratelimit_result *out)
{
    out->limit = rule->count;
    out->reset_at = end;
    out->allowed = allowed;
    if (allowed) {
        out->remaining = used < rule->count ? rule->count - used : 0;
        out->retry_after = 0;
        return;
    }
    int64_t now_s = now_ms / 1000;
    int64_t wait_ms = (end - now_s) * 1000 - now_ms % 1000;
    out->remaining = 0;
    out->retry_after = (wait_ms + 999) / 1000;
    if (out->retry_after < 1)
        out->retry_after = 1;
}

/* Asks Redis; IG_EUNAVAIL / IG_EIO when it cannot answer. */
static ig_status remote_hit(rl_redis *r, const char *key, size_t keylen, const ratelimit_rule *rule,
                            int64_t now_ms, ratelimit_result *out, ig_err *err)
{
    int64_t now_s = now_ms / 1000;
    int64_t win = (int64_t)rule->window_s;
    int64_t start = now_s - now_s % win;
    int64_t end = start + win;
    char *rk = malloc(KEY_PREFIX_MAX + keylen);
    if (rk == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");
    int pn = snprintf(rk, KEY_PREFIX_MAX, "ig:rl:%llu/%lld:%lld:", (unsigned long long)rule->count,
                      (long long)win, (long long)start);
    memcpy(rk + pn, key, keylen);
    char limit[24], expire[24];
    snprintf(limit, sizeof limit, "%llu", (unsigned long long)rule->count);
    snprintf(expire, sizeof expire, "%lld", (long long)(end * 1000 + EXPIRE_GRACE_MS));
    const char *a[3] = {rk, limit, expire};
    size_t l[3] = {(size_t)pn + keylen, strlen(limit), strlen(expire)};
    redisReply *rep = NULL;
    ig_status st = redis_eval(r->pool, SCRIPT_HIT, 1, 3, a, l, &rep, err);
    free(rk);
    if (st != IG_OK)
        return st;
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 || rep->element[0]->type != REDIS_REPLY_INTEGER ||
        rep->element[1]->type != REDIS_REPLY_INTEGER || rep->element[1]->integer < 0)
        st = status_errf(err, IG_EIO, "unexpected reply from the redis rate limit script");
    else
        fill(rule, now_ms, end, rep->element[0]->integer == 1, (uint64_t)rep->element[1]->integer, out);
    freeReplyObject(rep);
    return st;
}

static ig_status rr_hit(void *self, const char *key, size_t keylen, const ratelimit_rule *rule, int64_t now_ms,
                        ratelimit_result *out)
{
    rl_redis *r = self;
    if (key == NULL || keylen == 0 || keylen > RATELIMIT_KEY_MAX || rule == NULL || rule->count == 0 ||
        rule->count > RATELIMIT_COUNT_MAX || rule->window_s == 0 || rule->window_s > RATELIMIT_WINDOW_MAX ||
        now_ms < 0)
        return IG_EINVAL;
    ig_err err = {0};
    ig_status st = remote_hit(r, key, keylen, rule, now_ms, out, &err);
    if (st == IG_OK) {
        /* at the outage's level, so that whoever saw it begin sees it end */
        if (atomic_exchange(&r->down, false))
            log_printf(r->log, IG_LOG_WARN, "redis_ratelimit_restored", "rate limits are shared through redis again");
        return IG_OK;
    }
    if (st != IG_EUNAVAIL && st != IG_EIO)
        return st;
    if (!atomic_exchange(&r->down, true))
        log_printf(r->log, IG_LOG_WARN, "redis_ratelimit_degraded",
                   "rate limits are counted per instance until redis answers again: %s", err.msg);
    return ratelimit_hit(&r->fallback, key, keylen, rule, now_ms, out);
}

static void rr_sweep(void *self, int64_t now_ms)
{
    rl_redis *r = self;
    ratelimit_sweep(&r->fallback, now_ms);
}

static size_t rr_count(void *self)
{
    rl_redis *r = self;
    return ratelimit_count(&r->fallback);
}

static void rr_destroy(void *self)
{
    rl_redis *r = self;
    if (r == NULL)
        return;
    ratelimit_destroy(&r->fallback);
    free(r);
}

ig_status redis_ratelimit_new(redis_pool *p, const ig_log *log, size_t fallback_keys, ratelimit_backend *out,
                              ig_err *err)
{
    rl_redis *r = calloc(1, sizeof *r);
    if (r == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory for the rate limiter");
    ig_status st = ratelimit_memory_new(fallback_keys, &r->fallback, err);
    if (st != IG_OK) {
        free(r);
        return st;
    }
    r->pool = p;
    r->log = log;
    atomic_init(&r->down, false);
    *out = (ratelimit_backend){.hit = rr_hit,
                               .sweep = rr_sweep,
                               .count = rr_count,
                               .destroy = rr_destroy,
                               .self = r,
                               .blocking = true};
    return IG_OK;
}

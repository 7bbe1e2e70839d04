/* Fixed-window rate limiting: the rule parser, the in-memory counter table (SipHash buckets plus an
 * LRU list, one mutex) and the response headers. */
#include "http/ratelimit.h"

#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RL_MAX_KEYS (1u << 24)
/* Entries examined from the cold end of the LRU list when the table is full: bounded, so a flood
 * of new keys costs O(1) per request instead of a sweep of the whole table. */
#define RL_EVICT_SCAN 32

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Reads a decimal of at most 10 digits at s[*i]; false when there is none or it is longer. */
static bool read_number(const char *s, size_t len, size_t *i, uint64_t *out)
{
    size_t start = *i;
    uint64_t v = 0;
    while (*i < len && is_digit(s[*i])) {
        if (*i - start >= 10)
            return false;
        v = v * 10 + (uint64_t)(s[*i] - '0');
        (*i)++;
    }
    *out = v;
    return *i > start;
}

static size_t skip_spaces(const char *s, size_t len, size_t i)
{
    while (i < len && is_space(s[i]))
        i++;
    return i;
}

static bool word_is(const char *w, size_t n, const char *name)
{
    size_t m = strlen(name);
    if (n == m + 1 && (w[m] == 's' || w[m] == 'S'))
        n = m;
    if (n != m)
        return false;
    for (size_t k = 0; k < m; k++) {
        char c = w[k];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != name[k])
            return false;
    }
    return true;
}

ig_status ratelimit_parse(const char *spec, size_t len, ratelimit_rule *out, ig_err *err)
{
    static const struct {
        const char *name;
        uint64_t seconds;
    } units[] = {
        {"second", 1},       {"minute", 60},         {"hour", 3600},
        {"day", 86400},      {"month", 30 * 86400},  {"year", 365 * 86400},
    };
    if (spec == NULL)
        return status_errf(err, IG_EINVAL, "rate limit is missing");
    size_t i = skip_spaces(spec, len, 0);
    uint64_t count, mult = 1;
    if (!read_number(spec, len, &i, &count) || count == 0 || count > RATELIMIT_COUNT_MAX)
        return status_errf(err, IG_EINVAL, "rate limit must start with a count from 1 to %llu",
                           RATELIMIT_COUNT_MAX);
    size_t after_count = i;
    i = skip_spaces(spec, len, i);
    if (i < len && spec[i] == '/') {
        i = skip_spaces(spec, len, i + 1);
    } else if (i > after_count && len - i > 3 && word_is(spec + i, 3, "per") && is_space(spec[i + 3])) {
        i = skip_spaces(spec, len, i + 3);
    } else {
        return status_errf(err, IG_EINVAL, "rate limit needs 'per' or '/' after the count");
    }
    if (i < len && is_digit(spec[i])) {
        if (!read_number(spec, len, &i, &mult) || mult == 0)
            return status_errf(err, IG_EINVAL, "rate limit window multiplier must be from 1 to 9999999999");
        i = skip_spaces(spec, len, i);
    }
    size_t w = i;
    while (i < len && is_alpha(spec[i]))
        i++;
    uint64_t unit = 0;
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
        if (word_is(spec + w, i - w, units[k].name))
            unit = units[k].seconds;
    }
    if (unit == 0)
        return status_errf(err, IG_EINVAL,
                           "rate limit unit must be second, minute, hour, day, month or year");
    if (skip_spaces(spec, len, i) != len)
        return status_errf(err, IG_EINVAL, "unexpected characters after the rate limit unit");
    if (mult > RATELIMIT_WINDOW_MAX / unit)
        return status_errf(err, IG_EINVAL, "rate limit window is longer than ten years");
    out->count = count;
    out->window_s = mult * unit;
    return IG_OK;
}

typedef struct rl_entry {
    struct rl_entry *hnext;      /* bucket chain */
    struct rl_entry *prev, *next; /* LRU list: head is the least recently hit */
    uint64_t hash;
    int64_t window_start; /* unix seconds */
    int64_t window_end;
    uint64_t used;
    size_t keylen;
    char key[];
} rl_entry;

typedef struct rl_memory {
    pthread_mutex_t mu;
    rl_entry **buckets;
    size_t mask;
    size_t n;
    size_t max;
    rl_entry *head, *tail;
    unsigned char hkey[crypto_shorthash_KEYBYTES];
} rl_memory;

static void lru_unlink(rl_memory *m, rl_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        m->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        m->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push_tail(rl_memory *m, rl_entry *e)
{
    e->prev = m->tail;
    e->next = NULL;
    if (m->tail)
        m->tail->next = e;
    else
        m->head = e;
    m->tail = e;
}

/* Unlinks e from its bucket and the LRU list and frees it. */
static void entry_remove(rl_memory *m, rl_entry *e)
{
    rl_entry **pp = &m->buckets[e->hash & m->mask];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    lru_unlink(m, e);
    free(e);
    m->n--;
}

static void sweep_locked(rl_memory *m, int64_t now_s)
{
    for (size_t b = 0; b <= m->mask; b++) {
        rl_entry **pp = &m->buckets[b];
        while (*pp) {
            rl_entry *e = *pp;
            if (e->window_end <= now_s) {
                *pp = e->hnext;
                lru_unlink(m, e);
                free(e);
                m->n--;
            } else {
                pp = &e->hnext;
            }
        }
    }
}

/* Makes room for one entry: expired entries near the cold end first, else the coldest one. */
static void make_room(rl_memory *m, int64_t now_s)
{
    size_t freed = 0;
    rl_entry *e = m->head;
    for (int k = 0; k < RL_EVICT_SCAN && e != NULL; k++) {
        rl_entry *nx = e->next;
        if (e->window_end <= now_s) {
            entry_remove(m, e);
            freed++;
        }
        e = nx;
    }
    if (freed == 0 && m->head != NULL)
        entry_remove(m, m->head);
}

static uint64_t key_hash(const rl_memory *m, const char *key, size_t keylen)
{
    unsigned char h[crypto_shorthash_BYTES];
    uint64_t v;
    crypto_shorthash(h, (const unsigned char *)key, keylen, m->hkey);
    memcpy(&v, h, sizeof v);
    return v;
}

static ig_status mem_hit(void *self, const char *key, size_t keylen, const ratelimit_rule *rule,
                         int64_t now_ms, ratelimit_result *out)
{
    rl_memory *m = self;
    if (key == NULL || keylen == 0 || keylen > RATELIMIT_KEY_MAX || rule == NULL || rule->count == 0 ||
        rule->window_s == 0 || rule->window_s > RATELIMIT_WINDOW_MAX || now_ms < 0)
        return IG_EINVAL;

    int64_t now_s = now_ms / 1000;
    int64_t win = (int64_t)rule->window_s;
    int64_t start = now_s - now_s % win;
    int64_t end = start + win;
    uint64_t h = key_hash(m, key, keylen);
    ig_status st = IG_OK;

    pthread_mutex_lock(&m->mu);
    rl_entry *found = NULL;
    rl_entry **pp = &m->buckets[h & m->mask];
    while (*pp) {
        rl_entry *e = *pp;
        if (e->hash == h && e->keylen == keylen && memcmp(e->key, key, keylen) == 0) {
            found = e;
            break;
        }
        if (e->window_end <= now_s) {
            /* Lazy reclaim: expired neighbours on the chain we walk anyway. */
            *pp = e->hnext;
            lru_unlink(m, e);
            free(e);
            m->n--;
        } else {
            pp = &e->hnext;
        }
    }
    if (found == NULL) {
        if (m->n >= m->max)
            make_room(m, now_s);
        found = malloc(sizeof *found + keylen);
        if (found == NULL) {
            st = IG_ENOMEM;
            goto out;
        }
        memcpy(found->key, key, keylen);
        found->keylen = keylen;
        found->hash = h;
        found->window_start = start;
        found->window_end = end;
        found->used = 0;
        found->hnext = m->buckets[h & m->mask];
        m->buckets[h & m->mask] = found;
        found->prev = found->next = NULL;
        lru_push_tail(m, found);
        m->n++;
    } else {
        lru_unlink(m, found);
        lru_push_tail(m, found);
    }
    if (found->window_start != start || found->window_end != end) {
        found->window_start = start;
        found->window_end = end;
        found->used = 0;
    }
    out->limit = rule->count;
    out->reset_at = end;
    if (found->used < rule->count) {
        found->used++;
        out->allowed = true;
        out->remaining = rule->count - found->used;
        out->retry_after = 0;
    } else {
        int64_t wait_ms = (end - now_s) * 1000 - now_ms % 1000;
        out->allowed = false;
        out->remaining = 0;
        out->retry_after = (wait_ms + 999) / 1000;
        if (out->retry_after < 1)
            out->retry_after = 1;
    }
out:
    pthread_mutex_unlock(&m->mu);
    return st;
}

static void mem_sweep(void *self, int64_t now_ms)
{
    rl_memory *m = self;
    pthread_mutex_lock(&m->mu);
    sweep_locked(m, now_ms / 1000);
    pthread_mutex_unlock(&m->mu);
}

static size_t mem_count(void *self)
{
    rl_memory *m = self;
    pthread_mutex_lock(&m->mu);
    size_t n = m->n;
    pthread_mutex_unlock(&m->mu);
    return n;
}

static void mem_destroy(void *self)
{
    rl_memory *m = self;
    if (m == NULL)
        return;
    rl_entry *e = m->head;
    while (e) {
        rl_entry *nx = e->next;
        free(e);
        e = nx;
    }
    free(m->buckets);
    pthread_mutex_destroy(&m->mu);
    sodium_memzero(m->hkey, sizeof m->hkey);
    free(m);
}

ig_status ratelimit_memory_new(size_t max_keys, ratelimit_backend *out, ig_err *err)
{
    ig_status st = IG_OK;
    rl_memory *m = NULL;
    if (max_keys == 0 || max_keys > RL_MAX_KEYS)
        return status_errf(err, IG_EINVAL, "rate limit table size must be from 1 to %u", RL_MAX_KEYS);
    if (sodium_init() < 0)
        return status_errf(err, IG_EINTERNAL, "libsodium failed to initialise");
    m = calloc(1, sizeof *m);
    if (m == NULL) {
        st = status_errf(err, IG_ENOMEM, "out of memory for the rate limit table");
        goto out;
    }
    size_t nb = 16;
    while (nb < max_keys)
        nb *= 2;
    m->buckets = calloc(nb, sizeof *m->buckets);
    if (m->buckets == NULL) {
        st = status_errf(err, IG_ENOMEM, "out of memory for the rate limit table");
        goto out;
    }
    if (pthread_mutex_init(&m->mu, NULL) != 0) {
        st = status_errf(err, IG_EINTERNAL, "cannot create the rate limit mutex");
        goto out;
    }
    m->mask = nb - 1;
    m->max = max_keys;
    crypto_shorthash_keygen(m->hkey);
    *out = (ratelimit_backend){
        .hit = mem_hit, .sweep = mem_sweep, .count = mem_count, .destroy = mem_destroy, .self = m};
    m = NULL;
out:
    if (m != NULL) {
        free(m->buckets);
        free(m);
    }
    return st;
}

ig_status ratelimit_hit(const ratelimit_backend *b, const char *key, size_t keylen,
                        const ratelimit_rule *rule, int64_t now_ms, ratelimit_result *out)
{
    return b->hit(b->self, key, keylen, rule, now_ms, out);
}

void ratelimit_sweep(const ratelimit_backend *b, int64_t now_ms)
{
    if (b->sweep)
        b->sweep(b->self, now_ms);
}

size_t ratelimit_count(const ratelimit_backend *b)
{
    return b->count ? b->count(b->self) : 0;
}

void ratelimit_destroy(ratelimit_backend *b)
{
    if (b->destroy)
        b->destroy(b->self);
    *b = (ratelimit_backend){0};
}

size_t ratelimit_headers(const ratelimit_result *r, char *buf, size_t cap)
{
    int n = snprintf(buf, cap,
                     "X-RateLimit-Limit: %" PRIu64 "\r\nX-RateLimit-Remaining: %" PRIu64
                     "\r\nX-RateLimit-Reset: %" PRId64 "\r\n",
                     r->limit, r->remaining, r->reset_at);
    if (n < 0 || (size_t)n >= cap)
        goto too_small;
    if (!r->allowed) {
        int m = snprintf(buf + n, cap - (size_t)n, "Retry-After: %" PRId64 "\r\n", r->retry_after);
        if (m < 0 || (size_t)m >= cap - (size_t)n)
            goto too_small;
        n += m;
    }
    return (size_t)n;
too_small:
    if (cap > 0)
        buf[0] = '\0';
    return 0;
}

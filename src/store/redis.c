/* REDIS_URL parsing and a locked pool of blocking hiredis connections. A connection is checked for
 * a close by the server (a Redis restart) before each use, and a failed dial or command makes the
 * pool refuse at once for a short, growing backoff, so threads do not queue behind timeouts. */
#include "store/redis.h"

#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/str.h"

#define URL_MAX 4096
#define DB_MAX 1000000
#define POOL_MAX 64
#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 1000
#define EVAL_ARGS_MAX 16

/* ---- URL ---- */

/* Percent-decodes s[0..n) into out (cap bytes, NUL-terminated). False on a bad escape, an encoded
 * NUL or when the result does not fit. */
static bool pct_decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '%') {
            if (n - i < 3)
                return false;
            int hi = str_hexval(s[i + 1]), lo = str_hexval(s[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return false;
            ch = (char)(hi * 16 + lo);
            i += 2;
        }
        if (k + 1 >= cap)
            return false;
        out[k++] = ch;
    }
    out[k] = '\0';
    return true;
}

static bool parse_uint(const char *s, size_t n, long max, long *out)
{
    if (n == 0 || n > 10)
        return false;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

static bool host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == '_';
}

/* user:password (either may be empty, not both missing a colon) into out. */
static ig_status parse_userinfo(const char *s, size_t n, redis_endpoint *out, ig_err *err)
{
    const char *colon = memchr(s, ':', n);
    if (colon == NULL)
        return status_errf(err, IG_EINVAL,
                           "REDIS_URL has a user name but no password (write redis://:PASSWORD@host for a "
                           "password alone)");
    size_t ulen = (size_t)(colon - s);
    if (!pct_decode(s, ulen, out->username, sizeof out->username))
        return status_errf(err, IG_EINVAL, "REDIS_URL user name is badly escaped or too long");
    if (!pct_decode(colon + 1, n - ulen - 1, out->password, sizeof out->password))
        return status_errf(err, IG_EINVAL, "REDIS_URL password is badly escaped or too long");
    if (out->password[0] == '\0')
        return status_errf(err, IG_EINVAL, "REDIS_URL has an empty password");
    return IG_OK;
}

static ig_status parse_hostport(const char *s, size_t n, redis_endpoint *out, ig_err *err)
{
    const char *host = s;
    size_t hlen;
    const char *rest;
    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (close == NULL)
            return status_errf(err, IG_EINVAL, "REDIS_URL has an unclosed [IPv6] host");
        host = s + 1;
        hlen = (size_t)(close - host);
        if (hlen == 0)
            return status_errf(err, IG_EINVAL, "REDIS_URL has an empty [IPv6] host");
        for (size_t i = 0; i < hlen; i++) {
            char c = host[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
                  c == '.'))
                return status_errf(err, IG_EINVAL, "REDIS_URL has a bad IPv6 host");
        }
        rest = close + 1;
    } else {
        const char *colon = memchr(s, ':', n);
        hlen = colon ? (size_t)(colon - s) : n;
        for (size_t i = 0; i < hlen; i++)
            if (!host_char(s[i]))
                return status_errf(err, IG_EINVAL, "REDIS_URL host has a character hosts cannot have");
        rest = s + hlen;
    }
    size_t rlen = n - (size_t)(rest - s);
    if (hlen + 1 > sizeof out->host)
        return status_errf(err, IG_EINVAL, "REDIS_URL host is too long");
    if (hlen == 0)
        memcpy(out->host, "localhost", sizeof "localhost");
    else {
        memcpy(out->host, host, hlen);
        out->host[hlen] = '\0';
    }
    if (rlen > 0) {
        long port;
        if (rest[0] != ':' || !parse_uint(rest + 1, rlen - 1, 65535, &port) || port == 0)
            return status_errf(err, IG_EINVAL, "REDIS_URL port must be a number from 1 to 65535");
        out->port = (int)port;
    }
    return IG_OK;
}

/* The query: db=N only; *seen tells whether it was given. */
static ig_status parse_query(const char *s, size_t n, redis_endpoint *out, bool *seen, ig_err *err)
{
    size_t i = 0;
    while (i < n) {
        const char *amp = memchr(s + i, '&', n - i);
        size_t end = amp ? (size_t)(amp - s) : n;
        const char *p = s + i;
        size_t plen = end - i;
        if (plen > 0) {
            if (plen < 3 || memcmp(p, "db=", 3) != 0)
                return status_errf(err, IG_EINVAL, "REDIS_URL parameters: only db=N is understood");
            long db;
            if (*seen || !parse_uint(p + 3, plen - 3, DB_MAX, &db))
                return status_errf(err, IG_EINVAL, "REDIS_URL database must be given once, a number from 0 to %d",
                                   DB_MAX);
            out->db = (int)db;
            *seen = true;
        }
        i = end + 1;
    }
    return IG_OK;
}

ig_status redis_url_parse(const char *url, redis_endpoint *out, ig_err *err)
{
    memset(out, 0, sizeof *out);
    if (url == NULL)
        return status_errf(err, IG_EINVAL, "REDIS_URL is empty");
    size_t n = strnlen(url, URL_MAX + 1);
    if (n == 0 || n > URL_MAX)
        return status_errf(err, IG_EINVAL, "REDIS_URL is empty or longer than %d bytes", URL_MAX);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)url[i] <= ' ' || (unsigned char)url[i] >= 0x7f)
            return status_errf(err, IG_EINVAL, "REDIS_URL has a space, control or non-ASCII byte (percent-encode it)");
    bool unix_sock;
    size_t skip;
    if (n >= 8 && strncasecmp(url, "redis://", 8) == 0) {
        unix_sock = false;
        skip = 8;
    } else if (n >= 7 && strncasecmp(url, "unix://", 7) == 0) {
        unix_sock = true;
        skip = 7;
    } else if (n >= 9 && strncasecmp(url, "rediss://", 9) == 0) {
        return status_errf(err, IG_EINVAL, "REDIS_URL: rediss:// (TLS) is not supported; use redis:// or unix://");
    } else {
        return status_errf(err, IG_EINVAL, "REDIS_URL must start with redis:// or unix://");
    }
    out->port = 6379;
    const char *s = url + skip;
    size_t len = n - skip;
    const char *q = memchr(s, '?', len);
    size_t main_len = q ? (size_t)(q - s) : len;
    bool db_seen = false;
    ig_status st;

    /* userinfo ends at the last '@' before the path: an unescaped '@' in a password still works */
    const char *slash = memchr(s, '/', main_len);
    size_t auth_len = slash ? (size_t)(slash - s) : main_len;
    const char *at = NULL;
    for (size_t i = auth_len; i > 0; i--)
        if (s[i - 1] == '@') {
            at = s + i - 1;
            break;
        }
    const char *after = s;
    if (at) {
        st = parse_userinfo(s, (size_t)(at - s), out, err);
        if (st != IG_OK)
            goto fail;
        after = at + 1;
    }
    size_t after_len = main_len - (size_t)(after - s);
    if (unix_sock) {
        if (after_len == 0 || after[0] != '/') {
            st = status_errf(err, IG_EINVAL, "REDIS_URL: unix:// needs an absolute socket path");
            goto fail;
        }
        if (!pct_decode(after, after_len, out->unix_path, sizeof out->unix_path)) {
            st = status_errf(err, IG_EINVAL, "REDIS_URL socket path is badly escaped or too long");
            goto fail;
        }
        out->port = 0;
    } else {
        const char *path = memchr(after, '/', after_len);
        size_t hp_len = path ? (size_t)(path - after) : after_len;
        st = parse_hostport(after, hp_len, out, err);
        if (st != IG_OK)
            goto fail;
        if (path) {
            size_t plen = after_len - hp_len - 1;
            long db;
            if (plen > 0) {
                if (!parse_uint(path + 1, plen, DB_MAX, &db)) {
                    st = status_errf(err, IG_EINVAL, "REDIS_URL database must be a number from 0 to %d", DB_MAX);
                    goto fail;
                }
                out->db = (int)db;
                db_seen = true;
            }
        }
    }
    if (q) {
        st = parse_query(q + 1, len - main_len - 1, out, &db_seen, err);
        if (st != IG_OK)
            goto fail;
    }
    return IG_OK;
fail:
    memset(out, 0, sizeof *out);
    return st;
}

/* ---- connections ---- */

static void set_tv(struct timeval *tv, int ms)
{
    tv->tv_sec = ms / 1000;
    tv->tv_usec = (ms % 1000) * 1000;
}

static const char *where(const redis_endpoint *ep, char *buf, size_t cap)
{
    if (ep->unix_path[0])
        snprintf(buf, cap, "%s", ep->unix_path);
    else
        snprintf(buf, cap, "%s:%d", ep->host, ep->port);
    return buf;
}

/* Runs one setup command; IG_EIO with what (never the arguments) on an error reply. */
static ig_status setup_cmd(redisContext *c, int argc, const char **argv, const char *what, ig_err *err)
{
    redisReply *r = redisCommandArgv(c, argc, argv, NULL);
    if (r == NULL)
        return status_errf(err, IG_EUNAVAIL, "redis %s: %s", what, c->errstr);
    ig_status st = IG_OK;
    if (r->type == REDIS_REPLY_ERROR)
        st = status_errf(err, IG_EIO, "redis refused %s", what);
    freeReplyObject(r);
    return st;
}

ig_status redis_connect(const redis_endpoint *ep, int timeout_ms, redisContext **out, ig_err *err)
{
    char w[300];
    struct timeval tv;
    *out = NULL;
    if (timeout_ms < 1)
        timeout_ms = 1;
    set_tv(&tv, timeout_ms);
    redisContext *c = ep->unix_path[0] ? redisConnectUnixWithTimeout(ep->unix_path, tv)
                                       : redisConnectWithTimeout(ep->host, ep->port, tv);
    if (c == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory connecting to redis");
    ig_status st = IG_OK;
    if (c->err) {
        st = status_errf(err, IG_EUNAVAIL, "redis at %s: %s", where(ep, w, sizeof w), c->errstr);
        goto out;
    }
    if (redisSetTimeout(c, tv) != REDIS_OK) {
        st = status_errf(err, IG_EUNAVAIL, "redis at %s: cannot set the timeout", where(ep, w, sizeof w));
        goto out;
    }
    /* on a Unix socket the option fails and hiredis would mark the context broken */
    if (ep->unix_path[0] == '\0' && redisEnableKeepAlive(c) != REDIS_OK) {
        st = status_errf(err, IG_EUNAVAIL, "redis at %s: %s", where(ep, w, sizeof w), c->errstr);
        goto out;
    }
    if (ep->password[0]) {
        const char *a[3] = {"AUTH", ep->username[0] ? ep->username : ep->password, ep->password};
        st = setup_cmd(c, ep->username[0] ? 3 : 2, a, "AUTH", err);
        if (st != IG_OK)
            goto out;
    }
    if (ep->db != 0) {
        char db[16];
        snprintf(db, sizeof db, "%d", ep->db);
        const char *a[2] = {"SELECT", db};
        st = setup_cmd(c, 2, a, "SELECT", err);
    }
out:
    if (st != IG_OK)
        redisFree(c);
    else
        *out = c;
    return st;
}

/* ---- the pool ---- */

struct redis_pool {
    redis_endpoint ep;
    int timeout_ms;
    int size;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    redisContext **idle; /* connected, unused: a stack of idle_n */
    int idle_n;
    int busy;            /* checked out (connected or dialling) */
    int64_t down_until;  /* monotonic ms: refuse at once until then */
    int backoff_ms;      /* the next backoff; 0 while healthy */
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

ig_status redis_pool_open(const char *url, int size, int timeout_ms, redis_pool **out, ig_err *err)
{
    *out = NULL;
    if (size < 1 || size > POOL_MAX)
        return status_errf(err, IG_EINVAL, "redis pool size must be from 1 to %d", POOL_MAX);
    if (timeout_ms < 1)
        return status_errf(err, IG_EINVAL, "redis timeout must be at least 1 ms");
    redis_pool *p = calloc(1, sizeof *p);
    if (p == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory for the redis pool");
    ig_status st = redis_url_parse(url, &p->ep, err);
    if (st != IG_OK)
        goto fail;
    p->idle = calloc((size_t)size, sizeof *p->idle);
    if (p->idle == NULL) {
        st = status_errf(err, IG_ENOMEM, "out of memory for the redis pool");
        goto fail;
    }
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        st = status_errf(err, IG_EINTERNAL, "cannot create the redis pool mutex");
        goto fail;
    }
    if (pthread_cond_init(&p->cv, NULL) != 0) {
        pthread_mutex_destroy(&p->mu);
        st = status_errf(err, IG_EINTERNAL, "cannot create the redis pool condition");
        goto fail;
    }
    p->size = size;
    p->timeout_ms = timeout_ms;
    *out = p;
    return IG_OK;
fail:
    free(p->idle);
    explicit_bzero(p->ep.password, sizeof p->ep.password);
    free(p);
    return st;
}

void redis_pool_close(redis_pool *p)
{
    if (p == NULL)
        return;
    for (int i = 0; i < p->idle_n; i++)
        redisFree(p->idle[i]);
    free(p->idle);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    explicit_bzero(p->ep.password, sizeof p->ep.password);
    free(p);
}

void redis_pool_endpoint(const redis_pool *p, redis_endpoint *out)
{
    *out = p->ep;
}

/* False when the server closed the connection (or sent something unasked) while it sat idle. */
static bool still_open(const redisContext *c)
{
    char b;
    ssize_t n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    return false;
}

static void mark_down(redis_pool *p)
{
    pthread_mutex_lock(&p->mu);
    p->backoff_ms = p->backoff_ms == 0 ? BACKOFF_MIN_MS : p->backoff_ms * 2;
    if (p->backoff_ms > BACKOFF_MAX_MS)
        p->backoff_ms = BACKOFF_MAX_MS;
    p->down_until = mono_ms() + p->backoff_ms;
    pthread_mutex_unlock(&p->mu);
}

static void mark_up(redis_pool *p)
{
    pthread_mutex_lock(&p->mu);
    p->backoff_ms = 0;
    p->down_until = 0;
    pthread_mutex_unlock(&p->mu);
}

/* Returns c (NULL: dropped) to the pool. */
static void checkin(redis_pool *p, redisContext *c)
{
    pthread_mutex_lock(&p->mu);
    p->busy--;
    if (c)
        p->idle[p->idle_n++] = c;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static ig_status checkout(redis_pool *p, redisContext **out, ig_err *err)
{
    redisContext *c = NULL;
    char w[300];
    pthread_mutex_lock(&p->mu);
    while (p->idle_n == 0 && p->busy >= p->size)
        pthread_cond_wait(&p->cv, &p->mu);
    int64_t wait = p->down_until - mono_ms();
    if (wait > 0) {
        pthread_mutex_unlock(&p->mu);
        return status_errf(err, IG_EUNAVAIL, "redis at %s is unavailable (next try in %lld ms)",
                           where(&p->ep, w, sizeof w), (long long)wait);
    }
    if (p->idle_n > 0)
        c = p->idle[--p->idle_n];
    p->busy++;
    pthread_mutex_unlock(&p->mu);
    if (c && !still_open(c)) {
        redisFree(c);
        c = NULL;
    }
    if (c == NULL) {
        ig_status st = redis_connect(&p->ep, p->timeout_ms, &c, err);
        if (st != IG_OK) {
            if (st == IG_EUNAVAIL)
                mark_down(p);
            checkin(p, NULL);
            return st;
        }
        mark_up(p);
    }
    *out = c;
    return IG_OK;
}

ig_status redis_command(redis_pool *p, int argc, const char **argv, const size_t *lens, redisReply **reply,
                        ig_err *err)
{
    *reply = NULL;
    if (argc < 1 || argv == NULL)
        return status_errf(err, IG_EINVAL, "empty redis command");
    redisContext *c = NULL;
    ig_status st = checkout(p, &c, err);
    if (st != IG_OK)
        return st;
    redisReply *r = redisCommandArgv(c, argc, argv, lens);
    if (r == NULL) {
        char w[300];
        st = c->err == REDIS_ERR_OOM ? status_errf(err, IG_ENOMEM, "out of memory talking to redis")
                                     : status_errf(err, IG_EUNAVAIL, "redis at %s: %s", where(&p->ep, w, sizeof w),
                                                   c->errstr[0] ? c->errstr : "connection lost");
        redisFree(c);
        if (st == IG_EUNAVAIL)
            mark_down(p);
        checkin(p, NULL);
        return st;
    }
    checkin(p, c);
    if (r->type == REDIS_REPLY_ERROR) {
        st = status_errf(err, IG_EIO, "redis: %.200s", r->str ? r->str : "error");
        freeReplyObject(r);
        return st;
    }
    *reply = r;
    return IG_OK;
}

ig_status redis_eval(redis_pool *p, const char *script, int numkeys, int argc, const char **argv,
                     const size_t *lens, redisReply **reply, ig_err *err)
{
    *reply = NULL;
    if (argc < 0 || argc > EVAL_ARGS_MAX || numkeys < 0 || numkeys > argc)
        return status_errf(err, IG_EINVAL, "bad redis script arguments");
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t slen = strlen(script);
    if (EVP_Digest(script, slen, md, &mdlen, EVP_sha1(), NULL) != 1 || mdlen != 20)
        return status_errf(err, IG_EINTERNAL, "cannot hash a redis script");
    char sha[41], nk[16];
    for (unsigned i = 0; i < 20; i++)
        snprintf(sha + 2 * i, 3, "%02x", md[i]);
    snprintf(nk, sizeof nk, "%d", numkeys);
    const char *a[EVAL_ARGS_MAX + 3] = {"EVALSHA", sha, nk};
    size_t l[EVAL_ARGS_MAX + 3] = {7, 40, strlen(nk)};
    for (int i = 0; i < argc; i++) {
        a[i + 3] = argv[i];
        l[i + 3] = lens ? lens[i] : strlen(argv[i]);
    }
    ig_err e = {0};
    ig_status st = redis_command(p, argc + 3, a, l, reply, &e);
    if (st == IG_EIO && strncmp(e.msg, "redis: NOSCRIPT", 15) == 0) {
        a[0] = "EVAL";
        l[0] = 4;
        a[1] = script;
        l[1] = slen;
        st = redis_command(p, argc + 3, a, l, reply, &e);
    }
    if (st != IG_OK && err)
        *err = e;
    return st;
}

ig_status redis_publish(redis_pool *p, const char *channel, const void *msg, size_t len, ig_err *err)
{
    const char *a[3] = {"PUBLISH", channel, msg};
    size_t l[3] = {7, strlen(channel), len};
    redisReply *r;
    ig_status st = redis_command(p, 3, a, l, &r, err);
    if (st == IG_OK)
        freeReplyObject(r);
    return st;
}

ig_status redis_ping(redis_pool *p, ig_err *err)
{
    const char *a[1] = {"PING"};
    redisReply *r;
    ig_status st = redis_command(p, 1, a, NULL, &r, err);
    if (st == IG_OK)
        freeReplyObject(r);
    return st;
}

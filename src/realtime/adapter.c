/* The Redis adapter: the message codec, two hiredis asynchronous connections on the realtime loop
 * (one subscribed, one publishing), each a small state machine that resolves, dials, waits for its
 * first reply and redials with backoff, and the workers' blocking publisher.
 *
 * hiredis's own libuv glue (adapters/libuv.h, 0.14) ignores a poll error: libuv reports a refused
 * connect or a reset as an error and stops polling, so hiredis would never learn of it and the
 * connection would hang. The glue here hands such an event to hiredis as readable instead, which
 * reads the socket's error and drops the connection. */
#include "realtime/adapter.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <sodium.h>

#include "realtime/rooms.h"
#include "store/redis.h"

#define HEAD_LEN (ADAPTER_MAGIC_LEN + ADAPTER_ORIGIN_BYTES + 1)
#define RECORD_SEPARATOR '\x1e' /* splits a polling payload: never inside a packet */
#define REVOKE_ALL 1            /* the flags byte of a revocation */
#define REVOKE_MAX (ADAPTER_MAGIC_LEN + ADAPTER_ORIGIN_BYTES + 1 + 8 + 3 * (1 + RT_TOKEN_ID_MAX))

/* ---- the message ---- */

/* Checks pkt is "4" + one Socket.IO EVENT of "/" without ack id or attachments. */
static ig_status check_packet(const char *pkt, size_t n, ig_err *err)
{
    if (n < 3 || n > ADAPTER_PACKET_MAX)
        return status_errf(err, IG_EINVAL, "packet of %zu bytes", n);
    if (pkt[0] != '4' || pkt[1] != '0' + SIO_EVENT)
        return status_errf(err, IG_EINVAL, "not an event packet");
    if (memchr(pkt, RECORD_SEPARATOR, n) != NULL)
        return status_errf(err, IG_EINVAL, "record separator in the packet");
    static const sio_limits lim = {1, 0};
    sio_packet sp;
    ig_err why = {0};
    if (sio_decode(pkt + 1, n - 1, &lim, &sp, &why) != IG_OK)
        return status_errf(err, IG_EINVAL, "bad packet: %s", why.msg);
    bool ok = sp.type == SIO_EVENT && strcmp(sp.nsp, "/") == 0 && sp.id < 0;
    sio_packet_clear(&sp);
    return ok ? IG_OK : status_errf(err, IG_EINVAL, "not an event of the default namespace");
}

static bool room_ok(const char *room, size_t n)
{
    return n >= 1 && n <= ROOMS_NAME_MAX && memchr(room, '\0', n) == NULL;
}

ig_status adapter_encode(ig_buf *out, const unsigned char *origin, const char *room, size_t room_len,
                         const char *pkt, size_t pkt_len, ig_err *err)
{
    if (!room_ok(room, room_len))
        return status_errf(err, IG_EINVAL, "bad room name");
    if (pkt_len < 3 || pkt_len > ADAPTER_PACKET_MAX || pkt[0] != '4' || pkt[1] != '0' + SIO_EVENT)
        return status_errf(err, IG_EINVAL, "not an event packet of at most %u bytes", ADAPTER_PACKET_MAX);
    unsigned char rl = (unsigned char)room_len;
    ig_status st = buf_append(out, ADAPTER_MAGIC, ADAPTER_MAGIC_LEN);
    if (st == IG_OK)
        st = buf_append(out, origin, ADAPTER_ORIGIN_BYTES);
    if (st == IG_OK)
        st = buf_append(out, &rl, 1);
    if (st == IG_OK)
        st = buf_append(out, room, room_len);
    if (st == IG_OK)
        st = buf_append(out, pkt, pkt_len);
    return st == IG_OK ? IG_OK : status_errf(err, st, "message too large");
}

static bool token_id_ok(const char *id, size_t n)
{
    if (n > RT_TOKEN_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return false;
    return true;
}

static ig_status append_id(ig_buf *out, const char *id, size_t cap)
{
    size_t n = strnlen(id, cap);
    unsigned char len = (unsigned char)n;
    ig_status st = buf_append(out, &len, 1);
    return st == IG_OK ? buf_append(out, id, n) : st;
}

ig_status adapter_encode_revoke(ig_buf *out, const unsigned char *origin, const rt_revoke *r, ig_err *err)
{
    const char *ids[] = {r->family, r->keep_family, r->jti};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strnlen(ids[i], RT_TOKEN_ID_MAX + 1);
        if (!token_id_ok(ids[i], n))
            return status_errf(err, IG_EINVAL, "bad token id");
    }
    if (r->user_id <= 0)
        return status_errf(err, IG_EINVAL, "bad user id");
    unsigned char head[1 + 8];
    head[0] = r->all ? REVOKE_ALL : 0;
    for (int i = 0; i < 8; i++)
        head[1 + i] = (unsigned char)((uint64_t)r->user_id >> (56 - 8 * i));
    ig_status st = buf_append(out, ADAPTER_MAGIC_REVOKE, ADAPTER_MAGIC_LEN);
    if (st == IG_OK)
        st = buf_append(out, origin, ADAPTER_ORIGIN_BYTES);
    if (st == IG_OK)
        st = buf_append(out, head, sizeof head);
    for (size_t i = 0; i < 3 && st == IG_OK; i++)
        st = append_id(out, ids[i], RT_TOKEN_ID_MAX + 1);
    return st == IG_OK ? IG_OK : status_errf(err, st, "message too large");
}

/* Reads one length-prefixed token id at *p (*n bytes left) into out. */
static bool take_id(const unsigned char **p, size_t *n, char out[RT_TOKEN_ID_MAX + 1])
{
    if (*n < 1)
        return false;
    size_t len = (*p)[0];
    if (len > *n - 1 || !token_id_ok((const char *)*p + 1, len))
        return false;
    memcpy(out, *p + 1, len);
    out[len] = '\0';
    *p += 1 + len;
    *n -= 1 + len;
    return true;
}

static ig_status decode_revoke(const char *p, size_t n, adapter_msg *out, ig_err *err)
{
    size_t fixed = ADAPTER_MAGIC_LEN + ADAPTER_ORIGIN_BYTES + 1 + 8;
    if (n < fixed)
        return status_errf(err, IG_EINVAL, "revocation too short (%zu bytes)", n);
    const unsigned char *u = (const unsigned char *)p + ADAPTER_MAGIC_LEN + ADAPTER_ORIGIN_BYTES;
    rt_revoke *r = &out->revoke;
    if ((u[0] & ~REVOKE_ALL) != 0)
        return status_errf(err, IG_EINVAL, "unknown revocation flags");
    r->all = (u[0] & REVOKE_ALL) != 0;
    uint64_t id = 0;
    for (int i = 0; i < 8; i++)
        id = id << 8 | u[1 + i];
    if (id == 0 || id > INT64_MAX)
        return status_errf(err, IG_EINVAL, "bad user id");
    r->user_id = (int64_t)id;
    const unsigned char *q = u + 9;
    size_t left = n - fixed;
    if (!take_id(&q, &left, r->family) || !take_id(&q, &left, r->keep_family) || !take_id(&q, &left, r->jti))
        return status_errf(err, IG_EINVAL, "bad token id");
    if (left != 0)
        return status_errf(err, IG_EINVAL, "%zu bytes after the revocation", left);
    out->kind = ADAPTER_REVOKE;
    out->origin = (const unsigned char *)p + ADAPTER_MAGIC_LEN;
    return IG_OK;
}

ig_status adapter_decode(const char *p, size_t n, adapter_msg *out, ig_err *err)
{
    memset(out, 0, sizeof *out);
    if (n >= ADAPTER_MAGIC_LEN && memcmp(p, ADAPTER_MAGIC_REVOKE, ADAPTER_MAGIC_LEN) == 0) {
        ig_status st = decode_revoke(p, n, out, err);
        if (st != IG_OK)
            memset(out, 0, sizeof *out);
        return st;
    }
    if (n < HEAD_LEN)
        return status_errf(err, IG_EINVAL, "message too short (%zu bytes)", n);
    if (memcmp(p, ADAPTER_MAGIC, ADAPTER_MAGIC_LEN) != 0)
        return status_errf(err, IG_EINVAL, "not an " ADAPTER_MAGIC " or " ADAPTER_MAGIC_REVOKE " message");
    size_t rl = (unsigned char)p[HEAD_LEN - 1];
    if (rl > n - HEAD_LEN)
        return status_errf(err, IG_EINVAL, "room truncated");
    const char *room = p + HEAD_LEN;
    if (!room_ok(room, rl))
        return status_errf(err, IG_EINVAL, "bad room name");
    ig_status st = check_packet(room + rl, n - HEAD_LEN - rl, err);
    if (st != IG_OK)
        return st;
    out->kind = ADAPTER_EMIT;
    out->origin = (const unsigned char *)p + ADAPTER_MAGIC_LEN;
    out->room = room;
    out->room_len = rl;
    out->pkt = room + rl;
    out->pkt_len = n - HEAD_LEN - rl;
    return IG_OK;
}

void adapter_channel(int db, char out[ADAPTER_CHANNEL_MAX])
{
    snprintf(out, ADAPTER_CHANNEL_MAX, ADAPTER_CHANNEL_PREFIX "%d#/", db);
}

/* ---- hiredis on libuv ---- */

typedef struct glue {
    redisAsyncContext *ac; /* NULL once hiredis let go (the handle is closing) */
    uv_poll_t poll;
    int events;
} glue;

static void glue_poll(uv_poll_t *h, int status, int events)
{
    glue *g = h->data;
    if (status < 0)
        events = UV_READABLE; /* the socket's error: hiredis reads it and drops the connection */
    if (g->ac != NULL && (events & UV_READABLE))
        redisAsyncHandleRead(g->ac);
    if (g->ac != NULL && (events & UV_WRITABLE))
        redisAsyncHandleWrite(g->ac);
    if (status < 0 && g->ac != NULL && g->events != 0)
        uv_poll_start(&g->poll, g->events, glue_poll); /* libuv stopped the handle on the error */
}

static void glue_update(glue *g)
{
    if (g->events != 0)
        uv_poll_start(&g->poll, g->events, glue_poll);
    else
        uv_poll_stop(&g->poll);
}

static void glue_add_read(void *arg)
{
    glue *g = arg;
    g->events |= UV_READABLE;
    glue_update(g);
}

static void glue_del_read(void *arg)
{
    glue *g = arg;
    g->events &= ~UV_READABLE;
    glue_update(g);
}

static void glue_add_write(void *arg)
{
    glue *g = arg;
    g->events |= UV_WRITABLE;
    glue_update(g);
}

static void glue_del_write(void *arg)
{
    glue *g = arg;
    g->events &= ~UV_WRITABLE;
    glue_update(g);
}

static void glue_closed(uv_handle_t *h)
{
    free(h->data);
}

/* hiredis is freeing the context: the socket is closed right after, so stop polling now. */
static void glue_cleanup(void *arg)
{
    glue *g = arg;
    g->ac = NULL;
    uv_close((uv_handle_t *)&g->poll, glue_closed);
}

static bool glue_attach(redisAsyncContext *ac, uv_loop_t *loop)
{
    glue *g = calloc(1, sizeof *g);
    if (g == NULL)
        return false;
    if (uv_poll_init_socket(loop, &g->poll, ac->c.fd) != 0) {
        free(g);
        return false;
    }
    g->ac = ac;
    g->poll.data = g;
    ac->ev.data = g;
    ac->ev.addRead = glue_add_read;
    ac->ev.delRead = glue_del_read;
    ac->ev.addWrite = glue_add_write;
    ac->ev.delWrite = glue_del_write;
    ac->ev.cleanup = glue_cleanup;
    return true;
}

/* ---- the serve side ---- */

enum { C_IDLE, C_RESOLVING, C_CONNECTING, C_READY, C_WAITING };

typedef struct conn {
    adapter *a;
    const char *role;       /* "subscriber" or "publisher", for the logs */
    bool subscriber;
    int state;
    redisAsyncContext *ac;  /* its data is this conn while it is ours */
    uv_getaddrinfo_t gai;
    bool resolving;         /* gai is in flight */
    uv_timer_t timer;       /* the redial delay, then the connect timeout */
    uint64_t backoff_ms;
    unsigned attempt;       /* failures in a row: picks which of the host's addresses to dial */
    bool failing;           /* counted in a->failing */
    size_t backlog;         /* bytes published and not answered yet */
    bool congested;         /* dropping publishes past ADAPTER_MAX_BACKLOG (logged once) */
} conn;

struct adapter {
    uv_loop_t *loop;
    rt_server *rt;
    const ig_log *log;
    redis_endpoint ep;      /* holds the password: never logged */
    char channel[ADAPTER_CHANNEL_MAX];
    unsigned char origin[ADAPTER_ORIGIN_BYTES];
    conn sub, pub;
    int failing;            /* connections down since the outage was logged */
    bool stopping;
};

static void dial(conn *c, const char *ip);
static void on_timer(uv_timer_t *t);

/* Lets go of the connection's context (hiredis defers the free when inside one of its callbacks). */
static void drop(conn *c)
{
    redisAsyncContext *ac = c->ac;
    c->ac = NULL;
    c->backlog = 0;
    if (ac != NULL) {
        ac->data = NULL;
        redisAsyncFree(ac);
    }
}

/* The connection is down: logs the outage if it is the first failure, redials after the backoff. */
static void fail(conn *c, const char *why)
{
    adapter *a = c->a;
    if (a->stopping)
        return;
    if (!c->failing) {
        c->failing = true;
        if (a->failing++ == 0)
            log_emit(a->log, IG_LOG_WARN, "redis_sio_degraded",
                     json_pack("{s:s, s:s, s:s}", "message",
                               "Socket.IO events reach this instance's clients only until Redis returns",
                               "connection", c->role, "reason", why));
    }
    uint64_t d = c->backoff_ms ? c->backoff_ms : ADAPTER_BACKOFF_MIN_MS;
    c->backoff_ms = d * 2 < ADAPTER_BACKOFF_MAX_MS ? d * 2 : ADAPTER_BACKOFF_MAX_MS;
    /* jitter, so that instances restarted together do not redial in step */
    d = d / 2 + randombytes_uniform((uint32_t)(d / 2 + 1));
    c->attempt++;
    c->state = C_WAITING;
    uv_timer_start(&c->timer, on_timer, d, 0);
}

/* The first reply came: the connection works. The end of an outage is logged at its level, so
 * that whoever sees the one sees the other. */
static void ready(conn *c)
{
    adapter *a = c->a;
    uv_timer_stop(&c->timer);
    c->state = C_READY;
    c->backoff_ms = 0;
    c->attempt = 0;
    if (c->failing) {
        c->failing = false;
        if (--a->failing == 0)
            log_emit(a->log, IG_LOG_WARN, "redis_sio_restored",
                     json_pack("{s:s}", "message", "Socket.IO events reach the other instances again"));
    }
}

/* The conn a callback's context belongs to; NULL for one already let go. */
static conn *owner(const redisAsyncContext *ac)
{
    conn *c = ac->data;
    return c != NULL && c->ac == ac ? c : NULL;
}

/* An error reply: the connection cannot serve (refused AUTH, NOAUTH, ...): redial later. */
static void refused(conn *c, const char *what, const redisReply *reply)
{
    char why[192];
    snprintf(why, sizeof why, "%s: %.*s", what, (int)(reply->len < 128 ? reply->len : 128), reply->str);
    drop(c);
    fail(c, why);
}

static void on_connect(const redisAsyncContext *ac, int status)
{
    conn *c = owner(ac);
    if (c == NULL || status == REDIS_OK)
        return; /* ready with the first reply; hiredis frees a context that failed to connect */
    c->ac = NULL;
    c->backlog = 0;
    fail(c, ac->errstr);
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    conn *c = owner(ac);
    if (c == NULL)
        return;
    c->ac = NULL;
    c->backlog = 0;
    fail(c, status == REDIS_OK ? "connection closed" : ac->errstr);
}

static void on_auth(redisAsyncContext *ac, void *r, void *arg)
{
    (void)arg;
    conn *c = owner(ac);
    redisReply *reply = r;
    if (c != NULL && reply != NULL && reply->type == REDIS_REPLY_ERROR)
        refused(c, "AUTH refused", reply);
}

static void on_pong(redisAsyncContext *ac, void *r, void *arg)
{
    (void)arg;
    conn *c = owner(ac);
    redisReply *reply = r;
    if (c == NULL || reply == NULL)
        return;
    if (reply->type == REDIS_REPLY_ERROR)
        refused(c, "PING refused", reply);
    else
        ready(c);
}

static void on_published(redisAsyncContext *ac, void *r, void *arg)
{
    conn *c = owner(ac);
    redisReply *reply = r;
    if (c == NULL || reply == NULL)
        return;
    size_t n = (size_t)(uintptr_t)arg;
    c->backlog = c->backlog > n ? c->backlog - n : 0;
    if (c->backlog == 0)
        c->congested = false;
    if (reply->type == REDIS_REPLY_ERROR)
        refused(c, "PUBLISH refused", reply);
}

/* A message from the channel: other instances' emits go to this instance's members. */
static void deliver(adapter *a, const char *p, size_t n)
{
    /* this instance's own messages come back too: they reached the local members already */
    if (n >= HEAD_LEN && memcmp(p + ADAPTER_MAGIC_LEN, a->origin, ADAPTER_ORIGIN_BYTES) == 0)
        return;
    adapter_msg m;
    ig_err err = {0};
    if (adapter_decode(p, n, &m, &err) != IG_OK) {
        log_printf(a->log, IG_LOG_WARN, "redis_sio_message_dropped", "%s: %s", a->channel, err.msg);
        return;
    }
    if (m.kind == ADAPTER_REVOKE)
        rt_disconnect_revoked(a->rt, &m.revoke);
    else
        rt_deliver_room(a->rt, m.room, m.room_len, m.pkt, m.pkt_len);
}

static bool reply_is(const redisReply *r, const char *s, size_t n)
{
    return r->type == REDIS_REPLY_STRING && r->len == n && memcmp(r->str, s, n) == 0;
}

/* Every reply of the subscribed connection: the subscription's confirmation, then messages. */
static void on_subscribed(redisAsyncContext *ac, void *r, void *arg)
{
    (void)arg;
    conn *c = owner(ac);
    redisReply *reply = r;
    if (c == NULL || reply == NULL)
        return;
    if (reply->type == REDIS_REPLY_ERROR) {
        refused(c, "SUBSCRIBE refused", reply);
        return;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3)
        return;
    if (reply_is(reply->element[0], "subscribe", 9))
        ready(c);
    else if (reply_is(reply->element[0], "message", 7) && reply->element[2]->type == REDIS_REPLY_STRING)
        deliver(c->a, reply->element[2]->str, reply->element[2]->len);
}

static bool queue(redisAsyncContext *ac, redisCallbackFn *fn, void *arg, int argc, const char **argv,
                  const size_t *lens)
{
    return redisAsyncCommandArgv(ac, fn, arg, argc, argv, lens) == REDIS_OK;
}

/* Dials ip (NULL for the endpoint's Unix socket) and queues AUTH and the first command, whose
 * reply makes the connection ready; the timer bounds the wait. */
static void dial(conn *c, const char *ip)
{
    adapter *a = c->a;
    redisAsyncContext *ac =
        a->ep.unix_path[0] != '\0' ? redisAsyncConnectUnix(a->ep.unix_path) : redisAsyncConnect(ip, a->ep.port);
    if (ac == NULL) {
        fail(c, "out of memory");
        return;
    }
    if (ac->err != 0 || !glue_attach(ac, a->loop)) {
        char why[128];
        snprintf(why, sizeof why, "%s", ac->err != 0 ? ac->errstr : "cannot poll the connection");
        redisAsyncFree(ac);
        fail(c, why);
        return;
    }
    ac->data = c;
    c->ac = ac;
    if (a->ep.unix_path[0] == '\0')
        redisEnableKeepAlive(&ac->c); /* a peer that vanished without a word is noticed */
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    bool ok = true;
    if (a->ep.password[0] != '\0') {
        bool user = a->ep.username[0] != '\0';
        const char *argv[] = {"AUTH", user ? a->ep.username : a->ep.password, a->ep.password};
        ok = queue(ac, on_auth, NULL, user ? 3 : 2, argv, NULL);
    }
    if (ok && c->subscriber)
        ok = queue(ac, on_subscribed, NULL, 2, (const char *[]){"SUBSCRIBE", a->channel}, NULL);
    else if (ok)
        ok = queue(ac, on_pong, NULL, 1, (const char *[]){"PING"}, NULL);
    if (!ok) {
        drop(c);
        fail(c, "cannot queue a command");
        return;
    }
    c->state = C_CONNECTING;
    uv_timer_start(&c->timer, on_timer, ADAPTER_CONNECT_TIMEOUT_MS, 0);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    conn *c = req->data;
    c->resolving = false;
    char ip[64] = "";
    /* each failure moves on to the host's next address ("localhost" may be ::1 first while Redis
     * listens on 127.0.0.1 only) */
    unsigned n = 0;
    for (const struct addrinfo *ai = res; status == 0 && ai != NULL; ai = ai->ai_next)
        n++;
    const struct addrinfo *ai = res;
    for (unsigned i = 0; n > 0 && i < c->attempt % n; i++)
        ai = ai->ai_next;
    if (n > 0 && ai->ai_family == AF_INET6)
        uv_ip6_name((const struct sockaddr_in6 *)ai->ai_addr, ip, sizeof ip);
    else if (n > 0 && ai->ai_family == AF_INET)
        uv_ip4_name((const struct sockaddr_in *)ai->ai_addr, ip, sizeof ip);
    uv_freeaddrinfo(res);
    if (c->a->stopping)
        return;
    if (ip[0] == '\0')
        fail(c, status < 0 ? uv_strerror(status) : "the host has no address");
    else
        dial(c, ip);
}

/* Resolves the host off the loop (getaddrinfo blocks), then dials. */
static void redial(conn *c)
{
    adapter *a = c->a;
    if (a->ep.unix_path[0] != '\0') {
        dial(c, NULL);
        return;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    c->gai.data = c;
    int rc = uv_getaddrinfo(a->loop, &c->gai, on_resolved, a->ep.host, NULL, &hints);
    if (rc != 0) {
        fail(c, uv_strerror(rc));
        return;
    }
    c->resolving = true;
    c->state = C_RESOLVING;
}

static void on_timer(uv_timer_t *t)
{
    conn *c = t->data;
    if (c->state == C_WAITING) {
        redial(c);
    } else if (c->state == C_CONNECTING) {
        drop(c);
        fail(c, "no answer in time");
    }
}

/* Publishes an encoded message (encoded: the encoder's outcome) for the other instances. */
static void publish(adapter *a, const ig_buf *b, ig_status encoded, const ig_err *why)
{
    conn *c = &a->pub;
    if (encoded != IG_OK) {
        log_printf(a->log, IG_LOG_WARN, "redis_sio_publish_skipped", "%s", why->msg);
    } else if (c->backlog + b->len > ADAPTER_MAX_BACKLOG) {
        if (!c->congested)
            log_printf(a->log, IG_LOG_WARN, "redis_sio_publish_dropped",
                       "Redis does not keep up: room emits reach this instance's clients only");
        c->congested = true;
    } else {
        const char *argv[] = {"PUBLISH", a->channel, b->p};
        size_t lens[] = {7, strlen(a->channel), b->len};
        if (queue(c->ac, on_published, (void *)(uintptr_t)b->len, 3, argv, lens))
            c->backlog += b->len;
    }
}

/* rt_relay_fn: publishes a room emit of this instance for the others. */
static void relay(void *arg, const char *room, size_t room_len, const char *pkt, size_t n)
{
    adapter *a = arg;
    if (a->pub.state != C_READY)
        return; /* Redis is away: the local members had it, the others miss it */
    ig_buf b;
    buf_init(&b, HEAD_LEN + ROOMS_NAME_MAX + ADAPTER_PACKET_MAX);
    ig_err err = {0};
    ig_status st = adapter_encode(&b, a->origin, room, room_len, pkt, n, &err);
    publish(a, &b, st, &err);
    buf_free(&b);
}

/* rt_revoke_relay_fn: publishes a revocation of this instance for the others. */
static void relay_revoke(void *arg, const rt_revoke *r)
{
    adapter *a = arg;
    if (a->pub.state != C_READY) {
        log_printf(a->log, IG_LOG_WARN, "redis_sio_revoke_dropped",
                   "Redis is away: sockets of user %lld stay open on the other instances", (long long)r->user_id);
        return;
    }
    ig_buf b;
    buf_init(&b, REVOKE_MAX);
    ig_err err = {0};
    ig_status st = adapter_encode_revoke(&b, a->origin, r, &err);
    publish(a, &b, st, &err);
    buf_free(&b);
}

static void conn_init(adapter *a, conn *c, const char *role, bool subscriber)
{
    c->a = a;
    c->role = role;
    c->subscriber = subscriber;
    uv_timer_init(a->loop, &c->timer);
    c->timer.data = c;
}

ig_status adapter_start(uv_loop_t *loop, rt_server *rt, const char *redis_url, const ig_log *log, adapter **out,
                        ig_err *err)
{
    adapter *a = calloc(1, sizeof *a);
    if (a == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");
    ig_status st = redis_url_parse(redis_url, &a->ep, err);
    if (st != IG_OK) {
        free(a);
        return st;
    }
    a->loop = loop;
    a->rt = rt;
    a->log = log;
    randombytes_buf(a->origin, sizeof a->origin);
    adapter_channel(a->ep.db, a->channel);
    conn_init(a, &a->sub, "subscriber", true);
    conn_init(a, &a->pub, "publisher", false);
    rt_set_relay(rt, relay, a);
    rt_set_revoke_relay(rt, relay_revoke, a);
    redial(&a->sub);
    redial(&a->pub);
    *out = a;
    return IG_OK;
}

static void conn_stop(conn *c)
{
    drop(c);
    c->state = C_IDLE;
    uv_close((uv_handle_t *)&c->timer, NULL);
    if (c->resolving)
        uv_cancel((uv_req_t *)&c->gai);
}

void adapter_stop(adapter *a)
{
    if (a == NULL || a->stopping)
        return;
    a->stopping = true;
    rt_set_relay(a->rt, NULL, NULL);
    rt_set_revoke_relay(a->rt, NULL, NULL);
    conn_stop(&a->sub);
    conn_stop(&a->pub);
}

void adapter_free(adapter *a)
{
    if (a == NULL)
        return;
    sodium_memzero(&a->ep, sizeof a->ep);
    free(a);
}

/* ---- the worker side ---- */

struct adapter_pub {
    redis_pool *pool;
    const ig_log *log;
    char channel[ADAPTER_CHANNEL_MAX];
    unsigned char origin[ADAPTER_ORIGIN_BYTES];
    pthread_mutex_t mu;
    bool down; /* under mu: an outage was logged and has not ended */
};

ig_status adapter_pub_open(const char *redis_url, int size, const ig_log *log, adapter_pub **out, ig_err *err)
{
    redis_endpoint ep;
    ig_status st = redis_url_parse(redis_url, &ep, err);
    int db = ep.db;
    sodium_memzero(&ep, sizeof ep);
    if (st != IG_OK)
        return st;
    adapter_pub *p = calloc(1, sizeof *p);
    if (p == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");
    size = size < 1 ? 1 : size > 64 ? 64 : size;
    st = redis_pool_open(redis_url, size, ADAPTER_PUBLISH_TIMEOUT_MS / 2, &p->pool, err);
    if (st != IG_OK) {
        free(p);
        return st;
    }
    p->log = log;
    adapter_channel(db, p->channel);
    randombytes_buf(p->origin, sizeof p->origin);
    pthread_mutex_init(&p->mu, NULL);
    *out = p;
    return IG_OK;
}

void adapter_pub_close(adapter_pub *p)
{
    if (p == NULL)
        return;
    redis_pool_close(p->pool);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

/* Logs the start and the end of an outage once each, whichever thread sees them. */
static void pub_outcome(adapter_pub *p, ig_status st, const ig_err *why)
{
    bool down = st != IG_OK;
    pthread_mutex_lock(&p->mu);
    bool changed = down != p->down;
    p->down = down;
    pthread_mutex_unlock(&p->mu);
    if (changed && down)
        log_emit(p->log, IG_LOG_WARN, "redis_sio_degraded",
                 json_pack("{s:s, s:s, s:s}", "message", "events of this process reach no client until Redis returns",
                           "connection", "publisher", "reason", why->msg));
    else if (changed)
        log_emit(p->log, IG_LOG_WARN, "redis_sio_restored",
                 json_pack("{s:s}", "message", "events of this process reach clients again"));
}

static ig_status pub_send(adapter_pub *p, const ig_buf *msg, ig_err *err)
{
    ig_err why = {0};
    ig_status st = redis_publish(p->pool, p->channel, msg->p, msg->len, &why);
    pub_outcome(p, st, &why);
    return st == IG_OK ? IG_OK : status_errf(err, st, "%s", why.msg);
}

ig_status adapter_pub_revoke(adapter_pub *p, const rt_revoke *r, ig_err *err)
{
    ig_buf msg;
    buf_init(&msg, REVOKE_MAX);
    ig_status st = adapter_encode_revoke(&msg, p->origin, r, err);
    if (st == IG_OK)
        st = pub_send(p, &msg, err);
    buf_free(&msg);
    return st;
}

ig_status adapter_pub_emit_user(adapter_pub *p, int64_t user_id, const char *event, const json_t *data, ig_err *err)
{
    char room[64];
    rt_user_room(user_id, room, sizeof room);
    ig_buf pkt, msg;
    buf_init(&pkt, ADAPTER_PACKET_MAX);
    buf_init(&msg, HEAD_LEN + ROOMS_NAME_MAX + ADAPTER_PACKET_MAX);
    ig_status st = rt_encode_event(&pkt, event, data);
    if (st != IG_OK) {
        status_errf(err, st, "cannot encode %s", event);
        goto out;
    }
    st = adapter_encode(&msg, p->origin, room, strlen(room), pkt.p, pkt.len, err);
    if (st == IG_OK)
        st = pub_send(p, &msg, err);
out:
    buf_free(&pkt);
    buf_free(&msg);
    return st;
}

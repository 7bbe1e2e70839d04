/* Sessions, transports and the Socket.IO layer. A session lives in a keyed hash by sid and in a
 * list of all sessions; its memory goes when it is closed, its timer handle is closed and nothing
 * holds it. The polling transport parks the pending GET exchange on the session; the WebSocket
 * transport is a ws_conn. Packets for a socket are encoded once ("4" + Socket.IO packet) and then
 * sent as a WebSocket text frame or appended to the polling backlog. */
#include "realtime/server.h"

#include <http_parser.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/buf.h"
#include "realtime/eio_codec.h"
#include "realtime/rooms.h"
#include "realtime/ws.h"

#define SID_BYTES 15 /* 20 URL-safe characters */
#define SID_LEN 20
#define INITIAL_BUCKETS 256
#define MAX_PAYLOAD_PACKETS 4096  /* packets in one polling POST */
#define BACKLOG_MIN (1u << 20)    /* output a slow client may leave unread before it is dropped */
#define UPGRADE_TIMEOUT_MS 10000  /* a probed WebSocket that never sends the upgrade packet */
#define TEXT_PLAIN "text/plain; charset=UTF-8"
#define ENCODE_MAX (1u << 30)       /* cap of one encoded packet (buffers need a finite one) */

enum { T_POLLING, T_WEBSOCKET };
enum { LANG_ZH, LANG_EN };

struct rt_socket {
    rt_server *rt;
    rt_socket *hnext;           /* sid hash chain */
    rt_socket *prev, *next;     /* every open session */
    char sid[SID_LEN + 1];      /* Engine.IO session id */
    char id[SID_LEN + 1];       /* Socket.IO socket id, once connected */
    char ip[64];
    uint8_t lang;
    uint8_t transport;
    bool closed;
    bool timer_closed;
    bool connected;
    bool authenticating;
    bool awaiting_pong;
    bool upgrading;             /* the probe answered "3probe"; the upgrade packet is due */
    bool flood_warned;
    bool violated;              /* closed for a protocol violation */
    int refs;                   /* holders besides the session itself */
    int inflight;
    int64_t user_id;
    char jti[RT_TOKEN_ID_MAX + 1];    /* of the token it authenticated with ("" unknown) */
    char family[RT_TOKEN_ID_MAX + 1];
    uint64_t created_ms, probe_ms, window_ms;
    uint32_t window_events;
    uv_timer_t timer;           /* the heartbeat */
    http_exchange *poll;        /* polling: the GET waiting for packets */
    ig_buf outq;                /* polling: packets waiting for a GET, as a payload */
    ws_conn *ws;                /* the WebSocket transport */
    ws_conn *probe;             /* a WebSocket being probed for the upgrade */
    sio_packet *partial;        /* a binary packet waiting for its attachments */
    rooms_link *rooms;
    void *data;
};

typedef struct handler {
    char *name;
    rt_event_fn fn;
    void *arg;
} handler;

typedef struct hook {
    rt_socket_fn fn;
    void *arg;
} hook;

typedef struct async_msg {
    struct async_msg *next;
    char *room;
    char *pkt; /* an encoded Engine.IO packet */
    size_t n;
    rt_revoke *revoke; /* instead of the three above: a revocation */
} async_msg;

struct rt_server {
    uv_loop_t *loop;
    rt_config cfg;
    size_t backlog_max;
    sio_limits limits;
    rt_socket **buckets;
    size_t nbuckets;
    size_t nsessions;
    rt_socket *all;
    rooms *rooms;
    ws_shared wsh;
    handler handlers[RT_MAX_HANDLERS];
    size_t nhandlers;
    hook hooks[RT_MAX_HOOKS];
    size_t nhooks;
    rt_auth_fn auth;
    void *auth_arg;
    rt_relay_fn relay;
    void *relay_arg;
    rt_revoke_relay_fn revoke_relay;
    void *revoke_relay_arg;
    bool shutting_down;
    unsigned char key[crypto_shorthash_KEYBYTES];
    uv_async_t async;
    uv_mutex_t amu;
    async_msg *ahead, *atail;
    bool async_closed; /* under amu */
};

static void session_close(rt_socket *s, const char *reason, log_level level);
static void deliver(rt_socket *s, const char *pkt, size_t n);

static uint64_t now_ms(const rt_server *rt)
{
    return uv_now(rt->loop);
}

static void new_id(char out[SID_LEN + 1])
{
    unsigned char b[SID_BYTES];
    randombytes_buf(b, sizeof b);
    sodium_bin2base64(out, SID_LEN + 1, b, sizeof b, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void log_session(const rt_socket *s, log_level level, const char *event, const char *reason)
{
    const ig_log *lg = s->rt->cfg.log;
    if (!log_enabled(lg, level))
        return;
    json_t *f = json_pack("{s:s, s:s, s:s}", "sid", s->sid, "ip", s->ip, "transport",
                          s->transport == T_WEBSOCKET ? "websocket" : "polling");
    if (f && s->connected)
        json_object_set_new(f, "user_id", json_integer(s->user_id));
    if (f && reason)
        json_object_set_new(f, "reason", json_string(reason));
    log_emit(lg, level, event, f);
}

/* ---- the sid hash ---- */

static size_t bucket_of(const rt_server *rt, const char *sid, size_t n)
{
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, (const unsigned char *)sid, n, rt->key);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    return (size_t)(v & (rt->nbuckets - 1));
}

static rt_socket *lookup(const rt_server *rt, const char *sid)
{
    size_t n = strlen(sid);
    if (n != SID_LEN)
        return NULL;
    for (rt_socket *s = rt->buckets[bucket_of(rt, sid, n)]; s; s = s->hnext)
        if (memcmp(s->sid, sid, SID_LEN) == 0)
            return s;
    return NULL;
}

static void grow(rt_server *rt)
{
    size_t nb = rt->nbuckets * 2;
    rt_socket **b = calloc(nb, sizeof *b);
    if (b == NULL)
        return;
    rt_socket **old = rt->buckets;
    size_t oldn = rt->nbuckets;
    rt->buckets = b;
    rt->nbuckets = nb;
    for (size_t i = 0; i < oldn; i++) {
        for (rt_socket *s = old[i]; s;) {
            rt_socket *next = s->hnext;
            size_t k = bucket_of(rt, s->sid, SID_LEN);
            s->hnext = b[k];
            b[k] = s;
            s = next;
        }
    }
    free(old);
}

static void unhash(rt_socket *s)
{
    rt_server *rt = s->rt;
    rt_socket **pp = &rt->buckets[bucket_of(rt, s->sid, SID_LEN)];
    while (*pp && *pp != s)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = s->hnext;
    if (s->prev)
        s->prev->next = s->next;
    else
        rt->all = s->next;
    if (s->next)
        s->next->prev = s->prev;
    rt->nsessions--;
}

/* ---- session memory ---- */

static void maybe_free(rt_socket *s)
{
    if (!s->closed || !s->timer_closed || s->refs > 0)
        return;
    buf_free(&s->outq);
    free(s);
}

static void on_timer_closed(uv_handle_t *h)
{
    rt_socket *s = h->data;
    s->timer_closed = true;
    maybe_free(s);
}

void rt_socket_hold(rt_socket *s)
{
    s->refs++;
}

void rt_socket_release(rt_socket *s)
{
    s->refs--;
    maybe_free(s);
}

static void on_heartbeat(uv_timer_t *t);

static rt_socket *session_new(rt_server *rt, int transport, const char *ip, uint8_t lang)
{
    rt_socket *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->rt = rt;
    s->transport = (uint8_t)transport;
    s->lang = lang;
    snprintf(s->ip, sizeof s->ip, "%s", ip);
    buf_init(&s->outq, rt->backlog_max);
    do
        new_id(s->sid);
    while (lookup(rt, s->sid) != NULL);
    s->created_ms = now_ms(rt);
    uv_timer_init(rt->loop, &s->timer);
    s->timer.data = s;
    uv_timer_start(&s->timer, on_heartbeat, rt->cfg.ping_interval_ms, 0);
    if (rt->nsessions >= rt->nbuckets)
        grow(rt);
    size_t k = bucket_of(rt, s->sid, SID_LEN);
    s->hnext = rt->buckets[k];
    rt->buckets[k] = s;
    s->next = rt->all;
    if (rt->all)
        rt->all->prev = s;
    rt->all = s;
    rt->nsessions++;
    return s;
}

/* ---- HTTP responses ---- */

static bool origin_allowed(const rt_server *rt, ig_str origin, const char **allow)
{
    const char *list = rt->cfg.cors_origins ? rt->cfg.cors_origins : "";
    *allow = NULL;
    if (origin.p == NULL)
        return true; /* not a browser's cross-origin request */
    if (strcmp(list, "*") == 0) {
        *allow = "*";
        return true;
    }
    return str_list_has(str_cstr(list), origin);
}

static void add_cors(const rt_server *rt, http_exchange *x)
{
    http_request *req = http_exchange_request(x);
    ig_str origin = http_request_header(req, STR_LIT("Origin"));
    const char *allow = NULL;
    if (origin.p == NULL || !origin_allowed(rt, origin, &allow))
        return;
    if (allow != NULL) {
        http_exchange_add_header(x, STR_LIT("Access-Control-Allow-Origin"), str_cstr(allow));
    } else {
        http_exchange_add_header(x, STR_LIT("Access-Control-Allow-Origin"), origin);
        http_exchange_add_header(x, STR_LIT("Access-Control-Allow-Credentials"), STR_LIT("true"));
        http_exchange_add_header(x, STR_LIT("Vary"), STR_LIT("Origin"));
    }
}

static void respond(const rt_server *rt, http_exchange *x, int status, const char *ctype, const char *body, size_t n)
{
    add_cors(rt, x);
    http_exchange_respond(x, status, ctype, body, n, 0);
}

static void respond_error(const rt_server *rt, http_exchange *x, int status, eio_error e)
{
    ig_buf b;
    buf_init(&b, 256);
    if (eio_error_body(&b, e) != IG_OK) {
        buf_free(&b);
        http_exchange_respond(x, 500, NULL, "", 0, HTTP_RESP_CLOSE);
        return;
    }
    respond(rt, x, status, "application/json", b.p, b.len);
    buf_free(&b);
}

/* Answers the parked GET with whatever waits, or with a noop when force is set. */
static void poll_flush(rt_socket *s, bool force)
{
    if (s->poll == NULL || (s->outq.len == 0 && !force))
        return;
    http_exchange *x = s->poll;
    s->poll = NULL;
    if (s->outq.len == 0)
        respond(s->rt, x, 200, TEXT_PLAIN, "6", 1);
    else
        respond(s->rt, x, 200, TEXT_PLAIN, s->outq.p, s->outq.len);
    buf_free(&s->outq); /* an idle session keeps no buffer */
}

/* ---- sending ---- */

/* Sends one encoded Engine.IO text packet (type digit included) on the session's transport. */
static void deliver(rt_socket *s, const char *pkt, size_t n)
{
    if (s->closed)
        return;
    if (s->transport == T_WEBSOCKET) {
        ig_status st = ws_send(s->ws, false, pkt, n);
        if (st == IG_OK && ws_backlog(s->ws) > s->rt->backlog_max)
            session_close(s, "client does not read its messages", IG_LOG_WARN);
        else if (st != IG_OK && st != IG_ESTATE)
            session_close(s, "cannot queue a message", IG_LOG_WARN);
        return;
    }
    ig_status st = IG_OK;
    if (s->outq.len > 0) {
        char sep = EIO_SEPARATOR;
        st = buf_append(&s->outq, &sep, 1);
    }
    if (st == IG_OK)
        st = buf_append(&s->outq, pkt, n);
    if (st != IG_OK) {
        session_close(s, st == IG_ETOOBIG ? "client does not poll for its messages" : "out of memory",
                      IG_LOG_WARN);
        return;
    }
    poll_flush(s, false);
}

static void send_eio(rt_socket *s, eio_type type, const char *data, size_t n)
{
    ig_buf b;
    buf_init(&b, ENCODE_MAX);
    if (eio_encode(&b, type, data, n) == IG_OK)
        deliver(s, b.p, b.len);
    buf_free(&b);
}

/* "4" + the Socket.IO packet: the form every socket-level send takes. */
static ig_status encode_sio(ig_buf *b, sio_type type, int64_t id, const json_t *data)
{
    ig_status st = buf_append(b, "4", 1);
    if (st == IG_OK)
        st = sio_encode(b, type, "/", id, 0, data);
    return st;
}

ig_status rt_encode_event(ig_buf *b, const char *event, const json_t *data)
{
    json_t *arr = json_pack("[s]", event);
    if (arr == NULL)
        return IG_ENOMEM;
    if (data != NULL && json_array_append(arr, (json_t *)data) != 0) {
        json_decref(arr);
        return IG_ENOMEM;
    }
    ig_status st = encode_sio(b, SIO_EVENT, -1, arr);
    json_decref(arr);
    return st;
}

static void send_sio(rt_socket *s, sio_type type, int64_t id, const json_t *data)
{
    ig_buf b;
    buf_init(&b, ENCODE_MAX);
    if (encode_sio(&b, type, id, data) == IG_OK)
        deliver(s, b.p, b.len);
    buf_free(&b);
}

/* ---- closing ---- */

static void session_close(rt_socket *s, const char *reason, log_level level)
{
    if (s->closed)
        return;
    rt_server *rt = s->rt;
    s->refs++; /* the hooks may hold and release */
    if (s->connected) {
        for (size_t i = 0; i < rt->nhooks; i++)
            rt->hooks[i].fn(rt, s, rt->hooks[i].arg);
    }
    log_session(s, level, level >= IG_LOG_WARN ? "rt_dropped" : "rt_closed", reason);
    s->closed = true;
    unhash(s);
    rooms_leave_all(rt->rooms, &s->rooms);
    if (s->poll) {
        http_exchange *x = s->poll;
        s->poll = NULL;
        respond(rt, x, 200, TEXT_PLAIN, "1", 1);
    }
    uint16_t code = level >= IG_LOG_WARN ? 1008 : rt->shutting_down ? 1001 : 1000;
    if (s->ws) {
        ws_set_arg(s->ws, NULL);
        ws_close(s->ws, code, reason);
        s->ws = NULL;
    }
    if (s->probe) {
        ws_set_arg(s->probe, NULL);
        ws_close(s->probe, code, reason);
        s->probe = NULL;
    }
    if (s->partial) {
        sio_packet_clear(s->partial);
        free(s->partial);
        s->partial = NULL;
    }
    buf_free(&s->outq);
    uv_timer_stop(&s->timer);
    uv_close((uv_handle_t *)&s->timer, on_timer_closed);
    rt_socket_release(s);
}

static void malformed(rt_socket *s, const char *why)
{
    if (!s->closed)
        s->violated = true;
    session_close(s, why, IG_LOG_WARN);
}

/* ---- heartbeat ---- */

static void on_heartbeat(uv_timer_t *t)
{
    rt_socket *s = t->data;
    rt_server *rt = s->rt;
    if (s->closed)
        return;
    if (s->awaiting_pong) {
        session_close(s, "ping timeout", IG_LOG_INFO);
        return;
    }
    uint64_t now = now_ms(rt);
    if (!s->connected && now - s->created_ms >= RT_CONNECT_TIMEOUT_MS) {
        session_close(s, "no socket connected in time", IG_LOG_INFO);
        return;
    }
    if (s->probe && now - s->probe_ms >= UPGRADE_TIMEOUT_MS) {
        ws_set_arg(s->probe, NULL);
        ws_close(s->probe, 1000, "upgrade timed out");
        s->probe = NULL;
        s->upgrading = false;
    }
    s->awaiting_pong = true;
    send_eio(s, EIO_PING, "", 0);
    if (!s->closed)
        uv_timer_start(&s->timer, on_heartbeat, rt->cfg.ping_timeout_ms, 0);
}

/* ---- the Socket.IO layer ---- */

static const char *const RESERVED[] = {"connect", "connect_error", "disconnect", "disconnecting",
                                       "newListener", "removeListener"};

static bool reserved_name(const char *name)
{
    for (size_t i = 0; i < sizeof RESERVED / sizeof RESERVED[0]; i++)
        if (strcmp(RESERVED[i], name) == 0)
            return true;
    return false;
}

static const handler *find_handler(const rt_server *rt, const char *name)
{
    for (size_t i = 0; i < rt->nhandlers; i++)
        if (strcmp(rt->handlers[i].name, name) == 0)
            return &rt->handlers[i];
    return NULL;
}

/* False (and the packet dropped) past RT_MAX_EVENTS_PER_SEC within the current second; a connected
 * socket is told once per second. */
static bool within_rate(rt_socket *s)
{
    uint64_t now = now_ms(s->rt);
    if (now - s->window_ms >= 1000) {
        s->window_ms = now;
        s->window_events = 0;
        s->flood_warned = false;
    }
    if (++s->window_events <= RT_MAX_EVENTS_PER_SEC)
        return true;
    if (!s->flood_warned) {
        s->flood_warned = true;
        json_t *e = json_pack("{s:s}", "message",
                              s->lang == LANG_EN ? "Too many events: slow down" : "发送过于频繁，请稍后再试");
        rt_socket_emit(s, "error", e);
        json_decref(e);
        log_session(s, IG_LOG_WARN, "rt_flood", "events dropped");
    }
    return false;
}

static void on_event(rt_socket *s, const sio_packet *pkt)
{
    rt_server *rt = s->rt;
    if (!within_rate(s))
        return;
    const char *name = sio_event_name(pkt);
    const handler *h = find_handler(rt, name);
    if (h == NULL)
        return; /* as Socket.IO does: an event nobody listens to is dropped */
    json_t *args = json_array();
    if (args == NULL)
        return;
    for (size_t i = 1; i < json_array_size(pkt->data); i++)
        json_array_append(args, json_array_get(pkt->data, i));
    rt_event ev = {name, args, pkt->id, pkt};
    rt_socket_hold(s);
    h->fn(rt, s, &ev, h->arg);
    rt_socket_release(s);
    json_decref(args);
}

static void on_sio(rt_socket *s, const sio_packet *pkt)
{
    rt_server *rt = s->rt;
    if (strcmp(pkt->nsp, "/") != 0) {
        if (pkt->type != SIO_CONNECT) {
            malformed(s, "packet for a namespace not connected");
            return;
        }
        json_t *e = json_pack("{s:s}", "message", "Invalid namespace");
        ig_buf b;
        buf_init(&b, ENCODE_MAX);
        if (e && buf_append(&b, "4", 1) == IG_OK && sio_encode(&b, SIO_CONNECT_ERROR, pkt->nsp, -1, 0, e) == IG_OK)
            deliver(s, b.p, b.len);
        buf_free(&b);
        json_decref(e);
        return;
    }
    switch (pkt->type) {
    case SIO_CONNECT:
        if (s->connected || s->authenticating) {
            malformed(s, "second CONNECT");
            return;
        }
        if (!within_rate(s))
            return; /* retries after refusals count like events: each may cost a store query */
        s->authenticating = true;
        if (rt->auth)
            rt->auth(rt, s, pkt->data, rt->auth_arg);
        else
            rt_connect_accept(s, 0);
        return;
    case SIO_DISCONNECT:
        if (!s->connected) {
            malformed(s, "DISCONNECT before CONNECT");
            return;
        }
        session_close(s, "client disconnected", IG_LOG_INFO);
        return;
    case SIO_EVENT:
    case SIO_BINARY_EVENT:
        if (!s->connected) {
            malformed(s, "event before CONNECT");
            return;
        }
        on_event(s, pkt);
        return;
    case SIO_ACK:
    case SIO_BINARY_ACK:
        return; /* the server asks for no acknowledgements */
    case SIO_CONNECT_ERROR:
        malformed(s, "CONNECT_ERROR from a client");
        return;
    }
}

/* ---- the Engine.IO layer ---- */

static void on_message(rt_socket *s, const eio_packet *pkt)
{
    rt_server *rt = s->rt;
    ig_err err = {0};
    if (pkt->binary) {
        if (s->partial == NULL) {
            malformed(s, "binary message without a binary packet");
            return;
        }
        if (sio_add_attachment(s->partial, pkt->data.p, pkt->data.n, &rt->limits, &err) != IG_OK) {
            malformed(s, err.msg);
            return;
        }
        if (!sio_packet_complete(s->partial))
            return;
        sio_packet *p = s->partial;
        s->partial = NULL;
        on_sio(s, p);
        sio_packet_clear(p);
        free(p);
        return;
    }
    if (s->partial != NULL) {
        malformed(s, "text message while attachments were due");
        return;
    }
    sio_packet p;
    if (sio_decode(pkt->data.p, pkt->data.n, &rt->limits, &p, &err) != IG_OK) {
        malformed(s, err.msg);
        return;
    }
    if (!sio_packet_complete(&p)) {
        s->partial = malloc(sizeof *s->partial);
        if (s->partial == NULL) {
            sio_packet_clear(&p);
            session_close(s, "out of memory", IG_LOG_WARN);
            return;
        }
        *s->partial = p;
        return;
    }
    on_sio(s, &p);
    sio_packet_clear(&p);
}

static void on_packet(rt_socket *s, const eio_packet *pkt)
{
    switch (pkt->type) {
    case EIO_PONG:
        if (s->awaiting_pong) {
            s->awaiting_pong = false;
            uv_timer_start(&s->timer, on_heartbeat, s->rt->cfg.ping_interval_ms, 0);
        }
        return;
    case EIO_PING:
        send_eio(s, EIO_PONG, pkt->data.p, pkt->data.n);
        return;
    case EIO_MESSAGE:
        on_message(s, pkt);
        return;
    case EIO_CLOSE:
        session_close(s, "client closed", IG_LOG_INFO);
        return;
    case EIO_NOOP:
        return;
    case EIO_OPEN:
    case EIO_UPGRADE:
        malformed(s, "unexpected packet type");
        return;
    }
}

/* ---- WebSocket transport ---- */

static void upgrade_done(rt_socket *s)
{
    s->ws = s->probe;
    s->probe = NULL;
    s->transport = T_WEBSOCKET;
    s->upgrading = false;
    poll_flush(s, true);
    /* what waited for a GET goes out as frames; server packets never hold a raw separator
     * (JSON escapes control characters) */
    ig_buf q = s->outq;
    buf_init(&s->outq, s->rt->backlog_max);
    size_t start = 0;
    for (size_t i = 0; i <= q.len && !s->closed; i++) {
        if (i < q.len && q.p[i] != EIO_SEPARATOR)
            continue;
        if (i > start)
            deliver(s, q.p + start, i - start);
        start = i + 1;
    }
    buf_free(&q);
    log_session(s, IG_LOG_DEBUG, "rt_upgraded", NULL);
}

static void on_probe_message(rt_socket *s, bool binary, const char *p, size_t n)
{
    if (!binary && !s->upgrading && n == 6 && memcmp(p, "2probe", 6) == 0) {
        if (ws_send(s->probe, false, "3probe", 6) != IG_OK)
            return;
        s->upgrading = true;
        s->probe_ms = now_ms(s->rt);
        poll_flush(s, true); /* the client pauses polling once its pending GET returns */
        return;
    }
    if (!binary && s->upgrading && n == 1 && p[0] == '5') {
        upgrade_done(s);
        return;
    }
    log_session(s, IG_LOG_WARN, "rt_bad_probe", "unexpected message on the upgrade probe");
    ws_set_arg(s->probe, NULL);
    ws_close(s->probe, 1002, "bad probe");
    s->probe = NULL;
    s->upgrading = false;
}

static void ws_on_message(ws_conn *c, bool binary, const char *p, size_t n, void *arg)
{
    rt_socket *s = arg;
    if (s == NULL || s->closed)
        return;
    if (c == s->probe) {
        on_probe_message(s, binary, p, n);
        return;
    }
    if (c != s->ws)
        return;
    eio_packet pkt = {EIO_MESSAGE, true, str_make(p, n)};
    ig_err err = {0};
    if (!binary && eio_decode_text(p, n, &pkt, &err) != IG_OK) {
        malformed(s, err.msg);
        return;
    }
    rt_socket_hold(s);
    on_packet(s, &pkt);
    rt_socket_release(s);
}

static void ws_on_close(ws_conn *c, const char *reason, bool error, void *arg)
{
    rt_socket *s = arg;
    if (s == NULL || s->closed)
        return;
    if (c == s->probe) {
        s->probe = NULL;
        s->upgrading = false;
        return;
    }
    if (c == s->ws) {
        s->ws = NULL;
        session_close(s, reason, error ? IG_LOG_WARN : IG_LOG_INFO);
    }
}

static const ws_callbacks WS_CB = {ws_on_message, ws_on_close};

typedef struct hijack_ctx {
    rt_server *rt;
    char accept[WS_ACCEPT_LEN + 1];
    char sid[EIO_SID_MAX + 1]; /* "" for a new session */
    char ip[64];
    uint8_t lang;
} hijack_ctx;

static void on_hijacked(void *arg, uv_tcp_t *tcp, const char *rest, size_t n)
{
    hijack_ctx *h = arg;
    rt_server *rt = h->rt;
    ws_conn *c = NULL;
    ig_err err = {0};
    if (ws_start(&rt->wsh, tcp, h->accept, rt->cfg.max_payload, &WS_CB, NULL, &c, &err) != IG_OK) {
        log_printf(rt->cfg.log, IG_LOG_WARN, "rt_upgrade_failed", "%s", err.msg);
        free(h);
        return;
    }
    if (h->sid[0]) {
        rt_socket *s = lookup(rt, h->sid);
        if (s == NULL || s->closed || s->transport != T_POLLING || s->probe != NULL) {
            ws_close(c, 1008, "session gone");
        } else {
            s->probe = c;
            s->probe_ms = now_ms(rt);
            ws_set_arg(c, s);
        }
    } else {
        rt_socket *s = rt->shutting_down ? NULL : session_new(rt, T_WEBSOCKET, h->ip, h->lang);
        if (s == NULL) {
            ws_close(c, 1013, "cannot open a session");
        } else {
            s->ws = c;
            ws_set_arg(c, s);
            ig_buf b;
            buf_init(&b, 1024);
            if (eio_open_packet(&b, s->sid, false, rt->cfg.ping_interval_ms, rt->cfg.ping_timeout_ms,
                                rt->cfg.max_payload) == IG_OK)
                deliver(s, b.p, b.len);
            buf_free(&b);
            log_session(s, IG_LOG_DEBUG, "rt_opened", NULL);
        }
    }
    free(h);
    ws_run(c, rest, n);
}

/* ---- HTTP transport ---- */

static uint8_t lang_of(const http_request *req)
{
    ig_str s = str_trim(http_request_header(req, STR_LIT("Accept-Language")));
    if (s.n >= 2 && (s.p[0] == 'e' || s.p[0] == 'E') && (s.p[1] == 'n' || s.p[1] == 'N') &&
        (s.n == 2 || s.p[2] == '-' || s.p[2] == '_' || s.p[2] == ';' || s.p[2] == ','))
        return LANG_EN;
    return LANG_ZH;
}

static void handle_websocket(rt_server *rt, http_exchange *x, const eio_query *q)
{
    http_request *req = http_exchange_request(x);
    hijack_ctx *h = calloc(1, sizeof *h);
    ig_err err = {0};
    if (h == NULL) {
        http_exchange_respond(x, 500, NULL, "", 0, HTTP_RESP_CLOSE);
        return;
    }
    if (ws_check_request(req, h->accept, &err) != IG_OK) {
        free(h);
        respond_error(rt, x, 400, EIO_ERR_BAD_REQUEST);
        return;
    }
    if (q->has_sid) {
        rt_socket *s = lookup(rt, q->sid);
        if (s == NULL) {
            free(h);
            respond_error(rt, x, 400, EIO_ERR_UNKNOWN_SID);
            return;
        }
        if (s->transport != T_POLLING || s->probe != NULL) {
            free(h);
            respond_error(rt, x, 400, EIO_ERR_BAD_REQUEST);
            return;
        }
        snprintf(h->sid, sizeof h->sid, "%s", q->sid);
    } else if ((int)rt->nsessions >= rt->cfg.max_sessions) {
        free(h);
        respond_error(rt, x, 503, EIO_ERR_BAD_REQUEST);
        return;
    }
    h->rt = rt;
    h->lang = lang_of(req);
    snprintf(h->ip, sizeof h->ip, "%s", req->client_ip);
    if (!http_exchange_hijack(x, on_hijacked, h))
        free(h);
}

static void handshake(rt_server *rt, http_exchange *x)
{
    http_request *req = http_exchange_request(x);
    if ((int)rt->nsessions >= rt->cfg.max_sessions) {
        respond_error(rt, x, 503, EIO_ERR_BAD_REQUEST);
        return;
    }
    rt_socket *s = session_new(rt, T_POLLING, req->client_ip, lang_of(req));
    ig_buf b;
    buf_init(&b, 1024);
    if (s == NULL || eio_open_packet(&b, s->sid, true, rt->cfg.ping_interval_ms, rt->cfg.ping_timeout_ms,
                                     rt->cfg.max_payload) != IG_OK) {
        buf_free(&b);
        if (s)
            session_close(s, "out of memory", IG_LOG_WARN);
        http_exchange_respond(x, 500, NULL, "", 0, HTTP_RESP_CLOSE);
        return;
    }
    log_session(s, IG_LOG_DEBUG, "rt_opened", NULL);
    respond(rt, x, 200, TEXT_PLAIN, b.p, b.len);
    buf_free(&b);
}

static ig_status post_packet(void *arg, const eio_packet *pkt)
{
    rt_socket *s = arg;
    if (s->closed)
        return IG_ESTATE;
    on_packet(s, pkt);
    return s->closed ? IG_ESTATE : IG_OK;
}

static void handle_post(rt_server *rt, http_exchange *x, rt_socket *s)
{
    http_request *req = http_exchange_request(x);
    ig_err err = {0};
    rt_socket_hold(s);
    ig_status st = eio_decode_payload(req->body.p, req->body.n, MAX_PAYLOAD_PACKETS, post_packet, s, &err);
    if (st == IG_EINVAL || st == IG_ETOOBIG)
        malformed(s, err.msg);
    if (s->violated) /* a session the client closed or disconnected was a fine POST */
        respond_error(rt, x, 400, EIO_ERR_BAD_REQUEST);
    else
        respond(rt, x, 200, "text/html", "ok", 2);
    rt_socket_release(s);
}

static void handle_get(rt_server *rt, http_exchange *x, rt_socket *s)
{
    if (s->poll != NULL) {
        /* two GETs at once: the client is broken or not who it claims */
        respond_error(rt, x, 400, EIO_ERR_BAD_REQUEST);
        malformed(s, "overlapping polls");
        return;
    }
    s->poll = x;
    poll_flush(s, s->upgrading);
}

bool rt_http_path(const char *path, size_t n)
{
    return (n == sizeof RT_PATH - 1 && memcmp(path, RT_PATH, n) == 0) ||
           (n == sizeof RT_PATH - 2 && memcmp(path, RT_PATH, n) == 0);
}

uint64_t rt_http_body_limit(http_exchange *x, void *arg)
{
    (void)x;
    return ((rt_server *)arg)->cfg.max_payload;
}

void rt_http_request(http_exchange *x, void *arg)
{
    rt_server *rt = arg;
    http_request *req = http_exchange_request(x);
    const char *allow = NULL;
    if (!rt_http_path(req->path.p, req->path.n)) {
        respond_error(rt, x, 404, EIO_ERR_BAD_REQUEST);
        return;
    }
    if (!origin_allowed(rt, http_request_header(req, STR_LIT("Origin")), &allow)) {
        respond_error(rt, x, 403, EIO_ERR_FORBIDDEN);
        return;
    }
    if (req->method == HTTP_OPTIONS) {
        http_exchange_add_header(x, STR_LIT("Access-Control-Allow-Methods"), STR_LIT("GET, POST, OPTIONS"));
        http_exchange_add_header(x, STR_LIT("Access-Control-Allow-Headers"), STR_LIT("Content-Type"));
        respond(rt, x, 204, NULL, "", 0);
        return;
    }
    if (rt->shutting_down) {
        respond_error(rt, x, 503, EIO_ERR_BAD_REQUEST);
        return;
    }
    eio_query q;
    if (eio_parse_query(req->query.p, req->query.n, &q, NULL) != IG_OK) {
        respond_error(rt, x, 400, EIO_ERR_BAD_REQUEST);
        return;
    }
    if (q.eio != EIO_PROTOCOL) {
        respond_error(rt, x, 400, EIO_ERR_UNSUPPORTED_PROTOCOL_VERSION);
        return;
    }
    if (q.transport == EIO_TRANSPORT_WEBSOCKET) {
        handle_websocket(rt, x, &q);
        return;
    }
    if (q.transport != EIO_TRANSPORT_POLLING) {
        respond_error(rt, x, 400, EIO_ERR_UNKNOWN_TRANSPORT);
        return;
    }
    if (!q.has_sid) {
        if (req->method == HTTP_GET)
            handshake(rt, x);
        else
            respond_error(rt, x, 400, EIO_ERR_BAD_HANDSHAKE_METHOD);
        return;
    }
    rt_socket *s = lookup(rt, q.sid);
    if (s == NULL) {
        respond_error(rt, x, 400, EIO_ERR_UNKNOWN_SID);
        return;
    }
    if (s->transport != T_POLLING) {
        respond_error(rt, x, 400, EIO_ERR_BAD_REQUEST);
        return;
    }
    if (req->method == HTTP_GET)
        handle_get(rt, x, s);
    else if (req->method == HTTP_POST)
        handle_post(rt, x, s);
    else
        respond_error(rt, x, 400, EIO_ERR_BAD_REQUEST);
}

/* ---- connecting ---- */

void rt_user_room(int64_t user_id, char *out, size_t cap)
{
    snprintf(out, cap, RT_USER_ROOM_PREFIX "%lld", (long long)user_id);
}

void rt_connect_accept(rt_socket *s, int64_t user_id)
{
    if (s->closed || s->connected)
        return;
    s->authenticating = false;
    s->connected = true;
    s->user_id = user_id;
    new_id(s->id);
    char room[64];
    rt_user_room(user_id, room, sizeof room);
    if (rooms_join(s->rt->rooms, room, strlen(room), s, &s->rooms) != IG_OK) {
        session_close(s, "out of memory", IG_LOG_WARN);
        return;
    }
    json_t *d = json_pack("{s:s}", "sid", s->id);
    send_sio(s, SIO_CONNECT, -1, d);
    json_decref(d);
    log_session(s, IG_LOG_INFO, "rt_connected", NULL);
}

void rt_connect_refuse(rt_socket *s, const json_t *data)
{
    if (s->closed || s->connected)
        return;
    s->authenticating = false;
    send_sio(s, SIO_CONNECT_ERROR, -1, data);
    log_session(s, IG_LOG_INFO, "rt_refused", NULL);
}

/* ---- sockets ---- */

int64_t rt_socket_user(const rt_socket *s) { return s->user_id; }
const char *rt_socket_id(const rt_socket *s) { return s->id; }
const char *rt_socket_lang(const rt_socket *s) { return s->lang == LANG_EN ? "en" : "zh"; }
bool rt_socket_open(const rt_socket *s) { return s->connected && !s->closed; }
void *rt_socket_data(const rt_socket *s) { return s->data; }
void rt_socket_set_data(rt_socket *s, void *data) { s->data = data; }

bool rt_socket_work_begin(rt_socket *s)
{
    if (s->inflight >= RT_MAX_INFLIGHT)
        return false;
    s->inflight++;
    rt_socket_hold(s);
    return true;
}

void rt_socket_work_end(rt_socket *s)
{
    s->inflight--;
    rt_socket_release(s);
}

ig_status rt_socket_emit(rt_socket *s, const char *event, const json_t *data)
{
    if (!rt_socket_open(s))
        return IG_ESTATE;
    ig_buf b;
    buf_init(&b, ENCODE_MAX);
    ig_status st = rt_encode_event(&b, event, data);
    if (st == IG_OK)
        deliver(s, b.p, b.len);
    buf_free(&b);
    return st;
}

ig_status rt_socket_ack(rt_socket *s, int64_t ack_id, const json_t *args)
{
    if (!rt_socket_open(s))
        return IG_ESTATE;
    if (ack_id < 0 || (args != NULL && !json_is_array(args)))
        return IG_EINVAL;
    json_t *empty = args ? NULL : json_array();
    send_sio(s, SIO_ACK, ack_id, args ? args : empty);
    json_decref(empty);
    return IG_OK;
}

ig_status rt_socket_join(rt_socket *s, const char *room)
{
    if (!rt_socket_open(s))
        return IG_ESTATE;
    size_t n = strlen(room);
    if (rooms_has(s->rt->rooms, room, n, s))
        return IG_OK;
    if (rooms_count_of(s->rooms) >= RT_MAX_ROOMS)
        return IG_ETOOBIG;
    return rooms_join(s->rt->rooms, room, n, s, &s->rooms);
}

bool rt_socket_leave(rt_socket *s, const char *room)
{
    return rooms_leave(s->rt->rooms, room, strlen(room), &s->rooms);
}

bool rt_socket_in(const rt_socket *s, const char *room)
{
    return rooms_has(s->rt->rooms, room, strlen(room), s);
}

void rt_socket_disconnect(rt_socket *s)
{
    if (s->closed)
        return;
    if (s->connected)
        send_sio(s, SIO_DISCONNECT, -1, NULL);
    session_close(s, "server disconnected the socket", IG_LOG_INFO);
}

bool rt_event_binary(const rt_event *ev, const json_t *v, const unsigned char **p, size_t *n)
{
    return sio_attachment_of(ev->packet, v, p, n);
}

/* ---- emitting to many ---- */

typedef struct fanout {
    const char *pkt;
    size_t n;
} fanout;

static void fan(void *member, void *arg)
{
    rt_socket *s = member;
    fanout *f = arg;
    if (rt_socket_open(s))
        deliver(s, f->pkt, f->n);
}

/* This instance's members of the room only. */
static size_t fan_local(rt_server *rt, const char *room, size_t room_len, const char *pkt, size_t n)
{
    fanout f = {pkt, n};
    return rooms_each(rt->rooms, room, room_len, fan, &f);
}

/* An emit that starts here: to the local members, and to the relay for the other instances. */
static size_t emit_encoded(rt_server *rt, const char *room, const char *pkt, size_t n)
{
    size_t room_len = strlen(room);
    if (rt->relay != NULL)
        rt->relay(rt->relay_arg, room, room_len, pkt, n);
    return fan_local(rt, room, room_len, pkt, n);
}

size_t rt_deliver_room(rt_server *rt, const char *room, size_t room_len, const char *pkt, size_t n)
{
    return rt->shutting_down ? 0 : fan_local(rt, room, room_len, pkt, n);
}

void rt_set_relay(rt_server *rt, rt_relay_fn fn, void *arg)
{
    rt->relay = fn;
    rt->relay_arg = arg;
}

size_t rt_emit_room(rt_server *rt, const char *room, const char *event, const json_t *data)
{
    ig_buf b;
    buf_init(&b, ENCODE_MAX);
    size_t k = 0;
    if (rt_encode_event(&b, event, data) == IG_OK)
        k = emit_encoded(rt, room, b.p, b.len);
    buf_free(&b);
    return k;
}

size_t rt_emit_user(rt_server *rt, int64_t user_id, const char *event, const json_t *data)
{
    char room[64];
    rt_user_room(user_id, room, sizeof room);
    return rt_emit_room(rt, room, event, data);
}

static void async_msg_free(async_msg *m)
{
    free(m->pkt);
    free(m->room);
    free(m->revoke);
    free(m);
}

/* Queues m for the loop; frees it instead after rt_shutdown. */
static void async_push(rt_server *rt, async_msg *m)
{
    uv_mutex_lock(&rt->amu);
    bool closed = rt->async_closed;
    if (!closed) {
        if (rt->atail)
            rt->atail->next = m;
        else
            rt->ahead = m;
        rt->atail = m;
        uv_async_send(&rt->async);
    }
    uv_mutex_unlock(&rt->amu);
    if (closed)
        async_msg_free(m);
}

void rt_emit_room_async(rt_server *rt, const char *room, const char *event, const json_t *data)
{
    ig_buf b;
    buf_init(&b, ENCODE_MAX);
    async_msg *m = calloc(1, sizeof *m);
    if (m == NULL || rt_encode_event(&b, event, data) != IG_OK || (m->room = strdup(room)) == NULL) {
        buf_free(&b);
        if (m)
            free(m->room);
        free(m);
        return;
    }
    m->pkt = buf_steal(&b, &m->n);
    async_push(rt, m);
}

void rt_emit_user_async(rt_server *rt, int64_t user_id, const char *event, const json_t *data)
{
    char room[64];
    rt_user_room(user_id, room, sizeof room);
    rt_emit_room_async(rt, room, event, data);
}

static void on_async(uv_async_t *a)
{
    rt_server *rt = a->data;
    uv_mutex_lock(&rt->amu);
    async_msg *m = rt->ahead;
    rt->ahead = rt->atail = NULL;
    uv_mutex_unlock(&rt->amu);
    while (m) {
        async_msg *next = m->next;
        if (!rt->shutting_down && m->revoke != NULL) {
            rt_disconnect_revoked(rt, m->revoke);
            if (rt->revoke_relay != NULL)
                rt->revoke_relay(rt->revoke_relay_arg, m->revoke);
        } else if (!rt->shutting_down) {
            emit_encoded(rt, m->room, m->pkt, m->n);
        }
        async_msg_free(m);
        m = next;
    }
}

/* ---- revocations ---- */

void rt_socket_set_token(rt_socket *s, const char *jti, const char *family)
{
    size_t nj = strnlen(jti, RT_TOKEN_ID_MAX + 1), nf = strnlen(family, RT_TOKEN_ID_MAX + 1);
    snprintf(s->jti, sizeof s->jti, "%s", nj <= RT_TOKEN_ID_MAX ? jti : "");
    snprintf(s->family, sizeof s->family, "%s", nf <= RT_TOKEN_ID_MAX ? family : "");
}

static bool revoked(const rt_socket *s, const rt_revoke *r)
{
    if (!rt_socket_open(s) || s->user_id != r->user_id)
        return false;
    if (r->all)
        return true;
    if (r->keep_family[0] != '\0')
        return strcmp(s->family, r->keep_family) != 0;
    return (r->family[0] != '\0' && strcmp(s->family, r->family) == 0) ||
           (r->jti[0] != '\0' && strcmp(s->jti, r->jti) == 0);
}

size_t rt_disconnect_revoked(rt_server *rt, const rt_revoke *r)
{
    size_t k = 0;
    /* the list changes as sessions close: start over after each one */
    for (rt_socket *s = rt->all; s != NULL;) {
        if (!revoked(s, r)) {
            s = s->next;
            continue;
        }
        send_sio(s, SIO_DISCONNECT, -1, NULL);
        session_close(s, "token revoked", IG_LOG_INFO);
        k++;
        s = rt->all;
    }
    return k;
}

void rt_revoke_async(rt_server *rt, const rt_revoke *r)
{
    async_msg *m = calloc(1, sizeof *m);
    if (m == NULL || (m->revoke = malloc(sizeof *m->revoke)) == NULL) {
        free(m);
        return;
    }
    *m->revoke = *r;
    async_push(rt, m);
}

void rt_set_revoke_relay(rt_server *rt, rt_revoke_relay_fn fn, void *arg)
{
    rt->revoke_relay = fn;
    rt->revoke_relay_arg = arg;
}

/* ---- the server ---- */

ig_status rt_new(uv_loop_t *loop, const rt_config *cfg, rt_server **out, ig_err *err)
{
    if (cfg->max_payload < 64 || cfg->ping_interval_ms == 0 || cfg->ping_timeout_ms == 0 || cfg->max_sessions <= 0)
        return status_errf(err, IG_EINVAL, "realtime: bad limits");
    rt_server *rt = calloc(1, sizeof *rt);
    if (rt == NULL || (rt->buckets = calloc(INITIAL_BUCKETS, sizeof *rt->buckets)) == NULL) {
        free(rt);
        return status_errf(err, IG_ENOMEM, "out of memory");
    }
    ig_status st = rooms_new(&rt->rooms, err);
    if (st != IG_OK) {
        free(rt->buckets);
        free(rt);
        return st;
    }
    rt->loop = loop;
    rt->cfg = *cfg;
    rt->nbuckets = INITIAL_BUCKETS;
    rt->backlog_max = cfg->max_payload * 4 > BACKLOG_MIN ? cfg->max_payload * 4 : BACKLOG_MIN;
    rt->limits = (sio_limits){RT_MAX_ATTACHMENTS, cfg->max_payload};
    crypto_shorthash_keygen(rt->key);
    ws_shared_init(&rt->wsh);
    uv_mutex_init(&rt->amu);
    uv_async_init(loop, &rt->async, on_async);
    rt->async.data = rt;
    *out = rt;
    return IG_OK;
}

void rt_shutdown(rt_server *rt)
{
    if (rt->shutting_down)
        return;
    rt->shutting_down = true;
    while (rt->all)
        session_close(rt->all, "server shutting down", IG_LOG_DEBUG);
    uv_mutex_lock(&rt->amu);
    rt->async_closed = true;
    uv_mutex_unlock(&rt->amu);
    uv_close((uv_handle_t *)&rt->async, NULL);
}

void rt_free(rt_server *rt)
{
    if (rt == NULL)
        return;
    for (async_msg *m = rt->ahead; m;) {
        async_msg *next = m->next;
        async_msg_free(m);
        m = next;
    }
    for (size_t i = 0; i < rt->nhandlers; i++)
        free(rt->handlers[i].name);
    uv_mutex_destroy(&rt->amu);
    ws_shared_free(&rt->wsh);
    rooms_free(rt->rooms);
    free(rt->buckets);
    free(rt);
}

ig_status rt_on(rt_server *rt, const char *event, rt_event_fn fn, void *arg, ig_err *err)
{
    if (event == NULL || event[0] == '\0' || fn == NULL || reserved_name(event))
        return status_errf(err, IG_EINVAL, "realtime: cannot handle event '%s'", event ? event : "");
    if (find_handler(rt, event) != NULL)
        return status_errf(err, IG_ECONFLICT, "realtime: event '%s' already has a handler", event);
    if (rt->nhandlers == RT_MAX_HANDLERS)
        return status_errf(err, IG_ETOOBIG, "realtime: more than %d event handlers", RT_MAX_HANDLERS);
    char *name = strdup(event);
    if (name == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");
    rt->handlers[rt->nhandlers++] = (handler){name, fn, arg};
    return IG_OK;
}

ig_status rt_on_disconnect(rt_server *rt, rt_socket_fn fn, void *arg, ig_err *err)
{
    if (rt->nhooks == RT_MAX_HOOKS)
        return status_errf(err, IG_ETOOBIG, "realtime: more than %d disconnect hooks", RT_MAX_HOOKS);
    rt->hooks[rt->nhooks++] = (hook){fn, arg};
    return IG_OK;
}

void rt_set_auth(rt_server *rt, rt_auth_fn fn, void *arg)
{
    rt->auth = fn;
    rt->auth_arg = arg;
}

void rt_stats_get(const rt_server *rt, rt_stats *out)
{
    memset(out, 0, sizeof *out);
    for (const rt_socket *s = rt->all; s; s = s->next) {
        out->sessions++;
        out->connected += s->connected;
        out->websocket += s->transport == T_WEBSOCKET;
    }
    out->rooms = rooms_total(rt->rooms);
}

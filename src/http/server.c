/* HTTP/1.1 connections on a libuv loop, parsed by http-parser. One exchange (request + response)
 * at a time per connection: while a request is being handled the connection stops reading, so
 * pipelined requests wait in the connection's pending buffer and are answered in order. */
#include "http/server.h"

#include <http_parser.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/buf.h"

#define READ_BUF_SIZE 65536
#define MAX_RESPONSE (512u * 1024 * 1024)
#define CHUNK_SIZE 16384
#define FILE_CHUNK (256u * 1024) /* file responses are read and written in pieces of this size */
#define BODY_TICK_MS 200

typedef enum conn_state {
    CONN_IDLE,       /* between requests: keep-alive timer runs */
    CONN_HEADERS,    /* request line and headers arriving: header deadline runs */
    CONN_BODY,       /* body arriving: idle and rate checks run */
    CONN_HANDLING,   /* request complete, handler owns the exchange: not reading */
    CONN_WRITING,    /* response queued on the socket */
} conn_state;

typedef struct http_conn http_conn;

typedef struct hdr_off {
    size_t name_off, name_len, value_off, value_len;
} hdr_off;

struct http_exchange {
    http_request req;
    http_server *srv;
    http_conn *conn;        /* NULL once the connection is gone while the handler still runs */
    ig_buf hdr;             /* raw url + header bytes, capped at max_header_size */
    hdr_off *hoffs;         /* max_headers entries, from the pool */
    size_t nh;
    bool in_value;
    bool headers_done;      /* later header callbacks are chunked-body trailers: ignored */
    size_t url_len;
    ig_buf body;
    uint64_t body_limit;
    uint64_t body_start_ms, last_byte_ms, body_received;
    bool has_body;
    http_body_sink sink;    /* when set, body bytes go here instead of body */
    void *sink_arg;
    bool body_paused;
    uint64_t paused_at_ms;
    int file_fd;            /* a file response being streamed, or -1; closed with the pool */
    uint64_t file_left, file_off;
    char *file_buf;         /* the piece being read */
    uv_fs_t fs_req;
    bool fs_busy;           /* a read is in flight: its callback owns the exchange */
    http_header *resp_headers;
    size_t nresp, capresp;
    int status;
    int reject;             /* a status the server rejects the request with; 0 when none */
    bool responded;
    bool keep_alive;
    bool is_head;
    void *data;
};

struct http_conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    http_server *srv;
    http_parser parser;
    http_conn *prev, *next;
    http_exchange *x;       /* the exchange being parsed or handled; NULL when idle */
    ig_buf pending;         /* received bytes not parsed yet (pipelining) */
    conn_state state;
    int handles_open;
    bool closing;
    bool close_after;
    bool reading;
    bool eof;               /* the client half-closed: answer what was asked, then close */
    bool feeding;           /* inside the parser: a hijack waits until it returns */
    http_hijack_fn hijack_fn; /* set by http_exchange_hijack until the handover */
    void *hijack_arg;
    void (*hijack_closed)(void *data);
    char client_ip[64];
    bool peer_trusted;      /* the peer is one of the trusted proxies: X-Forwarded-For names the client */
};

typedef struct write_req {
    uv_write_t req;
    http_conn *conn;
    char *data;
} write_req;

struct http_server {
    uv_loop_t *loop;
    uv_tcp_t listener;
    bool listening;
    http_limits lim;
    http_callbacks cb;
    void *udata;
    http_parser_settings settings;
    http_conn *conns;
    int nconns;
    bool shutting_down;
    void (*shutdown_done)(void *arg);
    void *shutdown_arg;
    uv_timer_t shutdown_timer;
    bool shutdown_timer_open;
    bool listener_closed;
    int port;
    char readbuf[READ_BUF_SIZE];
    bool readbuf_used;
    uint64_t rid_counter;
    char rid_prefix[17];
    time_t date_sec;
    char date[40];
};

static void conn_close(http_conn *c);
static void conn_resume(http_conn *c);
static void file_next(http_exchange *x);
static void conn_reject(http_conn *c, int status);
static void server_maybe_done(http_server *srv);

const char *http_status_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    }
    return "Unknown";
}

static uint64_t now_ms(http_server *srv)
{
    return uv_now(srv->loop);
}

/* ---- exchanges ---- */

static void exchange_free_bufs(void *arg)
{
    http_exchange *x = arg;
    buf_free(&x->hdr);
    buf_free(&x->body);
}

static http_exchange *exchange_new(http_conn *c)
{
    http_server *srv = c->srv;
    ig_pool *pool = pool_create();
    if (pool == NULL)
        return NULL;
    http_exchange *x = pool_calloc(pool, sizeof *x);
    if (x == NULL || pool_cleanup_add(pool, exchange_free_bufs, x) != 0) {
        pool_destroy(pool);
        return NULL;
    }
    x->req.pool = pool;
    x->srv = srv;
    x->conn = c;
    buf_init(&x->hdr, srv->lim.max_header_size);
    buf_init(&x->body, 0);
    x->hoffs = pool_calloc(pool, sizeof(hdr_off) * (srv->lim.max_headers + 1));
    if (x->hoffs == NULL) {
        pool_destroy(pool);
        return NULL;
    }
    x->req.start_ns = uv_hrtime();
    snprintf(x->req.client_ip, sizeof x->req.client_ip, "%s", c->client_ip);
    snprintf(x->req.request_id, sizeof x->req.request_id, "%s-%llx", srv->rid_prefix,
             (unsigned long long)++srv->rid_counter);
    x->req.method_name = STR_LIT("");
    x->keep_alive = true;
    x->file_fd = -1;
    return x;
}

static void exchange_destroy(http_exchange *x)
{
    pool_destroy(x->req.pool);
}

http_request *http_exchange_request(http_exchange *x) { return &x->req; }

void http_exchange_refuse(http_exchange *x, int status)
{
    x->reject = status;
}

void http_exchange_set_body_sink(http_exchange *x, http_body_sink fn, void *arg)
{
    x->sink = fn;
    x->sink_arg = arg;
}

static void conn_stop_reading(http_conn *c);
static void conn_start_reading(http_conn *c);

void http_exchange_pause_body(http_exchange *x)
{
    if (x->body_paused || x->conn == NULL)
        return;
    x->body_paused = true;
    x->paused_at_ms = now_ms(x->srv);
    conn_stop_reading(x->conn);
}

void http_exchange_resume_body(http_exchange *x)
{
    if (!x->body_paused)
        return;
    x->body_paused = false;
    /* time spent waiting for our own disk writes is not the client's slowness */
    uint64_t paused = now_ms(x->srv) - x->paused_at_ms;
    x->body_start_ms += paused;
    x->last_byte_ms += paused;
    if (x->conn && x->conn->state == CONN_BODY && !x->conn->eof)
        conn_start_reading(x->conn);
}
void http_exchange_set_data(http_exchange *x, void *data) { x->data = data; }
void *http_exchange_data(http_exchange *x) { return x->data; }
int http_exchange_status(const http_exchange *x) { return x->status; }

ig_str http_request_header(const http_request *req, ig_str name)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (str_caseeq(req->headers[i].name, name))
            return req->headers[i].value;
    return STR_NULL;
}

ig_status http_exchange_add_header(http_exchange *x, ig_str name, ig_str value)
{
    if (x->nresp == x->capresp) {
        size_t ncap = x->capresp ? x->capresp * 2 : 8;
        http_header *nh = pool_alloc(x->req.pool, ncap * sizeof *nh);
        if (nh == NULL)
            return IG_ENOMEM;
        if (x->nresp)
            memcpy(nh, x->resp_headers, x->nresp * sizeof *nh);
        x->resp_headers = nh;
        x->capresp = ncap;
    }
    char *n = pool_strndup(x->req.pool, name.p, name.n);
    char *v = pool_strndup(x->req.pool, value.p, value.n);
    if (n == NULL || v == NULL)
        return IG_ENOMEM;
    /* header injection: a value never carries CR or LF */
    for (size_t i = 0; i < value.n; i++)
        if (v[i] == '\r' || v[i] == '\n')
            v[i] = ' ';
    x->resp_headers[x->nresp++] = (http_header){str_make(n, name.n), str_make(v, value.n)};
    return IG_OK;
}

/* ---- timers ---- */

static void on_keepalive_timeout(uv_timer_t *t)
{
    conn_close(t->data);
}

static void on_header_timeout(uv_timer_t *t)
{
    http_conn *c = t->data;
    if (c->state == CONN_HEADERS)
        conn_reject(c, 408);
    else if (c->state == CONN_IDLE)
        conn_close(c); /* only blank lines arrived: nothing to answer */
}

static void on_body_tick(uv_timer_t *t)
{
    http_conn *c = t->data;
    if (c->state != CONN_BODY || c->x == NULL || c->x->body_paused)
        return;
    http_exchange *x = c->x;
    http_limits *lim = &c->srv->lim;
    uint64_t now = now_ms(c->srv);
    bool idle = now - x->last_byte_ms >= lim->body_idle_timeout_ms;
    uint64_t elapsed = now - x->body_start_ms;
    bool slow = elapsed > lim->body_timeout_ms &&
                x->body_received * 1000 < lim->body_min_rate * elapsed;
    if (idle || slow)
        conn_reject(c, 408);
}

static void timer_set(http_conn *c, uv_timer_cb cb, uint64_t timeout, uint64_t repeat)
{
    uv_timer_stop(&c->timer);
    if (cb)
        uv_timer_start(&c->timer, cb, timeout, repeat);
}

/* ---- parser callbacks ---- */

static int hp_on_message_begin(http_parser *p)
{
    http_conn *c = p->data;
    if (c->x == NULL) {
        c->x = exchange_new(c);
        if (c->x == NULL)
            return 1;
    }
    c->state = CONN_HEADERS;
    timer_set(c, on_header_timeout, c->srv->lim.header_timeout_ms, 0);
    return 0;
}

static int hdr_append(http_exchange *x, const char *at, size_t len)
{
    ig_status st = buf_append(&x->hdr, at, len);
    if (st == IG_OK)
        return 0;
    x->reject = st == IG_ETOOBIG ? 431 : 500;
    return 1;
}

static int hp_on_url(http_parser *p, const char *at, size_t len)
{
    http_conn *c = p->data;
    if (hdr_append(c->x, at, len))
        return 1;
    c->x->url_len += len;
    return 0;
}

static int hp_on_header_field(http_parser *p, const char *at, size_t len)
{
    http_exchange *x = ((http_conn *)p->data)->x;
    /* trailers of a chunked body: the request's strings point into hdr, which must not move */
    if (x->headers_done)
        return 0;
    if (x->in_value || x->nh == 0) {
        if (x->nh == x->srv->lim.max_headers) {
            x->reject = 431;
            return 1;
        }
        x->hoffs[x->nh].name_off = x->hdr.len;
        x->nh++;
        x->in_value = false;
    }
    x->hoffs[x->nh - 1].name_len += len;
    return hdr_append(x, at, len);
}

static int hp_on_header_value(http_parser *p, const char *at, size_t len)
{
    http_exchange *x = ((http_conn *)p->data)->x;
    if (x->headers_done)
        return 0;
    if (!x->in_value) {
        x->hoffs[x->nh - 1].value_off = x->hdr.len;
        x->in_value = true;
    }
    x->hoffs[x->nh - 1].value_len += len;
    return hdr_append(x, at, len);
}

static bool request_id_ok(ig_str v)
{
    if (v.n == 0 || v.n > 128)
        return false;
    for (size_t i = 0; i < v.n; i++) {
        char ch = v.p[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                  ch == '-' || ch == '_' || ch == '.';
        if (!ok)
            return false;
    }
    return true;
}

static bool token_ok(ig_str s)
{
    if (s.n == 0)
        return false;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        if (ch <= ' ' || ch >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", ch) != NULL)
            return false;
    }
    return true;
}

/* A trusted proxy's request: the client address comes from its X-Forwarded-For lines, the last
 * PROXY_HOPS_MAX of them (the walk never gets further). */
static void forwarded_client(http_server *srv, http_request *r)
{
    ig_str vals[PROXY_HOPS_MAX];
    size_t total = 0, n = 0;
    for (size_t i = 0; i < r->nheaders; i++)
        total += str_caseeq(r->headers[i].name, STR_LIT("X-Forwarded-For"));
    for (size_t i = 0, k = 0; i < r->nheaders; i++) {
        if (!str_caseeq(r->headers[i].name, STR_LIT("X-Forwarded-For")))
            continue;
        if (total - k++ <= PROXY_HOPS_MAX)
            vals[n++] = r->headers[i].value;
    }
    char ip[PROXY_ADDR_MAX];
    if (proxy_forwarded_for(srv->lim.trusted_proxies, vals, n, ip))
        snprintf(r->client_ip, sizeof r->client_ip, "%s", ip);
}

static int hp_on_headers_complete(http_parser *p)
{
    http_conn *c = p->data;
    http_exchange *x = c->x;
    http_request *r = &x->req;
    http_server *srv = c->srv;

    /* the header bytes are final: point the request's strings into them */
    x->headers_done = true;
    r->url = str_make(x->hdr.p ? x->hdr.p : "", x->url_len);
    r->headers = pool_alloc(r->pool, sizeof(http_header) * (x->nh ? x->nh : 1));
    if (r->headers == NULL) {
        x->reject = 500;
        return -1;
    }
    for (size_t i = 0; i < x->nh; i++) {
        hdr_off *o = &x->hoffs[i];
        r->headers[i].name = str_make(x->hdr.p + o->name_off, o->name_len);
        r->headers[i].value = str_trim(str_make(x->hdr.p + o->value_off, o->value_len));
    }
    r->nheaders = x->nh;
    for (size_t i = 0; i < r->nheaders; i++) {
        /* Debian builds http-parser leniently: "Host : x" would pass. A header name is a token
         * (RFC 9110 5.1); anything else is a smuggling vector, so refuse it. */
        if (!token_ok(r->headers[i].name)) {
            x->reject = 400;
            return -1;
        }
    }
    const char *q = memchr(r->url.p, '?', r->url.n);
    r->path = q ? str_make(r->url.p, (size_t)(q - r->url.p)) : r->url;
    r->query = q ? str_make(q + 1, r->url.n - r->path.n - 1) : STR_LIT("");
    if (c->peer_trusted)
        forwarded_client(srv, r);
    r->method = p->method;
    r->method_name = str_cstr(http_method_str(p->method));
    r->http_major = p->http_major;
    r->http_minor = p->http_minor;
    x->is_head = p->method == HTTP_HEAD;
    x->keep_alive = http_should_keep_alive(p) != 0;
    ig_str rid = http_request_header(r, STR_LIT("X-Request-Id"));
    if (request_id_ok(rid))
        snprintf(r->request_id, sizeof r->request_id, "%.*s", (int)rid.n, rid.p);

    ig_str expect = http_request_header(r, STR_LIT("Expect"));
    bool chunked = (p->flags & F_CHUNKED) != 0;
    bool has_len = p->content_length != ULLONG_MAX && p->content_length > 0;
    x->has_body = chunked || has_len;
    x->body_limit = srv->cb.body_limit(x, srv->udata);
    x->body.max = x->body_limit;
    if (x->reject)
        return -1;
    if (expect.p != NULL && !(str_caseeq(expect, STR_LIT("100-continue")) && r->http_minor >= 1)) {
        x->reject = 417;
        return -1;
    }
    if (has_len && p->content_length > x->body_limit) {
        x->reject = 413;
        return -1;
    }
    if (expect.p != NULL && x->has_body && !srv->shutting_down) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        uv_buf_t b = uv_buf_init((char *)cont, sizeof cont - 1);
        /* try_write: a 25-byte write to a fresh socket; if it cannot go out now, the client
         * sends the body after its own timeout anyway (RFC 9110 10.1.1) */
        (void)uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    }
    if (x->has_body) {
        c->state = CONN_BODY;
        x->body_start_ms = x->last_byte_ms = now_ms(srv);
        timer_set(c, on_body_tick, BODY_TICK_MS, BODY_TICK_MS);
    }
    return 0;
}

static int hp_on_body(http_parser *p, const char *at, size_t len)
{
    http_conn *c = p->data;
    http_exchange *x = c->x;
    ig_status st;
    if (x->sink) {
        /* the cap a buffer would enforce, counted here (chunked bodies have no length) */
        st = x->body_received + len > x->body_limit ? IG_ETOOBIG : x->sink(x->sink_arg, at, len);
        if (st != IG_OK) {
            x->reject = st == IG_ETOOBIG ? 413 : st == IG_ENOMEM || st == IG_EIO ? 500 : 400;
            return 1;
        }
    } else if ((st = buf_append(&x->body, at, len)) != IG_OK) {
        x->reject = st == IG_ETOOBIG ? 413 : 500;
        return 1;
    }
    x->body_received += len;
    x->last_byte_ms = now_ms(c->srv);
    return 0;
}

static int hp_on_message_complete(http_parser *p)
{
    http_conn *c = p->data;
    http_exchange *x = c->x;
    x->req.body = str_make(x->body.p ? x->body.p : "", x->body.len);
    c->state = CONN_HANDLING;
    timer_set(c, NULL, 0, 0);
    if (!x->keep_alive || c->srv->shutting_down)
        c->close_after = true;
    /* one exchange at a time: stop here and hand the request over after the parser returns */
    http_parser_pause(p, 1);
    return 0;
}

/* ---- connection I/O ---- */

static void on_close(uv_handle_t *h)
{
    http_conn *c = h->data;
    if (--c->handles_open > 0)
        return;
    http_server *srv = c->srv;
    buf_free(&c->pending);
    free(c);
    srv->nconns--;
    server_maybe_done(srv);
}

static void conn_close(http_conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    http_server *srv = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->x && c->x->fs_busy) { /* a file read is in flight: its callback frees the exchange */
        c->x->conn = NULL;
        c->x = NULL;
    }
    if (c->x && c->state != CONN_WRITING) { /* a queued write's callback frees its exchange */
        if (c->state == CONN_HANDLING && !c->x->responded)
            c->x->conn = NULL; /* the handler still owns it; respond() will free it */
        else
            exchange_destroy(c->x);
        c->x = NULL;
    }
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, on_close);
    uv_close((uv_handle_t *)&c->tcp, on_close);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    http_conn *c = h->data;
    http_server *srv = c->srv;
    if (srv->readbuf_used) {
        /* only one read is in flight on this loop at a time; this cannot happen, but a zero
         * buffer makes libuv report UV_ENOBUFS instead of corrupting the shared one */
        *buf = uv_buf_init(NULL, 0);
        return;
    }
    srv->readbuf_used = true;
    *buf = uv_buf_init(srv->readbuf, sizeof srv->readbuf);
}

static void conn_stop_reading(http_conn *c)
{
    if (c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = false;
    }
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void conn_start_reading(http_conn *c)
{
    if (!c->reading && !c->closing) {
        if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
            c->reading = true;
        else
            conn_close(c);
    }
}

/* ---- protocol upgrades ---- */

static void hijacked_handle_gone(http_conn *c)
{
    if (--c->handles_open == 0)
        free(c);
}

static void on_hijacked_timer_closed(uv_handle_t *h)
{
    hijacked_handle_gone(h->data);
}

static void on_hijacked_tcp_closed(uv_handle_t *h)
{
    http_conn *c = (http_conn *)((char *)h - offsetof(http_conn, tcp));
    if (c->hijack_closed)
        c->hijack_closed(h->data);
    hijacked_handle_gone(c);
}

/* Hands c over: the server forgets it and the exchange ends; the memory stays until the new
 * owner's http_hijacked_close. c->closing keeps every HTTP path off it from here on. */
static void hijack_complete(http_conn *c, const char *rest, size_t n)
{
    http_server *srv = c->srv;
    http_exchange *x = c->x;
    http_hijack_fn fn = c->hijack_fn;
    conn_stop_reading(c);
    c->closing = true;
    c->hijack_fn = NULL;
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv->nconns--;
    c->x = NULL;
    if (x) {
        x->conn = NULL;
        x->responded = true;
        x->status = 101;
        srv->cb.on_done(x, srv->udata);
        exchange_destroy(x);
    }
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, on_hijacked_timer_closed);
    fn(c->hijack_arg, &c->tcp, rest, n);
    buf_free(&c->pending);
    server_maybe_done(srv);
}

bool http_exchange_hijack(http_exchange *x, http_hijack_fn fn, void *arg)
{
    http_conn *c = x->conn;
    if (c == NULL || c->closing || c->eof || x->responded || c->x != x) {
        /* the client left (or half-closed) while the handler decided: answer or release the
         * exchange as a response would */
        http_exchange_respond(x, 400, NULL, "", 0, HTTP_RESP_CLOSE);
        return false;
    }
    c->hijack_fn = fn;
    c->hijack_arg = arg;
    if (!c->feeding)
        hijack_complete(c, c->pending.p ? c->pending.p : "", c->pending.len);
    return true;
}

void http_hijacked_close(uv_tcp_t *tcp, void (*closed)(void *data))
{
    http_conn *c = (http_conn *)((char *)tcp - offsetof(http_conn, tcp));
    c->hijack_closed = closed;
    uv_close((uv_handle_t *)tcp, on_hijacked_tcp_closed);
}

/* Feeds bytes to the parser; returns how many were consumed. Stops at the end of a request (the
 * parser pauses) or on an error, which answers and closes. */
static size_t conn_feed(http_conn *c, const char *data, size_t len)
{
    http_server *srv = c->srv;
    size_t n = http_parser_execute(&c->parser, &srv->settings, data, len);
    enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
    if (e == HPE_PAUSED) {
        http_exchange *x = c->x;
        if (x != NULL && c->state == CONN_HANDLING) {
            c->feeding = true;
            srv->cb.on_request(x, srv->udata);
            c->feeding = false;
            if (c->hijack_fn) { /* everything after the request belongs to the new owner */
                hijack_complete(c, data + n, len - n);
                return len;
            }
        }
        return n;
    }
    if (e != HPE_OK) {
        int status = 400;
        if (c->x && c->x->reject)
            status = c->x->reject;
        else if (e == HPE_HEADER_OVERFLOW)
            status = 431;
        conn_reject(c, status);
        return len;
    }
    return n;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    http_conn *c = s->data;
    c->srv->readbuf_used = false;
    if (nread < 0) {
        if (nread == UV_EOF && (c->state == CONN_HANDLING || c->state == CONN_WRITING)) {
            /* the client half-closed after its request: still answer it, then close */
            c->eof = true;
            c->close_after = true;
            conn_stop_reading(c);
            return;
        }
        conn_close(c);
        return;
    }
    if (nread == 0 || c->closing)
        return;
    if (c->state == CONN_IDLE) /* bytes arrived: the header deadline replaces keep-alive */
        timer_set(c, on_header_timeout, c->srv->lim.header_timeout_ms, 0);
    size_t used = 0;
    bool parsing = c->state == CONN_IDLE || c->state == CONN_HEADERS || c->state == CONN_BODY;
    if (c->pending.len == 0 && parsing)
        used = conn_feed(c, buf->base, (size_t)nread);
    if (used < (size_t)nread && !c->closing) {
        /* pipelined bytes behind the request being handled wait here; reading goes on (no
         * epoll churn per request) until the backlog reaches one read buffer */
        if (buf_append(&c->pending, buf->base + used, (size_t)nread - used) != IG_OK)
            conn_close(c);
        else if (c->pending.len >= READ_BUF_SIZE)
            conn_stop_reading(c);
    }
}

static void on_write(uv_write_t *req, int status)
{
    write_req *w = (write_req *)req;
    http_conn *c = w->conn;
    free(w->data);
    free(w);
    http_exchange *x = c->x;
    http_server *srv = c->srv;
    if (x && x->file_fd >= 0 && x->file_left > 0 && status >= 0 && !c->closing) {
        file_next(x);
        return;
    }
    c->x = NULL;
    if (x) {
        srv->cb.on_done(x, srv->udata);
        exchange_destroy(x);
    }
    if (c->closing)
        return;
    if (status < 0 || c->close_after || srv->shutting_down) {
        conn_close(c);
        return;
    }
    c->state = CONN_IDLE;
    http_parser_pause(&c->parser, 0);
    conn_resume(c);
}

/* After a response: parse any pipelined bytes, else wait for more. */
static void conn_resume(http_conn *c)
{
    while (c->pending.len > 0 && !c->closing && c->state == CONN_IDLE) {
        size_t used = conn_feed(c, c->pending.p, c->pending.len);
        if (c->closing)
            return;
        buf_consume(&c->pending, used);
        if (c->state == CONN_HANDLING || c->state == CONN_WRITING)
            return;
        if (used == 0)
            break;
    }
    if (c->state == CONN_IDLE)
        timer_set(c, on_keepalive_timeout, c->srv->lim.keepalive_timeout_ms, 0);
    if (!c->eof)
        conn_start_reading(c);
}

static void conn_reject(http_conn *c, int status)
{
    if (c->closing)
        return;
    if (c->x == NULL && (c->x = exchange_new(c)) == NULL) {
        conn_close(c);
        return;
    }
    http_exchange *x = c->x;
    if (x->req.path.p == NULL)
        x->req.path = str_make(x->hdr.p ? x->hdr.p : "", x->url_len);
    conn_stop_reading(c);
    timer_set(c, NULL, 0, 0);
    c->close_after = true;
    c->state = CONN_HANDLING;
    x->keep_alive = false;
    c->srv->cb.on_reject(x, status, c->srv->udata);
}

static void date_refresh(http_server *srv)
{
    time_t now = time(NULL);
    if (now == srv->date_sec)
        return;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(srv->date, sizeof srv->date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    srv->date_sec = now;
}

/* Marks x answered; false (and x released) when its connection is already gone. */
static bool respond_begin(http_exchange *x, int status, int flags)
{
    http_server *srv = x->srv;
    http_conn *c = x->conn;
    if (x->responded)
        return false;
    x->responded = true;
    x->status = status;
    if (c == NULL) {
        srv->cb.on_done(x, srv->udata);
        exchange_destroy(x);
        return false;
    }
    if ((flags & HTTP_RESP_CLOSE) || srv->shutting_down)
        c->close_after = true;
    return true;
}

/* The status line and headers; the body length is len unless chunked. */
static ig_status build_head(http_exchange *x, int status, const char *content_type, uint64_t len, bool chunked,
                            ig_buf *out)
{
    http_server *srv = x->srv;
    date_refresh(srv);
    ig_status st = buf_appendf(out, "HTTP/1.1 %d %s\r\nDate: %s\r\nX-Request-Id: %s\r\n", status,
                               http_status_reason(status), srv->date, x->req.request_id);
    if (st == IG_OK && content_type && !(status == 204 || status == 304))
        st = buf_appendf(out, "Content-Type: %s\r\n", content_type);
    if (st == IG_OK && status != 204 && status != 304) {
        if (chunked)
            st = buf_appendf(out, "Transfer-Encoding: chunked\r\n");
        else
            st = buf_appendf(out, "Content-Length: %llu\r\n", (unsigned long long)len);
    }
    if (st == IG_OK)
        st = buf_appendf(out, "Connection: %s\r\n", x->conn->close_after ? "close" : "keep-alive");
    for (size_t i = 0; st == IG_OK && i < x->nresp; i++)
        st = buf_appendf(out, "%.*s: %.*s\r\n", (int)x->resp_headers[i].name.n, x->resp_headers[i].name.p,
                         (int)x->resp_headers[i].value.n, x->resp_headers[i].value.p);
    if (st == IG_OK)
        st = buf_append(out, "\r\n", 2);
    return st;
}

/* Queues out (consumed) on x's connection; on failure drops the connection and x. */
static void send_buf(http_exchange *x, ig_buf *out, ig_status st)
{
    http_server *srv = x->srv;
    http_conn *c = x->conn;
    write_req *w = NULL;
    if (st != IG_OK || (w = malloc(sizeof *w)) == NULL) {
        buf_free(out);
        c->x = NULL;
        conn_close(c);
        srv->cb.on_done(x, srv->udata);
        exchange_destroy(x);
        return;
    }
    c->state = CONN_WRITING;
    w->conn = c;
    size_t outlen = 0;
    w->data = buf_steal(out, &outlen);
    uv_buf_t b = uv_buf_init(w->data, (unsigned)outlen);
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write) != 0) {
        free(w->data);
        free(w);
        c->x = NULL;
        conn_close(c);
        srv->cb.on_done(x, srv->udata);
        exchange_destroy(x);
    }
}

void http_exchange_respond(http_exchange *x, int status, const char *content_type,
                           const char *body, size_t len, int flags)
{
    if (!respond_begin(x, status, flags))
        return;
    bool http11 = x->req.http_major == 1 && x->req.http_minor >= 1;
    bool chunked = (flags & HTTP_RESP_CHUNKED) && http11;
    bool no_body = x->is_head || status == 204 || status == 304 || (status >= 100 && status < 200);
    ig_buf out;
    buf_init(&out, MAX_RESPONSE);
    ig_status st = build_head(x, status, content_type, len, chunked, &out);
    if (st == IG_OK && !no_body) {
        if (chunked) {
            for (size_t off = 0; st == IG_OK && off < len; off += CHUNK_SIZE) {
                size_t n = len - off < CHUNK_SIZE ? len - off : CHUNK_SIZE;
                st = buf_appendf(&out, "%zx\r\n", n);
                if (st == IG_OK)
                    st = buf_append(&out, body + off, n);
                if (st == IG_OK)
                    st = buf_append(&out, "\r\n", 2);
            }
            if (st == IG_OK)
                st = buf_append(&out, "0\r\n\r\n", 5);
        } else if (len) {
            st = buf_append(&out, body, len);
        }
    }
    send_buf(x, &out, st);
}

static void close_file(void *arg)
{
    http_exchange *x = arg;
    if (x->file_fd >= 0)
        close(x->file_fd);
    x->file_fd = -1;
    free(x->file_buf);
    x->file_buf = NULL;
}

static void on_file_read(uv_fs_t *req)
{
    http_exchange *x = req->data;
    http_server *srv = x->srv;
    ssize_t n = req->result;
    uv_fs_req_cleanup(req);
    x->fs_busy = false;
    http_conn *c = x->conn;
    char *chunk = x->file_buf;
    x->file_buf = NULL;
    if (c == NULL || c->closing || n <= 0) {
        /* the client left, or the file shrank or failed under us: the length promised cannot be
         * kept, so the connection ends here */
        free(chunk);
        if (c && !c->closing) {
            c->x = NULL;
            conn_close(c);
        }
        srv->cb.on_done(x, srv->udata);
        exchange_destroy(x);
        return;
    }
    x->file_left -= (uint64_t)n;
    x->file_off += (uint64_t)n;
    write_req *w = malloc(sizeof *w);
    if (w == NULL) {
        free(chunk);
        c->x = NULL;
        conn_close(c);
        srv->cb.on_done(x, srv->udata);
        exchange_destroy(x);
        return;
    }
    w->conn = c;
    w->data = chunk;
    uv_buf_t b = uv_buf_init(chunk, (unsigned)n);
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write) != 0) {
        free(chunk);
        free(w);
        c->x = NULL;
        conn_close(c);
        srv->cb.on_done(x, srv->udata);
        exchange_destroy(x);
    }
}

/* Reads the next piece of a file response; its write's completion asks for the one after. */
static void file_next(http_exchange *x)
{
    size_t n = x->file_left < FILE_CHUNK ? (size_t)x->file_left : FILE_CHUNK;
    x->file_buf = malloc(n);
    x->fs_req.data = x;
    uv_buf_t b = uv_buf_init(x->file_buf, (unsigned)n);
    if (x->file_buf == NULL ||
        uv_fs_read(x->srv->loop, &x->fs_req, x->file_fd, &b, 1, (int64_t)x->file_off, on_file_read) != 0) {
        x->fs_req.result = -1;
        on_file_read(&x->fs_req);
        return;
    }
    x->fs_busy = true;
}

void http_exchange_respond_file(http_exchange *x, int status, const char *content_type, int fd, uint64_t size,
                                int flags)
{
    x->file_fd = fd;
    if (pool_cleanup_add(x->req.pool, close_file, x) != 0) {
        close(fd);
        x->file_fd = -1;
        http_exchange_respond(x, 500, NULL, "", 0, HTTP_RESP_CLOSE);
        return;
    }
    if (!respond_begin(x, status, flags))
        return;
    x->file_left = x->is_head ? 0 : size;
    x->file_off = 0;
    ig_buf out;
    buf_init(&out, MAX_RESPONSE);
    send_buf(x, &out, build_head(x, status, content_type, size, false, &out));
}

/* ---- accepting ---- */

/* Sets up a connection around an initialised, connected c->tcp. */
static void conn_start(http_server *srv, http_conn *c)
{
    uv_tcp_nodelay(&c->tcp, 1);
    struct sockaddr_storage ss;
    int sl = sizeof ss;
    snprintf(c->client_ip, sizeof c->client_ip, "unknown");
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET)
            uv_ip4_name((struct sockaddr_in *)&ss, c->client_ip, sizeof c->client_ip);
        else if (ss.ss_family == AF_INET6)
            uv_ip6_name((struct sockaddr_in6 *)&ss, c->client_ip, sizeof c->client_ip);
    }
    c->peer_trusted = proxy_list_has(srv->lim.trusted_proxies, c->client_ip, strlen(c->client_ip));
    if (srv->nconns > srv->lim.max_connections || srv->shutting_down) {
        conn_reject(c, 503);
        return;
    }
    c->state = CONN_IDLE;
    timer_set(c, on_keepalive_timeout, srv->lim.keepalive_timeout_ms, 0);
    conn_start_reading(c);
}

static http_conn *conn_new(http_server *srv)
{
    http_conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->srv = srv;
    uv_tcp_init(srv->loop, &c->tcp);
    uv_timer_init(srv->loop, &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    c->handles_open = 2;
    srv->nconns++;
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    buf_init(&c->pending, READ_BUF_SIZE * 2);
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    return c;
}

static void on_connection(uv_stream_t *l, int status)
{
    http_server *srv = l->data;
    if (status < 0)
        return;
    http_conn *c = conn_new(srv);
    if (c == NULL)
        return;
    if (uv_accept(l, (uv_stream_t *)&c->tcp) != 0) {
        conn_close(c);
        return;
    }
    conn_start(srv, c);
}

ig_status http_server_adopt(http_server *srv, uv_os_sock_t sock, ig_err *err)
{
    http_conn *c = conn_new(srv);
    if (c == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");
    int rc = uv_tcp_open(&c->tcp, sock);
    if (rc != 0) {
        conn_close(c);
        return status_errf(err, IG_EIO, "cannot adopt socket: %s", uv_strerror(rc));
    }
    conn_start(srv, c);
    return IG_OK;
}

ig_status http_server_new(uv_loop_t *loop, const http_limits *limits, const http_callbacks *cb,
                          void *udata, http_server **out, ig_err *err)
{
    http_server *srv = calloc(1, sizeof *srv);
    if (srv == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");
    srv->loop = loop;
    srv->lim = *limits;
    srv->cb = *cb;
    srv->udata = udata;
    srv->settings.on_message_begin = hp_on_message_begin;
    srv->settings.on_url = hp_on_url;
    srv->settings.on_header_field = hp_on_header_field;
    srv->settings.on_header_value = hp_on_header_value;
    srv->settings.on_headers_complete = hp_on_headers_complete;
    srv->settings.on_body = hp_on_body;
    srv->settings.on_message_complete = hp_on_message_complete;
    unsigned char rnd[8];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(srv->rid_prefix, sizeof srv->rid_prefix, rnd, sizeof rnd);
    uv_tcp_init(loop, &srv->listener);
    srv->listener.data = srv;
    *out = srv;
    return IG_OK;
}

ig_status http_server_listen(http_server *srv, const char *host, int port, ig_err *err)
{
    struct sockaddr_storage ss;
    if (uv_ip4_addr(host, port, (struct sockaddr_in *)&ss) != 0 &&
        uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss) != 0)
        return status_errf(err, IG_EINVAL, "HOST %s is not an IP address", host);
    int rc = uv_tcp_bind(&srv->listener, (struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&srv->listener, 1024, on_connection);
    if (rc != 0)
        return status_errf(err, IG_EIO, "cannot listen on %s:%d: %s", host, port, uv_strerror(rc));
    srv->listening = true;
    struct sockaddr_storage bound;
    int bl = sizeof bound;
    if (uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&bound, &bl) == 0)
        srv->port = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
                                                     : ((struct sockaddr_in6 *)&bound)->sin6_port);
    return IG_OK;
}

int http_server_port(const http_server *srv) { return srv->port; }
int http_server_connections(const http_server *srv) { return srv->nconns; }

static void on_listener_closed(uv_handle_t *h)
{
    http_server *srv = h->data;
    srv->listener_closed = true;
    server_maybe_done(srv);
}

static void on_shutdown_timer_closed(uv_handle_t *h)
{
    http_server *srv = h->data;
    srv->shutdown_timer_open = false;
    if (srv->shutdown_done) {
        void (*done)(void *) = srv->shutdown_done;
        srv->shutdown_done = NULL;
        done(srv->shutdown_arg);
    }
}

static void server_maybe_done(http_server *srv)
{
    if (!srv->shutting_down || !srv->listener_closed || srv->nconns > 0)
        return;
    if (srv->shutdown_timer_open && !uv_is_closing((uv_handle_t *)&srv->shutdown_timer))
        uv_close((uv_handle_t *)&srv->shutdown_timer, on_shutdown_timer_closed);
}

static void on_shutdown_timeout(uv_timer_t *t)
{
    http_server *srv = t->data;
    while (srv->conns)
        conn_close(srv->conns);
}

void http_server_shutdown(http_server *srv, void (*done)(void *arg), void *arg)
{
    if (srv->shutting_down)
        return;
    srv->shutting_down = true;
    srv->shutdown_done = done;
    srv->shutdown_arg = arg;
    uv_timer_init(srv->loop, &srv->shutdown_timer);
    srv->shutdown_timer.data = srv;
    srv->shutdown_timer_open = true;
    uv_timer_start(&srv->shutdown_timer, on_shutdown_timeout, srv->lim.shutdown_timeout_ms, 0);
    uv_close((uv_handle_t *)&srv->listener, on_listener_closed);
    http_conn *c = srv->conns;
    while (c) {
        http_conn *next = c->next;
        if (c->state == CONN_IDLE)
            conn_close(c);
        else
            c->close_after = true;
        c = next;
    }
}

void http_server_free(http_server *srv)
{
    free(srv);
}

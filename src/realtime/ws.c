/* WebSocket connections: wslay's event API fed from libuv reads (push: each read is handed to
 * wslay_event_recv through the recv callback) and flushed through one shared buffer into
 * uv_try_write, queueing a copy only of what the kernel does not take. Closing never frees inside a
 * callback: the memory goes in the handle's close callback. */
#include "realtime/ws.h"

#include <http_parser.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>
#include <sodium.h>
#include <wslay/wslay.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_KEY_BYTES 16
#define SCRATCH_MAX (64u * 1024 * 1024)
#define CLOSE_GRACE_MS 5000

struct ws_conn {
    uv_tcp_t *tcp;            /* hijacked from the HTTP server; closed with http_hijacked_close */
    ws_shared *sh;
    wslay_event_context_ptr ctx;
    const ws_callbacks *cb;
    void *arg;
    const char *in;           /* the bytes being framed */
    size_t in_len;
    int depth;                /* > 0 inside wslay_event_recv: closing waits until it returns */
    uint16_t close_code;      /* a close frame asked for inside a callback, sent after it */
    bool closing;             /* no more reading; the TCP closes once the output is out */
    bool abort_pending;       /* an abort asked for inside a callback */
    bool gone;                /* the handle is closing */
    bool error;
    const char *reason;
    uv_timer_t *timer;        /* only while closing: the grace period */
};

typedef struct write_req {
    uv_write_t req;
    ws_conn *c;
    char data[];
} write_req;

void ws_shared_init(ws_shared *sh)
{
    memset(sh, 0, sizeof *sh);
    buf_init(&sh->out, SCRATCH_MAX);
}

void ws_shared_free(ws_shared *sh)
{
    buf_free(&sh->out);
}

/* ---- handshake ---- */

bool ws_accept_key(ig_str key, char *out)
{
    unsigned char bin[WS_KEY_BYTES + 3];
    size_t len = 0;
    const char *end = NULL;
    char cat[64];
    key = str_trim(key);
    if (key.n != 24 ||
        sodium_base642bin(bin, sizeof bin, key.p, key.n, NULL, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        len != WS_KEY_BYTES || end != key.p + key.n)
        return false;
    memcpy(cat, key.p, key.n);
    memcpy(cat + key.n, WS_GUID, sizeof WS_GUID - 1);
    unsigned char md[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)cat, key.n + sizeof WS_GUID - 1, md);
    sodium_bin2base64(out, WS_ACCEPT_LEN + 1, md, sizeof md, sodium_base64_VARIANT_ORIGINAL);
    return true;
}

ig_status ws_check_request(const http_request *req, char *accept, ig_err *err)
{
    if (req->method != HTTP_GET)
        return status_errf(err, IG_EINVAL, "a WebSocket upgrade must be a GET");
    if (req->http_major != 1 || req->http_minor < 1)
        return status_errf(err, IG_EINVAL, "a WebSocket upgrade needs HTTP/1.1");
    ig_str up = http_request_header(req, STR_LIT("Upgrade"));
    ig_str conn = http_request_header(req, STR_LIT("Connection"));
    if (up.p == NULL || !str_list_has(up, STR_LIT("websocket")) || conn.p == NULL ||
        !str_list_has(conn, STR_LIT("upgrade")))
        return status_errf(err, IG_EINVAL, "not a WebSocket upgrade request");
    ig_str ver = http_request_header(req, STR_LIT("Sec-WebSocket-Version"));
    if (!str_eq(str_trim(ver), STR_LIT("13")))
        return status_errf(err, IG_EINVAL, "unsupported WebSocket version");
    if (!ws_accept_key(http_request_header(req, STR_LIT("Sec-WebSocket-Key")), accept))
        return status_errf(err, IG_EINVAL, "bad Sec-WebSocket-Key");
    return IG_OK;
}

/* ---- closing ---- */

static void on_timer_closed(uv_handle_t *h)
{
    free(h);
}

static void on_tcp_closed(void *data)
{
    ws_conn *c = data;
    if (c->cb && c->cb->on_close)
        c->cb->on_close(c, c->reason ? c->reason : "closed", c->error, c->arg);
    wslay_event_context_free(c->ctx);
    free(c);
}

static void set_reason(ws_conn *c, const char *reason, bool error)
{
    if (c->reason == NULL) {
        c->reason = reason;
        c->error = error;
    }
}

/* Starts closing the handle; the memory goes in on_tcp_closed. */
static void finish(ws_conn *c)
{
    if (c->gone)
        return;
    c->gone = true;
    c->closing = true;
    uv_read_stop((uv_stream_t *)c->tcp);
    if (c->timer) {
        uv_timer_stop(c->timer);
        uv_close((uv_handle_t *)c->timer, on_timer_closed);
        c->timer = NULL;
    }
    http_hijacked_close(c->tcp, on_tcp_closed);
}

static void do_abort(ws_conn *c, const char *reason, bool error)
{
    set_reason(c, reason, error);
    if (c->depth > 0) {
        c->abort_pending = true;
        return;
    }
    finish(c);
}

static void on_grace_over(uv_timer_t *t)
{
    do_abort(t->data, "close timed out", false);
}

/* No more messages are delivered; the connection ends once its output is out and the peer's close
 * frame has come (closing first would turn our unread input into a reset that can destroy the
 * close frame on its way), or after the grace. */
static void begin_closing(ws_conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    c->timer = malloc(sizeof *c->timer);
    if (c->timer == NULL)
        return; /* then only the output draining ends it */
    uv_timer_init(c->tcp->loop, c->timer);
    c->timer->data = c;
    uv_timer_start(c->timer, on_grace_over, CLOSE_GRACE_MS, 0);
}

/* ---- output ---- */

static void on_write(uv_write_t *req, int status);

static void write_bytes(ws_conn *c, const char *p, size_t n)
{
    if (n == 0 || c->gone)
        return;
    uv_buf_t b = uv_buf_init((char *)p, (unsigned)n);
    int w = uv_try_write((uv_stream_t *)c->tcp, &b, 1);
    if (w >= 0 && (size_t)w == n)
        return;
    if (w < 0 && w != UV_EAGAIN) {
        do_abort(c, "write failed", true);
        return;
    }
    size_t done = w > 0 ? (size_t)w : 0;
    write_req *r = malloc(sizeof *r + (n - done));
    if (r == NULL) {
        do_abort(c, "out of memory", true);
        return;
    }
    r->c = c;
    memcpy(r->data, p + done, n - done);
    b = uv_buf_init(r->data, (unsigned)(n - done));
    if (uv_write(&r->req, (uv_stream_t *)c->tcp, &b, 1, on_write) != 0) {
        free(r);
        do_abort(c, "write failed", true);
    }
}

static ssize_t send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags, void *ud)
{
    (void)flags;
    ws_conn *c = ud;
    if (buf_append(&c->sh->out, data, len) != IG_OK) {
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return (ssize_t)len;
}

static void flush(ws_conn *c)
{
    if (c->gone || !wslay_event_want_write(c->ctx))
        return;
    ig_buf *out = &c->sh->out;
    buf_reset(out);
    if (wslay_event_send(c->ctx) != 0) {
        buf_reset(out);
        do_abort(c, "framing failed", true);
        return;
    }
    write_bytes(c, out->p, out->len);
    if (out->cap > WS_READ_BUF * 4) /* one large broadcast must not pin its size for good */
        buf_free(out);
    else
        buf_reset(out);
}

/* After input or output: flushes, and moves the connection towards its end when it should. */
static void settle(ws_conn *c)
{
    if (c->gone)
        return;
    if (c->abort_pending) {
        finish(c);
        return;
    }
    if (c->close_code) {
        wslay_event_queue_close(c->ctx, c->close_code, NULL, 0);
        c->close_code = 0;
        begin_closing(c);
    }
    flush(c);
    if (c->gone)
        return;
    if (!c->closing && !wslay_event_get_read_enabled(c->ctx)) {
        /* the peer's close frame (answered by wslay), or a frame wslay refused with a close */
        if (wslay_event_get_close_received(c->ctx))
            set_reason(c, "peer closed", false);
        else if (wslay_event_get_status_code_sent(c->ctx) == WSLAY_CODE_MESSAGE_TOO_BIG)
            set_reason(c, "message too big", true);
        else
            set_reason(c, "protocol error", true);
        begin_closing(c);
        flush(c);
    }
    if (c->closing && !wslay_event_want_write(c->ctx) && !wslay_event_get_read_enabled(c->ctx) &&
        uv_stream_get_write_queue_size((uv_stream_t *)c->tcp) == 0)
        finish(c);
}

static void on_write(uv_write_t *req, int status)
{
    write_req *r = (write_req *)req;
    ws_conn *c = r->c;
    free(r);
    if (c->gone)
        return;
    if (status < 0) {
        do_abort(c, "write failed", true);
        return;
    }
    if (c->closing)
        settle(c);
}

/* ---- input ---- */

static ssize_t recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *ud)
{
    (void)flags;
    ws_conn *c = ud;
    if (c->in_len == 0 || c->abort_pending) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    size_t k = len < c->in_len ? len : c->in_len;
    memcpy(buf, c->in, k);
    c->in += k;
    c->in_len -= k;
    return (ssize_t)k;
}

static void on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *m, void *ud)
{
    (void)ctx;
    ws_conn *c = ud;
    if (c->closing || c->abort_pending || c->close_code)
        return;
    if ((m->opcode == WSLAY_TEXT_FRAME || m->opcode == WSLAY_BINARY_FRAME) && c->cb->on_message)
        c->cb->on_message(c, m->opcode == WSLAY_BINARY_FRAME, (const char *)m->msg, m->msg_length, c->arg);
}

static void feed(ws_conn *c, const char *p, size_t n)
{
    c->in = p;
    c->in_len = n;
    c->depth++;
    int rv = wslay_event_recv(c->ctx);
    c->depth--;
    c->in = NULL;
    c->in_len = 0;
    if (rv != 0)
        do_abort(c, "framing failed", true);
    settle(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    ws_conn *c = h->data;
    if (c->sh->readbuf_used) {
        *buf = uv_buf_init(NULL, 0);
        return;
    }
    c->sh->readbuf_used = true;
    *buf = uv_buf_init(c->sh->readbuf, sizeof c->sh->readbuf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    ws_conn *c = s->data;
    c->sh->readbuf_used = false;
    if (c->gone)
        return;
    if (nread < 0) {
        do_abort(c, nread == UV_EOF ? "peer went away" : "read failed", nread != UV_EOF);
        return;
    }
    if (nread == 0)
        return;
    feed(c, buf->base, (size_t)nread);
}

/* ---- the connection ---- */

static const struct wslay_event_callbacks WSLAY_CB = {
    .recv_callback = recv_cb,
    .send_callback = send_cb,
    .on_msg_recv_callback = on_msg,
};

ig_status ws_start(ws_shared *sh, uv_tcp_t *tcp, const char *accept, uint64_t max_message, const ws_callbacks *cb,
                   void *arg, ws_conn **out, ig_err *err)
{
    *out = NULL;
    ws_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        http_hijacked_close(tcp, NULL);
        return status_errf(err, IG_ENOMEM, "out of memory");
    }
    c->tcp = tcp;
    c->sh = sh;
    c->cb = cb;
    c->arg = arg;
    tcp->data = c;
    if (wslay_event_context_server_init(&c->ctx, &WSLAY_CB, c) != 0) {
        set_reason(c, "out of memory", true);
        c->cb = NULL;
        finish(c);
        return status_errf(err, IG_ENOMEM, "out of memory");
    }
    wslay_event_config_set_max_recv_msg_length(c->ctx, max_message);
    char head[160];
    int k = snprintf(head, sizeof head,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: %s\r\n\r\n",
                     accept);
    write_bytes(c, head, (size_t)k);
    if (c->gone) {
        c->cb = NULL;
        return status_errf(err, IG_EIO, "cannot write the upgrade response");
    }
    *out = c;
    return IG_OK;
}

void ws_run(ws_conn *c, const char *rest, size_t n)
{
    if (n > 0 && !c->gone)
        feed(c, rest, n);
    if (!c->closing && !c->gone && uv_read_start((uv_stream_t *)c->tcp, on_alloc, on_read) != 0)
        do_abort(c, "read failed", true);
}

void ws_set_arg(ws_conn *c, void *arg)
{
    c->arg = arg;
    if (arg == NULL)
        c->cb = NULL;
}

ig_status ws_send(ws_conn *c, bool binary, const char *p, size_t n)
{
    if (c->closing || c->gone || c->close_code || c->abort_pending)
        return IG_ESTATE;
    struct wslay_event_msg m = {binary ? WSLAY_BINARY_FRAME : WSLAY_TEXT_FRAME, (const uint8_t *)p, n};
    int rv = wslay_event_queue_msg(c->ctx, &m);
    if (rv != 0)
        return rv == WSLAY_ERR_NOMEM ? IG_ENOMEM : IG_ESTATE;
    if (c->depth == 0)
        settle(c);
    return IG_OK;
}

size_t ws_backlog(const ws_conn *c)
{
    if (c->gone)
        return 0;
    return uv_stream_get_write_queue_size((const uv_stream_t *)c->tcp) + wslay_event_get_queued_msg_length(c->ctx);
}

void ws_close(ws_conn *c, uint16_t code, const char *reason)
{
    if (c->closing || c->gone || c->close_code)
        return;
    set_reason(c, reason, false);
    c->close_code = code;
    if (c->depth == 0)
        settle(c);
}

void ws_abort(ws_conn *c, const char *reason)
{
    if (c->gone)
        return;
    do_abort(c, reason, false);
}

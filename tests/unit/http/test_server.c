/* Tests for http/server: real connections over socketpairs (no TCP ports) on a private loop —
 * keep-alive, pipelining, 100-continue, header and body caps, chunked bodies both ways, timeouts,
 * request ids, the connection cap and graceful shutdown, each ending with no handle left open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "core/buf.h"
#include "http/server.h"

#define BODY_LIMIT 1024
#define MAX_CLIENTS 4
#define MAX_RESP 4
#define CHUNKED_BODY_LEN 40000 /* more than one of the server's 16 KiB chunks */
#define WAIT_MS 3000

/* What the server wrote back to one client end, and whether it closed. */
#define FILE_BODY_LEN (600u * 1024) /* several of the server's file pieces */

typedef struct client {
    int fd;
    ig_buf out;
    bool eof;
    unsigned head_mask; /* bit i: response i answers a HEAD, so it has no body */
} client;

/* One response as the test reads it. */
typedef struct resp {
    int status;
    char head[8192];      /* status line and headers, NUL-terminated */
    char body[65536];     /* decoded when chunked */
    size_t body_len;
} resp;

typedef struct fixture {
    uv_loop_t loop;
    http_limits lim;
    http_server *srv;
    client c[MAX_CLIENTS];
    int nclients;
    int requests, rejects, done;
    int last_reject;
    int done_status[16];
    http_exchange *held;  /* a request on /hold, answered later by the test */
    bool shut_done;
    resp r[MAX_RESP];
    uv_tcp_t *hj_tcp;     /* a connection taken over by http_exchange_hijack */
    char hj_rest[64];     /* the bytes that came with it */
    size_t hj_rest_len;
    bool hj_closed;
} fixture;

/* ---- server callbacks ---- */

static uint64_t cb_body_limit(http_exchange *x, void *udata)
{
    (void)x;
    (void)udata;
    return BODY_LIMIT;
}

/* The new owner of a hijacked connection: says hello in its own protocol. */
static void on_hijacked(void *arg, uv_tcp_t *tcp, const char *rest, size_t n)
{
    fixture *f = arg;
    f->hj_tcp = tcp;
    tcp->data = f;
    assert_true(n < sizeof f->hj_rest);
    memcpy(f->hj_rest, rest, n);
    f->hj_rest_len = n;
    uv_buf_t b = uv_buf_init((char *)"HELLO", 5);
    assert_int_equal(uv_try_write((uv_stream_t *)tcp, &b, 1), 5);
}

static void on_hijacked_closed(void *data)
{
    ((fixture *)data)->hj_closed = true;
}

static void cb_request(http_exchange *x, void *udata)
{
    fixture *f = udata;
    http_request *r = http_exchange_request(x);
    f->requests++;
    if (str_eq(r->path, STR_LIT("/upgrade"))) {
        assert_true(http_exchange_hijack(x, on_hijacked, f));
        return;
    }
    if (str_eq(r->path, STR_LIT("/hold"))) {
        f->held = x;
        return;
    }
    if (str_eq(r->path, STR_LIT("/chunked"))) {
        char *big = pool_alloc(r->pool, CHUNKED_BODY_LEN);
        assert_non_null(big);
        for (size_t i = 0; i < CHUNKED_BODY_LEN; i++)
            big[i] = (char)('a' + i % 26);
        http_exchange_respond(x, 200, "text/plain", big, CHUNKED_BODY_LEN, HTTP_RESP_CHUNKED);
        return;
    }
    if (str_eq(r->path, STR_LIT("/file"))) {
        char tmpl[] = "/tmp/ig-test-file-XXXXXX";
        int fd = mkstemp(tmpl);
        assert_true(fd >= 0);
        unlink(tmpl);
        for (size_t i = 0; i < FILE_BODY_LEN; i += 4096) {
            char block[4096];
            for (size_t k = 0; k < sizeof block; k++)
                block[k] = (char)((i + k) * 7 % 251);
            assert_int_equal(write(fd, block, sizeof block), (ssize_t)sizeof block);
        }
        http_exchange_respond_file(x, 200, "application/octet-stream", fd, FILE_BODY_LEN, 0);
        return;
    }
    int flags = 0;
    if (str_eq(r->path, STR_LIT("/close")))
        flags = HTTP_RESP_CLOSE;
    if (str_eq(r->path, STR_LIT("/inject")))
        assert_int_equal(http_exchange_add_header(x, STR_LIT("X-Inj"),
                                                  STR_LIT("a\r\nSet-Cookie: evil=1")),
                         IG_OK);
    ig_str echo = http_request_header(r, STR_LIT("x-echo"));
    char *text = pool_printf(r->pool, "method=%.*s path=%.*s query=%.*s len=%zu rid=%s echo=%.*s body=%.*s",
                             (int)r->method_name.n, r->method_name.p, (int)r->path.n, r->path.p,
                             (int)r->query.n, r->query.p, r->body.n, r->request_id, (int)echo.n,
                             echo.p ? echo.p : "", (int)r->body.n, r->body.p);
    assert_non_null(text);
    http_exchange_respond(x, 200, "text/plain", text, strlen(text), flags);
}

static void cb_reject(http_exchange *x, int status, void *udata)
{
    fixture *f = udata;
    f->rejects++;
    f->last_reject = status;
    char text[32];
    int n = snprintf(text, sizeof text, "rejected %d", status);
    http_exchange_respond(x, status, "text/plain", text, (size_t)n, 0);
}

static void cb_done(http_exchange *x, void *udata)
{
    fixture *f = udata;
    if (f->done < (int)(sizeof f->done_status / sizeof f->done_status[0]))
        f->done_status[f->done] = http_exchange_status(x);
    f->done++;
}

static void on_shutdown_done(void *arg)
{
    fixture *f = arg;
    f->shut_done = true;
}

/* ---- the client side ---- */

static void drain(client *c)
{
    char tmp[16384];
    while (c->fd >= 0 && !c->eof) {
        ssize_t n = recv(c->fd, tmp, sizeof tmp, MSG_DONTWAIT);
        if (n > 0) {
            assert_int_equal(buf_append(&c->out, tmp, (size_t)n), IG_OK);
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            /* ECONNRESET: the server closed with our unread request bytes still queued; what
             * it wrote before that has been read */
            c->eof = true;
        } else {
            break;
        }
    }
}

/* One loop iteration, then whatever the clients received; sleeps up to wait_ms for their fds. */
static void pump(fixture *f, int wait_ms)
{
    uv_run(&f->loop, UV_RUN_NOWAIT);
    struct pollfd pfd[MAX_CLIENTS];
    int np = 0;
    for (int i = 0; i < f->nclients; i++) {
        drain(&f->c[i]);
        if (f->c[i].fd >= 0 && !f->c[i].eof)
            pfd[np++] = (struct pollfd){.fd = f->c[i].fd, .events = POLLIN};
    }
    if (wait_ms > 0 && np > 0)
        (void)poll(pfd, (nfds_t)np, wait_ms);
    else if (wait_ms > 0)
        usleep((useconds_t)wait_ms * 1000);
}

static void pump_for(fixture *f, int ms)
{
    uint64_t end = uv_hrtime() + (uint64_t)ms * 1000000;
    while (uv_hrtime() < end)
        pump(f, 1);
}

static client *connect_client(fixture *f)
{
    int fds[2];
    ig_err err;
    if (f->srv == NULL) {
        static const http_callbacks cb = {cb_body_limit, cb_request, cb_reject, cb_done};
        assert_int_equal(http_server_new(&f->loop, &f->lim, &cb, f, &f->srv, &err), IG_OK);
    }
    assert_true(f->nclients < MAX_CLIENTS);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    assert_int_equal(http_server_adopt(f->srv, fds[0], &err), IG_OK);
    client *c = &f->c[f->nclients++];
    *c = (client){.fd = fds[1]};
    buf_init(&c->out, 4u << 20);
    return c;
}

static void send_bytes(fixture *f, client *c, const char *data, size_t len)
{
    uint64_t end = uv_hrtime() + (uint64_t)WAIT_MS * 1000000;
    while (len > 0) {
        ssize_t n = send(c->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
        } else {
            assert_true(n < 0 && (errno == EAGAIN || errno == EINTR));
            assert_true(uv_hrtime() < end);
            pump(f, 1);
        }
    }
    pump(f, 0);
}

static void send_str(fixture *f, client *c, const char *s)
{
    send_bytes(f, c, s, strlen(s));
}

static bool header_get(const resp *r, const char *name, char *val, size_t cap)
{
    size_t nl = strlen(name);
    const char *line = strstr(r->head, "\r\n");
    while (line != NULL && line[2] != '\r' && line[2] != '\0') {
        line += 2;
        const char *eol = strstr(line, "\r\n");
        if (eol == NULL)
            return false;
        if ((size_t)(eol - line) > nl && line[nl] == ':' && strncasecmp(line, name, nl) == 0) {
            const char *v = line + nl + 1;
            while (*v == ' ')
                v++;
            snprintf(val, cap, "%.*s", (int)(eol - v), v);
            return true;
        }
        line = eol;
    }
    return false;
}

static bool has_header(const resp *r, const char *name, const char *value)
{
    char v[512];
    return header_get(r, name, v, sizeof v) && strcmp(v, value) == 0;
}

/* Parses one response at p; the bytes it took, 0 while incomplete. Fails the test on garbage. */
static size_t parse_resp(const char *p, size_t n, bool head_req, resp *r)
{
    const char *end = memmem(p, n, "\r\n\r\n", 4);
    if (end == NULL)
        return 0;
    size_t hlen = (size_t)(end - p) + 4;
    assert_true(hlen < sizeof r->head);
    memcpy(r->head, p, hlen);
    r->head[hlen] = '\0';
    r->body_len = 0;
    assert_int_equal(sscanf(r->head, "HTTP/1.1 %d ", &r->status), 1);
    char v[64];
    if (head_req || r->status / 100 == 1 || r->status == 204 || r->status == 304)
        return hlen;
    if (header_get(r, "Transfer-Encoding", v, sizeof v)) {
        assert_string_equal(v, "chunked");
        size_t off = hlen;
        for (;;) {
            const char *eol = memmem(p + off, n - off, "\r\n", 2);
            if (eol == NULL)
                return 0;
            char *hex_end;
            unsigned long sz = strtoul(p + off, &hex_end, 16);
            assert_ptr_equal(hex_end, eol);
            off = (size_t)(eol - p) + 2;
            if (sz == 0) {
                if (n - off < 2)
                    return 0;
                assert_memory_equal(p + off, "\r\n", 2);
                return off + 2;
            }
            assert_true(sz <= 16384);
            if (n - off < sz + 2)
                return 0;
            assert_true(r->body_len + sz <= sizeof r->body);
            memcpy(r->body + r->body_len, p + off, sz);
            r->body_len += sz;
            assert_memory_equal(p + off + sz, "\r\n", 2);
            off += sz + 2;
        }
    }
    assert_true(header_get(r, "Content-Length", v, sizeof v));
    size_t cl = strtoul(v, NULL, 10);
    assert_true(cl <= sizeof r->body);
    if (n - hlen < cl)
        return 0;
    memcpy(r->body, p + hlen, cl);
    r->body_len = cl;
    return hlen + cl;
}

/* How many complete responses c holds, up to max, parsed into f->r. */
static int count_resp(fixture *f, const client *c, int max)
{
    size_t off = 0;
    int k = 0;
    while (k < max && off < c->out.len) {
        size_t used = parse_resp(c->out.p + off, c->out.len - off, (c->head_mask >> k) & 1, &f->r[k]);
        if (used == 0)
            break;
        off += used;
        k++;
    }
    return k;
}

/* Runs the loop until c has k complete responses; returns the number it got. */
static int wait_resp(fixture *f, client *c, int k)
{
    uint64_t end = uv_hrtime() + (uint64_t)WAIT_MS * 1000000;
    int got;
    while ((got = count_resp(f, c, k)) < k && !c->eof && uv_hrtime() < end)
        pump(f, 1);
    return count_resp(f, c, k);
}

/* Runs the loop until the server closes c; returns whether it did. */
static bool wait_eof(fixture *f, client *c)
{
    uint64_t end = uv_hrtime() + (uint64_t)WAIT_MS * 1000000;
    while (!c->eof && uv_hrtime() < end)
        pump(f, 1);
    return c->eof;
}

static bool body_has(const resp *r, const char *needle)
{
    return memmem(r->body, r->body_len, needle, strlen(needle)) != NULL;
}

/* Asserts c got exactly one response with status and was then closed. */
static void expect_reject(fixture *f, client *c, int status)
{
    assert_true(wait_eof(f, c));
    assert_int_equal(count_resp(f, c, MAX_RESP), 1);
    assert_int_equal(f->r[0].status, status);
    assert_true(has_header(&f->r[0], "Connection", "close"));
    char want[32];
    snprintf(want, sizeof want, "rejected %d", status);
    assert_int_equal(f->r[0].body_len, strlen(want));
    assert_memory_equal(f->r[0].body, want, strlen(want));
    assert_int_equal(f->last_reject, status);
}

/* ---- fixture ---- */

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(uv_loop_init(&f->loop), 0);
    f->lim = (http_limits){
        .max_header_size = 4096,
        .max_headers = 20,
        .header_timeout_ms = 2000,
        .body_timeout_ms = 10000,
        .body_idle_timeout_ms = 2000,
        .body_min_rate = 0,
        .keepalive_timeout_ms = 5000,
        .shutdown_timeout_ms = 500,
        .max_connections = 16,
    };
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < f->nclients; i++)
        if (f->c[i].fd >= 0)
            close(f->c[i].fd);
    if (f->srv != NULL) {
        http_server_shutdown(f->srv, on_shutdown_done, f);
        uv_run(&f->loop, UV_RUN_DEFAULT);
        if (f->held != NULL) /* its connection is gone: this only reports and frees it */
            http_exchange_respond(f->held, 500, NULL, NULL, 0, 0);
        assert_true(f->shut_done);
        assert_int_equal(http_server_connections(f->srv), 0);
        http_server_free(f->srv);
    }
    assert_int_equal(uv_loop_close(&f->loop), 0);
    for (int i = 0; i < f->nclients; i++)
        buf_free(&f->c[i].out);
    free(f);
    return 0;
}

/* ---- tests ---- */

static void test_keepalive_two_requests(void **state)
{
    fixture *f = *state;
    client *c = connect_client(f);
    send_str(f, c, "GET /one?x=1&y HTTP/1.1\r\nHost: t\r\nX-Echo:  hi there \t\r\n\r\n");
    assert_int_equal(wait_resp(f, c, 1), 1);
    resp *r = &f->r[0];
    assert_int_equal(r->status, 200);
    assert_true(has_header(r, "Connection", "keep-alive"));
    assert_true(has_header(r, "Content-Type", "text/plain"));
    assert_true(body_has(r, "method=GET path=/one query=x=1&y len=0 "));
    assert_true(body_has(r, "echo=hi there body="));
    char rid1[160], rid2[160], date[64];
    assert_true(header_get(r, "X-Request-Id", rid1, sizeof rid1));
    assert_true(header_get(r, "Date", date, sizeof date));
    assert_non_null(strstr(date, " GMT"));
    assert_false(c->eof);

    send_str(f, c, "POST /two HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
    assert_int_equal(wait_resp(f, c, 2), 2);
    r = &f->r[1];
    assert_int_equal(r->status, 200);
    assert_true(body_has(r, "method=POST path=/two query= len=5 "));
    assert_true(body_has(r, "body=hello"));
    assert_true(header_get(r, "X-Request-Id", rid2, sizeof rid2));
    assert_string_not_equal(rid1, rid2);
    assert_false(c->eof);
    assert_int_equal(http_server_connections(f->srv), 1);
    assert_int_equal(f->requests, 2);
    assert_int_equal(f->done, 2);
    assert_int_equal(f->done_status[0], 200);
}

static void test_pipelined_in_order(void **state)
{
    fixture *f = *state;
    client *c = connect_client(f);
    send_str(f, c,
             "GET /a HTTP/1.1\r\nHost: t\r\n\r\n"
             "POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nxyz"
             "GET /c HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(wait_resp(f, c, 3), 3);
    assert_true(body_has(&f->r[0], "method=GET path=/a "));
    assert_true(body_has(&f->r[1], "method=POST path=/b "));
    assert_true(body_has(&f->r[1], "body=xyz"));
    assert_true(body_has(&f->r[2], "method=GET path=/c "));
    assert_int_equal(f->requests, 3);
    pump_for(f, 20);
    assert_int_equal(count_resp(f, c, MAX_RESP), 3);
    assert_false(c->eof);
}

static void test_pipelined_behind_slow_handler(void **state)
{
    fixture *f = *state;
    client *c = connect_client(f);
    send_str(f, c, "GET /hold HTTP/1.1\r\n\r\nGET /second HTTP/1.1\r\n\r\nGET /th");
    pump_for(f, 30);
    assert_non_null(f->held);
    assert_int_equal(f->requests, 1);
    assert_int_equal(c->out.len, 0);
    send_str(f, c, "ird HTTP/1.1\r\n\r\n");
    pump_for(f, 30);
    assert_int_equal(f->requests, 1);

    http_exchange *x = f->held;
    f->held = NULL;
    http_exchange_respond(x, 202, "text/plain", "first", 5, 0);
    assert_int_equal(wait_resp(f, c, 3), 3);
    assert_int_equal(f->r[0].status, 202);
    assert_memory_equal(f->r[0].body, "first", 5);
    assert_true(body_has(&f->r[1], "path=/second "));
    assert_true(body_has(&f->r[2], "path=/third "));
    assert_int_equal(f->requests, 3);
}

static void test_one_byte_at_a_time(void **state)
{
    fixture *f = *state;
    client *c = connect_client(f);
    static const char req[] = "POST /slow/path?q=1 HTTP/1.1\r\nHost: t\r\nX-Echo: split value\r\n"
                              "Content-Length: 4\r\n\r\nbody"
                              "GET /next HTTP/1.1\r\n\r\n";
    for (size_t i = 0; i < sizeof req - 1; i++) {
        send_bytes(f, c, req + i, 1);
        pump(f, 0);
    }
    assert_int_equal(wait_resp(f, c, 2), 2);
    assert_true(body_has(&f->r[0], "method=POST path=/slow/path query=q=1 len=4 "));
    assert_true(body_has(&f->r[0], "echo=split value body=body"));
    assert_true(body_has(&f->r[1], "method=GET path=/next "));
}

static void test_http10_closes(void **state)
{
    fixture *f = *state;
    client *c = connect_client(f);
    send_str(f, c, "GET /old HTTP/1.0\r\n\r\n");
    assert_true(wait_eof(f, c));
    assert_int_equal(count_resp(f, c, MAX_RESP), 1);
    assert_int_equal(f->r[0].status, 200);
    assert_true(has_header(&f->r[0], "Connection", "close"));
    assert_true(body_has(&f->r[0], "path=/old "));

    /* HTTP/1.0 asking for keep-alive keeps it; HTTP/1.1 asking to close is closed */
    client *k = connect_client(f);
    send_str(f, k, "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_int_equal(wait_resp(f, k, 1), 1);
    assert_true(has_header(&f->r[0], "Connection", "keep-alive"));
    send_str(f, k, "GET /b HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_true(wait_eof(f, k));
    assert_int_equal(count_resp(f, k, MAX_RESP), 2);
    assert_true(has_header(&f->r[1], "Connection", "close"));

    /* the handler can ask to close too */
    client *h = connect_client(f);
    send_str(f, h, "GET /close HTTP/1.1\r\n\r\nGET /never HTTP/1.1\r\n\r\n");
    assert_true(wait_eof(f, h));
    assert_int_equal(count_resp(f, h, MAX_RESP), 1);
    assert_true(has_header(&f->r[0], "Connection", "close"));
    assert_int_equal(f->requests, 4);
}

static void test_chunked_request_body(void **state)
{
    fixture *f = *state;
    client *c = connect_client(f);
    send_str(f, c,
             "POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5;ext=1\r\nhello\r\n"
             "6;name=\"v\"\r\n world\r\n"
             "0\r\nX-Trailer: yes\r\n\r\n"
             "GET /after HTTP/1.1\r\n\r\n");
    assert_int_equal(wait_resp(f, c, 2), 2);
    assert_int_equal(f->r[0].status, 200);
    assert_true(body_has(&f->r[0], "method=POST path=/up query= len=11 "));
    assert_true(body_has(&f->r[0], "body=hello world"));
    assert_true(body_has(&f->r[1], "path=/after "));
    assert_false(c->eof);
}

static void test_body_at_limit_accepted(void **state)
{
    fixture *f = *state;
    client *c = connect_client(f);
    char req[BODY_LIMIT + 128];
    int n = snprintf(req, sizeof req, "PUT /full HTTP/1.1\r\nContent-Length: %d\r\n\r\n", BODY_LIMIT);
    memset(req + n, 'z', BODY_LIMIT);
    send_bytes(f, c, req, (size_t)n + BODY_LIMIT);
    assert_int_equal(wait_resp(f, c, 1), 1);
    assert_int_equal(f->r[0].status, 200);
    assert_true(body_has(&f->r[0], "len=1024 "));
}

static void test_content_length_over_limit_413(void **state)
{
    fixture *f = *state;
    client *c = connect_client(f);
    send_str(f, c, "POST /big HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 1025\r\n\r\n");
    expect_reject(f, c, 413);
    assert_null(memmem(c->out.p, c->out.len, "100 Continue", 12));
    assert_int_equal(f->requests, 0);

    /* without Expect, the body already sent does not matter either */
    client *d = connect_client(f);
    char req[4096];
    int n = snprintf(req, sizeof req, "POST /big HTTP/1.1\r\nContent-Length: 2000\r\n\r\n");
    memset(req + n, 'b', 2000);
    send_bytes(f, d, req, (size_t)n + 2000);
    expect_reject(f, d, 413);
    assert_int_equal(f->requests, 0);
    assert_int_equal(f->done, 2);
}

static void test_expect_100_continue(void **state)
{
    fixture *f = *state;
    client *c = connect_client(f);
    send_str(f, c, "POST /e HTTP/1.1\r\nHost: t\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n");
    assert_int_equal(wait_resp(f, c, 1), 1);
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    assert_int_equal(c->out.len, sizeof cont - 1);
    assert_memory_equal(c->out.p, cont, sizeof cont - 1);
    assert_int_equal(f->requests, 0);
    send_str(f, c, "hello");
    assert_int_equal(wait_resp(f, c, 2), 2);
    assert_int_equal(f->r[1].status, 200);
    assert_true(body_has(&f->r[1], "len=5 "));
    assert_true(body_has(&f->r[1], "body=hello"));

    /* no body: no interim response */
    client *g = connect_client(f);
    send_str(f, g, "GET /e HTTP/1.1\r\nExpect: 100-continue\r\n\r\n");
    assert_int_equal(wait_resp(f, g, 1), 1);
    assert_int_equal(f->r[0].status, 200);

    /* any other expectation fails */
    client *b = connect_client(f);
    send_str(f, b, "POST /e HTTP/1.1\r\nExpect: tea\r\nContent-Length: 1\r\n\r\nx");
    expect_reject(f, b, 417);
}

static void test_chunked_over_limit_413(void **state)
{
    fixture *f = *state;
    client *c = connect_client(f);
    char req[4096];
    int n = snprintf(req, sizeof req, "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int k = 0; k < 2; k++) {
        n += snprintf(req + n, sizeof req - (size_t)n, "258\r\n");
        memset(req + n, 'q', 600);
        n += 600;
        n += snprintf(req + n, sizeof req - (size_t)n, "\r\n");
    }
    n += snprintf(req + n, sizeof req - (size_t)n, "0\r\n\r\n");
    send_bytes(f, c, req, (size_t)n);
    expect_reject(f, c, 413);
    assert_int_equal(f->requests, 0);

    /* one chunk that announces more than it sends is cut at the cap, not at its end */
    client *d = connect_client(f);
    n = snprintf(req, sizeof req, "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffff\r\n");
    memset(req + n, 'q', 1100);
    send_bytes(f, d, req, (size_t)n + 1100);
    expect_reject(f, d, 413);
}

static void test_header_block_431(void **state)
{
    fixture *f = *state;
    char req[8192];
    char val[5001];
    memset(val, 'v', sizeof val - 1);
    val[4000] = '\0';
    /* url + names + values: 1 + 5 + 4000 + 4 + 1 = 4011 bytes, under 4096 */
    client *ok = connect_client(f);
    snprintf(req, sizeof req, "GET / HTTP/1.1\r\nX-Big: %s\r\nHost: t\r\n\r\n", val);
    send_str(f, ok, req);
    assert_int_equal(wait_resp(f, ok, 1), 1);
    assert_int_equal(f->r[0].status, 200);

    val[4000] = 'v';
    val[5000] = '\0';
    client *c = connect_client(f);
    snprintf(req, sizeof req, "GET / HTTP/1.1\r\nX-Big: %s\r\nHost: t\r\n\r\n", val);
    send_str(f, c, req);
    expect_reject(f, c, 431);

    /* a URL alone can fill the block too */
    client *u = connect_client(f);
    memset(val, 'u', 5000);
    snprintf(req, sizeof req, "GET /%s HTTP/1.1\r\n\r\n", val);
    send_str(f, u, req);
    expect_reject(f, u, 431);
    assert_int_equal(f->requests, 1);
}

static void test_too_many_headers_431(void **state)
{
    fixture *f = *state;
    char req[4096];
    for (int nh = 20; nh <= 21; nh++) {
        int n = snprintf(req, sizeof req, "GET /h HTTP/1.1\r\n");
        for (int i = 0; i < nh; i++)
            n += snprintf(req + n, sizeof req - (size_t)n, "X-H%d: %d\r\n", i, i);
        snprintf(req + n, sizeof req - (size_t)n, "\r\n");
        client *c = connect_client(f);
        send_str(f, c, req);
        if (nh == 20) {
            assert_int_equal(wait_resp(f, c, 1), 1);
            assert_int_equal(f->r[0].status, 200);
        } else {
            expect_reject(f, c, 431);
        }
    }
}

static void test_malformed_400(void **state)
{
    fixture *f = *state;
    static const char *const bad[] = {
        "GARBAGE\r\n\r\n",
        "\x01\x02\x03\r\n\r\n",
        "GET /x HTTP/1.1\r\n: novalue\r\n\r\n",
        "GET x HTTP/1.1\r\n\r\n",
        "GET /x HTTP/x.1\r\n\r\n",
        "GET /x HTTP/1.1\r\nX: a\rb\r\n\r\n",
        "POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nabc",
        "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "GET /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "GET /x HTTP/1.1\r\nHost: a\r\n\x7f\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        client *c = connect_client(f);
        send_str(f, c, bad[i]);
        expect_reject(f, c, 400);
        close(c->fd);
        c->fd = -1;
        buf_free(&c->out);
        f->nclients--;
    }
    assert_int_equal(f->requests, 0);
}

static void test_content_length_and_chunked_400(void **state)
{
    fixture *f = *state;
    client *c = connect_client(f);
    send_str(f, c,
             "POST /smuggle HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
             "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /x HTTP/1.1\r\n\r\n");
    expect_reject(f, c, 400);
    assert_int_equal(f->requests, 0);
}

static void test_request_id(void **state)
{
    fixture *f = *state;
    char rid128[129];
    memset(rid128, 'r', 128);
    rid128[128] = '\0';
    char req[1024];
    snprintf(req, sizeof req,
             "GET /1 HTTP/1.1\r\nX-Request-Id: abc-123_X.y\r\n\r\n"
             "GET /2 HTTP/1.1\r\nX-Request-Id: bad id!\r\n\r\n"
             "GET /3 HTTP/1.1\r\nx-request-id: %s\r\n\r\n"
             "GET /4 HTTP/1.1\r\nX-Request-Id: %sr\r\n\r\n",
             rid128, rid128);
    client *c = connect_client(f);
    send_str(f, c, req);
    assert_int_equal(wait_resp(f, c, 4), 4);
    char v[256];
    assert_true(has_header(&f->r[0], "X-Request-Id", "abc-123_X.y"));
    assert_true(body_has(&f->r[0], "rid=abc-123_X.y "));
    assert_true(has_header(&f->r[2], "X-Request-Id", rid128));
    for (int k = 1; k <= 3; k += 2) { /* generated: 16 hex digits, '-', a hex counter */
        assert_true(header_get(&f->r[k], "X-Request-Id", v, sizeof v));
        assert_true(strlen(v) > 17);
        assert_int_equal(strspn(v, "0123456789abcdef"), 16);
        assert_int_equal(v[16], '-');
        assert_int_equal(strspn(v + 17, "0123456789abcdef"), strlen(v + 17));
    }
}

static void test_head_has_length_no_body(void **state)
{
    fixture *f = *state;
    client *c = connect_client(f);
    c->head_mask = 1;
    send_str(f, c, "HEAD /h HTTP/1.1\r\n\r\nGET /g HTTP/1.1\r\n\r\n");
    assert_int_equal(wait_resp(f, c, 2), 2);
    char v[32];
    assert_int_equal(f->r[0].status, 200);
    assert_true(header_get(&f->r[0], "Content-Length", v, sizeof v));
    assert_true(atoi(v) > 0);
    /* the second response starts right after the first one's headers */
    assert_int_equal(f->r[1].status, 200);
    assert_true(body_has(&f->r[1], "method=GET path=/g "));
    const char *second = strstr(c->out.p, "\r\n\r\n") + 4;
    assert_memory_equal(second, "HTTP/1.1 200 OK\r\n", 17);
}

static void test_chunked_response(void **state)
{
    fixture *f = *state;
    client *c = connect_client(f);
    send_str(f, c, "GET /chunked HTTP/1.1\r\n\r\nGET /after HTTP/1.1\r\n\r\n");
    assert_int_equal(wait_resp(f, c, 2), 2);
    resp *r = &f->r[0];
    char v[32];
    assert_true(has_header(r, "Transfer-Encoding", "chunked"));
    assert_false(header_get(r, "Content-Length", v, sizeof v));
    assert_int_equal(r->body_len, CHUNKED_BODY_LEN);
    for (size_t i = 0; i < CHUNKED_BODY_LEN; i++)
        if (r->body[i] != (char)('a' + i % 26))
            fail_msg("byte %zu differs", i);
    const char *first = strstr(c->out.p, "\r\n\r\n") + 4;
    assert_memory_equal(first, "4000\r\n", 6);
    assert_true(body_has(&f->r[1], "path=/after "));

    /* HTTP/1.0 cannot read chunked: the same body goes with a Content-Length */
    client *old = connect_client(f);
    send_str(f, old, "GET /chunked HTTP/1.0\r\n\r\n");
    assert_true(wait_eof(f, old));
    assert_int_equal(count_resp(f, old, MAX_RESP), 1);
    assert_true(has_header(&f->r[0], "Content-Length", "40000"));
    assert_false(header_get(&f->r[0], "Transfer-Encoding", v, sizeof v));
    assert_int_equal(f->r[0].body_len, CHUNKED_BODY_LEN);
}

static void test_header_injection_neutralised(void **state)
{
    fixture *f = *state;
    client *c = connect_client(f);
    send_str(f, c, "GET /inject HTTP/1.1\r\n\r\n");
    assert_int_equal(wait_resp(f, c, 1), 1);
    assert_true(has_header(&f->r[0], "X-Inj", "a  Set-Cookie: evil=1"));
    assert_null(strstr(f->r[0].head, "\r\nSet-Cookie"));
}

static void test_header_timeout_408(void **state)
{
    fixture *f = *state;
    f->lim.header_timeout_ms = 100;
    client *c = connect_client(f);
    uint64_t t0 = uv_hrtime();
    send_str(f, c, "GET /slo");
    expect_reject(f, c, 408);
    uint64_t ms = (uv_hrtime() - t0) / 1000000;
    assert_true(ms >= 90);
    assert_true(ms < 2000);
}

static void test_body_idle_timeout_408(void **state)
{
    fixture *f = *state;
    f->lim.body_idle_timeout_ms = 100;
    client *c = connect_client(f);
    uint64_t t0 = uv_hrtime();
    send_str(f, c, "POST /b HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
    expect_reject(f, c, 408);
    uint64_t ms = (uv_hrtime() - t0) / 1000000;
    assert_true(ms >= 90);
    assert_true(ms < 2000);
    assert_int_equal(f->requests, 0);
}

static void test_body_min_rate_408(void **state)
{
    fixture *f = *state;
    f->lim.body_timeout_ms = 100;
    f->lim.body_min_rate = 1000000;
    client *c = connect_client(f);
    send_str(f, c, "POST /b HTTP/1.1\r\nContent-Length: 1000\r\n\r\n");
    /* a byte every 20 ms is never idle, but far below the rate */
    for (int i = 0; i < 40 && !c->eof; i++) {
        send_bytes(f, c, "x", 1);
        pump_for(f, 20);
    }
    expect_reject(f, c, 408);
}

static void test_keepalive_timeout_closes(void **state)
{
    fixture *f = *state;
    f->lim.keepalive_timeout_ms = 100;
    client *c = connect_client(f);
    send_str(f, c, "GET /k HTTP/1.1\r\n\r\n");
    assert_int_equal(wait_resp(f, c, 1), 1);
    assert_true(wait_eof(f, c));
    assert_int_equal(count_resp(f, c, MAX_RESP), 1);
    assert_int_equal(c->out.len, (size_t)(strstr(c->out.p, "\r\n\r\n") + 4 - c->out.p) +
                                     f->r[0].body_len);

    client *silent = connect_client(f); /* never says anything */
    assert_true(wait_eof(f, silent));
    assert_int_equal(silent->out.len, 0);
    assert_int_equal(http_server_connections(f->srv), 0);
}

static void test_connection_cap_503(void **state)
{
    fixture *f = *state;
    f->lim.max_connections = 1;
    client *a = connect_client(f);
    client *b = connect_client(f);
    expect_reject(f, b, 503);
    send_str(f, a, "GET /a HTTP/1.1\r\n\r\n");
    assert_int_equal(wait_resp(f, a, 1), 1);
    assert_int_equal(f->r[0].status, 200);
}

static void test_shutdown_graceful(void **state)
{
    fixture *f = *state;
    client *idle = connect_client(f);
    client *busy = connect_client(f);
    send_str(f, idle, "GET /i HTTP/1.1\r\n\r\n");
    assert_int_equal(wait_resp(f, idle, 1), 1);
    send_str(f, busy, "GET /hold HTTP/1.1\r\n\r\n");
    for (int i = 0; i < 100 && f->held == NULL; i++)
        pump(f, 1);
    assert_non_null(f->held);
    size_t idle_len = idle->out.len;

    http_server_shutdown(f->srv, on_shutdown_done, f);
    assert_true(wait_eof(f, idle));
    assert_int_equal(idle->out.len, idle_len);
    pump_for(f, 30);
    assert_false(busy->eof);
    assert_false(f->shut_done);
    assert_int_equal(http_server_connections(f->srv), 1);

    http_exchange *x = f->held;
    f->held = NULL;
    http_exchange_respond(x, 200, "text/plain", "late", 4, 0);
    assert_true(wait_eof(f, busy));
    assert_int_equal(count_resp(f, busy, MAX_RESP), 1);
    assert_int_equal(f->r[0].status, 200);
    assert_true(has_header(&f->r[0], "Connection", "close"));
    for (int i = 0; i < 100 && !f->shut_done; i++)
        pump(f, 1);
    assert_true(f->shut_done);
    assert_int_equal(http_server_connections(f->srv), 0);
    assert_int_equal(f->done, 2);
}

static void test_shutdown_timeout_abandons_handler(void **state)
{
    fixture *f = *state;
    f->lim.shutdown_timeout_ms = 100;
    client *busy = connect_client(f);
    send_str(f, busy, "POST /hold HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi");
    for (int i = 0; i < 100 && f->held == NULL; i++)
        pump(f, 1);
    assert_non_null(f->held);
    http_server_shutdown(f->srv, on_shutdown_done, f);
    assert_true(wait_eof(f, busy));
    assert_int_equal(busy->out.len, 0);
    for (int i = 0; i < 100 && !f->shut_done; i++)
        pump(f, 1);
    assert_true(f->shut_done);
    assert_int_equal(f->done, 0);
    /* the handler finishes after its connection is gone: reported, freed, nothing written */
    http_exchange *x = f->held;
    f->held = NULL;
    http_exchange_respond(x, 200, "text/plain", "late", 4, 0);
    assert_int_equal(f->done, 1);
    assert_int_equal(f->done_status[0], 200);
}

static void test_client_gone_mid_request(void **state)
{
    fixture *f = *state;
    client *c = connect_client(f);
    send_str(f, c, "POST /x HTTP/1.1\r\nContent-Length: 100\r\n\r\npartial");
    pump_for(f, 10);
    close(c->fd);
    c->fd = -1;
    for (int i = 0; i < 200 && http_server_connections(f->srv) > 0; i++)
        pump(f, 1);
    assert_int_equal(http_server_connections(f->srv), 0);
    assert_int_equal(f->requests, 0);
}

/* Taken over from inside the request callback: the bytes after the request go with it. */
static void test_hijack_in_callback(void **state)
{
    fixture *f = *state;
    client *c = connect_client(f);
    send_str(f, c, "GET /upgrade HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: x-test\r\n\r\nEXTRA");
    for (int i = 0; i < 200 && c->out.len < 5; i++)
        pump(f, 1);
    assert_int_equal(c->out.len, 5);
    assert_memory_equal(c->out.p, "HELLO", 5); /* no HTTP response: the new owner speaks */
    assert_int_equal(f->hj_rest_len, 5);
    assert_memory_equal(f->hj_rest, "EXTRA", 5);
    assert_int_equal(f->done, 1);
    assert_int_equal(f->done_status[0], 101);
    assert_int_equal(http_server_connections(f->srv), 0);
    http_hijacked_close(f->hj_tcp, on_hijacked_closed);
    assert_true(wait_eof(f, c));
    for (int i = 0; i < 100 && !f->hj_closed; i++)
        pump(f, 1);
    assert_true(f->hj_closed);
}

/* Taken over later, from outside the parser: the bytes read meanwhile go with it; a hijack after
 * the client left fails and releases the exchange. */
static void test_hijack_later(void **state)
{
    fixture *f = *state;
    client *c = connect_client(f);
    send_str(f, c, "GET /hold HTTP/1.1\r\n\r\nMORE");
    for (int i = 0; i < 100 && f->held == NULL; i++)
        pump(f, 1);
    assert_non_null(f->held);
    pump_for(f, 10);
    http_exchange *x = f->held;
    f->held = NULL;
    assert_true(http_exchange_hijack(x, on_hijacked, f));
    assert_non_null(f->hj_tcp);
    assert_int_equal(f->hj_rest_len, 4);
    assert_memory_equal(f->hj_rest, "MORE", 4);
    for (int i = 0; i < 200 && c->out.len < 5; i++)
        pump(f, 1);
    assert_memory_equal(c->out.p, "HELLO", 5);
    http_hijacked_close(f->hj_tcp, NULL);
    assert_true(wait_eof(f, c));

    client *gone = connect_client(f);
    send_str(f, gone, "GET /hold HTTP/1.1\r\n\r\n");
    for (int i = 0; i < 100 && f->held == NULL; i++)
        pump(f, 1);
    assert_non_null(f->held);
    shutdown(gone->fd, SHUT_WR);
    pump_for(f, 20);
    x = f->held;
    f->held = NULL;
    f->hj_tcp = NULL;
    int done = f->done;
    assert_false(http_exchange_hijack(x, on_hijacked, f));
    assert_null(f->hj_tcp);
    assert_true(wait_eof(f, gone));
    assert_int_equal(f->done, done + 1);
}

static void test_status_reason(void **state)
{
    (void)state;
    assert_string_equal(http_status_reason(200), "OK");
    assert_string_equal(http_status_reason(304), "Not Modified");
    assert_string_equal(http_status_reason(413), "Payload Too Large");
    assert_string_equal(http_status_reason(431), "Request Header Fields Too Large");
    assert_string_equal(http_status_reason(999), "Unknown");
}

static void test_crlf_only_still_times_out(void **state)
{
    fixture *f = *state;
    f->lim.keepalive_timeout_ms = 100;
    f->lim.header_timeout_ms = 150;
    client *c = connect_client(f);
    send_str(f, c, "\r\n");
    assert_true(wait_eof(f, c));
    assert_int_equal(c->out.len, 0);
}

static void test_space_before_colon_400(void **state)
{
    fixture *f = *state;
    static const char *const bad[] = {
        "GET /x HTTP/1.1\r\nHost : x\r\n\r\n",
        "GET /x HTTP/1.1\r\nBad Header: x\r\n\r\n",
        "GET /x HTTP/1.1\r\nX\t: y\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        client *c = connect_client(f);
        send_str(f, c, bad[i]);
        expect_reject(f, c, 400);
        close(c->fd);
        c->fd = -1;
        buf_free(&c->out);
        f->nclients--;
    }
    assert_int_equal(f->requests, 0);
}

/* Trailers of a chunked body must not move the header bytes the request points into. */
static void test_big_trailer_keeps_headers(void **state)
{
    fixture *f = *state;
    char req[2048];
    char pad[300];
    memset(pad, 'p', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    snprintf(req, sizeof req,
             "POST /trailer HTTP/1.1\r\nX-Request-Id: keep-me\r\nTransfer-Encoding: chunked\r\n\r\n"
             "3\r\nabc\r\n0\r\nX-Big: %s\r\nX-Big2: %s\r\n\r\n",
             pad, pad);
    client *c = connect_client(f);
    send_str(f, c, req);
    assert_int_equal(wait_resp(f, c, 1), 1);
    assert_int_equal(f->r[0].status, 200);
    assert_true(body_has(&f->r[0], "path=/trailer "));
    assert_true(has_header(&f->r[0], "X-Request-Id", "keep-me"));
}

static void test_file_response_streams(void **state)
{
    fixture *f = *state;
    client *c = connect_client(f);
    send_str(f, c, "GET /file HTTP/1.1\r\n\r\nGET /after HTTP/1.1\r\n\r\n");
    uint64_t end = uv_hrtime() + 5000000000ull;
    const char *tail = NULL;
    while (uv_hrtime() < end) {
        pump(f, 1);
        if (c->out.len > FILE_BODY_LEN && (tail = memmem(c->out.p, c->out.len, "path=/after", 11)) != NULL)
            break;
    }
    assert_non_null(tail); /* the next request on the connection is answered after the file */
    assert_non_null(strstr(c->out.p, "Content-Length: 614400\r\n"));
    const char *body = strstr(c->out.p, "\r\n\r\n") + 4;
    for (size_t i = 0; i < FILE_BODY_LEN; i++)
        if (body[i] != (char)(i * 7 % 251))
            fail_msg("byte %zu differs", i);
    assert_memory_equal(body + FILE_BODY_LEN, "HTTP/1.1 200", 12);
}

static void test_file_response_client_leaves(void **state)
{
    fixture *f = *state;
    client *c = connect_client(f);
    send_str(f, c, "GET /file HTTP/1.1\r\n\r\n");
    pump_for(f, 20);
    close(c->fd); /* mid-stream: the server must release the file and the exchange */
    c->fd = -1;
    pump_for(f, 200);
    assert_int_equal(f->done, 1);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (sodium_init() < 0)
        return 1;
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_keepalive_two_requests),
        T(test_pipelined_in_order),
        T(test_pipelined_behind_slow_handler),
        T(test_one_byte_at_a_time),
        T(test_http10_closes),
        T(test_chunked_request_body),
        T(test_body_at_limit_accepted),
        T(test_content_length_over_limit_413),
        T(test_expect_100_continue),
        T(test_chunked_over_limit_413),
        T(test_header_block_431),
        T(test_too_many_headers_431),
        T(test_malformed_400),
        T(test_content_length_and_chunked_400),
        T(test_request_id),
        T(test_head_has_length_no_body),
        T(test_chunked_response),
        T(test_header_injection_neutralised),
        T(test_header_timeout_408),
        T(test_body_idle_timeout_408),
        T(test_body_min_rate_408),
        T(test_keepalive_timeout_closes),
        T(test_connection_cap_503),
        T(test_shutdown_graceful),
        T(test_shutdown_timeout_abandons_handler),
        T(test_client_gone_mid_request),
        T(test_hijack_in_callback),
        T(test_hijack_later),
        T(test_status_reason),
        T(test_crlf_only_still_times_out),
        T(test_space_before_colon_400),
        T(test_big_trailer_keeps_headers),
        T(test_file_response_streams),
        T(test_file_response_client_leaves),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}

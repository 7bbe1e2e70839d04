/* libFuzzer target for http/server: the input is everything a client sends on one connection
 * before half-closing it. A real server on a fresh loop serves it over a socketpair; afterwards
 * every exchange must have been reported exactly once and no handle may be left open. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "http/server.h"

/* Per-input wall-clock bound; a connection still open after it is a hang worth reporting. */
#define DRIVE_LIMIT_NS (10ull * 1000 * 1000 * 1000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct driver {
    int requests, rejects, done;
    http_exchange *held; /* a request on /h..., answered on a later loop turn */
    bool shut;
    /* the client end, polled on the same loop so that one loop turn waits for either side */
    uv_poll_t poll;
    int fd;
    const uint8_t *data;
    size_t size, off;
    bool sent, eof;
} driver;

static uint64_t cb_body_limit(http_exchange *x, void *udata)
{
    (void)udata;
    http_request *r = http_exchange_request(x);
    return r->path.n > 1 && r->path.p[1] == 'b' ? 4096 : 64;
}

static void respond_echo(http_exchange *x, int flags)
{
    http_request *r = http_exchange_request(x);
    char *text = pool_printf(r->pool, "%.*s %.*s %zu %s", (int)r->method_name.n, r->method_name.p,
                             (int)r->url.n, r->url.p, r->body.n, r->request_id);
    if (text == NULL)
        http_exchange_respond(x, 500, NULL, NULL, 0, HTTP_RESP_CLOSE);
    else
        http_exchange_respond(x, 200, "text/plain", text, strlen(text), flags);
}

static void cb_request(http_exchange *x, void *udata)
{
    driver *d = udata;
    http_request *r = http_exchange_request(x);
    d->requests++;
    char second = r->path.n > 1 ? r->path.p[1] : '\0';
    if (second == 'h' && d->held == NULL) {
        d->held = x;
        return;
    }
    if (second == 'a')
        http_exchange_add_header(x, STR_LIT("X-Echo"), http_request_header(r, STR_LIT("X-Echo")));
    respond_echo(x, second == 'c' ? HTTP_RESP_CHUNKED : second == 'x' ? HTTP_RESP_CLOSE : 0);
}

static void cb_reject(http_exchange *x, int status, void *udata)
{
    driver *d = udata;
    d->rejects++;
    if (status < 400 || status > 599)
        __builtin_trap();
    http_exchange_respond(x, status, "text/plain", "no", 2, 0);
}

static void cb_done(http_exchange *x, void *udata)
{
    driver *d = udata;
    d->done++;
    int st = http_exchange_status(x);
    if (st < 100 || st > 599)
        __builtin_trap();
}

static void on_shut(void *arg)
{
    ((driver *)arg)->shut = true;
}

/* Sends what the socket takes, then half-closes; reads and drops whatever the server answers. */
static void on_client(uv_poll_t *p, int status, int events)
{
    driver *d = p->data;
    if (status < 0)
        d->sent = d->eof = true;
    while (!d->eof && (events & UV_READABLE)) {
        char tmp[65536];
        ssize_t n = recv(d->fd, tmp, sizeof tmp, MSG_DONTWAIT);
        if (n > 0)
            continue;
        if (n == 0 || (errno != EAGAIN && errno != EINTR))
            d->eof = true;
        break;
    }
    while (!d->sent && d->off < d->size) {
        ssize_t n = send(d->fd, d->data + d->off, d->size - d->off, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0)
            d->off += (size_t)n;
        else if (errno == EAGAIN || errno == EINTR)
            break;
        else
            d->sent = true;
    }
    if (!d->sent && d->off == d->size) {
        shutdown(d->fd, SHUT_WR);
        d->sent = true;
    }
    int want = (d->eof ? 0 : UV_READABLE) | (d->sent ? 0 : UV_WRITABLE);
    if (want == 0)
        uv_poll_stop(p);
    else
        uv_poll_start(p, want, on_client);
}

static void respond_held(driver *d)
{
    if (d->held != NULL) {
        http_exchange *x = d->held;
        d->held = NULL;
        respond_echo(x, 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const http_limits lim = {
        .max_header_size = 2048,
        .max_headers = 16,
        .header_timeout_ms = 50,
        .body_timeout_ms = 50,
        .body_idle_timeout_ms = 50,
        .body_min_rate = 0,
        .keepalive_timeout_ms = 50,
        .shutdown_timeout_ms = 50,
        .max_connections = 4,
    };
    static const http_callbacks cb = {cb_body_limit, cb_request, cb_reject, cb_done};
    driver d;
    uv_loop_t loop;
    http_server *srv = NULL;
    ig_err err;
    int fds[2];

    memset(&d, 0, sizeof d);
    d.data = data;
    d.size = size;
    signal(SIGPIPE, SIG_IGN);
    if (sodium_init() < 0 || uv_loop_init(&loop) != 0)
        return 0;
    if (http_server_new(&loop, &lim, &cb, &d, &srv, &err) != IG_OK)
        __builtin_trap();
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        __builtin_trap();
    if (http_server_adopt(srv, fds[0], &err) != IG_OK)
        __builtin_trap();
    d.fd = fds[1];
    if (uv_poll_init(&loop, &d.poll, d.fd) != 0)
        __builtin_trap();
    d.poll.data = &d;
    uv_poll_start(&d.poll, UV_READABLE | UV_WRITABLE, on_client);

    uint64_t deadline = uv_hrtime() + DRIVE_LIMIT_NS;
    while (http_server_connections(srv) > 0) {
        if (uv_hrtime() > deadline)
            __builtin_trap();
        uv_run(&loop, UV_RUN_ONCE);
        respond_held(&d);
    }
    respond_held(&d);
    uv_close((uv_handle_t *)&d.poll, NULL);
    http_server_shutdown(srv, on_shut, &d);
    uv_run(&loop, UV_RUN_DEFAULT);
    close(d.fd);
    http_server_free(srv);
    /* every request and rejection was answered and reported once; nothing is left open */
    if (!d.shut || d.done != d.requests + d.rejects || uv_loop_close(&loop) != 0)
        __builtin_trap();
    return 0;
}

/* Tests for realtime/server through its HTTP long-polling transport, over socketpairs on a private
 * loop: the handshake, CONNECT through the authenticator (accepted and refused), events with
 * acknowledgements to a registered handler, rooms and emitting to a room, to a user and from another
 * thread, the per-socket data and the disconnect hook, unknown sessions, disconnecting the sockets
 * of a revoked token, and shutdown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "core/buf.h"
#include "http/server.h"
#include "realtime/server.h"

#define WAIT_MS 3000
#define USER 7

typedef struct fixture {
    uv_loop_t loop;
    http_server *http;
    rt_server *rt;
    int fd;          /* the client's end */
    ig_buf in;       /* what the client received */
    char sid[64];
    int hooks;       /* disconnect hooks run */
    void *hook_data; /* the socket data the hook saw */
    int marker;      /* what the handler hangs off the socket */
} fixture;

/* ---- server side ---- */

static uint64_t cb_body_limit(http_exchange *x, void *udata)
{
    return rt_http_body_limit(x, ((fixture *)udata)->rt);
}

static void cb_request(http_exchange *x, void *udata)
{
    rt_http_request(x, ((fixture *)udata)->rt);
}

static void cb_reject(http_exchange *x, int status, void *udata)
{
    (void)udata;
    http_exchange_respond(x, status, "text/plain", "rejected", 8, 0);
}

static void cb_done(http_exchange *x, void *udata)
{
    (void)x;
    (void)udata;
}

/* Accepts {"token":"good"} as USER (jti "aa", family "ff"), refuses anything else. */
static void auth(rt_server *rt, rt_socket *s, const json_t *a, void *arg)
{
    (void)rt;
    (void)arg;
    const char *tok = json_string_value(json_object_get(a, "token"));
    if (tok != NULL && strcmp(tok, "good") == 0) {
        rt_socket_set_token(s, "aa", "ff");
        rt_connect_accept(s, USER);
        return;
    }
    json_t *d = json_pack("{s:s}", "message", "认证失败");
    rt_connect_refuse(s, d);
    json_decref(d);
}

/* "enter" {room}: joins it, hangs the fixture's marker off the socket, acknowledges [room]. */
static void on_enter(rt_server *rt, rt_socket *s, const rt_event *ev, void *arg)
{
    (void)rt;
    fixture *f = arg;
    const char *room = json_string_value(json_object_get(json_array_get(ev->args, 0), "room"));
    assert_non_null(room);
    assert_int_equal(rt_socket_user(s), USER);
    assert_int_equal(rt_socket_join(s, room), IG_OK);
    assert_true(rt_socket_in(s, room));
    rt_socket_set_data(s, &f->marker);
    if (ev->ack_id >= 0) {
        json_t *a = json_pack("[s]", room);
        assert_int_equal(rt_socket_ack(s, ev->ack_id, a), IG_OK);
        json_decref(a);
    }
}

/* "bytes" with a binary attachment: acknowledges its length and first byte. */
static void on_bytes(rt_server *rt, rt_socket *s, const rt_event *ev, void *arg)
{
    (void)rt;
    (void)arg;
    const unsigned char *p = NULL;
    size_t n = 0;
    assert_true(rt_event_binary(ev, json_array_get(ev->args, 0), &p, &n));
    json_t *a = json_pack("[i, i]", (int)n, n ? p[0] : -1);
    rt_socket_ack(s, ev->ack_id, a);
    json_decref(a);
}

/* "bye": the server ends the socket. */
static void on_bye(rt_server *rt, rt_socket *s, const rt_event *ev, void *arg)
{
    (void)rt;
    (void)ev;
    (void)arg;
    rt_socket_disconnect(s);
    assert_false(rt_socket_open(s));
    assert_int_equal(rt_socket_emit(s, "late", NULL), IG_ESTATE);
}

static void on_gone(rt_server *rt, rt_socket *s, void *arg)
{
    (void)rt;
    fixture *f = arg;
    f->hooks++;
    f->hook_data = rt_socket_data(s);
}

/* ---- client side ---- */

static void pump(fixture *f)
{
    uv_run(&f->loop, UV_RUN_NOWAIT);
    char tmp[8192];
    for (;;) {
        ssize_t n = recv(f->fd, tmp, sizeof tmp, MSG_DONTWAIT);
        if (n <= 0)
            break;
        assert_int_equal(buf_append(&f->in, tmp, (size_t)n), IG_OK);
    }
    usleep(500);
}

/* The body of the next complete response (Content-Length framed), consumed; its status in *status. */
static char *response(fixture *f, int *status)
{
    uint64_t end = uv_hrtime() + (uint64_t)WAIT_MS * 1000000;
    for (;;) {
        const char *head_end = f->in.p ? strstr(f->in.p, "\r\n\r\n") : NULL;
        if (head_end != NULL) {
            const char *cl = strstr(f->in.p, "Content-Length: ");
            assert_non_null(cl);
            size_t len = strtoul(cl + 16, NULL, 10);
            size_t hlen = (size_t)(head_end - f->in.p) + 4;
            if (f->in.len >= hlen + len) {
                assert_int_equal(sscanf(f->in.p, "HTTP/1.1 %d", status), 1);
                char *body = strndup(f->in.p + hlen, len);
                buf_consume(&f->in, hlen + len);
                return body;
            }
        }
        assert_true(uv_hrtime() < end);
        pump(f);
    }
}

static char *request(fixture *f, const char *method, const char *query, const char *body, int *status)
{
    char req[4096];
    int n = snprintf(req, sizeof req, "%s /socket.io/?EIO=4&transport=polling%s HTTP/1.1\r\nHost: t\r\n"
                     "Content-Length: %zu\r\n\r\n%s", method, query, body ? strlen(body) : 0, body ? body : "");
    assert_true(n > 0 && (size_t)n < sizeof req);
    assert_int_equal(send(f->fd, req, (size_t)n, MSG_NOSIGNAL), n);
    return response(f, status);
}

static char *get(fixture *f, int *status)
{
    char q[80];
    snprintf(q, sizeof q, "&sid=%s", f->sid);
    return request(f, "GET", q, NULL, status);
}

static void post(fixture *f, const char *payload)
{
    char q[80];
    int status = 0;
    snprintf(q, sizeof q, "&sid=%s", f->sid);
    char *body = request(f, "POST", q, payload, &status);
    if (status != 200)
        fail_msg("POST %s: %d %s", payload, status, body);
    assert_string_equal(body, "ok");
    free(body);
}

/* The next GET's payload must contain want. */
static void expect(fixture *f, const char *want)
{
    int status = 0;
    char *body = get(f, &status);
    assert_int_equal(status, 200);
    if (strstr(body, want) == NULL)
        fail_msg("payload %s lacks %s", body, want);
    free(body);
}

static void handshake(fixture *f)
{
    int status = 0;
    char *body = request(f, "GET", "", NULL, &status);
    assert_int_equal(status, 200);
    assert_true(body[0] == '0');
    json_t *o = json_loads(body + 1, 0, NULL);
    assert_non_null(o);
    snprintf(f->sid, sizeof f->sid, "%s", json_string_value(json_object_get(o, "sid")));
    assert_int_equal(strlen(f->sid), 20);
    assert_int_equal(json_integer_value(json_object_get(o, "pingInterval")), 25000);
    json_decref(o);
    free(body);
}

/* ---- fixture ---- */

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(uv_loop_init(&f->loop), 0);
    http_limits lim = {4096, 20, 2000, 10000, 2000, 0, 5000, 500, 16, NULL};
    static const http_callbacks cb = {cb_body_limit, cb_request, cb_reject, cb_done};
    ig_err err = {0};
    rt_config rc = {25000, 20000, 4096, 16, "*", NULL};
    assert_int_equal(rt_new(&f->loop, &rc, &f->rt, &err), IG_OK);
    rt_set_auth(f->rt, auth, f);
    assert_int_equal(rt_on(f->rt, "enter", on_enter, f, &err), IG_OK);
    assert_int_equal(rt_on(f->rt, "bytes", on_bytes, f, &err), IG_OK);
    assert_int_equal(rt_on(f->rt, "bye", on_bye, f, &err), IG_OK);
    assert_int_equal(rt_on_disconnect(f->rt, on_gone, f, &err), IG_OK);
    assert_int_equal(http_server_new(&f->loop, &lim, &cb, f, &f->http, &err), IG_OK);
    int fds[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    assert_int_equal(http_server_adopt(f->http, fds[0], &err), IG_OK);
    f->fd = fds[1];
    buf_init(&f->in, 1 << 20);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    close(f->fd);
    rt_shutdown(f->rt);
    http_server_shutdown(f->http, NULL, NULL);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    http_server_free(f->http);
    rt_free(f->rt);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    buf_free(&f->in);
    free(f);
    return 0;
}

/* ---- tests ---- */

static void test_connect_refused_then_accepted(void **state)
{
    fixture *f = *state;
    handshake(f);
    post(f, "40{\"token\":\"bad\"}");
    expect(f, "44{\"message\":\"认证失败\"}");
    post(f, "40{\"token\":\"good\"}");
    expect(f, "40{\"sid\":\"");
    rt_stats st;
    rt_stats_get(f->rt, &st);
    assert_int_equal(st.sessions, 1);
    assert_int_equal(st.connected, 1);
    assert_int_equal(st.websocket, 0);
    assert_int_equal(st.rooms, 1); /* the user's room */
}

static void *emit_from_thread(void *arg)
{
    fixture *f = arg;
    json_t *d = json_pack("{s:s}", "from", "线程");
    rt_emit_user_async(f->rt, USER, "async", d);
    rt_emit_room_async(f->rt, "nobody-here", "lost", d);
    json_decref(d);
    return NULL;
}

static void test_events_rooms_and_emits(void **state)
{
    fixture *f = *state;
    handshake(f);
    post(f, "40{\"token\":\"good\"}");
    expect(f, "40{\"sid\":\"");
    post(f, "423[\"enter\",{\"room\":\"interview:abc\"}]");
    expect(f, "433[\"interview:abc\"]");

    json_t *d = json_pack("{s:s, s:i}", "text", "你好", "n", 1);
    assert_int_equal(rt_emit_room(f->rt, "interview:abc", "hello", d), 1);
    assert_int_equal(rt_emit_room(f->rt, "interview:none", "hello", d), 0);
    assert_int_equal(rt_emit_user(f->rt, USER, "mine", d), 1);
    assert_int_equal(rt_emit_user(f->rt, USER + 1, "theirs", d), 0);
    json_decref(d);
    /* both emits wait in one payload, separated by 0x1e */
    expect(f, "42[\"hello\",{\"text\":\"你好\",\"n\":1}]\x1e" "42[\"mine\",");

    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, emit_from_thread, f), 0);
    pthread_join(t, NULL);
    expect(f, "42[\"async\",{\"from\":\"线程\"}]");

    /* a binary attachment (base64 in a polling payload) reaches the handler */
    post(f, "451-9[\"bytes\",{\"_placeholder\":true,\"num\":0}]\x1e" "bAQID");
    expect(f, "439[3,1]");

    post(f, "41");
    assert_int_equal(f->hooks, 1);
    assert_ptr_equal(f->hook_data, &f->marker);
    int status = 0;
    char *body = get(f, &status);
    assert_int_equal(status, 400);
    assert_non_null(strstr(body, "Session ID unknown"));
    free(body);
}

static void test_bad_requests(void **state)
{
    fixture *f = *state;
    int status = 0;
    char *body = request(f, "GET", "&sid=AAAAAAAAAAAAAAAAAAAA", NULL, &status);
    assert_int_equal(status, 400);
    assert_string_equal(body, "{\"code\":1,\"message\":\"Session ID unknown\"}");
    free(body);
    handshake(f);
    post(f, "40{\"token\":\"good\"}");
    expect(f, "40");
    /* an event for a handler nobody registered is dropped; the session lives on */
    post(f, "42[\"nobody\",1]\x1e" "427[\"enter\",{\"room\":\"r\"}]");
    expect(f, "437[\"r\"]");
    /* a malformed packet closes the session */
    char q[80];
    snprintf(q, sizeof q, "&sid=%s", f->sid);
    body = request(f, "POST", q, "4{", &status);
    assert_int_equal(status, 400);
    free(body);
    assert_int_equal(f->hooks, 1);
    body = get(f, &status);
    assert_int_equal(status, 400);
    free(body);
}

static void test_registration_rules(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    assert_int_equal(rt_on(f->rt, "enter", on_enter, f, &err), IG_ECONFLICT);
    assert_int_equal(rt_on(f->rt, "connect", on_enter, f, &err), IG_EINVAL);
    assert_int_equal(rt_on(f->rt, "disconnect", on_enter, f, &err), IG_EINVAL);
    assert_int_equal(rt_on(f->rt, "", on_enter, f, &err), IG_EINVAL);
    assert_true(rt_http_path("/socket.io/", 11));
    assert_true(rt_http_path("/socket.io", 10));
    assert_false(rt_http_path("/socket.io/x", 12));
    assert_false(rt_http_path("/api/v1", 7));
}

/* A GET parked on the session, answered later by response(). */
static void park(fixture *f)
{
    char req[256];
    int n = snprintf(req, sizeof req,
                     "GET /socket.io/?EIO=4&transport=polling&sid=%s HTTP/1.1\r\nHost: t\r\n\r\n", f->sid);
    assert_int_equal(send(f->fd, req, (size_t)n, MSG_NOSIGNAL), n);
    for (int i = 0; i < 20; i++)
        pump(f); /* parked: nothing to send */
    assert_int_equal(f->in.len, 0);
}

static void test_server_disconnects(void **state)
{
    fixture *f = *state;
    handshake(f);
    post(f, "40{\"token\":\"good\"}");
    expect(f, "40");
    /* the POST goes on a second connection while the first holds the parked GET */
    int fds[2];
    ig_err err = {0};
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    assert_int_equal(http_server_adopt(f->http, fds[0], &err), IG_OK);
    park(f);
    int first = f->fd;
    f->fd = fds[1];
    post(f, "42[\"bye\"]");
    f->fd = first;
    int status = 0;
    char *body = response(f, &status);
    assert_int_equal(status, 200);
    assert_string_equal(body, "41"); /* DISCONNECT, then the session is gone */
    free(body);
    close(fds[1]);
    assert_int_equal(f->hooks, 1);
}

static void test_revoked_token_disconnects(void **state)
{
    fixture *f = *state;
    handshake(f);
    post(f, "40{\"token\":\"good\"}");
    expect(f, "40");
    /* other users, other families, the kept family: the socket stays */
    rt_revoke miss[] = {{.user_id = USER + 1, .all = true},
                        {.user_id = USER, .family = "fe", .jti = "ab"},
                        {.user_id = USER, .keep_family = "ff"},
                        {.user_id = USER}};
    for (size_t i = 0; i < sizeof miss / sizeof miss[0]; i++)
        assert_int_equal(rt_disconnect_revoked(f->rt, &miss[i]), 0);
    rt_stats st;
    rt_stats_get(f->rt, &st);
    assert_int_equal(st.connected, 1);
    park(f);
    /* queued as the auth service's threads queue it: its jti matches */
    rt_revoke_async(f->rt, &(rt_revoke){.user_id = USER, .family = "fe", .jti = "aa"});
    int status = 0;
    char *body = response(f, &status);
    assert_int_equal(status, 200);
    assert_string_equal(body, "41"); /* DISCONNECT, then the session is gone */
    free(body);
    assert_int_equal(f->hooks, 1);
    rt_stats_get(f->rt, &st);
    assert_int_equal(st.sessions, 0);
}

static void test_shutdown_answers_parked_poll(void **state)
{
    fixture *f = *state;
    handshake(f);
    post(f, "40{\"token\":\"good\"}");
    expect(f, "40");
    park(f);
    rt_shutdown(f->rt);
    int status = 0;
    char *body = response(f, &status);
    assert_int_equal(status, 200);
    assert_string_equal(body, "1"); /* the close packet */
    free(body);
    assert_int_equal(f->hooks, 1);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (sodium_init() < 0)
        return 1;
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_connect_refused_then_accepted),
        T(test_events_rooms_and_emits),
        T(test_bad_requests),
        T(test_registration_rules),
        T(test_server_disconnects),
        T(test_revoked_token_disconnects),
        T(test_shutdown_answers_parked_poll),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}

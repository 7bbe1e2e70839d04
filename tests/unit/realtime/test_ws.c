/* Tests for realtime/ws's handshake: the accept key (RFC 6455's own example) and the checks on an
 * upgrade request. The framing itself is wslay's and runs in the end-to-end tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <http_parser.h>
#include <string.h>

#include "realtime/ws.h"

static void test_accept_key(void **state)
{
    (void)state;
    char out[WS_ACCEPT_LEN + 1];
    assert_true(ws_accept_key(STR_LIT("dGhlIHNhbXBsZSBub25jZQ=="), out));
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_true(ws_accept_key(STR_LIT(" dGhlIHNhbXBsZSBub25jZQ== "), out)); /* header whitespace */
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");

    static const char *const bad[] = {
        "",
        "dGhlIHNhbXBsZSBub25jZQ",       /* unpadded */
        "dGhlIHNhbXBsZSBub25jZQ==AAAA", /* 19 bytes */
        "dGhlIHNhbXBsZSBub25j",         /* 15 bytes */
        "dGhlIHNhbXBsZSBub25jZ!==",
        "5L2g5aW9LCDkuJbnlYwhISE=",     /* "你好, 世界!!!": 17 bytes */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(ws_accept_key(str_cstr(bad[i]), out));
}

typedef struct req_fixture {
    http_request req;
    http_header h[6];
} req_fixture;

static void make_request(req_fixture *f)
{
    memset(f, 0, sizeof *f);
    f->h[0] = (http_header){STR_LIT("Host"), STR_LIT("127.0.0.1")};
    f->h[1] = (http_header){STR_LIT("upgrade"), STR_LIT("WebSocket")};
    f->h[2] = (http_header){STR_LIT("Connection"), STR_LIT("keep-alive, Upgrade")};
    f->h[3] = (http_header){STR_LIT("Sec-WebSocket-Version"), STR_LIT("13")};
    f->h[4] = (http_header){STR_LIT("Sec-WebSocket-Key"), STR_LIT("dGhlIHNhbXBsZSBub25jZQ==")};
    f->req.headers = f->h;
    f->req.nheaders = 5;
    f->req.method = HTTP_GET;
    f->req.http_major = 1;
    f->req.http_minor = 1;
}

static void expect_refused(req_fixture *f)
{
    char accept[WS_ACCEPT_LEN + 1];
    ig_err err = {0};
    assert_int_equal(ws_check_request(&f->req, accept, &err), IG_EINVAL);
    assert_true(err.msg[0] != '\0');
}

static void test_check_request(void **state)
{
    (void)state;
    req_fixture f;
    char accept[WS_ACCEPT_LEN + 1];
    ig_err err = {0};
    make_request(&f);
    assert_int_equal(ws_check_request(&f.req, accept, &err), IG_OK);
    assert_string_equal(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");

    make_request(&f);
    f.req.method = HTTP_POST;
    expect_refused(&f);
    make_request(&f);
    f.req.http_minor = 0;
    expect_refused(&f);
    make_request(&f);
    f.h[1].value = STR_LIT("h2c");
    expect_refused(&f);
    make_request(&f);
    f.h[2].value = STR_LIT("keep-alive");
    expect_refused(&f);
    make_request(&f);
    f.h[3].value = STR_LIT("8");
    expect_refused(&f);
    make_request(&f);
    f.h[4].value = STR_LIT("not-a-key");
    expect_refused(&f);
    make_request(&f);
    f.req.nheaders = 4; /* no key */
    expect_refused(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accept_key),
        cmocka_unit_test(test_check_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

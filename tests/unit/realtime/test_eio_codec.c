/* Tests for realtime/eio_codec: every packet type, polling payloads with text and binary records,
 * malformed input (types, UTF-8, separators, base64), the packet cap, encodings, the open packet,
 * query strings and error bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "realtime/eio_codec.h"

#define MAXREC 8

typedef struct rec {
    int n;
    eio_type type[MAXREC];
    bool binary[MAXREC];
    char data[MAXREC][64];
    size_t len[MAXREC];
    int stop_at; /* return IG_ECONFLICT for this packet (1-based); 0 never */
} rec;

static ig_status on_pkt(void *arg, const eio_packet *p)
{
    rec *r = arg;
    if (r->n < MAXREC) {
        r->type[r->n] = p->type;
        r->binary[r->n] = p->binary;
        assert_true(p->data.n < sizeof r->data[0]);
        memcpy(r->data[r->n], p->data.p, p->data.n);
        r->len[r->n] = p->data.n;
    }
    r->n++;
    return r->n == r->stop_at ? IG_ECONFLICT : IG_OK;
}

static ig_status decode(const char *s, size_t n, rec *r)
{
    memset(r, 0, sizeof *r);
    ig_err err = {0};
    return eio_decode_payload(s, n, 16, on_pkt, r, &err);
}

static void test_every_type(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        eio_type type;
        const char *data;
    } cases[] = {
        {"0{\"sid\":\"x\"}", EIO_OPEN, "{\"sid\":\"x\"}"},
        {"1", EIO_CLOSE, ""},
        {"2", EIO_PING, ""},
        {"2probe", EIO_PING, "probe"},
        {"3probe", EIO_PONG, "probe"},
        {"4hello", EIO_MESSAGE, "hello"},
        {"4你好，世界", EIO_MESSAGE, "你好，世界"},
        {"5", EIO_UPGRADE, ""},
        {"6", EIO_NOOP, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eio_packet p;
        ig_err err = {0};
        assert_int_equal(eio_decode_text(cases[i].in, strlen(cases[i].in), &p, &err), IG_OK);
        assert_int_equal(p.type, cases[i].type);
        assert_false(p.binary);
        assert_int_equal(p.data.n, strlen(cases[i].data));
        assert_memory_equal(p.data.p, cases[i].data, p.data.n);
    }
}

static void test_bad_text_packets(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t n;
    } bad[] = {
        {"", 0},
        {"7", 1},
        {"a4", 2},
        {"b4", 2},
        {"4\xff", 2},          /* not UTF-8 */
        {"4\xc0\xaf", 3},      /* overlong '/' */
        {"4\xed\xa0\x80", 4},  /* a surrogate */
        {"4\xe4\xbd", 3},      /* truncated 你 */
        {"\x00" "4", 2},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        eio_packet p;
        ig_err err = {0};
        assert_int_equal(eio_decode_text(bad[i].in, bad[i].n, &p, &err), IG_EINVAL);
        assert_true(err.msg[0] != '\0');
    }
}

static void test_payload_text_and_binary(void **state)
{
    (void)state;
    rec r;
    static const char one[] = "4hello\x1e" "4€€€\x1e" "2probe";
    assert_int_equal(decode(one, sizeof one - 1, &r), IG_OK);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.type[0], EIO_MESSAGE);
    assert_string_equal(r.data[0], "hello");
    assert_string_equal(r.data[1], "€€€");
    assert_int_equal(r.type[2], EIO_PING);
    assert_string_equal(r.data[2], "probe");

    static const char bin[] = "4hello\x1e" "bAQID\x1e" "b";
    assert_int_equal(decode(bin, sizeof bin - 1, &r), IG_OK);
    assert_int_equal(r.n, 3);
    assert_true(r.binary[1]);
    assert_int_equal(r.type[1], EIO_MESSAGE);
    assert_int_equal(r.len[1], 3);
    assert_memory_equal(r.data[1], "\x01\x02\x03", 3);
    assert_true(r.binary[2]); /* an empty binary message */
    assert_int_equal(r.len[2], 0);

    static const char zh[] = "b5L2g5aW9"; /* 你好 */
    assert_int_equal(decode(zh, sizeof zh - 1, &r), IG_OK);
    assert_int_equal(r.len[0], 6);
    assert_memory_equal(r.data[0], "你好", 6);
    assert_int_equal(decode("b5L2g5aW", 8, &r), IG_EINVAL); /* not padded to a multiple of 4 */
    static const char padded[] = "b5L2g5aW9AA==";
    assert_int_equal(decode(padded, sizeof padded - 1, &r), IG_OK);
    assert_int_equal(r.len[0], 7);
    assert_memory_equal(r.data[0], "你好\x00", 7);
}

static void test_bad_payloads(void **state)
{
    (void)state;
    rec r;
    static const struct {
        const char *in;
        size_t n;
        int delivered;
    } bad[] = {
        {"", 0, 0},
        {"\x1e", 1, 0},
        {"4a\x1e", 3, 1},       /* a trailing separator leaves an empty record */
        {"\x1e" "4a", 3, 0},
        {"4a\x1e\x1e" "4b", 6, 1},
        {"bAQI", 4, 0},         /* not a multiple of 4 */
        {"bAQ=I", 5, 0},
        {"b!!!!", 5, 0},
        {"bAQID=", 6, 0},
        {"4ok\x1e" "9", 5, 1},
        {"4ok\x1e" "4\xff", 6, 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (decode(bad[i].in, bad[i].n, &r) != IG_EINVAL)
            fail_msg("payload %zu accepted", i);
        assert_int_equal(r.n, bad[i].delivered);
    }
}

static void test_payload_caps_and_stop(void **state)
{
    (void)state;
    char many[64];
    size_t n = 0;
    for (int i = 0; i < 17; i++) {
        if (i)
            many[n++] = '\x1e';
        many[n++] = '6';
    }
    rec r;
    assert_int_equal(decode(many, n, &r), IG_ETOOBIG);
    assert_int_equal(r.n, 16);
    assert_int_equal(decode(many, n - 2, &r), IG_OK); /* exactly 16 */
    assert_int_equal(r.n, 16);

    memset(&r, 0, sizeof r);
    r.stop_at = 2;
    ig_err err = {0};
    assert_int_equal(eio_decode_payload("4a\x1e" "4b\x1e" "4c", 8, 16, on_pkt, &r, &err), IG_ECONFLICT);
    assert_int_equal(r.n, 2);
}

static void test_encoding(void **state)
{
    (void)state;
    ig_buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(eio_encode(&b, EIO_PING, "", 0), IG_OK);
    assert_string_equal(b.p, "2");
    buf_reset(&b);
    assert_int_equal(eio_encode(&b, EIO_MESSAGE, "2[\"事件\"]", strlen("2[\"事件\"]")), IG_OK);
    assert_string_equal(b.p, "42[\"事件\"]");
    buf_reset(&b);
    assert_int_equal(eio_payload_append(&b, EIO_MESSAGE, false, "hello", 5), IG_OK);
    assert_int_equal(eio_payload_append(&b, EIO_MESSAGE, true, "\x01\x02\x03", 3), IG_OK);
    assert_int_equal(eio_payload_append(&b, EIO_NOOP, false, "", 0), IG_OK);
    assert_string_equal(b.p, "4hello\x1e" "bAQID\x1e" "6");

    /* what is encoded decodes back */
    rec r;
    assert_int_equal(decode(b.p, b.len, &r), IG_OK);
    assert_int_equal(r.n, 3);
    assert_true(r.binary[1]);
    assert_memory_equal(r.data[1], "\x01\x02\x03", 3);

    buf_reset(&b);
    assert_int_equal(eio_open_packet(&b, "AbC-_0123456789xyzQW", true, 25000, 20000, 1000000), IG_OK);
    assert_true(b.p[0] == '0');
    json_error_t je;
    json_t *o = json_loads(b.p + 1, 0, &je);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "sid")), "AbC-_0123456789xyzQW");
    assert_string_equal(json_string_value(json_array_get(json_object_get(o, "upgrades"), 0)), "websocket");
    assert_int_equal(json_integer_value(json_object_get(o, "pingInterval")), 25000);
    assert_int_equal(json_integer_value(json_object_get(o, "pingTimeout")), 20000);
    assert_int_equal(json_integer_value(json_object_get(o, "maxPayload")), 1000000);
    json_decref(o);
    buf_reset(&b);
    assert_int_equal(eio_open_packet(&b, "s", false, 1, 2, 3), IG_OK);
    assert_non_null(strstr(b.p, "\"upgrades\":[]"));
    buf_free(&b);
}

static void test_query(void **state)
{
    (void)state;
    eio_query q;
    ig_err err = {0};
    const char *s = "EIO=4&transport=polling&t=N8hyd6w";
    assert_int_equal(eio_parse_query(s, strlen(s), &q, &err), IG_OK);
    assert_int_equal(q.eio, 4);
    assert_int_equal(q.transport, EIO_TRANSPORT_POLLING);
    assert_false(q.has_sid);

    s = "transport=websocket&sid=abc%2Dx_Y&EIO=4&&b64=1";
    assert_int_equal(eio_parse_query(s, strlen(s), &q, &err), IG_OK);
    assert_int_equal(q.transport, EIO_TRANSPORT_WEBSOCKET);
    assert_true(q.has_sid);
    assert_string_equal(q.sid, "abc-x_Y");

    s = "EIO=3&transport=xhr-polling";
    assert_int_equal(eio_parse_query(s, strlen(s), &q, &err), IG_OK);
    assert_int_equal(q.eio, 3);
    assert_int_equal(q.transport, EIO_TRANSPORT_OTHER);
    s = "EIO=four";
    assert_int_equal(eio_parse_query(s, strlen(s), &q, &err), IG_OK);
    assert_int_equal(q.eio, 0);
    assert_int_equal(q.transport, EIO_TRANSPORT_NONE);
    assert_int_equal(eio_parse_query("", 0, &q, &err), IG_OK);
    assert_int_equal(q.eio, 0);

    /* the query need not be NUL-terminated: only n bytes count */
    s = "EIO=4&sid=abcdef";
    assert_int_equal(eio_parse_query(s, 13, &q, &err), IG_OK);
    assert_string_equal(q.sid, "abc");

    static const char *const bad[] = {
        "sid=a&sid=b", "EIO=4&EIO=4", "transport=polling&transport=polling", "sid=", "sid=a.b", "sid=%zz",
        "sid=%4", "sid=会话", "sid=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(eio_parse_query(bad[i], strlen(bad[i]), &q, &err), IG_EINVAL);
}

static void test_errors(void **state)
{
    (void)state;
    ig_buf b;
    buf_init(&b, 1024);
    assert_int_equal(eio_error_body(&b, EIO_ERR_UNKNOWN_SID), IG_OK);
    assert_string_equal(b.p, "{\"code\":1,\"message\":\"Session ID unknown\"}");
    buf_free(&b);
    assert_string_equal(eio_error_message(EIO_ERR_UNKNOWN_TRANSPORT), "Transport unknown");
    assert_string_equal(eio_error_message(EIO_ERR_BAD_HANDSHAKE_METHOD), "Bad handshake method");
    assert_string_equal(eio_error_message(EIO_ERR_BAD_REQUEST), "Bad request");
    assert_string_equal(eio_error_message(EIO_ERR_FORBIDDEN), "Forbidden");
    assert_string_equal(eio_error_message(EIO_ERR_UNSUPPORTED_PROTOCOL_VERSION), "Unsupported protocol version");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type),
        cmocka_unit_test(test_bad_text_packets),
        cmocka_unit_test(test_payload_text_and_binary),
        cmocka_unit_test(test_bad_payloads),
        cmocka_unit_test(test_payload_caps_and_stop),
        cmocka_unit_test(test_encoding),
        cmocka_unit_test(test_query),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

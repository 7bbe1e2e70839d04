/* Tests for realtime/sio_codec: every packet type with and without namespace and ack id, what each
 * type's data may be, binary packets and their attachments under the caps, placeholders, malformed
 * headers and JSON, and encoding round trips (EN and ZH payloads). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "realtime/sio_codec.h"

static const sio_limits LIM = {4, 1024};

static sio_packet dec_ok(const char *s)
{
    sio_packet p;
    ig_err err = {0};
    ig_status st = sio_decode(s, strlen(s), &LIM, &p, &err);
    if (st != IG_OK)
        fail_msg("'%s' refused: %s", s, err.msg);
    return p;
}

static void dec_bad(const char *s, size_t n, ig_status want)
{
    sio_packet p;
    ig_err err = {0};
    ig_status st = sio_decode(s, n, &LIM, &p, &err);
    if (st != want)
        fail_msg("'%.*s' gave %d, want %d", (int)n, s, st, want);
    assert_true(err.msg[0] != '\0');
    assert_null(p.data);
    assert_null(p.attach);
}

static void test_connect_and_disconnect(void **state)
{
    (void)state;
    sio_packet p = dec_ok("0");
    assert_int_equal(p.type, SIO_CONNECT);
    assert_string_equal(p.nsp, "/");
    assert_int_equal(p.id, -1);
    assert_null(p.data);
    sio_packet_clear(&p);

    p = dec_ok("0{\"token\":\"eyJ.abc.def\"}");
    assert_string_equal(json_string_value(json_object_get(p.data, "token")), "eyJ.abc.def");
    sio_packet_clear(&p);

    p = dec_ok("0/admin,{\"token\":\"t\"}");
    assert_string_equal(p.nsp, "/admin");
    assert_true(json_is_object(p.data));
    sio_packet_clear(&p);

    p = dec_ok("0/admin,");
    assert_string_equal(p.nsp, "/admin");
    assert_null(p.data);
    sio_packet_clear(&p);

    p = dec_ok("0/面试");
    assert_string_equal(p.nsp, "/面试");
    sio_packet_clear(&p);

    p = dec_ok("1");
    assert_int_equal(p.type, SIO_DISCONNECT);
    sio_packet_clear(&p);
    p = dec_ok("1/admin,");
    assert_int_equal(p.type, SIO_DISCONNECT);
    assert_string_equal(p.nsp, "/admin");
    sio_packet_clear(&p);
}

static void test_events_and_acks(void **state)
{
    (void)state;
    sio_packet p = dec_ok("2[\"hello\",1,{\"a\":[true,null]}]");
    assert_int_equal(p.type, SIO_EVENT);
    assert_string_equal(sio_event_name(&p), "hello");
    assert_int_equal(p.id, -1);
    assert_int_equal(json_array_size(p.data), 3);
    sio_packet_clear(&p);

    p = dec_ok("212[\"join_interview\",{\"session_id\":\"abc\"}]");
    assert_int_equal(p.id, 12);
    assert_string_equal(sio_event_name(&p), "join_interview");
    sio_packet_clear(&p);

    p = dec_ok("2/chat,0[\"事件\",{\"文本\":\"你好，面试官\"}]");
    assert_string_equal(p.nsp, "/chat");
    assert_int_equal(p.id, 0);
    assert_string_equal(sio_event_name(&p), "事件");
    assert_string_equal(json_string_value(json_object_get(json_array_get(p.data, 1), "文本")), "你好，面试官");
    sio_packet_clear(&p);

    p = dec_ok("2999999999999999[\"x\"]"); /* 15 digits: the largest id */
    assert_int_equal(p.id, SIO_ACK_ID_MAX);
    sio_packet_clear(&p);

    p = dec_ok("31[]");
    assert_int_equal(p.type, SIO_ACK);
    assert_int_equal(p.id, 1);
    assert_null(sio_event_name(&p));
    sio_packet_clear(&p);

    p = dec_ok("3/admin,7[\"ok\",2]");
    assert_int_equal(p.id, 7);
    assert_string_equal(p.nsp, "/admin");
    sio_packet_clear(&p);

    p = dec_ok("4{\"message\":\"认证失败\"}");
    assert_int_equal(p.type, SIO_CONNECT_ERROR);
    assert_string_equal(json_string_value(json_object_get(p.data, "message")), "认证失败");
    sio_packet_clear(&p);
    p = dec_ok("4\"Invalid namespace\"");
    assert_true(json_is_string(p.data));
    sio_packet_clear(&p);
}

static void test_binary(void **state)
{
    (void)state;
    ig_err err = {0};
    sio_packet p = dec_ok("52-[\"audio_stream\",{\"audio\":{\"_placeholder\":true,\"num\":0},"
                          "\"more\":[{\"_placeholder\":true,\"num\":1}]}]");
    assert_int_equal(p.type, SIO_BINARY_EVENT);
    assert_int_equal(p.nattach, 2);
    assert_false(sio_packet_complete(&p));
    const json_t *ph = json_object_get(json_array_get(p.data, 1), "audio");
    const unsigned char *b;
    size_t n;
    assert_false(sio_attachment_of(&p, ph, &b, &n)); /* not complete yet */
    assert_int_equal(sio_add_attachment(&p, "\x00\x01\xff", 3, &LIM, &err), IG_OK);
    assert_false(sio_packet_complete(&p));
    assert_int_equal(sio_add_attachment(&p, "", 0, &LIM, &err), IG_OK);
    assert_true(sio_packet_complete(&p));
    assert_true(sio_attachment_of(&p, ph, &b, &n));
    assert_int_equal(n, 3);
    assert_memory_equal(b, "\x00\x01\xff", 3);
    const json_t *ph2 = json_array_get(json_object_get(json_array_get(p.data, 1), "more"), 0);
    assert_true(sio_attachment_of(&p, ph2, &b, &n));
    assert_int_equal(n, 0);
    assert_false(sio_attachment_of(&p, json_array_get(p.data, 0), &b, &n)); /* the name is no placeholder */
    /* a third attachment was never announced */
    assert_int_equal(sio_add_attachment(&p, "x", 1, &LIM, &err), IG_EINVAL);
    sio_packet_clear(&p);

    p = dec_ok("61-/admin,3[{\"_placeholder\":true,\"num\":0}]");
    assert_int_equal(p.type, SIO_BINARY_ACK);
    assert_int_equal(p.id, 3);
    assert_string_equal(p.nsp, "/admin");
    sio_packet_clear(&p);

    /* the attachments of one packet share the byte cap */
    p = dec_ok("52-[\"a\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
    char big[1024];
    memset(big, 'x', sizeof big);
    assert_int_equal(sio_add_attachment(&p, big, 1000, &LIM, &err), IG_OK);
    assert_int_equal(sio_add_attachment(&p, big, 25, &LIM, &err), IG_ETOOBIG);
    assert_int_equal(sio_add_attachment(&p, big, 24, &LIM, &err), IG_OK);
    assert_true(sio_packet_complete(&p));
    sio_packet_clear(&p);
    p = dec_ok("51-[\"a\",{\"_placeholder\":true,\"num\":0}]");
    assert_int_equal(sio_add_attachment(&p, big, sizeof big, &LIM, &err), IG_OK); /* exactly the cap */
    sio_packet_clear(&p);

    /* placeholders in a packet without attachments are plain data */
    p = dec_ok("2[\"a\",{\"_placeholder\":true,\"num\":0}]");
    assert_false(sio_attachment_of(&p, json_array_get(p.data, 1), &b, &n));
    sio_packet_clear(&p);
    sio_packet_clear(&p); /* clearing twice is safe */
}

static void test_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "7",
        "x",
        "2",                       /* an event needs data */
        "2[]",                     /* ... with a name */
        "2[1]",
        "2{\"a\":1}",
        "2\"hello\"",
        "0[]",                     /* CONNECT data is an object */
        "0\"token\"",
        "1{}",                     /* DISCONNECT has none */
        "3",
        "3{}",
        "4",
        "4[]",
        "41",
        "2[\"a\"",                 /* truncated JSON */
        "2[\"a\"]x",               /* trailing garbage */
        "2[\"a\"] [1]",
        "0{\"token\":1,\"token\":2}", /* duplicate keys */
        "2[\"a\",\"\\u0000\"]",
        "5[\"a\"]",                /* no attachment count */
        "5-[\"a\"]",
        "50-[\"a\"]",              /* zero attachments */
        "5a-[\"a\"]",
        "51[\"a\",{\"_placeholder\":true,\"num\":0}]",
        "5123456789-[\"a\"]",
        "51-[\"a\",{\"_placeholder\":true,\"num\":1}]",    /* beyond the count */
        "51-[\"a\",{\"_placeholder\":true,\"num\":-1}]",
        "51-[\"a\",{\"_placeholder\":true,\"num\":\"0\"}]",
        "51-[\"a\",{\"_placeholder\":true,\"num\":0.0}]",
        "51-[\"a\",{\"_placeholder\":true,\"num\":0,\"x\":1}]",
        "51-[\"a\",{\"_placeholder\":true}]",
        "21234567890123456[\"a\"]", /* 16-digit ack id */
        "2/a\tb,[\"a\"]",          /* control character in the namespace */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        dec_bad(bad[i], strlen(bad[i]), IG_EINVAL);
    dec_bad("", 0, IG_EINVAL);
    dec_bad("2[\"a\"]\0", 7, IG_EINVAL);
    dec_bad("55-[\"a\"]", 8, IG_ETOOBIG); /* past max_attachments */

    char nsp[300];
    memset(nsp, 'n', sizeof nsp);
    nsp[0] = '2';
    nsp[1] = '/';
    memcpy(nsp + 131, ",[\"a\"]", 7); /* a 130-byte namespace */
    dec_bad(nsp, strlen(nsp), IG_EINVAL);
    memcpy(nsp + 129, ",[\"a\"]", 7); /* 128 bytes: the largest */
    sio_packet p = dec_ok(nsp);
    assert_int_equal(strlen(p.nsp), SIO_NSP_MAX);
    sio_packet_clear(&p);
}

static void test_encode(void **state)
{
    (void)state;
    ig_buf b;
    buf_init(&b, 1 << 20);
    json_t *d = json_pack("{s:s}", "sid", "abc");
    assert_int_equal(sio_encode(&b, SIO_CONNECT, "/", -1, 0, d), IG_OK);
    assert_string_equal(b.p, "0{\"sid\":\"abc\"}");
    json_decref(d);

    buf_reset(&b);
    d = json_pack("[s,{s:s,s:i}]", "connected", "message", "连接成功", "user_id", 7);
    assert_int_equal(sio_encode(&b, SIO_EVENT, NULL, -1, 0, d), IG_OK);
    assert_string_equal(b.p, "2[\"connected\",{\"message\":\"连接成功\",\"user_id\":7}]");
    sio_packet p = dec_ok(b.p);
    assert_true(json_equal(p.data, d));
    sio_packet_clear(&p);
    json_decref(d);

    buf_reset(&b);
    d = json_pack("[{s:b}]", "success", 1);
    assert_int_equal(sio_encode(&b, SIO_ACK, "/admin", 0, 0, d), IG_OK);
    assert_string_equal(b.p, "3/admin,0[{\"success\":true}]");
    json_decref(d);

    buf_reset(&b);
    d = json_pack("{s:s}", "message", "Authentication failed");
    assert_int_equal(sio_encode(&b, SIO_CONNECT_ERROR, "/", -1, 0, d), IG_OK);
    assert_string_equal(b.p, "4{\"message\":\"Authentication failed\"}");
    json_decref(d);

    buf_reset(&b);
    assert_int_equal(sio_encode(&b, SIO_DISCONNECT, "/", -1, 0, NULL), IG_OK);
    assert_string_equal(b.p, "1");

    buf_reset(&b);
    d = json_pack("[s,{s:b,s:i}]", "file", "_placeholder", 1, "num", 0);
    assert_int_equal(sio_encode(&b, SIO_BINARY_EVENT, "/", 42, 1, d), IG_OK);
    assert_string_equal(b.p, "51-42[\"file\",{\"_placeholder\":true,\"num\":0}]");
    p = dec_ok(b.p);
    assert_int_equal(p.nattach, 1);
    assert_int_equal(p.id, 42);
    sio_packet_clear(&p);
    json_decref(d);

    /* control characters are escaped: a packet never holds Engine.IO's record separator */
    buf_reset(&b);
    d = json_pack("[s,s]", "x", "a\x1e" "b\n");
    assert_int_equal(sio_encode(&b, SIO_EVENT, "/", -1, 0, d), IG_OK);
    assert_null(memchr(b.p, 0x1e, b.len));
    json_decref(d);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_and_disconnect),
        cmocka_unit_test(test_events_and_acks),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_encode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

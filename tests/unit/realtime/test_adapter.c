/* Tests for realtime/adapter: the channel message's round trip (EN and ZH events, the longest room),
 * what decoding refuses (short, foreign, truncated, bad rooms, packets that are not one plain event
 * of the default namespace, damaged JSON and UTF-8, record separators), what encoding refuses, the
 * channel names, and the worker's publisher while Redis cannot be reached; revocation messages:
 * their round trip and what decoding and encoding refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "realtime/adapter.h"
#include "realtime/rooms.h"

static const unsigned char ORIGIN[ADAPTER_ORIGIN_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* The packet an emit of event(data) sends. */
static void packet(ig_buf *b, const char *event, json_t *data)
{
    buf_init(b, ADAPTER_PACKET_MAX);
    assert_int_equal(rt_encode_event(b, event, data), IG_OK);
    json_decref(data);
}

static void encode_ok(ig_buf *msg, const char *room, size_t room_len, const ig_buf *pkt)
{
    ig_err err = {0};
    buf_init(msg, 1u << 24);
    ig_status st = adapter_encode(msg, ORIGIN, room, room_len, pkt->p, pkt->len, &err);
    if (st != IG_OK)
        fail_msg("encode refused: %s", err.msg);
}

/* A raw message around an arbitrary packet text, bypassing adapter_encode's checks. */
static void raw(ig_buf *msg, const char *room, size_t room_len, const char *pkt, size_t pkt_len)
{
    unsigned char rl = (unsigned char)room_len;
    buf_init(msg, 1u << 24);
    assert_int_equal(buf_append(msg, ADAPTER_MAGIC, ADAPTER_MAGIC_LEN), IG_OK);
    assert_int_equal(buf_append(msg, ORIGIN, sizeof ORIGIN), IG_OK);
    assert_int_equal(buf_append(msg, &rl, 1), IG_OK);
    assert_int_equal(buf_append(msg, room, room_len), IG_OK);
    assert_int_equal(buf_append(msg, pkt, pkt_len), IG_OK);
}

static void decode_bad(const char *p, size_t n, const char *why)
{
    adapter_msg m;
    ig_err err = {0};
    ig_status st = adapter_decode(p, n, &m, &err);
    if (st != IG_EINVAL)
        fail_msg("%s: decoded (%d)", why, st);
    assert_true(err.msg[0] != '\0');
    assert_null(m.room);
    assert_null(m.pkt);
}

static void raw_bad(const char *pkt, size_t n, const char *why)
{
    ig_buf msg;
    raw(&msg, "user:7", 6, pkt, n);
    decode_bad(msg.p, msg.len, why);
    buf_free(&msg);
}

static void test_round_trip_en(void **state)
{
    (void)state;
    ig_buf pkt, msg;
    packet(&pkt, "resume_status", json_pack("{s:i, s:s, s:n}", "resume_id", 42, "status", "processing", "confidence"));
    assert_string_equal(pkt.p, "42[\"resume_status\",{\"resume_id\":42,\"status\":\"processing\",\"confidence\":null}]");
    encode_ok(&msg, "user:7", 6, &pkt);
    assert_int_equal(msg.len, ADAPTER_MAGIC_LEN + ADAPTER_ORIGIN_BYTES + 1 + 6 + pkt.len);
    assert_memory_equal(msg.p, "IGS1", 4);

    adapter_msg m;
    ig_err err = {0};
    assert_int_equal(adapter_decode(msg.p, msg.len, &m, &err), IG_OK);
    assert_memory_equal(m.origin, ORIGIN, sizeof ORIGIN);
    assert_int_equal(m.room_len, 6);
    assert_memory_equal(m.room, "user:7", 6);
    assert_int_equal(m.pkt_len, pkt.len);
    assert_memory_equal(m.pkt, pkt.p, pkt.len);
    buf_free(&pkt);
    buf_free(&msg);

    /* an event without an argument */
    packet(&pkt, "ping_all", NULL);
    assert_string_equal(pkt.p, "42[\"ping_all\"]");
    encode_ok(&msg, "interview:abc-123", 17, &pkt);
    assert_int_equal(adapter_decode(msg.p, msg.len, &m, &err), IG_OK);
    assert_memory_equal(m.room, "interview:abc-123", 17);
    assert_memory_equal(m.pkt, "42[\"ping_all\"]", 14);
    buf_free(&pkt);
    buf_free(&msg);
}

static void test_round_trip_zh_and_long_room(void **state)
{
    (void)state;
    ig_buf pkt, msg;
    packet(&pkt, "answer_analysis",
           json_pack("{s:s, s:[s]}", "feedback", "回答结构清晰，举例具体。", "strengths", "分布式系统经验"));
    char room[ROOMS_NAME_MAX];
    memset(room, 'r', sizeof room);
    memcpy(room, "面试:", strlen("面试:"));
    encode_ok(&msg, room, sizeof room, &pkt);

    adapter_msg m;
    ig_err err = {0};
    assert_int_equal(adapter_decode(msg.p, msg.len, &m, &err), IG_OK);
    assert_int_equal(m.room_len, ROOMS_NAME_MAX);
    assert_memory_equal(m.room, room, sizeof room);
    assert_int_equal(m.pkt_len, pkt.len);
    assert_non_null(strstr(m.pkt, "回答结构清晰"));
    buf_free(&msg);
    buf_free(&pkt);
}

static void test_decode_refuses_framing(void **state)
{
    (void)state;
    ig_buf pkt, msg;
    packet(&pkt, "e", json_string("x"));
    encode_ok(&msg, "user:1", 6, &pkt);

    decode_bad("", 0, "empty");
    decode_bad(msg.p, ADAPTER_MAGIC_LEN + ADAPTER_ORIGIN_BYTES, "no room length");
    for (size_t n = ADAPTER_MAGIC_LEN + ADAPTER_ORIGIN_BYTES + 1; n < msg.len; n++)
        decode_bad(msg.p, n, "truncated");

    msg.p[0] = 'X';
    decode_bad(msg.p, msg.len, "foreign magic");
    msg.p[0] = 'I';
    msg.p[3] = '2';
    decode_bad(msg.p, msg.len, "another version");
    msg.p[3] = '1';

    size_t rl_at = ADAPTER_MAGIC_LEN + ADAPTER_ORIGIN_BYTES;
    msg.p[rl_at] = 0;
    decode_bad(msg.p, msg.len, "empty room");
    msg.p[rl_at] = (char)(ROOMS_NAME_MAX + 1);
    decode_bad(msg.p, msg.len, "room too long");
    msg.p[rl_at] = (char)0xff;
    decode_bad(msg.p, msg.len, "room past the end");
    msg.p[rl_at] = 6;

    msg.p[rl_at + 3] = '\0';
    decode_bad(msg.p, msg.len, "NUL in the room");
    msg.p[rl_at + 3] = 'r';

    adapter_msg m;
    assert_int_equal(adapter_decode(msg.p, msg.len, &m, NULL), IG_OK); /* restored; err may be NULL */
    buf_free(&msg);
    buf_free(&pkt);
}

static void test_decode_refuses_packets(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "4",
        "42",
        "4[\"a\"]",                           /* no Socket.IO type */
        "2[\"a\"]",                           /* no Engine.IO message type */
        "40{\"sid\":\"x\"}",                   /* CONNECT: a relay only carries events */
        "41",                                 /* DISCONNECT */
        "43[1]",                              /* ACK */
        "44{\"message\":\"x\"}",               /* CONNECT_ERROR */
        "451-[\"a\",{\"_placeholder\":true,\"num\":0}]", /* binary: attachments never travel */
        "421[\"a\"]",                          /* an ack id */
        "42/admin,[\"a\"]",                   /* another namespace */
        "42[]",
        "42[1]",
        "42{\"a\":1}",
        "42[\"a\"",                           /* truncated JSON */
        "42[\"a\"]x",                          /* trailing garbage */
        "42[\"a\"]\x1e" "42[\"b\"]",          /* two packets for polling clients */
        "42[\"a\",\"\\u0000\"]",
        "42[\"a\",{\"k\":1,\"k\":2}]",         /* duplicate keys */
        "42[\"\xff\"]",                        /* not UTF-8 */
        "42[\"\xc0\xaf\"]",                    /* overlong */
        "42[\"\xed\xa0\x80\"]",                /* a surrogate */
        "42[\"a\x01\"]",                       /* raw control character */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        raw_bad(bad[i], strlen(bad[i]), bad[i]);
    raw_bad("42[\"a\",\"b\0c\"]", 13, "raw NUL");

    /* the largest packet decodes, one byte more does not */
    ig_buf big;
    buf_init(&big, ADAPTER_PACKET_MAX + 1);
    assert_int_equal(buf_append(&big, "42[\"a\",\"", 8), IG_OK);
    while (big.len < ADAPTER_PACKET_MAX - 2)
        assert_int_equal(buf_append(&big, "x", 1), IG_OK);
    assert_int_equal(buf_append(&big, "\"]", 2), IG_OK);
    assert_int_equal(big.len, ADAPTER_PACKET_MAX);
    ig_buf msg;
    raw(&msg, "user:1", 6, big.p, big.len);
    adapter_msg m;
    ig_err err = {0};
    assert_int_equal(adapter_decode(msg.p, msg.len, &m, &err), IG_OK);
    assert_int_equal(m.pkt_len, ADAPTER_PACKET_MAX);
    buf_free(&msg);
    assert_int_equal(buf_append(&big, " ", 1), IG_OK);
    raw(&msg, "user:1", 6, big.p, big.len);
    decode_bad(msg.p, msg.len, "packet too large");
    buf_free(&msg);
    buf_free(&big);
}

static void test_encode_refuses(void **state)
{
    (void)state;
    ig_buf msg;
    ig_err err = {0};
    buf_init(&msg, 1u << 20);
    char room[ROOMS_NAME_MAX + 1];
    memset(room, 'r', sizeof room);
    const char *pkt = "42[\"a\"]";
    assert_int_equal(adapter_encode(&msg, ORIGIN, room, 0, pkt, 7, &err), IG_EINVAL);
    assert_int_equal(adapter_encode(&msg, ORIGIN, room, sizeof room, pkt, 7, &err), IG_EINVAL);
    assert_int_equal(adapter_encode(&msg, ORIGIN, "a\0b", 3, pkt, 7, &err), IG_EINVAL);
    assert_int_equal(adapter_encode(&msg, ORIGIN, "room", 4, "40{}", 4, &err), IG_EINVAL);
    assert_int_equal(adapter_encode(&msg, ORIGIN, "room", 4, "42", 2, &err), IG_EINVAL);
    assert_int_equal(msg.len, 0); /* nothing was appended */

    /* the output's cap */
    ig_buf small;
    buf_init(&small, 24);
    assert_int_equal(adapter_encode(&small, ORIGIN, "room", 4, pkt, 7, &err), IG_ETOOBIG);
    buf_free(&small);
    buf_free(&msg);
}

static const char FAM[] = "0123456789abcdef0123456789abcdef";
static const char JTI[] = "fedcba9876543210fedcba9876543210";

static void revoke_round_trip(const rt_revoke *r, size_t want_len)
{
    ig_buf b;
    buf_init(&b, 1024);
    ig_err err = {0};
    assert_int_equal(adapter_encode_revoke(&b, ORIGIN, r, &err), IG_OK);
    assert_int_equal(b.len, want_len);
    assert_memory_equal(b.p, ADAPTER_MAGIC_REVOKE, ADAPTER_MAGIC_LEN);
    adapter_msg m;
    assert_int_equal(adapter_decode(b.p, b.len, &m, &err), IG_OK);
    assert_int_equal(m.kind, ADAPTER_REVOKE);
    assert_memory_equal(m.origin, ORIGIN, ADAPTER_ORIGIN_BYTES);
    assert_null(m.room);
    assert_null(m.pkt);
    assert_int_equal(m.revoke.user_id, r->user_id);
    assert_int_equal(m.revoke.all, r->all);
    assert_string_equal(m.revoke.family, r->family);
    assert_string_equal(m.revoke.keep_family, r->keep_family);
    assert_string_equal(m.revoke.jti, r->jti);
    buf_free(&b);
}

static void test_revoke_round_trip(void **state)
{
    (void)state;
    size_t fixed = ADAPTER_MAGIC_LEN + ADAPTER_ORIGIN_BYTES + 1 + 8 + 3;
    rt_revoke logout = {.user_id = 7};
    memcpy(logout.family, FAM, sizeof FAM);
    memcpy(logout.jti, JTI, sizeof JTI);
    revoke_round_trip(&logout, fixed + 64);
    rt_revoke others = {.user_id = INT64_MAX};
    memcpy(others.keep_family, FAM, sizeof FAM);
    revoke_round_trip(&others, fixed + 32);
    rt_revoke all = {.user_id = 1, .all = true};
    revoke_round_trip(&all, fixed);
    /* an emit still decodes as one, with its kind */
    ig_buf pkt, msg;
    packet(&pkt, "resume_status", json_pack("{s:s}", "status", "完成"));
    encode_ok(&msg, "user:7", 6, &pkt);
    adapter_msg m;
    assert_int_equal(adapter_decode(msg.p, msg.len, &m, NULL), IG_OK);
    assert_int_equal(m.kind, ADAPTER_EMIT);
    buf_free(&pkt);
    buf_free(&msg);
}

/* The bytes of a revocation for user 7 of family FAM, then edited by the test. */
static void revoke_raw(ig_buf *b)
{
    rt_revoke r = {.user_id = 7};
    memcpy(r.family, FAM, sizeof FAM);
    buf_init(b, 1024);
    assert_int_equal(adapter_encode_revoke(b, ORIGIN, &r, NULL), IG_OK);
}

static void revoke_bad(ig_buf *b, const char *why)
{
    adapter_msg m;
    ig_err err = {0};
    if (adapter_decode(b->p, b->len, &m, &err) != IG_EINVAL)
        fail_msg("%s: decoded", why);
    assert_true(err.msg[0] != '\0');
    assert_int_equal(m.revoke.user_id, 0);
    assert_null(m.origin);
    buf_free(b);
}

static void test_revoke_decode_refuses(void **state)
{
    (void)state;
    size_t flags = ADAPTER_MAGIC_LEN + ADAPTER_ORIGIN_BYTES, fam = flags + 9;
    ig_buf b;
    revoke_raw(&b);
    b.len = flags + 5;
    revoke_bad(&b, "short");
    revoke_raw(&b);
    b.p[flags] = 2;
    revoke_bad(&b, "unknown flag");
    revoke_raw(&b);
    memset(b.p + flags + 1, 0, 8);
    revoke_bad(&b, "user 0");
    revoke_raw(&b);
    b.p[flags + 1] = (char)0x80;
    revoke_bad(&b, "negative user");
    revoke_raw(&b);
    b.p[fam + 1] = 'A';
    revoke_bad(&b, "upper-case hex");
    revoke_raw(&b);
    b.p[fam + 5] = '\0';
    revoke_bad(&b, "NUL in an id");
    revoke_raw(&b);
    b.p[fam] = 33;
    revoke_bad(&b, "id too long");
    revoke_raw(&b);
    b.len--;
    revoke_bad(&b, "truncated");
    revoke_raw(&b);
    assert_int_equal(buf_append(&b, "0", 1), IG_OK);
    revoke_bad(&b, "trailing byte");
    revoke_raw(&b);
    b.p[3] = '2';
    revoke_bad(&b, "unknown version");
}

static void test_revoke_encode_refuses(void **state)
{
    (void)state;
    ig_buf b;
    buf_init(&b, 1024);
    ig_err err = {0};
    rt_revoke r = {.user_id = 0};
    assert_int_equal(adapter_encode_revoke(&b, ORIGIN, &r, &err), IG_EINVAL);
    r.user_id = 3;
    snprintf(r.jti, sizeof r.jti, "%s", "认证");
    assert_int_equal(adapter_encode_revoke(&b, ORIGIN, &r, &err), IG_EINVAL);
    snprintf(r.jti, sizeof r.jti, "%s", "ABCDEF");
    assert_int_equal(adapter_encode_revoke(&b, ORIGIN, &r, &err), IG_EINVAL);
    assert_int_equal(b.len, 0);
    ig_buf small;
    buf_init(&small, 10);
    r.jti[0] = '\0';
    assert_int_equal(adapter_encode_revoke(&small, ORIGIN, &r, &err), IG_ETOOBIG);
    buf_free(&small);
    buf_free(&b);
}

static void test_channel(void **state)
{
    (void)state;
    char ch[ADAPTER_CHANNEL_MAX];
    adapter_channel(0, ch);
    assert_string_equal(ch, "ig:sio:0#/");
    adapter_channel(15, ch);
    assert_string_equal(ch, "ig:sio:15#/");
    adapter_channel(2147483647, ch);
    assert_string_equal(ch, "ig:sio:2147483647#/");
}

/* Nothing listens on port 1: the worker's publisher says so at once, and keeps working after. */
static void test_publisher_without_redis(void **state)
{
    (void)state;
    ig_err err = {0};
    adapter_pub *p = NULL;
    assert_int_equal(adapter_pub_open("http://localhost", 1, NULL, &p, &err), IG_EINVAL);
    assert_null(p);
    assert_int_equal(adapter_pub_open("redis://127.0.0.1:1/3", 2, NULL, &p, &err), IG_OK);
    json_t *d = json_pack("{s:s}", "status", "completed");
    for (int i = 0; i < 3; i++) {
        err = (ig_err){0};
        assert_int_equal(adapter_pub_emit_user(p, 7, "resume_status", d, &err), IG_EUNAVAIL);
        assert_true(err.msg[0] != '\0');
    }
    err = (ig_err){0};
    assert_int_equal(adapter_pub_revoke(p, &(rt_revoke){.user_id = 7, .all = true}, &err), IG_EUNAVAIL);
    assert_true(err.msg[0] != '\0');
    json_decref(d);
    adapter_pub_close(p);
    adapter_pub_close(NULL);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_en),
        cmocka_unit_test(test_round_trip_zh_and_long_room),
        cmocka_unit_test(test_decode_refuses_framing),
        cmocka_unit_test(test_decode_refuses_packets),
        cmocka_unit_test(test_encode_refuses),
        cmocka_unit_test(test_revoke_round_trip),
        cmocka_unit_test(test_revoke_decode_refuses),
        cmocka_unit_test(test_revoke_encode_refuses),
        cmocka_unit_test(test_channel),
        cmocka_unit_test(test_publisher_without_redis),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

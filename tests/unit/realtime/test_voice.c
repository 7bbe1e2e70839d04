/* Tests for realtime/voice's pure parts: the audio argument's base64 (padded or not, whitespace,
 * data: URLs, garbage, the size cap checked before decoding), the delivery metrics kept on a
 * spoken answer (from an EN and a ZH live payload, and from none), and the per-user stream table
 * (caps, users leaving, growth past its first size). The events themselves run end to end in
 * tests/e2e/test_voice.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "realtime/voice.h"

#define S(s) (s), strlen(s)

static void expect_b64(const char *in, size_t max, const char *want, size_t want_len)
{
    unsigned char *out = NULL;
    size_t len = 99;
    assert_int_equal(voice_base64(S(in), max, &out, &len), VOICE_B64_OK);
    assert_int_equal(len, want_len);
    if (want_len > 0)
        assert_memory_equal(out, want, want_len);
    else
        assert_null(out);
    free(out);
}

static void expect_b64_fails(const char *in, size_t max, voice_b64 want)
{
    unsigned char *out = (unsigned char *)"sentinel";
    size_t len = 99;
    assert_int_equal(voice_base64(S(in), max, &out, &len), want);
    assert_null(out);
    assert_int_equal(len, 0);
}

static void test_base64(void **state)
{
    (void)state;
    expect_b64("aGVsbG8=", 100, "hello", 5);
    expect_b64("aGVsbG8", 100, "hello", 5);          /* unpadded, as some encoders write it */
    expect_b64("aGVs\r\nbG8=", 100, "hello", 5);    /* MIME line breaks */
    expect_b64(" AAEC/w== ", 100, "\x00\x01\x02\xff", 4);
    expect_b64("", 100, "", 0);                     /* nothing: no audio */
    expect_b64("data:audio/webm;codecs=opus;base64,aGVsbG8=", 100, "hello", 5);
    expect_b64("data:;base64,aGk=", 100, "hi", 2);
    expect_b64("aGVsbG8=", 5, "hello", 5);          /* the cap is inclusive */
    expect_b64_fails("aGVsbG8=", 4, VOICE_B64_TOO_LARGE);
    expect_b64_fails("!!! not base64 !!!", 100, VOICE_B64_INVALID);
    expect_b64_fails("aGVsbG8=x", 100, VOICE_B64_INVALID); /* data after the padding */
    expect_b64_fails("aGV=sbG8", 100, VOICE_B64_INVALID);
    expect_b64_fails("aGVsbG-_", 100, VOICE_B64_INVALID); /* URL-safe alphabet is not the standard one */
    expect_b64_fails("data:audio/webm,aGVsbG8=", 100, VOICE_B64_INVALID); /* a data: URL that is not base64 */
    expect_b64_fails("data:audio/webm;base64", 100, VOICE_B64_INVALID);
    /* NUL bytes are not whitespace (libsodium's ignore list would take them for it) */
    unsigned char *out = NULL;
    size_t len = 0;
    assert_int_equal(voice_base64("\0", 1, 100, &out, &len), VOICE_B64_INVALID);
    assert_int_equal(voice_base64("aGk=\0", 5, 100, &out, &len), VOICE_B64_INVALID);
    assert_null(out);
    expect_b64("===", 100, "", 0); /* padding alone: nothing */
}

static void test_base64_size_checked_before_decoding(void **state)
{
    (void)state;
    /* 4 MB of text that would decode to 3 MB is refused by its length, invalid or not */
    size_t n = 4u << 20;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, '!', n);
    big[n] = '\0';
    unsigned char *out = NULL;
    size_t len = 0;
    assert_int_equal(voice_base64(big, n, VOICE_CHUNK_MAX, &out, &len), VOICE_B64_TOO_LARGE);
    assert_null(out);
    memset(big, 'A', n);
    assert_int_equal(voice_base64(big, n, 3u << 20, &out, &len), VOICE_B64_OK);
    assert_int_equal(len, 3u << 20);
    free(out);
    assert_int_equal(voice_base64(big, n, (3u << 20) - 1, &out, &len), VOICE_B64_TOO_LARGE);
    free(big);
}

static json_t *payload(const char *text)
{
    json_error_t je;
    json_t *p = json_loads(text, 0, &je);
    if (p == NULL)
        fail_msg("bad test JSON: %s", je.text);
    return p;
}

static void test_delivery_en(void **state)
{
    (void)state;
    json_t *p = payload("{\"suggestions\": [\"Slow down a little\"],"
                        " \"sentiment\": {\"label\": \"positive\", \"score\": 0.4},"
                        " \"metrics\": {\"language\": \"en\", \"answer_time\": 62.5, \"talk_time\": 60.1,"
                        " \"speaking_time\": 51.2, \"words\": 190, \"words_per_minute\": 189.8, \"filler_count\": 7,"
                        " \"filler_rate\": 3.7, \"pauses\": 2, \"longest_pause\": 4.2, \"current_pause\": 0.3,"
                        " \"star\": {\"situation\": true, \"task\": true, \"action\": true, \"result\": false},"
                        " \"key_points\": {\"covered\": [\"a\"], \"missing\": [\"b\"]},"
                        " \"recognizer\": {\"waiting\": false, \"queue_position\": 0}}}");
    json_t *d = voice_delivery(p, 0.81234, 62.504, "webm", "sphinx");
    assert_non_null(d);
    assert_float_equal(json_real_value(json_object_get(d, "words_per_minute")), 189.8, 1e-9);
    assert_int_equal(json_integer_value(json_object_get(d, "filler_count")), 7);
    assert_int_equal(json_integer_value(json_object_get(d, "pauses")), 2);
    assert_float_equal(json_real_value(json_object_get(d, "longest_pause")), 4.2, 1e-9);
    assert_float_equal(json_real_value(json_object_get(d, "talk_time")), 60.1, 1e-9);
    assert_true(json_is_true(json_object_get(json_object_get(d, "star"), "action")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(d, "sentiment"), "label")), "positive");
    assert_float_equal(json_real_value(json_object_get(d, "confidence")), 0.812, 1e-9);
    assert_float_equal(json_real_value(json_object_get(d, "audio_seconds")), 62.5, 1e-9);
    assert_string_equal(json_string_value(json_object_get(d, "format")), "webm");
    assert_string_equal(json_string_value(json_object_get(d, "engine")), "sphinx");
    /* live-only state stays out: hints, the recogniser's queue, the silence now */
    assert_null(json_object_get(d, "key_points"));
    assert_null(json_object_get(d, "recognizer"));
    assert_null(json_object_get(d, "current_pause"));
    assert_null(json_object_get(d, "suggestions"));
    /* a copy: the payload can go */
    json_decref(p);
    assert_int_equal(json_integer_value(json_object_get(d, "filler_count")), 7);
    json_decref(d);
}

static void test_delivery_zh_and_missing(void **state)
{
    (void)state;
    json_t *p = payload("{\"suggestions\": [\"语速偏快，放慢一点\"], \"sentiment\": {\"label\": \"neutral\", \"score\": 0},"
                        " \"metrics\": {\"language\": \"zh\", \"words\": 120.5, \"words_per_minute\": null,"
                        " \"filler_count\": 3, \"filler_rate\": 2.5}}");
    json_t *d = voice_delivery(p, -1, 9.0, "pcm16", "openai");
    assert_float_equal(json_real_value(json_object_get(d, "words")), 120.5, 1e-9);
    assert_true(json_is_null(json_object_get(d, "words_per_minute"))); /* too little speech to judge */
    assert_true(json_is_null(json_object_get(d, "confidence")));       /* no final result */
    assert_null(json_object_get(d, "pauses"));                         /* not in the payload */
    json_decref(d);
    json_decref(p);
    /* no analysis at all (the stream heard nothing): the recording's facts only */
    d = voice_delivery(NULL, 0.5, 1.234, "wav", "sphinx");
    assert_int_equal(json_object_size(d), 4);
    assert_float_equal(json_real_value(json_object_get(d, "audio_seconds")), 1.23, 1e-9);
    json_decref(d);
}

static void test_quota(void **state)
{
    (void)state;
    voice_quota q = {0};
    assert_true(voice_quota_take(&q, 7, 2));
    assert_true(voice_quota_take(&q, 7, 2));
    assert_false(voice_quota_take(&q, 7, 2));
    assert_int_equal(voice_quota_count(&q, 7), 2);
    assert_true(voice_quota_take(&q, 8, 2)); /* others are counted apart */
    assert_false(voice_quota_take(&q, 9, 0));
    voice_quota_put(&q, 7);
    assert_true(voice_quota_take(&q, 7, 2));
    voice_quota_put(&q, 7);
    voice_quota_put(&q, 7);
    assert_int_equal(voice_quota_count(&q, 7), 0);
    assert_int_equal(q.n, 1); /* a user at zero leaves the table */
    voice_quota_put(&q, 7);   /* one too many: nothing happens */
    voice_quota_put(&q, 12345);
    assert_int_equal(voice_quota_count(&q, 8), 1);
    /* many users: the table grows and keeps every count */
    for (int64_t u = 100; u < 1100; u++)
        assert_true(voice_quota_take(&q, u, 1));
    for (int64_t u = 100; u < 1100; u++)
        assert_false(voice_quota_take(&q, u, 1));
    for (int64_t u = 100; u < 1100; u += 2)
        voice_quota_put(&q, u);
    for (int64_t u = 100; u < 1100; u++)
        assert_int_equal(voice_quota_count(&q, u), u % 2 == 0 ? 0 : 1);
    assert_int_equal(q.n, 501);
    voice_quota_free(&q);
    assert_int_equal(q.n, 0);
    assert_null(q.v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_base64_size_checked_before_decoding),
        cmocka_unit_test(test_delivery_en),
        cmocka_unit_test(test_delivery_zh_and_missing),
        cmocka_unit_test(test_quota),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests for ai/asr_openai: the WAV file built from the samples (header fields, little-endian data),
 * and streams against a scripted loopback transcription endpoint: one final at finish with the text
 * (EN and ZH) and its confidence, the upload's fields, an empty answer, the audio cap, a failing
 * endpoint, and languages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "ai/asr_openai.h"
#include "ai/audio.h"
#include "ai/fake_http.h"

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_wav(void **state)
{
    (void)state;
    const int16_t pcm[] = {0, 1, -1, 32767, -32768};
    unsigned char *w = NULL;
    size_t n = 0;
    ig_err err = {0};
    assert_int_equal(asr_openai_wav(pcm, 5, 16000, &w, &n, &err), IG_OK);
    assert_int_equal(n, 44 + 10);
    assert_memory_equal(w, "RIFF", 4);
    assert_int_equal(le32(w + 4), 36 + 10);
    assert_memory_equal(w + 8, "WAVEfmt ", 8);
    assert_int_equal(le32(w + 16), 16);
    assert_int_equal(w[20] | w[21] << 8, 1);  /* PCM */
    assert_int_equal(w[22] | w[23] << 8, 1);  /* mono */
    assert_int_equal(le32(w + 24), 16000);
    assert_int_equal(le32(w + 28), 32000);
    assert_int_equal(w[34] | w[35] << 8, 16);
    assert_memory_equal(w + 36, "data", 4);
    assert_int_equal(le32(w + 40), 10);
    static const unsigned char data[] = {0, 0, 1, 0, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x80};
    assert_memory_equal(w + 44, data, sizeof data);
    free(w);
    assert_int_equal(asr_openai_wav(pcm, 0, 16000, &w, &n, &err), IG_OK);
    assert_int_equal(n, 44);
    free(w);
}

typedef struct ctx {
    fake_http f;
    asr_engine *e;
    char text[256];
    double confidence;
    int finals;
} ctx;

static int setup_model(void **state, const char *model)
{
    ctx *x = calloc(1, sizeof *x);
    if (x == NULL || fake_start(&x->f) != 0)
        return -1;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1", x->f.port);
    asr_openai_opts o = {url, "sk-asr-key", model, 3000, 2, 5.0};
    ig_err err = {0};
    if (asr_openai_open(&o, &x->e, &err) != IG_OK)
        return -1;
    *state = x;
    return 0;
}

static int setup(void **state)
{
    return setup_model(state, "whisper-1");
}

static int teardown(void **state)
{
    ctx *x = *state;
    asr_engine_close(x->e);
    fake_stop(&x->f);
    free(x);
    return 0;
}

static void on_result(const asr_result *r, void *arg)
{
    ctx *x = arg;
    assert_true(r->is_final);
    assert_int_equal(strlen(r->text), r->text_len);
    assert_string_equal(r->text, r->transcript);
    snprintf(x->text, sizeof x->text, "%s", r->text);
    x->confidence = r->confidence;
    x->finals++;
    assert_true(r->end_s > 1.99 && r->end_s < 2.01);
}

static asr_stream *open_stream(ctx *x, const char *lang)
{
    asr_stream_opts o = {lang, 0, on_result, x};
    asr_stream *s = NULL;
    ig_err err = {0};
    assert_int_equal(asr_stream_open(x->e, &o, &s, &err), IG_OK);
    return s;
}

/* Two seconds of a quiet tone in chunks. */
static void feed_two_seconds(asr_stream *s)
{
    static int16_t chunk[AUDIO_RATE / 10];
    for (size_t i = 0; i < sizeof chunk / sizeof chunk[0]; i++)
        chunk[i] = (int16_t)(1000 * sin((double)i * 0.1));
    ig_err err = {0};
    for (int i = 0; i < 20; i++)
        assert_int_equal(asr_stream_feed(s, chunk, sizeof chunk / sizeof chunk[0], &err), IG_OK);
}

static void test_transcribed_at_finish(void **state)
{
    ctx *x = *state;
    fake_push(&x->f, 200, NULL,
              "{\"text\": \"  I sharded the work by merchant. \", \"segments\": [{\"avg_logprob\": -0.2}]}", 0);
    asr_stream *s = open_stream(x, "en-US");
    feed_two_seconds(s);
    asr_stream_info info;
    asr_stream_info_get(s, &info);
    assert_false(info.waiting);
    assert_true(info.audio_s > 1.99 && info.decoded_s == 0);
    assert_int_equal(fake_count(&x->f), 0); /* nothing goes out before finish */
    ig_err err = {0};
    assert_int_equal(asr_stream_finish(s, &err), IG_OK);
    assert_int_equal(x->finals, 1);
    assert_string_equal(x->text, "I sharded the work by merchant.");
    assert_true(fabs(x->confidence - exp(-0.2)) < 1e-9);
    asr_stream_info_get(s, &info);
    assert_int_equal(info.finals, 1);
    assert_true(info.decoded_s > 1.99);
    assert_true(fake_contains(&x->f, 0, "POST /v1/audio/transcriptions "));
    assert_true(fake_contains(&x->f, 0, "Authorization: Bearer sk-asr-key\r\n"));
    assert_true(fake_contains(&x->f, 0, "name=\"model\"\r\n\r\nwhisper-1"));
    assert_true(fake_contains(&x->f, 0, "name=\"language\"\r\n\r\nen\r\n"));
    assert_true(fake_contains(&x->f, 0, "verbose_json"));
    assert_true(fake_contains(&x->f, 0, "RIFF"));
    assert_true(fake_contains(&x->f, 0, "Content-Length: 64"));
    /* after finish, a stream only closes */
    assert_int_equal(asr_stream_feed(s, NULL, 0, &err), IG_ESTATE);
    asr_stream_close(s);
}

static void test_chinese_and_unknown_confidence(void **state)
{
    (void)state;
    void *st = NULL;
    assert_int_equal(setup_model(&st, "gpt-4o-transcribe"), 0);
    ctx *x = st;
    fake_push(&x->f, 200, NULL, "{\"text\": \"我按商户拆分了任务。\"}", 0);
    asr_stream *s = open_stream(x, "zh_CN");
    feed_two_seconds(s);
    ig_err err = {0};
    assert_int_equal(asr_stream_finish(s, &err), IG_OK);
    assert_string_equal(x->text, "我按商户拆分了任务。");
    assert_true(x->confidence == 0.0);
    assert_true(fake_contains(&x->f, 0, "name=\"language\"\r\n\r\nzh\r\n"));
    assert_false(fake_contains(&x->f, 0, "verbose_json"));
    asr_stream_close(s);
    teardown(&st);
}

static void test_silence_and_empty_text(void **state)
{
    ctx *x = *state;
    ig_err err = {0};
    asr_stream *s = open_stream(x, NULL);
    assert_int_equal(asr_stream_finish(s, &err), IG_OK); /* no audio: no request, no result */
    assert_int_equal(fake_count(&x->f), 0);
    asr_stream_close(s);
    fake_push(&x->f, 200, NULL, "{\"text\": \"  \"}", 0);
    s = open_stream(x, "en");
    feed_two_seconds(s);
    assert_int_equal(asr_stream_finish(s, &err), IG_OK);
    assert_int_equal(x->finals, 0);
    asr_stream_close(s);
}

static void test_open_checks(void **state)
{
    (void)state;
    asr_engine *e = NULL;
    ig_err err = {0};
    asr_openai_opts o = {"https://api.openai.com/v1", NULL, "whisper-1", 3000, 1, 60.0};
    assert_int_equal(asr_openai_open(&o, &e, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "ASR_ENGINE=openai with https://api.openai.com/v1 needs an API key"));
    o.api_key = "sk-x";
    assert_int_equal(asr_openai_open(&o, &e, &err), IG_OK);
    asr_engine_close(e);
    o.model = "";
    assert_int_equal(asr_openai_open(&o, &e, &err), IG_EINVAL);
    o.model = "whisper-1";
    o.max_seconds = 0;
    assert_int_equal(asr_openai_open(&o, &e, &err), IG_EINVAL);
}

static void test_cap_failure_and_languages(void **state)
{
    ctx *x = *state;
    ig_err err = {0};
    assert_true(asr_supports(x->e, "en"));
    assert_true(asr_supports(x->e, "ZH-cn"));
    assert_false(asr_supports(x->e, "fr"));
    asr_stream_opts o = {"fr", 0, on_result, x};
    asr_stream *s = NULL;
    assert_int_equal(asr_stream_open(x->e, &o, &s, &err), IG_EINVAL);
    /* the cap: 5 seconds */
    s = open_stream(x, "en");
    feed_two_seconds(s);
    feed_two_seconds(s);
    static int16_t more[AUDIO_RATE * 2];
    assert_int_equal(asr_stream_feed(s, more, sizeof more / sizeof more[0], &err), IG_ETOOBIG);
    assert_int_equal(asr_stream_finish(s, &err), IG_ESTATE);
    asr_stream_close(s);
    /* the endpoint failing: IG_EIO with the reason (default reply: 500, retried) */
    s = open_stream(x, "en");
    feed_two_seconds(s);
    assert_int_equal(asr_stream_finish(s, &err), IG_EIO);
    assert_non_null(strstr(err.msg, "http_5xx"));
    assert_int_equal(x->finals, 0);
    asr_stream_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wav),
        cmocka_unit_test(test_open_checks),
        cmocka_unit_test_setup_teardown(test_transcribed_at_finish, setup, teardown),
        cmocka_unit_test(test_chinese_and_unknown_confidence),
        cmocka_unit_test_setup_teardown(test_silence_and_empty_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cap_failure_and_languages, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

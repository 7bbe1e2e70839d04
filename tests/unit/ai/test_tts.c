/* Tests for ai/tts: espeak-ng speaks English and Mandarin into a well-formed WAV file (RIFF header
 * that matches its samples, 16-bit mono PCM at espeak-ng's rate) whose samples are not silence;
 * bad input is refused; concurrent callers are serialised, not corrupted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ai/tts.h"

static uint32_t le(const unsigned char *p, int bytes)
{
    uint32_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* Checks the header of a whole WAV file and returns its peak absolute sample. */
static int check_wav(const unsigned char *w, size_t n)
{
    assert_true(n > TTS_WAV_HEADER);
    assert_memory_equal(w, "RIFF", 4);
    assert_int_equal(le(w + 4, 4), n - 8);
    assert_memory_equal(w + 8, "WAVEfmt ", 8);
    assert_int_equal(le(w + 16, 4), 16);
    assert_int_equal(le(w + 20, 2), 1);     /* PCM */
    assert_int_equal(le(w + 22, 2), 1);     /* mono */
    assert_int_equal(le(w + 24, 4), 22050); /* espeak-ng's rate */
    assert_int_equal(le(w + 28, 4), 22050 * 2);
    assert_int_equal(le(w + 32, 2), 2);
    assert_int_equal(le(w + 34, 2), 16);
    assert_memory_equal(w + 36, "data", 4);
    assert_int_equal(le(w + 40, 4), n - TTS_WAV_HEADER);
    int peak = 0;
    for (size_t i = TTS_WAV_HEADER; i + 1 < n; i += 2) {
        int s = (int16_t)(uint16_t)le(w + i, 2);
        peak = abs(s) > peak ? abs(s) : peak;
    }
    return peak;
}

static int setup(void **state)
{
    tts *t = NULL;
    ig_err err = {0};
    assert_int_equal(tts_open(&t, NULL, &err), IG_OK);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    tts_close(*state);
    return 0;
}

static void speak(tts *t, const char *text, const char *lang, double min_seconds)
{
    unsigned char *w = NULL;
    size_t n = 0;
    ig_err err = {0};
    ig_status rc = tts_wav(t, text, strlen(text), lang, &w, &n, &err);
    if (rc != IG_OK)
        fail_msg("%s: %s", lang, err.msg);
    assert_true(check_wav(w, n) > 1000); /* speech, not silence */
    assert_true((double)(n - TTS_WAV_HEADER) / (22050 * 2) >= min_seconds);
    free(w);
}

static void test_english(void **state)
{
    speak(*state, "Tell me about a time you disagreed with a teammate. What did you do?", "en", 1.5);
}

static void test_mandarin(void **state)
{
    speak(*state, "请介绍一下你在项目中使用 Redis 的经验。", "zh", 1.0);
}

static void test_longer_text_is_longer(void **state)
{
    unsigned char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    ig_err err = {0};
    const char *s = "Why?";
    const char *l = "Why did you choose PostgreSQL over MySQL for the billing service, and what would you change?";
    assert_int_equal(tts_wav(*state, s, strlen(s), "en", &a, &na, &err), IG_OK);
    assert_int_equal(tts_wav(*state, l, strlen(l), "en", &b, &nb, &err), IG_OK);
    assert_true(nb > 3 * na);
    free(a);
    free(b);
}

static void test_bad_input(void **state)
{
    unsigned char *w = (unsigned char *)"x";
    size_t n = 7;
    ig_err err = {0};
    assert_int_equal(tts_wav(*state, "hello", 5, "fr", &w, &n, &err), IG_EINVAL);
    assert_null(w);
    assert_int_equal(n, 0);
    assert_int_equal(tts_wav(*state, "hello", 5, NULL, &w, &n, &err), IG_EINVAL);
    assert_int_equal(tts_wav(*state, "", 0, "en", &w, &n, &err), IG_EINVAL);
    char *big = malloc(TTS_MAX_TEXT + 2);
    assert_non_null(big);
    memset(big, 'a', TTS_MAX_TEXT + 1);
    big[TTS_MAX_TEXT + 1] = '\0';
    assert_int_equal(tts_wav(*state, big, TTS_MAX_TEXT + 1, "en", &w, &n, &err), IG_ETOOBIG);
    free(big);
    /* explicit length: the bytes after len are not spoken */
    assert_int_equal(tts_wav(*state, "Go now. IGNORED IGNORED IGNORED IGNORED", 7, "en", &w, &n, &err), IG_OK);
    size_t short_len = n;
    free(w);
    assert_int_equal(tts_wav(*state, "Go now. IGNORED IGNORED IGNORED IGNORED", 39, "en", &w, &n, &err), IG_OK);
    assert_true(n > 2 * short_len);
    free(w);
}

static void *speaker(void *arg)
{
    tts *t = arg;
    for (int i = 0; i < 3; i++) {
        unsigned char *w = NULL;
        size_t n = 0;
        ig_err err = {0};
        const char *text = i % 2 ? "你好，请开始。" : "Please begin when you are ready.";
        if (tts_wav(t, text, strlen(text), i % 2 ? "zh" : "en", &w, &n, &err) != IG_OK || check_wav(w, n) < 1000) {
            free(w);
            return (void *)1;
        }
        free(w);
    }
    return NULL;
}

static void test_concurrent_callers(void **state)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, speaker, *state), 0);
    for (int i = 0; i < 4; i++) {
        void *r = NULL;
        pthread_join(t[i], &r);
        assert_null(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_english),
        cmocka_unit_test(test_mandarin),
        cmocka_unit_test(test_longer_text_is_longer),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_concurrent_callers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

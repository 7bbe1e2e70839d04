/* Tests for ai/audio: pcm16, WAV (any rate and channel count, resampled to 16 kHz mono) and
 * WebM/Opus (made here with libopus, as MediaRecorder sends it) decode the same whatever the chunk
 * cuts; samples come out while the stream is still arriving; malformed, truncated and oversized
 * input is refused with a clear reason, and the refusal sticks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ai/audio.h"
#include "audio_fixtures.h"

/* Everything one stream decoded. */
typedef struct decoded {
    int16_t *p;
    size_t n, cap;
    size_t before_finish; /* samples out of feed calls */
    ig_status feed_st, finish_st;
    ig_err err;
} decoded;

static void add(decoded *d, const int16_t *p, size_t n)
{
    if (d->n + n > d->cap) {
        d->cap = (d->n + n) * 2 + 1024;
        d->p = realloc(d->p, d->cap * sizeof *d->p);
        assert_non_null(d->p);
    }
    if (n > 0)
        memcpy(d->p + d->n, p, n * sizeof *p);
    d->n += n;
}

/* Decodes n bytes fed in chunks of chunk bytes (0: all at once), then finishes. */
static decoded run(audio_format f, const void *bytes, size_t n, size_t chunk)
{
    decoded d = {0};
    audio_decoder *dec = NULL;
    assert_int_equal(audio_decoder_open(f, 600, &dec, &d.err), IG_OK);
    const unsigned char *b = bytes;
    size_t step = chunk ? chunk : n;
    for (size_t at = 0; at < n; at += step) {
        const int16_t *pcm;
        size_t k;
        d.feed_st = audio_decoder_feed(dec, b + at, n - at < step ? n - at : step, &pcm, &k, &d.err);
        if (d.feed_st != IG_OK)
            break;
        add(&d, pcm, k);
    }
    d.before_finish = d.n;
    if (d.feed_st == IG_OK) {
        const int16_t *pcm;
        size_t k;
        d.finish_st = audio_decoder_finish(dec, &pcm, &k, &d.err);
        add(&d, pcm, k);
        assert_true(audio_decoder_seconds(dec) * AUDIO_RATE >= (double)d.n - 0.5);
    }
    audio_decoder_close(dec);
    return d;
}

static void expect_error(const decoded *d, ig_status st, const char *needle)
{
    ig_status got = d->feed_st != IG_OK ? d->feed_st : d->finish_st;
    if (got != st || strstr(d->err.msg, needle) == NULL)
        fail_msg("want %d containing '%s', got %d: %s", st, needle, got, d->err.msg);
}

static void test_format_names(void **state)
{
    (void)state;
    audio_format f;
    assert_true(audio_format_parse("pcm16", 5, &f));
    assert_int_equal(f, AUDIO_PCM16);
    assert_true(audio_format_parse("WAV", 3, &f));
    assert_int_equal(f, AUDIO_WAV);
    assert_true(audio_format_parse("webm", 4, &f));
    assert_int_equal(f, AUDIO_WEBM);
    assert_true(audio_format_parse(NULL, 0, &f));
    assert_int_equal(f, AUDIO_PCM16);
    assert_false(audio_format_parse("mp3", 3, &f));
    assert_false(audio_format_parse("webmx", 5, &f));
    assert_string_equal(audio_format_name(AUDIO_WEBM), "webm");
}

static void test_pcm16_any_cut(void **state)
{
    (void)state;
    int16_t *tone = afx_tone(8000, 16000, 1, 300, 12000);
    unsigned char raw[16001];
    for (size_t i = 0; i < 8000; i++)
        afx_le(raw + 2 * i, (uint16_t)tone[i], 2);
    raw[16000] = 0x7F; /* a stray half sample at the end */
    size_t cuts[] = {0, 1, 3, 1600, 3199};
    for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
        decoded d = run(AUDIO_PCM16, raw, sizeof raw, cuts[c]);
        assert_int_equal(d.feed_st, IG_OK);
        assert_int_equal(d.finish_st, IG_OK);
        assert_int_equal(d.n, 8000);
        assert_memory_equal(d.p, tone, 8000 * sizeof *tone);
        free(d.p);
    }
    free(tone);
}

static void test_wav_16k_mono(void **state)
{
    (void)state;
    int16_t *tone = afx_tone(16000, 16000, 1, 440, 10000);
    size_t len;
    unsigned char *w = afx_wav(tone, 16000, 16000, 1, 1, 16, 0, UINT32_MAX - 1, &len);
    size_t cuts[] = {0, 1, 7, 45, 1000};
    for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
        decoded d = run(AUDIO_WAV, w, len, cuts[c]);
        assert_int_equal(d.finish_st, IG_OK);
        assert_int_equal(d.n, 16000);
        assert_memory_equal(d.p, tone, 16000 * sizeof *tone);
        if (cuts[c] > 0)
            assert_int_equal(d.before_finish, 16000); /* no waiting for the end */
        free(d.p);
    }
    free(w);
    free(tone);
}

static void test_wav_resampled_and_mixed(void **state)
{
    (void)state;
    const struct {
        int rate, channels;
    } cases[] = {{44100, 2}, {48000, 1}, {8000, 1}, {22050, 6}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int rate = cases[c].rate, ch = cases[c].channels;
        int16_t *tone = afx_tone((size_t)rate * 2, rate, ch, 440, 10000);
        size_t len;
        unsigned char *w = afx_wav(tone, (size_t)rate * 2, rate, ch, 1, 16, 0, UINT32_MAX - 1, &len);
        decoded d = run(AUDIO_WAV, w, len, 4093);
        assert_int_equal(d.finish_st, IG_OK);
        /* two seconds at 16 kHz, within the resampler's delay */
        assert_true(d.n >= 32000 - 64 && d.n <= 32000 + 64);
        double hz = afx_frequency(d.p, d.n, AUDIO_RATE);
        if (hz < 430 || hz > 450)
            fail_msg("%d Hz x%d: tone at %.1f Hz", rate, ch, hz);
        int peak = afx_peak(d.p, d.n);
        if (peak < 9000 || peak > 11000)
            fail_msg("%d Hz x%d: peak %d (the mix-down must keep the level)", rate, ch, peak);
        free(d.p);
        free(w);
        free(tone);
    }
}

static void test_wav_chunks_and_sizes(void **state)
{
    (void)state;
    int16_t *tone = afx_tone(1600, 16000, 1, 440, 8000);
    size_t len;
    /* an odd-sized LIST chunk (padded) before the data */
    unsigned char *w = afx_wav(tone, 1600, 16000, 1, 1, 16, 33, UINT32_MAX - 1, &len);
    decoded d = run(AUDIO_WAV, w, len, 5);
    assert_int_equal(d.finish_st, IG_OK);
    assert_int_equal(d.n, 1600);
    assert_memory_equal(d.p, tone, 1600 * 2);
    free(d.p);
    free(w);
    /* a recorder that could not seek back: size 0 or 0xFFFFFFFF runs to the end */
    uint32_t sizes[] = {0, 0xFFFFFFFFu};
    for (size_t i = 0; i < 2; i++) {
        w = afx_wav(tone, 1600, 16000, 1, 1, 16, 0, sizes[i], &len);
        d = run(AUDIO_WAV, w, len, 100);
        assert_int_equal(d.n, 1600);
        free(d.p);
        free(w);
    }
    /* a data size shorter than what follows: the rest (another chunk) is not audio */
    w = afx_wav(tone, 1600, 16000, 1, 1, 16, 0, 1000, &len);
    d = run(AUDIO_WAV, w, len, 0);
    assert_int_equal(d.n, 500);
    free(d.p);
    free(w);
    /* WAVE_FORMAT_EXTENSIBLE with a PCM sub-format */
    unsigned char ext[12 + 8 + 40 + 8 + 8] = {0};
    memcpy(ext, "RIFF", 4);
    afx_le(ext + 4, sizeof ext - 8, 4);
    memcpy(ext + 8, "WAVEfmt ", 8);
    afx_le(ext + 16, 40, 4);
    afx_le(ext + 20, 0xFFFE, 2);
    afx_le(ext + 22, 1, 2);
    afx_le(ext + 24, 16000, 4);
    afx_le(ext + 28, 32000, 4);
    afx_le(ext + 32, 2, 2);
    afx_le(ext + 34, 16, 2);
    afx_le(ext + 44, 1, 2); /* sub-format GUID: PCM */
    memcpy(ext + 60, "data", 4);
    afx_le(ext + 64, 8, 4);
    afx_le(ext + 68, 1234, 2);
    afx_le(ext + 70, (uint16_t)-1234, 2);
    d = run(AUDIO_WAV, ext, sizeof ext, 3);
    assert_int_equal(d.finish_st, IG_OK);
    assert_int_equal(d.n, 4);
    assert_int_equal(d.p[0], 1234);
    assert_int_equal(d.p[1], -1234);
    free(d.p);
    free(tone);
}

static void test_wav_malformed(void **state)
{
    (void)state;
    int16_t *tone = afx_tone(1000, 16000, 2, 440, 8000);
    size_t len;
    const struct {
        unsigned tag, bits;
        int rate, channels;
        const char *why;
    } bad[] = {
        {1, 8, 16000, 1, "only 16-bit PCM"},   {1, 24, 16000, 1, "only 16-bit PCM"},
        {3, 16, 16000, 1, "only 16-bit PCM"},  {1, 16, 4000, 1, "sample rate"},
        {1, 16, 16000, 0, "channels"},         {1, 16, 16000, 9, "channels"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned char *w = afx_wav(tone, 80, bad[i].rate, bad[i].channels, bad[i].tag, bad[i].bits, 0,
                                   UINT32_MAX - 1, &len);
        decoded d = run(AUDIO_WAV, w, len, 0);
        expect_error(&d, IG_EINVAL, bad[i].why);
        free(d.p);
        free(w);
    }
    decoded d = run(AUDIO_WAV, "OggS\0\0\0\0\0\0\0\0\0\0", 14, 0);
    expect_error(&d, IG_EINVAL, "not a WAV stream");
    free(d.p);
    d = run(AUDIO_WAV, "RIFF\x10\0\0\0AVI LIST", 16, 0);
    expect_error(&d, IG_EINVAL, "not a WAV stream");
    free(d.p);
    d = run(AUDIO_WAV, "RIFF\x10\0\0\0WAVEdata\x04\0\0\0\1\2\3\4", 24, 0);
    expect_error(&d, IG_EINVAL, "before its fmt chunk");
    free(d.p);
    /* a header that never ends */
    unsigned char *w = afx_wav(tone, 80, 16000, 1, 1, 16, AUDIO_WAV_HEADER_MAX, UINT32_MAX - 1, &len);
    d = run(AUDIO_WAV, w, len, 1000);
    expect_error(&d, IG_EINVAL, "WAV header longer than");
    free(d.p);
    free(w);
    /* a fmt chunk that would end past the header's cap: refused, not buffered forever */
    size_t big = 12 + 8 + 65500 + 8 + 16 + 8 + 2;
    unsigned char *late = calloc(1, big);
    assert_non_null(late);
    memcpy(late, "RIFF", 4);
    afx_le(late + 4, (uint32_t)(big - 8), 4);
    memcpy(late + 8, "WAVELIST", 8);
    afx_le(late + 16, 65500, 4);
    memcpy(late + 12 + 8 + 65500, "fmt ", 4);
    afx_le(late + 12 + 8 + 65500 + 4, 16, 4);
    d = run(AUDIO_WAV, late, big, 4096);
    expect_error(&d, IG_EINVAL, "WAV header longer than");
    free(d.p);
    free(late);
    /* truncated: inside the header (error), inside a frame (the cut frame is dropped) */
    w = afx_wav(tone, 80, 16000, 2, 1, 16, 0, UINT32_MAX - 1, &len);
    d = run(AUDIO_WAV, w, 30, 7);
    expect_error(&d, IG_EINVAL, "cut inside its header");
    free(d.p);
    d = run(AUDIO_WAV, w, 44 + 4 * 10 + 3, 7);
    assert_int_equal(d.finish_st, IG_OK);
    assert_int_equal(d.n, 10);
    free(d.p);
    free(w);
    d = run(AUDIO_WAV, "", 0, 0);
    expect_error(&d, IG_EINVAL, "empty WAV");
    free(d.p);
    free(tone);
}

/* An error sticks; finishing twice and feeding after the end are refused. */
static void test_sticky_errors(void **state)
{
    (void)state;
    audio_decoder *dec = NULL;
    ig_err err = {0};
    const int16_t *pcm;
    size_t n;
    assert_int_equal(audio_decoder_open(AUDIO_WAV, 10, &dec, &err), IG_OK);
    assert_int_equal(audio_decoder_feed(dec, "RIFX....WAVE", 12, &pcm, &n, &err), IG_EINVAL);
    assert_int_equal(audio_decoder_feed(dec, "RIFF", 4, &pcm, &n, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "not a WAV stream"));
    assert_int_equal(audio_decoder_finish(dec, &pcm, &n, &err), IG_EINVAL);
    audio_decoder_close(dec);
    assert_int_equal(audio_decoder_open(AUDIO_PCM16, 10, &dec, &err), IG_OK);
    assert_int_equal(audio_decoder_finish(dec, &pcm, &n, &err), IG_OK);
    assert_int_equal(audio_decoder_feed(dec, "ab", 2, &pcm, &n, &err), IG_ESTATE);
    audio_decoder_close(dec);
    assert_int_equal(audio_decoder_open(AUDIO_PCM16, 0, &dec, &err), IG_EINVAL);
    assert_null(dec);
}

static void test_seconds_cap(void **state)
{
    (void)state;
    audio_decoder *dec = NULL;
    ig_err err = {0};
    const int16_t *pcm;
    size_t n;
    static unsigned char zeros[32000];
    assert_int_equal(audio_decoder_open(AUDIO_PCM16, 2, &dec, &err), IG_OK);
    assert_int_equal(audio_decoder_feed(dec, zeros, sizeof zeros, &pcm, &n, &err), IG_OK);
    assert_int_equal(audio_decoder_feed(dec, zeros, sizeof zeros, &pcm, &n, &err), IG_OK);
    assert_int_equal(audio_decoder_feed(dec, zeros, 2, &pcm, &n, &err), IG_ETOOBIG);
    assert_non_null(strstr(err.msg, "more than 2 seconds"));
    audio_decoder_close(dec);
}

/* Two seconds of a tone as WebM/Opus: the same samples whatever the cuts, most of them before the
 * end of the stream, at the right pitch and length. */
static void check_webm(int rate, int channels, bool unknown_sizes)
{
    size_t frames = (size_t)rate * 2, len;
    int16_t *tone = afx_tone(frames, rate, channels, 440, 10000);
    unsigned char *wm = afx_webm(tone, frames, rate, channels, unknown_sizes, &len);
    decoded whole = run(AUDIO_WEBM, wm, len, 0);
    if (whole.finish_st != IG_OK)
        fail_msg("%d Hz x%d: %s", rate, channels, whole.err.msg);
    assert_true(whole.n >= 32000 - 400 && whole.n <= 32000 + 1200);
    double hz = afx_frequency(whole.p, whole.n, AUDIO_RATE);
    if (hz < 430 || hz > 450)
        fail_msg("%d Hz x%d: tone at %.1f Hz", rate, channels, hz);
    int peak = afx_peak(whole.p, whole.n);
    assert_true(peak > 7000 && peak < 13000);
    size_t cuts[] = {1, 97, 1000};
    for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
        decoded d = run(AUDIO_WEBM, wm, len, cuts[c]);
        if (d.feed_st != IG_OK || d.finish_st != IG_OK)
            fail_msg("cut %zu: %s", cuts[c], d.err.msg);
        assert_int_equal(d.n, whole.n);
        assert_memory_equal(d.p, whole.p, whole.n * sizeof *d.p);
        /* incremental: all but the last block or so come out before the end */
        assert_true(d.before_finish + 2000 >= d.n);
        free(d.p);
    }
    free(whole.p);
    free(wm);
    free(tone);
}

static void test_webm_browser_like(void **state)
{
    (void)state;
    check_webm(48000, 2, true);  /* Chrome: 48 kHz stereo, live sizes */
    check_webm(48000, 1, false); /* Firefox-like: known sizes */
    check_webm(16000, 1, false);
}

static void test_webm_malformed(void **state)
{
    (void)state;
    size_t len;
    int16_t *tone = afx_tone(16000, 16000, 1, 440, 10000);
    unsigned char *wm = afx_webm(tone, 16000, 16000, 1, true, &len);
    /* truncated in the middle: the audio before the cut, then a clear error */
    decoded d = run(AUDIO_WEBM, wm, len / 2, 500);
    expect_error(&d, IG_EINVAL, "cut inside an element");
    assert_true(d.n > 4000 && d.n < 12000);
    free(d.p);
    /* cut inside the header */
    d = run(AUDIO_WEBM, wm, 30, 0);
    expect_error(&d, IG_EINVAL, "cut inside its header");
    free(d.p);
    d = run(AUDIO_WEBM, "", 0, 0);
    expect_error(&d, IG_EINVAL, "empty WebM");
    free(d.p);
    d = run(AUDIO_WEBM, "RIFF\x10\0\0\0WAVEfmt ", 16, 0);
    expect_error(&d, IG_EINVAL, "not a WebM stream");
    free(d.p);
    /* an EBML header, then bytes that are no element */
    unsigned char junk[64];
    memcpy(junk, wm, 4);
    junk[4] = 0x80; /* empty EBML header */
    memset(junk + 5, 0, sizeof junk - 5);
    d = run(AUDIO_WEBM, junk, sizeof junk, 0);
    expect_error(&d, IG_EINVAL, "malformed WebM");
    free(d.p);
    /* a block that never ends */
    unsigned char *big = malloc(AUDIO_MAX_PENDING + 64);
    assert_non_null(big);
    memcpy(big, wm, 200);
    memset(big + 200, 0xA3, AUDIO_MAX_PENDING - 136);
    d = run(AUDIO_WEBM, big, AUDIO_MAX_PENDING + 64, 65536);
    assert_true(d.feed_st == IG_ETOOBIG || d.feed_st == IG_EINVAL);
    free(d.p);
    free(big);
    /* corrupted bytes anywhere: an error or audio, never a crash */
    for (size_t at = 0; at < len; at += 37) {
        unsigned char *c = malloc(len);
        assert_non_null(c);
        memcpy(c, wm, len);
        c[at] ^= 0x5A;
        c[(at * 7 + 3) % len] ^= 0xFF;
        d = run(AUDIO_WEBM, c, len, 333);
        assert_true(d.n <= 16000 + 2000);
        free(d.p);
        free(c);
    }
    free(wm);
    free(tone);
}

/* A few bytes of Opus can stand for a lot of audio: the seconds cap stops it. */
static void test_webm_seconds_cap(void **state)
{
    (void)state;
    size_t len;
    int16_t *tone = afx_tone(16000 * 3, 16000, 1, 440, 10000);
    unsigned char *wm = afx_webm(tone, 16000 * 3, 16000, 1, false, &len);
    audio_decoder *dec = NULL;
    ig_err err = {0};
    const int16_t *pcm;
    size_t n;
    assert_int_equal(audio_decoder_open(AUDIO_WEBM, 1, &dec, &err), IG_OK);
    ig_status st = audio_decoder_feed(dec, wm, len, &pcm, &n, &err);
    assert_int_equal(st, IG_ETOOBIG);
    assert_non_null(strstr(err.msg, "more than 1 seconds"));
    audio_decoder_close(dec);
    free(wm);
    free(tone);
}

int main(void)
{
    audio_quiet_library_logs();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_names),
        cmocka_unit_test(test_pcm16_any_cut),
        cmocka_unit_test(test_wav_16k_mono),
        cmocka_unit_test(test_wav_resampled_and_mixed),
        cmocka_unit_test(test_wav_chunks_and_sizes),
        cmocka_unit_test(test_wav_malformed),
        cmocka_unit_test(test_sticky_errors),
        cmocka_unit_test(test_seconds_cap),
        cmocka_unit_test(test_webm_browser_like),
        cmocka_unit_test(test_webm_malformed),
        cmocka_unit_test(test_webm_seconds_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

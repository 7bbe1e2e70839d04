/* Tests for ai/asr_sphinx (through ai/asr.h): real read speech from Debian's pocketsphinx-testdata
 * (LibriVox readings, "go forward ten meters", playing cards), fed in 100 ms chunks in real-time
 * order, gives partial results while it is spoken and finals whose pooled word error rate against
 * the reference transcripts is under 40%; streams beyond the decoders queue, say so, and get
 * their turn; a decoder held by a stream gone quiet goes to a waiting one; Chinese is refused with
 * a message for the user; caps and states are enforced. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ai/asr_sphinx.h"
#include "ai/audio.h"

#define TESTDATA "/usr/share/pocketsphinx/test/data/"
#define CHUNK 1600 /* 100 ms */

typedef struct clip {
    const char *path;
    const char *ref;
} clip;

static const clip CLIPS[] = {
    {TESTDATA "librivox/sense_and_sensibility_01_austen_64kb-0870.wav",
     "and mister john dashwood had then leisure to consider how much there might be prudently in his power to do "
     "for them"},
    {TESTDATA "librivox/sense_and_sensibility_01_austen_64kb-0880.wav", "he was not an ill disposed young man"},
    {TESTDATA "librivox/sense_and_sensibility_01_austen_64kb-0890.wav",
     "unless to be rather cold hearted and rather selfish is to be ill disposed"},
    {TESTDATA "librivox/sense_and_sensibility_01_austen_64kb-0920.wav",
     "had he married a more a amiable woman he might have been made still more respectable than he was"},
    {TESTDATA "librivox/sense_and_sensibility_01_austen_64kb-0930.wav", "he might even have been made amiable himself"},
    {TESTDATA "goforward.raw", "go forward ten meters"},
    {TESTDATA "cards/001.wav", "ten of clubs"},
    {TESTDATA "cards/002.wav", "four queen of clubs"},
    {TESTDATA "cards/003.wav", "seven of clubs"},
    {TESTDATA "cards/004.wav", "five five"},
    {TESTDATA "cards/005.wav", "eight of spades four of clubs seven of hearts"},
};
#define NCLIPS (sizeof CLIPS / sizeof CLIPS[0])

/* A clip's samples (16 kHz mono), decoded by ai/audio from its WAV or raw file. */
typedef struct pcm {
    int16_t *p;
    size_t n;
} pcm;

static pcm load(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        fail_msg("cannot open %s (Debian package pocketsphinx-testdata)", path);
    static unsigned char bytes[4 << 20];
    size_t len = fread(bytes, 1, sizeof bytes, fp);
    fclose(fp);
    size_t pl = strlen(path);
    audio_format f = pl > 4 && strcmp(path + pl - 4, ".wav") == 0 ? AUDIO_WAV : AUDIO_PCM16;
    audio_decoder *d = NULL;
    ig_err err = {0};
    assert_int_equal(audio_decoder_open(f, 600, &d, &err), IG_OK);
    pcm out = {malloc(len * 2 + 2), 0};
    assert_non_null(out.p);
    const int16_t *s;
    size_t k;
    assert_int_equal(audio_decoder_feed(d, bytes, len, &s, &k, &err), IG_OK);
    memcpy(out.p, s, k * 2);
    out.n = k;
    assert_int_equal(audio_decoder_finish(d, &s, &k, &err), IG_OK);
    memcpy(out.p + out.n, s, k * 2);
    out.n += k;
    audio_decoder_close(d);
    return out;
}

/* What a stream's callback saw. */
typedef struct heard {
    int partials, finals;
    char text[4096];     /* the last transcript */
    char finals_text[4096]; /* the finals' texts, space-separated */
    double last_conf;
    double last_end;
    bool times_ok;
} heard;

static void on_result(const asr_result *r, void *arg)
{
    heard *h = arg;
    assert_int_equal(strlen(r->text), r->text_len);
    assert_int_equal(strlen(r->transcript), r->transcript_len);
    assert_true(r->confidence >= 0 && r->confidence <= 1);
    if (!(r->start_s >= 0 && r->end_s >= r->start_s && r->audio_s + 1e-9 >= r->end_s))
        h->times_ok = false;
    snprintf(h->text, sizeof h->text, "%s", r->transcript);
    if (r->is_final) {
        h->finals++;
        size_t n = strlen(h->finals_text);
        snprintf(h->finals_text + n, sizeof h->finals_text - n, "%s%s", n ? " " : "", r->text);
        h->last_conf = r->confidence;
        h->last_end = r->end_s;
    } else {
        h->partials++;
        assert_float_equal(r->confidence, 0, 0);
    }
}

static asr_engine *engine(int decoders, int idle_ms)
{
    asr_engine *e = NULL;
    ig_err err = {0};
    asr_sphinx_opts o = {.decoders = decoders, .max_seconds = 120, .idle_ms = idle_ms};
    if (asr_sphinx_open(&o, &e, &err) != IG_OK)
        fail_msg("%s", err.msg);
    return e;
}

static asr_stream *open_stream(asr_engine *e, heard *h)
{
    memset(h, 0, sizeof *h);
    h->times_ok = true;
    asr_stream *s = NULL;
    ig_err err = {0};
    asr_stream_opts o = {.language = "en-US", .on_result = on_result, .arg = h};
    assert_int_equal(asr_stream_open(e, &o, &s, &err), IG_OK);
    return s;
}

static void feed(asr_stream *s, const int16_t *p, size_t n)
{
    ig_err err = {0};
    if (asr_stream_feed(s, p, n, &err) != IG_OK)
        fail_msg("feed: %s", err.msg);
}

static void finish(asr_stream *s)
{
    ig_err err = {0};
    if (asr_stream_finish(s, &err) != IG_OK)
        fail_msg("finish: %s", err.msg);
}

/* Streams a clip in 100 ms chunks and finishes. */
static void transcribe(asr_engine *e, const pcm *a, heard *h)
{
    asr_stream *s = open_stream(e, h);
    for (size_t at = 0; at < a->n; at += CHUNK)
        feed(s, a->p + at, a->n - at < CHUNK ? a->n - at : CHUNK);
    finish(s);
    asr_stream_close(s);
}

/* Word-level edit distance between ref and hyp (space-separated, lower case). */
static size_t split(const char *s, char words[][32], size_t max)
{
    size_t n = 0;
    while (*s && n < max) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        size_t k = 0;
        while (*s && *s != ' ') {
            if (k < 31)
                words[n][k++] = *s;
            s++;
        }
        words[n++][k] = '\0';
    }
    return n;
}

static size_t edits(const char *ref, const char *hyp, size_t *ref_words)
{
    static char r[128][32], h[128][32];
    size_t nr = split(ref, r, 128), nh = split(hyp, h, 128);
    static size_t d[129][129];
    for (size_t i = 0; i <= nr; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= nh; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= nr; i++)
        for (size_t j = 1; j <= nh; j++) {
            size_t sub = d[i - 1][j - 1] + (strcmp(r[i - 1], h[j - 1]) != 0);
            size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
            d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
    *ref_words = nr;
    return d[nr][nh];
}

static void test_read_speech_wer(void **state)
{
    (void)state;
    asr_engine *e = engine(1, 0);
    size_t errs = 0, words = 0;
    int partial_clips = 0;
    for (size_t c = 0; c < NCLIPS; c++) {
        pcm a = load(CLIPS[c].path);
        heard h;
        transcribe(e, &a, &h);
        size_t rw, ed = edits(CLIPS[c].ref, h.text, &rw);
        errs += ed;
        words += rw;
        printf("  %-60s %2zu/%2zu  [%s]\n", strrchr(CLIPS[c].path, '/') + 1, ed, rw, h.text);
        assert_true(h.finals >= 1);
        assert_true(h.times_ok);
        assert_string_equal(h.text, h.finals_text); /* the transcript is the finals */
        assert_true(h.last_end <= (double)a.n / 16000 + 1e-9);
        partial_clips += h.partials > 0;
        if (a.n >= 16000 * 3)
            assert_true(h.partials >= 2); /* partials while the speech arrives */
        free(a.p);
    }
    double wer = (double)errs / (double)words;
    printf("  pooled WER %.1f%% (%zu errors / %zu words, %zu clips)\n", 100 * wer, errs, words, NCLIPS);
    assert_true(wer < 0.40);
    assert_true(partial_clips >= 5);
    asr_engine_close(e);
}

/* A final with a real confidence for clear speech; segments end at pauses. */
static void test_final_confidence(void **state)
{
    (void)state;
    asr_engine *e = engine(1, 0);
    pcm a = load(TESTDATA "goforward.raw");
    /* the clip twice with two seconds of silence between: two segments */
    size_t gap = 32000, n = 2 * a.n + gap;
    int16_t *two = calloc(n, sizeof *two);
    assert_non_null(two);
    memcpy(two, a.p, a.n * 2);
    memcpy(two + a.n + gap, a.p, a.n * 2);
    pcm b = {two, n};
    heard h;
    transcribe(e, &b, &h);
    assert_string_equal(h.text, "go forward ten meters go forward ten meters");
    assert_int_equal(h.finals, 2);
    assert_true(h.last_conf > 0.5);
    free(two);
    free(a.p);
    asr_engine_close(e);
}

/* Three streams, one decoder: the others queue in order and say so, buffer their audio while the
 * holder speaks, and get their turn at its pause. */
static void test_pool_queue(void **state)
{
    (void)state;
    asr_engine *e = engine(1, 2000);
    pcm a = load(TESTDATA "goforward.raw"), b = load(TESTDATA "cards/005.wav");
    heard h[3];
    asr_stream *s[3];
    for (int i = 0; i < 3; i++)
        s[i] = open_stream(e, &h[i]);
    asr_stream_info info;
    asr_stream_info_get(s[0], &info);
    assert_int_equal(info.queue_position, 0);
    asr_stream_info_get(s[1], &info);
    assert_false(info.waiting); /* in line, but nothing to recognise yet */
    assert_int_equal(info.queue_position, 1);
    asr_stream_info_get(s[2], &info);
    assert_int_equal(info.queue_position, 2);
    /* the holder is mid-sentence */
    size_t mid = a.n * 3 / 5, at = 0;
    for (; at < mid; at += CHUNK)
        feed(s[0], a.p + at, CHUNK);
    assert_true(h[0].partials > 0);
    /* the others speak meanwhile: buffered, not recognised */
    for (size_t k = 0; k < 5 * CHUNK; k += CHUNK) {
        feed(s[1], b.p + k, CHUNK);
        feed(s[2], b.p + k, CHUNK);
    }
    asr_stream_info_get(s[1], &info);
    assert_true(info.waiting);
    assert_int_equal(info.queue_position, 1);
    assert_float_equal(info.audio_s, 0.5, 1e-9);
    assert_float_equal(info.decoded_s, 0, 0);
    asr_stream_info_get(s[2], &info);
    assert_true(info.waiting);
    assert_int_equal(info.queue_position, 2);
    asr_stream_info_get(s[0], &info);
    assert_false(info.waiting);
    assert_float_equal(info.decoded_s, info.audio_s, 1e-9);
    /* everyone goes on in real-time order; the decoder changes hands at pauses */
    for (size_t k = 5 * CHUNK; at < a.n || k < b.n; at += CHUNK, k += CHUNK) {
        if (at < a.n)
            feed(s[0], a.p + at, a.n - at < CHUNK ? a.n - at : CHUNK);
        for (int i = 1; i < 3; i++)
            if (k < b.n)
                feed(s[i], b.p + k, b.n - k < CHUNK ? b.n - k : CHUNK);
    }
    for (int i = 0; i < 3; i++) {
        finish(s[i]);
        asr_stream_info_get(s[i], &info);
        assert_false(info.waiting);
        assert_float_equal(info.decoded_s, info.audio_s, 1e-9);
    }
    /* a decoder adapts to each speaker, so sharing it differs from a lone run: a little slack */
    size_t rw;
    assert_string_equal(h[0].text, "go forward ten meters");
    assert_true(edits("eight of spades four of clubs seven of hearts", h[1].text, &rw) <= 3);
    assert_true(edits("eight of spades four of clubs seven of hearts", h[2].text, &rw) <= 3);
    for (int i = 0; i < 3; i++)
        asr_stream_close(s[i]);
    free(a.p);
    free(b.p);
    asr_engine_close(e);
}

/* Closing a queued stream and a holding one leaves the pool usable. */
static void test_pool_close_anywhere(void **state)
{
    (void)state;
    asr_engine *e = engine(1, 60000);
    pcm a = load(TESTDATA "goforward.raw");
    heard h[3];
    asr_stream *s0 = open_stream(e, &h[0]), *s1 = open_stream(e, &h[1]), *s2 = open_stream(e, &h[2]);
    feed(s0, a.p, a.n / 2);
    feed(s1, a.p, a.n);
    asr_stream_close(s1); /* queued */
    asr_stream_close(s0); /* holding, mid-speech */
    asr_stream_info info;
    asr_stream_info_get(s2, &info);
    assert_int_equal(info.queue_position, 0); /* the freed decoder went to it */
    feed(s2, a.p, a.n);
    finish(s2);
    assert_string_equal(h[2].text, "go forward ten meters");
    asr_stream_close(s2);
    free(a.p);
    asr_engine_close(e);
}

/* A holder that went quiet mid-speech loses its decoder to a waiting stream; its words so far
 * arrive as a final at its next call. */
static void test_idle_holder(void **state)
{
    (void)state;
    asr_engine *e = engine(1, 100);
    pcm a = load(TESTDATA "librivox/sense_and_sensibility_01_austen_64kb-0930.wav"), b = load(TESTDATA "goforward.raw");
    heard ha, hb;
    asr_stream *sa = open_stream(e, &ha), *sb = open_stream(e, &hb);
    size_t half = a.n * 3 / 5;
    for (size_t at = 0; at < half; at += CHUNK)
        feed(sa, a.p + at, half - at < CHUNK ? half - at : CHUNK);
    feed(sb, b.p, b.n);
    asr_stream_info info;
    asr_stream_info_get(sb, &info);
    assert_true(info.waiting);
    struct timespec ts = {0, 150 * 1000000L};
    nanosleep(&ts, NULL);
    finish(sb); /* takes the quiet stream's decoder */
    assert_string_equal(hb.text, "go forward ten meters");
    assert_int_equal(ha.finals, 0);
    feed(sa, a.p + half, CHUNK);
    assert_int_equal(ha.finals, 1); /* what it said before going quiet */
    assert_non_null(strstr(ha.finals_text, "he might"));
    feed(sa, a.p + half + CHUNK, a.n - half - CHUNK);
    finish(sa);
    assert_ptr_equal(strstr(ha.text, "he might"), ha.text);
    assert_true(ha.finals >= 2);
    asr_stream_close(sa);
    asr_stream_close(sb);
    free(a.p);
    free(b.p);
    asr_engine_close(e);
}

typedef struct worker {
    asr_engine *e;
    const pcm *a;
    heard h;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    transcribe(w->e, w->a, &w->h);
    return NULL;
}

/* More threads than decoders: every stream completes with the right words. */
static void test_pool_threads(void **state)
{
    (void)state;
    asr_engine *e = engine(2, 0);
    pcm a = load(TESTDATA "goforward.raw");
    worker w[5];
    pthread_t t[5];
    for (int i = 0; i < 5; i++) {
        w[i] = (worker){.e = e, .a = &a};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 5; i++) {
        pthread_join(t[i], NULL);
        assert_string_equal(w[i].h.text, "go forward ten meters");
    }
    free(a.p);
    asr_engine_close(e);
}

typedef struct racer {
    asr_engine *e;
    const pcm *a;
    heard h;
    asr_stream_info info;
} racer;

/* Streams in real-time-like order with short gaps between chunks, so that decoders keep being
 * taken from quiet holders mid-speech by other threads. */
static void *race(void *arg)
{
    racer *r = arg;
    asr_stream *s = open_stream(r->e, &r->h);
    struct timespec gap = {0, 40 * 1000000L};
    for (size_t at = 0; at < r->a->n; at += CHUNK) {
        feed(s, r->a->p + at, r->a->n - at < CHUNK ? r->a->n - at : CHUNK);
        nanosleep(&gap, NULL);
    }
    finish(s);
    asr_stream_info_get(s, &r->info);
    asr_stream_close(s);
    return NULL;
}

/* One decoder, four speakers and an idle limit of a millisecond: the pool hands the decoder
 * around mid-speech without losing audio, deadlocking or corrupting a stream. */
static void test_pool_stress(void **state)
{
    (void)state;
    asr_engine *e = engine(1, 1);
    pcm a = load(TESTDATA "goforward.raw");
    racer r[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        r[i] = (racer){.e = e, .a = &a};
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_true(r[i].h.finals >= 1);
        assert_true(r[i].h.times_ok);
        assert_true(strlen(r[i].h.text) > 0); /* words cut mid-speech may come out different */
        assert_float_equal(r[i].info.decoded_s, r[i].info.audio_s, 1e-9);
        assert_false(r[i].info.waiting);
    }
    free(a.p);
    asr_engine_close(e);
}

static void test_languages_and_caps(void **state)
{
    (void)state;
    asr_engine *e = engine(1, 0);
    assert_true(asr_supports(e, "en"));
    assert_true(asr_supports(e, "en_GB"));
    assert_false(asr_supports(e, "zh"));
    assert_false(asr_supports(e, "zh-CN"));
    asr_stream *s = NULL;
    ig_err err = {0};
    asr_stream_opts o = {.language = "zh-CN"};
    assert_int_equal(asr_stream_open(e, &o, &s, &err), IG_EINVAL);
    assert_null(s);
    assert_non_null(strstr(err.msg, "Chinese"));
    assert_non_null(strstr(err.msg, "type your answer"));
    assert_non_null(strstr(err.msg, "中文"));
    o.language = "fr";
    assert_int_equal(asr_stream_open(e, &o, &s, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "fr"));
    /* the audio cap */
    o = (asr_stream_opts){.language = "en", .max_seconds = 1};
    assert_int_equal(asr_stream_open(e, &o, &s, &err), IG_OK);
    static int16_t silence[16000];
    assert_int_equal(asr_stream_feed(s, silence, 16000, &err), IG_OK);
    assert_int_equal(asr_stream_feed(s, silence, 1, &err), IG_ETOOBIG);
    assert_non_null(strstr(err.msg, "more than 1 seconds"));
    assert_int_equal(asr_stream_finish(s, &err), IG_ETOOBIG); /* the error sticks */
    asr_stream_close(s);
    /* finish once; silence alone gives no final */
    heard h;
    s = open_stream(e, &h);
    feed(s, silence, 16000);
    finish(s);
    assert_int_equal(h.finals, 0);
    assert_int_equal(asr_stream_finish(s, &err), IG_ESTATE);
    assert_int_equal(asr_stream_feed(s, silence, 10, &err), IG_ESTATE);
    asr_stream_close(s);
    asr_engine_close(e);
    /* a missing model is named */
    asr_sphinx_opts bad = {.model_dir = "/nonexistent", .decoders = 1, .max_seconds = 10};
    assert_int_equal(asr_sphinx_open(&bad, &e, &err), IG_EIO);
    assert_non_null(strstr(err.msg, "pocketsphinx-en-us"));
    bad = (asr_sphinx_opts){.decoders = 0, .max_seconds = 10};
    assert_int_equal(asr_sphinx_open(&bad, &e, &err), IG_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_speech_wer),
        cmocka_unit_test(test_final_confidence),
        cmocka_unit_test(test_pool_queue),
        cmocka_unit_test(test_pool_close_anywhere),
        cmocka_unit_test(test_idle_holder),
        cmocka_unit_test(test_pool_threads),
        cmocka_unit_test(test_pool_stress),
        cmocka_unit_test(test_languages_and_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

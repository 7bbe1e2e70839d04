/* Live transcription throughput: the real-time factor of PocketSphinx alone and through our stream
 * API (ai/asr_sphinx.h, 100 ms chunks, partials and finals), of WebM/Opus decoding (ai/audio.h),
 * and how many simultaneous real-time streams the machine keeps up with. Built by
 * `make bench-asr` and run by bench/asr.sh (which pins the single-stream part to one core).
 *
 * Usage: asr_bench rtf [REPEATS]
 *        asr_bench streams MAX_STREAMS DECODERS SECONDS
 *   rtf: one thread, one decoder, the read speech of pocketsphinx-testdata (11 clips, 37 s), each
 *     measure repeated (default 3) and the best kept: on a shared machine other load only adds.
 *   streams: N = 1, 2, 3, 4, 6, 8, 12, ... MAX_STREAMS threads, each streaming SECONDS of speech (the clips
 *     with a second of silence between them) in 100 ms chunks at real-time pace; DECODERS 0 gives
 *     each stream a decoder, else the pool has DECODERS. After each chunk, the transcript's lag is
 *     how late the feed returned plus the audio still waiting for a decoder. A run keeps up when
 *     the p99 lag and every final's delay after the end of its audio are within a second. */
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ai/asr_sphinx.h"
#include "ai/audio.h"
#include "audio_fixtures.h"

#define TESTDATA "/usr/share/pocketsphinx/test/data/"
#define CHUNK 1600
#define KEEP_UP_S 1.0

static const char *const CLIPS[] = {
    "librivox/sense_and_sensibility_01_austen_64kb-0870.wav", "librivox/sense_and_sensibility_01_austen_64kb-0880.wav",
    "librivox/sense_and_sensibility_01_austen_64kb-0890.wav", "librivox/sense_and_sensibility_01_austen_64kb-0920.wav",
    "librivox/sense_and_sensibility_01_austen_64kb-0930.wav", "goforward.raw", "cards/001.wav", "cards/002.wav",
    "cards/003.wav", "cards/004.wav", "cards/005.wav",
};
#define NCLIPS (sizeof CLIPS / sizeof CLIPS[0])

typedef struct pcm {
    int16_t *p;
    size_t n;
} pcm;

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "asr_bench: %s: %s\n", what, why);
    exit(1);
}

/* Every clip decoded to 16 kHz mono, in order. */
static pcm clips[NCLIPS];

static void load_clips(void)
{
    static unsigned char bytes[4 << 20];
    for (size_t c = 0; c < NCLIPS; c++) {
        char path[512];
        snprintf(path, sizeof path, TESTDATA "%s", CLIPS[c]);
        FILE *fp = fopen(path, "rb");
        if (fp == NULL)
            die(path, "missing (Debian package pocketsphinx-testdata)");
        size_t len = fread(bytes, 1, sizeof bytes, fp);
        fclose(fp);
        audio_decoder *d = NULL;
        ig_err err = {0};
        const int16_t *s;
        size_t k;
        bool wav = strstr(path, ".wav") != NULL;
        if (audio_decoder_open(wav ? AUDIO_WAV : AUDIO_PCM16, 600, &d, &err) != IG_OK ||
            audio_decoder_feed(d, bytes, len, &s, &k, &err) != IG_OK)
            die(path, err.msg);
        clips[c].p = malloc((len + 2) * sizeof *clips[c].p);
        memcpy(clips[c].p, s, k * 2);
        clips[c].n = k;
        if (audio_decoder_finish(d, &s, &k, &err) != IG_OK)
            die(path, err.msg);
        memcpy(clips[c].p + clips[c].n, s, k * 2);
        clips[c].n += k;
        audio_decoder_close(d);
    }
}

/* At least seconds of speech: the clips in a loop, a second of silence after each. */
static pcm speech(double seconds)
{
    size_t want = (size_t)(seconds * AUDIO_RATE), n = 0, cap = want + 16000 * 60;
    pcm out = {calloc(cap, sizeof *out.p), 0};
    for (size_t c = 0; n < want; c = (c + 1) % NCLIPS) {
        memcpy(out.p + n, clips[c].p, clips[c].n * 2);
        n += clips[c].n + AUDIO_RATE;
    }
    out.n = n;
    return out;
}

static void on_result(const asr_result *r, void *arg)
{
    size_t *finals = arg;
    *finals += r->is_final;
}

static asr_engine *engine(int decoders)
{
    asr_engine *e = NULL;
    ig_err err = {0};
    asr_sphinx_opts o = {.decoders = decoders, .max_seconds = 3600};
    if (asr_sphinx_open(&o, &e, &err) != IG_OK)
        die("engine", err.msg);
    return e;
}

static long rss_kib(void)
{
    FILE *fp = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (fp != NULL && fgets(line, sizeof line, fp))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    if (fp != NULL)
        fclose(fp);
    return kib;
}

/* ---- rtf ---- */

typedef void (*pass_fn)(void *arg);

/* Runs fn repeats times and prints the best wall and CPU time (other load only ever adds). */
static void timed(const char *name, pass_fn fn, void *arg, double audio_s, int repeats)
{
    double wall = 1e9, cpu = 1e9;
    for (int r = 0; r < repeats; r++) {
        double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID), t0 = now_s();
        fn(arg);
        double w = now_s() - t0, c = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
        wall = w < wall ? w : wall;
        cpu = c < cpu ? c : cpu;
    }
    printf("%-46s %8.1f %8.3f %8.3f %8.4f %8.4f  %6.0fx\n", name, audio_s, wall, cpu, wall / audio_s, cpu / audio_s,
           audio_s / cpu);
    fflush(stdout);
}

typedef struct alone {
    ps_decoder_t *ps;
    size_t chunk; /* 0: whole clips */
} alone;

/* Every clip through PocketSphinx's own API, one utterance each. */
static void sphinx_pass(void *arg)
{
    const alone *a = arg;
    for (size_t c = 0; c < NCLIPS; c++) {
        ps_start_utt(a->ps);
        size_t step = a->chunk ? a->chunk : clips[c].n;
        for (size_t at = 0; at < clips[c].n; at += step)
            ps_process_raw(a->ps, clips[c].p + at, clips[c].n - at < step ? clips[c].n - at : step, FALSE,
                           a->chunk == 0);
        ps_end_utt(a->ps);
    }
}

/* Every clip through our stream API in 100 ms chunks: partials, segments, finals. */
static void stream_pass(void *arg)
{
    asr_engine *e = arg;
    size_t finals = 0;
    asr_stream_opts o = {.language = "en", .on_result = on_result, .arg = &finals};
    for (size_t c = 0; c < NCLIPS; c++) {
        asr_stream *s = NULL;
        ig_err err = {0};
        if (asr_stream_open(e, &o, &s, &err) != IG_OK)
            die("open", err.msg);
        for (size_t at = 0; at < clips[c].n; at += CHUNK)
            if (asr_stream_feed(s, clips[c].p + at, clips[c].n - at < CHUNK ? clips[c].n - at : CHUNK, &err) != IG_OK)
                die("feed", err.msg);
        if (asr_stream_finish(s, &err) != IG_OK)
            die("finish", err.msg);
        asr_stream_close(s);
    }
    if (finals < NCLIPS)
        die("stream API", "a clip gave no final");
}

typedef struct webm_in {
    const unsigned char *p;
    size_t n;
} webm_in;

static void webm_pass(void *arg)
{
    const webm_in *w = arg;
    audio_decoder *d = NULL;
    ig_err err = {0};
    const int16_t *s;
    size_t k;
    if (audio_decoder_open(AUDIO_WEBM, 3600, &d, &err) != IG_OK)
        die("webm", err.msg);
    for (size_t at = 0; at < w->n; at += 1000)
        if (audio_decoder_feed(d, w->p + at, w->n - at < 1000 ? w->n - at : 1000, &s, &k, &err) != IG_OK)
            die("webm", err.msg);
    if (audio_decoder_finish(d, &s, &k, &err) != IG_OK)
        die("webm", err.msg);
    audio_decoder_close(d);
}

static void rtf(double audio_s, int repeats)
{
    printf("%-46s %8s %8s %8s %8s %8s  %7s\n", "one thread, best of the repeats", "audio s", "wall s", "cpu s", "RTF",
           "RTF cpu", "speed");
    /* PocketSphinx's defaults, then the search settings src/ai/asr_sphinx.c uses */
    const char *names[2][2] = {{"PocketSphinx alone, defaults, whole clips", "PocketSphinx alone, defaults, 100 ms chunks"},
                               {"PocketSphinx alone, ours, whole clips", "PocketSphinx alone, ours, 100 ms chunks"}};
    for (int k = 0; k < 2; k++) {
        cmd_ln_t *cfg = cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", ASR_SPHINX_MODEL_DIR "/en-us", "-lm",
                                    ASR_SPHINX_MODEL_DIR "/en-us.lm.bin", "-dict",
                                    ASR_SPHINX_MODEL_DIR "/cmudict-en-us.dict", "-maxhmmpf", k ? "3000" : "30000",
                                    "-fwdflat", k ? "no" : "yes", NULL);
        alone a = {ps_init(cfg), 0};
        if (a.ps == NULL)
            die("pocketsphinx", "cannot load the model");
        sphinx_pass(&a); /* the model's pages are touched on first use: not timed */
        timed(names[k][0], sphinx_pass, &a, audio_s, repeats);
        a.chunk = CHUNK;
        timed(names[k][1], sphinx_pass, &a, audio_s, repeats);
        ps_free(a.ps);
        cmd_ln_free_r(cfg);
    }

    asr_engine *e = engine(1);
    stream_pass(e); /* makes the pool's decoder and touches its pages: not timed */
    timed("asr stream API, 100 ms chunks (partials, VAD)", stream_pass, e, audio_s, repeats);
    asr_engine_close(e);

    pcm all = speech(60);
    size_t len;
    unsigned char *wm = afx_webm(all.p, all.n, 16000, 1, true, &len);
    webm_in w = {wm, len};
    timed("WebM/Opus to 16 kHz mono, 1000-byte chunks", webm_pass, &w, (double)all.n / AUDIO_RATE, repeats);
    free(wm);
    free(all.p);
}

/* ---- streams ---- */

typedef struct runner {
    asr_engine *e;
    const pcm *a;
    double start;      /* the wall time of the first chunk */
    double max_lag;    /* the stalest the transcript was after a chunk (see run_stream) */
    double *lags;      /* after every chunk */
    size_t n_lags;
    double final_lag;  /* finish's return after the last chunk was due */
    size_t finals;
} runner;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void sleep_until(double t)
{
    double d = t - now_s();
    if (d <= 0)
        return;
    struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
    nanosleep(&ts, NULL);
}

static void *run_stream(void *arg)
{
    runner *r = arg;
    asr_stream *s = NULL;
    ig_err err = {0};
    asr_stream_opts o = {.language = "en", .on_result = on_result, .arg = &r->finals};
    if (asr_stream_open(r->e, &o, &s, &err) != IG_OK)
        die("open", err.msg);
    size_t i = 0;
    for (size_t at = 0; at < r->a->n; at += CHUNK, i++) {
        /* chunk i has been spoken by start + (i + 1) * 0.1 s */
        double due = r->start + (double)(i + 1) * CHUNK / AUDIO_RATE;
        sleep_until(due);
        if (asr_stream_feed(s, r->a->p + at, r->a->n - at < CHUNK ? r->a->n - at : CHUNK, &err) != IG_OK)
            die("feed", err.msg);
        /* how stale the transcript is: the call's overrun, plus audio still waiting for a decoder */
        asr_stream_info info;
        asr_stream_info_get(s, &info);
        double lag = now_s() - due + (info.audio_s - info.decoded_s);
        r->max_lag = lag > r->max_lag ? lag : r->max_lag;
        r->lags[r->n_lags++] = lag;
    }
    double end = r->start + (double)r->a->n / AUDIO_RATE;
    if (asr_stream_finish(s, &err) != IG_OK)
        die("finish", err.msg);
    r->final_lag = now_s() - end;
    asr_stream_close(s);
    return NULL;
}

/* Makes the engine's decoders now and has each recognise a clip, so that neither loading them nor
 * their first, slower pass is timed (a server pays these once, at its first answers). */
static void warm(asr_engine *e, int decoders)
{
    asr_stream **s = calloc((size_t)decoders, sizeof *s);
    ig_err err = {0};
    asr_stream_opts o = {.language = "en"};
    for (int i = 0; i < decoders; i++)
        if (asr_stream_open(e, &o, &s[i], &err) != IG_OK || asr_stream_feed(s[i], clips[0].p, clips[0].n, &err) != IG_OK)
            die("warm-up", err.msg);
    for (int i = 0; i < decoders; i++)
        asr_stream_close(s[i]);
    free(s);
}

static bool run_streams(int n, int decoders, const pcm *a)
{
    int d = decoders > 0 ? decoders : n;
    asr_engine *e = engine(d);
    long rss0 = rss_kib();
    warm(e, d);
    long rss1 = rss_kib();
    runner *r = calloc((size_t)n, sizeof *r);
    pthread_t *t = calloc((size_t)n, sizeof *t);
    double start = now_s() + 0.05, c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < n; i++) {
        /* staggered starts, as people do not all begin on the same 100 ms */
        r[i] = (runner){.e = e, .a = a, .start = start + 0.1 * i / n,
                        .lags = calloc(a->n / CHUNK + 1, sizeof(double))};
        if (pthread_create(&t[i], NULL, run_stream, &r[i]) != 0)
            die("thread", "cannot start");
    }
    double worst_lag = 0, worst_final = 0, sum_final = 0;
    size_t finals = 0, n_lags = 0;
    double *lags = calloc((size_t)n * (a->n / CHUNK + 1), sizeof *lags);
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        memcpy(lags + n_lags, r[i].lags, r[i].n_lags * sizeof *lags);
        n_lags += r[i].n_lags;
        free(r[i].lags);
        worst_lag = r[i].max_lag > worst_lag ? r[i].max_lag : worst_lag;
        worst_final = r[i].final_lag > worst_final ? r[i].final_lag : worst_final;
        sum_final += r[i].final_lag;
        finals += r[i].finals;
    }
    double cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0, audio = (double)a->n / AUDIO_RATE;
    qsort(lags, n_lags, sizeof *lags, cmp_double);
    double p99 = lags[(size_t)(0.99 * (double)(n_lags - 1))];
    free(lags);
    bool ok = p99 <= KEEP_UP_S && worst_final <= KEEP_UP_S;
    printf("%8d %9d %10.3f %10.3f %14.3f %14.3f %10.2f %9.0f %8zu   %s\n", n, d, p99, worst_lag, sum_final / n,
           worst_final, cpu / audio, (double)(rss1 - rss0) / 1024 / d, finals, ok ? "keeps up" : "FALLS BEHIND");
    fflush(stdout);
    free(r);
    free(t);
    asr_engine_close(e);
    return ok;
}

int main(int argc, char **argv)
{
    audio_quiet_library_logs();
    err_set_logfp(NULL);
    load_clips();
    double audio_s = 0;
    for (size_t c = 0; c < NCLIPS; c++)
        audio_s += (double)clips[c].n / AUDIO_RATE;
    if (argc >= 2 && strcmp(argv[1], "rtf") == 0) {
        rtf(audio_s, argc >= 3 ? atoi(argv[2]) : 3);
        return 0;
    }
    if (argc >= 5 && strcmp(argv[1], "streams") == 0) {
        int max = atoi(argv[2]), decoders = atoi(argv[3]);
        pcm a = speech(atof(argv[4]));
        printf("streams of %.1f s of speech each, in real time (100 ms chunks); keeping up = transcript lag p99 "
               "and every final within %.1f s\n",
               (double)a.n / AUDIO_RATE, KEEP_UP_S);
        printf("%8s %9s %10s %10s %14s %14s %10s %9s %8s\n", "streams", "decoders", "lag p99 s", "lag max s",
               "final lag mean", "final lag max", "cpu/audio", "MiB/dec", "finals");
        for (int n = 1; n <= max; n = n < 4 ? n + 1 : n < 8 ? n + 2 : n + 4)
            if (!run_streams(n, decoders, &a))
                break;
        free(a.p);
        return 0;
    }
    fprintf(stderr, "usage: asr_bench rtf [REPEATS] | asr_bench streams MAX_STREAMS DECODERS SECONDS\n");
    return 2;
}

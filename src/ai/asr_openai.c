/* The transcription-endpoint recogniser (see ai/asr_openai.h): streams that buffer samples, the
 * WAV they become, and the one upload at finish. */
#include "ai/asr_openai.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ai/audio.h"
#include "ai/oaclient.h"
#include "ai/openai.h"

#define WAV_HEADER 44

typedef struct asr_openai {
    asr_engine base; /* first: the engine interface */
    oaclient *client;
    char model[128];
    int timeout_ms;
    double max_seconds;
    bool verbose;    /* ask for verbose_json: the model is a Whisper one */
} asr_openai;

typedef struct oa_stream {
    asr_stream base; /* first: the stream interface */
    char lang[3];
    double max_seconds;
    asr_result_fn on_result;
    void *arg;
    int16_t *pcm;
    size_t samples, cap;
    bool finished, failed;
    size_t finals;
    double decoded_s;
} oa_stream;

static void put_u16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v & 0xFF);
    p[1] = (unsigned char)(v >> 8);
}

static void put_u32(unsigned char *p, uint32_t v)
{
    put_u16(p, v & 0xFFFF);
    put_u16(p + 2, v >> 16);
}

ig_status asr_openai_wav(const int16_t *pcm, size_t samples, int rate, unsigned char **out, size_t *len, ig_err *err)
{
    if (samples > (UINT32_MAX - WAV_HEADER) / 2 || rate <= 0)
        return status_errf(err, IG_ETOOBIG, "too much audio for one WAV file");
    size_t data = samples * 2;
    unsigned char *w = malloc(WAV_HEADER + data);
    if (w == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory building a WAV file");
    memcpy(w, "RIFF", 4);
    put_u32(w + 4, (uint32_t)(36 + data));
    memcpy(w + 8, "WAVEfmt ", 8);
    put_u32(w + 16, 16);                  /* fmt chunk size */
    put_u16(w + 20, 1);                   /* PCM */
    put_u16(w + 22, 1);                   /* mono */
    put_u32(w + 24, (uint32_t)rate);
    put_u32(w + 28, (uint32_t)rate * 2);  /* bytes per second */
    put_u16(w + 32, 2);                   /* block align */
    put_u16(w + 34, 16);                  /* bits per sample */
    memcpy(w + 36, "data", 4);
    put_u32(w + 40, (uint32_t)data);
    for (size_t i = 0; i < samples; i++) /* little-endian whatever the host */
        put_u16(w + WAV_HEADER + 2 * i, (uint16_t)pcm[i]);
    *out = w;
    *len = WAV_HEADER + data;
    return IG_OK;
}

/* "en", "en-US", "zh_CN" ... as a two-letter code into out; false for other languages. */
static bool language_code(const char *language, char out[3])
{
    const char *l = language != NULL ? language : "en";
    size_t n = strcspn(l, "-_");
    if (n != 2 || (strncasecmp(l, "en", 2) != 0 && strncasecmp(l, "zh", 2) != 0))
        return false;
    out[0] = (char)(l[0] | 0x20);
    out[1] = (char)(l[1] | 0x20);
    out[2] = '\0';
    return true;
}

static bool oa_supports(const asr_engine *e, const char *language)
{
    (void)e;
    char code[3];
    return language_code(language, code);
}

static ig_status oa_stream_open(asr_engine *e, const asr_stream_opts *o, asr_stream **out, ig_err *err)
{
    asr_openai *a = (asr_openai *)e;
    char code[3];
    if (!language_code(o->language, code))
        return status_errf(err, IG_EINVAL, "live transcription supports English and Chinese only");
    oa_stream *s = calloc(1, sizeof *s);
    if (s == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory opening a transcription stream");
    s->base.engine = e;
    memcpy(s->lang, code, sizeof s->lang);
    s->max_seconds = o->max_seconds > 0 ? o->max_seconds : a->max_seconds;
    s->on_result = o->on_result;
    s->arg = o->arg;
    *out = &s->base;
    return IG_OK;
}

static ig_status oa_stream_feed(asr_stream *st, const int16_t *pcm, size_t samples, ig_err *err)
{
    oa_stream *s = (oa_stream *)st;
    if (s->failed)
        return status_errf(err, IG_ESTATE, "the stream failed earlier");
    if (s->finished)
        return status_errf(err, IG_ESTATE, "the stream is finished");
    if ((double)(s->samples + samples) > s->max_seconds * AUDIO_RATE) {
        s->failed = true;
        return status_errf(err, IG_ETOOBIG, "the answer is longer than %.0f seconds of audio", s->max_seconds);
    }
    if (s->samples + samples > s->cap) {
        size_t ncap = s->cap ? s->cap : AUDIO_RATE * 10;
        while (ncap < s->samples + samples)
            ncap *= 2;
        int16_t *np = realloc(s->pcm, ncap * sizeof *np);
        if (np == NULL) {
            s->failed = true;
            return status_errf(err, IG_ENOMEM, "out of memory buffering audio");
        }
        s->pcm = np;
        s->cap = ncap;
    }
    if (samples > 0)
        memcpy(s->pcm + s->samples, pcm, samples * sizeof *pcm);
    s->samples += samples;
    return IG_OK;
}

/* The text without surrounding blanks: [*start, *start + *n). */
static void trim(const char *t, size_t len, size_t *start, size_t *n)
{
    size_t b = 0, e = len;
    while (b < e && (t[b] == ' ' || t[b] == '\n' || t[b] == '\t' || t[b] == '\r'))
        b++;
    while (e > b && (t[e - 1] == ' ' || t[e - 1] == '\n' || t[e - 1] == '\t' || t[e - 1] == '\r'))
        e--;
    *start = b;
    *n = e - b;
}

static ig_status oa_stream_finish(asr_stream *st, ig_err *err)
{
    oa_stream *s = (oa_stream *)st;
    asr_openai *a = (asr_openai *)st->engine;
    unsigned char *wav = NULL;
    size_t wav_len = 0;
    oaclient_reply r = {0};
    if (s->failed || s->finished)
        return status_errf(err, IG_ESTATE, s->failed ? "the stream failed earlier" : "the stream is finished");
    s->finished = true;
    if (s->samples == 0) /* nothing said */
        return IG_OK;
    ig_status rc = asr_openai_wav(s->pcm, s->samples, AUDIO_RATE, &wav, &wav_len, err);
    if (rc == IG_OK)
        rc = oaclient_transcribe(a->client, a->model, s->lang, a->verbose, wav, wav_len,
                                 oaclient_now_ms() + a->timeout_ms, &r, err);
    free(wav);
    if (rc != IG_OK) {
        s->failed = true;
        oaclient_reply_free(&r);
        return rc;
    }
    double audio_s = (double)s->samples / AUDIO_RATE;
    s->decoded_s = audio_s;
    size_t start, n;
    trim(r.content, r.content_len, &start, &n);
    if (n > ASR_TRANSCRIPT_MAX) {
        n = ASR_TRANSCRIPT_MAX;
        while (n > 0 && ((unsigned char)r.content[start + n] & 0xC0) == 0x80)
            n--;
    }
    if (n > 0) {
        r.content[start + n] = '\0';
        asr_result res = {r.content + start, n, r.content + start, n, r.confidence >= 0 ? r.confidence : 0.0,
                          true, 0.0, audio_s, audio_s};
        s->finals++;
        if (s->on_result != NULL)
            s->on_result(&res, s->arg);
    }
    oaclient_reply_free(&r);
    return IG_OK;
}

static void oa_stream_info(asr_stream *st, asr_stream_info *out)
{
    const oa_stream *s = (const oa_stream *)st;
    memset(out, 0, sizeof *out);
    out->audio_s = (double)s->samples / AUDIO_RATE;
    out->decoded_s = s->decoded_s;
    out->finals = s->finals;
}

static void oa_stream_close(asr_stream *st)
{
    oa_stream *s = (oa_stream *)st;
    free(s->pcm);
    free(s);
}

static void oa_close(asr_engine *e)
{
    asr_openai *a = (asr_openai *)e;
    oaclient_free(a->client);
    free(a);
}

static const asr_engine_ops openai_asr_ops = {
    .name = "openai",
    .supports = oa_supports,
    .stream_open = oa_stream_open,
    .stream_feed = oa_stream_feed,
    .stream_finish = oa_stream_finish,
    .stream_info = oa_stream_info,
    .stream_close = oa_stream_close,
    .close = oa_close,
};

ig_status asr_openai_open(const asr_openai_opts *o, asr_engine **out, ig_err *err)
{
    if (o->model == NULL || o->model[0] == '\0' || strlen(o->model) >= sizeof ((asr_openai *)0)->model)
        return status_errf(err, IG_EINVAL, "ASR_MODEL must name a model (at most 127 bytes)");
    if (o->timeout_ms < 1 || !(o->max_seconds > 0))
        return status_errf(err, IG_EINVAL, "the transcription timeout and audio cap must be positive");
    /* the chat engine's rule: a hosted API needs its key, a local server none */
    if ((o->api_key == NULL || o->api_key[0] == '\0') && o->base_url != NULL && ai_openai_needs_key(o->base_url))
        return status_errf(err, IG_EINVAL,
                           "ASR_ENGINE=openai with %s needs an API key: set OPENAI_API_KEY, or point AI_BASE_URL "
                           "at a local transcription server (faster-whisper, whisper.cpp), which needs none",
                           o->base_url);
    asr_openai *a = calloc(1, sizeof *a);
    if (a == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory opening the transcription engine");
    a->base.ops = &openai_asr_ops;
    snprintf(a->model, sizeof a->model, "%s", o->model);
    a->timeout_ms = o->timeout_ms;
    a->max_seconds = o->max_seconds;
    a->verbose = strcasestr(o->model, "whisper") != NULL;
    oaclient_config cc = {.base_url = o->base_url, .api_key = o->api_key, .max_concurrency = o->max_concurrency};
    ig_status rc = oaclient_new(&cc, &a->client, err);
    if (rc != IG_OK) {
        free(a);
        return rc;
    }
    *out = &a->base;
    return IG_OK;
}

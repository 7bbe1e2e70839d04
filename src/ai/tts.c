/* espeak-ng behind one mutex: synchronous synthesis whose callback appends samples to a growing,
 * capped buffer, then a RIFF/WAVE header in front. */
#include "ai/tts.h"

#include <espeak-ng/speak_lib.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Words per minute: a little under espeak-ng's 175, as an interviewer reads a question. */
#define TTS_RATE 160

struct tts {
    pthread_mutex_t mu;
    bool started;      /* espeak_Initialize succeeded */
    bool failed;       /* it failed once: do not retry on every request */
    int sample_rate;   /* what espeak_Initialize answered */
    char data_path[512];
};

/* The samples of one synthesis, header room first; the callback's user_data. */
typedef struct tts_buf {
    unsigned char *p;
    size_t len, cap;
    bool too_big, nomem;
} tts_buf;

ig_status tts_open(tts **out, const char *data_path, ig_err *err)
{
    *out = NULL;
    tts *t = calloc(1, sizeof *t);
    if (t == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory opening text to speech");
    if (data_path != NULL && strlen(data_path) >= sizeof t->data_path) {
        free(t);
        return status_errf(err, IG_EINVAL, "espeak-ng data path is too long");
    }
    if (data_path != NULL)
        strcpy(t->data_path, data_path);
    if (pthread_mutex_init(&t->mu, NULL) != 0) {
        free(t);
        return status_errf(err, IG_EINTERNAL, "cannot create the text-to-speech lock");
    }
    *out = t;
    return IG_OK;
}

void tts_close(tts *t)
{
    if (t == NULL)
        return;
    if (t->started)
        espeak_Terminate();
    pthread_mutex_destroy(&t->mu);
    free(t);
}

/* Appends samples to the buffer named by the first event's user_data; returning 1 stops espeak-ng. */
static int on_samples(short *wav, int n, espeak_EVENT *events)
{
    tts_buf *b = events != NULL ? events->user_data : NULL;
    if (b == NULL)
        return 1;
    if (wav == NULL || n <= 0)
        return 0;
    size_t bytes = (size_t)n * 2;
    if (b->len - TTS_WAV_HEADER + bytes > TTS_MAX_BYTES) {
        b->too_big = true;
        return 1;
    }
    if (b->len + bytes > b->cap) {
        size_t cap = b->cap * 2;
        while (cap < b->len + bytes)
            cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->nomem = true;
            return 1;
        }
        b->p = p;
        b->cap = cap;
    }
    /* little-endian 16-bit PCM, whatever the host's order */
    for (int i = 0; i < n; i++) {
        uint16_t v = (uint16_t)wav[i];
        b->p[b->len++] = (unsigned char)(v & 0xFF);
        b->p[b->len++] = (unsigned char)(v >> 8);
    }
    return 0;
}

static void put_le(unsigned char *p, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* The 44-byte RIFF/WAVE header of mono 16-bit PCM at rate with data_len bytes of samples. */
static void wav_header(unsigned char *h, int rate, uint32_t data_len)
{
    memcpy(h, "RIFF", 4);
    put_le(h + 4, 36 + data_len, 4);
    memcpy(h + 8, "WAVEfmt ", 8);
    put_le(h + 16, 16, 4);                  /* fmt chunk size */
    put_le(h + 20, 1, 2);                   /* PCM */
    put_le(h + 22, 1, 2);                   /* mono */
    put_le(h + 24, (uint32_t)rate, 4);
    put_le(h + 28, (uint32_t)rate * 2, 4);  /* bytes per second */
    put_le(h + 32, 2, 2);                   /* block align */
    put_le(h + 34, 16, 2);                  /* bits per sample */
    memcpy(h + 36, "data", 4);
    put_le(h + 40, data_len, 4);
}

/* Starts espeak-ng once; under t->mu. */
static ig_status start(tts *t, ig_err *err)
{
    if (t->started)
        return IG_OK;
    if (t->failed)
        return status_errf(err, IG_EIO, "espeak-ng could not start");
    /* DONT_EXIT: without it a missing voice file makes the library call exit() */
    int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, t->data_path[0] ? t->data_path : NULL,
                                 espeakINITIALIZE_DONT_EXIT);
    if (rate <= 0) {
        t->failed = true;
        return status_errf(err, IG_EIO, "espeak-ng could not start (is espeak-ng-data installed?)");
    }
    espeak_SetSynthCallback(on_samples);
    t->sample_rate = rate;
    t->started = true;
    return IG_OK;
}

ig_status tts_wav(tts *t, const char *text, size_t len, const char *lang, unsigned char **wav, size_t *wav_len,
                  ig_err *err)
{
    *wav = NULL;
    *wav_len = 0;
    const char *voice = lang == NULL ? NULL : strcmp(lang, "en") == 0 ? "en" : strcmp(lang, "zh") == 0 ? "cmn" : NULL;
    if (voice == NULL)
        return status_errf(err, IG_EINVAL, "no voice for language '%.8s'", lang != NULL ? lang : "");
    if (text == NULL || len == 0)
        return status_errf(err, IG_EINVAL, "nothing to speak");
    if (len > TTS_MAX_TEXT)
        return status_errf(err, IG_ETOOBIG, "a text of %zu bytes is over %d", len, TTS_MAX_TEXT);
    char *z = malloc(len + 1);
    tts_buf b = {.p = malloc(1 << 16), .len = TTS_WAV_HEADER, .cap = 1 << 16};
    ig_status rc = IG_OK;
    if (z == NULL || b.p == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory speaking");
        goto out;
    }
    memcpy(z, text, len);
    z[len] = '\0';

    pthread_mutex_lock(&t->mu);
    rc = start(t, err);
    if (rc == IG_OK && espeak_SetVoiceByName(voice) != EE_OK)
        rc = status_errf(err, IG_EIO, "espeak-ng has no voice '%s'", voice);
    if (rc == IG_OK)
        espeak_SetParameter(espeakRATE, TTS_RATE, 0);
    espeak_ERROR er = EE_OK;
    if (rc == IG_OK) {
        er = espeak_Synth(z, len + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, NULL, &b);
        if (er == EE_OK)
            er = espeak_Synchronize();
    }
    int rate = t->sample_rate;
    pthread_mutex_unlock(&t->mu);

    if (rc != IG_OK)
        goto out;
    if (b.nomem) {
        rc = status_errf(err, IG_ENOMEM, "out of memory speaking");
        goto out;
    }
    if (b.too_big) {
        rc = status_errf(err, IG_ETOOBIG, "the speech is longer than %u bytes", TTS_MAX_BYTES);
        goto out;
    }
    if (er != EE_OK) {
        rc = status_errf(err, IG_EIO, "espeak-ng failed (%d)", (int)er);
        goto out;
    }
    wav_header(b.p, rate, (uint32_t)(b.len - TTS_WAV_HEADER));
    *wav = b.p;
    *wav_len = b.len;
    b.p = NULL;
out:
    free(z);
    free(b.p);
    return rc;
}

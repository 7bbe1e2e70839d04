/* libFuzzer target for ai/audio: the input is a control byte (format: pcm16, wav or webm; chunk
 * size) and the stream's bytes. Decoding in chunks never crashes, stays within the seconds cap, and
 * when both succeed gives exactly the samples that decoding the stream in one piece gives. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ai/audio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small, so the cap itself gets fuzzed too. */
#define MAX_SECONDS 30.0

typedef struct out {
    int16_t *p;
    size_t n, cap;
    bool ok;
} out;

static void add(out *o, const int16_t *p, size_t n)
{
    if (o->n + n > o->cap) {
        size_t cap = (o->n + n) * 2;
        int16_t *q = realloc(o->p, cap * sizeof *q);
        if (q == NULL)
            __builtin_trap();
        o->p = q;
        o->cap = cap;
    }
    if (n > 0)
        memcpy(o->p + o->n, p, n * sizeof *p);
    o->n += n;
}

static out decode(audio_format f, const uint8_t *data, size_t size, size_t chunk)
{
    out o = {0};
    audio_decoder *d = NULL;
    ig_err err;
    if (audio_decoder_open(f, MAX_SECONDS, &d, &err) != IG_OK)
        __builtin_trap();
    const int16_t *pcm;
    size_t n;
    ig_status st = IG_OK;
    for (size_t at = 0; at < size && st == IG_OK; at += chunk) {
        st = audio_decoder_feed(d, data + at, size - at < chunk ? size - at : chunk, &pcm, &n, &err);
        if (st == IG_OK)
            add(&o, pcm, n);
        else if (err.msg[0] == '\0')
            __builtin_trap(); /* every failure says why */
    }
    if (st == IG_OK) {
        st = audio_decoder_finish(d, &pcm, &n, &err);
        add(&o, pcm, n);
    }
    if (audio_decoder_seconds(d) > MAX_SECONDS || (double)o.n > MAX_SECONDS * AUDIO_RATE + 0.5)
        __builtin_trap();
    o.ok = st == IG_OK;
    audio_decoder_close(d);
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool quiet;
    if (!quiet) {
        audio_quiet_library_logs();
        quiet = true;
    }
    if (size < 1)
        return 0;
    audio_format f = data[0] % 3 == 0 ? AUDIO_PCM16 : data[0] % 3 == 1 ? AUDIO_WAV : AUDIO_WEBM;
    size_t chunk = 1 + (size_t)(data[0] >> 2) * 7;
    data++;
    size--;
    out whole = decode(f, data, size, size ? size : 1), cut = decode(f, data, size, chunk);
    if (whole.ok && cut.ok && (whole.n != cut.n || (whole.n > 0 && memcmp(whole.p, cut.p, whole.n * 2) != 0)))
        __builtin_trap();
    free(whole.p);
    free(cut.p);
    return 0;
}

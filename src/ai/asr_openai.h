/* Speech recognition by an OpenAI-compatible transcription endpoint (POST <base>/audio/transcriptions:
 * OpenAI's Whisper API, faster-whisper and whisper.cpp servers), behind ai/asr.h (ASR_ENGINE=openai).
 *
 * The endpoint takes whole files, not streams: a stream buffers its 16 kHz samples (up to its cap)
 * and at finish uploads them as one WAV file (multipart, through ai/oaclient.h: retries, back-off,
 * a circuit breaker of its own, the deadline, the key kept out of messages), then delivers one
 * final result: the text, confidence exp(mean avg_logprob) of the reply's segments (asked for with
 * verbose_json when the model's name says Whisper), else 0 (unknown). No partial results; a stream
 * never waits for a decoder. English and Chinese are supported (regional forms too). A failed
 * upload is IG_EIO with the reason, and the stream only closes after it. */
#ifndef IG_AI_ASR_OPENAI_H
#define IG_AI_ASR_OPENAI_H

#include <stddef.h>
#include <stdint.h>

#include "ai/asr.h"
#include "core/status.h"

typedef struct asr_openai_opts {
    const char *base_url;  /* with the version, as AI_BASE_URL */
    const char *api_key;   /* NULL or "": none */
    const char *model;     /* ASR_MODEL: "whisper-1", ... */
    int timeout_ms;        /* the most one transcription takes, retries included */
    int max_concurrency;   /* uploads in flight at once */
    double max_seconds;    /* a stream's default audio cap, > 0 (ASR_MAX_UTTERANCE_SECONDS) */
} asr_openai_opts;

/* Makes the engine (call from the main thread: libcurl's global initialisation). *out is the
 * caller's to asr_engine_close. IG_EINVAL for unusable options, a message for the operator among
 * them when there is no key for OpenAI's or DeepSeek's own API (a local server needs none). */
ig_status asr_openai_open(const asr_openai_opts *o, asr_engine **out, ig_err *err);

/* A WAV file (RIFF/WAVE, 16-bit PCM, mono, rate Hz) holding samples: *out (malloc'd, the caller
 * frees) of *len bytes. IG_ETOOBIG past the format's 4 GiB. */
ig_status asr_openai_wav(const int16_t *pcm, size_t samples, int rate, unsigned char **out, size_t *len, ig_err *err);

#endif

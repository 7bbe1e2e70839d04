/* The speech-recognition interface: live transcription of a spoken answer, streamed in as it is
 * spoken. The offline engine is PocketSphinx (ai/asr_sphinx.h); an OpenAI-compatible
 * `/v1/audio/transcriptions` engine can implement the same vtable later, so the Socket.IO
 * handlers never know which one runs.
 *
 * One stream per answer (an utterance in the interview's sense; the recogniser itself may cut it
 * into several segments at pauses). Samples are 16 kHz mono signed 16-bit (ai/audio.h turns
 * pcm16, wav and webm into them). Results arrive through the stream's callback, on the thread
 * that called feed or finish, during that call:
 *   partials  {text, confidence 0, is_final false} while a segment is being spoken, when the
 *             hypothesis changes (at most every ASR_PARTIAL_EVERY_MS of audio);
 *   finals    {text, confidence, is_final true} at the end of each segment: after a pause
 *             (the engine's voice-activity detection) or at finish.
 * Every result also carries the stream's whole transcript so far (finals, then the current
 * partial) and the audio times of its segment, which is what the live analysis (ai/live.h) and
 * `answer_complete` need.
 *
 * Wiring (the realtime handlers): on the first `audio_stream` chunk of an answer, asr_stream_open
 * with the interview's language (an unsupported language fails with a message to show the user:
 * text answers still work); decode each chunk with ai/audio.h and asr_stream_feed the samples;
 * emit `transcript` from the callback; after each feed, asr_stream_info_get says whether the stream is
 * waiting for a decoder (tell the user so in `real_time_analysis`); on `answer_complete`,
 * asr_stream_finish (the last final arrives), then asr_stream_close. Close a stream whose
 * connection went away: a stream holds a decoder only while it is decoding, and an idle one gives
 * its decoder up to a waiting stream (see the engine), but its audio stays buffered until closed.
 *
 * All calls BLOCK (decoding runs at a fraction of real time, and a stream may wait for a pooled
 * decoder): make them from worker threads, never the event loop. An engine is shared by every
 * thread; one stream is used by one thread at a time. */
#ifndef IG_AI_ASR_H
#define IG_AI_ASR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/* Partial results are looked for at most this often, in audio time. */
#define ASR_PARTIAL_EVERY_MS 300
/* The longest transcript a stream keeps, in bytes; text past it is dropped. */
#define ASR_TRANSCRIPT_MAX 65536

typedef struct asr_engine asr_engine;
typedef struct asr_stream asr_stream;

/* One result. The strings are the stream's (NUL-terminated), valid during the callback only. */
typedef struct asr_result {
    const char *text;       /* this segment's words (a partial: the hypothesis so far) */
    size_t text_len;
    const char *transcript; /* every final of the stream, then text: the answer as heard so far */
    size_t transcript_len;
    double confidence;      /* finals: 0..1, the words' mean posterior probability; partials: 0 */
    bool is_final;
    double start_s, end_s;  /* the segment's speech, seconds of the stream's audio */
    double audio_s;         /* audio seconds decoded in the stream so far */
} asr_result;

typedef void (*asr_result_fn)(const asr_result *r, void *arg);

typedef struct asr_stream_opts {
    const char *language; /* "en" or "zh" (regional forms "en-US", "zh_CN" too); NULL: "en" */
    double max_seconds;   /* audio cap of the stream, <= 0: the engine's (ASR_MAX_UTTERANCE_SECONDS) */
    asr_result_fn on_result;
    void *arg;            /* on_result's; borrowed */
} asr_stream_opts;

/* Where a stream stands (asr_stream_info). */
typedef struct asr_stream_info {
    bool waiting;          /* audio is buffered, not yet recognised, because no decoder is free */
    size_t queue_position; /* its place in line for a decoder (1 = next); 0 when it is not in line */
    double audio_s;      /* audio seconds fed */
    double decoded_s;    /* of which recognised */
    size_t finals;       /* final results delivered */
} asr_stream_info;

typedef struct asr_engine_ops {
    const char *name; /* "sphinx", "openai" */
    bool (*supports)(const asr_engine *e, const char *language);
    ig_status (*stream_open)(asr_engine *e, const asr_stream_opts *o, asr_stream **out, ig_err *err);
    ig_status (*stream_feed)(asr_stream *s, const int16_t *pcm, size_t samples, ig_err *err);
    ig_status (*stream_finish)(asr_stream *s, ig_err *err);
    void (*stream_info)(asr_stream *s, asr_stream_info *out);
    void (*stream_close)(asr_stream *s);
    void (*close)(asr_engine *e);
} asr_engine_ops;

/* Engines embed this first. */
struct asr_engine {
    const asr_engine_ops *ops;
};

/* Streams embed this first. */
struct asr_stream {
    asr_engine *engine;
};

/* Whether the engine can transcribe language ("en", "zh", ...). */
static inline bool asr_supports(const asr_engine *e, const char *language)
{
    return e->ops->supports(e, language);
}

/* Opens a stream for one answer. IG_EINVAL for an unknown or unsupported language, with a message
 * meant for the user (the offline engine has no Chinese model: "live transcription of Chinese
 * answers needs a transcription service ... type your answer instead"). *out is the caller's to
 * asr_stream_close. Does not wait for a decoder: a stream that finds none is queued. */
static inline ig_status asr_stream_open(asr_engine *e, const asr_stream_opts *o, asr_stream **out, ig_err *err)
{
    return e->ops->stream_open(e, o, out, err);
}

/* Feeds the next samples (any count, 0 included: a chance for a queued stream to start). Results
 * go to the callback during the call. A queued stream buffers the samples and returns at once;
 * once it has a decoder, the buffered audio is recognised first. IG_ETOOBIG past the stream's cap
 * on seconds, IG_ESTATE after finish, IG_EINTERNAL when the recogniser fails; after an error the
 * stream only closes. */
static inline ig_status asr_stream_feed(asr_stream *s, const int16_t *pcm, size_t samples, ig_err *err)
{
    return s->engine->ops->stream_feed(s, pcm, samples, err);
}

/* The end of the answer: recognises what is buffered (waiting for a decoder if needed) and
 * delivers the last final result (none when nothing was said since the previous final). */
static inline ig_status asr_stream_finish(asr_stream *s, ig_err *err)
{
    return s->engine->ops->stream_finish(s, err);
}

static inline void asr_stream_info_get(asr_stream *s, asr_stream_info *out)
{
    s->engine->ops->stream_info(s, out);
}

/* Ends the stream wherever it is (no more results) and gives its decoder back. NULL is a no-op. */
static inline void asr_stream_close(asr_stream *s)
{
    if (s != NULL)
        s->engine->ops->stream_close(s);
}

/* Every stream must be closed first. NULL is a no-op. */
static inline void asr_engine_close(asr_engine *e)
{
    if (e != NULL)
        e->ops->close(e);
}

#endif

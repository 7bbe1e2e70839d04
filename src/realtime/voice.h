/* Spoken answers over Socket.IO (the seed's audio_stream and answer_complete), on the realtime
 * server (realtime/server.h) beside the handlers of realtime/handlers.h:
 *
 *   audio_stream {session_id, audio, format?, question_id?}
 *       audio: a base64 string (a data: URL too) or a binary attachment; format: pcm16 (16 kHz
 *       mono little-endian, the default), wav or webm (ai/audio.h). Only for an interview the
 *       socket has joined (join_interview): it must be active, with a question to answer (the
 *       current one; question_id, when sent, must be it). The first chunk opens the utterance's
 *       stream: an ASR stream (ai/asr.h) and a live analysis (ai/live.h) of the current question;
 *       every chunk is decoded and recognised in order on the module's worker threads, never the
 *       event loop. Emitted to the interview's room (the socket included):
 *         transcript {session_id, question_id, text, confidence, is_final, transcript, start, end}
 *             partials while speaking, a final at each pause and at answer_complete;
 *         real_time_analysis {session_id, question_id, suggestions, sentiment, metrics}
 *             every VOICE_ANALYSIS_EVERY_S seconds of audio, and at once when the stream starts
 *             waiting for a free decoder (its suggestions say so). Key points only when the
 *             interview was started with hints; pace, fillers and pauses always.
 *   answer_complete {session_id, question_id, answer?, response_time?}
 *       ends the utterance (the last final transcript), then records the answer through
 *       interviews_answer, the REST POST /answers path, with the same rules (another question
 *       than the current one 409, an interview not active 422); the text is `answer` when given,
 *       else what was heard. A spoken answer keeps its delivery metrics (voice_delivery) and its
 *       recording (services/answer_audio.h: answer_audio_url). Then
 *         answer_analysis {score, dimensions, feedback, strengths, improvements, covered_points,
 *             missing_points, engine, session_id, question_id, answer_id, answer_audio_url,
 *             delivery, transcript, follow_up, next_question}
 *       to the room. Without audio it records the typed answer the same way.
 *
 * Bad input answers `error {message, code, status, session_id?}` to the socket (status as the
 * REST API would answer: 400, 404, 409, 413, 422, 429, 503), and the event's acknowledgement, when
 * asked for, is [{success: false, message, code}] (success: [{success: true, ...}]). Limits: an
 * event's audio at most VOICE_CHUNK_MAX bytes, an utterance at most ASR_MAX_UTTERANCE_SECONDS of
 * audio, RT_MAX_STREAMS_PER_USER utterances being transcribed per user at once (over all their
 * sockets), VOICE_PENDING_MAX bytes waiting for a worker per stream. A connection that sends no
 * audio costs nothing here: state is allocated with the first chunk and freed with the utterance.
 * Without an ASR engine (it failed to load) every chunk answers that live transcription is
 * unavailable, and a Chinese interview on an engine without Chinese says that it needs a
 * transcription endpoint (ASR_ENGINE=openai); typed answers work in both cases. */
#ifndef IG_REALTIME_VOICE_H
#define IG_REALTIME_VOICE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "ai/asr.h"
#include "ai/live.h"
#include "core/log.h"
#include "core/status.h"
#include "realtime/server.h"
#include "services/interviews.h"
#include "store/store.h"

/* Bytes of audio one audio_stream event may carry (decoded from base64). */
#define VOICE_CHUNK_MAX (512u * 1024u)
/* Bytes of one stream's audio waiting for its worker: more means the client sends faster than
 * it can be decoded. */
#define VOICE_PENDING_MAX (2u * 1024u * 1024u)
/* Seconds of audio between two real_time_analysis events of a stream. */
#define VOICE_ANALYSIS_EVERY_S 3.0

typedef struct voice_ctx voice_ctx;

/* What the module uses; borrowed, for as long as it runs. */
typedef struct voice_deps {
    uv_loop_t *loop;
    asr_engine *asr;                       /* NULL: live transcription unavailable */
    const live_ctx *live;
    const interviews_service *interviews;
    ig_store *store;
    const ig_log *log;                     /* NULL ok */
} voice_deps;

typedef struct voice_config {
    double max_seconds;       /* ASR_MAX_UTTERANCE_SECONDS: audio of one utterance */
    int max_streams_per_user; /* RT_MAX_STREAMS_PER_USER */
    int threads;              /* worker threads for decoding and recognition, >= 1 */
    const char *data_dir;     /* DATA_DIR, where recordings go (borrowed) */
} voice_config;

/* Starts the worker threads. *out is the caller's: voice_shutdown before the loop's last run,
 * voice_free after it. */
ig_status voice_new(const voice_deps *deps, const voice_config *cfg, voice_ctx **out, ig_err *err);
/* Registers audio_stream, answer_complete and the disconnect hook on rt (before serving). */
ig_status voice_register(voice_ctx *v, rt_server *rt, ig_err *err);
/* Finishes the work in flight (blocking) and stops the threads; what completes later is cleaned
 * up on the spot. Loop thread, after rt_shutdown. */
void voice_shutdown(voice_ctx *v);
void voice_free(voice_ctx *v);

/* ---- pure helpers (exported for the tests) ---- */

typedef enum voice_b64 {
    VOICE_B64_OK,
    VOICE_B64_INVALID,  /* not base64 */
    VOICE_B64_TOO_LARGE /* decodes to more than max bytes (or no memory for them) */
} voice_b64;

/* Decodes the audio string s (n bytes): standard base64, padded or not, whitespace ignored, after
 * an optional data: URL prefix ("data:audio/webm;base64,"). *out (malloc'd, the caller frees;
 * NULL for zero bytes) gets *len bytes. */
voice_b64 voice_base64(const char *s, size_t n, size_t max, unsigned char **out, size_t *len);

/* The delivery metrics kept on a spoken answer, from the utterance's last real_time_analysis
 * payload (live_answer_analyze): {words_per_minute, words, filler_count, filler_rate, pauses,
 * longest_pause, talk_time, speaking_time, answer_time, star, sentiment, confidence (the finals'
 * mean, null when none), audio_seconds, format, engine}. Keys the payload lacks are left out.
 * New reference; NULL on allocation failure. */
json_t *voice_delivery(const json_t *analysis, double confidence, double audio_seconds, const char *format,
                       const char *engine);

/* The utterances each user has open: a small table on the loop thread. */
typedef struct voice_quota_entry {
    int64_t user_id;
    int count;
} voice_quota_entry;

typedef struct voice_quota {
    voice_quota_entry *v;
    size_t n, cap;
} voice_quota;

/* Counts one more for user_id unless it already has max: false then (or out of memory). */
bool voice_quota_take(voice_quota *q, int64_t user_id, int max);
/* Gives one back (users at zero leave the table). */
void voice_quota_put(voice_quota *q, int64_t user_id);
int voice_quota_count(const voice_quota *q, int64_t user_id);
void voice_quota_free(voice_quota *q);

#endif

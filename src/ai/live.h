/* Live delivery analysis of a spoken answer while it is spoken: the `real_time_analysis` payload
 * {suggestions, sentiment, metrics} from what the recogniser has heard so far (ai/asr.h results)
 * and when. It reuses the offline scorer's text statistics (ai/textstats.h: words, fillers, STAR
 * cues, with the lexicons of data/lexicon/) and its key-point matching (ai/score.h), and a
 * sentiment lexicon of its own (data/lexicon/sentiment.tsv, EN + ZH, with negation and
 * intensifiers; .tsv so that textstats, which loads every lexicon/NAME.txt, does not read it).
 *
 * metrics: {"language": "en"|"zh",
 *   "answer_time": s (audio of the answer so far), "talk_time": s (since speech began),
 *   "speaking_time": s (inside speech segments), "words": n (Chinese characters count 1/1.5),
 *   "words_per_minute": n | null (null until LIVE_PACE_MIN_S of speech and LIVE_PACE_MIN_WORDS),
 *   "filler_count": n, "filler_rate": per 100 words,
 *   "pauses": n (gaps of LIVE_LONG_PAUSE_S or more between speech), "longest_pause": s,
 *   "current_pause": s (silence since the last speech, 0 while speaking),
 *   "star": {"situation", "task", "action", "result": bool} (the parts heard),
 *   "key_points": {"covered": [str], "missing": [str]} (only when the interview shows hints),
 *   "recognizer": {"waiting": bool, "queue_position": n}}
 * sentiment: {"label": "positive"|"neutral"|"negative", "score": -1..1}
 * suggestions: at most LIVE_MAX_SUGGESTIONS short, actionable lines in the answer's language,
 *   most urgent first ("Slow down a little", "Give a concrete result, with a number if you
 *   can", "You have talked 3 minutes: wrap up", "语速偏快，放慢一点"), plus a note while the
 *   recogniser is busy and the speech waits in its queue.
 *
 * Wiring (the realtime handlers): live_answer_open when an answer's audio starts (the question as
 * the interview stores it); live_answer_heard for each result of the ASR stream's callback;
 * live_answer_analyze every few seconds of speech (with asr_stream_info_get's info) and emit the
 * payload; live_answer_close after `answer_complete`. The final metrics can be kept on the answer.
 * Calls are CPU-only and short (a few ms for a long answer; key points add a scorer call): fine on
 * a worker thread, not on the event loop. A context is shared by all threads; an answer belongs to
 * one thread at a time. */
#ifndef IG_AI_LIVE_H
#define IG_AI_LIVE_H

#include <jansson.h>
#include <stddef.h>

#include "ai/asr.h"
#include "core/status.h"

typedef struct skills_taxonomy skills_taxonomy;
typedef struct live_ctx live_ctx;
typedef struct live_answer live_answer;

/* A gap between speech segments this long counts as a long pause. */
#define LIVE_LONG_PAUSE_S 3.0
/* Pace is judged after this much speech and this many words. */
#define LIVE_PACE_MIN_S 10.0
#define LIVE_PACE_MIN_WORDS 20
/* Words per minute outside this range ask to slow down / pick up the pace. */
#define LIVE_PACE_FAST 175
#define LIVE_PACE_SLOW 95
/* Talking this long asks to wrap up. */
#define LIVE_WRAP_UP_S 180.0
#define LIVE_MAX_SUGGESTIONS 3

/* Loads the lexicons (data/lexicon/). tax (NULL: not used) is borrowed and must outlive the
 * context. *out is the caller's to live_ctx_close; immutable, shared by any number of threads.
 * IG_EINVAL naming file and line for a malformed lexicon line. */
ig_status live_ctx_open(const skills_taxonomy *tax, live_ctx **out, ig_err *err);
void live_ctx_close(live_ctx *ctx);

/* The sentiment of n bytes of text (any bytes; EN, ZH or mixed): *score in -1..1 and *label
 * ("positive", "neutral" or "negative", a static string). */
void live_sentiment(const live_ctx *ctx, const char *text, size_t n, double *score, const char **label);

/* Starts the analysis of one answer. question (borrowed, read during the call): the score request
 * of ai/score.h without the answer ({"question", "key_points", "type", "language", "difficulty"})
 * plus "hints": bool (default false: key points are neither shown nor hinted at). IG_EINVAL for a
 * malformed one. *out is the caller's to live_answer_close. */
ig_status live_answer_open(const live_ctx *ctx, const json_t *question, live_answer **out, ig_err *err);
void live_answer_close(live_answer *a);

/* Records one recogniser result: a partial replaces the previous partial, a final is kept (with
 * its segment's times). Text past TEXTSTATS_MAX_BYTES is not kept. IG_ENOMEM only. */
ig_status live_answer_heard(live_answer *a, const asr_result *r, ig_err *err);

/* The real_time_analysis payload (above) at now_s seconds of the answer's audio (asr_result.audio_s
 * or asr_stream_info.audio_s). rec: the stream's state (NULL: not known). *out is caller-owned.
 * IG_ENOMEM only. */
ig_status live_answer_analyze(live_answer *a, double now_s, const asr_stream_info *rec, json_t **out, ig_err *err);

#endif

/* The offline answer scorer of the `local` engine: one answer to one question becomes the
 * analysis object of ai/engine.h (score, five dimensions, feedback, strengths, improvements,
 * covered and missing key points), in the request's language, deterministically.
 *
 * Dimensions (0-100): relevance (content terms shared with the question and its key points,
 * synonyms and both languages included), coverage (key points whose terms the answer holds, or
 * whose kind of content it shows: "quantify the result" is covered by a number and a result),
 * depth (technical terms, numbers, outcomes, examples, reasons, mechanisms, trade-offs, as fits the
 * question type), structure (STAR for behavioral and project questions; definition, mechanism,
 * example and trade-off for technical ones; ordered steps), clarity (length against the range the
 * type and difficulty expect, fillers, hedges, repetition, sentence length).
 *
 * The score is made hard to game. Only the sentences about the question count toward depth,
 * structure and length (ai/textstats.h, textstats_ref), and a sentence said twice counts once, so
 * padding and repetition earn nothing; depth, structure and clarity count only as far as the answer
 * is on topic (relevance and coverage gate them); a list of keywords without sentences, verbs or
 * connectives, a copy of the question, an empty answer and "I don't know" are each recognised,
 * scored low, and named in the feedback. Generic words ("work", "时间") weigh little as evidence of
 * topic. */
#ifndef IG_AI_SCORE_H
#define IG_AI_SCORE_H

#include <jansson.h>

#include "core/status.h"

typedef struct skills_taxonomy skills_taxonomy;
typedef struct score_ctx score_ctx;

/* Caps of a request: longer text is IG_EINVAL. */
#define SCORE_QUESTION_MAX 4000
#define SCORE_ANSWER_MAX 65536
#define SCORE_POINTS_MAX 20
#define SCORE_POINT_MAX 1000

/* Loads the lexicon (data/lexicon/). tax (NULL: not used) is borrowed and must outlive the
 * context. *out is the caller's to score_ctx_close; immutable, shared by any number of threads. */
ig_status score_ctx_open(const skills_taxonomy *tax, score_ctx **out, ig_err *err);
void score_ctx_close(score_ctx *ctx);

/* Scores req, engine.h's score request: {"question": str, "key_points": [str] (may be absent),
 * "type": "general"|"technical"|"behavioral"|"project"|"system_design" (default general),
 * "skill": str|null, "language" (or "lang"): "en"|"zh" (default: the question's script),
 * "answer": str (may be empty), "difficulty": "easy"|"medium"|"hard"|null}. *out is the
 * analysis object (engine "local"), caller-owned. IG_EINVAL with the reason for a malformed
 * request; IG_ENOMEM. */
ig_status score_answer(const score_ctx *ctx, const json_t *req, json_t **out, ig_err *err);

#endif

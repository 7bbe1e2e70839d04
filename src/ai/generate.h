/* Question selection for the engine's generate request: questions about this candidate, chosen
 * from the bank and filled with the resume's own names. Skills weigh by where and how often the
 * resume shows them, seniority shifts the difficulty mix, a job description favours the skills it
 * shares with the resume and probes the ones the resume lacks, weak topics of earlier reports come
 * back, and no two questions are the same or nearly so. Deterministic for a given seed; pure
 * computation on borrowed, read-only inputs, so safe from any number of threads. */
#ifndef IG_AI_GENERATE_H
#define IG_AI_GENERATE_H

#include <jansson.h>

#include "ai/bank.h"
#include "core/status.h"

#define GENERATE_COUNT_MAX 30
#define GENERATE_COUNT_DEFAULT 8
/* The most bytes of job description read. */
#define GENERATE_JD_MAX (64 * 1024)

/* Validates req (ai/engine.h's generate request; "count" defaults to 8, "language" to "en",
 * "seed" to 0) and chooses its questions from b. tax (borrowed; NULL: no job-description scan and
 * no canonicalisation) is the skills taxonomy. *out is a new array of engine.h question objects,
 * each also carrying "tags": why it was chosen ("resume_skill", "jd_match", "jd_gap",
 * "weak_topic", "personalized", "fallback"). IG_EINVAL names the bad field; IG_ENOTFOUND when the
 * bank has no question at all in the language. Fewer than count questions only when the bank
 * runs out. */
ig_status generate_questions(const bank *b, const skills_taxonomy *tax, const json_t *req, json_t **out, ig_err *err);

#endif

/* The interview report for the engine's report request (ai/engine.h): the overall score as the
 * mean over answered questions only (skipped and unanswered ones are listed, never averaged in as
 * zero; no answers, no score), per-dimension averages, strengths and weaknesses, the top three
 * suggestions, a summary of every question with its model answer outline, and the weakest topics
 * to practise next. Pure computation; safe from any thread. */
#ifndef IG_AI_REPORT_H
#define IG_AI_REPORT_H

#include <jansson.h>

#include "core/status.h"

/* The most answers a report request may carry. */
#define REPORT_ANSWERS_MAX 200
/* Topics averaging under this are weak; the report lists them lowest first, then skipped ones. */
#define REPORT_WEAK_BELOW 75.0

/* Validates req and builds the report: *out (caller-owned) is
 * {"overall_score": number|null, "dimension_scores": {"relevance", "coverage", "depth",
 *  "structure", "clarity": number|null}, "strengths": [str], "weaknesses": [str],
 *  "suggestions": [str] (at most 3), "weakest_topics": [str], "questions": [{"question_text",
 *  "category", "topic", "status", "score": number|null, "summary", "model_answer"}],
 *  "answered", "skipped", "unanswered": int, "duration": number|null, "language", "engine": "local"},
 * its sentences in the request's language ("en" or "zh"). Scores have one decimal. */
ig_status report_build(const json_t *req, json_t **out, ig_err *err);

#endif

/* Adaptive follow-ups for the engine's follow_up request (ai/engine.h): when an answer's analysis
 * shows key points missing (coverage under FOLLOWUP_COVERAGE_MIN), one follow-up question on the
 * same topic: the bank entry's own follow-up prompt that best matches what was missed, else one
 * built from the first missing point. Pure computation; safe from any thread. */
#ifndef IG_AI_FOLLOWUP_H
#define IG_AI_FOLLOWUP_H

#include <jansson.h>

#include "core/status.h"

/* Coverage (0..100) from which an answer needs no follow-up. */
#define FOLLOWUP_COVERAGE_MIN 60
/* The most missing points carried as the follow-up's expected points. */
#define FOLLOWUP_POINTS_MAX 6

/* Validates req (score's request + "analysis" (object, required) + "follow_ups" ([str], optional))
 * and decides: *out is a new {"question_text": str, "expected_points": [str]} or JSON null when no
 * follow-up is due (caller-owned either way). */
ig_status followup_make(const json_t *req, json_t **out, ig_err *err);

#endif

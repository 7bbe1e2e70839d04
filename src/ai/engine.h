/* The AI engine interface: every call the product makes to "the AI" goes through it, so the
 * offline `local` engine (default) and the OpenAI-compatible engine (a later issue) are
 * interchangeable call by call. Requests and results are JSON documents whose shapes are the
 * contract below; the same shapes travel over REST, Socket.IO and the `score` command.
 * Calls are BLOCKING and thread-safe (an engine is shared by all worker threads): call them from
 * worker threads, never the event loop.
 *
 * generate: request {"resume": <structured resume, parse/structure.h>, "interview_type":
 *   "general"|"technical"|"behavioral"|"project"|"system_design"|"mixed", "difficulty":
 *   "easy"|"medium"|"hard", "count": 1..30, "language": "en"|"zh", "job_description": str|null,
 *   "seed": int, "weak_topics": [str] (from earlier reports, practised first)}
 *   -> array of questions, in the order they are asked:
 *   [{"question_text": str, "category": "general"|"technical"|"behavioral"|"project"|
 *     "system_design", "topic": str, "skill": str|null, "difficulty": str, "expected_points":
 *     [str], "follow_ups": [str], "model_answer": str, "bank_id": str|null, "language": str}]
 * score: request {"question": str, "key_points": [str], "type": category, "skill": str|null,
 *   "language": "en"|"zh", "answer": str, "difficulty": str|null}
 *   -> the analysis object {"score": 0..100, "dimensions": {"relevance", "coverage", "depth",
 *   "structure", "clarity": 0..100}, "feedback": str, "strengths": [str], "improvements": [str],
 *   "covered_points": [str], "missing_points": [str], "engine": "local"|"openai"}
 *   (plus "reason" when an engine fell back to another).
 * follow_up: request = score's request + {"analysis": <its analysis>, "follow_ups": [str]}
 *   -> {"question_text": str, "expected_points": [str]} or JSON null when no follow-up is due.
 * report: request {"language": str, "interview_type": str, "duration": seconds|null, "answers":
 *   [{"question_text", "category", "topic", "skill", "expected_points", "model_answer",
 *     "status": "answered"|"skipped"|"unanswered", "analysis": <analysis>|null}]}
 *   -> {"overall_score": number|null, "dimension_scores": {...}, "strengths": [str],
 *   "weaknesses": [str], "suggestions": [str] (top 3), "weakest_topics": [str], "questions":
 *   [{"question_text", "status", "score", "summary", "model_answer"}], "engine": str}
 * refine (optional: engines over a language model): request {"raw_text": str, "resume": <the
 *   structured resume>, "fields": ["name"|"email"|"phone"|"skills"|"experience"|"education"|
 *   "projects"]} -> an object with exactly those keys, each in the form of ai/openai.h's refine
 *   reply; a failure is an error (the caller keeps what it had).
 *
 * Any request may carry "user_id" (int): an engine that spends tokens accounts them to that user.
 * A result an engine spent tokens on carries "usage": {"prompt_tokens": int, "completion_tokens":
 * int} (generate: on the first question), for the caller to account where it keeps them; a result
 * of an engine that fell back to another says so with "engine" and "reason" (generate: on every
 * question). */
#ifndef IG_AI_ENGINE_H
#define IG_AI_ENGINE_H

#include <jansson.h>
#include <stdbool.h>

#include "core/buf.h"
#include "core/status.h"

typedef struct ai_engine ai_engine;

typedef struct ai_engine_ops {
    const char *name; /* "local", "openai" */
    ig_status (*generate)(ai_engine *e, const json_t *req, json_t **out, ig_err *err);
    ig_status (*score)(ai_engine *e, const json_t *req, json_t **out, ig_err *err);
    ig_status (*follow_up)(ai_engine *e, const json_t *req, json_t **out, ig_err *err);
    ig_status (*report)(ai_engine *e, const json_t *req, json_t **out, ig_err *err);
    /* Optional, NULL when the engine has none: */
    ig_status (*refine)(ai_engine *e, const json_t *req, json_t **out, ig_err *err);
    /* Appends the engine's Prometheus metrics (calls, fallbacks, tokens) to out. */
    ig_status (*metrics)(ai_engine *e, ig_buf *out);
    void (*close)(ai_engine *e);
} ai_engine_ops;

/* Engines embed this first. */
struct ai_engine {
    const ai_engine_ops *ops;
};

/* Requests are validated by the engine: a malformed one is IG_EINVAL with the reason in err. *out
 * is caller-owned. */
static inline ig_status ai_generate(ai_engine *e, const json_t *req, json_t **out, ig_err *err)
{
    return e->ops->generate(e, req, out, err);
}
static inline ig_status ai_score(ai_engine *e, const json_t *req, json_t **out, ig_err *err)
{
    return e->ops->score(e, req, out, err);
}
static inline ig_status ai_follow_up(ai_engine *e, const json_t *req, json_t **out, ig_err *err)
{
    return e->ops->follow_up(e, req, out, err);
}
static inline ig_status ai_report(ai_engine *e, const json_t *req, json_t **out, ig_err *err)
{
    return e->ops->report(e, req, out, err);
}
/* IG_ESTATE when the engine cannot refine (the local one). */
static inline ig_status ai_refine(ai_engine *e, const json_t *req, json_t **out, ig_err *err)
{
    if (e->ops->refine == NULL)
        return status_errf(err, IG_ESTATE, "the %s engine does not refine resumes", e->ops->name);
    return e->ops->refine(e, req, out, err);
}
/* Whether ai_refine can do anything. */
static inline bool ai_can_refine(const ai_engine *e)
{
    return e != NULL && e->ops->refine != NULL;
}
static inline ig_status ai_engine_metrics(ai_engine *e, ig_buf *out)
{
    return e != NULL && e->ops->metrics != NULL ? e->ops->metrics(e, out) : IG_OK;
}
static inline void ai_engine_close(ai_engine *e)
{
    if (e != NULL)
        e->ops->close(e);
}

#endif

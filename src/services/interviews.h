/* Interviews: a server-owned state machine over questions generated from the user's resume.
 *
 *   active --pause--> paused --resume--> active
 *   active | paused --end--> completed (with the report)      active | paused --cancel--> cancelled
 *
 * Only the current question of an active interview can be answered or skipped; an answer is scored
 * by the AI engine, stored, and the interview moves to the next question; when the engine finds
 * the answer missed key points, a follow-up on the same topic is asked right after it (at most one
 * per question, none after a follow-up, off when the interview is not adaptive). Ending asks the
 * engine for the report: the overall score is the mean over answered questions only (none answered:
 * no score), the duration leaves pauses out. Every change is one store transaction that re-checks
 * the state it was computed from, so of two concurrent changes exactly one wins.
 *
 * Errors: another user's interview or resume IG_ENOTFOUND; a transition the state does not allow
 * (answering a paused or ended interview included) IG_ESTATE; answering or skipping a question
 * that is not the current one IG_ECONFLICT. Business rules only: no HTTP, no SQL. Every function
 * blocks and runs on a worker thread. */
#ifndef IG_SERVICES_INTERVIEWS_H
#define IG_SERVICES_INTERVIEWS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ai/engine.h"
#include "core/log.h"
#include "core/status.h"
#include "services/questions.h"
#include "store/store.h"

/* The most characters of an answer. */
#define INTERVIEWS_ANSWER_MAX 10000
/* Follow-ups stop once an interview holds this many questions. */
#define INTERVIEWS_QUESTIONS_MAX 60

typedef struct interviews_service {
    ig_store *store;                    /* borrowed */
    ai_engine *engine;                  /* borrowed */
    const questions_service *questions; /* borrowed: generation */
    const ig_log *log;                  /* borrowed; NULL ok */
} interviews_service;

typedef struct interviews_start_req {
    questions_spec spec;
    bool hints;    /* show the expected points with the current question */
    bool adaptive; /* follow-ups after answers that miss key points */
} interviews_start_req;

typedef struct interviews_answer_req {
    int64_t question_id;          /* must be the current question */
    const char *answer_text;      /* UTF-8, NUL-terminated */
    const char *answer_audio_url; /* NULL ok */
    int64_t response_time;        /* seconds; < 0 when not given */
    const json_t *delivery;       /* a spoken answer's speech metrics (an object), kept with it; NULL ok */
} interviews_answer_req;

/* What an answer or a skip did. Free with interviews_step_free. */
typedef struct interviews_step {
    store_interview interview; /* as it now is */
    json_t *answer;            /* the stored answer or skip, with its "analysis" (store_interview_answers) */
    json_t *follow_up;         /* the follow-up inserted after it, or NULL */
    json_t *next;              /* the question now current (as interviews_current), or NULL */
} interviews_step;

ig_status interviews_service_init(interviews_service *svc, ig_store *store, ai_engine *engine,
                                  const questions_service *questions, const ig_log *log, ig_err *err);
void interviews_step_free(interviews_step *s);

/* Generates the questions (questions_draft: 404 / 422 for the resume) and stores the interview,
 * active and started, with them in order. *first (may be NULL) gets the first question. */
ig_status interviews_start(const interviews_service *svc, int64_t user_id, const interviews_start_req *req,
                           store_interview *out, json_t **first, ig_err *err);
ig_status interviews_get(const interviews_service *svc, int64_t user_id, int64_t id, store_interview *out,
                         ig_err *err);
/* A page of the user's interviews, newest first (*items caller-freed). */
ig_status interviews_list(const interviews_service *svc, int64_t user_id, int page, int per_page,
                          store_interview **items, size_t *count, int64_t *total, ig_err *err);
/* The current question (a stored question with "position", plus "hints" when the interview shows
 * them), or *question NULL when every question is answered or skipped or the interview has ended. */
ig_status interviews_current(const interviews_service *svc, int64_t user_id, int64_t id, store_interview *iv,
                             json_t **question, ig_err *err);
ig_status interviews_answer(const interviews_service *svc, int64_t user_id, int64_t id,
                            const interviews_answer_req *req, interviews_step *out, ig_err *err);
/* Skips question_id (0: whatever is current) without a score. */
ig_status interviews_skip(const interviews_service *svc, int64_t user_id, int64_t id, int64_t question_id,
                          interviews_step *out, ig_err *err);
/* Pause, resume or cancel. */
ig_status interviews_transition(const interviews_service *svc, int64_t user_id, int64_t id, store_transition t,
                                store_interview *out, ig_err *err);
/* Ends the interview with its report; *feedback (may be NULL) gets it as interviews_feedback does. */
ig_status interviews_end(const interviews_service *svc, int64_t user_id, int64_t id, store_interview *out,
                         json_t **feedback, ig_err *err);
/* The answers and skips so far, in question order (store_interview_answers). */
ig_status interviews_answers(const interviews_service *svc, int64_t user_id, int64_t id, json_t **out, ig_err *err);
/* The report of a completed interview: {interview_id, overall_score, duration, dimension_scores,
 * strengths, weaknesses, suggestions, weakest_topics, questions (per question: question_text,
 * status, score, summary, model_answer), answered, skipped, unanswered, engine, created_at}.
 * IG_ESTATE while the interview is not completed. */
ig_status interviews_feedback(const interviews_service *svc, int64_t user_id, int64_t id, json_t **out,
                              ig_err *err);
/* Progress across the user's interviews: {total_interviews, by_status, completed, average_score,
 * best_score, latest_score, scores_over_time [{interview_id, date, score, interview_type,
 * difficulty, answered, skipped}] oldest first, dimensions {name: average}, by_type {type: {count,
 * average_score}}, weakest_topics [{topic, average_score, answers}] weakest first}. */
ig_status interviews_stats(const interviews_service *svc, int64_t user_id, json_t **out, ig_err *err);

/* A random version-4 UUID, as the interview's session_id. */
void interviews_new_session_id(char out[37]);

#endif

/* The interview state machine on top of the store (which re-checks every change in its own
 * transaction) and the AI engine (scores, follow-ups, reports), plus the report and progress views. */
#include "services/interviews.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Ending retries this many times when an answer lands while the report is being made. */
#define END_ATTEMPTS 3

ig_status interviews_service_init(interviews_service *svc, ig_store *store, ai_engine *engine,
                                  const questions_service *questions, const ig_log *log, ig_err *err)
{
    memset(svc, 0, sizeof *svc);
    svc->store = store;
    svc->engine = engine;
    svc->questions = questions;
    svc->log = log;
    if (store == NULL || engine == NULL || questions == NULL)
        return status_errf(err, IG_EINVAL, "interviews: store, engine and questions are required");
    return IG_OK;
}

/* Language-model tokens, as results report them (ai/engine.h's "usage"). */
typedef struct tokens {
    json_int_t prompt, completion;
} tokens;

/* Adds what result says it cost to t and takes "usage" off it: the stored analysis and report
 * keep the engine's contract, and the interview keeps the count. */
static void take_usage(json_t *result, tokens *t)
{
    const json_t *u = json_object_get(result, "usage");
    json_int_t p = json_integer_value(json_object_get(u, "prompt_tokens"));
    json_int_t c = json_integer_value(json_object_get(u, "completion_tokens"));
    t->prompt += p > 0 ? p : 0;
    t->completion += c > 0 ? c : 0;
    if (u != NULL)
        json_object_del(result, "usage");
}

/* Adds t to the interview (and to iv, its copy). Counting is no reason to fail the change it
 * belongs to: a failure is logged. */
static void add_usage(const interviews_service *svc, int64_t user_id, store_interview *iv, const tokens *t)
{
    ig_err err = {0};
    if (t->prompt <= 0 && t->completion <= 0)
        return;
    if (store_interview_add_usage(svc->store, user_id, iv->id, t->prompt, t->completion, &err) != IG_OK) {
        log_printf(svc->log, IG_LOG_WARN, "ai_usage_lost", "interview %lld: %s", (long long)iv->id, err.msg);
        return;
    }
    iv->ai_prompt_tokens += t->prompt;
    iv->ai_completion_tokens += t->completion;
}

void interviews_step_free(interviews_step *s)
{
    json_decref(s->answer);
    json_decref(s->follow_up);
    json_decref(s->next);
    s->answer = s->follow_up = s->next = NULL;
}

void interviews_new_session_id(char out[37])
{
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
             b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static double round1(double v)
{
    return floor(v * 10.0 + 0.5) / 10.0;
}

static bool ended(const store_interview *iv)
{
    return strcmp(iv->status, "completed") == 0 || strcmp(iv->status, "cancelled") == 0;
}

/* Seconds from start to now without the pauses, the one in progress included. */
static int64_t active_seconds(const store_interview *iv, int64_t now)
{
    int64_t d = now - (iv->started_at != 0 ? iv->started_at : now) - iv->paused_seconds;
    if (iv->paused_at != 0 && now > iv->paused_at)
        d -= now - iv->paused_at;
    return d > 0 ? d : 0;
}

/* The question at position of iv, with "hints" when iv shows them. */
static ig_status question_at(const interviews_service *svc, const store_interview *iv, int position, json_t **out,
                             ig_err *err)
{
    ig_status rc = store_interview_question(svc->store, iv->user_id, iv->id, position, out, err);
    if (rc == IG_OK && iv->hints) {
        json_t *points = json_object_get(*out, "expected_points");
        json_object_set_new(*out, "hints", json_is_array(points) ? json_copy(points) : json_array());
    }
    return rc;
}

/* The current question of iv, or *out NULL when there is none. */
static ig_status current_of(const interviews_service *svc, const store_interview *iv, json_t **out, ig_err *err)
{
    *out = NULL;
    if (ended(iv) || iv->current_question_index >= iv->total_questions)
        return IG_OK;
    return question_at(svc, iv, iv->current_question_index, out, err);
}

ig_status interviews_start(const interviews_service *svc, int64_t user_id, const interviews_start_req *req,
                           store_interview *out, json_t **first, ig_err *err)
{
    json_t *drafted = NULL;
    char session[37];
    if (first != NULL)
        *first = NULL;
    ig_status rc = questions_draft(svc->questions, user_id, &req->spec, &drafted, err);
    if (rc != IG_OK)
        return rc;
    interviews_new_session_id(session);
    store_interview_new in = {user_id,
                              req->spec.resume_id,
                              session,
                              req->spec.interview_type,
                              req->spec.difficulty,
                              req->spec.language,
                              req->spec.job_description,
                              req->hints,
                              req->adaptive,
                              req->spec.seed};
    tokens used = {0, 0};
    take_usage(json_array_get(drafted, 0), &used);
    rc = store_interview_create(svc->store, &in, drafted, out, err);
    json_decref(drafted);
    if (rc == IG_OK)
        add_usage(svc, user_id, out, &used);
    if (rc == IG_OK && first != NULL)
        rc = current_of(svc, out, first, err);
    return rc;
}

ig_status interviews_get(const interviews_service *svc, int64_t user_id, int64_t id, store_interview *out,
                         ig_err *err)
{
    return store_interview_get(svc->store, user_id, id, out, err);
}

ig_status interviews_list(const interviews_service *svc, int64_t user_id, int page, int per_page,
                          store_interview **items, size_t *count, int64_t *total, ig_err *err)
{
    return store_interview_list(svc->store, user_id, page, per_page, items, count, total, err);
}

ig_status interviews_current(const interviews_service *svc, int64_t user_id, int64_t id, store_interview *iv,
                             json_t **question, ig_err *err)
{
    *question = NULL;
    ig_status rc = store_interview_get(svc->store, user_id, id, iv, err);
    if (rc == IG_OK)
        rc = current_of(svc, iv, question, err);
    return rc;
}

/* The current question of the user's active interview id into iv and *q, checked against
 * question_id (0: any): IG_ESTATE when not active, IG_ECONFLICT when it is another question or
 * there is none left. These checks only spare the engine's work: the store checks again. */
static ig_status answerable(const interviews_service *svc, int64_t user_id, int64_t id, int64_t question_id,
                            store_interview *iv, json_t **q, ig_err *err)
{
    *q = NULL;
    ig_status rc = store_interview_get(svc->store, user_id, id, iv, err);
    if (rc != IG_OK)
        return rc;
    if (strcmp(iv->status, "active") != 0)
        return status_errf(err, IG_ESTATE, "the interview is %s, not active", iv->status);
    if (iv->current_question_index >= iv->total_questions)
        return status_errf(err, IG_ECONFLICT, "every question has been answered or skipped");
    rc = store_interview_question(svc->store, user_id, id, iv->current_question_index, q, err);
    if (rc == IG_ENOTFOUND)
        rc = status_errf(err, IG_ECONFLICT, "the interview moved on");
    if (rc == IG_OK && question_id != 0 && json_integer_value(json_object_get(*q, "id")) != question_id) {
        json_decref(*q);
        *q = NULL;
        rc = status_errf(err, IG_ECONFLICT, "question %lld is not the current question", (long long)question_id);
    }
    return rc;
}

/* The engine's score request for question q and answer. */
static json_t *score_request(const json_t *q, const char *answer)
{
    const json_t *points = json_object_get(q, "expected_points");
    const char *category = json_string_value(json_object_get(q, "category"));
    const char *language = json_string_value(json_object_get(q, "language"));
    return json_pack("{s:O, s:o, s:s, s:O, s:s, s:s, s:O}", "question", json_object_get(q, "question_text"),
                     "key_points", json_is_array(points) ? json_copy((json_t *)points) : json_array(), "type",
                     category != NULL ? category : "general", "skill",
                     json_object_get(q, "skill") != NULL ? json_object_get(q, "skill") : json_null(), "language",
                     questions_language_ok(language) ? language : "en", "answer", answer, "difficulty",
                     json_object_get(q, "difficulty") != NULL ? json_object_get(q, "difficulty") : json_null());
}

/* The follow-up to ask after an answer to q that got analysis, as a question object to store, or
 * *out NULL when none is due. */
static ig_status follow_up_for(const interviews_service *svc, const store_interview *iv, const json_t *q,
                               const json_t *req, const json_t *analysis, json_t **out, tokens *used, ig_err *err)
{
    json_t *fr = NULL, *fu = NULL;
    *out = NULL;
    /* one per question, none after a follow-up, and a cap on the interview's length */
    if (!iv->adaptive || !json_is_null(json_object_get(q, "parent_question_id")) ||
        iv->total_questions >= INTERVIEWS_QUESTIONS_MAX)
        return IG_OK;
    const json_t *prompts = json_object_get(q, "follow_ups");
    fr = json_deep_copy(req);
    ig_status rc = fr != NULL && json_object_set(fr, "analysis", (json_t *)analysis) == 0 &&
                           json_object_set_new(fr, "follow_ups", json_is_array(prompts) ? json_copy((json_t *)prompts)
                                                                                      : json_array()) == 0
                       ? ai_follow_up(svc->engine, fr, &fu, err)
                       : status_errf(err, IG_ENOMEM, "out of memory");
    take_usage(fu, used);
    if (rc != IG_OK || !json_is_object(fu) || !json_is_string(json_object_get(fu, "question_text")))
        goto out;
    const json_t *points = json_object_get(fu, "expected_points");
    *out = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:[], s:n, s:O}", "question_text",
                     json_object_get(fu, "question_text"), "expected_points",
                     json_is_array(points) ? points : json_object_get(q, "expected_points"), "category",
                     json_object_get(q, "category"), "topic", json_object_get(q, "topic"), "skill",
                     json_object_get(q, "skill"), "difficulty", json_object_get(q, "difficulty"), "language",
                     json_object_get(q, "language"), "follow_ups", "model_answer", "bank_id",
                     json_object_get(q, "bank_id"));
    if (*out == NULL)
        rc = status_errf(err, IG_ENOMEM, "out of memory");
out:
    json_decref(fr);
    json_decref(fu);
    return rc;
}

/* Records a (scored or skipped) answer and fills out with what it did. */
static ig_status record(const interviews_service *svc, const store_answer_new *a, interviews_step *out, ig_err *err)
{
    ig_status rc = store_interview_record(svc->store, a, &out->interview, &out->answer, &out->follow_up, err);
    if (rc == IG_OK)
        rc = current_of(svc, &out->interview, &out->next, err);
    if (rc != IG_OK)
        interviews_step_free(out);
    return rc;
}

ig_status interviews_answer(const interviews_service *svc, int64_t user_id, int64_t id,
                            const interviews_answer_req *req, interviews_step *out, ig_err *err)
{
    store_interview iv;
    json_t *q = NULL, *sreq = NULL, *analysis = NULL, *follow = NULL;
    memset(out, 0, sizeof *out);
    if (req->question_id <= 0 || req->answer_text == NULL)
        return status_errf(err, IG_EINVAL, "an answer needs its question id and text");
    ig_status rc = answerable(svc, user_id, id, req->question_id, &iv, &q, err);
    if (rc != IG_OK)
        goto out;
    sreq = score_request(q, req->answer_text);
    tokens used = {0, 0};
    if (sreq != NULL && json_object_set_new(sreq, "user_id", json_integer(user_id)) != 0) {
        json_decref(sreq);
        sreq = NULL;
    }
    rc = sreq != NULL ? ai_score(svc->engine, sreq, &analysis, err) : status_errf(err, IG_ENOMEM, "out of memory");
    if (rc == IG_OK && !json_is_object(analysis))
        rc = status_errf(err, IG_EINTERNAL, "the engine's analysis is not an object");
    if (rc == IG_OK)
        take_usage(analysis, &used);
    if (rc == IG_OK && (rc = follow_up_for(svc, &iv, q, sreq, analysis, &follow, &used, err)) != IG_OK &&
        rc != IG_ENOMEM) {
        /* the answer is scored: a follow-up the engine cannot make is not worth losing it */
        log_printf(svc->log, IG_LOG_WARN, "follow_up_failed", "interview %lld: %s", (long long)id,
                   err != NULL ? err->msg : "");
        rc = IG_OK;
    }
    if (rc != IG_OK)
        goto out;
    store_answer_new a = {user_id, id, req->question_id, false, req->answer_text, req->answer_audio_url,
                          req->response_time, analysis, follow, req->delivery};
    rc = record(svc, &a, out, err);
    if (rc == IG_OK)
        add_usage(svc, user_id, &out->interview, &used);
out:
    json_decref(q);
    json_decref(sreq);
    json_decref(analysis);
    json_decref(follow);
    return rc;
}

ig_status interviews_skip(const interviews_service *svc, int64_t user_id, int64_t id, int64_t question_id,
                          interviews_step *out, ig_err *err)
{
    store_interview iv;
    json_t *q = NULL;
    memset(out, 0, sizeof *out);
    ig_status rc = answerable(svc, user_id, id, question_id, &iv, &q, err);
    if (rc == IG_OK) {
        store_answer_new a = {user_id, id, json_integer_value(json_object_get(q, "id")), true, NULL, NULL, -1, NULL,
                              NULL, NULL};
        rc = record(svc, &a, out, err);
    }
    json_decref(q);
    return rc;
}

ig_status interviews_transition(const interviews_service *svc, int64_t user_id, int64_t id, store_transition t,
                                store_interview *out, ig_err *err)
{
    return store_interview_transition(svc->store, user_id, id, t, (int64_t)time(NULL), out, err);
}

/* The engine's report request for iv's items; *sum and *answered total the answered scores. */
static json_t *report_request(const store_interview *iv, const json_t *items, int64_t duration, double *sum,
                              int *answered)
{
    json_t *answers = json_array();
    size_t i;
    json_t *it;
    *sum = 0.0;
    *answered = 0;
    json_array_foreach(items, i, it)
    {
        const char *status = json_string_value(json_object_get(it, "answer_status"));
        const json_t *score = json_object_get(it, "score");
        if (status != NULL && strcmp(status, "answered") == 0 && json_is_number(score)) {
            *sum += json_number_value(score);
            (*answered)++;
        }
        json_t *a = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:s, s:O}", "question_text",
                              json_object_get(it, "question_text"), "category", json_object_get(it, "category"), "topic",
                              json_object_get(it, "topic"), "skill", json_object_get(it, "skill"), "expected_points",
                              json_object_get(it, "expected_points"), "model_answer", json_object_get(it, "model_answer"),
                              "status", status != NULL ? status : "unanswered", "analysis",
                              json_object_get(it, "analysis"));
        if (a == NULL || json_array_append_new(answers, a) != 0) {
            json_decref(answers);
            return NULL;
        }
    }
    return json_pack("{s:s, s:s, s:I, s:o, s:I}", "language", iv->language, "interview_type", iv->interview_type,
                     "duration", (json_int_t)duration, "answers", answers, "user_id", (json_int_t)iv->user_id);
}

/* One attempt at ending: the report from the interview as it is, stored if it is still so. */
static ig_status end_once(const interviews_service *svc, int64_t user_id, int64_t id, store_interview *out,
                          ig_err *err)
{
    store_interview iv;
    json_t *items = NULL, *req = NULL, *report = NULL;
    ig_status rc = store_interview_get(svc->store, user_id, id, &iv, err);
    if (rc != IG_OK)
        return rc;
    if (strcmp(iv.status, "active") != 0 && strcmp(iv.status, "paused") != 0)
        return status_errf(err, IG_ESTATE, "cannot end an interview that is %s", iv.status);
    int64_t now = (int64_t)time(NULL), duration = active_seconds(&iv, now);
    double sum = 0.0;
    int answered = 0;
    rc = store_interview_items(svc->store, user_id, id, &items, err);
    if (rc == IG_OK && (req = report_request(&iv, items, duration, &sum, &answered)) == NULL)
        rc = status_errf(err, IG_ENOMEM, "out of memory building the report request");
    if (rc == IG_OK)
        rc = ai_report(svc->engine, req, &report, err);
    if (rc == IG_OK && !json_is_object(report))
        rc = status_errf(err, IG_EINTERNAL, "the engine's report is not an object");
    if (rc != IG_OK)
        goto out;
    tokens used = {0, 0};
    take_usage(report, &used);
    /* the mean over answered questions only, from the stored scores, whatever the engine says */
    store_interview_end end = {iv.version, now, duration, answered > 0, answered > 0 ? round1(sum / answered) : 0.0,
                               report};
    json_object_set_new(report, "overall_score", end.has_score ? json_real(end.overall_score) : json_null());
    json_object_set_new(report, "duration", json_integer(duration));
    rc = store_interview_finish(svc->store, user_id, id, &end, out, err);
    if (rc == IG_OK)
        add_usage(svc, user_id, out, &used);
out:
    json_decref(items);
    json_decref(req);
    json_decref(report);
    return rc;
}

ig_status interviews_end(const interviews_service *svc, int64_t user_id, int64_t id, store_interview *out,
                         json_t **feedback, ig_err *err)
{
    ig_status rc = IG_ECONFLICT;
    if (feedback != NULL)
        *feedback = NULL;
    for (int i = 0; i < END_ATTEMPTS && rc == IG_ECONFLICT; i++)
        rc = end_once(svc, user_id, id, out, err);
    if (rc == IG_OK && feedback != NULL)
        rc = interviews_feedback(svc, user_id, id, feedback, err);
    return rc;
}

ig_status interviews_answers(const interviews_service *svc, int64_t user_id, int64_t id, json_t **out, ig_err *err)
{
    return store_interview_answers(svc->store, user_id, id, out, err);
}

ig_status interviews_feedback(const interviews_service *svc, int64_t user_id, int64_t id, json_t **out,
                              ig_err *err)
{
    static const char *const kept[] = {"interview_id", "overall_score", "dimension_scores", "strengths", "weaknesses",
                                       "suggestions",  "weakest_topics", "engine",          "created_at"};
    store_interview iv;
    json_t *row = NULL, *doc = NULL;
    *out = NULL;
    ig_status rc = store_interview_get(svc->store, user_id, id, &iv, err);
    if (rc == IG_OK && strcmp(iv.status, "completed") != 0)
        rc = status_errf(err, IG_ESTATE, "the interview is %s: its report comes when it ends", iv.status);
    if (rc == IG_OK)
        rc = store_interview_feedback(svc->store, user_id, id, &row, err);
    if (rc == IG_OK && (doc = json_object()) == NULL)
        rc = status_errf(err, IG_ENOMEM, "out of memory");
    if (rc != IG_OK)
        goto out;
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        json_t *v = json_object_get(row, kept[i]);
        json_object_set(doc, kept[i], v != NULL ? v : json_null());
    }
    json_object_set_new(doc, "duration", iv.duration >= 0 ? json_integer(iv.duration) : json_null());
    json_t *questions = json_object_get(json_object_get(row, "report"), "questions");
    int counts[3] = {0, 0, 0};
    static const char *const statuses[3] = {"answered", "skipped", "unanswered"};
    size_t i;
    json_t *q;
    json_array_foreach(questions, i, q)
    {
        const char *s = json_string_value(json_object_get(q, "status"));
        for (int k = 0; s != NULL && k < 3; k++)
            counts[k] += strcmp(s, statuses[k]) == 0;
    }
    json_object_set_new(doc, "questions", json_is_array(questions) ? json_copy(questions) : json_array());
    for (int k = 0; k < 3; k++)
        json_object_set_new(doc, statuses[k], json_integer(counts[k]));
    *out = doc;
    doc = NULL;
out:
    json_decref(row);
    json_decref(doc);
    return rc;
}

/* ---- stats ---- */

/* Adds weight * the number v (when it is one) to the running {sum, weight} pair of key in acc. */
static void accumulate(json_t *acc, const char *key, const json_t *v, double weight)
{
    if (!json_is_number(v) || weight <= 0)
        return;
    json_t *pair = json_object_get(acc, key);
    if (pair == NULL) {
        pair = json_pack("[f, f]", 0.0, 0.0);
        if (pair == NULL || json_object_set_new(acc, key, pair) != 0)
            return;
    }
    json_array_set_new(pair, 0, json_real(json_real_value(json_array_get(pair, 0)) + weight * json_number_value(v)));
    json_array_set_new(pair, 1, json_real(json_real_value(json_array_get(pair, 1)) + weight));
}

/* {key: rounded mean} of an accumulator. */
static json_t *means(const json_t *acc)
{
    json_t *out = json_object();
    const char *k;
    json_t *pair;
    json_object_foreach((json_t *)acc, k, pair)
    {
        double w = json_real_value(json_array_get(pair, 1));
        json_object_set_new(out, k, json_real(round1(json_real_value(json_array_get(pair, 0)) / w)));
    }
    return out;
}

/* The stats document from the store's snapshot. */
static ig_status stats_doc(const json_t *raw, json_t *doc, ig_err *err)
{
    json_t *by_status = json_object(), *over_time = json_array(), *dims = json_object(), *types = json_object(),
           *type_scores = json_object(), *topics = json_array();
    ig_status rc = IG_OK;
    if (by_status == NULL || over_time == NULL || dims == NULL || types == NULL || type_scores == NULL ||
        topics == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory");
        goto out;
    }
    json_int_t total = 0;
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(raw, "statuses"), i, row)
    {
        json_int_t n = json_integer_value(json_object_get(row, "count"));
        total += n;
        json_object_set_new(by_status, json_string_value(json_object_get(row, "status")), json_integer(n));
    }
    const json_t *completed = json_object_get(raw, "completed");
    double sum = 0.0, best = -1.0;
    int scored = 0;
    const json_t *latest = NULL;
    /* the store answers newest first: walk it backwards for a timeline */
    for (size_t k = json_array_size(completed); k-- > 0;) {
        row = json_array_get(completed, k);
        const json_t *score = json_object_get(row, "overall_score");
        const char *type = json_string_value(json_object_get(row, "interview_type"));
        json_t *point = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "interview_id", json_object_get(row, "id"),
                                  "date", json_object_get(row, "ended_at"), "score", score, "interview_type",
                                  json_object_get(row, "interview_type"), "difficulty",
                                  json_object_get(row, "difficulty"), "answered", json_object_get(row, "answered"),
                                  "skipped", json_object_get(row, "skipped"));
        if (point == NULL || json_array_append_new(over_time, point) != 0) {
            rc = status_errf(err, IG_ENOMEM, "out of memory");
            goto out;
        }
        if (type != NULL) {
            json_t *c = json_object_get(types, type);
            json_object_set_new(types, type, json_integer(json_integer_value(c) + 1));
            accumulate(type_scores, type, score, 1.0);
        }
        if (json_is_number(score)) {
            double s = json_number_value(score);
            sum += s;
            scored++;
            best = s > best ? s : best;
            latest = score;
        }
        const char *dim;
        json_t *v;
        double weight = (double)json_integer_value(json_object_get(row, "answered"));
        json_object_foreach(json_object_get(row, "dimension_scores"), dim, v) accumulate(dims, dim, v, weight);
    }
    json_t *avg_by_type = means(type_scores), *by_type = json_object();
    const char *type;
    json_t *count;
    json_object_foreach(types, type, count)
    {
        json_t *avg = json_object_get(avg_by_type, type);
        json_object_set_new(by_type, type, json_pack("{s:O, s:O}", "count", count, "average_score",
                                                     avg != NULL ? avg : json_null()));
    }
    json_decref(avg_by_type);
    json_array_foreach(json_object_get(raw, "topics"), i, row)
    {
        if (json_array_size(topics) >= 5)
            break;
        const json_t *avg = json_object_get(row, "average_score");
        json_array_append_new(topics, json_pack("{s:O, s:f, s:O}", "topic", json_object_get(row, "topic"),
                                                "average_score", round1(json_number_value(avg)), "answers",
                                                json_object_get(row, "answers")));
    }
    json_object_set_new(doc, "total_interviews", json_integer(total));
    json_object_set(doc, "by_status", by_status);
    json_object_set_new(doc, "completed", json_integer((json_int_t)json_array_size(completed)));
    json_object_set_new(doc, "average_score", scored > 0 ? json_real(round1(sum / scored)) : json_null());
    json_object_set_new(doc, "best_score", scored > 0 ? json_real(best) : json_null());
    json_object_set_new(doc, "latest_score", latest != NULL ? json_copy((json_t *)latest) : json_null());
    json_object_set(doc, "scores_over_time", over_time);
    json_object_set_new(doc, "dimensions", json_object_size(dims) > 0 ? means(dims) : json_object());
    json_object_set_new(doc, "by_type", by_type);
    json_object_set(doc, "weakest_topics", topics);
out:
    json_decref(by_status);
    json_decref(over_time);
    json_decref(dims);
    json_decref(types);
    json_decref(type_scores);
    json_decref(topics);
    return rc;
}

ig_status interviews_stats(const interviews_service *svc, int64_t user_id, json_t **out, ig_err *err)
{
    json_t *raw = NULL, *doc = json_object();
    *out = NULL;
    ig_status rc = doc != NULL ? store_interview_stats(svc->store, user_id, &raw, err)
                               : status_errf(err, IG_ENOMEM, "out of memory");
    if (rc == IG_OK)
        rc = stats_doc(raw, doc, err);
    if (rc == IG_OK) {
        *out = doc;
        doc = NULL;
    }
    json_decref(raw);
    json_decref(doc);
    return rc;
}

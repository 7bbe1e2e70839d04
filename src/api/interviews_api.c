/* /api/v1/interviews: start (questions generated from the resume and stored with the interview),
 * the current question, answers (scored) and skips, pause / resume / end / cancel, the answers, the
 * report, the history and progress stats. Another user's interview answers 404; a transition the
 * interview's state does not allow 422; a question that is not the current one 409. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "services/answer_audio.h"

#define PER_PAGE_DEFAULT 20
#define PER_PAGE_MAX 100

/* The seed's Interview.to_dict() plus resume_id, language, hints, adaptive, seed, paused_at,
 * updated_at and ai_usage (the language-model tokens the interview cost: {prompt_tokens,
 * completion_tokens}). New reference, NULL on allocation failure. */
static json_t *interview_json(const store_interview *iv)
{
    char created[32], updated[32], started[32], ended_at[32], paused[32];
    auth_iso8601(iv->created_at, created, sizeof created);
    auth_iso8601(iv->updated_at, updated, sizeof updated);
    auth_iso8601(iv->started_at, started, sizeof started);
    auth_iso8601(iv->ended_at, ended_at, sizeof ended_at);
    auth_iso8601(iv->paused_at, paused, sizeof paused);
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:i, s:s?, s:s?, s:o, s:o, s:s, s:o, s:s, s:b, s:b, s:I, "
                          "s:s?, s:s}",
                          "id", (json_int_t)iv->id, "session_id", iv->session_id, "status", iv->status,
                          "interview_type", iv->interview_type, "difficulty", iv->difficulty, "total_questions",
                          iv->total_questions, "current_question_index", iv->current_question_index, "started_at",
                          iv->started_at != 0 ? started : NULL, "ended_at", iv->ended_at != 0 ? ended_at : NULL,
                          "duration", iv->duration >= 0 ? json_integer(iv->duration) : json_null(),
                          "overall_score", iv->has_score ? json_real(iv->overall_score) : json_null(), "created_at",
                          created, "resume_id", iv->resume_id != 0 ? json_integer(iv->resume_id) : json_null(),
                          "language", iv->language, "hints", iv->hints, "adaptive", iv->adaptive, "seed",
                          (json_int_t)iv->seed, "paused_at", iv->paused_at != 0 ? paused : NULL, "updated_at",
                          updated);
    if (o != NULL && json_object_set_new(o, "ai_usage", json_pack("{s:I, s:I}", "prompt_tokens",
                                                                  (json_int_t)iv->ai_prompt_tokens, "completion_tokens",
                                                                  (json_int_t)iv->ai_completion_tokens)) != 0) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

static int64_t interview_id(const api_call *c)
{
    return c->match.int_params[0];
}

/* The failure of an interview call: 404, 409 (not the current question), 422 with state_msg. */
static void fail(api_call *c, ig_status st, const ig_err *err, msg_id state_msg)
{
    if (st == IG_ENOTFOUND)
        api_fail(c, 404, MSG_INTERVIEW_NOT_FOUND, NULL);
    else if (st == IG_ESTATE)
        api_fail(c, 422, state_msg, NULL);
    else if (st == IG_ECONFLICT)
        api_fail(c, 409, state_msg == MSG_INTERVIEW_NOT_ACTIVE ? MSG_QUESTION_NOT_CURRENT : MSG_INTERVIEW_STATE, NULL);
    else
        api_fail_status(c, st, err);
}

/* Answers a service's document about one interview, or its failure. */
static void reply(api_call *c, ig_status st, const ig_err *err, json_t *doc, msg_id state_msg)
{
    if (st != IG_OK) {
        json_decref(doc);
        fail(c, st, err, state_msg);
        return;
    }
    api_ok(c, 200, MSG_NONE, doc);
}

static void h_start(api_call *c)
{
    json_t *body = NULL, *first = NULL;
    fields_ctx fc;
    interviews_start_req req = {.adaptive = true};
    if (!api_json_body(c, &body))
        return;
    if (!fields_init(&fc, c->lang)) {
        json_decref(body);
        api_fail_status(c, IG_ENOMEM, NULL);
        return;
    }
    api_question_spec(c, &fc, body, &req.spec);
    fields_bool(&fc, body, "hints", &req.hints);
    fields_bool(&fc, body, "adaptive", &req.adaptive);
    json_t *details = fields_take(&fc);
    if (details != NULL) {
        api_fail(c, 400, MSG_VALIDATION, details);
        json_decref(body);
        return;
    }
    store_interview iv;
    ig_err err = {0};
    ig_status st = interviews_start(c->app->interviews, c->id.user.id, &req, &iv, &first, &err);
    json_decref(body);
    if (st == IG_ESTATE) {
        api_fail(c, 422, MSG_RESUME_NOT_READY, NULL);
        return;
    }
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    json_t *d = interview_json(&iv);
    if (d != NULL)
        json_object_set_new(d, "current_question", first != NULL ? api_question_json(first) : json_null());
    json_decref(first);
    api_ok(c, 201, MSG_INTERVIEW_STARTED, d);
}

static void h_list(api_call *c)
{
    int64_t page = fields_query_int(c->req->query, "page", 1, 1000000);
    int64_t per_page = fields_query_int(c->req->query, "per_page", PER_PAGE_DEFAULT, 1000000);
    if (page < 0 || per_page < 0) {
        api_fail_field(c, page < 0 ? "page" : "per_page", MSG_FIELD_POSITIVE_INT);
        return;
    }
    if (per_page > PER_PAGE_MAX)
        per_page = PER_PAGE_MAX;
    store_interview *items = NULL;
    size_t n = 0;
    int64_t total = 0;
    ig_err err = {0};
    ig_status st = interviews_list(c->app->interviews, c->id.user.id, (int)page, (int)per_page, &items, &n, &total,
                                   &err);
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < n; i++) {
        if (json_array_append_new(arr, interview_json(&items[i])) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    free(items);
    api_ok_page(c, arr, page, per_page, total);
}

static void h_stats(api_call *c)
{
    json_t *doc = NULL;
    ig_err err = {0};
    ig_status st = interviews_stats(c->app->interviews, c->id.user.id, &doc, &err);
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    api_ok(c, 200, MSG_NONE, doc);
}

static void h_get(api_call *c)
{
    store_interview iv;
    ig_err err = {0};
    ig_status st = interviews_get(c->app->interviews, c->id.user.id, interview_id(c), &iv, &err);
    if (st != IG_OK) {
        fail(c, st, &err, MSG_INTERVIEW_STATE);
        return;
    }
    api_ok(c, 200, MSG_NONE, interview_json(&iv));
}

static void h_current(api_call *c)
{
    store_interview iv;
    json_t *q = NULL;
    ig_err err = {0};
    ig_status st = interviews_current(c->app->interviews, c->id.user.id, interview_id(c), &iv, &q, &err);
    if (st != IG_OK) {
        fail(c, st, &err, MSG_INTERVIEW_STATE);
        return;
    }
    /* data null once every question is answered or skipped, as the seed's get_current_question */
    json_t *d = q != NULL ? api_question_json(q) : json_null();
    if (q != NULL && d != NULL)
        json_object_set_new(d, "total_questions", json_integer(iv.total_questions));
    json_decref(q);
    api_ok(c, 200, MSG_NONE, d);
}

/* An answer's or skip's response: the stored answer (with its analysis) plus the follow-up it
 * added, the question now current, and the interview. */
static json_t *step_json(const interviews_step *s)
{
    json_t *d = json_copy(s->answer);
    if (d == NULL)
        return NULL;
    json_object_set_new(d, "follow_up", s->follow_up != NULL ? api_question_json(s->follow_up) : json_null());
    json_object_set_new(d, "next_question", s->next != NULL ? api_question_json(s->next) : json_null());
    json_object_set_new(d, "interview", interview_json(&s->interview));
    return d;
}

static void h_answer(api_call *c)
{
    json_t *body = NULL;
    fields_ctx fc;
    interviews_answer_req req = {.response_time = -1};
    if (!api_json_body(c, &body))
        return;
    if (!fields_init(&fc, c->lang)) {
        json_decref(body);
        api_fail_status(c, IG_ENOMEM, NULL);
        return;
    }
    fields_int(&fc, body, "question_id", true, 1, INT64_MAX, MSG_FIELD_POSITIVE_INT, &req.question_id);
    fields_text(&fc, body, "answer_text", true, false, INTERVIEWS_ANSWER_MAX, &req.answer_text);
    fields_text(&fc, body, "answer_audio_url", false, true, STORE_AUDIO_URL_MAX, &req.answer_audio_url);
    fields_int(&fc, body, "response_time", false, 0, 86400, MSG_FIELD_NON_NEGATIVE_INT, &req.response_time);
    json_t *details = fields_take(&fc);
    if (details != NULL) {
        api_fail(c, 400, MSG_VALIDATION, details);
        json_decref(body);
        return;
    }
    interviews_step s;
    ig_err err = {0};
    ig_status st = interviews_answer(c->app->interviews, c->id.user.id, interview_id(c), &req, &s, &err);
    json_decref(body);
    if (st != IG_OK) {
        fail(c, st, &err, MSG_INTERVIEW_NOT_ACTIVE);
        return;
    }
    api_ok(c, 201, MSG_ANSWER_SUBMITTED, step_json(&s));
    interviews_step_free(&s);
}

static void h_skip(api_call *c)
{
    json_t *body = NULL;
    fields_ctx fc;
    int64_t question_id = 0;
    if (!api_json_body(c, &body))
        return;
    if (!fields_init(&fc, c->lang)) {
        json_decref(body);
        api_fail_status(c, IG_ENOMEM, NULL);
        return;
    }
    fields_int(&fc, body, "question_id", false, 1, INT64_MAX, MSG_FIELD_POSITIVE_INT, &question_id);
    json_decref(body);
    json_t *details = fields_take(&fc);
    if (details != NULL) {
        api_fail(c, 400, MSG_VALIDATION, details);
        return;
    }
    interviews_step s;
    ig_err err = {0};
    ig_status st = interviews_skip(c->app->interviews, c->id.user.id, interview_id(c), question_id, &s, &err);
    if (st != IG_OK) {
        fail(c, st, &err, MSG_INTERVIEW_NOT_ACTIVE);
        return;
    }
    api_ok(c, 200, MSG_QUESTION_SKIPPED, step_json(&s));
    interviews_step_free(&s);
}

static void transition(api_call *c, store_transition t, msg_id done)
{
    store_interview iv;
    ig_err err = {0};
    ig_status st = interviews_transition(c->app->interviews, c->id.user.id, interview_id(c), t, &iv, &err);
    if (st != IG_OK) {
        fail(c, st, &err, MSG_INTERVIEW_STATE);
        return;
    }
    api_ok(c, 200, done, interview_json(&iv));
}

static void h_pause(api_call *c)
{
    transition(c, STORE_PAUSE, MSG_INTERVIEW_PAUSED);
}

static void h_resume(api_call *c)
{
    transition(c, STORE_RESUME, MSG_INTERVIEW_RESUMED);
}

static void h_cancel(api_call *c)
{
    transition(c, STORE_CANCEL, MSG_INTERVIEW_CANCELLED);
}

static void h_end(api_call *c)
{
    store_interview iv;
    json_t *feedback = NULL;
    ig_err err = {0};
    ig_status st = interviews_end(c->app->interviews, c->id.user.id, interview_id(c), &iv, &feedback, &err);
    if (st != IG_OK) {
        fail(c, st, &err, MSG_INTERVIEW_STATE);
        return;
    }
    json_t *d = interview_json(&iv);
    if (d != NULL)
        json_object_set_new(d, "feedback", feedback != NULL ? feedback : json_null());
    else
        json_decref(feedback);
    api_ok(c, 200, MSG_INTERVIEW_ENDED, d);
}

static void h_answers(api_call *c)
{
    json_t *rows = NULL;
    ig_err err = {0};
    ig_status st = interviews_answers(c->app->interviews, c->id.user.id, interview_id(c), &rows, &err);
    reply(c, st, &err, rows, MSG_INTERVIEW_STATE);
}

/* The recording of a spoken answer (audio/wav), its owner only: 404 for anyone else, and for an
 * answer that was typed. */
static void h_answer_audio(api_call *c)
{
    int fd = -1;
    uint64_t size = 0;
    ig_err err = {0};
    ig_status st = answer_audio_open(c->app->store, c->app->cfg->data_dir, c->id.user.id, interview_id(c),
                                     c->match.int_params[1], &fd, &size, &err);
    if (st == IG_ENOTFOUND) {
        api_fail(c, 404, MSG_NOT_FOUND, NULL);
        return;
    }
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    /* an answer's recording never changes */
    api_header(c, "Cache-Control", "private, max-age=86400");
    api_send_file(c, fd, size);
    c->raw_type = "audio/wav";
    c->status = 200;
}

static void h_feedback(api_call *c)
{
    json_t *doc = NULL;
    ig_err err = {0};
    ig_status st = interviews_feedback(c->app->interviews, c->id.user.id, interview_id(c), &doc, &err);
    reply(c, st, &err, doc, MSG_FEEDBACK_NOT_READY);
}

static const api_route R_START = {API_AUTH | API_JSON, h_start};
static const api_route R_LIST = {API_AUTH, h_list};
static const api_route R_STATS = {API_AUTH, h_stats};
static const api_route R_GET = {API_AUTH, h_get};
static const api_route R_CURRENT = {API_AUTH, h_current};
static const api_route R_ANSWER = {API_AUTH | API_JSON, h_answer};
static const api_route R_ANSWERS = {API_AUTH, h_answers};
static const api_route R_ANSWER_AUDIO = {API_AUTH | API_RAW, h_answer_audio};
static const api_route R_SKIP = {API_AUTH | API_JSON, h_skip};
static const api_route R_PAUSE = {API_AUTH, h_pause};
static const api_route R_RESUME = {API_AUTH, h_resume};
static const api_route R_END = {API_AUTH, h_end};
static const api_route R_CANCEL = {API_AUTH, h_cancel};
static const api_route R_FEEDBACK = {API_AUTH, h_feedback};

const router_route api_interviews_routes[] = {
    {"POST", "/api/v1/interviews", &R_START},
    {"GET", "/api/v1/interviews", &R_LIST},
    {"GET", "/api/v1/interviews/stats", &R_STATS},
    {"GET", "/api/v1/interviews/<int:id>", &R_GET},
    {"GET", "/api/v1/interviews/<int:id>/current-question", &R_CURRENT},
    {"POST", "/api/v1/interviews/<int:id>/answers", &R_ANSWER},
    {"GET", "/api/v1/interviews/<int:id>/answers", &R_ANSWERS},
    {"GET", "/api/v1/interviews/<int:id>/answers/<int:answer_id>/audio", &R_ANSWER_AUDIO},
    {"POST", "/api/v1/interviews/<int:id>/skip", &R_SKIP},
    {"POST", "/api/v1/interviews/<int:id>/pause", &R_PAUSE},
    {"POST", "/api/v1/interviews/<int:id>/resume", &R_RESUME},
    {"POST", "/api/v1/interviews/<int:id>/end", &R_END},
    {"POST", "/api/v1/interviews/<int:id>/cancel", &R_CANCEL},
    {"GET", "/api/v1/interviews/<int:id>/feedback", &R_FEEDBACK},
};
const size_t api_interviews_routes_count = sizeof api_interviews_routes / sizeof api_interviews_routes[0];

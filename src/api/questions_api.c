/* /api/v1/questions: generation from a parsed resume, the user's questions (list, detail), the
 * shipped bank (browse with filters and paging) and each question spoken as WAV. Another user's
 * question or resume answers 404. */
#include <string.h>

#include "api/api.h"
#include "api/validate.h"

#define PER_PAGE_DEFAULT 20
#define PER_PAGE_MAX 100
/* Query-string filters are short names. */
#define FILTER_MAX 100

static const char *const TYPES[] = {"general", "technical", "behavioral", "project", "system_design", "mixed"};
static const char *const LEVELS[] = {"easy", "medium", "hard"};
static const char *const LANGS[] = {"zh", "en"};

json_t *api_question_json(const json_t *q)
{
    static const char *const secret[] = {"expected_points", "follow_ups", "model_answer"};
    if (q == NULL)
        return NULL;
    json_t *o = json_copy((json_t *)q);
    if (o == NULL)
        return NULL;
    if (json_is_true(json_object_get(o, "locked"))) {
        for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
            json_object_del(o, secret[i]);
    }
    json_object_del(o, "locked");
    return o;
}

bool api_json_body(api_call *c, json_t **body)
{
    json_t *details = NULL;
    *body = NULL;
    switch (validate_json_body(c->req->body.p, c->req->body.n, NULL, 0, c->lang, body, &details)) {
    case VALIDATE_OK: return true;
    case VALIDATE_EMPTY:
        *body = json_object();
        if (*body == NULL)
            api_fail_status(c, IG_ENOMEM, NULL);
        return *body != NULL;
    case VALIDATE_MALFORMED: api_fail(c, 400, MSG_BODY_MALFORMED, NULL); break;
    case VALIDATE_NOT_OBJECT: api_fail(c, 400, MSG_BODY_NOT_OBJECT, NULL); break;
    case VALIDATE_FIELDS: api_fail(c, 400, MSG_VALIDATION, details); break;
    }
    return false;
}

void api_question_spec(api_call *c, fields_ctx *fc, const json_t *body, questions_spec *spec)
{
    int64_t v;
    memset(spec, 0, sizeof *spec);
    spec->count = QUESTIONS_COUNT_DEFAULT;
    spec->language = c->lang == LANG_EN ? "en" : "zh";
    spec->seed = questions_random_seed();
    if (fields_int(fc, body, "resume_id", true, 1, INT64_MAX, MSG_FIELD_POSITIVE_INT, &v))
        spec->resume_id = v;
    fields_choice(fc, body, "interview_type", true, TYPES, sizeof TYPES / sizeof TYPES[0], MSG_FIELD_TYPE,
                  &spec->interview_type);
    fields_choice(fc, body, "difficulty", true, LEVELS, sizeof LEVELS / sizeof LEVELS[0], MSG_FIELD_DIFFICULTY,
                  &spec->difficulty);
    if (fields_int(fc, body, "question_count", false, 1, QUESTIONS_COUNT_MAX, MSG_FIELD_QUESTION_COUNT, &v))
        spec->count = (int)v;
    fields_text(fc, body, "job_description", false, true, QUESTIONS_JD_MAX, &spec->job_description);
    fields_choice(fc, body, "language", false, LANGS, 2, MSG_FIELD_LANGUAGE, &spec->language);
    if (fields_int(fc, body, "seed", false, 0, INT32_MAX, MSG_FIELD_NON_NEGATIVE_INT, &v))
        spec->seed = v;
}

/* The answer to a failed generation: the resume's 404 and 422, else the status's. */
static void fail_generation(api_call *c, ig_status st, const ig_err *err)
{
    if (st == IG_ESTATE)
        api_fail(c, 422, MSG_RESUME_NOT_READY, NULL);
    else
        api_fail_status(c, st, err);
}

static void h_generate(api_call *c)
{
    json_t *body = NULL, *made = NULL;
    fields_ctx fc;
    questions_spec spec;
    if (!api_json_body(c, &body))
        return;
    if (!fields_init(&fc, c->lang)) {
        json_decref(body);
        api_fail_status(c, IG_ENOMEM, NULL);
        return;
    }
    api_question_spec(c, &fc, body, &spec);
    json_t *details = fields_take(&fc);
    if (details != NULL) {
        api_fail(c, 400, MSG_VALIDATION, details);
        json_decref(body);
        return;
    }
    ig_err err = {0};
    ig_status st = questions_generate(c->app->questions, c->id.user.id, &spec, &made, &err);
    if (st != IG_OK) {
        fail_generation(c, st, &err);
        json_decref(body);
        return;
    }
    json_t *list = json_array();
    size_t i;
    json_t *q;
    json_array_foreach(made, i, q) json_array_append_new(list, api_question_json(q));
    api_ok(c, 201, MSG_QUESTIONS_GENERATED,
           json_pack("{s:I, s:s, s:s, s:s, s:I, s:i, s:o}", "resume_id", (json_int_t)spec.resume_id, "interview_type",
                     spec.interview_type, "difficulty", spec.difficulty, "language", spec.language, "seed",
                     (json_int_t)spec.seed, "count", (int)json_array_size(made), "questions", list));
    json_decref(made);
    json_decref(body);
}

/* page and per_page of the query, or false (and the 400 on c). */
static bool paging(api_call *c, int *page, int *per_page)
{
    int64_t p = fields_query_int(c->req->query, "page", 1, 1000000);
    int64_t pp = fields_query_int(c->req->query, "per_page", PER_PAGE_DEFAULT, 1000000);
    if (p < 0 || pp < 0) {
        api_fail_field(c, p < 0 ? "page" : "per_page", MSG_FIELD_POSITIVE_INT);
        return false;
    }
    *page = (int)p;
    *per_page = pp > PER_PAGE_MAX ? PER_PAGE_MAX : (int)pp;
    return true;
}

static void h_list(api_call *c)
{
    int page, per_page;
    if (!paging(c, &page, &per_page))
        return;
    int64_t resume_id = fields_query_int(c->req->query, "resume_id", 0, INT64_MAX);
    if (resume_id < 0) {
        api_fail_field(c, "resume_id", MSG_FIELD_POSITIVE_INT);
        return;
    }
    json_t *rows = NULL;
    int64_t total = 0;
    ig_err err = {0};
    ig_status st = questions_list(c->app->questions, c->id.user.id, resume_id, page, per_page, &rows, &total, &err);
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    json_t *list = json_array();
    size_t i;
    json_t *q;
    json_array_foreach(rows, i, q) json_array_append_new(list, api_question_json(q));
    json_decref(rows);
    api_ok_page(c, list, page, per_page, total);
}

static void h_get(api_call *c)
{
    json_t *q = NULL;
    ig_err err = {0};
    ig_status st = questions_get(c->app->questions, c->id.user.id, c->match.int_params[0], &q, &err);
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    api_ok(c, 200, MSG_NONE, api_question_json(q));
    json_decref(q);
}

/* A choice filter of the query: -1 (any) when absent; false (and the 400 on c) when not a name
 * parse knows. "mixed" is any type. */
static bool query_choice(api_call *c, const char *name, int (*parse)(const char *), msg_id bad, int *out)
{
    char buf[32];
    int r = fields_query(c->req->query, name, buf, sizeof buf);
    *out = -1;
    if (r == 0 || (r == 1 && (buf[0] == '\0' || strcmp(buf, "mixed") == 0)))
        return true;
    if (r == 1 && (*out = parse(buf)) >= 0)
        return true;
    api_fail_field(c, name, bad);
    return false;
}

static void h_bank(api_call *c)
{
    char skill[FILTER_MAX + 1], topic[FILTER_MAX + 1];
    bank_filter f;
    int page, per_page;
    bank_filter_any(&f);
    if (!paging(c, &page, &per_page) || !query_choice(c, "type", bank_type_parse, MSG_FIELD_TYPE, &f.type) ||
        !query_choice(c, "difficulty", bank_level_parse, MSG_FIELD_DIFFICULTY, &f.difficulty) ||
        !query_choice(c, "lang", bank_lang_parse, MSG_FIELD_LANGUAGE, &f.lang))
        return;
    int rs = fields_query(c->req->query, "skill", skill, sizeof skill);
    int rt = fields_query(c->req->query, "topic", topic, sizeof topic);
    if (rs < 0 || rt < 0) {
        api_fail_field(c, rs < 0 ? "skill" : "topic", MSG_FIELD_STRING);
        return;
    }
    if (rs == 1 && skill[0] != '\0')
        f.skill = skill;
    if (rt == 1 && topic[0] != '\0')
        f.topic = topic;
    const char *shown = f.lang >= 0 ? bank_lang_name((bank_lang)f.lang) : c->lang == LANG_EN ? "en" : "zh";
    questions_page pg = {page, per_page};
    json_t *rows = NULL;
    int64_t total = 0;
    ig_err err = {0};
    ig_status st = questions_bank(c->app->questions, &f, &pg, shown, &rows, &total, &err);
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    api_ok_page(c, rows, page, per_page, total);
}

static void h_audio(api_call *c)
{
    int fd = -1;
    uint64_t size = 0;
    ig_err err = {0};
    ig_status st = questions_audio(c->app->questions, c->id.user.id, c->match.int_params[0], &fd, &size, &err);
    if (st == IG_EIO || st == IG_ETOOBIG) {
        log_printf(c->app->log, IG_LOG_WARN, "tts_failed", "question %lld: %s", (long long)c->match.int_params[0],
                   err.msg);
        api_fail(c, 503, MSG_AUDIO_UNAVAILABLE, NULL);
        return;
    }
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    /* the file's name carries a hash of the text: the same URL may change when the text does */
    api_header(c, "Cache-Control", "private, max-age=3600");
    api_send_file(c, fd, size);
    c->raw_type = "audio/wav";
    c->status = 200;
}

static const api_route R_GENERATE = {API_AUTH | API_JSON, h_generate};
static const api_route R_LIST = {API_AUTH, h_list};
static const api_route R_BANK = {API_AUTH, h_bank};
static const api_route R_GET = {API_AUTH, h_get};
static const api_route R_AUDIO = {API_AUTH | API_RAW, h_audio};

const router_route api_questions_routes[] = {
    {"POST", "/api/v1/questions/generate", &R_GENERATE},
    {"GET", "/api/v1/questions", &R_LIST},
    {"GET", "/api/v1/questions/bank", &R_BANK},
    {"GET", "/api/v1/questions/<int:id>", &R_GET},
    {"GET", "/api/v1/questions/<int:id>/audio", &R_AUDIO},
};
const size_t api_questions_routes_count = sizeof api_questions_routes / sizeof api_questions_routes[0];

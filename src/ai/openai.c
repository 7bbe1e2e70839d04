/* The language-model engine (see ai/openai.h): per operation, the local answer, the prompt's
 * variables, the reply's schema and how the reply becomes the engine's result; around them one
 * ask-validate-repair loop, the fallback, and the token and fallback accounting. */
#include "ai/openai.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ai/oaclient.h"
#include "ai/prompt.h"
#include "ai/schema.h"

#define PROMPT_VERSION "v1"
/* Store limits the results must fit (store.h: STORE_QUESTION_NAME_MAX). */
#define NAME_BYTES 100
/* What of a bad reply goes back to the model with the repair prompt. */
#define REPAIR_ECHO_BYTES 8192
/* Caps of what a prompt carries. */
#define JD_BYTES 6000
#define RAW_TEXT_BYTES 24000
#define REPORT_TEXT_BYTES 400
#define EXTRACT_CANDIDATES 16
/* Users whose tokens are counted one by one; the rest go under user_id="other". */
#define USERS_MAX 10000

typedef enum oa_op { OP_GENERATE, OP_SCORE, OP_FOLLOW_UP, OP_REPORT, OP_REFINE, OP_COUNT } oa_op;
static const char *const OP_NAMES[OP_COUNT] = {"generate", "score", "follow_up", "report", "refine"};

/* Why the model did not answer. The first seven follow oaclient_fail (OAC_TIMEOUT ..). */
typedef enum oa_reason {
    R_TIMEOUT,
    R_CONNECT,
    R_HTTP_429,
    R_HTTP_5XX,
    R_HTTP_4XX,
    R_CIRCUIT_OPEN,
    R_BAD_RESPONSE,
    R_INVALID_JSON,
    R_TRUNCATED,
    R_OFF_SCHEMA,
    R_ERROR,
    R_COUNT
} oa_reason;
static const char *const REASON_NAMES[R_COUNT] = {
    "timeout",     "connect", "http_429",   "http_5xx", "http_4xx", "circuit_open",
    "bad_response", "invalid_json", "truncated", "off_schema", "error",
};

typedef struct user_tokens {
    int64_t user_id;
    unsigned long long prompt, completion;
} user_tokens;

typedef struct ai_openai {
    ai_engine base; /* first: the engine interface */
    ai_engine *fallback;
    oaclient *client;
    char model[128];
    int timeout_ms;
    const ig_log *log;
    atomic_ullong answered[OP_COUNT][2]; /* [op][0: the model, 1: the local engine] */
    atomic_ullong fallbacks[OP_COUNT][R_COUNT];
    atomic_ullong repairs[OP_COUNT];
    atomic_ullong prompt_tokens, completion_tokens;
    pthread_mutex_t lock; /* guards users */
    user_tokens *users;   /* sorted by user_id */
    size_t nusers, capusers;
    user_tokens other;
} ai_openai;

/* ---- schemas of the replies ---- */

static const char *const CATEGORIES[] = {"general", "technical", "behavioral", "project", "system_design", NULL};
static const char *const DIFFICULTIES[] = {"easy", "medium", "hard", NULL};
static const schema S_TEXT_SHORT = SCHEMA_STR(1, 500);
static const schema S_TEXT_OR_NULL = {.type = SCHEMA_STRING, .nullable = true, .max_len = 500};
static const schema S_SCORE = SCHEMA_NUM(0, 100);

static const schema S_QUESTION_TEXT = SCHEMA_STR(1, 2000);
static const schema S_CATEGORY = SCHEMA_ENUM(CATEGORIES);
static const schema S_TOPIC = SCHEMA_STR(1, 100);
static const schema S_SKILL = {.type = SCHEMA_STRING, .nullable = true, .max_len = 100};
static const schema S_DIFFICULTY = SCHEMA_ENUM(DIFFICULTIES);
static const schema S_POINTS = SCHEMA_ARR(&S_TEXT_SHORT, 1, 8);
static const schema S_FOLLOW_UPS = SCHEMA_ARR(&S_TEXT_SHORT, 0, 5);
static const schema S_MODEL_ANSWER = SCHEMA_STR(1, 2000);
static const schema_field QUESTION_FIELDS[] = {
    {"question_text", &S_QUESTION_TEXT, false}, {"category", &S_CATEGORY, false},
    {"topic", &S_TOPIC, false},                 {"skill", &S_SKILL, true},
    {"difficulty", &S_DIFFICULTY, false},       {"expected_points", &S_POINTS, false},
    {"follow_ups", &S_FOLLOW_UPS, true},        {"model_answer", &S_MODEL_ANSWER, false},
};
static const schema S_QUESTION = SCHEMA_OBJ(QUESTION_FIELDS);

static const schema_field DIMENSION_FIELDS[] = {
    {"relevance", &S_SCORE, false}, {"coverage", &S_SCORE, false}, {"depth", &S_SCORE, false},
    {"structure", &S_SCORE, false}, {"clarity", &S_SCORE, false},
};
static const schema S_DIMENSIONS = SCHEMA_OBJ(DIMENSION_FIELDS);
static const schema S_FEEDBACK = SCHEMA_STR(1, 2000);
static const schema S_REMARKS = SCHEMA_ARR(&S_TEXT_SHORT, 0, 8);
static const schema S_KEY_POINTS = SCHEMA_ARR(&S_TEXT_SHORT, 0, 20);
static const schema_field SCORE_FIELDS[] = {
    {"score", &S_SCORE, false},          {"dimensions", &S_DIMENSIONS, false},
    {"feedback", &S_FEEDBACK, false},    {"strengths", &S_REMARKS, false},
    {"improvements", &S_REMARKS, false}, {"covered_points", &S_KEY_POINTS, false},
    {"missing_points", &S_KEY_POINTS, false},
};
static const schema S_ANALYSIS = SCHEMA_OBJ(SCORE_FIELDS);

static const schema S_FOLLOW_UP_TEXT = SCHEMA_STR(1, 1000);
static const schema S_FOLLOW_UP_POINTS = SCHEMA_ARR(&S_TEXT_SHORT, 1, 6);
static const schema_field FOLLOW_UP_FIELDS[] = {
    {"question_text", &S_FOLLOW_UP_TEXT, false},
    {"expected_points", &S_FOLLOW_UP_POINTS, false},
};
static const schema S_FOLLOW_UP = SCHEMA_OBJ(FOLLOW_UP_FIELDS);

static const schema S_STRENGTHS = SCHEMA_ARR(&S_TEXT_SHORT, 1, 5);
static const schema S_WEAKNESSES = SCHEMA_ARR(&S_TEXT_SHORT, 0, 5);
static const schema S_SUGGESTIONS = SCHEMA_ARR(&S_TEXT_SHORT, 3, 3);
static const schema S_SUMMARY = SCHEMA_STR(1, 1000);

static const schema S_DATE = {.type = SCHEMA_STRING, .nullable = true, .max_len = 20};
static const schema S_NAMES = SCHEMA_ARR(&S_TEXT_SHORT, 0, 100);
static const schema S_BULLETS = SCHEMA_ARR(&S_TEXT_SHORT, 0, 30);
static const schema S_LONG_OR_NULL = {.type = SCHEMA_STRING, .nullable = true, .max_len = 2000};
static const schema_field EXPERIENCE_FIELDS[] = {
    {"company", &S_TEXT_OR_NULL, true}, {"title", &S_TEXT_OR_NULL, true}, {"location", &S_TEXT_OR_NULL, true},
    {"start", &S_DATE, true},           {"end", &S_DATE, true},           {"bullets", &S_BULLETS, true},
};
static const schema_field EDUCATION_FIELDS[] = {
    {"school", &S_TEXT_OR_NULL, true}, {"degree", &S_TEXT_OR_NULL, true}, {"major", &S_TEXT_OR_NULL, true},
    {"start", &S_DATE, true},          {"end", &S_DATE, true},            {"gpa", &S_TEXT_OR_NULL, true},
};
static const schema_field PROJECT_FIELDS[] = {
    {"name", &S_TEXT_OR_NULL, true},    {"role", &S_TEXT_OR_NULL, true},
    {"start", &S_DATE, true},           {"end", &S_DATE, true},
    {"tech_stack", &S_NAMES, true},     {"description", &S_LONG_OR_NULL, true},
    {"url", &S_TEXT_OR_NULL, true},
};
static const schema S_EXPERIENCE_ITEM = SCHEMA_OBJ(EXPERIENCE_FIELDS);
static const schema S_EDUCATION_ITEM = SCHEMA_OBJ(EDUCATION_FIELDS);
static const schema S_PROJECT_ITEM = SCHEMA_OBJ(PROJECT_FIELDS);
static const schema S_EXPERIENCE = SCHEMA_ARR(&S_EXPERIENCE_ITEM, 0, 30);
static const schema S_EDUCATION = SCHEMA_ARR(&S_EDUCATION_ITEM, 0, 15);
static const schema S_PROJECTS = SCHEMA_ARR(&S_PROJECT_ITEM, 0, 30);
/* The refinable fields (structure.h's confidence keys) and their reply schema. */
static const schema_field REFINE_FIELDS[] = {
    {"name", &S_TEXT_OR_NULL, false},  {"email", &S_TEXT_OR_NULL, false},     {"phone", &S_TEXT_OR_NULL, false},
    {"skills", &S_NAMES, false},       {"experience", &S_EXPERIENCE, false}, {"education", &S_EDUCATION, false},
    {"projects", &S_PROJECTS, false},
};
#define NREFINE (sizeof REFINE_FIELDS / sizeof REFINE_FIELDS[0])

/* ---- JSON in a reply ---- */

/* The end (one past) of the balanced {...} or [...] starting at s[0], strings respected; 0 when it
 * never closes. */
static size_t balanced_end(const char *s, size_t n)
{
    int depth = 0;
    bool in_str = false, esc = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"')
            in_str = true;
        else if (c == '{' || c == '[')
            depth++;
        else if ((c == '}' || c == ']') && --depth == 0)
            return i + 1;
    }
    return 0;
}

static json_t *parse_container(const char *s, size_t n)
{
    json_t *v = json_loadb(s, n, 0, NULL);
    if (v != NULL && !json_is_object(v) && !json_is_array(v)) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

ig_status ai_openai_extract_json(const char *text, size_t n, json_t **out, bool *cut, ig_err *err)
{
    *out = NULL;
    *cut = false;
    if ((*out = parse_container(text, n)) != NULL)
        return IG_OK;
    /* ```json ... ``` */
    for (const char *p = text, *end = text + n; p < end;) {
        const char *f = memmem(p, (size_t)(end - p), "```", 3);
        if (f == NULL)
            break;
        const char *body = memchr(f + 3, '\n', (size_t)(end - f - 3));
        if (body == NULL)
            break;
        body++;
        const char *close = memmem(body, (size_t)(end - body), "```", 3);
        if ((*out = parse_container(body, (size_t)((close != NULL ? close : end) - body))) != NULL)
            return IG_OK;
        if (close == NULL)
            break;
        p = close + 3;
    }
    /* the first balanced container that parses */
    int tries = 0;
    for (size_t i = 0; i < n && tries < EXTRACT_CANDIDATES; i++) {
        if (text[i] != '{' && text[i] != '[')
            continue;
        tries++;
        size_t len = balanced_end(text + i, n - i);
        if (len == 0) {
            *cut = true;
            break;
        }
        if ((*out = parse_container(text + i, len)) != NULL) {
            *cut = false;
            return IG_OK;
        }
    }
    return status_errf(err, IG_EINVAL, *cut ? "the reply's JSON is cut off" : "the reply holds no JSON object");
}

/* ---- small helpers ---- */

/* The first max bytes of s (n bytes), cut at a character boundary, as a JSON string. */
static json_t *cut_text(const char *s, size_t n, size_t max)
{
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    return json_stringn(s, n);
}

static json_t *cut_json_string(const json_t *v, size_t max)
{
    return json_is_string(v) ? cut_text(json_string_value(v), json_string_length(v), max) : json_null();
}

static double round1(double v)
{
    return round(v * 10.0) / 10.0;
}

static const char *lang_of(const json_t *req)
{
    const char *l = json_string_value(json_object_get(req, "language"));
    if (l == NULL)
        l = json_string_value(json_object_get(req, "lang"));
    return l != NULL && strcmp(l, "zh") == 0 ? "zh" : "en";
}

/* v when it is an array, else an empty one; a new reference either way. */
static json_t *array_of(const json_t *v)
{
    return json_is_array(v) ? json_incref((json_t *)v) : json_array();
}

/* v when it is a string (or any JSON when any), else null; a new reference either way. */
static json_t *or_null(const json_t *v)
{
    return v != NULL ? json_incref((json_t *)v) : json_null();
}

/* ---- accounting ---- */

static void account(ai_openai *o, const json_t *req, long prompt, long completion)
{
    if (prompt <= 0 && completion <= 0)
        return;
    unsigned long long p = prompt > 0 ? (unsigned long long)prompt : 0;
    unsigned long long c = completion > 0 ? (unsigned long long)completion : 0;
    atomic_fetch_add(&o->prompt_tokens, p);
    atomic_fetch_add(&o->completion_tokens, c);
    const json_t *uid = json_object_get(req, "user_id");
    if (!json_is_integer(uid))
        return;
    int64_t id = json_integer_value(uid);
    pthread_mutex_lock(&o->lock);
    size_t lo = 0, hi = o->nusers;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (o->users[mid].user_id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    user_tokens *u = lo < o->nusers && o->users[lo].user_id == id ? &o->users[lo] : NULL;
    if (u == NULL && o->nusers < USERS_MAX) {
        if (o->nusers == o->capusers) {
            size_t ncap = o->capusers ? o->capusers * 2 : 64;
            user_tokens *nu = realloc(o->users, ncap * sizeof *nu);
            if (nu != NULL) {
                o->users = nu;
                o->capusers = ncap;
            }
        }
        if (o->nusers < o->capusers) {
            memmove(&o->users[lo + 1], &o->users[lo], (o->nusers - lo) * sizeof *o->users);
            o->users[lo] = (user_tokens){id, 0, 0};
            o->nusers++;
            u = &o->users[lo];
        }
    }
    if (u == NULL)
        u = &o->other;
    u->prompt += p;
    u->completion += c;
    pthread_mutex_unlock(&o->lock);
}

/* Puts "usage" on obj when tokens were spent. */
static void attach_usage(json_t *obj, long prompt, long completion)
{
    if (json_is_object(obj) && (prompt > 0 || completion > 0))
        json_object_set_new(obj, "usage", json_pack("{s:I, s:I}", "prompt_tokens", (json_int_t)prompt,
                                                    "completion_tokens", (json_int_t)completion));
}

/* ---- one question to the model ---- */

typedef struct ask_ctx {
    oa_op op;
    const char *task;     /* the template */
    const char *lang;
    const json_t *vars;
    const schema *shape;
    int max_tokens;
    double temperature;
    bool has_seed;
    int64_t seed;
    /* out */
    json_t *doc;          /* the valid reply */
    long prompt_tokens, completion_tokens;
    oa_reason why;
    char detail[256];
} ask_ctx;

/* Checks a reply: true with a->doc set, or false with the reason and detail of what is wrong. */
static bool reply_ok(ask_ctx *a, const oaclient_reply *r)
{
    ig_err err = {0};
    json_t *doc = NULL;
    bool cut = false;
    if (r->truncated) {
        a->why = R_TRUNCATED;
        snprintf(a->detail, sizeof a->detail, "the reply was cut off at the token limit");
        return false;
    }
    if (ai_openai_extract_json(r->content, r->content_len, &doc, &cut, &err) != IG_OK) {
        a->why = cut ? R_TRUNCATED : R_INVALID_JSON;
        snprintf(a->detail, sizeof a->detail, "%s", err.msg);
        return false;
    }
    if (schema_check(a->shape, doc, &err) != IG_OK) {
        a->why = R_OFF_SCHEMA;
        snprintf(a->detail, sizeof a->detail, "%s", err.msg);
        json_decref(doc);
        return false;
    }
    a->doc = doc;
    return true;
}

/* Asks, checks, and once repairs; IG_OK with a->doc, else IG_EIO with a->why and a->detail. */
static ig_status ask(ai_openai *o, ask_ctx *a, int64_t deadline)
{
    prompt_msgs m = {NULL, NULL}, repair = {NULL, NULL};
    oaclient_reply r = {0};
    char *echo = NULL;
    ig_err err = {0};
    ig_status rc = prompt_build(a->task, PROMPT_VERSION, a->lang, a->vars, &m, &err);
    if (rc != IG_OK) {
        a->why = R_ERROR;
        snprintf(a->detail, sizeof a->detail, "%s", err.msg);
        return IG_EIO;
    }
    oaclient_msg msgs[4] = {{"system", m.system}, {"user", m.user}, {"assistant", ""}, {"user", ""}};
    size_t nmsgs = 2;
    for (int pass = 0; pass < 2; pass++) {
        oaclient_chat_req req = {o->model, msgs, nmsgs, true, a->max_tokens, a->temperature, a->has_seed, a->seed};
        rc = oaclient_chat(o->client, &req, deadline, &r, &err);
        a->prompt_tokens += r.prompt_tokens;
        a->completion_tokens += r.completion_tokens;
        if (rc != IG_OK) {
            a->why = r.fail >= OAC_TIMEOUT && r.fail <= OAC_BAD_RESPONSE ? (oa_reason)(r.fail - OAC_TIMEOUT) : R_ERROR;
            snprintf(a->detail, sizeof a->detail, "%s", err.msg);
            rc = IG_EIO;
            break;
        }
        if (reply_ok(a, &r)) {
            rc = IG_OK;
            break;
        }
        rc = IG_EIO;
        if (pass == 1)
            break;
        /* once more, with the reply and what is wrong with it */
        json_t *vars = json_pack("{s:s}", "problem", a->detail);
        json_t *cut = cut_text(r.content, r.content_len, REPAIR_ECHO_BYTES);
        ig_status brc = vars != NULL ? prompt_build("repair", PROMPT_VERSION, a->lang, vars, &repair, &err) : IG_ENOMEM;
        echo = cut != NULL ? strdup(json_string_value(cut)) : NULL;
        json_decref(vars);
        json_decref(cut);
        if (brc != IG_OK || echo == NULL)
            break;
        atomic_fetch_add(&o->repairs[a->op], 1);
        msgs[2].content = echo;
        msgs[3].content = repair.user;
        nmsgs = 4;
        oaclient_reply_free(&r);
    }
    oaclient_reply_free(&r);
    prompt_msgs_free(&m);
    prompt_msgs_free(&repair);
    free(echo);
    return rc;
}

/* Counts and logs a fallback of op for a's reason. */
static void fell_back(ai_openai *o, const ask_ctx *a)
{
    atomic_fetch_add(&o->fallbacks[a->op][a->why], 1);
    atomic_fetch_add(&o->answered[a->op][1], 1);
    log_emit(o->log, IG_LOG_WARN, "ai_fallback",
             json_pack("{s:s, s:s, s:s, s:s}", "op", OP_NAMES[a->op], "reason", REASON_NAMES[a->why], "detail",
                       a->detail, "engine", a->op == OP_REFINE ? "none" : "local"));
}

/* Marks a local result as the fallback's: "engine": "local", "reason". */
static void mark_local(json_t *obj, oa_reason why)
{
    if (json_is_object(obj)) {
        json_object_set_new(obj, "engine", json_string("local"));
        json_object_set_new(obj, "reason", json_string(REASON_NAMES[why]));
    }
}

static int64_t deadline_of(const ai_openai *o)
{
    return oaclient_now_ms() + o->timeout_ms;
}

/* ---- generate ---- */

/* The resume as the question writer needs it: skills, experience, education, projects, no contact
 * details, every list and text capped. New reference. */
static json_t *resume_brief(const json_t *resume)
{
    json_t *b = json_object(), *v;
    size_t i;
    const json_t *basic = json_object_get(resume, "basic_info");
    json_object_set_new(b, "summary", cut_json_string(json_object_get(basic, "summary"), 1000));
    json_object_set_new(b, "years_of_experience", or_null(json_object_get(basic, "years_of_experience")));
    json_t *skills = json_array();
    json_array_foreach(json_object_get(resume, "skills"), i, v) {
        if (i < 60 && json_is_string(json_object_get(v, "name")))
            json_array_append(skills, json_object_get(v, "name"));
    }
    json_object_set_new(b, "skills", skills);
    json_t *exp = json_array();
    json_array_foreach(json_object_get(resume, "experience"), i, v) {
        if (i >= 10)
            break;
        json_t *bullets = json_array(), *bl;
        size_t k;
        json_array_foreach(json_object_get(v, "bullets"), k, bl) {
            if (k < 6)
                json_array_append_new(bullets, cut_json_string(bl, 300));
        }
        json_array_append_new(exp, json_pack("{s:o, s:o, s:o, s:o, s:o}", "company",
                                             cut_json_string(json_object_get(v, "company"), 200), "title",
                                             cut_json_string(json_object_get(v, "title"), 200), "start",
                                             or_null(json_object_get(v, "start")), "end",
                                             or_null(json_object_get(v, "end")), "bullets", bullets));
    }
    json_object_set_new(b, "experience", exp);
    json_t *edu = json_array();
    json_array_foreach(json_object_get(resume, "education"), i, v) {
        if (i < 5)
            json_array_append_new(edu, json_pack("{s:o, s:o, s:o}", "school",
                                                 cut_json_string(json_object_get(v, "school"), 200), "degree",
                                                 or_null(json_object_get(v, "degree")), "major",
                                                 cut_json_string(json_object_get(v, "major"), 200)));
    }
    json_object_set_new(b, "education", edu);
    json_t *proj = json_array();
    json_array_foreach(json_object_get(resume, "projects"), i, v) {
        if (i < 8)
            json_array_append_new(proj, json_pack("{s:o, s:o, s:O?, s:o}", "name",
                                                  cut_json_string(json_object_get(v, "name"), 200), "role",
                                                  cut_json_string(json_object_get(v, "role"), 200), "tech_stack",
                                                  json_object_get(v, "tech_stack"), "description",
                                                  cut_json_string(json_object_get(v, "description"), 500)));
    }
    json_object_set_new(b, "projects", proj);
    json_object_set_new(b, "certifications", array_of(json_object_get(resume, "certifications")));
    return b;
}

static json_t *generate_vars(const json_t *req, int count)
{
    const json_t *jd = json_object_get(req, "job_description"), *weak = json_object_get(req, "weak_topics");
    const char *type = json_string_value(json_object_get(req, "interview_type"));
    const char *level = json_string_value(json_object_get(req, "difficulty"));
    return json_pack("{s:s, s:s, s:i, s:o, s:o, s:o}", "interview_type", type != NULL ? type : "mixed", "difficulty",
                     level != NULL ? level : "medium", "count", count, "job_description",
                     json_is_string(jd) ? cut_json_string(jd, JD_BYTES) : json_null(), "weak_topics",
                     array_of(weak), "resume",
                     resume_brief(json_object_get(req, "resume")));
}

/* The model's questions as engine.h question objects. */
static json_t *generated(const json_t *doc, const char *lang)
{
    json_t *out = json_array(), *q;
    size_t i;
    json_array_foreach(json_object_get(doc, "questions"), i, q) {
        const json_t *skill = json_object_get(q, "skill"), *fu = json_object_get(q, "follow_ups");
        json_t *o = json_pack("{s:O, s:O, s:o, s:o, s:O, s:O, s:o, s:O, s:n, s:s, s:s}", "question_text",
                              json_object_get(q, "question_text"), "category", json_object_get(q, "category"),
                              "topic", cut_json_string(json_object_get(q, "topic"), NAME_BYTES), "skill",
                              json_is_string(skill) ? cut_json_string(skill, NAME_BYTES) : json_null(), "difficulty",
                              json_object_get(q, "difficulty"), "expected_points", json_object_get(q, "expected_points"),
                              "follow_ups", array_of(fu),
                              "model_answer", json_object_get(q, "model_answer"), "bank_id", "language", lang,
                              "engine", "openai");
        if (o == NULL || json_array_append_new(out, o) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

static ig_status oa_generate(ai_engine *e, const json_t *req, json_t **out, ig_err *err)
{
    ai_openai *o = (ai_openai *)e;
    json_t *local = NULL;
    *out = NULL;
    ig_status rc = ai_generate(o->fallback, req, &local, err);
    if (rc != IG_OK)
        return rc;
    int64_t deadline = deadline_of(o);
    const json_t *jc = json_object_get(req, "count");
    int count = json_is_integer(jc) ? (int)json_integer_value(jc) : 8;
    const char *lang = lang_of(req);
    json_t *vars = generate_vars(req, count);
    schema items = SCHEMA_ARR(&S_QUESTION, (size_t)count, (size_t)count);
    schema_field root_fields[] = {{"questions", &items, false}};
    schema root = {.type = SCHEMA_OBJECT, .fields = root_fields, .nfields = 1};
    const json_t *seed = json_object_get(req, "seed");
    ask_ctx a = {.op = OP_GENERATE, .task = "generate", .lang = lang, .vars = vars, .shape = &root,
                 .max_tokens = count * 450 + 600 < 12000 ? count * 450 + 600 : 12000, .temperature = 0.7,
                 .has_seed = json_is_integer(seed), .seed = json_integer_value(seed)};
    if (vars == NULL) {
        a.why = R_ERROR;
        snprintf(a.detail, sizeof a.detail, "out of memory");
    }
    json_t *made = vars != NULL && ask(o, &a, deadline) == IG_OK ? generated(a.doc, lang) : NULL;
    if (made == NULL && a.doc != NULL) {
        a.why = R_ERROR;
        snprintf(a.detail, sizeof a.detail, "out of memory");
    }
    account(o, req, a.prompt_tokens, a.completion_tokens);
    if (made != NULL) {
        atomic_fetch_add(&o->answered[OP_GENERATE][0], 1);
        json_decref(local);
        local = made;
    } else {
        fell_back(o, &a);
        size_t i;
        json_t *q;
        json_array_foreach(local, i, q) mark_local(q, a.why);
    }
    attach_usage(json_array_get(local, 0), a.prompt_tokens, a.completion_tokens);
    *out = local;
    json_decref(a.doc);
    json_decref(vars);
    return IG_OK;
}

/* ---- score ---- */

static json_t *analysis_of(const json_t *doc)
{
    const json_t *d = json_object_get(doc, "dimensions");
    json_t *dims = json_object();
    for (size_t i = 0; dims != NULL && i < sizeof DIMENSION_FIELDS / sizeof DIMENSION_FIELDS[0]; i++) {
        const char *k = DIMENSION_FIELDS[i].name;
        json_object_set_new(dims, k, json_real(round1(json_number_value(json_object_get(d, k)))));
    }
    return json_pack("{s:f, s:o, s:O, s:O, s:O, s:O, s:O, s:s}", "score",
                     round1(json_number_value(json_object_get(doc, "score"))), "dimensions", dims, "feedback",
                     json_object_get(doc, "feedback"), "strengths", json_object_get(doc, "strengths"),
                     "improvements", json_object_get(doc, "improvements"), "covered_points",
                     json_object_get(doc, "covered_points"), "missing_points", json_object_get(doc, "missing_points"),
                     "engine", "openai");
}

static json_t *score_vars(const json_t *req)
{
    const json_t *points = json_object_get(req, "key_points"), *type = json_object_get(req, "type");
    return json_pack("{s:O, s:o, s:o, s:o, s:o, s:O}", "question", json_object_get(req, "question"), "key_points",
                     array_of(points), "type",
                     json_is_string(type) ? json_incref((json_t *)type) : json_string("general"), "difficulty",
                     or_null(json_object_get(req, "difficulty")), "skill", or_null(json_object_get(req, "skill")),
                     "answer", json_object_get(req, "answer"));
}

/* Runs one model operation whose result is an object: the local result when the model fails,
 * built by make from the valid reply otherwise. */
static ig_status model_or_local(ai_openai *o, ask_ctx *a, const json_t *req, json_t *local,
                                json_t *(*make)(const json_t *doc, json_t *local), json_t **out)
{
    json_t *made = a->vars != NULL && ask(o, a, deadline_of(o)) == IG_OK ? make(a->doc, local) : NULL;
    if (made == NULL && (a->vars == NULL || a->doc != NULL)) {
        a->why = R_ERROR;
        snprintf(a->detail, sizeof a->detail, "out of memory");
    }
    account(o, req, a->prompt_tokens, a->completion_tokens);
    if (made != NULL) {
        atomic_fetch_add(&o->answered[a->op][0], 1);
        json_decref(local);
        local = made;
    } else {
        fell_back(o, a);
        mark_local(local, a->why);
    }
    attach_usage(local, a->prompt_tokens, a->completion_tokens);
    *out = local;
    json_decref(a->doc);
    return IG_OK;
}

static json_t *make_analysis(const json_t *doc, json_t *local)
{
    (void)local;
    return analysis_of(doc);
}

static ig_status oa_score(ai_engine *e, const json_t *req, json_t **out, ig_err *err)
{
    ai_openai *o = (ai_openai *)e;
    json_t *local = NULL;
    *out = NULL;
    ig_status rc = ai_score(o->fallback, req, &local, err);
    if (rc != IG_OK)
        return rc;
    json_t *vars = score_vars(req);
    ask_ctx a = {.op = OP_SCORE, .task = "score", .lang = lang_of(req), .vars = vars, .shape = &S_ANALYSIS,
                 .max_tokens = 1500, .temperature = 0.2};
    rc = model_or_local(o, &a, req, local, make_analysis, out);
    json_decref(vars);
    return rc;
}

/* ---- follow-up ---- */

static json_t *make_follow_up(const json_t *doc, json_t *local)
{
    (void)local;
    return json_pack("{s:O, s:O, s:s}", "question_text", json_object_get(doc, "question_text"), "expected_points",
                     json_object_get(doc, "expected_points"), "engine", "openai");
}

static ig_status oa_follow_up(ai_engine *e, const json_t *req, json_t **out, ig_err *err)
{
    ai_openai *o = (ai_openai *)e;
    json_t *local = NULL;
    *out = NULL;
    ig_status rc = ai_follow_up(o->fallback, req, &local, err);
    if (rc != IG_OK)
        return rc;
    if (!json_is_object(local)) { /* none due: nothing to word */
        *out = local;
        return IG_OK;
    }
    const json_t *points = json_object_get(req, "key_points"), *fus = json_object_get(req, "follow_ups");
    const json_t *missing = json_object_get(json_object_get(req, "analysis"), "missing_points");
    json_t *vars = json_pack("{s:o, s:o, s:o, s:O, s:o}", "question", or_null(json_object_get(req, "question")),
                             "key_points", array_of(points), "answer",
                             or_null(json_object_get(req, "answer")),
                             "missing_points", json_is_array(missing) ? missing : json_object_get(local, "expected_points"),
                             "follow_ups", array_of(fus));
    ask_ctx a = {.op = OP_FOLLOW_UP, .task = "follow_up", .lang = lang_of(req), .vars = vars,
                 .shape = &S_FOLLOW_UP, .max_tokens = 600, .temperature = 0.5};
    rc = model_or_local(o, &a, req, local, make_follow_up, out);
    json_decref(vars);
    return rc;
}

/* ---- report ---- */

/* What the coach reads of each answer: the text, the topic, the status, the score and the
 * analysis's remarks, capped. */
static json_t *report_answers(const json_t *req)
{
    json_t *out = json_array(), *a;
    size_t i;
    json_array_foreach(json_object_get(req, "answers"), i, a) {
        const json_t *an = json_object_get(a, "analysis");
        json_t *item = json_pack("{s:o, s:o, s:o, s:o, s:o, s:O?}", "question_text",
                                 cut_json_string(json_object_get(a, "question_text"), REPORT_TEXT_BYTES), "topic",
                                 or_null(json_object_get(a, "topic")), "status", or_null(json_object_get(a, "status")),
                                 "score", or_null(json_object_get(an, "score")), "feedback",
                                 cut_json_string(json_object_get(an, "feedback"), REPORT_TEXT_BYTES), "missing_points",
                                 json_object_get(an, "missing_points"));
        if (item == NULL || json_array_append_new(out, item) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

static json_t *make_report(const json_t *doc, json_t *local)
{
    json_t *r = json_deep_copy(local), *q;
    size_t i;
    if (r == NULL)
        return NULL;
    json_object_set(r, "strengths", json_object_get(doc, "strengths"));
    json_object_set(r, "weaknesses", json_object_get(doc, "weaknesses"));
    json_object_set(r, "suggestions", json_object_get(doc, "suggestions"));
    const json_t *summaries = json_object_get(doc, "summaries");
    json_array_foreach(json_object_get(r, "questions"), i, q) {
        const json_t *s = json_array_get(summaries, i);
        if (json_is_string(s))
            json_object_set(q, "summary", (json_t *)s);
    }
    json_object_set_new(r, "engine", json_string("openai"));
    return r;
}

static ig_status oa_report(ai_engine *e, const json_t *req, json_t **out, ig_err *err)
{
    ai_openai *o = (ai_openai *)e;
    json_t *local = NULL;
    *out = NULL;
    ig_status rc = ai_report(o->fallback, req, &local, err);
    if (rc != IG_OK)
        return rc;
    size_t n = json_array_size(json_object_get(local, "questions"));
    if (n == 0) { /* nothing to write about */
        *out = local;
        return IG_OK;
    }
    json_t *answers = report_answers(req);
    const json_t *type = json_object_get(req, "interview_type");
    json_t *vars = answers == NULL ? NULL
                                   : json_pack("{s:o, s:o, s:o, s:o, s:I, s:o}", "interview_type", or_null(type),
                                               "overall_score", or_null(json_object_get(local, "overall_score")),
                                               "dimension_scores", or_null(json_object_get(local, "dimension_scores")),
                                               "weakest_topics", or_null(json_object_get(local, "weakest_topics")),
                                               "count", (json_int_t)n, "answers", answers);
    schema summaries = SCHEMA_ARR(&S_SUMMARY, n, n);
    schema_field fields[] = {{"strengths", &S_STRENGTHS, false},
                             {"weaknesses", &S_WEAKNESSES, false},
                             {"suggestions", &S_SUGGESTIONS, false},
                             {"summaries", &summaries, false}};
    schema root = {.type = SCHEMA_OBJECT, .fields = fields, .nfields = 4};
    ask_ctx a = {.op = OP_REPORT, .task = "report", .lang = lang_of(req), .vars = vars, .shape = &root,
                 .max_tokens = 1500 + 200 * (int)(n < 60 ? n : 60), .temperature = 0.4};
    rc = model_or_local(o, &a, req, local, make_report, out);
    json_decref(vars);
    return rc;
}

/* ---- refine ---- */

static ig_status oa_refine(ai_engine *e, const json_t *req, json_t **out, ig_err *err)
{
    ai_openai *o = (ai_openai *)e;
    const json_t *fields = json_object_get(req, "fields"), *text = json_object_get(req, "raw_text");
    const json_t *resume = json_object_get(req, "resume");
    schema_field asked[NREFINE];
    size_t nasked = 0, i;
    json_t *f;
    *out = NULL;
    if (!json_is_string(text) || !json_is_array(fields) || json_array_size(fields) == 0)
        return status_errf(err, IG_EINVAL, "a refine request needs raw_text and a non-empty fields list");
    json_array_foreach(fields, i, f) {
        size_t k = 0;
        while (k < NREFINE && (!json_is_string(f) || strcmp(json_string_value(f), REFINE_FIELDS[k].name) != 0))
            k++;
        if (k == NREFINE)
            return status_errf(err, IG_EINVAL, "fields[%zu] is not a field that can be refined", i);
        bool dup = false;
        for (size_t j = 0; j < nasked; j++)
            dup |= asked[j].name == REFINE_FIELDS[k].name;
        if (!dup)
            asked[nasked++] = REFINE_FIELDS[k];
    }
    /* what the parser found, for the fields asked */
    json_t *found = json_object();
    const json_t *basic = json_object_get(resume, "basic_info");
    for (size_t k = 0; found != NULL && k < nasked; k++) {
        /* name, email and phone are basic_info's; the lists are the resume's own */
        const json_t *v = json_object_get(basic, asked[k].name) != NULL ? json_object_get(basic, asked[k].name)
                                                                        : json_object_get(resume, asked[k].name);
        json_object_set_new(found, asked[k].name, or_null(v));
    }
    json_t *vars = found != NULL ? json_pack("{s:O, s:o, s:o}", "fields", fields, "resume", found, "raw_text",
                                             cut_json_string(text, RAW_TEXT_BYTES))
                                 : NULL;
    schema root = {.type = SCHEMA_OBJECT, .fields = asked, .nfields = nasked};
    ask_ctx a = {.op = OP_REFINE, .task = "refine", .lang = lang_of(req), .vars = vars, .shape = &root,
                 .max_tokens = 4000, .temperature = 0.0};
    ig_status rc = vars != NULL ? ask(o, &a, deadline_of(o)) : IG_ENOMEM;
    account(o, req, a.prompt_tokens, a.completion_tokens);
    if (rc == IG_OK) {
        json_t *r = json_object();
        for (size_t k = 0; r != NULL && k < nasked; k++)
            json_object_set(r, asked[k].name, json_object_get(a.doc, asked[k].name));
        attach_usage(r, a.prompt_tokens, a.completion_tokens);
        atomic_fetch_add(&o->answered[OP_REFINE][0], 1);
        *out = r;
        rc = r != NULL ? IG_OK : status_errf(err, IG_ENOMEM, "out of memory");
    } else if (rc == IG_ENOMEM) {
        rc = status_errf(err, IG_ENOMEM, "out of memory building a refine request");
    } else {
        fell_back(o, &a);
        rc = status_errf(err, IG_EIO, "the model could not refine the resume: %s: %s", REASON_NAMES[a.why], a.detail);
    }
    json_decref(a.doc);
    json_decref(vars);
    return rc;
}

/* ---- metrics ---- */

static ig_status oa_metrics(ai_engine *e, ig_buf *out)
{
    ai_openai *o = (ai_openai *)e;
    oaclient_stats s;
    oaclient_stats_get(o->client, &s);
    ig_status st = buf_appendf(out, "# HELP ig_ai_calls_total AI engine calls by operation and the engine that "
                                    "answered (local: the language model failed).\n"
                                    "# TYPE ig_ai_calls_total counter\n");
    for (int op = 0; st == IG_OK && op < OP_COUNT; op++)
        st = buf_appendf(out,
                         "ig_ai_calls_total{op=\"%s\",engine=\"openai\"} %llu\n"
                         "ig_ai_calls_total{op=\"%s\",engine=\"local\"} %llu\n",
                         OP_NAMES[op], atomic_load(&o->answered[op][0]), OP_NAMES[op],
                         atomic_load(&o->answered[op][1]));
    if (st == IG_OK)
        st = buf_appendf(out, "# HELP ig_ai_fallbacks_total Calls answered by the local engine because the "
                              "language model could not, by reason.\n# TYPE ig_ai_fallbacks_total counter\n");
    for (int op = 0; st == IG_OK && op < OP_COUNT; op++)
        for (int r = 0; st == IG_OK && r < R_COUNT; r++) {
            unsigned long long n = atomic_load(&o->fallbacks[op][r]);
            if (n > 0)
                st = buf_appendf(out, "ig_ai_fallbacks_total{op=\"%s\",reason=\"%s\"} %llu\n", OP_NAMES[op],
                                 REASON_NAMES[r], n);
        }
    if (st == IG_OK)
        st = buf_appendf(out, "# HELP ig_ai_repairs_total Replies sent back once with a repair prompt.\n"
                              "# TYPE ig_ai_repairs_total counter\n");
    for (int op = 0; st == IG_OK && op < OP_COUNT; op++)
        st = buf_appendf(out, "ig_ai_repairs_total{op=\"%s\"} %llu\n", OP_NAMES[op], atomic_load(&o->repairs[op]));
    if (st == IG_OK)
        st = buf_appendf(out,
                         "# HELP ig_ai_tokens_total Language-model tokens spent, from the replies' usage.\n"
                         "# TYPE ig_ai_tokens_total counter\n"
                         "ig_ai_tokens_total{type=\"prompt\"} %llu\nig_ai_tokens_total{type=\"completion\"} %llu\n"
                         "# HELP ig_ai_http_requests_total Requests sent to the language-model endpoint.\n"
                         "# TYPE ig_ai_http_requests_total counter\nig_ai_http_requests_total %llu\n"
                         "# HELP ig_ai_http_retries_total Of them, retries after 429, 5xx or transport failures.\n"
                         "# TYPE ig_ai_http_retries_total counter\nig_ai_http_retries_total %llu\n"
                         "# HELP ig_ai_circuit_opens_total Times the endpoint's circuit breaker opened.\n"
                         "# TYPE ig_ai_circuit_opens_total counter\nig_ai_circuit_opens_total %llu\n"
                         "# HELP ig_ai_circuit_open Whether the endpoint's circuit breaker is open now.\n"
                         "# TYPE ig_ai_circuit_open gauge\nig_ai_circuit_open %d\n"
                         "# HELP ig_ai_json_mode Whether replies are asked for with response_format.\n"
                         "# TYPE ig_ai_json_mode gauge\nig_ai_json_mode %d\n"
                         "# HELP ig_ai_user_tokens_total Language-model tokens spent per user.\n"
                         "# TYPE ig_ai_user_tokens_total counter\n",
                         atomic_load(&o->prompt_tokens), atomic_load(&o->completion_tokens), s.requests, s.retries,
                         s.breaker_opens, s.breaker_open ? 1 : 0, s.json_mode ? 1 : 0);
    pthread_mutex_lock(&o->lock);
    for (size_t i = 0; st == IG_OK && i < o->nusers; i++)
        st = buf_appendf(out,
                         "ig_ai_user_tokens_total{user_id=\"%lld\",type=\"prompt\"} %llu\n"
                         "ig_ai_user_tokens_total{user_id=\"%lld\",type=\"completion\"} %llu\n",
                         (long long)o->users[i].user_id, o->users[i].prompt, (long long)o->users[i].user_id,
                         o->users[i].completion);
    if (st == IG_OK && (o->other.prompt > 0 || o->other.completion > 0))
        st = buf_appendf(out,
                         "ig_ai_user_tokens_total{user_id=\"other\",type=\"prompt\"} %llu\n"
                         "ig_ai_user_tokens_total{user_id=\"other\",type=\"completion\"} %llu\n",
                         o->other.prompt, o->other.completion);
    pthread_mutex_unlock(&o->lock);
    return st;
}

/* ---- open / close ---- */

static void oa_close(ai_engine *e)
{
    ai_openai *o = (ai_openai *)e;
    oaclient_free(o->client);
    ai_engine_close(o->fallback);
    pthread_mutex_destroy(&o->lock);
    free(o->users);
    free(o);
}

static const ai_engine_ops openai_ops = {
    .name = "openai",
    .generate = oa_generate,
    .score = oa_score,
    .follow_up = oa_follow_up,
    .report = oa_report,
    .refine = oa_refine,
    .metrics = oa_metrics,
    .close = oa_close,
};

bool ai_openai_needs_key(const char *url)
{
    static const char *const hosted[] = {"api.openai.com", "api.deepseek.com"};
    const char *h = strstr(url, "://");
    h = h != NULL ? h + 3 : url;
    size_t n = strcspn(h, ":/?#");
    for (size_t i = 0; i < sizeof hosted / sizeof hosted[0]; i++)
        if (strlen(hosted[i]) == n && strncasecmp(h, hosted[i], n) == 0)
            return true;
    return false;
}

ig_status ai_openai_check(const ai_openai_config *cfg, ig_err *err)
{
    if (cfg->base_url == NULL || cfg->base_url[0] == '\0')
        return status_errf(err, IG_EINVAL, "AI_ENGINE=openai needs AI_BASE_URL");
    if ((cfg->api_key == NULL || cfg->api_key[0] == '\0') && ai_openai_needs_key(cfg->base_url))
        return status_errf(err, IG_EINVAL,
                           "AI_ENGINE=openai with %s needs an API key: set OPENAI_API_KEY (or DEEPSEEK_API_KEY), "
                           "or point AI_BASE_URL at a local server such as Ollama or llama.cpp, which needs none",
                           cfg->base_url);
    if (cfg->model == NULL || cfg->model[0] == '\0' || strlen(cfg->model) >= sizeof ((ai_openai *)0)->model)
        return status_errf(err, IG_EINVAL, "AI_MODEL must name a model (at most 127 bytes)");
    if (cfg->timeout_ms < 1)
        return status_errf(err, IG_EINVAL, "AI_TIMEOUT must be positive");
    return IG_OK;
}

ig_status ai_openai_open(const ai_openai_config *cfg, ai_engine *fallback, const ig_log *log, ai_engine **out,
                         ig_err *err)
{
    ig_status rc = fallback != NULL ? ai_openai_check(cfg, err)
                                    : status_errf(err, IG_EINVAL, "the openai engine needs a fallback engine");
    ai_openai *o = rc == IG_OK ? calloc(1, sizeof *o) : NULL;
    if (rc == IG_OK && o == NULL)
        rc = status_errf(err, IG_ENOMEM, "out of memory opening the openai engine");
    if (rc != IG_OK) {
        ai_engine_close(fallback);
        return rc;
    }
    o->base.ops = &openai_ops;
    o->fallback = fallback;
    o->log = log;
    o->timeout_ms = cfg->timeout_ms;
    snprintf(o->model, sizeof o->model, "%s", cfg->model);
    if (pthread_mutex_init(&o->lock, NULL) != 0) {
        ai_engine_close(fallback);
        free(o);
        return status_errf(err, IG_EINTERNAL, "cannot create the openai engine's lock");
    }
    oaclient_config cc = {
        .base_url = cfg->base_url,
        .api_key = cfg->api_key,
        .max_concurrency = cfg->max_concurrency,
        .max_attempts = cfg->max_attempts,
        .breaker_threshold = cfg->breaker_threshold,
        .breaker_cooldown_ms = cfg->breaker_cooldown_ms,
        .backoff_base_ms = cfg->backoff_base_ms,
        .backoff_max_ms = cfg->backoff_max_ms,
    };
    if ((rc = oaclient_new(&cc, &o->client, err)) != IG_OK) {
        oa_close(&o->base);
        return rc;
    }
    *out = &o->base;
    return IG_OK;
}

/* Tests for ai/openai: JSON pulled out of prose and code fences (EN and ZH), the start-up check on
 * keys, and the engine against a scripted loopback server: every operation answered by the model,
 * a reply in prose, invalid JSON repaired, off-schema twice falling back to the local engine with
 * the reason, a hang cut at the timeout, a server error, a follow-up that is not due costing no
 * request, refine, token accounting in the metrics, and the key never in the log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ai/fake_http.h"
#include "ai/fixtures.h"
#include "ai/local.h"
#include "ai/oaclient.h"
#include "ai/openai.h"

#define KEY "sk-unit-SECRET-abcdef0123"

/* ---- extraction ---- */

/* The JSON extracted from text, compact, or "!cut" / "!none". */
static const char *extract(const char *text)
{
    static char out[512];
    json_t *v = NULL;
    bool cut = false;
    ig_err err = {0};
    if (ai_openai_extract_json(text, strlen(text), &v, &cut, &err) != IG_OK) {
        snprintf(out, sizeof out, "%s", cut ? "!cut" : "!none");
        return out;
    }
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    snprintf(out, sizeof out, "%s", s);
    free(s);
    json_decref(v);
    return out;
}

static void test_extract_json(void **state)
{
    (void)state;
    assert_string_equal(extract("{\"score\": 80}"), "{\"score\":80}");
    assert_string_equal(extract("  \n[1, 2]\n"), "[1,2]");
    assert_string_equal(extract("Sure! Here is the analysis:\n{\"score\": 80, \"note\": \"a } in a string\"}\nHope "
                                "this helps."),
                        "{\"note\":\"a } in a string\",\"score\":80}");
    assert_string_equal(extract("```json\n{\"a\": 1}\n```"), "{\"a\":1}");
    assert_string_equal(extract("Result:\n```\n{\"a\": \"b\"}\n```\nDone."), "{\"a\":\"b\"}");
    /* a fence whose content does not parse, then a good one */
    assert_string_equal(extract("```\nnot json\n```\nthen ```json\n{\"x\": true}\n```"), "{\"x\":true}");
    /* braces in prose before the real object */
    assert_string_equal(extract("Use {curly} braces. {\"ok\": 1}"), "{\"ok\":1}");
    assert_string_equal(extract("好的，以下是评分：\n{\"feedback\": \"回答很好 {示例}\"}\n谢谢"),
                        "{\"feedback\":\"回答很好 {示例}\"}");
    assert_string_equal(extract("{\"questions\": [{\"question_text\": \"What is"), "!cut");
    assert_string_equal(extract("```json\n{\"a\": [1, 2"), "!cut");
    assert_string_equal(extract("I cannot help with that."), "!none");
    assert_string_equal(extract("42"), "!none");
    assert_string_equal(extract(""), "!none");
}

static void test_check(void **state)
{
    (void)state;
    ig_err err = {0};
    ai_openai_config c = {.base_url = "https://api.openai.com/v1", .model = "gpt-4o-mini", .timeout_ms = 1000};
    assert_int_equal(ai_openai_check(&c, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "needs an API key: set OPENAI_API_KEY"));
    c.base_url = "https://API.DeepSeek.com:443/v1";
    assert_int_equal(ai_openai_check(&c, &err), IG_EINVAL);
    c.api_key = "";
    c.base_url = "http://localhost:11434/v1";
    assert_int_equal(ai_openai_check(&c, &err), IG_OK);
    c.base_url = "https://api.openai.com/v1";
    c.api_key = KEY;
    assert_int_equal(ai_openai_check(&c, &err), IG_OK);
    c.model = "";
    assert_int_equal(ai_openai_check(&c, &err), IG_EINVAL);
}

/* ---- the engine against the scripted server ---- */

typedef struct ctx {
    fake_http f;
    ai_engine *e;
    ig_log log;
    char log_path[64];
    int log_fd;
} ctx;

static int setup_timeout(void **state, int timeout_ms)
{
    ctx *x = calloc(1, sizeof *x);
    ai_engine *local = NULL;
    ig_err err = {0};
    if (x == NULL || fake_start(&x->f) != 0)
        return -1;
    snprintf(x->log_path, sizeof x->log_path, "/tmp/ig-test-openai-XXXXXX");
    x->log_fd = mkstemp(x->log_path);
    if (x->log_fd < 0 || log_init(&x->log, x->log_fd, "info", &err) != IG_OK)
        return -1;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1", x->f.port);
    ai_openai_config cfg = {.base_url = url, .api_key = KEY, .model = "test-model", .timeout_ms = timeout_ms,
                            .max_concurrency = 2, .backoff_base_ms = 10, .backoff_max_ms = 40};
    if (ai_local_open(&local, &err) != IG_OK || ai_openai_open(&cfg, local, &x->log, &x->e, &err) != IG_OK) {
        fprintf(stderr, "open: %s\n", err.msg);
        return -1;
    }
    *state = x;
    return 0;
}

static int setup(void **state)
{
    return setup_timeout(state, 5000);
}

static int teardown(void **state)
{
    ctx *x = *state;
    ai_engine_close(x->e);
    fake_stop(&x->f);
    close(x->log_fd);
    unlink(x->log_path);
    free(x);
    return 0;
}

/* Queues a 200 whose message content is text (any bytes: JSON-escaped here). */
static void push_content(ctx *x, const char *text, int delay_ms)
{
    json_t *s = json_string(text);
    char *lit = json_dumps(s, JSON_ENCODE_ANY);
    char *body = fake_chat_body(lit, "stop", 100, 20);
    fake_push(&x->f, 200, NULL, body, delay_ms);
    free(body);
    free(lit);
    json_decref(s);
}

static char *log_text(ctx *x)
{
    size_t n = 0;
    return fx_read(x->log_path, &n);
}

static json_t *score_req(void)
{
    return json_pack("{s:s, s:[s, s], s:s, s:s, s:s, s:s, s:I}", "question", "How does Redis persist data?",
                     "key_points", "RDB snapshots", "AOF log", "type", "technical", "language", "en", "answer",
                     "Redis writes RDB snapshots and can append every write to an AOF log.", "difficulty", "medium",
                     "user_id", (json_int_t)7);
}

static const char *GOOD_ANALYSIS =
    "{\"score\": 86.04, \"dimensions\": {\"relevance\": 90, \"coverage\": 100, \"depth\": 70, \"structure\": 80, "
    "\"clarity\": 85}, \"feedback\": \"FAKE-LLM: solid answer.\", \"strengths\": [\"names both mechanisms\"], "
    "\"improvements\": [\"say when to pick which\"], \"covered_points\": [\"RDB snapshots\", \"AOF log\"], "
    "\"missing_points\": []}";

static char *metrics_text(ctx *x)
{
    ig_buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(ai_engine_metrics(x->e, &b), IG_OK);
    size_t n;
    return buf_steal(&b, &n);
}

static void test_score_by_the_model(void **state)
{
    ctx *x = *state;
    push_content(x, GOOD_ANALYSIS, 0);
    json_t *req = score_req(), *out = NULL;
    ig_err err = {0};
    assert_int_equal(ai_score(x->e, req, &out, &err), IG_OK);
    assert_string_equal(json_string_value(json_object_get(out, "engine")), "openai");
    assert_null(json_object_get(out, "reason"));
    assert_true(json_number_value(json_object_get(out, "score")) == 86.0);
    assert_int_equal((int)json_number_value(json_object_get(json_object_get(out, "dimensions"), "depth")), 70);
    assert_string_equal(json_string_value(json_object_get(out, "feedback")), "FAKE-LLM: solid answer.");
    json_t *usage = json_object_get(out, "usage");
    assert_int_equal(json_integer_value(json_object_get(usage, "prompt_tokens")), 100);
    assert_int_equal(json_integer_value(json_object_get(usage, "completion_tokens")), 20);
    /* the prompt: the answer as JSON data, the model, JSON mode */
    const char *sent = fake_request(&x->f, 0);
    assert_non_null(strstr(sent, "\"model\":\"test-model\""));
    assert_non_null(strstr(sent, "(prompt score.v1)"));
    assert_non_null(strstr(sent, "Candidate's answer: \\\"Redis writes RDB snapshots"));
    assert_non_null(strstr(sent, "\"response_format\""));
    char *m = metrics_text(x);
    assert_non_null(strstr(m, "ig_ai_calls_total{op=\"score\",engine=\"openai\"} 1\n"));
    assert_non_null(strstr(m, "ig_ai_tokens_total{type=\"prompt\"} 100\n"));
    assert_non_null(strstr(m, "ig_ai_user_tokens_total{user_id=\"7\",type=\"completion\"} 20\n"));
    free(m);
    json_decref(out);
    json_decref(req);
}

static void test_reply_in_prose_and_fences(void **state)
{
    ctx *x = *state;
    char text[1024];
    snprintf(text, sizeof text, "Here is my assessment:\n```json\n%s\n```\nLet me know!", GOOD_ANALYSIS);
    push_content(x, text, 0);
    json_t *req = score_req(), *out = NULL;
    ig_err err = {0};
    assert_int_equal(ai_score(x->e, req, &out, &err), IG_OK);
    assert_string_equal(json_string_value(json_object_get(out, "engine")), "openai");
    assert_int_equal(fake_count(&x->f), 1);
    json_decref(out);
    json_decref(req);
}

static void test_invalid_json_repaired(void **state)
{
    ctx *x = *state;
    push_content(x, "{\"score\": 80, \"dimensions\": oops", 0);
    push_content(x, GOOD_ANALYSIS, 0);
    json_t *req = score_req(), *out = NULL;
    ig_err err = {0};
    assert_int_equal(ai_score(x->e, req, &out, &err), IG_OK);
    assert_string_equal(json_string_value(json_object_get(out, "engine")), "openai");
    /* both calls' tokens */
    assert_int_equal(json_integer_value(json_object_get(json_object_get(out, "usage"), "prompt_tokens")), 200);
    const char *second = fake_request(&x->f, 1);
    assert_null(strstr(second, "(prompt repair.v1)")); /* only the repair's user part is sent */
    assert_non_null(strstr(second, "Your reply could not be used: \\\"the reply's JSON is cut off\\\""));
    assert_non_null(strstr(second, "{\"role\":\"assistant\",\"content\":\"{\\\"score\\\": 80, \\\"dimensions\\\": oops\"}"));
    char *m = metrics_text(x);
    assert_non_null(strstr(m, "ig_ai_repairs_total{op=\"score\"} 1\n"));
    free(m);
    json_decref(out);
    json_decref(req);
}

static void test_off_schema_twice_falls_back(void **state)
{
    ctx *x = *state;
    push_content(x, "{\"score\": 150, \"dimensions\": {}}", 0);
    push_content(x, "{\"score\": \"high\"}", 0);
    json_t *req = score_req(), *out = NULL;
    ig_err err = {0};
    assert_int_equal(ai_score(x->e, req, &out, &err), IG_OK);
    assert_string_equal(json_string_value(json_object_get(out, "engine")), "local");
    assert_string_equal(json_string_value(json_object_get(out, "reason")), "off_schema");
    /* the local analysis, whole */
    assert_true(json_is_object(json_object_get(out, "dimensions")));
    assert_true(json_is_string(json_object_get(out, "feedback")));
    assert_non_null(strstr(fake_request(&x->f, 1), "$.score: 150 is above the maximum 100"));
    char *m = metrics_text(x);
    assert_non_null(strstr(m, "ig_ai_fallbacks_total{op=\"score\",reason=\"off_schema\"} 1\n"));
    assert_non_null(strstr(m, "ig_ai_calls_total{op=\"score\",engine=\"local\"} 1\n"));
    free(m);
    char *log = log_text(x);
    assert_non_null(strstr(log, "\"event\":\"ai_fallback\""));
    assert_non_null(strstr(log, "\"reason\":\"off_schema\""));
    free(log);
    json_decref(out);
    json_decref(req);
}

static void test_server_errors_fall_back_and_key_stays_out_of_logs(void **state)
{
    ctx *x = *state;
    fake_push(&x->f, 401, NULL, "{\"error\": {\"message\": \"Incorrect API key provided: " KEY "\"}}", 0);
    json_t *req = score_req(), *out = NULL;
    ig_err err = {0};
    assert_int_equal(ai_score(x->e, req, &out, &err), IG_OK);
    assert_string_equal(json_string_value(json_object_get(out, "reason")), "http_4xx");
    json_decref(out);
    /* the default reply is a 500: retried, then the local answer */
    assert_int_equal(ai_score(x->e, req, &out, &err), IG_OK);
    assert_string_equal(json_string_value(json_object_get(out, "engine")), "local");
    assert_string_equal(json_string_value(json_object_get(out, "reason")), "http_5xx");
    assert_int_equal(fake_count(&x->f), 4);
    json_decref(out);
    json_decref(req);
    char *log = log_text(x);
    assert_non_null(strstr(log, "Incorrect API key provided: ***"));
    assert_null(strstr(log, "SECRET"));
    free(log);
    /* the key was sent, where it belongs */
    assert_non_null(strstr(fake_request(&x->f, 0), "Authorization: Bearer " KEY "\r\n"));
}

static void test_hang_bounded_by_the_timeout(void **state)
{
    (void)state;
    void *st = NULL;
    assert_int_equal(setup_timeout(&st, 600), 0);
    ctx *x = st;
    push_content(x, GOOD_ANALYSIS, 5000);
    json_t *req = score_req(), *out = NULL;
    ig_err err = {0};
    int64_t t0 = oaclient_now_ms();
    assert_int_equal(ai_score(x->e, req, &out, &err), IG_OK);
    int64_t took = oaclient_now_ms() - t0;
    assert_true(took < 1500);
    assert_string_equal(json_string_value(json_object_get(out, "engine")), "local");
    assert_string_equal(json_string_value(json_object_get(out, "reason")), "timeout");
    json_decref(out);
    json_decref(req);
    teardown(&st);
}

static void test_bad_request_costs_nothing(void **state)
{
    ctx *x = *state;
    json_t *req = json_pack("{s:i}", "question", 5), *out = NULL;
    ig_err err = {0};
    assert_int_equal(ai_score(x->e, req, &out, &err), IG_EINVAL);
    assert_null(out);
    assert_int_equal(fake_count(&x->f), 0);
    json_decref(req);
}

static json_t *generate_req(int count, const char *lang)
{
    return json_pack("{s:o, s:s, s:s, s:i, s:s, s:s, s:I, s:[s], s:I}", "resume", fx_resume(), "interview_type",
                     "technical", "difficulty", "hard", "count", count, "language", lang, "job_description",
                     "Backend engineer, Redis and Go", "seed", (json_int_t)11, "weak_topics", "caching", "user_id",
                     (json_int_t)9);
}

static const char *QUESTION_FMT =
    "{\"question_text\": \"FAKE-LLM question %d\", \"category\": \"technical\", \"topic\": \"%s\", "
    "\"skill\": \"Redis\", \"difficulty\": \"hard\", \"expected_points\": [\"p1\", \"p2\"], "
    "\"follow_ups\": [\"f1\"], \"model_answer\": \"m\"}";

static void push_questions(ctx *x, int n, const char *topic)
{
    char text[8192] = "{\"questions\": [";
    for (int i = 0; i < n; i++) {
        size_t used = strlen(text);
        snprintf(text + used, sizeof text - used, "%s", i > 0 ? ", " : "");
        used = strlen(text);
        snprintf(text + used, sizeof text - used, QUESTION_FMT, i + 1, topic);
    }
    strncat(text, "]}", sizeof text - strlen(text) - 1);
    push_content(x, text, 0);
}

static void test_generate(void **state)
{
    ctx *x = *state;
    /* one question short: repaired; the topic longer than the store keeps: cut at a character */
    push_questions(x, 2, "缓存");
    char topic[256] = "";
    for (int i = 0; i < 40; i++)
        strcat(topic, "缓存");
    push_questions(x, 3, topic);
    json_t *req = generate_req(3, "zh"), *out = NULL;
    ig_err err = {0};
    assert_int_equal(ai_generate(x->e, req, &out, &err), IG_OK);
    assert_int_equal(json_array_size(out), 3);
    json_t *q = json_array_get(out, 0);
    assert_string_equal(json_string_value(json_object_get(q, "question_text")), "FAKE-LLM question 1");
    assert_string_equal(json_string_value(json_object_get(q, "language")), "zh");
    assert_string_equal(json_string_value(json_object_get(q, "engine")), "openai");
    assert_true(json_is_null(json_object_get(q, "bank_id")));
    assert_int_equal(json_string_length(json_object_get(q, "topic")), 99); /* 33 whole characters */
    assert_non_null(json_object_get(q, "usage"));
    assert_null(json_object_get(json_array_get(out, 1), "usage"));
    const char *first = fake_request(&x->f, 0), *second = fake_request(&x->f, 1);
    assert_non_null(strstr(first, "(prompt generate.v1)"));
    assert_non_null(strstr(first, "\"seed\":11"));
    /* no contact details go out */
    assert_null(strstr(first, "@"));
    assert_non_null(strstr(second, "$.questions: has 2 items, at least 3 required"));
    json_decref(out);
    /* the server fails: the bank's questions, marked */
    assert_int_equal(ai_generate(x->e, req, &out, &err), IG_OK);
    assert_int_equal(json_array_size(out), 3);
    q = json_array_get(out, 0);
    assert_string_equal(json_string_value(json_object_get(q, "engine")), "local");
    assert_string_equal(json_string_value(json_object_get(q, "reason")), "http_5xx");
    assert_true(json_is_string(json_object_get(q, "bank_id")));
    json_decref(out);
    json_decref(req);
}

static void test_follow_up(void **state)
{
    ctx *x = *state;
    json_t *req = score_req(), *out = NULL;
    ig_err err = {0};
    /* good coverage: none due, and the model is not asked */
    json_object_set_new(req, "analysis",
                        json_pack("{s:f, s:{s:i}, s:[], s:[s,s]}", "score", 90.0, "dimensions", "coverage", 100,
                                  "missing_points", "covered_points", "RDB snapshots", "AOF log"));
    assert_int_equal(ai_follow_up(x->e, req, &out, &err), IG_OK);
    assert_true(json_is_null(out));
    assert_int_equal(fake_count(&x->f), 0);
    json_decref(out);
    json_object_set_new(req, "analysis", json_pack("{s:f, s:{s:i}, s:[s], s:[s]}", "score", 40.0, "dimensions",
                                                   "coverage", 50, "missing_points", "AOF log", "covered_points",
                                                   "RDB snapshots"));
    push_content(x, "{\"question_text\": \"FAKE-LLM: and what does the AOF log trade off?\", "
                    "\"expected_points\": [\"fsync policy\"]}",
                 0);
    assert_int_equal(ai_follow_up(x->e, req, &out, &err), IG_OK);
    assert_string_equal(json_string_value(json_object_get(out, "question_text")),
                        "FAKE-LLM: and what does the AOF log trade off?");
    assert_string_equal(json_string_value(json_object_get(out, "engine")), "openai");
    assert_non_null(strstr(fake_request(&x->f, 0), "Missing points: [\\\"AOF log\\\"]"));
    json_decref(out);
    json_decref(req);
}

static void test_report(void **state)
{
    ctx *x = *state;
    json_t *analysis = json_pack("{s:f, s:{s:i, s:i, s:i, s:i, s:i}, s:s, s:[], s:[], s:[], s:[]}", "score", 70.0,
                                 "dimensions", "relevance", 70, "coverage", 70, "depth", 70, "structure", 70,
                                 "clarity", 70, "feedback", "ok", "strengths", "improvements", "covered_points",
                                 "missing_points");
    json_t *req = json_pack("{s:s, s:s, s:i, s:[{s:s, s:s, s:s, s:n, s:[], s:s, s:s, s:o}, {s:s, s:s, s:s, s:n, "
                            "s:[], s:s, s:s, s:n}]}",
                            "language", "en", "interview_type", "technical", "duration", 600, "answers",
                            "question_text", "Q1", "category", "technical", "topic", "redis", "skill",
                            "expected_points", "model_answer", "M1", "status", "answered", "analysis", analysis,
                            "question_text", "Q2", "category", "technical", "topic", "go", "skill",
                            "expected_points", "model_answer", "M2", "status", "skipped", "analysis");
    push_content(x, "{\"strengths\": [\"FAKE-LLM strength\"], \"weaknesses\": [], \"suggestions\": [\"s1\", \"s2\", "
                    "\"s3\"], \"summaries\": [\"FAKE-LLM summary 1\", \"FAKE-LLM summary 2\"]}",
                 0);
    json_t *out = NULL;
    ig_err err = {0};
    assert_int_equal(ai_report(x->e, req, &out, &err), IG_OK);
    assert_string_equal(json_string_value(json_object_get(out, "engine")), "openai");
    assert_true(json_number_value(json_object_get(out, "overall_score")) == 70.0); /* the local number */
    assert_string_equal(json_string_value(json_array_get(json_object_get(out, "strengths"), 0)), "FAKE-LLM strength");
    assert_int_equal(json_array_size(json_object_get(out, "suggestions")), 3);
    json_t *qs = json_object_get(out, "questions");
    assert_string_equal(json_string_value(json_object_get(json_array_get(qs, 1), "summary")), "FAKE-LLM summary 2");
    assert_string_equal(json_string_value(json_object_get(json_array_get(qs, 1), "status")), "skipped");
    json_decref(out);
    json_decref(req);
}

static void test_refine(void **state)
{
    ctx *x = *state;
    json_t *req = json_pack("{s:s, s:{s:{s:n, s:s}, s:[]}, s:[s, s], s:I}", "raw_text",
                            "张伟\nzhang.wei@example.com\n技能：Go、Redis", "resume", "basic_info", "name", "email",
                            "zhang.wei@example.com", "skills", "fields", "name", "skills", "user_id", (json_int_t)3);
    push_content(x, "{\"name\": \"张伟\", \"skills\": [\"Go\", \"Redis\"], \"email\": \"ignored@x\"}", 0);
    json_t *out = NULL;
    ig_err err = {0};
    assert_int_equal(ai_refine(x->e, req, &out, &err), IG_OK);
    assert_string_equal(json_string_value(json_object_get(out, "name")), "张伟");
    assert_int_equal(json_array_size(json_object_get(out, "skills")), 2);
    assert_null(json_object_get(out, "email")); /* not asked for */
    assert_non_null(strstr(fake_request(&x->f, 0), "(prompt refine.v1)"));
    json_decref(out);
    /* off-schema twice: an error, the caller keeps its own */
    push_content(x, "{\"name\": 5}", 0);
    push_content(x, "{\"skills\": []}", 0);
    assert_int_equal(ai_refine(x->e, req, &out, &err), IG_EIO);
    assert_null(out);
    assert_non_null(strstr(err.msg, "off_schema"));
    json_decref(req);
    req = json_pack("{s:s, s:[s]}", "raw_text", "x", "fields", "hobbies");
    assert_int_equal(ai_refine(x->e, req, &out, &err), IG_EINVAL);
    json_decref(req);
    char *m = metrics_text(x);
    assert_non_null(strstr(m, "ig_ai_user_tokens_total{user_id=\"3\",type=\"prompt\"} 300\n"));
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract_json),
        cmocka_unit_test(test_check),
        cmocka_unit_test_setup_teardown(test_score_by_the_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_in_prose_and_fences, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_json_repaired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_off_schema_twice_falls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_errors_fall_back_and_key_stays_out_of_logs, setup, teardown),
        cmocka_unit_test(test_hang_bounded_by_the_timeout),
        cmocka_unit_test_setup_teardown(test_bad_request_costs_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_follow_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refine, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

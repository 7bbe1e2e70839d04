/* Tests for ai/report: the overall score is the mean over answered questions only (skipped and
 * unanswered listed, never averaged in as zero; no answers, no score), dimension averages, the
 * top three suggestions from the most frequent improvements, missed points and weakest
 * dimensions, strengths and weaknesses without repeats, weakest topics (lowest scored, then
 * skipped), per-question summaries, EN and ZH, and request validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ai/report.h"

/* An analysis with score s, every dimension at s except one (dim) at dv. */
static json_t *analysis(double s, const char *dim, double dv, json_t *improvements, json_t *missing)
{
    json_t *d = json_pack("{s:f, s:f, s:f, s:f, s:f}", "relevance", s, "coverage", s, "depth", s, "structure", s,
                          "clarity", s);
    if (dim != NULL)
        json_object_set_new(d, dim, json_real(dv));
    return json_pack("{s:f, s:o, s:s, s:[s], s:o, s:[s], s:o, s:s}", "score", s, "dimensions", d, "feedback", "ok",
                     "strengths", "Clear example from real work.", "improvements",
                     improvements != NULL ? improvements : json_array(), "covered_points", "a", "missing_points",
                     missing != NULL ? missing : json_array(), "engine", "local");
}

static json_t *answer(const char *topic, const char *status, json_t *an)
{
    return json_pack("{s:s, s:s, s:s, s:n, s:[s], s:s, s:s, s:o}", "question_text", "Question?", "category",
                     "technical", "topic", topic, "skill", "expected_points", "a", "model_answer", "Outline.",
                     "status", status, "analysis", an != NULL ? an : json_null());
}

static json_t *build(json_t *req)
{
    json_t *out = NULL;
    ig_err err = {0};
    ig_status rc = report_build(req, &out, &err);
    if (rc != IG_OK)
        fail_msg("report: %s", err.msg);
    json_decref(req);
    return out;
}

static bool list_has(const json_t *arr, const char *needle)
{
    size_t i;
    const json_t *v;
    json_array_foreach(arr, i, v) {
        if (strstr(json_string_value(v), needle) != NULL)
            return true;
    }
    return false;
}

static void test_mean_over_answered_only(void **state)
{
    (void)state;
    json_t *answers = json_pack("[o, o, o, o]", answer("redis", "answered", analysis(80, NULL, 0, NULL, NULL)),
                                answer("sql", "answered", analysis(61, NULL, 0, NULL, NULL)),
                                answer("gc", "skipped", NULL), answer("k8s", "unanswered", NULL));
    json_t *r = build(json_pack("{s:s, s:s, s:i, s:o}", "language", "en", "interview_type", "technical", "duration",
                                 1200, "answers", answers));
    assert_float_equal(json_number_value(json_object_get(r, "overall_score")), 70.5, 1e-9);
    assert_int_equal(json_integer_value(json_object_get(r, "answered")), 2);
    assert_int_equal(json_integer_value(json_object_get(r, "skipped")), 1);
    assert_int_equal(json_integer_value(json_object_get(r, "unanswered")), 1);
    assert_int_equal(json_integer_value(json_object_get(r, "duration")), 1200);
    assert_float_equal(json_number_value(json_object_get(json_object_get(r, "dimension_scores"), "depth")), 70.5,
                       1e-9);
    const json_t *qs = json_object_get(r, "questions");
    assert_int_equal(json_array_size(qs), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(qs, 2), "status")), "skipped");
    assert_true(json_is_null(json_object_get(json_array_get(qs, 2), "score")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(qs, 2), "summary")), "Skipped.");
    assert_string_equal(json_string_value(json_object_get(json_array_get(qs, 3), "summary")), "Not answered.");
    assert_float_equal(json_number_value(json_object_get(json_array_get(qs, 0), "score")), 80, 1e-9);
    assert_string_equal(json_string_value(json_object_get(json_array_get(qs, 0), "model_answer")), "Outline.");
    assert_string_equal(json_string_value(json_object_get(r, "engine")), "local");
    json_decref(r);
}

static void test_no_answers(void **state)
{
    (void)state;
    json_t *answers = json_pack("[o, o]", answer("redis", "skipped", NULL), answer("sql", "unanswered", NULL));
    json_t *r = build(json_pack("{s:s, s:o}", "language", "en", "answers", answers));
    assert_true(json_is_null(json_object_get(r, "overall_score")));
    assert_true(json_is_null(json_object_get(json_object_get(r, "dimension_scores"), "coverage")));
    const json_t *s = json_object_get(r, "suggestions");
    assert_true(json_array_size(s) >= 1 && json_array_size(s) <= 3);
    assert_true(list_has(s, "Answer at least"));
    /* the skipped topics are what to practise next */
    const json_t *w = json_object_get(r, "weakest_topics");
    assert_int_equal(json_array_size(w), 2);
    assert_string_equal(json_string_value(json_array_get(w, 0)), "redis");
    assert_true(json_is_null(json_object_get(r, "duration")));
    json_decref(r);
    /* an empty interview */
    r = build(json_pack("{s:[]}", "answers"));
    assert_true(json_is_null(json_object_get(r, "overall_score")));
    assert_int_equal(json_array_size(json_object_get(r, "questions")), 0);
    json_decref(r);
}

static void test_top_three_suggestions(void **state)
{
    (void)state;
    /* "mention the result" comes up in three answers (spelt two ways), depth is the weakest
     * dimension, "cache invalidation" is the most often missed point */
    json_t *answers = json_pack(
        "[o, o, o, o]",
        answer("redis", "answered",
               analysis(55, "depth", 20, json_pack("[s, s]", "Mention the result.", "Name one trade-off."),
                        json_pack("[s]", "cache invalidation"))),
        answer("sql", "answered",
               analysis(60, "depth", 30, json_pack("[s]", "mention the result"), json_pack("[s]", "cache invalidation"))),
        answer("gc", "answered",
               analysis(65, "depth", 25, json_pack("[s]", "Mention the result"), json_pack("[s]", "pause times"))),
        answer("k8s", "answered", analysis(90, NULL, 0, NULL, NULL)));
    json_t *r = build(json_pack("{s:s, s:o}", "language", "en", "answers", answers));
    const json_t *s = json_object_get(r, "suggestions");
    assert_int_equal(json_array_size(s), 3);
    assert_true(list_has(s, "Mention the result"));
    assert_true(list_has(s, "a number (latency")); /* the depth suggestion */
    assert_true(list_has(s, "cache invalidation"));
    assert_false(list_has(s, "Name one trade-off")); /* once only: below the top three */
    /* no suggestion twice, however it was spelt */
    size_t n = 0, i;
    const json_t *v;
    json_array_foreach(s, i, v) {
        n += strstr(json_string_value(v), "ention the result") != NULL;
    }
    assert_int_equal(n, 1);
    assert_true(list_has(json_object_get(r, "weaknesses"), "lack concrete detail"));
    assert_true(list_has(json_object_get(r, "strengths"), "Clear example from real work"));
    assert_true(list_has(json_object_get(r, "strengths"), "Strong on k8s"));
    /* the per-question summary names what was missed */
    const char *sum = json_string_value(json_object_get(json_array_get(json_object_get(r, "questions"), 0), "summary"));
    assert_non_null(strstr(sum, "Scored 55/100"));
    assert_non_null(strstr(sum, "missed: cache invalidation"));
    assert_non_null(strstr(sum, "Weakest dimension: depth (20)"));
    json_decref(r);
}

static void test_weakest_topics(void **state)
{
    (void)state;
    json_t *answers = json_pack("[o, o, o, o, o, o]", answer("redis", "answered", analysis(72, NULL, 0, NULL, NULL)),
                                answer("sql", "answered", analysis(40, NULL, 0, NULL, NULL)),
                                answer("gc", "skipped", NULL), answer("k8s", "answered", analysis(88, NULL, 0, NULL, NULL)),
                                answer("sql", "answered", analysis(50, NULL, 0, NULL, NULL)),
                                answer("kafka", "unanswered", NULL));
    json_t *r = build(json_pack("{s:s, s:o}", "language", "en", "answers", answers));
    const json_t *w = json_object_get(r, "weakest_topics");
    /* lowest average first (sql 45, redis 72), then the skipped ones; k8s (88) is no weakness */
    assert_int_equal(json_array_size(w), 4);
    assert_string_equal(json_string_value(json_array_get(w, 0)), "sql");
    assert_string_equal(json_string_value(json_array_get(w, 1)), "redis");
    assert_string_equal(json_string_value(json_array_get(w, 2)), "gc");
    assert_string_equal(json_string_value(json_array_get(w, 3)), "kafka");
    assert_true(list_has(json_object_get(r, "weaknesses"), "Weak on sql (45/100)"));
    assert_true(list_has(json_object_get(r, "weaknesses"), "2 questions were skipped or left unanswered"));
    assert_true(list_has(json_object_get(r, "suggestions"), "Practise the questions you skipped: gc, kafka"));
    json_decref(r);
}

static void test_chinese(void **state)
{
    (void)state;
    json_t *answers = json_pack("[o, o]",
                                answer("缓存", "answered",
                                       analysis(45, "structure", 20, json_pack("[s]", "补充结果：带来了什么变化。"),
                                                json_pack("[s]", "缓存失效"))),
                                answer("索引", "skipped", NULL));
    json_t *r = build(json_pack("{s:s, s:o}", "language", "zh", "answers", answers));
    assert_string_equal(json_string_value(json_object_get(r, "language")), "zh");
    assert_true(list_has(json_object_get(r, "weaknesses"), "回答缺乏结构"));
    assert_true(list_has(json_object_get(r, "suggestions"), "STAR"));
    assert_true(list_has(json_object_get(r, "suggestions"), "补充结果"));
    const json_t *qs = json_object_get(r, "questions");
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(qs, 0), "summary")), "得分45/100"));
    assert_string_equal(json_string_value(json_object_get(json_array_get(qs, 1), "summary")), "已跳过。");
    const json_t *w = json_object_get(r, "weakest_topics");
    assert_string_equal(json_string_value(json_array_get(w, 0)), "缓存");
    assert_string_equal(json_string_value(json_array_get(w, 1)), "索引");
    json_decref(r);
}

static void expect_einval(json_t *req, const char *needle)
{
    json_t *out = NULL;
    ig_err err = {0};
    assert_int_equal(report_build(req, &out, &err), IG_EINVAL);
    assert_null(out);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("message [%s] lacks [%s]", err.msg, needle);
    json_decref(req);
}

static void test_validation(void **state)
{
    (void)state;
    expect_einval(json_array(), "JSON object");
    expect_einval(json_pack("{s:s}", "answers", "x"), "answers must be an array");
    expect_einval(json_pack("{s:[{s:s}]}", "answers", "status", "done"), "answers[0].status");
    expect_einval(json_pack("{s:[{s:s, s:i}]}", "answers", "status", "answered", "analysis", 3), "analysis");
    expect_einval(json_pack("{s:s, s:[]}", "language", "fr", "answers"), "language");
    expect_einval(json_pack("{s:s, s:[]}", "duration", "long", "answers"), "duration");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mean_over_answered_only),
        cmocka_unit_test(test_no_answers),
        cmocka_unit_test(test_top_three_suggestions),
        cmocka_unit_test(test_weakest_topics),
        cmocka_unit_test(test_chinese),
        cmocka_unit_test(test_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

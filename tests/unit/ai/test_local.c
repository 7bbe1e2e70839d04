/* Tests for the offline engine (ai/local) end to end on a sample structured resume: generate,
 * score, follow_up and report through the engine interface, request validation, follow-up rules
 * (the bank's prompt that matches what was missed, else one built from the first missing point,
 * EN and ZH; none when coverage is good), and the same answers from several threads at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ai/fixtures.h"
#include "ai/local.h"

static ai_engine *engine(void **state) { return *state; }

static json_t *generate(ai_engine *e, const char *type, const char *lang, int count, long long seed)
{
    json_t *resume = fx_resume();
    json_t *req = json_pack("{s:o, s:s, s:s, s:i, s:s, s:n, s:I, s:[]}", "resume", resume, "interview_type", type,
                            "difficulty", "medium", "count", count, "language", lang, "job_description", "seed",
                            (json_int_t)seed, "weak_topics");
    json_t *out = NULL;
    ig_err err = {0};
    ig_status rc = ai_generate(e, req, &out, &err);
    if (rc != IG_OK)
        fail_msg("generate: %s", err.msg);
    json_decref(req);
    return out;
}

/* The score request for question q with answer text. */
static json_t *score_request(const json_t *q, const char *answer)
{
    return json_pack("{s:O, s:O, s:O, s:O, s:O, s:s, s:O}", "question", json_object_get(q, "question_text"),
                     "key_points", json_object_get(q, "expected_points"), "type", json_object_get(q, "category"),
                     "skill", json_object_get(q, "skill"), "language", json_object_get(q, "language"), "answer",
                     answer, "difficulty", json_object_get(q, "difficulty"));
}

static json_t *score(ai_engine *e, const json_t *q, const char *answer)
{
    json_t *req = score_request(q, answer);
    json_t *out = NULL;
    ig_err err = {0};
    ig_status rc = ai_score(e, req, &out, &err);
    if (rc != IG_OK)
        fail_msg("score: %s", err.msg);
    json_decref(req);
    return out;
}

static json_t *follow_up(ai_engine *e, const json_t *q, const char *answer, const json_t *analysis)
{
    json_t *req = score_request(q, answer);
    json_object_set(req, "analysis", (json_t *)analysis);
    json_object_set(req, "follow_ups", json_object_get(q, "follow_ups"));
    json_t *out = NULL;
    ig_err err = {0};
    ig_status rc = ai_follow_up(e, req, &out, &err);
    if (rc != IG_OK)
        fail_msg("follow_up: %s", err.msg);
    json_decref(req);
    return out;
}

static void test_open(void **state)
{
    ai_engine *e = engine(state);
    assert_string_equal(e->ops->name, "local");
    const bank *b = ai_local_bank(e);
    assert_non_null(b);
    assert_true(bank_count(b) > 0);
}

static void test_interview_end_to_end(void **state)
{
    ai_engine *e = engine(state);
    json_t *qs = generate(e, "mixed", "en", 6, 11);
    assert_int_equal(json_array_size(qs), 6);
    json_t *answers = json_array();
    size_t i;
    const json_t *q;
    json_array_foreach(qs, i, q) {
        if (i == 2) { /* one skipped */
            json_array_append_new(answers, json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:s, s:n}", "question_text",
                                                     json_object_get(q, "question_text"), "category",
                                                     json_object_get(q, "category"), "topic", json_object_get(q, "topic"),
                                                     "skill", json_object_get(q, "skill"), "expected_points",
                                                     json_object_get(q, "expected_points"), "model_answer",
                                                     json_object_get(q, "model_answer"), "status", "skipped",
                                                     "analysis"));
            continue;
        }
        json_t *an = score(e, q, i % 2 ? "I don't know." : json_string_value(json_object_get(q, "model_answer")));
        assert_true(json_is_number(json_object_get(an, "score")));
        assert_string_equal(json_string_value(json_object_get(an, "engine")), "local");
        json_array_append_new(answers, json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:s, s:o}", "question_text",
                                                 json_object_get(q, "question_text"), "category",
                                                 json_object_get(q, "category"), "topic", json_object_get(q, "topic"),
                                                 "skill", json_object_get(q, "skill"), "expected_points",
                                                 json_object_get(q, "expected_points"), "model_answer",
                                                 json_object_get(q, "model_answer"), "status", "answered", "analysis",
                                                 an));
    }
    json_t *req = json_pack("{s:s, s:s, s:i, s:o}", "language", "en", "interview_type", "mixed", "duration", 600,
                            "answers", answers);
    json_t *r = NULL;
    ig_err err = {0};
    assert_int_equal(ai_report(e, req, &r, &err), IG_OK);
    assert_true(json_is_number(json_object_get(r, "overall_score")));
    assert_int_equal(json_integer_value(json_object_get(r, "answered")), 5);
    assert_int_equal(json_integer_value(json_object_get(r, "skipped")), 1);
    assert_true(json_array_size(json_object_get(r, "suggestions")) >= 1);
    assert_true(json_array_size(json_object_get(r, "suggestions")) <= 3);
    /* "I don't know" scores low: its topics lead the weak ones */
    assert_true(json_array_size(json_object_get(r, "weakest_topics")) >= 1);
    json_decref(r);
    json_decref(req);
    json_decref(qs);
}

static void test_follow_up_from_analysis(void **state)
{
    ai_engine *e = engine(state);
    json_t *qs = generate(e, "technical", "en", 3, 5);
    const json_t *q = json_array_get(qs, 0);
    /* a poor answer misses key points: one follow-up, expecting what was missed */
    json_t *an = score(e, q, "I am not sure, maybe it depends.");
    json_t *fu = follow_up(e, q, "I am not sure, maybe it depends.", an);
    assert_true(json_is_object(fu));
    assert_true(json_string_length(json_object_get(fu, "question_text")) > 0);
    const json_t *missing = json_object_get(an, "missing_points");
    assert_true(json_array_size(json_object_get(fu, "expected_points")) >= 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(fu, "expected_points"), 0)),
                        json_string_value(json_array_get(missing, 0)));
    /* the bank's own follow-up prompt, as the question carries one */
    bool from_bank = false;
    size_t i;
    const json_t *p;
    json_array_foreach(json_object_get(q, "follow_ups"), i, p) {
        from_bank |= json_equal(p, json_object_get(fu, "question_text"));
    }
    assert_true(from_bank);
    json_decref(fu);
    json_decref(an);
    json_decref(qs);
}

static json_t *fake_analysis(int coverage, json_t *missing)
{
    return json_pack("{s:i, s:{s:i, s:i, s:i, s:i, s:i}, s:s, s:[], s:[], s:[], s:o, s:s}", "score", coverage,
                     "dimensions", "relevance", 70, "coverage", coverage, "depth", 50, "structure", 50, "clarity", 60,
                     "feedback", "", "strengths", "improvements", "covered_points", "missing_points", missing, "engine",
                     "local");
}

static json_t *follow_up_req(const char *lang, json_t *analysis, json_t *prompts)
{
    json_t *r = json_pack("{s:s, s:[s], s:s, s:n, s:s, s:s, s:o}", "question", "How does Redis persist data?",
                          "key_points", "RDB", "type", "technical", "skill", "language", lang, "answer", "It saves.",
                          "analysis", analysis);
    if (prompts != NULL)
        json_object_set_new(r, "follow_ups", prompts);
    return r;
}

static json_t *run_follow_up(ai_engine *e, json_t *req)
{
    json_t *out = NULL;
    ig_err err = {0};
    assert_int_equal(ai_follow_up(e, req, &out, &err), IG_OK);
    json_decref(req);
    return out;
}

static void test_follow_up_rules(void **state)
{
    ai_engine *e = engine(state);
    /* good coverage: no follow-up */
    json_t *fu = run_follow_up(e, follow_up_req("en", fake_analysis(80, json_pack("[s]", "AOF log")), NULL));
    assert_true(json_is_null(fu));
    json_decref(fu);
    /* nothing missing: none either */
    fu = run_follow_up(e, follow_up_req("en", fake_analysis(30, json_array()), NULL));
    assert_true(json_is_null(fu));
    json_decref(fu);
    /* no bank prompt: built from the first missing point */
    fu = run_follow_up(e, follow_up_req("en", fake_analysis(30, json_pack("[s, s]", "AOF log.", "fsync policy")), NULL));
    assert_string_equal(json_string_value(json_object_get(fu, "question_text")),
                        "You did not mention AOF log: how would it apply here, and what would you do about it?");
    assert_int_equal(json_array_size(json_object_get(fu, "expected_points")), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(fu, "expected_points"), 1)), "fsync policy");
    json_decref(fu);
    fu = run_follow_up(e, follow_up_req("zh", fake_analysis(30, json_pack("[s]", "AOF 日志")), json_array()));
    assert_string_equal(json_string_value(json_object_get(fu, "question_text")),
                        "你没有提到AOF 日志：在这个问题里它起什么作用，你会怎么做？");
    json_decref(fu);
    /* bank prompts: the one about what was missed wins over the first */
    fu = run_follow_up(e, follow_up_req("en", fake_analysis(20, json_pack("[s]", "fsync policy")),
                                        json_pack("[s, s]", "Which would you choose for a cache?",
                                                  "How does the fsync policy change durability?")));
    assert_string_equal(json_string_value(json_object_get(fu, "question_text")),
                        "How does the fsync policy change durability?");
    json_decref(fu);
    fu = run_follow_up(e, follow_up_req("zh", fake_analysis(20, json_pack("[s]", "缓存失效")),
                                        json_pack("[s, s]", "流量增长十倍时你会改什么？", "缓存失效时如何避免击穿？")));
    assert_string_equal(json_string_value(json_object_get(fu, "question_text")), "缓存失效时如何避免击穿？");
    json_decref(fu);
    /* validation */
    json_t *out = NULL;
    ig_err err = {0};
    json_t *bad = json_pack("{s:s}", "question", "x");
    assert_int_equal(ai_follow_up(e, bad, &out, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "analysis"));
    json_decref(bad);
    bad = follow_up_req("fr", fake_analysis(20, json_array()), NULL);
    assert_int_equal(ai_follow_up(e, bad, &out, &err), IG_EINVAL);
    json_decref(bad);
}

static void test_generate_validation(void **state)
{
    ai_engine *e = engine(state);
    json_t *req = json_pack("{s:{}, s:s, s:s, s:i}", "resume", "interview_type", "technical", "difficulty", "medium",
                            "count", 99);
    json_t *out = NULL;
    ig_err err = {0};
    assert_int_equal(ai_generate(e, req, &out, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "count"));
    json_decref(req);
}

typedef struct worker {
    ai_engine *e;
    json_t *want; /* the questions of a single-threaded run */
    int ok;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    w->ok = 1;
    for (int round = 0; round < 5; round++) {
        json_t *qs = generate(w->e, "mixed", "zh", 8, 77);
        w->ok &= json_equal(qs, w->want);
        json_t *an = score(w->e, json_array_get(qs, 0), "我用Redis做缓存，先写数据库再删除缓存，命中率提升到95%。");
        w->ok &= json_is_number(json_object_get(an, "score"));
        json_decref(an);
        json_decref(qs);
    }
    return NULL;
}

static void test_threads(void **state)
{
    ai_engine *e = engine(state);
    json_t *want = generate(e, "mixed", "zh", 8, 77);
    worker w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){e, want, 0};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_true(w[i].ok);
    }
    json_decref(want);
}

static int setup(void **state)
{
    ai_engine *e = NULL;
    ig_err err = {0};
    if (ai_local_open(&e, &err) != IG_OK) {
        fprintf(stderr, "ai_local_open: %s\n", err.msg);
        return -1;
    }
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    ai_engine_close(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open),
        cmocka_unit_test(test_interview_end_to_end),
        cmocka_unit_test(test_follow_up_from_analysis),
        cmocka_unit_test(test_follow_up_rules),
        cmocka_unit_test(test_generate_validation),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

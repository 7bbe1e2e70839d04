/* Tests for ai/live: pace (words per minute, English and Chinese), fillers (EN, ZH), pauses
 * between and after speech, talk time, STAR parts heard, key points covered and missing (only
 * with hints), the suggestions each condition brings in the answer's language, the recogniser's
 * queue note, and the sentiment lexicon with negation, intensifiers and blocked technical phrases
 * in both languages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/live.h"

static int setup(void **state)
{
    live_ctx *ctx = NULL;
    ig_err err = {0};
    if (live_ctx_open(NULL, &ctx, &err) != IG_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    *state = ctx;
    return 0;
}

static int teardown(void **state)
{
    live_ctx_close(*state);
    return 0;
}

static live_answer *answer(void **state, const char *question_json)
{
    json_error_t je;
    json_t *q = json_loads(question_json, 0, &je);
    assert_non_null(q);
    live_answer *a = NULL;
    ig_err err = {0};
    if (live_answer_open(*state, q, &a, &err) != IG_OK)
        fail_msg("%s", err.msg);
    json_decref(q);
    return a;
}

static void heard(live_answer *a, const char *text, bool final, double start, double end)
{
    asr_result r = {.text = text, .text_len = strlen(text), .transcript = text, .transcript_len = strlen(text),
                    .is_final = final, .start_s = start, .end_s = end, .audio_s = end};
    ig_err err = {0};
    assert_int_equal(live_answer_heard(a, &r, &err), IG_OK);
}

static json_t *analyze(live_answer *a, double now, const asr_stream_info *rec)
{
    json_t *o = NULL;
    ig_err err = {0};
    assert_int_equal(live_answer_analyze(a, now, rec, &o, &err), IG_OK);
    assert_non_null(o);
    assert_true(json_array_size(json_object_get(o, "suggestions")) <= LIVE_MAX_SUGGESTIONS);
    return o;
}

static double metric(const json_t *o, const char *name)
{
    const json_t *v = json_object_get(json_object_get(o, "metrics"), name);
    if (v == NULL)
        fail_msg("no metric %s", name);
    return json_is_null(v) ? -1 : json_number_value(v);
}

/* Whether some suggestion contains needle. */
static bool suggests(const json_t *o, const char *needle)
{
    const json_t *s = json_object_get(o, "suggestions");
    for (size_t i = 0; i < json_array_size(s); i++)
        if (strstr(json_string_value(json_array_get(s, i)), needle) != NULL)
            return true;
    return false;
}

/* n words of plain speech ("we built the service ..."), no fillers or sentiment. */
static char *words(size_t n)
{
    static const char *const w[] = {"we", "built", "the", "service", "in", "go", "and", "moved", "the", "data"};
    char *s = malloc(n * 10 + 1);
    assert_non_null(s);
    s[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(s, i ? " " : "");
        strcat(s, w[i % 10]);
    }
    return s;
}

#define GENERAL_EN "{\"question\": \"Tell me about your last project.\", \"type\": \"general\", \"language\": \"en\"}"

static void test_pace(void **state)
{
    const struct {
        size_t words;
        double wpm;
        const char *hint;
    } cases[] = {{40, 120, NULL}, {80, 240, "Slow down"}, {25, 75, "Pick up the pace"}};
    for (size_t c = 0; c < 3; c++) {
        live_answer *a = answer(state, GENERAL_EN);
        char *w = words(cases[c].words);
        /* two segments, 0.5 s apart: 20 s of speaking span */
        size_t half = strlen(w) / 2;
        while (w[half] != ' ')
            half++;
        w[half] = '\0';
        heard(a, w, true, 0, 9.75);
        heard(a, w + half + 1, true, 10.25, 20);
        json_t *o = analyze(a, 20.5, NULL);
        assert_float_equal(metric(o, "words_per_minute"), cases[c].wpm, 1);
        assert_float_equal(metric(o, "words"), (double)cases[c].words, 0.01);
        assert_float_equal(metric(o, "talk_time"), 20.5, 0.01);
        assert_float_equal(metric(o, "speaking_time"), 19.5, 0.01);
        assert_float_equal(metric(o, "pauses"), 0, 0);
        assert_true(cases[c].hint == NULL ? json_array_size(json_object_get(o, "suggestions")) == 0
                                          : suggests(o, cases[c].hint));
        json_decref(o);
        free(w);
        live_answer_close(a);
    }
    /* too little speech to judge */
    live_answer *a = answer(state, GENERAL_EN);
    heard(a, "we built it", true, 0, 1);
    json_t *o = analyze(a, 2, NULL);
    assert_float_equal(metric(o, "words_per_minute"), -1, 0); /* null */
    json_decref(o);
    live_answer_close(a);
}

static void test_pace_chinese(void **state)
{
    live_answer *a = answer(state, "{\"question\": \"介绍一下你最近的项目。\", \"type\": \"general\"}");
    /* 76 characters (about 51 words) in 15 s: about 200 words a minute, too fast */
    const char *zh = "我们团队负责公司的订单系统重构工作我负责数据库层的设计与实现主要是拆分大表"
                     "并且引入缓存来降低延迟同时我们也完善了监控和告警让线上问题可以更快地被发现处理";
    heard(a, zh, true, 0, 15);
    json_t *o = analyze(a, 15, NULL);
    double w = metric(o, "words");
    assert_float_equal(w, 76 / 1.5, 0.1);
    assert_true(metric(o, "words_per_minute") > LIVE_PACE_FAST);
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "metrics"), "language")), "zh");
    assert_true(suggests(o, "语速偏快"));
    json_decref(o);
    live_answer_close(a);
}

static void test_fillers(void **state)
{
    live_answer *a = answer(state, GENERAL_EN);
    heard(a, "um so we uh built the service and um basically you know moved the data", true, 0, 5);
    heard(a, "like", true, 5.6, 6); /* a filler only next to a pause: the segment boundary is one */
    heard(a, "we then tested it", true, 6.6, 8);
    json_t *o = analyze(a, 8, NULL);
    assert_true(metric(o, "filler_count") >= 6);
    assert_true(metric(o, "filler_rate") > 20);
    assert_true(suggests(o, "Fewer fillers"));
    json_decref(o);
    live_answer_close(a);
    a = answer(state, "{\"question\": \"介绍一下你最近的项目。\", \"language\": \"zh\"}");
    heard(a, "嗯我们那个项目呢然后就是做了一个缓存嗯就是说反正效果还可以", true, 0, 8);
    o = analyze(a, 8, NULL);
    assert_true(metric(o, "filler_count") >= 5);
    assert_true(suggests(o, "口头禅"));
    json_decref(o);
    live_answer_close(a);
    /* clean speech has none */
    a = answer(state, GENERAL_EN);
    heard(a, "we built the service in go and moved the data", true, 0, 4);
    o = analyze(a, 4, NULL);
    assert_float_equal(metric(o, "filler_count"), 0, 0);
    assert_false(suggests(o, "Fewer fillers"));
    json_decref(o);
    live_answer_close(a);
}

static void test_pauses(void **state)
{
    live_answer *a = answer(state, GENERAL_EN);
    heard(a, "we built the service", true, 1, 5);
    heard(a, "in go", true, 9, 14);       /* a 4 s pause */
    heard(a, "and moved the data", true, 14.5, 20);
    json_t *o = analyze(a, 21, NULL);
    assert_float_equal(metric(o, "pauses"), 1, 0);
    assert_float_equal(metric(o, "longest_pause"), 4, 0.01);
    assert_float_equal(metric(o, "current_pause"), 1, 0.01);
    assert_float_equal(metric(o, "talk_time"), 20, 0.01);
    assert_float_equal(metric(o, "answer_time"), 21, 0.01);
    assert_false(suggests(o, "Take a breath"));
    json_decref(o);
    /* silence since the last words: a long pause in progress */
    o = analyze(a, 27, NULL);
    assert_float_equal(metric(o, "current_pause"), 7, 0.01);
    assert_float_equal(metric(o, "longest_pause"), 7, 0.01);
    assert_float_equal(metric(o, "pauses"), 2, 0);
    assert_true(suggests(o, "Take a breath"));
    json_decref(o);
    /* speaking again: a partial is current speech */
    heard(a, "then", false, 27, 27.5);
    o = analyze(a, 27.5, NULL);
    assert_float_equal(metric(o, "current_pause"), 0, 0);
    assert_float_equal(metric(o, "pauses"), 2, 0);
    assert_float_equal(metric(o, "words"), 11, 0.01); /* the partial counts */
    json_decref(o);
    heard(a, "then we tested", false, 27, 28.2); /* replaces the previous partial */
    o = analyze(a, 28.2, NULL);
    assert_float_equal(metric(o, "words"), 13, 0.01);
    json_decref(o);
    live_answer_close(a);
}

static void test_wrap_up(void **state)
{
    live_answer *a = answer(state, GENERAL_EN);
    char *w = words(450);
    heard(a, w, true, 0, 190);
    json_t *o = analyze(a, 191, NULL);
    assert_true(suggests(o, "You have talked 3 minutes: wrap up"));
    json_decref(o);
    live_answer_close(a);
    a = answer(state, "{\"question\": \"介绍一下你最近的项目。\"}");
    heard(a, "我们团队负责公司的订单系统重构", true, 0, 130);
    o = analyze(a, 245, NULL);
    assert_true(suggests(o, "已经讲了4分钟：请总结收尾"));
    json_decref(o);
    free(w);
    live_answer_close(a);
}

#define BEHAVIORAL_EN                                                                                          \
    "{\"question\": \"Tell me about a time you improved a slow process.\", \"type\": \"behavioral\", "        \
    "\"language\": \"en\"}"

static void test_star(void **state)
{
    live_answer *a = answer(state, BEHAVIORAL_EN);
    heard(a, "when I was at my last company our team had a slow release process", true, 0, 5);
    heard(a, "I was responsible for the build", true, 6, 8);
    heard(a, "I rewrote the pipeline and added caching", true, 9, 12);
    json_t *o = analyze(a, 70, NULL);
    const json_t *star = json_object_get(json_object_get(o, "metrics"), "star");
    assert_true(json_is_true(json_object_get(star, "situation")));
    assert_true(json_is_true(json_object_get(star, "task")));
    assert_true(json_is_true(json_object_get(star, "action")));
    assert_true(json_is_false(json_object_get(star, "result")));
    assert_true(suggests(o, "Give a concrete result"));
    json_decref(o);
    heard(a, "as a result the build time dropped by sixty percent", true, 70, 74);
    o = analyze(a, 75, NULL);
    star = json_object_get(json_object_get(o, "metrics"), "star");
    assert_true(json_is_true(json_object_get(star, "result")));
    assert_false(suggests(o, "Give a concrete result"));
    json_decref(o);
    live_answer_close(a);
    /* a story that never sets the scene */
    a = answer(state, BEHAVIORAL_EN);
    heard(a, "we moved the data", true, 0, 3);
    o = analyze(a, 35, NULL);
    assert_true(suggests(o, "Set the scene"));
    json_decref(o);
    live_answer_close(a);
    /* Chinese */
    a = answer(state, "{\"question\": \"讲一次你改进流程的经历。\", \"type\": \"behavioral\", \"language\": \"zh\"}");
    heard(a, "当时我们团队的发布流程很慢，我负责构建系统，我重写了流水线", true, 0, 10);
    o = analyze(a, 65, NULL);
    star = json_object_get(json_object_get(o, "metrics"), "star");
    assert_true(json_is_true(json_object_get(star, "situation")));
    assert_true(json_is_true(json_object_get(star, "action")));
    assert_true(suggests(o, "给出具体的结果"));
    json_decref(o);
    live_answer_close(a);
}

#define KEYPOINTS(hints)                                                                                        \
    "{\"question\": \"How would you speed up a slow read-heavy API?\", \"type\": \"technical\", "            \
    "\"language\": \"en\", \"key_points\": [\"Add a Redis cache in front of the database\", "                \
    "\"Handle cache invalidation when data changes\"], \"hints\": " hints "}"

static void test_key_points(void **state)
{
    live_answer *a = answer(state, KEYPOINTS("true"));
    heard(a, "I would add a redis cache in front of the database so most reads never reach it", true, 0, 8);
    json_t *o = analyze(a, 50, NULL);
    const json_t *kp = json_object_get(json_object_get(o, "metrics"), "key_points");
    assert_non_null(kp);
    assert_int_equal(json_array_size(json_object_get(kp, "covered")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(kp, "covered"), 0)),
                        "Add a Redis cache in front of the database");
    assert_int_equal(json_array_size(json_object_get(kp, "missing")), 1);
    assert_true(suggests(o, "Still to cover: Handle cache invalidation"));
    json_decref(o);
    live_answer_close(a);
    /* without hints: nothing about the key points */
    a = answer(state, KEYPOINTS("false"));
    heard(a, "I would add a redis cache in front of the database so most reads never reach it", true, 0, 8);
    o = analyze(a, 50, NULL);
    assert_null(json_object_get(json_object_get(o, "metrics"), "key_points"));
    assert_false(suggests(o, "Still to cover"));
    assert_false(suggests(o, "invalidation"));
    json_decref(o);
    live_answer_close(a);
}

static void test_recognizer_queue(void **state)
{
    live_answer *a = answer(state, GENERAL_EN);
    asr_stream_info rec = {.waiting = true, .queue_position = 2, .audio_s = 3};
    json_t *o = analyze(a, 3, &rec);
    const json_t *r = json_object_get(json_object_get(o, "metrics"), "recognizer");
    assert_true(json_is_true(json_object_get(r, "waiting")));
    assert_int_equal(json_integer_value(json_object_get(r, "queue_position")), 2);
    assert_true(suggests(o, "queued"));
    assert_float_equal(metric(o, "words"), 0, 0);
    assert_float_equal(metric(o, "talk_time"), 0, 0);
    json_decref(o);
    live_answer_close(a);
    a = answer(state, "{\"question\": \"介绍一下你最近的项目。\"}");
    o = analyze(a, 3, &rec);
    assert_true(suggests(o, "排队"));
    json_decref(o);
    live_answer_close(a);
}

static void test_bad_question(void **state)
{
    json_t *q = json_pack("[]");
    live_answer *a = NULL;
    ig_err err = {0};
    assert_int_equal(live_answer_open(*state, q, &a, &err), IG_EINVAL);
    json_decref(q);
    q = json_pack("{s:s}", "type", "technical");
    assert_int_equal(live_answer_open(*state, q, &a, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "question"));
    json_decref(q);
    q = json_pack("{s:s, s:s}", "question", "Why?", "hints", "yes");
    assert_int_equal(live_answer_open(*state, q, &a, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "hints"));
    json_decref(q);
    q = json_pack("{s:s, s:s}", "question", "Why?", "type", "poem");
    assert_int_equal(live_answer_open(*state, q, &a, &err), IG_EINVAL);
    json_decref(q);
    assert_null(a);
}

static double senti(void **state, const char *text, const char **label)
{
    double s;
    live_sentiment(*state, text, strlen(text), &s, label);
    assert_true(s >= -1 && s <= 1);
    return s;
}

static void expect_label(void **state, const char *text, const char *want)
{
    const char *label;
    double s = senti(state, text, &label);
    if (strcmp(label, want) != 0)
        fail_msg("[%s]: %s (%.3f), want %s", text, label, s, want);
}

static void test_sentiment_en(void **state)
{
    expect_label(state, "I really enjoyed this project and I am proud of what the team achieved", "positive");
    expect_label(state, "It was a terrible experience, I hated it and the manager was useless", "negative");
    expect_label(state, "We put a cache in front of the database with a TTL of thirty seconds", "neutral");
    expect_label(state, "", "neutral");
    /* negation */
    expect_label(state, "I was not happy with the outcome", "negative");
    expect_label(state, "it was not bad at all", "positive");
    expect_label(state, "I didn't enjoy that job", "negative");
    expect_label(state, "I wasn\xE2\x80\x99t frustrated, it was fine", "positive");
    expect_label(state, "never disappointed", "positive");
    /* a negation ends with its clause */
    expect_label(state, "not at all, great team", "positive");
    /* technical phrases are not feelings */
    expect_label(state, "in the worst case the latency doubles, so we follow best practices", "neutral");
    expect_label(state, "the service returns a bad request for a missing field", "neutral");
    /* intensifiers weigh more */
    const char *l;
    assert_true(senti(state, "the result was very good", &l) > senti(state, "the result was good", &l));
    assert_true(senti(state, "it was really awful", &l) < senti(state, "it was awful", &l));
    /* "unfortunately" in an otherwise glad answer */
    expect_label(state, "Unfortunately the launch slipped, but I learned a lot and I am grateful", "positive");
}

static void test_sentiment_zh(void **state)
{
    expect_label(state, "我非常喜欢这个项目，团队合作很愉快，最后也很成功", "positive");
    expect_label(state, "这段经历很糟糕，我很失望，也很后悔", "negative");
    expect_label(state, "我们用Redis做缓存，过期时间是三十秒", "neutral");
    /* negation */
    expect_label(state, "我并不满意这个结果", "negative");
    expect_label(state, "结果还不错", "positive");
    expect_label(state, "我没有失望", "positive");
    expect_label(state, "我不太喜欢那种工作方式", "negative");
    expect_label(state, "从来没有抱怨过", "positive");
    /* words that hold a negator or a feeling but are neither */
    expect_label(state, "我们不断优化性能，支持不同的场景", "neutral");
    expect_label(state, "无数次成功部署", "positive");
    expect_label(state, "无状态服务，失败重试", "neutral");
    /* a negation stops at the clause's end */
    expect_label(state, "没有，很开心", "positive");
    const char *l;
    assert_true(senti(state, "非常满意", &l) > senti(state, "满意", &l));
    /* mixed */
    expect_label(state, "这个project让我很excited，我很自豪", "positive");
}

/* A negative answer gets a tone suggestion; sentiment is in every payload. */
static void test_tone_suggestion(void **state)
{
    live_answer *a = answer(state, GENERAL_EN);
    heard(a, "honestly it was a terrible project and I hated the team, the manager was useless and the whole thing "
             "was a disaster and a nightmare",
          true, 0, 10);
    json_t *o = analyze(a, 10, NULL);
    const json_t *s = json_object_get(o, "sentiment");
    assert_string_equal(json_string_value(json_object_get(s, "label")), "negative");
    assert_true(json_real_value(json_object_get(s, "score")) < -0.5);
    assert_true(suggests(o, "Keep the tone constructive"));
    json_decref(o);
    live_answer_close(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pace),
        cmocka_unit_test(test_pace_chinese),
        cmocka_unit_test(test_fillers),
        cmocka_unit_test(test_pauses),
        cmocka_unit_test(test_wrap_up),
        cmocka_unit_test(test_star),
        cmocka_unit_test(test_key_points),
        cmocka_unit_test(test_recognizer_queue),
        cmocka_unit_test(test_bad_question),
        cmocka_unit_test(test_sentiment_en),
        cmocka_unit_test(test_sentiment_zh),
        cmocka_unit_test(test_tone_suggestion),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

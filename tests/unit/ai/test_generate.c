/* Tests for ai/generate on the fixture bank and the real taxonomy: skills weighted by where the
 * resume shows them, the job description's shift and gap probes, no duplicates or
 * near-duplicates, the difficulty mix following seniority, determinism per seed, placeholders
 * filled truthfully with the resume's own names, EN and ZH, fallbacks, weak topics, and request
 * validation. Tendencies are checked over many seeds, so no single draw decides a test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/fixtures.h"
#include "ai/generate.h"

#define SEEDS 40

typedef struct fx {
    skills_taxonomy *tax;
    bank *b;
    json_t *resume;
} fx;

static json_t *request(const json_t *resume, const char *type, const char *diff, int count, const char *lang,
                       const char *jd, long long seed)
{
    json_t *r = json_pack("{s:O, s:s, s:s, s:i, s:s, s:I}", "resume", resume, "interview_type", type, "difficulty",
                          diff, "count", count, "language", lang, "seed", (json_int_t)seed);
    assert_non_null(r);
    json_object_set_new(r, "job_description", jd != NULL ? json_string(jd) : json_null());
    return r;
}

static json_t *run(const fx *f, json_t *req)
{
    json_t *out = NULL;
    ig_err err = {0};
    ig_status rc = generate_questions(f->b, f->tax, req, &out, &err);
    if (rc != IG_OK)
        fail_msg("generate: %s", err.msg);
    json_decref(req);
    assert_true(json_is_array(out));
    return out;
}

static size_t count_field(const json_t *qs, const char *field, const char *value)
{
    size_t n = 0, i;
    const json_t *q;
    json_array_foreach(qs, i, q) {
        const char *v = json_string_value(json_object_get(q, field));
        n += v != NULL && strcmp(v, value) == 0;
    }
    return n;
}

static bool has_tag(const json_t *q, const char *tag)
{
    size_t i;
    const json_t *t;
    json_array_foreach(json_object_get(q, "tags"), i, t) {
        if (strcmp(json_string_value(t), tag) == 0)
            return true;
    }
    return false;
}

/* Removes a skill from every part of a resume (a copy). */
static json_t *without_skill(const json_t *resume, const char *skill)
{
    json_t *r = json_deep_copy(resume);
    json_t *skills = json_object_get(r, "skills");
    for (size_t i = json_array_size(skills); i > 0; i--)
        if (strcmp(json_string_value(json_object_get(json_array_get(skills, i - 1), "name")), skill) == 0)
            json_array_remove(skills, i - 1);
    static const char *const parts[][2] = {{"experience", "skills"}, {"projects", "tech_stack"}};
    for (size_t p = 0; p < 2; p++) {
        size_t i;
        json_t *o;
        json_array_foreach(json_object_get(r, parts[p][0]), i, o) {
            json_t *list = json_object_get(o, parts[p][1]);
            for (size_t k = json_array_size(list); k > 0; k--)
                if (strcmp(json_string_value(json_array_get(list, k - 1)), skill) == 0)
                    json_array_remove(list, k - 1);
        }
    }
    return r;
}

static void test_skills_weighting(void **state)
{
    const fx *f = *state;
    size_t redis_total = 0, others_max = 0;
    size_t per_skill[5] = {0};
    static const char *const names[5] = {"Redis", "Python", "MySQL", "Java", "Kubernetes"};
    for (long long seed = 1; seed <= SEEDS; seed++) {
        json_t *qs = run(f, request(f->resume, "technical", "medium", 8, "en", NULL, seed));
        assert_int_equal(json_array_size(qs), 8);
        size_t redis = count_field(qs, "skill", "Redis");
        if (redis < 2)
            fail_msg("seed %lld: only %zu Redis questions for a Redis-heavy resume", seed, redis);
        for (int k = 0; k < 5; k++)
            per_skill[k] += count_field(qs, "skill", names[k]);
        json_decref(qs);
    }
    redis_total = per_skill[0];
    for (int k = 1; k < 5; k++)
        others_max = per_skill[k] > others_max ? per_skill[k] : others_max;
    assert_true(redis_total > others_max);
    /* experience and projects weigh more than a bare skills list: Python and MySQL (used) beat
     * Java and Kubernetes (only listed) */
    assert_true(per_skill[1] > per_skill[3]);
    assert_true(per_skill[2] > per_skill[4]);
}

static void test_job_description(void **state)
{
    const fx *f = *state;
    json_t *resume = without_skill(f->resume, "MySQL");
    const char *jd = "Backend engineer. Required: Java, Kubernetes and MySQL. Nice to have: Python.";
    size_t java_k8s_jd = 0, java_k8s_plain = 0, gaps = 0;
    for (long long seed = 1; seed <= SEEDS; seed++) {
        json_t *with = run(f, request(resume, "technical", "medium", 8, "en", jd, seed));
        json_t *plain = run(f, request(resume, "technical", "medium", 8, "en", NULL, seed));
        java_k8s_jd += count_field(with, "skill", "Java") + count_field(with, "skill", "Kubernetes");
        java_k8s_plain += count_field(plain, "skill", "Java") + count_field(plain, "skill", "Kubernetes");
        size_t i, seed_gaps = 0;
        const json_t *q;
        json_array_foreach(with, i, q) {
            if (!has_tag(q, "jd_gap"))
                continue;
            seed_gaps++;
            /* the gap is probed as a technical question on that skill, not on the candidate's projects */
            assert_string_equal(json_string_value(json_object_get(q, "skill")), "MySQL");
            assert_string_equal(json_string_value(json_object_get(q, "category")), "technical");
            assert_null(strstr(json_string_value(json_object_get(q, "question_text")), "FlashSale"));
        }
        assert_int_equal(seed_gaps, 1); /* one gap skill, one probe */
        gaps += seed_gaps;
        json_array_foreach(with, i, q) {
            const char *s = json_string_value(json_object_get(q, "skill"));
            if (s != NULL && (strcmp(s, "Java") == 0 || strcmp(s, "Kubernetes") == 0))
                assert_true(has_tag(q, "jd_match"));
        }
        assert_int_equal(count_field(plain, "skill", "MySQL"), 0);
        json_decref(with);
        json_decref(plain);
    }
    if (java_k8s_jd < java_k8s_plain * 2)
        fail_msg("the JD skills got %zu questions with the JD, %zu without", java_k8s_jd, java_k8s_plain);
    assert_true(gaps > 0);
    json_decref(resume);
}

static void test_no_duplicates(void **state)
{
    const fx *f = *state;
    static const char *const types[] = {"technical", "mixed", "behavioral", "project"};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        for (long long seed = 1; seed <= SEEDS; seed++) {
            /* 30 from a bank of 33: the pool runs dry, ids still never repeat */
            json_t *qs = run(f, request(f->resume, types[t], "medium", seed % 2 ? 30 : 10, "en", NULL, seed));
            size_t i, j;
            const json_t *a, *b;
            bool persist = false, durability = false;
            json_array_foreach(qs, i, a) {
                const char *id = json_string_value(json_object_get(a, "bank_id"));
                persist |= strcmp(id, "tech-redis-persist") == 0;
                durability |= strcmp(id, "tech-redis-durability") == 0;
                json_array_foreach(qs, j, b) {
                    if (j <= i)
                        continue;
                    assert_string_not_equal(id, json_string_value(json_object_get(b, "bank_id")));
                    assert_string_not_equal(json_string_value(json_object_get(a, "question_text")),
                                            json_string_value(json_object_get(b, "question_text")));
                    /* with 10 questions the pool has fresh topics left: none repeats */
                    if (json_array_size(qs) == 10)
                        assert_string_not_equal(json_string_value(json_object_get(a, "topic")),
                                                json_string_value(json_object_get(b, "topic")));
                }
            }
            if (persist && durability)
                fail_msg("%s seed %lld: both near-duplicate Redis persistence questions", types[t], seed);
            json_decref(qs);
        }
    }
}

static double mean_level(const json_t *qs, size_t *easy, size_t *hard)
{
    double sum = 0;
    size_t i;
    const json_t *q;
    json_array_foreach(qs, i, q) {
        int l = bank_level_parse(json_string_value(json_object_get(q, "difficulty")));
        sum += l;
        *easy += l == BANK_EASY;
        *hard += l == BANK_HARD;
    }
    return sum / (double)json_array_size(qs);
}

static void test_difficulty_follows_seniority(void **state)
{
    const fx *f = *state;
    json_t *junior = json_deep_copy(f->resume), *senior = json_deep_copy(f->resume);
    json_object_set_new(json_object_get(junior, "basic_info"), "years_of_experience", json_real(0.5));
    json_object_set_new(json_object_get(senior, "basic_info"), "years_of_experience", json_real(9));
    size_t je = 0, jh = 0, se = 0, sh = 0;
    double jm = 0, sm = 0;
    for (long long seed = 1; seed <= SEEDS; seed++) {
        json_t *a = run(f, request(junior, "technical", "medium", 8, "en", NULL, seed));
        json_t *b = run(f, request(senior, "technical", "medium", 8, "en", NULL, seed));
        jm += mean_level(a, &je, &jh);
        sm += mean_level(b, &se, &sh);
        json_decref(a);
        json_decref(b);
    }
    if (!(sm > jm + 0.5 * SEEDS && je > se && sh > jh))
        fail_msg("junior: mean %.2f, %zu easy, %zu hard; senior: mean %.2f, %zu easy, %zu hard", jm / SEEDS, je, jh,
                 sm / SEEDS, se, sh);
    /* the requested level still anchors the mix: an easy interview for a senior stays mostly easy/medium */
    size_t e2 = 0, h2 = 0;
    json_t *c = run(f, request(senior, "technical", "easy", 8, "en", NULL, 7));
    mean_level(c, &e2, &h2);
    assert_true(h2 <= 1);
    json_decref(c);
    json_decref(junior);
    json_decref(senior);
}

static void test_determinism(void **state)
{
    const fx *f = *state;
    json_t *a = run(f, request(f->resume, "mixed", "medium", 10, "en", "Java and Kubernetes", 42));
    json_t *b = run(f, request(f->resume, "mixed", "medium", 10, "en", "Java and Kubernetes", 42));
    assert_true(json_equal(a, b));
    size_t differ = 0;
    for (long long seed = 43; seed < 53; seed++) {
        json_t *c = run(f, request(f->resume, "mixed", "medium", 10, "en", "Java and Kubernetes", seed));
        differ += !json_equal(a, c);
        json_decref(c);
    }
    assert_true(differ >= 9);
    json_decref(a);
    json_decref(b);
}

static void test_placeholders_filled(void **state)
{
    const fx *f = *state;
    size_t named = 0;
    for (long long seed = 1; seed <= SEEDS; seed++) {
        json_t *qs = run(f, request(f->resume, seed % 2 ? "project" : "mixed", "hard", 8, "en", NULL, seed));
        size_t i;
        const json_t *q;
        json_array_foreach(qs, i, q) {
            const char *text = json_string_value(json_object_get(q, "question_text"));
            if (strstr(text, "{") != NULL)
                fail_msg("unfilled placeholder: %s", text);
            named += strstr(text, "FlashSale") != NULL || strstr(text, "LogPipe") != NULL ||
                     strstr(text, "Acme Cloud") != NULL || strstr(text, "Blue Harbor") != NULL ||
                     strstr(text, "Backend Engineer") != NULL || strstr(text, "Software Engineer") != NULL;
            const char *id = json_string_value(json_object_get(q, "bank_id"));
            const char *skill = json_string_value(json_object_get(q, "skill"));
            if (strcmp(id, "proj-challenge-01") == 0) {
                /* the skill asked about is one that project used */
                assert_non_null(skill);
                if (strstr(text, "FlashSale") != NULL)
                    assert_true(strcmp(skill, "Redis") == 0 || strcmp(skill, "MySQL") == 0);
                else
                    assert_string_equal(skill, "Python");
                assert_non_null(strstr(text, skill));
                assert_true(has_tag(q, "personalized"));
            }
            if (strcmp(id, "tech-redis-cache") == 0)
                assert_non_null(strstr(text, "In FlashSale you used Redis"));
            /* expected points and the model answer are filled too */
            size_t k;
            const json_t *p;
            json_array_foreach(json_object_get(q, "expected_points"), k, p) {
                assert_null(strstr(json_string_value(p), "{"));
            }
        }
        json_decref(qs);
    }
    assert_true(named > SEEDS);
}

static void test_languages(void **state)
{
    const fx *f = *state;
    json_t *zh = run(f, request(f->resume, "mixed", "medium", 8, "zh", NULL, 5));
    json_t *en = run(f, request(f->resume, "mixed", "medium", 8, "en", NULL, 5));
    /* one choice, two languages */
    assert_int_equal(json_array_size(zh), json_array_size(en));
    size_t i;
    const json_t *q;
    json_array_foreach(zh, i, q) {
        const json_t *e = json_array_get(en, i);
        assert_string_equal(json_string_value(json_object_get(q, "bank_id")),
                            json_string_value(json_object_get(e, "bank_id")));
        assert_string_equal(json_string_value(json_object_get(q, "language")), "zh");
        const char *text = json_string_value(json_object_get(q, "question_text"));
        bool cjk = false;
        for (const unsigned char *p = (const unsigned char *)text; *p; p++)
            cjk |= *p >= 0xE4 && *p <= 0xE9;
        assert_true(cjk);
        assert_non_null(json_object_get(q, "model_answer"));
        assert_true(json_array_size(json_object_get(q, "expected_points")) >= 1);
    }
    json_decref(zh);
    json_decref(en);
}

static void test_mixed_blend(void **state)
{
    const fx *f = *state;
    json_t *qs = run(f, request(f->resume, "mixed", "medium", 10, "en", NULL, 3));
    assert_int_equal(json_array_size(qs), 10);
    assert_string_equal(json_string_value(json_object_get(json_array_get(qs, 0), "category")), "general");
    assert_int_equal(count_field(qs, "category", "technical"), 4);
    assert_int_equal(count_field(qs, "category", "project"), 2);
    assert_int_equal(count_field(qs, "category", "behavioral"), 2);
    assert_int_equal(count_field(qs, "category", "system_design"), 1);
    json_decref(qs);
    /* a junior at medium gets no system design */
    json_t *junior = json_deep_copy(f->resume);
    json_object_set_new(json_object_get(junior, "basic_info"), "years_of_experience", json_real(1));
    qs = run(f, request(junior, "mixed", "medium", 10, "en", NULL, 3));
    assert_int_equal(count_field(qs, "category", "system_design"), 0);
    json_decref(qs);
    json_decref(junior);
}

static void test_fallbacks(void **state)
{
    const fx *f = *state;
    /* nothing the bank covers: general technical and CS questions instead of failing */
    json_t *bare = json_pack("{s:{s:n}, s:[{s:s, s:[s], s:i}], s:[], s:[]}", "basic_info", "years_of_experience",
                             "skills", "name", "Haskell", "sources", "skills", "count", 1, "experience", "projects");
    json_t *qs = run(f, request(bare, "technical", "medium", 5, "en", NULL, 1));
    assert_int_equal(json_array_size(qs), 5);
    size_t i;
    const json_t *q;
    json_array_foreach(qs, i, q) {
        const char *id = json_string_value(json_object_get(q, "bank_id"));
        /* nothing that needs a project or an employer, and no question on a skill it does not have */
        assert_true(strncmp(id, "tech-cs-", 8) == 0 || strcmp(id, "tech-generic-debug") == 0 ||
                    strcmp(json_string_value(json_object_get(q, "category")), "technical") != 0);
    }
    json_decref(qs);
    /* a project interview for a resume without projects still has questions */
    qs = run(f, request(bare, "project", "medium", 3, "en", NULL, 1));
    assert_int_equal(json_array_size(qs), 3);
    json_array_foreach(qs, i, q) {
        assert_null(strstr(json_string_value(json_object_get(q, "question_text")), "{"));
    }
    json_decref(qs);
    /* an empty resume object is still a resume */
    json_t *empty = json_object();
    qs = run(f, request(empty, "behavioral", "easy", 3, "zh", NULL, 1));
    assert_int_equal(json_array_size(qs), 3);
    /* beh-conflict-01 needs {company}: not for a resume without jobs */
    assert_int_equal(count_field(qs, "bank_id", "beh-conflict-01"), 0);
    json_decref(qs);
    json_decref(empty);
    json_decref(bare);
}

static void test_weak_topics(void **state)
{
    const fx *f = *state;
    size_t with = 0, without = 0;
    for (long long seed = 1; seed <= SEEDS; seed++) {
        json_t *r = request(f->resume, "technical", "medium", 5, "en", NULL, seed);
        json_object_set_new(r, "weak_topics", json_pack("[s]", "SQL-Indexing"));
        json_t *a = run(f, r);
        json_t *b = run(f, request(f->resume, "technical", "medium", 5, "en", NULL, seed));
        with += count_field(a, "bank_id", "tech-mysql-index");
        without += count_field(b, "bank_id", "tech-mysql-index");
        size_t i;
        const json_t *q;
        json_array_foreach(a, i, q) {
            if (strcmp(json_string_value(json_object_get(q, "bank_id")), "tech-mysql-index") == 0)
                assert_true(has_tag(q, "weak_topic"));
        }
        json_decref(a);
        json_decref(b);
    }
    if (with < without * 2 || with < SEEDS / 2)
        fail_msg("weak topic chosen %zu times with, %zu without", with, without);
}

static void expect_einval(const fx *f, json_t *req, const char *needle)
{
    json_t *out = NULL;
    ig_err err = {0};
    assert_int_equal(generate_questions(f->b, f->tax, req, &out, &err), IG_EINVAL);
    assert_null(out);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("message [%s] lacks [%s]", err.msg, needle);
    json_decref(req);
}

static void test_validation(void **state)
{
    const fx *f = *state;
    json_t *r;
    expect_einval(f, json_array(), "JSON object");
    r = request(f->resume, "technical", "medium", 8, "en", NULL, 1);
    json_object_del(r, "resume");
    expect_einval(f, r, "resume");
    expect_einval(f, request(f->resume, "quiz", "medium", 8, "en", NULL, 1), "interview_type");
    expect_einval(f, request(f->resume, "technical", "extreme", 8, "en", NULL, 1), "difficulty");
    expect_einval(f, request(f->resume, "technical", "medium", 0, "en", NULL, 1), "count");
    expect_einval(f, request(f->resume, "technical", "medium", 31, "en", NULL, 1), "count");
    expect_einval(f, request(f->resume, "technical", "medium", 8, "fr", NULL, 1), "language");
    r = request(f->resume, "technical", "medium", 8, "en", NULL, 1);
    json_object_set_new(r, "job_description", json_integer(3));
    expect_einval(f, r, "job_description");
    r = request(f->resume, "technical", "medium", 8, "en", NULL, 1);
    json_object_set_new(r, "weak_topics", json_pack("[i]", 1));
    expect_einval(f, r, "weak_topics");
    r = request(f->resume, "technical", "medium", 8, "en", NULL, 1);
    json_object_set_new(r, "seed", json_string("x"));
    expect_einval(f, r, "seed");
    /* defaults: count 8, language en */
    r = json_pack("{s:O, s:s, s:s}", "resume", f->resume, "interview_type", "general", "difficulty", "easy");
    json_t *qs = run(f, r);
    assert_int_equal(json_array_size(qs), 8);
    assert_string_equal(json_string_value(json_object_get(json_array_get(qs, 0), "language")), "en");
    json_decref(qs);
}

static void test_question_shape(void **state)
{
    const fx *f = *state;
    json_t *qs = run(f, request(f->resume, "mixed", "medium", 6, "en", NULL, 9));
    size_t i;
    const json_t *q;
    json_array_foreach(qs, i, q) {
        static const char *const keys[] = {"question_text", "category", "topic", "difficulty", "model_answer",
                                           "bank_id", "language"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            assert_true(json_is_string(json_object_get(q, keys[k])));
        assert_true(json_is_array(json_object_get(q, "expected_points")));
        assert_true(json_is_array(json_object_get(q, "follow_ups")));
        assert_true(json_is_array(json_object_get(q, "tags")));
        const json_t *skill = json_object_get(q, "skill");
        assert_true(json_is_string(skill) || json_is_null(skill));
        /* category is the bank entry's type */
        const bank_entry *e = bank_get(f->b, json_string_value(json_object_get(q, "bank_id")));
        assert_string_equal(json_string_value(json_object_get(q, "category")), bank_type_name(e->type));
        assert_string_equal(json_string_value(json_object_get(q, "topic")), e->topic);
    }
    json_decref(qs);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    f->tax = fx_taxonomy();
    f->b = fx_bank(f->tax);
    f->resume = fx_resume();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    json_decref(f->resume);
    bank_close(f->b);
    skills_taxonomy_free(f->tax);
    free(f);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_skills_weighting),
        cmocka_unit_test(test_job_description),
        cmocka_unit_test(test_no_duplicates),
        cmocka_unit_test(test_difficulty_follows_seniority),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_placeholders_filled),
        cmocka_unit_test(test_languages),
        cmocka_unit_test(test_mixed_blend),
        cmocka_unit_test(test_fallbacks),
        cmocka_unit_test(test_weak_topics),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_question_shape),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

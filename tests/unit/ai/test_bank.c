/* Tests for ai/bank: validation of malformed entries (naming file and id), placeholders, the
 * indexes behind bank_find and bank_get on the fixture bank, and the shipped bank itself: size,
 * both languages, the README's shape, every behavioral theme, and the 40 required skills each
 * with at least four technical questions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ai/bank.h"
#include "ai/fixtures.h"
#include "parse/skills.h"

/* One entry around the given fields, for validation cases. */
static ig_status open_one(const char *json, const skills_taxonomy *tax, bank **b, ig_err *err)
{
    bank_file f = {"questions/case.json", {json, strlen(json)}};
    return bank_open_files(&f, 1, tax, b, err);
}

#define ENTRY(id, type, skill, en_text)                                                                   \
    "[{\"id\": \"" id "\", \"type\": \"" type "\", \"topic\": \"t\", \"skill\": " skill                    \
    ", \"difficulty\": \"easy\", \"en\": {\"text\": \"" en_text "\", \"key_points\": [\"a\", \"b\"], "      \
    "\"follow_ups\": [\"f\"], \"model_answer\": \"m\"}}]"

static void expect_invalid(const char *json, const skills_taxonomy *tax, const char *needle)
{
    bank *b = NULL;
    ig_err err = {0};
    ig_status rc = open_one(json, tax, &b, &err);
    if (rc != IG_EINVAL)
        fail_msg("accepted: %s", json);
    assert_null(b);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("message [%s] lacks [%s]", err.msg, needle);
    assert_non_null(strstr(err.msg, "questions/case.json"));
}

static void test_validation(void **state)
{
    const skills_taxonomy *tax = *state;
    bank *b = NULL;
    ig_err err = {0};
    assert_int_equal(open_one(ENTRY("ok-1", "technical", "\"redis\"", "What is {skill}?"), tax, &b, &err), IG_OK);
    /* the taxonomy canonicalises the skill */
    assert_string_equal(bank_get(b, "ok-1")->skill, "Redis");
    assert_int_equal(bank_get(b, "ok-1")->placeholders, BANK_PH_SKILL);
    bank_close(b);

    expect_invalid(ENTRY("bad-ph", "general", "null", "Hi {skil}"), tax, "\"bad-ph\"");
    expect_invalid(ENTRY("bad-ph", "general", "null", "Hi {skil}"), tax, "unknown placeholder {skil}");
    expect_invalid(ENTRY("bad-zh-ph", "general", "null", "你在{项目}"), tax, "unknown placeholder");
    expect_invalid(ENTRY("bad-type", "quiz", "null", "Hi"), tax, "type must be");
    expect_invalid(ENTRY("BAD ID", "general", "null", "Hi"), tax, "id must be");
    expect_invalid(ENTRY("bad-skill", "technical", "\"Klingon Programming\"", "Hi"), tax, "not in the taxonomy");
    expect_invalid(ENTRY("bad-empty", "general", "null", "  "), tax, "empty en.text");
    expect_invalid("[{\"id\": \"x\", \"type\": \"general\", \"topic\": \"t\", \"difficulty\": \"hard\"}]", tax,
                   "needs an \"en\" or a \"zh\" text");
    expect_invalid("[{\"id\": \"x\", \"type\": \"general\", \"topic\": \"t\", \"difficulty\": \"hard\", "
                   "\"dificulty\": 1, \"en\": {}}]",
                   tax, "unknown field dificulty");
    expect_invalid("[{\"id\": \"x\", \"type\": \"general\", \"topic\": \"t\", \"difficulty\": \"hard\", "
                   "\"en\": {\"text\": \"q\", \"key_points\": [], \"model_answer\": \"m\"}}]",
                   tax, "key_points");
    expect_invalid("[{\"id\": \"x\", \"type\": \"general\", \"topic\": \"t\", \"difficulty\": \"hard\", "
                   "\"en\": {\"text\": \"At {company}\", \"key_points\": [\"k\"], \"model_answer\": \"m\"}, "
                   "\"zh\": {\"text\": \"在{project}\", \"key_points\": [\"k\"], \"model_answer\": \"m\"}}]",
                   tax, "different placeholders");
    expect_invalid("{\"id\": \"x\"}", tax, "not a JSON array");
    expect_invalid("[1,", tax, "line");

    /* a duplicate id across two files names both */
    const char *one = ENTRY("dup", "general", "null", "Hi");
    bank_file files[2] = {{"questions/a.json", {one, strlen(one)}}, {"questions/b.json", {one, strlen(one)}}};
    assert_int_equal(bank_open_files(files, 2, tax, &b, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "questions/a.json"));
    assert_non_null(strstr(err.msg, "questions/b.json"));

    /* code in braces is not a placeholder */
    assert_int_equal(open_one(ENTRY("code", "technical", "null", "What does {a: 1} or {} mean?"), tax, &b, &err),
                     IG_OK);
    assert_int_equal(bank_get(b, "code")->placeholders, 0);
    bank_close(b);
}

static void test_placeholder_scan(void **state)
{
    (void)state;
    size_t len = 0;
    assert_int_equal(bank_placeholder("{project} x", 11, &len), BANK_PH_PROJECT);
    assert_int_equal(len, 9);
    assert_int_equal(bank_placeholder("{skill2}", 8, &len), BANK_PH_SKILL2);
    assert_int_equal(bank_placeholder("{Skill}", 7, &len), -1);
    assert_int_equal(bank_placeholder("{ a }", 5, &len), 0);
    assert_int_equal(bank_placeholder("{title", 6, &len), 0);
    assert_int_equal(bank_placeholder("{}", 2, &len), 0);
}

static void test_find_and_get(void **state)
{
    bank *b = fx_bank(*state);
    assert_int_equal(bank_count(b), 33);
    const bank_entry *e = bank_get(b, "tech-redis-cache");
    assert_non_null(e);
    assert_int_equal(e->type, BANK_TECHNICAL);
    assert_string_equal(e->skill, "Redis");
    assert_int_equal(e->placeholders, BANK_PH_PROJECT | BANK_PH_SKILL);
    assert_string_equal(e->lang[BANK_ZH].key_points[0], "旁路缓存模式");
    assert_int_equal(e->lang[BANK_EN].n_follow_ups, 1);
    assert_null(bank_get(b, "nope"));
    for (size_t i = 1; i < bank_count(b); i++)
        assert_true(strcmp(bank_at(b, i - 1)->id, bank_at(b, i)->id) < 0);

    bank_filter f;
    bank_filter_any(&f);
    f.skill = "redis"; /* case-insensitive */
    const bank_entry *out[4];
    size_t total = 0;
    size_t n = bank_find(b, &f, 0, out, 4, &total);
    assert_int_equal(total, 7); /* six technical + the rate limiter */
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(out[i]->skill, "Redis");
    n = bank_find(b, &f, 4, out, 4, &total);
    assert_int_equal(n, 3); /* the next page */
    f.type = BANK_TECHNICAL;
    f.difficulty = BANK_HARD;
    n = bank_find(b, &f, 0, out, 4, &total);
    assert_int_equal(total, 2);
    assert_string_equal(out[0]->id, "tech-redis-cluster");
    assert_string_equal(out[1]->id, "tech-redis-lock");

    bank_filter_any(&f);
    f.type = BANK_BEHAVIORAL;
    f.lang = BANK_ZH;
    bank_find(b, &f, 0, NULL, 0, &total);
    assert_int_equal(total, 4);
    bank_filter_any(&f);
    f.topic = "SQL-Indexing";
    n = bank_find(b, &f, 0, out, 4, &total);
    assert_int_equal(total, 1);
    assert_string_equal(out[0]->id, "tech-mysql-index");
    bank_close(b);
}

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(bank_type_parse("system_design"), BANK_SYSTEM_DESIGN);
    assert_int_equal(bank_type_parse("mixed"), -1);
    assert_int_equal(bank_level_parse("hard"), BANK_HARD);
    assert_int_equal(bank_lang_parse("zh"), BANK_ZH);
    assert_int_equal(bank_lang_parse("fr"), -1);
    assert_string_equal(bank_type_name(BANK_PROJECT), "project");
    assert_string_equal(bank_level_name(BANK_EASY), "easy");
}

/* The 40 most common skills of resumes (languages, frameworks, databases, cloud, CS
 * fundamentals): each needs at least four technical questions in the shipped bank. */
static const char *const required_skills[40] = {
    "Python", "Java", "JavaScript", "TypeScript", "Go", "C++", "C", "C#", "Rust", "PHP",
    "Kotlin", "Swift", "SQL", "React", "Vue.js", "Angular", "Node.js", "Spring Boot", "Django", "Flask",
    "MySQL", "PostgreSQL", "Redis", "MongoDB", "Elasticsearch", "Kafka", "Docker", "Kubernetes", "AWS", "Linux",
    "Git", "CI/CD", "Data Structures", "Algorithms", "Operating Systems", "Computer Networks",
    "Distributed Systems", "Machine Learning", "Deep Learning", "PyTorch",
};

/* The shipped bank and the taxonomy, closed by the teardown even when a check fails. */
typedef struct shipped {
    skills_taxonomy *tax;
    bank *b;
} shipped;

static int shipped_setup(void **state)
{
    shipped *sh = calloc(1, sizeof *sh);
    ig_err err = {0};
    sh->tax = fx_taxonomy();
    if (bank_open(sh->tax, &sh->b, &err) != IG_OK)
        fprintf(stderr, "the shipped bank does not load: %s\n", err.msg);
    *state = sh;
    return 0;
}

static int shipped_teardown(void **state)
{
    shipped *sh = *state;
    bank_close(sh->b);
    skills_taxonomy_free(sh->tax);
    free(sh);
    return 0;
}

static void test_shipped_bank(void **state)
{
    const shipped *sh = *state;
    const skills_taxonomy *tax = sh->tax;
    const bank *b = sh->b;
    assert_non_null(b);
    size_t n = bank_count(b);
    if (n < 400)
        fail_msg("the shipped bank has %zu questions, fewer than 400", n);
    size_t per_type[BANK_NTYPES] = {0};
    for (size_t i = 0; i < n; i++) {
        const bank_entry *e = bank_at(b, i);
        per_type[e->type]++;
        if (e->type == BANK_TECHNICAL && e->skill == NULL)
            fail_msg("%s (%s): a technical question needs a skill", e->id, e->file);
        for (int l = 0; l < BANK_NLANGS; l++) {
            const bank_text *t = &e->lang[l];
            if (t->text == NULL)
                fail_msg("%s (%s): no %s text", e->id, e->file, bank_lang_name((bank_lang)l));
            if (t->n_key_points < 3 || t->n_key_points > 6)
                fail_msg("%s (%s): %zu key points, the README asks for 3-6", e->id, e->file, t->n_key_points);
            if (t->n_follow_ups < 1 || t->n_follow_ups > 3)
                fail_msg("%s (%s): %zu follow-ups, the README asks for 1-3", e->id, e->file, t->n_follow_ups);
        }
    }
    for (int t = 0; t < BANK_NTYPES; t++)
        if (per_type[t] < 20)
            fail_msg("only %zu %s questions", per_type[t], bank_type_name((bank_type)t));
    static const char *const themes[] = {"teamwork", "conflict", "failure", "leadership", "pressure", "motivation"};
    bank_filter f;
    size_t total;
    for (size_t i = 0; i < sizeof themes / sizeof themes[0]; i++) {
        bank_filter_any(&f);
        f.type = BANK_BEHAVIORAL;
        f.topic = themes[i];
        bank_find(b, &f, 0, NULL, 0, &total);
        if (total < 2)
            fail_msg("behavioral theme %s has %zu questions", themes[i], total);
    }
    for (size_t i = 0; i < 40; i++) {
        const skills_entry *se = skills_lookup(tax, required_skills[i], strlen(required_skills[i]));
        if (se == NULL)
            fail_msg("required skill %s is not in the taxonomy", required_skills[i]);
        bank_filter_any(&f);
        f.type = BANK_TECHNICAL;
        f.skill = se->name;
        for (int l = 0; l < BANK_NLANGS; l++) {
            f.lang = l;
            bank_find(b, &f, 0, NULL, 0, &total);
            if (total < 4)
                fail_msg("skill %s has %zu technical questions in %s, fewer than 4", se->name, total,
                         bank_lang_name((bank_lang)l));
        }
    }
}

static int setup(void **state)
{
    *state = fx_taxonomy();
    return 0;
}

static int teardown(void **state)
{
    skills_taxonomy_free(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_placeholder_scan),
        cmocka_unit_test(test_find_and_get),
        cmocka_unit_test(test_names),
        cmocka_unit_test_setup_teardown(test_shipped_bank, shipped_setup, shipped_teardown),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

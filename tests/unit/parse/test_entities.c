/* Tests for parse/entities: whole-word English matching, Chinese substrings, degree levels, US
 * state codes only in capitals after a comma, the last title in a run-on header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "parse/entities.h"

static int setup(void **state)
{
    entities *e = NULL;
    ig_err err;
    if (entities_load(&e, &err) != IG_OK)
        return -1;
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    entities_free(*state);
    return 0;
}

static bool has(const entities *e, entities_class c, const char *s)
{
    entities_match m;
    return entities_find(e, c, s, strlen(s), &m);
}

static void test_words(void **state)
{
    const entities *e = *state;
    assert_true(has(e, ENTITIES_TITLE, "Senior Software Engineer"));
    assert_true(has(e, ENTITIES_TITLE, "质量工程师"));
    assert_true(has(e, ENTITIES_TITLE, "实习"));
    assert_false(has(e, ENTITIES_TITLE, "Engineering Department")); /* whole words only */
    assert_true(has(e, ENTITIES_ORG, "Dunamu Inc."));
    assert_true(has(e, ENTITIES_ORG, "黑科技公司"));
    assert_false(has(e, ENTITIES_ORG, "Incredible"));
    assert_true(has(e, ENTITIES_SCHOOL, "University of La Verne"));
    assert_true(has(e, ENTITIES_SCHOOL, "上海交通大学"));
    assert_true(has(e, ENTITIES_SPOKEN, "Fluent in Spanish"));
}

static void test_degrees(void **state)
{
    const entities *e = *state;
    struct {
        const char *text, *level, *phrase;
    } cases[] = {
        {"Bachelor of Science in Computer Science", "bachelor", "Bachelor of Science"},
        {"B.S. in Computer Science", "bachelor", "B.S."},
        {"MSc Data Science", "master", "MSc"},
        {"Ph.D. candidate", "phd", "Ph.D."},
        {"在读硕士研究生 信息与通信工程", "master", "硕士研究生"},
        {"学士 通信工程", "bachelor", "学士"},
        {"人工智能专业 | 本科", "bachelor", "本科"},
        {"博士", "phd", "博士"},
        {"大专", "associate", "大专"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        entities_match m;
        assert_true(entities_find(e, ENTITIES_DEGREE, cases[i].text, strlen(cases[i].text), &m));
        assert_string_equal(m.level, cases[i].level);
        /* the longest phrase wins: "Bachelor of Science" over "Bachelor", "硕士" within "硕士研究生" */
        if (strcmp(cases[i].level, "master") != 0 || strstr(cases[i].text, "MSc") != NULL)
            assert_memory_equal(cases[i].text + m.off, cases[i].phrase, m.len);
    }
    assert_false(has(e, ENTITIES_DEGREE, "Business Administration"));
}

static void test_states_and_places(void **state)
{
    const entities *e = *state;
    assert_true(has(e, ENTITIES_STATE, "Atlanta, GA"));
    assert_false(has(e, ENTITIES_STATE, "work in a team")); /* "in" is Indiana only as "X, IN" */
    assert_false(has(e, ENTITIES_STATE, "Atlanta, ga"));
    assert_true(has(e, ENTITIES_PLACE, "Seoul, S.Korea"));
    assert_true(has(e, ENTITIES_PLACE, "上海"));
}

static void test_last_and_prefix(void **state)
{
    const entities *e = *state;
    const char *s = "School Ambassador, Software Engineer College Bike";
    entities_match m;
    assert_true(entities_find_last(e, ENTITIES_TITLE, s, strlen(s), &m));
    assert_int_equal(m.off + m.len, strlen("School Ambassador, Software Engineer"));
    size_t len;
    assert_true(entities_prefix(e, ENTITIES_SKILLVERB, "Proficient in Windows", 21, &len));
    assert_int_equal(len, strlen("Proficient in"));
    assert_true(entities_prefix(e, ENTITIES_SKILLVERB, "熟练掌握 C++", strlen("熟练掌握 C++"), &len));
    assert_false(entities_prefix(e, ENTITIES_SKILLVERB, "Python", 6, &len));
}

static void test_bad_data(void **state)
{
    (void)state;
    entities *e = NULL;
    ig_err err;
    const char *bad = "title\tengineer\ndegree:wizard\tBSc\n";
    assert_int_equal(entities_parse(bad, strlen(bad), &e, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "line 2"));
    assert_null(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),          cmocka_unit_test(test_degrees),
        cmocka_unit_test(test_states_and_places), cmocka_unit_test(test_last_and_prefix),
        cmocka_unit_test(test_bad_data),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

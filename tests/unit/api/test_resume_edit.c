/* Tests for api/resume_edit: bodies that pass (every field, EN and ZH text, nulls, round-tripped
 * derived fields), and each kind of error in marshmallow's nested shape and both languages: wrong
 * types, unknown fields, missing required ones, over-long strings (counted in code points), too
 * many items, dates, degrees, years, URLs and e-mails, an empty body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/resume_edit.h"

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    if (j == NULL)
        fail_msg("bad JSON in the test: %s: %s", text, jerr.text);
    return j;
}

static void expect_valid(const char *text)
{
    json_t *body = parse(text), *details = (json_t *)1;
    if (!resume_edit_validate(body, LANG_EN, &details)) {
        char *dump = json_dumps(details, 0);
        fail_msg("%s: refused: %s", text, dump);
    }
    assert_null(details);
    json_decref(body);
}

/* The details of text in lang, which must be refused. Caller decrefs. */
static json_t *refused(const char *text, api_lang lang)
{
    json_t *body = parse(text), *details = NULL;
    if (resume_edit_validate(body, lang, &details))
        fail_msg("%s: accepted", text);
    assert_true(json_is_object(details));
    json_decref(body);
    return details;
}

/* text is refused with exactly one error, at path (keys separated by '/'), reading want. */
static void expect_error(const char *text, api_lang lang, const char *path, const char *want)
{
    json_t *details = refused(text, lang), *node = details;
    char keys[200];
    snprintf(keys, sizeof keys, "%s", path);
    for (char *save = NULL, *k = strtok_r(keys, "/", &save); k != NULL; k = strtok_r(NULL, "/", &save)) {
        if (!json_is_object(node) || json_object_size(node) != 1 || json_object_get(node, k) == NULL) {
            char *dump = json_dumps(details, 0);
            fail_msg("%s: want one error at %s, got %s", text, path, dump);
        }
        node = json_object_get(node, k);
    }
    if (!json_is_array(node) || json_array_size(node) != 1 ||
        strcmp(json_string_value(json_array_get(node, 0)), want) != 0) {
        char *dump = json_dumps(details, 0);
        fail_msg("%s: want [%s] at %s, got %s", text, want, path, dump);
    }
    json_decref(details);
}

static void test_valid_bodies(void **state)
{
    (void)state;
    expect_valid("{\"basic_info\": {\"name\": \"Priya Raman\", \"email\": \"priya@example.com\", "
                 "\"phone\": \"+1 206 555 0187\", \"location\": \"Seattle\", \"summary\": \"Backend engineer\", "
                 "\"links\": [\"https://github.com/praman\"], \"github\": \"https://github.com/praman\", "
                 "\"linkedin\": null, \"website\": \"\", \"years_of_experience\": 6.5}}");
    expect_valid("{\"basic_info\": {\"name\": \"陈晓明\", \"email\": null, \"phone\": \"139-0011-2233\", "
                 "\"phone_e164\": \"+8613900112233\", \"years_of_experience\": null}}");
    expect_valid("{\"skills\": [\"Python\", {\"name\": \"机器学习\"}, {\"name\": \"Go\", \"category\": \"language\", "
                 "\"sources\": [\"skills\"], \"count\": 2, \"raw\": \"golang\"}]}");
    expect_valid("{\"experience\": [{\"company\": \"京东集团\", \"title\": \"后端开发工程师\", \"location\": null, "
                 "\"start\": \"2018-07\", \"end\": \"present\", \"start_raw\": \"2018.07\", \"end_raw\": \"至今\", "
                 "\"duration_months\": 80, \"bullets\": [\"负责订单系统\"], \"skills\": [\"Java\"]}, {}]}");
    expect_valid("{\"education\": [{\"school\": \"University of Washington\", \"degree\": \"bachelor\", "
                 "\"degree_raw\": \"B.S.\", \"major\": \"Computer Science\", \"start\": \"2013\", "
                 "\"end\": \"2017-06\", "
                 "\"gpa\": \"3.8/4.0\"}, {\"school\": \"南京大学\", \"degree\": null, \"start\": \"\"}]}");
    expect_valid("{\"projects\": [{\"name\": \"OpenResume\", \"role\": \"author\", \"tech_stack\": [\"React\"], "
                 "\"description\": \"A resume builder\", \"url\": \"https://open-resume.com\"}], "
                 "\"certifications\": [\"CKA\"], \"awards\": [], \"languages\": [\"English\", \"中文\"]}");
    /* limits are inclusive and count characters, not bytes */
    char body[1200];
    char name[3 * RESUME_EDIT_NAME_MAX + 1] = "";
    for (int i = 0; i < RESUME_EDIT_NAME_MAX; i++)
        strcat(name, "长");
    snprintf(body, sizeof body, "{\"basic_info\": {\"name\": \"%s\", \"years_of_experience\": 80}}", name);
    expect_valid(body);
}

static void test_type_errors(void **state)
{
    (void)state;
    expect_error("{\"skills\": \"Python\"}", LANG_EN, "skills", "Not a valid list.");
    expect_error("{\"skills\": \"Python\"}", LANG_ZH, "skills", "不是有效的列表。");
    expect_error("{\"basic_info\": [\"x\"]}", LANG_EN, "basic_info/_schema", "Invalid input type.");
    expect_error("{\"basic_info\": null}", LANG_EN, "basic_info", "Field may not be null.");
    expect_error("{\"basic_info\": {\"name\": 5}}", LANG_EN, "basic_info/name", "Not a valid string.");
    expect_error("{\"basic_info\": {\"years_of_experience\": \"5\"}}", LANG_EN, "basic_info/years_of_experience",
                 "Must be a number between 0 and 80.");
    expect_error("{\"basic_info\": {\"years_of_experience\": true}}", LANG_ZH, "basic_info/years_of_experience",
                 "必须是 0 到 80 之间的数字。");
    expect_error("{\"skills\": [true]}", LANG_EN, "skills/0", "Must be a string or an object.");
    expect_error("{\"skills\": [\"Go\", null]}", LANG_EN, "skills/1", "Field may not be null.");
    expect_error("{\"skills\": [{\"name\": \"Go\", \"count\": -1}]}", LANG_EN, "skills/0/count",
                 "Must be a non-negative integer.");
    expect_error("{\"experience\": [\"x\"]}", LANG_EN, "experience/0/_schema", "Invalid input type.");
    expect_error("{\"experience\": [{\"bullets\": null}]}", LANG_EN, "experience/0/bullets", "Field may not be null.");
    expect_error("{\"experience\": [{\"bullets\": [\"ok\", 3]}]}", LANG_EN, "experience/0/bullets/1",
                 "Not a valid string.");
    expect_error("{\"projects\": [{\"tech_stack\": \"C\"}]}", LANG_EN, "projects/0/tech_stack", "Not a valid list.");
    expect_error("{\"awards\": {\"a\": 1}}", LANG_EN, "awards", "Not a valid list.");
    expect_error("{\"languages\": null}", LANG_EN, "languages", "Field may not be null.");
}

static void test_unknown_and_required(void **state)
{
    (void)state;
    expect_error("{\"salary\": 1}", LANG_EN, "salary", "Unknown field.");
    expect_error("{\"raw_text\": \"x\"}", LANG_ZH, "raw_text", "未知字段。");
    expect_error("{\"confidence\": {\"overall\": 1}}", LANG_EN, "confidence", "Unknown field.");
    expect_error("{\"basic_info\": {\"age\": 3}}", LANG_EN, "basic_info/age", "Unknown field.");
    expect_error("{\"education\": [{\"school\": \"x\", \"rank\": 1}]}", LANG_EN, "education/0/rank", "Unknown field.");
    expect_error("{\"skills\": [{\"category\": \"language\"}]}", LANG_EN, "skills/0/name",
                 "Missing data for required field.");
    expect_error("{}", LANG_EN, "_schema", "At least one field to change is required.");
    expect_error("{}", LANG_ZH, "_schema", "至少需要一个要修改的字段。");
    /* several errors at once, each where it belongs */
    json_t *d =
        refused("{\"foo\": 1, \"awards\": 2, \"experience\": [{}, {\"start\": \"x\", \"end\": \"y\"}]}", LANG_EN);
    assert_int_equal(json_object_size(d), 3);
    json_t *e1 = json_object_get(json_object_get(d, "experience"), "1");
    assert_int_equal(json_object_size(json_object_get(d, "experience")), 1);
    assert_int_equal(json_object_size(e1), 2);
    json_decref(d);
}

static void test_formats_and_limits(void **state)
{
    (void)state;
    char body[8192];
    char longs[3 * 201 + 1] = "";
    for (int i = 0; i < 201; i++)
        strcat(longs, "司");
    snprintf(body, sizeof body, "{\"experience\": [{\"company\": \"%s\"}]}", longs);
    expect_error(body, LANG_EN, "experience/0/company", "Longer than maximum length 200.");
    expect_error(body, LANG_ZH, "experience/0/company", "长度不能超过 200。");
    expect_error("{\"experience\": [{\"start\": \"2019/07\"}]}", LANG_EN, "experience/0/start",
                 "Not a valid date (YYYY or YYYY-MM).");
    expect_error("{\"experience\": [{\"start\": \"present\"}]}", LANG_EN, "experience/0/start",
                 "Not a valid date (YYYY or YYYY-MM).");
    expect_error("{\"projects\": [{\"end\": \"2019-13\"}]}", LANG_EN, "projects/0/end",
                 "Not a valid date (YYYY, YYYY-MM or present).");
    expect_error("{\"education\": [{\"end\": \"至今\"}]}", LANG_ZH, "education/0/end",
                 "不是有效的日期（YYYY、YYYY-MM 或 present）。");
    expect_error("{\"education\": [{\"degree\": \"MSc\"}]}", LANG_EN, "education/0/degree",
                 "Must be one of: high_school, associate, bachelor, master, phd, other.");
    expect_error("{\"basic_info\": {\"email\": \"nobody\"}}", LANG_EN, "basic_info/email",
                 "Not a valid email address.");
    expect_error("{\"basic_info\": {\"website\": \"javascript:alert(1)\"}}", LANG_EN, "basic_info/website",
                 "Not a valid URL.");
    expect_error("{\"basic_info\": {\"links\": [\"https://a.example\", \"github.com/x\"]}}", LANG_EN,
                 "basic_info/links/1", "Not a valid URL.");
    expect_error("{\"basic_info\": {\"years_of_experience\": 80.5}}", LANG_EN, "basic_info/years_of_experience",
                 "Must be a number between 0 and 80.");
    expect_error("{\"basic_info\": {\"years_of_experience\": -1}}", LANG_EN, "basic_info/years_of_experience",
                 "Must be a number between 0 and 80.");
    /* too many items: one message for the list, its items not looked at */
    size_t n = (size_t)snprintf(body, sizeof body, "{\"awards\": [");
    for (int i = 0; i <= RESUME_EDIT_ENTRIES_MAX; i++)
        n += (size_t)snprintf(body + n, sizeof body - n, "%s7", i ? ", " : "");
    snprintf(body + n, sizeof body - n, "]}");
    expect_error(body, LANG_EN, "awards", "Longer than maximum length 50.");
    n = (size_t)snprintf(body, sizeof body, "{\"education\": [");
    for (int i = 0; i <= RESUME_EDIT_EDUCATION_MAX; i++)
        n += (size_t)snprintf(body + n, sizeof body - n, "%s{}", i ? ", " : "");
    snprintf(body + n, sizeof body - n, "]}");
    expect_error(body, LANG_EN, "education", "Longer than maximum length 20.");
}

static void test_not_an_object(void **state)
{
    (void)state;
    json_t *arr = json_array(), *details = NULL;
    assert_false(resume_edit_validate(arr, LANG_EN, &details));
    assert_string_equal(json_string_value(json_array_get(json_object_get(details, "_schema"), 0)),
                        "Invalid input type.");
    json_decref(details);
    json_decref(arr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_bodies),
        cmocka_unit_test(test_type_errors),
        cmocka_unit_test(test_unknown_and_required),
        cmocka_unit_test(test_formats_and_limits),
        cmocka_unit_test(test_not_an_object),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

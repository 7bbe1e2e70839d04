/* Tests for ai/schema: every kind of check (types, null, ranges, string lengths in characters with
 * EN and ZH text, enumerations, required and optional keys, array lengths, nesting) and the paths
 * and wording of the messages a repair prompt shows the model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "ai/schema.h"

static const schema SCORE = SCHEMA_NUM(0, 100);
static const schema TEXT = SCHEMA_STR(1, 10);
static const schema TEXT_OR_NULL = {.type = SCHEMA_STRING, .nullable = true, .max_len = 10};
static const char *const LEVELS[] = {"easy", "medium", "hard", NULL};
static const schema LEVEL = SCHEMA_ENUM(LEVELS);
static const schema POINTS = SCHEMA_ARR(&TEXT, 1, 3);
static const schema COUNT = {.type = SCHEMA_INTEGER, .ranged = true, .min = 1, .max = 30};
static const schema FLAG = {.type = SCHEMA_BOOLEAN};
static const schema_field DIM_FIELDS[] = {{"depth", &SCORE, false}, {"clarity", &SCORE, false}};
static const schema DIMS = SCHEMA_OBJ(DIM_FIELDS);
static const schema_field ITEM_FIELDS[] = {
    {"score", &SCORE, false}, {"level", &LEVEL, false}, {"points", &POINTS, false},
    {"note", &TEXT_OR_NULL, true}, {"dimensions", &DIMS, false}, {"count", &COUNT, true},
    {"flag", &FLAG, true},
};
static const schema ITEM = SCHEMA_OBJ(ITEM_FIELDS);
static const schema ITEMS = SCHEMA_ARR(&ITEM, 1, 0);
static const schema_field ROOT_FIELDS[] = {{"items", &ITEMS, false}};
static const schema ROOT = SCHEMA_OBJ(ROOT_FIELDS);

/* The message of checking text against s, or "" when it passes. */
static const char *problem(const schema *s, const char *text)
{
    static ig_err err;
    json_error_t je;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
    if (v == NULL)
        fail_msg("bad test JSON %s: %s", text, je.text);
    memset(&err, 0, sizeof err);
    ig_status rc = schema_check(s, v, &err);
    json_decref(v);
    if (rc == IG_OK)
        return "";
    assert_int_equal(rc, IG_EINVAL);
    return err.msg;
}

#define GOOD_ITEM "{\"score\": 80, \"level\": \"easy\", \"points\": [\"a\"], \"dimensions\": {\"depth\": 1, \"clarity\": 2}}"

static void test_valid_document(void **state)
{
    (void)state;
    assert_string_equal(problem(&ROOT, "{\"items\": [" GOOD_ITEM "]}"), "");
    /* extra keys are commentary: allowed */
    assert_string_equal(problem(&ROOT, "{\"items\": [" GOOD_ITEM "], \"comment\": \"ok\"}"), "");
    /* optional keys, present and valid, and a nullable one as null */
    assert_string_equal(problem(&ITEM, "{\"score\": 0, \"level\": \"hard\", \"points\": [\"x\", \"y\", \"z\"], "
                                       "\"note\": null, \"count\": 30, \"flag\": true, "
                                       "\"dimensions\": {\"depth\": 100, \"clarity\": 55.5}}"),
                        "");
}

static void test_types(void **state)
{
    (void)state;
    assert_string_equal(problem(&SCORE, "\"80\""), "$: must be a number, not a string");
    assert_string_equal(problem(&TEXT, "3"), "$: must be a string, not an integer");
    assert_string_equal(problem(&ROOT, "[]"), "$: must be an object, not an array");
    assert_string_equal(problem(&POINTS, "{}"), "$: must be an array, not an object");
    assert_string_equal(problem(&COUNT, "2.5"), "$: must be an integer, not a number");
    assert_string_equal(problem(&FLAG, "\"yes\""), "$: must be a boolean, not a string");
    assert_string_equal(problem(&SCORE, "null"), "$: must be a number, not null");
    assert_string_equal(problem(&TEXT_OR_NULL, "null"), "");
}

static void test_ranges(void **state)
{
    (void)state;
    assert_string_equal(problem(&SCORE, "100"), "");
    assert_string_equal(problem(&SCORE, "0.0"), "");
    assert_string_equal(problem(&SCORE, "120"), "$: 120 is above the maximum 100");
    assert_string_equal(problem(&SCORE, "-1"), "$: -1 is below the minimum 0");
    assert_string_equal(problem(&COUNT, "0"), "$: 0 is below the minimum 1");
}

static void test_strings(void **state)
{
    (void)state;
    assert_string_equal(problem(&TEXT, "\"\""), "$: must not be empty");
    assert_string_equal(problem(&TEXT, "\"0123456789\""), "");
    assert_string_equal(problem(&TEXT, "\"0123456789X\""), "$: is longer than 10 characters");
    /* characters, not bytes: ten CJK characters are 30 bytes and fit */
    assert_string_equal(problem(&TEXT, "\"分布式系统设计与实现\""), "");
    assert_string_equal(problem(&TEXT, "\"分布式系统设计与实现了\""), "$: is longer than 10 characters");
    assert_string_equal(problem(&LEVEL, "\"medium\""), "");
    assert_string_equal(problem(&LEVEL, "\"Medium\""), "$: \"Medium\" is not one of \"easy\", \"medium\", \"hard\"");
    assert_string_equal(problem(&LEVEL, "\"中等\""), "$: \"中等\" is not one of \"easy\", \"medium\", \"hard\"");
}

static void test_required_keys_and_paths(void **state)
{
    (void)state;
    assert_string_equal(problem(&ROOT, "{}"), "$: the required key \"items\" is missing");
    assert_string_equal(problem(&ROOT, "{\"items\": [" GOOD_ITEM ", {\"score\": 1}]}"),
                        "$.items[1]: the required key \"level\" is missing");
    assert_string_equal(problem(&ROOT, "{\"items\": [{\"score\": 80, \"level\": \"easy\", \"points\": [\"a\"], "
                                       "\"dimensions\": {\"depth\": 101, \"clarity\": 2}}]}"),
                        "$.items[0].dimensions.depth: 101 is above the maximum 100");
    assert_string_equal(problem(&ROOT, "{\"items\": [{\"score\": 80, \"level\": \"easy\", \"points\": [\"a\", 7], "
                                       "\"dimensions\": {\"depth\": 1, \"clarity\": 2}}]}"),
                        "$.items[0].points[1]: must be a string, not an integer");
    /* an optional key present as null needs a nullable type */
    assert_string_equal(problem(&ITEM, "{\"score\": 1, \"level\": \"easy\", \"points\": [\"a\"], \"count\": null, "
                                       "\"dimensions\": {\"depth\": 1, \"clarity\": 2}}"),
                        "$.count: must be an integer, not null");
}

static void test_array_lengths(void **state)
{
    (void)state;
    assert_string_equal(problem(&POINTS, "[]"), "$: has 0 items, at least 1 required");
    assert_string_equal(problem(&POINTS, "[\"a\", \"b\", \"c\", \"d\"]"), "$: has 4 items, at most 3 allowed");
    assert_string_equal(problem(&ROOT, "{\"items\": []}"), "$.items: has 0 items, at least 1 required");
    /* an exact length, as generation asks for `count` questions */
    schema exact = POINTS;
    exact.min_len = exact.max_len = 2;
    assert_string_equal(problem(&exact, "[\"a\"]"), "$: has 1 item, at least 2 required");
    assert_string_equal(problem(&exact, "[\"a\", \"b\"]"), "");
}

static void test_any_and_missing_value(void **state)
{
    (void)state;
    static const schema ANY = {.type = SCHEMA_ANY};
    assert_string_equal(problem(&ANY, "null"), "");
    assert_string_equal(problem(&ANY, "[1, {}]"), "");
    ig_err err = {0};
    assert_int_equal(schema_check(&ANY, NULL, &err), IG_EINVAL);
    assert_string_equal(err.msg, "$: there is no value");
    assert_string_equal(schema_json_type_name(NULL), "null");
}

static void test_long_paths_are_cut(void **state)
{
    (void)state;
    char key[300];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    schema_field f[] = {{key, &SCORE, false}};
    schema s = {.type = SCHEMA_OBJECT, .fields = f, .nfields = 1};
    json_t *v = json_pack("{s:i}", key, 500);
    ig_err err = {0};
    assert_int_equal(schema_check(&s, v, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "...: 500 is above the maximum 100"));
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_document),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_required_keys_and_paths),
        cmocka_unit_test(test_array_lengths),
        cmocka_unit_test(test_any_and_missing_value),
        cmocka_unit_test(test_long_paths_are_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

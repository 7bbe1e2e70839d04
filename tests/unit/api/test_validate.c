/* Tests for api/validate: every validate_result, marshmallow's details shape in both languages,
 * required/nullable/type rules, lengths in code points, email and URL formats, and hostile input
 * (NUL, bad UTF-8, duplicate keys, deep nesting, huge strings). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/validate.h"

static const validate_field FIELDS[] = {
    {"email", true, false, 0, 0, VFMT_EMAIL},
    {"password", true, false, 8, 16, VFMT_NONE},
    {"username", false, true, 2, 5, VFMT_NONE},
    {"website", false, false, 0, 0, VFMT_HTTP_URL},
};
#define NFIELDS (sizeof FIELDS / sizeof FIELDS[0])

static validate_result run(const char *body, api_lang lang, json_t **obj, json_t **details)
{
    return validate_json_body(body, strlen(body), FIELDS, NFIELDS, lang, obj, details);
}

/* The messages for field in details, which must be an array of non-empty strings. */
static size_t field_msgs(const json_t *details, const char *field, const char **msgs, size_t cap)
{
    json_t *list = json_object_get(details, field);
    if (list == NULL)
        return 0;
    assert_true(json_is_array(list));
    assert_true(json_array_size(list) <= cap);
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *m = json_array_get(list, i);
        assert_true(json_is_string(m));
        assert_true(json_string_length(m) > 0);
        msgs[i] = json_string_value(m);
    }
    return json_array_size(list);
}

/* Validates body, expecting VALIDATE_FIELDS with exactly field's one message want. */
static void expect_one_error(const char *body, api_lang lang, const char *field, const char *want)
{
    json_t *obj = (json_t *)1, *details = (json_t *)1;
    validate_result vr = run(body, lang, &obj, &details);
    if (vr != VALIDATE_FIELDS)
        fail_msg("%s: result %d", body, (int)vr);
    assert_null(obj);
    assert_true(json_is_object(details));
    const char *msgs[4];
    if (field_msgs(details, field, msgs, 4) != 1 || strcmp(msgs[0], want) != 0) {
        char *dump = json_dumps(details, 0);
        fail_msg("%s: got %s, want %s: [%s]", body, dump, field, want);
    }
    assert_int_equal(json_object_size(details), 1);
    json_decref(details);
}

static void test_ok_and_unknown_fields_ignored(void **state)
{
    (void)state;
    json_t *obj = NULL, *details = NULL;
    const char *body = " \n{\"email\":\"A@Example.com\",\"password\":\"12345678\",\"extra\":[1,2],"
                       "\"username\":null}\t";
    assert_int_equal(run(body, LANG_ZH, &obj, &details), VALIDATE_OK);
    assert_null(details);
    assert_true(json_is_object(obj));
    size_t len = 0;
    assert_string_equal(validate_get_str(obj, "email", &len), "A@Example.com");
    assert_int_equal(len, 13);
    assert_string_equal(validate_get_str(obj, "password", NULL), "12345678");
    assert_null(validate_get_str(obj, "username", &len)); /* null */
    assert_null(validate_get_str(obj, "website", &len));  /* absent */
    assert_null(validate_get_str(obj, "extra", &len));    /* not a string */
    json_decref(obj);
}

static void test_results(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        validate_result want;
    } cases[] = {
        {"", VALIDATE_EMPTY},
        {" \t\r\n ", VALIDATE_EMPTY},
        {"{", VALIDATE_MALFORMED},
        {"{\"email\":}", VALIDATE_MALFORMED},
        {"{'email':'a@b.co'}", VALIDATE_MALFORMED},
        {"{} {}", VALIDATE_MALFORMED},
        {"{\"a\":1,}", VALIDATE_MALFORMED},
        {"nul", VALIDATE_MALFORMED},
        {"[]", VALIDATE_NOT_OBJECT},
        {"[{\"email\":\"a@b.co\",\"password\":\"12345678\"}]", VALIDATE_NOT_OBJECT},
        {"{}", VALIDATE_FIELDS},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *obj = (json_t *)1, *details = (json_t *)1;
        validate_result vr = run(cases[i].body, LANG_EN, &obj, &details);
        if (vr != cases[i].want)
            fail_msg("'%s': %d, want %d", cases[i].body, (int)vr, (int)cases[i].want);
        assert_null(obj);
        if (vr == VALIDATE_FIELDS)
            json_decref(details);
        else
            assert_null(details);
    }
    /* top-level scalars are refused before any field is looked at */
    static const char *const scalars[] = {"\"string\"", "42", "null", "true"};
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
        json_t *obj = (json_t *)1, *details = (json_t *)1;
        validate_result vr = run(scalars[i], LANG_EN, &obj, &details);
        if (vr != VALIDATE_NOT_OBJECT && vr != VALIDATE_MALFORMED)
            fail_msg("'%s': %d", scalars[i], (int)vr);
        assert_null(obj);
        assert_null(details);
    }
}

static void test_details_shape_both_languages(void **state)
{
    (void)state;
    const char *body = "{\"password\":\"short\",\"username\":\"abcdef\",\"website\":\"ftp://x\"}";
    struct {
        api_lang lang;
        const char *required, *too_short, *too_long, *url;
    } langs[] = {
        {LANG_EN, "Missing data for required field.", "Shorter than minimum length 8.",
         "Longer than maximum length 5.", "Not a valid URL."},
        {LANG_ZH, "缺少必填字段。", "长度不能少于 8。", "长度不能超过 5。", "不是有效的 http(s) URL。"},
    };
    for (size_t l = 0; l < 2; l++) {
        json_t *obj = NULL, *details = NULL;
        assert_int_equal(run(body, langs[l].lang, &obj, &details), VALIDATE_FIELDS);
        assert_null(obj);
        assert_int_equal(json_object_size(details), 4);
        const char *msgs[4];
        assert_int_equal(field_msgs(details, "email", msgs, 4), 1);
        assert_string_equal(msgs[0], langs[l].required);
        assert_int_equal(field_msgs(details, "password", msgs, 4), 1);
        assert_string_equal(msgs[0], langs[l].too_short);
        assert_int_equal(field_msgs(details, "username", msgs, 4), 1);
        assert_string_equal(msgs[0], langs[l].too_long);
        assert_int_equal(field_msgs(details, "website", msgs, 4), 1);
        assert_string_equal(msgs[0], langs[l].url);
        json_decref(details);
    }
}

static void test_several_messages_for_one_field(void **state)
{
    (void)state;
    static const validate_field f[] = {{"email", true, false, 10, 0, VFMT_EMAIL}};
    json_t *obj = NULL, *details = NULL;
    const char *body = "{\"email\":\"bad\"}";
    assert_int_equal(validate_json_body(body, strlen(body), f, 1, LANG_EN, &obj, &details),
                     VALIDATE_FIELDS);
    const char *msgs[4];
    assert_int_equal(field_msgs(details, "email", msgs, 4), 2);
    assert_string_equal(msgs[0], "Not a valid email address.");
    assert_string_equal(msgs[1], "Shorter than minimum length 10.");
    json_decref(details);
}

static void test_required_nullable_types(void **state)
{
    (void)state;
    const char *ok = "\"email\":\"a@b.co\",\"password\":\"12345678\"";
    char body[256];
    /* a required field sent as null is an error on that field */
    json_t *obj = NULL, *details = NULL;
    assert_int_equal(run("{\"email\":null,\"password\":\"12345678\"}", LANG_EN, &obj, &details),
                     VALIDATE_FIELDS);
    const char *msgs[4];
    assert_int_equal(field_msgs(details, "email", msgs, 4), 1);
    assert_int_equal(json_object_size(details), 1);
    json_decref(details);
    /* an optional, non-nullable field may be absent but not null */
    snprintf(body, sizeof body, "{%s,\"website\":null}", ok);
    expect_one_error(body, LANG_EN, "website", "Field may not be null.");
    expect_one_error(body, LANG_ZH, "website", "字段不能为 null。");
    snprintf(body, sizeof body, "{%s,\"username\":null,\"website\":\"\"}", ok);
    assert_int_equal(run(body, LANG_EN, &obj, &details), VALIDATE_OK);
    json_decref(obj);
    /* anything but a string is "not a valid string", and no length check follows */
    static const char *const nonstr[] = {"1", "1.5", "true", "false", "[]", "{}", "[\"12345678\"]"};
    for (size_t i = 0; i < sizeof nonstr / sizeof nonstr[0]; i++) {
        snprintf(body, sizeof body, "{\"email\":\"a@b.co\",\"password\":%s}", nonstr[i]);
        expect_one_error(body, LANG_EN, "password", "Not a valid string.");
    }
    snprintf(body, sizeof body, "{\"email\":\"a@b.co\",\"password\":7}");
    expect_one_error(body, LANG_ZH, "password", "不是有效的字符串。");
}

static void test_lengths_in_code_points(void **state)
{
    (void)state;
    char body[512];
    /* 8 Chinese characters are 24 bytes but 8 code points: long enough, not too long */
    snprintf(body, sizeof body, "{\"email\":\"a@b.co\",\"password\":\"%s\"}", "面试精灵模拟面试");
    json_t *obj = NULL, *details = NULL;
    assert_int_equal(run(body, LANG_ZH, &obj, &details), VALIDATE_OK);
    json_decref(obj);
    /* 7 of them are too short, 17 too long, 16 just fit */
    snprintf(body, sizeof body, "{\"email\":\"a@b.co\",\"password\":\"%s\"}", "面试精灵模拟面");
    expect_one_error(body, LANG_ZH, "password", "长度不能少于 8。");
    snprintf(body, sizeof body, "{\"email\":\"a@b.co\",\"password\":\"%s\"}",
             "面试精灵模拟面试面试精灵模拟面试面");
    expect_one_error(body, LANG_EN, "password", "Longer than maximum length 16.");
    snprintf(body, sizeof body, "{\"email\":\"a@b.co\",\"password\":\"%s\"}",
             "面试精灵模拟面试面试精灵模拟面试");
    assert_int_equal(run(body, LANG_ZH, &obj, &details), VALIDATE_OK);
    json_decref(obj);
    /* escapes count as the characters they stand for; astral ones as one code point */
    snprintf(body, sizeof body, "{\"email\":\"a@b.co\",\"password\":\"%s\"}",
             "\\u9762\\u8bd5\\ud83d\\ude00\\n\\t\\\"\\\\x");
    assert_int_equal(run(body, LANG_ZH, &obj, &details), VALIDATE_OK);
    json_decref(obj);
    snprintf(body, sizeof body, "{\"email\":\"a@b.co\",\"password\":\"%s\",\"username\":\"%s\"}",
             "12345678", "😀😀😀😀😀");
    assert_int_equal(run(body, LANG_ZH, &obj, &details), VALIDATE_OK);
    json_decref(obj);
    snprintf(body, sizeof body, "{\"email\":\"a@b.co\",\"password\":\"%s\",\"username\":\"%s\"}",
             "12345678", "😀");
    expect_one_error(body, LANG_EN, "username", "Shorter than minimum length 2.");
}

static void test_email_format(void **state)
{
    (void)state;
    static const char *const good[] = {"a@b.co", "First.Last+tag@example.com", " x@y.org ",
                                       "u_1@sub.domain.io"};
    static const char *const bad[] = {"", "plain", "@b.co", "a@", "a@b", "a@@b.co", "a@b..co",
                                      "a@.b.co", "a@b.co.", "a b@c.co", "a@b.co>", "a\\u0001@b.co",
                                      "用户@例子.中国", "a@b,co"};
    char body[512];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"12345678\"}", good[i]);
        json_t *obj = NULL, *details = NULL;
        if (run(body, LANG_EN, &obj, &details) != VALIDATE_OK)
            fail_msg("'%s' rejected", good[i]);
        json_decref(obj);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"12345678\"}", bad[i]);
        expect_one_error(body, LANG_EN, "email", "Not a valid email address.");
    }
    /* longer than an address can be */
    char longmail[400];
    memset(longmail, 'a', 300);
    snprintf(longmail + 300, sizeof longmail - 300, "@b.co");
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"12345678\"}", longmail);
    expect_one_error(body, LANG_ZH, "email", "不是有效的邮箱地址。");
}

static void test_url_format(void **state)
{
    (void)state;
    static const char *const good[] = {"http://a", "https://example.com/path?q=1#f",
                                       "http://127.0.0.1:8080/", "https://例子.中国/路径"};
    static const char *const bad[] = {"ftp://a", "http://", "https://", "http:///x", "https://?q",
                                      "http://a b", "http://a\\\"b", "http://a<b>", "javascript:alert(1)",
                                      "//a.com", "http://a\\\\b", "http://a\\tb"};
    char body[512];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(body, sizeof body, "{\"email\":\"a@b.co\",\"password\":\"12345678\",\"website\":\"%s\"}",
                 good[i]);
        json_t *obj = NULL, *details = NULL;
        if (run(body, LANG_EN, &obj, &details) != VALIDATE_OK)
            fail_msg("'%s' rejected", good[i]);
        json_decref(obj);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(body, sizeof body, "{\"email\":\"a@b.co\",\"password\":\"12345678\",\"website\":\"%s\"}",
                 bad[i]);
        expect_one_error(body, LANG_EN, "website", "Not a valid URL.");
    }
}

static void test_nul_utf8_duplicates(void **state)
{
    (void)state;
    json_t *obj = NULL, *details = NULL;
    /* an escaped NUL inside a string: refused, never truncated into something valid */
    assert_int_equal(run("{\"email\":\"a@b.co\\u0000evil\",\"password\":\"12345678\"}", LANG_EN, &obj,
                         &details),
                     VALIDATE_MALFORMED);
    /* a raw NUL byte in the body, with an explicit length past it */
    static const char raw[] = "{\"email\":\"a@b.co\",\"password\":\"1234\0" "5678\"}";
    assert_int_equal(validate_json_body(raw, sizeof raw - 1, FIELDS, NFIELDS, LANG_EN, &obj, &details),
                     VALIDATE_MALFORMED);
    /* the length is honoured: bytes past it are not read */
    static const char cut[] = "{\"email\":\"a@b.co\",\"password\":\"12345678\"}GARBAGE";
    assert_int_equal(validate_json_body(cut, sizeof cut - 1 - 7, FIELDS, NFIELDS, LANG_EN, &obj, &details),
                     VALIDATE_OK);
    json_decref(obj);
    /* invalid UTF-8: an overlong slash, a lone continuation byte, a truncated sequence, a surrogate */
    static const char *const bad_utf8[] = {
        "{\"email\":\"a@b.co\",\"password\":\"\xC0\xAF" "2345678\"}",
        "{\"email\":\"a@b.co\",\"password\":\"\x80\x32\x33\x34\x35\x36\x37\x38\"}",
        "{\"email\":\"a@b.co\",\"password\":\"12345678\xE4\xB8\"}",
        "{\"email\":\"a@b.co\",\"password\":\"\xED\xA0\x80" "2345678\"}",
        "{\"email\":\"a@b.co\",\"password\":\"\\ud800x2345678\"}",
    };
    for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++)
        if (run(bad_utf8[i], LANG_EN, &obj, &details) != VALIDATE_MALFORMED)
            fail_msg("bad UTF-8 case %zu accepted", i);
    /* duplicate keys could smuggle a second value past a proxy that reads the first */
    assert_int_equal(run("{\"email\":\"a@b.co\",\"password\":\"12345678\",\"email\":\"c@d.co\"}", LANG_EN,
                         &obj, &details),
                     VALIDATE_MALFORMED);
    assert_null(obj);
    assert_null(details);
}

static void test_hostile_sizes(void **state)
{
    (void)state;
    json_t *obj = NULL, *details = NULL;
    /* deep nesting: refused, not a stack overflow */
    size_t depth = 200000;
    char *deep = malloc(depth * 2 + 64);
    assert_non_null(deep);
    size_t n = (size_t)sprintf(deep, "{\"email\":");
    memset(deep + n, '[', depth);
    n += depth;
    memset(deep + n, ']', depth);
    n += depth;
    deep[n++] = '}';
    assert_int_equal(validate_json_body(deep, n, FIELDS, NFIELDS, LANG_EN, &obj, &details), VALIDATE_MALFORMED);
    /* moderately nested unknown fields are ignored */
    n = (size_t)sprintf(deep, "{\"email\":\"a@b.co\",\"password\":\"12345678\",\"x\":");
    memset(deep + n, '[', 100);
    memset(deep + n + 100, ']', 100);
    n += 200;
    deep[n++] = '}';
    assert_int_equal(validate_json_body(deep, n, FIELDS, NFIELDS, LANG_EN, &obj, &details), VALIDATE_OK);
    json_decref(obj);
    free(deep);

    /* a 4 MiB string: counted, reported too long, nothing echoed back */
    size_t big = 4u << 20;
    char *huge = malloc(big + 64);
    assert_non_null(huge);
    n = (size_t)sprintf(huge, "{\"email\":\"a@b.co\",\"password\":\"");
    memset(huge + n, 'p', big);
    n += big;
    n += (size_t)sprintf(huge + n, "\"}");
    assert_int_equal(validate_json_body(huge, n, FIELDS, NFIELDS, LANG_EN, &obj, &details), VALIDATE_FIELDS);
    const char *msgs[4];
    assert_int_equal(field_msgs(details, "password", msgs, 4), 1);
    assert_string_equal(msgs[0], "Longer than maximum length 16.");
    json_decref(details);
    free(huge);

    /* many keys */
    size_t keys = 50000;
    char *wide = malloc(keys * 16 + 64);
    assert_non_null(wide);
    n = (size_t)sprintf(wide, "{\"password\":\"12345678\"");
    for (size_t i = 0; i < keys; i++)
        n += (size_t)sprintf(wide + n, ",\"k%zu\":%zu", i, i);
    wide[n++] = '}';
    assert_int_equal(validate_json_body(wide, n, FIELDS, NFIELDS, LANG_EN, &obj, &details), VALIDATE_FIELDS);
    assert_int_equal(json_object_size(details), 1);
    assert_int_equal(field_msgs(details, "email", msgs, 4), 1);
    json_decref(details);
    free(wide);
}

static void test_no_fields_schema(void **state)
{
    (void)state;
    json_t *obj = NULL, *details = NULL;
    assert_int_equal(validate_json_body("{\"a\":1}", 7, NULL, 0, LANG_EN, &obj, &details), VALIDATE_OK);
    assert_true(json_is_object(obj));
    json_decref(obj);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_and_unknown_fields_ignored),
        cmocka_unit_test(test_results),
        cmocka_unit_test(test_details_shape_both_languages),
        cmocka_unit_test(test_several_messages_for_one_field),
        cmocka_unit_test(test_required_nullable_types),
        cmocka_unit_test(test_lengths_in_code_points),
        cmocka_unit_test(test_email_format),
        cmocka_unit_test(test_url_format),
        cmocka_unit_test(test_nul_utf8_duplicates),
        cmocka_unit_test(test_hostile_sizes),
        cmocka_unit_test(test_no_fields_schema),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

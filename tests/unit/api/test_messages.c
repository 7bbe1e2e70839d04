/* Tests for api/messages: Accept-Language picks English only when its first range is English, and
 * every message exists in both languages, as valid UTF-8, with format directives only where the
 * validator passes a number (the texts are used as printf formats). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "api/messages.h"

static void test_lang(void **state)
{
    (void)state;
    static const char *const en[] = {"en", "EN", "en-US", "en_GB", "en-US,en;q=0.9",
                                     "en;q=0.8", "  en  ", "\ten-gb", "En-au, zh;q=0.5", "en,zh"};
    static const char *const zh[] = {"", "   ", "zh", "zh-CN", "zh-CN,zh;q=0.9,en;q=0.8", "english",
                                     "eng", "e", "n", "fr, en", "*", "de-DE", "enx", "ja;q=1, en"};
    for (size_t i = 0; i < sizeof en / sizeof en[0]; i++)
        if (msg_lang(str_cstr(en[i])) != LANG_EN)
            fail_msg("'%s' is not English", en[i]);
    for (size_t i = 0; i < sizeof zh / sizeof zh[0]; i++)
        if (msg_lang(str_cstr(zh[i])) != LANG_ZH)
            fail_msg("'%s' is English", zh[i]);
    /* no header at all */
    assert_int_equal(msg_lang(STR_NULL), LANG_ZH);
    /* explicit length: "en" followed by bytes that are not part of the header */
    assert_int_equal(msg_lang(str_make("enormous", 2)), LANG_EN);
    assert_int_equal(msg_lang(str_make("zh-en", 3)), LANG_ZH);
    assert_int_equal(msg_lang(str_make("e", 1)), LANG_ZH);
}

/* Whether s is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
static bool utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        size_t n;
        unsigned cp;
        if (c < 0x80) {
            p++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        static const unsigned min[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += n + 1;
    }
    return true;
}

/* The number of conversion directives in s; -1 when one is anything but a plain %d. */
static int directives(const char *s)
{
    int n = 0;
    for (const char *p = strchr(s, '%'); p; p = strchr(p + 2, '%')) {
        if (p[1] != 'd')
            return -1;
        n++;
    }
    return n;
}

static void test_every_message_in_both_languages(void **state)
{
    (void)state;
    for (int id = MSG_NONE + 1; id < MSG_COUNT; id++) {
        const char *z = msg_get((msg_id)id, LANG_ZH);
        const char *e = msg_get((msg_id)id, LANG_EN);
        assert_non_null(z);
        assert_non_null(e);
        if (z[0] == '\0' || e[0] == '\0')
            fail_msg("message %d is missing a language", id);
        if (strcmp(z, e) == 0)
            fail_msg("message %d is not translated: %s", id, e);
        if (!utf8_ok(z) || !utf8_ok(e))
            fail_msg("message %d is not UTF-8", id);
        for (const char *p = e; *p; p++)
            if ((unsigned char)*p >= 0x80)
                fail_msg("English message %d has non-ASCII text: %s", id, e);
        /* the Chinese text really is Chinese: it has a multi-byte character */
        bool wide = false;
        for (const char *p = z; *p; p++)
            wide |= (unsigned char)*p >= 0x80;
        if (!wide)
            fail_msg("Chinese message %d has no Chinese: %s", id, z);
        int want = id == MSG_FIELD_TOO_SHORT || id == MSG_FIELD_TOO_LONG ? 1 : 0;
        if (directives(z) != want || directives(e) != want)
            fail_msg("message %d: wrong format directives (%s / %s)", id, z, e);
    }
}

static void test_known_texts(void **state)
{
    (void)state;
    assert_string_equal(msg_get(MSG_EMAIL_TAKEN, LANG_ZH), "邮箱已被注册");
    assert_string_equal(msg_get(MSG_EMAIL_TAKEN, LANG_EN), "Email already registered");
    assert_string_equal(msg_get(MSG_FIELD_REQUIRED, LANG_EN), "Missing data for required field.");
    assert_string_equal(msg_get(MSG_FIELD_EMAIL, LANG_EN), "Not a valid email address.");
    assert_string_equal(msg_get(MSG_FIELD_TOO_SHORT, LANG_EN), "Shorter than minimum length %d.");
    assert_string_equal(msg_get(MSG_VALIDATION, LANG_ZH), "数据验证失败");
}

static void test_out_of_range(void **state)
{
    (void)state;
    assert_string_equal(msg_get(MSG_NONE, LANG_EN), "");
    assert_string_equal(msg_get(MSG_COUNT, LANG_EN), "");
    assert_string_equal(msg_get(MSG_COUNT, LANG_ZH), "");
    assert_string_equal(msg_get((msg_id)(MSG_COUNT + 1000), LANG_ZH), "");
    /* an unknown language falls back to Chinese, the default */
    assert_string_equal(msg_get(MSG_NOT_FOUND, (api_lang)7), msg_get(MSG_NOT_FOUND, LANG_ZH));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lang),
        cmocka_unit_test(test_every_message_in_both_languages),
        cmocka_unit_test(test_known_texts),
        cmocka_unit_test(test_out_of_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

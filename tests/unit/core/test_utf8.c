/* Strict UTF-8 decoding, counting and lossy JSON strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/utf8.h"

static size_t dec(const char *s, size_t n, uint32_t *cp)
{
    return utf8_decode((const unsigned char *)s, n, cp);
}

static void test_decode_valid(void **state)
{
    (void)state;
    uint32_t cp;
    assert_int_equal(dec("A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(dec("\xC3\xA9", 2, &cp), 2);
    assert_int_equal(cp, 0xE9);
    assert_int_equal(dec("\xE4\xB8\xAD", 3, &cp), 3); /* 中 */
    assert_int_equal(cp, 0x4E2D);
    assert_int_equal(dec("\xF0\x9F\x98\x80", 4, &cp), 4); /* U+1F600 */
    assert_int_equal(cp, 0x1F600);
    assert_int_equal(dec("\xF4\x8F\xBF\xBF", 4, &cp), 4); /* U+10FFFF */
}

static void test_decode_malformed(void **state)
{
    (void)state;
    assert_int_equal(dec("\xC0\xAF", 2, NULL), 0);         /* overlong '/' */
    assert_int_equal(dec("\xE0\x80\xAF", 3, NULL), 0);     /* overlong */
    assert_int_equal(dec("\xED\xA0\x80", 3, NULL), 0);     /* surrogate D800 */
    assert_int_equal(dec("\xF4\x90\x80\x80", 4, NULL), 0); /* past U+10FFFF */
    assert_int_equal(dec("\xE4\xB8", 2, NULL), 0);         /* truncated */
    assert_int_equal(dec("\xE4\x41\xAD", 3, NULL), 0);     /* bad continuation */
    assert_int_equal(dec("\x80", 1, NULL), 0);             /* lone continuation */
    assert_int_equal(dec("\xFF", 1, NULL), 0);
}

static void test_count(void **state)
{
    (void)state;
    assert_int_equal(utf8_count("", 0), 0);
    assert_int_equal(utf8_count("abc", 3), 3);
    assert_int_equal(utf8_count("名字ab", strlen("名字ab")), 4);
}

static void test_json_lossy(void **state)
{
    (void)state;
    json_t *ok = utf8_json_lossy("张伟", strlen("张伟"));
    assert_string_equal(json_string_value(ok), "张伟");
    json_decref(ok);
    json_t *bad = utf8_json_lossy("a\xFF" "b\xE4\xB8", 5);
    assert_non_null(bad);
    assert_string_equal(json_string_value(bad), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD");
    json_decref(bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_valid),
        cmocka_unit_test(test_decode_malformed),
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_json_lossy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

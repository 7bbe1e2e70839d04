/* Tests for core/str: equality with explicit lengths, ASCII case folding, trimming, strict decimal
 * parsing with overflow detection, and comma-separated token lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <string.h>

#include "core/str.h"

static void test_make_and_eq(void **state)
{
    (void)state;
    ig_str s = STR_LIT("abc");
    assert_int_equal(s.n, 3);
    assert_int_equal(str_cstr(NULL).n, 0);
    assert_null(str_cstr(NULL).p);
    assert_int_equal(str_cstr("hello").n, 5);
    assert_true(str_eq(s, str_cstr("abc")));
    assert_false(str_eq(s, STR_LIT("abd")));
    assert_false(str_eq(s, STR_LIT("ab")));
    assert_false(str_eq(s, STR_LIT("abcd")));
    /* empty strings are equal however they are spelled, NULL pointer included */
    assert_true(str_eq(STR_NULL, STR_LIT("")));
    assert_true(str_eq(str_make("xyz", 0), STR_NULL));
    /* lengths, not terminators, decide */
    assert_true(str_eq(str_make("abcdef", 3), STR_LIT("abc")));
    assert_true(str_eq(STR_LIT("a\0b"), str_make("a\0b", 3)));
    assert_false(str_eq(STR_LIT("a\0b"), STR_LIT("a\0c")));
}

static void test_caseeq(void **state)
{
    (void)state;
    assert_true(str_caseeq(STR_LIT("Content-Length"), STR_LIT("content-length")));
    assert_true(str_caseeq(STR_LIT("X-REQUEST-ID"), STR_LIT("x-request-id")));
    assert_false(str_caseeq(STR_LIT("Content-Length"), STR_LIT("Content-Lengt")));
    assert_false(str_caseeq(STR_LIT("Host"), STR_LIT("Hosts")));
    assert_false(str_caseeq(STR_LIT("a-b"), STR_LIT("a_b")));
    assert_true(str_caseeq(STR_NULL, STR_LIT("")));
    assert_false(str_caseeq(STR_NULL, STR_LIT("x")));
    /* the length decides, not a terminator in the buffer */
    assert_true(str_caseeq(str_make("EXPECTED-garbage", 8), STR_LIT("expected")));
    /* folding is ASCII only: bytes above 0x7F compare as they are */
    assert_false(str_caseeq(STR_LIT("\xC3\xA9"), STR_LIT("\xC3\x89")));
    assert_true(str_caseeq(STR_LIT("\xC3\xA9"), STR_LIT("\xC3\xA9")));
}

static void test_trim(void **state)
{
    (void)state;
    ig_str t = str_trim(STR_LIT(" \t value with  spaces \t "));
    assert_true(str_eq(t, STR_LIT("value with  spaces")));
    assert_int_equal(str_trim(STR_LIT("   ")).n, 0);
    assert_int_equal(str_trim(STR_LIT("")).n, 0);
    assert_int_equal(str_trim(STR_NULL).n, 0);
    /* only spaces and tabs: CR, LF and others stay */
    assert_true(str_eq(str_trim(STR_LIT("\r\nx\n")), STR_LIT("\r\nx\n")));
    /* the length bounds the scan: the spaces after it are not looked at */
    const char buf[] = "ab    ";
    t = str_trim(str_make(buf, 2));
    assert_ptr_equal(t.p, buf);
    assert_int_equal(t.n, 2);
    t = str_trim(str_make(buf + 2, 0));
    assert_int_equal(t.n, 0);
}

static void test_to_u64(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        unsigned long long v;
    } good[] = {
        {"0", 0},
        {"7", 7},
        {"00042", 42},
        {"1024", 1024},
        {"4294967296", 4294967296ULL},
        {"18446744073709551615", ULLONG_MAX},
        {"18446744073709551610", ULLONG_MAX - 5},
        {"09999999999999999999", 9999999999999999999ULL},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        unsigned long long v = 1;
        if (!str_to_u64(str_cstr(good[i].s), &v))
            fail_msg("'%s' refused", good[i].s);
        assert_true(v == good[i].v);
    }
    static const char *const bad[] = {
        "",
        "18446744073709551616",  /* ULLONG_MAX + 1 */
        "18446744073709551620",
        "99999999999999999999",
        "100000000000000000000", /* 21 digits */
        "-1", "+1", " 1", "1 ", "1a", "0x10", "1.0", "1e3", "١", "\xef\xbc\x91",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned long long v = 12345;
        if (str_to_u64(str_cstr(bad[i]), &v))
            fail_msg("'%s' accepted as %llu", bad[i], v);
        assert_true(v == 12345); /* untouched on failure */
    }
    /* explicit length: digits after it are not part of the number */
    unsigned long long v = 0;
    assert_true(str_to_u64(str_make("12345", 2), &v));
    assert_true(v == 12);
    assert_false(str_to_u64(str_make("12", 0), &v));
    assert_true(str_to_u64(str_make("7\0" "8", 1), &v));
    assert_true(v == 7);
    assert_false(str_to_u64(STR_LIT("7\0" "8"), &v));
}

static void test_hexval(void **state)
{
    (void)state;
    assert_int_equal(str_hexval('0'), 0);
    assert_int_equal(str_hexval('9'), 9);
    assert_int_equal(str_hexval('a'), 10);
    assert_int_equal(str_hexval('F'), 15);
    assert_int_equal(str_hexval('f'), 15);
    assert_int_equal(str_hexval('g'), -1);
    assert_int_equal(str_hexval('G'), -1);
    assert_int_equal(str_hexval('%'), -1);
    assert_int_equal(str_hexval('\0'), -1);
    assert_int_equal(str_hexval((char)0xe4), -1); /* the first byte of UTF-8 "中" */
}

static void test_list_has(void **state)
{
    (void)state;
    assert_true(str_list_has(STR_LIT("gzip, deflate, br"), STR_LIT("deflate")));
    assert_true(str_list_has(STR_LIT("gzip, deflate, br"), STR_LIT("gzip")));
    assert_true(str_list_has(STR_LIT("gzip, deflate, br"), STR_LIT("br")));
    assert_true(str_list_has(STR_LIT("keep-alive, Upgrade"), STR_LIT("upgrade")));
    assert_true(str_list_has(STR_LIT("  CLOSE  "), STR_LIT("close")));
    assert_true(str_list_has(STR_LIT("a,\tchunked\t,b"), STR_LIT("chunked")));
    assert_false(str_list_has(STR_LIT("chunkedx, gzip"), STR_LIT("chunked")));
    assert_false(str_list_has(STR_LIT("xchunked"), STR_LIT("chunked")));
    assert_false(str_list_has(STR_LIT("chun, ked"), STR_LIT("chunked")));
    assert_false(str_list_has(STR_LIT("gzip;q=1"), STR_LIT("gzip")));
    assert_false(str_list_has(STR_NULL, STR_LIT("close")));
    assert_false(str_list_has(STR_LIT(""), STR_LIT("close")));
    /* the list's length bounds it */
    assert_false(str_list_has(str_make("gzip, close", 5), STR_LIT("close")));
    assert_true(str_list_has(str_make("gzip, close", 11), STR_LIT("close")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_make_and_eq),
        cmocka_unit_test(test_caseeq),
        cmocka_unit_test(test_trim),
        cmocka_unit_test(test_to_u64),
        cmocka_unit_test(test_hexval),
        cmocka_unit_test(test_list_has),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests for parse/textnorm: each quirk of real resumes (soft hyphens, icon glyphs, small caps,
 * split CJK, tab/CR/NBSP between words, blank lines) and the UTF-8 guarantee. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "parse/textnorm.h"

/* Normalises in with flags and compares with want. */
static void check(const char *in, unsigned flags, const char *want)
{
    char *out = NULL;
    size_t n = 0;
    assert_int_equal(parse_textnorm(in, strlen(in), flags, &out, &n), IG_OK);
    assert_non_null(out);
    assert_int_equal(strlen(out), n);
    if (strcmp(out, want) != 0)
        fail_msg("normalised %s\n     to   [%s]\n     want [%s]", in, out, want);
    free(out);
}

static void test_blanks(void **state)
{
    (void)state;
    /* the La Verne file: tab, CR, space, NBSP between every word */
    check("Leo\t\r \xC2\xA0Leopard\t\r \xC2\xA0\n555\t\r \xC2\xA0La", 0, "Leo Leopard\n555 La");
    check("  lead and trail  \n\n", 0, "lead and trail");
    check("a\r\nb\rc", 0, "a\nb c");
    check("a\xE2\x80\x83" "b\xE3\x80\x80" "c\xE2\x80\xAF" "d", 0, "a b c d"); /* em space, U+3000, U+202F */
    check("x\fy\vz\xE2\x80\xA8w", 0, "x\ny\nz\nw");
    check("", 0, "");
    check(" \t\r\n \n", 0, "");
}

static void test_tabs_kept_for_tables(void **state)
{
    (void)state;
    check("Name\tRole\t\tYear\t\nAda\t \tEngineer", PARSE_TEXTNORM_KEEP_TABS, "Name\tRole\tYear\nAda\tEngineer");
    check("Name\tRole", 0, "Name Role");
}

static void test_blank_lines(void **state)
{
    (void)state;
    check("\n\n\nA\n\n\n\n\nB\n \n\t\nC\nD\n\n\n", 0, "A\n\nB\n\nC\nD");
}

static void test_soft_hyphen(void **state)
{
    (void)state;
    /* awesomecv draws U+00AD as the dash of date ranges and compounds */
    check("Sep. 2023 \xC2\xAD Mar. 2024, high\xC2\xADimpact", PARSE_TEXTNORM_SHY_VISIBLE,
          "Sep. 2023 - Mar. 2024, high-impact");
    /* in DOCX/HTML it is an invisible hyphenation hint */
    check("co\xC2\xADoperate", 0, "cooperate");
    /* "-" + U+00AD + U+2010 draws one hyphen */
    check("(909) 555-\xC2\xAD\xE2\x80\x90" "5555 on-\xC2\xAD\xE2\x80\x90" "campus", PARSE_TEXTNORM_SHY_VISIBLE,
          "(909) 555-5555 on-campus");
    check("FULL\xE2\x80\x91STACK", 0, "FULL-STACK");
    /* plain ASCII runs of hyphens are the author's: kept */
    check("2013 -- 2014", 0, "2013 -- 2014");
}

static void test_private_use_and_controls(void **state)
{
    (void)state;
    /* Font Awesome icons (U+F095 phone, U+F0E0 envelope), plane-15 PUA, controls, ZWSP, BOM */
    check("\xEF\x82\x95 (123) 456 \xEF\x83\xA0 a@b.c \xF3\xB0\x80\x81!", 0, "(123) 456 a@b.c !");
    check("a\x01\x02\x7F" "b\xC2\x85" "c\xE2\x80\x8B" "d\xEF\xBB\xBF" "e", 0, "ab\ncde");
}

static void test_small_caps(void **state)
{
    (void)state;
    check("SOFTWARE ENGiNEER, EXPERiENCE", 0, "SOFTWARE ENGINEER, EXPERIENCE");
    /* real words that merely look like it stay: too short, or other lower case, or i first */
    check("TiDB TiKV WiFi iPhone iOS LiDAR MiniIO", 0, "TiDB TiKV WiFi iPhone iOS LIDAR MiniIO");
    check("Engineering", 0, "Engineering");
}

static void test_ligatures(void **state)
{
    (void)state;
    check("\xEF\xAC\x81xed classi\xEF\xAC\x81" "cation e\xEF\xAC\x83" "cient \xEF\xAC\x82ow", 0,
          "fixed classification efficient flow");
}

static void test_cjk(void **state)
{
    (void)state;
    /* dates with units */
    check("2015 年 3 月 – 2015 年 5 月", 0, "2015年3月 – 2015年5月");
    check("预计 2016 年 3 月毕业", 0, "预计2016年3月毕业");
    /* a line split everywhere is joined */
    check("张 三 是 一 名 工 程 师", 0, "张三是一名工程师");
    /* field separators between words stay */
    check("姓名 张三 性别 男", 0, "姓名 张三 性别 男");
    /* spaces around full-width punctuation go; ASCII words keep theirs */
    check("个人项目 ， 和 Chord 哈希", 0, "个人项目，和 Chord 哈希");
    /* phone numbers are not units */
    check("电话 138 0000 0000", 0, "电话 138 0000 0000");
    /* full-width punctuation itself is kept */
    check("技能：C＋＋、Python（熟练）", 0, "技能：C＋＋、Python（熟练）");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    /* stray continuation, overlong, surrogate, truncated sequence, NUL */
    const char in[] = "a\x80" "b\xC0\xAF" "c\xED\xA0\x80" "d\xE6\x97" "e\0f";
    char *out = NULL;
    size_t n = 0;
    assert_int_equal(parse_textnorm(in, sizeof in - 1, 0, &out, &n), IG_OK);
    /* one U+FFFD per bad lead byte or stray continuation; a whole surrogate sequence is one */
    assert_string_equal(out, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD" "c\xEF\xBF\xBD"
                             "d\xEF\xBF\xBD" "ef");
    free(out);
}

static void test_idempotent(void **state)
{
    (void)state;
    const char *in = "  SOFTWARE ENGiNEER\t\r\xC2\xA0" "at  X\n\n\n\n2015 年 3 月\xC2\xAD" "2016 年\n";
    char *a = NULL, *b = NULL;
    size_t an, bn;
    assert_int_equal(parse_textnorm(in, strlen(in), PARSE_TEXTNORM_SHY_VISIBLE, &a, &an), IG_OK);
    assert_int_equal(parse_textnorm(a, an, PARSE_TEXTNORM_SHY_VISIBLE, &b, &bn), IG_OK);
    assert_string_equal(a, b);
    assert_string_equal(a, "SOFTWARE ENGINEER at X\n\n2015年3月-2016年");
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blanks),
        cmocka_unit_test(test_tabs_kept_for_tables),
        cmocka_unit_test(test_blank_lines),
        cmocka_unit_test(test_soft_hyphen),
        cmocka_unit_test(test_private_use_and_controls),
        cmocka_unit_test(test_small_caps),
        cmocka_unit_test(test_ligatures),
        cmocka_unit_test(test_cjk),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_idempotent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

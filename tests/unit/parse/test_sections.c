/* Tests for parse/sections: the bilingual heading lexicon, decorated headings (icons, bullets,
 * numbering, colons), headings set in capitals that the lexicon only partly names, inline
 * "Awards: ..." headings, and what must not be taken for a heading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "parse/sections.h"

static int setup(void **state)
{
    sections_lexicon *lx = NULL;
    ig_err err;
    if (sections_lexicon_load(&lx, &err) != IG_OK)
        return -1;
    *state = lx;
    return 0;
}

static int teardown(void **state)
{
    sections_lexicon_free(*state);
    return 0;
}

static int kind_of(const sections_lexicon *lx, const char *line)
{
    return sections_lexicon_match(lx, line, strlen(line), NULL);
}

static void test_lexicon_en_zh(void **state)
{
    const sections_lexicon *lx = *state;
    assert_int_equal(kind_of(lx, "Work Experience"), SECTIONS_EXPERIENCE);
    assert_int_equal(kind_of(lx, "PROFESSIONAL EXPERIENCE"), SECTIONS_EXPERIENCE);
    assert_int_equal(kind_of(lx, "Education:"), SECTIONS_EDUCATION);
    assert_int_equal(kind_of(lx, "Technical  Skills"), SECTIONS_SKILLS);
    assert_int_equal(kind_of(lx, "Honors & Awards"), SECTIONS_AWARDS);
    assert_int_equal(kind_of(lx, "工作经历"), SECTIONS_EXPERIENCE);
    assert_int_equal(kind_of(lx, "教育背景："), SECTIONS_EDUCATION);
    assert_int_equal(kind_of(lx, "IT 技能"), SECTIONS_SKILLS);
    assert_int_equal(kind_of(lx, "项目经历"), SECTIONS_PROJECTS);
    assert_int_equal(kind_of(lx, "专业技能"), SECTIONS_SKILLS);
    assert_int_equal(kind_of(lx, "获奖情况"), SECTIONS_AWARDS);
    bool mixed = false;
    assert_int_equal(sections_lexicon_match(lx, "实习/项目经历", strlen("实习/项目经历"), &mixed), SECTIONS_EXPERIENCE);
    assert_true(mixed);
}

static void test_decorations(void **state)
{
    const sections_lexicon *lx = *state;
    /* icon fonts print as stray letters; OCR reads icons as punctuation */
    assert_int_equal(kind_of(lx, "\xC5\xB8 工作经历"), SECTIONS_EXPERIENCE); /* "Ÿ 工作经历" */
    assert_int_equal(kind_of(lx, "i 专业简介"), SECTIONS_SUMMARY);
    assert_int_equal(kind_of(lx, "@ 实习/项目经历"), SECTIONS_EXPERIENCE);
    assert_int_equal(kind_of(lx, "一、教育背景"), SECTIONS_EDUCATION);
    assert_int_equal(kind_of(lx, "2. Projects"), SECTIONS_PROJECTS);
    assert_int_equal(kind_of(lx, "\xE2\x96\xA0 Skills"), SECTIONS_SKILLS);
}

static void test_not_headings(void **state)
{
    const sections_lexicon *lx = *state;
    assert_int_equal(kind_of(lx, "skills."), -1); /* the end of a wrapped sentence */
    assert_int_equal(kind_of(lx, "Experience with Kubernetes and Terraform"), -1);
    assert_int_equal(kind_of(lx, "John Doe"), -1);
    assert_int_equal(kind_of(lx, "负责工作经历的整理"), -1);
    assert_int_equal(kind_of(lx, ""), -1);
}

static void split(const sections_lexicon *lx, const char *text, sections_doc *doc)
{
    ig_err err;
    assert_int_equal(sections_split(lx, text, strlen(text), doc, &err), IG_OK);
}

static void test_split_en(void **state)
{
    const sections_lexicon *lx = *state;
    const char *text = "JANE ROE\njane@example.com\nWORK EXPERIENCE\nAcme Inc.\tJan 2020 - Present\n"
                       "• Built things\nEDUCATION\nMIT\nSKILLS & TOOLS\nC, Go\nPROJECTS\nWidget\n"
                       "VOLUNTEER WORK ABROAD\nRed Cross\n";
    sections_doc d;
    split(lx, text, &d);
    assert_int_equal(d.nsecs, 6);
    assert_int_equal(d.secs[0].kind, SECTIONS_HEADER);
    assert_int_equal(d.secs[0].count, 2); /* the name in capitals stays in the header block */
    assert_int_equal(d.secs[1].kind, SECTIONS_EXPERIENCE);
    assert_int_equal(d.secs[1].count, 2);
    assert_int_equal(d.secs[2].kind, SECTIONS_EDUCATION);
    assert_int_equal(d.secs[3].kind, SECTIONS_SKILLS); /* a lexicon phrase starts the capitals heading */
    assert_true(d.secs[3].score < 1.0);
    assert_int_equal(d.secs[4].kind, SECTIONS_PROJECTS);
    assert_int_equal(d.secs[5].kind, SECTIONS_OTHER); /* capitals heading the lexicon does not know */
    assert_memory_equal(d.lines[d.secs[3].first].p, "C, Go", 5);
    sections_doc_free(&d);
}

static void test_split_zh_inline(void **state)
{
    const sections_lexicon *lx = *state;
    const char *text = "张三\n电话：13812345678\n教育背景\n清华大学\t2015 - 2019\n获奖情况：国家奖学金\n"
                       "本科 计算机科学\n专业技能\n• 编程语言：C, Python\n";
    sections_doc d;
    split(lx, text, &d);
    /* header, education, the one-line awards section, education again, skills */
    assert_int_equal(d.nsecs, 5);
    assert_int_equal(d.secs[1].kind, SECTIONS_EDUCATION);
    assert_int_equal(d.secs[2].kind, SECTIONS_AWARDS);
    assert_int_equal(d.secs[2].count, 1);
    assert_string_equal(d.lines[d.secs[2].first].p, "国家奖学金\n本科 计算机科学\n专业技能\n• 编程语言：C, Python\n");
    assert_int_equal(d.secs[3].kind, SECTIONS_EDUCATION);
    assert_int_equal(d.secs[3].count, 1);
    assert_int_equal(d.secs[4].kind, SECTIONS_SKILLS);
    /* inside a skills list "编程语言：" names a category, not a section */
    assert_int_equal(d.secs[4].count, 1);
    sections_doc_free(&d);
}

static void test_bad_lexicon(void **state)
{
    (void)state;
    sections_lexicon *lx = NULL;
    ig_err err;
    const char *bad = "# c\nskills\tSkills\nnonsense\tFoo\n";
    assert_int_equal(sections_lexicon_parse(bad, strlen(bad), &lx, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "line 3"));
    assert_null(lx);
}

static void test_empty_and_odd_text(void **state)
{
    const sections_lexicon *lx = *state;
    sections_doc d;
    split(lx, "", &d);
    assert_int_equal(d.nsecs, 1);
    assert_int_equal(d.nlines, 0);
    sections_doc_free(&d);
    split(lx, "\n\n\xFF\xFE\n", &d);
    assert_int_equal(d.nlines, 1);
    sections_doc_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lexicon_en_zh),   cmocka_unit_test(test_decorations),
        cmocka_unit_test(test_not_headings),    cmocka_unit_test(test_split_en),
        cmocka_unit_test(test_split_zh_inline), cmocka_unit_test(test_bad_lexicon),
        cmocka_unit_test(test_empty_and_odd_text),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

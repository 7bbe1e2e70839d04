/* Tests for parse/dates: every printed form of a date and a range resumes use (EN and ZH), the
 * numbers that must not be dates (phones, GPAs, versions, amounts), formatting and month counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "parse/dates.h"

/* dates_parse(s) formats as want ("" = must fail). */
static void check_parse(const char *s, const char *want)
{
    dates_point p = {0};
    char buf[8];
    bool ok = dates_parse(s, strlen(s), &p);
    if (*want == '\0') {
        if (ok)
            fail_msg("parsed [%s] as a date", s);
        return;
    }
    if (!ok)
        fail_msg("could not parse [%s]", s);
    dates_format(&p, buf);
    if (strcmp(buf, want) != 0)
        fail_msg("parsed [%s] as %s, want %s", s, buf, want);
}

/* dates_find_range(line) finds the text span, start and end (formatted) and the printed sides. */
static void check_range(const char *line, const char *span, const char *start, const char *end, const char *start_raw,
                        const char *end_raw)
{
    dates_range r;
    char a[8], b[8];
    if (!dates_find_range(line, strlen(line), &r))
        fail_msg("no date in [%s]", line);
    dates_format(&r.start, a);
    dates_format(&r.end, b);
    assert_true(r.off + r.len <= strlen(line));
    if (strlen(span) != r.len || memcmp(line + r.off, span, r.len) != 0 || strcmp(a, start) != 0 ||
        strcmp(b, end) != 0)
        fail_msg("[%s]: got [%.*s] %s..%s, want [%s] %s..%s", line, (int)r.len, line + r.off, a, b, span, start, end);
    if (strlen(start_raw) != r.start_len || memcmp(line + r.start_off, start_raw, r.start_len) != 0)
        fail_msg("[%s]: start printed [%.*s], want [%s]", line, (int)r.start_len, line + r.start_off, start_raw);
    if (strlen(end_raw) != r.end_len || memcmp(line + r.end_off, end_raw, r.end_len) != 0)
        fail_msg("[%s]: end printed [%.*s], want [%s]", line, (int)r.end_len, line + r.end_off, end_raw);
    assert_false(r.open);
}

static void check_none(const char *line)
{
    dates_range r;
    if (dates_find_range(line, strlen(line), &r))
        fail_msg("found a date [%.*s] in [%s]", (int)r.len, line + r.off, line);
}

static void test_parse_english(void **state)
{
    (void)state;
    check_parse("Jul 2019", "2019-07");
    check_parse("July 2019", "2019-07");
    check_parse("July. 2021", "2021-07");
    check_parse("Sept. 2019", "2019-09");
    check_parse("Sept 2019", "2019-09");
    check_parse("September 2019", "2019-09");
    check_parse("May. 2018", "2018-05");
    check_parse("DECEMBER 15, 2023", "2023-12");
    check_parse("February 10, 2026", "2026-02");
    check_parse("10 February 2026", "2026-02");
    check_parse("June, 2016", "2016-06");
    check_parse("Jun2017", "2017-06");
    check_parse("Jul '19", "2019-07");
    check_parse("Summer 2012", "2012");
    check_parse("Fall 2013", "2013");
    check_parse("Expected Graduation: June 2016", "2016-06");
    check_parse("Expected June 2016", "2016-06");
    check_parse("Anticipated May 2025", "2025-05");
    check_parse("  Present ", "present");
    check_parse("Now", "present");
    check_parse("current", "present");
    check_parse("Today", "present");
    check_parse("\xC2\xA0" "2019\t", "2019");
}

static void test_parse_numeric_and_chinese(void **state)
{
    (void)state;
    check_parse("2019.07", "2019-07");
    check_parse("2015.3", "2015-03");
    check_parse("2019/07", "2019-07");
    check_parse("2019-07", "2019-07");
    check_parse("2019-07-15", "2019-07");
    check_parse("07/2019", "2019-07");
    check_parse("7/2019", "2019-07");
    check_parse("07/15/2019", "2019-07");
    check_parse("15/07/2019", "2019-07");
    check_parse("2019", "2019");
    check_parse("2015年3月", "2015-03");
    check_parse("2019年07月", "2019-07");
    check_parse("2019 年 7 月", "2019-07");
    check_parse("2019年7月15日", "2019-07");
    check_parse("2019年", "2019");
    check_parse("2019年夏季", "2019");
    check_parse("预计2016年3月毕业", "2016-03");
    check_parse("至今", "present");
    check_parse("今", "present");
    check_parse("现在", "present");
    check_parse("目前", "present");
    check_parse("进行中", "present");
}

static void test_parse_rejects(void **state)
{
    (void)state;
    check_parse("", "");
    check_parse("   ", "");
    check_parse("Jul", "");
    check_parse("2019 - 2021", ""); /* a range, not a date */
    check_parse("1949", "");
    check_parse("2101", "");
    check_parse("3.8/4.0", "");
    check_parse("3.10", "");
    check_parse("13/2019", "");
    check_parse("2019.13", "");
    check_parse("201", "");
    check_parse("20190", "");
    check_parse("Presentation", "");
    check_parse("Summer", "");
    check_parse("2019年13月", "");
}

static void test_ranges_english(void **state)
{
    (void)state;
    check_range("Software Engineer\tJul 2019 – Present", "Jul 2019 – Present", "2019-07", "present", "Jul 2019",
                "Present");
    check_range("July 2019 to Present", "July 2019 to Present", "2019-07", "present", "July 2019", "Present");
    check_range("Jun 2017 - Dec 2017", "Jun 2017 - Dec 2017", "2017-06", "2017-12", "Jun 2017", "Dec 2017");
    check_range("06/2017 – Present", "06/2017 – Present", "2017-06", "present", "06/2017", "Present");
    check_range("07/2019 - 03/2021", "07/2019 - 03/2021", "2019-07", "2021-03", "07/2019", "03/2021");
    check_range("2019/07 - 2021/03", "2019/07 - 2021/03", "2019-07", "2021-03", "2019/07", "2021/03");
    check_range("2019-07 ~ 2021-03", "2019-07 ~ 2021-03", "2019-07", "2021-03", "2019-07", "2021-03");
    check_range("Data Scientist, Uber 2018 - 2021", "2018 - 2021", "2018", "2021", "2018", "2021");
    check_range("2018-2021", "2018-2021", "2018", "2021", "2018", "2021");
    check_range("2013 -- 2014", "2013 -- 2014", "2013", "2014", "2013", "2014");
    check_range("Sep. 2023 - Mar. 2024", "Sep. 2023 - Mar. 2024", "2023-09", "2024-03", "Sep. 2023", "Mar. 2024");
    check_range("Aug 2008 — July 2012", "Aug 2008 — July 2012", "2008-08", "2012-07", "Aug 2008", "July 2012");
    check_range("Fall 2013 – Spring 2014", "Fall 2013 – Spring 2014", "2013", "2014", "Fall 2013", "Spring 2014");
    check_range("Data Scientist\tSummer 2012 and 2013", "Summer 2012 and 2013", "2012", "2013", "Summer 2012", "2013");
    check_range("YMCA, Pomona, CA\tSummer 2013, 2014", "Summer 2013, 2014", "2013", "2014", "Summer 2013", "2014");
    check_range("2018-19 academic year", "2018-19", "2018", "2019", "2018", "19");
    check_range("Jun - Aug 2019", "Jun - Aug 2019", "2019-06", "2019-08", "Jun", "Aug 2019");
    check_range("Nov - Feb 2020", "Nov - Feb 2020", "2019-11", "2020-02", "Nov", "Feb 2020");
    check_range("Jan 2019 until now", "Jan 2019 until now", "2019-01", "present", "Jan 2019", "now");
    check_range("since 2019 to date", "2019 to date", "2019", "present", "2019", "date");
    /* awesomecv: U+00AD drawn as the dash; U+2010 and U+2212 too */
    check_range("Sep. 2023 \xC2\xAD Mar. 2024", "Sep. 2023 \xC2\xAD Mar. 2024", "2023-09", "2024-03", "Sep. 2023",
                "Mar. 2024");
    check_range("2019\xE2\x80\x90" "2021", "2019\xE2\x80\x90" "2021", "2019", "2021", "2019", "2021");
    check_range("2019 \xE2\x88\x92 2021", "2019 \xE2\x88\x92 2021", "2019", "2021", "2019", "2021");
    check_range("(2022 - 2023)", "2022 - 2023", "2022", "2023", "2022", "2023");
    check_range("2019/2020 school year", "2019/2020", "2019", "2020", "2019", "2020");
    check_range("GPA 3.8 2019 - 2023", "2019 - 2023", "2019", "2023", "2019", "2023");
    /* the first range wins over an earlier lone date */
    check_range("2021 Hackathon, Jan 2019 - Mar 2020", "Jan 2019 - Mar 2020", "2019-01", "2020-03", "Jan 2019",
                "Mar 2020");
}

static void test_ranges_chinese(void **state)
{
    (void)state;
    check_range("华中农业大学\t2019.07 - 至今", "2019.07 - 至今", "2019-07", "present", "2019.07", "至今");
    check_range("2019年7月–2021年3月", "2019年7月–2021年3月", "2019-07", "2021-03", "2019年7月", "2021年3月");
    check_range("2019 年 7 月 - 2021 年 3 月", "2019 年 7 月 - 2021 年 3 月", "2019-07", "2021-03", "2019 年 7 月",
                "2021 年 3 月");
    check_range("上海交通大学, 上海\t2013 – 至今", "2013 – 至今", "2013", "present", "2013", "至今");
    check_range("上海交通大学 2013 -- 至今", "2013 -- 至今", "2013", "present", "2013", "至今");
    check_range("在读本科生\t2019.9 至今", "2019.9 至今", "2019-09", "present", "2019.9", "至今");
    check_range("2019.9至今", "2019.9至今", "2019-09", "present", "2019.9", "至今");
    check_range("农业工业 RIMAC\t2022年1月至2022年4月:\t监管助理", "2022年1月至2022年4月", "2022-01", "2022-04",
                "2022年1月", "2022年4月");
    check_range("ABCD 医疗中心\t2022年4月 - 现在:\t质量工程师", "2022年4月 - 现在", "2022-04", "present",
                "2022年4月", "现在");
    check_range("2015年3月到2015年5月", "2015年3月到2015年5月", "2015-03", "2015-05", "2015年3月", "2015年5月");
    check_range("哥斯达黎加大学 2020.9 - 进行中", "2020.9 - 进行中", "2020-09", "present", "2020.9", "进行中");
    check_range("2018.03～2019.05", "2018.03～2019.05", "2018-03", "2019-05", "2018.03", "2019.05");
    check_range("2016年 - 2018年", "2016年 - 2018年", "2016", "2018", "2016年", "2018年");
    check_range("2019.07 - 今", "2019.07 - 今", "2019-07", "present", "2019.07", "今");
    check_range("2019.07 - 目前", "2019.07 - 目前", "2019-07", "present", "2019.07", "目前");
}

static void test_single_dates(void **state)
{
    (void)state;
    check_range("University of La Verne, La Verne, CA\tExpected Graduation: June 2016", "June 2016", "2016-06", "",
                "June 2016", "");
    check_range("在读硕士研究生 信息与通信工程, 预计2016年3月毕业", "2016年3月", "2016-03", "", "2016年3月", "");
    check_range("Software Engineer Intern\tSummer 2022", "Summer 2022", "2022", "", "Summer 2022", "");
    check_range("Bachelor of Science, Computer Science\t2019", "2019", "2019", "", "2019", "");
    check_range("Summer exchange at CityU (Jul. 2015)", "Jul. 2015", "2015-07", "", "Jul. 2015", "");
    check_range("第一名, xxx 比赛2013年6月", "2013年6月", "2013-06", "", "2013年6月", "");
    check_range("Sept. 2019", "Sept. 2019", "2019-09", "", "Sept. 2019", "");
    check_range("2015.3", "2015.3", "2015-03", "", "2015.3", "");
    /* an end before the start is no range: the start stands alone */
    check_range("2021 - 2019", "2021", "2021", "", "2021", "");
}

static void test_open_range(void **state)
{
    (void)state;
    const char *line = "June 2020 \xE2\x80\x93 MERN Stack Developer, OpenAI";
    dates_range r;
    char a[8], b[8];
    assert_true(dates_find_range(line, strlen(line), &r));
    assert_true(r.open);
    dates_format(&r.start, a);
    dates_format(&r.end, b);
    assert_string_equal(a, "2020-06");
    assert_string_equal(b, "");
    assert_int_equal(r.off, 0);
    assert_int_equal(r.len, strlen("June 2020 \xE2\x80\x93"));
    assert_int_equal(r.start_len, strlen("June 2020"));
    line = "2022 -\tAWS Community Builder";
    assert_true(dates_find_range(line, strlen(line), &r));
    assert_true(r.open);
    assert_int_equal(r.start.year, 2022);
    assert_int_equal(r.len, 6);
    /* "to" is a separator only before a date: no open range */
    line = "In 2019 to improve latency";
    assert_true(dates_find_range(line, strlen(line), &r));
    assert_false(r.open);
    assert_int_equal(r.len, 4);
    /* a later closed range beats an open one */
    check_range("2019 – Personal Project, 2020 - 2021", "2020 - 2021", "2020", "2021", "2020", "2021");
}

static void test_not_dates(void **state)
{
    (void)state;
    check_none("Tel: 138-1234-5678");
    check_none("(415) 555-2019");
    check_none("+1-123-456-2020");
    check_none("138 2019 5678");
    check_none("GPA: 3.8/4.0");
    check_none("Overall GPA: 9.5/10");
    check_none("GPA 3.72/4.0，综合排名 3/58");
    check_none("Python 3.10 and Java SE 8");
    check_none("FontAwesome 4.3.0");
    check_none("reduced costs by 8% for 100000 users");
    check_none("grew 2019% year over year");
    check_none("raised $2019 and #2020");
    check_none("v2019 ES2015 2019th");
    check_none("2000+ users");
    check_none("1,2019,000 and 2,019,000");
    check_none("server 192.168.100.200");
    check_none("2019.13.1 release");
    check_none("1/2");
    check_none("(415) 555 2019");
    check_none("Present Developing intuitive user interfaces");
    check_none("Mar");
    check_none("May we meet in the summer");
    check_none("1949 - 1950s");
    check_none("");
    /* a date never crosses a line break */
    check_none("Jul\n2019");
}

static void test_format(void **state)
{
    (void)state;
    char buf[8];
    dates_format(&(dates_point){2019, 7, false}, buf);
    assert_string_equal(buf, "2019-07");
    dates_format(&(dates_point){2019, 0, false}, buf);
    assert_string_equal(buf, "2019");
    dates_format(&(dates_point){0, 0, true}, buf);
    assert_string_equal(buf, "present");
    dates_format(&(dates_point){0, 0, false}, buf);
    assert_string_equal(buf, "");
    dates_format(&(dates_point){123456, 5, false}, buf);
    assert_string_equal(buf, "");
    dates_format(&(dates_point){2019, 13, false}, buf);
    assert_string_equal(buf, "2019");
}

static void test_months_between(void **state)
{
    (void)state;
    dates_point a = {2019, 7, false}, b = {2021, 3, false}, now = {0, 0, true};
    assert_int_equal(dates_months_between(&a, &b, 2025, 1), 21);
    assert_int_equal(dates_months_between(&a, &a, 2025, 1), 1);
    assert_int_equal(dates_months_between(&a, &now, 2025, 1), 67);
    assert_int_equal(dates_months_between(&a, &now, 2025, 0), -1);
    assert_int_equal(dates_months_between(&b, &a, 2025, 1), -1);
    dates_point y18 = {2018, 0, false}, y21 = {2021, 0, false}, empty = {0, 0, false};
    assert_int_equal(dates_months_between(&y18, &y21, 2025, 1), 36);
    assert_int_equal(dates_months_between(&y18, &y18, 2025, 1), 12);
    assert_int_equal(dates_months_between(&y18, &b, 2025, 1), 39);  /* Jan 2018 .. Mar 2021 */
    assert_int_equal(dates_months_between(&a, &y21, 2025, 1), 24);  /* whole years from Jul 2019 */
    dates_point y19 = {2019, 0, false};
    assert_int_equal(dates_months_between(&a, &y19, 2025, 1), 6);   /* Jul .. Dec 2019 */
    assert_int_equal(dates_months_between(&empty, &b, 2025, 1), -1);
    assert_int_equal(dates_months_between(&a, &empty, 2025, 1), -1);
    assert_int_equal(dates_months_between(&y18, &now, 2020, 6), 30);
}

/* Each side find_range reports parses back, alone, to the same point. */
static void test_parse_round_trip_of_found_sides(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "2019.07 - 至今", "2019年7月–2021年3月", "Jul 2019 – Present", "07/2019 - 03/2021", "2019 - 2021",
        "Summer 2012 and 2013", "2022年1月至2022年4月", "Sep. 2023 \xC2\xAD Mar. 2024",
    };
    for (size_t k = 0; k < sizeof lines / sizeof lines[0]; k++) {
        dates_range r;
        dates_point p;
        const char *l = lines[k];
        assert_true(dates_find_range(l, strlen(l), &r));
        assert_true(dates_parse(l + r.start_off, r.start_len, &p));
        assert_true(p.year == r.start.year && p.month == r.start.month && p.present == r.start.present);
        assert_true(dates_parse(l + r.end_off, r.end_len, &p));
        assert_true(p.year == r.end.year && p.month == r.end.month && p.present == r.end.present);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_english),
        cmocka_unit_test(test_parse_numeric_and_chinese),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_ranges_english),
        cmocka_unit_test(test_ranges_chinese),
        cmocka_unit_test(test_single_dates),
        cmocka_unit_test(test_open_range),
        cmocka_unit_test(test_not_dates),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_months_between),
        cmocka_unit_test(test_parse_round_trip_of_found_sides),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

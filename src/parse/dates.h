/* Dates as resumes print them, English and Chinese: "2019.07 - 至今", "2019年7月–2021年3月",
 * "Jul 2019 – Present", "07/2019 - 03/2021", "Summer 2012", "2013 – 至今". Pure functions on
 * ptr+len text (no NUL needed), safe from any thread. Years outside 1950..2100 are never dates,
 * and numbers that belong to something else (phones, GPAs, versions, percentages, amounts) are
 * refused by looking at what surrounds them. */
#ifndef IG_PARSE_DATES_H
#define IG_PARSE_DATES_H

#include <stdbool.h>
#include <stddef.h>

typedef struct dates_point {
    int year;     /* 0 when none */
    int month;    /* 1..12, 0 when only the year (or a season) is known */
    bool present; /* "Present", "Now", "Current", "至今", "今", "现在", "目前", "进行中", "Today" */
} dates_point;

/* Parses one printed date; the whole of s (blanks trimmed) must be one date: "Jul 2019",
 * "July. 2021", "Sept. 2019", "February 10, 2026", "Summer 2012", "2019.07", "2015.3", "07/2019",
 * "2019-07-15", "2019年7月", "2019 年 7 月", "2019年", "2019", "Present", "至今", ... A leading
 * "Expected (Graduation)(:)", "Anticipated", "Graduated", "预计" and a trailing "毕业" or
 * "(expected)" are allowed. A range is not a date: false. */
bool dates_parse(const char *s, size_t n, dates_point *out);

/* "YYYY-MM", "YYYY" or "present" into buf (NUL-terminated); "" for an empty point (year 0 and not
 * present) or a year outside 1..9999. */
void dates_format(const dates_point *p, char buf[static 8]);

typedef struct dates_range {
    size_t off, len;        /* span of the whole date text within the searched line (bytes) */
    dates_point start, end; /* end is empty (year 0, !present) for a single date */
    size_t start_off, start_len, end_off, end_len; /* spans of each side as printed ("2019.07", "至今");
                                                    * end_off/end_len are 0 without an end */
    bool open; /* a start, then a dash and no date after it on this line ("June 2020 – Software
                * Engineer"): the end may be printed elsewhere (a "Present" on the next line); off/len
                * then cover the start and the dash */
} dates_range;

/* Finds the first date range in one line (n bytes; a '\n' is never crossed), or else the first
 * lone date (or open range, whichever comes first). Separators: - – — ― − ‐ ‑ U+00AD ~ ～ 〜 至
 * 到 to till until through, and none before "至今" ("2019.9 至今"); a season may be followed by
 * ", YYYY" or "and YYYY" ("Summer 2012 and 2013"); "2018-19" and "Jun - Aug 2019" are ranges.
 * The end must not precede the start. A lone "Present" is not a date here. */
bool dates_find_range(const char *line, size_t n, dates_range *out);

/* Whole months from a to b inclusive of both months ((2019-07, 2021-03) = 21), with "present"
 * meaning now_year/now_month; -1 when unknown (an empty side, a bad now, b before a). A year-only
 * side counts as whole years: both year-only gives 12 per year between them (12 for the same
 * year, "2018 - 2021" = 36); a year-only start begins in January; a year-only end ends one month
 * before the start's month comes round again (or in December of the same year). */
int dates_months_between(const dates_point *a, const dates_point *b, int now_year, int now_month);

#endif

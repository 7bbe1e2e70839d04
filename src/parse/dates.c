/* Date parsing over raw UTF-8 bytes: one recogniser per printed form of a single date (month names,
 * seasons, numeric, CJK units, "present" words), a range built from two of them around a
 * separator, and boundary checks that keep phones, versions and amounts out. */
#include "parse/dates.h"

#include <stdio.h>
#include <string.h>

#define YEAR_MIN 1950
#define YEAR_MAX 2100

/* What a recognised single date looked like: ranges treat each kind differently. */
typedef enum tok_kind {
    TOK_YEAR,       /* a bare four-digit year: "2019" */
    TOK_YEAR_CJK,   /* "2019年" */
    TOK_YM,         /* month known: "Jul 2019", "2019.07", "2019年7月", "07/2019" */
    TOK_SEASON,     /* "Summer 2012", "2019年春季" */
    TOK_MONTH_ONLY, /* "Jun" with no year: only the start of "Jun - Aug 2019" */
    TOK_PRESENT,    /* "Present", "至今" */
} tok_kind;

typedef struct tok {
    dates_point pt;
    tok_kind kind;
    size_t off, end;
} tok;

typedef struct word {
    const char *s;
    int v;
} word;

/* Full names before "sept" before the three-letter forms, so the longest name matches. */
static const word MONTHS[] = {
    {"january", 1}, {"february", 2}, {"march", 3},     {"april", 4},    {"may", 5},       {"june", 6},
    {"july", 7},    {"august", 8},   {"september", 9}, {"october", 10}, {"november", 11}, {"december", 12},
    {"sept", 9},    {"jan", 1},      {"feb", 2},       {"mar", 3},      {"apr", 4},       {"jun", 6},
    {"jul", 7},     {"aug", 8},      {"sep", 9},       {"oct", 10},     {"nov", 11},      {"dec", 12},
};

static const char *const SEASONS[] = {"spring", "summer", "fall", "autumn", "winter"};

static const char *const PRESENT_EN[] = {"present", "currently", "current", "ongoing", "today", "now"};
/* Longest first: "至今" before "今". Simplified and traditional. */
static const char *const PRESENT_ZH[] = {"至今", "進行中", "进行中", "现在", "現在", "目前", "今天", "今"};

/* Dashes a range is printed with (U+00AD: awesomecv draws its ranges with a soft hyphen). */
static const char *const DASHES[] = {
    "-",
    "~",
    "\xE2\x80\x93", /* – */
    "\xE2\x80\x94", /* — */
    "\xE2\x80\x95", /* ― */
    "\xE2\x88\x92", /* − */
    "\xE2\x80\x90", /* ‐ */
    "\xE2\x80\x91", /* ‑ */
    "\xC2\xAD",     /* soft hyphen */
    "\xEF\xBD\x9E", /* ～ */
    "\xE3\x80\x9C", /* 〜 */
    "\xEF\xBC\x8D", /* － */
    "\xEF\xB9\xA3", /* ﹣ */
};

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

/* Length of the blank run at i: spaces, tabs, NBSP, thin and ideographic spaces. */
static size_t blank_at(const char *s, size_t n, size_t i)
{
    if (i >= n)
        return 0;
    if (s[i] == ' ' || s[i] == '\t')
        return 1;
    if (i + 1 < n && (unsigned char)s[i] == 0xC2 && (unsigned char)s[i + 1] == 0xA0)
        return 2;
    if (i + 2 < n && (unsigned char)s[i] == 0xE2 && (unsigned char)s[i + 1] == 0x80 &&
        ((unsigned char)s[i + 2] == 0x89 || (unsigned char)s[i + 2] == 0xAF))
        return 3;
    if (i + 2 < n && (unsigned char)s[i] == 0xE3 && (unsigned char)s[i + 1] == 0x80 && (unsigned char)s[i + 2] == 0x80)
        return 3;
    return 0;
}

static size_t skip_blanks(const char *s, size_t n, size_t i)
{
    size_t k;
    while ((k = blank_at(s, n, i)) > 0)
        i += k;
    return i;
}

static size_t digit_run(const char *s, size_t n, size_t i)
{
    size_t k = i;
    while (k < n && is_digit(s[k]))
        k++;
    return k - i;
}

static int number(const char *s, size_t i, size_t len)
{
    int v = 0;
    for (size_t k = 0; k < len; k++)
        v = v * 10 + (s[i + k] - '0');
    return v;
}

/* Bytes of lit at s+i (exact), 0 when absent. */
static size_t lit_at(const char *s, size_t n, size_t i, const char *lit)
{
    size_t l = strlen(lit);
    return i <= n && n - i >= l && memcmp(s + i, lit, l) == 0 ? l : 0;
}

/* Bytes of the ASCII w at s+i, case-insensitive; 0 when absent. */
static size_t ci_at(const char *s, size_t n, size_t i, const char *w)
{
    size_t l = strlen(w);
    if (i > n || n - i < l)
        return 0;
    for (size_t k = 0; k < l; k++)
        if (lower(s[i + k]) != w[k])
            return 0;
    return l;
}

/* The same for a word: not followed by a letter. */
static size_t word_at(const char *s, size_t n, size_t i, const char *w)
{
    size_t l = ci_at(s, n, i, w);
    return l > 0 && i + l < n && is_alpha(s[i + l]) ? 0 : l;
}

static bool plausible(int y) { return y >= YEAR_MIN && y <= YEAR_MAX; }

/* A four-digit plausible year at i not followed by another digit; its value or 0. */
static int year_at(const char *s, size_t n, size_t i)
{
    if (digit_run(s, n, i) != 4)
        return 0;
    int y = number(s, i, 4);
    return plausible(y) ? y : 0;
}

static size_t month_name_at(const char *s, size_t n, size_t i, int *month)
{
    for (size_t k = 0; k < sizeof MONTHS / sizeof MONTHS[0]; k++) {
        size_t l = word_at(s, n, i, MONTHS[k].s);
        if (l > 0) {
            *month = MONTHS[k].v;
            return l;
        }
    }
    return 0;
}

static size_t present_at(const char *s, size_t n, size_t i)
{
    for (size_t k = 0; k < sizeof PRESENT_EN / sizeof PRESENT_EN[0]; k++) {
        size_t l = word_at(s, n, i, PRESENT_EN[k]);
        if (l > 0)
            return l;
    }
    for (size_t k = 0; k < sizeof PRESENT_ZH / sizeof PRESENT_ZH[0]; k++) {
        size_t l = lit_at(s, n, i, PRESENT_ZH[k]);
        if (l > 0)
            return l;
    }
    return 0;
}

static size_t dash_at(const char *s, size_t n, size_t i)
{
    for (size_t k = 0; k < sizeof DASHES / sizeof DASHES[0]; k++) {
        size_t l = lit_at(s, n, i, DASHES[k]);
        if (l > 0)
            return l;
    }
    return 0;
}

/* "Jul 2019", "July. 2021", "Sept, 2019", "Jun2017", "February 10, 2026", "Jul '19", or the bare
 * month (TOK_MONTH_ONLY). */
static bool month_form(const char *s, size_t n, size_t i, tok *t)
{
    int month = 0;
    size_t l = month_name_at(s, n, i, &month);
    if (l == 0)
        return false;
    size_t j = i + l;
    if (j < n && s[j] == '.')
        j++;
    size_t name_end = j;
    j = skip_blanks(s, n, j);
    if (j < n && s[j] == ',')
        j = skip_blanks(s, n, j + 1);
    t->pt = (dates_point){0, month, false};
    int y = year_at(s, n, j);
    if (y) {
        t->pt.year = y;
        t->kind = TOK_YM;
        t->end = j + 4;
        return true;
    }
    size_t r = digit_run(s, n, j);
    if (r >= 1 && r <= 2 && number(s, j, r) >= 1 && number(s, j, r) <= 31 && j > name_end) {
        size_t k = j + r;
        static const char *const ORD[] = {"st", "nd", "rd", "th"};
        for (size_t o = 0; o < 4; o++) {
            size_t ol = word_at(s, n, k, ORD[o]);
            if (ol > 0) {
                k += ol;
                break;
            }
        }
        if (k < n && s[k] == ',')
            k++;
        size_t b = skip_blanks(s, n, k);
        if (b > k && (y = year_at(s, n, b)) != 0) {
            t->pt.year = y;
            t->kind = TOK_YM;
            t->end = b + 4;
            return true;
        }
    }
    size_t q = lit_at(s, n, j, "'") ? 1 : lit_at(s, n, j, "\xE2\x80\x99") ? 3 : 0; /* ' or ’ */
    if (q > 0 && digit_run(s, n, j + q) == 2) {
        int yy = number(s, j + q, 2);
        t->pt.year = yy < 50 ? 2000 + yy : 1900 + yy;
        if (plausible(t->pt.year)) {
            t->kind = TOK_YM;
            t->end = j + q + 2;
            return true;
        }
    }
    t->pt.month = month;
    t->kind = TOK_MONTH_ONLY;
    t->end = name_end;
    return true;
}

/* "Summer 2012", "Fall, 2013". */
static bool season_form(const char *s, size_t n, size_t i, tok *t)
{
    for (size_t k = 0; k < sizeof SEASONS / sizeof SEASONS[0]; k++) {
        size_t l = word_at(s, n, i, SEASONS[k]);
        if (l == 0)
            continue;
        size_t j = skip_blanks(s, n, i + l);
        if (j < n && s[j] == ',')
            j = skip_blanks(s, n, j + 1);
        int y = year_at(s, n, j);
        if (y == 0)
            return false;
        t->pt = (dates_point){y, 0, false};
        t->kind = TOK_SEASON;
        t->end = j + 4;
        return true;
    }
    return false;
}

/* After "YYYY 年": " 7 月 (15 日)", a season "春(季)", or nothing. */
static void cjk_form(const char *s, size_t n, size_t j, int y, tok *t)
{
    t->pt = (dates_point){y, 0, false};
    t->kind = TOK_YEAR_CJK;
    t->end = j;
    size_t k = skip_blanks(s, n, j);
    size_t r = digit_run(s, n, k);
    if (r >= 1 && r <= 2) {
        int m = number(s, k, r);
        size_t u = skip_blanks(s, n, k + r);
        size_t l = lit_at(s, n, u, "月");
        if (m < 1 || m > 12 || l == 0)
            return;
        t->pt.month = m;
        t->kind = TOK_YM;
        t->end = u + l;
        k = skip_blanks(s, n, t->end);
        r = digit_run(s, n, k);
        if (r >= 1 && r <= 2 && number(s, k, r) >= 1 && number(s, k, r) <= 31) {
            u = skip_blanks(s, n, k + r);
            l = lit_at(s, n, u, "日");
            if (l == 0)
                l = lit_at(s, n, u, "号");
            if (l > 0)
                t->end = u + l;
        }
        return;
    }
    static const char *const SEASON_ZH[] = {"春", "夏", "秋", "冬"};
    for (size_t q = 0; q < 4; q++) {
        size_t l = lit_at(s, n, k, SEASON_ZH[q]);
        if (l == 0)
            continue;
        size_t e = k + l;
        size_t l2 = lit_at(s, n, e, "季");
        if (l2 == 0)
            l2 = lit_at(s, n, e, "天");
        t->kind = TOK_SEASON;
        t->end = e + l2;
        return;
    }
}

/* Forms that open with digits: "2019", "2019年7月", "2019.07(.15)", "2019/7", "2019-07",
 * "07/2019", "7.2019", "07/15/2019", "15 Jul 2019". */
static bool numeric_form(const char *s, size_t n, size_t i, tok *t)
{
    size_t r = digit_run(s, n, i);
    if (r == 4) {
        int y = number(s, i, 4);
        if (!plausible(y))
            return false;
        size_t j = i + 4;
        size_t k = skip_blanks(s, n, j);
        size_t l = lit_at(s, n, k, "年");
        if (l > 0) {
            cjk_form(s, n, k + l, y, t);
            return true;
        }
        t->pt = (dates_point){y, 0, false};
        t->kind = TOK_YEAR;
        t->end = j;
        if (j + 1 < n && (s[j] == '.' || s[j] == '/' || s[j] == '-')) {
            char sep = s[j];
            size_t mr = digit_run(s, n, j + 1);
            int m = mr >= 1 && mr <= 2 ? number(s, j + 1, mr) : 0;
            if (m >= 1 && m <= 12) {
                t->pt.month = m;
                t->kind = TOK_YM;
                t->end = j + 1 + mr;
                size_t d = t->end;
                size_t dr = d + 1 < n && s[d] == sep ? digit_run(s, n, d + 1) : 0;
                if (dr >= 1 && dr <= 2 && number(s, d + 1, dr) >= 1 && number(s, d + 1, dr) <= 31)
                    t->end = d + 1 + dr;
            }
        }
        return true;
    }
    if (r < 1 || r > 2)
        return false;
    int v = number(s, i, r);
    size_t j = i + r;
    if (j + 1 < n && (s[j] == '/' || s[j] == '.' || s[j] == '-')) {
        char sep = s[j];
        size_t r2 = digit_run(s, n, j + 1);
        int y = year_at(s, n, j + 1);
        if (y && v >= 1 && v <= 12) {
            t->pt = (dates_point){y, v, false};
            t->kind = TOK_YM;
            t->end = j + 5;
            return true;
        }
        if (r2 >= 1 && r2 <= 2 && j + 1 + r2 < n && s[j + 1 + r2] == sep && (y = year_at(s, n, j + 2 + r2)) != 0) {
            int v2 = number(s, j + 1, r2);
            int m = v >= 1 && v <= 12 && v2 >= 1 && v2 <= 31 ? v : v2 >= 1 && v2 <= 12 && v >= 1 && v <= 31 ? v2 : 0;
            if (m == 0)
                return false;
            t->pt = (dates_point){y, m, false};
            t->kind = TOK_YM;
            t->end = j + 6 + r2;
            return true;
        }
        return false;
    }
    size_t k = skip_blanks(s, n, j);
    int month = 0;
    size_t l;
    if (k > j && v >= 1 && v <= 31 && (l = month_name_at(s, n, k, &month)) > 0) {
        size_t e = k + l;
        if (e < n && s[e] == '.')
            e++;
        if (e < n && s[e] == ',')
            e++;
        size_t b = skip_blanks(s, n, e);
        int y = year_at(s, n, b);
        if (b > e && y) {
            t->pt = (dates_point){y, month, false};
            t->kind = TOK_YM;
            t->end = b + 4;
            return true;
        }
    }
    return false;
}

/* One single date starting exactly at i; present words only when allow_present. */
static bool point_at(const char *s, size_t n, size_t i, bool allow_present, tok *t)
{
    if (i >= n)
        return false;
    t->off = i;
    if (allow_present) {
        size_t l = present_at(s, n, i);
        if (l > 0) {
            t->pt = (dates_point){0, 0, true};
            t->kind = TOK_PRESENT;
            t->end = i + l;
            return true;
        }
    }
    if (is_digit(s[i]))
        return numeric_form(s, n, i, t);
    if (is_alpha(s[i]))
        return month_form(s, n, i, t) || season_form(s, n, i, t);
    return false;
}

/* May a date start at i? Not inside a word or a number ("v2019", "555-2019", "1,2019", "$2019"),
 * and a number not right after another group of three or more digits (the middle of
 * "138 2019 5678"; "GPA 3.8 2019" is still a date). */
static bool left_ok(const char *s, size_t i)
{
    if (i == 0)
        return true;
    char p = s[i - 1];
    if (is_alnum(p) || p == '$' || p == '#' || p == '+' || p == '@' || p == '_' || p == '&')
        return false;
    if (i >= 2 && is_digit(s[i - 2])) {
        if (p == '.' || p == ',' || p == '/' || p == '-' || p == ':')
            return false;
        size_t k = i - 1;
        while (k > 0 && is_digit(s[k - 1]))
            k--;
        if (p == ' ' && is_digit(s[i]) && i - 1 - k >= 3)
            return false;
    }
    return true;
}

/* May a date end at e? Not followed by more of a word or number ("2019th", "2019%", "2000+",
 * "2019.07.15.3", "2,019,000"). */
static bool right_ok(const char *s, size_t n, size_t e)
{
    if (e >= n)
        return true;
    char c = s[e];
    if (is_alnum(c) || c == '%' || c == '+')
        return false;
    if ((c == '.' || c == '/' || c == '-' || c == ':') && e + 1 < n && is_digit(s[e + 1]))
        return false;
    if (c == ',' && digit_run(s, n, e + 1) == 3)
        return false;
    return true;
}

static int cmp_points(const dates_point *a, const dates_point *b)
{
    if (a->year != b->year)
        return a->year < b->year ? -1 : 1;
    if (a->month == 0 || b->month == 0 || a->month == b->month)
        return 0;
    return a->month < b->month ? -1 : 1;
}

/* Separator kinds between two sides. */
enum { SEP_NONE, SEP_DASH, SEP_WORD, SEP_LIST };

/* The separator after the start ending at e; *sep_end past it; SEP_NONE when none. "至今" is no
 * separator: it is the end itself. */
static int separator_at(const char *s, size_t n, size_t e, const tok *a, size_t *sep_end)
{
    size_t j = skip_blanks(s, n, e);
    size_t l, k = j;
    int dashes = 0;
    while (dashes < 3 && (l = dash_at(s, n, k)) > 0) {
        k += l;
        dashes++;
    }
    if (dashes > 0) {
        *sep_end = k;
        return SEP_DASH;
    }
    if (a->kind == TOK_YEAR && j == e && j < n && s[j] == '/' && year_at(s, n, j + 1)) {
        *sep_end = j + 1; /* "2019/2020": a school year */
        return SEP_DASH;
    }
    if (lit_at(s, n, j, "至今"))
        return SEP_NONE;
    if ((l = lit_at(s, n, j, "至")) > 0 || (l = lit_at(s, n, j, "到")) > 0) {
        *sep_end = j + l;
        return SEP_WORD;
    }
    static const char *const WORDS[] = {"to", "till", "until", "through", "thru"};
    for (size_t w = 0; w < sizeof WORDS / sizeof WORDS[0]; w++) {
        if (j > e && (l = word_at(s, n, j, WORDS[w])) > 0 && blank_at(s, n, j + l)) {
            *sep_end = j + l;
            return SEP_WORD;
        }
    }
    if (a->kind == TOK_SEASON) {
        if (j < n && (s[j] == ',' || s[j] == '&')) {
            *sep_end = j + 1;
            return SEP_LIST;
        }
        if (j > e && (l = word_at(s, n, j, "and")) > 0) {
            *sep_end = j + l;
            return SEP_LIST;
        }
    }
    return SEP_NONE;
}

/* Tries the range that starts with a (which ends at a->end). On success fills out; *open_end gets
 * the end of the dash when a dash is followed by no date (else 0). */
static bool range_from(const char *s, size_t n, tok *a, dates_range *out, size_t *open_end)
{
    *open_end = 0;
    size_t sep_end = 0;
    int sep = separator_at(s, n, a->end, a, &sep_end);
    tok b;
    size_t k;
    if (sep == SEP_NONE) {
        k = skip_blanks(s, n, a->end);
        if (!lit_at(s, n, k, "至今"))
            return false;
    } else {
        k = skip_blanks(s, n, sep_end);
    }
    bool got = point_at(s, n, k, sep != SEP_LIST, &b);
    if (!got && sep == SEP_WORD && word_at(s, n, k, "date") > 0) {
        b = (tok){{0, 0, true}, TOK_PRESENT, k, k + 4};
        got = true;
    }
    if (!got && sep == SEP_DASH && a->kind == TOK_YEAR && k == sep_end && skip_blanks(s, n, a->end) == a->end &&
        digit_run(s, n, k) == 2) {
        /* "2018-19": the end year abbreviated */
        int y = a->pt.year / 100 * 100 + number(s, k, 2);
        if (y > a->pt.year && y <= a->pt.year + 10 && plausible(y)) {
            b = (tok){{y, 0, false}, TOK_YEAR, k, k + 2};
            got = true;
        }
    }
    if (!got || b.kind == TOK_MONTH_ONLY) {
        if (sep == SEP_DASH && a->kind != TOK_MONTH_ONLY && (k >= n || (k > sep_end && !is_digit(s[k]))))
            *open_end = sep_end;
        return false;
    }
    if (sep == SEP_LIST && b.kind != TOK_YEAR && b.kind != TOK_SEASON)
        return false;
    if (a->kind == TOK_MONTH_ONLY) {
        if (b.kind != TOK_YM)
            return false;
        a->pt.year = a->pt.month > b.pt.month ? b.pt.year - 1 : b.pt.year;
        if (!plausible(a->pt.year))
            return false;
    }
    if (!right_ok(s, n, b.end))
        return false;
    if (!b.pt.present && cmp_points(&a->pt, &b.pt) > 0)
        return false;
    if (sep == SEP_LIST && b.pt.year <= a->pt.year)
        return false;
    *out = (dates_range){.off = a->off, .len = b.end - a->off, .start = a->pt, .end = b.pt,
                         .start_off = a->off, .start_len = a->end - a->off, .end_off = b.off,
                         .end_len = b.end - b.off, .open = false};
    return true;
}

bool dates_find_range(const char *line, size_t n, dates_range *out)
{
    bool have_single = false;
    dates_range single = {0};
    const char *nl = n > 0 ? memchr(line, '\n', n) : NULL;
    if (nl != NULL)
        n = (size_t)(nl - line);
    size_t i = 0;
    while (i < n) {
        tok a;
        if (!(is_alnum(line[i]) && left_ok(line, i) && point_at(line, n, i, false, &a))) {
            i++;
            continue;
        }
        size_t open_end = 0;
        if (range_from(line, n, &a, out, &open_end))
            return true;
        if (!have_single && a.kind != TOK_MONTH_ONLY && (open_end > 0 || right_ok(line, n, a.end))) {
            size_t end = open_end > 0 ? open_end : a.end;
            single = (dates_range){.off = a.off, .len = end - a.off, .start = a.pt, .start_off = a.off,
                                   .start_len = a.end - a.off, .open = open_end > 0};
            have_single = true;
        }
        i = a.end > i ? a.end : i + 1;
    }
    if (have_single)
        *out = single;
    return have_single;
}

/* Trims blanks and line breaks on both ends. */
static void trim(const char **s, size_t *n)
{
    size_t b = 0, e = *n, k;
    while (b < e && ((k = blank_at(*s, e, b)) > 0 || (*s)[b] == '\n' || (*s)[b] == '\r'))
        b += k > 0 ? k : 1;
    for (;;) {
        if (e > b && ((*s)[e - 1] == ' ' || (*s)[e - 1] == '\t' || (*s)[e - 1] == '\n' || (*s)[e - 1] == '\r'))
            e--;
        else if (e >= b + 2 && blank_at(*s, e, e - 2) == 2)
            e -= 2;
        else if (e >= b + 3 && blank_at(*s, e, e - 3) == 3)
            e -= 3;
        else
            break;
    }
    *s += b;
    *n = e - b;
}

bool dates_parse(const char *s, size_t n, dates_point *out)
{
    static const char *const PREFIX_EN[] = {"expected graduation date", "expected graduation", "expected",
                                            "anticipated", "graduated", "graduation", "grad."};
    static const char *const PREFIX_ZH[] = {"预计", "預計"};
    static const char *const SUFFIX[] = {"毕业", "畢業", "(expected)", "(Expected)", "（预计）"};
    trim(&s, &n);
    for (size_t k = 0; k < sizeof PREFIX_EN / sizeof PREFIX_EN[0]; k++) {
        size_t l = word_at(s, n, 0, PREFIX_EN[k]);
        if (l == 0)
            continue;
        s += l, n -= l;
        if (n > 0 && s[0] == ':')
            s++, n--;
        else if (lit_at(s, n, 0, "："))
            s += 3, n -= 3;
        trim(&s, &n);
        break;
    }
    for (size_t k = 0; k < sizeof PREFIX_ZH / sizeof PREFIX_ZH[0]; k++) {
        size_t l = lit_at(s, n, 0, PREFIX_ZH[k]);
        if (l > 0) {
            s += l, n -= l;
            trim(&s, &n);
            break;
        }
    }
    for (size_t k = 0; k < sizeof SUFFIX / sizeof SUFFIX[0]; k++) {
        size_t l = strlen(SUFFIX[k]);
        if (n > l && memcmp(s + n - l, SUFFIX[k], l) == 0) {
            n -= l;
            trim(&s, &n);
            break;
        }
    }
    tok t;
    if (!point_at(s, n, 0, true, &t) || t.end != n || t.kind == TOK_MONTH_ONLY)
        return false;
    *out = t.pt;
    return true;
}

void dates_format(const dates_point *p, char buf[static 8])
{
    if (p->present)
        memcpy(buf, "present", 8);
    else if (p->year < 1 || p->year > 9999)
        buf[0] = '\0';
    else if (p->month >= 1 && p->month <= 12)
        snprintf(buf, 8, "%04d-%02d", p->year, p->month);
    else
        snprintf(buf, 8, "%04d", p->year);
}

int dates_months_between(const dates_point *a, const dates_point *b, int now_year, int now_month)
{
    dates_point x = *a, y = *b;
    if (x.present || y.present) {
        if (now_year < 1 || now_month < 1 || now_month > 12)
            return -1;
        if (x.present)
            x = (dates_point){now_year, now_month, false};
        if (y.present)
            y = (dates_point){now_year, now_month, false};
    }
    if (x.year < 1 || y.year < 1 || x.year > 9999 || y.year > 9999)
        return -1;
    if (x.month < 0 || x.month > 12 || y.month < 0 || y.month > 12)
        return -1;
    long months;
    if (x.month == 0 && y.month == 0) {
        months = x.year == y.year ? 12 : (long)(y.year - x.year) * 12;
    } else {
        int xm = x.month == 0 ? 1 : x.month;
        if (y.month == 0)
            months = y.year == x.year ? 12 - xm + 1 : (long)(y.year - x.year) * 12;
        else
            months = (long)(y.year - x.year) * 12 + (y.month - xm) + 1;
    }
    return months >= 1 ? (int)months : -1;
}

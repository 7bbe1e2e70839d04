/* libFuzzer target for parse/dates: any bytes, parsed whole and searched line by line; spans lie
 * inside the input, points are plausible, formats are well formed and month counts are sane. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "parse/dates.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* A point from the parser: present, or a year in 1950..2100 with a month in 0..12; its format is
 * "present", "YYYY" or "YYYY-MM". */
static void check_point(const dates_point *p, bool may_be_empty)
{
    char buf[8];
    dates_format(p, buf);
    size_t n = strnlen(buf, sizeof buf);
    if (n == sizeof buf)
        __builtin_trap();
    if (p->present) {
        if (strcmp(buf, "present") != 0)
            __builtin_trap();
        return;
    }
    if (p->year == 0 && p->month == 0) {
        if (!may_be_empty || n != 0)
            __builtin_trap();
        return;
    }
    if (p->year < 1950 || p->year > 2100 || p->month < 0 || p->month > 12)
        __builtin_trap();
    bool shape = p->month == 0 ? n == 4 && digits(buf, 4) : n == 7 && digits(buf, 4) && buf[4] == '-' && digits(buf + 5, 2);
    if (!shape)
        __builtin_trap();
}

static bool inside(size_t off, size_t len, size_t lo, size_t hi)
{
    return off >= lo && off <= hi && len <= hi - off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    dates_point p;
    if (dates_parse(s, size, &p))
        check_point(&p, false);
    size_t start = 0;
    while (start <= size) {
        const char *nl = start < size ? memchr(s + start, '\n', size - start) : NULL;
        size_t end = nl != NULL ? (size_t)(nl - s) : size;
        dates_range r;
        /* the whole rest of the input: the search must stop at the line break by itself */
        if (dates_find_range(s + start, size - start, &r)) {
            size_t n = end - start;
            if (r.len == 0 || !inside(r.off, r.len, 0, n) || !inside(r.start_off, r.start_len, r.off, r.off + r.len) ||
                r.start_len == 0 || r.start_off != r.off)
                __builtin_trap();
            check_point(&r.start, false);
            check_point(&r.end, true);
            if (r.start.present)
                __builtin_trap();
            bool has_end = r.end.present || r.end.year != 0;
            bool end_ok = !has_end ? r.end_len == 0
                                   : !r.open && r.end_len > 0 && r.end_off + r.end_len == r.off + r.len &&
                                         inside(r.end_off, r.end_len, r.start_off + r.start_len, r.off + r.len);
            if (!end_ok)
                __builtin_trap();
            int m = dates_months_between(&r.start, has_end ? &r.end : &r.start, 2025, 6);
            if (m != -1 && (m < 1 || m > (2100 - 1950 + 1) * 12))
                __builtin_trap();
            if (!has_end && m < 1)
                __builtin_trap();
        }
        if (nl == NULL)
            break;
        start = end + 1;
    }
    return 0;
}

/* Text normalisation over decoded code points: one pass per rule (map, small caps, blanks, CJK
 * spacing, blank lines), each in place, then encoded back to UTF-8. */
#include "parse/textnorm.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* Decodes UTF-8; each maximal invalid sequence becomes one U+FFFD; NUL is dropped. Returns the
 * number of code points (never more than n). */
static size_t decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t k = 0, i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            if (c != 0)
                cp[k++] = c;
            i++;
            continue;
        }
        size_t len;
        uint32_t v, min;
        if (c >= 0xC2 && c <= 0xDF)
            len = 2, v = c & 0x1F, min = 0x80;
        else if (c >= 0xE0 && c <= 0xEF)
            len = 3, v = c & 0x0F, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4)
            len = 4, v = c & 0x07, min = 0x10000;
        else {
            cp[k++] = 0xFFFD;
            i++;
            continue;
        }
        size_t j = 1;
        while (j < len && i + j < n && (s[i + j] & 0xC0) == 0x80) {
            v = (v << 6) | (s[i + j] & 0x3F);
            j++;
        }
        if (j < len || v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
            cp[k++] = 0xFFFD;
            i += j;
            continue;
        }
        cp[k++] = v;
        i += len;
    }
    return k;
}

static bool is_unicode_space(uint32_t c)
{
    return c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}

static bool is_dropped(uint32_t c)
{
    if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0))
        return true; /* controls; \t \n \r \f \v are handled before this */
    if (c == 0x200B || c == 0x2060 || c == 0xFEFF || c == 0xFFFE || c == 0xFFFF)
        return true;
    return (c >= 0xE000 && c <= 0xF8FF) || c >= 0xF0000; /* private use: icon fonts */
}

/* The spelt-out form of a Latin ligature, or NULL. */
static const char *ligature(uint32_t c)
{
    switch (c) {
    case 0xFB00: return "ff";
    case 0xFB01: return "fi";
    case 0xFB02: return "fl";
    case 0xFB03: return "ffi";
    case 0xFB04: return "ffl";
    case 0xFB05:
    case 0xFB06: return "st";
    default: return NULL;
    }
}

/* Per-character mapping. out has room for n entries: a ligature (3 UTF-8 bytes) spells out to
 * at most 3 code points. */
static size_t map_chars(const uint32_t *in, size_t k, unsigned flags, uint32_t *out)
{
    size_t w = 0;
    bool mapped_dash = false; /* the '-' just written came from, or merged, a U+00AD/2010/2011 */
    for (size_t i = 0; i < k; i++) {
        uint32_t c = in[i];
        const char *lig;
        bool shy_dash = c == 0xAD && (flags & PARSE_TEXTNORM_SHY_VISIBLE);
        if (shy_dash || c == 0x2010 || c == 0x2011) {
            /* "-\u00AD\u2010" is how some producers draw one hyphen: one '-' */
            if (!(w > 0 && out[w - 1] == '-'))
                out[w++] = '-';
            mapped_dash = true;
            continue;
        }
        if (c == '-') {
            if (!(mapped_dash && w > 0 && out[w - 1] == '-'))
                out[w++] = '-';
            continue;
        }
        mapped_dash = false;
        if (c == '\r') {
            if (i + 1 < k && in[i + 1] == '\n')
                continue;
            out[w++] = ' ';
        } else if (c == '\n' || c == '\f' || c == '\v' || c == 0x85 || c == 0x2028 || c == 0x2029) {
            out[w++] = '\n';
        } else if (c == '\t') {
            out[w++] = (flags & PARSE_TEXTNORM_KEEP_TABS) ? '\t' : ' ';
        } else if (is_unicode_space(c)) {
            out[w++] = ' ';
        } else if (c == 0xAD) {
            continue; /* an invisible hyphenation hint */
        } else if ((lig = ligature(c)) != NULL) {
            while (*lig)
                out[w++] = (uint32_t)*lig++;
        } else if (!is_dropped(c)) {
            out[w++] = c;
        }
    }
    return w;
}

static bool is_upper(uint32_t c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower(uint32_t c) { return c >= 'a' && c <= 'z'; }
static bool is_digit(uint32_t c) { return c >= '0' && c <= '9'; }

/* Small caps extracted as "ENGiNEER": a word of >= 5 ASCII letters, >= 4 capitals, first one a
 * capital, and no lower case but 'i'. Shorter words (TiDB, TiKV, WiFi) are left alone. */
static void fix_small_caps(uint32_t *m, size_t k)
{
    size_t i = 0;
    while (i < k) {
        if (!is_upper(m[i]) && !is_lower(m[i])) {
            i++;
            continue;
        }
        size_t st = i, upper = 0, lower_i = 0, lower_other = 0;
        while (i < k && (is_upper(m[i]) || is_lower(m[i]))) {
            if (is_upper(m[i]))
                upper++;
            else if (m[i] == 'i')
                lower_i++;
            else
                lower_other++;
            i++;
        }
        if (i - st >= 5 && upper >= 4 && lower_i > 0 && lower_other == 0 && is_upper(m[st]))
            for (size_t j = st; j < i; j++)
                if (m[j] == 'i')
                    m[j] = 'I';
    }
}

/* Blanks: trimmed at both ends of each line, runs collapsed to one space (one tab when the run
 * held a tab: only present with KEEP_TABS). */
static size_t collapse_blanks(uint32_t *m, size_t k)
{
    size_t w = 0;
    bool line_start = true, pend = false, pend_tab = false;
    for (size_t i = 0; i < k; i++) {
        uint32_t c = m[i];
        if (c == '\n') {
            pend = pend_tab = false;
            m[w++] = '\n';
            line_start = true;
        } else if (c == ' ' || c == '\t') {
            if (!line_start) {
                pend = true;
                pend_tab |= c == '\t';
            }
        } else {
            if (pend)
                m[w++] = pend_tab ? '\t' : ' ';
            pend = pend_tab = false;
            m[w++] = c;
            line_start = false;
        }
    }
    return w;
}

static bool is_cjk_char(uint32_t c)
{
    return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3100 && c <= 0x312F) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F);
}

static bool is_cjk_punct(uint32_t c)
{
    return (c >= 0x3001 && c <= 0x303F) || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF01 && c <= 0xFF0F) ||
           (c >= 0xFF1A && c <= 0xFF20) || (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65);
}

/* CJK units that follow a number: 2015 年, 3 月, 5 人, 10 万. */
static bool is_unit(uint32_t c)
{
    static const uint32_t units[] = {0x5E74, 0x6708, 0x65E5, 0x53F7, 0x4E2A, 0x540D, 0x5C4A, 0x7EA7,
                                     0x671F, 0x6B21, 0x5C81, 0x5929, 0x5468, 0x4E07, 0x5343, 0x767E,
                                     0x4F59, 0x591A, 0x4EBA, 0x4F4D, 0x500D, 0x5C0F, 0x65F6, 0x5206,
                                     0x79D2, 0x5143, 0x4EBF};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (c == units[i])
            return true;
    return false;
}

/* True when the digits starting at m[j] are followed (after at most one space) by a unit. */
static bool digits_then_unit(const uint32_t *m, size_t j, size_t end)
{
    if (j >= end || !is_digit(m[j]))
        return false;
    while (j < end && is_digit(m[j]))
        j++;
    if (j < end && m[j] == ' ')
        j++;
    return j < end && is_unit(m[j]);
}

/* Removes the spaces that PDF producers put inside CJK text, one line at a time. */
static size_t join_cjk(uint32_t *m, size_t k)
{
    size_t w = 0, ls = 0;
    while (ls < k) {
        size_t le = ls;
        while (le < k && m[le] != '\n')
            le++;
        size_t spaced = 0, adjacent = 0;
        for (size_t j = ls; j + 1 < le; j++) {
            if (is_cjk_char(m[j]) && is_cjk_char(m[j + 1]))
                adjacent++;
            else if (j > ls && m[j] == ' ' && is_cjk_char(m[j - 1]) && is_cjk_char(m[j + 1]))
                spaced++;
        }
        bool split_line = spaced >= 2 && spaced > adjacent;
        for (size_t j = ls; j < le; j++) {
            uint32_t c = m[j];
            if (c == ' ' && w > 0 && j + 1 < le) {
                uint32_t a = m[w - 1], b = m[j + 1];
                if (is_cjk_punct(a) || is_cjk_punct(b) || (split_line && is_cjk_char(a) && is_cjk_char(b)) ||
                    (is_digit(a) && is_unit(b)) || (is_cjk_char(a) && digits_then_unit(m, j + 1, le)))
                    continue;
            }
            m[w++] = c;
        }
        if (le < k)
            m[w++] = '\n';
        ls = le + 1;
    }
    return w;
}

/* At most one empty line in a row; none at the start or the end. */
static size_t collapse_lines(uint32_t *m, size_t k)
{
    size_t w = 0, newlines = 0;
    for (size_t i = 0; i < k; i++) {
        if (m[i] == '\n') {
            newlines++;
            continue;
        }
        if (w > 0)
            for (size_t j = 0; j < (newlines > 2 ? 2 : newlines); j++)
                m[w++] = '\n';
        newlines = 0;
        m[w++] = m[i];
    }
    return w;
}

static size_t encode(const uint32_t *m, size_t k, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < k; i++) {
        uint32_t c = m[i];
        if (c < 0x80) {
            out[o++] = (char)c;
        } else if (c < 0x800) {
            out[o++] = (char)(0xC0 | (c >> 6));
            out[o++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out[o++] = (char)(0xE0 | (c >> 12));
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (c & 0x3F));
        } else {
            out[o++] = (char)(0xF0 | (c >> 18));
            out[o++] = (char)(0x80 | ((c >> 12) & 0x3F));
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[o] = '\0';
    return o;
}

ig_status parse_textnorm(const char *in, size_t n, unsigned flags, char **out, size_t *out_len)
{
    ig_status st = IG_ENOMEM;
    uint32_t *cps = NULL, *m = NULL;
    char *res = NULL;
    *out = NULL;
    *out_len = 0;
    if (n > (SIZE_MAX - 1) / (4 * sizeof(uint32_t)))
        goto out;
    cps = malloc((n + 1) * sizeof *cps);
    m = malloc((n + 1) * sizeof *m);
    if (cps == NULL || m == NULL)
        goto out;
    size_t k = decode((const unsigned char *)in, n, cps);
    k = map_chars(cps, k, flags, m);
    fix_small_caps(m, k);
    k = collapse_blanks(m, k);
    k = join_cjk(m, k);
    k = collapse_lines(m, k);
    res = malloc(4 * k + 1);
    if (res == NULL)
        goto out;
    *out_len = encode(m, k, res);
    *out = res;
    res = NULL;
    st = IG_OK;
out:
    free(cps);
    free(m);
    free(res);
    return st;
}

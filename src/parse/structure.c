/* Resume text -> structured resume (see parse/structure.h). Sections first (parse/sections.h);
 * then each section's lines are grouped into entries (header lines, then bullets), the header
 * lines are cut into pieces at tabs and separators, and each piece is classified (date, place,
 * title, organisation, school, degree) with parse/dates.h and the entity lexicon
 * (parse/entities.h); contact fields come from parse/contact.h, skills from parse/skills.h.
 * Every field keeps how sure it is, which the confidence object reports. */
#include "parse/structure.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/str.h"
#include "core/utf8.h"
#include "parse/contact.h"
#include "parse/dates.h"
#include "parse/entities.h"
#include "parse/sections.h"
#include "parse/skills.h"

#define MAX_PIECES 12    /* pieces of one entry's header lines; more is prose */
#define MAX_HEAD 6       /* header lines kept per entry */
#define MAX_ENTRIES 40   /* entries per section */
#define MAX_ITEMS 200    /* skills, certifications, awards, languages */
#define MAX_FIELD 300    /* bytes of a name, company, title, school, ... */
#define MAX_DESC 4000    /* bytes of a project description or summary */
#define NAME_LINES 6     /* lines of the header block that may hold the name */
#define MAX_SECTIONS 64  /* sections reported; a document of headings only is not a resume */

struct structure_ctx {
    sections_lexicon *headings;
    entities *ents;
    skills_taxonomy *skills;
};

ig_status structure_ctx_open(structure_ctx **out, ig_err *err)
{
    ig_status rc;
    structure_ctx *c = calloc(1, sizeof *c);
    if (c == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory loading the resume lexicons");
    if ((rc = sections_lexicon_load(&c->headings, err)) != IG_OK || (rc = entities_load(&c->ents, err)) != IG_OK ||
        (rc = skills_taxonomy_load(&c->skills, err)) != IG_OK) {
        structure_ctx_close(c);
        return rc;
    }
    *out = c;
    return IG_OK;
}

void structure_ctx_close(structure_ctx *c)
{
    if (c == NULL)
        return;
    sections_lexicon_free(c->headings);
    entities_free(c->ents);
    skills_taxonomy_free(c->skills);
    free(c);
}

const skills_taxonomy *structure_ctx_skills(const structure_ctx *c)
{
    return c->skills;
}

/* ---- small text helpers ---- */

static bool is_cjk(uint32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
}

static uint32_t first_cp(ig_str s)
{
    uint32_t c = 0;
    if (s.n == 0 || utf8_decode((const unsigned char *)s.p, s.n, &c) == 0)
        return 0;
    return c;
}

/* Display width: CJK counts double, so thresholds hold for both scripts. */
static size_t width_of(ig_str s)
{
    size_t w = 0;
    for (size_t i = 0; i < s.n;) {
        uint32_t c;
        size_t l = utf8_decode((const unsigned char *)s.p + i, s.n - i, &c);
        if (l == 0) {
            i++;
            w++;
            continue;
        }
        w += is_cjk(c) ? 2 : 1;
        i += l;
    }
    return w;
}

static bool has_cjk(ig_str s)
{
    for (size_t i = 0; i < s.n;) {
        uint32_t c;
        size_t l = utf8_decode((const unsigned char *)s.p + i, s.n - i, &c);
        if (l == 0)
            return false;
        if (is_cjk(c))
            return true;
        i += l;
    }
    return false;
}

static bool is_bullet_cp(uint32_t c)
{
    return c == 0x2022 || c == 0x25E6 || c == 0x25AA || c == 0x25CF || c == 0x25A0 || c == 0x25C6 ||
           c == 0x2023 || c == 0x2043 || c == 0x00B7 || c == 0x2219 || c == 0x27A2 || c == 0x2713 || c == '-' ||
           c == '*' || c == 0xF0B7 || c == 0x25B8 || c == 0x25BA || c == 0x2756;
}

/* Strips a leading bullet glyph; *glyph gets it (0 when none). */
static ig_str strip_bullet(ig_str s, uint32_t *glyph)
{
    uint32_t c;
    size_t l = s.n ? utf8_decode((const unsigned char *)s.p, s.n, &c) : 0;
    *glyph = 0;
    /* OCR reads round bullets as "e", "o" or "©" before a capitalised item */
    if (l > 0 && (c == 'e' || c == 'o' || c == 0xA9 || c == 0xAE || c == 0xAB) && s.n > l + 1 && s.p[l] == ' ' &&
        ((s.p[l + 1] >= 'A' && s.p[l + 1] <= 'Z') || (s.p[l + 1] >= '0' && s.p[l + 1] <= '9'))) {
        *glyph = 0x100000 + c; /* a code point of its own, apart from printed glyphs */
        return str_trim(str_make(s.p + l + 1, s.n - l - 1));
    }
    if (l == 0 || !is_bullet_cp(c))
        return s;
    /* "-" and "*" bullet only when a blank follows ("-5%" is not a bullet) */
    if ((c == '-' || c == '*') && (s.n < 2 || s.p[1] != ' '))
        return s;
    *glyph = c;
    return str_trim(str_make(s.p + l, s.n - l));
}

/* Trims blanks and separator punctuation from both ends. */
static ig_str trim_punct(ig_str s)
{
    static const char *const seps[] = {"\xE2\x80\xA2", "\xC2\xB7", "\xEF\xBC\x8C", "\xE3\x80\x81", "\xEF\xBC\x9A",
                                       "\xE2\x80\x93", "\xE2\x80\x94", "\xEF\xBD\x9C"};
    bool again = true;
    while (again && s.n > 0) {
        again = false;
        s = str_trim(s);
        while (s.n > 0 && strchr(",;:|/-~@#", s.p[s.n - 1]) != NULL && s.p[s.n - 1] != '\0') {
            s.n--;
            again = true;
        }
        while (s.n > 0 && strchr(",;:|/-~@#", s.p[0]) != NULL && s.p[0] != '\0') {
            s.p++, s.n--;
            again = true;
        }
        for (size_t k = 0; k < sizeof seps / sizeof seps[0]; k++) {
            size_t l = strlen(seps[k]);
            if (s.n >= l && memcmp(s.p + s.n - l, seps[k], l) == 0)
                s.n -= l, again = true;
            if (s.n >= l && memcmp(s.p, seps[k], l) == 0)
                s.p += l, s.n -= l, again = true;
        }
    }
    return s;
}

/* A JSON string of s, NFKC aside as printed; JSON null for an empty span. */
static json_t *jstr(ig_str s)
{
    s = trim_punct(s);
    if (s.n == 0)
        return json_null();
    if (s.n > MAX_FIELD) {
        size_t n = MAX_FIELD;
        while (n > 0 && ((unsigned char)s.p[n] & 0xC0) == 0x80)
            n--;
        s.n = n;
    }
    return utf8_json_lossy(s.p, s.n);
}

static bool ieq_prefix(ig_str s, const char *pfx)
{
    size_t n = strlen(pfx);
    if (s.n < n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char a = s.p[i], b = pfx[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a + 32);
        if (a != b)
            return false;
    }
    return true;
}

static const char *mem_find(ig_str s, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0 || s.n < n)
        return NULL;
    return memmem(s.p, s.n, needle, n);
}

/* Splits s at any of the separators into trimmed, non-empty pieces (at most cap). */
static size_t split_at(ig_str s, const char *const *seps, size_t nseps, ig_str *out, size_t cap)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= s.n && n < cap;) {
        size_t l = 0;
        for (size_t k = 0; i < s.n && k < nseps && l == 0; k++) {
            size_t sl = strlen(seps[k]);
            if (i + sl <= s.n && memcmp(s.p + i, seps[k], sl) == 0)
                l = sl;
        }
        if (i < s.n && l == 0) {
            i++;
            continue;
        }
        ig_str p = trim_punct(str_make(s.p + start, i - start));
        if (p.n > 0)
            out[n++] = p;
        if (i == s.n)
            break;
        i += l;
        start = i;
    }
    return n;
}

/* Splits a line into pieces at tabs, " | ", "｜", " • ", " · " (the separators of entry headers). */
static size_t split_pieces(ig_str line, ig_str *out, size_t cap)
{
    static const char *const seps[] = {"\t", " | ", "|", "\xEF\xBD\x9C", " \xE2\x80\xA2 ", " \xC2\xB7 ",
                                       "\xE2\x80\xA2"};
    return split_at(line, seps, sizeof seps / sizeof seps[0], out, cap);
}

/* Splits a piece at commas (ASCII or full-width) into at most cap parts. */
static size_t split_commas(ig_str s, ig_str *out, size_t cap)
{
    static const char *const seps[] = {",", "\xEF\xBC\x8C"};
    return split_at(s, seps, 2, out, cap);
}

/* ---- the document being structured ---- */

typedef struct entry {
    ig_str head[MAX_HEAD]; /* header lines, bullet stripped */
    size_t nhead;
    size_t body_first;     /* body lines [body_first, body_first + nbody) of doc.lines */
    size_t nbody;
    bool has_date;
    dates_range date;
    ig_str date_line;      /* the line date's offsets refer to */
    ig_str date_open_end;  /* an end printed on its own ("Present" on the next line) */
    ig_str place;
} entry;

typedef struct run {
    const structure_ctx *ctx;
    const char *text;
    size_t len;
    sections_doc doc;
    json_t *skills;        /* array being built */
    json_t *skill_index;   /* name -> index into skills */
    ig_str name;           /* the candidate's name, to drop page footers that repeat it */
    int now_year, now_month;
    double conf_skills, conf_exp, conf_edu, conf_proj;
    bool found_skills, found_exp, found_edu, found_proj;
} run;

/* A page number ("1/2", "- 3 -", "Page 2 of 3"). */
static bool page_number(ig_str l)
{
    size_t digits = 0;
    for (size_t i = 0; i < l.n; i++) {
        char c = l.p[i];
        if (c >= '0' && c <= '9')
            digits++;
        else if (c != '/' && c != ' ' && c != '-' && strchr("Pageof", c) == NULL)
            return false;
    }
    return digits > 0 && l.n <= 14;
}

static bool line_is_footer(const run *r, ig_str l)
{
    if (page_number(l))
        return true;
    if (r->name.n < 4 || l.n <= r->name.n)
        return false;
    bool found = false;
    for (size_t i = 0; !found && i + r->name.n <= l.n; i++)
        found = strncasecmp(l.p + i, r->name.p, r->name.n) == 0;
    if (!found)
        return false;
    for (size_t i = 0; i < l.n; i++)
        if (l.p[i] >= '0' && l.p[i] <= '9')
            return true;
    return mem_find(l, "sum") != NULL || mem_find(l, "SUM") != NULL || mem_find(l, "Page") != NULL ||
           mem_find(l, "简历") != NULL;
}

/* A line that carries on the previous body line rather than starting an entry. */
static bool continuation(ig_str l, bool has_date)
{
    if (has_date || memchr(l.p, '\t', l.n) != NULL)
        return false;
    uint32_t c = first_cp(l);
    if ((c >= 'a' && c <= 'z') || (c >= 0x3000 && c <= 0x303F) || (c >= 0xFF01 && c <= 0xFF0F) || c == 0xFF1A ||
        c == 0xFF09 || c == ')' || c == 0x201D || c == 0x2019)
        return true;
    return !has_date && memchr(l.p, '\t', l.n) == NULL && width_of(l) > 50;
}

/* A body line that fills the column and does not end its sentence: the next line carries it on. */
static bool wraps(ig_str l)
{
    static const char *const ends[] = {".", "!", "?", ";", ":", "\xE3\x80\x82", "\xEF\xBC\x81", "\xEF\xBC\x9F",
                                       "\xEF\xBC\x9B", "\xEF\xBC\x9A", ")", "\xEF\xBC\x89"};
    if (width_of(l) < 80)
        return false;
    for (size_t k = 0; k < sizeof ends / sizeof ends[0]; k++) {
        size_t n = strlen(ends[k]);
        if (l.n >= n && memcmp(l.p + l.n - n, ends[k], n) == 0)
            return false;
    }
    return true;
}

/* The line minus its date span: blank when the line is only a date. */
static bool date_only(ig_str l, const dates_range *d)
{
    ig_str before = trim_punct(str_make(l.p, d->off));
    ig_str after = trim_punct(str_make(l.p + d->off + d->len, l.n - d->off - d->len));
    return before.n == 0 && after.n == 0;
}

static bool place_piece(const run *r, ig_str p)
{
    entities_match m;
    if (p.n == 0 || width_of(p) > 40)
        return false;
    for (size_t i = 0; i < p.n; i++)
        if (p.p[i] >= '0' && p.p[i] <= '9')
            return false;
    if (entities_find(r->ctx->ents, ENTITIES_STATE, p.p, p.n, &m) && m.off + m.len == p.n)
        return true;
    if (!entities_find_last(r->ctx->ents, ENTITIES_PLACE, p.p, p.n, &m))
        return false;
    /* the place ends the piece, and the piece is no organisation ("Bank of China") */
    entities_match o;
    if (m.off + m.len != p.n || entities_find(r->ctx->ents, ENTITIES_ORG, p.p, p.n, &o) ||
        entities_find(r->ctx->ents, ENTITIES_SCHOOL, p.p, p.n, &o))
        return false;
    return true;
}

static const char *const present_words[] = {"Present", "present", "PRESENT", "Now", "Current", "Today",
                                            "\xE8\x87\xB3\xE4\xBB\x8A" /* 至今 */,
                                            "\xE7\x8E\xB0\xE5\x9C\xA8" /* 现在 */,
                                            "\xE8\xBF\x9B\xE8\xA1\x8C\xE4\xB8\xAD" /* 进行中 */,
                                            "\xE7\x9B\xAE\xE5\x89\x8D" /* 目前 */};

/* Bytes of a date or "Present" that starts l (and is the line's first date), 0 when none. */
static size_t leading_end(ig_str l, const dates_range *d)
{
    for (size_t k = 0; k < sizeof present_words / sizeof present_words[0]; k++) {
        size_t n = strlen(present_words[k]);
        if (l.n >= n && memcmp(l.p, present_words[k], n) == 0 &&
            (l.n == n || strchr(" \t:,;)", l.p[n]) != NULL || (unsigned char)l.p[n] >= 0x80))
            return n;
    }
    if (d != NULL && d->off == 0 && d->end.year == 0 && !d->end.present && !d->open)
        return d->len;
    return 0;
}

/* A line that is only a place ("Atlanta, GA"): printed apart from its entry. */
static bool place_line(const run *r, ig_str l)
{
    ig_str pieces[2];
    return split_pieces(l, pieces, 2) == 1 && place_piece(r, pieces[0]);
}

/* A long line of prose (an entry's description without bullets). */
static bool prose(ig_str l, bool dated)
{
    if (dated || memchr(l.p, '\t', l.n) != NULL || width_of(l) <= 70)
        return false;
    size_t words = 1;
    for (size_t i = 0; i < l.n; i++)
        words += l.p[i] == ' ';
    return words >= 12 || l.p[l.n - 1] == '.' || (has_cjk(l) && l.p[l.n - 1] != ')');
}

/* Whether the line after line i of the section is an entry's dated header line. */
static bool header_follows(const run *r, const sections_section *sec, size_t i)
{
    if (i + 1 >= sec->count)
        return false;
    uint32_t g;
    ig_str next = strip_bullet(r->doc.lines[sec->first + i + 1], &g);
    dates_range d;
    return g == 0 && (memchr(next.p, '\t', next.n) != NULL || dates_find_range(next.p, next.n, &d));
}

/* Groups a section's lines into entries. */
static size_t segment(run *r, const sections_section *sec, bool education, entry *out, size_t cap)
{
    size_t n = 0;
    uint32_t outer = 0;
    unsigned kinds = 0;
    uint32_t seen[4] = {0};
    for (size_t i = 0; i < sec->count; i++) {
        uint32_t g;
        strip_bullet(r->doc.lines[sec->first + i], &g);
        if (g == 0)
            continue;
        bool known = false;
        for (unsigned k = 0; k < kinds; k++)
            known |= seen[k] == g;
        if (!known && kinds < 4)
            seen[kinds++] = g;
    }
    if (kinds >= 2)
        outer = seen[0];

    entry *cur = NULL;
    for (size_t i = 0; i < sec->count; i++) {
        size_t li = sec->first + i;
        ig_str raw = r->doc.lines[li];
        if (line_is_footer(r, raw))
            continue;
        uint32_t g;
        ig_str l = strip_bullet(raw, &g);
        if (l.n == 0)
            continue;
        dates_range d;
        bool dated = dates_find_range(l.p, l.n, &d);
        entities_match m;
        bool school_bullet = education && g != 0 && width_of(l) < 90 &&
                             entities_find(r->ctx->ents, ENTITIES_SCHOOL, l.p, l.n, &m);
        bool header = g == 0 || (outer != 0 && g == outer) || school_bullet;
        if (!header) {
            if (cur == NULL) {
                if (n == cap)
                    break;
                cur = &out[n++];
                memset(cur, 0, sizeof *cur);
                cur->body_first = li;
            }
            if (cur->nbody == 0)
                cur->body_first = li;
            cur->nbody = li - cur->body_first + 1;
            continue;
        }
        if (cur != NULL && dated && date_only(l, &d)) {
            /* dates printed apart from their entries (a table read column by column) go to the
             * first entry still without one */
            entry *target = NULL;
            for (size_t k = 0; k < n && target == NULL; k++)
                if (!out[k].has_date)
                    target = &out[k];
            if (target != NULL) {
                target->has_date = true;
                target->date = d;
                target->date_line = l;
                continue;
            }
        }
        if (cur != NULL && !dated && place_line(r, l) && cur->nbody == 0) {
            entry *target = NULL;
            for (size_t k = 0; k < n && target == NULL; k++)
                if (out[k].place.n == 0)
                    target = &out[k];
            if (target != NULL) {
                target->place = trim_punct(l);
                continue;
            }
        }
        if (cur != NULL && cur->has_date && cur->date.open && cur->date_open_end.n == 0) {
            /* the end of "June 2020 –" printed at the start of the next line, maybe before prose */
            size_t tok = leading_end(l, dated ? &d : NULL);
            if (tok > 0) {
                cur->date_open_end = trim_punct(str_make(l.p, tok));
                ig_str rest = trim_punct(str_make(l.p + tok, l.n - tok));
                if (rest.n == 0)
                    continue;
                if (cur->nbody == 0)
                    cur->body_first = li;
                cur->nbody = li - cur->body_first + 1;
                continue;
            }
        }
        bool start = cur == NULL;
        if (!start && cur->nbody > 0 && !continuation(l, dated) && !dated && memchr(l.p, '\t', l.n) == NULL &&
            i > 0 && wraps(r->doc.lines[li - 1]) &&
            /* Chinese wraps mid-word, so a full line always goes on; an English line that ends a
             * bullet without a stop may be followed by the next entry's name */
            (has_cjk(r->doc.lines[li - 1]) || !header_follows(r, sec, i))) {
            /* the rest of a full line that did not end its sentence */
            cur->nbody = li - cur->body_first + 1;
            continue;
        }
        if (!start && cur->nbody > 0 && !continuation(l, dated)) {
            /* a short line after bullets starts an entry when a header line follows it, not a
             * bullet: "Boot" wrapped from "Spring" stays in its bullet */
            uint32_t ng = 0;
            if (i + 1 < sec->count)
                strip_bullet(r->doc.lines[li + 1], &ng);
            bool last = i + 1 == sec->count;
            start = dated || memchr(l.p, '\t', l.n) != NULL || (!last && (ng == 0 || (outer != 0 && ng == outer)));
        } else if (!start && cur->nbody > 0 && i + 1 < sec->count && l.p[l.n - 1] != ',') {
            /* a long organisation name before a short title line reads like a wrapped line */
            uint32_t ng = 0;
            ig_str next = strip_bullet(r->doc.lines[li + 1], &ng);
            entities_match om;
            start = ng == 0 && width_of(next) < 50 && first_cp(l) >= 'A' && first_cp(l) <= 'Z' &&
                    (entities_find(r->ctx->ents, ENTITIES_ORG, l.p, l.n, &om) ||
                     entities_find(r->ctx->ents, ENTITIES_SCHOOL, l.p, l.n, &om)) &&
                    width_of(l) < 90;
        }
        if (!start && cur->nbody == 0 && cur->nhead > 0 && prose(l, dated)) {
            cur->body_first = li;
            cur->nbody = 1;
            continue;
        }
        if (!start && dated && cur->has_date && !date_only(l, &d))
            start = true;
        if (!start && (school_bullet || (outer != 0 && g == outer)) && cur->nhead > 0)
            start = true;
        if (!start && cur->nbody > 0) {
            /* a wrapped body line */
            cur->nbody = li - cur->body_first + 1;
            continue;
        }
        if (start) {
            if (n == cap)
                break;
            cur = &out[n++];
            memset(cur, 0, sizeof *cur);
        }
        if (cur->nhead < MAX_HEAD)
            cur->head[cur->nhead++] = l;
        if (dated && !cur->has_date) {
            cur->has_date = true;
            cur->date = d;
            cur->date_line = l;
        }
    }
    return n;
}

/* The header pieces of an entry as printed, with the date cut out. */
static size_t entry_pieces_raw(const entry *e, ig_str *out, size_t cap)
{
    size_t n = 0;
    for (size_t h = 0; h < e->nhead && n < cap; h++) {
        ig_str line = e->head[h];
        if (e->has_date && line.p == e->date_line.p) {
            /* cut the date out, keeping both sides as separate pieces */
            ig_str before = str_make(line.p, e->date.off);
            ig_str after = str_make(line.p + e->date.off + e->date.len, line.n - e->date.off - e->date.len);
            n += split_pieces(before, out + n, cap - n);
            if (n < cap)
                n += split_pieces(after, out + n, cap - n);
            continue;
        }
        n += split_pieces(line, out + n, cap - n);
    }
    return n;
}

static bool is_title(const run *r, ig_str p);

/* "Full Stack Java Developer, ABC Company, Inc., Anywhere, USA": a header written as one
 * comma-separated run is cut at its commas, keeping "Inc."/"Ltd." with the name before them. */
static size_t split_runs(const run *r, ig_str *v, size_t n, size_t cap)
{
    ig_str out[MAX_PIECES];
    size_t k = 0;
    for (size_t i = 0; i < n && k < MAX_PIECES; i++) {
        ig_str parts[MAX_PIECES];
        size_t np = split_commas(v[i], parts, MAX_PIECES);
        /* "Software Engineer, Amazon Web Services", "京东集团，后端开发工程师": one comma parts a title
         * from its organisation; "School Ambassador, Software Engineer" are two titles */
        bool cut = np >= 3 && !has_cjk(v[i]);
        if (np == 2 || (np >= 3 && has_cjk(v[i])))
            cut = is_title(r, parts[0]) != is_title(r, parts[1]);
        if (!cut) {
            out[k++] = v[i];
            continue;
        }
        for (size_t j = 0; j < np && k < MAX_PIECES; j++) {
            size_t sl;
            bool suffix = k > 0 && j > 0 && width_of(parts[j]) <= 6 &&
                          entities_prefix(r->ctx->ents, ENTITIES_ORG, parts[j].p, parts[j].n, &sl) &&
                          sl + 1 >= parts[j].n;
            if (suffix)
                out[k - 1] = str_make(out[k - 1].p, (size_t)(parts[j].p + parts[j].n - out[k - 1].p));
            else
                out[k++] = parts[j];
        }
    }
    if (k > cap)
        k = cap;
    memcpy(v, out, k * sizeof *v);
    return k;
}

/* The header pieces of an entry, the date cut out and comma runs cut up. */
static size_t entry_pieces(const run *r, const entry *e, ig_str *out, size_t cap)
{
    return split_runs(r, out, entry_pieces_raw(e, out, cap), cap);
}

static void set_dates(json_t *o, const entry *e, bool single_is_end)
{
    char buf[8];
    json_t *start = json_null(), *end = json_null(), *start_raw = json_null(), *end_raw = json_null();
    if (e->has_date) {
        const dates_range *d = &e->date;
        bool single = d->end.year == 0 && !d->end.present;
        ig_str sraw = str_make(e->date_line.p + d->start_off, d->start_len);
        ig_str eraw = str_make(e->date_line.p + d->end_off, d->end_len);
        dates_point sp = d->start, ep = d->end;
        if (single && e->date_open_end.n > 0) {
            dates_point p = {0, 0, false};
            if (!dates_parse(e->date_open_end.p, e->date_open_end.n, &p))
                p.present = true;
            ep = p;
            eraw = e->date_open_end;
            single = false;
        }
        if (single && single_is_end && !d->open) {
            ep = sp;
            eraw = sraw;
            sp = (dates_point){0, 0, false};
            sraw = STR_NULL;
        } else if (single && !d->open) {
            /* "Summer 2022": one period, both ends */
            ep = sp;
            eraw = sraw;
        }
        dates_format(&sp, buf);
        if (buf[0]) {
            json_decref(start);
            start = json_string(buf);
            json_decref(start_raw);
            start_raw = jstr(sraw);
        }
        dates_format(&ep, buf);
        if (buf[0]) {
            json_decref(end);
            end = json_string(buf);
            json_decref(end_raw);
            end_raw = jstr(eraw);
        }
    }
    json_object_set_new(o, "start", start);
    json_object_set_new(o, "end", end);
    json_object_set_new(o, "start_raw", start_raw);
    json_object_set_new(o, "end_raw", end_raw);
}

static int entry_months(const run *r, const entry *e)
{
    if (!e->has_date)
        return -1;
    dates_point end = e->date.end;
    if (e->date_open_end.n > 0 && !dates_parse(e->date_open_end.p, e->date_open_end.n, &end))
        end = (dates_point){0, 0, true};
    if (end.year == 0 && !end.present)
        end = e->date.start;
    return dates_months_between(&e->date.start, &end, r->now_year, r->now_month);
}

/* ---- skills ---- */

typedef struct skill_add {
    run *r;
    const char *source;
} skill_add;

static void add_skill(run *r, const char *name, const char *category, ig_str raw, const char *source)
{
    json_t *idx = json_object_get(r->skill_index, name);
    json_t *s;
    if (idx != NULL) {
        s = json_array_get(r->skills, (size_t)json_integer_value(idx));
        json_object_set_new(s, "count", json_integer(json_integer_value(json_object_get(s, "count")) + 1));
    } else {
        if (json_array_size(r->skills) >= MAX_ITEMS)
            return;
        s = json_pack("{s:s, s:s, s:[], s:i, s:o}", "name", name, "category", category, "sources", "count", 1, "raw",
                      jstr(raw));
        if (s == NULL)
            return;
        json_object_set_new(r->skill_index, name, json_integer((json_int_t)json_array_size(r->skills)));
        json_array_append_new(r->skills, s);
    }
    json_t *sources = json_object_get(s, "sources");
    for (size_t i = 0; i < json_array_size(sources); i++)
        if (strcmp(json_string_value(json_array_get(sources, i)), source) == 0)
            return;
    json_array_append_new(sources, json_string(source));
}

static void on_scan(const skills_entry *e, size_t off, size_t len, void *arg)
{
    (void)off;
    (void)len;
    skill_add *a = arg;
    add_skill(a->r, e->name, e->category, STR_NULL, a->source);
}

/* One item of a skills list: canonical when the taxonomy knows it, else kept as printed when it
 * reads like a skill name rather than prose. */
static void on_item(const skills_entry *e, const char *item, size_t len, void *arg)
{
    skill_add *a = arg;
    run *r = a->r;
    ig_str s = trim_punct(str_make(item, len));
    size_t vl;
    if (entities_prefix(r->ctx->ents, ENTITIES_SKILLVERB, s.p, s.n, &vl)) {
        s = trim_punct(str_make(s.p + vl, s.n - vl));
        e = skills_lookup(r->ctx->skills, s.p, s.n);
    }
    if (s.n == 0)
        return;
    if (e != NULL) {
        add_skill(r, e->name, e->category, s, "skills");
        return;
    }
    entities_match m;
    if (entities_find(r->ctx->ents, ENTITIES_SPOKEN, s.p, s.n, &m))
        return; /* a spoken language, not a skill */
    size_t words = 1;
    for (size_t i = 0; i < s.n; i++)
        words += s.p[i] == ' ';
    if (width_of(s) > 40 || words > 5 || s.p[s.n - 1] == '.')
        return;
    char name[MAX_FIELD + 1];
    size_t n = s.n < MAX_FIELD ? s.n : MAX_FIELD;
    memcpy(name, s.p, n);
    name[n] = '\0';
    json_t *check = utf8_json_lossy(name, n);
    if (check != NULL) {
        add_skill(r, json_string_value(check), "other", s, "skills");
        json_decref(check);
    }
}

static void scan_lines(run *r, size_t first, size_t count, const char *source)
{
    skill_add a = {r, source};
    for (size_t i = first; i < first + count; i++)
        skills_scan(r->ctx->skills, r->doc.lines[i].p, r->doc.lines[i].n, on_scan, &a);
}

static void skills_section(run *r, const sections_section *sec)
{
    skill_add a = {r, "skills"};
    for (size_t i = sec->first; i < sec->first + sec->count; i++) {
        uint32_t g;
        ig_str l = strip_bullet(r->doc.lines[i], &g);
        /* icon-font glyphs print as one stray letter before each item ("n 过程验证") */
        if (l.n > 2 && l.p[1] == ' ' && (unsigned char)l.p[0] < 0x80 && !(l.p[0] >= 'A' && l.p[0] <= 'Z'))
            l = str_make(l.p + 2, l.n - 2);
        skills_split_line(r->ctx->skills, l.p, l.n, on_item, &a);
    }
    r->found_skills = true;
}

/* The canonical skills named in one entry, in order of first mention. */
static json_t *skill_names(run *r, const entry *e)
{
    json_t *out = json_array();
    run sub = *r;
    sub.skills = json_array();
    sub.skill_index = json_object();
    skill_add sa = {&sub, "entry"};
    for (size_t h = 0; h < e->nhead; h++)
        skills_scan(r->ctx->skills, e->head[h].p, e->head[h].n, on_scan, &sa);
    for (size_t i = e->body_first; i < e->body_first + e->nbody; i++)
        skills_scan(r->ctx->skills, r->doc.lines[i].p, r->doc.lines[i].n, on_scan, &sa);
    for (size_t i = 0; i < json_array_size(sub.skills); i++)
        json_array_append(out, json_object_get(json_array_get(sub.skills, i), "name"));
    json_decref(sub.skills);
    json_decref(sub.skill_index);
    return out;
}

static json_t *bullets_of(const run *r, const entry *e, size_t cap_bytes)
{
    json_t *a = json_array();
    size_t used = 0;
    json_t *cur = NULL;
    for (size_t i = e->body_first; i < e->body_first + e->nbody && used < cap_bytes; i++) {
        uint32_t g;
        ig_str l = strip_bullet(r->doc.lines[i], &g);
        if (l.n == 0)
            continue;
        used += l.n;
        if (g == 0 && cur != NULL) {
            /* a wrapped line joins its bullet */
            const char *prev = json_string_value(cur);
            size_t pl = strlen(prev);
            char *joined = malloc(pl + l.n + 2);
            if (joined == NULL)
                continue;
            memcpy(joined, prev, pl);
            size_t k = pl;
            if (!has_cjk(l))
                joined[k++] = ' ';
            memcpy(joined + k, l.p, l.n);
            json_t *nj = utf8_json_lossy(joined, k + l.n);
            free(joined);
            if (nj != NULL) {
                json_array_set_new(a, json_array_size(a) - 1, nj);
                cur = nj;
            }
            continue;
        }
        cur = jstr(l);
        if (json_is_string(cur))
            json_array_append_new(a, cur);
        else {
            json_decref(cur);
            cur = NULL;
        }
    }
    return a;
}

/* ---- experience ---- */

/* Cuts "经理: 高富帅" (a labelled attribute) off a piece. */
static ig_str drop_attribute(ig_str p)
{
    const char *colon = memchr(p.p, ':', p.n);
    const char *fw = mem_find(p, "\xEF\xBC\x9A");
    if (colon == NULL || (fw != NULL && fw < colon))
        colon = fw;
    if (colon == NULL)
        return p;
    for (const char *q = colon; q > p.p; q--)
        if (q[-1] == ' ')
            return trim_punct(str_make(p.p, (size_t)(q - 1 - p.p)));
    return STR_NULL;
}

/* Splits "Taipei Beitou Hospital Taipei, Taiwan" into the organisation and its place. */
static ig_str cut_place_suffix(const run *r, ig_str p, ig_str *place)
{
    entities_match m;
    const char *comma = NULL;
    for (size_t i = p.n; i > 0; i--)
        if (p.p[i - 1] == ',') {
            comma = p.p + i - 1;
            break;
        }
    if (comma != NULL) {
        ig_str tail = trim_punct(str_make(comma + 1, (size_t)(p.p + p.n - comma - 1)));
        ig_str whole_tail = str_make(comma, (size_t)(p.p + p.n - comma));
        if (place_piece(r, tail) || place_piece(r, whole_tail)) {
            /* the city is a known place ending at the comma ("San Francisco, CA"), else the
             * word before it */
            const char *sp = comma;
            ig_str before = str_make(p.p, (size_t)(comma - p.p));
            if (entities_find_last(r->ctx->ents, ENTITIES_PLACE, before.p, before.n, &m) && m.off + m.len == before.n)
                sp = p.p + m.off;
            else
                while (sp > p.p && sp[-1] != ' ')
                    sp--;
            if (sp == p.p) {
                *place = p;
                return STR_NULL;
            }
            *place = trim_punct(str_make(sp, (size_t)(p.p + p.n - sp)));
            return trim_punct(str_make(p.p, (size_t)(sp - p.p)));
        }
    }
    if (has_cjk(p) && entities_find_last(r->ctx->ents, ENTITIES_PLACE, p.p, p.n, &m) && m.off > 0 &&
        m.off + m.len == p.n) {
        ig_str head = str_make(p.p, m.off);
        entities_match o;
        if (entities_find(r->ctx->ents, ENTITIES_ORG, head.p, head.n, &o) ||
            entities_find(r->ctx->ents, ENTITIES_SCHOOL, head.p, head.n, &o)) {
            *place = str_make(p.p + m.off, m.len);
            return trim_punct(head);
        }
    }
    return p;
}

static bool is_title(const run *r, ig_str p)
{
    entities_match m;
    return width_of(p) <= 90 && entities_find(r->ctx->ents, ENTITIES_TITLE, p.p, p.n, &m);
}

static bool is_org(const run *r, ig_str p)
{
    entities_match m;
    return entities_find(r->ctx->ents, ENTITIES_ORG, p.p, p.n, &m) ||
           entities_find(r->ctx->ents, ENTITIES_SCHOOL, p.p, p.n, &m);
}

typedef struct job {
    ig_str company, title, place;
    double certainty; /* 0..1: date, company and title found by their own cues */
} job;

/* Company, title and place from the header pieces; certainty says how well the cues agreed. */
static void read_job_pieces(const run *r, const entry *e, ig_str *pieces, size_t n, job *j)
{
    memset(j, 0, sizeof *j);
    j->place = e->place;
    bool used[MAX_PIECES] = {false};
    for (size_t i = 0; i < n; i++) {
        pieces[i] = drop_attribute(pieces[i]);
        if (pieces[i].n == 0) {
            used[i] = true;
            continue;
        }
        if (!place_piece(r, pieces[i]))
            continue;
        /* "LionLike MindState, Pomona, CA" is an organisation and its place */
        ig_str place = STR_NULL, rest = cut_place_suffix(r, pieces[i], &place);
        if (place.n > 0 && rest.n > 0 && !place_piece(r, rest)) {
            pieces[i] = rest;
            if (j->place.n == 0)
                j->place = place;
            continue;
        }
        if (j->place.n == 0)
            j->place = pieces[i];
        used[i] = true;
    }
    size_t org = n, title = n;
    for (size_t i = 0; i < n && org == n; i++)
        if (!used[i] && is_org(r, pieces[i]) && !is_title(r, pieces[i]))
            org = i;
    for (size_t i = 0; i < n && title == n; i++)
        if (!used[i] && i != org && is_title(r, pieces[i]))
            title = i;
    /* one piece holding both: "Software Engineer E.SUN BANK Taipei, Taiwan" */
    if (org == n && title < n) {
        entities_match m;
        ig_str p = pieces[title];
        bool other = false;
        for (size_t i = 0; i < n; i++)
            other |= !used[i] && i != title;
        if (!other && entities_find_last(r->ctx->ents, ENTITIES_TITLE, p.p, p.n, &m) && m.off + m.len < p.n &&
            p.p[m.off + m.len] == ' ') {
            ig_str rest = trim_punct(str_make(p.p + m.off + m.len, p.n - m.off - m.len));
            ig_str place = STR_NULL;
            rest = cut_place_suffix(r, rest, &place);
            if (rest.n > 0) {
                j->title = trim_punct(str_make(p.p, m.off + m.len));
                j->company = rest;
                if (place.n > 0 && j->place.n == 0)
                    j->place = place;
                j->certainty = (e->has_date ? 0.4 : 0) + 0.25 + 0.2;
                return;
            }
        }
    }
    for (size_t i = 0; i < n && org == n; i++)
        if (!used[i] && i != title)
            org = i;
    for (size_t i = 0; i < n && title == n; i++)
        if (!used[i] && i != org)
            title = i;
    if (org < n) {
        ig_str place = STR_NULL;
        j->company = cut_place_suffix(r, pieces[org], &place);
        if (place.n > 0 && j->place.n == 0)
            j->place = place;
    }
    if (title < n)
        j->title = pieces[title];
    double org_cue = org < n ? (is_org(r, pieces[org]) ? 0.3 : is_title(r, pieces[org]) ? 0.05 : 0.2) : 0;
    j->certainty = (e->has_date ? 0.4 : 0) + org_cue + (title < n ? (is_title(r, pieces[title]) ? 0.3 : 0.15) : 0);
}

/* Two readings of the header compete: its pieces as printed, and with comma runs cut up
 * ("Software Engineer, Amazon Web Services"); the one whose cues agree better wins. */
static void read_job(const run *r, const entry *e, job *j)
{
    ig_str raw[MAX_PIECES], cut[MAX_PIECES];
    size_t nraw = entry_pieces_raw(e, raw, MAX_PIECES);
    memcpy(cut, raw, nraw * sizeof *raw);
    size_t ncut = split_runs(r, cut, nraw, MAX_PIECES);
    job a, b;
    read_job_pieces(r, e, cut, ncut, &a);
    read_job_pieces(r, e, raw, nraw, &b);
    *j = b.certainty > a.certainty ? b : a;
}

/* Does the entry read like a job (in a section that mixes jobs and projects)? */
static bool job_like(const run *r, const entry *e)
{
    ig_str pieces[MAX_PIECES];
    size_t n = entry_pieces(r, e, pieces, MAX_PIECES);
    entities_match m;
    for (size_t i = 0; i < n; i++)
        if (mem_find(pieces[i], "\xE9\xA1\xB9\xE7\x9B\xAE") != NULL /* 项目 */ ||
            mem_find(pieces[i], "Project") != NULL || mem_find(pieces[i], "project") != NULL)
            return false;
    for (size_t i = 0; i < n; i++) {
        ig_str p = drop_attribute(pieces[i]);
        if (entities_find(r->ctx->ents, ENTITIES_ORG, p.p, p.n, &m) ||
            (width_of(p) < 30 && entities_find(r->ctx->ents, ENTITIES_TITLE, p.p, p.n, &m)))
            return true;
    }
    return false;
}

static void add_job(run *r, const entry *e, json_t *experience, double *conf_sum)
{
    job j;
    read_job(r, e, &j);
    if (j.company.n == 0 && j.title.n == 0)
        return;
    json_t *o = json_pack("{s:o, s:o, s:o}", "company", jstr(j.company), "title", jstr(j.title), "location",
                          jstr(j.place));
    if (o == NULL)
        return;
    set_dates(o, e, false);
    int months = entry_months(r, e);
    json_object_set_new(o, "duration_months", months >= 0 ? json_integer(months) : json_null());
    json_object_set_new(o, "bullets", bullets_of(r, e, MAX_DESC));
    json_object_set_new(o, "skills", skill_names(r, e));
    json_array_append_new(experience, o);
    *conf_sum += j.certainty;
}

/* ---- education ---- */

static ig_str drop_tag(const run *r, ig_str p)
{
    /* "华中农业大学（211 双一流）": a bracketed tag without a school word is dropped */
    const char *open = mem_find(p, "\xEF\xBC\x88");
    size_t ol = 3;
    if (open == NULL) {
        open = memchr(p.p, '(', p.n);
        ol = 1;
    }
    if (open == NULL || open == p.p)
        return p;
    ig_str inside = str_make(open + ol, (size_t)(p.p + p.n - open - ol));
    entities_match m;
    if (entities_find(r->ctx->ents, ENTITIES_SCHOOL, inside.p, inside.n, &m))
        return p;
    return trim_punct(str_make(p.p, (size_t)(open - p.p)));
}

/* Every word starts with a capital (short joining words aside): "UC San Diego", not "Specialization in AI". */
static bool capitalised(ig_str p)
{
    bool start = true;
    for (size_t i = 0; i < p.n; i++) {
        char c = p.p[i];
        if (c == ' ') {
            start = true;
            continue;
        }
        if (start && c >= 'a' && c <= 'z') {
            size_t w = 0;
            while (i + w < p.n && p.p[i + w] != ' ')
                w++;
            bool joiner = (w == 2 && (memcmp(p.p + i, "of", 2) == 0 || memcmp(p.p + i, "at", 2) == 0)) ||
                          (w == 3 && (memcmp(p.p + i, "and", 3) == 0 || memcmp(p.p + i, "the", 3) == 0)) ||
                          (w == 2 && memcmp(p.p + i, "de", 2) == 0);
            if (!joiner)
                return false;
        }
        start = false;
    }
    return true;
}

static ig_str find_gpa(ig_str l)
{
    for (size_t i = 0; i + 3 <= l.n; i++) {
        if (!ieq_prefix(str_make(l.p + i, l.n - i), "gpa"))
            continue;
        /* "GPA: 3.72/4.0" or "3.8 GPA" */
        size_t k = i + 3;
        while (k < l.n && (l.p[k] == ' ' || l.p[k] == ':' || l.p[k] == '\t'))
            k++;
        if (k + 3 <= l.n && memcmp(l.p + k, "\xEF\xBC\x9A", 3) == 0)
            k += 3;
        size_t s = k;
        while (k < l.n && ((l.p[k] >= '0' && l.p[k] <= '9') || l.p[k] == '.' || l.p[k] == '/'))
            k++;
        if (k > s)
            return str_make(l.p + s, k - s);
        size_t e = i;
        while (e > 0 && l.p[e - 1] == ' ')
            e--;
        size_t b = e;
        while (b > 0 && ((l.p[b - 1] >= '0' && l.p[b - 1] <= '9') || l.p[b - 1] == '.' || l.p[b - 1] == '/'))
            b--;
        if (b < e)
            return str_make(l.p + b, e - b);
    }
    return STR_NULL;
}

/* The field after a degree: "Bachelor of Science in Computer Science - 3.8 GPA". */
static ig_str major_after(ig_str rest)
{
    rest = trim_punct(rest);
    if (ieq_prefix(rest, "in "))
        rest = str_make(rest.p + 3, rest.n - 3);
    else if (ieq_prefix(rest, "of "))
        rest = str_make(rest.p + 3, rest.n - 3);
    static const char *const stops[] = {";", " - ", " \xE2\x80\x93 ", ",", "(", "GPA", "gpa", "\xEF\xBC\x9B"};
    for (size_t k = 0; k < sizeof stops / sizeof stops[0]; k++) {
        const char *q = mem_find(rest, stops[k]);
        if (q != NULL)
            rest.n = (size_t)(q - rest.p);
    }
    rest = trim_punct(rest);
    /* "人工智能专业" -> "人工智能" */
    if (rest.n > 6 && memcmp(rest.p + rest.n - 6, "\xE4\xB8\x93\xE4\xB8\x9A", 6) == 0)
        rest.n -= 6;
    return trim_punct(rest);
}

/* Chinese degree lines: "在读硕士研究生 信息与通信工程": the longest token without degree words. */
static ig_str cjk_major(const run *r, ig_str p, const entities_match *deg)
{
    ig_str best = STR_NULL;
    size_t start = 0;
    for (size_t i = 0; i <= p.n; i++) {
        if (i < p.n && p.p[i] != ' ')
            continue;
        ig_str t = trim_punct(str_make(p.p + start, i - start));
        entities_match m;
        bool degree_word = start <= deg->off && deg->off < i;
        if (t.n > best.n && !degree_word && !entities_find(r->ctx->ents, ENTITIES_DEGREE, t.p, t.n, &m) &&
            has_cjk(t) && mem_find(t, "\xE6\xAF\x95\xE4\xB8\x9A") == NULL /* 毕业 */)
            best = t;
        start = i + 1;
    }
    return major_after(best);
}

static void add_school(run *r, const entry *e, json_t *education, double *conf_sum)
{
    ig_str raw[MAX_PIECES], pieces[MAX_PIECES * 2];
    size_t nraw = entry_pieces(r, e, raw, MAX_PIECES), n = 0;
    for (size_t i = 0; i < nraw && n < MAX_PIECES * 2; i++) {
        entities_match m;
        /* "University of La Verne, La Verne, CA": commas part school and place; a degree piece keeps
         * its comma ("Bachelor of Arts, Business Administration") */
        (void)m;
        n += split_commas(raw[i], pieces + n, MAX_PIECES * 2 - n);
    }
    ig_str school = STR_NULL, degree = STR_NULL, major = STR_NULL, gpa = STR_NULL, leftover = STR_NULL,
           end_word = STR_NULL;
    const char *level = NULL;
    bool school_cue = false;
    for (size_t i = 0; i < n; i++) {
        ig_str p = pieces[i];
        entities_match m;
        if (gpa.n == 0 && (gpa = find_gpa(p)).n > 0 && width_of(p) < 24)
            continue;
        if (school.n == 0 && entities_find(r->ctx->ents, ENTITIES_SCHOOL, p.p, p.n, &m) &&
            !entities_find(r->ctx->ents, ENTITIES_DEGREE, p.p, p.n, &m)) {
            ig_str place = STR_NULL, rest = cut_place_suffix(r, p, &place);
            school = drop_tag(r, rest.n > 0 ? rest : p);
            school_cue = true;
            continue;
        }
        if (degree.n == 0 && entities_find(r->ctx->ents, ENTITIES_DEGREE, p.p, p.n, &m)) {
            degree = str_make(p.p + m.off, m.len);
            level = m.level;
            ig_str rest = str_make(p.p + m.off + m.len, p.n - m.off - m.len);
            if (major.n == 0)
                major = has_cjk(p) ? cjk_major(r, p, &m) : major_after(rest);
            /* "Bachelor of Arts, Business Administration": the major follows the comma */
            if (major.n == 0 && i + 1 < n && !place_piece(r, pieces[i + 1]) &&
                !entities_find(r->ctx->ents, ENTITIES_SCHOOL, pieces[i + 1].p, pieces[i + 1].n, &m))
                major = major_after(pieces[++i]);
            continue;
        }
        if (place_piece(r, p))
            continue;
        if (major.n == 0 && p.n > 6 && memcmp(p.p + p.n - 6, "\xE4\xB8\x93\xE4\xB8\x9A", 6) == 0) {
            major = major_after(p);
            continue;
        }
        /* "进行中: 化学工程师": an ongoing degree printed without a date */
        size_t tok = !e->has_date && end_word.n == 0 ? leading_end(p, NULL) : 0;
        if (tok > 0) {
            end_word = str_make(p.p, tok);
            p = trim_punct(str_make(p.p + tok, p.n - tok));
            if (p.n == 0)
                continue;
        }
        /* a school without a school word ("UC San Diego", "MIT") is capitalised throughout */
        if (school.n == 0 && capitalised(p))
            school = drop_tag(r, p);
        else if (leftover.n == 0)
            leftover = p;
    }
    bool degree_cue = degree.n > 0;
    if (degree.n == 0 && leftover.n > 0 && width_of(leftover) < 40 && school.n > 0) {
        degree = leftover;
        level = "other";
    } else if (major.n == 0 && leftover.n > 0 && width_of(leftover) < 60) {
        major = major_after(leftover);
    }
    if (school.n == 0 && leftover.n > 0 && degree.n > 0) {
        school = drop_tag(r, leftover);
        leftover = STR_NULL;
    }
    /* a line of prose or a course list is no school */
    if ((school.n == 0 && degree.n == 0) || (!degree_cue && !e->has_date && !school_cue) ||
        (!degree_cue && width_of(school) > 60))
        return;
    json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o}", "school", jstr(school), "degree",
                          level != NULL ? json_string(level) : json_null(), "degree_raw", jstr(degree), "major",
                          jstr(major), "gpa", jstr(gpa));
    if (o == NULL)
        return;
    set_dates(o, e, true);
    if (end_word.n > 0) {
        json_object_set_new(o, "end", json_string("present"));
        json_object_set_new(o, "end_raw", jstr(end_word));
    }
    json_array_append_new(education, o);
    *conf_sum += (e->has_date ? 0.3 : 0) + (school.n > 0 ? (school_cue ? 0.4 : 0.25) : 0) + (degree.n > 0 ? 0.3 : 0);
}

/* ---- projects ---- */

static void add_project(run *r, const entry *e, json_t *projects, json_t *doc_links, double *conf_sum)
{
    ig_str pieces[MAX_PIECES];
    size_t n = entry_pieces(r, e, pieces, MAX_PIECES);
    ig_str name = STR_NULL, role = STR_NULL;
    size_t vl;
    for (size_t i = 0; i < n; i++) {
        ig_str p = pieces[i];
        entities_match m;
        if (name.n == 0) {
            /* "Personal Project: X", "项目名称：X" */
            const char *colon = memchr(p.p, ':', p.n);
            if (colon == NULL)
                colon = mem_find(p, "\xEF\xBC\x9A");
            if (colon != NULL && width_of(str_make(p.p, (size_t)(colon - p.p))) < 24 &&
                (mem_find(p, "roject") != NULL || mem_find(p, "\xE9\xA1\xB9\xE7\x9B\xAE") != NULL))
                p = trim_punct(str_make(colon + 1, (size_t)(p.p + p.n - colon - 1)));
            /* "Project Name, 工作职位": a role after a comma */
            ig_str parts[2];
            if (split_commas(p, parts, 2) == 2 && entities_find(r->ctx->ents, ENTITIES_ROLE, parts[1].p, parts[1].n, &m)) {
                role = parts[1];
                p = parts[0];
            }
            name = p;
            continue;
        }
        if (role.n == 0 && width_of(p) < 40 &&
            (entities_find(r->ctx->ents, ENTITIES_ROLE, p.p, p.n, &m) || is_title(r, p)) &&
            !entities_prefix(r->ctx->ents, ENTITIES_SKILLVERB, p.p, p.n, &vl))
            role = p;
    }
    /* "• QuantSoftware Toolkit: Open source Python library ...": name before the colon */
    ig_str desc_first = STR_NULL;
    if (name.n == 0 && e->nbody > 0) {
        uint32_t g;
        ig_str l = strip_bullet(r->doc.lines[e->body_first], &g);
        const char *colon = memchr(l.p, ':', l.n);
        if (colon != NULL && width_of(str_make(l.p, (size_t)(colon - l.p))) < 60) {
            name = trim_punct(str_make(l.p, (size_t)(colon - l.p)));
            desc_first = trim_punct(str_make(colon + 1, (size_t)(l.p + l.n - colon - 1)));
        }
    }
    if (name.n == 0)
        return;
    json_t *o = json_pack("{s:o, s:o}", "name", jstr(name), "role", jstr(role));
    if (o == NULL)
        return;
    set_dates(o, e, false);
    json_object_set_new(o, "tech_stack", skill_names(r, e));
    json_t *bullets = bullets_of(r, e, MAX_DESC);
    size_t total = desc_first.n;
    for (size_t i = 0; i < json_array_size(bullets); i++)
        total += json_string_length(json_array_get(bullets, i)) + 1;
    char *desc = malloc(total + 1);
    size_t k = 0;
    if (desc != NULL) {
        if (desc_first.n > 0) {
            memcpy(desc, desc_first.p, desc_first.n);
            k = desc_first.n;
        }
        for (size_t i = desc_first.n > 0 ? 1 : 0; i < json_array_size(bullets); i++) {
            const char *b = json_string_value(json_array_get(bullets, i));
            size_t bl = strlen(b);
            if (k > 0)
                desc[k++] = '\n';
            memcpy(desc + k, b, bl);
            k += bl;
        }
    }
    json_object_set_new(o, "description", desc != NULL && k > 0 ? jstr(str_make(desc, k)) : json_null());
    free(desc);
    json_decref(bullets);
    /* the project's link: a printed URL in its lines that the document also links */
    json_t *url = json_null();
    for (size_t h = 0; h < e->nhead + e->nbody && json_is_null(url); h++) {
        ig_str l = h < e->nhead ? e->head[h] : r->doc.lines[e->body_first + h - e->nhead];
        for (size_t i = 0; i < json_array_size(doc_links); i++) {
            const char *u = json_string_value(json_array_get(doc_links, i));
            const char *host = strstr(u, "://");
            host = host != NULL ? host + 3 : u;
            size_t hl = strlen(host);
            while (hl > 0 && host[hl - 1] == '/')
                hl--;
            if (hl > 4 && memmem(l.p, l.n, host, hl) != NULL && strncmp(host, "www.linkedin", 12) != 0) {
                json_decref(url);
                url = json_string(u);
                break;
            }
        }
    }
    json_object_set_new(o, "url", url);
    json_array_append_new(projects, o);
    *conf_sum += 0.5 + (e->has_date ? 0.25 : 0) + (role.n > 0 || e->nbody > 0 ? 0.25 : 0);
}

/* ---- simple lists ---- */

static void list_section(const run *r, const sections_section *sec, json_t *list)
{
    for (size_t i = sec->first; i < sec->first + sec->count && json_array_size(list) < MAX_ITEMS; i++) {
        uint32_t g;
        ig_str l = strip_bullet(r->doc.lines[i], &g);
        if (l.n > 2 && l.p[1] == ' ' && (unsigned char)l.p[0] < 0x80 && !(l.p[0] >= 'A' && l.p[0] <= 'Z'))
            l = str_make(l.p + 2, l.n - 2);
        else if (l.n > 3 && (unsigned char)l.p[0] >= 0xC2 && (unsigned char)l.p[0] < 0xE0 && l.p[2] == ' ')
            l = str_make(l.p + 3, l.n - 3); /* an icon glyph printed as a Latin letter ("Þ 读图") */
        json_t *s = jstr(l);
        if (json_is_string(s))
            json_array_append_new(list, s);
        else
            json_decref(s);
    }
}

/* "Languages" may head spoken languages or, inside a skills table, programming languages: a line
 * naming a spoken language is a language, any other line a row of skills. */
static void languages_section(run *r, const sections_section *sec, json_t *list)
{
    skill_add a = {r, "skills"};
    for (size_t i = sec->first; i < sec->first + sec->count; i++) {
        uint32_t g;
        ig_str l = strip_bullet(r->doc.lines[i], &g);
        entities_match m;
        if (entities_find(r->ctx->ents, ENTITIES_SPOKEN, l.p, l.n, &m)) {
            sections_section one = *sec;
            one.first = i;
            one.count = 1;
            list_section(r, &one, list);
        } else {
            skills_split_line(r->ctx->skills, l.p, l.n, on_item, &a);
        }
    }
}

/* ---- basic info ---- */

typedef struct name_pick {
    ig_str best;
    double best_score, runner_up;
} name_pick;

static double name_score(const run *r, ig_str p, size_t line_no)
{
    entities_match m;
    if (p.n == 0 || width_of(p) > 40 || memchr(p.p, '@', p.n) != NULL || mem_find(p, "http") != NULL ||
        memchr(p.p, ':', p.n) != NULL || mem_find(p, "\xEF\xBC\x9A") != NULL)
        return 0;
    for (size_t i = 0; i < p.n; i++)
        if (p.p[i] >= '0' && p.p[i] <= '9')
            return 0;
    if (sections_lexicon_match(r->ctx->headings, p.p, p.n, NULL) >= 0)
        return 0;
    double s = 1.0;
    if (entities_find(r->ctx->ents, ENTITIES_TITLE, p.p, p.n, &m) ||
        entities_find(r->ctx->ents, ENTITIES_ORG, p.p, p.n, &m) ||
        entities_find(r->ctx->ents, ENTITIES_SCHOOL, p.p, p.n, &m) || place_piece(r, p))
        s -= 0.8;
    s += line_no == 0 ? 1.0 : line_no == 1 ? 0.4 : 0;
    if (has_cjk(p)) {
        size_t cps = utf8_count(p.p, p.n);
        s += cps >= 2 && cps <= 4 ? 0.8 : -0.5;
    } else {
        size_t words = 0, caps = 0;
        bool in = false;
        for (size_t i = 0; i < p.n; i++) {
            bool blank = p.p[i] == ' ';
            if (!blank && !in) {
                words++;
                caps += p.p[i] >= 'A' && p.p[i] <= 'Z';
            }
            in = !blank;
            if (strchr(",.;!?()\"", p.p[i]) != NULL && p.p[i] != '\0')
                s -= 0.3;
        }
        s += words >= 2 && words <= 4 ? 0.5 : words == 1 ? -0.2 : -0.8;
        s += caps == words ? 0.5 : -0.5;
    }
    return s > 0 ? s : 0;
}

/* "Sourabh Bajaj Email: s@x.com" (columns run together): the part before a contact label. */
static ig_str before_contact_label(ig_str p)
{
    static const char *const labels[] = {" Email", " E-mail", " email", " Mobile", " Phone", " Tel", " Website",
                                         " \xE7\x94\xB5\xE8\xAF\x9D" /* 电话 */,
                                         " \xE9\x82\xAE\xE7\xAE\xB1" /* 邮箱 */,
                                         " \xE6\x89\x8B\xE6\x9C\xBA" /* 手机 */};
    for (size_t k = 0; k < sizeof labels / sizeof labels[0]; k++) {
        const char *q = mem_find(p, labels[k]);
        if (q != NULL && q > p.p)
            p.n = (size_t)(q - p.p);
    }
    return trim_punct(p);
}

static void pick_name(run *r, name_pick *np)
{
    memset(np, 0, sizeof *np);
    const sections_section *h = &r->doc.secs[0];
    size_t first = h->first, count = h->count;
    if (count == 0) {
        first = 0;
        count = r->doc.nlines < 3 ? r->doc.nlines : 3;
        /* a name set in capitals reads like a heading: look at the first headings too */
        for (size_t s = 1; s < r->doc.nsecs && s < 3; s++) {
            double sc = name_score(r, r->doc.secs[s].heading, s - 1);
            if (sc > np->best_score) {
                np->runner_up = np->best_score;
                np->best_score = sc;
                np->best = r->doc.secs[s].heading;
            }
        }
    }
    for (size_t i = 0; i < count && i < NAME_LINES; i++) {
        ig_str pieces[MAX_PIECES];
        size_t n = split_pieces(r->doc.lines[first + i], pieces, MAX_PIECES);
        for (size_t k = 0; k < n; k++) {
            pieces[k] = before_contact_label(pieces[k]);
            double sc = name_score(r, pieces[k], i) - (k > 0 ? 0.3 : 0);
            if (sc > np->best_score) {
                np->runner_up = np->best_score;
                np->best_score = sc;
                np->best = pieces[k];
            } else if (sc > np->runner_up) {
                np->runner_up = sc;
            }
        }
    }
}

typedef struct link_set {
    json_t *links; /* normalised URLs */
} link_set;

static void fix_tld(char *url);

static void add_link(json_t *links, const char *p, size_t n)
{
    char buf[512];
    if (!contact_link_normalise(p, n, buf, sizeof buf))
        return;
    fix_tld(buf);
    const char *a = strstr(buf, "://");
    a = a != NULL ? a + 3 : buf;
    for (size_t i = 0; i < json_array_size(links); i++) {
        const char *u = json_string_value(json_array_get(links, i));
        const char *b = strstr(u, "://");
        b = b != NULL ? b + 3 : u;
        if (strcasecmp(a, b) == 0)
            return;
        /* "www.x.com" and "x.com" are one site */
        if (strncasecmp(a, "www.", 4) == 0 && strcasecmp(a + 4, b) == 0)
            return;
        if (strncasecmp(b, "www.", 4) == 0 && strcasecmp(b + 4, a) == 0)
            return;
    }
    json_t *s = utf8_json_lossy(buf, strlen(buf));
    if (s != NULL)
        json_array_append_new(links, s);
}

static void on_link(const char *p, size_t len, void *arg)
{
    add_link(arg, p, len);
}

/* OCR glues a letter onto a host's last label ("github.comy/x"): a label that is no top-level
 * domain but starts with a common one is cut back to it. */
static void fix_tld(char *url)
{
    static const char *const tlds[] = {"com", "org", "net", "edu", "gov", "io", "me", "cn", "dev", "ai", "co",
                                       "uk", "de", "jp", "kr", "tw", "hk", "info", "app", "xyz", "tech", "site"};
    char *host = strstr(url, "://");
    host = host != NULL ? host + 3 : url;
    char *end = host + strcspn(host, "/?#");
    char *dot = NULL;
    for (char *q = host; q < end; q++)
        if (*q == '.')
            dot = q;
    if (dot == NULL)
        return;
    size_t len = (size_t)(end - dot - 1), best = 0;
    for (size_t i = 0; i < sizeof tlds / sizeof tlds[0]; i++) {
        size_t tl = strlen(tlds[i]);
        if (tl == len && strncasecmp(dot + 1, tlds[i], tl) == 0)
            return;
        if (tl < len && tl > best && strncasecmp(dot + 1, tlds[i], tl) == 0)
            best = tl;
    }
    if (best > 0 && len - best == 1)
        memmove(dot + 1 + best, end, strlen(end) + 1);
}

/* Whether a link annotation shows on the page: its address, or its last path segment (a handle
 * printed next to an icon), is in the text. A link only hidden under other text (a phone number
 * that links to a messenger) is not the candidate's link. */
static bool link_visible(const char *url, const char *text, size_t len)
{
    const char *host = strstr(url, "://");
    host = host != NULL ? host + 3 : url;
    if (strncmp(host, "www.", 4) == 0)
        host += 4;
    size_t hl = strlen(host);
    while (hl > 0 && host[hl - 1] == '/')
        hl--;
    if (hl > 0 && memmem(text, len, host, hl) != NULL)
        return true;
    /* a link on the site's name ("GitHub", "LinkedIn") shows as that name */
    size_t nl = strcspn(host, "./");
    if (nl >= 4 && host[nl] == '.') {
        for (size_t i = 0; i + nl <= len; i++)
            if (strncasecmp(text + i, host, nl) == 0)
                return true;
    }
    const char *seg = NULL;
    for (size_t i = 0; i < hl; i++)
        if (host[i] == '/')
            seg = host + i + 1;
    if (seg == NULL)
        return false;
    size_t sl = (size_t)(host + hl - seg);
    if (sl < 3)
        return false;
    for (size_t i = 0; i + sl <= len; i++) {
        const char *q = memmem(text + i, len - i, seg, sl);
        if (q == NULL)
            return false;
        /* the handle as a whole word, not digits inside a longer number */
        bool before = q == text || !(isalnum((unsigned char)q[-1]));
        bool after = q + sl == text + len || !(isalnum((unsigned char)q[sl]));
        if (before && after)
            return true;
        i = (size_t)(q - text);
    }
    return false;
}

static json_t *first_of_kind(json_t *links, contact_link_kind kind)
{
    for (size_t i = 0; i < json_array_size(links); i++) {
        const char *u = json_string_value(json_array_get(links, i));
        if (contact_link_classify(u, strlen(u)) == kind)
            return json_string(u);
    }
    return json_null();
}

static ig_str find_location(const run *r)
{
    const sections_section *h = &r->doc.secs[0];
    for (size_t i = h->first; i < h->first + h->count && i < h->first + NAME_LINES + 2; i++) {
        ig_str pieces[MAX_PIECES];
        size_t n = split_pieces(r->doc.lines[i], pieces, MAX_PIECES);
        for (size_t k = 0; k < n; k++) {
            ig_str p = pieces[k];
            if (place_piece(r, p) && memchr(p.p, '@', p.n) == NULL)
                return p;
        }
    }
    return STR_NULL;
}

static json_t *summary_text(const run *r)
{
    for (size_t s = 0; s < r->doc.nsecs; s++) {
        const sections_section *sec = &r->doc.secs[s];
        if (sec->kind != SECTIONS_SUMMARY || sec->count == 0)
            continue;
        char *buf = malloc(MAX_DESC + 1);
        size_t k = 0;
        if (buf == NULL)
            return json_null();
        for (size_t i = sec->first; i < sec->first + sec->count && k < MAX_DESC; i++) {
            uint32_t g;
            ig_str l = strip_bullet(r->doc.lines[i], &g);
            size_t take = l.n < MAX_DESC - k ? l.n : MAX_DESC - k;
            if (k > 0 && take > 0 && k < MAX_DESC)
                buf[k++] = has_cjk(l) ? '\n' : ' ';
            if (take > MAX_DESC - k)
                take = MAX_DESC - k;
            memcpy(buf + k, l.p, take);
            k += take;
        }
        json_t *j = k > 0 ? utf8_json_lossy(buf, k) : json_null();
        free(buf);
        return j;
    }
    return json_null();
}

static int cmp_interval(const void *a, const void *b)
{
    const int *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Years of experience: the union of the jobs' periods, so overlapping jobs count once. */
static json_t *years_of_experience(const run *r, const entry *jobs, size_t n)
{
    int iv[MAX_ENTRIES * 2][2];
    size_t k = 0;
    for (size_t i = 0; i < n && k < MAX_ENTRIES * 2; i++) {
        const entry *e = &jobs[i];
        if (!e->has_date || e->date.start.year == 0)
            continue;
        int months = entry_months(r, e);
        if (months <= 0)
            continue;
        int start = e->date.start.year * 12 + (e->date.start.month > 0 ? e->date.start.month - 1 : 0);
        iv[k][0] = start;
        iv[k][1] = start + months;
        k++;
    }
    if (k == 0)
        return json_null();
    qsort(iv, k, sizeof iv[0], cmp_interval);
    int total = 0, cs = iv[0][0], ce = iv[0][1];
    for (size_t i = 1; i < k; i++) {
        if (iv[i][0] <= ce) {
            if (iv[i][1] > ce)
                ce = iv[i][1];
        } else {
            total += ce - cs;
            cs = iv[i][0];
            ce = iv[i][1];
        }
    }
    total += ce - cs;
    return json_real(round(total / 12.0 * 10) / 10);
}

static double clamp01(double v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

ig_status structure_resume_ctx(const structure_ctx *ctx, const char *text, size_t len, const json_t *links,
                               long long now, json_t **out, ig_err *err)
{
    ig_status rc = IG_OK;
    run r = {0};
    json_t *doc = NULL, *experience = NULL, *education = NULL, *projects = NULL, *certs = NULL, *awards = NULL,
           *langs = NULL, *sections = NULL, *all_links = NULL;
    entry *entries = NULL, *jobs = NULL;
    size_t njobs = 0;
    r.ctx = ctx;
    r.text = text;
    r.len = len;
    time_t t = (time_t)now;
    struct tm tm;
    gmtime_r(&t, &tm);
    r.now_year = tm.tm_year + 1900;
    r.now_month = tm.tm_mon + 1;
    if ((rc = sections_split(ctx->headings, text, len, &r.doc, err)) != IG_OK)
        goto out;
    r.skills = json_array();
    r.skill_index = json_object();
    experience = json_array();
    education = json_array();
    projects = json_array();
    certs = json_array();
    awards = json_array();
    langs = json_array();
    sections = json_array();
    all_links = json_array();
    entries = calloc(MAX_ENTRIES, sizeof *entries);
    jobs = calloc(MAX_ENTRIES, sizeof *jobs);
    if (r.skills == NULL || r.skill_index == NULL || experience == NULL || education == NULL || projects == NULL ||
        certs == NULL || awards == NULL || langs == NULL || sections == NULL || all_links == NULL ||
        entries == NULL || jobs == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory structuring the resume");
        goto out;
    }

    name_pick np;
    pick_name(&r, &np);
    r.name = np.best;

    double exp_conf = 0, edu_conf = 0, proj_conf = 0;
    size_t nexp = 0, nedu = 0, nproj = 0;
    for (size_t s = 0; s < r.doc.nsecs; s++) {
        const sections_section *sec = &r.doc.secs[s];
        if ((sec->kind != SECTIONS_HEADER || sec->heading.n > 0) && json_array_size(sections) < MAX_SECTIONS)
            json_array_append_new(sections, json_pack("{s:s, s:o}", "kind", sections_kind_name(sec->kind), "heading",
                                                      sec->heading.n > 0 ? jstr(sec->heading) : json_null()));
        switch (sec->kind) {
        case SECTIONS_SKILLS:
            skills_section(&r, sec);
            break;
        case SECTIONS_EXPERIENCE: {
            r.found_exp = true;
            size_t n = segment(&r, sec, false, entries, MAX_ENTRIES);
            for (size_t i = 0; i < n; i++) {
                entry *e = &entries[i];
                if (sec->mixed && !job_like(&r, e)) {
                    r.found_proj = true;
                    add_project(&r, e, projects, (json_t *)links, &proj_conf);
                    nproj++;
                    continue;
                }
                size_t before = json_array_size(experience);
                add_job(&r, e, experience, &exp_conf);
                if (json_array_size(experience) > before) {
                    nexp++;
                    if (njobs < MAX_ENTRIES)
                        jobs[njobs++] = *e;
                }
            }
            scan_lines(&r, sec->first, sec->count, "experience");
            break;
        }
        case SECTIONS_EDUCATION: {
            r.found_edu = true;
            size_t n = segment(&r, sec, true, entries, MAX_ENTRIES);
            for (size_t i = 0; i < n; i++) {
                size_t before = json_array_size(education);
                add_school(&r, &entries[i], education, &edu_conf);
                nedu += json_array_size(education) > before;
            }
            break;
        }
        case SECTIONS_PROJECTS: {
            r.found_proj = true;
            size_t n = segment(&r, sec, false, entries, MAX_ENTRIES);
            /* a list of "• Name: description" bullets: each bullet is a project */
            bool all_body = n == 1 && entries[0].nhead == 0;
            if (all_body) {
                entry whole = entries[0];
                for (size_t i = 0; i < whole.nbody && nproj < MAX_ENTRIES; i++) {
                    entry one = {0};
                    one.body_first = whole.body_first + i;
                    one.nbody = 1;
                    uint32_t g;
                    strip_bullet(r.doc.lines[one.body_first], &g);
                    if (g == 0)
                        continue; /* a wrapped line */
                    while (one.body_first + one.nbody < whole.body_first + whole.nbody) {
                        strip_bullet(r.doc.lines[one.body_first + one.nbody], &g);
                        if (g != 0)
                            break;
                        one.nbody++;
                    }
                    size_t before = json_array_size(projects);
                    add_project(&r, &one, projects, (json_t *)links, &proj_conf);
                    nproj += json_array_size(projects) > before;
                }
            } else {
                for (size_t i = 0; i < n; i++) {
                    size_t before = json_array_size(projects);
                    add_project(&r, &entries[i], projects, (json_t *)links, &proj_conf);
                    nproj += json_array_size(projects) > before;
                }
            }
            scan_lines(&r, sec->first, sec->count, "projects");
            break;
        }
        case SECTIONS_CERTIFICATIONS:
            list_section(&r, sec, certs);
            break;
        case SECTIONS_AWARDS:
            list_section(&r, sec, awards);
            break;
        case SECTIONS_LANGUAGES:
            languages_section(&r, sec, langs);
            break;
        case SECTIONS_SUMMARY:
            scan_lines(&r, sec->first, sec->count, "summary");
            break;
        case SECTIONS_HEADER:
            break;
        default:
            scan_lines(&r, sec->first, sec->count, "other");
            break;
        }
    }

    /* contact: the header block first, then the whole text */
    const sections_section *h = &r.doc.secs[0];
    ig_str head_text = STR_NULL;
    if (h->count > 0) {
        ig_str last = r.doc.lines[h->first + h->count - 1];
        head_text = str_make(r.doc.lines[h->first].p, (size_t)(last.p + last.n - r.doc.lines[h->first].p));
    }
    ig_str email = STR_NULL, phone = STR_NULL;
    char e164[20] = "";
    bool email_in_head = head_text.n > 0 && contact_find_email(head_text.p, head_text.n, &email);
    if (!email_in_head)
        contact_find_email(text, len, &email);
    bool phone_in_head = head_text.n > 0 && contact_find_phone(head_text.p, head_text.n, &phone, e164);
    if (!phone_in_head && !contact_find_phone(text, len, &phone, e164))
        e164[0] = '\0';

    for (size_t i = 0; i < json_array_size(links); i++) {
        const char *u = json_string_value(json_array_get(links, i));
        if (u != NULL && link_visible(u, text, len))
            add_link(all_links, u, strlen(u));
    }
    contact_each_link(text, len, on_link, all_links);

    double name_conf = np.best_score > 0 ? clamp01(0.5 + 0.5 * (np.best_score - np.runner_up) / np.best_score) : 0;
    double email_conf = email.n > 0 ? (email_in_head ? 0.98 : 0.85) : 0;
    double phone_conf = phone.n > 0 ? (e164[0] ? 0.95 : 0.8) * (phone_in_head ? 1 : 0.9) : 0;
    size_t nskills = json_array_size(r.skills), from_list = 0, known = 0;
    for (size_t i = 0; i < nskills; i++) {
        json_t *s = json_array_get(r.skills, i);
        json_t *src = json_object_get(s, "sources");
        for (size_t k = 0; k < json_array_size(src); k++)
            if (strcmp(json_string_value(json_array_get(src, k)), "skills") == 0) {
                from_list++;
                known += strcmp(json_string_value(json_object_get(s, "category")), "other") != 0;
            }
    }
    double skills_conf = r.found_skills && from_list > 0 ? 0.6 + 0.4 * (double)known / (double)from_list
                         : nskills > 0                    ? 0.4
                                                          : 0;
    double exp_c = nexp > 0 ? exp_conf / (double)nexp : r.found_exp ? 0.2 : 0;
    double edu_c = nedu > 0 ? edu_conf / (double)nedu : r.found_edu ? 0.2 : 0;
    double proj_c = nproj > 0 ? proj_conf / (double)nproj : r.found_proj ? 0.2 : 0;
    /* the sections a resume needs: education, experience or projects, skills */
    double found = (r.found_edu ? 1 : 0) + (r.found_exp || r.found_proj ? 1 : 0) + (r.found_skills ? 1 : 0);
    double fields = 0.15 * name_conf + 0.15 * email_conf + 0.1 * phone_conf + 0.2 * skills_conf +
                    0.2 * (nexp > 0 ? exp_c : proj_c) + 0.15 * edu_c + 0.05 * (nproj > 0 ? proj_c : exp_c);
    double overall = clamp01(0.75 * fields + 0.25 * found / 3);

    json_t *basic = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:O, s:o, s:o, s:o, s:o}", "name", jstr(np.best), "email", jstr(email), "phone",
        jstr(phone), "phone_e164", e164[0] ? json_string(e164) : json_null(), "location", jstr(find_location(&r)),
        "summary", summary_text(&r), "links", all_links, "github", first_of_kind(all_links, CONTACT_LINK_GITHUB),
        "linkedin", first_of_kind(all_links, CONTACT_LINK_LINKEDIN), "website",
        first_of_kind(all_links, CONTACT_LINK_WEBSITE), "years_of_experience", years_of_experience(&r, jobs, njobs));
    doc = json_pack("{s:o, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}}",
                    "basic_info", basic, "skills", r.skills, "experience", experience, "education", education,
                    "projects", projects, "certifications", certs, "awards", awards, "languages", langs, "sections",
                    sections, "confidence", "overall", round(overall * 1000) / 1000, "name",
                    round(name_conf * 1000) / 1000, "email", email_conf, "phone", round(phone_conf * 1000) / 1000,
                    "skills", round(skills_conf * 1000) / 1000, "experience", round(clamp01(exp_c) * 1000) / 1000,
                    "education", round(clamp01(edu_c) * 1000) / 1000, "projects",
                    round(clamp01(proj_c) * 1000) / 1000);
    if (basic == NULL || doc == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory structuring the resume");
        goto out;
    }
    *out = doc;
    doc = NULL;
out:
    json_decref(doc);
    json_decref(r.skills);
    json_decref(r.skill_index);
    json_decref(experience);
    json_decref(education);
    json_decref(projects);
    json_decref(certs);
    json_decref(awards);
    json_decref(langs);
    json_decref(sections);
    json_decref(all_links);
    free(entries);
    free(jobs);
    sections_doc_free(&r.doc);
    return rc;
}

ig_status structure_resume(const char *text, size_t len, const json_t *links, json_t **out, ig_err *err)
{
    structure_ctx *ctx;
    ig_status rc = structure_ctx_open(&ctx, err);
    if (rc != IG_OK)
        return rc;
    rc = structure_resume_ctx(ctx, text, len, links, (long long)time(NULL), out, err);
    structure_ctx_close(ctx);
    return rc;
}

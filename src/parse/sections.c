/* Section segmentation of resume text (see parse/sections.h): line splitting, the heading lexicon
 * and the layout test for headings the lexicon only partly names. */
#include "parse/sections.h"

#include <stdlib.h>
#include <string.h>

#include "core/datafiles.h"
#include "core/utf8.h"

#define KEY_MAX 96          /* bytes of a normalised heading key; longer lines are not headings */
#define HEADING_MAX_CPS 40  /* code points of a heading line after decoration */
#define INLINE_PREFIX_MAX 30 /* code points before the colon of an inline "Skills: ..." heading */

typedef struct lex_entry {
    char key[KEY_MAX];
    unsigned char kind;
    bool mixed;
} lex_entry;

struct sections_lexicon {
    lex_entry *v;
    size_t n;
};

static const char *const kind_names[SECTIONS_KIND_COUNT] = {
    "header",    "summary",    "skills",  "experience", "education", "projects",     "certifications",
    "awards",    "languages",  "activities", "research", "courses",  "publications", "interests",
    "references", "contact",   "other",
};

const char *sections_kind_name(sections_kind k)
{
    return (unsigned)k < SECTIONS_KIND_COUNT ? kind_names[k] : "other";
}

static bool is_cjk(uint32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0xF900 && c <= 0xFAFF);
}

/* Bullets, numbering, icon-font glyphs and punctuation that decorate a heading's start. */
static bool is_decoration(uint32_t c)
{
    if (c < 0x80)
        return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
    return (c >= 0x2000 && c <= 0x2BFF) || (c >= 0x3000 && c <= 0x303F) || (c >= 0xE000 && c <= 0xF8FF) ||
           (c >= 0xFF00 && c <= 0xFF0F) || c == 0xFF1A || c == 0x00B7 || c == 0x00A0 ||
           c == 0x4E00 /* 一 */ || c == 0x4E8C /* 二 */ || c == 0x4E09 /* 三 */ || c == 0x56DB /* 四 */ ||
           c == 0x4E94 /* 五 */ || c == 0x516D /* 六 */ || c == 0x4E03 /* 七 */ || c == 0x516B /* 八 */;
}

/* The comparison key of a heading: decoration stripped from the start (when skip_icon, also a
 * leading one-code-point token such as an icon font's letter), blanks removed, ASCII lower-cased,
 * a trailing colon dropped. Returns the key length, 0 when the line cannot be a heading. */
static size_t heading_key(const char *s, size_t n, bool skip_icon, char out[static KEY_MAX], size_t *cps)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, k = 0, count = 0;
    uint32_t c;
    /* Chinese numbering "一、" is decoration only when followed by its comma. */
    while (i < n) {
        size_t l = utf8_decode(p + i, n - i, &c);
        if (l == 0)
            return 0;
        if (!is_decoration(c))
            break;
        if (is_cjk(c)) {
            uint32_t c2 = 0;
            size_t l2 = i + l < n ? utf8_decode(p + i + l, n - i - l, &c2) : 0;
            if (l2 == 0 || (c2 != 0x3001 && c2 != 0xFF0E && c2 != '.'))
                break;
        }
        i += l;
    }
    if (skip_icon) {
        size_t l = i < n ? utf8_decode(p + i, n - i, &c) : 0;
        if (l == 0 || i + l >= n || p[i + l] != ' ')
            return 0;
        i += l + 1;
    }
    for (; i < n; count++) {
        size_t l = utf8_decode(p + i, n - i, &c);
        if (l == 0)
            return 0;
        if (c == ' ' || c == '\t' || c == 0x3000 || c == 0x00A0) {
            i += l;
            continue;
        }
        if (k + l >= KEY_MAX)
            return 0;
        if (c < 0x80)
            out[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        else {
            memcpy(out + k, p + i, l);
            k += l;
        }
        i += l;
    }
    while (k > 0 && out[k - 1] == ':')
        k--;
    if (k >= 3 && memcmp(out + k - 3, "\xEF\xBC\x9A", 3) == 0) /* full-width colon */
        k -= 3;
    out[k] = '\0';
    if (cps != NULL)
        *cps = count;
    return k;
}

static int find_key(const sections_lexicon *lx, const char *key, bool *mixed)
{
    for (size_t i = 0; i < lx->n; i++) {
        if (strcmp(lx->v[i].key, key) == 0) {
            if (mixed != NULL)
                *mixed = lx->v[i].mixed;
            return lx->v[i].kind;
        }
    }
    return -1;
}

int sections_lexicon_match(const sections_lexicon *lx, const char *line, size_t n, bool *mixed)
{
    char key[KEY_MAX];
    size_t cps = 0;
    if (mixed != NULL)
        *mixed = false;
    if (heading_key(line, n, false, key, &cps) > 0 && cps <= HEADING_MAX_CPS) {
        int k = find_key(lx, key, mixed);
        if (k >= 0)
            return k;
    }
    if (heading_key(line, n, true, key, &cps) > 0 && cps <= HEADING_MAX_CPS)
        return find_key(lx, key, mixed);
    return -1;
}

static int kind_from_name(const char *s, size_t n, bool *mixed)
{
    *mixed = false;
    if (n == 19 && memcmp(s, "experience+projects", 19) == 0) {
        *mixed = true;
        return SECTIONS_EXPERIENCE;
    }
    for (int k = 1; k < SECTIONS_KIND_COUNT; k++)
        if (strlen(kind_names[k]) == n && memcmp(kind_names[k], s, n) == 0)
            return k;
    return -1;
}

ig_status sections_lexicon_parse(const char *tsv, size_t n, sections_lexicon **out, ig_err *err)
{
    ig_status rc = IG_OK;
    sections_lexicon *lx = calloc(1, sizeof *lx);
    size_t cap = 0, lineno = 0;
    if (lx == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory loading the heading lexicon");
        goto out;
    }
    ig_str rest = str_make(tsv, n), l;
    while (datafiles_next_line(&rest, &l, &lineno)) {
        const char *line = l.p;
        size_t len = l.n;
        const char *tab = memchr(line, '\t', len);
        bool mixed;
        int kind = tab != NULL ? kind_from_name(line, (size_t)(tab - line), &mixed) : -1;
        if (kind < 0) {
            rc = status_errf(err, IG_EINVAL, "headings.tsv line %zu: expected KIND<TAB>HEADING with a known kind",
                             lineno);
            goto out;
        }
        if (lx->n == cap) {
            size_t ncap = cap ? cap * 2 : 128;
            lex_entry *nv = realloc(lx->v, ncap * sizeof *nv);
            if (nv == NULL) {
                rc = status_errf(err, IG_ENOMEM, "out of memory loading the heading lexicon");
                goto out;
            }
            lx->v = nv;
            cap = ncap;
        }
        lex_entry *e = &lx->v[lx->n];
        size_t hlen = len - (size_t)(tab + 1 - line);
        if (heading_key(tab + 1, hlen, false, e->key, NULL) == 0) {
            rc = status_errf(err, IG_EINVAL, "headings.tsv line %zu: empty or over-long heading", lineno);
            goto out;
        }
        e->kind = (unsigned char)kind;
        e->mixed = mixed;
        lx->n++;
    }
    *out = lx;
    lx = NULL;
out:
    sections_lexicon_free(lx);
    return rc;
}

ig_status sections_lexicon_load(sections_lexicon **out, ig_err *err)
{
    ig_str s;
    if (!datafiles_get("headings.tsv", &s))
        return status_errf(err, IG_EINTERNAL, "data/headings.tsv is not compiled in");
    return sections_lexicon_parse(s.p, s.n, out, err);
}

void sections_lexicon_free(sections_lexicon *lx)
{
    if (lx == NULL)
        return;
    free(lx->v);
    free(lx);
}

/* ---- layout ---- */

typedef struct line_shape {
    size_t cps;      /* code points */
    size_t upper;    /* ASCII capitals */
    size_t lower;    /* ASCII small letters */
    size_t digits;
    size_t words;    /* blank-separated tokens */
    bool sentence;   /* ends like a sentence or holds an address/URL */
} line_shape;

static void shape_of(ig_str l, line_shape *sh)
{
    memset(sh, 0, sizeof *sh);
    bool in_word = false;
    for (size_t i = 0; i < l.n; i++) {
        unsigned char c = (unsigned char)l.p[i];
        if ((c & 0xC0) != 0x80)
            sh->cps++;
        sh->upper += c >= 'A' && c <= 'Z';
        sh->lower += c >= 'a' && c <= 'z';
        sh->digits += c >= '0' && c <= '9';
        bool blank = c == ' ' || c == '\t';
        if (!blank && !in_word)
            sh->words++;
        in_word = !blank;
        if (c == '@' || c == ',' || c == ';')
            sh->sentence = true;
    }
    if (l.n > 0 && (l.p[l.n - 1] == '.' || l.p[l.n - 1] == '!' || l.p[l.n - 1] == '?'))
        sh->sentence = true;
}

/* A line set like a heading: short, capitals only, no digits, not a sentence. */
static bool caps_line(ig_str l)
{
    line_shape sh;
    shape_of(l, &sh);
    return sh.upper >= 3 && sh.lower == 0 && sh.digits == 0 && !sh.sentence && sh.words <= 5 && sh.cps <= HEADING_MAX_CPS;
}

/* Lexicon phrase at the start of a capitals heading ("WORK EXPERIENCE & INTERNSHIPS"). */
static int prefix_kind(const sections_lexicon *lx, ig_str l, bool *mixed)
{
    char key[KEY_MAX];
    size_t klen = heading_key(l.p, l.n, false, key, NULL);
    size_t best = 0;
    int kind = -1;
    for (size_t i = 0; i < lx->n; i++) {
        size_t el = strlen(lx->v[i].key);
        if (el >= 4 && el < klen && el > best && memcmp(lx->v[i].key, key, el) == 0) {
            best = el;
            kind = lx->v[i].kind;
            *mixed = lx->v[i].mixed;
        }
    }
    return kind;
}

static bool bulleted(ig_str l)
{
    uint32_t c;
    size_t k = l.n ? utf8_decode((const unsigned char *)l.p, l.n, &c) : 0;
    return k > 0 && (c == 0x2022 || c == 0x25E6 || c == 0x25AA || c == 0x25CF || c == 0x25A0 || c == '-' ||
                     c == '*' || c == 0x00B7 || c == 0x2023 || c == 0x2043);
}

static ig_status push_section(sections_doc *doc, size_t *cap, sections_kind kind, bool mixed, ig_str heading,
                              double score, size_t first, ig_err *err)
{
    if (doc->nsecs > 0) {
        sections_section *prev = &doc->secs[doc->nsecs - 1];
        prev->count = first - prev->first;
    }
    if (doc->nsecs == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        sections_section *nv = realloc(doc->secs, ncap * sizeof *nv);
        if (nv == NULL)
            return status_errf(err, IG_ENOMEM, "out of memory splitting sections");
        doc->secs = nv;
        *cap = ncap;
    }
    doc->secs[doc->nsecs++] = (sections_section){kind, mixed, heading, score, first, 0};
    return IG_OK;
}

ig_status sections_split(const sections_lexicon *lx, const char *text, size_t len, sections_doc *out, ig_err *err)
{
    ig_status rc = IG_OK;
    sections_doc doc = {0};
    size_t nraw = 1, seccap = 0;
    for (size_t i = 0; i < len; i++)
        nraw += text[i] == '\n';
    ig_str *raw = malloc(nraw * sizeof *raw);
    doc.lines = malloc(nraw * sizeof *doc.lines);
    if (raw == NULL || doc.lines == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory splitting sections");
        goto out;
    }
    nraw = 0;
    for (size_t i = 0; i <= len;) {
        const char *nl = i < len ? memchr(text + i, '\n', len - i) : NULL;
        size_t l = nl != NULL ? (size_t)(nl - text) - i : len - i;
        ig_str s = str_trim(str_make(text + i, l));
        if (s.n > 0)
            raw[nraw++] = s;
        i += l + 1;
    }

    /* Headings set in capitals make capitals lines that the lexicon only partly names headings too. */
    size_t caps_headings = 0;
    for (size_t i = 0; i < nraw; i++)
        if (sections_lexicon_match(lx, raw[i].p, raw[i].n, NULL) >= 0 && caps_line(raw[i]))
            caps_headings++;

    if ((rc = push_section(&doc, &seccap, SECTIONS_HEADER, false, STR_NULL, 1.0, 0, err)) != IG_OK)
        goto out;
    sections_kind cur = SECTIONS_HEADER;
    bool cur_mixed = false;
    for (size_t i = 0; i < nraw; i++) {
        ig_str l = raw[i];
        bool mixed = false;
        int kind = bulleted(l) ? -1 : sections_lexicon_match(lx, l.p, l.n, &mixed);
        double score = 1.0;
        if (kind < 0 && caps_headings >= 2 && caps_line(l) && !bulleted(l)) {
            kind = prefix_kind(lx, l, &mixed);
            score = 0.7;
            /* an unknown capitals line after the first heading, of two words or more, that is not a
             * list of capitalised items ("HTML", "CSS") and not the name in the header block */
            line_shape sh;
            shape_of(l, &sh);
            if (kind < 0 && caps_headings >= 3 && cur != SECTIONS_HEADER && sh.words >= 2) {
                kind = SECTIONS_OTHER;
                score = 0.4;
            }
        }
        if (kind >= 0) {
            if ((rc = push_section(&doc, &seccap, (sections_kind)kind, mixed, l, score, doc.nlines, err)) != IG_OK)
                goto out;
            cur = (sections_kind)kind;
            cur_mixed = mixed;
            continue;
        }
        /* "Awards: Dean's list" outside a skills list (where "Languages: C, Go" names a category). */
        const char *colon = NULL;
        size_t clen = 0;
        for (size_t k = 0; k < l.n && k < INLINE_PREFIX_MAX * 3; k++) {
            if (l.p[k] == ':') {
                colon = l.p + k, clen = 1;
                break;
            }
            if (k + 3 <= l.n && memcmp(l.p + k, "\xEF\xBC\x9A", 3) == 0) {
                colon = l.p + k, clen = 3;
                break;
            }
        }
        if (colon != NULL && cur != SECTIONS_SKILLS && !bulleted(l)) {
            ig_str rest = str_trim(str_make(colon + clen, (size_t)(l.p + l.n - colon - clen)));
            kind = sections_lexicon_match(lx, l.p, (size_t)(colon - l.p), &mixed);
            if (kind >= 0 && kind != (int)cur && kind != SECTIONS_OTHER && rest.n > 0) {
                if ((rc = push_section(&doc, &seccap, (sections_kind)kind, mixed, str_make(l.p, (size_t)(colon - l.p)),
                                       0.8, doc.nlines, err)) != IG_OK)
                    goto out;
                doc.lines[doc.nlines++] = rest;
                /* the inline section is this one line: what follows belongs to the enclosing one */
                if ((rc = push_section(&doc, &seccap, cur, cur_mixed, STR_NULL, 0.5, doc.nlines, err)) != IG_OK)
                    goto out;
                continue;
            }
        }
        doc.lines[doc.nlines++] = l;
    }
    doc.secs[doc.nsecs - 1].count = doc.nlines - doc.secs[doc.nsecs - 1].first;
    *out = doc;
    memset(&doc, 0, sizeof doc);
out:
    free(raw);
    sections_doc_free(&doc);
    return rc;
}

void sections_doc_free(sections_doc *doc)
{
    free(doc->lines);
    free(doc->secs);
    memset(doc, 0, sizeof *doc);
}

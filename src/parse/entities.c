/* Entity lexicon lookups (see parse/entities.h). The lexicon is a few hundred phrases and a resume
 * asks a few hundred questions of it, so a linear scan per class is fast enough and simple. */
#include "parse/entities.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/datafiles.h"

typedef struct phrase {
    char *text;        /* lower-cased for English */
    size_t len;
    unsigned char cls;
    bool ascii;
    const char *level; /* degree level, static string */
} phrase;

struct entities {
    phrase *v;
    size_t n;
};

static const char *const levels[] = {"high_school", "associate", "bachelor", "master", "phd", "other"};

static const char *const class_names[ENTITIES_CLASS_COUNT] = {
    "title", "org", "school", "role", "degree", "place", "state", "spoken", "skillverb",
};

void entities_free(entities *e)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < e->n; i++)
        free(e->v[i].text);
    free(e->v);
    free(e);
}

static int class_of(const char *s, size_t n, const char **level)
{
    *level = NULL;
    if (n > 7 && memcmp(s, "degree:", 7) == 0) {
        for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
            if (strlen(levels[i]) == n - 7 && memcmp(levels[i], s + 7, n - 7) == 0) {
                *level = levels[i];
                return ENTITIES_DEGREE;
            }
        return -1;
    }
    for (int c = 0; c < ENTITIES_CLASS_COUNT; c++)
        if (c != ENTITIES_DEGREE && strlen(class_names[c]) == n && memcmp(class_names[c], s, n) == 0)
            return c;
    return -1;
}

ig_status entities_parse(const char *tsv, size_t n, entities **out, ig_err *err)
{
    ig_status rc = IG_OK;
    entities *e = calloc(1, sizeof *e);
    size_t cap = 0, lineno = 0;
    if (e == NULL)
        goto oom;
    ig_str rest = str_make(tsv, n), l;
    while (datafiles_next_line(&rest, &l, &lineno)) {
        const char *line = l.p;
        size_t len = l.n;
        const char *tab = memchr(line, '\t', len);
        const char *level;
        int cls = tab != NULL ? class_of(line, (size_t)(tab - line), &level) : -1;
        size_t plen = tab != NULL ? len - (size_t)(tab + 1 - line) : 0;
        if (cls < 0 || plen == 0 || plen > 64) {
            rc = status_errf(err, IG_EINVAL, "entities.tsv line %zu: expected CLASS<TAB>PHRASE with a known class",
                             lineno);
            goto out;
        }
        if (e->n == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            phrase *nv = realloc(e->v, ncap * sizeof *nv);
            if (nv == NULL)
                goto oom;
            e->v = nv;
            cap = ncap;
        }
        phrase *p = &e->v[e->n];
        p->text = strndup(tab + 1, plen);
        if (p->text == NULL)
            goto oom;
        p->len = plen;
        p->cls = (unsigned char)cls;
        p->level = level;
        p->ascii = true;
        for (size_t k = 0; k < plen; k++) {
            unsigned char c = (unsigned char)p->text[k];
            if (c >= 0x80)
                p->ascii = false;
            else if (cls != ENTITIES_STATE && c >= 'A' && c <= 'Z')
                p->text[k] = (char)(c + 32);
        }
        e->n++;
    }
    *out = e;
    return IG_OK;
oom:
    rc = status_errf(err, IG_ENOMEM, "out of memory loading the entity lexicon");
out:
    entities_free(e);
    return rc;
}

ig_status entities_load(entities **out, ig_err *err)
{
    ig_str s;
    if (!datafiles_get("entities.tsv", &s))
        return status_errf(err, IG_EINTERNAL, "data/entities.tsv is not compiled in");
    return entities_parse(s.p, s.n, out, err);
}

static bool word_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Whether phrase p occurs at s[i]. */
static bool match_at(const phrase *p, const char *s, size_t n, size_t i)
{
    if (i + p->len > n)
        return false;
    if (!p->ascii)
        return memcmp(s + i, p->text, p->len) == 0;
    if (p->cls == ENTITIES_STATE) {
        if (memcmp(s + i, p->text, p->len) != 0)
            return false;
        /* "Atlanta, GA": after a comma and a blank, at the end or before a separator */
        if (i < 2 || s[i - 1] != ' ' || s[i - 2] != ',')
            return false;
    } else if (strncasecmp(s + i, p->text, p->len) != 0) {
        return false;
    }
    bool starts_word = word_char((unsigned char)p->text[0]);
    bool ends_word = word_char((unsigned char)p->text[p->len - 1]);
    if (starts_word && i > 0 && word_char((unsigned char)s[i - 1]))
        return false;
    if (ends_word && i + p->len < n && word_char((unsigned char)s[i + p->len]))
        return false;
    return true;
}

static bool find(const entities *e, entities_class cls, const char *s, size_t n, entities_match *m, bool last)
{
    bool found = false;
    for (size_t k = 0; k < e->n; k++) {
        const phrase *p = &e->v[k];
        if (p->cls != cls || p->len > n)
            continue;
        for (size_t i = 0; i + p->len <= n; i++) {
            if (!match_at(p, s, n, i))
                continue;
            bool better;
            if (!found)
                better = true;
            else if (last)
                better = i + p->len > m->off + m->len || (i + p->len == m->off + m->len && p->len > m->len);
            else
                better = p->len > m->len || (p->len == m->len && i < m->off);
            if (better) {
                m->off = i;
                m->len = p->len;
                m->level = p->level;
                found = true;
            }
            if (!last)
                break;
        }
    }
    return found;
}

bool entities_find(const entities *e, entities_class cls, const char *s, size_t n, entities_match *m)
{
    return find(e, cls, s, n, m, false);
}

bool entities_find_last(const entities *e, entities_class cls, const char *s, size_t n, entities_match *m)
{
    return find(e, cls, s, n, m, true);
}

bool entities_prefix(const entities *e, entities_class cls, const char *s, size_t n, size_t *len)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    size_t best = 0;
    for (size_t k = 0; k < e->n; k++) {
        const phrase *p = &e->v[k];
        if (p->cls == cls && p->len > best && match_at(p, s, n, i))
            best = p->len;
    }
    if (best == 0)
        return false;
    *len = i + best;
    return true;
}

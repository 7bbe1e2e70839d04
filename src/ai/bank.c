/* The question bank (see ai/bank.h): each file parsed with jansson, each entry checked against the
 * README's format and turned into a bank_entry whose strings point into the kept documents, then
 * sorted by id with side indexes by type and by skill. */
#include "ai/bank.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/datafiles.h"
#include "parse/skills.h"

struct bank {
    json_t **docs; /* the parsed files: every string of the entries points into them */
    size_t n_docs;
    bank_entry *entries; /* sorted by id */
    size_t n;
    const char **strs; /* the pointer arrays of key points and follow-ups, back to back */
    size_t n_strs, cap_strs;
    char **owned; /* canonical skill names copied from the taxonomy */
    size_t n_owned, cap_owned;
    size_t *by_type[BANK_NTYPES]; /* entry indexes of each type, in id order */
    size_t n_type[BANK_NTYPES];
    size_t *by_skill; /* entries with a skill, ordered by (skill, id) */
    size_t n_skill;
};

static const char *const type_names[BANK_NTYPES] = {"general", "technical", "behavioral", "project",
                                                     "system_design"};
static const char *const level_names[BANK_NLEVELS] = {"easy", "medium", "hard"};
static const char *const lang_names[BANK_NLANGS] = {"en", "zh"};

static const struct {
    const char *name;
    unsigned bit;
} placeholders[] = {
    {"skill", BANK_PH_SKILL},     {"skill2", BANK_PH_SKILL2}, {"project", BANK_PH_PROJECT},
    {"company", BANK_PH_COMPANY}, {"title", BANK_PH_TITLE},
};

const char *bank_type_name(bank_type t) { return (unsigned)t < BANK_NTYPES ? type_names[t] : "?"; }
const char *bank_level_name(bank_level l) { return (unsigned)l < BANK_NLEVELS ? level_names[l] : "?"; }
const char *bank_lang_name(bank_lang l) { return (unsigned)l < BANK_NLANGS ? lang_names[l] : "?"; }

static int parse_name(const char *s, const char *const *names, int n)
{
    if (s == NULL)
        return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

int bank_type_parse(const char *s) { return parse_name(s, type_names, BANK_NTYPES); }
int bank_level_parse(const char *s) { return parse_name(s, level_names, BANK_NLEVELS); }
int bank_lang_parse(const char *s) { return parse_name(s, lang_names, BANK_NLANGS); }

/* A name byte: ASCII letters, digits, '_', or any byte of a non-ASCII character ("{技能}" is
 * meant as a placeholder and must be refused, not printed). */
static bool is_name_byte(unsigned char c) { return isalnum(c) || c == '_' || c >= 0x80; }

int bank_placeholder(const char *s, size_t n, size_t *len)
{
    if (n < 3 || s[0] != '{')
        return 0;
    size_t i = 1;
    while (i < n && i <= 33 && is_name_byte((unsigned char)s[i]))
        i++;
    if (i == 1 || i >= n || s[i] != '}')
        return 0;
    *len = i + 1;
    for (size_t k = 0; k < sizeof placeholders / sizeof placeholders[0]; k++)
        if (strlen(placeholders[k].name) == i - 1 && memcmp(placeholders[k].name, s + 1, i - 1) == 0)
            return (int)placeholders[k].bit;
    return -1;
}

/* Loading state: where the current entry is, for messages. */
typedef struct loader {
    bank *b;
    const skills_taxonomy *tax;
    const char *file;
    size_t index;
    const char *id;
    size_t cap_entries;
    ig_err *err;
} loader;

static ig_status bad(loader *ld, const char *fmt, const char *what)
{
    if (ld->id != NULL)
        return status_errf(ld->err, IG_EINVAL, "question bank %s, entry %zu (id \"%.64s\"): %s%s", ld->file,
                           ld->index, ld->id, fmt, what);
    return status_errf(ld->err, IG_EINVAL, "question bank %s, entry %zu: %s%s", ld->file, ld->index, fmt, what);
}

static ig_status keep_str(bank *b, const char *s, ig_err *err)
{
    if (b->n_strs == b->cap_strs) {
        size_t cap = b->cap_strs ? b->cap_strs * 2 : 256;
        const char **p = realloc(b->strs, cap * sizeof *p);
        if (p == NULL)
            return status_errf(err, IG_ENOMEM, "out of memory loading the question bank");
        b->strs = p;
        b->cap_strs = cap;
    }
    b->strs[b->n_strs++] = s;
    return IG_OK;
}

/* Checks a string of an entry: non-empty, within max bytes, placeholders known (added to *ph). */
static ig_status check_text(loader *ld, const json_t *v, const char *what, size_t max, unsigned *ph)
{
    if (!json_is_string(v))
        return bad(ld, "missing or non-string ", what);
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    size_t i = 0;
    while (i < n && isspace((unsigned char)s[i]))
        i++;
    if (i == n)
        return bad(ld, "empty ", what);
    if (n > max)
        return bad(ld, "too long: ", what);
    if (memchr(s, '\0', n) != NULL)
        return bad(ld, "NUL byte in ", what);
    for (i = 0; i < n; i++) {
        if (s[i] != '{')
            continue;
        size_t len = 0;
        int bit = bank_placeholder(s + i, n - i, &len);
        if (bit < 0) {
            char msg[96];
            snprintf(msg, sizeof msg, "unknown placeholder %.*s in ", (int)(len < 40 ? len : 40), s + i);
            return bad(ld, msg, what);
        }
        *ph |= (unsigned)bit;
        if (bit > 0)
            i += len - 1;
    }
    return IG_OK;
}

/* A list of strings: between min and max of them, each checked; the pointers are kept in b->strs
 * and *first indexes the first one there. */
static ig_status check_list(loader *ld, const json_t *v, const char *what, size_t min, size_t max, unsigned *ph,
                            size_t *first, size_t *count)
{
    char msg[64];
    if (!json_is_array(v))
        return bad(ld, "missing or non-array ", what);
    size_t n = json_array_size(v);
    if (n < min || n > max) {
        snprintf(msg, sizeof msg, "needs %zu to %zu ", min, max);
        return bad(ld, msg, what);
    }
    *first = ld->b->n_strs;
    *count = n;
    for (size_t i = 0; i < n; i++) {
        ig_status rc = check_text(ld, json_array_get(v, i), what, 400, ph);
        if (rc == IG_OK)
            rc = keep_str(ld->b, json_string_value(json_array_get(v, i)), ld->err);
        if (rc != IG_OK)
            return rc;
    }
    return IG_OK;
}

/* The pointer-array offsets of one language, turned into pointers once b->strs stops moving. */
typedef struct lang_offsets {
    size_t kp, n_kp, fu, n_fu;
} lang_offsets;

static ig_status load_lang(loader *ld, const json_t *o, bank_lang l, bank_text *t, lang_offsets *off, unsigned *ph)
{
    static const char *const allowed[] = {"text", "key_points", "follow_ups", "model_answer"};
    const char *key;
    json_t *v;
    char what[32];
    if (!json_is_object(o))
        return bad(ld, "not an object: ", lang_names[l]);
    json_object_foreach((json_t *)o, key, v) {
        bool known = false;
        for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
            known |= strcmp(key, allowed[i]) == 0;
        if (!known) {
            snprintf(what, sizeof what, "%s.%.20s", lang_names[l], key);
            return bad(ld, "unknown field ", what);
        }
    }
    ig_status rc;
    snprintf(what, sizeof what, "%s.text", lang_names[l]);
    if ((rc = check_text(ld, json_object_get(o, "text"), what, BANK_TEXT_MAX, ph)) != IG_OK)
        return rc;
    snprintf(what, sizeof what, "%s.model_answer", lang_names[l]);
    if ((rc = check_text(ld, json_object_get(o, "model_answer"), what, BANK_TEXT_MAX, ph)) != IG_OK)
        return rc;
    snprintf(what, sizeof what, "%s.key_points", lang_names[l]);
    if ((rc = check_list(ld, json_object_get(o, "key_points"), what, 1, BANK_POINTS_MAX, ph, &off->kp, &off->n_kp)) !=
        IG_OK)
        return rc;
    snprintf(what, sizeof what, "%s.follow_ups", lang_names[l]);
    const json_t *fu = json_object_get(o, "follow_ups");
    if (fu == NULL) {
        off->fu = off->n_fu = 0;
    } else if ((rc = check_list(ld, fu, what, 0, BANK_FOLLOW_UPS_MAX, ph, &off->fu, &off->n_fu)) != IG_OK) {
        return rc;
    }
    t->text = json_string_value(json_object_get(o, "text"));
    t->model_answer = json_string_value(json_object_get(o, "model_answer"));
    return IG_OK;
}

static bool valid_id(const char *s, size_t n)
{
    if (n == 0 || n > BANK_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-' || s[i] == '_' ||
              s[i] == '.'))
            return false;
    return true;
}

static bool valid_topic(const char *s, size_t n)
{
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\0' || s[i] == '\n' || s[i] == '\t')
            return false;
    return true;
}

static ig_status load_entry(loader *ld, const json_t *o, bank_entry *e, lang_offsets off[BANK_NLANGS])
{
    static const char *const allowed[] = {"id", "type", "topic", "skill", "difficulty", "en", "zh"};
    memset(e, 0, sizeof *e);
    ld->id = NULL;
    if (!json_is_object(o))
        return bad(ld, "not an object", "");
    const json_t *id = json_object_get(o, "id");
    if (!json_is_string(id) || !valid_id(json_string_value(id), json_string_length(id)))
        return bad(ld, "id must be 1-64 characters of a-z 0-9 - _ .", "");
    ld->id = json_string_value(id);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)o, key, v) {
        bool known = false;
        for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
            known |= strcmp(key, allowed[i]) == 0;
        if (!known) {
            char what[40];
            snprintf(what, sizeof what, "%.32s", key);
            return bad(ld, "unknown field ", what);
        }
    }
    int t = bank_type_parse(json_string_value(json_object_get(o, "type")));
    if (t < 0)
        return bad(ld, "type must be general, technical, behavioral, project or system_design", "");
    int d = bank_level_parse(json_string_value(json_object_get(o, "difficulty")));
    if (d < 0)
        return bad(ld, "difficulty must be easy, medium or hard", "");
    const json_t *topic = json_object_get(o, "topic");
    if (!json_is_string(topic) || !valid_topic(json_string_value(topic), json_string_length(topic)))
        return bad(ld, "topic must be a string of 1-64 bytes", "");
    const json_t *skill = json_object_get(o, "skill");
    if (skill != NULL && !json_is_null(skill) && (!json_is_string(skill) || json_string_length(skill) == 0 ||
                                                  json_string_length(skill) > 64))
        return bad(ld, "skill must be null or a skill name", "");
    e->id = ld->id;
    e->file = ld->file;
    e->topic = json_string_value(topic);
    e->type = (bank_type)t;
    e->difficulty = (bank_level)d;
    if (json_is_string(skill)) {
        const char *name = json_string_value(skill);
        if (ld->tax != NULL) {
            const skills_entry *se = skills_lookup(ld->tax, name, json_string_length(skill));
            if (se == NULL)
                return bad(ld, "skill not in the taxonomy: ", name);
            name = se->name;
        }
        bank *b = ld->b;
        if (b->n_owned == b->cap_owned) {
            size_t cap = b->cap_owned ? b->cap_owned * 2 : 64;
            char **p = realloc(b->owned, cap * sizeof *p);
            if (p == NULL)
                return status_errf(ld->err, IG_ENOMEM, "out of memory loading the question bank");
            b->owned = p;
            b->cap_owned = cap;
        }
        char *copy = strdup(name);
        if (copy == NULL)
            return status_errf(ld->err, IG_ENOMEM, "out of memory loading the question bank");
        b->owned[b->n_owned++] = copy;
        e->skill = copy;
    }
    bool any = false;
    unsigned ph[BANK_NLANGS] = {0, 0};
    for (int l = 0; l < BANK_NLANGS; l++) {
        const json_t *lo = json_object_get(o, lang_names[l]);
        if (lo == NULL)
            continue;
        ig_status rc = load_lang(ld, lo, (bank_lang)l, &e->lang[l], &off[l], &ph[l]);
        if (rc != IG_OK)
            return rc;
        any = true;
    }
    if (!any)
        return bad(ld, "needs an \"en\" or a \"zh\" text", "");
    /* both languages are filled from one choice of names: they must ask for the same ones */
    if (e->lang[BANK_EN].text != NULL && e->lang[BANK_ZH].text != NULL && ph[BANK_EN] != ph[BANK_ZH])
        return bad(ld, "the en and zh texts use different placeholders", "");
    e->placeholders = ph[BANK_EN] | ph[BANK_ZH];
    if ((e->placeholders & BANK_PH_SKILL2) && !(e->placeholders & BANK_PH_SKILL) && e->skill == NULL)
        return bad(ld, "{skill2} needs {skill} or a skill", "");
    return IG_OK;
}

typedef struct pending {
    bank_entry e;
    lang_offsets off[BANK_NLANGS];
} pending;

static ig_status load_file(loader *ld, const char *name, ig_str bytes, pending **pend, size_t *n_pend)
{
    json_error_t jerr;
    ld->file = name;
    ld->index = 0;
    ld->id = NULL;
    json_t *doc = json_loadb(bytes.p, bytes.n, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL)
        return status_errf(ld->err, IG_EINVAL, "question bank %s: line %d: %s", name, jerr.line, jerr.text);
    bank *b = ld->b;
    json_t **docs = realloc(b->docs, (b->n_docs + 1) * sizeof *docs);
    if (docs == NULL) {
        json_decref(doc);
        return status_errf(ld->err, IG_ENOMEM, "out of memory loading the question bank");
    }
    b->docs = docs;
    b->docs[b->n_docs++] = doc;
    if (!json_is_array(doc))
        return status_errf(ld->err, IG_EINVAL, "question bank %s: not a JSON array", name);
    size_t n = json_array_size(doc);
    if (*n_pend + n > ld->cap_entries) {
        size_t cap = (*n_pend + n) * 2;
        pending *p = realloc(*pend, cap * sizeof *p);
        if (p == NULL)
            return status_errf(ld->err, IG_ENOMEM, "out of memory loading the question bank");
        *pend = p;
        ld->cap_entries = cap;
    }
    for (size_t i = 0; i < n; i++) {
        ld->index = i;
        pending *p = &(*pend)[*n_pend];
        memset(p, 0, sizeof *p);
        ig_status rc = load_entry(ld, json_array_get(doc, i), &p->e, p->off);
        if (rc != IG_OK)
            return rc;
        (*n_pend)++;
    }
    return IG_OK;
}

static int cmp_entry_id(const void *a, const void *b)
{
    return strcmp(((const bank_entry *)a)->id, ((const bank_entry *)b)->id);
}

/* by_skill order, for qsort_r-free sorting: the indexes are compared through this bank. */
static int cmp_skill_idx(const void *a, const void *b, void *arg)
{
    const bank *bk = arg;
    const bank_entry *x = &bk->entries[*(const size_t *)a], *y = &bk->entries[*(const size_t *)b];
    int c = strcasecmp(x->skill, y->skill);
    return c != 0 ? c : strcmp(x->id, y->id);
}

static ig_status build(bank *b, pending *pend, size_t n, ig_err *err)
{
    b->entries = calloc(n ? n : 1, sizeof *b->entries);
    if (b->entries == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory loading the question bank");
    for (size_t i = 0; i < n; i++) {
        bank_entry *e = &pend[i].e;
        for (int l = 0; l < BANK_NLANGS; l++) {
            if (e->lang[l].text == NULL)
                continue;
            const lang_offsets *o = &pend[i].off[l];
            e->lang[l].key_points = b->strs + o->kp;
            e->lang[l].n_key_points = o->n_kp;
            e->lang[l].follow_ups = o->n_fu ? b->strs + o->fu : NULL;
            e->lang[l].n_follow_ups = o->n_fu;
        }
        b->entries[i] = *e;
    }
    b->n = n;
    qsort(b->entries, n, sizeof *b->entries, cmp_entry_id);
    for (size_t i = 1; i < n; i++)
        if (strcmp(b->entries[i - 1].id, b->entries[i].id) == 0)
            return status_errf(err, IG_EINVAL, "question bank: id \"%s\" is in both %s and %s", b->entries[i].id,
                               b->entries[i - 1].file, b->entries[i].file);
    for (int t = 0; t < BANK_NTYPES; t++) {
        b->by_type[t] = malloc((n ? n : 1) * sizeof(size_t));
        if (b->by_type[t] == NULL)
            return status_errf(err, IG_ENOMEM, "out of memory loading the question bank");
    }
    b->by_skill = malloc((n ? n : 1) * sizeof(size_t));
    if (b->by_skill == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory loading the question bank");
    for (size_t i = 0; i < n; i++) {
        const bank_entry *e = &b->entries[i];
        b->by_type[e->type][b->n_type[e->type]++] = i;
        if (e->skill != NULL)
            b->by_skill[b->n_skill++] = i;
    }
    qsort_r(b->by_skill, b->n_skill, sizeof(size_t), cmp_skill_idx, b);
    return IG_OK;
}

ig_status bank_open_files(const bank_file *files, size_t n, const skills_taxonomy *tax, bank **out, ig_err *err)
{
    ig_status rc = IG_OK;
    pending *pend = NULL;
    size_t n_pend = 0;
    bank *b = calloc(1, sizeof *b);
    if (b == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory loading the question bank");
    loader ld = {.b = b, .tax = tax, .err = err};
    for (size_t i = 0; i < n && rc == IG_OK; i++)
        rc = load_file(&ld, files[i].name, files[i].bytes, &pend, &n_pend);
    if (rc == IG_OK)
        rc = build(b, pend, n_pend, err);
    free(pend);
    if (rc != IG_OK) {
        bank_close(b);
        return rc;
    }
    *out = b;
    return IG_OK;
}

typedef struct collect {
    bank_file *files;
    size_t n, cap;
} collect;

static int collect_file(const char *name, ig_str bytes, void *arg)
{
    collect *c = arg;
    size_t nl = strlen(name);
    if (nl < 5 || strcmp(name + nl - 5, ".json") != 0)
        return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        bank_file *p = realloc(c->files, cap * sizeof *p);
        if (p == NULL)
            return -1;
        c->files = p;
        c->cap = cap;
    }
    c->files[c->n++] = (bank_file){name, bytes};
    return 0;
}

ig_status bank_open(const skills_taxonomy *tax, bank **out, ig_err *err)
{
    collect c = {0};
    if (datafiles_each("questions/", collect_file, &c) != 0) {
        free(c.files);
        return status_errf(err, IG_ENOMEM, "out of memory loading the question bank");
    }
    ig_status rc = bank_open_files(c.files, c.n, tax, out, err);
    free(c.files);
    return rc;
}

void bank_close(bank *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->n_owned; i++)
        free(b->owned[i]);
    free(b->owned);
    for (size_t i = 0; i < b->n_docs; i++)
        json_decref(b->docs[i]);
    free(b->docs);
    free(b->entries);
    free(b->strs);
    for (int t = 0; t < BANK_NTYPES; t++)
        free(b->by_type[t]);
    free(b->by_skill);
    free(b);
}

size_t bank_count(const bank *b) { return b->n; }

const bank_entry *bank_at(const bank *b, size_t i) { return i < b->n ? &b->entries[i] : NULL; }

const bank_entry *bank_get(const bank *b, const char *id)
{
    if (id == NULL)
        return NULL;
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(b->entries[mid].id, id);
        if (c == 0)
            return &b->entries[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void bank_filter_any(bank_filter *f)
{
    *f = (bank_filter){.skill = NULL, .topic = NULL, .type = -1, .difficulty = -1, .lang = -1};
}

static bool matches(const bank_entry *e, const bank_filter *f)
{
    if (f->type >= 0 && (int)e->type != f->type)
        return false;
    if (f->difficulty >= 0 && (int)e->difficulty != f->difficulty)
        return false;
    if (f->lang >= 0 && (f->lang >= BANK_NLANGS || e->lang[f->lang].text == NULL))
        return false;
    if (f->skill != NULL && (e->skill == NULL || strcasecmp(e->skill, f->skill) != 0))
        return false;
    if (f->topic != NULL && strcasecmp(e->topic, f->topic) != 0)
        return false;
    return true;
}

size_t bank_find(const bank *b, const bank_filter *f, size_t offset, const bank_entry **out, size_t cap,
                 size_t *total)
{
    /* the narrowest index that answers the filter; matches() checks every field anyway */
    const size_t *idx = NULL;
    size_t n = b->n, lo = 0;
    if (f->skill != NULL) {
        size_t hi = b->n_skill;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (strcasecmp(b->entries[b->by_skill[mid]].skill, f->skill) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        idx = b->by_skill;
        n = b->n_skill;
    } else if (f->type >= 0 && f->type < BANK_NTYPES) {
        idx = b->by_type[f->type];
        n = b->n_type[f->type];
    }
    size_t seen = 0, w = 0;
    for (size_t i = lo; i < n; i++) {
        const bank_entry *e = &b->entries[idx != NULL ? idx[i] : i];
        if (f->skill != NULL && strcasecmp(e->skill, f->skill) != 0)
            break;
        if (!matches(e, f))
            continue;
        if (seen >= offset && w < cap)
            out[w++] = e;
        seen++;
    }
    *total = seen;
    return w;
}

/* Skills taxonomy: the TSV is parsed into entries and a byte trie of folded aliases (the root
 * indexed directly, deeper edges through a hash once built); lookup, scan and split all walk that
 * trie with the same folding, so a spelling matches the same way everywhere. */
#include "parse/skills.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/datafiles.h"
#include "core/str.h"
#include "core/utf8.h"

#define MAX_KEY 96      /* bytes of one folded alias */
#define MAX_FIELD 160   /* bytes of one name or alias as written */
#define MAX_SPAN 256    /* bytes of text one trie walk may cover (blank runs included) */
#define MAX_ITEM 512    /* longest item skills_lookup considers */
#define MAX_PARTS 32    /* weak-separated parts of one item considered apart */
#define MAX_JOIN 4      /* parts joined at most when looking for "CI/CD"-like skills */
#define MAX_DEPTH 4     /* nested parentheses followed by split_line */
#define FUZZY_MIN 7     /* shortest item corrected for a typo */
#define FUZZY_MAX 40

#define FLAG_CASE 0x1u  /* '!': case-sensitive in prose */
#define FLAG_AMBIG 0x2u /* '?': case-sensitive and needs a neighbouring skill in prose */
#define FLAG_DERIVED 0x4u /* a spelling the loader made up ("VueJS"): gives way to a written alias */
#define FLAG_DEAD 0x8u    /* a derived record that gave way: in no trie chain any more */

static const char *const categories[] = {"language", "frontend", "backend", "mobile", "database", "cloud", "devops",
                                         "data",     "ml",       "testing", "tool",   "os",       "security", "cs",
                                         "design",   "methodology", "soft", "office", "other"};

typedef struct alias_rec {
    uint32_t entry;    /* index into entries */
    uint32_t key;      /* offset in keys of the alias folded with its case kept */
    uint16_t key_len;
    uint8_t flags;
    int32_t next;      /* next record ending at the same trie node, -1 at the end */
} alias_rec;

typedef struct trie_node {
    uint32_t child;    /* first child; 0 for none (node 0 is the root, never a child) */
    uint32_t sibling;
    int32_t alias;     /* first alias record ending here, -1 for none */
    unsigned char byte;
} trie_node;

struct skills_taxonomy {
    char *text; /* owned copy of the TSV: names point into it */
    skills_entry *entries;
    size_t n_entries;
    alias_rec *aliases;
    size_t n_aliases, cap_aliases;
    trie_node *nodes;
    size_t n_nodes, cap_nodes;
    uint32_t root[256]; /* children of the root by byte */
    uint32_t *hash;     /* once built: (node << 8 | byte) + 1 and child, in pairs; 0 is empty */
    size_t hash_mask;   /* pairs - 1 */
    char *keys;
    size_t keys_len, keys_cap;
    uint32_t *by_len;                /* alias records ordered by key length, for typo search */
    uint32_t len_start[MAX_KEY + 2]; /* by_len[len_start[k] .. len_start[k + 1]) have length k */
};

/* ---- characters */

/* ASCII classes for the hot loops: 1 letter or digit, 2 folds to a blank (spaces, '-', '_'). */
static const unsigned char ascii_class[128] = {
    ['\t'] = 2, ['\n'] = 2, ['\v'] = 2, ['\f'] = 2, ['\r'] = 2, [' '] = 2, ['-'] = 2, ['_'] = 2,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1,
    ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1,
    ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1,
    ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
    ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1};

static bool is_alnum(unsigned c) { return c < 0x80 && ascii_class[c] == 1; }
static bool is_alpha(unsigned c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static bool is_digit(unsigned c) { return c >= '0' && c <= '9'; }
static unsigned char to_lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c; }

/* Ideographs, kana and hangul: text a Latin word may touch without a blank. */
static bool is_ideo(uint32_t c)
{
    return (c >= 0x2E80 && c <= 0x2FDF) || (c >= 0x3040 && c <= 0x31FF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0x20000 && c <= 0x3134F);
}

/* CJK text and its punctuation: blanks next to it are not word separators. */
static bool is_wide(uint32_t c)
{
    return is_ideo(c) || (c >= 0x3000 && c <= 0x303F) || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFFEF);
}

/* Characters that fold to one blank: spaces, line breaks, hyphens and underscores. */
static bool is_blankish(uint32_t c)
{
    if (c < 0x80)
        return ascii_class[c] == 2;
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '-' || c == '_' ||
           c == 0xA0 || c == 0x3000 || (c >= 0x2000 && c <= 0x200A) || c == 0x2010 || c == 0x2011 || c == 0x202F;
}

static bool is_space(unsigned c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/* The code point at s[i] (full-width ASCII mapped to ASCII) and its length; a malformed byte
 * is U+FFFD of length 1. */
static size_t cp_at(const char *s, size_t n, size_t i, uint32_t *cp)
{
    size_t len = utf8_decode((const unsigned char *)s + i, n - i, cp);
    if (len == 0) {
        *cp = 0xFFFD;
        return 1;
    }
    if (*cp >= 0xFF01 && *cp <= 0xFF5E)
        *cp -= 0xFEE0;
    else if (*cp == 0x3000)
        *cp = ' ';
    return len;
}

/* The code point that ends just before s[i] (i > 0), mapped like cp_at; its start in *start. */
static uint32_t cp_before(const char *s, size_t i, size_t *start)
{
    size_t j = i - 1;
    while (j > 0 && i - j < 4 && ((unsigned char)s[j] & 0xC0) == 0x80)
        j--;
    uint32_t c;
    if (cp_at(s, i, j, &c) != i - j) {
        j = i - 1;
        c = 0xFFFD;
    }
    if (start)
        *start = j;
    return c;
}

/* ---- folding: the one normal form of aliases and text */

typedef struct folder {
    const char *s;
    size_t n, i;
    bool lower;    /* fold ASCII case */
    bool any;      /* a unit came out: leading blanks vanish */
    bool prev_cjk; /* the last unit was wide: blanks after it vanish */
} folder;

static folder folder_make(const char *s, size_t n, bool lower) { return (folder){s, n, 0, lower, false, false}; }

/* The next folded unit into u (1..4 bytes), its length; 0 at the end. A malformed byte is 0xFF,
 * which no alias holds. */
static size_t fold_next(folder *f, unsigned char u[4])
{
    while (f->i < f->n) {
        unsigned char b = (unsigned char)f->s[f->i];
        if (b < 0x80 && ascii_class[b] != 2) { /* the common case, first */
            f->i++;
            f->any = true;
            f->prev_cjk = false;
            u[0] = f->lower ? to_lower(b) : b;
            return 1;
        }
        uint32_t c;
        size_t len = utf8_decode((const unsigned char *)f->s + f->i, f->n - f->i, &c);
        if (len == 0) {
            f->i++;
            f->any = true;
            f->prev_cjk = false;
            u[0] = 0xFF;
            return 1;
        }
        if (c >= 0xFF01 && c <= 0xFF5E)
            c -= 0xFEE0;
        if (is_blankish(c)) {
            size_t j = f->i + len, dl = 0;
            uint32_t d = 0;
            while (j < f->n && (dl = cp_at(f->s, f->n, j, &d)) > 0 && is_blankish(d))
                j += dl;
            bool next_wide = j < f->n && is_wide(d);
            f->i = j;
            if (!f->any || j >= f->n || f->prev_cjk || next_wide)
                continue;
            u[0] = ' ';
            return 1;
        }
        f->any = true;
        if (c < 0x80) {
            f->i += len;
            f->prev_cjk = false;
            u[0] = f->lower ? to_lower((unsigned char)c) : (unsigned char)c;
            return 1;
        }
        f->prev_cjk = is_wide(c);
        memcpy(u, f->s + f->i, len);
        f->i += len;
        return len;
    }
    return 0;
}

/* Folds s into out (capacity cap); the folded length, or cap + 1 when it does not fit. */
static size_t fold_all(const char *s, size_t n, bool lower, char *out, size_t cap)
{
    folder f = folder_make(s, n, lower);
    unsigned char u[4];
    size_t k, w = 0;
    while ((k = fold_next(&f, u)) > 0) {
        if (w + k > cap)
            return cap + 1;
        memcpy(out + w, u, k);
        w += k;
    }
    return w;
}

/* ---- the trie */

static uint32_t hash_slot(uint32_t key) { return (key * 2654435761u) >> 7; }

static uint32_t trie_child(const skills_taxonomy *t, uint32_t node, unsigned char b)
{
    if (node == 0)
        return t->root[b];
    if (t->hash != NULL) {
        uint32_t key = (node << 8 | b) + 1;
        for (size_t i = hash_slot(key) & t->hash_mask;; i = (i + 1) & t->hash_mask) {
            if (t->hash[2 * i] == key)
                return t->hash[2 * i + 1];
            if (t->hash[2 * i] == 0)
                return 0;
        }
    }
    for (uint32_t c = t->nodes[node].child; c != 0; c = t->nodes[c].sibling)
        if (t->nodes[c].byte == b)
            return c;
    return 0;
}

/* The node for key, created as needed; 0 when out of memory. */
static uint32_t trie_insert(skills_taxonomy *t, const char *key, size_t n)
{
    uint32_t node = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)key[i];
        uint32_t c = trie_child(t, node, b);
        if (c == 0) {
            if (t->n_nodes == t->cap_nodes) {
                size_t cap = t->cap_nodes * 2;
                trie_node *nn = realloc(t->nodes, cap * sizeof *nn);
                if (nn == NULL)
                    return 0;
                t->nodes = nn;
                t->cap_nodes = cap;
            }
            c = (uint32_t)t->n_nodes++;
            t->nodes[c] = (trie_node){0, 0, -1, b};
            if (node == 0) {
                t->root[b] = c;
            } else {
                t->nodes[c].sibling = t->nodes[node].child;
                t->nodes[node].child = c;
            }
        }
        node = c;
    }
    return node;
}

typedef struct hit {
    int32_t alias; /* first record at the node */
    size_t end;    /* offset in the walked text just past the alias */
} hit;

/* Indexes every parent-child edge below the root, for the scans: sibling lists are slow to search
 * where CJK lead bytes have dozens of children. */
static ig_status trie_hash(skills_taxonomy *t)
{
    if (t->n_nodes >= (1u << 23))
        return IG_ETOOBIG;
    size_t pairs = 64;
    while (pairs < 2 * t->n_nodes)
        pairs *= 2;
    uint32_t *h = calloc(pairs * 2, sizeof *h);
    if (h == NULL)
        return IG_ENOMEM;
    for (uint32_t p = 1; p < t->n_nodes; p++)
        for (uint32_t c = t->nodes[p].child; c != 0; c = t->nodes[c].sibling) {
            uint32_t key = (p << 8 | t->nodes[c].byte) + 1;
            size_t i = hash_slot(key) & (pairs - 1);
            while (h[2 * i] != 0)
                i = (i + 1) & (pairs - 1);
            h[2 * i] = key;
            h[2 * i + 1] = c;
        }
    t->hash = h;
    t->hash_mask = pairs - 1;
    return IG_OK;
}

/* Orders the live alias records by key length (a counting sort). */
static ig_status index_lengths(skills_taxonomy *t)
{
    t->by_len = malloc((t->n_aliases + 1) * sizeof *t->by_len);
    if (t->by_len == NULL)
        return IG_ENOMEM;
    memset(t->len_start, 0, sizeof t->len_start);
    for (size_t r = 0; r < t->n_aliases; r++)
        if (!(t->aliases[r].flags & FLAG_DEAD))
            t->len_start[t->aliases[r].key_len + 1]++;
    for (size_t k = 1; k < MAX_KEY + 2; k++)
        t->len_start[k] += t->len_start[k - 1];
    uint32_t fill[MAX_KEY + 1];
    memcpy(fill, t->len_start, sizeof fill);
    for (size_t r = 0; r < t->n_aliases; r++)
        if (!(t->aliases[r].flags & FLAG_DEAD))
            t->by_len[fill[t->aliases[r].key_len]++] = (uint32_t)r;
    return IG_OK;
}

/* Follows s[0..n) down the trie; records each node holding aliases, shortest first. */
static size_t trie_walk(const skills_taxonomy *t, const char *s, size_t n, hit *hits)
{
    folder f = folder_make(s, n < MAX_SPAN ? n : MAX_SPAN, true);
    unsigned char u[4];
    size_t k, nh = 0, depth = 0;
    uint32_t node = 0;
    for (;;) {
        unsigned char b = f.i < f.n ? (unsigned char)f.s[f.i] : 0;
        if (b != 0 && b < 0x80 && ascii_class[b] != 2) { /* fold_next's common case, inline */
            f.i++;
            f.any = true;
            f.prev_cjk = false;
            u[0] = to_lower(b);
            k = 1;
        } else if ((k = fold_next(&f, u)) == 0) {
            break;
        }
        depth += k;
        if (depth > MAX_KEY)
            break;
        for (size_t j = 0; j < k && (node = trie_child(t, node, u[j])) != 0; j++)
            ;
        if (node == 0)
            break;
        if (t->nodes[node].alias >= 0)
            hits[nh++] = (hit){t->nodes[node].alias, f.i};
    }
    return nh;
}

/* True when some alias starts with the n bytes at s (one character, as written). */
static bool trie_prefix(const skills_taxonomy *t, const char *s, size_t n)
{
    uint32_t node = 0;
    for (size_t i = 0; i < n; i++)
        if ((node = trie_child(t, node, (unsigned char)s[i])) == 0)
            return false;
    return true;
}

/* The skill whose alias is exactly s (folded), or NULL. */
static const skills_entry *exact(const skills_taxonomy *t, const char *s, size_t n)
{
    if (n == 0 || n > MAX_ITEM)
        return NULL;
    hit hits[MAX_KEY];
    size_t nh = trie_walk(t, s, n, hits);
    if (nh == 0 || hits[nh - 1].end != n)
        return NULL;
    return &t->entries[t->aliases[hits[nh - 1].alias].entry];
}

/* ---- building */

static ig_status push_key(skills_taxonomy *t, const char *k, size_t n, uint32_t *off)
{
    if (t->keys_len + n > t->keys_cap) {
        size_t cap = t->keys_cap * 2 + n;
        char *nk = realloc(t->keys, cap);
        if (nk == NULL)
            return IG_ENOMEM;
        t->keys = nk;
        t->keys_cap = cap;
    }
    memcpy(t->keys + t->keys_len, k, n);
    *off = (uint32_t)t->keys_len;
    t->keys_len += n;
    return IG_OK;
}

/* Adds one folded alias (cased: its case kept) of entry e. A derived spelling (flags has
 * FLAG_DERIVED) that another skill already has is skipped, and gives way to a written one; two
 * skills writing the same alias is an error. */
static ig_status add_key(skills_taxonomy *t, uint32_t e, const char *cased, size_t n, unsigned flags, int line,
                         ig_err *err)
{
    bool derived = flags & FLAG_DERIVED;
    char low[MAX_KEY];
    for (size_t i = 0; i < n; i++)
        low[i] = (char)to_lower((unsigned char)cased[i]);
    /* look before inserting, so that a skipped spelling leaves no nodes behind */
    uint32_t node = 0;
    for (size_t i = 0; i < n && (node = trie_child(t, node, (unsigned char)low[i])) != 0; i++)
        ;
    if (node != 0) {
        if (!derived) {
            /* unlink other skills' derived spellings of this key */
            int32_t *link = &t->nodes[node].alias;
            while (*link >= 0) {
                alias_rec *a = &t->aliases[*link];
                if (a->entry != e && (a->flags & FLAG_DERIVED)) {
                    a->flags |= FLAG_DEAD;
                    *link = a->next;
                } else {
                    link = &a->next;
                }
            }
        }
        for (int32_t r = t->nodes[node].alias; r >= 0; r = t->aliases[r].next) {
            const alias_rec *a = &t->aliases[r];
            if (a->entry != e) {
                if (derived)
                    return IG_OK;
                return status_errf(err, IG_EINVAL, "skills.tsv line %d: alias \"%.*s\" of %s is already an alias of %s",
                                   line, (int)n, cased, t->entries[e].name, t->entries[a->entry].name);
            }
            if (a->key_len == n && a->flags == flags && memcmp(t->keys + a->key, cased, n) == 0)
                return IG_OK; /* the same spelling twice */
        }
    }
    node = trie_insert(t, low, n);
    if (node == 0)
        return status_errf(err, IG_ENOMEM, "out of memory building the skills trie");
    if (t->n_aliases == t->cap_aliases) {
        size_t cap = t->cap_aliases * 2;
        alias_rec *na = realloc(t->aliases, cap * sizeof *na);
        if (na == NULL)
            return status_errf(err, IG_ENOMEM, "out of memory building the skills trie");
        t->aliases = na;
        t->cap_aliases = cap;
    }
    uint32_t off;
    if (push_key(t, cased, n, &off) != IG_OK)
        return status_errf(err, IG_ENOMEM, "out of memory building the skills trie");
    t->aliases[t->n_aliases] = (alias_rec){e, off, (uint16_t)n, (uint8_t)flags, t->nodes[node].alias};
    t->nodes[node].alias = (int32_t)t->n_aliases++;
    return IG_OK;
}

/* Adds the alias as written (flag prefix already removed) and its derived spellings: "X.js" also
 * as "Xjs" and "X js"; a multi-word ASCII alias also without blanks ("SpringBoot"). */
static ig_status add_alias(skills_taxonomy *t, uint32_t e, const char *a, size_t n, unsigned flags, int line,
                           ig_err *err)
{
    char key[MAX_KEY + 4];
    size_t k = fold_all(a, n, false, key, MAX_KEY);
    if (k > MAX_KEY)
        return status_errf(err, IG_EINVAL, "skills.tsv line %d: alias \"%.*s\" is too long", line, (int)n, a);
    if (k == 0)
        return status_errf(err, IG_EINVAL, "skills.tsv line %d: empty alias", line);
    ig_status st = add_key(t, e, key, k, flags, line, err);
    if (st != IG_OK)
        return st;
    if (k > 3 && key[k - 3] == '.' && to_lower((unsigned char)key[k - 2]) == 'j' &&
        to_lower((unsigned char)key[k - 1]) == 's') {
        char v[MAX_KEY + 4];
        memcpy(v, key, k - 3);
        memcpy(v + k - 3, key + k - 2, 2);
        if ((st = add_key(t, e, v, k - 1, flags | FLAG_DERIVED, line, err)) != IG_OK)
            return st;
        v[k - 3] = ' ';
        memcpy(v + k - 2, key + k - 2, 2);
        if ((st = add_key(t, e, v, k, flags | FLAG_DERIVED, line, err)) != IG_OK)
            return st;
    }
    size_t blanks = 0;
    bool plain = true;
    for (size_t i = 0; i < k; i++) {
        blanks += key[i] == ' ';
        plain &= key[i] == ' ' || is_alnum((unsigned char)key[i]);
    }
    if (plain && blanks > 0 && blanks <= 3) {
        char v[MAX_KEY];
        size_t w = 0;
        for (size_t i = 0; i < k; i++)
            if (key[i] != ' ')
                v[w++] = key[i];
        if ((st = add_key(t, e, v, w, flags | FLAG_DERIVED, line, err)) != IG_OK)
            return st;
    }
    return IG_OK;
}

static const char *category_of(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof categories / sizeof *categories; i++)
        if (strlen(categories[i]) == n && memcmp(categories[i], s, n) == 0)
            return categories[i];
    return NULL;
}

static unsigned take_flag(const char **p, size_t *n)
{
    if (*n > 1 && (**p == '!' || **p == '?')) {
        unsigned f = **p == '!' ? FLAG_CASE : FLAG_CASE | FLAG_AMBIG;
        (*p)++;
        (*n)--;
        return f;
    }
    return 0;
}

static ig_str trim_marks(ig_str s);

/* A name or alias as written: well-formed UTF-8 without control characters, nothing at the ends
 * that lookup would trim off (blanks, bullets, ':', quotes...), so that it can be found. */
static bool field_ok(const char *s, size_t n)
{
    if (n == 0 || n > MAX_FIELD || trim_marks((ig_str){s, n}).n != n)
        return false;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t len = utf8_decode((const unsigned char *)s + i, n - i, &c);
        if (len == 0 || c < 0x20 || c == 0x7F)
            return false;
        i += len;
    }
    return true;
}

/* One non-comment line: name, category, aliases. */
static ig_status parse_line(skills_taxonomy *t, char *p, size_t n, int line, ig_err *err)
{
    char *tab1 = memchr(p, '\t', n);
    if (tab1 == NULL)
        return status_errf(err, IG_EINVAL, "skills.tsv line %d: expected name<TAB>category<TAB>aliases", line);
    char *cat = tab1 + 1;
    size_t rest = n - (size_t)(cat - p);
    char *tab2 = memchr(cat, '\t', rest);
    size_t cat_n = tab2 ? (size_t)(tab2 - cat) : rest;
    char *al = tab2 ? tab2 + 1 : NULL;
    size_t al_n = tab2 ? n - (size_t)(al - p) : 0;
    if (al != NULL && memchr(al, '\t', al_n) != NULL)
        return status_errf(err, IG_EINVAL, "skills.tsv line %d: more than three fields", line);

    const char *name = p;
    size_t name_n = (size_t)(tab1 - p);
    unsigned flags = take_flag(&name, &name_n);
    if (!field_ok(name, name_n) || memchr(name, '|', name_n) != NULL)
        return status_errf(err, IG_EINVAL, "skills.tsv line %d: bad skill name", line);
    const char *category = category_of(cat, cat_n);
    if (category == NULL)
        return status_errf(err, IG_EINVAL, "skills.tsv line %d: unknown category \"%.*s\"", line,
                           (int)(cat_n < 40 ? cat_n : 40), cat);
    *tab1 = '\0';
    uint32_t e = (uint32_t)t->n_entries++;
    t->entries[e] = (skills_entry){name, category};
    ig_status st = add_alias(t, e, name, name_n, flags, line, err);
    if (st != IG_OK)
        return st;
    if (al == NULL || al_n == 0)
        return IG_OK;
    const char *a = al, *end = al + al_n;
    for (;;) {
        const char *bar = memchr(a, '|', (size_t)(end - a));
        const char *ae = bar ? bar : end;
        size_t an = (size_t)(ae - a);
        unsigned af = take_flag(&a, &an);
        if (!field_ok(a, an))
            return status_errf(err, IG_EINVAL, "skills.tsv line %d: empty or malformed alias", line);
        if ((st = add_alias(t, e, a, an, af, line, err)) != IG_OK)
            return st;
        if (bar == NULL)
            break;
        a = bar + 1;
    }
    return IG_OK;
}

ig_status skills_taxonomy_parse(const char *tsv, size_t n, skills_taxonomy **out, ig_err *err)
{
    ig_status st = IG_OK;
    *out = NULL;
    if (tsv == NULL && n > 0)
        return status_errf(err, IG_EINVAL, "no skills data");
    if (n > (size_t)64 << 20)
        return status_errf(err, IG_ETOOBIG, "skills data over 64 MiB");
    skills_taxonomy *t = calloc(1, sizeof *t);
    if (t == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory loading skills");
    size_t lines = 1;
    for (size_t i = 0; i < n; i++)
        lines += tsv[i] == '\n';
    t->text = malloc(n + 1);
    t->entries = calloc(lines, sizeof *t->entries);
    t->cap_nodes = 4096;
    t->nodes = malloc(t->cap_nodes * sizeof *t->nodes);
    t->cap_aliases = 1024;
    t->aliases = malloc(t->cap_aliases * sizeof *t->aliases);
    t->keys_cap = 16384;
    t->keys = malloc(t->keys_cap);
    if (t->text == NULL || t->entries == NULL || t->nodes == NULL || t->aliases == NULL || t->keys == NULL) {
        st = status_errf(err, IG_ENOMEM, "out of memory loading skills");
        goto out;
    }
    if (n > 0)
        memcpy(t->text, tsv, n);
    t->text[n] = '\0';
    t->nodes[0] = (trie_node){0, 0, -1, 0};
    t->n_nodes = 1;

    int line = 0;
    for (size_t i = 0; i < n;) {
        char *p = t->text + i;
        char *nl = memchr(p, '\n', n - i);
        size_t len = nl ? (size_t)(nl - p) : n - i;
        i += len + 1;
        line++;
        if (nl != NULL)
            *nl = '\0';
        if (len > 0 && p[len - 1] == '\r')
            p[--len] = '\0';
        size_t b = 0;
        while (b < len && (p[b] == ' ' || p[b] == '\t'))
            b++;
        if (b == len || p[b] == '#')
            continue;
        if ((st = parse_line(t, p, len, line, err)) != IG_OK)
            goto out;
    }
    if ((st = trie_hash(t)) != IG_OK || (st = index_lengths(t)) != IG_OK)
        st = status_errf(err, st, "skills trie: %s", st == IG_ENOMEM ? "out of memory" : "too many aliases");
out:
    if (st != IG_OK) {
        skills_taxonomy_free(t);
        return st;
    }
    *out = t;
    return IG_OK;
}

ig_status skills_taxonomy_load(skills_taxonomy **out, ig_err *err)
{
    ig_str s;
    *out = NULL;
    if (!datafiles_get("skills.tsv", &s))
        return status_errf(err, IG_EINTERNAL, "data/skills.tsv is not compiled in");
    return skills_taxonomy_parse(s.p, s.n, out, err);
}

void skills_taxonomy_free(skills_taxonomy *t)
{
    if (t == NULL)
        return;
    free(t->text);
    free(t->entries);
    free(t->nodes);
    free(t->aliases);
    free(t->keys);
    free(t->hash);
    free(t->by_len);
    free(t);
}

size_t skills_taxonomy_count(const skills_taxonomy *t) { return t ? t->n_entries : 0; }

const skills_entry *skills_taxonomy_at(const skills_taxonomy *t, size_t i)
{
    return t && i < t->n_entries ? &t->entries[i] : NULL;
}

/* ---- word lists for items */

/* Proficiencies and versions: a parenthesis or tail made only of these is not a skill. */
static const char *const qual_words[] = {
    "advanced", "intermediate", "beginner", "basic", "basics", "expert", "expertise", "proficient", "proficiency",
    "familiar", "fluent", "native", "good", "excellent", "strong", "solid", "working", "knowledge", "novice",
    "competent", "skilled", "experienced", "experience", "exp", "level", "years", "year", "yrs", "yr", "months",
    "month", "version", "versions", "ver", "and", "or", "since", "above", "plus", "latest", "senior", "junior",
    "mid", "high", "medium", "low", "mastery", "master", "learning", "currently", "some", "prior", "hands", "on",
    "professional", "limited", "elementary", "daily", "use", "used", "in", "of", "with", "the", "a", "only",
    "精通", "熟练掌握", "熟练", "熟悉", "了解", "掌握", "良好", "一般", "入门", "初级", "中级", "高级", "基础",
    "年以上", "年经验", "年", "以上", "较好", "优秀", "经验", "个月", "使用", "项目", "流利", "母语", "较强", "强",
    "能力", "水平", "程度", "左右", "多"};

/* Said before a skill: "Proficient in Java", "熟练掌握Java". Longest first where one holds another. */
static const char *const lead_words[] = {
    "hands-on experience with", "hands-on experience in", "working knowledge of", "basic knowledge of",
    "good knowledge of", "strong knowledge of", "solid knowledge of", "knowledge of", "knowledge in",
    "proficient in", "proficient with", "proficiency in", "proficiency with", "familiar with", "familiarity with",
    "experienced in", "experienced with", "experience in", "experience with", "expert in", "expertise in",
    "skilled in", "fluent in", "exposure to", "understanding of", "good at", "strong", "solid", "basic", "advanced",
    "intermediate", "proficient", "familiar", "expert", "excellent", "good", "some", "using",
    "能够熟练使用", "能熟练使用", "熟练掌握", "熟练使用", "熟练运用", "熟悉使用", "基本掌握", "初步了解", "深入理解",
    "精通", "熟练", "熟悉", "了解", "掌握", "擅长", "会使用", "能够使用", "使用", "具备", "具有", "良好的", "扎实的",
    "理解", "一定的"};

/* Said after a skill: "Machine Learning basics", "NoSQL databases", "Java开发". */
static const char *const tail_words[] = {
    "programming languages", "programming language", "basics", "basic", "fundamentals", "programming",
    "language", "languages", "framework", "frameworks", "library", "libraries", "database", "databases",
    "development", "developer", "skills", "skill", "ecosystem", "stack", "services", "tools", "platform",
    "concepts", "principles", "experience", "etc.", "etc", "advanced", "intermediate", "beginner", "expert",
    "proficient", "familiar", "fluent", "novice", "编程语言", "程序设计", "编程", "语言", "开发", "框架", "数据库",
    "基础", "技术", "能力", "构建", "应用", "原理", "工具", "平台", "相关", "等等", "等", "熟练", "精通", "熟悉",
    "了解", "入门"};

/* Conjunctions an item may start with: ", and Excel". */
static const char *const conj_words[] = {"and", "or", "as well as", "以及", "和", "及", "或", "与", "&"};

static bool ascii_word(const char *w) { return (unsigned char)w[0] < 0x80; }

/* True when s starts with w (ASCII case-insensitively) and, for an ASCII w, a word ends there. */
static bool starts_word(ig_str s, const char *w, size_t *len)
{
    size_t k = strlen(w);
    if (k > s.n)
        return false;
    for (size_t i = 0; i < k; i++)
        if (to_lower((unsigned char)s.p[i]) != (unsigned char)w[i])
            return false;
    if (ascii_word(w) && is_alnum((unsigned char)w[k - 1]) && k < s.n && is_alnum((unsigned char)s.p[k]))
        return false;
    *len = k;
    return true;
}

/* True when s ends with w, after a blank, a hyphen or nothing for a CJK w. */
static bool ends_word(ig_str s, const char *w, size_t *len)
{
    size_t k = strlen(w);
    if (k >= s.n)
        return false;
    const char *p = s.p + s.n - k;
    for (size_t i = 0; i < k; i++)
        if (to_lower((unsigned char)p[i]) != (unsigned char)w[i])
            return false;
    if (ascii_word(w)) {
        unsigned c = (unsigned char)p[-1];
        if (!(c == ' ' || c == '-' || c == '\t' || c == '\n'))
            return false;
    }
    *len = k;
    return true;
}

/* ---- trimming */

/* Bullets and marks around an item; not '.', '#' or '+', which skills keep (".NET", "C#", "C++"). */
static bool is_edge_mark(uint32_t c)
{
    switch (c) {
    case ',': case ';': case ':': case '!': case '?': case '"': case '\'': case '*': case '`': case '~':
    case 0x2022: case 0x00B7: case 0x25CF: case 0x25CB: case 0x25AA: case 0x25A0: case 0x25A1: case 0x25C6:
    case 0x25C7: case 0x25BA: case 0x25B8: case 0x27A2: case 0x27A4: case 0x2713: case 0x2714: case 0x2013:
    case 0x2014: case 0x2026: case 0x201C: case 0x201D: case 0x2018: case 0x2019: case 0x3001: case 0x3002:
    case 0xFF0C: case 0xFF1B: case 0xFF1A: case 0xFF01: case 0xFF1F: case 0x300C: case 0x300D: case 0x300E:
    case 0x300F: case 0x300A: case 0x300B:
        return true;
    default:
        return is_blankish(c) || c == 0xFFFD;
    }
}

static ig_str trim_marks(ig_str s)
{
    while (s.n > 0) {
        uint32_t c;
        size_t len = cp_at(s.p, s.n, 0, &c);
        if (!is_edge_mark(c))
            break;
        s.p += len;
        s.n -= len;
    }
    while (s.n > 0) {
        size_t st;
        uint32_t c = cp_before(s.p, s.n, &st);
        /* a trailing full stop goes ("Node.js."), but not the dot of "A.I." */
        if (!is_edge_mark(c) && !(c == '.' && !(s.n >= 3 && s.p[s.n - 3] == '.')))
            break;
        s.n = st;
    }
    return s;
}

/* ---- qualifiers */

/* A version-like token at s: "2", "3.x", "v2", "ES6", "2.7"; its length, 0 if none. */
static size_t version_len(ig_str s)
{
    size_t i = 0;
    if (s.n >= 2 && (s.p[0] == 'v' || s.p[0] == 'V') && is_digit((unsigned char)s.p[1]))
        i = 1;
    else if (s.n >= 3 && (s.p[0] | 0x20) == 'e' && (s.p[1] | 0x20) == 's' && is_digit((unsigned char)s.p[2]))
        i = 2;
    if (i >= s.n || !is_digit((unsigned char)s.p[i]))
        return 0;
    while (i < s.n && (is_digit((unsigned char)s.p[i]) || s.p[i] == '.' || s.p[i] == 'x' || s.p[i] == 'X'))
        i++;
    if (i < s.n && is_alpha((unsigned char)s.p[i]))
        return 0;
    return i;
}

/* True when s holds only proficiency words, numbers and versions ("Advanced", "versions 2+",
 * "熟练", "3年以上", "5/5", "★★★★"). */
static bool is_qualifier(ig_str s)
{
    size_t i = 0, tokens = 0;
    while (i < s.n) {
        uint32_t c;
        size_t len = cp_at(s.p, s.n, i, &c);
        if (is_blankish(c) || c == ',' || c == '/' || c == ':' || c == ';' || c == '.' || c == '+' || c == '%' ||
            c == '~' || c == '(' || c == ')' || c == 0x3001 || c == 0xFF0C || c == 0xFF1A || c == 0xFF08 ||
            c == 0xFF09 || c == 0x2605 || c == 0x2606 || c == 0x25CF || c == 0x25CB || c == 0x2013 || c == 0x2014) {
            tokens += c >= 0x2605 && c <= 0x2606;
            i += len;
            continue;
        }
        ig_str r = {s.p + i, s.n - i};
        size_t v = version_len(r);
        if (v > 0) {
            i += v;
            tokens++;
            continue;
        }
        bool found = false;
        for (size_t w = 0; w < sizeof qual_words / sizeof *qual_words && !found; w++) {
            size_t k;
            if (starts_word(r, qual_words[w], &k) &&
                (!ascii_word(qual_words[w]) || k == r.n || !is_alpha((unsigned char)r.p[k]))) {
                i += k;
                found = true;
            }
        }
        if (!found)
            return false;
        tokens++;
    }
    return tokens > 0;
}

/* ---- lookup */

/* Drops a trailing parenthesis: "Angular (versions 2+)" -> "Angular"; "(Java)" -> "Java". */
static bool strip_paren(ig_str *s)
{
    if (s->n < 2)
        return false;
    size_t st;
    uint32_t close = cp_before(s->p, s->n, &st);
    uint32_t open = close == ')' ? '(' : close == 0xFF09 ? 0xFF08 : close == ']' ? '[' : close == 0x3011 ? 0x3010 : 0;
    if (open == 0)
        return false;
    int depth = 0;
    size_t i = st;
    while (i > 0) {
        size_t b;
        uint32_t c = cp_before(s->p, i, &b);
        if (c == close) {
            depth++;
        } else if (c == open) {
            if (depth == 0) {
                if (b == 0)
                    *s = (ig_str){s->p + (i - b), st - i};
                else
                    s->n = b;
                return true;
            }
            depth--;
        }
        i = b;
    }
    return false;
}

static bool strip_lead(ig_str *s)
{
    for (size_t w = 0; w < sizeof lead_words / sizeof *lead_words; w++) {
        size_t k;
        if (starts_word(*s, lead_words[w], &k) && k < s->n) {
            ig_str r = {s->p + k, s->n - k};
            if (ascii_word(lead_words[w]) && !is_space((unsigned char)r.p[0]))
                continue;
            *s = r;
            return true;
        }
    }
    return false;
}

static bool strip_tail(ig_str *s)
{
    for (size_t w = 0; w < sizeof tail_words / sizeof *tail_words; w++) {
        size_t k;
        if (ends_word(*s, tail_words[w], &k)) {
            s->n -= k;
            return true;
        }
    }
    return false;
}

/* Drops a trailing version: "Python 3.10", "Angular 2+", "Python3", "C++17" (not "S3"). */
static bool strip_version(ig_str *s)
{
    size_t n = s->n;
    while (n > 0 && s->p[n - 1] == '+' && n >= 2 && is_digit((unsigned char)s->p[n - 2]))
        n--;
    size_t e = n;
    while (n > 0 && (is_digit((unsigned char)s->p[n - 1]) || s->p[n - 1] == '.' || s->p[n - 1] == 'x'))
        n--;
    if (n == e || !is_digit((unsigned char)s->p[n]))
        return false;
    /* "Vue v2", "YOLOv9": the v goes with the number, unless glued to a lower-case word ("Dev2") */
    if (n > 0 && (s->p[n - 1] == 'v' || s->p[n - 1] == 'V') && (n == 1 || !(s->p[n - 2] >= 'a' && s->p[n - 2] <= 'z')))
        n--;
    if (n > 0 && s->p[n - 1] == ' ') {
        s->n = n - 1;
        return true;
    }
    if (n >= 2 && (is_alpha((unsigned char)s->p[n - 1]) || s->p[n - 1] == '+' || s->p[n - 1] == '#')) {
        s->n = n;
        return true;
    }
    return false;
}

/* True when a and b (ASCII, case-insensitive) are at most one edit apart (insert, delete,
 * replace or swap of neighbours). */
static bool one_edit(const char *a, size_t an, const char *b, size_t bn)
{
    if (an > bn)
        return one_edit(b, bn, a, an);
    if (bn - an > 1)
        return false;
    size_t i = 0;
    while (i < an && to_lower((unsigned char)a[i]) == to_lower((unsigned char)b[i]))
        i++;
    if (i == an)
        return true;
    if (an == bn) {
        if (i + 1 < an && to_lower((unsigned char)a[i]) == to_lower((unsigned char)b[i + 1]) &&
            to_lower((unsigned char)a[i + 1]) == to_lower((unsigned char)b[i]))
            i += 2;
        else
            i++;
        for (; i < an; i++)
            if (to_lower((unsigned char)a[i]) != to_lower((unsigned char)b[i]))
                return false;
        return true;
    }
    for (; i < an; i++)
        if (to_lower((unsigned char)a[i]) != to_lower((unsigned char)b[i + 1]))
            return false;
    return true;
}

/* The one skill with an alias one edit away from s, or NULL (none, or two skills). */
static const skills_entry *fuzzy(const skills_taxonomy *t, ig_str s)
{
    char key[FUZZY_MAX + 1];
    size_t k = fold_all(s.p, s.n, false, key, FUZZY_MAX);
    if (k < FUZZY_MIN || k > FUZZY_MAX)
        return NULL;
    for (size_t i = 0; i < k; i++)
        if ((unsigned char)key[i] >= 0x80)
            return NULL;
    const skills_entry *found = NULL;
    size_t lo = k - 1, hi = k + 1 <= MAX_KEY ? k + 1 : MAX_KEY;
    for (uint32_t i = t->len_start[lo]; i < t->len_start[hi + 1]; i++) {
        const alias_rec *a = &t->aliases[t->by_len[i]];
        if (!one_edit(key, k, t->keys + a->key, a->key_len))
            continue;
        const skills_entry *e = &t->entries[a->entry];
        if (found != NULL && found != e)
            return NULL;
        found = e;
    }
    return found;
}

/* skills_lookup without the typo step (joins of parts use this: "Java/Spring" is no typo). */
static const skills_entry *lookup_strict(const skills_taxonomy *t, ig_str s, ig_str *rest)
{
    s = trim_marks(s);
    if (s.n == 0 || s.n > MAX_ITEM)
        return NULL;
    for (int round = 0; round < 8; round++) {
        const skills_entry *e = exact(t, s.p, s.n);
        if (e != NULL)
            return e;
        if (!(strip_paren(&s) || strip_lead(&s) || strip_tail(&s) || strip_version(&s)))
            break;
        s = trim_marks(s);
        if (s.n == 0)
            return NULL;
    }
    if (rest)
        *rest = s;
    if (s.n >= 4 && (s.p[s.n - 1] | 0x20) == 's' && (s.p[s.n - 2] | 0x20) != 's' && is_alpha((unsigned char)s.p[s.n - 2]))
        return exact(t, s.p, s.n - 1);
    return NULL;
}

const skills_entry *skills_lookup(const skills_taxonomy *t, const char *s, size_t n)
{
    if (t == NULL || s == NULL)
        return NULL;
    ig_str rest = STR_NULL;
    const skills_entry *e = lookup_strict(t, (ig_str){s, n}, &rest);
    if (e == NULL && rest.n > 0)
        e = fuzzy(t, rest);
    return e;
}

/* ---- scan */

typedef struct match {
    const skills_entry *e;
    size_t off, end;
    bool ambiguous;
} match;

/* Can an alias start at s[i]? Not inside a word, nor after a '.', '-' or '@' glued to one. */
static bool start_ok(const char *s, size_t i, uint32_t c)
{
    if (i == 0 || !(c < 0x80 && is_alnum(c)))
        return true;
    size_t b;
    uint32_t p = cp_before(s, i, &b);
    if ((p < 0x80 && is_alnum(p)) || p == '_' || p == '@')
        return false;
    if ((p == '.' || p == '-') && b > 0) {
        uint32_t q = cp_before(s, b, NULL);
        if (q < 0x80 && is_alnum(q))
            return false;
    }
    return true;
}

/* Can an alias whose folded form ends with byte last end at s[e]? *end gets the match's end,
 * past a version glued to a word-like alias of 3+ bytes ("Python3", "YOLOv8n"). */
static bool end_ok(const char *s, size_t n, size_t e, unsigned char last, size_t key_len, bool ambiguous, size_t *end)
{
    *end = e;
    if (e >= n || last >= 0x80)
        return true;
    uint32_t c;
    cp_at(s, n, e, &c);
    if (!is_alnum(last))
        return !(c < 0x80 && is_alnum(c));
    if (c < 0x80 && is_alnum(c) && is_alpha(last) && key_len >= 3 && !ambiguous) {
        size_t j = e;
        if ((s[j] == 'v' || s[j] == 'V') && j + 1 < n && is_digit((unsigned char)s[j + 1]))
            j++;
        if (j < n && is_digit((unsigned char)s[j])) {
            while (j < n && (is_digit((unsigned char)s[j]) ||
                             (s[j] == '.' && j + 1 < n && is_digit((unsigned char)s[j + 1]))))
                j++;
            if (j < n && s[j] >= 'a' && s[j] <= 'z' && !(j + 1 < n && is_alnum((unsigned char)s[j + 1])))
                j++;
            return end_ok(s, n, j, '0', 0, true, end);
        }
    }
    if ((c < 0x80 && is_alnum(c)) || c == '_' || c == '@' || c == '+' || c == '#')
        return false;
    if (c == '.' && e + 1 < n && is_alnum((unsigned char)s[e + 1]))
        return false;
    return true;
}

/* After an ambiguous alias: not "&D" (R&D), "'s" or a number ("Spring 2014"). */
static bool ambiguous_tail_ok(const char *s, size_t n, size_t end)
{
    if (end < n && (s[end] == '&' || s[end] == '\''))
        return false;
    while (end < n && (s[end] == ' ' || s[end] == '\t'))
        end++;
    return !(end < n && is_digit((unsigned char)s[end]));
}

/* True when the text s[off..end) is written exactly like record a (width and blanks folded). */
static bool same_case(const skills_taxonomy *t, const alias_rec *a, const char *s, size_t n)
{
    char buf[MAX_KEY];
    size_t k = fold_all(s, n, false, buf, MAX_KEY);
    return k == a->key_len && memcmp(buf, t->keys + a->key, k) == 0;
}

/* The longest acceptable alias starting at s[i]. In prose (prose) the case flags hold; in a
 * skills-list item only '?' aliases must keep their case. */
static bool match_at(const skills_taxonomy *t, const char *s, size_t n, size_t i, bool prose, match *m)
{
    hit hits[MAX_KEY];
    size_t nh = trie_walk(t, s + i, n - i, hits);
    while (nh-- > 0) {
        size_t e = i + hits[nh].end;
        const alias_rec *best = NULL;
        for (int32_t r = hits[nh].alias; r >= 0; r = t->aliases[r].next) {
            const alias_rec *a = &t->aliases[r];
            unsigned need = a->flags & (prose ? FLAG_CASE | FLAG_AMBIG : FLAG_AMBIG);
            if (need != 0 && !same_case(t, a, s + i, e - i))
                continue;
            if (best == NULL || (best->flags & FLAG_AMBIG && !(a->flags & FLAG_AMBIG)))
                best = a;
        }
        if (best == NULL)
            continue;
        bool ambiguous = prose && (best->flags & FLAG_AMBIG);
        size_t end;
        if (!end_ok(s, n, e, (unsigned char)t->keys[best->key + best->key_len - 1], best->key_len, ambiguous, &end))
            continue;
        if (ambiguous && !ambiguous_tail_ok(s, n, end))
            continue;
        *m = (match){&t->entries[best->entry], i, end, ambiguous};
        return true;
    }
    return false;
}

/* Only list separators between two mentions: ", " " and " "/" "、" "和"... */
static bool gap_is_list(const char *s, size_t a, size_t b)
{
    if (b < a || b - a > 24)
        return false;
    ig_str g = {s + a, b - a};
    size_t i = 0;
    while (i < g.n) {
        uint32_t c;
        size_t len = cp_at(g.p, g.n, i, &c);
        if (c == ' ' || c == '\t' || c == '\n' || c == ',' || c == '/' || c == ';' || c == '|' || c == '(' ||
            c == ')' || c == '&' || c == '+' || c == '=' || c == '>' || c == '<' || c == '-' ||
            c == 0x3001 || c == 0xFF0C || c == 0xFF1B || c == 0xFF08 || c == 0xFF09 || c == 0x00B7 ||
            c == 0x2022 || c == 0x548C || c == 0x6216 || c == 0x53CA || c == 0x4E0E || c == 0x4EE5) {
            i += len;
            continue;
        }
        size_t k;
        ig_str r = {g.p + i, g.n - i};
        if (starts_word(r, "and", &k) || starts_word(r, "or", &k)) {
            i += k;
            continue;
        }
        return false;
    }
    return true;
}

/* An ideograph right before off or right after end (one run of blanks between allowed). */
static bool next_to_cjk(const char *s, size_t n, size_t off, size_t end)
{
    size_t i = off;
    while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
        i--;
    if (i > 0 && is_ideo(cp_before(s, i, NULL)))
        return true;
    size_t j = end;
    while (j < n && (s[j] == ' ' || s[j] == '\t'))
        j++;
    uint32_t c;
    return j < n && (cp_at(s, n, j, &c), is_ideo(c));
}

/* The end of an ASCII token at i (a word start) when it is a URL or an e-mail address, else i. */
static size_t url_end(const char *s, size_t n, size_t i)
{
    static const char *const tlds[] = {".com/", ".org/", ".io/", ".net/", ".cn/", ".me/", ".dev/", ".edu/", ".ai/",
                                       ".co/"};
    size_t j = i;
    bool at = false, dot_after_at = false, url = false;
    while (j < n && j - i < MAX_SPAN) {
        unsigned char c = (unsigned char)s[j];
        if (c >= 0x80 || is_space(c) || c == ')' || c == ',' || c == ']' || c == '>' || c == '"')
            break;
        if (c == '@')
            at = true;
        else if (c == '.' && at)
            dot_after_at = true;
        if (c == ':' && j + 2 < n && s[j + 1] == '/' && s[j + 2] == '/')
            url = true;
        if (c == '.')
            for (size_t k = 0; k < sizeof tlds / sizeof *tlds && !url; k++) {
                size_t tl = strlen(tlds[k]);
                if (j + tl <= n && strncmp(s + j, tlds[k], tl) == 0)
                    url = true;
            }
        j++;
    }
    if (url || (at && dot_after_at) || (j - i > 4 && strncmp(s + i, "www.", 4) == 0))
        return j;
    return i;
}

typedef void (*scan_fn)(const skills_entry *e, size_t off, size_t len, void *arg);

static void scan_text(const skills_taxonomy *t, const char *s, size_t n, bool prose, scan_fn fn, void *arg)
{
    match pend = {0}, m;
    bool have_prev = false, pending = false, prev_sure = false, prev_short = false;
    size_t prev_end = 0, i = 0;
    while (i < n) {
        unsigned char b = (unsigned char)s[i];
        uint32_t c = b;
        size_t len = b < 0x80 ? 1 : cp_at(s, n, i, &c);
        bool word = c < 0x80 && is_alnum(c);
        if (word && (i == 0 || is_space((unsigned char)s[i - 1]) || s[i - 1] == '(' || s[i - 1] == '<')) {
            size_t u = url_end(s, n, i);
            if (u > i) {
                i = u;
                continue;
            }
        }
        /* cheap refusals first: nothing in the trie starts with this character */
        bool no = c < 0x80 ? ascii_class[c] == 2 || t->root[to_lower((unsigned char)c)] == 0 : !trie_prefix(t, s + i, len);
        if (no || !start_ok(s, i, c) || !match_at(t, s, n, i, prose, &m)) {
            i += len;
            /* no alias starts inside an ASCII word */
            if (word)
                while (i < n && is_alnum((unsigned char)s[i]))
                    i++;
            continue;
        }
        /* an ambiguous mention needs a sure neighbour; two short ones ("C, R") vouch for each other,
         * two words do not ("Research and Teaching") */
        bool adj = have_prev && gap_is_list(s, prev_end, m.off), m_short = m.end - m.off <= 2;
        if (pending && adj && (!m.ambiguous || (m_short && prev_short))) {
            fn(pend.e, pend.off, pend.end - pend.off, arg);
            prev_sure = true;
        }
        pending = false;
        if (m.ambiguous && !(adj && (prev_sure || (prev_short && m_short))) &&
            !(m.end - m.off >= 2 && next_to_cjk(s, n, m.off, m.end))) {
            pend = m;
            pending = true;
            prev_sure = false;
        } else {
            fn(m.e, m.off, m.end - m.off, arg);
            prev_sure = true;
        }
        have_prev = true;
        prev_short = m_short;
        prev_end = m.end;
        i = m.end > i ? m.end : i + len;
    }
}

void skills_scan(const skills_taxonomy *t, const char *s, size_t n, scan_fn fn, void *arg)
{
    if (t == NULL || s == NULL || fn == NULL)
        return;
    scan_text(t, s, n, true, fn, arg);
}

/* ---- split_line */

typedef void (*item_fn)(const skills_entry *e, const char *item, size_t len, void *arg);

typedef struct splitter {
    const skills_taxonomy *t;
    item_fn fn;
    void *arg;
    const skills_entry *outer; /* the item a parenthesis follows: not repeated from inside it */
    const skills_entry *last;  /* the last entry reported */
    const char *base;          /* the item being scanned, for scan_item */
    size_t found;
} splitter;

static void report(splitter *sp, const skills_entry *e, const char *p, size_t n)
{
    if (e != NULL && e == sp->outer)
        return;
    sp->last = e;
    sp->fn(e, p, n, sp->arg);
}

static void scan_item(const skills_entry *e, size_t off, size_t len, void *arg)
{
    splitter *sp = arg;
    sp->found++;
    report(sp, e, sp->base + off, len);
}

/* True when s has a letter, a digit or a CJK character (not just marks). */
static bool has_word(ig_str s)
{
    for (size_t i = 0; i < s.n;) {
        uint32_t c;
        i += cp_at(s.p, s.n, i, &c);
        if ((c < 0x80 && is_alnum(c)) || (c >= 0x80 && c != 0xFFFD && !is_wide(c)) || is_ideo(c))
            return true;
    }
    return false;
}

/* One final item: canonicalised, or the skills inside it, or reported unknown. */
static void emit_item(splitter *sp, ig_str s)
{
    s = trim_marks(s);
    if (s.n == 0 || !has_word(s) || is_qualifier(s))
        return;
    const skills_entry *e = skills_lookup(sp->t, s.p, s.n);
    if (e != NULL) {
        report(sp, e, s.p, s.n);
        return;
    }
    sp->found = 0;
    sp->base = s.p;
    scan_text(sp->t, s.p, s.n, false, scan_item, sp);
    if (sp->found == 0)
        report(sp, NULL, s.p, s.n);
}

/* A weak separator at s[i]: its length, 0 if none. */
static size_t weak_sep(ig_str s, size_t i)
{
    unsigned char c = (unsigned char)s.p[i];
    if (c == '/' || c == '&' || c == '\\' || c == '\n' || c == '\r')
        return 1;
    if (c == '+') {
        unsigned p = i > 0 ? (unsigned char)s.p[i - 1] : ' ', q = i + 1 < s.n ? (unsigned char)s.p[i + 1] : ' ';
        bool blanks = p == ' ' && q == ' ' && i > 0 && i + 1 < s.n;
        return (blanks || (is_alpha(p) && is_alpha(q) && i > 0 && i + 1 < s.n)) ? 1 : 0;
    }
    if (c == ' ' && i > 0) {
        ig_str r = {s.p + i + 1, s.n - i - 1};
        size_t k;
        if ((starts_word(r, "and", &k) || starts_word(r, "or", &k)) && k < r.n && r.p[k] == ' ')
            return k + 2;
        return 0;
    }
    static const char *const zh[] = {"以及", "\xEF\xBC\x8F" /* ／ */, "\xEF\xBC\x86" /* ＆ */, "和", "或", "及"};
    if (c >= 0x80)
        for (size_t w = 0; w < sizeof zh / sizeof *zh; w++) {
            size_t k = strlen(zh[w]);
            if (k <= s.n - i && memcmp(s.p + i, zh[w], k) == 0)
                return k;
        }
    return 0;
}

/* An item that weak separators may split: "CI/CD" whole, "C/C++" as two, "Git and GitHub" as two;
 * kept whole when no part is known. */
static void split_weak(splitter *sp, ig_str s)
{
    ig_str parts[MAX_PARTS];
    size_t k = 0, start = 0;
    for (size_t i = 0; i < s.n;) {
        size_t w = k + 1 < MAX_PARTS ? weak_sep(s, i) : 0;
        if (w == 0) {
            i++;
            continue;
        }
        ig_str p = trim_marks((ig_str){s.p + start, i - start});
        if (p.n > 0)
            parts[k++] = p;
        i += w;
        start = i;
    }
    ig_str p = trim_marks((ig_str){s.p + start, s.n - start});
    if (p.n > 0)
        parts[k++] = p;
    if (k <= 1) {
        emit_item(sp, k == 1 ? parts[0] : s);
        return;
    }
    /* segments: the longest known join from each part, else the part alone */
    size_t seg_end[MAX_PARTS];
    bool any = false;
    for (size_t i = 0; i < k;) {
        size_t j = i;
        for (size_t jj = (i + MAX_JOIN - 1 < k - 1 ? i + MAX_JOIN - 1 : k - 1); jj > i; jj--) {
            ig_str joined = {parts[i].p, (size_t)(parts[jj].p + parts[jj].n - parts[i].p)};
            if (lookup_strict(sp->t, joined, NULL) != NULL) {
                j = jj;
                any = true;
                break;
            }
        }
        if (j == i && skills_lookup(sp->t, parts[i].p, parts[i].n) != NULL)
            any = true;
        seg_end[i] = j;
        i = j + 1;
    }
    if (!any) {
        emit_item(sp, s);
        return;
    }
    for (size_t i = 0; i < k; i = seg_end[i] + 1)
        emit_item(sp, (ig_str){parts[i].p, (size_t)(parts[seg_end[i]].p + parts[seg_end[i]].n - parts[i].p)});
}

static void split_list(splitter *sp, ig_str s, int depth);

/* The open-bracket code point at s[i] (ASCII or full-width), its closing one in *close. */
static size_t bracket_open(ig_str s, size_t i, uint32_t *close)
{
    uint32_t c;
    size_t len = cp_at(s.p, s.n, i, &c);
    *close = c == '(' ? ')' : c == 0xFF08 ? 0xFF09 : c == '[' ? ']' : c == 0x3010 ? 0x3011 : 0;
    return *close ? len : 0;
}

/* "head: rest" or "head - rest" at paren depth 0 in the first 80 bytes: the separator's
 * offset and length in *at, *len; false when none. A colon of "://" is not one. */
static bool find_prefix(ig_str s, size_t *at, size_t *len)
{
    int depth = 0;
    for (size_t i = 0; i < s.n && i < 80;) {
        uint32_t c, close;
        size_t l = cp_at(s.p, s.n, i, &c);
        if (bracket_open(s, i, &close))
            depth++;
        else if ((c == ')' || c == 0xFF09 || c == ']' || c == 0x3011) && depth > 0)
            depth--;
        else if (depth == 0 && i > 0 && (c == ':' || c == 0xFF1A) && !(i + 1 < s.n && s.p[i + 1] == '/')) {
            *at = i;
            *len = l;
            return true;
        } else if (depth == 0 && i > 0 && s.p[i - 1] == ' ' && (c == '-' || c == 0x2013 || c == 0x2014)) {
            size_t j = i + l, dl;
            uint32_t d;
            while (j < s.n && (dl = cp_at(s.p, s.n, j, &d)) > 0 && (d == '-' || d == 0x2013 || d == 0x2014))
                j += dl;
            if (j < s.n && s.p[j] == ' ') {
                *at = i;
                *len = j - i;
                return true;
            }
        }
        i += l;
    }
    return false;
}

/* Drops a category prefix ("Tech: ...") unless what follows it is only a proficiency. */
static ig_str drop_prefix(ig_str s)
{
    size_t at, len;
    if (!find_prefix(s, &at, &len))
        return s;
    ig_str head = trim_marks((ig_str){s.p, at}), rest = {s.p + at + len, s.n - at - len};
    /* the first item after the separator decides */
    size_t first = 0;
    while (first < rest.n && rest.p[first] != ',' && rest.p[first] != ';')
        first++;
    ig_str r1 = trim_marks((ig_str){rest.p, first}), all = trim_marks(rest);
    if (head.n == 0)
        return rest;
    if (all.n == 0 || is_qualifier(all))
        return head; /* "Python: Advanced" */
    if (is_qualifier(r1))
        return s; /* "Python: Advanced, Java: Basic": each item has its own */
    return rest;
}

static ig_str drop_conj(ig_str s)
{
    for (size_t w = 0; w < sizeof conj_words / sizeof *conj_words; w++) {
        size_t k;
        if (starts_word(s, conj_words[w], &k) && k < s.n) {
            if (ascii_word(conj_words[w]) && is_alpha((unsigned char)conj_words[w][0]) && s.p[k] != ' ')
                continue;
            return trim_marks((ig_str){s.p + k, s.n - k});
        }
    }
    return s;
}

/* One item between strong separators: "A (B) C..." with A split on weak separators and B, when it
 * is not a proficiency, split as a list of its own. */
static void split_chunk(splitter *sp, ig_str s, int depth)
{
    s = trim_marks(s);
    if (s.n == 0)
        return;
    s = trim_marks(drop_prefix(s));
    s = drop_conj(s);
    for (int i = 0; i < 3 && strip_lead(&s); i++)
        s = trim_marks(s);
    const skills_entry *outer = NULL;
    while (s.n > 0) {
        size_t open = s.n, olen = 0;
        uint32_t close = 0;
        for (size_t i = 0; i < s.n; i++)
            if ((olen = bracket_open(s, i, &close)) > 0) {
                open = i;
                break;
            }
        if (open == s.n) {
            split_weak(sp, s);
            return;
        }
        ig_str a = trim_marks((ig_str){s.p, open});
        if (a.n > 0) {
            sp->last = NULL;
            split_weak(sp, a);
            outer = sp->last;
        }
        size_t i = open + olen, b0 = i;
        int d = 0;
        size_t cend = s.n, clen = 0;
        while (i < s.n) {
            uint32_t c, cl;
            size_t l = cp_at(s.p, s.n, i, &c);
            if (bracket_open(s, i, &cl))
                d++;
            else if (c == close || c == ')' || c == 0xFF09 || c == ']' || c == 0x3011) {
                if (d == 0) {
                    cend = i;
                    clen = l;
                    break;
                }
                d--;
            }
            i += l;
        }
        ig_str inner = {s.p + b0, cend - b0};
        if (!is_qualifier(trim_marks(inner))) {
            const skills_entry *saved = sp->outer;
            sp->outer = outer;
            if (depth < MAX_DEPTH)
                split_list(sp, inner, depth + 1);
            else
                split_weak(sp, inner);
            sp->outer = saved;
        }
        s = trim_marks((ig_str){s.p + cend + clen, s.n - cend - clen});
    }
}

/* A strong separator at s[i]: its length, 0 if none. */
static size_t strong_sep(ig_str s, size_t i)
{
    unsigned char c = (unsigned char)s.p[i];
    if (c == ',' || c == ';' || c == '|' || c == '\t' || c == '>' || c == '<' || c == '=')
        return 1;
    if (c < 0x80)
        return 0;
    uint32_t cp;
    size_t len = cp_at(s.p, s.n, i, &cp);
    switch (cp) {
    case 0xFF0C: case 0xFF1B: case 0x3001: case 0x3002: case 0xFF5C: case 0x00B7: case 0x2022: case 0x25CF:
    case 0x25AA: case 0x25A0: case 0x25C6: case 0x25BA: case 0x25B8: case 0x27A2: case 0x27A4: case 0x2192:
    case 0x2265: case 0x2264: case 0x00BB: case 0xFF1E: case 0xFF1C: case 0xFF1D: case 0x30FB:
        return len;
    default:
        return 0;
    }
}

static void split_list(splitter *sp, ig_str s, int depth)
{
    int d = 0;
    size_t start = 0;
    for (size_t i = 0; i < s.n;) {
        uint32_t c, close;
        size_t l = cp_at(s.p, s.n, i, &c);
        if (bracket_open(s, i, &close)) {
            d++;
        } else if (c == ')' || c == 0xFF09 || c == ']' || c == 0x3011) {
            if (d > 0)
                d--;
        } else if (d == 0 && strong_sep(s, i) > 0) {
            l = strong_sep(s, i);
            split_chunk(sp, (ig_str){s.p + start, i - start}, depth);
            start = i + l;
        }
        i += l;
    }
    split_chunk(sp, (ig_str){s.p + start, s.n - start}, depth);
}

void skills_split_line(const skills_taxonomy *t, const char *line, size_t n, item_fn fn, void *arg)
{
    if (t == NULL || line == NULL || fn == NULL)
        return;
    splitter sp = {t, fn, arg, NULL, NULL, NULL, 0};
    ig_str s = trim_marks((ig_str){line, n});
    /* a category prefix may hold commas ("操作系统, 数据库与工程构建: Linux/MySQL") */
    s = drop_prefix(s);
    split_list(&sp, s, 0);
}

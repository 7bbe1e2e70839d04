/* Text statistics for the offline scorer: one tokenizer cuts both the lexicon's phrases and the
 * answer into hashed units, so a phrase matches a text exactly when their units do; phrases are
 * found through a hash index on their first unit, longest first. */
#include "ai/textstats.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/datafiles.h"
#include "core/utf8.h"
#include "parse/skills.h"

/* ---- hashing ---- */

#define FNV_OFFSET 1469598103934665603ULL
#define FNV_PRIME 1099511628211ULL

/* Element hashes below 16 are reserved for the special phrase elements. */
#define E_GAP 1ULL /* "..." */
#define E_NUM 2ULL /* "<num>" */
#define GAP_MAX 8

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= FNV_PRIME;
    }
    return h;
}

static uint64_t fix_hash(uint64_t h)
{
    return h < 16 ? h + 16 : h;
}

static uint64_t hash_bytes(const void *p, size_t n)
{
    return fix_hash(fnv(FNV_OFFSET, p, n));
}

/* The term of a run of elements (a multi-unit phrase). */
static uint64_t hash_elems(const uint64_t *e, size_t n)
{
    uint64_t h = fnv(FNV_OFFSET, "phrase", 6);
    for (size_t i = 0; i < n; i++)
        h = fnv(h, &e[i], sizeof e[i]);
    return fix_hash(h);
}

/* ---- open-addressing map from hash to a 32-bit value ---- */

typedef struct hmap {
    uint64_t *keys; /* 0: empty */
    uint32_t *vals;
    size_t mask;
} hmap;

static ig_status hmap_init(hmap *m, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    m->keys = calloc(cap, sizeof *m->keys);
    m->vals = calloc(cap, sizeof *m->vals);
    m->mask = cap - 1;
    return m->keys && m->vals ? IG_OK : IG_ENOMEM;
}

static void hmap_free(hmap *m)
{
    free(m->keys);
    free(m->vals);
}

/* The slot of key: its own, or the empty one where it would go. The map is never full. */
static size_t hmap_slot(const hmap *m, uint64_t key)
{
    size_t i = (size_t)(key ^ (key >> 29)) & m->mask;
    while (m->keys[i] != 0 && m->keys[i] != key)
        i = (i + 1) & m->mask;
    return i;
}

static const uint32_t *hmap_get(const hmap *m, uint64_t key)
{
    size_t i = hmap_slot(m, key);
    return m->keys[i] == key ? &m->vals[i] : NULL;
}

/* ---- units ---- */

enum { K_WORD, K_NUM, K_CJK, K_SYM };

enum {
    F_BREAK = 1 << 0,        /* punctuation or a sentence boundary before this unit */
    F_PAUSE_AFTER = 1 << 1,  /* a comma-like pause right after it */
    F_STOP = 1 << 2,         /* English function word */
    F_QSTOP = 1 << 3,        /* a word of a question's wording */
    F_STOPCHAR = 1 << 4,     /* Chinese particle */
    F_CONSUMED = 1 << 5,     /* inside a known multi-character Chinese term */
    F_SHAPE = 1 << 6,        /* looks technical */
    F_ACRONYM = 1 << 7,      /* all capitals */
    F_FP = 1 << 8,           /* first-person pronoun */
    F_YEAR = 1 << 9,         /* a bare year: 1950..2049 */
    F_PCT = 1 << 10,         /* a number followed by '%' */
    F_SENT_START = 1 << 11,  /* first unit of a sentence */
    F_COMMON = 1 << 12,      /* lexicon only: a generic content word ("work", "时间") */
};

typedef struct unit {
    uint64_t h;
    uint32_t off, len; /* bytes of the text (for a '%' after a number: the '%' itself) */
    uint32_t sent;     /* sentence index */
    uint32_t cp;       /* the character of a K_CJK unit */
    uint16_t flags;
    uint8_t kind;
} unit;

typedef struct units {
    unit *u;
    size_t n, cap;
    size_t sentences, separators, latin_words, cjk_chars;
    double sent_words, max_sent_words;
} units;

static ig_status units_push(units *us, unit u)
{
    if (us->n == us->cap) {
        size_t cap = us->cap ? us->cap * 2 : 64;
        unit *p = realloc(us->u, cap * sizeof *p);
        if (p == NULL)
            return IG_ENOMEM;
        us->u = p;
        us->cap = cap;
    }
    us->u[us->n++] = u;
    return IG_OK;
}

static void units_end_sentence(units *us, bool *pending_break, size_t *sent_units)
{
    if (*sent_units > 0) {
        if (us->sent_words > us->max_sent_words)
            us->max_sent_words = us->sent_words;
        us->sentences++;
        us->sent_words = 0;
        *sent_units = 0;
    }
    *pending_break = true;
}

/* The code point at s[i..n) with fullwidth ASCII folded to ASCII and spaces to ' '; its byte
 * length in *len (1 for a malformed byte, whose code point is 0xFFFD). */
static uint32_t next_cp(const char *s, size_t n, size_t i, size_t *len)
{
    uint32_t cp;
    size_t l = utf8_decode((const unsigned char *)s + i, n - i, &cp);
    if (l == 0) {
        *len = 1;
        return 0xFFFD;
    }
    *len = l;
    if (cp >= 0xFF01 && cp <= 0xFF5E)
        return cp - 0xFEE0;
    if (cp == 0x3000 || cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F || cp == '\t' ||
        cp == '\r' || cp == '\f' || cp == '\v')
        return ' ';
    if (cp == 0x2018 || cp == 0x2019 || cp == 0x02BC)
        return '\'';
    if (cp == 0x3002 || cp == 0xFF61)
        return 0x3002; /* 。 */
    return cp;
}

static bool is_letter(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7);
}

static bool is_digit(uint32_t c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(uint32_t c)
{
    return is_letter(c) || is_digit(c);
}

static bool is_cjk(uint32_t c)
{
    return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FA1F);
}

static bool is_pause(uint32_t c)
{
    return c == ',' || c == 0x3001 || c == ':' || c == 0x2014 || c == 0x2013 || c == 0x2026 || c == '(' ||
           c == ')' || c == 0x2E3A;
}

static bool ends_with(const char *w, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n >= k && memcmp(w + n - k, suf, k) == 0;
}

static bool is_vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

/* Light English stemming in place (lower-case ASCII): possessive, plural, -ing, -ed, -ization,
 * -ation, final e. Not linguistics: only consistency, so that the forms of one word meet. */
static size_t stem(char *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((w[i] >= 'a' && w[i] <= 'z') || w[i] == '\'' || w[i] == '-'))
            return n;
    if (ends_with(w, n, "'s"))
        n -= 2;
    if (n <= 3)
        return n;
    if (ends_with(w, n, "ization") || ends_with(w, n, "isation")) {
        n -= 5;
        w[n - 1] = 'z';
    } else if (n > 7 && ends_with(w, n, "ation")) {
        n -= 3;
    } else if (n > 4 && (ends_with(w, n, "ies") || ends_with(w, n, "ied"))) {
        n -= 2;
        w[n - 1] = 'y';
    } else if (ends_with(w, n, "sses") || ends_with(w, n, "xes") || ends_with(w, n, "ches") ||
               ends_with(w, n, "shes") || ends_with(w, n, "zzes")) {
        n -= 2;
    } else if (w[n - 1] == 's' && !ends_with(w, n, "ss") && !ends_with(w, n, "us") && !ends_with(w, n, "is")) {
        n -= 1;
    }
    bool cut = false;
    if (n > 5 && ends_with(w, n, "ing")) {
        n -= 3;
        cut = true;
    } else if (n > 3 && ends_with(w, n, "ed")) {
        n -= 2;
        cut = true;
    }
    if (cut && n >= 4 && w[n - 1] == w[n - 2] && !is_vowel(w[n - 1]) && w[n - 1] != 'l' && w[n - 1] != 's' &&
        w[n - 1] != 'z')
        n--;
    if (n > 2 && w[n - 1] == 'e')
        n--;
    if (n > 5 && ends_with(w, n, "is"))
        w[n - 1] = 'z';
    return n;
}

static bool word_is(const char *w, size_t n, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strlen(list[i]) == n && memcmp(list[i], w, n) == 0)
            return true;
    return false;
}

static const char *const NOT_TECH[] = {"e.g", "i.e", "a.m", "p.m", "etc", "and/or", "he/she", "his/her", "s/he",
                                       "ok", "okay", "vs", NULL};
static const char *const FIRST_PERSON[] = {"i", "we", "i'm", "i've", "i'd", "i'll", "we're", "we've", "we'd",
                                           "we'll", NULL};
static const char *const NO_SENTENCE_END[] = {"e.g", "i.e", "vs", "etc", "mr", "mrs", "ms", "dr", "approx", "incl",
                                              NULL};

#define WORD_MAX 64

/* Reads the Latin word or number starting at s[i] and appends its unit, or skips a list bullet
 * ("1." opening a line: *bullet). *next: the index after it. IG_ENOMEM only. */
static ig_status read_word(const char *s, size_t n, size_t i, units *us, uint16_t flags, bool line_start,
                           size_t *next, bool *bullet)
{
    char buf[WORD_MAX];
    size_t bl = 0, start = i, len;
    bool lower = false, upper_after_lower = false, digit = false, joiner = false, all_upper = true, first_digit;
    size_t letters = 0;
    uint32_t c = next_cp(s, n, i, &len);
    first_digit = is_digit(c);
    *bullet = false;
    for (;;) {
        if (is_alnum(c)) {
            if (is_digit(c)) {
                digit = true;
            } else {
                letters++;
                if ((c >= 'a' && c <= 'z') || (c >= 0xDF && c != 0xD7)) {
                    lower = true;
                    all_upper = false;
                } else if (lower) {
                    upper_after_lower = true;
                }
            }
            char lc = c < 0x80 ? (char)((c >= 'A' && c <= 'Z') ? c + 32 : c) : 0;
            if (lc && bl < WORD_MAX)
                buf[bl++] = lc;
            else if (!lc) {
                size_t k = 0;
                while (k < len && bl < WORD_MAX)
                    buf[bl++] = s[i + k++];
            }
            i += len;
        } else if (i > start && (c == '.' || c == '-' || c == '_' || c == '/' || c == '\'' || c == '+' ||
                                 c == '#' || c == ',')) {
            size_t l2;
            uint32_t d = i + len < n ? next_cp(s, n, i + len, &l2) : 0;
            bool glue = c == ',' ? first_digit && is_digit(d) : c == '\'' ? is_letter(d) : is_alnum(d);
            /* "C++", "C#", "F#", "B+" keep a trailing + or # on a short word */
            if (!glue && (c == '+' || c == '#') && letters >= 1 && letters <= 2 && !digit)
                glue = true;
            if (!glue)
                break;
            if (c != ',' && c != '\'')
                joiner = joiner || c != '-';
            if (bl < WORD_MAX)
                buf[bl++] = (char)c;
            i += len;
        } else {
            break;
        }
        if (i >= n)
            break;
        c = next_cp(s, n, i, &len);
    }
    /* "1." / "2)" opening a line is a list bullet, not a number */
    if (line_start && first_digit && !joiner && letters == 0 && i - start <= 2 && i < n) {
        size_t l2;
        uint32_t d = next_cp(s, n, i, &l2);
        if (d == '.' || d == ')' || d == 0x3001) {
            *bullet = true;
            us->separators++;
            *next = i + l2;
            return IG_OK;
        }
    }
    *next = i;
    unit u = {0};
    u.off = (uint32_t)start;
    u.len = (uint32_t)(i - start);
    u.sent = (uint32_t)us->sentences;
    u.flags = flags;
    u.kind = first_digit ? K_NUM : K_WORD;
    size_t hl = bl;
    if (u.kind == K_WORD && i - start < WORD_MAX)
        hl = stem(buf, bl);
    u.h = hash_bytes(buf, hl);
    if (u.kind == K_NUM) {
        if (bl == 4 && !joiner && letters == 0) {
            int y = (buf[0] - '0') * 1000 + (buf[1] - '0') * 100 + (buf[2] - '0') * 10 + (buf[3] - '0');
            if (y >= 1950 && y <= 2049)
                u.flags |= F_YEAR;
        }
    } else if (!word_is(buf, bl, NOT_TECH)) {
        if (upper_after_lower || (all_upper && letters >= 2) || joiner || (digit && letters > 0))
            u.flags |= F_SHAPE;
        if (all_upper && letters >= 2)
            u.flags |= F_ACRONYM;
    }
    if (u.kind == K_WORD && word_is(buf, bl, FIRST_PERSON))
        u.flags |= F_FP;
    us->latin_words++;
    us->sent_words += 1;
    return units_push(us, u);
}

/* Whether the '.' at s[i] ends a sentence: followed by a blank, the end, or CJK, and not by a
 * lower-case word; not after an abbreviation. */
static bool dot_ends(const char *s, size_t n, size_t i, const units *us)
{
    size_t len, j = i + 1;
    if (j >= n)
        return true;
    uint32_t c = next_cp(s, n, j, &len);
    if (c == '.')
        return false;
    if (c != ' ' && c != '\n' && !is_cjk(c) && c != '"' && c != ')' && c != 0x201D)
        return false;
    while (j < n && (c == ' ')) {
        j += len;
        if (j >= n)
            return true;
        c = next_cp(s, n, j, &len);
    }
    if (c >= 'a' && c <= 'z')
        return false;
    if (us->n > 0) {
        const unit *p = &us->u[us->n - 1];
        if (p->kind == K_WORD && p->off + p->len == i) {
            char b[8];
            size_t k = 0;
            for (; k < p->len && k < sizeof b; k++)
                b[k] = (char)(s[p->off + k] | 0x20);
            if (p->len <= sizeof b && word_is(b, p->len, NO_SENTENCE_END))
                return false;
        }
    }
    return true;
}

/* Cuts n bytes of s into units. IG_ENOMEM only. */
static ig_status tokenize(const char *s, size_t n, units *us)
{
    bool pending_break = true, line_start = true, sent_start = true;
    size_t sent_units = 0, i = 0;
    while (i < n) {
        size_t len;
        uint32_t c = next_cp(s, n, i, &len);
        if (is_alnum(c)) {
            bool bullet;
            uint16_t fl = (pending_break ? F_BREAK : 0) | (sent_start ? F_SENT_START : 0);
            if (read_word(s, n, i, us, fl, line_start, &i, &bullet) != IG_OK)
                return IG_ENOMEM;
            if (!bullet) {
                pending_break = sent_start = line_start = false;
                sent_units++;
            } else {
                pending_break = true;
            }
            continue;
        }
        if (is_cjk(c) || c == '%') {
            unit u = {0};
            u.off = (uint32_t)i;
            u.len = (uint32_t)len;
            u.sent = (uint32_t)us->sentences;
            u.flags = (pending_break ? F_BREAK : 0) | (sent_start ? F_SENT_START : 0);
            u.h = hash_bytes(s + i, len);
            if (c == '%') {
                u.kind = K_SYM;
                if (us->n > 0 && us->u[us->n - 1].kind == K_NUM && us->u[us->n - 1].off + us->u[us->n - 1].len == i)
                    us->u[us->n - 1].flags |= F_PCT;
            } else {
                u.kind = K_CJK;
                u.cp = c;
                us->cjk_chars++;
                us->sent_words += 1 / 1.5;
                if (c == 0x6211) /* 我 */
                    u.flags |= F_FP;
            }
            if (units_push(us, u) != IG_OK)
                return IG_ENOMEM;
            pending_break = sent_start = line_start = false;
            sent_units++;
            i += len;
            continue;
        }
        i += len;
        if (c == ' ')
            continue;
        if (c == '\n') {
            units_end_sentence(us, &pending_break, &sent_units);
            line_start = sent_start = true;
            continue;
        }
        if (c == '.' && i < n && s[i] == '.') {
            /* an ellipsis: a pause */
            while (i < n && s[i] == '.')
                i++;
            c = 0x2026;
        }
        if ((c == '.' && dot_ends(s, n, i - 1, us)) || c == '!' || c == '?' || c == 0x3002 || c == ';') {
            if (c == ';')
                us->separators++;
            units_end_sentence(us, &pending_break, &sent_units);
            sent_start = true;
            continue;
        }
        if (line_start && (c == '-' || c == '*' || c == 0x2022 || c == 0xB7 || c == 0x25CF || c == 0x25AA)) {
            us->separators++;
            pending_break = true;
            continue;
        }
        if (is_pause(c) || c == '-') {
            if (c == ',' || c == 0x3001)
                us->separators++;
            if (us->n > 0)
                us->u[us->n - 1].flags |= F_PAUSE_AFTER;
        } else if (c == '/' || c == '|' || c == 0x2022 || c == 0xB7) {
            us->separators++;
        }
        pending_break = true;
    }
    units_end_sentence(us, &pending_break, &sent_units);
    return IG_OK;
}

/* ---- the lexicon ---- */

/* Classes past the counted ones: they shape terms instead. */
enum {
    LX_FILLER_PAUSE = TEXTSTATS_NCLASSES,
    LX_STOP,
    LX_QSTOP,
    LX_STOPCHAR,
    LX_COMMON,
    LX_SYN,
};

static const char *const CLASS_NAMES[TEXTSTATS_NCLASSES] = {
    "filler", "hedge", "situation", "task", "action", "result", "reflection", "work", "cause", "order",
    "example", "definition", "mechanism", "tradeoff", "nonanswer", "verb", "tech", "kp_situation",
    "kp_task", "kp_action", "kp_result", "kp_metric", "kp_learning", "kp_example", "kp_tradeoff",
    "kp_cause", "kp_order", "kp_tech",
};

typedef struct phrase {
    uint32_t elem; /* index of its first element in lexicon.elems */
    uint8_t n;     /* elements, gaps included */
    uint8_t cls;
    bool cjk;      /* every unit Chinese: a known term covers its characters */
    bool single;   /* one English word or number: its term is the word's own */
    uint64_t term; /* the term it adds (tech, syn), 0 for none */
} phrase;

typedef struct word_info {
    uint16_t flags; /* F_STOP, F_QSTOP, F_STOPCHAR, F_COMMON */
    uint64_t syn;   /* the synonym group's term, 0 for none */
} word_info;

struct textstats_lexicon {
    phrase *phrases;
    size_t n_phrases, cap_phrases;
    uint64_t *elems;
    size_t n_elems, cap_elems;
    uint32_t *order; /* phrase indices by first element, longest first */
    hmap first;      /* first element -> index in order */
    word_info *words;
    size_t n_words, cap_words;
    hmap word_map;    /* unit hash -> index in words */
    hmap syn_check;   /* while loading: synonym phrases seen, to refuse a phrase in two groups */
    size_t n_syn;
};

const char *textstats_class_name(textstats_class c)
{
    return (unsigned)c < TEXTSTATS_NCLASSES ? CLASS_NAMES[c] : "?";
}

static int class_parse(const char *s, size_t n)
{
    for (int i = 0; i < TEXTSTATS_NCLASSES; i++)
        if (strlen(CLASS_NAMES[i]) == n && memcmp(CLASS_NAMES[i], s, n) == 0)
            return i;
    static const struct {
        const char *name;
        int cls;
    } extra[] = {{"filler_pause", LX_FILLER_PAUSE}, {"stop", LX_STOP},         {"qstop", LX_QSTOP},
                 {"stopchar", LX_STOPCHAR},         {"common", LX_COMMON}};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        if (strlen(extra[i].name) == n && memcmp(extra[i].name, s, n) == 0)
            return extra[i].cls;
    if (n > 4 && memcmp(s, "syn:", 4) == 0)
        return LX_SYN;
    return -1;
}

static ig_status grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return IG_OK;
    size_t c = *cap ? *cap : 256;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (q == NULL)
        return IG_ENOMEM;
    *p = q;
    *cap = c;
    return IG_OK;
}

/* The word_info of h, created empty when new. NULL on ENOMEM. */
static word_info *lx_word(textstats_lexicon *lx, uint64_t h)
{
    size_t slot = hmap_slot(&lx->word_map, h);
    if (lx->word_map.keys[slot] == h)
        return &lx->words[lx->word_map.vals[slot]];
    if (grow((void **)&lx->words, &lx->cap_words, lx->n_words + 1, sizeof *lx->words) != IG_OK)
        return NULL;
    lx->word_map.keys[slot] = h;
    lx->word_map.vals[slot] = (uint32_t)lx->n_words;
    lx->words[lx->n_words] = (word_info){0, 0};
    return &lx->words[lx->n_words++];
}

/* Room for many more words and pairs than the shipped files hold: the maps do not grow. */
#define LX_WORDS_MAX 16384
#define LX_PHRASES_MAX 32768

/* One line's phrase (bytes p[0..n)) into elements; units of the phrase in *us (reset first). */
static ig_status phrase_elems(const char *p, size_t n, units *us, uint64_t *el, size_t *nel, const char **why)
{
    *nel = 0;
    size_t i = 0;
    us->n = 0;
    while (i < n) {
        while (i < n && p[i] == ' ')
            i++;
        size_t j = i;
        while (j < n && p[j] != ' ')
            j++;
        if (j == i)
            break;
        if (*nel >= 16) {
            *why = "more than 16 words";
            return IG_EINVAL;
        }
        if (j - i == 5 && memcmp(p + i, "<num>", 5) == 0) {
            el[(*nel)++] = E_NUM;
        } else if (j - i == 3 && memcmp(p + i, "...", 3) == 0) {
            if (*nel == 0 || el[*nel - 1] == E_GAP) {
                *why = "\"...\" must stand between words";
                return IG_EINVAL;
            }
            el[(*nel)++] = E_GAP;
        } else {
            units piece = {0};
            if (tokenize(p + i, j - i, &piece) != IG_OK) {
                free(piece.u);
                return IG_ENOMEM;
            }
            if (piece.n == 0) {
                free(piece.u);
                *why = "a word with no letters, digits or characters";
                return IG_EINVAL;
            }
            for (size_t k = 0; k < piece.n; k++) {
                if (*nel >= 16 || units_push(us, piece.u[k]) != IG_OK) {
                    free(piece.u);
                    *why = "more than 16 words";
                    return *nel >= 16 ? IG_EINVAL : IG_ENOMEM;
                }
                us->u[us->n - 1].off += (uint32_t)i;
                el[(*nel)++] = piece.u[k].h;
            }
            free(piece.u);
        }
        i = j;
    }
    if (*nel == 0 || el[*nel - 1] == E_GAP) {
        *why = *nel == 0 ? "no phrase" : "\"...\" must stand between words";
        return IG_EINVAL;
    }
    return IG_OK;
}

static ig_status lx_line(textstats_lexicon *lx, const char *line, size_t n, units *us, const char **why)
{
    const char *t1 = memchr(line, '\t', n);
    const char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(line + n - t1 - 1)) : NULL;
    if (t2 == NULL || memchr(t2 + 1, '\t', (size_t)(line + n - t2 - 1)) != NULL) {
        *why = "not lang<TAB>class<TAB>phrase";
        return IG_EINVAL;
    }
    size_t ll = (size_t)(t1 - line);
    if (!(ll == 2 && (memcmp(line, "en", 2) == 0 || memcmp(line, "zh", 2) == 0))) {
        *why = "lang is not en or zh";
        return IG_EINVAL;
    }
    const char *cs = t1 + 1;
    size_t cn = (size_t)(t2 - cs);
    int cls = class_parse(cs, cn);
    if (cls < 0) {
        *why = "unknown class";
        return IG_EINVAL;
    }
    uint64_t el[16];
    size_t nel;
    ig_status st = phrase_elems(t2 + 1, (size_t)(line + n - t2 - 1), us, el, &nel, why);
    if (st != IG_OK)
        return st;
    bool special = false, cjk = true;
    for (size_t k = 0; k < nel; k++)
        special = special || el[k] < 16;
    for (size_t k = 0; k < us->n; k++)
        cjk = cjk && us->u[k].kind == K_CJK;
    bool stop = cls == LX_STOP || cls == LX_QSTOP || cls == LX_STOPCHAR;
    if ((stop || cls == LX_COMMON) && special) {
        *why = "stop and common words take no <num> or ...";
        return IG_EINVAL;
    }
    if (cls == LX_COMMON) {
        /* the word's term: an English word, or a Chinese word's character pairs */
        for (size_t k = 0; k < us->n; k++) {
            uint64_t h = us->u[k].h;
            if (us->u[k].kind == K_CJK) {
                if (k + 1 >= us->n || us->u[k + 1].kind != K_CJK)
                    continue;
                const char *a = t2 + 1 + us->u[k].off, *b = t2 + 1 + us->u[k + 1].off;
                h = fix_hash(fnv(fnv(FNV_OFFSET, a, us->u[k].len), b, us->u[k + 1].len));
            }
            word_info *w = lx_word(lx, h);
            if (w == NULL)
                return IG_ENOMEM;
            w->flags |= F_COMMON;
        }
        return IG_OK;
    }
    /* a Chinese stop word of several characters is matched as a phrase that covers them; other
     * stop words mark single units */
    if (stop && !(cls != LX_STOPCHAR && cjk && us->n > 1)) {
        for (size_t k = 0; k < us->n; k++) {
            word_info *w = lx_word(lx, us->u[k].h);
            if (w == NULL)
                return IG_ENOMEM;
            if (cls == LX_STOPCHAR || (cls == LX_STOP && us->n == 1 && cjk))
                w->flags |= F_STOPCHAR;
            else if (us->u[k].kind != K_CJK)
                w->flags |= cls == LX_STOP ? F_STOP : F_QSTOP;
        }
        return IG_OK;
    }
    uint64_t term = 0;
    if (cls == LX_SYN) {
        if (special) {
            *why = "synonyms take no <num> or ...";
            return IG_EINVAL;
        }
        term = hash_bytes(cs, cn);
        uint64_t key = nel == 1 ? el[0] : hash_elems(el, nel);
        size_t slot = hmap_slot(&lx->syn_check, key);
        if (lx->syn_check.keys[slot] == key) {
            if (lx->syn_check.vals[slot] != (uint32_t)term) {
                *why = "a phrase in two synonym groups";
                return IG_EINVAL;
            }
        } else if (lx->n_syn++ >= LX_WORDS_MAX) {
            *why = "too many synonyms";
            return IG_EINVAL;
        } else {
            lx->syn_check.keys[slot] = key;
            lx->syn_check.vals[slot] = (uint32_t)term;
        }
        if (nel == 1 && us->u[0].kind != K_CJK) {
            word_info *w = lx_word(lx, el[0]);
            if (w == NULL)
                return IG_ENOMEM;
            w->syn = term;
            return IG_OK;
        }
    } else if (cls == TEXTSTATS_TECH && !special) {
        term = nel == 1 ? el[0] : hash_elems(el, nel);
    }
    if (lx->n_phrases >= LX_PHRASES_MAX) {
        *why = "too many phrases";
        return IG_EINVAL;
    }
    if (grow((void **)&lx->phrases, &lx->cap_phrases, lx->n_phrases + 1, sizeof *lx->phrases) != IG_OK ||
        grow((void **)&lx->elems, &lx->cap_elems, lx->n_elems + nel, sizeof *lx->elems) != IG_OK)
        return IG_ENOMEM;
    phrase *ph = &lx->phrases[lx->n_phrases++];
    ph->elem = (uint32_t)lx->n_elems;
    ph->n = (uint8_t)nel;
    ph->cls = (uint8_t)cls;
    ph->cjk = cjk && !special;
    ph->single = nel == 1 && us->u[0].kind != K_CJK;
    ph->term = term;
    memcpy(lx->elems + lx->n_elems, el, nel * sizeof *el);
    lx->n_elems += nel;
    return IG_OK;
}

static ig_status lx_source(textstats_lexicon *lx, const textstats_source *src, units *us, ig_err *err)
{
    const char *p = src->bytes.p, *end = p + src->bytes.n;
    size_t lineno = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        lineno++;
        size_t m = n;
        if (m > 0 && p[m - 1] == '\r')
            m--;
        if (m > 0 && p[0] != '#') {
            const char *why = "out of memory";
            if (lx->n_words >= LX_WORDS_MAX) {
                return status_errf(err, IG_EINVAL, "lexicon %s: more than %d words", src->name, LX_WORDS_MAX);
            }
            ig_status st = lx_line(lx, p, m, us, &why);
            if (st != IG_OK)
                return status_errf(err, st, "lexicon %s line %zu: %s", src->name, lineno, why);
        }
        p += n + (nl ? 1 : 0);
    }
    return IG_OK;
}

/* A phrase's sort key for the index: first element, then longest first, then file order. */
typedef struct order_key {
    uint64_t first;
    uint32_t n, idx;
} order_key;

static int cmp_order(const void *a, const void *b)
{
    const order_key *x = a, *y = b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static ig_status lx_index(textstats_lexicon *lx)
{
    order_key *keys = malloc((lx->n_phrases + 1) * sizeof *keys);
    lx->order = malloc((lx->n_phrases + 1) * sizeof *lx->order);
    if (keys == NULL || lx->order == NULL || hmap_init(&lx->first, lx->n_phrases) != IG_OK) {
        free(keys);
        return IG_ENOMEM;
    }
    for (size_t i = 0; i < lx->n_phrases; i++)
        keys[i] = (order_key){lx->elems[lx->phrases[i].elem], lx->phrases[i].n, (uint32_t)i};
    qsort(keys, lx->n_phrases, sizeof *keys, cmp_order);
    for (size_t i = 0; i < lx->n_phrases; i++)
        lx->order[i] = keys[i].idx;
    free(keys);
    for (size_t i = 0; i < lx->n_phrases; i++) {
        uint64_t h = lx->elems[lx->phrases[lx->order[i]].elem];
        size_t slot = hmap_slot(&lx->first, h);
        if (lx->first.keys[slot] != h) {
            lx->first.keys[slot] = h;
            lx->first.vals[slot] = (uint32_t)i;
        }
    }
    return IG_OK;
}

ig_status textstats_lexicon_parse(const textstats_source *src, size_t n, textstats_lexicon **out, ig_err *err)
{
    *out = NULL;
    units us = {0};
    ig_status st = IG_ENOMEM;
    textstats_lexicon *lx = calloc(1, sizeof *lx);
    if (lx == NULL || hmap_init(&lx->word_map, LX_WORDS_MAX) != IG_OK ||
        hmap_init(&lx->syn_check, LX_WORDS_MAX) != IG_OK) {
        status_errf(err, IG_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        st = lx_source(lx, &src[i], &us, err);
        if (st != IG_OK)
            goto out;
    }
    st = lx_index(lx);
    if (st != IG_OK) {
        status_errf(err, st, "out of memory");
        goto out;
    }
    hmap_free(&lx->syn_check);
    lx->syn_check = (hmap){0};
    *out = lx;
    lx = NULL;
out:
    free(us.u);
    textstats_lexicon_close(lx);
    return st;
}

typedef struct collect {
    textstats_source src[32];
    size_t n;
} collect;

static int collect_one(const char *name, ig_str bytes, void *arg)
{
    collect *c = arg;
    size_t len = strlen(name);
    if (len < 4 || strcmp(name + len - 4, ".txt") != 0)
        return 0;
    if (c->n == sizeof c->src / sizeof c->src[0])
        return -1;
    c->src[c->n++] = (textstats_source){name, bytes};
    return 0;
}

ig_status textstats_lexicon_open(textstats_lexicon **out, ig_err *err)
{
    collect c = {.n = 0};
    *out = NULL;
    if (datafiles_each("lexicon/", collect_one, &c) != 0)
        return status_errf(err, IG_EINVAL, "more than 32 lexicon files");
    if (c.n == 0)
        return status_errf(err, IG_EINVAL, "no lexicon/*.txt compiled in");
    return textstats_lexicon_parse(c.src, c.n, out, err);
}

void textstats_lexicon_close(textstats_lexicon *lx)
{
    if (lx == NULL)
        return;
    free(lx->phrases);
    free(lx->elems);
    free(lx->order);
    free(lx->words);
    hmap_free(&lx->first);
    hmap_free(&lx->word_map);
    hmap_free(&lx->syn_check);
    free(lx);
}

/* ---- analysis ---- */

/* Content-term occurrences, each with its sentence; sent's top bit marks a Chinese character
 * pair (weaker evidence than a word: see anchor). */
typedef struct terms_vec {
    uint64_t *h;
    uint32_t *sent;
    size_t n, cap, cap_sent;
} terms_vec;

#define PAIR_BIT 0x80000000u

static ig_status terms_add(terms_vec *t, uint64_t h, uint32_t sent)
{
    if (grow((void **)&t->h, &t->cap, t->n + 1, sizeof *t->h) != IG_OK ||
        grow((void **)&t->sent, &t->cap_sent, t->n + 1, sizeof *t->sent) != IG_OK)
        return IG_ENOMEM;
    t->sent[t->n] = sent;
    t->h[t->n++] = h;
    return IG_OK;
}

/* A match to be counted once it is known which sentences count (see tally). Phrase matches come
 * in text order, the longest first at each unit, so a longer technical term is met before the
 * shorter ones inside it. */
typedef struct event {
    uint64_t h;      /* TEXTSTATS_TECH: the term's key */
    uint32_t i, end; /* units */
    uint8_t cls;
} event;

typedef struct events {
    event *e;
    size_t n, cap;
} events;

static ig_status events_add(events *v, event e)
{
    if (grow((void **)&v->e, &v->cap, v->n + 1, sizeof *v->e) != IG_OK)
        return IG_ENOMEM;
    v->e[v->n++] = e;
    return IG_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

#define TECH_MAX 128

/* State of one analysis. */
typedef struct run {
    const textstats_lexicon *lx;
    const char *text;
    units us;
    terms_vec terms;
    events ev;
    bool *near;      /* per sentence: counts toward cues (NULL: all do) */
    bool *inside;    /* per sentence: counts toward length (NULL: all do) */
    bool *dup;       /* per sentence: repeats an earlier one */
    uint64_t tech[TECH_MAX];
    uint32_t tech_from[TECH_MAX], tech_to[TECH_MAX]; /* the units of each one's first mention */
    size_t n_tech;
    size_t until[TEXTSTATS_NCLASSES]; /* a match of the class is counted only from here on */
    bool failed; /* out of memory in a callback */
    textstats *st;
} run;

/* End (exclusive) of phrase ph matched at unit i, or 0. */
static size_t match_at(const run *r, const phrase *ph, size_t i)
{
    const uint64_t *el = r->lx->elems + ph->elem;
    const unit *u = r->us.u;
    size_t n = r->us.n, k = i;
    for (size_t e = 0; e < ph->n; e++) {
        if (el[e] == E_GAP) {
            /* the rest must start within GAP_MAX units, inside the sentence */
            for (size_t g = 0; g <= GAP_MAX && k + g < n; g++) {
                if (g > 0 && (u[k + g].flags & F_SENT_START))
                    break;
                const phrase rest = {ph->elem + (uint32_t)e + 1, (uint8_t)(ph->n - e - 1), ph->cls, false, false, 0};
                size_t end = match_at(r, &rest, k + g);
                if (end)
                    return end;
            }
            return 0;
        }
        if (k >= n || (k > i && (u[k].flags & F_BREAK)))
            return 0;
        if (el[e] == E_NUM ? u[k].kind != K_NUM : u[k].h != el[e])
            return 0;
        k++;
    }
    return k;
}

/* Counts the technical term h over units [from, to) once; a mention inside or across one already
 * counted ("分布式" in "分布式锁", "API" in "API design") is the same mention. */
static void add_tech(run *r, uint64_t h, size_t from, size_t to)
{
    for (size_t i = 0; i < r->n_tech; i++)
        if (r->tech[i] == h || (from < r->tech_to[i] && to > r->tech_from[i]))
            return;
    if (r->n_tech == TECH_MAX)
        return;
    r->tech_from[r->n_tech] = (uint32_t)from;
    r->tech_to[r->n_tech] = (uint32_t)to;
    r->tech[r->n_tech++] = h;
    textstats *st = r->st;
    if (st->n_tech_seen < TEXTSTATS_EXAMPLES) {
        const unit *a = &r->us.u[from], *b = &r->us.u[to - 1];
        st->tech_seen[st->n_tech_seen++] = str_make(r->text + a->off, b->off + b->len - a->off);
    }
}

/* Whether a filler_pause phrase ending at end (exclusive), starting at i, is used as a filler. */
static bool pause_filler(const run *r, size_t i, size_t end)
{
    const unit *u = r->us.u;
    if (u[end - 1].flags & F_PAUSE_AFTER)
        return true;
    /* said twice: "这个这个", "like like" */
    size_t len = end - i;
    if (end + len <= r->us.n) {
        for (size_t k = 0; k < len; k++)
            if (u[end + k].h != u[i + k].h)
                return false;
        return true;
    }
    return false;
}

static void count_class(run *r, int cls, size_t i, size_t end)
{
    textstats *st = r->st;
    if (i < r->until[cls])
        return;
    st->count[cls]++;
    if (st->first[cls] == SIZE_MAX) {
        st->first[cls] = i;
        st->first_sentence[cls] = r->us.u[i].sent;
    }
    r->until[cls] = end;
}

static ig_status match_phrases(run *r)
{
    const textstats_lexicon *lx = r->lx;
    unit *u = r->us.u;
    for (size_t i = 0; i < r->us.n; i++) {
        for (int pass = 0; pass < 2; pass++) {
            uint64_t key = pass == 0 ? u[i].h : E_NUM;
            if (pass == 1 && u[i].kind != K_NUM)
                break;
            const uint32_t *start = hmap_get(&lx->first, key);
            if (start == NULL)
                continue;
            for (size_t k = *start; k < lx->n_phrases; k++) {
                const phrase *ph = &lx->phrases[lx->order[k]];
                if (lx->elems[ph->elem] != key)
                    break;
                size_t end = match_at(r, ph, i);
                if (end == 0)
                    continue;
                int cls = ph->cls;
                if (cls == LX_FILLER_PAUSE) {
                    if (pause_filler(r, i, end) &&
                        events_add(&r->ev, (event){0, (uint32_t)i, (uint32_t)end, TEXTSTATS_FILLER}) != IG_OK)
                        return IG_ENOMEM;
                    continue;
                }
                if (cls == LX_STOP || cls == LX_QSTOP) {
                    for (size_t j = i; j < end; j++)
                        u[j].flags |= F_CONSUMED;
                    continue;
                }
                if (cls == TEXTSTATS_TECH || cls == LX_SYN) {
                    if (ph->cjk && end - i > 1)
                        for (size_t j = i; j < end; j++)
                            u[j].flags |= F_CONSUMED;
                    if (ph->term != 0 && !ph->single && terms_add(&r->terms, ph->term, u[i].sent) != IG_OK)
                        return IG_ENOMEM;
                    if (cls == LX_SYN)
                        continue;
                }
                event e = {cls == TEXTSTATS_TECH ? (ph->term ? ph->term : u[i].h) : 0, (uint32_t)i, (uint32_t)end,
                           (uint8_t)cls};
                if (events_add(&r->ev, e) != IG_OK)
                    return IG_ENOMEM;
            }
        }
    }
    return IG_OK;
}

static bool is_zh_numeral(uint32_t c)
{
    return c == 0x96F6 || c == 0x4E00 || c == 0x4E8C || c == 0x4E09 || c == 0x56DB || c == 0x4E94 || c == 0x516D ||
           c == 0x4E03 || c == 0x516B || c == 0x4E5D || c == 0x5341 || c == 0x767E || c == 0x5343 || c == 0x4E07 ||
           c == 0x4EBF || c == 0x4E24 || c == 0x534A;
}

/* Measure words after a Chinese numeral that make it a quantity. */
static bool is_zh_measure(uint32_t c, bool *strong)
{
    /* 倍 万 千 百 亿 成 : strong even after 一 */
    *strong = c == 0x500D || c == 0x4E07 || c == 0x5343 || c == 0x767E || c == 0x4EBF || c == 0x6210;
    return *strong || c == 0x4E2A || c == 0x6B21 || c == 0x4EBA || c == 0x5929 || c == 0x5468 || c == 0x6708 ||
           c == 0x5E74 || c == 0x79D2 || c == 0x5206 || c == 0x5C0F || c == 0x9879 || c == 0x5BB6 || c == 0x53F0 ||
           c == 0x6761 || c == 0x4F4D || c == 0x540D || c == 0x5468;
}

/* Unit words that make "200 ms" one quantity when shown. */
static const char *const UNIT_WORDS[] = {"ms", "s", "sec", "secs", "min", "mins", "h", "hr", "hrs", "x", "k", "m",
                                         "kb", "mb", "gb", "tb", "qps", "rps", "tps", "us", "ns", "seconds",
                                         "minutes", "hours", "days", "weeks", "months", "users", "requests", NULL};

static bool unit_word(const run *r, const unit *w)
{
    char b[16];
    if (w->kind != K_WORD || w->len >= sizeof b)
        return false;
    for (size_t k = 0; k < w->len; k++)
        b[k] = (char)(r->text[w->off + k] | 0x20);
    return word_is(b, w->len, UNIT_WORDS);
}

/* A number right after a capitalised word, with no unit, names a version: "MySQL 5.7", "Java 8". */
static bool version_number(const run *r, size_t i)
{
    const unit *u = r->us.u;
    if (i == 0 || (u[i].flags & (F_BREAK | F_PCT)) || u[i - 1].kind != K_WORD || u[i - 1].sent != u[i].sent)
        return false;
    char c = r->text[u[i - 1].off];
    if (!(c >= 'A' && c <= 'Z') || (u[i - 1].flags & F_SENT_START))
        return false;
    return !(i + 1 < r->us.n && unit_word(r, &u[i + 1]));
}

static void count_numbers(run *r)
{
    textstats *st = r->st;
    unit *u = r->us.u;
    size_t n = r->us.n;
    for (size_t i = 0; i < n; i++) {
        if (r->near && !r->near[u[i].sent])
            continue;
        if (u[i].kind == K_NUM) {
            st->numbers++;
            bool pct = (u[i].flags & F_PCT) != 0;
            if (!pct && i + 1 < n && u[i + 1].kind == K_WORD && u[i + 1].len == 7 &&
                strncasecmp(r->text + u[i + 1].off, "percent", 7) == 0)
                pct = true;
            if (pct)
                st->percents++;
            if ((!(u[i].flags & F_YEAR) && !version_number(r, i)) || pct) {
                st->quantities++;
                if (st->n_number_seen < TEXTSTATS_EXAMPLES) {
                    /* with its unit: "30%", "3 ms", "200毫秒" */
                    size_t last = i;
                    if (i + 1 < n && !(u[i + 1].flags & F_BREAK) &&
                        ((u[i].flags & F_PCT) || unit_word(r, &u[i + 1]) || u[i + 1].kind == K_CJK))
                        last = i + 1;
                    if (last > i && u[last].kind == K_CJK && last + 1 < n && u[last + 1].kind == K_CJK &&
                        u[last].cp == 0x6BEB) /* 毫秒 */
                        last++;
                    st->number_seen[st->n_number_seen++] =
                        str_make(r->text + u[i].off, u[last].off + u[last].len - u[i].off);
                }
            }
            continue;
        }
        if (u[i].kind != K_CJK)
            continue;
        /* 百分之三十 */
        if (u[i].cp == 0x767E && i + 2 < n && u[i + 1].cp == 0x5206 && u[i + 2].cp == 0x4E4B) {
            st->percents++;
            st->quantities++;
            i += 2;
            while (i + 1 < n && is_zh_numeral(u[i + 1].cp))
                i++;
            continue;
        }
        if (!is_zh_numeral(u[i].cp))
            continue;
        size_t j = i;
        while (j + 1 < n && u[j + 1].kind == K_CJK && is_zh_numeral(u[j + 1].cp) && !(u[j + 1].flags & F_BREAK))
            j++;
        bool strong = false;
        bool measure = j + 1 < n && u[j + 1].kind == K_CJK && is_zh_measure(u[j + 1].cp, &strong);
        bool only_one = j == i && (u[i].cp == 0x4E00 || u[i].cp == 0x534A);
        if ((measure && (!only_one || strong)) || (j > i && !only_one)) {
            st->quantities++;
            if (st->n_number_seen < TEXTSTATS_EXAMPLES) {
                size_t last = measure ? j + 1 : j;
                st->number_seen[st->n_number_seen++] =
                    str_make(r->text + u[i].off, u[last].off + u[last].len - u[i].off);
            }
        }
        i = j;
    }
}

/* A skill the taxonomy found at text bytes [off, off + len): its canonical name is a term
 * ("k8s" and "Kubernetes" meet), it covers its Chinese characters, and unless it is a soft skill,
 * an office or design tool it is a technical term. */
static void on_skill(const skills_entry *e, size_t off, size_t len, void *arg)
{
    run *r = arg;
    unit *u = r->us.u;
    size_t lo = 0, hi = r->us.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (u[mid].off < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    uint64_t el[16];
    while (end < r->us.n && u[end].off < off + len) {
        if (end - lo < 16)
            el[end - lo] = u[end].h;
        end++;
    }
    if (end == lo || end - lo > 16)
        return;
    uint64_t term = fix_hash(fnv(fnv(FNV_OFFSET, "skill:", 6), e->name, strlen(e->name)));
    if (terms_add(&r->terms, term, u[lo].sent) != IG_OK)
        r->failed = true;
    for (size_t i = lo; end - lo > 1 && i < end; i++)
        if (u[i].kind == K_CJK)
            u[i].flags |= F_CONSUMED;
    /* soft skills, office tools, design and the like are content, not technology */
    static const char *const not_tech[] = {"soft", "office", "design", "other"};
    for (size_t i = 0; i < sizeof not_tech / sizeof not_tech[0]; i++)
        if (strcmp(e->category, not_tech[i]) == 0)
            return;
    event ev = {end - lo == 1 ? el[0] : hash_elems(el, end - lo), (uint32_t)lo, (uint32_t)end, TEXTSTATS_TECH};
    if (events_add(&r->ev, ev) != IG_OK)
        r->failed = true;
}

/* The parts of a hyphenated word are terms too: "write-heavy" says "write". */
static ig_status hyphen_parts(run *r, const unit *w)
{
    const char *p = r->text + w->off, *end = p + w->len;
    if (memchr(p, '-', w->len) == NULL || w->len >= WORD_MAX)
        return IG_OK;
    while (p < end) {
        const char *q = memchr(p, '-', (size_t)(end - p));
        size_t n = q ? (size_t)(q - p) : (size_t)(end - p), k = 0;
        char buf[WORD_MAX];
        for (; k < n && k < sizeof buf; k++)
            buf[k] = (p[k] >= 'A' && p[k] <= 'Z') ? (char)(p[k] + 32) : p[k];
        if (k > 1) {
            uint64_t h = hash_bytes(buf, stem(buf, k));
            const uint32_t *wi = hmap_get(&r->lx->word_map, h);
            const word_info *info = wi ? &r->lx->words[*wi] : NULL;
            if (!(info && (info->flags & (F_STOP | F_QSTOP))) &&
                terms_add(&r->terms, info && info->syn ? info->syn : h, w->sent) != IG_OK)
                return IG_ENOMEM;
        }
        p += n + 1;
    }
    return IG_OK;
}

static ig_status word_terms(run *r)
{
    const textstats_lexicon *lx = r->lx;
    unit *u = r->us.u;
    size_t n = r->us.n;
    for (size_t i = 0; i < n; i++) {
        const uint32_t *wi = hmap_get(&lx->word_map, u[i].h);
        const word_info *w = wi ? &lx->words[*wi] : NULL;
        if (w) {
            if (u[i].kind == K_CJK)
                u[i].flags |= w->flags & F_STOPCHAR;
            else
                u[i].flags |= w->flags & (F_STOP | F_QSTOP);
        }
        if (u[i].kind == K_WORD) {
            if (u[i].flags & F_STOP)
                r->st->function_words++;
            if ((u[i].flags & (F_STOP | F_QSTOP)) || (u[i].len == 1 && !(u[i].flags & F_SHAPE)))
                continue;
            if (terms_add(&r->terms, w && w->syn ? w->syn : u[i].h, u[i].sent) != IG_OK ||
                hyphen_parts(r, &u[i]) != IG_OK)
                return IG_ENOMEM;
        } else if (u[i].kind == K_NUM) {
            /* "429", "3.5", "k8s"-like tokens that start with a digit; years are too common */
            if (!(u[i].flags & F_YEAR) && terms_add(&r->terms, u[i].h, u[i].sent) != IG_OK)
                return IG_ENOMEM;
        } else if (u[i].kind == K_CJK && (u[i].flags & F_STOPCHAR)) {
            r->st->function_words++;
        }
    }
    /* Chinese pairs, once every unit's stop flag is known */
    for (size_t i = 0; i + 1 < n; i++) {
        const unit *a = &u[i], *b = &u[i + 1];
        if (a->kind != K_CJK || b->kind != K_CJK || (b->flags & F_BREAK) || ((a->flags | b->flags) & F_STOPCHAR))
            continue;
        if ((a->flags & F_CONSUMED) || (b->flags & F_CONSUMED))
            continue;
        uint64_t h = fix_hash(fnv(fnv(FNV_OFFSET, r->text + a->off, a->len), r->text + b->off, b->len));
        if (terms_add(&r->terms, h, a->sent | PAIR_BIT) != IG_OK)
            return IG_ENOMEM;
    }
    return IG_OK;
}

static bool in_sorted(const uint64_t *h, size_t n, uint64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (h[mid] == x)
            return true;
        if (h[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* Which sentences count. A sentence is anchored when it holds the reference (a strong term, or
 * two weak ones); anchored sentences at most three apart form a cluster, and the cluster with the
 * most anchors is the answer proper (a stray match in padding forms a cluster of its own). Its
 * sentences and the opening one count toward length (r->inside); for cues and content terms, in
 * a story, the sentence on either side counts too when it holds one weak term or carries the story
 * on (r->near): a story's setting and outcome may not name its topic.
 * Without a reference, or when nothing holds it (then nothing can be told apart, and relevance
 * judges the answer), every sentence counts. */
/* Marks in r->dup the sentences of three or more units that repeat an earlier one exactly. */
static ig_status find_repeats(run *r)
{
    size_t ns = r->us.sentences;
    hmap seen;
    r->dup = calloc(ns ? ns : 1, sizeof *r->dup);
    if (r->dup == NULL || hmap_init(&seen, ns) != IG_OK) {
        if (r->dup)
            hmap_free(&seen);
        return IG_ENOMEM;
    }
    const unit *u = r->us.u;
    for (size_t i = 0; i < r->us.n;) {
        size_t j = i;
        uint64_t h = fnv(FNV_OFFSET, "sentence", 8);
        while (j < r->us.n && u[j].sent == u[i].sent) {
            h = fnv(h, &u[j].h, sizeof u[j].h);
            j++;
        }
        h = fix_hash(h);
        size_t slot = hmap_slot(&seen, h);
        if (seen.keys[slot] == h && j - i >= 3) {
            r->dup[u[i].sent] = true;
            r->st->repeated_sentences++;
        }
        seen.keys[slot] = h;
        i = j;
    }
    hmap_free(&seen);
    return IG_OK;
}

/* Whether sentence s carries on a story: before it, by setting the scene (situation, task); after
 * it, by what was done and came of it (action, result, reflection, a first-person verb). */
static bool story_part(const run *r, size_t s, bool before)
{
    const unit *u = r->us.u;
    for (size_t k = 0; k < r->ev.n; k++) {
        const event *e = &r->ev.e[k];
        if (u[e->i].sent != s)
            continue;
        if (before ? e->cls == TEXTSTATS_SITUATION || e->cls == TEXTSTATS_TASK
                   : e->cls == TEXTSTATS_ACTION || e->cls == TEXTSTATS_RESULT || e->cls == TEXTSTATS_REFLECTION)
            return true;
        if (!before && e->cls == TEXTSTATS_VERB)
            for (size_t b = 1; b <= 4 && b <= e->i; b++)
                if (u[e->i - b].sent == s && (u[e->i - b].flags & F_FP))
                    return true;
    }
    return false;
}

static ig_status anchor(run *r, const textstats_ref *ref)
{
    size_t ns = r->us.sentences;
    textstats *st = r->st;
    st->anchored_sentences = ns;
    if (find_repeats(r) != IG_OK)
        return IG_ENOMEM;
    if (ns == 0)
        return IG_OK;
    uint8_t *score = calloc(ns, 1);
    r->near = calloc(ns, sizeof *r->near);
    r->inside = calloc(ns, sizeof *r->inside);
    if (score == NULL || r->near == NULL || r->inside == NULL) {
        free(score);
        return IG_ENOMEM;
    }
    if (ref == NULL) {
        for (size_t s = 0; s < ns; s++)
            r->near[s] = r->inside[s] = !r->dup[s];
        free(score);
        return IG_OK;
    }
    uint64_t *first_weak = calloc(ns, sizeof *first_weak);
    if (first_weak == NULL) {
        free(score);
        return IG_ENOMEM;
    }
    for (size_t k = 0; k < r->terms.n; k++) {
        uint32_t s = r->terms.sent[k] & ~PAIR_BIT;
        uint64_t h = r->terms.h[k];
        if (s >= ns || score[s] >= 2 || textstats_common(r->lx, h))
            continue; /* generic words anchor nothing */
        bool strong = in_sorted(ref->strong, ref->n_strong, h);
        if (strong && !(r->terms.sent[k] & PAIR_BIT)) {
            score[s] = 2;
        } else if ((strong || in_sorted(ref->weak, ref->n_weak, h)) && h != first_weak[s]) {
            first_weak[s] = h;
            score[s]++; /* two different weak terms anchor */
        }
    }
    free(first_weak);
    for (size_t k = 0; ref->stories && k < r->ev.n; k++) {
        const event *e = &r->ev.e[k];
        if (e->cls == TEXTSTATS_WORK || e->cls == TEXTSTATS_TECH)
            score[r->us.u[e->i].sent] = 2;
    }
    for (size_t s = 0; s < ns; s++)
        if (r->dup[s])
            score[s] = 0;
    size_t anchored = 0, best_n = 0, best_from = 0, best_to = 0, from = 0, last = 0, n = 0;
    for (size_t s = 0; s < ns; s++) {
        if (score[s] < 2)
            continue;
        anchored++;
        if (n == 0 || s - last > 3) {
            from = s;
            n = 0;
        }
        n++;
        last = s;
        if (n > best_n) {
            best_n = n;
            best_from = from;
            best_to = s;
        }
    }
    st->anchored_sentences = anchored;
    for (size_t s = 0; s < ns; s++)
        r->inside[s] = !r->dup[s] && (anchored == 0 || s == 0 || (s >= best_from && s <= best_to));
    memcpy(r->near, r->inside, ns * sizeof *r->near);
    if (anchored > 0 && ref->stories) {
        if (best_from > 0 && !r->dup[best_from - 1] && (score[best_from - 1] > 0 || story_part(r, best_from - 1, true)))
            r->near[best_from - 1] = true;
        if (best_to + 1 < ns && !r->dup[best_to + 1] && (score[best_to + 1] > 0 || story_part(r, best_to + 1, false)))
            r->near[best_to + 1] = true;
    }
    free(score);
    return IG_OK;
}

/* Counts the matches, in text order, of the sentences that count; fillers, hedges and non-answers
 * wherever they are. */
static void tally(run *r)
{
    const unit *u = r->us.u;
    for (size_t k = 0; k < r->ev.n; k++) {
        const event *e = &r->ev.e[k];
        int cls = e->cls;
        bool anywhere = cls == TEXTSTATS_FILLER || cls == TEXTSTATS_HEDGE || cls == TEXTSTATS_NONANSWER ||
                        cls >= TEXTSTATS_KP_SITUATION;
        if (!anywhere && r->near && !r->near[u[e->i].sent])
            continue;
        if (cls == TEXTSTATS_TECH) {
            add_tech(r, e->h, e->i, e->end);
            continue;
        }
        if (cls == TEXTSTATS_VERB && e->i >= r->until[TEXTSTATS_VERB]) {
            /* I / we / 我 a few units before, in the same sentence */
            bool fp = false;
            for (size_t b = 1; b <= 4 && b <= e->i && !fp; b++)
                fp = u[e->i - b].sent == u[e->i].sent && (u[e->i - b].flags & F_FP);
            r->st->fp_actions += fp;
        }
        count_class(r, cls, e->i, e->end);
    }
    /* words and sentences that count */
    double w = 0;
    for (size_t i = 0; i < r->us.n; i++)
        if (!r->inside || r->inside[u[i].sent])
            w += u[i].kind == K_CJK ? 1 / 1.5 : u[i].kind == K_SYM ? 0 : 1;
    r->st->anchored_words = w;
    for (size_t s = 0; s < r->us.sentences; s++)
        r->st->counted_sentences += !r->inside || r->inside[s];
}

/* The bag of content terms of the sentences that count; repetition over all of them. */
static ig_status finish_terms(run *r)
{
    textstats *st = r->st;
    terms_vec *t = &r->terms;
    st->content_terms = t->n;
    if (t->n == 0) {
        st->repetition = 1;
        return IG_OK;
    }
    uint64_t *all = malloc(t->n * sizeof *all);
    if (all == NULL)
        return IG_ENOMEM;
    memcpy(all, t->h, t->n * sizeof *all);
    qsort(all, t->n, sizeof *all, cmp_u64);
    size_t distinct = 0;
    for (size_t i = 0; i < t->n; i++)
        if (i == 0 || all[i] != all[i - 1])
            distinct++;
    free(all);
    st->repetition = (double)distinct / (double)t->n;
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++)
        if (r->near == NULL || r->near[t->sent[i] & ~PAIR_BIT])
            t->h[k++] = t->h[i];
    t->n = k;
    if (k == 0)
        return IG_OK;
    qsort(t->h, t->n, sizeof *t->h, cmp_u64);
    distinct = 0;
    for (size_t i = 0; i < t->n; i++)
        if (i == 0 || t->h[i] != t->h[i - 1])
            distinct++;
    st->terms = malloc(distinct * sizeof *st->terms);
    if (st->terms == NULL)
        return IG_ENOMEM;
    for (size_t i = 0; i < t->n; i++) {
        if (i > 0 && t->h[i] == t->h[i - 1])
            st->terms[st->n_terms - 1].n++;
        else
            st->terms[st->n_terms++] = (textstats_term){t->h[i], 1};
    }
    return IG_OK;
}

ig_status textstats_analyze(const textstats_lexicon *lx, const skills_taxonomy *tax, const textstats_ref *ref,
                            const char *text, size_t n, textstats *out, ig_err *err)
{
    memset(out, 0, sizeof *out);
    for (int c = 0; c < TEXTSTATS_NCLASSES; c++)
        out->first[c] = out->first_sentence[c] = SIZE_MAX;
    out->repetition = 1;
    if (n > TEXTSTATS_MAX_BYTES) {
        n = TEXTSTATS_MAX_BYTES;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--;
    }
    out->bytes = n;
    run r = {.lx = lx, .text = text, .st = out};
    ig_status st = tokenize(text, n, &r.us);
    if (st != IG_OK)
        goto out;
    /* shouting: capitals everywhere are not acronyms */
    size_t acronyms = 0;
    for (size_t i = 0; i < r.us.n; i++)
        acronyms += (r.us.u[i].flags & F_ACRONYM) != 0;
    if (r.us.latin_words >= 6 && 2 * acronyms > r.us.latin_words)
        for (size_t i = 0; i < r.us.n; i++)
            if (r.us.u[i].flags & F_ACRONYM)
                r.us.u[i].flags &= (uint16_t)~F_SHAPE;
    st = match_phrases(&r);
    if (st == IG_OK && tax != NULL) {
        skills_scan(tax, text, n, on_skill, &r);
        if (r.failed)
            st = IG_ENOMEM;
    }
    if (st == IG_OK)
        st = word_terms(&r);
    for (size_t i = 0; st == IG_OK && i < r.us.n; i++)
        if (r.us.u[i].flags & F_SHAPE)
            st = events_add(&r.ev, (event){r.us.u[i].h, (uint32_t)i, (uint32_t)i + 1, TEXTSTATS_TECH});
    if (st == IG_OK)
        st = anchor(&r, ref);
    if (st != IG_OK)
        goto out;
    tally(&r);
    count_numbers(&r);
    st = finish_terms(&r);
    if (st != IG_OK)
        goto out;
    out->units = r.us.n;
    out->latin_words = r.us.latin_words;
    out->cjk_chars = r.us.cjk_chars;
    out->words = (double)r.us.latin_words + (double)r.us.cjk_chars / 1.5;
    out->sentences = r.us.sentences;
    out->max_sentence_words = r.us.max_sent_words;
    out->separators = r.us.separators;
    out->tech_terms = r.n_tech;
    double zh = (double)r.us.cjk_chars / 1.5, en = (double)r.us.latin_words;
    if (zh + en == 0)
        out->lang = TEXTSTATS_LANG_NONE;
    else if (zh >= 3 * en)
        out->lang = TEXTSTATS_LANG_ZH;
    else if (en >= 3 * zh)
        out->lang = TEXTSTATS_LANG_EN;
    else
        out->lang = TEXTSTATS_LANG_MIXED;
out:
    free(r.us.u);
    free(r.terms.h);
    free(r.terms.sent);
    free(r.ev.e);
    free(r.near);
    free(r.inside);
    free(r.dup);
    if (st != IG_OK)
        status_errf(err, st, "out of memory");
    return st;
}

void textstats_free(textstats *st)
{
    if (st == NULL)
        return;
    free(st->terms);
    st->terms = NULL;
    st->n_terms = 0;
}

bool textstats_common(const textstats_lexicon *lx, uint64_t h)
{
    const uint32_t *wi = hmap_get(&lx->word_map, h);
    return wi != NULL && (lx->words[*wi].flags & F_COMMON);
}

bool textstats_has_term(const textstats *st, uint64_t h)
{
    size_t lo = 0, hi = st->n_terms;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->terms[mid].h == h)
            return true;
        if (st->terms[mid].h < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

size_t textstats_overlap(const textstats *ref, const textstats *st)
{
    size_t k = 0, i = 0, j = 0;
    while (i < ref->n_terms && j < st->n_terms) {
        if (ref->terms[i].h == st->terms[j].h) {
            k++;
            i++;
            j++;
        } else if (ref->terms[i].h < st->terms[j].h) {
            i++;
        } else {
            j++;
        }
    }
    return k;
}

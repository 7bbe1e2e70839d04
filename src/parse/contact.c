/* Contact extraction over raw UTF-8 bytes: e-mail by growing outwards from '@', phones by scanning
 * digit groups and then taking the longest prefix of groups that reads as a phone, URLs by scheme
 * or by a host with a known TLD. Everything is ASCII-driven: non-ASCII bytes only ever end a token. */
#include "parse/contact.h"

#include <string.h>

#define PHONE_MAX_GROUPS 8
#define HOST_MAX 253

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

static size_t digit_run(const char *s, size_t n, size_t i)
{
    size_t k = i;
    while (k < n && is_digit(s[k]))
        k++;
    return k - i;
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

/* ---- e-mail ---- */

static bool local_char(char c)
{
    return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/* End of a host name starting at i: two or more labels of letters, digits and inner hyphens, the
 * last of which (the TLD) is letters only when tld_alpha; 0 when there is none. */
static size_t host_end(const char *s, size_t n, size_t i, bool tld_alpha, size_t *tld_off)
{
    size_t k = i, best = 0;
    int labels = 0;
    for (;;) {
        size_t b = k;
        while (k < n && (is_alnum(s[k]) || s[k] == '-'))
            k++;
        size_t e = k;
        while (e > b && s[e - 1] == '-')
            e--;
        if (e == b || s[b] == '-')
            break;
        labels++;
        bool alpha = e - b >= 2;
        for (size_t q = b; q < e && alpha; q++)
            alpha = is_alpha(s[q]);
        if (labels >= 2 && (alpha || !tld_alpha)) {
            best = e;
            *tld_off = b;
        }
        if (e == k && k + 1 < n && s[k] == '.' && is_alnum(s[k + 1]))
            k++;
        else
            break;
    }
    return best > i && best - i <= HOST_MAX ? best : 0;
}

bool contact_find_email(const char *s, size_t n, ig_str *out)
{
    for (size_t a = 0; a < n; a++) {
        if (s[a] != '@')
            continue;
        size_t l = a;
        while (l > 0 && local_char(s[l - 1]))
            l--;
        while (l < a && s[l] == '.')
            l++;
        if (l == a || a - l > 64 || s[a - 1] == '.')
            continue;
        size_t tld;
        size_t e = host_end(s, n, a + 1, true, &tld);
        if (e == 0)
            continue;
        *out = str_make(s + l, e - l);
        return true;
    }
    return false;
}

/* ---- phone ---- */

/* Digit groups read from one start: what the longest-prefix search chooses from. */
typedef struct phone_scan {
    int ng;
    size_t gpos[PHONE_MAX_GROUPS], glen[PHONE_MAX_GROUPS], gend[PHONE_MAX_GROUPS];
    char sep[PHONE_MAX_GROUPS];     /* separator before each group: ' ', '-', '.', ')' or 0 */
    bool balanced[PHONE_MAX_GROUPS]; /* no parenthesis left open after the group */
    int paren;                       /* the group in parentheses, -1 for none */
    bool plus;
    size_t xcount; /* placeholder x's after the last group */
} phone_scan;

static void phone_scan_at(const char *s, size_t n, size_t i, phone_scan *ps)
{
    memset(ps, 0, sizeof *ps);
    ps->paren = -1;
    size_t k = i;
    bool open = false;
    if (k < n && s[k] == '(') {
        open = true;
        ps->paren = 0;
        k++;
    }
    if (k < n && s[k] == '+') {
        ps->plus = true;
        k++;
    }
    char sep = 0;
    while (ps->ng < PHONE_MAX_GROUPS) {
        size_t r = digit_run(s, n, k);
        if (r == 0)
            break;
        int g = ps->ng++;
        ps->gpos[g] = k;
        ps->glen[g] = r;
        ps->sep[g] = sep;
        k += r;
        size_t x = 0;
        while (k + x < n && (s[k + x] == 'x' || s[k + x] == 'X'))
            x++;
        if (x > 0) {
            bool ok = !open && x <= 8 && (k + x >= n || !is_alnum(s[k + x]));
            ps->xcount = ok ? x : 0;
            ps->gend[g] = ok ? k + x : k;
            ps->balanced[g] = ok; /* "12xyz": the group runs into a word */
            return;
        }
        bool closed = false;
        if (open && k < n && s[k] == ')') {
            open = false;
            closed = true;
            k++;
        }
        ps->gend[g] = k;
        ps->balanced[g] = !open;
        size_t m = k;
        char c = 0;
        if (m < n && (s[m] == '-' || s[m] == '.' || s[m] == ' ')) {
            c = s[m];
            m++;
        }
        if (m < n && s[m] == '(' && ps->paren < 0 && !open) {
            open = true;
            ps->paren = g + 1;
            m++;
            if (c == 0)
                c = '(';
        } else if (c == 0 && !closed) {
            return;
        }
        sep = c != 0 ? c : ')';
        k = m;
    }
}

static bool plausible_year(const char *s, size_t i, size_t len)
{
    if (len != 4)
        return false;
    int y = (s[i] - '0') * 1000 + (s[i + 1] - '0') * 100 + (s[i + 2] - '0') * 10 + (s[i + 3] - '0');
    return y >= 1950 && y <= 2100;
}

/* Does the text end properly at e: not glued to a word, an address, a path or a longer number? */
static bool phone_right_ok(const char *s, size_t n, size_t e)
{
    if (e >= n)
        return true;
    char c = s[e];
    if (is_alnum(c) || c == '@' || c == '/' || c == '%' || c == '_')
        return false;
    return !((c == '-' || c == '.' || c == ',') && e + 1 < n && is_digit(s[e + 1]));
}

/* Are the first k groups of ps a phone number? */
static bool phone_valid(const char *s, size_t n, const phone_scan *ps, int k)
{
    if (!ps->balanced[k - 1] || !phone_right_ok(s, n, ps->gend[k - 1]))
        return false;
    size_t xc = k == ps->ng ? ps->xcount : 0, d = 0;
    for (int g = 0; g < k; g++)
        d += ps->glen[g];
    if (d + xc < 7 || d + xc > 15 || (xc > 0 && d < 7))
        return false;
    if (k > 1 && ps->glen[k - 1] + xc < 2)
        return false;
    if (ps->plus) {
        if (k > 1 && ps->glen[0] > 3)
            return false;
        for (int g = 1; g < k && k > 2; g++)
            if (ps->glen[g] > 8)
                return false;
        return true;
    }
    if (plausible_year(s, ps->gpos[0], ps->glen[0]))
        return false; /* "2015 - 2019", "2019.07-2021.03", "2019-07-15" */
    if (k == 1)
        return xc > 0 ? d + xc == 11 : d == 10 || d == 11 || (d == 13 && s[ps->gpos[0]] == '8');
    bool year = false, short_group = false, dots = true, spaces = true, thousands = ps->glen[0] <= 3;
    for (int g = 0; g < k; g++) {
        if (ps->glen[g] > 8 || (g > 0 && ps->glen[g] + (g == k - 1 ? xc : 0) < 2))
            return false;
        year |= plausible_year(s, ps->gpos[g], ps->glen[g]);
        short_group |= ps->glen[g] <= 2;
        if (g > 0) {
            dots &= ps->sep[g] == '.';
            spaces &= ps->sep[g] == ' ';
            thousands &= ps->glen[g] == 3;
        }
    }
    if (year && short_group && ps->paren < 0)
        return false; /* "07-15-2019" */
    if (k == 2 && ps->glen[0] == 5 && ps->glen[1] == 4 && ps->sep[1] == '-')
        return false; /* ZIP+4 */
    if (dots && (k == 2 || (k == 4 && ps->glen[0] <= 3 && ps->glen[1] <= 3 && ps->glen[2] <= 3 && ps->glen[3] <= 3)))
        return false; /* a decimal, an IPv4 address */
    if (thousands && (dots || spaces))
        return false; /* "1 000 000" */
    return true;
}

static bool cn_mobile(const char *d) { return d[0] == '1' && d[1] >= '3' && d[1] <= '9'; }
static bool nanp(const char *d) { return d[0] >= '2' && d[0] <= '9' && d[3] >= '2' && d[3] <= '9'; }

static void put_e164(char e164[static 20], const char *prefix, const char *d, size_t nd)
{
    size_t p = strlen(prefix);
    memcpy(e164, prefix, p);
    memcpy(e164 + p, d, nd);
    e164[p + nd] = '\0';
}

static void phone_e164(const char *s, const phone_scan *ps, int k, char e164[static 20])
{
    char d[16];
    size_t nd = 0;
    e164[0] = '\0';
    for (int g = 0; g < k; g++) {
        memcpy(d + nd, s + ps->gpos[g], ps->glen[g]);
        nd += ps->glen[g];
    }
    if (k == ps->ng && ps->xcount > 0)
        return;
    bool g3 = k == 3 && ps->glen[0] == 3 && ps->glen[1] == 3 && ps->glen[2] == 4;
    bool g4 = k == 4 && ps->glen[0] == 1 && ps->glen[1] == 3 && ps->glen[2] == 3 && ps->glen[3] == 4;
    if (ps->plus) {
        bool cn_bad = ps->glen[0] == 2 && d[0] == '8' && d[1] == '6' && d[2] == '1' && nd != 13;
        if (nd >= 8 && !cn_bad) /* a Chinese mobile has 11 digits */
            put_e164(e164, "+", d, nd);
    } else if (nd >= 10 && d[0] == '0' && d[1] == '0') {
        put_e164(e164, "+", d + 2, nd - 2);
    } else if (nd == 11 && cn_mobile(d) && !g4) {
        put_e164(e164, "+86", d, nd);
    } else if (nd == 13 && d[0] == '8' && d[1] == '6' && cn_mobile(d + 2)) {
        put_e164(e164, "+", d, nd);
    } else if (nd == 10 && g3 && nanp(d)) {
        put_e164(e164, "+1", d, nd);
    } else if (nd == 11 && g4 && d[0] == '1' && nanp(d + 1)) {
        put_e164(e164, "+", d, nd);
    }
}

/* May a phone start at i: not inside a word, an address, a path or a number. */
static bool phone_left_ok(const char *s, size_t i)
{
    if (i == 0)
        return true;
    char p = s[i - 1];
    if (is_alnum(p) || p == '@' || p == '/' || p == '_' || p == '+' || p == '%' || p == '$' || p == '#' || p == '&')
        return false;
    return !((p == '.' || p == '-' || p == ',' || p == ':' || p == '(') && i >= 2 && is_digit(s[i - 2]));
}

bool contact_find_phone(const char *s, size_t n, ig_str *out, char e164[static 20])
{
    e164[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!(is_digit(c) || c == '+' || c == '(') || !phone_left_ok(s, i))
            continue;
        phone_scan ps;
        phone_scan_at(s, n, i, &ps);
        for (int k = ps.ng; k >= 1; k--) {
            if (!phone_valid(s, n, &ps, k))
                continue;
            *out = str_make(s + i, ps.gend[k - 1] - i);
            phone_e164(s, &ps, k, e164);
            return true;
        }
    }
    return false;
}

/* ---- links ---- */

/* Top-level domains a bare host ("sourabhbajaj.com") may end with. Lower-case only, and none
 * that is also a common file extension (.md, .py, .sh, .rs, .pl, .js). */
static const char *const TLDS[] = {
    "com", "net",  "org",   "edu",   "gov",  "io",   "me",   "dev", "ai", "app", "co", "cn", "us", "uk", "de", "jp",
    "kr",  "tw",   "hk",    "sg",    "in",   "ca",   "au",   "fr",  "ru", "eu", "nl", "se", "ch", "es", "it", "br",
    "nz",  "info", "biz",   "xyz",   "tech", "site", "page", "blog", "cloud", "ly", "gg", "tv", "fm", "online",
};

static bool known_tld(const char *s, size_t len)
{
    for (size_t k = 0; k < sizeof TLDS / sizeof TLDS[0]; k++)
        if (strlen(TLDS[k]) == len && memcmp(TLDS[k], s, len) == 0)
            return true;
    return false;
}

static bool url_char(char c)
{
    return c > 0x20 && c < 0x7F && !strchr("<>\"{}|\\^`", c);
}

/* Drops trailing punctuation from [b, e), and a closing bracket that opens nowhere inside. */
static size_t trim_url(const char *s, size_t b, size_t e)
{
    while (e > b) {
        char c = s[e - 1];
        if (strchr(".,;:!?'\"*", c) != NULL) {
            e--;
            continue;
        }
        if (c == ')' || c == ']') {
            char o = c == ')' ? '(' : '[';
            int depth = 0;
            for (size_t q = b; q < e; q++)
                depth += s[q] == o ? 1 : s[q] == c ? -1 : 0;
            if (depth < 0) {
                e--;
                continue;
            }
        }
        break;
    }
    return e;
}

/* May a bare host start at i: not inside a word, an address, a path or another URL. */
static bool bare_left_ok(const char *s, size_t i)
{
    if (i == 0)
        return true;
    char p = s[i - 1];
    return !(is_alnum(p) || strchr(".@_/-%+~&=?#\\", p) != NULL);
}

/* End of the bare link at i ("github.com/x", "www.yuanbin.me"), 0 when there is none. */
static size_t bare_link(const char *s, size_t n, size_t i)
{
    size_t tld = 0;
    size_t e = host_end(s, n, i, false, &tld);
    if (e == 0 || (e < n && (s[e] == '@' || s[e] == '_' || s[e] == '-' || is_alnum(s[e]))))
        return 0;
    /* the whole dotted run, so that "b.s.bad" does not yield "b.s" */
    if (e + 1 < n && s[e] == '.' && is_alnum(s[e + 1]))
        return 0;
    bool www = ci_at(s, n, i, "www.") > 0;
    bool alpha = e - tld >= 2;
    for (size_t q = tld; q < e && alpha; q++)
        alpha = is_alpha(s[q]);
    if (!(www ? alpha : known_tld(s + tld, e - tld)))
        return 0;
    if (e < n && s[e] == ':') {
        size_t r = digit_run(s, n, e + 1);
        if (r >= 1 && r <= 5)
            e += 1 + r;
    }
    if (e < n && (s[e] == '/' || s[e] == '?' || s[e] == '#')) {
        size_t b = e;
        while (e < n && url_char(s[e]))
            e++;
        e = trim_url(s, b, e);
    }
    return e;
}

void contact_each_link(const char *s, size_t n, void (*fn)(const char *p, size_t len, void *arg), void *arg)
{
    size_t i = 0;
    while (i < n) {
        size_t l = 0;
        bool word_start = i == 0 || !is_alnum(s[i - 1]);
        if (word_start && ((l = ci_at(s, n, i, "https://")) > 0 || (l = ci_at(s, n, i, "http://")) > 0)) {
            size_t e = i + l;
            while (e < n && url_char(s[e]))
                e++;
            e = trim_url(s, i + l, e);
            if (e > i + l && is_alnum(s[i + l]))
                fn(s + i, e - i, arg);
            i = e > i + l ? e : i + l;
            continue;
        }
        if (is_alnum(s[i]) && bare_left_ok(s, i)) {
            size_t e = bare_link(s, n, i);
            if (e > 0) {
                fn(s + i, e - i, arg);
                i = e;
                continue;
            }
        }
        i++;
    }
}

/* ---- classification ---- */

/* Is host (lower-case) d or a subdomain of d? */
static bool host_in(const char *host, size_t hl, const char *d)
{
    size_t dl = strlen(d);
    if (hl == dl)
        return memcmp(host, d, dl) == 0;
    return hl > dl && host[hl - dl - 1] == '.' && memcmp(host + hl - dl, d, dl) == 0;
}

/* Hosts where a page belongs to one person: sites served from a subdomain, blogs. */
static const char *const PERSONAL_HOSTS[] = {
    "github.io", "gitlab.io",   "gitee.io",    "netlify.app",  "vercel.app", "pages.dev",  "blogspot.com",
    "wordpress.com", "medium.com", "substack.com", "cnblogs.com", "blog.csdn.net", "dev.to", "hashnode.dev",
    "jianshu.com", "juejin.cn",  "zhihu.com",   "about.me",
};

/* Hosts whose pages are projects, posts or profiles of another kind. */
static const char *const OTHER_HOSTS[] = {
    "github.com", "githubusercontent.com", "gitlab.com", "bitbucket.org", "gitee.com", "sourceforge.net",
    "stackoverflow.com", "twitter.com", "x.com", "facebook.com", "instagram.com", "youtube.com", "youtu.be",
    "leetcode.com", "leetcode.cn", "kaggle.com", "npmjs.com", "pypi.org", "google.com", "apple.com", "wa.me",
    "t.me", "bit.ly", "arxiv.org", "doi.org", "huggingface.co", "behance.net", "dribbble.com", "weibo.com",
    "bilibili.com", "qq.com", "figma.com", "notion.so", "linkedin.com",
};

static bool any_host(const char *host, size_t hl, const char *const *list, size_t count)
{
    for (size_t k = 0; k < count; k++)
        if (host_in(host, hl, list[k]))
            return true;
    return false;
}

contact_link_kind contact_link_classify(const char *url, size_t n)
{
    size_t i = 0;
    while (i < n && (url[i] == ' ' || url[i] == '\t'))
        i++;
    for (size_t k = i; k + 2 < n && (is_alnum(url[k]) || url[k] == '+' || url[k] == '.' || url[k] == '-'); k++)
        if (url[k + 1] == ':' && url[k + 2] == '/' && k + 3 < n && url[k + 3] == '/') {
            i = k + 4;
            break;
        }
    char host[HOST_MAX + 1];
    size_t hl = 0;
    while (i < n && !strchr("/?#:", url[i]) && url[i] != ' ') {
        if (hl == HOST_MAX)
            return CONTACT_LINK_OTHER;
        host[hl++] = lower(url[i++]);
    }
    while (i < n && url[i] != '/' && url[i] != '?' && url[i] != '#')
        i++; /* a port */
    size_t pb = i, pe = i;
    while (pe < n && url[pe] != '?' && url[pe] != '#' && url[pe] != ' ')
        pe++;
    const char *h = host;
    if (hl > 4 && memcmp(h, "www.", 4) == 0)
        h += 4, hl -= 4;
    if (memchr(h, '.', hl) == NULL)
        return CONTACT_LINK_OTHER;
    bool digits_only = true;
    for (size_t q = 0; q < hl && digits_only; q++)
        digits_only = is_digit(h[q]) || h[q] == '.';
    if (digits_only)
        return CONTACT_LINK_OTHER;
    int segments = 0;
    for (size_t q = pb; q < pe; q++)
        if (url[q] != '/' && (q == pb || url[q - 1] == '/'))
            segments++;
    if (hl == 10 && memcmp(h, "github.com", 10) == 0)
        return segments == 1 ? CONTACT_LINK_GITHUB : CONTACT_LINK_OTHER;
    if (host_in(h, hl, "linkedin.com")) {
        bool profile = (ci_at(url, pe, pb, "/in/") > 0 || ci_at(url, pe, pb, "/pub/") > 0) && segments >= 2;
        return profile ? CONTACT_LINK_LINKEDIN : CONTACT_LINK_OTHER;
    }
    if (any_host(h, hl, PERSONAL_HOSTS, sizeof PERSONAL_HOSTS / sizeof PERSONAL_HOSTS[0]))
        return CONTACT_LINK_WEBSITE;
    if (any_host(h, hl, OTHER_HOSTS, sizeof OTHER_HOSTS / sizeof OTHER_HOSTS[0]))
        return CONTACT_LINK_OTHER;
    return CONTACT_LINK_WEBSITE;
}

/* ---- normalisation ---- */

bool contact_link_normalise(const char *url, size_t n, char *out, size_t cap)
{
    static const char *const REFUSED[] = {"mailto:", "tel:", "sms:", "javascript:", "data:", "callto:"};
    while (n > 0 && (url[0] == ' ' || url[0] == '\t' || url[0] == '\n' || url[0] == '\r'))
        url++, n--;
    while (n > 0 && (url[n - 1] == ' ' || url[n - 1] == '\t' || url[n - 1] == '\n' || url[n - 1] == '\r'))
        n--;
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)url[k] <= 0x20 || url[k] == 0x7F)
            return false;
    for (size_t k = 0; k < sizeof REFUSED / sizeof REFUSED[0]; k++)
        if (ci_at(url, n, 0, REFUSED[k]) > 0)
            return false;
    size_t scheme = 0; /* bytes of "scheme://" */
    if (n > 0 && is_alpha(url[0])) {
        size_t k = 1;
        while (k < n && (is_alnum(url[k]) || url[k] == '+' || url[k] == '.' || url[k] == '-'))
            k++;
        if (k + 2 < n && url[k] == ':' && url[k + 1] == '/' && url[k + 2] == '/')
            scheme = k + 3;
    }
    size_t o = 0;
    const char *prefix = scheme > 0 ? NULL : "https://";
    size_t need = (prefix != NULL ? 8 : 0) + n + 1;
    if (cap < need)
        return false;
    if (prefix != NULL) {
        memcpy(out, prefix, 8);
        o = 8;
    }
    for (size_t k = 0; k < scheme; k++)
        out[o++] = lower(url[k]);
    size_t host_start = o, k = scheme;
    while (k < n && url[k] != '/' && url[k] != '?' && url[k] != '#')
        out[o++] = lower(url[k++]);
    if (o == host_start)
        return false;
    size_t host_end_at = o;
    while (k < n)
        out[o++] = url[k++];
    while (o > host_end_at && out[o - 1] == '/')
        o--;
    out[o] = '\0';
    return true;
}

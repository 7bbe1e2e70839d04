/* Extraction sink: capped text plus the link list, with the URL normalisation and the scan for
 * URLs written in the text (profile links are often only typed, never annotated). */
#include "parse/sink.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

/* Hosts whose bare "host/path" mentions are links (a resume says "github.com/x", not "https://"). */
static const char *const PROFILE_HOSTS[] = {
    "github.com",    "github.io",      "gitlab.com",        "gitee.com",     "bitbucket.org",
    "linkedin.com",  "stackoverflow.com", "medium.com",     "dev.to",        "kaggle.com",
    "leetcode.com",  "leetcode.cn",    "huggingface.co",    "behance.net",   "dribbble.com",
    "twitter.com",   "x.com",          "zhihu.com",         "juejin.cn",     "csdn.net",
    "cnblogs.com",   "segmentfault.com", "jianshu.com",     "weibo.com",     "scholar.google.com",
    "orcid.org",     "researchgate.net", "npmjs.com",       "pypi.org",      "hub.docker.com",
    "youtube.com",   "substack.com",   "notion.site",       "vercel.app",    "netlify.app",
    "gitbook.io",    "about.me",
};

ig_status parse_sink_init(parse_sink *s, size_t max_text, ig_err *err)
{
    buf_init(&s->text, max_text);
    s->pages = 0;
    s->ocr = false;
    s->truncated = false;
    s->links = json_array();
    if (s->links == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");
    return IG_OK;
}

void parse_sink_free(parse_sink *s)
{
    buf_free(&s->text);
    json_decref(s->links);
    s->links = NULL;
}

bool parse_sink_full(const parse_sink *s)
{
    return s->truncated || s->text.len >= s->text.max;
}

ig_status parse_sink_text(parse_sink *s, const char *p, size_t n)
{
    size_t room = s->text.max - s->text.len;
    if (n > room) {
        size_t cut = room;
        while (cut > 0 && ((unsigned char)p[cut] & 0xC0) == 0x80)
            cut--;
        n = cut;
        s->truncated = true;
    }
    if (n == 0)
        return IG_OK;
    return buf_append(&s->text, p, n) == IG_OK ? IG_OK : IG_ENOMEM;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
    return is_alpha(c) || (c >= '0' && c <= '9');
}

static bool prefix_ci(const char *p, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    if (n < k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (lower(p[i]) != lit[i])
            return false;
    return true;
}

/* A DNS name with at least one dot and an alphabetic TLD of two or more letters. */
static bool valid_host(const char *h, size_t n)
{
    if (n == 0 || n > 253 || h[0] == '.' || h[0] == '-' || h[n - 1] == '.' || h[n - 1] == '-')
        return false;
    size_t last_dot = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (c == '.') {
            if (i > 0 && h[i - 1] == '.')
                return false;
            last_dot = i;
        } else if (!is_alnum(c) && c != '-') {
            return false;
        }
    }
    if (last_dot == SIZE_MAX || n - last_dot - 1 < 2)
        return false;
    for (size_t i = last_dot + 1; i < n; i++)
        if (!is_alpha(h[i]))
            return false;
    return true;
}

/* Writes "scheme://host/rest" into out (host lower-cased) and the dedup key "host/rest" (no
 * "www.", no trailing slash) into key. False when url is not a web address. */
static bool normalise(const char *url, size_t n, char *out, size_t *out_n, char *key, size_t *key_n)
{
    while (n > 0 && (unsigned char)url[0] <= ' ')
        url++, n--;
    while (n > 0 && (unsigned char)url[n - 1] <= ' ')
        n--;
    if (n == 0 || n > PARSE_SINK_MAX_URL)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f)
            return false;
    const char *scheme = "https";
    size_t k = 0;
    while (k < n && (is_alnum(url[k]) || url[k] == '+' || url[k] == '-'))
        k++;
    if (k > 0 && k < n && url[k] == ':' && is_alpha(url[0])) {
        bool port = k + 1 < n && url[k + 1] >= '0' && url[k + 1] <= '9';
        if (!port) {
            if (prefix_ci(url, n, "https://"))
                scheme = "https", k = 8;
            else if (prefix_ci(url, n, "http://"))
                scheme = "http", k = 7;
            else
                return false;
            url += k, n -= k;
        }
    }
    if (n == 0 || url[0] == '/' || url[0] == '#' || url[0] == '?' || url[0] == '.')
        return false;
    size_t hn = 0;
    while (hn < n && url[hn] != '/' && url[hn] != '?' && url[hn] != '#')
        hn++;
    size_t hostonly = hn;
    for (size_t i = 0; i < hn; i++) {
        if (url[i] == '@')
            return false;
        if (url[i] == ':') {
            hostonly = i;
            for (size_t j = i + 1; j < hn; j++)
                if (url[j] < '0' || url[j] > '9')
                    return false;
            break;
        }
    }
    if (!valid_host(url, hostonly))
        return false;
    size_t sl = strlen(scheme);
    size_t o = 0;
    memcpy(out, scheme, sl);
    o = sl;
    memcpy(out + o, "://", 3);
    o += 3;
    for (size_t i = 0; i < n; i++)
        out[o++] = i < hn ? lower(url[i]) : url[i];
    out[o] = '\0';
    *out_n = o;

    const char *h = out + sl + 3;
    size_t hl = o - sl - 3;
    if (hl > 4 && memcmp(h, "www.", 4) == 0)
        h += 4, hl -= 4;
    while (hl > 0 && h[hl - 1] == '/')
        hl--;
    memcpy(key, h, hl);
    key[hl] = '\0';
    *key_n = hl;
    return true;
}

ig_status parse_sink_link(parse_sink *s, const char *url, size_t n)
{
    char out[PARSE_SINK_MAX_URL + 16], key[PARSE_SINK_MAX_URL + 16];
    char other[PARSE_SINK_MAX_URL + 16], okey[PARSE_SINK_MAX_URL + 16];
    size_t on, kn, xn, xkn;
    if (json_array_size(s->links) >= PARSE_SINK_MAX_LINKS || !normalise(url, n, out, &on, key, &kn))
        return IG_OK;
    size_t i;
    json_t *v;
    json_array_foreach(s->links, i, v) {
        if (normalise(json_string_value(v), json_string_length(v), other, &xn, okey, &xkn) && xkn == kn &&
            strncasecmp(okey, key, kn) == 0)
            return IG_OK;
    }
    json_t *str = json_stringn(out, on);
    if (str == NULL)
        return IG_OK; /* not UTF-8: not a link worth keeping */
    return json_array_append_new(s->links, str) == 0 ? IG_OK : IG_ENOMEM;
}

static bool is_delim(unsigned char c)
{
    return c <= ' ' || c >= 0x80 || strchr("<>\"'`|()[]{},;\\^", c) != NULL;
}

static bool profile_host(const char *h, size_t n)
{
    for (size_t i = 0; i < sizeof PROFILE_HOSTS / sizeof PROFILE_HOSTS[0]; i++) {
        size_t k = strlen(PROFILE_HOSTS[i]);
        if (n == k && strncasecmp(h, PROFILE_HOSTS[i], k) == 0)
            return true;
        if (n > k && h[n - k - 1] == '.' && strncasecmp(h + n - k, PROFILE_HOSTS[i], k) == 0)
            return true;
    }
    return false;
}

/* One whitespace/punctuation-delimited token: the URL inside it, if any. */
static ig_status scan_token(parse_sink *s, const char *t, size_t n)
{
    const char *c = NULL;
    size_t cn = 0;
    bool bare = false;
    for (size_t i = 0; i + 7 <= n; i++) {
        if (prefix_ci(t + i, n - i, "http://") || prefix_ci(t + i, n - i, "https://")) {
            c = t + i, cn = n - i;
            break;
        }
    }
    if (c == NULL) {
        /* "GitHub:github.com/x" or "Web:www.x.com": the address follows the last colon */
        size_t start = 0;
        for (size_t i = 0; i < n; i++)
            if (t[i] == ':' && !(i + 1 < n && t[i + 1] >= '0' && t[i + 1] <= '9'))
                start = i + 1;
        c = t + start, cn = n - start;
        bare = !prefix_ci(c, cn, "www.");
    }
    while (cn > 0 && strchr(".,;:!?'\")]}>*", c[cn - 1]) != NULL)
        cn--;
    if (cn == 0)
        return IG_OK;
    if (bare) {
        size_t hn = 0;
        while (hn < cn && c[hn] != '/')
            hn++;
        /* a bare profile host counts only with a path: "github.com/x", not "GitHub.com" */
        if (hn + 1 >= cn || memchr(c, '@', hn) != NULL || !profile_host(c, hn))
            return IG_OK;
    }
    return parse_sink_link(s, c, cn);
}

ig_status parse_sink_links_from_text(parse_sink *s, const char *text, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && is_delim((unsigned char)text[i]))
            i++;
        size_t st = i;
        while (i < n && !is_delim((unsigned char)text[i]))
            i++;
        if (i > st && i - st <= PARSE_SINK_MAX_URL && memchr(text + st, '.', i - st) != NULL) {
            ig_status rc = scan_token(s, text + st, i - st);
            if (rc != IG_OK)
                return rc;
        }
    }
    return IG_OK;
}

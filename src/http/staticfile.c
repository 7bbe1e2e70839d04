/* Static files: request path -> relative path under the web root, types, validators. Paths are
 * judged after percent-decoding, so "%2e%2e" and "..%2f" are as refused as ".."; dates are
 * formatted and parsed without the C library's locale-dependent names. */
#include "http/staticfile.h"

#include <stdio.h>
#include <string.h>

static const char DAYS[7][4] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"}; /* 1970-01-01 was a Thursday */
static const char *const DAY_NAMES[7] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
static const char MONTHS[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Checks the segment that ends at out[len] (its first byte at out[start]). */
static bool segment_ok(const char *out, size_t start, size_t len, bool last)
{
    size_t n = len - start;
    if (n == 0)
        return last;
    if (n > STATICFILE_SEGMENT_MAX || out[start] == '.')
        return false;
    return true;
}

bool staticfile_map(ig_str path, char *out, size_t cap)
{
    static const char index[] = "index.html";
    if (path.p == NULL || path.n == 0 || path.p[0] != '/' || cap == 0)
        return false;
    size_t len = 0, seg = 0;
    for (size_t i = 1; i < path.n; i++) {
        unsigned char c = (unsigned char)path.p[i];
        if (c == '%') {
            int hi = i + 2 < path.n ? str_hexval(path.p[i + 1]) : -1;
            int lo = hi >= 0 ? str_hexval(path.p[i + 2]) : -1;
            if (lo < 0)
                return false;
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
            /* an encoded '/' is a byte of a name, which no file here has: refused, not split */
            if (c == '/')
                return false;
        } else if (c == '/') {
            if (!segment_ok(out, seg, len, false))
                return false;
            if (len + 1 >= cap)
                return false;
            out[len++] = '/';
            seg = len;
            continue;
        }
        if (c < 0x20 || c == 0x7F || c == '\\')
            return false;
        if (len + 1 >= cap)
            return false;
        out[len++] = (char)c;
    }
    if (!segment_ok(out, seg, len, true))
        return false;
    if (len == seg) {
        /* a directory: its index */
        if (len + sizeof index > cap)
            return false;
        memcpy(out + len, index, sizeof index);
        return true;
    }
    out[len] = '\0';
    return true;
}

bool staticfile_has_extension(const char *rel)
{
    const char *slash = strrchr(rel, '/');
    const char *last = slash ? slash + 1 : rel;
    const char *dot = strrchr(last, '.');
    return dot != NULL && dot != last && dot[1] != '\0';
}

const char *staticfile_type(const char *name)
{
    static const struct {
        const char *ext;
        const char *type;
    } types[] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"json", "application/json; charset=utf-8"},
        {"map", "application/json; charset=utf-8"},
        {"txt", "text/plain; charset=utf-8"},
        {"md", "text/markdown; charset=utf-8"},
        {"xml", "application/xml; charset=utf-8"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"ico", "image/x-icon"},
        {"woff", "font/woff"},
        {"woff2", "font/woff2"},
        {"wasm", "application/wasm"},
        {"wav", "audio/wav"},
        {"webm", "audio/webm"},
        {"pdf", "application/pdf"},
    };
    const char *slash = strrchr(name, '/');
    const char *last = slash ? slash + 1 : name;
    const char *dot = strrchr(last, '.');
    if (dot == NULL || dot == last)
        return "application/octet-stream";
    ig_str ext = str_cstr(dot + 1);
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (str_caseeq(ext, str_cstr(types[i].ext)))
            return types[i].type;
    }
    return "application/octet-stream";
}

void staticfile_etag(uint64_t size, int64_t mtime_s, long mtime_ns, char *out, size_t cap)
{
    unsigned long long ns = (unsigned long long)mtime_s * 1000000000ULL + (unsigned long long)mtime_ns;
    snprintf(out, cap, "\"%llx-%llx\"", (unsigned long long)size, ns);
}

/* The opaque part of an entity tag: what is between its quotes, W/ dropped. */
static ig_str opaque(ig_str tag)
{
    if (tag.n >= 2 && tag.p[0] == 'W' && tag.p[1] == '/')
        tag = str_make(tag.p + 2, tag.n - 2);
    if (tag.n >= 2 && tag.p[0] == '"' && tag.p[tag.n - 1] == '"')
        return str_make(tag.p + 1, tag.n - 2);
    return STR_NULL;
}

bool staticfile_etag_match(ig_str inm, const char *etag)
{
    if (inm.p == NULL)
        return false;
    ig_str mine = opaque(str_cstr(etag));
    if (mine.p == NULL)
        return false;
    size_t i = 0;
    for (;;) {
        while (i < inm.n && (inm.p[i] == ' ' || inm.p[i] == '\t' || inm.p[i] == ','))
            i++;
        if (i == inm.n)
            return false;
        if (inm.p[i] == '*')
            return true;
        size_t start = i;
        if (inm.n - i >= 2 && inm.p[i] == 'W' && inm.p[i + 1] == '/')
            i += 2;
        if (i == inm.n || inm.p[i] != '"')
            return false;
        const char *close = memchr(inm.p + i + 1, '"', inm.n - i - 1);
        if (close == NULL)
            return false;
        i = (size_t)(close - inm.p) + 1;
        ig_str theirs = opaque(str_make(inm.p + start, i - start));
        if (theirs.p != NULL && str_eq(theirs, mine))
            return true;
    }
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void staticfile_http_date(int64_t t, char *out, size_t cap)
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    /* civil_from_days */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    int wd = (int)(((days % 7) + 7) % 7);
    snprintf(out, cap, "%s, %02u %s %04lld %02d:%02d:%02d GMT", DAYS[wd], d, MONTHS[m - 1], (long long)y,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

/* A cursor over a date being parsed. */
typedef struct cur {
    const char *p;
    size_t n, i;
} cur;

static bool lit(cur *c, const char *s)
{
    size_t k = strlen(s);
    if (c->n - c->i < k || memcmp(c->p + c->i, s, k) != 0)
        return false;
    c->i += k;
    return true;
}

static bool digits(cur *c, size_t k, int *out)
{
    if (c->n - c->i < k)
        return false;
    int v = 0;
    for (size_t j = 0; j < k; j++) {
        char ch = c->p[c->i + j];
        if (ch < '0' || ch > '9')
            return false;
        v = v * 10 + (ch - '0');
    }
    c->i += k;
    *out = v;
    return true;
}

static bool month(cur *c, int *out)
{
    for (int m = 0; m < 12; m++) {
        if (lit(c, MONTHS[m])) {
            *out = m + 1;
            return true;
        }
    }
    return false;
}

static bool clock_time(cur *c, int *h, int *mi, int *s)
{
    return digits(c, 2, h) && lit(c, ":") && digits(c, 2, mi) && lit(c, ":") && digits(c, 2, s);
}

static bool day_abbrev(cur *c)
{
    for (int k = 0; k < 7; k++) {
        if (lit(c, DAYS[k]))
            return true;
    }
    return false;
}

static bool day_name(cur *c)
{
    for (int k = 0; k < 7; k++) {
        if (lit(c, DAY_NAMES[k]))
            return true;
    }
    return false;
}

static bool make_time(int y, int m, int d, int h, int mi, int s, int64_t *out)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || h > 23 || mi > 59 || s > 60)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m == 2 && d == 29 && !leap)
        return false;
    *out = days_from_civil(y, (unsigned)m, (unsigned)d) * 86400 + h * 3600 + mi * 60 + (s == 60 ? 59 : s);
    return true;
}

bool staticfile_parse_http_date(ig_str str, int64_t *out)
{
    if (str.p == NULL)
        return false;
    int y = 0, m = 0, d = 0, h = 0, mi = 0, s = 0;
    /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
    cur c = {str.p, str.n, 0};
    if (day_abbrev(&c) && lit(&c, ", ") && digits(&c, 2, &d) && lit(&c, " ") && month(&c, &m) && lit(&c, " ") &&
        digits(&c, 4, &y) && lit(&c, " ") && clock_time(&c, &h, &mi, &s) && lit(&c, " GMT") && c.i == c.n)
        return make_time(y, m, d, h, mi, s, out);
    /* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT (two-digit years: 70-99 are 19xx) */
    c = (cur){str.p, str.n, 0};
    if (day_name(&c) && lit(&c, ", ") && digits(&c, 2, &d) && lit(&c, "-") && month(&c, &m) && lit(&c, "-") &&
        digits(&c, 2, &y) && lit(&c, " ") && clock_time(&c, &h, &mi, &s) && lit(&c, " GMT") && c.i == c.n)
        return make_time(y < 70 ? 2000 + y : 1900 + y, m, d, h, mi, s, out);
    /* asctime: Sun Nov  6 08:49:37 1994 */
    c = (cur){str.p, str.n, 0};
    if (day_abbrev(&c) && lit(&c, " ") && month(&c, &m) && lit(&c, " ")) {
        bool day_ok = lit(&c, " ") ? digits(&c, 1, &d) : digits(&c, 2, &d);
        if (day_ok && lit(&c, " ") && clock_time(&c, &h, &mi, &s) && lit(&c, " ") && digits(&c, 4, &y) &&
            c.i == c.n)
            return make_time(y, m, d, h, mi, s, out);
    }
    return false;
}

bool staticfile_not_modified(ig_str inm, ig_str ims, const char *etag, int64_t mtime)
{
    if (inm.p != NULL)
        return staticfile_etag_match(inm, etag);
    int64_t since;
    if (ims.p != NULL && staticfile_parse_http_date(str_trim(ims), &since))
        return mtime <= since;
    return false;
}

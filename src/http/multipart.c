/* multipart/form-data as a byte-at-a-time state machine with a bulk fast path for part data. */
#include "http/multipart.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

enum {
    S_PREAMBLE,
    S_AFTER_DELIM, /* "--" closes, CRLF opens a part; transport padding allowed */
    S_DASH2,
    S_AFTER_CR,
    S_HEADERS,
    S_DATA,
    S_EPILOGUE,
    S_ERROR,
};

static bool boundary_char(char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           strchr("'()+_,-./:=? ", ch) != NULL;
}

bool multipart_boundary(ig_str ct, char *out, size_t cap)
{
    ig_str s = str_trim(ct);
    static const char type[] = "multipart/form-data";
    if (s.n < sizeof type - 1 || strncasecmp(s.p, type, sizeof type - 1) != 0)
        return false;
    size_t i = sizeof type - 1;
    while (i < s.n) {
        while (i < s.n && (s.p[i] == ';' || s.p[i] == ' ' || s.p[i] == '\t'))
            i++;
        size_t ks = i;
        while (i < s.n && s.p[i] != '=' && s.p[i] != ';')
            i++;
        ig_str key = str_trim(str_make(s.p + ks, i - ks));
        if (i >= s.n || s.p[i] != '=')
            continue;
        i++;
        size_t vs = i, vn;
        if (i < s.n && s.p[i] == '"') {
            vs = ++i;
            while (i < s.n && s.p[i] != '"')
                i++;
            vn = i - vs;
            if (i < s.n)
                i++;
        } else {
            while (i < s.n && s.p[i] != ';')
                i++;
            vn = str_trim(str_make(s.p + vs, i - vs)).n;
        }
        if (str_caseeq(key, STR_LIT("boundary"))) {
            if (vn == 0 || vn > MULTIPART_BOUNDARY_MAX || vn + 1 > cap || s.p[vs + vn - 1] == ' ')
                return false;
            for (size_t k = 0; k < vn; k++)
                if (!boundary_char(s.p[vs + k]))
                    return false;
            memcpy(out, s.p + vs, vn);
            out[vn] = '\0';
            return true;
        }
    }
    return false;
}

void multipart_init(multipart_parser *p, const char *boundary, const multipart_callbacks *cb, void *arg)
{
    memset(p, 0, sizeof *p);
    p->cb = *cb;
    p->arg = arg;
    size_t bl = strnlen(boundary, MULTIPART_BOUNDARY_MAX);
    memcpy(p->delim, "\r\n--", 4);
    memcpy(p->delim + 4, boundary, bl);
    p->delim_len = 4 + bl;
    p->state = S_PREAMBLE;
    p->match = 2; /* the body may open with the delimiter itself, without a CRLF before it */
}

bool multipart_done(const multipart_parser *p)
{
    return p->done;
}

/* Copies a header parameter's value (quoted or token) into out. */
static void param_copy(ig_str v, char *out, size_t cap)
{
    size_t o = 0;
    if (v.n >= 1 && v.p[0] == '"') {
        for (size_t i = 1; i < v.n && v.p[i] != '"'; i++) {
            if (v.p[i] == '\\' && i + 1 < v.n)
                i++;
            if (o + 1 < cap)
                out[o++] = v.p[i];
        }
    } else {
        v = str_trim(v);
        for (size_t i = 0; i < v.n && o + 1 < cap; i++)
            out[o++] = v.p[i];
    }
    out[o] = '\0';
}

/* Splits a Content-Disposition value into its parameters, honouring quoted strings. */
static void parse_disposition(ig_str v, multipart_part *part)
{
    size_t i = 0;
    while (i < v.n && v.p[i] != ';')
        i++;
    while (i < v.n) {
        i++; /* the ';' */
        size_t ks = i;
        while (i < v.n && v.p[i] != '=' && v.p[i] != ';')
            i++;
        ig_str key = str_trim(str_make(v.p + ks, i - ks));
        if (i >= v.n || v.p[i] != '=')
            continue;
        i++;
        while (i < v.n && (v.p[i] == ' ' || v.p[i] == '\t'))
            i++;
        size_t vs = i;
        if (i < v.n && v.p[i] == '"') {
            i++;
            while (i < v.n && v.p[i] != '"') {
                if (v.p[i] == '\\')
                    i++;
                i++;
            }
            if (i < v.n)
                i++;
        }
        while (i < v.n && v.p[i] != ';')
            i++;
        ig_str val = str_make(v.p + vs, (i > v.n ? v.n : i) - vs);
        if (str_caseeq(key, STR_LIT("name"))) {
            param_copy(val, part->name, sizeof part->name);
        } else if (str_caseeq(key, STR_LIT("filename"))) {
            param_copy(val, part->filename, sizeof part->filename);
            part->has_filename = true;
        }
    }
}

static ig_status parse_headers(multipart_parser *p, ig_err *err)
{
    memset(&p->part, 0, sizeof p->part);
    size_t i = 0, n = p->hdr_len - 2; /* the block ends with an empty line */
    bool disposition = false;
    while (i < n) {
        const char *eol = memmem(p->hdr + i, n - i, "\r\n", 2);
        size_t end = eol ? (size_t)(eol - p->hdr) : n;
        ig_str line = str_make(p->hdr + i, end - i);
        const char *colon = memchr(line.p, ':', line.n);
        if (line.n > 0) {
            if (colon == NULL)
                return status_errf(err, IG_EINVAL, "multipart: header line without a colon");
            ig_str name = str_trim(str_make(line.p, (size_t)(colon - line.p)));
            ig_str value = str_trim(str_make(colon + 1, line.n - (size_t)(colon - line.p) - 1));
            if (str_caseeq(name, STR_LIT("Content-Disposition"))) {
                parse_disposition(value, &p->part);
                disposition = true;
            } else if (str_caseeq(name, STR_LIT("Content-Type"))) {
                param_copy(value, p->part.content_type, sizeof p->part.content_type);
            }
        }
        i = end + 2;
    }
    if (!disposition)
        return status_errf(err, IG_EINVAL, "multipart: a part has no Content-Disposition");
    return IG_OK;
}

static ig_status fail(multipart_parser *p, ig_status st, ig_err *err, const char *msg)
{
    p->state = S_ERROR;
    if (msg)
        status_errf(err, st, "multipart: %s", msg);
    return st;
}

ig_status multipart_feed(multipart_parser *p, const char *data, size_t len, ig_err *err)
{
    size_t i = 0, run = 0;
    ig_status st;
    if (p->state == S_ERROR)
        return status_errf(err, IG_EINVAL, "multipart: parser already failed");
    while (i < len) {
        char ch = data[i];
        switch (p->state) {
        case S_PREAMBLE:
            if (ch == p->delim[p->match]) {
                if (++p->match == p->delim_len) {
                    p->match = 0;
                    p->state = S_AFTER_DELIM;
                }
            } else {
                p->match = ch == '\r' ? 1 : 0;
            }
            i++;
            break;
        case S_AFTER_DELIM:
            if (ch == '-')
                p->state = S_DASH2;
            else if (ch == '\r')
                p->state = S_AFTER_CR;
            else if (ch != ' ' && ch != '\t')
                return fail(p, IG_EINVAL, err, "garbage after a boundary");
            i++;
            break;
        case S_DASH2:
            if (ch != '-')
                return fail(p, IG_EINVAL, err, "garbage after a boundary");
            p->state = S_EPILOGUE;
            p->done = true;
            i++;
            break;
        case S_AFTER_CR:
            if (ch != '\n')
                return fail(p, IG_EINVAL, err, "bare CR after a boundary");
            p->state = S_HEADERS;
            p->hdr_len = 0;
            i++;
            break;
        case S_HEADERS:
            if (p->hdr_len == sizeof p->hdr)
                return fail(p, IG_ETOOBIG, err, "part headers too large");
            p->hdr[p->hdr_len++] = ch;
            i++;
            if ((p->hdr_len == 2 && memcmp(p->hdr, "\r\n", 2) == 0) ||
                (p->hdr_len >= 4 && memcmp(p->hdr + p->hdr_len - 4, "\r\n\r\n", 4) == 0)) {
                if ((st = parse_headers(p, err)) != IG_OK)
                    return fail(p, st, err, NULL);
                if ((st = p->cb.on_part(p->arg, &p->part)) != IG_OK)
                    return fail(p, st, err, "refused by the receiver");
                p->state = S_DATA;
                p->match = 0;
                run = i;
            }
            break;
        case S_DATA:
            if (p->match == 0) {
                const char *cr = memchr(data + i, '\r', len - i);
                size_t stop = cr ? (size_t)(cr - data) : len;
                if (stop > run && (st = p->cb.on_data(p->arg, data + run, stop - run)) != IG_OK)
                    return fail(p, st, err, "refused by the receiver");
                i = run = stop;
                if (cr) {
                    p->match = 1;
                    i++;
                }
            } else if (ch == p->delim[p->match]) {
                i++;
                if (++p->match == p->delim_len) {
                    p->match = 0;
                    p->state = S_AFTER_DELIM;
                    if ((st = p->cb.on_part_end(p->arg)) != IG_OK)
                        return fail(p, st, err, "refused by the receiver");
                }
            } else {
                /* the bytes that looked like a delimiter were data: hand them over, then look at
                 * ch again (it may start a new delimiter) */
                if ((st = p->cb.on_data(p->arg, p->delim, p->match)) != IG_OK)
                    return fail(p, st, err, "refused by the receiver");
                p->match = 0;
                run = i;
            }
            break;
        case S_EPILOGUE:
            return IG_OK; /* anything after the closing delimiter is ignored */
        default:
            return fail(p, IG_EINVAL, err, "parser already failed");
        }
    }
    if (p->state == S_DATA && p->match == 0 && len > run &&
        (st = p->cb.on_data(p->arg, data + run, len - run)) != IG_OK)
        return fail(p, st, err, "refused by the receiver");
    return IG_OK;
}

/* Trusted proxies: the TRUSTED_PROXIES list, address-in-network matching and the right-to-left walk
 * of X-Forwarded-For. Every input is measured, copied into a capped buffer before inet_pton sees it. */
#include "http/proxy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define PORT_DIGITS_MAX 5

static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

typedef struct addr {
    unsigned char b[16];
    bool v4;
} addr;

/* One bare address of n bytes (no brackets, port or prefix). */
static bool parse_addr(const char *p, size_t n, addr *out)
{
    char tmp[PROXY_ADDR_MAX];
    if (n == 0 || n >= sizeof tmp || memchr(p, '\0', n) != NULL)
        return false;
    memcpy(tmp, p, n);
    tmp[n] = '\0';
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, tmp, out->b) == 1) {
        out->v4 = true;
        return true;
    }
    if (inet_pton(AF_INET6, tmp, out->b) != 1)
        return false;
    if (memcmp(out->b, v4_mapped, sizeof v4_mapped) == 0) {
        memmove(out->b, out->b + 12, 4);
        memset(out->b + 4, 0, 12);
        out->v4 = true;
    }
    return true;
}

static bool all_digits(const char *p, size_t n, size_t max)
{
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
    }
    return true;
}

/* An X-Forwarded-For entry: an address, "[v6]", "[v6]:port" or "v4:port". */
static bool parse_entry(const char *p, size_t n, addr *out)
{
    if (n > 0 && p[0] == '[') {
        const char *close = memchr(p, ']', n);
        if (close == NULL)
            return false;
        size_t inner = (size_t)(close - p) - 1;
        size_t rest = n - inner - 2;
        if (rest > 0 && (close[1] != ':' || !all_digits(close + 2, rest - 1, PORT_DIGITS_MAX)))
            return false;
        /* brackets hold IPv6 text (an IPv4-mapped one reads as IPv4 all the same) */
        return memchr(p + 1, ':', inner) != NULL && parse_addr(p + 1, inner, out);
    }
    const char *colon = memchr(p, ':', n);
    if (colon != NULL && memchr(colon + 1, ':', n - (size_t)(colon - p) - 1) == NULL) {
        size_t host = (size_t)(colon - p);
        return all_digits(colon + 1, n - host - 1, PORT_DIGITS_MAX) && parse_addr(p, host, out);
    }
    return parse_addr(p, n, out);
}

static bool in_net(const proxy_net *net, const addr *a)
{
    if (net->v4 != a->v4)
        return false;
    unsigned full = net->prefix / 8, bits = net->prefix % 8;
    if (memcmp(net->addr, a->b, full) != 0)
        return false;
    if (bits == 0)
        return true;
    unsigned char mask = (unsigned char)(0xffu << (8 - bits));
    return (net->addr[full] & mask) == (a->b[full] & mask);
}

static bool list_match(const proxy_list *l, const addr *a)
{
    for (size_t i = 0; l != NULL && i < l->n; i++) {
        if (in_net(&l->nets[i], a))
            return true;
    }
    return false;
}

static ig_status parse_item(ig_str item, size_t index, proxy_net *out, ig_err *err)
{
    const char *slash = memchr(item.p, '/', item.n);
    size_t alen = slash ? (size_t)(slash - item.p) : item.n;
    addr a;
    if (!parse_addr(item.p, alen, &a))
        return status_errf(err, IG_EINVAL, "TRUSTED_PROXIES item %zu is not an IP address or CIDR (got '%.*s')",
                           index, (int)(item.n > 60 ? 60 : item.n), item.p);
    unsigned max = a.v4 ? 32 : 128;
    unsigned prefix = max;
    if (slash != NULL) {
        unsigned long long v;
        ig_str digits = str_make(slash + 1, item.n - alen - 1);
        if (!all_digits(digits.p, digits.n, 3) || !str_to_u64(digits, &v) || v > max)
            return status_errf(err, IG_EINVAL, "TRUSTED_PROXIES item %zu has a prefix outside /0../%u (got '%.*s')",
                               index, max, (int)(item.n > 60 ? 60 : item.n), item.p);
        prefix = (unsigned)v;
    }
    memset(out, 0, sizeof *out);
    out->v4 = a.v4;
    out->prefix = prefix;
    memcpy(out->addr, a.b, prefix / 8);
    if (prefix % 8)
        out->addr[prefix / 8] = (unsigned char)(a.b[prefix / 8] & (0xffu << (8 - prefix % 8)));
    return IG_OK;
}

ig_status proxy_list_parse(const char *s, size_t len, proxy_list *out, ig_err *err)
{
    memset(out, 0, sizeof *out);
    size_t pos = 0, index = 0;
    while (pos <= len && len > 0) {
        const char *comma = memchr(s + pos, ',', len - pos);
        size_t end = comma ? (size_t)(comma - s) : len;
        ig_str item = str_trim(str_make(s + pos, end - pos));
        index++;
        if (item.n > 0) {
            if (out->n == PROXY_LIST_MAX) {
                memset(out, 0, sizeof *out);
                return status_errf(err, IG_EINVAL, "TRUSTED_PROXIES lists more than %d networks", PROXY_LIST_MAX);
            }
            ig_status rc = parse_item(item, index, &out->nets[out->n], err);
            if (rc != IG_OK) {
                memset(out, 0, sizeof *out);
                return rc;
            }
            out->n++;
        }
        pos = end + 1;
    }
    return IG_OK;
}

bool proxy_list_has(const proxy_list *l, const char *ip, size_t len)
{
    addr a;
    return l != NULL && l->n > 0 && parse_addr(ip, len, &a) && list_match(l, &a);
}

bool proxy_forwarded_for(const proxy_list *l, const ig_str *values, size_t n, char out[PROXY_ADDR_MAX])
{
    addr last;
    memset(&last, 0, sizeof last);
    bool have = false;
    size_t hops = 0;
    for (size_t v = n; v-- > 0;) {
        const char *p = values[v].p;
        size_t end = p != NULL ? values[v].n : 0;
        bool more = end > 0;
        while (more) {
            /* the entry is the bytes after the last comma before end, looked for within a capped span */
            size_t start = end;
            while (start > 0 && p[start - 1] != ',' && end - start <= PROXY_ENTRY_MAX)
                start--;
            if (end - start > PROXY_ENTRY_MAX)
                goto done;
            more = start > 0;
            ig_str entry = str_trim(str_make(p + start, end - start));
            end = more ? start - 1 : 0;
            if (entry.n == 0)
                continue;
            addr a;
            if (++hops > PROXY_HOPS_MAX || !parse_entry(entry.p, entry.n, &a))
                goto done;
            last = a;
            have = true;
            if (!list_match(l, &a))
                goto done;
        }
    }
done:
    /* 46 bytes hold any IPv6 text: inet_ntop cannot fail here */
    return have && inet_ntop(last.v4 ? AF_INET : AF_INET6, last.b, out, PROXY_ADDR_MAX) != NULL;
}

/* libFuzzer target for http/proxy. The input's first line is a TRUSTED_PROXIES value (a fixed list
 * stands in when it is refused), the other lines X-Forwarded-For header lines. A list either fails
 * or holds masked networks within bounds; a client address found is canonical text that reads back
 * as itself; and an untrusted client cannot be changed by anything written to the left of the
 * header (what a client behind the proxies controls). */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "http/proxy.h"

#define MAX_LINES 8
#define FALLBACK_LIST "127.0.0.0/8, 10.0.0.0/8, ::1, 2001:db8::/48"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_list(const proxy_list *l)
{
    if (l->n > PROXY_LIST_MAX)
        __builtin_trap();
    for (size_t i = 0; i < l->n; i++) {
        const proxy_net *net = &l->nets[i];
        unsigned max = net->v4 ? 32 : 128;
        if (net->prefix > max)
            __builtin_trap();
        for (unsigned bit = net->prefix; bit < 128; bit++) {
            if (net->addr[bit / 8] & (0x80u >> (bit % 8)))
                __builtin_trap();
        }
    }
}

/* out is NUL-terminated canonical text of one address. */
static void check_addr(const char *out)
{
    size_t n = strnlen(out, PROXY_ADDR_MAX);
    unsigned char b[16];
    char again[PROXY_ADDR_MAX];
    if (n == 0 || n == PROXY_ADDR_MAX)
        __builtin_trap();
    int af = strchr(out, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(af, out, b) != 1 || inet_ntop(af, b, again, sizeof again) == NULL || strcmp(again, out) != 0)
        __builtin_trap();
    if (af == AF_INET6 && strncmp(out, "::ffff:", 7) == 0 && strchr(out, '.') != NULL)
        __builtin_trap(); /* mapped addresses come out as IPv4 */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    const char *nl = memchr(p, '\n', size);
    size_t spec_len = nl ? (size_t)(nl - p) : size;
    proxy_list l;
    ig_err err;
    if (proxy_list_parse(p, spec_len, &l, &err) == IG_OK)
        check_list(&l);
    else if (proxy_list_parse(FALLBACK_LIST, strlen(FALLBACK_LIST), &l, &err) != IG_OK)
        __builtin_trap();
    if (nl == NULL)
        return 0;

    ig_str lines[MAX_LINES];
    size_t n = 0, pos = spec_len + 1;
    while (n < MAX_LINES && pos <= size) {
        const char *e = memchr(p + pos, '\n', size - pos);
        size_t len = e ? (size_t)(e - (p + pos)) : size - pos;
        lines[n++] = str_make(p + pos, len);
        pos += len + 1;
    }
    char out[PROXY_ADDR_MAX];
    bool got = proxy_forwarded_for(&l, lines, n, out);
    if (!got)
        return 0;
    check_addr(out);
    if (proxy_list_has(&l, out, strlen(out)))
        return 0;
    /* an untrusted client: a header line put in front of the others, as a spoofing client would,
     * leaves it as it is */
    ig_str spoofed[MAX_LINES + 1];
    spoofed[0] = str_make("198.51.100.66, bogus entry", 26);
    memcpy(spoofed + 1, lines, n * sizeof lines[0]);
    char again[PROXY_ADDR_MAX];
    if (!proxy_forwarded_for(&l, spoofed, n + 1, again) || strcmp(again, out) != 0)
        __builtin_trap();
    return 0;
}

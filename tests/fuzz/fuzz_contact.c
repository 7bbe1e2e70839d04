/* libFuzzer target for parse/contact: any bytes; every span found lies inside the input and has
 * the shape its kind promises, E.164 numbers are '+' and 8..15 digits, and normalised links are
 * NUL-terminated, fit their buffer and carry a scheme. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "parse/contact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct span_check {
    const char *s;
    size_t n;
} span_check;

static bool inside(const char *p, size_t len, const char *s, size_t n)
{
    return p >= s && p <= s + n && len <= (size_t)(s + n - p);
}

/* A normalised URL: fits, has "scheme://" and a host, no trailing '/'. */
static void check_normalised(const char *url, size_t n, size_t cap)
{
    char out[512];
    if (cap > sizeof out)
        cap = sizeof out;
    memset(out, 'Z', sizeof out);
    if (!contact_link_normalise(url, n, out, cap))
        return;
    size_t len = strnlen(out, cap);
    const char *sep = len < cap ? strstr(out, "://") : NULL;
    if (len == cap || sep == NULL || sep == out || sep[3] == '\0' || sep[3] == '/' || out[len - 1] == '/')
        __builtin_trap();
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)out[i] <= 0x20)
            __builtin_trap();
}

static void on_link(const char *p, size_t len, void *arg)
{
    const span_check *c = arg;
    if (len == 0 || !inside(p, len, c->s, c->n) || memchr(p, ' ', len) != NULL || memchr(p, '\n', len) != NULL)
        __builtin_trap();
    contact_link_kind k = contact_link_classify(p, len);
    if (k != CONTACT_LINK_GITHUB && k != CONTACT_LINK_LINKEDIN && k != CONTACT_LINK_WEBSITE && k != CONTACT_LINK_OTHER)
        __builtin_trap();
    check_normalised(p, len, 512);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    ig_str e;
    if (contact_find_email(s, size, &e)) {
        const char *at = e.n > 0 ? memchr(e.p, '@', e.n) : NULL;
        if (!inside(e.p, e.n, s, size) || at == NULL || at == e.p || at == e.p + e.n - 1 || memchr(e.p, ' ', e.n))
            __builtin_trap();
    }
    char e164[20];
    memset(e164, 'Z', sizeof e164);
    if (contact_find_phone(s, size, &e, e164)) {
        size_t dn = 0;
        for (size_t i = 0; i < e.n; i++)
            dn += e.p[i] >= '0' && e.p[i] <= '9';
        if (!inside(e.p, e.n, s, size) || dn < 7 || dn > 15 || memchr(e.p, '\n', e.n))
            __builtin_trap();
    }
    size_t en = strnlen(e164, sizeof e164);
    if (en == sizeof e164 || (en > 0 && (e164[0] != '+' || en < 9 || en > 16)))
        __builtin_trap();
    for (size_t i = 1; i < en; i++)
        if (e164[i] < '0' || e164[i] > '9')
            __builtin_trap();
    span_check c = {s, size};
    contact_each_link(s, size, on_link, &c);
    (void)contact_link_classify(s, size);
    check_normalised(s, size, size > 0 ? data[0] : 0);
    return 0;
}

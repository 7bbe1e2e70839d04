/* Strict UTF-8 decoding shared by logs, the store's exports and the services. */
#include "core/utf8.h"

#include <stdlib.h>
#include <string.h>

size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t v;
    if (s[0] < 0x80) {
        v = s[0];
        len = 1;
        goto out;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2;
        v = s[0] & 0x1Fu;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3;
        v = s[0] & 0x0Fu;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4;
        v = s[0] & 0x07u;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
out:
    if (cp)
        *cp = v;
    return len;
}

size_t utf8_count(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += ((unsigned char)s[i] & 0xC0) != 0x80;
    return count;
}

json_t *utf8_json_lossy(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n);
    if (j != NULL || n > (SIZE_MAX - 1) / 3)
        return j;
    char *out = malloc(n * 3 + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_decode((const unsigned char *)s + i, n - i, NULL);
        if (len == 0) {
            memcpy(out + o, "\xEF\xBF\xBD", 3); /* U+FFFD */
            o += 3;
            i++;
        } else {
            memcpy(out + o, s + i, len);
            o += len;
            i += len;
        }
    }
    j = json_stringn(out, o);
    free(out);
    return j;
}

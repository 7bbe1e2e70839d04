/* libFuzzer target for parse/textnorm: any bytes normalise to valid UTF-8 without NUL, CR, blank
 * runs, blank line runs or blanks at the ends; the result is stable under a second pass. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/textnorm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (len == 0 || i + len > n || (len == 2 && c < 0xC2) || (len == 4 && c > 0xF4))
            return false;
        uint32_t v = len == 1 ? c : c & (0x7F >> len);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            v = (v << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned flags = size ? data[0] & 3u : 0;
    char *out = NULL, *again = NULL;
    size_t n = 0, m = 0;
    if (parse_textnorm((const char *)data, size, flags, &out, &n) != IG_OK)
        return 0; /* out of memory only */
    if (strlen(out) != n || n > 3 * size || !valid_utf8((const unsigned char *)out, n))
        __builtin_trap();
    if (n > 0 && (out[0] == ' ' || out[0] == '\n' || out[0] == '\t' || out[n - 1] == ' ' || out[n - 1] == '\n' ||
                  out[n - 1] == '\t'))
        __builtin_trap();
    if (memchr(out, '\r', n) || strstr(out, "\n\n\n") || strstr(out, "  ") || strstr(out, " \n") ||
        strstr(out, "\n ") || ((flags & PARSE_TEXTNORM_KEEP_TABS) == 0 && memchr(out, '\t', n)))
        __builtin_trap();
    if (parse_textnorm(out, n, flags, &again, &m) == IG_OK && (m != n || memcmp(out, again, n) != 0))
        __builtin_trap();
    free(out);
    free(again);
    return 0;
}

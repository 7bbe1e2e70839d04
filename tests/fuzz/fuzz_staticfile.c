/* libFuzzer target for http/staticfile: whatever a request path holds, a mapped path stays under
 * the root (relative, no "." or ".." segment, no dotfile, no empty segment, no backslash or control
 * byte) and fits its buffer; If-None-Match lists and HTTP dates parse without reading past their
 * length, and a parsed date formats back to the same instant. The first byte picks the function. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/staticfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_mapped(const char *out, size_t cap)
{
    size_t n = strlen(out);
    if (n >= cap || n == 0 || out[0] == '/')
        __builtin_trap();
    const char *seg = out;
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c == '/' || c == '\0') {
            if (&out[i] == seg || seg[0] == '.')
                __builtin_trap();
            seg = &out[i + 1];
            continue;
        }
        if (c < 0x20 || c == 0x7F || c == '\\')
            __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    /* a copy exactly as long as the input, so reading past it is caught */
    size_t n = size - 1;
    char *in = malloc(n ? n : 1);
    if (in == NULL)
        return 0;
    memcpy(in, data + 1, n);
    ig_str s = str_make(in, n);
    switch (data[0] % 3) {
    case 0: {
        char out[STATICFILE_PATH_MAX];
        size_t cap = (data[0] & 0x80) ? 16 : sizeof out;
        if (staticfile_map(s, out, cap)) {
            check_mapped(out, cap);
            (void)staticfile_has_extension(out);
            (void)staticfile_type(out);
        }
        break;
    }
    case 1:
        (void)staticfile_etag_match(s, "\"c-17979cfe362a0005\"");
        (void)staticfile_not_modified(s, s, "\"c-1\"", 784111777);
        break;
    default: {
        int64_t t, back;
        if (staticfile_parse_http_date(s, &t)) {
            char date[STATICFILE_DATE_MAX];
            staticfile_http_date(t, date, sizeof date);
            if (!staticfile_parse_http_date(str_cstr(date), &back) || back != t)
                __builtin_trap();
        }
        break;
    }
    }
    free(in);
    return 0;
}

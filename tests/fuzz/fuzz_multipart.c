/* libFuzzer driver for the multipart parser: the first byte chooses how the rest is split into
 * chunks, so partial delimiters across chunk edges are explored. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http/multipart.h"

static ig_status on_part(void *arg, const multipart_part *p)
{
    (void)arg;
    return strlen(p->name) <= MULTIPART_NAME_MAX ? IG_OK : IG_EINTERNAL;
}

static ig_status on_data(void *arg, const char *d, size_t n)
{
    size_t *total = arg;
    *total += n;
    if (n > 0 && d == NULL)
        return IG_EINTERNAL;
    return IG_OK;
}

static ig_status on_end(void *arg)
{
    (void)arg;
    return IG_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = (size_t)data[0] + 1;
    data++;
    size--;
    static const multipart_callbacks cb = {on_part, on_data, on_end};
    multipart_parser p;
    size_t total = 0;
    multipart_init(&p, "xYz-Bound", &cb, &total);
    for (size_t off = 0; off < size; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        if (multipart_feed(&p, (const char *)data + off, n, NULL) != IG_OK)
            break;
    }
    if (total > size) /* the parser can never hand out more bytes than it was given */
        __builtin_trap();
    return 0;
}

/* libFuzzer target for parse/docx: any bytes, read as a DOCX from memory, either extract within
 * the caps or fail with IG_EINVAL / IG_ETOOBIG and a reason; never more text than the cap. */
#include <stdint.h>
#include <string.h>

#include <libxml/parser.h>

#include "parse/docx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        xmlInitParser();
        init = 1;
    }
    parse_limits lim;
    parse_limits_default(&lim);
    lim.max_uncompressed = 4u << 20;
    lim.max_zip_entries = 64;
    parse_sink sink;
    ig_err err = {IG_OK, ""};
    if (parse_sink_init(&sink, 1u << 16, &err) != IG_OK)
        return 0;
    ig_status st = parse_docx_extract_buffer(data, size, &lim, &sink, &err);
    if (st != IG_OK && st != IG_EINVAL && st != IG_ETOOBIG && st != IG_ENOMEM)
        __builtin_trap();
    if (st != IG_OK && err.msg[0] == '\0')
        __builtin_trap();
    if (sink.text.len > sink.text.max || json_array_size(sink.links) > PARSE_SINK_MAX_LINKS)
        __builtin_trap();
    parse_sink_free(&sink);
    return 0;
}

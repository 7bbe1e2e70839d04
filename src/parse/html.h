/* HTML text with libxml2's HTML parser (forgiving, like a browser): visible text with block
 * elements on their own lines, table cells tab-separated, and the links of <a href>. Job sites
 * export resumes as HTML named ".doc"; Chinese ones often in GBK without a charset. */
#ifndef IG_PARSE_HTML_H
#define IG_PARSE_HTML_H

#include <stddef.h>

#include "core/status.h"
#include "parse/extract.h"
#include "parse/sink.h"

/* Extracts n bytes of HTML into sink. Bytes that declare no charset and are not UTF-8 are read
 * as GB18030. IG_EINVAL when the bytes do not parse at all. */
ig_status parse_html_extract_buffer(const char *p, size_t n, const parse_limits *lim, parse_sink *sink,
                                    ig_err *err);
/* Reads the file (at most lim->max_uncompressed bytes: IG_ETOOBIG beyond) and extracts it. */
ig_status parse_html_extract_file(const char *path, const parse_limits *lim, parse_sink *sink, ig_err *err);

#endif

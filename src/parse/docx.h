/* DOCX text with libzip + libxml2's streaming reader: headers, body (paragraphs one per line,
 * table rows one per line with cells tab-separated), footers, and the hyperlinks of each part.
 * Zip bombs are refused: entry count, bytes inflated (each entry and in total), compression ratio. */
#ifndef IG_PARSE_DOCX_H
#define IG_PARSE_DOCX_H

#include <stddef.h>

#include "core/status.h"
#include "parse/extract.h"
#include "parse/sink.h"

/* Entries inflated past PARSE_DOCX_RATIO_FLOOR bytes may expand at most this many times. */
#define PARSE_DOCX_MAX_RATIO 200
#define PARSE_DOCX_RATIO_FLOOR (1u << 20)

/* Extracts the DOCX at path into sink. IG_ETOOBIG for archives over the limits (more than
 * lim->max_zip_entries entries, more than lim->max_uncompressed bytes inflated, a ratio over
 * PARSE_DOCX_MAX_RATIO), IG_EINVAL for damaged, encrypted or DTD-carrying files or a zip without
 * word/document.xml. */
ig_status parse_docx_extract_file(const char *path, const parse_limits *lim, parse_sink *sink, ig_err *err);
/* The same for a DOCX held in memory (the bytes are not copied; they must outlive the call). */
ig_status parse_docx_extract_buffer(const void *p, size_t n, const parse_limits *lim, parse_sink *sink,
                                    ig_err *err);

#endif

/* Resume file -> text, in this process: sniff the bytes, run the format's extractor under the
 * limits, normalise the text and collect the links. The server never calls this directly on an
 * upload: it runs in the sandboxed child (parse/sandbox.h), which then structures the text
 * (parse/structure.h). Not for concurrent use from several
 * threads of one process (the PDF, XML and OCR libraries keep process-wide state). */
#ifndef IG_PARSE_EXTRACT_H
#define IG_PARSE_EXTRACT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "core/status.h"
#include "parse/sniff.h"

typedef struct parse_limits {
    unsigned max_pages;        /* PDF pages read; the rest are skipped (default 50) */
    uint64_t max_text_bytes;   /* text kept, after normalisation (default 1 MiB) */
    uint64_t max_uncompressed; /* bytes inflated from a DOCX, bytes read of HTML (default 64 MiB) */
    unsigned max_zip_entries;  /* entries a DOCX may have (default 2000) */
    unsigned cpu_seconds;      /* child's RLIMIT_CPU (default 30) */
    uint64_t max_memory;       /* child's RLIMIT_AS (default 1 GiB; not applied under ASan) */
    unsigned timeout_ms;       /* parent's wall-clock limit on the child (default 60000) */
    bool ocr;                  /* OCR images and image-only PDF pages (default true) */
} parse_limits;

void parse_limits_default(parse_limits *lim);

/* Extracts the file at path. On success *out (caller-owned) is
 *   {"format": "pdf"|"docx"|"doc"|"html"|"png"|"jpeg", "pages": N, "raw_text": "...",
 *    "links": ["https://github.com/x", ...], "ocr": bool}
 * plus "truncated": true when a cap cut the document short. Failures (IG_EINVAL unless noted)
 * carry a readable reason: unsupported format, encrypted or damaged PDF, a DOCX over the zip
 * limits (IG_ETOOBIG), "no text could be extracted" when nothing but blanks came out; IG_EIO when
 * the file cannot be read, IG_ENOMEM. */
ig_status parse_extract_file(const char *path, const parse_limits *lim, json_t **out, ig_err *err);

#endif

/* File type by content, never by name: libmagic first, then our own checks that settle what it
 * leaves open (a zip is a DOCX only with word/document.xml, an OLE2 file is a DOC only with a
 * WordDocument stream, HTML is recognised by its markup whatever the name says). Thread-safe: each
 * call opens its own libmagic handle (about 1 ms). */
#ifndef IG_PARSE_SNIFF_H
#define IG_PARSE_SNIFF_H

#include <stddef.h>

#include "core/status.h"

typedef enum parse_format {
    PARSE_UNSUPPORTED = 0,
    PARSE_PDF,
    PARSE_DOCX,
    PARSE_DOC,
    PARSE_HTML,
    PARSE_PNG,
    PARSE_JPEG,
} parse_format;

/* "pdf", "docx", "doc", "html", "png", "jpeg"; "unsupported". Static storage. */
const char *parse_format_name(parse_format f);

/* The format of the file at path. Anything not listed above (RTF, plain text, XLSX, images other
 * than PNG/JPEG, an empty file) answers IG_OK with PARSE_UNSUPPORTED. IG_EIO when the file cannot
 * be read, IG_EINTERNAL when libmagic cannot load its database. */
ig_status parse_sniff_file(const char *path, parse_format *out, ig_err *err);
/* The same for bytes in memory (n may be 0). */
ig_status parse_sniff_buffer(const void *p, size_t n, parse_format *out, ig_err *err);

#endif

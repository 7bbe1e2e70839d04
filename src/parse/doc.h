/* Word 97-2003 (.doc) text with libwv: body paragraphs one per line, table rows one per line with
 * cells tab-separated, field codes left out and hyperlink fields kept as links. */
#ifndef IG_PARSE_DOC_H
#define IG_PARSE_DOC_H

#include "core/status.h"
#include "parse/extract.h"
#include "parse/sink.h"

/* Extracts the .doc at path into sink. IG_EINVAL for password-protected, damaged or
 * pre-Word-97 files (with the reason). */
ig_status parse_doc_extract(const char *path, const parse_limits *lim, parse_sink *sink, ig_err *err);

#endif

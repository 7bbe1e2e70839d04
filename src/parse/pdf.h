/* PDF text with poppler-glib in reading order (columns one after the other, the cells of a table
 * row by row and apart), URI link annotations, and OCR of pages that are only a scanned image. */
#ifndef IG_PARSE_PDF_H
#define IG_PARSE_PDF_H

#include "core/status.h"
#include "parse/extract.h"
#include "parse/sink.h"

/* Appends the text of the first lim->max_pages pages to sink (pages separated by a blank line),
 * their links, and sets sink->pages to the document's page count. Columns are read one after
 * the other; blocks side by side on one line (table cells, a date flush right) are separated by
 * a tab where the PDF has no space between them. A page with (almost) no text but an image is
 * rendered at 300 dpi and OCRed when lim->ocr. IG_EINVAL with the reason for encrypted, damaged
 * or empty PDFs. */
ig_status parse_pdf_extract(const char *path, const parse_limits *lim, parse_sink *sink, ig_err *err);

/* Extracts a tiny built-in PDF so that poppler's process-wide set-up (global parameters, the
 * font configuration, the text device) is done: the zygote calls it once, before forking
 * workers, which then start warm. */
void parse_pdf_warm_up(void);

#endif

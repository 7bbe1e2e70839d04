/* What a format extractor produces: the raw text (capped) and the web links it found (normalised,
 * deduplicated, capped), plus the page count and whether OCR was used. One per extraction. */
#ifndef IG_PARSE_SINK_H
#define IG_PARSE_SINK_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/status.h"

#define PARSE_SINK_MAX_LINKS 200
#define PARSE_SINK_MAX_URL 2048

typedef struct parse_sink {
    ig_buf text;    /* owned; raw text as extracted, before normalisation */
    json_t *links;  /* owned; array of "https://host/path" strings in the order found */
    unsigned pages; /* pages in the document (1 for formats without pages) */
    bool ocr;       /* some of the text came from OCR */
    bool truncated; /* a cap (text size, pages) cut the document short */
} parse_sink;

/* Prepares an empty sink whose text keeps at most max_text bytes. Free with parse_sink_free. */
ig_status parse_sink_init(parse_sink *s, size_t max_text, ig_err *err);
void parse_sink_free(parse_sink *s);

/* Appends text. Past the cap it keeps what fits (cut at a UTF-8 boundary), sets truncated and
 * still answers IG_OK; IG_ENOMEM only when allocation fails. */
ig_status parse_sink_text(parse_sink *s, const char *p, size_t n);
/* True once the text cap is reached: extractors stop early. */
bool parse_sink_full(const parse_sink *s);

/* Adds one link if it is a web address: http(s)://…, or a scheme-less host such as
 * "github.com/x" or "www.x.com" (given "https://"). Other schemes (mailto:, tel:, javascript:),
 * relative references and malformed URLs are ignored; so are duplicates (same host, case
 * aside, and path, trailing slash aside) and links past PARSE_SINK_MAX_LINKS. IG_ENOMEM only. */
ig_status parse_sink_link(parse_sink *s, const char *url, size_t n);

/* Finds URLs written in text: http(s)://…, www.…, and bare profile addresses on well-known
 * hosts (github.com/x, linkedin.com/in/x, gitee.com/x, …); adds each with parse_sink_link. */
ig_status parse_sink_links_from_text(parse_sink *s, const char *text, size_t n);

#endif

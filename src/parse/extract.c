/* Extraction dispatch: sniff, run the format's extractor into a sink, normalise, cap, and build
 * the result object. */
#include "parse/extract.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "parse/doc.h"
#include "parse/docx.h"
#include "parse/html.h"
#include "parse/ocr.h"
#include "parse/pdf.h"
#include "parse/sink.h"
#include "parse/textnorm.h"

void parse_limits_default(parse_limits *lim)
{
    lim->max_pages = 50;
    lim->max_text_bytes = 1u << 20;
    lim->max_uncompressed = 64u << 20;
    lim->max_zip_entries = 2000;
    lim->cpu_seconds = 30;
    lim->max_memory = 1ull << 30;
    lim->timeout_ms = 60000;
    lim->ocr = true;
}

static ig_status ocr_image(const char *path, const parse_limits *lim, parse_sink *sink, ig_err *err)
{
    if (!lim->ocr)
        return status_errf(err, IG_EINVAL, "images need OCR, which is turned off");
    parse_ocr *ocr = NULL;
    ig_status st = parse_ocr_new(&ocr, err);
    if (st == IG_OK)
        st = parse_ocr_image_file(ocr, path, sink, err);
    parse_ocr_free(ocr);
    sink->pages = 1;
    return st;
}

/* Cuts s to at most max bytes at a UTF-8 character boundary; true when it cut. */
static bool cut_utf8(char *s, size_t *n, size_t max)
{
    if (*n <= max)
        return false;
    size_t k = max;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    s[k] = '\0';
    *n = k;
    return true;
}

static ig_status build(parse_format fmt, parse_sink *sink, const char *text, size_t n, json_t **out, ig_err *err)
{
    json_t *o = json_object();
    if (o == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");
    /* json_object_set_new consumes the value even when it fails (and refuses NULL) */
    int bad = json_object_set_new(o, "format", json_string(parse_format_name(fmt)));
    bad |= json_object_set_new(o, "pages", json_integer(sink->pages));
    bad |= json_object_set_new(o, "raw_text", json_stringn(text, n));
    bad |= json_object_set(o, "links", sink->links);
    bad |= json_object_set_new(o, "ocr", json_boolean(sink->ocr));
    if (sink->truncated)
        bad |= json_object_set_new(o, "truncated", json_true());
    if (bad) {
        json_decref(o);
        return status_errf(err, IG_ENOMEM, "out of memory");
    }
    *out = o;
    return IG_OK;
}

ig_status parse_extract_file(const char *path, const parse_limits *lim, json_t **out, ig_err *err)
{
    parse_format fmt;
    parse_sink sink;
    char *text = NULL;
    size_t n = 0;
    *out = NULL;
    ig_status st = parse_sniff_file(path, &fmt, err);
    if (st != IG_OK)
        return st;
    if (fmt == PARSE_UNSUPPORTED)
        return status_errf(err, IG_EINVAL, "unsupported file format");
    /* raw text runs longer than the normalised text (blanks, icon glyphs): room for both */
    uint64_t raw_cap = lim->max_text_bytes * 2 + 4096;
    st = parse_sink_init(&sink, raw_cap > SIZE_MAX / 8 ? SIZE_MAX / 8 : (size_t)raw_cap, err);
    if (st != IG_OK)
        return st;
    xmlInitParser();
    unsigned flags = 0;
    switch (fmt) {
    case PARSE_PDF:
        st = parse_pdf_extract(path, lim, &sink, err);
        flags = PARSE_TEXTNORM_SHY_VISIBLE | PARSE_TEXTNORM_KEEP_TABS; /* tabs separate table cells */
        break;
    case PARSE_DOCX:
        st = parse_docx_extract_file(path, lim, &sink, err);
        flags = PARSE_TEXTNORM_KEEP_TABS;
        break;
    case PARSE_DOC:
        st = parse_doc_extract(path, lim, &sink, err);
        flags = PARSE_TEXTNORM_KEEP_TABS;
        break;
    case PARSE_HTML:
        st = parse_html_extract_file(path, lim, &sink, err);
        flags = PARSE_TEXTNORM_KEEP_TABS;
        break;
    case PARSE_PNG:
    case PARSE_JPEG:
        st = ocr_image(path, lim, &sink, err);
        flags = PARSE_TEXTNORM_SHY_VISIBLE;
        break;
    case PARSE_UNSUPPORTED:
        break;
    }
    if (st != IG_OK)
        goto out;
    st = parse_textnorm(sink.text.p ? sink.text.p : "", sink.text.len, flags, &text, &n);
    if (st != IG_OK) {
        st = status_errf(err, st, "out of memory");
        goto out;
    }
    if (cut_utf8(text, &n, lim->max_text_bytes))
        sink.truncated = true;
    if (n == 0) {
        st = status_errf(err, IG_EINVAL, "no text could be extracted");
        goto out;
    }
    st = parse_sink_links_from_text(&sink, text, n);
    if (st != IG_OK) {
        st = status_errf(err, st, "out of memory");
        goto out;
    }
    st = build(fmt, &sink, text, n, out, err);
out:
    free(text);
    parse_sink_free(&sink);
    return st;
}

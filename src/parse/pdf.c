/* PDF extraction: one poppler document, page by page; image-only pages rendered with cairo into
 * an 8-bit grayscale buffer for tesseract. */
#include "parse/pdf.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <poppler.h>

#include "parse/ocr.h"

#define OCR_DPI 300.0
#define OCR_MAX_PIXELS (40.0 * 1000 * 1000)
/* A page with fewer visible characters than this and an image is a scan ("CamScanner" stamps). */
#define SCAN_TEXT_CHARS 16

static size_t visible_chars(const char *t)
{
    size_t n = 0;
    for (; *t; t++)
        if ((unsigned char)*t > ' ' && ((unsigned char)*t & 0xC0) != 0x80)
            n++;
    return n;
}

static bool has_image(PopplerPage *page)
{
    GList *im = poppler_page_get_image_mapping(page);
    bool yes = im != NULL;
    poppler_page_free_image_mapping(im);
    return yes;
}

static ig_status collect_links(PopplerPage *page, parse_sink *sink)
{
    ig_status st = IG_OK;
    GList *links = poppler_page_get_link_mapping(page);
    for (GList *l = links; l && st == IG_OK; l = l->next) {
        PopplerLinkMapping *m = l->data;
        if (m->action && m->action->type == POPPLER_ACTION_URI && m->action->uri.uri)
            st = parse_sink_link(sink, m->action->uri.uri, strlen(m->action->uri.uri));
    }
    poppler_page_free_link_mapping(links);
    return st;
}

/* Renders the page at 300 dpi (less for huge pages), converts it to gray and OCRs it. */
static ig_status ocr_page(PopplerPage *page, parse_ocr *ocr, parse_sink *sink, ig_err *err)
{
    double wpt, hpt;
    poppler_page_get_size(page, &wpt, &hpt);
    if (!(wpt > 0 && hpt > 0 && wpt < 20000 && hpt < 20000))
        return IG_OK;
    double scale = OCR_DPI / 72.0;
    if (wpt * hpt * scale * scale > OCR_MAX_PIXELS)
        scale = sqrt(OCR_MAX_PIXELS / (wpt * hpt));
    int w = (int)ceil(wpt * scale), h = (int)ceil(hpt * scale);
    ig_status st = IG_OK;
    unsigned char *gray = NULL;
    cairo_t *cr = NULL;
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
        st = status_errf(err, IG_ENOMEM, "cannot render the page for OCR");
        goto out;
    }
    cr = cairo_create(surf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, scale, scale);
    poppler_page_render(page, cr);
    cairo_surface_flush(surf);
    gray = malloc((size_t)w * (size_t)h);
    if (gray == NULL) {
        st = status_errf(err, IG_ENOMEM, "out of memory");
        goto out;
    }
    const unsigned char *data = cairo_image_surface_get_data(surf);
    int stride = cairo_image_surface_get_stride(surf);
    for (int y = 0; y < h; y++) {
        const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
        for (int x = 0; x < w; x++) {
            uint32_t p = row[x];
            unsigned r = (p >> 16) & 0xFF, g = (p >> 8) & 0xFF, b = p & 0xFF;
            gray[(size_t)y * (size_t)w + (size_t)x] = (unsigned char)((r * 299 + g * 587 + b * 114) / 1000);
        }
    }
    st = parse_ocr_gray(ocr, gray, w, h, w, (int)lround(scale * 72.0), sink, err);
out:
    free(gray);
    if (cr)
        cairo_destroy(cr);
    cairo_surface_destroy(surf);
    return st;
}

void parse_pdf_warm_up(void)
{
    static const char *const objs[] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
         "/Resources << /Font << /F1 5 0 R >> >> >>"),
        "<< /Length 35 >>\nstream\nBT /F1 12 Tf 72 712 Td (Warm) Tj ET\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    };
    char pdf[1024];
    size_t off[5];
    int n = snprintf(pdf, sizeof pdf, "%%PDF-1.4\n");
    for (int i = 0; i < 5; i++) {
        off[i] = (size_t)n;
        n += snprintf(pdf + n, sizeof pdf - (size_t)n, "%d 0 obj\n%s\nendobj\n", i + 1, objs[i]);
    }
    int xref = n;
    n += snprintf(pdf + n, sizeof pdf - (size_t)n, "xref\n0 6\n0000000000 65535 f \n");
    for (int i = 0; i < 5; i++)
        n += snprintf(pdf + n, sizeof pdf - (size_t)n, "%010zu 00000 n \n", off[i]);
    n += snprintf(pdf + n, sizeof pdf - (size_t)n, "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", xref);
    GBytes *bytes = g_bytes_new(pdf, (size_t)n);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, NULL);
    PopplerPage *page = doc ? poppler_document_get_page(doc, 0) : NULL;
    if (page) {
        g_free(poppler_page_get_text(page));
        GList *links = poppler_page_get_link_mapping(page);
        poppler_page_free_link_mapping(links);
        g_object_unref(page);
    }
    if (doc)
        g_object_unref(doc);
    g_bytes_unref(bytes);
}

ig_status parse_pdf_extract(const char *path, const parse_limits *lim, parse_sink *sink, ig_err *err)
{
    ig_status st = IG_OK;
    GError *gerr = NULL;
    PopplerDocument *doc = NULL;
    parse_ocr *ocr = NULL;
    /* poppler wants a URI, and a URI wants an absolute path */
    char *abs = g_canonicalize_filename(path, NULL);
    char *uri = g_filename_to_uri(abs, NULL, NULL);
    g_free(abs);
    if (uri == NULL)
        return status_errf(err, IG_EIO, "cannot name %s as a URI", path);
    doc = poppler_document_new_from_file(uri, NULL, &gerr);
    if (doc == NULL) {
        if (gerr && g_error_matches(gerr, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED))
            st = status_errf(err, IG_EINVAL, "the PDF is password-protected");
        else
            st = status_errf(err, IG_EINVAL, "the PDF is damaged or unreadable (%s)",
                             gerr ? gerr->message : "unknown error");
        goto out;
    }
    int n = poppler_document_get_n_pages(doc);
    if (n <= 0) {
        st = status_errf(err, IG_EINVAL, "the PDF has no pages");
        goto out;
    }
    sink->pages = (unsigned)n;
    unsigned todo = (unsigned)n < lim->max_pages ? (unsigned)n : lim->max_pages;
    for (unsigned i = 0; i < todo && st == IG_OK && !parse_sink_full(sink); i++) {
        PopplerPage *page = poppler_document_get_page(doc, (int)i);
        if (page == NULL)
            continue;
        char *text = poppler_page_get_text(page);
        if (text) {
            st = parse_sink_text(sink, text, strlen(text));
            if (st == IG_OK)
                st = parse_sink_text(sink, "\n\n", 2);
        }
        if (st == IG_OK)
            st = collect_links(page, sink);
        if (st != IG_OK)
            st = status_errf(err, st, "out of memory");
        else if (lim->ocr && (text == NULL || visible_chars(text) < SCAN_TEXT_CHARS) && has_image(page)) {
            if (ocr == NULL)
                st = parse_ocr_new(&ocr, err);
            if (st == IG_OK)
                st = ocr_page(page, ocr, sink, err);
        }
        g_free(text);
        g_object_unref(page);
    }
    if (todo < (unsigned)n)
        sink->truncated = true;
out:
    parse_ocr_free(ocr);
    if (doc)
        g_object_unref(doc);
    if (gerr)
        g_error_free(gerr);
    g_free(uri);
    return st;
}

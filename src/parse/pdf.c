/* PDF extraction: one poppler document, page by page, each page's text put in reading order from
 * its characters' boxes; image-only pages rendered with cairo into 8-bit gray for tesseract. */
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

/* Reading order. poppler_page_get_text() joins blocks that share a baseline into one line, the
 * words facing each other glued ("ContactExperience"), and reads two columns line by line. Its
 * per-character rectangles (poppler_page_get_text_layout, same order) let us cut each line into
 * segments at wide gaps, find a gutter that runs down most of the page between two bodies of text,
 * and read the left column before the right one; segments that stay on one line are joined with a
 * tab where poppler put no space between them. */

/* A gap with no space character wider than this many character heights separates two segments
 * (poppler inserts a space itself past about a tenth of the font size within a block). */
#define GLUED_GAP 0.3
/* ... and a gap even across a space character this wide (justified text stays under 1.2). */
#define SPACED_GAP 1.5
/* The narrowest gutter between columns, in median character heights. */
#define GUTTER 0.8
/* Column detection stops on pages with more segments than this (quadratic), or this deep. */
#define MAX_SEGS 2000
#define MAX_DEPTH 4

typedef struct seg {
    size_t from, to;       /* the segment's bytes in the page text, whitespace trimmed */
    double x1, y1, x2, y2; /* bounding box of its characters, y downwards */
    size_t chars;          /* characters that are not whitespace */
    unsigned line;         /* poppler's line */
    int group;             /* scratch for partitioning */
} seg;

typedef struct key {
    double y;
    size_t i;
} key;

typedef struct layout {
    seg *segs;
    size_t n;
    key *keys;     /* scratch: a set sorted by top edge */
    size_t *tmp;   /* scratch: partitioning */
    double gutter; /* GUTTER in points */
} layout;

static double height(const PopplerRectangle *r)
{
    double h = r->y2 - r->y1;
    return h > 1.0 ? h : 1.0;
}

static void seg_add(seg *s, const PopplerRectangle *r)
{
    if (s->chars == 0) {
        s->x1 = r->x1, s->y1 = r->y1, s->x2 = r->x2, s->y2 = r->y2;
    } else {
        s->x1 = fmin(s->x1, r->x1), s->y1 = fmin(s->y1, r->y1);
        s->x2 = fmax(s->x2, r->x2), s->y2 = fmax(s->y2, r->y2);
    }
    s->chars++;
}

/* Cuts the text into segments: poppler's lines, split at wide gaps. Answers false (the text is
 * then used as it is) when the rectangles do not match the characters one to one. */
static bool segment(layout *L, const char *text, const PopplerRectangle *rects, size_t nrects)
{
    L->n = 0;
    unsigned line = 0;
    seg *cur = NULL;
    const PopplerRectangle *prev = NULL; /* the last non-space character of this line */
    bool spaced = false;
    size_t i = 0;
    for (const char *p = text; *p; p = g_utf8_next_char(p), i++) {
        if (i >= nrects)
            return false;
        gunichar c = g_utf8_get_char(p);
        size_t at = (size_t)(p - text);
        if (c == '\n') {
            line++, cur = NULL, prev = NULL;
            continue;
        }
        if (g_unichar_isspace(c)) {
            spaced = true;
            continue;
        }
        const PopplerRectangle *r = &rects[i];
        if (!isfinite(r->x1) || !isfinite(r->y1) || !isfinite(r->x2) || !isfinite(r->y2))
            return false;
        if (prev) {
            double h = fmax(height(prev), height(r));
            double gap = r->x1 - prev->x2;
            /* far to the right, or back to the left (poppler joined two places into a line) */
            if (gap > (spaced ? SPACED_GAP : GLUED_GAP) * h || gap < -2 * h)
                cur = NULL;
        }
        if (cur == NULL) {
            cur = &L->segs[L->n++];
            *cur = (seg){.from = at, .line = line};
        }
        seg_add(cur, r);
        cur->to = (size_t)(g_utf8_next_char(p) - text);
        prev = r;
        spaced = false;
    }
    return i == nrects;
}

static int double_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int key_cmp(const void *a, const void *b)
{
    const key *x = a, *y = b;
    return x->y < y->y ? -1 : x->y > y->y ? 1 : x->i < y->i ? -1 : x->i > y->i;
}

/* Two segments side by side on one line: the shorter one's height lies mostly within the other's
 * (fonts' boxes differ in height; a heading beside the next column's text is not on its line). */
static bool same_line(const seg *a, const seg *b)
{
    double overlap = fmin(a->y2, b->y2) - fmax(a->y1, b->y1);
    return overlap > 0.7 * fmin(a->y2 - a->y1, b->y2 - b->y1);
}

/* Whether at least two segments of one side of a run (sorted by top edge) have nothing of the
 * other side beside them. Only neighbours in that order within the tallest height can be. */
static bool lone_lines(const layout *L, const key *run, size_t n, int side)
{
    double tallest = 0;
    for (size_t i = 0; i < n; i++)
        tallest = fmax(tallest, L->segs[run[i].i].y2 - L->segs[run[i].i].y1);
    size_t count = 0;
    for (size_t i = 0; i < n && count < 2; i++) {
        const seg *s = &L->segs[run[i].i];
        if (s->group != side)
            continue;
        bool alone = true;
        for (size_t j = i + 1; j < n && alone && run[j].y < s->y2; j++)
            alone = L->segs[run[j].i].group == side || !same_line(s, &L->segs[run[j].i]);
        for (size_t j = i; j-- > 0 && alone && run[j].y > s->y1 - tallest;)
            alone = L->segs[run[j].i].group == side || !same_line(s, &L->segs[run[j].i]);
        count += alone;
    }
    return count >= 2;
}

typedef struct cut {
    double x;        /* the gutter's left edge */
    size_t from, to; /* the run beside it, in the set sorted by top edge */
    double height;   /* how far the run reaches down */
} cut;

/* Marks the members of ys[from, to) left (1) or right (2) of a gutter starting at x. */
static void sides(layout *L, const key *ys, size_t from, size_t to, double x)
{
    for (size_t j = from; j < to; j++) {
        seg *s = &L->segs[ys[j].i];
        s->group = s->x2 <= x + 0.01 ? 1 : 2;
    }
}

/* Looks for a gutter: past the right edge x of some segment, GUTTER wide, crossed by no segment
 * for a run (in top-to-bottom order) at least half the set's height, with enough text on both
 * sides, and both sides with lines of their own (a table, or dates flush right, have none). */
static bool find_cut(layout *L, const key *ys, size_t m, cut *best)
{
    double top = ys[0].y, bottom = top;
    size_t chars = 0;
    for (size_t j = 0; j < m; j++) {
        const seg *s = &L->segs[ys[j].i];
        bottom = fmax(bottom, s->y2);
        chars += s->chars;
    }
    best->height = 0.5 * (bottom - top);
    bool found = false;
    for (size_t k = 0; k < m; k++) {
        double x = L->segs[ys[k].i].x2;
        size_t from = 0;
        for (size_t j = 0; j <= m; j++) {
            const seg *s = j < m ? &L->segs[ys[j].i] : NULL;
            if (s && (s->x2 <= x + 0.01 || s->x1 >= x + L->gutter))
                continue;
            /* ys[a, e) is a run beside the gutter, less what shares a line with its ends */
            size_t a = from, e = j, nl = 0, nr = 0, cl = 0, cr = 0;
            while (a > 0 && a < e && same_line(&L->segs[ys[a - 1].i], &L->segs[ys[a].i]))
                a++;
            while (e < m && e > a && same_line(&L->segs[ys[e - 1].i], &L->segs[ys[e].i]))
                e--;
            double t = INFINITY, b = -INFINITY;
            for (size_t q = a; q < e; q++) {
                const seg *r = &L->segs[ys[q].i];
                if (r->x2 <= x + 0.01)
                    nl++, cl += r->chars;
                else
                    nr++, cr += r->chars;
                t = fmin(t, r->y1), b = fmax(b, r->y2);
            }
            if (nl >= 3 && nr >= 3 && cl * 20 >= chars && cr * 20 >= chars && b - t > best->height) {
                sides(L, ys, a, e, x);
                if (lone_lines(L, ys + a, e - a, 1) && lone_lines(L, ys + a, e - a, 2)) {
                    *best = (cut){.x = x, .from = a, .to = e, .height = b - t};
                    found = true;
                }
            }
            from = j + 1;
        }
    }
    return found;
}

/* Sorts a column's segments top to bottom, and those on one line left to right: within a column
 * poppler's order can put a heading after the block below it. */
static void sort_rows(layout *L, size_t *idx, size_t m)
{
    key *ys = L->keys;
    for (size_t j = 0; j < m; j++)
        ys[j] = (key){.y = L->segs[idx[j]].y1 + L->segs[idx[j]].y2, .i = idx[j]};
    qsort(ys, m, sizeof *ys, key_cmp);
    for (size_t r = 0, e; r < m; r = e) {
        for (e = r + 1; e < m && same_line(&L->segs[ys[r].i], &L->segs[ys[e].i]); e++)
            ;
        for (size_t j = r; j < e; j++) {
            size_t v = ys[j].i, q = j;
            for (; q > r && L->segs[idx[q - 1]].x1 > L->segs[v].x1; q--)
                idx[q] = idx[q - 1];
            idx[q] = v;
        }
    }
}

/* Puts idx[0, m) (in poppler's order) in reading order: what is above a gutter's run, the left
 * side, the right side, what is below; each part in turn the same way. Parts that are a column
 * (in_column) are read top to bottom once they hold no further gutter; the rest of a page keeps
 * poppler's order, which is right for text in one column. */
static void order(layout *L, size_t *idx, size_t m, int depth, bool in_column)
{
    key *ys = L->keys;
    cut c;
    bool split = m >= 6 && depth < MAX_DEPTH;
    if (split) {
        for (size_t j = 0; j < m; j++)
            ys[j] = (key){.y = L->segs[idx[j]].y1, .i = idx[j]};
        qsort(ys, m, sizeof *ys, key_cmp);
        split = find_cut(L, ys, m, &c);
    }
    if (!split) {
        if (in_column)
            sort_rows(L, idx, m);
        return;
    }
    for (size_t j = 0; j < m; j++)
        L->segs[ys[j].i].group = j < c.from ? 0 : 3;
    sides(L, ys, c.from, c.to, c.x);
    size_t start[5] = {0}, k = 0;
    for (int g = 0; g < 4; g++) {
        start[g] = k;
        for (size_t j = 0; j < m; j++)
            if (L->segs[idx[j]].group == g)
                L->tmp[k++] = idx[j];
    }
    start[4] = m;
    memcpy(idx, L->tmp, m * sizeof *idx);
    for (int g = 0; g < 4; g++)
        order(L, idx + start[g], start[g + 1] - start[g], depth + 1, in_column || g == 1 || g == 2);
}

/* Appends poppler's text with its own tabs made spaces (some producers draw one between every
 * word): in the page text a tab separates segments, as a table cell does in the other formats. */
static ig_status put_text(parse_sink *sink, const char *p, size_t n)
{
    ig_status st = IG_OK;
    while (n > 0 && st == IG_OK) {
        const char *tab = memchr(p, '\t', n);
        size_t run = tab ? (size_t)(tab - p) : n;
        st = parse_sink_text(sink, p, run);
        if (st == IG_OK && tab)
            st = parse_sink_text(sink, " ", 1), run++;
        p += run, n -= run;
    }
    return st;
}

/* Appends the page's text in reading order; poppler's text as it is where its layout is missing. */
static ig_status page_text(PopplerPage *page, const char *text, parse_sink *sink)
{
    ig_status st = IG_OK;
    PopplerRectangle *rects = NULL;
    guint nrects = 0;
    layout L = {0};
    size_t *idx = NULL;
    double *h = NULL;
    size_t len = strlen(text);
    bool laid_out = poppler_page_get_text_layout(page, &rects, &nrects) && nrects > 0 &&
                    g_utf8_validate(text, (gssize)len, NULL);
    if (laid_out) {
        L.segs = malloc(nrects * sizeof *L.segs);
        if (L.segs == NULL) {
            st = IG_ENOMEM;
            goto out;
        }
        laid_out = segment(&L, text, rects, nrects);
    }
    if (!laid_out) {
        st = parse_sink_text(sink, text, len);
        goto out;
    }
    idx = malloc((L.n + 1) * sizeof *idx);
    L.tmp = malloc((L.n + 1) * sizeof *L.tmp);
    L.keys = malloc((L.n + 1) * sizeof *L.keys);
    h = malloc((L.n + 1) * sizeof *h);
    if (idx == NULL || L.tmp == NULL || L.keys == NULL || h == NULL) {
        st = IG_ENOMEM;
        goto out;
    }
    for (size_t k = 0; k < L.n; k++) {
        idx[k] = k;
        h[k] = L.segs[k].y2 - L.segs[k].y1;
    }
    qsort(h, L.n, sizeof *h, double_cmp);
    L.gutter = GUTTER * (L.n ? h[L.n / 2] : 0);
    if (L.n <= MAX_SEGS)
        order(&L, idx, L.n, 0, false);
    /* a line break between lines; on one line poppler's blanks, or a tab where it had none */
    for (size_t k = 0; k < L.n && st == IG_OK; k++) {
        const seg *s = &L.segs[idx[k]];
        if (k > 0) {
            const seg *p = &L.segs[idx[k - 1]];
            bool next = idx[k] == idx[k - 1] + 1 && p->line == s->line;
            if (next && s->from > p->to)
                st = put_text(sink, text + p->to, s->from - p->to);
            else if (next || (same_line(p, s) && s->x1 >= p->x2))
                st = parse_sink_text(sink, "\t", 1);
            else
                st = parse_sink_text(sink, "\n", 1);
        }
        if (st == IG_OK)
            st = put_text(sink, text + s->from, s->to - s->from);
    }
out:
    free(h);
    free(idx);
    free(L.tmp);
    free(L.keys);
    free(L.segs);
    g_free(rects);
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
            st = page_text(page, text, sink);
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

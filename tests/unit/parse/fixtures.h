/* Test fixtures for the parse/ tests, made at run time from text written here: DOCX with libzip,
 * PDF and PNG with cairo (text, two columns, image-only scans, thousands of blank pages), OLE2
 * files with libgsf. Header-only (static inline) so each test binary takes what it uses. */
#ifndef IG_TESTS_PARSE_FIXTURES_H
#define IG_TESTS_PARSE_FIXTURES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <gsf/gsf-outfile-msole.h>
#include <gsf/gsf-outfile.h>
#include <gsf/gsf-output-stdio.h>
#include <zip.h>

/* The shared resume corpus, relative to the repository root (where tests run), or NULL. */
static inline const char *fx_corpus(void)
{
    static const char dir[] = "../shared/corpus/resumes";
    struct stat sb;
    return stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) ? dir : NULL;
}

/* A fresh private directory; the caller removes it with fx_rmdir. Aborts the test on failure. */
static inline char *fx_tmpdir(void)
{
    char *d = strdup("/tmp/ig-parse-test.XXXXXX");
    if (d == NULL || mkdtemp(d) == NULL) {
        fprintf(stderr, "mkdtemp failed\n");
        abort();
    }
    return d;
}

static inline void fx_rmdir(char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    free(dir);
}

/* dir/name in a static buffer (one at a time). */
static inline const char *fx_path(const char *dir, const char *name)
{
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static inline void fx_write(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        abort();
    }
}

/* The whole file in a malloc'd buffer. */
static inline char *fx_read(const char *path, size_t *n)
{
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)len + 1);
    if (p && fread(p, 1, (size_t)len, f) != (size_t)len) {
        free(p);
        p = NULL;
    }
    fclose(f);
    if (p) {
        p[len] = '\0';
        *n = (size_t)len;
    }
    return p;
}

static inline bool fx_zip_add(zip_t *za, const char *name, const char *data)
{
    zip_source_t *src = zip_source_buffer(za, data, strlen(data), 0);
    if (src == NULL)
        return false;
    if (zip_file_add(za, name, src, ZIP_FL_OVERWRITE) < 0) {
        zip_source_free(src);
        return false;
    }
    return true;
}

#define FX_W_NS "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" " \
                "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" " \
                "xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\""

/* A DOCX whose body is body_xml (the children of w:body). rels_xml: the Relationship elements of
 * word/_rels/document.xml.rels (or NULL); then name/data pairs of more parts, NULL-terminated. */
static inline bool fx_docx(const char *path, const char *body_xml, const char *rels_xml, ...)
{
    int code;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &code);
    if (za == NULL)
        return false;
    static char doc[65536], rels[16384];
    snprintf(doc, sizeof doc,
             "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
             "<w:document " FX_W_NS "><w:body>%s</w:body></w:document>", body_xml);
    snprintf(rels, sizeof rels,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">%s"
             "</Relationships>", rels_xml ? rels_xml : "");
    bool ok = fx_zip_add(za, "[Content_Types].xml",
                         "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/"
                         "content-types\"/>") &&
              fx_zip_add(za, "word/document.xml", doc) && fx_zip_add(za, "word/_rels/document.xml.rels", rels);
    va_list ap;
    va_start(ap, rels_xml);
    const char *name;
    while (ok && (name = va_arg(ap, const char *)) != NULL)
        ok = fx_zip_add(za, name, va_arg(ap, const char *));
    va_end(ap);
    if (!ok) {
        zip_discard(za);
        return false;
    }
    return zip_close(za) == 0;
}

/* A zip source of n zero bytes made on demand (no n-byte buffer): for zip bombs. */
typedef struct fx_zeros {
    zip_uint64_t n, pos;
} fx_zeros;

static inline zip_int64_t fx_zeros_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
    fx_zeros *z = ud;
    switch (cmd) {
    case ZIP_SOURCE_OPEN:
        z->pos = 0;
        return 0;
    case ZIP_SOURCE_READ: {
        zip_uint64_t k = z->n - z->pos < len ? z->n - z->pos : len;
        memset(data, 0, k);
        z->pos += k;
        return (zip_int64_t)k;
    }
    case ZIP_SOURCE_CLOSE:
        return 0;
    case ZIP_SOURCE_STAT: {
        zip_stat_t *st = data;
        zip_stat_init(st);
        st->size = z->n;
        st->valid |= ZIP_STAT_SIZE;
        return sizeof *st;
    }
    case ZIP_SOURCE_ERROR:
        return 2 * sizeof(int);
    case ZIP_SOURCE_FREE:
        free(z);
        return 0;
    case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
                                              ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
    default:
        return -1;
    }
}

/* A DOCX whose word/document.xml is n zero bytes, deflated (about n/1000 bytes on disk). */
static inline bool fx_docx_bomb(const char *path, zip_uint64_t n)
{
    int code;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &code);
    fx_zeros *z = calloc(1, sizeof *z);
    if (za == NULL || z == NULL) {
        free(z);
        if (za)
            zip_discard(za);
        return false;
    }
    z->n = n;
    zip_source_t *src = zip_source_function(za, fx_zeros_cb, z);
    if (src == NULL || zip_file_add(za, "word/document.xml", src, 0) < 0) {
        if (src)
            zip_source_free(src);
        else
            free(z);
        zip_discard(za);
        return false;
    }
    zip_set_file_compression(za, 0, ZIP_CM_DEFLATE, 9);
    return zip_close(za) == 0;
}

/* A PDF of pages made by draw(cr, page, arg) on 612x792 pt pages; text with cairo's toy fonts. */
static inline bool fx_pdf(const char *path, int pages, void (*draw)(cairo_t *, int, void *), void *arg)
{
    cairo_surface_t *s = cairo_pdf_surface_create(path, 612, 792);
    cairo_t *cr = cairo_create(s);
    for (int i = 0; i < pages; i++) {
        if (draw)
            draw(cr, i, arg);
        cairo_show_page(cr);
    }
    cairo_destroy(cr);
    cairo_surface_finish(s);
    bool ok = cairo_surface_status(s) == CAIRO_STATUS_SUCCESS;
    cairo_surface_destroy(s);
    return ok;
}

/* Writes lines (NULL-terminated) from (x, y) down, size pt apart. */
static inline void fx_lines(cairo_t *cr, double x, double y, double size, const char *const *lines)
{
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int i = 0; lines[i]; i++) {
        cairo_move_to(cr, x, y + i * size * 1.5);
        cairo_show_text(cr, lines[i]);
    }
}

/* A grayscale-ish image of lines of large text (for OCR), white background. */
static inline cairo_surface_t *fx_text_image(const char *const *lines, int w, int h, double size)
{
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(img);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    fx_lines(cr, size, size * 2, size, lines);
    cairo_destroy(cr);
    cairo_surface_flush(img);
    return img;
}

static inline bool fx_png(const char *path, const char *const *lines)
{
    cairo_surface_t *img = fx_text_image(lines, 1400, 400, 40);
    bool ok = cairo_surface_write_to_png(img, path) == CAIRO_STATUS_SUCCESS;
    cairo_surface_destroy(img);
    return ok;
}

static inline void fx_draw_scan(cairo_t *cr, int page, void *arg)
{
    (void)page;
    cairo_surface_t *img = fx_text_image(arg, 1275, 1650, 36); /* 150 dpi letter page */
    cairo_save(cr);
    cairo_scale(cr, 72.0 / 150, 72.0 / 150);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
}

/* A one-page PDF whose only content is a scanned image of lines: no text layer. */
static inline bool fx_pdf_scan(const char *path, const char *const *lines)
{
    return fx_pdf(path, 1, fx_draw_scan, (void *)lines);
}

/* An OLE2 compound file with the named streams (NULL-terminated name/data pairs). */
static inline bool fx_ole(const char *path, ...)
{
    GsfOutput *out = gsf_output_stdio_new(path, NULL);
    if (out == NULL)
        return false;
    GsfOutfile *ole = gsf_outfile_msole_new(out);
    g_object_unref(out);
    if (ole == NULL)
        return false;
    va_list ap;
    va_start(ap, path);
    const char *name;
    bool ok = true;
    while (ok && (name = va_arg(ap, const char *)) != NULL) {
        const char *data = va_arg(ap, const char *);
        GsfOutput *child = gsf_outfile_new_child(ole, name, FALSE);
        ok = child && gsf_output_write(child, strlen(data), (const guint8 *)data) && gsf_output_close(child);
        if (child)
            g_object_unref(child);
    }
    va_end(ap);
    ok = gsf_output_close(GSF_OUTPUT(ole)) && ok;
    g_object_unref(ole);
    return ok;
}

#endif

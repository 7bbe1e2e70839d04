/* Content sniffing: libmagic's MIME type, refined by opening containers (libzip for DOCX, libgsf
 * for OLE2/DOC) and by a markup check for HTML. */
#include "parse/sniff.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-input-stdio.h>
#include <magic.h>
#include <zip.h>

#define HEAD_BYTES 4096
/* libmagic's own parsers for compressed files, tar, ELF and OLE2 (CDF) are left off: we never
 * need them and they are libmagic's historical attack surface. */
#define MAGIC_FLAGS                                                                                 \
    (MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_TAR | MAGIC_NO_CHECK_ELF |          \
     MAGIC_NO_CHECK_CDF | MAGIC_NO_CHECK_CSV | MAGIC_NO_CHECK_JSON)

static const unsigned char PNG_SIG[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
static const unsigned char OLE_SIG[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};

const char *parse_format_name(parse_format f)
{
    switch (f) {
    case PARSE_PDF: return "pdf";
    case PARSE_DOCX: return "docx";
    case PARSE_DOC: return "doc";
    case PARSE_HTML: return "html";
    case PARSE_PNG: return "png";
    case PARSE_JPEG: return "jpeg";
    case PARSE_UNSUPPORTED: break;
    }
    return "unsupported";
}

/* The source being sniffed: a path, or bytes in memory. */
typedef struct sniff_src {
    const char *path;
    const unsigned char *p;
    size_t n;
    const unsigned char *head; /* the first head_n bytes */
    size_t head_n;
} sniff_src;

static ig_status mime_of(const sniff_src *s, char *mime, size_t cap, ig_err *err)
{
    magic_t m = magic_open(MAGIC_FLAGS);
    if (m == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");
    ig_status st = IG_OK;
    size_t bytes_max = 1u << 20;
    if (magic_load(m, NULL) != 0) {
        st = status_errf(err, IG_EINTERNAL, "libmagic: %s", magic_error(m) ? magic_error(m) : "no database");
        goto out;
    }
    magic_setparam(m, MAGIC_PARAM_BYTES_MAX, &bytes_max);
    const char *r = s->path ? magic_file(m, s->path) : magic_buffer(m, s->p, s->n);
    if (r == NULL) {
        st = status_errf(err, IG_EIO, "cannot identify the file: %s", magic_error(m) ? magic_error(m) : "?");
        goto out;
    }
    size_t k = strnlen(r, cap - 1);
    memcpy(mime, r, k);
    mime[k] = '\0';
out:
    magic_close(m);
    return st;
}

static bool starts_with(const sniff_src *s, const void *sig, size_t n)
{
    return s->head_n >= n && memcmp(s->head, sig, n) == 0;
}

static bool has_pdf_header(const sniff_src *s)
{
    size_t lim = s->head_n < 1024 ? s->head_n : 1024;
    return lim >= 5 && memmem(s->head, lim, "%PDF-", 5) != NULL;
}

static bool is_docx(const sniff_src *s)
{
    zip_t *za = NULL;
    zip_error_t ze;
    zip_error_init(&ze);
    if (s->path) {
        int code = 0;
        za = zip_open(s->path, ZIP_RDONLY, &code);
    } else {
        zip_source_t *src = zip_source_buffer_create(s->p, s->n, 0, &ze);
        if (src != NULL) {
            za = zip_open_from_source(src, ZIP_RDONLY, &ze);
            if (za == NULL)
                zip_source_free(src);
        }
    }
    zip_error_fini(&ze);
    if (za == NULL)
        return false;
    bool yes = zip_name_locate(za, "word/document.xml", ZIP_FL_NOCASE) >= 0;
    zip_discard(za);
    return yes;
}

static bool is_doc(const sniff_src *s)
{
    GsfInput *in = s->path ? gsf_input_stdio_new(s->path, NULL)
                           : gsf_input_memory_new(s->p, (gsf_off_t)s->n, FALSE);
    if (in == NULL)
        return false;
    bool yes = false;
    GsfInfile *ole = gsf_infile_msole_new(in, NULL);
    if (ole != NULL) {
        GsfInput *word = gsf_infile_child_by_name(ole, "WordDocument");
        yes = word != NULL;
        if (word)
            g_object_unref(word);
        g_object_unref(ole);
    }
    g_object_unref(in);
    return yes;
}

/* Markup first (after a BOM and blanks) and an html/head/body tag or doctype early on. */
static bool looks_html(const sniff_src *s)
{
    const unsigned char *h = s->head;
    size_t n = s->head_n, i = 0;
    if (n >= 3 && h[0] == 0xEF && h[1] == 0xBB && h[2] == 0xBF)
        i = 3;
    while (i < n && (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' || h[i] == '\n'))
        i++;
    if (i >= n || h[i] != '<')
        return false;
    static const char *const tags[] = {"<!doctype html", "<html", "<head", "<body"};
    for (; i < n; i++)
        for (size_t t = 0; t < sizeof tags / sizeof tags[0]; t++) {
            size_t k = strlen(tags[t]);
            if (n - i >= k && strncasecmp((const char *)h + i, tags[t], k) == 0)
                return true;
        }
    return false;
}

static bool is_text_mime(const char *mime)
{
    return strncmp(mime, "text/", 5) == 0 || strcmp(mime, "application/xml") == 0 ||
           strcmp(mime, "application/xhtml+xml") == 0;
}

static ig_status sniff(const sniff_src *s, parse_format *out, ig_err *err)
{
    char mime[128];
    *out = PARSE_UNSUPPORTED;
    ig_status st = mime_of(s, mime, sizeof mime, err);
    if (st != IG_OK)
        return st;
    if (strcmp(mime, "image/png") == 0 && starts_with(s, PNG_SIG, sizeof PNG_SIG))
        *out = PARSE_PNG;
    else if (strcmp(mime, "image/jpeg") == 0 && starts_with(s, "\xFF\xD8\xFF", 3))
        *out = PARSE_JPEG;
    else if ((strcmp(mime, "application/pdf") == 0 || strcmp(mime, "application/octet-stream") == 0) &&
             has_pdf_header(s))
        *out = PARSE_PDF;
    else if (starts_with(s, "PK\x03\x04", 4))
        *out = is_docx(s) ? PARSE_DOCX : PARSE_UNSUPPORTED;
    else if (starts_with(s, OLE_SIG, sizeof OLE_SIG))
        *out = is_doc(s) ? PARSE_DOC : PARSE_UNSUPPORTED;
    else if (is_text_mime(mime) && looks_html(s))
        *out = PARSE_HTML;
    return IG_OK;
}

ig_status parse_sniff_buffer(const void *p, size_t n, parse_format *out, ig_err *err)
{
    sniff_src s = {.path = NULL, .p = p, .n = n, .head = p, .head_n = n < HEAD_BYTES ? n : HEAD_BYTES};
    if (n == 0) {
        *out = PARSE_UNSUPPORTED;
        return IG_OK;
    }
    return sniff(&s, out, err);
}

ig_status parse_sniff_file(const char *path, parse_format *out, ig_err *err)
{
    unsigned char head[HEAD_BYTES];
    *out = PARSE_UNSUPPORTED;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return status_errf(err, IG_EIO, "cannot open %s: %s", path, strerror(errno));
    size_t got = 0;
    ig_status st = IG_OK;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return status_errf(err, IG_EIO, "%s is not a regular file", path);
    }
    while (got < sizeof head) {
        ssize_t r = read(fd, head + got, sizeof head - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            st = status_errf(err, IG_EIO, "cannot read %s: %s", path, strerror(errno));
            break;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (st != IG_OK || got == 0)
        return st;
    sniff_src s = {.path = path, .p = NULL, .n = 0, .head = head, .head_n = got};
    return sniff(&s, out, err);
}

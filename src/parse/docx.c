/* DOCX extraction: parts are inflated under a byte budget, then walked with an xmlTextReader
 * (streaming, no entity substitution, no network, DTDs refused). */
#include "parse/docx.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>
#include <zip.h>

#define MAIN_PART "word/document.xml"
#define MAX_RELS 4096
#define MAX_PARTS 16 /* headers + footers read */
#define INSTR_MAX 4096

static const char REL_NS[] = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
static const char REL_NS_STRICT[] = "http://purl.oclc.org/ooxml/officeDocument/relationships";

typedef enum rel_kind { REL_OTHER, REL_HYPERLINK, REL_HEADER, REL_FOOTER } rel_kind;

typedef struct docx_rel {
    char *id;
    char *target;
    rel_kind kind;
} docx_rel;

typedef struct docx_rels {
    docx_rel *v;
    size_t n, cap;
} docx_rels;

typedef struct docx_ctx {
    zip_t *za;
    const parse_limits *lim;
    parse_sink *sink;
    uint64_t inflated; /* bytes inflated so far, all entries together */
    ig_err *err;
} docx_ctx;

static void rels_free(docx_rels *r)
{
    for (size_t i = 0; i < r->n; i++) {
        xmlFree(r->v[i].id);
        xmlFree(r->v[i].target);
    }
    free(r->v);
    r->v = NULL;
    r->n = r->cap = 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Inflates one entry into out (owned by the caller, freed with buf_free) under the budget.
 * IG_ENOTFOUND when the archive has no such entry. */
static ig_status read_entry(docx_ctx *c, const char *name, ig_buf *out)
{
    ig_err *err = c->err;
    zip_int64_t idx = zip_name_locate(c->za, name, ZIP_FL_NOCASE);
    if (idx < 0)
        return IG_ENOTFOUND;
    zip_stat_t sb;
    if (zip_stat_index(c->za, (zip_uint64_t)idx, 0, &sb) != 0)
        return status_errf(err, IG_EINVAL, "the DOCX is damaged (%s)", zip_strerror(c->za));
    if ((sb.valid & ZIP_STAT_ENCRYPTION_METHOD) && sb.encryption_method != ZIP_EM_NONE)
        return status_errf(err, IG_EINVAL, "the DOCX is encrypted");
    uint64_t budget = c->lim->max_uncompressed - c->inflated;
    if ((sb.valid & ZIP_STAT_SIZE) && sb.size > budget)
        return status_errf(err, IG_ETOOBIG, "the DOCX inflates to more than %llu bytes (zip bomb?)",
                           (unsigned long long)c->lim->max_uncompressed);
    uint64_t comp = (sb.valid & ZIP_STAT_COMP_SIZE) ? sb.comp_size : 0;
    zip_file_t *f = zip_fopen_index(c->za, (zip_uint64_t)idx, 0);
    if (f == NULL)
        return status_errf(err, IG_EINVAL, "the DOCX is damaged (%s)", zip_strerror(c->za));
    buf_init(out, budget > SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)budget);
    ig_status st = IG_OK;
    char chunk[65536];
    for (;;) {
        zip_int64_t r = zip_fread(f, chunk, sizeof chunk);
        if (r < 0) {
            st = status_errf(err, IG_EINVAL, "the DOCX is damaged (%s)", zip_error_strerror(zip_file_get_error(f)));
            break;
        }
        if (r == 0)
            break;
        ig_status bst = buf_append(out, chunk, (size_t)r);
        if (bst == IG_ETOOBIG) {
            st = status_errf(err, IG_ETOOBIG, "the DOCX inflates to more than %llu bytes (zip bomb?)",
                             (unsigned long long)c->lim->max_uncompressed);
            break;
        }
        if (bst != IG_OK) {
            st = status_errf(err, IG_ENOMEM, "out of memory");
            break;
        }
        if (out->len > PARSE_DOCX_RATIO_FLOOR && (comp == 0 || out->len / comp > PARSE_DOCX_MAX_RATIO)) {
            st = status_errf(err, IG_ETOOBIG, "the DOCX entry %s expands more than %d times (zip bomb?)", name,
                             PARSE_DOCX_MAX_RATIO);
            break;
        }
    }
    zip_fclose(f);
    if (st != IG_OK) {
        buf_free(out);
        return st;
    }
    c->inflated += out->len;
    return IG_OK;
}

/* A document type declaration sits before the root element: one there is refused outright, so
 * no entity it declares is ever expanded (DOCX parts never carry one). */
static bool has_dtd(const ig_buf *xml)
{
    const char *p = xml->p;
    for (size_t i = 0; i + 1 < xml->len; i++) {
        if (p[i] != '<')
            continue;
        char c = p[i + 1];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_')
            return false; /* the root element: the prolog is over */
        if (xml->len - i >= 9 && memcmp(p + i, "<!DOCTYPE", 9) == 0)
            return true;
    }
    return false;
}

static xmlTextReaderPtr open_reader(const ig_buf *xml)
{
    if (xml->len > INT_MAX)
        return NULL;
    return xmlReaderForMemory(xml->p ? xml->p : "", (int)xml->len, NULL, NULL,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* Parses a .rels part into r. A missing part leaves r empty. */
static ig_status read_rels(docx_ctx *c, const char *name, docx_rels *r)
{
    ig_buf xml;
    ig_status st = read_entry(c, name, &xml);
    if (st == IG_ENOTFOUND)
        return IG_OK;
    if (st != IG_OK)
        return st;
    xmlTextReaderPtr rd = NULL;
    if (has_dtd(&xml)) {
        st = status_errf(c->err, IG_EINVAL, "the DOCX carries a DTD (refused)");
        goto out;
    }
    rd = open_reader(&xml);
    if (rd == NULL) {
        st = status_errf(c->err, IG_ENOMEM, "out of memory");
        goto out;
    }
    int ret;
    while ((ret = xmlTextReaderRead(rd)) == 1) {
        if (xmlTextReaderNodeType(rd) == XML_READER_TYPE_DOCUMENT_TYPE) {
            st = status_errf(c->err, IG_EINVAL, "the DOCX carries a DTD (refused)");
            goto out;
        }
        if (xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT ||
            !xmlStrEqual(xmlTextReaderConstLocalName(rd), BAD_CAST "Relationship") || r->n >= MAX_RELS)
            continue;
        char *id = (char *)xmlTextReaderGetAttribute(rd, BAD_CAST "Id");
        char *type = (char *)xmlTextReaderGetAttribute(rd, BAD_CAST "Type");
        char *target = (char *)xmlTextReaderGetAttribute(rd, BAD_CAST "Target");
        if (id == NULL || type == NULL || target == NULL) {
            xmlFree(id);
            xmlFree(type);
            xmlFree(target);
            continue;
        }
        rel_kind kind = ends_with(type, "/hyperlink") ? REL_HYPERLINK
                        : ends_with(type, "/header") ? REL_HEADER
                        : ends_with(type, "/footer") ? REL_FOOTER
                                                     : REL_OTHER;
        xmlFree(type);
        if (r->n == r->cap) {
            size_t ncap = r->cap ? r->cap * 2 : 16;
            docx_rel *nv = realloc(r->v, ncap * sizeof *nv);
            if (nv == NULL) {
                xmlFree(id);
                xmlFree(target);
                st = status_errf(c->err, IG_ENOMEM, "out of memory");
                goto out;
            }
            r->v = nv;
            r->cap = ncap;
        }
        r->v[r->n++] = (docx_rel){id, target, kind};
    }
    if (ret < 0)
        st = status_errf(c->err, IG_EINVAL, "the DOCX is damaged (bad XML in %s)", name);
out:
    if (rd)
        xmlFreeTextReader(rd);
    buf_free(&xml);
    return st;
}

static const docx_rel *rel_find(const docx_rels *r, const char *id)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].id, id) == 0)
            return &r->v[i];
    return NULL;
}

/* Elements whose subtree holds no text a reader sees: properties, deleted or moved-away text,
 * field data, and mc:Fallback (the same content again for old readers). */
static bool skipped(const xmlChar *name)
{
    static const char *const names[] = {"pPr",   "rPr",     "sectPr",   "tblPr", "trPr",     "tcPr",
                                        "tblGrid", "del",   "delText",  "moveFrom", "fldData", "Fallback",
                                        "footnoteReference", "endnoteReference", "commentReference"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (xmlStrEqual(name, BAD_CAST names[i]))
            return true;
    return false;
}

/* The URL of a field code such as: HYPERLINK "https://x" \o "tip". */
static ig_status field_link(parse_sink *sink, const char *instr, size_t n)
{
    const char *h = memmem(instr, n, "HYPERLINK", 9);
    if (h == NULL)
        return IG_OK;
    const char *q = memchr(h, '"', n - (size_t)(h - instr));
    if (q == NULL)
        return IG_OK;
    q++;
    const char *e = memchr(q, '"', n - (size_t)(q - instr));
    return e ? parse_sink_link(sink, q, (size_t)(e - q)) : IG_OK;
}

typedef struct walk {
    ig_buf *out;
    int tc_depth;
    bool in_t, in_instr;
    char instr[INSTR_MAX];
    size_t instr_n;
} walk;

/* Appends text; past the cap keeps what fits (whole UTF-8 characters) and answers IG_ETOOBIG. */
static ig_status emit(walk *w, const char *s, size_t n)
{
    ig_buf *b = w->out;
    if (n <= b->max - b->len)
        return buf_append(b, s, n);
    size_t cut = b->max - b->len;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    ig_status st = buf_append(b, s, cut);
    return st == IG_OK ? IG_ETOOBIG : st;
}

static ig_status on_element(docx_ctx *c, const docx_rels *rels, walk *w, xmlTextReaderPtr rd, const xmlChar *name)
{
    bool empty = xmlTextReaderIsEmptyElement(rd) == 1;
    if (xmlStrEqual(name, BAD_CAST "t")) {
        w->in_t = !empty;
    } else if (xmlStrEqual(name, BAD_CAST "instrText")) {
        w->in_instr = !empty;
        w->instr_n = 0;
    } else if (xmlStrEqual(name, BAD_CAST "tab")) {
        return emit(w, "\t", 1);
    } else if (xmlStrEqual(name, BAD_CAST "br") || xmlStrEqual(name, BAD_CAST "cr")) {
        return emit(w, "\n", 1);
    } else if (xmlStrEqual(name, BAD_CAST "noBreakHyphen")) {
        return emit(w, "-", 1);
    } else if (xmlStrEqual(name, BAD_CAST "p") && empty) {
        return emit(w, w->tc_depth > 0 ? " " : "\n", 1);
    } else if (xmlStrEqual(name, BAD_CAST "tc")) {
        if (empty)
            return emit(w, "\t", 1);
        w->tc_depth++;
    } else if (xmlStrEqual(name, BAD_CAST "hyperlink")) {
        xmlChar *id = xmlTextReaderGetAttributeNs(rd, BAD_CAST "id", BAD_CAST REL_NS);
        if (id == NULL)
            id = xmlTextReaderGetAttributeNs(rd, BAD_CAST "id", BAD_CAST REL_NS_STRICT);
        const docx_rel *rel = id ? rel_find(rels, (const char *)id) : NULL;
        ig_status st = IG_OK;
        if (rel && rel->kind == REL_HYPERLINK)
            st = parse_sink_link(c->sink, rel->target, strlen(rel->target));
        xmlFree(id);
        return st;
    }
    return IG_OK;
}

static ig_status on_end(docx_ctx *c, walk *w, const xmlChar *name)
{
    if (xmlStrEqual(name, BAD_CAST "t")) {
        w->in_t = false;
    } else if (xmlStrEqual(name, BAD_CAST "instrText")) {
        w->in_instr = false;
        return field_link(c->sink, w->instr, w->instr_n);
    } else if (xmlStrEqual(name, BAD_CAST "p")) {
        return emit(w, w->tc_depth > 0 ? " " : "\n", 1);
    } else if (xmlStrEqual(name, BAD_CAST "tc")) {
        if (w->tc_depth > 0)
            w->tc_depth--;
        return emit(w, "\t", 1);
    } else if (xmlStrEqual(name, BAD_CAST "tr") || xmlStrEqual(name, BAD_CAST "tbl")) {
        return emit(w, "\n", 1);
    }
    return IG_OK;
}

/* Walks one part's XML, writing its text to out (capped: ETOOBIG means "out is full"). */
static ig_status walk_part(docx_ctx *c, const char *name, const ig_buf *xml, const docx_rels *rels, ig_buf *out)
{
    walk w = {.out = out};
    ig_status st = IG_OK;
    if (has_dtd(xml))
        return status_errf(c->err, IG_EINVAL, "the DOCX carries a DTD (refused)");
    xmlTextReaderPtr rd = open_reader(xml);
    if (rd == NULL)
        return status_errf(c->err, IG_ENOMEM, "out of memory");
    int ret = xmlTextReaderRead(rd);
    while (ret == 1 && st == IG_OK) {
        int type = xmlTextReaderNodeType(rd);
        const xmlChar *lname = xmlTextReaderConstLocalName(rd);
        if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
            st = status_errf(c->err, IG_EINVAL, "the DOCX carries a DTD (refused)");
            break;
        }
        if (type == XML_READER_TYPE_ELEMENT && lname && skipped(lname)) {
            ret = xmlTextReaderIsEmptyElement(rd) == 1 ? xmlTextReaderRead(rd) : xmlTextReaderNext(rd);
            continue;
        }
        if (type == XML_READER_TYPE_ELEMENT && lname) {
            st = on_element(c, rels, &w, rd, lname);
        } else if (type == XML_READER_TYPE_END_ELEMENT && lname) {
            st = on_end(c, &w, lname);
        } else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
                   type == XML_READER_TYPE_WHITESPACE || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE) {
            const char *v = (const char *)xmlTextReaderConstValue(rd);
            size_t vn = v ? strlen(v) : 0;
            if (w.in_t) {
                st = emit(&w, v, vn);
            } else if (w.in_instr && vn > 0) {
                size_t k = vn < INSTR_MAX - w.instr_n ? vn : INSTR_MAX - w.instr_n;
                memcpy(w.instr + w.instr_n, v, k);
                w.instr_n += k;
            }
        }
        if (st == IG_OK)
            ret = xmlTextReaderRead(rd);
    }
    if (st == IG_OK && ret < 0)
        st = status_errf(c->err, IG_EINVAL, "the DOCX is damaged (bad XML in %s)", name);
    else if (st == IG_ENOMEM)
        status_errf(c->err, IG_ENOMEM, "out of memory");
    xmlFreeTextReader(rd);
    return st;
}

/* "header1.xml" (relative to word/) or "/word/header1.xml" -> the zip entry name. */
static bool part_name(const char *target, char *out, size_t cap)
{
    int n = target[0] == '/' ? snprintf(out, cap, "%s", target + 1) : snprintf(out, cap, "word/%s", target);
    return n > 0 && (size_t)n < cap;
}

/* Reads one part (and its own rels for hyperlinks) and returns its text in text. */
static ig_status part_text(docx_ctx *c, const char *name, ig_buf *text)
{
    char rels_name[512];
    const char *slash = strrchr(name, '/');
    size_t dir = slash ? (size_t)(slash - name) : 0;
    int k = snprintf(rels_name, sizeof rels_name, "%.*s%s_rels/%s.rels", (int)dir, name, slash ? "/" : "",
                     slash ? slash + 1 : name);
    if (k <= 0 || (size_t)k >= sizeof rels_name)
        return IG_ENOTFOUND;
    docx_rels rels = {0};
    ig_buf xml;
    buf_init(text, c->sink->text.max);
    ig_status st = read_rels(c, rels_name, &rels);
    if (st != IG_OK) {
        rels_free(&rels);
        return st;
    }
    st = read_entry(c, name, &xml);
    if (st == IG_OK) {
        st = walk_part(c, name, &xml, &rels, text);
        buf_free(&xml);
        if (st == IG_ETOOBIG) { /* the text filled the cap: keep what fits */
            c->sink->truncated = true;
            st = IG_OK;
        }
    }
    if (st != IG_OK)
        buf_free(text);
    rels_free(&rels);
    return st;
}

/* "/word/header3.xml" and "header3.xml" name the same part: compare without the prefix. */
static const char *bare_target(const char *t)
{
    if (t[0] == '/')
        t++;
    return strncmp(t, "word/", 5) == 0 ? t + 5 : t;
}

static int by_target(const void *a, const void *b)
{
    return strcmp(bare_target(((const docx_rel *)a)->target), bare_target(((const docx_rel *)b)->target));
}

/* Headers or footers, in part-name order, each text emitted once (first/even/default pages
 * usually repeat the same header). */
static ig_status side_parts(docx_ctx *c, docx_rels *rels, rel_kind kind, ig_buf *seen, size_t *nseen)
{
    if (rels->n > 1)
        qsort(rels->v, rels->n, sizeof rels->v[0], by_target);
    for (size_t i = 0; i < rels->n; i++) {
        char name[512];
        if (rels->v[i].kind != kind || *nseen >= MAX_PARTS || !part_name(rels->v[i].target, name, sizeof name))
            continue;
        ig_buf text;
        ig_status st = part_text(c, name, &text);
        if (st == IG_ENOTFOUND)
            continue;
        if (st != IG_OK)
            return st;
        bool dup = text.len == 0;
        for (size_t j = 0; j < *nseen && !dup; j++)
            dup = seen[j].len == text.len && memcmp(seen[j].p, text.p, text.len) == 0;
        if (!dup && (st = parse_sink_text(c->sink, text.p, text.len)) == IG_OK)
            st = parse_sink_text(c->sink, "\n", 1);
        if (dup)
            buf_free(&text);
        else
            seen[(*nseen)++] = text;
        if (st != IG_OK)
            return status_errf(c->err, st, "out of memory");
    }
    return IG_OK;
}

static ig_status extract(zip_t *za, const parse_limits *lim, parse_sink *sink, ig_err *err)
{
    docx_ctx c = {.za = za, .lim = lim, .sink = sink, .inflated = 0, .err = err};
    docx_rels rels = {0};
    ig_buf seen[MAX_PARTS];
    size_t nseen = 0;
    ig_buf body;
    buf_init(&body, 0);
    zip_int64_t entries = zip_get_num_entries(za, 0);
    ig_status st = IG_OK;
    if (entries < 0 || (zip_uint64_t)entries > lim->max_zip_entries) {
        st = status_errf(err, IG_ETOOBIG, "the DOCX has %lld entries; the limit is %u", (long long)entries,
                         lim->max_zip_entries);
        goto out;
    }
    if (zip_name_locate(za, MAIN_PART, ZIP_FL_NOCASE) < 0) {
        st = status_errf(err, IG_EINVAL, "not a Word document (no %s)", MAIN_PART);
        goto out;
    }
    sink->pages = 1;
    st = read_rels(&c, "word/_rels/document.xml.rels", &rels);
    if (st == IG_OK)
        st = side_parts(&c, &rels, REL_HEADER, seen, &nseen);
    if (st == IG_OK)
        st = part_text(&c, MAIN_PART, &body);
    if (st == IG_OK && (st = parse_sink_text(sink, body.p ? body.p : "", body.len)) == IG_OK)
        st = parse_sink_text(sink, "\n", 1);
    if (st == IG_OK)
        st = side_parts(&c, &rels, REL_FOOTER, seen, &nseen);
    if (st == IG_ENOMEM)
        status_errf(err, st, "out of memory");
out:
    for (size_t i = 0; i < nseen; i++)
        buf_free(&seen[i]);
    buf_free(&body);
    rels_free(&rels);
    return st;
}

ig_status parse_docx_extract_buffer(const void *p, size_t n, const parse_limits *lim, parse_sink *sink,
                                    ig_err *err)
{
    zip_error_t ze;
    zip_error_init(&ze);
    ig_status st;
    zip_source_t *src = zip_source_buffer_create(p, n, 0, &ze);
    zip_t *za = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    if (za == NULL) {
        st = status_errf(err, IG_EINVAL, "the DOCX is damaged (%s)", zip_error_strerror(&ze));
        if (src)
            zip_source_free(src);
    } else {
        st = extract(za, lim, sink, err);
        zip_discard(za);
    }
    zip_error_fini(&ze);
    return st;
}

ig_status parse_docx_extract_file(const char *path, const parse_limits *lim, parse_sink *sink, ig_err *err)
{
    int code = 0;
    zip_t *za = zip_open(path, ZIP_RDONLY, &code);
    if (za == NULL) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, code);
        ig_status st = status_errf(err, IG_EINVAL, "the DOCX is damaged (%s)", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return st;
    }
    ig_status st = extract(za, lim, sink, err);
    zip_discard(za);
    return st;
}

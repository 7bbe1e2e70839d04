/* DOC extraction through libwv's callbacks: characters arrive one by one (UTF-16 or a code page
 * by language id), paragraph ends as elements; field instructions (between 0x13 and 0x14) are
 * kept out of the text and scanned for HYPERLINK. */
#include "parse/doc.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <wv.h>

#define INSTR_MAX 2048
#define FIELD_DEPTH 32

typedef struct doc_state {
    parse_sink *sink;
    ig_status st;
    bool in_table, ttp;          /* the current paragraph is in a table / ends a table row */
    unsigned depth;              /* field nesting */
    bool instr[FIELD_DEPTH];     /* at each depth: still in the instruction part */
    char code[INSTR_MAX];        /* instruction text of the innermost field */
    size_t code_n;
} doc_state;

static void put(doc_state *d, const char *s, size_t n)
{
    if (d->st == IG_OK)
        d->st = parse_sink_text(d->sink, s, n);
}

static size_t utf8(unsigned c, char out[4])
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c >= 0xD800 && c <= 0xDFFF)
        return 0; /* a lone UTF-16 half: the normaliser would only replace it */
    out[0] = (char)(0xE0 | (c >> 12));
    out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[2] = (char)(0x80 | (c & 0x3F));
    return 3;
}

static bool in_instruction(const doc_state *d)
{
    return d->depth > 0 && d->depth <= FIELD_DEPTH && d->instr[d->depth - 1];
}

/* HYPERLINK "https://x" \o "tip" */
static void field_link(doc_state *d)
{
    const char *h = memmem(d->code, d->code_n, "HYPERLINK", 9);
    if (h == NULL)
        return;
    const char *q = memchr(h, '"', d->code_n - (size_t)(h - d->code));
    if (q == NULL)
        return;
    q++;
    const char *e = memchr(q, '"', d->code_n - (size_t)(q - d->code));
    if (e && d->st == IG_OK)
        d->st = parse_sink_link(d->sink, q, (size_t)(e - q));
}

static void handle(doc_state *d, unsigned c)
{
    char u[4];
    size_t n;
    switch (c) {
    case 0x13: /* field begin: the instruction follows */
        d->depth++;
        if (d->depth <= FIELD_DEPTH)
            d->instr[d->depth - 1] = true;
        d->code_n = 0;
        return;
    case 0x14: /* field separator: the result follows */
        if (in_instruction(d)) {
            d->instr[d->depth - 1] = false;
            field_link(d);
        }
        return;
    case 0x15: /* field end */
        if (in_instruction(d))
            field_link(d);
        if (d->depth > 0)
            d->depth--;
        return;
    default:
        break;
    }
    if (in_instruction(d)) {
        n = utf8(c, u);
        if (d->code_n + n <= INSTR_MAX) {
            memcpy(d->code + d->code_n, u, n);
            d->code_n += n;
        }
        return;
    }
    switch (c) {
    case 0x07: put(d, "\t", 1); return;   /* end of a table cell */
    case 0x09: put(d, "\t", 1); return;
    case 0x0B:                            /* line break */
    case 0x0C: put(d, "\n", 1); return;   /* page or section break */
    case 0x0D: return;                    /* paragraph end: the PARAEND element places it */
    case 0x1E: put(d, "-", 1); return;    /* non-breaking hyphen */
    default: break;
    }
    if (c < 0x20)
        return; /* anchors of pictures, footnote marks, soft hyphen (0x1F) */
    n = utf8(c, u);
    put(d, u, n);
}

static int char_proc(wvParseStruct *ps, U16 c, U8 chartype, U16 lid)
{
    if (chartype)
        c = wvHandleCodePage(c, lid);
    handle(ps->userData, c);
    return 0;
}

static int special_proc(wvParseStruct *ps, U16 c, CHP *props)
{
    (void)props;
    handle(ps->userData, c);
    return 0;
}

static int element_proc(wvParseStruct *ps, wvTag tag, void *props, int dirty)
{
    (void)dirty;
    doc_state *d = ps->userData;
    if (tag == PARABEGIN && props) {
        const PAP *para = props;
        d->in_table = para->fInTable != 0;
        d->ttp = para->fTtp != 0;
    } else if (tag == PARAEND) {
        /* a row ends on its own paragraph; paragraphs inside a cell stay on the row's line */
        put(d, d->ttp ? "\n" : d->in_table ? " " : "\n", 1);
    } else if (tag == SECTIONEND) {
        put(d, "\n", 1);
    }
    return 0;
}

static int document_proc(wvParseStruct *ps, wvTag tag)
{
    (void)ps;
    (void)tag;
    return 0;
}

ig_status parse_doc_extract(const char *path, const parse_limits *lim, parse_sink *sink, ig_err *err)
{
    (void)lim;
    char name[4096];
    if (snprintf(name, sizeof name, "%s", path) >= (int)sizeof name)
        return status_errf(err, IG_EINVAL, "path too long");
    wvParseStruct ps;
    memset(&ps, 0, sizeof ps);
    doc_state d = {.sink = sink, .st = IG_OK};
    wvInit();
    int ret = wvInitParser(&ps, name);
    ig_status st = IG_OK;
    /* wv answers -1 for any failure (all bits set); a version with bit 15 means encrypted */
    if (ret > 0 && (ret & 0x8000))
        st = status_errf(err, IG_EINVAL, "the document is password-protected");
    else if (ret != 0)
        st = status_errf(err, IG_EINVAL, "the DOC is damaged or older than Word 97 (wv error %d)", ret);
    if (st != IG_OK) {
        wvOLEFree(&ps);
        wvShutdown();
        return st;
    }
    ps.filename = name;
    ps.userData = &d;
    wvSetElementHandler(&ps, element_proc);
    wvSetDocumentHandler(&ps, document_proc);
    wvSetCharHandler(&ps, char_proc);
    wvSetSpecialCharHandler(&ps, special_proc);
    wvText(&ps);
    wvOLEFree(&ps);
    wvShutdown();
    sink->pages = 1;
    return d.st == IG_OK ? IG_OK : status_errf(err, d.st, "out of memory");
}

/* HTML extraction: parse to a tree, then an iterative walk (no recursion on hostile nesting). */
#include "parse/html.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <glib.h>
#include <libxml/HTMLparser.h>

/* Subtrees a browser does not show as text. */
static bool hidden(const char *name)
{
    static const char *const names[] = {"head",   "script", "style",  "noscript", "template", "iframe",
                                        "object", "embed",  "svg",    "math",     "select",   "textarea"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(name, names[i]) == 0)
            return true;
    return false;
}

static bool block(const char *name)
{
    static const char *const names[] = {
        "address", "article", "aside",  "blockquote", "body",   "caption", "center", "dd",      "details",
        "dialog",  "div",     "dl",     "dt",         "fieldset", "figcaption", "figure", "footer", "form",
        "h1",      "h2",      "h3",     "h4",         "h5",     "h6",      "header", "hr",      "li",
        "main",    "nav",     "ol",     "p",          "pre",    "section", "summary", "table",  "tbody",
        "thead",   "tfoot",   "ul"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(name, names[i]) == 0)
            return true;
    return false;
}

typedef struct html_walk {
    parse_sink *sink;
    int pre; /* depth inside <pre>: keep its line breaks */
} html_walk;

static ig_status text_node(html_walk *w, const char *s)
{
    if (w->pre > 0)
        return parse_sink_text(w->sink, s, strlen(s));
    /* HTML whitespace (newlines, tabs) is just a space; the normaliser collapses runs */
    char chunk[1024];
    size_t k = 0;
    for (; *s; s++) {
        char c = *s;
        chunk[k++] = (c == '\n' || c == '\r' || c == '\t' || c == '\f') ? ' ' : c;
        if (k == sizeof chunk) {
            ig_status st = parse_sink_text(w->sink, chunk, k);
            if (st != IG_OK)
                return st;
            k = 0;
        }
    }
    return parse_sink_text(w->sink, chunk, k);
}

/* Ends the current line unless it is already ended (nested blocks make one break, not many). */
static ig_status line_break(html_walk *w)
{
    const ig_buf *t = &w->sink->text;
    return t->len == 0 || t->p[t->len - 1] == '\n' ? IG_OK : parse_sink_text(w->sink, "\n", 1);
}

static ig_status enter(html_walk *w, xmlNode *n)
{
    const char *name = (const char *)n->name;
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
        return n->content ? text_node(w, (const char *)n->content) : IG_OK;
    if (n->type != XML_ELEMENT_NODE)
        return IG_OK;
    if (strcasecmp(name, "br") == 0)
        return parse_sink_text(w->sink, "\n", 1);
    if (strcasecmp(name, "pre") == 0)
        w->pre++;
    if (strcasecmp(name, "a") == 0) {
        xmlChar *href = xmlGetProp(n, BAD_CAST "href");
        ig_status st = href ? parse_sink_link(w->sink, (const char *)href, strlen((const char *)href)) : IG_OK;
        xmlFree(href);
        if (st != IG_OK)
            return st;
    }
    return block(name) ? line_break(w) : IG_OK;
}

static ig_status leave(html_walk *w, xmlNode *n)
{
    if (n->type != XML_ELEMENT_NODE)
        return IG_OK;
    const char *name = (const char *)n->name;
    if (strcasecmp(name, "pre") == 0 && w->pre > 0)
        w->pre--;
    if (strcasecmp(name, "td") == 0 || strcasecmp(name, "th") == 0)
        return parse_sink_text(w->sink, "\t", 1);
    if (strcasecmp(name, "tr") == 0 || block(name))
        return line_break(w);
    return IG_OK;
}

static ig_status walk_tree(xmlNode *root, parse_sink *sink)
{
    html_walk w = {.sink = sink, .pre = 0};
    xmlNode *n = root;
    while (n != NULL && !parse_sink_full(sink)) {
        ig_status st = enter(&w, n);
        if (st != IG_OK)
            return st;
        bool skip = n->type == XML_ELEMENT_NODE && hidden((const char *)n->name);
        if (n->children && n->type == XML_ELEMENT_NODE && !skip) {
            n = n->children;
            continue;
        }
        for (;;) {
            if ((st = leave(&w, n)) != IG_OK)
                return st;
            if (n == root)
                return IG_OK;
            if (n->next) {
                n = n->next;
                break;
            }
            n = n->parent;
        }
    }
    return IG_OK;
}

static bool declares_charset(const char *p, size_t n)
{
    size_t lim = n < 4096 ? n : 4096;
    for (size_t i = 0; i + 7 <= lim; i++)
        if (strncasecmp(p + i, "charset", 7) == 0 || strncasecmp(p + i, "encoding", 7) == 0)
            return true;
    return false;
}

ig_status parse_html_extract_buffer(const char *p, size_t n, const parse_limits *lim, parse_sink *sink,
                                    ig_err *err)
{
    (void)lim;
    if (n > INT_MAX)
        return status_errf(err, IG_ETOOBIG, "the HTML file is too large");
    bool bom = n >= 2 && (((unsigned char)p[0] == 0xFF && (unsigned char)p[1] == 0xFE) ||
                          ((unsigned char)p[0] == 0xFE && (unsigned char)p[1] == 0xFF) ||
                          (n >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB));
    const char *enc = NULL;
    if (!bom && !declares_charset(p, n) && !g_utf8_validate(p, (gssize)n, NULL))
        enc = "GB18030";
    htmlDocPtr doc = htmlReadMemory(p, (int)n, NULL, enc,
                                    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                        HTML_PARSE_NONET | HTML_PARSE_NOBLANKS);
    if (doc == NULL)
        return status_errf(err, IG_EINVAL, "the HTML could not be parsed");
    sink->pages = 1;
    xmlNode *root = xmlDocGetRootElement(doc);
    ig_status st = root ? walk_tree(root, sink) : IG_OK;
    xmlFreeDoc(doc);
    return st == IG_OK ? IG_OK : status_errf(err, st, "out of memory");
}

ig_status parse_html_extract_file(const char *path, const parse_limits *lim, parse_sink *sink, ig_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return status_errf(err, IG_EIO, "cannot open %s: %s", path, strerror(errno));
    ig_buf b;
    buf_init(&b, lim->max_uncompressed > INT_MAX ? INT_MAX : (size_t)lim->max_uncompressed);
    ig_status st = IG_OK;
    char chunk[65536];
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            st = status_errf(err, IG_EIO, "cannot read %s: %s", path, strerror(errno));
            break;
        }
        if (r == 0)
            break;
        ig_status bst = buf_append(&b, chunk, (size_t)r);
        if (bst != IG_OK) {
            st = bst == IG_ETOOBIG ? status_errf(err, IG_ETOOBIG, "the HTML file is larger than %llu bytes",
                                                 (unsigned long long)lim->max_uncompressed)
                                   : status_errf(err, IG_ENOMEM, "out of memory");
            break;
        }
    }
    close(fd);
    if (st == IG_OK)
        st = parse_html_extract_buffer(b.p ? b.p : "", b.len, lim, sink, err);
    buf_free(&b);
    return st;
}

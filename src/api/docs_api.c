/* The API's own documentation: the OpenAPI document (data/openapi.json) and a page that renders it
 * for people (data/docs.html), both compiled in and served as they are. Neither needs a token or
 * counts against the rate limit; clients revalidate them by ETag. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/datafiles.h"

#define ETAG_BYTES 16
#define CSP_MAX 512

/* Whether an If-None-Match value (a comma-separated list of entity tags, weak or strong, or "*")
 * names etag. */
static bool etag_listed(ig_str inm, const char *etag)
{
    ig_str want = str_cstr(etag);
    size_t i = 0;
    while (i < inm.n) {
        const char *comma = memchr(inm.p + i, ',', inm.n - i);
        size_t end = comma != NULL ? (size_t)(comma - inm.p) : inm.n;
        ig_str tag = str_trim(str_make(inm.p + i, end - i));
        if (tag.n >= 2 && tag.p[0] == 'W' && tag.p[1] == '/')
            tag = str_make(tag.p + 2, tag.n - 2);
        if (str_eq(tag, STR_LIT("*")) || str_eq(tag, want))
            return true;
        i = end + 1;
    }
    return false;
}

/* The CSP source "'sha256-...'" of the inline element <tag>...</tag> in doc: the page's only script
 * and style may run, and nothing else. out gets "" when there is none. */
static void inline_hash(ig_str doc, const char *open, const char *close, char *out, size_t cap)
{
    out[0] = '\0';
    const char *a = memmem(doc.p, doc.n, open, strlen(open));
    if (a == NULL)
        return;
    a += strlen(open);
    const char *b = memmem(a, doc.n - (size_t)(a - doc.p), close, strlen(close));
    if (b == NULL)
        return;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)a, (unsigned long long)(b - a));
    char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, h, sizeof h, sodium_base64_VARIANT_ORIGINAL);
    snprintf(out, cap, "'sha256-%s'", b64);
}

/* Answers with the data file name as type, or 304 when the client's copy is current. */
static void serve(api_call *c, const char *name, const char *type)
{
    ig_str doc;
    if (!datafiles_get(name, &doc)) {
        api_fail(c, 500, MSG_INTERNAL, NULL);
        return;
    }
    unsigned char h[ETAG_BYTES];
    char etag[2 * ETAG_BYTES + 3];
    crypto_generichash(h, sizeof h, (const unsigned char *)doc.p, doc.n, NULL, 0);
    etag[0] = '"';
    sodium_bin2hex(etag + 1, 2 * ETAG_BYTES + 1, h, sizeof h);
    etag[2 * ETAG_BYTES + 1] = '"';
    etag[2 * ETAG_BYTES + 2] = '\0';
    api_header(c, "ETag", etag);
    api_header(c, "Cache-Control", "no-cache");
    api_header(c, "X-Content-Type-Options", "nosniff");
    c->raw_type = type;
    if (etag_listed(http_request_header(c->req, STR_LIT("If-None-Match")), etag)) {
        c->status = 304;
        return;
    }
    c->raw_body = malloc(doc.n);
    if (c->raw_body == NULL) {
        api_fail_status(c, IG_ENOMEM, NULL);
        return;
    }
    memcpy(c->raw_body, doc.p, doc.n);
    c->raw_len = doc.n;
    c->status = 200;
}

static void h_openapi(api_call *c)
{
    serve(c, "openapi.json", "application/json; charset=utf-8");
}

static void h_docs(api_call *c)
{
    ig_str doc;
    char script[80], style[80], csp[CSP_MAX];
    if (datafiles_get("docs.html", &doc)) {
        inline_hash(doc, "<script>", "</script>", script, sizeof script);
        inline_hash(doc, "<style>", "</style>", style, sizeof style);
        /* the page talks only to this server: it fetches the document and nothing else */
        snprintf(csp, sizeof csp,
                 "default-src 'none'; script-src %s; style-src %s; connect-src 'self'; img-src 'self' data:; "
                 "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
                 script[0] ? script : "'none'", style[0] ? style : "'none'");
        api_header(c, "Content-Security-Policy", csp);
    }
    serve(c, "docs.html", "text/html; charset=utf-8");
}

static const api_route R_OPENAPI = {API_NO_LIMIT | API_RAW, h_openapi};
static const api_route R_DOCS = {API_NO_LIMIT | API_RAW, h_docs};

const router_route api_docs_routes[] = {
    {"GET", "/api/v1/openapi.json", &R_OPENAPI},
    {"GET", "/docs", &R_DOCS},
};
const size_t api_docs_routes_count = sizeof api_docs_routes / sizeof api_docs_routes[0];

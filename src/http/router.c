/* A linear router: a few dozen routes, matched segment by segment without allocation. */
#include "http/router.h"

#include <stdlib.h>
#include <string.h>

typedef enum seg_kind { SEG_LIT, SEG_INT, SEG_STR } seg_kind;

typedef struct seg {
    seg_kind kind;
    ig_str text; /* literal text, or the parameter's name */
} seg;

typedef struct compiled {
    const router_route *route;
    ig_str method;
    size_t nsegs;
    seg segs[ROUTER_MAX_SEGMENTS];
} compiled;

struct router {
    const router_route *routes;
    size_t n;
    compiled *c;
};

/* Splits "/a/b/c" into segments; false when there are too many. */
static bool split(ig_str path, ig_str *out, size_t *n)
{
    *n = 0;
    if (path.n > 1 && path.p[path.n - 1] == '/')
        path.n--;
    size_t i = 0;
    if (path.n && path.p[0] == '/')
        i = 1;
    if (i >= path.n)
        return true;
    size_t start = i;
    for (; i <= path.n; i++) {
        if (i == path.n || path.p[i] == '/') {
            if (*n == ROUTER_MAX_SEGMENTS)
                return false;
            out[(*n)++] = str_make(path.p + start, i - start);
            start = i + 1;
        }
    }
    return true;
}

ig_status router_new(const router_route *routes, size_t n, router **out, ig_err *err)
{
    ig_status st = IG_OK;
    router *r = calloc(1, sizeof *r);
    if (r == NULL || (r->c = calloc(n ? n : 1, sizeof *r->c)) == NULL) {
        st = status_errf(err, IG_ENOMEM, "out of memory");
        goto out;
    }
    r->routes = routes;
    r->n = n;
    for (size_t i = 0; i < n; i++) {
        compiled *c = &r->c[i];
        c->route = &routes[i];
        c->method = str_cstr(routes[i].method);
        ig_str parts[ROUTER_MAX_SEGMENTS];
        size_t np = 0, nparams = 0;
        if (routes[i].pattern[0] != '/' || !split(str_cstr(routes[i].pattern), parts, &np)) {
            st = status_errf(err, IG_EINVAL, "bad route pattern %s", routes[i].pattern);
            goto out;
        }
        c->nsegs = np;
        for (size_t k = 0; k < np; k++) {
            ig_str s = parts[k];
            if (s.n >= 2 && s.p[0] == '<' && s.p[s.n - 1] == '>') {
                ig_str inner = str_make(s.p + 1, s.n - 2);
                if (++nparams > ROUTER_MAX_PARAMS) {
                    st = status_errf(err, IG_EINVAL, "too many parameters in %s", routes[i].pattern);
                    goto out;
                }
                const char *colon = memchr(inner.p, ':', inner.n);
                if (colon == NULL)
                    c->segs[k] = (seg){SEG_STR, inner};
                else if (inner.n > 4 && memcmp(inner.p, "int:", 4) == 0)
                    c->segs[k] = (seg){SEG_INT, str_make(inner.p + 4, inner.n - 4)};
                else if (inner.n > 4 && memcmp(inner.p, "str:", 4) == 0)
                    c->segs[k] = (seg){SEG_STR, str_make(inner.p + 4, inner.n - 4)};
                else
                    c->segs[k] = (seg){SEG_LIT, STR_NULL};
                if (c->segs[k].kind == SEG_LIT || c->segs[k].text.n == 0 ||
                    memchr(c->segs[k].text.p, ':', c->segs[k].text.n) != NULL) {
                    st = status_errf(err, IG_EINVAL, "bad parameter in route pattern %s", routes[i].pattern);
                    goto out;
                }
            } else if (s.n == 0) {
                st = status_errf(err, IG_EINVAL, "empty segment in route pattern %s", routes[i].pattern);
                goto out;
            } else {
                c->segs[k] = (seg){SEG_LIT, s};
            }
        }
    }
    *out = r;
    r = NULL;
out:
    router_free(r);
    return st;
}

void router_free(router *r)
{
    if (r == NULL)
        return;
    free(r->c);
    free(r);
}

const router_route *router_routes(const router *r, size_t *n)
{
    *n = r->n;
    return r->routes;
}

static bool match_segs(const compiled *c, const ig_str *parts, size_t np, router_match *m)
{
    if (c->nsegs != np)
        return false;
    size_t k = 0;
    for (size_t i = 0; i < np; i++) {
        const seg *s = &c->segs[i];
        switch (s->kind) {
        case SEG_LIT:
            if (!str_eq(s->text, parts[i]))
                return false;
            break;
        case SEG_INT: {
            unsigned long long v;
            if (parts[i].n > 18 || !str_to_u64(parts[i], &v))
                return false;
            m->param_names[k] = s->text;
            m->params[k] = parts[i];
            m->int_params[k++] = (int64_t)v;
            break;
        }
        case SEG_STR:
            if (parts[i].n == 0)
                return false;
            m->param_names[k] = s->text;
            m->params[k] = parts[i];
            m->int_params[k++] = 0;
            break;
        }
    }
    m->nparams = k;
    return true;
}

router_result router_match_path(const router *r, ig_str method, ig_str path, router_match *out)
{
    ig_str parts[ROUTER_MAX_SEGMENTS];
    size_t np;
    memset(out, 0, sizeof *out);
    if (!split(path, parts, &np))
        return ROUTER_NOT_FOUND;
    bool path_found = false;
    size_t alen = 0;
    router_match tmp;
    memset(&tmp, 0, sizeof tmp);
    for (size_t i = 0; i < r->n; i++) {
        const compiled *c = &r->c[i];
        if (!match_segs(c, parts, np, &tmp))
            continue;
        if (str_eq(c->method, method)) {
            tmp.route = c->route;
            *out = tmp;
            return ROUTER_FOUND;
        }
        path_found = true;
        if (alen + c->method.n + 2 < sizeof out->allow) {
            if (alen) {
                memcpy(out->allow + alen, ", ", 2);
                alen += 2;
            }
            memcpy(out->allow + alen, c->method.p, c->method.n);
            alen += c->method.n;
            out->allow[alen] = '\0';
        }
    }
    return path_found ? ROUTER_METHOD_NOT_ALLOWED : ROUTER_NOT_FOUND;
}

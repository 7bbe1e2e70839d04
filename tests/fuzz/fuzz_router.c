/* libFuzzer target for http/router. A first byte below 0x80 picks a method and the rest is a path
 * matched against the API's route table, with the match checked for consistency; otherwise the
 * rest is a newline-separated list of patterns to compile, then to match against themselves. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/router.h"

#define MAX_PATTERNS 8
#define MAX_PATTERN_LEN 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const METHODS[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "get"};

static const router_route ROUTES[] = {
    {"GET", "/", NULL},
    {"POST", "/api/v1/auth/register", NULL},
    {"POST", "/api/v1/auth/login", NULL},
    {"GET", "/api/v1/auth/profile", NULL},
    {"PATCH", "/api/v1/auth/profile", NULL},
    {"GET", "/api/v1/resumes", NULL},
    {"POST", "/api/v1/resumes", NULL},
    {"GET", "/api/v1/resumes/<int:id>", NULL},
    {"DELETE", "/api/v1/resumes/<int:id>", NULL},
    {"GET", "/api/v1/resumes/<int:id>/status", NULL},
    {"PATCH", "/api/v1/resumes/<int:id>/parse-result", NULL},
    {"GET", "/api/v1/questions/bank", NULL},
    {"GET", "/api/v1/questions/<int:id>/audio", NULL},
    {"GET", "/api/v1/interviews/stats", NULL},
    {"GET", "/api/v1/interviews/<int:id>", NULL},
    {"POST", "/api/v1/interviews/<int:id>/answers", NULL},
    {"GET", "/api/v1/users/<name>/files/<str:file>", NULL},
    {"GET", "/p/<int:a>/<int:b>/<c>/<d>", NULL},
    {"GET", "/healthz", NULL},
};
#define NROUTES (sizeof ROUTES / sizeof ROUTES[0])

/* Whether m is a believable answer for method + path. */
static void check_match(const router *r, ig_str method, ig_str path, router_result res,
                        const router_match *m, const router_route *table, size_t n)
{
    if (res == ROUTER_FOUND) {
        if (m->route < table || m->route >= table + n || !str_eq(str_cstr(m->route->method), method) ||
            m->nparams > ROUTER_MAX_PARAMS)
            __builtin_trap();
        for (size_t i = 0; i < m->nparams; i++) {
            ig_str p = m->params[i];
            if (p.n == 0 || p.p < path.p || p.p + p.n > path.p + path.n || memchr(p.p, '/', p.n))
                __builtin_trap();
            unsigned long long v;
            if (m->int_params[i] != 0 && (!str_to_u64(p, &v) || (int64_t)v != m->int_params[i]))
                __builtin_trap();
        }
        return;
    }
    size_t alen = strnlen(m->allow, sizeof m->allow);
    if (alen == sizeof m->allow || m->route != NULL)
        __builtin_trap();
    if (res == ROUTER_NOT_FOUND) {
        if (alen != 0)
            __builtin_trap();
        return;
    }
    if (res != ROUTER_METHOD_NOT_ALLOWED || alen == 0)
        __builtin_trap();
    /* the first allowed method really is routed there */
    const char *comma = memchr(m->allow, ',', alen);
    ig_str first = str_make(m->allow, comma ? (size_t)(comma - m->allow) : alen);
    router_match again;
    if (router_match_path(r, first, path, &again) != ROUTER_FOUND)
        __builtin_trap();
}

/* Matching path with one trailing slash added gives the same answer. */
static void check_slash(const router *r, ig_str method, ig_str path, router_result res)
{
    if (path.n == 0 || path.p[path.n - 1] == '/')
        return;
    char *copy = malloc(path.n + 1);
    if (copy == NULL)
        return;
    memcpy(copy, path.p, path.n);
    copy[path.n] = '/';
    router_match m;
    if (router_match_path(r, method, str_make(copy, path.n + 1), &m) != res)
        __builtin_trap();
    free(copy);
}

static void fuzz_paths(const uint8_t *data, size_t size)
{
    router *r = NULL;
    ig_err err;
    if (router_new(ROUTES, NROUTES, &r, &err) != IG_OK)
        __builtin_trap();
    ig_str method = str_cstr(METHODS[data[0] % (sizeof METHODS / sizeof METHODS[0])]);
    ig_str path = str_make((const char *)data + 1, size - 1);
    router_match m;
    router_result res = router_match_path(r, method, path, &m);
    check_match(r, method, path, res, &m, ROUTES, NROUTES);
    check_slash(r, method, path, res);
    router_free(r);
}

static void fuzz_patterns(const uint8_t *data, size_t size)
{
    char text[MAX_PATTERNS][MAX_PATTERN_LEN + 1];
    router_route routes[MAX_PATTERNS];
    size_t n = 0, start = 1;
    for (size_t i = 1; i <= size && n < MAX_PATTERNS; i++) {
        if (i == size || data[i] == '\n') {
            size_t len = i - start;
            if (len > MAX_PATTERN_LEN)
                len = MAX_PATTERN_LEN;
            memcpy(text[n], data + start, len);
            text[n][len] = '\0';
            routes[n] = (router_route){METHODS[n % 3], text[n], NULL};
            n++;
            start = i + 1;
        }
    }
    router *r = NULL;
    ig_err err = {IG_OK, ""};
    ig_status st = router_new(routes, n, &r, &err);
    if (st != IG_OK) {
        if (st != IG_EINVAL || r != NULL || err.msg[0] == '\0')
            __builtin_trap();
        return;
    }
    for (size_t i = 0; i < n; i++) {
        ig_str path = str_cstr(text[i]);
        for (size_t k = 0; k < 3; k++) {
            ig_str method = str_cstr(METHODS[k]);
            router_match m;
            router_result res = router_match_path(r, method, path, &m);
            check_match(r, method, path, res, &m, routes, n);
        }
    }
    router_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & 0x80)
        fuzz_patterns(data, size);
    else
        fuzz_paths(data, size);
    return 0;
}

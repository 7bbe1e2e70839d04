/* Method + path routing with typed path parameters, Flask style: "/api/v1/resumes/<int:id>",
 * "<name>" or "<str:name>" for any one segment. Distinguishes "no such path" (404) from "path
 * exists, wrong method" (405, with the Allow list). */
#ifndef IG_HTTP_ROUTER_H
#define IG_HTTP_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "core/str.h"

#define ROUTER_MAX_PARAMS 4
#define ROUTER_MAX_SEGMENTS 12

typedef struct router_route {
    const char *method;   /* "GET", "POST", ... */
    const char *pattern;  /* also the route's label in logs and metrics */
    const void *handler;  /* opaque to the router */
} router_route;

typedef struct router router;

typedef enum router_result {
    ROUTER_FOUND,
    ROUTER_NOT_FOUND,
    ROUTER_METHOD_NOT_ALLOWED,
} router_result;

typedef struct router_match {
    const router_route *route;
    size_t nparams;
    ig_str param_names[ROUTER_MAX_PARAMS];
    ig_str params[ROUTER_MAX_PARAMS];     /* point into the matched path */
    int64_t int_params[ROUTER_MAX_PARAMS];/* the value of <int:...> parameters, else 0 */
    char allow[128];                      /* for 405: "GET, POST" */
} router_match;

/* Compiles the table (borrowed: it must outlive the router). Bad patterns are IG_EINVAL. The
 * router is freed with router_free. */
ig_status router_new(const router_route *routes, size_t n, router **out, ig_err *err);
void router_free(router *r);
/* Matches method + path (explicit lengths; a single trailing slash is ignored). */
router_result router_match_path(const router *r, ig_str method, ig_str path, router_match *out);
/* The routes, for listings such as the OpenAPI check. */
const router_route *router_routes(const router *r, size_t *n);

#endif

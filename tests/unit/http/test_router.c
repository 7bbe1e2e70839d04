/* Tests for http/router: literal and typed segments, parameters pointing into the path, the single
 * ignored trailing slash, 404 against 405 with its Allow list, and the caps on patterns and paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/router.h"

/* Handlers are opaque to the router: distinct addresses are enough to tell routes apart. */
static const int H[16];

static const router_route ROUTES[] = {
    {"GET", "/", &H[0]},
    {"GET", "/api/v1/resumes", &H[1]},
    {"POST", "/api/v1/resumes", &H[2]},
    {"GET", "/api/v1/resumes/<int:id>", &H[3]},
    {"DELETE", "/api/v1/resumes/<int:id>", &H[4]},
    {"PATCH", "/api/v1/resumes/<int:id>/parse-result", &H[5]},
    {"GET", "/api/v1/users/<name>/files/<str:file>", &H[6]},
    {"GET", "/api/v1/resumes/stats", &H[7]},
    {"GET", "/a/<int:w>/<int:x>/<y>/<z>", &H[8]},
    {"GET", "/1/2/3/4/5/6/7/8/9/10/11/12", &H[9]},
};
#define NROUTES (sizeof ROUTES / sizeof ROUTES[0])

static int setup(void **state)
{
    router *r = NULL;
    ig_err err = {IG_OK, ""};
    assert_int_equal(router_new(ROUTES, NROUTES, &r, &err), IG_OK);
    *state = r;
    return 0;
}

static int teardown(void **state)
{
    router_free(*state);
    return 0;
}

static router_result match(const router *r, const char *method, const char *path, router_match *m)
{
    return router_match_path(r, str_cstr(method), str_cstr(path), m);
}

static bool str_is(ig_str s, const char *want)
{
    return str_eq(s, str_cstr(want));
}

static void test_literals(void **state)
{
    router *r = *state;
    router_match m;
    assert_int_equal(match(r, "GET", "/", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &ROUTES[0]);
    assert_int_equal(m.nparams, 0);
    assert_int_equal(match(r, "GET", "/api/v1/resumes", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route->handler, &H[1]);
    assert_int_equal(match(r, "POST", "/api/v1/resumes", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route->handler, &H[2]);
    /* a literal wins only where it matches; its own route comes back, not the <int> one */
    assert_int_equal(match(r, "GET", "/api/v1/resumes/stats", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &ROUTES[7]);
    /* literals are exact: case and prefixes matter */
    assert_int_equal(match(r, "GET", "/API/v1/resumes", &m), ROUTER_NOT_FOUND);
    assert_int_equal(match(r, "GET", "/api/v1/resume", &m), ROUTER_NOT_FOUND);
    assert_int_equal(match(r, "GET", "/api/v1/resumesx", &m), ROUTER_NOT_FOUND);
    assert_int_equal(match(r, "GET", "/api/v1", &m), ROUTER_NOT_FOUND);
}

static void test_int_params(void **state)
{
    router *r = *state;
    router_match m;
    assert_int_equal(match(r, "GET", "/api/v1/resumes/42", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &ROUTES[3]);
    assert_int_equal(m.nparams, 1);
    assert_true(str_is(m.param_names[0], "id"));
    assert_true(str_is(m.params[0], "42"));
    assert_int_equal(m.int_params[0], 42);

    assert_int_equal(match(r, "GET", "/api/v1/resumes/007", &m), ROUTER_FOUND);
    assert_int_equal(m.int_params[0], 7);
    assert_int_equal(match(r, "GET", "/api/v1/resumes/0", &m), ROUTER_FOUND);
    assert_int_equal(m.int_params[0], 0);
    assert_int_equal(match(r, "GET", "/api/v1/resumes/999999999999999999", &m), ROUTER_FOUND);
    assert_int_equal(m.int_params[0], 999999999999999999LL);

    static const char *const bad[] = {
        "/api/v1/resumes/-1", "/api/v1/resumes/+1", "/api/v1/resumes/1a", "/api/v1/resumes/0x10",
        "/api/v1/resumes/1.5", "/api/v1/resumes/%31", "/api/v1/resumes/ 1",
        "/api/v1/resumes/1000000000000000000",     /* 19 digits: past what an id can be */
        "/api/v1/resumes/99999999999999999999999", /* past uint64 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (match(r, "GET", bad[i], &m) != ROUTER_NOT_FOUND)
            fail_msg("%s matched", bad[i]);

    assert_int_equal(match(r, "PATCH", "/api/v1/resumes/12/parse-result", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &ROUTES[5]);
    assert_int_equal(m.int_params[0], 12);
}

static void test_str_and_many_params(void **state)
{
    router *r = *state;
    router_match m;
    const char *path = "/api/v1/users/bob/files/cv.pdf";
    assert_int_equal(match(r, "GET", path, &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &ROUTES[6]);
    assert_int_equal(m.nparams, 2);
    assert_true(str_is(m.param_names[0], "name"));
    assert_true(str_is(m.param_names[1], "file"));
    assert_true(str_is(m.params[0], "bob"));
    assert_true(str_is(m.params[1], "cv.pdf"));
    assert_int_equal(m.int_params[1], 0);
    /* parameters point into the caller's path */
    assert_ptr_equal(m.params[0].p, path + 14);
    /* a str segment is never empty and never spans a slash */
    assert_int_equal(match(r, "GET", "/api/v1/users//files/x", &m), ROUTER_NOT_FOUND);
    assert_int_equal(match(r, "GET", "/api/v1/users/a/b/files/x", &m), ROUTER_NOT_FOUND);

    assert_int_equal(match(r, "GET", "/a/1/22/three/four", &m), ROUTER_FOUND);
    assert_int_equal(m.nparams, ROUTER_MAX_PARAMS);
    assert_int_equal(m.int_params[0], 1);
    assert_int_equal(m.int_params[1], 22);
    assert_true(str_is(m.params[2], "three"));
    assert_true(str_is(m.param_names[3], "z"));
    assert_true(str_is(m.params[3], "four"));
}

static void test_trailing_slash(void **state)
{
    router *r = *state;
    router_match m;
    assert_int_equal(match(r, "GET", "/api/v1/resumes/", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &ROUTES[1]);
    assert_int_equal(match(r, "GET", "/api/v1/resumes/5/", &m), ROUTER_FOUND);
    assert_int_equal(m.int_params[0], 5);
    assert_true(str_is(m.params[0], "5"));
    /* only one slash is forgiven */
    assert_int_equal(match(r, "GET", "/api/v1/resumes//", &m), ROUTER_NOT_FOUND);
    assert_int_equal(match(r, "GET", "//api/v1/resumes", &m), ROUTER_NOT_FOUND);
    assert_int_equal(match(r, "GET", "/api//v1/resumes", &m), ROUTER_NOT_FOUND);
}

static void test_explicit_length(void **state)
{
    router *r = *state;
    router_match m;
    /* the bytes after the given length are not part of the path */
    const char buf[] = "/api/v1/resumes/77/parse-result";
    assert_int_equal(router_match_path(r, STR_LIT("GET"), str_make(buf, 18), &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &ROUTES[3]);
    assert_int_equal(m.int_params[0], 77);
    assert_int_equal(m.params[0].n, 2);
    assert_int_equal(router_match_path(r, STR_LIT("GETX"), str_make(buf, 18), &m),
                     ROUTER_METHOD_NOT_ALLOWED);
    assert_int_equal(router_match_path(r, str_make("GETX", 3), str_make(buf, 18), &m), ROUTER_FOUND);
}

static void test_404_vs_405(void **state)
{
    router *r = *state;
    router_match m;
    assert_int_equal(match(r, "PUT", "/api/v1/resumes", &m), ROUTER_METHOD_NOT_ALLOWED);
    assert_string_equal(m.allow, "GET, POST");
    assert_null(m.route);
    assert_int_equal(match(r, "POST", "/api/v1/resumes/3", &m), ROUTER_METHOD_NOT_ALLOWED);
    assert_string_equal(m.allow, "GET, DELETE");
    assert_int_equal(match(r, "GET", "/api/v1/resumes/3/parse-result", &m), ROUTER_METHOD_NOT_ALLOWED);
    assert_string_equal(m.allow, "PATCH");
    /* methods are case-sensitive tokens */
    assert_int_equal(match(r, "get", "/", &m), ROUTER_METHOD_NOT_ALLOWED);
    assert_string_equal(m.allow, "GET");
    /* a path no route has is 404 whatever the method, with no Allow list */
    assert_int_equal(match(r, "PUT", "/nope", &m), ROUTER_NOT_FOUND);
    assert_string_equal(m.allow, "");
    assert_int_equal(match(r, "GET", "/api/v1/resumes/abc", &m), ROUTER_NOT_FOUND);
    assert_int_equal(match(r, "DELETE", "/api/v1/resumes/abc", &m), ROUTER_NOT_FOUND);
}

static void test_allow_list_capped(void **state)
{
    (void)state;
    /* forty methods on one path: the Allow list is cut to its buffer, never past it */
    enum { N = 40 };
    router_route routes[N];
    char names[N][24];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "METHOD%02d", i);
        routes[i] = (router_route){names[i], "/same", NULL};
    }
    router *r = NULL;
    ig_err err;
    assert_int_equal(router_new(routes, N, &r, &err), IG_OK);
    router_match m;
    assert_int_equal(match(r, "GET", "/same", &m), ROUTER_METHOD_NOT_ALLOWED);
    size_t len = strnlen(m.allow, sizeof m.allow);
    assert_true(len < sizeof m.allow);
    assert_true(len > 100);
    /* whole entries only: "METHOD00, METHOD01, ..., METHODkk" */
    assert_memory_equal(m.allow, "METHOD00, METHOD01, ", 20);
    assert_int_equal((len + 2) % 10, 0);
    assert_memory_equal(m.allow + len - 8, names[(len + 2) / 10 - 1], 8);
    assert_int_equal(match(r, "METHOD39", "/same", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &routes[39]);
    router_free(r);
}

static void test_bad_patterns_rejected(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "api/v1/resumes",
        "<int:id>",
        "/a/<a>/<b>/<c>/<d>/<e>",                 /* five parameters */
        "/1/2/3/4/5/6/7/8/9/10/11/12/13",          /* thirteen segments */
        "/<int:a>/<int:b>/<int:c>/<int:d>/<int:e>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        router_route routes[] = {{"GET", "/ok", NULL}, {"GET", bad[i], NULL}};
        static char mark;
        router *r = (router *)&mark; /* *out is left alone on failure */
        ig_err err = {IG_OK, ""};
        if (router_new(routes, 2, &r, &err) != IG_EINVAL)
            fail_msg("pattern '%s' accepted", bad[i]);
        assert_ptr_equal(r, (router *)&mark);
        assert_true(strlen(err.msg) > 0);
    }
    /* the limits themselves are fine */
    router_route edge[] = {{"GET", "/<a>/<b>/<c>/<d>", NULL}, {"GET", "/1/2/3/4/5/6/7/8/9/10/11/12/", NULL}};
    router *r = NULL;
    ig_err err;
    assert_int_equal(router_new(edge, 2, &r, &err), IG_OK);
    router_free(r);
    /* an empty table routes nothing */
    assert_int_equal(router_new(NULL, 0, &r, &err), IG_OK);
    router_match m;
    assert_int_equal(match(r, "GET", "/", &m), ROUTER_NOT_FOUND);
    router_free(r);
    router_free(NULL);
}

static void test_segment_caps(void **state)
{
    router *r = *state;
    router_match m;
    assert_int_equal(match(r, "GET", "/1/2/3/4/5/6/7/8/9/10/11/12", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &ROUTES[9]);
    assert_int_equal(match(r, "GET", "/1/2/3/4/5/6/7/8/9/10/11/12/", &m), ROUTER_FOUND);
    assert_int_equal(match(r, "GET", "/1/2/3/4/5/6/7/8/9/10/11/12/13", &m), ROUTER_NOT_FOUND);

    /* thousands of segments, or of slashes alone */
    size_t n = 20000;
    char *p = malloc(n + 1);
    assert_non_null(p);
    for (size_t i = 0; i < n; i += 2) {
        p[i] = '/';
        p[i + 1] = 'x';
    }
    p[n] = '\0';
    assert_int_equal(match(r, "GET", p, &m), ROUTER_NOT_FOUND);
    memset(p, '/', n);
    assert_int_equal(match(r, "GET", p, &m), ROUTER_NOT_FOUND);
    free(p);
}

static void test_very_long_paths(void **state)
{
    router *r = *state;
    router_match m;
    size_t n = 1 << 20;
    char *p = malloc(n + 1);
    assert_non_null(p);
    memcpy(p, "/api/v1/users/", 14);
    memset(p + 14, 'n', n - 14);
    p[n] = '\0';
    /* one huge segment is just a long name */
    assert_int_equal(match(r, "GET", p, &m), ROUTER_NOT_FOUND);
    memcpy(p + n - 10, "/files/f.x", 10);
    assert_int_equal(match(r, "GET", p, &m), ROUTER_FOUND);
    assert_int_equal(m.params[0].n, n - 14 - 10);
    assert_true(str_is(m.params[1], "f.x"));
    /* a huge number is not an id */
    memcpy(p, "/api/v1/resumes/", 16);
    memset(p + 16, '9', n - 16);
    assert_int_equal(match(r, "GET", p, &m), ROUTER_NOT_FOUND);
    free(p);
}

static void test_routes_listing(void **state)
{
    router *r = *state;
    size_t n = 0;
    assert_ptr_equal(router_routes(r, &n), ROUTES);
    assert_int_equal(n, NROUTES);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_literals),
        T(test_int_params),
        T(test_str_and_many_params),
        T(test_trailing_slash),
        T(test_explicit_length),
        T(test_404_vs_405),
        cmocka_unit_test(test_allow_list_capped),
        cmocka_unit_test(test_bad_patterns_rejected),
        T(test_segment_caps),
        T(test_very_long_paths),
        T(test_routes_listing),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}

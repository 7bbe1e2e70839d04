/* The dispatcher: route matching, CORS, rate limits and content checks on the loop (a Redis
 * limiter's on the worker thread instead), handlers on worker threads, the JSON envelope, access
 * logs and metrics. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ALLOW_HEADERS "Authorization, Content-Type, Accept-Language, X-Request-Id"
#define EXPOSE_HEADERS "X-Request-Id, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"

static void call_cleanup(void *arg)
{
    api_call *c = arg;
    json_decref(c->body);
    json_decref(c->data);
    json_decref(c->details);
    json_decref(c->pagination);
    free(c->raw_body);
    if (c->has_file)
        close(c->file_fd);
}

static api_call *call_get(api_app *app, http_exchange *x)
{
    api_call *c = http_exchange_data(x);
    if (c)
        return c;
    http_request *req = http_exchange_request(x);
    c = pool_calloc(req->pool, sizeof *c);
    if (c == NULL || pool_cleanup_add(req->pool, call_cleanup, c) != 0)
        return NULL;
    c->app = app;
    c->x = x;
    c->req = req;
    c->pool = req->pool;
    c->lang = msg_lang(http_request_header(req, STR_LIT("Accept-Language")));
    http_exchange_set_data(x, c);
    return c;
}

void api_ok(api_call *c, int status, msg_id message, json_t *data)
{
    c->status = status;
    c->message = message;
    json_decref(c->data);
    c->data = data;
}

void api_ok_page(api_call *c, json_t *data, int64_t page, int64_t per_page, int64_t total)
{
    json_t *paging = json_pack("{s:I, s:I, s:I}", "page", (json_int_t)page, "per_page", (json_int_t)per_page, "total",
                               (json_int_t)total);
    if (data == NULL || paging == NULL) {
        json_decref(data);
        json_decref(paging);
        api_fail_status(c, IG_ENOMEM, NULL);
        return;
    }
    api_ok(c, 200, MSG_NONE, data);
    json_decref(c->pagination);
    c->pagination = paging;
}

void api_fail(api_call *c, int status, msg_id message, json_t *details)
{
    c->status = status;
    c->message = message;
    json_decref(c->details);
    c->details = details;
}

void api_fail_field(api_call *c, const char *field, msg_id message)
{
    json_t *d = json_pack("{s:[s]}", field, msg_get(message, c->lang));
    api_fail(c, 400, MSG_VALIDATION, d);
}

void api_fail_status(api_call *c, ig_status st, const ig_err *err)
{
    int http = status_http(st);
    msg_id m = MSG_INTERNAL;
    switch (http) {
    case 400: m = MSG_VALIDATION; break;
    case 401: m = MSG_TOKEN_INVALID; break;
    case 404: m = MSG_NOT_FOUND; break;
    case 413: m = MSG_TOO_LARGE; break;
    case 429: m = MSG_RATE_LIMITED; break;
    case 503: m = st == IG_EUNAVAIL ? MSG_DEPENDENCY_UNAVAILABLE : MSG_UNAVAILABLE; break;
    default: break;
    }
    if (st == IG_EUNAVAIL)
        api_header(c, "Retry-After", "5");
    if (http >= 500)
        log_emit(c->app->log, st == IG_EUNAVAIL ? IG_LOG_WARN : IG_LOG_ERROR, "handler_error",
                 json_pack("{s:s, s:s, s:s}", "request_id", c->req->request_id, "status", status_name(st),
                           "error", err ? err->msg : ""));
    api_fail(c, http, m, NULL);
}

void api_send_file(api_call *c, int fd, uint64_t size)
{
    c->has_file = true;
    c->file_fd = fd;
    c->file_size = size;
}

void api_header(api_call *c, const char *name, const char *value)
{
    size_t len = strlen(c->extra_headers);
    snprintf(c->extra_headers + len, sizeof c->extra_headers - len, "%s: %s\r\n", name, value);
}

bool api_rate_limit(api_call *c, const char *key, const ratelimit_rule *rule)
{
    api_app *app = c->app;
    if (!app->cfg->ratelimit_enabled)
        return true;
    ratelimit_result r;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (ratelimit_hit(&app->limiter, key, strlen(key), rule, now_ms, &r) != IG_OK)
        return true; /* a limiter failure must not take the API down */
    if (!c->rl_set || !r.allowed || r.remaining < c->rl.remaining) {
        c->rl = r;
        c->rl_set = true;
    }
    if (!r.allowed) {
        api_fail(c, 429, MSG_RATE_LIMITED, NULL);
        return false;
    }
    return true;
}

/* ---- responding ---- */

static void add_header(api_call *c, const char *name, const char *value)
{
    http_exchange_add_header(c->x, str_cstr(name), str_cstr(value));
}

static void add_raw_headers(api_call *c, const char *lines)
{
    /* "Name: value\r\n" lines */
    const char *p = lines;
    while (*p) {
        const char *eol = strstr(p, "\r\n");
        if (eol == NULL)
            break;
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        if (colon)
            http_exchange_add_header(c->x, str_make(p, (size_t)(colon - p)),
                                     str_trim(str_make(colon + 1, (size_t)(eol - colon - 1))));
        p = eol + 2;
    }
}

static void respond(api_call *c)
{
    if (c->status == 0) {
        c->status = 500;
        c->message = MSG_INTERNAL;
    }
    if (c->cors_origin) {
        add_header(c, "Access-Control-Allow-Origin", c->cors_origin);
        add_header(c, "Access-Control-Expose-Headers", EXPOSE_HEADERS);
    }
    if (c->app->cfg->cors_origins[0])
        add_header(c, "Vary", "Origin");
    if (c->rl_set) {
        char h[RATELIMIT_HEADERS_MAX];
        ratelimit_headers(&c->rl, h, sizeof h);
        add_raw_headers(c, h);
    }
    add_raw_headers(c, c->extra_headers);
    if (c->has_file && c->status < 400) {
        c->has_file = false; /* the server owns the descriptor now */
        http_exchange_respond_file(c->x, c->status, c->raw_type, c->file_fd, c->file_size, c->resp_flags);
        return;
    }
    if (c->def && (c->def->flags & API_RAW) && c->status < 400) {
        http_exchange_respond(c->x, c->status, c->raw_type, c->raw_body ? c->raw_body : "", c->raw_len,
                              c->resp_flags);
        return;
    }
    if (c->status == 204) {
        http_exchange_respond(c->x, 204, NULL, "", 0, c->resp_flags);
        return;
    }
    json_t *env;
    if (c->status < 400) {
        env = json_pack("{s:b}", "success", 1);
        if (c->message != MSG_NONE)
            json_object_set_new(env, "message", json_string(msg_get(c->message, c->lang)));
        if (c->data)
            json_object_set(env, "data", c->data);
        if (c->pagination)
            json_object_set(env, "pagination", c->pagination);
    } else {
        json_t *e = json_pack("{s:s}", "message", msg_get(c->message, c->lang));
        if (c->details)
            json_object_set(e, "details", c->details);
        env = json_pack("{s:b, s:o}", "success", 0, "error", e);
    }
    char *text = env ? json_dumps(env, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
    json_decref(env);
    if (text == NULL) {
        static const char oom[] = "{\"success\":false,\"error\":{\"message\":\"out of memory\"}}";
        http_exchange_respond(c->x, 500, "application/json", oom, sizeof oom - 1, HTTP_RESP_CLOSE);
        return;
    }
    http_exchange_respond(c->x, c->status, "application/json; charset=utf-8", text, strlen(text),
                          c->resp_flags);
    free(text);
}

/* ---- running handlers ---- */

static void authenticate(api_call *c)
{
    ig_str h = http_request_header(c->req, STR_LIT("Authorization"));
    if (h.p == NULL || h.n < 7 || !str_caseeq(str_make(h.p, 7), STR_LIT("Bearer "))) {
        api_fail(c, 401, MSG_TOKEN_MISSING, NULL);
        return;
    }
    ig_str tok = str_trim(str_make(h.p + 7, h.n - 7));
    auth_fail why;
    ig_err err = {0};
    ig_status st = auth_authenticate(c->app->auth, tok.p, tok.n, &c->id, &why, &err);
    if (st == IG_OK)
        return;
    if (st != IG_EAUTH) {
        api_fail_status(c, st, &err);
        return;
    }
    msg_id m = why == AUTH_FAIL_EXPIRED   ? MSG_TOKEN_EXPIRED
               : why == AUTH_FAIL_REVOKED ? MSG_TOKEN_REVOKED
               : why == AUTH_FAIL_USER    ? MSG_USER_INVALID
                                          : MSG_TOKEN_INVALID;
    api_fail(c, 401, m, NULL);
}

static bool route_limits(api_call *c);

static void run_handler(api_call *c)
{
    if (c->limit_on_worker && !route_limits(c))
        return;
    if (c->def->flags & API_AUTH) {
        authenticate(c);
        if (c->status != 0)
            return;
    }
    c->def->handle(c);
}

static void finish(api_call *c)
{
    respond(c);
}

static void on_work(uv_work_t *w)
{
    api_call *c = w->data;
    atomic_fetch_sub(&c->app->queued, 1);
    run_handler(c);
}

static void on_work_done(uv_work_t *w, int status)
{
    (void)status;
    finish(w->data);
}

static void on_job(workpool_job *j)
{
    api_call *c = (api_call *)((char *)j - offsetof(api_call, job));
    run_handler(c);
}

static void on_job_done(workpool_job *j)
{
    finish((api_call *)((char *)j - offsetof(api_call, job)));
}

/* ---- CORS ---- */

static const char *cors_allowed(api_call *c, ig_str origin)
{
    const char *list = c->app->cfg->cors_origins;
    if (origin.p == NULL || list[0] == '\0')
        return NULL;
    if (strcmp(list, "*") == 0)
        return "*";
    if (!str_list_has(str_cstr(list), origin))
        return NULL;
    return pool_strndup(c->pool, origin.p, origin.n);
}

static void preflight(api_call *c, const char *allow)
{
    ig_str acrm = http_request_header(c->req, STR_LIT("Access-Control-Request-Method"));
    if (acrm.p && c->cors_origin) {
        add_header(c, "Access-Control-Allow-Methods", allow);
        add_header(c, "Access-Control-Allow-Headers", ALLOW_HEADERS);
        add_header(c, "Access-Control-Max-Age", "600");
    }
    add_header(c, "Allow", allow);
    c->status = 204;
    respond(c);
}

/* ---- HTTP callbacks ---- */

/* The cheap part of authentication (signature, type, expiry; no store), for the loop thread. */
static msg_id token_precheck(api_app *app, const http_request *req)
{
    ig_str h = http_request_header(req, STR_LIT("Authorization"));
    if (h.p == NULL || h.n < 7 || !str_caseeq(str_make(h.p, 7), STR_LIT("Bearer ")))
        return MSG_TOKEN_MISSING;
    ig_str tok = str_trim(str_make(h.p + 7, h.n - 7));
    token_claims claims;
    if (token_verify(&app->auth->key, tok.p, tok.n, TOKEN_ACCESS, time(NULL), &claims, NULL) != IG_OK)
        return claims.expired ? MSG_TOKEN_EXPIRED : MSG_TOKEN_INVALID;
    return MSG_NONE;
}

static uint64_t cb_body_limit(http_exchange *x, void *udata)
{
    api_app *app = udata;
    api_call *c = call_get(app, x);
    if (c == NULL)
        return 0;
    if (app->mount.match && app->mount.match(c->req->path.p, c->req->path.n)) {
        c->mounted = true;
        return app->mount.body_limit(x, app->mount.arg);
    }
    c->rr = router_match_path(app->router, c->req->method_name, c->req->path, &c->match);
    if (c->rr == ROUTER_FOUND && (((const api_route *)c->match.route->handler)->flags & API_UPLOAD)) {
        /* an upload without a genuine token is refused on its headers: anonymous clients never
         * get to stream a body onto the disk (revocation is checked later, by the handler) */
        msg_id why = token_precheck(app, c->req);
        if (why != MSG_NONE) {
            c->message = why;
            http_exchange_refuse(x, 401);
            return 0;
        }
        c->upload = upload_begin(app->loop, x, app->upload_tmp,
                                 http_request_header(c->req, STR_LIT("Content-Type")));
        if (c->upload)
            return app->cfg->max_content_length;
    }
    return app->cfg->max_json_body;
}

static bool is_json_type(ig_str ct)
{
    ig_str base = ct;
    const char *semi = memchr(ct.p, ';', ct.n);
    if (semi)
        base = str_make(ct.p, (size_t)(semi - ct.p));
    base = str_trim(base);
    if (str_caseeq(base, STR_LIT("application/json")))
        return true;
    return base.n > 5 && str_caseeq(str_make(base.p + base.n - 5, 5), STR_LIT("+json"));
}

static void schedule(api_call *c);

static void on_upload_flushed(void *arg, bool ok)
{
    api_call *c = arg;
    if (!ok) {
        api_fail(c, 500, MSG_INTERNAL, NULL);
        log_printf(c->app->log, IG_LOG_ERROR, "upload_failed", "request %s: writing the upload failed",
                   c->req->request_id);
        respond(c);
        return;
    }
    schedule(c);
}

/* The per-IP limits of the route (and the stricter auth limit); false with a 429 on c when over. */
static bool route_limits(api_call *c)
{
    char key[128];
    snprintf(key, sizeof key, "ip:%s", c->req->client_ip);
    if (!api_rate_limit(c, key, &c->app->rl_default))
        return false;
    if (c->def->flags & API_AUTH_LIMIT) {
        snprintf(key, sizeof key, "auth:%s:%s", c->req->client_ip, c->route->pattern);
        if (!api_rate_limit(c, key, &c->app->rl_auth))
            return false;
    }
    return true;
}

static void cb_on_request(http_exchange *x, void *udata)
{
    api_app *app = udata;
    api_call *c = call_get(app, x);
    if (c == NULL) {
        static const char oom[] = "{\"success\":false,\"error\":{\"message\":\"out of memory\"}}";
        http_exchange_respond(x, 500, "application/json", oom, sizeof oom - 1, HTTP_RESP_CLOSE);
        return;
    }
    atomic_fetch_add(&app->in_flight, 1);
    if (c->mounted) {
        app->mount.on_request(x, app->mount.arg);
        return;
    }
    http_request *req = c->req;
    bool is_api = req->path.n >= 5 && memcmp(req->path.p, "/api/", 5) == 0;
    if (is_api)
        c->cors_origin = cors_allowed(c, http_request_header(req, STR_LIT("Origin")));

    router_result rr = c->rr;
    if (str_eq(req->method_name, STR_LIT("OPTIONS")) && rr != ROUTER_NOT_FOUND) {
        preflight(c, rr == ROUTER_FOUND ? "OPTIONS" : c->match.allow);
        return;
    }
    if (rr == ROUTER_NOT_FOUND && api_web_wants(c)) {
        c->route = &api_web_route;
        c->def = c->route->handler;
        schedule(c);
        return;
    }
    if (rr == ROUTER_NOT_FOUND) {
        api_fail(c, 404, MSG_NOT_FOUND, NULL);
        respond(c);
        return;
    }
    if (rr == ROUTER_METHOD_NOT_ALLOWED) {
        add_header(c, "Allow", c->match.allow);
        api_fail(c, 405, MSG_METHOD_NOT_ALLOWED, NULL);
        respond(c);
        return;
    }
    c->route = c->match.route;
    c->def = c->route->handler;

    /* The loop never waits on the network: a remote (Redis) limiter is asked on the worker that
     * runs the handler. Routes that run on the loop are exempt from a remote limiter. */
    if (!(c->def->flags & API_NO_LIMIT) && app->cfg->ratelimit_enabled) {
        if (!app->limiter.blocking) {
            if (!route_limits(c)) {
                respond(c);
                return;
            }
        } else if (!(c->def->flags & API_ON_LOOP)) {
            c->limit_on_worker = true;
        }
    }
    if (c->def->flags & API_JSON) {
        ig_str ct = http_request_header(req, STR_LIT("Content-Type"));
        if (ct.p != NULL && req->body.n > 0 && !is_json_type(ct)) {
            api_fail(c, 415, MSG_UNSUPPORTED_MEDIA, NULL);
            respond(c);
            return;
        }
    }
    if (c->upload) {
        upload_finish(c->upload, on_upload_flushed, c);
        return;
    }
    schedule(c);
}

static void schedule(api_call *c)
{
    api_app *app = c->app;
    if (c->def->flags & API_ON_LOOP) {
        run_handler(c);
        finish(c);
    } else if (c->def->flags & API_HASH_POOL) {
        c->job.work = on_job;
        c->job.done = on_job_done;
        workpool_submit(app->hash_pool, &c->job);
    } else {
        c->work.data = c;
        atomic_fetch_add(&app->queued, 1);
        if (uv_queue_work(app->loop, &c->work, on_work, on_work_done) != 0) {
            atomic_fetch_sub(&app->queued, 1);
            api_fail(c, 503, MSG_UNAVAILABLE, NULL);
            respond(c);
        }
    }
}

static void cb_on_reject(http_exchange *x, int status, void *udata)
{
    api_app *app = udata;
    api_call *c = call_get(app, x);
    if (c == NULL) {
        http_exchange_respond(x, status, "application/json", "{\"success\":false}", 17, HTTP_RESP_CLOSE);
        return;
    }
    atomic_fetch_add(&app->in_flight, 1);
    msg_id m = c->message != MSG_NONE ? c->message
               : status == 413 ? MSG_TOO_LARGE
               : status == 431 ? MSG_HEADERS_TOO_LARGE
               : status == 408 ? MSG_TIMEOUT
               : status == 417 ? MSG_EXPECTATION_FAILED
               : status == 503 ? MSG_UNAVAILABLE
               : status >= 500 ? MSG_INTERNAL
                               : MSG_BAD_REQUEST;
    api_fail(c, status, m, NULL);
    c->resp_flags |= HTTP_RESP_CLOSE;
    respond(c);
}

static void cb_on_done(http_exchange *x, void *udata)
{
    api_app *app = udata;
    api_call *c = http_exchange_data(x);
    http_request *req = http_exchange_request(x);
    int status = http_exchange_status(x);
    double secs = (double)(uv_hrtime() - req->start_ns) / 1e9;
    const char *route = c && c->route ? c->route->pattern : c && c->mounted ? app->mount.label : "unmatched";
    const char *method = req->method_name.p; /* static strings */
    atomic_fetch_sub(&app->in_flight, 1);
    metrics_observe(app->metrics, route, method, status, secs);
    if (log_enabled(app->log, IG_LOG_INFO)) {
        json_t *f = json_pack("{s:s, s:s, s:s%, s:s, s:i, s:f, s:s}", "request_id", req->request_id, "method",
                              method, "path", req->path.p ? req->path.p : "", req->path.n, "route", route,
                              "status", status, "duration_ms", (double)(long long)(secs * 1e6) / 1e3, "ip", req->client_ip);
        if (f && c && c->id.user.id)
            json_object_set_new(f, "user_id", json_integer(c->id.user.id));
        log_emit(app->log, IG_LOG_INFO, "request", f);
    }
}

static const http_callbacks CALLBACKS = {
    .body_limit = cb_body_limit,
    .on_request = cb_on_request,
    .on_reject = cb_on_reject,
    .on_done = cb_on_done,
};

const http_callbacks *api_http_callbacks(void)
{
    return &CALLBACKS;
}

router_route *api_route_table(bool resumes, bool interviews, size_t *n)
{
    const struct {
        const router_route *routes;
        size_t n;
    } tables[] = {
        {api_auth_routes, api_auth_routes_count},
        {api_ops_routes, api_ops_routes_count},
        {api_docs_routes, api_docs_routes_count},
        {api_resumes_routes, resumes ? api_resumes_routes_count : 0},
        {api_upload_routes, resumes ? api_upload_routes_count : 0},
        {api_questions_routes, interviews ? api_questions_routes_count : 0},
        {api_interviews_routes, interviews ? api_interviews_routes_count : 0},
    };
    size_t total = 0;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        total += tables[i].n;
    router_route *all = calloc(total, sizeof *all);
    if (all == NULL)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        memcpy(all + k, tables[i].routes, tables[i].n * sizeof *all);
        k += tables[i].n;
    }
    *n = total;
    return all;
}

ig_status api_init(api_app *app, ig_err *err)
{
    /* the resume routes exist once main has given the API its resumes service; the question and
     * interview routes once it has given their services */
    size_t n = 0;
    router_route *all = api_route_table(app->resumes != NULL, app->questions != NULL && app->interviews != NULL, &n);
    if (all == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");
    ig_status st = router_new(all, n, &app->router, err);
    if (st != IG_OK)
        free(all);
    return st;
}

void api_free(api_app *app)
{
    if (app->router == NULL)
        return;
    size_t n;
    const router_route *all = router_routes(app->router, &n);
    router_free(app->router);
    free((void *)all);
    app->router = NULL;
}

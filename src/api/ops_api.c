/* Operations: liveness, readiness and Prometheus metrics. */
#include <stdlib.h>

#include "api/api.h"
#include "core/buf.h"

static void h_healthz(api_call *c)
{
    api_ok(c, 200, MSG_NONE, json_pack("{s:s}", "status", "ok"));
}

static void h_readyz(api_call *c)
{
    ig_err err = {0};
    int version = 0;
    ig_status st = store_ping(c->app->store, &err);
    if (st == IG_OK)
        st = store_schema_version(c->app->store, &version, &err);
    if (st != IG_OK) {
        api_fail(c, 503, MSG_NOT_READY, json_pack("{s:s}", "database", err.msg));
        return;
    }
    api_ok(c, 200, MSG_NONE, json_pack("{s:s, s:s, s:i}", "status", "ready", "database", "ok", "schema_version", version));
}

static void h_metrics(api_call *c)
{
    api_app *app = c->app;
    metrics_gauge g[] = {
        {"ig_http_requests_in_flight", "Requests received and not yet answered.",
         (double)atomic_load(&app->in_flight)},
        {"ig_http_connections", "Open HTTP connections.", (double)http_server_connections(app->server)},
        {"ig_workpool_queue_depth", "Handlers waiting for a request worker thread.", (double)atomic_load(&app->queued)},
        {"ig_hashpool_queue_depth", "Password hashing jobs waiting for a thread.", (double)workpool_depth(app->hash_pool)},
        {"ig_ratelimit_keys", "Keys tracked by the rate limiter.",
         app->limiter.count ? (double)ratelimit_count(&app->limiter) : 0},
    };
    ig_buf out;
    buf_init(&out, 16 * 1024 * 1024);
    ig_status st = metrics_render(app->metrics, g, sizeof g / sizeof g[0], &out);
    /* the AI engine's calls, fallbacks and tokens (counters under a short lock: fine on the loop) */
    if (st == IG_OK && app->questions != NULL)
        st = ai_engine_metrics(app->questions->engine, &out);
    if (st != IG_OK) {
        buf_free(&out);
        api_fail(c, 500, MSG_INTERNAL, NULL);
        return;
    }
    c->raw_body = buf_steal(&out, &c->raw_len);
    c->raw_type = "text/plain; version=0.0.4; charset=utf-8";
    c->status = 200;
}

static const api_route R_HEALTHZ = {API_ON_LOOP | API_NO_LIMIT, h_healthz};
static const api_route R_READYZ = {API_NO_LIMIT, h_readyz};
static const api_route R_METRICS = {API_ON_LOOP | API_NO_LIMIT | API_RAW, h_metrics};

const router_route api_ops_routes[] = {
    {"GET", "/healthz", &R_HEALTHZ},
    {"GET", "/readyz", &R_READYZ},
    {"GET", "/metrics", &R_METRICS},
};
const size_t api_ops_routes_count = sizeof api_ops_routes / sizeof api_ops_routes[0];

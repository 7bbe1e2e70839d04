/* The API layer: the application context every handler sees, the per-request call, and the
 * dispatcher that connects the HTTP server to handlers. A request is matched, CORS- and
 * rate-checked on the loop; its handler then runs on a worker thread (libuv's pool, or the
 * password-hashing pool for routes that hash) and the envelope is written back on the loop. */
#ifndef IG_API_API_H
#define IG_API_API_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <uv.h>

#include "api/fields.h"
#include "api/messages.h"
#include "api/upload.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/workpool.h"
#include "http/ratelimit.h"
#include "http/router.h"
#include "http/server.h"
#include "services/auth.h"
#include "services/interviews.h"
#include "services/questions.h"
#include "services/resumes.h"
#include "store/store.h"

/* Another protocol served beside the API under a path prefix (the Socket.IO server under
 * /socket.io/): its requests skip routing, CORS, rate limits and handlers; body_limit and
 * on_request are the mount's own (arg passed through), while access logs and metrics stay the
 * API's. match says whether a path (n bytes) is the mount's. */
typedef struct api_mount {
    bool (*match)(const char *path, size_t n);
    uint64_t (*body_limit)(http_exchange *x, void *arg);
    void (*on_request)(http_exchange *x, void *arg);
    void *arg;
    const char *label;            /* the route in logs and metrics */
} api_mount;

/* Everything the API needs, owned by main; read-only while serving except where noted. */
typedef struct api_app {
    const ig_config *cfg;
    ig_log *log;
    uv_loop_t *loop;
    ig_store *store;
    auth_service *auth;
    resumes_service *resumes;
    questions_service *questions; /* NULL: no question or interview routes */
    interviews_service *interviews;
    workpool *hash_pool;          /* password hashing */
    ig_metrics *metrics;          /* loop thread only */
    ratelimit_backend limiter;    /* thread-safe */
    ratelimit_rule rl_default, rl_auth;
    router *router;
    api_mount mount;              /* match NULL: none */
    http_server *server;
    char upload_tmp[1024];        /* where uploads stream to before they are accepted */
    atomic_long in_flight;        /* requests received and not yet answered */
    atomic_long queued;           /* handlers waiting for a libuv pool thread */
} api_app;

typedef struct api_call api_call;

/* Route flags. */
enum {
    API_AUTH = 1,       /* needs a valid access token: c->id is filled before the handler */
    API_JSON = 2,       /* the body is a JSON object: c->body is the parsed object */
    API_HASH_POOL = 4,  /* runs on the hashing pool (it hashes or verifies a password) */
    API_ON_LOOP = 8,    /* cheap and store-free: runs on the loop thread */
    API_NO_LIMIT = 16,  /* exempt from rate limiting (health, metrics) */
    API_AUTH_LIMIT = 32,/* also subject to the stricter RATELIMIT_AUTH per client IP */
    API_RAW = 64,       /* the handler sets c->raw_body/raw_type instead of the envelope */
    API_UPLOAD = 128,   /* multipart body streamed to a temporary file (c->upload), up to
                           MAX_CONTENT_LENGTH */
};

typedef struct api_route {
    int flags;
    void (*handle)(api_call *c);
} api_route;

/* One request. Allocated from the request pool: it dies with the exchange. */
struct api_call {
    api_app *app;
    http_exchange *x;
    http_request *req;
    ig_pool *pool;
    const router_route *route;
    const api_route *def;
    router_match match;
    api_lang lang;
    const char *cors_origin;       /* the Access-Control-Allow-Origin to send, or NULL */
    ratelimit_result rl;           /* the default limit's state, for the headers */
    bool rl_set;
    auth_identity id;              /* valid when the route has API_AUTH */
    json_t *body;                  /* API_JSON: the parsed object (decref'd with the pool) */
    api_upload *upload;            /* API_UPLOAD: released with the pool */
    router_result rr;              /* the route match, made when the headers arrived */
    bool mounted;                  /* the request belongs to app->mount */
    bool limit_on_worker;          /* the limiter blocks (Redis): the route's limits are checked
                                      on the worker thread, before authentication */
    /* output */
    int status;
    msg_id message;                /* success message, or the error message when status >= 400 */
    json_t *data;                  /* success data (stolen), decref'd with the pool */
    json_t *details;               /* error details (stolen) */
    json_t *pagination;            /* list paging, rendered beside data (stolen) */
    bool has_file;                 /* API_RAW: stream file_fd (closed with the pool unless sent) */
    int file_fd;
    uint64_t file_size;
    char *raw_body;                /* API_RAW: malloc'd, freed with the pool */
    size_t raw_len;
    const char *raw_type;
    int resp_flags;
    char extra_headers[2048];      /* "Name: value\r\n" lines added by handlers (a download's name) */
    /* scheduling */
    uv_work_t work;
    workpool_job job;
};

/* Builds the router over the route table and wires the HTTP callbacks. */
ig_status api_init(api_app *app, ig_err *err);
void api_free(api_app *app);
/* The callbacks to give http_server_new, with app as udata. */
const http_callbacks *api_http_callbacks(void);

/* Handler helpers (any thread). */
void api_ok(api_call *c, int status, msg_id message, json_t *data);
/* A list: 200 with data the array (taken over; NULL means out of memory → 500) and
 * "pagination": {page, per_page, total} beside it. */
void api_ok_page(api_call *c, json_t *data, int64_t page, int64_t per_page, int64_t total);
void api_fail(api_call *c, int status, msg_id message, json_t *details);
/* Maps a service status to the envelope (e.g. IG_EIO → 500) and logs unexpected ones. */
void api_fail_status(api_call *c, ig_status st, const ig_err *err);
/* API_RAW: answer with the open file fd (taken over), streamed, as the body. */
void api_send_file(api_call *c, int fd, uint64_t size);
/* Adds "Name: value" to the response (handlers, before they return). */
void api_header(api_call *c, const char *name, const char *value);
/* A one-field validation error: {"field": ["message"]}. */
void api_fail_field(api_call *c, const char *field, msg_id message);
/* Hits a rate limit for key; false (and a 429 on c) when over. Thread-safe. */
bool api_rate_limit(api_call *c, const char *key, const ratelimit_rule *rule);

/* Route tables, one per API module. */
extern const router_route api_auth_routes[];
extern const size_t api_auth_routes_count;
extern const router_route api_ops_routes[];
extern const size_t api_ops_routes_count;
extern const router_route api_resumes_routes[];
extern const size_t api_resumes_routes_count;
extern const router_route api_upload_routes[];
extern const size_t api_upload_routes_count;
extern const router_route api_questions_routes[];
extern const size_t api_questions_routes_count;
extern const router_route api_interviews_routes[];
extern const size_t api_interviews_routes_count;

/* The web UI (api/web_api.c): the files under WEB_ROOT answer GET and HEAD requests outside /api
 * that no route matches. Its route labels them in logs and metrics; it is not in the router (nor
 * in the API's description). */
extern const router_route api_web_route;
/* Whether a request that no route matched is the web UI's to answer. */
bool api_web_wants(const api_call *c);
extern const router_route api_docs_routes[];
extern const size_t api_docs_routes_count;

/* The table api_init routes: every module's routes, the resume routes only when resumes is true and
 * the question and interview routes only when interviews is true. *n gets the count; malloc'd
 * (caller frees), NULL on allocation failure. */
router_route *api_route_table(bool resumes, bool interviews, size_t *n);

/* The seed's Resume.to_dict() (id, file_name, file_type, file_size, status, parse_confidence,
 * created_at, updated_at) plus error_code, error (in lang) and error_detail when it failed. New
 * reference, NULL on allocation failure. */
json_t *api_resume_json(const store_resume *r, api_lang lang);

/* A stored question (store.h's shape) as the API shows it: a locked one (asked by an unfinished
 * interview, not answered yet) without its expected points, follow-ups and model answer. New
 * reference, NULL for NULL. */
json_t *api_question_json(const json_t *q);
/* The body of a generation request (questions/generate and starting an interview): resume_id,
 * interview_type, difficulty, question_count, job_description, language (default: the request's
 * Accept-Language), seed. Errors are added to fc. */
void api_question_spec(api_call *c, fields_ctx *fc, const json_t *body, questions_spec *spec);
/* The JSON body of c parsed into *body (new reference; an empty body is {}): false (and the 400 on
 * c) when it is not a JSON object. */
bool api_json_body(api_call *c, json_t **body);

#endif

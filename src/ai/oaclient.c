/* The OpenAI-protocol client (see ai/oaclient.h): a pool of curl easy handles (their connections
 * kept alive between calls) that doubles as the concurrency limit, one retry loop shared by chat
 * and transcription, the breaker, and the protocol's JSON in and out. */
#include "ai/oaclient.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"

#define BODY_MAX (8 * 1024 * 1024)
#define CONNECT_TIMEOUT_MS 10000
#define ERROR_SNIPPET 160
#define USER_AGENT "interviewgenius"

struct oaclient {
    char *base_url;         /* without a trailing slash */
    char *api_key;          /* NULL: none */
    char *auth_header;      /* "Authorization: Bearer <key>", NULL without a key */
    int max_attempts, backoff_base_ms, backoff_max_ms;
    pthread_mutex_t lock;   /* guards idle, nidle, breaker, rng */
    pthread_cond_t freed;   /* a handle went back to idle (CLOCK_MONOTONIC) */
    bool lock_ok, cond_ok;
    CURL **idle;
    size_t nidle, nhandles;
    oaclient_breaker breaker;
    uint32_t rng;
    atomic_bool json_mode;
    atomic_ullong requests, retries, failures;
};

const char *oaclient_fail_name(oaclient_fail f)
{
    static const char *const names[] = {"ok",       "timeout",      "connect",     "http_429",
                                        "http_5xx", "http_4xx",     "circuit_open", "bad_response"};
    return (size_t)f < sizeof names / sizeof names[0] ? names[f] : "unknown";
}

int64_t oaclient_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- policies ---- */

bool oaclient_breaker_allow(oaclient_breaker *b, int64_t now)
{
    if (!b->open)
        return true;
    if (now < b->open_until || b->probing)
        return false;
    b->probing = true;
    return true;
}

void oaclient_breaker_record(oaclient_breaker *b, bool ok, int64_t now)
{
    bool was_probe = b->probing;
    b->probing = false;
    if (ok) {
        b->failures = 0;
        b->open = false;
        return;
    }
    b->failures++;
    if (was_probe || (!b->open && b->failures >= b->threshold)) {
        if (!b->open)
            b->opens++;
        b->open = true;
        b->open_until = now + b->cooldown_ms;
    }
}

int64_t oaclient_backoff_ms(int attempt, int64_t retry_after_ms, int base_ms, int max_ms, uint32_t random)
{
    if (retry_after_ms >= 0)
        return retry_after_ms;
    int64_t d = base_ms > 0 ? base_ms : 1;
    for (int i = 1; i < attempt && d < max_ms; i++)
        d *= 2;
    if (d > max_ms)
        d = max_ms;
    return d / 2 + (int64_t)(random % (uint32_t)(d / 2 + 1));
}

bool oaclient_parse_retry_after(const char *v, size_t n, time_t now, int64_t *ms)
{
    ig_str s = str_trim(str_make(v, n));
    unsigned long long secs;
    if (str_to_u64(s, &secs)) {
        *ms = secs > 86400 ? 86400 * 1000LL : (int64_t)secs * 1000;
        return true;
    }
    char date[64];
    if (s.n == 0 || s.n >= sizeof date)
        return false;
    memcpy(date, s.p, s.n);
    date[s.n] = '\0';
    time_t t = curl_getdate(date, NULL);
    if (t == (time_t)-1)
        return false;
    *ms = t > now ? (int64_t)(t - now) * 1000 : 0;
    return true;
}

void oaclient_redact(const char *src, size_t n, const char *secret, char *dst, size_t cap)
{
    size_t sn = secret != NULL ? strlen(secret) : 0, o = 0;
    if (cap == 0)
        return;
    for (size_t i = 0; i < n && o + 1 < cap;) {
        if (sn > 0 && n - i >= sn && memcmp(src + i, secret, sn) == 0) {
            for (const char *m = "***"; *m != '\0' && o + 1 < cap; m++)
                dst[o++] = *m;
            i += sn;
            continue;
        }
        dst[o++] = src[i++];
    }
    dst[o] = '\0';
}

/* ---- the client ---- */

static char *dup_str(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

void oaclient_free(oaclient *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->nidle; i++)
        curl_easy_cleanup(c->idle[i]);
    free(c->idle);
    if (c->cond_ok)
        pthread_cond_destroy(&c->freed);
    if (c->lock_ok)
        pthread_mutex_destroy(&c->lock);
    if (c->auth_header != NULL) {
        memset(c->auth_header, 0, strlen(c->auth_header));
        free(c->auth_header);
    }
    if (c->api_key != NULL) {
        memset(c->api_key, 0, strlen(c->api_key));
        free(c->api_key);
    }
    free(c->base_url);
    free(c);
    curl_global_cleanup();
}

ig_status oaclient_new(const oaclient_config *cfg, oaclient **out, ig_err *err)
{
    const char *url = cfg->base_url;
    if (url == NULL || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
        return status_errf(err, IG_EINVAL, "the model server's base URL must start with http:// or https://");
    if (cfg->max_concurrency < 1 || cfg->max_concurrency > 1024 || cfg->max_attempts < 0 || cfg->max_attempts > 10 ||
        cfg->breaker_threshold < 0 || cfg->breaker_cooldown_ms < 0 || cfg->backoff_base_ms < 0 ||
        cfg->backoff_max_ms < 0)
        return status_errf(err, IG_EINVAL, "model client settings out of range");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return status_errf(err, IG_EINTERNAL, "libcurl failed to initialise");
    oaclient *c = calloc(1, sizeof *c);
    if (c == NULL) {
        curl_global_cleanup();
        return status_errf(err, IG_ENOMEM, "out of memory creating the model client");
    }
    c->max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : 3;
    c->backoff_base_ms = cfg->backoff_base_ms > 0 ? cfg->backoff_base_ms : 250;
    c->backoff_max_ms = cfg->backoff_max_ms > 0 ? cfg->backoff_max_ms : 4000;
    c->breaker.threshold = cfg->breaker_threshold > 0 ? cfg->breaker_threshold : 5;
    c->breaker.cooldown_ms = cfg->breaker_cooldown_ms > 0 ? cfg->breaker_cooldown_ms : 30000;
    c->rng = (uint32_t)oaclient_now_ms() | 1u;
    atomic_init(&c->json_mode, true);
    c->base_url = dup_str(url);
    bool nomem = c->base_url == NULL;
    if (!nomem) {
        size_t n = strlen(c->base_url);
        while (n > 0 && c->base_url[n - 1] == '/')
            c->base_url[--n] = '\0';
    }
    if (!nomem && cfg->api_key != NULL && cfg->api_key[0] != '\0') {
        size_t n = strlen(cfg->api_key) + sizeof "Authorization: Bearer ";
        c->api_key = dup_str(cfg->api_key);
        c->auth_header = malloc(n);
        nomem = c->api_key == NULL || c->auth_header == NULL;
        if (!nomem)
            snprintf(c->auth_header, n, "Authorization: Bearer %s", cfg->api_key);
    }
    c->idle = nomem ? NULL : calloc((size_t)cfg->max_concurrency, sizeof *c->idle);
    if (c->idle == NULL)
        goto nomem;
    for (; c->nidle < (size_t)cfg->max_concurrency; c->nidle++)
        if ((c->idle[c->nidle] = curl_easy_init()) == NULL)
            goto nomem;
    c->nhandles = c->nidle;
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        goto nomem;
    c->cond_ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 && pthread_cond_init(&c->freed, &ca) == 0;
    pthread_condattr_destroy(&ca);
    c->lock_ok = pthread_mutex_init(&c->lock, NULL) == 0;
    if (!c->cond_ok || !c->lock_ok) {
        oaclient_free(c);
        return status_errf(err, IG_EINTERNAL, "cannot create the model client's lock");
    }
    *out = c;
    return IG_OK;
nomem:
    oaclient_free(c);
    return status_errf(err, IG_ENOMEM, "out of memory creating the model client");
}

void oaclient_stats_get(oaclient *c, oaclient_stats *out)
{
    out->requests = atomic_load(&c->requests);
    out->retries = atomic_load(&c->retries);
    out->failures = atomic_load(&c->failures);
    out->json_mode = atomic_load(&c->json_mode);
    pthread_mutex_lock(&c->lock);
    out->breaker_opens = c->breaker.opens;
    out->breaker_open = c->breaker.open;
    pthread_mutex_unlock(&c->lock);
}

void oaclient_reply_free(oaclient_reply *r)
{
    free(r->content);
    r->content = NULL;
    r->content_len = 0;
}

/* A handle from the pool, waiting until deadline; NULL when none came in time. */
static CURL *acquire(oaclient *c, int64_t deadline)
{
    struct timespec ts = {(time_t)(deadline / 1000), (long)(deadline % 1000) * 1000000};
    CURL *h = NULL;
    pthread_mutex_lock(&c->lock);
    while (c->nidle == 0) {
        int rc = pthread_cond_timedwait(&c->freed, &c->lock, &ts);
        if (rc == ETIMEDOUT && c->nidle == 0)
            break;
    }
    if (c->nidle > 0)
        h = c->idle[--c->nidle];
    pthread_mutex_unlock(&c->lock);
    return h;
}

static void release(oaclient *c, CURL *h)
{
    curl_easy_reset(h); /* the options go; the connection cache stays */
    pthread_mutex_lock(&c->lock);
    c->idle[c->nidle++] = h;
    pthread_cond_signal(&c->freed);
    pthread_mutex_unlock(&c->lock);
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    return buf_append(arg, p, size * n) == IG_OK ? size * n : 0;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* What one call sends: a JSON body, or a transcription's multipart form. */
typedef struct request {
    const char *path;      /* "/chat/completions" */
    const char *json;      /* JSON body, or NULL for the form */
    const char *model;     /* the form's fields */
    const char *language;
    const char *format;    /* the form's response_format */
    const void *wav;
    size_t wav_len;
} request;

/* One attempt's outcome. */
typedef struct attempt {
    CURLcode cc;
    long status;
    int64_t retry_after_ms; /* -1: the server did not say */
} attempt;

static int64_t header_retry_after(CURL *h)
{
    struct curl_header *hd = NULL;
    int64_t ms = -1;
    unsigned long long v;
    if (curl_easy_header(h, "retry-after-ms", 0, CURLH_HEADER, -1, &hd) == CURLHE_OK &&
        str_to_u64(str_trim(str_cstr(hd->value)), &v))
        return v > 86400000ULL ? 86400000LL : (int64_t)v;
    if (curl_easy_header(h, "Retry-After", 0, CURLH_HEADER, -1, &hd) == CURLHE_OK &&
        oaclient_parse_retry_after(hd->value, strlen(hd->value), time(NULL), &ms))
        return ms;
    return -1;
}

static ig_status perform(oaclient *c, CURL *h, const request *rq, int64_t deadline, ig_buf *body, attempt *at,
                         ig_err *err)
{
    char url[1024];
    struct curl_slist *hdrs = NULL, *tmp;
    curl_mime *mime = NULL;
    ig_status rc = IG_OK;
    int64_t left = deadline - oaclient_now_ms();
    int w = snprintf(url, sizeof url, "%s%s", c->base_url, rq->path);
    if (w < 0 || (size_t)w >= sizeof url)
        return status_errf(err, IG_EINVAL, "the model server's base URL is too long");
    static const char *const fixed[] = {"Accept: application/json", "Expect:"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        if ((tmp = curl_slist_append(hdrs, fixed[i])) == NULL)
            goto nomem;
        hdrs = tmp;
    }
    if (rq->json != NULL) {
        if ((tmp = curl_slist_append(hdrs, "Content-Type: application/json")) == NULL)
            goto nomem;
        hdrs = tmp;
    }
    if (c->auth_header != NULL) {
        if ((tmp = curl_slist_append(hdrs, c->auth_header)) == NULL)
            goto nomem;
        hdrs = tmp;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_USERAGENT, USER_AGENT);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(left > 0 ? left : 1));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(left < CONNECT_TIMEOUT_MS ? (left > 0 ? left : 1)
                                                                                    : CONNECT_TIMEOUT_MS));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
    if (rq->json != NULL) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->json);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(rq->json));
    } else {
        curl_mimepart *part;
        if ((mime = curl_mime_init(h)) == NULL || (part = curl_mime_addpart(mime)) == NULL ||
            curl_mime_name(part, "file") != CURLE_OK || curl_mime_filename(part, "audio.wav") != CURLE_OK ||
            curl_mime_type(part, "audio/wav") != CURLE_OK ||
            curl_mime_data(part, rq->wav, rq->wav_len) != CURLE_OK || (part = curl_mime_addpart(mime)) == NULL ||
            curl_mime_name(part, "model") != CURLE_OK ||
            curl_mime_data(part, rq->model, CURL_ZERO_TERMINATED) != CURLE_OK ||
            (part = curl_mime_addpart(mime)) == NULL || curl_mime_name(part, "response_format") != CURLE_OK ||
            curl_mime_data(part, rq->format, CURL_ZERO_TERMINATED) != CURLE_OK)
            goto nomem;
        if (rq->language != NULL &&
            ((part = curl_mime_addpart(mime)) == NULL || curl_mime_name(part, "language") != CURLE_OK ||
             curl_mime_data(part, rq->language, CURL_ZERO_TERMINATED) != CURLE_OK))
            goto nomem;
        curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);
    }
    atomic_fetch_add(&c->requests, 1);
    at->cc = curl_easy_perform(h);
    at->status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &at->status);
    at->retry_after_ms = at->cc == CURLE_OK ? header_retry_after(h) : -1;
    goto out;
nomem:
    rc = status_errf(err, IG_ENOMEM, "out of memory building a model request");
out:
    curl_mime_free(mime);
    curl_slist_free_all(hdrs);
    return rc;
}

/* The server's own words about a refused request: error.message of its JSON, else the start of
 * the body; the key redacted either way. */
static void server_message(const oaclient *c, const ig_buf *body, char *out, size_t cap)
{
    json_t *doc = body->len > 0 ? json_loadb(body->p, body->len, 0, NULL) : NULL;
    const json_t *e = json_object_get(doc, "error");
    const char *m = json_is_string(e) ? json_string_value(e) : json_string_value(json_object_get(e, "message"));
    if (m == NULL)
        m = json_string_value(json_object_get(doc, "detail"));
    if (m != NULL)
        oaclient_redact(m, strlen(m), c->api_key, out, cap);
    else
        oaclient_redact(body->p != NULL ? body->p : "", body->len < ERROR_SNIPPET ? body->len : ERROR_SNIPPET,
                        c->api_key, out, cap);
    json_decref(doc);
    for (char *p = out; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
}

static uint32_t next_random(oaclient *c)
{
    pthread_mutex_lock(&c->lock);
    uint32_t x = c->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c->rng = x;
    pthread_mutex_unlock(&c->lock);
    return x;
}

/* The retry loop: on IG_OK body holds a 2xx reply; otherwise out->fail says why. */
static ig_status call(oaclient *c, const request *rq, int64_t deadline, ig_buf *body, oaclient_reply *out,
                      ig_err *err)
{
    oaclient_fail fail = OAC_TIMEOUT;
    char why[ERROR_SNIPPET + 64] = "";
    for (int i = 0;; i++) {
        if (oaclient_now_ms() >= deadline) {
            fail = OAC_TIMEOUT;
            break;
        }
        CURL *h = acquire(c, deadline);
        if (h == NULL) {
            fail = OAC_TIMEOUT;
            snprintf(why, sizeof why, "no free connection slot before the deadline");
            break;
        }
        pthread_mutex_lock(&c->lock);
        bool allowed = oaclient_breaker_allow(&c->breaker, oaclient_now_ms());
        pthread_mutex_unlock(&c->lock);
        if (!allowed) {
            release(c, h);
            if (i == 0) { /* opened by this call's own failures: they are the better reason */
                fail = OAC_CIRCUIT_OPEN;
                snprintf(why, sizeof why, "the circuit breaker is open after repeated failures");
            }
            break;
        }
        attempt at = {CURLE_OK, 0, -1};
        buf_reset(body);
        ig_status rc = perform(c, h, rq, deadline, body, &at, err);
        out->attempts++;
        bool retry = false;
        if (rc != IG_OK) {
            pthread_mutex_lock(&c->lock);
            oaclient_breaker_record(&c->breaker, true, oaclient_now_ms()); /* not the server's fault */
            pthread_mutex_unlock(&c->lock);
            release(c, h);
            return rc;
        }
        out->http_status = (int)at.status;
        if (at.cc == CURLE_OPERATION_TIMEDOUT) {
            fail = OAC_TIMEOUT;
            snprintf(why, sizeof why, "no reply within the time limit");
        } else if (at.cc == CURLE_WRITE_ERROR) {
            fail = OAC_BAD_RESPONSE;
            snprintf(why, sizeof why, "the reply is larger than %d bytes", BODY_MAX);
        } else if (at.cc != CURLE_OK) {
            fail = OAC_CONNECT;
            retry = true;
            snprintf(why, sizeof why, "%s", curl_easy_strerror(at.cc));
        } else if (at.status >= 200 && at.status < 300) {
            fail = OAC_OK;
        } else if (at.status == 429 || at.status >= 500) {
            fail = at.status == 429 ? OAC_HTTP_429 : OAC_HTTP_5XX;
            retry = true;
            char msg[ERROR_SNIPPET + 1];
            server_message(c, body, msg, sizeof msg);
            snprintf(why, sizeof why, "HTTP %ld: %s", at.status, msg);
        } else {
            fail = OAC_HTTP_4XX;
            char msg[ERROR_SNIPPET + 1];
            server_message(c, body, msg, sizeof msg);
            snprintf(why, sizeof why, "HTTP %ld: %s", at.status, msg);
        }
        pthread_mutex_lock(&c->lock);
        oaclient_breaker_record(&c->breaker, fail != OAC_TIMEOUT && !retry, oaclient_now_ms());
        pthread_mutex_unlock(&c->lock);
        release(c, h);
        if (!retry || i + 1 >= c->max_attempts)
            break;
        int64_t wait = oaclient_backoff_ms(i + 1, at.retry_after_ms, c->backoff_base_ms, c->backoff_max_ms,
                                           next_random(c));
        if (oaclient_now_ms() + wait >= deadline) {
            snprintf(why + strlen(why), sizeof why - strlen(why), " (no time left to retry)");
            break;
        }
        sleep_ms(wait);
        atomic_fetch_add(&c->retries, 1);
    }
    out->fail = fail;
    if (fail == OAC_OK)
        return IG_OK;
    atomic_fetch_add(&c->failures, 1);
    if (why[0] == '\0')
        snprintf(why, sizeof why, "no reply within the time limit");
    return status_errf(err, IG_EIO, "model server %s: %s", oaclient_fail_name(fail), why);
}

static ig_status bad_response(oaclient *c, oaclient_reply *out, ig_err *err, const char *what)
{
    out->fail = OAC_BAD_RESPONSE;
    atomic_fetch_add(&c->failures, 1);
    return status_errf(err, IG_EIO, "model server bad_response: %s", what);
}

static json_t *chat_body(const oaclient_chat_req *req, bool json_mode)
{
    json_t *msgs = json_array();
    for (size_t i = 0; msgs != NULL && i < req->nmessages; i++) {
        if (json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", req->messages[i].role, "content",
                                                  req->messages[i].content)) != 0) {
            json_decref(msgs);
            return NULL;
        }
    }
    json_t *b = msgs != NULL ? json_pack("{s:s, s:o, s:f}", "model", req->model, "messages", msgs, "temperature",
                                         req->temperature)
                             : NULL;
    if (b == NULL)
        return NULL;
    if ((req->max_tokens > 0 && json_object_set_new(b, "max_tokens", json_integer(req->max_tokens)) != 0) ||
        (req->has_seed && json_object_set_new(b, "seed", json_integer(req->seed)) != 0) ||
        (json_mode && json_object_set_new(b, "response_format", json_pack("{s:s}", "type", "json_object")) != 0)) {
        json_decref(b);
        return NULL;
    }
    return b;
}

/* Fills out from a chat completion's body. */
static ig_status parse_chat(oaclient *c, const ig_buf *body, oaclient_reply *out, ig_err *err)
{
    json_t *doc = json_loadb(body->p != NULL ? body->p : "", body->len, 0, NULL);
    const json_t *usage = json_object_get(doc, "usage");
    const json_t *choice = json_array_get(json_object_get(doc, "choices"), 0);
    const json_t *content = json_object_get(json_object_get(choice, "message"), "content");
    const char *finish = json_string_value(json_object_get(choice, "finish_reason"));
    ig_status rc = IG_OK;
    if (json_is_integer(json_object_get(usage, "prompt_tokens")))
        out->prompt_tokens = (long)json_integer_value(json_object_get(usage, "prompt_tokens"));
    if (json_is_integer(json_object_get(usage, "completion_tokens")))
        out->completion_tokens = (long)json_integer_value(json_object_get(usage, "completion_tokens"));
    if (doc == NULL)
        rc = bad_response(c, out, err, "the reply is not JSON");
    else if (!json_is_string(content))
        rc = bad_response(c, out, err, "the reply has no message content");
    else if ((out->content = strndup(json_string_value(content), json_string_length(content))) == NULL)
        rc = status_errf(err, IG_ENOMEM, "out of memory reading a model reply");
    else {
        out->content_len = json_string_length(content);
        out->truncated = finish != NULL && strcmp(finish, "length") == 0;
    }
    json_decref(doc);
    return rc;
}

ig_status oaclient_chat(oaclient *c, const oaclient_chat_req *req, int64_t deadline_ms, oaclient_reply *out,
                        ig_err *err)
{
    ig_buf body;
    char *json = NULL;
    memset(out, 0, sizeof *out);
    buf_init(&body, BODY_MAX);
    bool json_mode = req->json_mode && atomic_load(&c->json_mode);
    ig_status rc = IG_OK;
    for (int pass = 0; pass < 2; pass++) {
        json_t *b = chat_body(req, json_mode);
        json = b != NULL ? json_dumps(b, JSON_COMPACT) : NULL;
        json_decref(b);
        if (json == NULL) {
            rc = status_errf(err, IG_ENOMEM, "out of memory building a model request");
            break;
        }
        request rq = {"/chat/completions", json, NULL, NULL, NULL, NULL, 0};
        rc = call(c, &rq, deadline_ms, &body, out, err);
        free(json);
        json = NULL;
        /* a server without JSON mode refuses the field: ask again without it */
        if (rc == IG_EIO && json_mode && out->fail == OAC_HTTP_4XX && out->http_status == 400) {
            json_mode = false;
            continue;
        }
        if (rc == IG_OK && pass == 1)
            atomic_store(&c->json_mode, false);
        break;
    }
    if (rc == IG_OK)
        rc = parse_chat(c, &body, out, err);
    buf_free(&body);
    return rc;
}

/* exp of the mean avg_logprob of a verbose_json reply's segments; -1 without any. */
static double segments_confidence(const json_t *doc)
{
    const json_t *seg;
    size_t i, n = 0;
    double sum = 0.0;
    json_array_foreach(json_object_get(doc, "segments"), i, seg) {
        const json_t *lp = json_object_get(seg, "avg_logprob");
        if (json_is_number(lp)) {
            sum += json_number_value(lp);
            n++;
        }
    }
    if (n == 0)
        return -1.0;
    double p = exp(sum / (double)n);
    return p > 1.0 ? 1.0 : p;
}

ig_status oaclient_transcribe(oaclient *c, const char *model, const char *language, bool verbose, const void *wav,
                              size_t len, int64_t deadline_ms, oaclient_reply *out, ig_err *err)
{
    ig_buf body;
    memset(out, 0, sizeof *out);
    out->confidence = -1.0;
    buf_init(&body, BODY_MAX);
    request rq = {"/audio/transcriptions", NULL, model, language, verbose ? "verbose_json" : "json", wav, len};
    ig_status rc = call(c, &rq, deadline_ms, &body, out, err);
    if (rc == IG_OK) {
        json_t *doc = json_loadb(body.p != NULL ? body.p : "", body.len, 0, NULL);
        const json_t *text = json_object_get(doc, "text");
        if (!json_is_string(text))
            rc = bad_response(c, out, err, "the transcription reply has no text");
        else if ((out->content = strndup(json_string_value(text), json_string_length(text))) == NULL)
            rc = status_errf(err, IG_ENOMEM, "out of memory reading a transcription");
        else {
            out->content_len = json_string_length(text);
            out->confidence = segments_confidence(doc);
        }
        json_decref(doc);
    }
    buf_free(&body);
    return rc;
}

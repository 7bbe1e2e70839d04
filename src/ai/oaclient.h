/* A client of the OpenAI HTTP protocol as OpenAI, DeepSeek, Qwen, Ollama, llama.cpp's server and
 * vLLM speak it: POST <base>/chat/completions and <base>/audio/transcriptions over libcurl.
 *
 * Robust the way a production dependency has to be: every call has an absolute deadline that no
 * attempt, wait or back-off outlives; 429, 5xx and transport failures are retried with exponential
 * back-off (Retry-After / retry-after-ms honoured, and a call gives up at once when the server asks
 * for longer than the deadline leaves); a circuit breaker stops calling an endpoint after N
 * consecutive failures for a cool-down, then lets one probe through (half-open); at most
 * max_concurrency requests are in flight (callers beyond wait, within their deadline); JSON mode
 * (response_format) is dropped for good when the server rejects it with a 400 and answers without.
 * The API key goes in the Authorization header only: it is in no URL, no error message (a server
 * body that echoes it is redacted) and nothing here logs.
 *
 * Calls block: make them from worker threads. A client is thread-safe. */
#ifndef IG_AI_OACLIENT_H
#define IG_AI_OACLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/status.h"

typedef struct oaclient_config {
    const char *base_url;    /* including the version: "https://api.openai.com/v1" (copied) */
    const char *api_key;     /* NULL or "": no Authorization header (local servers) (copied) */
    int max_concurrency;     /* requests in flight at once, >= 1 */
    /* 0 takes the default: */
    int max_attempts;        /* HTTP attempts of one call, default 3 */
    int breaker_threshold;   /* consecutive failures that open the circuit, default 5 */
    int breaker_cooldown_ms; /* how long it stays open before a probe, default 30000 */
    int backoff_base_ms;     /* first back-off, doubling, default 250 */
    int backoff_max_ms;      /* back-off cap, default 4000 */
} oaclient_config;

/* Why a call failed: stable names (oaclient_fail_name) for results, logs and metrics labels. */
typedef enum oaclient_fail {
    OAC_OK = 0,
    OAC_TIMEOUT,      /* the deadline passed (waiting for a slot included) */
    OAC_CONNECT,      /* no connection, reset, TLS or other transport failure */
    OAC_HTTP_429,     /* still rate limited after the retries */
    OAC_HTTP_5XX,     /* still failing after the retries */
    OAC_HTTP_4XX,     /* refused: bad key, unknown model, request too large ... (not retried) */
    OAC_CIRCUIT_OPEN, /* not called: the breaker is open */
    OAC_BAD_RESPONSE, /* a 2xx whose body is not the protocol's JSON */
} oaclient_fail;

const char *oaclient_fail_name(oaclient_fail f);

typedef struct oaclient oaclient;

/* What a call returned. Free with oaclient_reply_free. */
typedef struct oaclient_reply {
    oaclient_fail fail;      /* OAC_OK on success */
    int http_status;         /* of the last attempt; 0 when none answered */
    char *content;           /* chat: the first choice's message content; transcription: the text */
    size_t content_len;
    bool truncated;          /* chat: finish_reason "length" */
    double confidence;       /* transcription: exp of the segments' mean avg_logprob (verbose_json);
                                < 0 when the reply has none */
    long prompt_tokens;      /* usage, 0 when the server sent none */
    long completion_tokens;
    int attempts;            /* HTTP requests made */
} oaclient_reply;

typedef struct oaclient_msg {
    const char *role;        /* "system", "user", "assistant" */
    const char *content;     /* UTF-8 */
} oaclient_msg;

typedef struct oaclient_chat_req {
    const char *model;
    const oaclient_msg *messages;
    size_t nmessages;
    bool json_mode;          /* ask for response_format {"type": "json_object"} */
    int max_tokens;          /* 0: the server's default */
    double temperature;
    bool has_seed;
    int64_t seed;
} oaclient_chat_req;

/* Counters since the client was made (a consistent-enough snapshot; each is atomic). */
typedef struct oaclient_stats {
    unsigned long long requests;     /* HTTP requests sent */
    unsigned long long retries;      /* of them, repeats after a retryable failure */
    unsigned long long failures;     /* calls that failed, whatever the reason */
    unsigned long long breaker_opens;
    bool breaker_open;               /* open or half-open now */
    bool json_mode;                  /* response_format still in use */
} oaclient_stats;

/* Initialises libcurl (call from the main thread, before workers start). *out is the caller's to
 * oaclient_free. IG_EINVAL for a base URL that is not http(s) or a bad number. */
ig_status oaclient_new(const oaclient_config *cfg, oaclient **out, ig_err *err);
void oaclient_free(oaclient *c);

/* CLOCK_MONOTONIC in milliseconds: what deadlines are measured in. */
int64_t oaclient_now_ms(void);

/* One chat completion, done by deadline_ms (oaclient_now_ms's clock). IG_OK with out->fail OAC_OK
 * and out->content set, or IG_EIO with out->fail saying why (out->http_status and the usage, when
 * known, still filled) and the reason in err. IG_ENOMEM for allocation failures. */
ig_status oaclient_chat(oaclient *c, const oaclient_chat_req *req, int64_t deadline_ms, oaclient_reply *out,
                        ig_err *err);
/* Transcribes a WAV file (bytes in memory) with model; language ("en", "zh") may be NULL. verbose
 * asks for response_format verbose_json (Whisper models: segments with log-probabilities, for
 * out->confidence), else json. As oaclient_chat, with out->content the text. */
ig_status oaclient_transcribe(oaclient *c, const char *model, const char *language, bool verbose, const void *wav,
                              size_t len, int64_t deadline_ms, oaclient_reply *out, ig_err *err);
void oaclient_reply_free(oaclient_reply *r);

void oaclient_stats_get(oaclient *c, oaclient_stats *out);

/* ---- the policies, pure, for the tests ---- */

/* The circuit breaker's state; the client guards it with its lock. */
typedef struct oaclient_breaker {
    int threshold;
    int64_t cooldown_ms;
    int failures;          /* consecutive */
    bool open;
    int64_t open_until;    /* ms; while open */
    bool probing;          /* half-open: the one probe is out */
    unsigned long long opens;
} oaclient_breaker;

/* Whether a request may go out at now: closed yes; open no until the cool-down has passed, then
 * exactly one (the probe) until its outcome is recorded. */
bool oaclient_breaker_allow(oaclient_breaker *b, int64_t now);
/* Records an outcome: success closes; failure counts, opening at the threshold, and a failed probe
 * opens it again for another cool-down. */
void oaclient_breaker_record(oaclient_breaker *b, bool ok, int64_t now);

/* The wait before attempt `attempt` (1: the first retry): retry_after_ms when >= 0 (the server's
 * word), else equal-jitter exponential back-off: d = min(max_ms, base_ms * 2^(attempt-1)), and the
 * wait is d/2 + random % (d/2 + 1). */
int64_t oaclient_backoff_ms(int attempt, int64_t retry_after_ms, int base_ms, int max_ms, uint32_t random);
/* Parses a Retry-After value (n bytes): delta-seconds or an HTTP-date (relative to now, unix
 * seconds; a past date is 0). false when it is neither. */
bool oaclient_parse_retry_after(const char *v, size_t n, time_t now, int64_t *ms);
/* Copies src (n bytes) into dst (cap bytes, NUL-terminated, cut when longer) with every occurrence
 * of secret (when non-empty) replaced by "***": for server messages that echo the request. */
void oaclient_redact(const char *src, size_t n, const char *secret, char *dst, size_t cap);

#endif

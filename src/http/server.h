/* The HTTP/1.1 server: one libuv loop thread owns every socket. Parses requests with http-parser
 * and adds what it lacks: keep-alive and pipelining (answered in order), Expect: 100-continue,
 * header size and count caps (431), body caps decided from Content-Length and enforced while
 * streaming chunked bodies (413), header/body/idle timeouts that cut slow clients, a connection
 * cap, chunked responses and graceful shutdown. What a request means is the embedder's business,
 * through http_server_callbacks. */
#ifndef IG_HTTP_SERVER_H
#define IG_HTTP_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "core/pool.h"
#include "core/status.h"
#include "core/str.h"
#include "http/proxy.h"

typedef struct http_server http_server;
typedef struct http_exchange http_exchange;

typedef struct http_header {
    ig_str name;
    ig_str value;
} http_header;

/* A complete request. Everything points into the exchange's pool and dies with the exchange. */
typedef struct http_request {
    ig_pool *pool;
    int method;              /* enum http_method */
    ig_str method_name;
    ig_str url;
    ig_str path;             /* url before '?', not decoded */
    ig_str query;            /* after '?', may be empty */
    http_header *headers;
    size_t nheaders;
    ig_str body;             /* the whole body, at most the route's limit */
    unsigned short http_major, http_minor;
    char request_id[129];
    char client_ip[64];      /* the peer's address; when the peer is a trusted proxy, the client's from
                                X-Forwarded-For (proxy_forwarded_for) once the headers are complete */
    uint64_t start_ns;       /* uv_hrtime() at the first byte */
} http_request;

typedef struct http_limits {
    size_t max_header_size;   /* request line + headers, bytes; over it: 431 */
    size_t max_headers;       /* count; over it: 431 */
    uint64_t header_timeout_ms;
    uint64_t body_timeout_ms;      /* grace period before body_min_rate applies */
    uint64_t body_idle_timeout_ms; /* no body byte for this long: cut */
    uint64_t body_min_rate;        /* bytes per second, averaged since the body began */
    uint64_t keepalive_timeout_ms;
    uint64_t shutdown_timeout_ms;
    int max_connections;
    const proxy_list *trusted_proxies; /* borrowed, outlives the server; NULL or empty: X-Forwarded-For
                                          is never read */
} http_limits;

/* Called on the loop thread. */
typedef struct http_callbacks {
    /* Headers are complete: return the largest body this request may have. */
    uint64_t (*body_limit)(http_exchange *x, void *udata);
    /* The request is complete: the embedder must call http_exchange_respond exactly once, now or
     * later, on the loop thread. */
    void (*on_request)(http_exchange *x, void *udata);
    /* The server itself rejects a request (400, 408, 413, 431, 503): the embedder renders the
     * body by calling http_exchange_respond; the connection closes after it. */
    void (*on_reject)(http_exchange *x, int status, void *udata);
    /* The response has been written (or the connection died): for logs and metrics. */
    void (*on_done)(http_exchange *x, void *udata);
} http_callbacks;

/* Response flags. */
enum {
    HTTP_RESP_CHUNKED = 1, /* send the body with chunked transfer-encoding (HTTP/1.1 only) */
    HTTP_RESP_CLOSE = 2,   /* close the connection after this response */
};

/* The server is caller-owned memory-wise through these calls: http_server_new allocates,
 * http_server_free releases (after the loop has closed every handle). */
ig_status http_server_new(uv_loop_t *loop, const http_limits *limits, const http_callbacks *cb,
                          void *udata, http_server **out, ig_err *err);
ig_status http_server_listen(http_server *srv, const char *host, int port, ig_err *err);
/* Serves an already-connected stream socket as if it had been accepted (tests, fuzzing, socket
 * activation). The server owns sock afterwards. */
ig_status http_server_adopt(http_server *srv, uv_os_sock_t sock, ig_err *err);
/* The bound port (useful with port 0). */
int http_server_port(const http_server *srv);
/* Stops accepting, closes idle connections, lets in-flight requests finish (up to the shutdown
 * timeout), then calls done(arg) once every connection is closed. */
void http_server_shutdown(http_server *srv, void (*done)(void *arg), void *arg);
void http_server_free(http_server *srv);
/* Connections currently open. */
int http_server_connections(const http_server *srv);

http_request *http_exchange_request(http_exchange *x);
/* The embedder's per-exchange pointer (e.g. its request context). */
void http_exchange_set_data(http_exchange *x, void *data);
void *http_exchange_data(http_exchange *x);
/* The status sent (0 before the response). */
int http_exchange_status(const http_exchange *x);
/* Header lookup, case-insensitive; STR_NULL when absent. */
ig_str http_request_header(const http_request *req, ig_str name);
/* Adds a response header (copied into the pool). Call before http_exchange_respond. */
ig_status http_exchange_add_header(http_exchange *x, ig_str name, ig_str value);
/* Sends the response: status line, headers (Content-Type, Content-Length or chunked, Connection,
 * X-Request-Id, added ones) and the body (copied). Once per exchange, on the loop thread. */
void http_exchange_respond(http_exchange *x, int status, const char *content_type,
                           const char *body, size_t len, int flags);

/* From the body_limit callback: answer status (through on_reject) without reading the body, and
 * close the connection. For requests that can be refused on their headers alone, such as an
 * unauthenticated upload. */
void http_exchange_refuse(http_exchange *x, int status);
/* Streams the body to fn instead of the in-memory buffer (uploads). Set it from the body_limit
 * callback. fn runs on the loop for each chunk; a non-OK status rejects the request (IG_ETOOBIG:
 * 413, others: 400) and closes the connection. The request's body is then empty. */
typedef ig_status (*http_body_sink)(void *arg, const char *data, size_t len);
void http_exchange_set_body_sink(http_exchange *x, http_body_sink fn, void *arg);
/* Backpressure for a body sink that writes asynchronously: stop reading the connection (bytes
 * already read may still arrive at the sink) and later resume. Body timeouts do not run while
 * paused. Loop thread only. */
void http_exchange_pause_body(http_exchange *x);
void http_exchange_resume_body(http_exchange *x);

/* Sends the size bytes of the open file fd (taken over: closed with the exchange) as the body,
 * read in pieces on the libuv pool and written as the socket drains: a large download costs a
 * piece of memory, not the file. */
void http_exchange_respond_file(http_exchange *x, int status, const char *content_type, int fd, uint64_t size,
                                int flags);

/* ---- protocol upgrades ----
 * A handler can take a connection over from HTTP (a WebSocket upgrade): the new owner receives the
 * socket handle and the bytes that arrived after the request, and writes its own response. */

/* Receives a connection taken over by http_exchange_hijack. tcp is no longer read (the owner calls
 * uv_read_start with its own callbacks), has no timer, and its data pointer is the owner's to set.
 * rest holds the n bytes that arrived after the request (valid during the call only). The owner
 * closes tcp with http_hijacked_close, never with uv_close. */
typedef void (*http_hijack_fn)(void *arg, uv_tcp_t *tcp, const char *rest, size_t n);
/* Instead of responding (from on_request, now or later, on the loop thread): hands x's
 * connection to fn, right away or as soon as the parser has returned. The exchange ends with it
 * (on_done sees status 101) and the server forgets the connection: it is not counted, timed out
 * or closed on shutdown any more. False when the client has already left or half-closed: x has
 * then been answered (400) or released, and fn is never called. */
bool http_exchange_hijack(http_exchange *x, http_hijack_fn fn, void *arg);
/* Closes a connection taken over by http_exchange_hijack. closed (may be NULL) runs once it is
 * closed and its memory released, with what the tcp's data pointer was. */
void http_hijacked_close(uv_tcp_t *tcp, void (*closed)(void *data));

/* The reason phrase of a status code. */
const char *http_status_reason(int status);

#endif

/* The WebSocket transport (RFC 6455, server side) over a connection taken from the HTTP server:
 * the upgrade handshake's checks and accept key, then framing by wslay on the loop thread. An
 * idle connection holds no buffer of its own: reads land in one buffer shared by every connection
 * of the loop and are framed at once; writes go out directly and only what the socket cannot take
 * now is copied and queued. */
#ifndef IG_REALTIME_WS_H
#define IG_REALTIME_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "core/buf.h"
#include "core/status.h"
#include "core/str.h"
#include "http/server.h"

#define WS_ACCEPT_LEN 28
#define WS_READ_BUF 65536

typedef struct ws_conn ws_conn;

/* What every connection of one loop shares; owned by the embedder, released with ws_shared_free
 * once its connections are gone. */
typedef struct ws_shared {
    char readbuf[WS_READ_BUF];
    bool readbuf_used;
    ig_buf out;     /* frames being produced for one write */
} ws_shared;

void ws_shared_init(ws_shared *sh);
void ws_shared_free(ws_shared *sh);

typedef struct ws_callbacks {
    /* A complete message (text or binary); p is valid during the call only. */
    void (*on_message)(ws_conn *c, bool binary, const char *p, size_t n, void *arg);
    /* The connection is gone, for reason (static text); error is true when it ended in a protocol
     * violation or a transport failure rather than a close either side asked for. The last call
     * for c: it is freed after it returns. */
    void (*on_close)(ws_conn *c, const char *reason, bool error, void *arg);
} ws_callbacks;

/* The Sec-WebSocket-Accept value for a Sec-WebSocket-Key (out: WS_ACCEPT_LEN + 1 bytes); false
 * when the key is not the base64 of 16 bytes. */
bool ws_accept_key(ig_str key, char *out);
/* Checks that req asks for a WebSocket upgrade this server speaks (GET, HTTP/1.1, Upgrade:
 * websocket, Connection: upgrade, Sec-WebSocket-Version: 13, a valid key) and computes the accept
 * value into accept (WS_ACCEPT_LEN + 1 bytes). IG_EINVAL with the reason otherwise. */
ig_status ws_check_request(const http_request *req, char *accept, ig_err *err);

/* Takes over tcp (from http_exchange_hijack): writes the 101 response with accept and sets up the
 * framing, with messages capped at max_message bytes (a longer one closes with 1009). Nothing is
 * read until ws_run. On failure tcp is closed here and *out is NULL. */
ig_status ws_start(ws_shared *sh, uv_tcp_t *tcp, const char *accept, uint64_t max_message, const ws_callbacks *cb,
                   void *arg, ws_conn **out, ig_err *err);
/* Processes rest (the bytes that came with the upgrade request) and starts reading. Callbacks may
 * run before it returns. */
void ws_run(ws_conn *c, const char *rest, size_t n);
/* Changes the arg the callbacks receive (NULL detaches: on_close then only frees). */
void ws_set_arg(ws_conn *c, void *arg);

/* Sends one message (copied); IG_ESTATE once the connection is closing, IG_ENOMEM. */
ig_status ws_send(ws_conn *c, bool binary, const char *p, size_t n);
/* Bytes accepted by ws_send and not yet handed to the kernel. */
size_t ws_backlog(const ws_conn *c);
/* Closes with a close frame (code) after what is queued, within a few seconds. */
void ws_close(ws_conn *c, uint16_t code, const char *reason);
/* Closes at once, dropping whatever is queued. */
void ws_abort(ws_conn *c, const char *reason);

#endif

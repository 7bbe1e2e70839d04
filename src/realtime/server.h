/* The Socket.IO server: Engine.IO v4 sessions over HTTP long-polling and WebSocket (and the
 * upgrade from the first to the second, the official client's default path), heartbeats driven by
 * the server (pingInterval, pingTimeout), maxPayload, the default namespace "/", events with
 * acknowledgements, binary attachments, rooms, and emitting to a room or a user from anywhere in
 * the process. One session is one socket: only the default namespace is served.
 *
 * Everything runs on the loop thread, except rt_emit_room_async, rt_emit_user_async and the two
 * helpers rt_encode_event and rt_user_room. With REDIS_URL set, realtime/adapter.h carries room
 * emits to and from the other instances through rt_set_relay and rt_deliver_room. An idle
 * connection costs its session and the WebSocket framing state: no thread, no buffer (polling
 * output is buffered only while a packet waits for the next GET). A malformed packet closes that
 * connection, with a log line; so do a client that stops answering pings, one that sends events
 * faster than RT_MAX_EVENTS_PER_SEC for long, and one that does not read what it is sent.
 *
 * Embedding (main.c): rt_new; register the authenticator (rt_set_auth) and the event handlers
 * (rt_on, rt_on_disconnect), all before serving; hand every HTTP request under RT_PATH to
 * rt_http_body_limit and rt_http_request; rt_shutdown when the process stops, rt_free after the
 * loop and every thread that may emit have ended.
 *
 * Adding an event (how audio_stream and answer_complete plug in):
 *
 *     static void on_answer(rt_server *rt, rt_socket *s, const rt_event *ev, void *arg)
 *     {
 *         const json_t *body = json_array_get(ev->args, 0);   // the client's first argument
 *         ...                                                 // validate; rt_socket_emit(s, "error", ...)
 *         if (!rt_socket_work_begin(s)) ...                  // going off the loop: holds s
 *         // uv_queue_work(...); in its completion, on the loop:
 *         if (rt_socket_open(s)) rt_socket_emit(s, "answer_analysis", analysis);
 *         if (ev->ack_id >= 0) ... keep the id and rt_socket_ack(s, id, args) once done
 *         rt_socket_work_end(s);                              // releases s
 *     }
 *     rt_on(rt, "answer_complete", on_answer, ctx, &err);
 *
 * A handler runs only for a connected socket (authenticated: rt_socket_user is its user). ev and
 * everything in it are valid during the call only: copy what the work needs. Binary attachments
 * arrive as placeholders in ev->args; rt_event_binary gives their bytes. Per-socket state (an audio
 * stream) hangs off rt_socket_set_data and is released by a disconnect hook (rt_on_disconnect),
 * which runs once, before the socket leaves its rooms. */
#ifndef IG_REALTIME_SERVER_H
#define IG_REALTIME_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "core/log.h"
#include "core/status.h"
#include "http/server.h"
#include "realtime/sio_codec.h"

#define RT_PATH "/socket.io/"          /* where the official client connects */
#define RT_MAX_HANDLERS 32             /* distinct events with a handler */
#define RT_MAX_HOOKS 8                 /* disconnect hooks */
#define RT_MAX_ROOMS 32                /* rooms one socket may be in (its user's room included) */
#define RT_MAX_INFLIGHT 8              /* handler works one socket may have running */
#define RT_MAX_EVENTS_PER_SEC 200      /* events one socket may send per second; more are dropped */
#define RT_MAX_ATTACHMENTS 16          /* binary attachments of one packet */
#define RT_CONNECT_TIMEOUT_MS 45000    /* a session that never connects a socket is closed */
#define RT_USER_ROOM_PREFIX "user:"    /* every connected socket is in "user:<user id>" */
#define RT_TOKEN_ID_MAX 32             /* bytes of a token id (jti, family) a socket keeps */

typedef struct rt_server rt_server;
typedef struct rt_socket rt_socket;

typedef struct rt_config {
    uint64_t ping_interval_ms; /* RT_PING_INTERVAL: the server pings this long after the last pong */
    uint64_t ping_timeout_ms;  /* RT_PING_TIMEOUT: a ping unanswered this long closes the session */
    size_t max_payload;        /* RT_MAX_PAYLOAD: bytes of one WebSocket message or polling POST */
    int max_sessions;          /* sessions open at once; more are refused with 503 */
    const char *cors_origins;  /* CORS_ORIGINS: "*", or comma-separated origins (borrowed) */
    const ig_log *log;         /* borrowed; NULL ok */
} rt_config;

/* One event a client emitted. */
typedef struct rt_event {
    const char *name;
    const json_t *args;        /* the arguments after the name: an array, possibly empty */
    int64_t ack_id;            /* >= 0: the client waits for rt_socket_ack with this id */
    const sio_packet *packet;  /* the packet itself (for its attachments) */
} rt_event;

/* An event handler, on the loop thread, for a connected socket. */
typedef void (*rt_event_fn)(rt_server *rt, rt_socket *s, const rt_event *ev, void *arg);
/* Decides a CONNECT: auth is the client's auth object (NULL when it sent none). It must lead to
 * exactly one rt_connect_accept or rt_connect_refuse, now or later on the loop (holding s with
 * rt_socket_hold meanwhile). */
typedef void (*rt_auth_fn)(rt_server *rt, rt_socket *s, const json_t *auth, void *arg);
typedef void (*rt_socket_fn)(rt_server *rt, rt_socket *s, void *arg);

/* Caller-owned: rt_free releases. cfg is copied (cors_origins and log stay borrowed). */
ig_status rt_new(uv_loop_t *loop, const rt_config *cfg, rt_server **out, ig_err *err);
/* Closes every session and refuses new ones; the loop can end once their handles are closed. */
void rt_shutdown(rt_server *rt);
/* After rt_shutdown and the loop's last run, and once no thread can call the *_async emitters. */
void rt_free(rt_server *rt);

/* Registers fn for client events called event (copied). IG_ECONFLICT when the event has a
 * handler, IG_EINVAL for a reserved name (connect, disconnect, ...), IG_ETOOBIG past RT_MAX_HANDLERS. */
ig_status rt_on(rt_server *rt, const char *event, rt_event_fn fn, void *arg, ig_err *err);
/* fn runs once for every connected socket that goes away, whatever the reason. */
ig_status rt_on_disconnect(rt_server *rt, rt_socket_fn fn, void *arg, ig_err *err);
/* Without an authenticator every CONNECT is accepted, as user 0. */
void rt_set_auth(rt_server *rt, rt_auth_fn fn, void *arg);

/* ---- HTTP ---- */

/* True when path (the request path) belongs to the server: RT_PATH, with or without its slash. */
bool rt_http_path(const char *path, size_t n);
/* The http_callbacks body_limit of a request under RT_PATH (arg is the rt_server). */
uint64_t rt_http_body_limit(http_exchange *x, void *arg);
/* The http_callbacks on_request of a request under RT_PATH: polling GET and POST, the WebSocket
 * upgrade (which takes the connection over), CORS preflight. */
void rt_http_request(http_exchange *x, void *arg);

/* ---- connecting ---- */

/* Connects the socket as user_id: the CONNECT is acknowledged with the socket's id and the socket
 * joins its user's room. No-op when the session is gone. */
void rt_connect_accept(rt_socket *s, int64_t user_id);
/* Refuses the CONNECT with a CONNECT_ERROR carrying data (an object such as {"message": ...};
 * borrowed). The session stays open for another try until RT_CONNECT_TIMEOUT_MS. */
void rt_connect_refuse(rt_socket *s, const json_t *data);

/* Before rt_connect_accept: the access token the socket authenticated with, its jti and refresh
 * family (NUL-terminated; longer than RT_TOKEN_ID_MAX: kept empty), so that rt_disconnect_revoked
 * can find the socket when that token is revoked. */
void rt_socket_set_token(rt_socket *s, const char *jti, const char *family);

/* ---- revocations ---- */

/* Tokens revoked after sockets authenticated with them: every connected socket of user_id whose
 * token matches goes. all: every socket of the user; else keep_family non-empty: every socket of
 * another family; else a socket whose family is family or whose jti is jti (empty: no match). */
typedef struct rt_revoke {
    int64_t user_id;
    bool all;
    char family[RT_TOKEN_ID_MAX + 1];
    char keep_family[RT_TOKEN_ID_MAX + 1];
    char jti[RT_TOKEN_ID_MAX + 1];
} rt_revoke;

/* Disconnects this process's matching sockets (DISCONNECT packet, then the session closes);
 * returns how many. Loop thread. */
size_t rt_disconnect_revoked(rt_server *rt, const rt_revoke *r);
/* The same from any thread (r copied), queued to the loop, where the revocation is also handed to
 * the revoke relay for the other instances. Dropped after rt_shutdown. */
void rt_revoke_async(rt_server *rt, const rt_revoke *r);

/* ---- sockets ---- */

int64_t rt_socket_user(const rt_socket *s);
/* The Socket.IO id ("" before the socket is connected). */
const char *rt_socket_id(const rt_socket *s);
/* "en" when the handshake asked for English (Accept-Language), else "zh". */
const char *rt_socket_lang(const rt_socket *s);
/* True while the socket is connected and its session open: emits reach it. */
bool rt_socket_open(const rt_socket *s);
/* Keeps s's memory alive (not the session) until the matching release. */
void rt_socket_hold(rt_socket *s);
void rt_socket_release(rt_socket *s);
/* Starts a piece of handler work for s: false when s already has RT_MAX_INFLIGHT running (answer
 * with an error instead). Holds s until rt_socket_work_end. */
bool rt_socket_work_begin(rt_socket *s);
void rt_socket_work_end(rt_socket *s);
/* The handlers' per-socket pointer (NULL until set). */
void *rt_socket_data(const rt_socket *s);
void rt_socket_set_data(rt_socket *s, void *data);

/* Emits event with one argument data (borrowed; NULL: no argument). IG_ESTATE when the socket is
 * not open. */
ig_status rt_socket_emit(rt_socket *s, const char *event, const json_t *data);
/* Acknowledges the client's event ack_id with args (an array, borrowed; NULL: no arguments). */
ig_status rt_socket_ack(rt_socket *s, int64_t ack_id, const json_t *args);
/* Joins or leaves a room (name NUL-terminated, at most ROOMS_NAME_MAX bytes). Joining fails with
 * IG_ETOOBIG past RT_MAX_ROOMS, IG_ESTATE when the socket is not open. */
ig_status rt_socket_join(rt_socket *s, const char *room);
bool rt_socket_leave(rt_socket *s, const char *room);
bool rt_socket_in(const rt_socket *s, const char *room);
/* Disconnects the socket from the server side (DISCONNECT packet, then the session closes). */
void rt_socket_disconnect(rt_socket *s);
/* When v (in ev->args) is a binary attachment's placeholder, its bytes (valid during the call). */
bool rt_event_binary(const rt_event *ev, const json_t *v, const unsigned char **p, size_t *n);

/* ---- emitting to many ---- */

/* Emits event(data) to every socket in room (data borrowed; NULL: no argument); returns how many
 * sockets it reached. Loop thread. */
size_t rt_emit_room(rt_server *rt, const char *room, const char *event, const json_t *data);
/* Emits to every socket of the user. Loop thread. */
size_t rt_emit_user(rt_server *rt, int64_t user_id, const char *event, const json_t *data);
/* The same from any thread: queued to the loop (data serialised now, borrowed). Dropped after
 * rt_shutdown. */
void rt_emit_room_async(rt_server *rt, const char *room, const char *event, const json_t *data);
void rt_emit_user_async(rt_server *rt, int64_t user_id, const char *event, const json_t *data);

/* ---- across instances (realtime/adapter.h) ---- */

/* Sees every emit to a room that starts in this process (rt_emit_room, rt_emit_user and the async
 * ones once they reach the loop), on the loop thread: room (room_len bytes) and pkt, the encoded
 * Engine.IO text packet ("4" + the Socket.IO EVENT) that the local members are sent. Borrowed
 * during the call. */
typedef void (*rt_relay_fn)(void *arg, const char *room, size_t room_len, const char *pkt, size_t n);
/* Installs the relay (NULL: none). Loop thread. */
void rt_set_relay(rt_server *rt, rt_relay_fn fn, void *arg);
/* Sees every revocation rt_revoke_async brings to the loop (borrowed during the call). */
typedef void (*rt_revoke_relay_fn)(void *arg, const rt_revoke *r);
/* Installs the revoke relay (NULL: none). Loop thread. */
void rt_set_revoke_relay(rt_server *rt, rt_revoke_relay_fn fn, void *arg);
/* Sends pkt (an encoded Engine.IO text packet, as a relay sees it; borrowed) to this process's
 * members of the room, without relaying it; how many it reached. Loop thread. */
size_t rt_deliver_room(rt_server *rt, const char *room, size_t room_len, const char *pkt, size_t n);
/* Appends to b the packet an emit of event(data) sends ("4" + the Socket.IO EVENT; data NULL: no
 * argument). Any thread; needs no server. */
ig_status rt_encode_event(ig_buf *b, const char *event, const json_t *data);
/* A user's room, RT_USER_ROOM_PREFIX + the id, into out (cap bytes; 64 is enough). */
void rt_user_room(int64_t user_id, char *out, size_t cap);

typedef struct rt_stats {
    size_t sessions;  /* open sessions */
    size_t connected; /* of them, with a connected socket */
    size_t websocket; /* of them, on WebSocket */
    size_t rooms;     /* rooms that exist */
} rt_stats;
void rt_stats_get(const rt_server *rt, rt_stats *out);

#endif

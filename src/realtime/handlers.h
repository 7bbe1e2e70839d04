/* The seed's Socket.IO events (app/websocket/handlers.py) on the realtime server:
 *   connect {token}   the REST API's access token, checked exactly as the API checks it (signature,
 *                     expiry, revocation and the user in the store, off the loop); then
 *                     `connected {message, user_id}`, or a CONNECT_ERROR {message: "认证失败"}
 *   join_interview {session_id}   joins the room "interview:<session_id>" when the interview is the
 *                     user's (the seed checked no owner): `joined_interview {session_id, status}`,
 *                     else `error {message}`
 *   leave_interview {session_id}  leaves it: `left_interview {session_id}`
 * An event sent with an acknowledgement is also answered through it: [{success: true, ...}] or
 * [{success: false, message}]. Messages are Chinese unless the handshake asked for English; the
 * connect refusal stays "认证失败" as the original's clients expect. */
#ifndef IG_REALTIME_HANDLERS_H
#define IG_REALTIME_HANDLERS_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "core/log.h"
#include "core/status.h"
#include "realtime/adapter.h"
#include "realtime/server.h"
#include "services/auth.h"
#include "store/store.h"

#define HANDLERS_INTERVIEW_ROOM_PREFIX "interview:"

/* What the handlers use; owned by main, borrowed for as long as the realtime server runs. */
typedef struct handlers_ctx {
    uv_loop_t *loop;
    const auth_service *auth;
    ig_store *store;
    const ig_log *log;   /* NULL ok */
} handlers_ctx;

/* Installs the authenticator and the events above on rt. */
ig_status handlers_register(handlers_ctx *h, rt_server *rt, ig_err *err);

/* The room of an interview: "interview:<session_id>" into out (cap bytes). */
void handlers_interview_room(const char *session_id, char *out, size_t cap);

/* A resumes_notify_fn (services/resumes.h) with arg the rt_server: pushes `resume_status
 * {resume_id, status, confidence}` (confidence null unless completed) to the user's sockets. Any
 * thread. */
void handlers_resume_status(void *arg, int64_t user_id, int64_t resume_id, const char *status, double confidence);
/* The same for a process without a realtime server (the worker), arg an adapter_pub
 * (realtime/adapter.h): published for the instances that hold the user's sockets. Any thread;
 * blocks while it publishes. */
void handlers_resume_status_publish(void *arg, int64_t user_id, int64_t resume_id, const char *status,
                                    double confidence);

/* An auth_revoke_fn (services/auth.h) with arg the rt_server: the sockets that authenticated with
 * the revoked tokens are disconnected, on this instance and, through the adapter, on the others.
 * Any thread. */
void handlers_revoked(void *arg, const auth_revoked *r);

#endif

/* The seed's events. What touches the store (token revocation, interview ownership) runs on
 * libuv's pool and completes on the loop, holding the socket meanwhile; a socket that went away in
 * between is simply not answered. */
#include "realtime/handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_ID_MAX 64

typedef enum msg_id {
    M_CONNECTED,
    M_AUTH_FAILED,
    M_NO_SESSION_ID,
    M_NOT_FOUND,
    M_BUSY,
    M_INTERNAL,
    M_TOO_MANY_ROOMS,
} msg_id;

static const char *const MESSAGES[][2] = {
    [M_CONNECTED] = {"连接成功", "Connected"},
    [M_AUTH_FAILED] = {"认证失败", "认证失败"}, /* the original's clients look for this text */
    [M_NO_SESSION_ID] = {"缺少会话ID", "session_id is required"},
    [M_NOT_FOUND] = {"面试会话不存在", "Interview session not found"},
    [M_BUSY] = {"请求过多，请稍后再试", "Too many requests in progress, try again shortly"},
    [M_INTERNAL] = {"服务器内部错误", "Internal server error"},
    [M_TOO_MANY_ROOMS] = {"加入的房间过多", "Too many rooms joined"},
};

static const char *msg(const rt_socket *s, msg_id m)
{
    return MESSAGES[m][strcmp(rt_socket_lang(s), "en") == 0];
}

void handlers_interview_room(const char *session_id, char *out, size_t cap)
{
    snprintf(out, cap, HANDLERS_INTERVIEW_ROOM_PREFIX "%s", session_id);
}

/* `error {message}`, and the acknowledgement [{success: false, message}] when one is due. */
static void reply_error(rt_socket *s, int64_t ack, msg_id m)
{
    json_t *e = json_pack("{s:s}", "message", msg(s, m));
    rt_socket_emit(s, "error", e);
    if (ack >= 0) {
        json_t *a = json_pack("[{s:b, s:s}]", "success", 0, "message", msg(s, m));
        rt_socket_ack(s, ack, a);
        json_decref(a);
    }
    json_decref(e);
}

/* `event data`, and the acknowledgement [data + {success: true}] when one is due. */
static void reply_ok(rt_socket *s, int64_t ack, const char *event, json_t *data)
{
    rt_socket_emit(s, event, data);
    if (ack >= 0) {
        json_t *copy = json_copy(data);
        json_object_set_new(copy, "success", json_true());
        json_t *a = json_pack("[o]", copy);
        rt_socket_ack(s, ack, a);
        json_decref(a);
    }
}

/* ---- connect ---- */

typedef struct auth_job {
    uv_work_t work;
    handlers_ctx *h;
    rt_socket *s;
    ig_status st;
    auth_fail why;
    int64_t user_id;
    char jti[TOKEN_ID_HEX + 1];    /* kept on the socket: a revocation finds it by them */
    char family[TOKEN_ID_HEX + 1];
    ig_err err;
    size_t n;
    char token[];
} auth_job;

static void refuse(rt_socket *s)
{
    json_t *d = json_pack("{s:s}", "message", msg(s, M_AUTH_FAILED));
    rt_connect_refuse(s, d);
    json_decref(d);
}

static void auth_work(uv_work_t *w)
{
    auth_job *j = w->data;
    auth_identity id;
    j->st = auth_authenticate(j->h->auth, j->token, j->n, &id, &j->why, &j->err);
    if (j->st == IG_OK) {
        j->user_id = id.user.id;
        memcpy(j->jti, id.claims.jti, sizeof j->jti);
        memcpy(j->family, id.claims.family, sizeof j->family);
    }
}

static void auth_done(uv_work_t *w, int status)
{
    auth_job *j = w->data;
    rt_socket *s = j->s;
    if (status != 0 || j->st != IG_OK) {
        if (status == 0 && j->st != IG_EAUTH)
            log_printf(j->h->log, IG_LOG_ERROR, "rt_auth_failed", "%s", j->err.msg);
        refuse(s);
    } else {
        rt_socket_set_token(s, j->jti, j->family);
        rt_connect_accept(s, j->user_id);
        json_t *d = json_pack("{s:s, s:I}", "message", msg(s, M_CONNECTED), "user_id", (json_int_t)j->user_id);
        rt_socket_emit(s, "connected", d);
        json_decref(d);
    }
    rt_socket_release(s);
    free(j);
}

static void on_connect(rt_server *rt, rt_socket *s, const json_t *auth, void *arg)
{
    (void)rt;
    handlers_ctx *h = arg;
    json_t *jt = json_object_get(auth, "token");
    const char *tok = json_string_value(jt);
    size_t n = tok ? json_string_length(jt) : 0;
    if (n > 7 && strncmp(tok, "Bearer ", 7) == 0) {
        tok += 7;
        n -= 7;
    }
    if (tok == NULL || n == 0 || n > TOKEN_MAX_LEN) {
        refuse(s);
        return;
    }
    auth_job *j = calloc(1, sizeof *j + n + 1);
    if (j == NULL) {
        refuse(s);
        return;
    }
    j->h = h;
    j->s = s;
    j->n = n;
    memcpy(j->token, tok, n);
    j->work.data = j;
    rt_socket_hold(s);
    if (uv_queue_work(h->loop, &j->work, auth_work, auth_done) != 0) {
        rt_socket_release(s);
        free(j);
        refuse(s);
    }
}

/* ---- interview rooms ---- */

typedef struct join_job {
    uv_work_t work;
    handlers_ctx *h;
    rt_socket *s;
    int64_t user_id;
    int64_t ack;
    ig_status st;
    ig_err err;
    char session_id[SESSION_ID_MAX + 1];
    char status[16];
} join_job;

/* The session_id argument: *out set and true when present and well-formed; otherwise the error is
 * answered here. */
static bool session_arg(rt_socket *s, const rt_event *ev, char *out)
{
    json_t *v = json_object_get(json_array_get(ev->args, 0), "session_id");
    const char *sid = json_string_value(v);
    size_t n = sid ? json_string_length(v) : 0;
    if (n == 0) {
        reply_error(s, ev->ack_id, M_NO_SESSION_ID);
        return false;
    }
    bool ok = n <= SESSION_ID_MAX;
    for (size_t i = 0; ok && i < n; i++) {
        char c = sid[i];
        ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
    }
    if (!ok) {
        reply_error(s, ev->ack_id, M_NOT_FOUND); /* no interview has such an id */
        return false;
    }
    memcpy(out, sid, n);
    out[n] = '\0';
    return true;
}

static void join_work(uv_work_t *w)
{
    join_job *j = w->data;
    store_interview iv;
    j->st = store_interview_owner_by_session(j->h->store, j->session_id, j->user_id, &iv, &j->err);
    if (j->st == IG_OK)
        snprintf(j->status, sizeof j->status, "%s", iv.status);
}

static void join_done(uv_work_t *w, int status)
{
    join_job *j = w->data;
    rt_socket *s = j->s;
    if (rt_socket_open(s)) {
        char room[sizeof HANDLERS_INTERVIEW_ROOM_PREFIX + SESSION_ID_MAX];
        handlers_interview_room(j->session_id, room, sizeof room);
        ig_status st = status != 0 ? IG_EINTERNAL : j->st;
        if (st == IG_OK)
            st = rt_socket_join(s, room);
        if (st == IG_OK) {
            json_t *d = json_pack("{s:s, s:s}", "session_id", j->session_id, "status", j->status);
            reply_ok(s, j->ack, "joined_interview", d);
            json_decref(d);
        } else if (st == IG_ENOTFOUND) {
            reply_error(s, j->ack, M_NOT_FOUND);
        } else if (st == IG_ETOOBIG) {
            reply_error(s, j->ack, M_TOO_MANY_ROOMS);
        } else {
            log_printf(j->h->log, IG_LOG_ERROR, "rt_join_failed", "%s", j->err.msg);
            reply_error(s, j->ack, M_INTERNAL);
        }
    }
    rt_socket_work_end(s);
    free(j);
}

static void on_join(rt_server *rt, rt_socket *s, const rt_event *ev, void *arg)
{
    (void)rt;
    handlers_ctx *h = arg;
    char sid[SESSION_ID_MAX + 1];
    if (!session_arg(s, ev, sid))
        return;
    if (!rt_socket_work_begin(s)) {
        reply_error(s, ev->ack_id, M_BUSY);
        return;
    }
    join_job *j = calloc(1, sizeof *j);
    if (j == NULL) {
        rt_socket_work_end(s);
        reply_error(s, ev->ack_id, M_INTERNAL);
        return;
    }
    j->h = h;
    j->s = s;
    j->user_id = rt_socket_user(s);
    j->ack = ev->ack_id;
    memcpy(j->session_id, sid, sizeof sid);
    j->work.data = j;
    if (uv_queue_work(h->loop, &j->work, join_work, join_done) != 0) {
        free(j);
        rt_socket_work_end(s);
        reply_error(s, ev->ack_id, M_INTERNAL);
    }
}

static void on_leave(rt_server *rt, rt_socket *s, const rt_event *ev, void *arg)
{
    (void)rt;
    (void)arg;
    char sid[SESSION_ID_MAX + 1];
    if (!session_arg(s, ev, sid))
        return;
    char room[sizeof HANDLERS_INTERVIEW_ROOM_PREFIX + SESSION_ID_MAX];
    handlers_interview_room(sid, room, sizeof room);
    rt_socket_leave(s, room);
    json_t *d = json_pack("{s:s}", "session_id", sid);
    reply_ok(s, ev->ack_id, "left_interview", d);
    json_decref(d);
}

/* ---- resume status ---- */

static json_t *resume_status_data(int64_t resume_id, const char *status, double confidence)
{
    return json_pack("{s:I, s:s, s:o}", "resume_id", (json_int_t)resume_id, "status", status, "confidence",
                     confidence >= 0.0 ? json_real(confidence) : json_null());
}

void handlers_resume_status(void *arg, int64_t user_id, int64_t resume_id, const char *status, double confidence)
{
    json_t *d = resume_status_data(resume_id, status, confidence);
    if (d != NULL)
        rt_emit_user_async(arg, user_id, "resume_status", d);
    json_decref(d);
}

void handlers_resume_status_publish(void *arg, int64_t user_id, int64_t resume_id, const char *status,
                                    double confidence)
{
    json_t *d = resume_status_data(resume_id, status, confidence);
    if (d != NULL)
        adapter_pub_emit_user(arg, user_id, "resume_status", d, NULL); /* an outage is logged there */
    json_decref(d);
}

/* ---- revocations ---- */

static void to_rt_revoke(const auth_revoked *r, rt_revoke *out)
{
    memset(out, 0, sizeof *out);
    out->user_id = r->user_id;
    out->all = r->all_sessions;
    snprintf(out->family, sizeof out->family, "%s", r->family ? r->family : "");
    snprintf(out->keep_family, sizeof out->keep_family, "%s", r->keep_family ? r->keep_family : "");
    snprintf(out->jti, sizeof out->jti, "%s", r->jti ? r->jti : "");
}

void handlers_revoked(void *arg, const auth_revoked *r)
{
    rt_revoke rv;
    to_rt_revoke(r, &rv);
    rt_revoke_async(arg, &rv);
}

ig_status handlers_register(handlers_ctx *h, rt_server *rt, ig_err *err)
{
    rt_set_auth(rt, on_connect, h);
    ig_status st = rt_on(rt, "join_interview", on_join, h, err);
    if (st == IG_OK)
        st = rt_on(rt, "leave_interview", on_leave, h, err);
    return st;
}

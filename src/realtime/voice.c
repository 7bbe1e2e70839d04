/* Spoken answers: per socket, a list of utterance streams, each fed in order by one job at a time
 * on the module's worker pool (decoding, recognition, live analysis), and answer_complete records
 * on libuv's pool (scoring may wait on a language model). Everything a stream or a record owns is
 * touched by the loop only while no job of it runs; results travel from a job to the loop as a
 * list of events emitted when the job completes. */
#include "realtime/voice.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/audio.h"
#include "core/utf8.h"
#include "core/workpool.h"
#include "realtime/handlers.h"
#include "services/answer_audio.h"

#define SESSION_ID_MAX 64
#define ROOM_MAX (sizeof HANDLERS_INTERVIEW_ROOM_PREFIX + SESSION_ID_MAX)
#define RESPONSE_TIME_MAX 86400

/* ---- messages ---- */

typedef enum vmsg {
    V_NONE = -1,
    V_NO_SESSION_ID,
    V_NOT_FOUND,
    V_NOT_JOINED,
    V_NOT_ACTIVE,
    V_NO_QUESTION,
    V_NOT_CURRENT,
    V_NOT_OBJECT,
    V_AUDIO_TYPE,
    V_BAD_BASE64,
    V_BAD_FORMAT,
    V_FORMAT_CHANGED,
    V_TOO_LARGE,
    V_TOO_LONG,
    V_BAD_AUDIO,
    V_TOO_MANY_STREAMS,
    V_TOO_FAST,
    V_UNAVAILABLE,
    V_ZH_UNSUPPORTED,
    V_LANGUAGE_UNSUPPORTED,
    V_TRANSCRIBE_FAILED,
    V_NO_ANSWER,
    V_QUESTION_ID,
    V_ANSWER_TEXT,
    V_RESPONSE_TIME,
    V_BUSY,
    V_INTERNAL,
} vmsg;

/* Each text takes at most one %s. */
static const struct {
    const char *code;
    int status;
    const char *text[2]; /* zh, en */
} MSGS[] = {
    [V_NO_SESSION_ID] = {"validation", 400, {"缺少会话ID", "session_id is required"}},
    [V_NOT_FOUND] = {"not_found", 404, {"面试会话不存在", "Interview session not found"}},
    [V_NOT_JOINED] = {"not_joined", 400, {"请先加入面试（join_interview）", "Join the interview first (join_interview)"}},
    [V_NOT_ACTIVE] = {"not_active", 422, {"面试会话无效", "The interview is not active"}},
    [V_NO_QUESTION] = {"no_question", 409, {"没有待回答的问题", "There is no question left to answer"}},
    [V_NOT_CURRENT] = {"not_current", 409, {"该问题不是当前问题", "This is not the current question"}},
    [V_NOT_OBJECT] = {"validation", 400, {"数据必须是 JSON 对象", "The data must be a JSON object"}},
    [V_AUDIO_TYPE] = {"validation", 400, {"audio 必须是 base64 字符串或二进制数据",
                                          "audio must be a base64 string or binary data"}},
    [V_BAD_BASE64] = {"bad_base64", 400, {"audio 不是有效的 base64", "audio is not valid base64"}},
    [V_BAD_FORMAT] = {"validation", 400, {"format 必须是 pcm16、wav 或 webm", "format must be pcm16, wav or webm"}},
    [V_FORMAT_CHANGED] = {"validation", 400, {"同一段回答的音频格式不能改变",
                                              "The audio format cannot change within one answer"}},
    [V_TOO_LARGE] = {"too_large", 413, {"音频数据过大：每条消息最多 %s 字节",
                                        "Audio too large: at most %s bytes per message"}},
    [V_TOO_LONG] = {"too_long", 413, {"回答录音过长：最多 %s 秒", "The spoken answer is too long: at most %s seconds"}},
    [V_BAD_AUDIO] = {"bad_audio", 400, {"无法解码音频：%s", "Cannot decode the audio: %s"}},
    [V_TOO_MANY_STREAMS] = {"too_many_streams", 429, {"同时进行的语音回答过多：最多 %s 个",
                                                      "Too many spoken answers at once: at most %s"}},
    [V_TOO_FAST] = {"too_fast", 429, {"音频发送过快，服务器来不及处理", "Audio arrives faster than it can be processed"}},
    [V_UNAVAILABLE] = {"asr_unavailable", 503, {"实时语音转写暂不可用，请输入文字作答",
                                                "Live transcription is unavailable; please type your answer"}},
    [V_ZH_UNSUPPORTED] = {"asr_language", 422,
                          {"中文实时语音转写需要配置语音识别服务（ASR_ENGINE=openai）；离线识别只支持英文。请输入文字作答。",
                           "Live transcription of Chinese needs a configured transcription endpoint "
                           "(ASR_ENGINE=openai); the offline recognizer knows English only. Please type your answer."}},
    [V_LANGUAGE_UNSUPPORTED] = {"asr_language", 422, {"实时语音转写不支持该面试的语言，请输入文字作答",
                                                      "Live transcription does not support this interview's "
                                                      "language; please type your answer"}},
    [V_TRANSCRIBE_FAILED] = {"asr_failed", 503, {"语音转写失败：%s", "Transcription failed: %s"}},
    [V_NO_ANSWER] = {"no_answer", 400, {"没有听到回答，请输入文字作答", "No answer was heard; please type your answer"}},
    [V_QUESTION_ID] = {"validation", 400, {"question_id 必须是正整数", "question_id must be a positive integer"}},
    [V_ANSWER_TEXT] = {"validation", 400, {"answer 必须是不超过 %s 个字符的字符串",
                                           "answer must be a string of at most %s characters"}},
    [V_RESPONSE_TIME] = {"validation", 400, {"response_time 必须是不超过 86400 的非负整数",
                                             "response_time must be a non-negative integer up to 86400"}},
    [V_BUSY] = {"busy", 429, {"请求过多，请稍后再试", "Too many requests in progress, try again shortly"}},
    [V_INTERNAL] = {"internal", 500, {"服务器内部错误", "Internal server error"}},
};

/* An error to report: the message and its %s argument. */
typedef struct verr {
    vmsg m;
    char arg[256]; /* an ig_err message fits */
} verr;

static void verr_set(verr *e, vmsg m, const char *arg)
{
    e->m = m;
    snprintf(e->arg, sizeof e->arg, "%s", arg != NULL ? arg : "");
}

static void verr_num(verr *e, vmsg m, double n)
{
    e->m = m;
    snprintf(e->arg, sizeof e->arg, "%.0f", n);
}

/* ---- pure helpers ---- */

voice_b64 voice_base64(const char *s, size_t n, size_t max, unsigned char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    /* a FileReader's data: URL */
    if (n >= 5 && memcmp(s, "data:", 5) == 0) {
        const char *comma = memchr(s, ',', n);
        if (comma == NULL || comma - s < 12 || memcmp(comma - 7, ";base64", 7) != 0)
            return VOICE_B64_INVALID;
        n -= (size_t)(comma + 1 - s);
        s = comma + 1;
    }
    /* libsodium's ignore list would skip NUL bytes too (strchr finds the terminator) */
    if (memchr(s, '\0', n) != NULL)
        return VOICE_B64_INVALID;
    size_t chars = 0;
    for (size_t i = 0; i < n; i++)
        chars += s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n' && s[i] != '=';
    if (chars == 0)
        return VOICE_B64_OK;
    if (chars / 4 * 3 + (chars % 4) * 3 / 4 > max)
        return VOICE_B64_TOO_LARGE;
    unsigned char *buf = malloc(chars / 4 * 3 + 3);
    if (buf == NULL)
        return VOICE_B64_TOO_LARGE;
    const char *end = NULL;
    size_t got = 0;
    /* padded when its length says so, else without padding */
    bool padded = memchr(s, '=', n) != NULL;
    int rc = sodium_base642bin(buf, chars / 4 * 3 + 3, s, n, " \t\r\n", &got, &end,
                               padded ? sodium_base64_VARIANT_ORIGINAL : sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
    if (rc != 0 || end != s + n || got == 0) {
        free(buf);
        return rc != 0 || end != s + n ? VOICE_B64_INVALID : VOICE_B64_OK;
    }
    *out = buf;
    *len = got;
    return VOICE_B64_OK;
}

json_t *voice_delivery(const json_t *analysis, double confidence, double audio_seconds, const char *format,
                       const char *engine)
{
    static const char *const keys[] = {"words_per_minute", "words",         "filler_count", "filler_rate",
                                       "pauses",           "longest_pause", "talk_time",    "speaking_time",
                                       "answer_time",      "star"};
    const json_t *metrics = json_object_get(analysis, "metrics");
    json_t *d = json_object();
    if (d == NULL)
        return NULL;
    bool ok = true;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(metrics, keys[i]);
        if (v != NULL)
            ok = ok && json_object_set_new(d, keys[i], json_deep_copy(v)) == 0;
    }
    json_t *sentiment = json_object_get(analysis, "sentiment");
    if (sentiment != NULL)
        ok = ok && json_object_set_new(d, "sentiment", json_deep_copy(sentiment)) == 0;
    json_t *conf = confidence >= 0 ? json_real(round(confidence * 1000) / 1000) : json_null();
    ok = ok && json_object_set_new(d, "confidence", conf) == 0 &&
         json_object_set_new(d, "audio_seconds", json_real(round(audio_seconds * 100) / 100)) == 0 &&
         json_object_set_new(d, "format", json_string(format != NULL ? format : "")) == 0 &&
         json_object_set_new(d, "engine", json_string(engine != NULL ? engine : "")) == 0;
    if (!ok) {
        json_decref(d);
        return NULL;
    }
    return d;
}

static voice_quota_entry *quota_find(const voice_quota *q, int64_t user_id)
{
    for (size_t i = 0; i < q->n; i++)
        if (q->v[i].user_id == user_id)
            return &q->v[i];
    return NULL;
}

bool voice_quota_take(voice_quota *q, int64_t user_id, int max)
{
    voice_quota_entry *e = quota_find(q, user_id);
    if (e != NULL) {
        if (e->count >= max)
            return false;
        e->count++;
        return true;
    }
    if (max < 1)
        return false;
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 16;
        voice_quota_entry *p = realloc(q->v, cap * sizeof *p);
        if (p == NULL)
            return false;
        q->v = p;
        q->cap = cap;
    }
    q->v[q->n++] = (voice_quota_entry){user_id, 1};
    return true;
}

void voice_quota_put(voice_quota *q, int64_t user_id)
{
    voice_quota_entry *e = quota_find(q, user_id);
    if (e == NULL)
        return;
    if (--e->count <= 0)
        *e = q->v[--q->n];
}

int voice_quota_count(const voice_quota *q, int64_t user_id)
{
    const voice_quota_entry *e = quota_find(q, user_id);
    return e != NULL ? e->count : 0;
}

void voice_quota_free(voice_quota *q)
{
    free(q->v);
    *q = (voice_quota){0};
}

/* ---- state ---- */

struct voice_ctx {
    voice_deps d;
    voice_config cfg;
    rt_server *rt;
    workpool *pool;
    bool stopping;     /* voice_shutdown ran: jobs run inline */
    voice_quota quota; /* open streams per user */
};

typedef struct vstream vstream;
typedef struct vrecord vrecord;

/* A socket's voice state (rt_socket_data), alive while it has streams or records. */
typedef struct vconn {
    voice_ctx *v;
    rt_socket *s; /* held */
    int64_t user_id;
    bool gone;    /* the socket disconnected */
    int refs;     /* its records in flight (its streams are in the list) */
    vstream *streams;
} vconn;

typedef struct vchunk {
    struct vchunk *next;
    int64_t ack;
    size_t n;
    unsigned char bytes[];
} vchunk;

typedef enum job_kind { J_DATA, J_FINISH, J_CLOSE } job_kind;

/* One utterance of one interview on one socket. */
struct vstream {
    vconn *c;
    vstream *next;
    char session_id[SESSION_ID_MAX + 1];
    audio_format format;
    int64_t want_question; /* the question_id its first chunk named; 0: none */
    uint64_t pcm16_bytes;  /* accepted so far (pcm16: the seconds cap is checked on arrival) */
    /* the loop's */
    vchunk *pending, **tail;
    size_t pending_bytes;
    bool busy;             /* a job runs */
    bool closing;          /* its socket went away */
    vrecord *record;       /* answer_complete: finish, then record */
    workpool_job job;
    job_kind kind;
    /* a job's input and output */
    vchunk *batch;
    json_t *events;        /* [[event, data], ...] to emit when the job completes */
    verr jerr;             /* the job's error, reported once */
    bool fatal;            /* the stream could not open: it goes */
    verr failed;           /* its audio failed: later chunks are refused with this */
    /* the worker's (the loop's between jobs) */
    bool opened;
    int64_t interview_id, question_id;
    audio_decoder *dec;
    asr_stream *asr;
    live_answer *live;
    bool audio_failed, asr_failed;
    int16_t *pcm;          /* the utterance, for its recording */
    size_t pcm_n, pcm_cap;
    double last_analysis;
    bool waiting;
    double conf_sum;
    size_t conf_n;
    char *transcript;      /* the stream's whole transcript so far */
    json_t *analysis;      /* the last real_time_analysis payload */
};

/* An answer_complete. */
struct vrecord {
    uv_work_t work;
    vconn *c;
    char session_id[SESSION_ID_MAX + 1];
    int64_t question_id, response_time, ack;
    char *answer;       /* the client's text; NULL: none */
    /* what its stream heard */
    bool spoken;
    char *transcript;
    int16_t *pcm;
    size_t pcm_n;
    json_t *delivery;
    bool unheard;         /* the recogniser failed: no transcript to fall back on */
    int64_t interview_id; /* 0: looked up by session */
    /* the outcome */
    ig_status st;
    verr e;
    interviews_step step;
    bool has_step;
    char url[ANSWER_AUDIO_URL_CAP];
};

static bool english(const rt_socket *s)
{
    return strcmp(rt_socket_lang(s), "en") == 0;
}

static void room_of(const char *session_id, char *room)
{
    handlers_interview_room(session_id, room, ROOM_MAX);
}

static void error_text(const rt_socket *s, const verr *e, char *out, size_t cap)
{
    snprintf(out, cap, MSGS[e->m].text[english(s)], e->arg);
}

/* `error {message, code, status, session_id?}` to the socket. */
static void emit_error(rt_socket *s, const verr *e, const char *session_id)
{
    if (!rt_socket_open(s) || e->m == V_NONE)
        return;
    char text[512];
    error_text(s, e, text, sizeof text);
    json_t *d = json_pack("{s:s, s:s, s:i}", "message", text, "code", MSGS[e->m].code, "status", MSGS[e->m].status);
    if (d != NULL && session_id != NULL && session_id[0] != '\0')
        json_object_set_new(d, "session_id", json_string(session_id));
    rt_socket_emit(s, "error", d);
    json_decref(d);
}

/* The acknowledgement [{success: false, message, code}], when one is due. */
static void ack_error(rt_socket *s, const verr *e, int64_t ack)
{
    if (ack < 0 || !rt_socket_open(s) || e->m == V_NONE)
        return;
    char text[512];
    error_text(s, e, text, sizeof text);
    json_t *a = json_pack("[{s:b, s:s, s:s}]", "success", 0, "message", text, "code", MSGS[e->m].code);
    rt_socket_ack(s, ack, a);
    json_decref(a);
}

static void send_error(rt_socket *s, const verr *e, const char *session_id, int64_t ack)
{
    emit_error(s, e, session_id);
    ack_error(s, e, ack);
}

static void fail(rt_socket *s, vmsg m, const char *arg, const char *session_id, int64_t ack)
{
    verr e;
    verr_set(&e, m, arg);
    send_error(s, &e, session_id, ack);
}

static void ack_ok(rt_socket *s, int64_t ack, json_t *data)
{
    if (ack < 0 || !rt_socket_open(s))
        return;
    json_t *copy = data != NULL ? json_copy(data) : json_object();
    if (copy != NULL)
        json_object_set_new(copy, "success", json_true());
    json_t *a = json_pack("[o]", copy);
    rt_socket_ack(s, ack, a);
    json_decref(a);
}

/* Emits to the interview's room, which holds the socket; to the socket alone when it left it. */
static void emit_out(vconn *c, const char *session_id, const char *event, json_t *data)
{
    char room[ROOM_MAX];
    room_of(session_id, room);
    if (rt_socket_open(c->s) && !rt_socket_in(c->s, room))
        rt_socket_emit(c->s, event, data);
    else
        rt_emit_room(c->v->rt, room, event, data);
}

/* The session_id argument of body into out; false (answered) when absent or malformed. */
static bool session_arg(rt_socket *s, const json_t *body, int64_t ack, char *out)
{
    json_t *v = json_object_get(body, "session_id");
    const char *sid = json_string_value(v);
    size_t n = sid != NULL ? json_string_length(v) : 0;
    if (n == 0) {
        fail(s, V_NO_SESSION_ID, NULL, NULL, ack);
        return false;
    }
    bool ok = n <= SESSION_ID_MAX;
    for (size_t i = 0; ok && i < n; i++) {
        char ch = sid[i];
        ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '-';
    }
    if (!ok) {
        fail(s, V_NOT_FOUND, NULL, NULL, ack); /* no interview has such an id */
        return false;
    }
    memcpy(out, sid, n);
    out[n] = '\0';
    return true;
}

/* ---- connections ---- */

static vconn *conn_get(voice_ctx *v, rt_socket *s)
{
    vconn *c = rt_socket_data(s);
    if (c != NULL)
        return c;
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->v = v;
    c->s = s;
    c->user_id = rt_socket_user(s);
    rt_socket_hold(s);
    rt_socket_set_data(s, c);
    return c;
}

/* Frees c once nothing of it is left. */
static void conn_unref(vconn *c)
{
    if (c->refs > 0 || c->streams != NULL)
        return;
    if (!c->gone)
        rt_socket_set_data(c->s, NULL);
    rt_socket_release(c->s);
    free(c);
}

static vstream *stream_find(vconn *c, const char *session_id)
{
    for (vstream *st = c->streams; st != NULL; st = st->next)
        if (st->record == NULL && strcmp(st->session_id, session_id) == 0)
            return st;
    return NULL;
}

/* ---- jobs ---- */

static void push_event(vstream *st, const char *event, json_t *data)
{
    if (data == NULL)
        return;
    if (st->events == NULL)
        st->events = json_array();
    json_array_append_new(st->events, json_pack("[s, o]", event, data));
}

static void record_start(vrecord *r);
static void record_free(vrecord *r);
static void pump(vstream *st);

static void on_result(const asr_result *r, void *arg)
{
    vstream *st = arg;
    ig_err err = {0};
    if (live_answer_heard(st->live, r, &err) != IG_OK)
        log_printf(st->c->v->d.log, IG_LOG_WARN, "voice_live_failed", "%s", err.msg);
    if (r->is_final) {
        st->conf_sum += r->confidence;
        st->conf_n++;
    }
    char *t = realloc(st->transcript, r->transcript_len + 1);
    if (t != NULL) {
        memcpy(t, r->transcript, r->transcript_len);
        t[r->transcript_len] = '\0';
        st->transcript = t;
    }
    double conf = round(r->confidence * 1000) / 1000, start = round(r->start_s * 100) / 100,
           end = round(r->end_s * 100) / 100;
    push_event(st, "transcript",
               json_pack("{s:s, s:I, s:s%, s:f, s:b, s:s%, s:f, s:f}", "session_id", st->session_id, "question_id",
                         (json_int_t)st->question_id, "text", r->text, r->text_len, "confidence", conf, "is_final",
                         r->is_final, "transcript", r->transcript, r->transcript_len, "start", start, "end", end));
}

/* The live analysis's question: the score request of the current question q without its answer. */
static json_t *live_question(const json_t *q, const store_interview *iv)
{
    const json_t *points = json_object_get(q, "expected_points");
    const char *category = json_string_value(json_object_get(q, "category"));
    const json_t *skill = json_object_get(q, "skill");
    const json_t *difficulty = json_object_get(q, "difficulty");
    return json_pack("{s:O, s:o, s:s, s:O, s:s, s:O, s:b}", "question", json_object_get(q, "question_text"),
                     "key_points", json_is_array(points) ? json_copy((json_t *)points) : json_array(), "type",
                     category != NULL ? category : "general", "skill", skill != NULL ? skill : json_null(), "language",
                     iv->language, "difficulty", difficulty != NULL ? difficulty : json_null(), "hints", iv->hints);
}

static void stream_release(vstream *st)
{
    asr_stream_close(st->asr);
    audio_decoder_close(st->dec);
    live_answer_close(st->live);
    st->asr = NULL;
    st->dec = NULL;
    st->live = NULL;
    st->opened = false;
}

/* Opens the stream for the interview's current question (worker). False with st->jerr set. */
static bool stream_open(vstream *st)
{
    voice_ctx *v = st->c->v;
    store_interview iv;
    json_t *q = NULL, *lq = NULL;
    ig_err err = {0};
    ig_status rc = store_interview_owner_by_session(v->d.store, st->session_id, st->c->user_id, &iv, &err);
    if (rc == IG_OK && strcmp(iv.status, "active") != 0)
        verr_set(&st->jerr, V_NOT_ACTIVE, NULL);
    else if (rc == IG_OK)
        rc = interviews_current(v->d.interviews, st->c->user_id, iv.id, &iv, &q, &err);
    if (rc == IG_ENOTFOUND)
        verr_set(&st->jerr, V_NOT_FOUND, NULL);
    if (rc != IG_OK || st->jerr.m != V_NONE)
        goto out;
    if (q == NULL) {
        verr_set(&st->jerr, V_NO_QUESTION, NULL);
        goto out;
    }
    st->interview_id = iv.id;
    st->question_id = json_integer_value(json_object_get(q, "id"));
    if (st->want_question != 0 && st->want_question != st->question_id) {
        verr_set(&st->jerr, V_NOT_CURRENT, NULL);
        goto out;
    }
    if (!asr_supports(v->d.asr, iv.language)) {
        verr_set(&st->jerr, strcmp(iv.language, "zh") == 0 ? V_ZH_UNSUPPORTED : V_LANGUAGE_UNSUPPORTED, NULL);
        goto out;
    }
    lq = live_question(q, &iv);
    rc = lq != NULL ? live_answer_open(v->d.live, lq, &st->live, &err) : status_errf(&err, IG_ENOMEM, "out of memory");
    if (rc == IG_OK)
        rc = audio_decoder_open(st->format, v->cfg.max_seconds, &st->dec, &err);
    asr_stream_opts o = {iv.language, v->cfg.max_seconds, on_result, st};
    if (rc == IG_OK)
        rc = asr_stream_open(v->d.asr, &o, &st->asr, &err);
    if (rc == IG_OK)
        st->opened = true;
out:
    if (rc != IG_OK && rc != IG_ENOTFOUND) {
        log_printf(v->d.log, IG_LOG_ERROR, "voice_open_failed", "%s", err.msg);
        verr_set(&st->jerr, V_INTERNAL, NULL);
    }
    if (!st->opened)
        stream_release(st);
    json_decref(q);
    json_decref(lq);
    return st->opened;
}

/* Emits real_time_analysis when due: every VOICE_ANALYSIS_EVERY_S of audio, and as the stream
 * starts waiting for a decoder. force: the final analysis, kept and not emitted. */
static void maybe_analyze(vstream *st, bool force)
{
    asr_stream_info info;
    asr_stream_info_get(st->asr, &info);
    bool started_waiting = info.waiting && !st->waiting;
    st->waiting = info.waiting;
    if (!force && !started_waiting && info.audio_s - st->last_analysis < VOICE_ANALYSIS_EVERY_S)
        return;
    st->last_analysis = info.audio_s;
    json_t *payload = NULL;
    ig_err err = {0};
    if (live_answer_analyze(st->live, info.audio_s, &info, &payload, &err) != IG_OK) {
        log_printf(st->c->v->d.log, IG_LOG_WARN, "voice_live_failed", "%s", err.msg);
        return;
    }
    json_decref(st->analysis);
    st->analysis = payload;
    if (force)
        return;
    json_t *out = json_copy(payload);
    if (out != NULL) {
        json_object_set_new(out, "session_id", json_string(st->session_id));
        json_object_set_new(out, "question_id", json_integer(st->question_id));
    }
    push_event(st, "real_time_analysis", out);
}

/* Keeps n decoded samples for the recording and recognises them. */
static void push_samples(vstream *st, const int16_t *pcm, size_t n)
{
    if (n > 0 && st->pcm_n + n > st->pcm_cap) {
        size_t cap = st->pcm_cap ? st->pcm_cap : AUDIO_RATE * 8;
        while (cap < st->pcm_n + n)
            cap *= 2;
        int16_t *p = realloc(st->pcm, cap * sizeof *p);
        if (p == NULL) {
            verr_set(&st->jerr, V_INTERNAL, NULL);
            st->audio_failed = true;
            return;
        }
        st->pcm = p;
        st->pcm_cap = cap;
    }
    if (n > 0)
        memcpy(st->pcm + st->pcm_n, pcm, n * sizeof *pcm);
    st->pcm_n += n;
    if (st->asr_failed)
        return;
    ig_err err = {0};
    ig_status rc = asr_stream_feed(st->asr, pcm, n, &err);
    if (rc == IG_ETOOBIG) {
        verr_num(&st->jerr, V_TOO_LONG, st->c->v->cfg.max_seconds);
    } else if (rc != IG_OK) {
        log_printf(st->c->v->d.log, IG_LOG_ERROR, "voice_asr_failed", "%s", err.msg);
        verr_set(&st->jerr, V_TRANSCRIBE_FAILED, err.msg);
    }
    if (rc != IG_OK)
        st->asr_failed = st->audio_failed = true;
}

static void feed_chunk(vstream *st, const vchunk *ch)
{
    const int16_t *pcm = NULL;
    size_t n = 0;
    ig_err err = {0};
    ig_status rc = ch->n > 0 ? audio_decoder_feed(st->dec, ch->bytes, ch->n, &pcm, &n, &err) : IG_OK;
    push_samples(st, pcm, n);
    if (rc == IG_OK)
        return;
    st->audio_failed = true;
    /* the decoder's ETOOBIG is either the seconds cap or a header or element past its bound */
    if (rc == IG_ETOOBIG && audio_decoder_seconds(st->dec) + 0.5 >= st->c->v->cfg.max_seconds)
        verr_num(&st->jerr, V_TOO_LONG, st->c->v->cfg.max_seconds);
    else if (rc == IG_EINVAL || rc == IG_ETOOBIG)
        verr_set(&st->jerr, V_BAD_AUDIO, err.msg);
    else
        verr_set(&st->jerr, V_INTERNAL, NULL);
}

/* The end of the utterance: the last samples, the last final, the delivery metrics; the record
 * takes over what the stream heard, and the stream gives its decoder back. */
static void finish(vstream *st)
{
    vrecord *r = st->record;
    voice_ctx *v = st->c->v;
    ig_err err = {0};
    if (!st->audio_failed) {
        const int16_t *pcm = NULL;
        size_t n = 0;
        /* a recorder cut off mid-element still gave every sample before the cut */
        audio_decoder_finish(st->dec, &pcm, &n, &err);
        push_samples(st, pcm, n);
    }
    if (!st->asr_failed && asr_stream_finish(st->asr, &err) != IG_OK) {
        log_printf(v->d.log, IG_LOG_ERROR, "voice_asr_failed", "%s", err.msg);
        st->asr_failed = true;
    }
    maybe_analyze(st, true);
    r->interview_id = st->interview_id;
    if (st->pcm_n == 0) { /* nothing decoded: a typed answer */
        stream_release(st);
        return;
    }
    double secs = (double)st->pcm_n / AUDIO_RATE;
    r->spoken = true;
    r->unheard = st->asr_failed;
    r->delivery = voice_delivery(st->analysis, st->conf_n > 0 ? st->conf_sum / (double)st->conf_n : -1, secs,
                                 audio_format_name(st->format), v->d.asr->ops->name);
    r->transcript = st->transcript;
    st->transcript = NULL;
    r->pcm = st->pcm;
    r->pcm_n = st->pcm_n;
    st->pcm = NULL;
    st->pcm_n = st->pcm_cap = 0;
    if (r->response_time < 0)
        r->response_time = (int64_t)lround(secs);
    stream_release(st);
}

static vstream *stream_of_job(workpool_job *j)
{
    return (vstream *)(void *)((char *)j - offsetof(vstream, job));
}

static void job_work(workpool_job *j)
{
    vstream *st = stream_of_job(j);
    if (st->kind == J_CLOSE) {
        stream_release(st);
        return;
    }
    if (!st->opened && !stream_open(st)) {
        st->fatal = true;
        return;
    }
    for (const vchunk *ch = st->batch; ch != NULL && !st->audio_failed; ch = ch->next) {
        feed_chunk(st, ch);
        maybe_analyze(st, false);
    }
    if (st->kind == J_FINISH)
        finish(st);
}

static void stream_free(vstream *st)
{
    vconn *c = st->c;
    for (vstream **p = &c->streams; *p != NULL; p = &(*p)->next) {
        if (*p == st) {
            *p = st->next;
            break;
        }
    }
    for (vchunk *ch = st->pending; ch != NULL;) {
        vchunk *next = ch->next;
        free(ch);
        ch = next;
    }
    voice_quota_put(&c->v->quota, c->user_id);
    json_decref(st->events);
    json_decref(st->analysis);
    free(st->pcm);
    free(st->transcript);
    free(st);
    conn_unref(c);
}

static void job_done(workpool_job *j)
{
    vstream *st = stream_of_job(j);
    vconn *c = st->c;
    st->busy = false;
    if (st->kind == J_CLOSE) {
        stream_free(st);
        return;
    }
    json_t *events = st->events;
    st->events = NULL;
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e)
    {
        emit_out(c, st->session_id, json_string_value(json_array_get(e, 0)), json_array_get(e, 1));
    }
    json_decref(events);
    /* the job's error once; each chunk's acknowledgement */
    emit_error(c->s, &st->jerr, st->session_id);
    json_t *ok = json_pack("{s:s, s:I, s:b}", "session_id", st->session_id, "question_id", (json_int_t)st->question_id,
                           "waiting", st->waiting);
    for (vchunk *ch = st->batch; ch != NULL;) {
        vchunk *next = ch->next;
        if (st->jerr.m != V_NONE)
            ack_error(c->s, &st->jerr, ch->ack);
        else
            ack_ok(c->s, ch->ack, ok);
        free(ch);
        ch = next;
    }
    json_decref(ok);
    st->batch = NULL;
    if (st->audio_failed && st->failed.m == V_NONE)
        st->failed = st->jerr.m != V_NONE ? st->jerr : (verr){V_INTERNAL, ""};
    st->jerr.m = V_NONE;
    if (st->kind == J_FINISH || st->fatal) {
        /* finished or never opened: the stream holds nothing now; an answer_complete that came
         * for it is recorded all the same (as typed when it never opened) */
        vrecord *r = st->record;
        st->record = NULL;
        stream_free(st);
        if (r != NULL)
            record_start(r);
        return;
    }
    pump(st);
}

static void submit(vstream *st, job_kind kind)
{
    st->busy = true;
    st->kind = kind;
    st->jerr.m = V_NONE;
    st->job.work = job_work;
    st->job.done = job_done;
    if (st->c->v->stopping) {
        job_work(&st->job);
        job_done(&st->job);
    } else {
        workpool_submit(st->c->v->pool, &st->job);
    }
}

/* Starts the stream's next job, if any: its audio in order, then the finish; or the close of a
 * stream whose socket went away. */
static void pump(vstream *st)
{
    if (st->busy)
        return;
    if (st->closing && st->record == NULL) {
        if (st->opened)
            submit(st, J_CLOSE);
        else
            stream_free(st);
        return;
    }
    if (st->pending != NULL) {
        st->batch = st->pending;
        st->pending = NULL;
        st->tail = &st->pending;
        st->pending_bytes = 0;
        submit(st, J_DATA);
    } else if (st->record != NULL) {
        submit(st, J_FINISH);
    }
}

/* ---- answer_complete: recording the answer ---- */

static void record_free(vrecord *r)
{
    vconn *c = r->c;
    free(r->answer);
    free(r->transcript);
    free(r->pcm);
    json_decref(r->delivery);
    if (r->has_step)
        interviews_step_free(&r->step);
    free(r);
    c->refs--;
    conn_unref(c);
}

static bool blank(const char *s)
{
    for (; s != NULL && *s != '\0'; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return false;
    return true;
}

/* Cuts s after max characters (UTF-8 lead bytes). */
static void cut_chars(char *s, size_t max)
{
    size_t chars = 0;
    for (char *p = s; *p != '\0'; p++) {
        if (((unsigned char)*p & 0xC0) != 0x80 && ++chars > max) {
            *p = '\0';
            return;
        }
    }
}

static void record_work(uv_work_t *w)
{
    vrecord *r = w->data;
    voice_ctx *v = r->c->v;
    ig_err err = {0};
    /* the client's text first; an empty one stands, as POST /answers takes it, when nothing was heard */
    const char *text = !blank(r->answer) ? r->answer : !blank(r->transcript) ? r->transcript : r->answer;
    r->st = IG_OK;
    if (text == NULL) {
        verr_set(&r->e, r->unheard ? V_TRANSCRIBE_FAILED : V_NO_ANSWER, "no transcript");
        return;
    }
    if (text == r->transcript)
        cut_chars(r->transcript, INTERVIEWS_ANSWER_MAX);
    if (r->interview_id == 0) {
        store_interview iv;
        r->st = store_interview_owner_by_session(v->d.store, r->session_id, r->c->user_id, &iv, &err);
        if (r->st == IG_OK)
            r->interview_id = iv.id;
    }
    interviews_answer_req req = {r->question_id, text, NULL, r->response_time, r->delivery};
    if (r->st == IG_OK)
        r->st = interviews_answer(v->d.interviews, r->c->user_id, r->interview_id, &req, &r->step, &err);
    r->has_step = r->st == IG_OK;
    if (r->st == IG_ENOTFOUND)
        verr_set(&r->e, V_NOT_FOUND, NULL);
    else if (r->st == IG_ESTATE)
        verr_set(&r->e, V_NOT_ACTIVE, NULL);
    else if (r->st == IG_ECONFLICT)
        verr_set(&r->e, V_NOT_CURRENT, NULL);
    else if (r->st != IG_OK) {
        log_printf(v->d.log, IG_LOG_ERROR, "voice_answer_failed", "%s", err.msg);
        verr_set(&r->e, V_INTERNAL, NULL);
    }
    if (r->st != IG_OK || r->pcm_n == 0)
        return;
    int64_t answer_id = json_integer_value(json_object_get(r->step.answer, "id"));
    /* the answer stands without its recording: a failure to keep it is logged, not reported */
    if (answer_audio_save(v->d.store, v->cfg.data_dir, r->c->user_id, r->interview_id, answer_id, r->pcm, r->pcm_n,
                          r->url, sizeof r->url, &err) != IG_OK)
        log_printf(v->d.log, IG_LOG_WARN, "voice_recording_failed", "answer %lld: %s", (long long)answer_id, err.msg);
    else
        json_object_set_new(r->step.answer, "answer_audio_url", json_string(r->url));
}

/* A question as its candidate sees it before answering (api_question_json's rule). */
static json_t *public_question(const json_t *q)
{
    if (q == NULL)
        return json_null();
    json_t *o = json_copy((json_t *)q);
    if (o != NULL && json_is_true(json_object_get(o, "locked"))) {
        json_object_del(o, "expected_points");
        json_object_del(o, "follow_ups");
        json_object_del(o, "model_answer");
    }
    if (o != NULL)
        json_object_del(o, "locked");
    return o;
}

/* answer_analysis: the analysis object and what the voice client needs besides. */
static json_t *analysis_event(const vrecord *r)
{
    const json_t *a = r->step.answer;
    json_t *d = json_copy(json_object_get(a, "analysis"));
    if (d == NULL)
        d = json_object();
    if (d == NULL)
        return NULL;
    json_object_set_new(d, "session_id", json_string(r->session_id));
    json_object_set_new(d, "question_id", json_integer(r->question_id));
    json_object_set(d, "answer_id", json_object_get(a, "id"));
    json_object_set_new(d, "answer_audio_url", r->url[0] != '\0' ? json_string(r->url) : json_null());
    json_object_set_new(d, "delivery", r->delivery != NULL ? json_incref(r->delivery) : json_null());
    json_object_set_new(d, "transcript", r->spoken ? json_string(r->transcript != NULL ? r->transcript : "")
                                                   : json_null());
    json_object_set_new(d, "follow_up", public_question(r->step.follow_up));
    json_object_set_new(d, "next_question", public_question(r->step.next));
    json_object_set_new(d, "interview_status", json_string(r->step.interview.status));
    return d;
}

static void record_done(uv_work_t *w, int status)
{
    vrecord *r = w->data;
    vconn *c = r->c;
    if (status != 0) {
        verr_set(&r->e, V_INTERNAL, NULL);
    } else if (r->e.m == V_NONE) {
        json_t *d = analysis_event(r);
        emit_out(c, r->session_id, "answer_analysis", d);
        if (r->ack >= 0 && d != NULL) {
            json_object_set(d, "answer", r->step.answer);
            ack_ok(c->s, r->ack, d);
        }
        json_decref(d);
    }
    send_error(c->s, &r->e, r->session_id, r->ack);
    record_free(r);
}

static void record_start(vrecord *r)
{
    r->work.data = r;
    if (r->c->v->stopping || uv_queue_work(r->c->v->d.loop, &r->work, record_work, record_done) != 0) {
        verr_set(&r->e, V_BUSY, NULL);
        record_done(&r->work, 0);
    }
}

/* ---- membership ---- */

/* A session the socket has not joined: "not found" for another user's or an unknown interview,
 * "join first" for the user's own. */
typedef struct vcheck {
    uv_work_t work;
    voice_ctx *v;
    rt_socket *s;
    int64_t user_id, ack;
    ig_status st;
    char session_id[SESSION_ID_MAX + 1];
} vcheck;

static void check_work(uv_work_t *w)
{
    vcheck *k = w->data;
    store_interview iv;
    ig_err err = {0};
    k->st = store_interview_owner_by_session(k->v->d.store, k->session_id, k->user_id, &iv, &err);
    if (k->st != IG_OK && k->st != IG_ENOTFOUND)
        log_printf(k->v->d.log, IG_LOG_ERROR, "voice_lookup_failed", "%s", err.msg);
}

static void check_done(uv_work_t *w, int status)
{
    vcheck *k = w->data;
    vmsg m = V_INTERNAL;
    if (status == 0 && k->st == IG_OK)
        m = V_NOT_JOINED;
    else if (status == 0 && k->st == IG_ENOTFOUND)
        m = V_NOT_FOUND;
    fail(k->s, m, NULL, k->session_id, k->ack);
    rt_socket_work_end(k->s);
    free(k);
}

/* True when s is in the interview's room; otherwise says why not, off the loop. */
static bool joined(voice_ctx *v, rt_socket *s, const char *session_id, int64_t ack)
{
    char room[ROOM_MAX];
    room_of(session_id, room);
    if (rt_socket_in(s, room))
        return true;
    if (v->stopping || !rt_socket_work_begin(s)) {
        fail(s, V_BUSY, NULL, session_id, ack);
        return false;
    }
    vcheck *k = calloc(1, sizeof *k);
    if (k == NULL) {
        rt_socket_work_end(s);
        fail(s, V_INTERNAL, NULL, session_id, ack);
        return false;
    }
    k->v = v;
    k->s = s;
    k->user_id = rt_socket_user(s);
    k->ack = ack;
    snprintf(k->session_id, sizeof k->session_id, "%s", session_id);
    k->work.data = k;
    if (uv_queue_work(v->d.loop, &k->work, check_work, check_done) != 0) {
        rt_socket_work_end(s);
        free(k);
        fail(s, V_INTERNAL, NULL, session_id, ack);
    }
    return false;
}

/* ---- events ---- */

/* The audio of an audio_stream event: *bytes (malloc'd; NULL for none) and *n. False when
 * answered with an error. */
static bool audio_arg(rt_socket *s, const rt_event *ev, const json_t *body, const char *sid, unsigned char **bytes,
                      size_t *n)
{
    const json_t *a = json_object_get(body, "audio");
    const unsigned char *p = NULL;
    *bytes = NULL;
    *n = 0;
    if (a == NULL || json_is_null(a))
        return true;
    voice_b64 r = VOICE_B64_OK;
    if (rt_event_binary(ev, a, &p, n)) {
        if (*n > VOICE_CHUNK_MAX)
            r = VOICE_B64_TOO_LARGE;
        else if (*n > 0 && (*bytes = malloc(*n)) != NULL)
            memcpy(*bytes, p, *n);
        else if (*n > 0)
            r = VOICE_B64_TOO_LARGE; /* out of memory */
    } else if (json_is_string(a)) {
        r = voice_base64(json_string_value(a), json_string_length(a), VOICE_CHUNK_MAX, bytes, n);
    } else {
        fail(s, V_AUDIO_TYPE, NULL, sid, ev->ack_id);
        return false;
    }
    if (r == VOICE_B64_INVALID)
        fail(s, V_BAD_BASE64, NULL, sid, ev->ack_id);
    if (r == VOICE_B64_TOO_LARGE) {
        verr e;
        verr_num(&e, V_TOO_LARGE, VOICE_CHUNK_MAX);
        send_error(s, &e, sid, ev->ack_id);
    }
    if (r != VOICE_B64_OK) {
        free(*bytes);
        *bytes = NULL;
        *n = 0;
    }
    return r == VOICE_B64_OK;
}

static void on_audio(rt_server *rt, rt_socket *s, const rt_event *ev, void *arg)
{
    (void)rt;
    voice_ctx *v = arg;
    const json_t *body = json_array_get(ev->args, 0);
    char sid[SESSION_ID_MAX + 1];
    unsigned char *bytes = NULL;
    size_t n = 0;
    audio_format format = AUDIO_PCM16;
    if (!json_is_object(body)) {
        fail(s, V_NOT_OBJECT, NULL, NULL, ev->ack_id);
        return;
    }
    if (!session_arg(s, body, ev->ack_id, sid))
        return;
    if (v->d.asr == NULL) {
        fail(s, V_UNAVAILABLE, NULL, sid, ev->ack_id);
        return;
    }
    const json_t *f = json_object_get(body, "format");
    if (f != NULL && !json_is_null(f) &&
        (!json_is_string(f) || !audio_format_parse(json_string_value(f), json_string_length(f), &format))) {
        fail(s, V_BAD_FORMAT, NULL, sid, ev->ack_id);
        return;
    }
    const json_t *qid = json_object_get(body, "question_id");
    if (qid != NULL && !json_is_null(qid) && (!json_is_integer(qid) || json_integer_value(qid) < 1)) {
        fail(s, V_QUESTION_ID, NULL, sid, ev->ack_id);
        return;
    }
    if (!audio_arg(s, ev, body, sid, &bytes, &n) || !joined(v, s, sid, ev->ack_id))
        goto out;
    vconn *c = rt_socket_data(s);
    vstream *st = c != NULL ? stream_find(c, sid) : NULL;
    verr e = {V_NONE, ""};
    if (st == NULL && n == 0) {
        ack_ok(s, ev->ack_id, NULL); /* nothing said, nothing to wake up */
        goto out;
    }
    if (st != NULL && st->failed.m != V_NONE) {
        ack_error(s, &st->failed, ev->ack_id); /* said once already */
        goto out;
    }
    if (st != NULL && (f == NULL || json_is_null(f)))
        format = st->format; /* said with the first chunk */
    if (st != NULL && st->format != format)
        verr_set(&e, V_FORMAT_CHANGED, NULL);
    else if (st != NULL && st->pending_bytes + n > VOICE_PENDING_MAX)
        verr_set(&e, V_TOO_FAST, NULL);
    else if (format == AUDIO_PCM16 &&
             (double)((st != NULL ? st->pcm16_bytes : 0) + n) > v->cfg.max_seconds * AUDIO_RATE * 2)
        verr_num(&e, V_TOO_LONG, v->cfg.max_seconds);
    if (e.m != V_NONE) {
        send_error(s, &e, sid, ev->ack_id);
        goto out;
    }
    vchunk *ch = malloc(sizeof *ch + n);
    if (ch == NULL || (c = conn_get(v, s)) == NULL) {
        free(ch);
        fail(s, V_INTERNAL, NULL, sid, ev->ack_id);
        goto out;
    }
    if (st == NULL) {
        if (!voice_quota_take(&v->quota, c->user_id, v->cfg.max_streams_per_user)) {
            free(ch);
            conn_unref(c);
            verr_num(&e, V_TOO_MANY_STREAMS, v->cfg.max_streams_per_user);
            send_error(s, &e, sid, ev->ack_id);
            goto out;
        }
        if ((st = calloc(1, sizeof *st)) == NULL) {
            voice_quota_put(&v->quota, c->user_id);
            free(ch);
            conn_unref(c);
            fail(s, V_INTERNAL, NULL, sid, ev->ack_id);
            goto out;
        }
        st->c = c;
        snprintf(st->session_id, sizeof st->session_id, "%s", sid);
        st->format = format;
        st->want_question = json_integer_value(qid);
        st->tail = &st->pending;
        st->jerr.m = st->failed.m = V_NONE;
        st->next = c->streams;
        c->streams = st;
    }
    ch->next = NULL;
    ch->ack = ev->ack_id;
    ch->n = n;
    if (n > 0)
        memcpy(ch->bytes, bytes, n);
    *st->tail = ch;
    st->tail = &ch->next;
    st->pending_bytes += n;
    if (format == AUDIO_PCM16)
        st->pcm16_bytes += n;
    pump(st);
out:
    free(bytes);
}

static void on_complete(rt_server *rt, rt_socket *s, const rt_event *ev, void *arg)
{
    (void)rt;
    voice_ctx *v = arg;
    const json_t *body = json_array_get(ev->args, 0);
    char sid[SESSION_ID_MAX + 1];
    if (!json_is_object(body)) {
        fail(s, V_NOT_OBJECT, NULL, NULL, ev->ack_id);
        return;
    }
    if (!session_arg(s, body, ev->ack_id, sid))
        return;
    const json_t *qid = json_object_get(body, "question_id");
    if (!json_is_integer(qid) || json_integer_value(qid) < 1) {
        fail(s, V_QUESTION_ID, NULL, sid, ev->ack_id);
        return;
    }
    const json_t *answer = json_object_get(body, "answer");
    if (answer != NULL && !json_is_null(answer) &&
        (!json_is_string(answer) ||
         utf8_count(json_string_value(answer), json_string_length(answer)) > INTERVIEWS_ANSWER_MAX)) {
        verr e;
        verr_num(&e, V_ANSWER_TEXT, INTERVIEWS_ANSWER_MAX);
        send_error(s, &e, sid, ev->ack_id);
        return;
    }
    const json_t *rtime = json_object_get(body, "response_time");
    if (rtime != NULL && !json_is_null(rtime) &&
        (!json_is_integer(rtime) || json_integer_value(rtime) < 0 || json_integer_value(rtime) > RESPONSE_TIME_MAX)) {
        fail(s, V_RESPONSE_TIME, NULL, sid, ev->ack_id);
        return;
    }
    if (!joined(v, s, sid, ev->ack_id))
        return;
    vconn *c = conn_get(v, s);
    vrecord *r = c != NULL ? calloc(1, sizeof *r) : NULL;
    if (r != NULL && json_is_string(answer) && (r->answer = strdup(json_string_value(answer))) == NULL) {
        free(r);
        r = NULL;
    }
    if (r == NULL) {
        if (c != NULL)
            conn_unref(c);
        fail(s, V_INTERNAL, NULL, sid, ev->ack_id);
        return;
    }
    c->refs++;
    r->c = c;
    snprintf(r->session_id, sizeof r->session_id, "%s", sid);
    r->question_id = json_integer_value(qid);
    r->response_time = json_is_integer(rtime) ? json_integer_value(rtime) : -1;
    r->ack = ev->ack_id;
    r->e.m = V_NONE;
    vstream *st = stream_find(c, sid);
    if (st == NULL) {
        record_start(r);
        return;
    }
    st->record = r;
    pump(st);
}

static void on_disconnect(rt_server *rt, rt_socket *s, void *arg)
{
    (void)rt;
    (void)arg;
    vconn *c = rt_socket_data(s);
    if (c == NULL)
        return;
    c->gone = true;
    rt_socket_set_data(s, NULL);
    c->refs++; /* streams may go as they close */
    for (vstream *st = c->streams, *next; st != NULL; st = next) {
        next = st->next;
        st->closing = true;
        pump(st);
    }
    c->refs--;
    conn_unref(c);
}

/* ---- the module ---- */

ig_status voice_new(const voice_deps *deps, const voice_config *cfg, voice_ctx **out, ig_err *err)
{
    *out = NULL;
    if (deps == NULL || cfg == NULL || deps->loop == NULL || deps->live == NULL || deps->interviews == NULL ||
        deps->store == NULL || cfg->data_dir == NULL || cfg->threads < 1 || cfg->max_seconds <= 0 ||
        cfg->max_streams_per_user < 1)
        return status_errf(err, IG_EINVAL, "voice: incomplete configuration");
    voice_ctx *v = calloc(1, sizeof *v);
    if (v == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");
    v->d = *deps;
    v->cfg = *cfg;
    ig_status rc = workpool_new(deps->loop, cfg->threads, &v->pool, err);
    if (rc != IG_OK) {
        free(v);
        return rc;
    }
    *out = v;
    return IG_OK;
}

ig_status voice_register(voice_ctx *v, rt_server *rt, ig_err *err)
{
    v->rt = rt;
    ig_status rc = rt_on(rt, "audio_stream", on_audio, v, err);
    if (rc == IG_OK)
        rc = rt_on(rt, "answer_complete", on_complete, v, err);
    if (rc == IG_OK)
        rc = rt_on_disconnect(rt, on_disconnect, v, err);
    return rc;
}

void voice_shutdown(voice_ctx *v)
{
    if (v == NULL || v->stopping)
        return;
    v->stopping = true;
    workpool_close(v->pool);
    v->pool = NULL;
}

void voice_free(voice_ctx *v)
{
    if (v == NULL)
        return;
    voice_quota_free(&v->quota);
    free(v);
}

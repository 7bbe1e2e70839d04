/* Token families and revoked jtis in Redis: one Lua script per operation, so that what reads a
 * family and what changes it are one atomic step on the Redis server whichever instance runs it.
 * Scripts reach family keys from the user's set by name, which a single Redis (not a cluster)
 * allows. */
#include "store/redis_tokens.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FAM_PREFIX "ig:fam:"
#define KEY_MAX (sizeof FAM_PREFIX + REDIS_TOKENS_ID_MAX + 8)

/* The user's set lives as long as the last family in it. */
#define EXTEND_USER_SET                                                                                       \
    "local left = tonumber(ARGV[4]) - tonumber(ARGV[5]) "                                                     \
    "if redis.call('TTL', KEYS[2]) < left then redis.call('EXPIREAT', KEYS[2], ARGV[4]) end "

/* KEYS: family, user set. ARGV: user, jti, family id, expires, now. */
static const char SCRIPT_CREATE[] =
    "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end "
    "if tonumber(ARGV[4]) <= tonumber(ARGV[5]) then return 1 end "
    "redis.call('HSET', KEYS[1], 'user', ARGV[1], 'jti', ARGV[2], 'revoked', '0', 'created', ARGV[5], "
    "'expires', ARGV[4]) "
    "redis.call('EXPIREAT', KEYS[1], ARGV[4]) "
    "redis.call('SADD', KEYS[2], ARGV[3]) " EXTEND_USER_SET "return 1";

/* KEYS: family, user set. ARGV: user, old jti, new jti, expires, now. A jti that is not the
 * current one is a stolen, already-rotated token being replayed: the whole family is revoked. */
static const char SCRIPT_ROTATE[] =
    "local f = redis.call('HMGET', KEYS[1], 'user', 'jti', 'revoked', 'expires') "
    "if not f[1] then return 'unknown' end "
    "if f[1] ~= ARGV[1] then return 'other' end "
    "if f[3] == '1' then return 'revoked' end "
    "if tonumber(f[4]) <= tonumber(ARGV[5]) then return 'expired' end "
    "if f[2] ~= ARGV[2] then redis.call('HSET', KEYS[1], 'revoked', '1') return 'reuse' end "
    "redis.call('HSET', KEYS[1], 'jti', ARGV[3], 'rotated', ARGV[5], 'expires', ARGV[4]) "
    "redis.call('EXPIREAT', KEYS[1], ARGV[4]) " EXTEND_USER_SET "return 'ok'";

/* KEYS: family. */
static const char SCRIPT_REVOKE[] =
    "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end "
    "redis.call('HSET', KEYS[1], 'revoked', '1') return 1";

/* KEYS: user set. ARGV: family to keep ("" none), family key prefix, "1" to drop the set. Ids whose
 * family has expired are pruned on the way. */
static const char SCRIPT_REVOKE_USER[] =
    "local n = 0 "
    "for _, f in ipairs(redis.call('SMEMBERS', KEYS[1])) do "
    "  local k = ARGV[2] .. f "
    "  if redis.call('EXISTS', k) == 0 then redis.call('SREM', KEYS[1], f) "
    "  elseif f ~= ARGV[1] then redis.call('HSET', k, 'revoked', '1') n = n + 1 end "
    "end "
    "if ARGV[3] == '1' then redis.call('DEL', KEYS[1]) end "
    "return n";

/* KEYS: jti. ARGV: expires, now. */
static const char SCRIPT_JTI[] =
    "local left = tonumber(ARGV[1]) - tonumber(ARGV[2]) "
    "if left <= 0 or redis.call('TTL', KEYS[1]) >= left then return 0 end "
    "redis.call('SET', KEYS[1], '1') redis.call('EXPIREAT', KEYS[1], ARGV[1]) return 1";

/* KEYS: jti, family. ARGV: user, "1" to check the family. An unknown family (never created,
 * expired, or its user deleted) counts as revoked, as in the store. */
static const char SCRIPT_CHECK[] =
    "local fr = 0 "
    "if ARGV[2] == '1' then "
    "  local f = redis.call('HMGET', KEYS[2], 'user', 'revoked') "
    "  if not f[1] or f[1] ~= ARGV[1] or f[2] == '1' then fr = 1 end "
    "end "
    "return {redis.call('EXISTS', KEYS[1]), fr}";

/* KEYS: user set. ARGV: family key prefix. Flat: id, created, expires, rotated ("" never), revoked. */
static const char SCRIPT_SESSIONS[] =
    "local out = {} "
    "for _, f in ipairs(redis.call('SMEMBERS', KEYS[1])) do "
    "  local h = redis.call('HMGET', ARGV[1] .. f, 'created', 'expires', 'rotated', 'revoked') "
    "  if h[1] then "
    "    out[#out + 1] = f out[#out + 1] = h[1] out[#out + 1] = h[2] "
    "    out[#out + 1] = h[3] or '' out[#out + 1] = h[4] or '0' "
    "  end "
    "end "
    "return out";

static bool id_ok(const char *id)
{
    if (id == NULL)
        return false;
    size_t n = strnlen(id, REDIS_TOKENS_ID_MAX + 1);
    if (n == 0 || n > REDIS_TOKENS_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_'))
            return false;
    }
    return true;
}

static ig_status bad_id(ig_err *err, const char *what)
{
    return status_errf(err, IG_EINVAL, "bad %s id", what);
}

static void fam_key(char *out, const char *family_id)
{
    snprintf(out, KEY_MAX, FAM_PREFIX "%s", family_id);
}

static void user_key(char *out, int64_t user_id)
{
    snprintf(out, KEY_MAX, "ig:ufam:%" PRId64, user_id);
}

/* The keys and numbers the create and rotate scripts both take. */
typedef struct fam_args {
    char fk[KEY_MAX], uk[KEY_MAX], user[24], exp[24], now[24];
} fam_args;

static void fam_args_fill(fam_args *f, const char *family_id, int64_t user_id, int64_t expires_at)
{
    fam_key(f->fk, family_id);
    user_key(f->uk, user_id);
    snprintf(f->user, sizeof f->user, "%" PRId64, user_id);
    snprintf(f->exp, sizeof f->exp, "%" PRId64, expires_at);
    snprintf(f->now, sizeof f->now, "%lld", (long long)time(NULL));
}

/* Runs script and keeps the reply only when it has the expected type. */
static ig_status run(redis_pool *p, const char *script, int numkeys, int argc, const char **argv, int type,
                     redisReply **reply, ig_err *err)
{
    ig_status st = redis_eval(p, script, numkeys, argc, argv, NULL, reply, err);
    if (st == IG_OK && (*reply)->type != type) {
        freeReplyObject(*reply);
        *reply = NULL;
        st = status_errf(err, IG_EIO, "unexpected reply from a redis token script");
    }
    return st;
}

ig_status redis_tokens_family_create(redis_pool *p, const char *family_id, int64_t user_id,
                                     const char *refresh_jti, int64_t expires_at, ig_err *err)
{
    if (!id_ok(family_id))
        return bad_id(err, "family");
    if (!id_ok(refresh_jti))
        return bad_id(err, "token");
    fam_args f;
    fam_args_fill(&f, family_id, user_id, expires_at);
    const char *a[] = {f.fk, f.uk, f.user, refresh_jti, family_id, f.exp, f.now};
    redisReply *r;
    ig_status st = run(p, SCRIPT_CREATE, 2, 7, a, REDIS_REPLY_INTEGER, &r, err);
    if (st != IG_OK)
        return st;
    bool created = r->integer == 1;
    freeReplyObject(r);
    return created ? IG_OK : status_errf(err, IG_ECONFLICT, "session already exists");
}

ig_status redis_tokens_family_rotate(redis_pool *p, const char *family_id, int64_t user_id, const char *old_jti,
                                     const char *new_jti, int64_t expires_at, ig_err *err)
{
    if (!id_ok(family_id))
        return bad_id(err, "family");
    if (!id_ok(old_jti) || !id_ok(new_jti))
        return bad_id(err, "token");
    fam_args f;
    fam_args_fill(&f, family_id, user_id, expires_at);
    const char *a[] = {f.fk, f.uk, f.user, old_jti, new_jti, f.exp, f.now};
    redisReply *r;
    ig_status st = run(p, SCRIPT_ROTATE, 2, 7, a, REDIS_REPLY_STRING, &r, err);
    if (st != IG_OK)
        return st;
    static const struct {
        const char *word;
        const char *msg;
    } outcomes[] = {
        {"unknown", "unknown session"},
        {"other", "session belongs to another user"},
        {"revoked", "session has been revoked"},
        {"expired", "session has expired"},
        {"reuse", "refresh token reuse detected; session revoked"},
    };
    st = IG_OK;
    if (strcmp(r->str, "ok") != 0) {
        st = status_errf(err, IG_EIO, "unexpected reply from the redis rotate script");
        for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++)
            if (strcmp(r->str, outcomes[i].word) == 0)
                st = status_errf(err, IG_EAUTH, "%s", outcomes[i].msg);
    }
    freeReplyObject(r);
    return st;
}

ig_status redis_tokens_family_revoke(redis_pool *p, const char *family_id, ig_err *err)
{
    if (!id_ok(family_id))
        return bad_id(err, "family");
    char fk[KEY_MAX];
    fam_key(fk, family_id);
    const char *a[] = {fk};
    redisReply *r;
    ig_status st = run(p, SCRIPT_REVOKE, 1, 1, a, REDIS_REPLY_INTEGER, &r, err);
    if (st == IG_OK)
        freeReplyObject(r);
    return st;
}

ig_status redis_tokens_revoke_user(redis_pool *p, int64_t user_id, const char *keep_family, bool forget,
                                   ig_err *err)
{
    if (keep_family && !id_ok(keep_family))
        return bad_id(err, "family");
    char uk[KEY_MAX];
    user_key(uk, user_id);
    const char *a[] = {uk, keep_family ? keep_family : "", FAM_PREFIX, forget ? "1" : "0"};
    redisReply *r;
    ig_status st = run(p, SCRIPT_REVOKE_USER, 1, 4, a, REDIS_REPLY_INTEGER, &r, err);
    if (st == IG_OK)
        freeReplyObject(r);
    return st;
}

ig_status redis_tokens_jti_revoke(redis_pool *p, const char *jti, int64_t expires_at, ig_err *err)
{
    if (!id_ok(jti))
        return bad_id(err, "token");
    char jk[KEY_MAX], exp[24], now[24];
    snprintf(jk, sizeof jk, "ig:jti:%s", jti);
    snprintf(exp, sizeof exp, "%" PRId64, expires_at);
    snprintf(now, sizeof now, "%lld", (long long)time(NULL));
    const char *a[] = {jk, exp, now};
    redisReply *r;
    ig_status st = run(p, SCRIPT_JTI, 1, 3, a, REDIS_REPLY_INTEGER, &r, err);
    if (st == IG_OK)
        freeReplyObject(r);
    return st;
}

ig_status redis_tokens_check(redis_pool *p, int64_t user_id, const char *jti, const char *family_id,
                             bool *jti_revoked, bool *family_revoked, ig_err *err)
{
    bool with_family = family_id != NULL && family_id[0] != '\0';
    if (!id_ok(jti))
        return bad_id(err, "token");
    if (with_family && !id_ok(family_id))
        return bad_id(err, "family");
    char jk[KEY_MAX], fk[KEY_MAX], user[24];
    snprintf(jk, sizeof jk, "ig:jti:%s", jti);
    fam_key(fk, with_family ? family_id : "-");
    snprintf(user, sizeof user, "%" PRId64, user_id);
    const char *a[] = {jk, fk, user, with_family ? "1" : "0"};
    redisReply *r;
    ig_status st = run(p, SCRIPT_CHECK, 2, 4, a, REDIS_REPLY_ARRAY, &r, err);
    if (st != IG_OK)
        return st;
    if (r->elements != 2 || r->element[0]->type != REDIS_REPLY_INTEGER ||
        r->element[1]->type != REDIS_REPLY_INTEGER) {
        st = status_errf(err, IG_EIO, "unexpected reply from the redis check script");
    } else {
        *jti_revoked = r->element[0]->integer != 0;
        *family_revoked = r->element[1]->integer != 0;
    }
    freeReplyObject(r);
    return st;
}

static bool to_i64(const redisReply *e, int64_t *out)
{
    if (e->type != REDIS_REPLY_STRING || e->len == 0 || e->len > 19)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < e->len; i++) {
        if (e->str[i] < '0' || e->str[i] > '9')
            return false;
        v = v * 10 + (e->str[i] - '0');
    }
    *out = v;
    return true;
}

/* Unix seconds as ISO 8601 UTC, as the store exports its timestamps. */
static json_t *iso_time(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[32];
    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return json_integer(t);
    return json_string(buf);
}

typedef struct session_row {
    int64_t created;
    const char *id; /* borrowed from the reply */
    json_t *json;
} session_row;

static int by_created(const void *a, const void *b)
{
    const session_row *x = a, *y = b;
    if (x->created != y->created)
        return x->created < y->created ? -1 : 1;
    return strcmp(x->id, y->id);
}

ig_status redis_tokens_sessions(redis_pool *p, int64_t user_id, json_t **out, ig_err *err)
{
    *out = NULL;
    char uk[KEY_MAX];
    user_key(uk, user_id);
    const char *a[] = {uk, FAM_PREFIX};
    redisReply *r;
    session_row *rows = NULL;
    json_t *arr = NULL;
    size_t n = 0;
    ig_status st = run(p, SCRIPT_SESSIONS, 1, 2, a, REDIS_REPLY_ARRAY, &r, err);
    if (st != IG_OK)
        return st;
    if (r->elements % 5 != 0) {
        st = status_errf(err, IG_EIO, "unexpected reply from the redis sessions script");
        goto out;
    }
    rows = calloc(r->elements / 5 + 1, sizeof *rows);
    arr = json_array();
    if (rows == NULL || arr == NULL) {
        st = status_errf(err, IG_ENOMEM, "out of memory listing sessions");
        goto out;
    }
    for (size_t i = 0; i < r->elements; i += 5) {
        redisReply **e = r->element + i;
        int64_t created, expires, rotated = 0, revoked;
        bool has_rotated = e[3]->type == REDIS_REPLY_STRING && e[3]->len > 0;
        if (e[0]->type != REDIS_REPLY_STRING || !to_i64(e[1], &created) || !to_i64(e[2], &expires) ||
            (has_rotated && !to_i64(e[3], &rotated)) || !to_i64(e[4], &revoked)) {
            st = status_errf(err, IG_EIO, "unexpected session in redis");
            goto out;
        }
        json_t *row = json_pack("{s:s%, s:o, s:o, s:o, s:b}", "id", e[0]->str, e[0]->len, "created_at",
                                iso_time(created), "expires_at", iso_time(expires), "rotated_at",
                                has_rotated ? iso_time(rotated) : json_null(), "revoked", revoked != 0);
        if (row == NULL) {
            st = status_errf(err, IG_ENOMEM, "out of memory listing sessions");
            goto out;
        }
        rows[n++] = (session_row){created, e[0]->str, row};
    }
    qsort(rows, n, sizeof *rows, by_created);
    for (size_t i = 0; i < n; i++) {
        json_t *row = rows[i].json;
        rows[i].json = NULL;
        if (json_array_append_new(arr, row) != 0) {
            st = status_errf(err, IG_ENOMEM, "out of memory listing sessions");
            goto out;
        }
    }
    *out = arr;
    arr = NULL;
out:
    for (size_t i = 0; rows && i < n; i++)
        json_decref(rows[i].json);
    free(rows);
    json_decref(arr);
    freeReplyObject(r);
    return st;
}

/* Sessions and revoked tokens: the store's tables, or Redis when one is configured. */
#include "services/revocation.h"

#include "store/redis_tokens.h"

ig_status revocation_ready(const revocation *rv, ig_err *err)
{
    return rv->redis ? redis_ping(rv->redis, err) : IG_OK;
}

ig_status revocation_family_create(const revocation *rv, const char *family_id, int64_t user_id,
                                   const char *refresh_jti, int64_t expires_at, ig_err *err)
{
    if (rv->redis)
        return redis_tokens_family_create(rv->redis, family_id, user_id, refresh_jti, expires_at, err);
    return store_family_create(rv->store, family_id, user_id, refresh_jti, expires_at, err);
}

ig_status revocation_family_rotate(const revocation *rv, const char *family_id, int64_t user_id,
                                   const char *old_jti, const char *new_jti, int64_t expires_at, ig_err *err)
{
    if (rv->redis)
        return redis_tokens_family_rotate(rv->redis, family_id, user_id, old_jti, new_jti, expires_at, err);
    return store_family_rotate(rv->store, family_id, user_id, old_jti, new_jti, expires_at, err);
}

ig_status revocation_family_revoke(const revocation *rv, const char *family_id, ig_err *err)
{
    if (rv->redis)
        return redis_tokens_family_revoke(rv->redis, family_id, err);
    return store_family_revoke(rv->store, family_id, err);
}

ig_status revocation_revoke_user(const revocation *rv, int64_t user_id, const char *keep_family, ig_err *err)
{
    if (rv->redis)
        return redis_tokens_revoke_user(rv->redis, user_id, keep_family, false, err);
    return store_family_revoke_user(rv->store, user_id, keep_family, err);
}

ig_status revocation_jti_revoke(const revocation *rv, const char *jti, int64_t expires_at, ig_err *err)
{
    if (rv->redis)
        return redis_tokens_jti_revoke(rv->redis, jti, expires_at, err);
    return store_jti_revoke(rv->store, jti, expires_at, err);
}

ig_status revocation_check(const revocation *rv, int64_t user_id, const char *jti, const char *family_id,
                           store_auth_check *out, ig_err *err)
{
    if (rv->redis == NULL)
        return store_auth_check_token(rv->store, user_id, jti, family_id, out, err);
    *out = (store_auth_check){0};
    /* Redis first: while it is down no request costs the database a query */
    ig_status st = redis_tokens_check(rv->redis, user_id, jti, family_id, &out->jti_revoked, &out->family_revoked,
                                      err);
    if (st != IG_OK)
        return st;
    st = store_user_by_id(rv->store, user_id, &out->user, err);
    if (st == IG_ENOTFOUND)
        return IG_OK;
    if (st != IG_OK)
        return st;
    out->user_exists = true;
    out->user_active = out->user.is_active;
    return IG_OK;
}

ig_status revocation_export(const revocation *rv, int64_t user_id, json_t *doc, ig_err *err)
{
    if (rv->redis == NULL)
        return IG_OK;
    json_t *sessions = NULL;
    ig_status st = redis_tokens_sessions(rv->redis, user_id, &sessions, err);
    if (st == IG_OK && json_object_set_new(doc, "sessions", sessions) != 0)
        st = status_errf(err, IG_ENOMEM, "out of memory exporting sessions");
    return st;
}

ig_status revocation_delete_user(const revocation *rv, int64_t user_id, ig_err *err)
{
    if (rv->redis) {
        ig_status st = redis_tokens_revoke_user(rv->redis, user_id, NULL, true, err);
        if (st != IG_OK)
            return st;
    }
    return store_user_delete(rv->store, user_id, err);
}

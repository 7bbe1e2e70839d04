/* Account and session rules on top of the store, tokens and password hashing. */
#include "services/auth.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

ig_status auth_service_init(auth_service *svc, ig_store *store, const char *jwt_secret,
                            const password_params *pw, long access_ttl, long refresh_ttl, ig_err *err)
{
    memset(svc, 0, sizeof *svc);
    svc->store = store;
    svc->rev.store = store;
    svc->pw = *pw;
    svc->access_ttl = access_ttl;
    svc->refresh_ttl = refresh_ttl;
    ig_status st = token_key_init(&svc->key, jwt_secret, err);
    if (st == IG_OK)
        st = token_cache_new(4096, &svc->verified, err);
    if (st != IG_OK)
        return st;
    /* a hash of random bytes with the live parameters: unknown emails cost the same as known ones */
    char rnd[33];
    token_new_id(rnd);
    return password_hash(&svc->pw, rnd, strlen(rnd), svc->dummy_hash, err);
}

void auth_service_wipe(auth_service *svc)
{
    token_key_wipe(&svc->key);
    token_cache_free(svc->verified);
    svc->verified = NULL;
}

void auth_use_redis(auth_service *svc, redis_pool *redis)
{
    svc->rev.redis = redis;
}

void auth_set_revoke_listener(auth_service *svc, auth_revoke_fn fn, void *arg)
{
    svc->on_revoke = fn;
    svc->on_revoke_arg = arg;
}

void auth_notify_revoked(const auth_service *svc, const auth_revoked *r)
{
    if (svc->on_revoke != NULL)
        svc->on_revoke(svc->on_revoke_arg, r);
}

void auth_tokens_free(auth_tokens *t)
{
    free(t->access_token);
    free(t->refresh_token);
    t->access_token = t->refresh_token = NULL;
}

bool auth_email_normalize(const char *in, size_t len, char *out, size_t cap)
{
    while (len > 0 && isspace((unsigned char)in[0])) {
        in++;
        len--;
    }
    while (len > 0 && isspace((unsigned char)in[len - 1]))
        len--;
    if (len < 3 || len > 254 || len + 1 > cap)
        return false;
    size_t at = len, dots_after = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)in[i];
        if (ch <= ' ' || ch >= 0x7f || ch == '<' || ch == '>' || ch == '(' || ch == ')' || ch == ',' ||
            ch == ';' || ch == ':' || ch == '\\' || ch == '"' || ch == '[' || ch == ']')
            return false;
        if (ch == '@') {
            if (at != len)
                return false;
            at = i;
        } else if (ch == '.' && at != len) {
            dots_after++;
        }
        out[i] = (char)tolower(ch);
    }
    out[len] = '\0';
    /* local@domain.tld: non-empty local part, a dot in the domain, not at either end */
    if (at == 0 || at == len || at > 64 || dots_after == 0 || out[at + 1] == '.' || out[len - 1] == '.')
        return false;
    return strstr(out + at, "..") == NULL;
}

static ig_status issue_pair(const auth_service *svc, const store_user *u, const char *family, bool new_family,
                            const char *old_refresh_jti, auth_tokens *t, ig_err *err)
{
    int64_t now = time(NULL);
    token_claims rc;
    memset(t, 0, sizeof *t);
    ig_status st = token_issue(&svc->key, TOKEN_ACCESS, u->id, u->email, family, now, svc->access_ttl,
                               &t->access_token, &t->access, err);
    if (st == IG_OK)
        st = token_issue(&svc->key, TOKEN_REFRESH, u->id, NULL, family, now, svc->refresh_ttl,
                         &t->refresh_token, &rc, err);
    if (st == IG_OK) {
        if (new_family)
            st = revocation_family_create(&svc->rev, family, u->id, rc.jti, rc.exp, err);
        else
            st = revocation_family_rotate(&svc->rev, family, u->id, old_refresh_jti, rc.jti, rc.exp, err);
    }
    if (st != IG_OK)
        auth_tokens_free(t);
    return st;
}

static ig_status new_session(const auth_service *svc, const store_user *u, auth_tokens *t, ig_err *err)
{
    char family[TOKEN_ID_HEX + 1];
    token_new_id(family);
    return issue_pair(svc, u, family, true, NULL, t, err);
}

ig_status auth_register(const auth_service *svc, const char *email, const char *password, size_t pwlen,
                        const char *username, store_user *user, auth_tokens *tokens, ig_err *err)
{
    char hash[crypto_pwhash_STRBYTES];
    ig_status st = revocation_ready(&svc->rev, err);
    if (st == IG_OK)
        st = password_hash(&svc->pw, password, pwlen, hash, err);
    if (st == IG_OK)
        st = store_user_create(svc->store, email, hash, username, user, err);
    if (st == IG_OK)
        st = new_session(svc, user, tokens, err);
    sodium_memzero(hash, sizeof hash);
    return st;
}

ig_status auth_login(const auth_service *svc, const char *email, const char *password, size_t pwlen,
                     store_user *user, auth_tokens *tokens, auth_fail *why, ig_err *err)
{
    *why = AUTH_FAIL_NONE;
    ig_status st = store_user_by_email(svc->store, email, user, err);
    bool known = st == IG_OK;
    if (st != IG_OK && st != IG_ENOTFOUND)
        return st;
    ig_status vst = password_verify(known ? user->password_hash : svc->dummy_hash, password, pwlen, err);
    if (!known || vst != IG_OK) {
        *why = AUTH_FAIL_CREDENTIALS;
        return status_errf(err, IG_EAUTH, "invalid email or password");
    }
    if (!user->is_active) {
        *why = AUTH_FAIL_INACTIVE;
        return status_errf(err, IG_EFORBIDDEN, "account is deactivated");
    }
    if (password_needs_rehash(&svc->pw, user->password_hash)) {
        char hash[crypto_pwhash_STRBYTES];
        /* upgrading the stored hash to the current parameters is best effort */
        if (password_hash(&svc->pw, password, pwlen, hash, NULL) == IG_OK)
            (void)store_user_set_password(svc->store, user->id, hash, NULL);
        sodium_memzero(hash, sizeof hash);
    }
    st = store_user_touch_login(svc->store, user->id, err);
    if (st == IG_OK)
        st = store_user_by_id(svc->store, user->id, user, err);
    if (st == IG_OK)
        st = new_session(svc, user, tokens, err);
    return st;
}

ig_status auth_refresh(const auth_service *svc, const char *refresh, size_t len, auth_tokens *tokens,
                       auth_fail *why, ig_err *err)
{
    token_claims c;
    store_user u;
    *why = AUTH_FAIL_INVALID;
    ig_status st = token_verify(&svc->key, refresh, len, TOKEN_REFRESH, time(NULL), &c, err);
    if (st != IG_OK) {
        if (c.expired)
            *why = AUTH_FAIL_EXPIRED;
        return IG_EAUTH;
    }
    st = store_user_by_id(svc->store, c.user_id, &u, err);
    if (st == IG_ENOTFOUND || (st == IG_OK && !u.is_active)) {
        *why = AUTH_FAIL_USER;
        return status_errf(err, IG_EAUTH, "user is gone or deactivated");
    }
    if (st != IG_OK)
        return st;
    st = issue_pair(svc, &u, c.family, false, c.jti, tokens, err);
    if (st == IG_EAUTH) {
        /* a replayed refresh token revoked its family (or found it over): its sockets go too */
        *why = AUTH_FAIL_REVOKED;
        auth_notify_revoked(svc, &(auth_revoked){.user_id = u.id, .family = c.family});
    }
    return st;
}

ig_status auth_authenticate(const auth_service *svc, const char *access, size_t len, auth_identity *id,
                            auth_fail *why, ig_err *err)
{
    *why = AUTH_FAIL_INVALID;
    int64_t now = time(NULL);
    ig_status st;
    if (!token_cache_get(svc->verified, access, len, now, &id->claims)) {
        st = token_verify(&svc->key, access, len, TOKEN_ACCESS, now, &id->claims, err);
        if (st != IG_OK) {
            if (id->claims.expired)
                *why = AUTH_FAIL_EXPIRED;
            return IG_EAUTH;
        }
        token_cache_put(svc->verified, access, len, &id->claims);
    }
    store_auth_check chk;
    st = revocation_check(&svc->rev, id->claims.user_id, id->claims.jti, id->claims.family, &chk, err);
    if (st != IG_OK)
        return st;
    if (!chk.user_exists || !chk.user_active) {
        *why = AUTH_FAIL_USER;
        return status_errf(err, IG_EAUTH, "user is gone or deactivated");
    }
    if (chk.jti_revoked || chk.family_revoked) {
        *why = AUTH_FAIL_REVOKED;
        return status_errf(err, IG_EAUTH, "token has been revoked");
    }
    id->user = chk.user;
    *why = AUTH_FAIL_NONE;
    return IG_OK;
}

ig_status auth_logout(const auth_service *svc, const auth_identity *id, ig_err *err)
{
    ig_status st = revocation_jti_revoke(&svc->rev, id->claims.jti, id->claims.exp, err);
    if (st == IG_OK)
        st = revocation_family_revoke(&svc->rev, id->claims.family, err);
    if (st == IG_OK)
        auth_notify_revoked(svc, &(auth_revoked){.user_id = id->user.id, .family = id->claims.family,
                                                 .jti = id->claims.jti});
    return st;
}

ig_status auth_update_profile(const auth_service *svc, const auth_identity *id, const char *username,
                              const char *avatar_url, store_user *out, ig_err *err)
{
    return store_user_update_profile(svc->store, id->user.id, username, avatar_url, out, err);
}

ig_status auth_change_password(const auth_service *svc, const auth_identity *id, const char *old_pw,
                               size_t oldlen, const char *new_pw, size_t newlen, ig_err *err)
{
    if (password_verify(id->user.password_hash, old_pw, oldlen, NULL) != IG_OK)
        return status_errf(err, IG_EAUTH, "old password is wrong");
    char hash[crypto_pwhash_STRBYTES];
    ig_status st = password_hash(&svc->pw, new_pw, newlen, hash, err);
    if (st == IG_OK)
        st = store_user_set_password(svc->store, id->user.id, hash, err);
    if (st == IG_OK)
        st = revocation_revoke_user(&svc->rev, id->user.id, id->claims.family, err);
    if (st == IG_OK)
        auth_notify_revoked(svc, &(auth_revoked){.user_id = id->user.id, .keep_family = id->claims.family});
    sodium_memzero(hash, sizeof hash);
    return st;
}

ig_status auth_export(const auth_service *svc, const auth_identity *id, json_t **out, ig_err *err)
{
    ig_status st = store_user_export(svc->store, id->user.id, out, err);
    if (st == IG_OK && (st = revocation_export(&svc->rev, id->user.id, *out, err)) != IG_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return st;
}

ig_status auth_delete_account(const auth_service *svc, const auth_identity *id, const char *password,
                              size_t pwlen, ig_err *err)
{
    if (password_verify(id->user.password_hash, password, pwlen, NULL) != IG_OK)
        return status_errf(err, IG_EAUTH, "password is wrong");
    ig_status st = revocation_delete_user(&svc->rev, id->user.id, err);
    if (st == IG_OK)
        auth_notify_revoked(svc, &(auth_revoked){.user_id = id->user.id, .all_sessions = true});
    return st;
}

void auth_iso8601(int64_t t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

json_t *auth_user_json(const store_user *u)
{
    char created[32], last[32];
    auth_iso8601(u->created_at, created, sizeof created);
    auth_iso8601(u->last_login_at, last, sizeof last);
    return json_pack("{s:I, s:s, s:o, s:o, s:b, s:o, s:s}", "id", (json_int_t)u->id, "email", u->email,
                     "username", u->has_username ? json_string(u->username) : json_null(), "avatar_url",
                     u->has_avatar_url ? json_string(u->avatar_url) : json_null(), "is_active", u->is_active,
                     "last_login_at", u->last_login_at ? json_string(last) : json_null(), "created_at",
                     created);
}

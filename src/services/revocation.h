/* Where sessions (refresh-token families) and revoked access tokens live: in the store's tables by
 * default, in Redis when REDIS_URL is set (store/redis_tokens.h), so that every instance sees a
 * logout at once. The auth service calls only this interface. Every function blocks (store or
 * Redis) and runs on a worker thread; IG_EUNAVAIL when Redis cannot be reached, which the API
 * answers with 503: a revocation that cannot be checked is not assumed absent. */
#ifndef IG_SERVICES_REVOCATION_H
#define IG_SERVICES_REVOCATION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"
#include "store/redis.h"
#include "store/store.h"

typedef struct revocation {
    ig_store *store;   /* borrowed: users, and sessions when redis is NULL */
    redis_pool *redis; /* borrowed; NULL: sessions live in the store */
} revocation;

/* IG_OK when sessions can be written now (Redis answers a PING); lets registration refuse before
 * it creates an account it could not open a session for. */
ig_status revocation_ready(const revocation *rv, ig_err *err);

/* A new session (family) for user_id whose current refresh token is refresh_jti. */
ig_status revocation_family_create(const revocation *rv, const char *family_id, int64_t user_id,
                                   const char *refresh_jti, int64_t expires_at, ig_err *err);
/* Rotates the session to new_jti; IG_EAUTH when it is over, and when old_jti was already rotated
 * (a replayed refresh token), which also revokes the session. */
ig_status revocation_family_rotate(const revocation *rv, const char *family_id, int64_t user_id,
                                   const char *old_jti, const char *new_jti, int64_t expires_at, ig_err *err);
ig_status revocation_family_revoke(const revocation *rv, const char *family_id, ig_err *err);
/* Revokes every session of the user but keep_family (NULL: all). */
ig_status revocation_revoke_user(const revocation *rv, int64_t user_id, const char *keep_family, ig_err *err);
/* Revokes an access token until it expires. */
ig_status revocation_jti_revoke(const revocation *rv, const char *jti, int64_t expires_at, ig_err *err);
/* The user's row and whether the token is revoked, as store_auth_check_token. */
ig_status revocation_check(const revocation *rv, int64_t user_id, const char *jti, const char *family_id,
                           store_auth_check *out, ig_err *err);
/* Completes a store_user_export document: with Redis, its "sessions" come from Redis. */
ig_status revocation_export(const revocation *rv, int64_t user_id, json_t *doc, ig_err *err);
/* Deletes the user and all their data; with Redis, their sessions are revoked first (so their
 * tokens cannot pass for a later user given the same id) and their session list dropped. */
ig_status revocation_delete_user(const revocation *rv, int64_t user_id, ig_err *err);

#endif

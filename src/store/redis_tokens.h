/* Refresh-token families and revoked access-token ids kept in Redis, shared by every instance (the
 * seed keeps its refresh tokens in Redis). The same rules as the store's token_families and
 * revoked_tokens tables, with expiry left to Redis TTLs:
 *   ig:fam:<family>  hash {user, jti, revoked, created, rotated, expires}, expiring at expires
 *   ig:ufam:<user>   set of the user's family ids, expiring with the last of them
 *   ig:jti:<jti>     "1", expiring when the revoked token would have expired
 * Each change is one Lua script, so rotation with reuse detection is atomic across instances.
 * Every function blocks on Redis (worker threads only); IG_EUNAVAIL when Redis cannot be reached.
 * Ids are the token module's hex ids: at most REDIS_TOKENS_ID_MAX bytes, else IG_EINVAL. */
#ifndef IG_STORE_REDIS_TOKENS_H
#define IG_STORE_REDIS_TOKENS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"
#include "store/redis.h"

#define REDIS_TOKENS_ID_MAX 64

/* A new family for user_id whose current refresh jti is refresh_jti. IG_ECONFLICT if it exists. */
ig_status redis_tokens_family_create(redis_pool *p, const char *family_id, int64_t user_id,
                                     const char *refresh_jti, int64_t expires_at, ig_err *err);
/* Rotates family from old_jti to new_jti. Unknown, another user's, revoked or expired: IG_EAUTH.
 * old_jti not the current one (a reused, already-rotated token): the family is revoked, IG_EAUTH. */
ig_status redis_tokens_family_rotate(redis_pool *p, const char *family_id, int64_t user_id, const char *old_jti,
                                     const char *new_jti, int64_t expires_at, ig_err *err);
/* Marks the family revoked (nothing when it is unknown or expired). */
ig_status redis_tokens_family_revoke(redis_pool *p, const char *family_id, ig_err *err);
/* Revokes every family of the user except keep_family (NULL: all). forget also drops the user's
 * family list (account deletion: a later user given the same id must not see these sessions);
 * the revoked families themselves stay until they expire. */
ig_status redis_tokens_revoke_user(redis_pool *p, int64_t user_id, const char *keep_family, bool forget,
                                   ig_err *err);
/* Records the access token jti as revoked until expires_at. */
ig_status redis_tokens_jti_revoke(redis_pool *p, const char *jti, int64_t expires_at, ig_err *err);
/* Whether jti is revoked and whether family_id ("" or NULL: not checked) is over for user_id:
 * unknown, expired, another user's or revoked. Nothing is cached: a revocation on any instance is
 * seen by the next check. */
ig_status redis_tokens_check(redis_pool *p, int64_t user_id, const char *jti, const char *family_id,
                             bool *jti_revoked, bool *family_revoked, ig_err *err);
/* The user's sessions as the store exports them: an array (new reference in *out) of
 * {id, created_at, expires_at, rotated_at (ISO 8601 UTC; rotated_at null until rotated),
 * revoked (boolean)}, oldest first. */
ig_status redis_tokens_sessions(redis_pool *p, int64_t user_id, json_t **out, ig_err *err);

#endif

/* Accounts and sessions: registration, login, refresh-token rotation with reuse detection,
 * logout, profile, password change, export and deletion. Business rules only: no HTTP, no SQL.
 * Every function blocks (store, hashing) and runs on a worker thread. The service struct is owned
 * by main and read-only while requests run. */
#ifndef IG_SERVICES_AUTH_H
#define IG_SERVICES_AUTH_H

#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"
#include "services/password.h"
#include "services/revocation.h"
#include "services/token.h"
#include "services/token_cache.h"
#include "store/store.h"

/* What a revocation ended, for the sockets still open with those tokens: every session of user_id
 * (all_sessions), or every one but keep_family, or the family and the access token jti (either may
 * be NULL). Strings borrowed during the call. */
typedef struct auth_revoked {
    int64_t user_id;
    const char *family;
    const char *keep_family;
    const char *jti;
    bool all_sessions;
} auth_revoked;

/* Told of every successful revocation, on the thread that made it (a worker thread). */
typedef void (*auth_revoke_fn)(void *arg, const auth_revoked *r);

typedef struct auth_service {
    ig_store *store;                  /* borrowed */
    revocation rev;                   /* sessions and revoked tokens: the store, or Redis */
    token_key key;
    password_params pw;
    long access_ttl, refresh_ttl;     /* seconds */
    char dummy_hash[crypto_pwhash_STRBYTES]; /* verified against when the email is unknown */
    token_cache *verified;            /* owned; internally locked: access tokens already verified */
    auth_revoke_fn on_revoke;         /* NULL: nobody listens */
    void *on_revoke_arg;
} auth_service;

/* Why an authentication failed, so the API can say so in the user's language. */
typedef enum auth_fail {
    AUTH_FAIL_NONE,
    AUTH_FAIL_MISSING,     /* no token */
    AUTH_FAIL_INVALID,     /* malformed, forged, wrong type */
    AUTH_FAIL_EXPIRED,
    AUTH_FAIL_REVOKED,     /* logged out, rotated family reused, password changed */
    AUTH_FAIL_USER,        /* the user is gone or deactivated */
    AUTH_FAIL_CREDENTIALS, /* wrong email or password */
    AUTH_FAIL_INACTIVE,    /* right password, deactivated account */
} auth_fail;

/* A freshly issued pair; both strings are malloc'd, released by auth_tokens_free. */
typedef struct auth_tokens {
    char *access_token;
    char *refresh_token;
    token_claims access;
} auth_tokens;

/* The caller of an authenticated request. */
typedef struct auth_identity {
    token_claims claims;
    store_user user;
} auth_identity;

/* Fills svc; computes the dummy hash (slow: call at start-up, off the loop if it matters). */
ig_status auth_service_init(auth_service *svc, ig_store *store, const char *jwt_secret,
                            const password_params *pw, long access_ttl, long refresh_ttl, ig_err *err);
void auth_service_wipe(auth_service *svc);
/* Keeps sessions and revoked tokens in redis (borrowed; must outlive svc) instead of the store, so
 * every instance sharing that Redis sees them. Call before serving. */
void auth_use_redis(auth_service *svc, redis_pool *redis);
/* Installs the revocation listener (fn NULL: none): logout, password change, account deletion and
 * a replayed refresh token tell it what they revoked. Call before serving. */
void auth_set_revoke_listener(auth_service *svc, auth_revoke_fn fn, void *arg);
/* Tells the listener, if any, that r was revoked elsewhere (an account deactivated by the CLI). */
void auth_notify_revoked(const auth_service *svc, const auth_revoked *r);
void auth_tokens_free(auth_tokens *t);

/* Lower-cases and trims an email into out (cap bytes); false when it is not a plausible address. */
bool auth_email_normalize(const char *in, size_t len, char *out, size_t cap);

/* IG_ECONFLICT when the email is taken. */
ig_status auth_register(const auth_service *svc, const char *email, const char *password, size_t pwlen,
                        const char *username, store_user *user, auth_tokens *tokens, ig_err *err);
/* IG_EAUTH (*why = CREDENTIALS) for an unknown email or a wrong password, after the same work;
 * IG_EFORBIDDEN (*why = INACTIVE) for a deactivated account. */
ig_status auth_login(const auth_service *svc, const char *email, const char *password, size_t pwlen,
                     store_user *user, auth_tokens *tokens, auth_fail *why, ig_err *err);
/* Rotates a refresh token (len bytes) into a new pair. Reusing an already-rotated one revokes the
 * family. IG_EAUTH with *why on every failure. */
ig_status auth_refresh(const auth_service *svc, const char *refresh, size_t len, auth_tokens *tokens,
                       auth_fail *why, ig_err *err);
/* Checks an access token (len bytes) and loads its user: signature, type, expiry, revocation of
 * the jti and the family, user active. */
ig_status auth_authenticate(const auth_service *svc, const char *access, size_t len, auth_identity *id,
                            auth_fail *why, ig_err *err);
/* Revokes the access token and its refresh family. */
ig_status auth_logout(const auth_service *svc, const auth_identity *id, ig_err *err);
ig_status auth_update_profile(const auth_service *svc, const auth_identity *id, const char *username,
                              const char *avatar_url, store_user *out, ig_err *err);
/* IG_EAUTH when old_password is wrong. Revokes every other session of the user. */
ig_status auth_change_password(const auth_service *svc, const auth_identity *id, const char *old_pw,
                               size_t oldlen, const char *new_pw, size_t newlen, ig_err *err);
/* Everything stored about the user (new JSON reference). */
ig_status auth_export(const auth_service *svc, const auth_identity *id, json_t **out, ig_err *err);
/* IG_EAUTH when password is wrong; otherwise deletes the user and all their data. */
ig_status auth_delete_account(const auth_service *svc, const auth_identity *id, const char *password,
                              size_t pwlen, ig_err *err);
/* The seed's User.to_dict(); new reference. */
json_t *auth_user_json(const store_user *u);
/* ISO 8601 UTC ("2026-11-30T11:16:35Z") of unix seconds into out (at least 21 bytes). */
void auth_iso8601(int64_t t, char *out, size_t cap);

#endif

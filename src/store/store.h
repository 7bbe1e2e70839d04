/* The store: the only place with SQL. One interface for services; backends behind it (SQLite now;
 * PostgreSQL and MySQL later). Every call is blocking and must run on a worker thread, never on the
 * event loop. Thread-safe: each call borrows a pooled connection for its duration.
 * Ownership: out-structs are caller-owned, filled by value (fixed-size strings), nothing to free
 * unless a function says so. */
#ifndef IG_STORE_STORE_H
#define IG_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/status.h"

typedef struct ig_store ig_store;

typedef struct store_user {
    int64_t id;
    char email[256];
    char password_hash[256];
    char username[401];      /* "" when NULL; 100 characters of up to 4 UTF-8 bytes */
    bool has_username;
    char avatar_url[1024];   /* "" when NULL */
    bool has_avatar_url;
    bool is_active;
    int64_t last_login_at;   /* unix seconds; 0 when never */
    int64_t created_at;      /* unix seconds */
    int64_t updated_at;      /* unix seconds */
} store_user;

/* The result of checking an access token against the store in one round trip. */
typedef struct store_auth_check {
    bool user_exists;
    bool user_active;
    bool jti_revoked;
    bool family_revoked;     /* the token's refresh family is revoked (logout / password change) */
    store_user user;         /* the user's row when user_exists */
} store_auth_check;

/* Opens url ("sqlite:///path/to/file.db" or "sqlite://:memory:"), pool_size connections. */
ig_status store_open(ig_store **out, const char *url, int pool_size, int busy_timeout_ms, ig_err *err);
void store_close(ig_store *st);

/* Applies every migration newer than the database's version, each in its own transaction, and
 * records it in schema_migrations. *applied (may be NULL) gets the count applied. */
ig_status store_migrate(ig_store *st, int *applied, ig_err *err);
/* Highest applied migration version (0 for an empty database). */
ig_status store_schema_version(ig_store *st, int *version, ig_err *err);
/* Cheap round trip for /readyz. */
ig_status store_ping(ig_store *st, ig_err *err);

/* Users. Emails are stored as given (callers normalise). IG_ECONFLICT on a duplicate email. */
ig_status store_user_create(ig_store *st, const char *email, const char *password_hash,
                            const char *username /* NULL ok */, store_user *out, ig_err *err);
ig_status store_user_by_email(ig_store *st, const char *email, store_user *out, ig_err *err);
ig_status store_user_by_id(ig_store *st, int64_t id, store_user *out, ig_err *err);
/* NULL leaves a field unchanged; "" is stored as NULL. */
ig_status store_user_update_profile(ig_store *st, int64_t id, const char *username,
                                    const char *avatar_url, store_user *out, ig_err *err);
ig_status store_user_set_password(ig_store *st, int64_t id, const char *password_hash, ig_err *err);
ig_status store_user_set_active(ig_store *st, const char *email, bool active, ig_err *err);
ig_status store_user_touch_login(ig_store *st, int64_t id, ig_err *err);
/* Deletes the user and everything they own (rows cascade); IG_ENOTFOUND if absent. */
ig_status store_user_delete(ig_store *st, int64_t id, ig_err *err);
/* All users, id order, as a JSON array of {id,email,username,is_active,last_login_at,created_at}
 * (new reference, caller decrefs). */
ig_status store_user_list(ig_store *st, json_t **out, ig_err *err);
/* Everything stored about a user as a JSON object (new reference): user, resumes, interviews,
 * answers, feedback, sessions (token families without secrets). */
ig_status store_user_export(ig_store *st, int64_t id, json_t **out, ig_err *err);

/* Refresh-token families: one per login session; each refresh rotates the family's current jti. */
ig_status store_family_create(ig_store *st, const char *family_id, int64_t user_id,
                              const char *refresh_jti, int64_t expires_at, ig_err *err);
/* Rotates family from old_jti to new_jti. If the family is revoked or expired: IG_EAUTH. If old_jti
 * is not the current one (a reused, already-rotated token): the family is revoked and IG_EAUTH. */
ig_status store_family_rotate(ig_store *st, const char *family_id, int64_t user_id,
                              const char *old_jti, const char *new_jti, int64_t expires_at, ig_err *err);
ig_status store_family_revoke(ig_store *st, const char *family_id, ig_err *err);
/* Revokes every family of the user except keep_family (NULL: all). */
ig_status store_family_revoke_user(ig_store *st, int64_t user_id, const char *keep_family, ig_err *err);
/* Records an access token's jti as revoked until expires_at (then it may be purged). */
ig_status store_jti_revoke(ig_store *st, const char *jti, int64_t expires_at, ig_err *err);
/* One query (it runs on every authenticated request): the user's row, whether it exists and is
 * active, whether jti is revoked, whether family_id is revoked. */
ig_status store_auth_check_token(ig_store *st, int64_t user_id, const char *jti, const char *family_id,
                                 store_auth_check *out, ig_err *err);
/* Deletes revoked-jti rows and families past their expiry. */
ig_status store_purge_expired(ig_store *st, int64_t now, ig_err *err);

#endif

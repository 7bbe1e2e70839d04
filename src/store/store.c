/* The store's public functions: pick the backend from the URL scheme, validate arguments once for
 * every backend, then dispatch through the backend's operations table (store_backend.h). */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "store/migrations.h"
#include "store/store_backend.h"

/* Limits that match the fixed-size fields of store_user (and the schema's column sizes). */
#define STORE_EMAIL_MAX 255
#define STORE_HASH_MAX 255
#define STORE_USERNAME_MAX (sizeof ((store_user *)0)->username - 1)
#define STORE_AVATAR_MAX (sizeof ((store_user *)0)->avatar_url - 1)
/* The columns' VARCHAR lengths count characters (as PostgreSQL and MySQL do), not bytes. */
#define STORE_USERNAME_CHARS 100
#define STORE_AVATAR_CHARS 255
/* Token and family ids are UUIDs or similar; the columns are VARCHAR(64). */
#define STORE_TOKEN_ID_MAX 64
#define STORE_POOL_MAX 256

struct ig_store {
    const store_backend *be;
    void *impl;
};

static const store_backend *const store_backends[] = {&store_sqlite_backend};

/* s must be non-NULL (unless optional) and at most max bytes; required strings must be non-empty. */
static ig_status check_text(const char *what, const char *s, size_t max, bool optional, ig_err *err)
{
    if (s == NULL)
        return optional ? IG_OK : status_errf(err, IG_EINVAL, "%s is required", what);
    size_t n = strnlen(s, max + 1);
    if (n > max)
        return status_errf(err, IG_EINVAL, "%s is longer than %zu bytes", what, max);
    if (n == 0 && !optional)
        return status_errf(err, IG_EINVAL, "%s is empty", what);
    return IG_OK;
}

/* s (NULL ok) has at most max characters, counting UTF-8 lead bytes (callers validate encoding). */
static ig_status check_chars(const char *what, const char *s, size_t max, ig_err *err)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; p != NULL && *p != '\0'; p++)
        chars += (*p & 0xC0) != 0x80;
    if (chars > max)
        return status_errf(err, IG_EINVAL, "%s is longer than %zu characters", what, max);
    return IG_OK;
}

static ig_status check_store(const ig_store *st, const void *out, ig_err *err)
{
    if (st == NULL)
        return status_errf(err, IG_EINVAL, "store is NULL");
    if (out == NULL)
        return status_errf(err, IG_EINVAL, "output pointer is NULL");
    return IG_OK;
}

ig_status store_open(ig_store **out, const char *url, int pool_size, int busy_timeout_ms, ig_err *err)
{
    ig_store *st = NULL;
    ig_status rc = IG_OK;
    if (out == NULL || url == NULL)
        return status_errf(err, IG_EINVAL, "store_open: out and url are required");
    *out = NULL;
    if (pool_size < 1 || pool_size > STORE_POOL_MAX)
        return status_errf(err, IG_EINVAL, "database pool size %d is outside 1..%d", pool_size, STORE_POOL_MAX);
    if (busy_timeout_ms < 0)
        return status_errf(err, IG_EINVAL, "database busy timeout %d ms is negative", busy_timeout_ms);

    /* Only the scheme is ever echoed back: the rest of a URL may carry a password. */
    const char *sep = strstr(url, "://");
    if (sep == NULL || sep == url)
        return status_errf(err, IG_EINVAL, "database URL must look like scheme://location (e.g. sqlite:///var/app.db)");
    size_t scheme_len = (size_t)(sep - url);
    const store_backend *be = NULL;
    for (size_t i = 0; i < sizeof store_backends / sizeof store_backends[0]; i++) {
        if (strlen(store_backends[i]->scheme) == scheme_len &&
            strncmp(store_backends[i]->scheme, url, scheme_len) == 0)
            be = store_backends[i];
    }
    if (be == NULL)
        return status_errf(err, IG_EINVAL, "unsupported database URL scheme '%.*s' (supported: sqlite)",
                           scheme_len > 32 ? 32 : (int)scheme_len, url);

    st = calloc(1, sizeof *st);
    if (st == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory opening the store");
        goto out;
    }
    st->be = be;
    rc = be->open(&st->impl, sep + 3, pool_size, busy_timeout_ms, err);
    if (rc != IG_OK)
        goto out;
    *out = st;
    st = NULL;
out:
    free(st);
    return rc;
}

void store_close(ig_store *st)
{
    if (st == NULL)
        return;
    st->be->close(st->impl);
    free(st);
}

ig_status store_migrate_list(ig_store *st, const store_migration *list, size_t count, int *applied, ig_err *err)
{
    if (applied != NULL)
        *applied = 0;
    if (st == NULL || (list == NULL && count > 0))
        return status_errf(err, IG_EINVAL, "store_migrate: store and migration list are required");
    for (size_t i = 0; i < count; i++) {
        if (list[i].version <= 0 || list[i].name == NULL || list[i].sql == NULL)
            return status_errf(err, IG_EINVAL, "migration #%zu is malformed", i);
        if (i > 0 && list[i].version <= list[i - 1].version)
            return status_errf(err, IG_EINVAL, "migration %s is out of order (version %d after %d)",
                               list[i].name, list[i].version, list[i - 1].version);
    }
    return st->be->migrate(st->impl, list, count, applied, err);
}

ig_status store_migrate(ig_store *st, int *applied, ig_err *err)
{
    return store_migrate_list(st, store_migrations, store_migrations_count, applied, err);
}

ig_status store_schema_version(ig_store *st, int *version, ig_err *err)
{
    ig_status rc = check_store(st, version, err);
    if (rc != IG_OK)
        return rc;
    return st->be->schema_version(st->impl, version, err);
}

ig_status store_ping(ig_store *st, ig_err *err)
{
    if (st == NULL)
        return status_errf(err, IG_EINVAL, "store is NULL");
    return st->be->ping(st->impl, err);
}

ig_status store_user_create(ig_store *st, const char *email, const char *password_hash,
                            const char *username, store_user *out, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc == IG_OK)
        rc = check_text("email", email, STORE_EMAIL_MAX, false, err);
    if (rc == IG_OK)
        rc = check_text("password hash", password_hash, STORE_HASH_MAX, false, err);
    if (rc == IG_OK)
        rc = check_text("username", username, STORE_USERNAME_MAX, true, err);
    if (rc == IG_OK)
        rc = check_chars("username", username, STORE_USERNAME_CHARS, err);
    if (rc != IG_OK)
        return rc;
    return st->be->user_create(st->impl, email, password_hash, username, out, err);
}

ig_status store_user_by_email(ig_store *st, const char *email, store_user *out, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc == IG_OK)
        rc = check_text("email", email, STORE_EMAIL_MAX, false, err);
    if (rc != IG_OK)
        return rc;
    return st->be->user_by_email(st->impl, email, out, err);
}

ig_status store_user_by_id(ig_store *st, int64_t id, store_user *out, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc != IG_OK)
        return rc;
    return st->be->user_by_id(st->impl, id, out, err);
}

ig_status store_user_update_profile(ig_store *st, int64_t id, const char *username,
                                    const char *avatar_url, store_user *out, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc == IG_OK)
        rc = check_text("username", username, STORE_USERNAME_MAX, true, err);
    if (rc == IG_OK)
        rc = check_text("avatar_url", avatar_url, STORE_AVATAR_MAX, true, err);
    if (rc == IG_OK)
        rc = check_chars("username", username, STORE_USERNAME_CHARS, err);
    if (rc == IG_OK)
        rc = check_chars("avatar_url", avatar_url, STORE_AVATAR_CHARS, err);
    if (rc != IG_OK)
        return rc;
    return st->be->user_update_profile(st->impl, id, username, avatar_url, out, err);
}

ig_status store_user_set_password(ig_store *st, int64_t id, const char *password_hash, ig_err *err)
{
    ig_status rc = check_store(st, password_hash, err);
    if (rc == IG_OK)
        rc = check_text("password hash", password_hash, STORE_HASH_MAX, false, err);
    if (rc != IG_OK)
        return rc;
    return st->be->user_set_password(st->impl, id, password_hash, err);
}

ig_status store_user_set_active(ig_store *st, const char *email, bool active, ig_err *err)
{
    ig_status rc = check_store(st, email, err);
    if (rc == IG_OK)
        rc = check_text("email", email, STORE_EMAIL_MAX, false, err);
    if (rc != IG_OK)
        return rc;
    return st->be->user_set_active(st->impl, email, active, err);
}

ig_status store_user_touch_login(ig_store *st, int64_t id, ig_err *err)
{
    if (st == NULL)
        return status_errf(err, IG_EINVAL, "store is NULL");
    return st->be->user_touch_login(st->impl, id, err);
}

ig_status store_user_delete(ig_store *st, int64_t id, ig_err *err)
{
    if (st == NULL)
        return status_errf(err, IG_EINVAL, "store is NULL");
    return st->be->user_delete(st->impl, id, err);
}

ig_status store_user_list(ig_store *st, json_t **out, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc != IG_OK)
        return rc;
    *out = NULL;
    return st->be->user_list(st->impl, out, err);
}

ig_status store_user_export(ig_store *st, int64_t id, json_t **out, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc != IG_OK)
        return rc;
    *out = NULL;
    return st->be->user_export(st->impl, id, out, err);
}

ig_status store_family_create(ig_store *st, const char *family_id, int64_t user_id,
                              const char *refresh_jti, int64_t expires_at, ig_err *err)
{
    ig_status rc = check_store(st, family_id, err);
    if (rc == IG_OK)
        rc = check_text("family id", family_id, STORE_TOKEN_ID_MAX, false, err);
    if (rc == IG_OK)
        rc = check_text("refresh jti", refresh_jti, STORE_TOKEN_ID_MAX, false, err);
    if (rc != IG_OK)
        return rc;
    return st->be->family_create(st->impl, family_id, user_id, refresh_jti, expires_at, err);
}

ig_status store_family_rotate(ig_store *st, const char *family_id, int64_t user_id,
                              const char *old_jti, const char *new_jti, int64_t expires_at, ig_err *err)
{
    ig_status rc = check_store(st, family_id, err);
    if (rc == IG_OK)
        rc = check_text("family id", family_id, STORE_TOKEN_ID_MAX, false, err);
    if (rc == IG_OK)
        rc = check_text("old jti", old_jti, STORE_TOKEN_ID_MAX, false, err);
    if (rc == IG_OK)
        rc = check_text("new jti", new_jti, STORE_TOKEN_ID_MAX, false, err);
    if (rc != IG_OK)
        return rc;
    return st->be->family_rotate(st->impl, family_id, user_id, old_jti, new_jti, expires_at, err);
}

ig_status store_family_revoke(ig_store *st, const char *family_id, ig_err *err)
{
    ig_status rc = check_store(st, family_id, err);
    if (rc == IG_OK)
        rc = check_text("family id", family_id, STORE_TOKEN_ID_MAX, false, err);
    if (rc != IG_OK)
        return rc;
    return st->be->family_revoke(st->impl, family_id, err);
}

ig_status store_family_revoke_user(ig_store *st, int64_t user_id, const char *keep_family, ig_err *err)
{
    if (st == NULL)
        return status_errf(err, IG_EINVAL, "store is NULL");
    ig_status rc = check_text("family id", keep_family, STORE_TOKEN_ID_MAX, true, err);
    if (rc != IG_OK)
        return rc;
    return st->be->family_revoke_user(st->impl, user_id, keep_family, err);
}

ig_status store_jti_revoke(ig_store *st, const char *jti, int64_t expires_at, ig_err *err)
{
    ig_status rc = check_store(st, jti, err);
    if (rc == IG_OK)
        rc = check_text("jti", jti, STORE_TOKEN_ID_MAX, false, err);
    if (rc != IG_OK)
        return rc;
    return st->be->jti_revoke(st->impl, jti, expires_at, err);
}

/* jti and family_id may be NULL (a token without them): they then count as not revoked. */
ig_status store_auth_check_token(ig_store *st, int64_t user_id, const char *jti, const char *family_id,
                                 store_auth_check *out, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc == IG_OK)
        rc = check_text("jti", jti, STORE_TOKEN_ID_MAX, true, err);
    if (rc == IG_OK)
        rc = check_text("family id", family_id, STORE_TOKEN_ID_MAX, true, err);
    if (rc != IG_OK)
        return rc;
    memset(out, 0, sizeof *out);
    return st->be->auth_check_token(st->impl, user_id, jti, family_id, out, err);
}

ig_status store_purge_expired(ig_store *st, int64_t now, ig_err *err)
{
    if (st == NULL)
        return status_errf(err, IG_EINVAL, "store is NULL");
    return st->be->purge_expired(st->impl, now, err);
}

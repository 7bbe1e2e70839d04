/* The store's public functions: check the URL's scheme, validate arguments once for every
 * database, then dispatch through the backend's operations table (store_backend.h). */
#include "store/store.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "store/migrations.h"
#include "store/sqldb.h"
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
    sqldb_dialect dialect; /* which migrations store_migrate applies */
};

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
    if (s != NULL && utf8_count(s, strlen(s)) > max)
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

ig_status store_open(ig_store **out, const char *url, int pool_size, int busy_timeout_ms, int statement_timeout_ms,
                     ig_err *err)
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
    if (statement_timeout_ms < 0)
        return status_errf(err, IG_EINVAL, "database statement timeout %d ms is negative", statement_timeout_ms);

    /* Only the scheme is ever echoed back: the rest of a URL may carry a password. */
    sqldb_dialect dialect;
    rc = sqldb_dialect_of(url, &dialect, err);
    if (rc != IG_OK)
        return rc;

    st = calloc(1, sizeof *st);
    if (st == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory opening the store");
        goto out;
    }
    st->be = &store_sql_backend;
    st->dialect = dialect;
    rc = st->be->open(&st->impl, url, pool_size, busy_timeout_ms, statement_timeout_ms, err);
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
    if (st == NULL)
        return store_migrate_list(st, NULL, 0, applied, err);
    switch (st->dialect) {
    case SQLDB_PG:
        return store_migrate_list(st, store_migrations_pg, store_migrations_pg_count, applied, err);
    case SQLDB_MYSQL:
        return store_migrate_list(st, store_migrations_mysql, store_migrations_mysql_count, applied, err);
    case SQLDB_SQLITE:
    default:
        return store_migrate_list(st, store_migrations, store_migrations_count, applied, err);
    }
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

/* ---- resumes ---- */

/* Copies s (NULL ok) into buf (cap bytes), cut at a UTF-8 character boundary when too long: an
 * error text is a reason to keep, not input to refuse. Returns buf, or NULL for NULL. */
static const char *clip_text(const char *s, char *buf, size_t cap)
{
    if (s == NULL)
        return NULL;
    size_t n = strnlen(s, cap);
    if (n == cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

static bool is_sha256_hex(const char *s)
{
    if (s == NULL || strnlen(s, 65) != 64)
        return false;
    for (size_t i = 0; i < 64; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    }
    return true;
}

static ig_status check_attempts(int max_attempts, ig_err *err)
{
    if (max_attempts < 1 || max_attempts > 100)
        return status_errf(err, IG_EINVAL, "max attempts %d is outside 1..100", max_attempts);
    return IG_OK;
}

static ig_status check_resume_new(const ig_store *st, const store_resume_new *in, store_resume *out, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc == IG_OK && in == NULL)
        rc = status_errf(err, IG_EINVAL, "resume is required");
    if (rc == IG_OK)
        rc = check_text("file name", in->file_name, STORE_FILE_NAME_MAX, false, err);
    if (rc == IG_OK)
        rc = check_text("file path", in->file_path, STORE_FILE_PATH_MAX, false, err);
    if (rc == IG_OK)
        rc = check_text("file type", in->file_type, STORE_FILE_TYPE_MAX, false, err);
    if (rc == IG_OK && in->file_size < 0)
        rc = status_errf(err, IG_EINVAL, "file size is negative");
    if (rc == IG_OK && !is_sha256_hex(in->content_sha256))
        rc = status_errf(err, IG_EINVAL, "content hash must be 64 lower-case hex digits");
    if (rc == IG_OK)
        rc = check_attempts(in->job_max_attempts, err);
    return rc;
}

ig_status store_resume_create(ig_store *st, const store_resume_new *in, store_resume *out, ig_err *err)
{
    ig_status rc = check_resume_new(st, in, out, err);
    if (rc != IG_OK)
        return rc;
    return st->be->resume_create(st->impl, in, out, err);
}

ig_status store_resume_create_file(ig_store *st, const store_resume_new *in, const char *content_path,
                                   store_resume *out, ig_err *err)
{
    ig_status rc = check_resume_new(st, in, out, err);
    if (rc == IG_OK)
        rc = check_text("content path", content_path, PATH_MAX, false, err);
    if (rc == IG_OK && st->be->resume_create_file == NULL)
        rc = status_errf(err, IG_EINVAL, "this database cannot keep files (STORAGE=db)");
    if (rc != IG_OK)
        return rc;
    return st->be->resume_create_file(st->impl, in, content_path, out, err);
}

ig_status store_resume_get(ig_store *st, int64_t user_id, int64_t id, store_resume *out, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc != IG_OK)
        return rc;
    return st->be->resume_get(st->impl, user_id, id, out, err);
}

ig_status store_resume_list(ig_store *st, int64_t user_id, int page, int per_page, store_resume **items,
                            size_t *count, int64_t *total, ig_err *err)
{
    ig_status rc = check_store(st, items, err);
    if (rc == IG_OK && (count == NULL || total == NULL))
        rc = status_errf(err, IG_EINVAL, "output pointer is NULL");
    if (rc != IG_OK)
        return rc;
    *items = NULL;
    *count = 0;
    *total = 0;
    /* the offset (page - 1) * per_page must not overflow */
    if (page < 1 || per_page < 1 || per_page > 1000 || page > INT32_MAX / 1000)
        return status_errf(err, IG_EINVAL, "page %d / per_page %d out of range", page, per_page);
    return st->be->resume_list(st->impl, user_id, page, per_page, items, count, total, err);
}

ig_status store_resume_parse_result(ig_store *st, int64_t user_id, int64_t id, json_t **out, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc != IG_OK)
        return rc;
    *out = NULL;
    return st->be->resume_parse_result(st->impl, user_id, id, out, err);
}

ig_status store_resume_delete(ig_store *st, int64_t user_id, int64_t id, char *file_path, size_t cap, ig_err *err)
{
    ig_status rc = check_store(st, file_path, err);
    if (rc == IG_OK && cap < STORE_FILE_PATH_MAX + 1)
        rc = status_errf(err, IG_EINVAL, "file path buffer is smaller than %d bytes", STORE_FILE_PATH_MAX + 1);
    if (rc != IG_OK)
        return rc;
    file_path[0] = '\0';
    return st->be->resume_delete(st->impl, user_id, id, file_path, cap, err);
}

ig_status store_resume_reparse(ig_store *st, int64_t user_id, int64_t id, int max_attempts, store_resume *out,
                               bool *queued, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc == IG_OK && queued == NULL)
        rc = status_errf(err, IG_EINVAL, "output pointer is NULL");
    if (rc == IG_OK)
        rc = check_attempts(max_attempts, err);
    if (rc != IG_OK)
        return rc;
    *queued = false;
    return st->be->resume_reparse(st->impl, user_id, id, max_attempts, out, queued, err);
}

ig_status store_resume_mark_processing(ig_store *st, int64_t user_id, int64_t id, int progress, ig_err *err)
{
    if (st == NULL)
        return status_errf(err, IG_EINVAL, "store is NULL");
    if (progress < 0 || progress > 100)
        return status_errf(err, IG_EINVAL, "progress %d is outside 0..100", progress);
    return st->be->resume_mark_processing(st->impl, user_id, id, progress, err);
}

/* Checks the confidence and serialises r's documents into docs (NULL stays NULL; caller frees). */
static ig_status result_docs(const ig_store *st, const store_parse_result *r, double confidence,
                             char *docs[STORE_RESULT_DOCS], ig_err *err)
{
    ig_status rc = check_store(st, r, err);
    if (rc != IG_OK)
        return rc;
    json_t *const parts[STORE_RESULT_DOCS] = {r->basic_info, r->skills,         r->experience, r->education,
                                              r->projects,   r->certifications, r->awards,     r->languages,
                                              r->sections,   r->confidence};
    if (!(confidence >= 0.0 && confidence <= 1.0))
        return status_errf(err, IG_EINVAL, "confidence must be within 0..1");
    for (size_t i = 0; i < STORE_RESULT_DOCS; i++) {
        if (parts[i] != NULL && (docs[i] = json_dumps(parts[i], JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
            return status_errf(err, IG_ENOMEM, "out of memory serialising the parse result");
    }
    return IG_OK;
}

ig_status store_resume_save_result(ig_store *st, int64_t user_id, int64_t id, const store_parse_result *r,
                                   double confidence, ig_err *err)
{
    char *docs[STORE_RESULT_DOCS] = {NULL}, *refined = NULL;
    ig_status rc = result_docs(st, r, confidence, docs, err);
    if (rc == IG_OK && r->refined_fields != NULL &&
        (refined = json_dumps(r->refined_fields, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
        rc = status_errf(err, IG_ENOMEM, "out of memory serialising the parse result");
    if (rc == IG_OK)
        rc = st->be->resume_save_result(st->impl, user_id, id, (const char *const *)docs, r->raw_text, refined,
                                        confidence, err);
    for (size_t i = 0; i < STORE_RESULT_DOCS; i++)
        free(docs[i]);
    free(refined);
    return rc;
}

ig_status store_resume_mark_failed(ig_store *st, int64_t user_id, int64_t id, const char *code, const char *detail,
                                   ig_err *err)
{
    char clipped[STORE_ERROR_MAX + 1];
    ig_status rc = check_store(st, code, err);
    if (rc == IG_OK)
        rc = check_text("error code", code, STORE_ERROR_CODE_MAX, false, err);
    if (rc != IG_OK)
        return rc;
    return st->be->resume_mark_failed(st->impl, user_id, id, code, clip_text(detail, clipped, sizeof clipped), err);
}

/* ---- resume files in the database ---- */

ig_status store_file_put(ig_store *st, int64_t user_id, int64_t id, const char *path, ig_err *err)
{
    ig_status rc = check_store(st, path, err);
    if (rc == IG_OK)
        rc = check_text("file path", path, PATH_MAX, false, err);
    if (rc == IG_OK && st->be->file_put == NULL)
        rc = status_errf(err, IG_EINVAL, "this database cannot keep files (STORAGE=db)");
    if (rc != IG_OK)
        return rc;
    return st->be->file_put(st->impl, user_id, id, path, err);
}

ig_status store_file_read(ig_store *st, int64_t user_id, int64_t id, store_file_sink fn, void *arg, ig_err *err)
{
    if (st == NULL || fn == NULL)
        return status_errf(err, IG_EINVAL, "store_file_read: store and sink are required");
    /* a backend that cannot keep files keeps none of this resume's */
    if (st->be->file_read == NULL)
        return status_errf(err, IG_ENOTFOUND, "resume %lld has no file in the database", (long long)id);
    return st->be->file_read(st->impl, user_id, id, fn, arg, err);
}

ig_status store_file_delete(ig_store *st, int64_t user_id, int64_t id, ig_err *err)
{
    if (st == NULL)
        return status_errf(err, IG_EINVAL, "store is NULL");
    if (st->be->file_delete == NULL)
        return IG_OK;
    return st->be->file_delete(st->impl, user_id, id, err);
}

/* ---- structured resume edits ---- */

ig_status store_resume_edit_result(ig_store *st, int64_t user_id, int64_t id, const store_parse_result *r,
                                   double confidence, ig_err *err)
{
    char *docs[STORE_RESULT_DOCS] = {NULL};
    ig_status rc = result_docs(st, r, confidence, docs, err);
    if (rc == IG_OK)
        rc = st->be->resume_edit_result(st->impl, user_id, id, (const char *const *)docs, confidence, err);
    for (size_t i = 0; i < STORE_RESULT_DOCS; i++)
        free(docs[i]);
    return rc;
}

/* ---- jobs ---- */

static ig_status check_owner(const char *owner, ig_err *err)
{
    return check_text("lease owner", owner, STORE_JOB_OWNER_MAX, false, err);
}

ig_status store_job_enqueue(ig_store *st, const char *kind, const char *payload, int64_t resume_id,
                            int max_attempts, int64_t run_after, int64_t *id, ig_err *err)
{
    ig_status rc = check_store(st, kind, err);
    if (rc == IG_OK)
        rc = check_text("job kind", kind, STORE_JOB_KIND_MAX, false, err);
    if (rc == IG_OK)
        rc = check_text("job payload", payload, STORE_JOB_PAYLOAD_MAX, true, err);
    if (rc == IG_OK)
        rc = check_attempts(max_attempts, err);
    if (rc != IG_OK)
        return rc;
    int64_t ignored;
    return st->be->job_enqueue(st->impl, kind, payload != NULL ? payload : "{}", resume_id, max_attempts, run_after,
                               id != NULL ? id : &ignored, err);
}

ig_status store_job_lease(ig_store *st, const char *owner, int64_t now, int lease_s, store_job *out, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc == IG_OK)
        rc = check_owner(owner, err);
    if (rc == IG_OK && (lease_s < 1 || lease_s > 86400))
        rc = status_errf(err, IG_EINVAL, "lease of %d s is outside 1..86400", lease_s);
    if (rc != IG_OK)
        return rc;
    return st->be->job_lease(st->impl, owner, now, lease_s, out, err);
}

ig_status store_job_renew(ig_store *st, int64_t id, const char *owner, int64_t lease_until, ig_err *err)
{
    ig_status rc = check_store(st, owner, err);
    if (rc == IG_OK)
        rc = check_owner(owner, err);
    if (rc != IG_OK)
        return rc;
    return st->be->job_renew(st->impl, id, owner, lease_until, err);
}

ig_status store_job_complete(ig_store *st, int64_t id, const char *owner, int64_t now, ig_err *err)
{
    ig_status rc = check_store(st, owner, err);
    if (rc == IG_OK)
        rc = check_owner(owner, err);
    if (rc != IG_OK)
        return rc;
    return st->be->job_complete(st->impl, id, owner, now, err);
}

ig_status store_job_fail(ig_store *st, int64_t id, const char *owner, int64_t now, int64_t backoff_s,
                         const char *code, const char *error, bool *final, ig_err *err)
{
    char clipped[STORE_ERROR_MAX + 1];
    bool ignored;
    ig_status rc = check_store(st, owner, err);
    if (rc == IG_OK)
        rc = check_owner(owner, err);
    if (rc == IG_OK)
        rc = check_text("error code", code, STORE_ERROR_CODE_MAX, true, err);
    if (rc != IG_OK)
        return rc;
    if (final == NULL)
        final = &ignored;
    *final = false;
    return st->be->job_fail(st->impl, id, owner, now, backoff_s, code != NULL && code[0] ? code : STORE_ERR_JOB_FAILED,
                            clip_text(error, clipped, sizeof clipped), final, err);
}

ig_status store_job_get(ig_store *st, int64_t id, store_job *out, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc != IG_OK)
        return rc;
    return st->be->job_get(st->impl, id, out, err);
}

ig_status store_job_purge(ig_store *st, int64_t before, int *purged, ig_err *err)
{
    int ignored;
    if (st == NULL)
        return status_errf(err, IG_EINVAL, "store is NULL");
    return st->be->job_purge(st->impl, before, purged != NULL ? purged : &ignored, err);
}

/* ---- questions and interviews ---- */

static bool is_difficulty(const char *s)
{
    return s != NULL && (strcmp(s, "easy") == 0 || strcmp(s, "medium") == 0 || strcmp(s, "hard") == 0);
}

/* An optional string member of a question: absent, null, or a string of at most max bytes. */
static ig_status check_member(const json_t *q, const char *key, size_t max, size_t i, ig_err *err)
{
    const json_t *v = json_object_get(q, key);
    if (v == NULL || json_is_null(v))
        return IG_OK;
    if (!json_is_string(v))
        return status_errf(err, IG_EINVAL, "question %zu: %s is not a string", i, key);
    if (json_string_length(v) > max)
        return status_errf(err, IG_EINVAL, "question %zu: %s is longer than %zu bytes", i, key, max);
    return IG_OK;
}

/* q is a question object the backends can store as it is (store.h). */
static ig_status check_question(const json_t *q, size_t i, ig_err *err)
{
    static const char *const names[] = {"category", "topic", "skill", "bank_id"};
    static const char *const lists[] = {"expected_points", "follow_ups"};
    if (!json_is_object(q))
        return status_errf(err, IG_EINVAL, "question %zu is not an object", i);
    const json_t *text = json_object_get(q, "question_text");
    if (!json_is_string(text) || json_string_length(text) == 0)
        return status_errf(err, IG_EINVAL, "question %zu has no question_text", i);
    ig_status rc = check_member(q, "question_text", STORE_QUESTION_TEXT_MAX, i, err);
    if (rc == IG_OK)
        rc = check_member(q, "model_answer", STORE_QUESTION_TEXT_MAX, i, err);
    if (rc == IG_OK)
        rc = check_member(q, "language", STORE_LANG_MAX, i, err);
    for (size_t k = 0; rc == IG_OK && k < sizeof names / sizeof names[0]; k++)
        rc = check_member(q, names[k], STORE_QUESTION_NAME_MAX, i, err);
    if (rc != IG_OK)
        return rc;
    const json_t *d = json_object_get(q, "difficulty");
    if (d != NULL && !json_is_null(d) && !is_difficulty(json_string_value(d)))
        return status_errf(err, IG_EINVAL, "question %zu: difficulty must be easy, medium or hard", i);
    for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++) {
        const json_t *l = json_object_get(q, lists[k]);
        if (l != NULL && !json_is_null(l) && !json_is_array(l))
            return status_errf(err, IG_EINVAL, "question %zu: %s is not an array", i, lists[k]);
    }
    return IG_OK;
}

static ig_status check_questions(const json_t *questions, bool need_one, ig_err *err)
{
    if (!json_is_array(questions))
        return status_errf(err, IG_EINVAL, "questions must be an array");
    size_t n = json_array_size(questions);
    if (n > 100)
        return status_errf(err, IG_EINVAL, "%zu questions are more than 100", n);
    if (need_one && n == 0)
        return status_errf(err, IG_EINVAL, "an interview needs at least one question");
    for (size_t i = 0; i < n; i++) {
        ig_status rc = check_question(json_array_get(questions, i), i, err);
        if (rc != IG_OK)
            return rc;
    }
    return IG_OK;
}

static ig_status check_page(int page, int per_page, ig_err *err)
{
    /* the offset (page - 1) * per_page must not overflow */
    if (page < 1 || per_page < 1 || per_page > 1000 || page > INT32_MAX / 1000)
        return status_errf(err, IG_EINVAL, "page %d / per_page %d out of range", page, per_page);
    return IG_OK;
}

ig_status store_questions_add(ig_store *st, int64_t user_id, int64_t resume_id, const char *interview_type,
                              const json_t *questions, json_t **out, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc == IG_OK)
        rc = check_text("interview type", interview_type, STORE_TYPE_MAX, false, err);
    if (rc == IG_OK)
        rc = check_questions(questions, false, err);
    if (rc != IG_OK)
        return rc;
    *out = NULL;
    return st->be->questions_add(st->impl, user_id, resume_id, interview_type, questions, out, err);
}

ig_status store_question_get(ig_store *st, int64_t user_id, int64_t id, json_t **out, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc != IG_OK)
        return rc;
    *out = NULL;
    return st->be->question_get(st->impl, user_id, id, out, err);
}

ig_status store_question_list(ig_store *st, int64_t user_id, int64_t resume_id, int page, int per_page,
                              json_t **out, int64_t *total, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc == IG_OK && total == NULL)
        rc = status_errf(err, IG_EINVAL, "output pointer is NULL");
    if (rc == IG_OK)
        rc = check_page(page, per_page, err);
    if (rc != IG_OK)
        return rc;
    *out = NULL;
    *total = 0;
    return st->be->question_list(st->impl, user_id, resume_id, page, per_page, out, total, err);
}

ig_status store_interview_create(ig_store *st, const store_interview_new *in, const json_t *questions,
                                 store_interview *out, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc == IG_OK && in == NULL)
        rc = status_errf(err, IG_EINVAL, "interview is required");
    if (rc == IG_OK)
        rc = check_text("session id", in->session_id, STORE_SESSION_ID_MAX, false, err);
    if (rc == IG_OK)
        rc = check_text("interview type", in->interview_type, STORE_TYPE_MAX, false, err);
    if (rc == IG_OK && !is_difficulty(in->difficulty))
        rc = status_errf(err, IG_EINVAL, "difficulty must be easy, medium or hard");
    if (rc == IG_OK)
        rc = check_text("language", in->language, STORE_LANG_MAX, false, err);
    if (rc == IG_OK)
        rc = check_text("job description", in->job_description, STORE_JD_MAX, true, err);
    if (rc == IG_OK)
        rc = check_questions(questions, true, err);
    if (rc != IG_OK)
        return rc;
    return st->be->interview_create(st->impl, in, questions, out, err);
}

ig_status store_interview_get(ig_store *st, int64_t user_id, int64_t id, store_interview *out, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc != IG_OK)
        return rc;
    return st->be->interview_get(st->impl, user_id, id, out, err);
}

ig_status store_interview_add_usage(ig_store *st, int64_t user_id, int64_t id, int64_t prompt_tokens,
                                    int64_t completion_tokens, ig_err *err)
{
    ig_status rc = check_store(st, st, err);
    if (rc == IG_OK && (prompt_tokens < 0 || completion_tokens < 0))
        rc = status_errf(err, IG_EINVAL, "token counts must not be negative");
    return rc != IG_OK ? rc : st->be->interview_add_usage(st->impl, user_id, id, prompt_tokens, completion_tokens, err);
}

/* ---- realtime: interview rooms ---- */

ig_status store_interview_owner_by_session(ig_store *st, const char *session_id, int64_t user_id,
                                           store_interview *out, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc == IG_OK && (session_id == NULL || session_id[0] == '\0' ||
                        strnlen(session_id, STORE_SESSION_ID_MAX + 1) > STORE_SESSION_ID_MAX))
        rc = status_errf(err, IG_EINVAL, "bad session id");
    if (rc != IG_OK)
        return rc;
    return st->be->interview_owner_by_session(st->impl, session_id, user_id, out, err);
}

ig_status store_interview_list(ig_store *st, int64_t user_id, int page, int per_page, store_interview **items,
                               size_t *count, int64_t *total, ig_err *err)
{
    ig_status rc = check_store(st, items, err);
    if (rc == IG_OK && (count == NULL || total == NULL))
        rc = status_errf(err, IG_EINVAL, "output pointer is NULL");
    if (rc != IG_OK)
        return rc;
    *items = NULL;
    *count = 0;
    *total = 0;
    rc = check_page(page, per_page, err);
    if (rc != IG_OK)
        return rc;
    return st->be->interview_list(st->impl, user_id, page, per_page, items, count, total, err);
}

ig_status store_interview_question(ig_store *st, int64_t user_id, int64_t id, int position, json_t **out,
                                   ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc != IG_OK)
        return rc;
    *out = NULL;
    if (position < 0)
        return status_errf(err, IG_ENOTFOUND, "no question at position %d", position);
    return st->be->interview_question(st->impl, user_id, id, position, out, err);
}

ig_status store_interview_items(ig_store *st, int64_t user_id, int64_t id, json_t **out, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc != IG_OK)
        return rc;
    *out = NULL;
    return st->be->interview_items(st->impl, user_id, id, out, err);
}

/* docs->* point into bufs (caller frees each) or at strings a->analysis owns. */
static ig_status answer_docs(const store_answer_new *a, store_answer_docs *docs, char *bufs[4], ig_err *err)
{
    memset(docs, 0, sizeof *docs);
    if (a->delivery != NULL && !json_is_object(a->delivery))
        return status_errf(err, IG_EINVAL, "the delivery metrics are not an object");
    if (a->delivery != NULL && (docs->delivery = bufs[3] = json_dumps(a->delivery, JSON_COMPACT)) == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory serialising the delivery metrics");
    if (a->analysis == NULL)
        return a->skipped ? IG_OK : status_errf(err, IG_EINVAL, "an answer needs its analysis");
    if (!json_is_object(a->analysis))
        return status_errf(err, IG_EINVAL, "the analysis is not an object");
    const json_t *score = json_object_get(a->analysis, "score");
    if (json_is_number(score)) {
        docs->has_score = true;
        docs->score = json_number_value(score);
    }
    const json_t *dims = json_object_get(a->analysis, "dimensions");
    const json_t *feedback = json_object_get(a->analysis, "feedback");
    const char *engine = json_string_value(json_object_get(a->analysis, "engine"));
    if (engine != NULL && strlen(engine) > STORE_TYPE_MAX)
        engine = NULL;
    docs->engine = engine;
    if ((bufs[0] = json_dumps(a->analysis, JSON_COMPACT)) == NULL ||
        (dims != NULL && (bufs[1] = json_dumps(dims, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL) ||
        (feedback != NULL && (bufs[2] = json_dumps(feedback, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL))
        return status_errf(err, IG_ENOMEM, "out of memory serialising the analysis");
    docs->analysis = bufs[0];
    docs->dimensions = bufs[1];
    docs->feedback = bufs[2];
    return IG_OK;
}

ig_status store_interview_record(ig_store *st, const store_answer_new *a, store_interview *out, json_t **answer,
                                 json_t **follow_up, ig_err *err)
{
    char *bufs[4] = {NULL};
    store_answer_docs docs;
    json_t *ignored_answer = NULL, *ignored_follow_up = NULL;
    ig_status rc = check_store(st, out, err);
    if (rc == IG_OK && a == NULL)
        rc = status_errf(err, IG_EINVAL, "answer is required");
    if (rc == IG_OK)
        rc = check_text("answer", a->answer_text, STORE_ANSWER_TEXT_MAX, true, err);
    if (rc == IG_OK)
        rc = check_text("answer audio URL", a->answer_audio_url, STORE_AUDIO_URL_MAX, true, err);
    if (rc == IG_OK && a->follow_up != NULL)
        rc = check_question(a->follow_up, 0, err);
    if (rc == IG_OK)
        rc = answer_docs(a, &docs, bufs, err);
    if (answer != NULL)
        *answer = NULL;
    if (follow_up != NULL)
        *follow_up = NULL;
    if (rc == IG_OK)
        rc = st->be->interview_record(st->impl, a, &docs, out, answer != NULL ? answer : &ignored_answer,
                                      follow_up != NULL ? follow_up : &ignored_follow_up, err);
    json_decref(ignored_answer);
    json_decref(ignored_follow_up);
    for (size_t i = 0; i < 4; i++)
        free(bufs[i]);
    return rc;
}

ig_status store_interview_transition(ig_store *st, int64_t user_id, int64_t id, store_transition t, int64_t now,
                                     store_interview *out, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc == IG_OK && t != STORE_PAUSE && t != STORE_RESUME && t != STORE_CANCEL)
        rc = status_errf(err, IG_EINVAL, "unknown transition %d", (int)t);
    if (rc != IG_OK)
        return rc;
    return st->be->interview_transition(st->impl, user_id, id, t, now, out, err);
}

ig_status store_interview_finish(ig_store *st, int64_t user_id, int64_t id, const store_interview_end *end,
                                 store_interview *out, ig_err *err)
{
    static const char *const keys[6] = {"dimension_scores", "strengths", "weaknesses",
                                        "suggestions",      NULL,        "weakest_topics"};
    char *docs[6] = {NULL};
    ig_status rc = check_store(st, out, err);
    if (rc == IG_OK && (end == NULL || !json_is_object(end->report)))
        rc = status_errf(err, IG_EINVAL, "the report must be an object");
    if (rc == IG_OK && end->duration < 0)
        rc = status_errf(err, IG_EINVAL, "duration is negative");
    for (size_t i = 0; rc == IG_OK && i < 6; i++) {
        const json_t *v = keys[i] != NULL ? json_object_get(end->report, keys[i]) : end->report;
        if (v != NULL && (docs[i] = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
            rc = status_errf(err, IG_ENOMEM, "out of memory serialising the report");
    }
    const char *engine = rc == IG_OK ? json_string_value(json_object_get(end->report, "engine")) : NULL;
    if (engine != NULL && strlen(engine) > STORE_TYPE_MAX)
        engine = NULL;
    if (rc == IG_OK)
        rc = st->be->interview_finish(st->impl, user_id, id, end, (const char *const *)docs, engine, out, err);
    for (size_t i = 0; i < 6; i++)
        free(docs[i]);
    return rc;
}

/* The read-only calls that answer one JSON document about (user_id, id). */
static ig_status json_read(ig_store *st, json_t **out, ig_err *err)
{
    ig_status rc = check_store(st, out, err);
    if (rc == IG_OK)
        *out = NULL;
    return rc;
}

ig_status store_interview_answers(ig_store *st, int64_t user_id, int64_t id, json_t **out, ig_err *err)
{
    ig_status rc = json_read(st, out, err);
    return rc != IG_OK ? rc : st->be->interview_answers(st->impl, user_id, id, out, err);
}

ig_status store_answer_set_audio(ig_store *st, int64_t user_id, int64_t id, int64_t answer_id, const char *url,
                                 ig_err *err)
{
    ig_status rc = check_store(st, st, err);
    if (rc == IG_OK)
        rc = check_text("answer audio URL", url, STORE_AUDIO_URL_MAX, false, err);
    return rc != IG_OK ? rc : st->be->answer_set_audio(st->impl, user_id, id, answer_id, url, err);
}

ig_status store_interview_feedback(ig_store *st, int64_t user_id, int64_t id, json_t **out, ig_err *err)
{
    ig_status rc = json_read(st, out, err);
    return rc != IG_OK ? rc : st->be->interview_feedback(st->impl, user_id, id, out, err);
}

ig_status store_interview_stats(ig_store *st, int64_t user_id, json_t **out, ig_err *err)
{
    ig_status rc = json_read(st, out, err);
    return rc != IG_OK ? rc : st->be->interview_stats(st->impl, user_id, out, err);
}

ig_status store_weak_topics(ig_store *st, int64_t user_id, int limit, json_t **out, ig_err *err)
{
    ig_status rc = json_read(st, out, err);
    if (rc == IG_OK && (limit < 1 || limit > 100))
        rc = status_errf(err, IG_EINVAL, "limit %d is outside 1..100", limit);
    return rc != IG_OK ? rc : st->be->weak_topics(st->impl, user_id, limit, out, err);
}

/* /api/v1/auth: the seed's auth blueprint (register, login, logout, profile) plus refresh,
 * profile edits, password change, data export and account deletion. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/validate.h"
#include "services/answer_audio.h"

#define USERNAME_MAX 100
#define AVATAR_MAX 255
#define PASSWORD_MAX 1024

/* Parses and validates the body; on failure the call already holds the 400. */
static bool body(api_call *c, const validate_field *fields, size_t n)
{
    json_t *details = NULL;
    validate_result r = validate_json_body(c->req->body.p, c->req->body.n, fields, n, c->lang, &c->body, &details);
    switch (r) {
    case VALIDATE_OK: return true;
    case VALIDATE_EMPTY: api_fail(c, 400, MSG_BODY_EMPTY, NULL); break;
    case VALIDATE_MALFORMED: api_fail(c, 400, MSG_BODY_MALFORMED, NULL); break;
    case VALIDATE_NOT_OBJECT: api_fail(c, 400, MSG_BODY_NOT_OBJECT, NULL); break;
    case VALIDATE_FIELDS: api_fail(c, 400, MSG_VALIDATION, details); break;
    }
    return false;
}

static size_t pw_min(const api_call *c)
{
    return (size_t)c->app->cfg->password_min_length;
}

static json_t *tokens_json(const auth_tokens *t, const store_user *u)
{
    json_t *d = json_pack("{s:s, s:s, s:s}", "access_token", t->access_token, "refresh_token", t->refresh_token,
                          "token_type", "Bearer");
    if (d && u)
        json_object_set_new(d, "user", auth_user_json(u));
    return d;
}

static void normalized_email(api_call *c, char *out, size_t cap)
{
    size_t len = 0;
    const char *e = validate_get_str(c->body, "email", &len);
    if (!auth_email_normalize(e, len, out, cap))
        out[0] = '\0';
}

static void h_register(api_call *c)
{
    const validate_field f[] = {
        {"email", true, false, 0, 254, VFMT_EMAIL},
        {"password", true, false, pw_min(c), PASSWORD_MAX, VFMT_NONE},
        {"username", false, true, 0, USERNAME_MAX, VFMT_NONE},
    };
    if (!body(c, f, 3))
        return;
    char email[256], key[300];
    normalized_email(c, email, sizeof email);
    snprintf(key, sizeof key, "email:%s:register", email);
    if (!api_rate_limit(c, key, &c->app->rl_auth))
        return;
    size_t pwlen = 0;
    const char *pw = validate_get_str(c->body, "password", &pwlen);
    const char *username = validate_get_str(c->body, "username", NULL);
    store_user u;
    auth_tokens t;
    ig_err err = {0};
    ig_status st = auth_register(c->app->auth, email, pw, pwlen, username, &u, &t, &err);
    if (st == IG_ECONFLICT) {
        api_fail(c, 409, MSG_EMAIL_TAKEN, NULL);
        return;
    }
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    api_ok(c, 201, MSG_REGISTERED, tokens_json(&t, &u));
    auth_tokens_free(&t);
}

static void h_login(api_call *c)
{
    const validate_field f[] = {
        {"email", true, false, 0, 254, VFMT_EMAIL},
        {"password", true, false, 0, PASSWORD_MAX, VFMT_NONE},
    };
    if (!body(c, f, 2))
        return;
    char email[256], key[300];
    normalized_email(c, email, sizeof email);
    snprintf(key, sizeof key, "email:%s:login", email);
    if (!api_rate_limit(c, key, &c->app->rl_auth))
        return;
    size_t pwlen = 0;
    const char *pw = validate_get_str(c->body, "password", &pwlen);
    store_user u;
    auth_tokens t;
    auth_fail why;
    ig_err err = {0};
    ig_status st = auth_login(c->app->auth, email, pw, pwlen, &u, &t, &why, &err);
    if (st == IG_EAUTH) {
        api_fail(c, 401, MSG_BAD_CREDENTIALS, NULL);
        return;
    }
    if (st == IG_EFORBIDDEN) {
        api_fail(c, 403, MSG_ACCOUNT_INACTIVE, NULL);
        return;
    }
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    api_ok(c, 200, MSG_LOGGED_IN, tokens_json(&t, &u));
    auth_tokens_free(&t);
}

static void h_refresh(api_call *c)
{
    /* flask-jwt-extended sends the refresh token as the bearer; a JSON body is accepted too */
    ig_str tok = STR_NULL;
    ig_str h = http_request_header(c->req, STR_LIT("Authorization"));
    if (h.p && h.n > 7 && str_caseeq(str_make(h.p, 7), STR_LIT("Bearer ")))
        tok = str_trim(str_make(h.p + 7, h.n - 7));
    if (tok.p == NULL && c->req->body.n > 0) {
        const validate_field f[] = {{"refresh_token", true, false, 0, TOKEN_MAX_LEN, VFMT_NONE}};
        if (!body(c, f, 1))
            return;
        size_t len = 0;
        const char *s = validate_get_str(c->body, "refresh_token", &len);
        tok = str_make(s, len);
    }
    if (tok.p == NULL) {
        api_fail(c, 401, MSG_TOKEN_MISSING, NULL);
        return;
    }
    auth_tokens t;
    auth_fail why;
    ig_err err = {0};
    ig_status st = auth_refresh(c->app->auth, tok.p, tok.n, &t, &why, &err);
    if (st == IG_EAUTH) {
        api_fail(c, 401,
                 why == AUTH_FAIL_EXPIRED   ? MSG_TOKEN_EXPIRED
                 : why == AUTH_FAIL_REVOKED ? MSG_TOKEN_REVOKED
                 : why == AUTH_FAIL_USER    ? MSG_USER_INVALID
                                            : MSG_TOKEN_INVALID,
                 NULL);
        return;
    }
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    api_ok(c, 200, MSG_REFRESHED, tokens_json(&t, NULL));
    auth_tokens_free(&t);
}

static void h_logout(api_call *c)
{
    ig_err err = {0};
    ig_status st = auth_logout(c->app->auth, &c->id, &err);
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    api_ok(c, 200, MSG_LOGGED_OUT, NULL);
}

static void h_profile(api_call *c)
{
    api_ok(c, 200, MSG_NONE, auth_user_json(&c->id.user));
}

static void h_profile_update(api_call *c)
{
    const validate_field f[] = {
        {"username", false, true, 0, USERNAME_MAX, VFMT_NONE},
        {"avatar_url", false, true, 0, AVATAR_MAX, VFMT_HTTP_URL},
    };
    if (!body(c, f, 2))
        return;
    /* absent: unchanged; null or "": cleared */
    json_t *jn = json_object_get(c->body, "username"), *ja = json_object_get(c->body, "avatar_url");
    const char *username = jn ? (json_is_string(jn) ? json_string_value(jn) : "") : NULL;
    const char *avatar = ja ? (json_is_string(ja) ? json_string_value(ja) : "") : NULL;
    store_user u;
    ig_err err = {0};
    ig_status st = auth_update_profile(c->app->auth, &c->id, username, avatar, &u, &err);
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    api_ok(c, 200, MSG_PROFILE_UPDATED, auth_user_json(&u));
}

static void h_change_password(api_call *c)
{
    const validate_field f[] = {
        {"old_password", true, false, 0, PASSWORD_MAX, VFMT_NONE},
        {"new_password", true, false, pw_min(c), PASSWORD_MAX, VFMT_NONE},
    };
    if (!body(c, f, 2))
        return;
    size_t oldlen = 0, newlen = 0;
    const char *old_pw = validate_get_str(c->body, "old_password", &oldlen);
    const char *new_pw = validate_get_str(c->body, "new_password", &newlen);
    ig_err err = {0};
    ig_status st = auth_change_password(c->app->auth, &c->id, old_pw, oldlen, new_pw, newlen, &err);
    if (st == IG_EAUTH) {
        api_fail_field(c, "old_password", MSG_FIELD_WRONG_PASSWORD);
        return;
    }
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    api_ok(c, 200, MSG_PASSWORD_CHANGED, NULL);
}

static void h_export(api_call *c)
{
    json_t *data = NULL;
    ig_err err = {0};
    ig_status st = auth_export(c->app->auth, &c->id, &data, &err);
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    api_ok(c, 200, MSG_NONE, data);
    /* an export can be large: stream it in chunks rather than announcing a length */
    c->resp_flags |= HTTP_RESP_CHUNKED;
    api_header(c, "Content-Disposition", "attachment; filename=\"interviewgenius-export.json\"");
}

static void h_delete_account(api_call *c)
{
    const validate_field f[] = {{"password", true, false, 0, PASSWORD_MAX, VFMT_NONE}};
    if (!body(c, f, 1))
        return;
    size_t pwlen = 0;
    const char *pw = validate_get_str(c->body, "password", &pwlen);
    ig_err err = {0};
    ig_status st = auth_delete_account(c->app->auth, &c->id, pw, pwlen, &err);
    if (st == IG_EAUTH) {
        api_fail_field(c, "password", MSG_FIELD_WRONG_PASSWORD);
        return;
    }
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    /* the rows are gone; now their files. A failure here leaves orphaned files, not data a user
     * can reach, so it is logged rather than reported. */
    if (c->app->resumes && resumes_remove_user_files(c->app->resumes, c->id.user.id, &err) != IG_OK)
        log_printf(c->app->log, IG_LOG_WARN, "account_files", "user %lld: %s", (long long)c->id.user.id, err.msg);
    if (c->app->cfg != NULL && answer_audio_remove_user(c->app->cfg->data_dir, c->id.user.id, &err) != IG_OK)
        log_printf(c->app->log, IG_LOG_WARN, "account_files", "user %lld: %s", (long long)c->id.user.id, err.msg);
    api_ok(c, 200, MSG_ACCOUNT_DELETED, NULL);
}

static const api_route R_REGISTER = {API_JSON | API_HASH_POOL | API_AUTH_LIMIT, h_register};
static const api_route R_LOGIN = {API_JSON | API_HASH_POOL | API_AUTH_LIMIT, h_login};
static const api_route R_REFRESH = {0, h_refresh};
static const api_route R_LOGOUT = {API_AUTH, h_logout};
static const api_route R_PROFILE = {API_AUTH, h_profile};
static const api_route R_PROFILE_UPDATE = {API_AUTH | API_JSON, h_profile_update};
static const api_route R_CHANGE_PASSWORD = {API_AUTH | API_JSON | API_HASH_POOL | API_AUTH_LIMIT, h_change_password};
static const api_route R_EXPORT = {API_AUTH, h_export};
static const api_route R_DELETE = {API_AUTH | API_JSON | API_HASH_POOL | API_AUTH_LIMIT, h_delete_account};

const router_route api_auth_routes[] = {
    {"POST", "/api/v1/auth/register", &R_REGISTER},
    {"POST", "/api/v1/auth/login", &R_LOGIN},
    {"POST", "/api/v1/auth/refresh", &R_REFRESH},
    {"POST", "/api/v1/auth/logout", &R_LOGOUT},
    {"GET", "/api/v1/auth/profile", &R_PROFILE},
    {"PATCH", "/api/v1/auth/profile", &R_PROFILE_UPDATE},
    {"POST", "/api/v1/auth/change-password", &R_CHANGE_PASSWORD},
    {"GET", "/api/v1/auth/export", &R_EXPORT},
    {"DELETE", "/api/v1/auth/account", &R_DELETE},
};
const size_t api_auth_routes_count = sizeof api_auth_routes / sizeof api_auth_routes[0];

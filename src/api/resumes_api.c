/* /api/v1/resumes: the seed's resumes blueprint (list, detail, delete, status) plus paging, the
 * download of the original file, reparse and the user's corrections of the parse result. The
 * upload itself (multipart streaming) lives with the HTTP body sink; every route here answers 404
 * for another user's resume. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/resume_edit.h"
#include "api/validate.h"

#define PER_PAGE_DEFAULT 20
#define PER_PAGE_MAX 100

/* The message that explains a failed resume's stable error code. */
static msg_id failure_message(const char *code)
{
    static const struct {
        const char *code;
        msg_id msg;
    } map[] = {
        {RESUMES_ERR_NO_TEXT, MSG_PARSE_NO_TEXT},
        {RESUMES_ERR_UNREADABLE, MSG_PARSE_UNREADABLE},
        {RESUMES_ERR_TOO_LARGE, MSG_PARSE_TOO_LARGE},
        {RESUMES_ERR_FILE_MISSING, MSG_PARSE_FILE_MISSING},
        {STORE_ERR_INTERRUPTED, MSG_PARSE_INTERRUPTED},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(code, map[i].code) == 0)
            return map[i].msg;
    }
    return MSG_PARSE_FAILED;
}

/* error_code, error (localised) and error_detail of a failed resume, added to o. */
static void add_failure(json_t *o, const store_resume *r, api_lang lang)
{
    if (strcmp(r->status, "failed") != 0)
        return;
    const char *code = r->error_code[0] ? r->error_code : STORE_ERR_JOB_FAILED;
    json_object_set_new(o, "error_code", json_string(code));
    json_object_set_new(o, "error", json_string(msg_get(failure_message(code), lang)));
    if (r->error[0])
        json_object_set_new(o, "error_detail", json_string(r->error));
}

json_t *api_resume_json(const store_resume *r, api_lang lang)
{
    char created[32], updated[32];
    auth_iso8601(r->created_at, created, sizeof created);
    auth_iso8601(r->updated_at, updated, sizeof updated);
    json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:s, s:f, s:s, s:s}", "id", (json_int_t)r->id, "file_name",
                          r->file_name, "file_type", r->file_type, "file_size", (json_int_t)r->file_size, "status",
                          r->status, "parse_confidence", r->parse_confidence, "created_at", created, "updated_at",
                          updated);
    if (o != NULL)
        add_failure(o, r, lang);
    return o;
}

static int64_t resume_id(const api_call *c)
{
    return c->match.int_params[0];
}

/* The value of ?name= as a positive int: dflt when absent; -1 when present but not one. */
static int query_int(const api_call *c, const char *name, int dflt)
{
    ig_str q = c->req->query;
    size_t nl = strlen(name);
    for (size_t i = 0; i < q.n;) {
        const char *amp = memchr(q.p + i, '&', q.n - i);
        size_t end = amp != NULL ? (size_t)(amp - q.p) : q.n;
        ig_str pair = str_make(q.p + i, end - i);
        if (pair.n > nl && pair.p[nl] == '=' && memcmp(pair.p, name, nl) == 0) {
            unsigned long long v;
            if (!str_to_u64(str_make(pair.p + nl + 1, pair.n - nl - 1), &v) || v < 1 || v > 1000000)
                return -1;
            return (int)v;
        }
        i = end + 1;
    }
    return dflt;
}

static void h_list(api_call *c)
{
    int page = query_int(c, "page", 1), per_page = query_int(c, "per_page", PER_PAGE_DEFAULT);
    if (page < 0 || per_page < 0) {
        api_fail_field(c, page < 0 ? "page" : "per_page", MSG_FIELD_POSITIVE_INT);
        return;
    }
    if (per_page > PER_PAGE_MAX)
        per_page = PER_PAGE_MAX;
    store_resume *items = NULL;
    size_t n = 0;
    int64_t total = 0;
    ig_err err = {0};
    ig_status st = resumes_list(c->app->resumes, c->id.user.id, page, per_page, &items, &n, &total, &err);
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < n; i++) {
        if (json_array_append_new(arr, api_resume_json(&items[i], c->lang)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    free(items);
    api_ok_page(c, arr, page, per_page, total);
}

static void h_get(api_call *c)
{
    store_resume r;
    json_t *result = NULL;
    ig_err err = {0};
    ig_status st = resumes_get(c->app->resumes, c->id.user.id, resume_id(c), &r, &result, &err);
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    json_t *d = api_resume_json(&r, c->lang);
    if (d != NULL && result != NULL)
        json_object_set(d, "parse_result", result);
    json_decref(result);
    api_ok(c, 200, MSG_NONE, d);
}

static void h_delete(api_call *c)
{
    ig_err err = {0};
    ig_status st = resumes_delete(c->app->resumes, c->id.user.id, resume_id(c), &err);
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    api_ok(c, 200, MSG_RESUME_DELETED, NULL);
}

static void h_status(api_call *c)
{
    store_resume r;
    ig_err err = {0};
    ig_status st = resumes_get(c->app->resumes, c->id.user.id, resume_id(c), &r, NULL, &err);
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    json_t *d = json_pack("{s:s, s:f}", "status", r.status, "confidence", r.parse_confidence);
    if (d != NULL && (strcmp(r.status, "pending") == 0 || strcmp(r.status, "processing") == 0))
        json_object_set_new(d, "progress", json_integer(r.progress));
    if (d != NULL)
        add_failure(d, &r, c->lang);
    api_ok(c, 200, MSG_NONE, d);
}

static void h_reparse(api_call *c)
{
    store_resume r;
    bool queued = false;
    ig_err err = {0};
    ig_status st = resumes_reparse(c->app->resumes, c->id.user.id, resume_id(c), &r, &queued, &err);
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    api_ok(c, queued ? 202 : 200, queued ? MSG_RESUME_REPARSE_QUEUED : MSG_RESUME_REPARSE_RUNNING,
           api_resume_json(&r, c->lang));
}

/* The stored MIME type as a static string (raw_type outlives the handler's locals). */
static const char *static_type(const char *mime)
{
    static const parse_format formats[] = {PARSE_PDF, PARSE_DOCX, PARSE_DOC, PARSE_HTML, PARSE_PNG, PARSE_JPEG};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        const char *m = resumes_mime_type(formats[i]);
        if (strcmp(m, mime) == 0)
            return m;
    }
    return "application/octet-stream";
}

/* Content-Disposition for name (UTF-8): an ASCII fallback plus RFC 5987's filename* for the rest. */
static void disposition(const char *name, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    char ascii[RESUMES_NAME_MAX + 1], enc[3 * RESUMES_NAME_MAX + 1];
    size_t a = 0, e = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && a < RESUMES_NAME_MAX; p++) {
        bool plain = *p > 0x20 && *p < 0x7F && *p != '"' && *p != '\\' && *p != '%' && *p != ';';
        /* one '_' per non-ASCII character, not per byte */
        if (plain || *p == ' ')
            ascii[a++] = (char)*p;
        else if ((*p & 0xC0) != 0x80)
            ascii[a++] = '_';
        /* RFC 5987 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~" */
        bool attr = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                    strchr("!#$&+-.^_`|~", *p) != NULL;
        if (attr) {
            enc[e++] = (char)*p;
        } else if (e + 3 < sizeof enc) {
            enc[e++] = '%';
            enc[e++] = hex[*p >> 4];
            enc[e++] = hex[*p & 15];
        }
    }
    ascii[a] = '\0';
    enc[e] = '\0';
    snprintf(out, cap, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, enc);
}

static void h_file(api_call *c)
{
    store_resume r;
    int fd = -1;
    uint64_t size = 0;
    ig_err err = {0};
    ig_status st = resumes_open_file(c->app->resumes, c->id.user.id, resume_id(c), &r, &fd, &size, &err);
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    char cd[1200];
    disposition(r.file_name, cd, sizeof cd);
    api_header(c, "Content-Disposition", cd);
    /* the bytes are the uploader's: never rendered or sniffed as something else by a browser */
    api_header(c, "X-Content-Type-Options", "nosniff");
    api_header(c, "Content-Security-Policy", "default-src 'none'; sandbox");
    api_send_file(c, fd, size);
    c->raw_type = static_type(r.file_type);
    c->status = 200;
}

/* PATCH /<id>/parse-result: the body checked against api/resume_edit.h's schema, the rules in
 * services/resumes.h (resumes_edit_result); answers like GET /<id>. */
static void h_edit_result(api_call *c)
{
    json_t *details = NULL;
    switch (validate_json_body(c->req->body.p, c->req->body.n, NULL, 0, c->lang, &c->body, &details)) {
    case VALIDATE_OK: break;
    case VALIDATE_EMPTY: api_fail(c, 400, MSG_BODY_EMPTY, NULL); return;
    case VALIDATE_MALFORMED: api_fail(c, 400, MSG_BODY_MALFORMED, NULL); return;
    case VALIDATE_NOT_OBJECT: api_fail(c, 400, MSG_BODY_NOT_OBJECT, NULL); return;
    case VALIDATE_FIELDS: api_fail(c, 400, MSG_VALIDATION, details); return;
    }
    if (!resume_edit_validate(c->body, c->lang, &details)) {
        if (details == NULL)
            api_fail_status(c, IG_ENOMEM, NULL);
        else
            api_fail(c, 400, MSG_VALIDATION, details);
        return;
    }
    store_resume r;
    json_t *result = NULL;
    ig_err err = {0};
    ig_status st = resumes_edit_result(c->app->resumes, c->id.user.id, resume_id(c), c->body, &r, &result, &err);
    if (st == IG_ESTATE) {
        api_fail(c, 422, MSG_RESUME_NOT_COMPLETED, NULL);
        return;
    }
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    json_t *d = api_resume_json(&r, c->lang);
    if (d != NULL && result != NULL)
        json_object_set(d, "parse_result", result);
    json_decref(result);
    api_ok(c, 200, MSG_RESUME_RESULT_UPDATED, d);
}

static const api_route R_LIST = {API_AUTH, h_list};
static const api_route R_GET = {API_AUTH, h_get};
static const api_route R_DELETE = {API_AUTH, h_delete};
static const api_route R_STATUS = {API_AUTH, h_status};
static const api_route R_REPARSE = {API_AUTH, h_reparse};
static const api_route R_FILE = {API_AUTH | API_RAW, h_file};
static const api_route R_EDIT_RESULT = {API_AUTH | API_JSON, h_edit_result};

const router_route api_resumes_routes[] = {
    {"GET", "/api/v1/resumes", &R_LIST},
    {"GET", "/api/v1/resumes/<int:id>", &R_GET},
    {"DELETE", "/api/v1/resumes/<int:id>", &R_DELETE},
    {"GET", "/api/v1/resumes/<int:id>/status", &R_STATUS},
    {"POST", "/api/v1/resumes/<int:id>/reparse", &R_REPARSE},
    {"GET", "/api/v1/resumes/<int:id>/file", &R_FILE},
    {"PATCH", "/api/v1/resumes/<int:id>/parse-result", &R_EDIT_RESULT},
};
const size_t api_resumes_routes_count = sizeof api_resumes_routes / sizeof api_resumes_routes[0];

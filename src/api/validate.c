/* Body parsing and field validation. */
#include "api/validate.h"

#include <stdio.h>
#include <string.h>

#include "core/utf8.h"
#include "services/auth.h"

bool validate_http_url(const char *s, size_t n)
{
    size_t skip;
    if (n > 8 && strncmp(s, "https://", 8) == 0)
        skip = 8;
    else if (n > 7 && strncmp(s, "http://", 7) == 0)
        skip = 7;
    else
        return false;
    if (s[skip] == '/' || s[skip] == '?' || s[skip] == '#')
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == '"' || s[i] == '<' || s[i] == '>' || s[i] == '\\')
            return false;
    return true;
}

static void add_error(json_t *details, const char *field, msg_id id, api_lang lang, size_t num)
{
    char text[160];
    snprintf(text, sizeof text, msg_get(id, lang), (int)num);
    json_t *list = json_object_get(details, field);
    if (list == NULL) {
        list = json_array();
        json_object_set_new(details, field, list);
    }
    json_array_append_new(list, json_string(text));
}

validate_result validate_json_body(const char *body, size_t len, const validate_field *fields, size_t n,
                                   api_lang lang, json_t **obj, json_t **details)
{
    *obj = NULL;
    *details = NULL;
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    if (i == len)
        return VALIDATE_EMPTY;
    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (root == NULL)
        return VALIDATE_MALFORMED;
    if (!json_is_object(root)) {
        json_decref(root);
        return VALIDATE_NOT_OBJECT;
    }
    json_t *errs = json_object();
    for (size_t k = 0; k < n; k++) {
        const validate_field *f = &fields[k];
        json_t *v = json_object_get(root, f->name);
        if (v == NULL) {
            if (f->required)
                add_error(errs, f->name, MSG_FIELD_REQUIRED, lang, 0);
            continue;
        }
        if (json_is_null(v)) {
            if (!f->nullable)
                add_error(errs, f->name, MSG_FIELD_NULL, lang, 0);
            continue;
        }
        if (!json_is_string(v)) {
            add_error(errs, f->name, MSG_FIELD_STRING, lang, 0);
            continue;
        }
        const char *s = json_string_value(v);
        size_t slen = json_string_length(v);
        size_t chars = utf8_count(s, slen);
        if (f->format == VFMT_EMAIL) {
            char norm[256];
            if (!auth_email_normalize(s, slen, norm, sizeof norm))
                add_error(errs, f->name, MSG_FIELD_EMAIL, lang, 0);
        } else if (f->format == VFMT_HTTP_URL && slen > 0 && !validate_http_url(s, slen)) {
            add_error(errs, f->name, MSG_FIELD_URL, lang, 0);
        }
        if (f->min_len && chars < f->min_len)
            add_error(errs, f->name, MSG_FIELD_TOO_SHORT, lang, f->min_len);
        if (f->max_len && chars > f->max_len)
            add_error(errs, f->name, MSG_FIELD_TOO_LONG, lang, f->max_len);
    }
    if (json_object_size(errs) > 0) {
        json_decref(root);
        *details = errs;
        return VALIDATE_FIELDS;
    }
    json_decref(errs);
    *obj = root;
    return VALIDATE_OK;
}

const char *validate_get_str(const json_t *obj, const char *name, size_t *len)
{
    json_t *v = json_object_get(obj, name);
    if (!json_is_string(v))
        return NULL;
    if (len)
        *len = json_string_length(v);
    return json_string_value(v);
}

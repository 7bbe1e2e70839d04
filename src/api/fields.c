/* Typed body fields and query parameters. */
#include "api/fields.h"

#include <stdio.h>
#include <string.h>

#include "core/utf8.h"

bool fields_init(fields_ctx *fc, api_lang lang)
{
    fc->lang = lang;
    fc->details = json_object();
    return fc->details != NULL;
}

json_t *fields_take(fields_ctx *fc)
{
    json_t *d = fc->details;
    fc->details = NULL;
    if (json_object_size(d) > 0)
        return d;
    json_decref(d);
    return NULL;
}

static void add_text(fields_ctx *fc, const char *field, const char *text)
{
    json_t *list = json_object_get(fc->details, field);
    if (list == NULL) {
        list = json_array();
        if (list == NULL || json_object_set_new(fc->details, field, list) != 0)
            return;
    }
    json_array_append_new(list, json_string(text));
}

void fields_add(fields_ctx *fc, const char *field, msg_id message)
{
    add_text(fc, field, msg_get(message, fc->lang));
}

/* The field's value when it is present and not null; the error (required, null) otherwise. */
static const json_t *present(fields_ctx *fc, const json_t *obj, const char *name, bool required, bool nullable)
{
    const json_t *v = json_object_get(obj, name);
    if (v == NULL) {
        if (required)
            fields_add(fc, name, MSG_FIELD_REQUIRED);
        return NULL;
    }
    if (json_is_null(v)) {
        if (!nullable)
            fields_add(fc, name, MSG_FIELD_NULL);
        return NULL;
    }
    return v;
}

bool fields_int(fields_ctx *fc, const json_t *obj, const char *name, bool required, int64_t min, int64_t max,
                msg_id out_of_range, int64_t *out)
{
    const json_t *v = present(fc, obj, name, required, false);
    if (v == NULL)
        return false;
    if (!json_is_integer(v)) {
        fields_add(fc, name, MSG_FIELD_INTEGER);
        return false;
    }
    json_int_t n = json_integer_value(v);
    if (n < min || n > max) {
        fields_add(fc, name, out_of_range);
        return false;
    }
    *out = (int64_t)n;
    return true;
}

bool fields_bool(fields_ctx *fc, const json_t *obj, const char *name, bool *out)
{
    const json_t *v = present(fc, obj, name, false, false);
    if (v == NULL)
        return false;
    if (!json_is_boolean(v)) {
        fields_add(fc, name, MSG_FIELD_BOOLEAN);
        return false;
    }
    *out = json_is_true(v);
    return true;
}

bool fields_choice(fields_ctx *fc, const json_t *obj, const char *name, bool required, const char *const *choices,
                   size_t n, msg_id not_one_of, const char **out)
{
    const json_t *v = present(fc, obj, name, required, false);
    if (v == NULL)
        return false;
    if (!json_is_string(v)) {
        fields_add(fc, name, MSG_FIELD_STRING);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(json_string_value(v), choices[i]) == 0) {
            *out = json_string_value(v);
            return true;
        }
    }
    fields_add(fc, name, not_one_of);
    return false;
}

bool fields_text(fields_ctx *fc, const json_t *obj, const char *name, bool required, bool nullable, size_t max_chars,
                 const char **out)
{
    const json_t *v = present(fc, obj, name, required, nullable);
    if (v == NULL)
        return false;
    if (!json_is_string(v)) {
        fields_add(fc, name, MSG_FIELD_STRING);
        return false;
    }
    if (utf8_count(json_string_value(v), json_string_length(v)) > max_chars) {
        char text[160];
        snprintf(text, sizeof text, msg_get(MSG_FIELD_TOO_LONG, fc->lang), (int)max_chars);
        add_text(fc, name, text);
        return false;
    }
    *out = json_string_value(v);
    return true;
}

int fields_query(ig_str query, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    if (cap == 0)
        return -1;
    for (size_t i = 0; i < query.n;) {
        const char *amp = memchr(query.p + i, '&', query.n - i);
        size_t end = amp != NULL ? (size_t)(amp - query.p) : query.n;
        const char *pair = query.p + i;
        size_t plen = end - i;
        i = end + 1;
        if (!(plen >= nl && memcmp(pair, name, nl) == 0 && (plen == nl || pair[nl] == '=')))
            continue;
        size_t o = 0;
        for (size_t k = nl + 1; k < plen; k++) {
            int c = (unsigned char)pair[k];
            if (c == '+') {
                c = ' ';
            } else if (c == '%') {
                if (k + 2 >= plen)
                    return -1;
                int hi = str_hexval(pair[k + 1]), lo = str_hexval(pair[k + 2]);
                if (hi < 0 || lo < 0)
                    return -1;
                c = hi * 16 + lo;
                k += 2;
            }
            if (c == 0 || o + 1 >= cap)
                return -1;
            out[o++] = (char)c;
        }
        out[o] = '\0';
        return 1;
    }
    return 0;
}

int64_t fields_query_int(ig_str query, const char *name, int64_t dflt, int64_t max)
{
    char buf[24];
    int r = fields_query(query, name, buf, sizeof buf);
    if (r == 0 || (r == 1 && buf[0] == '\0'))
        return dflt;
    unsigned long long v;
    if (r < 0 || !str_to_u64(str_cstr(buf), &v) || v < 1 || v > (unsigned long long)max)
        return -1;
    return (int64_t)v;
}

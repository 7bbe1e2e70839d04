/* The schema walk (see ai/schema.h): one recursive check per schema node, carrying the path of the
 * value being checked so the first failure can name where it is. */
#include "ai/schema.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/utf8.h"

#define PATH_MAX_BYTES 200

typedef struct walk {
    char path[PATH_MAX_BYTES];
    size_t len;
} walk;

const char *schema_json_type_name(const json_t *v)
{
    switch (v != NULL ? json_typeof(v) : JSON_NULL) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    case JSON_NULL: break;
    }
    return "null";
}

static const char *type_name(schema_type t)
{
    static const char *const names[] = {"any value", "a string", "a number", "an integer",
                                        "a boolean", "an object", "an array"};
    return (size_t)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

/* Appends a path step; the path is cut (with "...") rather than overflowed. Returns the length to
 * restore afterwards. */
static size_t push_step(walk *w, int n)
{
    size_t was = w->len;
    if (n < 0 || (size_t)n >= sizeof w->path - w->len) {
        memcpy(w->path + sizeof w->path - 4, "...", 4);
        w->len = sizeof w->path - 1;
    } else {
        w->len += (size_t)n;
    }
    return was;
}

static size_t push_key(walk *w, const char *key)
{
    return push_step(w, snprintf(w->path + w->len, sizeof w->path - w->len, ".%s", key));
}

static size_t push_index(walk *w, size_t index)
{
    return push_step(w, snprintf(w->path + w->len, sizeof w->path - w->len, "[%zu]", index));
}

static void pop(walk *w, size_t was)
{
    w->len = was;
    w->path[was] = '\0';
}

static bool type_ok(schema_type t, const json_t *v)
{
    switch (t) {
    case SCHEMA_ANY: return true;
    case SCHEMA_STRING: return json_is_string(v);
    case SCHEMA_NUMBER: return json_is_number(v);
    case SCHEMA_INTEGER: return json_is_integer(v);
    case SCHEMA_BOOLEAN: return json_is_boolean(v);
    case SCHEMA_OBJECT: return json_is_object(v);
    case SCHEMA_ARRAY: return json_is_array(v);
    }
    return false;
}

static ig_status check(const schema *s, const json_t *v, walk *w, ig_err *err);

static ig_status check_string(const schema *s, const json_t *v, walk *w, ig_err *err)
{
    const char *str = json_string_value(v);
    size_t bytes = json_string_length(v), chars = utf8_count(str, bytes);
    if (s->choices != NULL) {
        for (const char *const *c = s->choices; *c != NULL; c++)
            if (strlen(*c) == bytes && memcmp(*c, str, bytes) == 0)
                return IG_OK;
        char list[120] = "";
        size_t used = 0;
        for (const char *const *c = s->choices; *c != NULL && used < sizeof list; c++) {
            int n = snprintf(list + used, sizeof list - used, "%s\"%s\"", c == s->choices ? "" : ", ", *c);
            used = n < 0 ? sizeof list : used + (size_t)n;
        }
        return status_errf(err, IG_EINVAL, "%s: \"%.40s\" is not one of %s", w->path, str, list);
    }
    if (chars < s->min_len)
        return status_errf(err, IG_EINVAL, "%s: %s", w->path,
                           s->min_len == 1 ? "must not be empty" : "is shorter than allowed");
    if (s->max_len > 0 && chars > s->max_len)
        return status_errf(err, IG_EINVAL, "%s: is longer than %zu characters", w->path, s->max_len);
    return IG_OK;
}

static ig_status check_number(const schema *s, const json_t *v, walk *w, ig_err *err)
{
    double d = json_number_value(v);
    if (!isfinite(d))
        return status_errf(err, IG_EINVAL, "%s: must be a finite number", w->path);
    if (s->ranged && d < s->min)
        return status_errf(err, IG_EINVAL, "%s: %g is below the minimum %g", w->path, d, s->min);
    if (s->ranged && d > s->max)
        return status_errf(err, IG_EINVAL, "%s: %g is above the maximum %g", w->path, d, s->max);
    return IG_OK;
}

static ig_status check_object(const schema *s, const json_t *v, walk *w, ig_err *err)
{
    for (size_t i = 0; i < s->nfields; i++) {
        const schema_field *f = &s->fields[i];
        const json_t *m = json_object_get(v, f->name);
        if (m == NULL) {
            if (f->optional)
                continue;
            return status_errf(err, IG_EINVAL, "%s: the required key \"%s\" is missing", w->path, f->name);
        }
        size_t was = push_key(w, f->name);
        ig_status rc = check(f->type, m, w, err);
        pop(w, was);
        if (rc != IG_OK)
            return rc;
    }
    return IG_OK;
}

static ig_status check_array(const schema *s, const json_t *v, walk *w, ig_err *err)
{
    size_t n = json_array_size(v);
    if (n < s->min_len)
        return status_errf(err, IG_EINVAL, "%s: has %zu item%s, at least %zu required", w->path, n,
                           n == 1 ? "" : "s", s->min_len);
    if (s->max_len > 0 && n > s->max_len)
        return status_errf(err, IG_EINVAL, "%s: has %zu items, at most %zu allowed", w->path, n, s->max_len);
    for (size_t i = 0; s->items != NULL && i < n; i++) {
        size_t was = push_index(w, i);
        ig_status rc = check(s->items, json_array_get(v, i), w, err);
        pop(w, was);
        if (rc != IG_OK)
            return rc;
    }
    return IG_OK;
}

static ig_status check(const schema *s, const json_t *v, walk *w, ig_err *err)
{
    if (json_is_null(v)) {
        if (s->nullable || s->type == SCHEMA_ANY)
            return IG_OK;
        return status_errf(err, IG_EINVAL, "%s: must be %s, not null", w->path, type_name(s->type));
    }
    if (!type_ok(s->type, v))
        return status_errf(err, IG_EINVAL, "%s: must be %s, not %s %s", w->path, type_name(s->type),
                           json_is_integer(v) || json_is_array(v) || json_is_object(v) ? "an" : "a",
                           schema_json_type_name(v));
    switch (s->type) {
    case SCHEMA_STRING: return check_string(s, v, w, err);
    case SCHEMA_NUMBER:
    case SCHEMA_INTEGER: return check_number(s, v, w, err);
    case SCHEMA_OBJECT: return check_object(s, v, w, err);
    case SCHEMA_ARRAY: return check_array(s, v, w, err);
    case SCHEMA_ANY:
    case SCHEMA_BOOLEAN: break;
    }
    return IG_OK;
}

ig_status schema_check(const schema *s, const json_t *v, ig_err *err)
{
    walk w = {"$", 1};
    if (v == NULL)
        return status_errf(err, IG_EINVAL, "$: there is no value");
    return check(s, v, &w, err);
}

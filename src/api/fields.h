/* Typed request fields beyond validate.h's strings: integers, booleans, choices and texts of a
 * parsed JSON body, checked into marshmallow's error shape ({"field": ["message"]}) in the caller's
 * language, and percent-decoded query-string parameters. */
#ifndef IG_API_FIELDS_H
#define IG_API_FIELDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/messages.h"
#include "core/str.h"

/* The errors found so far: details is an object (owned; fields_init makes it). */
typedef struct fields_ctx {
    json_t *details;
    api_lang lang;
} fields_ctx;

/* false on allocation failure. */
bool fields_init(fields_ctx *fc, api_lang lang);
/* Gives up the errors: the details object (new reference) when any, else NULL (and frees it). */
json_t *fields_take(fields_ctx *fc);
/* Adds message to field's list. */
void fields_add(fields_ctx *fc, const char *field, msg_id message);

/* Each check: true when the field is present and valid (*out set); false when it is absent (*out
 * untouched; "Missing data for required field." when required) or invalid (its error added).
 * null is "Field may not be null." unless the check says nullable. */

/* An integer (not a float, a string or a boolean) within min..max, else out_of_range's message. */
bool fields_int(fields_ctx *fc, const json_t *obj, const char *name, bool required, int64_t min, int64_t max,
                msg_id out_of_range, int64_t *out);
bool fields_bool(fields_ctx *fc, const json_t *obj, const char *name, bool *out);
/* A string equal to one of choices[0..n), else not_one_of's message. *out points into obj. */
bool fields_choice(fields_ctx *fc, const json_t *obj, const char *name, bool required, const char *const *choices,
                   size_t n, msg_id not_one_of, const char **out);
/* A string of at most max_chars code points; with nullable, null is accepted as absent. *out
 * points into obj. */
bool fields_text(fields_ctx *fc, const json_t *obj, const char *name, bool required, bool nullable, size_t max_chars,
                 const char **out);

/* The query-string parameter name (in query, the bytes after '?'), percent- and '+'-decoded into
 * out (cap bytes with the NUL): 1 when present, 0 when absent, -1 when malformed (a bad escape, a
 * NUL, or longer than cap - 1). */
int fields_query(ig_str query, const char *name, char *out, size_t cap);
/* The parameter as a positive integer up to max: dflt when absent or empty; -1 when not one. */
int64_t fields_query_int(ig_str query, const char *name, int64_t dflt, int64_t max);

#endif

/* JSON request bodies: parsed from explicit-length bytes and checked against a field schema,
 * producing marshmallow's error shape ({"field": ["message", ...]}) in the caller's language. */
#ifndef IG_API_VALIDATE_H
#define IG_API_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "api/messages.h"

typedef enum validate_format {
    VFMT_NONE,
    VFMT_EMAIL,    /* a plausible address (normalised by auth_email_normalize) */
    VFMT_HTTP_URL, /* http:// or https:// followed by a host */
} validate_format;

/* One string field. Lengths count Unicode code points, as marshmallow does. */
typedef struct validate_field {
    const char *name;
    bool required;
    bool nullable;
    size_t min_len;  /* 0: no minimum */
    size_t max_len;  /* 0: no maximum */
    validate_format format;
} validate_field;

typedef enum validate_result {
    VALIDATE_OK,
    VALIDATE_EMPTY,      /* no body at all */
    VALIDATE_MALFORMED,  /* not JSON (or not UTF-8, or NUL in a string) */
    VALIDATE_NOT_OBJECT, /* JSON, but not an object */
    VALIDATE_FIELDS,     /* *details says which fields are wrong */
} validate_result;

/* Parses len bytes at body and validates them. On VALIDATE_OK *obj is the object (new reference,
 * caller decrefs); on VALIDATE_FIELDS *details is the error object (new reference). Unknown
 * fields are ignored, as the seed's schemas do. */
validate_result validate_json_body(const char *body, size_t len, const validate_field *fields, size_t n,
                                   api_lang lang, json_t **obj, json_t **details);

/* Whether n bytes at s are an http:// or https:// URL with a host (VFMT_HTTP_URL's rule). */
bool validate_http_url(const char *s, size_t n);

/* The string value of an optional field of a validated object: NULL when absent or null. */
const char *validate_get_str(const json_t *obj, const char *name, size_t *len);

#endif

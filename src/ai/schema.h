/* A small declarative validator for the JSON a language model returns: types, number ranges,
 * string lengths (in characters), enumerations, required keys and array lengths, nested. Schemas
 * are const tables (usually static); keys an object has beyond its schema's fields are allowed and
 * left alone, because models add commentary keys and the engine copies only the fields it knows. */
#ifndef IG_AI_SCHEMA_H
#define IG_AI_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"

typedef enum schema_type {
    SCHEMA_ANY = 0, /* any JSON value */
    SCHEMA_STRING,
    SCHEMA_NUMBER,  /* integer or real */
    SCHEMA_INTEGER,
    SCHEMA_BOOLEAN,
    SCHEMA_OBJECT,
    SCHEMA_ARRAY,
} schema_type;

typedef struct schema schema;

typedef struct schema_field {
    const char *name;
    const schema *type;
    bool optional; /* may be missing (a present null still has to be allowed by type->nullable) */
} schema_field;

struct schema {
    schema_type type;
    bool nullable;               /* JSON null passes too */
    /* numbers: the inclusive range [min, max] when ranged */
    bool ranged;
    double min, max;
    /* strings: characters (code points; the bytes must be UTF-8, as jansson guarantees);
     * arrays: items. max 0 means no upper bound. */
    size_t min_len, max_len;
    const char *const *choices;  /* strings: NULL-terminated allowed values, or NULL for any */
    const schema_field *fields;  /* objects: the known keys */
    size_t nfields;
    const schema *items;         /* arrays: the type of every item (NULL: anything) */
};

/* Initialisers for the common cases. */
#define SCHEMA_STR(lo, hi) {.type = SCHEMA_STRING, .min_len = (lo), .max_len = (hi)}
#define SCHEMA_NUM(lo, hi) {.type = SCHEMA_NUMBER, .ranged = true, .min = (lo), .max = (hi)}
#define SCHEMA_ENUM(list) {.type = SCHEMA_STRING, .choices = (list)}
#define SCHEMA_ARR(item, lo, hi) {.type = SCHEMA_ARRAY, .items = (item), .min_len = (lo), .max_len = (hi)}
#define SCHEMA_OBJ(list) {.type = SCHEMA_OBJECT, .fields = (list), .nfields = sizeof(list) / sizeof((list)[0])}

/* IG_OK when v conforms to s; otherwise IG_EINVAL with the first problem in err as
 * "<path>: <problem>" (the path in JSONPath-like form, "$.dimensions.depth", "$.questions[2]"),
 * worded so that it can be shown to the model in a repair prompt. Recursion is bounded by the
 * schema's depth, not by v's. */
ig_status schema_check(const schema *s, const json_t *v, ig_err *err);

/* The name of a JSON value's type as the messages use it ("string", "number", "object", ...). */
const char *schema_json_type_name(const json_t *v);

#endif

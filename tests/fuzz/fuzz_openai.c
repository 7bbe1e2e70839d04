/* libFuzzer target for the language-model engine's reply reading (ai/openai.h's
 * ai_openai_extract_json, then ai/schema.h's check of the analysis shape): any bytes a model or a
 * hostile endpoint returns give an object or array, or an error, never a crash; what is extracted
 * re-serialises and parses back, and the schema check of it never crashes either. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ai/openai.h"
#include "ai/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const schema SCORE = SCHEMA_NUM(0, 100);
static const schema TEXT = SCHEMA_STR(1, 500);
static const schema LIST = SCHEMA_ARR(&TEXT, 0, 8);
static const schema_field DIM_FIELDS[] = {{"depth", &SCORE, false}, {"clarity", &SCORE, true}};
static const schema DIMS = SCHEMA_OBJ(DIM_FIELDS);
static const schema_field FIELDS[] = {
    {"score", &SCORE, false}, {"dimensions", &DIMS, false}, {"feedback", &TEXT, true}, {"strengths", &LIST, true}};
static const schema ANALYSIS = SCHEMA_OBJ(FIELDS);
static const schema ITEMS = SCHEMA_ARR(&ANALYSIS, 1, 3);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *v = NULL;
    bool cut = false;
    ig_err err = {0};
    if (ai_openai_extract_json((const char *)data, size, &v, &cut, &err) != IG_OK) {
        if (v != NULL || err.msg[0] == '\0')
            __builtin_trap();
        return 0;
    }
    if (cut || (!json_is_object(v) && !json_is_array(v)))
        __builtin_trap();
    char *s = json_dumps(v, JSON_COMPACT);
    json_t *back = s != NULL ? json_loads(s, 0, NULL) : NULL;
    if (s != NULL && (back == NULL || !json_equal(v, back)))
        __builtin_trap();
    ig_status rc = schema_check(json_is_array(v) ? &ITEMS : &ANALYSIS, v, &err);
    if (rc != IG_OK && (rc != IG_EINVAL || strncmp(err.msg, "$", 1) != 0))
        __builtin_trap();
    free(s);
    json_decref(back);
    json_decref(v);
    return 0;
}

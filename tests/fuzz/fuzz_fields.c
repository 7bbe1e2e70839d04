/* libFuzzer target for api/fields: the input is a query string (percent-decoded lookups with small
 * and large buffers) and, read as JSON, a body checked field by field; results keep their ranges
 * and the errors have marshmallow's shape with only the checked field names. */
#include <stdint.h>
#include <string.h>

#include "api/fields.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const NAMES[] = {"skill", "page", "a", "q"};
static const char *const CHOICES[] = {"easy", "medium", "hard"};

static void query(const char *s, size_t n)
{
    char small[4], big[256];
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++) {
        int r = fields_query(str_make(s, n), NAMES[i], small, sizeof small);
        if (r < -1 || r > 1 || (r == 1 && strlen(small) >= sizeof small))
            __builtin_trap();
        r = fields_query(str_make(s, n), NAMES[i], big, sizeof big);
        if (r < -1 || r > 1 || (r == 1 && strlen(big) > n))
            __builtin_trap();
        int64_t v = fields_query_int(str_make(s, n), NAMES[i], 7, 1000);
        if (v != -1 && v != 7 && (v < 1 || v > 1000))
            __builtin_trap();
    }
}

static void body(const char *s, size_t n, api_lang lang)
{
    json_t *obj = json_loadb(s, n, JSON_DECODE_ANY, NULL);
    fields_ctx fc;
    if (obj == NULL || !fields_init(&fc, lang)) {
        json_decref(obj);
        return;
    }
    int64_t v = 0;
    bool b = false;
    const char *c = NULL, *t = NULL;
    if (fields_int(&fc, obj, "a", true, 1, 30, MSG_FIELD_QUESTION_COUNT, &v) && (v < 1 || v > 30))
        __builtin_trap();
    fields_bool(&fc, obj, "page", &b);
    if (fields_choice(&fc, obj, "q", false, CHOICES, 3, MSG_FIELD_DIFFICULTY, &c) && strcmp(c, "easy") != 0 &&
        strcmp(c, "medium") != 0 && strcmp(c, "hard") != 0)
        __builtin_trap();
    if (fields_text(&fc, obj, "skill", false, true, 5, &t) && t == NULL)
        __builtin_trap();
    json_t *details = fields_take(&fc);
    const char *key;
    json_t *list;
    json_object_foreach(details, key, list)
    {
        bool known = false;
        for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
            known = known || strcmp(key, NAMES[i]) == 0;
        if (!known || !json_is_array(list) || json_array_size(list) == 0 ||
            !json_is_string(json_array_get(list, 0)))
            __builtin_trap();
    }
    json_decref(details);
    json_decref(obj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    query((const char *)data, size);
    body((const char *)data, size, LANG_ZH);
    body((const char *)data, size, LANG_EN);
    return 0;
}

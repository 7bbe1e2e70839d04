/* libFuzzer target for api/validate: the input is a request body checked against a fixed schema
 * in both languages; the result and its details must have the documented shape. */
#include <stdint.h>
#include <string.h>

#include "api/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const validate_field FIELDS[] = {
    {"email", true, false, 0, 254, VFMT_EMAIL},
    {"password", true, false, 8, 128, VFMT_NONE},
    {"username", false, true, 2, 50, VFMT_NONE},
    {"website", false, false, 0, 200, VFMT_HTTP_URL},
    {"", false, false, 1, 1, VFMT_NONE},
};
#define NFIELDS (sizeof FIELDS / sizeof FIELDS[0])

static bool known_field(const char *name)
{
    for (size_t i = 0; i < NFIELDS; i++)
        if (strcmp(FIELDS[i].name, name) == 0)
            return true;
    return false;
}

static void check(const char *body, size_t len, api_lang lang)
{
    json_t *obj = NULL, *details = NULL;
    validate_result vr = validate_json_body(body, len, FIELDS, NFIELDS, lang, &obj, &details);
    switch (vr) {
    case VALIDATE_OK:
        if (!json_is_object(obj) || details != NULL)
            __builtin_trap();
        for (size_t i = 0; i < NFIELDS; i++) {
            size_t n = 0;
            const char *s = validate_get_str(obj, FIELDS[i].name, &n);
            if (FIELDS[i].required && s == NULL)
                __builtin_trap();
            if (s != NULL && memchr(s, '\0', n) != NULL)
                __builtin_trap();
        }
        json_decref(obj);
        break;
    case VALIDATE_FIELDS: {
        if (obj != NULL || !json_is_object(details) || json_object_size(details) == 0)
            __builtin_trap();
        const char *key;
        json_t *list;
        json_object_foreach(details, key, list) {
            if (!known_field(key) || !json_is_array(list) || json_array_size(list) == 0)
                __builtin_trap();
            for (size_t i = 0; i < json_array_size(list); i++) {
                json_t *m = json_array_get(list, i);
                if (!json_is_string(m) || json_string_length(m) == 0)
                    __builtin_trap();
            }
        }
        json_decref(details);
        break;
    }
    case VALIDATE_EMPTY:
    case VALIDATE_MALFORMED:
    case VALIDATE_NOT_OBJECT:
        if (obj != NULL || details != NULL)
            __builtin_trap();
        break;
    default:
        __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check((const char *)data, size, LANG_ZH);
    check((const char *)data, size, LANG_EN);
    return 0;
}

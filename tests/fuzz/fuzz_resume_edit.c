/* libFuzzer target for api/resume_edit: the input is a PATCH body (parsed as the API parses it)
 * checked against the parse-result schema in both languages; valid means no details, invalid means
 * a non-empty details object whose leaves are non-empty lists of non-empty strings. */
#include <stdint.h>
#include <string.h>

#include "api/resume_edit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether d is a well-formed details node: objects of nodes down to lists of messages. */
static bool well_formed(const json_t *d, int depth)
{
    if (depth > 8)
        return false;
    if (json_is_array(d)) {
        if (json_array_size(d) == 0)
            return false;
        for (size_t i = 0; i < json_array_size(d); i++) {
            const json_t *m = json_array_get(d, i);
            if (!json_is_string(m) || json_string_length(m) == 0)
                return false;
        }
        return true;
    }
    if (!json_is_object(d) || json_object_size(d) == 0)
        return false;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)d, key, v) {
        if (!well_formed(v, depth + 1))
            return false;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
    if (body == NULL)
        return 0;
    for (int lang = LANG_ZH; lang <= LANG_EN; lang++) {
        json_t *details = NULL;
        bool ok = resume_edit_validate(body, (api_lang)lang, &details);
        if (ok ? details != NULL : !well_formed(details, 0))
            __builtin_trap();
        json_decref(details);
    }
    json_decref(body);
    return 0;
}

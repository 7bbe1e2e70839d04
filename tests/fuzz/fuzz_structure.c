/* libFuzzer target for parse/structure (with sections, entities, dates, contact and skills under
 * it): any text structures without crashing into a document with every key of the contract, and
 * confidences within 0..1. The lexicons load once. */
#include <stdint.h>
#include <stdlib.h>

#include "parse/structure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static structure_ctx *ctx;
    ig_err err;
    if (ctx == NULL && structure_ctx_open(&ctx, &err) != IG_OK)
        abort();
    json_t *links = json_pack("[s]", "https://github.com/x");
    json_t *out = NULL;
    if (structure_resume_ctx(ctx, (const char *)data, size, links, 1764547200, &out, &err) != IG_OK)
        abort();
    static const char *const keys[] = {"basic_info", "skills",    "experience", "education", "projects",
                                       "certifications", "awards", "languages", "sections", "confidence"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (json_object_get(out, keys[i]) == NULL)
            abort();
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(out, "confidence"), k, v)
    {
        double d = json_real_value(v);
        if (!json_is_real(v) || d < 0 || d > 1)
            abort();
    }
    json_decref(out);
    json_decref(links);
    return 0;
}

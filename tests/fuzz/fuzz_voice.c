/* libFuzzer target for realtime/voice's audio argument: any string either decodes within the cap
 * (and re-encodes to the same bytes) or is refused, never read past its end; the delivery metrics
 * of any JSON document are an object. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "realtime/voice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy, so that reading past the end is caught */
    char *s = malloc(size ? size : 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    unsigned char *out = NULL;
    size_t len = 0;
    voice_b64 r = voice_base64(s, size, CAP, &out, &len);
    if (r != VOICE_B64_OK && (out != NULL || len != 0))
        abort();
    if (r == VOICE_B64_OK && (len > CAP || (len == 0) != (out == NULL)))
        abort();
    if (r == VOICE_B64_OK && len > 0) {
        /* what came out goes back in: the decoding is a function of the text */
        size_t b64 = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
        char *enc = malloc(b64);
        unsigned char *again = NULL;
        size_t len2 = 0;
        if (enc == NULL)
            abort();
        sodium_bin2base64(enc, b64, out, len, sodium_base64_VARIANT_ORIGINAL);
        if (voice_base64(enc, strlen(enc), CAP, &again, &len2) != VOICE_B64_OK || len2 != len ||
            memcmp(again, out, len) != 0)
            abort();
        free(again);
        free(enc);
    }
    free(out);
    json_t *doc = json_loadb(s, size, JSON_DECODE_ANY, NULL);
    json_t *d = voice_delivery(doc, size % 3 == 0 ? -1 : 0.5, (double)size, "pcm16", "sphinx");
    if (d == NULL || !json_is_object(d))
        abort();
    json_decref(d);
    json_decref(doc);
    free(s);
    return 0;
}

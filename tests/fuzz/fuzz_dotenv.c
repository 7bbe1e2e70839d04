/* libFuzzer target for core/config's .env parser: any bytes either parse into well-formed pairs
 * within the documented caps or fail with IG_EINVAL and a reason. */
#include <stdint.h>
#include <string.h>

#include "core/config.h"

/* config.c's caps on a name and a value. */
#define KEY_MAX 128
#define VALUE_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_pair(const char *key, const char *value, void *arg)
{
    size_t *pairs = arg;
    size_t kn = strnlen(key, KEY_MAX + 1);
    if (kn == 0 || kn > KEY_MAX || strnlen(value, VALUE_MAX + 1) > VALUE_MAX)
        __builtin_trap();
    if (!((key[0] >= 'A' && key[0] <= 'Z') || (key[0] >= 'a' && key[0] <= 'z') || key[0] == '_'))
        __builtin_trap();
    for (size_t i = 1; i < kn; i++) {
        char c = key[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            __builtin_trap();
    }
    (*pairs)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t pairs = 0, again = 0;
    ig_err err = {IG_OK, ""};
    ig_status st = config_parse_dotenv((const char *)data, size, check_pair, &pairs, &err);
    if (st != IG_OK && (st != IG_EINVAL || err.msg[0] == '\0'))
        __builtin_trap();
    /* each pair has a '=' of its own */
    if (pairs > size / 2)
        __builtin_trap();
    /* parsing is a pure function of the bytes */
    ig_err err2 = {IG_OK, ""};
    if (config_parse_dotenv((const char *)data, size, check_pair, &again, &err2) != st || again != pairs ||
        strcmp(err.msg, err2.msg) != 0)
        __builtin_trap();
    return 0;
}

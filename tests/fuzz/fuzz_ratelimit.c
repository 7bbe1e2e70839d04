/* libFuzzer target for http/ratelimit: any bytes as a rule spec either fail with IG_EINVAL or give
 * a rule within the documented bounds, which then behaves as a fixed window on the memory backend. */
#include <stdint.h>
#include <string.h>

#include "http/ratelimit.h"

#define NOW_MS 1700000000123LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(const ratelimit_rule *rule)
{
    ratelimit_backend b;
    ig_err err;
    if (ratelimit_memory_new(4, &b, &err) != IG_OK)
        return;
    uint64_t allowed = rule->count < 3 ? rule->count : 3;
    for (uint64_t i = 0; i <= allowed; i++) {
        ratelimit_result res;
        if (ratelimit_hit(&b, "k", 1, rule, NOW_MS, &res) != IG_OK)
            __builtin_trap();
        bool want = i < rule->count;
        if (res.allowed != want || res.limit != rule->count)
            __builtin_trap();
        if (want && res.remaining != rule->count - i - 1)
            __builtin_trap();
        if (!want && res.retry_after < 1)
            __builtin_trap();
        if (res.reset_at * 1000 < NOW_MS || (uint64_t)res.reset_at > NOW_MS / 1000 + rule->window_s)
            __builtin_trap();
        char hdr[RATELIMIT_HEADERS_MAX];
        size_t n = ratelimit_headers(&res, hdr, sizeof hdr);
        if (n == 0 || n >= sizeof hdr || strlen(hdr) != n)
            __builtin_trap();
    }
    ratelimit_destroy(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ratelimit_rule rule = {0, 0};
    ig_err err = {IG_OK, ""};
    ig_status st = ratelimit_parse((const char *)data, size, &rule, &err);
    if (st != IG_OK) {
        if (st != IG_EINVAL || err.msg[0] == '\0')
            __builtin_trap();
        return 0;
    }
    if (rule.count < 1 || rule.count > RATELIMIT_COUNT_MAX || rule.window_s < 1 ||
        rule.window_s > RATELIMIT_WINDOW_MAX)
        __builtin_trap();
    exercise(&rule);
    return 0;
}

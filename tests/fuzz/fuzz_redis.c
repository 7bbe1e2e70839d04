/* libFuzzer target for store/redis's REDIS_URL parser: any bytes parse or are refused without
 * reading past the string; an accepted URL gives a well-formed endpoint that, written back as a
 * URL with every credential and path byte escaped (but the path's slashes), parses to the same endpoint; a refused one
 * leaves nothing behind. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/redis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Percent-escapes every byte of s but keep into out; returns the length written. */
static size_t escape(const char *s, char keep, char *out)
{
    size_t k = 0;
    for (; *s; s++) {
        if (*s == keep)
            out[k++] = *s;
        else
            k += (size_t)sprintf(out + k, "%%%02X", (unsigned char)*s);
    }
    return k;
}

static bool terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    char *url = malloc(size + 1);
    if (url == NULL)
        return 0;
    memcpy(url, data, size);
    url[size] = '\0';
    redis_endpoint ep, again;
    ig_err err = {0};
    ig_status st = redis_url_parse(url, &ep, &err);
    if (st != IG_OK) {
        static const redis_endpoint zero;
        if (st != IG_EINVAL || memcmp(&ep, &zero, sizeof ep) != 0 || !terminated(err.msg, sizeof err.msg))
            __builtin_trap();
        free(url);
        return 0;
    }
    if (!terminated(ep.host, sizeof ep.host) || !terminated(ep.password, sizeof ep.password) ||
        !terminated(ep.username, sizeof ep.username) || !terminated(ep.unix_path, sizeof ep.unix_path))
        __builtin_trap();
    if ((ep.host[0] == '\0') == (ep.unix_path[0] == '\0') || ep.db < 0 || ep.db > 1000000)
        __builtin_trap();
    if (ep.unix_path[0] ? (ep.port != 0 || ep.unix_path[0] != '/') : (ep.port < 1 || ep.port > 65535))
        __builtin_trap();
    if (ep.username[0] && !ep.password[0])
        __builtin_trap();

    /* escaped bytes take three characters each: room for every field at its longest */
    char *back = malloc(16 + 3 * (sizeof ep.username + sizeof ep.password + sizeof ep.unix_path) + sizeof ep.host + 32);
    if (back == NULL) {
        free(url);
        return 0;
    }
    size_t k = (size_t)sprintf(back, "%s", ep.unix_path[0] ? "unix://" : "redis://");
    if (ep.password[0]) {
        k += escape(ep.username, 0, back + k);
        back[k++] = ':';
        k += escape(ep.password, 0, back + k);
        back[k++] = '@';
    }
    if (ep.unix_path[0]) {
        k += escape(ep.unix_path, '/', back + k);
        sprintf(back + k, "?db=%d", ep.db);
    } else {
        bool v6 = strchr(ep.host, ':') != NULL;
        sprintf(back + k, "%s%s%s:%d/%d", v6 ? "[" : "", ep.host, v6 ? "]" : "", ep.port, ep.db);
    }
    if (redis_url_parse(back, &again, &err) != IG_OK || memcmp(&ep, &again, sizeof ep) != 0)
        __builtin_trap();
    free(back);
    free(url);
    return 0;
}

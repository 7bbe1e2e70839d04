/* Direct-mapped table keyed by a keyed BLAKE2b digest of the token bytes (the key is random per
 * process, so slots cannot be aimed at), 64 lock stripes. */
#include "services/token_cache.h"

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define STRIPES 64

typedef struct slot {
    unsigned char digest[crypto_generichash_BYTES];
    bool used;
    token_claims claims;
} slot;

struct token_cache {
    size_t mask;
    unsigned char key[crypto_generichash_KEYBYTES];
    pthread_mutex_t locks[STRIPES];
    slot *slots;
};

ig_status token_cache_new(size_t slots, token_cache **out, ig_err *err)
{
    size_t n = 64;
    while (n < slots && n < ((size_t)1 << 24))
        n <<= 1;
    token_cache *tc = calloc(1, sizeof *tc);
    if (tc == NULL || (tc->slots = calloc(n, sizeof *tc->slots)) == NULL) {
        free(tc);
        return status_errf(err, IG_ENOMEM, "out of memory for the token cache");
    }
    tc->mask = n - 1;
    randombytes_buf(tc->key, sizeof tc->key);
    for (size_t i = 0; i < STRIPES; i++)
        pthread_mutex_init(&tc->locks[i], NULL);
    *out = tc;
    return IG_OK;
}

void token_cache_free(token_cache *tc)
{
    if (tc == NULL)
        return;
    for (size_t i = 0; i < STRIPES; i++)
        pthread_mutex_destroy(&tc->locks[i]);
    sodium_memzero(tc->key, sizeof tc->key);
    free(tc->slots);
    free(tc);
}

static size_t locate(const token_cache *tc, const char *tok, size_t len, unsigned char *digest)
{
    crypto_generichash(digest, crypto_generichash_BYTES, (const unsigned char *)tok, len, tc->key,
                       sizeof tc->key);
    uint64_t h;
    memcpy(&h, digest, sizeof h);
    return (size_t)h & tc->mask;
}

bool token_cache_get(token_cache *tc, const char *tok, size_t len, int64_t now, token_claims *out)
{
    unsigned char digest[crypto_generichash_BYTES];
    size_t i = locate(tc, tok, len, digest);
    pthread_mutex_t *lock = &tc->locks[i % STRIPES];
    bool hit = false;
    pthread_mutex_lock(lock);
    slot *s = &tc->slots[i];
    if (s->used && sodium_memcmp(s->digest, digest, sizeof digest) == 0 && s->claims.exp > now) {
        *out = s->claims;
        hit = true;
    }
    pthread_mutex_unlock(lock);
    return hit;
}

void token_cache_put(token_cache *tc, const char *tok, size_t len, const token_claims *claims)
{
    unsigned char digest[crypto_generichash_BYTES];
    size_t i = locate(tc, tok, len, digest);
    pthread_mutex_t *lock = &tc->locks[i % STRIPES];
    pthread_mutex_lock(lock);
    slot *s = &tc->slots[i];
    memcpy(s->digest, digest, sizeof digest);
    s->claims = *claims;
    s->used = true;
    pthread_mutex_unlock(lock);
}

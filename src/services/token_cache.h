/* A cache of access tokens whose signature and claims have already been verified, so a client
 * that sends the same token on every request does not pay for JWT decoding each time. Only
 * verification is cached: revocation and the user's state are still checked in the store on every
 * request, and expiry against the clock on every hit. Thread-safe (striped locks); fixed memory. */
#ifndef IG_SERVICES_TOKEN_CACHE_H
#define IG_SERVICES_TOKEN_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"
#include "services/token.h"

typedef struct token_cache token_cache;

/* slots is rounded up to a power of two. Freed with token_cache_free. */
ig_status token_cache_new(size_t slots, token_cache **out, ig_err *err);
void token_cache_free(token_cache *tc);
/* True and *out filled when these exact len bytes were verified before and have not expired. */
bool token_cache_get(token_cache *tc, const char *tok, size_t len, int64_t now, token_claims *out);
/* Remembers a token token_verify accepted (evicting whatever shared its slot). */
void token_cache_put(token_cache *tc, const char *tok, size_t len, const token_claims *claims);

#endif

/* libFuzzer target for services/token: the raw input as a token, and the raw input as the claims
 * of a correctly signed HS256 token, so the claim checks behind the MAC are reached too. */
#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "services/token.h"

/* A test key known only to this driver; it signs nothing outside the fuzzer. */
#define FUZZ_SECRET "fuzz-driver-key-not-used-anywhere-else-0123"
#define FUZZ_NOW 1700000000
#define B64(n) sodium_base64_ENCODED_LEN((n), sodium_base64_VARIANT_URLSAFE_NO_PADDING)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* "HS256" header . base64url(claims) . HMAC-SHA256, built the way any JWT library would. */
static void verify_signed_claims(const token_key *key, const uint8_t *claims, size_t n)
{
    static const char head[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.";
    char tok[sizeof head - 1 + B64(TOKEN_MAX_LEN) + 1 + B64(crypto_auth_hmacsha256_BYTES)];
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    token_claims c;
    ig_err err;

    if (n > TOKEN_MAX_LEN)
        return;
    memcpy(tok, head, sizeof head - 1);
    sodium_bin2base64(tok + sizeof head - 1, B64(n), claims, n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    size_t len = strlen(tok);
    crypto_auth_hmacsha256_init(&st, key->key, key->len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)tok, len);
    crypto_auth_hmacsha256_final(&st, mac);
    tok[len++] = '.';
    sodium_bin2base64(tok + len, B64(sizeof mac), mac, sizeof mac,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    len += strlen(tok + len);
    token_verify(key, tok, len, TOKEN_ACCESS, FUZZ_NOW, &c, &err);
    token_verify(key, tok, len, TOKEN_REFRESH, FUZZ_NOW, &c, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    token_key key;
    token_claims c;
    ig_err err;

    if (token_key_init(&key, FUZZ_SECRET, &err) != IG_OK)
        return 0;
    token_verify(&key, (const char *)data, size, TOKEN_ACCESS, FUZZ_NOW, &c, &err);
    verify_signed_claims(&key, data, size);
    return 0;
}

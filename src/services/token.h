/* JSON Web Tokens for the auth API: HS256 only, issued and verified through libjwt with the claims
 * flask-jwt-extended writes (sub, type, jti, iat, nbf, exp, fresh/email on access) plus `fam`. */
#ifndef IG_SERVICES_TOKEN_H
#define IG_SERVICES_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define TOKEN_ID_HEX 32        /* jti and family ids: 128 random bits as lowercase hex */
#define TOKEN_MAX_LEN 4096     /* longer input is refused before any decoding */
#define TOKEN_SECRET_MIN 32    /* bytes of JWT_SECRET_KEY required */
#define TOKEN_CLOCK_SKEW 60    /* seconds an iat/nbf may lie in the future */
#define TOKEN_EMAIL_MAX 255    /* bytes of the email claim */

typedef enum token_type { TOKEN_ACCESS, TOKEN_REFRESH } token_type;

/* The HMAC-SHA256 key. A secret of up to 64 bytes is used as is; a longer one is replaced by its
 * SHA-256, which is exactly what HMAC does with keys longer than its block, so tokens stay
 * verifiable by any JWT library given the plain JWT_SECRET_KEY. Caller-owned; token_key_wipe
 * erases it. */
typedef struct token_key {
    unsigned char key[64];
    size_t len;
} token_key;

typedef struct token_claims {
    int64_t user_id;                 /* sub, a positive decimal string on the wire */
    char email[TOKEN_EMAIL_MAX + 1]; /* access tokens only; "" for refresh tokens */
    char jti[TOKEN_ID_HEX + 1];
    char family[TOKEN_ID_HEX + 1];   /* fam: the refresh family both kinds of token belong to */
    token_type type;
    int64_t iat, exp;
    /* Set by token_verify on IG_EAUTH when the token is genuine, of the expected type and
     * well-formed, and only its exp has passed ("Token has expired" rather than "invalid"). */
    bool expired;
} token_claims;

/* Builds the key from secret (NUL-terminated, at least TOKEN_SECRET_MIN bytes, else IG_EINVAL).
 * Also initialises libsodium (idempotent). */
ig_status token_key_init(token_key *key, const char *secret, ig_err *err);

/* Erases the key bytes. */
void token_key_wipe(token_key *key);

/* Writes a fresh random id (TOKEN_ID_HEX hex digits + NUL) for a jti or a refresh family. */
void token_new_id(char out[TOKEN_ID_HEX + 1]);

/* Signs a token of the given type for user_id (> 0), valid from now for ttl_seconds (> 0).
 * email is required (at most TOKEN_EMAIL_MAX bytes) for TOKEN_ACCESS and must be NULL for
 * TOKEN_REFRESH; family must be a token_new_id value. A fresh jti is drawn here.
 * On IG_OK *out is a NUL-terminated string allocated by libjwt 1.10 with malloc (that version has
 * no jwt_free_str): the caller frees it with free(). claims_out (may be NULL) receives the claims.
 * Errors: IG_EINVAL for bad arguments, IG_ENOMEM, IG_EINTERNAL for a libjwt failure. */
ig_status token_issue(const token_key *key, token_type type, int64_t user_id, const char *email,
                      const char *family, int64_t now, long ttl_seconds, char **out,
                      token_claims *claims_out, ig_err *err);

/* Verifies the len bytes at tok (need not be NUL-terminated) as a token of type expected at time
 * now (Unix seconds). On IG_OK *out holds the claims. Every rejection is IG_EAUTH with the reason
 * in err->msg ("malformed: ...", "alg ...", "bad signature", "wrong token type", "claim ...",
 * "not yet valid: ...", "expired"); out->expired tells an expired token from the others.
 * IG_ENOMEM if libjwt could not allocate. out is caller-owned and always written. */
ig_status token_verify(const token_key *key, const char *tok, size_t len, token_type expected,
                       int64_t now, token_claims *out, ig_err *err);

/* "access" or "refresh". */
const char *token_type_name(token_type type);

#endif

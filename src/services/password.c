/* argon2id password hashes through libsodium; this layer adds the length cap, parameter checks and
 * the split between "wrong password" and "the stored hash is broken". */
#include "services/password.h"

#include <errno.h>
#include <string.h>

static bool params_ok(const password_params *p)
{
    return p->opslimit >= crypto_pwhash_OPSLIMIT_MIN && p->opslimit <= crypto_pwhash_OPSLIMIT_MAX &&
           p->memlimit >= crypto_pwhash_MEMLIMIT_MIN && p->memlimit <= crypto_pwhash_MEMLIMIT_MAX;
}

/* A stored hash must be a NUL-terminated string that fits the libsodium buffer and that libsodium
 * can parse; needs_rehash decodes the string without hashing anything and answers -1 otherwise. */
static bool hash_ok(const char *hash)
{
    return hash != NULL && strnlen(hash, crypto_pwhash_STRBYTES) < crypto_pwhash_STRBYTES &&
           crypto_pwhash_str_needs_rehash(hash, crypto_pwhash_OPSLIMIT_MIN,
                                          crypto_pwhash_MEMLIMIT_MIN) != -1;
}

ig_status password_hash(const password_params *params, const char *pw, size_t len,
                        char out[crypto_pwhash_STRBYTES], ig_err *err)
{
    if (pw == NULL && len > 0)
        return status_errf(err, IG_EINVAL, "password missing");
    if (len > PASSWORD_MAX_LEN)
        return status_errf(err, IG_EINVAL, "password longer than %d bytes", PASSWORD_MAX_LEN);
    if (!params_ok(params))
        return status_errf(err, IG_EINVAL, "password hashing limits out of range");
    if (crypto_pwhash_str(out, pw ? pw : "", len, params->opslimit, params->memlimit) != 0)
        return status_errf(err, IG_ENOMEM, "argon2id could not allocate %zu bytes", params->memlimit);
    return IG_OK;
}

ig_status password_verify(const char *hash, const char *pw, size_t len, ig_err *err)
{
    if (pw == NULL && len > 0)
        return status_errf(err, IG_EINVAL, "password missing");
    if (len > PASSWORD_MAX_LEN)
        return status_errf(err, IG_EINVAL, "password longer than %d bytes", PASSWORD_MAX_LEN);
    if (!hash_ok(hash))
        return status_errf(err, IG_EINVAL, "stored password hash is malformed");
    errno = 0;
    if (crypto_pwhash_str_verify(hash, pw ? pw : "", len) == 0)
        return IG_OK;
    /* libsodium sets EINVAL on a mismatch; anything else from a parsed hash is allocation. */
    if (errno == ENOMEM)
        return status_errf(err, IG_ENOMEM, "argon2id could not allocate its memory");
    return status_errf(err, IG_EAUTH, "wrong password");
}

bool password_needs_rehash(const password_params *params, const char *hash)
{
    if (hash == NULL || strnlen(hash, crypto_pwhash_STRBYTES) >= crypto_pwhash_STRBYTES)
        return true;
    return crypto_pwhash_str_needs_rehash(hash, params->opslimit, params->memlimit) != 0;
}

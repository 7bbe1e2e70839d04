/* Password hashing with argon2id (libsodium crypto_pwhash_str). Every call is CPU- and
 * memory-heavy by design: run them on the hashing worker pool, never on the event loop. */
#ifndef IG_SERVICES_PASSWORD_H
#define IG_SERVICES_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include <sodium.h>

#include "core/status.h"

#define PASSWORD_MAX_LEN 1024 /* bytes; longer passwords are refused with IG_EINVAL */

/* Cost parameters, from PWHASH_OPSLIMIT / PWHASH_MEMLIMIT. */
typedef struct password_params {
    unsigned long long opslimit;
    size_t memlimit; /* bytes */
} password_params;

/* Hashes the len bytes at pw (explicit length; the bytes are hashed as given, so rejecting NULs or
 * checking a minimum length is the caller's validation) into out, a NUL-terminated
 * "$argon2id$..." string owned by the caller. IG_EINVAL when len > PASSWORD_MAX_LEN or the
 * params are outside libsodium's limits; IG_ENOMEM when the memlimit could not be allocated. */
ig_status password_hash(const password_params *params, const char *pw, size_t len,
                        char out[crypto_pwhash_STRBYTES], ig_err *err);

/* Checks pw against a stored hash. IG_OK on a match, IG_EAUTH on a mismatch, IG_EINVAL when
 * len > PASSWORD_MAX_LEN or the stored hash is not a well-formed argon2 string. */
ig_status password_verify(const char *hash, const char *pw, size_t len, ig_err *err);

/* True when hash was made with other params than these (or is not a valid argon2id hash): the
 * caller re-hashes the password it has just verified. Cheap: nothing is hashed. */
bool password_needs_rehash(const password_params *params, const char *hash);

#endif

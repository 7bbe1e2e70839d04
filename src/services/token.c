/* JWT issue and verify (HS256 only). libjwt 1.10 signs and verifies; the MAC is checked a second
 * time here with libsodium, and all libjwt leaves out (strict base64url, the alg allow-list,
 * duplicate members, claim types, times) is done here. */
#include "services/token.h"

#include <errno.h>
#include <jansson.h>
#include <jwt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/str.h"

#define HS256_MAC_BYTES 32

const char *token_type_name(token_type type)
{
    return type == TOKEN_REFRESH ? "refresh" : "access";
}

ig_status token_key_init(token_key *key, const char *secret, ig_err *err)
{
    if (sodium_init() < 0)
        return status_errf(err, IG_EINTERNAL, "libsodium failed to initialise");
    size_t n = secret ? strlen(secret) : 0;
    if (n < TOKEN_SECRET_MIN)
        return status_errf(err, IG_EINVAL, "JWT secret must be at least %d bytes", TOKEN_SECRET_MIN);
    memset(key, 0, sizeof *key);
    if (n <= sizeof key->key) {
        memcpy(key->key, secret, n);
        key->len = n;
    } else {
        /* RFC 2104: HMAC-SHA256 replaces a key longer than its 64-byte block by SHA-256(key). */
        crypto_hash_sha256(key->key, (const unsigned char *)secret, n);
        key->len = crypto_hash_sha256_BYTES;
    }
    return IG_OK;
}

void token_key_wipe(token_key *key)
{
    sodium_memzero(key, sizeof *key);
}

void token_new_id(char out[TOKEN_ID_HEX + 1])
{
    unsigned char raw[TOKEN_ID_HEX / 2];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, TOKEN_ID_HEX + 1, raw, sizeof raw);
}

static bool is_id(const char *s, size_t n)
{
    if (n != TOKEN_ID_HEX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static ig_status jwt_status(int rc)
{
    return rc == ENOMEM ? IG_ENOMEM : IG_EINTERNAL;
}

ig_status token_issue(const token_key *key, token_type type, int64_t user_id, const char *email,
                      const char *family, int64_t now, long ttl_seconds, char **out,
                      token_claims *claims_out, ig_err *err)
{
    ig_status st = IG_OK;
    jwt_t *jwt = NULL;
    token_claims c;
    char sub[24];
    int rc;

    *out = NULL;
    if (user_id <= 0)
        return status_errf(err, IG_EINVAL, "user id must be positive");
    if (family == NULL || !is_id(family, strlen(family)))
        return status_errf(err, IG_EINVAL, "family must be %d lowercase hex digits", TOKEN_ID_HEX);
    if (now < 0 || ttl_seconds <= 0 || ttl_seconds > INT64_MAX - now)
        return status_errf(err, IG_EINVAL, "bad issue time or lifetime");
    if (type == TOKEN_ACCESS &&
        (email == NULL || email[0] == '\0' || strlen(email) > TOKEN_EMAIL_MAX))
        return status_errf(err, IG_EINVAL, "access token needs an email of at most %d bytes",
                           TOKEN_EMAIL_MAX);
    if (type == TOKEN_REFRESH && email != NULL)
        return status_errf(err, IG_EINVAL, "refresh tokens carry no email");

    memset(&c, 0, sizeof c);
    c.user_id = user_id;
    c.type = type;
    c.iat = now;
    c.exp = now + ttl_seconds;
    memcpy(c.family, family, TOKEN_ID_HEX + 1);
    token_new_id(c.jti);
    if (email)
        memcpy(c.email, email, strlen(email) + 1);
    snprintf(sub, sizeof sub, "%lld", (long long)user_id);

    if ((rc = jwt_new(&jwt)) != 0) {
        st = status_errf(err, jwt_status(rc), "jwt_new failed (%d)", rc);
        goto out;
    }
    if ((rc = jwt_set_alg(jwt, JWT_ALG_HS256, key->key, (int)key->len)) != 0 ||
        (rc = jwt_add_grant(jwt, "sub", sub)) != 0 ||
        (rc = jwt_add_grant(jwt, "type", token_type_name(type))) != 0 ||
        (rc = jwt_add_grant(jwt, "jti", c.jti)) != 0 ||
        (rc = jwt_add_grant(jwt, "fam", c.family)) != 0 ||
        (rc = jwt_add_grant_int(jwt, "iat", (long)c.iat)) != 0 ||
        (rc = jwt_add_grant_int(jwt, "nbf", (long)c.iat)) != 0 ||
        (rc = jwt_add_grant_int(jwt, "exp", (long)c.exp)) != 0) {
        st = status_errf(err, jwt_status(rc), "building the token failed (%d)", rc);
        goto out;
    }
    /* flask-jwt-extended marks access tokens with "fresh"; ours are never fresh-only. */
    if (type == TOKEN_ACCESS && (rc = jwt_add_grant_bool(jwt, "fresh", 0)) != 0) {
        st = status_errf(err, jwt_status(rc), "building the token failed (%d)", rc);
        goto out;
    }
    /* jansson refuses a string that is not UTF-8, which libjwt reports as EINVAL. */
    if (type == TOKEN_ACCESS && (rc = jwt_add_grant(jwt, "email", c.email)) != 0) {
        st = status_errf(err, rc == EINVAL ? IG_EINVAL : jwt_status(rc), "email rejected (%d)", rc);
        goto out;
    }
    errno = 0;
    *out = jwt_encode_str(jwt);
    if (*out == NULL) {
        st = status_errf(err, jwt_status(errno), "signing the token failed (%d)", errno);
        goto out;
    }
    if (claims_out)
        *claims_out = c;
out:
    jwt_free(jwt);
    return st;
}

/* Strict base64url without padding (libsodium refuses stray characters and non-zero pad bits,
 * which libjwt's decoder would let through). */
static bool b64url_decode(const char *p, size_t n, unsigned char *bin, size_t cap, size_t *len)
{
    return n > 0 && sodium_base642bin(bin, cap, p, n, NULL, len, NULL,
                                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0;
}

/* Decodes one base64url JSON object; duplicate members are refused so that no other JSON reader
 * (libjwt keeps the last one) can see different claims than we do. */
static json_t *b64url_json(const char *p, size_t n, unsigned char *bin, size_t cap)
{
    size_t len;
    if (!b64url_decode(p, n, bin, cap, &len))
        return NULL;
    json_t *j = json_loadb((const char *)bin, len, JSON_REJECT_DUPLICATES, NULL);
    if (j != NULL && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

static ig_status check_header(json_t *head, ig_err *err)
{
    json_t *alg = json_object_get(head, "alg");
    json_t *typ = json_object_get(head, "typ");
    if (!json_is_string(alg))
        return status_errf(err, IG_EAUTH, "malformed: header has no alg");
    const char *a = json_string_value(alg);
    if (strcasecmp(a, "none") == 0)
        return status_errf(err, IG_EAUTH, "alg none rejected");
    if (strcmp(a, "HS256") != 0)
        return status_errf(err, IG_EAUTH, "alg %.32s not allowed", a);
    if (typ != NULL && (!json_is_string(typ) || strcasecmp(json_string_value(typ), "JWT") != 0))
        return status_errf(err, IG_EAUTH, "malformed: typ is not JWT");
    if (json_object_get(head, "crit") != NULL)
        return status_errf(err, IG_EAUTH, "malformed: crit header not supported");
    return IG_OK;
}

/* A positive integer claim; false when absent, of another JSON type, or not positive. */
static bool claim_time(json_t *claims, const char *name, int64_t *v)
{
    json_t *j = json_object_get(claims, name);
    if (!json_is_integer(j) || json_integer_value(j) <= 0)
        return false;
    *v = (int64_t)json_integer_value(j);
    return true;
}

static const char *claim_str(json_t *claims, const char *name, size_t *n)
{
    json_t *j = json_object_get(claims, name);
    if (!json_is_string(j))
        return NULL;
    *n = json_string_length(j);
    return json_string_value(j);
}

/* True when t lies more than the allowed skew after now. */
static bool in_future(int64_t t, int64_t now)
{
    return t > now && (uint64_t)t - (uint64_t)now > TOKEN_CLOCK_SKEW;
}

static ig_status check_claims(json_t *claims, token_type expected, int64_t now, token_claims *c,
                              ig_err *err)
{
    size_t n;
    const char *s;
    unsigned long long uid;
    int64_t nbf = 0;
    bool has_nbf;

    s = claim_str(claims, "type", &n);
    if (s == NULL)
        return status_errf(err, IG_EAUTH, "claim type missing");
    if (strcmp(s, token_type_name(expected)) != 0)
        return status_errf(err, IG_EAUTH, "wrong token type: %s token expected",
                           token_type_name(expected));
    c->type = expected;

    s = claim_str(claims, "sub", &n);
    if (s == NULL || n > 19 || s[0] < '1' || s[0] > '9' || !str_to_u64(str_make(s, n), &uid) ||
        uid > INT64_MAX)
        return status_errf(err, IG_EAUTH, "claim sub is not a positive decimal string");
    c->user_id = (int64_t)uid;

    s = claim_str(claims, "jti", &n);
    if (s == NULL || !is_id(s, n))
        return status_errf(err, IG_EAUTH, "claim jti missing or malformed");
    memcpy(c->jti, s, n + 1);

    s = claim_str(claims, "fam", &n);
    if (s == NULL || !is_id(s, n))
        return status_errf(err, IG_EAUTH, "claim fam missing or malformed");
    memcpy(c->family, s, n + 1);

    if (expected == TOKEN_ACCESS) {
        s = claim_str(claims, "email", &n);
        if (s == NULL || n == 0 || n > TOKEN_EMAIL_MAX)
            return status_errf(err, IG_EAUTH, "claim email missing or malformed");
        memcpy(c->email, s, n + 1);
    }

    if (!claim_time(claims, "iat", &c->iat))
        return status_errf(err, IG_EAUTH, "claim iat missing or not a positive integer");
    if (!claim_time(claims, "exp", &c->exp))
        return status_errf(err, IG_EAUTH, "claim exp missing or not a positive integer");
    if (c->exp <= c->iat)
        return status_errf(err, IG_EAUTH, "claim exp is not after iat");
    has_nbf = json_object_get(claims, "nbf") != NULL;
    if (has_nbf && !claim_time(claims, "nbf", &nbf))
        return status_errf(err, IG_EAUTH, "claim nbf is not a positive integer");
    if (in_future(c->iat, now))
        return status_errf(err, IG_EAUTH, "not yet valid: iat in the future");
    if (has_nbf && in_future(nbf, now))
        return status_errf(err, IG_EAUTH, "not yet valid: nbf in the future");
    /* Last, so that `expired` only ever marks an otherwise valid token. */
    if (c->exp <= now) {
        c->expired = true;
        return status_errf(err, IG_EAUTH, "expired");
    }
    return IG_OK;
}

/* Finds the two dots of header.payload.signature; every other byte must be base64url. */
static ig_status split_parts(const char *tok, size_t len, size_t dots[2], ig_err *err)
{
    size_t ndots = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = tok[i];
        if (ch == '.') {
            if (ndots == 2)
                return status_errf(err, IG_EAUTH, "malformed: more than 3 parts");
            dots[ndots++] = i;
        } else if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                     (ch >= '0' && ch <= '9') || ch == '-' || ch == '_')) {
            return status_errf(err, IG_EAUTH, "malformed: byte outside base64url at %zu", i);
        }
    }
    if (ndots != 2)
        return status_errf(err, IG_EAUTH, "malformed: not 3 dot-separated parts");
    return IG_OK;
}

ig_status token_verify(const token_key *key, const char *tok, size_t len, token_type expected,
                       int64_t now, token_claims *out, ig_err *err)
{
    ig_status st = IG_OK;
    json_t *head = NULL, *claims = NULL;
    jwt_t *jwt = NULL;
    char text[TOKEN_MAX_LEN + 1];
    unsigned char bin[TOKEN_MAX_LEN];
    unsigned char mac[64], expect[HS256_MAC_BYTES];
    crypto_auth_hmacsha256_state hs;
    size_t dots[2], maclen;
    token_claims c;
    int rc;

    memset(out, 0, sizeof *out);
    memset(&c, 0, sizeof c);
    if (tok == NULL || len == 0)
        return status_errf(err, IG_EAUTH, "malformed: empty token");
    if (len > TOKEN_MAX_LEN)
        return status_errf(err, IG_EAUTH, "malformed: token longer than %d bytes", TOKEN_MAX_LEN);
    if ((st = split_parts(tok, len, dots, err)) != IG_OK)
        return st;

    head = b64url_json(tok, dots[0], bin, sizeof bin);
    if (head == NULL) {
        st = status_errf(err, IG_EAUTH, "malformed: header is not base64url JSON object");
        goto out;
    }
    if ((st = check_header(head, err)) != IG_OK)
        goto out;
    if (dots[1] + 1 == len) {
        st = status_errf(err, IG_EAUTH, "malformed: missing signature");
        goto out;
    }
    if (!b64url_decode(tok + dots[1] + 1, len - dots[1] - 1, mac, sizeof mac, &maclen) ||
        maclen != HS256_MAC_BYTES) {
        st = status_errf(err, IG_EAUTH, "malformed: signature is not an HS256 MAC");
        goto out;
    }
    claims = b64url_json(tok + dots[0] + 1, dots[1] - dots[0] - 1, bin, sizeof bin);
    if (claims == NULL) {
        st = status_errf(err, IG_EAUTH, "malformed: payload is not base64url JSON object");
        goto out;
    }

    /* Our own constant-time MAC check first: libjwt 1.10's jwt_decode can report success without
     * verifying (e.g. when copying the key fails), so it is a second opinion, not the only one. */
    crypto_auth_hmacsha256_init(&hs, key->key, key->len);
    crypto_auth_hmacsha256_update(&hs, (const unsigned char *)tok, dots[1]);
    crypto_auth_hmacsha256_final(&hs, expect);
    if (sodium_memcmp(expect, mac, HS256_MAC_BYTES) != 0) {
        st = status_errf(err, IG_EAUTH, "bad signature");
        goto out;
    }
    /* libjwt wants a C string; its MAC comparison is constant-time too (jwt_strcmp). */
    memcpy(text, tok, len);
    text[len] = '\0';
    rc = jwt_decode(&jwt, text, key->key, (int)key->len);
    if (rc == ENOMEM) {
        st = status_errf(err, IG_ENOMEM, "out of memory decoding token");
        goto out;
    }
    if (rc != 0 || jwt == NULL) {
        st = status_errf(err, IG_EAUTH, "bad signature (libjwt: %d)", rc);
        goto out;
    }
    if (jwt_get_alg(jwt) != JWT_ALG_HS256) {
        st = status_errf(err, IG_EAUTH, "alg mismatch after decode");
        goto out;
    }
    st = check_claims(claims, expected, now, &c, err);
    if (st == IG_OK)
        *out = c;
    else
        out->expired = c.expired;
out:
    jwt_free(jwt);
    json_decref(claims);
    json_decref(head);
    sodium_memzero(text, sizeof text);
    sodium_memzero(&hs, sizeof hs);
    return st;
}

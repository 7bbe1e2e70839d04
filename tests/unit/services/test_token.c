/* Tests for services/token: round trips, and every rejection on tokens forged here with
 * libsodium's base64url and HMAC (so the forgeries do not depend on the code under test). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/token.h"

#define NOW 1700000000
#define TTL 900

typedef enum sig_mode { SIG_HS256, SIG_HS512, SIG_EMPTY, SIG_JUNK } sig_mode;

typedef struct fixture {
    char secret[49]; /* random per run: 48 hex chars, used as the raw HMAC key */
    token_key key;
    char family[TOKEN_ID_HEX + 1];
} fixture;

static const char HS256_HEADER[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

static int setup(void **state)
{
    if (sodium_init() < 0)
        return -1;
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    unsigned char raw[24];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(f->secret, sizeof f->secret, raw, sizeof raw);
    ig_err err = {0};
    if (token_key_init(&f->key, f->secret, &err) != IG_OK)
        return -1;
    token_new_id(f->family);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    token_key_wipe(&f->key);
    free(f);
    return 0;
}

static char *b64url(const void *bin, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *s = malloc(cap);
    assert_non_null(s);
    sodium_bin2base64(s, cap, bin, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return s;
}

/* header.payload.signature from raw JSON texts, signed with key as mode says. */
static char *forge_raw(const char *header, const char *payload, sig_mode mode, const char *key)
{
    char *h = b64url(header, strlen(header));
    char *p = b64url(payload, strlen(payload));
    size_t in_len = strlen(h) + 1 + strlen(p);
    char *in = malloc(in_len + 1);
    assert_non_null(in);
    snprintf(in, in_len + 1, "%s.%s", h, p);

    unsigned char mac[512];
    size_t mac_len = 0;
    if (mode == SIG_HS256) {
        crypto_auth_hmacsha256_state st;
        crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)in, in_len);
        crypto_auth_hmacsha256_final(&st, mac);
        mac_len = crypto_auth_hmacsha256_BYTES;
    } else if (mode == SIG_HS512) {
        crypto_auth_hmacsha512_state st;
        crypto_auth_hmacsha512_init(&st, (const unsigned char *)key, strlen(key));
        crypto_auth_hmacsha512_update(&st, (const unsigned char *)in, in_len);
        crypto_auth_hmacsha512_final(&st, mac);
        mac_len = crypto_auth_hmacsha512_BYTES;
    } else if (mode == SIG_JUNK) {
        randombytes_buf(mac, 256); /* the size of an RS256 signature */
        mac_len = 256;
    }
    char *s = mac_len ? b64url(mac, mac_len) : NULL;
    size_t out_len = in_len + 1 + (s ? strlen(s) : 0);
    char *out = malloc(out_len + 1);
    assert_non_null(out);
    snprintf(out, out_len + 1, "%s.%s", in, s ? s : "");
    free(s);
    free(in);
    free(p);
    free(h);
    return out;
}

static char *forge(const char *header, json_t *claims, sig_mode mode, const char *key)
{
    char *payload = json_dumps(claims, JSON_COMPACT);
    assert_non_null(payload);
    char *tok = forge_raw(header, payload, mode, key);
    free(payload);
    json_decref(claims);
    return tok;
}

/* The claims flask-jwt-extended would put in a token valid from NOW for TTL seconds. */
static json_t *claims_for(const fixture *f, token_type t)
{
    char jti[TOKEN_ID_HEX + 1];
    token_new_id(jti);
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "sub", "42", "type",
                          t == TOKEN_ACCESS ? "access" : "refresh", "jti", jti, "fam", f->family,
                          "iat", (json_int_t)NOW, "nbf", (json_int_t)NOW, "exp",
                          (json_int_t)(NOW + TTL));
    assert_non_null(c);
    if (t == TOKEN_ACCESS) {
        json_object_set_new(c, "email", json_string("ada@example.com"));
        json_object_set_new(c, "fresh", json_false());
    }
    return c;
}

static ig_status verify_str(const fixture *f, const char *tok, token_type t, int64_t now,
                            token_claims *c, ig_err *err)
{
    return token_verify(&f->key, tok, strlen(tok), t, now, c, err);
}

/* Asserts IG_EAUTH with a reason starting with prefix, and frees tok. */
static void expect_reject(const fixture *f, char *tok, token_type t, const char *prefix)
{
    token_claims c;
    ig_err err = {0};
    assert_int_equal(verify_str(f, tok, t, NOW, &c, &err), IG_EAUTH);
    if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
        fail_msg("token %s: reason \"%s\", expected \"%s...\"", tok, err.msg, prefix);
    assert_false(c.expired);
    assert_int_equal(c.user_id, 0);
    free(tok);
}

static json_t *decode_part(const char *tok, int part)
{
    const char *start = tok;
    for (int i = 0; i < part; i++)
        start = strchr(start, '.') + 1;
    const char *end = strchr(start, '.');
    size_t n = end ? (size_t)(end - start) : strlen(start);
    unsigned char bin[4096];
    size_t len;
    assert_int_equal(sodium_base642bin(bin, sizeof bin, start, n, NULL, &len, NULL,
                                       sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                     0);
    json_t *j = json_loadb((const char *)bin, len, 0, NULL);
    assert_non_null(j);
    return j;
}

static void round_trip_access(void **state)
{
    fixture *f = *state;
    char *tok = NULL;
    token_claims issued, got;
    ig_err err = {0};
    assert_int_equal(token_issue(&f->key, TOKEN_ACCESS, 42, "ada@example.com", f->family, NOW, TTL,
                                 &tok, &issued, &err),
                     IG_OK);
    assert_non_null(tok);
    assert_int_equal(verify_str(f, tok, TOKEN_ACCESS, NOW, &got, &err), IG_OK);
    assert_int_equal(got.user_id, 42);
    assert_string_equal(got.email, "ada@example.com");
    assert_string_equal(got.family, f->family);
    assert_string_equal(got.jti, issued.jti);
    assert_int_equal(strlen(got.jti), TOKEN_ID_HEX);
    assert_int_equal(got.type, TOKEN_ACCESS);
    assert_int_equal(got.iat, NOW);
    assert_int_equal(got.exp, NOW + TTL);
    assert_false(got.expired);

    /* The wire format is flask-jwt-extended's. */
    json_t *h = decode_part(tok, 0);
    assert_string_equal(json_string_value(json_object_get(h, "alg")), "HS256");
    assert_string_equal(json_string_value(json_object_get(h, "typ")), "JWT");
    json_decref(h);
    json_t *p = decode_part(tok, 1);
    assert_string_equal(json_string_value(json_object_get(p, "sub")), "42");
    assert_string_equal(json_string_value(json_object_get(p, "type")), "access");
    assert_string_equal(json_string_value(json_object_get(p, "email")), "ada@example.com");
    assert_string_equal(json_string_value(json_object_get(p, "fam")), f->family);
    assert_true(json_is_false(json_object_get(p, "fresh")));
    assert_int_equal(json_integer_value(json_object_get(p, "nbf")), NOW);
    json_decref(p);

    /* Two issues never share a jti. */
    char *tok2 = NULL;
    token_claims issued2;
    assert_int_equal(token_issue(&f->key, TOKEN_ACCESS, 42, "ada@example.com", f->family, NOW, TTL,
                                 &tok2, &issued2, &err),
                     IG_OK);
    assert_string_not_equal(issued.jti, issued2.jti);
    free(tok2);
    free(tok);
}

static void round_trip_refresh(void **state)
{
    fixture *f = *state;
    char *tok = NULL;
    token_claims got;
    ig_err err = {0};
    assert_int_equal(token_issue(&f->key, TOKEN_REFRESH, 7, NULL, f->family, NOW, 2592000, &tok,
                                 NULL, &err),
                     IG_OK);
    assert_int_equal(verify_str(f, tok, TOKEN_REFRESH, NOW + 2591999, &got, &err), IG_OK);
    assert_int_equal(got.user_id, 7);
    assert_int_equal(got.type, TOKEN_REFRESH);
    assert_string_equal(got.email, "");
    assert_string_equal(got.family, f->family);
    json_t *p = decode_part(tok, 1);
    assert_null(json_object_get(p, "email"));
    assert_string_equal(json_string_value(json_object_get(p, "type")), "refresh");
    json_decref(p);
    free(tok);
}

static void type_confusion_rejected(void **state)
{
    fixture *f = *state;
    char *acc = NULL, *ref = NULL;
    token_claims c;
    ig_err err = {0};
    assert_int_equal(token_issue(&f->key, TOKEN_ACCESS, 42, "a@b.c", f->family, NOW, TTL, &acc,
                                 NULL, &err),
                     IG_OK);
    assert_int_equal(token_issue(&f->key, TOKEN_REFRESH, 42, NULL, f->family, NOW, TTL, &ref,
                                 NULL, &err),
                     IG_OK);
    assert_int_equal(verify_str(f, acc, TOKEN_REFRESH, NOW, &c, &err), IG_EAUTH);
    assert_non_null(strstr(err.msg, "wrong token type"));
    assert_int_equal(verify_str(f, ref, TOKEN_ACCESS, NOW, &c, &err), IG_EAUTH);
    assert_non_null(strstr(err.msg, "wrong token type"));
    /* Even once expired, a token of the wrong type is not reported as merely expired. */
    assert_int_equal(verify_str(f, ref, TOKEN_ACCESS, NOW + TTL, &c, &err), IG_EAUTH);
    assert_false(c.expired);
    free(acc);
    free(ref);
}

static void forged_baseline_is_accepted(void **state)
{
    /* Guards the forger: with the right key and claims it yields a token we accept, so each
     * rejection below is caused by the one thing it changes. */
    fixture *f = *state;
    token_claims c;
    ig_err err = {0};
    char *tok = forge(HS256_HEADER, claims_for(f, TOKEN_ACCESS), SIG_HS256, f->secret);
    assert_int_equal(verify_str(f, tok, TOKEN_ACCESS, NOW, &c, &err), IG_OK);
    assert_int_equal(c.user_id, 42);
    free(tok);
    tok = forge("{\"alg\":\"HS256\"}", claims_for(f, TOKEN_REFRESH), SIG_HS256, f->secret);
    assert_int_equal(verify_str(f, tok, TOKEN_REFRESH, NOW, &c, &err), IG_OK);
    free(tok);
}

static void alg_none_rejected(void **state)
{
    fixture *f = *state;
    expect_reject(f, forge("{\"alg\":\"none\",\"typ\":\"JWT\"}", claims_for(f, TOKEN_ACCESS),
                           SIG_EMPTY, NULL),
                  TOKEN_ACCESS, "alg none");
    expect_reject(f, forge("{\"alg\":\"none\"}", claims_for(f, TOKEN_ACCESS), SIG_HS256, f->secret),
                  TOKEN_ACCESS, "alg none");
    expect_reject(f, forge("{\"alg\":\"None\"}", claims_for(f, TOKEN_ACCESS), SIG_EMPTY, NULL),
                  TOKEN_ACCESS, "alg none");
    expect_reject(f, forge("{\"alg\":\"NONE\"}", claims_for(f, TOKEN_ACCESS), SIG_HS256, f->secret),
                  TOKEN_ACCESS, "alg none");
    expect_reject(f, forge("{\"typ\":\"JWT\"}", claims_for(f, TOKEN_ACCESS), SIG_HS256, f->secret),
                  TOKEN_ACCESS, "malformed: header has no alg");
    expect_reject(f, forge("{\"alg\":null}", claims_for(f, TOKEN_ACCESS), SIG_HS256, f->secret),
                  TOKEN_ACCESS, "malformed: header has no alg");
    /* A correct HS256 header with no signature at all. */
    expect_reject(f, forge(HS256_HEADER, claims_for(f, TOKEN_ACCESS), SIG_EMPTY, NULL),
                  TOKEN_ACCESS, "malformed: missing signature");
}

static void other_algs_rejected(void **state)
{
    fixture *f = *state;
    expect_reject(f, forge("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", claims_for(f, TOKEN_ACCESS),
                           SIG_HS512, f->secret),
                  TOKEN_ACCESS, "alg HS512 not allowed");
    expect_reject(f, forge("{\"alg\":\"HS384\"}", claims_for(f, TOKEN_ACCESS), SIG_HS256, f->secret),
                  TOKEN_ACCESS, "alg HS384 not allowed");
    expect_reject(f, forge("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", claims_for(f, TOKEN_ACCESS),
                           SIG_JUNK, NULL),
                  TOKEN_ACCESS, "alg RS256 not allowed");
    expect_reject(f, forge("{\"alg\":\"ES256\"}", claims_for(f, TOKEN_ACCESS), SIG_JUNK, NULL),
                  TOKEN_ACCESS, "alg ES256 not allowed");
    expect_reject(f, forge("{\"alg\":\"hs256\"}", claims_for(f, TOKEN_ACCESS), SIG_HS256, f->secret),
                  TOKEN_ACCESS, "alg hs256 not allowed");
    /* An HS512 MAC under an HS256 header is not an HS256 MAC. */
    expect_reject(f, forge(HS256_HEADER, claims_for(f, TOKEN_ACCESS), SIG_HS512, f->secret),
                  TOKEN_ACCESS, "malformed: signature");
    expect_reject(f, forge("{\"alg\":\"HS256\",\"typ\":\"JWE\"}", claims_for(f, TOKEN_ACCESS),
                           SIG_HS256, f->secret),
                  TOKEN_ACCESS, "malformed: typ");
    expect_reject(f, forge("{\"alg\":\"HS256\",\"crit\":[\"b64\"]}", claims_for(f, TOKEN_ACCESS),
                           SIG_HS256, f->secret),
                  TOKEN_ACCESS, "malformed: crit");
}

static void wrong_key_rejected(void **state)
{
    fixture *f = *state;
    expect_reject(f, forge(HS256_HEADER, claims_for(f, TOKEN_ACCESS), SIG_HS256,
                           "another-secret-of-more-than-32-bytes!!"),
                  TOKEN_ACCESS, "bad signature");

    token_key other;
    ig_err err = {0};
    char *tok = NULL;
    assert_int_equal(token_key_init(&other, "0123456789abcdef0123456789abcdef", &err), IG_OK);
    assert_int_equal(token_issue(&other, TOKEN_ACCESS, 42, "a@b.c", f->family, NOW, TTL, &tok, NULL,
                                 &err),
                     IG_OK);
    expect_reject(f, tok, TOKEN_ACCESS, "bad signature");
}

static void tampered_token_rejected(void **state)
{
    fixture *f = *state;
    char *tok = NULL;
    ig_err err = {0};
    assert_int_equal(token_issue(&f->key, TOKEN_ACCESS, 42, "a@b.c", f->family, NOW, TTL, &tok,
                                 NULL, &err),
                     IG_OK);
    /* Another payload (sub 1) under the original header and signature. */
    json_t *p = decode_part(tok, 1);
    json_object_set_new(p, "sub", json_string("1"));
    char *forged = forge(HS256_HEADER, p, SIG_HS256, f->secret);
    char *sig = strrchr(tok, '.');
    char *body_end = strrchr(forged, '.');
    size_t n = (size_t)(body_end - forged) + strlen(sig);
    char *swapped = malloc(n + 1);
    assert_non_null(swapped);
    memcpy(swapped, forged, (size_t)(body_end - forged));
    strcpy(swapped + (body_end - forged), sig);
    free(forged);
    expect_reject(f, swapped, TOKEN_ACCESS, "bad signature");

    /* One changed character inside the signature. */
    char *flipped = strdup(tok);
    assert_non_null(flipped);
    char *s = strrchr(flipped, '.') + 5;
    *s = *s == 'A' ? 'B' : 'A';
    expect_reject(f, flipped, TOKEN_ACCESS, "bad signature");
    free(tok);
}

static void truncations_rejected(void **state)
{
    fixture *f = *state;
    char *tok = NULL;
    token_claims c;
    ig_err err = {0};
    assert_int_equal(token_issue(&f->key, TOKEN_ACCESS, 42, "a@b.c", f->family, NOW, TTL, &tok,
                                 NULL, &err),
                     IG_OK);
    size_t n = strlen(tok);
    for (size_t i = 0; i < n; i++) {
        /* An exact-size heap copy: ASan catches any read past the explicit length. */
        char *prefix = malloc(i ? i : 1);
        assert_non_null(prefix);
        memcpy(prefix, tok, i);
        assert_int_equal(token_verify(&f->key, prefix, i, TOKEN_ACCESS, NOW, &c, &err), IG_EAUTH);
        free(prefix);
    }
    char *exact = malloc(n);
    assert_non_null(exact);
    memcpy(exact, tok, n);
    assert_int_equal(token_verify(&f->key, exact, n, TOKEN_ACCESS, NOW, &c, &err), IG_OK);
    free(exact);
    free(tok);
}

static void malformed_rejected(void **state)
{
    fixture *f = *state;
    token_claims c;
    ig_err err = {0};
    static const char *const bad[] = {
        "", "abc", "a.b", "a.b.c.d", "...", "eyJ.eyJ.!!", "a b.c.d", "e30.e30.e30=",
        "e30.e30.AAAAA", /* 5 base64 chars: impossible length */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(verify_str(f, bad[i], TOKEN_ACCESS, NOW, &c, &err), IG_EAUTH);
        assert_true(strncmp(err.msg, "malformed", 9) == 0);
    }
    assert_int_equal(token_verify(&f->key, NULL, 0, TOKEN_ACCESS, NOW, &c, &err), IG_EAUTH);

    expect_reject(f, forge_raw("not json", "{}", SIG_HS256, f->secret), TOKEN_ACCESS,
                  "malformed: header");
    expect_reject(f, forge_raw("[\"HS256\"]", "{}", SIG_HS256, f->secret), TOKEN_ACCESS,
                  "malformed: header");
    expect_reject(f, forge_raw(HS256_HEADER, "{\"sub\":", SIG_HS256, f->secret), TOKEN_ACCESS,
                  "malformed: payload");
    expect_reject(f, forge_raw(HS256_HEADER, "\"a string\"", SIG_HS256, f->secret), TOKEN_ACCESS,
                  "malformed: payload");
    /* Duplicate members: libjwt would read the last sub, so the token is refused outright. */
    json_t *base = claims_for(f, TOKEN_ACCESS);
    char *dup = json_dumps(base, JSON_COMPACT);
    json_decref(base);
    assert_non_null(dup);
    size_t dn = strlen(dup);
    char *dup2 = malloc(dn + 16);
    assert_non_null(dup2);
    snprintf(dup2, dn + 16, "%.*s,\"sub\":\"1\"}", (int)(dn - 1), dup);
    expect_reject(f, forge_raw(HS256_HEADER, dup2, SIG_HS256, f->secret), TOKEN_ACCESS,
                  "malformed: payload");
    free(dup2);
    free(dup);

    /* A valid token with a NUL or a space in the middle, lengths explicit. */
    char *tok = NULL;
    assert_int_equal(token_issue(&f->key, TOKEN_ACCESS, 42, "a@b.c", f->family, NOW, TTL, &tok,
                                 NULL, &err),
                     IG_OK);
    size_t n = strlen(tok);
    char *nul = strdup(tok);
    assert_non_null(nul);
    nul[10] = '\0';
    assert_int_equal(token_verify(&f->key, nul, n, TOKEN_ACCESS, NOW, &c, &err), IG_EAUTH);
    nul[10] = ' ';
    assert_int_equal(token_verify(&f->key, nul, n, TOKEN_ACCESS, NOW, &c, &err), IG_EAUTH);
    free(nul);
    /* Trailing bytes beyond the explicit length are not part of the token. */
    char *padded = malloc(n + 8);
    assert_non_null(padded);
    memcpy(padded, tok, n);
    memcpy(padded + n, "garbage!", 8);
    assert_int_equal(token_verify(&f->key, padded, n, TOKEN_ACCESS, NOW, &c, &err), IG_OK);
    assert_int_equal(token_verify(&f->key, padded, n + 8, TOKEN_ACCESS, NOW, &c, &err), IG_EAUTH);
    free(padded);
    free(tok);
}

static void over_long_rejected(void **state)
{
    fixture *f = *state;
    token_claims c;
    ig_err err = {0};
    char *big = malloc(TOKEN_MAX_LEN + 1);
    assert_non_null(big);
    memset(big, 'A', TOKEN_MAX_LEN + 1);
    assert_int_equal(token_verify(&f->key, big, TOKEN_MAX_LEN + 1, TOKEN_ACCESS, NOW, &c, &err),
                     IG_EAUTH);
    assert_non_null(strstr(err.msg, "longer than"));
    free(big);

    /* A genuine signature over a payload padded past the cap is still refused. */
    json_t *cl = claims_for(f, TOKEN_ACCESS);
    char pad[3200];
    memset(pad, 'x', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    json_object_set_new(cl, "pad", json_string(pad));
    char *tok = forge(HS256_HEADER, cl, SIG_HS256, f->secret);
    assert_true(strlen(tok) > TOKEN_MAX_LEN);
    expect_reject(f, tok, TOKEN_ACCESS, "malformed: token longer");
}

static void claims_checked(void **state)
{
    fixture *f = *state;
    static const char *const required[] = {"sub", "type", "jti", "fam", "iat", "exp", "email"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        json_t *c = claims_for(f, TOKEN_ACCESS);
        json_object_del(c, required[i]);
        expect_reject(f, forge(HS256_HEADER, c, SIG_HS256, f->secret), TOKEN_ACCESS, "claim");
    }
    static const char *const bad_sub[] = {"0", "-1", "042", "42a", " 42", "",
                                          "9223372036854775808", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad_sub / sizeof bad_sub[0]; i++) {
        json_t *c = claims_for(f, TOKEN_ACCESS);
        json_object_set_new(c, "sub", json_string(bad_sub[i]));
        expect_reject(f, forge(HS256_HEADER, c, SIG_HS256, f->secret), TOKEN_ACCESS, "claim sub");
    }
    json_t *c = claims_for(f, TOKEN_ACCESS);
    json_object_set_new(c, "sub", json_integer(42));
    expect_reject(f, forge(HS256_HEADER, c, SIG_HS256, f->secret), TOKEN_ACCESS, "claim sub");

    c = claims_for(f, TOKEN_ACCESS);
    json_object_set_new(c, "sub", json_string("9223372036854775807"));
    token_claims out;
    ig_err err = {0};
    char *tok = forge(HS256_HEADER, c, SIG_HS256, f->secret);
    assert_int_equal(verify_str(f, tok, TOKEN_ACCESS, NOW, &out, &err), IG_OK);
    assert_int_equal(out.user_id, INT64_MAX);
    free(tok);

    c = claims_for(f, TOKEN_ACCESS);
    json_object_set_new(c, "jti", json_string("not-a-hex-id"));
    expect_reject(f, forge(HS256_HEADER, c, SIG_HS256, f->secret), TOKEN_ACCESS, "claim jti");
    c = claims_for(f, TOKEN_ACCESS);
    json_object_set_new(c, "fam", json_string("0123456789ABCDEF0123456789ABCDEF"));
    expect_reject(f, forge(HS256_HEADER, c, SIG_HS256, f->secret), TOKEN_ACCESS, "claim fam");
    c = claims_for(f, TOKEN_ACCESS);
    json_object_set_new(c, "type", json_integer(1));
    expect_reject(f, forge(HS256_HEADER, c, SIG_HS256, f->secret), TOKEN_ACCESS, "claim type");
    c = claims_for(f, TOKEN_ACCESS);
    json_object_set_new(c, "iat", json_string("1700000000"));
    expect_reject(f, forge(HS256_HEADER, c, SIG_HS256, f->secret), TOKEN_ACCESS, "claim iat");
    c = claims_for(f, TOKEN_ACCESS);
    json_object_set_new(c, "exp", json_real(NOW + 900.5));
    expect_reject(f, forge(HS256_HEADER, c, SIG_HS256, f->secret), TOKEN_ACCESS, "claim exp");
    c = claims_for(f, TOKEN_ACCESS);
    json_object_set_new(c, "exp", json_true());
    expect_reject(f, forge(HS256_HEADER, c, SIG_HS256, f->secret), TOKEN_ACCESS, "claim exp");
    c = claims_for(f, TOKEN_ACCESS);
    json_object_set_new(c, "exp", json_integer(NOW));
    expect_reject(f, forge(HS256_HEADER, c, SIG_HS256, f->secret), TOKEN_ACCESS,
                  "claim exp is not after iat");
    c = claims_for(f, TOKEN_ACCESS);
    json_object_set_new(c, "nbf", json_string("soon"));
    expect_reject(f, forge(HS256_HEADER, c, SIG_HS256, f->secret), TOKEN_ACCESS, "claim nbf");
    c = claims_for(f, TOKEN_ACCESS);
    json_object_set_new(c, "email", json_integer(5));
    expect_reject(f, forge(HS256_HEADER, c, SIG_HS256, f->secret), TOKEN_ACCESS, "claim email");

    /* nbf is optional. */
    c = claims_for(f, TOKEN_REFRESH);
    json_object_del(c, "nbf");
    tok = forge(HS256_HEADER, c, SIG_HS256, f->secret);
    assert_int_equal(verify_str(f, tok, TOKEN_REFRESH, NOW, &out, &err), IG_OK);
    free(tok);
}

static void expiry_exact(void **state)
{
    fixture *f = *state;
    char *tok = NULL;
    token_claims c;
    ig_err err = {0};
    assert_int_equal(token_issue(&f->key, TOKEN_ACCESS, 42, "a@b.c", f->family, 1000, 60, &tok,
                                 NULL, &err),
                     IG_OK);
    assert_int_equal(verify_str(f, tok, TOKEN_ACCESS, 1059, &c, &err), IG_OK);
    assert_false(c.expired);
    assert_int_equal(verify_str(f, tok, TOKEN_ACCESS, 1060, &c, &err), IG_EAUTH);
    assert_true(c.expired);
    assert_int_equal(c.user_id, 0);
    assert_true(strncmp(err.msg, "expired", 7) == 0);
    assert_int_equal(verify_str(f, tok, TOKEN_ACCESS, 99999, &c, &err), IG_EAUTH);
    assert_true(c.expired);

    /* A forged token that is also past exp is not "expired", it is forged. */
    char *bad = strdup(tok);
    assert_non_null(bad);
    char *s = strrchr(bad, '.') + 3;
    *s = *s == 'A' ? 'B' : 'A';
    assert_int_equal(verify_str(f, bad, TOKEN_ACCESS, 99999, &c, &err), IG_EAUTH);
    assert_false(c.expired);
    assert_string_equal(err.msg, "bad signature");
    free(bad);
    free(tok);
}

static void future_iat_and_nbf(void **state)
{
    fixture *f = *state;
    token_claims c;
    ig_err err = {0};
    json_t *cl = claims_for(f, TOKEN_ACCESS);
    json_object_set_new(cl, "iat", json_integer(NOW + TOKEN_CLOCK_SKEW));
    json_object_set_new(cl, "nbf", json_integer(NOW + TOKEN_CLOCK_SKEW));
    char *tok = forge(HS256_HEADER, cl, SIG_HS256, f->secret);
    assert_int_equal(verify_str(f, tok, TOKEN_ACCESS, NOW, &c, &err), IG_OK);
    free(tok);

    cl = claims_for(f, TOKEN_ACCESS);
    json_object_set_new(cl, "iat", json_integer(NOW + TOKEN_CLOCK_SKEW + 1));
    expect_reject(f, forge(HS256_HEADER, cl, SIG_HS256, f->secret), TOKEN_ACCESS,
                  "not yet valid: iat");
    cl = claims_for(f, TOKEN_ACCESS);
    json_object_set_new(cl, "nbf", json_integer(NOW + TOKEN_CLOCK_SKEW + 1));
    expect_reject(f, forge(HS256_HEADER, cl, SIG_HS256, f->secret), TOKEN_ACCESS,
                  "not yet valid: nbf");
}

static void long_secret_matches_plain_hmac(void **state)
{
    (void)state;
    /* A secret longer than the HMAC block: our stored SHA-256 of it must give the same MAC as
     * HMAC keyed with the whole secret, as PyJWT / flask-jwt-extended compute it. */
    char secret[101];
    unsigned char raw[50];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(secret, sizeof secret, raw, sizeof raw);
    token_key key;
    ig_err err = {0};
    assert_int_equal(token_key_init(&key, secret, &err), IG_OK);
    assert_int_equal(key.len, 32);

    char fam[TOKEN_ID_HEX + 1];
    token_new_id(fam);
    char *tok = NULL;
    assert_int_equal(token_issue(&key, TOKEN_REFRESH, 9, NULL, fam, NOW, TTL, &tok, NULL, &err),
                     IG_OK);
    const char *dot = strrchr(tok, '.');
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)tok, (size_t)(dot - tok));
    crypto_auth_hmacsha256_final(&st, mac);
    char *expect = b64url(mac, sizeof mac);
    assert_string_equal(dot + 1, expect);
    free(expect);

    token_claims c;
    assert_int_equal(token_verify(&key, tok, strlen(tok), TOKEN_REFRESH, NOW, &c, &err), IG_OK);
    assert_int_equal(c.user_id, 9);
    free(tok);
    token_key_wipe(&key);
    assert_int_equal(key.len, 0);
}

static void key_init_checks_secret(void **state)
{
    (void)state;
    token_key key;
    ig_err err = {0};
    assert_int_equal(token_key_init(&key, "0123456789abcdef0123456789abcde", &err), IG_EINVAL);
    assert_int_equal(token_key_init(&key, NULL, &err), IG_EINVAL);
    assert_int_equal(token_key_init(&key, "0123456789abcdef0123456789abcdef", &err), IG_OK);
    assert_int_equal(key.len, 32);
    assert_memory_equal(key.key, "0123456789abcdef0123456789abcdef", 32);
}

static void issue_checks_arguments(void **state)
{
    fixture *f = *state;
    char *tok = NULL;
    ig_err err = {0};
    assert_int_equal(token_issue(&f->key, TOKEN_ACCESS, 0, "a@b.c", f->family, NOW, TTL, &tok,
                                 NULL, &err),
                     IG_EINVAL);
    assert_int_equal(token_issue(&f->key, TOKEN_ACCESS, 1, NULL, f->family, NOW, TTL, &tok, NULL,
                                 &err),
                     IG_EINVAL);
    assert_int_equal(token_issue(&f->key, TOKEN_ACCESS, 1, "", f->family, NOW, TTL, &tok, NULL,
                                 &err),
                     IG_EINVAL);
    assert_int_equal(token_issue(&f->key, TOKEN_REFRESH, 1, "a@b.c", f->family, NOW, TTL, &tok,
                                 NULL, &err),
                     IG_EINVAL);
    assert_int_equal(token_issue(&f->key, TOKEN_REFRESH, 1, NULL, "short", NOW, TTL, &tok, NULL,
                                 &err),
                     IG_EINVAL);
    assert_int_equal(token_issue(&f->key, TOKEN_REFRESH, 1, NULL, NULL, NOW, TTL, &tok, NULL, &err),
                     IG_EINVAL);
    assert_int_equal(token_issue(&f->key, TOKEN_REFRESH, 1, NULL, f->family, NOW, 0, &tok, NULL,
                                 &err),
                     IG_EINVAL);
    assert_int_equal(token_issue(&f->key, TOKEN_ACCESS, 1, "\xff\xfe@b.c", f->family, NOW, TTL,
                                 &tok, NULL, &err),
                     IG_EINVAL);
    char long_email[TOKEN_EMAIL_MAX + 2];
    memset(long_email, 'e', sizeof long_email - 1);
    long_email[sizeof long_email - 1] = '\0';
    assert_int_equal(token_issue(&f->key, TOKEN_ACCESS, 1, long_email, f->family, NOW, TTL, &tok,
                                 NULL, &err),
                     IG_EINVAL);
    assert_null(tok);
    long_email[TOKEN_EMAIL_MAX] = '\0';
    token_claims c;
    assert_int_equal(token_issue(&f->key, TOKEN_ACCESS, 1, long_email, f->family, NOW, TTL, &tok,
                                 NULL, &err),
                     IG_OK);
    assert_int_equal(verify_str(f, tok, TOKEN_ACCESS, NOW, &c, &err), IG_OK);
    assert_string_equal(c.email, long_email);
    free(tok);
}

static void new_ids_are_random_hex(void **state)
{
    (void)state;
    char a[TOKEN_ID_HEX + 1], b[TOKEN_ID_HEX + 1];
    token_new_id(a);
    token_new_id(b);
    assert_int_equal(strlen(a), TOKEN_ID_HEX);
    assert_int_equal(strspn(a, "0123456789abcdef"), TOKEN_ID_HEX);
    assert_string_not_equal(a, b);
    assert_string_equal(token_type_name(TOKEN_ACCESS), "access");
    assert_string_equal(token_type_name(TOKEN_REFRESH), "refresh");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_access),
        cmocka_unit_test(round_trip_refresh),
        cmocka_unit_test(type_confusion_rejected),
        cmocka_unit_test(forged_baseline_is_accepted),
        cmocka_unit_test(alg_none_rejected),
        cmocka_unit_test(other_algs_rejected),
        cmocka_unit_test(wrong_key_rejected),
        cmocka_unit_test(tampered_token_rejected),
        cmocka_unit_test(truncations_rejected),
        cmocka_unit_test(malformed_rejected),
        cmocka_unit_test(over_long_rejected),
        cmocka_unit_test(claims_checked),
        cmocka_unit_test(expiry_exact),
        cmocka_unit_test(future_iat_and_nbf),
        cmocka_unit_test(long_secret_matches_plain_hmac),
        cmocka_unit_test(key_init_checks_secret),
        cmocka_unit_test(issue_checks_arguments),
        cmocka_unit_test(new_ids_are_random_hex),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

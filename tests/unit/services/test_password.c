/* Tests for services/password: argon2id hash/verify, the length cap, rehash detection and
 * malformed stored hashes, at libsodium's minimum cost so they stay fast. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "services/password.h"

static const password_params FAST = {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};

static int setup(void **state)
{
    (void)state;
    return sodium_init() < 0 ? -1 : 0;
}

static void hash_then_verify(void **state)
{
    (void)state;
    char h[crypto_pwhash_STRBYTES];
    ig_err err = {0};
    const char *pw = "correct horse battery staple";
    assert_int_equal(password_hash(&FAST, pw, strlen(pw), h, &err), IG_OK);
    assert_true(strncmp(h, "$argon2id$", 10) == 0);
    assert_int_equal(password_verify(h, pw, strlen(pw), &err), IG_OK);

    char h2[crypto_pwhash_STRBYTES];
    assert_int_equal(password_hash(&FAST, pw, strlen(pw), h2, &err), IG_OK);
    assert_string_not_equal(h, h2); /* a fresh salt every time */
    assert_int_equal(password_verify(h2, pw, strlen(pw), &err), IG_OK);
}

static void wrong_password(void **state)
{
    (void)state;
    char h[crypto_pwhash_STRBYTES];
    ig_err err = {0};
    assert_int_equal(password_hash(&FAST, "secret-one", 10, h, &err), IG_OK);
    assert_int_equal(password_verify(h, "secret-two", 10, &err), IG_EAUTH);
    assert_int_equal(err.status, IG_EAUTH);
    assert_int_equal(password_verify(h, "secret-on", 9, &err), IG_EAUTH);
    assert_int_equal(password_verify(h, "", 0, &err), IG_EAUTH);
    /* The length is explicit: a longer buffer with the same prefix does not match. */
    assert_int_equal(password_verify(h, "secret-one!", 11, &err), IG_EAUTH);
}

static void explicit_length_covers_nul_bytes(void **state)
{
    (void)state;
    char h[crypto_pwhash_STRBYTES];
    ig_err err = {0};
    const char pw[] = {'a', '\0', 'b'};
    assert_int_equal(password_hash(&FAST, pw, sizeof pw, h, &err), IG_OK);
    assert_int_equal(password_verify(h, pw, sizeof pw, &err), IG_OK);
    assert_int_equal(password_verify(h, "a", 1, &err), IG_EAUTH);
}

static void needs_rehash_follows_params(void **state)
{
    (void)state;
    char h[crypto_pwhash_STRBYTES];
    ig_err err = {0};
    assert_int_equal(password_hash(&FAST, "pw123456", 8, h, &err), IG_OK);
    assert_false(password_needs_rehash(&FAST, h));
    password_params more_ops = {FAST.opslimit + 1, FAST.memlimit};
    password_params more_mem = {FAST.opslimit, FAST.memlimit * 2};
    assert_true(password_needs_rehash(&more_ops, h));
    assert_true(password_needs_rehash(&more_mem, h));

    char h2[crypto_pwhash_STRBYTES];
    assert_int_equal(password_hash(&more_ops, "pw123456", 8, h2, &err), IG_OK);
    assert_false(password_needs_rehash(&more_ops, h2));
    assert_true(password_needs_rehash(&FAST, h2));
    /* The old hash still verifies, whatever the current params. */
    assert_int_equal(password_verify(h, "pw123456", 8, &err), IG_OK);

    assert_true(password_needs_rehash(&FAST, "not a hash"));
    assert_true(password_needs_rehash(&FAST, NULL));
}

static void malformed_hash_is_einval(void **state)
{
    (void)state;
    ig_err err = {0};
    char h[crypto_pwhash_STRBYTES];
    assert_int_equal(password_hash(&FAST, "pw123456", 8, h, &err), IG_OK);

    assert_int_equal(password_verify("", "pw123456", 8, &err), IG_EINVAL);
    assert_int_equal(password_verify(NULL, "pw123456", 8, &err), IG_EINVAL);
    /* werkzeug's format, as in the original's database */
    assert_int_equal(password_verify("pbkdf2:sha256:260000$abc$def", "pw123456", 8, &err), IG_EINVAL);
    assert_int_equal(err.status, IG_EINVAL);

    char cut[crypto_pwhash_STRBYTES];
    memcpy(cut, h, sizeof cut);
    cut[20] = '\0';
    assert_int_equal(password_verify(cut, "pw123456", 8, &err), IG_EINVAL);

    char bad_params[crypto_pwhash_STRBYTES];
    memcpy(bad_params, h, sizeof bad_params);
    char *m = strstr(bad_params, "m=");
    assert_non_null(m);
    m[2] = 'x';
    assert_int_equal(password_verify(bad_params, "pw123456", 8, &err), IG_EINVAL);

    /* Not NUL-terminated within crypto_pwhash_STRBYTES. */
    char unterminated[crypto_pwhash_STRBYTES];
    memset(unterminated, 'a', sizeof unterminated);
    assert_int_equal(password_verify(unterminated, "pw123456", 8, &err), IG_EINVAL);
    assert_true(password_needs_rehash(&FAST, unterminated));

    /* A damaged digest still parses: that is a mismatch, not a malformed hash. */
    char flipped[crypto_pwhash_STRBYTES];
    memcpy(flipped, h, sizeof flipped);
    size_t n = strlen(flipped);
    flipped[n - 2] = flipped[n - 2] == 'A' ? 'B' : 'A';
    assert_int_equal(password_verify(flipped, "pw123456", 8, &err), IG_EAUTH);
}

static void long_password_capped(void **state)
{
    (void)state;
    static char pw[PASSWORD_MAX_LEN + 1];
    memset(pw, 'p', sizeof pw);
    char h[crypto_pwhash_STRBYTES];
    ig_err err = {0};
    assert_int_equal(password_hash(&FAST, pw, PASSWORD_MAX_LEN, h, &err), IG_OK);
    assert_int_equal(password_verify(h, pw, PASSWORD_MAX_LEN, &err), IG_OK);
    assert_int_equal(password_hash(&FAST, pw, PASSWORD_MAX_LEN + 1, h, &err), IG_EINVAL);
    assert_int_equal(password_verify(h, pw, PASSWORD_MAX_LEN + 1, &err), IG_EINVAL);
}

static void bad_params_and_arguments(void **state)
{
    (void)state;
    char h[crypto_pwhash_STRBYTES];
    ig_err err = {0};
    password_params low_ops = {crypto_pwhash_OPSLIMIT_MIN - 1, crypto_pwhash_MEMLIMIT_MIN};
    password_params low_mem = {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN - 1};
    assert_int_equal(password_hash(&low_ops, "pw", 2, h, &err), IG_EINVAL);
    assert_int_equal(password_hash(&low_mem, "pw", 2, h, &err), IG_EINVAL);
    assert_int_equal(password_hash(&FAST, NULL, 3, h, &err), IG_EINVAL);
    assert_int_equal(password_verify("$argon2id$x", NULL, 3, &err), IG_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hash_then_verify),
        cmocka_unit_test(wrong_password),
        cmocka_unit_test(explicit_length_covers_nul_bytes),
        cmocka_unit_test(needs_rehash_follows_params),
        cmocka_unit_test(malformed_hash_is_einval),
        cmocka_unit_test(long_password_capped),
        cmocka_unit_test(bad_params_and_arguments),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}

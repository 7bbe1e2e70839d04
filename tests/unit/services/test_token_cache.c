/* The verified-token cache: hits only for the exact bytes, never past expiry, bounded. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "services/token_cache.h"

static token_claims claims_for(int64_t uid, int64_t exp)
{
    token_claims c;
    memset(&c, 0, sizeof c);
    c.user_id = uid;
    c.exp = exp;
    c.type = TOKEN_ACCESS;
    snprintf(c.jti, sizeof c.jti, "%032lld", (long long)uid);
    return c;
}

static void test_hit_miss_expiry(void **state)
{
    (void)state;
    token_cache *tc = NULL;
    assert_int_equal(token_cache_new(100, &tc, NULL), IG_OK);
    token_claims c = claims_for(7, 1000), out;
    assert_false(token_cache_get(tc, "aaa.bbb.ccc", 11, 10, &out));
    token_cache_put(tc, "aaa.bbb.ccc", 11, &c);
    assert_true(token_cache_get(tc, "aaa.bbb.ccc", 11, 10, &out));
    assert_int_equal(out.user_id, 7);
    assert_string_equal(out.jti, c.jti);
    /* one byte different, or a prefix: not the token that was verified */
    assert_false(token_cache_get(tc, "aaa.bbb.ccd", 11, 10, &out));
    assert_false(token_cache_get(tc, "aaa.bbb.cc", 10, 10, &out));
    /* at and past exp the cache answers nothing: the caller verifies and reports expiry */
    assert_false(token_cache_get(tc, "aaa.bbb.ccc", 11, 1000, &out));
    token_cache_free(tc);
}

static void test_bounded(void **state)
{
    (void)state;
    token_cache *tc = NULL;
    assert_int_equal(token_cache_new(64, &tc, NULL), IG_OK);
    char tok[32];
    for (int i = 0; i < 10000; i++) {
        int n = snprintf(tok, sizeof tok, "token-%d", i);
        token_claims c = claims_for(i + 1, 5000);
        token_cache_put(tc, tok, (size_t)n, &c);
    }
    /* the latest survives; every hit returns the claims stored for exactly that token */
    int hits = 0;
    for (int i = 0; i < 10000; i++) {
        int n = snprintf(tok, sizeof tok, "token-%d", i);
        token_claims out;
        if (token_cache_get(tc, tok, (size_t)n, 1, &out)) {
            assert_int_equal(out.user_id, i + 1);
            hits++;
        }
    }
    assert_true(hits > 0 && hits <= 64);
    token_cache_free(tc);
}

typedef struct worker_arg {
    token_cache *tc;
    int id;
} worker_arg;

static void *worker(void *p)
{
    worker_arg *a = p;
    char tok[32];
    for (int i = 0; i < 20000; i++) {
        int n = snprintf(tok, sizeof tok, "t%d-%d", a->id, i % 50);
        token_claims c = claims_for(a->id * 100 + i % 50 + 1, 5000), out;
        token_cache_put(a->tc, tok, (size_t)n, &c);
        if (token_cache_get(a->tc, tok, (size_t)n, 1, &out) && out.user_id != c.user_id)
            return (void *)1;
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    token_cache *tc = NULL;
    assert_int_equal(token_cache_new(256, &tc, NULL), IG_OK);
    pthread_t th[4];
    worker_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (worker_arg){tc, i + 1};
        pthread_create(&th[i], NULL, worker, &args[i]);
    }
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(th[i], &r);
        assert_null(r);
    }
    token_cache_free(tc);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_miss_expiry),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

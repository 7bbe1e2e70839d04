/* Tests for http/ratelimit: the rule grammar, fixed-window arithmetic at window edges, key
 * independence, sweeping and eviction, thread safety, and the response headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/ratelimit.h"

/* A window start that is a multiple of every window used below (60 s, 3600 s). */
#define T0 1700002800LL

static void test_parse_good(void **state)
{
    (void)state;
    static const struct {
        const char *spec;
        uint64_t count, window;
    } cases[] = {
        {"100 per hour", 100, 3600},
        {"100/hour", 100, 3600},
        {"10 per minute", 10, 60},
        {"5 per 30 seconds", 5, 30},
        {"1000/day", 1000, 86400},
        {"2 per second", 2, 1},
        {"1/second", 1, 1},
        {"  3 PER Minutes  ", 3, 60},
        {"\t4 Per\tHOUR\t", 4, 3600},
        {"7/2hours", 7, 7200},
        {"7 / 2 hours", 7, 7200},
        {"1 per month", 1, 2592000},
        {"1 per year", 1, 31536000},
        {"9 per 10 years", 9, 315360000},
        {"1000000000 per day", 1000000000, 86400},
        {"20 per 1 minute", 20, 60},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ratelimit_rule r = {0, 0};
        ig_err err = {IG_OK, ""};
        ig_status st = ratelimit_parse(cases[i].spec, strlen(cases[i].spec), &r, &err);
        if (st != IG_OK)
            fail_msg("'%s' rejected: %s", cases[i].spec, err.msg);
        assert_int_equal(r.count, cases[i].count);
        assert_int_equal(r.window_s, cases[i].window);
    }
}

static void test_parse_bad(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "",
        "   ",
        "per hour",
        "0 per hour",
        "100",
        "100 per",
        "100 per ",
        "100 /",
        "100 per fortnight",
        "100 hour",
        "100 per hour extra",
        "100per hour",
        "100 perhour",
        "-1 per hour",
        "+1 per hour",
        "1.5 per hour",
        "100 per 0 hours",
        "1000000001 per day",
        "99999999999 per day",
        "1 per 11 years",
        "1 per 9999999999 years",
        "100 per hour;10 per minute",
        "100 per hourss",
        "100 per h",
        "100 per hours s",
        "100 per \xc3\xa9hour",
        "1 // hour",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ratelimit_rule r = {77, 77};
        ig_err err = {IG_OK, ""};
        if (ratelimit_parse(cases[i], strlen(cases[i]), &r, &err) != IG_EINVAL)
            fail_msg("'%s' accepted", cases[i]);
        assert_true(err.msg[0] != '\0');
        assert_int_equal(r.count, 77); /* out untouched on error */
    }
    ratelimit_rule r;
    assert_int_equal(ratelimit_parse(NULL, 0, &r, NULL), IG_EINVAL);
}

static void test_parse_explicit_length(void **state)
{
    (void)state;
    ratelimit_rule r;
    /* Only the first len bytes count: the tail is not part of the spec. */
    const char *s = "100 per hourXYZ";
    assert_int_equal(ratelimit_parse(s, 12, &r, NULL), IG_OK);
    assert_int_equal(r.count, 100);
    assert_int_equal(r.window_s, 3600);
    /* An embedded NUL is just a bad byte. */
    const char nul[] = "100 per\0hour";
    assert_int_equal(ratelimit_parse(nul, sizeof nul - 1, &r, NULL), IG_EINVAL);
    /* Exactly-sized heap copies so ASan sees any read past len. */
    static const char *const specs[] = {"5", "5 ", "5 per", "5 per 3", "5/", "5/3", "5 per hour"};
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        size_t n = strlen(specs[i]);
        char *p = malloc(n ? n : 1);
        assert_non_null(p);
        memcpy(p, specs[i], n);
        ig_status st = ratelimit_parse(p, n, &r, NULL);
        assert_int_equal(st, i == 6 ? IG_OK : IG_EINVAL);
        free(p);
    }
}

static void test_parse_random_bytes(void **state)
{
    (void)state;
    static const char alphabet[] = "0123456789 /perPERsecondminutehourdaymonthyears\t\0\xff";
    uint32_t seed = 12345;
    for (int iter = 0; iter < 20000; iter++) {
        seed = seed * 1103515245u + 12345u;
        size_t n = (seed >> 16) % 24;
        char *p = malloc(n ? n : 1);
        assert_non_null(p);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            p[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        ratelimit_rule r = {0, 0};
        ig_status st = ratelimit_parse(p, n, &r, NULL);
        assert_true(st == IG_OK || st == IG_EINVAL);
        if (st == IG_OK) {
            assert_true(r.count >= 1 && r.count <= RATELIMIT_COUNT_MAX);
            assert_true(r.window_s >= 1 && r.window_s <= RATELIMIT_WINDOW_MAX);
        }
        free(p);
    }
}

static ratelimit_result hit(const ratelimit_backend *b, const char *key, const ratelimit_rule *rule, int64_t now_ms)
{
    ratelimit_result r;
    memset(&r, 0xAA, sizeof r);
    assert_int_equal(ratelimit_hit(b, key, strlen(key), rule, now_ms, &r), IG_OK);
    return r;
}

static void test_window_arithmetic(void **state)
{
    (void)state;
    ratelimit_backend b;
    assert_int_equal(ratelimit_memory_new(100, &b, NULL), IG_OK);
    ratelimit_rule rule = {3, 60};
    int64_t now = T0 * 1000 + 500;

    for (uint64_t i = 0; i < 3; i++) {
        ratelimit_result r = hit(&b, "ip:1.2.3.4:default", &rule, now);
        assert_true(r.allowed);
        assert_int_equal(r.limit, 3);
        assert_int_equal(r.remaining, 2 - i);
        assert_int_equal(r.reset_at, T0 + 60);
        assert_int_equal(r.retry_after, 0);
    }
    ratelimit_result r = hit(&b, "ip:1.2.3.4:default", &rule, now);
    assert_false(r.allowed);
    assert_int_equal(r.remaining, 0);
    assert_int_equal(r.reset_at, T0 + 60);
    assert_int_equal(r.retry_after, 60); /* 59.5 s rounds up */

    r = hit(&b, "ip:1.2.3.4:default", &rule, (T0 + 30) * 1000);
    assert_false(r.allowed);
    assert_int_equal(r.retry_after, 30);

    r = hit(&b, "ip:1.2.3.4:default", &rule, (T0 + 59) * 1000);
    assert_false(r.allowed);
    assert_int_equal(r.retry_after, 1);

    r = hit(&b, "ip:1.2.3.4:default", &rule, (T0 + 59) * 1000 + 999);
    assert_false(r.allowed);
    assert_int_equal(r.retry_after, 1); /* never 0 while refused */
    assert_int_equal(r.reset_at, T0 + 60);

    /* The window rolls over exactly at its end. */
    r = hit(&b, "ip:1.2.3.4:default", &rule, (T0 + 60) * 1000);
    assert_true(r.allowed);
    assert_int_equal(r.remaining, 2);
    assert_int_equal(r.reset_at, T0 + 120);

    /* Windows are aligned to multiples of their length, not to the first hit. */
    r = hit(&b, "other", &rule, (T0 + 119) * 1000);
    assert_true(r.allowed);
    assert_int_equal(r.reset_at, T0 + 120);
    r = hit(&b, "other", &rule, (T0 + 120) * 1000);
    assert_int_equal(r.remaining, 2);
    ratelimit_destroy(&b);
    assert_null(b.hit);
    ratelimit_destroy(&b); /* idempotent */
}

static void test_keys_independent(void **state)
{
    (void)state;
    ratelimit_backend b;
    assert_int_equal(ratelimit_memory_new(100, &b, NULL), IG_OK);
    ratelimit_rule rule = {1, 60};
    int64_t now = T0 * 1000;
    assert_true(hit(&b, "ip:1.2.3.4:login", &rule, now).allowed);
    assert_false(hit(&b, "ip:1.2.3.4:login", &rule, now).allowed);
    assert_true(hit(&b, "ip:1.2.3.5:login", &rule, now).allowed);
    assert_true(hit(&b, "email:a@b.c:login", &rule, now).allowed);
    assert_false(hit(&b, "email:a@b.c:login", &rule, now).allowed);
    assert_true(hit(&b, "email:a@b.cd:login", &rule, now).allowed);
    assert_int_equal(ratelimit_count(&b), 4);

    /* Keys are bytes with a length: a prefix of a key is another key, embedded NULs count. */
    ratelimit_result r;
    assert_int_equal(ratelimit_hit(&b, "ip:1.2.3.4:loginXX", 16, &rule, now, &r), IG_OK);
    assert_false(r.allowed);
    const char k1[] = "a\0b", k2[] = "a\0c";
    assert_int_equal(ratelimit_hit(&b, k1, 3, &rule, now, &r), IG_OK);
    assert_true(r.allowed);
    assert_int_equal(ratelimit_hit(&b, k2, 3, &rule, now, &r), IG_OK);
    assert_true(r.allowed);
    ratelimit_destroy(&b);
}

static void test_rule_change_restarts_window(void **state)
{
    (void)state;
    ratelimit_backend b;
    assert_int_equal(ratelimit_memory_new(10, &b, NULL), IG_OK);
    ratelimit_rule per_min = {1, 60}, per_hour = {2, 3600};
    int64_t now = T0 * 1000;
    assert_true(hit(&b, "k", &per_min, now).allowed);
    assert_false(hit(&b, "k", &per_min, now).allowed);
    ratelimit_result r = hit(&b, "k", &per_hour, now);
    assert_true(r.allowed);
    assert_int_equal(r.remaining, 1);
    assert_int_equal(r.reset_at, T0 + 3600);
    /* A higher count on the same window lets the extra requests through. */
    ratelimit_rule per_hour5 = {5, 3600};
    r = hit(&b, "k", &per_hour5, now);
    assert_true(r.allowed);
    assert_int_equal(r.remaining, 3);
    ratelimit_destroy(&b);
}

static void test_sweep_reclaims(void **state)
{
    (void)state;
    ratelimit_backend b;
    assert_int_equal(ratelimit_memory_new(100, &b, NULL), IG_OK);
    ratelimit_rule short_rule = {5, 1}, long_rule = {5, 3600};
    int64_t now = T0 * 1000;
    char key[32];
    for (int i = 0; i < 20; i++) {
        snprintf(key, sizeof key, "short:%d", i);
        hit(&b, key, &short_rule, now);
    }
    hit(&b, "long", &long_rule, now);
    hit(&b, "long", &long_rule, now);
    assert_int_equal(ratelimit_count(&b), 21);

    ratelimit_sweep(&b, now + 999); /* still inside the 1 s window */
    assert_int_equal(ratelimit_count(&b), 21);
    ratelimit_sweep(&b, now + 1000);
    assert_int_equal(ratelimit_count(&b), 1);
    /* The survivor kept its count. */
    ratelimit_result r = hit(&b, "long", &long_rule, now + 1000);
    assert_int_equal(r.remaining, 2);
    ratelimit_sweep(&b, (T0 + 3600) * 1000);
    assert_int_equal(ratelimit_count(&b), 0);
    ratelimit_destroy(&b);
}

static void test_full_table_reuses_expired_first(void **state)
{
    (void)state;
    ratelimit_backend b;
    assert_int_equal(ratelimit_memory_new(4, &b, NULL), IG_OK);
    ratelimit_rule short_rule = {5, 1}, long_rule = {5, 3600};
    int64_t now = T0 * 1000;
    /* Coldest first: two counters that will have expired, then two live ones. */
    hit(&b, "old:0", &short_rule, now);
    hit(&b, "old:1", &short_rule, now);
    hit(&b, "live:0", &long_rule, now);
    hit(&b, "live:1", &long_rule, now);
    assert_int_equal(ratelimit_count(&b), 4);
    /* The expired counters make room for the new keys; no live counter is evicted. */
    hit(&b, "new:0", &long_rule, now + 5000);
    hit(&b, "new:1", &long_rule, now + 5000);
    assert_int_equal(ratelimit_count(&b), 4);
    assert_int_equal(hit(&b, "live:0", &long_rule, now + 5000).remaining, 3);
    assert_int_equal(hit(&b, "live:1", &long_rule, now + 5000).remaining, 3);
    assert_int_equal(hit(&b, "new:0", &long_rule, now + 5000).remaining, 3);
    assert_int_equal(hit(&b, "new:1", &long_rule, now + 5000).remaining, 3);
    ratelimit_destroy(&b);
}

static void test_full_table_evicts_least_recent(void **state)
{
    (void)state;
    ratelimit_backend b;
    assert_int_equal(ratelimit_memory_new(2, &b, NULL), IG_OK);
    ratelimit_rule rule = {1, 3600};
    int64_t now = T0 * 1000;
    assert_true(hit(&b, "a", &rule, now).allowed);
    assert_true(hit(&b, "b", &rule, now).allowed);
    assert_false(hit(&b, "a", &rule, now).allowed); /* a is now the most recent */
    /* Full and nothing expired: c evicts the least recently hit key, b, and never fails. */
    assert_true(hit(&b, "c", &rule, now).allowed);
    assert_int_equal(ratelimit_count(&b), 2);
    assert_false(hit(&b, "a", &rule, now).allowed);
    assert_false(hit(&b, "c", &rule, now).allowed);
    assert_true(hit(&b, "b", &rule, now).allowed); /* b's count restarted */
    ratelimit_destroy(&b);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    ratelimit_backend b;
    ig_err err = {IG_OK, ""};
    assert_int_equal(ratelimit_memory_new(0, &b, &err), IG_EINVAL);
    assert_int_equal(ratelimit_memory_new((1u << 24) + 1, &b, NULL), IG_EINVAL);
    assert_int_equal(ratelimit_memory_new(8, &b, NULL), IG_OK);
    ratelimit_rule rule = {1, 60}, zero_count = {0, 60}, zero_window = {1, 0};
    ratelimit_result r;
    assert_int_equal(ratelimit_hit(&b, "", 0, &rule, 0, &r), IG_EINVAL);
    assert_int_equal(ratelimit_hit(&b, "k", 1, &rule, -1, &r), IG_EINVAL);
    assert_int_equal(ratelimit_hit(&b, "k", 1, &zero_count, 0, &r), IG_EINVAL);
    assert_int_equal(ratelimit_hit(&b, "k", 1, &zero_window, 0, &r), IG_EINVAL);
    char *big = malloc(RATELIMIT_KEY_MAX + 1);
    assert_non_null(big);
    memset(big, 'k', RATELIMIT_KEY_MAX + 1);
    assert_int_equal(ratelimit_hit(&b, big, RATELIMIT_KEY_MAX + 1, &rule, 0, &r), IG_EINVAL);
    assert_int_equal(ratelimit_hit(&b, big, RATELIMIT_KEY_MAX, &rule, 0, &r), IG_OK);
    assert_true(r.allowed);
    free(big);
    assert_int_equal(ratelimit_count(&b), 1);
    /* Time zero is a valid instant. */
    assert_int_equal(ratelimit_hit(&b, "t0", 2, &rule, 0, &r), IG_OK);
    assert_int_equal(r.reset_at, 60);
    ratelimit_destroy(&b);
}

typedef struct hammer_arg {
    const ratelimit_backend *b;
    const ratelimit_rule *rule;
    int64_t now;
    int hits;
    int allowed;
    int errors;
} hammer_arg;

static void *hammer(void *p)
{
    hammer_arg *a = p;
    for (int i = 0; i < a->hits; i++) {
        ratelimit_result r;
        if (ratelimit_hit(a->b, "ip:9.9.9.9:default", 18, a->rule, a->now, &r) != IG_OK)
            a->errors++;
        else if (r.allowed)
            a->allowed++;
        /* Other keys churn the table at the same time. */
        char key[32];
        int n = snprintf(key, sizeof key, "churn:%d", i % 50);
        if (ratelimit_hit(a->b, key, (size_t)n, a->rule, a->now, &r) != IG_OK)
            a->errors++;
    }
    return NULL;
}

static void test_concurrent_hits_count_exactly(void **state)
{
    (void)state;
    ratelimit_backend b;
    assert_int_equal(ratelimit_memory_new(1000, &b, NULL), IG_OK);
    ratelimit_rule rule = {2500, 3600};
    hammer_arg args[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (hammer_arg){&b, &rule, T0 * 1000, 1000, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, hammer, &args[i]), 0);
    }
    int allowed = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        allowed += args[i].allowed;
        assert_int_equal(args[i].errors, 0);
    }
    assert_int_equal(allowed, 2500);
    ratelimit_result r = hit(&b, "ip:9.9.9.9:default", &rule, T0 * 1000);
    assert_false(r.allowed);
    /* 4 threads x 1000 hits on each churn key's 20 hits per thread: 80 each, all allowed. */
    r = hit(&b, "churn:0", &rule, T0 * 1000);
    assert_int_equal(r.remaining, 2500 - 81);
    ratelimit_destroy(&b);
}

static void test_headers(void **state)
{
    (void)state;
    char buf[RATELIMIT_HEADERS_MAX];
    ratelimit_result ok = {true, 100, 99, 1700003600, 0};
    size_t n = ratelimit_headers(&ok, buf, sizeof buf);
    const char *want = "X-RateLimit-Limit: 100\r\nX-RateLimit-Remaining: 99\r\nX-RateLimit-Reset: 1700003600\r\n";
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));

    ratelimit_result no = {false, 10, 0, 1700000060, 42};
    n = ratelimit_headers(&no, buf, sizeof buf);
    want = "X-RateLimit-Limit: 10\r\nX-RateLimit-Remaining: 0\r\nX-RateLimit-Reset: 1700000060\r\n"
           "Retry-After: 42\r\n";
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));

    /* Too small: nothing half-written. */
    assert_int_equal(ratelimit_headers(&no, buf, n), 0);
    assert_string_equal(buf, "");
    assert_int_equal(ratelimit_headers(&no, buf, 20), 0);
    assert_string_equal(buf, "");
    assert_int_equal(ratelimit_headers(&no, NULL, 0), 0);
    assert_int_equal(ratelimit_headers(&no, buf, n + 1), n);

    /* The largest values still fit in RATELIMIT_HEADERS_MAX. */
    ratelimit_result max = {false, UINT64_MAX, UINT64_MAX, INT64_MIN, INT64_MIN};
    assert_true(ratelimit_headers(&max, buf, sizeof buf) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_parse_explicit_length),
        cmocka_unit_test(test_parse_random_bytes),
        cmocka_unit_test(test_window_arithmetic),
        cmocka_unit_test(test_keys_independent),
        cmocka_unit_test(test_rule_change_restarts_window),
        cmocka_unit_test(test_sweep_reclaims),
        cmocka_unit_test(test_full_table_reuses_expired_first),
        cmocka_unit_test(test_full_table_evicts_least_recent),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_concurrent_hits_count_exactly),
        cmocka_unit_test(test_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of store/redis_ratelimit against a real redis-server started here (skipped when it is
 * not installed): counters shared by two backends standing for two instances, the memory backend's
 * fixed-window semantics, racing threads, and the in-memory fallback while Redis is down. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/redis_ratelimit.h"
#include "support/testredis.h"

typedef struct fx {
    testredis srv;
    redis_pool *pa, *pb;
    ratelimit_backend a, b; /* two instances sharing one Redis */
    ig_log log;
    char log_path[300];
    int log_fd;
    int64_t t0; /* ms: just after the start of the current hour, so Redis keeps the counters */
} fx;

static int setup(void **state)
{
    *state = NULL;
    if (!testredis_available())
        return 0;
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    char url[400];
    testredis_start_url(&f->srv, url, sizeof url);
    snprintf(f->log_path, sizeof f->log_path, "%s/ig.log", f->srv.dir);
    f->log_fd = open(f->log_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(f->log_fd >= 0);
    ig_err err = {0};
    assert_int_equal(log_init(&f->log, f->log_fd, "info", &err), IG_OK);
    assert_int_equal(redis_pool_open(url, 4, 500, &f->pa, &err), IG_OK);
    assert_int_equal(redis_pool_open(url, 4, 500, &f->pb, &err), IG_OK);
    assert_int_equal(redis_ratelimit_new(f->pa, &f->log, 1000, &f->a, &err), IG_OK);
    assert_int_equal(redis_ratelimit_new(f->pb, &f->log, 1000, &f->b, &err), IG_OK);
    int64_t now = (int64_t)time(NULL);
    f->t0 = (now - now % 3600) * 1000 + 500;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    if (f == NULL)
        return 0;
    ratelimit_destroy(&f->a);
    ratelimit_destroy(&f->b);
    redis_pool_close(f->pa);
    redis_pool_close(f->pb);
    close(f->log_fd);
    unlink(f->log_path);
    testredis_stop(&f->srv);
    free(f);
    return 0;
}

static fx *need(void **state)
{
    return testredis_need(state);
}

static ratelimit_result hit(ratelimit_backend *b, const char *key, const ratelimit_rule *rule, int64_t now_ms)
{
    ratelimit_result r;
    memset(&r, 0xff, sizeof r);
    assert_int_equal(ratelimit_hit(b, key, strlen(key), rule, now_ms, &r), IG_OK);
    return r;
}

static size_t count_in_log(fx *f, const char *needle)
{
    char buf[16384];
    ssize_t n = pread(f->log_fd, buf, sizeof buf - 1, 0);
    assert_true(n >= 0);
    buf[n] = '\0';
    size_t k = 0;
    for (const char *s = buf; (s = strstr(s, needle)) != NULL; s += strlen(needle))
        k++;
    return k;
}

static void test_shared_across_instances(void **state)
{
    fx *f = need(state);
    ratelimit_rule rule = {3, 3600};
    assert_true(f->a.blocking);
    ratelimit_result r = hit(&f->a, "ip:10.0.0.1", &rule, f->t0);
    assert_true(r.allowed);
    assert_int_equal(r.limit, 3);
    assert_int_equal(r.remaining, 2);
    assert_int_equal(r.reset_at, f->t0 / 1000 + 3600);
    assert_int_equal(r.retry_after, 0);
    r = hit(&f->b, "ip:10.0.0.1", &rule, f->t0 + 1000);
    assert_true(r.allowed);
    assert_int_equal(r.remaining, 1);
    r = hit(&f->a, "ip:10.0.0.1", &rule, f->t0 + 2000);
    assert_true(r.allowed);
    assert_int_equal(r.remaining, 0);
    /* over the limit on the other instance; refused requests are not counted */
    for (int i = 0; i < 3; i++) {
        r = hit(&f->b, "ip:10.0.0.1", &rule, f->t0 + 2500);
        assert_false(r.allowed);
        assert_int_equal(r.remaining, 0);
        assert_int_equal(r.retry_after, 3600 - 3); /* at 3.0 s into the window */
    }
    const char *get[2] = {"GET", NULL};
    char key[128];
    snprintf(key, sizeof key, "ig:rl:3/3600:%lld:ip:10.0.0.1", (long long)(f->t0 / 1000));
    get[1] = key;
    redisReply *rep = NULL;
    assert_int_equal(redis_command(f->pa, 2, get, NULL, &rep, NULL), IG_OK);
    assert_string_equal(rep->str, "3");
    freeReplyObject(rep);
    /* the counter expires a second after its window */
    const char *pttl[2] = {"PTTL", key};
    assert_int_equal(redis_command(f->pa, 2, pttl, NULL, &rep, NULL), IG_OK);
    int64_t left = (f->t0 / 1000 + 3600) * 1000 + 1000 - (int64_t)time(NULL) * 1000;
    assert_true(rep->integer > left - 2000 && rep->integer <= left + 1000);
    freeReplyObject(rep);

    /* other keys and other rules count apart */
    assert_true(hit(&f->a, "ip:10.0.0.2", &rule, f->t0 + 2500).allowed);
    ratelimit_rule other = {3, 60};
    assert_true(hit(&f->b, "ip:10.0.0.1", &other, f->t0 + 2500).allowed);
    /* the next window starts afresh */
    r = hit(&f->a, "ip:10.0.0.1", &rule, f->t0 + 3600 * 1000);
    assert_true(r.allowed);
    assert_int_equal(r.remaining, 2);
    /* nothing is held in memory while Redis answers */
    assert_int_equal(ratelimit_count(&f->a), 0);
}

static void test_binary_and_chinese_keys(void **state)
{
    fx *f = need(state);
    ratelimit_rule rule = {1, 3600};
    static const char k1[] = "email:\xe5\xbc\xa0\xe4\xb8\x89@\xe4\xbe\x8b\xe5\xad\x90.cn:login"; /* 张三@例子.cn */
    static const char k2[] = "email:a\0b";
    ratelimit_result r;
    assert_int_equal(ratelimit_hit(&f->a, k1, sizeof k1 - 1, &rule, f->t0, &r), IG_OK);
    assert_true(r.allowed);
    assert_int_equal(ratelimit_hit(&f->b, k1, sizeof k1 - 1, &rule, f->t0, &r), IG_OK);
    assert_false(r.allowed);
    assert_int_equal(ratelimit_hit(&f->a, k2, sizeof k2 - 1, &rule, f->t0, &r), IG_OK);
    assert_true(r.allowed);
    assert_int_equal(ratelimit_hit(&f->a, k2, 7, &rule, f->t0, &r), IG_OK); /* "email:a" is another key */
    assert_true(r.allowed);
    char big[RATELIMIT_KEY_MAX + 1];
    memset(big, 'k', sizeof big);
    assert_int_equal(ratelimit_hit(&f->a, big, RATELIMIT_KEY_MAX, &rule, f->t0, &r), IG_OK);
    assert_int_equal(ratelimit_hit(&f->a, big, sizeof big, &rule, f->t0, &r), IG_EINVAL);
    assert_int_equal(ratelimit_hit(&f->a, big, 0, &rule, f->t0, &r), IG_EINVAL);
    ratelimit_rule zero = {0, 60};
    assert_int_equal(ratelimit_hit(&f->a, "k", 1, &zero, f->t0, &r), IG_EINVAL);
    assert_int_equal(ratelimit_hit(&f->a, "k", 1, &rule, -1, &r), IG_EINVAL);
}

typedef struct hammer {
    ratelimit_backend *b;
    int64_t now;
    int allowed;
} hammer;

static void *hammer_thread(void *arg)
{
    hammer *h = arg;
    ratelimit_rule rule = {50, 3600};
    for (int i = 0; i < 40; i++) {
        ratelimit_result r;
        if (ratelimit_hit(h->b, "ip:race", 7, &rule, h->now, &r) == IG_OK && r.allowed)
            h->allowed++;
    }
    return NULL;
}

static void test_threads_never_exceed_limit(void **state)
{
    fx *f = need(state);
    pthread_t t[6];
    hammer h[6];
    for (int i = 0; i < 6; i++) {
        h[i] = (hammer){i % 2 ? &f->a : &f->b, f->t0, 0};
        assert_int_equal(pthread_create(&t[i], NULL, hammer_thread, &h[i]), 0);
    }
    int total = 0;
    for (int i = 0; i < 6; i++) {
        pthread_join(t[i], NULL);
        total += h[i].allowed;
    }
    assert_int_equal(total, 50); /* 240 tries, exactly the limit let through */
}

static void test_fallback_while_down(void **state)
{
    fx *f = need(state);
    ratelimit_rule rule = {2, 3600};
    assert_true(hit(&f->a, "ip:fb", &rule, f->t0).allowed);
    testredis_halt(&f->srv);
    /* Redis is gone: each instance counts on its own, still limiting (never failing open) */
    ratelimit_result r = hit(&f->a, "ip:fb", &rule, f->t0);
    assert_true(r.allowed);
    assert_true(hit(&f->a, "ip:fb", &rule, f->t0).allowed);
    r = hit(&f->a, "ip:fb", &rule, f->t0);
    assert_false(r.allowed);
    assert_true(r.retry_after >= 1);
    assert_true(hit(&f->b, "ip:fb", &rule, f->t0).allowed);
    assert_int_equal(ratelimit_count(&f->a), 1);
    /* a dead Redis costs next to nothing per request (the pool backs off) */
    int64_t t = testredis_ms();
    for (int i = 0; i < 2000; i++)
        (void)hit(&f->b, "ip:fast", &rule, f->t0);
    assert_true(testredis_ms() - t < 1500);
    /* warned once per instance for the outage, not per request */
    assert_int_equal(count_in_log(f, "redis_ratelimit_degraded"), 2);
    assert_int_equal(count_in_log(f, "redis_ratelimit_restored"), 0);
    assert_int_equal(count_in_log(f, "\"level\":\"warn\""), 2);

    testredis_start(&f->srv, NULL);
    int64_t deadline = testredis_ms() + 3000;
    for (;;) { /* each instance's pool dials again once its backoff is over */
        (void)hit(&f->a, "ip:back", &rule, f->t0);
        (void)hit(&f->b, "ip:back", &rule, f->t0);
        if (count_in_log(f, "redis_ratelimit_restored") == 2)
            break;
        assert_true(testredis_ms() < deadline);
        usleep(20000);
    }
    /* shared again (the restarted Redis is empty) */
    assert_true(hit(&f->b, "ip:fb2", &rule, f->t0).allowed);
    assert_true(hit(&f->b, "ip:fb2", &rule, f->t0).allowed);
    assert_false(hit(&f->a, "ip:fb2", &rule, f->t0).allowed);
    ratelimit_sweep(&f->a, f->t0 + 7200 * 1000);
    assert_int_equal(ratelimit_count(&f->a), 0);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_shared_across_instances, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binary_and_chinese_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_never_exceed_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fallback_while_down, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

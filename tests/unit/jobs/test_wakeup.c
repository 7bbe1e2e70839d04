/* Tests for jobs/wakeup against a real redis-server started here (skipped when it is not installed):
 * the channel of each database, a published wake-up reaching the listener at once and only on its
 * database, the listener riding out a Redis restart, and stopping promptly whatever it waits on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobs/wakeup.h"
#include "support/testredis.h"

/* Counts the wake-ups a listener hands over. */
typedef struct counter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int n;
} counter;

static void count(void *arg)
{
    counter *c = arg;
    pthread_mutex_lock(&c->mu);
    c->n++;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static int count_now(counter *c)
{
    pthread_mutex_lock(&c->mu);
    int n = c->n;
    pthread_mutex_unlock(&c->mu);
    return n;
}

/* Waits up to ms for the count to reach at least want; the count then. */
static int wait_count(counter *c, int want, int ms)
{
    int64_t until = testredis_ms() + ms;
    while (count_now(c) < want && testredis_ms() < until)
        usleep(5000);
    return count_now(c);
}

typedef struct fx {
    testredis srv;
    char url[400];
    counter calls;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    pthread_mutex_init(&f->calls.mu, NULL);
    pthread_cond_init(&f->calls.cv, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    testredis_stop(&f->srv);
    pthread_cond_destroy(&f->calls.cv);
    pthread_mutex_destroy(&f->calls.mu);
    free(f);
    return 0;
}

static void start(fx *f)
{
    if (testredis_binary() == NULL) {
        print_message("redis-server is not installed (apt-get install redis-server): skipped\n");
        skip();
    }
    testredis_start(&f->srv, "wakepass");
    testredis_url(&f->srv, 3, f->url, sizeof f->url);
}

static redis_pool *pool_for(fx *f, int db)
{
    char url[400];
    testredis_url(&f->srv, db, url, sizeof url);
    redis_pool *p = NULL;
    ig_err err = {IG_OK, ""};
    assert_int_equal(redis_pool_open(url, 2, 1000, &p, &err), IG_OK);
    return p;
}

static void test_channel(void **state)
{
    (void)state;
    char ch[WAKEUP_CHANNEL_MAX];
    wakeup_channel(0, ch);
    assert_string_equal(ch, "ig:jobs:0");
    wakeup_channel(15, ch);
    assert_string_equal(ch, "ig:jobs:15");
    wakeup_channel(2147483647, ch);
    assert_string_equal(ch, "ig:jobs:2147483647");
}

static void test_bad_arguments(void **state)
{
    fx *f = *state;
    wakeup_listener *l = (wakeup_listener *)f;
    ig_err err = {IG_OK, ""};
    assert_int_equal(wakeup_listen("rediss://secure:6379", count, &f->calls, NULL, &l, &err), IG_EINVAL);
    assert_null(l);
    assert_int_equal(wakeup_listen("redis://127.0.0.1:1", NULL, NULL, NULL, &l, &err), IG_EINVAL);
    assert_null(l);
    wakeup_listener_stop(NULL);
}

static void test_publish_wakes_the_listener(void **state)
{
    fx *f = *state;
    start(f);
    wakeup_listener *l = NULL;
    ig_err err = {IG_OK, ""};
    assert_int_equal(wakeup_listen(f->url, count, &f->calls, NULL, &l, &err), IG_OK);
    /* once subscribed, it wakes the pool once: jobs queued before it listened */
    assert_int_equal(wait_count(&f->calls, 1, 3000), 1);

    redis_pool *same = pool_for(f, 3), *other = pool_for(f, 4);
    int64_t t0 = testredis_ms();
    assert_int_equal(wakeup_publish(same, &err), IG_OK);
    assert_int_equal(wait_count(&f->calls, 2, 3000), 2);
    assert_true(testredis_ms() - t0 < 1000);
    for (int i = 0; i < 5; i++)
        assert_int_equal(wakeup_publish(same, &err), IG_OK);
    assert_int_equal(wait_count(&f->calls, 7, 3000), 7);

    /* another database's jobs, and other channels, are not this listener's */
    assert_int_equal(wakeup_publish(other, &err), IG_OK);
    redisReply *r = NULL;
    const char *argv[3] = {"PUBLISH", "ig:sio:3#/", "x"};
    assert_int_equal(redis_command(same, 3, argv, NULL, &r, &err), IG_OK);
    freeReplyObject(r);
    usleep(200000);
    assert_int_equal(count_now(&f->calls), 7);

    int64_t t1 = testredis_ms();
    wakeup_listener_stop(l);
    assert_true(testredis_ms() - t1 < 1000);
    /* nobody listening is fine */
    assert_int_equal(wakeup_publish(same, &err), IG_OK);
    assert_int_equal(count_now(&f->calls), 7);
    redis_pool_close(same);
    redis_pool_close(other);
}

static void test_listener_survives_a_redis_restart(void **state)
{
    fx *f = *state;
    start(f);
    wakeup_listener *l = NULL;
    ig_err err = {IG_OK, ""};
    assert_int_equal(wakeup_listen(f->url, count, &f->calls, NULL, &l, &err), IG_OK);
    assert_int_equal(wait_count(&f->calls, 1, 3000), 1);
    redis_pool *p = pool_for(f, 3);

    testredis_halt(&f->srv);
    assert_int_equal(wakeup_publish(p, &err), IG_EUNAVAIL);
    usleep(300000); /* the listener is redialling with backoff */
    assert_int_equal(count_now(&f->calls), 1);
    testredis_start(&f->srv, NULL);
    /* subscribed again: the catch-up wake-up, then published ones (the pool's own backoff may
     * refuse for up to a second after the outage) */
    assert_int_equal(wait_count(&f->calls, 2, 5000), 2);
    int64_t until = testredis_ms() + 3000;
    while (wakeup_publish(p, &err) != IG_OK && testredis_ms() < until)
        usleep(50000);
    assert_int_equal(wait_count(&f->calls, 3, 3000), 3);

    wakeup_listener_stop(l);
    redis_pool_close(p);
}

static void test_stops_promptly_while_redis_is_away(void **state)
{
    fx *f = *state;
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", testredis_free_port());
    wakeup_listener *l = NULL;
    ig_err err = {IG_OK, ""};
    assert_int_equal(wakeup_listen(url, count, &f->calls, NULL, &l, &err), IG_OK);
    usleep(WAKEUP_BACKOFF_MIN_MS * 3 * 1000); /* a few failed dials, now waiting out a backoff */
    int64_t t0 = testredis_ms();
    wakeup_listener_stop(l);
    assert_true(testredis_ms() - t0 < 500);
    assert_int_equal(count_now(&f->calls), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_channel),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publish_wakes_the_listener, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listener_survives_a_redis_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stops_promptly_while_redis_is_away, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

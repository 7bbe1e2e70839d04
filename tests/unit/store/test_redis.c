/* Unit tests of store/redis: REDIS_URL parsing, and the pool against a real redis-server started
 * here (skipped when redis-server is not installed): lazy connection, backoff while Redis is down,
 * recovery after a restart, AUTH and SELECT, binary-safe arguments, scripts, PUBLISH, threads. */
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
#include <unistd.h>

#include "store/redis.h"
#include "support/testredis.h"

/* ---- URL parsing ---- */

static redis_endpoint parse_ok(const char *url)
{
    redis_endpoint ep;
    ig_err err = {0};
    ig_status st = redis_url_parse(url, &ep, &err);
    if (st != IG_OK)
        fail_msg("%s: %s", url, err.msg);
    return ep;
}

static void test_url_tcp(void **state)
{
    (void)state;
    redis_endpoint ep = parse_ok("redis://localhost:6379/0");
    assert_string_equal(ep.host, "localhost");
    assert_int_equal(ep.port, 6379);
    assert_int_equal(ep.db, 0);
    assert_string_equal(ep.password, "");
    assert_string_equal(ep.unix_path, "");

    ep = parse_ok("redis://10.0.0.5");
    assert_string_equal(ep.host, "10.0.0.5");
    assert_int_equal(ep.port, 6379);
    assert_int_equal(ep.db, 0);

    ep = parse_ok("REDIS://cache.internal:6380/15");
    assert_string_equal(ep.host, "cache.internal");
    assert_int_equal(ep.port, 6380);
    assert_int_equal(ep.db, 15);

    ep = parse_ok("redis://");
    assert_string_equal(ep.host, "localhost");

    ep = parse_ok("redis://h/");
    assert_int_equal(ep.db, 0);

    ep = parse_ok("redis://[::1]:7000/3");
    assert_string_equal(ep.host, "::1");
    assert_int_equal(ep.port, 7000);
    assert_int_equal(ep.db, 3);

    ep = parse_ok("redis://h?db=4");
    assert_int_equal(ep.db, 4);
}

static void test_url_credentials(void **state)
{
    (void)state;
    redis_endpoint ep = parse_ok("redis://:s3cr%40t@10.0.0.5:6380/2");
    assert_string_equal(ep.username, "");
    assert_string_equal(ep.password, "s3cr@t");
    assert_string_equal(ep.host, "10.0.0.5");
    assert_int_equal(ep.port, 6380);
    assert_int_equal(ep.db, 2);

    ep = parse_ok("redis://app:pa:ss@h");
    assert_string_equal(ep.username, "app");
    assert_string_equal(ep.password, "pa:ss");

    /* an unescaped '@' in the password: the last one before the host ends the credentials */
    ep = parse_ok("redis://:p@ss@host:1/1");
    assert_string_equal(ep.password, "p@ss");
    assert_string_equal(ep.host, "host");

    ep = parse_ok("redis://us%65r:%2F%3a%25@h");
    assert_string_equal(ep.username, "user");
    assert_string_equal(ep.password, "/:%");
}

static void test_url_unix(void **state)
{
    (void)state;
    redis_endpoint ep = parse_ok("unix:///run/redis/redis-server.sock?db=1");
    assert_string_equal(ep.unix_path, "/run/redis/redis-server.sock");
    assert_int_equal(ep.db, 1);
    assert_string_equal(ep.host, "");

    ep = parse_ok("unix://:pw@/tmp/my%20redis.sock");
    assert_string_equal(ep.unix_path, "/tmp/my redis.sock");
    assert_string_equal(ep.password, "pw");
    assert_int_equal(ep.db, 0);
}

static void test_url_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "http://localhost",
        "rediss://localhost:6380",
        "redis//localhost",
        "redis://h:0",
        "redis://h:65536",
        "redis://h:",
        "redis://h:12a",
        "redis://h/x",
        "redis://h/-1",
        "redis://h/1/2",
        "redis://h/99999999",
        "redis://h/1?db=2",
        "redis://h?db=1&db=1",
        "redis://h?timeout=5",
        "redis://h?db=",
        "redis://user@h",
        "redis://:@h",
        "redis://h ost",
        "redis://h\tost",
        "redis://h\x7f",
        "redis://h\xc3\xa9",
        "redis://ho%41st",
        "redis://:%zz@h",
        "redis://:%4@h",
        "redis://:a%00b@h",
        "redis://[::1",
        "redis://[]",
        "redis://[zz::1]",
        "redis://[::1]x",
        "unix://",
        "unix://relative/path",
        "unix://:pw@relative",
        "unix:///p%0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        redis_endpoint ep;
        ig_err err = {0};
        if (redis_url_parse(bad[i], &ep, &err) != IG_EINVAL)
            fail_msg("accepted: %s", bad[i]);
        assert_int_equal(err.status, IG_EINVAL);
        assert_true(err.msg[0] != '\0');
    }
    redis_endpoint ep;
    assert_int_equal(redis_url_parse(NULL, &ep, NULL), IG_EINVAL);
}

static void test_url_limits(void **state)
{
    (void)state;
    char url[5000];
    redis_endpoint ep;
    /* a password of 255 bytes fits, 256 does not */
    memcpy(url, "redis://:", 9);
    memset(url + 9, 'p', 255);
    memcpy(url + 9 + 255, "@h", 3);
    assert_int_equal(redis_url_parse(url, &ep, NULL), IG_OK);
    assert_int_equal(strlen(ep.password), 255);
    memset(url + 9, 'p', 256);
    memcpy(url + 9 + 256, "@h", 3);
    assert_int_equal(redis_url_parse(url, &ep, NULL), IG_EINVAL);
    /* a host of 256 bytes does not fit */
    memcpy(url, "redis://", 8);
    memset(url + 8, 'h', 256);
    url[8 + 256] = '\0';
    assert_int_equal(redis_url_parse(url, &ep, NULL), IG_EINVAL);
    /* a URL over 4096 bytes is refused before anything else */
    memset(url + 8, 'h', sizeof url - 9);
    url[sizeof url - 1] = '\0';
    assert_int_equal(redis_url_parse(url, &ep, NULL), IG_EINVAL);
}

static void test_url_never_echoes_password(void **state)
{
    (void)state;
    static const char *const urls[] = {
        "redis://:hunter2@h:99999",
        "redis://hunter2@h",
        "redis://:hunter2%zz@h",
        "redis://app:hunter2@h/x",
        "redis://:hunter2@h?password=hunter2",
    };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        redis_endpoint ep;
        ig_err err = {0};
        assert_int_equal(redis_url_parse(urls[i], &ep, &err), IG_EINVAL);
        assert_null(strstr(err.msg, "hunter2"));
        /* a refused URL leaves nothing of the password behind */
        assert_string_equal(ep.password, "");
    }
}

/* ---- the pool against a real server ---- */

typedef struct fx {
    testredis srv;
    char url[400];
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    testredis_stop(&f->srv);
    free(f);
    return 0;
}

static void start(fx *f, const char *password)
{
    if (testredis_binary() == NULL) {
        print_message("redis-server is not installed (apt-get install redis-server): skipped\n");
        skip();
    }
    testredis_start(&f->srv, password);
    testredis_url(&f->srv, 0, f->url, sizeof f->url);
}

static redisReply *cmd(redis_pool *p, const char *a0, const char *a1, const char *a2)
{
    const char *a[3] = {a0, a1, a2};
    int n = a2 ? 3 : a1 ? 2 : 1;
    redisReply *r = NULL;
    ig_err err = {0};
    ig_status st = redis_command(p, n, a, NULL, &r, &err);
    if (st != IG_OK)
        fail_msg("%s: %s", a0, err.msg);
    return r;
}

static void test_pool_basics(void **state)
{
    fx *f = *state;
    start(f, NULL);
    redis_pool *p = NULL;
    ig_err err = {0};
    assert_int_equal(redis_pool_open(f->url, 2, 1000, &p, &err), IG_OK);
    assert_int_equal(redis_ping(p, &err), IG_OK);

    /* binary-safe arguments: a NUL and a CRLF inside the value */
    static const char val[] = "a\0b\r\nc";
    const char *a[3] = {"SET", "bin", val};
    size_t l[3] = {3, 3, sizeof val - 1};
    redisReply *r = NULL;
    assert_int_equal(redis_command(p, 3, a, l, &r, &err), IG_OK);
    freeReplyObject(r);
    r = cmd(p, "GET", "bin", NULL);
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    assert_int_equal(r->len, sizeof val - 1);
    assert_memory_equal(r->str, val, sizeof val - 1);
    freeReplyObject(r);

    /* an error reply is IG_EIO with Redis's message, and the connection stays usable */
    const char *incr[2] = {"INCR", "bin"};
    assert_int_equal(redis_command(p, 2, incr, NULL, &r, &err), IG_EIO);
    assert_null(r);
    assert_non_null(strstr(err.msg, "not an integer"));
    assert_int_equal(redis_ping(p, &err), IG_OK);

    assert_int_equal(redis_command(p, 0, a, NULL, &r, &err), IG_EINVAL);

    /* the endpoint as parsed, for a caller's own connection */
    redis_endpoint ep;
    redis_pool_endpoint(p, &ep);
    assert_string_equal(ep.host, "127.0.0.1");
    assert_int_equal(ep.port, f->srv.port);
    redis_pool_close(p);
    redis_pool_close(NULL);
    assert_int_equal(redis_pool_open(f->url, 0, 1000, &p, &err), IG_EINVAL);
    assert_int_equal(redis_pool_open(f->url, 65, 1000, &p, &err), IG_EINVAL);
    assert_int_equal(redis_pool_open(f->url, 1, 0, &p, &err), IG_EINVAL);
    assert_int_equal(redis_pool_open("redis://h/x", 1, 10, &p, &err), IG_EINVAL);
    assert_null(p);
}

static void test_pool_db_and_unix_socket(void **state)
{
    fx *f = *state;
    start(f, NULL);
    char url3[400], unix_url[400];
    testredis_url(&f->srv, 3, url3, sizeof url3);
    snprintf(unix_url, sizeof unix_url, "unix://%s?db=3", f->srv.sock);
    redis_pool *p0 = NULL, *p3 = NULL, *pu = NULL;
    ig_err err = {0};
    assert_int_equal(redis_pool_open(f->url, 1, 1000, &p0, &err), IG_OK);
    assert_int_equal(redis_pool_open(url3, 1, 1000, &p3, &err), IG_OK);
    assert_int_equal(redis_pool_open(unix_url, 1, 1000, &pu, &err), IG_OK);
    freeReplyObject(cmd(p3, "SET", "where", "db3"));
    redisReply *r = cmd(p0, "GET", "where", NULL);
    assert_int_equal(r->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
    r = cmd(pu, "GET", "where", NULL);
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    assert_string_equal(r->str, "db3");
    freeReplyObject(r);
    redis_pool_close(p0);
    redis_pool_close(p3);
    redis_pool_close(pu);
}

static void test_pool_auth(void **state)
{
    fx *f = *state;
    start(f, "s3cret-pw");
    redis_pool *p = NULL;
    ig_err err = {0};
    assert_int_equal(redis_pool_open(f->url, 1, 1000, &p, &err), IG_OK);
    assert_int_equal(redis_ping(p, &err), IG_OK);
    redis_pool_close(p);

    char bad[400];
    snprintf(bad, sizeof bad, "redis://:wrong-pw-42@127.0.0.1:%d/0", f->srv.port);
    assert_int_equal(redis_pool_open(bad, 1, 1000, &p, &err), IG_OK);
    assert_int_equal(redis_ping(p, &err), IG_EIO);
    assert_non_null(strstr(err.msg, "AUTH"));
    assert_null(strstr(err.msg, "wrong-pw-42"));
    redis_pool_close(p);

    snprintf(bad, sizeof bad, "redis://127.0.0.1:%d/0", f->srv.port);
    assert_int_equal(redis_pool_open(bad, 1, 1000, &p, &err), IG_OK);
    assert_int_equal(redis_ping(p, &err), IG_EIO); /* NOAUTH */
    redis_pool_close(p);
}

static void test_pool_down_backoff_and_recovery(void **state)
{
    fx *f = *state;
    start(f, NULL);
    testredis_halt(&f->srv);
    redis_pool *p = NULL;
    ig_err err = {0};
    /* opening does not connect: it succeeds with Redis down */
    assert_int_equal(redis_pool_open(f->url, 2, 500, &p, &err), IG_OK);
    assert_int_equal(redis_ping(p, &err), IG_EUNAVAIL);
    assert_non_null(strstr(err.msg, "127.0.0.1"));
    /* within the backoff, refused at once without dialling */
    assert_int_equal(redis_ping(p, &err), IG_EUNAVAIL);
    assert_non_null(strstr(err.msg, "next try"));
    int64_t t0 = testredis_ms();
    for (int i = 0; i < 1000; i++)
        assert_int_equal(redis_ping(p, &err), IG_EUNAVAIL);
    assert_true(testredis_ms() - t0 < 200);

    testredis_start(&f->srv, NULL);
    /* back within the longest backoff */
    int64_t deadline = testredis_ms() + 3000;
    while (redis_ping(p, &err) != IG_OK) {
        assert_true(testredis_ms() < deadline);
        usleep(20000);
    }
    freeReplyObject(cmd(p, "SET", "k", "v1"));

    /* a restart while connections sit idle: the next command notices the close and redials */
    testredis_halt(&f->srv);
    testredis_start(&f->srv, NULL);
    redisReply *r = cmd(p, "GET", "k", NULL);
    assert_int_equal(r->type, REDIS_REPLY_NIL); /* no persistence: a new, empty server */
    freeReplyObject(r);
    redis_pool_close(p);
}

static void test_eval_and_noscript(void **state)
{
    fx *f = *state;
    start(f, NULL);
    redis_pool *p = NULL;
    ig_err err = {0};
    assert_int_equal(redis_pool_open(f->url, 1, 1000, &p, &err), IG_OK);
    static const char script[] = "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('STRLEN', KEYS[1])";
    const char *a[2] = {"ev", "hello"};
    for (int round = 0; round < 3; round++) {
        if (round == 2)
            freeReplyObject(cmd(p, "SCRIPT", "FLUSH", NULL)); /* as after a restart */
        redisReply *r = NULL;
        assert_int_equal(redis_eval(p, script, 1, 2, a, NULL, &r, &err), IG_OK);
        assert_int_equal(r->type, REDIS_REPLY_INTEGER);
        assert_int_equal(r->integer, 5);
        freeReplyObject(r);
    }
    redisReply *r = NULL;
    assert_int_equal(redis_eval(p, "return redis.call('NOPE')", 0, 0, NULL, NULL, &r, &err), IG_EIO);
    assert_null(r);
    assert_int_equal(redis_eval(p, script, 3, 2, a, NULL, &r, &err), IG_EINVAL);
    assert_int_equal(redis_eval(p, script, 0, 17, a, NULL, &r, &err), IG_EINVAL);
    redis_pool_close(p);
}

static void test_publish_reaches_subscriber(void **state)
{
    fx *f = *state;
    start(f, NULL);
    redis_pool *p = NULL;
    ig_err err = {0};
    assert_int_equal(redis_pool_open(f->url, 1, 1000, &p, &err), IG_OK);
    redis_endpoint ep;
    redis_pool_endpoint(p, &ep);
    redisContext *sub = NULL;
    assert_int_equal(redis_connect(&ep, 2000, &sub, &err), IG_OK);
    redisReply *r = redisCommand(sub, "SUBSCRIBE ig-test");
    assert_non_null(r);
    freeReplyObject(r);
    static const char msg[] = "{\"room\":\"x\"}\0tail";
    assert_int_equal(redis_publish(p, "ig-test", msg, sizeof msg - 1, &err), IG_OK);
    void *v = NULL;
    assert_int_equal(redisGetReply(sub, &v), REDIS_OK);
    r = v;
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, 3);
    assert_string_equal(r->element[0]->str, "message");
    assert_string_equal(r->element[1]->str, "ig-test");
    assert_int_equal(r->element[2]->len, sizeof msg - 1);
    assert_memory_equal(r->element[2]->str, msg, sizeof msg - 1);
    freeReplyObject(r);
    redisFree(sub);

    /* nobody listening is not an error */
    assert_int_equal(redis_publish(p, "nobody", "x", 1, &err), IG_OK);
    ep.port = testredis_free_port();
    assert_int_equal(redis_connect(&ep, 500, &sub, &err), IG_EUNAVAIL);
    assert_null(sub);
    redis_pool_close(p);
}

typedef struct incr_arg {
    redis_pool *p;
    int n;
    int failures;
} incr_arg;

static void *incr_thread(void *arg)
{
    incr_arg *a = arg;
    const char *argv[2] = {"INCR", "counter"};
    for (int i = 0; i < a->n; i++) {
        redisReply *r = NULL;
        if (redis_command(a->p, 2, argv, NULL, &r, NULL) != IG_OK) {
            a->failures++;
            continue;
        }
        freeReplyObject(r);
    }
    return NULL;
}

static void test_pool_threads(void **state)
{
    fx *f = *state;
    start(f, NULL);
    redis_pool *p = NULL;
    ig_err err = {0};
    assert_int_equal(redis_pool_open(f->url, 3, 2000, &p, &err), IG_OK);
    pthread_t t[8];
    incr_arg a[8];
    for (int i = 0; i < 8; i++) {
        a[i] = (incr_arg){p, 300, 0};
        assert_int_equal(pthread_create(&t[i], NULL, incr_thread, &a[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(a[i].failures, 0);
    }
    redisReply *r = cmd(p, "GET", "counter", NULL);
    assert_string_equal(r->str, "2400");
    freeReplyObject(r);
    r = cmd(p, "CLIENT", "LIST", NULL);
    /* at most the pool's size of connections were ever open at once */
    int conns = 0;
    for (const char *s = r->str; (s = strstr(s, "id=")) != NULL; s += 3)
        conns++;
    assert_true(conns >= 1 && conns <= 3);
    freeReplyObject(r);
    redis_pool_close(p);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_tcp),
        cmocka_unit_test(test_url_credentials),
        cmocka_unit_test(test_url_unix),
        cmocka_unit_test(test_url_invalid),
        cmocka_unit_test(test_url_limits),
        cmocka_unit_test(test_url_never_echoes_password),
        cmocka_unit_test_setup_teardown(test_pool_basics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_db_and_unix_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_auth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_down_backoff_and_recovery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eval_and_noscript, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publish_reaches_subscriber, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_threads, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

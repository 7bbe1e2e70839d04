/* Tests for core/log: each event is one parseable JSON line with time/level/event first, level
 * filtering, safe handling of bad UTF-8 and reserved names, and whole lines under concurrency. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

/* A temporary file the logger writes to; read back whole. */
typedef struct sink {
    char path[64];
    int fd;
} sink;

static void sink_open(sink *s)
{
    snprintf(s->path, sizeof s->path, "/tmp/ig_test_log.XXXXXX");
    s->fd = mkstemp(s->path);
    assert_true(s->fd >= 0);
    unlink(s->path);
}

/* Everything written so far (caller frees), length in *len. */
static char *sink_read(const sink *s, size_t *len)
{
    off_t end = lseek(s->fd, 0, SEEK_END);
    assert_true(end >= 0);
    char *p = malloc((size_t)end + 1);
    assert_non_null(p);
    assert_int_equal(pread(s->fd, p, (size_t)end, 0), end);
    p[end] = '\0';
    *len = (size_t)end;
    return p;
}

static json_t *only_line(const sink *s)
{
    size_t len;
    char *text = sink_read(s, &len);
    assert_true(len > 1);
    assert_int_equal(text[len - 1], '\n');
    assert_ptr_equal(strchr(text, '\n'), text + len - 1); /* exactly one line */
    json_error_t jerr;
    json_t *obj = json_loadb(text, len, 0, &jerr);
    if (obj == NULL)
        fail_msg("not JSON (%s): %s", jerr.text, text);
    free(text);
    return obj;
}

static void test_level_parse(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        log_level want;
    } good[] = {
        {"debug", IG_LOG_DEBUG}, {"DEBUG", IG_LOG_DEBUG}, {"info", IG_LOG_INFO},  {"Info", IG_LOG_INFO},
        {"warn", IG_LOG_WARN},   {"warning", IG_LOG_WARN}, {"WARNING", IG_LOG_WARN}, {"error", IG_LOG_ERROR},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        log_level lvl = (log_level)99;
        assert_int_equal(log_level_parse(good[i].name, &lvl), IG_OK);
        assert_int_equal(lvl, good[i].want);
    }
    static const char *const bad[] = {"", "verbose", "infos", "err", " info", "fatal"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        log_level lvl = IG_LOG_ERROR;
        assert_int_equal(log_level_parse(bad[i], &lvl), IG_EINVAL);
        assert_int_equal(lvl, IG_LOG_ERROR);
    }
    log_level lvl;
    assert_int_equal(log_level_parse(NULL, &lvl), IG_EINVAL);
    assert_string_equal(log_level_name(IG_LOG_WARN), "warn");
    assert_string_equal(log_level_name(IG_LOG_DEBUG), "debug");
}

static void test_init(void **state)
{
    (void)state;
    ig_log lg;
    ig_err err = {IG_OK, ""};
    assert_int_equal(log_init(&lg, 7, "error", &err), IG_OK);
    assert_int_equal(lg.fd, 7);
    assert_int_equal(lg.min, IG_LOG_ERROR);
    assert_int_equal(log_init(&lg, -1, NULL, &err), IG_OK);
    assert_int_equal(lg.fd, STDERR_FILENO);
    assert_int_equal(lg.min, IG_LOG_INFO);
    assert_int_equal(log_init(&lg, 3, "loud", &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "LOG_LEVEL"));
    assert_int_equal(lg.min, IG_LOG_INFO); /* still usable */
    assert_int_equal(lg.fd, 3);
}

static void test_emit_line_shape(void **state)
{
    (void)state;
    sink s;
    sink_open(&s);
    ig_log lg;
    assert_int_equal(log_init(&lg, s.fd, "debug", NULL), IG_OK);
    log_emit(&lg, IG_LOG_INFO, "user.login", json_pack("{s:i, s:s, s:b}", "user_id", 7, "ip", "1.2.3.4", "ok", 1));

    json_t *obj = only_line(&s);
    const char *keys[] = {"time", "level", "event", "user_id", "ip", "ok"};
    size_t k = 0;
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val) {
        assert_true(k < 6);
        assert_string_equal(key, keys[k]);
        k++;
    }
    assert_int_equal(k, 6);
    assert_string_equal(json_string_value(json_object_get(obj, "level")), "info");
    assert_string_equal(json_string_value(json_object_get(obj, "event")), "user.login");
    assert_int_equal(json_integer_value(json_object_get(obj, "user_id")), 7);
    assert_string_equal(json_string_value(json_object_get(obj, "ip")), "1.2.3.4");
    assert_true(json_is_true(json_object_get(obj, "ok")));

    /* 2026-11-30T11:16:35.123Z */
    const char *t = json_string_value(json_object_get(obj, "time"));
    assert_non_null(t);
    assert_int_equal(strlen(t), 24);
    for (int i = 0; i < 24; i++) {
        char c = t[i];
        switch (i) {
        case 4: case 7: assert_int_equal(c, '-'); break;
        case 10: assert_int_equal(c, 'T'); break;
        case 13: case 16: assert_int_equal(c, ':'); break;
        case 19: assert_int_equal(c, '.'); break;
        case 23: assert_int_equal(c, 'Z'); break;
        default: assert_true(c >= '0' && c <= '9');
        }
    }
    assert_true(strncmp(t, "20", 2) == 0);
    json_decref(obj);
    close(s.fd);
}

static void test_min_level_filters(void **state)
{
    (void)state;
    sink s;
    sink_open(&s);
    ig_log lg;
    assert_int_equal(log_init(&lg, s.fd, "warn", NULL), IG_OK);
    assert_false(log_enabled(&lg, IG_LOG_INFO));
    assert_true(log_enabled(&lg, IG_LOG_WARN));
    /* Dropped events still free their fields (the leak checker would say otherwise). */
    log_emit(&lg, IG_LOG_DEBUG, "noise", json_pack("{s:s}", "a", "b"));
    log_emit(&lg, IG_LOG_INFO, "noise", json_pack("{s:s}", "a", "b"));
    log_printf(&lg, IG_LOG_INFO, "noise", "x=%d", 1);
    size_t len;
    char *text = sink_read(&s, &len);
    assert_int_equal(len, 0);
    free(text);

    log_emit(&lg, IG_LOG_ERROR, "db.down", NULL);
    json_t *obj = only_line(&s);
    assert_string_equal(json_string_value(json_object_get(obj, "level")), "error");
    assert_string_equal(json_string_value(json_object_get(obj, "event")), "db.down");
    assert_int_equal(json_object_size(obj), 3);
    json_decref(obj);

    /* A NULL logger drops everything without touching fields' ownership rules. */
    log_emit(NULL, IG_LOG_ERROR, "x", json_pack("{s:i}", "n", 1));
    log_printf(NULL, IG_LOG_ERROR, "x", "%s", "y");
    assert_false(log_enabled(NULL, IG_LOG_ERROR));
    close(s.fd);
}

static void test_printf_message(void **state)
{
    (void)state;
    sink s;
    sink_open(&s);
    ig_log lg;
    assert_int_equal(log_init(&lg, s.fd, "info", NULL), IG_OK);
    log_printf(&lg, IG_LOG_WARN, "http.slow", "request %s took %d ms \"quoted\"\n", "/api/v1/x", 1234);
    json_t *obj = only_line(&s);
    assert_string_equal(json_string_value(json_object_get(obj, "message")),
                        "request /api/v1/x took 1234 ms \"quoted\"\n");
    assert_string_equal(json_string_value(json_object_get(obj, "level")), "warn");
    json_decref(obj);
    close(s.fd);
}

static void test_long_message_truncated(void **state)
{
    (void)state;
    sink s;
    sink_open(&s);
    ig_log lg;
    assert_int_equal(log_init(&lg, s.fd, "info", NULL), IG_OK);
    char *big = malloc(20000);
    assert_non_null(big);
    memset(big, 'x', 19999);
    big[19999] = '\0';
    log_printf(&lg, IG_LOG_INFO, "big", "%s", big);
    json_t *obj = only_line(&s);
    assert_int_equal(strlen(json_string_value(json_object_get(obj, "message"))), 8191);
    json_decref(obj);
    free(big);
    close(s.fd);
}

static void test_bad_utf8_and_reserved_names(void **state)
{
    (void)state;
    sink s;
    sink_open(&s);
    ig_log lg;
    assert_int_equal(log_init(&lg, s.fd, "info", NULL), IG_OK);
    json_t *fields = json_pack("{s:s, s:s, s:i}", "level", "spoofed", "time", "never", "n", 5);
    log_emit(&lg, IG_LOG_INFO, "bad\xff\xfe.event\xc3", fields);
    json_t *obj = only_line(&s);
    assert_string_equal(json_string_value(json_object_get(obj, "event")), "bad\xef\xbf\xbd\xef\xbf\xbd.event\xef\xbf\xbd");
    assert_string_equal(json_string_value(json_object_get(obj, "level")), "info");
    assert_string_equal(json_string_value(json_object_get(obj, "_level")), "spoofed");
    assert_string_equal(json_string_value(json_object_get(obj, "_time")), "never");
    assert_int_equal(json_integer_value(json_object_get(obj, "n")), 5);
    json_decref(obj);

    assert_int_equal(ftruncate(s.fd, 0), 0);
    assert_int_equal(lseek(s.fd, 0, SEEK_SET), 0);
    /* Overlong encodings and surrogates are invalid too; valid multi-byte text is kept. */
    log_printf(&lg, IG_LOG_INFO, "utf8", "%s", "\xc0\xaf|\xed\xa0\x80|\xe4\xbd\xa0\xe5\xa5\xbd|\xf0\x9f\x98\x80");
    obj = only_line(&s);
    assert_string_equal(json_string_value(json_object_get(obj, "message")),
                        "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xe4\xbd\xa0\xe5\xa5\xbd|"
                        "\xf0\x9f\x98\x80");
    json_decref(obj);
    close(s.fd);
}

typedef struct writer_arg {
    const ig_log *lg;
    int id;
} writer_arg;

static void *writer(void *p)
{
    writer_arg *a = p;
    char pad[600];
    memset(pad, 'a' + a->id, sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    for (int i = 0; i < 250; i++)
        log_emit(a->lg, IG_LOG_INFO, "tick", json_pack("{s:i, s:i, s:s}", "thread", a->id, "i", i, "pad", pad));
    return NULL;
}

static void test_threads_never_interleave(void **state)
{
    (void)state;
    sink s;
    sink_open(&s);
    /* O_APPEND so each write lands whole at the end, as with a shared log file. */
    int flags = fcntl(s.fd, F_GETFL);
    assert_int_equal(fcntl(s.fd, F_SETFL, flags | O_APPEND), 0);
    ig_log lg;
    assert_int_equal(log_init(&lg, s.fd, "info", NULL), IG_OK);
    pthread_t th[4];
    writer_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (writer_arg){&lg, i};
        assert_int_equal(pthread_create(&th[i], NULL, writer, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);

    size_t len;
    char *text = sink_read(&s, &len);
    int seen[4] = {0, 0, 0, 0};
    size_t lines = 0;
    for (char *line = text, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        json_t *obj = json_loadb(line, (size_t)(nl - line), 0, NULL);
        assert_non_null(obj);
        int id = (int)json_integer_value(json_object_get(obj, "thread"));
        assert_true(id >= 0 && id < 4);
        assert_int_equal(json_integer_value(json_object_get(obj, "i")), seen[id]); /* in order per thread */
        assert_int_equal(strlen(json_string_value(json_object_get(obj, "pad"))), 599);
        seen[id]++;
        lines++;
        json_decref(obj);
    }
    assert_int_equal(lines, 1000);
    for (int i = 0; i < 4; i++)
        assert_int_equal(seen[i], 250);
    free(text);
    close(s.fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level_parse),
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_emit_line_shape),
        cmocka_unit_test(test_min_level_filters),
        cmocka_unit_test(test_printf_message),
        cmocka_unit_test(test_long_message_truncated),
        cmocka_unit_test(test_bad_utf8_and_reserved_names),
        cmocka_unit_test(test_threads_never_interleave),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Structured JSON log lines: built with jansson, stamped, and written with one write(2) per event. */
#include "core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/utf8.h"

#define LOG_MESSAGE_MAX 8192

static const char *const level_names[] = {"debug", "info", "warn", "error"};

ig_status log_level_parse(const char *name, log_level *out)
{
    if (name == NULL)
        return IG_EINVAL;
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
        if (strcasecmp(name, level_names[i]) == 0) {
            *out = (log_level)i;
            return IG_OK;
        }
    }
    if (strcasecmp(name, "warning") == 0) {
        *out = IG_LOG_WARN;
        return IG_OK;
    }
    return IG_EINVAL;
}

const char *log_level_name(log_level lvl)
{
    if ((unsigned)lvl < sizeof level_names / sizeof level_names[0])
        return level_names[lvl];
    return "unknown";
}

ig_status log_init(ig_log *lg, int fd, const char *level_name, ig_err *err)
{
    lg->fd = fd >= 0 ? fd : STDERR_FILENO;
    lg->min = IG_LOG_INFO;
    if (level_name == NULL)
        return IG_OK;
    if (log_level_parse(level_name, &lg->min) != IG_OK)
        return status_errf(err, IG_EINVAL, "LOG_LEVEL must be debug, info, warn or error (got '%.32s')",
                           level_name);
    return IG_OK;
}

bool log_enabled(const ig_log *lg, log_level lvl)
{
    return lg != NULL && lvl >= lg->min;
}

/* NUL-terminated strings into JSON, damaged UTF-8 shown rather than dropped. */
static json_t *log_lossy(const char *s)
{
    return utf8_json_lossy(s, strlen(s));
}

static void format_time(char *buf, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, cap - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}

/* Writes the whole line, retrying on EINTR and short writes (a short write is the one case where a
 * line may still be split, e.g. a pipe line longer than PIPE_BUF). */
static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

void log_emit(const ig_log *lg, log_level lvl, const char *event, json_t *fields)
{
    json_t *obj = NULL;
    char *line = NULL;
    if (!log_enabled(lg, lvl))
        goto out;

    char ts[40];
    format_time(ts, sizeof ts);
    obj = json_object();
    if (obj == NULL || json_object_set_new(obj, "time", json_string(ts)) != 0 ||
        json_object_set_new(obj, "level", json_string(log_level_name(lvl))) != 0 ||
        json_object_set_new(obj, "event", log_lossy(event ? event : "")) != 0)
        goto oom;
    if (json_is_object(fields)) {
        const char *key;
        json_t *val;
        json_object_foreach(fields, key, val) {
            if (json_object_get(obj, key) != NULL) {
                char renamed[128];
                snprintf(renamed, sizeof renamed, "_%s", key);
                if (json_object_set(obj, renamed, val) != 0)
                    goto oom;
            } else if (json_object_set(obj, key, val) != 0) {
                goto oom;
            }
        }
    }
    size_t len = json_dumpb(obj, NULL, 0, JSON_COMPACT | JSON_REAL_PRECISION(9));
    if (len == 0 || (line = malloc(len + 1)) == NULL)
        goto oom;
    if (json_dumpb(obj, line, len, JSON_COMPACT | JSON_REAL_PRECISION(9)) != len)
        goto oom;
    line[len] = '\n';
    write_all(lg->fd, line, len + 1);
    goto out;

oom: {
    /* Out of memory while logging: still say something, without allocating. */
    static const char fallback[] = "{\"level\":\"error\",\"event\":\"log_failed\"}\n";
    write_all(lg->fd, fallback, sizeof fallback - 1);
}
out:
    free(line);
    json_decref(obj);
    json_decref(fields);
}

void log_printf(const ig_log *lg, log_level lvl, const char *event, const char *fmt, ...)
{
    if (!log_enabled(lg, lvl))
        return;
    char msg[LOG_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *fields = json_object();
    if (fields != NULL)
        json_object_set_new(fields, "message", log_lossy(msg));
    log_emit(lg, lvl, event, fields);
}

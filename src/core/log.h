/* Structured logs: one JSON object per line ({"time","level","event", ...fields}), each line written
 * with a single write(2) so lines from different threads never interleave. */
#ifndef IG_CORE_LOG_H
#define IG_CORE_LOG_H

#include <jansson.h>
#include <stdbool.h>

#include "core/status.h"

/* IG_-prefixed so they never clash with syslog.h's LOG_DEBUG.. macros. Ordered by severity. */
typedef enum log_level {
    IG_LOG_DEBUG = 0,
    IG_LOG_INFO = 1,
    IG_LOG_WARN = 2,
    IG_LOG_ERROR = 3,
} log_level;

/* A logger is two plain values, so it is safely shared read-only by every thread after log_init.
 * The fd is borrowed: the logger never closes it. */
typedef struct ig_log {
    int fd;        /* destination, STDERR_FILENO by default */
    log_level min; /* events below this level are dropped */
} ig_log;

/* Sets up lg to write to fd (a negative fd means stderr) at level_name ("debug", "info", "warn" or
 * "warning", "error", any case; NULL means "info"). On IG_EINVAL lg is still usable at "info". */
ig_status log_init(ig_log *lg, int fd, const char *level_name, ig_err *err);

/* Parses a level name as log_init does; IG_EINVAL (out untouched) when it is none of them. */
ig_status log_level_parse(const char *name, log_level *out);

/* The lower-case name of a level ("debug", "info", "warn", "error"). */
const char *log_level_name(log_level lvl);

/* True when an event at lvl would be written (lets callers skip building costly fields). */
bool log_enabled(const ig_log *lg, log_level lvl);

/* Writes one line: "time" (ISO 8601 UTC with milliseconds), "level", "event", then the members of
 * fields in order. fields is stolen (decref'd here), may be NULL, and must be a JSON object if not;
 * a field named time/level/event is kept under a leading underscore ("_time") rather than lost.
 * Invalid UTF-8 in event is replaced by U+FFFD. lg may be NULL (the event is dropped). */
void log_emit(const ig_log *lg, log_level lvl, const char *event, json_t *fields);

/* log_emit with one field, "message", formatted printf-style (truncated at 8 KiB). */
void log_printf(const ig_log *lg, log_level lvl, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif

/* Prometheus metrics: per-route request counters and latency histograms, plus gauges supplied at
 * scrape time. Updated and rendered on the event-loop thread only, so it takes no locks. */
#ifndef IG_CORE_METRICS_H
#define IG_CORE_METRICS_H

#include <stddef.h>

#include "core/buf.h"
#include "core/status.h"

typedef struct ig_metrics ig_metrics;

typedef struct metrics_gauge {
    const char *name;
    const char *help;
    double value;
} metrics_gauge;

/* Owned by the caller; free with metrics_free. NULL when out of memory. */
ig_metrics *metrics_new(void);
void metrics_free(ig_metrics *m);
/* route and method must outlive m (route patterns and method names are static strings). */
void metrics_observe(ig_metrics *m, const char *route, const char *method, int status, double seconds);
/* Appends the exposition text (version 0.0.4) for counters, histograms and the given gauges,
 * then process_resident_memory_bytes and process_open_fds read from /proc. */
ig_status metrics_render(const ig_metrics *m, const metrics_gauge *gauges, size_t ngauges, ig_buf *out);

#endif

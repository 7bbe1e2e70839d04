/* Counters keyed by (route, method, status) and a histogram per (route, method). Keys are static
 * strings compared by pointer first, so an observation costs a short scan and no allocation. */
#include "core/metrics.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const double BUCKETS[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define NBUCKETS (sizeof BUCKETS / sizeof BUCKETS[0])

typedef struct counter {
    const char *route, *method;
    int status;
    unsigned long long n;
} counter;

typedef struct histo {
    const char *route, *method;
    unsigned long long buckets[NBUCKETS];
    unsigned long long count;
    double sum;
} histo;

struct ig_metrics {
    counter *counters;
    size_t ncounters, capcounters;
    histo *histos;
    size_t nhistos, caphistos;
};

ig_metrics *metrics_new(void)
{
    return calloc(1, sizeof(ig_metrics));
}

void metrics_free(ig_metrics *m)
{
    if (m == NULL)
        return;
    free(m->counters);
    free(m->histos);
    free(m);
}

static bool same(const char *a, const char *b)
{
    return a == b || strcmp(a, b) == 0;
}

static void *grow(void *arr, size_t *cap, size_t elem)
{
    size_t ncap = *cap ? *cap * 2 : 32;
    void *n = realloc(arr, ncap * elem);
    if (n) {
        memset((char *)n + *cap * elem, 0, (ncap - *cap) * elem);
        *cap = ncap;
    }
    return n;
}

void metrics_observe(ig_metrics *m, const char *route, const char *method, int status, double seconds)
{
    counter *c = NULL;
    for (size_t i = 0; i < m->ncounters; i++) {
        counter *k = &m->counters[i];
        if (k->status == status && same(k->route, route) && same(k->method, method)) {
            c = k;
            break;
        }
    }
    if (c == NULL) {
        if (m->ncounters == m->capcounters) {
            counter *n = grow(m->counters, &m->capcounters, sizeof *n);
            if (n == NULL)
                return;
            m->counters = n;
        }
        c = &m->counters[m->ncounters++];
        *c = (counter){route, method, status, 0};
    }
    c->n++;

    histo *h = NULL;
    for (size_t i = 0; i < m->nhistos; i++) {
        if (same(m->histos[i].route, route) && same(m->histos[i].method, method)) {
            h = &m->histos[i];
            break;
        }
    }
    if (h == NULL) {
        if (m->nhistos == m->caphistos) {
            histo *n = grow(m->histos, &m->caphistos, sizeof *n);
            if (n == NULL)
                return;
            m->histos = n;
        }
        h = &m->histos[m->nhistos++];
        memset(h, 0, sizeof *h);
        h->route = route;
        h->method = method;
    }
    for (size_t b = 0; b < NBUCKETS; b++)
        if (seconds <= BUCKETS[b])
            h->buckets[b]++;
    h->count++;
    h->sum += seconds;
}

static double read_rss(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
        rss = 0;
    fclose(f);
    return (double)rss * (double)sysconf(_SC_PAGESIZE);
}

static double count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    double n = 0;
    if (d == NULL)
        return 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory stream's own fd */
}

ig_status metrics_render(const ig_metrics *m, const metrics_gauge *gauges, size_t ngauges, ig_buf *out)
{
    ig_status st = buf_appendf(out, "# HELP ig_http_requests_total HTTP requests by route, method and status.\n"
                                    "# TYPE ig_http_requests_total counter\n");
    for (size_t i = 0; st == IG_OK && i < m->ncounters; i++) {
        const counter *c = &m->counters[i];
        st = buf_appendf(out, "ig_http_requests_total{route=\"%s\",method=\"%s\",status=\"%d\"} %llu\n",
                         c->route, c->method, c->status, c->n);
    }
    if (st == IG_OK)
        st = buf_appendf(out, "# HELP ig_http_request_duration_seconds Request latency by route.\n"
                              "# TYPE ig_http_request_duration_seconds histogram\n");
    for (size_t i = 0; st == IG_OK && i < m->nhistos; i++) {
        const histo *h = &m->histos[i];
        for (size_t b = 0; st == IG_OK && b < NBUCKETS; b++)
            st = buf_appendf(out,
                             "ig_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le=\"%g\"} %llu\n",
                             h->route, h->method, BUCKETS[b], h->buckets[b]);
        if (st == IG_OK)
            st = buf_appendf(out,
                             "ig_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le=\"+Inf\"} %llu\n"
                             "ig_http_request_duration_seconds_sum{route=\"%s\",method=\"%s\"} %.6f\n"
                             "ig_http_request_duration_seconds_count{route=\"%s\",method=\"%s\"} %llu\n",
                             h->route, h->method, h->count, h->route, h->method, h->sum, h->route,
                             h->method, h->count);
    }
    for (size_t i = 0; st == IG_OK && i < ngauges; i++)
        st = buf_appendf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %.17g\n", gauges[i].name, gauges[i].help,
                         gauges[i].name, gauges[i].name, gauges[i].value);
    if (st == IG_OK)
        st = buf_appendf(out,
                         "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                         "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %.0f\n"
                         "# HELP process_open_fds Number of open file descriptors.\n"
                         "# TYPE process_open_fds gauge\nprocess_open_fds %.0f\n",
                         read_rss(), count_fds());
    return st;
}

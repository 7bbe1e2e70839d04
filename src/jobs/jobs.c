/* The job pool: worker threads that lease, dispatch by kind and record outcomes, and one renewer
 * thread that keeps the running jobs' leases alive and purges old finished jobs. */
#include "jobs/jobs.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PURGE_EVERY_S 3600

typedef struct jobs_kind {
    char name[STORE_JOB_KIND_MAX + 1];
    jobs_handler fn;
    void *arg;
} jobs_kind;

typedef struct jobs_worker {
    jobs_pool *pool;
    pthread_t thread;
    bool started;
    char owner[STORE_JOB_OWNER_MAX + 1];
    jobs_task *current; /* the task being run, guarded by pool->mu */
} jobs_worker;

struct jobs_pool {
    ig_store *store;
    const ig_log *log;
    jobs_config cfg;
    char prefix[53];      /* leaves room for ":<worker index>" in an owner */
    jobs_kind kinds[JOBS_MAX_KINDS];
    int nkinds;
    jobs_worker workers[JOBS_MAX_WORKERS];

    pthread_mutex_t mu;
    pthread_cond_t wake;   /* idle workers and the renewer wait here */
    pthread_cond_t exited; /* a thread left */
    bool mu_ok, wake_ok, exited_ok;
    pthread_t renewer;
    bool renewer_started;
    bool started, stopping, joined;
    int pending;           /* notifications not yet consumed by a worker */
    int alive;             /* worker threads that have not exited */
};

void jobs_config_default(jobs_config *cfg)
{
    cfg->workers = 2;
    cfg->poll_ms = 1000;
    cfg->lease_seconds = 60;
    cfg->backoff_base_s = 1;
    cfg->backoff_max_s = 300;
    cfg->retain_days = 7;
}

void jobs_config_load(jobs_config *cfg, const ig_config *conf)
{
    jobs_config_default(cfg);
    cfg->workers = conf->job_workers;
    cfg->poll_ms = conf->job_poll_ms;
    cfg->lease_seconds = conf->job_lease_seconds;
}

/* A deadline ms from now on the monotonic clock the condition variables use. */
static struct timespec deadline_in(int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

static double ms_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) * 1000.0 + (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

static ig_status check_config(const jobs_config *c, ig_err *err)
{
    if (c->workers < 1 || c->workers > JOBS_MAX_WORKERS)
        return status_errf(err, IG_EINVAL, "job workers %d outside 1..%d", c->workers, JOBS_MAX_WORKERS);
    if (c->poll_ms < 1 || c->poll_ms > 3600000)
        return status_errf(err, IG_EINVAL, "job poll interval %d ms outside 1..3600000", c->poll_ms);
    if (c->lease_seconds < 1 || c->lease_seconds > 86400)
        return status_errf(err, IG_EINVAL, "job lease %d s outside 1..86400", c->lease_seconds);
    if (c->backoff_base_s < 0 || c->backoff_max_s < c->backoff_base_s || c->backoff_max_s > 86400)
        return status_errf(err, IG_EINVAL, "job backoff %d..%d s is not a range within a day", c->backoff_base_s,
                           c->backoff_max_s);
    if (c->retain_days < 1 || c->retain_days > 3650)
        return status_errf(err, IG_EINVAL, "job retention %d days outside 1..3650", c->retain_days);
    return IG_OK;
}

ig_status jobs_new(ig_store *store, const ig_log *log, const jobs_config *cfg, const char *owner_prefix,
                   jobs_pool **out, ig_err *err)
{
    jobs_pool *p = NULL;
    ig_status rc = IG_OK;
    if (out == NULL || store == NULL || cfg == NULL)
        return status_errf(err, IG_EINVAL, "jobs_new: store, config and out are required");
    *out = NULL;
    rc = check_config(cfg, err);
    if (rc != IG_OK)
        return rc;
    p = calloc(1, sizeof *p);
    if (p == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory creating the job pool");
    p->store = store;
    p->log = log;
    p->cfg = *cfg;
    if (owner_prefix != NULL) {
        snprintf(p->prefix, sizeof p->prefix, "%.50s", owner_prefix);
    } else {
        char host[64] = "localhost";
        if (gethostname(host, sizeof host) != 0)
            snprintf(host, sizeof host, "localhost");
        host[sizeof host - 1] = '\0';
        snprintf(p->prefix, sizeof p->prefix, "%.30s:%ld", host, (long)getpid());
    }
    pthread_condattr_t ca;
    bool ca_ok = pthread_condattr_init(&ca) == 0;
    ca_ok = ca_ok && pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0;
    p->mu_ok = pthread_mutex_init(&p->mu, NULL) == 0;
    p->wake_ok = ca_ok && pthread_cond_init(&p->wake, &ca) == 0;
    p->exited_ok = ca_ok && pthread_cond_init(&p->exited, &ca) == 0;
    if (ca_ok)
        pthread_condattr_destroy(&ca);
    if (!p->mu_ok || !p->wake_ok || !p->exited_ok) {
        rc = status_errf(err, IG_EINTERNAL, "cannot create the job pool's locks");
        goto out;
    }
    *out = p;
    p = NULL;
out:
    jobs_free(p);
    return rc;
}

ig_status jobs_register(jobs_pool *p, const char *kind, jobs_handler fn, void *arg, ig_err *err)
{
    if (p == NULL || kind == NULL || fn == NULL)
        return status_errf(err, IG_EINVAL, "jobs_register: pool, kind and handler are required");
    size_t n = strnlen(kind, STORE_JOB_KIND_MAX + 1);
    if (n == 0 || n > STORE_JOB_KIND_MAX)
        return status_errf(err, IG_EINVAL, "job kind must be 1..%d bytes", STORE_JOB_KIND_MAX);
    if (p->started)
        return status_errf(err, IG_ESTATE, "handlers are registered before the pool starts");
    for (int i = 0; i < p->nkinds; i++) {
        if (strcmp(p->kinds[i].name, kind) == 0)
            return status_errf(err, IG_ECONFLICT, "job kind %s already has a handler", kind);
    }
    if (p->nkinds == JOBS_MAX_KINDS)
        return status_errf(err, IG_ETOOBIG, "more than %d job kinds", JOBS_MAX_KINDS);
    jobs_kind *k = &p->kinds[p->nkinds++];
    memcpy(k->name, kind, n + 1);
    k->fn = fn;
    k->arg = arg;
    return IG_OK;
}

bool jobs_task_cancelled(jobs_task *t)
{
    return atomic_load(&t->cancelled);
}

static const jobs_kind *find_kind(const jobs_pool *p, const char *name)
{
    for (int i = 0; i < p->nkinds; i++) {
        if (strcmp(p->kinds[i].name, name) == 0)
            return &p->kinds[i];
    }
    return NULL;
}

/* Seconds before attempt n + 1 of a job whose attempt n failed. */
static int64_t backoff_s(const jobs_config *c, int attempts)
{
    int64_t b = c->backoff_base_s;
    for (int i = 0; i < attempts && b < c->backoff_max_s; i++)
        b *= 2;
    return b < c->backoff_max_s ? b : c->backoff_max_s;
}

static void log_job(const jobs_pool *p, log_level lvl, const char *event, const jobs_task *t, double ms,
                    const char *error)
{
    if (!log_enabled(p->log, lvl))
        return;
    json_t *f = json_pack("{s:I, s:s, s:i, s:i, s:f}", "job_id", (json_int_t)t->job.id, "kind", t->job.kind,
                          "attempt", t->job.attempts, "max_attempts", t->job.max_attempts, "duration_ms", ms);
    if (f != NULL && t->job.resume_id != 0)
        json_object_set_new(f, "resume_id", json_integer(t->job.resume_id));
    if (f != NULL && error != NULL)
        json_object_set_new(f, "error", json_string(error));
    log_emit(p->log, lvl, event, f);
}

/* Runs the handler of t's kind and records the outcome in the store. */
static ig_status run_task(jobs_pool *p, jobs_task *t, const char *owner, ig_err *err)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    const jobs_kind *k = find_kind(p, t->job.kind);
    ig_err herr = {IG_OK, ""};
    ig_status hrc = k != NULL ? k->fn(t, k->arg, &herr)
                              : status_errf(&herr, IG_EINVAL, "no handler for job kind '%s'", t->job.kind);
    double ms = ms_since(&start);
    ig_err serr = {IG_OK, ""};
    ig_status src;
    if (hrc == IG_AGAIN) {
        log_job(p, IG_LOG_WARN, "job_abandoned", t, ms, herr.msg);
        return status_errf(err, IG_AGAIN, "job %lld abandoned: %s", (long long)t->job.id, herr.msg);
    }
    if (hrc == IG_OK) {
        src = store_job_complete(p->store, t->job.id, owner, (int64_t)time(NULL), &serr);
        if (src == IG_OK)
            log_job(p, IG_LOG_INFO, "job_done", t, ms, NULL);
    } else {
        if (herr.msg[0] == '\0')
            status_errf(&herr, hrc, "%s", status_name(hrc));
        bool final = false;
        int64_t wait = t->permanent ? -1 : backoff_s(&p->cfg, t->job.attempts);
        src = store_job_fail(p->store, t->job.id, owner, (int64_t)time(NULL), wait, t->fail_code, herr.msg, &final,
                             &serr);
        if (src == IG_OK)
            log_job(p, final ? IG_LOG_ERROR : IG_LOG_WARN, final ? "job_failed" : "job_retry", t, ms, herr.msg);
    }
    /* The job may be gone (its resume was deleted) or taken over after a lost lease: then there is
     * nothing left to record, and whoever holds it now decides. */
    if (src == IG_ENOTFOUND || src == IG_ESTATE)
        log_job(p, IG_LOG_WARN, "job_outcome_dropped", t, ms, serr.msg);
    else if (src != IG_OK)
        log_job(p, IG_LOG_ERROR, "job_outcome_not_saved", t, ms, serr.msg);
    if (hrc != IG_OK)
        return status_errf(err, hrc, "%s", herr.msg);
    return IG_OK;
}

ig_status jobs_run_once(jobs_pool *p, const char *owner, ig_err *err)
{
    if (p == NULL || owner == NULL)
        return status_errf(err, IG_EINVAL, "jobs_run_once: pool and owner are required");
    jobs_task *t = calloc(1, sizeof *t);
    if (t == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory running a job");
    ig_status rc = store_job_lease(p->store, owner, (int64_t)time(NULL), p->cfg.lease_seconds, &t->job, err);
    if (rc == IG_OK)
        rc = run_task(p, t, owner, err);
    free(t);
    return rc;
}

/* Waits (p->mu held) until notified, stopping, or poll_ms passed. */
static void wait_idle(jobs_pool *p)
{
    struct timespec until = deadline_in(p->cfg.poll_ms);
    while (!p->stopping && p->pending == 0) {
        if (pthread_cond_timedwait(&p->wake, &p->mu, &until) == ETIMEDOUT)
            return;
    }
    if (p->pending > 0)
        p->pending--;
}

static void *worker_main(void *arg)
{
    jobs_worker *w = arg;
    jobs_pool *p = w->pool;
    jobs_task t;
    pthread_mutex_lock(&p->mu);
    while (!p->stopping) {
        pthread_mutex_unlock(&p->mu);
        memset(&t, 0, sizeof t);
        atomic_init(&t.cancelled, false);
        ig_err err = {IG_OK, ""};
        ig_status rc = store_job_lease(p->store, w->owner, (int64_t)time(NULL), p->cfg.lease_seconds, &t.job, &err);
        if (rc != IG_OK && rc != IG_ENOTFOUND)
            log_printf(p->log, IG_LOG_ERROR, "job_lease_failed", "%s", err.msg);
        pthread_mutex_lock(&p->mu);
        if (rc != IG_OK) {
            wait_idle(p);
            continue;
        }
        /* published so the renewer keeps the lease alive and jobs_stop can cancel it */
        w->current = &t;
        if (p->stopping)
            atomic_store(&t.cancelled, true);
        pthread_mutex_unlock(&p->mu);
        run_task(p, &t, w->owner, &err);
        pthread_mutex_lock(&p->mu);
        w->current = NULL;
    }
    p->alive--;
    pthread_cond_broadcast(&p->exited);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Renews the lease of every running task; a lost one is cancelled. Called with p->mu held; the
 * store is written without it, so uploads notifying the pool never wait on the database. */
static void renew_all(jobs_pool *p)
{
    int64_t ids[JOBS_MAX_WORKERS];
    int n = p->cfg.workers;
    for (int i = 0; i < n; i++)
        ids[i] = p->workers[i].current != NULL ? p->workers[i].current->job.id : 0;
    pthread_mutex_unlock(&p->mu);
    bool lost[JOBS_MAX_WORKERS] = {false};
    int64_t until = (int64_t)time(NULL) + p->cfg.lease_seconds;
    for (int i = 0; i < n; i++) {
        if (ids[i] == 0)
            continue;
        ig_err err = {IG_OK, ""};
        ig_status rc = store_job_renew(p->store, ids[i], p->workers[i].owner, until, &err);
        lost[i] = rc == IG_ENOTFOUND || rc == IG_ESTATE;
        if (rc != IG_OK)
            log_printf(p->log, lost[i] ? IG_LOG_WARN : IG_LOG_ERROR, lost[i] ? "job_lease_lost" : "job_renew_failed",
                       "%s", err.msg);
    }
    pthread_mutex_lock(&p->mu);
    /* the worker may have moved on meanwhile: cancel only the task whose lease was lost */
    for (int i = 0; i < n; i++) {
        jobs_task *t = p->workers[i].current;
        if (lost[i] && t != NULL && t->job.id == ids[i])
            atomic_store(&t->cancelled, true);
    }
}

static void *renewer_main(void *arg)
{
    jobs_pool *p = arg;
    int every_ms = p->cfg.lease_seconds * 1000 / 3;
    time_t last_purge = 0;
    pthread_mutex_lock(&p->mu);
    /* after a stop that timed out, the abandoned jobs keep their leases while their handlers run */
    while (!p->stopping || p->alive > 0) {
        struct timespec until = deadline_in(every_ms);
        int w = 0;
        while ((!p->stopping || p->alive > 0) && w != ETIMEDOUT)
            w = pthread_cond_timedwait(&p->wake, &p->mu, &until);
        renew_all(p);
        time_t now = time(NULL);
        if (!p->stopping && now - last_purge >= PURGE_EVERY_S) {
            last_purge = now;
            pthread_mutex_unlock(&p->mu);
            ig_err err = {IG_OK, ""};
            int purged = 0;
            if (store_job_purge(p->store, (int64_t)now - (int64_t)p->cfg.retain_days * 86400, &purged, &err) != IG_OK)
                log_printf(p->log, IG_LOG_WARN, "job_purge_failed", "%s", err.msg);
            else if (purged > 0)
                log_printf(p->log, IG_LOG_INFO, "job_purge", "%d finished jobs purged", purged);
            pthread_mutex_lock(&p->mu);
        }
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

ig_status jobs_start(jobs_pool *p, ig_err *err)
{
    if (p == NULL)
        return status_errf(err, IG_EINVAL, "jobs_start: pool is NULL");
    pthread_mutex_lock(&p->mu);
    if (p->started) {
        pthread_mutex_unlock(&p->mu);
        return status_errf(err, IG_ESTATE, "the job pool is already started");
    }
    p->started = true;
    ig_status rc = IG_OK;
    for (int i = 0; i < p->cfg.workers; i++) {
        jobs_worker *w = &p->workers[i];
        w->pool = p;
        snprintf(w->owner, sizeof w->owner, "%s:%d", p->prefix, i);
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            rc = status_errf(err, IG_EINTERNAL, "cannot start job worker %d", i);
            break;
        }
        w->started = true;
        p->alive++;
    }
    if (rc == IG_OK) {
        if (pthread_create(&p->renewer, NULL, renewer_main, p) != 0)
            rc = status_errf(err, IG_EINTERNAL, "cannot start the job lease renewer");
        else
            p->renewer_started = true;
    }
    pthread_mutex_unlock(&p->mu);
    if (rc != IG_OK)
        jobs_stop(p, -1);
    return rc;
}

void jobs_notify(jobs_pool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    if (p->pending < p->cfg.workers)
        p->pending++;
    /* the renewer waits on the same condition: wake everyone so a worker is among them */
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
}

/* Joins every thread; p->alive must be 0 (or will be, for the blocking jobs_free). */
static void join_all(jobs_pool *p)
{
    if (p->joined)
        return;
    for (int i = 0; i < p->cfg.workers; i++) {
        if (p->workers[i].started)
            pthread_join(p->workers[i].thread, NULL);
    }
    if (p->renewer_started)
        pthread_join(p->renewer, NULL);
    p->joined = true;
}

ig_status jobs_stop(jobs_pool *p, int timeout_ms)
{
    if (p == NULL || !p->mu_ok)
        return IG_OK;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    for (int i = 0; i < p->cfg.workers; i++) {
        if (p->workers[i].current != NULL)
            atomic_store(&p->workers[i].current->cancelled, true);
    }
    pthread_cond_broadcast(&p->wake);
    struct timespec until = deadline_in(timeout_ms > 0 ? timeout_ms : 0);
    while (p->alive > 0) {
        int w = timeout_ms < 0 ? pthread_cond_wait(&p->exited, &p->mu)
                               : pthread_cond_timedwait(&p->exited, &p->mu, &until);
        if (w == ETIMEDOUT)
            break;
    }
    bool all_out = p->alive == 0;
    /* the renewer notices alive == 0 only when woken */
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    if (!all_out) {
        log_printf(p->log, IG_LOG_WARN, "jobs_abandoned", "stopping with jobs still running; their leases will expire");
        return IG_AGAIN;
    }
    join_all(p);
    return IG_OK;
}

void jobs_free(jobs_pool *p)
{
    if (p == NULL)
        return;
    jobs_stop(p, -1);
    if (p->exited_ok)
        pthread_cond_destroy(&p->exited);
    if (p->wake_ok)
        pthread_cond_destroy(&p->wake);
    if (p->mu_ok)
        pthread_mutex_destroy(&p->mu);
    free(p);
}

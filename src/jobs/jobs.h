/* The background job pool: worker threads lease due jobs from the store, run the handler the
 * service layer registered for the job's kind, and record the outcome (done, or failed and retried
 * with exponential backoff until the job's attempts run out). A renewer thread keeps the leases of
 * running jobs alive, so a job is taken over only when its process died. Used inside `serve` and by
 * the `worker` command alike. The pool is owned by main and freed by jobs_free. */
#ifndef IG_JOBS_JOBS_H
#define IG_JOBS_JOBS_H

#include <stdatomic.h>
#include <stdbool.h>

#include "core/config.h"
#include "core/log.h"
#include "core/status.h"
#include "store/store.h"

#define JOBS_MAX_KINDS 16
#define JOBS_MAX_WORKERS 64

typedef struct jobs_pool jobs_pool;

typedef struct jobs_config {
    int workers;        /* worker threads, 1..JOBS_MAX_WORKERS */
    int poll_ms;        /* an idle worker looks for due jobs this often (jobs_notify wakes it sooner) */
    int lease_seconds;  /* a running job's lease, renewed every third of it */
    int backoff_base_s; /* a failed attempt n is retried after backoff_base_s * 2^n seconds (0: at once) */
    int backoff_max_s;  /* ... capped at this */
    int retain_days;    /* finished jobs are purged this many days after they finished */
} jobs_config;

/* One leased job, as its handler sees it. */
typedef struct jobs_task {
    store_job job;                            /* the leased row; read-only for the handler */
    char fail_code[STORE_ERROR_CODE_MAX + 1]; /* handler: a stable code for its failure ("" = job_failed) */
    bool permanent;                           /* handler: retrying cannot help, fail the job now */
    atomic_bool cancelled;                    /* set when the pool stops or the lease is lost */
} jobs_task;

/* Runs one job. IG_OK completes it; another status fails this attempt with err's message as the
 * reason (retried unless task->permanent or the attempts are spent); IG_AGAIN abandons it without
 * a verdict (its lease runs out and another worker retries it). Runs on a pool thread. */
typedef ig_status (*jobs_handler)(jobs_task *task, void *arg, ig_err *err);

/* Fills cfg with the defaults: 2 workers, 1000 ms poll, 60 s lease, backoff 2^n s up to 300 s,
 * 7 days' retention. */
void jobs_config_default(jobs_config *cfg);
/* The defaults with JOB_WORKERS, JOB_POLL_MS and JOB_LEASE_SECONDS from the configuration (a
 * JOB_WORKERS of 0 means this process runs no pool: jobs_new refuses it). */
void jobs_config_load(jobs_config *cfg, const ig_config *conf);

/* Creates a stopped pool over store (borrowed, as is log, which may be NULL). owner_prefix names
 * this process in lease_owner (NULL: "<hostname>:<pid>"). *out is freed by jobs_free. */
ig_status jobs_new(ig_store *store, const ig_log *log, const jobs_config *cfg, const char *owner_prefix,
                   jobs_pool **out, ig_err *err);
/* Registers fn for kind (arg is passed to it, borrowed). Before jobs_start only. */
ig_status jobs_register(jobs_pool *p, const char *kind, jobs_handler fn, void *arg, ig_err *err);
/* Starts the worker threads and the lease renewer. */
ig_status jobs_start(jobs_pool *p, ig_err *err);
/* Wakes an idle worker now: a job was just queued in this process. p may be NULL (no-op). */
void jobs_notify(jobs_pool *p);
/* True once the handler should give up early: the pool is stopping or the job's lease was lost. */
bool jobs_task_cancelled(jobs_task *t);
/* Leases and runs one due job on the calling thread (no lease renewal), as owner. IG_ENOTFOUND when
 * nothing is due; otherwise the handler's outcome has been recorded and its status is returned. */
ig_status jobs_run_once(jobs_pool *p, const char *owner, ig_err *err);
/* Asks every thread to stop: idle ones exit at once, busy ones after their handler returns
 * (handlers see jobs_task_cancelled). Waits up to timeout_ms: IG_OK when all have exited, IG_AGAIN
 * when some handler is still running; its job is abandoned (its lease expires and it is retried
 * elsewhere or after a restart), and the caller must then neither free the pool nor close the
 * store, only exit. Idempotent. */
ig_status jobs_stop(jobs_pool *p, int timeout_ms);
/* Stops (waiting as long as handlers run) and frees. NULL ok. */
void jobs_free(jobs_pool *p);

#endif

/* A dedicated thread pool whose completions run on the libuv loop (libuv's own pool is shared by
 * every request; CPU-heavy work such as password hashing gets a pool of its own so a storm of
 * it cannot starve other requests). Jobs are caller-owned structs embedded in the caller's
 * context (libuv style): submit, then work() runs on a pool thread and done() on the loop. */
#ifndef IG_CORE_WORKPOOL_H
#define IG_CORE_WORKPOOL_H

#include <stddef.h>

#include <uv.h>

#include "core/status.h"

typedef struct workpool workpool;
typedef struct workpool_job workpool_job;

struct workpool_job {
    void (*work)(workpool_job *job); /* pool thread */
    void (*done)(workpool_job *job); /* loop thread */
    workpool_job *next;              /* private */
};

ig_status workpool_new(uv_loop_t *loop, int nthreads, workpool **out, ig_err *err);
/* Queues job; it runs even while the pool is closing (nothing accepted is dropped). */
void workpool_submit(workpool *wp, workpool_job *job);
/* Jobs queued but not started. Any thread. */
size_t workpool_depth(workpool *wp);
/* Finishes the queued jobs, joins the threads and closes the loop handle; the memory is freed
 * by the loop's close callback, so call it before the loop's last run. */
void workpool_close(workpool *wp);

#endif

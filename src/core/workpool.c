/* Mutex + condition-variable job queue, N threads, one uv_async_t to hand completions back. */
#include "core/workpool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct workpool {
    uv_loop_t *loop;
    uv_async_t async;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    workpool_job *head, *tail;     /* waiting to run */
    workpool_job *done_head, *done_tail; /* finished, waiting for the loop */
    size_t depth;
    bool stopping;
    int nthreads;
    pthread_t *threads;
};

static void *worker_main(void *arg)
{
    workpool *wp = arg;
    for (;;) {
        pthread_mutex_lock(&wp->mu);
        while (wp->head == NULL && !wp->stopping)
            pthread_cond_wait(&wp->cv, &wp->mu);
        workpool_job *job = wp->head;
        if (job == NULL) {
            pthread_mutex_unlock(&wp->mu);
            return NULL;
        }
        wp->head = job->next;
        if (wp->head == NULL)
            wp->tail = NULL;
        wp->depth--;
        pthread_mutex_unlock(&wp->mu);

        job->work(job);

        pthread_mutex_lock(&wp->mu);
        job->next = NULL;
        if (wp->done_tail)
            wp->done_tail->next = job;
        else
            wp->done_head = job;
        wp->done_tail = job;
        pthread_mutex_unlock(&wp->mu);
        uv_async_send(&wp->async);
    }
}

static void on_async(uv_async_t *a)
{
    workpool *wp = a->data;
    pthread_mutex_lock(&wp->mu);
    workpool_job *job = wp->done_head;
    wp->done_head = wp->done_tail = NULL;
    pthread_mutex_unlock(&wp->mu);
    while (job) {
        workpool_job *next = job->next;
        job->done(job);
        job = next;
    }
}

ig_status workpool_new(uv_loop_t *loop, int nthreads, workpool **out, ig_err *err)
{
    workpool *wp = calloc(1, sizeof *wp);
    if (wp == NULL || (wp->threads = calloc((size_t)nthreads, sizeof(pthread_t))) == NULL) {
        free(wp);
        return status_errf(err, IG_ENOMEM, "out of memory");
    }
    wp->loop = loop;
    pthread_mutex_init(&wp->mu, NULL);
    pthread_cond_init(&wp->cv, NULL);
    uv_async_init(loop, &wp->async, on_async);
    wp->async.data = wp;
    for (int i = 0; i < nthreads; i++) {
        if (pthread_create(&wp->threads[i], NULL, worker_main, wp) != 0) {
            wp->nthreads = i;
            workpool_close(wp);
            return status_errf(err, IG_EINTERNAL, "cannot start worker thread");
        }
    }
    wp->nthreads = nthreads;
    *out = wp;
    return IG_OK;
}

void workpool_submit(workpool *wp, workpool_job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&wp->mu);
    if (wp->tail)
        wp->tail->next = job;
    else
        wp->head = job;
    wp->tail = job;
    wp->depth++;
    pthread_cond_signal(&wp->cv);
    pthread_mutex_unlock(&wp->mu);
}

size_t workpool_depth(workpool *wp)
{
    pthread_mutex_lock(&wp->mu);
    size_t d = wp->depth;
    pthread_mutex_unlock(&wp->mu);
    return d;
}

static void on_closed(uv_handle_t *h)
{
    workpool *wp = h->data;
    pthread_mutex_destroy(&wp->mu);
    pthread_cond_destroy(&wp->cv);
    free(wp->threads);
    free(wp);
}

void workpool_close(workpool *wp)
{
    pthread_mutex_lock(&wp->mu);
    wp->stopping = true;
    pthread_cond_broadcast(&wp->cv);
    pthread_mutex_unlock(&wp->mu);
    for (int i = 0; i < wp->nthreads; i++)
        pthread_join(wp->threads[i], NULL);
    on_async(&wp->async); /* completions that arrived after the loop's last wake-up */
    uv_close((uv_handle_t *)&wp->async, on_closed);
}

/* Job wake-ups through Redis: the publisher over the shared pool, and the listener thread, which
 * waits with poll() on its subscribed connection and on a pipe that stops it, so that stopping never
 * waits for Redis to say something. */
#include "jobs/wakeup.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct wakeup_listener {
    redis_endpoint ep;
    char channel[WAKEUP_CHANNEL_MAX];
    wakeup_fn fn;
    void *arg;
    const ig_log *log;
    int stop_pipe[2]; /* a byte written to [1] stops the thread */
    pthread_t thread;
};

void wakeup_channel(int db, char out[WAKEUP_CHANNEL_MAX])
{
    snprintf(out, WAKEUP_CHANNEL_MAX, "%s%d", WAKEUP_CHANNEL_PREFIX, db);
}

ig_status wakeup_publish(redis_pool *pool, ig_err *err)
{
    redis_endpoint ep;
    char channel[WAKEUP_CHANNEL_MAX];
    redis_pool_endpoint(pool, &ep);
    wakeup_channel(ep.db, channel);
    ig_status st = redis_publish(pool, channel, WAKEUP_MESSAGE, sizeof WAKEUP_MESSAGE - 1, err);
    /* the copy holds the password */
    memset(&ep, 0, sizeof ep);
    return st;
}

/* Waits up to ms (-1: for ever) for the stop pipe; true once it is readable. */
static bool stop_requested(const wakeup_listener *l, int ms)
{
    struct pollfd pfd = {l->stop_pipe[0], POLLIN, 0};
    for (;;) {
        int n = poll(&pfd, 1, ms);
        if (n < 0 && errno == EINTR)
            continue;
        return n > 0;
    }
}

static bool is_message(const redisReply *r)
{
    return r->type == REDIS_REPLY_ARRAY && r->elements == 3 && r->element[0]->type == REDIS_REPLY_STRING &&
           strcmp(r->element[0]->str, "message") == 0;
}

static ig_status subscribe(wakeup_listener *l, redisContext *c, ig_err *err)
{
    const char *argv[2] = {"SUBSCRIBE", l->channel};
    redisReply *r = redisCommandArgv(c, 2, argv, NULL);
    if (r == NULL)
        return status_errf(err, IG_EUNAVAIL, "redis: SUBSCRIBE %s: %s", l->channel, c->errstr);
    bool ok = r->type == REDIS_REPLY_ARRAY && r->elements == 3 && r->element[0]->type == REDIS_REPLY_STRING &&
              strcmp(r->element[0]->str, "subscribe") == 0;
    ig_status st = ok ? IG_OK
                      : status_errf(err, IG_EIO, "redis: SUBSCRIBE %s: %s", l->channel,
                                    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
    freeReplyObject(r);
    return st;
}

/* Hands each message on c to fn until the connection breaks (an error) or a stop is asked (IG_OK).
 * Replies already read (with SUBSCRIBE's, say) are handed over before waiting for more. */
static ig_status relay(wakeup_listener *l, redisContext *c, ig_err *err)
{
    struct pollfd pfd[2] = {{c->fd, POLLIN, 0}, {l->stop_pipe[0], POLLIN, 0}};
    for (;;) {
        void *reply = NULL;
        int rc;
        while ((rc = redisGetReplyFromReader(c, &reply)) == REDIS_OK && reply != NULL) {
            if (is_message(reply))
                l->fn(l->arg);
            freeReplyObject(reply);
            reply = NULL;
        }
        if (rc != REDIS_OK)
            return status_errf(err, IG_EIO, "redis: %s", c->errstr);
        int n = poll(pfd, 2, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return status_errf(err, IG_EIO, "poll: %s", strerror(errno));
        if (pfd[1].revents != 0)
            return IG_OK;
        if (redisBufferRead(c) != REDIS_OK)
            return status_errf(err, IG_EUNAVAIL, "redis: subscription lost: %s",
                               c->errstr[0] ? c->errstr : "connection closed");
    }
}

static void *listener_main(void *arg)
{
    wakeup_listener *l = arg;
    int backoff = 0;
    bool degraded = false;
    while (!stop_requested(l, 0)) {
        redisContext *c = NULL;
        ig_err err = {IG_OK, ""};
        ig_status st = redis_connect(&l->ep, WAKEUP_CONNECT_TIMEOUT_MS, &c, &err);
        if (st == IG_OK)
            st = subscribe(l, c, &err);
        if (st == IG_OK) {
            if (degraded)
                log_printf(l->log, IG_LOG_INFO, "redis_jobs_restored", "listening on %s again", l->channel);
            degraded = false;
            backoff = 0;
            l->fn(l->arg);
            st = relay(l, c, &err);
        }
        if (c != NULL)
            redisFree(c);
        if (st == IG_OK)
            break;
        if (!degraded)
            log_printf(l->log, IG_LOG_WARN, "redis_jobs_degraded",
                       "%s; job threads find new jobs at their next poll until Redis answers", err.msg);
        degraded = true;
        backoff = backoff == 0 ? WAKEUP_BACKOFF_MIN_MS
                               : backoff * 2 > WAKEUP_BACKOFF_MAX_MS ? WAKEUP_BACKOFF_MAX_MS : backoff * 2;
        if (stop_requested(l, backoff))
            break;
    }
    return NULL;
}

ig_status wakeup_listen(const char *redis_url, wakeup_fn fn, void *arg, const ig_log *log, wakeup_listener **out,
                        ig_err *err)
{
    *out = NULL;
    if (redis_url == NULL || fn == NULL)
        return status_errf(err, IG_EINVAL, "wakeup_listen: a URL and a function are required");
    wakeup_listener *l = calloc(1, sizeof *l);
    if (l == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory starting the job wake-up listener");
    l->stop_pipe[0] = l->stop_pipe[1] = -1;
    ig_status st = redis_url_parse(redis_url, &l->ep, err);
    if (st != IG_OK)
        goto out;
    wakeup_channel(l->ep.db, l->channel);
    l->fn = fn;
    l->arg = arg;
    l->log = log;
    if (pipe2(l->stop_pipe, O_CLOEXEC) != 0) {
        st = status_errf(err, IG_EIO, "cannot create a pipe: %s", strerror(errno));
        goto out;
    }
    if (pthread_create(&l->thread, NULL, listener_main, l) != 0) {
        st = status_errf(err, IG_EINTERNAL, "cannot start the job wake-up listener");
        goto out;
    }
    *out = l;
    return IG_OK;
out:
    if (l->stop_pipe[0] >= 0) {
        close(l->stop_pipe[0]);
        close(l->stop_pipe[1]);
    }
    memset(&l->ep, 0, sizeof l->ep);
    free(l);
    return st;
}

void wakeup_listener_stop(wakeup_listener *l)
{
    if (l == NULL)
        return;
    ssize_t w;
    do
        w = write(l->stop_pipe[1], "x", 1);
    while (w < 0 && errno == EINTR);
    pthread_join(l->thread, NULL);
    close(l->stop_pipe[0]);
    close(l->stop_pipe[1]);
    memset(&l->ep, 0, sizeof l->ep);
    free(l);
}

/* Job wake-ups across processes through Redis publish/subscribe. With REDIS_URL set, whoever queues
 * a job (an upload or a reparse on any `serve` instance) publishes on WAKEUP_CHANNEL_PREFIX<db>, and
 * every process that runs a job pool listens there and wakes its idle workers at once (jobs_notify)
 * instead of at their next JOB_POLL_MS poll. A message is only a hint and carries nothing but
 * WAKEUP_MESSAGE: the poll stays the fallback, so a wake-up lost while Redis or a listener is away
 * costs at most one poll interval, never a job. Pub/sub channels ignore Redis database numbers, so
 * the channel names the URL's database: deployments sharing one Redis on distinct databases do not
 * wake each other. */
#ifndef IG_JOBS_WAKEUP_H
#define IG_JOBS_WAKEUP_H

#include "core/log.h"
#include "core/status.h"
#include "store/redis.h"

#define WAKEUP_CHANNEL_PREFIX "ig:jobs:"  /* + the database number */
#define WAKEUP_CHANNEL_MAX 32
#define WAKEUP_MESSAGE "1"
#define WAKEUP_CONNECT_TIMEOUT_MS 3000    /* to connect, and for each reply while subscribing */
#define WAKEUP_BACKOFF_MIN_MS 100         /* first redial delay after a failure, doubling... */
#define WAKEUP_BACKOFF_MAX_MS 2000        /* ...up to this */

/* The channel of a Redis database: WAKEUP_CHANNEL_PREFIX "<db>". */
void wakeup_channel(int db, char out[WAKEUP_CHANNEL_MAX]);

/* Publishes one wake-up through pool (borrowed) on the channel of the pool's database. Blocks up to
 * the pool's timeout; statuses as redis_publish (IG_EUNAVAIL while Redis is away). */
ig_status wakeup_publish(redis_pool *pool, ig_err *err);

typedef struct wakeup_listener wakeup_listener;

/* Called on the listener's thread for each wake-up; must not block. */
typedef void (*wakeup_fn)(void *arg);

/* Starts a thread that subscribes, on a blocking connection of its own, to the channel of
 * redis_url's database (redis_url_parse; borrowed only during the call) and calls fn(arg) for each
 * wake-up, and once after each subscription (jobs may have been queued while it was away). Redis
 * may be down: the thread redials with backoff (WAKEUP_BACKOFF_*), logs the outage once
 * ("redis_jobs_degraded") and its end ("redis_jobs_restored"). IG_EINVAL for a bad URL. fn, arg
 * and log (NULL ok) are borrowed until wakeup_listener_stop. *out is freed by wakeup_listener_stop. */
ig_status wakeup_listen(const char *redis_url, wakeup_fn fn, void *arg, const ig_log *log, wakeup_listener **out,
                        ig_err *err);

/* Stops the thread (at once while it waits; a connection attempt in progress finishes first, up to
 * WAKEUP_CONNECT_TIMEOUT_MS), closes its connection and frees l. fn is not called after it returns.
 * NULL is fine. */
void wakeup_listener_stop(wakeup_listener *l);

#endif

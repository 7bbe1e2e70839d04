/* A small thread-safe Redis client over hiredis: REDIS_URL parsing and a pool of blocking
 * connections that connect lazily and back off while Redis is down, so that a dead Redis costs a
 * request next to nothing and the server recovers by itself when Redis returns. */
#ifndef IG_STORE_REDIS_H
#define IG_STORE_REDIS_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "core/status.h"

/* Where a REDIS_URL points. Strings are NUL-terminated; empty when absent. */
typedef struct redis_endpoint {
    char host[256];      /* TCP host ("" for a Unix socket) */
    int port;            /* default 6379 */
    int db;              /* SELECT index, default 0 */
    char password[256];  /* AUTH password, percent-decoded; never logged */
    char username[128];  /* ACL user (Redis 6+), percent-decoded */
    char unix_path[256]; /* Unix socket path ("" for TCP) */
} redis_endpoint;

/* Parses redis://[[user]:password@]host[:port][/db][?db=N] (host may be an [IPv6] literal) and
 * unix://[[user]:password@]/path/to/socket[?db=N]. User, password and path are percent-decoded;
 * a user without a password is refused (write redis://:password@host for a password alone), so is
 * rediss:// (no TLS in this build) and any query parameter but db. url is NUL-terminated but may
 * hold any bytes; messages never echo the password. IG_EINVAL with a reason otherwise. */
ig_status redis_url_parse(const char *url, redis_endpoint *out, ig_err *err);

typedef struct redis_pool redis_pool;

/* Creates a pool of up to size (1 .. 64) connections to url with timeout_ms (>= 1) for connecting
 * and for each command. Nothing is connected yet: opening succeeds while Redis is down. After a
 * failed connect the pool refuses at once (IG_EUNAVAIL) for a short backoff (up to 1 s) instead of
 * trying again on every command. *out is freed with redis_pool_close. */
ig_status redis_pool_open(const char *url, int size, int timeout_ms, redis_pool **out, ig_err *err);
/* Closes every connection and frees p (NULL is fine). No command may be running. */
void redis_pool_close(redis_pool *p);

/* Runs one command (redisCommandArgv) on a pooled connection, reconnecting when needed; safe from
 * any thread. lens may be NULL when every argv[i] is a NUL-terminated string. *reply (caller frees
 * with freeReplyObject) is set on IG_OK only. IG_EUNAVAIL: Redis cannot be reached or timed out
 * (the connection is dropped and redialled next time); IG_EIO: Redis answered with an error reply
 * (message in err); IG_EINVAL: argc < 1; IG_ENOMEM. */
ig_status redis_command(redis_pool *p, int argc, const char **argv, const size_t *lens,
                        redisReply **reply, ig_err *err);

/* EVALSHA of script (its SHA-1 computed here), falling back to EVAL when Redis does not know it
 * yet (NOSCRIPT, e.g. after a restart). argv holds numkeys keys then the other arguments (argc of
 * them in all, at most 16; lens may be NULL as above). Statuses and *reply as redis_command. */
ig_status redis_eval(redis_pool *p, const char *script, int numkeys, int argc, const char **argv,
                     const size_t *lens, redisReply **reply, ig_err *err);

/* PUBLISH channel msg (binary-safe). IG_OK whether or not anyone was subscribed. */
ig_status redis_publish(redis_pool *p, const char *channel, const void *msg, size_t len, ig_err *err);

/* PING: IG_OK when Redis answers. */
ig_status redis_ping(redis_pool *p, ig_err *err);

/* Copies the endpoint the pool dials into *out, password included (for a connection of the
 * caller's own, e.g. a subscriber: redis_connect or hiredis async); the caller must not log it. */
void redis_pool_endpoint(const redis_pool *p, redis_endpoint *out);

/* Dials ep once with timeout_ms for connecting and for each command, then AUTH and SELECT as the
 * endpoint asks. *out (caller frees with redisFree) is set on IG_OK. IG_EUNAVAIL when Redis cannot
 * be reached, IG_EIO when AUTH or SELECT is refused. */
ig_status redis_connect(const redis_endpoint *ep, int timeout_ms, redisContext **out, ig_err *err);

#endif

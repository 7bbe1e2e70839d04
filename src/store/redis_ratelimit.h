/* The rate limiter's Redis backend: counters shared by every instance, so that a client's limit is
 * the same whichever instance answers it. While Redis is unreachable the backend counts in memory
 * instead (each instance then enforces the limits on its own share of the traffic): failing open
 * would leave login open to brute force during an outage, failing closed would take the API down
 * with Redis. The outage and the recovery are logged once each. */
#ifndef IG_STORE_REDIS_RATELIMIT_H
#define IG_STORE_REDIS_RATELIMIT_H

#include <stddef.h>

#include "core/log.h"
#include "core/status.h"
#include "http/ratelimit.h"
#include "store/redis.h"

/* Fills out with a blocking backend (out->blocking: worker threads only) counting in p (borrowed,
 * must outlive the backend) under keys ig:rl:<count>/<window>:<window start>:<key>, each expiring
 * a second after its window ends. Counting is one Lua script: a request over the limit is not
 * counted, as in the memory backend. Windows follow the caller's now_ms, so instances need
 * synchronised clocks (as JWT expiry does). fallback_keys sizes the in-memory fallback
 * (ratelimit_memory_new); log (borrowed) receives the outage warnings. count reports the fallback's
 * keys. Freed with ratelimit_destroy. */
ig_status redis_ratelimit_new(redis_pool *p, const ig_log *log, size_t fallback_keys, ratelimit_backend *out,
                              ig_err *err);

#endif

/* Socket.IO across instances through Redis publish/subscribe, in the manner of socket.io's Redis
 * adapter. With REDIS_URL set, every emit to a room that starts in a `serve` process is delivered
 * to its own members (realtime/server.h) and published on ADAPTER_CHANNEL_PREFIX<db>#/; every serve
 * process subscribes there and hands what other processes published to its own members of that
 * room. A `worker` process, which has no realtime server, publishes through adapter_pub, so that
 * `resume_status` reaches the owner's sockets on whichever instance holds them.
 *
 * One message on the channel (adapter_encode, adapter_decode), every length explicit:
 *
 *   "IGS1"      magic and format version, 4 bytes
 *   origin      ADAPTER_ORIGIN_BYTES random bytes drawn once per process (its own messages come
 *               back from Redis and are skipped)
 *   room len    1 byte, 1..ROOMS_NAME_MAX
 *   room        that many bytes, no NUL
 *   packet      the rest, 3..ADAPTER_PACKET_MAX bytes: the Engine.IO text packet each member is
 *               sent, "4" + a Socket.IO EVENT of the default namespace without ack id ("42[...]")
 *
 * A revocation (rt_revoke_async: the sockets of a revoked token go on every instance) is a message
 * of its own kind, told by its magic:
 *
 *   "IGR1"      magic and format version, 4 bytes
 *   origin      as above
 *   flags       1 byte: 1 = every session of the user, no other bit set
 *   user id     8 bytes, big-endian, > 0
 *   family, keep_family, jti    each: 1 length byte, 0..RT_TOKEN_ID_MAX, then that many lowercase
 *               hexadecimal digits; nothing after the last
 *
 * Room emits carry JSON only (rt_emit_room), so a message never has binary attachments. Messages
 * are checked before delivery as sockets' input would be: a malformed one, or one holding another
 * kind of packet, is dropped with a log line. Pub/sub channels ignore Redis database numbers, so
 * the channel names the URL's database: deployments that share a Redis on distinct databases do
 * not hear each other.
 *
 * The serve side runs on the realtime loop and never blocks it: hiredis's asynchronous API, one
 * connection subscribed and one for PUBLISH, host names resolved off the loop. While Redis is
 * unreachable, local delivery goes on, publishes are dropped (Socket.IO promises at-most-once
 * delivery) and both connections are redialled with backoff; the outage is logged once
 * ("redis_sio_degraded"), and its end ("redis_sio_restored"). */
#ifndef IG_REALTIME_ADAPTER_H
#define IG_REALTIME_ADAPTER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/status.h"
#include "realtime/server.h"

#define ADAPTER_MAGIC "IGS1"
#define ADAPTER_MAGIC_REVOKE "IGR1"
#define ADAPTER_MAGIC_LEN 4
#define ADAPTER_ORIGIN_BYTES 16
#define ADAPTER_PACKET_MAX (4u << 20)      /* bytes of one relayed packet */
#define ADAPTER_CHANNEL_PREFIX "ig:sio:"   /* + the database number + "#/" */
#define ADAPTER_CHANNEL_MAX 40
#define ADAPTER_CONNECT_TIMEOUT_MS 3000    /* to connect and see the first reply */
#define ADAPTER_BACKOFF_MIN_MS 100         /* first redial delay after a failure, doubling... */
#define ADAPTER_BACKOFF_MAX_MS 2000        /* ...up to this (each with jitter), as ioredis's default */
#define ADAPTER_MAX_BACKLOG (32u << 20)    /* bytes published that Redis has not answered; more are dropped */
#define ADAPTER_PUBLISH_TIMEOUT_MS 2000    /* a worker's publish, connecting included */

typedef enum adapter_kind { ADAPTER_EMIT, ADAPTER_REVOKE } adapter_kind;

/* One decoded message: views into the bytes given to adapter_decode, valid while they are. */
typedef struct adapter_msg {
    adapter_kind kind;
    const unsigned char *origin; /* ADAPTER_ORIGIN_BYTES */
    const char *room;            /* ADAPTER_EMIT: room and packet */
    size_t room_len;
    const char *pkt;
    size_t pkt_len;
    rt_revoke revoke;            /* ADAPTER_REVOKE (a copy) */
} adapter_msg;

/* Appends one message to out. IG_EINVAL for a room or packet outside the format (as above, packet
 * checked by its length and leading "42" only), IG_ETOOBIG past out's cap. */
ig_status adapter_encode(ig_buf *out, const unsigned char *origin, const char *room, size_t room_len,
                         const char *pkt, size_t pkt_len, ig_err *err);
/* Appends one revocation message to out. IG_EINVAL for a user id <= 0 or an id that is not
 * lowercase hex, IG_ETOOBIG past out's cap. */
ig_status adapter_encode_revoke(ig_buf *out, const unsigned char *origin, const rt_revoke *r, ig_err *err);
/* Decodes the n bytes at p (anything: they come from Redis), of either kind; for an emit it checks
 * the packet is one EVENT as described above (valid JSON and UTF-8, no record separator). IG_EINVAL
 * with the reason. */
ig_status adapter_decode(const char *p, size_t n, adapter_msg *out, ig_err *err);
/* The channel of a Redis database: ADAPTER_CHANNEL_PREFIX "<db>#/". */
void adapter_channel(int db, char out[ADAPTER_CHANNEL_MAX]);

/* ---- serve: the realtime loop's side ---- */

typedef struct adapter adapter;

/* Hooks into rt (rt_set_relay) and starts connecting to redis_url (redis_url_parse; borrowed only
 * during the call) on loop, the realtime server's loop; Redis may be down. IG_EINVAL for a bad URL.
 * log is borrowed (NULL ok). Loop thread. *out is freed with adapter_free. */
ig_status adapter_start(uv_loop_t *loop, rt_server *rt, const char *redis_url, const ig_log *log, adapter **out,
                        ig_err *err);
/* Unhooks from the realtime server and closes the connections; the loop must run again for their
 * handles to close. Loop thread; NULL and a second call are fine. */
void adapter_stop(adapter *a);
/* After adapter_stop and the loop's last run. NULL is fine. */
void adapter_free(adapter *a);

/* ---- worker: publishing from any thread ---- */

typedef struct adapter_pub adapter_pub;

/* A publisher of its own origin over a pool of up to size blocking connections (store/redis.h),
 * none made yet. IG_EINVAL for a bad URL. log is borrowed (NULL ok). Freed by adapter_pub_close. */
ig_status adapter_pub_open(const char *redis_url, int size, const ig_log *log, adapter_pub **out, ig_err *err);
void adapter_pub_close(adapter_pub *p);
/* Publishes event(data) (data borrowed; NULL: no argument) for the user's room on every instance;
 * blocks up to about ADAPTER_PUBLISH_TIMEOUT_MS. IG_EUNAVAIL while Redis cannot be reached (the
 * outage is logged once), IG_ENOMEM, IG_ETOOBIG for a packet past ADAPTER_PACKET_MAX. Any thread. */
ig_status adapter_pub_emit_user(adapter_pub *p, int64_t user_id, const char *event, const json_t *data, ig_err *err);
/* Publishes a revocation for every instance (r borrowed); errors as adapter_pub_emit_user. */
ig_status adapter_pub_revoke(adapter_pub *p, const rt_revoke *r, ig_err *err);

#endif

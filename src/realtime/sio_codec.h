/* Socket.IO protocol v5 packets, carried in Engine.IO messages:
 *   <type>[<attachments>-][<namespace>,][<ack id>][<JSON data>]
 * CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT and BINARY_ACK. A binary packet's
 * JSON holds placeholders {"_placeholder":true,"num":N} and is followed by N binary Engine.IO
 * messages, its attachments, which are reassembled here under caps. Explicit lengths; strict. */
#ifndef IG_REALTIME_SIO_CODEC_H
#define IG_REALTIME_SIO_CODEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/status.h"

#define SIO_NSP_MAX 128              /* bytes of a namespace */
#define SIO_ACK_ID_MAX 999999999999999LL /* 15 digits: exact in a JavaScript number */

typedef enum sio_type {
    SIO_CONNECT = 0,
    SIO_DISCONNECT = 1,
    SIO_EVENT = 2,
    SIO_ACK = 3,
    SIO_CONNECT_ERROR = 4,
    SIO_BINARY_EVENT = 5,
    SIO_BINARY_ACK = 6,
} sio_type;

typedef struct sio_limits {
    size_t max_attachments;      /* per packet, at least 1 */
    size_t max_attachment_bytes; /* all attachments of one packet together */
} sio_limits;

typedef struct sio_attachment {
    unsigned char *p; /* owned by the packet */
    size_t n;
} sio_attachment;

/* A decoded packet. Owns its data and attachments: release with sio_packet_clear. */
typedef struct sio_packet {
    sio_type type;
    char nsp[SIO_NSP_MAX + 1]; /* "/" when the packet names none */
    int64_t id;                /* the ack id; -1 when absent */
    json_t *data;              /* NULL when absent */
    size_t nattach;            /* attachments announced (binary types), 0 otherwise */
    size_t nreceived;          /* attachments added so far */
    size_t attach_bytes;       /* their total size */
    sio_attachment *attach;    /* nattach slots */
} sio_packet;

/* Decodes one packet from the n bytes of an Engine.IO text message. Per type, data must be:
 * CONNECT absent or an object; DISCONNECT absent; EVENT and BINARY_EVENT an array whose first
 * element is a string (the event name); ACK and BINARY_ACK an array; CONNECT_ERROR an object or a
 * string. A binary packet announces 1..max_attachments attachments and every placeholder in it
 * must be exactly {"_placeholder":true,"num":N} with N below that count. IG_EINVAL (IG_ETOOBIG for
 * too many attachments) with the reason; out is then empty. */
ig_status sio_decode(const char *p, size_t n, const sio_limits *lim, sio_packet *out, ig_err *err);
/* True when every announced attachment has arrived (always for non-binary packets). */
bool sio_packet_complete(const sio_packet *pkt);
/* Adds the next attachment (n bytes, copied). IG_EINVAL when none is expected, IG_ETOOBIG when
 * the attachments together would pass lim->max_attachment_bytes. */
ig_status sio_add_attachment(sio_packet *pkt, const void *data, size_t n, const sio_limits *lim, ig_err *err);
/* Frees what pkt owns and leaves it empty (safe on an empty or zeroed packet). */
void sio_packet_clear(sio_packet *pkt);

/* When v is a placeholder of the complete packet pkt, points *p and *n at its attachment (owned
 * by pkt) and returns true. */
bool sio_attachment_of(const sio_packet *pkt, const json_t *v, const unsigned char **p, size_t *n);
/* The event name of an EVENT or BINARY_EVENT packet (borrowed), else NULL. */
const char *sio_event_name(const sio_packet *pkt);

/* Appends the text of a packet to out: nsp NULL or "/" for the default namespace, id < 0 for no
 * ack id, nattach the attachments that follow a binary packet (ignored for other types), data
 * NULL for none (serialised compact, UTF-8 as is). */
ig_status sio_encode(ig_buf *out, sio_type type, const char *nsp, int64_t id, size_t nattach, const json_t *data);

#endif

/* Engine.IO protocol v4 on the wire: packets (a type digit, then data; a WebSocket binary frame is
 * a message as it is), HTTP long-polling payloads (packets joined by the record separator 0x1e,
 * binary messages as 'b' + base64), the handshake's open packet, the request's query parameters and
 * the HTTP error bodies. Pure functions over explicit lengths; strict on malformed input. */
#ifndef IG_REALTIME_EIO_CODEC_H
#define IG_REALTIME_EIO_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/status.h"
#include "core/str.h"

#define EIO_PROTOCOL 4
#define EIO_SEPARATOR '\x1e'
#define EIO_SID_MAX 64 /* the longest sid a request may name */

typedef enum eio_type {
    EIO_OPEN = 0,
    EIO_CLOSE = 1,
    EIO_PING = 2,
    EIO_PONG = 3,
    EIO_MESSAGE = 4,
    EIO_UPGRADE = 5,
    EIO_NOOP = 6,
} eio_type;

typedef struct eio_packet {
    eio_type type;
    bool binary; /* a binary MESSAGE: data holds raw bytes */
    ig_str data; /* what follows the type digit (or the bytes of a binary message) */
} eio_packet;

/* Decodes one text packet (a WebSocket text frame, or one record of a polling payload): a type
 * digit 0-6, then data, which must be well-formed UTF-8. out->data points into p. IG_EINVAL with
 * the reason when malformed. */
ig_status eio_decode_text(const char *p, size_t n, eio_packet *out, ig_err *err);

/* Called for each packet of a payload; a status other than IG_OK stops the decoding with it. The
 * packet's data is only valid during the call. */
typedef ig_status (*eio_packet_fn)(void *arg, const eio_packet *pkt);

/* Splits a polling payload (a POST body of n bytes) into packets and calls fn for each, in order.
 * A record starting with 'b' is a binary message in standard base64 (padded); any other record is
 * a text packet. An empty payload or record, bad base64 or a malformed packet is IG_EINVAL; more
 * than max_packets records IG_ETOOBIG. Packets before the bad one have been delivered. */
ig_status eio_decode_payload(const char *p, size_t n, size_t max_packets, eio_packet_fn fn, void *arg,
                             ig_err *err);

/* Appends one text packet (type digit + n bytes of data) to out: a WebSocket text frame. */
ig_status eio_encode(ig_buf *out, eio_type type, const char *data, size_t n);
/* Appends one packet to the polling payload being built in out: a separator first unless out is
 * empty, then the packet; a binary message as 'b' + base64. */
ig_status eio_payload_append(ig_buf *out, eio_type type, bool binary, const char *data, size_t n);
/* Appends the handshake's open packet: 0{"sid","upgrades","pingInterval","pingTimeout","maxPayload"}
 * where upgrades is ["websocket"] when can_upgrade, else []. sid is NUL-terminated, URL-safe. */
ig_status eio_open_packet(ig_buf *out, const char *sid, bool can_upgrade, uint64_t ping_interval_ms,
                          uint64_t ping_timeout_ms, uint64_t max_payload);

typedef enum eio_transport {
    EIO_TRANSPORT_NONE,      /* no transport parameter */
    EIO_TRANSPORT_POLLING,
    EIO_TRANSPORT_WEBSOCKET,
    EIO_TRANSPORT_OTHER,     /* one we do not serve */
} eio_transport;

/* The parameters of an Engine.IO request's query string (others, such as the client's cache
 * buster t, are ignored). */
typedef struct eio_query {
    int eio;                       /* the EIO parameter; 0 when absent or not a small number */
    eio_transport transport;
    bool has_sid;
    char sid[EIO_SID_MAX + 1];     /* percent-decoded; "" when absent */
} eio_query;

/* Parses a query string (the URL after '?', n bytes). IG_EINVAL for a malformed percent escape, a
 * repeated EIO, transport or sid parameter, or a sid that is empty, longer than EIO_SID_MAX or not
 * made of URL-safe base64 characters. */
ig_status eio_parse_query(const char *q, size_t n, eio_query *out, ig_err *err);

/* The error codes of Engine.IO's HTTP error responses. */
typedef enum eio_error {
    EIO_ERR_UNKNOWN_TRANSPORT = 0,
    EIO_ERR_UNKNOWN_SID = 1,
    EIO_ERR_BAD_HANDSHAKE_METHOD = 2,
    EIO_ERR_BAD_REQUEST = 3,
    EIO_ERR_FORBIDDEN = 4,
    EIO_ERR_UNSUPPORTED_PROTOCOL_VERSION = 5,
} eio_error;

/* The official message of an error code ("Session ID unknown", ...). */
const char *eio_error_message(eio_error e);
/* Appends the JSON body of an error response: {"code":N,"message":"..."}. */
ig_status eio_error_body(ig_buf *out, eio_error e);

#endif

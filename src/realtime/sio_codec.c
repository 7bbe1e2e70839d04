/* Socket.IO v5 packets: the header is read byte by byte with explicit bounds, the data by jansson
 * (duplicate keys refused), then checked against what the packet type allows. */
#include "realtime/sio_codec.h"

#include <stdlib.h>
#include <string.h>

#define ATTACH_DIGITS_MAX 6

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* True when v is shaped like a placeholder: {"_placeholder":true, ...}. */
static bool looks_placeholder(const json_t *v)
{
    return json_is_object(v) && json_is_true(json_object_get(v, "_placeholder"));
}

/* Every placeholder under v must be exactly {"_placeholder":true,"num":N}, N < nattach. */
static bool placeholders_ok(const json_t *v, size_t nattach)
{
    if (looks_placeholder(v)) {
        json_t *num = json_object_get(v, "num");
        return json_object_size(v) == 2 && json_is_integer(num) && json_integer_value(num) >= 0 &&
               (uint64_t)json_integer_value(num) < nattach;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            if (!placeholders_ok(e, nattach))
                return false;
        }
    } else if (json_is_object(v)) {
        const char *k;
        json_t *e;
        json_object_foreach((json_t *)v, k, e)
        {
            if (!placeholders_ok(e, nattach))
                return false;
        }
    }
    return true;
}

static bool data_ok(sio_type t, const json_t *d)
{
    switch (t) {
    case SIO_CONNECT: return d == NULL || json_is_object(d);
    case SIO_DISCONNECT: return d == NULL;
    case SIO_EVENT:
    case SIO_BINARY_EVENT: return json_is_array(d) && json_array_size(d) > 0 && json_is_string(json_array_get(d, 0));
    case SIO_ACK:
    case SIO_BINARY_ACK: return json_is_array(d);
    case SIO_CONNECT_ERROR: return json_is_object(d) || json_is_string(d);
    }
    return false;
}

static const char *type_name(sio_type t)
{
    static const char *const names[] = {"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT",
                                        "BINARY_ACK"};
    return names[t];
}

ig_status sio_decode(const char *p, size_t n, const sio_limits *lim, sio_packet *out, ig_err *err)
{
    memset(out, 0, sizeof *out);
    out->id = -1;
    out->nsp[0] = '/';
    if (n == 0)
        return status_errf(err, IG_EINVAL, "empty packet");
    if (p[0] < '0' || p[0] > '6')
        return status_errf(err, IG_EINVAL, "unknown packet type 0x%02x", (unsigned char)p[0]);
    sio_type type = (sio_type)(p[0] - '0');
    size_t i = 1;
    size_t nattach = 0;
    if (type == SIO_BINARY_EVENT || type == SIO_BINARY_ACK) {
        size_t start = i;
        while (i < n && is_digit(p[i]) && i - start < ATTACH_DIGITS_MAX)
            nattach = nattach * 10 + (size_t)(p[i++] - '0');
        if (i == start || i >= n || p[i] != '-')
            return status_errf(err, IG_EINVAL, "binary packet without a valid attachment count");
        i++;
        if (nattach == 0)
            return status_errf(err, IG_EINVAL, "binary packet with no attachment");
        if (nattach > lim->max_attachments)
            return status_errf(err, IG_ETOOBIG, "%zu attachments (at most %zu)", nattach, lim->max_attachments);
    }
    if (i < n && p[i] == '/') {
        size_t start = i;
        while (i < n && p[i] != ',') {
            unsigned char c = (unsigned char)p[i];
            if (c < 0x20 || c == 0x7f)
                return status_errf(err, IG_EINVAL, "control character in namespace");
            i++;
        }
        if (i - start > SIO_NSP_MAX)
            return status_errf(err, IG_EINVAL, "namespace longer than %d bytes", SIO_NSP_MAX);
        memcpy(out->nsp, p + start, i - start);
        out->nsp[i - start] = '\0';
        if (i < n)
            i++; /* the comma */
    }
    if (i < n && is_digit(p[i])) {
        int64_t id = 0;
        size_t start = i;
        while (i < n && is_digit(p[i])) {
            if (i - start >= 15)
                return status_errf(err, IG_EINVAL, "ack id longer than 15 digits");
            id = id * 10 + (p[i++] - '0');
        }
        out->id = id;
    }
    json_t *data = NULL;
    if (i < n) {
        json_error_t jerr;
        data = json_loadb(p + i, n - i, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
        if (data == NULL)
            return status_errf(err, IG_EINVAL, "bad JSON in %s packet: %s", type_name(type), jerr.text);
    }
    if (!data_ok(type, data)) {
        json_decref(data);
        return status_errf(err, IG_EINVAL, "%s packet with data of the wrong shape", type_name(type));
    }
    if (nattach > 0 && !placeholders_ok(data, nattach)) {
        json_decref(data);
        return status_errf(err, IG_EINVAL, "bad placeholder in %s packet", type_name(type));
    }
    if (nattach > 0 && (out->attach = calloc(nattach, sizeof *out->attach)) == NULL) {
        json_decref(data);
        return status_errf(err, IG_ENOMEM, "out of memory");
    }
    out->type = type;
    out->data = data;
    out->nattach = nattach;
    return IG_OK;
}

bool sio_packet_complete(const sio_packet *pkt)
{
    return pkt->nreceived == pkt->nattach;
}

ig_status sio_add_attachment(sio_packet *pkt, const void *data, size_t n, const sio_limits *lim, ig_err *err)
{
    if (pkt->nreceived >= pkt->nattach)
        return status_errf(err, IG_EINVAL, "unexpected binary attachment");
    if (n > lim->max_attachment_bytes || pkt->attach_bytes > lim->max_attachment_bytes - n)
        return status_errf(err, IG_ETOOBIG, "attachments larger than %zu bytes", lim->max_attachment_bytes);
    unsigned char *copy = malloc(n ? n : 1);
    if (copy == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");
    if (n)
        memcpy(copy, data, n);
    pkt->attach[pkt->nreceived++] = (sio_attachment){copy, n};
    pkt->attach_bytes += n;
    return IG_OK;
}

void sio_packet_clear(sio_packet *pkt)
{
    json_decref(pkt->data);
    for (size_t i = 0; i < pkt->nreceived && pkt->attach; i++)
        free(pkt->attach[i].p);
    free(pkt->attach);
    memset(pkt, 0, sizeof *pkt);
    pkt->id = -1;
    pkt->nsp[0] = '/';
}

bool sio_attachment_of(const sio_packet *pkt, const json_t *v, const unsigned char **p, size_t *n)
{
    if (pkt->nattach == 0 || !sio_packet_complete(pkt) || !looks_placeholder(v))
        return false;
    json_int_t num = json_integer_value(json_object_get(v, "num"));
    if (num < 0 || (uint64_t)num >= pkt->nattach)
        return false;
    *p = pkt->attach[num].p;
    *n = pkt->attach[num].n;
    return true;
}

const char *sio_event_name(const sio_packet *pkt)
{
    if (pkt->type != SIO_EVENT && pkt->type != SIO_BINARY_EVENT)
        return NULL;
    return json_string_value(json_array_get(pkt->data, 0));
}

ig_status sio_encode(ig_buf *out, sio_type type, const char *nsp, int64_t id, size_t nattach, const json_t *data)
{
    ig_status st = buf_appendf(out, "%d", (int)type);
    if (st == IG_OK && (type == SIO_BINARY_EVENT || type == SIO_BINARY_ACK))
        st = buf_appendf(out, "%zu-", nattach);
    if (st == IG_OK && nsp != NULL && strcmp(nsp, "/") != 0)
        st = buf_appendf(out, "%s,", nsp);
    if (st == IG_OK && id >= 0)
        st = buf_appendf(out, "%lld", (long long)id);
    if (st == IG_OK && data != NULL) {
        char *text = json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(10));
        if (text == NULL)
            return IG_ENOMEM;
        st = buf_append(out, text, strlen(text));
        free(text);
    }
    return st;
}

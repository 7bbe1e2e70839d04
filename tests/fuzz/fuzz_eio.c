/* libFuzzer target for realtime/eio_codec. The first byte picks what the rest is: a text packet, a
 * polling payload (whose packets are encoded again and must decode to the same packets), or a
 * query string. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "realtime/eio_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct collect {
    const char *in;
    size_t n;
    ig_buf again;  /* the packets re-encoded as a payload */
    size_t count;
} collect;

static ig_status on_pkt(void *arg, const eio_packet *p)
{
    collect *c = arg;
    if (p->type > EIO_NOOP || (p->binary && p->type != EIO_MESSAGE))
        __builtin_trap();
    /* a text packet's data lies inside the input; a binary one is shorter than its base64 */
    if (!p->binary && (p->data.p < c->in || p->data.p + p->data.n > c->in + c->n))
        __builtin_trap();
    if (p->binary && p->data.n > c->n)
        __builtin_trap();
    c->count++;
    return eio_payload_append(&c->again, p->type, p->binary, p->data.p, p->data.n) == IG_OK ? IG_OK : IG_ENOMEM;
}

static ig_status count_only(void *arg, const eio_packet *p)
{
    (void)p;
    (*(size_t *)arg)++;
    return IG_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int mode = data[0] % 3;
    const char *in = (const char *)data + 1;
    size_t n = size - 1;
    if (mode == 0) {
        eio_packet p;
        if (eio_decode_text(in, n, &p, NULL) == IG_OK && (p.data.n != n - 1 || p.type > EIO_NOOP))
            __builtin_trap();
    } else if (mode == 1) {
        collect c = {in, n, {0}, 0};
        buf_init(&c.again, 1 << 24);
        if (eio_decode_payload(in, n, 64, on_pkt, &c, NULL) == IG_OK) {
            size_t count = 0;
            if (eio_decode_payload(c.again.p, c.again.len, 64, count_only, &count, NULL) != IG_OK ||
                count != c.count)
                __builtin_trap();
        }
        buf_free(&c.again);
    } else {
        eio_query q;
        if (eio_parse_query(in, n, &q, NULL) == IG_OK && q.has_sid &&
            (strlen(q.sid) == 0 || strlen(q.sid) > EIO_SID_MAX))
            __builtin_trap();
    }
    return 0;
}

/* libFuzzer target for realtime/sio_codec: the input up to the first 0x00 byte is one packet; the
 * rest, split at further 0x00 bytes, are its binary attachments. A packet that decodes is encoded
 * again and must decode to the same packet. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "realtime/sio_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const sio_limits LIM = {4, 4096};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    const char *nul = memchr(in, 0, size);
    size_t n = nul ? (size_t)(nul - in) : size;
    sio_packet p;
    if (sio_decode(in, n, &LIM, &p, NULL) != IG_OK)
        return 0;
    if (p.nattach > LIM.max_attachments || (p.id < -1) || p.id > SIO_ACK_ID_MAX)
        __builtin_trap();
    const char *rest = nul ? nul + 1 : NULL;
    size_t left = nul ? size - n - 1 : 0;
    while (rest != NULL && !sio_packet_complete(&p)) {
        const char *end = memchr(rest, 0, left);
        size_t k = end ? (size_t)(end - rest) : left;
        if (sio_add_attachment(&p, rest, k, &LIM, NULL) != IG_OK)
            break;
        if (p.attach_bytes > LIM.max_attachment_bytes)
            __builtin_trap();
        rest = end ? end + 1 : NULL;
        left = end ? left - k - 1 : 0;
    }
    ig_buf b;
    buf_init(&b, 1 << 24);
    if (sio_encode(&b, p.type, p.nsp, p.id, p.nattach, p.data) == IG_OK) {
        sio_packet q;
        if (sio_decode(b.p, b.len, &LIM, &q, NULL) != IG_OK)
            __builtin_trap();
        if (q.type != p.type || q.id != p.id || strcmp(q.nsp, p.nsp) != 0 || q.nattach != p.nattach ||
            !(q.data == p.data || json_equal(q.data, p.data)))
            __builtin_trap();
        sio_packet_clear(&q);
    }
    buf_free(&b);
    sio_packet_clear(&p);
    return 0;
}

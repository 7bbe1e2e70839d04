/* libFuzzer target for realtime/adapter's message codec: the input is one message as read from the
 * Redis channel, of either kind. A message that decodes must point inside the input, and encoding
 * its parts again must give back the input byte for byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "realtime/adapter.h"
#include "realtime/rooms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    adapter_msg m;
    if (adapter_decode(in, size, &m, NULL) != IG_OK)
        return 0;
    ig_buf b;
    buf_init(&b, size + 1);
    if (m.kind == ADAPTER_REVOKE) {
        if (m.revoke.user_id <= 0 || m.room != NULL || (const uint8_t *)m.origin != data + ADAPTER_MAGIC_LEN ||
            adapter_encode_revoke(&b, m.origin, &m.revoke, NULL) != IG_OK || b.len != size ||
            memcmp(b.p, data, size) != 0)
            __builtin_trap();
        buf_free(&b);
        return 0;
    }
    if (m.room_len == 0 || m.room_len > ROOMS_NAME_MAX || m.pkt_len < 3 || m.pkt_len > ADAPTER_PACKET_MAX ||
        m.room < in || m.pkt + m.pkt_len != in + size || (const uint8_t *)m.origin < data ||
        memchr(m.room, '\0', m.room_len) != NULL)
        __builtin_trap();
    if (adapter_encode(&b, m.origin, m.room, m.room_len, m.pkt, m.pkt_len, NULL) != IG_OK || b.len != size ||
        memcmp(b.p, data, size) != 0)
        __builtin_trap();
    buf_free(&b);
    return 0;
}

/* Engine.IO v4 packets and polling payloads. Base64 goes through libsodium, UTF-8 checks through
 * core/utf8. */
#include "realtime/eio_codec.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/utf8.h"

static bool utf8_valid(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    for (size_t i = 0; i < n;) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_decode(s + i, n - i, NULL);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

ig_status eio_decode_text(const char *p, size_t n, eio_packet *out, ig_err *err)
{
    memset(out, 0, sizeof *out);
    if (n == 0)
        return status_errf(err, IG_EINVAL, "empty packet");
    if (p[0] < '0' || p[0] > '6')
        return status_errf(err, IG_EINVAL, "unknown packet type 0x%02x", (unsigned char)p[0]);
    if (!utf8_valid(p + 1, n - 1))
        return status_errf(err, IG_EINVAL, "packet is not valid UTF-8");
    out->type = (eio_type)(p[0] - '0');
    out->data = str_make(p + 1, n - 1);
    return IG_OK;
}

/* One record of a payload: text, or 'b' + base64. */
static ig_status decode_record(const char *p, size_t n, eio_packet_fn fn, void *arg, ig_err *err)
{
    eio_packet pkt;
    if (n == 0)
        return status_errf(err, IG_EINVAL, "empty record in payload");
    if (p[0] != 'b') {
        ig_status st = eio_decode_text(p, n, &pkt, err);
        return st == IG_OK ? fn(arg, &pkt) : st;
    }
    size_t b64 = n - 1;
    if (b64 % 4 != 0)
        return status_errf(err, IG_EINVAL, "binary record is not padded base64");
    size_t cap = b64 / 4 * 3;
    unsigned char *bin = malloc(cap ? cap : 1);
    if (bin == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory decoding a binary record");
    size_t len = 0;
    const char *end = NULL;
    ig_status st = IG_OK;
    if (sodium_base642bin(bin, cap, p + 1, b64, NULL, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != p + n) {
        st = status_errf(err, IG_EINVAL, "binary record is not valid base64");
    } else {
        pkt = (eio_packet){EIO_MESSAGE, true, str_make((const char *)bin, len)};
        st = fn(arg, &pkt);
    }
    free(bin);
    return st;
}

ig_status eio_decode_payload(const char *p, size_t n, size_t max_packets, eio_packet_fn fn, void *arg,
                             ig_err *err)
{
    if (n == 0)
        return status_errf(err, IG_EINVAL, "empty payload");
    size_t count = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && p[i] != EIO_SEPARATOR)
            continue;
        if (++count > max_packets)
            return status_errf(err, IG_ETOOBIG, "more than %zu packets in one payload", max_packets);
        ig_status st = decode_record(p + start, i - start, fn, arg, err);
        if (st != IG_OK)
            return st;
        start = i + 1;
    }
    return IG_OK;
}

ig_status eio_encode(ig_buf *out, eio_type type, const char *data, size_t n)
{
    char t = (char)('0' + (int)type);
    ig_status st = buf_append(out, &t, 1);
    if (st == IG_OK && n > 0)
        st = buf_append(out, data, n);
    return st;
}

ig_status eio_payload_append(ig_buf *out, eio_type type, bool binary, const char *data, size_t n)
{
    ig_status st = IG_OK;
    if (out->len > 0) {
        char sep = EIO_SEPARATOR;
        st = buf_append(out, &sep, 1);
    }
    if (st != IG_OK)
        return st;
    if (!binary)
        return eio_encode(out, type, data, n);
    size_t enc = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *b = malloc(enc);
    if (b == NULL)
        return IG_ENOMEM;
    sodium_bin2base64(b, enc, (const unsigned char *)data, n, sodium_base64_VARIANT_ORIGINAL);
    st = buf_append(out, "b", 1);
    if (st == IG_OK)
        st = buf_append(out, b, enc - 1);
    free(b);
    return st;
}

ig_status eio_open_packet(ig_buf *out, const char *sid, bool can_upgrade, uint64_t ping_interval_ms,
                          uint64_t ping_timeout_ms, uint64_t max_payload)
{
    /* the sid is URL-safe base64 of our own making: nothing in it needs JSON escaping */
    return buf_appendf(out,
                       "0{\"sid\":\"%s\",\"upgrades\":[%s],\"pingInterval\":%llu,\"pingTimeout\":%llu,"
                       "\"maxPayload\":%llu}",
                       sid, can_upgrade ? "\"websocket\"" : "", (unsigned long long)ping_interval_ms,
                       (unsigned long long)ping_timeout_ms, (unsigned long long)max_payload);
}

/* ---- query string ---- */

/* Percent-decodes s into out (cap bytes, NUL-terminated); false on a bad escape or overflow. */
static bool pct_decode(ig_str s, char *out, size_t cap, size_t *len)
{
    size_t k = 0;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (c == '%') {
            if (i + 2 >= s.n)
                return false;
            int hi = str_hexval(s.p[i + 1]), lo = str_hexval(s.p[i + 2]);
            if (hi < 0 || lo < 0)
                return false;
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (k + 1 >= cap)
            return false;
        out[k++] = c;
    }
    out[k] = '\0';
    *len = k;
    return true;
}

static bool sid_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

ig_status eio_parse_query(const char *q, size_t n, eio_query *out, ig_err *err)
{
    memset(out, 0, sizeof *out);
    bool seen_eio = false, seen_transport = false;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && q[i] != '&')
            continue;
        ig_str pair = str_make(q + start, i - start);
        start = i + 1;
        if (pair.n == 0)
            continue;
        const char *eq = memchr(pair.p, '=', pair.n);
        ig_str key = eq ? str_make(pair.p, (size_t)(eq - pair.p)) : pair;
        ig_str raw = eq ? str_make(eq + 1, pair.n - key.n - 1) : STR_LIT("");
        char val[EIO_SID_MAX + 2];
        size_t vlen = 0;
        if (str_eq(key, STR_LIT("EIO"))) {
            if (seen_eio)
                return status_errf(err, IG_EINVAL, "repeated EIO parameter");
            seen_eio = true;
            unsigned long long v = 0;
            if (pct_decode(raw, val, sizeof val, &vlen) && vlen <= 3 && str_to_u64(str_make(val, vlen), &v))
                out->eio = (int)v;
        } else if (str_eq(key, STR_LIT("transport"))) {
            if (seen_transport)
                return status_errf(err, IG_EINVAL, "repeated transport parameter");
            seen_transport = true;
            out->transport = EIO_TRANSPORT_OTHER;
            if (pct_decode(raw, val, sizeof val, &vlen)) {
                if (str_eq(str_make(val, vlen), STR_LIT("polling")))
                    out->transport = EIO_TRANSPORT_POLLING;
                else if (str_eq(str_make(val, vlen), STR_LIT("websocket")))
                    out->transport = EIO_TRANSPORT_WEBSOCKET;
            }
        } else if (str_eq(key, STR_LIT("sid"))) {
            if (out->has_sid)
                return status_errf(err, IG_EINVAL, "repeated sid parameter");
            if (!pct_decode(raw, val, sizeof val, &vlen) || vlen == 0 || vlen > EIO_SID_MAX)
                return status_errf(err, IG_EINVAL, "bad sid parameter");
            for (size_t k = 0; k < vlen; k++)
                if (!sid_char(val[k]))
                    return status_errf(err, IG_EINVAL, "bad character in sid");
            memcpy(out->sid, val, vlen + 1);
            out->has_sid = true;
        }
    }
    return IG_OK;
}

const char *eio_error_message(eio_error e)
{
    switch (e) {
    case EIO_ERR_UNKNOWN_TRANSPORT: return "Transport unknown";
    case EIO_ERR_UNKNOWN_SID: return "Session ID unknown";
    case EIO_ERR_BAD_HANDSHAKE_METHOD: return "Bad handshake method";
    case EIO_ERR_BAD_REQUEST: return "Bad request";
    case EIO_ERR_FORBIDDEN: return "Forbidden";
    case EIO_ERR_UNSUPPORTED_PROTOCOL_VERSION: return "Unsupported protocol version";
    }
    return "Bad request";
}

ig_status eio_error_body(ig_buf *out, eio_error e)
{
    return buf_appendf(out, "{\"code\":%d,\"message\":\"%s\"}", (int)e, eio_error_message(e));
}

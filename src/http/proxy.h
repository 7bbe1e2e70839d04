/* Trusted proxies (TRUSTED_PROXIES): which peers may say who the client is, and the client address
 * a request's X-Forwarded-For gives when such a peer sent it. Each proxy appends the address it
 * received the request from, so the list is read from the right: entries written by trusted proxies
 * are believed, and the first address that is not itself a trusted proxy is the client. Whatever a
 * client writes into the header sits to the left of that and is never reached. */
#ifndef IG_HTTP_PROXY_H
#define IG_HTTP_PROXY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"
#include "core/str.h"

#define PROXY_LIST_MAX 64   /* networks in TRUSTED_PROXIES */
#define PROXY_HOPS_MAX 32   /* X-Forwarded-For entries walked at most, from the right */
#define PROXY_ENTRY_MAX 64  /* bytes of one entry; a longer one is garbage */
#define PROXY_ADDR_MAX 46   /* room for any address proxy_forwarded_for writes, NUL included */

/* One network. IPv4 is kept apart from IPv6: an IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a
 * dual-stack socket reports for an IPv4 peer) is read as the IPv4 address it maps. */
typedef struct proxy_net {
    unsigned char addr[16]; /* network bits only; IPv4 in the first 4 bytes */
    bool v4;
    unsigned prefix;        /* 0..32 for IPv4, 0..128 for IPv6 */
} proxy_net;

/* Plain data: copy it, no cleanup. An empty list trusts nobody. */
typedef struct proxy_list {
    proxy_net nets[PROXY_LIST_MAX];
    size_t n;
} proxy_list;

/* Parses TRUSTED_PROXIES: comma-separated IPv4 or IPv6 addresses, each optionally with a /prefix
 * (CIDR), blanks around items allowed, empty items skipped; "" is the empty list. Host bits under
 * a prefix are ignored (10.1.2.3/8 is 10.0.0.0/8). s need not be NUL-terminated and may hold any
 * bytes. IG_EINVAL naming the bad item, or when there are more than PROXY_LIST_MAX. */
ig_status proxy_list_parse(const char *s, size_t len, proxy_list *out, ig_err *err);

/* Whether the address ip (len bytes, textual, any bytes) lies in one of l's networks. False for
 * anything that is not a single IPv4 or IPv6 address. */
bool proxy_list_has(const proxy_list *l, const char *ip, size_t len);

/* The client address that the X-Forwarded-For header lines values[0..n) (in the order received,
 * each any bytes) give for a request from a trusted peer: walking from the right end of the last
 * line, entries that are trusted proxies are passed over, empty entries skipped, and the first
 * address that is not trusted is the client. An entry is an address, optionally with a port
 * ("1.2.3.4:80", "[2001:db8::1]:80"). The walk stops at a malformed entry, at one over
 * PROXY_ENTRY_MAX bytes or after PROXY_HOPS_MAX entries: then the last trusted address read stands
 * (when every entry read was trusted, the leftmost of them). True with out (canonical text:
 * 192.0.2.1, 2001:db8::1) set when the header gave an address; false, out untouched, when it gave
 * none and the peer is the client. */
bool proxy_forwarded_for(const proxy_list *l, const ig_str *values, size_t n, char out[PROXY_ADDR_MAX]);

#endif

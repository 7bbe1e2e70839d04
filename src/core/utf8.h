/* UTF-8 for untrusted text: strict decoding (no overlong forms, surrogates or code points past
 * U+10FFFF), counting, and lossy JSON strings for text that must be shown even when damaged. */
#ifndef IG_CORE_UTF8_H
#define IG_CORE_UTF8_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Length (1..4) of the well-formed sequence at s (n bytes available, n >= 1), its code point in
 * *cp (may be NULL); 0 when malformed. */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* Code points in n bytes of text (continuation bytes are not counted). */
size_t utf8_count(const char *s, size_t n);
/* A JSON string of n bytes at s, each malformed byte replaced by U+FFFD. New reference; NULL when
 * out of memory. */
json_t *utf8_json_lossy(const char *s, size_t n);

#endif

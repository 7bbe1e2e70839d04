/* Strings as pointer + length (h2o's iovec style): untrusted bytes are never assumed NUL-terminated. */
#ifndef IG_CORE_STR_H
#define IG_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct ig_str {
    const char *p;
    size_t n;
} ig_str;

#define STR_LIT(s) ((ig_str){(s), sizeof(s) - 1})
#define STR_NULL ((ig_str){NULL, 0})

static inline ig_str str_make(const char *p, size_t n) { return (ig_str){p, n}; }
static inline ig_str str_cstr(const char *s) { return (ig_str){s, s ? strlen(s) : 0}; }

/* Exact byte equality. */
bool str_eq(ig_str a, ig_str b);
/* ASCII case-insensitive equality (header names, tokens). */
bool str_caseeq(ig_str a, ig_str b);
/* Trims ASCII spaces and tabs on both ends. */
ig_str str_trim(ig_str s);
/* Parses a non-negative decimal that fits in *out (no sign, no spaces); false otherwise. */
bool str_to_u64(ig_str s, unsigned long long *out);
/* The value of hex digit c (either case), -1 when c is not one (percent-decoding). */
int str_hexval(char c);
/* True when s contains token t (case-insensitive) in a comma-separated header list. */
bool str_list_has(ig_str s, ig_str t);

#endif

/* Contact details in resume text: e-mail addresses, phone numbers (with E.164 when the country is
 * clear), URLs and what kind of link each is. Pure functions on ptr+len UTF-8 text (no NUL
 * needed), safe from any thread. Spans point into the caller's text. */
#ifndef IG_PARSE_CONTACT_H
#define IG_PARSE_CONTACT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"

/* First e-mail address in s: local@domain.tld (local part of letters, digits and ._%+-, a domain
 * of at least two labels ending in a letters-only TLD), the span as printed ("mailto:" and
 * surrounding punctuation excluded). */
bool contact_find_email(const char *s, size_t n, ig_str *out);

/* First phone number in s, the span as printed: digit groups separated by one space, '-' or '.',
 * an optional leading '+' country code, one parenthesised group ("(+86) 131-221-87xxx",
 * "+1 (415) 555-0142", "157-2704-3901", "(123) 456-7890", "+1-123-456-7890", "13812345678").
 * 7 to 15 digits; without a '+', one group alone must be 10, 11 or 13 ("86...") digits and later
 * groups have two or more; trailing placeholder x/X (templates) count when at least 7 real digits
 * precede them. Refused: dates ("2015 - 2019", "2019.07-2021.03", "07-15-2019": a group that is a year
 * without a '+'), ZIP+4 codes, decimals, IP addresses, thousands ("1 000 000"), and numbers glued
 * to letters, '@', '/' or '%'.
 * e164 (NUL-terminated) gets the number when the country is clear, else "":
 *  - a '+' (or "00") country code: '+' and every digit as printed ("+86 131..." -> "+86131..."),
 *    except a +86 mobile (1...) without its 11 digits;
 *  - an 11-digit Chinese mobile 1[3-9]xxxxxxxxx, alone or after "86": "+86...";
 *  - a NANP number printed as 3-3-4 groups ("(415) 555-0142", "415-555-0142") or 1-3-3-4
 *    ("1-415-555-0142") whose area code and exchange start with 2-9: "+1...". Template numbers
 *    such as "(123) 456-7890" fail that check and get "";
 *  - placeholders ("87xxx") always give "". */
bool contact_find_phone(const char *s, size_t n, ig_str *out, char e164[static 20]);

typedef enum contact_link_kind {
    CONTACT_LINK_GITHUB,   /* a GitHub profile: github.com/<user> (one path segment) */
    CONTACT_LINK_LINKEDIN, /* linkedin.com/in/<x> or /pub/<x>, any linkedin subdomain */
    CONTACT_LINK_WEBSITE,  /* a personal site: an own domain, *.github.io and other page hosts, blogs */
    CONTACT_LINK_OTHER,    /* repositories (github.com/<user>/<repo>, gitlab, gitee...), social
                            * networks, stores, documents, short links, other LinkedIn pages */
} contact_link_kind;

/* The kind of a URL as printed or normalised (scheme optional). */
contact_link_kind contact_link_classify(const char *url, size_t n);

/* Calls fn for every URL printed in s, in order: with an http/https scheme, or bare like
 * "github.com/x", "www.yuanbin.me", "linkedin.com/in/x", "sourabhbajaj.com" (a bare host needs
 * "www." or a known lower-case TLD, so "Node.js" and "ASP.NET" are not links). Never e-mail
 * addresses or mailto:/tel:. fn gets the span as printed minus trailing punctuation (and an
 * unbalanced closing bracket). */
void contact_each_link(const char *s, size_t n, void (*fn)(const char *p, size_t len, void *arg), void *arg);

/* Normalises a URL into out (cap bytes, NUL-terminated): trims blanks, adds "https://" when there is
 * no scheme, lower-cases the scheme and host, drops trailing '/'. False for "mailto:", "tel:",
 * "sms:", "javascript:", "data:", an empty host, blanks or control bytes inside, or when out is too
 * small. */
bool contact_link_normalise(const char *url, size_t n, char *out, size_t cap);

#endif

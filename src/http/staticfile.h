/* Static files: what a request path may name under a web root (percent-decoded, no "..", no
 * dotfiles, no backslashes or control bytes: nothing that could climb out of the root or reach a
 * hidden file), the Content-Type a name is served with, and HTTP validators (ETag, Last-Modified,
 * If-None-Match, If-Modified-Since) for 304 answers. Pure functions over explicit lengths; opening
 * the file is the caller's business. */
#ifndef IG_HTTP_STATICFILE_H
#define IG_HTTP_STATICFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

/* The longest relative path staticfile_map writes, and the longest segment it accepts. */
#define STATICFILE_PATH_MAX 1024
#define STATICFILE_SEGMENT_MAX 255
/* Room for an ETag and for an HTTP date, NUL included. */
#define STATICFILE_ETAG_MAX 48
#define STATICFILE_DATE_MAX 32

/* Maps a request path (the raw bytes before '?', starting with '/') to a path relative to the web
 * root in out (cap bytes, NUL-terminated): percent escapes decoded; a path ending in '/' names the
 * directory's index.html ("/" is "index.html"). False, and out unusable, for a path that could
 * reach outside the root or a hidden file: a segment that is empty (other than the last), starts
 * with '.' (".", "..", ".env"), or holds '\\', a NUL or another control byte, after decoding; an
 * encoded '/' ("%2F"); a malformed escape; a segment over STATICFILE_SEGMENT_MAX bytes or a result
 * that does not fit. */
bool staticfile_map(ig_str path, char *out, size_t cap);

/* Whether the last segment of a relative path has an extension ("js/app.js" yes, "resumes/12"
 * no): paths without one may be client-side routes. */
bool staticfile_has_extension(const char *rel);

/* The Content-Type for a file name, by its extension (case-insensitive); text types carry
 * charset=utf-8. A static string; "application/octet-stream" for unknown extensions. */
const char *staticfile_type(const char *name);

/* A strong ETag ("\"<size hex>-<mtime ns hex>\"") for a file of size bytes modified at
 * mtime_s + mtime_ns, into out (cap >= STATICFILE_ETAG_MAX). */
void staticfile_etag(uint64_t size, int64_t mtime_s, long mtime_ns, char *out, size_t cap);

/* Whether an If-None-Match value (a list of entity tags, or "*") matches etag, by the weak
 * comparison RFC 9110 prescribes for it (a W/ prefix on either side is ignored). False for an
 * absent (STR_NULL) or malformed value. */
bool staticfile_etag_match(ig_str if_none_match, const char *etag);

/* t (unix seconds) as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), locale-independent, into
 * out (cap >= STATICFILE_DATE_MAX). */
void staticfile_http_date(int64_t t, char *out, size_t cap);

/* Parses an HTTP date in any of RFC 9110's three forms (IMF-fixdate, RFC 850, asctime) into unix
 * seconds. False for anything else. */
bool staticfile_parse_http_date(ig_str s, int64_t *out);

/* Whether a GET or HEAD with these validators (STR_NULL when absent) may be answered 304 for a file
 * with etag and mtime (unix seconds): If-None-Match decides when present; otherwise
 * If-Modified-Since, when it parses, is not older than mtime. */
bool staticfile_not_modified(ig_str if_none_match, ig_str if_modified_since, const char *etag, int64_t mtime);

#endif

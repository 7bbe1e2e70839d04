/* The one status-code set of the project. Every fallible function returns an ig_status (or NULL)
 * and, on failure, writes a human-readable reason into the caller's ig_err. */
#ifndef IG_CORE_STATUS_H
#define IG_CORE_STATUS_H

#include <stddef.h>

typedef enum ig_status {
    IG_OK = 0,
    IG_AGAIN = 1,        /* not finished: the caller will be called back (nginx's NGX_AGAIN) */
    IG_EINVAL = -1,      /* bad input: validation failed */
    IG_ENOMEM = -2,      /* allocation failed */
    IG_ENOTFOUND = -3,   /* no such thing, or not the caller's */
    IG_ECONFLICT = -4,   /* already exists / concurrent change */
    IG_EAUTH = -5,       /* authentication failed: bad credentials or token */
    IG_ETOOBIG = -6,     /* a cap was exceeded */
    IG_EIO = -7,         /* I/O or database failure */
    IG_ESTATE = -8,      /* the thing is in the wrong state for the operation */
    IG_ERATE = -9,       /* rate limited */
    IG_EFORBIDDEN = -10, /* authenticated but not allowed */
    IG_EINTERNAL = -11,  /* a bug or an unexpected library failure */
    IG_EUNAVAIL = -12,   /* a dependency (Redis, the database server) is unavailable: retry later */
} ig_status;

/* Error context: the message that goes with a non-OK status. Caller-owned, usually on the stack. */
typedef struct ig_err {
    ig_status status;
    char msg[256];
} ig_err;

/* Records status and a printf-style message in err (err may be NULL); returns status. */
ig_status status_errf(ig_err *err, ig_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Short stable name of a status, e.g. "EINVAL". */
const char *status_name(ig_status s);

/* The HTTP status code a status maps to in the API envelope. */
int status_http(ig_status s);

#endif

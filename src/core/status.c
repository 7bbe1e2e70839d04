/* Status names, HTTP mapping and the error-context writer. */
#include "core/status.h"

#include <stdarg.h>
#include <stdio.h>

ig_status status_errf(ig_err *err, ig_status status, const char *fmt, ...)
{
    if (err == NULL)
        return status;
    err->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return status;
}

const char *status_name(ig_status s)
{
    switch (s) {
    case IG_OK: return "OK";
    case IG_AGAIN: return "AGAIN";
    case IG_EINVAL: return "EINVAL";
    case IG_ENOMEM: return "ENOMEM";
    case IG_ENOTFOUND: return "ENOTFOUND";
    case IG_ECONFLICT: return "ECONFLICT";
    case IG_EAUTH: return "EAUTH";
    case IG_ETOOBIG: return "ETOOBIG";
    case IG_EIO: return "EIO";
    case IG_ESTATE: return "ESTATE";
    case IG_ERATE: return "ERATE";
    case IG_EFORBIDDEN: return "EFORBIDDEN";
    case IG_EINTERNAL: return "EINTERNAL";
    case IG_EUNAVAIL: return "EUNAVAIL";
    }
    return "UNKNOWN";
}

int status_http(ig_status s)
{
    switch (s) {
    case IG_OK: return 200;
    case IG_AGAIN: return 202;
    case IG_EINVAL: return 400;
    case IG_EAUTH: return 401;
    case IG_EFORBIDDEN: return 403;
    case IG_ENOTFOUND: return 404;
    case IG_ECONFLICT: return 409;
    case IG_ETOOBIG: return 413;
    case IG_ESTATE: return 422;
    case IG_ERATE: return 429;
    case IG_ENOMEM:
    case IG_EIO:
    case IG_EINTERNAL: return 500;
    case IG_EUNAVAIL: return 503;
    }
    return 500;
}

/* The web UI: files under WEB_ROOT for GET and HEAD requests that no API route matches, streamed
 * like resume downloads, with ETag / Last-Modified validators (304) and Cache-Control. Paths
 * without an extension that name no file are client-side routes: they get index.html. Nothing
 * outside the root is reachable: staticfile_map refuses "..", dotfiles and odd bytes, and the
 * resolved path (symlinks followed) must still lie under the resolved root. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "http/staticfile.h"

/* The files keep their names when edited (no hashes in them), so every use revalidates: a 304
 * costs a round trip and no body. */
#define CACHE_CONTROL "no-cache"
/* Pages may run only our own scripts and styles, talk only to this server (the API, Socket.IO),
 * and play the question audio the page fetched (blob:). */
#define PAGE_CSP                                                                                          \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "                \
    "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; " \
    "frame-ancestors 'none'"

typedef enum lookup {
    FOUND,
    MISSING,
    DIRECTORY,
} lookup;

/* Opens rel under root (both resolved: root has no symlinks left) when it resolves to a regular
 * file inside root. */
static lookup open_under(const char *root, const char *rel, int *fd, struct stat *st)
{
    char path[PATH_MAX], real[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", root, rel) >= sizeof path || realpath(path, real) == NULL)
        return MISSING;
    size_t rn = strlen(root);
    if (strncmp(real, root, rn) != 0 || (real[rn] != '/' && real[rn] != '\0'))
        return MISSING; /* a symlink that leads out of the root */
    /* O_NONBLOCK: a FIFO left in the root must not hang a worker thread in open() */
    *fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (*fd < 0)
        return MISSING;
    if (fstat(*fd, st) != 0 || !(S_ISREG(st->st_mode) || S_ISDIR(st->st_mode))) {
        close(*fd);
        return MISSING;
    }
    if (S_ISDIR(st->st_mode)) {
        close(*fd);
        return DIRECTORY;
    }
    return FOUND;
}

static void h_web(api_call *c)
{
    char rel[STATICFILE_PATH_MAX + sizeof "/index.html"], root[PATH_MAX];
    if (!staticfile_map(c->req->path, rel, STATICFILE_PATH_MAX) || realpath(c->app->cfg->web_root, root) == NULL) {
        api_fail(c, 404, MSG_NOT_FOUND, NULL);
        return;
    }
    /* "/resumes/12" or "/history/": a client-side route when no file has that name */
    bool route_like = c->req->path.p[c->req->path.n - 1] == '/' || !staticfile_has_extension(rel);
    int fd = -1;
    struct stat st;
    lookup l = open_under(root, rel, &fd, &st);
    if (l == DIRECTORY) {
        strcat(rel, "/index.html");
        l = open_under(root, rel, &fd, &st);
    }
    if (l != FOUND && route_like) {
        strcpy(rel, "index.html");
        l = open_under(root, rel, &fd, &st);
    }
    if (l != FOUND) {
        api_fail(c, 404, MSG_NOT_FOUND, NULL);
        return;
    }
    char etag[STATICFILE_ETAG_MAX], modified[STATICFILE_DATE_MAX];
    staticfile_etag((uint64_t)st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec, etag, sizeof etag);
    staticfile_http_date(st.st_mtim.tv_sec, modified, sizeof modified);
    api_header(c, "ETag", etag);
    api_header(c, "Last-Modified", modified);
    api_header(c, "Cache-Control", CACHE_CONTROL);
    api_header(c, "X-Content-Type-Options", "nosniff");
    const char *type = staticfile_type(rel);
    if (strncmp(type, "text/html", 9) == 0) {
        api_header(c, "Content-Security-Policy", PAGE_CSP);
        api_header(c, "X-Frame-Options", "DENY");
        api_header(c, "Referrer-Policy", "same-origin");
    }
    c->status = 200;
    if (staticfile_not_modified(http_request_header(c->req, STR_LIT("If-None-Match")),
                                http_request_header(c->req, STR_LIT("If-Modified-Since")), etag, st.st_mtim.tv_sec)) {
        close(fd);
        c->status = 304;
        return;
    }
    api_send_file(c, fd, (uint64_t)st.st_size);
    c->raw_type = type;
}

static const api_route R_WEB = {API_RAW | API_NO_LIMIT, h_web};

const router_route api_web_route = {"GET", "static", &R_WEB};

bool api_web_wants(const api_call *c)
{
    const http_request *req = c->req;
    if (c->app->cfg->web_root[0] == '\0' || req->path.n == 0)
        return false;
    if (!str_eq(req->method_name, STR_LIT("GET")) && !str_eq(req->method_name, STR_LIT("HEAD")))
        return false;
    bool api = req->path.n >= 4 && memcmp(req->path.p, "/api", 4) == 0 && (req->path.n == 4 || req->path.p[4] == '/');
    return !api;
}

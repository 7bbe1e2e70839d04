/* Small filesystem helpers shared by the services that keep per-user folders of files. */
#include "core/fsdir.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

ig_status fsdir_remove_flat(const char *dir, ig_err *err)
{
    char path[PATH_MAX];
    ig_status rc = IG_OK;
    DIR *d = opendir(dir);
    if (d == NULL)
        return errno == ENOENT ? IG_OK : status_errf(err, IG_EIO, "cannot open %s: %s", dir, strerror(errno));
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        int n = snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (rc == IG_OK && (n < 0 || (size_t)n >= sizeof path || (unlink(path) != 0 && errno != ENOENT)))
            rc = status_errf(err, IG_EIO, "cannot remove %s: %s", path, strerror(errno));
    }
    closedir(d);
    if (rc == IG_OK && rmdir(dir) != 0 && errno != ENOENT)
        rc = status_errf(err, IG_EIO, "cannot remove %s: %s", dir, strerror(errno));
    return rc;
}

/* Lookup in the table of data/ files compiled into the binary (see core/datafiles.h). */
#include "core/datafiles.h"

#include <string.h>

bool datafiles_get(const char *name, ig_str *out)
{
    for (const datafile *f = datafiles; f->name != NULL; f++) {
        if (strcmp(f->name, name) == 0) {
            out->p = f->start;
            out->n = (size_t)(f->end - f->start) - 1;
            return true;
        }
    }
    return false;
}

int datafiles_each(const char *prefix, int (*fn)(const char *name, ig_str bytes, void *arg), void *arg)
{
    size_t plen = strlen(prefix);
    for (const datafile *f = datafiles; f->name != NULL; f++) {
        if (strncmp(f->name, prefix, plen) != 0)
            continue;
        ig_str s = {f->start, (size_t)(f->end - f->start) - 1};
        int rc = fn(f->name, s, arg);
        if (rc != 0)
            return rc;
    }
    return 0;
}

bool datafiles_next_line(ig_str *rest, ig_str *line, size_t *lineno)
{
    while (rest->n > 0) {
        const char *nl = memchr(rest->p, '\n', rest->n);
        size_t len = nl != NULL ? (size_t)(nl - rest->p) : rest->n;
        ig_str l = str_make(rest->p, len);
        rest->p += len + (nl != NULL);
        rest->n -= len + (nl != NULL);
        (*lineno)++;
        if (len > 0 && l.p[len - 1] == '\r')
            l.n--;
        if (l.n == 0 || l.p[0] == '#')
            continue;
        *line = l;
        return true;
    }
    return false;
}

/* The files shipped under data/ (skills taxonomy, question bank, lexicons, prompts), compiled into
 * the binary by scripts/embed-data.sh. Read-only, process lifetime; nothing to free. */
#ifndef IG_CORE_DATAFILES_H
#define IG_CORE_DATAFILES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"

typedef struct datafile {
    const char *name;  /* path under data/, e.g. "skills.tsv" */
    const char *start; /* the bytes, followed by one NUL */
    const char *end;   /* one past the NUL */
} datafile;

/* Generated table, ended by an entry whose name is NULL. */
extern const datafile datafiles[];

/* The file data/<name> as ptr+len (len excludes the trailing NUL, which is there). Returns false
 * when no such file was compiled in. */
bool datafiles_get(const char *name, ig_str *out);

/* Calls fn for every file whose name starts with prefix ("questions/"), in name order; stops and
 * returns fn's value when it is not 0. */
int datafiles_each(const char *prefix, int (*fn)(const char *name, ig_str bytes, void *arg), void *arg);

/* Walks the lines of a data file: moves *rest past the next line that is neither blank nor a '#'
 * comment and puts it in *line (without its newline); *lineno counts every line passed, for error
 * messages. False at the end. */
bool datafiles_next_line(ig_str *rest, ig_str *line, size_t *lineno);

#endif

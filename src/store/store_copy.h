/* `interviewgenius migrate --copy-from`: copies an embedded installation (its SQLite database and
 * its upload folder) into an empty PostgreSQL or MySQL database, for users who grow out of one
 * machine. Every row keeps its id, so tokens, links and file names stay valid. */
#ifndef IG_STORE_STORE_COPY_H
#define IG_STORE_STORE_COPY_H

#include <stdbool.h>

#include "core/status.h"

typedef struct store_copy_opts {
    const char *source_url;     /* sqlite:///path of the installation; read only, never changed */
    const char *source_uploads; /* its UPLOAD_FOLDER, where the files of its resumes lie; NULL: the
                                   "uploads" folder beside the database file (DATA_DIR's layout) */
    const char *target_url;     /* DATABASE_URL of the new installation: postgresql:// or mysql:// */
    const char *target_uploads; /* its UPLOAD_FOLDER, where the files go unless files_in_db */
    bool files_in_db;           /* STORAGE=db: the files go into the target database instead */
    int busy_timeout_ms;        /* DB_BUSY_TIMEOUT */
} store_copy_opts;

/* Told each line of the report (no newline): per table "TABLE: N rows" in the order copied, the
 * files copied, and "warning: ..." lines. */
typedef void (*store_copy_report)(void *arg, const char *line);

/* Migrates the target to this binary's schema, refuses unless it is empty (every table the source
 * has holds no row: the copy runs once), then copies every table of the source in foreign-key
 * order, ids included, and the files of its resumes (from source_uploads into the target database
 * or target_uploads; a file that is missing or no longer matches its resume's hash is reported and
 * left out, its resume kept), all in one transaction: a failure leaves the target database empty
 * and removes the files copied. The target's id sequences then continue after the highest id the
 * source ever handed out (SQLite's AUTOINCREMENT high-water marks included), so no id is reused.
 * The source must be at this binary's schema version (IG_ESTATE otherwise: migrate it first).
 * IG_EINVAL for a source that is not sqlite:// or a target that is. */
ig_status store_copy_from(const store_copy_opts *o, store_copy_report report, void *arg, ig_err *err);

#endif

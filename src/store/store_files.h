/* Resume files kept in the database (STORAGE=db) as chunks of resume_file_chunks (migration 0005),
 * written once against the SQL driver interface for every engine. Private to src/store/: a backend
 * wires these into its operations table (store_backend.h's file_* and resume_create), and
 * `migrate --copy-from` (store_copy.c) writes with them. A file is read and written a chunk at a
 * time, one statement per chunk, so neither this process nor the driver ever holds more than one
 * chunk of it (libpq and libmariadb would otherwise buffer a whole result).
 * Every function uses the STOREFILES_SLOTS statement-cache slots slot0 .. slot0 + STOREFILES_SLOTS - 1
 * of its connection, which the caller reserves for it (the pool's stmt_slots must cover them). */
#ifndef IG_STORE_STORE_FILES_H
#define IG_STORE_STORE_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "store/sqldb.h"
#include "store/store.h"

/* The most bytes of one chunk row. */
#define STOREFILES_CHUNK (256 * 1024)
/* Statement-cache slots the functions below use, from slot0 on. */
#define STOREFILES_SLOTS 5

/* Stores the bytes of the file at path as resume_id's chunks on c, inside the caller's open write
 * transaction (an upload writes its file with the resume row and the parse job, so the job never
 * runs before the file is there). The resume must exist and have no chunks yet (IG_ECONFLICT
 * otherwise). *size (may be NULL) gets the bytes stored. IG_EIO when the file cannot be read. */
ig_status storefiles_write(sqldb_conn *c, size_t slot0, int64_t resume_id, const char *path, int64_t *size,
                           ig_err *err);

/* Replaces the stored file of user_id's resume with the file at path, in one transaction.
 * IG_ENOTFOUND when the resume is not the user's. */
ig_status storefiles_put(sqldb_pool *p, size_t slot0, int64_t user_id, int64_t resume_id, const char *path,
                         ig_err *err);

/* Hands each chunk of user_id's resume's stored file to fn, in order (store_file_read's rules). */
ig_status storefiles_read(sqldb_pool *p, size_t slot0, int64_t user_id, int64_t resume_id, store_file_sink fn,
                          void *arg, ig_err *err);

/* Deletes the stored file of user_id's resume (the resume stays). IG_ENOTFOUND when the resume is
 * not the user's; a resume without a stored file is IG_OK. */
ig_status storefiles_delete(sqldb_pool *p, size_t slot0, int64_t user_id, int64_t resume_id, ig_err *err);

#endif

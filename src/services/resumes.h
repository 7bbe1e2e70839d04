/* Resumes: what an upload becomes (type by content, a random stored name, the row and its parse job
 * in one transaction), the parse job that turns the file into text and a structured resume
 * (parse/structure.h) in a sandboxed child, the user's corrections of that structure, and the
 * owner-scoped reads, deletion and reparse. Business rules only: no HTTP, no SQL. Every function
 * blocks (store, file system) and runs on a worker thread. The service struct is owned by main and
 * read-only while requests and jobs run. */
#ifndef IG_SERVICES_RESUMES_H
#define IG_SERVICES_RESUMES_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ai/engine.h"
#include "core/log.h"
#include "core/status.h"
#include "jobs/jobs.h"
#include "parse/entities.h"
#include "parse/extract.h"
#include "parse/sandbox.h"
#include "parse/skills.h"
#include "store/redis.h"
#include "store/store.h"

/* Stable failure codes kept on a failed resume (the API localises them), besides the store's own
 * STORE_ERR_JOB_FAILED and STORE_ERR_INTERRUPTED. */
#define RESUMES_ERR_NO_TEXT "no_text"           /* the file holds no text, OCR included */
#define RESUMES_ERR_UNREADABLE "unreadable"     /* damaged, encrypted, or not what its bytes claimed */
#define RESUMES_ERR_TOO_LARGE "too_large"       /* over an extraction limit (zip bomb, size) */
#define RESUMES_ERR_FILE_MISSING "file_missing" /* the stored file is gone */
#define RESUMES_ERR_PARSE_FAILED "parse_failed" /* the extractor crashed, hung or failed otherwise */

/* A parsed field (structure.h's confidence keys) whose confidence is under this is refined by the
 * AI engine when it can (ai_can_refine). */
#define RESUMES_REFINE_BELOW 0.6

/* The most bytes of the original file name kept (after sanitising). */
#define RESUMES_NAME_MAX 255

/* Told when a parse job moves a resume to status "processing", "completed" (confidence: its parse
 * confidence, 0..1) or "failed" (confidence < 0: none). Runs on a job thread and must not block:
 * main passes the Socket.IO server's pusher (services never depend on realtime/). */
typedef void (*resumes_notify_fn)(void *arg, int64_t user_id, int64_t resume_id, const char *status,
                                  double confidence);

typedef struct resumes_service {
    ig_store *store;              /* borrowed */
    const ig_log *log;            /* borrowed; NULL ok */
    jobs_pool *jobs;              /* borrowed, set by resumes_register_jobs; NULL: uploads wake no one */
    redis_pool *wakeup;           /* borrowed, set by resumes_set_wakeup; NULL: no wake-ups published */
    char upload_folder[512];
    char extractor[PATH_MAX];     /* the program the sandbox runs to extract text: this binary */
    int max_attempts;             /* of each parse job */
    parse_sandbox *sandbox;       /* owned: the pre-forked extractor, started on first use */
    parse_limits limits;          /* of each extraction */
    skills_taxonomy *skills;      /* owned: canonicalises the skills a user corrects */
    resumes_notify_fn notify;     /* NULL: nobody is told */
    void *notify_arg;
    ai_engine *refiner;           /* borrowed; NULL (or an engine that cannot refine): no refinement */
    bool db_storage;              /* STORAGE=db: uploads are kept in the database (resumes_set_storage) */
    entities *degrees;            /* owned, loaded with a refiner: levels of the degrees it reads */
} resumes_service;

/* Fills svc. extractor is the program parse_extract_sandboxed runs (NULL: this executable, resolved
 * from /proc/self/exe now, so a binary replaced on disk later keeps working until restart). The
 * upload folder is created (mode 0700) when missing. */
ig_status resumes_service_init(resumes_service *svc, ig_store *store, const ig_log *log, const char *upload_folder,
                               const char *extractor, int max_attempts, ig_err *err);
/* Stops the extractor and frees the taxonomy; after the job pool has stopped. */
void resumes_service_close(resumes_service *svc);
/* Sets who is told of parse status changes (fn NULL: nobody); before the job pool starts. */
void resumes_set_notifier(resumes_service *svc, resumes_notify_fn fn, void *arg);
/* Sets the engine that refines low-confidence fields after each parse (NULL, or one that cannot
 * refine: none) and loads what refinement needs; before the job pool starts. In the parse job, after the sandboxed child (which has no network) returns:
 * the fields under RESUMES_REFINE_BELOW go to ai_refine with the text; its values, normalised as a
 * user's corrections are (skills canonicalised, entries completed, durations and years of
 * experience recomputed), replace the machine's (a null or empty answer keeps the machine's), and
 * the result's refined_fields lists the fields replaced. Confidences stay the parser's. Any failure
 * keeps the machine result, silently but for a log line. */
ig_status resumes_set_refiner(resumes_service *svc, ai_engine *engine, ig_err *err);
/* Where new uploads are kept (before requests are served): in_db (STORAGE=db) stores each in the
 * database, in the transaction that writes its resume and parse job, so that any instance can
 * serve it and any worker parse it; otherwise (STORAGE=local, the default) under UPLOAD_FOLDER.
 * Either way a resume's file is read from wherever it is: the database when it holds it, else
 * UPLOAD_FOLDER, so switching keeps the files kept the other way readable. */
void resumes_set_storage(resumes_service *svc, bool in_db);
/* With REDIS_URL: every queued parse job (upload, reparse) also publishes a wake-up through redis
 * (borrowed, outlives svc; jobs/wakeup.h), so that `worker` processes start on it at once rather
 * than at their next poll. NULL: none. Before requests are served. */
void resumes_set_wakeup(resumes_service *svc, redis_pool *redis);
/* Registers the parse job's handler on pool (before jobs_start) and lets uploads wake it. */
ig_status resumes_register_jobs(resumes_service *svc, jobs_pool *pool, ig_err *err);

/* Turns a received upload into a resume. tmp_path is always consumed: moved under
 * UPLOAD_FOLDER/<user_id>/<random hex>.<ext> (that name is the resume's file_path either way), or
 * with STORAGE=db stored in the database with the resume, or removed. The type is decided by the bytes:
 * IG_EINVAL when it is not a PDF, DOCX, DOC, HTML, PNG or JPEG. original_name (any bytes) is kept
 * only for display, sanitised. size must be the file's size and sha256_hex its SHA-256 (64
 * lower-case hex digits). On success out is the new pending resume and its parse job is queued;
 * when the user already uploaded the same bytes, out is that resume and *duplicate is true. */
ig_status resumes_upload_finish(const resumes_service *svc, int64_t user_id, const char *tmp_path,
                                const char *original_name, uint64_t size, const char *sha256_hex,
                                store_resume *out, bool *duplicate, ig_err *err);

/* The user's resume; with parse_result non-NULL, *parse_result gets its parse result when it is
 * completed (new reference; store_resume_parse_result's object), else NULL. The resume's
 * parse_confidence is the structure's confidence.overall. IG_ENOTFOUND for another user's id. */
ig_status resumes_get(const resumes_service *svc, int64_t user_id, int64_t id, store_resume *out,
                      json_t **parse_result, ig_err *err);
/* A page of the user's resumes, newest first (see store_resume_list; *items is caller-freed). */
ig_status resumes_list(const resumes_service *svc, int64_t user_id, int page, int per_page, store_resume **items,
                       size_t *count, int64_t *total, ig_err *err);
/* Deletes the resume (see store_resume_delete) and then its file. */
ig_status resumes_delete(const resumes_service *svc, int64_t user_id, int64_t id, ig_err *err);
/* Parses the resume again: *queued is true when a new job was queued (out is then pending), false
 * when one was already queued or running (out as it is). The new machine result replaces the old
 * one, the user's corrections included (edited becomes false). */
ig_status resumes_reparse(const resumes_service *svc, int64_t user_id, int64_t id, store_resume *out, bool *queued,
                          ig_err *err);
/* The resume's stored file, opened read-only: *fd is the caller's to close, *size its length.
 * Served by streaming, so a large file never sits whole in memory: a file kept in the database is
 * first copied a chunk at a time into an unnamed file under UPLOAD_FOLDER/.tmp, and checked against
 * its size and SHA-256 (IG_EIO when it does not match). */
ig_status resumes_open_file(const resumes_service *svc, int64_t user_id, int64_t id, store_resume *out, int *fd,
                            uint64_t *size, ig_err *err);

/* Removes every stored file of the user (UPLOAD_FOLDER/<user_id>/): for account deletion, after
 * the rows are gone. A user without files is IG_OK. */
ig_status resumes_remove_user_files(const resumes_service *svc, int64_t user_id, ig_err *err);

/* The display form of an uploaded file name into out (cap > RESUMES_NAME_MAX): the last path
 * component (after '/' or '\'), without control characters or malformed UTF-8, trimmed, cut at a
 * character boundary to RESUMES_NAME_MAX bytes; fallback when nothing is left. */
void resumes_sanitize_name(const char *name, const char *fallback, char *out, size_t cap);
/* The MIME type stored for a format ("application/pdf", ...); NULL for PARSE_UNSUPPORTED. */
const char *resumes_mime_type(parse_format f);

/* ---- structured resume edits ---- */

/* Applies the user's corrections to a completed resume's parse result and marks it edited.
 * patch is an object already checked against the API's schema (api/resume_edit.h) with any of:
 *   basic_info      fields sent replace those fields, the others stay; a corrected phone gets a new
 *                   phone_e164 (null unless international or a Chinese mobile number)
 *   skills          replaces the list: names or {name, category}, canonicalised by the skills
 *                   taxonomy (skills_lookup: "k8s" is Kubernetes; an unknown name stays as sent);
 *                   each skill once; a skill the parse had found keeps its sources, count and raw
 *                   form (and category unless one is sent); a new one gets sources ["user"], count
 *                   0, raw as sent, and the taxonomy's category ("other" for an unknown skill)
 *                   unless one is sent
 *   experience, education, projects
 *                   replace the list; each entry gets every structure.h field (null or [] when
 *                   not sent); experience entries get duration_months from their dates, and
 *                   basic_info.years_of_experience is recomputed from them unless sent as well
 *   certifications, awards, languages
 *                   replace the list
 * Strings are trimmed and a blank one counts as null (blank list items are dropped). Confidence: a
 * corrected field counts as certain (1.0: name, email, phone by their basic_info keys; skills,
 * experience, education, projects); overall becomes the mean of those seven, never lower than it
 * was, and is the resume's new parse_confidence. The other parts (sections, raw_text) stay.
 * IG_ESTATE when the resume is not completed (pending, processing, failed); IG_ENOTFOUND for
 * another user's. out gets the resume and *result (caller-owned) the new parse result. */
ig_status resumes_edit_result(const resumes_service *svc, int64_t user_id, int64_t id, const json_t *patch,
                              store_resume *out, json_t **result, ig_err *err);

#endif

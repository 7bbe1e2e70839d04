/* The store: the only place with SQL. One interface for services; backends behind it (SQLite now;
 * PostgreSQL and MySQL later). Every call is blocking and must run on a worker thread, never on the
 * event loop. Thread-safe: each call borrows a pooled connection for its duration.
 * Ownership: out-structs are caller-owned, filled by value (fixed-size strings), nothing to free
 * unless a function says so. */
#ifndef IG_STORE_STORE_H
#define IG_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/status.h"

typedef struct ig_store ig_store;

typedef struct store_user {
    int64_t id;
    char email[256];
    char password_hash[256];
    char username[401];      /* "" when NULL; 100 characters of up to 4 UTF-8 bytes */
    bool has_username;
    char avatar_url[1024];   /* "" when NULL */
    bool has_avatar_url;
    bool is_active;
    int64_t last_login_at;   /* unix seconds; 0 when never */
    int64_t created_at;      /* unix seconds */
    int64_t updated_at;      /* unix seconds */
} store_user;

/* The result of checking an access token against the store in one round trip. */
typedef struct store_auth_check {
    bool user_exists;
    bool user_active;
    bool jti_revoked;
    bool family_revoked;     /* the token's refresh family is revoked (logout / password change) */
    store_user user;         /* the user's row when user_exists */
} store_auth_check;

/* Limits of the resume fields the store keeps (bytes, without the NUL). */
#define STORE_FILE_NAME_MAX 255
#define STORE_FILE_PATH_MAX 500
#define STORE_FILE_TYPE_MAX 100
#define STORE_ERROR_CODE_MAX 32
#define STORE_ERROR_MAX 1000
#define STORE_JOB_KIND_MAX 32
#define STORE_JOB_OWNER_MAX 64
#define STORE_JOB_PAYLOAD_MAX 1000

/* A resume row. status is one of "pending", "processing", "completed", "failed". */
typedef struct store_resume {
    int64_t id;
    int64_t user_id;
    char file_name[STORE_FILE_NAME_MAX + 1];   /* the uploader's name, sanitised, for display */
    char file_path[STORE_FILE_PATH_MAX + 1];   /* stored file, relative to UPLOAD_FOLDER */
    char file_type[STORE_FILE_TYPE_MAX + 1];   /* MIME type */
    int64_t file_size;
    char content_sha256[65];                   /* lower-case hex */
    char status[16];
    double parse_confidence;
    int progress;                              /* 0..100 */
    char error_code[STORE_ERROR_CODE_MAX + 1]; /* "" unless failed */
    char error[STORE_ERROR_MAX + 1];           /* "" unless failed */
    int64_t created_at;                        /* unix seconds */
    int64_t updated_at;
} store_resume;

/* What an upload writes: the fields of a new resume (status pending). */
typedef struct store_resume_new {
    int64_t user_id;
    const char *file_name;
    const char *file_path;
    const char *file_type;
    int64_t file_size;
    const char *content_sha256; /* 64 lower-case hex digits */
    int job_max_attempts;       /* of the parse job written with it, >= 1 */
} store_resume_new;

/* A parse result: JSON documents (borrowed; NULL stores SQL NULL) and the raw text; the documents
 * are the keys of the structured resume (parse/structure.h). */
typedef struct store_parse_result {
    json_t *basic_info;
    json_t *skills;
    json_t *experience;
    json_t *education;
    json_t *projects;
    const char *raw_text;       /* UTF-8; NULL stores NULL */
    json_t *certifications;
    json_t *awards;
    json_t *languages;
    json_t *sections;
    json_t *confidence;
    json_t *refined_fields;     /* the fields a language model refined (array of names); NULL: none.
                                   Saved with a machine result; edits leave it as it is */
} store_parse_result;

/* A job row. status is one of "queued", "running", "done", "failed". */
typedef struct store_job {
    int64_t id;
    char kind[STORE_JOB_KIND_MAX + 1];
    char payload[STORE_JOB_PAYLOAD_MAX + 1];   /* a JSON object */
    char status[16];
    int attempts;                              /* leases so far, this one included */
    int max_attempts;
    int64_t run_after;
    int64_t lease_until;                       /* 0 when not leased */
    char lease_owner[STORE_JOB_OWNER_MAX + 1];
    char last_error[STORE_ERROR_MAX + 1];
    int64_t resume_id;                         /* 0 when the job is about no resume */
} store_job;

/* The kind of the job every upload and reparse writes. */
#define STORE_JOB_PARSE_RESUME "parse_resume"
/* Error codes the store itself writes on a resume whose job ran out of attempts. */
#define STORE_ERR_JOB_FAILED "job_failed"
#define STORE_ERR_INTERRUPTED "interrupted"

/* Opens url ("sqlite:///path/to/file.db", "sqlite://:memory:", "postgresql://user:pw@host/db",
 * "mysql://user:pw@host/db"; sqldb.h lists the schemes), pool_size connections. busy_timeout_ms
 * bounds a wait on a lock; on PostgreSQL and MySQL a statement running longer than
 * statement_timeout_ms is cancelled (0: no limit). */
ig_status store_open(ig_store **out, const char *url, int pool_size, int busy_timeout_ms, int statement_timeout_ms,
                     ig_err *err);
void store_close(ig_store *st);

/* Applies every migration newer than the database's version, each in its own transaction, and
 * records it in schema_migrations. *applied (may be NULL) gets the count applied. */
ig_status store_migrate(ig_store *st, int *applied, ig_err *err);
/* Highest applied migration version (0 for an empty database). */
ig_status store_schema_version(ig_store *st, int *version, ig_err *err);
/* Cheap round trip for /readyz. */
ig_status store_ping(ig_store *st, ig_err *err);

/* Users. Emails are stored as given (callers normalise). IG_ECONFLICT on a duplicate email. */
ig_status store_user_create(ig_store *st, const char *email, const char *password_hash,
                            const char *username /* NULL ok */, store_user *out, ig_err *err);
ig_status store_user_by_email(ig_store *st, const char *email, store_user *out, ig_err *err);
ig_status store_user_by_id(ig_store *st, int64_t id, store_user *out, ig_err *err);
/* NULL leaves a field unchanged; "" is stored as NULL. */
ig_status store_user_update_profile(ig_store *st, int64_t id, const char *username,
                                    const char *avatar_url, store_user *out, ig_err *err);
ig_status store_user_set_password(ig_store *st, int64_t id, const char *password_hash, ig_err *err);
ig_status store_user_set_active(ig_store *st, const char *email, bool active, ig_err *err);
ig_status store_user_touch_login(ig_store *st, int64_t id, ig_err *err);
/* Deletes the user and everything they own (rows cascade); IG_ENOTFOUND if absent. */
ig_status store_user_delete(ig_store *st, int64_t id, ig_err *err);
/* All users, id order, as a JSON array of {id,email,username,is_active,last_login_at,created_at}
 * (new reference, caller decrefs). */
ig_status store_user_list(ig_store *st, json_t **out, ig_err *err);
/* Everything stored about a user as a JSON object (new reference): user, resumes, interviews,
 * answers, feedback, sessions (token families without secrets). */
ig_status store_user_export(ig_store *st, int64_t id, json_t **out, ig_err *err);

/* Refresh-token families: one per login session; each refresh rotates the family's current jti. */
ig_status store_family_create(ig_store *st, const char *family_id, int64_t user_id,
                              const char *refresh_jti, int64_t expires_at, ig_err *err);
/* Rotates family from old_jti to new_jti. If the family is revoked or expired: IG_EAUTH. If old_jti
 * is not the current one (a reused, already-rotated token): the family is revoked and IG_EAUTH. */
ig_status store_family_rotate(ig_store *st, const char *family_id, int64_t user_id,
                              const char *old_jti, const char *new_jti, int64_t expires_at, ig_err *err);
ig_status store_family_revoke(ig_store *st, const char *family_id, ig_err *err);
/* Revokes every family of the user except keep_family (NULL: all). */
ig_status store_family_revoke_user(ig_store *st, int64_t user_id, const char *keep_family, ig_err *err);
/* Records an access token's jti as revoked until expires_at (then it may be purged). */
ig_status store_jti_revoke(ig_store *st, const char *jti, int64_t expires_at, ig_err *err);
/* One query (it runs on every authenticated request): the user's row, whether it exists and is
 * active, whether jti is revoked, whether family_id is revoked. */
ig_status store_auth_check_token(ig_store *st, int64_t user_id, const char *jti, const char *family_id,
                                 store_auth_check *out, ig_err *err);
/* Deletes revoked-jti rows and families past their expiry. */
ig_status store_purge_expired(ig_store *st, int64_t now, ig_err *err);

/* Resumes. Every call is scoped by user_id: another user's id is IG_ENOTFOUND, as a missing one.
 * Strings are checked against the STORE_*_MAX limits (IG_EINVAL); long error texts are truncated. */

/* Writes the resume (status pending, progress 0) and its parse job (payload {"resume_id", "user_id"})
 * in one transaction; out gets the new row. When the user already has a resume with the same
 * content_sha256: IG_ECONFLICT, nothing written, and out gets the existing resume. */
ig_status store_resume_create(ig_store *st, const store_resume_new *in, store_resume *out, ig_err *err);
ig_status store_resume_get(ig_store *st, int64_t user_id, int64_t id, store_resume *out, ig_err *err);
/* The user's resumes, newest first: page is 1-based, per_page >= 1. *items is a malloc'd array of
 * *count rows (caller frees; NULL when none); *total counts all the user's resumes. */
ig_status store_resume_list(ig_store *st, int64_t user_id, int page, int per_page, store_resume **items,
                            size_t *count, int64_t *total, ig_err *err);
/* The parse result of a resume as {id, basic_info, skills, experience, education, projects,
 * certifications, awards, languages, sections, confidence, raw_text, edited (bool), edited_at (ISO
 * 8601 or null), created_at, updated_at} (new reference); IG_ENOTFOUND when the resume or its result
 * is absent. */
ig_status store_resume_parse_result(ig_store *st, int64_t user_id, int64_t id, json_t **out, ig_err *err);
/* Deletes the resume with its parse result, its jobs, its stored bytes and the questions generated
 * from it that no interview asked; interviews and the questions they asked stay (their resume_id
 * becomes NULL). file_path (cap bytes) gets the stored file's path so the caller can remove it. */
ig_status store_resume_delete(ig_store *st, int64_t user_id, int64_t id, char *file_path, size_t cap,
                              ig_err *err);
/* Queues a new parse job (max_attempts) and puts the resume back to pending with progress 0 and the
 * error cleared, in one transaction; *queued is true. When a parse job is already queued or
 * running, nothing changes and *queued is false. out gets the resume as it now is. */
ig_status store_resume_reparse(ig_store *st, int64_t user_id, int64_t id, int max_attempts, store_resume *out,
                               bool *queued, ig_err *err);
/* Status processing with progress (0..100); also used to move progress along while processing. */
ig_status store_resume_mark_processing(ig_store *st, int64_t user_id, int64_t id, int progress, ig_err *err);
/* Saves (replaces) the parse result, not edited, and marks the resume completed (progress 100,
 * confidence, error cleared) in one transaction. store_resume_parse_result shows r->refined_fields
 * as "refined_fields" ([] when NULL). */
ig_status store_resume_save_result(ig_store *st, int64_t user_id, int64_t id, const store_parse_result *r,
                                   double confidence, ig_err *err);
/* Status failed with a stable code (STORE_ERROR_CODE_MAX) and a readable detail (NULL ok). */
ig_status store_resume_mark_failed(ig_store *st, int64_t user_id, int64_t id, const char *code,
                                   const char *detail, ig_err *err);

/* ---- resume files in the database (STORAGE=db) ----
 * A resume's file lies either in UPLOAD_FOLDER (its file_path) or in the database, stored with the
 * row (store_resume_create_file) or later (store_file_put), a chunk of at most 256 KiB per row; the
 * chunks go with the resume. Every call is scoped by user_id as the resume calls are (another
 * user's resume is IG_ENOTFOUND). */

/* Receives a stored file's bytes in order, n bytes at data (n may be 0: an empty file). A status
 * other than IG_OK (with its message in err) stops the read, and is returned by it. */
typedef ig_status (*store_file_sink)(void *arg, const void *data, size_t n, ig_err *err);

/* store_resume_create that also stores the bytes of the file at content_path (STORAGE=db) in the
 * same transaction, so the parse job never runs before its file is there. IG_EINVAL when the
 * backend cannot keep files. */
ig_status store_resume_create_file(ig_store *st, const store_resume_new *in, const char *content_path,
                                   store_resume *out, ig_err *err);
/* Stores the bytes of the file at path (NUL-terminated) as the resume's file, replacing any stored
 * before, in one transaction. IG_EINVAL when the backend cannot keep files. */
ig_status store_file_put(ig_store *st, int64_t user_id, int64_t id, const char *path, ig_err *err);
/* Hands the resume's stored file to fn a chunk at a time: memory stays one chunk whatever the
 * size. IG_ENOTFOUND when the resume is not the user's or has no file in the database (also with
 * a backend that cannot keep files); a chunk gone midway (the resume was deleted meanwhile) is
 * IG_ENOTFOUND too, after fn had the chunks before it. */
ig_status store_file_read(ig_store *st, int64_t user_id, int64_t id, store_file_sink fn, void *arg, ig_err *err);
/* Removes the resume's stored file (the resume stays; its file is then looked for in
 * UPLOAD_FOLDER); none stored is IG_OK. */
ig_status store_file_delete(ig_store *st, int64_t user_id, int64_t id, ig_err *err);

/* ---- structured resume edits ---- */

/* Replaces the documents of r that are not NULL (raw_text is ignored: the text is what was
 * extracted), marks the result edited (edited_at now) and sets the resume's parse_confidence, in
 * one transaction. Only a completed resume's result can be edited: IG_ESTATE otherwise. */
ig_status store_resume_edit_result(ig_store *st, int64_t user_id, int64_t id, const store_parse_result *r,
                                   double confidence, ig_err *err);

/* Jobs. Times are unix seconds passed in by the caller (so tests can move the clock). owner names
 * the leasing worker; renew, complete and fail act only on a running job that owner still holds
 * (IG_ENOTFOUND when the job is gone, IG_ESTATE when the lease was lost to another worker). */

/* Queues a job (payload: a JSON object text, NULL for {}; resume_id 0 for none). *id may be NULL. */
ig_status store_job_enqueue(ig_store *st, const char *kind, const char *payload, int64_t resume_id,
                            int max_attempts, int64_t run_after, int64_t *id, ig_err *err);
/* Atomically takes the oldest runnable job: queued with run_after <= now, or running with a lease
 * that ran out (its worker died). It becomes running, leased to owner until now + lease_s, with
 * attempts + 1. A running job whose lease ran out after its last attempt is failed instead (its
 * resume too, code STORE_ERR_INTERRUPTED). IG_ENOTFOUND when nothing is runnable. */
ig_status store_job_lease(ig_store *st, const char *owner, int64_t now, int lease_s, store_job *out, ig_err *err);
ig_status store_job_renew(ig_store *st, int64_t id, const char *owner, int64_t lease_until, ig_err *err);
ig_status store_job_complete(ig_store *st, int64_t id, const char *owner, int64_t now, ig_err *err);
/* Records error (NULL ok) as the job's last error. With attempts left and backoff_s >= 0 the job
 * is queued again to run after now + backoff_s (*final false); otherwise (no attempts left, or
 * backoff_s < 0: retrying cannot help) it is failed, and so is its resume with code (NULL:
 * STORE_ERR_JOB_FAILED) and error as detail (*final true). final may be NULL. */
ig_status store_job_fail(ig_store *st, int64_t id, const char *owner, int64_t now, int64_t backoff_s,
                         const char *code, const char *error, bool *final, ig_err *err);
ig_status store_job_get(ig_store *st, int64_t id, store_job *out, ig_err *err);
/* Deletes done and failed jobs last updated before `before`; *purged (may be NULL) gets the count. */
ig_status store_job_purge(ig_store *st, int64_t before, int *purged, ig_err *err);

/* ---- questions and interviews ----
 * Every call is scoped by user_id: another user's question or interview is IG_ENOTFOUND. Every
 * change of an interview is one transaction that re-reads the interview and checks its state (and
 * for answers the current question) before writing, so concurrent requests cannot both win.
 *
 * A question going in is one of the engine's question objects (ai/engine.h): {question_text,
 * category, topic, skill, difficulty, expected_points, follow_ups, model_answer, bank_id, language}.
 * A question coming out is a JSON object {id, resume_id, interview_type, difficulty, question_text,
 * category, topic, skill, expected_points, follow_ups, model_answer, language, bank_id,
 * parent_question_id, created_at, locked} where locked is true while an unfinished interview asks
 * it and it has no answer yet (its key points and model answer are then not for the candidate's
 * eyes). */

/* Limits of the interview fields the store keeps (bytes, without the NUL). */
#define STORE_SESSION_ID_MAX 64
#define STORE_TYPE_MAX 32            /* interview_type */
#define STORE_LANG_MAX 8
#define STORE_JD_MAX 20000           /* job_description */
#define STORE_QUESTION_TEXT_MAX 8000 /* question_text, model_answer */
#define STORE_QUESTION_NAME_MAX 100  /* category, topic, skill, bank_id */
#define STORE_ANSWER_TEXT_MAX 65536
#define STORE_AUDIO_URL_MAX 255

/* An interview row. status is "active", "paused", "completed" or "cancelled" ("pending" is only
 * in rows older versions wrote). */
typedef struct store_interview {
    int64_t id;
    int64_t user_id;
    int64_t resume_id;                       /* 0 once the resume is deleted */
    char session_id[STORE_SESSION_ID_MAX + 1];
    char status[16];
    char interview_type[STORE_TYPE_MAX + 1];
    char difficulty[16];
    char language[STORE_LANG_MAX + 1];
    int total_questions;
    int current_question_index;              /* position of the current question, 0-based */
    bool hints;                              /* show the expected points while answering */
    bool adaptive;                           /* insert follow-ups after answers that miss points */
    int64_t seed;                            /* of the question choice */
    int64_t started_at;                      /* unix seconds; 0 when never started */
    int64_t ended_at;                        /* 0 while not ended */
    int64_t duration;                        /* seconds, pauses excluded; -1 while not ended */
    bool has_score;
    double overall_score;                    /* when has_score */
    int64_t paused_at;                       /* 0 unless paused */
    int64_t paused_seconds;                  /* pauses so far, the current one excluded */
    int64_t version;                         /* bumped by every change */
    int64_t created_at;
    int64_t updated_at;
    int64_t ai_prompt_tokens;                /* language-model tokens spent on the interview */
    int64_t ai_completion_tokens;
} store_interview;

/* What starting an interview writes (strings borrowed). */
typedef struct store_interview_new {
    int64_t user_id;
    int64_t resume_id;
    const char *session_id;      /* a UUID */
    const char *interview_type;
    const char *difficulty;      /* "easy", "medium" or "hard" */
    const char *language;        /* "en" or "zh" */
    const char *job_description; /* NULL ok */
    bool hints;
    bool adaptive;
    int64_t seed;
} store_interview_new;

/* An answer to, or a skip of, an interview's current question (pointers borrowed). */
typedef struct store_answer_new {
    int64_t user_id;
    int64_t interview_id;
    int64_t question_id;          /* must be the current question */
    bool skipped;
    const char *answer_text;      /* NULL ok */
    const char *answer_audio_url; /* NULL ok */
    int64_t response_time;        /* seconds; < 0 stores NULL */
    const json_t *analysis;       /* the engine's analysis object; NULL for a skip */
    const json_t *follow_up;      /* a question to ask right after this one; NULL for none */
    const json_t *delivery;       /* speech metrics of a spoken answer (an object); NULL for a typed one */
} store_answer_new;

/* The end of an interview, computed from the interview as it was at `version`. */
typedef struct store_interview_end {
    int64_t version;
    int64_t ended_at;            /* unix seconds */
    int64_t duration;            /* seconds, pauses excluded */
    bool has_score;
    double overall_score;        /* when has_score */
    const json_t *report;        /* the engine's report object (borrowed) */
} store_interview_end;

typedef enum store_transition {
    STORE_PAUSE,  /* active -> paused */
    STORE_RESUME, /* paused -> active */
    STORE_CANCEL, /* active | paused -> cancelled */
} store_transition;

/* Stores questions (a JSON array of question objects) generated from the user's resume, in one
 * transaction; *out (new reference) is the array of stored questions, in order. IG_ENOTFOUND
 * when the resume is not the user's. */
ig_status store_questions_add(ig_store *st, int64_t user_id, int64_t resume_id, const char *interview_type,
                              const json_t *questions, json_t **out, ig_err *err);
ig_status store_question_get(ig_store *st, int64_t user_id, int64_t id, json_t **out, ig_err *err);
/* The user's questions (of resume_id; 0: all), newest first: *out is the array of one page (new
 * reference), *total counts every match. */
ig_status store_question_list(ig_store *st, int64_t user_id, int64_t resume_id, int page, int per_page,
                              json_t **out, int64_t *total, ig_err *err);

/* Writes the interview (active, started now) with its questions at positions 0..n-1 in one
 * transaction. IG_ENOTFOUND when the resume is not the user's; IG_EINVAL for an empty list. */
ig_status store_interview_create(ig_store *st, const store_interview_new *in, const json_t *questions,
                                 store_interview *out, ig_err *err);
ig_status store_interview_get(ig_store *st, int64_t user_id, int64_t id, store_interview *out, ig_err *err);
/* Adds language-model tokens (>= 0) to the interview's ai_prompt_tokens / ai_completion_tokens,
 * whatever its status (the report's come as it ends). IG_ENOTFOUND when it is not the user's. */
ig_status store_interview_add_usage(ig_store *st, int64_t user_id, int64_t id, int64_t prompt_tokens,
                                    int64_t completion_tokens, ig_err *err);
/* ---- realtime: interview rooms ----
 * The interview with this session_id (NUL-terminated, at most STORE_SESSION_ID_MAX bytes) when it is
 * user_id's: a Socket.IO client joins an interview's room only then. IG_ENOTFOUND otherwise,
 * another user's interview included. */
ig_status store_interview_owner_by_session(ig_store *st, const char *session_id, int64_t user_id,
                                           store_interview *out, ig_err *err);
/* A page of the user's interviews, newest first (as store_resume_list). */
ig_status store_interview_list(ig_store *st, int64_t user_id, int page, int per_page, store_interview **items,
                               size_t *count, int64_t *total, ig_err *err);
/* The interview's question at position (a question object plus "position"); IG_ENOTFOUND when the
 * interview is not the user's or has no such position. */
ig_status store_interview_question(ig_store *st, int64_t user_id, int64_t id, int position, json_t **out,
                                   ig_err *err);
/* Every question of the interview in order with its answer: an array of {position, question_id,
 * question_text, category, topic, skill, difficulty, expected_points, model_answer,
 * parent_question_id, answer_id, answer_status ("answered", "skipped" or null), score, analysis}. */
ig_status store_interview_items(ig_store *st, int64_t user_id, int64_t id, json_t **out, ig_err *err);
/* Records the answer (or skip) and moves to the next question; a follow-up is inserted right after
 * the current question (total_questions + 1). IG_ESTATE when the interview is not active,
 * IG_ECONFLICT when question_id is not its current question (or was answered meanwhile). out gets
 * the interview as it now is, *answer (may be NULL) the stored answer as in store_interview_answers
 * and, when a follow-up was inserted, *follow_up (may be NULL) the stored question. */
ig_status store_interview_record(ig_store *st, const store_answer_new *a, store_interview *out, json_t **answer,
                                 json_t **follow_up, ig_err *err);
/* Pause, resume or cancel at time now; IG_ESTATE when the interview's status does not allow it. */
ig_status store_interview_transition(ig_store *st, int64_t user_id, int64_t id, store_transition t, int64_t now,
                                     store_interview *out, ig_err *err);
/* Completes the interview with its report (feedback row) in one transaction. IG_ESTATE when it is
 * neither active nor paused; IG_ECONFLICT when it changed since end->version (recompute). */
ig_status store_interview_finish(ig_store *st, int64_t user_id, int64_t id, const store_interview_end *end,
                                 store_interview *out, ig_err *err);
/* The interview's answers and skips in question order: an array of {id, interview_id,
 * question_id, position, status, answer_text, answer_audio_url, response_time, score, feedback,
 * analysis, delivery, engine, created_at, question_text, category, topic, expected_points,
 * model_answer, parent_question_id}. */
ig_status store_interview_answers(ig_store *st, int64_t user_id, int64_t id, json_t **out, ig_err *err);
/* Sets the answer_audio_url (NUL-terminated, at most STORE_AUDIO_URL_MAX bytes) of answer_id, an answer
 * of the user's interview id: the recording of a spoken answer, kept once the answer is stored.
 * IG_ENOTFOUND when the interview is not the user's or holds no such answer. */
ig_status store_answer_set_audio(ig_store *st, int64_t user_id, int64_t id, int64_t answer_id, const char *url,
                                 ig_err *err);
/* The report of a completed interview: {interview_id, overall_score, dimension_scores, strengths,
 * weaknesses, suggestions, weakest_topics, report, engine, created_at}; IG_ENOTFOUND when the
 * interview is not the user's or has no report. */
ig_status store_interview_feedback(ig_store *st, int64_t user_id, int64_t id, json_t **out, ig_err *err);
/* The user's progress, one snapshot: {"statuses": [{status, count}], "completed": [{id,
 * interview_type, difficulty, language, started_at, ended_at, duration, overall_score,
 * dimension_scores, weakest_topics, answered, skipped}] the newest 500, newest first, "topics":
 * [{topic, average_score, answers}] over every answer, weakest first, at most 50}. */
ig_status store_interview_stats(ig_store *st, int64_t user_id, json_t **out, ig_err *err);
/* The weakest_topics arrays of the user's `limit` latest reports, newest first (an array of arrays). */
ig_status store_weak_topics(ig_store *st, int64_t user_id, int limit, json_t **out, ig_err *err);

#endif

/* The backend interface behind store.h, private to src/store/: an operations table (one, over the
 * SQL driver interface sqldb.h, serves every engine). store.c validates arguments before calling an operation, so a
 * backend may assume non-NULL pointers and strings within the limits store.c documents. */
#ifndef IG_STORE_STORE_BACKEND_H
#define IG_STORE_STORE_BACKEND_H

#include "store/migrations.h"
#include "store/store.h"

/* The JSON documents of a parse result, in store_parse_result's order: basic_info, skills,
 * experience, education, projects, certifications, awards, languages, sections, confidence. */
#define STORE_RESULT_DOCS 10

/* An answer's analysis as stored: serialised JSON texts (NULL for SQL NULL) and the score. */
typedef struct store_answer_docs {
    const char *analysis;   /* the whole analysis object */
    const char *dimensions; /* its "dimensions" */
    const char *feedback;   /* its "feedback", as a JSON string */
    const char *engine;     /* its "engine" name, plain text */
    const char *delivery;   /* the answer's delivery object, or NULL */
    bool has_score;
    double score;
} store_answer_docs;

typedef struct store_backend {
    /* url is the whole DATABASE_URL; *impl is owned by the backend until close. */
    ig_status (*open)(void **impl, const char *url, int pool_size, int busy_timeout_ms, int statement_timeout_ms,
                      ig_err *err);
    void (*close)(void *impl);
    /* list is sorted by ascending, unique version (store.c checks). */
    ig_status (*migrate)(void *impl, const store_migration *list, size_t count, int *applied, ig_err *err);
    ig_status (*schema_version)(void *impl, int *version, ig_err *err);
    ig_status (*ping)(void *impl, ig_err *err);

    ig_status (*user_create)(void *impl, const char *email, const char *password_hash,
                             const char *username, store_user *out, ig_err *err);
    ig_status (*user_by_email)(void *impl, const char *email, store_user *out, ig_err *err);
    ig_status (*user_by_id)(void *impl, int64_t id, store_user *out, ig_err *err);
    ig_status (*user_update_profile)(void *impl, int64_t id, const char *username, const char *avatar_url,
                                     store_user *out, ig_err *err);
    ig_status (*user_set_password)(void *impl, int64_t id, const char *password_hash, ig_err *err);
    ig_status (*user_set_active)(void *impl, const char *email, bool active, ig_err *err);
    ig_status (*user_touch_login)(void *impl, int64_t id, ig_err *err);
    ig_status (*user_delete)(void *impl, int64_t id, ig_err *err);
    ig_status (*user_list)(void *impl, json_t **out, ig_err *err);
    ig_status (*user_export)(void *impl, int64_t id, json_t **out, ig_err *err);

    ig_status (*family_create)(void *impl, const char *family_id, int64_t user_id, const char *refresh_jti,
                               int64_t expires_at, ig_err *err);
    ig_status (*family_rotate)(void *impl, const char *family_id, int64_t user_id, const char *old_jti,
                               const char *new_jti, int64_t expires_at, ig_err *err);
    ig_status (*family_revoke)(void *impl, const char *family_id, ig_err *err);
    ig_status (*family_revoke_user)(void *impl, int64_t user_id, const char *keep_family, ig_err *err);
    ig_status (*jti_revoke)(void *impl, const char *jti, int64_t expires_at, ig_err *err);
    ig_status (*auth_check_token)(void *impl, int64_t user_id, const char *jti, const char *family_id,
                                  store_auth_check *out, ig_err *err);
    ig_status (*purge_expired)(void *impl, int64_t now, ig_err *err);

    ig_status (*resume_create)(void *impl, const store_resume_new *in, store_resume *out, ig_err *err);
    ig_status (*resume_get)(void *impl, int64_t user_id, int64_t id, store_resume *out, ig_err *err);
    ig_status (*resume_list)(void *impl, int64_t user_id, int page, int per_page, store_resume **items,
                             size_t *count, int64_t *total, ig_err *err);
    ig_status (*resume_parse_result)(void *impl, int64_t user_id, int64_t id, json_t **out, ig_err *err);
    ig_status (*resume_delete)(void *impl, int64_t user_id, int64_t id, char *file_path, size_t cap, ig_err *err);
    ig_status (*resume_reparse)(void *impl, int64_t user_id, int64_t id, int max_attempts, store_resume *out,
                                bool *queued, ig_err *err);
    ig_status (*resume_mark_processing)(void *impl, int64_t user_id, int64_t id, int progress, ig_err *err);
    /* The documents are serialised JSON texts in store_parse_result's order (NULL for SQL NULL). */
    ig_status (*resume_save_result)(void *impl, int64_t user_id, int64_t id,
                                    const char *const docs[STORE_RESULT_DOCS], const char *raw_text,
                                    const char *refined_fields, double confidence, ig_err *err);
    ig_status (*resume_mark_failed)(void *impl, int64_t user_id, int64_t id, const char *code, const char *detail,
                                    ig_err *err);
    /* Structured resume edits: as resume_save_result, a NULL document is left unchanged. */
    ig_status (*resume_edit_result)(void *impl, int64_t user_id, int64_t id,
                                    const char *const docs[STORE_RESULT_DOCS], double confidence, ig_err *err);

    ig_status (*job_enqueue)(void *impl, const char *kind, const char *payload, int64_t resume_id, int max_attempts,
                             int64_t run_after, int64_t *id, ig_err *err);
    ig_status (*job_lease)(void *impl, const char *owner, int64_t now, int lease_s, store_job *out, ig_err *err);
    ig_status (*job_renew)(void *impl, int64_t id, const char *owner, int64_t lease_until, ig_err *err);
    ig_status (*job_complete)(void *impl, int64_t id, const char *owner, int64_t now, ig_err *err);
    /* code is never NULL here; error may be. */
    ig_status (*job_fail)(void *impl, int64_t id, const char *owner, int64_t now, int64_t backoff_s,
                          const char *code, const char *error, bool *final, ig_err *err);
    ig_status (*job_get)(void *impl, int64_t id, store_job *out, ig_err *err);
    ig_status (*job_purge)(void *impl, int64_t before, int *purged, ig_err *err);

    /* questions and interviews: question arrays are validated by store.c (objects with the fields
     * store.h lists, strings within the STORE_QUESTION_* limits) */
    ig_status (*questions_add)(void *impl, int64_t user_id, int64_t resume_id, const char *interview_type,
                               const json_t *questions, json_t **out, ig_err *err);
    ig_status (*question_get)(void *impl, int64_t user_id, int64_t id, json_t **out, ig_err *err);
    ig_status (*question_list)(void *impl, int64_t user_id, int64_t resume_id, int page, int per_page, json_t **out,
                               int64_t *total, ig_err *err);
    ig_status (*interview_create)(void *impl, const store_interview_new *in, const json_t *questions,
                                  store_interview *out, ig_err *err);
    ig_status (*interview_get)(void *impl, int64_t user_id, int64_t id, store_interview *out, ig_err *err);
    ig_status (*interview_list)(void *impl, int64_t user_id, int page, int per_page, store_interview **items,
                                size_t *count, int64_t *total, ig_err *err);
    ig_status (*interview_question)(void *impl, int64_t user_id, int64_t id, int position, json_t **out,
                                    ig_err *err);
    ig_status (*interview_items)(void *impl, int64_t user_id, int64_t id, json_t **out, ig_err *err);
    /* docs: what store.c took out of a->analysis; a->follow_up is a validated question object */
    ig_status (*interview_record)(void *impl, const store_answer_new *a, const store_answer_docs *docs,
                                  store_interview *out, json_t **answer, json_t **follow_up, ig_err *err);
    ig_status (*interview_transition)(void *impl, int64_t user_id, int64_t id, store_transition t, int64_t now,
                                      store_interview *out, ig_err *err);
    /* docs: dimension_scores, strengths, weaknesses, suggestions, report, weakest_topics (JSON texts) */
    ig_status (*interview_finish)(void *impl, int64_t user_id, int64_t id, const store_interview_end *end,
                                  const char *const docs[6], const char *engine, store_interview *out,
                                  ig_err *err);
    ig_status (*interview_answers)(void *impl, int64_t user_id, int64_t id, json_t **out, ig_err *err);
    ig_status (*answer_set_audio)(void *impl, int64_t user_id, int64_t id, int64_t answer_id, const char *url,
                                  ig_err *err);
    ig_status (*interview_add_usage)(void *impl, int64_t user_id, int64_t id, int64_t prompt_tokens,
                                     int64_t completion_tokens, ig_err *err);
    ig_status (*interview_feedback)(void *impl, int64_t user_id, int64_t id, json_t **out, ig_err *err);
    ig_status (*interview_stats)(void *impl, int64_t user_id, json_t **out, ig_err *err);
    ig_status (*weak_topics)(void *impl, int64_t user_id, int limit, json_t **out, ig_err *err);
    /* realtime: interview rooms */
    ig_status (*interview_owner_by_session)(void *impl, const char *session_id, int64_t user_id,
                                            store_interview *out, ig_err *err);
    /* resume files in the database (store_files.h); all four NULL in a backend that cannot keep
     * them. resume_create_file is resume_create that also stores the file at content_path
     * (storefiles_write) in the same transaction. */
    ig_status (*resume_create_file)(void *impl, const store_resume_new *in, const char *content_path,
                                    store_resume *out, ig_err *err);
    ig_status (*file_put)(void *impl, int64_t user_id, int64_t id, const char *path, ig_err *err);
    ig_status (*file_read)(void *impl, int64_t user_id, int64_t id, store_file_sink fn, void *arg, ig_err *err);
    ig_status (*file_delete)(void *impl, int64_t user_id, int64_t id, ig_err *err);
} store_backend;

/* The SQL backend (store_sql.c): SQLite, PostgreSQL, MySQL/MariaDB. */
extern const store_backend store_sql_backend;

/* store_migrate with an explicit migration list instead of the embedded store_migrations[]: lets
 * tests and tools exercise upgrades from older schema states. list must be sorted by ascending,
 * unique, positive version (IG_EINVAL otherwise). *applied (may be NULL) gets the count applied,
 * also when a later migration fails (that one is rolled back whole). */
ig_status store_migrate_list(ig_store *st, const store_migration *list, size_t count, int *applied, ig_err *err);

#endif

/* The store's one SQL backend, over sqldb (SQLite, PostgreSQL, MySQL/MariaDB): a pool of connections,
 * each caching the prepared statements below (the only SQL that ever sees input), plus the
 * migration runner. The statements are written once, portably; a sparse table per dialect replaces
 * the few that a server needs written otherwise. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/utf8.h"
#include "store/sqldb.h"
#include "store/store_backend.h"
#include "store/store_files.h"

/* Every statement the backend runs, one cached prepared statement per connection for each. */
/* Every statement the backend runs, one cached prepared statement per connection for each. */
typedef enum sq_stmt_id {
    SQ_PING,
    SQ_LAST_ID,
    SQ_MIG_LOCK,
    SQ_MIG_UNLOCK,
    SQ_MIG_CREATE,
    SQ_MIG_EXISTS,
    SQ_MIG_VERSION,
    SQ_MIG_INSERT,
    SQ_USER_INSERT,
    SQ_USER_BY_EMAIL,
    SQ_USER_BY_ID,
    SQ_USER_UPDATE_PROFILE,
    SQ_USER_SET_PASSWORD,
    SQ_USER_SET_ACTIVE,
    SQ_USER_TOUCH_LOGIN,
    SQ_USER_DELETE,
    SQ_USER_LIST,
    SQ_EXPORT_USER,
    SQ_EXPORT_RESUMES,
    SQ_EXPORT_PARSE_RESULTS,
    SQ_EXPORT_QUESTIONS,
    SQ_EXPORT_INTERVIEWS,
    SQ_EXPORT_INTERVIEW_QUESTIONS,
    SQ_EXPORT_ANSWERS,
    SQ_EXPORT_FEEDBACK,
    SQ_EXPORT_SESSIONS,
    SQ_FAMILY_INSERT,
    SQ_FAMILY_GET,
    SQ_FAMILY_ROTATE,
    SQ_FAMILY_REVOKE,
    SQ_FAMILY_REVOKE_USER,
    SQ_JTI_REVOKE,
    SQ_AUTH_CHECK,
    SQ_PURGE_JTIS,
    SQ_PURGE_FAMILIES,
    SQ_RESUME_INSERT,
    SQ_RESUME_BY_SHA,
    SQ_RESUME_GET,
    SQ_RESUME_GET_LOCKED,
    SQ_RESUME_LIST,
    SQ_RESUME_COUNT,
    SQ_RESUME_RESULT,
    SQ_RESUME_PATH,
    SQ_QUESTIONS_DELETE_UNUSED,
    SQ_RESUME_DELETE,
    SQ_RESUME_ACTIVE_JOBS,
    SQ_RESUME_SET_PENDING,
    SQ_RESUME_PROCESSING,
    SQ_RESUME_COMPLETE,
    SQ_RESULT_UPSERT,
    SQ_RESUME_FAILED,
    /* structured resume edits */
    SQ_RESUME_EDIT_CONFIDENCE,
    SQ_RESULT_EDIT,
    SQ_JOB_INSERT,
    SQ_JOB_EXHAUSTED,
    SQ_JOB_EXPIRE_RESUMES,
    SQ_JOB_EXPIRE,
    SQ_JOB_PICK,
    SQ_JOB_LEASE,
    SQ_JOB_RENEW,
    SQ_JOB_COMPLETE,
    SQ_JOB_OWNED,
    SQ_JOB_REQUEUE,
    SQ_JOB_FAILED,
    SQ_RESUME_JOB_FAILED,
    SQ_JOB_GET,
    SQ_JOB_PURGE,
    /* questions and interviews */
    SQ_QUESTION_INSERT,
    SQ_QUESTION_GET,
    SQ_QUESTION_LIST,
    SQ_QUESTION_COUNT,
    SQ_INTERVIEW_INSERT,
    SQ_IQ_INSERT,
    SQ_INTERVIEW_GET,
    SQ_INTERVIEW_GET_LOCKED,
    SQ_INTERVIEW_ADD_USAGE,
    SQ_INTERVIEW_LIST,
    SQ_INTERVIEW_COUNT,
    SQ_INTERVIEW_QUESTION,
    SQ_INTERVIEW_ITEMS,
    SQ_IQ_AT,
    SQ_ANSWER_INSERT,
    SQ_ANSWER_GET,
    SQ_ANSWER_SET_AUDIO,
    SQ_IQ_SHIFT_OUT,
    SQ_IQ_SHIFT_BACK,
    SQ_INTERVIEW_ADVANCE,
    SQ_INTERVIEW_PAUSE,
    SQ_INTERVIEW_RESUME,
    SQ_INTERVIEW_CANCEL,
    SQ_INTERVIEW_FINISH,
    SQ_FEEDBACK_UPSERT,
    SQ_INTERVIEW_ANSWERS,
    SQ_INTERVIEW_FEEDBACK,
    SQ_STATS_STATUSES,
    SQ_STATS_COMPLETED,
    SQ_STATS_TOPICS,
    SQ_WEAK_TOPICS,
    /* realtime: interview rooms */
    SQ_INTERVIEW_BY_SESSION,
    SQ_STMT_COUNT
} sq_stmt_id;

/* Column order read by sq_resume_fill. */
#define SQ_RESUME_COLS "id, user_id, file_name, file_path, file_type, file_size, content_sha256, status, " \
                       "parse_confidence, progress, error_code, error, created_at, updated_at"
/* Column order read by sq_job_fill. */
#define SQ_JOB_COLS "id, kind, payload, status, attempts, max_attempts, run_after, lease_until, lease_owner, " \
                    "last_error, resume_id"
/* A lease is lost once lease_until is in the past. */
#define SQ_LEASE_EXPIRED "status = 'running' AND lease_until < ?1"

/* The structured resume's columns of resume_parse_results p (0002), as named in JSON. */
#define SQ_RESULT_MORE_COLS "p.certifications AS certifications, p.awards AS awards, p.languages AS languages, " \
                            "p.sections AS sections, p.confidence AS confidence, p.edited AS edited, " \
                            "p.edited_at AS edited_at, coalesce(p.refined_fields, '[]') AS refined_fields"

/* A question as JSON (store.h), from questions q; locked while an unfinished interview asks it unanswered. */
#define SQ_QUESTION_COLS "q.id AS id, q.resume_id AS resume_id, q.interview_type AS interview_type, " \
                         "q.difficulty AS difficulty, q.question_text AS question_text, q.category AS category, " \
                         "q.topic AS topic, q.skill AS skill, q.expected_points AS expected_points, " \
                         "q.follow_ups AS follow_ups, q.model_answer AS model_answer, q.language AS language, " \
                         "q.bank_id AS bank_id, q.parent_question_id AS parent_question_id, " \
                         "q.created_at AS created_at, CASE WHEN EXISTS (SELECT 1 FROM interview_questions lq " \
                         "JOIN interviews li ON li.id = lq.interview_id WHERE lq.question_id = q.id " \
                         "AND li.status IN ('pending', 'active', 'paused') AND NOT EXISTS (SELECT 1 " \
                         "FROM interview_answers la WHERE la.interview_id = lq.interview_id " \
                         "AND la.question_id = q.id)) THEN 1 ELSE 0 END AS locked"
/* Column order read by sq_interview_fill. */
#define SQ_INTERVIEW_COLS "id, user_id, resume_id, session_id, status, interview_type, difficulty, language, " \
                          "total_questions, current_question_index, hints, adaptive, seed, started_at, ended_at, " \
                          "duration, overall_score, paused_at, paused_seconds, version, created_at, updated_at, " \
                          "ai_prompt_tokens, ai_completion_tokens"
/* An answer as JSON with its question (store_interview_answers), up to the WHERE clause. */
#define SQ_ANSWER_COLS "a.id AS id, a.interview_id AS interview_id, a.question_id AS question_id, " \
                       "iq.position AS position, a.status AS status, a.answer_text AS answer_text, " \
                       "a.answer_audio_url AS answer_audio_url, a.response_time AS response_time, " \
                       "a.score AS score, a.feedback AS feedback, a.analysis AS analysis, a.delivery AS delivery, " \
                       "a.engine AS engine, a.created_at AS created_at, q.question_text AS question_text, " \
                       "q.category AS category, q.topic AS topic, q.expected_points AS expected_points, " \
                       "q.model_answer AS model_answer, q.parent_question_id AS parent_question_id " \
                       "FROM interview_answers a JOIN interviews i ON i.id = a.interview_id " \
                       "JOIN questions q ON q.id = a.question_id LEFT JOIN interview_questions iq " \
                       "ON iq.interview_id = a.interview_id AND iq.question_id = a.question_id"
/* Seconds of the pause in progress at ?3 (0 when not paused); MAX is the dialect's scalar maximum. */
#define SQ_PAUSE_NOW(MAX) MAX "(0, ?3 - coalesce(paused_at, ?3))"
/* The most completed interviews the stats read (the newest). */
#define SQ_STATS_MAX "500"

/* Column order read by sq_user_fill. */
#define SQ_USER_COLS "id, email, password_hash, username, avatar_url, is_active, last_login_at, created_at, updated_at"

/* Transitions of an interview that end or resume a pause (SQ_PAUSE_NOW), RETURNING SQ_INTERVIEW_COLS. */
#define SQ_INTERVIEW_RESUME_SQL(MAX)                                                                              \
    "UPDATE interviews SET status = 'active', paused_seconds = paused_seconds + " SQ_PAUSE_NOW(MAX)                \
    ", paused_at = NULL, version = version + 1, updated_at = ?3 "                                                 \
    "WHERE user_id = ?1 AND id = ?2 AND status = 'paused' RETURNING " SQ_INTERVIEW_COLS
/* the right-hand sides read the row as it was (MySQL reads columns already assigned to the left as
 * changed: none of these reads one) */
#define SQ_INTERVIEW_CANCEL_SQL(MAX)                                                                              \
    "UPDATE interviews SET status = 'cancelled', ended_at = ?3, "                                                 \
    "duration = " MAX "(0, ?3 - coalesce(started_at, ?3) - paused_seconds - " SQ_PAUSE_NOW(MAX) "), "             \
    "paused_seconds = paused_seconds + " SQ_PAUSE_NOW(MAX) ", paused_at = NULL, "                                 \
    "version = version + 1, updated_at = ?3 WHERE user_id = ?1 AND id = ?2 "                                      \
    "AND status IN ('active', 'paused') RETURNING " SQ_INTERVIEW_COLS
#define SQ_INTERVIEW_FINISH_SQL(MAX)                                                                              \
    "UPDATE interviews SET status = 'completed', ended_at = ?3, duration = ?4, "                                  \
    "overall_score = ?5, paused_seconds = paused_seconds + " SQ_PAUSE_NOW(MAX) ", "                               \
    "paused_at = NULL, version = version + 1, updated_at = ?3 WHERE user_id = ?1 "                                \
    "AND id = ?2 AND version = ?6 AND status IN ('active', 'paused') "                                            \
    "RETURNING " SQ_INTERVIEW_COLS
/* The job to lease next: queued and due, or running with an expired lease. */
/* Reads that the dialects with row locks take FOR UPDATE where a write depends on them. */
#define SQ_FAMILY_GET_SQL "SELECT user_id, current_jti, revoked, expires_at FROM token_families WHERE id = ?1"
#define SQ_RESUME_GET_SQL "SELECT " SQ_RESUME_COLS " FROM resumes WHERE user_id = ?1 AND id = ?2"
#define SQ_JOB_OWNED_SQL "SELECT attempts, max_attempts, resume_id FROM jobs WHERE id = ?1 AND lease_owner = ?2 " \
                         "AND status = 'running'"
#define SQ_INTERVIEW_GET_SQL "SELECT " SQ_INTERVIEW_COLS " FROM interviews WHERE user_id = ?1 AND id = ?2"
/* Upserts: ON(key) opens the update of a row whose key exists, NEW(c) sets column c to the value
 * proposed (SQLite and PostgreSQL name the proposed row "excluded", MySQL reads VALUES(c)). */
#define SQ_ON_CONFLICT(key) " ON CONFLICT (" key ") DO UPDATE SET "
#define SQ_ON_DUPLICATE(key) " ON DUPLICATE KEY UPDATE "
#define SQ_EXCLUDED(c) c " = excluded." c
#define SQ_VALUES(c) c " = VALUES(" c ")"
/* a machine result replaces an edited one (a reparse): edited goes back to 0 */
#define SQ_RESULT_UPSERT_SQL(ON, NEW)                                                                             \
    "INSERT INTO resume_parse_results (resume_id, basic_info, skills, experience, education, projects, raw_text, " \
    "created_at, updated_at, certifications, awards, languages, sections, confidence, edited, edited_at, "        \
    "refined_fields) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?11, ?12, ?13, 0, NULL, ?14)"           \
    ON("resume_id") NEW("basic_info") ", " NEW("skills") ", " NEW("experience") ", " NEW("education") ", "        \
    NEW("projects") ", " NEW("raw_text") ", " NEW("updated_at") ", " NEW("certifications") ", " NEW("awards")     \
    ", " NEW("languages") ", " NEW("sections") ", " NEW("confidence") ", edited = 0, edited_at = NULL, "          \
    NEW("refined_fields")
#define SQ_FEEDBACK_UPSERT_SQL(ON, NEW)                                                                           \
    "INSERT INTO interview_feedback (interview_id, overall_score, dimension_scores, strengths, weaknesses, "      \
    "suggestions, report, weakest_topics, engine, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"   \
    ON("interview_id") NEW("overall_score") ", " NEW("dimension_scores") ", " NEW("strengths") ", "               \
    NEW("weaknesses") ", " NEW("suggestions") ", " NEW("report") ", " NEW("weakest_topics") ", " NEW("engine")    \
    ", " NEW("created_at")
#define SQ_JOB_NEXT "SELECT id FROM jobs WHERE (status = 'queued' AND run_after <= ?1) OR (" SQ_LEASE_EXPIRED ") " \
                    "ORDER BY id LIMIT 1"
#define SQ_JOB_TAKE "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = ?2, "             \
                    "lease_owner = ?3, updated_at = ?1 WHERE id = "

/* The portable text of every statement, as SQLite runs it; sq_sql_server, sq_sql_pg and sq_sql_mysql
 * replace the few that PostgreSQL or MySQL need written otherwise. */
static const char *const sq_sql[SQ_STMT_COUNT] = {
    [SQ_PING] = "SELECT 1",
    [SQ_MIG_CREATE] = "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                      "name VARCHAR(255) NOT NULL, applied_at BIGINT NOT NULL)",
    [SQ_MIG_EXISTS] = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
    [SQ_MIG_VERSION] = "SELECT coalesce(max(version), 0) FROM schema_migrations",
    [SQ_MIG_INSERT] = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
    [SQ_USER_INSERT] = "INSERT INTO users (email, password_hash, username, is_active, created_at, updated_at) "
                       "VALUES (?1, ?2, NULLIF(?3, ''), 1, ?4, ?4) RETURNING " SQ_USER_COLS,
    [SQ_USER_BY_EMAIL] = "SELECT " SQ_USER_COLS " FROM users WHERE email = ?1",
    [SQ_USER_BY_ID] = "SELECT " SQ_USER_COLS " FROM users WHERE id = ?1",
    /* NULL leaves a field, '' clears it. PostgreSQL types a parameter where it first meets a type, and
     * refuses one first seen untyped (?N IS NULL) and typed later: so a typed use comes first here
     * and in the other statements that test a parameter for NULL. */
    [SQ_USER_UPDATE_PROFILE] = "UPDATE users SET "
                               "username = CASE WHEN ?2 = '' THEN NULL WHEN ?2 IS NOT NULL THEN ?2 "
                               "ELSE username END, "
                               "avatar_url = CASE WHEN ?3 = '' THEN NULL WHEN ?3 IS NOT NULL THEN ?3 "
                               "ELSE avatar_url END, "
                               "updated_at = ?4 WHERE id = ?1 RETURNING " SQ_USER_COLS,
    [SQ_USER_SET_PASSWORD] = "UPDATE users SET password_hash = ?2, updated_at = ?3 WHERE id = ?1",
    [SQ_USER_SET_ACTIVE] = "UPDATE users SET is_active = ?2, updated_at = ?3 WHERE email = ?1",
    [SQ_USER_TOUCH_LOGIN] = "UPDATE users SET last_login_at = ?2, updated_at = ?2 WHERE id = ?1",
    [SQ_USER_DELETE] = "DELETE FROM users WHERE id = ?1",
    [SQ_USER_LIST] = "SELECT id, email, username, is_active, last_login_at, created_at FROM users ORDER BY id",
    [SQ_EXPORT_USER] = "SELECT id, email, username, avatar_url, is_active, last_login_at, created_at, updated_at "
                       "FROM users WHERE id = ?1",
    [SQ_EXPORT_RESUMES] = "SELECT id, file_name, file_type, file_size, content_sha256, status, parse_confidence, "
                          "progress, error_code, error, created_at, updated_at FROM resumes WHERE user_id = ?1 ORDER BY id",
    [SQ_EXPORT_PARSE_RESULTS] = "SELECT p.id AS id, p.resume_id AS resume_id, p.basic_info AS basic_info, "
                                "p.skills AS skills, p.experience AS experience, p.education AS education, "
                                "p.projects AS projects, " SQ_RESULT_MORE_COLS ", p.raw_text AS raw_text, "
                                "p.created_at AS created_at, p.updated_at AS updated_at FROM resume_parse_results p "
                                "JOIN resumes r ON r.id = p.resume_id WHERE r.user_id = ?1 ORDER BY p.id",
    [SQ_EXPORT_QUESTIONS] = "SELECT id, resume_id, interview_type, difficulty, question_text, category, skill, "
                            "expected_points, follow_ups, model_answer, language, topic, bank_id, "
                            "parent_question_id, created_at FROM questions WHERE user_id = ?1 ORDER BY id",
    [SQ_EXPORT_INTERVIEWS] = "SELECT id, resume_id, session_id, status, interview_type, difficulty, "
                             "job_description, language, total_questions, current_question_index, started_at, "
                             "ended_at, duration, overall_score, hints, adaptive, seed, paused_seconds, "
                             "created_at, updated_at FROM interviews WHERE user_id = ?1 ORDER BY id",
    [SQ_EXPORT_INTERVIEW_QUESTIONS] = "SELECT q.interview_id AS interview_id, q.position AS position, "
                                      "q.question_id AS question_id FROM interview_questions q "
                                      "JOIN interviews i ON i.id = q.interview_id WHERE i.user_id = ?1 "
                                      "ORDER BY q.interview_id, q.position",
    [SQ_EXPORT_ANSWERS] = "SELECT a.id AS id, a.interview_id AS interview_id, a.question_id AS question_id, "
                          "a.answer_text AS answer_text, a.answer_audio_url AS answer_audio_url, "
                          "a.response_time AS response_time, a.score AS score, a.feedback AS feedback, "
                          "a.status AS status, a.analysis AS analysis, a.delivery AS delivery, a.engine AS engine, "
                          "a.created_at AS created_at FROM interview_answers a "
                          "JOIN interviews i ON i.id = a.interview_id WHERE i.user_id = ?1 ORDER BY a.id",
    [SQ_EXPORT_FEEDBACK] = "SELECT f.id AS id, f.interview_id AS interview_id, f.overall_score AS overall_score, "
                           "f.dimension_scores AS dimension_scores, f.strengths AS strengths, "
                           "f.weaknesses AS weaknesses, f.suggestions AS suggestions, "
                           "f.weakest_topics AS weakest_topics, f.report AS report, f.engine AS engine, "
                           "f.created_at AS created_at FROM interview_feedback f "
                           "JOIN interviews i ON i.id = f.interview_id "
                           "WHERE i.user_id = ?1 ORDER BY f.id",
    [SQ_EXPORT_SESSIONS] = "SELECT id, created_at, expires_at, rotated_at, revoked FROM token_families "
                           "WHERE user_id = ?1 ORDER BY created_at, id",
    [SQ_FAMILY_INSERT] = "INSERT INTO token_families (id, user_id, current_jti, revoked, created_at, expires_at) "
                         "VALUES (?1, ?2, ?3, 0, ?4, ?5)",
    [SQ_FAMILY_GET] = SQ_FAMILY_GET_SQL,
    [SQ_FAMILY_ROTATE] = "UPDATE token_families SET current_jti = ?2, rotated_at = ?3, expires_at = ?4 WHERE id = ?1",
    [SQ_FAMILY_REVOKE] = "UPDATE token_families SET revoked = 1 WHERE id = ?1",
    [SQ_FAMILY_REVOKE_USER] = "UPDATE token_families SET revoked = 1 WHERE user_id = ?1 AND (id <> ?2 OR ?2 IS NULL)",
    [SQ_JTI_REVOKE] = "INSERT INTO revoked_tokens (jti, expires_at) VALUES (?1, ?2) "
                      "ON CONFLICT (jti) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)",
    /* One round trip per authenticated request. A family that is unknown, not the user's, or revoked
     * counts as revoked: its session is over (logout, password change, purge after expiry). */
    [SQ_AUTH_CHECK] = "SELECT " SQ_USER_COLS ", "
                      "CASE WHEN EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = ?2) THEN 1 ELSE 0 END, "
                      "CASE WHEN EXISTS (SELECT 1 FROM token_families WHERE id = ?3 AND user_id = ?1 "
                      "AND revoked = 0) THEN 0 WHEN ?3 IS NULL THEN 0 ELSE 1 END FROM users WHERE id = ?1",
    [SQ_PURGE_JTIS] = "DELETE FROM revoked_tokens WHERE expires_at <= ?1",
    [SQ_PURGE_FAMILIES] = "DELETE FROM token_families WHERE expires_at <= ?1",
    [SQ_RESUME_INSERT] = "INSERT INTO resumes (user_id, file_name, file_path, file_type, file_size, content_sha256, "
                         "status, progress, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, "
                         "?7, ?7) RETURNING " SQ_RESUME_COLS,
    [SQ_RESUME_BY_SHA] = "SELECT " SQ_RESUME_COLS " FROM resumes WHERE user_id = ?1 AND content_sha256 = ?2",
    [SQ_RESUME_GET] = SQ_RESUME_GET_SQL,
    /* read before a write that depends on it: SQLite's write lock already serialises those */
    [SQ_RESUME_GET_LOCKED] = SQ_RESUME_GET_SQL,
    [SQ_RESUME_LIST] = "SELECT " SQ_RESUME_COLS " FROM resumes WHERE user_id = ?1 "
                       "ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3",
    [SQ_RESUME_COUNT] = "SELECT count(*) FROM resumes WHERE user_id = ?1",
    [SQ_RESUME_RESULT] = "SELECT p.id AS id, p.basic_info AS basic_info, p.skills AS skills, "
                         "p.experience AS experience, p.education AS education, p.projects AS projects, "
                         SQ_RESULT_MORE_COLS ", p.raw_text AS raw_text, p.created_at AS created_at, "
                         "p.updated_at AS updated_at "
                         "FROM resume_parse_results p JOIN resumes r ON r.id = p.resume_id "
                         "WHERE r.user_id = ?1 AND r.id = ?2",
    [SQ_RESUME_PATH] = "SELECT file_path FROM resumes WHERE user_id = ?1 AND id = ?2",
    /* The questions an interview asked or answered stay with the interview. */
    [SQ_QUESTIONS_DELETE_UNUSED] = "DELETE FROM questions WHERE user_id = ?1 AND resume_id = ?2 "
                                   "AND NOT EXISTS (SELECT 1 FROM interview_questions iq WHERE iq.question_id = questions.id) "
                                   "AND NOT EXISTS (SELECT 1 FROM interview_answers a WHERE a.question_id = questions.id)",
    [SQ_RESUME_DELETE] = "DELETE FROM resumes WHERE user_id = ?1 AND id = ?2",
    [SQ_RESUME_ACTIVE_JOBS] = "SELECT count(*) FROM jobs WHERE resume_id = ?1 AND status IN ('queued', 'running')",
    [SQ_RESUME_SET_PENDING] = "UPDATE resumes SET status = 'pending', progress = 0, error_code = NULL, error = NULL, "
                              "updated_at = ?3 WHERE user_id = ?1 AND id = ?2 RETURNING " SQ_RESUME_COLS,
    [SQ_RESUME_PROCESSING] = "UPDATE resumes SET status = 'processing', progress = ?3, updated_at = ?4 "
                             "WHERE user_id = ?1 AND id = ?2",
    [SQ_RESUME_COMPLETE] = "UPDATE resumes SET status = 'completed', progress = 100, parse_confidence = ?3, "
                           "error_code = NULL, error = NULL, updated_at = ?4 WHERE user_id = ?1 AND id = ?2",
    [SQ_RESULT_UPSERT] = SQ_RESULT_UPSERT_SQL(SQ_ON_CONFLICT, SQ_EXCLUDED),
    [SQ_RESUME_FAILED] = "UPDATE resumes SET status = 'failed', error_code = ?3, error = ?4, updated_at = ?5 "
                         "WHERE user_id = ?1 AND id = ?2",
    /* structured resume edits: only a completed resume's result; NULL leaves a document as it is */
    [SQ_RESUME_EDIT_CONFIDENCE] = "UPDATE resumes SET parse_confidence = ?3, updated_at = ?4 "
                                  "WHERE user_id = ?1 AND id = ?2 AND status = 'completed'",
    [SQ_RESULT_EDIT] = "UPDATE resume_parse_results SET basic_info = coalesce(?2, basic_info), "
                       "skills = coalesce(?3, skills), experience = coalesce(?4, experience), "
                       "education = coalesce(?5, education), projects = coalesce(?6, projects), "
                       "certifications = coalesce(?7, certifications), awards = coalesce(?8, awards), "
                       "languages = coalesce(?9, languages), sections = coalesce(?10, sections), "
                       "confidence = coalesce(?11, confidence), edited = 1, edited_at = ?12, updated_at = ?12 "
                       "WHERE resume_id = (SELECT id FROM resumes WHERE user_id = ?1 AND id = ?13)",
    [SQ_JOB_INSERT] = "INSERT INTO jobs (kind, payload, status, attempts, max_attempts, run_after, resume_id, "
                      "created_at, updated_at) VALUES (?1, ?2, 'queued', 0, ?3, ?4, ?5, ?6, ?6) RETURNING id",
    /* A job whose worker died on its last attempt: its resume fails, then the job. The count first,
     * a plain read: a server's UPDATE locks what it scans, and workers would deadlock on the scan. */
    [SQ_JOB_EXHAUSTED] = "SELECT count(*) FROM jobs WHERE " SQ_LEASE_EXPIRED " AND attempts >= max_attempts",
    [SQ_JOB_EXPIRE_RESUMES] = "UPDATE resumes SET status = 'failed', error_code = '" STORE_ERR_INTERRUPTED "', "
                              "error = 'the worker stopped before finishing, on every attempt', updated_at = ?1 "
                              "WHERE status IN ('pending', 'processing') AND id IN (SELECT resume_id FROM jobs "
                              "WHERE " SQ_LEASE_EXPIRED " AND attempts >= max_attempts)",
    [SQ_JOB_EXPIRE] = "UPDATE jobs SET status = 'failed', lease_until = NULL, "
                      "last_error = 'lease expired on the last attempt', updated_at = ?1 "
                      "WHERE " SQ_LEASE_EXPIRED " AND attempts >= max_attempts",
    [SQ_JOB_LEASE] = SQ_JOB_TAKE "(" SQ_JOB_NEXT ") RETURNING " SQ_JOB_COLS,
    [SQ_JOB_RENEW] = "UPDATE jobs SET lease_until = ?3 WHERE id = ?1 AND lease_owner = ?2 AND status = 'running'",
    [SQ_JOB_COMPLETE] = "UPDATE jobs SET status = 'done', lease_until = NULL, updated_at = ?3 "
                        "WHERE id = ?1 AND lease_owner = ?2 AND status = 'running'",
    [SQ_JOB_OWNED] = SQ_JOB_OWNED_SQL,
    [SQ_JOB_REQUEUE] = "UPDATE jobs SET status = 'queued', run_after = ?2, lease_until = NULL, lease_owner = NULL, "
                       "last_error = ?3, updated_at = ?4 WHERE id = ?1",
    [SQ_JOB_FAILED] = "UPDATE jobs SET status = 'failed', lease_until = NULL, last_error = ?2, updated_at = ?3 "
                      "WHERE id = ?1",
    [SQ_RESUME_JOB_FAILED] = "UPDATE resumes SET status = 'failed', error_code = ?2, error = ?3, updated_at = ?4 "
                             "WHERE id = ?1 AND status IN ('pending', 'processing')",
    [SQ_JOB_GET] = "SELECT " SQ_JOB_COLS " FROM jobs WHERE id = ?1",
    [SQ_JOB_PURGE] = "DELETE FROM jobs WHERE status IN ('done', 'failed') AND updated_at < ?1",
    /* questions and interviews */
    [SQ_QUESTION_INSERT] = "INSERT INTO questions (user_id, resume_id, interview_type, difficulty, question_text, "
                           "category, topic, skill, expected_points, follow_ups, model_answer, language, bank_id, "
                           "parent_question_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                           "?12, ?13, ?14, ?15) RETURNING id",
    [SQ_QUESTION_GET] = "SELECT " SQ_QUESTION_COLS " FROM questions q WHERE q.user_id = ?1 AND q.id = ?2",
    /* ?2 next to the column first: PostgreSQL types a parameter by where it first meets one */
    [SQ_QUESTION_LIST] = "SELECT " SQ_QUESTION_COLS " FROM questions q WHERE q.user_id = ?1 "
                         "AND (q.resume_id = ?2 OR ?2 = 0) ORDER BY q.id DESC LIMIT ?3 OFFSET ?4",
    [SQ_QUESTION_COUNT] = "SELECT count(*) FROM questions WHERE user_id = ?1 AND (resume_id = ?2 OR ?2 = 0)",
    [SQ_INTERVIEW_INSERT] = "INSERT INTO interviews (user_id, resume_id, session_id, status, interview_type, "
                            "difficulty, job_description, language, total_questions, current_question_index, "
                            "started_at, hints, adaptive, seed, created_at, updated_at) VALUES (?1, ?2, ?3, "
                            "'active', ?4, ?5, ?6, ?7, ?8, 0, ?9, ?10, ?11, ?12, ?9, ?9) RETURNING " SQ_INTERVIEW_COLS,
    [SQ_IQ_INSERT] = "INSERT INTO interview_questions (interview_id, position, question_id) VALUES (?1, ?2, ?3)",
    [SQ_INTERVIEW_GET] = SQ_INTERVIEW_GET_SQL,
    [SQ_INTERVIEW_GET_LOCKED] = SQ_INTERVIEW_GET_SQL,
    [SQ_INTERVIEW_ADD_USAGE] = "UPDATE interviews SET ai_prompt_tokens = ai_prompt_tokens + ?3, "
                               "ai_completion_tokens = ai_completion_tokens + ?4 WHERE user_id = ?1 AND id = ?2",
    [SQ_INTERVIEW_LIST] = "SELECT " SQ_INTERVIEW_COLS " FROM interviews WHERE user_id = ?1 "
                          "ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3",
    [SQ_INTERVIEW_COUNT] = "SELECT count(*) FROM interviews WHERE user_id = ?1",
    [SQ_INTERVIEW_QUESTION] = "SELECT " SQ_QUESTION_COLS ", iq.position AS position FROM interview_questions iq "
                              "JOIN interviews i ON i.id = iq.interview_id JOIN questions q ON q.id = iq.question_id "
                              "WHERE i.user_id = ?1 AND i.id = ?2 AND iq.position = ?3",
    [SQ_INTERVIEW_ITEMS] = "SELECT iq.position AS position, q.id AS question_id, q.question_text AS question_text, "
                           "q.category AS category, q.topic AS topic, q.skill AS skill, q.difficulty AS difficulty, "
                           "q.expected_points AS expected_points, q.model_answer AS model_answer, "
                           "q.parent_question_id AS parent_question_id, a.id AS answer_id, "
                           "a.status AS answer_status, a.score AS score, a.analysis AS analysis "
                           "FROM interview_questions iq JOIN interviews i ON i.id = iq.interview_id "
                           "JOIN questions q ON q.id = iq.question_id LEFT JOIN interview_answers a "
                           "ON a.interview_id = iq.interview_id AND a.question_id = iq.question_id "
                           "WHERE i.user_id = ?1 AND i.id = ?2 ORDER BY iq.position",
    [SQ_IQ_AT] = "SELECT question_id FROM interview_questions WHERE interview_id = ?1 AND position = ?2",
    [SQ_ANSWER_INSERT] = "INSERT INTO interview_answers (interview_id, question_id, answer_text, answer_audio_url, "
                         "response_time, score, feedback, status, analysis, dimensions, engine, created_at, delivery) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) RETURNING id",
    [SQ_ANSWER_GET] = "SELECT " SQ_ANSWER_COLS " WHERE i.user_id = ?1 AND a.id = ?2",
    [SQ_ANSWER_SET_AUDIO] = "UPDATE interview_answers SET answer_audio_url = ?4 WHERE id = ?3 AND interview_id = ?2 "
                            "AND EXISTS (SELECT 1 FROM interviews i WHERE i.id = ?2 AND i.user_id = ?1)",
    /* positions are unique, checked row by row: move the tail out of the way, then back one further */
    [SQ_IQ_SHIFT_OUT] = "UPDATE interview_questions SET position = position + 100000 "
                        "WHERE interview_id = ?1 AND position > ?2",
    [SQ_IQ_SHIFT_BACK] = "UPDATE interview_questions SET position = position - 99999 "
                         "WHERE interview_id = ?1 AND position >= 100000",
    [SQ_INTERVIEW_ADVANCE] = "UPDATE interviews SET current_question_index = current_question_index + 1, "
                             "total_questions = total_questions + ?3, version = version + 1, updated_at = ?4 "
                             "WHERE user_id = ?1 AND id = ?2 AND status = 'active' AND current_question_index = ?5 "
                             "RETURNING " SQ_INTERVIEW_COLS,
    [SQ_INTERVIEW_PAUSE] = "UPDATE interviews SET status = 'paused', paused_at = ?3, version = version + 1, "
                           "updated_at = ?3 WHERE user_id = ?1 AND id = ?2 AND status = 'active' "
                           "RETURNING " SQ_INTERVIEW_COLS,
    [SQ_INTERVIEW_RESUME] = SQ_INTERVIEW_RESUME_SQL("max"),
    /* duration leaves out the pauses, the current one too */
    [SQ_INTERVIEW_CANCEL] = SQ_INTERVIEW_CANCEL_SQL("max"),
    [SQ_INTERVIEW_FINISH] = SQ_INTERVIEW_FINISH_SQL("max"),
    [SQ_FEEDBACK_UPSERT] = SQ_FEEDBACK_UPSERT_SQL(SQ_ON_CONFLICT, SQ_EXCLUDED),
    [SQ_INTERVIEW_ANSWERS] = "SELECT " SQ_ANSWER_COLS " WHERE i.user_id = ?1 AND i.id = ?2 ORDER BY iq.position, a.id",
    [SQ_INTERVIEW_FEEDBACK] = "SELECT f.interview_id AS interview_id, f.overall_score AS overall_score, "
                              "f.dimension_scores AS dimension_scores, f.strengths AS strengths, "
                              "f.weaknesses AS weaknesses, f.suggestions AS suggestions, "
                              "f.weakest_topics AS weakest_topics, f.report AS report, f.engine AS engine, "
                              "f.created_at AS created_at FROM interview_feedback f "
                              "JOIN interviews i ON i.id = f.interview_id WHERE i.user_id = ?1 AND i.id = ?2",
    [SQ_STATS_STATUSES] = "SELECT status AS status, count(*) AS count FROM interviews WHERE user_id = ?1 "
                          "GROUP BY status ORDER BY status",
    [SQ_STATS_COMPLETED] = "SELECT i.id AS id, i.interview_type AS interview_type, i.difficulty AS difficulty, "
                           "i.language AS language, i.started_at AS started_at, i.ended_at AS ended_at, "
                           "i.duration AS duration, i.overall_score AS overall_score, "
                           "f.dimension_scores AS dimension_scores, f.weakest_topics AS weakest_topics, "
                           "(SELECT count(*) FROM interview_answers a WHERE a.interview_id = i.id "
                           "AND a.status = 'answered') AS answered, (SELECT count(*) FROM interview_answers a "
                           "WHERE a.interview_id = i.id AND a.status = 'skipped') AS skipped "
                           "FROM interviews i LEFT JOIN interview_feedback f ON f.interview_id = i.id "
                           "WHERE i.user_id = ?1 AND i.status = 'completed' ORDER BY i.ended_at DESC, i.id DESC "
                           "LIMIT " SQ_STATS_MAX,
    [SQ_STATS_TOPICS] = "SELECT coalesce(q.topic, q.category, 'general') AS topic, avg(a.score) AS average_score, "
                        "count(*) AS answers FROM interview_answers a JOIN interviews i ON i.id = a.interview_id "
                        "JOIN questions q ON q.id = a.question_id WHERE i.user_id = ?1 AND a.status = 'answered' "
                        "AND a.score IS NOT NULL GROUP BY 1 ORDER BY average_score, answers DESC, topic LIMIT 50",
    [SQ_WEAK_TOPICS] = "SELECT f.weakest_topics AS weakest_topics FROM interview_feedback f "
                       "JOIN interviews i ON i.id = f.interview_id WHERE i.user_id = ?1 "
                       "AND f.weakest_topics IS NOT NULL ORDER BY i.ended_at DESC, i.id DESC LIMIT ?2",
    /* realtime: interview rooms */
    [SQ_INTERVIEW_BY_SESSION] = "SELECT " SQ_INTERVIEW_COLS " FROM interviews WHERE user_id = ?1 AND session_id = ?2",
};


/* What PostgreSQL and MySQL both need written otherwise: the scalar maximum is GREATEST, and a read
 * that a later write of the same transaction depends on locks its row (SQLite's write lock already
 * serialises writers; a server's plain read takes no lock, and MySQL's reads a snapshot). */
static const char *const sq_sql_server[SQ_STMT_COUNT] = {
    [SQ_FAMILY_GET] = SQ_FAMILY_GET_SQL " FOR UPDATE",
    [SQ_RESUME_GET_LOCKED] = SQ_RESUME_GET_SQL " FOR UPDATE",
    [SQ_JOB_OWNED] = SQ_JOB_OWNED_SQL " FOR UPDATE",
    [SQ_INTERVIEW_GET_LOCKED] = SQ_INTERVIEW_GET_SQL " FOR UPDATE",
    [SQ_INTERVIEW_RESUME] = SQ_INTERVIEW_RESUME_SQL("GREATEST"),
    [SQ_INTERVIEW_CANCEL] = SQ_INTERVIEW_CANCEL_SQL("GREATEST"),
    [SQ_INTERVIEW_FINISH] = SQ_INTERVIEW_FINISH_SQL("GREATEST"),
};

/* One lock for every process migrating the same database (a session lock: MySQL commits DDL at once,
 * so a transaction cannot hold it). */
#define SQ_MIG_LOCK_NAME "interviewgenius.migrate"
#define SQ_MIG_LOCK_KEY "7262001"

/* PostgreSQL: jobs are leased with SKIP LOCKED, so workers never wait on each other's pick. */
static const char *const sq_sql_pg[SQ_STMT_COUNT] = {
    [SQ_MIG_LOCK] = "SELECT 1 FROM (SELECT pg_advisory_lock(" SQ_MIG_LOCK_KEY ")) AS l",
    [SQ_MIG_UNLOCK] = "SELECT 1 FROM (SELECT pg_advisory_unlock(" SQ_MIG_LOCK_KEY ")) AS l",
    [SQ_MIG_EXISTS] = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() "
                      "AND table_name = 'schema_migrations'",
    [SQ_JTI_REVOKE] = "INSERT INTO revoked_tokens (jti, expires_at) VALUES (?1, ?2) ON CONFLICT (jti) DO UPDATE "
                      "SET expires_at = GREATEST(revoked_tokens.expires_at, excluded.expires_at)",
    [SQ_JOB_LEASE] = SQ_JOB_TAKE "(" SQ_JOB_NEXT " FOR UPDATE SKIP LOCKED) RETURNING " SQ_JOB_COLS,
};

/* MySQL/MariaDB: no RETURNING (sq_open cuts it off; the row is read back), upserts ON DUPLICATE KEY,
 * and a job lease in three steps: pick with SKIP LOCKED, take it, read it back. */
static const char *const sq_sql_mysql[SQ_STMT_COUNT] = {
    [SQ_LAST_ID] = "SELECT LAST_INSERT_ID()",
    [SQ_MIG_LOCK] = "SELECT GET_LOCK('" SQ_MIG_LOCK_NAME "', 20)",
    [SQ_MIG_UNLOCK] = "SELECT RELEASE_LOCK('" SQ_MIG_LOCK_NAME "')",
    [SQ_MIG_EXISTS] = "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
                      "AND table_name = 'schema_migrations'",
    [SQ_JTI_REVOKE] = "INSERT INTO revoked_tokens (jti, expires_at) VALUES (?1, ?2) "
                      "ON DUPLICATE KEY UPDATE expires_at = GREATEST(expires_at, VALUES(expires_at))",
    [SQ_RESULT_UPSERT] = SQ_RESULT_UPSERT_SQL(SQ_ON_DUPLICATE, SQ_VALUES),
    [SQ_FEEDBACK_UPSERT] = SQ_FEEDBACK_UPSERT_SQL(SQ_ON_DUPLICATE, SQ_VALUES),
    [SQ_JOB_PICK] = SQ_JOB_NEXT " FOR UPDATE SKIP LOCKED",
    [SQ_JOB_LEASE] = SQ_JOB_TAKE "?4",
};

/* The statement-cache slots after the backend's own, used by store_files.c. */
#define SQ_FILES_SLOT ((size_t)SQ_STMT_COUNT)
/* Server databases: a connection attempt gives up after this long. */
#define SQ_CONNECT_TIMEOUT_S 10

typedef struct sq_store {
    sqldb_pool *pool;
    sqldb_dialect dialect;
    const char *sql[SQ_STMT_COUNT]; /* this dialect's text of each statement (NULL: not used on it) */
    char *owned[SQ_STMT_COUNT];     /* the texts sq_open had to rewrite, freed at close */
} sq_store;

/* A pooled connection borrowed for one operation. */
typedef struct sq_conn {
    sq_store *s;
    sqldb_conn *db;
} sq_conn;

/* A bound parameter value: SQ_I, SQ_D, SQ_T (a NULL string binds SQL NULL), SQ_NULL. */
typedef enum sq_kind { SQV_NULL, SQV_INT, SQV_REAL, SQV_TEXT } sq_kind;
typedef struct sq_val {
    sq_kind kind;
    int64_t i;
    double d;
    const char *s;
} sq_val;
#define SQ_I(v) ((sq_val){.kind = SQV_INT, .i = (int64_t)(v)})
#define SQ_D(v) ((sq_val){.kind = SQV_REAL, .d = (v)})
#define SQ_T(v) ((sq_val){.kind = SQV_TEXT, .s = (v)})
#define SQ_NULL ((sq_val){.kind = SQV_NULL})
/* An id column's value, where 0 stands for SQL NULL. */
#define SQ_ID(v) ((v) != 0 ? SQ_I(v) : SQ_NULL)
/* The values of ?1, ?2, ... as the (array, count) pair the helpers take. */
#define SQ_ARGS(...) (const sq_val[]){__VA_ARGS__}, sizeof((const sq_val[]){__VA_ARGS__}) / sizeof(sq_val)

/* Reads the current row of q into out. */
typedef ig_status (*sq_fill_fn)(sqldb_stmt *q, void *out, ig_err *err);

/* Prefixes the driver's message in err with what, keeping the status. */
static ig_status sq_fail(ig_status rc, const char *what, ig_err *err)
{
    if (err == NULL)
        return rc;
    char msg[sizeof err->msg];
    snprintf(msg, sizeof msg, "%s", err->msg);
    return status_errf(err, rc, "%s: %s", what, msg);
}

static ig_status sq_acquire(sq_store *s, sq_conn *c, ig_err *err)
{
    c->s = s;
    c->db = NULL;
    return sqldb_pool_acquire(s->pool, &c->db, err);
}

/* Returns c to the pool, which rolls back a transaction an early exit left open. */
static void sq_release(sq_conn *c)
{
    sqldb_pool_release(c->s->pool, c->db);
    c->db = NULL;
}

/* Statement id on c, with ?1.. bound to args. */
static ig_status sq_query(sq_conn *c, sq_stmt_id id, const sq_val *args, size_t n, sqldb_stmt **q, ig_err *err)
{
    *q = NULL;
    if (c->s->sql[id] == NULL)
        return status_errf(err, IG_EINTERNAL, "statement %d is not written for this database", (int)id);
    ig_status rc = sqldb_prepare(c->db, (size_t)id, c->s->sql[id], q, err);
    if (rc != IG_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        int idx = (int)i + 1;
        switch (args[i].kind) {
        case SQV_NULL:
            sqldb_bind_null(*q, idx);
            break;
        case SQV_INT:
            sqldb_bind_int64(*q, idx, args[i].i);
            break;
        case SQV_REAL:
            sqldb_bind_double(*q, idx, args[i].d);
            break;
        case SQV_TEXT:
            sqldb_bind_text(*q, idx, args[i].s, args[i].s != NULL ? strlen(args[i].s) : 0);
            break;
        }
    }
    return IG_OK;
}

/* Steps q expecting a row: IG_ENOTFOUND ("<what> not found") when there is none. */
static ig_status sq_step_row(sqldb_stmt *q, const char *what, ig_err *err)
{
    bool row = false;
    ig_status rc = sqldb_step(q, &row, err);
    if (rc != IG_OK)
        return sq_fail(rc, what, err);
    return row ? IG_OK : status_errf(err, IG_ENOTFOUND, "%s not found", what);
}

/* Steps q expecting completion (a write, or the end of a single-row result). */
static ig_status sq_step_done(sqldb_stmt *q, const char *what, ig_err *err)
{
    bool row = false;
    ig_status rc = sqldb_step(q, &row, err);
    if (rc != IG_OK)
        return sq_fail(rc, what, err);
    return row ? status_errf(err, IG_EINTERNAL, "%s: more rows than expected", what) : IG_OK;
}

/* Runs statement id, which returns no rows, with args on c; IG_ENOTFOUND ("<what> not found") when
 * must_change and it changed no row. */
static ig_status sq_exec(sq_conn *c, sq_stmt_id id, const sq_val *args, size_t n, const char *what, bool must_change,
                         ig_err *err)
{
    sqldb_stmt *q = NULL;
    ig_status rc = sq_query(c, id, args, n, &q, err);
    if (rc == IG_OK)
        rc = sq_step_done(q, what, err);
    if (rc == IG_OK && must_change && sqldb_changes(c->db) == 0)
        rc = status_errf(err, IG_ENOTFOUND, "%s not found", what);
    sqldb_reset(q);
    return rc;
}

/* sq_exec on a connection of its own. */
static ig_status sq_write(sq_store *s, sq_stmt_id id, const sq_val *args, size_t n, const char *what,
                          bool must_change, ig_err *err)
{
    sq_conn c;
    ig_status rc = sq_acquire(s, &c, err);
    if (rc != IG_OK)
        return rc;
    rc = sq_exec(&c, id, args, n, what, must_change, err);
    sq_release(&c);
    return rc;
}

/* Steps bound q expecting exactly one row, read by fill, then to completion (a RETURNING write
 * commits only then). */
static ig_status sq_fetch(sqldb_stmt *q, const char *what, sq_fill_fn fill, void *out, ig_err *err)
{
    ig_status rc = sq_step_row(q, what, err);
    if (rc == IG_OK)
        rc = fill(q, out, err);
    if (rc == IG_OK)
        rc = sq_step_done(q, what, err);
    return rc;
}

/* The one row statement id yields for args, read by fill. */
static ig_status sq_row(sq_conn *c, sq_stmt_id id, const sq_val *args, size_t n, const char *what, sq_fill_fn fill,
                        void *out, ig_err *err)
{
    sqldb_stmt *q = NULL;
    ig_status rc = sq_query(c, id, args, n, &q, err);
    if (rc == IG_OK)
        rc = sq_fetch(q, what, fill, out, err);
    sqldb_reset(q);
    return rc;
}

/* Reads column 0 as an integer (an id, a count). */
static ig_status sq_int_fill(sqldb_stmt *q, void *out, ig_err *err)
{
    (void)err;
    *(int64_t *)out = sqldb_column_int64(q, 0);
    return IG_OK;
}

/* How the row a write names with RETURNING is read back where the write cannot return it (MySQL):
 * statement get with ?1.. = key, the last key replaced by LAST_INSERT_ID() when last_id. */
typedef struct sq_readback {
    sq_stmt_id get;
    int64_t key[2];
    size_t nkey;
    bool last_id;
} sq_readback;

/* Reads back the inserted id: the statement that yields LAST_INSERT_ID(). */
static const sq_readback sq_new_id = {SQ_LAST_ID, {0, 0}, 0, false};

/* Steps the bound write q, which returns its one row with RETURNING, and reads that row with fill.
 * On MySQL, which cuts RETURNING off, the write runs and rb reads the row back in the same
 * transaction (one of its own when none is open); a write that matched no row is IG_ENOTFOUND. */
static ig_status sq_fetch_written(sq_conn *c, sqldb_stmt *q, const sq_readback *rb, const char *what, sq_fill_fn fill,
                                  void *out, ig_err *err)
{
    if (c->s->dialect != SQLDB_MYSQL)
        return sq_fetch(q, what, fill, out, err);
    bool own = !sqldb_in_transaction(c->db);
    sq_val key[2];
    for (size_t i = 0; i < rb->nkey; i++)
        key[i] = SQ_I(rb->key[i]);
    ig_status rc = own ? sqldb_begin(c->db, true, err) : IG_OK;
    if (rc == IG_OK)
        rc = sq_step_done(q, what, err);
    if (rc == IG_OK && sqldb_changes(c->db) == 0)
        rc = status_errf(err, IG_ENOTFOUND, "%s not found", what);
    if (rc == IG_OK && rb->last_id) {
        int64_t id = 0;
        rc = sq_row(c, SQ_LAST_ID, NULL, 0, what, sq_int_fill, &id, err);
        key[rb->nkey - 1] = SQ_I(id);
    }
    if (rc == IG_OK)
        rc = sq_row(c, rb->get, key, rb->nkey, what, fill, out, err);
    if (rc == IG_OK && own)
        rc = sqldb_commit(c->db, err);
    if (rc != IG_OK && own)
        sqldb_rollback(c->db);
    return rc;
}

/* ---- migrations ---- */

/* The highest applied version; 0 when schema_migrations does not exist yet. */
static ig_status sq_version(sq_conn *c, int *version, ig_err *err)
{
    int64_t exists = 0, v = 0;
    *version = 0;
    ig_status rc = sq_row(c, SQ_MIG_EXISTS, NULL, 0, "schema_migrations lookup", sq_int_fill, &exists, err);
    if (rc == IG_OK && exists > 0)
        rc = sq_row(c, SQ_MIG_VERSION, NULL, 0, "schema version", sq_int_fill, &v, err);
    if (rc == IG_OK)
        *version = (int)v;
    return rc;
}

static ig_status sq_schema_version(void *impl, int *version, ig_err *err)
{
    sq_conn c;
    ig_status rc = sq_acquire(impl, &c, err);
    if (rc != IG_OK)
        return rc;
    rc = sq_version(&c, version, err);
    sq_release(&c);
    return rc;
}

/* Applies m unless the version read in its transaction says it is already there (so two processes
 * migrating at once apply it once). *done tells whether it was applied now. */
static ig_status sq_apply(sq_conn *c, const store_migration *m, bool *done, ig_err *err)
{
    int version = 0;
    *done = false;
    ig_status rc = sqldb_begin(c->db, true, err);
    if (rc == IG_OK)
        rc = sq_version(c, &version, err);
    if (rc != IG_OK || version >= m->version)
        goto out;
    /* Our own shipped SQL, never input. */
    rc = sqldb_exec_script(c->db, m->sql, err);
    if (rc != IG_OK) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err != NULL ? err->msg : "");
        rc = status_errf(err, IG_EIO, "migration %s failed: %s", m->name, msg);
        goto out;
    }
    rc = sq_exec(c, SQ_MIG_INSERT, SQ_ARGS(SQ_I(m->version), SQ_T(m->name), SQ_I(time(NULL))), "record migration",
                 false, err);
    if (rc == IG_OK)
        rc = sqldb_commit(c->db, err);
    *done = rc == IG_OK;
out:
    sqldb_rollback(c->db);
    return rc;
}

/* Takes (lock) or gives back the migration lock of a server database; SQLite's write lock, taken
 * by each migration's transaction, already keeps two processes apart. */
static ig_status sq_mig_lock(sq_conn *c, bool lock, ig_err *err)
{
    int64_t got = 0;
    if (c->s->dialect == SQLDB_SQLITE)
        return IG_OK;
    ig_status rc = sq_row(c, lock ? SQ_MIG_LOCK : SQ_MIG_UNLOCK, NULL, 0, "migration lock", sq_int_fill, &got, err);
    if (rc == IG_OK && lock && got != 1)
        rc = status_errf(err, IG_EUNAVAIL, "another process has been migrating the database for too long");
    return rc;
}

static ig_status sq_migrate(void *impl, const store_migration *list, size_t count, int *applied, ig_err *err)
{
    sq_conn c;
    int version = 0;
    int newest = count > 0 ? list[count - 1].version : 0;
    ig_status rc = sq_acquire(impl, &c, err);
    if (rc != IG_OK)
        return rc;
    rc = sq_mig_lock(&c, true, err);
    if (rc != IG_OK)
        goto out;
    rc = sqldb_begin(c.db, true, err);
    if (rc == IG_OK)
        rc = sq_exec(&c, SQ_MIG_CREATE, NULL, 0, "create schema_migrations", false, err);
    if (rc == IG_OK)
        rc = sq_version(&c, &version, err);
    if (rc == IG_OK)
        rc = sqldb_commit(c.db, err);
    if (rc == IG_OK && version > newest)
        rc = status_errf(err, IG_ESTATE, "database schema version %d is newer than this program's %d", version,
                         newest);
    for (size_t i = 0; rc == IG_OK && i < count; i++) {
        bool done = false;
        rc = sq_apply(&c, &list[i], &done, err);
        if (done && applied != NULL)
            (*applied)++;
    }
    sqldb_rollback(c.db);
    ig_err uerr = {0};
    sq_mig_lock(&c, false, &uerr); /* a lost connection frees the lock with it */
out:
    sq_release(&c);
    return rc;
}

/* ---- users ---- */

/* Copies text column col into buf (cap bytes with the NUL); NULL becomes "" and *has = false. */
static ig_status sq_text(sqldb_stmt *q, int col, char *buf, size_t cap, bool *has, ig_err *err)
{
    buf[0] = '\0';
    if (has != NULL)
        *has = false;
    if (sqldb_column_type(q, col) == SQLDB_NULL)
        return IG_OK;
    size_t n = 0;
    const char *t = sqldb_column_text(q, col, &n);
    if (t == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory reading column %d", col);
    if (n >= cap)
        return status_errf(err, IG_EIO, "stored text in column %d is longer than %zu bytes", col, cap - 1);
    memcpy(buf, t, n);
    buf[n] = '\0';
    if (has != NULL)
        *has = true;
    return IG_OK;
}

/* Fills a store_user from a row of SQ_USER_COLS. */
static ig_status sq_user_fill(sqldb_stmt *q, void *dst, ig_err *err)
{
    store_user *out = dst;
    memset(out, 0, sizeof *out);
    out->id = sqldb_column_int64(q, 0);
    ig_status rc = sq_text(q, 1, out->email, sizeof out->email, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 2, out->password_hash, sizeof out->password_hash, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 3, out->username, sizeof out->username, &out->has_username, err);
    if (rc == IG_OK)
        rc = sq_text(q, 4, out->avatar_url, sizeof out->avatar_url, &out->has_avatar_url, err);
    out->is_active = sqldb_column_int64(q, 5) != 0;
    out->last_login_at = sqldb_column_int64(q, 6);
    out->created_at = sqldb_column_int64(q, 7);
    out->updated_at = sqldb_column_int64(q, 8);
    return rc;
}

static ig_status sq_user_create(void *impl, const char *email, const char *password_hash, const char *username,
                                store_user *out, ig_err *err)
{
    sq_conn c;
    sqldb_stmt *q = NULL;
    ig_status rc = sq_acquire(impl, &c, err);
    if (rc != IG_OK)
        return rc;
    rc = sq_query(&c, SQ_USER_INSERT, SQ_ARGS(SQ_T(email), SQ_T(password_hash), SQ_T(username), SQ_I(time(NULL))),
                  &q, err);
    if (rc == IG_OK)
        rc = sq_fetch_written(&c, q, &(sq_readback){SQ_USER_BY_ID, {0, 0}, 1, true}, "created user", sq_user_fill,
                              out, err);
    if (rc == IG_ECONFLICT)
        rc = status_errf(err, IG_ECONFLICT, "email already registered");
    sqldb_reset(q);
    sq_release(&c);
    return rc;
}

/* The one row statement id yields for args, on a connection of its own. */
static ig_status sq_get(sq_store *s, sq_stmt_id id, const sq_val *args, size_t n, const char *what, sq_fill_fn fill,
                        void *out, ig_err *err)
{
    sq_conn c;
    ig_status rc = sq_acquire(s, &c, err);
    if (rc != IG_OK)
        return rc;
    rc = sq_row(&c, id, args, n, what, fill, out, err);
    sq_release(&c);
    return rc;
}

static ig_status sq_user_by_email(void *impl, const char *email, store_user *out, ig_err *err)
{
    return sq_get(impl, SQ_USER_BY_EMAIL, SQ_ARGS(SQ_T(email)), "user", sq_user_fill, out, err);
}

static ig_status sq_user_by_id(void *impl, int64_t id, store_user *out, ig_err *err)
{
    return sq_get(impl, SQ_USER_BY_ID, SQ_ARGS(SQ_I(id)), "user", sq_user_fill, out, err);
}

static ig_status sq_user_update_profile(void *impl, int64_t id, const char *username, const char *avatar_url,
                                        store_user *out, ig_err *err)
{
    sq_conn c;
    sqldb_stmt *q = NULL;
    ig_status rc = sq_acquire(impl, &c, err);
    if (rc != IG_OK)
        return rc;
    rc = sq_query(&c, SQ_USER_UPDATE_PROFILE,
                  SQ_ARGS(SQ_I(id), SQ_T(username), SQ_T(avatar_url), SQ_I(time(NULL))), &q, err);
    if (rc == IG_OK)
        rc = sq_fetch_written(&c, q, &(sq_readback){SQ_USER_BY_ID, {id, 0}, 1, false}, "user", sq_user_fill, out,
                              err);
    sqldb_reset(q);
    sq_release(&c);
    return rc;
}

static ig_status sq_user_set_password(void *impl, int64_t id, const char *password_hash, ig_err *err)
{
    return sq_write(impl, SQ_USER_SET_PASSWORD, SQ_ARGS(SQ_I(id), SQ_T(password_hash), SQ_I(time(NULL))), "user", true,
                    err);
}

static ig_status sq_user_set_active(void *impl, const char *email, bool active, ig_err *err)
{
    return sq_write(impl, SQ_USER_SET_ACTIVE, SQ_ARGS(SQ_T(email), SQ_I(active ? 1 : 0), SQ_I(time(NULL))), "user",
                    true, err);
}

static ig_status sq_user_touch_login(void *impl, int64_t id, ig_err *err)
{
    return sq_write(impl, SQ_USER_TOUCH_LOGIN, SQ_ARGS(SQ_I(id), SQ_I(time(NULL))), "user", true, err);
}

static ig_status sq_user_delete(void *impl, int64_t id, ig_err *err)
{
    return sq_write(impl, SQ_USER_DELETE, SQ_ARGS(SQ_I(id)), "user", true, err);
}

/* ---- JSON rendering of rows (list and export) ---- */

/* Columns holding JSON documents as TEXT: embedded as JSON, not as strings. */
static const char *const sq_json_columns[] = {
    "basic_info", "skills", "experience", "education", "projects", "expected_points", "follow_ups",
    "feedback", "dimension_scores", "strengths", "weaknesses", "suggestions",
    "certifications", "awards", "languages", "sections", "confidence",
    "analysis", "dimensions", "delivery", "report", "weakest_topics", "refined_fields",
};
/* INTEGER 0/1 columns rendered as booleans. */
static const char *const sq_bool_columns[] = {"is_active", "revoked", "edited", "locked", "hints", "adaptive"};

static bool sq_name_in(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, list[i]) == 0)
            return true;
    return false;
}

/* Unix seconds as ISO 8601 UTC, the API's timestamp format. */
static json_t *sq_json_time(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[32];
    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return json_integer(t);
    return json_string(buf);
}

/* The value of column col, typed by its name (timestamps, JSON documents, booleans) and its type.
 * NULL on allocation failure. */
static json_t *sq_json_column(sqldb_stmt *q, int col)
{
    const char *name = sqldb_column_name(q, col);
    sqldb_type type = sqldb_column_type(q, col);
    if (name == NULL)
        return NULL;
    if (type == SQLDB_NULL)
        return json_null();
    if (type == SQLDB_INT && sq_name_in(name, sq_bool_columns, sizeof sq_bool_columns / sizeof *sq_bool_columns))
        return json_boolean(sqldb_column_int64(q, col) != 0);
    size_t nl = strlen(name);
    if (type == SQLDB_INT && nl > 3 && strcmp(name + nl - 3, "_at") == 0)
        return sq_json_time(sqldb_column_int64(q, col));
    if (type == SQLDB_INT)
        return json_integer(sqldb_column_int64(q, col));
    if (type == SQLDB_REAL)
        return json_real(sqldb_column_double(q, col));
    size_t n = 0;
    const char *t = sqldb_column_text(q, col, &n);
    if (t == NULL)
        return NULL;
    if (sq_name_in(name, sq_json_columns, sizeof sq_json_columns / sizeof *sq_json_columns)) {
        json_t *doc = json_loadb(t, n, JSON_DECODE_ANY, NULL);
        if (doc != NULL)
            return doc;
    }
    /* malformed UTF-8 (bytes written by something other than us) becomes U+FFFD rather than
     * failing the whole export */
    return utf8_json_lossy(t, n);
}

/* The current row of q as an object keyed by column name. */
static ig_status sq_json_row(sqldb_stmt *q, void *out, ig_err *err)
{
    json_t *obj = json_object();
    if (obj == NULL)
        goto nomem;
    for (int col = 0; col < sqldb_column_count(q); col++) {
        json_t *v = sq_json_column(q, col);
        if (v == NULL || json_object_set_new(obj, sqldb_column_name(q, col), v) != 0)
            goto nomem;
    }
    *(json_t **)out = obj;
    return IG_OK;
nomem:
    json_decref(obj);
    return status_errf(err, IG_ENOMEM, "out of memory rendering rows as JSON");
}

/* Runs statement id with args and renders its rows as JSON: an array, or with single the one row
 * as an object (IG_ENOTFOUND "<what> not found" when there is none). */
static ig_status sq_json_rows(sq_conn *c, sq_stmt_id id, const sq_val *args, size_t n, bool single, const char *what,
                              json_t **out, ig_err *err)
{
    sqldb_stmt *q = NULL;
    json_t *arr = NULL, *row = NULL;
    *out = NULL;
    ig_status rc = sq_query(c, id, args, n, &q, err);
    if (rc != IG_OK)
        goto out;
    if (single) {
        rc = sq_step_row(q, what, err);
        if (rc == IG_OK)
            rc = sq_json_row(q, out, err);
        goto out;
    }
    arr = json_array();
    if (arr == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory rendering %s", what);
        goto out;
    }
    for (;;) {
        bool more = false;
        rc = sqldb_step(q, &more, err);
        if (rc != IG_OK) {
            rc = sq_fail(rc, what, err);
            goto out;
        }
        if (!more)
            break;
        rc = sq_json_row(q, &row, err);
        if (rc != IG_OK)
            goto out;
        if (json_array_append_new(arr, row) != 0) {
            rc = status_errf(err, IG_ENOMEM, "out of memory rendering %s", what);
            goto out;
        }
    }
    *out = arr;
    arr = NULL;
out:
    json_decref(arr);
    sqldb_reset(q);
    return rc;
}

/* sq_json_rows on a connection of its own. */
static ig_status sq_json_get(sq_store *s, sq_stmt_id id, const sq_val *args, size_t n, bool single, const char *what,
                             json_t **out, ig_err *err)
{
    sq_conn c;
    ig_status rc = sq_acquire(s, &c, err);
    if (rc != IG_OK)
        return rc;
    rc = sq_json_rows(&c, id, args, n, single, what, out, err);
    sq_release(&c);
    return rc;
}

/* Statements' keyed reads in one read transaction (one snapshot) on a connection of its own:
 * parts[i] goes under keys[i] of *out, each run with args; the first is a single row when
 * first_single. */
static ig_status sq_json_doc(sq_store *s, const sq_stmt_id *stmts, const char *const *keys, size_t nparts,
                             bool first_single, const sq_val *args, size_t n, json_t **out, ig_err *err)
{
    sq_conn c;
    ig_status rc = sq_acquire(s, &c, err);
    if (rc != IG_OK)
        return rc;
    json_t *doc = json_object();
    if (doc == NULL)
        rc = status_errf(err, IG_ENOMEM, "out of memory reading %s", keys[0]);
    if (rc == IG_OK)
        rc = sqldb_begin(c.db, false, err);
    for (size_t i = 0; rc == IG_OK && i < nparts; i++) {
        json_t *v = NULL;
        rc = sq_json_rows(&c, stmts[i], args, n, i == 0 && first_single, keys[i], &v, err);
        if (rc == IG_OK && json_object_set_new(doc, keys[i], v) != 0)
            rc = status_errf(err, IG_ENOMEM, "out of memory reading %s", keys[i]);
    }
    if (rc == IG_OK)
        rc = sqldb_commit(c.db, err);
    if (rc == IG_OK) {
        *out = doc;
        doc = NULL;
    }
    json_decref(doc);
    sq_release(&c);
    return rc;
}

static ig_status sq_user_list(void *impl, json_t **out, ig_err *err)
{
    return sq_json_get(impl, SQ_USER_LIST, NULL, 0, false, "users", out, err);
}

static ig_status sq_user_export(void *impl, int64_t id, json_t **out, ig_err *err)
{
    static const char *const keys[] = {"user",       "resumes", "parse_results", "questions", "interviews",
                                       "interview_questions", "answers", "feedback", "sessions"};
    static const sq_stmt_id stmts[] = {SQ_EXPORT_USER,       SQ_EXPORT_RESUMES, SQ_EXPORT_PARSE_RESULTS,
                                       SQ_EXPORT_QUESTIONS,  SQ_EXPORT_INTERVIEWS, SQ_EXPORT_INTERVIEW_QUESTIONS,
                                       SQ_EXPORT_ANSWERS,    SQ_EXPORT_FEEDBACK,   SQ_EXPORT_SESSIONS};
    return sq_json_doc(impl, stmts, keys, sizeof stmts / sizeof stmts[0], true, SQ_ARGS(SQ_I(id)), out, err);
}

/* ---- token families and revoked tokens ---- */

static ig_status sq_family_create(void *impl, const char *family_id, int64_t user_id, const char *refresh_jti,
                                  int64_t expires_at, ig_err *err)
{
    return sq_write(impl, SQ_FAMILY_INSERT,
                    SQ_ARGS(SQ_T(family_id), SQ_I(user_id), SQ_T(refresh_jti), SQ_I(time(NULL)), SQ_I(expires_at)),
                    "create session", false, err);
}

/* Constant-time equality of the stored jti and the presented one (lengths are not secret). */
static bool sq_jti_eq(const char *stored, size_t stored_len, const char *given)
{
    size_t n = strlen(given);
    return stored != NULL && stored_len == n && sodium_memcmp(stored, given, n) == 0;
}

static ig_status sq_family_rotate(void *impl, const char *family_id, int64_t user_id, const char *old_jti,
                                  const char *new_jti, int64_t expires_at, ig_err *err)
{
    sq_conn c;
    sqldb_stmt *q = NULL;
    int64_t now = (int64_t)time(NULL);
    bool current = false;
    ig_status rc = sq_acquire(impl, &c, err);
    if (rc != IG_OK)
        return rc;
    /* The read and the write are one write transaction, the row locked: two refreshes racing with
     * the same token cannot both rotate; the second sees a non-current jti and revokes the family. */
    rc = sqldb_begin(c.db, true, err);
    if (rc == IG_OK)
        rc = sq_query(&c, SQ_FAMILY_GET, SQ_ARGS(SQ_T(family_id)), &q, err);
    if (rc == IG_OK)
        rc = sq_step_row(q, "session", err);
    if (rc == IG_ENOTFOUND)
        rc = status_errf(err, IG_EAUTH, "unknown session");
    if (rc != IG_OK)
        goto out;
    if (sqldb_column_int64(q, 0) != user_id) {
        rc = status_errf(err, IG_EAUTH, "session belongs to another user");
        goto out;
    }
    if (sqldb_column_int64(q, 2) != 0) {
        rc = status_errf(err, IG_EAUTH, "session has been revoked");
        goto out;
    }
    if (sqldb_column_int64(q, 3) <= now) {
        rc = status_errf(err, IG_EAUTH, "session has expired");
        goto out;
    }
    size_t cur_len = 0;
    const char *cur = sqldb_column_text(q, 1, &cur_len);
    current = sq_jti_eq(cur, cur_len, old_jti);
    sqldb_reset(q);
    q = NULL;
    if (current)
        rc = sq_exec(&c, SQ_FAMILY_ROTATE, SQ_ARGS(SQ_T(family_id), SQ_T(new_jti), SQ_I(now), SQ_I(expires_at)),
                     "rotate session", false, err);
    else
        rc = sq_exec(&c, SQ_FAMILY_REVOKE, SQ_ARGS(SQ_T(family_id)), "revoke session", false, err);
    if (rc == IG_OK)
        rc = sqldb_commit(c.db, err);
    if (rc == IG_OK && !current)
        rc = status_errf(err, IG_EAUTH, "refresh token reuse detected; session revoked");
out:
    sqldb_reset(q);
    sq_release(&c);
    return rc;
}

static ig_status sq_family_revoke(void *impl, const char *family_id, ig_err *err)
{
    return sq_write(impl, SQ_FAMILY_REVOKE, SQ_ARGS(SQ_T(family_id)), "session", true, err);
}

static ig_status sq_family_revoke_user(void *impl, int64_t user_id, const char *keep_family, ig_err *err)
{
    return sq_write(impl, SQ_FAMILY_REVOKE_USER, SQ_ARGS(SQ_I(user_id), SQ_T(keep_family)), "revoke sessions", false,
                    err);
}

static ig_status sq_jti_revoke(void *impl, const char *jti, int64_t expires_at, ig_err *err)
{
    return sq_write(impl, SQ_JTI_REVOKE, SQ_ARGS(SQ_T(jti), SQ_I(expires_at)), "revoke token", false, err);
}

/* Fills a store_auth_check from a row of SQ_AUTH_CHECK. */
static ig_status sq_auth_fill(sqldb_stmt *q, void *dst, ig_err *err)
{
    store_auth_check *out = dst;
    ig_status rc = sq_user_fill(q, &out->user, err);
    out->user_exists = true;
    out->user_active = out->user.is_active;
    out->jti_revoked = sqldb_column_int64(q, 9) != 0;
    out->family_revoked = sqldb_column_int64(q, 10) != 0;
    return rc;
}

static ig_status sq_auth_check_token(void *impl, int64_t user_id, const char *jti, const char *family_id,
                                     store_auth_check *out, ig_err *err)
{
    memset(out, 0, sizeof *out);
    ig_status rc = sq_get(impl, SQ_AUTH_CHECK, SQ_ARGS(SQ_I(user_id), SQ_T(jti), SQ_T(family_id)), "token check",
                          sq_auth_fill, out, err);
    if (rc == IG_ENOTFOUND) {
        memset(out, 0, sizeof *out);
        rc = IG_OK; /* no such user: user_exists stays false */
    }
    return rc;
}

static ig_status sq_purge_expired(void *impl, int64_t now, ig_err *err)
{
    sq_conn c;
    ig_status rc = sq_acquire(impl, &c, err);
    if (rc != IG_OK)
        return rc;
    rc = sqldb_begin(c.db, true, err);
    if (rc == IG_OK)
        rc = sq_exec(&c, SQ_PURGE_JTIS, SQ_ARGS(SQ_I(now)), "purge", false, err);
    if (rc == IG_OK)
        rc = sq_exec(&c, SQ_PURGE_FAMILIES, SQ_ARGS(SQ_I(now)), "purge", false, err);
    if (rc == IG_OK)
        rc = sqldb_commit(c.db, err);
    sq_release(&c);
    return rc;
}

static ig_status sq_ping(void *impl, ig_err *err)
{
    int64_t one = 0;
    return sq_get(impl, SQ_PING, NULL, 0, "ping", sq_int_fill, &one, err);
}

/* ---- resumes ---- */

/* Fills a store_resume from a row of SQ_RESUME_COLS. */
static ig_status sq_resume_fill(sqldb_stmt *q, void *dst, ig_err *err)
{
    store_resume *out = dst;
    memset(out, 0, sizeof *out);
    out->id = sqldb_column_int64(q, 0);
    out->user_id = sqldb_column_int64(q, 1);
    ig_status rc = sq_text(q, 2, out->file_name, sizeof out->file_name, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 3, out->file_path, sizeof out->file_path, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 4, out->file_type, sizeof out->file_type, NULL, err);
    out->file_size = sqldb_column_int64(q, 5);
    if (rc == IG_OK)
        rc = sq_text(q, 6, out->content_sha256, sizeof out->content_sha256, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 7, out->status, sizeof out->status, NULL, err);
    out->parse_confidence = sqldb_column_double(q, 8);
    out->progress = (int)sqldb_column_int64(q, 9);
    if (rc == IG_OK)
        rc = sq_text(q, 10, out->error_code, sizeof out->error_code, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 11, out->error, sizeof out->error, NULL, err);
    out->created_at = sqldb_column_int64(q, 12);
    out->updated_at = sqldb_column_int64(q, 13);
    return rc;
}

/* The resume (user_id, id) on connection c; locked for the transaction's writes when locked. */
static ig_status sq_resume_read(sq_conn *c, int64_t user_id, int64_t id, bool locked, store_resume *out, ig_err *err)
{
    return sq_row(c, locked ? SQ_RESUME_GET_LOCKED : SQ_RESUME_GET, SQ_ARGS(SQ_I(user_id), SQ_I(id)), "resume",
                  sq_resume_fill, out, err);
}

/* Inserts a queued job on connection c (inside the caller's transaction); resume_id 0 is NULL. */
static ig_status sq_job_insert(sq_conn *c, const char *kind, const char *payload, int64_t resume_id,
                               int max_attempts, int64_t run_after, int64_t *id, ig_err *err)
{
    sqldb_stmt *q = NULL;
    ig_status rc = sq_query(c, SQ_JOB_INSERT,
                            SQ_ARGS(SQ_T(kind), SQ_T(payload), SQ_I(max_attempts), SQ_I(run_after), SQ_ID(resume_id),
                                    SQ_I(time(NULL))),
                            &q, err);
    if (rc == IG_OK)
        rc = sq_fetch_written(c, q, &sq_new_id, "queued job", sq_int_fill, id, err);
    sqldb_reset(q);
    return rc;
}

/* Queues the parse job of a resume on connection c. */
static ig_status sq_parse_job_insert(sq_conn *c, int64_t user_id, int64_t resume_id, int max_attempts, ig_err *err)
{
    char payload[96];
    int64_t job_id;
    snprintf(payload, sizeof payload, "{\"resume_id\":%lld,\"user_id\":%lld}", (long long)resume_id,
             (long long)user_id);
    return sq_job_insert(c, STORE_JOB_PARSE_RESUME, payload, resume_id, max_attempts, (int64_t)time(NULL), &job_id,
                         err);
}

/* Inserts the resume and its parse job in one transaction, with the bytes of the file at
 * content_path stored in the database when it is not NULL (STORAGE=db). */
static ig_status sq_resume_insert(void *impl, const store_resume_new *in, const char *content_path,
                                  store_resume *out, ig_err *err)
{
    sq_conn c;
    sqldb_stmt *q = NULL;
    ig_status rc = sq_acquire(impl, &c, err);
    if (rc != IG_OK)
        return rc;
    rc = sqldb_begin(c.db, true, err);
    if (rc == IG_OK)
        rc = sq_query(&c, SQ_RESUME_INSERT,
                      SQ_ARGS(SQ_I(in->user_id), SQ_T(in->file_name), SQ_T(in->file_path), SQ_T(in->file_type),
                              SQ_I(in->file_size), SQ_T(in->content_sha256), SQ_I(time(NULL))),
                      &q, err);
    if (rc == IG_OK)
        rc = sq_fetch_written(&c, q, &(sq_readback){SQ_RESUME_GET, {in->user_id, 0}, 2, true}, "resume",
                              sq_resume_fill, out, err);
    sqldb_reset(q);
    if (rc == IG_ECONFLICT) {
        /* the same bytes again: answer with the resume that has them (after a rollback: a failed
         * statement ends a PostgreSQL transaction) */
        sqldb_rollback(c.db);
        rc = sq_row(&c, SQ_RESUME_BY_SHA, SQ_ARGS(SQ_I(in->user_id), SQ_T(in->content_sha256)), "resume",
                    sq_resume_fill, out, err);
        if (rc == IG_OK)
            rc = status_errf(err, IG_ECONFLICT, "the same file is already resume %lld", (long long)out->id);
        goto out;
    }
    if (rc == IG_OK && content_path != NULL)
        rc = storefiles_write(c.db, SQ_FILES_SLOT, out->id, content_path, NULL, err);
    if (rc == IG_OK)
        rc = sq_parse_job_insert(&c, in->user_id, out->id, in->job_max_attempts, err);
    if (rc == IG_OK)
        rc = sqldb_commit(c.db, err);
out:
    sq_release(&c);
    return rc;
}

static ig_status sq_resume_create(void *impl, const store_resume_new *in, store_resume *out, ig_err *err)
{
    return sq_resume_insert(impl, in, NULL, out, err);
}

static ig_status sq_resume_get(void *impl, int64_t user_id, int64_t id, store_resume *out, ig_err *err)
{
    return sq_get(impl, SQ_RESUME_GET, SQ_ARGS(SQ_I(user_id), SQ_I(id)), "resume", sq_resume_fill, out, err);
}

/* Reads one page of a user's rows (resumes or interviews, each size bytes, read by fill) and their
 * total in one read transaction on a connection of its own: count (?1 = user_id) then list
 * (?1 = user_id, ?2 = limit, ?3 = offset). *items (free) and *count are left alone when the page is
 * empty. */
static ig_status sq_page(sq_store *s, sq_stmt_id count, sq_stmt_id list, int64_t user_id, int page, int per_page,
                         size_t size, sq_fill_fn fill, void **items, size_t *n_out, int64_t *total, const char *what,
                         ig_err *err)
{
    sqldb_stmt *q = NULL;
    char *rows = NULL;
    size_t n = 0;
    int64_t offset = (int64_t)(page - 1) * per_page;
    sq_conn conn;
    sq_conn *c = &conn;
    ig_status rc = sq_acquire(s, c, err);
    if (rc != IG_OK)
        return rc;
    rc = sqldb_begin(c->db, false, err);
    if (rc == IG_OK)
        rc = sq_row(c, count, SQ_ARGS(SQ_I(user_id)), what, sq_int_fill, total, err);
    if (rc != IG_OK || offset >= *total)
        goto done;
    int64_t want = *total - offset < per_page ? *total - offset : per_page;
    rows = calloc((size_t)want, size);
    if (rows == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory listing %s", what);
        goto done;
    }
    rc = sq_query(c, list, SQ_ARGS(SQ_I(user_id), SQ_I(want), SQ_I(offset)), &q, err);
    while (rc == IG_OK && n < (size_t)want) {
        bool more = false;
        rc = sqldb_step(q, &more, err);
        if (rc != IG_OK)
            rc = sq_fail(rc, what, err);
        else if (!more)
            break;
        else if ((rc = fill(q, rows + n * size, err)) == IG_OK)
            n++;
    }
done:
    sqldb_reset(q);
    if (rc == IG_OK)
        rc = sqldb_commit(c->db, err);
    if (rc == IG_OK && n > 0) {
        *items = rows;
        *n_out = n;
        rows = NULL;
    }
    free(rows);
    sq_release(c);
    return rc;
}

static ig_status sq_resume_list(void *impl, int64_t user_id, int page, int per_page, store_resume **items,
                                size_t *count, int64_t *total, ig_err *err)
{
    void *rows = NULL;
    ig_status rc = sq_page(impl, SQ_RESUME_COUNT, SQ_RESUME_LIST, user_id, page, per_page, sizeof **items,
                           sq_resume_fill, &rows, count, total, "resumes", err);
    if (rows != NULL)
        *items = rows;
    return rc;
}

static ig_status sq_resume_parse_result(void *impl, int64_t user_id, int64_t id, json_t **out, ig_err *err)
{
    return sq_get(impl, SQ_RESUME_RESULT, SQ_ARGS(SQ_I(user_id), SQ_I(id)), "parse result", sq_json_row, out, err);
}

static ig_status sq_resume_delete(void *impl, int64_t user_id, int64_t id, char *file_path, size_t cap, ig_err *err)
{
    sq_conn c;
    sqldb_stmt *q = NULL;
    ig_status rc = sq_acquire(impl, &c, err);
    if (rc != IG_OK) {
        file_path[0] = '\0';
        return rc;
    }
    rc = sqldb_begin(c.db, true, err);
    if (rc == IG_OK)
        rc = sq_query(&c, SQ_RESUME_PATH, SQ_ARGS(SQ_I(user_id), SQ_I(id)), &q, err);
    if (rc == IG_OK)
        rc = sq_step_row(q, "resume", err);
    if (rc == IG_OK)
        rc = sq_text(q, 0, file_path, cap, NULL, err);
    sqldb_reset(q);
    /* the questions first: once the resume is gone their resume_id is NULL and they are untraceable */
    if (rc == IG_OK)
        rc = sq_exec(&c, SQ_QUESTIONS_DELETE_UNUSED, SQ_ARGS(SQ_I(user_id), SQ_I(id)), "delete questions", false, err);
    if (rc == IG_OK)
        rc = sq_exec(&c, SQ_RESUME_DELETE, SQ_ARGS(SQ_I(user_id), SQ_I(id)), "delete resume", false, err);
    if (rc == IG_OK)
        rc = sqldb_commit(c.db, err);
    if (rc != IG_OK)
        file_path[0] = '\0';
    sq_release(&c);
    return rc;
}

static ig_status sq_resume_reparse(void *impl, int64_t user_id, int64_t id, int max_attempts, store_resume *out,
                                   bool *queued, ig_err *err)
{
    sq_conn c;
    sqldb_stmt *q = NULL;
    int64_t active = 0;
    ig_status rc = sq_acquire(impl, &c, err);
    if (rc != IG_OK)
        return rc;
    rc = sqldb_begin(c.db, true, err);
    if (rc == IG_OK)
        rc = sq_resume_read(&c, user_id, id, true, out, err);
    if (rc == IG_OK)
        rc = sq_row(&c, SQ_RESUME_ACTIVE_JOBS, SQ_ARGS(SQ_I(id)), "active jobs", sq_int_fill, &active, err);
    if (rc != IG_OK)
        goto out;
    if (active > 0) {
        rc = sqldb_commit(c.db, err);
        goto out;
    }
    rc = sq_parse_job_insert(&c, user_id, id, max_attempts, err);
    if (rc == IG_OK)
        rc = sq_query(&c, SQ_RESUME_SET_PENDING, SQ_ARGS(SQ_I(user_id), SQ_I(id), SQ_I(time(NULL))), &q, err);
    if (rc == IG_OK)
        rc = sq_fetch_written(&c, q, &(sq_readback){SQ_RESUME_GET, {user_id, id}, 2, false}, "resume",
                              sq_resume_fill, out, err);
    if (rc == IG_OK)
        rc = sqldb_commit(c.db, err);
    *queued = rc == IG_OK;
out:
    sqldb_reset(q);
    sq_release(&c);
    return rc;
}

static ig_status sq_resume_mark_processing(void *impl, int64_t user_id, int64_t id, int progress, ig_err *err)
{
    return sq_write(impl, SQ_RESUME_PROCESSING, SQ_ARGS(SQ_I(user_id), SQ_I(id), SQ_I(progress), SQ_I(time(NULL))),
                    "resume", true, err);
}

static ig_status sq_resume_save_result(void *impl, int64_t user_id, int64_t id,
                                       const char *const docs[STORE_RESULT_DOCS], const char *raw_text,
                                       const char *refined_fields, double confidence, ig_err *err)
{
    sq_conn c;
    int64_t now = (int64_t)time(NULL);
    ig_status rc = sq_acquire(impl, &c, err);
    if (rc != IG_OK)
        return rc;
    rc = sqldb_begin(c.db, true, err);
    if (rc == IG_OK)
        rc = sq_exec(&c, SQ_RESUME_COMPLETE, SQ_ARGS(SQ_I(user_id), SQ_I(id), SQ_D(confidence), SQ_I(now)), "resume",
                     true, err);
    /* ?2..?6: the 0001 documents; ?9..?13: the 0002 ones */
    if (rc == IG_OK)
        rc = sq_exec(&c, SQ_RESULT_UPSERT,
                     SQ_ARGS(SQ_I(id), SQ_T(docs[0]), SQ_T(docs[1]), SQ_T(docs[2]), SQ_T(docs[3]), SQ_T(docs[4]),
                             SQ_T(raw_text), SQ_I(now), SQ_T(docs[5]), SQ_T(docs[6]), SQ_T(docs[7]), SQ_T(docs[8]),
                             SQ_T(docs[9]), SQ_T(refined_fields)),
                     "save parse result", false, err);
    if (rc == IG_OK)
        rc = sqldb_commit(c.db, err);
    sq_release(&c);
    return rc;
}

static ig_status sq_resume_mark_failed(void *impl, int64_t user_id, int64_t id, const char *code, const char *detail,
                                       ig_err *err)
{
    return sq_write(impl, SQ_RESUME_FAILED,
                    SQ_ARGS(SQ_I(user_id), SQ_I(id), SQ_T(code), SQ_T(detail), SQ_I(time(NULL))), "resume", true,
                    err);
}

/* ---- structured resume edits ---- */

static ig_status sq_resume_edit_result(void *impl, int64_t user_id, int64_t id,
                                       const char *const docs[STORE_RESULT_DOCS], double confidence, ig_err *err)
{
    sq_conn c;
    int64_t now = (int64_t)time(NULL);
    store_resume r;
    ig_status rc = sq_acquire(impl, &c, err);
    if (rc != IG_OK)
        return rc;
    rc = sqldb_begin(c.db, true, err);
    if (rc == IG_OK)
        rc = sq_exec(&c, SQ_RESUME_EDIT_CONFIDENCE, SQ_ARGS(SQ_I(user_id), SQ_I(id), SQ_D(confidence), SQ_I(now)),
                     "edit result", true, err);
    if (rc == IG_ENOTFOUND) {
        /* missing (or not the user's), or not completed: a reparse may have just started */
        rc = sq_resume_read(&c, user_id, id, false, &r, err);
        if (rc == IG_OK)
            rc = status_errf(err, IG_ESTATE, "resume %lld is %s, not completed", (long long)id, r.status);
    }
    if (rc == IG_OK)
        rc = sq_exec(&c, SQ_RESULT_EDIT,
                     SQ_ARGS(SQ_I(user_id), SQ_T(docs[0]), SQ_T(docs[1]), SQ_T(docs[2]), SQ_T(docs[3]), SQ_T(docs[4]),
                             SQ_T(docs[5]), SQ_T(docs[6]), SQ_T(docs[7]), SQ_T(docs[8]), SQ_T(docs[9]), SQ_I(now),
                             SQ_I(id)),
                     "parse result", true, err);
    if (rc == IG_OK)
        rc = sqldb_commit(c.db, err);
    sq_release(&c);
    return rc;
}

/* ---- jobs ---- */

/* Workers lease, renew, complete and fail jobs at once. A job transaction that IG_ECONFLICT ends
 * lost a deadlock (none of them can break a unique key) and was rolled back whole, so it is run
 * again, up to this many times in all. */
#define SQ_DEADLOCK_TRIES 3

/* Fills a store_job from a row of SQ_JOB_COLS. */
static ig_status sq_job_fill(sqldb_stmt *q, void *dst, ig_err *err)
{
    store_job *out = dst;
    memset(out, 0, sizeof *out);
    out->id = sqldb_column_int64(q, 0);
    ig_status rc = sq_text(q, 1, out->kind, sizeof out->kind, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 2, out->payload, sizeof out->payload, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 3, out->status, sizeof out->status, NULL, err);
    out->attempts = (int)sqldb_column_int64(q, 4);
    out->max_attempts = (int)sqldb_column_int64(q, 5);
    out->run_after = sqldb_column_int64(q, 6);
    out->lease_until = sqldb_column_int64(q, 7);
    if (rc == IG_OK)
        rc = sq_text(q, 8, out->lease_owner, sizeof out->lease_owner, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 9, out->last_error, sizeof out->last_error, NULL, err);
    out->resume_id = sqldb_column_int64(q, 10);
    return rc;
}

static ig_status sq_job_enqueue(void *impl, const char *kind, const char *payload, int64_t resume_id,
                                int max_attempts, int64_t run_after, int64_t *id, ig_err *err)
{
    sq_conn c;
    ig_status rc = sq_acquire(impl, &c, err);
    if (rc != IG_OK)
        return rc;
    rc = sq_job_insert(&c, kind, payload, resume_id, max_attempts, run_after, id, err);
    sq_release(&c);
    return rc;
}

static ig_status sq_job_lease_once(sq_store *s, const char *owner, int64_t now, int lease_s, store_job *out,
                                   ig_err *err)
{
    sq_conn c;
    sqldb_stmt *q = NULL;
    int64_t id = 0, exhausted = 0;
    ig_status rc = sq_acquire(s, &c, err);
    if (rc != IG_OK)
        return rc;
    bool mysql = c.s->dialect == SQLDB_MYSQL;
    /* one write transaction, the pick locked (SQLite: the write lock; PostgreSQL and MySQL: SKIP
     * LOCKED, so concurrent workers pass over each other's pick): two workers never take the same job */
    rc = sqldb_begin(c.db, true, err);
    if (rc == IG_OK)
        rc = sq_row(&c, SQ_JOB_EXHAUSTED, SQ_ARGS(SQ_I(now)), "exhausted jobs", sq_int_fill, &exhausted, err);
    if (rc == IG_OK && exhausted > 0)
        rc = sq_exec(&c, SQ_JOB_EXPIRE_RESUMES, SQ_ARGS(SQ_I(now)), "fail exhausted resumes", false, err);
    if (rc == IG_OK && exhausted > 0)
        rc = sq_exec(&c, SQ_JOB_EXPIRE, SQ_ARGS(SQ_I(now)), "fail exhausted jobs", false, err);
    if (rc == IG_OK && mysql)
        rc = sq_row(&c, SQ_JOB_PICK, SQ_ARGS(SQ_I(now)), "runnable job", sq_int_fill, &id, err);
    if (rc == IG_OK) {
        const sq_val args[] = {SQ_I(now), SQ_I(now + lease_s), SQ_T(owner), SQ_I(id)};
        rc = sq_query(&c, SQ_JOB_LEASE, args, mysql ? 4 : 3, &q, err);
    }
    if (rc == IG_OK)
        rc = sq_fetch_written(&c, q, &(sq_readback){SQ_JOB_GET, {id, 0}, 1, false}, "runnable job", sq_job_fill, out,
                              err);
    sqldb_reset(q);
    if (rc == IG_OK || rc == IG_ENOTFOUND) {
        /* nothing runnable: the expiries above still commit */
        ig_status crc = sqldb_commit(c.db, err);
        if (crc != IG_OK)
            rc = crc;
        else if (rc == IG_ENOTFOUND)
            status_errf(err, IG_ENOTFOUND, "no runnable job");
    }
    sq_release(&c);
    return rc;
}

static ig_status sq_job_lease(void *impl, const char *owner, int64_t now, int lease_s, store_job *out, ig_err *err)
{
    ig_status rc = IG_ECONFLICT;
    for (int tries = 0; rc == IG_ECONFLICT && tries < SQ_DEADLOCK_TRIES; tries++)
        rc = sq_job_lease_once(impl, owner, now, lease_s, out, err);
    return rc;
}

/* After a write to a job held by owner changed nothing: IG_ENOTFOUND when the job is gone,
 * IG_ESTATE when it exists but owner no longer holds it. */
static ig_status sq_job_lost(sq_conn *c, int64_t id, ig_err *err)
{
    store_job j;
    ig_status rc = sq_row(c, SQ_JOB_GET, SQ_ARGS(SQ_I(id)), "job", sq_job_fill, &j, err);
    if (rc == IG_OK)
        rc = status_errf(err, IG_ESTATE, "job %lld is no longer leased to this worker", (long long)id);
    return rc;
}

/* Runs SQ_JOB_RENEW or SQ_JOB_COMPLETE: ?1 = id, ?2 = owner, ?3 = t. */
static ig_status sq_job_held_write(sq_store *s, sq_stmt_id sid, int64_t id, const char *owner, int64_t t,
                                   const char *what, ig_err *err)
{
    sq_conn c;
    ig_status rc = IG_ECONFLICT;
    for (int tries = 0; rc == IG_ECONFLICT && tries < SQ_DEADLOCK_TRIES; tries++) {
        rc = sq_acquire(s, &c, err);
        if (rc != IG_OK)
            return rc;
        rc = sq_exec(&c, sid, SQ_ARGS(SQ_I(id), SQ_T(owner), SQ_I(t)), what, true, err);
        if (rc == IG_ENOTFOUND)
            rc = sq_job_lost(&c, id, err);
        sq_release(&c);
    }
    return rc;
}

static ig_status sq_job_renew(void *impl, int64_t id, const char *owner, int64_t lease_until, ig_err *err)
{
    return sq_job_held_write(impl, SQ_JOB_RENEW, id, owner, lease_until, "renew lease", err);
}

static ig_status sq_job_complete(void *impl, int64_t id, const char *owner, int64_t now, ig_err *err)
{
    return sq_job_held_write(impl, SQ_JOB_COMPLETE, id, owner, now, "complete job", err);
}

/* A leased job's attempts, max_attempts and resume_id (SQ_JOB_OWNED). */
typedef struct sq_job_held {
    int64_t attempts, max_attempts, resume_id;
} sq_job_held;

static ig_status sq_job_held_fill(sqldb_stmt *q, void *dst, ig_err *err)
{
    (void)err;
    sq_job_held *h = dst;
    h->attempts = sqldb_column_int64(q, 0);
    h->max_attempts = sqldb_column_int64(q, 1);
    h->resume_id = sqldb_column_int64(q, 2);
    return IG_OK;
}

static ig_status sq_job_fail_once(sq_store *s, int64_t id, const char *owner, int64_t now, int64_t backoff_s,
                                  const char *code, const char *error, bool *final, ig_err *err)
{
    sq_conn c;
    sq_job_held h = {0, 0, 0};
    *final = false;
    ig_status rc = sq_acquire(s, &c, err);
    if (rc != IG_OK)
        return rc;
    rc = sqldb_begin(c.db, true, err);
    if (rc == IG_OK)
        rc = sq_row(&c, SQ_JOB_OWNED, SQ_ARGS(SQ_I(id), SQ_T(owner)), "job", sq_job_held_fill, &h, err);
    if (rc == IG_ENOTFOUND)
        rc = sq_job_lost(&c, id, err);
    if (rc != IG_OK)
        goto out;
    *final = backoff_s < 0 || h.attempts >= h.max_attempts;
    if (*final)
        rc = sq_exec(&c, SQ_JOB_FAILED, SQ_ARGS(SQ_I(id), SQ_T(error), SQ_I(now)), "fail job", false, err);
    else
        rc = sq_exec(&c, SQ_JOB_REQUEUE, SQ_ARGS(SQ_I(id), SQ_I(now + backoff_s), SQ_T(error), SQ_I(now)), "fail job",
                     false, err);
    if (rc == IG_OK && *final && h.resume_id != 0)
        rc = sq_exec(&c, SQ_RESUME_JOB_FAILED, SQ_ARGS(SQ_I(h.resume_id), SQ_T(code), SQ_T(error), SQ_I(now)),
                     "fail resume", false, err);
    if (rc == IG_OK)
        rc = sqldb_commit(c.db, err);
out:
    if (rc != IG_OK)
        *final = false;
    sq_release(&c);
    return rc;
}

static ig_status sq_job_fail(void *impl, int64_t id, const char *owner, int64_t now, int64_t backoff_s,
                             const char *code, const char *error, bool *final, ig_err *err)
{
    ig_status rc = IG_ECONFLICT;
    for (int tries = 0; rc == IG_ECONFLICT && tries < SQ_DEADLOCK_TRIES; tries++)
        rc = sq_job_fail_once(impl, id, owner, now, backoff_s, code, error, final, err);
    return rc;
}

static ig_status sq_job_get(void *impl, int64_t id, store_job *out, ig_err *err)
{
    return sq_get(impl, SQ_JOB_GET, SQ_ARGS(SQ_I(id)), "job", sq_job_fill, out, err);
}

static ig_status sq_job_purge(void *impl, int64_t before, int *purged, ig_err *err)
{
    sq_conn c;
    *purged = 0;
    ig_status rc = sq_acquire(impl, &c, err);
    if (rc != IG_OK)
        return rc;
    rc = sq_exec(&c, SQ_JOB_PURGE, SQ_ARGS(SQ_I(before)), "purge jobs", false, err);
    if (rc == IG_OK)
        *purged = (int)sqldb_changes(c.db);
    sq_release(&c);
    return rc;
}

/* ---- questions and interviews ---- */

/* Fills a store_interview from a row of SQ_INTERVIEW_COLS. */
static ig_status sq_interview_fill(sqldb_stmt *q, void *dst, ig_err *err)
{
    store_interview *out = dst;
    memset(out, 0, sizeof *out);
    out->id = sqldb_column_int64(q, 0);
    out->user_id = sqldb_column_int64(q, 1);
    out->resume_id = sqldb_column_int64(q, 2);
    ig_status rc = sq_text(q, 3, out->session_id, sizeof out->session_id, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 4, out->status, sizeof out->status, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 5, out->interview_type, sizeof out->interview_type, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 6, out->difficulty, sizeof out->difficulty, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 7, out->language, sizeof out->language, NULL, err);
    out->total_questions = (int)sqldb_column_int64(q, 8);
    out->current_question_index = (int)sqldb_column_int64(q, 9);
    out->hints = sqldb_column_int64(q, 10) != 0;
    out->adaptive = sqldb_column_int64(q, 11) != 0;
    out->seed = sqldb_column_int64(q, 12);
    out->started_at = sqldb_column_int64(q, 13);
    out->ended_at = sqldb_column_int64(q, 14);
    out->duration = sqldb_column_type(q, 15) == SQLDB_NULL ? -1 : sqldb_column_int64(q, 15);
    out->has_score = sqldb_column_type(q, 16) != SQLDB_NULL;
    out->overall_score = out->has_score ? sqldb_column_double(q, 16) : 0.0;
    out->paused_at = sqldb_column_int64(q, 17);
    out->paused_seconds = sqldb_column_int64(q, 18);
    out->version = sqldb_column_int64(q, 19);
    out->created_at = sqldb_column_int64(q, 20);
    out->updated_at = sqldb_column_int64(q, 21);
    out->ai_prompt_tokens = sqldb_column_int64(q, 22);
    out->ai_completion_tokens = sqldb_column_int64(q, 23);
    return rc;
}

/* The interview (user_id, id) on connection c; locked for the transaction's writes when locked. */
static ig_status sq_interview_read(sq_conn *c, int64_t user_id, int64_t id, bool locked, store_interview *out,
                                   ig_err *err)
{
    return sq_row(c, locked ? SQ_INTERVIEW_GET_LOCKED : SQ_INTERVIEW_GET, SQ_ARGS(SQ_I(user_id), SQ_I(id)),
                  "interview", sq_interview_fill, out, err);
}

/* Runs the bound interview write q (RETURNING SQ_INTERVIEW_COLS, keyed by ?1 = user_id, ?2 = id). */
static ig_status sq_interview_written(sq_conn *c, sqldb_stmt *q, int64_t user_id, int64_t id, store_interview *out,
                                      ig_err *err)
{
    return sq_fetch_written(c, q, &(sq_readback){SQ_INTERVIEW_GET, {user_id, id}, 2, id == 0}, "interview",
                            sq_interview_fill, out, err);
}

static const char *sq_member(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* What a stored question inherits when its own object does not say. */
typedef struct sq_question_ctx {
    int64_t user_id;
    int64_t resume_id;          /* 0: NULL */
    const char *interview_type;
    const char *difficulty;
    const char *language;
    int64_t parent_id;          /* 0: NULL */
    int64_t now;
} sq_question_ctx;

/* Inserts the question object qj (validated by store.c) on connection c; *id gets its id. */
static ig_status sq_question_insert(sq_conn *c, const sq_question_ctx *x, const json_t *qj, int64_t *id,
                                    ig_err *err)
{
    sqldb_stmt *q = NULL;
    char *points = NULL, *follow = NULL;
    const json_t *p = json_object_get(qj, "expected_points"), *f = json_object_get(qj, "follow_ups");
    ig_status rc = IG_OK;
    if ((json_is_array(p) && (points = json_dumps(p, JSON_COMPACT)) == NULL) ||
        (json_is_array(f) && (follow = json_dumps(f, JSON_COMPACT)) == NULL)) {
        rc = status_errf(err, IG_ENOMEM, "out of memory storing a question");
        goto out;
    }
    const char *difficulty = sq_member(qj, "difficulty"), *language = sq_member(qj, "language");
    rc = sq_query(c, SQ_QUESTION_INSERT,
                  SQ_ARGS(SQ_I(x->user_id), SQ_ID(x->resume_id), SQ_T(x->interview_type),
                          SQ_T(difficulty != NULL ? difficulty : x->difficulty), SQ_T(sq_member(qj, "question_text")),
                          SQ_T(sq_member(qj, "category")), SQ_T(sq_member(qj, "topic")), SQ_T(sq_member(qj, "skill")),
                          SQ_T(points), SQ_T(follow), SQ_T(sq_member(qj, "model_answer")),
                          SQ_T(language != NULL ? language : x->language), SQ_T(sq_member(qj, "bank_id")),
                          SQ_ID(x->parent_id), SQ_I(x->now)),
                  &q, err);
    if (rc == IG_OK)
        rc = sq_fetch_written(c, q, &sq_new_id, "stored question", sq_int_fill, id, err);
out:
    sqldb_reset(q);
    free(points);
    free(follow);
    return rc;
}

/* The question (user_id, id) as JSON on connection c. */
static ig_status sq_question_read(sq_conn *c, int64_t user_id, int64_t id, json_t **out, ig_err *err)
{
    return sq_json_rows(c, SQ_QUESTION_GET, SQ_ARGS(SQ_I(user_id), SQ_I(id)), true, "question", out, err);
}

static ig_status sq_questions_add(void *impl, int64_t user_id, int64_t resume_id, const char *interview_type,
                                  const json_t *questions, json_t **out, ig_err *err)
{
    sq_conn c;
    store_resume r;
    json_t *rows = NULL;
    sq_question_ctx x = {user_id, resume_id, interview_type, "medium", "zh", 0, (int64_t)time(NULL)};
    ig_status rc = sq_acquire(impl, &c, err);
    if (rc != IG_OK)
        return rc;
    rows = json_array();
    if (rows == NULL)
        rc = status_errf(err, IG_ENOMEM, "out of memory storing questions");
    if (rc == IG_OK)
        rc = sqldb_begin(c.db, true, err);
    if (rc == IG_OK)
        rc = sq_resume_read(&c, user_id, resume_id, false, &r, err);
    for (size_t i = 0; rc == IG_OK && i < json_array_size(questions); i++) {
        int64_t id = 0;
        json_t *row = NULL;
        rc = sq_question_insert(&c, &x, json_array_get(questions, i), &id, err);
        if (rc == IG_OK)
            rc = sq_question_read(&c, user_id, id, &row, err);
        if (rc == IG_OK && json_array_append_new(rows, row) != 0)
            rc = status_errf(err, IG_ENOMEM, "out of memory storing questions");
    }
    if (rc == IG_OK)
        rc = sqldb_commit(c.db, err);
    if (rc == IG_OK) {
        *out = rows;
        rows = NULL;
    }
    json_decref(rows);
    sq_release(&c);
    return rc;
}

static ig_status sq_question_get(void *impl, int64_t user_id, int64_t id, json_t **out, ig_err *err)
{
    return sq_json_get(impl, SQ_QUESTION_GET, SQ_ARGS(SQ_I(user_id), SQ_I(id)), true, "question", out, err);
}

static ig_status sq_question_list(void *impl, int64_t user_id, int64_t resume_id, int page, int per_page,
                                  json_t **out, int64_t *total, ig_err *err)
{
    sq_conn c;
    ig_status rc = sq_acquire(impl, &c, err);
    if (rc != IG_OK)
        return rc;
    /* one read transaction: the page and the total come from the same snapshot */
    rc = sqldb_begin(c.db, false, err);
    if (rc == IG_OK)
        rc = sq_row(&c, SQ_QUESTION_COUNT, SQ_ARGS(SQ_I(user_id), SQ_I(resume_id)), "count", sq_int_fill, total, err);
    if (rc == IG_OK)
        rc = sq_json_rows(&c, SQ_QUESTION_LIST,
                          SQ_ARGS(SQ_I(user_id), SQ_I(resume_id), SQ_I(per_page), SQ_I((int64_t)(page - 1) * per_page)),
                          false, "questions", out, err);
    if (rc == IG_OK)
        rc = sqldb_commit(c.db, err);
    if (rc != IG_OK) {
        json_decref(*out);
        *out = NULL;
    }
    sq_release(&c);
    return rc;
}

/* Places question_id at position of interview_id on connection c. */
static ig_status sq_iq_insert(sq_conn *c, int64_t interview_id, int position, int64_t question_id, ig_err *err)
{
    return sq_exec(c, SQ_IQ_INSERT, SQ_ARGS(SQ_I(interview_id), SQ_I(position), SQ_I(question_id)), "order question",
                   false, err);
}

static ig_status sq_interview_create(void *impl, const store_interview_new *in, const json_t *questions,
                                     store_interview *out, ig_err *err)
{
    sq_conn c;
    sqldb_stmt *q = NULL;
    store_resume r;
    int64_t now = (int64_t)time(NULL);
    size_t n = json_array_size(questions);
    ig_status rc = sq_acquire(impl, &c, err);
    if (rc != IG_OK)
        return rc;
    rc = sqldb_begin(c.db, true, err);
    if (rc == IG_OK)
        rc = sq_resume_read(&c, in->user_id, in->resume_id, false, &r, err);
    if (rc == IG_OK)
        rc = sq_query(&c, SQ_INTERVIEW_INSERT,
                      SQ_ARGS(SQ_I(in->user_id), SQ_I(in->resume_id), SQ_T(in->session_id), SQ_T(in->interview_type),
                              SQ_T(in->difficulty), SQ_T(in->job_description), SQ_T(in->language), SQ_I(n), SQ_I(now),
                              SQ_I(in->hints ? 1 : 0), SQ_I(in->adaptive ? 1 : 0), SQ_I(in->seed)),
                      &q, err);
    if (rc == IG_OK)
        rc = sq_interview_written(&c, q, in->user_id, 0, out, err);
    sqldb_reset(q);
    sq_question_ctx x = {in->user_id, in->resume_id, in->interview_type, in->difficulty, in->language, 0, now};
    for (size_t i = 0; rc == IG_OK && i < n; i++) {
        int64_t qid = 0;
        rc = sq_question_insert(&c, &x, json_array_get(questions, i), &qid, err);
        if (rc == IG_OK)
            rc = sq_iq_insert(&c, out->id, (int)i, qid, err);
    }
    if (rc == IG_OK)
        rc = sqldb_commit(c.db, err);
    sq_release(&c);
    return rc;
}

static ig_status sq_interview_get(void *impl, int64_t user_id, int64_t id, store_interview *out, ig_err *err)
{
    return sq_get(impl, SQ_INTERVIEW_GET, SQ_ARGS(SQ_I(user_id), SQ_I(id)), "interview", sq_interview_fill, out, err);
}

static ig_status sq_interview_add_usage(void *impl, int64_t user_id, int64_t id, int64_t prompt_tokens,
                                        int64_t completion_tokens, ig_err *err)
{
    return sq_write(impl, SQ_INTERVIEW_ADD_USAGE,
                    SQ_ARGS(SQ_I(user_id), SQ_I(id), SQ_I(prompt_tokens), SQ_I(completion_tokens)), "interview", true,
                    err);
}

/* ---- realtime: interview rooms ---- */

static ig_status sq_interview_owner_by_session(void *impl, const char *session_id, int64_t user_id,
                                               store_interview *out, ig_err *err)
{
    return sq_get(impl, SQ_INTERVIEW_BY_SESSION, SQ_ARGS(SQ_I(user_id), SQ_T(session_id)), "interview",
                  sq_interview_fill, out, err);
}

static ig_status sq_interview_list(void *impl, int64_t user_id, int page, int per_page, store_interview **items,
                                   size_t *count, int64_t *total, ig_err *err)
{
    void *rows = NULL;
    ig_status rc = sq_page(impl, SQ_INTERVIEW_COUNT, SQ_INTERVIEW_LIST, user_id, page, per_page, sizeof **items,
                           sq_interview_fill, &rows, count, total, "interviews", err);
    if (rows != NULL)
        *items = rows;
    return rc;
}

/* The question at position of (user_id, id) as JSON, with "position", on connection c. */
static ig_status sq_interview_question_read(sq_conn *c, int64_t user_id, int64_t id, int position, json_t **out,
                                            ig_err *err)
{
    return sq_json_rows(c, SQ_INTERVIEW_QUESTION, SQ_ARGS(SQ_I(user_id), SQ_I(id), SQ_I(position)), true,
                        "interview question", out, err);
}

static ig_status sq_interview_question(void *impl, int64_t user_id, int64_t id, int position, json_t **out,
                                       ig_err *err)
{
    return sq_json_get(impl, SQ_INTERVIEW_QUESTION, SQ_ARGS(SQ_I(user_id), SQ_I(id), SQ_I(position)), true,
                       "interview question", out, err);
}

/* Reads statement sid's rows about the user's interview id in one snapshot, after checking the
 * interview is theirs (IG_ENOTFOUND otherwise). */
static ig_status sq_interview_rows(sq_store *s, sq_stmt_id sid, int64_t user_id, int64_t id, const char *what,
                                   json_t **out, ig_err *err)
{
    sq_conn c;
    store_interview iv;
    ig_status rc = sq_acquire(s, &c, err);
    if (rc != IG_OK)
        return rc;
    rc = sqldb_begin(c.db, false, err);
    if (rc == IG_OK)
        rc = sq_interview_read(&c, user_id, id, false, &iv, err);
    if (rc == IG_OK)
        rc = sq_json_rows(&c, sid, SQ_ARGS(SQ_I(user_id), SQ_I(id)), false, what, out, err);
    if (rc == IG_OK)
        rc = sqldb_commit(c.db, err);
    if (rc != IG_OK) {
        json_decref(*out);
        *out = NULL;
    }
    sq_release(&c);
    return rc;
}

static ig_status sq_interview_items(void *impl, int64_t user_id, int64_t id, json_t **out, ig_err *err)
{
    return sq_interview_rows(impl, SQ_INTERVIEW_ITEMS, user_id, id, "interview questions", out, err);
}

static ig_status sq_interview_answers(void *impl, int64_t user_id, int64_t id, json_t **out, ig_err *err)
{
    return sq_interview_rows(impl, SQ_INTERVIEW_ANSWERS, user_id, id, "answers", out, err);
}

/* Inserts the answer row on connection c; *id gets its id. */
static ig_status sq_answer_insert(sq_conn *c, const store_answer_new *a, const store_answer_docs *d, int64_t now,
                                  int64_t *id, ig_err *err)
{
    sqldb_stmt *q = NULL;
    ig_status rc = sq_query(c, SQ_ANSWER_INSERT,
                            SQ_ARGS(SQ_I(a->interview_id), SQ_I(a->question_id), SQ_T(a->answer_text),
                                    SQ_T(a->answer_audio_url), a->response_time >= 0 ? SQ_I(a->response_time) : SQ_NULL,
                                    d->has_score ? SQ_D(d->score) : SQ_NULL, SQ_T(d->feedback),
                                    SQ_T(a->skipped ? "skipped" : "answered"), SQ_T(d->analysis), SQ_T(d->dimensions),
                                    SQ_T(d->engine), SQ_I(now), SQ_T(d->delivery)),
                            &q, err);
    if (rc == IG_OK)
        rc = sq_fetch_written(c, q, &sq_new_id, "stored answer", sq_int_fill, id, err);
    if (rc == IG_ECONFLICT)
        rc = status_errf(err, IG_ECONFLICT, "question %lld was already answered", (long long)a->question_id);
    sqldb_reset(q);
    return rc;
}

static ig_status sq_answer_set_audio(void *impl, int64_t user_id, int64_t id, int64_t answer_id, const char *url,
                                     ig_err *err)
{
    return sq_write(impl, SQ_ANSWER_SET_AUDIO, SQ_ARGS(SQ_I(user_id), SQ_I(id), SQ_I(answer_id), SQ_T(url)), "answer",
                    true, err);
}

/* Inserts a follow-up question at position of the interview iv, after moving the later ones on. */
static ig_status sq_follow_up_insert(sq_conn *c, const store_interview *iv, const store_answer_new *a, int position,
                                     int64_t now, int64_t *qid, ig_err *err)
{
    sq_question_ctx x = {iv->user_id, iv->resume_id, iv->interview_type, iv->difficulty, iv->language,
                         a->question_id, now};
    ig_status rc = sq_question_insert(c, &x, a->follow_up, qid, err);
    if (rc == IG_OK)
        rc = sq_exec(c, SQ_IQ_SHIFT_OUT, SQ_ARGS(SQ_I(iv->id), SQ_I(position - 1)), "make room", false, err);
    if (rc == IG_OK)
        rc = sq_exec(c, SQ_IQ_SHIFT_BACK, SQ_ARGS(SQ_I(iv->id)), "make room", false, err);
    if (rc == IG_OK)
        rc = sq_iq_insert(c, iv->id, position, *qid, err);
    return rc;
}

static ig_status sq_interview_record(void *impl, const store_answer_new *a, const store_answer_docs *docs,
                                     store_interview *out, json_t **answer, json_t **follow_up, ig_err *err)
{
    sq_conn c;
    sqldb_stmt *q = NULL;
    store_interview iv;
    json_t *ans = NULL, *fq = NULL;
    int64_t now = (int64_t)time(NULL), answer_id = 0, fid = 0, current = 0;
    ig_status rc = sq_acquire(impl, &c, err);
    if (rc != IG_OK)
        return rc;
    /* the write lock (the row's, on a server) first: the state read below is the state written against */
    rc = sqldb_begin(c.db, true, err);
    if (rc == IG_OK)
        rc = sq_interview_read(&c, a->user_id, a->interview_id, true, &iv, err);
    if (rc != IG_OK)
        goto out;
    if (strcmp(iv.status, "active") != 0) {
        rc = status_errf(err, IG_ESTATE, "the interview is %s, not active", iv.status);
        goto out;
    }
    rc = sq_row(&c, SQ_IQ_AT, SQ_ARGS(SQ_I(iv.id), SQ_I(iv.current_question_index)), "current question", sq_int_fill,
                &current, err);
    if (rc == IG_ENOTFOUND)
        rc = status_errf(err, IG_ECONFLICT, "every question has been answered or skipped");
    if (rc == IG_OK && current != a->question_id)
        rc = status_errf(err, IG_ECONFLICT, "question %lld is not the current question", (long long)a->question_id);
    if (rc == IG_OK)
        rc = sq_answer_insert(&c, a, docs, now, &answer_id, err);
    if (rc == IG_OK && a->follow_up != NULL)
        rc = sq_follow_up_insert(&c, &iv, a, iv.current_question_index + 1, now, &fid, err);
    if (rc == IG_OK)
        rc = sq_query(&c, SQ_INTERVIEW_ADVANCE,
                      SQ_ARGS(SQ_I(iv.user_id), SQ_I(iv.id), SQ_I(fid != 0 ? 1 : 0), SQ_I(now),
                              SQ_I(iv.current_question_index)),
                      &q, err);
    if (rc == IG_OK)
        rc = sq_interview_written(&c, q, iv.user_id, iv.id, out, err);
    if (rc == IG_OK)
        rc = sq_json_rows(&c, SQ_ANSWER_GET, SQ_ARGS(SQ_I(iv.user_id), SQ_I(answer_id)), true, "answer", &ans, err);
    if (rc == IG_OK && fid != 0)
        rc = sq_interview_question_read(&c, iv.user_id, iv.id, iv.current_question_index + 1, &fq, err);
    if (rc == IG_OK)
        rc = sqldb_commit(c.db, err);
    if (rc == IG_OK) {
        *answer = ans;
        *follow_up = fq;
        ans = fq = NULL;
    }
out:
    json_decref(ans);
    json_decref(fq);
    sqldb_reset(q);
    sq_release(&c);
    return rc;
}

static ig_status sq_interview_transition(void *impl, int64_t user_id, int64_t id, store_transition t, int64_t now,
                                         store_interview *out, ig_err *err)
{
    static const struct {
        sq_stmt_id sid;
        const char *action;
    } ops[] = {[STORE_PAUSE] = {SQ_INTERVIEW_PAUSE, "pause"},
               [STORE_RESUME] = {SQ_INTERVIEW_RESUME, "resume"},
               [STORE_CANCEL] = {SQ_INTERVIEW_CANCEL, "cancel"}};
    sq_conn c;
    sqldb_stmt *q = NULL;
    store_interview iv;
    ig_status rc = sq_acquire(impl, &c, err);
    if (rc != IG_OK)
        return rc;
    /* one guarded UPDATE: the status it requires is the status it changes */
    rc = sq_query(&c, ops[t].sid, SQ_ARGS(SQ_I(user_id), SQ_I(id), SQ_I(now)), &q, err);
    if (rc == IG_OK)
        rc = sq_interview_written(&c, q, user_id, id, out, err);
    sqldb_reset(q);
    if (rc == IG_ENOTFOUND) {
        /* not the user's (IG_ENOTFOUND), or in a status the transition does not start from */
        rc = sq_interview_read(&c, user_id, id, false, &iv, err);
        if (rc == IG_OK)
            rc = status_errf(err, IG_ESTATE, "cannot %s an interview that is %s", ops[t].action, iv.status);
    }
    sq_release(&c);
    return rc;
}

static ig_status sq_interview_finish(void *impl, int64_t user_id, int64_t id, const store_interview_end *end,
                                     const char *const docs[6], const char *engine, store_interview *out,
                                     ig_err *err)
{
    sq_conn c;
    sqldb_stmt *q = NULL;
    ig_status rc = sq_acquire(impl, &c, err);
    if (rc != IG_OK)
        return rc;
    sq_val score = end->has_score ? SQ_D(end->overall_score) : SQ_NULL;
    rc = sqldb_begin(c.db, true, err);
    if (rc == IG_OK)
        rc = sq_query(&c, SQ_INTERVIEW_FINISH,
                      SQ_ARGS(SQ_I(user_id), SQ_I(id), SQ_I(end->ended_at), SQ_I(end->duration), score,
                              SQ_I(end->version)),
                      &q, err);
    if (rc == IG_OK)
        rc = sq_interview_written(&c, q, user_id, id, out, err);
    sqldb_reset(q);
    if (rc == IG_ENOTFOUND) {
        rc = sq_interview_read(&c, user_id, id, false, out, err);
        if (rc == IG_OK && (strcmp(out->status, "active") == 0 || strcmp(out->status, "paused") == 0))
            rc = status_errf(err, IG_ECONFLICT, "the interview changed while its report was made");
        else if (rc == IG_OK)
            rc = status_errf(err, IG_ESTATE, "cannot end an interview that is %s", out->status);
        goto out;
    }
    if (rc == IG_OK)
        rc = sq_exec(&c, SQ_FEEDBACK_UPSERT,
                     SQ_ARGS(SQ_I(id), score, SQ_T(docs[0]), SQ_T(docs[1]), SQ_T(docs[2]), SQ_T(docs[3]),
                             SQ_T(docs[4]), SQ_T(docs[5]), SQ_T(engine), SQ_I(end->ended_at)),
                     "store report", false, err);
    if (rc == IG_OK)
        rc = sqldb_commit(c.db, err);
out:
    sq_release(&c);
    return rc;
}

static ig_status sq_interview_feedback(void *impl, int64_t user_id, int64_t id, json_t **out, ig_err *err)
{
    return sq_get(impl, SQ_INTERVIEW_FEEDBACK, SQ_ARGS(SQ_I(user_id), SQ_I(id)), "report", sq_json_row, out, err);
}

static ig_status sq_interview_stats(void *impl, int64_t user_id, json_t **out, ig_err *err)
{
    static const char *const keys[] = {"statuses", "completed", "topics"};
    static const sq_stmt_id stmts[] = {SQ_STATS_STATUSES, SQ_STATS_COMPLETED, SQ_STATS_TOPICS};
    return sq_json_doc(impl, stmts, keys, sizeof stmts / sizeof stmts[0], false, SQ_ARGS(SQ_I(user_id)), out, err);
}

static ig_status sq_weak_topics(void *impl, int64_t user_id, int limit, json_t **out, ig_err *err)
{
    sq_conn c;
    json_t *rows = NULL, *lists = NULL;
    ig_status rc = sq_acquire(impl, &c, err);
    if (rc != IG_OK)
        return rc;
    lists = json_array();
    if (lists == NULL)
        rc = status_errf(err, IG_ENOMEM, "out of memory reading topics");
    if (rc == IG_OK)
        rc = sq_json_rows(&c, SQ_WEAK_TOPICS, SQ_ARGS(SQ_I(user_id), SQ_I(limit)), false, "weak topics", &rows, err);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        json_t *topics = json_object_get(row, "weakest_topics");
        if (rc == IG_OK && json_is_array(topics) && json_array_append(lists, topics) != 0)
            rc = status_errf(err, IG_ENOMEM, "out of memory reading topics");
    }
    json_decref(rows);
    if (rc == IG_OK) {
        *out = lists;
        lists = NULL;
    }
    json_decref(lists);
    sq_release(&c);
    return rc;
}

/* ---- resume files in the database (store_files.h) ---- */

static ig_status sq_resume_create_file(void *impl, const store_resume_new *in, const char *content_path,
                                       store_resume *out, ig_err *err)
{
    return sq_resume_insert(impl, in, content_path, out, err);
}

static ig_status sq_file_put(void *impl, int64_t user_id, int64_t id, const char *path, ig_err *err)
{
    sq_store *s = impl;
    return storefiles_put(s->pool, SQ_FILES_SLOT, user_id, id, path, err);
}

static ig_status sq_file_read(void *impl, int64_t user_id, int64_t id, store_file_sink fn, void *arg, ig_err *err)
{
    sq_store *s = impl;
    return storefiles_read(s->pool, SQ_FILES_SLOT, user_id, id, fn, arg, err);
}

static ig_status sq_file_delete(void *impl, int64_t user_id, int64_t id, ig_err *err)
{
    sq_store *s = impl;
    return storefiles_delete(s->pool, SQ_FILES_SLOT, user_id, id, err);
}

/* ---- open / close ---- */

static void sq_close(void *impl)
{
    sq_store *s = impl;
    if (s == NULL)
        return;
    sqldb_pool_close(s->pool);
    for (size_t i = 0; i < SQ_STMT_COUNT; i++)
        free(s->owned[i]);
    free(s);
}

/* Picks each statement's text for dialect d: its own, else the servers' shared one, else the
 * portable one. MySQL's UPDATE cannot return rows, so its writes lose their RETURNING clause
 * (sq_fetch_written reads the row back). */
static ig_status sq_texts(sq_store *s, sqldb_dialect d, ig_err *err)
{
    const char *const *own = d == SQLDB_PG ? sq_sql_pg : d == SQLDB_MYSQL ? sq_sql_mysql : NULL;
    for (size_t i = 0; i < SQ_STMT_COUNT; i++) {
        const char *t = own != NULL && own[i] != NULL                ? own[i]
                        : d != SQLDB_SQLITE && sq_sql_server[i] != NULL ? sq_sql_server[i]
                                                                       : sq_sql[i];
        const char *ret = d == SQLDB_MYSQL && t != NULL ? strstr(t, " RETURNING ") : NULL;
        if (ret != NULL) {
            s->owned[i] = strndup(t, (size_t)(ret - t));
            if (s->owned[i] == NULL)
                return status_errf(err, IG_ENOMEM, "out of memory opening the database");
            t = s->owned[i];
        }
        s->sql[i] = t;
    }
    return IG_OK;
}

/* url is the whole DATABASE_URL: sqlite:///relative.db, sqlite:////absolute.db, sqlite://:memory:,
 * postgresql://user:password@host:port/db, mysql://user:password@host:port/db (sqldb.h). */
static ig_status sq_open(void **impl, const char *url, int pool_size, int busy_timeout_ms, int statement_timeout_ms,
                        ig_err *err)
{
    sqldb_options opt = {
        .busy_timeout_ms = busy_timeout_ms,
        .statement_timeout_ms = statement_timeout_ms,
        .connect_timeout_s = SQ_CONNECT_TIMEOUT_S,
        .stmt_slots = SQ_FILES_SLOT + STOREFILES_SLOTS,
    };
    sq_store *s = calloc(1, sizeof *s);
    ig_status rc = s != NULL ? IG_OK : status_errf(err, IG_ENOMEM, "out of memory opening the database");
    if (rc == IG_OK)
        rc = sqldb_dialect_of(url, &s->dialect, err);
    if (rc == IG_OK)
        rc = sq_texts(s, s->dialect, err);
    if (rc == IG_OK)
        rc = sqldb_pool_open(url, &opt, pool_size, &s->pool, err);
    if (rc != IG_OK) {
        sq_close(s);
        return rc;
    }
    *impl = s;
    return IG_OK;
}

const store_backend store_sql_backend = {
    .open = sq_open,
    .close = sq_close,
    .migrate = sq_migrate,
    .schema_version = sq_schema_version,
    .ping = sq_ping,
    .user_create = sq_user_create,
    .user_by_email = sq_user_by_email,
    .user_by_id = sq_user_by_id,
    .user_update_profile = sq_user_update_profile,
    .user_set_password = sq_user_set_password,
    .user_set_active = sq_user_set_active,
    .user_touch_login = sq_user_touch_login,
    .user_delete = sq_user_delete,
    .user_list = sq_user_list,
    .user_export = sq_user_export,
    .family_create = sq_family_create,
    .family_rotate = sq_family_rotate,
    .family_revoke = sq_family_revoke,
    .family_revoke_user = sq_family_revoke_user,
    .jti_revoke = sq_jti_revoke,
    .auth_check_token = sq_auth_check_token,
    .purge_expired = sq_purge_expired,
    .resume_create = sq_resume_create,
    .resume_get = sq_resume_get,
    .resume_list = sq_resume_list,
    .resume_parse_result = sq_resume_parse_result,
    .resume_delete = sq_resume_delete,
    .resume_reparse = sq_resume_reparse,
    .resume_mark_processing = sq_resume_mark_processing,
    .resume_save_result = sq_resume_save_result,
    .resume_mark_failed = sq_resume_mark_failed,
    .resume_edit_result = sq_resume_edit_result,
    .job_enqueue = sq_job_enqueue,
    .job_lease = sq_job_lease,
    .job_renew = sq_job_renew,
    .job_complete = sq_job_complete,
    .job_fail = sq_job_fail,
    .job_get = sq_job_get,
    .job_purge = sq_job_purge,
    .questions_add = sq_questions_add,
    .question_get = sq_question_get,
    .question_list = sq_question_list,
    .interview_create = sq_interview_create,
    .interview_get = sq_interview_get,
    .interview_add_usage = sq_interview_add_usage,
    .interview_owner_by_session = sq_interview_owner_by_session,
    .interview_list = sq_interview_list,
    .interview_question = sq_interview_question,
    .interview_items = sq_interview_items,
    .interview_record = sq_interview_record,
    .interview_transition = sq_interview_transition,
    .interview_finish = sq_interview_finish,
    .interview_answers = sq_interview_answers,
    .answer_set_audio = sq_answer_set_audio,
    .interview_feedback = sq_interview_feedback,
    .interview_stats = sq_interview_stats,
    .weak_topics = sq_weak_topics,
    .resume_create_file = sq_resume_create_file,
    .file_put = sq_file_put,
    .file_read = sq_file_read,
    .file_delete = sq_file_delete,
};

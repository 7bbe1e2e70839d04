/* The SQLite backend of the store: a pool of connections, each with its own cache of persistent
 * prepared statements (the only SQL that ever sees input), plus the migration runner. */
#include <pthread.h>
#include <sqlite3.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/utf8.h"
#include "store/store_backend.h"

/* Every statement the backend runs, one cached prepared statement per connection for each. */
typedef enum sq_stmt_id {
    SQ_BEGIN,
    SQ_BEGIN_IMMEDIATE,
    SQ_COMMIT,
    SQ_PING,
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
    SQ_JOB_EXPIRE_RESUMES,
    SQ_JOB_EXPIRE,
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
                         "q.created_at AS created_at, EXISTS (SELECT 1 FROM interview_questions lq " \
                         "JOIN interviews li ON li.id = lq.interview_id WHERE lq.question_id = q.id " \
                         "AND li.status IN ('pending', 'active', 'paused') AND NOT EXISTS (SELECT 1 " \
                         "FROM interview_answers la WHERE la.interview_id = lq.interview_id " \
                         "AND la.question_id = q.id)) AS locked"
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
/* Seconds of the pause in progress at ?3 (0 when not paused). */
#define SQ_PAUSE_NOW "max(0, ?3 - coalesce(paused_at, ?3))"
/* The most completed interviews the stats read (the newest). */
#define SQ_STATS_MAX "500"

/* Column order read by sq_user_fill. */
#define SQ_USER_COLS "id, email, password_hash, username, avatar_url, is_active, last_login_at, created_at, updated_at"

static const char *const sq_sql[SQ_STMT_COUNT] = {
    [SQ_BEGIN] = "BEGIN",
    [SQ_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
    [SQ_COMMIT] = "COMMIT",
    [SQ_PING] = "SELECT 1",
    [SQ_MIG_CREATE] = "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                      "name VARCHAR(255) NOT NULL, applied_at INTEGER NOT NULL)",
    [SQ_MIG_EXISTS] = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
    [SQ_MIG_VERSION] = "SELECT coalesce(max(version), 0) FROM schema_migrations",
    [SQ_MIG_INSERT] = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
    [SQ_USER_INSERT] = "INSERT INTO users (email, password_hash, username, is_active, created_at, updated_at) "
                       "VALUES (?1, ?2, NULLIF(?3, ''), 1, ?4, ?4) RETURNING " SQ_USER_COLS,
    [SQ_USER_BY_EMAIL] = "SELECT " SQ_USER_COLS " FROM users WHERE email = ?1",
    [SQ_USER_BY_ID] = "SELECT " SQ_USER_COLS " FROM users WHERE id = ?1",
    [SQ_USER_UPDATE_PROFILE] = "UPDATE users SET "
                               "username = CASE WHEN ?2 IS NULL THEN username ELSE NULLIF(?2, '') END, "
                               "avatar_url = CASE WHEN ?3 IS NULL THEN avatar_url ELSE NULLIF(?3, '') END, "
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
    [SQ_FAMILY_GET] = "SELECT user_id, current_jti, revoked, expires_at FROM token_families WHERE id = ?1",
    [SQ_FAMILY_ROTATE] = "UPDATE token_families SET current_jti = ?2, rotated_at = ?3, expires_at = ?4 WHERE id = ?1",
    [SQ_FAMILY_REVOKE] = "UPDATE token_families SET revoked = 1 WHERE id = ?1",
    [SQ_FAMILY_REVOKE_USER] = "UPDATE token_families SET revoked = 1 WHERE user_id = ?1 AND (?2 IS NULL OR id <> ?2)",
    [SQ_JTI_REVOKE] = "INSERT INTO revoked_tokens (jti, expires_at) VALUES (?1, ?2) "
                      "ON CONFLICT (jti) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)",
    /* One round trip per authenticated request. A family that is unknown, not the user's, or revoked
     * counts as revoked: its session is over (logout, password change, purge after expiry). */
    [SQ_AUTH_CHECK] = "SELECT " SQ_USER_COLS ", "
                      "EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = ?2), "
                      "CASE WHEN ?3 IS NULL THEN 0 ELSE NOT EXISTS (SELECT 1 FROM token_families "
                      "WHERE id = ?3 AND user_id = ?1 AND revoked = 0) END FROM users WHERE id = ?1",
    [SQ_PURGE_JTIS] = "DELETE FROM revoked_tokens WHERE expires_at <= ?1",
    [SQ_PURGE_FAMILIES] = "DELETE FROM token_families WHERE expires_at <= ?1",
    [SQ_RESUME_INSERT] = "INSERT INTO resumes (user_id, file_name, file_path, file_type, file_size, content_sha256, "
                         "status, progress, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, "
                         "?7, ?7) RETURNING " SQ_RESUME_COLS,
    [SQ_RESUME_BY_SHA] = "SELECT " SQ_RESUME_COLS " FROM resumes WHERE user_id = ?1 AND content_sha256 = ?2",
    [SQ_RESUME_GET] = "SELECT " SQ_RESUME_COLS " FROM resumes WHERE user_id = ?1 AND id = ?2",
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
    /* a machine result replaces an edited one (a reparse): edited goes back to 0 */
    [SQ_RESULT_UPSERT] = "INSERT INTO resume_parse_results (resume_id, basic_info, skills, experience, education, "
                         "projects, raw_text, created_at, updated_at, certifications, awards, languages, sections, "
                         "confidence, edited, edited_at, refined_fields) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, "
                         "?9, ?10, ?11, ?12, ?13, 0, NULL, ?14) "
                         "ON CONFLICT (resume_id) DO UPDATE SET basic_info = excluded.basic_info, "
                         "skills = excluded.skills, experience = excluded.experience, "
                         "education = excluded.education, projects = excluded.projects, "
                         "raw_text = excluded.raw_text, updated_at = excluded.updated_at, "
                         "certifications = excluded.certifications, awards = excluded.awards, "
                         "languages = excluded.languages, sections = excluded.sections, "
                         "confidence = excluded.confidence, edited = 0, edited_at = NULL, "
                         "refined_fields = excluded.refined_fields",
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
    /* A job whose worker died on its last attempt: its resume fails, then the job. */
    [SQ_JOB_EXPIRE_RESUMES] = "UPDATE resumes SET status = 'failed', error_code = '" STORE_ERR_INTERRUPTED "', "
                              "error = 'the worker stopped before finishing, on every attempt', updated_at = ?1 "
                              "WHERE status IN ('pending', 'processing') AND id IN (SELECT resume_id FROM jobs "
                              "WHERE " SQ_LEASE_EXPIRED " AND attempts >= max_attempts)",
    [SQ_JOB_EXPIRE] = "UPDATE jobs SET status = 'failed', lease_until = NULL, "
                      "last_error = 'lease expired on the last attempt', updated_at = ?1 "
                      "WHERE " SQ_LEASE_EXPIRED " AND attempts >= max_attempts",
    [SQ_JOB_LEASE] = "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = ?1 + ?2, "
                     "lease_owner = ?3, updated_at = ?1 WHERE id = (SELECT id FROM jobs WHERE "
                     "(status = 'queued' AND run_after <= ?1) OR (" SQ_LEASE_EXPIRED ") ORDER BY id LIMIT 1) "
                     "RETURNING " SQ_JOB_COLS,
    [SQ_JOB_RENEW] = "UPDATE jobs SET lease_until = ?3 WHERE id = ?1 AND lease_owner = ?2 AND status = 'running'",
    [SQ_JOB_COMPLETE] = "UPDATE jobs SET status = 'done', lease_until = NULL, updated_at = ?3 "
                        "WHERE id = ?1 AND lease_owner = ?2 AND status = 'running'",
    [SQ_JOB_OWNED] = "SELECT attempts, max_attempts, resume_id FROM jobs "
                     "WHERE id = ?1 AND lease_owner = ?2 AND status = 'running'",
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
    [SQ_QUESTION_LIST] = "SELECT " SQ_QUESTION_COLS " FROM questions q WHERE q.user_id = ?1 "
                         "AND (?2 = 0 OR q.resume_id = ?2) ORDER BY q.id DESC LIMIT ?3 OFFSET ?4",
    [SQ_QUESTION_COUNT] = "SELECT count(*) FROM questions WHERE user_id = ?1 AND (?2 = 0 OR resume_id = ?2)",
    [SQ_INTERVIEW_INSERT] = "INSERT INTO interviews (user_id, resume_id, session_id, status, interview_type, "
                            "difficulty, job_description, language, total_questions, current_question_index, "
                            "started_at, hints, adaptive, seed, created_at, updated_at) VALUES (?1, ?2, ?3, "
                            "'active', ?4, ?5, ?6, ?7, ?8, 0, ?9, ?10, ?11, ?12, ?9, ?9) RETURNING " SQ_INTERVIEW_COLS,
    [SQ_IQ_INSERT] = "INSERT INTO interview_questions (interview_id, position, question_id) VALUES (?1, ?2, ?3)",
    [SQ_INTERVIEW_GET] = "SELECT " SQ_INTERVIEW_COLS " FROM interviews WHERE user_id = ?1 AND id = ?2",
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
    [SQ_INTERVIEW_RESUME] = "UPDATE interviews SET status = 'active', paused_seconds = paused_seconds + " SQ_PAUSE_NOW
                            ", paused_at = NULL, version = version + 1, updated_at = ?3 "
                            "WHERE user_id = ?1 AND id = ?2 AND status = 'paused' RETURNING " SQ_INTERVIEW_COLS,
    /* the right-hand sides read the row as it was: duration leaves out the pauses, the current one too */
    [SQ_INTERVIEW_CANCEL] = "UPDATE interviews SET status = 'cancelled', ended_at = ?3, "
                            "duration = max(0, ?3 - coalesce(started_at, ?3) - paused_seconds - " SQ_PAUSE_NOW "), "
                            "paused_seconds = paused_seconds + " SQ_PAUSE_NOW ", paused_at = NULL, "
                            "version = version + 1, updated_at = ?3 WHERE user_id = ?1 AND id = ?2 "
                            "AND status IN ('active', 'paused') RETURNING " SQ_INTERVIEW_COLS,
    [SQ_INTERVIEW_FINISH] = "UPDATE interviews SET status = 'completed', ended_at = ?3, duration = ?4, "
                            "overall_score = ?5, paused_seconds = paused_seconds + " SQ_PAUSE_NOW ", "
                            "paused_at = NULL, version = version + 1, updated_at = ?3 WHERE user_id = ?1 "
                            "AND id = ?2 AND version = ?6 AND status IN ('active', 'paused') "
                            "RETURNING " SQ_INTERVIEW_COLS,
    [SQ_FEEDBACK_UPSERT] = "INSERT INTO interview_feedback (interview_id, overall_score, dimension_scores, strengths, "
                           "weaknesses, suggestions, report, weakest_topics, engine, created_at) VALUES (?1, ?2, ?3, "
                           "?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (interview_id) DO UPDATE SET "
                           "overall_score = excluded.overall_score, dimension_scores = excluded.dimension_scores, "
                           "strengths = excluded.strengths, weaknesses = excluded.weaknesses, "
                           "suggestions = excluded.suggestions, report = excluded.report, "
                           "weakest_topics = excluded.weakest_topics, engine = excluded.engine, "
                           "created_at = excluded.created_at",
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

typedef struct sq_conn {
    sqlite3 *db;
    sqlite3_stmt *stmt[SQ_STMT_COUNT]; /* prepared lazily, finalized at close */
    struct sq_conn *next;              /* free-list link */
} sq_conn;

typedef struct sq_store {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool mu_ok, cv_ok;
    sq_conn *conns; /* pool_size entries */
    int nconns;     /* entries with an open db */
    sq_conn *free;
} sq_store;

/* Maps the connection's last error to a status; the message keeps SQLite's reason. */
static ig_status sq_fail(sq_conn *c, const char *what, ig_err *err)
{
    int code = sqlite3_extended_errcode(c->db);
    const char *msg = sqlite3_errmsg(c->db);
    switch (code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return status_errf(err, IG_ECONFLICT, "%s: already exists (%s)", what, msg);
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        return status_errf(err, IG_ENOTFOUND, "%s: referenced row does not exist", what);
    default:
        break;
    }
    if ((code & 0xff) == SQLITE_NOMEM)
        return status_errf(err, IG_ENOMEM, "%s: out of memory", what);
    return status_errf(err, IG_EIO, "%s: %s", what, msg);
}

static sq_conn *sq_acquire(sq_store *s)
{
    pthread_mutex_lock(&s->mu);
    while (s->free == NULL)
        pthread_cond_wait(&s->cv, &s->mu);
    sq_conn *c = s->free;
    s->free = c->next;
    pthread_mutex_unlock(&s->mu);
    return c;
}

/* Ends a transaction that an early exit left open (no-op in autocommit mode). */
static void sq_rollback(sq_conn *c)
{
    if (!sqlite3_get_autocommit(c->db))
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Returns c to the pool, rolled back so the next borrower starts clean. */
static void sq_release(sq_store *s, sq_conn *c)
{
    sq_rollback(c);
    pthread_mutex_lock(&s->mu);
    c->next = s->free;
    s->free = c;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static ig_status sq_prepare(sq_conn *c, sq_stmt_id id, sqlite3_stmt **out, ig_err *err)
{
    if (c->stmt[id] == NULL &&
        sqlite3_prepare_v3(c->db, sq_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &c->stmt[id], NULL) != SQLITE_OK)
        return sq_fail(c, "prepare", err);
    *out = c->stmt[id];
    return IG_OK;
}

/* Makes a cached statement ready for its next use (NULL is fine). */
static void sq_reset(sqlite3_stmt *q)
{
    if (q == NULL)
        return;
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
}

/* Steps q expecting a row: IG_ENOTFOUND ("<what> not found") when there is none. */
static ig_status sq_step_row(sq_conn *c, sqlite3_stmt *q, const char *what, ig_err *err)
{
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        return IG_OK;
    if (rc == SQLITE_DONE)
        return status_errf(err, IG_ENOTFOUND, "%s not found", what);
    return sq_fail(c, what, err);
}

/* Steps q expecting completion (a write, or the end of a single-row result). */
static ig_status sq_step_done(sq_conn *c, sqlite3_stmt *q, const char *what, ig_err *err)
{
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return IG_OK;
    if (rc == SQLITE_ROW)
        return status_errf(err, IG_EINTERNAL, "%s: more rows than expected", what);
    return sq_fail(c, what, err);
}

/* Runs a statement that takes no parameters and returns no rows (BEGIN, COMMIT, DDL). */
static ig_status sq_run(sq_conn *c, sq_stmt_id id, const char *what, ig_err *err)
{
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, id, &q, err);
    if (rc == IG_OK)
        rc = sq_step_done(c, q, what, err);
    sq_reset(q);
    return rc;
}

/* Runs a write keyed by ?1 (text when given, else iid), with ?2 = extra when the statement has a
 * second parameter; IG_ENOTFOUND ("<what> not found") when it changed no row. */
static ig_status sq_write_id(sq_store *s, sq_stmt_id id, int64_t iid, const char *text, int64_t extra,
                             const char *what, ig_err *err)
{
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, id, &q, err);
    if (rc != IG_OK)
        goto out;
    int brc = text != NULL ? sqlite3_bind_text(q, 1, text, -1, SQLITE_STATIC) : sqlite3_bind_int64(q, 1, iid);
    if (brc != SQLITE_OK || (sqlite3_bind_parameter_count(q) >= 2 && sqlite3_bind_int64(q, 2, extra) != SQLITE_OK)) {
        rc = sq_fail(c, what, err);
        goto out;
    }
    rc = sq_step_done(c, q, what, err);
    if (rc == IG_OK && sqlite3_changes(c->db) == 0)
        rc = status_errf(err, IG_ENOTFOUND, "%s not found", what);
out:
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

/* ---- migrations ---- */

/* The highest applied version; 0 when schema_migrations does not exist yet. */
static ig_status sq_version(sq_conn *c, int *version, ig_err *err)
{
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_MIG_EXISTS, &q, err);
    if (rc == IG_OK)
        rc = sq_step_row(c, q, "schema_migrations lookup", err);
    bool exists = rc == IG_OK && sqlite3_column_int(q, 0) > 0;
    sq_reset(q);
    q = NULL;
    *version = 0;
    if (rc != IG_OK || !exists)
        return rc;
    rc = sq_prepare(c, SQ_MIG_VERSION, &q, err);
    if (rc == IG_OK)
        rc = sq_step_row(c, q, "schema version", err);
    if (rc == IG_OK)
        *version = sqlite3_column_int(q, 0);
    sq_reset(q);
    return rc;
}

static ig_status sq_schema_version(void *impl, int *version, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    ig_status rc = sq_version(c, version, err);
    sq_release(s, c);
    return rc;
}

/* Applies m unless the version read under the write lock says it is already there (so two
 * processes migrating at once apply it once). *done tells whether it was applied now. */
static ig_status sq_apply(sq_conn *c, const store_migration *m, bool *done, ig_err *err)
{
    sqlite3_stmt *q = NULL;
    int version = 0;
    *done = false;
    ig_status rc = sq_run(c, SQ_BEGIN_IMMEDIATE, "begin migration", err);
    if (rc == IG_OK)
        rc = sq_version(c, &version, err);
    if (rc != IG_OK || version >= m->version)
        goto out;
    /* Our own shipped SQL, never input: sqlite3_exec runs its many statements. */
    if (sqlite3_exec(c->db, m->sql, NULL, NULL, NULL) != SQLITE_OK) {
        rc = status_errf(err, IG_EIO, "migration %s failed: %s", m->name, sqlite3_errmsg(c->db));
        goto out;
    }
    rc = sq_prepare(c, SQ_MIG_INSERT, &q, err);
    if (rc != IG_OK)
        goto out;
    if (sqlite3_bind_int(q, 1, m->version) != SQLITE_OK ||
        sqlite3_bind_text(q, 2, m->name, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(q, 3, (int64_t)time(NULL)) != SQLITE_OK) {
        rc = sq_fail(c, "record migration", err);
        goto out;
    }
    rc = sq_step_done(c, q, "record migration", err);
    if (rc == IG_OK)
        rc = sq_run(c, SQ_COMMIT, "commit migration", err);
    *done = rc == IG_OK;
out:
    sq_reset(q);
    sq_rollback(c);
    return rc;
}

static ig_status sq_migrate(void *impl, const store_migration *list, size_t count, int *applied, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    int version = 0;
    int newest = count > 0 ? list[count - 1].version : 0;
    ig_status rc = sq_run(c, SQ_BEGIN_IMMEDIATE, "begin migration", err);
    if (rc == IG_OK)
        rc = sq_run(c, SQ_MIG_CREATE, "create schema_migrations", err);
    if (rc == IG_OK)
        rc = sq_version(c, &version, err);
    if (rc == IG_OK)
        rc = sq_run(c, SQ_COMMIT, "commit schema_migrations", err);
    if (rc != IG_OK)
        goto out;
    if (version > newest) {
        rc = status_errf(err, IG_ESTATE, "database schema version %d is newer than this program's %d", version,
                         newest);
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        bool done = false;
        rc = sq_apply(c, &list[i], &done, err);
        if (rc != IG_OK)
            goto out;
        if (done && applied != NULL)
            (*applied)++;
    }
out:
    sq_release(s, c);
    return rc;
}

/* ---- users ---- */

/* Copies text column col into buf (cap bytes with the NUL); NULL becomes "" and *has = false. */
static ig_status sq_text(sqlite3_stmt *q, int col, char *buf, size_t cap, bool *has, ig_err *err)
{
    buf[0] = '\0';
    if (has != NULL)
        *has = false;
    if (sqlite3_column_type(q, col) == SQLITE_NULL)
        return IG_OK;
    const unsigned char *t = sqlite3_column_text(q, col);
    size_t n = (size_t)sqlite3_column_bytes(q, col);
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

/* Fills out from a row of SQ_USER_COLS. */
static ig_status sq_user_fill(sqlite3_stmt *q, store_user *out, ig_err *err)
{
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(q, 0);
    ig_status rc = sq_text(q, 1, out->email, sizeof out->email, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 2, out->password_hash, sizeof out->password_hash, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 3, out->username, sizeof out->username, &out->has_username, err);
    if (rc == IG_OK)
        rc = sq_text(q, 4, out->avatar_url, sizeof out->avatar_url, &out->has_avatar_url, err);
    out->is_active = sqlite3_column_int(q, 5) != 0;
    out->last_login_at = sqlite3_column_int64(q, 6);
    out->created_at = sqlite3_column_int64(q, 7);
    out->updated_at = sqlite3_column_int64(q, 8);
    return rc;
}

/* Steps a bound statement that yields exactly one user row (a SELECT by key or a RETURNING write). */
static ig_status sq_user_fetch(sq_conn *c, sqlite3_stmt *q, const char *what, store_user *out, ig_err *err)
{
    ig_status rc = sq_step_row(c, q, what, err);
    if (rc == IG_OK)
        rc = sq_user_fill(q, out, err);
    /* Run the statement to completion: a RETURNING write commits only then. */
    if (rc == IG_OK)
        rc = sq_step_done(c, q, what, err);
    return rc;
}

static ig_status sq_user_create(void *impl, const char *email, const char *password_hash, const char *username,
                                store_user *out, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_USER_INSERT, &q, err);
    if (rc != IG_OK)
        goto out;
    if (sqlite3_bind_text(q, 1, email, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 2, password_hash, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 3, username, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(q, 4, (int64_t)time(NULL)) != SQLITE_OK) {
        rc = sq_fail(c, "create user", err);
        goto out;
    }
    rc = sq_user_fetch(c, q, "created user", out, err);
    if (rc == IG_ECONFLICT)
        rc = status_errf(err, IG_ECONFLICT, "email already registered");
out:
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

static ig_status sq_user_get(sq_store *s, sq_stmt_id id, int64_t iid, const char *text, store_user *out,
                             ig_err *err)
{
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, id, &q, err);
    if (rc != IG_OK)
        goto out;
    int brc = text != NULL ? sqlite3_bind_text(q, 1, text, -1, SQLITE_STATIC) : sqlite3_bind_int64(q, 1, iid);
    if (brc != SQLITE_OK) {
        rc = sq_fail(c, "user lookup", err);
        goto out;
    }
    rc = sq_user_fetch(c, q, "user", out, err);
out:
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

static ig_status sq_user_by_email(void *impl, const char *email, store_user *out, ig_err *err)
{
    return sq_user_get(impl, SQ_USER_BY_EMAIL, 0, email, out, err);
}

static ig_status sq_user_by_id(void *impl, int64_t id, store_user *out, ig_err *err)
{
    return sq_user_get(impl, SQ_USER_BY_ID, id, NULL, out, err);
}

static ig_status sq_user_update_profile(void *impl, int64_t id, const char *username, const char *avatar_url,
                                        store_user *out, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_USER_UPDATE_PROFILE, &q, err);
    if (rc != IG_OK)
        goto out;
    if (sqlite3_bind_int64(q, 1, id) != SQLITE_OK ||
        sqlite3_bind_text(q, 2, username, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 3, avatar_url, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(q, 4, (int64_t)time(NULL)) != SQLITE_OK) {
        rc = sq_fail(c, "update profile", err);
        goto out;
    }
    rc = sq_user_fetch(c, q, "user", out, err);
out:
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

static ig_status sq_user_set_password(void *impl, int64_t id, const char *password_hash, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_USER_SET_PASSWORD, &q, err);
    if (rc != IG_OK)
        goto out;
    if (sqlite3_bind_int64(q, 1, id) != SQLITE_OK ||
        sqlite3_bind_text(q, 2, password_hash, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(q, 3, (int64_t)time(NULL)) != SQLITE_OK) {
        rc = sq_fail(c, "set password", err);
        goto out;
    }
    rc = sq_step_done(c, q, "set password", err);
    if (rc == IG_OK && sqlite3_changes(c->db) == 0)
        rc = status_errf(err, IG_ENOTFOUND, "user not found");
out:
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

static ig_status sq_user_set_active(void *impl, const char *email, bool active, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_USER_SET_ACTIVE, &q, err);
    if (rc != IG_OK)
        goto out;
    if (sqlite3_bind_text(q, 1, email, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int(q, 2, active ? 1 : 0) != SQLITE_OK ||
        sqlite3_bind_int64(q, 3, (int64_t)time(NULL)) != SQLITE_OK) {
        rc = sq_fail(c, "set active", err);
        goto out;
    }
    rc = sq_step_done(c, q, "set active", err);
    if (rc == IG_OK && sqlite3_changes(c->db) == 0)
        rc = status_errf(err, IG_ENOTFOUND, "user not found");
out:
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

static ig_status sq_user_touch_login(void *impl, int64_t id, ig_err *err)
{
    return sq_write_id(impl, SQ_USER_TOUCH_LOGIN, id, NULL, (int64_t)time(NULL), "user", err);
}

static ig_status sq_user_delete(void *impl, int64_t id, ig_err *err)
{
    return sq_write_id(impl, SQ_USER_DELETE, id, NULL, 0, "user", err);
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

/* A JSON string of the stored text; malformed UTF-8 (bytes written by something other than us) is
 * replaced with U+FFFD rather than failing the whole export. NULL on allocation failure. */
static json_t *sq_json_text(const unsigned char *t, size_t n)
{
    return utf8_json_lossy((const char *)t, n);
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

/* The value of column col, typed by its name (timestamps, JSON documents, booleans) and storage
 * class. NULL on allocation failure. */
static json_t *sq_json_column(sqlite3_stmt *q, int col)
{
    const char *name = sqlite3_column_name(q, col);
    int type = sqlite3_column_type(q, col);
    if (name == NULL)
        return NULL;
    if (type == SQLITE_NULL)
        return json_null();
    if (type == SQLITE_INTEGER && sq_name_in(name, sq_bool_columns, sizeof sq_bool_columns / sizeof *sq_bool_columns))
        return json_boolean(sqlite3_column_int64(q, col) != 0);
    size_t nl = strlen(name);
    if (type == SQLITE_INTEGER && nl > 3 && strcmp(name + nl - 3, "_at") == 0)
        return sq_json_time(sqlite3_column_int64(q, col));
    if (type == SQLITE_INTEGER)
        return json_integer(sqlite3_column_int64(q, col));
    if (type == SQLITE_FLOAT)
        return json_real(sqlite3_column_double(q, col));
    const unsigned char *t = sqlite3_column_text(q, col);
    size_t n = (size_t)sqlite3_column_bytes(q, col);
    if (t == NULL)
        return NULL;
    if (sq_name_in(name, sq_json_columns, sizeof sq_json_columns / sizeof *sq_json_columns)) {
        json_t *doc = json_loadb((const char *)t, n, JSON_DECODE_ANY, NULL);
        if (doc != NULL)
            return doc;
    }
    return sq_json_text(t, n);
}

static ig_status sq_json_row(sqlite3_stmt *q, json_t **out, ig_err *err)
{
    json_t *obj = json_object();
    if (obj == NULL)
        goto nomem;
    for (int col = 0; col < sqlite3_column_count(q); col++) {
        json_t *v = sq_json_column(q, col);
        if (v == NULL || json_object_set_new(obj, sqlite3_column_name(q, col), v) != 0)
            goto nomem;
    }
    *out = obj;
    return IG_OK;
nomem:
    json_decref(obj);
    return status_errf(err, IG_ENOMEM, "out of memory rendering rows as JSON");
}

/* Runs statement id (with ?1 = param when it takes one) and renders its rows: an array, or with
 * single, the one row as an object (IG_ENOTFOUND "<what> not found" when there is none). */
static ig_status sq_json_query(sq_conn *c, sq_stmt_id id, int64_t param, bool single, const char *what,
                               json_t **out, ig_err *err)
{
    sqlite3_stmt *q = NULL;
    json_t *arr = NULL, *row = NULL;
    *out = NULL;
    ig_status rc = sq_prepare(c, id, &q, err);
    if (rc != IG_OK)
        goto out;
    if (sqlite3_bind_parameter_count(q) > 0 && sqlite3_bind_int64(q, 1, param) != SQLITE_OK) {
        rc = sq_fail(c, what, err);
        goto out;
    }
    if (single) {
        rc = sq_step_row(c, q, what, err);
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
        int src = sqlite3_step(q);
        if (src == SQLITE_DONE)
            break;
        if (src != SQLITE_ROW) {
            rc = sq_fail(c, what, err);
            goto out;
        }
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
    sq_reset(q);
    return rc;
}

static ig_status sq_user_list(void *impl, json_t **out, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    ig_status rc = sq_json_query(c, SQ_USER_LIST, 0, false, "users", out, err);
    sq_release(s, c);
    return rc;
}

static ig_status sq_user_export(void *impl, int64_t id, json_t **out, ig_err *err)
{
    static const struct {
        const char *key;
        sq_stmt_id stmt;
    } parts[] = {
        {"user", SQ_EXPORT_USER},
        {"resumes", SQ_EXPORT_RESUMES},
        {"parse_results", SQ_EXPORT_PARSE_RESULTS},
        {"questions", SQ_EXPORT_QUESTIONS},
        {"interviews", SQ_EXPORT_INTERVIEWS},
        {"interview_questions", SQ_EXPORT_INTERVIEW_QUESTIONS},
        {"answers", SQ_EXPORT_ANSWERS},
        {"feedback", SQ_EXPORT_FEEDBACK},
        {"sessions", SQ_EXPORT_SESSIONS},
    };
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    json_t *doc = json_object();
    ig_status rc = IG_OK;
    if (doc == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory exporting user");
        goto out;
    }
    /* One read transaction: every part comes from the same snapshot. */
    rc = sq_run(c, SQ_BEGIN, "begin export", err);
    for (size_t i = 0; rc == IG_OK && i < sizeof parts / sizeof parts[0]; i++) {
        json_t *v = NULL;
        rc = sq_json_query(c, parts[i].stmt, id, i == 0, i == 0 ? "user" : parts[i].key, &v, err);
        if (rc == IG_OK && json_object_set_new(doc, parts[i].key, v) != 0)
            rc = status_errf(err, IG_ENOMEM, "out of memory exporting user");
    }
    if (rc == IG_OK)
        rc = sq_run(c, SQ_COMMIT, "end export", err);
    if (rc == IG_OK) {
        *out = doc;
        doc = NULL;
    }
out:
    json_decref(doc);
    sq_release(s, c);
    return rc;
}

/* ---- token families and revoked tokens ---- */

static ig_status sq_family_create(void *impl, const char *family_id, int64_t user_id, const char *refresh_jti,
                                  int64_t expires_at, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_FAMILY_INSERT, &q, err);
    if (rc != IG_OK)
        goto out;
    if (sqlite3_bind_text(q, 1, family_id, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(q, 2, user_id) != SQLITE_OK ||
        sqlite3_bind_text(q, 3, refresh_jti, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(q, 4, (int64_t)time(NULL)) != SQLITE_OK ||
        sqlite3_bind_int64(q, 5, expires_at) != SQLITE_OK) {
        rc = sq_fail(c, "create session", err);
        goto out;
    }
    rc = sq_step_done(c, q, "create session", err);
out:
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

/* Constant-time equality of the stored jti and the presented one (lengths are not secret). */
static bool sq_jti_eq(const unsigned char *stored, size_t stored_len, const char *given)
{
    size_t n = strlen(given);
    return stored != NULL && stored_len == n && sodium_memcmp(stored, given, n) == 0;
}

static ig_status sq_family_rotate(void *impl, const char *family_id, int64_t user_id, const char *old_jti,
                                  const char *new_jti, int64_t expires_at, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    int64_t now = (int64_t)time(NULL);
    /* The read and the write are one immediate transaction: two refreshes racing with the same
     * token cannot both rotate; the second sees a non-current jti and revokes the family. */
    ig_status rc = sq_run(c, SQ_BEGIN_IMMEDIATE, "begin rotate", err);
    if (rc == IG_OK)
        rc = sq_prepare(c, SQ_FAMILY_GET, &q, err);
    if (rc != IG_OK)
        goto out;
    if (sqlite3_bind_text(q, 1, family_id, -1, SQLITE_STATIC) != SQLITE_OK) {
        rc = sq_fail(c, "rotate session", err);
        goto out;
    }
    rc = sq_step_row(c, q, "session", err);
    if (rc == IG_ENOTFOUND)
        rc = status_errf(err, IG_EAUTH, "unknown session");
    if (rc != IG_OK)
        goto out;
    if (sqlite3_column_int64(q, 0) != user_id) {
        rc = status_errf(err, IG_EAUTH, "session belongs to another user");
        goto out;
    }
    if (sqlite3_column_int(q, 2) != 0) {
        rc = status_errf(err, IG_EAUTH, "session has been revoked");
        goto out;
    }
    if (sqlite3_column_int64(q, 3) <= now) {
        rc = status_errf(err, IG_EAUTH, "session has expired");
        goto out;
    }
    const unsigned char *cur = sqlite3_column_text(q, 1);
    bool current = sq_jti_eq(cur, (size_t)sqlite3_column_bytes(q, 1), old_jti);
    sq_reset(q);
    q = NULL;
    if (current) {
        rc = sq_prepare(c, SQ_FAMILY_ROTATE, &q, err);
        if (rc != IG_OK)
            goto out;
        if (sqlite3_bind_text(q, 1, family_id, -1, SQLITE_STATIC) != SQLITE_OK ||
            sqlite3_bind_text(q, 2, new_jti, -1, SQLITE_STATIC) != SQLITE_OK ||
            sqlite3_bind_int64(q, 3, now) != SQLITE_OK || sqlite3_bind_int64(q, 4, expires_at) != SQLITE_OK) {
            rc = sq_fail(c, "rotate session", err);
            goto out;
        }
    } else {
        rc = sq_prepare(c, SQ_FAMILY_REVOKE, &q, err);
        if (rc != IG_OK)
            goto out;
        if (sqlite3_bind_text(q, 1, family_id, -1, SQLITE_STATIC) != SQLITE_OK) {
            rc = sq_fail(c, "revoke session", err);
            goto out;
        }
    }
    rc = sq_step_done(c, q, "rotate session", err);
    if (rc == IG_OK)
        rc = sq_run(c, SQ_COMMIT, "commit rotate", err);
    if (rc == IG_OK && !current)
        rc = status_errf(err, IG_EAUTH, "refresh token reuse detected; session revoked");
out:
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

static ig_status sq_family_revoke(void *impl, const char *family_id, ig_err *err)
{
    return sq_write_id(impl, SQ_FAMILY_REVOKE, 0, family_id, 0, "session", err);
}

static ig_status sq_family_revoke_user(void *impl, int64_t user_id, const char *keep_family, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_FAMILY_REVOKE_USER, &q, err);
    if (rc != IG_OK)
        goto out;
    if (sqlite3_bind_int64(q, 1, user_id) != SQLITE_OK ||
        sqlite3_bind_text(q, 2, keep_family, -1, SQLITE_STATIC) != SQLITE_OK) {
        rc = sq_fail(c, "revoke sessions", err);
        goto out;
    }
    rc = sq_step_done(c, q, "revoke sessions", err);
out:
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

static ig_status sq_jti_revoke(void *impl, const char *jti, int64_t expires_at, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_JTI_REVOKE, &q, err);
    if (rc != IG_OK)
        goto out;
    if (sqlite3_bind_text(q, 1, jti, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(q, 2, expires_at) != SQLITE_OK) {
        rc = sq_fail(c, "revoke token", err);
        goto out;
    }
    rc = sq_step_done(c, q, "revoke token", err);
out:
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

static ig_status sq_auth_check_token(void *impl, int64_t user_id, const char *jti, const char *family_id,
                                     store_auth_check *out, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_AUTH_CHECK, &q, err);
    if (rc != IG_OK)
        goto out;
    if (sqlite3_bind_int64(q, 1, user_id) != SQLITE_OK ||
        sqlite3_bind_text(q, 2, jti, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 3, family_id, -1, SQLITE_STATIC) != SQLITE_OK) {
        rc = sq_fail(c, "check token", err);
        goto out;
    }
    memset(out, 0, sizeof *out);
    rc = sq_step_row(c, q, "token check", err);
    if (rc == IG_ENOTFOUND) {
        rc = IG_OK; /* no such user: user_exists stays false */
        goto out;
    }
    if (rc != IG_OK)
        goto out;
    rc = sq_user_fill(q, &out->user, err);
    if (rc != IG_OK)
        goto out;
    out->user_exists = true;
    out->user_active = out->user.is_active;
    out->jti_revoked = sqlite3_column_int(q, 9) != 0;
    out->family_revoked = sqlite3_column_int(q, 10) != 0;
    rc = sq_step_done(c, q, "token check", err);
out:
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

static ig_status sq_purge_expired(void *impl, int64_t now, ig_err *err)
{
    static const sq_stmt_id purges[] = {SQ_PURGE_JTIS, SQ_PURGE_FAMILIES};
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    ig_status rc = sq_run(c, SQ_BEGIN_IMMEDIATE, "begin purge", err);
    for (size_t i = 0; rc == IG_OK && i < sizeof purges / sizeof purges[0]; i++) {
        sqlite3_stmt *q = NULL;
        rc = sq_prepare(c, purges[i], &q, err);
        if (rc == IG_OK && sqlite3_bind_int64(q, 1, now) != SQLITE_OK)
            rc = sq_fail(c, "purge", err);
        if (rc == IG_OK)
            rc = sq_step_done(c, q, "purge", err);
        sq_reset(q);
    }
    if (rc == IG_OK)
        rc = sq_run(c, SQ_COMMIT, "commit purge", err);
    sq_release(s, c);
    return rc;
}

static ig_status sq_ping(void *impl, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_PING, &q, err);
    if (rc == IG_OK)
        rc = sq_step_row(c, q, "ping", err);
    if (rc == IG_OK)
        rc = sq_step_done(c, q, "ping", err);
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

/* ---- resumes ---- */

/* Fills out from a row of SQ_RESUME_COLS. */
static ig_status sq_resume_fill(sqlite3_stmt *q, store_resume *out, ig_err *err)
{
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(q, 0);
    out->user_id = sqlite3_column_int64(q, 1);
    ig_status rc = sq_text(q, 2, out->file_name, sizeof out->file_name, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 3, out->file_path, sizeof out->file_path, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 4, out->file_type, sizeof out->file_type, NULL, err);
    out->file_size = sqlite3_column_int64(q, 5);
    if (rc == IG_OK)
        rc = sq_text(q, 6, out->content_sha256, sizeof out->content_sha256, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 7, out->status, sizeof out->status, NULL, err);
    out->parse_confidence = sqlite3_column_double(q, 8);
    out->progress = sqlite3_column_int(q, 9);
    if (rc == IG_OK)
        rc = sq_text(q, 10, out->error_code, sizeof out->error_code, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 11, out->error, sizeof out->error, NULL, err);
    out->created_at = sqlite3_column_int64(q, 12);
    out->updated_at = sqlite3_column_int64(q, 13);
    return rc;
}

/* Steps a bound statement that yields one resume row, to completion. */
static ig_status sq_resume_fetch(sq_conn *c, sqlite3_stmt *q, store_resume *out, ig_err *err)
{
    ig_status rc = sq_step_row(c, q, "resume", err);
    if (rc == IG_OK)
        rc = sq_resume_fill(q, out, err);
    if (rc == IG_OK)
        rc = sq_step_done(c, q, "resume", err);
    return rc;
}

/* Binds ?1 = user_id, ?2 = id: the key of every user-scoped resume statement. */
static ig_status sq_bind_owned(sq_conn *c, sqlite3_stmt *q, int64_t user_id, int64_t id, ig_err *err)
{
    if (sqlite3_bind_int64(q, 1, user_id) != SQLITE_OK || sqlite3_bind_int64(q, 2, id) != SQLITE_OK)
        return sq_fail(c, "bind resume", err);
    return IG_OK;
}

/* The resume (user_id, id) on connection c. */
static ig_status sq_resume_read(sq_conn *c, int64_t user_id, int64_t id, store_resume *out, ig_err *err)
{
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_RESUME_GET, &q, err);
    if (rc == IG_OK)
        rc = sq_bind_owned(c, q, user_id, id, err);
    if (rc == IG_OK)
        rc = sq_resume_fetch(c, q, out, err);
    sq_reset(q);
    return rc;
}

/* Inserts a queued job on connection c (inside the caller's transaction); resume_id 0 is NULL. */
static ig_status sq_job_insert(sq_conn *c, const char *kind, const char *payload, int64_t resume_id,
                               int max_attempts, int64_t run_after, int64_t *id, ig_err *err)
{
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_JOB_INSERT, &q, err);
    if (rc != IG_OK)
        goto out;
    if (sqlite3_bind_text(q, 1, kind, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 2, payload, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int(q, 3, max_attempts) != SQLITE_OK || sqlite3_bind_int64(q, 4, run_after) != SQLITE_OK ||
        (resume_id != 0 ? sqlite3_bind_int64(q, 5, resume_id) : sqlite3_bind_null(q, 5)) != SQLITE_OK ||
        sqlite3_bind_int64(q, 6, (int64_t)time(NULL)) != SQLITE_OK) {
        rc = sq_fail(c, "queue job", err);
        goto out;
    }
    rc = sq_step_row(c, q, "queued job", err);
    if (rc == IG_OK)
        *id = sqlite3_column_int64(q, 0);
    if (rc == IG_OK)
        rc = sq_step_done(c, q, "queued job", err);
out:
    sq_reset(q);
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

static ig_status sq_resume_create(void *impl, const store_resume_new *in, store_resume *out, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_run(c, SQ_BEGIN_IMMEDIATE, "begin upload", err);
    if (rc == IG_OK)
        rc = sq_prepare(c, SQ_RESUME_INSERT, &q, err);
    if (rc != IG_OK)
        goto out;
    if (sqlite3_bind_int64(q, 1, in->user_id) != SQLITE_OK ||
        sqlite3_bind_text(q, 2, in->file_name, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 3, in->file_path, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 4, in->file_type, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(q, 5, in->file_size) != SQLITE_OK ||
        sqlite3_bind_text(q, 6, in->content_sha256, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(q, 7, (int64_t)time(NULL)) != SQLITE_OK) {
        rc = sq_fail(c, "create resume", err);
        goto out;
    }
    rc = sq_resume_fetch(c, q, out, err);
    sq_reset(q);
    q = NULL;
    if (rc == IG_ECONFLICT) {
        /* the same bytes again: answer with the resume that has them (same transaction, same snapshot) */
        rc = sq_prepare(c, SQ_RESUME_BY_SHA, &q, err);
        if (rc != IG_OK)
            goto out;
        if (sqlite3_bind_int64(q, 1, in->user_id) != SQLITE_OK ||
            sqlite3_bind_text(q, 2, in->content_sha256, -1, SQLITE_STATIC) != SQLITE_OK) {
            rc = sq_fail(c, "find duplicate resume", err);
            goto out;
        }
        rc = sq_resume_fetch(c, q, out, err);
        if (rc == IG_OK)
            rc = status_errf(err, IG_ECONFLICT, "the same file is already resume %lld", (long long)out->id);
        goto out;
    }
    if (rc == IG_OK)
        rc = sq_parse_job_insert(c, in->user_id, out->id, in->job_max_attempts, err);
    if (rc == IG_OK)
        rc = sq_run(c, SQ_COMMIT, "commit upload", err);
out:
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

static ig_status sq_resume_get(void *impl, int64_t user_id, int64_t id, store_resume *out, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    ig_status rc = sq_resume_read(c, user_id, id, out, err);
    sq_release(s, c);
    return rc;
}

static ig_status sq_resume_list(void *impl, int64_t user_id, int page, int per_page, store_resume **items,
                                size_t *count, int64_t *total, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    store_resume *rows = NULL;
    size_t n = 0;
    /* one read transaction: the page and the total come from the same snapshot */
    ig_status rc = sq_run(c, SQ_BEGIN, "begin resume list", err);
    if (rc == IG_OK)
        rc = sq_prepare(c, SQ_RESUME_COUNT, &q, err);
    if (rc == IG_OK && sqlite3_bind_int64(q, 1, user_id) != SQLITE_OK)
        rc = sq_fail(c, "count resumes", err);
    if (rc == IG_OK)
        rc = sq_step_row(c, q, "resume count", err);
    if (rc != IG_OK)
        goto out;
    *total = sqlite3_column_int64(q, 0);
    sq_reset(q);
    q = NULL;
    int64_t offset = (int64_t)(page - 1) * per_page;
    if (offset >= *total)
        goto done;
    int64_t want = *total - offset < per_page ? *total - offset : per_page;
    rows = calloc((size_t)want, sizeof *rows);
    if (rows == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory listing resumes");
        goto out;
    }
    rc = sq_prepare(c, SQ_RESUME_LIST, &q, err);
    if (rc != IG_OK)
        goto out;
    if (sqlite3_bind_int64(q, 1, user_id) != SQLITE_OK || sqlite3_bind_int64(q, 2, want) != SQLITE_OK ||
        sqlite3_bind_int64(q, 3, offset) != SQLITE_OK) {
        rc = sq_fail(c, "list resumes", err);
        goto out;
    }
    while (n < (size_t)want) {
        int src = sqlite3_step(q);
        if (src == SQLITE_DONE)
            break;
        if (src != SQLITE_ROW) {
            rc = sq_fail(c, "list resumes", err);
            goto out;
        }
        rc = sq_resume_fill(q, &rows[n], err);
        if (rc != IG_OK)
            goto out;
        n++;
    }
done:
    rc = sq_run(c, SQ_COMMIT, "end resume list", err);
    if (rc == IG_OK && n > 0) {
        *items = rows;
        *count = n;
        rows = NULL;
    }
out:
    free(rows);
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

static ig_status sq_resume_parse_result(void *impl, int64_t user_id, int64_t id, json_t **out, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_RESUME_RESULT, &q, err);
    if (rc == IG_OK)
        rc = sq_bind_owned(c, q, user_id, id, err);
    if (rc == IG_OK)
        rc = sq_step_row(c, q, "parse result", err);
    if (rc == IG_OK)
        rc = sq_json_row(q, out, err);
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

/* Runs a user-scoped resume statement that takes just ?1 = user_id, ?2 = id; *changes gets the
 * rows it changed. */
static ig_status sq_run_owned(sq_conn *c, sq_stmt_id sid, int64_t user_id, int64_t id, const char *what,
                              int *changes, ig_err *err)
{
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, sid, &q, err);
    if (rc == IG_OK)
        rc = sq_bind_owned(c, q, user_id, id, err);
    if (rc == IG_OK)
        rc = sq_step_done(c, q, what, err);
    if (rc == IG_OK)
        *changes = sqlite3_changes(c->db);
    sq_reset(q);
    return rc;
}

static ig_status sq_resume_delete(void *impl, int64_t user_id, int64_t id, char *file_path, size_t cap, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    int changes = 0;
    ig_status rc = sq_run(c, SQ_BEGIN_IMMEDIATE, "begin resume delete", err);
    if (rc == IG_OK)
        rc = sq_prepare(c, SQ_RESUME_PATH, &q, err);
    if (rc == IG_OK)
        rc = sq_bind_owned(c, q, user_id, id, err);
    if (rc == IG_OK)
        rc = sq_step_row(c, q, "resume", err);
    if (rc == IG_OK)
        rc = sq_text(q, 0, file_path, cap, NULL, err);
    sq_reset(q);
    /* the questions first: once the resume is gone their resume_id is NULL and they are untraceable */
    if (rc == IG_OK)
        rc = sq_run_owned(c, SQ_QUESTIONS_DELETE_UNUSED, user_id, id, "delete questions", &changes, err);
    if (rc == IG_OK)
        rc = sq_run_owned(c, SQ_RESUME_DELETE, user_id, id, "delete resume", &changes, err);
    if (rc == IG_OK)
        rc = sq_run(c, SQ_COMMIT, "commit resume delete", err);
    if (rc != IG_OK)
        file_path[0] = '\0';
    sq_release(s, c);
    return rc;
}

static ig_status sq_resume_reparse(void *impl, int64_t user_id, int64_t id, int max_attempts, store_resume *out,
                                   bool *queued, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_run(c, SQ_BEGIN_IMMEDIATE, "begin reparse", err);
    if (rc == IG_OK)
        rc = sq_resume_read(c, user_id, id, out, err);
    if (rc == IG_OK)
        rc = sq_prepare(c, SQ_RESUME_ACTIVE_JOBS, &q, err);
    if (rc == IG_OK && sqlite3_bind_int64(q, 1, id) != SQLITE_OK)
        rc = sq_fail(c, "reparse", err);
    if (rc == IG_OK)
        rc = sq_step_row(c, q, "active jobs", err);
    if (rc != IG_OK)
        goto out;
    bool active = sqlite3_column_int64(q, 0) > 0;
    sq_reset(q);
    q = NULL;
    if (active) {
        rc = sq_run(c, SQ_COMMIT, "end reparse", err);
        goto out;
    }
    rc = sq_parse_job_insert(c, user_id, id, max_attempts, err);
    if (rc == IG_OK)
        rc = sq_prepare(c, SQ_RESUME_SET_PENDING, &q, err);
    if (rc == IG_OK)
        rc = sq_bind_owned(c, q, user_id, id, err);
    if (rc == IG_OK && sqlite3_bind_int64(q, 3, (int64_t)time(NULL)) != SQLITE_OK)
        rc = sq_fail(c, "reparse", err);
    if (rc == IG_OK)
        rc = sq_resume_fetch(c, q, out, err);
    if (rc == IG_OK)
        rc = sq_run(c, SQ_COMMIT, "commit reparse", err);
    *queued = rc == IG_OK;
out:
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

static ig_status sq_resume_mark_processing(void *impl, int64_t user_id, int64_t id, int progress, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_RESUME_PROCESSING, &q, err);
    if (rc == IG_OK)
        rc = sq_bind_owned(c, q, user_id, id, err);
    if (rc == IG_OK &&
        (sqlite3_bind_int(q, 3, progress) != SQLITE_OK || sqlite3_bind_int64(q, 4, (int64_t)time(NULL)) != SQLITE_OK))
        rc = sq_fail(c, "mark processing", err);
    if (rc == IG_OK)
        rc = sq_step_done(c, q, "mark processing", err);
    if (rc == IG_OK && sqlite3_changes(c->db) == 0)
        rc = status_errf(err, IG_ENOTFOUND, "resume not found");
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

static ig_status sq_resume_save_result(void *impl, int64_t user_id, int64_t id,
                                       const char *const docs[STORE_RESULT_DOCS], const char *raw_text,
                                       const char *refined_fields, double confidence, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    int64_t now = (int64_t)time(NULL);
    ig_status rc = sq_run(c, SQ_BEGIN_IMMEDIATE, "begin save result", err);
    if (rc == IG_OK)
        rc = sq_prepare(c, SQ_RESUME_COMPLETE, &q, err);
    if (rc == IG_OK)
        rc = sq_bind_owned(c, q, user_id, id, err);
    if (rc == IG_OK &&
        (sqlite3_bind_double(q, 3, confidence) != SQLITE_OK || sqlite3_bind_int64(q, 4, now) != SQLITE_OK))
        rc = sq_fail(c, "complete resume", err);
    if (rc == IG_OK)
        rc = sq_step_done(c, q, "complete resume", err);
    if (rc == IG_OK && sqlite3_changes(c->db) == 0)
        rc = status_errf(err, IG_ENOTFOUND, "resume not found");
    sq_reset(q);
    q = NULL;
    if (rc == IG_OK)
        rc = sq_prepare(c, SQ_RESULT_UPSERT, &q, err);
    if (rc != IG_OK)
        goto out;
    /* ?2..?6: the 0001 documents; ?9..?13: the 0002 ones */
    bool bound = sqlite3_bind_int64(q, 1, id) == SQLITE_OK;
    for (int i = 0; bound && i < STORE_RESULT_DOCS; i++)
        bound = sqlite3_bind_text(q, i < 5 ? 2 + i : 4 + i, docs[i], -1, SQLITE_STATIC) == SQLITE_OK;
    if (!bound || sqlite3_bind_text(q, 7, raw_text, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(q, 8, now) != SQLITE_OK ||
        sqlite3_bind_text(q, 14, refined_fields, -1, SQLITE_STATIC) != SQLITE_OK) {
        rc = sq_fail(c, "save parse result", err);
        goto out;
    }
    rc = sq_step_done(c, q, "save parse result", err);
    if (rc == IG_OK)
        rc = sq_run(c, SQ_COMMIT, "commit save result", err);
out:
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

static ig_status sq_resume_mark_failed(void *impl, int64_t user_id, int64_t id, const char *code, const char *detail,
                                       ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_RESUME_FAILED, &q, err);
    if (rc == IG_OK)
        rc = sq_bind_owned(c, q, user_id, id, err);
    if (rc == IG_OK && (sqlite3_bind_text(q, 3, code, -1, SQLITE_STATIC) != SQLITE_OK ||
                        sqlite3_bind_text(q, 4, detail, -1, SQLITE_STATIC) != SQLITE_OK ||
                        sqlite3_bind_int64(q, 5, (int64_t)time(NULL)) != SQLITE_OK))
        rc = sq_fail(c, "mark failed", err);
    if (rc == IG_OK)
        rc = sq_step_done(c, q, "mark failed", err);
    if (rc == IG_OK && sqlite3_changes(c->db) == 0)
        rc = status_errf(err, IG_ENOTFOUND, "resume not found");
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

/* ---- jobs ---- */

/* Fills out from a row of SQ_JOB_COLS. */
static ig_status sq_job_fill(sqlite3_stmt *q, store_job *out, ig_err *err)
{
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(q, 0);
    ig_status rc = sq_text(q, 1, out->kind, sizeof out->kind, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 2, out->payload, sizeof out->payload, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 3, out->status, sizeof out->status, NULL, err);
    out->attempts = sqlite3_column_int(q, 4);
    out->max_attempts = sqlite3_column_int(q, 5);
    out->run_after = sqlite3_column_int64(q, 6);
    out->lease_until = sqlite3_column_int64(q, 7);
    if (rc == IG_OK)
        rc = sq_text(q, 8, out->lease_owner, sizeof out->lease_owner, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 9, out->last_error, sizeof out->last_error, NULL, err);
    out->resume_id = sqlite3_column_int64(q, 10);
    return rc;
}

static ig_status sq_job_enqueue(void *impl, const char *kind, const char *payload, int64_t resume_id,
                                int max_attempts, int64_t run_after, int64_t *id, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    ig_status rc = sq_job_insert(c, kind, payload, resume_id, max_attempts, run_after, id, err);
    sq_release(s, c);
    return rc;
}

/* Runs a jobs statement whose only parameter is ?1 = now. */
static ig_status sq_run_now(sq_conn *c, sq_stmt_id sid, int64_t now, const char *what, ig_err *err)
{
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, sid, &q, err);
    if (rc == IG_OK && sqlite3_bind_int64(q, 1, now) != SQLITE_OK)
        rc = sq_fail(c, what, err);
    if (rc == IG_OK)
        rc = sq_step_done(c, q, what, err);
    sq_reset(q);
    return rc;
}

static ig_status sq_job_lease(void *impl, const char *owner, int64_t now, int lease_s, store_job *out, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    /* one write transaction: two workers never take the same job */
    ig_status rc = sq_run(c, SQ_BEGIN_IMMEDIATE, "begin lease", err);
    if (rc == IG_OK)
        rc = sq_run_now(c, SQ_JOB_EXPIRE_RESUMES, now, "fail exhausted resumes", err);
    if (rc == IG_OK)
        rc = sq_run_now(c, SQ_JOB_EXPIRE, now, "fail exhausted jobs", err);
    if (rc == IG_OK)
        rc = sq_prepare(c, SQ_JOB_LEASE, &q, err);
    if (rc == IG_OK && (sqlite3_bind_int64(q, 1, now) != SQLITE_OK || sqlite3_bind_int(q, 2, lease_s) != SQLITE_OK ||
                        sqlite3_bind_text(q, 3, owner, -1, SQLITE_STATIC) != SQLITE_OK))
        rc = sq_fail(c, "lease job", err);
    if (rc == IG_OK) {
        int src = sqlite3_step(q);
        if (src == SQLITE_ROW)
            rc = sq_job_fill(q, out, err);
        else if (src == SQLITE_DONE)
            rc = IG_ENOTFOUND; /* nothing runnable; the expiries above still commit */
        else
            rc = sq_fail(c, "lease job", err);
    }
    if (rc == IG_OK)
        rc = sq_step_done(c, q, "lease job", err);
    sq_reset(q);
    if (rc == IG_OK || rc == IG_ENOTFOUND) {
        ig_status crc = sq_run(c, SQ_COMMIT, "commit lease", err);
        if (crc != IG_OK)
            rc = crc;
        else if (rc == IG_ENOTFOUND)
            status_errf(err, IG_ENOTFOUND, "no runnable job");
    }
    sq_release(s, c);
    return rc;
}

/* After a write to a job held by owner changed nothing: IG_ENOTFOUND when the job is gone,
 * IG_ESTATE when it exists but owner no longer holds it. */
static ig_status sq_job_lost(sq_conn *c, int64_t id, ig_err *err)
{
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_JOB_GET, &q, err);
    if (rc == IG_OK && sqlite3_bind_int64(q, 1, id) != SQLITE_OK)
        rc = sq_fail(c, "job lookup", err);
    if (rc == IG_OK)
        rc = sq_step_row(c, q, "job", err);
    if (rc == IG_OK)
        rc = status_errf(err, IG_ESTATE, "job %lld is no longer leased to this worker", (long long)id);
    sq_reset(q);
    return rc;
}

/* Runs SQ_JOB_RENEW or SQ_JOB_COMPLETE: ?1 = id, ?2 = owner, ?3 = t. */
static ig_status sq_job_held_write(void *impl, sq_stmt_id sid, int64_t id, const char *owner, int64_t t,
                                   const char *what, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, sid, &q, err);
    if (rc == IG_OK && (sqlite3_bind_int64(q, 1, id) != SQLITE_OK ||
                        sqlite3_bind_text(q, 2, owner, -1, SQLITE_STATIC) != SQLITE_OK ||
                        sqlite3_bind_int64(q, 3, t) != SQLITE_OK))
        rc = sq_fail(c, what, err);
    if (rc == IG_OK)
        rc = sq_step_done(c, q, what, err);
    sq_reset(q);
    if (rc == IG_OK && sqlite3_changes(c->db) == 0)
        rc = sq_job_lost(c, id, err);
    sq_release(s, c);
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

static ig_status sq_job_fail(void *impl, int64_t id, const char *owner, int64_t now, int64_t backoff_s,
                             const char *code, const char *error, bool *final, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_run(c, SQ_BEGIN_IMMEDIATE, "begin job failure", err);
    if (rc == IG_OK)
        rc = sq_prepare(c, SQ_JOB_OWNED, &q, err);
    if (rc == IG_OK && (sqlite3_bind_int64(q, 1, id) != SQLITE_OK ||
                        sqlite3_bind_text(q, 2, owner, -1, SQLITE_STATIC) != SQLITE_OK))
        rc = sq_fail(c, "fail job", err);
    if (rc == IG_OK) {
        rc = sq_step_row(c, q, "job", err);
        if (rc == IG_ENOTFOUND) {
            sq_reset(q);
            q = NULL;
            rc = sq_job_lost(c, id, err);
        }
    }
    if (rc != IG_OK)
        goto out;
    int attempts = sqlite3_column_int(q, 0), max_attempts = sqlite3_column_int(q, 1);
    int64_t resume_id = sqlite3_column_int64(q, 2);
    sq_reset(q);
    q = NULL;
    *final = backoff_s < 0 || attempts >= max_attempts;
    rc = sq_prepare(c, *final ? SQ_JOB_FAILED : SQ_JOB_REQUEUE, &q, err);
    if (rc != IG_OK)
        goto out;
    bool bound = sqlite3_bind_int64(q, 1, id) == SQLITE_OK;
    if (*final)
        bound = bound && sqlite3_bind_text(q, 2, error, -1, SQLITE_STATIC) == SQLITE_OK &&
                sqlite3_bind_int64(q, 3, now) == SQLITE_OK;
    else
        bound = bound && sqlite3_bind_int64(q, 2, now + backoff_s) == SQLITE_OK &&
                sqlite3_bind_text(q, 3, error, -1, SQLITE_STATIC) == SQLITE_OK &&
                sqlite3_bind_int64(q, 4, now) == SQLITE_OK;
    if (!bound) {
        rc = sq_fail(c, "fail job", err);
        goto out;
    }
    rc = sq_step_done(c, q, "fail job", err);
    sq_reset(q);
    q = NULL;
    if (rc == IG_OK && *final && resume_id != 0) {
        rc = sq_prepare(c, SQ_RESUME_JOB_FAILED, &q, err);
        if (rc == IG_OK && (sqlite3_bind_int64(q, 1, resume_id) != SQLITE_OK ||
                            sqlite3_bind_text(q, 2, code, -1, SQLITE_STATIC) != SQLITE_OK ||
                            sqlite3_bind_text(q, 3, error, -1, SQLITE_STATIC) != SQLITE_OK ||
                            sqlite3_bind_int64(q, 4, now) != SQLITE_OK))
            rc = sq_fail(c, "fail resume", err);
        if (rc == IG_OK)
            rc = sq_step_done(c, q, "fail resume", err);
    }
    if (rc == IG_OK)
        rc = sq_run(c, SQ_COMMIT, "commit job failure", err);
out:
    if (rc != IG_OK)
        *final = false;
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

static ig_status sq_job_get(void *impl, int64_t id, store_job *out, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_JOB_GET, &q, err);
    if (rc == IG_OK && sqlite3_bind_int64(q, 1, id) != SQLITE_OK)
        rc = sq_fail(c, "job lookup", err);
    if (rc == IG_OK)
        rc = sq_step_row(c, q, "job", err);
    if (rc == IG_OK)
        rc = sq_job_fill(q, out, err);
    if (rc == IG_OK)
        rc = sq_step_done(c, q, "job", err);
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

static ig_status sq_job_purge(void *impl, int64_t before, int *purged, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    ig_status rc = sq_run_now(c, SQ_JOB_PURGE, before, "purge jobs", err);
    *purged = rc == IG_OK ? sqlite3_changes(c->db) : 0;
    sq_release(s, c);
    return rc;
}

/* ---- questions and interviews ---- */

/* Fills out from a row of SQ_INTERVIEW_COLS. */
static ig_status sq_interview_fill(sqlite3_stmt *q, store_interview *out, ig_err *err)
{
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(q, 0);
    out->user_id = sqlite3_column_int64(q, 1);
    out->resume_id = sqlite3_column_int64(q, 2);
    ig_status rc = sq_text(q, 3, out->session_id, sizeof out->session_id, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 4, out->status, sizeof out->status, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 5, out->interview_type, sizeof out->interview_type, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 6, out->difficulty, sizeof out->difficulty, NULL, err);
    if (rc == IG_OK)
        rc = sq_text(q, 7, out->language, sizeof out->language, NULL, err);
    out->total_questions = sqlite3_column_int(q, 8);
    out->current_question_index = sqlite3_column_int(q, 9);
    out->hints = sqlite3_column_int(q, 10) != 0;
    out->adaptive = sqlite3_column_int(q, 11) != 0;
    out->seed = sqlite3_column_int64(q, 12);
    out->started_at = sqlite3_column_int64(q, 13);
    out->ended_at = sqlite3_column_int64(q, 14);
    out->duration = sqlite3_column_type(q, 15) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, 15);
    out->has_score = sqlite3_column_type(q, 16) != SQLITE_NULL;
    out->overall_score = out->has_score ? sqlite3_column_double(q, 16) : 0.0;
    out->paused_at = sqlite3_column_int64(q, 17);
    out->paused_seconds = sqlite3_column_int64(q, 18);
    out->version = sqlite3_column_int64(q, 19);
    out->created_at = sqlite3_column_int64(q, 20);
    out->updated_at = sqlite3_column_int64(q, 21);
    out->ai_prompt_tokens = sqlite3_column_int64(q, 22);
    out->ai_completion_tokens = sqlite3_column_int64(q, 23);
    return rc;
}

/* Steps a bound statement that yields one interview row (a SELECT or a RETURNING write), to completion. */
static ig_status sq_interview_fetch(sq_conn *c, sqlite3_stmt *q, store_interview *out, ig_err *err)
{
    ig_status rc = sq_step_row(c, q, "interview", err);
    if (rc == IG_OK)
        rc = sq_interview_fill(q, out, err);
    if (rc == IG_OK)
        rc = sq_step_done(c, q, "interview", err);
    return rc;
}

/* The interview (user_id, id) on connection c. */
static ig_status sq_interview_read(sq_conn *c, int64_t user_id, int64_t id, store_interview *out, ig_err *err)
{
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_INTERVIEW_GET, &q, err);
    if (rc == IG_OK && (sqlite3_bind_int64(q, 1, user_id) != SQLITE_OK || sqlite3_bind_int64(q, 2, id) != SQLITE_OK))
        rc = sq_fail(c, "read interview", err);
    if (rc == IG_OK)
        rc = sq_interview_fetch(c, q, out, err);
    sq_reset(q);
    return rc;
}

/* Runs statement id with ?1.. = params (as many as it takes) and renders its rows as JSON: an
 * array, or with single the one row as an object (IG_ENOTFOUND "<what> not found" when none). */
static ig_status sq_json_rows(sq_conn *c, sq_stmt_id id, const int64_t *params, int nparams, bool single,
                              const char *what, json_t **out, ig_err *err)
{
    sqlite3_stmt *q = NULL;
    json_t *arr = NULL, *row = NULL;
    *out = NULL;
    ig_status rc = sq_prepare(c, id, &q, err);
    if (rc != IG_OK)
        goto out;
    for (int i = 0; i < nparams && i < sqlite3_bind_parameter_count(q); i++) {
        if (sqlite3_bind_int64(q, i + 1, params[i]) != SQLITE_OK) {
            rc = sq_fail(c, what, err);
            goto out;
        }
    }
    if (single) {
        rc = sq_step_row(c, q, what, err);
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
        int src = sqlite3_step(q);
        if (src == SQLITE_DONE)
            break;
        if (src != SQLITE_ROW) {
            rc = sq_fail(c, what, err);
            goto out;
        }
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
    sq_reset(q);
    return rc;
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
    sqlite3_stmt *q = NULL;
    char *points = NULL, *follow = NULL;
    const json_t *p = json_object_get(qj, "expected_points"), *f = json_object_get(qj, "follow_ups");
    ig_status rc = IG_OK;
    if ((json_is_array(p) && (points = json_dumps(p, JSON_COMPACT)) == NULL) ||
        (json_is_array(f) && (follow = json_dumps(f, JSON_COMPACT)) == NULL)) {
        rc = status_errf(err, IG_ENOMEM, "out of memory storing a question");
        goto out;
    }
    const char *difficulty = sq_member(qj, "difficulty"), *language = sq_member(qj, "language");
    rc = sq_prepare(c, SQ_QUESTION_INSERT, &q, err);
    if (rc != IG_OK)
        goto out;
    if (sqlite3_bind_int64(q, 1, x->user_id) != SQLITE_OK ||
        (x->resume_id != 0 ? sqlite3_bind_int64(q, 2, x->resume_id) : sqlite3_bind_null(q, 2)) != SQLITE_OK ||
        sqlite3_bind_text(q, 3, x->interview_type, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 4, difficulty != NULL ? difficulty : x->difficulty, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 5, sq_member(qj, "question_text"), -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 6, sq_member(qj, "category"), -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 7, sq_member(qj, "topic"), -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 8, sq_member(qj, "skill"), -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 9, points, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 10, follow, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 11, sq_member(qj, "model_answer"), -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 12, language != NULL ? language : x->language, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 13, sq_member(qj, "bank_id"), -1, SQLITE_STATIC) != SQLITE_OK ||
        (x->parent_id != 0 ? sqlite3_bind_int64(q, 14, x->parent_id) : sqlite3_bind_null(q, 14)) != SQLITE_OK ||
        sqlite3_bind_int64(q, 15, x->now) != SQLITE_OK) {
        rc = sq_fail(c, "store question", err);
        goto out;
    }
    rc = sq_step_row(c, q, "stored question", err);
    if (rc == IG_OK)
        *id = sqlite3_column_int64(q, 0);
    if (rc == IG_OK)
        rc = sq_step_done(c, q, "stored question", err);
out:
    sq_reset(q);
    free(points);
    free(follow);
    return rc;
}

/* The question (user_id, id) as JSON on connection c. */
static ig_status sq_question_read(sq_conn *c, int64_t user_id, int64_t id, json_t **out, ig_err *err)
{
    const int64_t params[] = {user_id, id};
    return sq_json_rows(c, SQ_QUESTION_GET, params, 2, true, "question", out, err);
}

static ig_status sq_questions_add(void *impl, int64_t user_id, int64_t resume_id, const char *interview_type,
                                  const json_t *questions, json_t **out, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    store_resume r;
    json_t *rows = json_array();
    sq_question_ctx x = {user_id, resume_id, interview_type, "medium", "zh", 0, (int64_t)time(NULL)};
    ig_status rc = rows != NULL ? IG_OK : status_errf(err, IG_ENOMEM, "out of memory storing questions");
    if (rc == IG_OK)
        rc = sq_run(c, SQ_BEGIN_IMMEDIATE, "begin questions", err);
    if (rc == IG_OK)
        rc = sq_resume_read(c, user_id, resume_id, &r, err);
    for (size_t i = 0; rc == IG_OK && i < json_array_size(questions); i++) {
        int64_t id = 0;
        json_t *row = NULL;
        rc = sq_question_insert(c, &x, json_array_get(questions, i), &id, err);
        if (rc == IG_OK)
            rc = sq_question_read(c, user_id, id, &row, err);
        if (rc == IG_OK && json_array_append_new(rows, row) != 0)
            rc = status_errf(err, IG_ENOMEM, "out of memory storing questions");
    }
    if (rc == IG_OK)
        rc = sq_run(c, SQ_COMMIT, "commit questions", err);
    if (rc == IG_OK) {
        *out = rows;
        rows = NULL;
    }
    json_decref(rows);
    sq_release(s, c);
    return rc;
}

static ig_status sq_question_get(void *impl, int64_t user_id, int64_t id, json_t **out, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    ig_status rc = sq_question_read(c, user_id, id, out, err);
    sq_release(s, c);
    return rc;
}

/* Reads the single integer that statement id yields for params (a count). */
static ig_status sq_count(sq_conn *c, sq_stmt_id id, const int64_t *params, int nparams, int64_t *n, ig_err *err)
{
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, id, &q, err);
    for (int i = 0; rc == IG_OK && i < nparams; i++) {
        if (sqlite3_bind_int64(q, i + 1, params[i]) != SQLITE_OK)
            rc = sq_fail(c, "count", err);
    }
    if (rc == IG_OK)
        rc = sq_step_row(c, q, "count", err);
    if (rc == IG_OK)
        *n = sqlite3_column_int64(q, 0);
    sq_reset(q);
    return rc;
}

static ig_status sq_question_list(void *impl, int64_t user_id, int64_t resume_id, int page, int per_page,
                                  json_t **out, int64_t *total, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    const int64_t key[] = {user_id, resume_id};
    const int64_t params[] = {user_id, resume_id, per_page, (int64_t)(page - 1) * per_page};
    /* one read transaction: the page and the total come from the same snapshot */
    ig_status rc = sq_run(c, SQ_BEGIN, "begin question list", err);
    if (rc == IG_OK)
        rc = sq_count(c, SQ_QUESTION_COUNT, key, 2, total, err);
    if (rc == IG_OK)
        rc = sq_json_rows(c, SQ_QUESTION_LIST, params, 4, false, "questions", out, err);
    if (rc == IG_OK)
        rc = sq_run(c, SQ_COMMIT, "end question list", err);
    if (rc != IG_OK) {
        json_decref(*out);
        *out = NULL;
    }
    sq_release(s, c);
    return rc;
}

/* Places question_id at position of interview_id on connection c. */
static ig_status sq_iq_insert(sq_conn *c, int64_t interview_id, int position, int64_t question_id, ig_err *err)
{
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_IQ_INSERT, &q, err);
    if (rc == IG_OK &&
        (sqlite3_bind_int64(q, 1, interview_id) != SQLITE_OK || sqlite3_bind_int(q, 2, position) != SQLITE_OK ||
         sqlite3_bind_int64(q, 3, question_id) != SQLITE_OK))
        rc = sq_fail(c, "order question", err);
    if (rc == IG_OK)
        rc = sq_step_done(c, q, "order question", err);
    sq_reset(q);
    return rc;
}

static ig_status sq_interview_create(void *impl, const store_interview_new *in, const json_t *questions,
                                     store_interview *out, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    store_resume r;
    int64_t now = (int64_t)time(NULL);
    size_t n = json_array_size(questions);
    ig_status rc = sq_run(c, SQ_BEGIN_IMMEDIATE, "begin interview", err);
    if (rc == IG_OK)
        rc = sq_resume_read(c, in->user_id, in->resume_id, &r, err);
    if (rc == IG_OK)
        rc = sq_prepare(c, SQ_INTERVIEW_INSERT, &q, err);
    if (rc != IG_OK)
        goto out;
    if (sqlite3_bind_int64(q, 1, in->user_id) != SQLITE_OK || sqlite3_bind_int64(q, 2, in->resume_id) != SQLITE_OK ||
        sqlite3_bind_text(q, 3, in->session_id, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 4, in->interview_type, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 5, in->difficulty, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 6, in->job_description, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 7, in->language, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(q, 8, (int64_t)n) != SQLITE_OK || sqlite3_bind_int64(q, 9, now) != SQLITE_OK ||
        sqlite3_bind_int(q, 10, in->hints ? 1 : 0) != SQLITE_OK ||
        sqlite3_bind_int(q, 11, in->adaptive ? 1 : 0) != SQLITE_OK || sqlite3_bind_int64(q, 12, in->seed) != SQLITE_OK) {
        rc = sq_fail(c, "create interview", err);
        goto out;
    }
    rc = sq_interview_fetch(c, q, out, err);
    sq_question_ctx x = {in->user_id, in->resume_id, in->interview_type, in->difficulty, in->language, 0, now};
    for (size_t i = 0; rc == IG_OK && i < n; i++) {
        int64_t qid = 0;
        rc = sq_question_insert(c, &x, json_array_get(questions, i), &qid, err);
        if (rc == IG_OK)
            rc = sq_iq_insert(c, out->id, (int)i, qid, err);
    }
    if (rc == IG_OK)
        rc = sq_run(c, SQ_COMMIT, "commit interview", err);
out:
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

static ig_status sq_interview_get(void *impl, int64_t user_id, int64_t id, store_interview *out, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    ig_status rc = sq_interview_read(c, user_id, id, out, err);
    sq_release(s, c);
    return rc;
}

static ig_status sq_interview_add_usage(void *impl, int64_t user_id, int64_t id, int64_t prompt_tokens,
                                        int64_t completion_tokens, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_INTERVIEW_ADD_USAGE, &q, err);
    if (rc == IG_OK)
        rc = sq_bind_owned(c, q, user_id, id, err);
    if (rc == IG_OK && (sqlite3_bind_int64(q, 3, prompt_tokens) != SQLITE_OK ||
                        sqlite3_bind_int64(q, 4, completion_tokens) != SQLITE_OK))
        rc = sq_fail(c, "add interview usage", err);
    if (rc == IG_OK)
        rc = sq_step_done(c, q, "add interview usage", err);
    if (rc == IG_OK && sqlite3_changes(c->db) == 0)
        rc = status_errf(err, IG_ENOTFOUND, "interview not found");
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

/* ---- realtime: interview rooms ---- */

static ig_status sq_interview_owner_by_session(void *impl, const char *session_id, int64_t user_id,
                                               store_interview *out, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_INTERVIEW_BY_SESSION, &q, err);
    if (rc == IG_OK && (sqlite3_bind_int64(q, 1, user_id) != SQLITE_OK ||
                        sqlite3_bind_text(q, 2, session_id, -1, SQLITE_STATIC) != SQLITE_OK))
        rc = sq_fail(c, "read interview by session", err);
    if (rc == IG_OK)
        rc = sq_interview_fetch(c, q, out, err);
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

static ig_status sq_interview_list(void *impl, int64_t user_id, int page, int per_page, store_interview **items,
                                   size_t *count, int64_t *total, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    store_interview *rows = NULL;
    size_t n = 0;
    int64_t offset = (int64_t)(page - 1) * per_page;
    ig_status rc = sq_run(c, SQ_BEGIN, "begin interview list", err);
    if (rc == IG_OK)
        rc = sq_count(c, SQ_INTERVIEW_COUNT, &user_id, 1, total, err);
    if (rc != IG_OK || offset >= *total)
        goto done;
    int64_t want = *total - offset < per_page ? *total - offset : per_page;
    rows = calloc((size_t)want, sizeof *rows);
    if (rows == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory listing interviews");
        goto done;
    }
    rc = sq_prepare(c, SQ_INTERVIEW_LIST, &q, err);
    if (rc == IG_OK && (sqlite3_bind_int64(q, 1, user_id) != SQLITE_OK || sqlite3_bind_int64(q, 2, want) != SQLITE_OK ||
                        sqlite3_bind_int64(q, 3, offset) != SQLITE_OK))
        rc = sq_fail(c, "list interviews", err);
    while (rc == IG_OK && n < (size_t)want) {
        int src = sqlite3_step(q);
        if (src == SQLITE_DONE)
            break;
        if (src != SQLITE_ROW)
            rc = sq_fail(c, "list interviews", err);
        else if ((rc = sq_interview_fill(q, &rows[n], err)) == IG_OK)
            n++;
    }
done:
    sq_reset(q);
    if (rc == IG_OK)
        rc = sq_run(c, SQ_COMMIT, "end interview list", err);
    if (rc == IG_OK && n > 0) {
        *items = rows;
        *count = n;
        rows = NULL;
    }
    free(rows);
    sq_release(s, c);
    return rc;
}

/* The question at position of (user_id, id) as JSON, with "position", on connection c. */
static ig_status sq_interview_question_read(sq_conn *c, int64_t user_id, int64_t id, int position, json_t **out,
                                            ig_err *err)
{
    const int64_t params[] = {user_id, id, position};
    return sq_json_rows(c, SQ_INTERVIEW_QUESTION, params, 3, true, "interview question", out, err);
}

static ig_status sq_interview_question(void *impl, int64_t user_id, int64_t id, int position, json_t **out,
                                       ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    ig_status rc = sq_interview_question_read(c, user_id, id, position, out, err);
    sq_release(s, c);
    return rc;
}

/* Reads statement sid's rows about the user's interview id in one snapshot, after checking the
 * interview is theirs (IG_ENOTFOUND otherwise). */
static ig_status sq_interview_rows(void *impl, sq_stmt_id sid, int64_t user_id, int64_t id, const char *what,
                                   json_t **out, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    store_interview iv;
    const int64_t params[] = {user_id, id};
    ig_status rc = sq_run(c, SQ_BEGIN, "begin interview read", err);
    if (rc == IG_OK)
        rc = sq_interview_read(c, user_id, id, &iv, err);
    if (rc == IG_OK)
        rc = sq_json_rows(c, sid, params, 2, false, what, out, err);
    if (rc == IG_OK)
        rc = sq_run(c, SQ_COMMIT, "end interview read", err);
    if (rc != IG_OK) {
        json_decref(*out);
        *out = NULL;
    }
    sq_release(s, c);
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
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_ANSWER_INSERT, &q, err);
    if (rc != IG_OK)
        return rc;
    if (sqlite3_bind_int64(q, 1, a->interview_id) != SQLITE_OK ||
        sqlite3_bind_int64(q, 2, a->question_id) != SQLITE_OK ||
        sqlite3_bind_text(q, 3, a->answer_text, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 4, a->answer_audio_url, -1, SQLITE_STATIC) != SQLITE_OK ||
        (a->response_time >= 0 ? sqlite3_bind_int64(q, 5, a->response_time) : sqlite3_bind_null(q, 5)) != SQLITE_OK ||
        (d->has_score ? sqlite3_bind_double(q, 6, d->score) : sqlite3_bind_null(q, 6)) != SQLITE_OK ||
        sqlite3_bind_text(q, 7, d->feedback, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 8, a->skipped ? "skipped" : "answered", -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 9, d->analysis, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 10, d->dimensions, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(q, 11, d->engine, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(q, 12, now) != SQLITE_OK ||
        sqlite3_bind_text(q, 13, d->delivery, -1, SQLITE_STATIC) != SQLITE_OK) {
        rc = sq_fail(c, "store answer", err);
        goto out;
    }
    rc = sq_step_row(c, q, "stored answer", err);
    if (rc == IG_OK)
        *id = sqlite3_column_int64(q, 0);
    if (rc == IG_OK)
        rc = sq_step_done(c, q, "stored answer", err);
    if (rc == IG_ECONFLICT)
        rc = status_errf(err, IG_ECONFLICT, "question %lld was already answered", (long long)a->question_id);
out:
    sq_reset(q);
    return rc;
}

static ig_status sq_answer_set_audio(void *impl, int64_t user_id, int64_t id, int64_t answer_id, const char *url,
                                     ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, SQ_ANSWER_SET_AUDIO, &q, err);
    if (rc == IG_OK)
        rc = sq_bind_owned(c, q, user_id, id, err);
    if (rc == IG_OK && (sqlite3_bind_int64(q, 3, answer_id) != SQLITE_OK ||
                        sqlite3_bind_text(q, 4, url, -1, SQLITE_STATIC) != SQLITE_OK))
        rc = sq_fail(c, "set answer audio", err);
    if (rc == IG_OK)
        rc = sq_step_done(c, q, "set answer audio", err);
    if (rc == IG_OK && sqlite3_changes(c->db) == 0)
        rc = status_errf(err, IG_ENOTFOUND, "answer not found");
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

/* Runs a statement with ?1 = a (and ?2 = b when it takes two) and no result rows. */
static ig_status sq_run2(sq_conn *c, sq_stmt_id sid, int64_t a, int64_t b, const char *what, ig_err *err)
{
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_prepare(c, sid, &q, err);
    if (rc == IG_OK && (sqlite3_bind_int64(q, 1, a) != SQLITE_OK ||
                        (sqlite3_bind_parameter_count(q) >= 2 && sqlite3_bind_int64(q, 2, b) != SQLITE_OK)))
        rc = sq_fail(c, what, err);
    if (rc == IG_OK)
        rc = sq_step_done(c, q, what, err);
    sq_reset(q);
    return rc;
}

/* Inserts a follow-up question at position of the interview iv, after moving the later ones on. */
static ig_status sq_follow_up_insert(sq_conn *c, const store_interview *iv, const store_answer_new *a, int position,
                                     int64_t now, int64_t *qid, ig_err *err)
{
    sq_question_ctx x = {iv->user_id, iv->resume_id, iv->interview_type, iv->difficulty, iv->language,
                         a->question_id, now};
    ig_status rc = sq_question_insert(c, &x, a->follow_up, qid, err);
    if (rc == IG_OK)
        rc = sq_run2(c, SQ_IQ_SHIFT_OUT, iv->id, position - 1, "make room", err);
    if (rc == IG_OK)
        rc = sq_run2(c, SQ_IQ_SHIFT_BACK, iv->id, 0, "make room", err);
    if (rc == IG_OK)
        rc = sq_iq_insert(c, iv->id, position, *qid, err);
    return rc;
}

static ig_status sq_interview_record(void *impl, const store_answer_new *a, const store_answer_docs *docs,
                                     store_interview *out, json_t **answer, json_t **follow_up, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    store_interview iv;
    json_t *ans = NULL, *fq = NULL;
    int64_t now = (int64_t)time(NULL), answer_id = 0, fid = 0;
    /* the write lock first: the state read below is the state written against */
    ig_status rc = sq_run(c, SQ_BEGIN_IMMEDIATE, "begin answer", err);
    if (rc == IG_OK)
        rc = sq_interview_read(c, a->user_id, a->interview_id, &iv, err);
    if (rc != IG_OK)
        goto out;
    if (strcmp(iv.status, "active") != 0) {
        rc = status_errf(err, IG_ESTATE, "the interview is %s, not active", iv.status);
        goto out;
    }
    rc = sq_prepare(c, SQ_IQ_AT, &q, err);
    if (rc == IG_OK && (sqlite3_bind_int64(q, 1, iv.id) != SQLITE_OK ||
                        sqlite3_bind_int(q, 2, iv.current_question_index) != SQLITE_OK))
        rc = sq_fail(c, "current question", err);
    if (rc == IG_OK)
        rc = sq_step_row(c, q, "current question", err);
    if (rc == IG_ENOTFOUND)
        rc = status_errf(err, IG_ECONFLICT, "every question has been answered or skipped");
    if (rc == IG_OK && sqlite3_column_int64(q, 0) != a->question_id)
        rc = status_errf(err, IG_ECONFLICT, "question %lld is not the current question", (long long)a->question_id);
    sq_reset(q);
    q = NULL;
    if (rc == IG_OK)
        rc = sq_answer_insert(c, a, docs, now, &answer_id, err);
    if (rc == IG_OK && a->follow_up != NULL)
        rc = sq_follow_up_insert(c, &iv, a, iv.current_question_index + 1, now, &fid, err);
    if (rc == IG_OK)
        rc = sq_prepare(c, SQ_INTERVIEW_ADVANCE, &q, err);
    if (rc != IG_OK)
        goto out;
    if (sqlite3_bind_int64(q, 1, iv.user_id) != SQLITE_OK || sqlite3_bind_int64(q, 2, iv.id) != SQLITE_OK ||
        sqlite3_bind_int(q, 3, fid != 0 ? 1 : 0) != SQLITE_OK || sqlite3_bind_int64(q, 4, now) != SQLITE_OK ||
        sqlite3_bind_int(q, 5, iv.current_question_index) != SQLITE_OK) {
        rc = sq_fail(c, "next question", err);
        goto out;
    }
    rc = sq_interview_fetch(c, q, out, err);
    const int64_t key[] = {iv.user_id, answer_id};
    if (rc == IG_OK)
        rc = sq_json_rows(c, SQ_ANSWER_GET, key, 2, true, "answer", &ans, err);
    if (rc == IG_OK && fid != 0)
        rc = sq_interview_question_read(c, iv.user_id, iv.id, iv.current_question_index + 1, &fq, err);
    if (rc == IG_OK)
        rc = sq_run(c, SQ_COMMIT, "commit answer", err);
    if (rc == IG_OK) {
        *answer = ans;
        *follow_up = fq;
        ans = fq = NULL;
    }
out:
    json_decref(ans);
    json_decref(fq);
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

/* After a guarded write to (user_id, id) changed nothing: IG_ENOTFOUND when the interview is not
 * the user's, else IG_ESTATE naming its status. */
static ig_status sq_interview_refused(sq_conn *c, int64_t user_id, int64_t id, const char *action, ig_err *err)
{
    store_interview iv;
    ig_status rc = sq_interview_read(c, user_id, id, &iv, err);
    if (rc != IG_OK)
        return rc;
    return status_errf(err, IG_ESTATE, "cannot %s an interview that is %s", action, iv.status);
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
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    /* one guarded UPDATE: the status it requires is the status it changes */
    ig_status rc = sq_prepare(c, ops[t].sid, &q, err);
    if (rc == IG_OK && (sqlite3_bind_int64(q, 1, user_id) != SQLITE_OK || sqlite3_bind_int64(q, 2, id) != SQLITE_OK ||
                        sqlite3_bind_int64(q, 3, now) != SQLITE_OK))
        rc = sq_fail(c, ops[t].action, err);
    if (rc == IG_OK)
        rc = sq_interview_fetch(c, q, out, err);
    sq_reset(q);
    if (rc == IG_ENOTFOUND)
        rc = sq_interview_refused(c, user_id, id, ops[t].action, err);
    sq_release(s, c);
    return rc;
}

static ig_status sq_interview_finish(void *impl, int64_t user_id, int64_t id, const store_interview_end *end,
                                     const char *const docs[6], const char *engine, store_interview *out,
                                     ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    ig_status rc = sq_run(c, SQ_BEGIN_IMMEDIATE, "begin end", err);
    if (rc == IG_OK)
        rc = sq_prepare(c, SQ_INTERVIEW_FINISH, &q, err);
    if (rc != IG_OK)
        goto out;
    if (sqlite3_bind_int64(q, 1, user_id) != SQLITE_OK || sqlite3_bind_int64(q, 2, id) != SQLITE_OK ||
        sqlite3_bind_int64(q, 3, end->ended_at) != SQLITE_OK || sqlite3_bind_int64(q, 4, end->duration) != SQLITE_OK ||
        (end->has_score ? sqlite3_bind_double(q, 5, end->overall_score) : sqlite3_bind_null(q, 5)) != SQLITE_OK ||
        sqlite3_bind_int64(q, 6, end->version) != SQLITE_OK) {
        rc = sq_fail(c, "end interview", err);
        goto out;
    }
    rc = sq_interview_fetch(c, q, out, err);
    sq_reset(q);
    q = NULL;
    if (rc == IG_ENOTFOUND) {
        rc = sq_interview_read(c, user_id, id, out, err);
        if (rc == IG_OK && (strcmp(out->status, "active") == 0 || strcmp(out->status, "paused") == 0))
            rc = status_errf(err, IG_ECONFLICT, "the interview changed while its report was made");
        else if (rc == IG_OK)
            rc = status_errf(err, IG_ESTATE, "cannot end an interview that is %s", out->status);
        goto out;
    }
    if (rc == IG_OK)
        rc = sq_prepare(c, SQ_FEEDBACK_UPSERT, &q, err);
    if (rc != IG_OK)
        goto out;
    bool bound = sqlite3_bind_int64(q, 1, id) == SQLITE_OK &&
                 (end->has_score ? sqlite3_bind_double(q, 2, end->overall_score) : sqlite3_bind_null(q, 2)) == SQLITE_OK;
    for (int i = 0; bound && i < 6; i++)
        bound = sqlite3_bind_text(q, 3 + i, docs[i], -1, SQLITE_STATIC) == SQLITE_OK;
    if (!bound || sqlite3_bind_text(q, 9, engine, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(q, 10, end->ended_at) != SQLITE_OK) {
        rc = sq_fail(c, "store report", err);
        goto out;
    }
    rc = sq_step_done(c, q, "store report", err);
    if (rc == IG_OK)
        rc = sq_run(c, SQ_COMMIT, "commit end", err);
out:
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

static ig_status sq_interview_feedback(void *impl, int64_t user_id, int64_t id, json_t **out, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    const int64_t params[] = {user_id, id};
    ig_status rc = sq_json_rows(c, SQ_INTERVIEW_FEEDBACK, params, 2, true, "report", out, err);
    sq_release(s, c);
    return rc;
}

static ig_status sq_interview_stats(void *impl, int64_t user_id, json_t **out, ig_err *err)
{
    static const struct {
        const char *key;
        sq_stmt_id sid;
    } parts[] = {{"statuses", SQ_STATS_STATUSES}, {"completed", SQ_STATS_COMPLETED}, {"topics", SQ_STATS_TOPICS}};
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    json_t *doc = json_object();
    ig_status rc = doc != NULL ? IG_OK : status_errf(err, IG_ENOMEM, "out of memory reading stats");
    if (rc == IG_OK)
        rc = sq_run(c, SQ_BEGIN, "begin stats", err);
    for (size_t i = 0; rc == IG_OK && i < sizeof parts / sizeof parts[0]; i++) {
        json_t *v = NULL;
        rc = sq_json_rows(c, parts[i].sid, &user_id, 1, false, parts[i].key, &v, err);
        if (rc == IG_OK && json_object_set_new(doc, parts[i].key, v) != 0)
            rc = status_errf(err, IG_ENOMEM, "out of memory reading stats");
    }
    if (rc == IG_OK)
        rc = sq_run(c, SQ_COMMIT, "end stats", err);
    if (rc == IG_OK) {
        *out = doc;
        doc = NULL;
    }
    json_decref(doc);
    sq_release(s, c);
    return rc;
}

static ig_status sq_weak_topics(void *impl, int64_t user_id, int limit, json_t **out, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    const int64_t params[] = {user_id, limit};
    json_t *rows = NULL, *lists = json_array();
    ig_status rc = lists != NULL ? IG_OK : status_errf(err, IG_ENOMEM, "out of memory reading topics");
    if (rc == IG_OK)
        rc = sq_json_rows(c, SQ_WEAK_TOPICS, params, 2, false, "weak topics", &rows, err);
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
    sq_release(s, c);
    return rc;
}

/* ---- open / close ---- */

static void sq_destroy(sq_store *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < s->nconns; i++) {
        for (int k = 0; k < SQ_STMT_COUNT; k++)
            sqlite3_finalize(s->conns[i].stmt[k]);
        sqlite3_close(s->conns[i].db);
    }
    free(s->conns);
    if (s->cv_ok)
        pthread_cond_destroy(&s->cv);
    if (s->mu_ok)
        pthread_mutex_destroy(&s->mu);
    free(s);
}

/* Switching a new file to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once instead
 * of calling the busy handler when another connection is doing the same (processes starting
 * together); so retry for up to the busy timeout. */
static int sq_set_wal(sqlite3 *db, int busy_timeout_ms)
{
    for (int waited = 0;; waited += 10) {
        int rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
        if ((rc & 0xff) != SQLITE_BUSY || waited >= busy_timeout_ms)
            return rc;
        sqlite3_sleep(10);
    }
}

static ig_status sq_conn_open(sq_conn *c, const char *path, bool memory, int busy_timeout_ms, ig_err *err)
{
    /* NOMUTEX: the pool hands a connection to one thread at a time. No SQLITE_OPEN_URI, so a
     * configured path is always a plain file name. */
    int rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        if (c->db == NULL)
            return status_errf(err, IG_ENOMEM, "out of memory opening database %s", path);
        return status_errf(err, IG_EIO, "cannot open database %s: %s", path, sqlite3_errmsg(c->db));
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, busy_timeout_ms);
    /* WAL lets readers run beside the one writer; NORMAL sync is durable across app crashes in WAL. */
    if ((!memory && sq_set_wal(c->db, busy_timeout_ms) != SQLITE_OK) ||
        sqlite3_exec(c->db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL", NULL, NULL, NULL) != SQLITE_OK)
        return status_errf(err, IG_EIO, "cannot configure database %s: %s", path, sqlite3_errmsg(c->db));
    return IG_OK;
}

/* location is what follows "sqlite://", read as SQLAlchemy does (the seed's DATABASE_URL):
 * "/rel/path.db" is relative (sqlite:///rel/path.db), "//abs/path.db" absolute
 * (sqlite:////abs/path.db), ":memory:" or "/:memory:" an in-memory database.
 * An in-memory database is private to one connection, so its pool is forced to one connection:
 * shared-cache mode would let several share it, but it reports table locks as SQLITE_LOCKED
 * errors instead of waiting, and the in-memory store is only for tests and tools. */
static ig_status sq_open(void **impl, const char *location, int pool_size, int busy_timeout_ms, ig_err *err)
{
    bool memory = strcmp(location, ":memory:") == 0 || strcmp(location, "/:memory:") == 0;
    const char *path = ":memory:";
    sq_store *s = NULL;
    ig_status rc = IG_OK;
    if (!memory) {
        if (location[0] != '/' || location[1] == '\0')
            return status_errf(err, IG_EINVAL, "SQLite URL must be sqlite:///relative.db, sqlite:////absolute.db "
                                               "or sqlite://:memory:");
        path = location + 1;
    } else {
        pool_size = 1;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL || (s->conns = calloc((size_t)pool_size, sizeof *s->conns)) == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory opening database");
        goto out;
    }
    s->mu_ok = pthread_mutex_init(&s->mu, NULL) == 0;
    s->cv_ok = s->mu_ok && pthread_cond_init(&s->cv, NULL) == 0;
    if (!s->cv_ok) {
        rc = status_errf(err, IG_EINTERNAL, "cannot create the database pool lock");
        goto out;
    }
    for (int i = 0; i < pool_size; i++) {
        s->nconns = i + 1; /* sq_destroy closes even a half-opened connection */
        rc = sq_conn_open(&s->conns[i], path, memory, busy_timeout_ms, err);
        if (rc != IG_OK)
            goto out;
        s->conns[i].next = s->free;
        s->free = &s->conns[i];
    }
    *impl = s;
    s = NULL;
out:
    sq_destroy(s);
    return rc;
}

/* ---- structured resume edits ---- */

static ig_status sq_resume_edit_result(void *impl, int64_t user_id, int64_t id,
                                       const char *const docs[STORE_RESULT_DOCS], double confidence, ig_err *err)
{
    sq_store *s = impl;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    int64_t now = (int64_t)time(NULL);
    store_resume r;
    ig_status rc = sq_run(c, SQ_BEGIN_IMMEDIATE, "begin edit result", err);
    if (rc == IG_OK)
        rc = sq_prepare(c, SQ_RESUME_EDIT_CONFIDENCE, &q, err);
    if (rc == IG_OK)
        rc = sq_bind_owned(c, q, user_id, id, err);
    if (rc == IG_OK &&
        (sqlite3_bind_double(q, 3, confidence) != SQLITE_OK || sqlite3_bind_int64(q, 4, now) != SQLITE_OK))
        rc = sq_fail(c, "edit result", err);
    if (rc == IG_OK)
        rc = sq_step_done(c, q, "edit result", err);
    sq_reset(q);
    q = NULL;
    if (rc == IG_OK && sqlite3_changes(c->db) == 0) {
        /* missing (or not the user's), or not completed: a reparse may have just started */
        rc = sq_resume_read(c, user_id, id, &r, err);
        if (rc == IG_OK)
            rc = status_errf(err, IG_ESTATE, "resume %lld is %s, not completed", (long long)id, r.status);
    }
    if (rc == IG_OK)
        rc = sq_prepare(c, SQ_RESULT_EDIT, &q, err);
    if (rc != IG_OK)
        goto out;
    bool bound = sqlite3_bind_int64(q, 1, user_id) == SQLITE_OK && sqlite3_bind_int64(q, 13, id) == SQLITE_OK &&
                 sqlite3_bind_int64(q, 12, now) == SQLITE_OK;
    for (int i = 0; bound && i < STORE_RESULT_DOCS; i++)
        bound = sqlite3_bind_text(q, 2 + i, docs[i], -1, SQLITE_STATIC) == SQLITE_OK;
    if (!bound) {
        rc = sq_fail(c, "edit result", err);
        goto out;
    }
    rc = sq_step_done(c, q, "edit result", err);
    if (rc == IG_OK && sqlite3_changes(c->db) == 0)
        rc = status_errf(err, IG_ENOTFOUND, "parse result not found");
    if (rc == IG_OK)
        rc = sq_run(c, SQ_COMMIT, "commit edit result", err);
out:
    sq_reset(q);
    sq_release(s, c);
    return rc;
}

static void sq_close(void *impl)
{
    sq_destroy(impl);
}

const store_backend store_sqlite_backend = {
    .scheme = "sqlite",
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
};

-- The whole data model: users, resumes and their parse results, generated questions, interviews with
-- their ordered questions, answers and feedback, refresh-token families, revoked access tokens, jobs.
-- Portable SQL where possible: timestamps are INTEGER unix seconds (UTC), JSON documents are TEXT,
-- booleans are INTEGER 0/1. Ownership cascades from users so deleting an account deletes its data.
-- The ids the API shows (users, resumes, questions, interviews) are AUTOINCREMENT: a deleted row's
-- id is never handed to a new one, so a stale id or link can never name someone else's row.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         VARCHAR(255) NOT NULL UNIQUE,
    password_hash VARCHAR(255) NOT NULL,
    username      VARCHAR(100),
    avatar_url    VARCHAR(255),
    is_active     INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    last_login_at INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE resumes (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    file_name        VARCHAR(255) NOT NULL,  -- the uploader's file name, sanitised: display and download only
    file_path        VARCHAR(500) NOT NULL,  -- the stored file, relative to UPLOAD_FOLDER: <user_id>/<random>.<ext>
    file_type        VARCHAR(100) NOT NULL,  -- MIME type decided by the file's bytes
    file_size        INTEGER NOT NULL CHECK (file_size >= 0),
    content_sha256   CHAR(64) NOT NULL,
    status           VARCHAR(16) NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    parse_confidence REAL NOT NULL DEFAULT 0,
    progress         INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    error_code       VARCHAR(32),            -- why it failed, a stable code the API localises ("no_text")
    error            TEXT,                   -- the failure's detail, in English
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (user_id, content_sha256)
);
-- The resume list is per user, newest first.
CREATE INDEX resumes_user_created ON resumes (user_id, created_at);

-- The file bytes when STORAGE=db, so any instance can serve any upload.
CREATE TABLE resume_files (
    resume_id INTEGER PRIMARY KEY REFERENCES resumes (id) ON DELETE CASCADE,
    content   BLOB NOT NULL
);

CREATE TABLE resume_parse_results (
    id         INTEGER PRIMARY KEY,
    resume_id  INTEGER NOT NULL UNIQUE REFERENCES resumes (id) ON DELETE CASCADE,
    basic_info TEXT,
    skills     TEXT,
    experience TEXT,
    education  TEXT,
    projects   TEXT,
    raw_text   TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE questions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- NULL once the resume is deleted: the interviews that asked the question keep it.
    resume_id       INTEGER REFERENCES resumes (id) ON DELETE SET NULL,
    interview_type  VARCHAR(32) NOT NULL DEFAULT 'general',
    difficulty      VARCHAR(8) NOT NULL DEFAULT 'medium' CHECK (difficulty IN ('easy', 'medium', 'hard')),
    question_text   TEXT NOT NULL,
    category        VARCHAR(64),
    skill           VARCHAR(100),
    expected_points TEXT,
    follow_ups      TEXT,
    model_answer    TEXT,
    language        VARCHAR(8) NOT NULL DEFAULT 'zh',
    created_at      INTEGER NOT NULL
);
CREATE INDEX questions_user ON questions (user_id);
CREATE INDEX questions_resume ON questions (resume_id, interview_type);

CREATE TABLE interviews (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id                INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- NULL once the resume is deleted: an interview keeps its questions and answers.
    resume_id              INTEGER REFERENCES resumes (id) ON DELETE SET NULL,
    session_id             VARCHAR(64) NOT NULL UNIQUE,
    status                 VARCHAR(16) NOT NULL DEFAULT 'pending'
                           CHECK (status IN ('pending', 'active', 'paused', 'completed', 'cancelled')),
    interview_type         VARCHAR(32) NOT NULL DEFAULT 'general',
    difficulty             VARCHAR(8) NOT NULL DEFAULT 'medium' CHECK (difficulty IN ('easy', 'medium', 'hard')),
    job_description        TEXT,
    language               VARCHAR(8) NOT NULL DEFAULT 'zh',
    total_questions        INTEGER NOT NULL DEFAULT 0,
    current_question_index INTEGER NOT NULL DEFAULT 0,
    started_at             INTEGER,
    ended_at               INTEGER,
    duration               INTEGER,
    overall_score          REAL,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL
);
-- History and stats are per user, newest first.
CREATE INDEX interviews_user_created ON interviews (user_id, created_at);
CREATE INDEX interviews_resume ON interviews (resume_id);

-- The questions of an interview, in the order they are asked.
CREATE TABLE interview_questions (
    interview_id INTEGER NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL CHECK (position >= 0),
    question_id  INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    PRIMARY KEY (interview_id, position)
);
CREATE INDEX interview_questions_question ON interview_questions (question_id);

CREATE TABLE interview_answers (
    id               INTEGER PRIMARY KEY,
    interview_id     INTEGER NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
    question_id      INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    answer_text      TEXT,
    answer_audio_url VARCHAR(255),
    response_time    INTEGER,
    score            REAL,
    feedback         TEXT,
    created_at       INTEGER NOT NULL,
    UNIQUE (interview_id, question_id)
);
CREATE INDEX interview_answers_question ON interview_answers (question_id);

CREATE TABLE interview_feedback (
    id               INTEGER PRIMARY KEY,
    interview_id     INTEGER NOT NULL UNIQUE REFERENCES interviews (id) ON DELETE CASCADE,
    overall_score    REAL,
    dimension_scores TEXT,
    strengths        TEXT,
    weaknesses       TEXT,
    suggestions      TEXT,
    created_at       INTEGER NOT NULL
);

-- One row per login session; each refresh rotates current_jti, and presenting an older jti revokes it.
CREATE TABLE token_families (
    id          VARCHAR(64) PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    current_jti VARCHAR(64) NOT NULL,
    revoked     INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    rotated_at  INTEGER
);
CREATE INDEX token_families_user ON token_families (user_id);
CREATE INDEX token_families_expires ON token_families (expires_at);

-- Access tokens revoked before their expiry (logout); purged once expired.
CREATE TABLE revoked_tokens (
    jti        VARCHAR(64) PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX revoked_tokens_expires ON revoked_tokens (expires_at);

-- The durable job queue: written in the same transaction as the thing it processes. A worker leases
-- a job (status running, lease_until, lease_owner) and renews the lease while it works; a lease that
-- runs out (the worker died) makes the job runnable again. attempts counts leases.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         VARCHAR(32) NOT NULL,
    payload      TEXT NOT NULL DEFAULT '{}',
    status       VARCHAR(8) NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    run_after    INTEGER NOT NULL,
    lease_until  INTEGER,
    lease_owner  VARCHAR(64),
    last_error   TEXT,
    resume_id    INTEGER REFERENCES resumes (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
-- Leasing takes the oldest due queued job, and reclaims running jobs whose lease ran out.
CREATE INDEX jobs_queued ON jobs (status, run_after);
CREATE INDEX jobs_leased ON jobs (status, lease_until);
CREATE INDEX jobs_resume ON jobs (resume_id);
-- Finished jobs are purged by age.
CREATE INDEX jobs_finished ON jobs (status, updated_at);

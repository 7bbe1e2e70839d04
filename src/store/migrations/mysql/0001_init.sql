-- MySQL/MariaDB dialect of ../0001_init.sql (whose comments explain the model): the same tables,
-- columns, constraints, defaults, cascades and indexes. Ids are BIGINT AUTO_INCREMENT (InnoDB keeps
-- the counter across restarts, so a deleted row's id is not handed out again); every other integer
-- is BIGINT, REAL is DOUBLE, TEXT is LONGTEXT, BLOB is LONGBLOB; booleans stay integers 0/1 with
-- their CHECKs. Foreign keys are table constraints (MySQL ignores a column's REFERENCES) and the
-- indexes are declared in the tables, so InnoDB adds none of its own for the foreign keys. The binary
-- collation compares text as SQLite does: emails, token ids and session ids are case-sensitive.

CREATE TABLE users (
    id            BIGINT AUTO_INCREMENT PRIMARY KEY,
    email         VARCHAR(255) NOT NULL UNIQUE,
    password_hash VARCHAR(255) NOT NULL,
    username      VARCHAR(100),
    avatar_url    VARCHAR(255),
    is_active     BIGINT NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    last_login_at BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE resumes (
    id               BIGINT AUTO_INCREMENT PRIMARY KEY,
    user_id          BIGINT NOT NULL,
    file_name        VARCHAR(255) NOT NULL,
    file_path        VARCHAR(500) NOT NULL,
    file_type        VARCHAR(100) NOT NULL,
    file_size        BIGINT NOT NULL CHECK (file_size >= 0),
    content_sha256   CHAR(64) NOT NULL,
    status           VARCHAR(16) NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    parse_confidence DOUBLE NOT NULL DEFAULT 0,
    progress         BIGINT NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    error_code       VARCHAR(32),
    error            LONGTEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (user_id, content_sha256),
    INDEX resumes_user_created (user_id, created_at),
    CONSTRAINT fk_resumes_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE resume_files (
    resume_id BIGINT PRIMARY KEY,
    content   LONGBLOB NOT NULL,
    CONSTRAINT fk_resume_files_resume FOREIGN KEY (resume_id) REFERENCES resumes (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE resume_parse_results (
    id         BIGINT AUTO_INCREMENT PRIMARY KEY,
    resume_id  BIGINT NOT NULL UNIQUE,
    basic_info LONGTEXT,
    skills     LONGTEXT,
    experience LONGTEXT,
    education  LONGTEXT,
    projects   LONGTEXT,
    raw_text   LONGTEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT fk_resume_parse_results_resume FOREIGN KEY (resume_id) REFERENCES resumes (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE questions (
    id              BIGINT AUTO_INCREMENT PRIMARY KEY,
    user_id         BIGINT NOT NULL,
    resume_id       BIGINT,
    interview_type  VARCHAR(32) NOT NULL DEFAULT 'general',
    difficulty      VARCHAR(8) NOT NULL DEFAULT 'medium' CHECK (difficulty IN ('easy', 'medium', 'hard')),
    question_text   LONGTEXT NOT NULL,
    category        VARCHAR(64),
    skill           VARCHAR(100),
    expected_points LONGTEXT,
    follow_ups      LONGTEXT,
    model_answer    LONGTEXT,
    language        VARCHAR(8) NOT NULL DEFAULT 'zh',
    created_at      BIGINT NOT NULL,
    INDEX questions_user (user_id),
    INDEX questions_resume (resume_id, interview_type),
    CONSTRAINT fk_questions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_questions_resume FOREIGN KEY (resume_id) REFERENCES resumes (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE interviews (
    id                     BIGINT AUTO_INCREMENT PRIMARY KEY,
    user_id                BIGINT NOT NULL,
    resume_id              BIGINT,
    session_id             VARCHAR(64) NOT NULL UNIQUE,
    status                 VARCHAR(16) NOT NULL DEFAULT 'pending'
                           CHECK (status IN ('pending', 'active', 'paused', 'completed', 'cancelled')),
    interview_type         VARCHAR(32) NOT NULL DEFAULT 'general',
    difficulty             VARCHAR(8) NOT NULL DEFAULT 'medium' CHECK (difficulty IN ('easy', 'medium', 'hard')),
    job_description        LONGTEXT,
    language               VARCHAR(8) NOT NULL DEFAULT 'zh',
    total_questions        BIGINT NOT NULL DEFAULT 0,
    current_question_index BIGINT NOT NULL DEFAULT 0,
    started_at             BIGINT,
    ended_at               BIGINT,
    duration               BIGINT,
    overall_score          DOUBLE,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL,
    INDEX interviews_user_created (user_id, created_at),
    INDEX interviews_resume (resume_id),
    CONSTRAINT fk_interviews_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_interviews_resume FOREIGN KEY (resume_id) REFERENCES resumes (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE interview_questions (
    interview_id BIGINT NOT NULL,
    position     BIGINT NOT NULL CHECK (position >= 0),
    question_id  BIGINT NOT NULL,
    PRIMARY KEY (interview_id, position),
    INDEX interview_questions_question (question_id),
    CONSTRAINT fk_interview_questions_interview FOREIGN KEY (interview_id) REFERENCES interviews (id) ON DELETE CASCADE,
    CONSTRAINT fk_interview_questions_question FOREIGN KEY (question_id) REFERENCES questions (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE interview_answers (
    id               BIGINT AUTO_INCREMENT PRIMARY KEY,
    interview_id     BIGINT NOT NULL,
    question_id      BIGINT NOT NULL,
    answer_text      LONGTEXT,
    answer_audio_url VARCHAR(255),
    response_time    BIGINT,
    score            DOUBLE,
    feedback         LONGTEXT,
    created_at       BIGINT NOT NULL,
    UNIQUE (interview_id, question_id),
    INDEX interview_answers_question (question_id),
    CONSTRAINT fk_interview_answers_interview FOREIGN KEY (interview_id) REFERENCES interviews (id) ON DELETE CASCADE,
    CONSTRAINT fk_interview_answers_question FOREIGN KEY (question_id) REFERENCES questions (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE interview_feedback (
    id               BIGINT AUTO_INCREMENT PRIMARY KEY,
    interview_id     BIGINT NOT NULL UNIQUE,
    overall_score    DOUBLE,
    dimension_scores LONGTEXT,
    strengths        LONGTEXT,
    weaknesses       LONGTEXT,
    suggestions      LONGTEXT,
    created_at       BIGINT NOT NULL,
    CONSTRAINT fk_interview_feedback_interview FOREIGN KEY (interview_id) REFERENCES interviews (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE token_families (
    id          VARCHAR(64) PRIMARY KEY,
    user_id     BIGINT NOT NULL,
    current_jti VARCHAR(64) NOT NULL,
    revoked     BIGINT NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    rotated_at  BIGINT,
    INDEX token_families_user (user_id),
    INDEX token_families_expires (expires_at),
    CONSTRAINT fk_token_families_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE revoked_tokens (
    jti        VARCHAR(64) PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    INDEX revoked_tokens_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE jobs (
    id           BIGINT AUTO_INCREMENT PRIMARY KEY,
    kind         VARCHAR(32) NOT NULL,
    payload      LONGTEXT NOT NULL DEFAULT ('{}'),
    status       VARCHAR(8) NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts     BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    run_after    BIGINT NOT NULL,
    lease_until  BIGINT,
    lease_owner  VARCHAR(64),
    last_error   LONGTEXT,
    resume_id    BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    INDEX jobs_queued (status, run_after),
    INDEX jobs_leased (status, lease_until),
    INDEX jobs_resume (resume_id),
    INDEX jobs_finished (status, updated_at),
    CONSTRAINT fk_jobs_resume FOREIGN KEY (resume_id) REFERENCES resumes (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

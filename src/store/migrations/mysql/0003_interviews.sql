-- MySQL/MariaDB dialect of ../0003_interviews.sql (whose comments explain the columns): interviews
-- as a server-owned state machine. One statement per table (MySQL commits each DDL statement on its
-- own); the index on parent_question_id comes before its foreign key, so InnoDB adds none of its own.

ALTER TABLE questions
    ADD COLUMN topic VARCHAR(100),
    ADD COLUMN bank_id VARCHAR(64),
    ADD COLUMN parent_question_id BIGINT,
    ADD INDEX questions_parent (parent_question_id),
    ADD CONSTRAINT fk_questions_parent FOREIGN KEY (parent_question_id) REFERENCES questions (id) ON DELETE SET NULL;

ALTER TABLE interviews
    ADD COLUMN hints BIGINT NOT NULL DEFAULT 0 CHECK (hints IN (0, 1)),
    ADD COLUMN adaptive BIGINT NOT NULL DEFAULT 1 CHECK (adaptive IN (0, 1)),
    ADD COLUMN seed BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN paused_at BIGINT,
    ADD COLUMN paused_seconds BIGINT NOT NULL DEFAULT 0 CHECK (paused_seconds >= 0),
    ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

ALTER TABLE interview_answers
    ADD COLUMN status VARCHAR(16) NOT NULL DEFAULT 'answered' CHECK (status IN ('answered', 'skipped')),
    ADD COLUMN analysis LONGTEXT,
    ADD COLUMN dimensions LONGTEXT,
    ADD COLUMN engine VARCHAR(32),
    ADD COLUMN delivery LONGTEXT,
    ADD INDEX interview_answers_interview (interview_id, created_at);

ALTER TABLE interview_feedback
    ADD COLUMN report LONGTEXT,
    ADD COLUMN weakest_topics LONGTEXT,
    ADD COLUMN engine VARCHAR(32);

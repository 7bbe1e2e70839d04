-- PostgreSQL dialect of ../0003_interviews.sql (whose comments explain the columns): interviews as a
-- server-owned state machine.

ALTER TABLE questions ADD COLUMN topic VARCHAR(100);
ALTER TABLE questions ADD COLUMN bank_id VARCHAR(64);
ALTER TABLE questions ADD COLUMN parent_question_id BIGINT REFERENCES questions (id) ON DELETE SET NULL;
CREATE INDEX questions_parent ON questions (parent_question_id);

ALTER TABLE interviews ADD COLUMN hints BIGINT NOT NULL DEFAULT 0 CHECK (hints IN (0, 1));
ALTER TABLE interviews ADD COLUMN adaptive BIGINT NOT NULL DEFAULT 1 CHECK (adaptive IN (0, 1));
ALTER TABLE interviews ADD COLUMN seed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE interviews ADD COLUMN paused_at BIGINT;
ALTER TABLE interviews ADD COLUMN paused_seconds BIGINT NOT NULL DEFAULT 0 CHECK (paused_seconds >= 0);
ALTER TABLE interviews ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

ALTER TABLE interview_answers ADD COLUMN status VARCHAR(16) NOT NULL DEFAULT 'answered'
    CHECK (status IN ('answered', 'skipped'));
ALTER TABLE interview_answers ADD COLUMN analysis TEXT;
ALTER TABLE interview_answers ADD COLUMN dimensions TEXT;
ALTER TABLE interview_answers ADD COLUMN engine VARCHAR(32);
ALTER TABLE interview_answers ADD COLUMN delivery TEXT;
CREATE INDEX interview_answers_interview ON interview_answers (interview_id, created_at);

ALTER TABLE interview_feedback ADD COLUMN report TEXT;
ALTER TABLE interview_feedback ADD COLUMN weakest_topics TEXT;
ALTER TABLE interview_feedback ADD COLUMN engine VARCHAR(32);

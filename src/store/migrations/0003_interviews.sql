-- Interviews as a server-owned state machine: what 0001's tables lack to tie generated questions to
-- the bank and to their follow-ups, to record skipped answers with the whole analysis, to keep pauses
-- out of the duration, to guard concurrent changes (version), and to keep the whole report.

-- topic: what a question practises (fed back as "weakest topics"); bank_id: the bank entry it was
-- filled from; parent_question_id: set on an adaptive follow-up, the question it follows.
ALTER TABLE questions ADD COLUMN topic VARCHAR(100);
ALTER TABLE questions ADD COLUMN bank_id VARCHAR(64);
ALTER TABLE questions ADD COLUMN parent_question_id INTEGER REFERENCES questions (id) ON DELETE SET NULL;
CREATE INDEX questions_parent ON questions (parent_question_id);

-- hints: show the expected points while answering; adaptive: insert follow-ups; seed: of the question
-- choice; paused_at / paused_seconds: pauses do not count in the duration; version: bumped by every
-- change, so a change computed from an older read (the report) can tell that it is stale.
ALTER TABLE interviews ADD COLUMN hints INTEGER NOT NULL DEFAULT 0 CHECK (hints IN (0, 1));
ALTER TABLE interviews ADD COLUMN adaptive INTEGER NOT NULL DEFAULT 1 CHECK (adaptive IN (0, 1));
ALTER TABLE interviews ADD COLUMN seed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE interviews ADD COLUMN paused_at INTEGER;
ALTER TABLE interviews ADD COLUMN paused_seconds INTEGER NOT NULL DEFAULT 0 CHECK (paused_seconds >= 0);
ALTER TABLE interviews ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

-- status: a skipped question has a row without a score; analysis: the engine's whole analysis object
-- (dimensions: its dimension scores, for stats); engine: which engine scored it; delivery: speech
-- metrics of a spoken answer (pace, pauses, fillers), NULL for a typed one.
ALTER TABLE interview_answers ADD COLUMN status VARCHAR(16) NOT NULL DEFAULT 'answered'
    CHECK (status IN ('answered', 'skipped'));
ALTER TABLE interview_answers ADD COLUMN analysis TEXT;
ALTER TABLE interview_answers ADD COLUMN dimensions TEXT;
ALTER TABLE interview_answers ADD COLUMN engine VARCHAR(32);
ALTER TABLE interview_answers ADD COLUMN delivery TEXT;
CREATE INDEX interview_answers_interview ON interview_answers (interview_id, created_at);

-- report: the engine's whole report (per-question summaries, model answers); weakest_topics: the
-- topics to practise next, read back when the user's next interview is generated.
ALTER TABLE interview_feedback ADD COLUMN report TEXT;
ALTER TABLE interview_feedback ADD COLUMN weakest_topics TEXT;
ALTER TABLE interview_feedback ADD COLUMN engine VARCHAR(32);

-- PostgreSQL dialect of ../0002_structured_resume.sql: the structured resume's columns.

ALTER TABLE resume_parse_results ADD COLUMN certifications TEXT;
ALTER TABLE resume_parse_results ADD COLUMN awards TEXT;
ALTER TABLE resume_parse_results ADD COLUMN languages TEXT;
ALTER TABLE resume_parse_results ADD COLUMN sections TEXT;
ALTER TABLE resume_parse_results ADD COLUMN confidence TEXT;
ALTER TABLE resume_parse_results ADD COLUMN edited BIGINT NOT NULL DEFAULT 0 CHECK (edited IN (0, 1));
ALTER TABLE resume_parse_results ADD COLUMN edited_at BIGINT;

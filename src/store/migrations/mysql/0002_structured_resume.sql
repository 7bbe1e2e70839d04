-- MySQL/MariaDB dialect of ../0002_structured_resume.sql: the structured resume's columns, added in
-- one statement (MySQL commits each DDL statement on its own).

ALTER TABLE resume_parse_results
    ADD COLUMN certifications LONGTEXT,
    ADD COLUMN awards LONGTEXT,
    ADD COLUMN languages LONGTEXT,
    ADD COLUMN sections LONGTEXT,
    ADD COLUMN confidence LONGTEXT,
    ADD COLUMN edited BIGINT NOT NULL DEFAULT 0 CHECK (edited IN (0, 1)),
    ADD COLUMN edited_at BIGINT;

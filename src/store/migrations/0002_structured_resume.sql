-- The structured resume (parse/structure.h): what the 0001 columns of resume_parse_results cannot
-- hold, and whether the user corrected it (PATCH /api/v1/resumes/<id>/parse-result). A reparse
-- writes a fresh machine result and clears edited.

ALTER TABLE resume_parse_results ADD COLUMN certifications TEXT;
ALTER TABLE resume_parse_results ADD COLUMN awards TEXT;
ALTER TABLE resume_parse_results ADD COLUMN languages TEXT;
ALTER TABLE resume_parse_results ADD COLUMN sections TEXT;
ALTER TABLE resume_parse_results ADD COLUMN confidence TEXT;
ALTER TABLE resume_parse_results ADD COLUMN edited INTEGER NOT NULL DEFAULT 0 CHECK (edited IN (0, 1));
ALTER TABLE resume_parse_results ADD COLUMN edited_at INTEGER;

-- MySQL/MariaDB dialect of ../0004_ai_usage.sql: the tokens an interview cost the language model,
-- and which parse-result fields the model refined.

ALTER TABLE interviews
    ADD COLUMN ai_prompt_tokens BIGINT NOT NULL DEFAULT 0 CHECK (ai_prompt_tokens >= 0),
    ADD COLUMN ai_completion_tokens BIGINT NOT NULL DEFAULT 0 CHECK (ai_completion_tokens >= 0);

ALTER TABLE resume_parse_results ADD COLUMN refined_fields LONGTEXT;

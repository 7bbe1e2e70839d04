-- What the language-model engine (AI_ENGINE=openai) adds to the schema: the tokens an interview cost,
-- and which fields of a parse result the model refined.

-- ai_prompt_tokens / ai_completion_tokens: summed from the usage of every engine call made for the
-- interview (generation, scores, follow-ups, the report); 0 with the offline engine.
ALTER TABLE interviews ADD COLUMN ai_prompt_tokens INTEGER NOT NULL DEFAULT 0 CHECK (ai_prompt_tokens >= 0);
ALTER TABLE interviews ADD COLUMN ai_completion_tokens INTEGER NOT NULL DEFAULT 0 CHECK (ai_completion_tokens >= 0);

-- refined_fields: a JSON array of the fields ("name", "skills", ...) whose low-confidence machine
-- values the model replaced; NULL when none was. A reparse writes it afresh; a user's edit keeps it.
ALTER TABLE resume_parse_results ADD COLUMN refined_fields TEXT;

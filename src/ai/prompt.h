/* Prompt templates for the language-model engine: versioned, one file per task, version and
 * language under data/prompts/ (compiled in: core/datafiles.h), e.g. prompts/score.v1.zh.txt.
 * A template holds the system message, a line "=== user ===", then the user message; each spells
 * out the JSON its reply must be. {{name}} stands for a variable, rendered as the compact JSON
 * encoding of the caller's value (a string arrives quoted and escaped), so what a candidate typed
 * cannot close a delimiter or pass itself off as an instruction line. */
#ifndef IG_AI_PROMPT_H
#define IG_AI_PROMPT_H

#include <jansson.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/status.h"

/* The most bytes one rendered message may have. */
#define PROMPT_MAX_BYTES (512 * 1024)

/* The two messages of a rendered prompt (malloc'd, NUL-terminated; prompt_msgs_free). */
typedef struct prompt_msgs {
    char *system;
    char *user;
} prompt_msgs;

/* Appends tmpl (len bytes) to out with every {{name}} (name: [A-Za-z_][A-Za-z0-9_]*, no spaces)
 * replaced by the JSON of vars' member name; other braces are copied as they are. IG_EINVAL
 * naming the variable when vars lacks one the template uses; IG_ETOOBIG past out's cap. */
ig_status prompt_render(const char *tmpl, size_t len, const json_t *vars, ig_buf *out, ig_err *err);

/* Renders data/prompts/<task>.<version>.<lang>.txt with vars into out (filled only on success).
 * IG_ENOTFOUND when no such template was compiled in, IG_EINVAL when it has no "=== user ===" line
 * or uses a variable vars lacks. */
ig_status prompt_build(const char *task, const char *version, const char *lang, const json_t *vars,
                       prompt_msgs *out, ig_err *err);
void prompt_msgs_free(prompt_msgs *m);

#endif

/* libFuzzer target for the offline engine's request handling (ai/generate, ai/report,
 * ai/followup) on the shipped bank: the input is a control byte, a JSON document (used as the
 * structured resume, which users can edit, and as report and follow-up requests) and, after a NUL,
 * a job description of any bytes. Generation always yields 1..count distinct, fully filled
 * questions; the other calls answer or refuse with IG_EINVAL, never crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ai/followup.h"
#include "ai/generate.h"
#include "ai/report.h"
#include "core/utf8.h"
#include "parse/skills.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static skills_taxonomy *tax;
static bank *questions;

static void check_questions(const json_t *qs, size_t count)
{
    size_t n = json_array_size(qs), i, j;
    const json_t *q, *r;
    if (n == 0 || n > count)
        __builtin_trap();
    json_array_foreach(qs, i, q) {
        const char *text = json_string_value(json_object_get(q, "question_text"));
        const char *id = json_string_value(json_object_get(q, "bank_id"));
        if (text == NULL || id == NULL || bank_get(questions, id) == NULL)
            __builtin_trap();
        for (const char *p = strchr(text, '{'); p != NULL; p = strchr(p + 1, '{')) {
            size_t len;
            if (bank_placeholder(p, strlen(p), &len) > 0)
                __builtin_trap(); /* a placeholder left unfilled */
        }
        json_array_foreach(qs, j, r) {
            if (j > i && strcmp(id, json_string_value(json_object_get(r, "bank_id"))) == 0)
                __builtin_trap();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ig_err err;
    if (tax == NULL && (skills_taxonomy_load(&tax, &err) != IG_OK || bank_open(tax, &questions, &err) != IG_OK))
        abort();
    if (size == 0)
        return 0;
    static const char *const types[] = {"general", "technical", "behavioral", "project", "system_design", "mixed"};
    static const char *const levels[] = {"easy", "medium", "hard"};
    unsigned ctl = data[0];
    const char *rest = (const char *)data + 1;
    size_t n = size - 1;
    const char *nul = memchr(rest, '\0', n);
    size_t json_len = nul != NULL ? (size_t)(nul - rest) : n;
    json_t *doc = json_loadb(rest, json_len, 0, NULL);
    json_t *jd = nul != NULL ? utf8_json_lossy(nul + 1, n - json_len - 1) : json_null();
    size_t count = 1 + (ctl >> 4) % 30;
    json_t *resume = json_is_object(doc) ? json_incref(doc) : json_object();
    json_t *req = json_pack("{s:o, s:s, s:s, s:i, s:s, s:o, s:i, s:[s]}", "resume", resume, "interview_type", types[ctl % 6], "difficulty", levels[(ctl >> 3) % 3], "count",
                            (int)count, "language", (ctl & 0x80) ? "zh" : "en", "job_description", jd, "seed",
                            (int)ctl, "weak_topics", "conflict");
    json_t *out = NULL;
    if (req != NULL && generate_questions(questions, tax, req, &out, &err) == IG_OK) {
        check_questions(out, count);
        json_decref(out);
    }
    json_decref(req);
    if (json_is_object(doc)) {
        out = NULL;
        ig_status rc = report_build(doc, &out, &err);
        if ((rc == IG_OK) != (out != NULL) || (rc != IG_OK && rc != IG_EINVAL && rc != IG_ENOMEM))
            __builtin_trap();
        json_decref(out);
        out = NULL;
        rc = followup_make(doc, &out, &err);
        if ((rc == IG_OK) != (out != NULL) || (rc != IG_OK && rc != IG_EINVAL && rc != IG_ENOMEM))
            __builtin_trap();
        json_decref(out);
    }
    json_decref(doc);
    return 0;
}

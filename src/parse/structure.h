/* Resume text -> structured resume: sections (parse/sections.h), then per-field candidates scored
 * and normalised (contact, dates, skills, entries), then confidences. Pure computation on the
 * extracted text: deterministic, no I/O, safe from any thread. It runs in the sandboxed extractor
 * child, right after text extraction, because its input is as untrusted as the file.
 *
 * The result (caller-owned json object), the contract of `parse FILE`, the resume API's
 * parse_result and PATCH /resumes/<id>/parse-result:
 * {
 *   "basic_info": {
 *     "name": str|null, "email": str|null,
 *     "phone": str|null (as printed), "phone_e164": str|null ("+8613122187000"),
 *     "location": str|null, "summary": str|null,
 *     "links": [str] (every link, with scheme: "https://github.com/x"),
 *     "github": str|null, "linkedin": str|null, "website": str|null (picked from links),
 *     "years_of_experience": number|null (from the experience dates, one decimal)
 *   },
 *   "skills": [{"name": canonical str (or the item as printed when data/skills.tsv does not know
 *               it), "category": str (data/skills.tsv's: "language", "frontend", "backend",
 *               "database", "cloud", "devops", "ml", ...; "other" for unknown items),
 *               "sources": ["skills"|"experience"|"projects"|"summary"|"other"], "count": int,
 *               "raw": str (as printed, first occurrence)}],
 *   "experience": [{"company": str|null, "title": str|null, "location": str|null,
 *                   "start": "YYYY-MM"|"YYYY"|null, "end": "YYYY-MM"|"YYYY"|"present"|null,
 *                   "start_raw": str|null, "end_raw": str|null, "duration_months": int|null,
 *                   "bullets": [str], "skills": [canonical str]}],
 *   "education": [{"school": str|null, "degree": "high_school"|"associate"|"bachelor"|"master"|
 *                  "phd"|"other"|null, "degree_raw": str|null, "major": str|null,
 *                  "start", "end", "start_raw", "end_raw" (as in experience), "gpa": str|null}],
 *   "projects": [{"name": str|null, "role": str|null, "start", "end", "start_raw", "end_raw",
 *                 "tech_stack": [canonical str], "description": str|null, "url": str|null}],
 *   "certifications": [str], "awards": [str], "languages": [str],
 *   "sections": [{"kind": str, "heading": str|null}] (what segmentation found, in order),
 *   "confidence": {"overall": 0..1, "name", "email", "phone", "skills", "experience",
 *                  "education", "projects": 0..1 each}
 * }
 * The extractor child adds it to its own output, so `parse FILE` prints the structured resume
 * together with format, pages, raw_text, links and ocr. */
#ifndef IG_PARSE_STRUCTURE_H
#define IG_PARSE_STRUCTURE_H

#include <stddef.h>

#include <jansson.h>

#include "core/status.h"

#include "parse/skills.h"

/* The lexicons structuring needs (headings, entities, the skills taxonomy), loaded once:
 * immutable, share it across threads. IG_ENOMEM, or IG_EINVAL/IG_EINTERNAL for bad shipped data. */
typedef struct structure_ctx structure_ctx;
ig_status structure_ctx_open(structure_ctx **out, ig_err *err);
void structure_ctx_close(structure_ctx *ctx);
/* The taxonomy inside ctx (borrowed), for callers that canonicalise skills themselves. */
const skills_taxonomy *structure_ctx_skills(const structure_ctx *ctx);

/* Structures text (UTF-8, len bytes, normalised by parse/textnorm) using the document's link
 * annotations (a json array of URL strings, borrowed; NULL for none); now (unix seconds) is what
 * "Present" means. *out is caller-owned. IG_ENOMEM only: any text, however odd, yields a
 * (possibly empty) structure. */
ig_status structure_resume_ctx(const structure_ctx *ctx, const char *text, size_t len, const json_t *links,
                               long long now, json_t **out, ig_err *err);
/* The same with a context of its own and the current time (one-off callers). */
ig_status structure_resume(const char *text, size_t len, const json_t *links, json_t **out, ig_err *err);

#endif

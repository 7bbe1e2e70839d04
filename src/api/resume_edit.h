/* The body of PATCH /api/v1/resumes/<id>/parse-result: which parts of a structured resume
 * (parse/structure.h) a user may correct, with their types and limits. Any of:
 *   basic_info      {name, email, phone, location, summary, links: [url], github, linkedin, website,
 *                    years_of_experience: 0..80} (phone_e164 is accepted and ignored: it is derived)
 *   skills          [name | {name, category}] (sources, count and raw are accepted and ignored)
 *   experience      [{company, title, location, start, end, start_raw, end_raw, bullets: [str],
 *                     skills: [str]}] (duration_months accepted and ignored)
 *   education       [{school, degree, degree_raw, major, start, end, start_raw, end_raw, gpa}]
 *   projects        [{name, role, start, end, start_raw, end_raw, tech_stack: [str], description, url}]
 *   certifications, awards, languages: [str]
 * Scalars may be null; lists and objects may not. Dates are "YYYY" or "YYYY-MM" (an end may be
 * "present"), degree one of structure.h's values. Errors come in marshmallow's shape, nested like
 * the body: {"experience": {"0": {"start": ["Not a valid date (YYYY or YYYY-MM)."]}}}; a nested
 * object of the wrong type {"basic_info": {"_schema": ["Invalid input type."]}}; an unknown field
 * {"foo": ["Unknown field."]}; a body with nothing to change {"_schema": [...]}. */
#ifndef IG_API_RESUME_EDIT_H
#define IG_API_RESUME_EDIT_H

#include <jansson.h>
#include <stdbool.h>

#include "api/messages.h"

/* Limits, in characters for strings and in items for lists. */
#define RESUME_EDIT_NAME_MAX 100      /* basic_info.name, a skill, a tech_stack item */
#define RESUME_EDIT_TEXT_MAX 200      /* company, title, school, major, location ... */
#define RESUME_EDIT_LONG_MAX 5000     /* summary, a project's description */
#define RESUME_EDIT_LINE_MAX 1000     /* a bullet */
#define RESUME_EDIT_ITEM_MAX 300      /* a certification, an award, a language */
#define RESUME_EDIT_URL_MAX 500
#define RESUME_EDIT_SKILLS_MAX 200
#define RESUME_EDIT_ENTRIES_MAX 50    /* experience, projects; certifications, awards, languages; links */
#define RESUME_EDIT_EDUCATION_MAX 20
#define RESUME_EDIT_BULLETS_MAX 50
#define RESUME_EDIT_TAGS_MAX 100      /* an entry's skills or tech_stack */
#define RESUME_EDIT_YEARS_MAX 80      /* years_of_experience; MSG_FIELD_YEARS says so */

/* Checks body (a parsed JSON object) against the schema. True when valid; otherwise *details (new
 * reference) holds the errors in lang. */
bool resume_edit_validate(const json_t *body, api_lang lang, json_t **details);

#endif

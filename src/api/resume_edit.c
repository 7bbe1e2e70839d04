/* The parse-result edit schema as tables of field specs, and one recursive checker over them. */
#include "api/resume_edit.h"

#include <stdio.h>
#include <string.h>

#include "api/validate.h"
#include "core/utf8.h"
#include "services/auth.h"

typedef enum spec_kind {
    K_TEXT,   /* a string of at most max characters */
    K_EMAIL,  /* a string: blank, or an e-mail address */
    K_URL,    /* a string: blank, or an http(s) URL, at most max characters */
    K_DATE,   /* "YYYY" or "YYYY-MM", or blank */
    K_END,    /* K_DATE or "present" */
    K_DEGREE, /* one of DEGREES */
    K_YEARS,  /* a number within 0..max */
    K_COUNT,  /* an integer >= 0 */
    K_SKILL,  /* a string (the name) or an object of fields */
    K_LIST,   /* an array of at most max items, each an item */
    K_OBJECT, /* an object of fields, no other keys */
} spec_kind;

typedef struct spec spec;
struct spec {
    const char *name;
    spec_kind kind;
    size_t max;
    bool required;
    const spec *item;   /* K_LIST */
    const spec *fields; /* K_OBJECT, K_SKILL */
    size_t nfields;
};

#define COUNT(a) (sizeof(a) / sizeof *(a))
#define LIST(name, max, item) {name, K_LIST, max, false, &(item), NULL, 0}
#define OBJECT(name, f) {name, K_OBJECT, 0, false, NULL, f, COUNT(f)}

static const char *const DEGREES[] = {"high_school", "associate", "bachelor", "master", "phd", "other"};

static const spec NAME_ITEM = {NULL, K_TEXT, RESUME_EDIT_NAME_MAX, false, NULL, NULL, 0};
static const spec LINE_ITEM = {NULL, K_TEXT, RESUME_EDIT_LINE_MAX, false, NULL, NULL, 0};
static const spec ITEM_ITEM = {NULL, K_TEXT, RESUME_EDIT_ITEM_MAX, false, NULL, NULL, 0};
static const spec URL_ITEM = {NULL, K_URL, RESUME_EDIT_URL_MAX, false, NULL, NULL, 0};
static const spec SOURCE_ITEM = {NULL, K_TEXT, 32, false, NULL, NULL, 0};

static const spec BASIC_FIELDS[] = {
    {"name", K_TEXT, RESUME_EDIT_NAME_MAX, false, NULL, NULL, 0},
    {"email", K_EMAIL, 254, false, NULL, NULL, 0},
    {"phone", K_TEXT, 50, false, NULL, NULL, 0},
    {"phone_e164", K_TEXT, 20, false, NULL, NULL, 0},
    {"location", K_TEXT, RESUME_EDIT_TEXT_MAX, false, NULL, NULL, 0},
    {"summary", K_TEXT, RESUME_EDIT_LONG_MAX, false, NULL, NULL, 0},
    LIST("links", RESUME_EDIT_ENTRIES_MAX, URL_ITEM),
    {"github", K_URL, RESUME_EDIT_URL_MAX, false, NULL, NULL, 0},
    {"linkedin", K_URL, RESUME_EDIT_URL_MAX, false, NULL, NULL, 0},
    {"website", K_URL, RESUME_EDIT_URL_MAX, false, NULL, NULL, 0},
    {"years_of_experience", K_YEARS, RESUME_EDIT_YEARS_MAX, false, NULL, NULL, 0},
};

static const spec SKILL_FIELDS[] = {
    {"name", K_TEXT, RESUME_EDIT_NAME_MAX, true, NULL, NULL, 0},
    {"category", K_TEXT, 32, false, NULL, NULL, 0},
    LIST("sources", 10, SOURCE_ITEM),
    {"count", K_COUNT, 0, false, NULL, NULL, 0},
    {"raw", K_TEXT, RESUME_EDIT_TEXT_MAX, false, NULL, NULL, 0},
};
static const spec SKILL_ITEM = {NULL, K_SKILL, RESUME_EDIT_NAME_MAX, false, NULL, SKILL_FIELDS, COUNT(SKILL_FIELDS)};

/* start, end and their printed forms: every kind of entry has them */
#define DATES                                                                                                          \
    {"start", K_DATE, 0, false, NULL, NULL, 0}, {"end", K_END, 0, false, NULL, NULL, 0},                               \
        {"start_raw", K_TEXT, 50, false, NULL, NULL, 0}, {"end_raw", K_TEXT, 50, false, NULL, NULL, 0}

static const spec EXPERIENCE_FIELDS[] = {
    {"company", K_TEXT, RESUME_EDIT_TEXT_MAX, false, NULL, NULL, 0},
    {"title", K_TEXT, RESUME_EDIT_TEXT_MAX, false, NULL, NULL, 0},
    {"location", K_TEXT, RESUME_EDIT_TEXT_MAX, false, NULL, NULL, 0},
    DATES,
    {"duration_months", K_COUNT, 0, false, NULL, NULL, 0},
    LIST("bullets", RESUME_EDIT_BULLETS_MAX, LINE_ITEM),
    LIST("skills", RESUME_EDIT_TAGS_MAX, NAME_ITEM),
};
static const spec EDUCATION_FIELDS[] = {
    {"school", K_TEXT, RESUME_EDIT_TEXT_MAX, false, NULL, NULL, 0},
    {"degree", K_DEGREE, 0, false, NULL, NULL, 0},
    {"degree_raw", K_TEXT, RESUME_EDIT_NAME_MAX, false, NULL, NULL, 0},
    {"major", K_TEXT, RESUME_EDIT_TEXT_MAX, false, NULL, NULL, 0},
    DATES,
    {"gpa", K_TEXT, 20, false, NULL, NULL, 0},
};
static const spec PROJECT_FIELDS[] = {
    {"name", K_TEXT, RESUME_EDIT_TEXT_MAX, false, NULL, NULL, 0},
    {"role", K_TEXT, RESUME_EDIT_TEXT_MAX, false, NULL, NULL, 0},
    DATES,
    LIST("tech_stack", RESUME_EDIT_TAGS_MAX, NAME_ITEM),
    {"description", K_TEXT, RESUME_EDIT_LONG_MAX, false, NULL, NULL, 0},
    {"url", K_URL, RESUME_EDIT_URL_MAX, false, NULL, NULL, 0},
};
static const spec EXPERIENCE_ITEM = OBJECT(NULL, EXPERIENCE_FIELDS);
static const spec EDUCATION_ITEM = OBJECT(NULL, EDUCATION_FIELDS);
static const spec PROJECT_ITEM = OBJECT(NULL, PROJECT_FIELDS);

static const spec TOP_FIELDS[] = {
    OBJECT("basic_info", BASIC_FIELDS),
    LIST("skills", RESUME_EDIT_SKILLS_MAX, SKILL_ITEM),
    LIST("experience", RESUME_EDIT_ENTRIES_MAX, EXPERIENCE_ITEM),
    LIST("education", RESUME_EDIT_EDUCATION_MAX, EDUCATION_ITEM),
    LIST("projects", RESUME_EDIT_ENTRIES_MAX, PROJECT_ITEM),
    LIST("certifications", RESUME_EDIT_ENTRIES_MAX, ITEM_ITEM),
    LIST("awards", RESUME_EDIT_ENTRIES_MAX, ITEM_ITEM),
    LIST("languages", RESUME_EDIT_ENTRIES_MAX, ITEM_ITEM),
};

/* Appends message id (num fills its %d) to errs[key], a list made when missing. */
static void add_error(json_t *errs, const char *key, msg_id id, api_lang lang, size_t num)
{
    char text[200];
    snprintf(text, sizeof text, msg_get(id, lang), (int)num);
    json_t *list = json_object_get(errs, key);
    if (list == NULL) {
        list = json_array();
        json_object_set_new(errs, key, list);
    }
    json_array_append_new(list, json_string(text));
}

/* Sets errs[key] = sub when sub holds errors; consumes sub either way. */
static void add_nested(json_t *errs, const char *key, json_t *sub)
{
    if (json_object_size(sub) > 0)
        json_object_set_new(errs, key, sub);
    else
        json_decref(sub);
}

static bool is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

static bool is_date(const char *s, size_t n, bool end)
{
    if (end && n == 7 && memcmp(s, "present", 7) == 0)
        return true;
    if (n != 4 && n != 7)
        return false;
    for (size_t i = 0; i < n; i++)
        if (i == 4 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
            return false;
    int m = n == 7 ? (s[5] - '0') * 10 + (s[6] - '0') : 1;
    return m >= 1 && m <= 12;
}

static bool is_degree(const char *s)
{
    for (size_t i = 0; i < COUNT(DEGREES); i++)
        if (strcmp(s, DEGREES[i]) == 0)
            return true;
    return false;
}

static void check_fields(const spec *fields, size_t n, const json_t *obj, api_lang lang, json_t *errs);

/* Checks a string value of kind f->kind; errors go to errs[key]. */
static void check_string(const spec *f, const json_t *v, api_lang lang, json_t *errs, const char *key)
{
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    switch (f->kind) {
    case K_EMAIL: {
        char norm[256];
        if (!is_blank(s, n) && !auth_email_normalize(s, n, norm, sizeof norm))
            add_error(errs, key, MSG_FIELD_EMAIL, lang, 0);
        break;
    }
    case K_URL:
        if (!is_blank(s, n) && !validate_http_url(s, n))
            add_error(errs, key, MSG_FIELD_URL, lang, 0);
        break;
    case K_DATE:
    case K_END:
        if (!is_blank(s, n) && !is_date(s, n, f->kind == K_END))
            add_error(errs, key, f->kind == K_END ? MSG_FIELD_END_DATE : MSG_FIELD_DATE, lang, 0);
        return;
    case K_DEGREE:
        if (!is_degree(s))
            add_error(errs, key, MSG_FIELD_DEGREE, lang, 0);
        return;
    default:
        break;
    }
    if (f->max > 0 && utf8_count(s, n) > f->max)
        add_error(errs, key, MSG_FIELD_TOO_LONG, lang, f->max);
}

/* Checks v against f; errors go to errs[key]. in_list: v is a list's item (never null). */
static void check_value(const spec *f, const json_t *v, bool in_list, api_lang lang, json_t *errs, const char *key)
{
    bool scalar = f->kind != K_LIST && f->kind != K_OBJECT && f->kind != K_SKILL;
    if (json_is_null(v)) {
        if (in_list || !scalar)
            add_error(errs, key, MSG_FIELD_NULL, lang, 0);
        return;
    }
    switch (f->kind) {
    case K_YEARS:
        if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > (double)f->max)
            add_error(errs, key, MSG_FIELD_YEARS, lang, 0);
        return;
    case K_COUNT:
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            add_error(errs, key, MSG_FIELD_NON_NEGATIVE_INT, lang, 0);
        return;
    case K_SKILL:
        if (json_is_string(v)) {
            check_string(f, v, lang, errs, key);
        } else if (json_is_object(v)) {
            json_t *sub = json_object();
            check_fields(f->fields, f->nfields, v, lang, sub);
            add_nested(errs, key, sub);
        } else {
            add_error(errs, key, MSG_FIELD_SKILL, lang, 0);
        }
        return;
    case K_OBJECT: {
        json_t *sub = json_object();
        if (!json_is_object(v))
            add_error(sub, "_schema", MSG_FIELD_OBJECT, lang, 0);
        else
            check_fields(f->fields, f->nfields, v, lang, sub);
        add_nested(errs, key, sub);
        return;
    }
    case K_LIST: {
        if (!json_is_array(v)) {
            add_error(errs, key, MSG_FIELD_LIST, lang, 0);
            return;
        }
        /* past the limit the items are not looked at: one message, not thousands */
        if (json_array_size(v) > f->max) {
            add_error(errs, key, MSG_FIELD_TOO_LONG, lang, f->max);
            return;
        }
        json_t *sub = json_object(), *item;
        size_t i;
        json_array_foreach(v, i, item) {
            char index[24];
            snprintf(index, sizeof index, "%zu", i);
            check_value(f->item, item, true, lang, sub, index);
        }
        add_nested(errs, key, sub);
        return;
    }
    default:
        if (!json_is_string(v))
            add_error(errs, key, MSG_FIELD_STRING, lang, 0);
        else
            check_string(f, v, lang, errs, key);
        return;
    }
}

/* Checks obj's keys against fields (n of them): unknown keys, required ones, each value. */
static void check_fields(const spec *fields, size_t n, const json_t *obj, api_lang lang, json_t *errs)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        size_t k = 0;
        while (k < n && strcmp(fields[k].name, key) != 0)
            k++;
        if (k == n)
            add_error(errs, key, MSG_FIELD_UNKNOWN, lang, 0);
        else
            check_value(&fields[k], v, false, lang, errs, key);
    }
    for (size_t k = 0; k < n; k++)
        if (fields[k].required && json_object_get(obj, fields[k].name) == NULL)
            add_error(errs, fields[k].name, MSG_FIELD_REQUIRED, lang, 0);
}

bool resume_edit_validate(const json_t *body, api_lang lang, json_t **details)
{
    json_t *errs = json_object();
    *details = NULL;
    if (!json_is_object(body))
        add_error(errs, "_schema", MSG_FIELD_OBJECT, lang, 0);
    else if (json_object_size(body) == 0)
        add_error(errs, "_schema", MSG_FIELD_NOTHING, lang, 0);
    else
        check_fields(TOP_FIELDS, COUNT(TOP_FIELDS), body, lang, errs);
    if (json_object_size(errs) == 0) {
        json_decref(errs);
        return true;
    }
    *details = errs;
    return false;
}

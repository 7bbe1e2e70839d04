/* The entity lexicon of data/entities.tsv: words that mark a job title, an organisation, a school,
 * a project role, a degree (with its normalised level), a place, a spoken language, or proficiency
 * wording. English phrases match whole words ignoring case; Chinese phrases match anywhere; US
 * state codes match in capitals. Immutable once loaded; share across threads. */
#ifndef IG_PARSE_ENTITIES_H
#define IG_PARSE_ENTITIES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"

typedef enum entities_class {
    ENTITIES_TITLE,
    ENTITIES_ORG,
    ENTITIES_SCHOOL,
    ENTITIES_ROLE,
    ENTITIES_DEGREE,
    ENTITIES_PLACE,
    ENTITIES_STATE,
    ENTITIES_SPOKEN,
    ENTITIES_SKILLVERB,
    ENTITIES_CLASS_COUNT
} entities_class;

typedef struct entities entities;

/* A match: the phrase's span in the searched text and, for degrees, the level
 * ("bachelor", "master", ...; NULL for other classes). */
typedef struct entities_match {
    size_t off, len;
    const char *level;
} entities_match;

ig_status entities_load(entities **out, ig_err *err);
ig_status entities_parse(const char *tsv, size_t n, entities **out, ig_err *err);
void entities_free(entities *e);

/* The longest match of the class in s (the leftmost among equally long ones); false when none. */
bool entities_find(const entities *e, entities_class cls, const char *s, size_t n, entities_match *m);
/* The match that ends last in s (for "Software Engineer College Bike": where the title ends). */
bool entities_find_last(const entities *e, entities_class cls, const char *s, size_t n, entities_match *m);
/* True when s, blanks and punctuation aside, starts with a phrase of the class; *len gets its span. */
bool entities_prefix(const entities *e, entities_class cls, const char *s, size_t n, size_t *len);

#endif

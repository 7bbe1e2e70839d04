/* Section segmentation: a resume's text lines -> the header block and the sections under their
 * headings (Experience, 教育背景, ...). A line is a heading when, stripped of decoration (icons,
 * bullets, numbering, a trailing colon), it matches the bilingual lexicon data/headings.tsv, or when
 * it is laid out like the document's other headings (a short standalone line in capitals without
 * sentence punctuation) and contains a lexicon phrase. "Skills: Python, Go" is a heading with its
 * first content line inline. */
#ifndef IG_PARSE_SECTIONS_H
#define IG_PARSE_SECTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"
#include "core/str.h"

typedef enum sections_kind {
    SECTIONS_HEADER, /* what precedes the first heading: name, contact, title */
    SECTIONS_SUMMARY,
    SECTIONS_SKILLS,
    SECTIONS_EXPERIENCE,
    SECTIONS_EDUCATION,
    SECTIONS_PROJECTS,
    SECTIONS_CERTIFICATIONS,
    SECTIONS_AWARDS,
    SECTIONS_LANGUAGES,
    SECTIONS_ACTIVITIES,
    SECTIONS_RESEARCH,
    SECTIONS_COURSES,
    SECTIONS_PUBLICATIONS,
    SECTIONS_INTERESTS,
    SECTIONS_REFERENCES,
    SECTIONS_CONTACT,
    SECTIONS_OTHER,
    SECTIONS_KIND_COUNT
} sections_kind;

typedef struct sections_lexicon sections_lexicon; /* immutable once loaded; share across threads */

/* Loads data/headings.tsv (compiled in). IG_EINVAL naming the line when malformed, IG_ENOMEM. */
ig_status sections_lexicon_load(sections_lexicon **out, ig_err *err);
/* The same from given bytes (tests). */
ig_status sections_lexicon_parse(const char *tsv, size_t n, sections_lexicon **out, ig_err *err);
void sections_lexicon_free(sections_lexicon *lx);

typedef struct sections_section {
    sections_kind kind;
    bool mixed;         /* a heading that mixes jobs and projects ("实习/项目经历") */
    ig_str heading;     /* as printed (points into the text); empty for the header block */
    double score;       /* how sure the heading is a heading: 1 lexicon line, less for layout guesses */
    size_t first;       /* body lines [first, first + count) of sections_doc.lines */
    size_t count;
} sections_section;

typedef struct sections_doc {
    ig_str *lines;          /* the body lines, each pointing into the text; headings are not in it,
                             * a heading's inline content is */
    size_t nlines;
    sections_section *secs; /* in document order; secs[0] is the header block (possibly empty) */
    size_t nsecs;
} sections_doc;

/* Splits text (len bytes) into lines and sections. The doc points into text, which must outlive it.
 * Free with sections_doc_free. IG_ENOMEM only. */
ig_status sections_split(const sections_lexicon *lx, const char *text, size_t len, sections_doc *out, ig_err *err);
void sections_doc_free(sections_doc *doc);

/* The heading kind of one line by the lexicon alone (decoration stripped, case and blanks ignored),
 * or -1 when the line is not a lexicon heading. *mixed is set for mixed headings (may be NULL). */
int sections_lexicon_match(const sections_lexicon *lx, const char *line, size_t n, bool *mixed);

/* "experience", "education", ... ("header" for SECTIONS_HEADER). */
const char *sections_kind_name(sections_kind k);

#endif

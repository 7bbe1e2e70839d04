/* The question bank: every data/questions/<theme>.json file (format: data/questions/README.md) loaded
 * once, validated, into an immutable in-memory bank indexed by id, type, skill and topic. Read-only
 * after bank_open, so any number of threads may query one bank without locks. */
#ifndef IG_AI_BANK_H
#define IG_AI_BANK_H

#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"
#include "core/str.h"

typedef struct skills_taxonomy skills_taxonomy;
typedef struct bank bank;

typedef enum bank_type {
    BANK_GENERAL,
    BANK_TECHNICAL,
    BANK_BEHAVIORAL,
    BANK_PROJECT,
    BANK_SYSTEM_DESIGN,
} bank_type;
#define BANK_NTYPES 5

typedef enum bank_level { BANK_EASY, BANK_MEDIUM, BANK_HARD } bank_level;
#define BANK_NLEVELS 3

typedef enum bank_lang { BANK_EN, BANK_ZH } bank_lang;
#define BANK_NLANGS 2

/* Placeholders a text may hold, as bits of bank_entry.placeholders. */
enum {
    BANK_PH_SKILL = 1u << 0,   /* {skill} */
    BANK_PH_SKILL2 = 1u << 1,  /* {skill2} */
    BANK_PH_PROJECT = 1u << 2, /* {project} */
    BANK_PH_COMPANY = 1u << 3, /* {company} */
    BANK_PH_TITLE = 1u << 4,   /* {title} */
};

/* Caps a valid entry stays within. */
#define BANK_ID_MAX 64
#define BANK_TEXT_MAX 2000
#define BANK_POINTS_MAX 8
#define BANK_FOLLOW_UPS_MAX 5

/* One language's text of an entry; text is NULL when the entry has none in that language. */
typedef struct bank_text {
    const char *text;
    const char *const *key_points; /* n_key_points >= 1 */
    size_t n_key_points;
    const char *const *follow_ups;
    size_t n_follow_ups;
    const char *model_answer;
} bank_text;

/* Every string is NUL-terminated and lives as long as the bank. */
typedef struct bank_entry {
    const char *id;
    const char *file;  /* "questions/behavioral.json": where it came from */
    const char *topic; /* "conflict", "sql-indexing": compared case-insensitively */
    const char *skill; /* canonical skill name; NULL for none */
    bank_type type;
    bank_level difficulty;
    unsigned placeholders; /* BANK_PH_* used by any of its strings, in any language */
    bank_text lang[BANK_NLANGS];
} bank_entry;

/* A source file for bank_open_files: name as in datafiles ("questions/x.json"), bytes borrowed. */
typedef struct bank_file {
    const char *name;
    ig_str bytes;
} bank_file;

/* Loads every embedded questions/<theme>.json. tax (borrowed, only during the call; NULL: skill names
 * are kept as written) canonicalises each entry's skill and rejects unknown ones. A malformed
 * entry is IG_EINVAL naming the file and the id. *out is the caller's to bank_close. */
ig_status bank_open(const skills_taxonomy *tax, bank **out, ig_err *err);
/* The same from the given files (tests, tools). The bytes are parsed during the call. */
ig_status bank_open_files(const bank_file *files, size_t n, const skills_taxonomy *tax, bank **out, ig_err *err);
void bank_close(bank *b);

/* Entries, in id order: bank_at(b, i) for i < bank_count(b). */
size_t bank_count(const bank *b);
const bank_entry *bank_at(const bank *b, size_t i);
/* The entry with this id, or NULL. */
const bank_entry *bank_get(const bank *b, const char *id);

/* A filter for bank_find: NULL / -1 fields match anything; strings compare case-insensitively. */
typedef struct bank_filter {
    const char *skill;
    const char *topic;
    int type;       /* bank_type or -1 */
    int difficulty; /* bank_level or -1 */
    int lang;       /* bank_lang or -1: entries that have text in this language */
} bank_filter;

/* Sets f to match everything. */
void bank_filter_any(bank_filter *f);
/* The matches in id order, skipping the first offset: up to cap of them into out (may be NULL
 * with cap 0); returns how many were written and puts the number of all matches in *total. */
size_t bank_find(const bank *b, const bank_filter *f, size_t offset, const bank_entry **out, size_t cap,
                 size_t *total);

/* Names ("technical", "hard", "zh") and their parsing; parse returns -1 for an unknown name. */
const char *bank_type_name(bank_type t);
const char *bank_level_name(bank_level l);
const char *bank_lang_name(bank_lang l);
int bank_type_parse(const char *s);
int bank_level_parse(const char *s);
int bank_lang_parse(const char *s);

/* s[0..n) starts with '{': the BANK_PH_* bit of the placeholder there with its length (braces
 * included) in *len; 0 when this brace opens no placeholder-like name (code such as "{a: 1}");
 * -1 for a placeholder-like name that is not one of ours ("{skil}"). */
int bank_placeholder(const char *s, size_t n, size_t *len);

#endif

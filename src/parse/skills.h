/* The skills taxonomy: data/skills.tsv (canonical skills with a category and English and Chinese
 * aliases; its header comment is the format) compiled into a trie, and the three ways resume text
 * meets it: one printed item of a skills list (skills_lookup), one line of a skills section
 * (skills_split_line) and free text such as bullets and summaries (skills_scan).
 *
 * Matching folds ASCII case and full-width ASCII, treats runs of blanks, '-' and '_' as one blank
 * and ignores blanks next to CJK ("Spring-Boot" = "spring boot", "LLM 微调" = "LLM微调"). */
#ifndef IG_PARSE_SKILLS_H
#define IG_PARSE_SKILLS_H

#include <stddef.h>

#include "core/status.h"

/* Immutable once built: share one across threads. */
typedef struct skills_taxonomy skills_taxonomy;

/* One skill. Both strings live as long as the taxonomy; category is one of language, frontend,
 * backend, mobile, database, cloud, devops, data, ml, testing, tool, os, security, cs, design,
 * methodology, soft, office, other. */
typedef struct skills_entry {
    const char *name;
    const char *category;
} skills_entry;

/* Builds the taxonomy from the embedded data/skills.tsv. IG_EINVAL (with the line number) on a
 * malformed line or on an alias that two skills share; IG_ENOMEM. *out is freed with
 * skills_taxonomy_free. */
ig_status skills_taxonomy_load(skills_taxonomy **out, ig_err *err);
/* The same from n bytes of TSV (copied; the caller keeps tsv). */
ig_status skills_taxonomy_parse(const char *tsv, size_t n, skills_taxonomy **out, ig_err *err);
void skills_taxonomy_free(skills_taxonomy *t);
size_t skills_taxonomy_count(const skills_taxonomy *t);
/* The i-th skill in file order (i < count), for listings and checks. */
const skills_entry *skills_taxonomy_at(const skills_taxonomy *t, size_t i);

/* Canonicalises one item as printed in a skills list ("JS", " k8s ", "机器学习", "ReactJS",
 * "Angular (versions 2+)", "Python 3", "熟练掌握Java", "NoSQL databases"): case-insensitive, prose
 * flags ignored; surrounding blanks, bullets and punctuation, a trailing parenthesis, a leading
 * proficiency ("Proficient in", "熟悉"), a trailing generic word ("basics", "framework", "开发") and
 * a trailing version ("3", "v2", "3.x", "Python3") are dropped, one at a time, until the rest is
 * known; then a plural 's', then one typo (an ASCII item of 7+ bytes one edit away from exactly
 * one skill's alias: "JavaScrip"). One item only: "C/C++" and "Git and GitHub" are NULL (see
 * skills_split_line). NULL when unknown. */
const skills_entry *skills_lookup(const skills_taxonomy *t, const char *s, size_t n);

/* Finds every mention of a known skill in n bytes of free text (bullets, summaries, mixed EN/ZH),
 * left to right, longest alias first at each position (Spring Boot over Spring, Vue.js over Vue),
 * never overlapping, and calls fn(entry, offset, length, arg) in text order; the span is as
 * printed (it takes a version glued to the alias: "Python3", "YOLOv8n").
 * Rules: an alias that starts (ends) with an ASCII letter or digit needs a word boundary there:
 * not a letter, digit or '_', nor '.'/'-' glued to a word ("Go" is not in "Google", "js" not in
 * "app.js"... unless "app.js" were an alias, "Python" not in "python.org"); "C++", "C#", ".NET" match
 * with their punctuation; CJK aliases match as substrings. Tokens that look like URLs or e-mail
 * addresses are skipped. Prose flags from the TSV: a '!' alias must be written in its own case
 * ("React" but not "react to"); a '?' alias ("Go", "C", "R", "Spring", "Research") must be in its
 * own case and either next to a surer skill mention with only list separators between (", / ; | &
 * + = ( ) and or 和 或 及 与 、"; two short ones vouch for each other: "C, R", but not "Research and
 * Teaching"), or, when two bytes or longer, right next to Chinese text ("用Go开发"); never before
 * '&', an apostrophe or a number ("R&D", "Spring 2014"). */
void skills_scan(const skills_taxonomy *t, const char *s, size_t n,
                 void (*fn)(const skills_entry *e, size_t off, size_t len, void *arg), void *arg);

/* Splits one line of a skills section into items and canonicalises each with skills_lookup;
 * calls fn for each item with its entry (NULL when unknown) and the item as printed (a span of
 * line, trimmed). Rules:
 * - leading bullets go; a category prefix before ':'/'：' or a spaced dash goes ("Programming:",
 *   "编程语言：", "Languages - "), unless what follows is only a proficiency ("Python: Advanced");
 *   the same holds inside one item ("Java: Spring");
 * - items are separated by , ， 、 ; ； | · • tab and the operators > < = ("C == Python > C++");
 * - within an item, / & " and " " or " 和 或 及, a blank-separated or letter-to-letter '+' and a line
 *   break split further unless the joined text is a known skill ("CI/CD", "TCP/IP", "UI/UX",
 *   "Test-Driven\nDevelopment" stay whole; "C/C++" gives C and C++), and only when that
 *   recognises something ("质量法规和标准" stays one unknown item);
 * - a parenthesis after an item is dropped when it is a proficiency or version ("(Advanced)",
 *   "(versions 2+)", "（熟练）", "(ES6+)"), otherwise its contents are items too
 *   ("NoSQL (MongoDB, Redis)", "多智能体系统（AutoGen/LangChain）");
 * - a leading proficiency ("Proficient in", "熟练掌握") or conjunction ("and Excel") goes;
 * - an unknown item that contains known skills gives those instead ("DevOps AWS", "HuggingFace
 *   Transformers 深度学习框架").
 * Items are reported in line order; the same skill may be reported twice. */
void skills_split_line(const skills_taxonomy *t, const char *line, size_t n,
                       void (*fn)(const skills_entry *e, const char *item, size_t len, void *arg), void *arg);

#endif

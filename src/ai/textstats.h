/* Language-aware statistics of one answer (English, Chinese, or both mixed) for the offline
 * scorer: words, sentences, fillers, hedges, STAR cues, connectives, numbers, technical terms,
 * first-person actions, repetition, and the bag of content terms that relevance and key-point
 * coverage compare. The phrase lists are shipped data (data/lexicon/NAME.txt, format in their
 * header comments), loaded once into an immutable lexicon that any number of threads share.
 *
 * Text is cut into units: an English word or number ("Node.js", "C++", "30ms", "k8s"), a Chinese
 * character, or '%'. English words are lowercased and lightly stemmed (plural, -ing, -ed,
 * -ization), so "caches"/"caching"/"cached" are one term. Chinese has no spaces, so its content
 * terms are character pairs (bigrams) within a clause, except where a known term (technical term,
 * synonym, taxonomy skill) covers the characters: "分布式锁" is one term, not three pairs.
 * Word count: Chinese characters count as 1/1.5 word each (the usual ~1.5 characters per word),
 * so a 300-character Chinese answer and a 200-word English one have the same length. */
#ifndef IG_AI_TEXTSTATS_H
#define IG_AI_TEXTSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "core/str.h"

typedef struct skills_taxonomy skills_taxonomy;
typedef struct textstats_lexicon textstats_lexicon;

/* Text past this many bytes is not analysed (cut at a character boundary). */
#define TEXTSTATS_MAX_BYTES 65536
/* How many examples of technical terms and numbers, as written, a textstats keeps. */
#define TEXTSTATS_EXAMPLES 4

/* The phrase classes of the lexicon that are counted (the files under data/lexicon/ name them in lower case:
 * "filler", "situation", "kp_result", ...). */
typedef enum textstats_class {
    TEXTSTATS_FILLER,
    TEXTSTATS_HEDGE,
    TEXTSTATS_SITUATION,
    TEXTSTATS_TASK,
    TEXTSTATS_ACTION,
    TEXTSTATS_RESULT,
    TEXTSTATS_REFLECTION,
    TEXTSTATS_WORK,
    TEXTSTATS_CAUSE,
    TEXTSTATS_ORDER,
    TEXTSTATS_EXAMPLE,
    TEXTSTATS_DEFINITION,
    TEXTSTATS_MECHANISM,
    TEXTSTATS_TRADEOFF,
    TEXTSTATS_NONANSWER,
    TEXTSTATS_VERB,
    TEXTSTATS_TECH,
    /* what a key point asks for (data/lexicon/keypoints.txt) */
    TEXTSTATS_KP_SITUATION,
    TEXTSTATS_KP_TASK,
    TEXTSTATS_KP_ACTION,
    TEXTSTATS_KP_RESULT,
    TEXTSTATS_KP_METRIC,
    TEXTSTATS_KP_LEARNING,
    TEXTSTATS_KP_EXAMPLE,
    TEXTSTATS_KP_TRADEOFF,
    TEXTSTATS_KP_CAUSE,
    TEXTSTATS_KP_ORDER,
    TEXTSTATS_KP_TECH,
    TEXTSTATS_NCLASSES
} textstats_class;

typedef enum textstats_lang {
    TEXTSTATS_LANG_NONE, /* no words at all */
    TEXTSTATS_LANG_EN,
    TEXTSTATS_LANG_ZH,
    TEXTSTATS_LANG_MIXED, /* both scripts, neither under a quarter of the words */
} textstats_lang;

/* One distinct content term: its hash and how often it occurs. */
typedef struct textstats_term {
    uint64_t h;
    uint32_t n;
} textstats_term;

typedef struct textstats {
    textstats_lang lang;
    size_t bytes;       /* bytes analysed */
    size_t units;       /* words, numbers and characters, as cut */
    size_t latin_words; /* English words and numbers */
    size_t cjk_chars;   /* Chinese (and Japanese) characters */
    double words;       /* latin_words + cjk_chars / 1.5 */
    size_t sentences;   /* non-empty sentences (. ! ? 。！？; and line breaks end one) */
    double max_sentence_words;
    size_t count[TEXTSTATS_NCLASSES]; /* phrase matches per class; overlapping ones of a class once */
    size_t first[TEXTSTATS_NCLASSES]; /* unit index of the first match, SIZE_MAX when none */
    size_t first_sentence[TEXTSTATS_NCLASSES]; /* its sentence index, SIZE_MAX when none */
    size_t numbers;        /* Arabic numerals ("30", "3.5", "30ms") */
    size_t quantities;     /* numbers that measure something (not a bare year), and 三倍 / 十万 / 百分之 */
    size_t percents;       /* numbers followed by % or "percent", and 百分之 */
    size_t tech_terms;     /* distinct technical terms */
    size_t fp_actions;     /* a verb shortly after I / we / 我 / 我们 in the same sentence */
    size_t function_words; /* English stop words and Chinese particles (的 了 是 ...) */
    size_t separators;     /* list punctuation between words: , 、 ; / and bullets */
    size_t content_terms;  /* content-term occurrences, in every sentence */
    double repetition;     /* distinct / all content-term occurrences; 1 when there are none */
    size_t anchored_sentences; /* sentences holding the reference (all without one) */
    size_t repeated_sentences; /* sentences that repeat an earlier one word for word: they count
                                  toward nothing */
    double anchored_words;     /* words of the sentences that count toward length (textstats_ref) */
    size_t counted_sentences;  /* those sentences */
    ig_str tech_seen[TEXTSTATS_EXAMPLES];   /* the first distinct technical terms, as written */
    size_t n_tech_seen;
    ig_str number_seen[TEXTSTATS_EXAMPLES]; /* the first quantities, as written ("30%", "200ms") */
    size_t n_number_seen;
    textstats_term *terms; /* distinct content terms of the sentences that count (see textstats_ref),
                              sorted by h; owned, textstats_free */
    size_t n_terms;
} textstats;

/* What a text answers, as sorted distinct term hashes (textstats.terms of the question and its key
 * points): a sentence holding one strong term or two weak ones is anchored (a Chinese character
 * pair, which may cross a word boundary, is weak even when strong; generic words count for
 * nothing), and the largest cluster of anchored sentences (at most three apart) is the text
 * proper. When a reference is given and some sentence is anchored, only that cluster, the opening
 * sentence and (in stories) a neighbouring sentence that holds one weak term or carries the story
 * on (the scene before, actions and outcome after) count toward the cue classes (all but filler,
 * hedge, nonanswer and kp_*), numbers, technical terms, actions and the bag of terms, and only the
 * cluster and the opening toward anchored_words: text about something else (padding) counts for
 * nothing. Sentences that repeat an earlier one count for nothing in any case. Borrowed. */
typedef struct textstats_ref {
    const uint64_t *strong;
    size_t n_strong;
    const uint64_t *weak;
    size_t n_weak;
    bool stories; /* a work-setting or technical term anchors too (behavioral answers are stories
                     that rarely repeat the question's words) */
} textstats_ref;

/* A lexicon source for textstats_lexicon_parse: name for messages, bytes borrowed. */
typedef struct textstats_source {
    const char *name;
    ig_str bytes;
} textstats_source;

/* Loads every embedded lexicon/NAME.txt. A malformed line is IG_EINVAL naming file and line.
 * *out is the caller's to textstats_lexicon_close; immutable, safe to share between threads. */
ig_status textstats_lexicon_open(textstats_lexicon **out, ig_err *err);
/* The same from the given sources (tests); the bytes are read during the call only. */
ig_status textstats_lexicon_parse(const textstats_source *src, size_t n, textstats_lexicon **out, ig_err *err);
void textstats_lexicon_close(textstats_lexicon *lx);

/* Analyses n bytes of text (any bytes: malformed UTF-8 separates words). tax (NULL: not used) adds
 * its skill names as technical terms and content terms; ref (NULL: none) see textstats_ref. *out
 * is filled completely (zeroed first) and the caller releases it with textstats_free, also on
 * failure. IG_ENOMEM only. */
ig_status textstats_analyze(const textstats_lexicon *lx, const skills_taxonomy *tax, const textstats_ref *ref,
                            const char *text, size_t n, textstats *out, ig_err *err);
void textstats_free(textstats *st);

/* Whether the content term h is a generic word (class common: "work", "时间"), weak evidence that
 * two texts share a topic. */
bool textstats_common(const textstats_lexicon *lx, uint64_t h);
/* Whether st holds the content term h. */
bool textstats_has_term(const textstats *st, uint64_t h);
/* How many of ref's distinct content terms occur in st. */
size_t textstats_overlap(const textstats *ref, const textstats *st);
/* The lexicon's name of a class ("filler", "kp_result"). */
const char *textstats_class_name(textstats_class c);

#endif

/* libFuzzer target for ai/textstats and ai/score: the input is a control byte (question type,
 * language, difficulty) and an answer of any bytes. Text statistics stay consistent (spans inside
 * the input, terms sorted and distinct, counted words within all words) with and without a
 * reference; scoring a fixed question yields a well-formed analysis object with every number in
 * 0..100, or IG_EINVAL for an answer over the cap, and never crashes. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ai/score.h"
#include "ai/textstats.h"
#include "core/utf8.h"
#include "parse/skills.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static skills_taxonomy *tax;
static textstats_lexicon *lx;
static score_ctx *scorer;

static const char QUESTION[] = "How do database indexes work, and when would you not add one? 索引为什么用B+树？";
static const char *const POINTS[] = {"An index is a sorted B-tree that points to rows",
                                     "Indexes slow down writes", "叶子节点相连，适合范围查询"};

static bool inside(ig_str s, const uint8_t *data, size_t size)
{
    return s.n > 0 && (const uint8_t *)s.p >= data && (const uint8_t *)s.p + s.n <= data + size;
}

static void check_stats(const textstats *st, const uint8_t *data, size_t size)
{
    if (st->bytes > size || st->bytes > TEXTSTATS_MAX_BYTES || st->anchored_words > st->words + 1e-6 ||
        st->counted_sentences > st->sentences || st->anchored_sentences > st->sentences ||
        st->repeated_sentences > st->sentences || st->repetition <= 0 || st->repetition > 1 ||
        st->quantities > st->units || st->percents > st->quantities || st->n_terms > st->content_terms)
        __builtin_trap();
    for (size_t i = 0; i < st->n_tech_seen; i++)
        if (!inside(st->tech_seen[i], data, size))
            __builtin_trap();
    for (size_t i = 0; i < st->n_number_seen; i++)
        if (!inside(st->number_seen[i], data, size))
            __builtin_trap();
    for (size_t i = 1; i < st->n_terms; i++)
        if (st->terms[i - 1].h >= st->terms[i].h)
            __builtin_trap();
    for (int c = 0; c < TEXTSTATS_NCLASSES; c++)
        if ((st->count[c] == 0) != (st->first[c] == SIZE_MAX) || (st->first[c] != SIZE_MAX && st->first[c] >= st->units))
            __builtin_trap();
}

static void check_analysis(const json_t *a, size_t n_points)
{
    static const char *const dims[] = {"relevance", "coverage", "depth", "structure", "clarity"};
    const json_t *s = json_object_get(a, "score"), *d = json_object_get(a, "dimensions");
    if (!json_is_integer(s) || json_integer_value(s) < 0 || json_integer_value(s) > 100 || !json_is_object(d))
        __builtin_trap();
    for (size_t i = 0; i < 5; i++) {
        const json_t *v = json_object_get(d, dims[i]);
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100)
            __builtin_trap();
    }
    if (!json_is_string(json_object_get(a, "feedback")) || !json_is_array(json_object_get(a, "strengths")) ||
        !json_is_array(json_object_get(a, "improvements")) ||
        json_array_size(json_object_get(a, "covered_points")) + json_array_size(json_object_get(a, "missing_points")) !=
            n_points ||
        strcmp(json_string_value(json_object_get(a, "engine")), "local") != 0)
        __builtin_trap();
    char *text = json_dumps(a, JSON_COMPACT);
    if (text == NULL)
        __builtin_trap();
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ig_err err;
    if (scorer == NULL && (skills_taxonomy_load(&tax, &err) != IG_OK || textstats_lexicon_open(&lx, &err) != IG_OK ||
                           score_ctx_open(tax, &scorer, &err) != IG_OK))
        abort();
    if (size == 0)
        return 0;
    static const char *const types[] = {"general", "technical", "behavioral", "project", "system_design"};
    static const char *const levels[] = {"easy", "medium", "hard"};
    unsigned ctl = data[0];
    const uint8_t *ans = data + 1;
    size_t n = size - 1;

    textstats q, plain, anchored;
    if (textstats_analyze(lx, tax, NULL, QUESTION, sizeof QUESTION - 1, &q, &err) != IG_OK)
        abort();
    uint64_t *h = malloc((q.n_terms + 1) * sizeof *h);
    if (h == NULL)
        abort();
    for (size_t i = 0; i < q.n_terms; i++)
        h[i] = q.terms[i].h;
    textstats_ref ref = {h, q.n_terms, h, q.n_terms, (ctl & 0x40) != 0};
    if (textstats_analyze(lx, (ctl & 0x80) ? tax : NULL, NULL, (const char *)ans, n, &plain, &err) != IG_OK ||
        textstats_analyze(lx, tax, &ref, (const char *)ans, n, &anchored, &err) != IG_OK)
        abort();
    check_stats(&plain, ans, n);
    check_stats(&anchored, ans, n);
    if (plain.units != anchored.units || plain.sentences != anchored.sentences)
        __builtin_trap();
    textstats_free(&q);
    textstats_free(&plain);
    textstats_free(&anchored);
    free(h);

    json_t *points = json_array(), *out = NULL;
    for (size_t i = 0; i < (ctl & 3u) && i < sizeof POINTS / sizeof POINTS[0]; i++)
        json_array_append_new(points, json_string(POINTS[i]));
    size_t n_points = json_array_size(points);
    json_t *req = json_pack("{s:s, s:o, s:s, s:s, s:s, s:o}", "question", QUESTION, "key_points", points, "type",
                            types[(ctl >> 2) % 5], (ctl & 0x20) ? "lang" : "language", (ctl & 0x10) ? "zh" : "en",
                            "difficulty", levels[(ctl >> 4) % 3], "answer", utf8_json_lossy((const char *)ans, n));
    if (req == NULL)
        abort();
    ig_status st = score_answer(scorer, req, &out, &err);
    if (st == IG_OK)
        check_analysis(out, n_points);
    else if (st != IG_EINVAL || json_string_length(json_object_get(req, "answer")) <= SCORE_ANSWER_MAX)
        __builtin_trap();
    json_decref(out);
    json_decref(req);
    return 0;
}

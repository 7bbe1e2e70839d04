/* Follow-up questions (see ai/followup.h). A bank prompt is matched to the missed points by the
 * words they share (English words of three letters or more, Chinese character pairs), so the
 * follow-up asks about what the candidate left out rather than the first prompt on file. */
#include "ai/followup.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/utf8.h"

#define POINT_BYTES 200 /* the most bytes of a missing point put into a question */

/* How many words or character pairs of point occur in text. */
static size_t shared_terms(const char *point, size_t pn, const char *text)
{
    size_t hits = 0, i = 0;
    while (i < pn) {
        unsigned char c = (unsigned char)point[i];
        if (isalnum(c)) {
            size_t st = i;
            while (i < pn && isalnum((unsigned char)point[i]))
                i++;
            if (i - st >= 3) {
                char word[64];
                size_t n = i - st < sizeof word - 1 ? i - st : sizeof word - 1;
                memcpy(word, point + st, n);
                word[n] = '\0';
                hits += strcasestr(text, word) != NULL;
            }
            continue;
        }
        uint32_t cp, next;
        size_t len = utf8_decode((const unsigned char *)point + i, pn - i, &cp);
        if (len == 0) {
            i++;
            continue;
        }
        if (cp >= 0x4E00 && cp <= 0x9FFF && i + len < pn) {
            size_t len2 = utf8_decode((const unsigned char *)point + i + len, pn - i - len, &next);
            if (len2 > 0 && next >= 0x4E00 && next <= 0x9FFF && len + len2 < 16) {
                char pair[16];
                memcpy(pair, point + i, len + len2);
                pair[len + len2] = '\0';
                hits += strstr(text, pair) != NULL;
            }
        }
        i += len;
    }
    return hits;
}

/* The follow-up prompt that shares the most with the missing points (the first on a tie); NULL
 * when there are none. */
static const char *best_prompt(const json_t *prompts, const json_t *missing)
{
    const char *best = NULL;
    size_t best_hits = 0, i, j;
    const json_t *p, *m;
    json_array_foreach(prompts, i, p) {
        const char *text = json_string_value(p);
        if (text == NULL || text[0] == '\0')
            continue;
        size_t hits = 0;
        json_array_foreach(missing, j, m) {
            /* the first missing point matters most */
            size_t h = shared_terms(json_string_value(m), json_string_length(m), text);
            hits += j == 0 ? 2 * h : h;
        }
        if (best == NULL || hits > best_hits) {
            best = text;
            best_hits = hits;
        }
    }
    return best;
}

/* s cut to at most max bytes on a character boundary, without closing punctuation. */
static size_t point_len(const char *s, size_t n, size_t max)
{
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    while (n > 0 && (s[n - 1] == '.' || s[n - 1] == ' ' || s[n - 1] == ';'))
        n--;
    while (n >= 3 && memcmp(s + n - 3, "\xE3\x80\x82", 3) == 0)
        n -= 3;
    return n;
}

ig_status followup_make(const json_t *req, json_t **out, ig_err *err)
{
    if (!json_is_object(req))
        return status_errf(err, IG_EINVAL, "the follow_up request must be a JSON object");
    const json_t *an = json_object_get(req, "analysis");
    if (!json_is_object(an))
        return status_errf(err, IG_EINVAL, "analysis must be the answer's analysis object");
    const json_t *lang = json_object_get(req, "language");
    if (lang == NULL || json_is_null(lang))
        lang = json_object_get(req, "lang");
    const char *l = json_string_value(lang);
    if (lang != NULL && !json_is_null(lang) && (l == NULL || (strcmp(l, "en") != 0 && strcmp(l, "zh") != 0)))
        return status_errf(err, IG_EINVAL, "language must be \"en\" or \"zh\"");
    bool zh = l != NULL && strcmp(l, "zh") == 0;
    const json_t *prompts = json_object_get(req, "follow_ups");
    if (prompts != NULL && !json_is_null(prompts) && !json_is_array(prompts))
        return status_errf(err, IG_EINVAL, "follow_ups must be an array of strings");
    const json_t *missing = json_object_get(an, "missing_points");
    if (missing != NULL && !json_is_array(missing))
        return status_errf(err, IG_EINVAL, "analysis.missing_points must be an array of strings");
    const json_t *cov = json_object_get(json_object_get(an, "dimensions"), "coverage");

    json_t *points = json_array();
    if (points == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory making a follow-up");
    size_t i;
    const json_t *m;
    json_array_foreach(missing, i, m) {
        size_t n = json_is_string(m) ? point_len(json_string_value(m), json_string_length(m), POINT_BYTES) : 0;
        if (n > 0 && json_array_size(points) < FOLLOWUP_POINTS_MAX)
            json_array_append_new(points, json_stringn(json_string_value(m), n));
    }
    bool covered = json_is_number(cov) && json_number_value(cov) >= FOLLOWUP_COVERAGE_MIN;
    if (json_array_size(points) == 0 || covered) {
        json_decref(points);
        *out = json_null();
        return IG_OK;
    }
    const char *prompt = best_prompt(prompts, points);
    json_t *text;
    if (prompt != NULL) {
        text = json_string(prompt);
    } else {
        const json_t *first = json_array_get(points, 0);
        ig_buf b;
        buf_init(&b, 1024);
        if (zh)
            buf_appendf(&b, "你没有提到%s：在这个问题里它起什么作用，你会怎么做？", json_string_value(first));
        else
            buf_appendf(&b, "You did not mention %s: how would it apply here, and what would you do about it?",
                        json_string_value(first));
        text = b.p != NULL ? json_string(b.p) : NULL;
        buf_free(&b);
    }
    json_t *q = json_pack("{s:o, s:o}", "question_text", text, "expected_points", points);
    if (q == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory making a follow-up");
    *out = q;
    return IG_OK;
}

/* The offline scorer: validates a score request, analyses the question, its key points and the
 * answer with ai/textstats, turns the statistics into five dimensions and a gated blend, and writes
 * the analysis object with feedback in the request's language. */
#include "ai/score.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ai/textstats.h"
#include "core/utf8.h"

struct score_ctx {
    textstats_lexicon *lx;
    const skills_taxonomy *tax;
};

typedef enum qtype { Q_GENERAL, Q_TECHNICAL, Q_BEHAVIORAL, Q_PROJECT, Q_SYSTEM_DESIGN } qtype;
typedef enum qlevel { L_EASY, L_MEDIUM, L_HARD } qlevel;

static const char *const TYPE_NAMES[] = {"general", "technical", "behavioral", "project", "system_design"};
static const char *const LEVEL_NAMES[] = {"easy", "medium", "hard"};

typedef struct request {
    const char *question, *answer;
    size_t question_len, answer_len;
    const char *points[SCORE_POINTS_MAX];
    size_t point_len[SCORE_POINTS_MAX];
    size_t n_points;
    qtype type;
    qlevel level;
    int lang; /* -1 unset, 0 en, 1 zh */
} request;

/* Everything measured about one answer, before the words are written. */
typedef struct measures {
    textstats q, a, k[SCORE_POINTS_MAX];
    bool covered[SCORE_POINTS_MAX];
    size_t n_covered, n_points; /* points with something to match */
    double rel, cov, depth, structure, clarity, score;
    double topical;   /* 0..1: how far the answer is on the question's topic */
    double stuffing;  /* 0..1: a list of keywords rather than an explanation */
    double copy;      /* 0..1: the question repeated */
    bool empty, nonanswer, offtopic, too_short, too_long;
    double lo, hi;    /* expected length, words */
    double fillers_per100, hedges_per100;
    bool star_s, star_t, star_a, star_r;
} measures;

ig_status score_ctx_open(const skills_taxonomy *tax, score_ctx **out, ig_err *err)
{
    *out = NULL;
    score_ctx *c = calloc(1, sizeof *c);
    if (c == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");
    ig_status st = textstats_lexicon_open(&c->lx, err);
    if (st != IG_OK) {
        free(c);
        return st;
    }
    c->tax = tax;
    *out = c;
    return IG_OK;
}

void score_ctx_close(score_ctx *ctx)
{
    if (ctx == NULL)
        return;
    textstats_lexicon_close(ctx->lx);
    free(ctx);
}

/* ---- the request ---- */

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return false;
    return true;
}

/* An optional string member: absent or null leaves *p NULL. */
static ig_status opt_string(const json_t *req, const char *key, const char **p, size_t *n, size_t max, ig_err *err)
{
    const json_t *v = json_object_get(req, key);
    *p = NULL;
    *n = 0;
    if (v == NULL || json_is_null(v))
        return IG_OK;
    if (!json_is_string(v))
        return status_errf(err, IG_EINVAL, "%s must be a string", key);
    *p = json_string_value(v);
    *n = json_string_length(v);
    if (*n > max)
        return status_errf(err, IG_EINVAL, "%s is longer than %zu bytes", key, max);
    return IG_OK;
}

static int name_index(const char *s, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

/* "en", "zh", and their regional forms ("zh-CN", "en_US"). */
static int lang_parse(const char *s, size_t n)
{
    if (n < 2 || (n > 2 && s[2] != '-' && s[2] != '_'))
        return -1;
    if (strncasecmp(s, "en", 2) == 0)
        return 0;
    if (strncasecmp(s, "zh", 2) == 0)
        return 1;
    return -1;
}

static ig_status parse_request(const json_t *req, request *r, ig_err *err)
{
    memset(r, 0, sizeof *r);
    r->lang = -1;
    r->level = L_MEDIUM;
    if (!json_is_object(req))
        return status_errf(err, IG_EINVAL, "the request must be a JSON object");
    const char *s;
    size_t n;
    ig_status st = opt_string(req, "question", &r->question, &r->question_len, SCORE_QUESTION_MAX, err);
    if (st != IG_OK)
        return st;
    if (r->question == NULL || blank(r->question, r->question_len))
        return status_errf(err, IG_EINVAL, "question is required");
    if ((st = opt_string(req, "answer", &r->answer, &r->answer_len, SCORE_ANSWER_MAX, err)) != IG_OK)
        return st;
    if (r->answer == NULL) {
        if (json_object_get(req, "answer") == NULL)
            return status_errf(err, IG_EINVAL, "answer is required (an empty string for no answer)");
        r->answer = "";
    }
    const json_t *kp = json_object_get(req, "key_points");
    if (kp != NULL && !json_is_null(kp)) {
        if (!json_is_array(kp))
            return status_errf(err, IG_EINVAL, "key_points must be an array of strings");
        if (json_array_size(kp) > SCORE_POINTS_MAX)
            return status_errf(err, IG_EINVAL, "key_points has more than %d entries", SCORE_POINTS_MAX);
        for (size_t i = 0; i < json_array_size(kp); i++) {
            const json_t *p = json_array_get(kp, i);
            if (!json_is_string(p))
                return status_errf(err, IG_EINVAL, "key_points[%zu] must be a string", i);
            n = json_string_length(p);
            if (n > SCORE_POINT_MAX)
                return status_errf(err, IG_EINVAL, "key_points[%zu] is longer than %d bytes", i, SCORE_POINT_MAX);
            if (blank(json_string_value(p), n))
                continue;
            r->points[r->n_points] = json_string_value(p);
            r->point_len[r->n_points++] = n;
        }
    }
    if ((st = opt_string(req, "type", &s, &n, 64, err)) != IG_OK)
        return st;
    if (s != NULL) {
        int t = name_index(s, TYPE_NAMES, 5);
        if (t < 0)
            return status_errf(err, IG_EINVAL,
                               "type must be general, technical, behavioral, project or system_design");
        r->type = (qtype)t;
    }
    if ((st = opt_string(req, "difficulty", &s, &n, 64, err)) != IG_OK)
        return st;
    if (s != NULL) {
        int l = name_index(s, LEVEL_NAMES, 3);
        if (l < 0)
            return status_errf(err, IG_EINVAL, "difficulty must be easy, medium or hard");
        r->level = (qlevel)l;
    }
    if ((st = opt_string(req, "skill", &s, &n, 200, err)) != IG_OK)
        return st;
    const char *lk = json_object_get(req, "language") ? "language" : "lang";
    if ((st = opt_string(req, lk, &s, &n, 64, err)) != IG_OK)
        return st;
    if (s != NULL && (r->lang = lang_parse(s, n)) < 0)
        return status_errf(err, IG_EINVAL, "%s must be en or zh", lk);
    return IG_OK;
}

/* ---- measuring ---- */

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* x against a target: 1 at or above it. */
static double sat(double x, double target)
{
    return target <= 0 ? 1 : clamp01(x / target);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The distinct terms of every key point, sorted, in *out (caller frees); IG_ENOMEM only. */
static ig_status union_terms(const measures *m, size_t n_points, uint64_t **out, size_t *n)
{
    size_t total = 0;
    for (size_t i = 0; i < n_points; i++)
        total += m->k[i].n_terms;
    uint64_t *h = malloc((total + 1) * sizeof *h);
    if (h == NULL)
        return IG_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n_points; i++)
        for (size_t j = 0; j < m->k[i].n_terms; j++)
            h[k++] = m->k[i].terms[j].h;
    qsort(h, k, sizeof *h, cmp_u64);
    size_t d = 0;
    for (size_t i = 0; i < k; i++)
        if (d == 0 || h[d - 1] != h[i])
            h[d++] = h[i];
    *out = h;
    *n = d;
    return IG_OK;
}

/* The terms that alone tie a sentence to the question: the question's, and for technical and
 * design questions, whose key points are specific, the key points' too. */
static ig_status strong_terms(const score_ctx *ctx, const measures *m, const request *r, const uint64_t *ref,
                              size_t n_ref, uint64_t **out, size_t *n)
{
    bool specific = r->type == Q_TECHNICAL || r->type == Q_SYSTEM_DESIGN;
    size_t k = 0, cap = m->q.n_terms + (specific ? n_ref : 0);
    uint64_t *h = malloc((cap + 1) * sizeof *h);
    if (h == NULL)
        return IG_ENOMEM;
    for (size_t i = 0; i < m->q.n_terms; i++)
        if (!textstats_common(ctx->lx, m->q.terms[i].h))
            h[k++] = m->q.terms[i].h;
    for (size_t i = 0; specific && i < n_ref; i++)
        if (!textstats_common(ctx->lx, ref[i]))
            h[k++] = ref[i];
    qsort(h, k, sizeof *h, cmp_u64);
    size_t d = 0;
    for (size_t i = 0; i < k; i++)
        if (d == 0 || h[d - 1] != h[i])
            h[d++] = h[i];
    *out = h;
    *n = d;
    return IG_OK;
}

static bool in_sorted(const uint64_t *h, size_t n, uint64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (h[mid] == x)
            return true;
        if (h[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* Whether the answer shows the kind of content a key point's cue asks for. */
static bool cue_met(const textstats *a, int cue)
{
    const size_t *c = a->count;
    switch (cue) {
    case TEXTSTATS_KP_SITUATION: return c[TEXTSTATS_SITUATION] > 0;
    case TEXTSTATS_KP_TASK: return c[TEXTSTATS_TASK] > 0 || c[TEXTSTATS_SITUATION] > 1;
    case TEXTSTATS_KP_ACTION: return c[TEXTSTATS_ACTION] > 0 || a->fp_actions >= 2;
    case TEXTSTATS_KP_RESULT: return c[TEXTSTATS_RESULT] > 0;
    case TEXTSTATS_KP_METRIC: return a->quantities > 0;
    case TEXTSTATS_KP_LEARNING: return c[TEXTSTATS_REFLECTION] > 0;
    case TEXTSTATS_KP_EXAMPLE: return c[TEXTSTATS_EXAMPLE] > 0 || c[TEXTSTATS_SITUATION] > 0;
    case TEXTSTATS_KP_TRADEOFF: return c[TEXTSTATS_TRADEOFF] > 0;
    case TEXTSTATS_KP_CAUSE: return c[TEXTSTATS_CAUSE] > 0;
    case TEXTSTATS_KP_ORDER: return c[TEXTSTATS_ORDER] > 0 || a->counted_sentences >= 4;
    case TEXTSTATS_KP_TECH: return a->tech_terms >= 2;
    default: return false;
    }
}

/* How much a shared term says: generic words ("work", "时间") little. */
static double weight(const score_ctx *ctx, uint64_t h)
{
    return textstats_common(ctx->lx, h) ? 0.3 : 1;
}

/* The weighted share of ref's terms that st holds, and ref's weighted size. */
static double share(const score_ctx *ctx, const textstats *ref, const textstats *st, double *total)
{
    double all = 0, hit = 0;
    for (size_t i = 0; i < ref->n_terms; i++) {
        double w = weight(ctx, ref->terms[i].h);
        all += w;
        if (textstats_has_term(st, ref->terms[i].h))
            hit += w;
    }
    *total = all;
    return hit;
}

static void relevance_coverage(const score_ctx *ctx, measures *m, const request *r, const uint64_t *ref,
                               size_t n_ref)
{
    const textstats *a = &m->a, *q = &m->q;
    double nq, hq = share(ctx, q, a, &nq), nk = 0, hk = 0;
    for (size_t i = 0; i < n_ref; i++) {
        double w = weight(ctx, ref[i]);
        nk += w;
        hk += textstats_has_term(a, ref[i]) ? w : 0;
    }
    double fk = nk > 0 ? hk / nk : 0;
    double fq = nq > 0 ? hq / nq : fk;
    if (nk == 0)
        fk = fq;
    /* how much of what the answer says is about the question */
    double on = 0;
    for (size_t i = 0; i < a->n_terms; i++)
        if (in_sorted(ref, n_ref, a->terms[i].h) || textstats_has_term(q, a->terms[i].h))
            on += a->terms[i].n * weight(ctx, a->terms[i].h);
    double focus = a->content_terms ? on / (double)a->content_terms : 0;
    /* On the topic: the question's own terms anchor it. The key points of technical and design
     * questions are specific ("token bucket", "B+树") and count as much; those of behavioral and
     * general ones are worded generically ("the steps you took") and count less. Chinese terms are
     * character pairs, some across word boundaries that never match, so the same evidence is a
     * smaller fraction. */
    double zq = q->lang == TEXTSTATS_LANG_ZH ? 0.7 : 1;
    bool specific = r->type == Q_TECHNICAL || r->type == Q_SYSTEM_DESIGN;
    double by_points = specific || q->n_terms == 0 ? sat(fk, 0.25 * zq) : 0.6 * sat(fk, 0.5 * zq);
    m->topical = fmax(nq > 0 ? sat(fq, 0.2 * zq) : 0, by_points);
    if (r->type == Q_BEHAVIORAL || r->type == Q_PROJECT || r->type == Q_GENERAL) {
        /* a work story with a shape (scene, actions, outcome) answers a behavioral prompt in
         * part even in other words; not fully, so the cue-based coverage stays out of reach */
        const size_t *c = a->count;
        int parts = (c[TEXTSTATS_SITUATION] > 0) + (c[TEXTSTATS_TASK] > 0) +
                    (c[TEXTSTATS_ACTION] > 0 || a->fp_actions >= 2) + (c[TEXTSTATS_RESULT] > 0) +
                    (c[TEXTSTATS_REFLECTION] > 0);
        double story = sat((double)c[TEXTSTATS_WORK], 4) * (parts >= 2 ? 1 : 0.5);
        m->topical = fmax(m->topical, 0.6 * story);
    }
    m->rel = 100 * (0.4 * sat(fk, 0.5) + 0.35 * sat(fq, 0.5) + 0.25 * sat(focus, 0.2)) *
             (0.5 + 0.5 * m->topical);

    double sum = 0;
    m->n_points = 0;
    m->n_covered = 0;
    for (size_t i = 0; i < r->n_points; i++) {
        const textstats *k = &m->k[i];
        double ni, hi = share(ctx, k, a, &ni);
        bool has_cue = false, cues_ok = true;
        for (int c = TEXTSTATS_KP_SITUATION; c <= TEXTSTATS_KP_TECH; c++) {
            if (k->count[c] == 0)
                continue;
            has_cue = true;
            cues_ok = cues_ok && cue_met(a, c);
        }
        if (ni <= 0 && !has_cue) {
            m->covered[i] = false;
            continue;
        }
        m->n_points++;
        /* hits needed: half the terms (under a third in Chinese, whose pairs are noisier), but
         * fewer for long points, which often list alternatives ("token bucket, sliding window") */
        double thr = k->lang == TEXTSTATS_LANG_ZH ? 0.3 : 0.5;
        double need = fmax(1, fmin(ceil(thr * ni), 1 + ceil(0.3 * fmax(0, ni - 1))));
        need = fmin(need, ni);
        double frac = ni > 0 ? hi / need : 0;
        bool cov = ni > 0 && frac >= 0.999 && m->topical >= 0.5;
        /* the kind of content asked for, shown: enough for a short point ("share the measurable
         * outcome"), or for a longer one half matched; technical points are about their terms */
        if (!cov && has_cue && cues_ok && m->topical >= 0.6 && (ni <= 3 || (!specific && frac >= 0.5)))
            cov = true;
        m->covered[i] = cov;
        m->n_covered += cov;
        sum += cov ? 1 : 0.7 * clamp01(frac) * m->topical;
    }
    m->cov = m->n_points ? 100 * sum / (double)m->n_points * (0.5 + 0.5 * m->topical) : m->rel;
}

/* Keyword lists: few function words, sentences or connectives for the terms they carry. */
static void detect_gaming(measures *m)
{
    const textstats *a = &m->a, *q = &m->q;
    double chars = (double)(a->latin_words + a->cjk_chars);
    if (chars < 1)
        return;
    double en_share = (double)a->latin_words / (a->words > 0 ? a->words : 1);
    double expect = 0.3 * clamp01(en_share) + 0.1 * (1 - clamp01(en_share));
    double fluency = clamp01(((double)a->function_words / chars) / expect);
    size_t conn = a->count[TEXTSTATS_CAUSE] + a->count[TEXTSTATS_MECHANISM] + a->count[TEXTSTATS_EXAMPLE] +
                  a->count[TEXTSTATS_DEFINITION] + a->count[TEXTSTATS_TRADEOFF];
    double list = (double)a->separators / (a->words > 0 ? a->words : 1);
    double s = clamp01((0.55 - fluency) / 0.35);
    if (list > 0.2 && conn == 0)
        s = fmax(s, clamp01((list - 0.2) / 0.2));
    if ((double)a->tech_terms / (a->words > 0 ? a->words : 1) > 0.3 && conn == 0 && a->fp_actions == 0)
        s = fmax(s, 0.6);
    if (a->words < 8)
        s *= a->words / 8;
    m->stuffing = s;

    /* the question given back: nearly every term is the question's and little is new */
    size_t in_q = textstats_overlap(a, q);
    size_t own = a->n_terms - in_q;
    double echo = a->n_terms ? (double)in_q / (double)a->n_terms : 0;
    if (echo >= 0.6 && own <= 3 && a->anchored_words <= 1.5 * q->words + 5)
        m->copy = clamp01((echo - 0.5) / 0.4);
}

static double depth_of(const measures *m, qtype t)
{
    const textstats *a = &m->a;
    const size_t *c = a->count;
    double f[8] = {
        sat((double)a->tech_terms, t == Q_TECHNICAL || t == Q_SYSTEM_DESIGN ? 5 : t == Q_PROJECT ? 4 : 2),
        sat((double)a->quantities, 2),
        sat((double)c[TEXTSTATS_RESULT], 2),
        sat((double)(c[TEXTSTATS_EXAMPLE] + c[TEXTSTATS_SITUATION]), 2),
        sat((double)c[TEXTSTATS_CAUSE], 3),
        sat((double)c[TEXTSTATS_MECHANISM], 3),
        sat((double)c[TEXTSTATS_TRADEOFF], 2),
        sat((double)a->fp_actions, 3),
    };
    /* tech, numbers, outcome, example, reasons, mechanism, trade-offs, own actions */
    static const double w[5][8] = {
        [Q_GENERAL] = {.08, .15, .15, .25, .20, 0, .02, .15},
        [Q_TECHNICAL] = {.25, .08, 0, .15, .15, .20, .17, 0},
        [Q_BEHAVIORAL] = {.08, .20, .20, .15, .12, 0, 0, .25},
        [Q_PROJECT] = {.20, .18, .14, 0, .14, .08, .10, .16},
        [Q_SYSTEM_DESIGN] = {.25, .15, 0, .08, .15, .15, .22, 0},
    };
    double d = 0;
    for (int i = 0; i < 8; i++)
        d += w[t][i] * f[i];
    return 100 * d;
}

static double star_of(measures *m)
{
    const textstats *a = &m->a;
    const size_t *c = a->count;
    m->star_s = c[TEXTSTATS_SITUATION] > 0;
    m->star_t = c[TEXTSTATS_TASK] > 0;
    m->star_a = c[TEXTSTATS_ACTION] > 0 || a->fp_actions >= 2;
    m->star_r = c[TEXTSTATS_RESULT] > 0;
    double s = 0.2 * m->star_s + 0.15 * m->star_t + 0.35 * m->star_a + 0.3 * m->star_r;
    /* told in order: the scene before the result */
    if (m->star_s && m->star_r && a->first[TEXTSTATS_SITUATION] < a->first[TEXTSTATS_RESULT])
        s += 0.1;
    if (c[TEXTSTATS_REFLECTION] > 0)
        s += 0.1;
    return clamp01(s);
}

static double structure_of(measures *m, qtype t)
{
    const textstats *a = &m->a;
    const size_t *c = a->count;
    double sent3 = 0.5 + 0.5 * sat((double)a->counted_sentences, 3);
    double star = star_of(m);
    bool def = a->first_sentence[TEXTSTATS_DEFINITION] <= 1;
    double s;
    switch (t) {
    case Q_BEHAVIORAL:
        s = star * (0.5 + 0.5 * sat((double)a->counted_sentences, 4));
        break;
    case Q_PROJECT:
        s = (0.65 * star + 0.35 * (0.5 * sat((double)(c[TEXTSTATS_MECHANISM] + c[TEXTSTATS_TRADEOFF]), 2) +
                                    0.5 * sat((double)c[TEXTSTATS_CAUSE], 1))) *
            sent3;
        break;
    case Q_TECHNICAL:
        s = (0.25 * def + 0.3 * sat((double)c[TEXTSTATS_MECHANISM], 2) +
             0.25 * sat((double)(c[TEXTSTATS_EXAMPLE] + c[TEXTSTATS_SITUATION]), 1) +
             0.2 * sat((double)c[TEXTSTATS_TRADEOFF], 1) + 0.1 * sat((double)c[TEXTSTATS_ORDER], 2)) *
            sent3;
        break;
    case Q_SYSTEM_DESIGN:
        s = (0.25 * sat((double)c[TEXTSTATS_ORDER], 2) + 0.2 * sat((double)c[TEXTSTATS_MECHANISM], 2) +
             0.3 * sat((double)c[TEXTSTATS_TRADEOFF], 2) + 0.15 * sat((double)a->quantities, 1) +
             0.1 * sat((double)(c[TEXTSTATS_EXAMPLE] + c[TEXTSTATS_DEFINITION]), 1)) *
            (0.5 + 0.5 * sat((double)a->counted_sentences, 5));
        break;
    default:
        s = (0.3 * sat((double)c[TEXTSTATS_CAUSE], 2) +
             0.3 * sat((double)(c[TEXTSTATS_EXAMPLE] + c[TEXTSTATS_SITUATION]), 1) +
             0.2 * sat((double)c[TEXTSTATS_ORDER], 2) +
             0.2 * sat((double)(c[TEXTSTATS_RESULT] + c[TEXTSTATS_REFLECTION]), 1)) *
            sent3;
        break;
    }
    return 100 * clamp01(s);
}

static double clarity_of(measures *m, qtype t, qlevel l)
{
    static const double range[5][2] = {
        [Q_GENERAL] = {50, 220},     [Q_TECHNICAL] = {60, 250},       [Q_BEHAVIORAL] = {100, 320},
        [Q_PROJECT] = {100, 350},    [Q_SYSTEM_DESIGN] = {120, 450},
    };
    static const double lo_f[3] = {0.75, 1, 1.25}, hi_f[3] = {0.85, 1, 1.2};
    const textstats *a = &m->a;
    double w = a->words, on = a->anchored_words; /* words about something else earn no length */
    m->lo = range[t][0] * lo_f[l];
    m->hi = range[t][1] * hi_f[l];
    double len = 1;
    if (on < m->lo) {
        len = pow(on / m->lo, 1.3);
        m->too_short = on < 0.7 * m->lo;
    } else if (w > m->hi) {
        len = fmax(0.55, 1 - (w - m->hi) / (1.5 * m->hi));
        m->too_long = w > 1.2 * m->hi;
    }
    m->fillers_per100 = w > 0 ? 100 * (double)a->count[TEXTSTATS_FILLER] / w : 0;
    m->hedges_per100 = w > 0 ? 100 * (double)a->count[TEXTSTATS_HEDGE] / w : 0;
    double pen = fmin(0.45, 0.07 * fmax(0, m->fillers_per100 - 1));
    pen += fmin(0.3, 0.06 * fmax(0, m->hedges_per100 - 1));
    if (a->repetition < 0.5 && a->content_terms >= 20)
        pen += fmin(0.35, (0.5 - a->repetition) * 1.2);
    double mean = a->counted_sentences ? on / (double)a->counted_sentences : on;
    if (mean > 35)
        pen += fmin(0.2, (mean - 35) / 100);
    return 100 * len * clamp01(1 - pen);
}

static ig_status measure(const score_ctx *ctx, const request *r, measures *m, ig_err *err)
{
    uint64_t *ref = NULL, *strong = NULL;
    size_t n_ref = 0, n_strong = 0;
    ig_status st = textstats_analyze(ctx->lx, ctx->tax, NULL, r->question, r->question_len, &m->q, err);
    for (size_t i = 0; st == IG_OK && i < r->n_points; i++)
        st = textstats_analyze(ctx->lx, ctx->tax, NULL, r->points[i], r->point_len[i], &m->k[i], err);
    if (st == IG_OK && (union_terms(m, r->n_points, &ref, &n_ref) != IG_OK ||
                        strong_terms(ctx, m, r, ref, n_ref, &strong, &n_strong) != IG_OK))
        st = status_errf(err, IG_ENOMEM, "out of memory");
    if (st == IG_OK) {
        /* only sentences about the question count toward depth, structure and length */
        textstats_ref tr = {strong, n_strong, ref, n_ref, r->type != Q_TECHNICAL && r->type != Q_SYSTEM_DESIGN};
        st = textstats_analyze(ctx->lx, ctx->tax, &tr, r->answer, r->answer_len, &m->a, err);
    }
    free(strong);
    if (st != IG_OK) {
        free(ref);
        return st;
    }
    const textstats *a = &m->a;
    m->empty = a->units == 0 || a->words < 1;
    if (m->empty) {
        m->n_points = 0;
        for (size_t i = 0; i < r->n_points; i++)
            m->n_points += m->k[i].n_terms > 0;
        clarity_of(m, r->type, r->level);
        free(ref);
        return IG_OK;
    }
    relevance_coverage(ctx, m, r, ref, n_ref);
    free(ref);
    detect_gaming(m);
    double depth = depth_of(m, r->type), structure = structure_of(m, r->type);
    m->clarity = clarity_of(m, r->type, r->level);
    /* on topic at all: depth, structure and clarity count only this far */
    /* a story rarely repeats the question's words: for behavioral questions coverage (which reads
     * STAR cues) says more than relevance (which reads shared terms) */
    double wr = r->type == Q_BEHAVIORAL ? 0.14 : 0.20, wc = 0.50 - wr;
    double topical = (wr * m->rel + wc * m->cov) / 0.5;
    double gate = clamp01((topical - 15) / 40);
    m->offtopic = topical < 20 && m->q.n_terms > 0; /* "tell me about yourself" names no topic */
    m->depth = depth * (1 - 0.7 * m->stuffing) * gate;
    m->structure = structure * (1 - 0.6 * m->stuffing) * gate;
    double s = wc * m->cov + wr * m->rel + 0.22 * m->depth + 0.14 * m->structure + 0.14 * gate * m->clarity;
    s *= (1 - 0.5 * m->stuffing) * (1 - 0.85 * m->copy);
    m->nonanswer = a->count[TEXTSTATS_NONANSWER] > 0 && a->anchored_words < 30;
    if (m->nonanswer)
        s = fmin(s, 10);
    m->score = s;
    return IG_OK;
}

/* ---- words ---- */

typedef enum msg {
    M_EMPTY, M_NONANSWER, M_COPY, M_OFFTOPIC, M_STUFFING, M_POINT, M_RESULT, M_METRIC, M_SCALE, M_SITUATION,
    M_ACTION, M_REFLECTION, M_EXAMPLE, M_MECHANISM, M_DEFINITION, M_TRADEOFF, M_CAUSE, M_TECH, M_ORDER,
    M_SHORT, M_LONG, M_FILLER, M_HEDGE, M_REPEAT, M_SENTENCE, M_COUNT
} msg;

/* Improvements, [en, zh]; M_POINT, M_SHORT and M_LONG take arguments. */
static const char *const IMPROVE[M_COUNT][2] = {
    [M_EMPTY] = {"Give an answer, even a short one: state your main point first.",
                 "请作答，哪怕简短：先说出核心观点。"},
    [M_NONANSWER] = {"If you are unsure, say what you do know and how you would find out the rest.",
                     "如果不确定，说说你知道的部分，以及你会如何弄清楚其余部分。"},
    [M_COPY] = {"Answer the question instead of restating it.", "不要复述问题，请直接回答。"},
    [M_OFFTOPIC] = {"Answer the question that was asked and stay on its topic.", "紧扣问题作答，不要偏题。"},
    [M_STUFFING] = {"Explain the terms you list: how they work and how you used them, in full sentences.",
                    "不要只罗列关键词：用完整的句子解释它们如何工作、你如何使用。"},
    [M_POINT] = {"Cover: %s", "补充要点：%s"},
    [M_RESULT] = {"Mention the result: what changed, and by how much.", "说明结果：带来了什么变化，量化说明。"},
    [M_METRIC] = {"Quantify the impact with numbers: time saved, latency, users, cost.",
                  "用数据量化影响：节省的时间、延迟、用户数、成本等。"},
    [M_SCALE] = {"Estimate the scale with numbers: requests per second, data size, growth.",
                 "用数字估算规模：每秒请求量、数据量、增长速度。"},
    [M_SITUATION] = {"Set the scene first: where you were, and what was at stake.",
                     "先交代背景：当时的情况和面临的问题。"},
    [M_ACTION] = {"Say what you did yourself (\"I ...\"), step by step, not only what the team did.",
                  "讲清你本人具体做了什么（“我……”），按步骤说明，而不只是团队做了什么。"},
    [M_REFLECTION] = {"Close with what you learned, or what you would do differently.",
                      "最后谈谈你的收获，或下次会如何改进。"},
    [M_EXAMPLE] = {"Give a concrete example, ideally from a real project.", "举一个具体例子，最好来自真实项目。"},
    [M_MECHANISM] = {"Explain how it works, not only what it is.", "解释其工作原理，而不仅是它是什么。"},
    [M_DEFINITION] = {"Open with a one-sentence definition.", "先用一句话给出定义。"},
    [M_TRADEOFF] = {"Discuss trade-offs: what it costs, and when you would choose something else.",
                    "分析权衡：代价是什么，什么情况下会选择其他方案。"},
    [M_CAUSE] = {"Explain why: the reasons behind your choices (\"because ...\", \"so that ...\").",
                 "说明原因：为什么这样做（“因为……所以……”）。"},
    [M_TECH] = {"Name the concrete technologies and techniques involved.", "点明涉及的具体技术和方法。"},
    [M_ORDER] = {"Structure it in steps: first ..., then ..., finally ....", "分步骤组织回答：首先……其次……最后……。"},
    [M_SHORT] = {"Develop the answer: about %.0f-%.0f words lets you show depth.",
                 "回答过于简短：建议展开到约 %.0f-%.0f 字。"},
    [M_LONG] = {"Tighten it: the essentials fit in about %.0f words.", "回答过长：精简到约 %.0f 字以内。"},
    [M_FILLER] = {"Cut filler words such as \"um\", \"like\" and \"you know\".",
                  "减少口头禅，如“嗯”“然后”“就是”。"},
    [M_HEDGE] = {"Sound more certain: drop hedges such as \"I think\" and \"maybe\".",
                 "表达更肯定一些，少用“可能”“我觉得”等模糊的词。"},
    [M_REPEAT] = {"Avoid repeating yourself; use the time for new information.", "避免重复表述，用新的信息充实回答。"},
    [M_SENTENCE] = {"Use shorter sentences, one idea each.", "句子太长，拆成短句，一句一个要点。"},
};

typedef enum good {
    G_POINTS, G_TECH, G_NUMBERS, G_STAR, G_OWNERSHIP, G_STRUCTURE, G_TRADEOFF, G_CAUSE, G_EXAMPLE, G_REFLECTION,
    G_DELIVERY, G_COUNT
} good;

static const char *const STRENGTH[G_COUNT][2] = {
    [G_POINTS] = {"Covered %zu of %zu key points.", "覆盖了 %zu/%zu 个要点。"},
    [G_TECH] = {"Named concrete technologies: %s.", "提到了具体技术：%s。"},
    [G_NUMBERS] = {"Backed it with numbers: %s.", "用数据说话：%s。"},
    [G_STAR] = {"Clear STAR structure: situation, action and result.", "STAR 结构清晰：有背景、行动和结果。"},
    [G_OWNERSHIP] = {"Made your own actions clear.", "清楚说明了你本人的具体行动。"},
    [G_STRUCTURE] = {"Well organised: definition, how it works, then an example.",
                     "结构清晰：先定义，再讲原理，再举例。"},
    [G_TRADEOFF] = {"Weighed the trade-offs.", "分析了利弊权衡。"},
    [G_CAUSE] = {"Explained the reasoning behind the choices.", "解释了决策背后的原因。"},
    [G_EXAMPLE] = {"Grounded it in a concrete example.", "结合了具体的例子。"},
    [G_REFLECTION] = {"Reflected on what you learned.", "有反思和总结。"},
    [G_DELIVERY] = {"Concise and confident, with little filler.", "表达简洁自信，口头禅少。"},
};

#define LIST_MAX 4

typedef struct texts {
    char improve[8][1200];
    bool is_point[8]; /* a "Cover: <point>" entry */
    size_t n_improve;
    char strength[LIST_MAX][600];
    size_t n_strength;
} texts;

static void improve(texts *t, int zh, msg k, ...)
{
    if (t->n_improve >= 8)
        return;
    va_list ap;
    va_start(ap, k);
    t->is_point[t->n_improve] = k == M_POINT;
    vsnprintf(t->improve[t->n_improve++], sizeof t->improve[0], IMPROVE[k][zh], ap);
    va_end(ap);
}

static void strength(texts *t, int zh, good k, ...)
{
    if (t->n_strength >= LIST_MAX)
        return;
    va_list ap;
    va_start(ap, k);
    vsnprintf(t->strength[t->n_strength++], sizeof t->strength[0], STRENGTH[k][zh], ap);
    va_end(ap);
}

/* Up to three examples joined: "Redis, Kafka" / "Redis、Kafka". */
static void join(char *buf, size_t cap, const ig_str *ex, size_t n, int zh)
{
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && i < 3; i++) {
        int w = snprintf(buf + k, cap - k, "%s%.*s", i == 0 ? "" : zh ? "、" : ", ", (int)(ex[i].n > 60 ? 60 : ex[i].n),
                         ex[i].p);
        if (w < 0 || (size_t)w >= cap - k)
            break;
        k += (size_t)w;
    }
}

static void choose_improvements(const measures *m, const request *r, texts *t, int zh)
{
    const textstats *a = &m->a;
    const size_t *c = a->count;
    if (m->empty) {
        improve(t, zh, M_EMPTY);
        return;
    }
    if (m->nonanswer)
        improve(t, zh, M_NONANSWER);
    if (m->copy >= 0.5)
        improve(t, zh, M_COPY);
    if (m->stuffing >= 0.5)
        improve(t, zh, M_STUFFING);
    if (m->offtopic && m->copy < 0.5)
        improve(t, zh, M_OFFTOPIC);
    /* the first missing points by name; what they ask for is then not asked again in general */
    size_t shown = 0;
    unsigned asked = 0;
    for (size_t i = 0; i < r->n_points && shown < 2; i++) {
        if (m->covered[i])
            continue;
        improve(t, zh, M_POINT, r->points[i]);
        shown++;
        for (int cue = TEXTSTATS_KP_SITUATION; cue <= TEXTSTATS_KP_TECH; cue++)
            if (m->k[i].count[cue] > 0)
                asked |= 1u << (cue - TEXTSTATS_KP_SITUATION);
    }
#define ASKED(c) (asked & (1u << ((c) - TEXTSTATS_KP_SITUATION)))
    switch (r->type) {
    case Q_BEHAVIORAL:
        if (!m->star_r && !ASKED(TEXTSTATS_KP_RESULT))
            improve(t, zh, M_RESULT);
        if (a->quantities == 0 && !ASKED(TEXTSTATS_KP_METRIC))
            improve(t, zh, M_METRIC);
        if (!m->star_s && !ASKED(TEXTSTATS_KP_SITUATION))
            improve(t, zh, M_SITUATION);
        if (!m->star_a && !ASKED(TEXTSTATS_KP_ACTION))
            improve(t, zh, M_ACTION);
        if (c[TEXTSTATS_REFLECTION] == 0 && !ASKED(TEXTSTATS_KP_LEARNING))
            improve(t, zh, M_REFLECTION);
        break;
    case Q_PROJECT:
        if (a->tech_terms < 2 && !ASKED(TEXTSTATS_KP_TECH))
            improve(t, zh, M_TECH);
        if (!m->star_r && !ASKED(TEXTSTATS_KP_RESULT))
            improve(t, zh, M_RESULT);
        if (a->quantities == 0 && !ASKED(TEXTSTATS_KP_METRIC))
            improve(t, zh, M_METRIC);
        if (c[TEXTSTATS_TRADEOFF] == 0 && !ASKED(TEXTSTATS_KP_TRADEOFF))
            improve(t, zh, M_TRADEOFF);
        if (c[TEXTSTATS_CAUSE] == 0 && !ASKED(TEXTSTATS_KP_CAUSE))
            improve(t, zh, M_CAUSE);
        break;
    case Q_TECHNICAL:
        if (c[TEXTSTATS_MECHANISM] == 0)
            improve(t, zh, M_MECHANISM);
        if (c[TEXTSTATS_EXAMPLE] + c[TEXTSTATS_SITUATION] == 0 && a->quantities < 2 && !ASKED(TEXTSTATS_KP_EXAMPLE))
            improve(t, zh, M_EXAMPLE);
        if (c[TEXTSTATS_TRADEOFF] == 0 && r->level != L_EASY && !ASKED(TEXTSTATS_KP_TRADEOFF))
            improve(t, zh, M_TRADEOFF);
        if (a->first_sentence[TEXTSTATS_DEFINITION] > 1)
            improve(t, zh, M_DEFINITION);
        break;
    case Q_SYSTEM_DESIGN:
        if (c[TEXTSTATS_ORDER] == 0 && a->counted_sentences < 5 && !ASKED(TEXTSTATS_KP_ORDER))
            improve(t, zh, M_ORDER);
        if (c[TEXTSTATS_TRADEOFF] == 0 && !ASKED(TEXTSTATS_KP_TRADEOFF))
            improve(t, zh, M_TRADEOFF);
        if (a->quantities == 0 && !ASKED(TEXTSTATS_KP_METRIC))
            improve(t, zh, M_SCALE);
        if (a->tech_terms < 3 && !ASKED(TEXTSTATS_KP_TECH))
            improve(t, zh, M_TECH);
        break;
    default:
        if (c[TEXTSTATS_EXAMPLE] + c[TEXTSTATS_SITUATION] == 0 && !ASKED(TEXTSTATS_KP_EXAMPLE))
            improve(t, zh, M_EXAMPLE);
        if (c[TEXTSTATS_CAUSE] == 0 && !ASKED(TEXTSTATS_KP_CAUSE))
            improve(t, zh, M_CAUSE);
        break;
    }
#undef ASKED
    if (m->too_short)
        improve(t, zh, M_SHORT, zh ? m->lo * 1.5 : m->lo, zh ? m->hi * 1.5 : m->hi);
    else if (m->too_long)
        improve(t, zh, M_LONG, zh ? m->hi * 1.5 : m->hi);
    if (m->fillers_per100 > 2)
        improve(t, zh, M_FILLER);
    if (m->hedges_per100 > 1.5)
        improve(t, zh, M_HEDGE);
    if (a->repetition < 0.5 && a->content_terms >= 20)
        improve(t, zh, M_REPEAT);
    if (a->counted_sentences && a->anchored_words / (double)a->counted_sentences > 35)
        improve(t, zh, M_SENTENCE);
}

static void choose_strengths(const measures *m, const request *r, texts *t, int zh)
{
    const textstats *a = &m->a;
    const size_t *c = a->count;
    char ex[400];
    if (m->empty || m->offtopic || m->nonanswer || m->copy >= 0.5 || m->stuffing >= 0.5)
        return;
    if (m->n_covered > 0)
        strength(t, zh, G_POINTS, m->n_covered, m->n_points);
    if (a->tech_terms >= 2) {
        join(ex, sizeof ex, a->tech_seen, a->n_tech_seen, zh);
        strength(t, zh, G_TECH, ex);
    }
    if (a->quantities > 0) {
        join(ex, sizeof ex, a->number_seen, a->n_number_seen, zh);
        strength(t, zh, G_NUMBERS, ex);
    }
    if (r->type == Q_BEHAVIORAL || r->type == Q_PROJECT) {
        if (m->star_s && m->star_a && m->star_r)
            strength(t, zh, G_STAR);
        else if (a->fp_actions >= 2)
            strength(t, zh, G_OWNERSHIP);
    }
    if (r->type == Q_TECHNICAL && a->first_sentence[TEXTSTATS_DEFINITION] <= 1 && c[TEXTSTATS_MECHANISM] > 0 &&
        c[TEXTSTATS_EXAMPLE] + c[TEXTSTATS_SITUATION] > 0)
        strength(t, zh, G_STRUCTURE);
    if (c[TEXTSTATS_TRADEOFF] > 0 && r->type != Q_BEHAVIORAL && r->type != Q_GENERAL)
        strength(t, zh, G_TRADEOFF);
    if (c[TEXTSTATS_CAUSE] >= 2)
        strength(t, zh, G_CAUSE);
    if (c[TEXTSTATS_EXAMPLE] > 0 && (r->type == Q_GENERAL || r->type == Q_TECHNICAL))
        strength(t, zh, G_EXAMPLE);
    if (c[TEXTSTATS_REFLECTION] > 0)
        strength(t, zh, G_REFLECTION);
    if (m->fillers_per100 < 1 && m->hedges_per100 < 1 && m->clarity >= 80)
        strength(t, zh, G_DELIVERY);
}

/* The verdict sentence, then the first improvement as the way forward. */
static void write_feedback(const measures *m, const request *r, const texts *t, int zh, char *buf, size_t cap)
{
    const char *verdict;
    char head[300];
    if (m->empty)
        verdict = zh ? "没有作答，无法评分。" : "No answer was given, so there is nothing to score.";
    else if (m->nonanswer)
        verdict = zh ? "回答表示不知道，因此得分很低。" : "The answer says you don't know, so it scores low.";
    else if (m->copy >= 0.5)
        verdict = zh ? "回答只是复述了问题，没有作答。" : "The answer repeats the question instead of answering it.";
    else if (m->stuffing >= 0.5)
        verdict = zh ? "回答只是罗列关键词，没有解释或例子，难以体现理解。"
                     : "The answer lists keywords without explaining them or giving an example, so it shows "
                       "little understanding.";
    else if (m->offtopic)
        verdict = zh ? "回答没有切题：几乎没有涉及问题及其要点。"
                     : "The answer does not address the question: it touches almost none of the expected points.";
    else {
        static const char *const band[4][2][2] = {
            {{"A strong answer that covers %zu of %zu key points with concrete detail.", "A strong, concrete answer."},
             {"回答出色：覆盖了 %zu/%zu 个要点，细节具体。", "回答出色，细节具体。"}},
            {{"A solid answer that covers %zu of %zu key points.", "A solid answer."},
             {"回答较好：覆盖了 %zu/%zu 个要点。", "回答较好。"}},
            {{"A partial answer: it covers %zu of %zu key points and stays general.", "A partial, general answer."},
             {"回答部分到位：覆盖了 %zu/%zu 个要点，但较笼统。", "回答部分到位，但较笼统。"}},
            {{"A weak answer: it covers %zu of %zu key points.", "A weak answer."},
             {"回答较弱：只覆盖了 %zu/%zu 个要点。", "回答较弱。"}},
        };
        int b = m->score >= 80 ? 0 : m->score >= 60 ? 1 : m->score >= 40 ? 2 : 3;
        if (m->n_points > 0)
            snprintf(head, sizeof head, band[b][zh][0], m->n_covered, m->n_points);
        else
            snprintf(head, sizeof head, "%s", band[b][zh][1]);
        verdict = head;
    }
    /* then what is missing, then the first improvement that is not a missing point */
    size_t k = snprintf(buf, cap, "%s", verdict) < (int)cap ? strlen(buf) : cap - 1;
    if (m->empty || m->offtopic || m->copy >= 0.5 || m->nonanswer) {
        if (t->n_improve > 0)
            snprintf(buf + k, cap - k, zh ? "%s" : " %s", t->improve[0]);
        return;
    }
    if (m->n_points > m->n_covered && m->stuffing < 0.5) {
        const char *first = NULL;
        for (size_t i = 0; i < r->n_points && first == NULL; i++)
            if (!m->covered[i])
                first = r->points[i];
        if (first) {
            /* the point as written, without its own closing stop */
            size_t n = strlen(first);
            while (n > 0 && (first[n - 1] == '.' || first[n - 1] == ' '))
                n--;
            if (n >= 3 && memcmp(first + n - 3, "。", 3) == 0)
                n -= 3;
            int w = snprintf(buf + k, cap - k, zh ? "缺少要点：%.*s。" : " Missing: %.*s.", (int)n, first);
            k += w > 0 && (size_t)w < cap - k ? (size_t)w : 0;
        }
    }
    for (size_t i = 0; i < t->n_improve; i++) {
        if (t->is_point[i])
            continue;
        snprintf(buf + k, cap - k, zh ? "%s" : " %s", t->improve[i]);
        break;
    }
}

/* ---- the analysis object ---- */

static int round_score(double x)
{
    int v = (int)lround(x);
    return v < 0 ? 0 : v > 100 ? 100 : v;
}

static bool push_str(json_t *arr, const char *s)
{
    json_t *v = utf8_json_lossy(s, strlen(s));
    return v != NULL && json_array_append_new(arr, v) == 0;
}

static json_t *render(const measures *m, const request *r, int zh)
{
    texts *t = calloc(1, sizeof *t);
    char *fb = malloc(2048);
    json_t *o = NULL, *strengths = json_array(), *improvements = json_array(), *covered = json_array(),
           *missing = json_array();
    if (t == NULL || fb == NULL || !strengths || !improvements || !covered || !missing)
        goto fail;
    choose_improvements(m, r, t, zh);
    choose_strengths(m, r, t, zh);
    write_feedback(m, r, t, zh, fb, 2048);
    for (size_t i = 0; i < t->n_strength; i++)
        if (!push_str(strengths, t->strength[i]))
            goto fail;
    for (size_t i = 0; i < t->n_improve && i < LIST_MAX; i++)
        if (!push_str(improvements, t->improve[i]))
            goto fail;
    for (size_t i = 0; i < r->n_points; i++) {
        json_t *v = utf8_json_lossy(r->points[i], r->point_len[i]);
        if (v == NULL || json_array_append_new(m->covered[i] ? covered : missing, v) != 0)
            goto fail;
    }
    o = json_pack("{s:i, s:{s:i, s:i, s:i, s:i, s:i}, s:o, s:o, s:o, s:o, s:o, s:s}", "score",
                  round_score(m->score), "dimensions", "relevance", round_score(m->rel), "coverage",
                  round_score(m->cov), "depth", round_score(m->depth), "structure", round_score(m->structure),
                  "clarity", round_score(m->empty ? 0 : m->clarity), "feedback", utf8_json_lossy(fb, strlen(fb)),
                  "strengths", strengths, "improvements", improvements, "covered_points", covered,
                  "missing_points", missing, "engine", "local");
    free(t);
    free(fb);
    return o;
fail:
    json_decref(strengths);
    json_decref(improvements);
    json_decref(covered);
    json_decref(missing);
    free(t);
    free(fb);
    return NULL;
}

ig_status score_answer(const score_ctx *ctx, const json_t *req, json_t **out, ig_err *err)
{
    *out = NULL;
    request r;
    ig_status st = parse_request(req, &r, err);
    if (st != IG_OK)
        return st;
    measures *m = calloc(1, sizeof *m);
    if (m == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");
    st = measure(ctx, &r, m, err);
    if (st == IG_OK) {
        int zh = r.lang >= 0 ? r.lang : m->q.lang == TEXTSTATS_LANG_ZH || m->q.lang == TEXTSTATS_LANG_MIXED;
        *out = render(m, &r, zh);
        if (*out == NULL)
            st = status_errf(err, IG_ENOMEM, "out of memory");
    }
    textstats_free(&m->q);
    textstats_free(&m->a);
    for (size_t i = 0; i < r.n_points; i++)
        textstats_free(&m->k[i]);
    free(m);
    return st;
}

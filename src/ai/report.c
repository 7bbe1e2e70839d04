/* The interview report (see ai/report.h). Suggestions compete by priority: a weak dimension by how
 * far it falls short, an improvement or a missed point by how many answers it came up in, skipped
 * questions by being skipped at all; the top three distinct ones are kept. */
#include "ai/report.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

#define NDIMS 5
#define MAX_ITEMS 64     /* distinct strengths, improvements, missing points or topics counted */
#define ITEM_BYTES 240   /* the most bytes of one such string kept */
#define DIM_STRONG 75.0  /* a dimension averaging this much is a strength */
#define DIM_WEAK 60.0    /* under this, a weakness */
#define DIM_SUGGEST 70.0 /* under this, worth a suggestion */
#define MAX_STRENGTHS 5
#define MAX_WEAKNESSES 5
#define MAX_WEAK_TOPICS 5

enum { EN, ZH };

typedef enum status_kind { ST_ANSWERED, ST_SKIPPED, ST_UNANSWERED } status_kind;

static const char *const dims[NDIMS] = {"relevance", "coverage", "depth", "structure", "clarity"};

static const char *const dim_strength[NDIMS][2] = {
    {"Your answers stay on the question asked.", "回答紧扣所问的问题。"},
    {"You cover the key points the questions call for.", "能覆盖问题要求的关键要点。"},
    {"You back your answers with concrete technologies, numbers and outcomes.", "回答有具体的技术、数字和结果支撑。"},
    {"Your answers are well structured: situation, task, action, result.", "回答结构清晰：情境、任务、行动、结果。"},
    {"You answer clearly and concisely, with few fillers.", "表达清晰简洁，口头禅少。"},
};

static const char *const dim_weakness[NDIMS][2] = {
    {"Answers drift away from the question asked.", "回答偏离所问的问题。"},
    {"Key points the questions call for are often missing.", "经常遗漏问题要求的关键要点。"},
    {"Answers lack concrete detail: technologies, numbers, outcomes.", "回答缺少具体细节：技术、数字、结果。"},
    {"Answers lack structure: situation, task, action, result.", "回答缺乏结构：情境、任务、行动、结果。"},
    {"Delivery is unclear: fillers, hedging, or answers far too short or too long.",
     "表达不够清晰：口头禅、含糊其辞，或篇幅过短、过长。"},
};

static const char *const dim_suggestion[NDIMS][2] = {
    {"Answer the question in your first sentence, then support it; drop background that does not serve it.",
     "第一句话直接回答问题，再展开论证；删去与问题无关的背景。"},
    {"Before you answer, list the 3-4 points the question needs and make sure you cover each one.",
     "作答前先列出问题需要的3到4个要点，并逐一覆盖。"},
    {"Give every answer specifics: the technology you used, a number (latency, users, percent) and the outcome.",
     "每个回答都给出具体内容：用了什么技术、一个数字（延迟、用户量、百分比）以及最终结果。"},
    {"Use STAR for experience questions: the situation, your task, the actions you took, and the measurable "
     "result.",
     "经历类问题用STAR结构：情境、任务、你采取的行动，以及可衡量的结果。"},
    {"Cut fillers (um, like, you know) and hedges; aim for one to two minutes of focused answer.",
     "去掉口头禅（那个、然后、就是）和含糊的说法；每个回答控制在一到两分钟，聚焦要点。"},
};

/* A counted string (an improvement, a strength, a missed point, a topic). */
typedef struct item {
    char text[ITEM_BYTES + 1];
    char key[ITEM_BYTES + 1]; /* lower case, trimmed, no closing punctuation: what counts as the same */
    int count;
    double sum; /* topics: the sum of their scores */
    int answered;
    int order; /* first seen */
} item;

typedef struct items {
    item v[MAX_ITEMS];
    size_t n;
} items;

typedef struct cand {
    const char *text;
    double priority;
    int order;
} cand;

/* Copies s into a cut at a character boundary; the key folds ASCII case and drops trailing
 * punctuation and blanks so "Mention the result." and "mention the result" are one. */
static void set_item(item *it, const char *s, size_t n)
{
    while (n > 0 && isspace((unsigned char)*s))
        s++, n--;
    if (n > ITEM_BYTES) {
        n = ITEM_BYTES;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(it->text, s, n);
    it->text[n] = '\0';
    while (n > 0 && (isspace((unsigned char)it->text[n - 1]) || it->text[n - 1] == '.' ||
                     it->text[n - 1] == '!' || it->text[n - 1] == ';'))
        n--;
    /* "。" is 3 bytes; strip that too */
    while (n >= 3 && memcmp(it->text + n - 3, "\xE3\x80\x82", 3) == 0)
        n -= 3;
    for (size_t i = 0; i < n; i++)
        it->key[i] = (char)tolower((unsigned char)it->text[i]);
    it->key[n] = '\0';
}

/* Counts s in list; returns its item, NULL when s is empty or the list is full. */
static item *count_item(items *list, const char *s, size_t n)
{
    item probe;
    set_item(&probe, s, n);
    if (probe.key[0] == '\0')
        return NULL;
    for (size_t i = 0; i < list->n; i++) {
        if (strcmp(list->v[i].key, probe.key) == 0) {
            list->v[i].count++;
            return &list->v[i];
        }
    }
    if (list->n == MAX_ITEMS)
        return NULL;
    item *it = &list->v[list->n];
    *it = probe;
    it->count = 1;
    it->sum = 0;
    it->answered = 0;
    it->order = (int)list->n++;
    return it;
}

static void count_strings(items *list, const json_t *arr)
{
    size_t i;
    const json_t *v;
    json_array_foreach(arr, i, v) {
        if (json_is_string(v))
            count_item(list, json_string_value(v), json_string_length(v));
    }
}

static double round1(double x) { return round(x * 10.0) / 10.0; }

static json_t *score_or_null(double sum, int n) { return n > 0 ? json_real(round1(sum / n)) : json_null(); }

/* The analysis' score as a number in 0..100, or -1 when it has none. */
static double analysis_score(const json_t *a)
{
    const json_t *s = json_object_get(a, "score");
    if (!json_is_number(s))
        return -1;
    double v = json_number_value(s);
    return v < 0 ? 0 : v > 100 ? 100 : v;
}

static int cmp_cand(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->priority != y->priority)
        return x->priority > y->priority ? -1 : 1;
    return x->order - y->order;
}

/* Appends s to arr unless an equal string (case-folded) is there; false when arr is full. */
static bool add_unique(json_t *arr, const char *s, size_t max)
{
    if (json_array_size(arr) >= max)
        return false;
    item a, b;
    set_item(&a, s, strlen(s));
    size_t i;
    const json_t *v;
    json_array_foreach(arr, i, v) {
        set_item(&b, json_string_value(v), json_string_length(v));
        if (strcmp(a.key, b.key) == 0)
            return true;
    }
    json_array_append_new(arr, json_string(s));
    return true;
}

typedef struct tally {
    int lang;
    double sum;
    int answered, skipped, unanswered;
    double dim_sum[NDIMS];
    int dim_n[NDIMS];
    items strengths, improvements, missing, topics, skipped_topics;
} tally;

static const char *topic_of(const json_t *a)
{
    static const char *const keys[] = {"topic", "skill", "category"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *s = json_string_value(json_object_get(a, keys[i]));
        if (s != NULL && s[0] != '\0')
            return s;
    }
    return NULL;
}

static ig_status parse_status(const json_t *a, size_t i, status_kind *st, ig_err *err)
{
    const char *s = json_string_value(json_object_get(a, "status"));
    if (s != NULL && strcmp(s, "answered") == 0)
        *st = ST_ANSWERED;
    else if (s != NULL && strcmp(s, "skipped") == 0)
        *st = ST_SKIPPED;
    else if (s != NULL && strcmp(s, "unanswered") == 0)
        *st = ST_UNANSWERED;
    else
        return status_errf(err, IG_EINVAL, "answers[%zu].status must be answered, skipped or unanswered", i);
    const json_t *an = json_object_get(a, "analysis");
    if (an != NULL && !json_is_null(an) && !json_is_object(an))
        return status_errf(err, IG_EINVAL, "answers[%zu].analysis must be an object or null", i);
    return IG_OK;
}

/* A sentence about one question. */
static json_t *summary(const tally *t, status_kind st, const json_t *an, double score)
{
    if (st == ST_SKIPPED)
        return json_string(t->lang == ZH ? "已跳过。" : "Skipped.");
    if (st == ST_UNANSWERED)
        return json_string(t->lang == ZH ? "未作答。" : "Not answered.");
    if (score < 0)
        return json_string(t->lang == ZH ? "已作答，未评分。" : "Answered, not scored.");
    ig_buf b;
    buf_init(&b, 2048);
    size_t cov = json_array_size(json_object_get(an, "covered_points"));
    const json_t *miss = json_object_get(an, "missing_points");
    size_t nmiss = json_array_size(miss);
    if (t->lang == ZH)
        buf_appendf(&b, "得分%.0f/100。", score);
    else
        buf_appendf(&b, "Scored %.0f/100.", score);
    if (cov + nmiss > 0) {
        if (nmiss == 0)
            buf_appendf(&b, t->lang == ZH ? "覆盖了全部%zu个要点。" : " Covered all %zu key points.", cov);
        else if (t->lang == ZH)
            buf_appendf(&b, "覆盖%zu个要点中的%zu个；遗漏：", cov + nmiss, cov);
        else
            buf_appendf(&b, " Covered %zu of %zu key points; missed: ", cov, cov + nmiss);
        for (size_t i = 0; i < nmiss && i < 3; i++) {
            const char *m = json_string_value(json_array_get(miss, i));
            if (m != NULL)
                buf_appendf(&b, "%s%.120s", i == 0 ? "" : t->lang == ZH ? "、" : "; ", m);
        }
        if (nmiss > 0)
            buf_appendf(&b, "%s", t->lang == ZH ? "。" : ".");
    }
    /* the dimension that held the score back */
    const json_t *d = json_object_get(an, "dimensions");
    int low = -1;
    double lowv = 101;
    for (int k = 0; k < NDIMS; k++) {
        const json_t *v = json_object_get(d, dims[k]);
        if (json_is_number(v) && json_number_value(v) < lowv) {
            lowv = json_number_value(v);
            low = k;
        }
    }
    if (low >= 0 && lowv < DIM_WEAK)
        buf_appendf(&b, t->lang == ZH ? "最弱的维度：%s（%.0f）。" : " Weakest dimension: %s (%.0f).", dims[low], lowv);
    json_t *s = b.p != NULL ? json_string(b.p) : json_string("");
    buf_free(&b);
    return s;
}

static ig_status tally_answers(tally *t, const json_t *answers, json_t *qs, ig_err *err)
{
    size_t i;
    const json_t *a;
    json_array_foreach(answers, i, a) {
        if (!json_is_object(a))
            return status_errf(err, IG_EINVAL, "answers[%zu] must be an object", i);
        status_kind st = ST_UNANSWERED;
        ig_status rc = parse_status(a, i, &st, err);
        if (rc != IG_OK)
            return rc;
        const json_t *an = json_object_get(a, "analysis");
        double score = st == ST_ANSWERED && json_is_object(an) ? analysis_score(an) : -1;
        const char *topic = topic_of(a);
        if (score >= 0) {
            t->answered++;
            t->sum += score;
            const json_t *d = json_object_get(an, "dimensions");
            for (int k = 0; k < NDIMS; k++) {
                const json_t *v = json_object_get(d, dims[k]);
                if (json_is_number(v)) {
                    t->dim_sum[k] += json_number_value(v);
                    t->dim_n[k]++;
                }
            }
            count_strings(&t->strengths, json_object_get(an, "strengths"));
            count_strings(&t->improvements, json_object_get(an, "improvements"));
            count_strings(&t->missing, json_object_get(an, "missing_points"));
            item *it = topic != NULL ? count_item(&t->topics, topic, strlen(topic)) : NULL;
            if (it != NULL) {
                it->sum += score;
                it->answered++;
            }
        } else if (st == ST_SKIPPED) {
            t->skipped++;
        } else {
            t->unanswered++;
        }
        if (score < 0 && topic != NULL)
            count_item(&t->skipped_topics, topic, strlen(topic));
        const json_t *text = json_object_get(a, "question_text");
        const json_t *model = json_object_get(a, "model_answer");
        static const char *const names[] = {"answered", "skipped", "unanswered"};
        json_t *q = json_pack("{s:O, s:O, s:O, s:s, s:o, s:o, s:O}", "question_text",
                              json_is_string(text) ? (json_t *)text : json_null(), "category",
                              json_is_string(json_object_get(a, "category")) ? json_object_get(a, "category")
                                                                              : json_null(),
                              "topic", json_is_string(json_object_get(a, "topic")) ? json_object_get(a, "topic")
                                                                                    : json_null(),
                              "status", names[st], "score", score >= 0 ? json_real(round1(score)) : json_null(),
                              "summary", summary(t, st, an, score), "model_answer",
                              json_is_string(model) ? (json_t *)model : json_null());
        if (q == NULL || json_array_append_new(qs, q) != 0)
            return status_errf(err, IG_ENOMEM, "out of memory building the report");
    }
    return IG_OK;
}

static double dim_avg(const tally *t, int k) { return t->dim_n[k] > 0 ? t->dim_sum[k] / t->dim_n[k] : -1; }

static int cmp_topic(const void *a, const void *b)
{
    const item *x = a, *y = b;
    double ax = x->sum / x->answered, ay = y->sum / y->answered;
    if (ax != ay)
        return ax < ay ? -1 : 1;
    return x->order - y->order;
}

static void strengths_weaknesses(tally *t, json_t *strengths, json_t *weaknesses)
{
    char line[400];
    int order[NDIMS] = {0, 1, 2, 3, 4};
    /* strongest dimensions first */
    for (int i = 1; i < NDIMS; i++)
        for (int j = i; j > 0 && dim_avg(t, order[j]) > dim_avg(t, order[j - 1]); j--) {
            int x = order[j];
            order[j] = order[j - 1];
            order[j - 1] = x;
        }
    for (int i = 0; i < NDIMS; i++)
        if (dim_avg(t, order[i]) >= DIM_STRONG)
            add_unique(strengths, dim_strength[order[i]][t->lang], MAX_STRENGTHS);
    item sorted[MAX_ITEMS];
    memcpy(sorted, t->topics.v, t->topics.n * sizeof sorted[0]);
    qsort(sorted, t->topics.n, sizeof sorted[0], cmp_topic);
    if (t->topics.n > 0 && sorted[t->topics.n - 1].sum / sorted[t->topics.n - 1].answered >= 80) {
        const item *best = &sorted[t->topics.n - 1];
        snprintf(line, sizeof line, t->lang == ZH ? "%s方面表现出色（%.0f分）。" : "Strong on %s (%.0f/100).",
                 best->text, best->sum / best->answered);
        add_unique(strengths, line, MAX_STRENGTHS);
    }
    /* then what the analyses praised most often */
    for (int want = MAX_ITEMS; want >= 1; want--)
        for (size_t i = 0; i < t->strengths.n; i++)
            if (t->strengths.v[i].count == want)
                add_unique(strengths, t->strengths.v[i].text, MAX_STRENGTHS);

    for (int i = NDIMS - 1; i >= 0; i--)
        if (dim_avg(t, order[i]) >= 0 && dim_avg(t, order[i]) < DIM_WEAK)
            add_unique(weaknesses, dim_weakness[order[i]][t->lang], MAX_WEAKNESSES);
    for (size_t i = 0; i < t->topics.n && i < 2; i++) {
        double avg = sorted[i].sum / sorted[i].answered;
        if (avg >= DIM_WEAK)
            break;
        snprintf(line, sizeof line, t->lang == ZH ? "%s方面较弱（%.0f分）。" : "Weak on %s (%.0f/100).",
                 sorted[i].text, avg);
        add_unique(weaknesses, line, MAX_WEAKNESSES);
    }
    if (t->skipped + t->unanswered > 0) {
        int n = t->skipped + t->unanswered;
        if (t->lang == ZH)
            snprintf(line, sizeof line, "有%d道题跳过或未作答。", n);
        else
            snprintf(line, sizeof line, "%d question%s skipped or left unanswered.", n, n == 1 ? " was" : "s were");
        add_unique(weaknesses, line, MAX_WEAKNESSES);
    }
}

static void suggestions(tally *t, json_t *out)
{
    cand c[NDIMS + MAX_ITEMS + 4];
    size_t n = 0;
    char missed[600], skipped[600];
    int order = 0;
    if (t->answered == 0) {
        c[n++] = (cand){t->lang == ZH ? "至少完整回答几道题，报告才能给出评分和具体建议。"
                                      : "Answer at least a few questions so that the report can score you and "
                                        "give specific advice.",
                        100, order++};
    }
    /* the two weakest dimensions at most, so that the answers' own advice gets a place */
    int taken[2] = {-1, -1};
    for (int j = 0; j < 2; j++) {
        for (int k = 0; k < NDIMS; k++) {
            double avg = dim_avg(t, k);
            if (avg < 0 || avg >= DIM_SUGGEST || k == taken[0])
                continue;
            if (taken[j] < 0 || avg < dim_avg(t, taken[j]))
                taken[j] = k;
        }
        if (taken[j] >= 0)
            c[n++] = (cand){dim_suggestion[taken[j]][t->lang], 1.0 + (DIM_SUGGEST - dim_avg(t, taken[j])) / 10.0,
                            order++};
    }
    for (size_t i = 0; i < t->improvements.n; i++)
        c[n++] = (cand){t->improvements.v[i].text, (double)t->improvements.v[i].count + 0.5, order++};
    if (t->missing.n > 0) {
        /* the most often missed points, together */
        size_t idx[3], k = 0;
        bool used[MAX_ITEMS] = {false};
        int total = 0;
        while (k < 3 && k < t->missing.n) {
            size_t best = SIZE_MAX;
            for (size_t i = 0; i < t->missing.n; i++)
                if (!used[i] && (best == SIZE_MAX || t->missing.v[i].count > t->missing.v[best].count))
                    best = i;
            used[best] = true;
            idx[k++] = best;
            total += t->missing.v[best].count;
        }
        int w = snprintf(missed, sizeof missed, "%s",
                         t->lang == ZH ? "复习你遗漏的要点，并准备一个例子：" : "Review the points you missed and "
                                                                               "prepare an example for each: ");
        for (size_t i = 0; i < k && w > 0 && (size_t)w < sizeof missed; i++)
            w += snprintf(missed + w, sizeof missed - (size_t)w, "%s%.120s", i == 0 ? "" : t->lang == ZH ? "；" : "; ",
                          t->missing.v[idx[i]].text);
        if (w > 0 && (size_t)w < sizeof missed)
            snprintf(missed + w, sizeof missed - (size_t)w, "%s", t->lang == ZH ? "。" : ".");
        c[n++] = (cand){missed, 1.0 + total / 2.0, order++};
    }
    if (t->skipped_topics.n > 0) {
        int w = snprintf(skipped, sizeof skipped, "%s",
                         t->lang == ZH ? "针对跳过的题目练习：" : "Practise the questions you skipped: ");
        for (size_t i = 0; i < t->skipped_topics.n && i < 3 && w > 0 && (size_t)w < sizeof skipped; i++)
            w += snprintf(skipped + w, sizeof skipped - (size_t)w, "%s%.80s",
                          i == 0 ? "" : t->lang == ZH ? "、" : ", ", t->skipped_topics.v[i].text);
        if (w > 0 && (size_t)w < sizeof skipped)
            snprintf(skipped + w, sizeof skipped - (size_t)w, "%s", t->lang == ZH ? "。" : ".");
        c[n++] = (cand){skipped, 1.5, order++};
    }
    qsort(c, n, sizeof c[0], cmp_cand);
    for (size_t i = 0; i < n && json_array_size(out) < 3; i++)
        add_unique(out, c[i].text, 3);
}

static void weakest_topics(tally *t, json_t *out)
{
    item sorted[MAX_ITEMS];
    memcpy(sorted, t->topics.v, t->topics.n * sizeof sorted[0]);
    qsort(sorted, t->topics.n, sizeof sorted[0], cmp_topic);
    for (size_t i = 0; i < t->topics.n; i++)
        if (sorted[i].sum / sorted[i].answered < REPORT_WEAK_BELOW)
            add_unique(out, sorted[i].text, MAX_WEAK_TOPICS);
    for (size_t i = 0; i < t->skipped_topics.n; i++)
        add_unique(out, t->skipped_topics.v[i].text, MAX_WEAK_TOPICS);
}

ig_status report_build(const json_t *req, json_t **out, ig_err *err)
{
    ig_status rc;
    tally *t = NULL;
    json_t *qs = NULL, *doc = NULL;
    if (!json_is_object(req))
        return status_errf(err, IG_EINVAL, "the report request must be a JSON object");
    const json_t *answers = json_object_get(req, "answers");
    if (!json_is_array(answers))
        return status_errf(err, IG_EINVAL, "answers must be an array");
    if (json_array_size(answers) > REPORT_ANSWERS_MAX)
        return status_errf(err, IG_EINVAL, "a report takes at most %d answers", REPORT_ANSWERS_MAX);
    const json_t *lang = json_object_get(req, "language");
    const char *l = json_string_value(lang);
    if (lang != NULL && !json_is_null(lang) && (l == NULL || (strcmp(l, "en") != 0 && strcmp(l, "zh") != 0)))
        return status_errf(err, IG_EINVAL, "language must be \"en\" or \"zh\"");
    const json_t *duration = json_object_get(req, "duration");
    if (duration != NULL && !json_is_null(duration) && !json_is_number(duration))
        return status_errf(err, IG_EINVAL, "duration must be a number of seconds or null");
    t = calloc(1, sizeof *t);
    qs = json_array();
    if (t == NULL || qs == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory building the report");
        goto out;
    }
    t->lang = l != NULL && strcmp(l, "zh") == 0 ? ZH : EN;
    if ((rc = tally_answers(t, answers, qs, err)) != IG_OK)
        goto out;
    json_t *dimensions = json_object();
    json_t *strengths = json_array(), *weaknesses = json_array(), *sugg = json_array(), *weak = json_array();
    for (int k = 0; dimensions != NULL && k < NDIMS; k++)
        json_object_set_new(dimensions, dims[k], score_or_null(t->dim_sum[k], t->dim_n[k]));
    if (strengths != NULL && weaknesses != NULL)
        strengths_weaknesses(t, strengths, weaknesses);
    if (sugg != NULL)
        suggestions(t, sugg);
    if (weak != NULL)
        weakest_topics(t, weak);
    doc = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:O, s:i, s:i, s:i, s:O, s:s, s:s}", "overall_score",
                    score_or_null(t->sum, t->answered), "dimension_scores", dimensions, "strengths", strengths,
                    "weaknesses", weaknesses, "suggestions", sugg, "weakest_topics", weak, "questions", qs,
                    "answered", t->answered, "skipped", t->skipped, "unanswered", t->unanswered, "duration",
                    json_is_number(duration) ? (json_t *)duration : json_null(), "language",
                    t->lang == ZH ? "zh" : "en", "engine", "local");
    if (doc == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory building the report");
        goto out;
    }
    *out = doc;
    rc = IG_OK;
out:
    json_decref(qs);
    free(t);
    return rc;
}

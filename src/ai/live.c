/* Live delivery analysis: speech segments and the transcript of one answer, measured with the
 * scorer's text statistics and key-point matching, a sentiment lexicon of our own, and a short
 * list of suggestions chosen by priority. */
#include "ai/live.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ai/score.h"
#include "ai/textstats.h"
#include "core/buf.h"
#include "core/datafiles.h"
#include "core/utf8.h"

#define SENTIMENT_FILE "lexicon/sentiment.tsv"
/* The longest sentiment phrase, in words or characters. */
#define PHRASE_UNITS 6
#define KEY_MAX 96
/* A negator turns a sentiment phrase that starts within this many words or characters after it. */
#define NEG_SCOPE 3
#define NEG_FACTOR (-0.74)
/* VADER's normalisation of a sum of valences into -1..1, and its neutral band. */
#define NORM_ALPHA 15.0
#define NEUTRAL_BAND 0.05
/* Segments kept per answer (far more than ASR_MAX_UTTERANCE_SECONDS makes). */
#define SEGMENTS_MAX 4096
/* Suggestions' thresholds. */
#define FILLER_MIN 3
#define FILLER_RATE 4.0
#define SILENCE_S 5.0
#define SCENE_AFTER_S 30.0
#define RESULT_AFTER_S 60.0
#define POINTS_AFTER_S 45.0
#define TONE_MIN_WORDS 20
#define TONE_SCORE (-0.3)

enum { S_POSITIVE, S_NEGATIVE, S_NEGATOR, S_INTENSIFIER, S_NEUTRAL };

typedef struct entry {
    uint32_t key, key_len; /* bytes in the context's key blob */
    uint8_t cls;
    double weight;
} entry;

struct live_ctx {
    score_ctx *score;
    textstats_lexicon *lx;
    entry *entries; /* sorted by key */
    size_t n_entries;
    char *keys;
    size_t keys_len;
};

typedef struct segment {
    double start, end;
} segment;

struct live_answer {
    const live_ctx *ctx;
    json_t *req;   /* the score request; "answer" set on each analysis */
    bool hints, zh, story, technical;
    ig_buf said;   /* the finals, ", "-separated: a segment boundary is a pause */
    ig_buf text;   /* said + the current partial */
    char *partial;
    size_t partial_len;
    segment *segs; /* finals' segments, in order */
    size_t n_segs, cap_segs;
    bool cur;      /* a segment is being spoken (the last result was a partial) */
    segment cur_seg;
    double first;  /* the first speech start, < 0 before any */
};

/* ---- sentiment: units and keys ---- */

typedef struct sunit {
    uint32_t off, len;
    bool cjk;
    bool brk; /* a clause boundary before it */
} sunit;

static bool is_cjk(uint32_t c)
{
    return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0x20000 && c <= 0x2FA1F);
}

static bool is_word_char(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7);
}

static bool is_apostrophe(uint32_t c)
{
    return c == '\'' || c == 0x2019;
}

static bool is_clause_end(uint32_t c)
{
    return c == ',' || c == '.' || c == '!' || c == '?' || c == ';' || c == ':' || c == '\n' || c == 0x3001 ||
           c == 0xFF0C || c == 0x3002 || c == 0xFF01 || c == 0xFF1F || c == 0xFF1B || c == 0xFF1A;
}

/* Cuts text into words (letters, digits, inner apostrophes) and Chinese characters; at most max
 * units. */
static size_t sunits(const char *s, size_t n, sunit *u, size_t max)
{
    size_t k = 0, i = 0;
    bool brk = false;
    while (i < n && k < max) {
        uint32_t c;
        size_t l = utf8_decode((const unsigned char *)s + i, n - i, &c);
        if (l == 0) {
            brk = true;
            i++;
            continue;
        }
        if (is_cjk(c)) {
            u[k++] = (sunit){(uint32_t)i, (uint32_t)l, true, brk};
            brk = false;
            i += l;
            continue;
        }
        if (!is_word_char(c)) {
            brk = brk || is_clause_end(c);
            i += l;
            continue;
        }
        size_t start = i;
        for (;;) {
            i += l;
            if (i >= n)
                break;
            l = utf8_decode((const unsigned char *)s + i, n - i, &c);
            if (l == 0)
                break;
            if (is_word_char(c))
                continue;
            if (!is_apostrophe(c) || i + l >= n)
                break;
            uint32_t d;
            size_t l2 = utf8_decode((const unsigned char *)s + i + l, n - i - l, &d);
            if (l2 == 0 || !is_word_char(d))
                break;
        }
        u[k++] = (sunit){(uint32_t)start, (uint32_t)(i - start), false, brk};
        brk = false;
    }
    return k;
}

/* The lookup key of units u[0..n): words lower-cased and space-separated, apostrophes as '\'',
 * characters as written. Its length, or 0 when it does not fit. */
static size_t make_key(const char *s, const sunit *u, size_t n, char *key)
{
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        if (j > 0 && !u[j].cjk && !u[j - 1].cjk) {
            if (k + 1 > KEY_MAX)
                return 0;
            key[k++] = ' ';
        }
        const char *p = s + u[j].off;
        for (size_t i = 0; i < u[j].len;) {
            if (u[j].len - i >= 3 && memcmp(p + i, "\xE2\x80\x99", 3) == 0) {
                if (k + 1 > KEY_MAX)
                    return 0;
                key[k++] = '\'';
                i += 3;
                continue;
            }
            if (k + 1 > KEY_MAX)
                return 0;
            char c = p[i++];
            key[k++] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
        }
    }
    return k;
}

static int cmp_key(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c != 0 ? c : an < bn ? -1 : an > bn;
}

static const entry *lookup(const live_ctx *ctx, const char *key, size_t n)
{
    size_t lo = 0, hi = ctx->n_entries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const entry *e = &ctx->entries[mid];
        int c = cmp_key(ctx->keys + e->key, e->key_len, key, n);
        if (c == 0)
            return e;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* An English word ending in n't ("didn't", "wasn’t"). */
static bool ends_nt(const char *s, const sunit *u)
{
    const char *p = s + u->off;
    size_t n = u->len;
    if (n >= 4 && (p[n - 1] | 0x20) == 't' && p[n - 2] == '\'' && (p[n - 3] | 0x20) == 'n')
        return true;
    return n >= 6 && (p[n - 1] | 0x20) == 't' && memcmp(p + n - 4, "\xE2\x80\x99", 3) == 0 && (p[n - 5] | 0x20) == 'n';
}

/* ---- sentiment: the lexicon ---- */

static int class_of(ig_str c)
{
    static const char *const names[] = {"positive", "negative", "negator", "intensifier", "neutral"};
    for (int i = 0; i < 5; i++)
        if (strlen(names[i]) == c.n && memcmp(names[i], c.p, c.n) == 0)
            return i;
    return -1;
}

static int cmp_entry(const void *a, const void *b, void *arg)
{
    const entry *x = a, *y = b;
    const char *keys = arg;
    return cmp_key(keys + x->key, x->key_len, keys + y->key, y->key_len);
}

/* One line: lang<TAB>class<TAB>phrase[<TAB>weight]. why: the reason when it is malformed. */
static ig_status sentiment_line(live_ctx *ctx, ig_str line, ig_buf *keys, size_t *cap, const char **why)
{
    ig_str f[5];
    size_t nf = 0;
    const char *p = line.p, *end = line.p + line.n;
    while (nf < 5) {
        const char *t = memchr(p, '\t', (size_t)(end - p));
        f[nf++] = str_make(p, t ? (size_t)(t - p) : (size_t)(end - p));
        if (t == NULL)
            break;
        p = t + 1;
    }
    if (nf < 3 || nf > 4) {
        *why = "not lang<TAB>class<TAB>phrase[<TAB>weight]";
        return IG_EINVAL;
    }
    if (!str_eq(f[0], STR_LIT("en")) && !str_eq(f[0], STR_LIT("zh"))) {
        *why = "lang is not en or zh";
        return IG_EINVAL;
    }
    int cls = class_of(f[1]);
    if (cls < 0) {
        *why = "class is not positive, negative, negator, intensifier or neutral";
        return IG_EINVAL;
    }
    double w = cls == S_INTENSIFIER ? 1.5 : 1;
    if (nf == 4) {
        char num[32];
        if (f[3].n == 0 || f[3].n >= sizeof num) {
            *why = "bad weight";
            return IG_EINVAL;
        }
        memcpy(num, f[3].p, f[3].n);
        num[f[3].n] = '\0';
        char *e;
        w = strtod(num, &e);
        if (*e != '\0' || !(w >= 0.25 && w <= 4)) {
            *why = "weight must be a number from 0.25 to 4";
            return IG_EINVAL;
        }
    }
    sunit u[PHRASE_UNITS + 1];
    size_t nu = sunits(f[2].p, f[2].n, u, PHRASE_UNITS + 1);
    char key[KEY_MAX];
    size_t kl = nu >= 1 && nu <= PHRASE_UNITS ? make_key(f[2].p, u, nu, key) : 0;
    if (kl == 0) {
        *why = "the phrase must be 1 to 6 words or characters";
        return IG_EINVAL;
    }
    if (ctx->n_entries == *cap) {
        size_t c = *cap ? *cap * 2 : 512;
        entry *q = realloc(ctx->entries, c * sizeof *q);
        if (q == NULL)
            return IG_ENOMEM;
        ctx->entries = q;
        *cap = c;
    }
    ctx->entries[ctx->n_entries++] = (entry){(uint32_t)keys->len, (uint32_t)kl, (uint8_t)cls, w};
    return buf_append(keys, key, kl);
}

static ig_status sentiment_load(live_ctx *ctx, ig_err *err)
{
    ig_str rest, line;
    if (!datafiles_get(SENTIMENT_FILE, &rest))
        return status_errf(err, IG_EINVAL, "no %s compiled in", SENTIMENT_FILE);
    ig_buf keys;
    buf_init(&keys, 1 << 20);
    size_t lineno = 0, cap = 0;
    ig_status st = IG_OK;
    while (datafiles_next_line(&rest, &line, &lineno)) {
        if (line.n > 0 && line.p[line.n - 1] == '\r')
            line.n--;
        const char *why = "out of memory";
        st = sentiment_line(ctx, line, &keys, &cap, &why);
        if (st != IG_OK) {
            status_errf(err, st, "lexicon %s line %zu: %s", SENTIMENT_FILE, lineno, why);
            break;
        }
    }
    ctx->keys = buf_steal(&keys, &ctx->keys_len);
    if (st == IG_OK && ctx->keys == NULL)
        st = status_errf(err, IG_EINVAL, "%s has no entries", SENTIMENT_FILE);
    if (st == IG_OK)
        qsort_r(ctx->entries, ctx->n_entries, sizeof *ctx->entries, cmp_entry, ctx->keys);
    return st;
}

void live_sentiment(const live_ctx *ctx, const char *text, size_t n, double *score, const char **label)
{
    if (n > TEXTSTATS_MAX_BYTES)
        n = TEXTSTATS_MAX_BYTES;
    size_t max = n + 1;
    sunit *u = malloc(max * sizeof *u);
    double sum = 0;
    if (u != NULL) {
        size_t nu = sunits(text, n, u, max), neg_until = 0, boost_until = 0;
        double boost = 1;
        char key[KEY_MAX];
        for (size_t i = 0; i < nu;) {
            if (u[i].brk)
                neg_until = boost_until = 0;
            const entry *e = NULL;
            size_t len = 0;
            for (size_t m = nu - i < PHRASE_UNITS ? nu - i : PHRASE_UNITS; m >= 1 && e == NULL; m--) {
                bool clause = true;
                for (size_t j = 1; j < m; j++)
                    clause = clause && !u[i + j].brk;
                size_t kl = clause ? make_key(text, u + i, m, key) : 0;
                if (kl > 0 && (e = lookup(ctx, key, kl)) != NULL)
                    len = m;
            }
            if (e == NULL) {
                if (!u[i].cjk && ends_nt(text, &u[i]))
                    neg_until = i + 1 + NEG_SCOPE;
                i++;
                continue;
            }
            if (e->cls == S_NEGATOR) {
                neg_until = i + len + NEG_SCOPE;
            } else if (e->cls == S_INTENSIFIER) {
                boost = e->weight;
                boost_until = i + len + 1;
            } else if (e->cls != S_NEUTRAL) {
                double v = e->cls == S_POSITIVE ? e->weight : -e->weight;
                if (i < boost_until)
                    v *= boost;
                if (i < neg_until)
                    v *= NEG_FACTOR;
                sum += v;
                boost_until = 0;
            }
            i += len;
        }
        free(u);
    }
    *score = sum / sqrt(sum * sum + NORM_ALPHA);
    *label = *score >= NEUTRAL_BAND ? "positive" : *score <= -NEUTRAL_BAND ? "negative" : "neutral";
}

/* ---- the context ---- */

ig_status live_ctx_open(const skills_taxonomy *tax, live_ctx **out, ig_err *err)
{
    *out = NULL;
    live_ctx *c = calloc(1, sizeof *c);
    if (c == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");
    ig_status st = score_ctx_open(tax, &c->score, err);
    if (st == IG_OK)
        st = textstats_lexicon_open(&c->lx, err);
    if (st == IG_OK)
        st = sentiment_load(c, err);
    if (st != IG_OK) {
        live_ctx_close(c);
        return st;
    }
    *out = c;
    return IG_OK;
}

void live_ctx_close(live_ctx *ctx)
{
    if (ctx == NULL)
        return;
    score_ctx_close(ctx->score);
    textstats_lexicon_close(ctx->lx);
    free(ctx->entries);
    free(ctx->keys);
    free(ctx);
}

/* ---- one answer ---- */

static bool cjk_heavy(const char *s, size_t n)
{
    size_t cjk = 0, latin = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t l = utf8_decode((const unsigned char *)s + i, n - i, &c);
        if (l == 0) {
            i++;
            continue;
        }
        cjk += is_cjk(c);
        latin += (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        i += l;
    }
    return (double)cjk / 1.5 > (double)latin / 5; /* ~5 letters an English word */
}

ig_status live_answer_open(const live_ctx *ctx, const json_t *question, live_answer **out, ig_err *err)
{
    *out = NULL;
    if (!json_is_object(question))
        return status_errf(err, IG_EINVAL, "the question must be a JSON object");
    const json_t *hints = json_object_get(question, "hints");
    if (hints != NULL && !json_is_boolean(hints) && !json_is_null(hints))
        return status_errf(err, IG_EINVAL, "hints must be true or false");
    live_answer *a = calloc(1, sizeof *a);
    if (a == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");
    ig_status st = IG_OK;
    a->ctx = ctx;
    a->first = -1;
    a->hints = json_is_true(hints);
    buf_init(&a->said, TEXTSTATS_MAX_BYTES);
    buf_init(&a->text, TEXTSTATS_MAX_BYTES + 4096);
    a->req = json_deep_copy(question);
    json_t *check = NULL;
    if (a->req == NULL || json_object_set_new(a->req, "answer", json_string("")) != 0) {
        st = status_errf(err, IG_ENOMEM, "out of memory");
        goto out;
    }
    json_object_del(a->req, "hints");
    /* the scorer validates the request, as it will read it */
    st = score_answer(ctx->score, a->req, &check, err);
    if (st != IG_OK)
        goto out;
    const char *lang = json_string_value(json_object_get(question, "language"));
    if (lang == NULL)
        lang = json_string_value(json_object_get(question, "lang"));
    const char *q = json_string_value(json_object_get(question, "question"));
    a->zh = lang != NULL ? strncasecmp(lang, "zh", 2) == 0 : cjk_heavy(q, strlen(q));
    const char *type = json_string_value(json_object_get(question, "type"));
    a->story = type != NULL && (strcasecmp(type, "behavioral") == 0 || strcasecmp(type, "project") == 0);
    a->technical = type != NULL && (strcasecmp(type, "technical") == 0 || strcasecmp(type, "system_design") == 0);
out:
    json_decref(check);
    if (st != IG_OK) {
        live_answer_close(a);
        return st;
    }
    *out = a;
    return IG_OK;
}

void live_answer_close(live_answer *a)
{
    if (a == NULL)
        return;
    json_decref(a->req);
    buf_free(&a->said);
    buf_free(&a->text);
    free(a->partial);
    free(a->segs);
    free(a);
}

ig_status live_answer_heard(live_answer *a, const asr_result *r, ig_err *err)
{
    segment s = {r->start_s, r->end_s > r->start_s ? r->end_s : r->start_s};
    if (a->first < 0 || s.start < a->first)
        a->first = s.start;
    if (!r->is_final) {
        char *p = malloc(r->text_len + 1);
        if (p == NULL)
            return status_errf(err, IG_ENOMEM, "out of memory");
        memcpy(p, r->text, r->text_len);
        p[r->text_len] = '\0';
        free(a->partial);
        a->partial = p;
        a->partial_len = r->text_len;
        a->cur = true;
        a->cur_seg = s;
        return IG_OK;
    }
    free(a->partial);
    a->partial = NULL;
    a->partial_len = 0;
    a->cur = false;
    /* past the caps the answer is long enough to judge: text and segments stop growing */
    if (r->text_len > 0 && a->said.len + r->text_len + 2 <= a->said.max) {
        if (a->said.len > 0)
            (void)buf_append(&a->said, ", ", 2);
        (void)buf_append(&a->said, r->text, r->text_len);
    }
    if (a->n_segs == a->cap_segs && a->cap_segs < SEGMENTS_MAX) {
        size_t c = a->cap_segs ? a->cap_segs * 2 : 16;
        segment *q = realloc(a->segs, c * sizeof *q);
        if (q == NULL)
            return status_errf(err, IG_ENOMEM, "out of memory");
        a->segs = q;
        a->cap_segs = c;
    }
    if (a->n_segs < a->cap_segs)
        a->segs[a->n_segs++] = s;
    return IG_OK;
}

/* Timing of the speech heard so far. */
typedef struct timing {
    double talk, speaking, span, longest, current;
    size_t pauses;
} timing;

static void time_speech(const live_answer *a, double now, timing *t)
{
    memset(t, 0, sizeof *t);
    if (a->first < 0)
        return;
    double last_end = -1, long_gaps = 0;
    size_t n = a->n_segs + (a->cur ? 1 : 0);
    for (size_t i = 0; i < n; i++) {
        segment s = i < a->n_segs ? a->segs[i] : a->cur_seg;
        t->speaking += s.end - s.start;
        if (last_end >= 0 && s.start - last_end > 0) {
            double gap = s.start - last_end;
            t->longest = gap > t->longest ? gap : t->longest;
            if (gap >= LIVE_LONG_PAUSE_S) {
                t->pauses++;
                long_gaps += gap;
            }
        }
        last_end = s.end > last_end ? s.end : last_end;
    }
    if (now < last_end)
        now = last_end;
    t->talk = now - a->first;
    t->span = last_end - a->first - long_gaps;
    t->current = a->cur ? 0 : now - last_end;
    if (t->current > t->longest)
        t->longest = t->current;
    if (t->current >= LIVE_LONG_PAUSE_S)
        t->pauses++;
}

typedef struct advice {
    char lines[LIVE_MAX_SUGGESTIONS][256];
    size_t n;
} advice;

static void say(advice *v, bool zh, const char *en, const char *zhs, ...)
{
    if (v->n >= LIVE_MAX_SUGGESTIONS)
        return;
    va_list ap;
    va_start(ap, zhs);
    vsnprintf(v->lines[v->n++], sizeof v->lines[0], zh ? zhs : en, ap);
    va_end(ap);
}

static double round_to(double x, double unit)
{
    return round(x / unit) * unit;
}

ig_status live_answer_analyze(live_answer *a, double now_s, const asr_stream_info *rec, json_t **out, ig_err *err)
{
    *out = NULL;
    textstats st;
    json_t *kp = NULL, *scored = NULL, *sugg = NULL, *o = NULL;
    ig_status rc = IG_OK;
    bool zh = a->zh;
    buf_reset(&a->text);
    (void)buf_append(&a->text, a->said.p != NULL ? a->said.p : "", a->said.len);
    if (a->partial_len > 0) {
        if (a->text.len > 0)
            (void)buf_append(&a->text, ", ", 2);
        (void)buf_append(&a->text, a->partial, a->partial_len);
    }
    const char *text = a->text.p != NULL ? a->text.p : "";
    rc = textstats_analyze(a->ctx->lx, NULL, NULL, text, a->text.len, &st, err);
    if (rc != IG_OK)
        goto out;
    timing t;
    time_speech(a, now_s, &t);
    double words = st.words, wpm = -1;
    if (t.span >= LIVE_PACE_MIN_S && words >= LIVE_PACE_MIN_WORDS)
        wpm = words / (t.span / 60);
    size_t fillers = st.count[TEXTSTATS_FILLER];
    double filler_rate = words > 0 ? 100.0 * (double)fillers / words : 0;
    bool s_sit = st.count[TEXTSTATS_SITUATION] > 0, s_task = st.count[TEXTSTATS_TASK] > 0,
         s_act = st.count[TEXTSTATS_ACTION] > 0 || st.fp_actions > 0, s_res = st.count[TEXTSTATS_RESULT] > 0;
    double senti;
    const char *label;
    live_sentiment(a->ctx, text, a->text.len, &senti, &label);
    const json_t *missing = NULL;
    if (a->hints) {
        json_t *answer = json_stringn_nocheck(text, a->text.len);
        if (answer == NULL || json_object_set_new(a->req, "answer", answer) != 0) {
            rc = status_errf(err, IG_ENOMEM, "out of memory");
            goto out;
        }
        rc = score_answer(a->ctx->score, a->req, &scored, err);
        if (rc != IG_OK)
            goto out;
        missing = json_object_get(scored, "missing_points");
        kp = json_pack("{s:O, s:O}", "covered", json_object_get(scored, "covered_points"), "missing", missing);
        if (kp == NULL) {
            rc = status_errf(err, IG_ENOMEM, "out of memory");
            goto out;
        }
    }

    advice v = {.n = 0};
    bool waiting = rec != NULL && rec->waiting;
    if (waiting)
        say(&v, zh, "Transcription is busy: your speech is queued and will catch up",
            "语音识别繁忙：您的语音已排队，稍后会跟上");
    if (t.talk >= LIVE_WRAP_UP_S)
        say(&v, zh, "You have talked %d minutes: wrap up", "已经讲了%d分钟：请总结收尾", (int)(t.talk / 60));
    if (wpm > LIVE_PACE_FAST)
        say(&v, zh, "Slow down a little", "语速偏快，放慢一点");
    else if (wpm >= 0 && wpm < LIVE_PACE_SLOW)
        say(&v, zh, "Pick up the pace a little", "语速偏慢，可以稍快一些");
    if (fillers >= FILLER_MIN && filler_rate >= FILLER_RATE)
        say(&v, zh, "Fewer fillers (um, uh, like): pause silently instead", "少用“嗯”“然后”“就是”等口头禅，可以停顿代替");
    if (t.current >= SILENCE_S && words > 0)
        say(&v, zh, "Take a breath, then go on to your next point", "停顿较久：理一理思路，继续下一个要点");
    if (a->story && t.talk >= SCENE_AFTER_S && !s_sit && !s_task)
        say(&v, zh, "Set the scene first: the situation and your role", "先交代背景：当时的情况和你的角色");
    if (t.talk >= RESULT_AFTER_S && (a->story ? s_act && !s_res : !a->technical && !s_res && st.quantities == 0))
        say(&v, zh, "Give a concrete result, with a number if you can", "给出具体的结果，最好有数字");
    if (a->technical && t.talk >= RESULT_AFTER_S && st.count[TEXTSTATS_EXAMPLE] == 0)
        say(&v, zh, "Give a concrete example", "举一个具体的例子");
    if (missing != NULL && json_array_size(missing) > 0 && t.talk >= POINTS_AFTER_S)
        say(&v, zh, "Still to cover: %.200s", "还可以谈到：%.200s", json_string_value(json_array_get(missing, 0)));
    if (words >= TONE_MIN_WORDS && senti <= TONE_SCORE)
        say(&v, zh, "Keep the tone constructive: say what you learned", "语气积极一些：谈谈你的收获");
    sugg = json_array();
    for (size_t i = 0; sugg != NULL && i < v.n; i++)
        if (json_array_append_new(sugg, utf8_json_lossy(v.lines[i], strlen(v.lines[i]))) != 0) {
            json_decref(sugg);
            sugg = NULL;
        }
    if (sugg == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory");
        goto out;
    }
    json_t *metrics = json_pack(
        "{s:s, s:f, s:f, s:f, s:f, s:o, s:I, s:f, s:I, s:f, s:f, s:{s:b, s:b, s:b, s:b}, s:{s:b, s:I}}", "language",
        zh ? "zh" : "en", "answer_time", round_to(now_s > t.talk ? now_s : t.talk, 0.1), "talk_time",
        round_to(t.talk, 0.1), "speaking_time", round_to(t.speaking, 0.1), "words", round_to(words, 0.1),
        "words_per_minute", wpm >= 0 ? json_integer((json_int_t)lround(wpm)) : json_null(), "filler_count",
        (json_int_t)fillers, "filler_rate", round_to(filler_rate, 0.1), "pauses", (json_int_t)t.pauses,
        "longest_pause", round_to(t.longest, 0.1), "current_pause", round_to(t.current, 0.1), "star", "situation",
        s_sit, "task", s_task, "action", s_act, "result", s_res, "recognizer", "waiting", waiting, "queue_position",
        (json_int_t)(rec != NULL ? rec->queue_position : 0));
    if (metrics != NULL && kp != NULL) {
        int bad = json_object_set_new(metrics, "key_points", kp); /* takes kp, also on failure */
        kp = NULL;
        if (bad != 0) {
            json_decref(metrics);
            metrics = NULL;
        }
    }
    if (metrics == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory");
        goto out;
    }
    /* json_pack takes sugg and metrics, also on failure */
    o = json_pack("{s:o, s:{s:s, s:f}, s:o}", "suggestions", sugg, "sentiment", "label", label, "score",
                  round_to(senti, 0.001), "metrics", metrics);
    sugg = NULL;
    if (o == NULL)
        rc = status_errf(err, IG_ENOMEM, "out of memory");
out:
    textstats_free(&st);
    json_decref(kp);
    json_decref(sugg);
    json_decref(scored);
    *out = o;
    return rc;
}

/* PocketSphinx behind ai/asr.h: a pool of decoders under one mutex, handed to streams first come,
 * first served; each stream recognises its buffered audio in 100 ms slices so that the decoder's
 * voice-activity state marks where speech segments start and end. */
#include "ai/asr_sphinx.h"

#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "core/buf.h"

#define RATE 16000
/* Samples per ps_process_raw call: the granularity of speech start and end. */
#define SLICE 1600
/* Audio kept from before speech starts, replayed when an utterance ended in silence resumes on a
 * decoder: the voice-activity detection may have been about to hear a word begin. */
#define TAIL (RATE * 3 / 10)
/* A stream waiting in finish looks again for an idle holder this often. */
#define WAIT_TICK_MS 50
#define PATH_LEN 512

typedef struct sphinx_stream sphinx_stream;

typedef struct slot {
    ps_decoder_t *ps;      /* NULL until first used */
    sphinx_stream *holder; /* NULL: free */
} slot;

typedef struct sphinx_engine {
    asr_engine base;
    pthread_mutex_t mu;      /* the pool: slots, the queue and the streams' pool fields */
    pthread_cond_t cv;       /* a decoder changed hands, a call or a finalisation ended */
    pthread_mutex_t init_mu; /* one ps_init at a time */
    slot *slots;
    int n_slots;
    sphinx_stream *qhead, *qtail;
    char hmm[PATH_LEN], lm[PATH_LEN], dict[PATH_LEN];
    double max_seconds;
    int idle_ms;
} sphinx_engine;

struct sphinx_stream {
    asr_stream base;
    sphinx_engine *e;
    asr_result_fn fn;
    void *arg;
    uint64_t max_samples;
    /* pool fields, under e->mu */
    int slot;            /* the decoder held, -1 none */
    bool in_call;
    bool queued;
    sphinx_stream *qnext;
    uint64_t idle_since; /* ms: the end of its last call */
    bool finalizing;     /* another stream is ending the utterance of the decoder it took from this one */
    bool lost;           /* its decoder was taken: its utterance is over */
    char *pending;       /* that utterance's words (owned), NULL for none */
    double pending_conf;
    bool utt_open;       /* an utterance is open on its decoder (cleared by a taker) */
    bool replay;         /* its utterance was ended in silence: replay the tail first */
    /* the stream's own: touched inside its calls, or by a taker while it is idle */
    bool in_speech;
    uint64_t fed, decoded, seg_start, last_partial; /* samples */
    double last_end_s;
    int16_t tail[TAIL];  /* the last audio recognised while not in speech */
    size_t tail_n;
    int16_t *backlog;    /* fed, not yet recognised */
    size_t bl_n, bl_cap;
    char *partial;       /* the last partial delivered (owned), NULL for none */
    ig_buf transcript;   /* the finals, space-separated */
    ig_buf scratch;      /* transcript + the current partial */
    size_t finals;
    bool finished;
    ig_err fail;         /* sticky */
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* 0: English, 1: Chinese, -1: anything else; regional forms ("en-US", "zh_CN") included. */
static int lang_of(const char *l)
{
    if (l == NULL)
        return 0;
    size_t n = strlen(l);
    if (n < 2 || (n > 2 && l[2] != '-' && l[2] != '_'))
        return -1;
    if (strncasecmp(l, "en", 2) == 0)
        return 0;
    if (strncasecmp(l, "zh", 2) == 0)
        return 1;
    return -1;
}

static bool sphinx_supports(const asr_engine *e, const char *language)
{
    (void)e;
    return language != NULL && lang_of(language) == 0;
}

/* ---- the pool (under e->mu) ---- */

static void queue_push(sphinx_engine *e, sphinx_stream *s)
{
    s->qnext = NULL;
    if (e->qtail != NULL)
        e->qtail->qnext = s;
    else
        e->qhead = s;
    e->qtail = s;
    s->queued = true;
}

/* A stream whose decoder was taken keeps its turn: first in line. */
static void queue_push_front(sphinx_engine *e, sphinx_stream *s)
{
    s->qnext = e->qhead;
    e->qhead = s;
    if (e->qtail == NULL)
        e->qtail = s;
    s->queued = true;
}

static void queue_remove(sphinx_engine *e, sphinx_stream *s)
{
    sphinx_stream **pp = &e->qhead, *prev = NULL;
    while (*pp != NULL && *pp != s) {
        prev = *pp;
        pp = &(*pp)->qnext;
    }
    if (*pp == NULL)
        return;
    *pp = s->qnext;
    if (e->qtail == s)
        e->qtail = prev;
    s->qnext = NULL;
    s->queued = false;
}

/* Whether h's decoder may be taken from it now: h is between calls and recognises nothing
 * (no utterance open, or silence so far), or has been quiet for idle_ms mid-speech. */
static bool stealable(const sphinx_engine *e, const sphinx_stream *h, uint64_t now)
{
    if (h->in_call || h->finalizing)
        return false;
    return !h->utt_open || !h->in_speech || now - h->idle_since >= (uint64_t)e->idle_ms;
}

static void take(sphinx_engine *e, sphinx_stream *s, int k)
{
    queue_remove(e, s);
    e->slots[k].holder = s;
    s->slot = k;
}

/* Decoder k is free again: it goes to the head of the queue, if any. */
static void give_back(sphinx_engine *e, int k)
{
    e->slots[k].holder = NULL;
    if (e->qhead != NULL)
        take(e, e->qhead, k);
    pthread_cond_broadcast(&e->cv);
}

/* Gives s a decoder when its turn has come (every stream queued before it is between calls): a
 * free one, or (steal) one whose holder does not need it now. A holder whose utterance was open
 * is returned in *victim: s must finalise it (finalise_for). s is queued when it gets none. */
static void try_take(sphinx_engine *e, sphinx_stream *s, bool steal, sphinx_stream **victim)
{
    *victim = NULL;
    if (s->slot >= 0)
        return;
    if (!s->queued)
        queue_push(e, s);
    for (const sphinx_stream *p = e->qhead; p != s; p = p->qnext)
        if (p->in_call)
            return;
    for (int k = 0; k < e->n_slots; k++) {
        if (e->slots[k].holder == NULL) {
            take(e, s, k);
            return;
        }
    }
    if (!steal)
        return;
    uint64_t now = now_ms();
    for (int k = 0; k < e->n_slots; k++) {
        sphinx_stream *h = e->slots[k].holder;
        if (!stealable(e, h, now))
            continue;
        h->slot = -1;
        h->lost = true;
        queue_push_front(e, h);
        if (h->utt_open) {
            h->utt_open = false;
            h->replay = !h->in_speech;
            h->finalizing = true;
            *victim = h;
        }
        take(e, s, k);
        return;
    }
}

/* ---- recognition ---- */

static ig_status make_decoder(sphinx_engine *e, ps_decoder_t **out, ig_err *err)
{
    pthread_mutex_lock(&e->init_mu);
    /* Search settings: at most 3000 active HMMs a frame (the default, 30000, rarely binds on
     * read speech but costs time when it does) and no second flat-lexicon pass. On the read
     * speech of pocketsphinx-testdata this took CPU time from about 0.28 to 0.16 of real time
     * and the word error rate from 25% to 20%. */
    cmd_ln_t *cfg = cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", e->hmm, "-lm", e->lm, "-dict", e->dict, "-maxhmmpf",
                                "3000", "-fwdflat", "no", NULL);
    ps_decoder_t *ps = cfg != NULL ? ps_init(cfg) : NULL;
    if (cfg != NULL)
        cmd_ln_free_r(cfg);
    pthread_mutex_unlock(&e->init_mu);
    *out = ps;
    if (ps == NULL)
        return status_errf(err, IG_EINTERNAL, "PocketSphinx could not load its model from %s", e->hmm);
    return IG_OK;
}

/* The words of the utterance just ended on ps (malloc'd, NULL for none) and their mean posterior
 * probability. */
static char *utt_words(ps_decoder_t *ps, double *conf)
{
    *conf = 0;
    const char *hyp = ps_get_hyp(ps, NULL);
    if (hyp == NULL || hyp[0] == '\0')
        return NULL;
    ps_get_prob(ps); /* computes the word posteriors */
    logmath_t *lm = ps_get_logmath(ps);
    double sum = 0;
    int n = 0;
    for (ps_seg_t *seg = ps_seg_iter(ps); seg != NULL; seg = ps_seg_next(seg)) {
        const char *w = ps_seg_word(seg);
        if (w == NULL || w[0] == '<' || w[0] == '[')
            continue; /* <s>, </s>, <sil>, [NOISE] */
        double p = logmath_exp(lm, ps_seg_prob(seg, NULL, NULL, NULL));
        sum += p > 1 ? 1 : p < 0 ? 0 : p;
        n++;
    }
    *conf = n > 0 ? sum / n : 0;
    return strdup(hyp);
}

/* Speech time the voice-activity detection waits before it ends a segment. */
static uint64_t postspeech_samples(ps_decoder_t *ps)
{
    cmd_ln_t *cfg = ps_get_config(ps);
    long frames = cmd_ln_int32_r(cfg, "-vad_postspeech"), frate = cmd_ln_int32_r(cfg, "-frate");
    return frate > 0 && frames > 0 ? (uint64_t)frames * RATE / (uint64_t)frate : 0;
}

static void deliver(sphinx_stream *s, const char *text, double conf, bool final, double start, double end)
{
    asr_result r = {0};
    r.text = text;
    r.text_len = strlen(text);
    r.confidence = conf;
    r.is_final = final;
    r.start_s = start;
    r.end_s = end < start ? start : end;
    r.audio_s = (double)s->decoded / RATE;
    if (final) {
        /* past ASR_TRANSCRIPT_MAX the transcript stops growing: a cap, not an error */
        if (s->transcript.len > 0)
            (void)buf_append(&s->transcript, " ", 1);
        (void)buf_append(&s->transcript, text, r.text_len);
        r.transcript = s->transcript.p != NULL ? s->transcript.p : "";
        r.transcript_len = s->transcript.len;
        s->finals++;
        s->last_end_s = r.end_s;
    } else {
        buf_reset(&s->scratch);
        (void)buf_append(&s->scratch, s->transcript.p != NULL ? s->transcript.p : "", s->transcript.len);
        if (s->scratch.len > 0)
            (void)buf_append(&s->scratch, " ", 1);
        (void)buf_append(&s->scratch, text, r.text_len);
        r.transcript = s->scratch.p != NULL ? s->scratch.p : "";
        r.transcript_len = s->scratch.len;
    }
    if (s->fn != NULL)
        s->fn(&r, s->arg);
}

/* Ends the segment now being spoken, or (speech false) whatever the utterance holds. */
static void final_of(sphinx_stream *s, char *words, double conf, uint64_t end)
{
    double start = s->in_speech ? (double)s->seg_start / RATE : s->last_end_s;
    free(s->partial);
    s->partial = NULL;
    s->in_speech = false;
    if (words != NULL)
        deliver(s, words, conf, true, start, (double)end / RATE);
    free(words);
}

/* Ends the open utterance on ps and delivers its final result. */
static ig_status end_utt(sphinx_stream *s, ps_decoder_t *ps, uint64_t end, ig_err *err)
{
    s->utt_open = false;
    if (ps_end_utt(ps) < 0) {
        final_of(s, NULL, 0, end);
        return status_errf(err, IG_EINTERNAL, "the speech recognizer failed to end an utterance");
    }
    double conf;
    char *w = utt_words(ps, &conf);
    final_of(s, w, conf, end);
    return IG_OK;
}

/* Called by a stream that took the decoder of an idle stream mid-utterance: ends that utterance
 * and leaves its words for the idle stream's next call. */
static void finalise_for(sphinx_engine *e, sphinx_stream *victim, ps_decoder_t *ps)
{
    char *w = NULL;
    double conf = 0;
    if (ps != NULL && ps_end_utt(ps) >= 0)
        w = utt_words(ps, &conf);
    pthread_mutex_lock(&e->mu);
    if (w != NULL && victim->pending != NULL) {
        size_t a = strlen(victim->pending), b = strlen(w);
        char *both = malloc(a + b + 2);
        if (both != NULL) {
            memcpy(both, victim->pending, a);
            both[a] = ' ';
            memcpy(both + a + 1, w, b + 1);
        }
        free(w);
        w = both;
        free(victim->pending);
    } else if (w == NULL) {
        w = victim->pending;
    }
    victim->pending = w;
    victim->pending_conf = conf;
    victim->finalizing = false;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
}

/* Any slot queue waiting? (under no lock; a hint, re-checked under the lock by whoever acts) */
static bool someone_waits(sphinx_engine *e)
{
    pthread_mutex_lock(&e->mu);
    bool w = e->qhead != NULL;
    pthread_mutex_unlock(&e->mu);
    return w;
}

static void release(sphinx_stream *s)
{
    pthread_mutex_lock(&s->e->mu);
    int k = s->slot;
    s->slot = -1;
    if (k >= 0)
        give_back(s->e, k);
    pthread_mutex_unlock(&s->e->mu);
}

static void keep_tail(sphinx_stream *s, const int16_t *p, size_t k)
{
    if (k >= TAIL) {
        memcpy(s->tail, p + k - TAIL, TAIL * sizeof *p);
        s->tail_n = TAIL;
        return;
    }
    if (s->tail_n + k > TAIL) {
        size_t drop = s->tail_n + k - TAIL;
        memmove(s->tail, s->tail + drop, (s->tail_n - drop) * sizeof *p);
        s->tail_n -= drop;
    }
    memcpy(s->tail + s->tail_n, p, k * sizeof *p);
    s->tail_n += k;
}

/* Recognises the backlog on the held decoder, delivering partials and segment finals. At the end
 * of a segment the decoder goes back when another stream waits (*released): the rest of the
 * backlog stays. */
static ig_status recognise(sphinx_stream *s, ps_decoder_t *ps, bool *released, ig_err *err)
{
    *released = false;
    if (!s->utt_open) {
        if (ps_start_utt(ps) < 0)
            return status_errf(err, IG_EINTERNAL, "the speech recognizer failed to start an utterance");
        s->utt_open = true;
        if (s->replay && s->tail_n > 0 && ps_process_raw(ps, s->tail, s->tail_n, FALSE, FALSE) < 0)
            return status_errf(err, IG_EINTERNAL, "the speech recognizer failed on the audio");
        s->replay = false;
    }
    size_t at = 0;
    ig_status st = IG_OK;
    while (at < s->bl_n) {
        size_t k = s->bl_n - at < SLICE ? s->bl_n - at : SLICE;
        if (ps_process_raw(ps, s->backlog + at, k, FALSE, FALSE) < 0) {
            st = status_errf(err, IG_EINTERNAL, "the speech recognizer failed on the audio");
            break;
        }
        at += k;
        s->decoded += k;
        bool speech = ps_get_in_speech(ps) != 0;
        if (!speech)
            keep_tail(s, s->backlog + at - k, k);
        if (speech && !s->in_speech) {
            s->in_speech = true;
            s->tail_n = 0;
            s->seg_start = s->decoded - k;
            s->last_partial = s->decoded;
        } else if (!speech && s->in_speech) {
            uint64_t post = postspeech_samples(ps), end = s->decoded > post ? s->decoded - post : 0;
            st = end_utt(s, ps, end > s->seg_start ? end : s->decoded, err);
            if (st != IG_OK)
                break;
            if (someone_waits(s->e)) {
                release(s);
                *released = true;
                break;
            }
            if (ps_start_utt(ps) < 0) {
                st = status_errf(err, IG_EINTERNAL, "the speech recognizer failed to start an utterance");
                break;
            }
            s->utt_open = true;
        } else if (s->in_speech && s->decoded - s->last_partial >= (uint64_t)RATE * ASR_PARTIAL_EVERY_MS / 1000) {
            s->last_partial = s->decoded;
            const char *hyp = ps_get_hyp(ps, NULL);
            if (hyp != NULL && hyp[0] != '\0' && (s->partial == NULL || strcmp(hyp, s->partial) != 0)) {
                char *copy = strdup(hyp);
                if (copy == NULL) {
                    st = status_errf(err, IG_ENOMEM, "out of memory");
                    break;
                }
                free(s->partial);
                s->partial = copy;
                deliver(s, copy, 0, false, (double)s->seg_start / RATE, (double)s->decoded / RATE);
            }
        }
    }
    if (at > 0) /* a stream fed nothing yet has no backlog buffer at all */
        memmove(s->backlog, s->backlog + at, (s->bl_n - at) * sizeof *s->backlog);
    s->bl_n -= at;
    return st;
}

/* Enters a call: waits out a finalisation by a taker and delivers what it left; then, when the
 * stream has audio to recognise (want), takes a decoder if it can (wait: until it has one). The
 * decoder's index, or -1. */
static int call_begin(sphinx_stream *s, bool want, bool wait)
{
    sphinx_engine *e = s->e;
    pthread_mutex_lock(&e->mu);
    while (s->finalizing)
        pthread_cond_wait(&e->cv, &e->mu);
    s->in_call = true;
    bool lost = s->lost;
    char *pending = s->pending;
    double pconf = s->pending_conf;
    s->lost = false;
    s->pending = NULL;
    sphinx_stream *victim = NULL;
    while (want || s->slot >= 0) {
        try_take(e, s, true, &victim);
        if (s->slot >= 0 || !wait)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += WAIT_TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&e->cv, &e->mu, &ts);
    }
    int k = s->slot;
    ps_decoder_t *vps = victim != NULL ? e->slots[k].ps : NULL;
    pthread_mutex_unlock(&e->mu);
    if (victim != NULL)
        finalise_for(e, victim, vps);
    if (lost)
        final_of(s, pending, pconf, s->decoded);
    return k;
}

static void call_end(sphinx_stream *s)
{
    pthread_mutex_lock(&s->e->mu);
    s->in_call = false;
    s->idle_since = now_ms();
    pthread_cond_broadcast(&s->e->cv);
    pthread_mutex_unlock(&s->e->mu);
}

/* The decoder of slot k, made on first use. */
static ig_status slot_decoder(sphinx_stream *s, int k, ps_decoder_t **out, ig_err *err)
{
    sphinx_engine *e = s->e;
    pthread_mutex_lock(&e->mu);
    ps_decoder_t *ps = e->slots[k].ps;
    pthread_mutex_unlock(&e->mu);
    if (ps == NULL) {
        ig_status st = make_decoder(e, &ps, err);
        if (st != IG_OK)
            return st;
        pthread_mutex_lock(&e->mu);
        e->slots[k].ps = ps;
        pthread_mutex_unlock(&e->mu);
    }
    *out = ps;
    return IG_OK;
}

/* Recognises what can be: all the backlog when finishing (waiting for a decoder as needed), else
 * as much as a decoder is available for. */
static ig_status run(sphinx_stream *s, bool finishing, ig_err *err)
{
    ig_status st = IG_OK;
    ps_decoder_t *ps = NULL;
    int k;
    for (;;) {
        k = call_begin(s, s->bl_n > 0, finishing);
        if (k < 0)
            break;
        st = slot_decoder(s, k, &ps, err);
        bool released = false;
        if (st == IG_OK)
            st = recognise(s, ps, &released, err);
        if (released)
            k = -1;
        if (st != IG_OK || !released || !finishing)
            break;
        call_end(s);
    }
    if (k >= 0 && s->utt_open) {
        if (st != IG_OK) {
            s->utt_open = false;
            ps_end_utt(ps);
        } else if (finishing || (!s->in_speech && someone_waits(s->e))) {
            s->replay = !finishing;
            st = end_utt(s, ps, s->decoded, err);
        }
    }
    if (k >= 0 && !s->utt_open)
        release(s);
    if (finishing) {
        /* a finished stream neither waits nor keeps a decoder handed to it meanwhile */
        pthread_mutex_lock(&s->e->mu);
        queue_remove(s->e, s);
        if (s->slot >= 0) {
            int j = s->slot;
            s->slot = -1;
            give_back(s->e, j);
        }
        pthread_mutex_unlock(&s->e->mu);
    }
    call_end(s);
    if (st != IG_OK && s->fail.status == IG_OK)
        s->fail = *err;
    return st;
}

/* ---- the stream API ---- */

static ig_status sphinx_stream_open(asr_engine *base, const asr_stream_opts *o, asr_stream **out, ig_err *err)
{
    sphinx_engine *e = (sphinx_engine *)base;
    *out = NULL;
    int lang = lang_of(o->language);
    if (lang == 1)
        return status_errf(err, IG_EINVAL, "%s", ASR_SPHINX_ZH_MESSAGE);
    if (lang < 0)
        return status_errf(err, IG_EINVAL, "live transcription does not know the language '%.16s'", o->language);
    sphinx_stream *s = calloc(1, sizeof *s);
    if (s == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory opening a transcription stream");
    s->base.engine = base;
    s->e = e;
    s->fn = o->on_result;
    s->arg = o->arg;
    double secs = o->max_seconds > 0 ? o->max_seconds : e->max_seconds;
    s->max_samples = (uint64_t)(secs * RATE);
    s->slot = -1;
    buf_init(&s->transcript, ASR_TRANSCRIPT_MAX);
    buf_init(&s->scratch, ASR_TRANSCRIPT_MAX + 4096);
    pthread_mutex_lock(&e->mu);
    s->idle_since = now_ms();
    sphinx_stream *victim;
    try_take(e, s, false, &victim);
    pthread_mutex_unlock(&e->mu);
    *out = &s->base;
    return IG_OK;
}

static ig_status sphinx_stream_feed(asr_stream *base, const int16_t *pcm, size_t n, ig_err *err)
{
    sphinx_stream *s = (sphinx_stream *)base;
    if (s->fail.status != IG_OK)
        return status_errf(err, s->fail.status, "%s", s->fail.msg);
    if (s->finished)
        return status_errf(err, IG_ESTATE, "the transcription stream has finished");
    if (s->fed + n > s->max_samples) {
        status_errf(&s->fail, IG_ETOOBIG, "more than %.0f seconds of audio in one answer",
                    (double)s->max_samples / RATE);
        return status_errf(err, IG_ETOOBIG, "%s", s->fail.msg);
    }
    if (s->bl_n + n > s->bl_cap) {
        size_t cap = s->bl_cap ? s->bl_cap : 16384;
        while (cap < s->bl_n + n)
            cap *= 2;
        int16_t *p = realloc(s->backlog, cap * sizeof *p);
        if (p == NULL)
            return status_errf(err, IG_ENOMEM, "out of memory buffering audio");
        s->backlog = p;
        s->bl_cap = cap;
    }
    if (n > 0)
        memcpy(s->backlog + s->bl_n, pcm, n * sizeof *pcm);
    s->bl_n += n;
    s->fed += n;
    return run(s, false, err);
}

static ig_status sphinx_stream_finish(asr_stream *base, ig_err *err)
{
    sphinx_stream *s = (sphinx_stream *)base;
    if (s->fail.status != IG_OK)
        return status_errf(err, s->fail.status, "%s", s->fail.msg);
    if (s->finished)
        return status_errf(err, IG_ESTATE, "the transcription stream has finished");
    s->finished = true;
    return run(s, true, err);
}

static void sphinx_stream_info(asr_stream *base, asr_stream_info *out)
{
    sphinx_stream *s = (sphinx_stream *)base;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&s->e->mu);
    out->waiting = s->queued && s->bl_n > 0;
    if (s->queued) {
        size_t pos = 1;
        for (const sphinx_stream *p = s->e->qhead; p != NULL && p != s; p = p->qnext)
            pos++;
        out->queue_position = pos;
    }
    pthread_mutex_unlock(&s->e->mu);
    out->audio_s = (double)s->fed / RATE;
    out->decoded_s = (double)s->decoded / RATE;
    out->finals = s->finals;
}

static void sphinx_stream_close(asr_stream *base)
{
    sphinx_stream *s = (sphinx_stream *)base;
    sphinx_engine *e = s->e;
    pthread_mutex_lock(&e->mu);
    while (s->finalizing)
        pthread_cond_wait(&e->cv, &e->mu);
    queue_remove(e, s);
    int k = s->slot;
    ps_decoder_t *ps = k >= 0 ? e->slots[k].ps : NULL;
    bool open = s->utt_open;
    s->in_call = true; /* nobody takes its decoder while it ends the utterance */
    pthread_mutex_unlock(&e->mu);
    if (ps != NULL && open)
        ps_end_utt(ps);
    release(s);
    free(s->pending);
    free(s->partial);
    free(s->backlog);
    buf_free(&s->transcript);
    buf_free(&s->scratch);
    free(s);
}

/* ---- the engine ---- */

static void sphinx_close(asr_engine *base)
{
    sphinx_engine *e = (sphinx_engine *)base;
    for (int k = 0; k < e->n_slots; k++)
        if (e->slots[k].ps != NULL)
            ps_free(e->slots[k].ps);
    free(e->slots);
    pthread_cond_destroy(&e->cv);
    pthread_mutex_destroy(&e->mu);
    pthread_mutex_destroy(&e->init_mu);
    free(e);
}

static const asr_engine_ops SPHINX_OPS = {
    .name = "sphinx",
    .supports = sphinx_supports,
    .stream_open = sphinx_stream_open,
    .stream_feed = sphinx_stream_feed,
    .stream_finish = sphinx_stream_finish,
    .stream_info = sphinx_stream_info,
    .stream_close = sphinx_stream_close,
    .close = sphinx_close,
};

/* dir/name into out, which must exist. */
static ig_status model_path(char *out, const char *dir, const char *name, bool is_dir, ig_err *err)
{
    int n = snprintf(out, PATH_LEN, "%s/%s", dir, name);
    if (n < 0 || n >= PATH_LEN)
        return status_errf(err, IG_EINVAL, "PocketSphinx model path too long");
    struct stat sb;
    if (stat(out, &sb) != 0 || (is_dir ? !S_ISDIR(sb.st_mode) : !S_ISREG(sb.st_mode)))
        return status_errf(err, IG_EIO, "PocketSphinx model file %.200s is missing (Debian package pocketsphinx-en-us)",
                           out);
    return IG_OK;
}

ig_status asr_sphinx_open(const asr_sphinx_opts *o, asr_engine **out, ig_err *err)
{
    *out = NULL;
    if (o->decoders < 1 || o->decoders > 64)
        return status_errf(err, IG_EINVAL, "ASR decoders must be 1 to 64 (got %d)", o->decoders);
    if (!(o->max_seconds > 0))
        return status_errf(err, IG_EINVAL, "ASR audio cap must be positive");
    sphinx_engine *e = calloc(1, sizeof *e);
    if (e == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory opening the speech recognizer");
    const char *dir = o->model_dir != NULL ? o->model_dir : ASR_SPHINX_MODEL_DIR;
    ig_status st = model_path(e->hmm, dir, "en-us", true, err);
    if (st == IG_OK)
        st = model_path(e->lm, dir, "en-us.lm.bin", false, err);
    if (st == IG_OK)
        st = model_path(e->dict, dir, "cmudict-en-us.dict", false, err);
    if (st != IG_OK) {
        free(e);
        return st;
    }
    e->slots = calloc((size_t)o->decoders, sizeof *e->slots);
    if (e->slots == NULL) {
        free(e);
        return status_errf(err, IG_ENOMEM, "out of memory opening the speech recognizer");
    }
    e->n_slots = o->decoders;
    e->max_seconds = o->max_seconds;
    e->idle_ms = o->idle_ms > 0 ? o->idle_ms : ASR_SPHINX_IDLE_MS;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&e->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&e->mu, NULL);
    pthread_mutex_init(&e->init_mu, NULL);
    e->base.ops = &SPHINX_OPS;
    err_set_logfp(NULL);
    *out = &e->base;
    return IG_OK;
}

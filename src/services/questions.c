/* Question rules on top of the store, the AI engine, the bank and speech: what a generation request
 * carries (the current resume, earlier weak topics), owner-scoped reads, bank pages, and the cache
 * of spoken questions. */
#include "services/questions.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const TYPES[] = {"general", "technical", "behavioral", "project", "system_design", "mixed"};

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; s != NULL && i < n; i++) {
        if (strcmp(s, list[i]) == 0)
            return true;
    }
    return false;
}

bool questions_type_ok(const char *s)
{
    return in_list(s, TYPES, sizeof TYPES / sizeof TYPES[0]);
}

bool questions_difficulty_ok(const char *s)
{
    static const char *const levels[] = {"easy", "medium", "hard"};
    return in_list(s, levels, 3);
}

bool questions_language_ok(const char *s)
{
    static const char *const langs[] = {"en", "zh"};
    return in_list(s, langs, 2);
}

int64_t questions_random_seed(void)
{
    /* 31 bits: exact in any JSON reader */
    return (int64_t)(randombytes_random() & 0x7FFFFFFFu);
}

ig_status questions_service_init(questions_service *svc, ig_store *store, ai_engine *engine, const bank *qbank,
                                 tts *speech, const ig_log *log, const char *data_dir, ig_err *err)
{
    memset(svc, 0, sizeof *svc);
    svc->store = store;
    svc->engine = engine;
    svc->bank = qbank;
    svc->tts = speech;
    svc->log = log;
    if (store == NULL || engine == NULL || data_dir == NULL)
        return status_errf(err, IG_EINVAL, "questions: store, engine and data folder are required");
    int n = snprintf(svc->tts_dir, sizeof svc->tts_dir, "%s/tts", data_dir);
    if (n < 0 || (size_t)n >= sizeof svc->tts_dir)
        return status_errf(err, IG_EINVAL, "DATA_DIR is too long for the speech cache");
    return IG_OK;
}

/* Adds the distinct topics of the user's latest reports to req as "weak_topics". */
static ig_status add_weak_topics(const questions_service *svc, int64_t user_id, json_t *req, ig_err *err)
{
    json_t *lists = NULL, *topics = json_array();
    ig_status rc = topics != NULL ? store_weak_topics(svc->store, user_id, QUESTIONS_WEAK_REPORTS, &lists, err)
                                  : status_errf(err, IG_ENOMEM, "out of memory");
    size_t i, k;
    json_t *list, *t;
    json_array_foreach(lists, i, list)
    {
        json_array_foreach(list, k, t)
        {
            bool seen = false;
            size_t j;
            json_t *u;
            json_array_foreach(topics, j, u) seen = seen || json_equal(u, t);
            if (json_is_string(t) && !seen && json_array_size(topics) < QUESTIONS_WEAK_TOPICS)
                json_array_append(topics, t);
        }
    }
    json_decref(lists);
    if (rc == IG_OK && json_object_set_new(req, "weak_topics", topics) != 0)
        rc = status_errf(err, IG_ENOMEM, "out of memory");
    else if (rc != IG_OK)
        json_decref(topics);
    return rc;
}

/* The structured resume of the user's completed resume as it is stored now (edits included). */
static ig_status current_resume(const questions_service *svc, int64_t user_id, int64_t resume_id, json_t **out,
                                ig_err *err)
{
    static const char *const bookkeeping[] = {"id", "created_at", "updated_at", "edited", "edited_at"};
    store_resume r;
    ig_status rc = store_resume_get(svc->store, user_id, resume_id, &r, err);
    if (rc != IG_OK)
        return rc;
    if (strcmp(r.status, "completed") != 0)
        return status_errf(err, IG_ESTATE, "resume %lld is %s, not parsed yet", (long long)resume_id, r.status);
    rc = store_resume_parse_result(svc->store, user_id, resume_id, out, err);
    if (rc == IG_ENOTFOUND) /* completed without a result: nothing to ask about */
        rc = status_errf(err, IG_ESTATE, "resume %lld has no parse result", (long long)resume_id);
    for (size_t i = 0; rc == IG_OK && i < sizeof bookkeeping / sizeof bookkeeping[0]; i++)
        json_object_del(*out, bookkeeping[i]);
    return rc;
}

ig_status questions_draft(const questions_service *svc, int64_t user_id, const questions_spec *spec, json_t **out,
                          ig_err *err)
{
    json_t *resume = NULL, *req = NULL;
    *out = NULL;
    if (spec->count < 1 || spec->count > QUESTIONS_COUNT_MAX)
        return status_errf(err, IG_EINVAL, "question count %d is outside 1..%d", spec->count, QUESTIONS_COUNT_MAX);
    if (!questions_type_ok(spec->interview_type) || !questions_difficulty_ok(spec->difficulty) ||
        !questions_language_ok(spec->language))
        return status_errf(err, IG_EINVAL, "unknown interview type, difficulty or language");
    ig_status rc = current_resume(svc, user_id, spec->resume_id, &resume, err);
    if (rc != IG_OK)
        goto out;
    req = json_pack("{s:O, s:s, s:s, s:i, s:s, s:s?, s:I, s:I}", "resume", resume, "interview_type",
                    spec->interview_type, "difficulty", spec->difficulty, "count", spec->count, "language",
                    spec->language, "job_description", spec->job_description, "seed", (json_int_t)spec->seed,
                    "user_id", (json_int_t)user_id);
    if (req == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory building the generation request");
        goto out;
    }
    rc = add_weak_topics(svc, user_id, req, err);
    if (rc == IG_OK)
        rc = ai_generate(svc->engine, req, out, err);
    if (rc == IG_OK && (!json_is_array(*out) || json_array_size(*out) == 0)) {
        json_decref(*out);
        *out = NULL;
        rc = status_errf(err, IG_EINTERNAL, "the engine generated no questions");
    }
out:
    json_decref(resume);
    json_decref(req);
    return rc;
}

ig_status questions_generate(const questions_service *svc, int64_t user_id, const questions_spec *spec,
                             json_t **out, ig_err *err)
{
    json_t *drafted = NULL;
    *out = NULL;
    ig_status rc = questions_draft(svc, user_id, spec, &drafted, err);
    if (rc == IG_OK)
        rc = store_questions_add(svc->store, user_id, spec->resume_id, spec->interview_type, drafted, out, err);
    json_decref(drafted);
    return rc;
}

ig_status questions_get(const questions_service *svc, int64_t user_id, int64_t id, json_t **out, ig_err *err)
{
    return store_question_get(svc->store, user_id, id, out, err);
}

ig_status questions_list(const questions_service *svc, int64_t user_id, int64_t resume_id, int page, int per_page,
                         json_t **out, int64_t *total, ig_err *err)
{
    *out = NULL;
    *total = 0;
    if (resume_id != 0) {
        store_resume r;
        ig_status rc = store_resume_get(svc->store, user_id, resume_id, &r, err);
        if (rc != IG_OK)
            return rc;
    }
    return store_question_list(svc->store, user_id, resume_id, page, per_page, out, total, err);
}

/* A JSON array of n strings. */
static json_t *string_array(const char *const *s, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < n; i++) {
        if (json_array_append_new(a, json_string(s[i])) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

/* A bank entry as the browse API shows it, in lang or else the language it has. */
static json_t *bank_entry_json(const bank_entry *e, bank_lang lang)
{
    bank_lang other = lang == BANK_EN ? BANK_ZH : BANK_EN;
    bank_lang shown = e->lang[lang].text != NULL ? lang : other;
    const bank_text *t = &e->lang[shown];
    json_t *langs = json_array();
    for (int l = 0; langs != NULL && l < BANK_NLANGS; l++) {
        if (e->lang[l].text != NULL)
            json_array_append_new(langs, json_string(bank_lang_name((bank_lang)l)));
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:s, s:o?, s:o?, s:s?, s:o?}", "id", e->id, "type",
                     bank_type_name(e->type), "difficulty", bank_level_name(e->difficulty), "topic", e->topic, "skill",
                     e->skill, "language", bank_lang_name(shown), "question_text", t->text != NULL ? t->text : "",
                     "key_points", string_array(t->key_points, t->n_key_points), "follow_ups",
                     string_array(t->follow_ups, t->n_follow_ups), "model_answer", t->model_answer, "languages", langs);
}

ig_status questions_bank(const questions_service *svc, const bank_filter *f, const questions_page *pg,
                         const char *lang, json_t **out, int64_t *total, ig_err *err)
{
    *out = NULL;
    *total = 0;
    if (svc->bank == NULL)
        return status_errf(err, IG_EIO, "no question bank is loaded");
    if (pg->page < 1 || pg->per_page < 1 || pg->per_page > 1000)
        return status_errf(err, IG_EINVAL, "page %d / per_page %d out of range", pg->page, pg->per_page);
    int l = bank_lang_parse(lang != NULL ? lang : "en");
    size_t offset = (size_t)(pg->page - 1) * (size_t)pg->per_page, n_total = 0;
    const bank_entry **found = calloc((size_t)pg->per_page, sizeof *found);
    json_t *arr = json_array();
    ig_status rc = IG_OK;
    if (found == NULL || arr == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory browsing the bank");
        goto out;
    }
    size_t n = bank_find(svc->bank, f, offset, found, (size_t)pg->per_page, &n_total);
    for (size_t i = 0; i < n; i++) {
        if (json_array_append_new(arr, bank_entry_json(found[i], l < 0 ? BANK_EN : (bank_lang)l)) != 0) {
            rc = status_errf(err, IG_ENOMEM, "out of memory browsing the bank");
            goto out;
        }
    }
    *out = arr;
    arr = NULL;
    *total = (int64_t)n_total;
out:
    free(found);
    json_decref(arr);
    return rc;
}

/* ---- spoken questions ---- */

/* The cache file of question id with this text and language: <tts_dir>/<id>-<hash>.wav, the hash
 * over language and text, so an edited text is never answered with stale audio. */
static ig_status audio_path(const questions_service *svc, int64_t id, const char *lang, const char *text,
                            char *out, size_t cap, ig_err *err)
{
    unsigned char h[16];
    char hex[33];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)lang, strlen(lang) + 1);
    crypto_generichash_update(&st, (const unsigned char *)text, strlen(text));
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    int n = snprintf(out, cap, "%s/%lld-%s.wav", svc->tts_dir, (long long)id, hex);
    if (n < 0 || (size_t)n >= cap)
        return status_errf(err, IG_EINVAL, "speech cache path is too long");
    return IG_OK;
}

/* Writes len bytes to path atomically: a temporary file beside it, synced, then renamed over it,
 * so a concurrent reader sees the whole file or none. */
static ig_status write_atomic(const char *path, const unsigned char *data, size_t len, ig_err *err)
{
    char tmp[600];
    int n = snprintf(tmp, sizeof tmp, "%s.%08x.tmp", path, randombytes_random());
    if (n < 0 || (size_t)n >= sizeof tmp)
        return status_errf(err, IG_EINVAL, "speech cache path is too long");
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return status_errf(err, IG_EIO, "cannot write %s: %s", tmp, strerror(errno));
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    bool ok = off == len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        ig_status rc = status_errf(err, IG_EIO, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return rc;
    }
    return IG_OK;
}

static ig_status open_wav(const char *path, int *fd, uint64_t *size, ig_err *err)
{
    struct stat sb;
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return status_errf(err, errno == ENOENT ? IG_ENOTFOUND : IG_EIO, "cannot open %s: %s", path, strerror(errno));
    if (fstat(*fd, &sb) != 0 || sb.st_size < TTS_WAV_HEADER) {
        close(*fd);
        *fd = -1;
        return status_errf(err, IG_EIO, "cached speech %s is unreadable", path);
    }
    *size = (uint64_t)sb.st_size;
    return IG_OK;
}

ig_status questions_audio(const questions_service *svc, int64_t user_id, int64_t id, int *fd, uint64_t *size,
                          ig_err *err)
{
    json_t *q = NULL;
    unsigned char *wav = NULL;
    size_t wav_len = 0;
    char path[600];
    *fd = -1;
    *size = 0;
    ig_status rc = store_question_get(svc->store, user_id, id, &q, err);
    if (rc != IG_OK)
        return rc;
    const char *text = json_string_value(json_object_get(q, "question_text"));
    const char *lang = json_string_value(json_object_get(q, "language"));
    if (text == NULL || !questions_language_ok(lang))
        lang = "en";
    if (text == NULL)
        text = "";
    rc = audio_path(svc, id, lang, text, path, sizeof path, err);
    if (rc == IG_OK) {
        rc = open_wav(path, fd, size, err);
        if (rc != IG_ENOTFOUND)
            goto out;
    }
    if (rc == IG_ENOTFOUND && svc->tts == NULL)
        rc = status_errf(err, IG_EIO, "speech is not available");
    if (rc == IG_ENOTFOUND && mkdir(svc->tts_dir, 0700) != 0 && errno != EEXIST)
        rc = status_errf(err, IG_EIO, "cannot create %s: %s", svc->tts_dir, strerror(errno));
    else if (rc == IG_ENOTFOUND)
        rc = tts_wav(svc->tts, text, strlen(text), lang, &wav, &wav_len, err);
    /* two first calls at once both speak; the second rename replaces the first with equal bytes */
    if (rc == IG_OK)
        rc = write_atomic(path, wav, wav_len, err);
    if (rc == IG_OK)
        rc = open_wav(path, fd, size, err);
out:
    free(wav);
    json_decref(q);
    return rc;
}

/* Resume rules on top of the store, the job pool and the sandboxed extractor: uploads, the parse
 * job, reads, deletion with the file, reparse and download. */
#include "services/resumes.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/fsdir.h"
#include "core/utf8.h"

#include "jobs/wakeup.h"
#include "parse/sandbox.h"

#define PROGRESS_STARTED 10

ig_status resumes_service_init(resumes_service *svc, ig_store *store, const ig_log *log, const char *upload_folder,
                               const char *extractor, int max_attempts, ig_err *err)
{
    memset(svc, 0, sizeof *svc);
    svc->store = store;
    svc->log = log;
    svc->max_attempts = max_attempts;
    parse_limits_default(&svc->limits);
    if (store == NULL || upload_folder == NULL || upload_folder[0] == '\0')
        return status_errf(err, IG_EINVAL, "resumes: store and upload folder are required");
    if (max_attempts < 1 || max_attempts > 100)
        return status_errf(err, IG_EINVAL, "resumes: max attempts %d outside 1..100", max_attempts);
    int n = snprintf(svc->upload_folder, sizeof svc->upload_folder, "%s", upload_folder);
    if (n < 0 || (size_t)n >= sizeof svc->upload_folder)
        return status_errf(err, IG_EINVAL, "UPLOAD_FOLDER is longer than %zu bytes", sizeof svc->upload_folder - 1);
    while (n > 1 && svc->upload_folder[n - 1] == '/')
        svc->upload_folder[--n] = '\0';
    if (extractor != NULL) {
        n = snprintf(svc->extractor, sizeof svc->extractor, "%s", extractor);
        if (n < 0 || (size_t)n >= sizeof svc->extractor)
            return status_errf(err, IG_EINVAL, "extractor path is too long");
    } else {
        ssize_t len = readlink("/proc/self/exe", svc->extractor, sizeof svc->extractor - 1);
        if (len <= 0)
            return status_errf(err, IG_EIO, "cannot resolve /proc/self/exe: %s", strerror(errno));
        svc->extractor[len] = '\0';
    }
    /* mkdir -p, 0700: uploads are private */
    char path[sizeof svc->upload_folder];
    memcpy(path, svc->upload_folder, sizeof path);
    for (char *p = path + 1;; p++) {
        bool end = *p == '\0';
        if (*p != '/' && !end)
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return status_errf(err, IG_EIO, "cannot create UPLOAD_FOLDER %s: %s", path, strerror(errno));
        if (end)
            break;
        *p = '/';
    }
    /* one zygote loads the document libraries once and forks a confined worker per file: a
     * process per file would spend ~25 ms loading them each time */
    ig_status rc = parse_sandbox_open(svc->extractor, &svc->sandbox, err);
    if (rc == IG_OK && (rc = skills_taxonomy_load(&svc->skills, err)) != IG_OK) {
        parse_sandbox_close(svc->sandbox);
        svc->sandbox = NULL;
    }
    return rc;
}

/* ---- names and types ---- */

/* Length of the well-formed UTF-8 sequence at s (n bytes left) that may stand in a displayed name;
 * 0 when malformed or a character that would disguise the name. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    uint32_t cp;
    size_t len = utf8_decode(s, n, &cp);
    /* C1 controls, bidirectional overrides and isolates: they would disguise the name on display */
    if ((cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
        return 0;
    return len;
}

void resumes_sanitize_name(const char *name, const char *fallback, char *out, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return;
    if (name != NULL) {
        const char *base = name;
        for (const char *p = name; *p; p++) {
            if (*p == '/' || *p == '\\')
                base = p + 1;
        }
        size_t n = strlen(base), limit = cap - 1 < RESUMES_NAME_MAX ? cap - 1 : RESUMES_NAME_MAX;
        const unsigned char *s = (const unsigned char *)base;
        for (size_t i = 0; i < n;) {
            size_t len = utf8_seq(s + i, n - i);
            if (len == 0 || (len == 1 && (s[i] < 0x20 || s[i] == 0x7F))) {
                i += len == 0 ? 1 : len;
                continue;
            }
            if (o + len > limit)
                break;
            /* a run of blanks from dropped characters collapses to one */
            if (!(s[i] == ' ' && (o == 0 || out[o - 1] == ' '))) {
                memcpy(out + o, s + i, len);
                o += len;
            }
            i += len;
        }
        while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '.'))
            o--;
    }
    out[o] = '\0';
    if (o == 0 || strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
        snprintf(out, cap, "%s", fallback != NULL ? fallback : "resume");
}

const char *resumes_mime_type(parse_format f)
{
    switch (f) {
    case PARSE_PDF: return "application/pdf";
    case PARSE_DOCX: return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    case PARSE_DOC: return "application/msword";
    case PARSE_HTML: return "text/html";
    case PARSE_PNG: return "image/png";
    case PARSE_JPEG: return "image/jpeg";
    case PARSE_UNSUPPORTED: break;
    }
    return NULL;
}

/* ---- files ---- */

/* UPLOAD_FOLDER/<rel> into out; IG_EINVAL for a stored path that could leave the folder. */
static ig_status full_path(const resumes_service *svc, const char *rel, char *out, size_t cap, ig_err *err)
{
    if (rel[0] == '\0' || rel[0] == '/' || strstr(rel, "..") != NULL)
        return status_errf(err, IG_EINVAL, "stored file path '%.64s' is not inside the upload folder", rel);
    int n = snprintf(out, cap, "%s/%s", svc->upload_folder, rel);
    if (n < 0 || (size_t)n >= cap)
        return status_errf(err, IG_EINVAL, "stored file path is too long");
    return IG_OK;
}

/* Writes all n bytes of p to fd. */
static bool write_all(int fd, const void *p, size_t n)
{
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, (const char *)p + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return false;
        off += (size_t)w;
    }
    return true;
}

/* Copies src to dst (created exclusively, 0600) and fsyncs it: a rename across file systems. */
static ig_status copy_file(const char *src, const char *dst, ig_err *err)
{
    char buf[65536];
    ig_status rc = IG_OK;
    int in = open(src, O_RDONLY | O_CLOEXEC);
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (in < 0 || out < 0) {
        rc = status_errf(err, IG_EIO, "cannot copy the upload into place: %s", strerror(errno));
        goto out;
    }
    for (;;) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = status_errf(err, IG_EIO, "cannot read the upload: %s", strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        if (!write_all(out, buf, (size_t)r)) {
            rc = status_errf(err, IG_EIO, "cannot store the upload: %s", strerror(errno));
            goto out;
        }
    }
    if (fsync(out) != 0)
        rc = status_errf(err, IG_EIO, "cannot store the upload: %s", strerror(errno));
out:
    if (in >= 0)
        close(in);
    if (out >= 0) {
        close(out);
        if (rc != IG_OK)
            unlink(dst);
    }
    return rc;
}

/* A file kept in the database (STORAGE=db), copied out a chunk at a time into a private temporary
 * file under UPLOAD_FOLDER/.tmp: the extractor opens files by path, and a download streams from a
 * descriptor. The file is created at the first chunk, so a resume whose file is not in the
 * database costs none; it is hashed on the way and checked against the resume. */
typedef struct db_copy {
    const resumes_service *svc;
    bool named;               /* keep the name (for the extractor); else it is unlinked at once */
    char path[PATH_MAX + 1];
    int fd;                   /* -1 until the first chunk */
    uint64_t size;
    crypto_hash_sha256_state sha;
} db_copy;

static ig_status db_copy_chunk(void *arg, const void *data, size_t n, ig_err *err)
{
    db_copy *d = arg;
    if (d->fd < 0) {
        int w = snprintf(d->path, sizeof d->path, "%s/.tmp", d->svc->upload_folder);
        if (w < 0 || (size_t)w + sizeof "/dbfile-XXXXXX" > sizeof d->path)
            return status_errf(err, IG_EINVAL, "UPLOAD_FOLDER is too long");
        if (mkdir(d->path, 0700) != 0 && errno != EEXIST)
            return status_errf(err, IG_EIO, "cannot create %s: %s", d->path, strerror(errno));
        memcpy(d->path + w, "/dbfile-XXXXXX", sizeof "/dbfile-XXXXXX");
        if ((d->fd = mkostemp(d->path, O_CLOEXEC)) < 0)
            return status_errf(err, IG_EIO, "cannot create a temporary file: %s", strerror(errno));
        if (!d->named)
            unlink(d->path);
        crypto_hash_sha256_init(&d->sha);
    }
    crypto_hash_sha256_update(&d->sha, data, n);
    if (!write_all(d->fd, data, n))
        return status_errf(err, IG_EIO, "cannot write a temporary file: %s", strerror(errno));
    d->size += n;
    return IG_OK;
}

/* The resume's file from the database into d (d->fd at its start, d->path its name when named);
 * IG_ENOTFOUND when the database has none for it, IG_EIO when it is not the file uploaded. On
 * failure nothing is left open or on disk. */
static ig_status db_fetch(const resumes_service *svc, const store_resume *r, bool named, db_copy *d, ig_err *err)
{
    unsigned char sum[crypto_hash_sha256_BYTES];
    char hex[sizeof sum * 2 + 1];
    *d = (db_copy){.svc = svc, .named = named, .fd = -1};
    ig_status rc = store_file_read(svc->store, r->user_id, r->id, db_copy_chunk, d, err);
    if (rc == IG_OK) {
        crypto_hash_sha256_final(&d->sha, sum);
        sodium_bin2hex(hex, sizeof hex, sum, sizeof sum);
        if (d->size != (uint64_t)r->file_size || strcmp(hex, r->content_sha256) != 0)
            rc = status_errf(err, IG_EIO, "the file of resume %lld in the database is damaged (%llu bytes, hash %.12s)",
                             (long long)r->id, (unsigned long long)d->size, hex);
    }
    if (rc == IG_OK && lseek(d->fd, 0, SEEK_SET) != 0)
        rc = status_errf(err, IG_EIO, "cannot rewind a temporary file: %s", strerror(errno));
    if (rc != IG_OK && d->fd >= 0) {
        close(d->fd);
        d->fd = -1;
        if (named)
            unlink(d->path);
    }
    return rc;
}

/* A new file's name under the upload folder into rel: <user_id>/<32 random hex>.<ext>. */
static ig_status stored_name(int64_t user_id, parse_format fmt, char *rel, size_t rel_cap, ig_err *err)
{
    unsigned char rnd[16];
    char hex[sizeof rnd * 2 + 1];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    int n = snprintf(rel, rel_cap, "%lld/%s.%s", (long long)user_id, hex, parse_format_name(fmt));
    if (n < 0 || (size_t)n >= rel_cap)
        return status_errf(err, IG_EINVAL, "stored file path is too long");
    return IG_OK;
}

/* Moves tmp to UPLOAD_FOLDER/<stored_name>; rel gets the part after the folder. */
static ig_status store_upload(const resumes_service *svc, int64_t user_id, const char *tmp, parse_format fmt,
                              char *rel, size_t rel_cap, char *dst, size_t dst_cap, ig_err *err)
{
    int n = snprintf(rel, rel_cap, "%lld", (long long)user_id);
    ig_status rc = n > 0 && (size_t)n < rel_cap ? full_path(svc, rel, dst, dst_cap, err)
                                                : status_errf(err, IG_EINVAL, "bad user id");
    if (rc != IG_OK)
        return rc;
    if (mkdir(dst, 0700) != 0 && errno != EEXIST)
        return status_errf(err, IG_EIO, "cannot create the upload folder of user %lld: %s", (long long)user_id,
                           strerror(errno));
    rc = stored_name(user_id, fmt, rel, rel_cap, err);
    if (rc == IG_OK)
        rc = full_path(svc, rel, dst, dst_cap, err);
    if (rc != IG_OK)
        return rc;
    if (rename(tmp, dst) == 0)
        return IG_OK;
    if (errno != EXDEV)
        return status_errf(err, IG_EIO, "cannot move the upload into place: %s", strerror(errno));
    rc = copy_file(tmp, dst, err);
    if (rc == IG_OK)
        unlink(tmp);
    return rc;
}

static bool is_sha256_hex(const char *s)
{
    if (s == NULL || strnlen(s, 65) != 64)
        return false;
    for (size_t i = 0; i < 64; i++) {
        if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
            return false;
    }
    return true;
}

/* A parse job was just queued: this process's job threads wake now, and through Redis every
 * worker's. A wake-up that cannot be sent only delays the parse until a poll finds it. */
static void wake_workers(const resumes_service *svc)
{
    jobs_notify(svc->jobs);
    ig_err err = {IG_OK, ""};
    if (svc->wakeup != NULL && wakeup_publish(svc->wakeup, &err) != IG_OK)
        log_printf(svc->log, IG_LOG_WARN, "job_wakeup_not_sent", "%s; workers find the job at their next poll",
                   err.msg);
}

/* STORAGE=db: the upload's bytes go into the database in the transaction that writes the resume
 * and its parse job; the name a local file would have is kept as file_path all the same. */
static ig_status upload_to_db(const resumes_service *svc, int64_t user_id, const char *tmp_path,
                              const char *original_name, uint64_t size, const char *sha256_hex, parse_format fmt,
                              store_resume *out, bool *duplicate, ig_err *err)
{
    char rel[STORE_FILE_PATH_MAX + 1], name[RESUMES_NAME_MAX + 1], fallback[32];
    snprintf(fallback, sizeof fallback, "resume.%s", parse_format_name(fmt));
    resumes_sanitize_name(original_name, fallback, name, sizeof name);
    ig_status rc = stored_name(user_id, fmt, rel, sizeof rel, err);
    if (rc == IG_OK) {
        store_resume_new in = {user_id, name, rel, resumes_mime_type(fmt), (int64_t)size, sha256_hex,
                               svc->max_attempts};
        rc = store_resume_create_file(svc->store, &in, tmp_path, out, err);
    }
    unlink(tmp_path);
    if (rc == IG_ECONFLICT) {
        *duplicate = true; /* the same bytes again: the existing resume answers */
        return IG_OK;
    }
    if (rc == IG_OK)
        wake_workers(svc);
    return rc;
}

ig_status resumes_upload_finish(const resumes_service *svc, int64_t user_id, const char *tmp_path,
                                const char *original_name, uint64_t size, const char *sha256_hex,
                                store_resume *out, bool *duplicate, ig_err *err)
{
    char rel[STORE_FILE_PATH_MAX + 1], dst[PATH_MAX + 1], name[RESUMES_NAME_MAX + 1], fallback[32];
    bool moved = false;
    parse_format fmt = PARSE_UNSUPPORTED;
    struct stat sb;
    ig_status rc = IG_OK;
    if (svc == NULL || tmp_path == NULL || out == NULL || duplicate == NULL)
        return status_errf(err, IG_EINVAL, "resumes_upload_finish: arguments are required");
    *duplicate = false;
    if (!is_sha256_hex(sha256_hex)) {
        rc = status_errf(err, IG_EINVAL, "the upload's hash is not 64 lower-case hex digits");
        goto out;
    }
    if (stat(tmp_path, &sb) != 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size != size) {
        rc = status_errf(err, IG_EINVAL, "the uploaded file is missing or not %llu bytes", (unsigned long long)size);
        goto out;
    }
    rc = parse_sniff_file(tmp_path, &fmt, err);
    if (rc != IG_OK)
        goto out;
    if (fmt == PARSE_UNSUPPORTED) {
        rc = status_errf(err, IG_EINVAL, "unsupported file format");
        goto out;
    }
    if (svc->db_storage)
        return upload_to_db(svc, user_id, tmp_path, original_name, size, sha256_hex, fmt, out, duplicate, err);
    rc = store_upload(svc, user_id, tmp_path, fmt, rel, sizeof rel, dst, sizeof dst, err);
    if (rc != IG_OK)
        goto out;
    moved = true;
    snprintf(fallback, sizeof fallback, "resume.%s", parse_format_name(fmt));
    resumes_sanitize_name(original_name, fallback, name, sizeof name);
    store_resume_new in = {user_id, name, rel, resumes_mime_type(fmt), (int64_t)size, sha256_hex, svc->max_attempts};
    rc = store_resume_create(svc->store, &in, out, err);
    if (rc == IG_ECONFLICT) {
        /* the same bytes again: the existing resume answers, and its file is the one kept */
        unlink(dst);
        *duplicate = true;
        return IG_OK;
    }
    if (rc != IG_OK) {
        unlink(dst);
        return rc;
    }
    wake_workers(svc);
    return IG_OK;
out:
    if (!moved)
        unlink(tmp_path);
    return rc;
}

/* ---- the parse job ---- */

/* Sorts an extraction failure into a stable code, and whether trying again could help: a file the
 * libraries refuse is refused again, while a wall-clock timeout may come from a busy machine. The
 * sandbox's own failures are told apart by the reasons parse/sandbox.h documents. */
static const char *classify_failure(ig_status st, const char *msg, bool *permanent)
{
    *permanent = true;
    if (strstr(msg, "no text could be extracted") != NULL)
        return RESUMES_ERR_NO_TEXT;
    if (strncmp(msg, "extraction timed out", 20) == 0) {
        *permanent = false;
        return RESUMES_ERR_PARSE_FAILED;
    }
    if (strncmp(msg, "extractor ", 10) == 0 || strncmp(msg, "extraction exceeded", 19) == 0)
        return RESUMES_ERR_PARSE_FAILED; /* crashed, ran out of CPU time, flooded its output */
    if (st == IG_EINVAL)
        return RESUMES_ERR_UNREADABLE;
    if (st == IG_ETOOBIG)
        return RESUMES_ERR_TOO_LARGE;
    *permanent = false;
    return RESUMES_ERR_PARSE_FAILED;
}

/* The value of doc's key when it has type want, else an empty object or array: the extractor's
 * output is as untrusted as the file it read, so a part of the wrong shape is dropped rather than
 * stored. New reference; NULL on allocation failure. */
static json_t *result_part(const json_t *doc, const char *key, json_type want)
{
    json_t *v = json_object_get(doc, key);
    if (v != NULL && json_typeof(v) == want)
        return json_incref(v);
    return want == JSON_OBJECT ? json_object() : json_array();
}

/* confidence.overall when it is a number within 0..1, else 0. */
static double overall_of(const json_t *confidence)
{
    json_t *v = json_object_get(confidence, "overall");
    double d = json_is_number(v) ? json_number_value(v) : 0.0;
    return d >= 0.0 && d <= 1.0 ? d : 0.0;
}

static void result_free(store_parse_result *r)
{
    json_t *const parts[] = {r->basic_info,     r->skills, r->experience, r->education,  r->projects, r->certifications,
                             r->awards,         r->languages, r->sections, r->confidence, r->refined_fields};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        json_decref(parts[i]);
}

/* The parse result of an extraction: the structured resume the extractor child added to the text
 * (parse/structure.h), with the resume's parse_confidence its overall confidence. */
static ig_status save_extraction(const resumes_service *svc, int64_t user_id, int64_t id, json_t *doc,
                                 double *confidence, ig_err *err)
{
    store_parse_result r = {
        .basic_info = result_part(doc, "basic_info", JSON_OBJECT),
        .skills = result_part(doc, "skills", JSON_ARRAY),
        .experience = result_part(doc, "experience", JSON_ARRAY),
        .education = result_part(doc, "education", JSON_ARRAY),
        .projects = result_part(doc, "projects", JSON_ARRAY),
        .raw_text = json_string_value(json_object_get(doc, "raw_text")),
        .certifications = result_part(doc, "certifications", JSON_ARRAY),
        .awards = result_part(doc, "awards", JSON_ARRAY),
        .languages = result_part(doc, "languages", JSON_ARRAY),
        .sections = result_part(doc, "sections", JSON_ARRAY),
        .confidence = result_part(doc, "confidence", JSON_OBJECT),
        .refined_fields = json_is_array(json_object_get(doc, "refined_fields"))
                              ? json_incref(json_object_get(doc, "refined_fields"))
                              : NULL,
    };
    ig_status rc;
    if (!r.basic_info || !r.skills || !r.experience || !r.education || !r.projects || !r.certifications ||
        !r.awards || !r.languages || !r.sections || !r.confidence)
        rc = status_errf(err, IG_ENOMEM, "out of memory saving the parse result");
    else
        rc = store_resume_save_result(svc->store, user_id, id, &r, *confidence = overall_of(r.confidence), err);
    result_free(&r);
    return rc;
}

static void notify(const resumes_service *svc, int64_t user_id, int64_t id, const char *status, double confidence)
{
    if (svc->notify)
        svc->notify(svc->notify_arg, user_id, id, status, confidence);
}

static void refine(const resumes_service *svc, int64_t user_id, int64_t id, json_t *doc);

static ig_status parse_job(jobs_task *t, void *arg, ig_err *err)
{
    const resumes_service *svc = arg;
    json_t *payload = json_loads(t->job.payload, 0, NULL), *doc = NULL;
    json_t *jid = json_object_get(payload, "resume_id"), *juid = json_object_get(payload, "user_id");
    store_resume r;
    char path[PATH_MAX + 1];
    db_copy copy;
    bool copied = false; /* path is a private copy of a file kept in the database */
    int64_t id = 0, user_id = 0;
    double confidence = 0.0;
    ig_status rc = IG_OK;
    if (!json_is_integer(jid) || !json_is_integer(juid)) {
        t->permanent = true;
        rc = status_errf(err, IG_EINVAL, "parse job %lld has a malformed payload", (long long)t->job.id);
        goto out;
    }
    id = json_integer_value(jid);
    user_id = json_integer_value(juid);
    rc = store_resume_get(svc->store, user_id, id, &r, err);
    if (rc == IG_OK)
        rc = store_resume_mark_processing(svc->store, user_id, id, PROGRESS_STARTED, err);
    if (rc == IG_OK)
        notify(svc, user_id, id, "processing", -1.0);
    if (rc == IG_ENOTFOUND) {
        rc = IG_OK; /* deleted meanwhile: nothing left to do */
        goto out;
    }
    if (rc == IG_OK && (rc = db_fetch(svc, &r, true, &copy, err)) == IG_OK) {
        close(copy.fd);
        copied = true;
        snprintf(path, sizeof path, "%s", copy.path);
    } else if (rc == IG_ENOTFOUND) {
        rc = full_path(svc, r.file_path, path, sizeof path, err);
    }
    if (rc != IG_OK)
        goto out;
    if (access(path, R_OK) != 0) {
        t->permanent = true;
        snprintf(t->fail_code, sizeof t->fail_code, "%s", RESUMES_ERR_FILE_MISSING);
        rc = status_errf(err, IG_ENOTFOUND, "the stored file cannot be read: %s", strerror(errno));
        goto out;
    }
    ig_err perr = {IG_OK, ""};
    rc = parse_sandbox_extract(svc->sandbox, path, &svc->limits, &doc, &perr);
    if (rc == IG_OK) {
        const char *text = json_string_value(json_object_get(doc, "raw_text"));
        if (text == NULL || text[strspn(text, " \t\r\n")] == '\0')
            rc = status_errf(&perr, IG_EINVAL, "no text could be extracted");
    }
    if (rc != IG_OK) {
        bool permanent = false;
        snprintf(t->fail_code, sizeof t->fail_code, "%s", classify_failure(rc, perr.msg, &permanent));
        t->permanent = permanent;
        rc = status_errf(err, rc, "%s", perr.msg);
        goto out;
    }
    refine(svc, user_id, id, doc);
    rc = save_extraction(svc, user_id, id, doc, &confidence, err);
    if (rc == IG_OK)
        notify(svc, user_id, id, "completed", confidence);
    if (rc == IG_ENOTFOUND)
        rc = IG_OK;
out:
    /* the pool fails the resume with this attempt when retrying cannot help or none is left */
    if (rc != IG_OK && rc != IG_AGAIN && id > 0 && (t->permanent || t->job.attempts >= t->job.max_attempts))
        notify(svc, user_id, id, "failed", -1.0);
    if (copied)
        unlink(path);
    json_decref(payload);
    json_decref(doc);
    return rc;
}

void resumes_service_close(resumes_service *svc)
{
    parse_sandbox_close(svc->sandbox);
    svc->sandbox = NULL;
    entities_free(svc->degrees);
    svc->degrees = NULL;
    skills_taxonomy_free(svc->skills);
    svc->skills = NULL;
}

ig_status resumes_set_refiner(resumes_service *svc, ai_engine *engine, ig_err *err)
{
    svc->refiner = ai_can_refine(engine) ? engine : NULL;
    if (svc->refiner == NULL || svc->degrees != NULL)
        return IG_OK;
    ig_status rc = entities_load(&svc->degrees, err);
    if (rc != IG_OK)
        svc->refiner = NULL;
    return rc;
}

void resumes_set_storage(resumes_service *svc, bool in_db)
{
    svc->db_storage = in_db;
}

void resumes_set_wakeup(resumes_service *svc, redis_pool *redis)
{
    svc->wakeup = redis;
}

void resumes_set_notifier(resumes_service *svc, resumes_notify_fn fn, void *arg)
{
    svc->notify = fn;
    svc->notify_arg = arg;
}

ig_status resumes_register_jobs(resumes_service *svc, jobs_pool *pool, ig_err *err)
{
    ig_status rc = jobs_register(pool, STORE_JOB_PARSE_RESUME, parse_job, svc, err);
    if (rc == IG_OK)
        svc->jobs = pool;
    return rc;
}

/* ---- reads, delete, reparse, download ---- */

ig_status resumes_get(const resumes_service *svc, int64_t user_id, int64_t id, store_resume *out,
                      json_t **parse_result, ig_err *err)
{
    if (parse_result != NULL)
        *parse_result = NULL;
    ig_status rc = store_resume_get(svc->store, user_id, id, out, err);
    if (rc != IG_OK || parse_result == NULL || strcmp(out->status, "completed") != 0)
        return rc;
    rc = store_resume_parse_result(svc->store, user_id, id, parse_result, err);
    /* deleted or reparsed between the two reads: the resume alone is still right */
    return rc == IG_ENOTFOUND ? IG_OK : rc;
}

ig_status resumes_list(const resumes_service *svc, int64_t user_id, int page, int per_page, store_resume **items,
                       size_t *count, int64_t *total, ig_err *err)
{
    return store_resume_list(svc->store, user_id, page, per_page, items, count, total, err);
}

ig_status resumes_delete(const resumes_service *svc, int64_t user_id, int64_t id, ig_err *err)
{
    char rel[STORE_FILE_PATH_MAX + 1], path[PATH_MAX + 1];
    ig_status rc = store_resume_delete(svc->store, user_id, id, rel, sizeof rel, err);
    if (rc != IG_OK)
        return rc;
    /* the row is gone whatever happens to the file: a failure here is logged, not returned */
    ig_err ferr = {IG_OK, ""};
    if (full_path(svc, rel, path, sizeof path, &ferr) != IG_OK)
        log_printf(svc->log, IG_LOG_ERROR, "resume_file_not_removed", "%s", ferr.msg);
    else if (unlink(path) != 0 && errno != ENOENT)
        log_printf(svc->log, IG_LOG_ERROR, "resume_file_not_removed", "%s: %s", path, strerror(errno));
    return IG_OK;
}

ig_status resumes_reparse(const resumes_service *svc, int64_t user_id, int64_t id, store_resume *out, bool *queued,
                          ig_err *err)
{
    ig_status rc = store_resume_reparse(svc->store, user_id, id, svc->max_attempts, out, queued, err);
    if (rc == IG_OK && *queued)
        wake_workers(svc);
    return rc;
}

ig_status resumes_open_file(const resumes_service *svc, int64_t user_id, int64_t id, store_resume *out, int *fd,
                            uint64_t *size, ig_err *err)
{
    char path[PATH_MAX + 1];
    struct stat sb;
    db_copy copy;
    *fd = -1;
    *size = 0;
    ig_status rc = store_resume_get(svc->store, user_id, id, out, err);
    if (rc != IG_OK)
        return rc;
    if ((rc = db_fetch(svc, out, false, &copy, err)) == IG_OK) {
        *fd = copy.fd;
        *size = copy.size;
        return IG_OK;
    }
    if (rc == IG_ENOTFOUND)
        rc = full_path(svc, out->file_path, path, sizeof path, err);
    if (rc != IG_OK)
        return rc;
    int f = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (f < 0 || fstat(f, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        rc = status_errf(err, errno == ENOENT ? IG_ENOTFOUND : IG_EIO, "cannot open the stored file: %s",
                         strerror(errno));
        if (f >= 0)
            close(f);
        return rc;
    }
    *fd = f;
    *size = (uint64_t)sb.st_size;
    return IG_OK;
}

ig_status resumes_remove_user_files(const resumes_service *svc, int64_t user_id, ig_err *err)
{
    char rel[32], dir[PATH_MAX + 1];
    snprintf(rel, sizeof rel, "%lld", (long long)user_id);
    ig_status rc = full_path(svc, rel, dir, sizeof dir, err);
    if (rc != IG_OK)
        return rc;
    /* only files live there: the service never makes subdirectories */
    return fsdir_remove_flat(dir, err);
}

/* ---- structured resume edits ---- */

/* The most experience periods counted into years_of_experience (the API allows fewer entries). */
#define EDIT_SPANS_MAX 100
#define COUNT(a) (sizeof(a) / sizeof *(a))

/* A field of an edited entry: a list of strings ([] by default) or a scalar (null by default).
 * The tables follow parse/structure.h, so an edited entry reads like a parsed one. */
typedef struct entry_field {
    const char *name;
    bool list;
} entry_field;

static const entry_field EXPERIENCE_FIELDS[] = {
    {"company", false}, {"title", false},   {"location", false}, {"start", false},  {"end", false},
    {"start_raw", false}, {"end_raw", false}, {"bullets", true},   {"skills", true},
};
static const entry_field EDUCATION_FIELDS[] = {
    {"school", false}, {"degree", false},    {"degree_raw", false}, {"major", false}, {"start", false},
    {"end", false},    {"start_raw", false}, {"end_raw", false},    {"gpa", false},
};
static const entry_field PROJECT_FIELDS[] = {
    {"name", false},    {"role", false},       {"start", false},       {"end", false}, {"start_raw", false},
    {"end_raw", false}, {"tech_stack", true}, {"description", false}, {"url", false},
};

/* The plain-text fields of basic_info a user may correct (besides links and years_of_experience). */
static const char *const BASIC_TEXT_FIELDS[] = {"name",    "email",  "phone",    "location",
                                                "summary", "github", "linkedin", "website"};
/* The per-field confidences that make up the overall one. */
static const char *const CONFIDENCE_FIELDS[] = {"name",       "email",     "phone",   "skills",
                                                "experience", "education", "projects"};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* v without surrounding blanks; null when v is not a string or nothing is left. New reference. */
static json_t *edit_text(const json_t *v)
{
    if (!json_is_string(v))
        return json_null();
    const char *p = json_string_value(v);
    size_t n = json_string_length(v);
    while (n > 0 && is_blank(*p)) {
        p++;
        n--;
    }
    while (n > 0 && is_blank(p[n - 1]))
        n--;
    return n > 0 ? json_stringn(p, n) : json_null();
}

/* Appends v (stolen) to arr; false when v is NULL (an allocation failed) or the append fails. */
static bool append(json_t *arr, json_t *v)
{
    return v != NULL && json_array_append_new(arr, v) == 0;
}

/* The strings of v, trimmed, blank ones dropped. New reference; NULL on allocation failure. */
static json_t *edit_list(const json_t *v)
{
    json_t *out = json_array(), *item;
    size_t i;
    if (out == NULL)
        return NULL;
    json_array_foreach(v, i, item) {
        json_t *t = edit_text(item);
        if (json_is_null(t))
            continue;
        if (!append(out, t)) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* A date of structure.h's forms as months since year 0: "YYYY-MM", or "YYYY" (its first month, or
 * its last when it ends a period); "present" (an end) is now. -1 for anything else. */
static int month_index(const json_t *v, bool end, int now)
{
    const char *s = json_string_value(v);
    if (s == NULL)
        return -1;
    if (end && strcmp(s, "present") == 0)
        return now;
    size_t n = strlen(s);
    if (n != 4 && n != 7)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (i == 4 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
            return -1;
    }
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = n == 7 ? (s[5] - '0') * 10 + (s[6] - '0') : end ? 12 : 1;
    return m >= 1 && m <= 12 ? y * 12 + m - 1 : -1;
}

/* Months from the entry's start to its end, both counted (Jul 2019 - Mar 2021: 21); -1 when the
 * entry has no whole period. */
static int entry_months(const json_t *entry, int now, int *start)
{
    *start = month_index(json_object_get(entry, "start"), false, now);
    int end = month_index(json_object_get(entry, "end"), true, now);
    return *start >= 0 && end >= *start ? end - *start + 1 : -1;
}

/* An entry of the user's (an object) in the shape of fields: what was sent, trimmed, the rest null
 * or []. New reference; NULL on allocation failure. */
static json_t *edit_entry(const json_t *given, const entry_field *fields, size_t n)
{
    json_t *e = json_object();
    for (size_t i = 0; e != NULL && i < n; i++) {
        const json_t *v = json_object_get(given, fields[i].name);
        json_t *nv = fields[i].list ? edit_list(v) : edit_text(v);
        if (nv == NULL || json_object_set_new(e, fields[i].name, nv) != 0) {
            json_decref(e);
            e = NULL;
        }
    }
    return e;
}

/* The user's entries in the shape of fields; with months, each gets duration_months from its
 * dates. New reference; NULL on allocation failure. */
static json_t *edit_entries(const json_t *given, const entry_field *fields, size_t n, bool months, int now)
{
    json_t *out = json_array(), *item;
    size_t i;
    if (out == NULL)
        return NULL;
    json_array_foreach(given, i, item) {
        json_t *e = edit_entry(item, fields, n);
        int start, d = e != NULL ? entry_months(e, now, &start) : -1;
        if (e != NULL && months &&
            json_object_set_new(e, "duration_months", d >= 0 ? json_integer(d) : json_null()) != 0) {
            json_decref(e);
            e = NULL;
        }
        if (!append(out, e)) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* Years the experience entries cover, overlapping periods counted once, to one decimal; null when
 * no entry has a whole period. New reference. */
static json_t *years_of(const json_t *experience, int now)
{
    int span[EDIT_SPANS_MAX][2], n = 0;
    json_t *item;
    size_t i;
    json_array_foreach(experience, i, item) {
        int start, d = entry_months(item, now, &start);
        if (d < 0 || n == EDIT_SPANS_MAX)
            continue;
        /* insertion sort by start: few entries */
        int k = n++;
        for (; k > 0 && span[k - 1][0] > start; k--) {
            span[k][0] = span[k - 1][0];
            span[k][1] = span[k - 1][1];
        }
        span[k][0] = start;
        span[k][1] = start + d; /* one past the last month */
    }
    if (n == 0)
        return json_null();
    int total = 0, lo = span[0][0], hi = span[0][1];
    for (int k = 1; k < n; k++) {
        if (span[k][0] > hi) {
            total += hi - lo;
            lo = span[k][0];
        }
        if (span[k][1] > hi)
            hi = span[k][1];
    }
    total += hi - lo;
    return json_real((double)(long)(total / 12.0 * 10.0 + 0.5) / 10.0);
}

/* The E.164 form of a phone number the user typed, when its country is clear: an international
 * number ("+44 20 7946 0321") or a Chinese mobile number ("138-0013-8000"); null otherwise. */
static json_t *phone_e164(const json_t *phone)
{
    const char *s = json_string_value(phone);
    char d[16];
    size_t n = 0;
    bool plus = false;
    for (; s != NULL && *s; s++) {
        if (isdigit((unsigned char)*s) && n + 1 < sizeof d)
            d[n++] = *s;
        else if (*s == '+' && n == 0 && !plus)
            plus = true;
        else if (strchr(" -.()", *s) == NULL)
            return json_null();
    }
    d[n] = '\0';
    char out[20];
    if (plus && n >= 8 && n <= 15)
        snprintf(out, sizeof out, "+%s", d);
    else if (!plus && n == 11 && d[0] == '1' && d[1] >= '3')
        snprintf(out, sizeof out, "+86%s", d);
    else
        return json_null();
    return json_string(out);
}

/* cur's basic_info with the fields the user sent replaced. New reference; NULL on allocation
 * failure. */
static json_t *edit_basic_info(const json_t *cur, const json_t *given)
{
    json_t *b = json_is_object(cur) ? json_deep_copy(cur) : json_object();
    bool ok = b != NULL;
    for (size_t i = 0; ok && i < COUNT(BASIC_TEXT_FIELDS); i++) {
        const json_t *v = json_object_get(given, BASIC_TEXT_FIELDS[i]);
        ok = v == NULL || json_object_set_new(b, BASIC_TEXT_FIELDS[i], edit_text(v)) == 0;
    }
    if (ok && json_object_get(given, "phone") != NULL)
        ok = json_object_set_new(b, "phone_e164", phone_e164(json_object_get(b, "phone"))) == 0;
    const json_t *links = json_object_get(given, "links"), *years = json_object_get(given, "years_of_experience");
    if (ok && links != NULL)
        ok = json_object_set_new(b, "links", edit_list(links)) == 0;
    if (ok && years != NULL)
        ok = json_object_set_new(b, "years_of_experience",
                                 json_is_number(years) ? json_real(json_number_value(years)) : json_null()) == 0;
    if (!ok) {
        json_decref(b);
        return NULL;
    }
    return b;
}

/* The skill in list named name, ASCII case ignored; NULL when none. */
static const json_t *find_skill(const json_t *list, const char *name)
{
    const json_t *item;
    size_t i;
    json_array_foreach(list, i, item) {
        const char *n = json_string_value(json_object_get(item, "name"));
        if (n != NULL && strcasecmp(n, name) == 0)
            return item;
    }
    return NULL;
}

/* The user's skills (names, or objects with a name and maybe a category), canonicalised by the
 * taxonomy, each once, as structure.h skills: a skill the parse found keeps its category (unless
 * one was sent), sources, count and raw form; a new one has the one source given ("user", or
 * "model" for a refinement), count 0, raw as sent and the taxonomy's category ("other" when
 * unknown) unless one was sent. New reference; NULL on allocation failure. */
static json_t *edit_skills(const skills_taxonomy *tax, const json_t *cur, const json_t *given, const char *source)
{
    json_t *out = json_array(), *item;
    size_t i;
    if (out == NULL)
        return NULL;
    json_array_foreach(given, i, item) {
        json_t *raw = edit_text(json_is_object(item) ? json_object_get(item, "name") : item);
        if (json_is_null(raw))
            continue;
        const skills_entry *known =
            raw != NULL ? skills_lookup(tax, json_string_value(raw), json_string_length(raw)) : NULL;
        json_t *name = known != NULL ? json_string(known->name) : json_incref(raw);
        if (name != NULL && find_skill(out, json_string_value(name)) != NULL) {
            json_decref(raw);
            json_decref(name);
            continue;
        }
        const json_t *old = name != NULL ? find_skill(cur, json_string_value(name)) : NULL;
        json_t *cat = json_is_object(item) ? edit_text(json_object_get(item, "category")) : json_null();
        if (json_is_null(cat)) {
            const json_t *oc = json_object_get(old, "category");
            cat = json_is_string(oc) ? json_incref((json_t *)oc) : json_string(known ? known->category : "other");
        }
        json_t *s = raw == NULL || name == NULL || cat == NULL ? NULL
                    : old != NULL
                        ? json_pack("{s:O, s:O, s:O?, s:O?, s:O?}", "name", name, "category", cat, "sources",
                                    json_object_get(old, "sources"), "count", json_object_get(old, "count"), "raw",
                                    json_object_get(old, "raw"))
                        : json_pack("{s:O, s:O, s:[s], s:i, s:O}", "name", name, "category", cat, "sources", source,
                                    "count", 0, "raw", raw);
        json_decref(raw);
        json_decref(name);
        json_decref(cat);
        if (!append(out, s)) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* cur's confidences with the fields the user corrected counted as certain (1). The overall
 * confidence becomes the mean of the per-field ones, but never drops below what it was: a
 * correction adds certainty, it cannot remove any. New reference; NULL on allocation failure. */
static json_t *edit_confidence(const json_t *cur, const json_t *patch, double *overall)
{
    json_t *c = json_is_object(cur) ? json_deep_copy(cur) : json_object();
    const json_t *basic = json_object_get(patch, "basic_info");
    double sum = 0.0;
    bool ok = c != NULL;
    for (size_t i = 0; ok && i < COUNT(CONFIDENCE_FIELDS); i++) {
        const char *f = CONFIDENCE_FIELDS[i];
        /* name, email and phone are edited in basic_info; the lists by their own keys */
        bool edited = i < 3 ? json_object_get(basic, f) != NULL : json_object_get(patch, f) != NULL;
        if (edited)
            ok = json_object_set_new(c, f, json_real(1.0)) == 0;
        double v = json_number_value(json_object_get(c, f));
        sum += v >= 0.0 && v <= 1.0 ? v : 0.0;
    }
    double mean = sum / (double)COUNT(CONFIDENCE_FIELDS);
    double before = overall_of(cur);
    *overall = mean > before ? mean : before;
    if (ok)
        ok = json_object_set_new(c, "overall", json_real(*overall)) == 0;
    if (!ok) {
        json_decref(c);
        return NULL;
    }
    return c;
}

/* This month as months since year 0 (UTC). */
static int this_month(void)
{
    time_t t = time(NULL);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL)
        return 0;
    return (tm.tm_year + 1900) * 12 + tm.tm_mon;
}

ig_status resumes_edit_result(const resumes_service *svc, int64_t user_id, int64_t id, const json_t *patch,
                              store_resume *out, json_t **result, ig_err *err)
{
    json_t *cur = NULL;
    store_parse_result r = {0};
    double overall = 0.0;
    int now = this_month();
    *result = NULL;
    ig_status rc = store_resume_get(svc->store, user_id, id, out, err);
    if (rc != IG_OK)
        return rc;
    if (strcmp(out->status, "completed") != 0)
        return status_errf(err, IG_ESTATE, "resume %lld is %s, not completed", (long long)id, out->status);
    rc = store_resume_parse_result(svc->store, user_id, id, &cur, err);
    if (rc != IG_OK)
        return rc;
    const json_t *basic = json_object_get(patch, "basic_info"), *v;
    bool nomem = false;
    if ((v = json_object_get(patch, "skills")) != NULL)
        nomem |= (r.skills = edit_skills(svc->skills, json_object_get(cur, "skills"), v, "user")) == NULL;
    if ((v = json_object_get(patch, "experience")) != NULL)
        nomem |= (r.experience = edit_entries(v, EXPERIENCE_FIELDS, COUNT(EXPERIENCE_FIELDS), true, now)) == NULL;
    if ((v = json_object_get(patch, "education")) != NULL)
        nomem |= (r.education = edit_entries(v, EDUCATION_FIELDS, COUNT(EDUCATION_FIELDS), false, now)) == NULL;
    if ((v = json_object_get(patch, "projects")) != NULL)
        nomem |= (r.projects = edit_entries(v, PROJECT_FIELDS, COUNT(PROJECT_FIELDS), false, now)) == NULL;
    if ((v = json_object_get(patch, "certifications")) != NULL)
        nomem |= (r.certifications = edit_list(v)) == NULL;
    if ((v = json_object_get(patch, "awards")) != NULL)
        nomem |= (r.awards = edit_list(v)) == NULL;
    if ((v = json_object_get(patch, "languages")) != NULL)
        nomem |= (r.languages = edit_list(v)) == NULL;
    /* years of experience follow corrected experience dates, unless the user gave them too */
    bool years = r.experience != NULL && json_object_get(basic, "years_of_experience") == NULL;
    if (basic != NULL || years)
        nomem |= (r.basic_info = edit_basic_info(json_object_get(cur, "basic_info"), basic)) == NULL;
    if (!nomem && years)
        nomem = json_object_set_new(r.basic_info, "years_of_experience", years_of(r.experience, now)) != 0;
    nomem |= (r.confidence = edit_confidence(json_object_get(cur, "confidence"), patch, &overall)) == NULL;
    if (nomem)
        rc = status_errf(err, IG_ENOMEM, "out of memory editing the parse result");
    else
        rc = store_resume_edit_result(svc->store, user_id, id, &r, overall, err);
    if (rc == IG_OK)
        rc = resumes_get(svc, user_id, id, out, result, err);
    result_free(&r);
    json_decref(cur);
    return rc;
}

/* ---- refinement by the AI engine ---- */

/* The education entries the model read, completed as a user's are, with degree_raw the degree as
 * printed and degree its level by the entity lexicon ("other" when it names none). New reference;
 * NULL on allocation failure. */
static json_t *refined_education(const entities *degrees, const json_t *given, int now)
{
    json_t *out = edit_entries(given, EDUCATION_FIELDS, COUNT(EDUCATION_FIELDS), false, now), *e;
    size_t i;
    json_array_foreach(out, i, e) {
        json_t *raw = json_object_get(e, "degree");
        entities_match m;
        const char *level = NULL;
        if (json_is_string(raw))
            level = entities_find(degrees, ENTITIES_DEGREE, json_string_value(raw), json_string_length(raw), &m) &&
                            m.level != NULL
                        ? m.level
                        : "other";
        if (json_object_set(e, "degree_raw", raw) != 0 ||
            json_object_set_new(e, "degree", level != NULL ? json_string(level) : json_null()) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* The model's value of one field merged into doc; true when it replaced the machine's. A null,
 * blank or empty answer keeps the machine's. */
static bool merge_refined(const resumes_service *svc, json_t *doc, const char *field, const json_t *v, int now)
{
    json_t *basic = json_object_get(doc, "basic_info"), *nv = NULL;
    if (!json_is_object(basic) && (basic = json_object()) != NULL && json_object_set_new(doc, "basic_info", basic) != 0)
        basic = NULL;
    if (strcmp(field, "name") == 0 || strcmp(field, "email") == 0 || strcmp(field, "phone") == 0) {
        nv = edit_text(v);
        if (basic == NULL || json_is_null(nv) || json_object_set_new(basic, field, nv) != 0) {
            json_decref(nv);
            return false;
        }
        if (strcmp(field, "phone") == 0)
            json_object_set_new(basic, "phone_e164", phone_e164(json_object_get(basic, "phone")));
        return true;
    }
    if (json_array_size(v) == 0)
        return false;
    if (strcmp(field, "skills") == 0)
        nv = edit_skills(svc->skills, json_object_get(doc, "skills"), v, "model");
    else if (strcmp(field, "experience") == 0)
        nv = edit_entries(v, EXPERIENCE_FIELDS, COUNT(EXPERIENCE_FIELDS), true, now);
    else if (strcmp(field, "education") == 0)
        nv = refined_education(svc->degrees, v, now);
    else if (strcmp(field, "projects") == 0)
        nv = edit_entries(v, PROJECT_FIELDS, COUNT(PROJECT_FIELDS), false, now);
    if (nv == NULL || json_array_size(nv) == 0 || json_object_set_new(doc, field, nv) != 0) {
        json_decref(nv);
        return false;
    }
    if (strcmp(field, "experience") == 0 && basic != NULL)
        json_object_set_new(basic, "years_of_experience", years_of(nv, now));
    return true;
}

/* Asks the refiner about doc's low-confidence fields and merges what it answers (resumes.h). */
static void refine(const resumes_service *svc, int64_t user_id, int64_t id, json_t *doc)
{
    const json_t *conf = json_object_get(doc, "confidence");
    json_t *fields = NULL, *req = NULL, *got = NULL, *refined = NULL;
    ig_err err = {0};
    if (svc->refiner == NULL || (fields = json_array()) == NULL)
        return;
    for (size_t i = 0; i < COUNT(CONFIDENCE_FIELDS); i++) {
        const json_t *c = json_object_get(conf, CONFIDENCE_FIELDS[i]);
        if (json_is_number(c) && json_number_value(c) < RESUMES_REFINE_BELOW)
            json_array_append_new(fields, json_string(CONFIDENCE_FIELDS[i]));
    }
    if (json_array_size(fields) == 0)
        goto out;
    req = json_pack("{s:O, s:{s:O?, s:O?, s:O?, s:O?, s:O?}, s:O, s:I}", "raw_text", json_object_get(doc, "raw_text"),
                    "resume", "basic_info", json_object_get(doc, "basic_info"), "skills",
                    json_object_get(doc, "skills"), "experience", json_object_get(doc, "experience"), "education",
                    json_object_get(doc, "education"), "projects", json_object_get(doc, "projects"), "fields",
                    fields, "user_id", (json_int_t)user_id);
    if (req == NULL || ai_refine(svc->refiner, req, &got, &err) != IG_OK) {
        log_printf(svc->log, IG_LOG_INFO, "resume_refine_skipped", "resume %lld: %s", (long long)id,
                   req == NULL ? "out of memory" : err.msg);
        goto out;
    }
    if ((refined = json_array()) == NULL)
        goto out;
    int now = this_month();
    size_t i;
    json_t *f;
    json_array_foreach(fields, i, f) {
        const char *name = json_string_value(f);
        if (merge_refined(svc, doc, name, json_object_get(got, name), now))
            json_array_append(refined, f);
    }
    if (json_array_size(refined) > 0 && json_object_set(doc, "refined_fields", refined) == 0)
        log_emit(svc->log, IG_LOG_INFO, "resume_refined",
                 json_pack("{s:I, s:O}", "resume_id", (json_int_t)id, "fields", refined));
out:
    json_decref(fields);
    json_decref(req);
    json_decref(got);
    json_decref(refined);
}

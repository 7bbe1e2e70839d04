/* Resume rules on top of the store, the job pool and the sandboxed extractor: uploads, the parse
 * job, reads, deletion with the file, reparse and download. */
#include "services/resumes.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/utf8.h"

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
    return parse_sandbox_open(svc->extractor, &svc->sandbox, err);
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

static bool has_any(const char *text, const char *const *words, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcasestr(text, words[i]) != NULL)
            return true;
    }
    return false;
}

double resumes_confidence(const char *text, bool ocr)
{
    static const char *const contact[] = {"@", "phone", "tel:", "电话", "手机", "邮箱"};
    static const char *const education[] = {"education", "university", "教育", "学历", "大学"};
    static const char *const experience[] = {"experience", "employment", "工作经历", "工作经验", "实习经历"};
    static const char *const skills[] = {"skills", "技能", "技术栈"};
    static const char *const projects[] = {"project", "项目"};
    static const struct {
        const char *const *words;
        size_t n;
    } sections[] = {
        {contact, sizeof contact / sizeof *contact},
        {education, sizeof education / sizeof *education},
        {experience, sizeof experience / sizeof *experience},
        {skills, sizeof skills / sizeof *skills},
        {projects, sizeof projects / sizeof *projects},
    };
    if (text == NULL)
        return 0.0;
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if ((*p & 0xC0) != 0x80 && !isspace(*p))
            chars++;
    }
    double score = 0.5 * (chars >= 2000 ? 1.0 : (double)chars / 2000.0);
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        if (has_any(text, sections[i].words, sections[i].n))
            score += 0.1;
    }
    if (ocr)
        score *= 0.8;
    score = (double)(long)(score * 100.0 + 0.5) / 100.0;
    return score > 1.0 ? 1.0 : score;
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
        for (ssize_t off = 0; off < r;) {
            ssize_t w = write(out, buf + off, (size_t)(r - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                rc = status_errf(err, IG_EIO, "cannot store the upload: %s", strerror(errno));
                goto out;
            }
            off += w;
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

/* Moves tmp to UPLOAD_FOLDER/<user_id>/<32 random hex>.<ext>; rel gets the part after the folder. */
static ig_status store_upload(const resumes_service *svc, int64_t user_id, const char *tmp, parse_format fmt,
                              char *rel, size_t rel_cap, char *dst, size_t dst_cap, ig_err *err)
{
    unsigned char rnd[16];
    char hex[sizeof rnd * 2 + 1];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    int n = snprintf(rel, rel_cap, "%lld", (long long)user_id);
    ig_status rc = n > 0 && (size_t)n < rel_cap ? full_path(svc, rel, dst, dst_cap, err)
                                                : status_errf(err, IG_EINVAL, "bad user id");
    if (rc != IG_OK)
        return rc;
    if (mkdir(dst, 0700) != 0 && errno != EEXIST)
        return status_errf(err, IG_EIO, "cannot create the upload folder of user %lld: %s", (long long)user_id,
                           strerror(errno));
    n = snprintf(rel, rel_cap, "%lld/%s.%s", (long long)user_id, hex, parse_format_name(fmt));
    if (n < 0 || (size_t)n >= rel_cap)
        return status_errf(err, IG_EINVAL, "stored file path is too long");
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
    jobs_notify(svc->jobs);
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

/* The parse result of an extraction: basic_info holds the links until structured extraction
 * fills the rest; the other sections stay empty. */
static ig_status save_extraction(const resumes_service *svc, int64_t user_id, int64_t id, json_t *doc,
                                 ig_err *err)
{
    json_t *links = json_object_get(doc, "links");
    json_t *basic = json_pack("{s:O}", "links", json_is_array(links) ? links : json_array());
    json_t *empty = json_array();
    ig_status rc = IG_OK;
    if (basic == NULL || empty == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory saving the parse result");
        goto out;
    }
    const char *text = json_string_value(json_object_get(doc, "raw_text"));
    store_parse_result r = {basic, empty, empty, empty, empty, text};
    rc = store_resume_save_result(svc->store, user_id, id, &r, resumes_confidence(text, json_is_true(
                                                                                          json_object_get(doc, "ocr"))),
                                  err);
out:
    json_decref(basic);
    json_decref(empty);
    return rc;
}

static ig_status parse_job(jobs_task *t, void *arg, ig_err *err)
{
    const resumes_service *svc = arg;
    json_t *payload = json_loads(t->job.payload, 0, NULL), *doc = NULL;
    json_t *jid = json_object_get(payload, "resume_id"), *juid = json_object_get(payload, "user_id");
    store_resume r;
    char path[PATH_MAX + 1];
    ig_status rc = IG_OK;
    if (!json_is_integer(jid) || !json_is_integer(juid)) {
        t->permanent = true;
        rc = status_errf(err, IG_EINVAL, "parse job %lld has a malformed payload", (long long)t->job.id);
        goto out;
    }
    int64_t id = json_integer_value(jid), user_id = json_integer_value(juid);
    rc = store_resume_get(svc->store, user_id, id, &r, err);
    if (rc == IG_OK)
        rc = store_resume_mark_processing(svc->store, user_id, id, PROGRESS_STARTED, err);
    if (rc == IG_ENOTFOUND) {
        rc = IG_OK; /* deleted meanwhile: nothing left to do */
        goto out;
    }
    if (rc == IG_OK)
        rc = full_path(svc, r.file_path, path, sizeof path, err);
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
    rc = save_extraction(svc, user_id, id, doc, err);
    if (rc == IG_ENOTFOUND)
        rc = IG_OK;
out:
    json_decref(payload);
    json_decref(doc);
    return rc;
}

void resumes_service_close(resumes_service *svc)
{
    parse_sandbox_close(svc->sandbox);
    svc->sandbox = NULL;
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
        jobs_notify(svc->jobs);
    return rc;
}

ig_status resumes_open_file(const resumes_service *svc, int64_t user_id, int64_t id, store_resume *out, int *fd,
                            uint64_t *size, ig_err *err)
{
    char path[PATH_MAX + 1];
    struct stat sb;
    *fd = -1;
    *size = 0;
    ig_status rc = store_resume_get(svc->store, user_id, id, out, err);
    if (rc == IG_OK)
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
    char rel[32], dir[PATH_MAX + 1], path[PATH_MAX + 1];
    snprintf(rel, sizeof rel, "%lld", (long long)user_id);
    ig_status rc = full_path(svc, rel, dir, sizeof dir, err);
    if (rc != IG_OK)
        return rc;
    DIR *d = opendir(dir);
    if (d == NULL)
        return errno == ENOENT ? IG_OK : status_errf(err, IG_EIO, "cannot open %s: %s", dir, strerror(errno));
    struct dirent *de;
    /* only files live there: the service never makes subdirectories */
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        int n = snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (rc == IG_OK && (n < 0 || (size_t)n >= sizeof path || (unlink(path) != 0 && errno != ENOENT)))
            rc = status_errf(err, IG_EIO, "cannot remove %s: %s", path, strerror(errno));
    }
    closedir(d);
    if (rc == IG_OK && rmdir(dir) != 0 && errno != ENOENT)
        rc = status_errf(err, IG_EIO, "cannot remove %s: %s", dir, strerror(errno));
    return rc;
}

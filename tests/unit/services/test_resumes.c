/* Tests of the resumes service with real files and the real extractor: uploads (type by content,
 * random stored names, duplicates, refusals), the parse job run through the sandbox (this test
 * binary is the extractor: `test_resumes extract ...` runs the child), failure codes for empty,
 * damaged, missing, crashing and hanging extractions, the user's corrections of the structured
 * result, and delete, download and reparse. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "parse/sandbox.h"
#include "services/resumes.h"

typedef struct fixture {
    char dir[512];
    char uploads[600];
    char db[600];
    ig_store *st;
    ig_log log;
    int devnull;
    resumes_service svc;
    jobs_pool *pool;
    int64_t alice, bob;
    int tmp_seq;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/igsvcresXXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/test.db", f->dir);
    snprintf(f->uploads, sizeof f->uploads, "%s/var/uploads/", f->dir); /* trailing slash, missing dirs */
    char url[700];
    snprintf(url, sizeof url, "sqlite:///%s", f->db);
    ig_err err = {0};
    assert_int_equal(store_open(&f->st, url, 4, 5000, 30000, &err), IG_OK);
    assert_int_equal(store_migrate(f->st, NULL, &err), IG_OK);
    f->devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    assert_int_equal(log_init(&f->log, f->devnull, "debug", &err), IG_OK);
    ig_status rc = resumes_service_init(&f->svc, f->st, &f->log, f->uploads, NULL, 3, &err);
    if (rc != IG_OK)
        print_error("init: %s\n", err.msg);
    assert_int_equal(rc, IG_OK);
    /* generous for sanitizer builds, still bounded */
    f->svc.limits.timeout_ms = 60000;
    jobs_config c;
    jobs_config_default(&c);
    c.workers = 1;
    assert_int_equal(jobs_new(f->st, &f->log, &c, "test", &f->pool, &err), IG_OK);
    assert_int_equal(resumes_register_jobs(&f->svc, f->pool, &err), IG_OK);
    store_user u;
    assert_int_equal(store_user_create(f->st, "alice@example.com", "h", NULL, &u, &err), IG_OK);
    f->alice = u.id;
    assert_int_equal(store_user_create(f->st, "bob@example.com", "h", NULL, &u, &err), IG_OK);
    f->bob = u.id;
    *state = f;
    return 0;
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL) {
        unlink(path);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char sub[1200];
        snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
        remove_tree(sub);
    }
    closedir(d);
    rmdir(path);
}

static int teardown(void **state)
{
    fixture *f = *state;
    jobs_free(f->pool);
    resumes_service_close(&f->svc);
    store_close(f->st);
    close(f->devnull);
    remove_tree(f->dir);
    free(f);
    return 0;
}

/* ---- helpers ---- */

static size_t count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* A new temp file in the fixture holding len bytes; path (cap bytes) gets its name. */
static void write_tmp(fixture *f, const void *data, size_t len, char *path, size_t cap)
{
    snprintf(path, cap, "%s/upload-%d.part", f->dir, f->tmp_seq++);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    fclose(fp);
}

static void read_whole(const char *path, char **data, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    *data = malloc((size_t)n + 1);
    assert_non_null(*data);
    assert_int_equal(fread(*data, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* Uploads len bytes as name for user; returns the status, fills r and dup. */
static ig_status upload(fixture *f, int64_t user, const void *data, size_t len, const char *name, store_resume *r,
                        bool *dup, ig_err *err)
{
    char tmp[700], sha[65];
    write_tmp(f, data, len, tmp, sizeof tmp);
    sha256_hex(data, len, sha);
    ig_status rc = resumes_upload_finish(&f->svc, user, tmp, name, len, sha, r, dup, err);
    assert_false(exists(tmp)); /* consumed whatever happened */
    return rc;
}

static store_resume upload_ok(fixture *f, int64_t user, const void *data, size_t len, const char *name)
{
    store_resume r;
    bool dup = true;
    ig_err err = {0};
    ig_status rc = upload(f, user, data, len, name, &r, &dup, &err);
    if (rc != IG_OK)
        print_error("upload: %s\n", err.msg);
    assert_int_equal(rc, IG_OK);
    assert_false(dup);
    return r;
}

static store_resume reload(fixture *f, const store_resume *r)
{
    store_resume got;
    ig_err err = {0};
    assert_int_equal(store_resume_get(f->st, r->user_id, r->id, &got, &err), IG_OK);
    return got;
}

static void stored_path(const fixture *f, const store_resume *r, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", f->uploads, r->file_path);
}

static ig_status run_job(fixture *f)
{
    ig_err err = {0};
    return jobs_run_once(f->pool, "test-worker", &err);
}

static const char RESUME_HTML[] =
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>CV</title></head><body>"
    "<h1>Alice Zhang 张爱丽</h1><p>alice@example.com · <a href=\"https://github.com/alicez\">GitHub</a></p>"
    "<h2>Experience</h2><p>Backend engineer at Example Corp, 2019-2024: built a job queue in C.</p>"
    "<h2>Education</h2><p>Tsinghua University, BSc Computer Science</p>"
    "<h2>Skills</h2><p>C, SQL, Linux, 分布式系统</p></body></html>";

/* Writes a one-page PDF with two lines of text in Helvetica (a standard font: nothing to embed),
 * with a correct cross-reference table. The lines must be plain ASCII without parentheses. */
static void make_pdf(const char *path, const char *line1, const char *line2)
{
    char content[512], buf[4096];
    int clen = snprintf(content, sizeof content, "BT /F1 14 Tf 72 740 Td (%s) Tj 0 -30 Td (%s) Tj ET\n", line1, line2);
    const char *objs[5];
    char obj4[600];
    objs[0] = "<< /Type /Catalog /Pages 2 0 R >>";
    objs[1] = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
    objs[2] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
              "/Contents 4 0 R >>";
    snprintf(obj4, sizeof obj4, "<< /Length %d >>\nstream\n%sendstream", clen, content);
    objs[3] = obj4;
    objs[4] = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>";
    long offsets[5];
    size_t n = (size_t)snprintf(buf, sizeof buf, "%%PDF-1.4\n");
    for (int i = 0; i < 5; i++) {
        offsets[i] = (long)n;
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%d 0 obj\n%s\nendobj\n", i + 1, objs[i]);
    }
    long xref = (long)n;
    n += (size_t)snprintf(buf + n, sizeof buf - n, "xref\n0 6\n0000000000 65535 f \n");
    for (int i = 0; i < 5; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%010ld 00000 n \n", offsets[i]);
    n += (size_t)snprintf(buf + n, sizeof buf - n, "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n",
                          xref);
    assert_true(n < sizeof buf);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(buf, 1, n, fp), n);
    fclose(fp);
}

/* ---- pure helpers ---- */

static void test_sanitize_name(void **state)
{
    (void)state;
    char out[RESUMES_NAME_MAX + 1];
    static const char *const cases[][2] = {
        {"cv.pdf", "cv.pdf"},
        {"../../etc/passwd", "passwd"},
        {"C:\\Users\\me\\My CV.docx", "My CV.docx"},
        {"a\x01" "b\nc\x7f.pdf", "abc.pdf"},
        {"bad\xff\xfe utf8.pdf", "bad utf8.pdf"},
        {"evil\xe2\x80\xae" "fdp.exe", "evilfdp.exe"}, /* U+202E right-to-left override */
        {"简历 张三.pdf", "简历 张三.pdf"},
        {"  spaced   out  .pdf. . ", "spaced out .pdf"},
        {"..", "resume.pdf"},
        {"dir/", "resume.pdf"},
        {"", "resume.pdf"},
        {"\x01\x02", "resume.pdf"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        resumes_sanitize_name(cases[i][0], "resume.pdf", out, sizeof out);
        if (strcmp(out, cases[i][1]) != 0)
            fail_msg("case %zu: got '%s', want '%s'", i, out, cases[i][1]);
    }
    resumes_sanitize_name(NULL, "resume.doc", out, sizeof out);
    assert_string_equal(out, "resume.doc");

    /* capped at 255 bytes, on a character boundary */
    char longname[3 * 300 + 1];
    for (int i = 0; i < 300; i++)
        memcpy(longname + 3 * i, "简", 3);
    longname[sizeof longname - 1] = '\0';
    resumes_sanitize_name(longname, "x", out, sizeof out);
    assert_int_equal(strlen(out), 255);
    assert_int_equal(strncmp(out, longname, 255), 0);
    char ascii[400];
    memset(ascii, 'a', sizeof ascii - 1);
    ascii[sizeof ascii - 1] = '\0';
    resumes_sanitize_name(ascii, "x", out, sizeof out);
    assert_int_equal(strlen(out), 255);
}

static void test_mime_types(void **state)
{
    (void)state;
    assert_string_equal(resumes_mime_type(PARSE_PDF), "application/pdf");
    assert_string_equal(resumes_mime_type(PARSE_DOCX),
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    assert_string_equal(resumes_mime_type(PARSE_DOC), "application/msword");
    assert_string_equal(resumes_mime_type(PARSE_HTML), "text/html");
    assert_string_equal(resumes_mime_type(PARSE_PNG), "image/png");
    assert_string_equal(resumes_mime_type(PARSE_JPEG), "image/jpeg");
    assert_null(resumes_mime_type(PARSE_UNSUPPORTED));
}

/* ---- uploads ---- */

static void test_upload_html_and_duplicate(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_resume r = upload_ok(f, f->alice, RESUME_HTML, sizeof RESUME_HTML - 1, "../evil/简历.doc");
    assert_string_equal(r.status, "pending");
    assert_string_equal(r.file_type, "text/html"); /* the bytes decide, not the .doc name */
    assert_string_equal(r.file_name, "简历.doc");
    assert_int_equal(r.file_size, sizeof RESUME_HTML - 1);
    /* stored under <user>/<32 random hex>.html, never under the client's name */
    char prefix[32];
    snprintf(prefix, sizeof prefix, "%lld/", (long long)f->alice);
    assert_int_equal(strncmp(r.file_path, prefix, strlen(prefix)), 0);
    const char *base = r.file_path + strlen(prefix);
    assert_int_equal(strlen(base), 32 + 5);
    assert_int_equal(strspn(base, "0123456789abcdef"), 32);
    assert_string_equal(base + 32, ".html");
    char path[1200], *data = NULL;
    size_t len = 0;
    stored_path(f, &r, path, sizeof path);
    read_whole(path, &data, &len);
    assert_int_equal(len, sizeof RESUME_HTML - 1);
    assert_memory_equal(data, RESUME_HTML, len);
    free(data);
    struct stat sb;
    char userdir[700];
    snprintf(userdir, sizeof userdir, "%s/%lld", f->uploads, (long long)f->alice);
    assert_int_equal(stat(userdir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);

    /* the parse job is queued */
    store_job j;
    assert_int_equal(store_job_lease(f->st, "peek", (int64_t)time(NULL), 60, &j, &err), IG_OK);
    assert_int_equal(j.resume_id, r.id);

    /* the same bytes again, under another name: the existing resume, and no second file */
    store_resume again;
    bool dup = false;
    assert_int_equal(upload(f, f->alice, RESUME_HTML, sizeof RESUME_HTML - 1, "copy.html", &again, &dup, &err), IG_OK);
    assert_true(dup);
    assert_int_equal(again.id, r.id);
    assert_string_equal(again.file_name, "简历.doc");
    assert_int_equal(count_files(userdir), 1);
    /* another user uploading it gets a resume of their own */
    store_resume other = upload_ok(f, f->bob, RESUME_HTML, sizeof RESUME_HTML - 1, "cv.html");
    assert_int_not_equal(other.id, r.id);
}

static void test_upload_refusals(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_resume r;
    bool dup = false;
    static const char rtf[] = "{\\rtf1\\ansi Alice Zhang resume}";
    static const char text[] = "Alice Zhang\nExperience\nplain text is not a resume format\n";
    static const char exe[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";
    assert_int_equal(upload(f, f->alice, rtf, sizeof rtf - 1, "cv.pdf", &r, &dup, &err), IG_EINVAL);
    assert_int_equal(upload(f, f->alice, text, sizeof text - 1, "cv.docx", &r, &dup, &err), IG_EINVAL);
    assert_int_equal(upload(f, f->alice, exe, sizeof exe - 1, "cv.pdf", &r, &dup, &err), IG_EINVAL);

    /* a wrong hash or size is refused before anything is stored */
    char tmp[700];
    write_tmp(f, RESUME_HTML, sizeof RESUME_HTML - 1, tmp, sizeof tmp);
    assert_int_equal(resumes_upload_finish(&f->svc, f->alice, tmp, "x.html", sizeof RESUME_HTML - 1, "ABC", &r, &dup,
                                           &err),
                     IG_EINVAL);
    assert_false(exists(tmp));
    char sha[65];
    sha256_hex(RESUME_HTML, sizeof RESUME_HTML - 1, sha);
    write_tmp(f, RESUME_HTML, sizeof RESUME_HTML - 1, tmp, sizeof tmp);
    assert_int_equal(resumes_upload_finish(&f->svc, f->alice, tmp, "x.html", 5, sha, &r, &dup, &err), IG_EINVAL);
    assert_false(exists(tmp));

    store_resume *items = NULL;
    size_t n = 0;
    int64_t total = -1;
    assert_int_equal(resumes_list(&f->svc, f->alice, 1, 20, &items, &n, &total, &err), IG_OK);
    assert_int_equal(total, 0);
    char userdir[700];
    snprintf(userdir, sizeof userdir, "%s/%lld", f->uploads, (long long)f->alice);
    assert_int_equal(count_files(userdir), 0);
}

/* ---- the parse job ---- */

static void test_parse_html_completes(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_resume r = upload_ok(f, f->alice, RESUME_HTML, sizeof RESUME_HTML - 1, "cv.html");
    ig_status rc = run_job(f);
    store_resume got = reload(f, &r);
    if (rc != IG_OK)
        print_error("job: %s / %s\n", got.error_code, got.error);
    assert_int_equal(rc, IG_OK);
    assert_string_equal(got.status, "completed");
    assert_int_equal(got.progress, 100);
    assert_true(got.parse_confidence > 0.3 && got.parse_confidence <= 1.0);

    json_t *result = NULL;
    assert_int_equal(resumes_get(&f->svc, f->alice, r.id, &got, &result, &err), IG_OK);
    assert_non_null(result);
    const char *text = json_string_value(json_object_get(result, "raw_text"));
    assert_non_null(text);
    assert_non_null(strstr(text, "Alice Zhang"));
    assert_non_null(strstr(text, "张爱丽"));
    assert_non_null(strstr(text, "分布式系统"));
    json_t *links = json_object_get(json_object_get(result, "basic_info"), "links");
    bool found = false;
    for (size_t i = 0; i < json_array_size(links); i++)
        found |= strstr(json_string_value(json_array_get(links, i)), "github.com/alicez") != NULL;
    assert_true(found);
    /* the whole structured resume is stored, not edited */
    static const char *const lists[] = {"skills",         "experience", "education", "projects",
                                        "certifications", "awards",     "languages", "sections"};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        if (!json_is_array(json_object_get(result, lists[i])))
            fail_msg("%s is not a list", lists[i]);
    json_t *conf = json_object_get(result, "confidence");
    assert_true(json_is_number(json_object_get(conf, "overall")));
    assert_true(got.parse_confidence == json_number_value(json_object_get(conf, "overall")));
    assert_true(json_is_false(json_object_get(result, "edited")));
    json_decref(result);

    /* another user sees nothing of it */
    assert_int_equal(resumes_get(&f->svc, f->bob, r.id, &got, &result, &err), IG_ENOTFOUND);
    assert_null(result);
    assert_int_equal(run_job(f), IG_ENOTFOUND); /* nothing left to do */
}

static void test_parse_pdf_completes(void **state)
{
    fixture *f = *state;
    char pdf[700], *data = NULL;
    size_t len = 0;
    snprintf(pdf, sizeof pdf, "%s/made.pdf", f->dir);
    make_pdf(pdf, "Bob Li - Senior Engineer", "Experience: ten years of PostgreSQL and Go");
    read_whole(pdf, &data, &len);
    store_resume r = upload_ok(f, f->alice, data, len, "bob.pdf");
    free(data);
    assert_string_equal(r.file_type, "application/pdf");
    assert_int_equal(run_job(f), IG_OK);
    store_resume got = reload(f, &r);
    assert_string_equal(got.status, "completed");
    json_t *result = NULL;
    ig_err err = {0};
    assert_int_equal(resumes_get(&f->svc, f->alice, r.id, &got, &result, &err), IG_OK);
    const char *text = json_string_value(json_object_get(result, "raw_text"));
    assert_non_null(text);
    assert_non_null(strstr(text, "Bob Li"));
    assert_non_null(strstr(text, "PostgreSQL"));
    json_decref(result);
}

static void test_parse_failures(void **state)
{
    fixture *f = *state;
    /* markup and no words: nothing to extract */
    static const char empty_html[] = "<!DOCTYPE html><html><head><title></title></head><body><p> </p></body></html>";
    store_resume r = upload_ok(f, f->alice, empty_html, sizeof empty_html - 1, "empty.html");
    assert_int_not_equal(run_job(f), IG_OK);
    store_resume got = reload(f, &r);
    assert_string_equal(got.status, "failed");
    assert_string_equal(got.error_code, RESUMES_ERR_NO_TEXT);

    /* a truncated PDF: refused once, not retried */
    char pdf[700], *data = NULL;
    size_t len = 0;
    snprintf(pdf, sizeof pdf, "%s/whole.pdf", f->dir);
    make_pdf(pdf, "Truncated resume", "never read");
    read_whole(pdf, &data, &len);
    r = upload_ok(f, f->alice, data, len / 3, "broken.pdf");
    free(data);
    assert_int_not_equal(run_job(f), IG_OK);
    got = reload(f, &r);
    assert_string_equal(got.status, "failed");
    assert_string_equal(got.error_code, RESUMES_ERR_UNREADABLE);
    assert_true(strlen(got.error) > 0);
    assert_int_equal(run_job(f), IG_ENOTFOUND);

    /* the stored file vanished */
    r = upload_ok(f, f->alice, RESUME_HTML, sizeof RESUME_HTML - 1, "gone.html");
    char path[1200];
    stored_path(f, &r, path, sizeof path);
    assert_int_equal(unlink(path), 0);
    assert_int_not_equal(run_job(f), IG_OK);
    got = reload(f, &r);
    assert_string_equal(got.status, "failed");
    assert_string_equal(got.error_code, RESUMES_ERR_FILE_MISSING);
}

static void restart_extractor(fixture *f)
{
    ig_err err = {0};
    parse_sandbox_close(f->svc.sandbox);
    f->svc.sandbox = NULL;
    assert_int_equal(parse_sandbox_open(f->svc.extractor, &f->svc.sandbox, &err), IG_OK);
}

static void test_extractor_crash_and_hang(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    char pdf[700], *data = NULL;
    size_t len = 0;
    snprintf(pdf, sizeof pdf, "%s/crash.pdf", f->dir);
    make_pdf(pdf, "Crash test", "resume");
    read_whole(pdf, &data, &len);
    store_resume r = upload_ok(f, f->alice, data, len, "crash.pdf");
    free(data);

    /* the child crashes: the job fails with a reason, this process carries on */
    setenv("IG_EXTRACT_TEST_CRASH", "1", 1);
    restart_extractor(f);
    ig_status rc = run_job(f);
    unsetenv("IG_EXTRACT_TEST_CRASH");
    assert_int_not_equal(rc, IG_OK);
    store_resume got = reload(f, &r);
    assert_string_equal(got.status, "failed");
    assert_string_equal(got.error_code, RESUMES_ERR_PARSE_FAILED);
    assert_non_null(strstr(got.error, "crashed"));

    /* the child hangs: killed at the wall-clock limit, and retried later (a busy machine may be why) */
    bool queued = false;
    assert_int_equal(resumes_reparse(&f->svc, f->alice, r.id, &got, &queued, &err), IG_OK);
    assert_true(queued);
    f->svc.limits.timeout_ms = 300;
    setenv("IG_EXTRACT_TEST_HANG", "1", 1);
    restart_extractor(f); /* the zygote reads the test hooks from its environment when it starts */
    rc = run_job(f);
    unsetenv("IG_EXTRACT_TEST_HANG");
    assert_int_not_equal(rc, IG_OK);
    got = reload(f, &r);
    assert_string_equal(got.status, "processing");
    store_job j;
    assert_int_equal(store_job_lease(f->st, "later", (int64_t)time(NULL) + 3600, 60, &j, &err), IG_OK);
    assert_int_equal(j.resume_id, r.id);
    assert_int_equal(j.attempts, 2);
    assert_non_null(strstr(j.last_error, "timed out"));
}

/* ---- structured resume edits ---- */

/* Applies the JSON patch text to user's resume id; returns the status, *result the new result. */
static ig_status edit(fixture *f, int64_t user, int64_t id, const char *patch_text, json_t **result)
{
    json_error_t jerr;
    json_t *patch = json_loads(patch_text, 0, &jerr);
    if (patch == NULL)
        fail_msg("bad patch in the test: %s", jerr.text);
    store_resume r;
    ig_err err = {0};
    ig_status rc = resumes_edit_result(&f->svc, user, id, patch, &r, result, &err);
    json_decref(patch);
    return rc;
}

static json_t *path_get(json_t *doc, const char *a, const char *b)
{
    json_t *v = json_object_get(doc, a);
    return b != NULL ? json_object_get(v, b) : v;
}

static void test_edit_result(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    json_t *result = NULL;
    store_resume r = upload_ok(f, f->alice, RESUME_HTML, sizeof RESUME_HTML - 1, "cv.html"), got;
    /* pending: nothing to correct yet */
    assert_int_equal(edit(f, f->alice, r.id, "{\"awards\": [\"x\"]}", &result), IG_ESTATE);
    assert_null(result);
    assert_int_equal(run_job(f), IG_OK);
    assert_int_equal(edit(f, f->bob, r.id, "{\"awards\": [\"x\"]}", &result), IG_ENOTFOUND);
    double before = reload(f, &r).parse_confidence;
    json_t *parsed = NULL;
    assert_int_equal(resumes_get(&f->svc, f->alice, r.id, &got, &parsed, &err), IG_OK);

    assert_int_equal(edit(f, f->alice, r.id,
                          "{\"basic_info\": {\"name\": \"  Alice Zhang 张爱丽 \", \"phone\": \"138-0013-8000\"},"
                          " \"skills\": [\"Golang\", {\"name\": \"postgres\", \"category\": \"storage\"}, \"go\","
                          "  \"Zorblax 9\", \"k8s\", \" \", \"linux\"],"
                          " \"experience\": [{\"company\": \"Example Corp\", \"title\": \"Backend engineer\","
                          "   \"start\": \"2019-07\", \"end\": \"2021-03\","
                          "   \"bullets\": [\"Built a job queue in C\", \"\"]},"
                          "  {\"company\": \"字节跳动\", \"start\": \"2020\", \"end\": \"2022-12\"}],"
                          " \"awards\": [\"ACM-ICPC 金牌\"]}",
                          &result),
                     IG_OK);
    assert_string_equal(json_string_value(path_get(result, "basic_info", "name")), "Alice Zhang 张爱丽");
    assert_string_equal(json_string_value(path_get(result, "basic_info", "phone_e164")), "+8613800138000");
    /* what was not sent stays: the e-mail and links the parse found */
    assert_true(json_equal(path_get(result, "basic_info", "links"), path_get(parsed, "basic_info", "links")));
    assert_true(json_equal(path_get(result, "basic_info", "email"), path_get(parsed, "basic_info", "email")));
    json_decref(parsed);
    /* canonical names, each skill once; a new one comes from the user */
    json_t *skills = json_object_get(result, "skills");
    static const char *const want[][3] = {{"Go", "language", "Golang"},
                                          {"PostgreSQL", "storage", "postgres"},
                                          {"Zorblax 9", "other", "Zorblax 9"},
                                          {"Kubernetes", "devops", "k8s"}};
    assert_int_equal(json_array_size(skills), 5);
    for (size_t i = 0; i < 4; i++) {
        json_t *sk = json_array_get(skills, i);
        assert_string_equal(json_string_value(json_object_get(sk, "name")), want[i][0]);
        assert_string_equal(json_string_value(json_object_get(sk, "category")), want[i][1]);
        assert_string_equal(json_string_value(json_object_get(sk, "raw")), want[i][2]);
        assert_string_equal(json_string_value(json_array_get(json_object_get(sk, "sources"), 0)), "user");
        assert_int_equal(json_integer_value(json_object_get(sk, "count")), 0);
    }
    /* a skill the parse had found keeps where it was found */
    json_t *linux = json_array_get(skills, 4);
    assert_string_equal(json_string_value(json_object_get(linux, "name")), "Linux");
    assert_string_equal(json_string_value(json_array_get(json_object_get(linux, "sources"), 0)), "skills");
    assert_string_equal(json_string_value(json_object_get(linux, "raw")), "Linux");
    assert_true(json_integer_value(json_object_get(linux, "count")) >= 1);
    /* entries in structure.h's shape, durations from the dates, years over the overlap once */
    json_t *e0 = json_array_get(json_object_get(result, "experience"), 0);
    json_t *e1 = json_array_get(json_object_get(result, "experience"), 1);
    assert_int_equal(json_integer_value(json_object_get(e0, "duration_months")), 21);
    assert_int_equal(json_array_size(json_object_get(e0, "bullets")), 1);
    assert_true(json_is_null(json_object_get(e0, "location")));
    assert_true(json_is_array(json_object_get(e1, "skills")));
    assert_int_equal(json_integer_value(json_object_get(e1, "duration_months")), 36);
    assert_true(json_real_value(path_get(result, "basic_info", "years_of_experience")) == 3.5); /* 2019-07..2022-12 */
    assert_string_equal(json_string_value(json_array_get(json_object_get(result, "awards"), 0)), "ACM-ICPC 金牌");
    /* corrected fields are certain; the overall confidence never drops and is the resume's */
    json_t *conf = json_object_get(result, "confidence");
    assert_true(json_real_value(json_object_get(conf, "name")) == 1.0);
    assert_true(json_real_value(json_object_get(conf, "phone")) == 1.0);
    assert_true(json_real_value(json_object_get(conf, "skills")) == 1.0);
    assert_true(json_real_value(json_object_get(conf, "experience")) == 1.0);
    double overall = json_real_value(json_object_get(conf, "overall"));
    assert_true(overall >= before && overall >= 4.0 / 7.0 - 0.01);
    assert_true(reload(f, &r).parse_confidence == overall);
    assert_true(json_is_true(json_object_get(result, "edited")));
    assert_true(json_is_string(json_object_get(result, "edited_at")));
    json_decref(result);

    /* a second edit keeps the first one's fields; given years stay as given */
    assert_int_equal(edit(f, f->alice, r.id,
                          "{\"basic_info\": {\"phone\": \"+44 20 7946 0321\", \"years_of_experience\": 7},"
                          " \"experience\": [{\"company\": \"Example Corp\", \"start\": \"2019-07\","
                          "   \"end\": \"present\"}]}",
                          &result),
                     IG_OK);
    assert_string_equal(json_string_value(path_get(result, "basic_info", "name")), "Alice Zhang 张爱丽");
    assert_string_equal(json_string_value(path_get(result, "basic_info", "phone_e164")), "+442079460321");
    assert_true(json_number_value(path_get(result, "basic_info", "years_of_experience")) == 7.0);
    assert_int_equal(json_array_size(json_object_get(result, "skills")), 5);
    assert_true(json_integer_value(json_object_get(json_array_get(json_object_get(result, "experience"), 0),
                                                   "duration_months")) > 12 * 5);
    json_decref(result);
    assert_int_equal(edit(f, f->alice, r.id, "{\"basic_info\": {\"phone\": \"12345\", \"name\": \" \"}}", &result),
                     IG_OK);
    assert_true(json_is_null(path_get(result, "basic_info", "phone_e164")));
    assert_true(json_is_null(path_get(result, "basic_info", "name")));
    json_decref(result);

    /* a reparse replaces the corrections with a fresh machine result */
    bool queued = false;
    assert_int_equal(resumes_reparse(&f->svc, f->alice, r.id, &got, &queued, &err), IG_OK);
    assert_true(queued);
    assert_int_equal(edit(f, f->alice, r.id, "{\"awards\": []}", &result), IG_ESTATE);
    assert_int_equal(run_job(f), IG_OK);
    assert_int_equal(resumes_get(&f->svc, f->alice, r.id, &got, &result, &err), IG_OK);
    assert_true(json_is_false(json_object_get(result, "edited")));
    assert_int_equal(json_array_size(json_object_get(result, "awards")), 0);
    assert_true(got.parse_confidence == before);
    json_decref(result);
}

/* ---- delete, download, reparse ---- */

static void test_delete_download_reparse(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_resume r = upload_ok(f, f->alice, RESUME_HTML, sizeof RESUME_HTML - 1, "我的简历.html"), got;
    char path[1200];
    stored_path(f, &r, path, sizeof path);

    char *data = NULL;
    size_t len = 0;
    int fd = -1;
    uint64_t size = 0;
    assert_int_equal(resumes_open_file(&f->svc, f->alice, r.id, &got, &fd, &size, &err), IG_OK);
    assert_int_equal(size, sizeof RESUME_HTML - 1);
    data = malloc(size);
    assert_int_equal(read(fd, data, size), (ssize_t)size);
    close(fd);
    len = (size_t)size;
    assert_memory_equal(data, RESUME_HTML, len);
    assert_string_equal(got.file_name, "我的简历.html");
    free(data);
    data = NULL;
    data = (char *)1;
    assert_int_equal(resumes_open_file(&f->svc, f->bob, r.id, &got, &fd, &size, &err), IG_ENOTFOUND);
    assert_int_equal(fd, -1);

    /* reparse: refused while the first job waits, queued once it is done */
    bool queued = true;
    assert_int_equal(resumes_reparse(&f->svc, f->alice, r.id, &got, &queued, &err), IG_OK);
    assert_false(queued);
    assert_int_equal(run_job(f), IG_OK);
    assert_int_equal(resumes_reparse(&f->svc, f->alice, r.id, &got, &queued, &err), IG_OK);
    assert_true(queued);
    assert_string_equal(got.status, "pending");
    assert_int_equal(run_job(f), IG_OK);
    assert_string_equal(reload(f, &r).status, "completed");
    assert_int_equal(resumes_reparse(&f->svc, f->bob, r.id, &got, &queued, &err), IG_ENOTFOUND);

    /* delete: not by another user; by the owner, row and file go */
    assert_int_equal(resumes_delete(&f->svc, f->bob, r.id, &err), IG_ENOTFOUND);
    assert_true(exists(path));
    assert_int_equal(resumes_delete(&f->svc, f->alice, r.id, &err), IG_OK);
    assert_false(exists(path));
    assert_int_equal(resumes_get(&f->svc, f->alice, r.id, &got, NULL, &err), IG_ENOTFOUND);
    assert_int_equal(resumes_delete(&f->svc, f->alice, r.id, &err), IG_ENOTFOUND);

    /* a job whose resume was deleted before it ran just ends */
    r = upload_ok(f, f->alice, RESUME_HTML, sizeof RESUME_HTML - 1, "again.html");
    assert_int_equal(resumes_delete(&f->svc, f->alice, r.id, &err), IG_OK);
    assert_int_equal(run_job(f), IG_ENOTFOUND);
}

static void test_remove_user_files(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_resume a1 = upload_ok(f, f->alice, RESUME_HTML, sizeof RESUME_HTML - 1, "a.html");
    store_resume a2 = upload_ok(f, f->alice, "<html><body>Second resume of Alice</body></html>", 48, "b.html");
    store_resume b1 = upload_ok(f, f->bob, RESUME_HTML, sizeof RESUME_HTML - 1, "b.html");
    char p1[1200], p2[1200], pb[1200], dir[700];
    stored_path(f, &a1, p1, sizeof p1);
    stored_path(f, &a2, p2, sizeof p2);
    stored_path(f, &b1, pb, sizeof pb);
    assert_true(exists(p1) && exists(p2));
    assert_int_equal(resumes_remove_user_files(&f->svc, f->alice, &err), IG_OK);
    assert_false(exists(p1) || exists(p2));
    snprintf(dir, sizeof dir, "%s/%lld", f->uploads, (long long)f->alice);
    assert_false(exists(dir));
    assert_true(exists(pb)); /* only that user's */
    assert_int_equal(resumes_remove_user_files(&f->svc, f->alice, &err), IG_OK); /* nothing left: fine */
}

/* Rows of resume_file_chunks of a resume (the test's own connection to the file). */
static int64_t chunk_rows(fixture *f, int64_t id)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM resume_file_chunks WHERE resume_id = ?1", -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(q, 1, id);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

/* STORAGE=db: the upload goes into the database with its row; parsing, download and delete work
 * from there; a damaged copy is refused; a file kept in the folder before the switch stays served. */
static void test_db_storage(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_resume before = upload_ok(f, f->alice, RESUME_HTML, sizeof RESUME_HTML - 1, "old.html"), got;
    char old_path[1200], user_dir[700], tmp_dir[700];
    stored_path(f, &before, old_path, sizeof old_path);
    assert_true(exists(old_path));
    assert_int_equal(run_job(f), IG_OK);

    resumes_set_storage(&f->svc, true);
    static const char ZH[] = "<html><body><h1>李博文</h1><p>简历：分布式系统工程师, C, Go</p></body></html>";
    store_resume r = upload_ok(f, f->bob, ZH, sizeof ZH - 1, "简历.html");
    snprintf(user_dir, sizeof user_dir, "%s/%lld", f->uploads, (long long)f->bob);
    assert_int_equal(count_files(user_dir), 0); /* nothing in the folder */
    assert_int_equal(chunk_rows(f, r.id), 1);
    store_resume dup;
    bool is_dup = false;
    assert_int_equal(upload(f, f->bob, ZH, sizeof ZH - 1, "again.html", &dup, &is_dup, &err), IG_OK);
    assert_true(is_dup);
    assert_int_equal(dup.id, r.id);

    /* parsed from a private copy that is gone afterwards */
    assert_int_equal(run_job(f), IG_OK);
    assert_string_equal(reload(f, &r).status, "completed");
    json_t *result = NULL;
    assert_int_equal(resumes_get(&f->svc, f->bob, r.id, &got, &result, &err), IG_OK);
    assert_non_null(strstr(json_string_value(json_object_get(result, "raw_text")), "分布式系统"));
    json_decref(result);
    snprintf(tmp_dir, sizeof tmp_dir, "%s/.tmp", f->uploads);
    assert_int_equal(count_files(tmp_dir), 0);

    /* downloaded byte for byte, from an unnamed file */
    int fd = -1;
    uint64_t size = 0;
    char buf[256];
    assert_int_equal(resumes_open_file(&f->svc, f->bob, r.id, &got, &fd, &size, &err), IG_OK);
    assert_int_equal(size, sizeof ZH - 1);
    assert_int_equal(read(fd, buf, sizeof buf), (ssize_t)size);
    assert_memory_equal(buf, ZH, size);
    close(fd);
    assert_int_equal(count_files(tmp_dir), 0);
    assert_int_equal(resumes_open_file(&f->svc, f->alice, r.id, &got, &fd, &size, &err), IG_ENOTFOUND);

    /* the file kept in the folder before the switch is still served from there */
    assert_int_equal(resumes_open_file(&f->svc, f->alice, before.id, &got, &fd, &size, &err), IG_OK);
    assert_int_equal(size, sizeof RESUME_HTML - 1);
    close(fd);

    /* bytes changed in the database are refused rather than served */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE resume_file_chunks SET data = x'00'", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(resumes_open_file(&f->svc, f->bob, r.id, &got, &fd, &size, &err), IG_EIO);
    assert_non_null(strstr(err.msg, "damaged"));
    assert_int_equal(fd, -1);
    assert_int_equal(count_files(tmp_dir), 0);

    /* the chunks go with the resume */
    assert_int_equal(resumes_delete(&f->svc, f->bob, r.id, &err), IG_OK);
    assert_int_equal(chunk_rows(f, r.id), 0);
}

static void test_worker_pool_parses_upload(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    /* workers that would poll only once a minute: the upload itself must wake one */
    jobs_free(f->pool);
    jobs_config c;
    jobs_config_default(&c);
    c.poll_ms = 60000;
    assert_int_equal(jobs_new(f->st, &f->log, &c, "test", &f->pool, &err), IG_OK);
    assert_int_equal(resumes_register_jobs(&f->svc, f->pool, &err), IG_OK);
    assert_int_equal(jobs_start(f->pool, &err), IG_OK);
    usleep(100000); /* both workers looked, found nothing, and sleep */
    store_resume r = upload_ok(f, f->alice, RESUME_HTML, sizeof RESUME_HTML - 1, "cv.html");
    for (int i = 0; i < 600 && strcmp(reload(f, &r).status, "completed") != 0; i++)
        usleep(50000);
    assert_string_equal(reload(f, &r).status, "completed");
    assert_int_equal(jobs_stop(f->pool, 10000), IG_OK);
}

int main(int argc, char **argv)
{
    /* the sandbox runs this binary as its extractor child */
    if (argc > 1 && strcmp(argv[1], "extract") == 0)
        return parse_child_main(argc - 2, argv + 2);
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sanitize_name),
        cmocka_unit_test(test_mime_types),
        cmocka_unit_test_setup_teardown(test_upload_html_and_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upload_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_html_completes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_pdf_completes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extractor_crash_and_hang, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit_result, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_download_reparse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_user_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_worker_pool_parses_upload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_storage, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

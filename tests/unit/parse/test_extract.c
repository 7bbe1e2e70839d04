/* Tests for parse/extract: the whole pipeline on every format (the bytes decide, not the name),
 * the result object, the caps, the failures with their reasons, and every corpus resume: text
 * comes out, the labelled name comes first, the labelled links are found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <dirent.h>
#include <string.h>

#include "parse/extract.h"
#include "parse/fixtures.h"

typedef struct fx {
    char *dir;
    parse_limits lim;
    json_t *out;
    ig_err err;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    f->dir = fx_tmpdir();
    parse_limits_default(&f->lim);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    json_decref(f->out);
    fx_rmdir(f->dir);
    free(f);
    return 0;
}

static ig_status run(fx *f, const char *path)
{
    json_decref(f->out);
    f->out = NULL;
    f->err = (ig_err){IG_OK, ""};
    return parse_extract_file(path, &f->lim, &f->out, &f->err);
}

static const char *text(const fx *f)
{
    return json_string_value(json_object_get(f->out, "raw_text"));
}

static const char *format(const fx *f)
{
    return json_string_value(json_object_get(f->out, "format"));
}

static void test_result_shape_docx(void **state)
{
    fx *f = *state;
    const char *path = fx_path(f->dir, "resume.pdf");
    assert_true(fx_docx(path,
                        "<w:p><w:r><w:t>Ada  Lovelace</w:t></w:r></w:p>"
                        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Acme</w:t></w:r></w:p></w:tc>"
                        "<w:tc><w:p><w:r><w:t>Lead</w:t></w:r></w:p><w:p><w:r><w:t>Dev</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
                        "<w:p><w:r><w:t>GitHub: github.com/ada \xC2\xB7 2015 \xE5\xB9\xB4 3 \xE6\x9C\x88</w:t></w:r></w:p>",
                        NULL, NULL));
    assert_int_equal(run(f, path), IG_OK);
    assert_string_equal(format(f), "docx");
    /* a table is followed by a blank line, like a paragraph break */
    assert_string_equal(text(f), "Ada Lovelace\nAcme\tLead Dev\n\nGitHub: github.com/ada · 2015年3月");
    assert_int_equal(json_integer_value(json_object_get(f->out, "pages")), 1);
    assert_true(json_is_false(json_object_get(f->out, "ocr")));
    assert_null(json_object_get(f->out, "truncated"));
    json_t *links = json_object_get(f->out, "links");
    assert_int_equal(json_array_size(links), 1);
    assert_string_equal(json_string_value(json_array_get(links, 0)), "https://github.com/ada");
    assert_int_equal(json_object_size(f->out), 5);
}

static void test_html_named_doc(void **state)
{
    fx *f = *state;
    const char *path = fx_path(f->dir, "resume.doc");
    const char *html = "<html><head><meta charset=\"utf-8\"></head><body><h1>张三</h1>"
                       "<p>Java 工程师 <a href=\"https://gitee.com/zs\">Gitee</a></p></body></html>";
    fx_write(path, html, strlen(html));
    assert_int_equal(run(f, path), IG_OK);
    assert_string_equal(format(f), "html");
    assert_string_equal(text(f), "张三\nJava 工程师 Gitee");
    assert_string_equal(json_string_value(json_array_get(json_object_get(f->out, "links"), 0)),
                        "https://gitee.com/zs");
}

static void test_png_named_pdf(void **state)
{
    fx *f = *state;
    const char *path = fx_path(f->dir, "resume.pdf");
    const char *lines[] = {"Grace Hopper", "COBOL and compilers", NULL};
    assert_true(fx_png(path, lines));
    assert_int_equal(run(f, path), IG_OK);
    assert_string_equal(format(f), "png");
    assert_true(json_is_true(json_object_get(f->out, "ocr")));
    assert_non_null(strstr(text(f), "Grace Hopper"));
    f->lim.ocr = false;
    assert_int_equal(run(f, path), IG_EINVAL);
    assert_string_equal(f->err.msg, "images need OCR, which is turned off");
}

static void test_refusals(void **state)
{
    fx *f = *state;
    const char *rnd = fx_path(f->dir, "random.pdf");
    unsigned char junk[8192];
    unsigned x = 99;
    for (size_t i = 0; i < sizeof junk; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (unsigned char)(x >> 16);
    }
    fx_write(rnd, junk, sizeof junk);
    assert_int_equal(run(f, rnd), IG_EINVAL);
    assert_string_equal(f->err.msg, "unsupported file format");
    assert_null(f->out);

    const char *rtf = fx_path(f->dir, "resume.rtf");
    fx_write(rtf, "{\\rtf1\\ansi Hello}", 17);
    assert_int_equal(run(f, rtf), IG_EINVAL);
    assert_string_equal(f->err.msg, "unsupported file format");

    const char *empty = fx_path(f->dir, "empty.docx");
    fx_write(empty, "", 0);
    assert_int_equal(run(f, empty), IG_EINVAL);

    assert_int_equal(run(f, fx_path(f->dir, "missing.pdf")), IG_EIO);

    const char *blank = fx_path(f->dir, "blank.pdf");
    assert_true(fx_pdf(blank, 5000, NULL, NULL));
    assert_int_equal(run(f, blank), IG_EINVAL);
    assert_string_equal(f->err.msg, "no text could be extracted");

    const char *bomb = fx_path(f->dir, "bomb.docx");
    assert_true(fx_docx_bomb(bomb, 96ull << 20));
    assert_int_equal(run(f, bomb), IG_ETOOBIG);

    const char *blank_docx = fx_path(f->dir, "blank.docx");
    assert_true(fx_docx(blank_docx, "<w:p/><w:p><w:r><w:t> \xC2\xA0 </w:t></w:r></w:p>", NULL, NULL));
    assert_int_equal(run(f, blank_docx), IG_EINVAL);
    assert_string_equal(f->err.msg, "no text could be extracted");
}

static void test_text_cap(void **state)
{
    fx *f = *state;
    const char *path = fx_path(f->dir, "long.html");
    char html[4096] = "<html><body><p>";
    for (int i = 0; i < 300; i++)
        strcat(html, "年");
    strcat(html, "</p></body></html>");
    fx_write(path, html, strlen(html));
    f->lim.max_text_bytes = 100;
    assert_int_equal(run(f, path), IG_OK);
    assert_true(json_is_true(json_object_get(f->out, "truncated")));
    /* cut at a character boundary: 33 whole characters */
    assert_int_equal(strlen(text(f)), 99);
}

/* Lower-case ASCII, no whitespace: how the labels' README says to compare. */
static void squash(const char *in, char *out, size_t cap)
{
    size_t k = 0;
    for (; *in && k + 1 < cap; in++)
        if (!isspace((unsigned char)*in))
            out[k++] = (char)tolower((unsigned char)*in);
    out[k] = '\0';
}

/* A link written without scheme and trailing slash, as the labels do ("www." aside: the labels
 * keep it only where the page prints it). */
static bool has_link(json_t *links, const char *label)
{
    if (strncmp(label, "www.", 4) == 0)
        label += 4;
    size_t i;
    json_t *v;
    json_array_foreach(links, i, v) {
        const char *u = json_string_value(v);
        const char *p = strstr(u, "://");
        p = p ? p + 3 : u;
        if (strncmp(p, "www.", 4) == 0)
            p += 4;
        size_t n = strlen(p);
        while (n > 0 && p[n - 1] == '/')
            n--;
        if (n == strlen(label) && strncasecmp(p, label, n) == 0)
            return true;
    }
    return false;
}

static void test_corpus(void **state)
{
    fx *f = *state;
    const char *corpus = fx_corpus();
    if (corpus == NULL)
        skip();
    DIR *d = opendir(corpus);
    assert_non_null(d);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)) != NULL) {
        char path[1024], label[1200];
        snprintf(path, sizeof path, "%s/%s", corpus, e->d_name);
        snprintf(label, sizeof label, "%s/labels/%s.json", corpus, e->d_name);
        json_t *lab = json_load_file(label, 0, NULL);
        if (lab == NULL)
            continue; /* only the labelled resumes: README and the like are not resumes */
        files++;
        if (run(f, path) != IG_OK)
            fail_msg("%s: %s", e->d_name, f->err.msg);
        const char *t = text(f);
        assert_true(strlen(t) > 200);
        /* the name is in the first lines (a stray page number may precede it) */
        char head[400], name[200];
        snprintf(head, sizeof head, "%.300s", t);
        squash(head, head, sizeof head);
        squash(json_string_value(json_object_get(lab, "name")), name, sizeof name);
        if (strstr(head, name) == NULL)
            fail_msg("%s: name \"%s\" not near the start of:\n%.300s", e->d_name, name, t);
        /* every labelled link is found, except on scans (OCR misreads, no annotations) */
        if (!json_is_true(json_object_get(f->out, "ocr"))) {
            size_t i;
            json_t *v;
            json_array_foreach(json_object_get(lab, "links"), i, v) {
                if (!has_link(json_object_get(f->out, "links"), json_string_value(v)))
                    fail_msg("%s: link %s not found", e->d_name, json_string_value(v));
            }
        }
        /* quirks repaired: no soft hyphen, no private-use icon, no "2015 年 3 月" */
        assert_null(strstr(t, "\xC2\xAD"));
        assert_null(strstr(t, " 年 "));
        for (const unsigned char *p = (const unsigned char *)t; *p; p++)
            assert_false(p[0] == 0xEF && p[1] >= 0x80 && p[1] <= 0xA3); /* U+E000-U+F8FF */
        if (strncmp(e->d_name, "zh_billryan_scanned", 19) == 0) {
            /* Chinese OCR without spaces between characters */
            assert_non_null(strstr(t, "上海交通大学"));
            assert_non_null(strstr(t, "2015年3月"));
        }
        json_decref(lab);
    }
    closedir(d);
    assert_true(files >= 10);
}

int main(int argc, char **argv)
{
    (void)argc;
    /* OCR inside this process: hold OpenMP to one thread, which it reads only at start-up */
    if (getenv("OMP_THREAD_LIMIT") == NULL) {
        setenv("OMP_THREAD_LIMIT", "1", 1);
        execv("/proc/self/exe", argv);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_result_shape_docx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_html_named_doc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_png_named_pdf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corpus, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

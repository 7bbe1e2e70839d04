/* Tests for parse/sniff: formats decided by content, never the name; containers opened to tell a
 * DOCX from any zip and a DOC from any OLE2 file; HTML found by markup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <string.h>

#include "parse/fixtures.h"
#include "parse/sniff.h"

static parse_format sniff_file(const char *path)
{
    parse_format f = (parse_format)-1;
    ig_err err = {IG_OK, ""};
    if (parse_sniff_file(path, &f, &err) != IG_OK)
        fail_msg("sniff %s: %s", path, err.msg);
    /* the buffer API agrees with the file API */
    size_t n = 0;
    char *p = fx_read(path, &n);
    assert_non_null(p);
    parse_format g = (parse_format)-1;
    assert_int_equal(parse_sniff_buffer(p, n, &g, &err), IG_OK);
    free(p);
    assert_int_equal(f, g);
    return f;
}

static parse_format sniff_mem(const char *p, size_t n)
{
    parse_format f = (parse_format)-1;
    ig_err err = {IG_OK, ""};
    assert_int_equal(parse_sniff_buffer(p, n, &f, &err), IG_OK);
    return f;
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(parse_format_name(PARSE_PDF), "pdf");
    assert_string_equal(parse_format_name(PARSE_DOCX), "docx");
    assert_string_equal(parse_format_name(PARSE_DOC), "doc");
    assert_string_equal(parse_format_name(PARSE_HTML), "html");
    assert_string_equal(parse_format_name(PARSE_PNG), "png");
    assert_string_equal(parse_format_name(PARSE_JPEG), "jpeg");
    assert_string_equal(parse_format_name(PARSE_UNSUPPORTED), "unsupported");
}

static void test_containers(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    /* named .pdf, .doc, .txt on purpose: the name never counts */
    const char *docx = fx_path(dir, "resume.pdf");
    assert_true(fx_docx(docx, "<w:p><w:r><w:t>Hi</w:t></w:r></w:p>", NULL, NULL));
    assert_int_equal(sniff_file(docx), PARSE_DOCX);

    int code;
    const char *zip = fx_path(dir, "plain.docx");
    zip_t *za = zip_open(zip, ZIP_CREATE | ZIP_TRUNCATE, &code);
    assert_non_null(za);
    assert_true(fx_zip_add(za, "xl/workbook.xml", "<workbook/>"));
    assert_int_equal(zip_close(za), 0);
    assert_int_equal(sniff_file(zip), PARSE_UNSUPPORTED);

    const char *doc = fx_path(dir, "resume.txt");
    assert_true(fx_ole(doc, "WordDocument", "not really word", "1Table", "x", NULL));
    assert_int_equal(sniff_file(doc), PARSE_DOC);
    const char *xls = fx_path(dir, "sheet.doc");
    assert_true(fx_ole(xls, "Workbook", "cells", NULL));
    assert_int_equal(sniff_file(xls), PARSE_UNSUPPORTED);
    fx_rmdir(dir);
}

static void test_images_and_pdf(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    const char *png = fx_path(dir, "resume.pdf"); /* a ".pdf" that is really a PNG */
    const char *lines[] = {"PNG", NULL};
    assert_true(fx_png(png, lines));
    assert_int_equal(sniff_file(png), PARSE_PNG);

    const char *pdf = fx_path(dir, "scan.png");
    assert_true(fx_pdf(pdf, 1, NULL, NULL));
    assert_int_equal(sniff_file(pdf), PARSE_PDF);
    fx_rmdir(dir);

    static const char jpeg[] = "\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00";
    assert_int_equal(sniff_mem(jpeg, sizeof jpeg - 1), PARSE_JPEG);
    /* a PDF header with junk before it (allowed within the first KiB) */
    static const char pdfish[] = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    assert_int_equal(sniff_mem(pdfish, sizeof pdfish - 1), PARSE_PDF);
}

static void test_html_and_text(void **state)
{
    (void)state;
    const char *html[] = {
        "<!DOCTYPE html><html><body><p>Ada</p></body></html>",
        "\xEF\xBB\xBF  <html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><body>Word HTML</body></html>",
        "<html><head><meta charset=\"gbk\"></head><body>\xD5\xC5\xC8\xFD</body></html>",
    };
    for (size_t i = 0; i < sizeof html / sizeof html[0]; i++)
        if (sniff_mem(html[i], strlen(html[i])) != PARSE_HTML)
            fail_msg("not HTML: %s", html[i]);
    const char *other[] = {
        "{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}} Hello}",
        "Just a plain text resume mentioning <html> in passing.",
        "MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n\r\n--x\r\n",
        "GIF89a\x01\x00\x01\x00\x80\x00\x00",
        "",
    };
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        if (sniff_mem(other[i], strlen(other[i])) != PARSE_UNSUPPORTED)
            fail_msg("should be unsupported: %s", other[i]);
    unsigned char junk[4096];
    unsigned x = 12345;
    for (size_t i = 0; i < sizeof junk; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (unsigned char)(x >> 16);
    }
    assert_int_equal(sniff_mem((const char *)junk, sizeof junk), PARSE_UNSUPPORTED);
}

static void test_file_errors(void **state)
{
    (void)state;
    parse_format f;
    ig_err err = {IG_OK, ""};
    assert_int_equal(parse_sniff_file("/nonexistent/x.pdf", &f, &err), IG_EIO);
    assert_non_null(strstr(err.msg, "cannot open"));
    assert_int_equal(parse_sniff_file("/tmp", &f, &err), IG_EIO);
    char *dir = fx_tmpdir();
    const char *empty = fx_path(dir, "empty.pdf");
    fx_write(empty, "", 0);
    assert_int_equal(parse_sniff_file(empty, &f, &err), IG_OK);
    assert_int_equal(f, PARSE_UNSUPPORTED);
    fx_rmdir(dir);
}

static void test_corpus(void **state)
{
    (void)state;
    const char *corpus = fx_corpus();
    if (corpus == NULL)
        skip();
    DIR *d = opendir(corpus);
    assert_non_null(d);
    struct dirent *e;
    int seen = 0;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", corpus, e->d_name);
        if (n > 4 && strcmp(e->d_name + n - 4, ".pdf") == 0)
            assert_int_equal(sniff_file(path), PARSE_PDF);
        else if (n > 5 && strcmp(e->d_name + n - 5, ".docx") == 0)
            assert_int_equal(sniff_file(path), PARSE_DOCX);
        else
            continue;
        seen++;
    }
    closedir(d);
    assert_true(seen > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_containers),
        cmocka_unit_test(test_images_and_pdf),
        cmocka_unit_test(test_html_and_text),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

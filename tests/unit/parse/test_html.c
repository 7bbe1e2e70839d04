/* Tests for parse/html: visible text only, blocks on lines, table cells tab-separated, <pre>
 * kept, links from <a href>, GBK without a charset, and hostile or empty input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "parse/fixtures.h"
#include "parse/html.h"
#include "parse/textnorm.h"

/* Extracts html and returns its normalised text (KEEP_TABS, as extract.c does) in a static
 * buffer; links land in *links (caller decrefs). */
static const char *text_of(const char *html, size_t n, json_t **links)
{
    static char out[65536];
    parse_limits lim;
    parse_limits_default(&lim);
    parse_sink s;
    ig_err err = {IG_OK, ""};
    assert_int_equal(parse_sink_init(&s, 1 << 20, NULL), IG_OK);
    if (parse_html_extract_buffer(html, n, &lim, &s, &err) != IG_OK)
        fail_msg("html: %s", err.msg);
    char *t;
    size_t tn;
    assert_int_equal(parse_textnorm(s.text.p ? s.text.p : "", s.text.len, PARSE_TEXTNORM_KEEP_TABS, &t, &tn), IG_OK);
    snprintf(out, sizeof out, "%s", t);
    free(t);
    if (links)
        *links = json_incref(s.links);
    parse_sink_free(&s);
    return out;
}

static void test_structure(void **state)
{
    (void)state;
    const char *html =
        "<!DOCTYPE html><html><head><title>CV of Ada</title><style>p{color:red}</style>"
        "<script>var secret = 1;</script></head><body>\n"
        "<h1>Ada   Lovelace</h1><div>Engineer at <b>Acme</b>,\n   London<br>2015&nbsp;&ndash;&nbsp;2020</div>"
        "<table><tr><th>School</th><th>Degree</th></tr><tr><td>Oxford</td><td>BSc <i>Maths</i></td></tr></table>"
        "<ul><li>C</li><li>Python</li></ul><noscript>enable JS</noscript>"
        "<pre>line 1\n  line 2</pre><p>end &amp; &lt;done&gt;</p>"
        "<script>document.write('x')</script></body></html>";
    json_t *links;
    assert_string_equal(text_of(html, strlen(html), &links),
                        "Ada Lovelace\nEngineer at Acme, London\n2015 – 2020\nSchool\tDegree\nOxford\tBSc Maths\n"
                        "C\nPython\nline 1\nline 2\nend & <done>");
    assert_int_equal(json_array_size(links), 0);
    json_decref(links);
}

static void test_links(void **state)
{
    (void)state;
    const char *html = "<p><a href=\"https://github.com/ada\">GitHub</a> <a href='mailto:a@b.com'>mail</a> "
                       "<a href=\"#top\">top</a> <a href=\"/about\">about</a> <a href=\"javascript:void(0)\">x</a> "
                       "<a href=\"HTTPS://GitHub.com/ada/\">again</a> <a>no href</a> "
                       "<a href=\"www.linkedin.com/in/ada\">in</a></p>";
    json_t *links;
    text_of(html, strlen(html), &links);
    assert_int_equal(json_array_size(links), 2);
    assert_string_equal(json_string_value(json_array_get(links, 0)), "https://github.com/ada");
    assert_string_equal(json_string_value(json_array_get(links, 1)), "https://www.linkedin.com/in/ada");
    json_decref(links);
}

static void test_encodings(void **state)
{
    (void)state;
    /* 张三 工程师 in GBK, no charset declared (as job sites export) */
    const char gbk[] = "<html><body><p>\xD5\xC5\xC8\xFD</p><p>\xB9\xA4\xB3\xCC\xCA\xA6</p></body></html>";
    assert_string_equal(text_of(gbk, sizeof gbk - 1, NULL), "张三\n工程师");
    /* declared GBK */
    const char decl[] = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">"
                        "</head><body>\xD5\xC5\xC8\xFD</body></html>";
    assert_string_equal(text_of(decl, sizeof decl - 1, NULL), "张三");
    /* UTF-8 stays UTF-8 */
    const char *utf8 = "<html><body>技能：C＋＋、Python（熟练）</body></html>";
    assert_string_equal(text_of(utf8, strlen(utf8), NULL), "技能：C＋＋、Python（熟练）");
    /* Word's "Save as HTML" */
    const char *word = "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><head><!--[if gte mso 9]><xml>"
                       "<o:DocumentProperties><o:Author>x</o:Author></o:DocumentProperties></xml><![endif]-->"
                       "</head><body><p class=MsoNormal>Ada<o:p></o:p></p><p class=MsoNormal>"
                       "<span lang=EN-US>Engineer</span></p></body></html>";
    assert_string_equal(text_of(word, strlen(word), NULL), "Ada\nEngineer");
}

static void test_hostile(void **state)
{
    (void)state;
    /* 100k nested divs: the walk is iterative */
    size_t depth = 100000;
    char *deep = malloc(depth * 11 + 64);
    assert_non_null(deep);
    char *p = deep;
    for (size_t i = 0; i < depth; i++)
        p += sprintf(p, "<div>");
    p += sprintf(p, "deep");
    for (size_t i = 0; i < depth; i++)
        p += sprintf(p, "</div>");
    parse_limits lim;
    parse_limits_default(&lim);
    parse_sink s;
    ig_err err = {IG_OK, ""};
    assert_int_equal(parse_sink_init(&s, 1 << 20, NULL), IG_OK);
    /* libxml2 stops at its depth limit: a clean failure, or what it read */
    ig_status st = parse_html_extract_buffer(deep, (size_t)(p - deep), &lim, &s, &err);
    assert_true(st == IG_OK || st == IG_EINVAL);
    free(deep);
    /* nothing at all */
    assert_int_equal(parse_html_extract_buffer("", 0, &lim, &s, &err), IG_EINVAL);
    parse_sink_free(&s);
    /* tag soup still parses */
    assert_string_equal(text_of("<p><b>un<i>closed</p>x", 22, NULL), "unclosed\nx");
}

static void test_file(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    const char *path = fx_path(dir, "r.doc");
    const char *html = "<html><body><p>Ada</p></body></html>";
    fx_write(path, html, strlen(html));
    parse_limits lim;
    parse_limits_default(&lim);
    parse_sink s;
    ig_err err = {IG_OK, ""};
    assert_int_equal(parse_sink_init(&s, 1024, NULL), IG_OK);
    assert_int_equal(parse_html_extract_file(path, &lim, &s, &err), IG_OK);
    assert_non_null(strstr(s.text.p, "Ada"));
    assert_int_equal(s.pages, 1);
    /* over the size limit */
    lim.max_uncompressed = 10;
    assert_int_equal(parse_html_extract_file(path, &lim, &s, &err), IG_ETOOBIG);
    assert_int_equal(parse_html_extract_file(fx_path(dir, "none.html"), &lim, &s, &err), IG_EIO);
    parse_sink_free(&s);
    fx_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_links),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests for http/staticfile: request paths mapped under the web root (traversal in every spelling
 * refused, EN and ZH names decoded), types by extension, ETags and If-None-Match lists, the three
 * HTTP date forms, and when a request may be answered 304. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "http/staticfile.h"

static void mapped(const char *path, const char *want)
{
    char out[STATICFILE_PATH_MAX];
    if (!staticfile_map(str_cstr(path), out, sizeof out))
        fail_msg("%s refused, want %s", path, want);
    if (strcmp(out, want) != 0)
        fail_msg("%s mapped to [%s], want [%s]", path, out, want);
}

static void refused(const char *path)
{
    char out[STATICFILE_PATH_MAX];
    if (staticfile_map(str_cstr(path), out, sizeof out))
        fail_msg("%s mapped to [%s], want refused", path, out);
}

static void test_map_plain(void **state)
{
    (void)state;
    mapped("/", "index.html");
    mapped("/index.html", "index.html");
    mapped("/js/views/report.js", "js/views/report.js");
    mapped("/vendor/", "vendor/index.html");
    mapped("/resumes/12", "resumes/12");
    mapped("/a%20b.txt", "a b.txt");
    mapped("/a+b.txt", "a+b.txt");
    mapped("/%E7%AE%80%E5%8E%86.html", "简历.html");
    mapped("/简历/面试.js", "简历/面试.js");
    mapped("/file.name.with.dots", "file.name.with.dots");
    mapped("/x..y", "x..y");
}

static void test_map_traversal(void **state)
{
    (void)state;
    refused("/../etc/passwd");
    refused("/..");
    refused("/js/../../etc/passwd");
    refused("/js/..");
    refused("/./index.html");
    refused("/%2e%2e/etc/passwd");
    refused("/%2E%2E/etc/passwd");
    refused("/.%2e/etc/passwd");
    refused("/js/%2e%2e%2f%2e%2e%2fetc/passwd");
    refused("/..%2fetc%2fpasswd");
    refused("/js%2fapp.js"); /* an encoded slash is refused, not taken as a separator */
    refused("/..%5c..%5cetc%5cpasswd");
    refused("/..\\etc\\passwd");
    refused("/js\\app.js");
    refused("/%2e");
    refused("//etc/passwd");
    refused("/js//app.js");
    refused("/.env");
    refused("/.git/config");
    refused("/vendor/.hidden");
    refused("/%00index.html");
    refused("/index.html%00.js");
    refused("/a%0d%0aSet-Cookie:x");
    refused("/a%7f");
    refused("/%");
    refused("/%2");
    refused("/%zz");
    refused("/%e7%ae%8");   /* valid escapes, then a truncated one */
    refused("");
    refused("index.html");  /* not absolute */
    /* a double-encoded dot-dot is a name with percent signs, not a parent directory */
    mapped("/%252e%252e/etc/passwd", "%2e%2e/etc/passwd");
}

static void test_map_limits(void **state)
{
    (void)state;
    char path[STATICFILE_PATH_MAX + 8], out[64];
    path[0] = '/';
    memset(path + 1, 'a', STATICFILE_SEGMENT_MAX);
    path[1 + STATICFILE_SEGMENT_MAX] = '\0';
    char big[STATICFILE_PATH_MAX];
    assert_true(staticfile_map(str_cstr(path), big, sizeof big));
    path[1 + STATICFILE_SEGMENT_MAX] = 'a';
    path[2 + STATICFILE_SEGMENT_MAX] = '\0';
    assert_false(staticfile_map(str_cstr(path), big, sizeof big));
    /* a result that does not fit the caller's buffer */
    assert_false(staticfile_map(str_cstr("/0123456789/0123456789/0123456789/0123456789/0123456789/x"), out, 32));
    assert_true(staticfile_map(str_cstr("/0123456789/x"), out, 13));
    assert_string_equal(out, "0123456789/x");
    assert_false(staticfile_map(str_cstr("/0123456789/x"), out, 12));
    assert_false(staticfile_map(str_cstr("/abc/"), out, 14)); /* "abc/index.html" needs 15 */
    assert_true(staticfile_map(str_cstr("/abc/"), out, 15));
    /* explicit length: bytes after n are not looked at */
    assert_true(staticfile_map(str_make("/app.js/../../x", 7), out, sizeof out));
    assert_string_equal(out, "app.js");
}

static void test_extension(void **state)
{
    (void)state;
    assert_true(staticfile_has_extension("app.js"));
    assert_true(staticfile_has_extension("js/views/report.js"));
    assert_true(staticfile_has_extension("简历.html"));
    assert_false(staticfile_has_extension("resumes/12"));
    assert_false(staticfile_has_extension("interviews"));
    assert_false(staticfile_has_extension("v1.2/readme"));
    assert_false(staticfile_has_extension("trailing."));
}

static void test_types(void **state)
{
    (void)state;
    assert_string_equal(staticfile_type("index.html"), "text/html; charset=utf-8");
    assert_string_equal(staticfile_type("INDEX.HTM"), "text/html; charset=utf-8");
    assert_string_equal(staticfile_type("js/app.js"), "text/javascript; charset=utf-8");
    assert_string_equal(staticfile_type("styles.css"), "text/css; charset=utf-8");
    assert_string_equal(staticfile_type("vendor/package.json"), "application/json; charset=utf-8");
    assert_string_equal(staticfile_type("logo.svg"), "image/svg+xml");
    assert_string_equal(staticfile_type("a.PNG"), "image/png");
    assert_string_equal(staticfile_type("photo.jpeg"), "image/jpeg");
    assert_string_equal(staticfile_type("favicon.ico"), "image/x-icon");
    assert_string_equal(staticfile_type("font.woff2"), "font/woff2");
    assert_string_equal(staticfile_type("vendor/VERSIONS"), "application/octet-stream");
    assert_string_equal(staticfile_type("archive.tar.gz"), "application/octet-stream");
    assert_string_equal(staticfile_type("js.d/noext"), "application/octet-stream");
}

static void test_etag(void **state)
{
    (void)state;
    char a[STATICFILE_ETAG_MAX], b[STATICFILE_ETAG_MAX], c[STATICFILE_ETAG_MAX];
    staticfile_etag(12, 1700000000, 5, a, sizeof a);
    staticfile_etag(12, 1700000000, 6, b, sizeof b);
    staticfile_etag(13, 1700000000, 5, c, sizeof c);
    assert_string_equal(a, "\"c-17979cfe362a0005\"");
    assert_string_not_equal(a, b); /* nanoseconds count: two saves in one second differ */
    assert_string_not_equal(a, c);
    staticfile_etag(UINT64_MAX, INT64_MAX / 2000000000, 999999999, a, sizeof a);
    assert_true(strlen(a) < STATICFILE_ETAG_MAX);

    const char *tag = "\"c-17979cfe362a0005\"";
    assert_true(staticfile_etag_match(str_cstr("\"c-17979cfe362a0005\""), tag));
    assert_true(staticfile_etag_match(str_cstr("W/\"c-17979cfe362a0005\""), tag));
    assert_true(staticfile_etag_match(str_cstr("\"x\", \"c-17979cfe362a0005\""), tag));
    assert_true(staticfile_etag_match(str_cstr("\"x\",W/\"c-17979cfe362a0005\" , \"y\""), tag));
    assert_true(staticfile_etag_match(str_cstr("*"), tag));
    assert_true(staticfile_etag_match(str_cstr("\"a,b\", \"c-17979cfe362a0005\""), tag)); /* a comma inside a tag */
    assert_false(staticfile_etag_match(str_cstr("\"c-17979cfe362a0006\""), tag));
    assert_false(staticfile_etag_match(str_cstr("c-17979cfe362a0005"), tag)); /* unquoted */
    assert_false(staticfile_etag_match(str_cstr("\"c-17979cfe362a0005"), tag)); /* unterminated */
    assert_false(staticfile_etag_match(str_cstr(""), tag));
    assert_false(staticfile_etag_match(str_cstr(" , "), tag));
    assert_false(staticfile_etag_match(STR_NULL, tag));
    /* the tag must be the whole list item, not a prefix of it */
    assert_false(staticfile_etag_match(str_cstr("\"c-17979cfe362a0005x\""), tag));
}

static void date_is(int64_t t, const char *want)
{
    char out[STATICFILE_DATE_MAX];
    staticfile_http_date(t, out, sizeof out);
    assert_string_equal(out, want);
    int64_t back = -1;
    assert_true(staticfile_parse_http_date(str_cstr(out), &back));
    assert_int_equal(back, t);
}

static void test_dates(void **state)
{
    (void)state;
    date_is(0, "Thu, 01 Jan 1970 00:00:00 GMT");
    date_is(784111777, "Sun, 06 Nov 1994 08:49:37 GMT");
    date_is(951782400, "Tue, 29 Feb 2000 00:00:00 GMT");
    date_is(1700000000, "Tue, 14 Nov 2023 22:13:20 GMT");
    date_is(4102444799, "Thu, 31 Dec 2099 23:59:59 GMT");

    int64_t t = 0;
    assert_true(staticfile_parse_http_date(str_cstr("Sunday, 06-Nov-94 08:49:37 GMT"), &t));
    assert_int_equal(t, 784111777);
    assert_true(staticfile_parse_http_date(str_cstr("Sun Nov  6 08:49:37 1994"), &t));
    assert_int_equal(t, 784111777);
    assert_true(staticfile_parse_http_date(str_cstr("Thursday, 01-Jan-15 00:00:00 GMT"), &t));
    assert_int_equal(t, 1420070400);

    const char *bad[] = {
        "",
        "Sun, 06 Nov 1994 08:49:37",       /* no zone */
        "Sun, 06 Nov 1994 08:49:37 UTC",   /* not GMT */
        "Sun, 6 Nov 1994 08:49:37 GMT",    /* one-digit day */
        "Sun, 06 Nvm 1994 08:49:37 GMT",
        "Sun, 31 Apr 2024 08:49:37 GMT",   /* no such day */
        "Thu, 29 Feb 2001 00:00:00 GMT",   /* not a leap year */
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT ",  /* trailing bytes */
        "Xyz, 06 Nov 1994 08:49:37 GMT",
        "2024-01-01T00:00:00Z",
        "1700000000",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (staticfile_parse_http_date(str_cstr(bad[i]), &t))
            fail_msg("parsed [%s]", bad[i]);
    }
    assert_false(staticfile_parse_http_date(STR_NULL, &t));
    /* explicit length: a valid date cut short */
    assert_false(staticfile_parse_http_date(str_make("Sun, 06 Nov 1994 08:49:37 GMT", 20), &t));
}

static void test_not_modified(void **state)
{
    (void)state;
    const char *tag = "\"c-1\"";
    int64_t mtime = 784111777;
    ig_str same = str_cstr("Sun, 06 Nov 1994 08:49:37 GMT");
    ig_str older = str_cstr("Sun, 06 Nov 1994 08:49:36 GMT");
    ig_str newer = str_cstr("Mon, 07 Nov 1994 00:00:00 GMT");
    assert_false(staticfile_not_modified(STR_NULL, STR_NULL, tag, mtime));
    assert_true(staticfile_not_modified(str_cstr("\"c-1\""), STR_NULL, tag, mtime));
    assert_false(staticfile_not_modified(str_cstr("\"c-2\""), STR_NULL, tag, mtime));
    assert_true(staticfile_not_modified(STR_NULL, same, tag, mtime));
    assert_true(staticfile_not_modified(STR_NULL, newer, tag, mtime));
    assert_false(staticfile_not_modified(STR_NULL, older, tag, mtime));
    assert_false(staticfile_not_modified(STR_NULL, str_cstr("yesterday"), tag, mtime));
    /* If-None-Match wins over If-Modified-Since, both ways (RFC 9110 13.2.2) */
    assert_false(staticfile_not_modified(str_cstr("\"c-2\""), newer, tag, mtime));
    assert_true(staticfile_not_modified(str_cstr("\"c-1\""), older, tag, mtime));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_plain),
        cmocka_unit_test(test_map_traversal),
        cmocka_unit_test(test_map_limits),
        cmocka_unit_test(test_extension),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_etag),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_not_modified),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests for parse/sink: the text cap (cut at a UTF-8 boundary), link normalisation and
 * deduplication, and finding URLs written in text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "parse/sink.h"

static void link(parse_sink *s, const char *url)
{
    assert_int_equal(parse_sink_link(s, url, strlen(url)), IG_OK);
}

/* The links as one "a|b|c" string. */
static const char *joined(const parse_sink *s)
{
    static char out[8192];
    out[0] = '\0';
    size_t i;
    json_t *v;
    json_array_foreach(s->links, i, v) {
        if (i)
            strcat(out, "|");
        strcat(out, json_string_value(v));
    }
    return out;
}

static void test_text_cap_utf8(void **state)
{
    (void)state;
    parse_sink s;
    assert_int_equal(parse_sink_init(&s, 8, NULL), IG_OK);
    assert_int_equal(parse_sink_text(&s, "ab", 2), IG_OK);
    assert_false(parse_sink_full(&s));
    /* "年" is 3 bytes: 2 + 3 + 3 = 8 fits, the next one does not and is not split */
    assert_int_equal(parse_sink_text(&s, "年年年", 9), IG_OK);
    assert_int_equal(s.text.len, 8);
    assert_string_equal(s.text.p, "ab年年");
    assert_true(s.truncated);
    assert_true(parse_sink_full(&s));
    assert_int_equal(parse_sink_text(&s, "x", 1), IG_OK);
    assert_int_equal(s.text.len, 8);
    parse_sink_free(&s);
}

static void test_link_normalisation(void **state)
{
    (void)state;
    parse_sink s;
    assert_int_equal(parse_sink_init(&s, 100, NULL), IG_OK);
    link(&s, "  https://GitHub.com/Foo  ");
    link(&s, "github.com/Foo/");             /* same host and path: duplicate */
    link(&s, "http://www.github.com/Foo");   /* www. and scheme aside: duplicate */
    link(&s, "linkedin.com/in/x");           /* scheme-less: https added */
    link(&s, "HTTP://Example.ORG:8080/a?b=c#d");
    link(&s, "www.yuanbin.me");
    assert_string_equal(joined(&s), "https://github.com/Foo|https://linkedin.com/in/x|"
                                    "http://example.org:8080/a?b=c#d|https://www.yuanbin.me");
    parse_sink_free(&s);
}

static void test_link_rejects(void **state)
{
    (void)state;
    parse_sink s;
    assert_int_equal(parse_sink_init(&s, 100, NULL), IG_OK);
    const char *bad[] = {"mailto:a@b.com", "tel:+123", "javascript:alert(1)", "file:///etc/passwd",
                         "#section",       "/relative/path", "localhost:3000", "http://",
                         "https://no_dot/x", "https://a..b.com", "https://x.c0m", "a@b.com",
                         "https://exa mple.com", "ftp://x.com/f", "", "   "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        link(&s, bad[i]);
    assert_int_equal(json_array_size(s.links), 0);
    /* not UTF-8 */
    link(&s, "https://x.com/\xFF");
    assert_int_equal(json_array_size(s.links), 0);
    parse_sink_free(&s);
}

static void test_link_cap(void **state)
{
    (void)state;
    parse_sink s;
    assert_int_equal(parse_sink_init(&s, 100, NULL), IG_OK);
    char url[64];
    for (int i = 0; i < PARSE_SINK_MAX_LINKS + 50; i++) {
        snprintf(url, sizeof url, "https://x.com/%d", i);
        link(&s, url);
    }
    assert_int_equal(json_array_size(s.links), PARSE_SINK_MAX_LINKS);
    char big[PARSE_SINK_MAX_URL + 20] = "https://x.com/";
    memset(big + 14, 'a', sizeof big - 15);
    big[sizeof big - 1] = '\0';
    parse_sink_free(&s);
    assert_int_equal(parse_sink_init(&s, 100, NULL), IG_OK);
    link(&s, big);
    assert_int_equal(json_array_size(s.links), 0);
    parse_sink_free(&s);
}

static void test_links_from_text(void **state)
{
    (void)state;
    parse_sink s;
    assert_int_equal(parse_sink_init(&s, 100, NULL), IG_OK);
    const char *text = "LinkedIn: linkedin.com/in/johndoe — GitHub: github.com/johndoe\n"
                       "Blog:https://blog.yours.me/posts/1). Mail john.doe@email.com, Node.js, ASP.NET\n"
                       "个人主页：www.yuanbin.me，项目 https://github.com/cyfdecyf/cow。\n"
                       "GitHub.com is where I work; see (github.com/johndoe) again; gitee.com/abc\n"
                       "site: someone.github.io/blog, plain example.com/page";
    assert_int_equal(parse_sink_links_from_text(&s, text, strlen(text)), IG_OK);
    assert_string_equal(joined(&s), "https://linkedin.com/in/johndoe|https://github.com/johndoe|"
                                    "https://blog.yours.me/posts/1|https://www.yuanbin.me|"
                                    "https://github.com/cyfdecyf/cow|https://gitee.com/abc|"
                                    "https://someone.github.io/blog");
    parse_sink_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_cap_utf8),
        cmocka_unit_test(test_link_normalisation),
        cmocka_unit_test(test_link_rejects),
        cmocka_unit_test(test_link_cap),
        cmocka_unit_test(test_links_from_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

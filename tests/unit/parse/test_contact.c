/* Tests for parse/contact: e-mail, phone (with E.164) and link extraction on the contact lines real
 * resumes print (EN and ZH), the things that must not be taken (dates, GPAs, ZIP codes, file
 * names), link kinds and normalisation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "parse/contact.h"

static void check_email(const char *s, const char *want)
{
    ig_str e = STR_NULL;
    bool ok = contact_find_email(s, strlen(s), &e);
    if (want == NULL) {
        if (ok)
            fail_msg("took [%.*s] from [%s] as an e-mail", (int)e.n, e.p, s);
        return;
    }
    if (!ok || e.n != strlen(want) || memcmp(e.p, want, e.n) != 0)
        fail_msg("[%s]: e-mail [%.*s], want [%s]", s, ok ? (int)e.n : 0, ok ? e.p : "", want);
}

static void check_phone(const char *s, const char *want, const char *want_e164)
{
    ig_str p = STR_NULL;
    char e164[20];
    bool ok = contact_find_phone(s, strlen(s), &p, e164);
    if (want == NULL) {
        if (ok)
            fail_msg("took [%.*s] from [%s] as a phone", (int)p.n, p.p, s);
        assert_string_equal(e164, "");
        return;
    }
    if (!ok || p.n != strlen(want) || memcmp(p.p, want, p.n) != 0)
        fail_msg("[%s]: phone [%.*s], want [%s]", s, ok ? (int)p.n : 0, ok ? p.p : "", want);
    if (strcmp(e164, want_e164) != 0)
        fail_msg("[%s]: e164 [%s], want [%s]", s, e164, want_e164);
}

/* Collects the links of a line as "a|b|c". */
typedef struct links {
    char buf[512];
    size_t n;
} links;

static void collect(const char *p, size_t len, void *arg)
{
    links *l = arg;
    int w = snprintf(l->buf + l->n, sizeof l->buf - l->n, "%s%.*s", l->n ? "|" : "", (int)len, p);
    assert_true(w > 0 && (size_t)w < sizeof l->buf - l->n);
    l->n += (size_t)w;
}

static void check_links(const char *s, const char *want)
{
    links l = {.n = 0};
    l.buf[0] = '\0';
    contact_each_link(s, strlen(s), collect, &l);
    if (strcmp(l.buf, want) != 0)
        fail_msg("[%s]: links [%s], want [%s]", s, l.buf, want);
}

static void check_norm(const char *url, const char *want)
{
    char out[128];
    bool ok = contact_link_normalise(url, strlen(url), out, sizeof out);
    if (want == NULL) {
        if (ok)
            fail_msg("normalised [%s] to [%s], want refusal", url, out);
        return;
    }
    if (!ok || strcmp(out, want) != 0)
        fail_msg("normalised [%s] to [%s], want [%s]", url, ok ? out : "(refused)", want);
}

static void test_email(void **state)
{
    (void)state;
    check_email("hello@openresume.com\t123-456-7890\tNYC, NY", "hello@openresume.com");
    check_email("tel:(+82) 10-9030-1843 | mailto:posquit0.bj@gmail.com | homepage", "posquit0.bj@gmail.com");
    check_email("# allthe.stars@google.com", "allthe.stars@google.com");
    check_email("xxx@yuanbin.me · (+86) 131-221-87xxx", "xxx@yuanbin.me");
    check_email("邮箱：2637427015@qq.com · 157-2704-3901", "2637427015@qq.com");
    check_email("Email: first.last+tag@mail.example.co.uk.", "first.last+tag@mail.example.co.uk");
    check_email("(me@wayneclub.com)", "me@wayneclub.com");
    check_email("GitHub: @posquit0 then a@b.cn", "a@b.cn");
    check_email("...dots@example.org", "dots@example.org");
    check_email("no address here", NULL);
    check_email("@handle and x@localhost and y@1.23", NULL);
    check_email("bad.@example.com", NULL);
    check_email("", NULL);
}

static void test_phone_english(void **state)
{
    (void)state;
    check_phone("hello@openresume.com\t123-456-7890\tNYC, NY", "123-456-7890", ""); /* template: area code 123 */
    check_phone("I (123) 456-7890", "(123) 456-7890", "");
    check_phone("(909) 555-5555", "(909) 555-5555", "+19095555555");
    check_phone("john.doe@email.com , +1 (415) 555-0142 , San Francisco", "+1 (415) 555-0142", "+14155550142");
    check_phone("Mobile: +1-123-456-7890", "+1-123-456-7890", "+11234567890");
    check_phone("Phone 415.555.0142", "415.555.0142", "+14155550142");
    check_phone("call 1-415-555-0142 now", "1-415-555-0142", "+14155550142");
    check_phone("tel:(+82) 10-9030-1843\t|\tmailto:posquit0.bj@gmail.com", "(+82) 10-9030-1843", "+821090301843");
    check_phone("Ħ (+886) 983-586-620 |", "(+886) 983-586-620", "+886983586620");
    check_phone("+44 20 7946 0958", "+44 20 7946 0958", "+442079460958");
}

static void test_phone_chinese(void **state)
{
    (void)state;
    check_phone("电话：13812345678", "13812345678", "+8613812345678");
    check_phone("手机 138 1234 5678，邮箱", "138 1234 5678", "+8613812345678");
    check_phone("2637427015@qq.com · 157-2704-3901 · https://github.com/x", "157-2704-3901", "+8615727043901");
    check_phone("(+86) 138-1234-5678", "(+86) 138-1234-5678", "+8613812345678");
    check_phone("+86 13812345678", "+86 13812345678", "+8613812345678");
    check_phone("0086 138 1234 5678", "0086 138 1234 5678", "+8613812345678");
    check_phone("8613812345678", "8613812345678", "+8613812345678");
    check_phone("座机 0571-88888888", "0571-88888888", "");
    /* template placeholders: kept as printed, no E.164 */
    check_phone("xxx@yuanbin.me · (+86) 131-221-87xxx · http://www.yuanbin.me", "(+86) 131-221-87xxx", "");
    check_phone("1381234XXXX", "1381234XXXX", "");
    /* a +86 mobile with a digit too many is printed as is but has no E.164 */
    check_phone("glh9803@outlook.com (+86) 158243436819", "(+86) 158243436819", "");
}

static void test_phone_rejects(void **state)
{
    (void)state;
    check_phone("2015 - 2019", NULL, NULL);
    check_phone("2019.07-2021.03", NULL, NULL);
    check_phone("2019-07-15", NULL, NULL);
    check_phone("07-15-2019", NULL, NULL);
    check_phone("Sep 2019 - May 2023, 2018 – 2022", NULL, NULL);
    check_phone("2019 - 2021 2022", NULL, NULL);
    check_phone("GPA 3.72/4.0，综合排名 3/58, 9.15/10.0", NULL, NULL);
    check_phone("Beverly Hills, CA 90210", NULL, NULL);
    check_phone("ZIP 94105-1234", NULL, NULL);
    check_phone("had more than 100,000 students, 1 000 000 views", NULL, NULL);
    check_phone("3.1415926 and 192.168.100.200", NULL, NULL);
    check_phone("count 1234567 and 123456789", NULL, NULL);
    check_phone("2637427015@qq.com", NULL, NULL);
    check_phone("id 12345678901234567890", NULL, NULL);
    check_phone("ISBN978-3-16-148410-0x", NULL, NULL);
    check_phone("xxx-xxxx", NULL, NULL);
    check_phone("123-45xx", NULL, NULL); /* fewer than 7 real digits */
    check_phone("(123 456-7890", "123 456-7890", ""); /* an unclosed '(' is left out */
    check_phone("/MediaBox [0 0 612 792]", NULL, NULL);
    check_phone("", NULL, NULL);
}

static void test_links(void **state)
{
    (void)state;
    check_links("tel:(+82) 10-9030-1843 | mailto:posquit0.bj@gmail.com | homepage: www.posquit0.com | GitHub: "
                "@posquit0 | LinkedIn: /in/posquit0",
                "www.posquit0.com");
    check_links("john.doe@email.com , +1 (415) 555-0142 , linkedin.com/in/johndoe , github.com/johndoe",
                "linkedin.com/in/johndoe|github.com/johndoe");
    check_links("sourabhbajaj.com Mobile: +1-123-456-7890", "sourabhbajaj.com");
    check_links("xxx@yuanbin.me · (+86) 131-221-87xxx · http://www.yuanbin.me", "http://www.yuanbin.me");
    check_links("分布式负载均衡科学上网姿势, https://github.com/cyfdecyf/cow", "https://github.com/cyfdecyf/cow");
    check_links("个人主页：https://lihui-gu.github.io，欢迎访问", "https://lihui-gu.github.io");
    check_links("技术博客: http://blog.yours.me。", "http://blog.yours.me");
    check_links("(see github.com/x).", "github.com/x");
    check_links("https://en.wikipedia.org/wiki/Foo_(bar), next", "https://en.wikipedia.org/wiki/Foo_(bar)");
    check_links("HTTPS://Example.COM/Path?q=1#top!", "HTTPS://Example.COM/Path?q=1#top");
    check_links("ć me@wayneclub.com | u wayneclub.com | ^ wayneclub", "wayneclub.com");
    check_links("medium.com/@someone and localhost:8080", "medium.com/@someone");
    check_links("www.example.museum", "www.example.museum");
}

static void test_links_rejects(void **state)
{
    (void)state;
    check_links("Node.js, Express.js, Vue.js, D3.js, ASP.NET, Socket.IO", "");
    check_links("e.g. B.S. Ph.D. U.S.A S.Korea Co., Ltd. R.O.K", "");
    check_links("see README.md, main.py, run.sh, lib.rs", "");
    check_links("first.last@example.com me@x.io", "");
    check_links("mailto:a@b.com tel:+11234567890", "");
    check_links("Python 3.10, 99.5% uptime, v4.3.0", "");
    check_links("http:// and https://", "");
    check_links("", "");
}

static void test_classify(void **state)
{
    (void)state;
#define KIND(u) contact_link_classify(u, strlen(u))
    assert_int_equal(KIND("https://github.com/posquit0"), CONTACT_LINK_GITHUB);
    assert_int_equal(KIND("github.com/johndoe/"), CONTACT_LINK_GITHUB);
    assert_int_equal(KIND("https://www.github.com/x?tab=repositories"), CONTACT_LINK_GITHUB);
    assert_int_equal(KIND("https://github.com/cyfdecyf/cow"), CONTACT_LINK_OTHER);
    assert_int_equal(KIND("https://github.com"), CONTACT_LINK_OTHER);
    assert_int_equal(KIND("https://gist.github.com/x/abc"), CONTACT_LINK_OTHER);
    assert_int_equal(KIND("https://www.linkedin.com/in/posquit0"), CONTACT_LINK_LINKEDIN);
    assert_int_equal(KIND("linkedin.com/in/john-doe"), CONTACT_LINK_LINKEDIN);
    assert_int_equal(KIND("https://cn.linkedin.com/in/someone/"), CONTACT_LINK_LINKEDIN);
    assert_int_equal(KIND("https://www.linkedin.com/company/acme"), CONTACT_LINK_OTHER);
    assert_int_equal(KIND("https://lihui-gu.github.io"), CONTACT_LINK_WEBSITE);
    assert_int_equal(KIND("www.yuanbin.me"), CONTACT_LINK_WEBSITE);
    assert_int_equal(KIND("http://blog.yours.me"), CONTACT_LINK_WEBSITE);
    assert_int_equal(KIND("sourabhbajaj.com"), CONTACT_LINK_WEBSITE);
    assert_int_equal(KIND("https://blog.csdn.net/someone"), CONTACT_LINK_WEBSITE);
    assert_int_equal(KIND("https://medium.com/@someone"), CONTACT_LINK_WEBSITE);
    assert_int_equal(KIND("https://gitlab.com/x/y"), CONTACT_LINK_OTHER);
    assert_int_equal(KIND("https://wa.me/1234567890"), CONTACT_LINK_OTHER);
    assert_int_equal(KIND("https://twitter.com/x"), CONTACT_LINK_OTHER);
    assert_int_equal(KIND("http://192.168.1.1:8080/x"), CONTACT_LINK_OTHER);
    assert_int_equal(KIND("localhost"), CONTACT_LINK_OTHER);
    assert_int_equal(KIND(""), CONTACT_LINK_OTHER);
#undef KIND
}

static void test_normalise(void **state)
{
    (void)state;
    check_norm("github.com/x", "https://github.com/x");
    check_norm("HTTPS://GitHub.COM/User/Repo/", "https://github.com/User/Repo");
    check_norm("https://sourabhbajaj.com/", "https://sourabhbajaj.com");
    check_norm("http://www.yuanbin.me", "http://www.yuanbin.me");
    check_norm("  www.Posquit0.com//  ", "https://www.posquit0.com");
    check_norm("linkedin.com/in/john-doe?trk=x", "https://linkedin.com/in/john-doe?trk=x");
    check_norm("mailto:posquit0.bj@gmail.com", NULL);
    check_norm("MAILTO:x@y.z", NULL);
    check_norm("tel:+82-10-9030-1843", NULL);
    check_norm("javascript:alert(1)", NULL);
    check_norm("https://", NULL);
    check_norm("https:///path", NULL);
    check_norm("", NULL);
    check_norm("http://a b.com", NULL);
    char small[13];
    assert_false(contact_link_normalise("github.com/x", 12, small, sizeof small));
    assert_true(contact_link_normalise("a.io", 4, small, sizeof small));
    assert_string_equal(small, "https://a.io");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_email),         cmocka_unit_test(test_phone_english),
        cmocka_unit_test(test_phone_chinese), cmocka_unit_test(test_phone_rejects),
        cmocka_unit_test(test_links),         cmocka_unit_test(test_links_rejects),
        cmocka_unit_test(test_classify),      cmocka_unit_test(test_normalise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

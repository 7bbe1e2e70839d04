/* Tests for http/proxy: the TRUSTED_PROXIES grammar, network matching at prefix boundaries (IPv4,
 * IPv6, IPv4-mapped peers), and the right-to-left X-Forwarded-For walk: spoofed entries on the left,
 * chains of proxies, ports and brackets, several header lines, garbage and the caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "http/proxy.h"

static proxy_list list_of(const char *spec)
{
    proxy_list l;
    ig_err err = {IG_OK, ""};
    if (proxy_list_parse(spec, strlen(spec), &l, &err) != IG_OK)
        fail_msg("'%s' rejected: %s", spec, err.msg);
    return l;
}

static bool has(const proxy_list *l, const char *ip)
{
    return proxy_list_has(l, ip, strlen(ip));
}

/* proxy_forwarded_for over NUL-terminated header lines; "" when it gives no address. */
static const char *client(const proxy_list *l, const char *const *lines, size_t n, char out[PROXY_ADDR_MAX])
{
    ig_str vals[8];
    for (size_t i = 0; i < n; i++)
        vals[i] = str_cstr(lines[i]);
    snprintf(out, PROXY_ADDR_MAX, "untouched");
    if (!proxy_forwarded_for(l, vals, n, out)) {
        assert_string_equal(out, "untouched");
        return "";
    }
    return out;
}

static const char *client1(const proxy_list *l, const char *line, char out[PROXY_ADDR_MAX])
{
    return client(l, &line, 1, out);
}

static void test_parse_good(void **state)
{
    (void)state;
    static const struct {
        const char *spec;
        size_t n;
    } cases[] = {
        {"", 0},
        {"   ", 0},
        {",, ,", 0},
        {"127.0.0.1", 1},
        {"10.0.0.0/8, 192.168.1.1/32 ,::1,\t2001:db8::/32", 4},
        {"172.16.0.0/12,", 1},
        {"0.0.0.0/0", 1},
        {"::/0", 1},
        {"::ffff:10.0.0.1", 1},
        {"fe80::1/10, 127.0.0.1/000", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        proxy_list l = list_of(cases[i].spec);
        assert_int_equal(l.n, cases[i].n);
    }
    proxy_list l = list_of("10.1.2.3/8, 2001:db8:ffff::1/33, ::ffff:10.0.0.1");
    assert_true(l.nets[0].v4);
    assert_int_equal(l.nets[0].prefix, 8);
    static const unsigned char ten[16] = {10};
    assert_memory_equal(l.nets[0].addr, ten, 16); /* host bits dropped */
    assert_false(l.nets[1].v4);
    assert_int_equal(l.nets[1].prefix, 33);
    static const unsigned char db8[16] = {0x20, 0x01, 0x0d, 0xb8, 0x80};
    assert_memory_equal(l.nets[1].addr, db8, 16);
    assert_true(l.nets[2].v4); /* a mapped address is the IPv4 one */
    assert_int_equal(l.nets[2].prefix, 32);
}

static void test_parse_bad(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "1.2.3",
        "1.2.3.4.5",
        "256.0.0.1",
        "10.0.0.0/33",
        "::1/129",
        "10.0.0.0/",
        "/8",
        "10.0.0.0/8x",
        "10.0.0.0/ 8",
        "10.0.0.0/-1",
        "10.0.0.0/0008",
        "localhost",
        "1.2.3.4 5.6.7.8",
        "[::1]",
        "1.2.3.4:80",
        "fe80::1%eth0",
        "127.0.0.1, nginx",
        "代理服务器",
        "127.0.0.1，10.0.0.1", /* a full-width comma */
        "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        proxy_list l;
        ig_err err = {IG_OK, ""};
        if (proxy_list_parse(cases[i], strlen(cases[i]), &l, &err) != IG_EINVAL)
            fail_msg("'%s' accepted", cases[i]);
        assert_non_null(strstr(err.msg, "TRUSTED_PROXIES"));
        assert_int_equal(l.n, 0);
    }
    /* the item is named by its position */
    proxy_list l;
    ig_err err = {IG_OK, ""};
    assert_int_equal(proxy_list_parse("127.0.0.1, ::1, nope", 20, &l, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "item 3"));
    assert_non_null(strstr(err.msg, "nope"));
    /* a NUL inside the value, and explicit lengths: bytes past len are not read */
    assert_int_equal(proxy_list_parse("127.0.0.1\0", 10, &l, &err), IG_EINVAL);
    assert_int_equal(proxy_list_parse("10.0.0.1/8garbage", 8, &l, &err), IG_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.nets[0].prefix, 32);
    /* more networks than fit */
    char many[2048] = "";
    for (int i = 0; i <= PROXY_LIST_MAX; i++) {
        size_t used = strlen(many);
        snprintf(many + used, sizeof many - used, "%s10.0.%d.0/24", i ? "," : "", i);
    }
    assert_int_equal(proxy_list_parse(many, strlen(many), &l, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "more than"));
    many[strrchr(many, ',') - many] = '\0';
    assert_int_equal(proxy_list_parse(many, strlen(many), &l, &err), IG_OK);
    assert_int_equal(l.n, PROXY_LIST_MAX);
}

static void test_has(void **state)
{
    (void)state;
    proxy_list l = list_of("10.0.0.0/8, 192.168.1.7, 2001:db8::/33, 172.16.0.0/12");
    assert_true(has(&l, "10.0.0.0"));
    assert_true(has(&l, "10.255.255.255"));
    assert_false(has(&l, "11.0.0.0"));
    assert_false(has(&l, "9.255.255.255"));
    assert_true(has(&l, "192.168.1.7"));
    assert_false(has(&l, "192.168.1.8"));
    assert_true(has(&l, "172.31.255.255"));
    assert_false(has(&l, "172.32.0.0"));
    assert_true(has(&l, "2001:db8::1"));
    assert_true(has(&l, "2001:db8:7fff:ffff::1"));
    assert_false(has(&l, "2001:db8:8000::1"));
    assert_false(has(&l, "2001:db9::1"));
    /* a dual-stack socket's view of an IPv4 peer */
    assert_true(has(&l, "::ffff:10.1.2.3"));
    assert_false(has(&l, "::ffff:11.1.2.3"));
    /* not one address */
    assert_false(has(&l, ""));
    assert_false(has(&l, "10.0.0.0/8"));
    assert_false(has(&l, "10.0.0.1:80"));
    assert_false(has(&l, "unknown"));
    assert_false(has(&l, "十.0.0.1"));
    assert_false(proxy_list_has(&l, "10.0.0.1\0", 9));
    assert_true(proxy_list_has(&l, "10.0.0.1999", 8)); /* explicit length */
    assert_false(proxy_list_has(NULL, "10.0.0.1", 8));

    /* IPv4 and IPv6 networks stay apart */
    proxy_list all4 = list_of("0.0.0.0/0");
    assert_true(has(&all4, "203.0.113.9"));
    assert_false(has(&all4, "2001:db8::1"));
    proxy_list all6 = list_of("::/0");
    assert_true(has(&all6, "::1"));
    assert_false(has(&all6, "127.0.0.1"));
    assert_false(has(&all6, "::ffff:127.0.0.1"));
    proxy_list none = list_of("");
    assert_false(has(&none, "127.0.0.1"));
}

static void test_forwarded_rightmost_untrusted(void **state)
{
    (void)state;
    char out[PROXY_ADDR_MAX];
    proxy_list l = list_of("127.0.0.1, 10.0.0.0/8");
    assert_string_equal(client1(&l, "203.0.113.7", out), "203.0.113.7");
    /* what the client wrote itself is to the left of what nginx appended */
    assert_string_equal(client1(&l, "1.1.1.1, 203.0.113.7", out), "203.0.113.7");
    assert_string_equal(client1(&l, "127.0.0.1, 10.0.0.5, 203.0.113.7", out), "203.0.113.7");
    /* a chain of trusted proxies is passed over */
    assert_string_equal(client1(&l, "6.6.6.6, 203.0.113.7, 10.0.0.5, 127.0.0.1", out), "203.0.113.7");
    /* every hop trusted: the leftmost */
    assert_string_equal(client1(&l, "10.0.0.9, 127.0.0.1", out), "10.0.0.9");
    /* blanks and empty list elements */
    assert_string_equal(client1(&l, " ,\t203.0.113.7 ,, ", out), "203.0.113.7");
    /* IPv6, brackets, ports, canonical form */
    assert_string_equal(client1(&l, "2001:DB8:0:0::1", out), "2001:db8::1");
    assert_string_equal(client1(&l, "[2001:db8::1]:443", out), "2001:db8::1");
    assert_string_equal(client1(&l, "[2001:db8::2]", out), "2001:db8::2");
    assert_string_equal(client1(&l, "203.0.113.7:4711", out), "203.0.113.7");
    assert_string_equal(client1(&l, "::ffff:203.0.113.7", out), "203.0.113.7");
    assert_string_equal(client1(&l, "203.0.113.7, [::ffff:10.0.0.1]:80", out), "203.0.113.7");
}

static void test_forwarded_lines(void **state)
{
    (void)state;
    char out[PROXY_ADDR_MAX];
    proxy_list l = list_of("127.0.0.1");
    /* several lines are one list, in order */
    const char *a[] = {"9.9.9.9", "203.0.113.7, 127.0.0.1"};
    assert_string_equal(client(&l, a, 2, out), "203.0.113.7");
    const char *b[] = {"203.0.113.7", "127.0.0.1"};
    assert_string_equal(client(&l, b, 2, out), "203.0.113.7");
    const char *c[] = {"203.0.113.7", ""};
    assert_string_equal(client(&l, c, 2, out), "203.0.113.7");
    /* nothing usable: the peer is the client */
    const char *none[] = {"", " , "};
    assert_string_equal(client(&l, none, 2, out), "");
    assert_string_equal(client(&l, NULL, 0, out), "");
    ig_str null_line = STR_NULL;
    assert_false(proxy_forwarded_for(&l, &null_line, 1, out));
}

static void test_forwarded_garbage_stops(void **state)
{
    (void)state;
    char out[PROXY_ADDR_MAX];
    proxy_list l = list_of("127.0.0.1");
    /* the proxy wrote something that is no address: nothing to its left can be believed */
    assert_string_equal(client1(&l, "1.1.1.1, unknown", out), "");
    assert_string_equal(client1(&l, "1.1.1.1, unknown, 127.0.0.1", out), "127.0.0.1");
    assert_string_equal(client1(&l, "客户端", out), "");
    assert_string_equal(client1(&l, "1.1.1.1, 客户端 ", out), "");
    static const char *const bad[] = {
        "[1.2.3.4]", "1.2.3.4:", "1.2.3.4:123456", "1.2.3.4:8a", "[2001:db8::1", "[2001:db8::1]x",
        "[2001:db8::1]:", "2001:db8::1:80x", "1.2.3.4/32", "\"1.2.3.4\"", "1.2.3.4 5.6.7.8", "_hidden",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (client1(&l, bad[i], out)[0] != '\0')
            fail_msg("'%s' gave %s", bad[i], out);
    }
    /* a NUL byte inside an entry */
    ig_str nul = str_make("203.0.113.7\0", 12);
    assert_false(proxy_forwarded_for(&l, &nul, 1, out));
}

static void test_forwarded_caps(void **state)
{
    (void)state;
    char out[PROXY_ADDR_MAX];
    char line[4096] = "203.0.113.7";
    proxy_list l = list_of("127.0.0.0/8");
    /* PROXY_HOPS_MAX - 1 trusted hops: the client is still reached */
    for (int i = 0; i < PROXY_HOPS_MAX - 1; i++) {
        size_t used = strlen(line);
        snprintf(line + used, sizeof line - used, ", 127.0.0.%d", i + 1);
    }
    assert_string_equal(client1(&l, line, out), "203.0.113.7");
    /* one more: the walk gives up at the last trusted hop it read, the PROXY_HOPS_MAX-th */
    size_t used = strlen(line);
    snprintf(line + used, sizeof line - used, ", 127.0.0.99");
    assert_string_equal(client1(&l, line, out), "127.0.0.1");
    /* an entry over PROXY_ENTRY_MAX bytes is garbage, however it ends */
    char longer[PROXY_ENTRY_MAX + 32];
    memset(longer, ' ', sizeof longer);
    memcpy(longer + sizeof longer - 12, "203.0.113.7", 12);
    assert_string_equal(client1(&l, longer, out), "");
    char tail[PROXY_ENTRY_MAX + 48];
    memset(tail, '1', sizeof tail);
    snprintf(tail + PROXY_ENTRY_MAX + 10, sizeof tail - PROXY_ENTRY_MAX - 10, ", 127.0.0.1");
    assert_string_equal(client1(&l, tail, out), "127.0.0.1");
    /* exactly PROXY_ENTRY_MAX bytes with blanks is still one entry */
    char fits[PROXY_ENTRY_MAX + 1];
    memset(fits, ' ', PROXY_ENTRY_MAX);
    memcpy(fits + PROXY_ENTRY_MAX - 11, "203.0.113.7", 11);
    fits[PROXY_ENTRY_MAX] = '\0';
    assert_string_equal(client1(&l, fits, out), "203.0.113.7");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_has),
        cmocka_unit_test(test_forwarded_rightmost_untrusted),
        cmocka_unit_test(test_forwarded_lines),
        cmocka_unit_test(test_forwarded_garbage_stops),
        cmocka_unit_test(test_forwarded_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

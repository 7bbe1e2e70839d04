/* Tests for core/buf: the hard cap (IG_ETOOBIG leaves the contents untouched), growth, NUL
 * termination, formatted appends, consuming a prefix and stealing the storage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

static void test_init_empty(void **state)
{
    (void)state;
    ig_buf b;
    buf_init(&b, 100);
    assert_null(b.p);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, 100);
    buf_reset(&b); /* safe before any storage exists */
    buf_consume(&b, 5);
    assert_int_equal(b.len, 0);
    buf_free(&b);
    buf_free(&b); /* twice is harmless */
}

static void test_append_and_growth(void **state)
{
    (void)state;
    ig_buf b;
    buf_init(&b, 1u << 20);
    assert_int_equal(buf_append(&b, "hello", 5), IG_OK);
    assert_int_equal(b.len, 5);
    assert_string_equal(b.p, "hello");
    assert_int_equal(buf_append(&b, ", world", 7), IG_OK);
    assert_string_equal(b.p, "hello, world");
    /* a zero-length append changes nothing */
    assert_int_equal(buf_append(&b, NULL, 0), IG_OK);
    assert_int_equal(b.len, 12);

    /* grow well past the first allocation, one byte at a time: contents stay intact */
    buf_reset(&b);
    for (size_t i = 0; i < 100000; i++) {
        char c = (char)('a' + i % 26);
        assert_int_equal(buf_append(&b, &c, 1), IG_OK);
        assert_true(b.cap > b.len);
        assert_int_equal(b.p[b.len], '\0');
    }
    for (size_t i = 0; i < 100000; i++)
        if (b.p[i] != (char)('a' + i % 26))
            fail_msg("byte %zu lost", i);
    buf_free(&b);
    assert_null(b.p);
}

static void test_cap(void **state)
{
    (void)state;
    ig_buf b;
    buf_init(&b, 10);
    assert_int_equal(buf_append(&b, "0123456789", 10), IG_OK);
    assert_int_equal(buf_append(&b, "x", 1), IG_ETOOBIG);
    assert_int_equal(b.len, 10);
    assert_string_equal(b.p, "0123456789");
    /* storage never grows past max + 1 (the NUL) */
    assert_true(b.cap <= 11);
    buf_free(&b);

    buf_init(&b, 10);
    assert_int_equal(buf_append(&b, "0123456789A", 11), IG_ETOOBIG);
    assert_null(b.p);
    assert_int_equal(buf_append(&b, "abc", 3), IG_OK);
    /* an absurd length must not wrap around the cap check */
    assert_int_equal(buf_append(&b, "x", SIZE_MAX), IG_ETOOBIG);
    assert_int_equal(buf_append(&b, "x", SIZE_MAX - 2), IG_ETOOBIG);
    assert_string_equal(b.p, "abc");
    buf_free(&b);

    /* max 0 holds nothing but the empty string */
    buf_init(&b, 0);
    assert_int_equal(buf_append(&b, "x", 1), IG_ETOOBIG);
    assert_int_equal(buf_append(&b, "", 0), IG_OK);
    assert_int_equal(b.len, 0);
    buf_free(&b);
}

static void test_appendf(void **state)
{
    (void)state;
    ig_buf b;
    buf_init(&b, 32);
    assert_int_equal(buf_appendf(&b, "%s=%d", "port", 5000), IG_OK);
    assert_int_equal(buf_appendf(&b, ";%zu", (size_t)42), IG_OK);
    assert_string_equal(b.p, "port=5000;42");
    assert_int_equal(b.len, 12);
    /* exactly up to the cap, then one byte too many: refused whole, contents unchanged */
    assert_int_equal(buf_appendf(&b, "%020d", 7), IG_OK);
    assert_int_equal(b.len, 32);
    assert_int_equal(buf_appendf(&b, "%c", 'x'), IG_ETOOBIG);
    assert_int_equal(b.len, 32);
    assert_memory_equal(b.p + 12, "00000000000000000007", 21);
    buf_free(&b);

    buf_init(&b, 1u << 20);
    char big[5000];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(buf_appendf(&b, "[%s]", big), IG_OK);
    assert_int_equal(b.len, 5001);
    assert_int_equal(b.p[0], '[');
    assert_int_equal(b.p[5000], ']');
    assert_int_equal(b.p[5001], '\0');
    buf_free(&b);
}

static void test_consume(void **state)
{
    (void)state;
    ig_buf b;
    buf_init(&b, 100);
    assert_int_equal(buf_append(&b, "GET / HTTP/1.1\r\nrest", 20), IG_OK);
    buf_consume(&b, 16);
    assert_int_equal(b.len, 4);
    assert_string_equal(b.p, "rest");
    buf_consume(&b, 0);
    assert_string_equal(b.p, "rest");
    buf_consume(&b, 4);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.p, "");
    assert_int_equal(buf_append(&b, "abc", 3), IG_OK);
    buf_consume(&b, 1000); /* more than held: empties */
    assert_int_equal(b.len, 0);
    assert_string_equal(b.p, "");
    /* consumed room is reusable up to the cap again */
    char fill[100];
    memset(fill, 'f', sizeof fill);
    assert_int_equal(buf_append(&b, fill, 100), IG_OK);
    buf_consume(&b, 50);
    assert_int_equal(buf_append(&b, fill, 50), IG_OK);
    assert_int_equal(buf_append(&b, fill, 1), IG_ETOOBIG);
    buf_free(&b);
}

static void test_steal(void **state)
{
    (void)state;
    ig_buf b;
    buf_init(&b, 100);
    size_t len = 99;
    assert_null(buf_steal(&b, &len));
    assert_int_equal(len, 0);
    assert_int_equal(buf_append(&b, "owned", 5), IG_OK);
    char *p = buf_steal(&b, &len);
    assert_non_null(p);
    assert_int_equal(len, 5);
    assert_string_equal(p, "owned");
    assert_null(b.p);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.max, 100);
    /* the emptied buffer works again, independent of the stolen storage */
    assert_int_equal(buf_append(&b, "new", 3), IG_OK);
    assert_string_equal(b.p, "new");
    assert_ptr_not_equal(b.p, p);
    free(p);
    p = buf_steal(&b, NULL);
    assert_string_equal(p, "new");
    free(p);
    buf_free(&b);
}

static void test_reset_keeps_storage(void **state)
{
    (void)state;
    ig_buf b;
    buf_init(&b, 1000);
    assert_int_equal(buf_append(&b, "something", 9), IG_OK);
    char *before = b.p;
    size_t cap = b.cap;
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.p, "");
    assert_ptr_equal(b.p, before);
    assert_int_equal(b.cap, cap);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_empty),
        cmocka_unit_test(test_append_and_growth),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_appendf),
        cmocka_unit_test(test_consume),
        cmocka_unit_test(test_steal),
        cmocka_unit_test(test_reset_keeps_storage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests for core/datafiles: the compiled-in table (names, NUL after each file, prefix walks) and
 * the line walker the data loaders share (comments, blanks, CRLF, no final newline). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/datafiles.h"

static void test_get(void **state)
{
    (void)state;
    ig_str s;
    assert_true(datafiles_get("skills.tsv", &s));
    assert_true(s.n > 1000);
    assert_int_equal(s.p[s.n], '\0'); /* readable as a C string too */
    assert_false(datafiles_get("no/such.file", &s));
    assert_false(datafiles_get("README.md", &s)); /* notes for people are not compiled in */
}

static int count_questions(const char *name, ig_str bytes, void *arg)
{
    assert_memory_equal(name, "questions/", 10);
    assert_true(bytes.n > 0);
    (*(int *)arg)++;
    return 0;
}

static int stop_at_first(const char *name, ig_str bytes, void *arg)
{
    (void)name;
    (void)bytes;
    (*(int *)arg)++;
    return 7;
}

static void test_each(void **state)
{
    (void)state;
    int n = 0;
    assert_int_equal(datafiles_each("questions/", count_questions, &n), 0);
    assert_true(n >= 5);
    n = 0;
    assert_int_equal(datafiles_each("questions/", stop_at_first, &n), 7);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(datafiles_each("nothing/", stop_at_first, &n), 0);
    assert_int_equal(n, 0);
}

static void test_lines(void **state)
{
    (void)state;
    const char text[] = "# header\n\nfirst\tline\r\n  \n#x\nlast";
    ig_str rest = {text, sizeof text - 1}, line;
    size_t lineno = 0;
    assert_true(datafiles_next_line(&rest, &line, &lineno));
    assert_int_equal(line.n, 10);
    assert_memory_equal(line.p, "first\tline", 10); /* the CR of CRLF is dropped */
    assert_int_equal(lineno, 3);
    assert_true(datafiles_next_line(&rest, &line, &lineno));
    assert_int_equal(line.n, 2); /* a line of blanks is content; loaders judge it */
    assert_true(datafiles_next_line(&rest, &line, &lineno));
    assert_memory_equal(line.p, "last", 4);
    assert_int_equal(lineno, 6);
    assert_false(datafiles_next_line(&rest, &line, &lineno));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get),
        cmocka_unit_test(test_each),
        cmocka_unit_test(test_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

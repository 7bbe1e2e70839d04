/* Tests for parse/doc: files that are not Word 97-2003 documents fail cleanly with a reason.
 * (No .doc writer is installed here to make real fixtures; the corpus and the end-to-end tests,
 * which make them with LibreOffice, cover real files.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "parse/doc.h"
#include "parse/fixtures.h"

static ig_status extract(const char *path, parse_sink *s, ig_err *err)
{
    parse_limits lim;
    parse_limits_default(&lim);
    return parse_doc_extract(path, &lim, s, err);
}

static void test_not_word(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    parse_sink s;
    ig_err err = {IG_OK, ""};
    assert_int_equal(parse_sink_init(&s, 1 << 20, NULL), IG_OK);

    /* an OLE2 file whose WordDocument stream is too short to hold a FIB */
    const char *fake = fx_path(dir, "fake.doc");
    assert_true(fx_ole(fake, "WordDocument", "not really word", NULL));
    assert_int_equal(extract(fake, &s, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "the DOC is damaged"));

    /* not OLE2 at all, and no file */
    const char *txt = fx_path(dir, "plain.doc");
    fx_write(txt, "hello", 5);
    assert_int_equal(extract(txt, &s, &err), IG_EINVAL);
    assert_int_equal(extract(fx_path(dir, "missing.doc"), &s, &err), IG_EINVAL);
    assert_int_equal(s.text.len, 0);
    parse_sink_free(&s);
    fx_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_word),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

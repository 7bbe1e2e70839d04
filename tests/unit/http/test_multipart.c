/* multipart/form-data parser: boundaries, parts, headers, every way of splitting the input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "http/multipart.h"

typedef struct rec {
    int parts, ends;
    char names[4][300];
    char filenames[4][300];
    char ctypes[4][128];
    ig_buf data[4];
    ig_status fail_on_part;
} rec;

static ig_status r_part(void *arg, const multipart_part *p)
{
    rec *r = arg;
    if (r->fail_on_part != IG_OK)
        return r->fail_on_part;
    if (r->parts < 4) {
        snprintf(r->names[r->parts], sizeof r->names[0], "%s", p->name);
        snprintf(r->filenames[r->parts], sizeof r->filenames[0], "%s", p->has_filename ? p->filename : "(none)");
        snprintf(r->ctypes[r->parts], sizeof r->ctypes[0], "%s", p->content_type);
    }
    r->parts++;
    return IG_OK;
}

static ig_status r_data(void *arg, const char *d, size_t n)
{
    rec *r = arg;
    assert_true(r->parts > 0);
    if (r->parts <= 4)
        return buf_append(&r->data[r->parts - 1], d, n);
    return IG_OK;
}

static ig_status r_end(void *arg)
{
    ((rec *)arg)->ends++;
    return IG_OK;
}

static const multipart_callbacks CB = {r_part, r_data, r_end};

static void rec_init(rec *r)
{
    memset(r, 0, sizeof *r);
    for (int i = 0; i < 4; i++)
        buf_init(&r->data[i], 1 << 20);
}

static void rec_free(rec *r)
{
    for (int i = 0; i < 4; i++)
        buf_free(&r->data[i]);
}

static const char BODY[] = "preamble to ignore\r\n"
                           "--XyZ\r\n"
                           "Content-Disposition: form-data; name=\"title\"\r\n"
                           "\r\n"
                           "hello\r\n"
                           "--XyZ\r\n"
                           "Content-Disposition: form-data; name=\"file\"; filename=\"简历 \\\"v2\\\".pdf\"\r\n"
                           "Content-Type: application/pdf\r\n"
                           "\r\n"
                           "%PDF-1.4\r\n--XyNot a boundary\r\r\n-\r\n--X\nend\r\n"
                           "--XyZ--\r\n"
                           "epilogue";

static void check_body(rec *r)
{
    assert_int_equal(r->parts, 2);
    assert_int_equal(r->ends, 2);
    assert_string_equal(r->names[0], "title");
    assert_string_equal(r->filenames[0], "(none)");
    assert_string_equal(r->data[0].p, "hello");
    assert_string_equal(r->names[1], "file");
    assert_string_equal(r->filenames[1], "简历 \"v2\".pdf");
    assert_string_equal(r->ctypes[1], "application/pdf");
    static const char want[] = "%PDF-1.4\r\n--XyNot a boundary\r\r\n-\r\n--X\nend";
    assert_int_equal(r->data[1].len, sizeof want - 1);
    assert_memory_equal(r->data[1].p, want, sizeof want - 1);
}

static void test_whole(void **state)
{
    (void)state;
    rec r;
    rec_init(&r);
    multipart_parser p;
    multipart_init(&p, "XyZ", &CB, &r);
    ig_err err;
    assert_int_equal(multipart_feed(&p, BODY, sizeof BODY - 1, &err), IG_OK);
    assert_true(multipart_done(&p));
    check_body(&r);
    rec_free(&r);
}

/* Every split point, and byte by byte: the result must not depend on how the body arrives. */
static void test_every_split(void **state)
{
    (void)state;
    size_t n = sizeof BODY - 1;
    for (size_t cut = 0; cut <= n; cut++) {
        rec r;
        rec_init(&r);
        multipart_parser p;
        multipart_init(&p, "XyZ", &CB, &r);
        ig_err err;
        assert_int_equal(multipart_feed(&p, BODY, cut, &err), IG_OK);
        assert_int_equal(multipart_feed(&p, BODY + cut, n - cut, &err), IG_OK);
        assert_true(multipart_done(&p));
        check_body(&r);
        rec_free(&r);
    }
    rec r;
    rec_init(&r);
    multipart_parser p;
    multipart_init(&p, "XyZ", &CB, &r);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(multipart_feed(&p, BODY + i, 1, NULL), IG_OK);
    check_body(&r);
    rec_free(&r);
}

static void test_truncated_and_malformed(void **state)
{
    (void)state;
    rec r;
    rec_init(&r);
    multipart_parser p;
    ig_err err;
    multipart_init(&p, "XyZ", &CB, &r);
    assert_int_equal(multipart_feed(&p, BODY, 150, &err), IG_OK);
    assert_false(multipart_done(&p)); /* the body ended early: the caller must treat it as truncated */
    rec_free(&r);

    static const char no_disp[] = "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--";
    rec_init(&r);
    multipart_init(&p, "b", &CB, &r);
    assert_int_equal(multipart_feed(&p, no_disp, sizeof no_disp - 1, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "Content-Disposition"));
    /* a failed parser stays failed */
    assert_int_equal(multipart_feed(&p, "x", 1, &err), IG_EINVAL);
    rec_free(&r);

    static const char garbage[] = "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--bZZ";
    rec_init(&r);
    multipart_init(&p, "b", &CB, &r);
    assert_int_equal(multipart_feed(&p, garbage, sizeof garbage - 1, &err), IG_EINVAL);
    rec_free(&r);

    char big[MULTIPART_HEADERS_MAX + 100];
    memcpy(big, "--b\r\nX-A: ", 10);
    memset(big + 10, 'a', sizeof big - 10);
    rec_init(&r);
    multipart_init(&p, "b", &CB, &r);
    assert_int_equal(multipart_feed(&p, big, sizeof big, &err), IG_ETOOBIG);
    rec_free(&r);
}

static void test_callback_refusal(void **state)
{
    (void)state;
    rec r;
    rec_init(&r);
    r.fail_on_part = IG_ETOOBIG;
    multipart_parser p;
    multipart_init(&p, "XyZ", &CB, &r);
    ig_err err;
    assert_int_equal(multipart_feed(&p, BODY, sizeof BODY - 1, &err), IG_ETOOBIG);
    rec_free(&r);
}

static void test_boundary_param(void **state)
{
    (void)state;
    char b[MULTIPART_BOUNDARY_MAX + 1];
    assert_true(multipart_boundary(STR_LIT("multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxk"), b, sizeof b));
    assert_string_equal(b, "----WebKitFormBoundary7MA4YWxk");
    assert_true(multipart_boundary(STR_LIT("Multipart/Form-Data; charset=utf-8; boundary=\"a b:c\""), b, sizeof b));
    assert_string_equal(b, "a b:c");
    assert_false(multipart_boundary(STR_LIT("application/json"), b, sizeof b));
    assert_false(multipart_boundary(STR_LIT("multipart/form-data"), b, sizeof b));
    assert_false(multipart_boundary(STR_LIT("multipart/form-data; boundary="), b, sizeof b));
    assert_false(multipart_boundary(STR_LIT("multipart/form-data; boundary=\"bad\r\n\""), b, sizeof b));
    char longb[200] = "multipart/form-data; boundary=";
    memset(longb + strlen(longb), 'x', 80);
    assert_false(multipart_boundary(str_cstr(longb), b, sizeof b));
    /* a small output buffer is refused, not overrun */
    char tiny[4];
    assert_false(multipart_boundary(STR_LIT("multipart/form-data; boundary=abcdef"), tiny, sizeof tiny));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole),
        cmocka_unit_test(test_every_split),
        cmocka_unit_test(test_truncated_and_malformed),
        cmocka_unit_test(test_callback_refusal),
        cmocka_unit_test(test_boundary_param),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

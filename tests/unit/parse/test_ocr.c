/* Tests for parse/ocr: text read from images drawn here, dates kept on their
 * line (PSM 6), and images too large or not images at all refused before decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "parse/fixtures.h"
#include "parse/ocr.h"

static parse_ocr *engine;

static int setup_group(void **state)
{
    (void)state;
    ig_err err = {IG_OK, ""};
    return parse_ocr_new(&engine, &err) == IG_OK ? 0 : -1;
}

static int teardown_group(void **state)
{
    (void)state;
    parse_ocr_free(engine);
    return 0;
}

static void test_png_english(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    const char *path = fx_path(dir, "cv.png");
    const char *lines[] = {"Grace Hopper", "Software Engineer   2015 - 2020", NULL};
    assert_true(fx_png(path, lines));
    parse_sink s;
    ig_err err = {IG_OK, ""};
    assert_int_equal(parse_sink_init(&s, 1 << 20, NULL), IG_OK);
    assert_int_equal(parse_ocr_image_file(engine, path, &s, &err), IG_OK);
    assert_true(s.ocr);
    const char *name = strstr(s.text.p, "Grace Hopper");
    const char *job = strstr(s.text.p, "Software Engineer");
    assert_non_null(name);
    assert_non_null(job);
    assert_true(name < job);
    /* the dates stay on the title's line */
    const char *eol = strchr(job, '\n');
    const char *date = strstr(job, "2015");
    assert_non_null(date);
    assert_true(eol == NULL || date < eol);
    parse_sink_free(&s);
    fx_rmdir(dir);
}

/* The grayscale entry point (PDF pages come this way); Chinese is checked on the corpus scan in
 * test_extract, as no CJK font is installed here to draw it. */
static void test_gray(void **state)
{
    (void)state;
    const char *lines[] = {"University of Oxford", "March 2015", NULL};
    cairo_surface_t *img = fx_text_image(lines, 1200, 300, 40);
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    int stride = cairo_image_surface_get_stride(img);
    const unsigned char *d = cairo_image_surface_get_data(img);
    unsigned char *gray = malloc((size_t)w * (size_t)h);
    assert_non_null(gray);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            gray[y * w + x] = d[(size_t)y * (size_t)stride + (size_t)x * 4 + 1];
    parse_sink s;
    ig_err err = {IG_OK, ""};
    assert_int_equal(parse_sink_init(&s, 1 << 20, NULL), IG_OK);
    assert_int_equal(parse_ocr_gray(engine, gray, w, h, w, 300, &s, &err), IG_OK);
    if (strstr(s.text.p, "University of Oxford") == NULL || strstr(s.text.p, "March 2015") == NULL)
        fail_msg("OCR read: %s", s.text.p);
    assert_true(s.ocr);
    parse_sink_free(&s);
    free(gray);
    cairo_surface_destroy(img);
}

/* CRC-32 of PNG chunks (bitwise; a few bytes only). */
static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

static void test_refused(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    /* a PNG header claiming 100000 x 100000 pixels: refused from the header alone */
    /* (padded: leptonica refuses files shorter than a whole small PNG) */
    unsigned char png[8 + 25 + 64] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                                 0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0, 8, 0, 0, 0, 0};
    uint32_t crc = crc32_of(png + 12, 17);
    png[29] = (unsigned char)(crc >> 24);
    png[30] = (unsigned char)(crc >> 16);
    png[31] = (unsigned char)(crc >> 8);
    png[32] = (unsigned char)crc;
    const char *huge = fx_path(dir, "huge.png");
    fx_write(huge, png, sizeof png);
    parse_sink s;
    ig_err err = {IG_OK, ""};
    assert_int_equal(parse_sink_init(&s, 1 << 20, NULL), IG_OK);
    assert_int_equal(parse_ocr_image_file(engine, huge, &s, &err), IG_ETOOBIG);
    assert_string_equal(err.msg, "the image is too large (100000x100000 pixels)");
    /* truncated after the header, and not an image */
    const char *cut = fx_path(dir, "cut.png");
    png[17] = png[18] = png[21] = png[22] = 0, png[19] = png[23] = 100;
    crc = crc32_of(png + 12, 17);
    png[29] = (unsigned char)(crc >> 24), png[30] = (unsigned char)(crc >> 16);
    png[31] = (unsigned char)(crc >> 8), png[32] = (unsigned char)crc;
    fx_write(cut, png, sizeof png);
    assert_int_equal(parse_ocr_image_file(engine, cut, &s, &err), IG_EINVAL);
    const char *txt = fx_path(dir, "x.png");
    fx_write(txt, "hello", 5);
    assert_int_equal(parse_ocr_image_file(engine, txt, &s, &err), IG_EINVAL);
    assert_int_equal(s.text.len, 0);
    parse_sink_free(&s);
    fx_rmdir(dir);
}

int main(int argc, char **argv)
{
    (void)argc;
    /* OCR inside this process: hold OpenMP to one thread, which it reads only at start-up */
    if (getenv("OMP_THREAD_LIMIT") == NULL) {
        setenv("OMP_THREAD_LIMIT", "1", 1);
        execv("/proc/self/exe", argv);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_english),
        cmocka_unit_test(test_gray),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}

/* Tests for parse/pdf: text in reading order (two columns kept apart, a narrow gutter included;
 * table cells row by row and apart; dates flush right kept on their line), URI link annotations,
 * page limits, scanned pages through OCR, and encrypted, truncated or empty PDFs refused. PDFs
 * are drawn with cairo here; the corpus adds real resumes when present. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <string.h>
#include <time.h>

#include "parse/fixtures.h"
#include "parse/pdf.h"

typedef struct fx {
    char *dir;
    parse_limits lim;
    parse_sink sink;
    ig_err err;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    f->dir = fx_tmpdir();
    parse_limits_default(&f->lim);
    assert_int_equal(parse_sink_init(&f->sink, 1 << 20, NULL), IG_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    parse_sink_free(&f->sink);
    fx_rmdir(f->dir);
    free(f);
    return 0;
}

static const char *pos(const fx *f, const char *needle)
{
    const char *p = f->sink.text.p ? strstr(f->sink.text.p, needle) : NULL;
    if (p == NULL)
        fail_msg("\"%s\" not in the text:\n%s", needle, f->sink.text.p ? f->sink.text.p : "(none)");
    return p;
}

static void draw_two_columns(cairo_t *cr, int page, void *arg)
{
    (void)page;
    (void)arg;
    const char *title[] = {"Ada Lovelace", NULL};
    const char *left[] = {"CONTACT", "ada@example.com", "London", "SKILLS", "Python", "Analysis", NULL};
    const char *right[] = {"EXPERIENCE", "Analyst at Babbage and Co", "Wrote the first program",
                           "EDUCATION", "Home schooled in mathematics", NULL};
    fx_lines(cr, 50, 60, 20, title);
    fx_lines(cr, 50, 120, 11, left);
    fx_lines(cr, 250, 120, 11, right);
    cairo_tag_begin(cr, CAIRO_TAG_LINK, "uri='https://github.com/ada'");
    const char *link[] = {"github.com/ada", NULL};
    fx_lines(cr, 50, 300, 11, link);
    cairo_tag_end(cr, CAIRO_TAG_LINK);
    cairo_tag_begin(cr, CAIRO_TAG_LINK, "uri='mailto:ada@example.com'");
    const char *mail[] = {"mail me", NULL};
    fx_lines(cr, 50, 330, 11, mail);
    cairo_tag_end(cr, CAIRO_TAG_LINK);
}

static void test_reading_order_and_links(void **state)
{
    fx *f = *state;
    const char *path = fx_path(f->dir, "two.pdf");
    assert_true(fx_pdf(path, 1, draw_two_columns, NULL));
    assert_int_equal(parse_pdf_extract(path, &f->lim, &f->sink, &f->err), IG_OK);
    assert_int_equal(f->sink.pages, 1);
    assert_false(f->sink.ocr);
    /* the name first; each column whole, the left one before the right one */
    assert_ptr_equal(pos(f, "Ada Lovelace"), f->sink.text.p);
    assert_true(pos(f, "CONTACT") < pos(f, "Analysis"));
    assert_true(pos(f, "Analysis") < pos(f, "EXPERIENCE"));
    assert_true(pos(f, "EXPERIENCE") < pos(f, "Home schooled in mathematics"));
    /* the mailto: annotation is not a web link */
    assert_int_equal(json_array_size(f->sink.links), 1);
    assert_string_equal(json_string_value(json_array_get(f->sink.links, 0)), "https://github.com/ada");
}

/* A sidebar beside the main column, as a word processor lays out a two-column table: the facing
 * lines share baselines now and then, and the gutter is narrow, so poppler reads across it. */
static void draw_sidebar(cairo_t *cr, int page, void *arg)
{
    (void)page;
    (void)arg;
    const char *title[] = {"Margaret Okafor", NULL};
    const char *left[] = {"Contact", "margaret@example.org", "+44 20 7946 0321", "Skills", "Rust",
                          "Terraform", "Kafka", "Languages", "English, Yoruba", NULL};
    const char *right[] = {"Experience", "Staff Engineer, Datadog, 2020 - Present",
                           "Led the metrics ingestion pipeline rewrite.",
                           "Software Engineer, Dropbox, 2016 - 2020", "Owned the block storage collector.",
                           "Education", "Imperial College London, 2012 - 2016", "MEng Computing", NULL};
    fx_lines(cr, 50, 60, 20, title);
    for (int i = 0; left[i]; i++) {
        const char *one[] = {left[i], NULL};
        fx_lines(cr, 50, 110 + i * 20, 11, one);
    }
    for (int i = 0; right[i]; i++) {
        const char *one[] = {right[i], NULL};
        fx_lines(cr, 200, 110 + i * 17, 11, one);
    }
}

static void test_two_columns_side_by_side(void **state)
{
    fx *f = *state;
    const char *path = fx_path(f->dir, "sidebar.pdf");
    assert_true(fx_pdf(path, 1, draw_sidebar, NULL));
    assert_int_equal(parse_pdf_extract(path, &f->lim, &f->sink, &f->err), IG_OK);
    const char *t = f->sink.text.p;
    assert_ptr_equal(pos(f, "Margaret Okafor\n"), t);
    /* the sidebar whole, each line on its own, then the main column whole */
    const char *left[] = {"Contact\n", "margaret@example.org\n", "+44 20 7946 0321\n", "Skills\n", "Rust\n",
                          "Terraform\n", "Kafka\n", "Languages\n", "English, Yoruba\n"};
    const char *right[] = {"Experience\n", "Staff Engineer, Datadog, 2020 - Present\n",
                           "Led the metrics ingestion pipeline rewrite.\n",
                           "Software Engineer, Dropbox, 2016 - 2020\n",
                           "Owned the block storage collector.\n",
                           "Education\n", "Imperial College London, 2012 - 2016\n", "MEng Computing\n"};
    const char *at = t;
    for (size_t i = 0; i < sizeof left / sizeof *left; i++) {
        const char *p = pos(f, left[i]);
        assert_true(p > at && p[-1] == '\n');
        at = p;
    }
    for (size_t i = 0; i < sizeof right / sizeof *right; i++) {
        const char *p = pos(f, right[i]);
        assert_true(p > at && p[-1] == '\n');
        at = p;
    }
}

/* A skills table: cells on one baseline, a header row, no gutter that any line keeps to itself. */
static void draw_table(cairo_t *cr, int page, void *arg)
{
    (void)page;
    (void)arg;
    const char *top[] = {"Daniel Kowalski", "Skills", NULL};
    const char *rows[][3] = {{"Skill", "Level", "Years"},
                             {"Python", "Expert", "8 years"},
                             {"PostgreSQL", "Advanced", "6 years"},
                             {"Airflow", "Intermediate", "3 years"}};
    const char *bottom[] = {"Education", "Warsaw University of Technology, 2014 - 2018", NULL};
    fx_lines(cr, 50, 60, 14, top);
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 3; c++) {
            const char *cell[] = {rows[r][c], NULL};
            fx_lines(cr, 60 + c * 150, 120 + r * 20, 11, cell);
        }
    fx_lines(cr, 50, 220, 11, bottom);
}

static void test_table_rows(void **state)
{
    fx *f = *state;
    const char *path = fx_path(f->dir, "table.pdf");
    assert_true(fx_pdf(path, 1, draw_table, NULL));
    assert_int_equal(parse_pdf_extract(path, &f->lim, &f->sink, &f->err), IG_OK);
    /* row by row, cells apart (a tab, as the other formats separate cells) */
    const char *rows[] = {"Skill\tLevel\tYears\n", "Python\tExpert\t8 years\n",
                          "PostgreSQL\tAdvanced\t6 years\n", "Airflow\tIntermediate\t3 years\n"};
    const char *at = pos(f, "Skills\n");
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        const char *p = pos(f, rows[i]);
        assert_true(p > at);
        at = p;
    }
    assert_true(at < pos(f, "Education\nWarsaw University of Technology"));
}

/* One column with dates flush right: a date is part of its line, not a second column. */
static void draw_dates_right(cairo_t *cr, int page, void *arg)
{
    (void)page;
    (void)arg;
    const char *head[] = {"Grace Hopper", NULL};
    fx_lines(cr, 50, 60, 18, head);
    const char *jobs[][2] = {{"Senior Engineer, Remington Rand", "Jan 2019 - Present"},
                             {"Engineer, Eckert-Mauchly", "Mar 2015 - Dec 2018"},
                             {"Research Fellow, Harvard", "Sep 2012 - Feb 2015"},
                             {"Lecturer, Vassar College", "Sep 2010 - Aug 2012"}};
    for (int i = 0; i < 4; i++) {
        const char *l[] = {jobs[i][0], NULL}, *r[] = {jobs[i][1], NULL};
        const char *bullets[] = {"Wrote compilers", "Taught", NULL};
        fx_lines(cr, 50, 110 + i * 80, 11, l);
        fx_lines(cr, 450, 110 + i * 80, 11, r);
        fx_lines(cr, 60, 128 + i * 80, 11, bullets);
    }
}

static void test_dates_flush_right(void **state)
{
    fx *f = *state;
    const char *path = fx_path(f->dir, "dates.pdf");
    assert_true(fx_pdf(path, 1, draw_dates_right, NULL));
    assert_int_equal(parse_pdf_extract(path, &f->lim, &f->sink, &f->err), IG_OK);
    /* split into columns, every date would follow the last job; where poppler read the date with
     * its line, a tab keeps them apart */
    const char *a = pos(f, "Senior Engineer, Remington Rand\tJan 2019 - Present\nWrote compilers\nTaught\n");
    const char *b = pos(f, "Engineer, Eckert-Mauchly\tMar 2015 - Dec 2018\nWrote compilers\n");
    const char *c = pos(f, "Research Fellow, Harvard");
    const char *d = pos(f, "Lecturer, Vassar College");
    assert_true(a < b && b < c && c < d);
    assert_true(isspace((unsigned char)pos(f, "Sep 2010 - Aug 2012")[-1]));
}

static void draw_page_number(cairo_t *cr, int page, void *arg)
{
    (void)arg;
    char line[32];
    snprintf(line, sizeof line, "Page %d", page + 1);
    const char *lines[] = {line, NULL};
    fx_lines(cr, 50, 60, 12, lines);
}

static void test_page_limit(void **state)
{
    fx *f = *state;
    const char *path = fx_path(f->dir, "pages.pdf");
    assert_true(fx_pdf(path, 8, draw_page_number, NULL));
    f->lim.max_pages = 3;
    assert_int_equal(parse_pdf_extract(path, &f->lim, &f->sink, &f->err), IG_OK);
    assert_int_equal(f->sink.pages, 8);
    assert_true(f->sink.truncated);
    pos(f, "Page 3");
    assert_null(strstr(f->sink.text.p, "Page 4"));
}

static void test_thousands_of_blank_pages(void **state)
{
    fx *f = *state;
    const char *path = fx_path(f->dir, "blank.pdf");
    assert_true(fx_pdf(path, 5000, NULL, NULL));
    clock_t t0 = clock();
    assert_int_equal(parse_pdf_extract(path, &f->lim, &f->sink, &f->err), IG_OK);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_int_equal(f->sink.pages, 5000);
    assert_true(f->sink.truncated);
    /* 50 blank pages read, none OCRed (no image on them): nothing but blanks, and quickly */
    for (size_t i = 0; i < f->sink.text.len; i++)
        assert_true(f->sink.text.p[i] == '\n' || f->sink.text.p[i] == ' ');
    assert_false(f->sink.ocr);
    assert_true(secs < 10);
}

/* A PDF with a standard-security Encrypt dictionary whose user password is not empty. */
static void write_encrypted(const char *path)
{
    static const char *objs[] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        "<< /Filter /Standard /V 1 /R 2 /P -44 "
        "/O <0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef> "
        "/U <fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210> >>",
    };
    char pdf[4096];
    size_t off[4];
    int n = snprintf(pdf, sizeof pdf, "%%PDF-1.4\n");
    for (int i = 0; i < 4; i++) {
        off[i] = (size_t)n;
        n += snprintf(pdf + n, sizeof pdf - (size_t)n, "%d 0 obj\n%s\nendobj\n", i + 1, objs[i]);
    }
    size_t xref = (size_t)n;
    n += snprintf(pdf + n, sizeof pdf - (size_t)n, "xref\n0 5\n0000000000 65535 f \n");
    for (int i = 0; i < 4; i++)
        n += snprintf(pdf + n, sizeof pdf - (size_t)n, "%010zu 00000 n \n", off[i]);
    n += snprintf(pdf + n, sizeof pdf - (size_t)n,
                  "trailer\n<< /Size 5 /Root 1 0 R /Encrypt 4 0 R /ID [<00112233445566778899aabbccddeeff>"
                  "<00112233445566778899aabbccddeeff>] >>\nstartxref\n%zu\n%%%%EOF\n", xref);
    fx_write(path, pdf, (size_t)n);
}

static void test_broken(void **state)
{
    fx *f = *state;
    const char *enc = fx_path(f->dir, "enc.pdf");
    write_encrypted(enc);
    assert_int_equal(parse_pdf_extract(enc, &f->lim, &f->sink, &f->err), IG_EINVAL);
    assert_string_equal(f->err.msg, "the PDF is password-protected");

    const char *good = fx_path(f->dir, "good.pdf");
    assert_true(fx_pdf(good, 2, draw_page_number, NULL));
    size_t n = 0;
    char *p = fx_read(good, &n);
    const char *stub = fx_path(f->dir, "stub.pdf");
    fx_write(stub, p, 100);
    assert_int_equal(parse_pdf_extract(stub, &f->lim, &f->sink, &f->err), IG_EINVAL);
    assert_non_null(strstr(f->err.msg, "the PDF is damaged"));
    /* cut in half: poppler may rebuild what is left; either way a clean answer */
    const char *half = fx_path(f->dir, "half.pdf");
    fx_write(half, p, n / 2);
    ig_status st = parse_pdf_extract(half, &f->lim, &f->sink, &f->err);
    assert_true(st == IG_OK || st == IG_EINVAL);
    free(p);

    const char *png = fx_path(f->dir, "png.pdf");
    const char *lines[] = {"x", NULL};
    assert_true(fx_png(png, lines));
    assert_int_equal(parse_pdf_extract(png, &f->lim, &f->sink, &f->err), IG_EINVAL);
    assert_int_equal(parse_pdf_extract(fx_path(f->dir, "missing.pdf"), &f->lim, &f->sink, &f->err), IG_EINVAL);
}

static void test_scanned_page_ocr(void **state)
{
    fx *f = *state;
    const char *path = fx_path(f->dir, "scan.pdf");
    const char *lines[] = {"Grace Hopper", "Software Engineer", "2015 - 2020", NULL};
    assert_true(fx_pdf_scan(path, lines));
    f->lim.ocr = false;
    assert_int_equal(parse_pdf_extract(path, &f->lim, &f->sink, &f->err), IG_OK);
    assert_false(f->sink.ocr);
    assert_null(strstr(f->sink.text.p ? f->sink.text.p : "", "Hopper"));
    f->lim.ocr = true;
    assert_int_equal(parse_pdf_extract(path, &f->lim, &f->sink, &f->err), IG_OK);
    assert_true(f->sink.ocr);
    assert_true(pos(f, "Grace Hopper") < pos(f, "Software Engineer"));
    pos(f, "2015");
}

static void test_corpus_two_column(void **state)
{
    fx *f = *state;
    const char *corpus = fx_corpus();
    if (corpus == NULL)
        skip();
    char path[512];
    snprintf(path, sizeof path, "%s/en_resumematcher_two_column.pdf", corpus);
    assert_int_equal(parse_pdf_extract(path, &f->lim, &f->sink, &f->err), IG_OK);
    assert_ptr_equal(pos(f, "John Doe"), f->sink.text.p);
    /* the side column (contact, summary) stays together, then the main column's jobs in order */
    assert_true(pos(f, "linkedin.com/in/johndoe") < pos(f, "SUMMARY"));
    assert_true(pos(f, "Stripe") < pos(f, "Figma"));
    assert_true(pos(f, "Figma") < pos(f, "Notion"));
    snprintf(path, sizeof path, "%s/zh_billryan_template.pdf", corpus);
    parse_sink_free(&f->sink);
    assert_int_equal(parse_sink_init(&f->sink, 1 << 20, NULL), IG_OK);
    assert_int_equal(parse_pdf_extract(path, &f->lim, &f->sink, &f->err), IG_OK);
    /* CID fonts need poppler-data's CMaps: without them Chinese comes out empty */
    assert_ptr_equal(pos(f, "你的大名"), f->sink.text.p);
    pos(f, "上海交通大学");
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
        cmocka_unit_test_setup_teardown(test_reading_order_and_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_columns_side_by_side, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dates_flush_right, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thousands_of_blank_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broken, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scanned_page_ocr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corpus_two_column, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests for parse/docx: paragraphs, tables (rows on lines, cells tab-separated), headers and
 * footers (once each), hyperlinks from relationships and fields, hidden content left out, and
 * hostile archives refused: zip bombs (size, ratio, entry count), DTDs, damage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "parse/docx.h"
#include "parse/fixtures.h"

typedef struct fx {
    char *dir;
    parse_limits lim;
    parse_sink sink;
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

/* Extracts path with both the file and the buffer entry points; they must agree. */
static ig_status extract(fx *f, const char *path, ig_err *err)
{
    ig_status st = parse_docx_extract_file(path, &f->lim, &f->sink, err);
    size_t n = 0;
    char *p = fx_read(path, &n);
    assert_non_null(p);
    parse_sink again;
    ig_err err2 = {IG_OK, ""};
    assert_int_equal(parse_sink_init(&again, f->sink.text.max, NULL), IG_OK);
    assert_int_equal(parse_docx_extract_buffer(p, n, &f->lim, &again, &err2), st);
    assert_int_equal(again.text.len, f->sink.text.len);
    if (again.text.len)
        assert_memory_equal(again.text.p, f->sink.text.p, again.text.len);
    assert_true(json_equal(again.links, f->sink.links));
    if (st != IG_OK)
        assert_string_equal(err->msg, err2.msg);
    parse_sink_free(&again);
    free(p);
    return st;
}

#define P(text) "<w:p><w:r><w:t xml:space=\"preserve\">" text "</w:t></w:r></w:p>"
#define CELL(text) "<w:tc><w:tcPr><w:tcW w:w=\"100\"/></w:tcPr>" P(text) "</w:tc>"

static void test_paragraphs_and_tables(void **state)
{
    fx *f = *state;
    const char *path = fx_path(f->dir, "a.docx");
    const char *body =
        "<w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"720\"/></w:tabs></w:pPr>"
        "<w:r><w:t>Ada</w:t></w:r><w:r><w:t xml:space=\"preserve\"> Lovelace</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>Engineer</w:t><w:tab/><w:t>2015</w:t><w:br/><w:t>second</w:t></w:r></w:p>"
        "<w:tbl><w:tblPr/><w:tr>" CELL("Company") CELL("Role") "</w:tr>"
        "<w:tr>" CELL("Acme") "<w:tc>" P("Lead") P("Dev") "</w:tc></w:tr></w:tbl>"
        P("Chinese: 张三，2015年3月")
        "<w:p><w:r><w:t>non</w:t><w:noBreakHyphen/><w:t>breaking</w:t></w:r></w:p>"
        "<w:p/>" P("after empty");
    assert_true(fx_docx(path, body, NULL, NULL));
    ig_err err = {IG_OK, ""};
    assert_int_equal(extract(f, path, &err), IG_OK);
    /* raw text: " \t" after a cell paragraph becomes one tab in the normaliser */
    assert_string_equal(f->sink.text.p, "Ada Lovelace\nEngineer\t2015\nsecond\n"
                                        "Company \tRole \t\nAcme \tLead Dev \t\n\n"
                                        "Chinese: 张三，2015年3月\nnon-breaking\n\nafter empty\n\n");
    assert_int_equal(f->sink.pages, 1);
}

static void test_hidden_content(void **state)
{
    fx *f = *state;
    const char *path = fx_path(f->dir, "b.docx");
    const char *body =
        "<w:p><w:r><w:t>kept</w:t></w:r><w:del w:id=\"1\"><w:r><w:delText>deleted</w:delText></w:r></w:del></w:p>"
        "<w:p><w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><w:txbxContent>" P("in a box")
        "</w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>" P("in a box")
        "</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
        "<w:p><w:r><w:rPr><w:t>not text</w:t></w:rPr><w:t>run</w:t></w:r></w:p>"
        "<w:sectPr><w:t>nor this</w:t></w:sectPr>";
    assert_true(fx_docx(path, body, NULL, NULL));
    ig_err err = {IG_OK, ""};
    assert_int_equal(extract(f, path, &err), IG_OK);
    assert_string_equal(f->sink.text.p, "kept\nin a box\n\nrun\n\n");
}

static void test_headers_footers_links(void **state)
{
    fx *f = *state;
    const char *path = fx_path(f->dir, "c.docx");
    const char *body = "<w:p><w:hyperlink r:id=\"rId9\"><w:r><w:t>my GitHub</w:t></w:r></w:hyperlink></w:p>"
                       "<w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText xml:space=\"preserve\">"
                       " HYPERLINK \"https://www.linkedin.com/in/ada\" \\o \"tip\" </w:instrText></w:r>"
                       "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>LinkedIn</w:t></w:r>"
                       "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>"
                       "<w:p><w:hyperlink w:anchor=\"top\"><w:r><w:t>internal</w:t></w:r></w:hyperlink></w:p>"
                       "<w:p><w:hyperlink r:id=\"rId10\"><w:r><w:t>mail</w:t></w:r></w:hyperlink></w:p>";
    const char *rels =
        "<Relationship Id=\"rId9\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        "hyperlink\" Target=\"https://github.com/ada\" TargetMode=\"External\"/>"
        "<Relationship Id=\"rId10\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        "hyperlink\" Target=\"mailto:ada@example.com\" TargetMode=\"External\"/>"
        "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        "header\" Target=\"header2.xml\"/>"
        "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        "header\" Target=\"header1.xml\"/>"
        "<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        "header\" Target=\"/word/header3.xml\"/>"
        "<Relationship Id=\"rId4\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        "footer\" Target=\"footer1.xml\"/>"
        "<Relationship Id=\"rId5\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        "footer\" Target=\"missing.xml\"/>";
    const char *hdr1 = "<w:hdr " FX_W_NS ">"
                       "<w:p><w:r><w:t>Ada Lovelace</w:t></w:r><w:hyperlink r:id=\"rIdH\"><w:r><w:t>site</w:t>"
                       "</w:r></w:hyperlink></w:p></w:hdr>";
    const char *hdr1_rels =
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rIdH\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        "hyperlink\" Target=\"https://ada.dev/\" TargetMode=\"External\"/></Relationships>";
    /* header2 repeats header1 (first-page header): emitted once */
    const char *hdr3 = "<w:hdr " FX_W_NS ">" P("London") "</w:hdr>";
    const char *ftr = "<w:ftr " FX_W_NS ">" P("Page 1") "</w:ftr>";
    assert_true(fx_docx(path, body, rels, "word/header1.xml", hdr1, "word/_rels/header1.xml.rels", hdr1_rels,
                        "word/header2.xml", hdr1, "word/header3.xml", hdr3, "word/footer1.xml", ftr, NULL));
    ig_err err = {IG_OK, ""};
    assert_int_equal(extract(f, path, &err), IG_OK);
    assert_string_equal(f->sink.text.p, "Ada Lovelacesite\n\nLondon\n\nmy GitHub\nLinkedIn\ninternal\nmail\n\n"
                                        "Page 1\n\n");
    assert_int_equal(json_array_size(f->sink.links), 3);
    assert_string_equal(json_string_value(json_array_get(f->sink.links, 0)), "https://ada.dev/");
    assert_string_equal(json_string_value(json_array_get(f->sink.links, 1)), "https://github.com/ada");
    assert_string_equal(json_string_value(json_array_get(f->sink.links, 2)), "https://www.linkedin.com/in/ada");
}

static void test_text_cap(void **state)
{
    fx *f = *state;
    const char *path = fx_path(f->dir, "d.docx");
    assert_true(fx_docx(path, P("0123456789") P("abcdefghij") P("klmnopqrst"), NULL, NULL));
    parse_sink_free(&f->sink);
    assert_int_equal(parse_sink_init(&f->sink, 15, NULL), IG_OK);
    ig_err err = {IG_OK, ""};
    assert_int_equal(extract(f, path, &err), IG_OK);
    assert_true(f->sink.truncated);
    assert_int_equal(f->sink.text.len, 15);
    assert_memory_equal(f->sink.text.p, "0123456789\nabcd", 15);
}

static void test_zip_bomb_declared_size(void **state)
{
    fx *f = *state;
    const char *path = fx_path(f->dir, "bomb.docx");
    /* 96 MiB of zeros: about 96 KiB on disk, over the 64 MiB budget */
    assert_true(fx_docx_bomb(path, 96ull << 20));
    ig_err err = {IG_OK, ""};
    assert_int_equal(extract(f, path, &err), IG_ETOOBIG);
    assert_non_null(strstr(err.msg, "zip bomb"));
}

static void test_zip_bomb_ratio(void **state)
{
    fx *f = *state;
    const char *path = fx_path(f->dir, "ratio.docx");
    /* 8 MiB of zeros fits the byte budget, but expands about 1000 times */
    assert_true(fx_docx_bomb(path, 8ull << 20));
    ig_err err = {IG_OK, ""};
    assert_int_equal(extract(f, path, &err), IG_ETOOBIG);
    assert_non_null(strstr(err.msg, "expands more than"));
    /* with a smaller byte budget the size check answers first */
    f->lim.max_uncompressed = 1 << 20;
    assert_int_equal(extract(f, path, &err), IG_ETOOBIG);
    assert_non_null(strstr(err.msg, "inflates to more than 1048576"));
}

static void test_zip_bomb_lying_size(void **state)
{
    fx *f = *state;
    const char *path = fx_path(f->dir, "liar.docx");
    assert_true(fx_docx_bomb(path, 8ull << 20));
    /* claim 100 bytes in both the local and the central header: reading must still stop */
    size_t n = 0;
    unsigned char *p = (unsigned char *)fx_read(path, &n);
    assert_non_null(p);
    int patched = 0;
    for (size_t i = 0; i + 46 <= n; i++) {
        if (memcmp(p + i, "PK\x03\x04", 4) == 0) {
            memcpy(p + i + 22, "\x64\x00\x00\x00", 4);
            patched++;
        } else if (memcmp(p + i, "PK\x01\x02", 4) == 0) {
            memcpy(p + i + 24, "\x64\x00\x00\x00", 4);
            patched++;
        }
    }
    assert_int_equal(patched, 2);
    fx_write(path, p, n);
    free(p);
    f->lim.max_uncompressed = 2 << 20;
    ig_err err = {IG_OK, ""};
    ig_status st = extract(f, path, &err);
    assert_int_not_equal(st, IG_OK);
    assert_true(f->sink.text.len == 0);
}

static void test_entry_count(void **state)
{
    fx *f = *state;
    const char *path = fx_path(f->dir, "many.docx");
    int code;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &code);
    assert_non_null(za);
    assert_true(fx_zip_add(za, "word/document.xml", "<w:document " FX_W_NS "><w:body>" P("x") "</w:body></w:document>"));
    char name[64];
    for (int i = 0; i < 2100; i++) {
        snprintf(name, sizeof name, "junk/%d", i);
        assert_true(fx_zip_add(za, name, ""));
    }
    assert_int_equal(zip_close(za), 0);
    ig_err err = {IG_OK, ""};
    assert_int_equal(extract(f, path, &err), IG_ETOOBIG);
    assert_string_equal(err.msg, "the DOCX has 2101 entries; the limit is 2000");
    f->lim.max_zip_entries = 5000;
    assert_int_equal(extract(f, path, &err), IG_OK);
}

static void test_damaged(void **state)
{
    fx *f = *state;
    ig_err err = {IG_OK, ""};
    /* a DTD: refused before any entity could expand */
    const char *dtd = fx_path(f->dir, "dtd.docx");
    int code;
    zip_t *za = zip_open(dtd, ZIP_CREATE | ZIP_TRUNCATE, &code);
    assert_true(fx_zip_add(za, "word/document.xml",
                           "<?xml version=\"1.0\"?><!DOCTYPE lol [<!ENTITY a \"aaaaaaaaaa\">"
                           "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
                           "<w:document " FX_W_NS "><w:body><w:p><w:r><w:t>&c;</w:t></w:r></w:p></w:body></w:document>"));
    assert_int_equal(zip_close(za), 0);
    assert_int_equal(extract(f, dtd, &err), IG_EINVAL);
    assert_string_equal(err.msg, "the DOCX carries a DTD (refused)");

    /* malformed XML */
    const char *bad = fx_path(f->dir, "bad.docx");
    assert_true(fx_docx(bad, "<w:p><w:r><w:t>unclosed</w:r></w:p>", NULL, NULL));
    assert_int_equal(extract(f, bad, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "bad XML in word/document.xml"));

    /* no word/document.xml */
    const char *nodoc = fx_path(f->dir, "nodoc.docx");
    za = zip_open(nodoc, ZIP_CREATE | ZIP_TRUNCATE, &code);
    assert_true(fx_zip_add(za, "word/other.xml", "<x/>"));
    assert_int_equal(zip_close(za), 0);
    assert_int_equal(extract(f, nodoc, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "not a Word document"));

    /* cut in half */
    const char *good = fx_path(f->dir, "good.docx");
    assert_true(fx_docx(good, P("hello world, this is a resume"), NULL, NULL));
    size_t n = 0;
    char *p = fx_read(good, &n);
    const char *cut = fx_path(f->dir, "cut.docx");
    fx_write(cut, p, n / 2);
    free(p);
    assert_int_equal(extract(f, cut, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "damaged"));

    /* not a zip at all, and nothing */
    assert_int_equal(parse_docx_extract_buffer("garbage", 7, &f->lim, &f->sink, &err), IG_EINVAL);
    assert_int_equal(parse_docx_extract_buffer("", 0, &f->lim, &f->sink, &err), IG_EINVAL);
    assert_int_equal(f->sink.text.len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_paragraphs_and_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hidden_content, setup, teardown),
        cmocka_unit_test_setup_teardown(test_headers_footers_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zip_bomb_declared_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zip_bomb_ratio, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zip_bomb_lying_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entry_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

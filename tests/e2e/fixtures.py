# Real resume documents for the end-to-end tests: LibreOffice headless converts resumes written
# here (EN and ZH; one column, two columns, a skills table) to PDF, DOCX and DOC once per session;
# poppler rasterises pages into scans; hostile files (zip bomb, truncated, 5,000 pages, polyglots)
# are written byte by byte.
import os
import shutil
import struct
import subprocess
import time
import zlib
from dataclasses import dataclass, field

import pytest

FORMATS = ("pdf", "docx", "doc")
FILE_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "png": "image/png",
}
SOFFICE_TIMEOUT = 180
SCAN_DPI = 150
ZIP_BOMB_INFLATED = 500 << 20  # word/document.xml's size once inflated
BLANK_PAGES = 5000


@dataclass
class Resume:
    """A source document and what its extracted text must hold.
    must: strings present verbatim; columns: groups of strings each appearing in this order,
    a group entirely before or after every other group (columns not interleaved line by line);
    rows: table rows; every cell must stand apart (whitespace around it), and for DOCX and DOC,
    whose tables keep their structure, appear in row order (a PDF is laid-out glyphs)."""
    name: str
    lang: str
    html: str
    must: list
    columns: list = field(default_factory=list)
    rows: list = field(default_factory=list)


def _page(lang, title, body):
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
            f'<style>body {{ font-size: 11pt; }} h1 {{ font-size: 20pt; }}</style></head>'
            f'<body>{body}</body></html>')


def _two_columns(left, right):
    return ('<table width="100%" border="0" cellspacing="0" cellpadding="8"><tr>'
            f'<td width="34%" valign="top">{left}</td><td width="66%" valign="top">{right}</td>'
            '</tr></table>')


def _table(rows):
    head, *body = rows
    cells = "".join(f"<th>{c}</th>" for c in head)
    out = f'<table width="90%" border="1" cellspacing="0" cellpadding="4"><tr>{cells}</tr>'
    for r in body:
        out += "<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>"
    return out + "</table>"


EN_ONECOL = Resume(
    "en_onecol", "en",
    _page("en", "Resume",
          "<h1>Jonathan Whitfield</h1>"
          "<p>jonathan.whitfield@example.com | +1 415 555 0134 | "
          '<a href="https://github.com/jwhitfield">github.com/jwhitfield</a></p>'
          "<h2>Experience</h2>"
          "<p><b>Senior Backend Engineer</b>, Stripe, Jul 2019 – Present</p>"
          "<ul><li>Built payment reconciliation services in Python and Go.</li>"
          "<li>Reduced settlement latency by 40%.</li></ul>"
          "<p><b>Software Engineer</b>, Square, Aug 2015 – Jun 2019</p>"
          "<h2>Education</h2><p>Stanford University, B.S. Computer Science, 2011 – 2015</p>"
          "<h2>Skills</h2><p>Python, Go, PostgreSQL, Kubernetes</p>"),
    must=["Jonathan Whitfield", "jonathan.whitfield@example.com", "+1 415 555 0134",
          "Jul 2019 – Present", "Stanford University", "Python, Go, PostgreSQL, Kubernetes"],
    columns=[["Jonathan Whitfield", "Experience", "Senior Backend Engineer", "Software Engineer",
              "Education", "Stanford University", "Skills", "Kubernetes"]],
)

ZH_ONECOL = Resume(
    "zh_onecol", "zh",
    _page("zh", "简历",
          "<h1>张伟</h1>"
          "<p>邮箱：zhangwei@example.cn，电话：138-0013-8000</p>"
          "<h2>工作经历</h2>"
          "<p>阿里巴巴集团，高级后端工程师，2019.07 - 至今</p>"
          "<p>负责分布式存储系统的设计与开发，使用 Python 和 Java。</p>"
          "<p>华为技术有限公司，软件工程师，2016.07 - 2019.06</p>"
          "<h2>教育背景</h2><p>北京大学，计算机科学与技术，本科，2012.09 - 2016.06</p>"
          "<h2>专业技能</h2><p>Python、Java、MySQL、Redis</p>"),
    must=["张伟", "zhangwei@example.cn", "138-0013-8000", "2019.07 - 至今", "阿里巴巴集团",
          "负责分布式存储系统的设计与开发，使用 Python 和 Java。", "北京大学", "邮箱：",
          "Python、Java、MySQL、Redis"],
    columns=[["张伟", "工作经历", "阿里巴巴集团", "华为技术有限公司", "教育背景", "北京大学", "专业技能"]],
)

EN_TWOCOL = Resume(
    "en_twocol", "en",
    _page("en", "Resume",
          "<h1>Margaret Okafor</h1>"
          + _two_columns(
              "<h3>Contact</h3><p>margaret.okafor@example.org</p><p>+44 20 7946 0321</p>"
              "<h3>Skills</h3><p>Rust</p><p>Terraform</p><p>Kafka</p>"
              "<h3>Languages</h3><p>English, Yoruba</p>",
              "<h3>Experience</h3>"
              "<p><b>Staff Engineer</b>, Datadog, Mar 2020 – Present</p>"
              "<p>Led the metrics ingestion pipeline rewrite.</p>"
              "<p><b>Software Engineer</b>, Dropbox, Aug 2016 – Feb 2020</p>"
              "<p>Owned the block storage garbage collector.</p>"
              "<h3>Education</h3><p>Imperial College London, MEng Computing, 2012 – 2016</p>")),
    must=["Margaret Okafor", "margaret.okafor@example.org", "Terraform", "English, Yoruba",
          "Mar 2020 – Present", "Led the metrics ingestion pipeline rewrite.",
          "Owned the block storage garbage collector.", "Imperial College London"],
    columns=[["Contact", "margaret.okafor@example.org", "Skills", "Rust", "Terraform", "Kafka",
              "Languages", "English, Yoruba"],
             ["Experience", "Staff Engineer", "Led the metrics ingestion", "Software Engineer",
              "Owned the block storage", "Education", "Imperial College London"]],
)

ZH_TWOCOL = Resume(
    "zh_twocol", "zh",
    _page("zh", "简历",
          "<h1>李娜</h1>"
          + _two_columns(
              "<h3>联系方式</h3><p>lina@example.cn</p><p>139-1234-5678</p>"
              "<h3>技能特长</h3><p>Go 语言</p><p>Kubernetes</p><p>消息队列</p>",
              "<h3>工作经历</h3>"
              "<p>腾讯科技，资深工程师，2018.03 - 至今</p>"
              "<p>负责支付清结算后台的架构设计。</p>"
              "<p>百度在线，开发工程师，2015.07 - 2018.02</p>"
              "<h3>教育背景</h3><p>复旦大学，软件工程，硕士，2012.09 - 2015.06</p>")),
    must=["李娜", "lina@example.cn", "139-1234-5678", "消息队列", "腾讯科技，资深工程师，2018.03 - 至今",
          "负责支付清结算后台的架构设计。", "复旦大学"],
    columns=[["联系方式", "lina@example.cn", "139-1234-5678", "技能特长", "Kubernetes", "消息队列"],
             ["工作经历", "腾讯科技", "负责支付清结算后台", "百度在线", "教育背景", "复旦大学"]],
)

EN_TABLE = Resume(
    "en_table", "en",
    _page("en", "Resume",
          "<h1>Daniel Kowalski</h1><p>daniel.kowalski@example.net | Warsaw, Poland</p>"
          "<h2>Experience</h2><p>Data Engineer, Allegro, Sep 2018 – Present</p>"
          "<h2>Skills</h2>"
          + _table([["Skill", "Level", "Years"], ["Python", "Expert", "8 years"],
                    ["PostgreSQL", "Advanced", "6 years"], ["Airflow", "Intermediate", "3 years"]])
          + "<h2>Education</h2><p>Warsaw University of Technology, 2014 – 2018</p>"),
    must=["Daniel Kowalski", "daniel.kowalski@example.net", "Sep 2018 – Present", "Python",
          "Expert", "8 years", "PostgreSQL", "Advanced", "Airflow", "Intermediate", "3 years",
          "Warsaw University of Technology"],
    rows=[["Skill", "Level", "Years"], ["Python", "Expert", "8 years"],
          ["PostgreSQL", "Advanced", "6 years"], ["Airflow", "Intermediate", "3 years"]],
)

ZH_TABLE = Resume(
    "zh_table", "zh",
    _page("zh", "简历",
          "<h1>王芳</h1><p>邮箱：wangfang@example.cn，电话：137-0000-1111</p>"
          "<h2>工作经历</h2><p>字节跳动，数据工程师，2020.07 - 至今</p>"
          "<h2>技能</h2>"
          + _table([["技能", "熟练程度", "年限"], ["Java", "精通", "7年"],
                    ["MySQL", "熟练", "5年"], ["机器学习", "了解", "2年"]])
          + "<h2>教育背景</h2><p>浙江大学，统计学，本科，2016.09 - 2020.06</p>"),
    must=["王芳", "wangfang@example.cn", "2020.07 - 至今", "熟练程度", "精通", "7年", "机器学习",
          "了解", "浙江大学"],
    rows=[["技能", "熟练程度", "年限"], ["Java", "精通", "7年"], ["MySQL", "熟练", "5年"],
          ["机器学习", "了解", "2年"]],
)

RESUMES = (EN_ONECOL, ZH_ONECOL, EN_TWOCOL, ZH_TWOCOL, EN_TABLE, ZH_TABLE)
# Every converted document, "<resume>.<format>".
DOCUMENTS = tuple(f"{r.name}.{fmt}" for r in RESUMES for fmt in FORMATS)


@dataclass
class Scan:
    """An OCR input: file name, type, and a few words OCR must find (compared case-insensitively)."""
    name: str
    file_type: str
    words: list


SCANS = (
    Scan("en_scan.png", "image/png", ["Jonathan Whitfield", "Python", "Stanford"]),
    Scan("zh_scan.png", "image/png", ["北京大学", "工作经历", "Python"]),
    Scan("en_scan_imageonly.pdf", "application/pdf", ["Jonathan Whitfield", "Python", "Experience"]),
)


class Documents:
    """The made files, all in one directory."""

    def __init__(self, root):
        self.root = root

    def path(self, name):
        p = os.path.join(self.root, name)
        if not os.path.isfile(p):
            raise FileNotFoundError(p)
        return p

    def read(self, name):
        with open(self.path(name), "rb") as f:
            return f.read()

    @staticmethod
    def resume(name):
        stem = name.split(".")[0]
        return next(r for r in RESUMES if r.name == stem)


def _soffice():
    for exe in ("soffice", "libreoffice"):
        p = shutil.which(exe)
        if p:
            return p
    raise RuntimeError("LibreOffice not found (Debian: libreoffice-writer; scripts/install-deps.sh)")


def convert(sources, fmt, outdir, profile):
    """One soffice run converting every source to fmt (LibreOffice takes seconds to start)."""
    cmd = [_soffice(), "--headless", "--norestore", "--nolockcheck",
           f"-env:UserInstallation=file://{profile}",
           # HTML opened as a Writer document, not Writer/Web, so the Word filters accept it
           "--infilter=HTML (StarWriter)",
           "--convert-to", fmt, "--outdir", outdir] + list(sources)
    env = dict(os.environ, HOME=profile, SAL_USE_VCLPLUGIN="svp")
    r = subprocess.run(cmd, capture_output=True, timeout=SOFFICE_TIMEOUT, env=env,
                       stdin=subprocess.DEVNULL)
    missing = [s for s in sources
               if not os.path.isfile(os.path.join(outdir, os.path.splitext(os.path.basename(s))[0] + "." + fmt))]
    if r.returncode != 0 or missing:
        raise RuntimeError(f"soffice --convert-to {fmt} failed (rc {r.returncode}), missing {missing}:\n"
                           + r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace"))


def rasterise(pdf, out_png, dpi=SCAN_DPI):
    """Page 1 of pdf as a PNG at dpi, like a flatbed scan."""
    stem = out_png[:-len(".png")]
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile", pdf, stem],
                   check=True, capture_output=True, timeout=60)


def png_chunks(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    i = 8
    while i < len(data):
        n, kind = struct.unpack(">I4s", data[i:i + 8])
        yield kind, data[i + 8:i + 8 + n]
        i += 12 + n


def _pdf(objects, root=1):
    """A PDF from object bodies (object i+1 is objects[i]) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def image_only_pdf(png, dpi=SCAN_DPI):
    """One page showing the PNG (8-bit gray or RGB, not interlaced), its IDAT data embedded as is
    (Flate with the PNG predictors), no text and no font: what a scanner's PDF looks like."""
    chunks = list(png_chunks(png))
    w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    colors = {0: 1, 2: 3}.get(ctype)
    assert depth == 8 and colors and interlace == 0, (depth, ctype, interlace)
    idat = b"".join(d for k, d in chunks if k == b"IDAT")
    wpt, hpt = w * 72.0 / dpi, h * 72.0 / dpi
    content = b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q\n" % (wpt, hpt)
    space = b"/DeviceGray" if colors == 1 else b"/DeviceRGB"
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /XObject << /Im0 5 0 R >> >> "
        b"/Contents 4 0 R >>" % (wpt, hpt),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8 "
        b"/Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors %d /BitsPerComponent 8 /Columns %d >> "
        b"/Length %d >>\nstream\n" % (w, h, space, colors, w, len(idat)) + idat + b"\nendstream",
    ])


def blank_pages_pdf(pages=BLANK_PAGES):
    """pages empty A4 pages sharing one empty content stream: small on disk, huge page count."""
    first_page = 4
    kids = b" ".join(b"%d 0 R" % (first_page + i) for i in range(pages))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d /MediaBox [0 0 595 842] >>" % (kids, pages),
            b"<< /Length 0 >>\nstream\n\nendstream"]
    objs += [b"<< /Type /Page /Parent 2 0 R /Contents 3 0 R >>"] * pages
    return _pdf(objs)


def _zip(members):
    """A zip archive from (name, raw deflate data, crc32, inflated size) tuples; method 8, no zip64."""
    out = bytearray()
    central = bytearray()
    for name, data, crc, size in members:
        nm = name.encode()
        off = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(nm), 0)
        out += nm + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size,
                               len(nm), 0, 0, 0, 0, 0, off)
        central += nm
    cd_off = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), cd_off, 0)
    return bytes(out)


def _deflated(name, data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return name, c.compress(data) + c.flush(), zlib.crc32(data), len(data)


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '</Types>').encode()
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>').encode()


def zip_bomb_docx(inflated=ZIP_BOMB_INFLATED):
    """A well-formed DOCX whose word/document.xml inflates to `inflated` bytes (one run of spaces
    after a real sentence), about 1000:1. Each 1 MiB of spaces is one full-flushed deflate block,
    so the blocks are byte-identical and the stream is written without compressing 500 MiB."""
    head = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W_NS}">'
            '<w:body><w:p><w:r><w:t>Zip Bomb resume</w:t></w:r></w:p><w:p><w:r><w:t xml:space="preserve">'
            ).encode()
    tail = b"</w:t></w:r></w:p></w:body></w:document>"
    block = b" " * (1 << 20)
    n = (inflated - len(head) - len(tail)) // len(block)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    rep = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    last = c.compress(tail) + c.flush()
    crc = zlib.crc32(head)
    for _ in range(n):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    doc = first + rep * n + last
    size = len(head) + n * len(block) + len(tail)
    return _zip([_deflated("[Content_Types].xml", CONTENT_TYPES), _deflated("_rels/.rels", RELS),
                 ("word/document.xml", doc, crc, size)])


def _pdffonts(pdf):
    r = subprocess.run(["pdffonts", pdf], capture_output=True, timeout=30, check=True)
    return r.stdout.decode().splitlines()[2:]  # after the two header lines


def make_documents(root):
    """Writes every fixture into root (created). Returns the seconds LibreOffice took."""
    src = os.path.join(root, "src")
    profile = os.path.join(root, "lo-profile")
    os.makedirs(src)
    os.makedirs(profile)
    sources = []
    for r in RESUMES:
        p = os.path.join(src, r.name + ".html")
        with open(p, "w", encoding="utf-8") as f:
            f.write(r.html)
        sources.append(p)
    t0 = time.monotonic()
    for fmt in FORMATS:
        convert(sources, fmt, root, profile)
    lo_seconds = time.monotonic() - t0
    shutil.rmtree(profile, ignore_errors=True)

    def out(name, data):
        with open(os.path.join(root, name), "wb") as f:
            f.write(data)

    def read(name):
        with open(os.path.join(root, name), "rb") as f:
            return f.read()

    # scans: a page rendered at 150 dpi, as a PNG and wrapped in an image-only PDF
    rasterise(os.path.join(root, "en_onecol.pdf"), os.path.join(root, "en_scan.png"))
    rasterise(os.path.join(root, "zh_onecol.pdf"), os.path.join(root, "zh_scan.png"))
    out("en_scan_imageonly.pdf", image_only_pdf(read("en_scan.png")))
    fonts = _pdffonts(os.path.join(root, "en_scan_imageonly.pdf"))
    if fonts:
        raise RuntimeError(f"the image-only PDF has fonts: {fonts}")
    if not _pdffonts(os.path.join(root, "en_onecol.pdf")):
        raise RuntimeError("LibreOffice's PDF has no fonts: pdffonts cannot tell a scan apart")

    # hostile files
    out("zip_bomb.docx", zip_bomb_docx())
    whole = read("en_twocol.pdf")
    out("truncated.pdf", whole[:len(whole) // 2])
    out("blank_5000_pages.pdf", blank_pages_pdf())
    # a PNG named .pdf (the table resume rendered, so it is not a duplicate of the other scans)
    rasterise(os.path.join(root, "en_table.pdf"), os.path.join(root, "png_as_pdf.png"))
    os.rename(os.path.join(root, "png_as_pdf.png"), os.path.join(root, "png_named.pdf"))
    # a PDF with a whole DOCX appended (both readers accept it), and a DOCX behind a PDF header
    out("polyglot_pdf_zip.pdf", read("zh_onecol.pdf") + read("en_onecol.docx"))
    out("polyglot_pdfhead_docx.docx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + read("zh_table.docx"))
    return lo_seconds


@pytest.fixture(scope="session")
def documents(tmp_path_factory):
    """Every fixture document, made once per session (LibreOffice headless, poppler, Python)."""
    root = str(tmp_path_factory.mktemp("documents"))
    make_documents(root)
    return Documents(root)


if __name__ == "__main__":
    # `python3 tests/e2e/fixtures.py DIR` writes the fixtures into DIR (for bench/parse.sh's FIXTURES_DIR).
    import sys
    if len(sys.argv) != 2 or os.path.exists(sys.argv[1]):
        sys.exit("usage: fixtures.py NEW_DIR")
    os.makedirs(sys.argv[1])
    print(f"LibreOffice: {make_documents(sys.argv[1]):.1f} s", file=sys.stderr)

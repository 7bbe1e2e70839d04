# Real documents through the real server: LibreOffice-made resumes (EN/ZH; one column, two
# columns, a skills table; PDF, DOCX, DOC), scans (PNG and an image-only PDF, OCR), hostile files
# (zip bomb, truncated, 5,000 pages, a PNG named .pdf, polyglots) uploaded over HTTP and polled to
# their end; upload limits and malformed bodies on raw sockets (413 mid-stream, truncated
# multipart, the seed's 400s) leaving no partial file; and the CLI over the shared corpus.
import json
import os
import re
import time
import unicodedata

import pytest
import requests

from conftest import REPO, RawConn, assert_error, assert_ok, base_env, run_cli, send_until_response
from fixtures import DOCUMENTS, FILE_TYPES, SCANS, documents  # noqa: F401 (documents: a fixture)

PENDING = ("pending", "processing")
FAILURE_MESSAGES = {
    "no_text": "未能从文件中提取文本",
    "unreadable": "文件已损坏、已加密或无法读取",
    "too_large": "文件内容超出解析限制",
    "parse_failed": "简历解析失败",
}
HOSTILE_TIMEOUT = 30  # seconds from upload to a final status for a hostile file
SMALL_LIMIT = 1 << 20  # MAX_CONTENT_LENGTH of the servers that test the upload limit
CORPUS = os.path.normpath(os.path.join(REPO, "..", "shared", "corpus", "resumes"))
CORPUS_TYPES = (".pdf", ".docx", ".doc", ".html", ".png", ".jpg", ".jpeg")
OCR_CLI_TIMEOUT = 300  # an image-only corpus PDF under ASan on a slow core
# UTF-8 read as Latin-1 shows up as these; none of the sources has a character in this range
MOJIBAKE = re.compile("[\u0080-\u00ff\ufffd]")


# ---------- helpers ----------

def upload(api, token, name, data, ctype="application/octet-stream"):
    return api.post("/resumes", token=token, files={"file": (name, data, ctype)})


def upload_new(api, token, name, data):
    r = assert_ok(upload(api, token, name, data), 201)["data"]
    assert r["duplicate"] is False and r["status"] == "pending", r
    assert r["file_size"] == len(data), r
    return r


def wait_final(api, token, rid, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        st = assert_ok(api.get(f"/resumes/{rid}/status", token=token))["data"]
        if st["status"] not in PENDING:
            return st
        assert time.monotonic() < deadline, f"resume {rid} still {st} after {timeout}s"
        time.sleep(0.05)


def raw_text(api, token, rid):
    d = assert_ok(api.get(f"/resumes/{rid}", token=token))["data"]
    assert d["status"] == "completed", d
    pr = d["parse_result"]
    assert isinstance(pr["raw_text"], str) and pr["raw_text"].strip(), pr
    return pr


def assert_healthy(server):
    assert server.proc.poll() is None, "the server died"
    assert requests.get(server.base + "/healthz", timeout=5).status_code == 200


def assert_failed_cleanly(st, codes):
    """A failed status whose code is one of codes, with the code's readable message."""
    assert st["status"] == "failed", st
    assert st["error_code"] in codes, st
    assert st["error"] == FAILURE_MESSAGES[st["error_code"]], st
    assert isinstance(st.get("error_detail"), str) and st["error_detail"], st


def assert_not_glued(text, s):
    """s occurs in text as a whole: where s begins or ends with an ASCII letter or digit, the
    neighbour is not one (a column's last word run into the next column's first one)."""
    at = [m.start() for m in re.finditer(re.escape(s), text)]
    assert at, f"{s!r} missing from:\n{text}"
    alnum = re.compile(r"[A-Za-z0-9]")
    for i in at:
        before = text[i - 1] if i > 0 else " "
        after = text[i + len(s)] if i + len(s) < len(text) else " "
        glued_before = alnum.match(s[0]) and alnum.match(before)
        glued_after = alnum.match(s[-1]) and alnum.match(after)
        if not glued_before and not glued_after:
            return
    ctx = text[max(0, at[0] - 30):at[0] + len(s) + 30]
    raise AssertionError(f"{s!r} only occurs run together with its neighbours: ...{ctx!r}...\n{text}")


def positions(text, items):
    """The index of each item in text, each found after the previous one."""
    out, at = [], 0
    for s in items:
        i = text.find(s, at)
        assert i >= 0, f"{s!r} missing, or out of order after {text[:at][-60:]!r}, in:\n{text}"
        out.append(i)
        at = i + len(s)
    return out


def assert_columns(text, columns):
    """Each column's items in order, and the columns' spans not overlapping (read column by column,
    not line by line across the page)."""
    spans = []
    for col in columns:
        p = positions(text, col)
        spans.append((p[0], p[-1] + len(col[-1]), col[0]))
    spans.sort()
    for (a0, a1, a), (b0, _, b) in zip(spans, spans[1:]):
        assert a1 <= b0, f"columns interleaved: {a!r}...'s column runs into {b!r}'s:\n{text}"


def assert_rows(text, rows):
    """Table cells in row order: every cell of a row before the next row's first cell."""
    positions(text, [cell for row in rows for cell in row])


def assert_cells_apart(text, rows):
    """Each table cell stands apart: whitespace or a line's edge on both sides of at least one
    occurrence (cells run together, "Java精通7年", are one meaningless token)."""
    for cell in (c for row in rows for c in row):
        if not re.search(r"(?:^|(?<=\s))" + re.escape(cell) + r"(?=\s|$)", text):
            raise AssertionError(f"table cell {cell!r} is run together with its neighbours in:\n{text}")


def norm(s):
    """The corpus labels' comparison: NFKC, case folded, dashes unified, no whitespace."""
    s = unicodedata.normalize("NFKC", s).casefold()
    for c in "\u2010\u2011\u2013\u2014\u00ad":
        s = s.replace(c, "-")
    return re.sub(r"\s+", "", s)


def uploads_left(data_dir):
    """Every file under DATA_DIR/uploads (the .tmp directory of partial uploads included)."""
    root = os.path.join(str(data_dir), "uploads")
    return sorted(os.path.join(d, f) for d, _, files in os.walk(root) for f in files)


def assert_no_upload_left(data_dir, timeout=5.0):
    """Partial files are removed when the exchange is released (after an in-flight write)."""
    deadline = time.monotonic() + timeout
    while uploads_left(data_dir) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert uploads_left(data_dir) == [], uploads_left(data_dir)


BOUNDARY = "----igTestBoundary7MA4YWxkTrZu0gW"


def part_head(name="file", filename="cv.pdf", ctype="application/pdf"):
    disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
    return (f"--{BOUNDARY}\r\nContent-Disposition: {disp}\r\nContent-Type: {ctype}\r\n\r\n").encode()


def multipart(parts):
    """A complete multipart body from (head, content) pairs."""
    body = b"".join(head + content + b"\r\n" for head, content in parts)
    return body + f"--{BOUNDARY}--\r\n".encode()


def request_head(port, token, extra):
    h = (f"POST /api/v1/resumes HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
         f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n")
    if token:
        h += f"Authorization: Bearer {token}\r\n"
    return (h + extra + "\r\n").encode()


def chunk(data):
    return b"%x\r\n" % len(data) + data + b"\r\n"


# ---------- fixtures ----------

@pytest.fixture(scope="module")
def owner(server):
    """One user for the real documents (each has distinct bytes, so no duplicates)."""
    return server.client().register()["access_token"]


@pytest.fixture
def fresh(server):
    """A new user per test: the hostile files reuse bytes of the real ones."""
    return server.client().register()["access_token"]


@pytest.fixture
def small(server_factory):
    """A server whose MAX_CONTENT_LENGTH is 1 MiB, and a user of it."""
    srv = server_factory(MAX_CONTENT_LENGTH=SMALL_LIMIT)
    return srv, srv.client().register()["access_token"]


# ---------- real documents ----------

@pytest.mark.parametrize("name", DOCUMENTS)
def test_real_document_parses(server, owner, documents, name):
    api = server.client()
    data = documents.read(name)
    fmt = name.rsplit(".", 1)[1]
    res = documents.resume(name)
    display = ("简历-" if res.lang == "zh" else "resume-") + name
    r = upload_new(api, owner, display, data)
    assert r["file_type"] == FILE_TYPES[fmt], r
    assert r["file_name"] == display, r
    st = wait_final(api, owner, r["id"])
    assert st["status"] == "completed", st
    assert 0 < st["confidence"] <= 1, st
    pr = raw_text(api, owner, r["id"])
    text = pr["raw_text"]
    assert not MOJIBAKE.search(text), f"mojibake {MOJIBAKE.search(text).group()!r} in:\n{text}"
    for s in res.must:
        assert_not_glued(text, s)
    if res.columns:
        assert_columns(text, res.columns)
    if res.rows:
        assert_cells_apart(text, res.rows)
        if fmt in ("docx", "doc"):
            assert_rows(text, res.rows)
    if res.name == "en_onecol":
        assert "https://github.com/jwhitfield" in pr["basic_info"]["links"], pr["basic_info"]


@pytest.mark.parametrize("scan", SCANS, ids=[s.name for s in SCANS])
def test_scan_is_ocred(server, owner, documents, scan):
    api = server.client()
    r = upload_new(api, owner, scan.name, documents.read(scan.name))
    assert r["file_type"] == scan.file_type, r
    st = wait_final(api, owner, r["id"], timeout=120)
    assert st["status"] == "completed", st
    text = raw_text(api, owner, r["id"])["raw_text"].casefold()
    for w in scan.words:
        assert w.casefold() in text, f"OCR lost {w!r}:\n{text}"


# ---------- hostile files ----------

def _upload_hostile(server, token, name, data):
    api = server.client()
    t0 = time.monotonic()
    r = upload_new(api, token, name, data)
    st = wait_final(api, token, r["id"], timeout=HOSTILE_TIMEOUT)
    elapsed = time.monotonic() - t0
    assert_healthy(server)
    return api, r, st, elapsed


def test_zip_bomb_docx_is_refused(server, fresh, documents):
    data = documents.read("zip_bomb.docx")
    assert len(data) < 1 << 20  # 500 MiB inflated from under 1 MiB
    api, r, st, _ = _upload_hostile(server, fresh, "bomb.docx", data)
    assert r["file_type"] == FILE_TYPES["docx"], r
    assert_failed_cleanly(st, ("too_large", "unreadable"))
    d = assert_ok(api.get(f"/resumes/{r['id']}", token=fresh))["data"]
    assert d["status"] == "failed" and "parse_result" not in d, d


def test_truncated_pdf_fails(server, fresh, documents):
    api, r, st, _ = _upload_hostile(server, fresh, "half.pdf", documents.read("truncated.pdf"))
    assert r["file_type"] == FILE_TYPES["pdf"], r
    assert_failed_cleanly(st, ("unreadable",))
    st_en = assert_ok(api.get(f"/resumes/{r['id']}/status", token=fresh, lang="en"))["data"]
    assert st_en["error"] == "The file is damaged, encrypted or unreadable", st_en


def test_5000_blank_pages_fail_in_bounded_time(server, fresh, documents):
    data = documents.read("blank_5000_pages.pdf")
    assert len(data) < 1 << 20
    _, r, st, elapsed = _upload_hostile(server, fresh, "pages.pdf", data)
    assert r["file_type"] == FILE_TYPES["pdf"], r
    assert_failed_cleanly(st, ("no_text", "too_large"))
    assert elapsed < HOSTILE_TIMEOUT


def test_png_named_pdf_is_typed_by_content(server, fresh, documents):
    api, r, st, _ = _upload_hostile(server, fresh, "resume.pdf", documents.read("png_named.pdf"))
    assert r["file_type"] == "image/png", r  # the bytes decide, not the name
    assert r["file_name"] == "resume.pdf", r
    assert st["status"] == "completed", st
    text = raw_text(api, fresh, r["id"])["raw_text"].casefold()
    for w in ("Daniel Kowalski", "Warsaw"):
        assert w.casefold() in text, text


def test_polyglot_pdf_with_zip_appended(server, fresh, documents):
    """Both a PDF (read from its end) and a ZIP: the bytes start as a PDF, so the PDF's text."""
    api, r, st, _ = _upload_hostile(server, fresh, "poly.pdf", documents.read("polyglot_pdf_zip.pdf"))
    assert r["file_type"] == FILE_TYPES["pdf"], r
    if st["status"] == "completed":
        text = raw_text(api, fresh, r["id"])["raw_text"]
        assert "张伟" in text and "北京大学" in text, text
        assert "Jonathan" not in text, text  # the appended DOCX is not read as well
    else:
        assert_failed_cleanly(st, ("unreadable",))


def test_polyglot_pdf_header_on_docx(server, fresh, documents):
    """A DOCX behind a PDF header: typed by its first bytes, it fails as a damaged PDF, or is read
    as the DOCX it also is; never a crash."""
    data = documents.read("polyglot_pdfhead_docx.docx")
    api, r, st, _ = _upload_hostile(server, fresh, "poly.docx", data)
    assert r["file_type"] in (FILE_TYPES["pdf"], FILE_TYPES["docx"]), r
    if st["status"] == "completed":
        assert "王芳" in raw_text(api, fresh, r["id"])["raw_text"]
    else:
        assert_failed_cleanly(st, ("unreadable",))


# ---------- the upload itself: limits and malformed bodies ----------

def test_413_mid_stream_chunked_leaves_no_file(small):
    srv, tok = small
    conn = RawConn(srv.port, timeout=30)
    try:
        block = os.urandom(64 << 10)
        pieces = [request_head(srv.port, tok, "Transfer-Encoding: chunked\r\n"),
                  chunk(part_head(filename="big.pdf") + b"%PDF-1.4\n")]
        pieces += [chunk(block)] * (2 * SMALL_LIMIT // len(block))
        pieces += [chunk(f"\r\n--{BOUNDARY}--\r\n".encode()), b"0\r\n\r\n"]
        resp = send_until_response(conn, pieces)
    finally:
        conn.close()
    assert resp.status == 413, (resp.status, resp.body[:300])
    assert resp.json()["success"] is False and resp.json()["error"]["message"] == "请求体过大", resp.body
    assert_no_upload_left(srv.data_dir)
    assert_healthy(srv)
    assert assert_ok(srv.client().get("/resumes", token=tok))["data"] == []


def test_413_by_content_length_before_the_body(small):
    srv, tok = small
    conn = RawConn(srv.port, timeout=10)
    try:
        conn.send(request_head(srv.port, tok, f"Content-Length: {2 * SMALL_LIMIT}\r\n"))
        resp = conn.read_response()  # answered with no body byte sent
    finally:
        conn.close()
    assert resp.status == 413, (resp.status, resp.body[:300])
    assert_no_upload_left(srv.data_dir)
    assert_healthy(srv)


def test_upload_just_under_the_limit_is_accepted(small):
    srv, tok = small
    head = part_head(filename="padded.html", ctype="text/html")
    page = b"<!DOCTYPE html><html><body><h1>Paula Padded</h1><p>Rust, Go</p><!--"
    tail = b"--></body></html>"
    overhead = len(head) + len(page) + len(tail) + len(f"\r\n--{BOUNDARY}--\r\n")
    content = page + b"x" * (SMALL_LIMIT - overhead - 16) + tail
    body = multipart([(head, content)])
    assert SMALL_LIMIT - 32 < len(body) <= SMALL_LIMIT
    api = srv.client()
    r = assert_ok(api.post("/resumes", token=tok, data=body,
                           headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}), 201)["data"]
    assert r["file_size"] == len(content)
    assert wait_final(api, tok, r["id"])["status"] == "completed"
    assert "Paula Padded" in raw_text(api, tok, r["id"])["raw_text"]


def test_truncated_multipart_is_400_and_leaves_no_file(small):
    srv, tok = small
    body = part_head(filename="cut.pdf") + b"%PDF-1.4\n" + os.urandom(100 << 10)  # no closing boundary
    conn = RawConn(srv.port, timeout=10)
    try:
        conn.send(request_head(srv.port, tok, f"Content-Length: {len(body)}\r\n") + body)
        resp = conn.read_response()
    finally:
        conn.close()
    assert resp.status == 400, (resp.status, resp.body[:300])
    err = resp.json()["error"]
    assert resp.json()["success"] is False and err["message"], resp.body
    assert_no_upload_left(srv.data_dir)
    assert assert_ok(srv.client().get("/resumes", token=tok))["data"] == []


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_client_gone_mid_body_leaves_no_file(small, framing):
    srv, tok = small
    data = part_head(filename="gone.pdf") + b"%PDF-1.4\n" + os.urandom(200 << 10)
    conn = RawConn(srv.port, timeout=10)
    if framing == "chunked":
        conn.send(request_head(srv.port, tok, "Transfer-Encoding: chunked\r\n") + chunk(data))
    else:
        conn.send(request_head(srv.port, tok, f"Content-Length: {len(data) * 4}\r\n") + data)
    time.sleep(0.3)  # let the server start writing the partial file
    conn.close()
    assert_no_upload_left(srv.data_dir)
    assert_healthy(srv)
    assert assert_ok(srv.client().get("/resumes", token=tok))["data"] == []


def test_unauthenticated_upload_is_401_and_leaves_no_file(small):
    srv, _ = small
    body = multipart([(part_head(filename="anon.pdf"), b"%PDF-1.4\n" + os.urandom(300 << 10))])
    r = srv.client().post("/resumes", data=body,
                          headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    assert_error(r, 401)
    assert_no_upload_left(srv.data_dir)


def test_unauthenticated_upload_is_refused_before_its_body(small):
    """No token: 401 on the headers alone, so an anonymous client cannot stream a body onto the disk."""
    srv, _ = small
    conn = RawConn(srv.port, timeout=5)
    try:
        conn.send(request_head(srv.port, None, f"Content-Length: {SMALL_LIMIT // 2}\r\n")
                  + part_head(filename="anon.pdf") + b"%PDF-1.4\n" + os.urandom(64 << 10))
        resp = conn.read_response()
    finally:
        conn.close()
    assert resp.status == 401, (resp.status, resp.body[:300])
    assert_no_upload_left(srv.data_dir)


def _post_multipart(server, token, body):
    return server.client().post("/resumes", token=token, data=body,
                                headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})


def test_missing_file_part_is_400(server, fresh):
    body = multipart([(part_head(name="resume", filename="cv.pdf"), b"%PDF-1.4 some bytes")])
    assert_error(_post_multipart(server, fresh, body), 400, "没有文件上传")
    only_field = multipart([(part_head(name="note", filename=None, ctype="text/plain"), b"hello")])
    assert_error(_post_multipart(server, fresh, only_field), 400, "没有文件上传")
    assert_error(server.client().post("/resumes", token=fresh, json={"file": "cv.pdf"}), 400, "没有文件上传")
    assert_error(server.client().post("/resumes", token=fresh, lang="en", data=multipart([])), 400,
                 "No file uploaded")


def test_empty_filename_is_400(server, fresh):
    body = multipart([(part_head(filename=""), b"%PDF-1.4 some bytes")])
    assert_error(_post_multipart(server, fresh, body), 400, "文件名为空")


def test_empty_file_is_400(server, fresh):
    body = multipart([(part_head(filename="empty.pdf"), b"")])
    assert_error(_post_multipart(server, fresh, body), 400, "文件内容为空")
    assert assert_ok(server.client().get("/resumes", token=fresh))["data"] == []


# ---------- the extractor over the shared corpus ----------

def _corpus_files():
    if not os.path.isdir(CORPUS):
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no corpus at {CORPUS}"))]
    files = sorted(f for f in os.listdir(CORPUS)
                   if f.lower().endswith(CORPUS_TYPES) and os.path.isfile(os.path.join(CORPUS, f)))
    return [pytest.param(f, id=f) for f in files]


@pytest.mark.parametrize("name", _corpus_files())
def test_cli_parses_corpus_file(tmp_path, name):
    path = os.path.join(CORPUS, name)
    env = base_env()
    env.update({"DATA_DIR": str(tmp_path), "LOG_LEVEL": "warn"})
    r = run_cli(["parse", path], env, cwd=str(tmp_path), timeout=OCR_CLI_TIMEOUT)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    out = json.loads(r.stdout)
    text = out["raw_text"]
    assert isinstance(text, str) and text.strip(), out
    assert "\ufffd" not in text, text
    assert out["format"] == os.path.splitext(name)[1].lower().lstrip(".").replace("jpg", "jpeg"), out
    assert isinstance(out["pages"], int) and out["pages"] >= 1, out
    if "imageonly" in name:
        assert out["ocr"] is True, out
    label = os.path.join(CORPUS, "labels", name + ".json")
    if os.path.isfile(label):  # the hand-made ground truth: the header's contact data is in the text
        with open(label, encoding="utf-8") as f:
            lab = json.load(f)
        t = norm(text)
        for k in ("name", "email", "phone"):
            if lab.get(k):
                assert norm(lab[k]) in t, f"{k} {lab[k]!r} not in:\n{text}"


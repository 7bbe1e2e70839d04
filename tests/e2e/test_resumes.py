# The resumes API over real HTTP: upload, background parsing to completion, status, list paging,
# detail with the parse result, download with the original name, reparse, delete (the file goes
# too), ownership (another user's id is 404 everywhere), failure reasons in both languages, and a
# job whose server is killed with -9 mid-parse completing after a restart.
import glob
import hashlib
import os
import signal
import time
import urllib.parse

import pytest

from conftest import PASSWORD, assert_error, assert_ok, ISO_UTC

PENDING = ("pending", "processing")
RESUME_KEYS = {"id", "file_name", "file_type", "file_size", "status", "parse_confidence", "created_at",
               "updated_at"}


def html_resume(name, extra=""):
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>CV</title></head><body>"
            f"<h1>{name}</h1><p>{name.split()[0].lower()}@example.com · "
            f"<a href='https://github.com/{name.split()[0].lower()}'>GitHub</a></p>"
            f"<h2>Experience</h2><p>Backend engineer, 2019-2024: 分布式系统 and C. {extra}</p>"
            f"<h2>Education</h2><p>Tsinghua University</p><h2>Skills</h2><p>C, SQL, Linux</p>"
            f"</body></html>").encode()


def pdf_resume(line1, line2):
    """A one-page PDF in Helvetica (a standard font), with a correct cross-reference table."""
    content = f"BT /F1 14 Tf 72 740 Td ({line1}) Tj 0 -30 Td ({line2}) Tj ET\n".encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
            b"/Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 6\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def upload(api, token, name, data, ctype="application/octet-stream", lang=None):
    return api.post("/resumes", token=token, lang=lang, files={"file": (name, data, ctype)})


def upload_ok(api, token, name, data, **kw):
    body = assert_ok(upload(api, token, name, data, **kw), 201)
    r = body["data"]
    assert r["duplicate"] is False
    return r


def wait_done(api, token, rid, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        st = assert_ok(api.get(f"/resumes/{rid}/status", token=token))["data"]
        if st["status"] not in PENDING:
            return st
        assert time.monotonic() < deadline, f"resume {rid} still {st} after {timeout}s"
        time.sleep(0.05)


def assert_resume(r):
    assert set(r) >= RESUME_KEYS, r
    assert isinstance(r["id"], int) and r["id"] > 0
    assert isinstance(r["parse_confidence"], float)
    assert ISO_UTC.match(r["created_at"]) and ISO_UTC.match(r["updated_at"]), r
    assert "file_path" not in r and "content_sha256" not in r, r


@pytest.fixture(scope="module")
def user(server):
    return server.client().register()["access_token"]


def test_html_upload_parses_to_completion(api, user):
    data = html_resume("Alice Zhang 张爱丽")
    body = assert_ok(upload(api, user, "../../etc/我的简历.doc", data), 201, "简历上传成功")
    r = body["data"]
    assert_resume(r)
    assert r["status"] == "pending"
    assert r["file_type"] == "text/html"  # the bytes decide, not the .doc name
    assert r["file_name"] == "我的简历.doc"  # path components gone
    assert r["file_size"] == len(data)

    st = wait_done(api, user, r["id"])
    assert st["status"] == "completed", st
    assert 0 < st["confidence"] <= 1
    assert "error" not in st and "progress" not in st

    d = assert_ok(api.get(f"/resumes/{r['id']}", token=user))["data"]
    assert_resume(d)
    assert d["status"] == "completed"
    pr = d["parse_result"]
    assert "Alice Zhang" in pr["raw_text"] and "张爱丽" in pr["raw_text"] and "分布式系统" in pr["raw_text"]
    assert any("github.com/alice" in link for link in pr["basic_info"]["links"]), pr["basic_info"]
    for k in ("skills", "experience", "education", "projects"):
        assert isinstance(pr[k], list), pr


def test_pdf_upload_parses(api, user):
    r = upload_ok(api, user, "bob.pdf", pdf_resume("Bob Li - Senior Engineer", "Experience: PostgreSQL and Go"))
    assert r["file_type"] == "application/pdf"
    assert wait_done(api, user, r["id"])["status"] == "completed"
    text = assert_ok(api.get(f"/resumes/{r['id']}", token=user))["data"]["parse_result"]["raw_text"]
    assert "Bob Li" in text and "PostgreSQL" in text


def test_duplicate_upload_answers_existing(api, user):
    data = html_resume("Carol Wu", "duplicate test")
    first = upload_ok(api, user, "carol.html", data)
    body = assert_ok(upload(api, user, "carol-again.html", data), 200, "该简历已上传过")
    assert body["data"]["duplicate"] is True
    assert body["data"]["id"] == first["id"]
    assert body["data"]["file_name"] == "carol.html"


def test_unsupported_type_is_415(api, api_en, user):
    assert_error(upload(api, user, "cv.pdf", b"{\\rtf1\\ansi Alice resume}"), 415, "不支持的文件格式")
    assert_error(upload(api_en, user, "cv.docx", b"just some plain text\n" * 10), 415, "Unsupported file format")
    assert_error(upload(api, user, "cv.pdf", b"\x89PNX not really an image at all"), 415)


def test_no_text_fails_with_reason(api, api_en, user):
    r = upload_ok(api, user, "blank.html", b"<!DOCTYPE html><html><head><title></title></head><body><p> </p></body></html>")
    st = wait_done(api, user, r["id"])
    assert st["status"] == "failed"
    assert st["error"] == "未能从文件中提取文本"
    assert st["error_code"] == "no_text"
    st_en = assert_ok(api_en.get(f"/resumes/{r['id']}/status", token=user))["data"]
    assert st_en["error"] == "No text could be extracted from the file"
    d = assert_ok(api.get(f"/resumes/{r['id']}", token=user))["data"]
    assert d["status"] == "failed" and d["error"] == "未能从文件中提取文本"
    assert "parse_result" not in d


def test_list_newest_first_with_paging(server):
    api = server.client()
    tok = api.register()["access_token"]
    ids = [upload_ok(api, tok, f"cv{i}.html", html_resume(f"Dan{i} Smith"))["id"] for i in range(3)]
    body = assert_ok(api.get("/resumes", token=tok))
    assert [r["id"] for r in body["data"]] == ids[::-1]
    assert body["pagination"] == {"page": 1, "per_page": 20, "total": 3}
    body = assert_ok(api.get("/resumes?page=1&per_page=2", token=tok))
    assert [r["id"] for r in body["data"]] == [ids[2], ids[1]]
    assert body["pagination"] == {"page": 1, "per_page": 2, "total": 3}
    body = assert_ok(api.get("/resumes?per_page=2&page=2", token=tok))
    assert [r["id"] for r in body["data"]] == [ids[0]]
    body = assert_ok(api.get("/resumes?page=9", token=tok))
    assert body["data"] == [] and body["pagination"]["total"] == 3
    assert assert_ok(api.get("/resumes?per_page=1000", token=tok))["pagination"]["per_page"] == 100
    assert_error(api.get("/resumes?per_page=0", token=tok), 400, fields=("per_page",))
    assert_error(api.get("/resumes?page=abc", token=tok), 400, fields=("page",))
    assert_error(api.get("/resumes"), 401)


def test_other_users_resume_is_404_everywhere(server, user):
    api = server.client()
    r = upload_ok(api, user, "private.html", html_resume("Erin Private"))
    other = api.register()["access_token"]
    rid = r["id"]
    for method, path in (("GET", f"/resumes/{rid}"), ("GET", f"/resumes/{rid}/status"),
                         ("GET", f"/resumes/{rid}/file"), ("POST", f"/resumes/{rid}/reparse"),
                         ("DELETE", f"/resumes/{rid}")):
        assert_error(api.request(method, path, token=other), 404, "资源不存在")
    assert assert_ok(api.get("/resumes", token=other))["data"] == []
    # still the owner's, untouched
    assert assert_ok(api.get(f"/resumes/{rid}", token=user))["data"]["id"] == rid
    assert_error(api.get("/resumes/99999999", token=user), 404)


def test_download_original_bytes_and_name(api, user):
    data = html_resume("Frank Download")
    r = upload_ok(api, user, "简历 final.html", data)
    resp = api.get(f"/resumes/{r['id']}/file", token=user)
    assert resp.status_code == 200
    assert resp.content == data
    assert resp.headers["Content-Type"].split(";")[0] == "text/html"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    cd = resp.headers["Content-Disposition"]
    assert cd.startswith("attachment;"), cd
    assert "filename*=UTF-8''" + urllib.parse.quote("简历 final.html", safe="") in cd, cd
    assert 'filename="_' in cd  # an ASCII fallback for old clients


def test_large_download_is_streamed_intact(server, user):
    """A multi-megabyte file comes back byte for byte, and serving it does not load it into memory."""
    api = server.client()
    data = b"%PDF-1.4\n" + os.urandom(12 << 20)
    r = upload_ok(api, user, "big.pdf", data)
    rss_before = _rss_kib(server.proc.pid)
    resp = api.get(f"/resumes/{r['id']}/file", token=user, stream=True)
    assert resp.status_code == 200
    assert int(resp.headers["Content-Length"]) == len(data)
    got = bytearray()
    peak = rss_before
    for piece in resp.iter_content(1 << 20):
        got += piece
        peak = max(peak, _rss_kib(server.proc.pid))
    assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest()
    if not _sanitized(server.proc.pid):  # ASan's quarantine keeps freed pieces resident
        assert peak - rss_before < 8 * 1024, (rss_before, peak)  # well under the file's 12 MiB


def _sanitized(pid):
    with open(f"/proc/{pid}/maps") as f:
        return "libasan" in f.read()


def _rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_reparse(api, user):
    r = upload_ok(api, user, "again.html", html_resume("Grace Again"))
    assert wait_done(api, user, r["id"])["status"] == "completed"
    body = assert_ok(api.post(f"/resumes/{r['id']}/reparse", token=user), 202)
    assert body["data"]["status"] == "pending"
    assert wait_done(api, user, r["id"])["status"] == "completed"


def test_delete_removes_file(server, user):
    api = server.client()
    data = html_resume("Henry Delete")
    r = upload_ok(api, user, "delete-me.html", data)
    wait_done(api, user, r["id"])
    digest_files = [p for p in glob.glob(os.path.join(server.data_dir, "uploads", "*", "*"))
                    if open(p, "rb").read() == data]
    assert len(digest_files) == 1, digest_files
    assert_ok(api.delete(f"/resumes/{r['id']}", token=user), 200, "简历删除成功")
    assert not os.path.exists(digest_files[0])
    assert_error(api.get(f"/resumes/{r['id']}", token=user), 404)
    assert_error(api.get(f"/resumes/{r['id']}/file", token=user), 404)
    assert_error(api.delete(f"/resumes/{r['id']}", token=user), 404)
    # the same bytes may be uploaded again once deleted
    assert upload_ok(api, user, "delete-me.html", data)["id"] != r["id"]


def test_account_deletion_removes_uploaded_files(server):
    api = server.client()
    reg = api.register()
    token, uid = reg["access_token"], reg["user"]["id"]
    r = upload_ok(api, token, "mine.html", html_resume("Ivy Leaving"))
    wait_done(api, token, r["id"])
    user_dir = os.path.join(server.data_dir, "uploads", str(uid))
    assert len(os.listdir(user_dir)) == 1
    assert_ok(api.delete("/auth/account", token=token, json={"password": PASSWORD}), 200)
    assert not os.path.exists(user_dir) or os.listdir(user_dir) == []


def test_extractor_crash_fails_with_reason(server_factory):
    srv = server_factory(IG_EXTRACT_TEST_CRASH="1")
    api = srv.client()
    tok = api.register()["access_token"]
    r = upload_ok(api, tok, "crash.html", html_resume("Ivan Crash"))
    st = wait_done(api, tok, r["id"])
    assert st["status"] == "failed"
    assert st["error"] == "简历解析失败"
    assert "crashed" in st["error_detail"]
    assert_ok(api.get("/auth/profile", token=tok))  # the server itself is fine


def _kill_extractors(data_dir):
    """Kills extractor children left behind by a killed server (they hang on purpose)."""
    for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(cmdline, "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if b"extract" in args and any(data_dir.encode() in a for a in args):
            try:
                os.kill(int(cmdline.split("/")[2]), signal.SIGKILL)
            except OSError:
                pass


def test_kill9_mid_parse_completes_after_restart(server_factory):
    data_dir = str(server_factory.new_dir("kill9"))
    first = server_factory(data_dir=data_dir, IG_EXTRACT_TEST_HANG="1", JOB_LEASE_SECONDS="2")
    api = first.client()
    tok = api.register()["access_token"]
    r = upload_ok(api, tok, "survivor.pdf", pdf_resume("Judy Survivor", "Experience: outlived a crash"))
    deadline = time.monotonic() + 30
    while assert_ok(api.get(f"/resumes/{r['id']}/status", token=tok))["data"]["status"] != "processing":
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.05)
    first.signal(signal.SIGKILL)
    first.wait_exit()
    _kill_extractors(data_dir)

    second = server_factory(data_dir=data_dir, JOB_LEASE_SECONDS="2")
    api2 = second.client()
    st = wait_done(api2, tok, r["id"], timeout=60)
    assert st["status"] == "completed", st
    text = assert_ok(api2.get(f"/resumes/{r['id']}", token=tok))["data"]["parse_result"]["raw_text"]
    assert "Judy Survivor" in text

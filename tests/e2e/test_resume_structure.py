# The structured resume end to end: an English and a Chinese resume written here, made into PDF and
# DOCX by LibreOffice, uploaded and parsed by the server, come back with their name, e-mail,
# skills, one education and one experience entry with dates (issue 4); `parse FILE` prints the
# whole structure; PATCH /resumes/<id>/parse-result corrects it (validation of every kind, another
# user's resume, a resume not parsed, a reparse that brings back the machine's result).
import json
import os
import time
import unicodedata

import pytest

from conftest import ISO_UTC, assert_error, assert_ok, base_env, run_cli
from fixtures import convert

PENDING = ("pending", "processing")
FORMATS = ("pdf", "docx")
STRUCTURE_KEYS = ["format", "pages", "raw_text", "links", "ocr", "basic_info", "skills", "experience",
                  "education", "projects", "certifications", "awards", "languages", "sections",
                  "confidence"]


def _page(lang, body):
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>Resume</title>'
            f'<style>body {{ font-size: 11pt; }} h1 {{ font-size: 20pt; }}</style></head>'
            f'<body>{body}</body></html>')


# Each resume: its HTML source and what the structured result must hold.
RESUMES = {
    "struct_en": {
        "html": _page("en",
                      "<h1>Priya Raman</h1>"
                      "<p>priya.raman@example.com | +1 206 555 0187 | Seattle, WA | "
                      '<a href="https://github.com/praman">github.com/praman</a></p>'
                      "<h2>Summary</h2><p>Backend engineer who builds reliable data services.</p>"
                      "<h2>Experience</h2>"
                      "<p><b>Software Engineer</b>, Amazon Web Services, Mar 2020 – Present</p>"
                      "<ul><li>Built a metering pipeline in Java that bills 2 million accounts.</li>"
                      "<li>Moved batch jobs onto Kubernetes, cutting costs by 30%.</li></ul>"
                      "<h2>Education</h2>"
                      "<p><b>University of Washington</b>, B.S. Computer Science, Sep 2013 – Jun 2017</p>"
                      "<h2>Skills</h2><p>Python, Java, PostgreSQL, Docker, Kubernetes</p>"),
        "name": "Priya Raman",
        "email": "priya.raman@example.com",
        "skills": ["Python", "Java", "PostgreSQL", "Docker", "Kubernetes"],
        "education": {"school": "University of Washington", "degree": "bachelor", "start": "2013-09",
                      "end": "2017-06"},
        "experience": {"company": "Amazon Web Services", "title": "Software Engineer", "start": "2020-03",
                       "end": "present"},
    },
    "struct_zh": {
        "html": _page("zh",
                      "<h1>陈晓明</h1>"
                      "<p>邮箱：chenxiaoming@example.cn，电话：139-0011-2233，现居：南京</p>"
                      "<h2>工作经历</h2>"
                      "<p>京东集团，后端开发工程师，2018.07 - 至今</p>"
                      "<p>负责订单系统的微服务改造，使用 Java 和 Redis，日均处理千万级订单。</p>"
                      "<h2>教育背景</h2><p>南京大学，计算机科学与技术，硕士，2015.09 - 2018.06</p>"
                      "<h2>专业技能</h2><p>Java、Spring Boot、MySQL、Redis、Kafka</p>"),
        "name": "陈晓明",
        "email": "chenxiaoming@example.cn",
        "phone_e164": "+8613900112233",
        "skills": ["Java", "Spring Boot", "MySQL", "Redis", "Kafka"],
        "education": {"school": "南京大学", "degree": "master", "start": "2015-09", "end": "2018-06"},
        "experience": {"company": "京东集团", "title": "后端开发工程师", "start": "2018-07", "end": "present"},
    },
}
DOCS = [f"{name}.{fmt}" for name in RESUMES for fmt in FORMATS]


def norm(s):
    """The corpus labels' comparison: NFKC, case folded, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", s or "").casefold().split())


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The resumes as PDF and DOCX, made by LibreOffice once for the module."""
    root = tmp_path_factory.mktemp("structured")
    sources = []
    for name, r in RESUMES.items():
        p = root / f"{name}.html"
        p.write_text(r["html"], encoding="utf-8")
        sources.append(str(p))
    profile = root / "lo-profile"
    profile.mkdir()
    for fmt in FORMATS:
        convert(sources, fmt, str(root), str(profile))
    return root


@pytest.fixture(scope="module")
def user(server):
    return server.client().register()["access_token"]


@pytest.fixture(scope="module")
def other(server):
    return server.client().register()["access_token"]


def upload(api, token, name, data):
    r = api.post("/resumes", token=token, files={"file": (name, data, "application/octet-stream")})
    return assert_ok(r, 201)["data"]


def wait_final(api, token, rid, timeout=90):
    deadline = time.monotonic() + timeout
    while True:
        st = assert_ok(api.get(f"/resumes/{rid}/status", token=token))["data"]
        if st["status"] not in PENDING:
            return st
        assert time.monotonic() < deadline, f"resume {rid} still {st} after {timeout}s"
        time.sleep(0.05)


def completed(api, token, name, data):
    """Uploads data and waits for its parse; the resume as GET shows it."""
    r = upload(api, token, name, data)
    assert wait_final(api, token, r["id"])["status"] == "completed"
    return assert_ok(api.get(f"/resumes/{r['id']}", token=token))["data"]


def simple_html(name, tag):
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>CV</title></head><body>"
            f"<h1>{name}</h1><p>{tag}@example.com · <a href='https://github.com/{tag}'>GitHub</a></p>"
            f"<h2>Experience</h2><p>Backend Engineer, Example Corp, Jan 2019 – Dec 2023</p>"
            f"<h2>Education</h2><p>Tsinghua University, B.S. Computer Science, 2014 – 2018</p>"
            f"<h2>Skills</h2><p>C, SQL, Linux</p><!-- {tag} --></body></html>").encode()


# ---------- extraction: the structure comes back (needs the structurer) ----------

@pytest.mark.parametrize("doc", DOCS)
def test_uploaded_resume_is_structured(api, user, made, doc):
    want = RESUMES[doc.split(".")[0]]
    d = completed(api, user, doc, (made / doc).read_bytes())
    pr = d["parse_result"]
    for k in STRUCTURE_KEYS[5:]:
        assert k in pr, (k, pr)
    assert pr["edited"] is False and pr["edited_at"] is None, pr
    assert d["parse_confidence"] == pr["confidence"]["overall"], (d, pr["confidence"])
    assert 0 < d["parse_confidence"] <= 1, d

    bi = pr["basic_info"]
    assert norm(bi["name"]) == norm(want["name"]), bi
    assert norm(bi["email"]) == norm(want["email"]), bi
    if "phone_e164" in want:
        assert bi["phone_e164"] == want["phone_e164"], bi

    names = {norm(s["name"]) for s in pr["skills"]}
    missing = [s for s in want["skills"] if norm(s) not in names]
    assert not missing, f"skills {missing} missing from {sorted(names)}"
    for s in pr["skills"]:
        assert isinstance(s["category"], str) and s["category"], s

    assert len(pr["education"]) == 1, pr["education"]
    edu, we = pr["education"][0], want["education"]
    assert norm(we["school"]) in norm(edu["school"]), edu
    assert (edu["degree"], edu["start"], edu["end"]) == (we["degree"], we["start"], we["end"]), edu

    assert len(pr["experience"]) == 1, pr["experience"]
    exp, wx = pr["experience"][0], want["experience"]
    assert norm(wx["company"]) in norm(exp["company"]), exp
    assert norm(wx["title"]) in norm(exp["title"] or ""), exp
    assert (exp["start"], exp["end"]) == (wx["start"], wx["end"]), exp
    assert isinstance(exp["duration_months"], int) and exp["duration_months"] > 12, exp


def test_cli_prints_the_structure(tmp_path, made):
    env = base_env()
    env.update({"DATA_DIR": str(tmp_path), "LOG_LEVEL": "warn"})
    r = run_cli(["parse", str(made / "struct_zh.docx")], env, cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    out = json.loads(r.stdout)
    assert list(out) == STRUCTURE_KEYS, list(out)
    assert "陈晓明" in out["raw_text"]
    assert isinstance(out["basic_info"], dict) and isinstance(out["confidence"], dict), out
    for k in ("skills", "experience", "education", "projects", "certifications", "awards", "languages",
              "sections"):
        assert isinstance(out[k], list), (k, out[k])
    # in process, the same keys
    r2 = run_cli(["parse", "--in-process", str(made / "struct_en.pdf")], env, cwd=str(tmp_path))
    assert r2.returncode == 0, r2.stderr.decode(errors="replace")
    assert list(json.loads(r2.stdout)) == STRUCTURE_KEYS


# ---------- PATCH /resumes/<id>/parse-result ----------

@pytest.fixture
def parsed(api, user):
    """A freshly parsed resume of user's (its own bytes, so never a duplicate)."""
    tag = "p" + os.urandom(6).hex()
    return completed(api, user, f"{tag}.html", simple_html("Ada Park", tag))


def patch(api, token, rid, body=None, **kw):
    if body is not None:
        kw["json"] = body
    return api.patch(f"/resumes/{rid}/parse-result", token=token, **kw)


def test_patch_corrects_the_result(api, user, parsed):
    rid = parsed["id"]
    before = parsed["parse_result"]
    body = {
        "basic_info": {"name": "Ada Park 朴雅达", "phone": "+1 415 555 0100", "location": "San Francisco"},
        "skills": ["Rust", {"name": "PostgreSQL", "category": "database"}, "rust"],
        "experience": [{"company": "Example Corp", "title": "Staff Engineer", "start": "2019-01", "end": "present",
                        "bullets": ["Led the storage team", " "]}],
        "education": [{"school": "清华大学", "degree": "bachelor", "major": "计算机科学", "start": "2014",
                       "end": "2018"}],
        "awards": ["ACM-ICPC 金牌"],
        "languages": ["English", "中文"],
    }
    d = assert_ok(patch(api, user, rid, body), 200, "解析结果已更新")["data"]
    pr = d["parse_result"]
    assert pr["edited"] is True and ISO_UTC.match(pr["edited_at"]), pr
    bi = pr["basic_info"]
    assert (bi["name"], bi["phone"], bi["phone_e164"], bi["location"]) == \
        ("Ada Park 朴雅达", "+1 415 555 0100", "+14155550100", "San Francisco"), bi
    assert bi["links"] == before["basic_info"]["links"]  # not sent: unchanged
    assert bi["email"] == before["basic_info"]["email"]
    assert [s["name"] for s in pr["skills"]] == ["Rust", "PostgreSQL"], pr["skills"]
    assert pr["skills"][1]["category"] == "database"
    exp = pr["experience"][0]
    assert (exp["company"], exp["title"], exp["start"], exp["end"]) == \
        ("Example Corp", "Staff Engineer", "2019-01", "present"), exp
    assert exp["bullets"] == ["Led the storage team"] and exp["location"] is None, exp
    assert exp["duration_months"] > 60, exp
    assert bi["years_of_experience"] > 5, bi
    assert pr["education"][0]["school"] == "清华大学" and pr["education"][0]["gpa"] is None, pr["education"]
    assert pr["awards"] == ["ACM-ICPC 金牌"] and pr["languages"] == ["English", "中文"], pr
    assert pr["raw_text"] == before["raw_text"] and pr["sections"] == before["sections"]
    # corrected fields are certain; the overall confidence is the resume's
    c = pr["confidence"]
    assert c["name"] == 1.0 and c["skills"] == 1.0 and c["experience"] == 1.0, c
    assert c["overall"] >= before["confidence"]["overall"], c
    assert d["parse_confidence"] == c["overall"]

    # GET shows the same; a later edit keeps what earlier ones set
    assert assert_ok(api.get(f"/resumes/{rid}", token=user))["data"]["parse_result"] == pr
    pr2 = assert_ok(patch(api, user, rid, {"certifications": ["CKA"]}))["data"]["parse_result"]
    assert pr2["certifications"] == ["CKA"] and pr2["basic_info"]["name"] == "Ada Park 朴雅达", pr2
    # English message
    assert_ok(patch(api, user, rid, {"awards": []}, lang="en"), 200, "Parse result updated")


def test_patch_round_trips_what_get_returns(api, user, parsed):
    """A client may send back the parts GET gave it: derived fields are accepted (and recomputed)."""
    pr = parsed["parse_result"]
    body = {k: pr[k] for k in ("basic_info", "skills", "experience", "education", "projects", "certifications",
                               "awards", "languages")}
    out = assert_ok(patch(api, user, parsed["id"], body))["data"]["parse_result"]
    assert out["edited"] is True
    assert [s["name"] for s in out["skills"]] == [s["name"] for s in pr["skills"]]
    assert len(out["experience"]) == len(pr["experience"])


# (body, the path in details that must name the error, the English message)
INVALID = [
    ({"skills": "Python"}, ["skills"], "Not a valid list."),
    ({"basic_info": ["Ada"]}, ["basic_info", "_schema"], "Invalid input type."),
    ({"basic_info": {"name": 5}}, ["basic_info", "name"], "Not a valid string."),
    ({"basic_info": {"name": "x" * 101}}, ["basic_info", "name"], "Longer than maximum length 100."),
    ({"basic_info": {"email": "not-an-address"}}, ["basic_info", "email"], "Not a valid email address."),
    ({"basic_info": {"github": "javascript:alert(1)"}}, ["basic_info", "github"], "Not a valid URL."),
    ({"basic_info": {"links": ["https://ok.example", "ftp://x"]}}, ["basic_info", "links", "1"],
     "Not a valid URL."),
    ({"basic_info": {"years_of_experience": 120}}, ["basic_info", "years_of_experience"],
     "Must be a number between 0 and 80."),
    ({"basic_info": {"years_of_experience": "5"}}, ["basic_info", "years_of_experience"],
     "Must be a number between 0 and 80."),
    ({"basic_info": {"age": 30}}, ["basic_info", "age"], "Unknown field."),
    ({"salary": 100}, ["salary"], "Unknown field."),
    ({"raw_text": "rewritten"}, ["raw_text"], "Unknown field."),
    ({"skills": [42]}, ["skills", "0"], "Must be a string or an object."),
    ({"skills": [{"category": "language"}]}, ["skills", "0", "name"], "Missing data for required field."),
    ({"skills": ["Go"] * 201}, ["skills"], "Longer than maximum length 200."),
    ({"experience": [{"company": "X", "start": "2019/07"}]}, ["experience", "0", "start"],
     "Not a valid date (YYYY or YYYY-MM)."),
    ({"experience": [{"end": "2019-13"}]}, ["experience", "0", "end"],
     "Not a valid date (YYYY, YYYY-MM or present)."),
    ({"experience": [{"company": "X", "bullets": None}]}, ["experience", "0", "bullets"],
     "Field may not be null."),
    ({"experience": [{"company": "X", "stock": 1}]}, ["experience", "0", "stock"], "Unknown field."),
    ({"experience": ["X"]}, ["experience", "0", "_schema"], "Invalid input type."),
    ({"education": [{"school": "X", "degree": "MSc"}]}, ["education", "0", "degree"],
     "Must be one of: high_school, associate, bachelor, master, phd, other."),
    ({"projects": [{"name": "X", "tech_stack": "C"}]}, ["projects", "0", "tech_stack"], "Not a valid list."),
    ({"awards": ["a"] * 51}, ["awards"], "Longer than maximum length 50."),
    ({"awards": [None]}, ["awards", "0"], "Field may not be null."),
    ({"languages": None}, ["languages"], "Field may not be null."),
    ({}, ["_schema"], "At least one field to change is required."),
]


@pytest.mark.parametrize("body,path,message", INVALID, ids=[" ".join(p) for _, p, _ in INVALID])
def test_patch_validation(api, api_en, user, parsed, body, path, message):
    rid = parsed["id"]
    err = assert_error(patch(api_en, user, rid, body), 400, "Validation failed")["error"]
    node = err["details"]
    for key in path:
        assert isinstance(node, dict) and key in node, (path, err["details"])
        node = node[key]
    assert node == [message], err["details"]
    # nothing changed
    pr = assert_ok(api.get(f"/resumes/{rid}", token=user))["data"]["parse_result"]
    assert pr["edited"] is False and pr == parsed["parse_result"]


def test_patch_validation_in_chinese(api, user, parsed):
    err = assert_error(patch(api, user, parsed["id"], {"basic_info": {"name": "长" * 101}, "foo": 1}), 400,
                       "数据验证失败")["error"]
    assert err["details"] == {"basic_info": {"name": ["长度不能超过 100。"]}, "foo": ["未知字段。"]}, err


def test_patch_bad_bodies(api, api_en, user, parsed):
    rid = parsed["id"]
    url = f"/resumes/{rid}/parse-result"
    headers = {"Content-Type": "application/json"}
    assert_error(api_en.patch(url, token=user, data=b"{\"skills\": [", headers=headers), 400,
                 "Request body is not valid JSON")
    assert_error(api_en.patch(url, token=user, data=b"[]", headers=headers), 400,
                 "Request body must be a JSON object")
    assert_error(api_en.patch(url, token=user, data=b"", headers=headers), 400, "Request body must not be empty")
    assert_error(api_en.patch(url, token=user, data=b'{"awards": ["a"]}', headers={"Content-Type": "text/plain"}),
                 415)
    assert_error(api_en.patch(url, token=user, data=b'{"awards": ["a"], "awards": ["b"]}', headers=headers), 400)
    # over MAX_JSON_BODY (1 MiB by default)
    big = json.dumps({"basic_info": {"summary": "x" * (1 << 20)}}).encode()
    assert_error(api_en.patch(url, token=user, data=big, headers=headers), 413)
    assert_error(api.patch(url, json={"awards": []}), 401)
    assert assert_ok(api.get(f"/resumes/{rid}", token=user))["data"]["parse_result"]["edited"] is False


def test_patch_another_users_resume_is_404(api, user, other, parsed):
    rid = parsed["id"]
    assert_error(patch(api, other, rid, {"awards": ["stolen"]}), 404)
    assert_error(patch(api, user, rid + 10 ** 6, {"awards": ["x"]}), 404)
    pr = assert_ok(api.get(f"/resumes/{rid}", token=user))["data"]["parse_result"]
    assert pr["awards"] == parsed["parse_result"]["awards"] and pr["edited"] is False


def test_patch_unparsed_resume_is_422(api, api_en, user):
    r = upload(api, user, "blank.html", b"<!DOCTYPE html><html><head><title></title></head><body><p> </p>"
               b"<!-- " + os.urandom(6).hex().encode() + b" --></body></html>")
    assert wait_final(api, user, r["id"])["status"] == "failed"
    assert_error(patch(api, user, r["id"], {"awards": ["x"]}), 422, "简历尚未成功解析，不能修改解析结果")
    assert_error(patch(api_en, user, r["id"], {"awards": ["x"]}), 422,
                 "Only the result of a successfully parsed resume can be edited")
    # still validated first: a bad body is a 400 whatever the resume's state
    assert_error(patch(api_en, user, r["id"], {"awards": "x"}), 400)


def test_reparse_replaces_the_edited_result(api, user, parsed):
    rid = parsed["id"]
    machine = parsed["parse_result"]
    assert_ok(patch(api, user, rid, {"basic_info": {"name": "Someone Else"}, "awards": ["Edited"]}))
    assert_ok(api.post(f"/resumes/{rid}/reparse", token=user), 202)
    assert wait_final(api, user, rid)["status"] == "completed"
    d = assert_ok(api.get(f"/resumes/{rid}", token=user))["data"]
    pr = d["parse_result"]
    assert pr["edited"] is False and pr["edited_at"] is None, pr
    assert pr["basic_info"]["name"] == machine["basic_info"]["name"]
    assert pr["awards"] == machine["awards"]
    assert d["parse_confidence"] == pr["confidence"]["overall"]

# Helpers shared by the questions and interviews end-to-end tests: a LibreOffice-made resume
# uploaded and parsed to completion, answers good and poor, and the shapes every response keeps.
import re
import time

from conftest import ISO_UTC, assert_ok

PENDING = ("pending", "processing")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ANALYSIS_KEYS = {"score", "dimensions", "feedback", "strengths", "improvements", "covered_points",
                 "missing_points", "engine"}
DIMENSIONS = {"relevance", "coverage", "depth", "structure", "clarity"}
INTERVIEW_KEYS = {"id", "session_id", "status", "interview_type", "difficulty", "total_questions",
                  "current_question_index", "started_at", "ended_at", "duration", "overall_score",
                  "created_at"}
QUESTION_KEYS = {"id", "resume_id", "interview_type", "difficulty", "question_text", "category", "topic",
                 "skill", "language", "parent_question_id", "created_at"}
SECRET_KEYS = {"expected_points", "model_answer", "follow_ups"}
POOR_ANSWER = "I don't know."
RESUME_NOT_READY = "简历不存在或未完成解析"


def upload_parsed(api, token, documents, name, timeout=90):
    """Uploads the LibreOffice-made document `name` and waits for its parse; the resume's id."""
    data = documents.read(name)
    r = api.post("/resumes", token=token, files={"file": (name, data, "application/octet-stream")})
    assert r.status_code in (200, 201), r.text
    rid = r.json()["data"]["id"]
    deadline = time.monotonic() + timeout
    while True:
        st = assert_ok(api.get(f"/resumes/{rid}/status", token=token))["data"]
        if st["status"] not in PENDING:
            break
        assert time.monotonic() < deadline, f"resume {rid} still {st}"
        time.sleep(0.05)
    assert st["status"] == "completed", st
    return rid


def good_answer(points, lang="en"):
    """A specific answer that explains every expected point with an example and a result."""
    if lang == "zh":
        parts = ["在阿里巴巴负责存储系统时，我遇到过这个问题。"]
        parts += [f"首先，{p}：我这样做是因为它直接影响团队交付，例如在迁移 MySQL 表结构时。" for p in points]
        parts.append("结果延迟降低了 40%，项目提前两周上线，我学到了先度量再优化。")
        return "".join(parts)
    parts = ["In my role at Stripe I faced exactly this on the payment reconciliation service."]
    parts += [f"First, {p}: I did this deliberately because it mattered for the team, for example when we "
              f"migrated the PostgreSQL schema." for p in points]
    parts.append("As a result, latency dropped by 40% and we shipped two weeks early; I learned to measure first.")
    return " ".join(parts)


def assert_analysis(a):
    assert set(a) >= ANALYSIS_KEYS, a
    assert 0 <= a["score"] <= 100, a
    assert set(a["dimensions"]) == DIMENSIONS, a
    assert all(0 <= v <= 100 for v in a["dimensions"].values()), a
    assert isinstance(a["feedback"], str) and a["feedback"], a
    assert a["engine"] == "local", a


def assert_interview(iv):
    assert set(iv) >= INTERVIEW_KEYS, iv
    assert UUID4.match(iv["session_id"]), iv
    assert ISO_UTC.match(iv["created_at"]), iv
    assert iv["started_at"] is None or ISO_UTC.match(iv["started_at"]), iv


def assert_public_question(q):
    """A question the candidate sees before answering: no key points, no model answer."""
    assert set(q) >= QUESTION_KEYS, q
    assert not (SECRET_KEYS & set(q)), q
    assert "locked" not in q, q

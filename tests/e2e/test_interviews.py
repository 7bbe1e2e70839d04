# The interview API over real HTTP on a LibreOffice-made resume: start, answer every question
# (scored), an adaptive follow-up after a poor answer, skip, pause (answering while paused is 422) and
# resume, end, the report (overall = mean over answered questions only), history and stats; every
# illegal transition 422, another user's interview or resume 404, a resume not parsed 422, a question
# that is not the current one 409, validation errors 400 with details, and concurrent answers to one
# question of which exactly one is accepted.
import threading

import pytest

from conftest import ISO_UTC, assert_error, assert_ok
from fixtures import documents  # noqa: F401 (a fixture)
from interview_kit import (POOR_ANSWER, RESUME_NOT_READY, assert_analysis, assert_interview,
                           assert_public_question, good_answer, upload_parsed)


@pytest.fixture(scope="module")
def alice(server):
    return server.client().register()["access_token"]


@pytest.fixture(scope="module")
def bob(server):
    return server.client().register()["access_token"]


@pytest.fixture(scope="module")
def resume(server, alice, documents):  # noqa: F811
    return upload_parsed(server.client(), alice, documents, "en_onecol.docx")


@pytest.fixture(scope="module")
def zh_resume(server, alice, documents):  # noqa: F811
    return upload_parsed(server.client(), alice, documents, "zh_onecol.pdf")


def start(api, token, resume_id, status=201, **extra):
    body = {"resume_id": resume_id, "interview_type": "mixed", "difficulty": "medium", "question_count": 3,
            "language": "en"}
    body.update(extra)
    return assert_ok(api.post("/interviews", token=token, json=body), status)["data"]


def current(api, token, iid):
    return assert_ok(api.get(f"/interviews/{iid}/current-question", token=token))["data"]


def answer(api, token, iid, qid, text, **extra):
    return api.post(f"/interviews/{iid}/answers", token=token,
                    json={"question_id": qid, "answer_text": text, **extra})


# ---------- the whole interview ----------

def test_full_interview_and_report(api, alice, resume):
    iv = start(api, alice, resume, question_count=4, hints=True, adaptive=False)
    assert_interview(iv)
    assert iv["status"] == "active" and iv["total_questions"] == 4 and iv["current_question_index"] == 0
    assert iv["hints"] is True and iv["adaptive"] is False and iv["resume_id"] == resume
    first = iv["current_question"]
    assert_public_question(first)
    assert first["position"] == 0 and first["language"] == "en"
    assert isinstance(first["hints"], list) and first["hints"], first  # hints: the expected points

    scores = []
    for i in range(4):
        q = current(api, alice, iv["id"])
        assert q["position"] == i and q["total_questions"] == 4, q
        d = assert_ok(answer(api, alice, iv["id"], q["id"], good_answer(q["hints"]), response_time=42), 201,
                      "回答已提交")["data"]
        assert d["question_id"] == q["id"] and d["status"] == "answered" and d["response_time"] == 42
        assert_analysis(d["analysis"])
        assert d["score"] == d["analysis"]["score"]
        assert d["expected_points"] == q["hints"]  # revealed once answered
        assert d["follow_up"] is None
        assert d["interview"]["current_question_index"] == i + 1
        assert (d["next_question"] is None) == (i == 3)
        scores.append(d["score"])
    assert current(api, alice, iv["id"]) is None

    answers = assert_ok(api.get(f"/interviews/{iv['id']}/answers", token=alice))["data"]
    assert [a["score"] for a in answers] == scores
    assert [a["position"] for a in answers] == [0, 1, 2, 3]

    assert_error(api.get(f"/interviews/{iv['id']}/feedback", token=alice), 422)
    done = assert_ok(api.post(f"/interviews/{iv['id']}/end", token=alice), 200, "面试已结束")["data"]
    assert done["status"] == "completed" and ISO_UTC.match(done["ended_at"])
    assert isinstance(done["duration"], int) and done["duration"] >= 0
    assert done["overall_score"] == pytest.approx(sum(scores) / len(scores), abs=0.051)
    fb = assert_ok(api.get(f"/interviews/{iv['id']}/feedback", token=alice))["data"]
    assert fb["overall_score"] == done["overall_score"]
    assert fb["answered"] == 4 and fb["skipped"] == 0 and fb["unanswered"] == 0
    assert set(fb["dimension_scores"]) == {"relevance", "coverage", "depth", "structure", "clarity"}
    assert len(fb["suggestions"]) <= 3 and isinstance(fb["strengths"], list)
    assert isinstance(fb["weakest_topics"], list)
    assert [q["status"] for q in fb["questions"]] == ["answered"] * 4
    assert all(q["model_answer"] for q in fb["questions"])
    assert fb["duration"] == done["duration"]

    got = assert_ok(api.get(f"/interviews/{iv['id']}", token=alice))["data"]
    assert got["status"] == "completed" and got["overall_score"] == done["overall_score"]


def test_good_answers_beat_poor_ones(api, alice, resume):
    a = start(api, alice, resume, question_count=2, hints=True, adaptive=False, seed=5)
    b = start(api, alice, resume, question_count=2, hints=True, adaptive=False, seed=5)
    qa, qb = current(api, alice, a["id"]), current(api, alice, b["id"])
    assert qa["question_text"] == qb["question_text"]  # the same seed, the same questions
    good = assert_ok(answer(api, alice, a["id"], qa["id"], good_answer(qa["hints"])), 201)["data"]
    poor = assert_ok(answer(api, alice, b["id"], qb["id"], POOR_ANSWER), 201)["data"]
    assert good["score"] > poor["score"] + 20, (good["analysis"], poor["analysis"])
    assert poor["analysis"]["missing_points"], poor


def test_chinese_interview(api, alice, zh_resume):
    iv = start(api, alice, zh_resume, language="zh", hints=True, adaptive=False, question_count=2)
    q = iv["current_question"]
    assert q["language"] == "zh"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in q["question_text"]), q
    d = assert_ok(answer(api, alice, iv["id"], q["id"], good_answer(q["hints"], "zh")), 201)["data"]
    assert_analysis(d["analysis"])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in d["analysis"]["feedback"]), d["analysis"]


def test_language_defaults_to_accept_language(api, api_en, alice, resume):
    body = {"resume_id": resume, "interview_type": "behavioral", "difficulty": "easy", "question_count": 1}
    zh = assert_ok(api.post("/interviews", token=alice, json=body), 201)["data"]
    en = assert_ok(api_en.post("/interviews", token=alice, json=body), 201, "Interview started")["data"]
    assert zh["language"] == "zh" and en["language"] == "en"


def test_follow_up_after_poor_answer(api, alice, resume):
    iv = start(api, alice, resume, question_count=3)
    assert iv["adaptive"] is True  # on by default
    q0 = iv["current_question"]
    d = assert_ok(answer(api, alice, iv["id"], q0["id"], POOR_ANSWER), 201)["data"]
    fu = d["follow_up"]
    assert fu is not None, d
    assert_public_question(fu)
    assert fu["parent_question_id"] == q0["id"] and fu["position"] == 1
    assert fu["topic"] == q0["topic"]
    assert d["next_question"]["id"] == fu["id"]
    assert d["interview"]["total_questions"] == 4
    assert current(api, alice, iv["id"])["id"] == fu["id"]
    # at most one per question: a poor answer to the follow-up adds none
    d2 = assert_ok(answer(api, alice, iv["id"], fu["id"], POOR_ANSWER), 201)["data"]
    assert d2["follow_up"] is None and d2["interview"]["total_questions"] == 4
    got = assert_ok(api.get(f"/interviews/{iv['id']}", token=alice))["data"]
    assert got["total_questions"] == 4 and got["current_question_index"] == 2


def test_skip_pause_resume_and_mean_over_answered(api, alice, resume):
    iv = start(api, alice, resume, question_count=4, hints=True, adaptive=False)
    iid = iv["id"]
    q0 = current(api, alice, iid)
    s0 = assert_ok(answer(api, alice, iid, q0["id"], good_answer(q0["hints"])), 201)["data"]["score"]
    q1 = current(api, alice, iid)
    sk = assert_ok(api.post(f"/interviews/{iid}/skip", token=alice, json={"question_id": q1["id"]}), 200,
                   "已跳过该问题")["data"]
    assert sk["status"] == "skipped" and sk["score"] is None and sk["analysis"] is None

    p = assert_ok(api.post(f"/interviews/{iid}/pause", token=alice), 200, "面试已暂停")["data"]
    assert p["status"] == "paused" and ISO_UTC.match(p["paused_at"])
    q2 = current(api, alice, iid)  # still shown while paused
    assert_error(answer(api, alice, iid, q2["id"], "An answer while paused."), 422, "面试会话无效")
    assert_error(api.post(f"/interviews/{iid}/skip", token=alice), 422)
    r = assert_ok(api.post(f"/interviews/{iid}/resume", token=alice), 200, "面试已继续")["data"]
    assert r["status"] == "active" and r["paused_at"] is None

    s2 = assert_ok(answer(api, alice, iid, q2["id"], POOR_ANSWER), 201)["data"]["score"]
    done = assert_ok(api.post(f"/interviews/{iid}/end", token=alice), 200)["data"]
    # skipped and unanswered are listed, never averaged in as zero
    assert done["overall_score"] == pytest.approx((s0 + s2) / 2, abs=0.051)
    fb = done["feedback"]
    assert fb["answered"] == 2 and fb["skipped"] == 1 and fb["unanswered"] == 1
    assert [q["status"] for q in fb["questions"]] == ["answered", "skipped", "answered", "unanswered"]
    statuses = [a["status"] for a in assert_ok(api.get(f"/interviews/{iid}/answers", token=alice))["data"]]
    assert statuses == ["answered", "skipped", "answered"]


def test_no_answers_no_score(api, alice, resume):
    iv = start(api, alice, resume, question_count=1)
    assert_ok(api.post(f"/interviews/{iv['id']}/skip", token=alice), 200)
    done = assert_ok(api.post(f"/interviews/{iv['id']}/end", token=alice), 200)["data"]
    assert done["overall_score"] is None and done["feedback"]["overall_score"] is None


# ---------- the state machine ----------

def test_illegal_transitions(api, alice, resume):
    iv = start(api, alice, resume, question_count=2)
    iid = iv["id"]
    q = iv["current_question"]
    assert_error(api.post(f"/interviews/{iid}/resume", token=alice), 422, "面试当前状态不允许此操作")
    assert_ok(api.post(f"/interviews/{iid}/pause", token=alice))
    assert_error(api.post(f"/interviews/{iid}/pause", token=alice), 422)
    # a paused interview can be ended
    assert_ok(api.post(f"/interviews/{iid}/end", token=alice))
    for action in ("pause", "resume", "end", "cancel"):
        assert_error(api.post(f"/interviews/{iid}/{action}", token=alice), 422)
    assert_error(answer(api, alice, iid, q["id"], "too late"), 422)
    assert_error(api.post(f"/interviews/{iid}/skip", token=alice), 422)
    assert current(api, alice, iid) is None

    c = start(api, alice, resume, question_count=2)
    cancelled = assert_ok(api.post(f"/interviews/{c['id']}/cancel", token=alice), 200, "面试已取消")["data"]
    assert cancelled["status"] == "cancelled" and cancelled["duration"] >= 0
    for action in ("pause", "resume", "end", "cancel"):
        assert_error(api.post(f"/interviews/{c['id']}/{action}", token=alice), 422)
    assert_error(answer(api, alice, c["id"], c["current_question"]["id"], "too late"), 422)
    assert_error(api.get(f"/interviews/{c['id']}/feedback", token=alice), 422)


def test_answer_not_current_is_409(api, alice, resume):
    a = start(api, alice, resume, question_count=2)
    b = start(api, alice, resume, question_count=2)
    qa, qb = a["current_question"], b["current_question"]
    # another interview's question, a generated question no interview asks, a made-up id
    assert_error(answer(api, alice, a["id"], qb["id"], "wrong question"), 409, "该问题不是当前问题")
    gen = assert_ok(api.post("/questions/generate", token=alice,
                             json={"resume_id": resume, "interview_type": "general", "difficulty": "easy",
                                   "question_count": 1}), 201)["data"]["questions"][0]
    assert_error(answer(api, alice, a["id"], gen["id"], "wrong question"), 409)
    assert_error(answer(api, alice, a["id"], 10 ** 9, "wrong question"), 409)
    assert_error(api.post(f"/interviews/{a['id']}/skip", token=alice, json={"question_id": qb["id"]}), 409)
    # answered already: no longer current
    assert_ok(answer(api, alice, a["id"], qa["id"], POOR_ANSWER), 201)
    assert_error(answer(api, alice, a["id"], qa["id"], POOR_ANSWER), 409)


def test_concurrent_answers_one_wins(server, alice, resume):
    api = server.client()
    iv = start(api, alice, resume, question_count=2, adaptive=False)
    qid = iv["current_question"]["id"]
    codes = []
    lock = threading.Lock()

    def post():
        r = server.client().post(f"/interviews/{iv['id']}/answers", token=alice,
                                 json={"question_id": qid, "answer_text": "We used Python and PostgreSQL."})
        with lock:
            codes.append(r.status_code)

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [201] + [409] * 5, codes
    answers = assert_ok(api.get(f"/interviews/{iv['id']}/answers", token=alice))["data"]
    assert len(answers) == 1


# ---------- ownership, resumes, validation ----------

def test_another_users_interview_is_404(api, alice, bob, resume):
    iv = start(api, alice, resume, question_count=1)
    iid, qid = iv["id"], iv["current_question"]["id"]
    for method, path in (("GET", ""), ("GET", "/current-question"), ("GET", "/answers"), ("GET", "/feedback"),
                         ("POST", "/skip"), ("POST", "/pause"), ("POST", "/resume"), ("POST", "/end"),
                         ("POST", "/cancel")):
        assert_error(api.request(method, f"/interviews/{iid}{path}", token=bob), 404, "面试会话不存在")
    assert_error(answer(api, bob, iid, qid, "mine"), 404)
    assert_error(api.get(f"/interviews/{10 ** 9}", token=alice), 404)
    # bob's history does not list it; alice's interview is untouched
    assert all(i["id"] != iid for i in assert_ok(api.get("/interviews", token=bob))["data"])
    assert current(api, alice, iid)["id"] == qid


def test_another_users_resume_is_404(api, bob, resume):
    body = {"resume_id": resume, "interview_type": "general", "difficulty": "easy"}
    assert_error(api.post("/interviews", token=bob, json=body), 404)


def test_resume_not_parsed_is_422(api, alice):
    # an HTML file without text fails parsing: never completed
    data = b"<!DOCTYPE html><html><head><title>x</title></head><body><p> </p></body></html>"
    r = api.post("/resumes", token=alice, files={"file": ("empty.html", data, "text/html")})
    rid = assert_ok(r, 201)["data"]["id"]
    body = {"resume_id": rid, "interview_type": "general", "difficulty": "easy"}
    # pending, processing or failed: never a started interview
    assert_error(api.post("/interviews", token=alice, json=body), 422, RESUME_NOT_READY)


def test_validation_errors(api, api_en, alice, resume):
    body = assert_error(api.post("/interviews", token=alice, json={}), 400, "数据验证失败",
                        fields=("resume_id", "interview_type", "difficulty"))
    assert body["error"]["details"]["resume_id"] == ["缺少必填字段。"]
    bad = {"resume_id": "1", "interview_type": "chat", "difficulty": "extreme", "question_count": 31,
           "language": "fr", "hints": "yes", "job_description": 5}
    body = assert_error(api_en.post("/interviews", token=alice, json=bad), 400, "Validation failed",
                        fields=tuple(k for k in bad))
    d = body["error"]["details"]
    assert d["resume_id"] == ["Not a valid integer."]
    assert d["question_count"] == ["Must be greater than or equal to 1 and less than or equal to 30."]
    assert d["difficulty"] == ["Must be one of: easy, medium, hard."]
    assert d["language"] == ["Must be one of: zh, en."]
    assert d["hints"] == ["Not a valid boolean."]
    ok = {"resume_id": resume, "interview_type": "general", "difficulty": "easy"}
    assert_error(api.post("/interviews", token=alice, json={**ok, "question_count": 0}), 400,
                 fields=("question_count",))
    assert_error(api.post("/interviews", token=alice, json={**ok, "job_description": "x" * 5001}), 400,
                 fields=("job_description",))
    assert_error(api.post("/interviews", token=alice, data="{not json", headers={"Content-Type": "application/json"}),
                 400)
    assert_error(api.post("/interviews", token=alice, json=[1]), 400)

    iv = start(api, alice, resume, question_count=1)
    body = assert_error(api.post(f"/interviews/{iv['id']}/answers", token=alice, json={}), 400,
                        fields=("question_id", "answer_text"))
    body = assert_error(api.post(f"/interviews/{iv['id']}/answers", token=alice,
                                 json={"question_id": -1, "answer_text": 3, "response_time": -5}), 400,
                        fields=("question_id", "answer_text", "response_time"))
    assert_error(api.post(f"/interviews/{iv['id']}/skip", token=alice, json={"question_id": "x"}), 400,
                 fields=("question_id",))
    assert_error(api.post("/interviews", json=ok), 401)


# ---------- history and stats ----------

def test_history_and_stats_empty(server):
    api = server.client()
    token = api.register()["access_token"]
    page = assert_ok(api.get("/interviews", token=token))
    assert page["data"] == [] and page["pagination"]["total"] == 0
    stats = assert_ok(api.get("/interviews/stats", token=token))["data"]
    assert stats["total_interviews"] == 0 and stats["average_score"] is None and stats["scores_over_time"] == []


def test_history_pages_and_stats(server, documents):  # noqa: F811
    api = server.client()
    token = api.register()["access_token"]
    rid = upload_parsed(api, token, documents, "en_table.docx")
    ids = []
    for i in range(3):
        iv = start(api, token, rid, question_count=1, hints=True, adaptive=False, interview_type="technical")
        ids.append(iv["id"])
        if i < 2:  # two completed, one left active
            q = iv["current_question"]
            text = good_answer(q["hints"]) if i == 0 else POOR_ANSWER
            assert_ok(answer(api, token, iv["id"], q["id"], text), 201)
            assert_ok(api.post(f"/interviews/{iv['id']}/end", token=token))

    first = assert_ok(api.get("/interviews?per_page=2", token=token))
    assert [i["id"] for i in first["data"]] == [ids[2], ids[1]]  # newest first
    assert first["pagination"] == {"page": 1, "per_page": 2, "total": 3}
    second = assert_ok(api.get("/interviews?per_page=2&page=2", token=token))
    assert [i["id"] for i in second["data"]] == [ids[0]]
    assert_error(api.get("/interviews?page=0", token=token), 400, fields=("page",))

    stats = assert_ok(api.get("/interviews/stats", token=token))["data"]
    assert stats["total_interviews"] == 3
    assert stats["by_status"] == {"active": 1, "completed": 2} and stats["completed"] == 2
    timeline = stats["scores_over_time"]
    assert [p["interview_id"] for p in timeline] == ids[:2]  # oldest first
    scores = [p["score"] for p in timeline]
    assert scores[0] > scores[1]
    assert stats["average_score"] == pytest.approx(sum(scores) / 2, abs=0.051)
    assert stats["best_score"] == max(scores) and stats["latest_score"] == scores[1]
    assert set(stats["dimensions"]) == {"relevance", "coverage", "depth", "structure", "clarity"}
    assert stats["by_type"]["technical"]["count"] == 2
    weak = stats["weakest_topics"]
    assert weak and all({"topic", "average_score", "answers"} <= set(t) for t in weak)
    assert [t["average_score"] for t in weak] == sorted(t["average_score"] for t in weak)

# The questions API over real HTTP on a LibreOffice-made resume: generation (201, count, language
# from the body or Accept-Language, deterministic for a seed), the user's list and detail, the bank
# browsed with filters and paging, each question spoken as a WAV (RIFF header, cached after the first
# call), key points hidden while an interview still asks the question; another user's question or
# resume 404, a resume not parsed 422, validation errors 400 with details.
import os
import struct

import pytest

from conftest import ISO_UTC, assert_error, assert_ok
from fixtures import documents  # noqa: F401 (a fixture)
from interview_kit import (QUESTION_KEYS, RESUME_NOT_READY, SECRET_KEYS, assert_public_question,
                           upload_parsed)


@pytest.fixture(scope="module")
def alice(server):
    return server.client().register()["access_token"]


@pytest.fixture(scope="module")
def bob(server):
    return server.client().register()["access_token"]


@pytest.fixture(scope="module")
def resume(server, alice, documents):  # noqa: F811
    return upload_parsed(server.client(), alice, documents, "en_twocol.pdf")


def generate(api, token, resume_id, status=201, **extra):
    body = {"resume_id": resume_id, "interview_type": "technical", "difficulty": "medium"}
    body.update(extra)
    return assert_ok(api.post("/questions/generate", token=token, json=body), status)


def test_generate(api, api_en, alice, resume):
    body = generate(api, alice, resume, question_count=5, language="en", seed=99)
    assert body["message"] == "问题生成成功"
    d = body["data"]
    assert d["count"] == 5 and len(d["questions"]) == 5 and d["language"] == "en" and d["seed"] == 99
    for q in d["questions"]:
        assert set(q) >= QUESTION_KEYS | SECRET_KEYS, q
        assert q["language"] == "en" and q["resume_id"] == resume and q["interview_type"] == "technical"
        assert q["question_text"] and isinstance(q["expected_points"], list) and q["expected_points"]
        assert ISO_UTC.match(q["created_at"])
    texts = [q["question_text"] for q in d["questions"]]
    assert len(set(texts)) == 5  # no two the same
    # deterministic for a seed
    again = generate(api, alice, resume, question_count=5, language="en", seed=99)["data"]
    assert [q["question_text"] for q in again["questions"]] == texts
    # default count 8, language from Accept-Language
    zh = generate(api, alice, resume)["data"]
    assert zh["count"] == 8 and zh["language"] == "zh"
    assert all(q["language"] == "zh" for q in zh["questions"])
    en = generate(api_en, alice, resume, question_count=1)["data"]
    assert en["language"] == "en"
    assert generate(api, alice, resume, question_count=30)["data"]["count"] <= 30


def test_list_and_detail(api, alice, bob, resume):
    made = generate(api, alice, resume, question_count=3, interview_type="behavioral")["data"]["questions"]
    page = assert_ok(api.get(f"/questions?resume_id={resume}&per_page=3", token=alice))
    assert [q["id"] for q in page["data"]] == [q["id"] for q in reversed(made)]  # newest first
    assert page["pagination"]["per_page"] == 3 and page["pagination"]["total"] >= 3
    assert assert_ok(api.get("/questions", token=alice))["pagination"]["total"] == page["pagination"]["total"]
    q = assert_ok(api.get(f"/questions/{made[0]['id']}", token=alice))["data"]
    assert q == made[0]
    assert_error(api.get(f"/questions/{made[0]['id']}", token=bob), 404)
    assert_error(api.get(f"/questions?resume_id={resume}", token=bob), 404)
    assert assert_ok(api.get("/questions", token=bob))["data"] == []
    assert_error(api.get("/questions?resume_id=abc", token=alice), 400, fields=("resume_id",))


def test_key_points_hidden_while_asked(api, alice, resume):
    iv = assert_ok(api.post("/interviews", token=alice,
                            json={"resume_id": resume, "interview_type": "general", "difficulty": "easy",
                                  "question_count": 1, "adaptive": False}), 201)["data"]
    qid = iv["current_question"]["id"]
    assert_public_question(assert_ok(api.get(f"/questions/{qid}", token=alice))["data"])
    assert_ok(api.post(f"/interviews/{iv['id']}/answers", token=alice,
                       json={"question_id": qid, "answer_text": "I would start by listening."}), 201)
    q = assert_ok(api.get(f"/questions/{qid}", token=alice))["data"]
    assert q["expected_points"] and q["model_answer"]


def test_generate_refusals(api, api_en, alice, bob, resume):
    assert_error(api.post("/questions/generate", token=bob,
                          json={"resume_id": resume, "interview_type": "general", "difficulty": "easy"}), 404)
    body = assert_error(api_en.post("/questions/generate", token=alice,
                                    json={"resume_id": resume, "interview_type": "general", "difficulty": "easy",
                                          "question_count": 31}), 400, "Validation failed",
                        fields=("question_count",))
    assert body["error"]["details"]["question_count"] == [
        "Must be greater than or equal to 1 and less than or equal to 30."]
    body = assert_error(api_en.post("/questions/generate", token=alice, json={"question_count": 2.5}), 400,
                        fields=("resume_id", "interview_type", "difficulty", "question_count"))
    assert body["error"]["details"]["question_count"] == ["Not a valid integer."]
    assert body["error"]["details"]["interview_type"] == ["Missing data for required field."]
    assert_error(api.post("/questions/generate", token=alice,
                          json={"resume_id": resume, "interview_type": "quiz", "difficulty": "easy"}), 400,
                 fields=("interview_type",))
    # a resume whose parse failed (no text) is not a source of questions
    data = b"<!DOCTYPE html><html><head><title>t</title></head><body></body></html>"
    rid = assert_ok(api.post("/resumes", token=alice, files={"file": ("blank.html", data, "text/html")}),
                    201)["data"]["id"]
    assert_error(api.post("/questions/generate", token=alice,
                          json={"resume_id": rid, "interview_type": "general", "difficulty": "easy"}),
                 422, RESUME_NOT_READY)
    assert_error(api.post("/questions/generate",
                          json={"resume_id": resume, "interview_type": "general", "difficulty": "easy"}), 401)


# ---------- the bank ----------

def test_bank_browse(api, api_en, alice):
    everything = assert_ok(api.get("/questions/bank?per_page=100", token=alice))
    total = everything["pagination"]["total"]
    assert total >= 50, total
    e = everything["data"][0]
    assert set(e) >= {"id", "type", "difficulty", "topic", "skill", "language", "question_text", "key_points",
                      "follow_ups", "model_answer", "languages"}, e
    assert e["language"] == "zh"  # the request's language (Accept-Language)
    assert assert_ok(api_en.get("/questions/bank?per_page=1", token=alice))["data"][0]["language"] == "en"

    beh = assert_ok(api.get("/questions/bank?type=behavioral&difficulty=medium&lang=en&per_page=100",
                            token=alice))
    assert 0 < beh["pagination"]["total"] < total
    assert all(x["type"] == "behavioral" and x["difficulty"] == "medium" and x["language"] == "en"
               for x in beh["data"])
    # pages are disjoint and add up
    p1 = assert_ok(api.get("/questions/bank?per_page=5&page=1", token=alice))["data"]
    p2 = assert_ok(api.get("/questions/bank?per_page=5&page=2", token=alice))["data"]
    assert len(p1) == 5 and len(p2) == 5 and not {x["id"] for x in p1} & {x["id"] for x in p2}
    past = assert_ok(api.get(f"/questions/bank?per_page=100&page={total // 100 + 2}", token=alice))
    assert past["data"] == [] and past["pagination"]["total"] == total

    skilled = [x for x in everything["data"] if x["skill"]]
    if skilled:
        skill = skilled[0]["skill"]
        from urllib.parse import quote
        by_skill = assert_ok(api.get(f"/questions/bank?skill={quote(skill.lower())}&per_page=100", token=alice))
        assert by_skill["data"] and all(x["skill"] == skill for x in by_skill["data"])
    none = assert_ok(api.get("/questions/bank?skill=NoSuchSkill", token=alice))
    assert none["data"] == [] and none["pagination"]["total"] == 0
    for bad in ("type=quiz", "difficulty=extreme", "lang=fr", "per_page=0", "skill=%00"):
        assert_error(api.get(f"/questions/bank?{bad}", token=alice), 400)
    assert_error(api.get("/questions/bank"), 401)


# ---------- audio ----------

def wav_info(data):
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE", data[:16]
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    fmt, channels, rate, _, _, bits = struct.unpack("<HHIIHH", data[20:36])
    assert data[36:40] == b"data" and struct.unpack("<I", data[40:44])[0] == len(data) - 44
    samples = struct.unpack(f"<{(len(data) - 44) // 2}h", data[44:44 + (len(data) - 44) // 2 * 2])
    return fmt, channels, rate, bits, max(abs(s) for s in samples), len(samples) / rate


def test_audio(server, api, alice, bob, resume):
    qs = generate(api, alice, resume, question_count=2, language="en")["data"]["questions"]
    qid = qs[0]["id"]
    r = api.get(f"/questions/{qid}/audio", token=alice)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "audio/wav"
    fmt, channels, rate, bits, peak, seconds = wav_info(r.content)
    assert (fmt, channels, rate, bits) == (1, 1, 22050, 16)
    assert peak > 1000 and seconds > 1.0

    cache = os.path.join(server.data_dir, "tts")
    files = [f for f in os.listdir(cache) if f.startswith(f"{qid}-") and f.endswith(".wav")]
    assert len(files) == 1, os.listdir(cache)
    path = os.path.join(cache, files[0])
    before = os.stat(path).st_mtime_ns
    again = api.get(f"/questions/{qid}/audio", token=alice)
    assert again.status_code == 200 and again.content == r.content
    assert os.stat(path).st_mtime_ns == before  # served from the cache, not spoken again
    assert not [f for f in os.listdir(cache) if f.endswith(".tmp")]

    zh = generate(api, alice, resume, question_count=1, language="zh")["data"]["questions"][0]
    rz = api.get(f"/questions/{zh['id']}/audio", token=alice)
    assert rz.status_code == 200 and wav_info(rz.content)[4] > 1000

    assert_error(api.get(f"/questions/{qid}/audio", token=bob), 404)
    assert_error(api.get(f"/questions/{10 ** 9}/audio", token=alice), 404)

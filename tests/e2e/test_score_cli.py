# The `score` command: one answer from a file or from standard input, in English and Chinese, comes
# back as the analysis object (score, five dimensions, feedback, strengths, improvements, covered
# and missing points, engine "local"); a good answer outscores a poor one; bad input exits 1 with
# a message.
import json
import os
import subprocess

import pytest

from conftest import IG_BIN, REPO, SANITIZER_MARKERS, base_env

GRADED = os.path.join(REPO, "tests", "unit", "ai", "graded_answers.json")
DIMENSIONS = {"relevance", "coverage", "depth", "structure", "clarity"}


def score(args, stdin=None, cwd=None):
    p = subprocess.run([IG_BIN, "score"] + list(args), env=base_env(), cwd=cwd, capture_output=True,
                       timeout=60, input=stdin if stdin is not None else b"")
    err = p.stderr.decode("utf-8", "replace")
    assert not any(m in err for m in SANITIZER_MARKERS), err
    return p.returncode, p.stdout.decode("utf-8"), err


def graded(qid):
    with open(GRADED, encoding="utf-8") as f:
        return next(q for q in json.load(f)["questions"] if q["id"] == qid)


def request(q, grade, lang_key="language"):
    return {"question": q["question"], "key_points": q["key_points"], "type": q["type"],
            "skill": q["skill"], lang_key: q["language"], "difficulty": q["difficulty"],
            "answer": q["answers"][grade]}


def check_shape(a, n_points, zh):
    assert set(a) == {"score", "dimensions", "feedback", "strengths", "improvements", "covered_points",
                      "missing_points", "engine"}, a
    assert a["engine"] == "local"
    assert isinstance(a["score"], int) and 0 <= a["score"] <= 100
    assert set(a["dimensions"]) == DIMENSIONS
    assert all(isinstance(v, int) and 0 <= v <= 100 for v in a["dimensions"].values())
    assert isinstance(a["feedback"], str) and a["feedback"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in a["feedback"]) == zh, a["feedback"]
    for key in ("strengths", "improvements", "covered_points", "missing_points"):
        assert isinstance(a[key], list) and all(isinstance(s, str) and s for s in a[key]), a[key]
    assert len(a["covered_points"]) + len(a["missing_points"]) == n_points


def test_score_file_en(tmp_path):
    q = graded("en-tech-sql-index")
    results = {}
    for grade in ("good", "poor"):
        path = tmp_path / f"{grade}.json"
        path.write_text(json.dumps(request(q, grade)), encoding="utf-8")
        rc, out, err = score([str(path)])
        assert rc == 0, err
        results[grade] = json.loads(out)
        check_shape(results[grade], len(q["key_points"]), zh=False)
    assert results["good"]["score"] > results["poor"]["score"] + 20, results
    assert results["good"]["covered_points"], results["good"]
    # printed indented, score at the top level
    assert out.startswith("{\n  \"score\": ")


def test_score_stdin_zh_with_lang_alias():
    q = graded("zh-tech-redis-cache")
    results = {}
    for grade in ("good", "mediocre", "poor"):
        rc, out, err = score(["-"], stdin=json.dumps(request(q, grade, "lang"), ensure_ascii=False).encode())
        assert rc == 0, err
        results[grade] = json.loads(out)
        check_shape(results[grade], len(q["key_points"]), zh=True)
    assert results["good"]["score"] > results["mediocre"]["score"] > results["poor"]["score"], results


def test_score_behavioral_en_stdin():
    q = graded("en-beh-conflict")
    good = json.loads(score(["-"], stdin=json.dumps(request(q, "good")).encode())[1])
    offtopic = dict(request(q, "good"), answer=q["adversarial"][0]["answer"])
    rc, out, err = score(["-"], stdin=json.dumps(offtopic).encode())
    assert rc == 0, err
    off = json.loads(out)
    assert off["score"] < 20 <= good["score"], (off, good)
    assert "does not address" in off["feedback"], off["feedback"]


def test_score_empty_answer():
    req = {"question": "What is a mutex?", "key_points": ["Mutual exclusion"], "answer": "", "lang": "en"}
    rc, out, err = score(["-"], stdin=json.dumps(req).encode())
    assert rc == 0, err
    a = json.loads(out)
    assert a["score"] == 0 and a["missing_points"] == ["Mutual exclusion"], a
    assert "No answer" in a["feedback"]


@pytest.mark.parametrize("body,says", [
    (b"not json", "score"),
    (b"[1, 2]", "JSON object"),
    (b'{"answer": "x"}', "question is required"),
    (b'{"question": "q?"}', "answer is required"),
    (b'{"question": "q?", "answer": "a", "language": "fr"}', "language must be en or zh"),
    (b'{"question": "q?", "answer": "a", "type": "chat"}', "type must be"),
    (b'{"question": "q?", "answer": "a", "key_points": [1]}', "key_points[0]"),
])
def test_score_bad_input_exits_1(body, says):
    rc, out, err = score(["-"], stdin=body)
    assert rc == 1, (out, err)
    assert out == ""
    assert says in err, err


def test_score_missing_file_and_usage(tmp_path):
    rc, out, err = score([str(tmp_path / "nope.json")])
    assert rc == 1 and "nope.json" in err, err
    rc, out, err = score([])
    assert rc == 2 and "usage" in err.lower(), err
    rc, out, err = score(["--help"])
    assert rc == 0 and "usage" in out.lower() and "lang" in out, out

# The language-model engine end to end: the real server with AI_ENGINE=openai pointed at a fake
# OpenAI-compatible server (fake_openai.py) on loopback. A whole interview asked, scored and
# reported by the model (its FAKE-LLM marks), with the tokens on the interview and in /metrics;
# replies in prose, in fences, invalid then repaired, off-schema and cut off (falling back to the
# local engine with the reason); 429 with Retry-After and 5xx retried; a server without JSON mode;
# a hang cut at AI_TIMEOUT; the fake stopped mid-interview, which then finishes on the local engine
# and says so; low-confidence resume fields refined; start-up refused without a key for OpenAI's
# own API; the API key never in the server's log nor in `interviewgenius config`; and a spoken
# answer to a Chinese interview transcribed by the endpoint (ASR_ENGINE=openai) over Socket.IO.
import json
import struct
import re
import time

import pytest

from conftest import assert_ok
from fake_openai import MARK, FakeOpenAI
from realtime_kit import Recorder

KEY = "sk-e2e-SECRET-9f8e7d6c5b4a"

RESUME_HTML = """<html><body>
<p>Software engineer with 6 years of backend experience.</p>
<h2>Experience</h2>
<p>Stripe, Senior Backend Engineer, 2019-01 - present</p>
<ul><li>Built the payment reconciliation service in Go and PostgreSQL.</li>
<li>Cut latency 40% with Redis caching.</li></ul>
<h2>Skills</h2><p>Go, Python, Redis, PostgreSQL, Kubernetes</p>
</body></html>"""

ANSWER = ("At Stripe I owned the reconciliation service. First I measured where time went, then I sharded "
          "the work by merchant and cached hot lookups in Redis; latency fell by 40%.")


def llm_env(fake, **extra):
    env = {"AI_ENGINE": "openai", "AI_BASE_URL": fake.url, "OPENAI_API_KEY": KEY, "LOG_LEVEL": "debug"}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def fake():
    f = FakeOpenAI().start()
    yield f
    f.stop()


@pytest.fixture(scope="module")
def llm(module_factory, fake):
    return module_factory(**llm_env(fake))


@pytest.fixture
def api(llm):
    return llm.client()


def register(api):
    d = api.register()
    return d["access_token"], d["user"]["id"]


def upload(api, token, html=RESUME_HTML, timeout=60):
    r = api.post("/resumes", token=token, files={"file": ("resume.html", html.encode(), "text/html")})
    assert r.status_code in (200, 201), r.text
    rid = r.json()["data"]["id"]
    deadline = time.monotonic() + timeout
    while True:
        st = assert_ok(api.get(f"/resumes/{rid}/status", token=token))["data"]
        if st["status"] not in ("pending", "processing"):
            break
        assert time.monotonic() < deadline, st
        time.sleep(0.05)
    assert st["status"] == "completed", st
    return rid


def start(api, token, rid, n=3):
    body = {"resume_id": rid, "interview_type": "technical", "difficulty": "medium", "question_count": n,
            "language": "en", "adaptive": False}
    return assert_ok(api.post("/interviews", token=token, json=body), 201)["data"]


def answer(api, token, iid, timeout=30):
    q = assert_ok(api.get(f"/interviews/{iid}/current-question", token=token))["data"]
    d = assert_ok(api.post(f"/interviews/{iid}/answers", token=token, timeout=timeout,
                           json={"question_id": q["id"], "answer_text": ANSWER}), 201)["data"]
    return d["analysis"]


def metrics(srv):
    import requests
    return requests.get(srv.base + "/metrics", timeout=10).text


def metric(text, name_and_labels):
    m = re.search("^" + re.escape(name_and_labels) + r" (\S+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


def tasks(requests_):
    """The prompt task of each recorded chat request."""
    out = []
    for r in requests_:
        system = (r["body"] or {}).get("messages", [{}])[0].get("content", "")
        m = re.search(r"\(prompt ([a-z_]+)\.v1\)", system)
        out.append(m.group(1) if m else None)
    return out


# ---------- the whole interview on the model ----------

def test_full_interview_on_the_model(api, llm, fake):
    token, uid = register(api)
    rid = upload(api, token)
    fake.clear()
    iv = start(api, token, rid, n=3)
    assert iv["current_question"]["question_text"].startswith(f"{MARK} question 1")
    for _ in range(3):
        a = answer(api, token, iv["id"])
        assert a["engine"] == "openai" and "reason" not in a, a
        assert a["score"] == 77 and a["feedback"].startswith(MARK), a
        assert "usage" not in a  # counted on the interview, not left in the analysis
    done = assert_ok(api.post(f"/interviews/{iv['id']}/end", token=token))["data"]
    fb = done["feedback"]
    assert fb["engine"] == "openai", fb
    assert fb["strengths"] == [f"{MARK} report strength"]
    assert [q["summary"] for q in fb["questions"]] == [f"{MARK} summary {i}" for i in (1, 2, 3)]
    assert fb["overall_score"] == 77  # the mean of the stored scores, not the model's word

    chats = fake.chat_requests()
    assert tasks(chats) == ["generate", "score", "score", "score", "report"]
    for r in chats:
        assert r["headers"]["Authorization"] == f"Bearer {KEY}"
        assert r["body"]["model"] == "gpt-4o-mini"
        assert r["body"]["response_format"] == {"type": "json_object"}
    # the resume went out without contact details
    gen_user = chats[0]["body"]["messages"][1]["content"]
    assert "Stripe" in gen_user and "Number of questions: 3" in gen_user

    got = assert_ok(api.get(f"/interviews/{iv['id']}", token=token))["data"]
    assert got["ai_usage"] == {"prompt_tokens": 500, "completion_tokens": 250}, got
    # the user's tokens: the interview's and the resume refinement's (its low-confidence fields)
    m = metrics(llm)
    assert metric(m, f'ig_ai_user_tokens_total{{user_id="{uid}",type="prompt"}}') == 600
    assert metric(m, f'ig_ai_user_tokens_total{{user_id="{uid}",type="completion"}}') == 300
    assert metric(m, 'ig_ai_tokens_total{type="prompt"}') >= 500
    assert metric(m, 'ig_ai_calls_total{op="score",engine="openai"}') >= 3
    assert KEY not in llm.log_text(tail=10 ** 7)


def test_offline_engine_counts_no_tokens(server_factory):
    srv = server_factory()
    api = srv.client()
    token, _ = register(api)
    rid = upload(api, token)
    iv = start(api, token, rid, n=1)
    assert answer(api, token, iv["id"])["engine"] == "local"
    got = assert_ok(api.get(f"/interviews/{iv['id']}", token=token))["data"]
    assert got["ai_usage"] == {"prompt_tokens": 0, "completion_tokens": 0}
    assert "ig_ai_calls_total" not in metrics(srv)


# ---------- replies of every shape ----------

def test_prose_fences_repairs_and_fallbacks(api, llm, fake):
    token, _ = register(api)
    rid = upload(api, token)
    iv = start(api, token, rid, n=4)
    fake.clear()
    fake.script("prose")
    assert answer(api, token, iv["id"])["engine"] == "openai"
    fake.script("fence")
    assert answer(api, token, iv["id"])["engine"] == "openai"
    # invalid JSON, then a good reply to the repair prompt
    fake.script("invalid", "good")
    assert answer(api, token, iv["id"])["engine"] == "openai"
    repair = fake.chat_requests()[-1]["body"]["messages"]
    assert [m["role"] for m in repair] == ["system", "user", "assistant", "user"]
    assert repair[3]["content"].startswith("Your reply could not be used:")
    # off-schema twice: the local engine answers and says why
    before = metric(metrics(llm), 'ig_ai_fallbacks_total{op="score",reason="off_schema"}')
    fake.script("offschema", "offschema")
    a = answer(api, token, iv["id"])
    assert a["engine"] == "local" and a["reason"] == "off_schema", a
    assert metric(metrics(llm), 'ig_ai_fallbacks_total{op="score",reason="off_schema"}') == before + 1
    assert fake.pending() == 0

    # questions cut off at the token limit twice: the bank's questions
    fake.script("truncated", "truncated")
    iv2 = start(api, token, rid, n=2)
    assert not iv2["current_question"]["question_text"].startswith(MARK)
    assert metric(metrics(llm), 'ig_ai_fallbacks_total{op="generate",reason="truncated"}') >= 1


def test_rate_limits_and_server_errors_are_retried(api, llm, fake):
    token, _ = register(api)
    rid = upload(api, token)
    iv = start(api, token, rid, n=2)
    fake.clear()
    fake.script({"status": 429, "headers": {"Retry-After": "1"}}, "good")
    t0 = time.monotonic()
    assert answer(api, token, iv["id"])["engine"] == "openai"
    assert time.monotonic() - t0 >= 1.0
    chats = fake.chat_requests()
    assert len(chats) == 2 and chats[1]["time"] - chats[0]["time"] >= 0.95
    fake.clear()
    fake.script({"status": 500}, {"status": 503}, "good")
    assert answer(api, token, iv["id"])["engine"] == "openai"
    assert len(fake.chat_requests()) == 3
    assert metric(metrics(llm), "ig_ai_http_retries_total") >= 3


def test_key_never_in_logs_or_config(api, llm, fake):
    token, _ = register(api)
    rid = upload(api, token)
    iv = start(api, token, rid, n=1)
    fake.script({"echo_key": True})
    a = answer(api, token, iv["id"])
    assert a["engine"] == "local" and a["reason"] == "http_4xx", a
    log = llm.log_text(tail=10 ** 7)
    assert "ai_fallback" in log and "Incorrect API key provided: ***" in log
    assert KEY not in log and "SECRET" not in log
    out = llm.cli("config")
    assert out.returncode == 0, out.stderr
    assert b"\nOPENAI_API_KEY=***\n" in out.stdout and KEY.encode() not in out.stdout
    assert b"\nAI_ENGINE=openai\n" in out.stdout


def test_server_without_json_mode(api, llm, fake):
    token, _ = register(api)
    rid = upload(api, token)
    iv = start(api, token, rid, n=2)
    fake.json_mode = False
    try:
        fake.clear()
        assert answer(api, token, iv["id"])["engine"] == "openai"
        first = fake.chat_requests()
        assert "response_format" in first[0]["body"] and "response_format" not in first[1]["body"]
        fake.clear()
        assert answer(api, token, iv["id"])["engine"] == "openai"
        assert all("response_format" not in r["body"] for r in fake.chat_requests())  # remembered
        assert metric(metrics(llm), "ig_ai_json_mode") == 0
    finally:
        fake.json_mode = True


# ---------- timeouts and a dead endpoint ----------

def test_hang_is_cut_at_the_timeout(server_factory):
    fake = FakeOpenAI().start()
    try:
        srv = server_factory(**llm_env(fake, AI_TIMEOUT=2))
        api = srv.client()
        token, _ = register(api)
        rid = upload(api, token)
        iv = start(api, token, rid, n=1)
        fake.script({"hang": 8})
        t0 = time.monotonic()
        a = answer(api, token, iv["id"])
        took = time.monotonic() - t0
        assert a["engine"] == "local" and a["reason"] == "timeout", a
        assert took < 4.5, took
    finally:
        fake.stop()


def test_endpoint_stopped_mid_interview(server_factory):
    fake = FakeOpenAI().start()
    try:
        srv = server_factory(**llm_env(fake))
        api = srv.client()
        token, _ = register(api)
        rid = upload(api, token)
        iv = start(api, token, rid, n=3)
        assert iv["current_question"]["question_text"].startswith(MARK)
        assert answer(api, token, iv["id"])["engine"] == "openai"
    finally:
        fake.stop()
    for _ in range(2):
        a = answer(api, token, iv["id"])
        assert a["engine"] == "local" and a["reason"] in ("connect", "circuit_open"), a
        assert a["score"] is not None
    done = assert_ok(api.post(f"/interviews/{iv['id']}/end", token=token))["data"]
    assert done["status"] == "completed"
    fb = assert_ok(api.get(f"/interviews/{iv['id']}/feedback", token=token))["data"]
    assert fb["engine"] == "local"
    report = done["feedback"]
    assert report["engine"] == "local"
    answers = assert_ok(api.get(f"/interviews/{iv['id']}/answers", token=token))["data"]
    assert [x["engine"] for x in answers] == ["openai", "local", "local"]
    m = metrics(srv)
    assert metric(m, 'ig_ai_fallbacks_total{op="score",reason="connect"}') >= 1
    assert metric(m, 'ig_ai_calls_total{op="report",engine="local"}') == 1
    log = srv.log_text(tail=10 ** 7)
    assert '"event":"ai_fallback"' in log and KEY not in log


# ---------- start-up ----------

def test_refuses_to_start_without_a_key_for_openai(server_factory, fake):
    srv = server_factory(wait=False, AI_ENGINE="openai", OPENAI_API_KEY=None)
    assert srv.wait_exit(30) == 1
    assert "needs an API key" in srv.log_text() and "OPENAI_API_KEY" in srv.log_text()
    # a local server needs none
    local = server_factory(AI_ENGINE="openai", AI_BASE_URL=fake.url, AI_MODEL="qwen2.5:7b")
    api = local.client()
    token, _ = register(api)
    rid = upload(api, token)
    fake.clear()
    start(api, token, rid, n=1)
    r = fake.chat_requests()[-1]
    assert "Authorization" not in r["headers"] and r["body"]["model"] == "qwen2.5:7b"


def test_deepseek_key_alone_selects_deepseek(llm):
    out = llm.cli("config", DEEPSEEK_API_KEY="sk-ds-SECRET", OPENAI_API_KEY="", AI_BASE_URL="")
    text = out.stdout.decode()
    assert out.returncode == 0, out.stderr
    assert "\nAI_BASE_URL=https://api.deepseek.com/v1\n" in text and "\nAI_MODEL=deepseek-chat\n" in text
    assert "sk-ds" not in text and "\nDEEPSEEK_API_KEY=***\n" in text


# ---------- resume refinement ----------

def test_low_confidence_fields_are_refined(api, llm, fake):
    token, _ = register(api)
    refined = {"name": "Ada Lovelace", "email": "ada@example.com", "phone": None,
               "education": [{"school": "University of London", "degree": "Bachelor of Science",
                              "major": "Mathematics", "start": "2010", "end": "2014", "gpa": None}],
               "projects": []}
    fake.clear()
    fake.script({"content": json.dumps(refined)})
    rid = upload(api, token)
    refine_req = [r for r in fake.chat_requests() if tasks([r]) == ["refine"]]
    assert len(refine_req) == 1
    asked = refine_req[0]["body"]["messages"][1]["content"]
    assert '"name"' in asked and "Stripe" in asked
    pr = assert_ok(api.get(f"/resumes/{rid}", token=token))["data"]["parse_result"]
    assert pr["refined_fields"] == ["name", "email", "education"], pr["refined_fields"]
    assert pr["basic_info"]["name"] == "Ada Lovelace" and pr["basic_info"]["email"] == "ada@example.com"
    edu = pr["education"][0]
    assert edu["school"] == "University of London" and edu["degree"] == "bachelor"
    assert edu["degree_raw"] == "Bachelor of Science"
    assert pr["experience"][0]["company"] == "Stripe"  # confident fields are the parser's

    # the model failing: the machine result, silently
    fake.script({"status": 500}, {"status": 500}, {"status": 500})
    rid2 = upload(api, token, RESUME_HTML + "<!-- another file -->")
    pr2 = assert_ok(api.get(f"/resumes/{rid2}", token=token))["data"]["parse_result"]
    assert pr2["refined_fields"] == [] and pr2["basic_info"]["name"] is None


# ---------- speech ----------

def test_spoken_answer_transcribed_by_the_endpoint(server_factory):
    fake = FakeOpenAI().start()
    fake.transcript = "我在 Stripe 按商户拆分了对账任务，延迟降低了百分之四十。"
    c = None
    try:
        srv = server_factory(**llm_env(fake, ASR_ENGINE="openai", ASR_MODEL="whisper-1"))
        api = srv.client()
        token, _ = register(api)
        rid = upload(api, token)
        body = {"resume_id": rid, "interview_type": "technical", "difficulty": "medium", "question_count": 2,
                "language": "zh", "adaptive": False}
        iv = assert_ok(api.post("/interviews", token=token, json=body), 201)["data"]
        q = iv["current_question"]
        c = Recorder(srv, token).connect()
        c.wait("connected")
        assert c.call("join_interview", {"session_id": iv["session_id"]})["success"] is True
        # two seconds of a quiet tone, pcm16, in 100 ms pieces
        pcm = b"".join(struct.pack("<h", (i % 40 - 20) * 50) for i in range(16000 * 2))
        for i in range(0, len(pcm), 3200):
            ack = c.call("audio_stream", {"session_id": iv["session_id"], "audio": pcm[i:i + 3200]}, timeout=30)
            assert ack["success"] is True, ack
        fake.clear()
        ack = c.call("answer_complete", {"session_id": iv["session_id"], "question_id": q["id"]}, timeout=60)
        assert ack["success"] is True, ack
        assert ack["transcript"] == fake.transcript and ack["answer"]["answer_text"] == fake.transcript, ack
        assert ack["engine"] == "openai" and ack["feedback"].startswith(MARK), ack
        assert ack["delivery"]["engine"] == "openai", ack["delivery"]
        up = [r for r in fake.requests if r["path"] == "/v1/audio/transcriptions"]
        assert len(up) == 1, [r["path"] for r in fake.requests]
        raw = up[0]["raw"]
        assert up[0]["headers"]["Authorization"] == f"Bearer {KEY}"
        assert 'name="model"\r\n\r\nwhisper-1' in raw and 'name="language"\r\n\r\nzh' in raw
        assert "RIFF" in raw and "WAVEfmt " in raw
        finals = [t for t in c.named("transcript") if t["is_final"]]
        assert finals and finals[-1]["text"] == fake.transcript, finals
    finally:
        if c is not None:
            c.close()
        fake.stop()

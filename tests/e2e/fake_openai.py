# A fake OpenAI-compatible server for the end-to-end tests: Python's http.server on loopback,
# started by the tests (in-process, FakeOpenAI(), or as a process: `fake_openai.py --port N`).
#
# POST /v1/chat/completions answers each request with the next scripted step, then "good". Steps:
#   "good"         a valid reply for the prompt's task (told by "(prompt <task>.v1)" in the system
#                  message): questions, a score, a follow-up, a report, a refinement, all marked
#                  FAKE-LLM so a test can tell them from the offline engine's
#   "prose"        the good reply inside prose;  "fence": inside a ```json fence
#   "invalid"      JSON cut off mid-object;     "offschema": JSON with out-of-range values
#   "truncated"    the good reply with finish_reason "length"
#   {"content": s}                 exactly s as the message content
#   {"status": 429|500|..., "headers": {...}, "body": ...}   an error reply
#   {"hang": seconds}              no reply for that long (then "good")
#   {"echo_key": true}             a 401 whose message repeats the Authorization header it got
# Without JSON mode (json_mode=False) a request with response_format gets a 400, as from servers
# that lack it. POST /v1/audio/transcriptions answers {"text": transcript}.
# Control endpoint (for a fake in another process): POST /_control/script {"steps": [...]},
# POST /_control/config {"json_mode": bool, "transcript": str}, GET /_control/requests.
# Every request is recorded: path, headers, body (JSON when it parses).
import argparse
import collections
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MARK = "FAKE-LLM"
TASK = re.compile(r"\(prompt ([a-z_]+)\.v\d+\)")


def _user_value(user, *labels):
    """The JSON after 'Label:' (EN) or 'Label：' (ZH) on its line of the user message."""
    for label in labels:
        for sep in (": ", "："):
            i = user.find(label + sep)
            if i >= 0:
                line = user[i + len(label) + len(sep):].split("\n", 1)[0]
                try:
                    return json.loads(line)
                except ValueError:
                    return line
    return None


def good_reply(task, user):
    if task == "generate":
        n = int(_user_value(user, "Number of questions", "题目数量") or 3)
        return {"questions": [{
            "question_text": f"{MARK} question {i + 1}: how would you scale the reconciliation service?",
            "category": "technical", "topic": f"scaling {i + 1}", "skill": "Go", "difficulty": "medium",
            "expected_points": ["measure first", "shard the work"], "follow_ups": ["What breaks first?"],
            "model_answer": f"{MARK} model answer {i + 1}"} for i in range(n)]}
    if task == "score":
        return {"score": 77, "dimensions": {"relevance": 80, "coverage": 75, "depth": 70, "structure": 78,
                                            "clarity": 82},
                "feedback": f"{MARK} feedback: clear and specific.", "strengths": [f"{MARK} strength"],
                "improvements": [f"{MARK} improvement"], "covered_points": [], "missing_points": []}
    if task == "follow_up":
        return {"question_text": f"{MARK} follow-up: what would you measure first?",
                "expected_points": ["latency percentiles"]}
    if task == "report":
        n = int(_user_value(user, "Number of questions", "题目数量") or 0)
        return {"strengths": [f"{MARK} report strength"], "weaknesses": [f"{MARK} report weakness"],
                "suggestions": [f"{MARK} suggestion {i}" for i in (1, 2, 3)],
                "summaries": [f"{MARK} summary {i + 1}" for i in range(n)]}
    if task == "refine":
        fields = _user_value(user, "Fields asked for", "要求的字段") or []
        lists = {"skills", "experience", "education", "projects"}
        return {f: ([] if f in lists else None) for f in fields}
    return {}


class FakeOpenAI:
    def __init__(self, port=0):
        self.lock = threading.Lock()
        self.steps = collections.deque()
        self.requests = []
        self.json_mode = True
        self.transcript = f"{MARK} transcript of the answer"
        self.usage = (100, 50)
        self.conns = set()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.fake = self
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        """Stops listening and drops the kept-alive connections: the next request is refused."""
        if self.thread is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            with self.lock:
                conns = list(self.conns)
            for c in conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.thread = None

    def script(self, *steps):
        with self.lock:
            self.steps.extend(steps)

    def pending(self):
        with self.lock:
            return len(self.steps)

    def chat_requests(self):
        with self.lock:
            return [r for r in self.requests if r["path"].endswith("/chat/completions")]

    def clear(self):
        with self.lock:
            self.requests.clear()
            self.steps.clear()

    def next_step(self):
        with self.lock:
            return self.steps.popleft() if self.steps else "good"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        with self.server.fake.lock:
            self.server.fake.conns.add(self.connection)

    def finish(self):
        with self.server.fake.lock:
            self.server.fake.conns.discard(self.connection)
        super().finish()

    def log_message(self, *args):
        pass

    def _send(self, status, body, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(data)

    def _record(self, body):
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        rec = {"path": self.path, "headers": dict(self.headers.items()), "body": parsed, "raw": body,
               "time": time.monotonic()}
        with self.server.fake.lock:
            self.server.fake.requests.append(rec)
        return parsed

    def do_GET(self):
        fake = self.server.fake
        if self.path == "/_control/requests":
            with fake.lock:
                reqs = [{k: v for k, v in r.items() if k != "raw"} for r in fake.requests]
            self._send(200, reqs)
        else:
            self._send(404, {"error": {"message": "not found"}})

    def do_POST(self):
        fake = self.server.fake
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        if self.path == "/_control/script":
            fake.script(*json.loads(raw)["steps"])
            return self._send(200, {"ok": True})
        if self.path == "/_control/config":
            cfg = json.loads(raw)
            fake.json_mode = cfg.get("json_mode", fake.json_mode)
            fake.transcript = cfg.get("transcript", fake.transcript)
            return self._send(200, {"ok": True})
        if self.path.endswith("/audio/transcriptions"):
            self._record(raw.decode("latin-1"))
            return self._send(200, {"text": fake.transcript})
        if not self.path.endswith("/chat/completions"):
            return self._send(404, {"error": {"message": "not found"}})
        body = self._record(raw.decode("utf-8", "replace")) or {}
        if "response_format" in body and not fake.json_mode:
            return self._send(400, {"error": {"message": "response_format is not supported by this server"}})
        step = fake.next_step()
        if isinstance(step, dict) and "hang" in step:
            time.sleep(step["hang"])
            step = "good"
        if isinstance(step, dict) and "status" in step:
            return self._send(step["status"], step.get("body", {"error": {"message": f"{MARK} error"}}),
                              step.get("headers"))
        if isinstance(step, dict) and step.get("echo_key"):
            auth = self.headers.get("Authorization", "")
            return self._send(401, {"error": {"message": f"Incorrect API key provided: {auth[7:]}"}})
        msgs = body.get("messages") or [{}]
        system = msgs[0].get("content", "")
        user = next((m.get("content", "") for m in msgs if m.get("role") == "user"), "")
        m = TASK.search(system)
        good = json.dumps(good_reply(m.group(1) if m else "", user), ensure_ascii=False)
        finish = "stop"
        if isinstance(step, dict) and "content" in step:
            content = step["content"]
        elif step == "prose":
            content = f"Sure! Here is what you asked for:\n{good}\nLet me know if you need more."
        elif step == "fence":
            content = f"```json\n{good}\n```"
        elif step == "invalid":
            content = good[: len(good) // 2]
        elif step == "offschema":
            content = json.dumps({"score": 150, "dimensions": {"relevance": -5}, "questions": "many",
                                  "strengths": "none"})
        elif step == "truncated":
            content, finish = good, "length"
        else:
            content = good
        p, c = fake.usage
        self._send(200, {"id": "chatcmpl-fake", "object": "chat.completion", "model": body.get("model"),
                         "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                      "finish_reason": finish}],
                         "usage": {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}})


def main():
    ap = argparse.ArgumentParser(description="A fake OpenAI-compatible server for tests.")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    fake = FakeOpenAI(args.port)
    print(fake.url, flush=True)
    fake.httpd.serve_forever()


if __name__ == "__main__":
    main()

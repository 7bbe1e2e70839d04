# Helpers for the Socket.IO end-to-end tests: a small HTML resume parsed to completion and an
# interview started on it (its session_id names the room), python-socketio clients that record what
# they receive, and raw Engine.IO over HTTP polling and WebSocket for what no polite client sends.
import json
import threading
import time
import uuid

import requests
import socketio
import websocket

from conftest import assert_ok

PENDING = ("pending", "processing")
AUTH_FAILED = "认证失败"


def html_resume(name):
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>CV</title></head><body>"
            f"<h1>{name}</h1><p>{name.split()[0].lower()}@example.com</p>"
            f"<h2>Experience</h2><p>Backend engineer at Stripe, 2019-2024: payment services in Python, "
            f"PostgreSQL, Redis and Kubernetes; 分布式系统. {uuid.uuid4().hex}</p>"
            f"<h2>Education</h2><p>Tsinghua University, BSc Computer Science</p>"
            f"<h2>Skills</h2><p>Python, C, SQL, Linux, Docker</p></body></html>").encode()


def upload(api, token, name="Alice Zhang"):
    """Uploads a fresh HTML resume; its id (the parse runs in the background)."""
    r = api.post("/resumes", token=token, files={"file": ("cv.html", html_resume(name), "text/html")})
    assert r.status_code == 201, r.text
    return r.json()["data"]["id"]


def wait_parsed(api, token, rid, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        st = assert_ok(api.get(f"/resumes/{rid}/status", token=token))["data"]
        if st["status"] not in PENDING:
            return st
        assert time.monotonic() < deadline, f"resume {rid} still {st}"
        time.sleep(0.05)


def start_interview(api, token):
    """A parsed resume and an interview on it; the interview (with its session_id)."""
    rid = upload(api, token)
    assert wait_parsed(api, token, rid)["status"] == "completed"
    body = {"resume_id": rid, "interview_type": "mixed", "difficulty": "medium", "question_count": 3,
            "language": "en"}
    return assert_ok(api.post("/interviews", token=token, json=body), 201)["data"]


class Recorder:
    """A python-socketio client that keeps every event it receives, in order."""

    def __init__(self, server, token=None, transports=None, headers=None, auth=None):
        self.events = []
        self.cond = threading.Condition()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", self._any)
        self.sio.on("connect_error", lambda data: self._record("connect_error", data))
        self.server, self.token, self.transports, self.headers = server, token, transports, headers
        self.auth = auth if auth is not None else ({"token": token} if token is not None else None)

    def _any(self, event, *args):
        self._record(event, args[0] if len(args) == 1 else list(args))

    def _record(self, event, data):
        with self.cond:
            self.events.append((event, data))
            self.cond.notify_all()

    def connect(self, wait_timeout=10):
        # python-socketio waits out wait_timeout after a CONNECT_ERROR: refused clients pass a short one
        kw = {"auth": self.auth, "wait_timeout": wait_timeout}
        if self.transports:
            kw["transports"] = self.transports
        if self.headers:
            kw["headers"] = self.headers
        self.sio.connect(self.server.base, **kw)
        return self

    def wait(self, event, timeout=10, where=None):
        """The data of the first event named event (matching where, if given) received so far or within timeout."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for name, data in self.events:
                    if name == event and (where is None or where(data)):
                        return data
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {event!r} within {timeout}s; got {self.events}")
                self.cond.wait(left)

    def named(self, event):
        with self.cond:
            return [d for n, d in self.events if n == event]

    def call(self, event, data, timeout=10):
        return self.sio.call(event, data, timeout=timeout)

    def close(self):
        try:
            self.sio.disconnect()
        except Exception:  # noqa: BLE001 (already gone is fine)
            pass


# ---------- raw Engine.IO ----------

def polling_url(server, sid=None):
    url = f"{server.base}/socket.io/?EIO=4&transport=polling&t={uuid.uuid4().hex[:7]}"
    return url + (f"&sid={sid}" if sid else "")


def ws_url(server, sid=None):
    url = f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket"
    return url + (f"&sid={sid}" if sid else "")


def polling_open(server):
    """A polling handshake; the open packet's data."""
    r = requests.get(polling_url(server), timeout=10)
    assert r.status_code == 200, r.text
    assert r.text[0] == "0", r.text
    return json.loads(r.text[1:])


class RawWS:
    """A WebSocket speaking Engine.IO by hand."""

    def __init__(self, server, sid=None, timeout=10):
        self.ws = websocket.create_connection(ws_url(server, sid), timeout=timeout)

    def send(self, text):
        self.ws.send(text)

    def send_binary(self, data):
        self.ws.send_binary(data)

    def recv(self):
        """The next message; None once the server has closed."""
        try:
            msg = self.ws.recv()
        except (websocket.WebSocketConnectionClosedException, ConnectionResetError, BrokenPipeError):
            return None
        return None if msg in ("", b"") else msg

    def recv_until(self, pred, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = self.recv()
            if m is None:
                raise AssertionError("closed while waiting")
            if m == "2":
                self.send("3")
                continue
            if pred(m):
                return m
        raise AssertionError("timed out")

    def closed_within(self, timeout=5):
        """True when the server closes within timeout (pings answered meanwhile)."""
        deadline = time.monotonic() + timeout
        self.ws.settimeout(0.2)
        while time.monotonic() < deadline:
            try:
                m = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            except (websocket.WebSocketConnectionClosedException, ConnectionResetError, BrokenPipeError, OSError):
                return True
            if m in ("", b""):
                return True
        return False

    def close(self):
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001
            pass


def ws_connect(server, token):
    """A raw WebSocket session with a connected socket; returns (RawWS, socket sid)."""
    w = RawWS(server)
    opened = w.recv()
    assert opened and opened[0] == "0", opened
    w.send("40" + json.dumps({"token": token}))
    ack = w.recv_until(lambda m: m.startswith("40"))
    w.recv_until(lambda m: m.startswith('42["connected"'))
    return w, json.loads(ack[2:])["sid"]

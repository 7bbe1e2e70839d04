# Ops endpoints (/healthz, /readyz, /metrics in Prometheus text format) and the router's 404/405
# answers in the envelope.
import json
import re
import uuid

import pytest
import requests

from conftest import PASSWORD, RawConn, assert_error, assert_json, unique_email

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*')


def parse_metrics(text):
    """[(name, {labels}, value)] from the exposition text; comment lines are skipped."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"unparsable metrics line: {line!r}"
        labels = {}
        if m.group(3):
            pos = 0
            raw = m.group(3)
            while pos < len(raw):
                lm = LABEL.match(raw, pos)
                assert lm, f"bad labels in {line!r}"
                labels[lm.group(1)] = lm.group(2)
                pos = lm.end()
        out.append((m.group(1), labels, float(m.group(4))))
    return out


def scrape(server):
    r = requests.get(server.base + "/metrics", timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain"), r.headers
    return r.text, parse_metrics(r.text)


def value(samples, name, **labels):
    vals = [v for n, l, v in samples if n == name and all(l.get(k) == x for k, x in labels.items())]
    return sum(vals)


def test_healthz(server):
    r = requests.get(server.base + "/healthz", timeout=10)
    assert r.status_code == 200
    body = assert_json(r)
    assert isinstance(body, dict)


def test_readyz(server):
    r = requests.get(server.base + "/readyz", timeout=10)
    assert r.status_code == 200
    assert isinstance(assert_json(r), dict)


def test_metrics_counts_and_histogram(server):
    api = server.client()
    email = unique_email("metrics")
    api.register(email)
    _, before = scrape(server)
    for _ in range(3):
        assert api.post("/auth/login", json={"email": email, "password": PASSWORD}).status_code == 200
    for _ in range(2):
        assert api.post("/auth/login", json={"email": email, "password": "wrong-pass-1"}).status_code == 401
    text, after = scrape(server)

    route = "/api/v1/auth/login"
    for status, n in (("200", 3), ("401", 2)):
        d = value(after, "ig_http_requests_total", route=route, method="POST", status=status) - \
            value(before, "ig_http_requests_total", route=route, method="POST", status=status)
        assert d == n, f"ig_http_requests_total status={status} grew by {d}, want {n}\n{text}"
    assert "# TYPE ig_http_requests_total counter" in text
    assert "# TYPE ig_http_request_duration_seconds histogram" in text

    # the latency histogram of the login route: cumulative buckets ending in +Inf == _count
    groups = {}
    for n, l, v in after:
        if n == "ig_http_request_duration_seconds_bucket" and l.get("route") == route:
            key = tuple(sorted((k, x) for k, x in l.items() if k != "le"))
            groups.setdefault(key, []).append((float("inf") if l["le"] == "+Inf" else float(l["le"]), v))
    assert groups, f"no latency buckets for {route}\n{text}"
    total = 0
    for key, buckets in groups.items():
        buckets.sort()
        assert buckets[-1][0] == float("inf"), buckets
        assert len(buckets) >= 5, buckets
        counts = [v for _, v in buckets]
        assert counts == sorted(counts), f"buckets not cumulative: {buckets}"
        labels = dict(key)
        count = value(after, "ig_http_request_duration_seconds_count", **labels)
        assert counts[-1] == count, (key, counts[-1], count)
        assert value(after, "ig_http_request_duration_seconds_sum", **labels) > 0
        total += count
    assert total >= 5

    assert any(n == "ig_http_requests_in_flight" for n, _, _ in after), text
    assert value(after, "ig_http_requests_in_flight") >= 0
    assert any(n == "ig_workpool_queue_depth" for n, _, _ in after), text
    assert value(after, "ig_workpool_queue_depth") >= 0
    assert value(after, "process_resident_memory_bytes") > 1_000_000


def test_metrics_unmatched_paths_do_not_become_labels(server):
    probe = "probe-" + uuid.uuid4().hex
    for _ in range(2):
        assert requests.get(f"{server.api}/{probe}", timeout=10).status_code == 404
    text, samples = scrape(server)
    assert probe not in text
    assert value(samples, "ig_http_requests_total", status="404") >= 2


def test_404_envelope(server):
    for path in ("/api/v1/nope", "/api/v1/auth/profile/extra", "/definitely-not-here", "/api/v2/auth/login"):
        r = requests.get(server.base + path, timeout=10)
        assert_error(r, 404, "资源不存在")
    r = requests.get(server.api + "/nope", headers={"Accept-Language": "en"}, timeout=10)
    assert_error(r, 404, "Resource not found")
    r = requests.get(server.api + "/nope", headers={"Accept-Language": "en-US,en;q=0.9"}, timeout=10)
    assert_error(r, 404, "Resource not found")
    r = requests.get(server.api + "/nope", headers={"Accept-Language": "zh-CN,zh;q=0.9"}, timeout=10)
    assert_error(r, 404, "资源不存在")


@pytest.mark.parametrize("method,path,allowed", [
    ("GET", "/api/v1/auth/login", {"POST"}),
    ("GET", "/api/v1/auth/register", {"POST"}),
    ("PUT", "/api/v1/auth/refresh", {"POST"}),
    ("DELETE", "/api/v1/auth/profile", {"GET", "PATCH"}),
    ("GET", "/api/v1/auth/account", {"DELETE"}),
])
def test_405_with_allow(server, method, path, allowed):
    r = requests.request(method, server.base + path, timeout=10)
    assert_error(r, 405)
    allow = {m.strip().upper() for m in r.headers.get("Allow", "").split(",") if m.strip()}
    assert allowed <= allow, r.headers.get("Allow")
    assert not ({"PUT", "DELETE", "GET", "POST", "PATCH"} - allowed - {"HEAD", "OPTIONS"}) & allow, allow


def test_head_request_has_no_body(server):
    """HEAD answers without a body: the response pipelined after it parses cleanly."""
    c = RawConn(server.port)
    try:
        c.send("HEAD /healthz HTTP/1.1\r\nHost: t\r\nX-Request-Id: h1\r\n\r\n"
               "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Request-Id: h2\r\n\r\n")
        head = c.read_response(head_request=True)
        assert head.status in (200, 405) and head.header("X-Request-Id") == "h1"
        after = c.read_response()
        assert after.status == 200 and after.header("X-Request-Id") == "h2", after.body[:200]
    finally:
        c.close()


def test_structured_request_log(server_factory):
    """One JSON object per log line; a request line carries time, level, request id, method, path,
    status, duration and the user id; no password or token is ever logged."""
    srv = server_factory(LOG_LEVEL="debug")
    api = srv.client()
    email = unique_email("log")
    reg = api.register(email)
    api.login(email)
    r = api.get("/auth/profile", token=reg["access_token"], headers={"X-Request-Id": "log-probe-1"})
    assert r.status_code == 200
    assert api.get("/nope", headers={"X-Request-Id": "log-probe-2"}).status_code == 404
    assert srv.stop() == 0
    lines = [ln for ln in srv.log_text(tail=10 ** 7).splitlines() if ln.strip()]
    records = []
    for ln in lines:
        try:
            records.append(json.loads(ln))
        except ValueError:
            pytest.fail(f"log line is not JSON: {ln!r}")
    assert all(isinstance(rec, dict) and rec.get("level") and rec.get("time") for rec in records), records

    def find(rid):
        hits = [rec for rec in records if rid in rec.values()]
        assert hits, f"no log line with request id {rid}:\n" + "\n".join(lines)
        return hits[0]

    rec = find("log-probe-1")
    assert rec["method"] == "GET" and rec["path"] == "/api/v1/auth/profile" and rec["status"] == 200, rec
    assert any(k.startswith("duration") and isinstance(v, (int, float)) for k, v in rec.items()), rec
    assert reg["user"]["id"] in rec.values() or str(reg["user"]["id"]) in rec.values(), rec
    assert find("log-probe-2")["status"] == 404
    text = "\n".join(lines)
    assert PASSWORD not in text
    assert reg["access_token"] not in text and reg["refresh_token"] not in text
    assert reg["access_token"].split(".")[2] not in text

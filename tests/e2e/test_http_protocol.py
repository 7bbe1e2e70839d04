# The HTTP/1.1 connection layer over raw sockets: keep-alive, pipelining, Expect: 100-continue,
# chunked bodies, header limits (431), slow-client timeouts, many idle connections, malformed
# requests, HTTP/1.0, and graceful shutdown with a request in flight.
import json
import select
import signal
import time

import pytest

from conftest import PASSWORD, Closed, RawConn, assert_token_shape, send_until_response, unique_email


def get(path, rid=None, extra=""):
    rid_h = f"X-Request-Id: {rid}\r\n" if rid else ""
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{rid_h}{extra}\r\n"


def post_json(path, obj, extra=""):
    body = json.dumps(obj)
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body.encode())}\r\n{extra}\r\n{body}")


@pytest.fixture
def conn(server):
    c = RawConn(server.port)
    yield c
    c.close()


def assert_envelope_error(resp, status):
    assert resp.status == status, (resp.status, resp.body[:300])
    assert resp.header("Content-Type").split(";")[0] == "application/json"
    assert resp.header("X-Request-Id")
    body = resp.json()
    assert body["success"] is False and body["error"]["message"], body
    return body


# ---------- keep-alive and pipelining ----------

def test_keep_alive_two_requests(conn):
    conn.send(get("/healthz", "ka-1"))
    r1 = conn.read_response()
    conn.send(get("/api/v1/nope", "ka-2"))
    r2 = conn.read_response()
    conn.send(get("/healthz", "ka-3"))
    r3 = conn.read_response()
    assert (r1.status, r2.status, r3.status) == (200, 404, 200)
    assert [r.header("X-Request-Id") for r in (r1, r2, r3)] == ["ka-1", "ka-2", "ka-3"]
    assert (r1.header("Connection") or "").lower() != "close"


def test_pipelining_in_order(conn):
    conn.send(get("/healthz", "p1") + get("/api/v1/missing", "p2") + get("/readyz", "p3"))
    resps = [conn.read_response() for _ in range(3)]
    assert [r.header("X-Request-Id") for r in resps] == ["p1", "p2", "p3"]
    assert [r.status for r in resps] == [200, 404, 200]


def test_pipelining_slow_request_first(server, conn):
    """A request that goes to the worker pool (login hashes a password) still answers before
    the quick ones pipelined behind it."""
    email = unique_email("pipe")
    tok = server.client().register(email)["access_token"]
    conn.send(post_json("/api/v1/auth/login", {"email": email, "password": PASSWORD}, "X-Request-Id: s1\r\n")
              + get("/healthz", "s2")
              + get("/api/v1/auth/profile", "s3", f"Authorization: Bearer {tok}\r\n")
              + get("/healthz", "s4"))
    resps = [conn.read_response() for _ in range(4)]
    assert [r.header("X-Request-Id") for r in resps] == ["s1", "s2", "s3", "s4"]
    assert [r.status for r in resps] == [200, 200, 200, 200]
    assert resps[0].json()["data"]["user"]["email"] == email
    assert resps[2].json()["data"]["email"] == email


def test_connection_close_honoured(conn):
    conn.send(get("/healthz", extra="Connection: close\r\n"))
    r = conn.read_response()
    assert r.status == 200
    assert conn.is_closed(3.0)


def test_http10_closes(conn):
    conn.send("GET /healthz HTTP/1.0\r\n\r\n")
    r = conn.read_response()
    assert r.status == 200
    assert r.version in ("HTTP/1.0", "HTTP/1.1")
    assert conn.is_closed(3.0)


# ---------- Expect: 100-continue ----------

def test_expect_100_continue(conn):
    body = json.dumps({"email": unique_email("expect"), "password": PASSWORD})
    conn.send("POST /api/v1/auth/register HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
              f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n")
    interim = conn.read_response()
    assert (interim.version, interim.status) == ("HTTP/1.1", 100)
    conn.send(body)
    final = conn.read_response()
    assert final.status == 201, final.body
    assert final.json()["message"] == "注册成功"


def test_expect_100_over_limit_gets_413_without_100(conn):
    conn.send("POST /api/v1/auth/register HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
              f"Content-Length: {2 * 1024 * 1024}\r\nExpect: 100-continue\r\n\r\n")
    r = conn.read_response()
    assert_envelope_error(r, 413)


# ---------- chunked ----------

def test_chunked_request_body(conn):
    email = unique_email("chunk")
    body = json.dumps({"email": email, "password": PASSWORD}).encode()
    parts = [body[:5], body[5:20], body[20:]]
    chunked = b"".join(b"%x\r\n" % len(p) + p + b"\r\n" for p in parts) + b"0\r\n\r\n"
    conn.send(b"POST /api/v1/auth/register HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n" + chunked)
    r = conn.read_response()
    assert r.status == 201, r.body
    data = r.json()["data"]
    assert data["user"]["email"] == email
    assert_token_shape(data["access_token"])
    # the connection is still usable afterwards
    conn.send(get("/healthz", "after-chunk"))
    assert conn.read_response().header("X-Request-Id") == "after-chunk"


# ---------- header limits ----------

def test_header_64k_is_431(conn):
    big = "a" * (64 * 1024)
    head = f"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: {big}\r\n\r\n".encode()
    pieces = [head[i:i + 8192] for i in range(0, len(head), 8192)]
    r = send_until_response(conn, pieces)
    assert_envelope_error(r, 431)


def test_too_many_headers_is_431(conn):
    extra = "".join(f"X-H-{i}: v\r\n" for i in range(120))
    conn.send(get("/healthz", extra=extra))
    r = conn.read_response()
    assert_envelope_error(r, 431)


def test_many_headers_under_limit_ok(conn):
    extra = "".join(f"X-H-{i}: v\r\n" for i in range(90))
    conn.send(get("/healthz", extra=extra))
    assert conn.read_response().status == 200


# ---------- malformed requests ----------

def test_content_length_and_transfer_encoding_is_400(conn):
    conn.send("POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
              "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
    r = conn.read_response()
    assert r.status == 400
    assert conn.is_closed(3.0)


@pytest.mark.parametrize("line", ["BLAH\r\n\r\n", "GET /healthz HTTP/1.1 extra\r\n\r\n",
                                  "GET\x00 / HTTP/1.1\r\n\r\n", "GET /healthz HTTP/1.1\r\nBad Header\r\n\r\n"])
def test_invalid_request_is_400_and_close(conn, line):
    conn.send(line)
    r = conn.read_response()
    assert r.status == 400
    assert conn.is_closed(3.0)


# ---------- timeouts ----------

@pytest.fixture(scope="module")
def slow_server(module_factory):
    return module_factory(HEADER_TIMEOUT=2000, BODY_IDLE_TIMEOUT=1000, KEEPALIVE_TIMEOUT=1500)


def trickle_until_closed(c, data, interval=1.0, budget=10.0):
    """Sends data one byte per interval; returns seconds until the server closed, or None."""
    start = time.monotonic()
    for i in range(len(data)):
        try:
            c.send(data[i:i + 1])
        except (BrokenPipeError, ConnectionResetError):
            return time.monotonic() - start
        if c.is_closed(interval):
            return time.monotonic() - start
        if time.monotonic() - start > budget:
            return None
    return None


def test_header_trickle_cut_off(slow_server):
    c = RawConn(slow_server.port)
    try:
        req = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: trickle-client/1.0\r\n\r\n"
        assert len(req) > 40  # 40+ s to send it all at one byte per second
        t = trickle_until_closed(c, req)
        assert t is not None, "server kept a header trickling in one byte per second"
        assert 1.2 <= t <= 4.5, t
    finally:
        c.close()


def test_stalled_body_cut_off(slow_server):
    c = RawConn(slow_server.port)
    try:
        c.send("POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
               "Content-Length: 100\r\n\r\n" + '{"email": ')
        t0 = time.monotonic()
        assert c.is_closed(5.0), "stalled body not cut off"
        t = time.monotonic() - t0
        assert 0.7 <= t <= 3.5, t
    finally:
        c.close()


def test_slow_steady_body_succeeds(slow_server):
    """Bytes arriving more often than BODY_IDLE_TIMEOUT keep the body alive past HEADER_TIMEOUT."""
    c = RawConn(slow_server.port)
    try:
        email = unique_email("steady")
        body = json.dumps({"email": email, "password": PASSWORD}).encode()
        c.send("POST /api/v1/auth/register HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n")
        step = (len(body) + 7) // 8
        t0 = time.monotonic()
        for i in range(0, len(body), step):
            c.send(body[i:i + step])
            time.sleep(0.4)
        assert time.monotonic() - t0 > 2.5  # longer than HEADER_TIMEOUT
        r = c.read_response()
        assert r.status == 201, r.body
        assert r.json()["data"]["user"]["email"] == email
    finally:
        c.close()


def test_idle_keepalive_closed(slow_server):
    c = RawConn(slow_server.port)
    try:
        c.send(get("/healthz"))
        assert c.read_response().status == 200
        t0 = time.monotonic()
        assert c.is_closed(5.0), "idle keep-alive connection never closed"
        assert 1.0 <= time.monotonic() - t0 <= 4.0
    finally:
        c.close()


@pytest.fixture(scope="module")
def rate_server(module_factory):
    return module_factory(BODY_TIMEOUT=1000, BODY_MIN_RATE=2000, BODY_IDLE_TIMEOUT=10000)


def test_body_under_min_rate_cut_off(rate_server):
    """Bytes keep arriving (so the idle timer never fires) but at 200 B/s, under BODY_MIN_RATE."""
    c = RawConn(rate_server.port)
    try:
        c.send("POST /api/v1/auth/register HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
               "Content-Length: 5000\r\n\r\n")
        t0 = time.monotonic()
        closed_after = None
        while time.monotonic() - t0 < 8:
            try:
                c.send(b"x" * 20)
            except (BrokenPipeError, ConnectionResetError):
                closed_after = time.monotonic() - t0
                break
            if c.is_closed(0.1):
                closed_after = time.monotonic() - t0
                break
        assert closed_after is not None, "a body trickling under BODY_MIN_RATE was never cut off"
        assert 0.8 <= closed_after <= 4.0, closed_after
    finally:
        c.close()


def test_body_over_min_rate_succeeds(rate_server):
    """A steady body above BODY_MIN_RATE may take longer than BODY_TIMEOUT."""
    email = unique_email("rate")
    body = json.dumps({"email": email, "password": PASSWORD, "username": "steady"}).encode()
    body = body[:-1] + b" " * (10000 - len(body)) + b"}"
    assert len(body) == 10000
    c = RawConn(rate_server.port)
    try:
        c.send("POST /api/v1/auth/register HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n")
        t0 = time.monotonic()
        for i in range(0, len(body), 500):  # ~5,000 B/s for 2 s
            c.send(body[i:i + 500])
            time.sleep(0.1)
        assert time.monotonic() - t0 > 1.5
        r = c.read_response()
        assert r.status == 201, r.body
        assert r.json()["data"]["user"]["email"] == email
    finally:
        c.close()


# ---------- many idle connections ----------

def test_thousand_idle_connections_do_not_block(server_factory):
    srv = server_factory(KEEPALIVE_TIMEOUT=60000, HEADER_TIMEOUT=60000)
    tok = srv.client().register(unique_email("idle"))["access_token"]
    used, bare = [], []
    try:
        for i in range(500):
            c = RawConn(srv.port, timeout=20)
            c.send(get("/healthz", f"idle-{i}"))
            used.append(c)
        for i, c in enumerate(used):
            r = c.read_response()
            assert r.status == 200 and r.header("X-Request-Id") == f"idle-{i}"
        for _ in range(500):
            bare.append(RawConn(srv.port, timeout=20))
        # a fresh client is served promptly
        for i in range(5):
            t0 = time.monotonic()
            c = RawConn(srv.port, timeout=10)
            c.send(get("/api/v1/auth/profile", f"fresh-{i}", f"Authorization: Bearer {tok}\r\n"))
            r = c.read_response()
            elapsed = time.monotonic() - t0
            c.close()
            assert r.status == 200 and r.header("X-Request-Id") == f"fresh-{i}"
            assert elapsed < 1.0, f"fresh client waited {elapsed:.3f}s"
        # and the idle ones were really kept open
        for c in used[::50]:
            c.send(get("/healthz", "again"))
            assert c.read_response().header("X-Request-Id") == "again"
    finally:
        for c in used + bare:
            c.close()


def test_connection_cap(server_factory):
    """Past MAX_CONNECTIONS a new connection is refused (503 or closed), never queued silently;
    once connections close, new ones are served again."""
    srv = server_factory(MAX_CONNECTIONS=20, KEEPALIVE_TIMEOUT=60000)
    held = []
    try:
        for i in range(20):
            c = RawConn(srv.port)
            c.send(get("/healthz", f"cap-{i}"))
            assert c.read_response().status == 200
            held.append(c)
        extra = RawConn(srv.port, timeout=5)
        try:
            try:
                extra.send(get("/healthz", "over-cap"))
                r = extra.read_response()
            except (Closed, BrokenPipeError, ConnectionResetError):
                r = None
            if r is not None:
                assert r.status == 503, r.status
                assert r.json()["success"] is False
                assert extra.is_closed(3.0)
        finally:
            extra.close()
        for c in held[:5]:
            c.close()
        del held[:5]
        time.sleep(0.2)
        c = RawConn(srv.port)
        c.send(get("/healthz", "after-cap"))
        r = c.read_response()
        held.append(c)
        assert r.status == 200 and r.header("X-Request-Id") == "after-cap"
    finally:
        for c in held:
            c.close()


# ---------- graceful shutdown ----------

def test_sigterm_finishes_in_flight_request(server_factory):
    data_dir = server_factory.new_dir("sigterm")
    srv = server_factory(data_dir=data_dir, PWHASH_OPSLIMIT=4, PWHASH_MEMLIMIT=268435456)
    email = unique_email("inflight")
    c = RawConn(srv.port, timeout=60)
    try:
        c.send(post_json("/api/v1/auth/register", {"email": email, "password": PASSWORD}))
        time.sleep(0.15)
        readable, _, _ = select.select([c.sock], [], [], 0)
        assert not readable, "register answered too fast to be in flight; hashing not slowed?"
        srv.signal(signal.SIGTERM)
        r = c.read_response()
        assert r.status == 201, r.body
        assert r.json()["data"]["user"]["email"] == email
    finally:
        c.close()
    assert srv.wait_exit(60) == 0, srv.log_text()
    # the user it created is durable
    again = server_factory(data_dir=data_dir)
    r = again.client().post("/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text

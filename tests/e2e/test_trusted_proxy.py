# TRUSTED_PROXIES: without it X-Forwarded-For is never read (a spoofed header does not escape the
# login rate limit); with it, requests from a trusted proxy are counted and logged under the client
# address the proxy appended (Socket.IO sessions too), each client with its own limit, and a client
# behind the proxy cannot pick another address by writing entries of its own into the header.
# Requests come from chosen loopback source addresses: 127.0.0.1 plays the proxy, other 127.0.0.x
# direct clients.
import collections
import json
import time

import pytest

from conftest import RawConn, raw_request, unique_email

AUTH_LIMIT = 3
LIMITS = dict(RATELIMIT_ENABLED="true", RATELIMIT_DEFAULT="1000 per minute", RATELIMIT_AUTH=f"{AUTH_LIMIT} per minute",
              LOG_LEVEL="info")
PROXY = "127.0.0.1"
SENT = collections.Counter()  # logins sent to each server (by port)


@pytest.fixture(autouse=True)
def _clear_of_window_edge():
    """Fixed windows align to the minute: start well inside one so counts do not reset mid-test."""
    into = time.time() % 60
    if into > 50:
        time.sleep(60.5 - into)


@pytest.fixture(scope="module")
def plain(module_factory):
    return module_factory(**LIMITS)


@pytest.fixture(scope="module")
def proxied(module_factory):
    return module_factory(TRUSTED_PROXIES=f"{PROXY}, ::1, 10.0.0.0/8", **LIMITS)


def login(srv, source_ip, xff=None, extra=None):
    """A failing login (unknown email, so only the per-address bucket fills): the status."""
    headers = dict(extra or {})
    if xff is not None:
        headers["X-Forwarded-For"] = xff
    status, _, data = raw_request(srv.port, "POST", "/api/v1/auth/login", headers=headers, source_ip=source_ip,
                                  body={"email": unique_email("xff"), "password": "wrong-password-1"})
    SENT[srv.port] += 1
    assert status in (401, 429), (status, data[:300])
    return status


def login_lines(srv, source_ip, lines):
    """A failing login with one X-Forwarded-For header line per item of lines: the status."""
    body = json.dumps({"email": unique_email("xff"), "password": "wrong-password-1"})
    head = "".join(f"X-Forwarded-For: {v}\r\n" for v in lines)
    conn = RawConn(srv.port, source_ip=source_ip)
    try:
        conn.send(f"POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {len(body)}\r\n{head}Connection: close\r\n\r\n{body}")
        status = conn.read_response().status
    finally:
        conn.close()
    SENT[srv.port] += 1
    assert status in (401, 429), status
    return status


def logged_ips(srv, n):
    """The client address of the last n login log lines, once every login sent has been logged (a
    request is logged after its response went out)."""
    deadline = time.monotonic() + 10
    while True:
        ips = []
        for line in srv.log_text(tail=10 ** 6).splitlines():
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if ev.get("event") == "request" and ev.get("route") == "/api/v1/auth/login":
                ips.append(ev["ip"])
        if len(ips) >= SENT[srv.port] or time.monotonic() > deadline:
            return ips[-n:]
        time.sleep(0.05)


def test_header_ignored_without_trusted_proxies(plain):
    ip = "127.0.0.41"
    spoofed = [f"198.51.100.{i}" for i in range(AUTH_LIMIT + 2)]
    statuses = [login(plain, ip, xff=s, extra={"X-Real-IP": s}) for s in spoofed]
    assert statuses == [401] * AUTH_LIMIT + [429, 429], statuses
    assert logged_ips(plain, len(spoofed)) == [ip] * len(spoofed)
    # the proxy's address is just another client when nobody is trusted
    statuses = [login(plain, PROXY, xff=s) for s in spoofed]
    assert statuses == [401] * AUTH_LIMIT + [429, 429], statuses


def test_forwarded_clients_get_their_own_limits(proxied):
    a, b = "203.0.113.10", "203.0.113.11"
    statuses = [login(proxied, PROXY, xff=a) for _ in range(AUTH_LIMIT + 1)]
    assert statuses == [401] * AUTH_LIMIT + [429], statuses
    # another client behind the same proxy starts afresh, so does the proxy's own address
    assert login(proxied, PROXY, xff=b) == 401
    assert login(proxied, PROXY) == 401
    assert logged_ips(proxied, AUTH_LIMIT + 3) == [a] * (AUTH_LIMIT + 1) + [b, PROXY]
    # IPv6 clients, with the forms proxies write, are counted under the canonical address
    v6 = ["2001:db8::7", "[2001:DB8:0::7]:4711", "2001:0db8::0007"]
    assert [login(proxied, PROXY, xff=x) for x in v6] == [401] * 3
    assert login(proxied, PROXY, xff="2001:db8::7") == 429
    assert logged_ips(proxied, 4) == ["2001:db8::7"] * 4


def test_chain_of_trusted_proxies(proxied):
    client = "203.0.113.20"
    # the client, then a trusted proxy in front of nginx, then nginx itself appended the last hop
    statuses = [login(proxied, PROXY, xff=f"{client}, 10.1.2.3") for _ in range(AUTH_LIMIT + 1)]
    assert statuses == [401] * AUTH_LIMIT + [429], statuses
    assert logged_ips(proxied, 1) == [client]


def test_client_cannot_spoof_by_prepending(proxied):
    client = "203.0.113.30"
    # nginx's $proxy_add_x_forwarded_for keeps what the client sent and appends the real address
    forged = ["198.51.100.1", "198.51.100.2, 10.0.0.1", "127.0.0.1", "garbage, 198.51.100.3", "::1"]
    statuses = [login(proxied, PROXY, xff=f"{f}, {client}") for f in forged]
    assert statuses == [401] * AUTH_LIMIT + [429, 429], statuses
    assert logged_ips(proxied, len(forged)) == [client] * len(forged)


def test_header_lines_are_one_list(proxied):
    client = "203.0.113.60"
    # a client's own X-Forwarded-For line comes first; the proxy's line, or its end, is the last
    statuses = [login_lines(proxied, PROXY, [f"198.51.100.{i}", client]) for i in range(AUTH_LIMIT)]
    statuses.append(login_lines(proxied, PROXY, ["198.51.100.9, 10.0.0.1", f"{client}, 10.0.0.2"]))
    assert statuses == [401] * AUTH_LIMIT + [429], statuses
    assert logged_ips(proxied, AUTH_LIMIT + 1) == [client] * (AUTH_LIMIT + 1)


def test_untrusted_peer_cannot_use_the_header(proxied):
    ip = "127.0.0.42"
    statuses = [login(proxied, ip, xff=f"203.0.113.{40 + i}") for i in range(AUTH_LIMIT + 1)]
    assert statuses == [401] * AUTH_LIMIT + [429], statuses
    assert logged_ips(proxied, AUTH_LIMIT + 1) == [ip] * (AUTH_LIMIT + 1)


def test_garbage_from_the_proxy_falls_back_to_the_peer(proxied):
    # what the proxy wrote is no address: the request is the proxy's own
    assert login(proxied, PROXY, xff="unknown") in (401, 429)
    assert login(proxied, PROXY, xff="203.0.113.50, " + "9" * 100) in (401, 429)
    assert logged_ips(proxied, 2) == [PROXY, PROXY]


def test_socketio_session_records_the_client(proxied):
    client = "203.0.113.70"
    hdrs = {"X-Forwarded-For": f"198.51.100.70, {client}"}
    status, _, data = raw_request(proxied.port, "GET", "/socket.io/?EIO=4&transport=polling", headers=hdrs,
                                  source_ip=PROXY)
    assert status == 200, data
    sid = json.loads(data[1:])["sid"]
    # a CONNECT without a token is refused, and the refusal is logged with the session's address
    status, _, data = raw_request(proxied.port, "POST", f"/socket.io/?EIO=4&transport=polling&sid={sid}",
                                  headers=dict(hdrs, **{"Content-Type": "text/plain;charset=UTF-8"}), body=b"40",
                                  source_ip=PROXY)
    assert status == 200, data
    deadline = time.monotonic() + 10
    while True:
        events = [json.loads(line) for line in proxied.log_text(tail=10 ** 6).splitlines() if sid in line]
        refused = [e for e in events if e.get("event") == "rt_refused"]
        if refused or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert refused and refused[0]["ip"] == client, events


def test_invalid_setting_refuses_to_start(server_factory):
    srv = server_factory(wait=False, TRUSTED_PROXIES="127.0.0.1, nginx")
    rc = srv.wait_exit(timeout=30)
    assert rc not in (0, None), rc
    log = srv.log_text()
    assert "TRUSTED_PROXIES" in log and "item 2" in log, log

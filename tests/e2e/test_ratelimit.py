# Rate limits: the default per-IP limit with its headers, the stricter per-IP and per-email limits on
# login and register, and the unlimited ops endpoints. Each test uses its own loopback source
# address (127.0.0.x) so the per-IP buckets do not interfere.
import json
import time

import pytest

from conftest import PASSWORD, raw_request, unique_email

JWT_KEY = "ratelimit-jwt-secret-" + "j" * 40
SECRET_KEY = "ratelimit-app-secret-" + "a" * 40
KEYS = dict(JWT_SECRET_KEY=JWT_KEY, SECRET_KEY=SECRET_KEY)


@pytest.fixture(scope="module")
def limited(module_factory):
    """Users are created on an unlimited server first, so the limited one starts with empty buckets."""
    data_dir = module_factory.new_dir("ratelimit")
    setup = module_factory(data_dir=data_dir, **KEYS)
    api = setup.client()
    users = {name: unique_email(name) for name in ("profile", "victim", "ip1", "ip2", "ip3", "ip4")}
    tokens = {name: api.register(email)["access_token"] for name, email in users.items()}
    assert setup.stop() == 0
    srv = module_factory(data_dir=data_dir, RATELIMIT_ENABLED="true",
                         RATELIMIT_DEFAULT="5 per minute", RATELIMIT_AUTH="3 per minute", **KEYS)
    return srv, users, tokens


@pytest.fixture(autouse=True)
def _clear_of_window_edge():
    """Fixed windows may align to the minute: a test that straddles a boundary would see its
    counts reset, so start well inside a window."""
    into = time.time() % 60
    if into > 55:
        time.sleep(60.5 - into)


def call(srv, method, path, ip, token=None, body=None, lang=None):
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if lang:
        headers["Accept-Language"] = lang
    status, hdrs, data = raw_request(srv.port, method, "/api/v1" + path if path.startswith("/auth") else path,
                                     headers=headers, body=body if body is not None else b"",
                                     source_ip=ip)
    return status, hdrs, data


def assert_429(status, hdrs, data, message="请求过于频繁"):
    assert status == 429, (status, data[:300])
    assert hdrs["content-type"].split(";")[0] == "application/json"
    body = json.loads(data)
    assert body["success"] is False and body["error"]["message"] == message, body
    retry = int(hdrs["retry-after"])
    assert 1 <= retry <= 60, retry
    assert hdrs["x-ratelimit-remaining"] == "0"
    assert "x-ratelimit-limit" in hdrs and "x-ratelimit-reset" in hdrs
    return body


def assert_reset(value):
    reset = int(value)
    now = time.time()
    # either seconds until reset, or the epoch second of the reset (Flask-Limiter sends the latter)
    assert 0 <= reset <= 61 or now - 1 <= reset <= now + 61, reset


def test_default_limit_headers_and_429(limited):
    srv, _, tokens = limited
    ip = "127.0.0.2"
    remaining = []
    for _ in range(5):
        status, hdrs, data = call(srv, "GET", "/auth/profile", ip, token=tokens["profile"])
        assert status == 200, data
        assert hdrs["x-ratelimit-limit"] == "5"
        assert_reset(hdrs["x-ratelimit-reset"])
        remaining.append(int(hdrs["x-ratelimit-remaining"]))
    assert remaining == [4, 3, 2, 1, 0]
    status, hdrs, data = call(srv, "GET", "/auth/profile", ip, token=tokens["profile"])
    assert_429(status, hdrs, data)
    assert hdrs["x-ratelimit-limit"] == "5"
    assert_reset(hdrs["x-ratelimit-reset"])
    assert hdrs.get("x-request-id")
    status, hdrs, data = call(srv, "GET", "/auth/profile", ip, token=tokens["profile"], lang="en")
    assert_429(status, hdrs, data, "Too many requests")
    # another client address is unaffected
    status, hdrs, _ = call(srv, "GET", "/auth/profile", "127.0.0.3", token=tokens["profile"])
    assert status == 200 and hdrs["x-ratelimit-remaining"] == "4"


def test_ops_endpoints_not_limited(limited):
    srv, _, _ = limited
    for path in ("/healthz", "/metrics"):
        for _ in range(12):
            status, _, _ = call(srv, "GET", path, "127.0.0.4")
            assert status == 200, path


def test_login_limit_per_email(limited):
    """Attempts on one account from many addresses are limited by the email bucket."""
    srv, users, _ = limited
    email = users["victim"]
    attempts = [("127.0.0.10", "wrong-password-1", 401), ("127.0.0.11", "wrong-password-2", 401),
                ("127.0.0.12", PASSWORD, 200)]
    for ip, pw, want in attempts:
        status, _, data = call(srv, "POST", "/auth/login", ip, body={"email": email, "password": pw})
        assert status == want, data
    status, hdrs, data = call(srv, "POST", "/auth/login", "127.0.0.13",
                              body={"email": email, "password": PASSWORD})
    assert_429(status, hdrs, data)
    # the email bucket also catches the email written differently
    status, hdrs, data = call(srv, "POST", "/auth/login", "127.0.0.14",
                              body={"email": email.upper(), "password": PASSWORD})
    assert status == 429, data
    # other accounts from a fresh address still log in
    status, _, data = call(srv, "POST", "/auth/login", "127.0.0.15",
                           body={"email": users["ip4"], "password": PASSWORD})
    assert status == 200, data


def test_login_limit_per_ip(limited):
    srv, users, _ = limited
    ip = "127.0.0.20"
    for name in ("ip1", "ip2", "ip3"):
        status, hdrs, data = call(srv, "POST", "/auth/login", ip,
                                  body={"email": users[name], "password": PASSWORD})
        assert status == 200, data
        assert hdrs["x-ratelimit-limit"] == "3"
    status, hdrs, data = call(srv, "POST", "/auth/login", ip,
                              body={"email": users["ip4"], "password": PASSWORD})
    assert_429(status, hdrs, data)


def test_register_limit_per_ip(limited):
    srv, _, _ = limited
    ip = "127.0.0.30"
    for _ in range(3):
        status, _, data = call(srv, "POST", "/auth/register", ip,
                               body={"email": unique_email("rl"), "password": PASSWORD})
        assert status == 201, data
    status, hdrs, data = call(srv, "POST", "/auth/register", ip,
                              body={"email": unique_email("rl"), "password": PASSWORD})
    assert_429(status, hdrs, data)


def test_disabled_by_default_in_tests(server):
    """With RATELIMIT_ENABLED=false nothing is limited."""
    api = server.client()
    tok = api.register(unique_email("nolimit"))["access_token"]
    for _ in range(30):
        assert api.profile_status(tok) == 200

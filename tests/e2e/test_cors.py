# CORS on /api/*: preflight answers and actual responses, with the default "*" and with a
# configured origin list (where other origins get no Access-Control-Allow-Origin).
import pytest
import requests

from conftest import PASSWORD, unique_email

APP = "https://app.example"
EVIL = "https://evil.example"


def preflight(base, origin, path="/api/v1/auth/login", method="POST",
              req_headers="Authorization, Content-Type"):
    return requests.options(base + path, headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": req_headers}, timeout=10)


def tokens(value):
    return {t.strip().lower() for t in (value or "").split(",") if t.strip()}


def assert_preflight_ok(r, origin, allowed_origin_values):
    assert r.status_code == 204, (r.status_code, r.text)
    assert r.headers.get("Access-Control-Allow-Origin") in allowed_origin_values, r.headers
    methods = tokens(r.headers.get("Access-Control-Allow-Methods"))
    assert "post" in methods, r.headers
    hdrs = tokens(r.headers.get("Access-Control-Allow-Headers"))
    assert {"authorization", "content-type"} <= hdrs or "*" in hdrs, r.headers
    assert int(r.headers["Access-Control-Max-Age"]) > 0
    assert r.content == b""


@pytest.fixture(scope="module")
def restricted(module_factory):
    return module_factory(CORS_ORIGINS=f"{APP},https://other.example")


# ---------- default: any origin ----------

def test_preflight_default_any_origin(server):
    r = preflight(server.base, APP)
    assert_preflight_ok(r, APP, {"*", APP})


def test_preflight_patch_on_profile(server):
    r = preflight(server.base, APP, path="/api/v1/auth/profile", method="PATCH")
    assert r.status_code == 204
    assert "patch" in tokens(r.headers.get("Access-Control-Allow-Methods"))


def test_actual_response_default(server):
    r = requests.post(server.api + "/auth/login", json={"email": unique_email(), "password": PASSWORD},
                      headers={"Origin": EVIL}, timeout=10)
    assert r.status_code == 401
    assert r.headers.get("Access-Control-Allow-Origin") in ("*", EVIL)


# ---------- configured origins ----------

def test_preflight_allowed_origin(restricted):
    r = preflight(restricted.base, APP)
    assert_preflight_ok(r, APP, {APP})
    r = preflight(restricted.base, "https://other.example")
    assert r.headers.get("Access-Control-Allow-Origin") == "https://other.example"


def test_preflight_disallowed_origin(restricted):
    r = preflight(restricted.base, EVIL)
    assert "Access-Control-Allow-Origin" not in r.headers, r.headers
    assert "Access-Control-Allow-Credentials" not in r.headers
    # a near miss is not a match either
    r = preflight(restricted.base, APP + ".evil.example")
    assert "Access-Control-Allow-Origin" not in r.headers, r.headers
    r = preflight(restricted.base, "http://app.example")
    assert "Access-Control-Allow-Origin" not in r.headers, r.headers


def test_actual_response_allowed_origin(restricted):
    api = restricted.client()
    tok = api.register(unique_email("cors"))["access_token"]
    r = requests.get(restricted.api + "/auth/profile",
                     headers={"Origin": APP, "Authorization": f"Bearer {tok}"}, timeout=10)
    assert r.status_code == 200
    assert r.headers.get("Access-Control-Allow-Origin") == APP
    assert "origin" in tokens(r.headers.get("Vary"))
    # error responses carry it too, so the browser can read the envelope
    r = requests.get(restricted.api + "/auth/profile", headers={"Origin": APP}, timeout=10)
    assert r.status_code == 401
    assert r.headers.get("Access-Control-Allow-Origin") == APP


def test_actual_response_disallowed_origin(restricted):
    r = requests.post(restricted.api + "/auth/login", json={"email": unique_email(), "password": PASSWORD},
                      headers={"Origin": EVIL}, timeout=10)
    assert r.status_code == 401
    assert "Access-Control-Allow-Origin" not in r.headers
    r = requests.get(restricted.base + "/healthz", headers={"Origin": EVIL}, timeout=10)
    assert r.status_code == 200
    assert "Access-Control-Allow-Origin" not in r.headers

# Register and login: success shapes, messages in both languages, validation details, body handling
# (malformed/empty/non-object JSON, 415, 413) and no user enumeration on login.
import json
import statistics
import time

import pytest

from conftest import (PASSWORD, RawConn, assert_error, assert_json, assert_ok, assert_token_shape,
                      assert_user, send_until_response, unique_email)

MIB = 1024 * 1024


# ---------- register ----------

def test_register_success_shape(api):
    email = unique_email("reg")
    r = api.post("/auth/register", json={"email": email, "password": PASSWORD, "username": "Alice"})
    body = assert_ok(r, 201, "注册成功")
    data = body["data"]
    _, access, _ = assert_token_shape(data["access_token"])
    _, refresh, _ = assert_token_shape(data["refresh_token"])
    assert access["type"] == "access" and refresh["type"] == "refresh"
    user = data["user"]
    assert_user(user, email)
    assert user["username"] == "Alice"
    assert user["avatar_url"] is None
    assert access["sub"] == str(user["id"])
    assert "password_hash" not in r.text and PASSWORD not in r.text


def test_register_english_message(api_en):
    r = api_en.post("/auth/register", json={"email": unique_email(), "password": PASSWORD})
    assert_ok(r, 201, "Registration successful")


def test_register_without_username(api):
    r = api.post("/auth/register", json={"email": unique_email(), "password": PASSWORD})
    body = assert_ok(r, 201)
    assert body["data"]["user"]["username"] is None


def test_register_normalises_email(api):
    local = unique_email("MiXeD").split("@")[0]
    r = api.post("/auth/register", json={"email": f"  {local.upper()}@Example.COM  ",
                                         "password": PASSWORD})
    body = assert_ok(r, 201)
    assert body["data"]["user"]["email"] == f"{local.lower()}@example.com"
    login = api.post("/auth/login", json={"email": f"{local.lower()}@example.com", "password": PASSWORD})
    assert_ok(login, 200)


def test_register_duplicate_email(api, api_en):
    email = unique_email("dup")
    api.register(email)
    assert_error(api.post("/auth/register", json={"email": email, "password": PASSWORD}),
                 409, "邮箱已被注册")
    assert_error(api_en.post("/auth/register", json={"email": email, "password": PASSWORD}),
                 409, "Email already registered")


def test_register_duplicate_differs_in_case_and_spaces(api):
    email = unique_email("dupcase")
    api.register(email)
    r = api.post("/auth/register", json={"email": f"  {email.upper()} ", "password": PASSWORD})
    assert_error(r, 409, "邮箱已被注册")


def test_register_password_min_length(api, api_en):
    r = api.post("/auth/register", json={"email": unique_email(), "password": "1234567"})
    assert_error(r, 400, "数据验证失败", fields=["password"])
    r = api_en.post("/auth/register", json={"email": unique_email(), "password": "1234567"})
    assert_error(r, 400, "Validation failed", fields=["password"])
    # exactly the minimum is accepted
    assert_ok(api.post("/auth/register", json={"email": unique_email(), "password": "12345678"}), 201)


@pytest.mark.parametrize("bad", ["not-an-email", "a@", "@example.com", "a b@example.com", "",
                                 "x" * 250 + "@example.com"])
def test_register_bad_email(api, bad):
    r = api.post("/auth/register", json={"email": bad, "password": PASSWORD})
    body = assert_error(r, 400, "数据验证失败", fields=["email"])
    assert "password" not in body["error"]["details"]


def test_register_missing_fields_named(api):
    r = api.post("/auth/register", json={"username": "nobody"})
    assert_error(r, 400, "数据验证失败", fields=["email", "password"])
    r = api.post("/auth/register", json={"email": unique_email()})
    body = assert_error(r, 400, fields=["password"])
    assert "email" not in body["error"]["details"]


@pytest.mark.parametrize("patch,field", [
    ({"email": 123}, "email"),
    ({"password": 12345678}, "password"),
    ({"username": []}, "username"),
    ({"username": {"a": 1}}, "username"),
    ({"email": None}, "email"),
])
def test_register_wrong_types(api, patch, field):
    body = {"email": unique_email(), "password": PASSWORD}
    body.update(patch)
    assert_error(api.post("/auth/register", json=body), 400, "数据验证失败", fields=[field])


def test_register_username_too_long(api):
    r = api.post("/auth/register", json={"email": unique_email(), "password": PASSWORD,
                                         "username": "u" * 101})
    assert_error(r, 400, fields=["username"])


# ---------- request bodies ----------

def test_malformed_json(api, api_en):
    hdr = {"Content-Type": "application/json"}
    r = api.post("/auth/register", data=b'{"email": "a@b.com", ', headers=hdr)
    assert_error(r, 400, "请求体不是有效的JSON")
    r = api_en.post("/auth/login", data=b"{not json}", headers=hdr)
    assert_error(r, 400, "Request body is not valid JSON")


def test_empty_body(api, api_en):
    hdr = {"Content-Type": "application/json"}
    assert_error(api.post("/auth/register", data=b"", headers=hdr), 400, "请求体不能为空")
    assert_error(api_en.post("/auth/login", data=b"", headers=hdr), 400, "Request body must not be empty")


@pytest.mark.parametrize("raw", [b"[]", b'"x"', b"42", b"null", b'[{"email": "a@b.com"}]'])
def test_json_not_an_object(api, raw):
    r = api.post("/auth/register", data=raw, headers={"Content-Type": "application/json"})
    assert_error(r, 400)


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=xyz"])
def test_non_json_content_type_is_415(api, ctype):
    payload = json.dumps({"email": unique_email(), "password": PASSWORD}).encode()
    r = api.post("/auth/register", data=payload, headers={"Content-Type": ctype})
    assert_error(r, 415)


def test_json_content_type_with_charset_accepted(api):
    payload = json.dumps({"email": unique_email(), "password": PASSWORD}).encode()
    r = api.post("/auth/register", data=payload,
                 headers={"Content-Type": "application/json; charset=utf-8"})
    assert_ok(r, 201)


def test_body_over_limit_by_content_length_is_413(server):
    c = RawConn(server.port)
    try:
        c.send("POST /api/v1/auth/register HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
               f"Content-Length: {MIB + 1}\r\n\r\n")
        resp = c.read_response()  # decided from Content-Length, before any body byte is sent
        assert resp.status == 413
        assert resp.header("Content-Type").startswith("application/json")
        body = resp.json()
        assert body["success"] is False and body["error"]["message"]
    finally:
        c.close()


def test_body_over_limit_chunked_is_413(server):
    c = RawConn(server.port)
    try:
        head = ("POST /api/v1/auth/register HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n")
        piece = b"x" * 65536
        chunk = b"%x\r\n" % len(piece) + piece + b"\r\n"
        pieces = [head.encode(), b'8\r\n{"pad":"\r\n'] + [chunk] * 40  # 2.5 MiB
        resp = send_until_response(c, pieces)
        assert resp.status == 413
        assert resp.json()["success"] is False
    finally:
        c.close()


def test_body_just_under_limit_is_not_413(api):
    body = {"email": unique_email(), "password": PASSWORD, "pad": "p" * (MIB - 200)}
    raw = json.dumps(body).encode()
    assert len(raw) < MIB
    r = api.post("/auth/register", data=raw, headers={"Content-Type": "application/json"})
    assert r.status_code in (201, 400), r.text[:300]  # unknown field accepted or rejected, not 413
    assert_json(r)


# ---------- login ----------

def test_login_success_sets_last_login(api, api_en):
    email = unique_email("login")
    reg = api.register(email)
    r = api.post("/auth/login", json={"email": email, "password": PASSWORD})
    data = assert_ok(r, 200, "登录成功")["data"]
    assert_token_shape(data["access_token"])
    assert_token_shape(data["refresh_token"])
    assert_user(data["user"], email)
    assert data["user"]["id"] == reg["user"]["id"]
    assert data["user"]["last_login_at"] is not None
    prof = assert_ok(api.get("/auth/profile", token=data["access_token"]))["data"]
    assert prof["last_login_at"] is not None
    r = api_en.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert_ok(r, 200, "Login successful")


def test_login_email_case_insensitive(api):
    email = unique_email("case")
    api.register(email)
    assert_ok(api.post("/auth/login", json={"email": email.upper(), "password": PASSWORD}), 200)


def test_login_wrong_password_and_unknown_email_identical(api, api_en):
    email = unique_email("enum")
    api.register(email)
    wrong = api.post("/auth/login", json={"email": email, "password": "wrong-password-1"})
    unknown = api.post("/auth/login", json={"email": unique_email("ghost"), "password": PASSWORD})
    b1 = assert_error(wrong, 401, "邮箱或密码错误")
    b2 = assert_error(unknown, 401, "邮箱或密码错误")
    assert b1 == b2
    assert_error(api_en.post("/auth/login", json={"email": email, "password": "nope-nope-1"}),
                 401, "Invalid email or password")
    assert_error(api_en.post("/auth/login", json={"email": unique_email(), "password": "x" * 9}),
                 401, "Invalid email or password")


def test_login_validation(api):
    assert_error(api.post("/auth/login", json={"password": PASSWORD}), 400, "数据验证失败", fields=["email"])
    assert_error(api.post("/auth/login", json={"email": unique_email()}), 400, fields=["password"])
    assert_error(api.post("/auth/login", json={"email": 5, "password": PASSWORD}), 400, fields=["email"])


def test_login_does_equal_work_for_unknown_email(server_factory):
    """No enumeration by timing: an unknown email costs a (dummy) hash like a wrong password."""
    srv = server_factory(PWHASH_OPSLIMIT=3, PWHASH_MEMLIMIT=64 * MIB)
    api = srv.client()
    email = unique_email("timing")
    api.register(email)

    def timed(e, p):
        t = time.perf_counter()
        r = api.post("/auth/login", json={"email": e, "password": p})
        assert r.status_code == 401
        return time.perf_counter() - t

    wrong = statistics.median(timed(email, "wrong-password-1") for _ in range(3))
    ghost = statistics.median(timed(unique_email("ghost"), "wrong-password-1") for _ in range(3))
    assert wrong > 0.02, f"hashing suspiciously fast ({wrong:.4f}s); PWHASH_* not applied?"
    assert ghost > 0.5 * wrong, f"unknown email {ghost:.4f}s vs wrong password {wrong:.4f}s"


# ---------- request ids ----------

def test_request_id_echoed_and_generated(api):
    r = api.get("/auth/profile", headers={"X-Request-Id": "req-123.abc_XYZ"})
    assert r.status_code == 401
    assert r.headers["X-Request-Id"] == "req-123.abc_XYZ"
    a = api.post("/auth/login", json={"email": unique_email(), "password": PASSWORD})
    b = api.post("/auth/login", json={"email": unique_email(), "password": PASSWORD})
    assert a.headers.get("X-Request-Id") and b.headers.get("X-Request-Id")
    assert a.headers["X-Request-Id"] != b.headers["X-Request-Id"]


@pytest.mark.parametrize("bad", ["x" * 129, "has space", "semi;colon", "quote\"d"])
def test_insane_request_id_replaced(api, bad):
    r = api.get("/auth/profile", headers={"X-Request-Id": bad})
    rid = r.headers.get("X-Request-Id")
    assert rid and rid != bad
    assert len(rid) <= 128

# JWTs: claims, every rejection (alg none, other algs, other keys, tampering, expiry, wrong type),
# refresh rotation with family revocation on reuse, and logout.
import hashlib
import json
import re
import time
import uuid

import pytest

from conftest import (PASSWORD, assert_error, assert_ok, assert_token_shape, b64u, jwt_parts,
                      jwt_resign_raw, jwt_sign, unique_email)

JWT_KEY = "e2e-jwt-secret-" + "k" * 40
SECRET_KEY = "e2e-app-secret-" + "s" * 40


@pytest.fixture(scope="module")
def server(module_factory):
    # A known JWT key lets the tests sign tokens the server must still refuse.
    return module_factory(JWT_SECRET_KEY=JWT_KEY, SECRET_KEY=SECRET_KEY)


@pytest.fixture
def session(api):
    email = unique_email("tok")
    data = api.register(email)
    return email, data


def assert_401(resp):
    return assert_error(resp, 401)


# ---------- claims ----------

def test_claims(session):
    email, data = session
    h, access, _ = assert_token_shape(data["access_token"])
    rh, refresh, _ = assert_token_shape(data["refresh_token"])
    assert h["alg"] == "HS256" and rh["alg"] == "HS256"
    uid = data["user"]["id"]
    for claims, typ in ((access, "access"), (refresh, "refresh")):
        assert claims["sub"] == str(uid)
        assert claims["type"] == typ
        assert isinstance(claims["jti"], str) and claims["jti"]
        assert isinstance(claims["iat"], int) and isinstance(claims["exp"], int)
        assert abs(claims["iat"] - time.time()) < 120
        assert claims["fam"]
    assert access["email"] == email
    assert access["jti"] != refresh["jti"]
    assert access["fam"] == refresh["fam"]
    assert 86400 - 120 <= access["exp"] - access["iat"] <= 86400 + 5
    assert 2592000 - 120 <= refresh["exp"] - refresh["iat"] <= 2592000 + 5


def test_signed_with_configured_key(session):
    """Our forging is faithful: HS256 over the token's own bytes with JWT_SECRET_KEY matches."""
    _, data = session
    for tok in (data["access_token"], data["refresh_token"]):
        assert jwt_resign_raw(tok, JWT_KEY.encode()) == tok.split(".")[2]


def test_valid_token_accepted(api, session):
    email, data = session
    r = api.get("/auth/profile", token=data["access_token"])
    assert assert_ok(r)["data"]["email"] == email


# ---------- rejections ----------

def test_missing_authorization(api):
    body = assert_401(api.get("/auth/profile"))
    assert body["error"]["message"]


@pytest.mark.parametrize("value", ["Bearer abc", "Bearer ", "Bearer a.b.c", "Basic dXNlcjpwYXNz",
                                   "abc", "Bearer " + "x" * 5000])
def test_garbage_authorization(api, value):
    assert_401(api.get("/auth/profile", headers={"Authorization": value}))


def test_alg_none_rejected(api, session):
    _, data = session
    h, p, _ = jwt_parts(data["access_token"])
    for alg in ("none", "None", "NONE"):
        forged = jwt_sign({"alg": alg, "typ": "JWT"}, p, None)
        assert_401(api.get("/auth/profile", token=forged))
    # "none" header but a valid HS256 signature appended
    forged = jwt_sign({"alg": "none", "typ": "JWT"}, p, JWT_KEY.encode())
    assert_401(api.get("/auth/profile", token=forged))


def test_other_algs_rejected_even_with_right_key(api, session):
    _, data = session
    h, p, _ = jwt_parts(data["access_token"])
    key = JWT_KEY.encode()
    for alg, digest in (("HS512", hashlib.sha512), ("HS384", hashlib.sha384)):
        forged = jwt_sign({"alg": alg, "typ": "JWT"}, p, key, digest)
        assert_401(api.get("/auth/profile", token=forged))
    # RS256 header with an HMAC signature (key-confusion attempt)
    forged = jwt_sign({"alg": "RS256", "typ": "JWT"}, p, key)
    assert_401(api.get("/auth/profile", token=forged))


def test_signed_with_another_key(api, session):
    _, data = session
    h, p, _ = jwt_parts(data["access_token"])
    forged = jwt_sign(h, p, b"some-other-key-" + b"z" * 40)
    assert_401(api.get("/auth/profile", token=forged))


def test_tampered_payload(api, server, session):
    _, data = session
    other = server.client().register(unique_email("victim"))
    tok = data["access_token"]
    h, p, sig = tok.split(".")
    claims = jwt_parts(tok)[1]
    claims["sub"] = str(other["user"]["id"])
    tampered = h + "." + b64u(json.dumps(claims, separators=(",", ":")).encode()) + "." + sig
    assert_401(api.get("/auth/profile", token=tampered))
    # signature bit-flip
    flipped = tok[:-2] + ("A" if tok[-2] != "A" else "B") + tok[-1]
    assert_401(api.get("/auth/profile", token=flipped))


def test_forged_expired_token_with_right_key(api, session):
    _, data = session
    h, p, _ = jwt_parts(data["access_token"])
    now = int(time.time())
    p.update(iat=now - 7200, exp=now - 3600, jti=uuid.uuid4().hex)
    assert_401(api.get("/auth/profile", token=jwt_sign(h, p, JWT_KEY.encode())))


def test_forged_missing_exp_or_type_rejected(api, session):
    _, data = session
    h, p, _ = jwt_parts(data["access_token"])
    for drop in ("exp", "type", "sub"):
        q = {k: v for k, v in p.items() if k != drop}
        q["jti"] = uuid.uuid4().hex
        assert_401(api.get("/auth/profile", token=jwt_sign(h, q, JWT_KEY.encode())))


def test_refresh_token_used_as_access(api, session):
    _, data = session
    assert_401(api.get("/auth/profile", token=data["refresh_token"]))


def test_access_token_used_as_refresh(api, session):
    _, data = session
    assert_401(api.post("/auth/refresh", token=data["access_token"]))
    assert_401(api.post("/auth/refresh", json={"refresh_token": data["access_token"]}))


def test_expired_access_token(server_factory):
    srv = server_factory(JWT_ACCESS_TOKEN_EXPIRES=1)
    api = srv.client()
    data = api.register(unique_email("exp"))
    time.sleep(2.2)
    body = assert_401(api.get("/auth/profile", token=data["access_token"]))
    assert body["success"] is False
    # the refresh token (30 d) still yields a working pair
    r = api.post("/auth/refresh", token=data["refresh_token"])
    assert_ok(r)


# ---------- refresh rotation ----------

def test_refresh_with_bearer_rotates(api, session):
    email, data = session
    r = api.post("/auth/refresh", token=data["refresh_token"])
    new = assert_ok(r)["data"]
    assert new["access_token"] != data["access_token"]
    assert new["refresh_token"] != data["refresh_token"]
    _, na, _ = assert_token_shape(new["access_token"])
    _, nr, _ = assert_token_shape(new["refresh_token"])
    assert na["type"] == "access" and nr["type"] == "refresh"
    assert na["sub"] == str(data["user"]["id"])
    assert nr["fam"] == jwt_parts(data["refresh_token"])[1]["fam"]
    assert assert_ok(api.get("/auth/profile", token=new["access_token"]))["data"]["email"] == email
    # and the new refresh token rotates again
    assert_ok(api.post("/auth/refresh", token=new["refresh_token"]))


def test_refresh_with_body(api, session):
    _, data = session
    r = api.post("/auth/refresh", json={"refresh_token": data["refresh_token"]})
    new = assert_ok(r)["data"]
    assert new["refresh_token"] != data["refresh_token"]
    assert api.profile_status(new["access_token"]) == 200


def test_refresh_reuse_revokes_family(api, session):
    _, data = session
    first = assert_ok(api.post("/auth/refresh", token=data["refresh_token"]))["data"]
    second = assert_ok(api.post("/auth/refresh", token=first["refresh_token"]))["data"]
    assert api.profile_status(second["access_token"]) == 200
    # replay of a rotated token: refused, and the whole family dies with it
    assert_401(api.post("/auth/refresh", token=data["refresh_token"]))
    assert_401(api.post("/auth/refresh", token=second["refresh_token"]))
    assert_401(api.get("/auth/profile", token=second["access_token"]))
    assert_401(api.get("/auth/profile", token=first["access_token"]))
    assert_401(api.get("/auth/profile", token=data["access_token"]))


def test_refresh_reuse_leaves_other_sessions(api, session):
    email, data = session
    other = api.login(email)
    new = assert_ok(api.post("/auth/refresh", token=data["refresh_token"]))["data"]
    assert_401(api.post("/auth/refresh", token=data["refresh_token"]))
    assert api.profile_status(new["access_token"]) == 401
    assert api.profile_status(other["access_token"]) == 200
    assert api.refresh_status(other["refresh_token"]) == 200


def test_refresh_forged_tokens(api, session):
    _, data = session
    h, p, _ = jwt_parts(data["refresh_token"])
    assert_401(api.post("/auth/refresh", token=jwt_sign({"alg": "none"}, p, None)))
    assert_401(api.post("/auth/refresh", token=jwt_sign(h, p, b"wrong-key-" + b"q" * 40)))
    assert_401(api.post("/auth/refresh", token="Bearer-garbage"))


# ---------- logout ----------

def test_logout(api, api_en, session):
    email, data = session
    other = api.login(email)
    r = api.post("/auth/logout", token=data["access_token"])
    assert_ok(r, 200, "登出成功")
    assert_401(api.get("/auth/profile", token=data["access_token"]))
    assert_401(api.post("/auth/refresh", token=data["refresh_token"]))
    # the second session is untouched
    assert api.profile_status(other["access_token"]) == 200
    rotated = assert_ok(api.post("/auth/refresh", token=other["refresh_token"]))["data"]
    assert api.profile_status(rotated["access_token"]) == 200
    # English message, and logging out twice with the same token is refused
    r = api_en.post("/auth/logout", token=rotated["access_token"])
    msg = assert_ok(r, 200)["message"]
    assert msg and not re.search(r"[\u4e00-\u9fff]", msg), msg
    assert_401(api.post("/auth/logout", token=rotated["access_token"]))


def test_logout_revokes_rotated_family_members(api, session):
    _, data = session
    new = assert_ok(api.post("/auth/refresh", token=data["refresh_token"]))["data"]
    assert_ok(api.post("/auth/logout", token=new["access_token"]))
    assert_401(api.post("/auth/refresh", token=new["refresh_token"]))
    assert_401(api.get("/auth/profile", token=new["access_token"]))


def test_logout_requires_token(api):
    assert_401(api.post("/auth/logout"))
    assert_401(api.post("/auth/logout", token="abc"))


def test_login_then_password_is_not_in_tokens(session):
    _, data = session
    for tok in (data["access_token"], data["refresh_token"]):
        _, claims, _ = jwt_parts(tok)
        assert PASSWORD not in str(claims) and "password" not in claims

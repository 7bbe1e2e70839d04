# Change password (revokes other sessions), personal-data export, and account deletion.
import json

import pytest

from conftest import PASSWORD, assert_error, assert_ok, assert_user, unique_email

NEW_PASSWORD = "brand-new-secret-42"


@pytest.fixture
def account(api):
    email = unique_email("acct")
    data = api.register(email)
    return email, data


# ---------- change password ----------

def test_change_password(api, account):
    email, current = account
    other = api.login(email)
    r = api.post("/auth/change-password", token=current["access_token"],
                 json={"old_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert_ok(r, 200)
    # new password works, old one does not
    assert_ok(api.post("/auth/login", json={"email": email, "password": NEW_PASSWORD}))
    assert_error(api.post("/auth/login", json={"email": email, "password": PASSWORD}), 401, "邮箱或密码错误")
    # the other session is dead, the current one lives on
    assert_error(api.get("/auth/profile", token=other["access_token"]), 401)
    assert_error(api.post("/auth/refresh", token=other["refresh_token"]), 401)
    assert assert_ok(api.get("/auth/profile", token=current["access_token"]))["data"]["email"] == email


def test_change_password_wrong_old(api, account):
    email, current = account
    r = api.post("/auth/change-password", token=current["access_token"],
                 json={"old_password": "not-my-password", "new_password": NEW_PASSWORD})
    assert_error(r, 400, fields=["old_password"])
    assert_ok(api.post("/auth/login", json={"email": email, "password": PASSWORD}))
    assert_error(api.post("/auth/login", json={"email": email, "password": NEW_PASSWORD}), 401)


def test_change_password_too_short(api, account):
    email, current = account
    r = api.post("/auth/change-password", token=current["access_token"],
                 json={"old_password": PASSWORD, "new_password": "short"})
    assert_error(r, 400, "数据验证失败", fields=["new_password"])
    assert_ok(api.post("/auth/login", json={"email": email, "password": PASSWORD}))


def test_change_password_validation(api, account):
    _, current = account
    tok = current["access_token"]
    assert_error(api.post("/auth/change-password", token=tok, json={"new_password": NEW_PASSWORD}),
                 400, fields=["old_password"])
    assert_error(api.post("/auth/change-password", token=tok, json={"old_password": PASSWORD}),
                 400, fields=["new_password"])
    assert_error(api.post("/auth/change-password", token=tok,
                          json={"old_password": PASSWORD, "new_password": 123456789}),
                 400, fields=["new_password"])
    assert_error(api.post("/auth/change-password",
                          json={"old_password": PASSWORD, "new_password": NEW_PASSWORD}), 401)


# ---------- export ----------

def test_export(api, account):
    email, current = account
    api.login(email)
    r = api.get("/auth/export", token=current["access_token"])
    data = assert_ok(r)["data"]
    assert isinstance(data, dict)
    assert data["user"]["email"] == email
    assert data["user"]["id"] == current["user"]["id"]
    for key in ("resumes", "interviews", "sessions"):
        assert isinstance(data[key], list), (key, data)
    assert len(data["sessions"]) >= 2  # the register session and the login session
    text = r.text
    assert "password_hash" not in text
    assert "$argon2" not in text
    assert PASSWORD not in text
    assert current["refresh_token"] not in text and current["access_token"] not in text


def test_export_requires_auth(api):
    assert_error(api.get("/auth/export"), 401)


def test_export_only_own_data(api, account):
    email, current = account
    other_email = unique_email("other")
    api.register(other_email)
    r = api.get("/auth/export", token=current["access_token"])
    assert other_email not in r.text
    assert json.loads(r.text)["data"]["user"]["email"] == email


# ---------- delete account ----------

def test_delete_account(api, account):
    email, current = account
    other = api.login(email)
    r = api.delete("/auth/account", token=current["access_token"], json={"password": PASSWORD})
    assert_ok(r, 200)
    assert_error(api.post("/auth/login", json={"email": email, "password": PASSWORD}), 401, "邮箱或密码错误")
    for tok in (current["access_token"], other["access_token"]):
        assert_error(api.get("/auth/profile", token=tok), 401)
    for tok in (current["refresh_token"], other["refresh_token"]):
        assert_error(api.post("/auth/refresh", token=tok), 401)
    # the email is free again, and the old tokens do not come back to life for the new account
    again = api.register(email)
    assert_user(again["user"], email)
    assert_error(api.get("/auth/profile", token=current["access_token"]), 401)
    assert_error(api.post("/auth/refresh", token=current["refresh_token"]), 401)
    assert api.profile_status(again["access_token"]) == 200


def test_delete_account_wrong_password(api, account):
    email, current = account
    r = api.delete("/auth/account", token=current["access_token"], json={"password": "wrong-wrong-1"})
    assert_error(r, 400, fields=["password"])
    assert api.profile_status(current["access_token"]) == 200
    assert_ok(api.post("/auth/login", json={"email": email, "password": PASSWORD}))


def test_delete_account_validation(api, account):
    _, current = account
    tok = current["access_token"]
    assert_error(api.delete("/auth/account", token=tok, json={}), 400)
    assert_error(api.delete("/auth/account", token=tok, json={"password": 12345678}), 400, fields=["password"])
    assert_error(api.delete("/auth/account", json={"password": PASSWORD}), 401)
    assert api.profile_status(tok) == 200

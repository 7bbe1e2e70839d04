# GET/PATCH /auth/profile: the user object, updates that persist, and validation of each field.
import pytest

from conftest import assert_error, assert_ok, assert_user, unique_email


@pytest.fixture
def user(api):
    email = unique_email("prof")
    data = api.register(email, username="Start")
    return email, data["access_token"], data["user"]


def test_get_profile(api, user):
    email, tok, reg_user = user
    r = api.get("/auth/profile", token=tok)
    data = assert_ok(r)["data"]
    assert_user(data, email)
    assert data["id"] == reg_user["id"]
    assert data["username"] == "Start"
    assert data["created_at"] == reg_user["created_at"]


def test_profile_requires_auth(api):
    assert_error(api.get("/auth/profile"), 401)
    assert_error(api.patch("/auth/profile", json={"username": "x"}), 401)


def test_patch_updates_and_persists(api, user):
    email, tok, _ = user
    r = api.patch("/auth/profile", token=tok,
                  json={"username": "小明 Li", "avatar_url": "https://cdn.example.com/a/b.png?x=1"})
    data = assert_ok(r)["data"]
    assert data["username"] == "小明 Li"
    assert data["avatar_url"] == "https://cdn.example.com/a/b.png?x=1"
    assert data["email"] == email
    again = assert_ok(api.get("/auth/profile", token=tok))["data"]
    assert again["username"] == "小明 Li"
    assert again["avatar_url"] == "https://cdn.example.com/a/b.png?x=1"


def test_patch_one_field_leaves_other(api, user):
    _, tok, _ = user
    assert_ok(api.patch("/auth/profile", token=tok, json={"avatar_url": "http://img.example/x.jpg"}))
    data = assert_ok(api.patch("/auth/profile", token=tok, json={"username": "Renamed"}))["data"]
    assert data["username"] == "Renamed"
    assert data["avatar_url"] == "http://img.example/x.jpg"


def test_patch_username_length(api, user):
    _, tok, _ = user
    assert_error(api.patch("/auth/profile", token=tok, json={"username": "u" * 101}),
                 400, "数据验证失败", fields=["username"])
    data = assert_ok(api.patch("/auth/profile", token=tok, json={"username": "u" * 100}))["data"]
    assert data["username"] == "u" * 100
    # multibyte: 100 characters are allowed (a character limit, as the seed's String(100))
    data = assert_ok(api.patch("/auth/profile", token=tok, json={"username": "名" * 100}))["data"]
    assert data["username"] == "名" * 100


@pytest.mark.parametrize("url", ["ftp://example.com/a.png", "javascript:alert(1)", "not a url",
                                 "example.com/a.png", "https://" + "a" * 250 + ".com"])
def test_patch_bad_avatar_url(api, user, url):
    _, tok, _ = user
    assert_error(api.patch("/auth/profile", token=tok, json={"avatar_url": url}),
                 400, "数据验证失败", fields=["avatar_url"])
    assert assert_ok(api.get("/auth/profile", token=tok))["data"]["avatar_url"] is None


@pytest.mark.parametrize("body,field", [({"username": 5}, "username"), ({"username": ["a"]}, "username"),
                                        ({"avatar_url": 7}, "avatar_url"),
                                        ({"avatar_url": {"u": 1}}, "avatar_url")])
def test_patch_wrong_types(api, user, body, field):
    _, tok, _ = user
    assert_error(api.patch("/auth/profile", token=tok, json=body), 400, fields=[field])


def test_patch_cannot_touch_protected_fields(api, user):
    email, tok, reg_user = user
    r = api.patch("/auth/profile", token=tok,
                  json={"email": "hijack@example.com", "is_active": False, "id": 999999,
                        "password_hash": "x", "created_at": "2000-01-01T00:00:00Z"})
    assert r.status_code in (200, 400), r.text
    data = assert_ok(api.get("/auth/profile", token=tok))["data"]
    assert data["email"] == email
    assert data["is_active"] is True
    assert data["id"] == reg_user["id"]
    assert data["created_at"] == reg_user["created_at"]


def test_patch_body_errors(api, user):
    _, tok, _ = user
    assert_error(api.patch("/auth/profile", token=tok, data=b"{bad",
                           headers={"Content-Type": "application/json"}), 400, "请求体不是有效的JSON")
    assert_error(api.patch("/auth/profile", token=tok, data=b"[]",
                           headers={"Content-Type": "application/json"}), 400)
    assert_error(api.patch("/auth/profile", token=tok, data=b"username=x",
                           headers={"Content-Type": "application/x-www-form-urlencoded"}), 415)

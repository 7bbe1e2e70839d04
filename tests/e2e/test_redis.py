# Sessions, revoked tokens and rate limits in Redis (REDIS_URL): two `serve` instances over one
# database and one Redis. A logout on instance A is refused at once on instance B; a refresh token
# replayed on the other instance ends its session; a password change, the export and the account
# deletion read and write the sessions in Redis, not the database; rate limits count across both
# instances. With Redis stopped, what needs sessions answers 503 in the envelope, rate limits fall
# back to per-instance counting, nothing crashes; once Redis is back both instances recover.
import base64
import json
import re
import time

import pytest

from cluster_kit import redis_cmd, wait_until
from conftest import ISO_UTC, PASSWORD, SANITIZER_MARKERS, assert_error, assert_ok, db_query, raw_request, unique_email

AUTH_LIMIT = 4
# the pair counts every request in Redis with limits no test reaches; the limited pair's are tight
LIMITS = dict(RATELIMIT_ENABLED="true", RATELIMIT_DEFAULT="100000 per hour", RATELIMIT_AUTH="100000 per hour")
TIGHT = dict(RATELIMIT_ENABLED="true", RATELIMIT_DEFAULT="100000 per hour", RATELIMIT_AUTH=f"{AUTH_LIMIT} per minute")


def redis_keys(port, pattern):
    reply = redis_cmd(port, "KEYS", pattern)
    return re.findall(rb"\$\d+\r\n([^\r]*)\r\n", reply)


def claims(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def start_pair(module_factory, redis, name, limits, db=0):
    """Instances A and B on one DATA_DIR (one database, the same secrets) and one Redis; A starts
    first, so that it alone creates the secrets and the schema."""
    data = module_factory.new_dir(name)
    env = dict(REDIS_URL=redis.url(db), **limits)
    return module_factory(data_dir=data, **env), module_factory(data_dir=data, **env)


def check_alive(*servers):
    for s in servers:
        assert s.proc.poll() is None, s.log_text()
        assert not any(m in s.log_text(10 ** 7) for m in SANITIZER_MARKERS), s.log_text()


@pytest.fixture(scope="module")
def pair(redis, module_factory):
    a, b = start_pair(module_factory, redis, "redis", LIMITS)
    yield a, b
    check_alive(a, b)


@pytest.fixture(scope="module")
def limited_pair(redis, module_factory):
    """Another pair, in Redis database 1, whose auth limit is tight."""
    a, b = start_pair(module_factory, redis, "redis-limited", TIGHT, db=1)
    yield a, b
    check_alive(a, b)


@pytest.fixture
def clear_of_window_edge():
    """The auth limit's windows are minutes: start well inside one."""
    into = time.time() % 60
    if into > 45:
        time.sleep(60.5 - into)


def test_sessions_live_in_redis_not_the_database(pair, redis):
    a, b = pair
    user = a.client().register()
    fam = claims(user["refresh_token"])["fam"]
    assert redis_keys(redis.port, f"ig:fam:{fam}") == [f"ig:fam:{fam}".encode()]
    uid = user["user"]["id"]
    assert db_query(a.env, f"SELECT COUNT(*) FROM token_families WHERE user_id = {int(uid)}") == [(0,)]
    assert assert_ok(b.client().get("/auth/profile", token=user["access_token"]))["data"]["id"] == uid


def test_logout_on_a_is_refused_on_b_at_once(pair):
    a, b = pair
    user = a.client().register()
    tok, ref = user["access_token"], user["refresh_token"]
    assert b.client().profile_status(tok) == 200  # B has seen (and would have cached) the token
    assert_ok(a.client().post("/auth/logout", token=tok))
    assert_error(b.client().get("/auth/profile", token=tok), 401, "令牌已被撤销")
    assert_error(b.client().get("/auth/profile", token=tok, lang="en"), 401, "Token has been revoked")
    assert b.client().refresh_status(ref) == 401
    assert a.client().profile_status(tok) == 401


def test_refresh_reuse_across_instances_ends_the_session(pair):
    a, b = pair
    email = unique_email("reuse")
    a.client().register(email)
    s1 = a.client().login(email)
    other = b.client().login(email)
    r = assert_ok(a.client().post("/auth/refresh", token=s1["refresh_token"]))["data"]
    assert b.client().profile_status(r["access_token"]) == 200
    # the rotated-out refresh token replayed on the other instance: the family is over
    assert_error(b.client().post("/auth/refresh", token=s1["refresh_token"]), 401)
    assert a.client().refresh_status(r["refresh_token"]) == 401
    assert a.client().profile_status(r["access_token"]) == 401
    # the user's other session is untouched
    assert a.client().profile_status(other["access_token"]) == 200
    assert b.client().refresh_status(other["refresh_token"]) == 200


def test_change_password_revokes_other_sessions_everywhere(pair):
    a, b = pair
    email = unique_email("pw")
    a.client().register(email)
    keep = a.client().login(email)
    lose = b.client().login(email)
    assert_ok(a.client().post("/auth/change-password", token=keep["access_token"],
                              json={"old_password": PASSWORD, "new_password": "another-horse-7"}))
    assert b.client().profile_status(lose["access_token"]) == 401
    assert b.client().refresh_status(lose["refresh_token"]) == 401
    assert b.client().profile_status(keep["access_token"]) == 200


def test_export_lists_the_sessions_from_redis(pair):
    a, b = pair
    email = unique_email("export")
    first = a.client().register(email)
    second = b.client().login(email)
    assert_ok(a.client().post("/auth/logout", token=first["access_token"]))
    data = assert_ok(b.client().get("/auth/export", token=second["access_token"]))["data"]
    sessions = {s["id"]: s for s in data["sessions"]}
    f1, f2 = claims(first["refresh_token"])["fam"], claims(second["refresh_token"])["fam"]
    assert set(sessions) == {f1, f2}
    # the shape the database's sessions are exported in
    assert sessions[f1]["revoked"] is True and sessions[f2]["revoked"] is False
    for s in sessions.values():
        assert ISO_UTC.match(s["created_at"]) and ISO_UTC.match(s["expires_at"]), s
        assert s["expires_at"] > s["created_at"]
        assert s["rotated_at"] is None
    assert "current_jti" not in sessions[f1]  # no secrets in the export


def test_account_deletion_revokes_and_forgets_the_sessions(pair, redis):
    a, b = pair
    email = unique_email("delete")
    user = a.client().register(email)
    other = b.client().login(email)
    uid = user["user"]["id"]
    assert redis_keys(redis.port, f"ig:ufam:{uid}")
    assert_ok(b.client().request("DELETE", "/auth/account", token=other["access_token"],
                                 json={"password": PASSWORD}))
    assert a.client().profile_status(user["access_token"]) == 401
    assert a.client().refresh_status(user["refresh_token"]) == 401
    assert redis_keys(redis.port, f"ig:ufam:{uid}") == []
    fam = claims(user["refresh_token"])["fam"]
    assert b"revoked" in redis_cmd(redis.port, "HGETALL", f"ig:fam:{fam}")


def test_rate_limits_count_across_instances(limited_pair, redis, clear_of_window_edge):
    a, b = limited_pair
    ip = "127.0.0.61"
    body = {"email": "nobody-ratelimit@example.com", "password": "wrong-password"}
    seen = []
    for i in range(AUTH_LIMIT):
        srv = (a, b)[i % 2]
        status, hdrs, _ = raw_request(srv.port, "POST", "/api/v1/auth/login", body=body, source_ip=ip)
        assert status == 401
        seen.append(int(hdrs["x-ratelimit-remaining"]))
    # the per-email and per-IP auth limits are shared, so either instance refuses the next one
    for srv in (a, b):
        status, hdrs, data = raw_request(srv.port, "POST", "/api/v1/auth/login", body=body, source_ip=ip)
        assert status == 429, data
        assert json.loads(data)["error"]["message"] == "请求过于频繁"
        assert 1 <= int(hdrs["retry-after"]) <= 60
    assert seen == sorted(seen, reverse=True) and seen[-1] == 0, seen
    assert any(k.startswith(b"ig:rl:") for k in redis_keys(redis.port, "ig:rl:*"))  # the pair's, in db 0
    # another client address is not affected
    status, _, _ = raw_request(b.port, "POST", "/api/v1/auth/login",
                               body={"email": unique_email("x"), "password": "nope-nope"}, source_ip="127.0.0.62")
    assert status == 401


def test_redis_down_answers_503_then_recovers(pair, redis):
    a, b = pair
    email = unique_email("outage")
    user = a.client().register(email)
    late = unique_email("late")
    redis.halt()
    try:
        for srv in (a, b):
            r = srv.client().get("/auth/profile", token=user["access_token"])
            body = assert_error(r, 503, "服务暂时不可用，请稍后重试")
            assert r.headers["Retry-After"] == "5"
            assert_error(srv.client().get("/auth/profile", token=user["access_token"], lang="en"), 503,
                         "Service temporarily unavailable, please try again shortly")
            assert "details" not in body["error"]
            assert_error(srv.client().post("/auth/login", json={"email": email, "password": PASSWORD}), 503)
            assert_error(srv.client().post("/auth/register", json={"email": late, "password": PASSWORD}), 503)
            assert_error(srv.client().post("/auth/refresh", token=user["refresh_token"]), 503)
            # what needs no session still works, rate-limited per instance meanwhile
            assert_error(srv.client().post("/auth/login", json={"email": "bad"}), 400)
            assert raw_request(srv.port, "GET", "/healthz")[0] == 200
        # a dead Redis costs a request next to nothing: no connect timeout per request
        t = time.monotonic()
        for _ in range(20):
            assert a.client().profile_status(user["access_token"]) == 503
        assert time.monotonic() - t < 5
        for srv in (a, b):
            assert srv.proc.poll() is None
            assert srv.log_text(10 ** 7).count("redis_ratelimit_degraded") == 1
        # registering during the outage did not leave an account behind without a session
        assert db_query(a.env, f"SELECT COUNT(*) FROM users WHERE email = '{late}'") == [(0,)]
    finally:
        redis.start()
    # back: the restarted Redis (no persistence here) has no sessions, so old tokens are over and
    # new ones work on both instances
    def logs_in(srv):
        return srv.client().post("/auth/login", json={"email": email, "password": PASSWORD}).status_code == 200

    # each instance dials again once its backoff (at most a second) is over
    wait_until(lambda: logs_in(a) and logs_in(b), 10, "login on A and B after Redis returned")
    fresh = b.client().login(email)
    assert a.client().profile_status(fresh["access_token"]) == 200
    assert b.client().profile_status(user["access_token"]) == 401
    b.client().register(late)
    for srv in (a, b):
        assert srv.proc.poll() is None
        assert srv.log_text(10 ** 7).count("redis_ratelimit_restored") == 1

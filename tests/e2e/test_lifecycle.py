# Process lifecycle: restart keeps users, tokens and revocations (secrets persisted in DATA_DIR),
# production refuses to start without real secrets, clean exit on SIGTERM/SIGINT.
import os
import signal
import socket
import stat
import subprocess
import time

import pytest

from conftest import IG_BIN, PASSWORD, assert_error, assert_ok, server_env, unique_email, free_port

STRONG = "p" * 48


def test_restart_keeps_users_and_tokens(server_factory):
    data_dir = server_factory.new_dir("restart")
    first = server_factory(data_dir=data_dir)
    api = first.client()
    email = unique_email("restart")
    reg = api.register(email, username="Keeper")
    revoked = api.login(email)
    assert_ok(api.post("/auth/logout", token=revoked["access_token"]))

    secrets = os.path.join(str(data_dir), "secrets.env")
    st = os.stat(secrets)
    assert stat.S_IMODE(st.st_mode) == 0o600, oct(st.st_mode)
    with open(secrets) as f:
        content = f.read()
    keys = {line.split("=", 1)[0].strip().removeprefix("export ").strip()
            for line in content.splitlines() if "=" in line and not line.lstrip().startswith("#")}
    assert {"SECRET_KEY", "JWT_SECRET_KEY"} <= keys, content
    assert first.stop() == 0, first.log_text()

    second = server_factory(data_dir=data_dir)
    api2 = second.client()
    with open(secrets) as f:
        assert f.read() == content, "secrets regenerated on restart"
    prof = assert_ok(api2.get("/auth/profile", token=reg["access_token"]))["data"]
    assert prof["email"] == email and prof["username"] == "Keeper"
    assert_ok(api2.post("/auth/refresh", token=reg["refresh_token"]))
    assert_ok(api2.post("/auth/login", json={"email": email, "password": PASSWORD}))
    # revocations survive too
    assert_error(api2.get("/auth/profile", token=revoked["access_token"]), 401)
    assert_error(api2.post("/auth/refresh", token=revoked["refresh_token"]), 401)


def test_tokens_from_another_data_dir_rejected(server_factory):
    """Each data dir generates its own secrets, so tokens do not cross installations."""
    a = server_factory()
    b = server_factory()
    tok = a.client().register(unique_email("cross"))["access_token"]
    assert_error(b.client().get("/auth/profile", token=tok), 401)


def run_serve(env, timeout=15):
    t0 = time.monotonic()
    try:
        p = subprocess.run([IG_BIN, "serve"], env=env, cwd=env["DATA_DIR"], capture_output=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail("server kept running instead of refusing to start")
    return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace"), time.monotonic() - t0


@pytest.mark.parametrize("secrets,missing", [
    ({"SECRET_KEY": None, "JWT_SECRET_KEY": None}, "SECRET_KEY"),
    ({"SECRET_KEY": STRONG, "JWT_SECRET_KEY": None}, "JWT_SECRET_KEY"),
    ({"SECRET_KEY": None, "JWT_SECRET_KEY": STRONG}, "SECRET_KEY"),
    ({"SECRET_KEY": STRONG, "JWT_SECRET_KEY": "short"}, "JWT_SECRET_KEY"),
])
def test_production_refuses_without_secrets(tmp_path, secrets, missing):
    env = server_env(tmp_path, free_port(), ENV="production", **secrets)
    rc, out, elapsed = run_serve(env)
    assert rc != 0, out
    assert missing in out, out
    assert elapsed < 10
    assert not os.path.exists(tmp_path / "secrets.env")


def test_production_starts_with_secrets(server_factory):
    data_dir = server_factory.new_dir("prod")
    srv = server_factory(data_dir=data_dir, ENV="production", SECRET_KEY=STRONG, JWT_SECRET_KEY="j" * 48)
    api = srv.client()
    assert api.profile_status(api.register(unique_email("prod"))["access_token"]) == 200
    assert not os.path.exists(os.path.join(str(data_dir), "secrets.env"))


def test_creates_missing_data_dir(server_factory, tmp_path):
    data_dir = tmp_path / "nested" / "var"
    assert not os.path.exists(data_dir)
    srv = server_factory(data_dir=data_dir, mkdir=False)
    assert srv.client().register(unique_email("nested"))["user"]["id"] > 0
    assert os.path.isdir(data_dir)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_exits_zero_and_stops_listening(server_factory, sig):
    srv = server_factory()
    srv.client().register(unique_email("sig"))
    t0 = time.monotonic()
    srv.signal(sig)
    assert srv.wait_exit(15) == 0, srv.log_text()
    assert time.monotonic() - t0 < 5
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", srv.port), timeout=2).close()


def test_port_in_use_fails_fast(server_factory):
    srv = server_factory()
    env = server_env(server_factory.new_dir("busy"), srv.port)
    rc, out, elapsed = run_serve(env)
    assert rc != 0, out
    assert elapsed < 10
    assert requests_ok(srv)


def requests_ok(srv):
    return srv.client().get("/auth/profile").status_code == 401

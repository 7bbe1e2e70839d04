# The command line: version/help, `migrate` on an empty and on a current database, and the
# operator commands `user list|deactivate|activate` against a running server's database.
import os
import re

import pytest

from conftest import (PASSWORD, TEST_DB, assert_error, assert_ok, db_query, db_tables, free_port, run_cli,
                      server_env, sqlite_path, unique_email)

TABLES = {"users", "resumes", "resume_parse_results", "questions", "interviews", "interview_answers",
          "interview_feedback", "jobs", "schema_migrations"}


def out(p):
    return (p.stdout + p.stderr).decode("utf-8", "replace")


@pytest.fixture
def cli_env(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    return server_env(data, free_port())


def cli(env, *args):
    return run_cli(list(args), env, cwd=env["DATA_DIR"])


def test_version(cli_env):
    p = cli(cli_env, "version")
    assert p.returncode == 0, out(p)
    assert re.search(r"\d+\.\d+", out(p)), out(p)


@pytest.mark.parametrize("args", [["--help"], ["help"], ["serve", "--help"], ["migrate", "--help"],
                                  ["user", "--help"]])
def test_help(cli_env, args):
    p = cli(cli_env, *args)
    assert p.returncode == 0, out(p)
    text = out(p).lower()
    assert "usage" in text, text
    if args == ["--help"]:
        for cmd in ("serve", "migrate", "version", "user"):
            assert cmd in text, (cmd, text)


def test_serve_help_does_not_serve(cli_env):
    p = cli(cli_env, "serve", "--help")
    assert p.returncode == 0
    assert not os.path.exists(os.path.join(cli_env["DATA_DIR"], "interviewgenius.db"))
    assert db_tables(cli_env) == set()


def test_unknown_command(cli_env):
    p = cli(cli_env, "frobnicate")
    assert p.returncode != 0
    assert out(p).strip(), "no message for an unknown command"


def test_migrate_empty_then_current(cli_env):
    p = cli(cli_env, "migrate")
    assert p.returncode == 0, out(p)
    if TEST_DB == "sqlite":
        assert os.path.exists(sqlite_path(cli_env))
        assert db_query(cli_env, "PRAGMA journal_mode")[0][0].lower() == "wal"
    names = db_tables(cli_env)
    assert TABLES <= names, TABLES - names
    assert any(("token" in n or "famil" in n or "revok" in n) for n in names), names
    versions = [int(r[0]) for r in db_query(cli_env, "SELECT version FROM schema_migrations ORDER BY version")]
    assert versions and versions[0] == 1, versions
    assert versions == list(range(1, len(versions) + 1)), versions
    # a current database: nothing to apply, nothing changes
    p = cli(cli_env, "migrate")
    assert p.returncode == 0, out(p)
    again = [int(r[0]) for r in db_query(cli_env, "SELECT version FROM schema_migrations ORDER BY version")]
    assert again == versions


def test_migrate_then_serve_uses_same_db(server_factory, cli_env):
    assert cli(cli_env, "migrate").returncode == 0
    srv = server_factory(data_dir=cli_env["DATA_DIR"])
    email = unique_email("mig")
    srv.client().register(email)
    rows = db_query(cli_env, f"SELECT email, password_hash FROM users WHERE email = '{email}'")
    assert len(rows) == 1, rows
    row = rows[0]
    assert row[0] == email
    assert row[1].startswith("$argon2id$") and PASSWORD not in row[1]


# ---------- user list / deactivate / activate ----------

def test_user_list(server):
    api = server.client()
    a, b = unique_email("lista"), unique_email("listb")
    api.register(a)
    api.register(b)
    p = server.cli("user", "list")
    assert p.returncode == 0, out(p)
    text = out(p)
    assert a in text and b in text
    assert text.index(a) < text.index(b)  # id order


def test_deactivate_and_activate(server):
    api = server.client()
    email = unique_email("deact")
    reg = api.register(email)
    other = api.login(email)
    p = server.cli("user", "deactivate", email)
    assert p.returncode == 0, out(p)

    r = api.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code in (401, 403), r.text
    assert_error(r, r.status_code)
    for tok in (reg["access_token"], other["access_token"]):
        assert_error(api.get("/auth/profile", token=tok), 401)
    assert_error(api.post("/auth/refresh", token=other["refresh_token"]), 401)

    p = server.cli("user", "activate", email)
    assert p.returncode == 0, out(p)
    data = assert_ok(api.post("/auth/login", json={"email": email, "password": PASSWORD}))["data"]
    assert data["user"]["is_active"] is True
    assert api.profile_status(data["access_token"]) == 200


def test_deactivate_normalises_email(server):
    api = server.client()
    email = unique_email("deactcase")
    api.register(email)
    p = server.cli("user", "deactivate", email.upper())
    assert p.returncode == 0, out(p)
    r = api.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code in (401, 403)
    assert server.cli("user", "activate", email).returncode == 0


@pytest.mark.parametrize("args", [["user", "deactivate", "nobody-here@example.com"],
                                  ["user", "activate", "nobody-here@example.com"],
                                  ["user", "deactivate"], ["user"], ["user", "explode", "a@b.com"]])
def test_user_command_errors(server, args):
    p = server.cli(*args)
    assert p.returncode != 0, out(p)
    assert out(p).strip()

# `interviewgenius migrate --copy-from`: an embedded installation (SQLite, files in its upload
# folder) built through the API (users, resumes with files of one and several chunks, a deleted
# resume, a finished interview with its report) is copied into a new PostgreSQL database (files
# into the database, STORAGE=db) and a new MariaDB database (files into the new UPLOAD_FOLDER); a
# server on each target then answers as the old one did: logins, the old refresh token, resume
# lists and details, byte-identical downloads, the interview and its report; new ids continue after
# the highest the old installation ever handed out. A second copy, a non-empty target, a SQLite
# target and a missing source are refused with a clear message.
import os
import sys
import time

import pytest

from conftest import PASSWORD, TEST_DB, BACKEND, assert_ok, run_cli, server_env, free_port

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "support"))
import dbservers  # noqa: E402

CHUNK = 256 * 1024
PENDING = ("pending", "processing")
SECRETS = {"SECRET_KEY": "c" * 64, "JWT_SECRET_KEY": "d" * 64}


def html_resume(name, padding=0):
    data = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>CV</title></head><body>"
            f"<h1>{name}</h1><p>{name.split()[0].lower()}@example.com</p>"
            f"<h2>Experience</h2><p>Backend engineer, 2019-2024: 分布式系统, C, PostgreSQL, Redis.</p>"
            f"<h2>Education</h2><p>Tsinghua University</p><h2>Skills</h2><p>C, SQL, Linux, Python, Docker</p>"
            ).encode()
    if padding:
        data += b"<!--" + os.urandom(padding // 2).hex()[:padding].encode() + b"-->"
    return data + b"</body></html>"


def upload_done(api, token, name, data):
    r = api.post("/resumes", token=token, files={"file": (name, data, "application/octet-stream")})
    rid = assert_ok(r, 201)["data"]["id"]
    deadline = time.monotonic() + 60
    while assert_ok(api.get(f"/resumes/{rid}/status", token=token))["data"]["status"] in PENDING:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return rid


def run_interview(api, token, rid):
    iv = assert_ok(api.post("/interviews", token=token, json={
        "resume_id": rid, "interview_type": "mixed", "difficulty": "medium", "question_count": 2,
        "language": "en", "adaptive": False}), 201)["data"]
    while True:
        q = assert_ok(api.get(f"/interviews/{iv['id']}/current-question", token=token))["data"]
        if q is None:
            break
        text = "I would design it with clear interfaces, measure latency and test failure cases. " * 3
        assert_ok(api.post(f"/interviews/{iv['id']}/answers", token=token,
                           json={"question_id": q["id"], "answer_text": text, "response_time": 30}), 201)
    assert_ok(api.post(f"/interviews/{iv['id']}/end", token=token))
    return iv["id"]


def snapshot(api, user):
    """What a user sees of their data, to compare before and after the copy."""
    t = user["token"]
    resumes = assert_ok(api.get("/resumes?per_page=50", token=t))["data"]
    out = {"resumes": resumes, "details": {}, "files": {}, "interviews": None, "reports": {}, "answers": {}}
    for r in resumes:
        out["details"][r["id"]] = assert_ok(api.get(f"/resumes/{r['id']}", token=t))["data"]
        got = api.get(f"/resumes/{r['id']}/file", token=t)
        assert got.status_code == 200, got.text
        out["files"][r["id"]] = got.content
    out["interviews"] = assert_ok(api.get("/interviews", token=t))["data"]
    for iv in out["interviews"]:
        out["reports"][iv["id"]] = assert_ok(api.get(f"/interviews/{iv['id']}/feedback", token=t))["data"]
        out["answers"][iv["id"]] = assert_ok(api.get(f"/interviews/{iv['id']}/answers", token=t))["data"]
    return out


@pytest.fixture(scope="module")
def source(module_factory):
    """An embedded installation with data, stopped: (its DATA_DIR, the users, their snapshots)."""
    d = module_factory.new_dir("source")
    db = "sqlite:///" + os.path.join(str(d), "interviewgenius.db")
    srv = module_factory(data_dir=d, DATABASE_URL=db, **SECRETS)
    api = srv.client()
    users = []
    for email, name in (("alice-copy@example.com", "Alice Zhang"), ("bob-copy@example.com", "李博文")):
        tok = api.register(email=email, username=name)
        users.append({"email": email, "token": tok["access_token"], "refresh": tok["refresh_token"]})
    alice, bob = users
    a1 = upload_done(api, alice["token"], "简历.html", html_resume("Alice Zhang 张爱丽"))
    upload_done(api, alice["token"], "big.html", html_resume("Alice Big", padding=2 * CHUNK + 99))
    gone = upload_done(api, alice["token"], "gone.html", html_resume("Alice Gone"))
    upload_done(api, bob["token"], "bob.html", html_resume("Bob Li 李博文"))
    # the highest resume id is deleted: the target must never hand it out again
    last = upload_done(api, bob["token"], "last.html", html_resume("Bob Last"))
    assert_ok(api.delete(f"/resumes/{gone}", token=alice["token"]))
    assert_ok(api.delete(f"/resumes/{last}", token=bob["token"]))
    run_interview(api, alice["token"], a1)
    snaps = [snapshot(api, u) for u in users]
    assert len(snaps[0]["resumes"]) == 2 and len(snaps[1]["resumes"]) == 1
    assert len(snaps[0]["reports"]) == 1
    srv.stop()
    return {"dir": str(d), "url": db, "users": users, "snaps": snaps, "high_resume": last}


def _target_server(kind):
    """A throwaway server of kind, the session's own when it is of that kind."""
    if BACKEND.kind == kind and BACKEND.server is not None:
        return BACKEND.server, False
    try:
        srv = dbservers.PgServer() if kind == "pg" else dbservers.MysqlServer()
        return srv.start(), True
    except (dbservers.ServerError, OSError) as e:
        pytest.skip(f"no {kind} server: {e}")


@pytest.fixture(scope="module", params=["pg", "mysql"])
def target(request, tmp_path_factory):
    srv, own = _target_server(request.param)
    name = f"ig_copy_{request.param}_{os.getpid()}"
    url = srv.create_database(name)
    yield {"kind": request.param, "url": url, "dir": str(tmp_path_factory.mktemp(f"target-{request.param}")),
           # PostgreSQL keeps the files in the database, MariaDB's installation in its folder
           "storage": "db" if request.param == "pg" else "local"}
    srv.drop_database(name)
    if own:
        srv.stop()


def copy_env(target, **extra):
    env = server_env(target["dir"], free_port(), DATABASE_URL=target["url"], STORAGE=target["storage"], **SECRETS)
    env.update(extra)
    return env


def copy_from(source, env, *more):
    os.makedirs(env["DATA_DIR"], exist_ok=True)
    return run_cli(["migrate", "--copy-from", source["url"], *more], env, cwd=env["DATA_DIR"], timeout=120)


def test_copy_and_serve(source, target, server_factory):
    env = copy_env(target)
    p = copy_from(source, env)
    out = p.stdout.decode()
    assert p.returncode == 0, out + p.stderr.decode()
    lines = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    assert lines["users"] == "2 rows" and lines["resumes"] == "3 rows" and lines["interviews"] == "1 rows", out
    assert lines["interview_feedback"] == "1 rows", out
    assert out.index("users:") < out.index("resumes:") < out.index("interviews:"), out
    where = "into the database" if target["storage"] == "db" else "into " + os.path.join(target["dir"], "uploads")
    assert lines["files"] == f"3 copied {where}", out
    uploads = os.path.join(target["dir"], "uploads")
    if target["storage"] == "local":
        assert sum(len(f) for _, _, f in os.walk(uploads)) == 3
    else:
        assert not os.path.exists(uploads) or sum(len(f) for _, _, f in os.walk(uploads)) == 0

    # once only: a second run finds the target not empty
    p = copy_from(source, env)
    assert p.returncode == 1
    assert "not empty" in p.stderr.decode(), p.stderr.decode()

    srv = server_factory(data_dir=target["dir"], DATABASE_URL=target["url"], STORAGE=target["storage"], **SECRETS)
    api = srv.client()
    for user, before in zip(source["users"], source["snaps"]):
        tok = api.login(user["email"], PASSWORD)
        user_now = {"token": tok["access_token"]}
        after = snapshot(api, user_now)
        assert after == before
        # the old installation's refresh token: its family was copied
        r = api.post("/auth/refresh", token=user["refresh"])
        assert r.status_code == 200, r.text
    # new rows are numbered after every id the old installation handed out, deleted ones included
    alice = api.login(source["users"][0]["email"], PASSWORD)["access_token"]
    rid = upload_done(api, alice, "new.html", html_resume("Alice New"))
    assert rid > source["high_resume"]


def test_refusals(source, tmp_path, server_factory):
    # a SQLite target
    env = server_env(tmp_path / "t", free_port(), DATABASE_URL="sqlite:///" + str(tmp_path / "t.db"))
    p = copy_from(source, env)
    assert p.returncode == 1 and "PostgreSQL or MySQL" in p.stderr.decode(), p.stderr.decode()
    # a source that does not exist, or is not SQLite
    srv, own = _target_server("mysql" if TEST_DB == "mysql" else "pg")
    name = f"ig_refuse_{os.getpid()}"
    url = srv.create_database(name)
    try:
        env = server_env(tmp_path / "t2", free_port(), DATABASE_URL=url)
        p = run_cli(["migrate", "--copy-from", "sqlite:///" + str(tmp_path / "none.db")], env, cwd=str(tmp_path))
        assert p.returncode == 1 and "does not exist" in p.stderr.decode(), p.stderr.decode()
        assert not os.path.exists(tmp_path / "none.db")
        p = run_cli(["migrate", "--copy-from", url], env, cwd=str(tmp_path))
        assert p.returncode == 1 and "sqlite" in p.stderr.decode(), p.stderr.decode()
        assert "ig-test-password" not in p.stderr.decode()
        # a target someone already uses
        tsrv = server_factory(data_dir=tmp_path / "t2", DATABASE_URL=url)
        tsrv.client().register()
        tsrv.stop()
        p = copy_from(source, env)
        assert p.returncode == 1 and "not empty (users has 1 rows)" in p.stderr.decode(), p.stderr.decode()
        p = run_cli(["migrate", "--upload-folder", "/tmp"], env, cwd=str(tmp_path))
        assert p.returncode == 2 and "usage" in p.stderr.decode()
    finally:
        srv.drop_database(name)
        if own:
            srv.stop()

# STORAGE=db over real HTTP: an upload's bytes kept in the database in chunks of 256 KiB (nothing in
# the upload folder), parsed from there, downloaded byte for byte (a file of several chunks too),
# served and parsed by a second server on the same database whose upload folder is new and empty,
# deduplicated, deleted with their resume; and an installation switched between STORAGE=local and
# STORAGE=db keeps serving the files kept the other way. Runs on the session's backend (IG_TEST_DB).
import os
import time

import pytest

from conftest import TEST_DB, assert_error, assert_ok, db_query

CHUNK = 256 * 1024
PENDING = ("pending", "processing")
# servers of one installation sign and check tokens with the same keys
SECRETS = {"SECRET_KEY": "a" * 64, "JWT_SECRET_KEY": "b" * 64}


def html_resume(name, padding=0):
    """A resume page; padding bytes of a comment make it as large as wanted (the text stays short)."""
    body = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>CV</title></head><body>"
            f"<h1>{name}</h1><p>{name.split()[0].lower()}@example.com</p>"
            f"<h2>Experience</h2><p>Backend engineer, 2019-2024: 分布式系统, C, PostgreSQL.</p>"
            f"<h2>Education</h2><p>Tsinghua University</p><h2>Skills</h2><p>C, SQL, Linux, Redis</p>")
    data = body.encode()
    if padding:
        filler = (os.urandom(padding // 2).hex()[:padding]).encode()
        data += b"<!--" + filler + b"-->"
    return data + b"</body></html>"


def upload(api, token, name, data):
    return api.post("/resumes", token=token, files={"file": (name, data, "application/octet-stream")})


def wait_done(api, token, rid, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        st = assert_ok(api.get(f"/resumes/{rid}/status", token=token))["data"]
        if st["status"] not in PENDING:
            return st
        assert time.monotonic() < deadline, f"resume {rid} still {st} after {timeout}s"
        time.sleep(0.05)


def chunks(srv, rid):
    """(rows, bytes) of the resume's file in the database."""
    rows = db_query(srv.env, f"SELECT count(*), coalesce(sum(length(data)), 0) FROM resume_file_chunks "
                             f"WHERE resume_id = {int(rid)}")
    return int(rows[0][0]), int(rows[0][1])


def files_in(folder):
    """The files under an upload folder, its .tmp scratch folder left out."""
    out = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if d != ".tmp"]
        out += [os.path.join(root, n) for n in names]
    return out


def database_url(srv):
    """DATABASE_URL of srv, spelled out for a second server over the same database."""
    if TEST_DB == "sqlite":
        return srv.env.get("DATABASE_URL") or "sqlite:///" + os.path.join(srv.data_dir, "interviewgenius.db")
    return srv.env["DATABASE_URL"]


@pytest.fixture(scope="module")
def db_server(module_factory):
    return module_factory(STORAGE="db")


@pytest.fixture(scope="module")
def alice(db_server):
    return db_server.client().register()["access_token"]


def test_upload_is_kept_in_the_database_and_parsed(db_server, alice):
    api = db_server.client()
    data = html_resume("Alice Zhang 张爱丽")
    r = assert_ok(upload(api, alice, "简历.html", data), 201)["data"]
    assert r["file_size"] == len(data)
    st = wait_done(api, alice, r["id"])
    assert st["status"] == "completed", st
    assert chunks(db_server, r["id"]) == (1, len(data))
    assert files_in(os.path.join(db_server.data_dir, "uploads")) == []
    pr = assert_ok(api.get(f"/resumes/{r['id']}", token=alice))["data"]["parse_result"]
    assert "Alice Zhang" in pr["raw_text"] and "分布式系统" in pr["raw_text"]
    got = api.get(f"/resumes/{r['id']}/file", token=alice)
    assert got.status_code == 200
    assert got.content == data
    assert got.headers["Content-Type"] == "text/html"
    assert "filename*=UTF-8''%E7%AE%80%E5%8E%86.html" in got.headers["Content-Disposition"]
    # the parse left no private copy behind
    assert os.listdir(os.path.join(db_server.data_dir, "uploads", ".tmp")) == []


def test_multi_chunk_file_round_trip(db_server, alice):
    api = db_server.client()
    data = html_resume("Bob Li", padding=3 * CHUNK + 1000)
    r = assert_ok(upload(api, alice, "bob.html", data), 201)["data"]
    n = (len(data) + CHUNK - 1) // CHUNK
    assert n == 4
    assert chunks(db_server, r["id"]) == (n, len(data))
    assert wait_done(api, alice, r["id"])["status"] == "completed"
    got = api.get(f"/resumes/{r['id']}/file", token=alice)
    assert got.status_code == 200 and got.content == data


def test_duplicate_and_ownership(db_server, alice):
    api = db_server.client()
    data = html_resume("Carol Wu")
    first = assert_ok(upload(api, alice, "carol.html", data), 201)["data"]
    again = assert_ok(upload(api, alice, "carol-again.html", data), 200)["data"]
    assert again["id"] == first["id"] and again["duplicate"] is True
    assert chunks(db_server, first["id"]) == (1, len(data))
    bob = api.register()["access_token"]
    assert_error(api.get(f"/resumes/{first['id']}/file", token=bob), 404)
    assert_error(api.delete(f"/resumes/{first['id']}", token=bob), 404)
    assert chunks(db_server, first["id"]) == (1, len(data))


def test_delete_takes_the_chunks(db_server, alice):
    api = db_server.client()
    data = html_resume("Dan Chen", padding=CHUNK + 10)
    r = assert_ok(upload(api, alice, "dan.html", data), 201)["data"]
    wait_done(api, alice, r["id"])
    assert chunks(db_server, r["id"]) == (2, len(data))
    assert_ok(api.delete(f"/resumes/{r['id']}", token=alice))
    assert chunks(db_server, r["id"]) == (0, 0)
    assert_error(api.get(f"/resumes/{r['id']}/file", token=alice), 404)


def test_second_server_with_empty_upload_folder(server_factory):
    first = server_factory(STORAGE="db", **SECRETS)
    api1 = first.client()
    token = api1.register()["access_token"]
    data = html_resume("Erin Sun 孙艾琳", padding=CHUNK * 2 + 7)
    r = assert_ok(upload(api1, token, "erin.html", data), 201)["data"]
    assert wait_done(api1, token, r["id"])["status"] == "completed"

    other = server_factory.new_dir("other")
    second = server_factory(data_dir=other, STORAGE="db", DATABASE_URL=database_url(first), **SECRETS)
    assert files_in(os.path.join(str(other), "uploads")) == []
    api2 = second.client()
    got = api2.get(f"/resumes/{r['id']}/file", token=token)
    assert got.status_code == 200 and got.content == data
    # a parse on the second server alone reads the file from the database too
    first.stop()
    assert assert_ok(api2.post(f"/resumes/{r['id']}/reparse", token=token), 202)["data"]["status"] == "pending"
    assert wait_done(api2, token, r["id"])["status"] == "completed"
    text = assert_ok(api2.get(f"/resumes/{r['id']}", token=token))["data"]["parse_result"]["raw_text"]
    assert "Erin Sun" in text and "孙艾琳" in text
    assert files_in(os.path.join(str(other), "uploads")) == []


def test_switching_storage_keeps_files_readable(server_factory):
    local = server_factory()
    api = local.client()
    token = api.register()["access_token"]
    on_disk = html_resume("Fay Local")
    r1 = assert_ok(upload(api, token, "fay.html", on_disk), 201)["data"]
    assert wait_done(api, token, r1["id"])["status"] == "completed"
    assert chunks(local, r1["id"]) == (0, 0)
    local.stop()

    # the same installation with STORAGE=db: the old file from the folder, new ones into the database
    db = server_factory(data_dir=local.data_dir, STORAGE="db")
    api = db.client()
    assert api.get(f"/resumes/{r1['id']}/file", token=token).content == on_disk
    in_db = html_resume("Gus Database")
    r2 = assert_ok(upload(api, token, "gus.html", in_db), 201)["data"]
    assert wait_done(api, token, r2["id"])["status"] == "completed"
    assert chunks(db, r2["id"]) == (1, len(in_db))
    db.stop()

    # and back to STORAGE=local: the file in the database is still served
    back = server_factory(data_dir=local.data_dir)
    api = back.client()
    assert api.get(f"/resumes/{r2['id']}/file", token=token).content == in_db
    assert api.get(f"/resumes/{r1['id']}/file", token=token).content == on_disk

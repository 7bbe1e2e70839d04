# Socket.IO across instances (realtime/adapter.h): two `serve` instances over one database and one
# Redis, with the parse jobs left to a separate `worker` process (JOB_WORKERS=0 on the instances).
# A room emit on instance A reaches a client on instance B once, and the emitting instance's own
# clients once; `resume_status` from the worker reaches the owner's sockets wherever they are and
# nobody else's; junk on the channel is dropped; with Redis stopped each instance still delivers
# its own emits and nothing crashes, and once Redis is back the instances hear each other again.
import re
import time

import pytest

import dbservers
from cluster_kit import Worker, redis_cmd, redis_subscribers, wait_until
from conftest import assert_ok
from realtime_kit import Recorder, upload, wait_parsed

CHANNEL = b"ig:sio:0#/"
QUIET = 1.5  # seconds to wait for an event that must not come


def subscribers(port):
    return redis_subscribers(port, CHANNEL)


def message(room, packet, origin=b"\x07" * 16):
    """A channel message as the adapter writes it (realtime/adapter.h)."""
    r = room.encode()
    return b"IGS1" + origin + bytes([len(r)]) + r + packet.encode()


def count_events(proc, event):
    return len(re.findall(r'"event":\s*"%s"' % event, proc.log_text(tail=10 ** 7)))


@pytest.fixture(scope="module")
def cluster(redis, module_factory, tmp_path_factory):
    """Instances A and B on one DATA_DIR (one database, one upload folder, the same secrets) and a
    worker; A starts first, so that it alone creates the secrets and the schema. Redis outlives
    them all."""
    data = module_factory.new_dir("cluster")
    env = {"REDIS_URL": redis.url(), "JOB_WORKERS": 0}
    a = module_factory(data_dir=data, **env)
    b = module_factory(data_dir=data, **env)
    wenv = dict(a.env, JOB_WORKERS="1", JOB_POLL_MS="100")
    logs = tmp_path_factory.getbasetemp() / "logs"
    w = Worker(wenv, a.cwd, str(logs / f"worker-{a.port}.log"))
    wait_until(lambda: subscribers(redis.port) == 2, 15, "both instances subscribed")
    yield a, b, w
    w.stop_clean()


@pytest.fixture(scope="module")
def alice(cluster):
    a, _, _ = cluster
    return a.client().register()


@pytest.fixture(scope="module")
def interview(cluster, alice):
    a, _, _ = cluster
    api, tok = a.client(), alice["access_token"]
    rid = upload(api, tok)
    assert wait_parsed(api, tok, rid)["status"] == "completed"
    body = {"resume_id": rid, "interview_type": "behavioral", "difficulty": "medium", "question_count": 5,
            "language": "en", "hints": False, "adaptive": False}
    return assert_ok(api.post("/interviews", token=tok, json=body), 201)["data"]


@pytest.fixture
def clients():
    made = []
    yield made
    for c in made:
        c.close()


def joined(clients, server, token, session_id=None):
    c = Recorder(server, token).connect()
    clients.append(c)
    c.wait("connected")
    if session_id is not None:
        assert c.call("join_interview", {"session_id": session_id})["success"] is True
    return c


def current_question(server, token, iv):
    return assert_ok(server.client().get(f"/interviews/{iv['id']}/current-question", token=token))["data"]


def answer(c, sid, qid, text):
    ack = c.call("answer_complete", {"session_id": sid, "question_id": qid, "answer": text}, timeout=60)
    assert ack["success"] is True, ack
    return ack


def analyses(c, answer_id):
    return [d for d in c.named("answer_analysis") if d.get("answer_id") == answer_id]


def test_room_emit_reaches_the_other_instance_once(cluster, alice, interview, clients):
    a, b, _ = cluster
    tok, sid = alice["access_token"], interview["session_id"]
    x = joined(clients, a, tok, sid)
    y = joined(clients, b, tok, sid)
    elsewhere = joined(clients, b, tok)  # the same user on B, not in the interview's room
    q = current_question(a, tok, interview)
    ack = answer(x, sid, q["id"], "I led the migration of our payment services to Kubernetes; 我负责迁移。")
    got = y.wait("answer_analysis", timeout=15, where=lambda d: d.get("answer_id") == ack["answer_id"])
    assert got["session_id"] == sid and got["question_id"] == q["id"]
    assert got["score"] == ack["score"] and got["feedback"] == ack["feedback"]
    time.sleep(QUIET)
    # A's own client is not sent A's emit a second time through Redis; B's client once
    assert len(analyses(x, ack["answer_id"])) == 1
    assert len(analyses(y, ack["answer_id"])) == 1
    assert elsewhere.named("answer_analysis") == []


def test_worker_resume_status_reaches_the_owner_anywhere(cluster, alice, clients):
    a, b, _ = cluster
    tok = alice["access_token"]
    on_b = joined(clients, b, tok)
    on_a = joined(clients, a, tok)
    bob = a.client().register()
    bob_b = joined(clients, b, bob["access_token"])
    rid = upload(a.client(), tok, name="Wei Chen")  # uploaded on A, parsed by the worker
    done = on_b.wait("resume_status", timeout=60, where=lambda d: d["resume_id"] == rid and d["status"] == "completed")
    assert 0.0 <= done["confidence"] <= 1.0
    assert on_b.wait("resume_status", where=lambda d: d["resume_id"] == rid and d["status"] == "processing")
    on_a.wait("resume_status", where=lambda d: d["resume_id"] == rid and d["status"] == "completed")
    assert wait_parsed(b.client(), tok, rid)["status"] == "completed"
    time.sleep(QUIET)
    for c in (on_a, on_b):
        assert [d["status"] for d in c.named("resume_status") if d["resume_id"] == rid] == ["processing", "completed"]
    assert bob_b.named("resume_status") == []


def test_junk_on_the_channel_is_dropped(cluster, redis, alice, clients):
    a, b, _ = cluster
    tok, uid = alice["access_token"], alice["user"]["id"]
    y = joined(clients, b, tok)
    room = f"user:{uid}"
    before = count_events(b, "redis_sio_message_dropped")
    junk = [b"hello", b"IGS1", message(room, '40{"sid":"x"}'), message(room, '42["a"]\x1e42["b"]'),
            message(room, '451-["a",{"_placeholder":true,"num":0}]'), message(room, '42/admin,["a"]'),
            b"IGS2" + message(room, '42["a"]')[4:]]
    for m in junk:
        assert redis_cmd(redis.port, "PUBLISH", CHANNEL, m) == b":2\r\n"
    # another process may speak the format: an emitter of its own reaches the room
    assert redis_cmd(redis.port, "PUBLISH", CHANNEL, message(room, '42["notice",{"text":"维护通知"}]')) == b":2\r\n"
    assert y.wait("notice") == {"text": "维护通知"}
    wait_until(lambda: count_events(b, "redis_sio_message_dropped") >= before + len(junk), 10, "junk logged on B")
    assert [n for n, _ in y.events if n not in ("connected", "notice")] == []
    assert a.proc.poll() is None and b.proc.poll() is None


def test_redis_outage_keeps_local_delivery_and_recovers(cluster, redis, alice, interview, clients):
    a, b, w = cluster
    tok, sid = alice["access_token"], interview["session_id"]
    x = joined(clients, a, tok, sid)
    y = joined(clients, b, tok, sid)
    q = current_question(a, tok, interview)
    down = [count_events(s, "redis_sio_degraded") for s in (a, b)]
    up = [count_events(s, "redis_sio_restored") for s in (a, b)]

    redis.halt()
    wait_until(lambda: all(count_events(s, "redis_sio_degraded") == n + 1 for s, n in zip((a, b), down)), 10,
               "the outage logged once on each instance")
    ack = answer(x, sid, q["id"], "We cut p99 latency by half with connection pooling.")
    x.wait("answer_analysis", where=lambda d: d.get("answer_id") == ack["answer_id"])
    time.sleep(QUIET)
    assert analyses(y, ack["answer_id"]) == []  # B cannot hear A without Redis
    assert a.proc.poll() is None and b.proc.poll() is None and w.proc.poll() is None
    # the redial backoff runs for the whole outage, and the outage is still logged once
    time.sleep(3)
    assert [count_events(s, "redis_sio_degraded") for s in (a, b)] == [n + 1 for n in down]

    redis.start()  # the same port
    wait_until(lambda: all(count_events(s, "redis_sio_restored") == n + 1 for s, n in zip((a, b), up)), 20,
               "both instances reconnected")
    wait_until(lambda: subscribers(redis.port) == 2, 10, "both instances subscribed again")
    # the restarted Redis kept nothing (no persistence), sessions included: log in again; the sockets
    # stay connected throughout
    tok = a.client().login(alice["user"]["email"])["access_token"]
    q2 = current_question(a, tok, interview)
    assert q2["id"] != q["id"]
    ack2 = answer(x, sid, q2["id"], "I mentor two junior engineers every week.")
    y.wait("answer_analysis", timeout=15, where=lambda d: d.get("answer_id") == ack2["answer_id"])

    # the worker's publisher reconnects on its next publish
    rid = upload(a.client(), tok, name="Li Na")
    y.wait("resume_status", timeout=60, where=lambda d: d["resume_id"] == rid and d["status"] == "completed")
    x.wait("resume_status", timeout=10, where=lambda d: d["resume_id"] == rid and d["status"] == "completed")


def test_instance_started_while_redis_is_down(server_factory):
    """Redis may be down when an instance starts: it serves, logs the outage once however often it
    redials, and joins the channel when Redis comes up."""
    redis = dbservers.RedisServer().start()
    try:
        redis.halt()
        srv = server_factory(REDIS_URL=redis.url(), JOB_WORKERS=0)
        wait_until(lambda: count_events(srv, "redis_sio_degraded") == 1, 10, "the outage logged")
        time.sleep(2.5)  # several redials
        assert count_events(srv, "redis_sio_degraded") == 1
        assert count_events(srv, "redis_sio_restored") == 0
        redis.start()
        wait_until(lambda: count_events(srv, "redis_sio_restored") == 1, 10, "connected")
        wait_until(lambda: subscribers(redis.port) == 1, 10, "subscribed")
        user = srv.client().register()
        c = Recorder(srv, user["access_token"]).connect()
        try:
            c.wait("connected")
            room = f"user:{user['user']['id']}"
            assert redis_cmd(redis.port, "PUBLISH", CHANNEL, message(room, '42["notice","hello"]')) == b":1\r\n"
            assert c.wait("notice") == "hello"
        finally:
            c.close()
    finally:
        redis.stop()

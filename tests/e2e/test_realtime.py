# The Socket.IO server end to end, with python-socketio (Debian's) and raw Engine.IO: authentication
# at connect, the interview rooms and their owners, resume status pushed while a parse runs,
# heartbeats, maxPayload, and malformed input that must close that connection only.
import json
import time

import pytest
import requests
import socketio
import websocket

from conftest import RawConn
from realtime_kit import (AUTH_FAILED, RawWS, Recorder, polling_open, polling_url, start_interview, upload,
                          wait_parsed, ws_connect)

SMALL_PAYLOAD = 4096


@pytest.fixture(scope="module")
def alice(server):
    return server.client().register()


@pytest.fixture(scope="module")
def bob(server):
    return server.client().register()


@pytest.fixture(scope="module")
def alice_interview(server, alice):
    return start_interview(server.client(), alice["access_token"])


@pytest.fixture
def clients():
    made = []
    yield made
    for c in made:
        c.close()


def connect(clients, server, token, **kw):
    c = Recorder(server, token, **kw).connect()
    clients.append(c)
    return c


# ---------- connecting ----------

@pytest.mark.parametrize("transports", [["websocket"], ["polling"], None])
def test_connected_event(server, alice, clients, transports):
    c = connect(clients, server, alice["access_token"], transports=transports)
    assert c.wait("connected") == {"message": "连接成功", "user_id": alice["user"]["id"]}
    if transports is None:  # python-socketio's default: polling, then the upgrade
        deadline = time.monotonic() + 5
        while c.sio.transport() != "websocket" and time.monotonic() < deadline:
            time.sleep(0.05)
    assert c.sio.transport() == (transports or ["websocket"])[0]
    assert c.call("leave_interview", {"session_id": "x"}) == {"session_id": "x", "success": True}


def test_connected_in_english(server, alice, clients):
    c = connect(clients, server, alice["access_token"], headers={"Accept-Language": "en-US,en;q=0.9"})
    assert c.wait("connected")["message"] == "Connected"
    ack = c.call("join_interview", {})
    assert ack == {"success": False, "message": "session_id is required"}


@pytest.mark.parametrize("auth", [None, {}, {"token": ""}, {"token": 42}, {"token": "not.a.jwt"},
                                  {"token": "x" * 5000}])
def test_connect_refused(server, auth):
    c = Recorder(server, auth=auth)
    with pytest.raises(socketio.exceptions.ConnectionError):
        c.connect(wait_timeout=1)
    assert c.wait("connect_error") == {"message": AUTH_FAILED}
    c.close()


def test_connect_refused_for_refresh_and_revoked_tokens(server):
    api = server.client()
    user = api.register()
    c = Recorder(server, user["refresh_token"])
    with pytest.raises(socketio.exceptions.ConnectionError):
        c.connect(wait_timeout=1)
    assert c.wait("connect_error") == {"message": AUTH_FAILED}
    c.close()
    # logging out revokes the token in the store: the store is asked at connect, as the API does
    assert api.post("/auth/logout", token=user["access_token"]).status_code == 200
    c = Recorder(server, user["access_token"])
    with pytest.raises(socketio.exceptions.ConnectionError):
        c.connect(wait_timeout=1)
    assert c.wait("connect_error") == {"message": AUTH_FAILED}
    c.close()


def test_refused_then_accepted_on_the_same_session(server, alice):
    w = RawWS(server)
    try:
        assert w.recv()[0] == "0"
        w.send('40{"token":"forged"}')
        assert json.loads(w.recv_until(lambda m: m.startswith("44"))[2:]) == {"message": AUTH_FAILED}
        w.send('42["join_interview",{"session_id":"x"}]')  # an event before CONNECT: dropped with the session
        assert w.closed_within(5)
    finally:
        w.close()
    w = RawWS(server)
    try:
        assert w.recv()[0] == "0"
        w.send('40{"token":"forged"}')
        w.recv_until(lambda m: m.startswith("44"))
        w.send("40" + json.dumps({"token": alice["access_token"]}))
        assert json.loads(w.recv_until(lambda m: m.startswith("40"))[2:])["sid"]
        connected = json.loads(w.recv_until(lambda m: m.startswith('42["connected"'))[2:])
        assert connected == ["connected", {"message": "连接成功", "user_id": alice["user"]["id"]}]
        w.send("40/admin,{}")  # only the default namespace is served
        err = w.recv_until(lambda m: m.startswith("44/admin,"))
        assert json.loads(err[len("44/admin,"):]) == {"message": "Invalid namespace"}
    finally:
        w.close()


# ---------- interview rooms ----------

def test_join_own_interview_only(server, alice, bob, alice_interview, clients):
    sid = alice_interview["session_id"]
    a = connect(clients, server, alice["access_token"])
    b = connect(clients, server, bob["access_token"])
    a.wait("connected")
    b.wait("connected")

    ack = a.call("join_interview", {"session_id": sid})
    assert ack == {"session_id": sid, "status": "active", "success": True}
    assert a.wait("joined_interview") == {"session_id": sid, "status": "active"}

    ack = b.call("join_interview", {"session_id": sid})  # the seed let anyone in
    assert ack == {"success": False, "message": "面试会话不存在"}
    assert b.wait("error") == {"message": "面试会话不存在"}
    assert not b.named("joined_interview")

    ack = b.call("join_interview", {"session_id": "00000000-0000-4000-8000-000000000000"})
    assert ack["success"] is False
    ack = b.call("join_interview", {"session_id": "../../etc/passwd"})
    assert ack == {"success": False, "message": "面试会话不存在"}
    ack = b.call("join_interview", {"sessionid": sid})
    assert ack == {"success": False, "message": "缺少会话ID"}
    ack = b.call("join_interview", "not an object")
    assert ack == {"success": False, "message": "缺少会话ID"}

    assert a.call("leave_interview", {"session_id": sid}) == {"session_id": sid, "success": True}
    assert a.wait("left_interview") == {"session_id": sid}


def test_join_without_ack(server, alice, alice_interview, clients):
    a = connect(clients, server, alice["access_token"], transports=["polling"])
    a.wait("connected")
    a.sio.emit("join_interview", {"session_id": alice_interview["session_id"]})
    assert a.wait("joined_interview")["session_id"] == alice_interview["session_id"]


# ---------- resume status ----------

def test_resume_status_pushed_to_the_owner(server, alice, bob, clients):
    api = server.client()
    a = connect(clients, server, alice["access_token"])
    b = connect(clients, server, bob["access_token"], transports=["polling"])
    a2 = connect(clients, server, alice["access_token"], transports=["polling"])  # a second tab
    for c in (a, b, a2):
        c.wait("connected")
    rid = upload(api, alice["access_token"], "Resume Status")
    final = wait_parsed(api, alice["access_token"], rid)
    assert final["status"] == "completed"
    for c in (a, a2):
        done = c.wait("resume_status", where=lambda d: d["resume_id"] == rid and d["status"] == "completed")
        assert set(done) == {"resume_id", "status", "confidence"}
        assert 0 < done["confidence"] <= 1
        assert abs(done["confidence"] - final["confidence"]) < 1e-6
        statuses = [d["status"] for d in c.named("resume_status") if d["resume_id"] == rid]
        assert statuses == ["processing", "completed"], statuses
        assert c.named("resume_status")[0]["confidence"] is None
    time.sleep(0.2)
    assert not b.named("resume_status")


# ---------- heartbeats ----------

def test_ping_timeout_closes_silent_clients(server_factory):
    srv = server_factory(RT_PING_INTERVAL=300, RT_PING_TIMEOUT=300)
    token = srv.client().register()["access_token"]
    polite = Recorder(srv, token).connect()
    try:
        polite.wait("connected")
        w = RawWS(srv)
        opened = json.loads(w.recv()[1:])
        assert opened["pingInterval"] == 300 and opened["pingTimeout"] == 300 and opened["upgrades"] == []
        t0 = time.monotonic()
        assert w.ws.recv() == "2"  # the server pings; nobody answers
        w.ws.settimeout(5)
        assert w.recv() is None
        assert 0.25 < time.monotonic() - t0 < 3
        w.close()
        time.sleep(1.2)  # several heartbeats: the python client answers them
        assert polite.sio.connected
        assert polite.call("leave_interview", {"session_id": "s"})["success"] is True
    finally:
        polite.close()


# ---------- malformed input ----------

BAD_WS_MESSAGES = [
    "9",                                # no such Engine.IO type
    "0{}",                              # OPEN from a client
    "4",                                # an empty Socket.IO packet
    "49",                               # no such Socket.IO type
    '42["join_interview"',              # truncated JSON
    '42{"not":"an array"}',
    "421234567890123456[\"x\"]",        # ack id too long
    '41{"x":1}',                        # DISCONNECT with data
    '451-["a",{"_placeholder":true,"num":3}]',  # placeholder beyond the count
    '44{"message":"from a client"}',
    "5",                                # UPGRADE on an open WebSocket
]


@pytest.mark.parametrize("bad", BAD_WS_MESSAGES)
def test_malformed_websocket_closes_that_connection_only(server, alice, clients, bad):
    other = connect(clients, server, alice["access_token"])
    other.wait("connected")
    w, _ = ws_connect(server, alice["access_token"])
    try:
        w.send(bad)
        assert w.closed_within(5), bad
    finally:
        w.close()
    assert other.sio.connected
    assert other.call("leave_interview", {"session_id": "s"})["success"] is True
    assert "rt_dropped" in server.log_text(tail=200000)


def test_malformed_binary_sequences(server, alice):
    # an attachment nobody announced
    w, _ = ws_connect(server, alice["access_token"])
    w.send_binary(b"\x01\x02")
    assert w.closed_within(5)
    w.close()
    # a text packet where an attachment is due
    w, _ = ws_connect(server, alice["access_token"])
    w.send('451-["leave_interview",{"_placeholder":true,"num":0}]')
    w.send('42["leave_interview",{}]')
    assert w.closed_within(5)
    w.close()
    # invalid UTF-8 in a text frame
    w, _ = ws_connect(server, alice["access_token"])
    w.ws.send(b'42["leave_interview","\xff"]', opcode=websocket.ABNF.OPCODE_TEXT)
    assert w.closed_within(5)
    w.close()


def test_binary_attachment_reassembled(server, alice):
    w, _ = ws_connect(server, alice["access_token"])
    try:
        w.send('451-7["leave_interview",{"session_id":"s1","blob":{"_placeholder":true,"num":0}}]')
        w.send_binary(bytes(range(256)))
        ack = w.recv_until(lambda m: m.startswith("437"))
        assert json.loads(ack[3:]) == [{"session_id": "s1", "success": True}]
    finally:
        w.close()


def test_malformed_polling_closes_that_session_only(server, alice):
    token = alice["access_token"]
    good = polling_open(server)["sid"]
    bad = polling_open(server)["sid"]
    assert requests.post(polling_url(server, good), data="40" + json.dumps({"token": token}),
                         timeout=10).text == "ok"
    r = requests.post(polling_url(server, bad), data="4hello\x1e\x1e", timeout=10)
    assert r.status_code == 400 and r.json() == {"code": 3, "message": "Bad request"}
    r = requests.get(polling_url(server, bad), timeout=10)
    assert r.status_code == 400 and r.json() == {"code": 1, "message": "Session ID unknown"}
    r = requests.get(polling_url(server, good), timeout=10)
    assert r.status_code == 200
    assert r.text.startswith("40{\"sid\":"), r.text


def test_engineio_errors(server):
    base = f"{server.base}/socket.io/"
    cases = [
        ("GET", "?EIO=3&transport=polling", 400, 5),
        ("GET", "?transport=polling", 400, 5),
        ("GET", "?EIO=4&transport=flashsocket", 400, 0),
        ("GET", "?EIO=4", 400, 0),
        ("GET", "?EIO=4&transport=polling&sid=unknownSid0123456789", 400, 1),
        ("GET", "?EIO=4&transport=polling&sid=bad.sid", 400, 3),
        ("POST", "?EIO=4&transport=polling", 400, 2),
        ("GET", "?EIO=4&transport=websocket", 400, 3),  # not an upgrade request
    ]
    for method, query, status, code in cases:
        r = requests.request(method, base + query, timeout=10)
        assert r.status_code == status, (query, r.text)
        assert r.json()["code"] == code, (query, r.text)
    r = requests.options(base + "?EIO=4&transport=polling", headers={"Origin": "https://app.example"}, timeout=10)
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_overlapping_polls_close_the_session(server):
    sid = polling_open(server)["sid"]
    conn = RawConn(server.port)
    try:
        conn.send(f"GET /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.2)
        r = requests.get(polling_url(server, sid), timeout=10)
        assert r.status_code == 400
        parked = conn.read_response()
        assert parked.status == 200 and parked.body == b"1"  # the close packet
    finally:
        conn.close()


def test_upgrade_by_hand(server, alice):
    token = alice["access_token"]
    sid = polling_open(server)["sid"]
    assert requests.post(polling_url(server, sid), data="40" + json.dumps({"token": token}), timeout=10).text == "ok"
    first = requests.get(polling_url(server, sid), timeout=10).text
    assert first.startswith("40")
    # the connected event follows the CONNECT ack, in the same poll or the next one
    while '42["connected"' not in first:
        first = requests.get(polling_url(server, sid), timeout=10).text
    conn = RawConn(server.port)  # a GET parked while the WebSocket is probed
    conn.send(f"GET /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\n\r\n")
    w = RawWS(server, sid)
    try:
        w.send("2probe")
        assert w.recv() == "3probe"
        assert conn.read_response().body == b"6"  # the parked GET ends with a noop
        w.send("5")
        w.send('42["leave_interview",{"session_id":"up"}]')
        assert json.loads(w.recv_until(lambda m: m.startswith('42["left_interview"'))[2:])[1] == {"session_id": "up"}
        r = requests.get(polling_url(server, sid), timeout=10)  # polling is over for this session
        assert r.status_code == 400
    finally:
        conn.close()
        w.close()


# ---------- limits ----------

def test_max_payload(server_factory):
    srv = server_factory(RT_MAX_PAYLOAD=SMALL_PAYLOAD)
    token = srv.client().register()["access_token"]
    assert polling_open(srv)["maxPayload"] == SMALL_PAYLOAD
    w, _ = ws_connect(srv, token)
    try:
        w.send('42["leave_interview",{"session_id":"s","pad":"%s"}]' % ("a" * (SMALL_PAYLOAD - 100)))
        assert w.recv_until(lambda m: m.startswith('42["left_interview"'))
        w.send('42["leave_interview",{"session_id":"s","pad":"%s"}]' % ("a" * SMALL_PAYLOAD))
        assert w.closed_within(5)
    finally:
        w.close()
    w, _ = ws_connect(srv, token)
    try:
        w.send('452-["leave_interview",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]')
        w.send_binary(b"x" * (SMALL_PAYLOAD - 1000))
        w.send_binary(b"y" * 2000)  # together past the cap
        assert w.closed_within(5)
    finally:
        w.close()
    sid = polling_open(srv)["sid"]
    r = requests.post(polling_url(srv, sid), data="4" + "x" * SMALL_PAYLOAD, timeout=10)
    assert r.status_code == 413
    assert "rt_dropped" in srv.log_text(tail=200000)


def test_event_flood_is_dropped_not_fatal(server, alice):
    w, _ = ws_connect(server, alice["access_token"])
    try:
        for i in range(300):
            w.send('42%d["leave_interview",{"session_id":"f"}]' % i)
        msg = w.recv_until(lambda m: m.startswith('42["error"'))
        assert json.loads(msg[2:])[1] == {"message": "发送过于频繁，请稍后再试"}
        time.sleep(1.1)
        w.send('4299999["leave_interview",{"session_id":"after"}]')
        ack = w.recv_until(lambda m: m.startswith("4399999"))
        assert json.loads(ack[7:]) == [{"session_id": "after", "success": True}]
    finally:
        w.close()


def test_shutdown_with_open_connections(server_factory):
    srv = server_factory()
    token = srv.client().register()["access_token"]
    ws = Recorder(srv, token).connect()
    poll = Recorder(srv, token, transports=["polling"]).connect()
    ws.wait("connected")
    poll.wait("connected")
    t0 = time.monotonic()
    assert srv.stop(timeout=20) == 0
    assert time.monotonic() - t0 < 10  # parked polls are answered, sockets closed: no waiting out timeouts
    ws.close()
    poll.close()


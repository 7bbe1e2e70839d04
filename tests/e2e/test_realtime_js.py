# The official JavaScript Socket.IO client (socket.io-client from npm, pinned in
# tests/realtime-js/package-lock.json; `make test` installs it) against the real server: refused
# without a valid token, polling then the upgrade to WebSocket, WebSocket only, polling only, the
# interview rooms of the user and of someone else, acknowledgements, a binary attachment.
import json
import os
import shutil
import subprocess

import pytest

from conftest import REPO
from realtime_kit import AUTH_FAILED, start_interview

JS_DIR = os.path.join(REPO, "tests", "realtime-js")


def _client_installed():
    return os.path.isfile(os.path.join(JS_DIR, "node_modules", "socket.io-client", "package.json"))


pytestmark = pytest.mark.skipif(shutil.which("node") is None or not _client_installed(),
                                reason="node or socket.io-client missing (make test runs npm ci in tests/realtime-js)")


def test_official_client(server):
    api = server.client()
    alice = api.register()
    bob = api.register()
    own = start_interview(api, alice["access_token"])
    foreign = start_interview(api, bob["access_token"])
    cfg = {"url": server.base, "token": alice["access_token"], "own_session": own["session_id"],
           "foreign_session": foreign["session_id"]}
    r = subprocess.run(["node", "client.js", json.dumps(cfg)], cwd=JS_DIR, capture_output=True, timeout=120)
    assert r.returncode == 0, r.stdout.decode() + r.stderr.decode()
    out = json.loads(r.stdout)

    for refused in ("no_token", "bad_token"):
        assert out[refused] == {"message": AUTH_FAILED, "connected": False}, out[refused]

    want_user = alice["user"]["id"]
    for name, first, last in (("polling_then_upgrade", "polling", "websocket"),
                              ("websocket_only", "websocket", "websocket"),
                              ("polling_only", "polling", "polling")):
        s = out[name]
        assert "failure" not in s, (name, s)
        assert s["first_transport"] == first, (name, s)
        assert s["transport"] == last, (name, s)
        assert s["connected"] == {"message": "连接成功", "user_id": want_user}, (name, s)
        assert len(s["socket_id"]) == 20, (name, s)
        assert s["own_ack"] == {"session_id": own["session_id"], "status": "active", "success": True}, (name, s)
        assert s["joined"] == {"session_id": own["session_id"], "status": "active"}, (name, s)
        assert s["foreign_ack"] == {"success": False, "message": "面试会话不存在"}, (name, s)
        assert s["foreign_error"] == {"message": "面试会话不存在"}, (name, s)
        assert s["missing_ack"] == {"success": False, "message": "缺少会话ID"}, (name, s)
        assert s["binary_ack"] == {"session_id": own["session_id"], "success": True}, (name, s)
        assert s["connected_at_end"] is True, (name, s)
    assert out["polling_then_upgrade"]["upgraded_to"] == "websocket"

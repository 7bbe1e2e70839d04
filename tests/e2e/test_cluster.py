# The multi-instance deployment run natively on loopback: deploy/nginx/interviewgenius.conf in front
# of two `serve` instances (each its own DATA_DIR and upload folder, STORAGE=db, no job threads),
# one `worker` process, a throwaway PostgreSQL (MariaDB when IG_TEST_DB=mysql) and Redis. nginx hashes
# Socket.IO on the client address, so clients come from distinct loopback addresses (127.0.0.x);
# the cross-instance checks talk to each instance directly. A logout on one instance is honoured by
# the other, an upload through nginx is parsed by the worker and served by both instances, Socket.IO
# room events and the worker's resume_status cross instances, one instance is SIGKILLed under
# uploads and Socket.IO clients without losing an accepted upload, and the database restarts under
# both instances.
import os
import secrets
import signal
import threading
import time
import types
import uuid

import pytest
import requests
import socketio

import dbservers
import nginx_kit
from cluster_kit import Worker, wait_until
from conftest import TEST_DB, Client, RawConn, Server, assert_ok, free_port, run_cli
from realtime_kit import Recorder, html_resume, start_interview

PENDING = ("pending", "processing")
ANSWER = ("In my role at Stripe I led the migration of our payment service; first I measured latency, then I "
          "split the work, and as a result latency dropped by 40 percent.")


# ---------- clients from a chosen loopback address ----------

class SourceAdapter(requests.adapters.HTTPAdapter):
    """Opens every connection from source_ip (nginx hashes Socket.IO on the client address)."""

    def __init__(self, source_ip, **kw):
        self.source_ip = source_ip
        super().__init__(**kw)

    def init_poolmanager(self, *args, **kw):
        kw["source_address"] = (self.source_ip, 0)
        super().init_poolmanager(*args, **kw)


def session_from(source_ip):
    s = requests.Session()
    s.mount("http://", SourceAdapter(source_ip))
    return s


def client_from(base, source_ip):
    c = Client(base + "/api/v1")
    c.s = session_from(source_ip)
    return c


class SioClient(Recorder):
    """A Recorder on any base URL; with source_ip, its HTTP long-polling requests come from that
    address (python-socketio opens WebSockets itself, without one: such clients poll)."""

    def __init__(self, base, token, source_ip=None, reconnection=False, transports=None):
        super().__init__(types.SimpleNamespace(base=base), token=token, transports=transports)
        kw = {"http_session": session_from(source_ip)} if source_ip else {}
        self.sio = socketio.Client(reconnection=reconnection, reconnection_delay=0.2, reconnection_delay_max=1,
                                   randomization_factor=0, **kw)
        self.sio.on("*", self._any)
        self.sio.on("connect_error", lambda data: self._record("connect_error", data))

    def count(self, event):
        return len(self.named(event))


# ---------- the cluster ----------

class Cluster:
    def __init__(self, tmp, db, redis):
        self.tmp = tmp
        self.db = db
        self.redis = redis
        self.log_dir = tmp / "logs"
        os.makedirs(self.log_dir, exist_ok=True)
        url = db.create_database("ig_cluster")
        # one deployment: every process shares the database, Redis and the two secrets
        self.common = {
            "DATABASE_URL": url,
            "REDIS_URL": redis.url(),
            "STORAGE": "db",
            "SECRET_KEY": secrets.token_hex(32),
            "JWT_SECRET_KEY": secrets.token_hex(32),
            "RT_PING_INTERVAL": "1000",
            "RT_PING_TIMEOUT": "2000",
        }
        self.instances = []
        self.worker = None
        self.nginx = None

    def instance(self, n, port=None):
        """Instance n (1 or 2): its own DATA_DIR (and so upload folder), no job threads; nginx (on
        127.0.0.1) is trusted to name the client, as deploy/docker-compose.yml sets it up."""
        srv = Server(self.tmp / f"data{n}", self.log_dir, JOB_WORKERS=0, TRUSTED_PROXIES="127.0.0.1", **self.common)
        if port is not None:  # a restart behind nginx keeps the address nginx knows
            srv.port, srv.env["PORT"] = port, str(port)
            srv.base, srv.api = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port}/api/v1"
        return srv

    def start(self):
        # migrations once, before the instances (as deploy/docker-compose.yml's migrate service)
        a = self.instance(1)
        p = run_cli(["migrate"], a.env, cwd=a.cwd)
        assert p.returncode == 0, p.stderr.decode()
        self.instances = [a.start(wait=False), self.instance(2).start(wait=False)]
        for srv in self.instances:
            srv.wait_ready()
        wenv = dict(self.instances[0].env, DATA_DIR=str(self.tmp / "worker"), JOB_WORKERS="2", LOG_LEVEL="info",
                    JOB_POLL_MS="100")
        os.makedirs(wenv["DATA_DIR"], exist_ok=True)
        self.worker = Worker(wenv, self.log_dir)
        self.nginx = nginx_kit.Nginx(self.tmp / "nginx", [s.port for s in self.instances], free_port()).start()
        return self

    @property
    def a(self):
        return self.instances[0]

    @property
    def b(self):
        return self.instances[1]

    def via_nginx(self, source_ip):
        return client_from(self.nginx.base, source_ip)

    def port_of(self, upstream):
        return int(upstream.rsplit(":", 1)[1])

    def stop(self):
        problems = []
        if self.nginx is not None:
            self.nginx.stop()
        for srv in self.instances:
            if srv.proc is None or srv.returncode is not None:
                continue
            rc = srv.stop()
            if rc != 0:
                problems.append(f"instance :{srv.port} exit code {rc}\n{srv.log_text()}")
            marker = srv.sanitizer_report()
            if marker:
                problems.append(f"instance :{srv.port} {marker}\n{srv.log_text()}")
        if self.worker is not None:
            rc = self.worker.stop()
            if rc != 0:
                problems.append(f"worker exit code {rc}")
        return problems


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not nginx_kit.available():
        pytest.skip("nginx is not installed (scripts/install-deps.sh installs nginx-light)")
    kind = "mysql" if TEST_DB == "mysql" else "pg"
    db = dbservers.MysqlServer() if kind == "mysql" else dbservers.PgServer()
    redis = dbservers.RedisServer()
    c = None
    try:
        db.start()
        redis.start()
        c = Cluster(tmp_path_factory.mktemp("cluster"), db, redis).start()
        yield c
        problems = c.stop()
        assert not problems, "\n".join(problems)
    finally:
        if c is not None and c.nginx is not None:
            c.nginx.stop()
        redis.stop()
        db.stop()


def wait_status(api, token, rid, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        st = assert_ok(api.get(f"/resumes/{rid}/status", token=token))["data"]
        if st["status"] not in PENDING:
            return st
        assert time.monotonic() < deadline, f"resume {rid} still {st}"
        time.sleep(0.05)


def upload(api, token, name="Alice Zhang"):
    data = html_resume(name)
    r = api.post("/resumes", token=token, files={"file": ("cv.html", data, "text/html")})
    assert r.status_code == 201, r.text
    return r.json()["data"]["id"], data


# ---------- tests ----------

def test_logout_on_one_instance_is_honoured_by_the_other(cluster):
    a, b = cluster.a.client(), cluster.b.client()
    data = a.register()
    tok, refresh = data["access_token"], data["refresh_token"]
    assert a.profile_status(tok) == 200 and b.profile_status(tok) == 200
    other = b.login(data["user"]["email"])
    assert_ok(b.post("/auth/logout", token=tok))
    # at once, on the instance that did not see the logout
    assert a.profile_status(tok) == 401
    assert a.refresh_status(refresh) == 401
    # the other session of the same user is untouched on both
    assert a.profile_status(other["access_token"]) == 200 and b.profile_status(other["access_token"]) == 200


def test_upload_through_nginx_is_parsed_by_the_worker(cluster):
    api = cluster.via_nginx("127.0.0.2")
    tok = api.register()["access_token"]
    rid, data = upload(api, tok, "Wang Fang")
    st = wait_status(api, tok, rid)
    assert st["status"] == "completed", st
    # the worker logs job_done just after it has recorded the result the status shows
    wait_until(lambda: any(e.get("event") == "job_done" and e.get("resume_id") == rid
                           for e in cluster.worker.log_events()), 10, f"job_done for resume {rid} in the worker's log")
    for srv in cluster.instances:
        assert '"job_done"' not in srv.log_text(), "a serve instance ran a job with JOB_WORKERS=0"
    # STORAGE=db: both instances serve the file, and neither keeps it on its disk
    for srv in cluster.instances:
        r = srv.client().get(f"/resumes/{rid}/file", token=tok)
        assert r.status_code == 200 and r.content == data, (srv.port, r.status_code)
        for root, _, files in os.walk(srv.data_dir):
            for f in files:
                with open(os.path.join(root, f), "rb") as fh:
                    assert data not in fh.read(), f"{root}/{f} holds the upload"


def test_socketio_room_events_cross_instances(cluster):
    api = cluster.a.client()
    tok = api.register()["access_token"]
    iv = start_interview(api, tok)
    sid = iv["session_id"]
    q = assert_ok(api.get(f"/interviews/{iv['id']}/current-question", token=tok))["data"]
    on_b = SioClient(cluster.b.base, tok, transports=["websocket"]).connect()
    on_a = SioClient(cluster.a.base, tok, transports=["websocket"]).connect()
    try:
        for c in (on_a, on_b):
            c.wait("connected")
            assert c.call("join_interview", {"session_id": sid})["success"] is True
        ack = on_a.call("answer_complete", {"session_id": sid, "question_id": q["id"], "answer": ANSWER}, timeout=30)
        assert ack["success"] is True, ack
        # emitted to the room on instance 1, received by the member connected to instance 2
        got = on_b.wait("answer_analysis", timeout=10, where=lambda d: d.get("answer_id") == ack["answer_id"])
        assert got["score"] == ack["score"], (got, ack)
        # one copy each: instance 1 does not deliver its own publish twice
        time.sleep(0.3)
        assert on_a.count("answer_analysis") == 1 and on_b.count("answer_analysis") == 1
    finally:
        on_a.close()
        on_b.close()


def test_resume_status_from_the_worker_reaches_every_instance(cluster):
    api = cluster.b.client()
    tok = api.register()["access_token"]
    socks = [SioClient(srv.base, tok, transports=["websocket"]).connect() for srv in cluster.instances]
    try:
        for c in socks:
            c.wait("connected")
        rid, _ = upload(cluster.a.client(), tok, "Li Lei")
        for c in socks:
            c.wait("resume_status", timeout=20, where=lambda d: d["resume_id"] == rid and d["status"] == "completed")
    finally:
        for c in socks:
            c.close()


def test_socketio_through_nginx_polling_is_sticky_and_websocket_upgrades(cluster):
    tok = cluster.via_nginx("127.0.0.3").register()["access_token"]
    polls = [SioClient(cluster.nginx.base, tok, source_ip=f"127.0.0.{n}", transports=["polling"]).connect()
             for n in (3, 4, 5, 6)]
    ws = SioClient(cluster.nginx.base, tok, transports=["websocket"]).connect()
    try:
        for c in polls + [ws]:
            c.wait("connected")
            # an acknowledged round trip: several polling requests, all on the session's instance
            assert c.call("leave_interview", {"session_id": "x"}) == {"session_id": "x", "success": True}
        assert ws.sio.transport() == "websocket"
        # each address stayed on one instance for all its Socket.IO requests
        seen = {}
        for addr, _, path, status, ups in cluster.nginx.access():
            if path.startswith("/socket.io/") and addr in {f"127.0.0.{n}" for n in (3, 4, 5, 6)}:
                assert status in (200, 101), (addr, path, status)
                seen.setdefault(addr, set()).add(ups[-1])
        assert len(seen) == 4 and all(len(u) == 1 for u in seen.values()), seen
    finally:
        for c in polls + [ws]:
            c.close()


def test_nginx_answers_in_the_api_envelope(cluster):
    """What nginx answers itself keeps the API's shape: an upload over client_max_body_size
    (the server's MAX_CONTENT_LENGTH) is refused on its headers, in the client's language."""
    too_big = int(cluster.a.env.get("MAX_CONTENT_LENGTH", 100 << 20)) + 1
    for lang, message in ((None, "请求体过大"), ("en-US,en;q=0.9", "Request body too large")):
        conn = RawConn(cluster.nginx.port, source_ip="127.0.0.9")
        try:
            conn.send(f"POST /api/v1/resumes HTTP/1.1\r\nHost: x\r\nContent-Type: application/pdf\r\n"
                      f"Content-Length: {too_big}\r\n" + (f"Accept-Language: {lang}\r\n" if lang else "") + "\r\n")
            r = conn.read_response()
        finally:
            conn.close()
        assert r.status == 413 and r.header("Content-Type") == "application/json", (r.status, r.headers)
        assert r.json() == {"success": False, "error": {"message": message}}, r.body
    # the instances' metrics are not published
    assert requests.get(cluster.nginx.base + "/metrics", timeout=5).status_code == 404
    assert requests.get(cluster.a.base + "/metrics", timeout=5).status_code == 200


def test_database_restart_both_instances_recover(cluster):
    tok = cluster.a.client().register()["access_token"]
    cluster.db.halt()
    try:
        for srv in cluster.instances:
            r = srv.client().get("/auth/profile", token=tok, timeout=15)
            # a database that cannot be reached is a dependency outage: 503 with Retry-After
            assert r.status_code == 503 and r.json()["success"] is False, (srv.port, r.status_code, r.text)
            assert r.headers.get("Retry-After"), r.headers
    finally:
        cluster.db.start()
    deadline = time.monotonic() + 20
    for srv in cluster.instances:
        while srv.client().profile_status(tok) != 200:
            assert time.monotonic() < deadline, f"instance :{srv.port} did not recover:\n{srv.log_text()}"
            time.sleep(0.1)
        assert srv.proc.poll() is None
    # writes too, and the worker is back on the queue
    api = cluster.via_nginx("127.0.0.7")
    rid, _ = upload(api, tok, "Zhao Min")
    assert wait_status(api, tok, rid)["status"] == "completed"
    assert cluster.worker.proc.poll() is None


def test_sigkill_one_instance_loses_no_accepted_upload(cluster):
    tok = cluster.via_nginx("127.0.0.8").register()["access_token"]
    # Socket.IO clients polling through nginx from their own addresses, reconnecting on failure
    addrs = [f"127.0.0.{n}" for n in range(30, 38)]
    socks = [SioClient(cluster.nginx.base, tok, source_ip=ip, reconnection=True, transports=["polling"]).connect()
             for ip in addrs]
    stop = threading.Event()
    results = []  # (time, status, resume id or None)
    lock = threading.Lock()

    def uploader(ip):
        api = cluster.via_nginx(ip)
        while not stop.is_set():
            data = html_resume(f"Kill Test {uuid.uuid4().hex[:6]}")
            try:
                r = api.post("/resumes", token=tok, files={"file": ("cv.html", data, "text/html")}, timeout=30)
                status, body = r.status_code, r.json()
            except (requests.RequestException, ValueError) as e:
                status, body = repr(e), None
            with lock:
                results.append((time.monotonic(), status, body["data"]["id"] if status in (201, 202) else None))
            stop.wait(0.2)  # a steady trickle: every accepted upload is parsed before the test ends

    threads = [threading.Thread(target=uploader, args=(f"127.0.0.{n}",)) for n in range(40, 44)]
    try:
        for c in socks:
            c.wait("connected")
        sio_upstream = {}
        for addr, _, path, _, ups in cluster.nginx.access():
            if path.startswith("/socket.io/") and addr in addrs:
                sio_upstream[addr] = cluster.port_of(ups[-1])
        victim = next(s for s in cluster.instances if s.port == sio_upstream[addrs[0]])
        survivor = next(s for s in cluster.instances if s is not victim)
        on_victim = [c for ip, c in zip(addrs, socks) if sio_upstream[ip] == victim.port]
        for t in threads:
            t.start()
        time.sleep(1.5)
        victim.signal(signal.SIGKILL)
        killed_at = time.monotonic()
        victim.wait_exit()
        time.sleep(2.0)
        stop.set()
        for t in threads:
            t.join(30)

        accepted = [rid for _, status, rid in results if rid is not None]
        odd = [(status) for _, status, rid in results if rid is None and status != 503]
        assert not odd, f"uploads answered other than 201/202 or nginx's 503: {odd}"
        assert any(t > killed_at for t, _, rid in results if rid is not None), "no upload accepted after the kill"
        served = [cluster.port_of(ups[-1]) for _, method, path, status, ups in cluster.nginx.access()
                  if method == "POST" and path == "/api/v1/resumes" and status == 201]
        assert victim.port in served, "the killed instance had accepted no upload: nothing was at stake"
        # every accepted upload is parsed by the worker: none was lost with the instance
        api = survivor.client()
        for rid in accepted:
            assert wait_status(api, tok, rid, timeout=60)["status"] == "completed", rid
        # the victim's clients reconnect through nginx, to the survivor
        deadline = time.monotonic() + 15
        for c in on_victim:
            while c.count("connected") < 2:
                assert time.monotonic() < deadline, f"a client of the killed instance did not reconnect: {c.events}"
                time.sleep(0.1)
            assert c.call("leave_interview", {"session_id": "x"})["success"] is True
    finally:
        stop.set()
        for c in socks:
            c.close()
    # back to two instances, on the address nginx knows
    i = cluster.instances.index(victim)
    cluster.instances[i] = cluster.instance(i + 1, port=victim.port).start()


def test_two_workers_share_the_queue_without_double_work(cluster):
    """A second `worker` process on the same database: each job is leased by one of them only
    (FOR UPDATE SKIP LOCKED), and every upload is parsed exactly once."""
    env = dict(cluster.worker.env, DATA_DIR=str(cluster.tmp / "worker2"))
    os.makedirs(env["DATA_DIR"], exist_ok=True)
    second = Worker(env, cluster.log_dir)
    try:
        api = cluster.via_nginx("127.0.0.7")
        tok = api.register()["access_token"]
        rids = [upload(api, tok, f"Worker Test {i} {uuid.uuid4().hex[:6]}")[0] for i in range(12)]
        for rid in rids:
            assert wait_status(api, tok, rid)["status"] == "completed"
    finally:
        rc = second.stop()
    assert rc == 0, f"second worker exit code {rc}"

    def done():
        return [e["resume_id"] for w in (cluster.worker, second) for e in w.log_events()
                if e.get("event") == "job_done" and e.get("resume_id") in rids]

    # the first worker logs job_done just after recording the result the status shows
    wait_until(lambda: set(done()) == set(rids), 10, "a job_done line for every upload")
    assert sorted(done()) == sorted(rids), f"jobs done more than once: {sorted(done())} vs {sorted(rids)}"

# End-to-end fixtures: start the real interviewgenius binary on a free port with a temp DATA_DIR,
# talk to it over real HTTP (requests, raw sockets), and run its CLI against the same database.
# IG_TEST_DB=sqlite|pg|mysql picks the database every server uses (default sqlite, the file in its
# DATA_DIR); for pg and mysql one throwaway server runs for the session and each DATA_DIR gets its
# own database there, so a server restarted on the same DATA_DIR finds its data again.
import atexit
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import resource
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid

import pytest
import requests

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IG_BIN_SOURCE = os.path.abspath(os.environ.get("IG_BIN", os.path.join(REPO, "build", "interviewgenius")))


def _private_copy(path):
    """Runs a private copy of the binary, so a rebuild during the run cannot swap it mid-suite."""
    if not os.access(path, os.X_OK):
        return path
    d = tempfile.mkdtemp(prefix="ig-e2e-bin-")
    atexit.register(shutil.rmtree, d, True)
    dst = os.path.join(d, os.path.basename(path))
    shutil.copy2(path, dst)
    return dst


IG_BIN = _private_copy(IG_BIN_SOURCE)
sys.path.insert(0, os.path.join(REPO, "tests", "support"))
import dbservers  # noqa: E402
API = "/api/v1"
PASSWORD = "correct-horse-9"
START_TIMEOUT = 20.0
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")

# The 1,000-connection test needs descriptors in this process and in the servers it spawns.
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
_want = 8192 if _hard == resource.RLIM_INFINITY else min(_hard, 8192)
if _soft != resource.RLIM_INFINITY and _soft < _want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (_want, _hard))

# Servers alive right now, so a failing test can show their logs.
_LIVE = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique_email(tag="user"):
    return f"{tag}-{uuid.uuid4().hex[:12]}@example.com"


def base_env():
    """A clean environment: nothing from the developer's shell leaks in (secrets, ENV, ...)."""
    env = {}
    for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "ASAN_OPTIONS", "UBSAN_OPTIONS",
              "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    return env


# ---------- the database backend ----------

TEST_DB = os.environ.get("IG_TEST_DB", "sqlite")
if TEST_DB not in ("sqlite", "pg", "mysql"):
    raise RuntimeError(f"IG_TEST_DB={TEST_DB!r}: expected sqlite, pg or mysql")


class DbBackend:
    """The database the servers of this session use: SQLite files in their DATA_DIRs, or one
    database per DATA_DIR on a throwaway PostgreSQL or MariaDB server started on first use."""

    def __init__(self, kind):
        self.kind = kind
        self.server = None
        self.dbs = {}  # realpath(DATA_DIR) -> database name

    def start(self):
        if self.kind != "sqlite" and self.server is None:
            srv = dbservers.PgServer() if self.kind == "pg" else dbservers.MysqlServer()
            atexit.register(self.shutdown)
            self.server = srv.start()
        return self

    def shutdown(self):
        if self.server is not None:
            srv, self.server = self.server, None
            srv.stop()
        self.dbs.clear()

    def url_for(self, data_dir):
        """DATABASE_URL of the database kept for data_dir (created on first use); None for SQLite."""
        if self.kind == "sqlite":
            return None
        key = os.path.realpath(str(data_dir))
        name = self.dbs.get(key)
        if name is None:
            self.start()
            name = "ig_" + hashlib.sha1(key.encode()).hexdigest()[:20]
            self.server.create_database(name)
            self.dbs[key] = name
        return self.server.url(name)

    def release(self, data_dir):
        """Drops data_dir's database (its servers are stopped): the suite makes hundreds."""
        name = self.dbs.pop(os.path.realpath(str(data_dir)), None)
        if name is not None and self.server is not None:
            self.server.drop_database(name)

    def _db_of(self, env):
        url = env.get("DATABASE_URL")
        if url is None or url.startswith("sqlite:"):
            return None
        name = url.rsplit("/", 1)[-1].split("?", 1)[0]
        if name not in self.dbs.values():
            raise AssertionError(f"DATABASE_URL {url} is not one of this session's databases")
        return name

    def query(self, env, sql):
        """The rows of trusted sql run on the database of a server_env()'s env, as tuples of values
        typed as SQLite returns them (int, float, str, bytes, None) whatever the backend."""
        name = self._db_of(env)
        if name is None:
            con = sqlite3.connect(sqlite_path(env))
            try:
                return [tuple(r) for r in con.execute(sql)]
            finally:
                con.close()
        return [tuple(r) for r in self.server.query(name, sql)]

    def tables(self, env):
        """The names of the tables in env's database."""
        if self._db_of(env) is None:
            if not os.path.exists(sqlite_path(env)):
                return set()
            sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
        elif self.kind == "pg":
            sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        else:
            sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
        return {r[0] for r in self.query(env, sql)}


BACKEND = DbBackend(TEST_DB)


def sqlite_path(env):
    """The SQLite file a server_env()'s env points at."""
    url = env.get("DATABASE_URL")
    if url is None:
        return os.path.join(env["DATA_DIR"], "interviewgenius.db")
    assert url.startswith("sqlite:///"), url
    return url[len("sqlite://"):]


def db_query(env, sql):
    """Reads what a server wrote, on any backend: see DbBackend.query (sql is trusted text)."""
    return BACKEND.query(env, sql)


def db_tables(env):
    """The table names in a server_env()'s database."""
    return BACKEND.tables(env)


def server_env(data_dir, port, **overrides):
    """The environment of a server on port over data_dir; its DATABASE_URL is the backend's database
    for data_dir unless overrides names one."""
    env = base_env()
    env.update({
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATA_DIR": str(data_dir),
        "ENV": "test",
        "LOG_LEVEL": "warn",
        "RATELIMIT_ENABLED": "false",
        "PWHASH_OPSLIMIT": "1",
        "PWHASH_MEMLIMIT": "8388608",
    })
    if "DATABASE_URL" not in overrides and BACKEND.kind != "sqlite":
        env["DATABASE_URL"] = BACKEND.url_for(data_dir)
    for k, v in overrides.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = str(v)
    return env


class Server:
    """One interviewgenius process. Logs go to files in its log dir; stop() returns the exit code."""

    def __init__(self, data_dir, log_dir, mkdir=True, **env):
        self.data_dir = str(data_dir)
        self.port = free_port()
        self.env = server_env(self.data_dir, self.port, **env)
        self.base = f"http://127.0.0.1:{self.port}"
        self.api = self.base + API
        if mkdir:
            os.makedirs(self.data_dir, exist_ok=True)
        os.makedirs(log_dir, exist_ok=True)
        # cwd holds no .env, so a developer's ./.env never configures the test server.
        self.cwd = str(log_dir)
        self.log_path = os.path.join(str(log_dir), f"server-{self.port}-{uuid.uuid4().hex[:8]}.log")
        self.proc = None
        self.returncode = None

    def start(self, wait=True):
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([IG_BIN, "serve"], env=self.env, cwd=self.cwd,
                                     stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        _LIVE.append(self)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.returncode = self.proc.returncode
                self._close()
                raise RuntimeError(f"server exited with {self.returncode} during start:\n"
                                   + self.log_text())
            try:
                if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"server not healthy within {timeout}s:\n" + self.log_text())

    def log_text(self, tail=20000):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
        except OSError:
            return ""
        return data[-tail:].decode("utf-8", "replace")

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=30):
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.returncode = None
        finally:
            self._close()
        return self.returncode

    def stop(self, timeout=30):
        """SIGTERM, wait; the exit code (None when it had to be killed)."""
        if self.proc is None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait_exit(timeout)

    def _close(self):
        if self in _LIVE:
            _LIVE.remove(self)
        if not self._log.closed:
            self._log.close()

    def sanitizer_report(self):
        text = self.log_text(tail=10 ** 7)
        return next((m for m in SANITIZER_MARKERS if m in text), None)

    def cli(self, *args, timeout=60, **env):
        """Runs `interviewgenius ARGS` against this server's DATA_DIR."""
        e = dict(self.env)
        e.update({k: str(v) for k, v in env.items()})
        return run_cli(list(args), e, cwd=self.cwd, timeout=timeout)

    def client(self, lang=None):
        return Client(self.api, lang=lang)


def run_cli(args, env, cwd, timeout=60):
    return subprocess.run([IG_BIN] + list(args), env=env, cwd=cwd, capture_output=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


class Client:
    """requests against the API base, with optional bearer token and Accept-Language."""

    def __init__(self, api, lang=None):
        self.api = api
        self.lang = lang
        self.s = requests.Session()

    def request(self, method, path, token=None, lang=None, headers=None, timeout=30, **kw):
        h = {}
        lang = lang or self.lang
        if lang:
            h["Accept-Language"] = lang
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        if headers:
            h.update(headers)
        return self.s.request(method, self.api + path, headers=h, timeout=timeout, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def register(self, email=None, password=PASSWORD, username=None):
        email = email or unique_email()
        body = {"email": email, "password": password}
        if username is not None:
            body["username"] = username
        r = self.post("/auth/register", json=body)
        assert r.status_code == 201, r.text
        return r.json()["data"]

    def login(self, email, password=PASSWORD):
        r = self.post("/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        return r.json()["data"]

    def profile_status(self, token):
        return self.get("/auth/profile", token=token).status_code

    def refresh_status(self, refresh_token):
        return self.post("/auth/refresh", token=refresh_token).status_code


# ---------- envelope assertions ----------

def assert_json(resp):
    ctype = resp.headers.get("Content-Type", "")
    assert ctype.split(";")[0].strip().lower() == "application/json", \
        f"Content-Type {ctype!r} for {resp.status_code}: {resp.text[:300]}"
    assert resp.headers.get("X-Request-Id"), "X-Request-Id missing"
    return resp.json()


def assert_ok(resp, status=200, message=None):
    assert resp.status_code == status, f"{resp.status_code}: {resp.text[:500]}"
    body = assert_json(resp)
    assert body.get("success") is True, body
    if message is not None:
        assert body.get("message") == message, body
    return body


def assert_error(resp, status, message=None, fields=()):
    assert resp.status_code == status, f"expected {status}, got {resp.status_code}: {resp.text[:500]}"
    body = assert_json(resp)
    assert body.get("success") is False, body
    err = body.get("error")
    assert isinstance(err, dict), body
    assert isinstance(err.get("message"), str) and err["message"], body
    if message is not None:
        assert err["message"] == message, body
    if fields:
        details = err.get("details")
        assert isinstance(details, dict), f"no details object: {body}"
        for f in fields:
            assert f in details, f"details lacks {f!r}: {body}"
            msgs = details[f]
            assert isinstance(msgs, list) and msgs and all(isinstance(m, str) and m for m in msgs), body
    return body


def assert_user(user, email=None):
    assert set(user) >= {"id", "email", "username", "avatar_url", "is_active", "last_login_at",
                         "created_at"}, user
    assert isinstance(user["id"], int) and not isinstance(user["id"], bool) and user["id"] > 0, user
    assert "password_hash" not in user and "password" not in user, user
    assert user["is_active"] is True, user
    assert isinstance(user["created_at"], str) and ISO_UTC.match(user["created_at"]), user
    if user["last_login_at"] is not None:
        assert ISO_UTC.match(user["last_login_at"]), user
    if email is not None:
        assert user["email"] == email, user


def assert_token_shape(tok):
    assert isinstance(tok, str) and tok.count(".") == 2, tok
    return jwt_parts(tok)


# ---------- JWT forging (no PyJWT) ----------

def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_dec(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def jwt_parts(tok):
    h, p, s = tok.split(".")
    return json.loads(b64u_dec(h)), json.loads(b64u_dec(p)), s


def jwt_sign(header, payload, key, digest=hashlib.sha256):
    signing = b64u(json.dumps(header, separators=(",", ":")).encode()) + "." + \
        b64u(json.dumps(payload, separators=(",", ":")).encode())
    sig = b64u(hmac.new(key, signing.encode(), digest).digest()) if key is not None else ""
    return signing + "." + sig


def jwt_resign_raw(tok, key):
    """The HS256 signature of the token's own header.payload bytes, under key."""
    h, p, _ = tok.split(".")
    return b64u(hmac.new(key, f"{h}.{p}".encode(), hashlib.sha256).digest())


# ---------- raw HTTP over sockets ----------

class RawResponse:
    def __init__(self, version, status, reason, headers, body):
        self.version, self.status, self.reason = version, status, reason
        self.headers = headers  # list of (name, value)
        self.body = body

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def json(self):
        return json.loads(self.body)


class Closed(Exception):
    pass


class RawConn:
    """A socket with a read buffer and an HTTP/1.1 response reader (Content-Length or chunked)."""

    def __init__(self, port, host="127.0.0.1", timeout=10.0, source_ip=None):
        self.sock = socket.create_connection((host, port), timeout=timeout,
                                             source_address=(source_ip, 0) if source_ip else None)
        self.buf = b""

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise Closed()
        self.buf += chunk

    def _read_until(self, marker, limit=1 << 20):
        while marker not in self.buf:
            if len(self.buf) > limit:
                raise AssertionError("response head too large")
            self._fill()
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def _read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_response(self, head_request=False):
        head = self._read_until(b"\r\n\r\n").decode("latin-1")
        lines = head.split("\r\n")
        version, status, *reason = lines[0].split(" ", 2)
        headers = []
        for line in lines[1:]:
            if line:
                k, _, v = line.partition(":")
                headers.append((k.strip(), v.strip()))
        resp = RawResponse(version, int(status), reason[0] if reason else "", headers, b"")
        if head_request or resp.status < 200 or resp.status in (204, 304):
            return resp
        te = (resp.header("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            body = b""
            while True:
                size_line = self._read_until(b"\r\n").decode().strip()
                size = int(size_line.split(";")[0], 16)
                if size == 0:
                    self._read_until(b"\r\n")  # no trailers expected
                    break
                body += self._read_exact(size)
                self._read_exact(2)
            resp.body = body
        elif resp.header("Content-Length") is not None:
            resp.body = self._read_exact(int(resp.header("Content-Length")))
        else:
            while True:  # body until close
                try:
                    self._fill()
                except Closed:
                    break
            resp.body, self.buf = self.buf, b""
        return resp

    def is_closed(self, timeout=2.0):
        """True when the peer closes (EOF or reset) within timeout; buffered bytes are consumed."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            r, _, _ = select.select([self.sock], [], [], left)
            if r:
                try:
                    chunk = self.sock.recv(65536)
                except (ConnectionResetError, BrokenPipeError):
                    return True
                if not chunk:
                    return True
                self.buf += chunk

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def send_until_response(conn, pieces):
    """Sends pieces, stopping as soon as the server answers (it may reject early and close);
    then reads that response. Send errors after an early answer are expected."""
    for piece in pieces:
        r, _, _ = select.select([conn.sock], [], [], 0)
        if r:
            break
        try:
            conn.send(piece)
        except (BrokenPipeError, ConnectionResetError):
            break
    return conn.read_response()


def raw_request(port, method, path, headers=None, body=b"", source_ip=None, timeout=30):
    """One request on its own connection (optionally from another loopback source address)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                      source_address=(source_ip, 0) if source_ip else None)
    try:
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = dict(headers or {})
            headers.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=body or None, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()


# ---------- fixtures ----------

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for srv in list(_LIVE):
            rc = srv.proc.poll()
            state = "running" if rc is None else f"EXITED on its own with {rc}"
            rep.sections.append((f"server :{srv.port} ({state}) log (tail)", srv.log_text(8000)))
        if BACKEND.server is not None:
            rep.sections.append((f"{TEST_DB} server log (tail)", BACKEND.server.log_text()))


@pytest.fixture(scope="session", autouse=True)
def _binary_exists():
    if not os.access(IG_BIN, os.X_OK):
        pytest.exit(f"server binary {IG_BIN_SOURCE} not found; build it with `make build/interviewgenius` "
                    "or set IG_BIN", returncode=2)


@pytest.fixture(scope="session", autouse=True)
def _database_backend():
    """Starts the session's database server (IG_TEST_DB=pg|mysql) and stops it at the end."""
    try:
        BACKEND.start()
    except (dbservers.ServerError, OSError) as e:
        pytest.exit(f"IG_TEST_DB={TEST_DB}: cannot start the database server: {e}", returncode=2)
    yield BACKEND
    BACKEND.shutdown()


def pytest_report_header(config):
    return f"database backend (IG_TEST_DB): {TEST_DB}"


class Factory:
    def __init__(self, tmp_path_factory):
        self.tmp = tmp_path_factory
        self.servers = []
        self.dirs = []  # the DATA_DIRs made here, whose databases go at cleanup

    def new_dir(self, name="data"):
        d = self.tmp.mktemp(name)
        self.dirs.append(d)
        return d

    def __call__(self, data_dir=None, wait=True, mkdir=True, **env):
        data_dir = data_dir or self.new_dir()
        srv = Server(data_dir, self.tmp.getbasetemp() / "logs", mkdir=mkdir, **env)
        self.servers.append(srv)
        return srv.start(wait=wait)

    def cleanup(self):
        problems = []
        for srv in self.servers:
            if srv.proc is None or srv.returncode is not None:
                continue
            if srv.proc.poll() is not None:
                problems.append(f"server :{srv.port} exited on its own with {srv.proc.returncode} "
                                f"before the end of its tests\n{srv.log_text()}")
                srv.wait_exit()
                continue
            rc = srv.stop()
            if rc != 0:
                problems.append(f"server :{srv.port} exit code {rc}\n{srv.log_text()}")
        for srv in self.servers:
            marker = srv.sanitizer_report()
            if marker:
                problems.append(f"server :{srv.port} {marker}\n{srv.log_text()}")
        self.servers.clear()
        for d in self.dirs:
            BACKEND.release(d)
        self.dirs.clear()
        assert not problems, "\n".join(problems)


@pytest.fixture
def server_factory(tmp_path_factory):
    """Starts servers with custom env (`server_factory(KEY=value, data_dir=...)`); all are stopped
    with SIGTERM at the end of the test and must exit 0 without sanitizer reports."""
    f = Factory(tmp_path_factory)
    yield f
    f.cleanup()


@pytest.fixture(scope="module")
def module_factory(tmp_path_factory):
    f = Factory(tmp_path_factory)
    yield f
    f.cleanup()


@pytest.fixture(scope="module")
def redis():
    """A throwaway Redis for a module's tests."""
    srv = dbservers.RedisServer().start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def server(module_factory):
    """One default server shared by a module's tests (tests use unique emails)."""
    return module_factory()


@pytest.fixture
def api(server):
    return server.client()


@pytest.fixture
def api_en(server):
    return server.client(lang="en")

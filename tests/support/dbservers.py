#!/usr/bin/python3
# Throwaway PostgreSQL, MariaDB and Redis servers for the tests and benches: each runs from Debian's
# packages in its own temp directory on a free loopback port, tuned for speed over durability, and
# is stopped and its directory removed afterwards. Used by tests/e2e/conftest.py (IG_TEST_DB=pg|mysql)
# and the multi-instance test; from a shell:
#   url=$(tests/support/dbservers.py start pg|mysql|redis)   ...   tests/support/dbservers.py stop "$url"
#   tests/support/dbservers.py with pg mysql redis -- CMD ARGS   (CMD sees IG_TEST_PG_URL, ...)
import argparse
import glob
import json
import os
import pwd
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

START_TIMEOUT = 60.0
USER = "ig"
PASSWORD = "ig-test-password"
# The servers' files are many small writes that no test needs on disk: tmpfs when it has room.
SHM = "/dev/shm"
SHM_MIN_FREE = 2 << 30
REGISTRY = os.path.join(tempfile.gettempdir(), f"ig-dbservers-{os.getuid()}")
DB_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class ServerError(RuntimeError):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_root():
    return os.geteuid() == 0


def _scratch_parent():
    try:
        st = os.statvfs(SHM)
        if os.access(SHM, os.W_OK) and st.f_bavail * st.f_frsize >= SHM_MIN_FREE:
            return SHM
    except OSError:
        pass
    return None


def _tail(path, n=4000):
    try:
        with open(path, "rb") as f:
            return f.read()[-n:].decode("utf-8", "replace")
    except OSError:
        return ""


def _run(args, what, timeout=60, **kw):
    p = subprocess.run(args, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, **kw)
    if p.returncode != 0:
        raise ServerError(f"{what} failed ({p.returncode}): "
                          + (p.stdout + p.stderr).decode("utf-8", "replace")[-4000:])
    return p.stdout.decode("utf-8", "replace")


def _check_name(name):
    if not DB_NAME.match(name):
        raise ValueError(f"database name {name!r} is not a plain lower-case identifier")
    return name


def _find(pattern, what):
    hits = sorted(glob.glob(pattern))
    if not hits:
        raise ServerError(f"{what} not found ({pattern}); install it with scripts/install-deps.sh")
    return hits[-1]


class _Base:
    kind = ""

    def __init__(self):
        self.port = None
        self.dir = None
        self.running = False

    def _make_dir(self):
        self.dir = tempfile.mkdtemp(prefix=f"ig-{self.kind}-", dir=_scratch_parent())
        self.port = free_port()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def restart(self, down=0.0):
        """Stops the server (keeping its data), waits down seconds, starts it on the same port."""
        self.halt()
        if down > 0:
            time.sleep(down)
        return self.start()

    def _spawn(self, args, name, ready, poll):
        """Starts args as the server process, its output in server.log, and waits until ready()
        (checked every poll seconds) or START_TIMEOUT; name is the program's, for messages."""
        self._log = open(os.path.join(self.dir, "server.log"), "ab")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.running = True
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                self.running = False
                self._log.close()
                raise ServerError(f"{name} exited with {self.proc.returncode}:\n{self.log_text()}")
            if ready():
                return self
            if time.monotonic() > deadline:
                self.halt()
                raise ServerError(f"{name} not ready within {START_TIMEOUT}s:\n{self.log_text()}")
            time.sleep(poll)

    def _terminate(self, timeout):
        """SIGTERM to the process _spawn started, SIGKILL after timeout seconds."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()

    def log_text(self):
        return _tail(os.path.join(self.dir or "", "server.log"))

    def stop(self):
        """Stops the server and removes its directory."""
        try:
            if self.running:
                self.halt()
        finally:
            if self.dir:
                shutil.rmtree(self.dir, ignore_errors=True)
                self.dir = None


# PostgreSQL type oids read back as SQLite would return them; the rest stay strings.
PG_INT_OIDS = {20, 21, 23, 26}
PG_FLOAT_OIDS = {700, 701}
PG_NUMERIC, PG_BOOL, PG_BYTEA = 1700, 16, 17


def _pg_value(oid, text):
    if text is None:
        return None
    if oid in PG_INT_OIDS:
        return int(text)
    if oid in PG_FLOAT_OIDS:
        return float(text)
    if oid == PG_NUMERIC:
        return float(text) if any(c in text for c in ".eEN") else int(text)
    if oid == PG_BOOL:
        return 1 if text == "t" else 0
    if oid == PG_BYTEA:
        return bytes.fromhex(text[2:])
    return text


class _UnixWire:
    """An admin connection over a server's unix socket, buffered; _login(db) runs once connected.
    name is the server's, for messages."""

    name = "the server"

    def __init__(self, path, db):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(60)
        self.buf = b""
        try:
            self.sock.connect(path)
            self._login(db)
        except Exception:
            self.close()
            raise

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionResetError(f"{self.name} closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


class _PgWire(_UnixWire):
    """The least of PostgreSQL's frontend protocol: the superuser's trusted login and simple queries."""

    name = "PostgreSQL"

    def _login(self, db):
        body = struct.pack("!i", 196608) + f"user\0postgres\0database\0{db}\0\0".encode()
        self.sock.sendall(struct.pack("!i", len(body) + 4) + body)
        self._until_ready()

    def _until_ready(self):
        rows, oids, error = [], [], None
        while True:
            try:
                kind = self._read(1)
                (n,) = struct.unpack("!i", self._read(4))
                body = self._read(n - 4)
            except ConnectionResetError:
                if error is not None:
                    raise ServerError(f"PostgreSQL: {error}") from None
                raise
            if kind == b"R" and struct.unpack("!i", body[:4])[0] != 0:
                raise ServerError("PostgreSQL asked the admin connection for a password")
            if kind == b"T":
                (cols,), off, oids = struct.unpack("!h", body[:2]), 2, []
                for _ in range(cols):
                    off = body.index(b"\0", off) + 1
                    oids.append(struct.unpack("!i", body[off + 6:off + 10])[0])
                    off += 18
            elif kind == b"D":
                (cols,), off, row = struct.unpack("!h", body[:2]), 2, []
                for i in range(cols):
                    (size,) = struct.unpack("!i", body[off:off + 4])
                    off += 4
                    text = None if size < 0 else body[off:off + size].decode("utf-8", "replace")
                    row.append(_pg_value(oids[i], text))
                    off += max(size, 0)
                rows.append(row)
            elif kind == b"E":
                fields = dict((f[:1], f[1:].decode("utf-8", "replace")) for f in body.split(b"\0") if f)
                error = fields.get(b"M", "error")
            elif kind == b"Z":
                if error is not None:
                    raise ServerError(f"PostgreSQL: {error}")
                return rows

    def query(self, sql):
        body = sql.encode() + b"\0"
        self.sock.sendall(b"Q" + struct.pack("!i", len(body) + 4) + body)
        return self._until_ready()


class _SqlServer(_Base):
    """What PgServer and MysqlServer share: admin connections over the unix socket, one kept per
    database (_wire(db) opens one; admin_db is the default)."""

    admin_db = None

    def __init__(self):
        super().__init__()
        self._admin = {}

    def admin(self, sql, db=None):
        """Runs sql (one statement) as the superuser over the unix socket; the rows, as lists of
        values typed as SQLite would return them. A client process per command would cost more
        than creating the database."""
        if db is None:
            db = self.admin_db
        conn = self._admin.get(db)
        if conn is not None:
            try:
                return conn.query(sql)
            except OSError:
                conn.close()
        conn = self._admin[db] = self._wire(db)
        return conn.query(sql)

    def _close_admin(self):
        for conn in self._admin.values():
            conn.close()
        self._admin.clear()

    def query(self, name, sql):
        """The rows of sql run in database name, typed as SQLite would return them."""
        rows = self.admin(sql, db=_check_name(name))
        self._admin.pop(name).close()
        return rows


class PgServer(_SqlServer):
    """PostgreSQL 15 from Debian's postgresql package. It refuses to run as root, so as root its
    directory belongs to `postgres` and its commands run through runuser. The test role owns the
    databases it is given and logs in with a password over loopback TCP (the URLs' way); the
    superuser's commands use the unix socket in the directory, trusted."""

    kind = "pg"
    admin_db = "postgres"

    def __init__(self):
        super().__init__()
        self.bindir = os.path.dirname(_find("/usr/lib/postgresql/*/bin/initdb", "PostgreSQL (initdb)"))

    def _as_owner(self, args):
        return ["runuser", "-u", "postgres", "--"] + args if is_root() else args

    @property
    def datadir(self):
        return os.path.join(self.dir, "data")

    def start(self):
        if self.running:
            return self
        if self.dir is None:
            self._init()
            return self
        opts = " ".join([
            f"-p {self.port}", f"-k {self.dir}", "-c listen_addresses=127.0.0.1",
            "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
            "-c wal_level=minimal", "-c max_wal_senders=0", "-c shared_buffers=32MB",
            "-c max_connections=300", "-c checkpoint_timeout=30min", "-c max_wal_size=1GB",
            "-c log_min_messages=warning", "-c log_min_error_statement=error", "-c log_checkpoints=off",
        ])
        _run(self._as_owner([os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir, "-l",
                             os.path.join(self.dir, "server.log"), "-o", opts, "-w", "-t",
                             str(int(START_TIMEOUT)), "start"]),
             "pg_ctl start", timeout=START_TIMEOUT + 10)
        self.running = True
        return self

    def _init(self):
        self._make_dir()
        if is_root():
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        _run(self._as_owner([os.path.join(self.bindir, "initdb"), "-D", self.datadir, "-U", "postgres",
                             "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                             "--locale=C.UTF-8", "--no-sync"]), "initdb", timeout=120)
        self.start()
        self.admin(f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'")

    def halt(self):
        if not self.running:
            return
        self.running = False
        self._close_admin()
        _run(self._as_owner([os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir, "-m", "fast",
                             "-w", "stop"]), "pg_ctl stop")

    def _wire(self, db):
        return _PgWire(os.path.join(self.dir, f".s.PGSQL.{self.port}"), db)

    def create_database(self, name, template="template0"):
        """A database owned by the test role (empty, or a copy of template); its URL. Copied file by
        file: with fsync off that is quicker than through the WAL."""
        self.admin(f"CREATE DATABASE {_check_name(name)} OWNER {USER} TEMPLATE {_check_name(template)} "
                   "STRATEGY FILE_COPY")
        return self.url(name)

    def drop_database(self, name):
        self.admin(f"DROP DATABASE IF EXISTS {_check_name(name)} WITH (FORCE)")

    def url(self, name="postgres"):
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{name}"


# MySQL column types read back as SQLite would return them; the rest stay strings.
MY_INT_TYPES = {1, 2, 3, 8, 9, 13}
MY_FLOAT_TYPES = {4, 5}
MY_DECIMAL_TYPES = {0, 0xF6}
MY_BLOB_TYPES = {0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE}
MY_BINARY_CHARSET = 63


class _MyWire(_UnixWire):
    """The least of MySQL's client protocol: root's password-less login over the unix socket and
    text-protocol queries, one statement each."""

    name = "MariaDB"

    def __init__(self, path, db=None):
        super().__init__(path, db)

    def _packet(self):
        head = self._read(4)
        self.seq = (head[3] + 1) & 0xFF
        return self._read(int.from_bytes(head[:3], "little"))

    def _send(self, payload):
        self.sock.sendall(len(payload).to_bytes(3, "little") + bytes([self.seq]) + payload)
        self.seq = (self.seq + 1) & 0xFF

    @staticmethod
    def _error(p):
        return ServerError(f"MariaDB error {int.from_bytes(p[1:3], 'little')}: "
                           + p[9:].decode("utf-8", "replace"))

    def _login(self, db):
        self._packet()  # the server's greeting: nothing in it matters without a password
        caps = 0x1 | 0x200 | 0x2000 | 0x8000 | 0x80000 | (0x8 if db else 0)
        body = struct.pack("<IIB23x", caps, 1 << 24, 46) + b"root\0" + b"\0"
        if db:
            body += db.encode() + b"\0"
        self._send(body + b"mysql_native_password\0")
        p = self._packet()
        if p[:1] == b"\xfe":  # switch to another method: the empty password is empty in any
            self._send(b"")
            p = self._packet()
        if p[:1] != b"\x00":
            raise self._error(p) if p[:1] == b"\xff" else ServerError("MariaDB refused the admin login")

    @staticmethod
    def _lenenc(p, off):
        first = p[off]
        if first < 0xFB:
            return first, off + 1
        if first == 0xFB:
            return None, off + 1
        size = {0xFC: 2, 0xFD: 3, 0xFE: 8}[first]
        return int.from_bytes(p[off + 1:off + 1 + size], "little"), off + 1 + size

    def query(self, sql):
        self.seq = 0
        self._send(b"\x03" + sql.encode())
        p = self._packet()
        if p[:1] == b"\xff":
            raise self._error(p)
        if p[:1] == b"\x00":
            return []
        ncols, _ = self._lenenc(p, 0)
        cols = []
        for _ in range(ncols):
            c, off = self._packet(), 0
            for _ in range(6):  # catalog, schema, table, org_table, name, org_name
                n, off = self._lenenc(c, off)
                off += n
            charset, _, ctype, _, decimals = struct.unpack("<HIBHB", c[off + 1:off + 11])
            cols.append((ctype, charset, decimals))
        self._packet()  # EOF
        rows = []
        while True:
            p = self._packet()
            if p[:1] == b"\xfe" and len(p) < 9:
                return rows
            if p[:1] == b"\xff":
                raise self._error(p)
            row, off = [], 0
            for ctype, charset, decimals in cols:
                n, off = self._lenenc(p, off)
                raw = None if n is None else p[off:off + n]
                off += n or 0
                row.append(self._value(ctype, charset, decimals, raw))
            rows.append(row)

    @staticmethod
    def _value(ctype, charset, decimals, raw):
        if raw is None:
            return None
        if ctype in MY_INT_TYPES:
            return int(raw)
        if ctype in MY_FLOAT_TYPES or (ctype in MY_DECIMAL_TYPES and decimals):
            return float(raw)
        if ctype in MY_DECIMAL_TYPES:
            return int(raw)
        if ctype in MY_BLOB_TYPES and charset == MY_BINARY_CHARSET:
            return bytes(raw)
        return raw.decode("utf-8", "replace")


class MysqlServer(_SqlServer):
    """MariaDB from Debian's mariadb-server package: utf8mb4 with the binary collation, no binary
    log, InnoDB tuned to flush lazily. The test user logs in with a password over loopback TCP;
    the root commands use the unix socket in the directory."""

    kind = "mysql"

    def __init__(self):
        super().__init__()
        self.proc = None
        self._log = None
        self.mariadbd = shutil.which("mariadbd") or _find("/usr/sbin/mariadbd", "MariaDB (mariadbd)")

    @property
    def socket(self):
        return os.path.join(self.dir, "mysqld.sock")

    def _user_args(self):
        return ["--user=root"] if is_root() else []

    def _init(self):
        self._make_dir()
        _run(["mariadb-install-db", "--no-defaults", f"--datadir={self.dir}/data",
              "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve",
              "--innodb-log-file-size=16M", *self._user_args()], "mariadb-install-db", timeout=180)
        self.start()
        self.admin(f"CREATE USER '{USER}'@'%' IDENTIFIED BY '{PASSWORD}'")
        self.admin(f"GRANT ALL PRIVILEGES ON *.* TO '{USER}'@'%'")

    def start(self):
        if self.running:
            return self
        if self.dir is None:
            self._init()
            return self
        on_tmpfs = self.dir.startswith(SHM + "/")
        args = [self.mariadbd, "--no-defaults", *self._user_args(), f"--datadir={self.dir}/data",
                f"--port={self.port}", f"--socket={self.socket}", "--bind-address=127.0.0.1",
                f"--pid-file={self.dir}/mysqld.pid", "--skip-name-resolve", "--skip-log-bin",
                "--character-set-server=utf8mb4", "--collation-server=utf8mb4_bin",
                "--max-connections=300", "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M",
                "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--performance-schema=0",
                "--skip-innodb-adaptive-hash-index", "--table-open-cache=400", "--log-warnings=1"]
        if on_tmpfs:
            # tmpfs has no O_DIRECT nor native AIO.
            args += ["--innodb-flush-method=fsync", "--innodb-use-native-aio=0"]
        return self._spawn(args, "mariadbd", self._answers, 0.1)

    def _answers(self):
        try:
            _MyWire(self.socket).close()
            return True
        except (OSError, ServerError):
            return False

    def halt(self):
        if not self.running:
            return
        self.running = False
        self._close_admin()
        self._terminate(60)

    def _wire(self, db):
        return _MyWire(self.socket, db)

    def create_database(self, name):
        _check_name(name)
        self.admin(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        return self.url(name)

    def drop_database(self, name):
        self.admin(f"DROP DATABASE IF EXISTS {_check_name(name)}")

    def url(self, name=""):
        return f"mysql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{name}"


class RedisServer(_Base):
    """redis-server without persistence."""

    kind = "redis"

    def __init__(self):
        super().__init__()
        self.proc = None
        self._log = None

    def start(self):
        if self.running:
            return self
        if self.dir is None:
            self._make_dir()
        return self._spawn(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                            "--appendonly", "no", "--dir", self.dir, "--daemonize", "no", "--loglevel", "warning"],
                           "redis-server", self.ping, 0.05)

    def ping(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def halt(self):
        if not self.running:
            return
        self.running = False
        self._terminate(30)

    def url(self, db=0):
        return f"redis://127.0.0.1:{self.port}/{db}"


KINDS = {"pg": PgServer, "mysql": MysqlServer, "redis": RedisServer}


def start_pg():
    return PgServer().start()


def start_mysql():
    return MysqlServer().start()


def start_redis():
    return RedisServer().start()


# ---------- command line: servers that outlive this process, found again by their port ----------

def _record_path(port):
    return os.path.join(REGISTRY, f"{int(port)}.json")


def _cli_start(kind, db):
    srv = KINDS[kind]()
    srv.start()
    rec = {"kind": kind, "port": srv.port, "dir": srv.dir}
    if kind == "pg":
        url = srv.create_database(db)
    elif kind == "mysql":
        url = srv.create_database(db)
        rec["pid"] = srv.proc.pid
    else:
        url = srv.url()
        rec["pid"] = srv.proc.pid
    os.makedirs(REGISTRY, exist_ok=True)
    with open(_record_path(srv.port), "w") as f:
        json.dump(rec, f)
    print(url)


def _cli_stop(url):
    m = re.search(r":(\d+)(/|$)", url.split("@")[-1])
    if not m or not os.path.exists(_record_path(m.group(1))):
        sys.exit(f"no server started by this script listens on {url!r}")
    path = _record_path(m.group(1))
    with open(path) as f:
        rec = json.load(f)
    if rec["kind"] == "pg":
        srv = PgServer()
        srv.dir, srv.port, srv.running = rec["dir"], rec["port"], True
        srv.stop()
    else:
        try:
            os.kill(rec["pid"], signal.SIGTERM)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                os.kill(rec["pid"], 0)
                time.sleep(0.1)
        except ProcessLookupError:
            pass
        shutil.rmtree(rec["dir"], ignore_errors=True)
    os.unlink(path)


ENV_NAMES = {"pg": "IG_TEST_PG_URL", "mysql": "IG_TEST_MYSQL_URL", "redis": "IG_TEST_REDIS_URL"}


def _cli_with(kinds, cmd, db):
    """Runs cmd with the servers of kinds started and their URLs in IG_TEST_*_URL; its exit code."""
    def on_term(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    servers, env = [], dict(os.environ)
    try:
        for kind in dict.fromkeys(kinds):
            srv = KINDS[kind]()
            servers.append(srv)
            srv.start()
            env[ENV_NAMES[kind]] = srv.url() if kind == "redis" else srv.create_database(db)
        return subprocess.call(cmd, env=env)
    finally:
        for srv in reversed(servers):
            srv.stop()


def main(argv=None):
    ap = argparse.ArgumentParser(description="Throwaway database servers for tests and benches.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    st = sub.add_parser("start", help="start a server; prints its URL")
    st.add_argument("kind", choices=sorted(KINDS))
    st.add_argument("--db", default="interviewgenius", type=_check_name,
                    help="the database to create (pg, mysql)")
    sp = sub.add_parser("stop", help="stop a server this script started, and remove its files")
    sp.add_argument("url")
    wp = sub.add_parser("with", usage="%(prog)s KIND... [--db NAME] -- CMD [ARG...]",
                        help="run CMD with servers started (their URLs in IG_TEST_PG_URL, IG_TEST_MYSQL_URL, "
                             "IG_TEST_REDIS_URL), then stop them")
    wp.add_argument("kinds", nargs="+", choices=sorted(KINDS))
    wp.add_argument("--db", default="interviewgenius", type=_check_name)
    argv = sys.argv[1:] if argv is None else argv
    cmd = argv[argv.index("--") + 1:] if "--" in argv else []
    args = ap.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    try:
        if args.cmd == "start":
            _cli_start(args.kind, args.db)
        elif args.cmd == "stop":
            _cli_stop(args.url)
        elif not cmd:
            ap.error("with: give the command after --")
        else:
            sys.exit(_cli_with(args.kinds, cmd, args.db))
    except ServerError as e:
        sys.exit(str(e))


if __name__ == "__main__":
    main()

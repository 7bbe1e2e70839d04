# What the multi-process e2e tests share (test_cluster.py, test_sio_cluster.py, test_worker_wakeup.py):
# a `worker` process with its log in a file, Redis commands over a bare socket (PUBSUB counts) and a
# polling wait. The `redis` fixture is in conftest.py.
import json
import os
import signal
import socket
import subprocess
import time
import uuid

from conftest import IG_BIN, SANITIZER_MARKERS


class Worker:
    """An `interviewgenius worker` process on env, run in cwd, its output in log_path (by default a
    new file in cwd)."""

    def __init__(self, env, cwd, log_path=None):
        self.env = env
        self.cwd = str(cwd)
        self.log_path = log_path or os.path.join(self.cwd, f"worker-{uuid.uuid4().hex[:8]}.log")
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([IG_BIN, "worker"], env=env, cwd=self.cwd, stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def log_text(self, tail=10 ** 7):
        with open(self.log_path, "rb") as f:
            return f.read()[-tail:].decode("utf-8", "replace")

    def log_events(self):
        """The log's JSON lines, parsed (other lines left out)."""
        out = []
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    def stop(self):
        """SIGTERM (SIGKILL after 30 s); the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self._log.close()
        return rc

    def stop_clean(self):
        """stop, asserting a clean exit: status 0 and no sanitizer report in the log."""
        rc = self.stop()
        text = self.log_text()
        assert rc == 0, text
        assert not any(m in text for m in SANITIZER_MARKERS), text


def redis_cmd(port, *args):
    """One command in RESP over a fresh connection; the raw reply."""
    parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    req = b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(req)
        reply = s.recv(65536)
        s.settimeout(0.1)  # a long reply (KEYS) may come in several reads
        try:
            while chunk := s.recv(65536):
                reply += chunk
        except socket.timeout:
            pass
        return reply


def redis_subscribers(port, channel):
    """How many clients are subscribed to channel."""
    reply = redis_cmd(port, "PUBSUB", "NUMSUB", channel)
    return int(reply.rsplit(b":", 1)[1].strip())


def wait_until(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, f"not within {timeout}s: {what}"
        time.sleep(0.05)

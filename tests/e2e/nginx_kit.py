# deploy/nginx/interviewgenius.conf run on loopback for the tests: the file itself with its upstream
# `server` lines pointed at the test's instances, its `listen` at a free port and its access log in a
# temp dir, inside a minimal top-level nginx.conf of the test's own (pid, temp paths, error log).
import os
import re
import shutil
import signal
import subprocess
import time

import requests

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONF = os.path.join(REPO, "deploy", "nginx", "interviewgenius.conf")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
UPSTREAM_SERVER = re.compile(r"^(\s*server\s+)app(\d+):5000\b", re.M)
LISTEN = re.compile(r"^(\s*listen\s+)80;", re.M)
ACCESS_LOG = re.compile(r"^(\s*access_log\s+)/var/log/nginx/interviewgenius\.access\.log\b", re.M)
# one line of the interviewgenius log_format
LOG_LINE = re.compile(r'^(\S+) \[[^]]*\] "(\S+) (\S+)[^"]*" (\d+) \d+ upstream=([^ ,]+(?:, [^ ,]+)*) ')


def available():
    return os.access(NGINX, os.X_OK)


def render(text, ports, listen_port, access_log):
    """The deploy file with appN:5000 -> 127.0.0.1:ports[N-1], `listen 80` -> 127.0.0.1:listen_port and
    the access log at access_log. Each substitution must apply, so a change to the file that the
    test would silently stop exercising fails here instead."""
    def upstream(m):
        n = int(m.group(2))
        assert 1 <= n <= len(ports), f"upstream app{n} has no test instance"
        return f"{m.group(1)}127.0.0.1:{ports[n - 1]}"

    out, n = UPSTREAM_SERVER.subn(upstream, text)
    assert n >= len(ports), f"{n} upstream server lines for {len(ports)} instances"
    out, n = LISTEN.subn(lambda m: f"{m.group(1)}127.0.0.1:{listen_port};", out)
    assert n == 1, "no `listen 80;` in the nginx configuration"
    out, n = ACCESS_LOG.subn(lambda m: m.group(1) + access_log, out)
    assert n == 1, "no access_log line in the nginx configuration"
    return out


def write_config(workdir, ports, listen_port, workers=1):
    """Writes workdir/nginx.conf (the top level, with `workers` worker processes) and
    workdir/interviewgenius.conf; the top level's path."""
    os.makedirs(workdir, exist_ok=True)
    with open(CONF, encoding="utf-8") as f:
        site = render(f.read(), ports, listen_port, os.path.join(workdir, "access.log"))
    with open(os.path.join(workdir, "interviewgenius.conf"), "w", encoding="utf-8") as f:
        f.write(site)
    temps = "\n".join(f"    {kind}_temp_path {workdir}/{kind};"
                      for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # as root, the workers would be `nobody`, who cannot enter pytest's private temp dirs
    user = "user root root;\n" if os.geteuid() == 0 else ""
    top = (f"{user}worker_processes {workers};\npid {workdir}/nginx.pid;\nerror_log {workdir}/error.log warn;\n"
           f"events {{ worker_connections 4096; }}\n"
           f"http {{\n{temps}\n    include {workdir}/interviewgenius.conf;\n}}\n")
    path = os.path.join(workdir, "nginx.conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write(top)
    return path


def check_config(conf_path, workdir):
    """`nginx -t` on a written configuration: (exit code, output)."""
    p = subprocess.run([NGINX, "-t", "-p", workdir, "-e", os.path.join(workdir, "error.log"),
                        "-c", conf_path], capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")


class Nginx:
    """nginx in the foreground on 127.0.0.1:port in front of the given instance ports."""

    def __init__(self, workdir, ports, port):
        self.workdir = str(workdir)
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.conf = write_config(self.workdir, ports, port)
        self.proc = None

    def start(self, timeout=10):
        rc, out = check_config(self.conf, self.workdir)
        assert rc == 0, f"nginx -t failed:\n{out}"
        self._log = open(os.path.join(self.workdir, "stderr.log"), "ab")
        self.proc = subprocess.Popen([NGINX, "-p", self.workdir, "-e", os.path.join(self.workdir, "error.log"),
                                      "-c", self.conf, "-g", "daemon off;"],
                                     stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc.poll() is None, f"nginx exited with {self.proc.returncode}:\n{self.error_log()}"
            try:
                requests.get(self.base + "/healthz", timeout=1)
                return self
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, f"nginx not answering within {timeout}s:\n{self.error_log()}"
            time.sleep(0.05)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGQUIT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()

    def error_log(self):
        try:
            with open(os.path.join(self.workdir, "error.log"), "rb") as f:
                return f.read()[-8000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def access(self):
        """The access log's requests so far: (client address, method, path, status, [upstream addresses])."""
        out = []
        try:
            with open(os.path.join(self.workdir, "access.log"), encoding="utf-8", errors="replace") as f:
                for line in f:
                    m = LOG_LINE.match(line)
                    if m:
                        out.append((m.group(1), m.group(2), m.group(3), int(m.group(4)),
                                    [u.strip() for u in m.group(5).split(",")]))
        except FileNotFoundError:
            pass
        return out

# The deployment files under deploy/, checked without Docker or systemd running: the compose
# services and every environment name they use against the variables the server reads (from the
# binary's own `config` command), the example env file against the same list and the server's
# defaults, the Dockerfile's stages, base, install script and user, the runtime packages against
# the libraries the binary links, `nginx -t` on the nginx configuration and `systemd-analyze verify`
# on the units where it works.
import os
import re
import shutil
import subprocess
import tempfile

import pytest
import yaml

import nginx_kit
from conftest import IG_BIN, REPO, base_env

DEPLOY = os.path.join(REPO, "deploy")
ENV_EXAMPLE = os.path.join(DEPLOY, ".env.example")
COMPOSE = os.path.join(DEPLOY, "docker-compose.yml")
DOCKERFILE = os.path.join(DEPLOY, "Dockerfile")
NGINX_CONF = os.path.join(DEPLOY, "nginx", "interviewgenius.conf")
UNITS = {"serve": os.path.join(DEPLOY, "systemd", "interviewgenius.service"),
         "worker": os.path.join(DEPLOY, "systemd", "interviewgenius-worker.service")}
INSTALL_DEPS = os.path.join(REPO, "scripts", "install-deps.sh")
COMPOSE_ONLY_MARK = "# ---- docker-compose.yml only"
ENV_LINE = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


@pytest.fixture(scope="module")
def server_defaults():
    """The variables the server reads, in its order, with their defaults: `interviewgenius config`
    run with a clean environment in an empty directory (no .env)."""
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.run([IG_BIN, "config"], env=base_env(), cwd=d, capture_output=True, timeout=30,
                           stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr.decode()
    out = {}
    for line in p.stdout.decode().splitlines():
        name, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Z][A-Z0-9_]*", name), line
        out[name] = value
    assert {"DATABASE_URL", "REDIS_URL", "STORAGE", "SECRET_KEY", "MAX_CONTENT_LENGTH"} <= set(out), out
    return out


@pytest.fixture(scope="module")
def env_example():
    """(server part, compose-only part): lists of (name, value, commented) from deploy/.env.example."""
    text = read(ENV_EXAMPLE)
    assert COMPOSE_ONLY_MARK in text, "the example env file lost its docker-compose.yml-only section"
    parts = []
    for chunk in text.split(COMPOSE_ONLY_MARK, 1):
        rows = []
        for line in chunk.splitlines():
            m = ENV_LINE.match(line)
            if m:
                rows.append((m.group(2), m.group(3), m.group(1) is not None))
        parts.append(rows)
    return parts[0], parts[1]


@pytest.fixture(scope="module")
def compose():
    doc = yaml.safe_load(read(COMPOSE))
    assert isinstance(doc, dict) and isinstance(doc.get("services"), dict), doc
    return doc


def ig_services(compose):
    """The compose services that run the interviewgenius image: name -> (command, service)."""
    out = {}
    for name, svc in compose["services"].items():
        build = svc.get("build") or {}
        if isinstance(build, dict) and build.get("dockerfile") == "deploy/Dockerfile":
            out[name] = (svc.get("command"), svc)
    return out


def environment_of(svc):
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {k: ("" if v is None else str(v)) for k, v in env.items()}


# ---------- the example env file ----------

def test_env_example_names_exactly_the_server_variables(server_defaults, env_example):
    server_part, compose_part = env_example
    names = [n for n, _, _ in server_part]
    dupes = sorted({n for n in names if names.count(n) > 1})
    assert not dupes, f"listed twice in .env.example: {dupes}"
    missing = [n for n in server_defaults if n not in names]
    unknown = [n for n in names if n not in server_defaults]
    assert not missing, f"server variables missing from deploy/.env.example: {missing}"
    assert not unknown, f"deploy/.env.example names variables the server does not read: {unknown}"
    for n, _, _ in compose_part:
        assert n not in server_defaults, f"{n} is a server variable: list it above the compose-only section"


def test_env_example_shows_the_server_defaults(server_defaults, env_example):
    """A commented line shows the default; the ones derived from other variables say so with $NAME."""
    server_part, _ = env_example
    for name, value, commented in server_part:
        if commented and "$" not in value:
            assert value == server_defaults[name], f"{name}: .env.example shows {value!r}, the default is " \
                                                   f"{server_defaults[name]!r}"


def test_env_example_sets_production_with_secrets_to_fill(env_example):
    server_part, compose_part = env_example
    set_values = {n: v for n, v, commented in server_part if not commented}
    assert set_values.get("ENV") == "production", set_values
    # empty on purpose: a production server refuses to start until they are filled in
    assert set_values.get("SECRET_KEY") == "" and set_values.get("JWT_SECRET_KEY") == "", set_values
    assert ("POSTGRES_PASSWORD", "", False) in compose_part, compose_part


# ---------- docker-compose.yml ----------

def test_compose_topology(compose):
    services = compose["services"]
    ig = ig_services(compose)
    serve = sorted(n for n, (cmd, _) in ig.items() if cmd == ["serve"])
    workers = sorted(n for n, (cmd, _) in ig.items() if cmd == ["worker"])
    assert serve == ["app1", "app2"], ig
    assert workers == ["worker"], ig
    assert services["postgres"]["image"].startswith("postgres:"), services["postgres"]
    assert services["redis"]["image"].startswith("redis:"), services["redis"]
    nginx = services["nginx"]
    assert nginx["image"].startswith("nginx:"), nginx
    assert "./nginx/interviewgenius.conf:/etc/nginx/conf.d/default.conf:ro" in nginx["volumes"], nginx
    assert set(nginx["depends_on"]) == {"app1", "app2"}, nginx
    assert nginx.get("ports"), "nginx publishes no port"
    # nothing but nginx is reachable from outside
    for name, svc in services.items():
        if name != "nginx":
            assert not svc.get("ports"), f"{name} publishes ports"
    # the upstream names in the nginx file are the compose services
    upstream_hosts = set(re.findall(r"^\s*server\s+(\w+):5000\b", read(NGINX_CONF), re.M))
    assert upstream_hosts == set(serve), upstream_hosts


def test_compose_instances_share_database_redis_and_files(compose):
    ig = ig_services(compose)
    for name, (cmd, svc) in ig.items():
        env = environment_of(svc)
        assert svc.get("env_file") == ".env", f"{name} does not read .env"
        assert env.get("DATABASE_URL", "").startswith("postgresql://"), (name, env)
        assert "@postgres:5432/" in env["DATABASE_URL"], env
        assert env.get("REDIS_URL", "").startswith("redis://redis:"), (name, env)
        assert env.get("STORAGE") == "db", (name, env)
        if cmd == ["serve"]:
            assert env.get("JOB_WORKERS") == "0", f"{name}: parsing belongs to the worker"
            assert svc["depends_on"]["migrate"]["condition"] == "service_completed_successfully", svc
        elif cmd == ["worker"]:
            assert int(env.get("JOB_WORKERS", "0")) >= 1, env
    assert ig["migrate"][0] == ["migrate"], ig


def test_compose_environment_names_are_server_variables(server_defaults, env_example, compose):
    _, compose_part = env_example
    compose_only = {n for n, _, _ in compose_part}
    for name, (_, svc) in ig_services(compose).items():
        unknown = sorted(set(environment_of(svc)) - set(server_defaults))
        assert not unknown, f"compose service {name} sets variables the server does not read: {unknown}"
    # ${NAME} interpolations come from .env, which documents them in its compose-only section
    used = set(INTERPOLATION.findall(read(COMPOSE)))
    assert used, "no interpolation found"
    assert used <= compose_only, f"docker-compose.yml interpolates {sorted(used - compose_only)}, which " \
                                 "deploy/.env.example does not document"
    assert compose_only <= used, f".env.example documents {sorted(compose_only - used)} for compose, unused"


# ---------- Dockerfile ----------

def dockerfile_instructions():
    """[(stage index, INSTRUCTION, arguments)] with continuation lines joined and comments dropped."""
    lines, cur = [], ""
    for raw in read(DOCKERFILE).splitlines():
        s = raw.strip()
        if not cur and (not s or s.startswith("#")):
            continue
        if s.endswith("\\"):
            cur += s[:-1] + " "
            continue
        cur += s
        lines.append(cur)
        cur = ""
    out, stage = [], -1
    for line in lines:
        instr, _, args = line.partition(" ")
        instr = instr.upper()
        if instr == "FROM":
            stage += 1
        out.append((stage, instr, args.strip()))
    return out


def test_dockerfile_multi_stage_bookworm_same_install_script_non_root(server_defaults):
    ins = dockerfile_instructions()
    froms = [args for _, i, args in ins if i == "FROM"]
    assert len(froms) >= 2, f"not multi-stage: {froms}"
    for f in froms:
        image = f.split()[0]
        assert re.fullmatch(r"debian:bookworm(-slim)?", image), f"base {image} is not Debian 12"
    names = [f.split()[2] for f in froms if len(f.split()) == 3 and f.split()[1].upper() == "AS"]
    assert len(names) == len(froms), f"unnamed stages: {froms}"
    last = len(froms) - 1
    runs = {s: [a for st, i, a in ins if i == "RUN" and st == s] for s in range(last + 1)}
    assert any("scripts/install-deps.sh --build" in r for r in runs[0]), runs[0]
    assert any(re.search(r"install-deps\.sh --runtime\b", r) for r in runs[last]), runs[last]
    # the build runs the Makefile's target, as `make run` does
    assert any(re.search(r"\bmake\b.*\bbuild/interviewgenius\b", r) for r in runs[0]), runs[0]
    copies = [a for s, i, a in ins if i == "COPY" and s == last]
    assert any(a.startswith(f"--from={names[0]} ") and "interviewgenius" in a for a in copies), copies
    users = [a for s, i, a in ins if i == "USER" and s == last]
    assert users, "the final stage sets no USER"
    final_user = users[-1].split(":")[0]
    assert final_user not in ("root", "0"), users
    assert [i for _, i, _ in ins][-1] in ("CMD", "ENTRYPOINT", "USER", "STOPSIGNAL", "EXPOSE"), ins[-1]
    assert ins[[i for _, i, _ in ins].index("USER")][0] == last
    env_names = set()
    for _, i, a in ins:
        if i == "ENV":
            env_names |= set(re.findall(r"([A-Z][A-Z0-9_]*)=", a))
    assert env_names and env_names <= set(server_defaults), env_names - set(server_defaults)


def test_dockerignore_keeps_secrets_and_builds_out():
    entries = {line.strip() for line in read(os.path.join(REPO, ".dockerignore")).splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".env", "build", "var", ".git"} <= entries, entries


def install_script_list(var):
    m = re.search(rf'^{var}="([^"]*)"', read(INSTALL_DEPS), re.M)
    assert m, f"{var} not found in scripts/install-deps.sh"
    return m.group(1).split()


def test_install_script_modes():
    p = subprocess.run(["sh", INSTALL_DEPS, "--no-such-mode"], capture_output=True, timeout=30)
    assert p.returncode == 2 and b"usage" in p.stderr, p
    # everything the Makefile compiles against is a -dev package of the full list, which --build keeps
    full = install_script_list("PKGS")
    assert {"build-essential", "pkg-config", "libpq-dev", "libhiredis-dev"} <= set(full), full


@pytest.mark.skipif(not (shutil.which("readelf") and shutil.which("dpkg") and shutil.which("apt-cache")),
                    reason="needs readelf, dpkg and apt-cache")
def test_runtime_packages_cover_the_linked_libraries():
    """Every shared library the binary needs comes from a package the runtime stage installs
    (install-deps.sh --runtime) or from one of their dependencies."""
    runtime = install_script_list("RUNTIME_PKGS")
    out = subprocess.run(["readelf", "-d", IG_BIN], capture_output=True, timeout=30, check=True).stdout.decode()
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^]]+)\]", out)
    assert needed, out
    # a sanitizer build's runtimes are not the image's (the Dockerfile builds without them)
    needed = [lib for lib in needed if not re.match(r"lib(asan|ubsan|lsan|tsan)\.so", lib)]
    p = subprocess.run(["dpkg", "-S"] + [f"*/{lib}" for lib in needed], capture_output=True, timeout=60)
    owners = {}
    for line in p.stdout.decode().splitlines():
        pkgs, _, path = line.partition(": ")
        for pkg in pkgs.split(", "):
            owners.setdefault(os.path.basename(path), set()).add(pkg.split(":")[0])
    unowned = [lib for lib in needed if lib not in owners]
    assert not unowned, f"no package owns {unowned}"
    deps = subprocess.run(["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
                           "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances"] + runtime,
                          capture_output=True, timeout=120).stdout.decode()
    closure = set(runtime) | {m.strip() for m in re.findall(r"^(?:\s+(?:Pre)?Depends: )?<?([a-z0-9][a-z0-9.+-]+)>?$",
                                                             deps, re.M)}
    missing = {lib: sorted(pk) for lib, pk in owners.items() if not pk & closure}
    assert not missing, f"libraries the runtime stage would lack: {missing}"


# ---------- nginx ----------

def nginx_block(text, head):
    """The body of the first `head {` block (braces balanced)."""
    i = text.index(head)
    j = text.index("{", i) + 1
    depth = 1
    k = j
    while depth:
        if text[k] == "{":
            depth += 1
        elif text[k] == "}":
            depth -= 1
        k += 1
    return text[j:k - 1]


def directive(block, name):
    return re.findall(rf"^\s*{name}\s+([^;]*);", block, re.M)


def ms_or_s(v):
    m = re.fullmatch(r"(\d+)(ms|s|m)?", v)
    n = int(m.group(1))
    return {"ms": n / 1000, "m": n * 60}.get(m.group(2), n)


@pytest.mark.skipif(not nginx_kit.available(), reason="nginx is not installed")
def test_nginx_config_is_valid(tmp_path):
    conf = nginx_kit.write_config(str(tmp_path), [5001, 5002], 8080)
    rc, out = nginx_kit.check_config(conf, str(tmp_path))
    assert rc == 0, out
    assert "test is successful" in out, out


def test_nginx_config_matches_the_server(server_defaults):
    text = read(NGINX_CONF)
    api = nginx_block(text, "upstream interviewgenius_api")
    rt = nginx_block(text, "upstream interviewgenius_realtime")
    servers = lambda b: [s.split()[0] for s in directive(b, "server")]
    assert servers(api) == servers(rt) == ["app1:5000", "app2:5000"], (api, rt)
    # sticky Socket.IO sessions (polling, and its upgrade) on the client address
    assert directive(rt, "hash") == ["$remote_addr consistent"] or "ip_hash" in rt, rt
    # nginx must not reuse an upstream connection the server is about to close
    for b in (api, rt):
        assert ms_or_s(directive(b, "keepalive_timeout")[0]) < int(server_defaults["KEEPALIVE_TIMEOUT"]) / 1000
    server = nginx_block(text, "server {")
    size = directive(server, "client_max_body_size")
    assert len(size) == 1 and size[0].endswith("m"), size
    assert int(size[0][:-1]) << 20 == int(server_defaults["MAX_CONTENT_LENGTH"]), \
        "client_max_body_size and the server's MAX_CONTENT_LENGTH differ"
    sio = nginx_block(text, "location /socket.io/")
    assert "proxy_pass http://interviewgenius_realtime;" in sio, sio
    assert re.search(r"proxy_set_header Upgrade \$http_upgrade;", sio), sio
    assert re.search(r"proxy_set_header Connection \$interviewgenius_connection;", sio), sio
    assert directive(sio, "proxy_buffering") == ["off"], sio
    quiet = (int(server_defaults["RT_PING_INTERVAL"]) + int(server_defaults["RT_PING_TIMEOUT"])) / 1000
    assert ms_or_s(directive(sio, "proxy_read_timeout")[0]) > quiet, sio
    root = nginx_block(text, "location / {")
    assert "proxy_pass http://interviewgenius_api;" in root, root
    # a location that sets any proxy header inherits none from the server block
    for b in (sio, root):
        for h in ("Host", "X-Real-IP", "X-Forwarded-For", "X-Forwarded-Proto"):
            assert re.search(rf"proxy_set_header {h} ", b), (h, b)


# ---------- systemd ----------

def unit_settings(path):
    """{(section, key): [values]} of a unit file."""
    out, section = {}, None
    for line in read(path).splitlines():
        s = line.strip()
        if not s or s.startswith(("#", ";")):
            continue
        if s.startswith("["):
            section = s.strip("[]")
            continue
        k, _, v = s.partition("=")
        out.setdefault((section, k.strip()), []).append(v.strip())
    return out


@pytest.mark.parametrize("command", sorted(UNITS))
def test_systemd_unit_is_hardened(command, server_defaults):
    u = unit_settings(UNITS[command])
    one = lambda k: u.get(("Service", k), [None])[-1]
    assert one("ExecStart") == f"/usr/local/bin/interviewgenius {command}", one("ExecStart")
    assert one("EnvironmentFile") == "/etc/interviewgenius/env"
    assert one("Restart") == "on-failure"
    assert one("DynamicUser") == "yes" or one("User") not in (None, "root", "0"), u
    for key, want in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("PrivateTmp", "yes"),
                      ("ProtectHome", "yes")):
        assert one(key) == want, (key, one(key))
    env = dict(kv.partition("=")[::2] for line in u[("Service", "Environment")] for kv in line.split())
    assert set(env) <= set(server_defaults), env
    # DATA_DIR is the one writable place
    assert env["DATA_DIR"] in " ".join(u.get(("Service", "ReadWritePaths"), [])), u
    assert one("StateDirectory") == os.path.basename(env["DATA_DIR"])


def systemd_analyze_works(tmp):
    """systemd-analyze verify can judge units here: it passes a good unit and fails a broken one."""
    if not shutil.which("systemd-analyze"):
        return False
    good, bad = os.path.join(tmp, "probe-good.service"), os.path.join(tmp, "probe-bad.service")
    with open(good, "w") as f:
        f.write("[Service]\nType=oneshot\nExecStart=/bin/true\n")
    with open(bad, "w") as f:
        f.write("[Service]\nExecStart=/nonexistent/probe\n")
    try:
        ok = subprocess.run(["systemd-analyze", "verify", good], capture_output=True, timeout=60)
        ko = subprocess.run(["systemd-analyze", "verify", bad], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return ok.returncode == 0 and ko.returncode != 0


def test_systemd_analyze_verify(tmp_path):
    if not systemd_analyze_works(str(tmp_path)):
        pytest.skip("systemd-analyze verify does not work in this environment")
    paths = []
    for path in UNITS.values():
        # verify checks that ExecStart's binary exists: point it at the one under test
        text = read(path).replace("/usr/local/bin/interviewgenius", IG_BIN)
        dst = tmp_path / os.path.basename(path)
        dst.write_text(text)
        paths.append(str(dst))
    p = subprocess.run(["systemd-analyze", "verify"] + paths, capture_output=True, timeout=120)
    out = (p.stdout + p.stderr).decode("utf-8", "replace")
    assert p.returncode == 0, out
    # unknown or malformed settings are only warnings: none is allowed
    complaints = [line for line in out.splitlines() if any(os.path.basename(x) in line for x in paths)]
    assert not complaints, out

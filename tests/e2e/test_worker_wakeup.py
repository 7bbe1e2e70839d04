# Workers learn about new jobs at once (jobs/wakeup.h): a `serve` instance without job threads and a
# separate `worker` polling only every 5 s. With REDIS_URL, an upload publishes a wake-up that the
# worker is subscribed to, so the parse finishes well inside one poll interval; after Redis restarts
# the worker subscribes again and wake-ups work as before. Without REDIS_URL the poll alone does the
# work, as it does for any wake-up lost.
import re
import time

import pytest

from cluster_kit import Worker, redis_subscribers, wait_until
from conftest import assert_ok
from realtime_kit import upload

POLL_MS = 5000
FAST_S = 2.5  # a generous bound for "at once", far under the poll interval
DB = 5
CHANNEL = f"ig:jobs:{DB}".encode()


def subscribers(port):
    return redis_subscribers(port, CHANNEL)


def start_pair(module_factory, tmp_path_factory, **env):
    """A serve instance without job threads and a worker polling every POLL_MS, on one database."""
    srv = module_factory(data_dir=module_factory.new_dir("wakeup"), JOB_WORKERS=0, **env)
    wenv = dict(srv.env, JOB_WORKERS="1", JOB_POLL_MS=str(POLL_MS), LOG_LEVEL="info")
    logs = tmp_path_factory.getbasetemp() / "logs"
    w = Worker(wenv, srv.cwd, str(logs / f"worker-{srv.port}.log"))
    return srv, w


def parse_seconds(api, token, timeout=30):
    """Uploads a resume and waits for its parse: (seconds from the upload's answer, final status)."""
    rid = upload(api, token)
    t0 = time.monotonic()
    while True:
        st = assert_ok(api.get(f"/resumes/{rid}/status", token=token))["data"]["status"]
        if st not in ("pending", "processing"):
            return time.monotonic() - t0, st
        assert time.monotonic() - t0 < timeout, f"resume {rid} still {st}"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def with_redis(redis, module_factory, tmp_path_factory):
    srv, w = start_pair(module_factory, tmp_path_factory, REDIS_URL=redis.url(DB))
    wait_until(lambda: subscribers(redis.port) == 1, 15, "the worker subscribed")
    # the worker's first look at the queue happens at start; from now on only its poll or a wake-up
    time.sleep(0.5)
    yield srv, w
    w.stop_clean()


def test_upload_wakes_the_worker_at_once(with_redis):
    srv, w = with_redis
    api = srv.client()
    tok = api.register()["access_token"]
    for _ in range(3):
        secs, status = parse_seconds(api, tok)
        assert status == "completed"
        assert secs < FAST_S, f"parsed after {secs:.2f}s; the poll is {POLL_MS} ms"


def test_worker_subscribes_again_after_a_redis_restart(with_redis, redis):
    srv, w = with_redis
    api = srv.client()
    tok = api.register()["access_token"]
    redis.halt()
    try:
        wait_until(lambda: re.search(r'"event":\s*"redis_jobs_degraded"', w.log_text()), 10, "outage logged")
        time.sleep(0.5)  # a few redials with backoff
        assert w.proc.poll() is None
    finally:
        redis.start()
    wait_until(lambda: subscribers(redis.port) == 1, 15, "the worker subscribed again")
    wait_until(lambda: re.search(r'"event":\s*"redis_jobs_restored"', w.log_text()), 5, "recovery logged")
    # the instance's own Redis pool backs off up to a second after an outage (503 meanwhile); the
    # sessions went with Redis (no persistence here), so a new user uploads
    wait_until(lambda: api.get("/auth/profile", token=tok).status_code != 503, 10, "the instance uses Redis again")
    tok = api.register()["access_token"]
    secs, status = parse_seconds(api, tok)
    assert status == "completed"
    assert secs < FAST_S, f"parsed after {secs:.2f}s once Redis was back; the poll is {POLL_MS} ms"


def test_without_redis_the_poll_finds_the_job(module_factory, tmp_path_factory):
    srv, w = start_pair(module_factory, tmp_path_factory)
    try:
        api = srv.client()
        tok = api.register()["access_token"]
        time.sleep(0.5)
        secs, status = parse_seconds(api, tok)
        assert status == "completed"
        assert secs < POLL_MS / 1000 + 10
    finally:
        w.stop_clean()

# Socket.IO sockets of revoked tokens are disconnected at once (services/auth.h's revoke listener,
# realtime/server.h's rt_revoke_async): logout drops the socket of that token and no other,
# a password change drops the other sessions' sockets and keeps the current one, account deletion
# and a replayed refresh token drop theirs; with two instances over one database and one Redis, a
# logout or a CLI deactivation on A drops the sockets on B (realtime/adapter.h's "IGR1" message).
import time

import pytest

from cluster_kit import redis_subscribers, wait_until
from conftest import PASSWORD, assert_ok, unique_email
from realtime_kit import Recorder

GONE_WITHIN = 2.5  # seconds a revoked token's socket may stay
QUIET = 1.0        # seconds a socket that must stay is watched


@pytest.fixture
def clients():
    made = []
    yield made
    for c in made:
        c.close()


def connected(clients, server, token, transports=None):
    c = Recorder(server, token, transports=transports).connect()
    clients.append(c)
    c.wait("connected")
    return c


def gone(c, timeout=GONE_WITHIN):
    deadline = time.monotonic() + timeout
    while c.sio.connected:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def stays(c):
    time.sleep(QUIET)
    return c.sio.connected


def test_logout_drops_that_token_socket_only(server, clients):
    api = server.client()
    email = unique_email("rvk")
    first = api.register(email)
    second = api.login(email)
    x = connected(clients, server, first["access_token"])
    x_poll = connected(clients, server, first["access_token"], transports=["polling"])
    y = connected(clients, server, second["access_token"])
    assert_ok(api.post("/auth/logout", token=first["access_token"]))
    assert gone(x) and gone(x_poll)
    assert stays(y)


def test_change_password_drops_the_other_sessions(server, clients):
    api = server.client()
    email = unique_email("rvk")
    current = api.register(email)
    other = api.login(email)
    mine = connected(clients, server, current["access_token"])
    theirs = connected(clients, server, other["access_token"])
    r = api.post("/auth/change-password", token=current["access_token"],
                 json={"old_password": PASSWORD, "new_password": "brand-new-secret-42"})
    assert_ok(r)
    assert gone(theirs)
    assert stays(mine)
    # the socket that stayed still works
    assert mine.call("join_interview", {"session_id": "nope"})["success"] is False


def test_account_deletion_drops_every_socket(server, clients):
    api = server.client()
    email = unique_email("rvk")
    me = api.register(email)
    other = api.login(email)
    bystander = api.register()
    a = connected(clients, server, me["access_token"])
    b = connected(clients, server, other["access_token"])
    c = connected(clients, server, bystander["access_token"])
    assert_ok(api.delete("/auth/account", token=me["access_token"], json={"password": PASSWORD}))
    assert gone(a) and gone(b)
    assert stays(c)


def test_replayed_refresh_token_drops_its_family(server, clients):
    api = server.client()
    email = unique_email("rvk")
    first = api.register(email)
    second = api.login(email)
    x = connected(clients, server, first["access_token"])
    y = connected(clients, server, second["access_token"])
    assert_ok(api.post("/auth/refresh", token=first["refresh_token"]))
    assert stays(x)  # a rotation revokes nothing
    assert api.refresh_status(first["refresh_token"]) == 401  # replayed: the family is revoked
    assert gone(x)
    assert stays(y)


# ---------- two instances ----------

@pytest.fixture(scope="module")
def cluster(redis, module_factory):
    data = module_factory.new_dir("revoke-cluster")
    a = module_factory(data_dir=data, REDIS_URL=redis.url())
    b = module_factory(data_dir=data, REDIS_URL=redis.url())
    wait_until(lambda: redis_subscribers(redis.port, b"ig:sio:0#/") == 2, 15, "both instances subscribed")
    return a, b


def test_logout_on_one_instance_drops_the_socket_on_the_other(cluster, clients):
    a, b = cluster
    email = unique_email("rvk")
    first = a.client().register(email)
    second = a.client().login(email)
    on_b = connected(clients, b, first["access_token"])
    on_a = connected(clients, a, first["access_token"])
    other_on_b = connected(clients, b, second["access_token"])
    assert_ok(a.client().post("/auth/logout", token=first["access_token"]))
    assert gone(on_b) and gone(on_a)
    assert stays(other_on_b)


def test_cli_deactivation_drops_the_sockets_everywhere(cluster, clients):
    a, b = cluster
    email = unique_email("rvk")
    me = a.client().register(email)
    on_a = connected(clients, a, me["access_token"])
    on_b = connected(clients, b, me["access_token"])
    out = a.cli("user", "deactivate", email)
    assert out.returncode == 0, out.stderr
    assert gone(on_a) and gone(on_b)

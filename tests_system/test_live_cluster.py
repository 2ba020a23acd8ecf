"""Two Odoo servers (prefork) on one primary database and its replica,
behind nginx (round robin), as README's *Scaling out* sets them up (a
throwaway primary and streaming replica, tests_system/scale.py): a token
issued on one server works on the other, a revocation on one holds at once
on the other, and the failure counters of the lockout add up across them.
"""

import contextlib
import uuid

import pytest
import requests

from .live import DB_B as SCALE_DB, free_port, login, needs_test_databases, odoo_server, post, running
from .scale import call, nginx, throwaway_clusters

pytestmark = needs_test_databases


@pytest.fixture(scope="module")
def pg():
    """The module's throwaway primary and replica (:class:`.scale.Clusters`)."""
    with throwaway_clusters(SCALE_DB) as clusters:
        yield clusters


@pytest.fixture(scope="module")
def cluster(pg, tmp_path_factory):
    """(nginx's base URL, {upstream address: the server's base URL})."""
    directory = tmp_path_factory.mktemp("cluster")
    ports = [free_port(), free_port()]
    with contextlib.ExitStack() as stack:
        bases = [
            stack.enter_context(
                running(
                    odoo_server(
                        SCALE_DB,
                        directory / f"odoo-{n}.log",
                        f"--http-port={port}",
                        "--workers=1",
                        f"--gevent-port={free_port()}",
                        *pg.odoo_options(),
                    ),
                    port,
                    directory / f"odoo-{n}.log",
                )
            )
            for n, port in enumerate(ports)
        ]
        balancer = stack.enter_context(nginx(directory / "nginx", free_port(), ports))
        yield balancer, {f"127.0.0.1:{port}": base for port, base in zip(ports, bases)}


def served_by(balancer, token, times=4):
    """{upstream: [answers]} of ``times`` reads through nginx."""
    answers = {}
    for _ in range(times):
        response = requests.post(
            balancer + "/json-call",
            json={"params": {"db": SCALE_DB, "model": "res.partner", "method": "search_count", "args": [[]]}},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        body = response.json()
        answers.setdefault(response.headers["X-Upstream"], []).append(
            "ok" if "result" in body else body["error"]["code"]
        )
    return answers


def test_round_robin_and_tokens_across_servers(cluster):
    balancer, servers = cluster
    one, other = servers.values()
    token = login(one, SCALE_DB)
    assert isinstance(call(other, SCALE_DB, token, "res.partner", "search_count", []), int)
    assert served_by(balancer, token) == {upstream: ["ok", "ok"] for upstream in servers}

    assert (
        post(one, "/json-call/user_logout", {"db": SCALE_DB}, headers={"Authorization": f"Bearer {token}"})["result"]
        is True
    )
    assert call(other, SCALE_DB, token, "res.partner", "search_count", [])["code"] == -32005
    assert served_by(balancer, token) == {upstream: [-32005, -32005] for upstream in servers}


def test_lockout_counts_add_up_across_servers(cluster, pg):
    """Failed logins sent to both servers count on one counter; once it
    reaches the limit, the right password is refused on either server."""
    balancer, servers = cluster
    one, other = servers.values()
    admin = login(balancer, SCALE_DB)
    name = f"guess-{uuid.uuid4().hex[:8]}"
    call(one, SCALE_DB, admin, "res.users", "create", {"login": name, "name": name, "password": "Right-pass-2026"})

    def attempt(base, password):
        answer = post(base, "/json-call/user_authenticate", {"db": SCALE_DB, "login": name, "password": password})
        return "ok" if "result" in answer else answer["error"]["code"]

    call(one, SCALE_DB, admin, "ir.config_parameter", "set_param", "base.login_cooldown_after", "4")
    try:
        assert [attempt(base, "wrong") for base in (one, other, one, other)] == [-32001] * 4
        assert pg.sql(SCALE_DB, "SELECT failures FROM api_token_lockout WHERE key = %s", [f"login:{name}"]) == [(4,)]
        assert [attempt(base, "Right-pass-2026") for base in (one, other)] == [-32007, -32007]
    finally:
        call(one, SCALE_DB, admin, "ir.config_parameter", "set_param", "base.login_cooldown_after", "10")
        # the address's counter holds these failures too: other tests log in from it
        pg.sql(SCALE_DB, "DELETE FROM api_token_lockout RETURNING key")

"""Real Odoo server processes for the live tests (not a test module).

The live tests run through devtools/test.sh, which creates two committed
test databases (admin / admin) and exports their names, the Odoo source and
the configuration file."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
DB_A = os.environ.get("JSON_RPC_TOKEN_TEST_DB")
DB_B = os.environ.get("JSON_RPC_TOKEN_SECOND_DB")

needs_test_databases = pytest.mark.skipif(
    not (DB_A and DB_B), reason="run through devtools/test.sh, which creates two databases"
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running(command, port, logfile, env=None):
    """Start ``command`` (an Odoo server on ``port``), wait until it answers
    ``/web/health``, yield its base URL, stop it."""
    process = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(process, base, 120, lambda: f"server exited; see {logfile}")
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def wait_until_healthy(process, base, seconds, exited):
    """Wait until ``base`` answers ``/web/health`` (an Odoo server, or nginx
    in front of some); fail with ``exited()`` if ``process`` ends first."""
    deadline = time.monotonic() + seconds
    while True:
        assert process.poll() is None, exited()
        with contextlib.suppress(requests.RequestException):  # not listening yet
            if requests.get(base + "/web/health", timeout=5).ok:
                # Odoo lists the addons' static folders on the first path of
                # three segments, parsing every manifest; on CPython 3.11.7
                # that parse, racing another thread's compile, can fail with
                # "SystemError: AST constructor recursion depth mismatch"
                # (CPython gh-106905, threads only): the first
                # concurrent calls of a test would meet it, not the addon
                requests.get(base + "/web/static/img/favicon.ico", timeout=30)
                return
        assert time.monotonic() < deadline, f"{base} did not answer in {seconds} s"
        time.sleep(0.2)


def result_of(base, token, model, method, *args):
    """The result of ``model.method(*args)`` through ``/json-call`` on DB_A."""
    answer = post(
        base,
        "/json-call",
        {"db": DB_A, "model": model, "method": method, "args": list(args)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert "result" in answer, answer
    return answer["result"]


def odoo_server(database, logfile, *options):
    """The command of an Odoo server on ``database`` with the addon loaded
    server-wide, as devtools/run.sh starts it (without its module update)."""
    return [
        sys.executable,
        os.path.join(os.environ["ODOO_SRC"], "odoo-bin"),
        "-c",
        os.environ["ODOO_RC"],
        "-d",
        database,
        "--load=base,web,json_rpc_token",
        "--max-cron-threads=0",
        "--http-interface=127.0.0.1",
        f"--logfile={logfile}",
        *options,
    ]


def addon_setups(database):
    """How the addon can be loaded, as options to add to :func:`odoo_server`'s:
    server-wide (its routes served database-free), or only in the database
    that ``--db-filter`` serves (Odoo's database path serves its routes, in
    the transaction Odoo opens)."""
    return {"server-wide": (), "db-filter": ("--load=base,web", f"--db-filter=^{database}$")}


def post(base, path, params, **kwargs):
    response = requests.post(base + path, json={"jsonrpc": "2.0", "params": params}, timeout=30, **kwargs)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    return response.json()


def login(base, db, login="admin", password="admin"):
    answer = post(base, "/json-call/user_authenticate", {"login": login, "password": password, "db": db})
    return answer["result"]["token"]

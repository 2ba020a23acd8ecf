"""Passing database faults against a real prefork server (--workers=2): the
PostgreSQL connections of the workers are killed while calls are being
served, as a database restart, a failover or an administrator's
``pg_terminate_backend`` does. Every client must get either its answer or the
retryable -32030, never an error that reads as a configuration fault, and the
server must go on serving. Uses the second test database (its connections
only: the test process itself works on the first).
"""

import subprocess
import threading
import time
from contextlib import closing
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import pytest
import requests

from .live import DB_B as DB, free_port, needs_test_databases, odoo_server, running

BARE_DB = f"{DB}_bare"  # served, but no Odoo in it

pytestmark = needs_test_databases


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    subprocess.run(["psql", "-q", "-d", DB, "-c", "DELETE FROM api_token_lockout"], check=True)
    subprocess.run(["dropdb", "--if-exists", BARE_DB], check=True)
    subprocess.run(["createdb", BARE_DB], check=True)
    port, logfile = free_port(), tmp_path_factory.mktemp("faults") / "odoo.log"
    command = odoo_server(
        DB,
        logfile,
        "--workers=2",
        f"--gevent-port={free_port()}",
        f"--http-port={port}",
        f"--db-filter=^({DB}|{BARE_DB})$",
    )
    try:
        # a row lock held elsewhere fails a statement after 100 ms (LockNotAvailable)
        with running(command, port, logfile, env={"PGOPTIONS": "-c lock_timeout=100"}) as base:
            yield base, logfile
    finally:
        subprocess.run(["dropdb", "--if-exists", "--force", BARE_DB], check=True)


def post(base, path, params):
    response = requests.post(base + path, json={"jsonrpc": "2.0", "id": 1, "params": {"db": DB, **params}}, timeout=60)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json"), (
        response.text[:500]
    )
    return response.json()


def kill_connections():
    """Terminate every connection the server holds to the database."""
    with psycopg2.connect(dbname=DB) as connection, connection.cursor() as cr:
        cr.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [DB],
        )
        return cr.fetchone()[0]


def test_killed_connections_answer_retryable_and_the_server_recovers(server):
    base, _logfile = server
    token = post(base, "/json-call/user_authenticate", {"login": "admin", "password": "admin"})["result"]["token"]
    calls = [
        {
            "model": "res.partner",
            "method": "search_read",
            "args": [[]],
            "kwargs": {"fields": ["name", "email", "country_id"], "limit": 200},
        },
        {"model": "res.partner", "method": "create", "args": [{"name": "Written while killed"}]},
        {"model": "res.country", "method": "search_count", "args": [[]]},
    ]
    answers, stop = [], threading.Event()

    def client(n):
        while not stop.is_set():
            answers.append(post(base, "/json-call", {"token": token, **calls[n % len(calls)]}))
            n += 1

    def killer():
        killed = 0
        while not stop.is_set():
            killed += kill_connections()
            time.sleep(0.02)
        return killed

    with ThreadPoolExecutor(5) as pool:
        clients = [pool.submit(client, n) for n in range(4)]
        kills = pool.submit(killer)
        time.sleep(8)
        stop.set()
        for future in clients:
            future.result()
        assert kills.result() > 20, "the connections were killed"

    codes = [answer["error"]["code"] for answer in answers if "error" in answer]
    assert len(answers) > 50 and set(codes) <= {-32030}, {code: codes.count(code) for code in set(codes)}
    assert codes, "some calls were interrupted (else the test proves nothing)"
    unavailable = next(answer["error"] for answer in answers if "error" in answer)
    assert unavailable["message"] == "Service unavailable"
    assert "retry" in unavailable["data"]["message"] or "again" in unavailable["data"]["message"]
    assert "psycopg2" not in str(unavailable) and "SQL" not in str(unavailable)
    # the server serves on, with fresh connections
    for call in calls * 4:
        assert "result" in post(base, "/json-call", {"token": token, **call})
    assert post(base, "/json-call/user_logout", {"token": token}) == {"jsonrpc": "2.0", "id": 1, "result": True}


def test_a_lock_held_past_odoos_retries_answers_retryable(server):
    """Odoo runs a call again when it fails on a lock or a serialization
    conflict, five times; after that the fault passes to the client, who may
    retry later."""
    base, _logfile = server
    token = post(base, "/json-call/user_authenticate", {"login": "admin", "password": "admin"})["result"]["token"]
    partner = post(
        base, "/json-call", {"token": token, "model": "res.partner", "method": "create", "args": [{"name": "Locked"}]}
    )["result"]
    write = {"token": token, "model": "res.partner", "method": "write", "args": [[partner], {"comment": "x"}]}
    with closing(psycopg2.connect(dbname=DB)) as holder, holder.cursor() as cr:
        cr.execute("SELECT id FROM res_partner WHERE id = %s FOR UPDATE", [partner])
        error = post(base, "/json-call", write)["error"]
        holder.rollback()
    assert (error["code"], error["message"]) == (-32030, "Service unavailable"), error
    assert "psycopg2" not in str(error) and "res_partner" not in str(error)
    assert post(base, "/json-call", write)["result"] is True


def test_unknown_database_and_database_without_the_addon_look_alike(server):
    """The answers tell nothing about which databases exist on the server."""
    base, _logfile = server
    messages = set()
    for db in (BARE_DB, "postgres", "no_such_database_here"):
        error = post(
            base, "/json-call", {"db": db, "token": "x", "model": "res.partner", "method": "search", "args": [[]]}
        )["error"]
        assert error["code"] == -32000, error
        messages.add(error["data"]["message"].replace(db, "X"))
    assert messages == {"The database 'X' is not served here."}

"""Idempotency keys against a real prefork server (--workers=2), across
worker processes: duplicates sent at once write once, a duplicate of a
request still running is told to retry, and a worker killed (kill -9) after
its commit, before the client got the answer, leaves exactly one write,
whose answer the retry gets. Uses the second test database."""

import json
import os
import contextlib
import select
import signal
import socket
import threading
import time
import uuid
from contextlib import closing
from concurrent.futures import ThreadPoolExecutor

import psutil
import psycopg2
import pytest
import requests

from .live import DB_B as DB, free_port, login, needs_test_databases, odoo_server, running

pytestmark = needs_test_databases

REPLAYED = "Idempotent-Replayed"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port, logfile = free_port(), tmp_path_factory.mktemp("idempotency") / "odoo.log"
    command = odoo_server(
        DB, logfile, "--workers=2", f"--gevent-port={free_port()}", f"--http-port={port}", f"--db-filter=^{DB}$"
    )
    with running(command, port, logfile) as base:
        yield base, port


def query(sql, params=()):
    with closing(psycopg2.connect(dbname=DB)) as connection, connection.cursor() as cr:
        cr.execute(sql, params)
        return cr.fetchall()


def count(name):
    return query("SELECT count(*) FROM res_partner WHERE name = %s", [name])[0][0]


def call(model, method, *args, request_id=1):
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "params": {"db": DB, "model": model, "method": method, "args": list(args)},
    }


def send(base, token, body, key):
    return requests.post(
        base + "/json-call",
        data=json.dumps(body),
        timeout=60,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )


def until_answered(base, token, body, key):
    """Send until the answer is not -32040 (a duplicate still running)."""
    for _attempt in range(100):
        response = send(base, token, body, key)
        answer = response.json()
        if not (isinstance(answer, dict) and answer.get("error", {}).get("code") == -32040):
            return response
        time.sleep(answer["error"]["data"]["retry_after"] / 10)
    raise AssertionError("still in progress")


def test_duplicates_sent_at_once_write_once(server):
    base, _port = server
    token = login(base, DB)
    key, name = str(uuid.uuid4()), f"Idem live {uuid.uuid4()}"
    batch = [call("res.partner", "create", {"name": name}, request_id=n) for n in range(20)]
    start = threading.Barrier(6)

    def duplicate(_n):
        start.wait()
        return until_answered(base, token, batch, key)

    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(duplicate, range(6)))
    assert count(name) == 20
    assert len({response.content for response in responses}) == 1, "every duplicate got the same answer"
    assert sorted(REPLAYED in response.headers for response in responses) == [False] + [True] * 5
    assert len(responses[0].json()) == 20


def test_a_duplicate_of_a_running_request_is_told_to_retry(server):
    base, _port = server
    token = login(base, DB)
    partner = send(base, token, call("res.partner", "create", {"name": "Idem locked"}), str(uuid.uuid4())).json()
    write = call("res.partner", "write", [partner["result"]], {"comment": "once"})
    key = str(uuid.uuid4())
    with closing(psycopg2.connect(dbname=DB)) as holder, holder.cursor() as cr:
        cr.execute("SELECT id FROM res_partner WHERE id = %s FOR UPDATE", [partner["result"]])
        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(send, base, token, write, key)  # waits for the row lock
            for _wait in range(200):
                if query("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", [DB])[
                    0
                ][0]:
                    break
                time.sleep(0.05)
            else:
                raise AssertionError("the first request never waited for the lock")
            duplicate = send(base, token, write, key)
            error = duplicate.json()["error"]
            assert (error["code"], error["message"], error["data"]["retry_after"]) == (
                -32040,
                "Request in progress",
                1,
            ), error
            assert "again" in error["data"]["message"]
            holder.rollback()  # the first one goes on
            first = first.result()
    assert first.json()["result"] is True
    again = send(base, token, write, key)
    assert (again.content, again.headers[REPLAYED]) == (first.content, "true")


def _serving_worker(port, client_port):
    """The server process holding the connection of ``client_port``."""
    for connection in psutil.net_connections(kind="tcp"):
        if (
            connection.laddr
            and connection.laddr.port == port
            and connection.raddr
            and connection.raddr.port == client_port
            and connection.pid
        ):
            return connection.pid
    return None


def test_a_worker_killed_after_its_commit_the_retry_gets_the_one_write(server):
    """The client sends a create in a batch whose answer is large (the
    created record read back, several MB) and reads nothing: the worker
    commits, then blocks writing the answer. It is killed then (kill -9):
    the client gets a cut answer. The retry with the key writes nothing
    and answers what the worker was sending."""
    base, port = server
    token = login(base, DB)
    key, name = str(uuid.uuid4()), f"Idem killed {uuid.uuid4()}"
    batch = [call("res.partner", "create", {"name": name, "comment": "x" * 1_000_000}, request_id=0)] + [
        call("res.partner", "search_read", [["name", "=", name]], ["comment"], request_id=n) for n in range(1, 9)
    ]
    body = json.dumps(batch).encode()
    with closing(socket.socket()) as client:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the worker soon blocks writing
        client.connect(("127.0.0.1", port))
        client.sendall(
            b"POST /json-call HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {token}\r\nIdempotency-Key: {key}\r\n".encode()
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        for _wait in range(600):  # the key's row is committed with the create
            if query("SELECT count(*) FROM api_token_idempotency WHERE key = %s", [key])[0][0]:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the call was not committed")
        assert select.select([client], [], [], 30)[0], "the worker is sending the answer"
        worker = _serving_worker(port, client.getsockname()[1])
        assert worker and worker != os.getpid()
        os.kill(worker, signal.SIGKILL)
        client.settimeout(10)
        received = b""
        with contextlib.suppress(OSError):  # reset: what was received is all there is
            while chunk := client.recv(1 << 20):
                received += chunk
    head, _, cut = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.") and b" 200 " in head.split(b"\r\n")[0], head[:200]
    assert count(name) == 1
    retry = send(base, token, batch, key)
    assert retry.status_code == 200 and retry.headers[REPLAYED] == "true"
    assert len(cut) < len(retry.content), "the client did not get the whole answer"
    assert retry.content.startswith(cut), "the retry answers what the killed worker was sending"
    answers = retry.json()
    created = query("SELECT id FROM res_partner WHERE name = %s", [name])[0][0]
    assert answers[0] == {"jsonrpc": "2.0", "id": 0, "result": created}
    assert [answer["result"][0]["id"] for answer in answers[1:]] == [created] * 8
    assert count(name) == 1
    # the server goes on (its master replaced the worker)
    assert "result" in send(base, token, call("res.partner", "search_count", []), str(uuid.uuid4())).json()

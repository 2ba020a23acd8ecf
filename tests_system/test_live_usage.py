"""Usage metering on a real prefork server (--workers=2): each worker counts
in its own memory and writes its counts itself, once per interval or when
it stops; calls spread over both workers are all counted, and none is
written as it is served."""

import os
import signal
import subprocess
import time
from pathlib import Path

import psycopg2
import requests

from .live import DB_A, free_port, needs_test_databases, odoo_server, post, running
from .test_live_server import until_both_workers

pytestmark = needs_test_databases


def start_command(tmp_path, flush_seconds, gevent_port=None):
    """A prefork server on DB_A whose processes write their usage counts
    every ``flush_seconds`` (server option in its configuration file)."""
    conf = tmp_path / "odoo.conf"
    conf.write_text(Path(os.environ["ODOO_RC"]).read_text() + f"json_rpc_token_usage_flush_seconds = {flush_seconds}\n")
    port, logfile = free_port(), tmp_path / "odoo.log"
    command = odoo_server(
        DB_A, logfile, f"--http-port={port}", "--workers=2", f"--gevent-port={gevent_port or free_port()}"
    )
    command[command.index(os.environ["ODOO_RC"])] = str(conf)
    return command, port, logfile


def counted(label):
    """(calls, errors, server time) written for the token labelled ``label``."""
    with psycopg2.connect(dbname=DB_A) as cnx, cnx.cursor() as cr:
        cr.execute(
            """SELECT COALESCE(sum(u.calls), 0), COALESCE(sum(u.errors), 0), COALESCE(sum(u.server_time), 0)
                        FROM api_token_usage u JOIN api_token t ON t.id = u.token_id WHERE t.name = %s""",
            [label],
        )
        return cr.fetchone()


def caller(base, token):
    """``send(suffix)`` for until_both_workers: a JSON-2 call; every third
    one names no method of the model (an error, counted as one)."""
    sent = []

    def send(suffix):
        method = "no_such_method" if len(sent) % 3 == 2 else "search_count"
        sent.append(method)
        response = requests.post(
            f"{base}/json/2/res.partner/{method}{suffix}",
            json={"domain": []},
            headers={"Authorization": f"Bearer {token}", "X-Odoo-Database": DB_A, "Connection": "close"},
            timeout=30,
        )
        assert response.status_code == (404 if method == "no_such_method" else 200), response.text

    return send, sent


def test_counts_of_both_workers_are_written_when_the_server_stops(tmp_path):
    label = f"usage-stop-{time.time_ns()}"
    command, port, logfile = start_command(tmp_path, 3600)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while not _healthy(base):
            assert process.poll() is None and time.monotonic() < deadline, f"server did not start; see {logfile}"
            time.sleep(0.5)
        token = _login(base, label)
        send, sent = caller(base, token)
        until_both_workers(logfile, send, "stop", at_least=12)
        assert counted(label) == (0, 0, 0), "nothing is written as calls are served"
        process.send_signal(signal.SIGTERM)  # the master only: a graceful stop, workers exit
        process.wait(60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(30)
    calls, errors, server_time = counted(label)
    assert (calls, errors) == (len(sent), sent.count("no_such_method"))
    assert server_time > 0


def test_calls_served_by_the_gevent_process_are_written_before_the_server_stops(tmp_path):
    """The master of a prefork server ends its gevent process with SIGKILL
    (no exit hook runs): that process writes its counts on a timer, every
    interval (here 1 s), so a stop loses at most the last interval's."""
    label, gevent_port = f"usage-gevent-{time.time_ns()}", free_port()
    command, port, logfile = start_command(tmp_path, 1, gevent_port)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        base, gevent_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{gevent_port}"
        deadline = time.monotonic() + 120
        while not (_healthy(base) and _healthy(gevent_base)):
            assert process.poll() is None and time.monotonic() < deadline, f"server did not start; see {logfile}"
            time.sleep(0.5)
        token = _login(base, label)
        for _n in range(20):
            answer = post(
                gevent_base,
                "/json-call",
                {"db": DB_A, "model": "res.partner", "method": "search_count", "args": [[]]},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert "result" in answer, answer
        time.sleep(2.5)  # more than one interval, no call after the last: only a timer writes them
        process.send_signal(signal.SIGTERM)  # the master only, as an admin stops it
        process.wait(60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(30)
    assert counted(label)[:2] == (20, 0)


def test_each_worker_writes_its_counts_every_interval(tmp_path):
    label = f"usage-interval-{time.time_ns()}"
    command, port, logfile = start_command(tmp_path, 1)
    with running(command, port, logfile) as base:
        token = _login(base, label)
        send, sent = caller(base, token)
        until_both_workers(logfile, send, "first", at_least=12)
        # a worker writes its counts at its first call after the interval
        # (the call included): once a pair of calls, one per worker, comes
        # after it, every call is written
        for round_ in range(10):
            time.sleep(1.2)
            until_both_workers(logfile, send, f"round{round_}", at_least=2)
            if counted(label)[:2] == (len(sent), sent.count("no_such_method")):
                break
        assert counted(label)[:2] == (len(sent), sent.count("no_such_method"))


def _healthy(base):
    try:
        return requests.get(base + "/web/health", timeout=5).ok
    except requests.RequestException:
        return False


def _login(base, label):
    answer = post(
        base, "/json-call/user_authenticate", {"login": "admin", "password": "admin", "db": DB_A, "label": label}
    )
    return answer["result"]["token"]

"""End to end against a real server process started by the README's run
command (devtools/run.sh), in prefork mode (--workers=2) on two databases,
the addon loaded server-wide. What only a real multi-process server shows:
database selection by the ``db`` parameter, and revocation seen by every
worker. Uses the committed data of the test databases (admin / admin).
"""

import re
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
import requests

from .live import DB_A, DB_B, REPO, free_port, login, needs_test_databases, post, running

pytestmark = needs_test_databases

COOLDOWN_AFTER = 40
WRONG_PASSWORD = "Live-Wrong-Password-7731"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # DB_B: lock out after COOLDOWN_AFTER failures (set before any worker caches parameters)
    subprocess.run(
        [
            "psql",
            "-q",
            "-d",
            DB_B,
            "-c",
            "INSERT INTO ir_config_parameter (key, value) VALUES ('base.login_cooldown_after', "
            f"'{COOLDOWN_AFTER}') ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        ],
        check=True,
    )
    for db in (DB_A, DB_B):  # failure counters of earlier runs are committed data
        subprocess.run(["psql", "-q", "-d", db, "-c", "DELETE FROM api_token_lockout"], check=True)
    port, logfile = free_port(), tmp_path_factory.mktemp("live") / "odoo.log"
    command = [
        "bash",
        str(REPO / "devtools" / "run.sh"),
        "--workers=2",
        "--max-cron-threads=0",
        f"--gevent-port={free_port()}",
        f"--db-filter=^({DB_A}|{DB_B})$",
        f"--logfile={logfile}",
    ]
    with running(command, port, logfile, env={"DEMO_DB": DB_B, "HTTP_PORT": str(port)}) as base:
        yield base, logfile


def _pids_serving(logfile, marker):
    """PIDs of the processes that logged a request line carrying ``marker``."""
    pids = set()
    for line in Path(logfile).read_text().splitlines():
        if marker in line:
            pids.add(line.split()[2])
    return pids


def test_listens_on_this_machine_only(server):
    """run.sh serves admin/admin: on 127.0.0.1 unless HTTP_INTERFACE says otherwise."""
    base, _logfile = server
    port = int(base.rsplit(":", 1)[1])
    listening = {
        conn.laddr.ip
        for conn in psutil.net_connections("tcp")
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port
    }
    assert listening == {"127.0.0.1"}, listening


def test_published_examples_and_database_selection(server):
    base, logfile = server
    answer = post(base, "/json-call/user_authenticate", {"login": "admin", "password": "admin", "db": DB_B})
    assert answer == {"jsonrpc": "2.0", "id": None, "result": {"token": answer["result"]["token"], "uid": 2}}
    token = answer["result"]["token"]
    created = post(
        base,
        "/json-call",
        {
            "token": token,
            "db": DB_B,
            "model": "res.partner",
            "method": "create",
            "args": [{"name": "Demo"}],
            "kwargs": {},
            "context": {},
        },
    )
    assert isinstance(created["result"], int)
    # a token works only on the database that issued it
    other_db = post(
        base, "/json-call", {"token": token, "db": DB_A, "model": "res.partner", "method": "search", "args": [[]]}
    )
    assert other_db["error"]["code"] == -32003
    # several databases and no 'db': a clear error, not a guess
    assert (
        post(base, "/json-call", {"token": token, "model": "res.partner", "method": "search", "args": [[]]})["error"][
            "code"
        ]
        == -32000
    )
    assert (
        post(
            base,
            "/json-call",
            {"token": token, "db": "postgres", "model": "res.partner", "method": "search", "args": [[]]},
        )["error"]["code"]
        == -32000
    )
    assert post(base, "/json-call/user_logout", {"token": token, "db": DB_B}) == {
        "jsonrpc": "2.0",
        "id": None,
        "result": True,
    }
    log = Path(logfile).read_text()
    assert token not in log and "Login successful" in log


def until_both_workers(logfile, send, tag, at_least=1, at_most=200):
    """Call ``send(path_suffix)`` until the request log shows that both worker
    processes served one, at least ``at_least`` times; return the answers.
    Calls go out two at a time: the kernel gives a new connection to any idle
    worker, and an idle server may hand a long run to the same one; while that
    worker is busy with the first call, the other must accept the second."""
    answers, sent = [], 0
    while sent < at_most:
        pair = [f"?{tag}={n}" for n in range(sent, min(sent + 2, at_most))]
        sent += len(pair)
        with ThreadPoolExecutor(len(pair)) as pool:
            answers.extend(pool.map(send, pair))
        if len(answers) >= at_least and len(_pids_serving(logfile, f"?{tag}=")) == 2:
            return answers
    raise AssertionError(f"only one worker served {at_most} requests")


def test_logout_is_seen_by_every_worker(server):
    base, logfile = server
    token = login(base, DB_A)
    headers = {"Authorization": f"Bearer {token}", "Connection": "close"}
    call = {"db": DB_A, "model": "res.partner", "method": "search_count", "args": [[]]}

    def send(suffix):
        return post(base, "/json-call" + suffix, call, headers=headers)

    # both workers serve (and cache) the token
    answers = until_both_workers(logfile, send, "before")
    assert all("result" in answer for answer in answers), answers[:3]
    assert post(base, "/json-call/user_logout", {"db": DB_A}, headers=headers)["result"] is True
    # both workers refuse it
    answers = until_both_workers(logfile, send, "after", at_least=10)
    assert {answer["error"]["code"] for answer in answers} == {-32005}
    log = Path(logfile).read_text()
    assert token not in log
    assert re.search(r"API token #\d+ issued for admin", log)


def test_concurrent_writes_to_one_record_are_retried(server):
    """Two workers writing the same row at once: PostgreSQL refuses one
    transaction (serialization failure) and Odoo's retry runs it again, so
    every call succeeds."""
    base, _logfile = server
    token = login(base, DB_A)
    headers = {"Authorization": f"Bearer {token}"}
    partner = post(
        base,
        "/json-call",
        {"db": DB_A, "model": "res.partner", "method": "create", "args": [{"name": "Contended"}]},
        headers=headers,
    )["result"]
    answers = []

    def write(thread):
        for n in range(5):
            answers.append(
                post(
                    base,
                    "/json-call",
                    {
                        "db": DB_A,
                        "model": "res.partner",
                        "method": "write",
                        "args": [[partner], {"comment": f"thread {thread} write {n}"}],
                    },
                    headers=headers,
                )
            )

    threads = [threading.Thread(target=write, args=(t,)) for t in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 30 and all(answer.get("result") is True for answer in answers), [
        answer for answer in answers if "error" in answer
    ][:3]


def test_lockout_holds_across_workers(server):
    """Run last: it locks 127.0.0.1 out of DB_B. The failures are spread over
    both workers, so neither worker's own memory (Odoo's counter) reaches the
    threshold: only the shared counter can refuse the next attempt."""
    base, logfile = server

    def fail(suffix):
        answer = requests.post(
            f"{base}/json-call/user_authenticate{suffix}",
            timeout=30,
            headers={"Connection": "close"},
            json={"params": {"login": "admin", "password": WRONG_PASSWORD, "db": DB_B}},
        ).json()
        assert answer["error"]["code"] == -32001, answer
        return answer

    sent = len(until_both_workers(logfile, fail, "lockout", at_most=COOLDOWN_AFTER - 1))
    for n in range(sent, COOLDOWN_AFTER):
        fail(f"?lockout={n}")
    answers = [
        post(
            base,
            "/json-call/user_authenticate",
            {"login": "admin", "password": "admin", "db": DB_B},
            headers={"Connection": "close"},
        )
        for _n in range(6)
    ]
    assert {answer["error"]["code"] for answer in answers} == {-32007}, answers
    assert WRONG_PASSWORD not in Path(logfile).read_text(), "no password in the server log"

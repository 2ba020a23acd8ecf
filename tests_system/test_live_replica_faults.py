"""A primary and its streaming replica crash and hang while clients call.

Throwaway clusters (tests/pg_clusters.py: never the machine's own), a copy
of the second test database restored on the primary, a prefork Odoo server
(``--workers=2``) writing on the primary and reading on the replica. Every
answer must be the call's result or the retryable -32030 / 503: never "not
found" (-32000 / 404), never an internal error (-32603 / 500), which a
client following the README gives up on. A replica frozen (SIGSTOP: a hung
host, a partition) delays reads by the replica timeouts at most, then the
reads run on the primary; writes do not wait for it.
"""

import configparser
import contextlib
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from . import pg_clusters
from .live import DB_B as SOURCE_DB, free_port, login, needs_test_databases, odoo_server, running
from .scale import WHERE_CODE, WHERE_FIELD, add_partner_fields, call

pytestmark = needs_test_databases

#: the server's replica bounds (seconds), shorter than the defaults to keep the test short
CONNECT_TIMEOUT, TIMEOUT, RETRY_AFTER = 2, 3, 4
#: the longest a read may take while the replica hangs: one bound for
#: taking a connection, one for connecting anew, one for a statement, slack
READ_BOUND = CONNECT_TIMEOUT + CONNECT_TIMEOUT + TIMEOUT + 2
ON_REPLICA, ON_PRIMARY = "True", "False"
#: a field whose reading takes a second of the database (then says where it ran)
SLOW_FIELD = "x_jrt_slow_where"
SLOW_CODE = WHERE_CODE.replace("SELECT pg_is_in_recovery()", "SELECT pg_is_in_recovery() FROM pg_sleep(1)").replace(
    WHERE_FIELD, SLOW_FIELD
)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    """(base URL, database, administrator's token, a partner id, primary,
    replica, base URL of Odoo's gevent process)."""
    directory = tmp_path_factory.mktemp("replica_faults")
    # the database in the replica's base backup: a replica restarted after
    # a crash is consistent again from there, what came after it replays
    with pg_clusters.primary_and_replica(prepare=lambda primary: primary.restore(SOURCE_DB)) as (primary, replica):
        db = SOURCE_DB
        conf = configparser.RawConfigParser()
        conf.read(os.environ["ODOO_RC"])
        conf["options"].update(
            {
                **primary.odoo_options("db_"),
                **replica.odoo_options("db_replica_"),
                "json_rpc_token_replica_connect_timeout": str(CONNECT_TIMEOUT),
                "json_rpc_token_replica_timeout": str(TIMEOUT),
                "json_rpc_token_replica_retry_after": str(RETRY_AFTER),
            }
        )
        with open(directory / "odoo.conf", "w") as rc:
            conf.write(rc)
        port, gevent_port, logfile = free_port(), free_port(), directory / "odoo.log"
        command = odoo_server(
            db,
            logfile,
            "--workers=2",
            f"--gevent-port={gevent_port}",
            f"--http-port={port}",
            "-c",
            str(directory / "odoo.conf"),
        )
        with running(command, port, logfile) as base:
            admin = login(base, db)
            add_partner_fields(base, db, admin, ((WHERE_FIELD, WHERE_CODE), (SLOW_FIELD, SLOW_CODE)))
            # a partner of the base backup: one made now may be missing on a
            # replica restarted after a crash until it has replayed it again
            partner = call(base, db, admin, "res.users", "read", [2], ["partner_id"])[0]["partner_id"][0]
            replica.wait_replayed(primary)
            yield base, db, admin, partner, primary, replica, f"http://127.0.0.1:{gevent_port}"


# ---------------------------------------------------------------- clients
def json_call_read(base, db, token, partner, field=WHERE_FIELD):
    """("json-call read", "ok" or the error code, where the read ran)."""
    response = requests.post(
        f"{base}/json-call",
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "params": {"db": db, "model": "res.partner", "method": "read", "args": [[partner], [field]]},
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    answer = response.json()
    assert response.status_code == 200, response.text[:300]
    if "error" in answer:
        return "json-call read", answer["error"]["code"], None
    return "json-call read", "ok", answer["result"][0][field]


def rest_get(base, db, token, partner):
    response = requests.get(
        f"{base}/api/res.partner/{partner}",
        params={"query": "{%s}" % WHERE_FIELD},
        headers={"Authorization": f"Bearer {token}", "X-Odoo-Database": db},
        timeout=60,
    )
    assert response.headers["Content-Type"].startswith("application/json"), response.text[:300]
    if response.status_code == 200:
        return "REST GET", "ok", response.json()[WHERE_FIELD]
    return "REST GET", response.status_code, None


def json_call_write(base, db, token, partner):
    response = requests.post(
        f"{base}/json-call",
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "params": {
                "db": db,
                "model": "res.partner",
                "method": "write",
                "args": [[partner], {"comment": uuid.uuid4().hex}],
            },
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    answer = response.json()
    return "json-call write", "ok" if "result" in answer else answer["error"]["code"], None


#: what Odoo's own request handling names a connection it could not open,
#: before the call reaches the addon (the cursor of Odoo's transaction)
ODOO_OWN_LOST_CONNECTION = "psycopg2.OperationalError"


def jsonrpc_execute_kw(base, db, token):
    """Odoo's own /jsonrpc, the token as the administrator's password: a
    lost connection answers Odoo's error object naming the addon's
    ServiceUnavailable once the call reached the addon's token check; Odoo
    itself names a connection it could not open for the request
    ``psycopg2.OperationalError`` (Odoo's code, kept as such); never another
    psycopg2 class, never an HTML page."""
    response = requests.post(
        f"{base}/jsonrpc",
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "call",
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [db, 2, token, "res.partner", "search_count", [[]]],
            },
        },
        timeout=60,
    )
    answer = response.json()
    if "result" in answer:
        return "/jsonrpc execute_kw", "ok", None
    name = answer["error"]["data"]["name"]
    unavailable = name in ("odoo.addons.json_rpc_token.errors.ServiceUnavailable", ODOO_OWN_LOST_CONNECTION)
    return "/jsonrpc execute_kw", -32030 if unavailable else name, None


def keyed_create(base, db, token, answers):
    """A JSON-2 create with an idempotency key, sent again with the same key
    while it answers 503, as the README tells a client to; every answer is
    kept. Returns the final status."""
    key, name = str(uuid.uuid4()), f"keyed {uuid.uuid4().hex[:8]}"
    for attempt in range(12):
        response = requests.post(
            f"{base}/json/2/res.partner/create",
            json={"vals_list": [{"name": name}]},
            headers={"Authorization": f"Bearer {token}", "X-Odoo-Database": db, "Idempotency-Key": key},
            timeout=60,
        )
        assert response.headers["Content-Type"].startswith("application/json"), response.text[:300]
        answers.append(("JSON-2 keyed create", "ok" if response.status_code == 200 else response.status_code, None))
        if response.status_code != 503:
            return response.status_code
        time.sleep(min(0.25 * 2**attempt, 4))
    return 503


def keep_calling(stop, answers, request):
    while not stop.is_set():
        try:
            answers.append(request())
        except requests.RequestException as exc:  # no answer at all: as bad as a wrong one
            answers.append((getattr(request, "__name__", "call"), type(exc).__name__, None))


def tally(answers):
    counts = {}
    for path, outcome, _where in answers:
        counts[path, outcome] = counts.get((path, outcome), 0) + 1
    return counts


SUCCESS_OR_RETRYABLE = {"ok", -32030, 503}


# ------------------------------------------------------------------ tests
def test_crashes_answer_success_or_retryable(faulty):
    """The replica crashes (``pg_ctl stop -m immediate``) three times, then
    the primary once, while clients read through /json-call, REST and
    Odoo's /jsonrpc (a token as password), and create through JSON-2 with
    an idempotency key."""
    base, db, admin, partner, primary, replica, _gevent = faulty
    answers, creates, stop = [], [], threading.Event()

    def creator():
        while not stop.is_set():
            creates.append(keyed_create(base, db, admin, answers))

    with ThreadPoolExecutor(4) as pool:
        clients = [
            pool.submit(keep_calling, stop, answers, lambda: json_call_read(base, db, admin, partner)),
            pool.submit(keep_calling, stop, answers, lambda: rest_get(base, db, admin, partner)),
            pool.submit(keep_calling, stop, answers, lambda: jsonrpc_execute_kw(base, db, admin)),
            pool.submit(creator),
        ]
        for cluster in (replica, replica, replica, primary):
            time.sleep(1.5)
            cluster.crash()
            time.sleep(1)
            cluster.start()
        time.sleep(2)
        stop.set()
        for client in clients:
            client.result()

    counts = tally(answers)
    assert {outcome for _path, outcome, _where in answers} <= SUCCESS_OR_RETRYABLE, counts
    assert sum(count for (_path, outcome), count in counts.items() if outcome != "ok") > 0, (
        f"no call met a fault: the test proves nothing {counts}"
    )
    assert creates and set(creates) == {200}, creates  # a client that retries 503 gets there
    # the server serves on, the replica included (once it is tried again)
    time.sleep(RETRY_AFTER)
    replica.wait_replayed(primary)
    assert {json_call_read(base, db, admin, partner)[1] for _ in range(4)} == {"ok"}


def test_a_frozen_replica_delays_reads_by_its_timeouts_only(faulty):
    """The replica's processes stopped for 10 s: the reads are answered,
    from the primary, after the replica's timeouts at most; the writes,
    which never touch the replica, do not wait for it; the replica serves
    again after it resumes."""
    base, db, admin, partner, _primary, replica, _gevent = faulty
    wait_until_read_on(ON_REPLICA, base, db, admin, partner)
    reads, writes, stop = [], [], threading.Event()

    def timed(into, request):
        def run():
            started = time.monotonic()
            try:
                path, outcome, where = request()
            except requests.RequestException as exc:  # no answer (timed out): as bad as a wrong one
                path, outcome, where = "call", type(exc).__name__, None
            into.append((path, outcome, where, time.monotonic() - started))
            return path, outcome, where

        return run

    slow = []
    with ThreadPoolExecutor(4) as pool:
        in_flight = pool.submit(timed(slow, lambda: json_call_read(base, db, admin, partner, SLOW_FIELD)))
        time.sleep(0.5)  # its statement runs on the replica, for a second
        with replica.frozen():
            clients = [
                pool.submit(keep_calling, stop, [], timed(reads, lambda: json_call_read(base, db, admin, partner))),
                pool.submit(keep_calling, stop, [], timed(reads, lambda: rest_get(base, db, admin, partner))),
                pool.submit(keep_calling, stop, [], timed(writes, lambda: json_call_write(base, db, admin, partner))),
            ]
            time.sleep(10)
            stop.set()
            for client in [in_flight, *clients]:
                client.result()

    # the statement in flight when the replica froze: cut after the timeout, run again on the primary
    [(_path, outcome, where, seconds)] = slow
    assert (outcome, where) == ("ok", ON_PRIMARY) and TIMEOUT <= seconds <= READ_BOUND, slow
    assert {outcome for _path, outcome, _where, _s in reads + writes} == {"ok"}, tally(
        [answer[:3] for answer in reads + writes]
    )
    slowest_read = max(seconds for *_answer, seconds in reads)
    slowest_write = max(seconds for *_answer, seconds in writes)
    assert slowest_read <= READ_BOUND, f"a read waited {slowest_read:.1f} s on the frozen replica"
    assert slowest_write <= READ_BOUND, f"a write waited {slowest_write:.1f} s"
    assert len(reads) >= 10 and len(writes) >= 5, (len(reads), len(writes))
    assert {where for _path, _outcome, where, _s in reads} == {ON_PRIMARY}
    wait_until_read_on(ON_REPLICA, base, db, admin, partner, within=RETRY_AFTER + READ_BOUND)


def wait_until_read_on(where, base, db, token, partner, within=30):
    deadline = time.monotonic() + within
    while (seen := json_call_read(base, db, token, partner)) != ("json-call read", "ok", where):
        assert time.monotonic() < deadline, f"reads do not run on the {where} side: {seen}"
        time.sleep(0.2)


def test_odoos_gevent_process_reads_on_the_replica(faulty):
    """Odoo's gevent process serves every route too, its queries waiting
    through psycogreen's wait callback: the replica path works there as well,
    and a statement cut by the watchdog wakes its greenlet."""
    _base, db, admin, partner, _primary, replica, base = faulty
    deadline = time.monotonic() + 60
    while True:  # the gevent process starts after the workers
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{base}/web/health", timeout=5).ok:
                break
        assert time.monotonic() < deadline, "Odoo's gevent process does not answer"
        time.sleep(0.2)
    wait_until_read_on(ON_REPLICA, base, db, admin, partner)
    assert json_call_write(base, db, admin, partner)[1] == "ok"
    with ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        in_flight = pool.submit(json_call_read, base, db, admin, partner, SLOW_FIELD)
        time.sleep(0.5)
        with replica.frozen():
            assert in_flight.result() == ("json-call read", "ok", ON_PRIMARY)
    assert time.monotonic() - started <= READ_BOUND

"""A request that Odoo runs again after a serialization failure is the same
request the second time: against real servers (the addon loaded server-wide,
and not: then Odoo's database path serves the routes and its ``retrying``
runs the whole dispatch again, body parsing included).

A writing call waits on a row lock held by another transaction, which then
updates the row and commits: under Odoo's REPEATABLE READ the call's UPDATE
fails to serialize and Odoo runs it again. The retry must parse the same
body (not the consumed stream, which reads as an empty, invalid body) and
write what the client asked, in each dialect. Uses the second test database.
"""

import json
import subprocess
import time
from contextlib import closing
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import pytest
import requests

from .live import DB_B as DB, addon_setups, free_port, login, needs_test_databases, odoo_server, running

pytestmark = needs_test_databases

SETUPS = addon_setups(DB)


@pytest.fixture(scope="module", params=sorted(SETUPS))
def server(request, tmp_path_factory):
    port, logfile = free_port(), tmp_path_factory.mktemp("retry") / "odoo.log"
    # failure counters of other tests are committed data: this one's logins must not meet them
    subprocess.run(["psql", "-q", "-d", DB, "-c", "DELETE FROM api_token_lockout"], check=True)
    command = odoo_server(DB, logfile, f"--http-port={port}", *SETUPS[request.param])
    with running(command, port, logfile) as base:
        yield base, logfile, login(base, DB)


def query(sql, params=()):
    with closing(psycopg2.connect(dbname=DB)) as connection, connection, connection.cursor() as cr:
        cr.execute(sql, params)
        return cr.fetchall()


def waiting_on_a_lock():
    return query("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", [DB])[0][0]


def after_a_conflict(partner, send):
    """``send()``'s response, sent while another transaction holds the row
    of ``partner``, then updates it and commits: the request's first attempt
    fails to serialize."""
    with closing(psycopg2.connect(dbname=DB)) as holder, holder.cursor() as cr:
        cr.execute("UPDATE res_partner SET ref = 'holder' WHERE id = %s", [partner])
        with ThreadPoolExecutor(1) as pool:
            response = pool.submit(send)
            deadline = time.monotonic() + 20
            while not waiting_on_a_lock():
                assert time.monotonic() < deadline, "the request never waited for the row lock"
                assert not response.done(), response.result().text
                time.sleep(0.02)
            holder.commit()  # the waiting UPDATE now fails to serialize
            return response.result()


def retries_in(logfile):
    return logfile.read_text().count("tries left, try again")


def json_call(base, token, partner, content_type):
    body = {
        "jsonrpc": "2.0",
        "id": 7,
        "params": {"db": DB, "model": "res.partner", "method": "write", "args": [[partner], {"ref": "json-call"}]},
    }
    return send("POST", base + "/json-call", body, content_type, {"Authorization": f"Bearer {token}"})


def rest(base, token, partner, content_type):
    return send(
        "PUT",
        f"{base}/api/res.partner/{partner}/",
        {"params": {"data": {"ref": "rest"}}},
        content_type,
        {"Authorization": f"Bearer {token}", "X-Odoo-Database": DB},
    )


def json2(base, token, partner, content_type):
    return send(
        "POST",
        base + "/json/2/res.partner/write",
        {"ids": [partner], "vals": {"ref": "json2"}},
        content_type,
        {"Authorization": f"Bearer {token}", "X-Odoo-Database": DB},
    )


def send(method, url, body, content_type, headers):
    """``body`` as JSON, with ``content_type`` (None: no Content-Type header,
    as some clients send)."""
    if content_type:
        headers = {**headers, "Content-Type": content_type}
    return requests.request(method, url, data=json.dumps(body).encode(), headers=headers, timeout=60)


#: what clients send: JSON-RPC and REST take any content type (curl -d sends
#: a form's, some clients none), JSON-2 only JSON's
CASES = [
    (json_call, None),
    (json_call, "application/x-www-form-urlencoded"),
    (json_call, "application/json"),
    (rest, None),
    (rest, "application/x-www-form-urlencoded"),
    (json2, "application/json"),
]
#: the answer each dialect gives to a successful write
SUCCESS = {
    json_call: {"jsonrpc": "2.0", "id": 7, "result": True},
    rest: {"jsonrpc": "2.0", "id": None, "result": True},
    json2: True,
}


@pytest.mark.parametrize(
    "dialect, content_type",
    CASES,
    ids=[f"{dialect.__name__}-{content_type or 'none'}" for dialect, content_type in CASES],
)
def test_a_retried_request_is_parsed_again_from_its_body(server, dialect, content_type):
    base, logfile, token = server
    partner = query(
        "INSERT INTO res_partner (name, active, type, create_date, write_date) "
        "VALUES ('Retried', true, 'contact', now(), now()) RETURNING id"
    )[0][0]
    retries = retries_in(logfile)
    response = after_a_conflict(partner, lambda: dialect(base, token, partner, content_type))
    assert (response.status_code, response.json()) == (200, SUCCESS[dialect]), response.text
    assert retries_in(logfile) > retries, "Odoo ran the request again"
    assert query("SELECT ref FROM res_partner WHERE id = %s", [partner]) == [(dialect.__name__.replace("_", "-"),)]


#: how each dialect says -32030 (retry later)
UNAVAILABLE = {
    json_call: lambda response: (response.status_code, response.json()["error"]["code"]) == (200, -32030),
    rest: lambda response: (response.status_code, response.json()["error"]["code"]) == (503, -32030),
    json2: lambda response: response.status_code == 503 and response.json()["name"].endswith(".ServiceUnavailable"),
}


@pytest.fixture(scope="module")
def impatient_server(tmp_path_factory):
    """A server whose statements give up waiting for a row lock after 100 ms
    (LockNotAvailable, which Odoo retries as it retries a serialization
    failure), the addon not loaded server-wide: there Odoo's own
    transaction, not the dispatcher's, gives up (the server-wide path is
    test_live_faults'; Odoo's retries take 15 s on average, once is enough)."""
    port, logfile = free_port(), tmp_path_factory.mktemp("retry") / "odoo.log"
    command = odoo_server(DB, logfile, f"--http-port={port}", *SETUPS["db-filter"])
    with running(command, port, logfile, env={"PGOPTIONS": "-c lock_timeout=100"}) as base:
        yield base, login(base, DB)


def test_a_conflict_past_odoos_retries_answers_retryable(impatient_server):
    """Every attempt of the call meets a row lock held elsewhere: once Odoo's
    retries are spent, each dialect answers -32030, without internals."""
    base, token = impatient_server
    partners = [
        row[0]
        for row in query(
            "INSERT INTO res_partner (name, active, type, create_date, write_date) "
            "SELECT 'Conflicted', true, 'contact', now(), now() FROM generate_series(1, 3) RETURNING id"
        )
    ]
    cases = [(json_call, partners[0], None), (rest, partners[1], None), (json2, partners[2], "application/json")]
    with closing(psycopg2.connect(dbname=DB)) as holder, holder.cursor() as cr, ThreadPoolExecutor(3) as pool:
        cr.execute("SELECT id FROM res_partner WHERE id = ANY(%s) FOR UPDATE", [partners])
        responses = [
            pool.submit(dialect, base, token, partner, content_type) for dialect, partner, content_type in cases
        ]
        responses = [response.result() for response in responses]
    for (dialect, _partner, _content_type), response in zip(cases, responses):
        assert UNAVAILABLE[dialect](response), response.text
        assert "psycopg2" not in response.text and "res_partner" not in response.text, response.text

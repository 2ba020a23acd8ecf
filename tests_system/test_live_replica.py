"""Reads on a PostgreSQL replica, writes and token checks on the primary.

A real Odoo server writing on a throwaway PostgreSQL primary (a copy of the
second test database) and reading, with ``--db_replica_host``/
``--db_replica_port``, on its streaming replica (tests_system/scale.py: one
pair for the module, removed at its end). Where a call's reads ran is
shown by a computed field that reads ``pg_is_in_recovery()`` on the call's
own cursor. The replica is made to lag by pausing its replay: a token
revoked on the primary is refused at once on every path, a token issued on
the primary works at once, though the replica knows neither change yet.
"""

import uuid

import pytest
import requests

from .live import DB_B as SCALE_DB, free_port, login, needs_test_databases, odoo_server, post, running
from .scale import WHERE_FIELD, WRITING_FIELD, add_computed_fields, call, throwaway_clusters

pytestmark = needs_test_databases
ON_REPLICA, ON_PRIMARY = "True", "False"


@pytest.fixture(scope="module")
def pg():
    """The module's throwaway primary and replica (:class:`.scale.Clusters`)."""
    with throwaway_clusters(SCALE_DB) as clusters:
        yield clusters


@pytest.fixture(scope="module")
def server(pg, tmp_path_factory):
    """(base URL, administrator's token, the administrator's partner id)."""
    port, logfile = free_port(), tmp_path_factory.mktemp("replica") / "odoo.log"
    with running(odoo_server(SCALE_DB, logfile, f"--http-port={port}", *pg.odoo_options()), port, logfile) as base:
        admin = add_computed_fields(base, pg)
        partner = call(base, SCALE_DB, admin, "res.users", "read", [2], ["partner_id"])[0]["partner_id"][0]
        yield base, admin, partner


def where_json_call(base, token, partner):
    """Where a /json-call read ran, or its error code."""
    result = call(base, SCALE_DB, token, "res.partner", "read", [partner], [WHERE_FIELD])
    return result[0][WHERE_FIELD] if isinstance(result, list) else result["code"]


def where_json2(base, token, partner):
    response = requests.post(
        f"{base}/json/2/res.partner/read",
        json={"ids": [partner], "fields": [WHERE_FIELD]},
        headers={"Authorization": f"bearer {token}", "X-Odoo-Database": SCALE_DB},
        timeout=30,
    )
    return response.json()[0][WHERE_FIELD] if response.status_code == 200 else response.status_code


def where_rest(base, token, partner):
    response = requests.get(
        f"{base}/api/res.partner/{partner}",
        params={"query": "{%s}" % WHERE_FIELD},
        headers={"Authorization": f"Bearer {token}", "X-Odoo-Database": SCALE_DB},
        timeout=30,
    )
    return response.json()[WHERE_FIELD] if response.status_code == 200 else response.status_code


READ_PATHS = [where_json_call, where_json2, where_rest]


def test_reads_run_on_the_replica(server):
    base, admin, partner = server
    for where in READ_PATHS:
        assert where(base, admin, partner) == ON_REPLICA, where.__name__
    batch = [
        {"jsonrpc": "2.0", "id": n, "params": {"db": SCALE_DB, "model": "res.partner", "method": method, "args": args}}
        for n, (method, args) in enumerate(
            [("read", [[partner], [WHERE_FIELD]]), ("search_read", [[["id", "=", partner]], [WHERE_FIELD]])]
        )
    ]
    answers = requests.post(
        f"{base}/json-call", json=batch, headers={"Authorization": f"Bearer {admin}"}, timeout=30
    ).json()
    assert [answer["result"][0][WHERE_FIELD] for answer in answers] == [ON_REPLICA, ON_REPLICA]


def test_writes_run_on_the_primary(server):
    """What writes runs on the primary, and so does a batch that writes."""
    base, admin, partner = server
    saved = call(
        base, SCALE_DB, admin, "res.partner", "web_save", [partner], {"ref": "saved"}, specification={WHERE_FIELD: {}}
    )
    assert saved == [{"id": partner, WHERE_FIELD: ON_PRIMARY}]
    batch = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "params": {
                "db": SCALE_DB,
                "model": "res.partner",
                "method": "write",
                "args": [[partner], {"ref": "written"}],
            },
        },
        {
            "jsonrpc": "2.0",
            "id": 2,
            "params": {
                "db": SCALE_DB,
                "model": "res.partner",
                "method": "read",
                "args": [[partner], [WHERE_FIELD, "ref"]],
            },
        },
    ]
    answers = requests.post(
        f"{base}/json-call", json=batch, headers={"Authorization": f"Bearer {admin}"}, timeout=30
    ).json()
    assert answers[1]["result"] == [{"id": partner, WHERE_FIELD: ON_PRIMARY, "ref": "written"}]


def test_a_read_that_writes_is_run_again_on_the_primary(server):
    """A field whose reading writes (here: a counter): the read fails on the
    replica (read-only), runs again on the primary, and its write lands."""
    base, admin, partner = server

    def count():
        return int(call(base, SCALE_DB, admin, "ir.config_parameter", "get_param", "jrt.reads") or 0)

    before = count()
    result = call(base, SCALE_DB, admin, "res.partner", "read", [partner], [WRITING_FIELD])
    assert result == [{"id": partner, WRITING_FIELD: ON_PRIMARY}]
    assert count() == before + 1


def test_tokens_on_a_lagging_replica(server, pg):
    """Replay paused: the replica still sees a revoked token live and does
    not know a new one. The revoked one is refused, the new one works, on
    every read path, whose reads still run on the replica; the last-use
    stamp and the failure records land on the primary."""
    base, admin, partner = server
    name = f"lag-{uuid.uuid4().hex[:8]}"
    uid = call(base, SCALE_DB, admin, "res.users", "create", {"login": name, "name": name, "password": "Lag-pass-2026"})
    revoked = login(base, SCALE_DB, name, "Lag-pass-2026")
    refusals_before = pg.sql(SCALE_DB, "SELECT count(*) FROM api_token_log WHERE event = 'token_refused'")[0][0]
    pg.wait_replayed()
    with pg.replay_paused():
        assert (
            post(base, "/json-call/user_logout", {"db": SCALE_DB}, headers={"Authorization": f"Bearer {revoked}"})[
                "result"
            ]
            is True
        )
        fresh = login(base, SCALE_DB, name, "Lag-pass-2026")
        # the replica has not seen the revocation, nor the new token
        live_on_replica = pg.sql(
            SCALE_DB, "SELECT count(*) FROM api_token WHERE user_id = %s AND revoked_at IS NULL", [uid], replica=True
        )[0][0]
        live_on_primary = pg.sql(
            SCALE_DB, "SELECT count(*) FROM api_token WHERE user_id = %s AND revoked_at IS NULL", [uid]
        )[0][0]
        assert (live_on_replica, live_on_primary) == (1, 1)  # the old one there, the new one here

        assert where_json_call(base, revoked, partner) == -32005
        assert where_json2(base, revoked, partner) == 401
        assert where_rest(base, revoked, partner) == 401
        assert call(base, SCALE_DB, revoked, "res.partner", "write", [partner], {"ref": "no"})["code"] == -32005

        for where in READ_PATHS:
            assert where(base, fresh, partner) == ON_REPLICA, where.__name__
        stamped = pg.sql(
            SCALE_DB, "SELECT last_used_at IS NOT NULL FROM api_token WHERE user_id = %s AND revoked_at IS NULL", [uid]
        )
        assert stamped == [(True,)]
        refusals = pg.sql(SCALE_DB, "SELECT count(*) FROM api_token_log WHERE event = 'token_refused'")[0][0]
    assert refusals == refusals_before  # a revoked token is no guess: no failure counted
    pg.wait_replayed()


def test_bookkeeping_of_a_failed_read_lands_on_the_primary(server, pg):
    """An unknown token on a read: refused, counted on the primary."""
    base, _admin, partner = server
    before = pg.sql(SCALE_DB, "SELECT count(*) FROM api_token_log WHERE event = 'token_refused'")[0][0]
    assert where_json_call(base, "x" * 43, partner) == -32003
    assert pg.sql(SCALE_DB, "SELECT count(*) FROM api_token_log WHERE event = 'token_refused'")[0][0] == before + 1
    assert where_rest(base, "y" * 43, partner) == 401

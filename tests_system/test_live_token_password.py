"""A token used as a password through Odoo's XML-RPC dies at once in every
worker of a prefork server when it is revoked: Odoo caches the (uid,
password) pairs its execute_kw accepted, per process, but never a token's."""

import threading
import time
import uuid
import xmlrpc.client

import pytest

from .live import DB_A, free_port, login, needs_test_databases, odoo_server, result_of, running

pytestmark = needs_test_databases

CALLERS = 4
BEFORE, AFTER = 1.0, 1.2  # seconds of calls before and after the revocation


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port, logfile = free_port(), tmp_path_factory.mktemp("prefork") / "odoo.log"
    with running(
        odoo_server(DB_A, logfile, f"--http-port={port}", "--workers=2", f"--gevent-port={free_port()}"), port, logfile
    ) as base:
        yield base, logfile


def test_xmlrpc_revocation_is_effective_at_once_in_every_worker(server):
    base, logfile = server
    admin_token = login(base, DB_A)
    name = f"rpc-{uuid.uuid4().hex[:8]}"
    uid = result_of(
        base, admin_token, "res.users", "create", {"login": name, "name": name, "password": "Rpc-pass-2026"}
    )
    token = login(base, DB_A, name, "Rpc-pass-2026")
    outcomes = []  # (sent at, succeeded)
    stop = threading.Event()

    def keep_calling():
        models = xmlrpc.client.ServerProxy(base + "/xmlrpc/2/object")
        while not stop.is_set():
            sent = time.monotonic()
            try:
                models.execute_kw(DB_A, uid, token, "res.partner", "search_count", [[]])
                outcomes.append((sent, True))
            except xmlrpc.client.Fault as fault:
                assert fault.faultCode == 3, fault.faultString
                outcomes.append((sent, False))

    callers = [threading.Thread(target=keep_calling) for _n in range(CALLERS)]
    for caller in callers:
        caller.start()
    try:
        time.sleep(BEFORE)
        ids = result_of(base, admin_token, "api.token", "search", [["user_id", "=", uid]])
        result_of(base, admin_token, "api.token", "action_revoke", ids)
        revoked_at = time.monotonic()
        time.sleep(AFTER)
    finally:
        stop.set()
        for caller in callers:
            caller.join()
    before = [ok for sent, ok in outcomes if sent < revoked_at]
    after = [ok for sent, ok in outcomes if sent > revoked_at]
    assert any(before), "the token was accepted as a password before the revocation"
    assert len(after) >= CALLERS, f"only {len(after)} calls were sent after the revocation"
    assert not any(after), f"{sum(after)} of {len(after)} calls sent after the revocation succeeded"
    served_by = {line.split()[2] for line in logfile.read_text().splitlines() if "/xmlrpc/2/object" in line}
    assert len(served_by) == 2, f"both workers served the calls (pids: {served_by})"
    assert token not in logfile.read_text(), "the token is in no log line"

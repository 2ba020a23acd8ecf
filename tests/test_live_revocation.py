"""Revocation holds at once under concurrent callers, on every kind of server.

Callers keep using a token from several threads while an administrator
revokes it in one of the ways the addon knows; once the revocation has
answered, no call sent afterwards may succeed, whichever thread or process
serves it. Run against a threaded server (what devtools/run.sh starts) and a
prefork server (2 workers), whose gevent port serves half of the callers.
"""
import threading
import time
import uuid

import pytest
import requests

from .live import DB_A, free_port, login, needs_test_databases, odoo_server, post, running

pytestmark = needs_test_databases

CALLERS = 6
BEFORE, AFTER = 0.6, 1.2  # seconds of calls before and after the revocation


@pytest.fixture(scope="module", params=["threaded", "prefork"])
def server(request, tmp_path_factory):
    """(base URLs the callers use, base URL for administration)."""
    port, logfile = free_port(), tmp_path_factory.mktemp(request.param) / "odoo.log"
    options = [f"--http-port={port}"]
    gevent_port = None
    if request.param == "prefork":
        gevent_port = free_port()
        options += ["--workers=2", f"--gevent-port={gevent_port}"]
    with running(odoo_server(DB_A, logfile, *options), port, logfile) as base:
        bases = [base]
        if gevent_port:
            bases.append(f"http://127.0.0.1:{gevent_port}")
            deadline = time.monotonic() + 60
            while not _answers(bases[1]):
                assert time.monotonic() < deadline, "the gevent port did not answer"
                time.sleep(0.5)
        yield bases, base


def _answers(base):
    try:
        return requests.get(base + "/web/health", timeout=5).ok
    except requests.RequestException:
        return False


def call(base, token, method="search_count", args=([],)):
    return post(base, "/json-call", {"db": DB_A, "model": "res.partner", "method": method, "args": list(args)},
                headers={"Authorization": f"Bearer {token}"})


def admin_call(base, admin_token, model, method, *args):
    answer = post(base, "/json-call", {"db": DB_A, "model": model, "method": method, "args": list(args)},
                  headers={"Authorization": f"Bearer {admin_token}"})
    assert "result" in answer, answer
    return answer["result"]


def new_victim(base, admin_token):
    login_name = f"victim-{uuid.uuid4().hex[:8]}"
    uid = admin_call(base, admin_token, "res.users", "create",
                     {"login": login_name, "name": login_name, "password": "Victim-pass-2026"})
    return uid, login(base, DB_A, login_name, "Victim-pass-2026")


def revoke_by_logout(base, admin_token, uid, token):
    assert post(base, "/json-call/user_logout", {"db": DB_A}, headers={"Authorization": f"Bearer {token}"}) == {
        "jsonrpc": "2.0", "id": None, "result": True}


def revoke_from_backend(base, admin_token, uid, token):
    ids = admin_call(base, admin_token, "api.token", "search", [["user_id", "=", uid]])
    admin_call(base, admin_token, "api.token", "action_revoke", ids)


def revoke_all(base, admin_token, uid, token):
    admin_call(base, admin_token, "api.token", "action_revoke_all")


def change_password(base, admin_token, uid, token):
    admin_call(base, admin_token, "res.users", "write", [uid], {"password": "Changed-pass-2026"})


def archive_user(base, admin_token, uid, token):
    admin_call(base, admin_token, "res.users", "write", [uid], {"active": False})


def make_portal_user(base, admin_token, uid, token):
    portal = admin_call(base, admin_token, "ir.model.data", "check_object_reference", "base", "group_portal")[1]
    admin_call(base, admin_token, "res.users", "write", [uid], {"groups_id": [[6, 0, [portal]]]})


def delete_user(base, admin_token, uid, token):
    admin_call(base, admin_token, "res.users", "unlink", [uid])


REVOCATIONS = [revoke_by_logout, revoke_from_backend, revoke_all, change_password, archive_user,
               make_portal_user, delete_user]


@pytest.mark.parametrize("revoke", REVOCATIONS, ids=[revoke.__name__ for revoke in REVOCATIONS])
def test_no_call_succeeds_once_revocation_has_answered(server, revoke):
    bases, admin_base = server
    admin_token = login(admin_base, DB_A)
    uid, token = new_victim(admin_base, admin_token)
    outcomes = []  # (sent at, succeeded)
    stop = threading.Event()

    def keep_calling(base):
        with requests.Session() as session:
            while not stop.is_set():
                sent = time.monotonic()
                response = session.post(base + "/json-call", timeout=30, json={"params": {
                    "db": DB_A, "model": "res.partner", "method": "search_count", "args": [[]]}},
                    headers={"Authorization": f"Bearer {token}"})
                outcomes.append((sent, "result" in response.json()))

    callers = [threading.Thread(target=keep_calling, args=(bases[n % len(bases)],)) for n in range(CALLERS)]
    for caller in callers:
        caller.start()
    try:
        time.sleep(BEFORE)
        revoke(admin_base, admin_token, uid, token)
        revoked_at = time.monotonic()
        time.sleep(AFTER)
    finally:
        stop.set()
        for caller in callers:
            caller.join()
    before = [ok for sent, ok in outcomes if sent < revoked_at]
    after = [ok for sent, ok in outcomes if sent > revoked_at]
    assert any(before), "the token was in use before the revocation"
    assert len(after) >= CALLERS, f"only {len(after)} calls were sent after the revocation"
    assert not any(after), f"{sum(after)} of {len(after)} calls sent after the revocation succeeded"
    if revoke is revoke_by_logout:
        second = post(admin_base, "/json-call/user_logout", {"db": DB_A},
                      headers={"Authorization": f"Bearer {token}"})
        assert second["error"]["code"] == -32005, "a second logout is refused, not answered true"

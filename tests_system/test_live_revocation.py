"""Revocation holds at once under concurrent callers, on every kind of server.

Callers keep using a token from several threads while an administrator
revokes it in one of the ways the addon knows; once the revocation has
answered, no call sent afterwards may succeed, whichever thread or process
serves it and whichever dialect it speaks (JSON-RPC, REST, JSON-2, the token
as the password of Odoo's own JSON-RPC). Run against a threaded server (what
devtools/run.sh starts) and a prefork server (2 workers), whose gevent port
serves half of the callers.
"""

import threading
import time
import uuid

import pytest
import requests

from .live import DB_A, free_port, login, needs_test_databases, odoo_server, post, result_of, running

pytestmark = needs_test_databases

CALLERS = 8
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
    return post(
        base,
        "/json-call",
        {"db": DB_A, "model": "res.partner", "method": method, "args": list(args)},
        headers={"Authorization": f"Bearer {token}"},
    )


def new_victim(base, admin_token):
    login_name = f"victim-{uuid.uuid4().hex[:8]}"
    uid = result_of(
        base,
        admin_token,
        "res.users",
        "create",
        {"login": login_name, "name": login_name, "password": "Victim-pass-2026"},
    )
    return uid, login(base, DB_A, login_name, "Victim-pass-2026")


def revoke_by_logout(base, admin_token, uid, token):
    assert post(base, "/json-call/user_logout", {"db": DB_A}, headers={"Authorization": f"Bearer {token}"}) == {
        "jsonrpc": "2.0",
        "id": None,
        "result": True,
    }


def revoke_from_backend(base, admin_token, uid, token):
    ids = result_of(base, admin_token, "api.token", "search", [["user_id", "=", uid]])
    result_of(base, admin_token, "api.token", "action_revoke", ids)


def revoke_all(base, admin_token, uid, token):
    result_of(base, admin_token, "api.token", "action_revoke_all")


def change_password(base, admin_token, uid, token):
    result_of(base, admin_token, "res.users", "write", [uid], {"password": "Changed-pass-2026"})


def archive_user(base, admin_token, uid, token):
    result_of(base, admin_token, "res.users", "write", [uid], {"active": False})


def make_portal_user(base, admin_token, uid, token):
    portal = result_of(base, admin_token, "ir.model.data", "check_object_reference", "base", "group_portal")[1]
    result_of(base, admin_token, "res.users", "write", [uid], {"groups_id": [[6, 0, [portal]]]})


def delete_user(base, admin_token, uid, token):
    result_of(base, admin_token, "res.users", "unlink", [uid])


def json_call_succeeds(session, base, uid, token):
    response = session.post(
        base + "/json-call",
        timeout=30,
        json={"params": {"db": DB_A, "model": "res.partner", "method": "search_count", "args": [[]]}},
        headers={"Authorization": f"Bearer {token}"},
    )
    return "result" in response.json()


def rest_succeeds(session, base, uid, token):
    response = session.get(
        base + "/api/res.partner/",
        params={"query": "{id}", "limit": 1},
        timeout=30,
        headers={"Authorization": f"Bearer {token}", "X-Odoo-Database": DB_A},
    )
    if response.status_code not in REFUSALS_AND_SUCCESS:
        UNEXPECTED.append(response.text[:300])
    return response.status_code == 200


def json2_succeeds(session, base, uid, token):
    response = session.post(
        base + "/json/2/res.partner/search_count",
        json={"domain": []},
        timeout=30,
        headers={"Authorization": f"bearer {token}", "X-Odoo-Database": DB_A},
    )
    if response.status_code not in REFUSALS_AND_SUCCESS:
        UNEXPECTED.append(response.text[:300])
    return response.status_code == 200


def execute_kw_succeeds(session, base, uid, token):
    response = session.post(
        base + "/jsonrpc",
        timeout=30,
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [DB_A, uid, token, "res.partner", "search_count", [[]]],
            },
        },
    )
    return "result" in response.json()


#: a success, a dead token (401), or, once the token is gone with its user,
#: the lockout of an address that keeps sending unknown tokens (429)
REFUSALS_AND_SUCCESS = (200, 401, 429)
#: answers that are neither (cleared by each test)
UNEXPECTED = []
DIALECTS = [json_call_succeeds, rest_succeeds, json2_succeeds, execute_kw_succeeds]

REVOCATIONS = [
    revoke_by_logout,
    revoke_from_backend,
    revoke_all,
    change_password,
    archive_user,
    make_portal_user,
    delete_user,
]


@pytest.mark.parametrize("revoke", REVOCATIONS, ids=[revoke.__name__ for revoke in REVOCATIONS])
def test_no_call_succeeds_once_revocation_has_answered(server, revoke):
    bases, admin_base = server
    admin_token = login(admin_base, DB_A)
    uid, token = new_victim(admin_base, admin_token)
    UNEXPECTED.clear()
    outcomes = []  # (sent at, dialect, succeeded)
    stop = threading.Event()

    def keep_calling(base, dialect):
        with requests.Session() as session:
            while not stop.is_set():
                sent = time.monotonic()
                outcomes.append((sent, dialect.__name__, dialect(session, base, uid, token)))

    for dialect in DIALECTS:
        with requests.Session() as session:
            assert dialect(session, admin_base, uid, token), f"{dialect.__name__}: the token works before"
    callers = [
        threading.Thread(target=keep_calling, args=(bases[n % len(bases)], DIALECTS[n % len(DIALECTS)]))
        for n in range(CALLERS)
    ]
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
    before = [ok for sent, _dialect, ok in outcomes if sent < revoked_at]
    after = [ok for sent, _dialect, ok in outcomes if sent > revoked_at]
    assert not UNEXPECTED, UNEXPECTED[:3]
    assert any(before), "the token was in use before the revocation"
    assert len(after) >= CALLERS, f"only {len(after)} calls were sent after the revocation"
    assert not any(after), f"{sum(after)} of {len(after)} calls sent after the revocation succeeded"
    if revoke is revoke_by_logout:
        second = post(admin_base, "/json-call/user_logout", {"db": DB_A}, headers={"Authorization": f"Bearer {token}"})
        assert second["error"]["code"] == -32005, "a second logout is refused, not answered true"

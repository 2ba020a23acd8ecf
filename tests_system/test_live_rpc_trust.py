"""Odoo's own RPC with a token, on a prefork server (2 workers) and its
gevent port (issue #19): a page of another site cannot make a browser run a
call with a token as password; unknown logins count on the lockout and take
as long to refuse as a wrong password of a real login."""

import json
import statistics
import time
import uuid
import xmlrpc.client

import pytest
import requests

from .live import DB_A, free_port, login, needs_test_databases, odoo_server, result_of, running

pytestmark = needs_test_databases

EVIL = "https://evil.example"
SHOP = "https://shop.example"
USER_PASSWORD = "Rpc-trust-pass-2026"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(base URLs of the HTTP port and of the gevent port, admin token)."""
    port, gevent_port = free_port(), free_port()
    logfile = tmp_path_factory.mktemp("prefork") / "odoo.log"
    with running(
        odoo_server(DB_A, logfile, f"--http-port={port}", "--workers=2", f"--gevent-port={gevent_port}"), port, logfile
    ) as base:
        gevent = f"http://127.0.0.1:{gevent_port}"
        deadline = time.monotonic() + 60
        while not _answers(gevent):
            assert time.monotonic() < deadline, "the gevent port did not answer"
            time.sleep(0.5)
        admin = login(base, DB_A)
        yield (base, gevent), admin
        _clear_lockout(base, admin)


def _answers(base):
    try:
        return requests.get(base + "/web/health", timeout=5).ok
    except requests.RequestException:
        return False


def _clear_lockout(base, admin):
    """The failures these tests count would lock 127.0.0.1 out of the
    other live tests' logins: a manager deletes the counters (a valid
    token is never locked out)."""
    ids = result_of(base, admin, "api.token.lockout", "search", [])
    if ids:
        result_of(base, admin, "api.token.lockout", "unlink", ids)


def _set_param(base, admin, key, value):
    result_of(base, admin, "ir.config_parameter", "set_param", key, value)


@pytest.fixture(scope="module")
def user(server):
    (base, _gevent), admin = server
    name = f"rpc-trust-{uuid.uuid4().hex[:8]}"
    uid = result_of(base, admin, "res.users", "create", {"login": name, "name": name, "password": USER_PASSWORD})
    return uid, name, login(base, DB_A, name, USER_PASSWORD)


#: every test runs on the HTTP port of the prefork server and on its gevent port
on_both_ports = pytest.mark.parametrize("port", ["http", "gevent"])


def _base(server, port):
    return server[0][0 if port == "http" else 1]


# ---------------------------------------------------------------- senders
def xmlrpc_post(base, path, method, *params, origin=None):
    """``method(*params)`` on Odoo's XML-RPC as a browser page sends it (a
    text/plain POST, no preflight): its result, or the Fault."""
    headers = {"Content-Type": "text/plain", **({"Origin": origin} if origin else {})}
    response = requests.post(base + path, data=xmlrpc.client.dumps(params, method), headers=headers, timeout=60)
    assert response.status_code == 200, response.text[:300]
    try:
        return xmlrpc.client.loads(response.content)[0][0]
    except xmlrpc.client.Fault as fault:
        return fault


def jsonrpc_post(base, service, method, *args, origin=None):
    """The ``result`` of Odoo's /jsonrpc, or its ``error``."""
    response = requests.post(
        base + "/jsonrpc",
        timeout=60,
        headers={"Origin": origin} if origin else {},
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {"service": service, "method": method, "args": list(args)},
        },
    )
    assert response.status_code == 200, response.text[:300]
    answer = response.json()
    return answer.get("result", answer.get("error"))


def _partner_count(base, admin, name):
    return result_of(base, admin, "res.partner", "search_count", [["name", "=", name]])


# ------------------------------------------------------------- item 1
@on_both_ports
def test_token_as_rpc_password_refuses_a_foreign_origin(server, user, port):
    """What /json-call refuses with -32009 is refused on Odoo's own RPC
    too when the password is a token: a fault with the reason, nothing run."""
    (http_base, _gevent), admin = server
    base = _base(server, port)
    uid, name, token = user
    _set_param(http_base, admin, "json_rpc_token.cors_origins", SHOP)
    partner = f"Cross-site {uuid.uuid4().hex[:6]}"
    create = ("res.partner", "create", [{"name": partner}])
    for path, fault_code in (("/xmlrpc/2/object", "4"), ("/xmlrpc/object", "warning -- AccessError")):
        for method, args in (("execute_kw", create), ("execute", create[:2] + ({"name": partner},))):
            refused = xmlrpc_post(base, path, method, DB_A, uid, token, *args, origin=EVIL)
            assert isinstance(refused, xmlrpc.client.Fault), (path, method, refused)
            assert str(refused.faultCode).startswith(fault_code), refused
            assert "Calls from web pages of https://evil.example are not accepted" in (
                f"{refused.faultCode} {refused.faultString}"
            )
            assert token not in refused.faultString
    for path in ("/xmlrpc/2/common", "/xmlrpc/common"):
        for method, args in (("authenticate", (DB_A, name, token, {})), ("login", (DB_A, name, token))):
            refused = xmlrpc_post(base, path, method, *args, origin=EVIL)
            assert isinstance(refused, xmlrpc.client.Fault), (path, method, refused)
    error = jsonrpc_post(base, "object", "execute_kw", DB_A, uid, token, *create, origin=EVIL)
    assert error["data"]["name"] == "odoo.exceptions.AccessError", error
    assert "Calls from web pages of" in error["data"]["message"]
    error = jsonrpc_post(base, "common", "authenticate", DB_A, name, token, {}, origin=EVIL)
    assert isinstance(error, dict) and error["data"]["name"] == "odoo.exceptions.AccessError", error
    assert _partner_count(http_base, admin, partner) == 0, "nothing ran"
    # a listed origin, and every connector (no Origin), are served unchanged
    assert isinstance(xmlrpc_post(base, "/xmlrpc/2/object", "execute_kw", DB_A, uid, token, *create, origin=SHOP), int)
    assert isinstance(xmlrpc_post(base, "/xmlrpc/2/object", "execute_kw", DB_A, uid, token, *create), int)
    assert jsonrpc_post(base, "common", "authenticate", DB_A, name, token, {}) == uid
    assert xmlrpc_post(base, "/xmlrpc/2/common", "authenticate", DB_A, name, token, {}, origin=SHOP) == uid
    assert _partner_count(http_base, admin, partner) == 2


# ------------------------------------------------------------- item 2
def _authenticate(base, endpoint, login_name, password):
    if endpoint == "xmlrpc":
        return xmlrpc_post(base, "/xmlrpc/2/common", "authenticate", DB_A, login_name, password, {})
    return jsonrpc_post(base, "common", "authenticate", DB_A, login_name, password, {})


@on_both_ports
def test_unknown_logins_count_on_the_lockout(server, user, port):
    """As on user_authenticate: ten failures from an address, unknown
    logins or not, and the eleventh attempt is refused, the right password
    included (base.login_cooldown_after is 10 in a new database)."""
    (http_base, _gevent), admin = server
    base = _base(server, port)
    _uid, name, _token = user
    _clear_lockout(http_base, admin)
    try:
        for attempt in range(10):
            endpoint = ("xmlrpc", "jsonrpc")[attempt % 2]
            login_name = name if attempt in (3, 7) else f"nobody-{uuid.uuid4().hex[:8]}"  # 8 unknown, 2 known
            password = "wrong password" if login_name == name else USER_PASSWORD
            assert _authenticate(base, endpoint, login_name, password) is False
        for endpoint in ("xmlrpc", "jsonrpc"):
            assert _authenticate(base, endpoint, name, USER_PASSWORD) is False, (
                f"{endpoint}: the 11th attempt is locked out, even with the right password"
            )
        failed = result_of(
            http_base,
            admin,
            "api.token.log",
            "search_count",
            [["event", "=", "login_failed"], ["login", "=like", "nobody-%"]],
        )
        assert failed >= 8, "each unknown login is in the audit trail"
    finally:
        _clear_lockout(http_base, admin)
    assert _authenticate(base, "xmlrpc", name, USER_PASSWORD) == _uid, "unlocked once the counters are gone"


@on_both_ports
def test_refusal_time_does_not_tell_whether_a_login_exists(server, user, port):
    """The median refusal of unknown logins and of a real login's wrong
    (token-shaped) password are within a factor 2 of each other."""
    (http_base, _gevent), admin = server
    base = _base(server, port)
    _uid, name, token = user
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")  # shaped like a token, none
    _set_param(http_base, admin, "base.login_cooldown_after", "1000")  # timing, not the lockout
    try:
        for endpoint in ("xmlrpc", "jsonrpc"):
            times = {"known": [], "unknown": []}
            for _round in range(5):
                for kind in times:
                    login_name = name if kind == "known" else f"nobody-{uuid.uuid4().hex[:8]}"
                    started = time.perf_counter()
                    assert _authenticate(base, endpoint, login_name, wrong) is False
                    times[kind].append(time.perf_counter() - started)
            known, unknown = statistics.median(times["known"]), statistics.median(times["unknown"])
            assert max(known, unknown) < 2 * min(known, unknown), (endpoint, json.dumps(times))
    finally:
        _set_param(http_base, admin, "base.login_cooldown_after", "10")
        _clear_lockout(http_base, admin)

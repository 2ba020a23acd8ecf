"""The addon claims no path beyond its own routes (issue #20, item 1).

Loaded server-wide (``--load``, as the README advises), this addon's routes
are known to every request, before any database is: a path under ``/api``
or ``/object`` that another module of the request's database serves (a
fastapi endpoint, a shop's webhook) must still be answered by that module,
with its browser session when it has one, on a database with this addon
as on one without. The other module here is ``tests_system/addons/
json_rpc_token_other``: ``GET /api/ping``, ``POST /object/ping``, a
``type='json'`` ``/api/ping/json`` and an ``auth='user'`` ``/api/whoami``.

The same module also declares routes with ``auth='api_token'``: Odoo's own
way to authenticate a route, with this addon's token and its checks."""

import configparser
import os
import subprocess
import sys
import xmlrpc.client
from pathlib import Path

import pytest
import requests

from .live import DB_A, free_port, needs_test_databases, odoo_server, post, running

pytestmark = needs_test_databases

OTHER_ADDONS = Path(__file__).resolve().parent / "addons"
DB_OTHER = f"{DB_A}_other" if DB_A else None  # this addon and the other module
DB_OTHER_PLAIN = f"{DB_A}_other_plain" if DB_A else None  # the other module only


def _addons_path():
    config = configparser.ConfigParser()
    config.read(os.environ["ODOO_RC"])
    return f"{config['options']['addons_path']},{OTHER_ADDONS}"


def _odoo_bin(*options):
    return [
        sys.executable,
        os.path.join(os.environ["ODOO_SRC"], "odoo-bin"),
        "-c",
        os.environ["ODOO_RC"],
        f"--addons-path={_addons_path()}",
        "--log-level=warn",
        "--max-cron-threads=0",
        *options,
    ]


@pytest.fixture(scope="module")
def databases():
    """A database with this addon and the other module, and one with the
    other module but not this addon; dropped at the end."""
    for db in (DB_OTHER, DB_OTHER_PLAIN):
        subprocess.run(["dropdb", "--if-exists", "--force", db], check=True)
    try:
        # both installed at once (the test session keeps the test database open: no template)
        installs = [
            subprocess.Popen(
                _odoo_bin("-d", db, "-i", modules, "--without-demo=all", "--stop-after-init"),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for db, modules in (
                (DB_OTHER, "json_rpc_token,json_rpc_token_other"),
                (DB_OTHER_PLAIN, "base,web,json_rpc_token_other"),
            )
        ]
        assert [install.wait() for install in installs] == [0, 0], "the test databases could not be made"
        yield
    finally:
        for db in (DB_OTHER, DB_OTHER_PLAIN):
            subprocess.run(["dropdb", "--if-exists", "--force", db], check=False)


@pytest.fixture(scope="module")
def servers(databases, tmp_path_factory):
    """{"addon": base URL, "plain": base URL}: two servers loading this addon
    server-wide, each serving one database (the only one: Odoo picks it for
    a request without a session, as on most production servers)."""
    logs = tmp_path_factory.mktemp("other")
    ports = {"addon": free_port(), "plain": free_port()}
    commands = {
        name: odoo_server(
            db,
            logs / f"{name}.log",
            f"--http-port={ports[name]}",
            f"--addons-path={_addons_path()}",
            f"--db-filter=^{db}$",
        )
        for name, db in (("addon", DB_OTHER), ("plain", DB_OTHER_PLAIN))
    }
    with (
        running(commands["addon"], ports["addon"], logs / "addon.log") as addon,
        running(commands["plain"], ports["plain"], logs / "plain.log") as plain,
    ):
        yield {"addon": addon, "plain": plain}, logs


def _other_module_answers(base, db):
    """What a client of the other module gets from ``base``."""
    session = requests.Session()
    logged_in = session.post(
        base + "/web/session/authenticate",
        timeout=60,
        json={"jsonrpc": "2.0", "method": "call", "params": {"db": db, "login": "admin", "password": "admin"}},
    ).json()
    ping = requests.get(base + "/api/ping", timeout=60)
    object_ping = requests.post(base + "/object/ping", timeout=60)
    json_ping = requests.post(
        base + "/api/ping/json", timeout=60, json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"a": 1}}
    )
    whoami = session.get(base + "/api/whoami", timeout=60)
    return {
        "GET /api/ping": (ping.status_code, ping.text),
        "POST /object/ping": (object_ping.status_code, object_ping.text),
        "type=json /api/ping/json": (json_ping.status_code, json_ping.json().get("result")),
        "auth=user /api/whoami": (whoami.status_code, whoami.text, logged_in["result"]["uid"]),
    }


EXPECTED = {
    "GET /api/ping": (200, "pong from the other module"),
    "POST /object/ping": (200, "object pong from the other module"),
    "type=json /api/ping/json": (200, {"pong": "json from the other module", "echo": {"a": 1}}),
    "auth=user /api/whoami": (200, "uid 2", 2),
}


def test_other_modules_routes_under_api_and_object_are_theirs(servers):
    bases, _logs = servers
    assert _other_module_answers(bases["addon"], DB_OTHER) == EXPECTED


def test_this_addons_routes_still_work_next_to_them(servers):
    base = servers[0]["addon"]
    token = post(base, "/json-call/user_authenticate", {"login": "admin", "password": "admin", "db": DB_OTHER})[
        "result"
    ]["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    for _attempt in range(2):  # the first request of a process, then the routed one
        partners = requests.get(base + "/api/res.partner", params={"query": "{id, name}"}, headers=bearer, timeout=60)
        assert partners.status_code == 200 and partners.json()["count"] == 2, partners.text
        call = post(base, "/json-call", {"model": "res.users", "method": "search_count", "args": [[]]}, headers=bearer)
        assert isinstance(call["result"], int), call
        json2 = requests.post(base + "/json/2/res.users/search_count", json={"domain": []}, headers=bearer, timeout=60)
        assert json2.status_code == 200 and isinstance(json2.json(), int), json2.text
        obj = requests.post(
            base + "/object/res.users/search_count", json={"params": {"args": [[]]}}, headers=bearer, timeout=60
        )
        assert obj.status_code == 200 and isinstance(obj.json()["result"], int), obj.text
        # no such model, and no route of any module: REST's JSON 404, never Odoo's HTML page
        for path in ("/api/no.such.model", "/api/pong", "/api/res.partner/a%0Ab", "/api//res.partner"):
            missing = requests.get(base + path, headers=bearer, timeout=60, allow_redirects=False)
            assert missing.status_code == 404 and missing.headers["Content-Type"].startswith("application/json"), (
                path,
                missing.status_code,
                missing.text[:200],
            )
            assert "error" in missing.json(), missing.text


def test_database_without_the_addon_serves_the_other_module_as_stock(servers):
    base = servers[0]["plain"]
    assert _other_module_answers(base, DB_OTHER_PLAIN) == EXPECTED
    login = requests.get(base + "/web/login", timeout=60)
    assert login.status_code == 200 and 'name="login"' in login.text
    common = xmlrpc.client.ServerProxy(base + "/xmlrpc/2/common")
    assert common.authenticate(DB_OTHER_PLAIN, "admin", "admin", {}) == 2
    # this addon's paths on a database without it: Odoo's 404 for a path nobody serves there
    assert requests.get(base + "/api/res.partner", timeout=60).status_code == 404


def _token(base, login="admin", password="admin", **options):
    return post(
        base, "/json-call/user_authenticate", {"login": login, "password": password, "db": DB_OTHER, **options}
    )["result"]["token"]


def test_auth_api_token_runs_any_modules_route_as_the_tokens_user(servers):
    """``auth='api_token'`` on another module's routes: the token's user,
    the error table's answers for every refusal, never a session cookie."""
    base = servers[0]["addon"]
    admin = _token(base)
    created = post(
        base,
        "/json-call",
        {
            "model": "res.users",
            "method": "create",
            "args": [{"name": "Token route user", "login": "token_route_user", "password": "token-route-pass-1"}],
        },
        headers={"Authorization": f"Bearer {admin}"},
    )
    user_id = created["result"]
    user_token = _token(base, "token_route_user", "token-route-pass-1")

    answer = requests.get(base + "/other/token/whoami", headers={"Authorization": f"Bearer {user_token}"}, timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"uid": user_id, "session_uid": user_id, "login": "token_route_user"}
    assert "Set-Cookie" not in answer.headers, "a token call must not mint a browser session"

    # a stolen token sent with the thief's own (admin) browser session: the token's user, not the cookie's
    browser = requests.Session()
    browser.post(
        base + "/web/session/authenticate",
        timeout=60,
        json={"jsonrpc": "2.0", "method": "call", "params": {"db": DB_OTHER, "login": "admin", "password": "admin"}},
    )
    mixed = browser.get(base + "/other/token/whoami", headers={"Authorization": f"Bearer {user_token}"}, timeout=60)
    assert mixed.status_code == 200 and mixed.json()["uid"] == user_id, mixed.text
    assert "Set-Cookie" not in mixed.headers
    assert browser.get(base + "/api/whoami", timeout=60).text == "uid 2", "the admin's own session is untouched"
    # a password confirmation never succeeds inside a token call (check_identity methods stay closed)
    identity = browser.post(base + "/other/token/identity", headers={"Authorization": f"Bearer {admin}"}, timeout=60)
    assert identity.status_code == 200 and identity.json() == {"refused": "UserError"}, identity.text

    json_route = requests.post(
        base + "/other/token/whoami.json",
        timeout=60,
        json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": {}},
        headers={"Authorization": f"Bearer {user_token}"},
    )
    assert json_route.json()["result"] == {"uid": user_id}, json_route.text

    def refused(headers, status, code):
        answer = requests.get(base + "/other/token/whoami", headers=headers, timeout=60)
        assert answer.status_code == status, answer.text
        assert answer.headers["Content-Type"].startswith("application/json"), answer.text[:200]
        assert answer.json()["error"]["code"] == code, answer.text
        assert "Set-Cookie" not in answer.headers
        return answer

    missing = refused({}, 401, -32002)
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    refused({"Authorization": "Bearer " + "x" * 43}, 401, -32003)
    scoped = _token(base, "token_route_user", "token-route-pass-1", scope={"models": ["res.partner"]})
    refused({"Authorization": f"Bearer {scoped}"}, 403, -32010)
    refused({"Authorization": f"Bearer {user_token}", "Origin": "https://evil.example"}, 403, -32009)
    assert post(base, "/json-call/user_logout", {"token": user_token, "db": DB_OTHER})["result"] is True
    refused({"Authorization": f"Bearer {user_token}"}, 401, -32005)

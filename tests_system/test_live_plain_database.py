"""A database without the addon, served by a server that loads the addon
server-wide (``--load``), behaves exactly as stock Odoo (issue #19).

The addon patches process-wide pieces of Odoo (``patches.py``: the RPC
object service, ``Request._post_init``, the SQL logger, the connections'
reset and rollback) and inherits the RPC routes: on a database that lacks
the addon they must change nothing.
The same requests are sent to a stock server (``--load=base,web``) and to
one with the addon, both serving a database made by this test with only
``base`` and ``web``; the answers must be the same."""

import os
import re
import subprocess
import sys
import xmlrpc.client

import pytest
import requests

from .live import DB_A, free_port, needs_test_databases, odoo_server, running

pytestmark = needs_test_databases

DB_PLAIN = f"{DB_A}_plain" if DB_A else None
LOGIN = "plain-user"
#: 43 URL-safe characters: the shape of a token, a real user's password here
PASSWORD = "Plain-user-password-shaped-like-a-token-043"


def _odoo_bin(*options):
    return [sys.executable, os.path.join(os.environ["ODOO_SRC"], "odoo-bin"), "-c", os.environ["ODOO_RC"], *options]


@pytest.fixture(scope="module")
def plain_database():
    """A database with only base and web, dropped at the end."""
    subprocess.run(["dropdb", "--if-exists", "--force", DB_PLAIN], check=True)
    subprocess.run(
        _odoo_bin(
            "-d",
            DB_PLAIN,
            "-i",
            "base,web",
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
            "--max-cron-threads=0",
        ),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield DB_PLAIN
    finally:
        subprocess.run(["dropdb", "--if-exists", "--force", DB_PLAIN], check=False)


@pytest.fixture(scope="module")
def servers(plain_database, tmp_path_factory):
    """{"stock": base URL, "addon": base URL}: two threaded servers, a stock
    one serving the plain database only (a database with the addon, once
    loaded, imports the addon into its process), and one with the addon
    loaded server-wide serving the addon's test database and the plain one."""
    logs = tmp_path_factory.mktemp("plain")
    stock_port, addon_port = free_port(), free_port()
    stock = [
        part if not part.startswith("--load=") else "--load=base,web"
        for part in odoo_server(plain_database, logs / "stock.log", f"--http-port={stock_port}")
    ]
    addon = odoo_server(f"{DB_A},{plain_database}", logs / "addon.log", f"--http-port={addon_port}")
    with (
        running(stock, stock_port, logs / "stock.log") as stock_base,
        running(addon, addon_port, logs / "addon.log") as addon_base,
    ):
        admin = xmlrpc.client.ServerProxy(stock_base + "/xmlrpc/2/object")
        uid = admin.execute_kw(
            plain_database, 2, "admin", "res.users", "create", [{"login": LOGIN, "name": "Plain", "password": PASSWORD}]
        )
        yield {"stock": stock_base, "addon": addon_base}, uid, logs / "addon.log"


def _xmlrpc(base, path, method, *params):
    response = requests.post(
        base + path, data=xmlrpc.client.dumps(params, method), headers={"Content-Type": "text/xml"}, timeout=60
    )
    try:
        return response.status_code, xmlrpc.client.loads(response.content)[0][0]
    except xmlrpc.client.Fault as fault:
        return response.status_code, ("fault", fault.faultCode, fault.faultString)


def _jsonrpc(base, path, params):
    response = requests.post(
        base + path, json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}, timeout=60
    )
    answer = response.json()
    if "error" in answer:
        data = answer["error"]["data"]
        return response.status_code, ("error", data["name"], data["message"])
    return response.status_code, answer["result"]


def _answers(base, uid):
    """What a client of the plain database gets, request by request."""
    db = DB_PLAIN
    read = ("res.users", "search_read", [[["id", "=", uid]]], {"fields": ["login"]})
    wrong = PASSWORD[:-1] + "x"
    session = requests.Session()
    login_page = session.get(base + "/web/login", params={"db": db}, timeout=60)
    authenticated = session.post(
        base + "/web/session/authenticate",
        timeout=60,
        json={"jsonrpc": "2.0", "method": "call", "params": {"db": db, "login": LOGIN, "password": PASSWORD}},
    ).json()
    return {
        "xmlrpc authenticate": _xmlrpc(base, "/xmlrpc/2/common", "authenticate", db, LOGIN, PASSWORD, {}),
        "xmlrpc authenticate wrong": _xmlrpc(base, "/xmlrpc/2/common", "authenticate", db, LOGIN, wrong, {}),
        "xmlrpc login": _xmlrpc(base, "/xmlrpc/2/common", "login", db, LOGIN, PASSWORD),
        "xmlrpc execute_kw": _xmlrpc(base, "/xmlrpc/2/object", "execute_kw", db, uid, PASSWORD, *read),
        "xmlrpc execute": _xmlrpc(
            base, "/xmlrpc/2/object", "execute", db, uid, PASSWORD, "res.users", "search_count", [["id", "=", uid]]
        ),
        "xmlrpc execute_kw wrong": _xmlrpc(base, "/xmlrpc/2/object", "execute_kw", db, uid, wrong, *read),
        "xmlrpc/1 execute_kw": _xmlrpc(base, "/xmlrpc/object", "execute_kw", db, uid, PASSWORD, *read),
        "jsonrpc authenticate": _jsonrpc(
            base, "/jsonrpc", {"service": "common", "method": "authenticate", "args": [db, LOGIN, PASSWORD, {}]}
        ),
        "jsonrpc execute_kw": _jsonrpc(
            base, "/jsonrpc", {"service": "object", "method": "execute_kw", "args": [db, uid, PASSWORD, *read]}
        ),
        "jsonrpc execute_kw wrong": _jsonrpc(
            base, "/jsonrpc", {"service": "object", "method": "execute_kw", "args": [db, uid, wrong, *read]}
        ),
        "web login page": (
            login_page.status_code,
            'name="login"' in login_page.text,
            login_page.headers.get("Content-Type"),
        ),
        "web session authenticate": authenticated.get("result", {}).get("uid"),
        "web session after": session.post(
            base + "/web/session/get_session_info", timeout=60, json={"jsonrpc": "2.0", "method": "call", "params": {}}
        )
        .json()
        .get("result", {})
        .get("uid"),
    }


def test_database_without_the_addon_is_served_as_stock_odoo(servers):
    bases, uid, addon_log = servers
    stock, addon = _answers(bases["stock"], uid), _answers(bases["addon"], uid)
    assert stock["xmlrpc execute_kw"] == (200, [{"id": uid, "login": LOGIN}]), "the stock answers are sane"
    assert stock["web session authenticate"] == uid
    for request_name, answer in stock.items():
        assert addon[request_name] == answer, f"{request_name}: {addon[request_name]!r} (stock: {answer!r})"
    assert not re.search(r"KeyError|Traceback", addon_log.read_text()), "no traceback in the addon's server log"

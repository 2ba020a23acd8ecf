"""An AI assistant's OAuth sign-in goes through Odoo's second factor (issue
#23, doc/mcp.rst: "after Odoo's login (two-factor authentication
included)").

A database made by this module has the addon and ``auth_totp``; one of its
users has two-factor authentication (TOTP) on, the secret set with the ORM
as ``auth_totp`` keeps it, the codes computed with ``auth_totp``'s own
``hotp``. Over real HTTP, a ``requests.Session`` plays the user's browser
(the steps of :func:`tests.common.play_the_browser`, one by one): after the
password, Odoo asks for the code (``/web/login/totp``), and until it is
given the authorization request shows no consent page and issues no code; a
wrong code is refused; the right one leads to the consent page, whose code
gives a token that works on ``/mcp``.

And ``/json-call/user_authenticate`` with that user's login and password:
refused exactly as a wrong password (Odoo's non-interactive login lets a
user with two-factor authentication in with an API key only); with one of
the user's Odoo API keys, a token (doc/security.rst, *Two-factor
authentication*)."""

import base64
import dataclasses
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests

from odoo.addons.auth_totp.models.totp import TIMESTEP, hotp
from odoo.addons.json_rpc_token.tests.common import (
    approve_in,
    csrf_of,
    exchange_code,
    log_in_for,
    pkce,
    register_client,
)

from .live import DB_A, free_port, needs_test_databases, odoo_server, post, running

pytestmark = needs_test_databases

DB_TOTP = f"{DB_A}_totp" if DB_A else None
LOGIN = "totp-user"
NAME = "Totp Assistant User"
PASSWORD = "Totp-user-pass-2026"
REDIRECT = "http://127.0.0.1:33419/callback"
# made in the database by odoo-bin shell, with the ORM; prints the API key
SETUP = """
import json
user = env["res.users"].create(
    {"login": LOGIN, "name": NAME, "password": PASSWORD, "groups_id": [(6, 0, [env.ref("base.group_user").id])]}
)
user.totp_secret = SECRET  # auth_totp's inverse writes the column
key = env["res.users.apikeys"].with_user(user).sudo()._generate("rpc", "TOTP live test", False)
env.cr.commit()
print("SETUP " + json.dumps({"uid": user.id, "totp_enabled": user.totp_enabled, "apikey": key}))
"""


@dataclasses.dataclass
class Served:
    """The server and the user's secrets (never in a failure's report)."""

    base: str
    logfile: Path
    totp_key: bytes = dataclasses.field(repr=False)
    apikey: str = dataclasses.field(repr=False)


def _odoo_bin(*options):
    return [sys.executable, os.path.join(os.environ["ODOO_SRC"], "odoo-bin"), *options]


def code(key, steps=0):
    """The user's authenticator code now (``steps`` time steps away)."""
    return f"{hotp(key, int(time.time() // TIMESTEP) + steps):06d}"


def wrong_code(key):
    """A code that no time step near now gives."""
    near = {code(key, steps) for steps in range(-3, 4)}
    return next(candidate for n in range(1, 10) if (candidate := f"{n * 111111:06d}") not in near)


@pytest.fixture(scope="module")
def database():
    """A database with the addon and auth_totp, and a user with TOTP on:
    (the TOTP key, the user's Odoo API key). Dropped at the end."""
    key = secrets.token_bytes(20)  # 160 bits, as auth_totp makes them
    subprocess.run(["dropdb", "--if-exists", "--force", DB_TOTP], check=True)
    try:
        subprocess.run(
            _odoo_bin(
                "-c",
                os.environ["ODOO_RC"],
                "-d",
                DB_TOTP,
                "-i",
                "json_rpc_token,auth_totp",
                "--without-demo=all",
                "--stop-after-init",
                "--log-level=warn",
                "--max-cron-threads=0",
            ),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        values = {"LOGIN": LOGIN, "NAME": NAME, "PASSWORD": PASSWORD, "SECRET": base64.b32encode(key).decode()}
        script = "".join(f"{name} = {value!r}\n" for name, value in values.items()) + SETUP
        shell = subprocess.run(
            _odoo_bin("shell", "-c", os.environ["ODOO_RC"], "-d", DB_TOTP, "--no-http", "--log-level=warn"),
            input=script,
            capture_output=True,
            text=True,
            check=True,
        )
        line = next(line for line in shell.stdout.splitlines() if line.startswith("SETUP "))
        made = json.loads(line.removeprefix("SETUP "))
        assert made["totp_enabled"], "the user has two-factor authentication"
        yield key, made["apikey"]
    finally:
        subprocess.run(["dropdb", "--if-exists", "--force", DB_TOTP], check=False)


@pytest.fixture(scope="module")
def server(database, tmp_path_factory):
    """A threaded server with the addon loaded server-wide, serving the
    database alone (an MCP URL without ``?db=``)."""
    port, logfile = free_port(), tmp_path_factory.mktemp("totp") / "odoo.log"
    command = odoo_server(DB_TOTP, logfile, f"--http-port={port}", f"--db-filter=^{DB_TOTP}$")
    with running(command, port, logfile) as base:
        yield Served(base, logfile, *database)


def authorization_url(base, client_id, challenge):
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "totp",
        "scope": "read write",
        "resource": base + "/mcp",
    }
    return f"{base}/oauth/authorize?{urlencode(query)}"


def assert_no_consent_yet(browser, url, csrf_token, when):
    """The authorization request, GET and POST (an approval), in a session
    that has not passed the second factor: sent back to Odoo's login, no
    consent page, no code, nothing sent to the client's redirect URI."""
    for answer in (
        browser.get(url, allow_redirects=False, timeout=60),
        browser.post(url, data={"csrf_token": csrf_token, "decision": "approve"}, allow_redirects=False, timeout=60),
    ):
        method = answer.request.method
        assert answer.status_code in (302, 303), f"{when}, {method}: {answer.status_code} {answer.text[:300]}"
        location = urljoin(url, answer.headers["Location"])
        assert urlsplit(location).path == "/web/login", f"{when}, {method}: sent to {location}"
        assert not location.startswith(REDIRECT) and "code=" not in location, f"{when}, {method}: {location}"
        assert 'name="decision"' not in answer.text, f"{when}, {method}: the consent page"


def leaked(logfile, **secrets_):
    """The names of the ``secrets_`` that the server's log holds (the
    names only: a failure's report shows no secret)."""
    log = logfile.read_text()
    return [name for name, secret in secrets_.items() if secret in log]


def mcp(base, access, method, params=None):
    response = requests.post(
        base + "/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params or {}},
        headers={"Authorization": f"Bearer {access}", "Accept": "application/json, text/event-stream"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()["result"]


def test_oauth_sign_in_passes_odoo_second_factor(server):
    base, logfile, key = server.base, server.logfile, server.totp_key
    client_id = register_client(base, "TOTP Assistant", REDIRECT)
    verifier, challenge = pkce()
    url = authorization_url(base, client_id, challenge)
    with requests.Session() as browser:
        signed_in = log_in_for(browser, url, LOGIN, PASSWORD)
        totp_url = urljoin(url, signed_in.headers["Location"])
        assert urlsplit(totp_url).path == "/web/login/totp", f"Odoo asks for the second factor, not {totp_url}"
        assert urljoin(url, parse_qs(urlsplit(totp_url).query)["redirect"][0]) == url, "and then the consent page"
        page = browser.get(totp_url, allow_redirects=False, timeout=60)
        assert page.status_code == 200 and 'name="totp_token"' in page.text, page.text[:500]
        assert_no_consent_yet(browser, url, csrf_of(page.text), "after the password")

        page = browser.get(totp_url, allow_redirects=False, timeout=60)
        refused = browser.post(
            totp_url,
            data={"csrf_token": csrf_of(page.text), "totp_token": wrong_code(key)},
            allow_redirects=False,
            timeout=60,
        )
        assert refused.status_code == 200 and "Verification failed" in refused.text, refused.text[:500]
        assert_no_consent_yet(browser, url, csrf_of(refused.text), "after a wrong code")

        passed = browser.post(
            totp_url,
            data={"csrf_token": csrf_of(refused.text), "totp_token": code(key)},
            allow_redirects=False,
            timeout=60,
        )
        assert passed.status_code in (302, 303), passed.text[:500]
        assert urljoin(url, passed.headers["Location"]) == url, "the right code leads back to the authorization"
        redirect = approve_in(browser, url, {})
    assert NAME in redirect["consent_page"] and "TOTP Assistant" in redirect["consent_page"]
    assert redirect["state"] == "totp" and redirect.get("code"), redirect.get("error")
    answer = exchange_code(base, redirect, verifier, client_id, REDIRECT)
    assert answer.status_code == 200, answer.text
    access = answer.json()["access_token"]
    initialized = mcp(
        base,
        access,
        "initialize",
        {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "totp-test", "version": "1"}},
    )
    assert initialized["protocolVersion"] == "2025-06-18", initialized
    tools = {tool["name"] for tool in mcp(base, access, "tools/list")["tools"]}
    assert {"list_models", "search_records", "create_records"} <= tools, tools
    assert not leaked(logfile, access=access, code=redirect["code"], password=PASSWORD)


def test_json_call_login_needs_an_api_key(server):
    """Odoo's API keys are its second factor's answer for RPC: a user with
    TOTP cannot log in to an API with the password alone, but can with an
    API key, which the addon takes as Odoo's RPC does."""
    base, logfile, apikey = server.base, server.logfile, server.apikey

    def user_authenticate(password):
        return post(base, "/json-call/user_authenticate", {"login": LOGIN, "password": password, "db": DB_TOTP})

    by_password, by_wrong_password = user_authenticate(PASSWORD), user_authenticate(PASSWORD + "x")
    refused = "error" in by_password  # (an assertion on the answer would show its token)
    assert refused, "the right password alone gets no token"
    assert by_password["error"] == by_wrong_password["error"], "the same answer as a wrong password"
    assert by_password["error"]["code"] == -32001, by_password
    by_apikey = user_authenticate(apikey)
    issued = "result" in by_apikey
    assert issued, by_apikey.get("error")
    token = by_apikey["result"]["token"]
    answer = post(
        base,
        "/json-call",
        {"db": DB_TOTP, "model": "res.users", "method": "search_read", "args": [[["login", "=", LOGIN]], ["login"]]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert [row["login"] for row in answer["result"]] == [LOGIN], answer
    assert not leaked(logfile, apikey=apikey, token=token, password=PASSWORD)

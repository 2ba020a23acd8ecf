"""An OAuth app's MCP client loses its access at once on every worker of a
prefork server (issue #23): while clients keep calling ``tools/call`` with
their access token, the token is revoked (by the app, RFC 7009's
``/oauth/revoke``; by its user, *Connected apps*' Revoke); no call sent
once the revocation has answered succeeds, whichever worker serves it. And
a token of audience MCP (an OAuth access token, or a login's with
``resource``) is refused by ``/json-call`` on every worker while ``/mcp``
takes it.

The sign-in is the real one: registration (RFC 7591), the authorization
request with PKCE, the user's browser played by the test (Odoo's login
form, the consent page: :func:`tests.common.play_the_browser`), the code
exchanged for the tokens."""

import threading
import time
import uuid
from urllib.parse import urlencode

import pytest
import requests

from odoo.addons.json_rpc_token.tests.common import exchange_code, pkce, play_the_browser, register_client

from .live import DB_A, free_port, login, needs_test_databases, odoo_server, post, result_of, running

pytestmark = needs_test_databases

CALLERS = 4
BEFORE, AFTER = 1.0, 1.2  # seconds of calls before and after the revocation
REDIRECT = "http://127.0.0.1:33418/callback"
ONLY_MCP = "This token was issued for the MCP endpoint (/mcp) only."


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A prefork server (2 workers) serving one database, as an MCP URL
    without ``?db=`` needs."""
    port, logfile = free_port(), tmp_path_factory.mktemp("prefork") / "odoo.log"
    options = [f"--http-port={port}", "--workers=2", f"--gevent-port={free_port()}", f"--db-filter=^{DB_A}$"]
    with running(odoo_server(DB_A, logfile, *options), port, logfile) as base:
        yield base, logfile


def new_user(base):
    """A new internal user of DB_A: (login, password), made by admin."""
    name, password = f"assistant-{uuid.uuid4().hex[:8]}", "Assistant-pass-2026"
    result_of(base, login(base, DB_A), "res.users", "create", {"login": name, "name": name, "password": password})
    return name, password


def sign_in(base, user, password):
    """What an MCP client given only the URL does: register, send the user
    to the consent page with PKCE, exchange the code. (client_id, the
    token response)."""
    client_id = register_client(base, "Live Assistant", REDIRECT)
    verifier, challenge = pkce()
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "live",
        "scope": "read write",
        "resource": base + "/mcp",
    }
    redirect = play_the_browser(f"{base}/oauth/authorize?{urlencode(query)}", user, password, {})
    assert redirect["state"] == "live", redirect
    answer = exchange_code(base, redirect, verifier, client_id, REDIRECT)
    assert answer.status_code == 200, answer.text
    return client_id, answer.json()


def tools_call_succeeds(base, access):
    """One ``tools/call`` on a new connection (so that either worker may
    serve it): True if served, False if refused with the MCP 401."""
    response = requests.post(
        base + "/mcp",
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "search_records", "arguments": {"model": "res.partner", "limit": 1}},
        },
        headers={
            "Authorization": f"Bearer {access}",
            "Accept": "application/json, text/event-stream",
            "MCP-Protocol-Version": "2025-11-25",
        },
        timeout=30,
    )
    if response.status_code == 401:
        assert response.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"'), response.headers
        return False
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert not result["isError"], result
    return True


def workers_serving(logfile, since, path):
    """The pids of the server processes whose log has a request to ``path``
    after byte ``since`` of the log (werkzeug's lines: the pid is the third
    field)."""
    with logfile.open() as log:
        log.seek(since)
        return {line.split()[2] for line in log if f"POST {path} " in line}


def keep_calling_while(revoke, base, access, logfile):
    """Callers keep calling ``tools/call`` while ``revoke()`` runs; the
    outcomes before and after it answered, and the workers that served the
    calls sent after it."""
    outcomes = []  # (sent at, succeeded)
    stop = threading.Event()

    def keep_calling():
        while not stop.is_set():
            sent = time.monotonic()
            outcomes.append((sent, tools_call_succeeds(base, access)))

    callers = [threading.Thread(target=keep_calling) for _n in range(CALLERS)]
    for caller in callers:
        caller.start()
    try:
        time.sleep(BEFORE)
        revoke()
        revoked_at, since = time.monotonic(), logfile.stat().st_size
        time.sleep(AFTER)
    finally:
        stop.set()
        for caller in callers:
            caller.join()
    before = [ok for sent, ok in outcomes if sent < revoked_at]
    after = [ok for sent, ok in outcomes if sent > revoked_at]
    return before, after, workers_serving(logfile, since, "/mcp")


def revoke_by_the_app(base, user, password, client_id, token):
    answer = requests.post(
        base + "/oauth/revoke",
        data={"token": token["access_token"], "token_type_hint": "access_token", "client_id": client_id},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text


def revoke_in_connected_apps(base, user, password, client_id, token):
    """The user, in their *Connected apps*: Revoke."""
    own = login(base, DB_A, user, password)
    grants = result_of(base, own, "api.oauth.grant", "search", [["client_id.client_id", "=", client_id]])
    assert len(grants) == 1, grants
    result_of(base, own, "api.oauth.grant", "action_revoke", grants)


@pytest.mark.parametrize("revoke", [revoke_by_the_app, revoke_in_connected_apps], ids=lambda revoke: revoke.__name__)
def test_revocation_stops_a_running_client_on_every_worker(server, revoke):
    base, logfile = server
    user, password = new_user(base)
    client_id, token = sign_in(base, user, password)
    before, after, workers = keep_calling_while(
        lambda: revoke(base, user, password, client_id, token), base, token["access_token"], logfile
    )
    assert any(before), "the client worked before the revocation"
    assert len(after) >= CALLERS, f"only {len(after)} calls were sent after the revocation"
    assert not any(after), f"{sum(after)} of {len(after)} calls sent after the revocation succeeded"
    assert len(workers) == 2, f"both workers refused the calls sent after the revocation (pids: {workers})"
    refreshed = requests.post(
        base + "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": client_id},
        timeout=30,
    )
    if revoke is revoke_in_connected_apps:
        assert refreshed.json()["error"] == "invalid_grant", "the app's refresh token died with it"
    log = logfile.read_text()
    assert token["access_token"] not in log and token["refresh_token"] not in log, "no secret in the log"


def test_mcp_tokens_are_refused_by_json_call_on_every_worker(server):
    base, logfile = server
    user, password = new_user(base)
    _client_id, oauth = sign_in(base, user, password)
    by_login = post(
        base, "/json-call/user_authenticate", {"login": user, "password": password, "db": DB_A, "resource": "/mcp"}
    )["result"]["token"]
    since = logfile.stat().st_size
    answers, lock = [], threading.Lock()

    def call_json_call(access):
        for _n in range(8):
            answer = post(
                base,
                "/json-call",
                {"db": DB_A, "model": "res.partner", "method": "search_count", "args": [[]]},
                headers={"Authorization": f"Bearer {access}"},
            )
            with lock:
                answers.append(answer)

    callers = [
        threading.Thread(target=call_json_call, args=(access,)) for access in (oauth["access_token"], by_login) * 2
    ]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert len(answers) == 32
    for answer in answers:
        assert (answer["error"]["code"], answer["error"]["data"]["message"]) == (-32003, ONLY_MCP), answer
    workers = workers_serving(logfile, since, "/json-call")
    assert len(workers) == 2, f"both workers refused them (pids: {workers})"
    assert tools_call_succeeds(base, oauth["access_token"]) and tools_call_succeeds(base, by_login)

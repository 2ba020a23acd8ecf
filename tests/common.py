import base64
import fcntl
import hashlib
import json
import os
import re
import resource
import secrets
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from odoo.tests import HttpCase, new_test_user

PASSWORD = "Integrator-pass-2026"


def tool_cache(name, install):
    """A folder of installed tools (a virtual environment, npm packages)
    that the tests use, made once by ``install(folder)`` and kept, beside
    devtools' state directories, for every later run and checkout; ``name``
    says what it holds (with a digest of its pinned versions: new pins, new
    folder). None if it cannot be made (no package index): the caller skips.
    Locked, as another checkout's run may be making it."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "json_rpc_token"
    folder, complete = cache / name, cache / name / "complete"
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not complete.exists():
            shutil.rmtree(folder, ignore_errors=True)
            try:
                folder.mkdir()
                install(folder)
            except (subprocess.SubprocessError, OSError):
                shutil.rmtree(folder, ignore_errors=True)
                return None
            complete.touch()
    return folder


def node_packages(name, pins):
    """The folder holding the npm packages ``pins`` (name -> exact version)
    in ``node_modules``, made on first use and kept (per pins and node
    version, see :func:`tool_cache`; ``name`` says what they are for); None
    without node and npm, or without the registry."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        return None
    node_version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    digest = hashlib.sha1((json.dumps(pins, sort_keys=True) + node_version).encode()).hexdigest()[:12]

    def install(folder):
        (folder / "package.json").write_text(json.dumps({"private": True, "dependencies": pins}))
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", "--save-exact"],
            cwd=folder,
            check=True,
            capture_output=True,
            timeout=900,
        )

    return tool_cache(f"{name}-{digest}", install)


def unlimited_address_space():
    """In node's process, before it starts: the address space Odoo's
    ``limit_memory_hard`` caps for the server (its children inherit it) is
    far too small for node's WebAssembly (its ``fetch`` parses HTTP with it),
    which reserves address space it does not use. Odoo's own tests lift it
    for Chrome alike."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def pkce():
    """A PKCE verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def csrf_of(page):
    """The CSRF token of an Odoo form (the login page, the consent page)."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def log_in_for(browser, authorization_url, login, password):
    """The first steps of :func:`play_the_browser` in ``browser`` (a
    ``requests.Session``): the authorization request sends it to Odoo's
    login form, where the user posts their login and password. Odoo's
    answer, a redirect not followed: back to the authorization request, or,
    for a user with a second factor, to its page (``/web/login/totp``)."""
    first = browser.get(authorization_url, allow_redirects=False, timeout=60)
    assert first.status_code in (302, 303), first.text[:500]
    login_url = urljoin(authorization_url, first.headers["Location"])
    page = browser.get(login_url, timeout=60)
    signed_in = browser.post(
        urljoin(authorization_url, "/web/login"),
        data={
            "login": login,
            "password": password,
            "csrf_token": csrf_of(page.text),
            "redirect": parse_qs(urlsplit(login_url).query)["redirect"][0],
        },
        allow_redirects=False,
        timeout=60,
    )
    assert signed_in.status_code in (302, 303), signed_in.text[:500]
    return signed_in


def approve_in(browser, authorization_url, consent):
    """The last steps of :func:`play_the_browser` in ``browser``, logged in:
    the consent page, on which the user posts ``consent``. The redirect's
    query, with ``consent_page``, the page's text."""
    page = browser.get(authorization_url, allow_redirects=False, timeout=60)
    assert page.status_code == 200, page.text[:500]
    decided = browser.post(
        authorization_url,
        data={"csrf_token": csrf_of(page.text), "decision": "approve", **consent},
        allow_redirects=False,
        timeout=60,
    )
    assert decided.status_code == 302, decided.text[:500]
    query = {key: values[0] for key, values in parse_qs(urlsplit(decided.headers["Location"]).query).items()}
    return {**query, "consent_page": page.text}


def play_the_browser(authorization_url, login, password, consent):
    """What a user does when an OAuth client opens ``authorization_url`` in
    their browser: Odoo's login form (:func:`log_in_for`), then the consent
    page, on which they post ``consent`` (the form's fields: ``models``,
    ``read_only``, ``call_methods``; ``decision`` defaults to approve:
    :func:`approve_in`). The redirect to the client's loopback listener is
    read, not followed: its query (``code``, ``state`` or ``error``), with
    ``consent_page``, the page's text. (A user with a second factor:
    ``tests_system/test_live_oauth_totp.py`` plays the steps one by one.)"""
    with requests.Session() as browser:
        log_in_for(browser, authorization_url, login, password)
        return approve_in(browser, authorization_url, consent)


def register_client(base, name, redirect_uri):
    """The client ID a client named ``name`` gets from Dynamic Client
    Registration (RFC 7591), as MCP clients register: public, asking
    ``read write``."""
    registered = requests.post(
        base + "/oauth/register",
        json={"client_name": name, "redirect_uris": [redirect_uri], "scope": "read write"},
        timeout=30,
    )
    assert registered.status_code == 201, registered.text
    return registered.json()["client_id"]


def exchange_code(base, redirect, verifier, client_id, redirect_uri):
    """The token endpoint's answer to the code of ``redirect`` (what
    :func:`play_the_browser` read), sent as a public client sends it: PKCE's
    verifier, the redirect URI, and ``/mcp`` as the resource (RFC 8707)."""
    return requests.post(
        base + "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": redirect["code"],
            "code_verifier": verifier,
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "resource": base + "/mcp",
        },
        timeout=30,
    )


def run_oauth_client(command, login, password, consent, timeout=180, **popen):
    """Run an MCP client that signs in with OAuth (``command``), playing
    its user's browser: the client writes ``{"authorize": <url>}`` as a
    line of its standard output when it would open the browser, and reads
    the redirect's query (``{"code": ..., "state": ...}``) as a line of its
    standard input, as its loopback listener would get it. Returns
    ``(returncode, the last line of its output decoded, what it printed,
    the consent pages seen)``."""
    pages, lines = [], []
    with (
        tempfile.TemporaryFile("w+") as errors,
        subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True, **popen
        ) as process,
    ):
        deadline = threading.Timer(timeout, process.kill)
        deadline.start()
        try:
            for line in process.stdout:
                lines.append(line)
                if line.startswith('{"authorize"'):
                    redirect = play_the_browser(json.loads(line)["authorize"], login, password, consent)
                    pages.append(redirect.pop("consent_page"))
                    process.stdin.write(json.dumps(redirect) + "\n")
                    process.stdin.flush()
            process.wait()
        finally:
            deadline.cancel()
            if process.poll() is None:
                process.kill()
        errors.seek(0)
        output = "".join(lines) + errors.read()
    report = json.loads(lines[-1]) if process.returncode == 0 and lines else None
    return process.returncode, report, output, pages


class JsonCallCase(HttpCase):
    """Real HTTP against Odoo's test server, as an integrator's script sends it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.integrator = new_test_user(
            cls.env,
            login="integrator",
            password=PASSWORD,
            groups="base.group_user,base.group_partner_manager",
            name="Integrator",
            tz="Europe/Brussels",
        )
        cls.colleague = new_test_user(cls.env, login="colleague", password=PASSWORD, groups="base.group_user")

    def setUp(self):
        super().setUp()
        self.reset_failure_counters()

    def reset_failure_counters(self):
        """Odoo counts login failures per IP in the registry, this addon in a
        table: start clean."""
        getattr(self.env.registry, "_login_failures", {}).clear()
        self.env["api.token.lockout"].sudo().search([]).unlink()

    def http(self, method, path, data=None, headers=None):
        return self.opener.request(
            method,
            self.base_url() + path,
            data=data,
            timeout=20,
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    def post(self, path, body, headers=None):
        """POST ``body`` (a JSON-able object, or raw bytes/str) and return the
        decoded answer, after checking it is a JSON-RPC answer."""
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        response = self.http("POST", path, data, headers)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"), response.text)
        answer = response.json()
        self.assertEqual(answer.get("jsonrpc"), "2.0")
        self.assertTrue(("result" in answer) != ("error" in answer), answer)
        return answer

    def rpc(self, path, params, headers=None, request_id=None):
        body = {"jsonrpc": "2.0", "method": "call", "params": params}
        if request_id is not None:
            body["id"] = request_id
        return self.post(path, body, headers=headers)

    def result(self, path, params, headers=None):
        answer = self.rpc(path, params, headers=headers)
        self.assertIn("result", answer, answer.get("error"))
        return answer["result"]

    def error(self, path, params, code, headers=None):
        answer = self.rpc(path, params, headers=headers)
        self.assertIn("error", answer, answer.get("result"))
        error = answer["error"]
        self.assertEqual(error["code"], code, error)
        self.assertIsInstance(error["message"], str)
        self.assertTrue(error["data"]["name"] and error["data"]["message"], error)
        self.assertNotIn("debug", error["data"], "no traceback outside dev mode")
        return error

    def login(self, login="integrator", password=PASSWORD):
        return self.result("/json-call/user_authenticate", {"login": login, "password": password})["token"]

    def call(self, token, model, method, args=(), kwargs=None, context=None, **extra):
        params = {"token": token, "model": model, "method": method, "args": list(args), **extra}
        if kwargs is not None:
            params["kwargs"] = kwargs
        if context is not None:
            params["context"] = context
        return self.result("/json-call", params)

    def call_error(self, token, model, method, args=(), code=None, kwargs=None):
        params = {"token": token, "model": model, "method": method, "args": list(args)}
        if kwargs is not None:
            params["kwargs"] = kwargs
        return self.error("/json-call", params, code)

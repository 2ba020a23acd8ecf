"""Which OAuth clients may sign users in to ``/mcp`` (issue #23, section 2),
over real HTTP against the test server: clients whose client ID is the
URL of their Client ID Metadata Document (fetched from a real HTTPS server
of the test, on 127.0.0.1), the guard that keeps such a URL from making
Odoo reach into its own network (real listening sockets that must see no
connection), the administrator's settings (documents and registration
off, private addresses, the redirect URIs allowed), and CORS for browser
based clients (MCP Inspector) on the machine endpoints.

Every socket here is on 127.0.0.1 or ::1: no test sends traffic anywhere
else."""

import json
import select
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from contextlib import closing, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest.mock import patch

from odoo import sql_db
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import config

from ..core import client_metadata
from ..models.api_oauth import CA_FILE_OPTION
from .common import PASSWORD, run_oauth_client
from .test_oauth import REDIRECT, SDK_OAUTH_DRIVER, OAuthCase, pkce
from .test_odoo19 import mcp_python

INSPECTOR = "http://localhost:6274"


def self_signed_certificate(directory):
    """A throwaway certificate for localhost, 127.0.0.1 and ::1 (and its
    key), trusted by the server under test through
    ``json_rpc_token_client_metadata_ca_file``."""
    cert, key = Path(directory, "cert.pem"), Path(directory, "key.pem")
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


class DocumentServer:
    """An HTTPS server on 127.0.0.1 answering each path as told
    (``answers[path] = (status, headers, body)``), recording every request
    (path, ``Host``) and the TLS server name (SNI) each client sent."""

    def __init__(self, cert, key):
        self.answers, self.requests, self.server_names = {}, [], []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append((self.path, self.headers.get("Host")))
                status, headers, body = outer.answers.get(self.path, (404, {}, b"not here"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        context.sni_callback = lambda _sock, name, _context: self.server_names.append(name)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path, host="localhost"):
        return f"https://{host}:{self.port}{path}"

    def serve_json(self, path, document, status=200, content_type="application/json", headers=None):
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        self.answers[path] = (status, {"Content-Type": content_type, **(headers or {})}, body)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def dripping_server(cert, key, head, drip, interval=0.25):
    """A TLS server on 127.0.0.1 that answers one request with ``head`` at
    once, then ``drip`` one byte every ``interval`` seconds (a server that
    would hold the fetch, and its Odoo worker, as long as it likes); its
    port."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        with listener:
            connection, _address = listener.accept()
            # an OSError: the client gave up, what the test wants
            with suppress(OSError), context.wrap_socket(connection, server_side=True) as tls:
                tls.recv(4096)
                tls.sendall(head)
                for byte in drip:
                    time.sleep(interval)
                    tls.sendall(bytes([byte]))

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def silent_listener(address):
    """A socket listening on ``address`` (127.0.0.1 or ::1), to prove that
    nothing connects to it."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.bind((address, 0))
    listener.listen(8)
    return listener


def connection_attempted(listener):
    """Whether a connection reached ``listener`` (accepted, or waiting)."""
    readable, _, _ = select.select([listener], [], [], 0.2)
    return bool(readable)


class ClientsCase(OAuthCase):
    def set_settings(self, **values):
        settings = self.env["res.config.settings"].create({f"json_rpc_token_oauth_{k}": v for k, v in values.items()})
        settings.execute()

    def refused_page(self, client_id, text, redirect_uri=REDIRECT):
        """The authorization request of ``client_id`` answered on the page
        (never redirected) with a 400 that says ``text``."""
        _verifier, challenge = pkce()
        page = self.authorize(challenge, client_id=client_id, redirect_uri=redirect_uri)
        self.assertEqual(page.status_code, 400, page.text)
        self.assertIn("This app cannot connect.", page.text)
        self.assertIn(text, page.text)
        self.assert_not_framed(page)
        return page

    def assert_not_framed(self, page):
        """An authorization page no other site may frame (clickjacking of
        "Approve")."""
        self.assertEqual(page.headers.get("X-Frame-Options"), "DENY")
        self.assertIn("frame-ancestors 'none'", page.headers.get("Content-Security-Policy", ""))


@tagged("post_install", "-at_install")
class TestClientMetadataGuard(ClientsCase):
    def test_loopback_client_id_refused_before_connecting(self):
        """A client ID whose host is (or resolves to) a loopback address is
        refused, with the reason, and no connection is ever made: real
        listeners on 127.0.0.1 and ::1 see nothing."""
        with closing(silent_listener("127.0.0.1")) as v4, closing(silent_listener("::1")) as v6:
            port4, port6 = v4.getsockname()[1], v6.getsockname()[1]
            for url in (
                f"https://localhost:{port4}/client.json",
                f"https://127.0.0.1:{port4}/client.json",
                f"https://[::1]:{port6}/client.json",
                f"https://[::ffff:127.0.0.1]:{port4}/client.json",
                f"https://[::ffff:7f00:1]:{port4}/client.json",
                f"https://[0:0:0:0:0:ffff:127.0.0.1]:{port4}/client.json",
                # IPv4 in the forms inet_aton takes: decimal, hex, octal, short
                f"https://2130706433:{port4}/client.json",
                f"https://0x7f.1:{port4}/client.json",
                f"https://017700000001:{port4}/client.json",
                f"https://127.1:{port4}/client.json",
            ):
                with self.subTest(url=url):
                    self.refused_page(url, "private or loopback address")
            for url in (f"https://[::]:{port6}/client.json", f"https://0:{port4}/client.json"):
                with self.subTest(url=url):
                    self.refused_page(url, "unspecified, multicast or link-local")
            self.refused_page(f"https://good.example@127.0.0.1:{port4}/client.json", "no fragment, user name")
            self.assertFalse(connection_attempted(v4), "nothing connected to 127.0.0.1")
            self.assertFalse(connection_attempted(v6), "nothing connected to ::1")
        self.assertFalse(self.env["api.oauth.client"].search([("client_id", "=like", "https://%")]))

    def test_address_rules(self):
        """Which resolved addresses are fetched from: public ones; private,
        loopback and shared ones only when an administrator allows them;
        link-local (a cloud's instance metadata), multicast, reserved and
        unspecified ones never. (Addresses are only classified here.)"""
        for address in ("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"):
            self.assertIsNone(client_metadata.address_refused(address, allow_private=False), address)
        for address in ("127.0.0.1", "10.1.2.3", "192.168.1.1", "172.16.0.1", "100.64.0.1", "::1", "fd00::1"):
            self.assertTrue(client_metadata.address_refused(address, allow_private=False), address)
            self.assertIsNone(client_metadata.address_refused(address, allow_private=True), address)
        for address in ("169.254.169.254", "fe80::1", "0.0.0.0", "0.1.2.3", "::", "224.0.0.1", "ff02::1", "240.0.0.1"):
            self.assertTrue(client_metadata.address_refused(address, allow_private=True), address)
        self.assertTrue(client_metadata.address_refused("::ffff:169.254.169.254", allow_private=True))
        # IPv6 carrying IPv4 (6to4) judged by the IPv4 address; NAT64 never;
        # site-local IPv6 (deprecated, "global" to Python) is internal
        self.assertTrue(client_metadata.address_refused("2002:a9fe:a9fe::", allow_private=True))
        self.assertTrue(client_metadata.address_refused("64:ff9b::a9fe:a9fe", allow_private=True))
        for address in ("2002:7f00:1::", "2002:a00:1::", "fec0::1"):
            self.assertTrue(client_metadata.address_refused(address, allow_private=False), address)
            self.assertIsNone(client_metadata.address_refused(address, allow_private=True), address)
        self.assertIsNone(client_metadata.address_refused("2002:5db8:d70e::", allow_private=False))

    def test_client_id_urls_that_name_no_document(self):
        for url, text in (
            ("https://127.0.0.1:9/", "names a document"),
            ("https://127.0.0.1:9/a/../client.json", "names a document"),
            ("https://user:pw@127.0.0.1:9/client.json", "no fragment, user name or password"),
            ("https://127.0.0.1:9/client.json#x", "no fragment, user name or password"),
            ("https://127.0.0.1:99999/client.json", "not a valid URL"),
        ):
            with self.subTest(url=url):
                self.refused_page(url, text)


@tagged("post_install", "-at_install")
class TestClientMetadataDocuments(ClientsCase):
    """Documents served over HTTPS on 127.0.0.1, with private addresses
    allowed by the administrator and the test's certificate trusted."""

    def setUp(self):
        super().setUp()
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.cert, self.key = cert, key = self_signed_certificate(directory.name)
        self.documents = DocumentServer(cert, key)
        self.addCleanup(self.documents.close)
        ca_option = patch.dict(config.options, {CA_FILE_OPTION: str(cert)})
        ca_option.start()
        self.addCleanup(ca_option.stop)
        self.set_settings(client_metadata_private_addresses=True)

    def document(self, path="/client.json", **fields):
        url = self.documents.url(path)
        self.documents.serve_json(
            path, {"client_id": url, "client_name": "Inspector of Tests", "redirect_uris": [REDIRECT], **fields}
        )
        return url

    def test_a_document_signs_a_client_in(self):
        """The consent page names the client as its document does; the
        code is exchanged with the URL as client ID; the token works on
        /mcp. The document was fetched from the address checked, with the
        URL's name as Host and TLS server name, and once: asked again soon
        after, the server uses what it fetched."""
        self.client_id = self.document()
        verifier, challenge = pkce()
        page = self.authorize(challenge)
        self.assertEqual(page.status_code, 200, page.text)
        self.assertIn("Inspector of Tests", page.text)
        self.assert_not_framed(page)
        self.assertIn(f"published by <strong>localhost:{self.documents.port}</strong>", page.text)
        token = self.exchange(self.approve(challenge), verifier)
        self.assertEqual(self.mcp_status(token["access_token"]), 200)
        self.assertEqual(self.documents.requests, [("/client.json", f"localhost:{self.documents.port}")])
        self.assertEqual(self.documents.server_names, ["localhost"])
        self.assertTrue(self.sign_in()["access_token"], "signed in again: approved already")
        self.assertEqual(len(self.documents.requests), 1, "fetched once, then cached")
        client = self.env["api.oauth.client"].search([("client_id", "=", self.client_id)])
        self.assertEqual((client.name, client.redirect_uri_list()), ("Inspector of Tests", [REDIRECT]))

    def test_a_client_registered_meanwhile_by_another_sign_in(self):
        """Two first sign-ins of one client at once: the one whose
        registration lands second (the row committed by the other, unseen by
        its snapshot) is told to reload, not a constraint error, and its
        transaction goes on."""
        url = self.document()
        self.env["api.oauth.client"].search_count([])  # this transaction's snapshot is taken
        with closing(sql_db.db_connect(self.env.cr.dbname).cursor()) as other:
            other.execute(
                "INSERT INTO api_oauth_client (name, client_id, redirect_uris) VALUES (%s, %s, %s)",
                ["Inspector of Tests", url, REDIRECT],
            )
            other.commit()
        try:
            with self.assertRaisesRegex(client_metadata.Refused, "reload the page"):
                self.env["api.oauth.client"]._from_metadata_document(url)
            self.assertFalse(self.env["api.oauth.client"].search([("client_id", "=", url)]))
        finally:
            with closing(sql_db.db_connect(self.env.cr.dbname).cursor()) as other:
                other.execute("DELETE FROM api_oauth_client WHERE client_id = %s", [url])
                other.commit()

    def test_private_addresses_stay_refused_unless_allowed(self):
        url = self.document()
        self.set_settings(client_metadata_private_addresses=False)
        self.refused_page(url, "private or loopback address")
        self.assertEqual(self.documents.requests, [], "refused before connecting")

    def test_documents_can_be_turned_off(self):
        url = self.document()
        self.assertTrue(self.env["res.config.settings"].create({}).json_rpc_token_oauth_client_metadata_documents)
        self.set_settings(client_metadata_documents=False, client_metadata_private_addresses=True)
        self.refused_page(url, "turned off on this server")
        metadata = self.opener.get(self.base_url() + "/.well-known/oauth-authorization-server", timeout=20).json()
        self.assertIs(metadata["client_id_metadata_document_supported"], False)
        self.set_settings(client_metadata_documents=True, client_metadata_private_addresses=True)
        metadata = self.opener.get(self.base_url() + "/.well-known/oauth-authorization-server", timeout=20).json()
        self.assertIs(metadata["client_id_metadata_document_supported"], True)

    def test_bad_documents(self):
        """Each refused with what is wrong, on the page (never a redirect
        to a URI the document did not vouch for)."""
        url = self.documents.url
        self.documents.serve_json("/page.json", b"<html>hello</html>", content_type="text/html")
        self.documents.serve_json("/broken.json", b'{"client_id": ')
        self.documents.serve_json("/list.json", [url("/list.json")])
        self.documents.serve_json("/big.json", {"client_id": url("/big.json"), "padding": "x" * 6000})
        self.documents.serve_json("/moved.json", b"", status=302, headers={"Location": self.document()})
        self.documents.serve_json("/other.json", {"client_id": url("/client.json"), "redirect_uris": [REDIRECT]})
        self.document("/evil.json", redirect_uris=["http://evil.example/callback"])
        self.document("/secret.json", token_endpoint_auth_method="client_secret_basic")
        # what the document's server sent, quoted in the error: never a 500
        self.document("/quote.json", redirect_uris=['javascript:"\u00e9\n'])
        self.documents.serve_json("/quoted-type.json", b"{}", content_type='text/"x\\')
        for path, text in (
            ("/page.json", "is not JSON"),
            ("/broken.json", "not valid JSON"),
            ("/list.json", "must be a JSON object"),
            ("/big.json", "larger than 5120 bytes"),
            ("/moved.json", "redirect (HTTP 302): not followed"),
            ("/missing.json", "answered HTTP 404"),
            ("/other.json", "is not the URL it was fetched from"),
            ("/evil.json", "http://evil.example/callback is not allowed"),
            ("/secret.json", "public clients only"),
            ("/quote.json", "javascript:%22%C3%A9%0A is not allowed"),
            ("/quoted-type.json", "Content-Type text/%22x%5C)"),
        ):
            with self.subTest(path=path):
                self.refused_page(url(path), text)
        self.assertNotIn("/client.json", [path for path, _host in self.documents.requests], "no redirect followed")
        self.refused_page(self.document(), "not supported by client", redirect_uri="http://127.0.0.1:9/elsewhere")

    def test_python_sdk_signs_in_with_its_metadata_document(self):
        """The official MCP Python SDK given the URL and a client metadata
        URL (``client_metadata_url``): it reads in the server's metadata
        that documents are supported, registers nothing, and signs in with
        the URL as client ID; the consent page names the app as its
        document does. (test_oauth's driver, told the URL.)"""
        python = mcp_python()
        if python is None:
            self.skipTest("no virtual environment with devtools/requirements-mcp.txt (no package index?)")
        url = self.document(client_name="SDK OAuth Assistant")
        anchor = "Memory(), redirect_handler="
        self.assertIn(anchor, SDK_OAUTH_DRIVER)
        driver = SDK_OAUTH_DRIVER.replace(anchor, "Memory(), client_metadata_url=sys.argv[2], redirect_handler=")
        with tempfile.TemporaryDirectory() as cwd:
            returncode, report, output, pages = run_oauth_client(
                [str(python), "-c", driver, self.base_url() + "/mcp", url],
                "integrator",
                PASSWORD,
                {"models": "res.partner"},
                cwd=cwd,
            )
        self.assertEqual(returncode, 0, output[-6000:])
        self.assertIn("SDK OAuth Assistant", pages[0])
        self.assertEqual(report["found"], ["OAuth SDK Partner"])
        self.env.invalidate_all()
        grant = self.env["api.oauth.grant"].sudo().search([("user_id", "=", self.integrator.id)], limit=1)
        self.assertEqual((grant.client_id.client_id, grant.scope_models), (url, "res.partner"))
        self.assertEqual([path for path, _host in self.documents.requests], ["/client.json"])

    def test_a_slow_document_is_abandoned_at_the_deadline(self):
        """A server that drips its headers, or its body, a byte at a time
        (each byte well within a socket timeout) is abandoned when the
        fetch's time is up, not when it is done: it could otherwise hold
        the Odoo worker of a sign-in for as long as it liked."""
        json_head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n"
        for what, head, drip in (
            ("headers", b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"a" * 30 + b"\r\n\r\n"),
            ("body", json_head, b" " * 40),
        ):
            with self.subTest(what=what):
                port = dripping_server(self.cert, self.key, head, drip)
                started = time.monotonic()
                with self.assertRaisesRegex(client_metadata.Refused, "took longer than 1 seconds"):
                    client_metadata.fetch(
                        f"https://localhost:{port}/client.json", allow_private=True, ca_file=str(self.cert), timeout=1
                    )
                self.assertLess(time.monotonic() - started, 2.5)

    def test_untrusted_certificate_refused(self):
        url = self.document()
        with patch.dict(config.options, {CA_FILE_OPTION: ""}):
            self.refused_page(url, "TLS failed")


@tagged("post_install", "-at_install")
class TestRedirectUriSettings(ClientsCase):
    """The redirect URIs an administrator allows. (The other setting of
    registration, turning it off, is test_oauth's
    test_registration_can_be_turned_off.)"""

    CURSOR = "cursor://anysphere.cursor-retrieval/oauth/user-odoo/callback"

    def test_app_schemes_refused_until_allowed(self):
        """Cursor's ``cursor://`` redirect is refused by default and
        accepted once an administrator allows the scheme (or a prefix);
        ``http://`` to another host than a loopback one stays refused."""
        self.assertEqual(self.register([self.CURSOR], status=400)["error"], "invalid_redirect_uri")
        self.set_settings(redirect_uri_allowed="cursor:")
        self.assertTrue(self.register([self.CURSOR]))
        self.assertEqual(self.register(["http://evil.example/callback"], status=400)["error"], "invalid_redirect_uri")
        self.set_settings(redirect_uri_allowed="cursor://anysphere.cursor-retrieval/")
        self.assertTrue(self.register([self.CURSOR]))
        self.assertEqual(self.register(["cursor://elsewhere/callback"], status=400)["error"], "invalid_redirect_uri")
        for uri in (
            "http://127.0.0.1:5000/cb",
            "http://localhost:5000/cb",
            "http://[::1]:5000/cb",
            "https://a.example/",
        ):
            self.assertTrue(self.register([uri]), uri)

    def test_allowed_cursor_redirect_receives_the_code(self):
        self.set_settings(redirect_uri_allowed="cursor:")
        self.client_id = self.register([self.CURSOR])
        _verifier, challenge = pkce()
        page = self.authorize(challenge, redirect_uri=self.CURSOR)
        self.assertEqual(page.status_code, 200, page.text)
        data = {"csrf_token": self.csrf_of(page), "decision": "approve", "models": ""}
        response = self.authorize(challenge, redirect_uri=self.CURSOR, method="POST", data=data)
        self.assertEqual(response.status_code, 302, response.text)
        self.assertTrue(response.headers["Location"].startswith(self.CURSOR + "?code="), response.headers["Location"])

    def test_no_second_uri_smuggled_in_one(self):
        """Redirect URIs are stored one per line: a URI with a space, a
        line break or another control or invisible character would be
        stored as two, the second one (``javascript:``, ``http://`` to
        another host) never checked. Refused whole, at registration and in
        a metadata document; the forms a browser would run or leak to
        stay refused too, whatever their case."""
        for uri in (
            "https://app.example/cb javascript:alert(1)",
            "https://app.example/cb\nhttp://evil.example/cb",
            "https://app.example/cb\r\tdata:text/html,x",
            "https://app.example/cb\u2028javascript:alert(1)",
            "https://app.example/cb\u200b",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "https://app.example/cb#fragment",
            "https://good.example@evil.example/cb",
            "https:evil.example/cb",
        ):
            with self.subTest(uri=uri):
                self.assertEqual(self.register([uri], status=400)["error"], "invalid_redirect_uri")
        # the URI refused is quoted in the error, percent-encoded where RFC
        # 6749 allows no such character in an error_description (a 500 before)
        described = self.register(['cursor://app/"\u00e9\\\n'], status=400)["error_description"]
        self.assertIn("The redirect URI cursor://app/%22%C3%A9%5C%0A is not allowed", described)
        smuggled = "https://app.example/cb\njavascript:alert(1)"
        with self.assertRaisesRegex(client_metadata.Refused, "no space or control character"):
            client_metadata.check_url("https://app.example/client.json\t")
        with self.assertRaisesRegex(client_metadata.Refused, "javascript:alert"):
            client_metadata.registration(
                "https://app.example/client.json",
                {"client_id": "https://app.example/client.json", "redirect_uris": [smuggled]},
                self.env["api.oauth.client"]._redirect_uri_allowed,
            )

    def test_dangerous_or_loose_entries_refused_in_settings(self):
        for entry in ("javascript:", "data:", "https://app.example", "cursor", "cursor://host/#x", "1x:"):
            with self.subTest(entry=entry), self.assertRaises(ValidationError):
                self.env["res.config.settings"].create({"json_rpc_token_oauth_redirect_uri_allowed": entry})


@tagged("post_install", "-at_install")
class TestOAuthCors(ClientsCase):
    """A browser-based client (MCP Inspector, at http://localhost:6274)
    calls the machine endpoints cross-origin once its origin is listed,
    as it calls /mcp; a page of any other site is refused."""

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("json_rpc_token.cors_origins", INSPECTOR)

    def preflight(self, path, origin, method="POST", headers="content-type"):
        response = self.opener.options(
            self.base_url() + path,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": headers,
            },
            timeout=20,
        )
        self.assertEqual(response.status_code, 204, response.text)
        return response.headers

    def test_listed_origin_is_granted(self):
        for path in ("/oauth/token", "/oauth/register", "/oauth/revoke"):
            with self.subTest(path=path):
                headers = self.preflight(path, INSPECTOR)
                self.assertEqual(headers["Access-Control-Allow-Origin"], INSPECTOR)
                self.assertEqual(headers["Access-Control-Allow-Methods"], "POST")
                self.assertIn("Content-Type", headers["Access-Control-Allow-Headers"])
                self.assertIn("Origin", headers["Vary"])
        post = self.opener.post(
            self.base_url() + "/oauth/token",
            data={"grant_type": "authorization_code", "code": "nope", "client_id": self.client_id},
            headers={"Origin": INSPECTOR},
            timeout=20,
        )
        self.assertEqual((post.status_code, post.json()["error"]), (400, "invalid_grant"))
        self.assertEqual(post.headers["Access-Control-Allow-Origin"], INSPECTOR, "the browser may read the error")
        registered = self.opener.post(
            self.base_url() + "/oauth/register",
            json={"client_name": "Inspector", "redirect_uris": [f"{INSPECTOR}/oauth/callback"]},
            headers={"Origin": INSPECTOR},
            timeout=20,
        )
        self.assertEqual(registered.status_code, 201, registered.text)
        self.assertEqual(registered.headers["Access-Control-Allow-Origin"], INSPECTOR)
        revoked = self.opener.post(
            self.base_url() + "/oauth/revoke",
            data={"token": "unknown", "client_id": self.client_id},
            headers={"Origin": INSPECTOR},
            timeout=20,
        )
        self.assertEqual(revoked.status_code, 200, revoked.text)
        self.assertEqual(revoked.headers["Access-Control-Allow-Origin"], INSPECTOR)

    def test_foreign_origin_is_refused(self):
        headers = self.preflight("/oauth/token", "https://evil.example")
        self.assertNotIn("Access-Control-Allow-Origin", headers)
        for path in ("/oauth/token", "/oauth/register", "/oauth/revoke"):
            with self.subTest(path=path):
                response = self.opener.post(
                    self.base_url() + path,
                    json={"client_name": "Evil", "redirect_uris": ["https://evil.example/cb"]},
                    headers={"Origin": "https://evil.example"},
                    timeout=20,
                )
                self.assertEqual((response.status_code, response.json()["error"]), (403, "invalid_request"))
                self.assertIn("https://evil.example", response.json()["error_description"])
                self.assertNotIn("Access-Control-Allow-Origin", response.headers)
        self.assertFalse(self.env["api.oauth.client"].search([("name", "=", "Evil")]), "nothing ran")

    def test_metadata_documents_are_public(self):
        for path in ("/.well-known/oauth-authorization-server", "/.well-known/oauth-protected-resource/mcp"):
            with self.subTest(path=path):
                headers = self.preflight(path, "https://any.example", "GET", "mcp-protocol-version")
                self.assertEqual(headers["Access-Control-Allow-Origin"], "*")
                self.assertIn("MCP-Protocol-Version", headers["Access-Control-Allow-Headers"])
                response = self.opener.get(
                    self.base_url() + path, headers={"Origin": "https://any.example"}, timeout=20
                )
                self.assertEqual(response.headers["Access-Control-Allow-Origin"], "*")

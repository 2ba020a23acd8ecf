"""What reaches the server before any call runs: the body's size however it
is sent, the browser origin it comes from, the client address a proxy
reports. Each is a way around a limit or a check if the server believes the
request too early."""

import http.client
import json
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo.tests import tagged
from odoo.tools import config

from .common import PASSWORD, JsonCallCase

AUTH, CALL, LOGOUT = "/json-call/user_authenticate", "/json-call", "/json-call/user_logout"
EVIL = "https://evil.example"
SHOP = "https://shop.example"


def chunks(data, size=1024):
    """A generator body: ``requests`` sends it with ``Transfer-Encoding:
    chunked`` and no ``Content-Length``."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


@tagged("post_install", "-at_install")
class TestBodyLimit(JsonCallCase):
    def post_chunked(self, path, data):
        response = self.opener.post(
            self.base_url() + path, data=chunks(data), timeout=20, headers={"Content-Type": "application/json"}
        )
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def login_body(self, padding=0):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "params": {"login": "integrator", "password": PASSWORD}})
        return (body + " " * padding).encode()

    def test_chunked_body_cannot_exceed_the_limit(self):
        with patch.dict(config.options, {"json_rpc_token_max_body_bytes": 2000}):
            answer = self.post_chunked(AUTH, self.login_body(padding=20000))
            self.assertEqual(answer["error"]["code"], -32600, answer)
            self.assertIn("larger than 2000 bytes", answer["error"]["data"]["message"])
            self.assertFalse(
                self.env["api.token"].search([("user_id", "=", self.integrator.id)]), "nothing ran: no token issued"
            )
            # a body just at the limit, chunked or not, is served
            at_limit = self.login_body()
            at_limit += b" " * (2000 - len(at_limit))
            self.assertIn("token", self.post_chunked(AUTH, at_limit)["result"])
            self.assertIn("token", self.post(AUTH, at_limit)["result"])
            # Content-Length over the limit: refused as before
            self.assertEqual(self.post(AUTH, at_limit + b" ")["error"]["code"], -32600)

    def test_bad_chunk_framing_is_a_clear_error(self):
        address = urlsplit(self.base_url())
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=20)
        try:
            connection.putrequest("POST", AUTH)
            connection.putheader("Content-Type", "application/json")
            connection.putheader("Transfer-Encoding", "chunked")
            connection.endheaders()
            connection.send(b"not-hex\r\n{}\r\n0\r\n\r\n")
            response = connection.getresponse()
            self.assertEqual(response.status, 200)
            self.assertEqual(json.loads(response.read())["error"]["code"], -32600)
        finally:
            connection.close()

    def test_small_chunked_body_works(self):
        answer = self.post_chunked(AUTH, self.login_body())
        self.assertEqual(answer["id"], 1)
        self.assertIn("token", answer["result"])


@tagged("post_install", "-at_install")
class TestForeignOrigin(JsonCallCase):
    """A page on another site can make its visitor's browser send "simple"
    requests (``text/plain`` POST, no preflight) from inside the visitor's
    network: the API must not run them."""

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("json_rpc_token.cors_origins", SHOP)
        self.token = self.login()

    def browser_post(self, path, body, origin):
        """What a ``<form>`` or ``fetch(..., {mode: "no-cors"})`` sends."""
        response = self.http("POST", path, json.dumps(body), headers={"Origin": origin, "Content-Type": "text/plain"})
        self.assertEqual(response.status_code, 200, response.text)
        return response

    def create_body(self, name):
        return {
            "jsonrpc": "2.0",
            "id": 1,
            "params": {"token": self.token, "model": "res.partner", "method": "create", "args": [{"name": name}]},
        }

    def assert_refused(self, response):
        answer = response.json()
        self.assertEqual(answer["error"]["code"], -32009, answer)
        self.assertEqual(answer["error"]["message"], "Origin not allowed")
        self.assertNotIn("Access-Control-Allow-Origin", response.headers)
        return answer

    def test_unlisted_origin_runs_nothing(self):
        self.assert_refused(self.browser_post(CALL, self.create_body("Cross-site"), EVIL))
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Cross-site")]), "nothing created")
        # logout: the token still works
        self.assert_refused(self.browser_post(LOGOUT, {"params": {"token": self.token}}, EVIL))
        self.assertIn(
            "result",
            self.rpc(CALL, {"token": self.token, "model": "res.partner", "method": "search_count", "args": [[]]}),
        )
        # login: no token issued, no failure counted
        tokens = self.env["api.token"].search_count([])
        self.assert_refused(self.browser_post(AUTH, {"params": {"login": "integrator", "password": PASSWORD}}, EVIL))
        self.assert_refused(self.browser_post(AUTH, {"params": {"login": "integrator", "password": "x"}}, EVIL))
        self.assert_refused(
            self.browser_post(
                CALL, {"params": {"token": "guess", "model": "res.partner", "method": "search", "args": [[]]}}, EVIL
            )
        )
        self.assertEqual(self.env["api.token"].search_count([]), tokens)
        self.assertFalse(self.env["api.token.lockout"].sudo().search([("failures", ">", 0)]), "no failure counted")
        # a batch is refused as a whole
        batch = [self.create_body("Batch 1"), {**self.create_body("Batch 2"), "id": 2}]
        answer = self.assert_refused(self.browser_post(CALL, batch, EVIL))
        self.assertIsInstance(answer, dict)
        self.assertFalse(self.env["res.partner"].search([("name", "like", "Batch ")]))
        # "null" (sandboxed frames, local files) is an origin like any other
        self.assert_refused(self.browser_post(CALL, self.create_body("Null origin"), "null"))

    def test_granted_and_same_origin_are_served(self):
        response = self.browser_post(CALL, self.create_body("From the shop"), SHOP)
        self.assertIsInstance(response.json()["result"], int)
        self.assertEqual(response.headers["Access-Control-Allow-Origin"], SHOP)
        # a page of the server itself is no other site
        response = self.browser_post(CALL, self.create_body("Same origin"), self.base_url())
        self.assertIsInstance(response.json()["result"], int)
        self.assertNotIn("Access-Control-Allow-Origin", response.headers)
        # another port of the same host is another origin
        other_port = self.base_url().rsplit(":", 1)[0] + ":1"
        self.assert_refused(self.browser_post(CALL, self.create_body("Other port"), other_port))

    def test_preflight_is_unchanged(self):
        response = self.http("OPTIONS", CALL, headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"})
        self.assertEqual(response.status_code, 204)
        self.assertNotIn("Access-Control-Allow-Origin", response.headers)


@tagged("post_install", "-at_install")
class TestTrustedProxies(JsonCallCase):
    """With ``--proxy-mode``, Odoo takes the client address from
    ``X-Forwarded-For`` whenever ``X-Forwarded-Host`` is sent, whoever sends
    them. The token checks believe it only from a listed proxy."""

    FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Host": "api.example", "X-Forwarded-Proto": "https"}

    def setUp(self):
        super().setUp()
        self.token = self.result(
            AUTH, {"login": "integrator", "password": PASSWORD, "allowed_networks": ["203.0.113.7"]}
        )["token"]

    def search(self, headers, token=None):
        return self.rpc(
            CALL,
            {"token": token or self.token, "model": "res.partner", "method": "search_count", "args": [[]]},
            headers=headers,
        )

    def proxy_mode(self, trusted_proxies):
        return patch.dict(config.options, {"proxy_mode": True, "json_rpc_token_trusted_proxies": trusted_proxies})

    def test_forwarded_address_from_an_untrusted_peer_is_ignored(self):
        for trusted in (None, "", "10.0.0.1, 192.168.0.0/16"):
            with self.subTest(trusted=trusted), self.proxy_mode(trusted):
                self.assertEqual(self.search(self.FORWARDED)["error"]["code"], -32006)

    def test_forwarded_address_from_a_trusted_proxy_is_used(self):
        for trusted in ("127.0.0.1", "10.0.0.1, 127.0.0.0/8"):
            with self.subTest(trusted=trusted), self.proxy_mode(trusted):
                self.assertIn("result", self.search(self.FORWARDED))
        with self.proxy_mode("127.0.0.1"):
            # a direct client of a trusted address sending no forwarding headers is itself
            self.assertEqual(self.search({})["error"]["code"], -32006)

    def test_lockout_counts_the_peer_not_the_forwarded_address(self):
        self.env["ir.config_parameter"].sudo().set_param("base.login_cooldown_after", 3)
        with self.proxy_mode(None):
            for guess in range(3):
                headers = {**self.FORWARDED, "X-Forwarded-For": f"198.51.100.{guess}"}
                self.assertEqual(self.search(headers, token=f"guess-{guess}")["error"]["code"], -32003)
            headers = {**self.FORWARDED, "X-Forwarded-For": "198.51.100.99"}
            self.assertEqual(self.search(headers, token="guess-again")["error"]["code"], -32007)
        self.assertEqual(
            self.env["api.token.lockout"].sudo().search([("failures", ">", 0)]).mapped("key"), ["token-ip:127.0.0.1"]
        )

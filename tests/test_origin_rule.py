"""One origin rule on every path that takes a token (issue #19): a page of
another site runs nothing, whichever dialect it speaks (``/json-call``, REST,
JSON-2, a token as the password of Odoo's ``/xmlrpc/2``, ``/xmlrpc``,
``/jsonrpc``); the server's own pages are those of its configured public
address, never of whatever name the request's ``Host`` header carries (DNS
rebinding). Odoo's RPC answers are not cacheable. Over real HTTP against
Odoo's test server, as a browser sends it."""

import json
import xmlrpc.client
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo.tests import tagged
from odoo.tools import config

from .common import JsonCallCase

SHOP = "https://shop.example"
EVIL = "https://evil.example"
PUBLIC = "https://odoo.example.com"


def xmlrpc_body(method, *params):
    return xmlrpc.client.dumps(tuple(params), method)


@tagged("post_install", "-at_install")
class TestOriginRule(JsonCallCase):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("json_rpc_token.cors_origins", SHOP)
        self.token = self.login()
        self.db = self.env.cr.dbname
        self.uid = self.integrator.id
        self.port = urlsplit(self.base_url()).port
        self.rebound = f"http://rebind.example:{self.port}"

    # ------------------------------------------------------------ senders
    # each creates a partner named ``name`` with the token, as a browser's
    # "simple" request (text/plain, no preflight) sends it; True if it ran
    def json_call(self, name, headers):
        body = {"params": {"token": self.token, "model": "res.partner", "method": "create", "args": [{"name": name}]}}
        answer = self.http("POST", "/json-call", json.dumps(body), headers).json()
        if "error" in answer:
            self.assertEqual(answer["error"]["code"], -32009, answer)
        return "result" in answer

    def rest(self, name, headers):
        response = self.http(
            "POST",
            "/api/res.partner/",
            json.dumps({"params": {"data": {"name": name}}}),
            {"Authorization": f"Bearer {self.token}", **headers},
        )
        if response.status_code != 200:
            self.assertEqual((response.status_code, response.json()["error"]["code"]), (403, -32009), response.text)
        return response.status_code == 200

    def json2(self, name, headers):
        # JSON-2 takes JSON only: what a page of the server's own origin (or
        # of a DNS-rebound name, same origin to the browser) sends
        response = self.http(
            "POST",
            "/json/2/res.partner/create",
            json.dumps({"vals_list": [{"name": name}]}),
            {"Authorization": f"bearer {self.token}", **headers, "Content-Type": "application/json"},
        )
        if response.status_code != 200:
            self.assertEqual(response.status_code, 403, response.text)
            self.assertIn("Calls from web pages of", response.json()["message"])
        return response.status_code == 200

    def xmlrpc2(self, name, headers):
        response = self.http(
            "POST",
            "/xmlrpc/2/object",
            xmlrpc_body("execute_kw", self.db, self.uid, self.token, "res.partner", "create", [{"name": name}]),
            headers,
        )
        self.assertEqual(response.status_code, 200, response.text)
        try:
            xmlrpc.client.loads(response.content)
        except xmlrpc.client.Fault as fault:
            self.assertEqual(fault.faultCode, 4, fault.faultString)
            self.assertIn("Calls from web pages of", fault.faultString)
            self.assertNotIn(self.token, fault.faultString)
            return False
        return True

    SENDERS = ("json_call", "rest", "json2", "xmlrpc2")

    def runs(self, sender, origin, host=None, name="By origin"):
        headers = {"Content-Type": "text/plain", "Origin": origin}
        if host:
            headers["Host"] = host
        self.env.flush_all()
        ran = getattr(self, sender)(f"{name} {sender}", headers)
        created = bool(self.env["res.partner"].search([("name", "=", f"{name} {sender}")]))
        self.assertEqual(ran, created, "a refused call created nothing, a served one its partner")
        return ran

    # -------------------------------------------------------------- tests
    def test_dns_rebinding_is_no_own_origin(self):
        """A page of rebind.example, a name the attacker points at the
        server: its browser sends Host and Origin of that name alike."""
        for sender in self.SENDERS:
            with self.subTest(sender=sender):
                self.assertFalse(self.runs(sender, self.rebound, host=f"rebind.example:{self.port}", name="Rebound"))

    def test_own_origin_is_the_configured_public_address(self):
        # web.base.url (Odoo's test server sets it to its own address)
        for sender in self.SENDERS:
            with self.subTest(sender=sender, own="web.base.url"):
                self.assertTrue(self.runs(sender, self.base_url(), name="Own"))
                self.assertTrue(self.runs(sender, SHOP, name="Listed"))
                self.assertFalse(self.runs(sender, EVIL, name="Foreign"))
        # the server option, when set, instead of web.base.url
        with patch.dict(config.options, {"json_rpc_token_public_url": f"http://other.example, {PUBLIC}:443/"}):
            for sender in self.SENDERS:
                with self.subTest(sender=sender, own="json_rpc_token_public_url"):
                    self.assertTrue(self.runs(sender, PUBLIC, name="Public"))
                    self.assertFalse(self.runs(sender, self.base_url(), name="Base URL"))
                    self.assertFalse(self.runs(sender, "null", name="Null"))

    def test_odoo_rpc_answers_are_not_cacheable(self):
        self.env.flush_all()
        calls = [
            ("/xmlrpc/2/common", xmlrpc_body("authenticate", self.db, "integrator", self.token, {})),
            (
                "/xmlrpc/2/object",
                xmlrpc_body(
                    "execute_kw",
                    self.db,
                    self.uid,
                    self.token,
                    "res.partner",
                    "search_read",
                    [[]],
                    {"fields": ["name"], "limit": 1},
                ),
            ),
            (
                "/xmlrpc/2/object",
                xmlrpc_body("execute_kw", self.db, self.uid, "wrong", "res.partner", "search_count", [[]]),
            ),  # a fault
            (
                "/xmlrpc/object",
                xmlrpc_body("execute_kw", self.db, self.uid, self.token, "res.partner", "search_count", [[]]),
            ),
            (
                "/xmlrpc/object",
                xmlrpc_body("execute_kw", self.db, self.uid, "wrong", "res.partner", "search_count", [[]]),
            ),
        ]
        for path, body in calls:
            with self.subTest(path=path):
                response = self.http("POST", path, body, {"Content-Type": "text/xml"})
                self.assertEqual(response.status_code, 200, response.text)
                self.assertEqual(response.headers.get("Cache-Control"), "no-store")
        for args in (
            [self.db, self.uid, self.token, "res.partner", "search_count", [[]]],
            [self.db, self.uid, "wrong", "res.partner", "search_count", [[]]],
        ):
            with self.subTest(path="/jsonrpc", password=args[2][:5]):
                response = self.http(
                    "POST",
                    "/jsonrpc",
                    json.dumps(
                        {
                            "jsonrpc": "2.0",
                            "method": "call",
                            "params": {"service": "object", "method": "execute_kw", "args": args},
                        }
                    ),
                )
                self.assertEqual(response.status_code, 200, response.text)
                self.assertEqual(response.headers.get("Cache-Control"), "no-store", response.text)

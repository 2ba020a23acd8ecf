"""Small fixes of issue #12: each test failed before its fix."""
import json

from odoo.tests import tagged

from .common import JsonCallCase


@tagged("post_install", "-at_install")
class TestCountPastTheEnd(JsonCallCase):
    """``search_read`` with ``count``: ``length`` is the number of matching
    records even when the page is past the end (a pager asks for it)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.partner"].create([{"name": f"Counted {i}"} for i in range(3)])

    def test_length_past_the_end(self):
        token = self.login()
        domain = [["name", "like", "Counted "]]
        for fields in ("{name}", {"name": {}}, ["name"]):
            with self.subTest(fields=fields):
                answer = self.call(token, "res.partner", "search_read", [domain, fields],
                                   kwargs={"limit": 2, "offset": 10, "count": True})
                self.assertEqual(answer, {"records": [], "length": 3})
                answer = self.call(token, "res.partner", "search_read", [domain, fields],
                                   kwargs={"offset": 2, "count": True})
                self.assertEqual((len(answer["records"]), answer["length"]), (1, 3))


@tagged("post_install", "-at_install")
class TestNoContent(JsonCallCase):
    """A 204 has no body, so no body type: not werkzeug's default text/html."""

    def assertNoContent(self, response):
        self.assertEqual((response.status_code, response.text), (204, ""))
        self.assertNotIn("Content-Type", response.headers)

    def test_batch_of_notifications(self):
        token = self.login()
        notification = {"jsonrpc": "2.0", "method": "call", "params": {
            "token": token, "model": "res.partner", "method": "search_count", "args": [[]]}}
        self.assertNoContent(self.http("POST", "/json-call", json.dumps([notification] * 2)))

    def test_preflights(self):
        self.env["ir.config_parameter"].sudo().set_param("json_rpc_token.cors_origins", "https://shop.example")
        for path in ("/json-call", "/api/res.partner/", "/json/2/res.partner/search_count"):
            for origin in ("https://shop.example", "https://evil.example"):
                with self.subTest(path=path, origin=origin):
                    self.assertNoContent(self.http("OPTIONS", path, headers={
                        "Origin": origin, "Access-Control-Request-Method": "POST"}))

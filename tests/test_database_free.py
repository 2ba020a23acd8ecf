"""The routes are served on Odoo's database-free path when the addon is
loaded server-wide (as devtools/ and the README run it): one cursor per call,
no ir.http routing or hooks. Without server-wide loading Odoo's database path
serves them, with the same answers."""

import json
from unittest.mock import patch

import odoo
from odoo.modules.registry import Registry
from odoo.tests import tagged

from ..core import usage
from .common import JsonCallCase


# after the install: at install time the registry is not ready yet, a state
# in which a real server serves no request (it waits for the registry), and
# in which the addon does not claim its paths before routing (patches.py)
@tagged("post_install", "-at_install")
class TestDatabaseFree(JsonCallCase):
    def count_cursors_and_hooks(self, send):
        """Send a request; return how many cursors the server opened, and
        whether ir.http's routing and hooks ran."""
        usage.flush(self.env.cr.dbname)  # not the call that writes the minute's usage counts, in a cursor of its own
        ir_http = type(self.env["ir.http"])
        cursor = Registry.cursor
        opened, hooks = [], []

        def counted_cursor(registry, *args, **kwargs):
            opened.append(1)
            return cursor(registry, *args, **kwargs)

        with (
            patch.object(Registry, "cursor", counted_cursor),
            patch.object(ir_http, "_pre_dispatch", classmethod(lambda cls, rule, args: hooks.append(rule))),
        ):
            answer = send()
        return answer, len(opened), bool(hooks)

    def test_one_cursor_and_no_web_hooks(self):
        self.assertIn("json_rpc_token", odoo.conf.server_wide_modules, "devtools' odoo.conf loads the addon")
        token = self.login()
        params = {"token": token, "model": "res.partner", "method": "search_count", "args": [[]]}
        self.result("/json-call", params)  # its first use is stamped, in a cursor of its own
        answer, cursors, hooks = self.count_cursors_and_hooks(lambda: self.result("/json-call", params))
        self.assertIsInstance(answer, int)
        self.assertEqual((cursors, hooks), (1, False))
        batch = [{"jsonrpc": "2.0", "id": n, "params": params} for n in range(3)]
        answers, cursors, hooks = self.count_cursors_and_hooks(
            lambda: self.http("POST", "/json-call", json.dumps(batch)).json()
        )
        self.assertEqual([a["result"] for a in answers], [answer] * 3)
        self.assertEqual((cursors, hooks), (1, False))
        # the body is refused before any database is opened
        error, cursors, _hooks = self.count_cursors_and_hooks(lambda: self.post("/json-call", b"{not json"))
        self.assertEqual((error["error"]["code"], cursors), (-32700, 0))

    def test_same_answers_when_not_loaded_server_wide(self):
        token = self.login()
        params = {"token": token, "model": "res.partner", "method": "search_count", "args": [[]]}
        expected = self.result("/json-call", params)
        with patch.object(odoo.conf, "server_wide_modules", ["base", "web"]):
            answer, cursors, hooks = self.count_cursors_and_hooks(lambda: self.result("/json-call", params))
            self.assertEqual(answer, expected)
            self.assertEqual((cursors, hooks), (2, True), "Odoo's database path: routing cursor, then the call's")
            self.error("/json-call", {**params, "token": "not-a-token"}, -32003)
            self.assertEqual(self.post("/json-call", b"{not json")["error"]["code"], -32700)
            other = self.login("colleague")
            self.assertIs(self.result("/json-call/user_logout", {"token": other}), True)
            self.error("/json-call", {**params, "token": other}, -32005)

    def test_rest_and_json2_when_not_loaded_server_wide(self):
        """REST and JSON-2 on Odoo's database path answer as database-free:
        results, statuses, JSON errors (never Odoo's HTML pages)."""
        token = self.login()
        bearer = {"Authorization": f"Bearer {token}"}
        wrong = {"Authorization": "Bearer not-a-token"}
        expected = self.env["res.partner"].with_user(self.integrator).search_count([])
        with patch.object(odoo.conf, "server_wide_modules", ["base", "web"]):
            for method, path, body in (
                ("GET", "/api/res.partner/?query={id}&page_size=1", None),
                ("POST", "/json/2/res.partner/search_count", json.dumps({"domain": []})),
            ):
                with self.subTest(path=path):
                    response, _cursors, hooks = self.count_cursors_and_hooks(
                        lambda method=method, path=path, body=body: self.http(method, path, body, headers=bearer)
                    )
                    self.assertTrue(hooks, "served on Odoo's database path")
                    self.assertEqual(response.status_code, 200, response.text)
                    answer = response.json()
                    self.assertEqual(answer if path.startswith("/json/2") else answer["total_pages"], expected)
                    refused = self.http(method, path, body, headers=wrong)
                    self.assertEqual(refused.status_code, 401)
                    self.assertTrue(refused.headers["Content-Type"].startswith("application/json"))
            for method, path in (("GET", "/api/res.partner/not-an-id"), ("POST", "/json/2/res.partner")):
                with self.subTest(path=path):
                    response = self.http(method, path, headers=bearer)
                    self.assertEqual(response.status_code, 404, response.text)
                    self.assertTrue(response.headers["Content-Type"].startswith("application/json"))

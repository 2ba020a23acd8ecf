"""Small fixes of issue #12: each test failed before its fix."""

import contextlib
import json
import logging

from odoo.tests import tagged

from .common import PASSWORD, JsonCallCase


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
                answer = self.call(
                    token,
                    "res.partner",
                    "search_read",
                    [domain, fields],
                    kwargs={"limit": 2, "offset": 10, "count": True},
                )
                self.assertEqual(answer, {"records": [], "length": 3})
                answer = self.call(
                    token, "res.partner", "search_read", [domain, fields], kwargs={"offset": 2, "count": True}
                )
                self.assertEqual((len(answer["records"]), answer["length"]), (1, 3))


@tagged("post_install", "-at_install")
class TestNoContent(JsonCallCase):
    """A 204 has no body, so no body type: not werkzeug's default text/html."""

    def assertNoContent(self, response):
        self.assertEqual((response.status_code, response.text), (204, ""))
        self.assertNotIn("Content-Type", response.headers)

    def test_batch_of_notifications(self):
        token = self.login()
        notification = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"token": token, "model": "res.partner", "method": "search_count", "args": [[]]},
        }
        self.assertNoContent(self.http("POST", "/json-call", json.dumps([notification] * 2)))

    def test_preflights(self):
        self.env["ir.config_parameter"].sudo().set_param("json_rpc_token.cors_origins", "https://shop.example")
        for path in ("/json-call", "/api/res.partner/", "/json/2/res.partner/search_count"):
            for origin in ("https://shop.example", "https://evil.example"):
                with self.subTest(path=path, origin=origin):
                    self.assertNoContent(
                        self.http("OPTIONS", path, headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
                    )


@tagged("post_install", "-at_install")
class TestQuietLogs(JsonCallCase):
    """A client mistake logs one INFO line, no warning or stack; a logout
    names the token's user."""

    @contextlib.contextmanager
    def captured(self):
        with self.assertLogs("odoo", level=logging.INFO) as logs:
            logging.getLogger("odoo.addons.json_rpc_token.tests.sentinel").info("start")
            yield logs
        logs.records[:] = [record for record in logs.records if not record.name.endswith(".sentinel")]

    def assertOneInfoLine(self, logs):
        lines = [
            (
                logging.getLevelName(record.levelno),
                record.getMessage()[:300],
                bool(record.exc_info),
                bool(record.stack_info),
            )
            for record in logs.records
        ]
        self.assertEqual([line[0] for line in lines], ["INFO"], lines)
        self.assertFalse(lines[0][2] or lines[0][3], lines)

    def test_scope_refusal(self):
        scoped = self.result(
            "/json-call/user_authenticate",
            {"login": "integrator", "password": PASSWORD, "scope": {"models": ["res.partner"]}},
        )["token"]
        for model, args in (("res.users", [[]]), ("res.partner", [[["user_ids.login", "=", "x"]]])):
            with self.subTest(model=model), self.captured() as logs:
                self.call_error(scoped, model, "search_count", args, code=-32010)
            self.assertOneInfoLine(logs)
        bearer = {"Authorization": f"Bearer {scoped}"}
        for verb, path, body in (
            ("GET", "/api/res.users/", None),
            ("POST", "/json/2/res.users/search_count", '{"domain": []}'),
        ):
            with self.subTest(path=path), self.captured() as logs:
                response = self.http(verb, path, body, headers=bearer)
                self.assertEqual(response.status_code, 403, response.text)
            self.assertOneInfoLine(logs)

    def test_logout_names_the_user(self):
        token = self.login()
        with self.captured() as logs:
            self.result("/json-call/user_logout", {"token": token})
        revoked = [record.getMessage() for record in logs.records if "revoked" in record.getMessage()]
        self.assertEqual(len(revoked), 1, revoked)
        self.assertIn(f"by #{self.integrator.id} ", revoked[0])


@tagged("post_install", "-at_install")
class TestCooldownDefault(JsonCallCase):
    """Without ``base.login_cooldown_after``, the lockout counts as Odoo 18
    does (which creates databases with 10): not 5."""

    def test_ten_failures_by_default(self):
        # Odoo forbids deleting the parameter through the ORM
        self.env.cr.execute("DELETE FROM ir_config_parameter WHERE key = 'base.login_cooldown_after'")
        self.env.registry.clear_cache()
        for _attempt in range(9):
            self.error("/json-call/user_authenticate", {"login": "integrator", "password": "nope"}, -32001)
        self.login()


@tagged("post_install", "-at_install")
class TestLeaveBinariesOut(JsonCallCase):
    """``{*, -:binary}``: every field but the binaries (each image size of a
    partner is one), without listing them."""

    def test_star_without_binaries(self):
        token = self.login()
        partner = self.env["res.partner"].create({"name": "Binary Less"})
        binaries = {name for name, field in partner._fields.items() if field.type == "binary"}
        self.assertIn("image_128", binaries)
        row = self.call(token, "res.partner", "read", [[partner.id], "{*, -:binary, parent_id{name}}"])[0]
        self.assertFalse(binaries & set(row), binaries & set(row))
        self.assertEqual(row["name"], "Binary Less")
        self.assertIn("parent_id", row)
        self.assertIn("image_128", self.call(token, "res.partner", "read", [[partner.id], "{*, -image_1920}"])[0])
        # a field named explicitly stays
        row = self.call(token, "res.partner", "search_read", [[["id", "=", partner.id]], "{*, -:binary, image_128}"])[0]
        self.assertIn("image_128", row)
        self.assertNotIn("image_1920", row)
        for bad in ("{*, -:nope}", "{*, -:}", "{*, :binary}"):
            with self.subTest(fields=bad):
                self.call_error(token, "res.partner", "read", [[partner.id], bad], code=-32602)

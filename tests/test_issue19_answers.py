"""Answers the attacker's runs of issue #19 found wrong: a malformed REST
``order`` is bad input (400, as the README's REST table says), not Odoo
refusing values (422); JSON-2 answers ids that do not exist as Odoo 19's
JSON-2 does."""

from odoo.tests import tagged

from .test_json2 import Json2Case
from .test_rest import RestCase


@tagged("post_install", "-at_install")
class TestRestOrder(RestCase):
    def test_a_malformed_order_is_bad_input(self):
        for order in ("name; DROP TABLE res_partner", "name asc desc", "name,", '"name asc"x', "(name)"):
            with self.subTest(order=order):
                answer = self.fails(400, "GET", "/api/res.partner/", {"order": order}, code=-32602).json()
                self.assertEqual(answer["error"]["data"]["name"], "odoo.addons.json_rpc_token.errors.InvalidParams")
                self.assertIn(
                    "'order' must be a comma-separated list of field names", answer["error"]["data"]["message"]
                )
        self.fails(400, "GET", "/api/res.partner/", {"order": 7}, code=-32602)  # JSON, but no text

    def test_good_orders_still_sort(self):
        domain = [["id", "in", [self.alice.id, self.bob.id]]]
        for order, first in (
            ("name desc", "Rest Bob"),
            ('"name asc"', "Rest Alice"),
            ("parent_id, name DESC NULLS LAST, id", "Rest Bob"),
            (" ", "Rest Alice"),
        ):
            with self.subTest(order=order):
                page = self.ok("GET", "/api/res.partner/", {"query": "{name}", "filter": domain, "order": order})
                self.assertEqual(page["result"][0]["name"], first)

    def test_the_openapi_document_says_so(self):
        document = self.http("GET", "/json-call/openapi.json").json()
        parameters = document["paths"]["/api/{model}/"]["get"]["parameters"]
        order = next(parameter for parameter in parameters if parameter["name"] == "order")
        self.assertIn("answers 400", order["description"])
        self.assertIn("400", document["paths"]["/api/{model}/"]["get"]["responses"])


@tagged("post_install", "-at_install")
class TestJson2MissingIds(Json2Case):
    """Odoo 19's JSON-2 browses ``ids`` and calls the method: what a method
    does with ids that do not exist is the ORM's (Odoo 19's ``read`` skips
    them, ``write`` raises MissingError). The same here."""

    def test_ids_that_do_not_exist(self):
        partner = self.env["res.partner"].create({"name": "JSON-2 exists"})
        self.assertEqual(self.ok("res.partner", "read", {"ids": [2147483647], "fields": ["name"]}), [])
        self.assertEqual(
            self.ok("res.partner", "read", {"ids": [partner.id, 2147483647], "fields": ["name"]}),
            [{"id": partner.id, "name": "JSON-2 exists"}],
        )
        self.fails(404, "MissingError", "res.partner", "write", {"ids": [2147483647], "vals": {"name": "x"}})

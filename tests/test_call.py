from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import JsonCallCase

CALL = "/json-call"


@tagged("post_install", "-at_install")
class TestCall(JsonCallCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.acme = Partner.create({"name": "Acme Corp", "is_company": True, "email": "info@acme.example"})
        cls.alice = Partner.create({"name": "Alice Acme", "parent_id": cls.acme.id, "email": "alice@acme.example"})
        cls.bob = Partner.create({"name": "Bob Builder", "email": "bob@build.example"})

    def setUp(self):
        super().setUp()
        self.token = self.login()

    # ---------------------------------------------------------- the contract
    def test_published_create_example(self):
        answer = self.rpc(
            CALL,
            {
                "token": self.token,
                "model": "res.partner",
                "method": "create",
                "args": [{"name": "Demo"}],
                "kwargs": {},
                "context": {},
            },
        )
        partner = self.env["res.partner"].browse(answer["result"])
        self.assertEqual(partner.name, "Demo")
        self.assertEqual(partner.create_uid, self.integrator, "runs as the token's user, not sudo")

    def test_Args_alias_and_optional_kwargs_context(self):
        ids = self.result(
            CALL,
            {"token": self.token, "model": "res.partner", "method": "search", "Args": [[["name", "=", "Bob Builder"]]]},
        )
        self.assertEqual(ids, [self.bob.id])
        self.error(
            CALL, {"token": self.token, "model": "res.partner", "method": "search", "args": [[]], "Args": [[]]}, -32602
        )

    def test_create_write_unlink(self):
        new_id = self.call(self.token, "res.partner", "create", [{"name": "Temp"}])
        self.assertIs(self.call(self.token, "res.partner", "write", [[new_id], {"name": "Temp 2"}]), True)
        self.assertEqual(self.env["res.partner"].browse(new_id).name, "Temp 2")
        ids = self.call(self.token, "res.partner", "create", [[{"name": "M1"}, {"name": "M2"}]])
        self.assertEqual(len(ids), 2)
        self.assertIs(self.call(self.token, "res.partner", "unlink", [[new_id, *ids]]), True)
        self.assertFalse(self.env["res.partner"].browse([new_id, *ids]).exists())

    def test_search_domains(self):
        def search(domain):
            return sorted(
                self.call(
                    self.token,
                    "res.partner",
                    "search",
                    [domain + [["id", "in", (self.acme | self.alice | self.bob).ids]]],
                )
            )

        acme, alice, bob = self.acme.id, self.alice.id, self.bob.id
        self.assertEqual(search([["name", "=", "Bob Builder"]]), [bob])
        self.assertEqual(search([["name", "!=", "Bob Builder"]]), [acme, alice])
        self.assertEqual(search([["name", "like", "Acme"]]), [acme, alice])
        self.assertEqual(search([["name", "ilike", "acme"]]), [acme, alice])
        self.assertEqual(search([["email", "=ilike", "BOB@%"]]), [bob])
        self.assertEqual(search([["id", "not in", [acme]]]), [alice, bob])
        self.assertEqual(search([["id", "child_of", acme]]), [acme, alice])
        self.assertEqual(search([["parent_id.name", "=", "Acme Corp"]]), [alice])
        self.assertEqual(search(["|", ["name", "=", "Bob Builder"], ["is_company", "=", True]]), [acme, bob])

    def test_read_methods(self):
        rows = self.call(self.token, "res.partner", "read", [[self.alice.id], ["name", "parent_id", "create_date"]])
        self.assertEqual(rows[0]["name"], "Alice Acme")
        self.assertEqual(rows[0]["parent_id"], [self.acme.id, "Acme Corp"])
        fields.Datetime.from_string(rows[0]["create_date"])  # dates as Odoo strings
        rows = self.call(
            self.token,
            "res.partner",
            "search_read",
            [[["id", "=", self.bob.id]]],
            kwargs={"fields": ["email"], "limit": 5},
        )
        self.assertEqual(rows, [{"id": self.bob.id, "email": "bob@build.example"}])
        count = self.call(self.token, "res.partner", "search_count", [[["name", "ilike", "acme"]]])
        self.assertEqual(count, 2)
        groups = self.call(
            self.token,
            "res.partner",
            "read_group",
            [[["id", "in", [self.acme.id, self.alice.id, self.bob.id]]], ["is_company"], ["is_company"]],
        )
        self.assertEqual(sorted((g["is_company"], g["is_company_count"]) for g in groups), [(False, 2), (True, 1)])
        description = self.call(self.token, "res.partner", "fields_get", [["name"]], kwargs={"attributes": ["type"]})
        self.assertEqual(description, {"name": {"type": "char"}})

    def test_name_get_for_published_clients(self):
        self.assertEqual(
            self.call(self.token, "res.partner", "name_get", [[self.acme.id, self.alice.id]]),
            [[self.acme.id, "Acme Corp"], [self.alice.id, "Acme Corp, Alice Acme"]],
        )

    def test_public_action_methods(self):
        self.call(self.token, "res.partner", "action_archive", [[self.bob.id]])
        self.assertFalse(self.bob.active)
        self.call(self.token, "res.partner", "action_unarchive", [[self.bob.id]])
        self.assertTrue(self.bob.active)

    def test_user_context_is_the_base_and_request_context_wins(self):
        partner_id = self.call(self.token, "res.partner", "create", [{"name": "Brussels"}])
        self.assertEqual(self.env["res.partner"].browse(partner_id).tz, "Europe/Brussels")
        partner_id = self.call(
            self.token,
            "res.partner",
            "create",
            [{"name": "Tokyo"}],
            context={"tz": "Asia/Tokyo", "default_comment": "from context"},
        )
        partner = self.env["res.partner"].browse(partner_id)
        self.assertEqual((partner.tz, str(partner.comment)), ("Asia/Tokyo", "<p>from context</p>"))

    # ------------------------------------------------------- Odoo's rights
    def test_access_rights_and_record_rules_apply(self):
        error = self.call_error(self.token, "res.users", "create", [{"login": "x", "name": "x"}], code=-32010)
        self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
        # another user's token record is invisible (record rule), even by id
        other_token, _secret = self.env["api.token"].sudo()._issue(self.colleague, "theirs")
        self.assertEqual(
            self.call(self.token, "api.token", "search", [[]]),
            self.env["api.token"].search([("user_id", "=", self.integrator.id)]).ids,
        )
        self.call_error(self.token, "api.token", "read", [[other_token.id], ["name"]], code=-32010)
        # their own tokens, every field they may see (no audit log, no secret)
        own = self.call(self.token, "api.token", "search_read", [[]])
        self.assertTrue(own and all(row["user_id"][0] == self.integrator.id for row in own))
        self.assertFalse({"log_ids", "token_hash", "token_index"} & set(own[0]))
        self.call_error(self.token, "api.token", "action_revoke", [[other_token.id]], code=-32010)
        self.assertFalse(other_token.revoked_at)

    def test_private_methods_refused(self):
        error = self.call_error(self.token, "res.partner", "_compute_display_name", [[self.bob.id]], code=-32010)
        self.assertIn("Private methods", error["data"]["message"])
        self.call_error(self.token, "res.partner", "sudo", [[self.bob.id]], code=-32010)

    # ----------------------------------------------------------- failures
    def test_error_cases_are_distinct(self):
        self.call_error(self.token, "no.such.model", "search", [[]], code=-32601)
        self.call_error(self.token, "res.partner", "no_such_method", [[]], code=-32601)
        self.call_error(self.token, "res.partner", "write", [[99999999], {"name": "x"}], code=-32011)
        error = self.call_error(
            self.token, "res.partner", "write", [[self.alice.id], {"parent_id": self.alice.id}], code=-32020
        )
        self.assertEqual(error["data"]["name"], "odoo.exceptions.ValidationError")
        self.call_error(self.token, "api.token", "create", [{"name": "x"}], code=-32021)
        self.call_error(self.token, "res.partner", "read", [], code=-32602)  # ids missing
        self.call_error(self.token, "res.partner", "read", [["a"]], code=-32602)
        self.call_error(self.token, "res.partner", "read", [[1]], kwargs={"bogus": 1}, code=-32602)
        self.call_error(self.token, "res.partner", "search", [[["no_field", "=", 1]]], code=-32602)
        self.error(CALL, {"token": self.token, "model": "res.partner", "method": "search", "args": "x"}, -32602)
        self.error(CALL, {"token": self.token, "model": "res.partner"}, -32602)

    def test_failed_call_writes_nothing(self):
        """alice is written first, then the second record fails: nothing stays."""
        error = self.call_error(
            self.token,
            "res.partner",
            "write",
            [[self.alice.id, self.acme.id], {"parent_id": self.acme.id, "comment": "changed"}],
            code=-32020,
        )
        self.assertIn("recursive", error["data"]["message"])
        self.env.invalidate_all()
        self.assertFalse(self.alice.comment)
        self.call_error(
            self.token,
            "res.partner",
            "create",
            [[{"name": "Kept?"}, {"name": "Bad", "parent_id": 99999999}]],
            code=-32011,
        )
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Kept?")]))

    def test_token_failures(self):
        params = {"model": "res.partner", "method": "search", "args": [[]]}
        self.error(CALL, params, -32002)
        self.error(CALL, {**params, "token": "x" * 43}, -32003)
        self.error(CALL, {**params, "token": "x" * 5000}, -32003)
        token, secret = (
            self.env["api.token"].sudo()._issue(self.integrator, "old", fields.Datetime.now() - timedelta(seconds=1))
        )
        self.error(CALL, {**params, "token": secret}, -32004)
        token.sudo().write({"expires_at": False})
        self.assertEqual(self.result(CALL, {**params, "token": secret, "args": [[["id", "=", 1]]]}), [1])
        token.action_revoke()
        self.error(CALL, {**params, "token": secret}, -32005)

    def test_archived_user_token_stops_working(self):
        self.integrator.active = False
        self.error(CALL, {"token": self.token, "model": "res.partner", "method": "search", "args": [[]]}, -32003)

    def test_bearer_header(self):
        params = {"model": "res.partner", "method": "search", "args": [[["id", "=", self.bob.id]]]}
        self.assertEqual(self.result(CALL, params, headers={"Authorization": f"Bearer {self.token}"}), [self.bob.id])
        self.error(CALL, {**params, "token": "other"}, -32600, headers={"Authorization": f"Bearer {self.token}"})
        self.error(CALL, params, -32600, headers={"Authorization": "Basic abc"})

    def test_last_use_is_stamped(self):
        token = self.env["api.token"].search([("user_id", "=", self.integrator.id)], limit=1)
        self.assertFalse(token.last_used_at)
        self.call(self.token, "res.partner", "search", [[]])
        token.invalidate_recordset()
        self.assertTrue(token.last_used_at)
        self.assertEqual(token.last_used_ip, "127.0.0.1")

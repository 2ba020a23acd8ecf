from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestBackend(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(cls.env, login="token-user", groups="base.group_user")
        cls.manager = new_test_user(
            cls.env, login="token-manager", groups="base.group_user,json_rpc_token.group_api_token_manager"
        )
        cls.Token = cls.env["api.token"].sudo()

    def _wizard(self, as_user, **vals):
        Wizard = self.env["api.token.wizard"].with_user(as_user)
        return Wizard.create({"name": "Shop sync", **vals})

    def test_wizard_button_requires_identity_check(self):
        with self.assertRaisesRegex(UserError, "only be accessed over HTTP"):
            self._wizard(self.user).action_generate()

    def test_wizard_issues_a_token_shown_once(self):
        action = self._wizard(self.user)._generate()
        self.assertEqual((action["res_model"], action["target"]), ("api.token.show", "new"))
        secret = action["context"]["default_secret"]
        token = self.Token.search([("user_id", "=", self.user.id)])
        self.assertEqual((token.name, token.state), ("Shop sync", "active"))
        facts = self.Token._check_secret(secret)
        self.assertEqual((facts.id, facts.user_id), (token.id, self.user.id))
        # the show model keeps nothing: it has no table
        self.assertFalse(self.env["api.token.show"]._auto)
        self.assertFalse(self.env["api.token.wizard"].search([]), "the wizard record is gone")

    def test_wizard_rights(self):
        with self.assertRaises(AccessError):
            self._wizard(self.user, user_id=self.manager.id)._generate()
        self._wizard(self.manager, user_id=self.user.id)._generate()
        self.assertEqual(self.Token.search_count([("user_id", "=", self.user.id)]), 1)
        portal = new_test_user(self.env, login="portal-x", groups="base.group_portal")
        with self.assertRaises(UserError):
            self._wizard(self.manager, user_id=portal.id)._generate()
        with self.assertRaises(UserError):
            self._wizard(self.user, expires_at=fields.Datetime.now() - timedelta(days=1))._generate()

    def test_token_count_and_revoke_all_of_a_user(self):
        for _i in range(3):
            self.Token._issue(self.user, "t")
        self.assertEqual(self.user.api_token_count, 3)
        self.assertEqual(self.user.action_view_api_tokens()["domain"], [("user_id", "=", self.user.id)])
        self.user.with_user(self.manager).action_revoke_api_tokens()
        self.user.invalidate_recordset(["api_token_count"])
        self.assertEqual(self.user.api_token_count, 0)
        self.assertEqual(set(self.Token.search([("user_id", "=", self.user.id)]).mapped("state")), {"revoked"})

    def test_users_revoke_their_own_all(self):
        mine, _secret = self.Token._issue(self.user, "mine")
        theirs, _secret = self.Token._issue(self.manager, "theirs")
        (self.user | self.manager).with_user(self.user).action_revoke_api_tokens()
        self.assertEqual((mine.state, theirs.state), ("revoked", "active"))

    def test_revoke_all_for_everyone_is_for_managers(self):
        first, _secret = self.Token._issue(self.user, "a")
        second, _secret = self.Token._issue(self.manager, "b")
        with self.assertRaises(AccessError):
            self.env["api.token"].with_user(self.user).action_revoke_all()
        self.env["api.token"].with_user(self.manager).action_revoke_all()
        self.assertEqual((first.state, second.state), ("revoked", "revoked"))

    def test_purge_cron(self):
        now = fields.Datetime.now()
        long_revoked, _s = self.Token._issue(self.user, "long revoked")
        long_revoked.write({"revoked_at": now - timedelta(days=31)})
        just_revoked, _s = self.Token._issue(self.user, "just revoked")
        just_revoked._revoke()
        long_expired, _s = self.Token._issue(self.user, "long expired", now - timedelta(days=40))
        live, _s = self.Token._issue(self.user, "live")
        cron = self.env.ref("json_rpc_token.ir_cron_purge_api_tokens")
        self.assertEqual((cron.interval_number, cron.interval_type, cron.active), (1, "days", True))
        old_entry = self.env["api.token.log"].sudo().create({"event": "login", "date": now - timedelta(days=91)})
        cron.method_direct_trigger()
        self.assertFalse(old_entry.exists(), "audit entries older than the retention are purged")
        self.assertEqual((long_revoked | just_revoked | long_expired | live).exists(), just_revoked | live)
        self.env["ir.config_parameter"].sudo().set_param("json_rpc_token.purge_after_days", 0)
        just_revoked.write({"revoked_at": now - timedelta(days=400)})
        cron.method_direct_trigger()
        self.assertTrue(just_revoked.exists(), "0 keeps tokens forever")


@tagged("post_install", "-at_install")
class TestBackendTour(HttpCase):
    def test_admin_creates_and_revokes_a_token_in_the_browser(self):
        self.start_tour("/odoo", "json_rpc_token_backend_tour", login="admin", timeout=120)
        token = self.env["api.token"].search([("name", "=", "Tour integration")])
        self.assertEqual(len(token), 1)
        self.assertEqual((token.user_id.login, token.state), ("admin", "revoked"))

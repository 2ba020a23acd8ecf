"""The backend wizard New API Token, as managers and users meet it (issue #12)."""

from datetime import timedelta

from odoo import fields
from lxml import etree
from odoo.tests import Form, HttpCase, TransactionCase, new_test_user, tagged

from .pictures import taking_pictures

MANAGER_PASSWORD = "Manager-pass-2026"


@tagged("post_install", "-at_install")
class TestWizard(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(cls.env, login="wiz-user", groups="base.group_user")
        cls.bot = new_test_user(cls.env, login="wiz-bot", groups="base.group_user", name="Integration Bot")
        cls.manager = new_test_user(
            cls.env, login="wiz-manager", groups="base.group_user,json_rpc_token.group_api_token_manager"
        )
        cls.Wizard = cls.env["api.token.wizard"]

    def test_managers_choose_the_user_in_the_form(self):
        form = Form(self.Wizard.with_user(self.manager))
        form.user_id = self.bot  # refused while the field is read-only
        form.name = "Bot sync"
        action = form.save()._generate()
        token = self.env["api.token"].search([("user_id", "=", self.bot.id)])
        self.assertEqual(token.name, "Bot sync")
        self.assertEqual(self.env["api.token"]._check_secret(action["context"]["default_secret"]).id, token.id)

    def test_users_do_not_choose_the_user_in_the_form(self):
        form = Form(self.Wizard.with_user(self.user))
        self.assertEqual(form.user_id, self.user)
        with self.assertRaises(AssertionError):
            form.user_id = self.bot

    def test_label_is_required_in_the_form_before_generate(self):
        """The form marks the label required (the web client's
        o_required_modifier, which the tours check), and refuses to save
        without it: nothing reaches Generate."""
        arch = etree.fromstring(self.Wizard.get_views([(False, "form")])["views"]["form"]["arch"])
        self.assertEqual(arch.xpath('//field[@name="name"]/@required'), ["1"])
        form = Form(self.Wizard.with_user(self.user))
        with self.assertRaisesRegex(AssertionError, "name"):
            form.save()

    def test_issue_is_audited_with_user_and_issuer(self):
        wizard = self.Wizard.with_user(self.manager).create({"name": "Bot sync", "user_id": self.bot.id})
        wizard._generate()
        token = self.env["api.token"].search([("user_id", "=", self.bot.id)])
        entry = self.env["api.token.log"].search([("token_id", "=", token.id)])
        self.assertEqual((entry.event, entry.user_id), ("issue", self.bot))
        self.assertIn("wiz-manager", entry.detail)

    def test_default_expiry_counts_from_the_issue(self):
        """A form opened an hour ago offered now + TTL - 1 h: the token gets now + TTL."""
        ttl = self.env["api.token"]._default_expiry() - fields.Datetime.now()
        opened_with = fields.Datetime.now() + ttl - timedelta(hours=1)
        self.Wizard.with_user(self.user).create(
            {"name": "late", "expires_at": opened_with, "offered_expires_at": opened_with}
        )._generate()
        token = self.env["api.token"].search([("user_id", "=", self.user.id)])
        self.assertAlmostEqual(token.expires_at, fields.Datetime.now() + ttl, delta=timedelta(minutes=1))

    def test_a_chosen_expiry_is_kept_and_capped(self):
        chosen = fields.Datetime.now() + timedelta(hours=3)
        offered = self.Wizard.default_get(["expires_at", "offered_expires_at"])
        self.assertEqual(offered["offered_expires_at"], offered["expires_at"])
        self.Wizard.with_user(self.user).create(
            {"name": "chosen", "expires_at": chosen, "offered_expires_at": offered["expires_at"]}
        )._generate()
        token = self.env["api.token"].search([("user_id", "=", self.user.id)])
        self.assertEqual(token.expires_at, chosen)
        self.env["ir.config_parameter"].sudo().set_param("json_rpc_token.max_ttl_hours", 2)
        self.env["ir.config_parameter"].sudo().set_param("json_rpc_token.ttl_hours", 48)
        offered = self.Wizard.default_get(["expires_at", "offered_expires_at"])
        self.Wizard.with_user(self.bot).create({"name": "capped", **offered})._generate()
        token = self.env["api.token"].search([("user_id", "=", self.bot.id)])
        self.assertLessEqual(token.expires_at, fields.Datetime.now() + timedelta(hours=2))


@tagged("post_install", "-at_install")
class TestWizardTour(HttpCase):
    def test_manager_issues_a_token_for_an_integration_user(self):
        bot = new_test_user(self.env, login="integration-bot", groups="base.group_user", name="Integration Bot")
        manager = new_test_user(
            self.env,
            login="token-boss",
            password=MANAGER_PASSWORD,
            groups="base.group_user,json_rpc_token.group_api_token_manager",
        )
        self.start_tour(
            "/odoo/action-json_rpc_token.api_token_wizard_action",
            "json_rpc_token_manager_tour",
            login="token-boss",
            timeout=120,
        )
        token = self.env["api.token"].search([("name", "=", "Bot sync")])
        self.assertEqual((token.user_id, token.create_uid, token.state), (bot, manager, "active"))
        self.assertTrue(token.last_used_at, "the tour called /json-call with the token")
        entry = self.env["api.token.log"].search([("token_id", "=", token.id), ("event", "=", "issue")])
        self.assertEqual(entry.user_id, bot)


@tagged("post_install", "-at_install")
class TestTokenReadyTour(HttpCase):
    """The token-ready dialog in the browser, and the manual's picture of it."""

    browser_size = "1100x900"

    def test_dialog_shows_a_line_per_dialect(self):
        with taking_pictures(self, {"token_ready.png": ".modal-dialog .modal-content"}):
            self.start_tour(
                "/odoo/action-json_rpc_token.api_token_action",
                "json_rpc_token_token_ready_tour",
                login="admin",
                timeout=120,
            )
        token = self.env["api.token"].search([("name", "=", "Shop sync")])
        self.assertEqual((token.user_id.login, token.state), ("admin", "active"))

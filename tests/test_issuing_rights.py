"""Who may hold a token of whom (issue #19, "Trust holds on every path"):
an API token manager issues tokens for themselves and for users whose
rights they hold already, never for an administrator or anyone with rights
they lack; anyone else only for themselves. Tried as an attacker would:
with a manager's own browser session, over real HTTP, through the backend's
``/web/dataset/call_kw`` and the wizard's real identity check."""

import json

from odoo.tests import new_test_user, tagged

from .common import JsonCallCase

BOSS_PASSWORD = "Token-boss-pass-2026"
USER_PASSWORD = "Plain-user-pass-2026"
CALL_KW = "/web/dataset/call_kw"


@tagged("post_install", "-at_install")
class TestIssuingRights(JsonCallCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.boss = new_test_user(
            cls.env,
            login="token-boss-19",
            password=BOSS_PASSWORD,
            name="Token Boss",
            groups="base.group_user,json_rpc_token.group_api_token_manager",
        )
        cls.plain = new_test_user(cls.env, login="plain-19", password=USER_PASSWORD, groups="base.group_user")
        cls.bot = new_test_user(cls.env, login="bot-19", groups="base.group_user", name="Integration Bot 19")
        # a right the manager lacks: creating contacts
        cls.contacts = new_test_user(
            cls.env, login="contacts-19", name="Contacts Clerk", groups="base.group_user,base.group_partner_manager"
        )
        cls.admin = cls.env.ref("base.user_admin")
        other_company = cls.env["res.company"].create({"name": "Elsewhere 19"})
        cls.elsewhere = new_test_user(
            cls.env,
            login="elsewhere-19",
            groups="base.group_user",
            company_id=other_company.id,
            company_ids=[(6, 0, other_company.ids)],
        )

    # ------------------------------------------------------------ helpers
    def call_kw(self, model, method, args, kwargs=None):
        """The backend's own call, with the logged-in browser session; the
        whole JSON-RPC answer."""
        response = self.url_open(
            CALL_KW,
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "call",
                    "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def ok(self, answer):
        self.assertIn("result", answer, answer.get("error"))
        return answer["result"]

    def refused(self, answer, name, text):
        self.assertIn("error", answer, f"expected a refusal, got {answer.get('result')!r}")
        data = answer["error"]["data"]
        self.assertEqual(data["name"], name, data)
        self.assertIn(text, data["message"])
        return data["message"]

    def generate(self, wizard_id, password):
        """Press *Generate*: Odoo asks the password first (check_identity),
        the user gives their own, and the button runs. The secret, or the
        refusal's answer."""
        answer = self.call_kw("api.token.wizard", "action_generate", [[wizard_id]])
        action = answer.get("result")
        if isinstance(action, dict) and action.get("res_model") == "res.users.identitycheck":
            check = [action["res_id"]]
            self.ok(self.call_kw("res.users.identitycheck", "write", [check, {"password": password}]))
            answer = self.call_kw("res.users.identitycheck", "run_check", [check])
        if "error" in answer:
            return answer
        return answer["result"]["context"]["default_secret"]

    def confirm_identity(self, password):
        """Issue a token for oneself, confirming the password on the way: the
        session is then identity-checked for 10 minutes."""
        wizard = self.ok(self.call_kw("api.token.wizard", "create", [{"name": "own token"}]))
        secret = self.generate(wizard, password)
        self.assertIsInstance(secret, str, secret)

    def tokens_of(self, user):
        return self.env["api.token"].sudo().search([("user_id", "=", user.id)])

    # -------------------------------------------------------------- tests
    def test_a_manager_cannot_issue_a_token_of_the_administrator(self):
        self.authenticate("token-boss-19", BOSS_PASSWORD)
        self.confirm_identity(BOSS_PASSWORD)
        tokens_before = self.tokens_of(self.admin)
        # straight away
        answer = self.call_kw("api.token.wizard", "create", [{"name": "backdoor", "user_id": self.admin.id}])
        message = self.refused(answer, "odoo.exceptions.AccessError", "rights you do not have")
        self.assertIn(self.admin.name, message)
        self.assertIn("Administration", message, "the message names the rights the manager lacks")
        # or by choosing the user after the form was saved
        wizard = self.ok(self.call_kw("api.token.wizard", "create", [{"name": "backdoor"}]))
        self.refused(
            self.call_kw("api.token.wizard", "write", [[wizard], {"user_id": self.admin.id}]),
            "odoo.exceptions.AccessError",
            "rights you do not have",
        )
        self.assertIsInstance(self.generate(wizard, BOSS_PASSWORD), str, "the wizard still issues for its own user")
        # nothing was issued for the administrator, nor audited, nor half-written
        self.assertEqual(self.tokens_of(self.admin), tokens_before)
        self.assertFalse(
            self.env["api.token.log"].sudo().search([("user_id", "=", self.admin.id), ("event", "=", "issue")])
        )
        self.assertFalse(self.env["api.token.wizard"].sudo().search([("user_id", "=", self.admin.id)]))

    def test_a_manager_cannot_issue_for_users_with_rights_they_lack(self):
        self.authenticate("token-boss-19", BOSS_PASSWORD)
        self.confirm_identity(BOSS_PASSWORD)
        answer = self.call_kw("api.token.wizard", "create", [{"name": "contacts", "user_id": self.contacts.id}])
        self.refused(answer, "odoo.exceptions.AccessError", "Contact Creation")
        answer = self.call_kw("api.token.wizard", "create", [{"name": "far", "user_id": self.elsewhere.id}])
        self.refused(answer, "odoo.exceptions.AccessError", "Elsewhere 19")
        self.assertFalse(self.tokens_of(self.contacts) | self.tokens_of(self.elsewhere))

    def test_a_manager_issues_for_an_integration_user_and_is_audited(self):
        self.authenticate("token-boss-19", BOSS_PASSWORD)
        wizard = self.ok(self.call_kw("api.token.wizard", "create", [{"name": "Bot sync", "user_id": self.bot.id}]))
        secret = self.generate(wizard, BOSS_PASSWORD)
        self.assertIsInstance(secret, str, secret)
        token = self.tokens_of(self.bot)
        self.assertEqual((token.name, token.create_uid), ("Bot sync", self.boss))
        entry = self.env["api.token.log"].sudo().search([("token_id", "=", token.id)])
        self.assertEqual((entry.event, entry.user_id, entry.issuer_id), ("issue", self.bot, self.boss))
        # the token works, as the bot
        self.assertEqual(
            self.call(secret, "res.users", "search_read", [[("id", "=", self.bot.id)], ["login"]]),
            [{"id": self.bot.id, "login": "bot-19"}],
        )

    def test_a_login_is_audited_with_its_user_as_issuer(self):
        self.login()
        entry = self.env["api.token.log"].sudo().search([("event", "=", "login")], limit=1)
        self.assertEqual((entry.user_id, entry.issuer_id), (self.integrator, self.integrator))

    def test_a_user_issues_only_for_themselves(self):
        self.authenticate("plain-19", USER_PASSWORD)
        self.confirm_identity(USER_PASSWORD)
        self.refused(
            self.call_kw("api.token.wizard", "create", [{"name": "x", "user_id": self.bot.id}]),
            "odoo.exceptions.AccessError",
            "Only API token managers",
        )
        # nor by pressing the button of a wizard someone else prepared
        wizard = self.env["api.token.wizard"].with_user(self.boss).create({"name": "theirs", "user_id": self.bot.id})
        self.refused(self.generate(wizard.id, USER_PASSWORD), "odoo.exceptions.AccessError", "Only API token managers")
        self.assertFalse(self.tokens_of(self.bot))

    def test_no_other_orm_path_gives_a_token_of_someone_else(self):
        bot_token, _secret = self.env["api.token"].sudo()._issue(self.bot, "bot's")
        self.authenticate("token-boss-19", BOSS_PASSWORD)
        self.confirm_identity(BOSS_PASSWORD)
        own = self.tokens_of(self.boss)
        never_created = "never created directly"
        self.refused(
            self.call_kw("api.token", "create", [{"name": "x", "user_id": self.admin.id}]),
            "odoo.exceptions.UserError",
            never_created,
        )
        self.refused(self.call_kw("api.token", "name_create", ["x"]), "odoo.exceptions.UserError", never_created)
        self.refused(
            self.call_kw("api.token", "copy", [bot_token.ids], {"default": {"user_id": self.admin.id}}),
            "odoo.exceptions.UserError",
            never_created,
        )
        for token in (bot_token, own):
            self.refused(
                self.call_kw("api.token", "write", [token.ids, {"user_id": self.admin.id}]),
                "odoo.exceptions.AccessError",
                "Only the label",
            )
        self.refused(
            self.call_kw("res.users", "write", [self.admin.ids, {"api_token_ids": [(4, own.id)]}]),
            "odoo.exceptions.AccessError",
            "",
        )
        # the same through this API, with the manager's own token
        token = self.result("/json-call/user_authenticate", {"login": "token-boss-19", "password": BOSS_PASSWORD})[
            "token"
        ]
        self.call_error(token, "api.token", "create", [{"name": "x", "user_id": self.admin.id}], code=-32021)
        self.call_error(token, "api.token", "write", [own.ids, {"user_id": self.admin.id}], code=-32010)
        self.call_error(token, "api.token.wizard", "create", [{"name": "x", "user_id": self.admin.id}], code=-32010)
        self.env.invalidate_all()
        self.assertEqual((bot_token.user_id, own.user_id), (self.bot, self.boss))
        self.assertFalse(self.tokens_of(self.admin))

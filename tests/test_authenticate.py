import logging
import re

from odoo.tests import tagged

from .common import PASSWORD, JsonCallCase

AUTH = "/json-call/user_authenticate"


@tagged("post_install", "-at_install")
class TestAuthenticate(JsonCallCase):
    def test_published_example(self):
        """The request exactly as the published examples send it."""
        answer = self.rpc(AUTH, {"login": "integrator", "password": PASSWORD, "db": self.env.cr.dbname})
        self.assertEqual(answer["id"], None)
        self.assertEqual(answer["result"]["uid"], self.integrator.id)
        token = answer["result"]["token"]
        self.assertRegex(token, r"^[A-Za-z0-9_-]{43,}$", "at least 256 bits, URL-safe")
        # the token works, as its user
        uid = self.call(token, "res.users", "search", [[["id", "=", self.integrator.id]]])
        self.assertEqual(uid, [self.integrator.id])

    def test_each_login_gets_its_own_token(self):
        first, second = self.login(), self.login()
        self.assertNotEqual(first, second)
        self.assertEqual(self.env["api.token"].search_count([("user_id", "=", self.integrator.id)]), 2)

    def test_wrong_password_and_unknown_login_answer_alike(self):
        wrong = self.error(AUTH, {"login": "integrator", "password": "nope"}, -32001)
        unknown = self.error(AUTH, {"login": "nobody-here", "password": "nope"}, -32001)
        self.assertEqual(wrong, unknown)
        self.assertFalse(self.env["api.token"].search([("user_id", "=", self.integrator.id)]), "no token issued")

    def test_odoo_api_key_works_as_password(self):
        key = self.env["res.users.apikeys"].with_user(self.integrator).sudo()._generate(None, "script", None)
        token = self.result(AUTH, {"login": "integrator", "password": key})["token"]
        own_partner = [["id", "=", self.integrator.partner_id.id]]
        self.assertEqual(self.call(token, "res.partner", "search_count", [own_partner]), 1)

    def test_two_factor_users_need_an_api_key(self):
        """Odoo's rule for RPC: a user with 2FA logs in with an API key only."""
        if "totp_secret" not in self.env["res.users"]._fields:
            self.skipTest("auth_totp is not installed")
        key = self.env["res.users.apikeys"].with_user(self.integrator).sudo()._generate(None, "2fa script", None)
        self.integrator.sudo().totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        self.assertTrue(self.integrator._rpc_api_keys_only())
        self.error(AUTH, {"login": "integrator", "password": PASSWORD}, -32001)
        self.assertTrue(self.result(AUTH, {"login": "integrator", "password": key})["token"])

    def test_inactive_and_portal_users_are_refused(self):
        self.colleague.active = False
        self.error(AUTH, {"login": "colleague", "password": PASSWORD}, -32001)
        self.env.ref("base.group_portal")  # portal exists in base
        portal = self.env["res.users"].create(
            {
                "login": "portal-user",
                "name": "Portal",
                "password": PASSWORD,
                "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        self.assertFalse(portal._is_internal())
        self.error(AUTH, {"login": "portal-user", "password": PASSWORD}, -32001)
        self.assertFalse(self.env["api.token"].search([("user_id", "in", (self.colleague | portal).ids)]))

    def test_odoo_cooldown_settings_apply(self):
        self.env["ir.config_parameter"].sudo().set_param("base.login_cooldown_after", 2)
        for _attempt in range(2):
            self.error(AUTH, {"login": "integrator", "password": "nope"}, -32001)
        locked = self.error(AUTH, {"login": "integrator", "password": PASSWORD}, -32007)
        self.assertIn("wait 60 seconds", locked["data"]["message"])

    def test_bad_requests(self):
        self.error(AUTH, {"login": "integrator"}, -32602)
        self.error(AUTH, {"login": "", "password": PASSWORD}, -32602)
        self.error(AUTH, {"login": 7, "password": PASSWORD}, -32602)
        error = self.error(AUTH, {"login": "integrator", "password": PASSWORD, "pasword": "x"}, -32602)
        self.assertIn("pasword", error["data"]["message"])
        self.error(AUTH, {"login": "integrator", "password": PASSWORD, "db": "no_such_database"}, -32000)

    def test_password_never_echoed_nor_logged(self):
        secret = "Very-Secret-Wrong-Password-123"
        with self.assertLogs(level=logging.DEBUG) as logs:
            logging.getLogger("odoo.addons.json_rpc_token").info("capture start")
            error = self.error(AUTH, {"login": "integrator", "password": secret}, -32001)
            error_bad_type = self.error(AUTH, {"login": "integrator", "password": [secret]}, -32602)
        self.assertNotIn(secret, repr(error) + repr(error_bad_type))
        self.assertFalse([line for line in logs.output if secret in line])

    def test_token_appears_nowhere_in_database_nor_log(self):
        with self.assertLogs(level=logging.DEBUG) as logs:
            logging.getLogger("odoo.addons.json_rpc_token").info("capture start")
            token = self.login()
            self.call(token, "res.partner", "search", [[]])
            self.result("/json-call/user_logout", {"token": token})
        self.assertFalse([line for line in logs.output if token in line], "token logged")
        cr = self.env.cr
        cr.flush()
        cr.execute("""SELECT table_name, column_name FROM information_schema.columns
                       WHERE table_schema = 'public'
                         AND data_type IN ('character varying', 'text', 'jsonb', 'json')""")
        hits = []
        for table, column in cr.fetchall():
            cr.execute(f'SELECT 1 FROM "{table}" WHERE "{column}"::text LIKE %s LIMIT 1', [f"%{token}%"])
            if cr.fetchone():
                hits.append(f"{table}.{column}")
        self.assertEqual(hits, [], "the token is stored in clear")
        # what is stored: a passlib hash and an index that is not a piece of the token
        cr.execute("SELECT token_hash, token_index FROM api_token WHERE user_id = %s", [self.integrator.id])
        token_hash, token_index = cr.fetchone()
        self.assertTrue(token_hash.startswith("$pbkdf2-sha512$"))
        self.assertNotIn(token_index, token)
        self.assertTrue(re.fullmatch(r"[0-9a-f]{16}", token_index))

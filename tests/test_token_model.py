from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestTokenModel(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner = new_test_user(cls.env, login="owner", groups="base.group_user")
        cls.other = new_test_user(cls.env, login="other", groups="base.group_user")
        cls.manager = new_test_user(
            cls.env, login="manager", groups="base.group_user,json_rpc_token.group_api_token_manager"
        )
        Token = cls.env["api.token"].sudo()
        cls.token, cls.secret = Token._issue(cls.owner, "owner's")
        cls.other_token, _secret = Token._issue(cls.other, "other's")

    def test_secret_columns_are_not_fields(self):
        Token = self.env["api.token"]
        self.assertFalse({"token_hash", "token_index"} & set(Token.fields_get()))
        for name in ("token_hash", "token_index"):
            with self.assertRaises(ValueError):
                self.token.read([name])
            with self.assertRaises(ValueError):
                Token.search([(name, "!=", False)])
        self.assertNotIn(self.secret, str(self.token.read()))

    def test_check_secret_roundtrip(self):
        Token = self.env["api.token"]
        facts = Token._check_secret(self.secret)
        self.assertEqual((facts.id, facts.user_id), (self.token.id, self.owner.id))
        self.token._revoke()
        with self.assertRaisesRegex(Exception, "revoked"):
            Token._check_secret(self.secret)

    def test_create_is_closed(self):
        with self.assertRaises(UserError):
            self.env["api.token"].create({"name": "x", "user_id": self.owner.id})

    def test_users_cannot_rewrite_token_ownership_or_expiry(self):
        for user in (self.owner, self.manager):
            for vals in ({"user_id": self.manager.id}, {"expires_at": False}, {"revoked_at": False}):
                with self.subTest(user=user.login, vals=vals), self.assertRaises(AccessError):
                    self.token.with_user(user).write(vals)
        self.token.with_user(self.manager).write({"name": "renamed"})
        self.assertEqual(self.token.name, "renamed")

    def test_visibility_per_group(self):
        Token = self.env["api.token"]
        ours = [("user_id", "in", (self.owner | self.other).ids)]
        self.assertEqual(Token.with_user(self.owner).search([]), self.token)
        self.assertEqual(Token.with_user(self.manager).search(ours), self.token | self.other_token)
        self.assertIn(
            self.env.ref("json_rpc_token.group_api_token_manager"), self.env.ref("base.group_system").implied_ids
        )

    def test_action_revoke(self):
        with self.assertRaises(AccessError):
            self.other_token.with_user(self.owner).action_revoke()
        self.token.with_user(self.owner).action_revoke()
        self.assertEqual(self.token.state, "revoked")
        self.other_token.with_user(self.manager).action_revoke()
        self.assertEqual(self.other_token.state, "revoked")

    def test_state_compute_and_search(self):
        expired, _secret = (
            self.env["api.token"].sudo()._issue(self.owner, "expired", fields.Datetime.now() - timedelta(hours=1))
        )
        self.token._revoke()
        Token = self.env["api.token"]
        mine = [("user_id", "=", self.owner.id)]
        self.assertEqual(expired.state, "expired")
        self.assertEqual(Token.search(mine + [("state", "=", "revoked")]), self.token)
        self.assertEqual(Token.search(mine + [("state", "=", "expired")]), expired)
        self.assertEqual(Token.search(mine + [("state", "=", "active")]), Token)
        self.assertEqual(Token.search(mine + [("state", "!=", "expired")]), self.token)
        self.assertEqual(Token.search(mine + [("state", "in", ["expired", "revoked"])]), self.token | expired)

    def test_default_ttl_from_system_parameter(self):
        ICP = self.env["ir.config_parameter"].sudo()
        ICP.set_param("json_rpc_token.ttl_hours", 2)
        expiry = self.env["api.token"]._default_expiry()
        self.assertAlmostEqual((expiry - fields.Datetime.now()).total_seconds(), 7200, delta=5)
        ICP.set_param("json_rpc_token.ttl_hours", 0)
        expiry = self.env["api.token"]._default_expiry()
        self.assertAlmostEqual(
            (expiry - fields.Datetime.now()).total_seconds(), 720 * 3600, delta=5, msg="no TTL still means the maximum"
        )
        ICP.set_param("json_rpc_token.max_ttl_hours", 0)
        self.assertIsNone(self.env["api.token"]._default_expiry())

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import PASSWORD, JsonCallCase

AUTH, CALL, LOGOUT = "/json-call/user_authenticate", "/json-call", "/json-call/user_logout"


@tagged("post_install", "-at_install")
class TestSecurity(JsonCallCase):
    def setUp(self):
        super().setUp()
        self.ICP = self.env["ir.config_parameter"].sudo()

    def auth(self, **options):
        return self.result(AUTH, {"login": "integrator", "password": PASSWORD, **options})["token"]

    def search(self, token, model="res.partner"):
        return self.rpc(CALL, {"token": token, "model": model, "method": "search_count", "args": [[]]})

    def token_record(self):
        return self.env["api.token"].search([("user_id", "=", self.integrator.id)], limit=1)

    # ------------------------------------------------------------- lifetimes
    def test_default_ttl_expires_in_and_maximum(self):
        self.ICP.set_param("json_rpc_token.ttl_hours", 24)
        self.ICP.set_param("json_rpc_token.max_ttl_hours", 48)
        now = fields.Datetime.now()

        def lifetime(**options):
            self.auth(**options)
            return (self.token_record().expires_at - now).total_seconds()

        self.assertAlmostEqual(lifetime(), 24 * 3600, delta=10)
        self.assertAlmostEqual(lifetime(expires_in=600), 600, delta=10)
        self.assertAlmostEqual(lifetime(expires_in=10**9), 48 * 3600, delta=10, msg="capped by the maximum")
        self.error(AUTH, {"login": "integrator", "password": PASSWORD, "expires_in": 0}, -32602)
        self.error(AUTH, {"login": "integrator", "password": PASSWORD, "expires_in": "1h"}, -32602)

    def test_expired_token_answers_expired(self):
        token = self.auth(expires_in=60)
        self.token_record().sudo().write({"expires_at": fields.Datetime.now() - timedelta(seconds=1)})
        self.assertEqual(self.search(token)["error"]["code"], -32004)

    def test_idle_timeout(self):
        token = self.auth()
        self.assertIn("result", self.search(token))
        self.ICP.set_param("json_rpc_token.idle_timeout_minutes", 30)
        self.assertIn("result", self.search(token), "used a moment ago: alive")
        self.token_record().sudo().write({"last_used_at": fields.Datetime.now() - timedelta(minutes=31)})
        error = self.search(token)["error"]
        self.assertEqual((error["code"], error["message"]), (-32004, "Token expired"))

    # ---------------------------------------------------------------- scopes
    def test_scope_narrows_models_and_methods(self):
        token = self.auth(scope={"models": ["res.partner"], "read_only": True})
        record = self.token_record()
        self.assertEqual((record.scope_models, record.scope_read_only), ("res.partner", True))
        self.assertIn("result", self.search(token))
        self.assertIn(
            "result",
            self.rpc(
                CALL,
                {
                    "token": token,
                    "model": "res.partner",
                    "method": "search_read",
                    "args": [[]],
                    "kwargs": {"fields": ["name"], "limit": 1},
                },
            ),
        )
        self.assertEqual(self.search(token, "res.country")["error"]["code"], -32010)
        error = self.error(
            CALL, {"token": token, "model": "res.partner", "method": "create", "args": [{"name": "no"}]}, -32010
        )
        self.assertIn("read-only", error["data"]["message"])
        self.assertFalse(self.env["res.partner"].search([("name", "=", "no")]))

    def test_scope_never_widens_rights(self):
        token = self.auth(scope={"models": ["res.users"]})
        self.error(
            CALL,
            {"token": token, "model": "res.users", "method": "create", "args": [{"login": "x", "name": "x"}]},
            -32010,
        )

    def test_bad_scopes_and_networks(self):
        base = {"login": "integrator", "password": PASSWORD}
        for scope in (
            {"models": "res.partner"},
            {"models": []},
            {"models": ["no.such"]},
            {"read_only": 1},
            {"modles": ["res.partner"]},
        ):
            with self.subTest(scope=scope):
                self.error(AUTH, {**base, "scope": scope}, -32602)
        self.error(AUTH, {**base, "allowed_networks": ["not-an-ip"]}, -32602)
        self.error(AUTH, {**base, "allowed_networks": "10.0.0.0/8"}, -32602)
        self.assertFalse(self.token_record(), "nothing issued for a bad request")

    # -------------------------------------------------------- IP allow-list
    def test_allowed_networks(self):
        inside = self.auth(allowed_networks=["127.0.0.0/8", "2001:db8::/32"])
        outside = self.auth(allowed_networks=["203.0.113.7"])
        self.assertIn("result", self.search(inside))
        error = self.search(outside)["error"]
        self.assertEqual(error["code"], -32006)

    # ------------------------------------------------------------ revocation
    def test_password_change_revokes(self):
        token = self.auth()
        self.integrator.with_user(self.integrator).change_password(PASSWORD, "New-pass-2026!")
        self.assertEqual(self.search(token)["error"]["code"], -32005)

    def test_archiving_revokes(self):
        token = self.auth()
        self.integrator.action_archive()
        self.assertEqual(self.token_record().state, "revoked")
        self.integrator.action_unarchive()
        self.assertEqual(self.search(token)["error"]["code"], -32005)

    def test_losing_internal_group_revokes(self):
        token = self.auth()
        portal = self.env.ref("base.group_portal")
        self.integrator.write({"groups_id": [(6, 0, [portal.id])]})
        self.assertEqual(self.token_record().state, "revoked")
        self.assertIn("error", self.search(token))

    def test_removal_through_the_group_revokes(self):
        token = self.auth()
        self.env.ref("base.group_user").write({"users": [(3, self.integrator.id)]})
        self.env.ref("base.group_portal").write({"users": [(4, self.integrator.id)]})
        self.assertEqual(self.token_record().state, "revoked")
        self.assertIn("error", self.search(token))

    def test_other_changes_keep_tokens(self):
        token = self.auth()
        self.integrator.write({"name": "Renamed", "groups_id": [(4, self.env.ref("base.group_no_one").id)]})
        self.assertIn("result", self.search(token))

    # ----------------------------------------------------------- brute force
    def test_login_lockout_per_login_then_cooldown_ends(self):
        self.ICP.set_param("base.login_cooldown_after", 3)
        self.ICP.set_param("base.login_cooldown_duration", 600)
        for _attempt in range(3):
            self.error(AUTH, {"login": "integrator", "password": "wrong"}, -32001)
        # the right password is refused during the cooldown, without being checked
        self.error(AUTH, {"login": "integrator", "password": PASSWORD}, -32007)
        # an unknown login is counted the same way: no way to tell logins apart
        self.reset_failure_counters()
        for _attempt in range(3):
            self.error(AUTH, {"login": "ghost", "password": "wrong"}, -32001)
        self.error(AUTH, {"login": "ghost", "password": "wrong"}, -32007)
        # the cooldown ends
        getattr(self.env.registry, "_login_failures", {}).clear()
        self.env["api.token.lockout"].sudo().search([]).write(
            {"last_failure_at": fields.Datetime.now() - timedelta(seconds=601)}
        )
        self.auth()
        self.assertFalse(
            self.env["api.token.lockout"].sudo().search([("key", "=like", "login:integrator")]),
            "a success resets the counter",
        )

    def test_login_lockout_per_ip(self):
        self.ICP.set_param("base.login_cooldown_after", 3)
        for login in ("a", "b", "c"):
            self.error(AUTH, {"login": login, "password": "wrong"}, -32001)
        self.error(AUTH, {"login": "integrator", "password": PASSWORD}, -32007)

    def test_token_guessing_is_rate_limited(self):
        self.ICP.set_param("base.login_cooldown_after", 3)
        token = self.auth()
        self.assertIn("result", self.search(token))
        for guess in range(3):
            self.assertEqual(self.search(f"guess-{guess}")["error"]["code"], -32003)
        self.assertEqual(self.search("guess-again")["error"]["code"], -32007)
        self.assertIn("result", self.search(token), "a known good token is not caught by the guessing lockout")

    # ----------------------------------------------------------------- audit
    def test_audit_log(self):
        Log = self.env["api.token.log"]
        start = Log.search([], limit=1).id or 0
        self.ICP.set_param("base.login_cooldown_after", 2)
        self.error(AUTH, {"login": "integrator", "password": "Wrong-Secret-Password"}, -32001)
        self.error(AUTH, {"login": "integrator", "password": "Wrong-Secret-Password"}, -32001)
        self.reset_failure_counters()
        token = self.auth()
        self.search("not-a-token")
        self.result(LOGOUT, {"token": token})
        other = self.auth()
        self.token_record().action_revoke()
        entries = Log.search([("id", ">", start)], order="id")
        self.assertEqual(
            entries.mapped("event"),
            ["login_failed", "login_failed", "lockout", "login", "token_refused", "logout", "login", "revoke"],
        )
        self.assertEqual(set(entries[:-1].mapped("ip")), {"127.0.0.1"}, "HTTP events carry the client IP")
        self.assertEqual(entries.filtered(lambda e: e.event == "login").user_id, self.integrator)
        dump = str(entries.read())
        for secret in (token, other, PASSWORD, "Wrong-Secret-Password"):
            self.assertNotIn(secret, dump)
        # managers read it, users do not
        self.assertTrue(Log.with_user(self.env.ref("base.user_admin")).search_count([]))
        self.error(CALL, {"token": self.auth(), "model": "api.token.log", "method": "search", "args": [[]]}, -32010)

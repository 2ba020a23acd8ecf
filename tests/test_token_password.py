"""A token is accepted as a password wherever Odoo accepts an API key:
Odoo's own XML-RPC and JSON-RPC (``authenticate``, ``login``,
``execute_kw``), so that any existing connector works with a token. Never
for an interactive login, never with a scope Odoo's RPC could not enforce,
never once dead: checked on every call, over real HTTP as a connector sends
it."""

import xmlrpc.client
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import PASSWORD, JsonCallCase

AUTH = "/json-call/user_authenticate"
SCOPE_ADVICE = "Odoo's XML-RPC/JSON-RPC cannot enforce a token's scope: use /json-call"


@tagged("post_install", "-at_install")
class TestTokenAsPassword(JsonCallCase):
    def setUp(self):
        super().setUp()
        self.db = self.env.cr.dbname
        self.common = xmlrpc.client.ServerProxy(self.base_url() + "/xmlrpc/2/common")
        self.object = xmlrpc.client.ServerProxy(self.base_url() + "/xmlrpc/2/object")
        self.uid = self.integrator.id

    def token(self, **options):
        return self.result(AUTH, {"login": "integrator", "password": PASSWORD, **options})["token"]

    def record(self, token_uid=None):
        return self.env["api.token"].sudo().search([("user_id", "=", token_uid or self.uid)], limit=1)

    def own_login(self, secret, uid=None):
        """execute_kw over XML-RPC: the login of the user the call runs as."""
        return self.object.execute_kw(
            self.db,
            uid or self.uid,
            secret,
            "res.users",
            "search_read",
            [[["id", "=", uid or self.uid]]],
            {"fields": ["login"]},
        )[0]["login"]

    def assert_refused(self, secret, uid=None, message=None):
        """Refused on every path as Odoo refuses a wrong password:
        ``authenticate`` and ``login`` answer False (Odoo's way), execute_kw
        the XML-RPC fault 3 with the reason, never the secret. Returns the
        reason."""
        self.env.flush_all()  # xmlrpc.client is no HttpCase opener, which would flush
        if uid is None:
            self.assertIs(self.common.authenticate(self.db, "integrator", secret, {}), False)
            self.assertIs(self.common.login(self.db, "integrator", secret), False)
        with self.assertRaises(xmlrpc.client.Fault) as refused:
            self.own_login(secret, uid)
        fault = refused.exception
        self.assertEqual(fault.faultCode, 3, fault.faultString)
        self.assertNotIn(secret, fault.faultString)
        if message:
            self.assertIn(message, fault.faultString)
        self.reset_failure_counters()
        return fault.faultString

    def jsonrpc(self, service, method, *args):
        return self.post(
            "/jsonrpc",
            {
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {"service": service, "method": method, "args": list(args)},
            },
        )

    # ----------------------------------------------------------- accepted
    def test_xmlrpc_authenticate_login_and_execute_kw(self):
        token = self.token()
        self.assertEqual(self.common.authenticate(self.db, "integrator", token, {}), self.uid)
        self.assertEqual(self.common.login(self.db, "integrator", token), self.uid)
        self.assertEqual(self.own_login(token), "integrator")
        partner_id = self.object.execute_kw(self.db, self.uid, token, "res.partner", "create", [{"name": "By token"}])
        self.assertEqual(
            self.env["res.partner"].browse(partner_id).create_uid, self.integrator, "the call ran as the token's user"
        )
        with self.assertRaises(xmlrpc.client.Fault) as refused:
            self.object.execute_kw(self.db, self.uid, token, "ir.config_parameter", "search_read", [[]])
        self.assertEqual(refused.exception.faultCode, 4, "the user's rights apply: an ACL it lacks refuses")
        self.assertTrue(self.record().last_used_at, "the use is stamped")

    def test_jsonrpc_authenticate_and_execute_kw(self):
        token = self.token()
        self.assertEqual(self.jsonrpc("common", "authenticate", self.db, "integrator", token, {})["result"], self.uid)
        answer = self.jsonrpc(
            "object",
            "execute_kw",
            self.db,
            self.uid,
            token,
            "res.users",
            "search_read",
            [[["id", "=", self.uid]]],
            {"fields": ["login"]},
        )
        self.assertEqual(answer["result"][0]["login"], "integrator")
        answer = self.jsonrpc(
            "object",
            "execute_kw",
            self.db,
            self.uid,
            token,
            "res.users",
            "write",
            [[self.colleague.id], {"name": "Renamed by token"}],
        )
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError", "the user's rights apply")

    # ------------------------------------------------------------ refused
    def test_expired_revoked_idle_tokens_refused(self):
        expired, revoked, idle = self.token(), self.token(), self.token()
        self.assertEqual(self.own_login(expired), "integrator")
        Token = self.env["api.token"].sudo()
        records = Token.search([("user_id", "=", self.uid)], order="id")
        records[0].write({"expires_at": fields.Datetime.now() - timedelta(seconds=1)})
        self.assertIn("expired", self.assert_refused(expired))
        records[1]._revoke()
        self.assertIn("revoked", self.assert_refused(revoked))
        self.env["ir.config_parameter"].sudo().set_param("json_rpc_token.idle_timeout_minutes", 30)
        records[2].write({"last_used_at": fields.Datetime.now() - timedelta(minutes=31)})
        self.assertIn("unused for more than 30 minutes", self.assert_refused(idle))

    def test_revoked_while_in_use_is_refused_at_once(self):
        """Odoo caches the (uid, password) pairs its execute_kw accepted:
        not a token's."""
        token = self.token()
        for _call in range(3):
            self.assertEqual(self.own_login(token), "integrator")
        self.assertEqual(
            self.jsonrpc("object", "execute_kw", self.db, self.uid, token, "res.partner", "search_count", [[]])[
                "result"
            ]
            >= 0,
            True,
        )
        self.record()._revoke()
        self.assert_refused(token)
        answer = self.jsonrpc("object", "execute_kw", self.db, self.uid, token, "res.partner", "search_count", [[]])
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessDenied")
        self.assertEqual(answer["error"]["data"]["message"], "The token has been revoked.")

    def test_token_of_another_user_refused(self):
        token = self.token()
        self.assertEqual(self.own_login(token), "integrator")
        message = self.assert_refused(token, uid=self.colleague.id)
        self.assertEqual(message, "The token is not a token of this user.")
        self.assertIs(self.common.authenticate(self.db, "colleague", token, {}), False)

    def test_scoped_and_read_only_tokens_refused_with_the_reason(self):
        scoped = self.token(scope={"models": ["res.partner", "res.country"]})
        read_only = self.token(scope={"read_only": True})
        self.assertIn(
            "result",
            self.rpc("/json-call", {"token": scoped, "model": "res.partner", "method": "search_count", "args": [[]]}),
        )
        message = self.assert_refused(scoped, message=SCOPE_ADVICE)
        self.assertIn("limited to the models res.country, res.partner", message)
        message = self.assert_refused(read_only, message=SCOPE_ADVICE)
        self.assertIn("limited to read methods", message)
        answer = self.jsonrpc("object", "execute_kw", self.db, self.uid, read_only, "res.partner", "search_count", [[]])
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessDenied")
        self.assertIn(SCOPE_ADVICE, answer["error"]["data"]["message"])

    def test_allowed_networks_apply(self):
        inside = self.token(allowed_networks=["127.0.0.0/8"])
        outside = self.token(allowed_networks=["203.0.113.0/24"])
        self.assertEqual(self.own_login(inside), "integrator")
        self.assertEqual(self.assert_refused(outside), "This token may not be used from 127.0.0.1.")

    def test_never_an_interactive_login(self):
        token = self.token()
        self.assertEqual(self.common.authenticate(self.db, "integrator", token, {}), self.uid)
        answer = self.rpc("/web/session/authenticate", {"db": self.db, "login": "integrator", "password": token})
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessDenied")
        self.assertNotIn(token, str(answer))
        # the identity check (password confirmation before a sensitive action)
        check = self.env["res.users.identitycheck"].with_user(self.integrator).create({"password": token})
        with self.assertRaises(UserError):
            check._check_identity()
        # nor is a token traded for another token
        self.error(AUTH, {"login": "integrator", "password": token}, -32001)

    def test_wrong_password_refused_and_not_counted_as_a_token_guess(self):
        token = self.token()
        self.assertEqual(self.common.authenticate(self.db, "integrator", token, {}), self.uid)
        for wrong in ("wrong password", token[:-1] + ("A" if token[-1] != "A" else "B")):
            with self.subTest(wrong=wrong):
                self.assertIs(self.common.authenticate(self.db, "integrator", wrong, {}), False)
                with self.assertRaises(xmlrpc.client.Fault) as refused:
                    self.own_login(wrong)
                self.assertEqual(refused.exception.faultCode, 3)
        self.assertFalse(
            self.env["api.token.lockout"].sudo().search([("key", "=like", "token-ip:%")]),
            "a password is no token guess",
        )
        self.reset_failure_counters()
        self.assertEqual(
            self.common.authenticate(self.db, "integrator", PASSWORD, {}), self.uid, "the password still works"
        )
        self.assertEqual(self.own_login(token), "integrator")

    def test_password_guessing_on_odoo_rpc_is_locked_out(self):
        """Odoo's own login cooldown does not run on its RPC (its services
        run without the request it keys on): this addon's lockout does, as
        on user_authenticate. A valid token is never locked out."""
        token = self.token()
        self.env["ir.config_parameter"].sudo().set_param("base.login_cooldown_after", 3)
        self.env.flush_all()  # xmlrpc.client is no HttpCase opener, which would flush
        for _n in range(3):
            self.assertIs(self.common.authenticate(self.db, "integrator", "wrong password", {}), False)
        self.assertIs(
            self.common.authenticate(self.db, "integrator", PASSWORD, {}),
            False,
            "in cooldown: even the right password is refused",
        )
        with self.assertRaises(xmlrpc.client.Fault) as refused:
            self.own_login("another wrong password")
        self.assertEqual(refused.exception.faultCode, 3)
        self.assertIn("Too many failures", refused.exception.faultString)
        self.assertEqual(self.own_login(token), "integrator", "a valid token is never locked out")
        logged = self.env["api.token.log"].sudo().search([("event", "=", "login_failed"), ("login", "=", "integrator")])
        self.assertGreaterEqual(len(logged), 3, "each failure is in the audit trail")

    def test_execute_kw_checks_the_token_in_the_calls_own_transaction(self):
        """No cursor of its own for the token: it is read as the first query
        of the call's transaction, so an execute_kw with a token opens no
        more cursors than one with an API key that Odoo has cached (what
        makes it as cheap, without caching it)."""
        from unittest.mock import patch
        from odoo.modules.registry import Registry

        token = self.token()
        api_key = (
            self.env["res.users.apikeys"]
            .with_user(self.integrator)
            ._generate(None, "rpc", fields.Datetime.now() + timedelta(days=1))
        )
        self.env.flush_all()

        def cursors(secret):
            self.assertEqual(self.own_login(secret), "integrator")  # warm: key cached, token's use stamped
            cursor, opened = Registry.cursor, []
            with patch.object(
                Registry, "cursor", lambda registry, *a, **kw: opened.append(1) or cursor(registry, *a, **kw)
            ):
                self.assertEqual(self.own_login(secret), "integrator")
            return len(opened)

        self.assertEqual(cursors(token), cursors(api_key))

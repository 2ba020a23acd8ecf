"""What a stolen token, a guesser or a sprayer can and cannot do, tried over
real HTTP as an attacker would (issue "Trust holds")."""

import collections
import datetime
import json
import statistics
import time
from datetime import timedelta
from unittest.mock import patch

import odoo
from odoo import fields
from odoo.tests import tagged, new_test_user
from odoo.tools import config

from .common import PASSWORD, JsonCallCase

AUTH, CALL = "/json-call/user_authenticate", "/json-call"


@tagged("post_install", "-at_install")
class TestStolenTokenWithForeignSession(JsonCallCase):
    """The thief holds the victim's token and an identity-checked session of
    their own (a portal user's): nothing of that session may reach the call."""

    def setUp(self):
        super().setUp()
        self.token = self.login()
        new_test_user(self.env, login="thief", password="Thief-pass-2026", groups="base.group_portal")
        self.authenticate("thief", "Thief-pass-2026")  # the opener now sends the thief's cookie
        self.session["identity-check-last"] = time.time()  # "password confirmed a minute ago"
        odoo.http.root.session_store.save(self.session)

    def victim_call(self, model, method, args, kwargs=None):
        return self.rpc(
            CALL, {"token": self.token, "model": model, "method": method, "args": args, "kwargs": kwargs or {}}
        )

    def assert_no_identity_action(self, answer):
        """A ``check_identity`` method answers the password wizard, never its result."""
        result = answer.get("result")
        self.assertTrue(isinstance(result, dict) and result.get("res_model") == "res.users.identitycheck", answer)

    def test_cannot_mint_an_odoo_api_key(self):
        keys_before = self.env["res.users.apikeys"].sudo().search_count([("user_id", "=", self.integrator.id)])
        wizard = self.victim_call("res.users.apikeys.description", "create", [{"name": "backdoor"}])["result"]
        answer = self.victim_call("res.users.apikeys.description", "make_key", [[wizard]])
        self.assert_no_identity_action(answer)
        self.assertEqual(
            self.env["res.users.apikeys"].sudo().search_count([("user_id", "=", self.integrator.id)]), keys_before
        )

    def test_cannot_change_the_password(self):
        wizard = self.victim_call(
            "change.password.own",
            "create",
            [{"new_password": "Taken-over-2026", "confirm_password": "Taken-over-2026"}],
        )["result"]
        self.assert_no_identity_action(self.victim_call("change.password.own", "change_password", [[wizard]]))
        # nor with Odoo's RPC method, which checks the old password interactively
        answer = self.victim_call("res.users", "change_password", [PASSWORD, "Taken-over-2026"])
        self.assertIn("error", answer)
        self.env.invalidate_all()
        self.assertTrue(self.login(), "the victim's password still works")

    def test_cannot_turn_the_token_into_a_fresh_one(self):
        wizard = self.victim_call("api.token.wizard", "create", [{"name": "fresh"}])["result"]
        self.assert_no_identity_action(self.victim_call("api.token.wizard", "action_generate", [[wizard]]))
        self.assertEqual(self.env["api.token"].sudo().search_count([("user_id", "=", self.integrator.id)]), 1)

    def test_a_token_never_confirms_a_password(self):
        """Even with the victim's password, the identity check fails inside a token call."""
        wizard = self.victim_call("res.users.apikeys.description", "create", [{"name": "backdoor"}])["result"]
        check = self.victim_call("res.users.apikeys.description", "make_key", [[wizard]])["result"]["res_id"]
        self.victim_call("res.users.identitycheck", "write", [[check], {"password": PASSWORD}])
        answer = self.victim_call("res.users.identitycheck", "run_check", [[check]])
        self.assertEqual(answer["error"]["code"], -32021, answer)
        self.assertFalse(self.env["res.users.apikeys"].sudo().search([("user_id", "=", self.integrator.id)]))

    def test_every_route_of_the_addon_ignores_cookies(self):
        """A later protocol route must be added to TOKEN_ROUTE_PREFIXES, or this fails.
        Pages for a logged-in user (``auth='user'``: the model reference) are
        no token routes: they need the browser session. So is the model
        reference's first page (``auth='public'``): the session's reference
        for a logged-in user, else a sign-in form whose script calls the
        token routes without cookies; it takes no token itself."""
        from odoo.addons.json_rpc_token.http_layer.token_session import is_token_path

        browser_pages = {"/json_rpc_token/models"}
        ours = [
            url
            for url, endpoint in odoo.http._generate_routing_rules(["json_rpc_token"], nodb_only=False)
            if endpoint.routing["auth"] != "user" and url not in browser_pages
        ]
        self.assertTrue(ours)
        self.assertEqual([path for path in ours if not is_token_path(path)], [])

    def test_the_cookie_is_neither_used_nor_changed(self):
        response = self.http(
            "POST",
            CALL,
            data='{"params": {"token": "%s", "model": "res.users", '
            '"method": "read", "args": [[%d], ["login"]]}}' % (self.token, self.integrator.id),
        )
        self.assertEqual(response.json()["result"][0]["login"], "integrator")
        self.assertNotIn("Set-Cookie", response.headers, "a token call never sets or rotates a session")
        self.assertEqual(
            self.url_open(
                "/web/session/get_session_info", data="{}", headers={"Content-Type": "application/json"}
            ).json()["result"]["uid"],
            self.session.uid,
            "the thief's own session is left as it was",
        )


@tagged("post_install", "-at_install")
class TestRevocationInsideABatch(JsonCallCase):
    def test_a_member_that_revokes_the_token_stops_the_next_ones(self):
        token = self.login()
        token_id = self.env["api.token"].search([("user_id", "=", self.integrator.id)]).id

        def member(request_id, model, method, args):
            return {
                "jsonrpc": "2.0",
                "id": request_id,
                "params": {"token": token, "model": model, "method": method, "args": args},
            }

        response = self.http(
            "POST",
            CALL,
            json.dumps(
                [
                    member(1, "res.partner", "search_count", [[]]),
                    member(2, "res.partner", "search_count", [[]]),
                    member(3, "api.token", "action_revoke", [[token_id]]),
                    member(4, "res.partner", "search_count", [[]]),
                ]
            ),
        )
        answers = {answer["id"]: answer for answer in response.json()}
        self.assertIn("result", answers[2])
        self.assertIs(answers[3]["result"], True)
        self.assertEqual(answers[4]["error"]["code"], -32005, "the read after the revocation is refused")


@tagged("post_install", "-at_install")
class TestScopesFailClosed(JsonCallCase):
    def test_scope_of_a_removed_model_allows_nothing(self):
        custom = self.env["ir.model"].create({"name": "Scope Probe", "model": "x_scope_probe"})
        token = self.result(
            AUTH, {"login": "integrator", "password": PASSWORD, "scope": {"models": ["x_scope_probe"]}}
        )["token"]
        self.assertEqual(
            self.call_error(token, "res.partner", "search", [[]], code=-32010)["data"]["message"],
            "This token may not use the model 'res.partner'.",
        )
        custom.unlink()  # the module that defined it is uninstalled
        self.call_error(token, "res.partner", "search", [[]], code=-32010)
        self.call_error(token, "res.users", "search_read", [[]], code=-32010)


@tagged("post_install", "-at_install")
class TestLoginOracle(JsonCallCase):
    """The answer, the counting and the time tell nothing about which logins exist."""

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("base.login_cooldown_after", 0)
        self.portal = new_test_user(self.env, login="portal-customer", password=PASSWORD, groups="base.group_portal")

    def failure(self, login, password):
        error = self.error(AUTH, {"login": login, "password": password}, -32001)
        return error["message"], error["data"]["message"], error["data"]["name"]

    def test_one_answer_for_every_failure(self):
        long_password = "x" * 5000
        answers = {
            "wrong password": self.failure("integrator", "wrong"),
            "unknown login": self.failure("nobody-here", "wrong"),
            "portal user, right password": self.failure("portal-customer", PASSWORD),
            "long password, existing": self.failure("integrator", long_password),
            "long password, portal": self.failure("portal-customer", long_password),
            "long password, unknown": self.failure("nobody-here", long_password),
            "10 KB login": self.failure("l" * 10_000, "wrong"),
        }
        self.assertEqual(len(set(answers.values())), 1, answers)

    def test_odoos_per_process_cooldown_is_replaced(self):
        """Odoo's in-memory cooldown (per process, per address) answered
        oddly on the API; the database-backed one decides alone."""
        registry = self.env.registry
        registry._login_failures = collections.defaultdict(lambda: (0, datetime.datetime.min))
        registry._login_failures["127.0.0.1"] = (1000, datetime.datetime.now())
        self.env["ir.config_parameter"].sudo().set_param("base.login_cooldown_after", 5)
        self.assertTrue(self.login(), "no failure counted by this addon: the login is served")

    def test_long_inputs_are_counted_and_audited(self):
        self.env["ir.config_parameter"].sudo().set_param("base.login_cooldown_after", 3)
        Log = self.env["api.token.log"]
        start = Log.search([], limit=1).id or 0
        for _attempt in range(3):
            self.failure("integrator", "x" * 5000)
        self.error(AUTH, {"login": "integrator", "password": PASSWORD}, -32007)
        self.reset_failure_counters()
        for _attempt in range(3):
            self.failure("l" * 10_000, "wrong")
        self.error(AUTH, {"login": "l" * 10_000, "password": "wrong"}, -32007)
        events = Log.search([("id", ">", start), ("event", "=", "login_failed")])
        self.assertEqual(len(events), 6)
        self.assertEqual(set(map(len, events.mapped("login"))), {len("integrator"), 128})

    def test_failures_take_the_same_time(self):
        # Odoo's test classes hash with 1 round; an oracle needs real hashes
        real_crypt_context = self._crypt_context_patcher.temp_original
        patcher = patch.object(type(self.env["res.users"]), "_crypt_context", real_crypt_context)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.integrator.password = PASSWORD  # hashed with the real work factor

        def median_ms(login):
            times = []
            for _attempt in range(3):
                start = time.perf_counter()
                self.failure(login, "Wrong-password-1")
                times.append(time.perf_counter() - start)
            return statistics.median(times) * 1000

        median_ms("nobody-here")  # first use builds the dummy hash
        known, unknown = median_ms("integrator"), median_ms("nobody-here")
        archived = self.colleague
        archived.active = False
        inactive = median_ms("colleague")
        # a password hash costs hundreds of ms, the rest a few: an oracle shows as a ratio of ~20
        self.assertGreater(unknown / known, 0.5, f"known {known:.0f} ms, unknown {unknown:.0f} ms")
        self.assertGreater(inactive / known, 0.5, f"known {known:.0f} ms, archived {inactive:.0f} ms")


@tagged("post_install", "-at_install")
class TestLockoutPolicy(JsonCallCase):
    """Counters stop guessing without letting an attacker lock real clients out.
    Addresses are told apart as a trusted reverse proxy tells them."""

    AFTER, DURATION = 3, 60

    def setUp(self):
        super().setUp()
        ICP = self.env["ir.config_parameter"].sudo()
        ICP.set_param("base.login_cooldown_after", self.AFTER)
        ICP.set_param("base.login_cooldown_duration", self.DURATION)
        patcher = patch.dict(config.options, {"proxy_mode": True, "json_rpc_token_trusted_proxies": "127.0.0.1"})
        patcher.start()
        self.addCleanup(patcher.stop)

    def attempt(self, login, password, address):
        headers = {"X-Forwarded-For": address, "X-Forwarded-Host": "api.example"}
        return self.rpc(AUTH, {"login": login, "password": password}, headers=headers)

    def code(self, answer):
        return answer.get("error", {}).get("code")

    def age_failures(self, seconds):
        self.env["api.token.lockout"].sudo().search([("last_failure_at", "!=", False)]).write(
            {"last_failure_at": fields.Datetime.now() - timedelta(seconds=seconds)}
        )

    def test_a_single_failure_after_the_cooldown_does_not_lock_again(self):
        for _attempt in range(self.AFTER):
            self.assertEqual(self.code(self.attempt("integrator", "wrong", "198.51.100.1")), -32001)
        self.assertEqual(self.code(self.attempt("integrator", PASSWORD, "198.51.100.2")), -32007)
        self.age_failures(self.DURATION + 1)
        self.assertEqual(self.code(self.attempt("integrator", "wrong", "198.51.100.3")), -32001)
        self.assertIn(
            "result",
            self.attempt("integrator", PASSWORD, "198.51.100.4"),
            "one failure a minute must not keep the login locked for good",
        )
        # failures that keep coming still lock it again
        for _attempt in range(self.AFTER):
            self.attempt("integrator", "wrong", "198.51.100.3")
        self.assertEqual(self.code(self.attempt("integrator", PASSWORD, "198.51.100.5")), -32007)

    def test_own_success_does_not_wipe_the_address_counter(self):
        sprayer = "203.0.113.66"
        new_test_user(self.env, login="attacker", password="Attacker-pass-2026", groups="base.group_user")
        for victim in ("alice", "bob", "carol"):
            self.assertIn("result", self.attempt("attacker", "Attacker-pass-2026", sprayer))
            self.assertEqual(self.code(self.attempt(victim, "guess", sprayer)), -32001)
        self.assertEqual(
            self.code(self.attempt("dave", "guess", sprayer)),
            -32007,
            "interleaved successes must not reset the sprayer's address counter",
        )

    def test_a_trusted_address_is_not_locked_out_from_elsewhere(self):
        office = "192.0.2.10"
        self.assertIn("result", self.attempt("integrator", PASSWORD, office))
        for attacker in ("203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"):
            self.attempt("integrator", "wrong", attacker)
        self.assertEqual(
            self.code(self.attempt("integrator", PASSWORD, "203.0.113.9")),
            -32007,
            "the login is locked for new addresses",
        )
        self.assertIn(
            "result",
            self.attempt("integrator", PASSWORD, office),
            "the address it last logged in from is not locked out by others' failures",
        )
        # its own failures still count against it
        for _attempt in range(self.AFTER):
            self.attempt("integrator", "wrong", office)
        self.assertEqual(self.code(self.attempt("integrator", PASSWORD, office)), -32007)

    def test_guessers_never_lock_out_valid_tokens(self):
        nat = "198.51.100.77"
        headers = {"X-Forwarded-For": nat, "X-Forwarded-Host": "api.example"}
        fresh = self.login()  # issued, never used from there
        for guess in range(self.AFTER + 2):
            self.rpc(
                CALL,
                {"token": f"guess-{guess}", "model": "res.partner", "method": "search_count", "args": [[]]},
                headers=headers,
            )
        guess = self.rpc(
            CALL,
            {"token": "guess-more", "model": "res.partner", "method": "search_count", "args": [[]]},
            headers=headers,
        )
        self.assertEqual(self.code(guess), -32007, "the guesser is slowed down")
        answer = self.rpc(
            CALL, {"token": fresh, "model": "res.partner", "method": "search_count", "args": [[]]}, headers=headers
        )
        self.assertIn("result", answer, "a valid token from the same address is served")


@tagged("post_install", "-at_install")
class TestTokensIssuedForApiKeys(JsonCallCase):
    def key(self, expiration=None):
        return self.env["res.users.apikeys"].with_user(self.integrator).sudo()._generate(None, "connector", expiration)

    def test_token_dies_with_its_api_key(self):
        key = self.key()
        token = self.login(password=key)
        self.call(token, "res.partner", "search_count", [[]])
        self.env["res.users.apikeys"].sudo().search([("user_id", "=", self.integrator.id)])._remove()
        self.call_error(token, "res.partner", "search_count", [[]], code=-32003)

    def test_token_never_outlives_its_api_key(self):
        expiry = fields.Datetime.now() + timedelta(hours=2)
        token_record = self.env["api.token"]
        self.login(password=self.key(expiry))
        token_record = token_record.search([("user_id", "=", self.integrator.id)])
        self.assertLessEqual(token_record.expires_at, expiry)
        self.assertTrue(token_record.apikey_id)
        self.login()  # with the password: the default lifetime, no key
        self.assertFalse(token_record.search([("user_id", "=", self.integrator.id)], limit=1).apikey_id)

"""Rate limits over real HTTP: per token (its own, or the default of every
token), per user over all their tokens; refused with -32029 and the seconds
to wait, HTTP 429 and ``Retry-After`` where the dialect answers statuses.
(Across processes and servers: tests/test_live_rate_limit.py.)"""

import json
import xmlrpc.client

from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .common import PASSWORD, JsonCallCase

AUTH = "/json-call/user_authenticate"
DEFAULT_PARAM = "json_rpc_token.rate_limit_per_minute"
RATE_LIMITED = -32029


@tagged("post_install", "-at_install")
class TestRateLimit(JsonCallCase):
    # the counters are written in a cursor of their own, which a test's
    # read-only cursor (JSON-2 reads) would have to share (see test_json2)
    readonly_enabled = False

    def token(self, login="integrator", **options):
        return self.result(AUTH, {"login": login, "password": PASSWORD, **options})["token"]

    def count(self, token):
        return self.call(token, "res.partner", "search_count", [[]])

    def assert_rate_limited(self, token, limit):
        error = self.call_error(token, "res.partner", "search_count", [[]], code=RATE_LIMITED)
        self.assertEqual(error["message"], "Rate limit exceeded")
        self.assertEqual(error["data"]["name"], "odoo.addons.json_rpc_token.errors.RateLimitExceeded")
        self.assertIn(f"at most {limit} calls per minute", error["data"]["message"])
        retry_after = error["data"]["retry_after"]
        self.assertIsInstance(retry_after, int)
        self.assertTrue(1 <= retry_after <= 120, retry_after)
        return error

    def counter_rows(self, token_id):
        self.env.cr.execute(
            "SELECT count(*) FROM api_token_rate WHERE key IN (%s, %s)",
            [f"token:{token_id}", f"user:{self.integrator.id}"],
        )
        return self.env.cr.fetchone()[0]

    def test_limits_off_by_default_count_nothing(self):
        token = self.token()
        for _n in range(5):
            self.count(token)
        token_id = self.env["api.token"].sudo().search([("user_id", "=", self.integrator.id)]).id
        self.assertEqual(self.counter_rows(token_id), 0, "no limit, no counter written")
        self.integrator.api_rate_limit = 100
        self.count(token)
        self.assertEqual(self.counter_rows(token_id), 1, "the user's counter")

    def test_token_limit_set_at_login(self):
        token = self.token(rate_limit=3)
        for _n in range(3):
            self.count(token)
        self.assert_rate_limited(token, 3)
        # a refused call is not counted, and another token is not held back
        self.assert_rate_limited(token, 3)
        self.count(self.token())

    def test_default_limit_of_every_token(self):
        self.env["ir.config_parameter"].sudo().set_param(DEFAULT_PARAM, "2")
        token = self.token()
        self.count(token)
        self.count(token)
        self.assert_rate_limited(token, 2)

    def test_login_may_lower_the_default_never_raise_it(self):
        self.env["ir.config_parameter"].sudo().set_param(DEFAULT_PARAM, "5")
        error = self.error(AUTH, {"login": "integrator", "password": PASSWORD, "rate_limit": 6}, -32602)
        self.assertIn("at most 5 calls per minute", error["data"]["message"])
        for wrong in (0, -1, "3", True):
            self.error(AUTH, {"login": "integrator", "password": PASSWORD, "rate_limit": wrong}, -32602)
        token = self.token(rate_limit=1)
        self.assertEqual(self.env["api.token"].sudo().search([], limit=1).rate_limit, 1)
        self.count(token)
        self.assert_rate_limited(token, 1)

    def test_user_limit_over_all_tokens(self):
        self.integrator.api_rate_limit = 3
        first, second = self.token(), self.token()
        self.count(first)
        self.count(second)
        self.count(first)
        error = self.assert_rate_limited(second, 3)
        self.assertIn("for this user", error["data"]["message"])
        self.assert_rate_limited(first, 3)
        self.count(self.token("colleague"))  # another user's own count

    def test_each_batch_member_counts(self):
        token = self.token(rate_limit=2)
        member = {"jsonrpc": "2.0", "params": {"model": "res.partner", "method": "search_count", "args": [[]]}}
        answers = self.opener.post(
            self.base_url() + "/json-call",
            data=json.dumps([{**member, "id": n} for n in range(3)]),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            timeout=20,
        ).json()
        self.assertEqual(["result" in answer for answer in answers], [True, True, False])
        self.assertEqual(answers[2]["error"]["code"], RATE_LIMITED)

    def test_rest_and_json2_answer_429_with_retry_after(self):
        token = self.token(rate_limit=1)
        headers = {"Authorization": f"Bearer {token}"}
        self.assertEqual(self.http("GET", "/api/res.partner/?page_size=1", headers=headers).status_code, 200)
        refused = self.http("GET", "/api/res.partner/?page_size=1", headers=headers)
        self.assertEqual(refused.status_code, 429, refused.text)
        error = refused.json()["error"]
        self.assertEqual(error["code"], RATE_LIMITED)
        self.assertEqual(refused.headers["Retry-After"], str(error["data"]["retry_after"]))
        refused = self.http("POST", "/json/2/res.partner/search_count", '{"domain": []}', headers)
        self.assertEqual(refused.status_code, 429, refused.text)
        self.assertEqual(refused.json()["name"], "odoo.addons.json_rpc_token.errors.RateLimitExceeded")
        self.assertEqual(refused.headers["Retry-After"], str(refused.json()["retry_after"]))

    def test_json2_api_key_counts_towards_its_user(self):
        self.integrator.api_rate_limit = 1
        key = self.env["res.users.apikeys"].with_user(self.integrator).sudo()._generate(None, "rate", None)
        headers = {"Authorization": f"bearer {key}"}
        body = '{"domain": []}'
        self.assertEqual(self.http("POST", "/json/2/res.partner/search_count", body, headers).status_code, 200)
        self.assertEqual(self.http("POST", "/json/2/res.partner/search_count", body, headers).status_code, 429)

    def test_json2_api_key_has_the_default_limit_of_every_token(self):
        """Every credential this addon accepts counts: an Odoo API key has
        the default limit of a token, counted on its own."""
        self.env["ir.config_parameter"].sudo().set_param(DEFAULT_PARAM, "2")
        Keys = self.env["res.users.apikeys"].with_user(self.integrator).sudo()
        key, other_key = Keys._generate(None, "rate", None), Keys._generate(None, "rate 2", None)
        body = '{"domain": []}'

        def call(secret):
            return self.http("POST", "/json/2/res.partner/search_count", body, {"Authorization": f"bearer {secret}"})

        self.assertEqual([call(key).status_code for _n in range(3)], [200, 200, 429])
        refused = call(key)
        self.assertEqual(refused.status_code, 429, refused.text)
        self.assertIn("at most 2 calls per minute for this API key", refused.json()["message"])
        self.assertEqual(refused.headers["Retry-After"], str(refused.json()["retry_after"]))
        self.assertEqual(call(other_key).status_code, 200, "another key has its own count")

    def test_the_per_minute_counters_of_18_0_1_7_0_are_replaced_at_the_upgrade(self):
        """Counts are disposable: init() drops a table of the old shape and
        makes the per-second one (and its function); limits then work."""
        cr = self.env.cr
        cr.execute("DROP TABLE api_token_rate")
        cr.execute("""CREATE UNLOGGED TABLE api_token_rate (key varchar NOT NULL, minute bigint NOT NULL,
                      calls integer NOT NULL, PRIMARY KEY (key, minute))""")
        cr.execute("INSERT INTO api_token_rate VALUES ('token:1', 1, 5)")
        self.env["api.token.rate.limit"].init()
        self.env["api.token.rate.limit"].init()  # and again: nothing to do
        cr.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'api_token_rate' "
            "ORDER BY ordinal_position"
        )
        self.assertEqual([name for (name,) in cr.fetchall()], ["key", "second", "counts"])
        token = self.token(rate_limit=2)
        self.count(token)
        self.count(token)
        self.assert_rate_limited(token, 2)

    def test_token_as_xmlrpc_password_is_limited(self):
        token = self.token(rate_limit=1)
        self.env.flush_all()
        models = xmlrpc.client.ServerProxy(self.base_url() + "/xmlrpc/2/object")
        call = (self.env.cr.dbname, self.integrator.id, token, "res.partner", "search_count", [[]])
        models.execute_kw(*call)
        with self.assertRaises(xmlrpc.client.Fault) as refused:
            models.execute_kw(*call)
        self.assertEqual(refused.exception.faultCode, 3)
        self.assertIn("Rate limit exceeded", refused.exception.faultString)
        self.assertNotIn(token, refused.exception.faultString)


@tagged("post_install", "-at_install")
class TestRateLimitWizard(JsonCallCase):
    """The New API Token wizard: a user may lower the default, a manager
    may set any limit; the token issued keeps it."""

    def issue(self, user, rate_limit, for_user=None):
        form = Form(self.env["api.token.wizard"].with_user(user))
        if for_user:
            form.user_id = for_user
        form.name = "rate"
        form.rate_limit = rate_limit
        return form.save()._generate()["context"]["default_secret"]

    def test_wizard_rate_limit(self):
        self.env["ir.config_parameter"].sudo().set_param(DEFAULT_PARAM, "5")
        with self.assertRaisesRegex(UserError, "at most 5 calls per minute"):
            self.issue(self.integrator, 6)
        secret = self.issue(self.integrator, 1)
        self.assertEqual(self.env["api.token"].sudo().search([("user_id", "=", self.integrator.id)]).rate_limit, 1)
        # a manager issues only for users whose rights they hold (the integrator creates contacts)
        manager = new_test_user(
            self.env,
            login="rate-manager",
            groups="base.group_user,base.group_partner_manager,json_rpc_token.group_api_token_manager",
        )
        self.issue(manager, 1000, for_user=self.integrator)
        self.assertEqual(self.env["api.token"].sudo().search([("name", "=", "rate")], limit=1).rate_limit, 1000)
        self.env.flush_all()
        self.call(secret, "res.partner", "search_count", [[]])
        self.call_error(secret, "res.partner", "search_count", [[]], code=RATE_LIMITED)

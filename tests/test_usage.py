"""Usage metering over real HTTP: calls, errors and server time per token
and per hour, counted in the server process and written by a flush, never
a write per call; readable by the token's user and managers; purged after
the retention; shown in the backend's API Usage graph."""

import json
import xmlrpc.client
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from ..core import call_context, usage
from .common import PASSWORD, JsonCallCase
from .pictures import taking_pictures

CALL = "/json-call"


@tagged("post_install", "-at_install")
class TestUsage(JsonCallCase):
    def setUp(self):
        super().setUp()
        self.Usage = self.env["api.token.usage"].sudo()
        self.flush()  # what earlier tests left counted; the interval starts now
        self.token = self.login()
        self.token_id = self.env["api.token"].sudo().search([("user_id", "=", self.integrator.id)], limit=1).id

    def flush(self):
        usage.flush(self.env.cr.dbname)
        self.env.invalidate_all()

    def total_calls(self):
        """All calls written, of every token: live tests commit theirs in
        this database too."""
        return sum(self.Usage.search([]).mapped("calls"))

    def usage_of(self, token_id):
        rows = self.Usage.search([("token_id", "=", token_id)])
        return sum(rows.mapped("calls")), sum(rows.mapped("errors")), sum(rows.mapped("server_time")), rows

    def test_calls_and_errors_are_counted_and_written_by_the_flush_only(self):
        before = self.total_calls()
        for _n in range(3):
            self.call(self.token, "res.partner", "search_count", [[]])
        self.call_error(self.token, "res.partner", "no_such_method", code=-32601)
        self.call_error(self.token, "res.partner", "read", ["not ids"], code=-32602)
        # not counted: no token accepted
        self.call_error("x" * 43, "res.partner", "search_count", [[]], code=-32003)
        self.assertEqual(self.total_calls(), before, "no database write per call: nothing before the flush")
        self.flush()
        calls, errors, server_time, rows = self.usage_of(self.token_id)
        self.assertEqual((calls, errors), (5, 2))
        self.assertGreater(server_time, 0)
        self.assertEqual(len(rows), 1, "one row per token and hour")
        self.assertEqual(rows.user_id, self.integrator)
        self.assertEqual(rows.hour, fields.Datetime.now().replace(minute=0, second=0, microsecond=0))
        self.assertEqual(self.total_calls(), before + 5, "the refused token counted nowhere")
        # the next flush adds to the same row
        self.call(self.token, "res.partner", "search_count", [[]])
        self.flush()
        self.assertEqual(self.usage_of(self.token_id)[:2], (6, 2))
        self.assertEqual(self.usage_of(self.token_id)[3], rows)

    def test_scope_refusal_counts_as_an_error(self):
        token = self.result(
            "/json-call/user_authenticate",
            {"login": "integrator", "password": PASSWORD, "scope": {"models": ["res.partner"]}},
        )["token"]
        token_id = self.env["api.token"].sudo().search([("user_id", "=", self.integrator.id)], limit=1).id
        self.call_error(token, "res.users", "search_count", [[]], code=-32010)
        self.flush()
        self.assertEqual(self.usage_of(token_id)[:2], (1, 1))

    def test_each_batch_member_is_a_call(self):
        def member(request_id, method, args, model="res.partner"):
            return {
                "jsonrpc": "2.0",
                "id": request_id,
                "params": {"token": self.token, "model": model, "method": method, "args": args},
            }

        tag = self.env["res.partner.category"].create({"name": "Usage target"})
        self.env.flush_all()
        batch = [
            member(1, "search_count", [[]]),
            # fails only when flushed: the name is NOT NULL in PostgreSQL
            member(2, "write", [[tag.id], {"name": False}], "res.partner.category"),
            member(3, "search_count", [[]]),
            {"jsonrpc": "2.0", "id": 4},
        ]  # no params: refused before any token
        answers = self.http("POST", CALL, json.dumps(batch)).json()
        self.assertEqual(["error" in answer for answer in answers], [False, True, False, True])
        self.flush()
        self.assertEqual(self.usage_of(self.token_id)[:2], (3, 1))

    def test_every_dialect_is_metered(self):
        bearer = {"Authorization": f"Bearer {self.token}"}
        response = self.http("GET", "/api/res.partner/", headers=bearer)
        self.assertEqual(response.status_code, 200, response.text)
        response = self.http("POST", "/json/2/res.partner/search_count", json.dumps({"domain": []}), bearer)
        self.assertEqual(response.status_code, 200, response.text)
        response = self.http("POST", "/json/2/res.partner/no_such_method", "{}", bearer)
        self.assertEqual(response.status_code, 404, response.text)
        self.env.flush_all()  # xmlrpc.client is no HttpCase opener, which would flush
        models = xmlrpc.client.ServerProxy(self.base_url() + "/xmlrpc/2/object")
        self.assertGreaterEqual(
            models.execute_kw(self.env.cr.dbname, self.integrator.id, self.token, "res.partner", "search_count", [[]]),
            0,
        )
        with self.assertRaises(xmlrpc.client.Fault):
            models.execute_kw(self.env.cr.dbname, self.integrator.id, self.token, "res.partner", "nope", [])
        self.flush()
        self.assertEqual(self.usage_of(self.token_id)[:2], (5, 2))

    def test_a_call_refused_by_a_rate_limit_is_a_call_and_an_error_on_every_dialect(self):
        """One rule for every dialect: one call let through, one refused by
        the token's limit of 1 a minute, counted as 2 calls and 1 error."""
        db, uid = self.env.cr.dbname, self.integrator.id
        search_count = ("res.partner", "search_count", [[]])

        def json_call(token):
            return "result" in self.rpc(
                CALL, {"token": token, "model": "res.partner", "method": "search_count", "args": [[]]}
            )

        def rest(token):
            return self.http("GET", "/api/res.partner/", headers={"Authorization": f"Bearer {token}"}).ok

        def json2(token):
            return self.http(
                "POST",
                "/json/2/res.partner/search_count",
                json.dumps({"domain": []}),
                {"Authorization": f"Bearer {token}"},
            ).ok

        def xml_rpc(token):
            self.env.flush_all()  # xmlrpc.client is no HttpCase opener, which would flush
            try:
                xmlrpc.client.ServerProxy(self.base_url() + "/xmlrpc/2/object").execute_kw(
                    db, uid, token, *search_count
                )
            except xmlrpc.client.Fault as fault:
                self.assertIn("Rate limit exceeded", fault.faultString)
                return False
            return True

        def jsonrpc(token):
            answer = self.rpc(
                "/jsonrpc", {"service": "object", "method": "execute_kw", "args": [db, uid, token, *search_count]}
            )
            return "result" in answer

        for dialect in (json_call, rest, json2, xml_rpc, jsonrpc):
            token = self.result(
                "/json-call/user_authenticate", {"login": "integrator", "password": PASSWORD, "rate_limit": 1}
            )["token"]
            token_id = self.env["api.token"].sudo().search([("user_id", "=", uid)], limit=1).id
            self.assertEqual([dialect(token), dialect(token)], [True, False], dialect.__name__)
            self.flush()
            self.assertEqual(self.usage_of(token_id)[:2], (2, 1), dialect.__name__)

    def test_a_flush_skips_a_token_deleted_since(self):
        self.call(self.token, "res.partner", "search_count", [[]])
        other = self.login("colleague")
        self.call(other, "res.partner", "search_count", [[]])
        self.env["api.token"].sudo().browse(self.token_id).unlink()
        self.env.flush_all()
        self.flush()
        rows = self.Usage.search([("user_id", "in", (self.integrator | self.colleague).ids)])
        self.assertEqual((rows.user_id, rows.calls), (self.colleague, 1), "the other token's calls are written")

    def test_purged_after_the_retention(self):
        self.call(self.token, "res.partner", "search_count", [[]])
        self.flush()
        now = fields.Datetime.now()
        old = self.Usage.create(
            {
                "token_id": self.token_id,
                "user_id": self.integrator.id,
                "calls": 7,
                "hour": now.replace(minute=0, second=0, microsecond=0) - timedelta(days=91),
            }
        )
        kept = self.Usage.create(
            {
                "token_id": self.token_id,
                "user_id": self.integrator.id,
                "calls": 7,
                "hour": now.replace(minute=0, second=0, microsecond=0) - timedelta(days=89),
            }
        )
        self.env["api.token"]._cron_purge()
        self.assertFalse(old.exists())
        self.assertTrue(kept.exists())
        self.env["ir.config_parameter"].sudo().set_param("json_rpc_token.usage_retention_days", "0")
        ancient = self.Usage.create(
            {
                "token_id": self.token_id,
                "user_id": self.integrator.id,
                "calls": 7,
                "hour": now.replace(minute=0, second=0, microsecond=0) - timedelta(days=900),
            }
        )
        self.env["api.token"]._cron_purge()
        self.assertTrue(ancient.exists(), "0 keeps every hour")

    def test_users_read_their_own_usage_managers_all(self):
        self.call(self.token, "res.partner", "search_count", [[]])
        self.call(self.login("colleague"), "res.partner", "search_count", [[]])
        self.flush()
        manager = new_test_user(
            self.env, login="usage-manager", groups="base.group_user,json_rpc_token.group_api_token_manager"
        )
        Usage = self.env["api.token.usage"]
        self.assertEqual(Usage.with_user(self.integrator).search([]).user_id, self.integrator)
        self.assertEqual(Usage.with_user(self.colleague).search([]).user_id, self.colleague)
        self.assertLessEqual(self.integrator | self.colleague, Usage.with_user(manager).search([]).user_id)
        token = self.env["api.token"].with_user(self.integrator).browse(self.token_id)
        self.assertEqual(token.usage_calls, 1)
        self.assertEqual(token.action_view_usage()["domain"], [("token_id", "=", self.token_id)])
        # no one writes usage but the flush
        self.assertFalse(Usage.with_user(manager).has_access("write"))
        self.assertFalse(Usage.with_user(manager).has_access("unlink"))


@tagged("post_install", "-at_install")
class TestTokenLabel(JsonCallCase):
    """A login's token is named after what made it, the client and the
    dialect, not after the route: the graph's legend and the token list
    tell scripts apart."""

    def login_as(self, user_agent, **params):
        response = self.opener.post(
            self.base_url() + "/json-call/user_authenticate",
            timeout=20,
            json={"jsonrpc": "2.0", "params": {"login": "integrator", "password": PASSWORD, **params}},
            headers={"User-Agent": user_agent},
        )
        token = response.json()["result"]["token"]
        return self.env["api.token"].sudo().search(
            [("user_id", "=", self.integrator.id)], order="id desc", limit=1
        ), token

    def test_default_label_is_client_and_dialect(self):
        token, _secret = self.login_as("python-requests/2.32.3")
        self.assertEqual(token.name, "python-requests 2.32 (JSON-RPC)")
        token, _secret = self.login_as("curl/8.5.0")
        self.assertEqual(token.name, "curl 8.5 (JSON-RPC)")
        token, _secret = self.login_as("")  # none (without the header, urllib3 would send its own)
        self.assertEqual(token.name, "Unknown client (JSON-RPC)")
        token, _secret = self.login_as("python-requests/2.32.3", label="Nightly sync")
        self.assertEqual(token.name, "Nightly sync")

    def test_client_product(self):
        for user_agent, product in [
            ("python-requests/2.32.3", "python-requests 2.32"),
            ("Python-urllib/3.11", "Python-urllib 3.11"),
            ("Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0", "Mozilla 5.0"),
            ("okhttp", "okhttp"),
            ("", None),
            (None, None),
            ("(no product)", None),
        ]:
            with self.subTest(user_agent=user_agent):
                self.assertEqual(call_context.client_product(user_agent), product)


@tagged("post_install", "-at_install")
class TestUsageLegend(TransactionCase):
    """The graph's default: calls per day by user, the 10 users with the
    most calls one entry each, everyone else one entry, Others."""

    def test_top_users_and_others(self):
        users = [new_test_user(self.env, login=f"legend-{n:02}", name=f"Legend {n:02}") for n in range(12)]
        Usage = self.env["api.token.usage"].sudo()
        day1 = fields.Datetime.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
        # far more calls than any other test counts: these 12 are the top of the table
        calls = {user: 10**9 + 1000 * n for n, user in enumerate(users)}
        for user in users:
            Usage.create(
                [
                    {"user_id": user.id, "hour": day1, "calls": calls[user]},
                    {"user_id": user.id, "hour": day1 + timedelta(days=1), "calls": 1},
                ]
            )
        top, others = users[2:], users[:2]
        self.assertEqual(Usage._top_user_ids(), [user.id for user in reversed(top)])

        ours = [("user_id", "in", [user.id for user in users])]
        arch = self.env.ref("json_rpc_token.api_token_usage_view_graph").arch
        self.assertIn('<field name="top_user_id"/>', arch)
        groups = Usage.web_read_group(ours, ["calls:sum"], ["hour:day", "top_user_id"], lazy=False)["groups"]
        legend = {group["top_user_id"] for group in groups}
        self.assertEqual(len(legend), 11)
        self.assertEqual(legend, {(user.id, user.name) for user in top} | {(0, "Others")})
        by_day = {}
        for group in groups:
            by_day.setdefault(group["hour:day"], {})[group["top_user_id"][1]] = group["calls"]
            # a bar's domain (clicking it) finds the rows it sums
            self.assertEqual(sum(Usage.search(group["__domain"]).mapped("calls")), group["calls"])
        self.assertEqual(len(by_day), 2)
        busy, quiet = sorted(by_day.values(), key=lambda day: -day["Others"])
        self.assertEqual(
            busy, {"Others": calls[others[0]] + calls[others[1]], **{user.name: calls[user] for user in top}}
        )
        self.assertEqual(quiet, {"Others": 2, **{user.name: 1 for user in top}})
        # the field reads and searches alike
        row = Usage.search([("user_id", "=", top[0].id)], limit=1)
        self.assertEqual(row.top_user_id, top[0])
        self.assertFalse(Usage.search([("user_id", "=", others[0].id)], limit=1).top_user_id)
        self.assertEqual(Usage.search([*ours, ("top_user_id", "=", False)]).user_id, others[0] | others[1])
        self.assertEqual(Usage.search([*ours, ("top_user_id", "=", top[3].id)]).user_id, top[3])
        self.assertEqual(
            Usage.search([*ours, ("top_user_id", "!=", False)]).user_id, self.env["res.users"].concat(*top)
        )
        # the pivot (read_group) names the group too
        pivot = Usage.read_group(ours, ["calls:sum"], ["top_user_id"])
        self.assertIn((0, "Others"), [group["top_user_id"] for group in pivot])
        # and a user who sees only their own usage is their own top
        own = self.env["api.token.usage"].with_user(others[0])
        self.assertEqual(own._top_user_ids(), [others[0].id])
        self.assertEqual(own.search([]).top_user_id, others[0])


@tagged("post_install", "-at_install")
class TestUsageTour(HttpCase):
    def test_usage_graph_and_the_token_form_button(self):
        usage.flush(self.env.cr.dbname)
        admin = self.env.ref("base.user_admin")
        token, secret = self.env["api.token"].sudo()._issue(admin, "Tour usage")
        self.env.flush_all()
        for _n in range(4):
            response = self.opener.post(
                self.base_url() + CALL,
                json={"jsonrpc": "2.0", "params": {"model": "res.partner", "method": "search_count", "args": [[]]}},
                headers={"Authorization": f"Bearer {secret}"},
                timeout=20,
            )
            self.assertIn("result", response.json())
        usage.flush(self.env.cr.dbname)
        self.start_tour("/odoo", "json_rpc_token_usage_tour", login="admin", timeout=120)


@tagged("post_install", "-at_install")
class TestUsageGraphPicture(HttpCase):
    """The manual's picture of API Usage: a week of calls by 14 users, of
    which the graph shows the 10 with the most calls and Others. A server
    cannot serve calls in the past: the last hour's calls go through the API,
    the week before is written into the table."""

    browser_size = "1200x700"

    def test_usage_graph_shows_the_top_10_and_others(self):
        usage.flush(self.env.cr.dbname)
        Usage = self.env["api.token.usage"].sudo()
        Usage.search([]).unlink()
        now = fields.Datetime.now().replace(minute=0, second=0, microsecond=0)
        tokens = []
        for number in range(14):
            user = new_test_user(
                self.env,
                login=f"graph-user-{number}",
                groups="base.group_user",
                name=[
                    "Web Shop",
                    "Warehouse Scanner",
                    "Mobile App",
                    "Accounting Sync",
                    "CRM Bridge",
                    "BI Export",
                    "Mail Gateway",
                    "POS Relay",
                    "HR Portal",
                    "Claude (MCP)",
                    "Intern Script",
                    "Backup Job",
                    "Test Runner",
                    "Old Connector",
                ][number],
            )
            token, secret = self.env["api.token"].sudo()._issue(user, f"{user.name} token")
            tokens.append((token, secret))
            # busy days and quiet ones, and an hour of today
            for day, busy in enumerate([0.7, 1.0, 1.1, 0.3, 0.25, 0.95, 1.2, 1.05]):
                Usage.create(
                    {
                        "token_id": token.id,
                        "user_id": user.id,
                        "hour": now - timedelta(days=day, hours=1),
                        "calls": round(((14 - number) * 40 + (day * 37 * (number + 3)) % 120) * busy),
                        "errors": day % 3,
                        "server_time": 10.0 * (14 - number),
                    }
                )
        self.env.flush_all()
        for _token, secret in tokens[:3]:
            response = self.opener.post(
                self.base_url() + CALL,
                json={"jsonrpc": "2.0", "params": {"model": "res.partner", "method": "search_count", "args": [[]]}},
                headers={"Authorization": f"Bearer {secret}"},
                timeout=20,
            )
            self.assertIn("result", response.json())
        usage.flush(self.env.cr.dbname)
        self.assertEqual(len(Usage._top_user_ids()), 10)
        # what the graph stacks: 10 users and Others
        groups = Usage.read_group([], ["calls:sum"], ["top_user_id"])
        self.assertEqual(len(groups), 11)
        self.assertIn((0, "Others"), [group["top_user_id"] for group in groups])
        with taking_pictures(self, {"usage_graph.png": ".o_action_manager"}):
            self.start_tour(
                "/odoo/action-json_rpc_token.api_token_usage_action",
                "json_rpc_token_usage_picture_tour",
                login="admin",
                timeout=120,
            )

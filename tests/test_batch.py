import json

from odoo.tests import tagged

from .common import JsonCallCase

CALL = "/json-call"


@tagged("post_install", "-at_install")
class TestBatch(JsonCallCase):
    def setUp(self):
        super().setUp()
        self.token = self.login()

    def member(self, request_id, method, args, **params):
        body = {
            "jsonrpc": "2.0",
            "params": {"token": self.token, "model": "res.partner", "method": method, "args": args, **params},
        }
        if request_id is not None:
            body["id"] = request_id
        return body

    def post_batch(self, batch, path=CALL):
        response = self.http("POST", path, json.dumps(batch))
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    # ------------------------------------------------ the JSON-RPC 2.0 spec
    def test_spec_examples(self):
        # rpc call with an empty Array -> one Invalid Request
        self.assertEqual(self.post_batch([])["error"]["code"], -32600)
        # an invalid Batch (but not empty) -> one -32600 per member
        answers = self.post_batch([1])
        self.assertEqual([(a["id"], a["error"]["code"]) for a in answers], [(None, -32600)])
        answers = self.post_batch([1, 2, 3])
        self.assertEqual([a["error"]["code"] for a in answers], [-32600] * 3)
        # a mixed batch: results and errors in order, notifications answered nothing
        answers = self.post_batch(
            [
                self.member("1", "search_count", [[]]),
                self.member(None, "search_count", [[]]),  # a notification
                self.member("2", "no_such_method", []),
                {"foo": "boo", "id": "3", "params": []},
                self.member("5", "search", [[["id", "=", 1]]]),
            ]
        )
        self.assertEqual([a["id"] for a in answers], ["1", "2", "3", "5"])
        self.assertIsInstance(answers[0]["result"], int)
        self.assertEqual(answers[1]["error"]["code"], -32601)
        self.assertEqual(answers[2]["error"]["code"], -32602)
        self.assertEqual(answers[3]["result"], [1])
        # all notifications -> nothing at all
        response = self.http("POST", CALL, json.dumps([self.member(None, "search_count", [[]])] * 2))
        self.assertEqual((response.status_code, response.text), (204, ""))
        # invalid JSON in a batch -> one Parse error
        self.assertEqual(self.post(CALL, '[{"jsonrpc": "2.0", "method": "sum"}, {"jsonrpc"')["error"]["code"], -32700)

    def test_members_are_independent_by_default(self):
        answers = self.post_batch(
            [
                self.member(1, "create", [{"name": "Batch A"}]),
                self.member(2, "create", [{"name": "Batch B", "parent_id": 99999999}]),
                self.member(3, "create", [{"name": "Batch C"}]),
            ]
        )
        self.assertEqual(
            [("result" in a, a.get("error", {}).get("code")) for a in answers],
            [(True, None), (False, -32011), (True, None)],
        )
        names = self.env["res.partner"].search([("name", "like", "Batch ")]).mapped("name")
        self.assertEqual(sorted(names), ["Batch A", "Batch C"])

    def test_a_failing_read_undoes_nothing_else(self):
        """Reads share a savepoint; one that aborts the SQL transaction
        (invalid integer) is rolled back alone, writes around it stay."""
        answers = self.post_batch(
            [
                self.member(1, "create", [{"name": "Around A"}]),
                self.member(2, "search_count", [[["name", "=", "Around A"]]]),
                self.member(3, "search_count", [[["id", "=", "not-a-number"]]]),
                self.member(4, "search_count", [[["name", "=", "Around A"]]]),
                self.member(5, "create", [{"name": "Around B"}]),
            ]
        )
        self.assertEqual([a.get("result", a.get("error", {}).get("code")) for a in answers[1:4]], [1, -32602, 1])
        self.assertEqual(
            sorted(self.env["res.partner"].search([("name", "like", "Around ")]).mapped("name")),
            ["Around A", "Around B"],
        )

    def test_atomic_batch_rolls_back_entirely(self):
        answers = self.post_batch(
            [
                self.member(1, "create", [{"name": "Atomic A"}], atomic=True),
                self.member(2, "write", [[99999999], {"name": "x"}]),
                self.member(3, "create", [{"name": "Atomic C"}]),
            ]
        )
        self.assertEqual([a["error"]["code"] for a in answers], [-32008, -32011, -32008])
        self.assertIn("#2 failed", answers[0]["error"]["data"]["message"])
        self.assertFalse(self.env["res.partner"].search([("name", "like", "Atomic ")]))
        answers = self.post_batch(
            [
                self.member(1, "create", [{"name": "Atomic ok"}], atomic=True),
                self.member(2, "create", [{"name": "Atomic ok 2"}]),
            ]
        )
        self.assertTrue(all("result" in a for a in answers))
        self.assertEqual(self.env["res.partner"].search_count([("name", "like", "Atomic ok")]), 2)

    def test_batch_members_run_in_order_and_see_each_other(self):
        answers = self.post_batch(
            [
                self.member(1, "create", [{"name": "Ordered"}]),
                self.member(2, "search_count", [[["name", "=", "Ordered"]]]),
            ]
        )
        self.assertEqual(answers[1]["result"], 1)

    def test_batch_of_logins_and_one_database(self):
        answers = self.post_batch(
            [{"id": n, "params": {"login": "integrator", "password": "nope"}} for n in (1, 2)],
            "/json-call/user_authenticate",
        )
        self.assertEqual([a["error"]["code"] for a in answers], [-32001, -32001])
        answer = self.post_batch(
            [self.member(1, "search_count", [[]], db="a"), self.member(2, "search_count", [[]], db="b")]
        )
        self.assertEqual(answer["error"]["code"], -32600)

    def test_limits(self):
        answer = self.post_batch([self.member(n, "search_count", [[]]) for n in range(101)])
        self.assertEqual(answer["error"]["code"], -32600)
        self.assertIn("at most 100", answer["error"]["data"]["message"])
        big = json.dumps(self.member(1, "search", [[["name", "=", "x" * (11 * 1024 * 1024)]]]))
        answer = self.post(CALL, big)
        self.assertEqual(answer["error"]["code"], -32600)
        self.assertIn("larger than", answer["error"]["data"]["message"])

    def test_failures_in_a_batch_are_still_counted(self):
        """Unknown tokens in a batch: the member is rolled back to its
        savepoint and the request commits, the failure count stays."""
        self.env["ir.config_parameter"].sudo().set_param("base.login_cooldown_after", 3)
        guesses = [
            {"id": n, "params": {"token": f"guess-{n}", "model": "res.partner", "method": "search_count", "args": [[]]}}
            for n in range(3)
        ]
        self.assertEqual([a["error"]["code"] for a in self.post_batch(guesses)], [-32003] * 3)
        self.assertEqual(
            self.rpc(CALL, {"token": "guess-again", "model": "res.partner", "method": "search_count", "args": [[]]})[
                "error"
            ]["code"],
            -32007,
        )

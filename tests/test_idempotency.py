"""Idempotency keys over real HTTP, in every dialect: a request sent again
with the same key (a client that lost the answer) gets the stored answer,
byte for byte, and nothing runs twice. Concurrency and a killed worker:
tests/test_live_idempotency.py."""

import json
import uuid
from unittest.mock import patch

import odoo
from odoo.tests import tagged

from .common import PASSWORD, JsonCallCase

CALL = "/json-call"
REPLAYED = "Idempotent-Replayed"


@tagged("post_install", "-at_install")
class TestIdempotency(JsonCallCase):
    readonly_enabled = False  # JSON-2 reads would open a read-only test cursor (see test_json2)

    def setUp(self):
        super().setUp()
        self.token = self.login()

    # ------------------------------------------------------------ helpers
    def send(self, body, key=None, path=CALL, method="POST", token=None, headers=None):
        """``body`` (JSON-able) with the key in the Idempotency-Key header;
        the raw HTTP response."""
        headers = {"Authorization": f"Bearer {token or self.token}", **(headers or {})}
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.http(method, path, None if body is None else json.dumps(body), headers)

    def create_call(self, name, request_id=1, **params):
        return {
            "jsonrpc": "2.0",
            "id": request_id,
            "params": {"model": "res.partner", "method": "create", "args": [{"name": name}], **params},
        }

    def count(self, name):
        self.env.invalidate_all()
        return self.env["res.partner"].search_count([("name", "=", name)])

    def keys(self, key):
        self.env.cr.execute("SELECT count(*) FROM api_token_idempotency WHERE key = %s", [key])
        return self.env.cr.fetchone()[0]

    def assert_replayed(self, first, again):
        self.assertEqual(
            (again.status_code, again.content, again.headers["Content-Type"]),
            (first.status_code, first.content, first.headers["Content-Type"]),
        )
        self.assertNotIn(REPLAYED, first.headers)
        self.assertEqual(again.headers[REPLAYED], "true")

    # -------------------------------------------------------------- /json-call
    def test_same_key_twice_runs_once_and_answers_the_same(self):
        key, name = str(uuid.uuid4()), f"Idem {uuid.uuid4()}"
        first = self.send(self.create_call(name), key)
        self.assertIsInstance(first.json()["result"], int, first.text)
        again = self.send(self.create_call(name), key)
        self.assert_replayed(first, again)
        self.assertEqual(self.count(name), 1)
        self.assertEqual(self.keys(key), 1)
        # the parameter instead of the header: the same key
        again = self.send(self.create_call(name, idempotency_key=key))
        self.assert_replayed(first, again)
        self.assertEqual(self.count(name), 1)

    # ------------------------------------------- the credential that sent it
    def scoped_token(self):
        """A token of the same user, narrowed to reading res.partner."""
        return self.result(
            "/json-call/user_authenticate",
            {"login": "integrator", "password": PASSWORD, "scope": {"models": ["res.partner"], "read_only": True}},
        )["token"]

    def assert_other_credential_refused(self, response, status=200):
        """Refused (-32041, said why), not replayed."""
        self.assertNotIn(REPLAYED, response.headers)
        self.assertEqual(response.status_code, status, response.text)
        self.assertIn("another token", response.text)

    def test_another_token_of_the_user_gets_no_stored_answer(self):
        """A token's stored answer is never handed to another token of its
        user, who may be narrower: refused, and nothing runs again."""
        key, name = str(uuid.uuid4()), f"Idem {uuid.uuid4()}"
        first = self.send(self.create_call(name), key)
        self.assertIsInstance(first.json()["result"], int, first.text)
        again = self.send(self.create_call(name), key, token=self.login())
        self.assert_other_credential_refused(again)
        self.assertEqual(again.json()["error"]["code"], -32041)
        self.assertEqual(self.count(name), 1)
        # the token that sent it still gets its answer
        self.assert_replayed(first, self.send(self.create_call(name), key))

    def test_a_key_stored_without_its_credential_is_given_to_no_one(self):
        """Keys stored by 18.0.1.7.0 have no credential: refused, never
        replayed to whichever token of the user sends the key."""
        key, name = str(uuid.uuid4()), f"Idem {uuid.uuid4()}"
        self.assertIsInstance(self.send(self.create_call(name), key).json()["result"], int)
        self.env.cr.execute("UPDATE api_token_idempotency SET credential = NULL WHERE key = %s", [key])
        again = self.send(self.create_call(name), key)
        self.assert_other_credential_refused(again)
        self.assertEqual(again.json()["error"]["code"], -32041)
        self.assertEqual(self.count(name), 1)

    def test_a_replay_does_not_get_past_a_narrower_scope(self):
        """The attack: token A (unscoped) reads partners with their users'
        logins and groups under key K; token B of the same user, scoped to
        reading res.partner, sends the same request with K."""
        self.env["res.users"].browse(self.integrator.id).write(
            {"groups_id": [(4, self.env.ref("base.group_partner_manager").id)]}
        )
        key = str(uuid.uuid4())
        read = {
            "jsonrpc": "2.0",
            "id": 1,
            "params": {
                "model": "res.partner",
                "method": "read",
                "args": [[self.colleague.partner_id.id], "{name, user_ids{login, groups_id}}"],
            },
        }
        first = self.send(read, key)
        self.assertIn("colleague", first.text, first.text)
        scoped = self.scoped_token()
        without_key = self.send(read, token=scoped)
        self.assertEqual(without_key.json()["error"]["code"], -32010, without_key.text)
        again = self.send(read, key, token=scoped)
        self.assert_other_credential_refused(again)
        self.assertEqual(again.json()["error"]["code"], -32041)
        self.assertNotIn("colleague", again.text)
        # the scoped token's own key: its scope refuses it, and that is its answer
        own = str(uuid.uuid4())
        refused = self.send(read, own, token=scoped)
        self.assertEqual(refused.json()["error"]["code"], -32010, refused.text)
        self.assert_replayed(refused, self.send(read, own, token=scoped))

    def test_without_a_key_nothing_is_kept(self):
        self.env.cr.execute("SELECT count(*) FROM api_token_idempotency")
        before = self.env.cr.fetchone()[0]
        name = f"Idem {uuid.uuid4()}"
        self.send(self.create_call(name))
        self.send(self.create_call(name))
        self.assertEqual(self.count(name), 2)
        self.env.cr.execute("SELECT count(*) FROM api_token_idempotency")
        self.assertEqual(self.env.cr.fetchone()[0], before)

    def test_same_key_with_another_request_is_refused(self):
        key, name = str(uuid.uuid4()), f"Idem {uuid.uuid4()}"
        self.assertIn("result", self.send(self.create_call(name), key).json())
        for other in (self.create_call(name + " other"), self.create_call(name, request_id=2)):
            response = self.send(other, key)
            error = response.json()["error"]
            self.assertEqual(
                (response.status_code, error["code"], error["message"]), (200, -32041, "Idempotency key reused")
            )
            self.assertIn("new key", error["data"]["message"])
        self.assertEqual(self.count(name) + self.count(name + " other"), 1)

    def test_keys_are_per_user(self):
        key, name = str(uuid.uuid4()), f"Idem {uuid.uuid4()}"
        self.env["res.users"].browse(self.colleague.id).write(
            {"groups_id": [(4, self.env.ref("base.group_partner_manager").id)]}
        )
        colleague = self.login("colleague")
        mine = self.send(self.create_call(name), key)
        theirs = self.send(self.create_call(name), key, token=colleague)
        self.assertNotIn(REPLAYED, theirs.headers)
        self.assertNotEqual(mine.json()["result"], theirs.json()["result"])
        self.assertEqual(self.count(name), 2)

    def test_an_expired_key_runs_again_and_the_cron_purges_keys(self):
        key, name = str(uuid.uuid4()), f"Idem {uuid.uuid4()}"
        self.env["ir.config_parameter"].sudo().set_param("json_rpc_token.idempotency_hours", "2")
        first = self.send(self.create_call(name), key).json()["result"]
        self.env.cr.execute(
            "UPDATE api_token_idempotency SET created_at = created_at - interval '121 minutes' WHERE key = %s", [key]
        )
        again = self.send(self.create_call(name), key)
        self.assertNotIn(REPLAYED, again.headers)
        self.assertNotEqual(again.json()["result"], first)
        self.assertEqual(self.count(name), 2)
        self.assertEqual(self.keys(key), 1)
        # expired, the key is free for another request too, even when the
        # request that claims it fails in a batch (rolled back to its savepoint)
        self.env.cr.execute(
            "UPDATE api_token_idempotency SET created_at = created_at - interval '121 minutes' WHERE key = %s", [key]
        )
        batch = [
            {
                "jsonrpc": "2.0",
                "id": 1,
                "params": {
                    "model": "res.partner",
                    "method": "write",
                    "args": [[self.integrator.partner_id.id], {"no": 1}],
                },
            },
            self.create_call(name, request_id=2),
        ]
        first = self.send(batch, key)
        self.assertEqual(["error" in answer for answer in first.json()], [True, False], first.text)
        self.assert_replayed(first, self.send(batch, key))
        self.assertEqual(self.count(name), 3)
        # the daily cron: expired keys go, live ones stay
        old_key = str(uuid.uuid4())
        self.send(self.create_call(name + " old"), old_key)
        self.env.cr.execute(
            "UPDATE api_token_idempotency SET created_at = created_at - interval '3 hours' WHERE key = %s", [old_key]
        )
        self.env["api.token"]._cron_purge()
        self.assertEqual((self.keys(old_key), self.keys(key)), (0, 1))

    def test_an_error_outcome_is_stored_too(self):
        key = str(uuid.uuid4())
        body = {
            "jsonrpc": "2.0",
            "id": 7,
            "params": {
                "model": "res.partner",
                "method": "write",
                "args": [[self.integrator.partner_id.id], {"no_field": 1}],
            },
        }
        first = self.send(body, key)
        self.assertEqual(first.json()["error"]["code"], -32602, first.text)
        again = self.send(body, key)
        self.assert_replayed(first, again)

    def test_what_is_refused_before_the_call_is_not_stored(self):
        key, name = str(uuid.uuid4()), f"Idem {uuid.uuid4()}"
        refused = self.send(self.create_call(name), key, token="x" * 43)
        self.assertEqual(refused.json()["error"]["code"], -32003)
        done = self.send(self.create_call(name), key)
        self.assertIsInstance(done.json()["result"], int)
        self.assertEqual(self.count(name), 1)

    def test_malformed_keys_are_refused(self):
        name = f"Idem {uuid.uuid4()}"
        for bad in ("", "x" * 256, "clé", "tab\there"):
            error = self.send(self.create_call(name, idempotency_key=bad)).json()["error"]
            self.assertEqual(error["code"], -32600, bad)
            self.assertIn("idempotency key", error["data"]["message"])
        error = self.send(self.create_call(name, idempotency_key="a"), "b").json()["error"]
        self.assertEqual(error["code"], -32600)
        self.assertIn("once", error["data"]["message"])
        self.assertEqual(self.count(name), 0)

    def test_stored_answers_are_not_readable_by_users(self):
        self.send(self.create_call(f"Idem {uuid.uuid4()}"), str(uuid.uuid4()))
        error = self.send(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "params": {"model": "api.token.idempotency", "method": "search_read", "args": [[]]},
            }
        ).json()["error"]
        self.assertEqual(error["code"], -32010)

    def test_on_odoos_database_path_too(self):
        """Addon not loaded server-wide: Odoo opens the transaction, and
        answers an error before rolling it back."""
        with patch.object(odoo.conf, "server_wide_modules", ["base", "web"]):
            key, name = str(uuid.uuid4()), f"Idem {uuid.uuid4()}"
            first = self.send(self.create_call(name), key)
            self.assert_replayed(first, self.send(self.create_call(name), key))
            self.assertEqual(self.count(name), 1)
            key = str(uuid.uuid4())
            body = {
                "jsonrpc": "2.0",
                "id": 7,
                "params": {
                    "model": "res.partner",
                    "method": "write",
                    "args": [[self.integrator.partner_id.id], {"no": 1}],
                },
            }
            first = self.send(body, key)
            self.assertEqual(first.json()["error"]["code"], -32602, first.text)
            self.assert_replayed(first, self.send(body, key))

    # -------------------------------------------------------------- batches
    def test_a_batch_of_50_creates_sent_again_writes_50_rows(self):
        for atomic in (False, True):
            key, name = str(uuid.uuid4()), f"Idem batch {uuid.uuid4()}"
            batch = [
                {
                    "jsonrpc": "2.0",
                    "id": n,
                    "params": {"model": "res.partner", "method": "create", "args": [{"name": name}], "atomic": atomic},
                }
                for n in range(50)
            ]
            first = self.send(batch, key)
            self.assertEqual(len(first.json()), 50)
            again = self.send(batch, key)
            self.assert_replayed(first, again)
            self.assertEqual(self.count(name), 50)
            # the key in the members' params (all the same), no header
            for member in batch:
                member["params"]["idempotency_key"] = key
            self.assert_replayed(first, self.send(batch))
            self.assertEqual(self.count(name), 50)

    def test_a_failing_member_does_not_lose_the_key(self):
        key, name = str(uuid.uuid4()), f"Idem {uuid.uuid4()}"
        batch = [
            {
                "jsonrpc": "2.0",
                "id": 1,
                "params": {
                    "model": "res.partner",
                    "method": "write",
                    "args": [[self.integrator.partner_id.id], {"no": 1}],
                },
            },
            self.create_call(name, request_id=2),
        ]
        first = self.send(batch, key)
        self.assertEqual([("error" in a, "result" in a) for a in first.json()], [(True, False), (False, True)])
        self.assert_replayed(first, self.send(batch, key))
        self.assertEqual(self.count(name), 1)

    def test_a_batch_with_different_keys_is_refused(self):
        batch = [self.create_call("A", 1, idempotency_key="one"), self.create_call("B", 2, idempotency_key="two")]
        self.assertEqual(self.send(batch).json()["error"]["code"], -32600)

    # ---------------------------------------------------------- other dialects
    def test_rest(self):
        key, name = str(uuid.uuid4()), f"Idem rest {uuid.uuid4()}"
        first = self.send({"params": {"data": {"name": name}}}, key, path="/api/res.partner/")
        self.assertEqual(first.status_code, 200, first.text)
        self.assert_replayed(first, self.send({"params": {"data": {"name": name}}}, key, path="/api/res.partner/"))
        self.assertEqual(self.count(name), 1)
        other = self.send({"params": {"data": {"name": name + "!"}}}, key, path="/api/res.partner/")
        self.assertEqual((other.status_code, other.json()["error"]["code"]), (422, -32041))
        # an error answer keeps its HTTP status
        key = str(uuid.uuid4())
        body = {"params": {"args": [{"no_field": 1}]}}
        path = f"/object/res.partner/{self.integrator.partner_id.id}/write"
        first = self.send(body, key, path=path)
        self.assertEqual(first.status_code, 400, first.text)
        self.assert_replayed(first, self.send(body, key, path=path))
        # a bad key: the HTTP status of -32600
        self.assertEqual(
            self.send({"params": {"data": {"name": name}}}, "é", path="/api/res.partner/").status_code, 400
        )

    def test_json2(self):
        key, name = str(uuid.uuid4()), f"Idem json2 {uuid.uuid4()}"
        headers = {"Content-Type": "application/json"}
        body = {"vals_list": [{"name": name}]}
        first = self.send(body, key, path="/json/2/res.partner/create", headers=headers)
        self.assertEqual(first.status_code, 200, first.text)
        self.assert_replayed(first, self.send(body, key, path="/json/2/res.partner/create", headers=headers))
        self.assertEqual(self.count(name), 1)
        other = self.send(body, key, path="/json/2/res.partner/search_count", headers=headers)
        self.assertEqual((other.status_code, other.json()["name"].rsplit(".", 1)[-1]), (422, "IdempotencyKeyMismatch"))

    def test_rest_and_json2_give_a_stored_answer_to_its_credential_only(self):
        """The scoped token's replay, in REST and JSON-2; an Odoo API key of
        the user (JSON-2) is a credential of its own too."""
        self.env["res.users"].browse(self.integrator.id).write(
            {"groups_id": [(4, self.env.ref("base.group_partner_manager").id)]}
        )
        scoped, partner = self.scoped_token(), self.colleague.partner_id.id
        selection = "{name, user_ids{login, groups_id}}"
        # REST
        key, path = str(uuid.uuid4()), f"/api/res.partner/{partner}?query={selection}"
        first = self.send(None, key, path=path, method="GET")
        self.assertEqual(first.status_code, 200, first.text)
        self.assertIn("colleague", first.text)
        self.assertEqual(self.send(None, path=path, method="GET", token=scoped).status_code, 403)
        again = self.send(None, key, path=path, method="GET", token=scoped)
        self.assert_other_credential_refused(again, 422)
        self.assertEqual(again.json()["error"]["code"], -32041)
        self.assert_replayed(first, self.send(None, key, path=path, method="GET"))
        # JSON-2: the token, the scoped token, an API key
        apikey = self.env["res.users.apikeys"].with_user(self.integrator).sudo()._generate(None, "idem", None)
        json2 = {"path": "/json/2/res.partner/read", "headers": {"Content-Type": "application/json"}}
        body = {"ids": [partner], "fields": selection}
        key = str(uuid.uuid4())
        first = self.send(body, key, **json2)
        self.assertEqual(first.status_code, 200, first.text)
        self.assertIn("colleague", first.text)
        self.assertEqual(self.send(body, token=scoped, **json2).status_code, 403)
        for other in (scoped, apikey):
            again = self.send(body, key, token=other, **json2)
            self.assert_other_credential_refused(again, 422)
            self.assertEqual(again.json()["name"].rsplit(".", 1)[-1], "IdempotencyKeyMismatch")
        self.assert_replayed(first, self.send(body, key, **json2))
        # the API key's own answer: given back to it, to no token of its user
        key, name = str(uuid.uuid4()), f"Idem key {uuid.uuid4()}"
        create = {"path": "/json/2/res.partner/create", "headers": json2["headers"]}
        first = self.send({"vals_list": [{"name": name}]}, key, token=apikey, **create)
        self.assertEqual(first.status_code, 200, first.text)
        self.assert_replayed(first, self.send({"vals_list": [{"name": name}]}, key, token=apikey, **create))
        self.assert_other_credential_refused(self.send({"vals_list": [{"name": name}]}, key, **create), 422)
        self.assertEqual(self.count(name), 1)

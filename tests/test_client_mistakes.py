"""Client mistakes: each one gets a documented code, a human message, one
INFO log line and nothing of the server's insides (security review "Trust
holds", item 9)."""

import contextlib
import json
import logging
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..core.field_selection import MAX_DEPTH
from .common import PASSWORD, JsonCallCase

AUTH, CALL = "/json-call/user_authenticate", "/json-call"
INVALID_PARAMS = "odoo.addons.json_rpc_token.errors.InvalidParams"
INTERNAL_ERROR = "odoo.addons.json_rpc_token.errors.InternalError"
DOCUMENTED_CODES = {
    -32700,
    -32600,
    -32601,
    -32602,
    -32000,
    -32001,
    -32002,
    -32003,
    -32004,
    -32005,
    -32006,
    -32007,
    -32008,
    -32009,
    -32010,
    -32011,
    -32020,
    -32021,
    -32030,
}
SENTINEL = "odoo.addons.json_rpc_token.tests.sentinel"
INTERNALS = ("Traceback", "SELECT", "UPDATE", "LINE 1", "psycopg2", "builtins", "odoo.models", "Registry", "werkzeug")


def refuse_constant(name):
    raise ValueError(f"not JSON: {name}")


def strict_json(text):
    """JSON as RFC 8259 has it: no NaN, Infinity."""
    return json.loads(text, parse_constant=refuse_constant)


@tagged("post_install", "-at_install")
class TestClientMistakes(JsonCallCase):
    def setUp(self):
        super().setUp()
        self.token = self.login()

    # ---------------------------------------------------------------- helpers
    @contextlib.contextmanager
    def logged_as_client_mistake(self, lines=1):
        """The block logs ``lines`` INFO lines under ``odoo`` (one per
        mistake), and no ERROR or WARNING, no traceback (Odoo's 'bad query'
        ERROR included). ``lines=None``: as many as the block answered
        errors (the list it yields holds them)."""
        errors_answered = []
        with self.assertLogs("odoo", level=logging.INFO) as logs:
            logging.getLogger(SENTINEL).info("start")  # assertLogs wants one line at least
            yield errors_answered
        records = [record for record in logs.records if record.name != SENTINEL]
        loud = [record.getMessage()[:300] for record in records if record.levelno >= logging.WARNING or record.exc_info]
        self.assertFalse(loud, "a client mistake logs no error, warning or traceback")
        expected = len(errors_answered) if lines is None else lines
        self.assertEqual(len(records), expected, [record.getMessage()[:300] for record in records])

    def raw(self, body, path=CALL):
        """POST ``body`` (str or bytes) and return the answer, checked to be
        strict JSON."""
        response = self.http("POST", path, body)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"), response.text)
        return strict_json(response.text)

    def call_params(self, model, method, args=(), kwargs=None, context=None):
        params = {"token": self.token, "model": model, "method": method, "args": list(args)}
        if kwargs is not None:
            params["kwargs"] = kwargs
        if context is not None:
            params["context"] = context
        return params

    def mistake(self, model, method, args=(), code=-32602, kwargs=None, context=None, lines=1):
        """Call; expect error ``code`` logged as a client mistake, nothing
        internal in the answer."""
        with self.logged_as_client_mistake(lines):
            error = self.error(CALL, self.call_params(model, method, args, kwargs, context), code)
        self.assertNoInternals(error)
        return error

    def assertNoInternals(self, error):
        self.assertIn(error["code"], DOCUMENTED_CODES, error)
        name = error["data"]["name"]
        self.assertFalse(name.startswith(("psycopg2", "builtins", "werkzeug")), error)
        self.assertTrue(name.startswith(("odoo.exceptions.", "odoo.addons.json_rpc_token.errors.")), error)
        for text in INTERNALS:
            self.assertNotIn(text, error["data"]["message"], error)

    # ---------------------------------------------- 1. name_get checks ids
    def test_openapi_document_answers_other_methods_in_json(self):
        for method in ("POST", "PUT", "DELETE"):
            with self.subTest(method=method):
                response = self.http(method, "/json-call/openapi.json", "{}")
                self.assertEqual(response.status_code, 405)
                self.assertTrue(response.headers["Content-Type"].startswith("application/json"), response.text)
                self.assertEqual(response.json()["error"]["code"], -32600)
        self.assertEqual(self.http("GET", "/json-call/openapi.json").json()["openapi"][:3], "3.1")

    def test_attributes_that_are_no_methods(self):
        """A model's callable attributes that are no methods (its registry,
        ``pool``; its class attributes) are no public methods: -32601."""
        for name in ("pool", "env", "ids", "_name"):
            with self.subTest(name=name):
                error = self.mistake("res.partner", name, [[]], code=-32601)
                self.assertIn(name, error["data"]["message"])

    def test_name_get_checks_ids(self):
        for ids in ("1 OR 1=1", {"a": 1}, ["1"], [1.5], True):
            with self.subTest(ids=ids):
                error = self.mistake("res.partner", "name_get", [ids])
                self.assertIn("list of record ids", error["data"]["message"])
        self.mistake("res.partner", "name_get", [])
        partner = self.env["res.partner"].create({"name": "Named"})
        self.assertEqual(self.call(self.token, "res.partner", "name_get", [partner.id]), [[partner.id, "Named"]])

    # ------------------------------------- 2. only JSON numbers come in and out
    def test_non_standard_numbers_are_parse_errors(self):
        bodies = [
            '{"params": {}, "id": NaN}',
            '{"params": {}, "id": Infinity}',
            '{"params": {}, "id": -Infinity}',
            '{"params": {}, "id": 1e999}',
            '{"params": {}, "id": -1e400}',
            '{"params": {"token": "t", "model": "res.partner", "method": "search", "args": [[["id", "=", NaN]]]}}',
            '[{"params": {}, "id": NaN}, {"params": {}, "id": 2}]',
            '{"params": {}, "id": %s}' % (10**400),
            '{"params": {}, "id": -1%s}' % ("0" * 5000),
        ]
        for body in bodies:
            with self.subTest(body=body[:60]):
                with self.logged_as_client_mistake():
                    answer = self.raw(body)
                self.assertEqual((answer["id"], answer["error"]["code"]), (None, -32700))
                self.assertIn("number", answer["error"]["data"]["message"])
        # the numbers JSON has are served, however large within a double's range
        for request_id in (1.5, -2e300, 10**30, 10**300):
            with self.subTest(request_id=request_id):
                answer = self.raw(json.dumps({"params": {}, "id": request_id}))
                self.assertEqual((answer["id"], answer["error"]["code"]), (request_id, -32602))

    def test_huge_number_to_a_float_field(self):
        body = json.dumps(
            {
                "params": self.call_params(
                    "res.partner", "write", [[self.integrator.partner_id.id], {"partner_latitude": 1}]
                )
            }
        )
        with self.logged_as_client_mistake():
            answer = self.raw(body.replace('"partner_latitude": 1', '"partner_latitude": 1%s' % ("0" * 400)))
        self.assertEqual(answer["error"]["code"], -32700)

    def test_lone_surrogates_are_parse_errors(self):
        for body in (
            '{"params": {}, "id": "\\ud800"}',
            '{"params": {}, "id": "a\\uDFFFb"}',
            '{"params": {"token": "t", "model": "res.partner", "method": "create", '
            '"args": [{"name": "\\udc00"}]}, "id": 1}',
            '{"params": {"\\ud800": 1}}',
        ):
            with self.subTest(body=body):
                with self.logged_as_client_mistake():
                    answer = self.raw(body)
                self.assertEqual((answer["id"], answer["error"]["code"]), (None, -32700))
        # a pair is one character (what ensure_ascii encoders send)
        answer = self.raw('{"params": {}, "id": "\\ud83d\\ude00 \\u00e9"}')
        self.assertEqual((answer["id"], answer["error"]["code"]), ("\U0001f600 é", -32602))

    # ------------------------------------------------ 3. nesting depth capped
    def test_deep_compact_selection(self):
        def nested(levels):
            return "{" + "parent_id{" * levels + "name" + "}" * (levels + 1)

        for method, args in (("search_read", [[]]), ("read", [[self.integrator.partner_id.id]])):
            for levels in (MAX_DEPTH + 1, 3000):
                with self.subTest(method=method, levels=levels):
                    error = self.mistake("res.partner", method, args, kwargs={"fields": nested(levels)})
                    self.assertIn(f"{MAX_DEPTH} levels", error["data"]["message"])
        self.mistake("res.partner", "search_read", [[]], kwargs={"fields": "{a{" * 3000 + "}}" * 3000})
        rows = self.call(
            self.token,
            "res.partner",
            "search_read",
            [[["id", "=", self.integrator.partner_id.id]]],
            kwargs={"fields": nested(MAX_DEPTH)},
        )
        self.assertEqual(rows, [{"id": self.integrator.partner_id.id, "parent_id": False}])

    def test_deep_web_specification(self):
        def nested(levels):
            spec = {"name": {}}
            for _level in range(levels):
                spec = {"parent_id": {"fields": spec}}
            return spec

        partner_id = self.integrator.partner_id.id
        for levels in (MAX_DEPTH + 1, 400):
            with self.subTest(levels=levels):
                error = self.mistake("res.partner", "search_read", [[]], kwargs={"fields": nested(levels)})
                self.assertIn(f"{MAX_DEPTH} levels", error["data"]["message"])
                self.mistake("res.partner", "web_read", [[partner_id], nested(levels)])
        rows = self.call(self.token, "res.partner", "read", [[partner_id], nested(MAX_DEPTH)])
        self.assertEqual(rows, [{"id": partner_id, "parent_id": False}])

    def test_web_specification_is_checked(self):
        partner_id = self.integrator.partner_id.id
        for spec in (
            {"parent_id": {"fields": {"no_such_field": {}}}},
            {"parent_id": {"fields": "name"}},
            {"parent_id": {"fields": {}, "context": "x"}},
            {"child_ids": {"fields": {}, "limit": "x"}},
            {"child_ids": {"fields": {}, "order": 5}},
            {"name": {"fields": {"id": {}}}},
            {"parent_id": {"fields": {"name": []}}},
        ):
            with self.subTest(spec=spec):
                self.mistake("res.partner", "search_read", [[]], kwargs={"fields": spec})
                self.mistake("res.partner", "read", [[partner_id], spec])
                self.mistake("res.partner", "web_read", [[partner_id], spec])
                self.mistake("res.partner", "web_search_read", [[], spec])
        for spec in (["name"], "name", None):
            with self.subTest(spec=spec):
                self.mistake("res.partner", "web_read", [[partner_id]], kwargs={"specification": spec})
                self.mistake("res.partner", "web_search_read", [[]], kwargs={"specification": spec})
        # what Odoo's web client sends still works
        spec = {
            "name": {},
            "child_ids": {"fields": {"name": {}}, "limit": 5, "order": "name", "context": {"active_test": False}},
        }
        self.assertEqual(
            self.call(self.token, "res.partner", "web_read", [[partner_id], spec]),
            [{"id": partner_id, "name": "Integrator", "child_ids": []}],
        )

    # ------------------------------------------- 4. lifetimes beyond dates
    def test_expires_in_beyond_any_date(self):
        ICP = self.env["ir.config_parameter"].sudo()
        ICP.set_param("json_rpc_token.max_ttl_hours", 0)  # no maximum
        for expires_in in (10**12, 10**30, 2**63):
            with self.subTest(expires_in=expires_in):
                token = self.result(AUTH, {"login": "integrator", "password": PASSWORD, "expires_in": expires_in})[
                    "token"
                ]
                record = self.env["api.token"].search([("user_id", "=", self.integrator.id)], order="id desc", limit=1)
                self.assertAlmostEqual(
                    record.expires_at,
                    fields.Datetime.now() + timedelta(days=36500),
                    delta=timedelta(days=1),
                    msg="capped at 100 years",
                )
                self.call(token, "res.partner", "search_count", [[]])
        with self.logged_as_client_mistake():
            self.error(AUTH, {"login": "integrator", "password": PASSWORD, "expires_in": 1e300}, -32602)

    # -------------------------------------------- 5. public error names
    def test_database_value_errors_are_public_and_quiet(self):
        partner_id = self.integrator.partner_id.id
        for method, args, kwargs in (
            ("search_read", [[["id", "=", 10**30]]], None),
            ("write", [[partner_id], {"color": 10**10}], None),
            ("write", [[partner_id], {"parent_id": 2**40}], None),
            ("search", [[]], {"offset": -1}),
            ("search", [[]], {"limit": "ten"}),
            ("name_search", [], {"limit": "x"}),
        ):
            with self.subTest(method=method, args=args, kwargs=kwargs):
                error = self.mistake("res.partner", method, args, kwargs=kwargs)
                self.assertEqual(error["data"]["name"], INVALID_PARAMS)
                self.assertTrue(error["data"]["message"].startswith("A value does not fit the database"), error)

    def test_python_errors_are_public(self):
        error = self.mistake("res.partner", "write", [[self.integrator.partner_id.id], {"no_such_field": 1}])
        self.assertEqual(error["data"]["name"], INVALID_PARAMS)
        self.assertIn("no_such_field", error["data"]["message"])
        error = self.mistake("res.partner", "read", [[1], 5])  # a TypeError inside the ORM
        self.assertEqual(error["data"]["name"], INVALID_PARAMS)
        # Odoo's own exceptions keep their names: clients of Odoo's RPC branch on them
        # (Odoo logs the refusal of its access rights too: two lines)
        error = self.mistake("res.users", "create", [{"login": "x", "name": "x"}], code=-32010, lines=2)
        self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
        # a constraint of the database is Odoo's ValidationError, logged as a client mistake
        error = self.mistake("res.partner", "create", [{"name": False}], code=-32020)
        self.assertEqual(error["data"]["name"], "odoo.exceptions.ValidationError")

    def test_nul_characters(self):
        """PostgreSQL cannot store NUL: psycopg2 refuses it (a ValueError)
        before the query runs, and Odoo logs the query at ERROR."""
        error = self.mistake("res.partner", "create", [{"name": "a\u0000b"}])
        self.assertIn("NUL", error["data"]["message"])
        self.mistake("res.partner", "search", [[["name", "=", "a\u0000b"]]])
        with self.logged_as_client_mistake():
            error = self.error(AUTH, {"login": "integrator\u0000", "password": PASSWORD}, -32602)
        self.assertNoInternals(error)

    def test_server_faults_have_one_public_name(self):
        # Odoo asserts the operation: an AssertionError, a server fault
        with self.assertLogs("odoo", level=logging.ERROR):
            error = self.error(CALL, self.call_params("res.partner", "check_access", [[], "fly"]), -32603)
        self.assertEqual(error["data"]["name"], INTERNAL_ERROR)
        self.assertNotIn("fly", error["data"]["message"])

    def test_batch_members_are_public_and_quiet(self):
        partner_id = self.integrator.partner_id.id
        for atomic in (False, True):
            batch = [
                {"id": 1, "params": self.call_params("res.partner", "search_count", [[]])},
                {"id": 2, "params": self.call_params("res.partner", "write", [[partner_id], {"color": 10**10}])},
                {"id": 3, "params": self.call_params("res.partner", "search", [[]], kwargs={"offset": -1})},
                {"id": 4, "params": self.call_params("res.partner", "search_count", [[]])},
            ]
            if atomic:
                batch[0]["params"]["atomic"] = True
            with self.subTest(atomic=atomic), self.logged_as_client_mistake(lines=1 if atomic else 2):
                answers = self.raw(json.dumps(batch))
                self.assertEqual([answer["id"] for answer in answers], [1, 2, 3, 4], answers)
                self.assertEqual(answers[1]["error"]["code"], -32602)
                self.assertNoInternals(answers[1]["error"])
                if atomic:
                    self.assertEqual([answers[i]["error"]["code"] for i in (0, 2, 3)], [-32008] * 3)
                else:
                    self.assertEqual(answers[2]["error"]["code"], -32602)
                    self.assertNoInternals(answers[2]["error"])
                    self.assertIsInstance(answers[3]["result"], int)

    # ------------------------------------------- the general regression net
    def test_fuzz(self):
        """Bad inputs of every kind: each one a documented error, nothing
        internal. (Domain structure checks, e.g. a domain given as a string,
        are another piece of work: not here.)"""
        partner_id = self.integrator.partner_id.id
        deep_list = [[["id", "=", 1]]]
        for _level in range(300):
            deep_list = [deep_list]
        calls = [
            # wrong types for args, kwargs, context
            {"model": "res.partner", "method": "search", "args": {"a": 1}},
            {"model": "res.partner", "method": "search", "args": [[]], "kwargs": [1]},
            {"model": "res.partner", "method": "search", "args": [[]], "context": "x"},
            {"model": "res.partner", "method": "search", "args": [[]], "context": {"lang": 5}},
            {"model": "res.partner", "method": "search", "args": [[]], "context": {"allowed_company_ids": "x"}},
            {"model": "res.partner", "method": "search", "args": [[]], "context": {"allowed_company_ids": [10**30]}},
            {"model": 5, "method": "search", "args": [[]]},
            {"model": "res.partner", "method": ["search"], "args": [[]]},
            {"model": "", "method": "search"},
            {"model": "res.partner'; --", "method": "search", "args": [[]]},
            {"model": "res.partner", "method": "__init__"},
            {"model": "res.partner", "method": "_search", "args": [[]]},
            # unknown kwargs
            {"model": "res.partner", "method": "search", "args": [[]], "kwargs": {"nope": 1}},
            {"model": "res.partner", "method": "read", "args": [[partner_id]], "kwargs": {"nope": 1}},
            {"model": "res.partner", "method": "search_read", "args": [[]], "kwargs": {"fields": "{name}", "nope": 1}},
            {"model": "res.partner", "method": "search", "args": [[]], "kwargs": {"context": "x"}},
            # ids, values and options of the wrong type or size
            {"model": "res.partner", "method": "read", "args": ["abc"]},
            {"model": "res.partner", "method": "read", "args": [[partner_id], 5]},
            {"model": "res.partner", "method": "read", "args": [[partner_id], ["no_such_field"]]},
            {"model": "res.partner", "method": "write", "args": [[partner_id], {"color": 10**30}]},
            {"model": "res.partner", "method": "write", "args": [[partner_id], {"partner_latitude": "abc"}]},
            {"model": "res.partner", "method": "write", "args": [[partner_id], {"type": "nope"}]},
            {"model": "res.partner", "method": "write", "args": [[partner_id], {"category_id": "x"}]},
            {"model": "res.partner", "method": "write", "args": [[partner_id], ["a"]]},
            {"model": "res.partner", "method": "write", "args": [[partner_id], "name"]},
            {"model": "res.partner", "method": "write", "args": [[partner_id]], "kwargs": {"vals": [1]}},
            {"model": "res.partner", "method": "create", "args": [["a"]]},
            {"model": "res.partner", "method": "create", "args": [5]},
            {"model": "res.partner", "method": "create", "args": [[{"name": "ok"}, "a"]]},
            {"model": "res.partner", "method": "create", "args": [], "kwargs": {"vals_list": "x"}},
            {"model": "res.partner", "method": "search", "args": [[["id", "=", 10**30]]]},
            {"model": "res.partner", "method": "search", "args": [[]], "kwargs": {"limit": 10**30}},
            {"model": "res.partner", "method": "search", "args": [[]], "kwargs": {"limit": -1}},
            {"model": "res.partner", "method": "search", "args": [[]], "kwargs": {"order": "name; DROP TABLE x"}},
            {"model": "res.partner", "method": "search_count", "args": [[]], "kwargs": {"limit": "x"}},
            {"model": "res.partner", "method": "unlink", "args": [[10**30]]},
            {"model": "res.partner", "method": "name_get", "args": ["1 OR 1=1"]},
            {"model": "res.partner", "method": "fields_get", "args": [["name"]], "kwargs": {"attributes": 5}},
            # deep nesting
            {
                "model": "res.partner",
                "method": "search_read",
                "args": [[]],
                "kwargs": {"fields": "{a{" * 3000 + "}}" * 3000},
            },
            {"model": "res.partner", "method": "search", "args": [[]], "context": {"x": deep_list}},
            {"model": "res.partner", "method": "web_read", "args": [[partner_id], ["name"]]},
            {"model": "res.partner", "method": "web_search_read", "args": [[], "name"]},
        ]
        raw_bodies = [
            b"\xff\xfe{}",
            b'{"params": {"model": "res.partner\xc3"}}',
            b"\x00",
            "{" * 5000,
            '{"params": {}, "id": NaN}',
            '{"params": {"args": [Infinity]}}',
            '{"params": {}, "id": "\\udfff"}',
            '{"params": {"args": [%s]}}' % (10**400),
        ]
        for params in calls:
            with self.subTest(params=json.dumps(params)[:160]):
                with self.logged_as_client_mistake(lines=None) as errors_answered:
                    answer = self.raw(
                        json.dumps({"jsonrpc": "2.0", "id": 1, "params": {"token": self.token, **params}})
                    )
                    if "error" in answer:  # some are no mistakes after all (a deep context)
                        errors_answered.append(answer["error"])
                        self.assertNoInternals(answer["error"])
        for body in raw_bodies:
            with self.subTest(body=body[:60]):
                with self.logged_as_client_mistake():
                    answer = self.raw(body)
                self.assertIn(answer["error"]["code"], (-32700, -32600))
                self.assertNoInternals(answer["error"])

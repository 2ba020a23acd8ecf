"""Odoo 19's JSON-2 API (``POST /json/2/<model>/<method>``) on Odoo 18, sent
as Odoo 19's documentation shows it: named arguments in a JSON object, the
key in ``Authorization: bearer``, the bare result, HTTP statuses for errors."""

import json
from unittest.mock import patch

from odoo.tests import tagged

from ..http_layer import read_replica
from .common import PASSWORD, JsonCallCase

ERROR_KEYS = {"name", "message", "arguments", "context"}


class Json2Case(JsonCallCase):
    # Test cursors share the test's one connection: a read/write cursor
    # cannot open while a read-only one is in use, as the token's use stamp
    # and the failure counters do in transactions of their own (on a real
    # server, other connections). The read-only cursor is shown below.
    readonly_enabled = False

    def setUp(self):
        super().setUp()
        self.token = self.login()

    def send(self, model, method, body=None, token=None, headers=None, verb="POST", path=None):
        """The request a JSON-2 client sends; ``body`` a dict, or raw bytes."""
        headers = dict(headers or {})
        if token is not False:
            headers.setdefault("Authorization", f"bearer {token or self.token}")
        data = body if isinstance(body, (bytes, str)) else json.dumps(body if body is not None else {})
        return self.http(verb, path or f"/json/2/{model}/{method}", data, headers)

    def ok(self, *args, **kwargs):
        response = self.send(*args, **kwargs)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"))
        return response.json()

    def fails(self, status, name, *args, **kwargs):
        """The call fails with HTTP ``status`` and Odoo's serialised
        exception ``name`` (its last part), and nothing else."""
        response = self.send(*args, **kwargs)
        self.assertEqual(response.status_code, status, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"), response.text)
        error = response.json()
        self.assertEqual(set(error), ERROR_KEYS, "Odoo 19's error body, no 'debug' outside dev mode")
        self.assertEqual(error["name"].rsplit(".", 1)[-1], name, error)
        self.assertTrue(error["message"] and isinstance(error["arguments"], list), error)
        self.assertIsInstance(error["context"], dict)
        self.assertNotIn("Traceback", response.text)
        return response, error


class TestJson2(Json2Case):
    # ------------------------------------------------------------ the calls
    def test_documented_calls(self):
        ids = self.ok("res.partner", "create", {"vals_list": [{"name": "JSON-2 A"}, {"name": "JSON-2 B"}]})
        self.assertEqual(len(ids), 2)
        self.assertIs(self.ok("res.partner", "write", {"ids": ids, "vals": {"ref": "J2"}}), True)
        found = self.ok(
            "res.partner",
            "search_read",
            {"domain": [["ref", "=", "J2"]], "fields": ["name", "ref"], "limit": 10, "order": "name"},
        )
        self.assertEqual(
            found, [{"id": ids[0], "name": "JSON-2 A", "ref": "J2"}, {"id": ids[1], "name": "JSON-2 B", "ref": "J2"}]
        )
        self.assertEqual(
            self.ok("res.partner", "read", {"ids": ids[:1], "fields": ["name"]}), [{"id": ids[0], "name": "JSON-2 A"}]
        )
        self.assertEqual(
            self.ok("res.partner", "search", {"domain": [["ref", "=", "J2"]]}), ids, "a recordset answered as its ids"
        )
        # a record method, then the context: archived records are found with active_test off
        self.ok("res.partner", "action_archive", {"ids": ids[:1]})
        domain = {"domain": [["ref", "=", "J2"]]}
        self.assertEqual(self.ok("res.partner", "search_count", domain), 1)
        self.assertEqual(self.ok("res.partner", "search_count", {**domain, "context": {"active_test": False}}), 2)
        self.assertIs(self.ok("res.partner", "unlink", {"ids": ids}), True)
        self.assertFalse(self.env["res.partner"].with_context(active_test=False).search([("id", "in", ids)]))

    def test_empty_body(self):
        """A body-less call is a call without arguments."""
        self.assertEqual(self.ok("res.users", "context_get", b"")["tz"], "Europe/Brussels")

    def test_odoo_api_key_as_bearer_and_revocation(self):
        apikeys = self.env["res.users.apikeys"].with_user(self.integrator).sudo()
        key = apikeys._generate(None, "json-2 script", None)
        partner = self.integrator.partner_id.id
        answer = self.ok(
            "res.partner", "read", {"ids": [partner], "fields": ["name"]}, headers={"Authorization": f"BEARER {key}"}
        )  # the scheme is case-insensitive
        self.assertEqual(answer, [{"id": partner, "name": "Integrator"}])
        apikeys.search([("user_id", "=", self.integrator.id)]).unlink()  # revoked: refused at once
        response, _error = self.fails(401, "TokenInvalid", "res.partner", "read", {"ids": [partner]}, token=key)
        self.assertEqual(response.headers["WWW-Authenticate"], "bearer")
        # a token of this API, logged out: refused at once too
        self.assertIs(self.result("/json-call/user_logout", {"token": self.token}), True)
        self.fails(401, "TokenRevoked", "res.partner", "search_count", {"domain": []})

    def test_database_header(self):
        dbname = self.env.cr.dbname
        self.assertIsInstance(
            self.ok("res.partner", "search_count", {"domain": []}, headers={"X-Odoo-Database": dbname}), int
        )
        self.fails(
            404,
            "DatabaseNotFound",
            "res.partner",
            "search_count",
            {"domain": []},
            headers={"X-Odoo-Database": "no-such-database"},
        )

    # ----------------------------------------------------------- the errors
    def test_400_bad_body(self):
        self.fails(400, "ParseError", "res.partner", "search_count", b"{not json")
        self.fails(400, "InvalidRequest", "res.partner", "search_count", b"[[]]")

    def test_401_missing_or_invalid_bearer(self):
        for headers in ({}, {"Authorization": "bearer not-a-token"}, {"Authorization": "Basic eDp5"}):
            response, _error = self.fails(
                401,
                "TokenMissing" if "not-a" not in str(headers) else "TokenInvalid",
                "res.partner",
                "search_count",
                {"domain": []},
                token=False,
                headers=headers,
            )
            self.assertEqual(response.headers["WWW-Authenticate"], "bearer")

    def test_403_access_rights_and_token_scope(self):
        colleague = self.login("colleague", PASSWORD)
        self.fails(403, "AccessError", "ir.config_parameter", "search_read", {"domain": []}, token=colleague)
        scoped = self.result(
            "/json-call/user_authenticate",
            {"login": "integrator", "password": PASSWORD, "scope": {"models": ["res.partner"], "read_only": True}},
        )
        self.fails(403, "AccessError", "res.users", "search_count", {"domain": []}, token=scoped["token"])
        self.fails(403, "AccessError", "res.partner", "write", {"ids": [], "vals": {}}, token=scoped["token"])

    def test_404_model_method_record_and_other_paths(self):
        self.fails(404, "MethodNotFound", "no.such.model", "search", {})
        self.fails(404, "MethodNotFound", "res.partner", "no_such_method", {})
        self.fails(404, "MethodNotFound", "res.partner", "_read", {"ids": [1]})  # private
        self.fails(404, "MissingError", "res.partner", "write", {"ids": [987654], "vals": {"ref": "x"}})
        for verb, path in (("GET", "/json/2"), ("POST", "/json/2/res.partner"), ("GET", "/json/2/a/b/c")):
            _response, error = self.fails(404, "MethodNotFound", None, None, verb=verb, path=path)
            self.assertEqual(error["message"], "Did you mean POST /json/2/<model>/<method>?")

    def test_405_other_http_methods(self):
        response, _error = self.fails(405, "MethodNotAllowed", "res.partner", "search_count", verb="GET")
        self.assertEqual(response.headers["Allow"], "POST")
        self.fails(405, "MethodNotAllowed", "res.partner", "search_count", verb="PUT")

    def test_415_body_not_sent_as_json(self):
        self.fails(
            415,
            "UnsupportedMediaType",
            "res.partner",
            "search_count",
            {"domain": []},
            headers={"Content-Type": "text/plain"},
        )

    def test_422_validation_and_bad_arguments(self):
        partner = self.integrator.partner_id.id
        self.fails(422, "ValidationError", "res.partner", "write", {"ids": [partner], "vals": {"parent_id": partner}})
        self.fails(422, "BadArguments", "res.partner", "search_count", {"domain": [], "no_such_argument": 1})
        self.fails(422, "BadArguments", "res.partner", "write", {"ids": [partner]})  # no vals
        self.fails(422, "BadArguments", "res.partner", "search_count", {"ids": [partner], "domain": []})
        self.fails(422, "BadArguments", "res.partner", "read", {"ids": "all"})
        self.fails(422, "BadArguments", "res.partner", "search_count", {"domain": [], "context": []})

    def test_429_after_too_many_bad_bearers(self):
        self.env["ir.config_parameter"].sudo().set_param("base.login_cooldown_after", 3)
        for _attempt in range(3):
            self.fails(401, "TokenInvalid", "res.partner", "search_count", {"domain": []}, token="guess")
        self.fails(429, "TooManyAttempts", "res.partner", "search_count", {"domain": []}, token="guess")
        # a valid token is never locked out by guessers at the same address
        self.assertIsInstance(self.ok("res.partner", "search_count", {"domain": []}), int)

    def test_openapi_describes_json2(self):
        document = self.http("GET", "/json-call/openapi.json").json()
        operation = document["paths"]["/json/2/{model}/{method}"]["post"]
        self.assertTrue(
            {"200", "400", "401", "403", "404", "405", "415", "422", "429", "500"} <= set(operation["responses"])
        )
        self.assertEqual(
            document["components"]["schemas"]["OdooError"]["required"], ["name", "message", "arguments", "context"]
        )


@tagged("post_install", "-at_install")  # a ready registry, as a server has (see test_database_free)
class TestJson2ReadOnlyCursor(Json2Case):
    """Which calls ask for a read-only cursor. (Under HttpCase every cursor
    is the test's one connection, so the call then runs read/write all the
    same; tests/test_live_replica.py shows the read-only calls on a real
    replica.)"""

    readonly_enabled = True

    def test_read_only_methods_ask_for_a_read_only_cursor(self):
        """As Odoo 19: a method marked ``@api.readonly`` (search_read) asks
        for a read-only cursor; the others (write) for a read/write one."""
        key = self.env["res.users.apikeys"].with_user(self.integrator).sudo()._generate(None, "ro", None)
        partner = self.integrator.partner_id.id
        open_cursors, opened = read_replica.open_cursors, []
        with patch.object(
            read_replica,
            "open_cursors",
            lambda registry, readonly: opened.append(readonly) or open_cursors(registry, readonly),
        ):
            answer = self.ok(
                "res.partner", "search_read", {"domain": [["id", "=", partner]], "fields": ["name"]}, token=key
            )
            self.assertEqual(answer, [{"id": partner, "name": "Integrator"}])
            self.assertEqual(opened, [True])
            opened.clear()
            self.assertIs(self.ok("res.partner", "write", {"ids": [partner], "vals": {"ref": "RW"}}, token=key), True)
            self.assertEqual(opened, [False])
        self.assertEqual(self.integrator.partner_id.ref, "RW")

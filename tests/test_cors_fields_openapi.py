import subprocess
import sys

from odoo.tests import tagged

from .common import JsonCallCase

CALL = "/json-call"
ORIGIN = "https://shop.example"


@tagged("post_install", "-at_install")
class TestCors(JsonCallCase):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param(
            "json_rpc_token.cors_origins", f"{ORIGIN}, https://other.example"
        )

    def test_preflight_from_listed_origin(self):
        for path in ("/json-call", "/json-call/user_authenticate", "/json-call/user_logout"):
            response = self.http(
                "OPTIONS",
                path,
                headers={
                    "Origin": ORIGIN,
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "content-type, authorization",
                },
            )
            self.assertEqual(response.status_code, 204, path)
            headers = response.headers
            self.assertEqual(headers["Access-Control-Allow-Origin"], ORIGIN)
            self.assertEqual(headers["Access-Control-Allow-Methods"], "POST")
            self.assertIn("Authorization", headers["Access-Control-Allow-Headers"])
            self.assertIn("Content-Type", headers["Access-Control-Allow-Headers"])
            self.assertEqual(headers["Access-Control-Max-Age"], "86400")

    def test_unlisted_origin_gets_no_grant(self):
        response = self.http("OPTIONS", CALL, headers={"Origin": "https://evil.example"})
        self.assertNotIn("Access-Control-Allow-Origin", response.headers)
        response = self.http("POST", CALL, '{"params": {}}', headers={"Origin": "https://evil.example"})
        self.assertNotIn("Access-Control-Allow-Origin", response.headers)

    def test_actual_requests_carry_the_grant(self):
        token = self.login()
        response = self.http(
            "POST",
            CALL,
            '{"params": {"model": "res.partner", "method": "search_count", "args": [[]]}}',
            headers={"Origin": ORIGIN, "Authorization": f"Bearer {token}"},
        )
        self.assertEqual(response.headers["Access-Control-Allow-Origin"], ORIGIN)
        self.assertIn("Origin", response.headers["Vary"])
        self.assertIn("result", response.json())
        # a page may read what tells it when to retry and whether it got a replay
        exposed = {name.strip() for name in response.headers["Access-Control-Expose-Headers"].split(",")}
        self.assertLessEqual({"Retry-After", "Idempotent-Replayed", "WWW-Authenticate"}, exposed)
        error = self.http("POST", CALL, "{bad", headers={"Origin": ORIGIN})
        self.assertEqual(error.headers["Access-Control-Allow-Origin"], ORIGIN, "errors are readable too")

    def test_empty_setting_means_no_cross_origin_access(self):
        self.env["ir.config_parameter"].sudo().set_param("json_rpc_token.cors_origins", "")
        response = self.http("OPTIONS", CALL, headers={"Origin": ORIGIN})
        self.assertNotIn("Access-Control-Allow-Origin", response.headers)


@tagged("post_install", "-at_install")
class TestFieldSelection(JsonCallCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.country = cls.env.ref("base.be")
        cls.company = cls.env["res.partner"].create(
            {"name": "Nested Co", "is_company": True, "country_id": cls.country.id}
        )
        cls.person = cls.env["res.partner"].create(
            {"name": "Nested Person", "parent_id": cls.company.id, "email": "n@p.example"}
        )

    def setUp(self):
        super().setUp()
        self.token = self.login()

    def read_person(self, fields, method="read", **kwargs):
        args = [[self.person.id], fields] if method == "read" else [[["id", "=", self.person.id]], fields]
        return self.call(self.token, "res.partner", method, args, kwargs=kwargs or None)

    def test_plain_list_is_unchanged(self):
        self.assertEqual(
            self.read_person(["name", "parent_id"]),
            [{"id": self.person.id, "name": "Nested Person", "parent_id": [self.company.id, "Nested Co"]}],
        )

    def test_compact_string(self):
        rows = self.read_person("{id, name, parent_id{name, country_id{code}}}")
        self.assertEqual(
            rows,
            [
                {
                    "id": self.person.id,
                    "name": "Nested Person",
                    "parent_id": {
                        "id": self.company.id,
                        "name": "Nested Co",
                        "country_id": {"id": self.country.id, "code": "BE"},
                    },
                }
            ],
        )
        rows = self.read_person("{name, parent_id{name}}", method="search_read")
        self.assertEqual(rows[0]["parent_id"]["name"], "Nested Co")

    def test_star_and_exclusion(self):
        row = self.read_person("{*, -email, parent_id{name}}")[0]
        self.assertNotIn("email", row)
        self.assertIn("phone", row)
        self.assertEqual(row["parent_id"], {"id": self.company.id, "name": "Nested Co"})

    def test_web_specification(self):
        rows = self.read_person({"name": {}, "parent_id": {"fields": {"display_name": {}}}})
        self.assertEqual(rows[0]["parent_id"], {"id": self.company.id, "display_name": "Nested Co"})

    def test_pagination_and_count(self):
        domain = [["name", "like", "Nested"]]
        answer = self.call(
            self.token,
            "res.partner",
            "search_read",
            [domain, ["name"]],
            kwargs={"limit": 1, "offset": 1, "order": "name asc", "count": True},
        )
        self.assertEqual(answer, {"records": [{"id": self.person.id, "name": "Nested Person"}], "length": 2})
        answer = self.call(
            self.token,
            "res.partner",
            "search_read",
            [domain, "{name}"],
            kwargs={"limit": 1, "order": "name desc", "count": True},
        )
        self.assertEqual(answer, {"records": [{"id": self.person.id, "name": "Nested Person"}], "length": 2})

    def test_bad_selections(self):
        for fields in ("{name", "{name}}", "name", "{-}", "{name{x}}", "{nope}", "{parent_id{nope}}", "{na-me}"):
            with self.subTest(fields=fields):
                self.call_error(self.token, "res.partner", "read", [[self.person.id], fields], code=-32602)
        self.call_error(self.token, "res.partner", "read", [[self.person.id], {"name": 1}], code=-32602)

    def test_rights_still_apply(self):
        rows = self.call(self.token, "res.users", "read", [[self.integrator.id], "{password}"])
        self.assertEqual(rows[0]["password"], "", "Odoo never reads a password back")
        self.call_error(self.token, "res.users", "read", [[self.integrator.id], "{api_key_ids{key}}"], code=-32602)
        rows = self.call(self.token, "res.partner", "read", [[self.person.id], "{user_ids{login}}"])
        self.assertEqual(rows[0]["user_ids"], [])


@tagged("post_install", "-at_install")
class TestOpenApi(JsonCallCase):
    def test_document_describes_the_routes_from_their_specs(self):
        response = self.url_open("/json-call/openapi.json")
        self.assertEqual(response.status_code, 200)
        document = response.json()
        self.assertEqual(document["openapi"], "3.1.0")
        # the JSON-RPC paths (each other dialect's are checked by its own tests)
        self.assertEqual(
            {path for path in document["paths"] if path.startswith("/json-call")},
            {"/json-call", "/json-call/user_authenticate", "/json-call/user_logout"},
        )
        params = document["components"]["schemas"]["json_call_request"]["properties"]["params"]
        from odoo.addons.json_rpc_token.core import params as spec

        self.assertEqual(set(params["properties"]) - {"Args"}, set(spec.CALL))
        self.assertEqual(params["required"], ["model", "method"])
        codes = document["components"]["schemas"]["Error"]["properties"]["code"]["enum"]
        self.assertTrue({-32700, -32600, -32601, -32602, -32603, -32001, -32005, -32008} <= set(codes))

    def test_rest_list_describes_cursor_paging(self):
        """A sync client generated from the document can page with a cursor
        (issue #22): REST's list takes ``after`` and answers ``next_cursor``."""
        document = self.url_open("/json-call/openapi.json").json()
        operation = document["paths"]["/api/{model}/"]["get"]
        after = {param["name"]: param for param in operation["parameters"]}["after"]
        self.assertEqual((after["in"], after["required"]), ("query", False))
        self.assertIn("next_cursor", after["description"])
        page = operation["responses"]["200"]["content"]["application/json"]["schema"]
        if "$ref" in page:
            page = document["components"]["schemas"][page["$ref"].rsplit("/", 1)[1]]
        self.assertEqual(page["properties"]["next_cursor"]["type"], ["string", "null"])
        self.assertNotIn("next_cursor", page["required"])

    def test_schema_driven_fuzzing(self):
        """schemathesis generates requests from the description and checks
        every answer: no server error, status, content type and body as
        described."""
        self.env["ir.config_parameter"].sudo().set_param("base.login_cooldown_after", 0)
        # with a live token (an internal user's, not an administrator's): the
        # requests reach the calls of every dialect, not only the token check
        token = self.login()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "run",
                self.base_url() + "/json-call/openapi.json",
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                "--max-examples",
                "40",
                "--phases",
                "examples,coverage,fuzzing",
                "--seed",
                "1",
                "--header",
                f"Authorization: Bearer {token}",
                "--request-timeout",
                "20",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        self.assertEqual(result.returncode, 0, result.stdout[-6000:] + result.stderr[-2000:])

"""The typed OpenAPI document (``/json-call/openapi.json?models=...``): what
a client generator makes of it is what a user relies on.

* the document itself, valid OpenAPI 3.1 (openapi-spec-validator, pinned in
  devtools/requirements.txt): each model's fields typed as Odoo answers
  them, for the bearer's user only; a model that does not exist, or that the
  token may not use, refused with an error of the error table; examples that
  work as is;
* TypeScript, as its users generate it: openapi-typescript (with
  openapi-fetch) and @hey-api/openapi-ts, from the npm registry (versions
  pinned in :data:`NPM_PACKAGES`, installed once into a cache folder outside
  the checkout, see :func:`.common.tool_cache`), generate from the test
  server's document; ``tsc --strict --noEmit`` compiles a small client of
  each (tests/typescript/), which node then runs against the test server:
  log in, page partners (``email: string | false``), create one.
"""

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import openapi_spec_validator
from odoo.tests import tagged

from .common import PASSWORD, node_packages, unlimited_address_space
from .test_json2 import Json2Case

TYPED = "/json-call/openapi.json?models=res.partner,res.country"
CLIENTS = Path(__file__).resolve().parent / "typescript"
#: what the TypeScript tests install from the npm registry, pinned
#: (@hey-api/openapi-ts 0.95: the last release that runs on Node 20)
NPM_PACKAGES = {
    "openapi-typescript": "7.13.0",
    "openapi-fetch": "0.17.0",
    "@hey-api/openapi-ts": "0.95.0",
    "typescript": "5.9.3",
}
#: the client project: strict, compiled to CommonJS for node (the generated
#: modules import each other without file extensions)
TSCONFIG = {
    "compilerOptions": {
        "strict": True,
        "target": "es2022",
        "module": "commonjs",
        "moduleResolution": "node10",
        "lib": ["es2022", "dom", "dom.iterable"],
        "types": [],
        "outDir": "out",
    },
    "include": ["*.ts", "generated/**/*.ts"],
}


class TypedCase(Json2Case):
    """JSON-2's case: the typed document checks the bearer as JSON-2 does."""

    def typed(self, path=TYPED, token=None, status=200):
        headers = {"Authorization": f"Bearer {token or self.token}"} if token is not False else {}
        response = self.http("GET", path, headers=headers)
        self.assertEqual(response.status_code, status, response.text[:1000])
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"), response.text[:300])
        return response.json()


@tagged("post_install", "-at_install")
class TestTypedDocument(TypedCase):
    def test_fields_typed_as_odoo_answers_them(self):
        schemas = self.typed()["components"]["schemas"]
        partner = schemas["ResPartner"]["properties"]
        false = {"type": "boolean", "enum": [False], "description": "Empty."}
        self.assertEqual(partner["email"]["anyOf"], [{"type": "string"}, false])
        self.assertEqual(partner["id"], {"type": "integer", "readOnly": True})
        self.assertEqual(partner["active"]["type"], "boolean", "a boolean is never 'false for empty'")
        self.assertEqual(partner["child_ids"]["type"], "array")
        self.assertEqual(partner["child_ids"]["items"], {"type": "integer"})
        # many2one: [id, name] as search_read and JSON-2 answer it, the id or an object in REST
        parent = partner["parent_id"]["anyOf"][0]
        self.assertEqual(parent["prefixItems"], [{"type": "integer"}, {"type": "string"}])
        self.assertEqual((parent["minItems"], parent["maxItems"]), (2, 2))
        rest_parent = schemas["ResPartnerRest"]["properties"]["parent_id"]["anyOf"][0]["anyOf"]
        self.assertEqual(rest_parent[0], {"type": "integer"})
        # selection keys as an enum, as the user's fields_get gives them
        keys = [key for key, _label in self.env["res.partner"].fields_get(["type"])["type"]["selection"]]
        self.assertEqual(partner["type"]["anyOf"][0], {"enum": keys})
        self.assertTrue(partner["create_date"]["readOnly"])
        self.assertEqual(partner["create_date"]["anyOf"][0]["pattern"], r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
        self.assertEqual(partner["image_128"]["anyOf"][0]["contentEncoding"], "base64")
        # values: the writable fields only; res.country's name is required and has no default
        self.assertNotIn("create_date", schemas["ResPartnerValues"]["properties"])
        self.assertIn("name", schemas["ResCountryValues"]["required"])
        self.assertEqual(
            schemas["ResCountry"]["properties"]["name"]["type"], "string", "a required stored field is never false"
        )

    def test_only_the_fields_the_user_may_read(self):
        schemas = self.typed("/json-call/openapi.json?models=res.users")["components"]["schemas"]
        as_user = set(self.env["res.users"].with_user(self.integrator).fields_get())
        self.assertEqual(set(schemas["ResUsers"]["properties"]), as_user | {"id"})
        self.assertLess(len(as_user), len(self.env["res.users"].sudo().fields_get()), "groups hide fields")

    def test_operations_of_each_model(self):
        document = self.typed()
        paths = document["paths"]
        for path in (
            "/api/res.partner/",
            "/api/res.partner/{id}/",
            "/json/2/res.partner/search_read",
            "/json/2/res.partner/read",
            "/json/2/res.partner/create",
            "/json/2/res.partner/write",
            "/api/res.country/",
        ):
            self.assertIn(path, paths)
        page = paths["/api/res.partner/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        self.assertEqual(page, {"$ref": "#/components/schemas/ResPartnerPage"})
        self.assertEqual(
            document["components"]["schemas"]["ResPartnerPage"]["properties"]["result"]["items"],
            {"$ref": "#/components/schemas/ResPartnerRest"},
        )
        search_read = paths["/json/2/res.partner/search_read"]["post"]
        self.assertEqual(search_read["tags"], ["JSON-2"])
        self.assertNotIn("model", [p["name"] for p in search_read["parameters"]])
        operation_ids = [op["operationId"] for item in paths.values() for op in item.values()]
        self.assertEqual(len(operation_ids), len(set(operation_ids)), "operationIds are unique")
        # the typed operations answer as the generic ones do
        partner = self.env["res.partner"].create({"name": "Typed", "parent_id": self.integrator.partner_id.id})
        rows = self.ok(
            "res.partner", "search_read", {"domain": [["id", "=", partner.id]], "fields": ["email", "parent_id"]}
        )
        self.assertEqual(
            rows, [{"id": partner.id, "email": False, "parent_id": [self.integrator.partner_id.id, "Integrator"]}]
        )

    def test_a_token_is_needed_and_its_checks_apply(self):
        error = self.typed(token=False, status=401)["error"]
        self.assertEqual(error["code"], -32002)
        self.assertEqual(self.typed(token="not-a-token", status=401)["error"]["code"], -32003)
        # an Odoo API key, as JSON-2 takes
        key = self.env["res.users.apikeys"].with_user(self.integrator).sudo()._generate(None, "typed", None)
        self.assertIn("ResPartner", self.typed(token=key)["components"]["schemas"])

    def test_models_the_token_may_not_use(self):
        refused = self.typed("/json-call/openapi.json?models=nope.model", status=404)["error"]
        self.assertEqual(
            (refused["code"], refused["data"]["message"]), (-32601, "The model 'nope.model' does not exist.")
        )
        self.assertEqual(
            self.typed("/json-call/openapi.json?models=mail.thread,res.partner", status=404)["error"]["code"],
            -32601,
            "an abstract model has no records",
        )
        self.assertEqual(
            self.typed("/json-call/openapi.json?models=ir.config_parameter", status=403)["error"]["code"],
            -32010,
            "the user may not read it",
        )
        self.assertEqual(self.typed("/json-call/openapi.json?models=", status=400)["error"]["code"], -32602)
        scoped = self.result(
            "/json-call/user_authenticate",
            {"login": "integrator", "password": PASSWORD, "scope": {"models": ["res.country"]}},
        )["token"]
        self.typed("/json-call/openapi.json?models=res.country", token=scoped)
        refused = self.typed(token=scoped, status=403)["error"]
        self.assertEqual(refused["code"], -32010)
        self.assertIn("res.partner", refused["data"]["message"])

    def test_examples_work_as_is(self):
        """What Swagger UI's "Try it out" sends, unchanged: the examples of
        the document (admin's login and password, as on the demo database),
        the database named only as the server's real one."""
        document = self.http("GET", "/json-call/openapi.json").json()
        paths = document["paths"]

        def body(path, method="post"):
            return json.dumps(paths[path][method]["requestBody"]["content"]["application/json"]["example"])

        def params(path, where, method):
            return {
                p["name"]: p["example"]
                for p in paths[path][method]["parameters"]
                if p["in"] == where and "example" in p
            }

        login = self.http("POST", "/json-call/user_authenticate", body("/json-call/user_authenticate")).json()
        self.assertIn("result", login, login)
        bearer = {"Authorization": f"Bearer {login['result']['token']}"}
        call = self.http("POST", "/json-call", body("/json-call"), bearer).json()
        self.assertIsInstance(call["result"], list, call)
        self.assertIn(json.loads(body("/json-call"))["params"].get("db"), (None, self.env.cr.dbname))
        query = params("/api/{model}/", "query", "get")
        listed = self.opener.get(self.base_url() + "/api/res.partner/", params=query, headers=bearer, timeout=20)
        self.assertEqual(listed.status_code, 200, listed.text)
        headers = {**bearer, **params("/json/2/{model}/{method}", "header", "post")}
        found = self.http("POST", "/json/2/res.partner/search_read", body("/json/2/{model}/{method}"), headers)
        self.assertEqual(found.status_code, 200, found.text)
        self.assertEqual(set(found.json()[0]), {"id", "name", "email"})
        for operation in (op for item in paths.values() for op in item.values()):
            for status, response in operation["responses"].items():
                content = response.get("content", {}).get("application/json", {})
                self.assertTrue(
                    {"example", "examples"} & set(content) or status == "204",
                    f"{operation['operationId']} {status}: no example",
                )

    def test_documents_are_valid_openapi(self):
        for document in (self.http("GET", "/json-call/openapi.json").json(), self.typed()):
            openapi_spec_validator.validate(document)  # raises, saying where, if not

    def test_the_document_without_models_needs_nothing(self):
        response = self.http("GET", "/json-call/openapi.json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Access-Control-Allow-Origin"], "*")
        document = response.json()
        self.assertNotIn("ResPartner", document["components"]["schemas"])
        self.assertEqual([tag["name"] for tag in document["tags"]], ["JSON-RPC", "REST", "JSON-2"])
        for path, item in document["paths"].items():
            for method, operation in item.items():
                self.assertEqual(len(operation["tags"]), 1, f"{method} {path}")
                self.assertIn(operation["tags"][0], ("JSON-RPC", "REST", "JSON-2"))


@tagged("post_install", "-at_install")
class TestTypeScriptClients(TypedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.packages = node_packages("typescript", NPM_PACKAGES)

    def run_command(self, *command, cwd=None):
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=300, cwd=cwd, preexec_fn=unlimited_address_space
        )
        self.assertEqual(result.returncode, 0, f"{command}\n{result.stdout[-4000:]}{result.stderr[-4000:]}")
        return result

    def run_client(self, client, generate):
        """Generate the client code into a project of ``client``
        (tests/typescript/), compile it with ``tsc --strict``, run it; its
        report."""
        if self.packages is None:
            self.skipTest("no node and npm, or no npm registry")
        modules = self.packages / "node_modules"
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp)
            (project / "node_modules").symlink_to(modules)
            (project / "tsconfig.json").write_text(json.dumps(TSCONFIG))
            shutil.copy(CLIENTS / client, project / "client.ts")
            (project / "openapi.json").write_text(json.dumps(self.typed()))
            generated = self.run_command("node", *generate(modules), cwd=project)
            self.assertNotIn("warn", (generated.stdout + generated.stderr).lower(), generated.stdout[-3000:])
            tsc = str(modules / "typescript" / "bin" / "tsc")
            self.run_command("node", tsc, "--strict", "--noEmit", "-p", "tsconfig.json", cwd=project)
            self.run_command("node", tsc, "-p", "tsconfig.json", cwd=project)
            name = f"Made by {client}"
            ran = self.run_command("node", "out/client.js", self.base_url(), "integrator", PASSWORD, name, cwd=project)
        report = json.loads(ran.stdout.splitlines()[-1])
        Partner = self.env["res.partner"].with_user(self.integrator)
        first = Partner.search([], order="id", limit=4)
        self.assertEqual(
            report["emails"], [partner.email or False for partner in first], "two pages of two, an empty email as false"
        )
        created = Partner.browse(report["id"])
        self.assertEqual(
            (created.name, report["name"], report["email"], report["parent_id"]), (name, name, False, False)
        )

    def test_openapi_typescript(self):
        self.run_client(
            "openapi_typescript_client.ts",
            lambda modules: [
                str(modules / "openapi-typescript" / "bin" / "cli.js"),
                "openapi.json",
                "-o",
                "generated/schema.d.ts",
            ],
        )

    def test_hey_api_openapi_ts(self):
        self.run_client(
            "hey_api_client.ts",
            lambda modules: [
                str(modules / "@hey-api" / "openapi-ts" / "bin" / "run.js"),
                "-i",
                "openapi.json",
                "-o",
                "generated",
            ],
        )

"""What Odoo 19 serves beside JSON-2 (``/web/version``, the API documentation
under ``/doc-bearer``), on Odoo 18 (controllers/odoo19.py), and the published
clients written for Odoo 19 that read them, each as its README shows it,
unchanged, against the test server:

* pyodoo-client, odoo-json2 and odoo-client-lib (pinned in
  devtools/requirements.txt), imported here, and odoo-json2's command line;
* mcp-server-odoo (pinned in devtools/requirements-mcp.txt: its mcp needs an
  idna that Odoo 18 pins lower, so it gets a virtual environment of its own,
  made on first use), run as an MCP server over stdio and driven by the mcp
  client library, as an assistant drives it.
"""

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import odoo.release
from odoo.tests import tagged

from .common import PASSWORD, tool_cache
from .test_json2 import Json2Case

ADDON = Path(__file__).resolve().parent.parent
INDEX = "/doc-bearer/index.json"
VERSION = {
    "version_info": list(odoo.release.version_info),
    "version": odoo.release.version,
    "server_version": odoo.release.version,
}
MCP_REQUIREMENTS = ADDON / "devtools" / "requirements-mcp.txt"


def installed(module):
    return importlib.util.find_spec(module) is not None


def doc_path(model):
    return f"/doc-bearer/{model}.json"


class Odoo19Case(Json2Case):
    def doc(self, path, token=None, headers=None, verb="GET"):
        """Fetch a document as Odoo 19's clients do: GET, no body, the bearer."""
        headers = dict(headers or {})
        if token is not False:
            headers.setdefault("Authorization", f"bearer {token or self.token}")
        response = self.opener.request(verb, self.base_url() + path, headers=headers, timeout=60)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"), response.text)
        return response.json()

    def doc_fails(self, status, name, path, **kwargs):
        return self.fails(status, name, None, None, verb=kwargs.pop("verb", "GET"), path=path, **kwargs)

    def scoped_token(self, models, read_only=False):
        return self.result(
            "/json-call/user_authenticate",
            {"login": "integrator", "password": PASSWORD, "scope": {"models": models, "read_only": read_only}},
        )["token"]

    def api_key(self):
        return self.env["res.users.apikeys"].with_user(self.integrator).sudo()._generate(None, "odoo 19 client", None)


@tagged("post_install", "-at_install")
class TestOdoo19Routes(Odoo19Case):
    # ---------------------------------------------------------- /web/version
    def test_version_tells_the_truth(self):
        """Odoo 19's shape, this server's Odoo 18 version; no token, no
        session, no database needed."""
        for path in ("/web/version", "/json/version"):
            response = self.opener.get(self.base_url() + path, timeout=20)
            self.assertEqual(response.status_code, 200, response.text)
            self.assertTrue(response.headers["Content-Type"].startswith("application/json"))
            self.assertEqual(response.json(), VERSION)
            self.assertEqual(response.json()["version_info"][0], 18)
        response = self.http("POST", "/web/version", "{}")
        self.assertEqual((response.status_code, response.headers["Allow"]), (405, "GET"), response.text)
        self.assertIn("error", response.json())

    # ------------------------------------------------------------ the index
    def test_index_lists_what_the_bearer_may_read(self):
        index = self.doc(INDEX)
        self.assertEqual(set(index), {"modules", "models"})
        self.assertEqual(index["modules"][0], "base")
        self.assertIn("json_rpc_token", index["modules"])
        models = {model["model"]: model for model in index["models"]}
        partner = models["res.partner"]
        self.assertEqual(set(partner), {"model", "name", "fields", "methods"})
        self.assertEqual(partner["name"], "Contact")
        self.assertEqual(partner["fields"]["name"], {"string": "Name"})
        self.assertTrue({"search_read", "read", "create", "write", "unlink"} <= set(partner["methods"]))
        self.assertFalse([name for name in partner["methods"] if name.startswith("_")], "no private method")
        self.assertNotIn("ir.config_parameter", models, "a model the user may not read")

    def test_index_keeps_to_a_token_scope(self):
        for read_only in (False, True):  # a read-only token reads the documentation all the same
            index = self.doc(INDEX, token=self.scoped_token(["res.partner", "res.country"], read_only))
            self.assertEqual([model["model"] for model in index["models"]], ["res.country", "res.partner"])

    def test_api_key_and_database_header(self):
        key = self.api_key()
        dbname = self.env.cr.dbname
        index = self.doc(INDEX, token=key, headers={"X-Odoo-Database": dbname})
        self.assertIn("res.partner", {model["model"] for model in index["models"]})
        self.assertEqual(self.doc(doc_path("res.partner"), token=key)["model"], "res.partner")
        self.doc_fails(404, "DatabaseNotFound", INDEX, headers={"X-Odoo-Database": "no-such-database"})

    def test_401_without_a_valid_bearer(self):
        for path in (INDEX, doc_path("res.partner")):
            response, _error = self.doc_fails(401, "TokenMissing", path, token=False)
            self.assertEqual(response.headers["WWW-Authenticate"], "bearer")
            self.doc_fails(401, "TokenInvalid", path, token="not-a-token")
        self.assertIs(self.result("/json-call/user_logout", {"token": self.token}), True)
        self.doc_fails(401, "TokenRevoked", INDEX)

    # ----------------------------------------------------------- one model
    def test_model_document(self):
        """Odoo 19's shape; each method's parameters in order, as a call
        binds them by name, and whether it takes ids (``api``)."""
        document = self.doc(doc_path("res.partner"))
        self.assertEqual(set(document), {"model", "name", "doc", "fields", "methods"})
        self.assertEqual((document["model"], document["name"]), ("res.partner", "Contact"))
        name = document["fields"]["name"]
        self.assertEqual((name["name"], name["type"], name["string"], name["module"]), ("name", "char", "Name", "base"))
        methods = document["methods"]
        self.assertFalse([method for method in methods if method.startswith("_")], "no private method")
        search_read = methods["search_read"]
        parameters = search_read["parameters"]
        self.assertEqual(list(parameters), ["domain", "fields", "offset", "limit", "order", "read_kwargs"])
        self.assertEqual(parameters["read_kwargs"]["kind"], "VAR_KEYWORD")
        self.assertNotIn("kind", parameters["domain"], "positional-or-keyword: no kind, as Odoo 19")
        self.assertEqual((parameters["domain"]["default"], parameters["offset"]["default"]), (None, 0))
        self.assertIn("Search domain", parameters["domain"]["doc"])
        self.assertEqual(
            search_read["signature"], "(domain=None, fields=None, offset=0, limit=None, order=None, **read_kwargs)"
        )
        self.assertEqual(search_read["api"], ["model", "readonly"])
        self.assertEqual((search_read["model"], search_read["module"]), ("core", "core"))
        self.assertIn("<p>", search_read["doc"])
        read = methods["read"]  # a record method: the ids are given apart, not a parameter
        self.assertEqual(list(read["parameters"]), ["fields", "load"])
        self.assertNotIn("model", read.get("api", []))
        self.assertEqual(methods["create"]["api"], ["model"])
        self.assertEqual(list(methods["create"]["parameters"]), ["vals_list"])
        self.assertEqual(list(methods["write"]["parameters"]), ["vals"])
        own = methods["address_get"]  # introduced by the model itself
        self.assertEqual((own["model"], own["module"]), ("res.partner", "base"))

    def test_model_document_errors_as_json2_answers_them(self):
        self.doc_fails(404, "MethodNotFound", doc_path("no.such.model"))
        self.doc_fails(403, "AccessError", doc_path("ir.config_parameter"))  # the user may not read it
        scoped = self.scoped_token(["res.partner"])
        self.doc_fails(403, "AccessError", doc_path("res.users"), token=scoped)
        self.fails(403, "AccessError", "res.users", "search_count", {"domain": []}, token=scoped)  # as JSON-2 does
        self.assertEqual(
            self.doc(doc_path("res.partner"), token=self.scoped_token(["res.partner"], True))["model"], "res.partner"
        )
        response, _error = self.doc_fails(405, "MethodNotAllowed", doc_path("res.partner"), verb="POST")
        self.assertEqual(response.headers["Allow"], "GET")
        for path in ("/doc-bearer", "/doc-bearer/res.partner", "/doc-bearer/a/b.json"):
            _response, error = self.doc_fails(404, "MethodNotFound", path, token=False)
            self.assertIn("/doc-bearer/index.json", error["message"])


@tagged("post_install", "-at_install")
class TestOdoo19Clients(Odoo19Case):
    """Each client as its README shows it, pointed at this server."""

    def setUp(self):
        super().setUp()
        self.partner = self.env["res.partner"].create({"name": "Odoo 19 Client Partner", "ref": "O19"})

    @unittest.skipUnless(installed("pyodoo_client"), "pyodoo-client is not installed (devtools/requirements.txt)")
    def test_pyodoo_client(self):
        from pyodoo_client import OdooClient

        client = OdooClient(url=self.base_url(), db=self.env.cr.dbname, api_key=self.token, debug=True)
        self.assertTrue(client.logged_in)
        self.assertEqual(client.uid, self.integrator.id)
        self.assertEqual(client.database.version(), VERSION)
        self.assertEqual(client.database.server_version(), odoo.release.version)
        partners = client.model("res.partner").search_read({"domain": [["ref", "=", "O19"]], "fields": ["name"]})
        self.assertEqual([(p.id, p.name) for p in partners], [(self.partner.id, "Odoo 19 Client Partner")])
        entity = client.model("res.partner").get(self.partner.id)
        entity.name = "Renamed by pyodoo-client"
        self.assertEqual(entity.save(), self.partner.id)
        created = client.model("res.partner").create({"name": "Created by pyodoo-client"})
        self.assertEqual(self.env["res.partner"].browse(created).name, "Created by pyodoo-client")
        self.partner.invalidate_recordset()
        self.assertEqual(self.partner.name, "Renamed by pyodoo-client")

    @unittest.skipUnless(installed("odoo_json2"), "odoo-json2 is not installed (devtools/requirements.txt)")
    def test_odoo_json2(self):
        from odoo_json2 import JSON2Client

        client = JSON2Client(host=self.base_url(), api_key=self.token, database=self.env.cr.dbname)
        self.assertEqual(client.version(), VERSION)
        Partner = client.env["res.partner"]
        self.assertEqual(
            Partner.search_read(domain=[("ref", "=", "O19")], fields=["name"], limit=5),
            [{"id": self.partner.id, "name": "Odoo 19 Client Partner"}],
        )
        self.assertEqual(Partner.search([["ref", "=", "O19"]]), [self.partner.id])
        [created] = Partner.create({"name": "Created by odoo-json2"})
        self.assertIs(Partner.write([created], {"ref": "O19"}), True)
        self.assertEqual(Partner.search_count([["ref", "=", "O19"]]), 2)
        self.assertIs(Partner.unlink([created]), True)
        # its command line: the version it shows is this server's
        with tempfile.TemporaryDirectory() as cwd:
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "odoo_json2.cli",
                    "--host",
                    self.base_url(),
                    "--key",
                    self.token,
                    "--db",
                    self.env.cr.dbname,
                    "test-connection",
                ],
                cwd=cwd,
                capture_output=True,
                text=True,
                timeout=120,
                env={**os.environ, "COLUMNS": "200"},
            )
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        version_line = next(line for line in result.stdout.splitlines() if "Server Version" in line)
        self.assertIn(odoo.release.version, version_line)

    @unittest.skipUnless(installed("odoolib"), "odoo-client-lib is not installed (devtools/requirements.txt)")
    def test_odoo_client_lib_json2_positional_calls(self):
        """odoo-client-lib names positional arguments after the method's
        parameters in /doc-bearer/<model>.json; an Odoo API key, as its
        README says."""
        import odoolib

        port = int(self.base_url().rsplit(":", 1)[1])
        connection = odoolib.get_connection(
            hostname="127.0.0.1", port=port, protocol="json2", database=self.env.cr.dbname, password=self.api_key()
        )
        self.assertTrue(connection.check_login())
        partners = connection.get_model("res.partner")
        self.assertEqual(
            partners.search_read([("ref", "=", "O19")], ["name"]),
            [{"id": self.partner.id, "name": "Odoo 19 Client Partner"}],
        )
        ids = partners.search([("ref", "=", "O19")])
        self.assertEqual(ids, [self.partner.id])
        self.assertEqual(partners.read(ids[0], ["name"]), {"id": self.partner.id, "name": "Odoo 19 Client Partner"})
        created = partners.create({"name": "Created by odoo-client-lib", "ref": "O19"})
        self.assertIs(partners.write([created], {"comment": "positional"}), True)
        self.assertEqual(partners.search_count([("ref", "=", "O19")]), 2)
        self.assertEqual(
            partners.name_search("Created by odoo-client", [], "ilike", 5), [[created, "Created by odoo-client-lib"]]
        )
        self.assertIs(partners.unlink([created]), True)

    def test_mcp_server_odoo(self):
        """mcp-server-odoo's default transport (``auto``) reads
        /web/version: JSON-2 is for Odoo 19 and later, so it uses XML-RPC,
        with the token as the password, and its tools work; told to use
        JSON-2 only, it refuses, with this server's true version."""
        python = mcp_python()
        if python is None:
            self.skipTest("no virtual environment with devtools/requirements-mcp.txt (no package index?)")
        refusal = f"JSON-2 needs Odoo 19 or later; this server runs {odoo.release.version}"
        result = self.run_mcp(python, "auto")
        self.assertEqual(result.returncode, 0, result.stdout[-3000:] + result.stderr[-3000:])
        report = json.loads(result.stdout.splitlines()[-1])
        self.assertIn("search_records", report["tools"])
        self.assertEqual(report["search"]["records"], [{"id": self.partner.id, "name": "Odoo 19 Client Partner"}])
        self.assertIn(refusal, result.stderr)
        self.assertIn("over XML-RPC", result.stderr)
        refused = self.run_mcp(python, "json2")
        self.assertNotEqual(refused.returncode, 0, refused.stdout)
        self.assertIn(refusal, refused.stderr)

    def run_mcp(self, python, transport):
        """mcp-server-odoo as an MCP server (stdio), driven by the mcp client:
        list its tools, search with one; ``transport``: its ODOO_RPC_TRANSPORT."""
        with tempfile.TemporaryDirectory() as cwd:  # no .env of anyone's
            return subprocess.run(
                [
                    str(python),
                    "-c",
                    MCP_DRIVER,
                    self.base_url(),
                    self.env.cr.dbname,
                    self.token,
                    "integrator",
                    transport,
                ],
                cwd=cwd,
                capture_output=True,
                text=True,
                timeout=180,
            )


#: run by the MCP environment's Python: ``python -c MCP_DRIVER <url> <db> <key> <login> <transport>``
MCP_DRIVER = """
import asyncio, json, sys
from mcp import Client
from mcp.client.stdio import StdioServerParameters

url, db, key, login, transport = sys.argv[1:6]


async def main():
    env = {"ODOO_URL": url, "ODOO_DB": db, "ODOO_API_KEY": key, "ODOO_USER": login, "ODOO_YOLO": "read",
           "ODOO_RPC_TRANSPORT": transport}
    server = StdioServerParameters(command=sys.executable, args=["-m", "mcp_server_odoo"], env=env)
    async with Client(server) as client:
        tools = [tool.name for tool in (await client.list_tools()).tools]
        found = await client.call_tool("search_records", {
            "model": "res.partner", "domain": [["ref", "=", "O19"]], "fields": ["name"]})
        assert not found.is_error, found.content
        print(json.dumps({"tools": tools, "search": found.structured_content}))

asyncio.run(main())
"""


def mcp_python():
    """The Python of a virtual environment holding devtools/requirements-mcp.txt,
    made on first use and kept (one per requirements and Python, see
    :func:`.common.tool_cache`); None if it cannot be made (no package index)."""
    if not MCP_REQUIREMENTS.exists():
        return None
    digest = hashlib.sha1(MCP_REQUIREMENTS.read_bytes() + sys.version.encode()).hexdigest()[:12]

    def install(venv):
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-r", str(MCP_REQUIREMENTS)],
            check=True,
            capture_output=True,
            timeout=900,
        )

    venv = tool_cache(f"mcp-{digest}", install)
    return venv / "bin" / "python" if venv is not None else None

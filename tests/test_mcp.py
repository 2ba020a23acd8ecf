"""``POST /mcp``, the Model Context Protocol on this addon's tokens
(controllers/mcp.py, core/mcp_tools.py), over real HTTP: the transport
(negotiation, header, notifications, 405, 401, origin), each tool, what a
scope or a read-only token hides, tool failures as results, the resources,
usage metering; and the official Python SDK client (``mcp`` 2.3, in its own
virtual environment, see test_odoo19.mcp_python) against the test server.
"""

import json
import subprocess
import tempfile
from unittest.mock import patch

import odoo
from odoo.tests import tagged

from ..core import mcp_tools, usage
from .common import PASSWORD, JsonCallCase
from .test_odoo19 import mcp_python

LATEST = "2025-11-25"
WRITE_TOOLS = {"create_records", "update_records", "delete_records", "call_method"}
ALL_TOOLS = {"list_models", "describe_model", "search_records", "read_records", "aggregate_records"} | WRITE_TOOLS


class McpCase(JsonCallCase):
    def setUp(self):
        super().setUp()
        self.token = self.login()

    def token_with(self, models=None, read_only=False):
        scope = {"read_only": read_only}
        if models is not None:
            scope["models"] = models
        return self.result(
            "/json-call/user_authenticate", {"login": "integrator", "password": PASSWORD, "scope": scope}
        )["token"]

    def send(self, body, token=None, headers=None, verb="POST"):
        headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": LATEST, **(headers or {})}
        if token is not False:
            headers.setdefault("Authorization", f"Bearer {token or self.token}")
        data = body if body is None or isinstance(body, (bytes, str)) else json.dumps(body)
        return self.opener.request(
            verb,
            self.base_url() + "/mcp",
            data=data,
            timeout=60,
            headers={"Content-Type": "application/json", **headers},
        )

    def request(self, method, params=None, status=200, **kwargs):
        body = {"jsonrpc": "2.0", "id": 7, "method": method}
        if params is not None:
            body["params"] = params
        response = self.send(body, **kwargs)
        self.assertEqual(response.status_code, status, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"), response.text)
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        answer = response.json()
        self.assertEqual((answer["jsonrpc"], answer["id"]), ("2.0", 7))
        return answer

    def ok(self, method, params=None, **kwargs):
        answer = self.request(method, params, **kwargs)
        self.assertIn("result", answer, answer.get("error"))
        return answer["result"]

    def rpc_error(self, method, params=None, code=None, status=200, **kwargs):
        answer = self.request(method, params, status=status, **kwargs)
        self.assertIn("error", answer, answer.get("result"))
        self.assertEqual(answer["error"]["code"], code, answer["error"])
        return answer["error"]

    def tool(self, name, arguments=None, **kwargs):
        result = self.ok("tools/call", {"name": name, "arguments": arguments or {}}, **kwargs)
        self.assertFalse(result["isError"], result["content"])
        self.assertEqual(result["content"][0]["type"], "text")
        return result["structuredContent"]

    def tool_error(self, name, arguments, **kwargs):
        result = self.ok("tools/call", {"name": name, "arguments": arguments}, **kwargs)
        self.assertTrue(result["isError"], result)
        self.assertNotIn("structuredContent", result)
        return result["content"][0]["text"]


@tagged("post_install", "-at_install")
class TestMcpTransport(McpCase):
    def test_initialize_negotiates_the_revision(self):
        for asked, answered in (
            (LATEST, LATEST),
            ("2025-06-18", "2025-06-18"),
            ("2025-03-26", "2025-03-26"),
            ("2024-11-05", LATEST),
            ("2099-01-01", LATEST),
        ):
            result = self.ok(
                "initialize",
                {"protocolVersion": asked, "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}},
                headers={},
            )
            self.assertEqual(result["protocolVersion"], answered)
        self.assertEqual(set(result["capabilities"]), {"tools", "resources"})
        self.assertEqual(result["serverInfo"]["name"], mcp_tools.SERVER_NAME)
        self.assertIn("list_models", result["instructions"])
        self.rpc_error("initialize", {"capabilities": {}}, code=-32602)
        self.assertEqual(self.ok("ping"), {})

    def test_protocol_version_header(self):
        self.assertEqual(self.ok("ping", headers={"MCP-Protocol-Version": "2025-03-26"}), {})
        self.assertEqual(self.ok("ping", headers={"MCP-Protocol-Version": ""}), {}, "none: the spec's default")
        error = self.rpc_error("ping", code=-32600, status=400, headers={"MCP-Protocol-Version": "1999-01-01"})
        self.assertIn("2025-11-25", error["data"]["message"])

    def test_only_post_no_stream_no_session(self):
        for verb in ("GET", "DELETE", "PUT"):
            response = self.send(None, verb=verb)
            self.assertEqual(response.status_code, 405, response.text)
            self.assertEqual(response.headers["Allow"], "POST")
            self.assertEqual(response.json()["error"]["code"], -32600)
        self.assertNotIn("Mcp-Session-Id", self.send({"jsonrpc": "2.0", "id": 1, "method": "ping"}).headers)

    def test_notifications_and_responses_answer_202(self):
        for body in (
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
            {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 3}},
            {"jsonrpc": "2.0", "id": 5, "result": {}},
        ):
            response = self.send(body)
            self.assertEqual((response.status_code, response.content), (202, b""), response.text)
        response = self.send({"jsonrpc": "2.0", "method": "notifications/initialized"}, token="not-a-token")
        self.assertEqual(response.status_code, 401, "a notification's token is checked too")

    def test_protocol_failures_are_jsonrpc_errors(self):
        self.rpc_error("no/such/method", code=-32601)
        self.rpc_error("server/discover", code=-32601)
        response = self.send(b"{not json")
        self.assertEqual((response.status_code, response.json()["error"]["code"]), (400, -32700))
        response = self.send([{"jsonrpc": "2.0", "id": 1, "method": "ping"}])
        self.assertEqual((response.status_code, response.json()["error"]["code"]), (400, -32600))
        response = self.send({"jsonrpc": "1.0", "id": 1, "method": "ping"})
        self.assertEqual((response.status_code, response.json()["error"]["code"]), (400, -32600))
        error = self.rpc_error("tools/call", {"name": "serch_records", "arguments": {}}, code=-32602)
        self.assertIn("did you mean 'search_records'", error["data"]["message"])
        for bad_id in (None, True, {"a": 1}):
            response = self.send({"jsonrpc": "2.0", "id": bad_id, "method": "ping"})
            self.assertEqual((response.status_code, response.json()["error"]["code"]), (400, -32600))

    def test_served_without_odoo_routing_and_on_odoo_database_path(self):
        """Database-free when the addon is loaded server-wide (one cursor, no
        ir.http hooks); on Odoo's database path otherwise, with the same
        answers, statuses and JSON errors."""
        self.assertIn("json_rpc_token", odoo.conf.server_wide_modules, "devtools' odoo.conf loads the addon")
        usage.flush(self.env.cr.dbname)
        hooks = []
        ir_http = type(self.env["ir.http"])
        with patch.object(ir_http, "_pre_dispatch", classmethod(lambda cls, rule, args: hooks.append(rule))):
            self.assertEqual(self.ok("ping"), {})
            self.assertFalse(hooks, "database-free: no ir.http routing")
            with patch.object(odoo.conf, "server_wide_modules", ["base", "web"]):
                self.assertEqual(self.ok("ping"), {})
                self.assertTrue(hooks, "Odoo's database path")
                self.assertEqual(
                    len(
                        self.tool(
                            "search_records",
                            {"model": "res.partner", "limit": 1},
                        )["records"]
                    ),
                    1,
                )
                response = self.send({"jsonrpc": "2.0", "id": 1, "method": "ping"}, token="not-a-token")
                self.assertEqual(response.status_code, 401)
                self.assertEqual(response.json()["error"]["code"], -32003)
                self.assertEqual(self.send(None, verb="GET").status_code, 405)

    def test_401_without_a_valid_token(self):
        for token, code in ((False, -32002), ("not-a-token", -32003)):
            response = self.send(
                {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": LATEST}}, token=token
            )
            self.assertEqual(response.status_code, 401, response.text)
            self.assertTrue(response.headers["WWW-Authenticate"].startswith("Bearer "), "see test_oauth")
            self.assertEqual(response.json()["error"]["code"], code)
        token = self.login()
        self.assertEqual(self.ok("ping", token=token), {})
        self.assertIs(self.result("/json-call/user_logout", {"token": token}), True)
        self.assertTrue(
            self.rpc_error("ping", token=token, code=-32005, status=401)["data"]["name"].endswith("TokenRevoked")
        )

    def test_foreign_origin_refused(self):
        self.rpc_error("ping", code=-32009, status=403, headers={"Origin": "http://rebind.example"})
        own = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        self.assertEqual(self.ok("ping", headers={"Origin": own}), {})
        response = self.send(
            {"jsonrpc": "2.0", "method": "notifications/initialized"}, headers={"Origin": "http://rebind.example"}
        )
        self.assertEqual(response.status_code, 403)

    def test_database_header_and_query(self):
        dbname = self.env.cr.dbname
        self.assertEqual(self.ok("ping", headers={"X-Odoo-Database": dbname}), {})
        response = self.opener.post(
            self.base_url() + f"/mcp?db={dbname}",
            timeout=20,
            data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        self.assertEqual(response.json()["result"], {})


@tagged("post_install", "-at_install")
class TestMcpTools(McpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.belgium = cls.env.ref("base.be")
        cls.partners = cls.env["res.partner"].create(
            [
                {
                    "name": f"MCP Partner {n}",
                    "ref": "MCPT",
                    "email": f"p{n}@mcp.test",
                    "country_id": cls.belgium.id,
                    "is_company": n % 2 == 0,
                }
                for n in range(5)
            ]
        )

    def test_tools_list_with_schemas_and_hints(self):
        tools = {tool["name"]: tool for tool in self.ok("tools/list")["tools"]}
        self.assertEqual(set(tools), ALL_TOOLS)
        for name, tool in tools.items():
            self.assertEqual(tool["inputSchema"]["type"], "object")
            self.assertEqual(tool["outputSchema"]["type"], "object")
            hints = tool["annotations"]
            self.assertEqual(hints["readOnlyHint"], name not in WRITE_TOOLS, name)
            self.assertEqual(set(hints) >= {"readOnlyHint", "destructiveHint", "idempotentHint"}, True)
        self.assertFalse(tools["create_records"]["annotations"]["destructiveHint"])
        self.assertTrue(tools["delete_records"]["annotations"]["destructiveHint"])
        self.assertTrue(tools["update_records"]["annotations"]["idempotentHint"])
        self.assertFalse(tools["create_records"]["annotations"]["idempotentHint"])
        # 2025-03-26 knew neither outputSchema nor structuredContent
        old = self.ok("tools/list", headers={"MCP-Protocol-Version": "2025-03-26"})["tools"]
        self.assertFalse([tool for tool in old if "outputSchema" in tool])
        result = self.ok(
            "tools/call", {"name": "list_models", "arguments": {}}, headers={"MCP-Protocol-Version": "2025-03-26"}
        )
        self.assertNotIn("structuredContent", result)
        self.assertIn("res.partner", result["content"][0]["text"])

    def test_list_and_describe_models(self):
        models = {model["model"]: model["name"] for model in self.tool("list_models")["models"]}
        self.assertEqual(models["res.partner"], "Contact")
        self.assertNotIn("ir.config_parameter", models, "a model the user may not read")
        described = self.tool("describe_model", {"model": "res.partner"})
        self.assertEqual(described["fields"]["country_id"]["relation"], "res.country")
        self.assertEqual(described["fields"]["type"]["type"], "selection")
        self.assertIn(["contact", "Contact"], described["fields"]["type"]["selection"])
        self.assertIn("required", described["fields"]["name"])
        self.assertIn("search_read", described["methods"])
        self.assertFalse([name for name in described["methods"] if name.startswith("_")])
        text = self.ok("tools/call", {"name": "describe_model", "arguments": {"model": "res.partner"}})
        self.assertLess(len(text["content"][0]["text"]), mcp_tools.MAX_CHARS, "sized for a model's context")
        self.assertEqual(len(described["fields"]["tz"]["selection"]), mcp_tools.MAX_SELECTION)
        self.assertIn("more values not listed", described["fields"]["tz"]["note"])

    def test_search_records(self):
        found = self.tool(
            "search_records",
            {
                "model": "res.partner",
                "domain": [["ref", "=", "MCPT"]],
                "fields": ["name", "country_id"],
                "order": "name",
                "limit": 2,
                "count": True,
            },
        )
        self.assertEqual(found["count"], 5)
        self.assertEqual(found["next_offset"], 2)
        self.assertEqual(found["records"][0]["name"], "MCP Partner 0")
        self.assertEqual(found["records"][0]["country_id"], [self.belgium.id, "Belgium"], "relations as [id, name]")
        last = self.tool(
            "search_records",
            {
                "model": "res.partner",
                "domain": [["ref", "=", "MCPT"]],
                "fields": ["name"],
                "order": "name",
                "limit": 2,
                "offset": 4,
            },
        )
        self.assertEqual([r["name"] for r in last["records"]], ["MCP Partner 4"])
        self.assertIsNone(last["next_offset"])
        nested = self.tool(
            "search_records",
            {
                "model": "res.partner",
                "domain": [["ref", "=", "MCPT"]],
                "fields": "{name, country_id{code}}",
                "limit": 1,
                "order": "name",
            },
        )
        self.assertEqual(nested["records"][0]["country_id"], {"id": self.belgium.id, "code": "BE"})
        default = self.tool("search_records", {"model": "res.partner", "domain": [["ref", "=", "MCPT"]], "limit": 1})[
            "records"
        ][0]
        self.assertIn("email", default)
        self.assertNotIn("image_1920", default, "binary fields only when asked")
        asked = self.tool(
            "search_records",
            {"model": "res.partner", "domain": [["ref", "=", "MCPT"]], "fields": ["image_128"], "limit": 1},
        )["records"][0]
        self.assertIn("image_128", asked)

    def test_answers_are_cut_with_a_note(self):
        with patch.object(mcp_tools, "MAX_CHARS", 150):
            found = self.tool(
                "search_records",
                {
                    "model": "res.partner",
                    "domain": [["ref", "=", "MCPT"]],
                    "fields": ["name", "email"],
                    "order": "name",
                    "limit": 5,
                },
            )
        self.assertLess(len(found["records"]), 5)
        self.assertIn("answer cut", found["note"])
        self.assertEqual(found["next_offset"], len(found["records"]))

    def test_read_and_aggregate(self):
        read = self.tool(
            "read_records", {"model": "res.partner", "ids": self.partners[:2].ids, "fields": ["name", "email"]}
        )
        self.assertEqual([r["email"] for r in read["records"]], ["p0@mcp.test", "p1@mcp.test"])
        groups = self.tool(
            "aggregate_records", {"model": "res.partner", "domain": [["ref", "=", "MCPT"]], "groupby": ["is_company"]}
        )["groups"]
        self.assertEqual({group["is_company"]: group["__count"] for group in groups}, {True: 3, False: 2})

    def test_create_update_delete_and_call_method(self):
        created = self.tool(
            "create_records", {"model": "res.partner", "values": {"name": "Made by MCP", "email": "made@mcp.test"}}
        )
        partner = self.env["res.partner"].browse(created["ids"])
        self.assertEqual(partner.create_uid, self.integrator)
        self.tool("update_records", {"model": "res.partner", "ids": partner.ids, "values": {"phone": "+32 2 555"}})
        partner.invalidate_recordset()
        self.assertEqual(partner.phone, "+32 2 555")
        self.tool("call_method", {"model": "res.partner", "method": "action_archive", "ids": partner.ids})
        partner.invalidate_recordset()
        self.assertFalse(partner.active)
        self.tool("delete_records", {"model": "res.partner", "ids": partner.ids})
        self.assertFalse(partner.exists())

    def test_tool_failures_are_results_a_model_can_act_on(self):
        text = self.tool_error("search_records", {"model": "res.partner", "fields": ["name", "emial"]})
        self.assertEqual(text, "field 'emial' does not exist on res.partner; did you mean 'email'?")
        text = self.tool_error("search_records", {"model": "res.partner", "domain": [["emial", "=", "x"]]})
        self.assertIn("did you mean 'email'", text)
        text = self.tool_error("describe_model", {"model": "res.partnr"})
        self.assertIn("did you mean 'res.partner'", text)
        text = self.tool_error("read_records", {"model": "res.partner", "ids": [999999999]})
        self.assertIn("no res.partner record with id 999999999", text)
        text = self.tool_error(
            "update_records",
            {"model": "res.partner", "ids": self.partners[:1].ids, "values": {"parent_id": self.partners[0].id}},
        )
        self.assertTrue(text.startswith("Validation error: "), text)
        text = self.tool_error("create_records", {"model": "res.country", "values": {"name": "Not mine"}})
        self.assertTrue(text.startswith("Access denied: "), text)
        text = self.tool_error("call_method", {"model": "res.partner", "method": "_private"})
        self.assertIn("no public method '_private'", text)
        text = self.tool_error("search_records", {"model": "res.partner", "fileds": ["name"]})
        self.assertTrue(
            text.startswith(
                "search_records has no argument 'fileds'; did you mean 'fields'? It takes: model, domain, fields,"
            ),
            text,
        )
        text = self.tool_error("search_records", {"model": "res.partner", "limit": 5000})
        self.assertIn("'limit' must be an integer from 1 to 200", text)
        # the transaction goes on after a failed tool: the next call works
        self.assertEqual(
            self.tool("read_records", {"model": "res.partner", "ids": self.partners[:1].ids, "fields": ["name"]})[
                "records"
            ][0]["name"],
            "MCP Partner 0",
        )

    def test_read_only_token_lists_no_write_tool(self):
        token = self.token_with(read_only=True)
        tools = {tool["name"] for tool in self.ok("tools/list", token=token)["tools"]}
        self.assertEqual(tools, ALL_TOOLS - WRITE_TOOLS)
        error = self.rpc_error(
            "tools/call",
            {"name": "create_records", "arguments": {"model": "res.partner", "values": {"name": "No"}}},
            code=-32602,
            token=token,
        )
        self.assertIn("read-only", error["data"]["message"])
        self.assertEqual(
            len(
                self.tool("search_records", {"model": "res.partner", "domain": [["ref", "=", "MCPT"]]}, token=token)[
                    "records"
                ]
            ),
            5,
        )

    def test_model_scope_hides_other_models_everywhere(self):
        token = self.token_with(["res.partner", "res.country"])
        tools = {tool["name"] for tool in self.ok("tools/list", token=token)["tools"]}
        self.assertEqual(tools, ALL_TOOLS - {"call_method"}, "call_method: tokens without scope only")
        models = [model["model"] for model in self.tool("list_models", token=token)["models"]]
        self.assertEqual(models, ["res.country", "res.partner"])
        text = self.tool_error("describe_model", {"model": "res.users"}, token=token)
        self.assertIn("does not exist or is not available to this token", text)
        text = self.tool_error("search_records", {"model": "res.usrs"}, token=token)
        self.assertNotIn("res.users", text, "no suggestion outside the scope")
        resources = [r["uri"] for r in self.ok("resources/list", token=token)["resources"]]
        self.assertEqual(resources, ["odoo://model/res.country", "odoo://model/res.partner"])
        self.rpc_error("resources/read", {"uri": "odoo://model/res.users"}, code=-32602, token=token)
        # the scope's domain checks hold: no way to res.users through a relation
        text = self.tool_error(
            "search_records", {"model": "res.partner", "domain": [["user_ids.login", "=", "x"]]}, token=token
        )
        self.assertIn("res.users", text)

    def test_resources(self):
        templates = {t["uriTemplate"] for t in self.ok("resources/templates/list")["resourceTemplates"]}
        self.assertIn("odoo://res.partner/{id}", templates)
        content = self.ok("resources/read", {"uri": "odoo://model/res.partner"})["contents"][0]
        self.assertEqual((content["uri"], content["mimeType"]), ("odoo://model/res.partner", "application/json"))
        self.assertIn("email", json.loads(content["text"])["fields"])
        uri = f"odoo://res.partner/{self.partners[0].id}"
        record = json.loads(self.ok("resources/read", {"uri": uri})["contents"][0]["text"])
        self.assertEqual(record["records"][0]["name"], "MCP Partner 0")
        self.rpc_error("resources/read", {"uri": "https://example.com"}, code=-32602)

    def test_usage_is_metered(self):
        usage.flush(self.env.cr.dbname)
        token_id = self.env["api.token"].sudo().search([("user_id", "=", self.integrator.id)], limit=1).id
        self.ok("ping")
        self.tool("list_models")
        self.tool_error("describe_model", {"model": "res.partnr"})  # a call, and an error
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})  # not a call
        usage.flush(self.env.cr.dbname)
        self.env.invalidate_all()
        rows = self.env["api.token.usage"].sudo().search([("token_id", "=", token_id)])
        self.assertEqual((sum(rows.mapped("calls")), sum(rows.mapped("errors"))), (3, 1))


@tagged("post_install", "-at_install")
class TestMcpLimits(McpCase):
    # the rate counters are written in a cursor of their own, which a test's
    # read-only cursor would have to share (see test_rate_limit)
    readonly_enabled = False

    def test_rate_limit_answers_429(self):
        token = self.result(
            "/json-call/user_authenticate", {"login": "integrator", "password": PASSWORD, "rate_limit": 2}
        )["token"]
        self.ok("ping", token=token)
        self.tool("list_models", token=token)
        response = self.send({"jsonrpc": "2.0", "id": 1, "method": "ping"}, token=token)
        self.assertEqual(response.status_code, 429, response.text)
        self.assertTrue(1 <= int(response.headers["Retry-After"]) <= 120)
        self.assertEqual(response.json()["error"]["code"], -32029)

    def test_idempotency_key_runs_a_write_once(self):
        body = {
            "jsonrpc": "2.0",
            "id": 3,
            "method": "tools/call",
            "params": {
                "name": "create_records",
                "arguments": {"model": "res.partner", "values": {"name": "Once by MCP"}},
            },
        }
        headers = {"Idempotency-Key": "mcp-create-once"}
        first, second = (self.send(body, headers=headers) for _n in range(2))
        self.assertEqual(first.json(), second.json())
        self.assertEqual(second.headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(self.env["res.partner"].search_count([("name", "=", "Once by MCP")]), 1)


@tagged("post_install", "-at_install")
class TestMcpSdkClient(McpCase):
    """The official MCP Python SDK's client, as an assistant uses it."""

    def test_python_sdk_client(self):
        python = mcp_python()
        if python is None:
            self.skipTest("no virtual environment with devtools/requirements-mcp.txt (no package index?)")
        usage.flush(self.env.cr.dbname)
        token_id = self.env["api.token"].sudo().search([("user_id", "=", self.integrator.id)], limit=1).id
        with tempfile.TemporaryDirectory() as cwd:
            result = subprocess.run(
                [str(python), "-c", SDK_DRIVER, self.base_url() + "/mcp", self.token],
                cwd=cwd,
                capture_output=True,
                text=True,
                timeout=180,
            )
        self.assertEqual(result.returncode, 0, result.stdout[-3000:] + result.stderr[-3000:])
        report = json.loads(result.stdout.splitlines()[-1])
        self.assertEqual(report["protocol"], LATEST)
        self.assertEqual(set(report["tools"]), ALL_TOOLS)
        self.assertEqual(report["found"], ["SDK Partner"])
        self.assertEqual(report["updated"], "sdk@mcp.test")
        self.assertTrue(report["error"].startswith("field 'emial' does not exist"))
        self.assertIn("res.partner", report["auto_models"])
        self.assertFalse(
            self.env["res.partner"].with_context(active_test=False).search([("name", "=", "SDK Partner")]),
            "deleted by the client",
        )
        usage.flush(self.env.cr.dbname)
        self.env.invalidate_all()
        rows = self.env["api.token.usage"].sudo().search([("token_id", "=", token_id)])
        # initialize, tools/list, create, search, update, read, delete, the failed search
        self.assertGreaterEqual(sum(rows.mapped("calls")), 8)


#: run by the MCP environment's Python: ``python -c SDK_DRIVER <url> <token>``
SDK_DRIVER = """
import asyncio, json, sys
from mcp import Client, ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

url, token = sys.argv[1:3]


async def main():
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    async with http, streamable_http_client(url, http_client=http) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            tools = [tool.name for tool in (await session.list_tools()).tools]

            async def call(name, **arguments):
                result = await session.call_tool(name, arguments)
                assert not result.is_error, result.content
                return result.structured_content

            created = await call("create_records", model="res.partner", values={"name": "SDK Partner"})
            ids = created["ids"] if isinstance(created["ids"], list) else [created["ids"]]
            found = await call("search_records", model="res.partner", domain=[["id", "in", ids]], fields=["name"])
            await call("update_records", model="res.partner", ids=ids, values={"email": "sdk@mcp.test"})
            read = await call("read_records", model="res.partner", ids=ids, fields=["email"])
            await call("delete_records", model="res.partner", ids=ids)
            failed = await session.call_tool("search_records", {"model": "res.partner", "fields": ["emial"]})
            assert failed.is_error
    # the high-level Client, as assistants built on the SDK connect: its default mode probes the SDK's
    # next era (server/discover), then falls back to the initialize handshake
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    async with http, Client(streamable_http_client(url, http_client=http)) as client:
        auto = await client.call_tool("list_models", {})
        assert not auto.is_error, auto.content
    print(json.dumps({"protocol": init.protocol_version, "tools": tools,
                      "found": [r["name"] for r in found["records"]], "updated": read["records"][0]["email"],
                      "error": failed.content[0].text,
                      "auto_models": [m["model"] for m in auto.structured_content["models"]]}))

asyncio.run(main())
"""

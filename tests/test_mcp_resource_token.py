"""A static token for ``/mcp`` only (issue #23): ``/json-call/user_authenticate``
with ``resource`` (RFC 8707: this server's MCP URL, or ``/mcp``) issues a
token of audience MCP, for an AI assistant configured by hand. It works on
``/mcp`` and is refused by every other dialect: ``/json-call``, REST,
JSON-2, Odoo's RPC with the token as password; logging it out works. Any
other resource is a clear error, before any password is checked."""

import xmlrpc.client

from odoo.tests import tagged

from .common import PASSWORD
from .test_mcp import McpCase

ONLY_MCP = "This token was issued for the MCP endpoint (/mcp) only."


@tagged("post_install", "-at_install")
class TestMcpResourceToken(McpCase):
    def login_for(self, resource, **options):
        return self.result(
            "/json-call/user_authenticate",
            {"login": "integrator", "password": PASSWORD, "resource": resource, **options},
        )["token"]

    def assert_only_on_mcp(self, secret):
        self.assertEqual(self.ok("ping", token=secret), {})
        self.assertTrue(self.tool("search_records", {"model": "res.partner", "limit": 1}, token=secret)["records"])
        error = self.error(
            "/json-call", {"token": secret, "model": "res.partner", "method": "search", "args": [[]]}, -32003
        )
        self.assertEqual(error["data"]["message"], ONLY_MCP)
        bearer = {"Authorization": f"Bearer {secret}"}
        response = self.opener.get(self.base_url() + "/api/res.partner", timeout=20, headers=bearer)
        self.assertEqual(response.status_code, 401, response.text)
        self.assertIn(ONLY_MCP, response.text)
        response = self.http("POST", "/json/2/res.partner/search", '{"domain": []}', bearer)
        self.assertEqual(response.status_code, 401, response.text)
        self.assertIn(ONLY_MCP, response.text)
        self.env.flush_all()
        with self.assertRaises(xmlrpc.client.Fault) as refused:
            xmlrpc.client.ServerProxy(self.base_url() + "/xmlrpc/2/object").execute_kw(
                self.env.cr.dbname, self.integrator.id, secret, "res.partner", "search", [[]]
            )
        self.assertIn(ONLY_MCP, refused.exception.faultString)
        answer = self.post(
            "/jsonrpc",
            {
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {
                    "service": "object",
                    "method": "execute_kw",
                    "args": [self.env.cr.dbname, self.integrator.id, secret, "res.partner", "search", [[]]],
                },
            },
        )
        self.assertIn(ONLY_MCP, answer["error"]["data"]["message"])
        self.reset_failure_counters()

    def test_short_name(self):
        secret = self.login_for("/mcp", scope={"models": ["res.partner"]})
        token = self.env["api.token"].sudo().browse(self.env["api.token"].sudo()._find_token(secret).id)
        self.assertEqual((token.audience, token.scope_models, token.oauth_grant_id.id), ("mcp", "res.partner", False))
        self.assertEqual(self.env["api.token.log"].sudo().search([("token_id", "=", token.id)]).event, "login")
        self.assert_only_on_mcp(secret)

    def test_the_mcp_url(self):
        """As the protected resource metadata names it, ``?db=`` included."""
        self.assert_only_on_mcp(self.login_for(self.base_url() + "/mcp"))
        self.assert_only_on_mcp(self.login_for(f"{self.base_url()}/mcp?db={self.env.cr.dbname}"))

    def test_logged_out_where_it_was_got(self):
        secret = self.login_for("/mcp")
        self.assertIs(self.result("/json-call/user_logout", {"token": secret}), True)
        self.rpc_error("ping", token=secret, code=-32005, status=401)

    def test_unknown_resource_is_a_clear_error(self):
        tokens = self.env["api.token"].sudo().search_count([])
        for resource in (
            "https://other.example/mcp",
            self.base_url() + "/json-call",
            self.base_url() + "/mcp#fragment",
            "mcp",
            "/api",
            "",
        ):
            error = self.error(
                "/json-call/user_authenticate",
                {"login": "integrator", "password": PASSWORD, "resource": resource},
                -32602,
            )
            self.assertEqual(
                error["data"]["message"],
                f"'resource' must be this server's MCP endpoint ({self.base_url()}/mcp, or '/mcp'): the token "
                "then works on /mcp only. Leave it out for a token of every other API.",
                resource,
            )
        error = self.error(
            "/json-call/user_authenticate", {"login": "integrator", "password": PASSWORD, "resource": 42}, -32602
        )
        self.assertIn("resource", error["data"]["message"])
        # refused before the password is checked: no token, no failed login counted
        self.error(
            "/json-call/user_authenticate", {"login": "integrator", "password": "wrong", "resource": "/api"}, -32602
        )
        self.assertEqual(self.env["api.token"].sudo().search_count([]), tokens)
        self.assertEqual(sum(self.env["api.token.lockout"].sudo().search([]).mapped("failures")), 0)

"""The official MCP TypeScript SDK's client (``@modelcontextprotocol/sdk``
1.32, from the npm registry, installed once into a cache folder outside the
checkout, see :func:`.common.node_packages`) against the test server, as an
assistant built on it connects (tests/typescript/mcp_sdk_client.mjs):

* given only the URL: its OAuth client provider discovers (the 401's
  challenge, RFC 9728, RFC 8414), registers (RFC 7591) and signs in with
  PKCE, the test playing the user's browser (Odoo's login form, then the
  consent page);
* given a token by hand, in the transport's headers;

then it lists the tools and searches, creates, updates and deletes a
partner, within what was approved, each call metered and audited.

Never skipped where node and npm are: a registry that cannot be reached
fails the test (a skip would hide that the client was never run)."""

import shutil
import tempfile
from pathlib import Path

from odoo.tests import tagged

from ..core import usage
from .common import PASSWORD, node_packages, run_oauth_client, unlimited_address_space
from .test_mcp import ALL_TOOLS, McpCase

#: what the test installs from the npm registry, pinned
NPM_PACKAGES = {"@modelcontextprotocol/sdk": "1.32.2"}
CLIENT = Path(__file__).resolve().parent / "typescript" / "mcp_sdk_client.mjs"
OUTSIDE = "model 'res.users' does not exist or is not available to this token"


@tagged("post_install", "-at_install")
class TestTypeScriptSdkClient(McpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.node = shutil.which("node")
        cls.packages = node_packages("mcp-typescript", NPM_PACKAGES) if cls.node and shutil.which("npm") else None

    def run_client(self, *arguments, consent=None):
        """Run the SDK's client (its folder beside the packages it imports);
        its report, and the consent pages the user saw."""
        if not self.node or not shutil.which("npm"):
            self.skipTest("no node and npm")
        self.assertIsNotNone(self.packages, f"npm could not install {NPM_PACKAGES} (no registry?)")
        usage.flush(self.env.cr.dbname)
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp)
            (project / "node_modules").symlink_to(self.packages / "node_modules")
            shutil.copy(CLIENT, project / "client.mjs")
            returncode, report, output, pages = run_oauth_client(
                [self.node, "client.mjs", self.base_url() + "/mcp", *arguments],
                "integrator",
                PASSWORD,
                consent or {},
                cwd=project,
                preexec_fn=unlimited_address_space,
            )
        self.assertEqual(returncode, 0, output[-4000:])
        self.assertEqual(report["found"], ["TypeScript SDK Partner"])
        self.assertEqual(report["updated"], "ts@mcp.test")
        self.assertFalse(
            self.env["res.partner"].with_context(active_test=False).search([("name", "=", "TypeScript SDK Partner")]),
            "deleted by the client",
        )
        return report, pages

    def assert_metered(self, token, at_least):
        usage.flush(self.env.cr.dbname)
        self.env.invalidate_all()
        rows = self.env["api.token.usage"].sudo().search([("token_id", "=", token.id)])
        self.assertGreaterEqual(sum(rows.mapped("calls")), at_least)
        self.assertEqual(rows.user_id, self.integrator)

    def test_typescript_sdk_signs_in_with_oauth(self):
        """Given only the URL; the user approves res.partner only."""
        report, pages = self.run_client("oauth", consent={"models": "res.partner"})
        self.assertEqual(len(pages), 1, "one consent page")
        self.assertIn("TypeScript SDK Assistant", pages[0])
        self.assertIn("127.0.0.1:33418", pages[0], "where the user is sent back")
        self.assertEqual(report["scope"], "read write")
        self.assertEqual(set(report["tools"]), ALL_TOOLS - {"call_method"})
        self.assertTrue(report["outside"].startswith(OUTSIDE), "res.users is outside the approved models")
        grant = self.env["api.oauth.grant"].sudo().search([("user_id", "=", self.integrator.id)])
        self.assertEqual((grant.client_id.name, grant.scope_models), ("TypeScript SDK Assistant", "res.partner"))
        self.assertEqual(grant.client_id.redirect_uri_list(), ["http://127.0.0.1:33418/callback"])
        token = grant.token_ids
        self.assertEqual((len(token), token.audience, token.user_id), (1, "mcp", self.integrator))
        # initialize, tools/list, create, search, update, read, delete, the refused search
        self.assert_metered(token, 8)
        log = self.env["api.token.log"].sudo().search([("user_id", "=", self.integrator.id)])
        self.assertEqual(
            log.filtered(lambda entry: entry.event == "oauth_token").token_id, token, "the token's issue is audited"
        )
        self.assertIn("TypeScript SDK Assistant", log.filtered(lambda entry: entry.event == "oauth_consent").detail)

    def test_typescript_sdk_with_a_static_bearer(self):
        """A client configured by hand: a token for /mcp only (see
        test_mcp_resource_token) in the transport's headers."""
        secret = self.result(
            "/json-call/user_authenticate",
            {"login": "integrator", "password": PASSWORD, "resource": "/mcp", "scope": {"models": ["res.partner"]}},
        )["token"]
        report, pages = self.run_client("bearer", secret)
        self.assertEqual(pages, [], "no sign-in")
        self.assertEqual(set(report["tools"]), ALL_TOOLS - {"call_method"})
        self.assertTrue(report["outside"].startswith(OUTSIDE), report["outside"])
        token = self.env["api.token"].sudo()._find_token(secret)
        self.assert_metered(self.env["api.token"].sudo().browse(token.id), 8)

"""The OAuth pages of issue #23 in a real browser (Odoo tours, headless
Chromium): the consent page an AI assistant sends its user to, reached as
a client reaches it (``/oauth/authorize`` with PKCE, Odoo's login form
first), and Connected Apps in the user's preferences. The test plays the
client around the browser: it registers, listens on its redirect URI,
exchanges the code and calls ``/mcp`` with the token."""

import http.server
import threading
from urllib.parse import parse_qs, urlencode, urlsplit

from odoo.tests import tagged

from .pictures import taking_pictures
from .test_mcp import WRITE_TOOLS
from .test_oauth import REDIRECT, OAuthCase, pkce

#: where the browser lands back in Odoo after the redirect URI
CONNECTED_APPS = "/odoo/action-json_rpc_token.api_oauth_grant_action"


class RedirectUriServer(http.server.ThreadingHTTPServer):
    """The client's redirect URI, on the loopback address (RFC 8252), as a
    desktop assistant listens: it keeps the query it was called with and
    sends the browser on to Odoo's Connected Apps, where the tour ends."""

    def __init__(self, port, then):
        self.queries = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.queries.append(parse_qs(urlsplit(self.path).query))
                self.send_response(302)
                self.send_header("Location", then)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args):
                pass

        super().__init__(("127.0.0.1", port), Handler)


def serve_redirect_uri(then):
    """A :class:`RedirectUriServer` on a free port the system picks (as
    pytest-odoo picks the test server's), running in a thread."""
    server = RedirectUriServer(0, then)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class OAuthTourCase(OAuthCase):
    def setUp(self):
        super().setUp()
        self.callback = serve_redirect_uri(self.base_url() + CONNECTED_APPS)
        self.addCleanup(self.callback.server_close)
        self.addCleanup(self.callback.shutdown)
        self.redirect_uri = f"http://127.0.0.1:{self.callback.server_address[1]}/callback"
        self.client_id = self.register([self.redirect_uri], name="Tour Assistant")

    def authorize_url(self, challenge):
        """The address an MCP client opens in the user's browser."""
        return "/oauth/authorize?" + urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": self.redirect_uri,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "state": "tour-state",
                "scope": "read write",
                "resource": self.base_url() + "/mcp",
            }
        )

    def redirected_query(self):
        self.assertEqual(len(self.callback.queries), 1, "the browser was sent to the redirect URI once")
        return self.callback.queries[0]


@tagged("post_install", "-at_install")
class TestConsentTour(OAuthTourCase):
    def test_user_logs_in_narrows_and_approves(self):
        """Logged out, the user meets Odoo's login form, then the consent
        page; they narrow the grant to reading partners and approve: the
        client gets a code that exchanges for a token of exactly that."""
        verifier, challenge = pkce()
        self.start_tour(self.authorize_url(challenge), "json_rpc_token_oauth_consent_tour", timeout=180)
        query = self.redirected_query()
        self.assertEqual((query["state"], "error" in query), (["tour-state"], False))
        token = self.exchange(query["code"][0], verifier, redirect_uri=self.redirect_uri)
        self.assertEqual(token["scope"], "read")
        row = self.env["api.token"].sudo().search([("oauth_grant_id.client_id.client_id", "=", self.client_id)])
        self.assertEqual(
            (row.user_id, row.audience, row.scope_models, row.scope_read_only),
            (self.integrator, "mcp", "res.partner", True),
        )
        access = token["access_token"]
        self.assertEqual(
            [model["model"] for model in self.tool("list_models", token=access)["models"]], ["res.partner"]
        )
        tools_ = {tool["name"] for tool in self.ok("tools/list", token=access)["tools"]}
        self.assertFalse(tools_ & WRITE_TOOLS)

    def test_user_denies(self):
        verifier, challenge = pkce()
        self.start_tour(
            self.authorize_url(challenge), "json_rpc_token_oauth_deny_tour", login="integrator", timeout=180
        )
        query = self.redirected_query()
        self.assertEqual((query["error"], query["state"], "code" in query), (["access_denied"], ["tour-state"], False))
        self.assertFalse(self.env["api.oauth.grant"].sudo().search([("client_id.client_id", "=", self.client_id)]))
        self.assertFalse(
            self.env["api.token"].sudo().search([("oauth_grant_id.client_id.client_id", "=", self.client_id)])
        )

    def test_consent_page_picture(self):
        """The consent page as the user first sees it (the manual's picture,
        doc/mcp.rst), in Odoo's login look."""
        _verifier, challenge = pkce()
        with taking_pictures(self, {"oauth_consent.png": ".card"}):
            self.start_tour(
                self.authorize_url(challenge), "json_rpc_token_oauth_consent_page_tour", login="integrator", timeout=180
            )
        self.assertFalse(self.callback.queries, "nothing is sent to the client before the user decides")


@tagged("post_install", "-at_install")
class TestConnectedAppsTour(OAuthCase):
    def test_user_revokes_an_app_from_their_preferences(self):
        """An assistant signed in (through the consent page, by the test);
        the user revokes it from their preferences, and its token is
        refused on /mcp at once."""
        self.client_id = self.register([REDIRECT], name="Tour Assistant")
        token = self.sign_in()
        self.assertEqual(self.mcp_status(token["access_token"]), 200)
        self.start_tour("/odoo", "json_rpc_token_connected_apps_tour", login="integrator", timeout=180)
        self.assertEqual(self.mcp_status(token["access_token"]), 401)
        self.assertEqual(self.refresh(token["refresh_token"], status=400)["error"], "invalid_grant")

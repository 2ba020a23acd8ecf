"""``call_method`` is off for an OAuth app unless its user allows it (issue
#23): the app asks the scope ``call`` (with ``write``), the consent page
shows an unticked box, and only a ticked box gives the app's tokens the
tool. Without it ``tools/list`` does not list it and calling it is a tool
error that says how to get it; with it, it works. Never given unasked, at a
refresh or to a grant of reading only or of a list of models."""

import re

from odoo.tests import tagged

from ..core import mcp_tools
from .common import pkce
from .test_mcp import ALL_TOOLS
from .test_oauth import REDIRECT, OAuthCase

CALL = "read write call"


@tagged("post_install", "-at_install")
class TestCallMethodsPermission(OAuthCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create({"name": "Call Methods Partner"})

    def sign_in_asking(self, scope, form=None):
        """A token for a request of ``scope``, the user posting ``form`` on
        the consent page; and the page's text (None: the approval held, no
        page)."""
        verifier, challenge = pkce()
        response = self.authorize(challenge, scope)
        page = None
        if response.status_code == 200:
            page = response.text
            data = {"csrf_token": self.csrf_of(response), "decision": "approve", **(form or {})}
            response = self.authorize(challenge, scope, method="POST", data=data)
        return self.exchange(self.code_from(response), verifier), page

    def tools_of(self, token):
        return {tool["name"] for tool in self.ok("tools/list", token=token["access_token"])["tools"]}

    def archive(self):
        return {"model": "res.partner", "method": "action_archive", "ids": self.partner.ids}

    def grant(self):
        return self.env["api.oauth.grant"].sudo().search([("client_id.client_id", "=", self.client_id)])

    def test_the_scope_is_published_and_registered(self):
        for path in ("/.well-known/oauth-authorization-server", "/.well-known/oauth-protected-resource/mcp"):
            metadata = self.opener.get(self.base_url() + path, timeout=20).json()
            self.assertEqual(metadata["scopes_supported"], ["read", "write", "call"], path)
        response = self.opener.post(
            self.base_url() + "/oauth/register",
            timeout=20,
            json={"client_name": "Caller", "redirect_uris": [REDIRECT], "scope": CALL},
        )
        self.assertEqual((response.status_code, response.json()["scope"]), (201, CALL), response.text)
        response = self.opener.post(
            self.base_url() + "/oauth/register",
            timeout=20,
            json={"client_name": "Greedy", "redirect_uris": [REDIRECT], "scope": "read write admin"},
        )
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(response.json()["error"], "invalid_client_metadata")

    def test_not_ticked_no_call_method(self):
        token, page = self.sign_in_asking(CALL)
        box = re.search(r'<input[^>]*name="call_methods"[^>]*>', page)
        self.assertTrue(box, "the question is asked")
        self.assertNotIn("checked", box.group(0), "nothing ticked for the user")
        self.assertEqual(token["scope"], "read write")
        self.assertEqual(self.tools_of(token), ALL_TOOLS - {"call_method"})
        text = self.tool_error("call_method", self.archive(), token=token["access_token"])
        self.assertEqual(text, mcp_tools.CALL_METHODS_NOT_APPROVED)
        self.assertTrue(self.partner.active, "nothing ran")
        self.assertEqual(self.grant().scope_call_methods, "declined")
        # the user answered: asked again, not asked again, and still no call_method
        again, page = self.sign_in_asking(CALL)
        self.assertIsNone(page)
        self.assertEqual(again["scope"], "read write")

    def test_ticked_call_method_works(self):
        token, _page = self.sign_in_asking(CALL, {"call_methods": "1"})
        self.assertEqual(token["scope"], CALL)
        self.assertEqual(self.tools_of(token), ALL_TOOLS)
        self.tool("call_method", self.archive(), token=token["access_token"])
        self.partner.invalidate_recordset()
        self.assertFalse(self.partner.active)
        self.assertEqual(self.grant().scope_call_methods, "approved")
        # a request that does not ask it: a token without it, the approval holds
        plain, page = self.sign_in_asking("read write")
        self.assertIsNone(page)
        self.assertEqual(plain["scope"], "read write")
        self.assertEqual(self.tools_of(plain), ALL_TOOLS - {"call_method"})
        self.assertEqual(self.refresh(plain["refresh_token"], scope=CALL, status=400)["error"], "invalid_scope")
        # a refresh keeps it unless the scope it names leaves it out (RFC 6749 §6)
        kept = self.refresh(token["refresh_token"])
        self.assertEqual((kept["scope"], self.tools_of(kept)), (CALL, ALL_TOOLS))
        narrowed = self.refresh(kept["refresh_token"], scope="read write")
        self.assertEqual((narrowed["scope"], self.tools_of(narrowed)), ("read write", ALL_TOOLS - {"call_method"}))
        self.assertEqual(self.refresh(narrowed["refresh_token"], scope=CALL, status=400)["error"], "invalid_scope")

    def test_never_given_unasked(self):
        """A box ticked on a page that did not ask (a forged form), with
        reading only, or with a list of models gives nothing."""
        token, page = self.sign_in_asking("read write", {"call_methods": "1"})
        self.assertNotIn('name="call_methods"', page)
        self.assertEqual(token["scope"], "read write")
        self.assertFalse(self.grant().scope_call_methods, "not asked")
        self.grant().action_revoke()
        token, _page = self.sign_in_asking(CALL, {"call_methods": "1", "read_only": "1"})
        self.assertEqual(token["scope"], "read")
        self.assertEqual(self.grant().filtered(lambda grant: not grant.revoked_at).scope_call_methods, "declined")
        self.grant().action_revoke()
        token, _page = self.sign_in_asking(CALL, {"call_methods": "1", "models": "res.partner"})
        self.assertEqual(token["scope"], "read write")
        self.assertEqual(self.tools_of(token), ALL_TOOLS - {"call_method"})
        self.rpc_error(
            "tools/call",
            {"name": "call_method", "arguments": self.archive()},
            code=-32602,
            token=token["access_token"],
        )

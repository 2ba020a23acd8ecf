"""OAuth for ``/mcp`` (issue #23, section 2), over real HTTP against the
test server: how a client given only the MCP URL discovers how to sign in
(RFC 9728 metadata, the 401's challenge)."""
import json
import re

from odoo.tests import tagged

from .common import JsonCallCase


@tagged("post_install", "-at_install")
class TestDiscovery(JsonCallCase):

    def metadata(self, path, status=200):
        response = self.opener.get(self.base_url() + path, timeout=20)
        self.assertEqual(response.status_code, status, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"), response.text)
        return response

    def mcp_401(self, token=None, query=""):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.opener.post(self.base_url() + "/mcp" + query, timeout=20, headers=headers,
                                    data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
        self.assertEqual(response.status_code, 401, response.text)
        return response.headers["WWW-Authenticate"]

    def test_protected_resource_metadata(self):
        """Both forms (the path-suffixed one is what MCP clients fetch
        first) name the URL the client connects to, take tokens in the
        header only, and any page may read them."""
        for path in ("/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"):
            response = self.metadata(path)
            metadata = response.json()
            self.assertEqual(metadata["resource"], self.base_url() + "/mcp")
            self.assertEqual(metadata["bearer_methods_supported"], ["header"])
            self.assertEqual(response.headers["Access-Control-Allow-Origin"], "*")
            self.assertNotIn("Set-Cookie", response.headers)

    def test_metadata_names_the_database_of_the_url(self):
        """On a server with several databases the MCP URL names one
        (``?db=``), and RFC 9728 keeps the query in the metadata URL: the
        resource is that very URL, the name URL-encoded, not echoed raw."""
        metadata = self.metadata("/.well-known/oauth-protected-resource/mcp?db=sales%202026").json()
        self.assertEqual(metadata["resource"], self.base_url() + "/mcp?db=sales+2026")
        metadata = self.metadata('/.well-known/oauth-protected-resource/mcp?db="><script>').json()
        self.assertEqual(metadata["resource"], self.base_url() + "/mcp?db=%22%3E%3Cscript%3E")

    def test_metadata_answers_get_only(self):
        response = self.opener.post(self.base_url() + "/.well-known/oauth-protected-resource/mcp", timeout=20)
        self.assertEqual(response.status_code, 405, response.text)
        self.assertEqual(response.headers["Allow"], "GET")
        self.assertEqual(response.json()["error"]["code"], -32600)
        self.assertEqual(self.opener.get(self.base_url() + "/.well-known/oauth-protected-resource/json-call",
                                         timeout=20).status_code, 404, "only /mcp is an OAuth resource")

    def test_401_names_the_metadata(self):
        """RFC 9728 §5.1: the challenge says where the metadata is, and that
        metadata is the endpoint's; RFC 6750 §3.1: ``invalid_token`` only
        when a token was sent."""
        expected = f'Bearer resource_metadata="{self.base_url()}/.well-known/oauth-protected-resource/mcp"'
        self.assertEqual(self.mcp_401(), expected)
        self.assertEqual(self.mcp_401("not-a-token"), expected.replace("Bearer ", 'Bearer error="invalid_token", '))
        dbname = self.env.cr.dbname
        challenge = self.mcp_401(query=f"?db={dbname}")
        url = re.fullmatch(r'Bearer resource_metadata="([^"]+)"', challenge).group(1)
        self.assertEqual(url, f"{self.base_url()}/.well-known/oauth-protected-resource/mcp?db={dbname}")
        metadata = self.metadata(url[len(self.base_url()):]).json()
        self.assertEqual(metadata["resource"], f"{self.base_url()}/mcp?db={dbname}")

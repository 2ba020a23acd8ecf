"""OAuth 2.1 for ``/mcp`` (issue #23, section 2), over real HTTP against the
test server: how a client given only the MCP URL discovers how to sign in
(RFC 9728 metadata, the 401's challenge), the authorization server (RFC 8414
metadata, registration, the consent page after Odoo's login, PKCE, codes,
refresh rotation, revocation), each bad path an attacker would try."""

import json
import re
import tempfile
import xmlrpc.client
from urllib.parse import parse_qs, urlsplit

from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..core import usage
from .common import PASSWORD, JsonCallCase, csrf_of, pkce, run_oauth_client
from .test_mcp import WRITE_TOOLS, McpCase
from .test_odoo19 import mcp_python


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
        response = self.opener.post(
            self.base_url() + "/mcp" + query,
            timeout=20,
            headers=headers,
            data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}),
        )
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
            self.assertEqual(metadata["authorization_servers"], [self.base_url()])
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
        self.assertEqual(
            self.opener.get(
                self.base_url() + "/.well-known/oauth-protected-resource/json-call", timeout=20
            ).status_code,
            404,
            "only /mcp is an OAuth resource",
        )

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
        metadata = self.metadata(url[len(self.base_url()) :]).json()
        self.assertEqual(metadata["resource"], f"{self.base_url()}/mcp?db={dbname}")


REDIRECT = "http://127.0.0.1:33418/callback"


class OAuthCase(McpCase):
    """A client registered by RFC 7591, a user signed in to Odoo in the
    test's browser session (``authenticate``: Odoo's own login)."""

    def setUp(self):
        super().setUp()
        self.client_id = self.register([REDIRECT])
        self.authenticate("integrator", PASSWORD)

    def register(self, redirect_uris, status=201, name="Test Assistant"):
        response = self.opener.post(
            self.base_url() + "/oauth/register",
            timeout=20,
            json={
                "client_name": name,
                "redirect_uris": redirect_uris,
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_post",
            },
        )
        self.assertEqual(response.status_code, status, response.text)
        answer = response.json()
        if status != 201:
            return answer
        self.assertEqual(answer["token_endpoint_auth_method"], "none", "public clients only")
        self.assertNotIn("client_secret", answer)
        return answer["client_id"]

    def authorize(
        self, challenge, scope="read write", redirect_uri=REDIRECT, client_id=None, method="GET", data=None, **extra
    ):
        params = {
            "response_type": "code",
            "client_id": client_id or self.client_id,
            "redirect_uri": redirect_uri,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": "xyz",
            "scope": scope,
            "resource": self.base_url() + "/mcp",
            **extra,
        }
        params = {key: value for key, value in params.items() if value is not None}
        return self.opener.request(
            method, self.base_url() + "/oauth/authorize", params=params, data=data, allow_redirects=False, timeout=20
        )

    def csrf_of(self, page):
        return csrf_of(page.text)

    def code_from(self, response, state="xyz"):
        self.assertEqual(response.status_code, 302, response.text)
        location = urlsplit(response.headers["Location"])
        self.assertEqual(f"{location.scheme}://{location.netloc}{location.path}", REDIRECT)
        query = parse_qs(location.query)
        self.assertEqual(query.get("state"), [state])
        self.assertIn("code", query, query)
        return query["code"][0]

    def approve(self, challenge, scope="read write", read_only=False, models="", **extra):
        page = self.authorize(challenge, scope, **extra)
        self.assertEqual(page.status_code, 200, page.text)
        data = {"csrf_token": self.csrf_of(page), "decision": "approve", "models": models}
        if read_only:
            data["read_only"] = "1"
        return self.code_from(self.authorize(challenge, scope, method="POST", data=data, **extra))

    def token_request(self, data, status=200):
        response = self.opener.post(self.base_url() + "/oauth/token", data=data, timeout=20)
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        return response.json()

    def exchange(self, code, verifier, status=200, **extra):
        return self.token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "code_verifier": verifier,
                "redirect_uri": REDIRECT,
                "client_id": self.client_id,
                "resource": self.base_url() + "/mcp",
                **extra,
            },
            status,
        )

    def refresh(self, refresh_token, status=200, **extra):
        return self.token_request(
            {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": self.client_id, **extra},
            status,
        )

    def sign_in(self, read_only=False, models=""):
        """A code and its token: through the consent page, or straight back
        when the user approved this client already."""
        verifier, challenge = pkce()
        response = self.authorize(challenge)
        if response.status_code == 302:
            return self.exchange(self.code_from(response), verifier)
        return self.exchange(self.approve(challenge, read_only=read_only, models=models), verifier)

    def mcp_status(self, token):
        return self.send({"jsonrpc": "2.0", "id": 1, "method": "ping"}, token=token).status_code


@tagged("post_install", "-at_install")
class TestAuthorizationServer(OAuthCase):
    def test_authorization_server_metadata(self):
        response = self.opener.get(self.base_url() + "/.well-known/oauth-authorization-server", timeout=20)
        metadata = response.json()
        self.assertEqual(metadata["issuer"], self.base_url())
        self.assertEqual(metadata["code_challenge_methods_supported"], ["S256"])
        self.assertEqual(metadata["grant_types_supported"], ["authorization_code", "refresh_token"])
        self.assertEqual(metadata["response_types_supported"], ["code"])
        for endpoint in ("authorization", "token", "registration", "revocation"):
            self.assertTrue(metadata[f"{endpoint}_endpoint"].startswith(self.base_url() + "/oauth/"))

    def test_sign_in_approve_and_use_only_on_mcp(self):
        """The consent page names the app and where it sends the user back;
        the token is an MCP token of the approved scope, refused by every
        other dialect (RFC 8707 audience, in the one token check)."""
        verifier, challenge = pkce()
        page = self.authorize(challenge)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Test Assistant", page.text)
        self.assertIn("127.0.0.1:33418", page.text)
        self.assertIn("read and change", page.text)
        data = {"csrf_token": self.csrf_of(page), "decision": "approve", "models": "res.partner"}
        code = self.code_from(self.authorize(challenge, method="POST", data=data))
        token = self.exchange(code, verifier)
        self.assertEqual((token["token_type"], token["expires_in"], token["scope"]), ("Bearer", 3600, "read write"))
        access = token["access_token"]
        row = self.env["api.token"].sudo().search([("oauth_grant_id.client_id.client_id", "=", self.client_id)])
        self.assertEqual((row.audience, row.scope_models, row.scope_read_only), ("mcp", "res.partner", False))
        self.assertEqual(
            [model["model"] for model in self.tool("list_models", token=access)["models"]], ["res.partner"]
        )
        created = self.tool(
            "create_records", {"model": "res.partner", "values": {"name": "OAuth Partner"}}, token=access
        )
        self.assertTrue(created)
        self.assertIn("res.users", self.tool_error("search_records", {"model": "res.users"}, token=access))
        self.assertEqual(
            self.error(
                "/json-call", {"token": access, "model": "res.partner", "method": "search", "args": [[]]}, -32003
            )["data"]["message"],
            "This token was issued for the MCP endpoint (/mcp) only.",
        )
        response = self.opener.get(
            self.base_url() + "/api/res.partner", timeout=20, headers={"Authorization": f"Bearer {access}"}
        )
        self.assertEqual(response.status_code, 401, response.text)
        response = self.opener.post(
            self.base_url() + "/json/2/res.partner/search",
            json={"domain": []},
            headers={"Authorization": f"Bearer {access}"},
            timeout=20,
        )
        self.assertEqual(response.status_code, 401, response.text)
        with self.assertRaises(xmlrpc.client.Fault):
            xmlrpc.client.ServerProxy(self.base_url() + "/xmlrpc/2/object").execute_kw(
                self.env.cr.dbname, self.integrator.id, access, "res.partner", "search", [[]]
            )
        # asked again: no page, the approval holds; asked for reading only, a read-only token
        verifier, challenge = pkce()
        self.assertTrue(self.exchange(self.code_from(self.authorize(challenge)), verifier)["access_token"])
        verifier, challenge = pkce()
        reading = self.exchange(self.code_from(self.authorize(challenge, scope="read")), verifier)
        self.assertEqual(reading["scope"], "read")
        names = {tool["name"] for tool in self.ok("tools/list", token=reading["access_token"])["tools"]}
        self.assertFalse(names & WRITE_TOOLS)

    def test_deny(self):
        verifier, challenge = pkce()
        page = self.authorize(challenge)
        response = self.authorize(challenge, method="POST", data={"csrf_token": self.csrf_of(page), "decision": "deny"})
        self.assertEqual(response.status_code, 302)
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        self.assertEqual((query["error"], query["state"], "code" in query), (["access_denied"], ["xyz"], False))
        self.assertFalse(self.env["api.oauth.grant"].sudo().search([("client_id.client_id", "=", self.client_id)]))

    def test_consent_without_csrf_token_is_refused(self):
        _verifier, challenge = pkce()
        response = self.authorize(challenge, method="POST", data={"decision": "approve"})
        self.assertEqual(response.status_code, 400, response.text)
        self.assertNotIn("Location", response.headers)
        self.assertFalse(self.env["api.oauth.grant"].sudo().search([("client_id.client_id", "=", self.client_id)]))

    def test_pkce_s256_only_and_verified(self):
        verifier, challenge = pkce()
        code = self.approve(challenge)
        error = self.exchange(code, pkce()[0], status=400)
        self.assertEqual(error["error"], "invalid_grant")
        # plain, or no challenge: refused, back at the verified redirect URI
        for extra in ({"code_challenge_method": "plain"}, {"code_challenge": None, "code_challenge_method": None}):
            response = self.authorize(challenge, **extra)
            self.assertEqual(response.status_code, 302, response.text)
            self.assertEqual(parse_qs(urlsplit(response.headers["Location"]).query)["error"], ["invalid_request"])
        self.assertTrue(
            self.exchange(code, verifier)["access_token"],
            "a wrong verifier spends nothing: the client that holds the right one gets its token",
        )

    def test_code_single_use_and_reuse_revokes(self):
        verifier, challenge = pkce()
        code = self.approve(challenge)
        first = self.exchange(code, verifier)
        self.assertEqual(self.mcp_status(first["access_token"]), 200)
        self.assertEqual(self.exchange(code, verifier, status=400)["error"], "invalid_grant")
        self.assertEqual(self.mcp_status(first["access_token"]), 401, "RFC 6749 §4.1.2: a code reused revokes")
        self.assertEqual(self.refresh(first["refresh_token"], status=400)["error"], "invalid_grant")

    def test_code_expired(self):
        verifier, challenge = pkce()
        code = self.approve(challenge)
        self.env.cr.execute("UPDATE api_oauth_code SET expires_at = now() at time zone 'utc' - interval '1 second'")
        self.assertEqual(self.exchange(code, verifier, status=400)["error"], "invalid_grant")
        self.env["api.token"]._cron_purge()
        self.assertFalse(self.env["api.oauth.code"].sudo().search([]), "the daily purge deletes dead codes")

    def test_redirect_uri_mismatch_and_open_redirects(self):
        verifier, challenge = pkce()
        code = self.approve(challenge)
        self.assertEqual(
            self.exchange(code, verifier, status=400, redirect_uri="http://127.0.0.1:1/other")["error"], "invalid_grant"
        )
        # an unregistered redirect URI (look-alikes included) is never redirected to: the page says why
        for uri in (
            "https://evil.example/callback",
            REDIRECT + ".evil.example",
            REDIRECT + "/../x",
            "http://127.0.0.1:33418/callback?next=https://evil.example",
            "javascript:alert(1)",
        ):
            response = self.authorize(challenge, redirect_uri=uri)
            self.assertEqual(response.status_code, 400, uri)
            self.assertNotIn("Location", response.headers)
            self.assertIn("This app cannot connect", response.text)
        # an unknown client: the page, not its redirect URI
        response = self.authorize(challenge, client_id="nobody")
        self.assertEqual((response.status_code, "Location" in response.headers), (400, False))
        # registration: https, or http to a loopback address, no fragment
        for uris in (
            ["http://evil.example/cb"],
            ["javascript:alert(1)"],
            ["https://ok.example/cb#frag"],
            ["https://user:pw@ok.example/cb"],
            [],
            "https://ok.example/cb",
        ):
            self.assertEqual(self.register(uris, status=400)["error"], "invalid_redirect_uri", uris)
        self.assertTrue(self.register(["https://assistant.example/callback", "http://[::1]:4000/cb"]))

    def test_resource_must_be_the_mcp_endpoint(self):
        _verifier, challenge = pkce()
        response = self.authorize(challenge, resource="https://other.example/mcp")
        self.assertEqual(parse_qs(urlsplit(response.headers["Location"]).query)["error"], ["invalid_target"])

    def test_refresh_rotates_and_reuse_revokes_the_chain(self):
        first = self.sign_in()
        second = self.refresh(first["refresh_token"])
        self.assertNotEqual(second["refresh_token"], first["refresh_token"])
        self.assertEqual(self.mcp_status(second["access_token"]), 200)
        self.assertEqual(self.refresh(first["refresh_token"], status=400)["error"], "invalid_grant")
        for token in (first["access_token"], second["access_token"]):
            self.assertEqual(self.mcp_status(token), 401, "the whole chain is revoked")
        self.assertEqual(self.refresh(second["refresh_token"], status=400)["error"], "invalid_grant")
        self.assertTrue(self.env["api.token.log"].sudo().search([("event", "=", "oauth_reuse")]))

    def test_no_scope_escalation_at_refresh(self):
        token = self.sign_in(read_only=True)
        self.assertEqual(token["scope"], "read")
        self.assertEqual(self.refresh(token["refresh_token"], scope="read write", status=400)["error"], "invalid_scope")
        narrowed = self.refresh(token["refresh_token"], scope="read")
        self.assertEqual(narrowed["scope"], "read")

    def test_read_only_grant_has_no_write_tool(self):
        access = self.sign_in(read_only=True)["access_token"]
        names = {tool["name"] for tool in self.ok("tools/list", token=access)["tools"]}
        self.assertFalse(names & WRITE_TOOLS)
        self.rpc_error(
            "tools/call",
            {"name": "create_records", "arguments": {"model": "res.partner", "values": {"name": "x"}}},
            code=-32602,
            token=access,
        )
        self.assertFalse(self.env["res.partner"].search([("name", "=", "x")]))

    def test_revocation_takes_effect_at_once(self):
        token = self.sign_in()
        self.assertEqual(self.mcp_status(token["access_token"]), 200)
        response = self.opener.post(
            self.base_url() + "/oauth/revoke",
            timeout=20,
            data={"token": token["access_token"], "token_type_hint": "access_token", "client_id": self.client_id},
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self.mcp_status(token["access_token"]), 401)
        response = self.opener.post(
            self.base_url() + "/oauth/revoke",
            timeout=20,
            data={"token": token["refresh_token"], "client_id": self.client_id},
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self.refresh(token["refresh_token"], status=400)["error"], "invalid_grant")
        # connected apps: revoking the app ends every token it holds
        token = self.sign_in()
        grant = self.env["api.oauth.grant"].with_user(self.integrator).search([])
        self.assertEqual(len(grant), 1)
        self.assertFalse(self.env["api.oauth.grant"].with_user(self.colleague).search([]), "one's own apps only")
        with self.assertRaises(AccessError):
            grant.with_user(self.colleague).action_revoke()
        with self.assertRaises(AccessError):
            grant.write({"scope_read_only": True})
        grant.action_revoke()
        self.assertEqual(self.mcp_status(token["access_token"]), 401)
        self.assertEqual(self.refresh(token["refresh_token"], status=400)["error"], "invalid_grant")

    def test_token_endpoint_errors_are_rfc6749_json(self):
        for data, error in (
            ({"grant_type": "password", "username": "integrator", "password": PASSWORD}, "unsupported_grant_type"),
            ({"grant_type": "client_credentials", "client_id": self.client_id}, "unsupported_grant_type"),
            ({"grant_type": "authorization_code", "client_id": self.client_id}, "invalid_request"),
            (
                {"grant_type": "authorization_code", "code": "x", "client_id": "nobody", "code_verifier": "v" * 43},
                "invalid_client",
            ),
        ):
            response = self.opener.post(self.base_url() + "/oauth/token", data=data, timeout=20)
            self.assertIn(response.status_code, (400, 401), response.text)
            self.assertEqual(response.json()["error"], error, data)
        response = self.opener.get(self.base_url() + "/oauth/token", timeout=20)
        self.assertEqual((response.status_code, response.json()["error"]), (405, "invalid_request"))
        response = self.opener.post(self.base_url() + "/oauth/register", data="not json", timeout=20)
        self.assertEqual(response.status_code, 400, response.text)
        self.assertIn("error", response.json())

    def test_registration_can_be_turned_off(self):
        """By an administrator, in Settings; the apps registered already keep working."""
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.json_rpc_token_oauth_dynamic_registration, "on by default")
        settings.json_rpc_token_oauth_dynamic_registration = False
        settings.execute()
        self.assertEqual(self.register([REDIRECT], status=403)["error"], "access_denied")
        self.assertFalse(self.env["res.config.settings"].create({}).json_rpc_token_oauth_dynamic_registration)
        self.assertTrue(self.sign_in()["access_token"])
        settings = self.env["res.config.settings"].create(
            {"json_rpc_token_oauth_dynamic_registration": True, "json_rpc_token_oauth_access_token_minutes": 5}
        )
        settings.execute()
        self.assertTrue(self.register([REDIRECT]))
        self.assertEqual(self.sign_in()["expires_in"], 300)


@tagged("post_install", "-at_install")
class TestSdkOAuthClient(McpCase):
    def test_python_sdk_signs_in_with_oauth(self):
        """The official MCP Python SDK given only the URL: its OAuth client
        provider discovers (401, RFC 9728, RFC 8414), registers (RFC 7591)
        and signs in with PKCE; the test plays the browser (Odoo's login
        page, then the consent page); then the assistant works, within what
        was approved, and its calls are metered and audited."""
        python = mcp_python()
        if python is None:
            self.skipTest("no virtual environment with devtools/requirements-mcp.txt (no package index?)")
        usage.flush(self.env.cr.dbname)
        with tempfile.TemporaryDirectory() as cwd:
            returncode, report, output, pages = run_oauth_client(
                [str(python), "-c", SDK_OAUTH_DRIVER, self.base_url() + "/mcp"],
                "integrator",
                PASSWORD,
                {"models": "res.partner"},
                cwd=cwd,
            )
        self.assertEqual(returncode, 0, output[-6000:])
        self.assertIn("SDK OAuth Assistant", pages[0])
        self.assertEqual(
            set(report["tools"]),
            {
                "list_models",
                "describe_model",
                "search_records",
                "read_records",
                "aggregate_records",
                "create_records",
                "update_records",
                "delete_records",
            },
        )
        self.assertEqual(report["found"], ["OAuth SDK Partner"])
        self.assertEqual(report["updated"], "oauth@mcp.test")
        self.assertEqual(report["outside"], True, "res.users is outside the approved models")
        self.assertFalse(
            self.env["res.partner"].with_context(active_test=False).search([("name", "=", "OAuth SDK Partner")]),
            "deleted by the client",
        )
        self.env.invalidate_all()
        grant = self.env["api.oauth.grant"].sudo().search([("user_id", "=", self.integrator.id)])
        self.assertEqual((grant.client_id.name, grant.scope_models), ("SDK OAuth Assistant", "res.partner"))
        token = grant.token_ids
        self.assertEqual((len(token), token.audience), (1, "mcp"))
        usage.flush(self.env.cr.dbname)
        rows = self.env["api.token.usage"].sudo().search([("token_id", "=", token.id)])
        self.assertGreaterEqual(
            sum(rows.mapped("calls")), 7, "initialize, list, create, search, update, read, delete, the refused search"
        )
        events = self.env["api.token.log"].sudo().search([("user_id", "=", self.integrator.id)]).mapped("event")
        self.assertIn("oauth_consent", events)
        self.assertIn("oauth_token", events)


#: run by the MCP environment's Python: ``python -c SDK_OAUTH_DRIVER <mcp url>``, its user's browser
#: played by the test (see :func:`.common.run_oauth_client`)
SDK_OAUTH_DRIVER = r"""
import asyncio, json, sys

from mcp import ClientSession
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientMetadata

url = sys.argv[1]
REDIRECT = "http://127.0.0.1:33418/callback"
redirect = {}


class Memory:
    tokens = client = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens):
        self.tokens = tokens

    async def get_client_info(self):
        return self.client

    async def set_client_info(self, client_info):
        self.client = client_info


async def open_the_browser(authorization_url):
    # where a desktop app opens the browser: the test plays the user, and hands back the redirect's query
    print(json.dumps({"authorize": authorization_url}), flush=True)
    redirect.update(json.loads(await asyncio.to_thread(sys.stdin.readline)))


async def callback():
    return AuthorizationCodeResult(code=redirect["code"], state=redirect["state"])


async def main():
    provider = OAuthClientProvider(
        url, OAuthClientMetadata(client_name="SDK OAuth Assistant", redirect_uris=[REDIRECT],
                                 grant_types=["authorization_code", "refresh_token"], response_types=["code"],
                                 token_endpoint_auth_method="none", scope="read write"),
        Memory(), redirect_handler=open_the_browser, callback_handler=callback)
    http = create_mcp_http_client(auth=provider)
    async with http, streamable_http_client(url, http_client=http) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = [tool.name for tool in (await session.list_tools()).tools]

            async def call(name, **arguments):
                result = await session.call_tool(name, arguments)
                assert not result.is_error, result.content
                return result.structured_content

            created = await call("create_records", model="res.partner", values={"name": "OAuth SDK Partner"})
            ids = created["ids"] if isinstance(created["ids"], list) else [created["ids"]]
            found = await call("search_records", model="res.partner", domain=[["id", "in", ids]], fields=["name"])
            await call("update_records", model="res.partner", ids=ids, values={"email": "oauth@mcp.test"})
            read = await call("read_records", model="res.partner", ids=ids, fields=["email"])
            await call("delete_records", model="res.partner", ids=ids)
            outside = await session.call_tool("search_records", {"model": "res.users"})
    print(json.dumps({"tools": tools, "found": [r["name"] for r in found["records"]],
                      "updated": read["records"][0]["email"], "outside": outside.is_error}))

asyncio.run(main())
"""

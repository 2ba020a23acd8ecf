"""OAuth 2.1 for the MCP endpoint: discovery (``GET
/.well-known/oauth-protected-resource`` (RFC 9728), and its path-suffixed
form for ``/mcp``, which MCP clients fetch first; ``GET
/.well-known/oauth-authorization-server``, RFC 8414), the consent page
(``/oauth/authorize``), the token, revocation and registration endpoints.

Public documents: no session, no token (the metadata is made of the URL the
client used, see :mod:`..core.oauth_metadata`), any origin may read them (a
browser-based MCP client fetches them from its own page, after a
preflight), and only GET (or HEAD) reaches them. The token, registration
and revocation endpoints follow the origin rule of ``/mcp``
(:mod:`..http_layer.oauth_cors`).
"""

from urllib.parse import urlsplit

from odoo import http
from odoo.http import request

from ..core import errors, oauth_metadata, oauth_server, strict_json
from ..core.oauth_server import OAuth2Error
from ..http_layer import oauth_cors
from .docs import refuse_unless_get

METADATA_ROUTES = [
    oauth_metadata.PROTECTED_RESOURCE_PATH,
    oauth_metadata.PROTECTED_RESOURCE_PATH + oauth_metadata.MCP_PATH,
]


class OAuthDiscoveryController(http.Controller):
    @http.route(METADATA_ROUTES, type="http", auth="none", save_session=False, readonly=True, csrf=False)
    def protected_resource_metadata(self, db=None, **_ignored):
        """The MCP endpoint's protected resource metadata; ``db``: the
        database the MCP URL names (not the ``X-Odoo-Database`` header: the
        ``resource`` must be the URL the client connects to)."""
        if oauth_cors.is_preflight():
            return oauth_cors.preflight("GET", "*")
        refused = refuse_unless_get("the metadata")
        if refused:
            return refused
        dbname = db if isinstance(db, str) and db else None
        metadata = oauth_metadata.protected_resource_metadata(request.httprequest.host_url, dbname)
        return request.make_json_response(metadata, headers=[("Access-Control-Allow-Origin", "*")])


def _respond(status, body, headers):
    """An Authlib answer as Odoo's response: JSON bodies (token, errors,
    registration), redirects (to a redirect URI Authlib verified)."""
    headers = [(name, value) for name, value in headers if name.lower() not in ("content-type", "cache-control")]
    if isinstance(body, dict):
        return request.make_json_response(body, status=status, headers=[*headers, ("Cache-Control", "no-store")])
    return request.make_response(body or "", status=status, headers=headers)


def _server(fetch_client_metadata=False):
    return oauth_server.server(request.env, request.httprequest.host_url, _respond, fetch_client_metadata)


def _post_only():
    """The JSON 405 of an OAuth endpoint reached by another method than POST
    (RFC 6749 errors are JSON, never an HTML page)."""
    if request.httprequest.method == "POST":
        return None
    return request.make_json_response(
        {"error": "invalid_request", "error_description": "Send this request with HTTP POST."},
        status=405,
        headers=[("Allow", "POST"), ("Cache-Control", "no-store")],
    )


def _oauth_error(error):
    status, body, headers = error(None)
    return _respond(status, body, headers)


#: the consent page is never framed: a page of another site that framed it
#: (the browser sends Odoo's session cookie with a frame unless it keeps
#: cookies same-site by default) could have the user click "Approve" for
#: the attacker's client, the code sent to the attacker's redirect URI
NOT_FRAMED = [("Content-Security-Policy", "frame-ancestors 'none'"), ("X-Frame-Options", "DENY")]


def _page(template, values, status=200):
    """An authorization page (consent or refusal), never in a frame."""
    return request.render(template, values, status=status, headers=NOT_FRAMED)


def _machine_endpoint(run):
    """A POST endpoint of the authorization server, with CORS: a preflight
    answered, another method refused, a page of a foreign site refused,
    the answer (``run()``, errors included) readable by a granted origin."""
    origin = oauth_cors.granted_origin()
    if oauth_cors.is_preflight():
        return oauth_cors.preflight("POST", origin)
    response = _post_only() or oauth_cors.foreign_origin_refusal() or run()
    return oauth_cors.with_cors(response, origin)


class OAuthController(http.Controller):
    """The authorization server's endpoints (see :mod:`..core.oauth_server`):
    each only reads the request, hands it to Authlib and encodes the answer."""

    @http.route(
        "/.well-known/oauth-authorization-server",
        type="http",
        auth="none",
        save_session=False,
        readonly=True,
        csrf=False,
    )
    def authorization_server_metadata(self, **_ignored):
        """RFC 8414: the endpoints and what they accept (whether client
        ID metadata documents are: as the database's settings say, when
        the request names one)."""
        if oauth_cors.is_preflight():
            return oauth_cors.preflight("GET", "*")
        refused = refuse_unless_get("the metadata")
        if refused:
            return refused
        documents = not request.db or request.env["api.oauth.client"]._client_metadata_allowed()
        metadata = oauth_server.authorization_server_metadata(request.httprequest.host_url, documents)
        return request.make_json_response(metadata, headers=[("Access-Control-Allow-Origin", "*")])

    @http.route("/oauth/token", type="http", auth="none", save_session=False, csrf=False, readonly=False)
    def token(self, **_ignored):
        """The token endpoint: a code (with its PKCE verifier) or a refresh
        token for an access token and a new refresh token."""
        return _machine_endpoint(self._token)

    def _token(self):
        try:
            return _server().create_token_response(request.httprequest)
        except OAuth2Error as error:
            return _oauth_error(error)

    @http.route("/oauth/revoke", type="http", auth="none", save_session=False, csrf=False, readonly=False)
    def revoke(self, **_ignored):
        """RFC 7009: an access or refresh token revoked at once."""
        return _machine_endpoint(self._revoke)

    def _revoke(self):
        try:
            return _server().create_endpoint_response("revocation", request.httprequest)
        except OAuth2Error as error:
            return _oauth_error(error)

    @http.route("/oauth/register", type="http", auth="none", save_session=False, csrf=False, readonly=False)
    def register(self, **_ignored):
        """RFC 7591: a client registers itself."""
        return _machine_endpoint(self._register)

    def _register(self):
        try:
            data = strict_json.loads(request.httprequest.get_data())
        except (ValueError, UnicodeDecodeError, RecursionError):
            data = None
        try:
            if not request.env["api.oauth.client"]._registration_allowed():
                raise oauth_server.AccessDeniedError(
                    "Dynamic client registration is turned off on this server.", status_code=403
                )
            json_request = oauth_server.json_request(request.httprequest, data)
            return _server().create_endpoint_response("client_registration", json_request)
        except OAuth2Error as error:
            return _oauth_error(error)

    @http.route("/oauth/authorize", type="http", auth="user", methods=["GET", "POST"])
    def authorize(self, **_ignored):
        """The consent page, after Odoo's own login (and its second factor):
        the user approves (narrowed or not) or denies. A request whose
        client or redirect URI is not verified is answered on the page,
        never redirected."""
        httprequest = request.httprequest
        server = _server(fetch_client_metadata=True)
        user = request.env.user
        try:
            if not user._is_internal():
                raise oauth_server.AccessDeniedError("Only internal users may connect apps.")
            grant = server.get_consent_grant(httprequest, end_user=user)
        except OAuth2Error as error:
            if getattr(error, "redirect_uri", None):
                status, body, headers = error(None)
                return _respond(status, body, headers)
            return _page("json_rpc_token.oauth_error", {"error": error.description or error.error}, status=400)
        client = grant.request.client.record
        asks_write = not oauth_server.asks_read_only(grant.request.payload.scope)
        asks_call_methods = oauth_server.asks_call_methods(grant.request.payload.scope)
        Grants = request.env["api.oauth.grant"]
        if httprequest.method == "POST":
            if httprequest.form.get("decision") != "approve":
                return server.create_authorization_response(httprequest, grant_user=None, grant=grant)
            read_only = not asks_write or bool(httprequest.form.get("read_only"))
            try:
                models_ = _chosen_models(request.env, httprequest.form.get("models"))
            except errors.InvalidParams as error:
                return _page("json_rpc_token.oauth_error", {"error": str(error)}, status=400)
            # public methods: only when asked, and ticked (the box is unticked at first)
            call_methods = bool(httprequest.form.get("call_methods")) if asks_call_methods else None
            approved = Grants._approve(client, user, models_, read_only, call_methods)
            return server.create_authorization_response(httprequest, grant_user=approved, grant=grant)
        known = Grants._find(client, user, not asks_write, asks_call_methods)
        if known:
            return server.create_authorization_response(httprequest, grant_user=known, grant=grant)
        return _page(
            "json_rpc_token.oauth_consent",
            {
                "action": httprequest.full_path,
                "client_name": client.name,
                "user_name": user.name,
                "redirect_host": urlsplit(grant.redirect_uri).netloc,
                # a client ID metadata document: the site that vouches for the name above
                "client_site": client.metadata_fetched_at and urlsplit(client.client_id).netloc,
                "asks_write": asks_write,
                "asks_call_methods": asks_call_methods,
            },
        )


def _chosen_models(env, text):
    """The models the user typed on the consent page, checked as a token's
    scope is (:meth:`api.token._parse_scope`); None: every model."""
    names = [name.strip() for name in (text or "").replace(",", " ").split() if name.strip()]
    if not names:
        return None
    return env["api.token"]._parse_scope({"models": names})[0]

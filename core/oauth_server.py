"""The OAuth 2.1 authorization server of the MCP endpoint, on Authlib's
framework-independent classes (``authlib.oauth2``): the authorization code
grant with PKCE (RFC 7636, ``S256`` only), the refresh token grant (rotated
on every use), revocation (RFC 7009). Authlib validates the requests and
shapes the RFC 6749 errors; this module tells it where the clients, codes
and tokens are (the ``api.oauth.*`` models, ``api.token``).

No implicit grant, no password grant, no client credentials: only the two
grants are registered. Public clients only (``token_endpoint_auth_method``
``none``): PKCE binds a code to the client that asked for it.

Request-free: the HTTP layer hands in the werkzeug request and an
environment (:func:`server`)."""

import re
from collections import defaultdict
from functools import cached_property
from urllib.parse import quote, urlsplit

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import AuthorizationServer, JsonPayload, JsonRequest, OAuth2Payload, OAuth2Request, grants
from authlib.oauth2.rfc6749.errors import (
    AccessDeniedError,
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
)
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7591 import ClientMetadataClaims, ClientRegistrationEndpoint
from authlib.oauth2.rfc7591.errors import InvalidRedirectURIError
from authlib.oauth2.rfc7636 import CodeChallenge
from odoo import fields

from . import client_metadata, oauth_metadata
from .oauth_metadata import SCOPES, scope_string

__all__ = ["AccessDeniedError", "OAuth2Error", "json_request", "server"]


class InvalidTargetError(OAuth2Error):
    """RFC 8707 §2: the ``resource`` is not one this server issues for."""

    error = "invalid_target"


class _Payload(OAuth2Payload):
    def __init__(self, httprequest):
        self._request = httprequest

    @property
    def data(self):
        return self._request.values

    @cached_property
    def datalist(self):
        values = defaultdict(list)
        for key in self.data:
            values[key].extend(self.data.getlist(key))
        return values


class _Request(OAuth2Request):
    """A werkzeug request as Authlib reads it (what its Flask integration does)."""

    def __init__(self, httprequest):
        super().__init__(method=httprequest.method, uri=httprequest.url, headers=httprequest.headers)
        self._request = httprequest
        self.payload = _Payload(httprequest)

    @property
    def args(self):
        return self._request.args

    @property
    def form(self):
        return self._request.form


class _JsonPayload(JsonPayload):
    def __init__(self, data):
        self._data = data

    @property
    def data(self):
        return self._data


class _JsonRequestOf(JsonRequest):
    def __init__(self, httprequest, data):
        super().__init__(httprequest.method, httprequest.url, httprequest.headers)
        self.payload = _JsonPayload(data)


class Client:
    """An ``api.oauth.client`` as Authlib's ``ClientMixin``: public, the
    code and refresh grants, its registered redirect URIs matched exactly."""

    def __init__(self, record):
        self.record = record

    def get_client_id(self):
        return self.record.client_id

    def get_default_redirect_uri(self):
        uris = self.record.redirect_uri_list()
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri):
        # exact string match (OAuth 2.1 §4.1.1: no pattern, no prefix)
        return redirect_uri in self.record.redirect_uri_list()

    def check_client_secret(self, client_secret):
        return False

    def check_endpoint_auth_method(self, method, endpoint):
        return method == "none"

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in ("authorization_code", "refresh_token")


class _Code:
    """An ``api.oauth.code`` as Authlib's ``AuthorizationCodeMixin``."""

    def __init__(self, record):
        self.record = record

    def get_redirect_uri(self):
        return self.record.redirect_uri

    def get_scope(self):
        return scope_string(self.record.scope_read_only, self.record.scope_call_methods)

    @property
    def code_challenge(self):
        return self.record.code_challenge

    @property
    def code_challenge_method(self):
        return self.record.code_challenge_method


class _Refresh:
    """An ``api.oauth.refresh`` as Authlib's ``TokenMixin``."""

    def __init__(self, record):
        self.record = record

    def check_client(self, client):
        return self.record.grant_id.client_id == client.record

    def get_scope(self):
        return scope_string(self.record.scope_read_only, self.record.scope_call_methods)

    def revoke(self):
        self.record._revoke_chain(self.record.family, self.record.grant_id, "revoked by its OAuth client")


class S256Only(CodeChallenge):
    """PKCE required, ``S256`` only: ``plain`` (and a request without a
    challenge) is refused at the authorization endpoint."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        payload = grant.request.payload.data
        if not payload.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send 'code_challenge' (S256).")
        if payload.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only 'code_challenge_method=S256' is accepted.")
        return super().validate_code_challenge(grant, redirect_uri)


def asks_read_only(scope):
    """Whether an OAuth ``scope`` asks reading only (none asks both)."""
    return bool(scope) and "write" not in scope.split()


def asks_call_methods(scope):
    """Whether an OAuth ``scope`` asks to call public methods (``call``,
    with ``write``; none asks nothing of it: it is never given unasked)."""
    return bool(scope) and {"write", "call"} <= set(scope.split())


def check_resource(server_, request):
    """RFC 8707: a ``resource`` parameter, when sent, must be this server's
    MCP endpoint (the only resource it issues tokens for)."""
    resources = request.payload.datalist.get("resource", [])
    for resource in resources:
        if not oauth_metadata.is_mcp_resource(resource, server_.base_url):
            raise InvalidTargetError("This server issues tokens for its MCP endpoint (/mcp) only.")
    return resources[0] if resources else None


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["none"]

    def validate_authorization_request(self):
        redirect_uri = super().validate_authorization_request()
        try:
            check_resource(self.server, self.request)
        except OAuth2Error as error:
            error.redirect_uri = redirect_uri
            raise
        return redirect_uri

    def save_authorization_code(self, code, request):
        env = self.server.env
        env["api.oauth.code"]._store(
            code,
            request.user,
            request.payload.redirect_uri,
            request.payload.data["code_challenge"],
            request.payload.data["code_challenge_method"],
            check_resource(self.server, request),
            asks_read_only(request.payload.scope),
            asks_call_methods(request.payload.scope),
        )

    def query_authorization_code(self, code, client):
        record = self.server.env["api.oauth.code"]._lookup(code)
        if not record or record.grant_id.client_id != client.record:
            return None
        if record.used:
            # RFC 6749 §4.1.2: a code used twice revokes what it gave
            record.env["api.oauth.refresh"]._revoke_chain(record.family, record.grant_id, "authorization code reused")
            return None
        if record.expires_at <= fields.Datetime.now() or record.grant_id.revoked_at:
            return None
        return _Code(record)

    def delete_authorization_code(self, authorization_code):
        authorization_code.record.used = True

    def authenticate_user(self, authorization_code):
        grant = authorization_code.record.grant_id
        return None if grant.revoked_at else grant

    def validate_token_request(self):
        validated = super().validate_token_request()
        resource = check_resource(self.server, self.request)
        if resource and self.request.authorization_code.record.resource not in (None, False, resource):
            raise InvalidTargetError("'resource' is not the one of the authorization request.")
        return validated

    def create_token_response(self):
        code = self.request.authorization_code.record
        grant = self.authenticate_user(self.request.authorization_code)
        if not grant:
            raise InvalidGrantError("The app was revoked.")
        token = self.server.env["api.oauth.refresh"]._issue_pair(
            grant, code.scope_read_only, code.resource, family=code.family, call_methods=code.scope_call_methods
        )
        self.delete_authorization_code(self.request.authorization_code)
        return 200, token, self.TOKEN_RESPONSE_HEADER


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["none"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        record = self.server.env["api.oauth.refresh"]._lookup(refresh_token)
        if not record:
            return None
        if record.used_at:
            # a refresh token used twice was copied: its whole chain dies
            record._revoke_chain(record.family, record.grant_id, "refresh token reused")
            return None
        if record.revoked_at or record.grant_id.revoked_at or record.expires_at <= fields.Datetime.now():
            return None
        return _Refresh(record)

    def authenticate_user(self, refresh_token):
        return refresh_token.record.grant_id

    def create_token_response(self):
        refresh = self.request.refresh_token.record
        check_resource(self.server, self.request)
        scope = self.request.payload.scope
        read_only = refresh.scope_read_only or asks_read_only(scope)
        # a scope narrowed at refresh (RFC 6749 §6) drops 'call' unless named; Authlib refuses a wider one
        call_methods = refresh.scope_call_methods and (not scope or asks_call_methods(scope))
        token = self.server.env["api.oauth.refresh"]._issue_pair(
            refresh.grant_id, read_only, refresh.resource, family=refresh.family, call_methods=call_methods
        )
        self.revoke_old_credential(self.request.refresh_token)
        return 200, token, self.TOKEN_RESPONSE_HEADER

    def revoke_old_credential(self, refresh_token):
        refresh_token.record.used_at = fields.Datetime.now()


class Revocation(RevocationEndpoint):
    """RFC 7009: an access or a refresh token of the client, revoked at
    once (a refresh token: with the access tokens of its chain); an
    unknown token is answered 200 all the same (§2.2)."""

    CLIENT_AUTH_METHODS = ["none"]

    def query_token(self, token_string, token_type_hint):
        env = self.server.env
        if token_type_hint != "access_token":
            record = env["api.oauth.refresh"]._lookup(token_string)
            if record:
                return _Refresh(record)
        facts = env["api.token"].sudo()._find_token(token_string)
        if facts and facts.audience == "mcp":
            return _Access(env["api.token"].sudo().browse(facts.id))
        return None

    def revoke_token(self, token, request):
        token.revoke()


class Registration(ClientRegistrationEndpoint):
    """RFC 7591 Dynamic Client Registration, open (MCP clients register
    themselves), for public clients: whatever authentication method a
    client asks, it is registered as ``none`` (RFC 7591 §3.2.1 lets the
    server replace a value), with no secret. Its redirect URIs must pass
    ``redirect_uri_allowed`` (loopback, or https)."""

    claims_classes = [ClientMetadataClaims]

    def authenticate_token(self, request):
        return True

    def get_server_metadata(self):
        return authorization_server_metadata(self.server.base_url)

    def extract_client_metadata(self, request):
        data = request.payload.data
        if not isinstance(data, dict):
            raise InvalidRequestError("The registration must be a JSON object.")
        data = {**data, "token_endpoint_auth_method": "none"}
        uris = data.get("redirect_uris")
        if not isinstance(uris, list) or not uris or not all(isinstance(uri, str) for uri in uris):
            raise InvalidRedirectURIError("'redirect_uris' must be a non-empty list of URLs.")
        for uri in uris:
            if not self.server.redirect_uri_allowed(uri):
                raise InvalidRedirectURIError(
                    error_description(
                        f"The redirect URI {uri[:200]} is not allowed: https, or http to a loopback address, "
                        "without a fragment (an administrator may allow other schemes or prefixes in Settings)."
                    )
                )
        request.payload = _JsonPayload(data)
        return super().extract_client_metadata(request)

    def generate_client_secret(self, request):
        return None

    def save_client(self, client_info, client_metadata, request):
        name = client_metadata.get("client_name") or "Unnamed app"
        return (
            self.server.env["api.oauth.client"]
            .sudo()
            .create(
                {
                    "name": str(name)[:100],
                    "client_id": client_info["client_id"],
                    "redirect_uris": "\n".join(client_metadata["redirect_uris"]),
                    "client_uri": client_metadata.get("client_uri"),
                }
            )
        )

    def create_registration_response(self, request):
        status, body, headers = super().create_registration_response(request)
        body.pop("client_secret", None)
        body.pop("client_secret_expires_at", None)
        return status, body, headers


def error_description(text):
    """``text`` as an RFC 6749 ``error_description`` may be: printable
    ASCII but ``"`` and ``\\`` (§5.2); any other character percent-encoded,
    as in a URL. For a description that quotes what a client or a remote
    server sent (a redirect URI, a metadata document's reason): Authlib
    raises ``ValueError`` on such a character, which was a 500 page."""
    return "".join(
        character if " " <= character <= "~" and character not in '"\\' else quote(character, safe="")
        for character in text
    )


def json_request(httprequest, data):
    """A registration request (its JSON body decoded: ``data``) as Authlib reads it."""
    return _JsonRequestOf(httprequest, data)


def authorization_server_metadata(base_url, client_metadata_documents=True):
    """RFC 8414: what this authorization server does, and where;
    ``client_metadata_documents``: whether a client ID may be the URL of
    its metadata document (:mod:`.client_metadata`), as the MCP
    authorization specification's field says."""
    base = base_url.rstrip("/")
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "registration_endpoint": f"{base}/oauth/register",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": list(SCOPES),
        "client_id_metadata_document_supported": bool(client_metadata_documents),
    }


def is_loopback_host(host):
    return host in ("localhost", "127.0.0.1", "::1") or host.startswith("127.")


#: schemes no administrator can allow as a redirect: they run or read in
#: the browser (or the machine) rather than hand the code to an app
NEVER_REDIRECT_SCHEMES = frozenset(("javascript", "data", "vbscript", "file", "about", "blob", "filesystem"))
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")


def redirect_allowance_problem(entry):
    """Why ``entry`` cannot be an administrator's allowed redirect (None if
    it can): a scheme (``cursor:``) or a prefix that names at least a host
    and the ``/`` after it (``cursor://anysphere.cursor-retrieval/``), so
    that ``https://app.example`` cannot let ``https://app.example.evil``
    in."""
    scheme, colon, rest = entry.partition(":")
    if not colon or not _SCHEME.fullmatch(scheme.lower()):
        return "it is neither a scheme ('cursor:') nor a URL prefix ('cursor://host/')"
    if scheme.lower() in NEVER_REDIRECT_SCHEMES:
        return f"{scheme.lower()}: is never a redirect"
    if rest and (not rest.startswith("//") or "/" not in rest[2:] or "#" in rest):
        return "a prefix names its host and ends with the '/' after it (cursor://host/), without a fragment"
    return None


def redirect_uri_allowed(uri, allowed_extra=()):
    """A redirect URI a client may register: https, or http on a loopback
    address (a desktop app's local listener, RFC 8252 §7.3), or what an
    administrator allowed (``allowed_extra``: schemes such as ``cursor:``,
    prefixes such as ``cursor://anysphere.cursor-retrieval/``, see
    :func:`redirect_allowance_problem`); never with a fragment, a user or
    a password, a space or a control character (the URIs are stored one per
    line: one with a space would register two). Anything else (``http://``
    to another host, ``javascript:``, an app's private scheme not allowed)
    is refused at registration."""
    if not isinstance(uri, str) or len(uri) > 2000 or client_metadata.has_space_or_control(uri):
        return False
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    if "#" in uri or parts.username is not None or parts.password is not None or scheme in NEVER_REDIRECT_SCHEMES:
        return False
    if parts.hostname and (scheme == "https" or (scheme == "http" and is_loopback_host(parts.hostname))):
        return True
    for entry in allowed_extra:
        if redirect_allowance_problem(entry):
            continue
        if entry.endswith(":") and scheme == entry[:-1].lower():
            return True
        if not entry.endswith(":") and uri.startswith(entry):
            return True
    return False


class _Access:
    def __init__(self, record):
        self.record = record

    def check_client(self, client):
        return self.record.oauth_grant_id.client_id == client.record

    def revoke(self):
        self.record._revoke(detail="revoked by its OAuth client")


class Server(AuthorizationServer):
    """Authlib's server bound to one request's environment and base URL."""

    def __init__(self, env, base_url, respond, fetch_client_metadata=False):
        super().__init__(scopes_supported=list(SCOPES))
        self.env = env
        self.base_url = base_url
        self._respond = respond
        #: whether a client ID metadata document may be (re)fetched: at the
        #: authorization endpoint only, where a user signs a client in; the
        #: token and revocation endpoints use the registration on record
        self.fetch_client_metadata = fetch_client_metadata
        self.register_grant(CodeGrant, [S256Only(required=True)])
        self.register_grant(RefreshGrant)
        self.register_endpoint(Revocation)
        self.register_endpoint(Registration)

    def query_client(self, client_id):
        if not isinstance(client_id, str):
            return None
        Clients = self.env["api.oauth.client"].sudo()
        if self.fetch_client_metadata and client_metadata.is_metadata_url(client_id):
            try:
                record = Clients._from_metadata_document(client_id)
            except client_metadata.Refused as refused:
                raise InvalidClientError(error_description(str(refused))) from None
        else:
            record = Clients.search([("client_id", "=", client_id)], limit=1)
        return Client(record) if record else None

    def save_token(self, token, request):
        """Nothing: the grants store their tokens as they issue them."""

    def send_signal(self, name, *args, **kwargs):
        """No signals."""

    def create_oauth2_request(self, request):
        return request if isinstance(request, OAuth2Request) else _Request(request)

    def create_json_request(self, request):
        return request

    def redirect_uri_allowed(self, uri):
        return self.env["api.oauth.client"]._redirect_uri_allowed(uri)

    def handle_response(self, status, body, headers):
        return self._respond(status, body, headers)


def server(env, base_url, respond, fetch_client_metadata=False):
    """The authorization server for ``env``'s database; ``respond(status,
    body, headers)`` makes the HTTP answer; ``fetch_client_metadata``: a
    client ID that is a URL may be fetched (see :mod:`.client_metadata`)."""
    return Server(env, base_url, respond, fetch_client_metadata)

"""The ``type='mcp'`` routing type: ``POST /mcp``, the Model Context
Protocol's Streamable HTTP transport, for AI assistants, on this addon's
tokens.

Stateless and answering ``application/json`` only: each POST carries one
JSON-RPC message; a request gets its answer, a notification (or a client's
response) HTTP 202 and no body; ``GET /mcp`` (the server's event stream) and
``DELETE /mcp`` (ending a session) answer 405, as the transport allows when
no stream and no session are offered. No ``Mcp-Session-Id`` is issued, so
a client sends none. The revision is negotiated by ``initialize`` and named
by later requests in ``MCP-Protocol-Version`` (one this server does not
speak: HTTP 400). A page of another site is refused as on every token path
(:mod:`..core.origin`: the spec's DNS-rebinding rule).

Every request is a token call: ``Authorization: Bearer <token>``, checked by
the token step of every dialect (:func:`..http_layer.token_call.become_token_user`:
expiry, revocation, allowed networks, rate limits, usage metered as dialect
``mcp``, audit), else HTTP 401 with ``WWW-Authenticate: Bearer
resource_metadata="..."`` (where the OAuth metadata is, see
:mod:`.oauth`); a
notification's token is checked but not counted as a call. The database is
the ``X-Odoo-Database`` header's, or ``?db=`` in the URL, else Odoo's choice.
The methods and tools are :mod:`..core.mcp_tools`'s; protocol failures are
JSON-RPC errors from the one error table (:mod:`..core.errors`), HTTP 200
but for the transport's own statuses (400, 401, 403, 405, 429).
"""

from odoo import http
from odoo.http import request

from ..core import errors, mcp_tools, oauth_metadata
from ..core.jsonrpc import NO_RESULT, answer, valid_id
from ..http_layer import token_call
from ..http_layer.dispatcher import TokenDispatcher, route_options

PROTOCOL_HEADER = "MCP-Protocol-Version"
#: the kinds of failure the transport answers with their own HTTP status;
#: any other is a JSON-RPC error in a 200 (a 404 would tell the client its
#: session is gone)
_HTTP_STATUS_ERRORS = (
    errors.ParseError,
    errors.InvalidRequest,
    errors.TokenError,
    errors.TooManyAttempts,
    errors.RateLimitExceeded,
    errors.OriginRefused,
    errors.ServiceUnavailable,
)


class McpDispatcher(TokenDispatcher, http.Dispatcher):
    routing_type = "mcp"
    cors_methods = "POST"
    # a new dialect: its answers are compact JSON (a tool's rows are in them
    # twice, as structuredContent and as the text most assistants read)
    compact_answers = True
    cors_headers = f"{TokenDispatcher.cors_headers}, {PROTOCOL_HEADER}, Mcp-Session-Id, Last-Event-ID"
    challenge = "Bearer"

    def __init__(self, request):
        super().__init__(request)
        self.request_id = None

    def dispatch_call(self, endpoint, args):
        httprequest = self.request.httprequest
        if httprequest.method != "POST":
            raise errors.MethodNotAllowed(
                "This MCP server answers POST only: no server-sent event stream, no session to end.", "POST"
            )
        payload = self.read_json()
        if isinstance(payload, dict) and valid_id(payload.get("id")):
            self.request_id = payload.get("id")
        kind = mcp_tools.parse_message(payload)
        try:
            secret = self.bearer_token()
        except errors.InvalidRequest:
            secret = None
        if not secret:
            raise errors.TokenMissing("Send 'Authorization: Bearer <token>' with a token of this server.")
        dbname = self.requested_database(httprequest.args.get("db"))
        if kind != "request":
            self.in_database(lambda: self._check_notification(secret), dbname)
            response = self.request.make_response("", status=202)
            response.headers.remove("Content-Type")
            return self.finish(response)
        version = mcp_tools.header_version(httprequest.headers.get(PROTOCOL_HEADER), payload["method"])
        self.request.params = {"message": payload, "secret": secret, "version": version}
        return self.serve(
            endpoint,
            dbname,
            lambda result: self.json_response(answer(self.request_id, result)),
            readonly=mcp_tools.is_read_call(payload),
        )

    def _check_notification(self, secret):
        """A notification runs nothing: its page's origin and its token are
        checked (refused as a request would be), not counted as a call."""
        self._admit_origin(self.request.env)
        self.request.env["api.token"].sudo()._check_secret(secret)

    def error_status(self, exc):
        """The table's status and headers; a 401's challenge names where the
        endpoint's OAuth metadata is (RFC 9728 §5.1), so that a client
        given only the URL finds how to sign in."""
        status, headers = super().error_status(exc)
        if status == 401:
            httprequest = self.request.httprequest
            db = httprequest.args.get("db")
            value = oauth_metadata.challenge(
                httprequest.host_url,
                db if isinstance(db, str) else None,
                token_given=not isinstance(exc, errors.TokenMissing),
            )
            headers = [(name, value if name == "WWW-Authenticate" else old) for name, old in headers]
        return status, headers

    def error_response(self, exc):
        status, headers = self.error_status(exc)
        if not isinstance(exc, _HTTP_STATUS_ERRORS):
            status = 200
        return self.json_response(
            answer(self.request_id, NO_RESULT, errors.to_error_object(exc)), status=status, headers=headers
        )


ROUTE_OPTIONS = route_options("mcp")


class McpController(http.Controller):
    @http.route("/mcp", **ROUTE_OPTIONS)
    def mcp(self, message, secret, version):
        """One MCP request, as the token's user."""
        facts = token_call.become_token_user(secret, None, None)
        return mcp_tools.handle(request.env, facts, message, version)

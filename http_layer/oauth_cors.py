"""CORS of OAuth's machine endpoints (``controllers/oauth.py``): a
browser-based MCP client (MCP Inspector, an assistant's web page) fetches
the two metadata documents and posts to ``/oauth/token``,
``/oauth/register`` and ``/oauth/revoke`` from its own origin.

These routes are plain ``type='http'`` routes on Odoo's database path, not
the addon's dispatchers, but the rule is the dispatchers' one
(:mod:`..core.origin`): an origin the database lists in
``json_rpc_token.cors_origins`` is granted (its preflight answered with the
methods and headers the endpoint takes); a browser request from a page of
any other site is refused before it runs (the server's own pages pass),
as on ``/mcp`` itself. The metadata documents are public: any origin may
read them (``*``, never with credentials).
"""

from odoo.http import request

from ..core import errors
from ..core import origin as origin_rule
from .dispatcher import CORS_EXPOSED_HEADERS, CORS_MAX_AGE

#: what a preflight grants: the MCP SDKs send ``MCP-Protocol-Version`` on
#: their discovery requests too
ALLOWED_HEADERS = "Content-Type, Authorization, MCP-Protocol-Version"


def _origin():
    return request.httprequest.headers.get("Origin")


def is_preflight():
    return request.httprequest.method == "OPTIONS"


def granted_origin():
    """The request's ``Origin`` if the database lists it, else None (no
    database to ask: none granted)."""
    origin = _origin()
    if not origin or not request.db:
        return None
    return origin if origin_rule.listed(request.env, origin) else None


def foreign_origin_refusal():
    """The JSON 403 (an RFC 6749 error) of a browser request from a page of
    a site the database does not admit, else None."""
    origin = _origin()
    if not origin:
        return None
    try:
        if not request.db:
            raise errors.OriginRefused(f"Calls from web pages of {origin[:100]} are not accepted: no database.")
        origin_rule.admit(request.env, origin)
    except errors.OriginRefused as refused:
        return request.make_json_response(
            {"error": "invalid_request", "error_description": str(refused)},
            status=403,
            headers=[("Cache-Control", "no-store")],
        )
    return None


def with_cors(response, origin):
    """``response`` readable by a page of ``origin`` (None: unchanged)."""
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
        if origin != "*":
            response.headers.add("Vary", "Origin")
    return response


def preflight(methods, origin):
    """The answer to a CORS preflight: 204, granting ``methods`` and the
    headers an OAuth client sends to ``origin`` (None: nothing granted, the
    browser then sends nothing)."""
    response = request.make_response("", status=204)
    response.headers.remove("Content-Type")
    if origin:
        response.headers.update(
            {
                "Access-Control-Allow-Methods": methods,
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": CORS_MAX_AGE,
            }
        )
    return with_cors(response, origin)

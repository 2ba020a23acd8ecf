"""A token call never sees a browser session.

Odoo keeps a few security facts in the HTTP session, the strongest being
``identity-check-last``: a password confirmed in the last ten minutes lets
``check_identity`` methods run (new API keys, password change, new tokens).
If a token call ran with whatever session cookie the caller sent, a stolen
token plus the thief's own identity-checked session (of any user, of any
database) would run those methods as the token's user. So on every route of
this addon the cookie is ignored: Odoo builds a fresh session, the routes
never save it (``save_session=False``), the call binds it to the token's user
and database, and a password confirmation cannot succeed inside a token call
(``res.users._check_credentials``), so no ``check_identity`` method ever runs
through a token.
"""

from odoo.http import request

#: every route this addon serves, now and later, lives under these: JSON-RPC,
#: REST (odoo-rest-api's ``/api`` and ``/object``), Odoo 19's JSON-2, its API
#: documentation (``/doc-bearer``) and version (``/web/version``,
#: ``/json/version``). Only a first, cheap test: other modules have routes
#: under them too, and a path is the addon's only if Odoo's routing says so
#: (``database_free.owns``)
TOKEN_ROUTE_PREFIXES = (
    "/json-call",
    "/api",
    "/object",
    "/json/2",
    "/doc-bearer",
    "/web/version",
    "/json/version",
    "/mcp",
    "/oauth/token",
    "/oauth/revoke",
    "/oauth/register",
    "/.well-known/oauth-protected-resource",
    "/.well-known/oauth-authorization-server",
)
#: OAuth's machine endpoints (``controllers/oauth.py``): no browser session
#: either, but Odoo's own database path (plain ``type='http'`` routes, not
#: the addon's dispatchers). ``/oauth/authorize`` is not among them: the
#: consent page is the user's browser session by design (``auth='user'``).
OAUTH_MACHINE_PATHS = (
    "/oauth/token",
    "/oauth/revoke",
    "/oauth/register",
    "/.well-known/oauth-protected-resource",
    "/.well-known/oauth-authorization-server",
)
#: the routing types of this addon's token routes (its Dispatchers)
TOKEN_ROUTING_TYPES = frozenset(("json_call", "json_rest", "json2", "json2_doc", "openapi_doc", "mcp"))
#: token routes that need no database (the OpenAPI document, and its page;
#: Odoo 19's version)
DATABASE_FREE_DOCUMENTS = frozenset(("/json-call/openapi.json", "/json-call/docs", "/web/version", "/json/version"))


def _under(path, prefixes):
    return any(path == prefix or path.startswith(prefix + "/") for prefix in prefixes)


def is_token_path(path):
    return _under(path, TOKEN_ROUTE_PREFIXES)


def is_call_path(path):
    """A token route that calls into a database (all but the documents)."""
    return is_token_path(path) and path not in DATABASE_FREE_DOCUMENTS and not _under(path, OAUTH_MACHINE_PATHS)


def forget_cookie_session(odoo_request):
    """Called before the session is looked up again (``database_free.claim``):
    a token route gets a fresh one."""
    if is_token_path(odoo_request.httprequest.path):
        odoo_request.httprequest._session_id__ = None


def ensure_fresh_session(odoo_request):
    """Second line, called by the dispatcher of every token route: a session
    read from a cookie can only get this far on the first request of a
    process that imports this addon with that request's registry (addon not
    loaded server-wide), before :func:`forget_cookie_session` was hooked in,
    or on a request Odoo routed itself (``database_free.claim`` could not
    tell yet whose it is)."""
    if not odoo_request.session.is_new:
        odoo_request.httprequest._session_id__ = None
        odoo_request.session, _dbname = odoo_request._get_session_and_dbname()


def is_token_request():
    """True while serving one of this addon's token routes (the dispatcher
    Odoo picked for the route, or ``claim`` for REST: not its path, which
    may be another module's route)."""
    return bool(request) and getattr(request.dispatcher, "routing_type", None) in TOKEN_ROUTING_TYPES


def bind(user_id):
    """Bind the (fresh, never saved) session to the token's user and database."""
    request.session.db = request.env.cr.dbname
    request.session.uid = user_id

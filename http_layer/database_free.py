"""Which requests are this addon's, decided before any route runs, and
the token API served on Odoo's database-free path.

For a request without a session cookie, Odoo 18 picks a database (the
server's only one) and then, before any route runs, opens a cursor to check
the registry and to match the URL against every installed module's routes,
closes it, opens a second cursor, and runs every installed module's
``ir.http`` hooks (``_authenticate``, ``_pre_dispatch``, ``_post_dispatch``:
languages, website, editor...). None of that serves a call that carries its
own token: the dispatcher chooses the database itself (the ``db`` parameter,
else the database Odoo would have picked) and opens one transaction on it,
as it already does on a multi-database server. Routed database-free, a call
costs one cursor and none of those hooks (measured by ``bench/run.sh``).

Odoo routes database-free only the routes of server-wide modules, so this
applies only when the addon is loaded with ``--load``; without it, Odoo's
database path serves the routes as any other, and the dispatcher runs in the
transaction Odoo opened.

A path is this addon's only if Odoo's own routing resolves it to one of
this addon's routes (:func:`claim`): the routing map of the request's
database, where another module's ``/api/ping`` is more specific than REST's
``/api/<path:subpath>`` and wins (werkzeug prefers a static part to a
converter), or, on a request without a database, the database-free map.
The database's map is the one its ``ir.http.routing_map`` built last (kept
on its registry by ``models/ir_http.py``): until that database served one
request through Odoo's routing (the first request of a process), or if it
lacks this addon, nothing is claimed and Odoo routes the request itself,
which gets the same answers, a cursor and ``ir.http``'s hooks dearer.
"""

import odoo
import werkzeug.exceptions
from odoo import http
from odoo.modules.registry import Registry
from werkzeug.routing import RequestRedirect

from . import token_session

#: request attribute: the database Odoo would have served the request on
DEFAULT_DB_ATTRIBUTE = "json_rpc_token_default_db"
#: registry attribute: the routing map ``ir.http`` built last for it
ROUTING_MAP_ATTRIBUTE = "json_rpc_token_routing_map"
#: REST answers in JSON what no route of any module matches under these
REST_PREFIXES = ("/api", "/object")
_PACKAGE = "odoo.addons.json_rpc_token."


def _under_rest(path):
    return any(path == prefix or path.startswith(prefix + "/") for prefix in REST_PREFIXES)


def remember_routing_map(registry, routing_map):
    setattr(registry, ROUTING_MAP_ATTRIBUTE, routing_map)


def _is_ours(endpoint):
    """Whether the route was declared by this addon (a controller of another
    module may extend it: the route is still ours)."""
    method = endpoint.func
    declaring = [cls for cls in type(method.__self__).mro() if method.__name__ in vars(cls)]
    return bool(declaring) and declaring[-1].__module__.startswith(_PACKAGE)


def _routing_map(request):
    """The routing map Odoo would match ``request`` with, None if it is not
    at hand without opening a cursor (or the database lacks this addon)."""
    if not request.db:
        return http.root.nodb_routing_map
    registry = Registry.registries.get(request.db)
    if registry is None or not registry.ready or "api.token" not in registry:
        return None
    return getattr(registry, ROUTING_MAP_ATTRIBUTE, None)


def owns(request):
    """True if Odoo's routing resolves ``request`` to one of this addon's
    routes, or if no route of any module matches it under REST's prefixes
    (REST's JSON 404); False if it is another module's or no one's; None
    when that cannot be known yet."""
    path = request.httprequest.path
    if not token_session.is_token_path(path):
        return False  # the cheap test, for every other request
    routing_map = _routing_map(request)
    if routing_map is None:
        return None
    try:
        rule, _args = routing_map.bind_to_environ(request.httprequest.environ).match(return_rule=True)
    except (werkzeug.exceptions.NotFound, RequestRedirect):
        # a path REST's catch-all does not take (a newline, '//'): REST's
        # JSON 404 if the addon serves this map's REST at all
        return _under_rest(path) and (bool(request.db) or "json_rpc_token" in odoo.conf.server_wide_modules)
    except werkzeug.exceptions.HTTPException:  # another route refuses the method
        return False
    return _is_ours(rule.endpoint)


def claim(request):
    """Called (by :mod:`.patches`) once Odoo chose the request's session
    and database, before it routes: a request of this addon gets a fresh
    session instead of its cookie's, REST's dispatcher until a route
    matches, and, when the addon is server-wide, Odoo's database-free path.
    Anything else is left as Odoo made it."""
    if not owns(request):
        return
    if request.httprequest._session_id__:
        token_session.forget_cookie_session(request)
        request.session, request.db = request._get_session_and_dbname()
    path = request.httprequest.path
    if _under_rest(path):
        from ..controllers.rest import RestDispatcher

        request.dispatcher = RestDispatcher(request)
    if token_session.is_call_path(path) and "json_rpc_token" in odoo.conf.server_wide_modules:
        setattr(request, DEFAULT_DB_ATTRIBUTE, request.db)
        request.db = None  # Odoo then serves it through Request._serve_nodb


def default_database(request):
    """The database Odoo chose for ``request`` (None if it could not choose)."""
    return request.db or getattr(request, DEFAULT_DB_ATTRIBUTE, None)

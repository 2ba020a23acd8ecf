"""Serve the token API on Odoo's database-free path.

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
"""
import odoo
from odoo import http

from .. import token_session

#: request attribute: the database Odoo would have served the request on
DEFAULT_DB_ATTRIBUTE = "json_rpc_token_default_db"

_odoo_session_and_dbname = http.Request._get_session_and_dbname


def _session_and_dbname(request):
    token_session.forget_cookie_session(request)  # no cookie reaches a token call
    session, dbname = _odoo_session_and_dbname(request)
    if token_session.is_call_path(request.httprequest.path) and "json_rpc_token" in odoo.conf.server_wide_modules:
        setattr(request, DEFAULT_DB_ATTRIBUTE, dbname)
        return session, None  # Odoo then serves it through Request._serve_nodb
    return session, dbname


http.Request._get_session_and_dbname = _session_and_dbname


def default_database(request):
    """The database Odoo chose for ``request`` (None if it could not choose)."""
    return request.db or getattr(request, DEFAULT_DB_ATTRIBUTE, None)

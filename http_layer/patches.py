"""Every change this addon makes to Odoo's own code, in one file.

The addon is loaded server-wide (``--load``, as the README advises), so
whatever it changes in Odoo's classes and modules changes it for every
database of the process and every module's routes. Each patch below says
why no Odoo hook does the job, and each leaves Odoo as it is unless the
request (or connection) concerns this addon: its own routes, in a database
that has the addon installed, or, before any database is known, a path
that Odoo's routing resolves to one of its routes (see
:func:`.controllers.database_free.claim`). Where a hook exists, the addon
uses it instead (``ir.http.routing_map``, the RPC controllers' inheritance,
its ``Dispatcher`` types).

:func:`apply` runs when the addon's package is first imported (its
``__init__``: Odoo imports an addon once per process, server-wide or when
a registry loads it); calling it again re-wraps Odoo's original function,
never a wrapper, so a reloaded module does not stack patches.

The patches:

``http.Request._post_init``
    Odoo chooses the session (from the cookie) and the database here,
    before any routing: nothing in ``ir.http`` runs that early, and on the
    database-free path nothing of ``ir.http`` runs at all. For a path that
    is this addon's (see ``claim``): the cookie's session is dropped (a
    token call never sees a browser session, see :mod:`.token_session`),
    the call is sent down Odoo's database-free path when the addon is loaded
    server-wide (one cursor, no ``ir.http`` hooks, see
    :mod:`.controllers.database_free`), and REST's dispatcher answers what
    no route matches (a JSON 404, not Odoo's HTML page).
``odoo.service.model.dispatch``
    The object service of ``/xmlrpc``, ``/xmlrpc/2`` and ``/jsonrpc``:
    ``execute``/``execute_kw`` with a token as the password check the
    token in the call's own transaction (see :mod:`.controllers.rpc`).
    The RPC controllers are inherited (a hook), but the service they call
    is a module function. Any other call, or a database without the addon,
    goes to Odoo's function unchanged.
``logging.getLogger("odoo.sql_db")`` filter
    Odoo logs each failed query at ERROR before anyone knows why it failed;
    a client's bad value inside a ``/json-call`` call is kept at DEBUG
    (see :class:`.errors.ClientQueryFilter`). Only ``/json-call``'s
    dispatcher is concerned.
``sql_db.PsycoConnection.reset`` and ``.rollback``
    A dead pooled connection is dropped by Odoo's pool whatever class
    psycopg2 reports its death with (see :mod:`.connection_pool`). Only on
    a failure, and only for a database whose loaded registry has the addon.
"""

import logging

from odoo import http, sql_db
from odoo.service import model as service_model

from ..controllers import xmlrpc
from ..core import connection_pool, errors
from . import database_free

#: the attribute that keeps Odoo's original on a patched function
ORIGINAL = "json_rpc_token_original"
_SQL_LOGGER = logging.getLogger("odoo.sql_db")


def _patch(owner, name, make):
    """Replace ``owner.name`` by ``make(original)``, Odoo's original even
    when it is already patched (idempotent)."""
    current = getattr(owner, name)
    original = getattr(current, ORIGINAL, current)
    patched = make(original)
    setattr(patched, ORIGINAL, original)
    setattr(owner, name, patched)


def _post_init(original):
    def post_init(request):
        original(request)
        database_free.claim(request)

    return post_init


def _object_dispatch(original):
    def dispatch(method, params):
        return xmlrpc.object_dispatch(original, method, params)

    return dispatch


def _connection_reset(original):
    def reset(connection):
        return connection_pool.reset(original, connection)

    return reset


def _connection_rollback(original):
    def rollback(connection):
        return connection_pool.rollback(original, connection)

    return rollback


def apply():
    """Apply every patch; called by the package's ``__init__`` (not the
    manifest's ``post_load``, which Odoo skips for a package imported already)."""
    _patch(http.Request, "_post_init", _post_init)
    _patch(service_model, "dispatch", _object_dispatch)
    _patch(sql_db.PsycoConnection, "reset", _connection_reset)
    _patch(sql_db.PsycoConnection, "rollback", _connection_rollback)
    _SQL_LOGGER.filters[:] = [f for f in _SQL_LOGGER.filters if type(f).__name__ != errors.ClientQueryFilter.__name__]
    _SQL_LOGGER.addFilter(errors.ClientQueryFilter())

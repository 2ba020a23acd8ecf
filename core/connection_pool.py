"""Odoo's connections survive the death of their server as Odoo expects:
a dead pooled connection is dropped by Odoo's pool, whatever class psycopg2
reports its death with, and rolling back a dead connection is no error.

Odoo's ``ConnectionPool.borrow`` resets an idle connection before lending it
(``RESET ALL``: a round trip) and, when that fails with ``OperationalError``,
closes it and takes the next one, or connects anew. After the server behind
it crashed or restarted, psycopg2 often reports the failed reset as a bare
``DatabaseError`` ("server closed the connection unexpectedly": libpq had not
yet marked the connection bad), which ``borrow`` lets through: the request
fails although the server may be back already, on this addon's routes as on
Odoo's own (``/jsonrpc``, the web client), on the primary as on the replica.

So the reset of Odoo's connections raises a passing fault
(``errors.is_passing_fault``) as ``OperationalError`` (the original as its
cause): Odoo's own recovery runs, and the request gets a fresh connection, or
the -32030 of a database that is really down.

Closing a cursor rolls its connection back; on a connection its server has
closed, psycopg2 raises. Odoo closes the cursor it matched the route with in
a ``finally`` of ``Request._serve_db``, before the route's dispatcher is
known: that error became an HTML 500 page, on the addon's routes too (a
server serving one database, ``-d``, serves them there). A transaction
whose connection is gone is rolled back already (PostgreSQL ends it with the
session), so rolling back a connection marked closed after a passing fault
succeeds; the pool drops the connection at its next borrow, and the request
goes on to the answer its dispatcher gives (-32030 if the database is down).

Patched in by :mod:`.patches` (``PsycoConnection`` is Odoo's class of every
connection: no hook reaches it). The patches act only on a failure, and
only for a connection to a database whose loaded registry has this addon:
elsewhere Odoo's behaviour is left as it is.
"""

import psycopg2
from odoo.modules.registry import Registry
from psycopg2.extensions import parse_dsn

from . import errors


def _database_has_addon(connection):
    try:
        registry = Registry.registries.get(parse_dsn(connection.dsn).get("dbname"))
    except psycopg2.Error:
        return False
    return registry is not None and "api.token" in registry


def reset(psycopg2_reset, connection):
    try:
        return psycopg2_reset(connection)
    except psycopg2.OperationalError:
        raise
    except psycopg2.Error as exc:
        if not (errors.is_passing_fault(exc) and _database_has_addon(connection)):
            raise
        raise psycopg2.OperationalError(f"the pooled connection was lost: {exc}".strip()) from exc


def rollback(psycopg2_rollback, connection):
    try:
        return psycopg2_rollback(connection)
    except psycopg2.Error as exc:
        if not (connection.closed and errors.is_passing_fault(exc) and _database_has_addon(connection)):
            raise
        return None  # the server ended the transaction with the connection

"""A dead pooled connection is dropped by Odoo's pool, whatever class
psycopg2 reports its death with.

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
"""
import psycopg2

from odoo import sql_db

from . import errors

#: psycopg2's own reset (kept across a reload of this module)
_psycopg2_reset = getattr(sql_db.PsycoConnection.reset, "psycopg2_reset", sql_db.PsycoConnection.reset)


def reset(connection):
    try:
        return _psycopg2_reset(connection)
    except psycopg2.OperationalError:
        raise
    except psycopg2.Error as exc:
        if not errors.is_passing_fault(exc):
            raise
        raise psycopg2.OperationalError(f"the pooled connection was lost: {exc}".strip()) from exc


reset.psycopg2_reset = _psycopg2_reset
sql_db.PsycoConnection.reset = reset

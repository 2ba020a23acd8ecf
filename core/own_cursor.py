"""The cursor of the addon's bookkeeping: lockout counters, rate counters,
usage hours, an error answer kept for an idempotency key.

Each is written on the primary (``registry.cursor()``, never a replica's) in
a transaction of its own, so that it neither rolls back with a failed call
nor holds a lock for the call's length; and at an isolation level of its
own rather than Odoo's REPEATABLE READ: under READ COMMITTED, concurrent
upserts of one counter row add up (the second waits for the first) instead
of failing to serialize; AUTOCOMMIT runs one statement without BEGIN and
COMMIT round trips. Odoo sets its own level back the next time it lends the
connection.

A passing fault (a lost connection, however psycopg2 names it; see
``errors.is_passing_fault``) leaves the block as ``errors.ServiceUnavailable``:
the caller that gives up on its record knows it was no bug, and a caller that
lets it through (a rate limit counted in a token check) gives the client the
retryable -32030, whichever route or Odoo RPC it came by.
"""

import contextlib

from psycopg2.extensions import ISOLATION_LEVEL_AUTOCOMMIT, ISOLATION_LEVEL_READ_COMMITTED, STATUS_READY

from . import errors

__all__ = ["own_cursor", "ISOLATION_LEVEL_AUTOCOMMIT", "ISOLATION_LEVEL_READ_COMMITTED"]


@contextlib.contextmanager
def own_cursor(registry, isolation_level=ISOLATION_LEVEL_READ_COMMITTED):
    """``registry.cursor()`` at ``isolation_level``, committed at the end of
    the block (rolled back on an exception).

    The level is set only on a connection with no transaction open. Outside
    tests that is every connection ``registry.cursor()`` gives: the pool
    resets a connection it lends again, and Odoo's cursor sets REPEATABLE
    READ without starting a transaction, so the bookkeeping always runs at
    its own level, whatever connection the pool hands out. Under Odoo's
    test mode every cursor is a test cursor on the test's one connection,
    inside the test's transaction, which changing the level would end; there
    nothing runs concurrently."""
    with errors.passing_faults_unavailable(), registry.cursor() as cr:
        if cr.connection.status == STATUS_READY:
            cr.connection.set_isolation_level(isolation_level)
        yield cr

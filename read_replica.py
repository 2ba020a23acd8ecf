"""Read-only calls on a PostgreSQL replica; token checks on the primary.

With ``db_replica_host``/``db_replica_port`` set, Odoo 18 opens a read-only
cursor (``registry.cursor(readonly=True)``) on the replica, and a read/write
one (``registry.cursor()``) on the primary. The token API serves its
read-only calls (read methods, batches of only reads, REST ``GET``, JSON-2's
``@api.readonly`` methods) on a read-only cursor, so that their ORM reads
load the replica; everything that writes stays on the primary: the calls
that write, and the addon's bookkeeping, which always opens its own cursor
with ``registry.cursor()`` (last-use stamps, failure counters, audit).

A replica replays the primary's changes a little later (milliseconds, or
seconds under load, or longer if replay stalls). A token revoked on the
primary may still look live on the replica, and a token issued a moment ago
may not exist there yet. So the token itself is never read on the replica:
a read-only call that runs on a replica opens a short transaction on the
primary as well, and reads there what decides whether the call may run: the
token's row (revoked, expired, scope, networks), its user's state, an Odoo
API key, the lockout counters. The call's own reads then run on the replica.

Why not trust the replica once it has replayed far enough (compare
``pg_last_wal_replay_lsn()`` with the primary's ``pg_current_wal_lsn()``)?
Knowing how far the primary is costs a round trip to the primary on every
call anyway, and a lagging replica would then have to be waited for. And the
round trip is needed regardless: Odoo reads its registry and cache
signaling on the primary (``odoo.http`` does so on a read/write cursor:
sequences are not replicated exactly), so the primary transaction exists for
that, and the token check adds one indexed read to it. ``bench/scale.sh``
measures the whole.

What the replica may still show stale, within its lag, is the data the call
reads, including the user's groups and record rules: a right taken away a
moment ago may still let a read through for that long. That is the nature of
reading on a replica (Odoo's own read-only routes share it); a token or a
user cut off is refused at once.
"""
import contextlib

from odoo.http import request

#: request attribute: the primary cursor of a call that runs on a replica
_PRIMARY = "json_rpc_token_primary_cr"


def open_cursors(registry, readonly):
    """``(registry, cursor, primary)`` for a call on ``registry``'s database:
    the registry brought up to date with the signaling read on the primary;
    the call's cursor (on the replica if ``readonly`` and one is configured);
    ``primary``, a cursor on the primary when the call's cursor is not, else
    None. The caller closes both.

    Under Odoo's ``HttpCase`` every cursor is a test cursor on the test's
    one connection, where a read-only one makes the addon's bookkeeping
    cursors fail: there the call runs read/write (the live tests show the
    replica)."""
    cr = registry.cursor(readonly=readonly and not registry.in_test_mode())
    primary = None
    try:
        if cr.readonly:  # a read-only connection: a replica (or a read-only pool)
            primary = registry.cursor()
        return registry.check_signaling(primary or cr), cr, primary
    except Exception:
        for cursor in (cr, primary):
            if cursor is not None:
                cursor.close()
        raise


@contextlib.contextmanager
def on_primary(cursor):
    """Make ``cursor`` (None: none) the primary cursor of the request's call
    while in the block, and close it at the end."""
    setattr(request, _PRIMARY, cursor)
    try:
        yield
    finally:
        setattr(request, _PRIMARY, None)
        if cursor is not None:
            cursor.close()


@contextlib.contextmanager
def checking_env(env):
    """The environment to check a token in: ``env`` itself, unless the call
    runs on a replica; then ``env`` on the primary cursor, in a transaction
    of its own, committed (rolled back if the check fails: what a failure
    records is written after the rollback, see ``api_token_lockout``)."""
    primary = getattr(request, _PRIMARY, None) if request else None
    if primary is None:
        yield env
        return
    try:
        yield env(cr=primary)
    except BaseException:
        primary.rollback()
        raise
    primary.commit()

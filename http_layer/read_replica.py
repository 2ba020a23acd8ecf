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

A replica that is out of reach must not stop the API, nor make it wait:

* **refused** (down, restarting): the read runs on the primary at once;
* **hung** (its host frozen, a network partition: the TCP peer still
  acknowledges, nothing answers, so neither TCP nor a server-side
  ``statement_timeout`` ever fires): connecting is bounded by libpq's
  ``connect_timeout`` (``json_rpc_token_replica_connect_timeout``, 2 s) and
  every round trip on an open connection (taking it from the pool, a
  statement, the commit or rollback) by a watchdog thread
  (``json_rpc_token_replica_timeout``, 5 s), which shuts the connection's
  socket down when the time is up: the blocked call gets "connection lost"
  at once, whatever libpq was waiting for (a ``cancel()`` would be a
  request to the hung server too);
* **lost mid-call** (crashed): the read runs again on the primary (it wrote
  nothing; the token is checked again there).

After any of these, this process sends its reads to the primary for
``json_rpc_token_replica_retry_after`` seconds (30), then tries the replica
again. Odoo's own fallback (``Registry.cursor(readonly=True)``) is not used:
it only covers a refused connection, and then avoids the replica for 20
minutes (``odoo.modules.registry._REPLICA_RETRY_TIME``); Odoo's own read-only
routes keep that behaviour.
"""

import contextlib
import itertools
import logging
import os
import socket
import threading
import time

import psycopg2
from odoo import sql_db
from odoo.http import request
from odoo.tools import config

from ..core import errors

_logger = logging.getLogger(__name__)

#: request attribute: the primary cursor of a call that runs on a replica
_PRIMARY = "json_rpc_token_primary_cr"
#: server options (seconds): connecting to the replica; one round trip on an
#: open connection to it; how long the replica is avoided after a failure
CONNECT_TIMEOUT_OPTION, DEFAULT_CONNECT_TIMEOUT = "json_rpc_token_replica_connect_timeout", 2
TIMEOUT_OPTION, DEFAULT_TIMEOUT = "json_rpc_token_replica_timeout", 5
RETRY_AFTER_OPTION, DEFAULT_RETRY_AFTER = "json_rpc_token_replica_retry_after", 30
#: database name -> time.monotonic() until which its replica is avoided
_avoided_until = {}


def _option(name, default):
    value = config.get(name)
    return float(value) if value not in (None, False, "") else default


def open_cursors(registry, readonly):
    """``(registry, cursor, primary)`` for a call on ``registry``'s database:
    the registry brought up to date with the signaling read on the primary;
    the call's cursor (on the replica if ``readonly``, one is configured and
    it answers); ``primary``, a cursor on the primary when the call's cursor
    is not, else None. The caller closes both.

    Under Odoo's ``HttpCase`` every cursor is a test cursor on the test's
    one connection, where a read-only one makes the addon's bookkeeping
    cursors fail: there the call runs read/write (the live tests show the
    replica)."""
    cr = _replica_cursor(registry) if readonly and not registry.in_test_mode() else None
    primary = None
    try:
        if cr is None:
            cr = registry.cursor()
        else:
            primary = registry.cursor()
        return registry.check_signaling(primary or cr), cr, primary
    except Exception:
        for cursor in (cr, primary):
            if cursor is not None:
                cursor.close()
        raise


def _replica_cursor(registry):
    """A :class:`ReplicaCursor` on ``registry``'s replica; None if none is
    configured, it is avoided, or it cannot be reached now (then avoided)."""
    dbname = registry.db_name
    if registry._db_readonly is None or time.monotonic() < _avoided_until.get(dbname, 0):
        return None
    sql_db.db_connect(dbname, readonly=True)  # makes the read-only pool if needed
    dsn = dict(
        sql_db.connection_info_for(dbname, readonly=True)[1],
        connect_timeout=max(2, round(_option(CONNECT_TIMEOUT_OPTION, DEFAULT_CONNECT_TIMEOUT))),
    )
    try:
        return ReplicaCursor(sql_db._Pool_readonly, dbname, dsn)
    except Exception as exc:
        # down, hung, restarting, or refusing (a database it has not
        # replayed yet, its configuration): the replica only saves the
        # primary work, the read runs there
        if not (isinstance(exc, psycopg2.Error) or errors.is_passing_fault(exc)):
            raise
        avoid(dbname, f"it could not be reached ({type(exc).__name__}: {str(exc).strip()[:200]})")
        return None


def avoid(dbname, why):
    """Send this process's reads of ``dbname`` to the primary for a while."""
    retry_after = _option(RETRY_AFTER_OPTION, DEFAULT_RETRY_AFTER)
    if time.monotonic() >= _avoided_until.get(dbname, 0):
        _logger.warning("Reads of %s go to the primary for %g s: the replica failed, %s", dbname, retry_after, why)
    _avoided_until[dbname] = time.monotonic() + retry_after


def lost(cr, exc):
    """Whether ``exc``, raised by a call on ``cr``, says that ``cr`` is a
    replica cursor whose connection was lost or did not answer in time: the
    read may run again on the primary (the replica is then avoided). The
    connection is not always marked closed (psycopg2 may report its loss as
    a bare ``DatabaseError``), hence also a passing fault raised on it,
    anywhere in ``exc``'s chain (``safe_eval`` wraps it in a ValueError)."""
    if not isinstance(cr, ReplicaCursor):
        return False
    if not (
        cr.timed_out
        or cr._cnx.closed
        or any(
            getattr(getattr(fault, "cursor", None), "connection", None) is cr._cnx and errors.is_passing_fault(fault)
            for fault in _chain(exc)
        )
    ):
        return False
    avoid(
        cr.dbname,
        "its connection was lost"
        if not cr.timed_out
        else f"it did not answer within {_option(TIMEOUT_OPTION, DEFAULT_TIMEOUT):g} s",
    )
    return True


def _chain(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


class ReplicaCursor(sql_db.Cursor):
    """Odoo's cursor, on the replica, every round trip bounded (see the
    module's docstring): taking a connection from the pool (resetting an
    idle one is a round trip) by the connect timeout, a statement, commit
    and rollback by the statement timeout."""

    timed_out = False

    def __init__(self, pool, dbname, dsn):
        def shut_idle():
            # the pool's lock is held by the borrow that waits: nothing else
            # takes or closes its connections meanwhile
            for connection, used, _last in list(pool._connections):
                if not used:
                    _shut_down(connection)

        with _watchdog.bounded(_option(CONNECT_TIMEOUT_OPTION, DEFAULT_CONNECT_TIMEOUT), shut_idle):
            super().__init__(pool, dbname, dsn)

    def _bounded(self):
        return _watchdog.bounded(_option(TIMEOUT_OPTION, DEFAULT_TIMEOUT), self._time_out)

    def _time_out(self):
        self.timed_out = True
        _shut_down(self._cnx)

    def execute(self, query, params=None, log_exceptions=True):
        with self._bounded():
            return super().execute(query, params, log_exceptions)

    def commit(self):
        with self._bounded():
            return super().commit()

    def rollback(self):
        with self._bounded():
            return super().rollback()


def _shut_down(connection):
    """End ``connection``'s socket (both ways), so that whatever libpq waits
    for on it returns at once as a lost connection; the descriptor stays
    libpq's."""
    if connection.closed:
        return
    try:
        with socket.socket(fileno=os.dup(connection.fileno())) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError as exc:
        _logger.debug("could not shut a replica connection down: %s", exc)


class _Watchdog:
    """One thread per process that runs a callback when a bounded block
    outlives its deadline. Blocks nest: an inner one (a statement inside a
    commit's flush) is covered by the outer one. The blocks running at a
    time are few (one per thread on the replica), so the thread scans them
    all when it wakes up: at the earliest deadline, or when a block starts
    with an earlier one."""

    def __init__(self):
        self._sequence = itertools.count()
        self._after_fork()
        # a prefork worker starts with none of its parent's thread, lock state or blocks
        os.register_at_fork(after_in_child=self._after_fork)

    def _after_fork(self):
        self._condition = threading.Condition()
        self._blocks = {}  # sequence number -> (deadline, callback), while the block runs
        self._wake_at = None  # the deadline the thread sleeps until (None: none)
        self._local = threading.local()
        self._pid = None

    @contextlib.contextmanager
    def bounded(self, seconds, on_timeout):
        if getattr(self._local, "active", False):
            yield
            return
        number, deadline = next(self._sequence), time.monotonic() + seconds
        with self._condition:
            self._start()
            self._blocks[number] = (deadline, on_timeout)
            if self._wake_at is None or deadline < self._wake_at:
                self._condition.notify()
        self._local.active = True
        try:
            yield
        finally:
            self._local.active = False
            with self._condition:
                self._blocks.pop(number, None)

    def _start(self):
        """The thread of this process, started on first use."""
        if self._pid != os.getpid():
            self._pid = os.getpid()
            threading.Thread(target=self._run, name="json_rpc_token replica watchdog", daemon=True).start()

    def _run(self):
        with self._condition:
            while True:
                now = time.monotonic()
                for number, (deadline, callback) in list(self._blocks.items()):
                    if deadline <= now:
                        del self._blocks[number]
                        # under the lock: the block cannot end (and its
                        # connection go back to the pool) while this runs
                        try:
                            callback()
                        except Exception:
                            _logger.exception("replica watchdog")
                self._wake_at = min((deadline for deadline, _callback in self._blocks.values()), default=None)
                self._condition.wait(None if self._wake_at is None else self._wake_at - now)


_watchdog = _Watchdog()


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

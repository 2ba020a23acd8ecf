"""Usage metering: calls, errors and server time per token and per hour,
counted in each process's memory and written in one statement per interval.

Why not a row per call: a write per call would double the cost of a read
call and make every concurrent call of one token fight over one row lock.
Instead each process adds to its own counters (a dict behind a lock, for the
threaded server) and, at the first metered call after
``json_rpc_token_usage_flush_seconds`` (server option, default 60), adds
them to ``api_token_usage`` in one UPSERT, in a short transaction of its own
(as last-use stamps are written). The daily cron and the process's exit
write what is left. A process killed without exiting (SIGKILL, the hard
memory limit, a timeout) loses at most one interval of its counts.

The gevent process of a prefork server (``--gevent-port``: websockets, and
any call a proxy sends there) is such a process on every stop: the master
ends it with SIGKILL, no exit hook runs. So there, a timer (a greenlet)
writes its counts every interval: a stop loses at most the calls it served
in the last interval.

What is a call: one request of any dialect (one member of a batch) whose
token was accepted (:func:`note`, from the one token step
``token_call.become_token_user`` or a token given as an RPC password). It is
an error if it answered an error after that, a scope refusal included;
requests refused before a token was accepted (none, unknown, expired,
revoked, from a refused address) have no token to count on: the audit log
and the lockout counters keep those. Server time is the wall time from the
request's dispatch (a batch member's: its own run) to its encoded answer.
"""

import atexit
import contextlib
import contextvars
import logging
import threading
import time
from datetime import datetime, timezone

import odoo
import psycopg2
from odoo.modules.registry import Registry
from odoo.tools import config

from . import errors
from .own_cursor import own_cursor

_logger = logging.getLogger(__name__)

FLUSH_OPTION, DEFAULT_FLUSH_SECONDS = "json_rpc_token_usage_flush_seconds", 60
#: counts kept while the database cannot be written (then the oldest are dropped)
MAX_PENDING = 100_000

_lock = threading.Lock()
_pending = {}  # (dbname, token id, hour) -> [calls, errors, server time in ms]
_last_flush = {}  # dbname -> time.monotonic() of the last flush (or of the first count)
_meter = contextvars.ContextVar("json_rpc_token_usage_meter", default=None)
_timer = []  # the gevent process's flushing greenlet, once started


class _Meter:
    __slots__ = ("dbname", "token_id", "started", "failed")

    def __init__(self):
        self.dbname = self.token_id = None
        self.started = time.perf_counter()
        self.failed = False  # answered a failure without raising (see note_failed)


@contextlib.contextmanager
def metered():
    """Meter the call run inside: counted if a token was accepted in it
    (:func:`note`), as an error if it raised after that. Nested meters (a
    batch's members inside the batch's request) count each on its own."""
    meter = _Meter()
    reset = _meter.set(meter)
    failed = True
    try:
        yield
        failed = False
    finally:
        _meter.reset(reset)
        if meter.token_id:
            record(meter.dbname, meter.token_id, (time.perf_counter() - meter.started) * 1000, failed or meter.failed)


def note(dbname, token_id):
    """The call being metered runs with the token ``token_id`` of
    ``dbname`` (no id, an Odoo API key: not metered)."""
    meter = _meter.get()
    if meter is not None and token_id:
        meter.dbname, meter.token_id = dbname, token_id


def note_failed():
    """The call being metered failed, though it answers without raising (an
    MCP tool's failure is a result with ``isError``): counted as an error."""
    meter = _meter.get()
    if meter is not None:
        meter.failed = True


def _hour():
    return datetime.now(timezone.utc).replace(tzinfo=None, minute=0, second=0, microsecond=0)


def record(dbname, token_id, server_ms, failed):
    """Count one call in this process; write this database's counts if the
    interval has passed."""
    key = (dbname, token_id, _hour())
    now = time.monotonic()
    with _lock:
        counts = _pending.get(key)
        if counts is None:
            if len(_pending) >= MAX_PENDING:
                _pending.pop(next(iter(_pending)))
            counts = _pending[key] = [0, 0, 0.0]
        counts[0] += 1
        counts[1] += bool(failed)
        counts[2] += server_ms
        due = now - _last_flush.setdefault(dbname, now) >= _interval()
        timer = getattr(odoo, "evented", False) and not _timer
        if timer:
            _timer.append(
                threading.Thread(target=_flush_every_interval, daemon=True, name="json_rpc_token usage flush")
            )
    if timer:
        _timer[0].start()
    if due:
        flush(dbname)


def _interval():
    return float(config.get(FLUSH_OPTION) or DEFAULT_FLUSH_SECONDS)


def _flush_every_interval():
    """The gevent process's timer (a greenlet: gevent patches threads and
    sleeps there): its counts written every interval, since its stop runs
    no exit hook (see the module docstring)."""
    while True:
        time.sleep(_interval())
        flush_all()  # never raises: the timer lives on


def _take(dbname):
    with _lock:
        _last_flush[dbname] = time.monotonic()
        return {key: _pending.pop(key) for key in [key for key in _pending if key[0] == dbname]}


def _give_back(taken):
    with _lock:
        for key, (calls, errors, server_ms) in taken.items():
            counts = _pending.setdefault(key, [0, 0, 0.0])
            counts[0] += calls
            counts[1] += errors
            counts[2] += server_ms


# Tokens locked by a deleter are skipped (FOR KEY SHARE SKIP LOCKED), never
# waited for: the transaction deleting them may be the caller's own (a batch
# member unlinking tokens); their counts are given back, or dropped once the
# token is gone. Rows in a fixed order: concurrent flushes lock alike.
_UPSERT = """
    WITH counts (token_id, hour, calls, errors, server_time) AS (VALUES {values}),
         live AS (SELECT id, user_id FROM api_token WHERE id IN (SELECT token_id FROM counts)
                  FOR KEY SHARE SKIP LOCKED)
    INSERT INTO api_token_usage (token_id, user_id, hour, calls, errors, server_time)
    SELECT c.token_id, live.user_id, c.hour, c.calls, c.errors, c.server_time
      FROM counts c JOIN live ON live.id = c.token_id
     ORDER BY c.token_id, c.hour
        ON CONFLICT (token_id, hour) DO UPDATE SET
           calls = api_token_usage.calls + EXCLUDED.calls,
           errors = api_token_usage.errors + EXCLUDED.errors,
           server_time = api_token_usage.server_time + EXCLUDED.server_time
    RETURNING token_id, hour
"""


def flush(dbname):
    """Write this process's counts of ``dbname``, in a transaction of its
    own. Counts that could not be written (a passing database fault, a
    concurrent flush of the same rows) are kept for the next flush."""
    taken = _take(dbname)
    if not taken:
        return
    registry = Registry.registries.get(dbname)
    if registry is None or "api.token.usage" not in registry:
        return  # the database is gone, or the addon uninstalled: nothing to count on
    rows = sorted((token_id, hour, *counts) for (_db, token_id, hour), counts in taken.items())
    try:
        # adding to a counter another process has just added to is no
        # conflict: READ COMMITTED's ON CONFLICT adds to the row as committed,
        # where a snapshot would fail to serialize
        with own_cursor(registry) as cr:
            values = ", ".join(["(%s, %s, %s, %s, %s::float8)"] * len(rows))
            cr.execute(_UPSERT.format(values=values), [value for row in rows for value in row])
            written = set(map(tuple, cr.fetchall()))
            unwritten = {key: counts for key, counts in taken.items() if key[1:] not in written}
            if unwritten:
                cr.execute("SELECT id FROM api_token WHERE id = ANY(%s)", [[key[1] for key in unwritten]])
                existing = {token_id for (token_id,) in cr.fetchall()}
                unwritten = {key: counts for key, counts in unwritten.items() if key[1] in existing}
    except (psycopg2.Error, errors.ServiceUnavailable) as exc:
        _logger.info("API usage of %s not written yet (kept for the next flush): %s", dbname, exc)
        unwritten = taken
    _give_back(unwritten)


def flush_all():
    for dbname in {key[0] for key in list(_pending)}:
        with contextlib.suppress(Exception):
            flush(dbname)


# a prefork worker leaves through sys.exit (stopped, or recycled after
# limit_request / limit_memory_soft), the threaded server too
atexit.register(flush_all)

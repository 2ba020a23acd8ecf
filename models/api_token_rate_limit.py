"""Rate limits: calls per minute, per token and per user, shared by every
process of every server on the database.

Which limits apply to a call (see :meth:`ApiTokenRateLimit._limits`):

* the token's own ``rate_limit``, else the default of every token, the system
  parameter ``json_rpc_token.rate_limit_per_minute`` (0: off);
* the user's ``api_rate_limit`` (0: none), counted over all their tokens
  (and their Odoo API keys on JSON-2).

Both come from what the token check already read (:class:`TokenFacts`) and
from Odoo's cached system parameters: with no limit set, a call costs no
query more.

How calls are counted, and why so:

* The counters live in the database, the one thing the processes and
  servers share, in an UNLOGGED table of their own (a crash may forget the
  last minutes' counts: no harm, and no WAL written per call).
* They are never written in the call's transaction: Odoo's transactions are
  REPEATABLE READ, so parallel calls with one token would fight over the
  counter row's lock and fail to serialize. A counter is one statement in a
  connection of its own, in autocommit: an upsert that adds the calls only
  if they fit (atomic under concurrency: no process can count past the
  limit), and a refused call is not counted.
* Windows are fixed minutes, and the previous minute's count weighs in for
  the part of it that the last 60 seconds still cover, rounded down (the
  "sliding window" approximation): a burst at the end of one minute and
  another at the start of the next cannot get twice the limit through, and a
  limit of 1 a minute still lets one call through each minute.
* A process takes quota in chunks of ``limit // 200`` calls (1 below 400 a
  minute): it counts the chunk at once, then spends it without asking the
  database. What a process took and did not spend is lost at the end of
  the minute; with up to 20 processes spending one limit, that costs at
  most 10 % of it, and can never let more calls through than the limit.
"""
import logging
import math
import threading
import time

import psycopg2

from odoo import api, models

from ..errors import InvalidParams, RateLimitExceeded
from ..own_cursor import ISOLATION_LEVEL_AUTOCOMMIT, own_cursor

_logger = logging.getLogger(__name__)

DEFAULT_PARAM = "json_rpc_token.rate_limit_per_minute"
WINDOW = 60  # seconds
#: a process takes quota ``limit // CHUNK_DIVISOR`` calls at a time (see the
#: module docstring)
CHUNK_DIVISOR = 200

_lock = threading.Lock()
#: (dbname, counter key) -> [minute, calls taken by this process and not
#: spent yet, in that minute]
_taken = {}
#: dbname -> the last minute this process purged past counters in
_purged = {}


def _chunk(limit):
    return max(1, limit // CHUNK_DIVISOR)


def _take_local(slot, minute):
    """Spend one call of the chunk this process holds for ``slot``, if any."""
    with _lock:
        held = _taken.get(slot)
        if held and held[0] == minute and held[1] > 0:
            held[1] -= 1
            return True
    return False


def _keep_local(slot, minute, calls):
    with _lock:
        if len(_taken) > 100_000:
            _taken.clear()
        held = _taken.get(slot)
        if held and held[0] == minute:
            held[1] += calls
        else:
            _taken[slot] = [minute, calls]


def retry_after(limit, previous, current, elapsed):
    """Seconds until one more call fits in ``limit``, for a counter of
    ``current`` calls this minute (``elapsed`` seconds into it) and
    ``previous`` the minute before."""
    if current < limit:
        # the previous minute's weight must fall until one more fits:
        # floor(previous * (1 - f)) <= limit - current - 1
        wait = WINDOW * (1 - (limit - current) / previous) - elapsed if previous else 0
    else:
        # next minute, once this one's weight has fallen enough:
        # floor(current * (1 - f)) <= limit - 1
        wait = WINDOW - elapsed + WINDOW * max(0, 1 - limit / current)
    return max(1, math.ceil(wait))


class ApiTokenRateLimit(models.AbstractModel):
    """The counters (table ``api_token_rate``, outside the ORM) and the
    check every token use passes."""
    _name = "api.token.rate.limit"
    _description = "API Rate Limit Counters"

    def init(self):
        self.env.cr.execute(
            """CREATE UNLOGGED TABLE IF NOT EXISTS api_token_rate (
                   key varchar NOT NULL, minute bigint NOT NULL, calls integer NOT NULL,
                   PRIMARY KEY (key, minute))""")

    @api.model
    def _default_limit(self):
        """``json_rpc_token.rate_limit_per_minute``; Odoo caches system
        parameters per process (and clears every process's cache when one
        changes): no query per call."""
        value = self.env["ir.config_parameter"].sudo().get_param(DEFAULT_PARAM) or 0
        try:
            return max(0, int(float(value)))
        except ValueError:
            return 0

    @api.model
    def _limit_from_request(self, rate_limit, manager=False):
        """A limit asked for a new token (at login, in the wizard): a whole
        number of calls per minute, None for the default. A client may only
        lower its limit under the default, never raise it; an API token
        manager may set any (0: the default)."""
        if rate_limit is None or manager and rate_limit == 0:
            return None
        if isinstance(rate_limit, bool) or not isinstance(rate_limit, int) or rate_limit <= 0:
            raise InvalidParams("'rate_limit' must be a positive whole number of calls per minute.")
        default = self._default_limit()
        if not manager and default and rate_limit > default:
            raise InvalidParams(f"'rate_limit' may only lower the limit: at most {default} calls per minute "
                                f"(system parameter {DEFAULT_PARAM}).")
        return rate_limit

    @api.model
    def _limits(self, facts):
        """``[(counter key, calls per minute, what it limits)]`` for a call
        with the token of ``facts``."""
        limits = []
        # every credential has the limit of a token: its own, or the default
        # (an Odoo API key on JSON-2 has no limit of its own)
        token_limit = facts.rate_limit or self._default_limit()
        if token_limit:
            limits.append((facts.credential, token_limit, "this token" if facts.id else "this API key"))
        if facts.user_rate_limit:
            limits.append((f"user:{facts.user_id}", facts.user_rate_limit, "this user"))
        return limits

    @api.model
    def _count_call(self, facts):
        """Count one call with the token of ``facts`` against each of its
        limits, or refuse it (counting it nowhere).

        :raises RateLimitExceeded: with ``retry_after``, the seconds after
            which a call fits again."""
        limits = self._limits(facts)
        if not limits:
            return
        now = time.time()
        minute, elapsed = divmod(now, WINDOW)
        minute = int(minute)
        dbname = self.env.cr.dbname
        spent = []  # (slot, ...) taken for this call, given back if another limit refuses it
        try:
            for key, limit, what in limits:
                slot = (dbname, key)
                if not _take_local(slot, minute):
                    self._take(slot, limit, minute, elapsed, what)
                spent.append(slot)
        except RateLimitExceeded:
            for slot in spent:
                _keep_local(slot, minute, 1)
            raise

    @api.model
    def _take(self, slot, limit, minute, elapsed, what):
        """Count a chunk of calls for ``slot`` in the database, or one if a
        chunk no longer fits; keep what this call does not spend."""
        weight = 1 - elapsed / WINDOW
        chunk = _chunk(limit)
        for calls in dict.fromkeys((chunk, 1)):
            counted, previous, current = self._reserve(slot[1], minute, calls, limit, weight)
            if counted is not None:
                if calls > 1:
                    _keep_local(slot, minute, calls - 1)
                return
        seconds = retry_after(limit, previous, current, elapsed)
        _logger.info("API call refused: rate limit of %s (%s calls per minute) reached", slot[1], limit)
        raise RateLimitExceeded(f"Rate limit exceeded: at most {limit} calls per minute for {what}; "
                                f"retry in {seconds} s.", retry_after=seconds)

    @api.model
    def _reserve(self, key, minute, calls, limit, weight):
        """Add ``calls`` to the counter ``key`` of ``minute`` if the
        estimate (this minute's count, plus the previous minute's weighted
        by ``weight``, rounded down) stays within ``limit``; one statement, committed at
        once in a connection of its own. Returns ``(count after, or None if
        refused; previous minute's count; count before)``."""
        # autocommit: one statement, no BEGIN/COMMIT round trips
        with own_cursor(self.env.registry, ISOLATION_LEVEL_AUTOCOMMIT) as cr:
            self._purge_past(cr, minute)
            cr.execute(
                """WITH previous AS (
                       SELECT COALESCE((SELECT calls FROM api_token_rate
                                         WHERE key = %(key)s AND minute = %(minute)s - 1), 0) AS calls),
                   counted AS (
                       INSERT INTO api_token_rate AS rate (key, minute, calls)
                       SELECT %(key)s, %(minute)s, %(calls)s FROM previous
                        WHERE floor(previous.calls * %(weight)s) + %(calls)s <= %(limit)s
                       ON CONFLICT (key, minute) DO UPDATE SET calls = rate.calls + EXCLUDED.calls
                        WHERE rate.calls + EXCLUDED.calls + floor((SELECT calls FROM previous) * %(weight)s)
                              <= %(limit)s
                       RETURNING rate.calls)
                   SELECT (SELECT calls FROM counted), (SELECT calls FROM previous),
                          COALESCE((SELECT calls FROM api_token_rate WHERE key = %(key)s AND minute = %(minute)s), 0)
                """, {"key": key, "minute": minute, "calls": calls, "limit": limit, "weight": weight})
            return cr.fetchone()

    @api.model
    def _purge_past(self, cr, minute):
        """Once a minute per process and database: drop the counters that
        no longer count (older than the previous minute)."""
        if _purged.get(cr.dbname) == minute:
            return
        _purged[cr.dbname] = minute
        try:
            cr.execute("DELETE FROM api_token_rate WHERE minute < %s", [minute - 1])
        except psycopg2.Error as exc:  # e.g. two processes purging at once: the next minute's purge
            _logger.debug("purge of past rate counters skipped: %s", exc)

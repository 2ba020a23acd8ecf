"""Rate limits: calls per minute, per token and per user, shared by every
process of every server on the database.

Which limits apply to a call (see :meth:`ApiTokenRateLimit._limits`):

* the token's own ``rate_limit``, else the default of every token, the system
  parameter ``json_rpc_token.rate_limit_per_minute`` (0: off); an Odoo API
  key on JSON-2 is a credential of its own with the default limit;
* the user's ``api_rate_limit`` (0: none), counted over all their tokens
  (and their Odoo API keys on JSON-2).

Both come from what the token check already read (:class:`TokenFacts`) and
from Odoo's cached system parameters: with no limit set, a call costs no
query more.

The promise: in any 60 seconds, wherever they start, at most the limit of
calls get through, across the processes and servers of a database. How, and
why so:

* Calls are counted in one-second buckets, by the database's clock (one
  clock for every server). A call at time ``t`` is let through only if the
  calls of the seconds ``floor(t) - 60`` to ``floor(t)``, plus it, fit the
  limit. Any 60-second window ``[a, a + 60)`` lies within the seconds
  ``floor(a)`` to ``floor(a) + 60``; when its last call was let through, all
  the window's earlier calls were in the 61 seconds that call counted, so no
  window holds more than the limit. (The earlier design, fixed minutes with
  the previous minute weighted by the part still covered, let 1.5 to 2
  times the limit through in the first minute of a token that had been
  idle: the previous minute weighed nothing.)
* One row per counter key (``api_token_rate``: the last second counted, and
  the 61 buckets up to it as an array), updated under its row lock by one
  call of the SQL function ``json_rpc_token_rate_take`` (created by
  :meth:`init`), in a connection of its own in autocommit: atomic under
  concurrency (no process can count past the limit), never in the call's
  transaction (Odoo's REPEATABLE READ would make parallel calls of one token
  fail to serialize on the row), and a refused call is not counted. The
  table is UNLOGGED: a crash may forget the last minute's counts, no WAL is
  written per call.
* A process takes quota in chunks of ``limit // 200`` calls (1 below 400 a
  minute): it counts the chunk in the second the database says it is, and
  spends it without asking the database, but only until that second ends
  (by its own monotonic clock, from when it asked: never later than the
  database's second), so that reserved calls never land in a later window.
  What it took and did not spend is lost: at most the chunk's worth per
  process and second in which it ran out.
* A refused call is told ``retry_after``: the seconds until the oldest
  counted calls leave the 61 seconds, enough of them for one more call.
"""

import logging
import threading
import time

import psycopg2
from odoo import api, models

from ..core.errors import InvalidParams, RateLimitExceeded
from ..core.own_cursor import ISOLATION_LEVEL_AUTOCOMMIT, own_cursor

_logger = logging.getLogger(__name__)

DEFAULT_PARAM = "json_rpc_token.rate_limit_per_minute"
#: the buckets of one counter: the current second and the 60 before it
BUCKETS = 61
#: a process takes quota ``limit // CHUNK_DIVISOR`` calls at a time (see the
#: module docstring)
CHUNK_DIVISOR = 200

_lock = threading.Lock()
#: (dbname, counter key) -> [time.monotonic() until which the calls may be
#: spent (the end of the second they were counted in), calls taken by this
#: process and not spent yet]
_taken = {}
#: dbname -> the last minute (of time.time()) this process purged idle counters in
_purged = {}

#: ``(counted, retry_after, seconds left in the database's current second)``;
#: the row is locked first, the clock read after: under the lock, seconds
#: never go back
TAKE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION json_rpc_token_rate_take(
        p_key varchar, p_calls integer, p_limit integer,
        OUT counted boolean, OUT retry_after integer, OUT second_left double precision)
LANGUAGE plpgsql AS $$
DECLARE
    v_now double precision;
    v_second bigint;
    v_last bigint;
    v_counts integer[];
    v_total integer;
    v_excess integer;
    v_run integer := 0;
BEGIN
    LOOP  -- again if an idle row was purged between the two
        SELECT second, counts INTO v_last, v_counts FROM api_token_rate WHERE key = p_key FOR UPDATE;
        EXIT WHEN FOUND;
        INSERT INTO api_token_rate (key, second, counts)
             VALUES (p_key, 0, array_fill(0, ARRAY[{BUCKETS}])) ON CONFLICT (key) DO NOTHING;
    END LOOP;
    v_now := extract(epoch FROM clock_timestamp());
    v_second := greatest(floor(v_now)::bigint, v_last);
    second_left := greatest(0, v_second + 1 - v_now);
    IF v_second - v_last >= {BUCKETS} THEN
        v_counts := array_fill(0, ARRAY[{BUCKETS}]);
    ELSIF v_second > v_last THEN
        v_counts := v_counts[(v_second - v_last + 1)::integer:{BUCKETS}]
                    || array_fill(0, ARRAY[(v_second - v_last)::integer]);
    END IF;
    SELECT sum(c) INTO v_total FROM unnest(v_counts) AS c;
    IF v_total + p_calls <= p_limit THEN
        v_counts[{BUCKETS}] := v_counts[{BUCKETS}] + p_calls;
        UPDATE api_token_rate SET second = v_second, counts = v_counts WHERE key = p_key;
        counted := true;
        retry_after := 0;
        RETURN;
    END IF;
    counted := false;
    -- one call fits once this many counted calls have left the window;
    -- bucket i (second v_second - {BUCKETS} + i) leaves it i seconds on
    v_excess := v_total + 1 - p_limit;
    retry_after := {BUCKETS};
    FOR i IN 1..{BUCKETS} LOOP
        v_run := v_run + v_counts[i];
        IF v_run >= v_excess THEN
            retry_after := i;
            EXIT;
        END IF;
    END LOOP;
END
$$"""


def _chunk(limit):
    return max(1, limit // CHUNK_DIVISOR)


def _take_local(slot):
    """Spend one call of the chunk this process holds for ``slot``, if any
    is left and its second has not ended. Returns when it ends, or None."""
    with _lock:
        held = _taken.get(slot)
        if held and held[1] > 0 and time.monotonic() < held[0]:
            held[1] -= 1
            return held[0]
    return None


def _keep_local(slot, until, calls):
    """Keep ``calls`` counted for ``slot``, to spend until ``until``
    (time.monotonic()); calls of an older second are dropped rather than
    spent later."""
    with _lock:
        if len(_taken) > 100_000:
            _taken.clear()
        held = _taken.get(slot)
        if held and held[0] == until:
            held[1] += calls
        elif not held or held[0] < until:
            _taken[slot] = [until, calls]


class ApiTokenRateLimit(models.AbstractModel):
    """The counters (table ``api_token_rate``, outside the ORM) and the
    check every token use passes."""

    _name = "api.token.rate.limit"
    _description = "API Rate Limit Counters"

    def init(self):
        cr = self.env.cr
        # counts are disposable: a table of the per-minute shape (up to
        # 18.0.1.7.0) is dropped rather than converted
        cr.execute("""SELECT 1 FROM information_schema.columns
                       WHERE table_name = 'api_token_rate' AND column_name = 'minute'""")
        if cr.fetchone():
            cr.execute("DROP TABLE api_token_rate")
        cr.execute(
            """CREATE UNLOGGED TABLE IF NOT EXISTS api_token_rate (
                   key varchar PRIMARY KEY, second bigint NOT NULL, counts integer[] NOT NULL)"""
        )
        cr.execute(TAKE_FUNCTION)

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
    def _parse_rate_limit(self, rate_limit, manager=False):
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
            raise InvalidParams(
                f"'rate_limit' may only lower the limit: at most {default} calls per minute "
                f"(system parameter {DEFAULT_PARAM})."
            )
        return rate_limit

    @api.model
    def _limits(self, facts):
        """``[(counter key, calls per minute, what it limits)]`` for a call
        with the credential of ``facts``."""
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
        """Count one call with the credential of ``facts`` against each of
        its limits, or refuse it (counting it nowhere).

        :raises RateLimitExceeded: with ``retry_after``, the seconds after
            which a call fits again."""
        limits = self._limits(facts)
        if not limits:
            return
        dbname = self.env.cr.dbname
        spent = []  # (slot, until) taken for this call, given back if another limit refuses it
        try:
            for key, limit, what in limits:
                slot = (dbname, key)
                until = _take_local(slot) or self._take(slot, limit, what)
                spent.append((slot, until))
        except RateLimitExceeded:
            for slot, until in spent:
                _keep_local(slot, until, 1)
            raise

    @api.model
    def _take(self, slot, limit, what):
        """Count a chunk of calls for ``slot`` in the database, or one if a
        chunk no longer fits; keep what this call does not spend, for the
        rest of the second it was counted in. Returns when that second
        ends (time.monotonic())."""
        chunk = _chunk(limit)
        for calls in dict.fromkeys((chunk, 1)):
            asked = time.monotonic()
            counted, seconds, second_left = self._reserve(slot[1], calls, limit)
            if counted:
                until = asked + second_left
                if calls > 1:
                    _keep_local(slot, until, calls - 1)
                return until
        _logger.info("API call refused: rate limit of %s (%s calls per minute) reached", slot[1], limit)
        raise RateLimitExceeded(
            f"Rate limit exceeded: at most {limit} calls per minute for {what}; retry in {seconds} s.",
            retry_after=seconds,
        )

    @api.model
    def _reserve(self, key, calls, limit):
        """Add ``calls`` to the counter ``key`` in the current second if the
        calls of the last 61 seconds, plus them, fit ``limit``: one
        statement, committed at once in a connection of its own. Returns
        ``(counted, seconds until one call fits if not, seconds left in the
        database's current second)``."""
        # autocommit: one statement, no BEGIN/COMMIT round trips
        with own_cursor(self.env.registry, ISOLATION_LEVEL_AUTOCOMMIT) as cr:
            self._purge_idle(cr)
            cr.execute("SELECT * FROM json_rpc_token_rate_take(%s, %s, %s)", [key, calls, limit])
            return cr.fetchone()

    @api.model
    def _purge_idle(self, cr):
        """Once a minute per process and database: drop the counters that
        counted nothing in the last 61 seconds."""
        minute = int(time.time() // 60)
        if _purged.get(cr.dbname) == minute:
            return
        _purged[cr.dbname] = minute
        try:
            cr.execute(
                "DELETE FROM api_token_rate WHERE second < extract(epoch FROM clock_timestamp()) - %s", [BUCKETS + 1]
            )
        except psycopg2.Error as exc:  # e.g. two processes purging at once: the next minute's purge
            _logger.debug("purge of idle rate counters skipped: %s", exc)

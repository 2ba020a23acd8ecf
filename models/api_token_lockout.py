"""Failure counters for logins and token guessing, kept in the database.

Odoo's own login cooldown counts failures in the memory of one process: with
``--workers=N`` an attacker gets N times the attempts, and a restart forgets
them. These counters live in a table, so every worker sees the same count.
They are written in their own short transaction because the request that
failed is rolled back. The thresholds are Odoo's: ``base.login_cooldown_after``
failures, then ``base.login_cooldown_duration`` seconds of refusal.
"""

import contextlib
import hashlib
import logging
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessDenied

from ..core.errors import ServiceUnavailable, TooManyAttempts
from ..core.own_cursor import own_cursor

_logger = logging.getLogger(__name__)


_PENDING = "_json_rpc_token_pending_failures"


def after_transaction(env, func):
    """Run ``func(env)`` once, when the current transaction ends: in a new
    transaction after it, committed or rolled back. What a failed request
    must leave behind (a failure count, an audit entry) cannot be written in
    the request's own transaction: that one is rolled back.

    A batch member that fails is rolled back to its savepoint only, and the
    request then commits: the dispatcher calls :func:`record_pending_now`
    there, which writes these records in the committing transaction."""
    registry, task = env.registry, [func]

    def run():
        if task:
            pending = task.pop()
            try:
                # READ COMMITTED: concurrent failures add up on the counter
                # row instead of failing to serialize and losing a count,
                # which parallel guessing would exploit
                with own_cursor(registry) as cr:
                    pending(api.Environment(cr, SUPERUSER_ID, {}))
            except ServiceUnavailable as exc:  # the database out of reach: no bug to trace
                _logger.warning("could not record an API failure: %s", exc.__cause__ or exc)
            except Exception:
                _logger.exception("could not record an API failure")

    env.cr.postcommit.add(run)
    env.cr.postrollback.add(run)
    env.cr.__dict__.setdefault(_PENDING, []).append(task)


def record_pending_now(env):
    """Write the failure records still pending on ``env.cr`` in its current
    transaction (see :func:`after_transaction`)."""
    for task in env.cr.__dict__.pop(_PENDING, []):
        if task:
            task.pop()(env(user=SUPERUSER_ID, su=True))


#: logins longer than this are counted under their SHA-256 (a key must fit
#: PostgreSQL's index rows)
MAX_KEY_LOGIN_LENGTH = 128
#: how long a successful login from an address keeps that address exempt
#: from the lockout of that login caused by failures from elsewhere
TRUSTED_ADDRESS_DAYS = 30
#: a trusted address's stamp is not written again for this long (it
#: matters to the day: see _record_login_success)
TRUSTED_REFRESH = timedelta(hours=1)


class ApiTokenLockout(models.Model):
    """One row per counted key: ``login:<login>``, ``ip:<address>`` (failed
    logins), ``token-ip:<address>`` (unknown tokens), and ``trusted:<login
    key>@<address>`` rows that remember where a login last succeeded.

    The policy, so that the lockout stops guessing without becoming a way to
    lock real clients out:

    - after ``base.login_cooldown_after`` failures of one key, that key is
      refused for ``base.login_cooldown_duration`` seconds after its last
      failure, without the password being checked;
    - failures wind down as they recede: each cooldown period that passes
      without a failure halves the count, so once a cooldown has passed a
      single new failure does not lock the key again;
    - a success resets nothing: it proves the password, not that the other
      failures were harmless (an attacker interleaving their own valid login
      would otherwise wipe the counter of the address they spray from);
    - an address that logged in successfully as a login within the last
      ``TRUSTED_ADDRESS_DAYS`` days is not refused because of failures of
      that login sent from elsewhere (OWASP: an attacker must not be able to
      keep a legitimate client locked out); its own address counter still
      applies;
    - a valid token is never refused by the token-guessing counter (see
      ``api.token._check_secret``).
    """

    _name = "api.token.lockout"
    _description = "API Login Failure Counter"
    _log_access = False

    key = fields.Char(required=True, readonly=True)
    failures = fields.Integer(readonly=True)
    last_failure_at = fields.Datetime(readonly=True)
    last_success_at = fields.Datetime(readonly=True)

    _sql_constraints = [("key_unique", "UNIQUE(key)", "One counter per key.")]

    @api.model
    def _policy(self):
        params = self.env["ir.config_parameter"].sudo()
        return (
            int(params.get_param("base.login_cooldown_after", 10)),
            int(params.get_param("base.login_cooldown_duration", 60)),
        )

    @api.model
    def _login_key(self, login):
        normalized = login.strip().lower()
        if len(normalized) > MAX_KEY_LOGIN_LENGTH:
            return "login-sha256:" + hashlib.sha256(normalized.encode()).hexdigest()
        return f"login:{normalized}"

    @api.model
    def _login_keys(self, login, ip):
        """The counters a login attempt is refused by and counted on."""
        return [self._login_key(login)] + ([f"ip:{ip}"] if ip else [])

    @api.model
    def _trusted_key(self, login, ip):
        return f"trusted:{self._login_key(login)}@{ip}"

    @api.model
    def _assert_not_locked(self, keys, trusted_key=None):
        """Refuse the attempt when any of ``keys`` is in cooldown; the first
        key (a login's) is not held against an address that ``trusted_key``
        says logged in as that login recently."""
        after, duration = self._policy()
        if not after or not keys:
            return
        now = fields.Datetime.now()
        self.env.cr.execute(
            """SELECT key FROM api_token_lockout
                WHERE key = ANY(%s) AND failures >= %s AND last_failure_at > %s
                  AND NOT (key = %s AND EXISTS (
                      SELECT 1 FROM api_token_lockout WHERE key = %s AND last_success_at > %s))
                LIMIT 1""",
            [
                list(keys),
                after,
                now - timedelta(seconds=duration),
                keys[0],
                trusted_key,
                now - timedelta(days=TRUSTED_ADDRESS_DAYS),
            ],
        )
        row = self.env.cr.fetchone()
        if row:
            _logger.info("API attempt refused: %s is in cooldown", row[0].split(":", 1)[0])
            raise TooManyAttempts(f"Too many failures: wait {duration} seconds before trying again.")

    @api.model
    def _assert_login_allowed(self, login, ip):
        self._assert_not_locked(self._login_keys(login, ip), self._trusted_key(login, ip) if ip else None)

    @contextlib.contextmanager
    def _counting_login(self, login, ip, log_values=None):
        """Around one password check of ``login`` from ``ip``: refused at
        once while a counter is in cooldown, a failure (``AccessDenied``)
        counted, a success remembered. The one lockout of every password
        check: this API's logins and Odoo's own RPC (a token or API key
        sent as a password there included)."""
        self._assert_login_allowed(login, ip)
        try:
            yield
        except AccessDenied:
            self._record_failure(self._login_keys(login, ip), "login_failed", **(log_values or {}))
            raise
        self._record_login_success(login, ip)

    @api.model
    def _record_login_success(self, login, ip):
        """Remember that ``ip`` logged in as ``login`` (see the class docstring).

        Every login of one user from one address stamps the same row: a
        script's clients logging in at once would each update it, and in
        the login's own transaction (Odoo's REPEATABLE READ) all but one
        fail to serialize, to be run again whole, password check included,
        or answered -32030 once Odoo's retries run out. So the stamp is
        skipped while the stored one is recent (it only needs to be within
        ``TRUSTED_ADDRESS_DAYS``), and otherwise written on a cursor of its
        own in READ COMMITTED, where concurrent upserts of the row wait for
        each other instead of failing (see :mod:`..core.own_cursor`)."""
        if not ip:
            return
        key, now = self._trusted_key(login, ip), fields.Datetime.now()
        self.env.cr.execute(
            "SELECT 1 FROM api_token_lockout WHERE key = %s AND last_success_at > %s", [key, now - TRUSTED_REFRESH]
        )
        if self.env.cr.fetchone():
            return
        with own_cursor(self.env.registry) as cr:
            cr.execute(
                """INSERT INTO api_token_lockout AS lockout (key, failures, last_success_at) VALUES (%s, 0, %s)
                   ON CONFLICT (key) DO UPDATE SET last_success_at = EXCLUDED.last_success_at
                    WHERE lockout.last_success_at IS NULL OR lockout.last_success_at < EXCLUDED.last_success_at""",
                [key, now],
            )

    @api.model
    def _record_failure(self, keys, event, **log_values):
        """Once this transaction ends: count one failure for each key, and
        write the audit entry ``event`` (plus a ``lockout`` entry when this
        failure starts a cooldown)."""
        entry = self.env["api.token.log"]._values(event, **log_values)  # IP and time: now

        def record(env):
            Log = env["api.token.log"]
            Log.create(entry)
            if env["api.token.lockout"]._count_failure(keys):
                Log.create({**entry, "event": "lockout", "detail": "cooldown started"})

        after_transaction(self.env, record)

    @api.model
    def _count_failure(self, keys):
        """Count one failure for each key, after halving its count once per
        cooldown period passed since its last failure. Returns True when
        this failure started a cooldown."""
        after, duration = self._policy()
        started = False
        cr, now = self.env.cr, fields.Datetime.now()
        for key in keys:
            cr.execute(
                """INSERT INTO api_token_lockout (key, failures, last_failure_at)
                   VALUES (%(key)s, 1, %(now)s)
                   ON CONFLICT (key) DO UPDATE SET
                       failures = (api_token_lockout.failures >> LEAST(30, FLOOR(EXTRACT(EPOCH FROM
                                      %(now)s - COALESCE(api_token_lockout.last_failure_at, %(now)s)) / %(period)s)
                                  )::int) + 1,
                       last_failure_at = EXCLUDED.last_failure_at
                   RETURNING failures""",
                {"key": key, "now": now, "period": max(duration, 1)},
            )
            started |= bool(after) and cr.fetchone()[0] == after
        return started

    @api.model
    def _purge_stale(self):
        """Counters with no failure for a day count nothing any more; trusted
        addresses are kept as long as they are trusted."""
        now = fields.Datetime.now()
        self.env.cr.execute(
            """DELETE FROM api_token_lockout
                WHERE COALESCE(last_failure_at, '-infinity') < %s
                  AND COALESCE(last_success_at, '-infinity') < %s""",
            [now - timedelta(days=1), now - timedelta(days=TRUSTED_ADDRESS_DAYS)],
        )

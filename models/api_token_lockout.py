"""Failure counters for logins and token guessing, kept in the database.

Odoo's own login cooldown counts failures in the memory of one process: with
``--workers=N`` an attacker gets N times the attempts, and a restart forgets
them. These counters live in a table, so every worker sees the same count.
They are written in their own short transaction because the request that
failed is rolled back. The thresholds are Odoo's: ``base.login_cooldown_after``
failures, then ``base.login_cooldown_duration`` seconds of refusal.
"""
import logging
from datetime import timedelta

from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED, STATUS_READY

from odoo import SUPERUSER_ID, api, fields, models

from ..errors import TooManyAttempts

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
                with registry.cursor() as cr:
                    # READ COMMITTED, not Odoo's REPEATABLE READ: concurrent
                    # failures then add up on the counter row (an upsert waits
                    # for the other one) instead of failing to serialize and
                    # losing a count, which parallel guessing would exploit.
                    # (Only on a fresh connection: changing the level ends an
                    # open transaction, e.g. a test's.)
                    if cr.connection.status == STATUS_READY:
                        cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
                    pending(api.Environment(cr, SUPERUSER_ID, {}))
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


class ApiTokenLockout(models.Model):
    _name = "api.token.lockout"
    _description = "API Login Failure Counter"
    _log_access = False

    key = fields.Char(required=True, readonly=True)  # "login:<login>", "ip:<address>", "token-ip:<address>"
    failures = fields.Integer(readonly=True)
    last_failure_at = fields.Datetime(readonly=True)

    _sql_constraints = [("key_unique", "UNIQUE(key)", "One counter per key.")]

    @api.model
    def _policy(self):
        params = self.env["ir.config_parameter"].sudo()
        return (int(params.get_param("base.login_cooldown_after", 5)),
                int(params.get_param("base.login_cooldown_duration", 60)))

    @api.model
    def _assert_not_locked(self, keys):
        """Refuse the attempt when any of ``keys`` is in cooldown."""
        after, duration = self._policy()
        if not after or not keys:
            return
        self.env.cr.execute(
            """SELECT key FROM api_token_lockout
                WHERE key = ANY(%s) AND failures >= %s
                  AND last_failure_at > %s
                LIMIT 1""", [list(keys), after, fields.Datetime.now() - timedelta(seconds=duration)])
        row = self.env.cr.fetchone()
        if row:
            _logger.warning("API attempt refused: %s is in cooldown", row[0].split(":", 1)[0])
            raise TooManyAttempts(
                f"Too many failures: wait {duration} seconds before trying again.")

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
        """Count one failure for each key. Returns True when this failure
        started a cooldown. A counter whose last failure is older than a day
        starts again from zero."""
        after, _duration = self._policy()
        started = False
        cr, now = self.env.cr, fields.Datetime.now()
        for key in keys:
            cr.execute(
                """INSERT INTO api_token_lockout (key, failures, last_failure_at)
                   VALUES (%s, 1, %s)
                   ON CONFLICT (key) DO UPDATE SET
                       failures = CASE WHEN api_token_lockout.last_failure_at < %s
                                       THEN 1 ELSE api_token_lockout.failures + 1 END,
                       last_failure_at = EXCLUDED.last_failure_at
                   RETURNING failures""", [key, now, now - timedelta(days=1)])
            started |= bool(after) and cr.fetchone()[0] == after
        return started

    @api.model
    def _reset(self, keys):
        self.env.cr.execute("DELETE FROM api_token_lockout WHERE key = ANY(%s)", [list(keys)])

    @api.model
    def _purge_stale(self):
        limit = fields.Datetime.now() - timedelta(days=1)
        self.env.cr.execute("DELETE FROM api_token_lockout WHERE last_failure_at < %s", [limit])

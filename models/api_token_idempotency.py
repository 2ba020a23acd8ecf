"""The answers kept for idempotency keys (see :mod:`..http_layer.idempotency`).

One row per (user, key): the credential that sent the request (a token or
an Odoo API key: only it is given the answer back), what the request was (a SHA-256 fingerprint, so
that the same key sent with another request is refused), and the answer as
it was sent (HTTP status, content type, body), so that a retry gets it byte
for byte. The rows are written and read with SQL by :mod:`..http_layer.idempotency`,
in the call's own transaction; the ORM fields are for administrators and the
daily purge.

The stored answers hold whatever the calls answered (records a user may
read): only administrators may read them, nobody may edit them.
"""

import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

HOURS_PARAM = "json_rpc_token.idempotency_hours"
DEFAULT_HOURS = 24


class ApiTokenIdempotency(models.Model):
    _name = "api.token.idempotency"
    _description = "API Idempotency Key"
    _order = "created_at desc"
    _log_access = False

    key = fields.Char(required=True, readonly=True)
    # the unique index below starts with user_id: no index of its own
    user_id = fields.Many2one("res.users", required=True, readonly=True, ondelete="cascade")
    credential = fields.Char(
        readonly=True,
        help="What sent the request: token:<id> or apikey:<id> (an Odoo API key). Only it is given the stored answer.",
    )
    fingerprint = fields.Char(required=True, readonly=True, help="SHA-256 of the request the key was sent with.")
    status = fields.Integer("HTTP Status", readonly=True)
    content_type = fields.Char(readonly=True)
    body = fields.Text(readonly=True)
    created_at = fields.Datetime(required=True, readonly=True, index=True)

    _sql_constraints = [("user_key_unique", "UNIQUE(user_id, key)", "One answer per key and user.")]

    @api.model
    def _hours(self):
        """How long a key is kept: ``json_rpc_token.idempotency_hours``
        (a whole number of hours, at least 1; default 24)."""
        value = self.env["ir.config_parameter"].sudo().get_param(HOURS_PARAM)
        try:
            hours = int(value) if value else DEFAULT_HOURS
        except ValueError:
            hours = DEFAULT_HOURS
        return hours if hours >= 1 else DEFAULT_HOURS

    @api.model
    def _purge_expired(self):
        """Daily (see ``api.token._cron_purge``): delete the keys past their
        lifetime; a retry after that runs the request again."""
        self.env.cr.execute(
            "DELETE FROM api_token_idempotency"
            " WHERE created_at <= now() at time zone 'utc' - make_interval(hours => %s)",
            [self._hours()],
        )
        _logger.info("Purged %d expired idempotency keys", self.env.cr.rowcount)

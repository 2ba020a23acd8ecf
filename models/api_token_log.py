"""Audit trail of the API's security events, readable by API token managers.

Successes (login, issue from the backend wizard, logout, revocation) are written in the transaction that
does them, so a rolled-back login leaves no entry. Failures are written once
the failed request's transaction is over (``api.token.lockout._record_failure``).
Nothing secret is ever written: no token, no password, no request body.
"""

from datetime import timedelta

from odoo import api, fields, models

from ..core import call_context

RETENTION_PARAM = "json_rpc_token.log_retention_days"
DEFAULT_RETENTION_DAYS = 90

EVENTS = [
    ("login", "Login"),
    ("issue", "Issued in the backend"),
    ("login_failed", "Failed login"),
    ("lockout", "Lockout started"),
    ("logout", "Logout"),
    ("revoke", "Revocation"),
    ("token_refused", "Unknown token"),
    ("oauth_consent", "OAuth app approved"),
    ("oauth_token", "OAuth token issued"),
    ("oauth_reuse", "OAuth refresh token reused"),
]


class ApiTokenLog(models.Model):
    _name = "api.token.log"
    _description = "API Token Audit Log"
    _order = "id desc"
    _log_access = False

    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now, index=True)
    event = fields.Selection(EVENTS, required=True, readonly=True)
    user_id = fields.Many2one("res.users", readonly=True, ondelete="set null", index=True)
    #: who obtained the token: its user at a login, the backend user who
    #: issued it in the wizard (an API token manager issuing for someone else)
    issuer_id = fields.Many2one("res.users", "Issued By", readonly=True, ondelete="set null", index="btree_not_null")
    login = fields.Char("Login Tried", readonly=True, help="For failed logins: the login that was sent.")
    token_id = fields.Many2one("api.token", readonly=True, ondelete="set null")
    ip = fields.Char("IP Address", readonly=True)
    detail = fields.Char(readonly=True)

    @api.model
    def _values(self, event, **values):
        return {"event": event, "ip": call_context.current().client_address, "date": fields.Datetime.now(), **values}

    @api.model
    def _record(self, event, **values):
        """An entry in the current transaction (for what succeeds)."""
        self.sudo().create(self._values(event, **values))

    @api.model
    def _purge_old(self):
        days = int(self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM, DEFAULT_RETENTION_DAYS))
        if days > 0:
            self.sudo().search([("date", "<", fields.Datetime.now() - timedelta(days=days))]).unlink()

"""API usage per token and per hour, written by :mod:`..core.usage` (never by
the ORM: each process adds its counts in one UPSERT per interval), read in
the backend's *API Usage* graph and pivot, purged by the daily cron after
``json_rpc_token.usage_retention_days``."""
from datetime import timedelta

from odoo import api, fields, models

from ..core import usage

RETENTION_PARAM = "json_rpc_token.usage_retention_days"
DEFAULT_RETENTION_DAYS = 90


class ApiTokenUsage(models.Model):
    _name = "api.token.usage"
    _description = "API Token Usage"
    _order = "hour desc, token_id"
    _rec_name = "hour"
    _log_access = False

    # set null: a token purged after its death leaves its user's history
    token_id = fields.Many2one("api.token", readonly=True, ondelete="set null", index=True)
    user_id = fields.Many2one("res.users", readonly=True, ondelete="cascade", index=True)
    hour = fields.Datetime(required=True, readonly=True, index=True,
                           help="The hour the calls were served in (its start).")
    calls = fields.Integer(readonly=True, help="Calls served, errors included.")
    errors = fields.Integer(readonly=True, help="Calls answered with an error once the token was accepted.")
    server_time = fields.Float("Server Time (ms)", readonly=True, digits=(16, 1),
                               help="Milliseconds the server spent on these calls, in all.")

    _sql_constraints = [
        # the key of usage.flush's UPSERT
        ("token_hour_unique", "UNIQUE (token_id, hour)", "One usage row per token and hour."),
    ]

    @api.model
    def _purge_old(self):
        """Delete the hours older than the retention (0 keeps them forever),
        after writing this process's own pending counts. In SQL: a year of
        hours of many tokens is too much for the ORM's unlink."""
        usage.flush(self.env.cr.dbname)
        days = int(self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM, DEFAULT_RETENTION_DAYS) or 0)
        if days > 0:
            self.env.cr.execute("DELETE FROM api_token_usage WHERE hour < %s",
                                [fields.Datetime.now() - timedelta(days=days)])
            self.invalidate_model()


class ApiToken(models.Model):
    _inherit = "api.token"

    usage_calls = fields.Integer("Calls", compute="_compute_usage_calls",
                                 help="Calls counted in the usage kept (see API Usage).")

    def _compute_usage_calls(self):
        calls = dict(self.env["api.token.usage"]._read_group(
            [("token_id", "in", self.ids)], ["token_id"], ["calls:sum"]))
        for token in self:
            token.usage_calls = calls.get(token, 0)

    def action_view_usage(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("json_rpc_token.api_token_usage_action")
        action["domain"] = [("token_id", "=", self.id)]
        action["context"] = {"graph_groupbys": ["hour:day"], "pivot_row_groupby": ["hour:day"]}
        action["name"] = action["display_name"] = self.env._("Usage of %s", self.name)
        return action

    @api.model
    def _cron_purge(self):
        result = super()._cron_purge()
        self.env["api.token.usage"]._purge_old()
        return result

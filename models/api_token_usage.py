"""API usage per token and per hour, written by :mod:`..core.usage` (never by
the ORM: each process adds its counts in one UPSERT per interval), read in
the backend's *API Usage* graph and pivot, purged by the daily cron after
``json_rpc_token.usage_retention_days``.

The graph's legend: calls per day by user, the :data:`TOP_USERS` users with
the most calls one entry each and everyone else one *Others* entry
(``top_user_id``). Odoo's graph has no "top N and others" of its own, and a
legend of one entry per token is unreadable once scripts log in every run.
``top_user_id`` is not stored (who is in the top changes with every hour
counted): grouping by it is one ``CASE`` over ``user_id``, as Odoo's own
non-stored ``account.account.code`` is grouped."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools import SQL

from ..core import usage

RETENTION_PARAM = "json_rpc_token.usage_retention_days"
DEFAULT_RETENTION_DAYS = 90
#: users with an entry of their own in the graph's legend; the rest are *Others*
TOP_USERS = 10


class ApiTokenUsage(models.Model):
    _name = "api.token.usage"
    _description = "API Token Usage"
    _order = "hour desc, token_id"
    _rec_name = "hour"
    _log_access = False

    # set null: a token purged after its death leaves its user's history
    token_id = fields.Many2one("api.token", readonly=True, ondelete="set null", index=True)
    user_id = fields.Many2one("res.users", readonly=True, ondelete="cascade", index=True)
    hour = fields.Datetime(
        required=True, readonly=True, index=True, help="The hour the calls were served in (its start)."
    )
    calls = fields.Integer(readonly=True, help="Calls served, errors included.")
    errors = fields.Integer(readonly=True, help="Calls answered with an error once the token was accepted.")
    server_time = fields.Float(
        "Server Time (ms)", readonly=True, digits=(16, 1), help="Milliseconds the server spent on these calls, in all."
    )

    _sql_constraints = [
        # the key of usage.flush's UPSERT
        ("token_hour_unique", "UNIQUE (token_id, hour)", "One usage row per token and hour."),
    ]

    top_user_id = fields.Many2one(
        "res.users",
        "User (Top 10)",
        compute="_compute_top_user_id",
        search="_search_top_user_id",
        help="The user, if among the 10 users with the most calls in the usage kept (that you may "
        "read); empty (Others) for everyone else.",
    )

    def _top_user_ids(self):
        """The :data:`TOP_USERS` users with the most calls in the usage
        this user may read, most calls first."""
        query = self._search([])
        query.groupby = SQL.identifier(self._table, "user_id")
        query.order = SQL(
            "SUM(%s) DESC, %s", SQL.identifier(self._table, "calls"), SQL.identifier(self._table, "user_id")
        )
        query.limit = TOP_USERS
        rows = self.env.execute_query(query.select(SQL.identifier(self._table, "user_id")))
        return [user_id for (user_id,) in rows if user_id]

    @api.depends("user_id")
    def _compute_top_user_id(self):
        top = set(self._top_user_ids())
        for row in self:
            row.top_user_id = row.user_id if row.user_id.id in top else False

    def _search_top_user_id(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise NotImplementedError(f"top_user_id: unsupported operator {operator!r}")
        values = value if isinstance(value, (list, tuple)) else [value]
        top = self._top_user_ids()
        wanted = [user_id for user_id in values if user_id in top]
        domain = [("user_id", "in", wanted)]
        if False in values or None in values:  # Others
            domain = expression.OR([domain, [("user_id", "not in", top)]])
        return domain if operator in ("=", "in") else ["!", *expression.normalize_domain(domain)]

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        if fname == "top_user_id":
            user_id = SQL.identifier(alias, "user_id")
            return SQL("(CASE WHEN %s = ANY(%s) THEN %s END)", user_id, self._top_user_ids(), user_id)
        return super()._field_to_sql(alias, fname, query, flush)

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        """The users out of the top are one group, *Others* (the graph and
        the pivot would name the empty group *None*); its ``__domain`` stays
        the empty group's."""
        groups = super().read_group(domain, fields, groupby, offset, limit, orderby, lazy)
        for group in groups:
            if "top_user_id" in group and not group["top_user_id"]:
                group["top_user_id"] = (0, self.env._("Others"))
        return groups

    @api.model
    def _purge_old(self):
        """Delete the hours older than the retention (0 keeps them forever),
        after writing this process's own pending counts. In SQL: a year of
        hours of many tokens is too much for the ORM's unlink."""
        usage.flush(self.env.cr.dbname)
        days = int(self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM, DEFAULT_RETENTION_DAYS) or 0)
        if days > 0:
            self.env.cr.execute(
                "DELETE FROM api_token_usage WHERE hour < %s", [fields.Datetime.now() - timedelta(days=days)]
            )
            self.invalidate_model()


class ApiToken(models.Model):
    _inherit = "api.token"

    usage_calls = fields.Integer(
        "Calls", compute="_compute_usage_calls", help="Calls counted in the usage kept (see API Usage)."
    )

    def _compute_usage_calls(self):
        calls = dict(
            self.env["api.token.usage"]._read_group([("token_id", "in", self.ids)], ["token_id"], ["calls:sum"])
        )
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

from odoo import _, api, fields, models
from odoo.addons.base.models.res_users import check_identity
from odoo.exceptions import UserError

from ..core import snippets
from ..core.errors import InvalidParams


class ApiTokenWizard(models.TransientModel):
    """Issue a token from the backend, for integrations set up by hand."""

    _name = "api.token.wizard"
    _description = "New API Token"

    user_id = fields.Many2one(
        "res.users", required=True, default=lambda self: self.env.user, domain=[("share", "=", False)]
    )
    name = fields.Char("Label", required=True, help="What the token is for, e.g. 'Web shop sync'.")
    expires_at = fields.Datetime(
        "Expires",
        default=lambda self: self.env["api.token"]._default_expiry(),
        help="Leave empty for a token that does not expire.",
    )
    #: the expiry the form offered when it opened (see :meth:`_expiry`)
    offered_expires_at = fields.Datetime()
    scope_model_ids = fields.Many2many(
        "ir.model", string="Allowed Models", help="Leave empty to allow every model the user may use."
    )
    scope_read_only = fields.Boolean("Read Only", help="Only read methods (search, read, ...) may be called.")
    allowed_networks = fields.Char(
        help="Comma-separated IP addresses or CIDR networks, e.g. 203.0.113.0/24. Empty: any address."
    )
    rate_limit = fields.Integer(
        "Calls per Minute",
        help="Rate limit of this token. 0: the default of every token (system parameter "
        "json_rpc_token.rate_limit_per_minute). Only API token managers may set more than the default.",
    )
    # Who may choose the user is decided by the view's ``groups``, not by a
    # computed field: the web client's first onchange puts False in the new
    # record's cache for every field of the form without a default, and a
    # field that depends on nothing but the context (``depends_context``) is
    # never marked to recompute, so managers were answered False.

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "offered_expires_at" in fields_list:
            values["offered_expires_at"] = values.get("expires_at")
        return values

    @api.model
    def _action_open(self):
        """The menu's and the address bar's way in. A dialog needs a screen
        behind it: opened from the address bar (the web client passes the
        URL's state in the context as ``params``) there is none and the page
        stayed blank, so the user lands on the token list instead, whose
        *New Token* button opens the wizard."""
        xmlid = "api_token_action" if self.env.context.get("params") else "api_token_wizard_window_action"
        return self.env["ir.actions.act_window"]._for_xml_id(f"json_rpc_token.{xmlid}")

    def _expiry(self):
        """The expiry to issue with: the default lifetime counts from the
        issue, not from when the form opened; an expiry the user chose is
        kept as chosen."""
        if self.expires_at and self.expires_at == self.offered_expires_at:
            return self.env["api.token"]._default_expiry()
        return self.expires_at

    @check_identity
    def action_generate(self):
        """The button: as for Odoo's API keys, the user confirms their
        password first (unless done in the last 10 minutes), so that a
        hijacked session cannot mint a long-lived credential."""
        return self._generate()

    @api.constrains("user_id")
    def _check_user_id(self):
        """Refuse at once a user the current user may not issue tokens for
        (the form shows why when it is saved); the issue itself checks again
        (:meth:`_generate`), as whoever presses the button is the issuer."""
        for wizard in self:
            self.env["api.token"]._check_may_issue(self.env.user, wizard.user_id)

    def _generate(self):
        self.ensure_one()
        expires_at = self._expiry()
        if expires_at and expires_at <= fields.Datetime.now():
            raise UserError(_("The expiry must be in the future."))
        Token = self.env["api.token"].sudo()
        Token._check_expiry(expires_at)
        manager = self.env.user.has_group("json_rpc_token.group_api_token_manager")
        try:
            networks = Token._parse_networks(self.allowed_networks)
            rate_limit = self.env["api.token.rate.limit"]._parse_rate_limit(self.rate_limit or None, manager)
        except InvalidParams as exc:  # shown to the user as a form error
            raise UserError(str(exc)) from None
        # the issuer is whoever presses the button: _issue refuses what they may not issue
        token, secret = Token._issue(
            self.user_id,
            self.name,
            expires_at,
            self.scope_model_ids.mapped("model") or None,
            self.scope_read_only,
            networks,
            rate_limit=rate_limit,
            issuer=self.env.user,
        )
        self.env["api.token.log"]._record(
            "issue",
            user_id=self.user_id.id,
            issuer_id=self.env.uid,
            token_id=token.id,
            detail=_("issued by %(login)s (#%(id)s)", login=self.env.user.login, id=self.env.uid),
        )
        scope_models = self.scope_model_ids.mapped("model")
        lines = snippets.token_lines(self.get_base_url(), self.env.cr.dbname, self.user_id.id, secret, scope_models)
        self.sudo().unlink()
        return {
            "type": "ir.actions.act_window",
            "res_model": "api.token.show",
            "name": _("API Token Ready"),
            "views": [(False, "form")],
            "target": "new",
            # the secret travels to the browser in this answer only: the
            # show model stores nothing
            "context": {"default_secret": secret, **{f"default_{key}_line": line for key, _title, line in lines}},
        }


class ApiTokenShow(models.AbstractModel):
    """Shows a new token's secret once. Abstract: nothing is stored, the
    secret exists only in the browser that asked for it."""

    _name = "api.token.show"
    _description = "Show API Token"

    id = fields.Id()  # needed for the form's onchange to return the secret
    secret = fields.Char(readonly=True)
    # one line per dialect that uses the token at once, on this server and
    # database (core/snippets.py's token_lines): the issue's answer fills them
    json_call_line = fields.Char("JSON-RPC /json-call", readonly=True)
    rest_line = fields.Char("REST /api", readonly=True)
    json2_line = fields.Char("JSON-2 /json/2", readonly=True)
    rpc_line = fields.Char(
        "XML-RPC, /jsonrpc",
        readonly=True,
        help="The token is the password of Odoo's own RPC, with the database and the user's id.",
    )
    mcp_line = fields.Char("MCP /mcp", readonly=True, help="Connects Claude Code; see the MCP page of the manual.")

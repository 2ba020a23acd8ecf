from odoo import _, api, fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    api_token_ids = fields.One2many("api.token", "user_id", string="API Tokens")
    api_token_count = fields.Integer("Active API Tokens", compute="_compute_api_token_count")

    @api.depends("api_token_ids.revoked_at", "api_token_ids.expires_at")
    def _compute_api_token_count(self):
        counts = dict(self.env["api.token"]._read_group(
            [("user_id", "in", self.ids), ("state", "=", "active")], ["user_id"], ["__count"]))
        for user in self:
            user.api_token_count = counts.get(user, 0)

    def action_view_api_tokens(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("json_rpc_token.api_token_action")
        action["domain"] = [("user_id", "=", self.id)]
        action["context"] = {"default_user_id": self.id, "search_default_filter_active": 1}
        return action

    def action_revoke_api_tokens(self):
        """Revoke every live token of these users (the ones the caller may see)."""
        tokens = self.env["api.token"].search([("user_id", "in", self.ids), ("state", "!=", "revoked")])
        return tokens.action_revoke()

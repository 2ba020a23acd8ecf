from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestSettings(HttpCase):
    """Settings > JSON-RPC Tokens writes the system parameters the code reads."""

    def get(self, name):
        return self.env["ir.config_parameter"].sudo().get_param(name)

    def test_the_settings_are_the_system_parameters(self):
        self.env["ir.config_parameter"].sudo().set_param("json_rpc_token.max_ttl_hours", "100")
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.json_rpc_token_max_ttl_hours, 100, "a value set by hand shows up")
        settings.write(
            {
                "json_rpc_token_ttl_hours": 6,
                "json_rpc_token_rate_limit_per_minute": 90,
                "json_rpc_token_idle_timeout_minutes": 30,
                "json_rpc_token_usage_retention_days": 7,
            }
        )
        settings.execute()
        self.assertEqual(
            [
                self.get(f"json_rpc_token.{name}")
                for name in ("ttl_hours", "rate_limit_per_minute", "idle_timeout_minutes", "usage_retention_days")
            ],
            ["6", "90", "30", "7"],
        )
        # and the code uses them: a login now lives 6 hours
        token, _secret = (
            self.env["api.token"]
            .sudo()
            ._issue(self.env.ref("base.user_admin"), "settings", self.env["api.token"]._default_expiry())
        )
        self.assertAlmostEqual((token.expires_at - token.create_date).total_seconds(), 6 * 3600, delta=120)

    def test_nonsense_is_refused(self):
        for values in ({"json_rpc_token_ttl_hours": -1}, {"json_rpc_token_idle_timeout_minutes": 2}):
            with self.subTest(values=values), self.assertRaises(ValidationError):
                self.env["res.config.settings"].create(values)

    def test_an_administrator_sets_them_in_the_browser(self):
        self.start_tour("/odoo/settings", "json_rpc_token_settings_tour", login="admin", timeout=120)
        self.assertEqual(
            (self.get("json_rpc_token.ttl_hours"), self.get("json_rpc_token.cors_origins")),
            ("12", "https://shop.example"),
        )

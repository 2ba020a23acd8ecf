"""The *JSON-RPC Tokens* block of Settings: every system parameter of the
addon on one screen, with its help, instead of Technical > System Parameters.

Each field is stored where the code reads it (``config_parameter``), so the
screen and the parameter are one setting: nothing to synchronise, and a value
set by hand before this screen existed shows up in it. Server-wide options
(body size, batch size, trusted proxies) stay in the Odoo configuration file:
they apply before any database is chosen.
"""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..core.origin import CORS_PARAM
from ..core.oauth_server import redirect_allowance_problem
from .api_oauth import (
    ACCESS_MINUTES_PARAM,
    CLIENT_METADATA_PARAM,
    DEFAULT_ACCESS_MINUTES,
    PRIVATE_ADDRESSES_PARAM,
    REDIRECT_ALLOWED_PARAM,
    REGISTRATION_PARAM,
    allowed_redirect_entries,
)
from .api_token import (
    DEFAULT_MAX_TTL_HOURS,
    DEFAULT_PURGE_DAYS,
    DEFAULT_TTL_HOURS,
    IDLE_PARAM,
    MAX_TTL_PARAM,
    MIN_IDLE_MINUTES,
    PURGE_PARAM,
    TTL_PARAM,
)
from .api_token_idempotency import DEFAULT_HOURS as DEFAULT_IDEMPOTENCY_HOURS
from .api_token_idempotency import HOURS_PARAM as IDEMPOTENCY_PARAM
from .api_token_log import DEFAULT_RETENTION_DAYS as DEFAULT_LOG_DAYS
from .api_token_log import RETENTION_PARAM as LOG_PARAM
from .api_token_rate_limit import DEFAULT_PARAM as RATE_LIMIT_PARAM
from .api_token_usage import DEFAULT_RETENTION_DAYS as DEFAULT_USAGE_DAYS
from .api_token_usage import RETENTION_PARAM as USAGE_PARAM


#: the settings that are counts or durations: none may be negative
NUMBER_SETTINGS = (
    "json_rpc_token_ttl_hours",
    "json_rpc_token_max_ttl_hours",
    "json_rpc_token_idle_timeout_minutes",
    "json_rpc_token_rate_limit_per_minute",
    "json_rpc_token_purge_after_days",
    "json_rpc_token_log_retention_days",
    "json_rpc_token_usage_retention_days",
    "json_rpc_token_idempotency_hours",
    "json_rpc_token_oauth_access_token_minutes",
)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    json_rpc_token_ttl_hours = fields.Integer(
        "Token Lifetime (hours)",
        config_parameter=TTL_PARAM,
        default=DEFAULT_TTL_HOURS,
        help="How long a token issued at login lives. 0: no lifetime of its own (the longest lifetime still applies).",
    )
    json_rpc_token_max_ttl_hours = fields.Integer(
        "Longest Lifetime (hours)",
        config_parameter=MAX_TTL_PARAM,
        default=DEFAULT_MAX_TTL_HOURS,
        help="No token lives longer, whatever its client or the token wizard asks. 0: no cap.",
    )
    json_rpc_token_idle_timeout_minutes = fields.Integer(
        "Idle Timeout (minutes)",
        config_parameter=IDLE_PARAM,
        help=f"A token unused for this long expires. 0: off. At least {MIN_IDLE_MINUTES} minutes (the last "
        "use is stamped once a minute).",
    )
    json_rpc_token_rate_limit_per_minute = fields.Integer(
        "Calls per Minute",
        config_parameter=RATE_LIMIT_PARAM,
        help="Rate limit of every token without a limit of its own, and of Odoo API keys on JSON-2. "
        "0: no default limit.",
    )
    json_rpc_token_cors_origins = fields.Char(
        "Allowed Web Origins",
        config_parameter=CORS_PARAM,
        help="Comma-separated origins (https://shop.example) whose web pages may call the API from a "
        "browser. Empty: none; a browser request from any other site is refused before it runs.",
    )
    json_rpc_token_purge_after_days = fields.Integer(
        "Keep Dead Tokens (days)",
        config_parameter=PURGE_PARAM,
        default=DEFAULT_PURGE_DAYS,
        help="Expired and revoked tokens are deleted this many days after their death. 0: kept forever.",
    )
    json_rpc_token_log_retention_days = fields.Integer(
        "Keep Audit Log (days)",
        config_parameter=LOG_PARAM,
        default=DEFAULT_LOG_DAYS,
        help="Audit entries older than this are deleted by the daily purge.",
    )
    json_rpc_token_usage_retention_days = fields.Integer(
        "Keep Usage (days)",
        config_parameter=USAGE_PARAM,
        default=DEFAULT_USAGE_DAYS,
        help="Hours of API usage older than this are deleted by the daily purge. 0: kept forever.",
    )
    json_rpc_token_idempotency_hours = fields.Integer(
        "Keep Idempotency Keys (hours)",
        config_parameter=IDEMPOTENCY_PARAM,
        default=DEFAULT_IDEMPOTENCY_HOURS,
        help="How long a request sent with an Idempotency-Key is answered from its stored answer.",
    )

    # not a config_parameter field: Odoo deletes the parameter of a False
    # boolean, and the default (absent) is on
    json_rpc_token_oauth_dynamic_registration = fields.Boolean(
        "Dynamic Client Registration",
        help="AI assistants register themselves (RFC 7591) before a user signs them in on /mcp. Off: "
        "registration is refused, the apps registered already keep working.",
    )
    json_rpc_token_oauth_client_metadata_documents = fields.Boolean(
        "Client ID Metadata Documents",
        help="An assistant whose client ID is the https URL of a JSON document describing it (its name, its "
        "redirect URIs) is registered by fetching that document when a user signs it in. Off: such client IDs "
        "are refused; the apps signed in already keep working.",
    )
    json_rpc_token_oauth_client_metadata_private_addresses = fields.Boolean(
        "Client Metadata on Private Addresses",
        config_parameter=PRIVATE_ADDRESSES_PARAM,
        help="Fetch client metadata documents from private and loopback addresses too (a metadata server "
        "inside your network). Off: refused, checked on the resolved address before connecting, so that a "
        "client ID cannot make Odoo reach into your network. Link-local (cloud instance metadata), multicast "
        "and reserved addresses are refused always.",
    )
    json_rpc_token_oauth_redirect_uri_allowed = fields.Char(
        "Other Allowed Redirect URIs",
        config_parameter=REDIRECT_ALLOWED_PARAM,
        help="Comma-separated schemes (cursor:) or URL prefixes ending with the '/' after their host "
        "(cursor://anysphere.cursor-retrieval/) that assistants may register as redirect URIs, besides https "
        "and http to a loopback address (127.0.0.1, localhost, [::1]).",
    )
    json_rpc_token_oauth_access_token_minutes = fields.Integer(
        "Access Token Lifetime (minutes)",
        config_parameter=ACCESS_MINUTES_PARAM,
        default=DEFAULT_ACCESS_MINUTES,
        help="How long an access token issued to an AI assistant by OAuth lives; the assistant refreshes it.",
    )

    @api.model
    def get_values(self):
        values = super().get_values()
        Clients = self.env["api.oauth.client"]
        values["json_rpc_token_oauth_dynamic_registration"] = Clients._registration_allowed()
        values["json_rpc_token_oauth_client_metadata_documents"] = Clients._client_metadata_allowed()
        return values

    def set_values(self):
        result = super().set_values()
        self.env["ir.config_parameter"].sudo().set_param(
            REGISTRATION_PARAM, str(bool(self.json_rpc_token_oauth_dynamic_registration))
        )
        self.env["ir.config_parameter"].sudo().set_param(
            CLIENT_METADATA_PARAM, str(bool(self.json_rpc_token_oauth_client_metadata_documents))
        )
        return result

    @api.constrains("json_rpc_token_oauth_redirect_uri_allowed")
    def _check_json_rpc_token_redirect_allowed(self):
        for settings in self:
            for entry in allowed_redirect_entries(settings.json_rpc_token_oauth_redirect_uri_allowed):
                problem = redirect_allowance_problem(entry)
                if problem:
                    raise ValidationError(
                        _(
                            "%(entry)s cannot be allowed as a redirect URI: %(problem)s.",
                            entry=entry[:200],
                            problem=problem,
                        )
                    )

    @api.constrains(*NUMBER_SETTINGS)
    def _check_json_rpc_token_numbers(self):
        for settings in self:
            negative = [settings._fields[name].string for name in NUMBER_SETTINGS if settings[name] < 0]
            if negative:
                raise ValidationError(_("These API token settings cannot be negative: %s", ", ".join(negative)))
            idle = settings.json_rpc_token_idle_timeout_minutes
            if 0 < idle < MIN_IDLE_MINUTES:
                raise ValidationError(
                    _("The idle timeout of API tokens is at least %s minutes (0: off).", MIN_IDLE_MINUTES)
                )

from . import (
    api_token,
    api_token_idempotency,
    api_token_lockout,
    api_token_log,
    api_token_rate_limit,
    api_token_usage,
    api_token_wizard,
    api_oauth,
    ir_http,
    res_config_settings,
    res_users,
)

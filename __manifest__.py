# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "JSON-RPC Token API",
    "version": "18.0.1.9.0",
    "summary": "Token-based JSON-RPC for external programs: log in once, "
               "call any public ORM method, log out",
    "category": "Extra Tools",
    "author": "json_rpc_token developers",
    "license": "LGPL-3",
    "depends": ["base", "web", "base_setup"],
    "external_dependencies": {"python": ["passlib", "authlib"]},
    "data": [
        "security/api_token_security.xml",
        "security/ir.model.access.csv",
        "views/api_token_views.xml",
        "views/res_users_views.xml",
        "views/model_reference_templates.xml",
        "views/api_token_usage_views.xml",
        "security/api_token_usage_security.xml",
        "data/ir_cron.xml",
        "views/res_config_settings_views.xml",
        "security/api_oauth_security.xml",
        "views/oauth_templates.xml",
        "views/api_oauth_views.xml",
    ],
    "assets": {
        "web.assets_tests": ["json_rpc_token/static/tests/tours/*.js"],
    },
    "installable": True,
    "application": False,
}

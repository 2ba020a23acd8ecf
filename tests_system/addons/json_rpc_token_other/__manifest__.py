# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Another module with routes under /api and /object (json_rpc_token's test data)",
    "version": "18.0.1.0.0",
    "summary": "Stands for a fastapi endpoint or a shop's webhook living next to json_rpc_token",
    "category": "Hidden",
    "author": "json_rpc_token developers",
    "license": "LGPL-3",
    "depends": ["web"],
    "installable": True,
}

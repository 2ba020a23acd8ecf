"""Routes of another module under json_rpc_token's prefixes (``/api``,
``/object``): with json_rpc_token loaded server-wide they must still be
served by this module, as on a server without json_rpc_token."""

import json

from odoo import http
from odoo.http import request


class OtherModule(http.Controller):
    @http.route("/api/ping", type="http", auth="none", methods=["GET"], csrf=False)
    def api_ping(self):
        return request.make_response("pong from the other module", [("Content-Type", "text/plain")])

    @http.route("/object/ping", type="http", auth="none", methods=["POST"], csrf=False)
    def object_ping(self):
        return request.make_response("object pong from the other module", [("Content-Type", "text/plain")])

    @http.route("/api/ping/json", type="json", auth="none")
    def api_ping_json(self, **kwargs):
        return {"pong": "json from the other module", "echo": kwargs}

    @http.route("/api/whoami", type="http", auth="user", methods=["GET"])
    def api_whoami(self):
        """A route that needs the browser session: its cookie must reach it."""
        return request.make_response(f"uid {request.env.uid}", [("Content-Type", "text/plain")])


class TokenRoutes(http.Controller):
    """Routes of a module that takes json_rpc_token's tokens (``auth='api_token'``);
    requested only on a database that has json_rpc_token."""

    @http.route("/other/token/whoami", type="http", auth="api_token", methods=["GET", "POST"], csrf=False)
    def token_whoami(self):
        body = json.dumps({"uid": request.env.uid, "session_uid": request.session.uid, "login": request.env.user.login})
        return request.make_response(body, [("Content-Type", "application/json")])

    @http.route("/other/token/whoami.json", type="json", auth="api_token")
    def token_whoami_json(self):
        return {"uid": request.env.uid}

    @http.route("/other/token/identity", type="http", auth="api_token", methods=["POST"], csrf=False)
    def token_identity(self):
        """What an attacker with a stolen token and their own identity-checked
        session would try: a check_identity-protected action."""
        wizard = request.env["res.users.identitycheck"].sudo().create({"request": "{}"}).sudo(False)
        wizard.password = "admin"
        try:
            wizard.run_check()
        except Exception as exc:  # the refusal is the answer
            return request.make_response(
                json.dumps({"refused": type(exc).__name__}), [("Content-Type", "application/json")]
            )
        return request.make_response(json.dumps({"refused": False}), [("Content-Type", "application/json")])

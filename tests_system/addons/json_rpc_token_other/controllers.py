"""Routes of another module under json_rpc_token's prefixes (``/api``,
``/object``): with json_rpc_token loaded server-wide they must still be
served by this module, as on a server without json_rpc_token."""
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

"""The routes. Each one is thin: the dispatcher has parsed and validated
``params`` and chosen the database; the route authenticates, hands over to
the model or the ORM call path, and returns plain data that the dispatcher
encodes.

``auth='none'`` because authentication is the route's own business (a token
or a password in the body), and because only ``auth='none'`` routes can be
served before a database is chosen, which is what makes the ``db`` parameter
work on a multi-database server (addon loaded with ``--load``).
"""
from odoo import http
from odoo.http import request

from .. import openapi, orm_call, params
from .dispatcher import DEFAULT_MAX_BATCH, MAX_BATCH_OPTION
from .docs import refuse_unless_get
from .token_dispatcher import server_limit

# readonly=False: Odoo 18 gives auth='none' routes a read-only cursor by
# default, and re-runs the whole request read/write on the first write, which
# would run every login (and its failure counting) twice.
ROUTE_OPTIONS = {"type": "json_call", "auth": "none", "csrf": False, "save_session": False, "readonly": False}


class JsonCallController(http.Controller):

    @http.route("/json-call/user_authenticate", json_params=params.AUTHENTICATE,
                json_result=openapi.AUTHENTICATE_RESULT, **ROUTE_OPTIONS)
    def user_authenticate(self, login, password, db=None, **options):
        """Log in with a login and password (or Odoo API key); get a token."""
        uid, token = request.env["api.token"].sudo()._login(login, password, **options)
        return {"token": token, "uid": uid}

    @http.route("/json-call/user_logout", json_params=params.LOGOUT,
                json_result=openapi.LOGOUT_RESULT, **ROUTE_OPTIONS)
    def user_logout(self, token=None, db=None):
        """Revoke the token."""
        return request.env["api.token"].sudo()._logout(token)

    @http.route("/json-call", json_params=params.CALL, json_result=openapi.CALL_RESULT, **ROUTE_OPTIONS)
    def json_call(self, model, method, args, kwargs, context, token=None, db=None, atomic=False):
        """Call a public method of a model as the token's user."""
        return orm_call.call_with_token(token, model, method, args, kwargs, context)

    # any method, no CSRF check: what is not a GET gets a JSON error, not
    # Odoo's HTML 405 page
    @http.route("/json-call/openapi.json", type="http", auth="none", save_session=False, readonly=True,
                cors="*", csrf=False)
    def openapi_description(self):
        """The OpenAPI 3.1 description of the routes above."""
        refused = refuse_unless_get("the OpenAPI document")
        if refused:
            return refused
        routes = []
        for name in ("user_authenticate", "user_logout", "json_call"):
            endpoint = getattr(type(self), name)
            routing = endpoint.original_routing
            routes.append((routing["routes"][0], endpoint.__doc__.strip(), routing))
        # url_root is the address the client used (behind a proxy, with
        # proxy_mode, the one it forwarded)
        document = openapi.document(routes, server_limit(MAX_BATCH_OPTION, DEFAULT_MAX_BATCH),
                                    request.httprequest.url_root.rstrip("/"))
        return request.make_json_response(document)

"""Odoo 19's JSON-2 API on Odoo 18: ``POST /json/2/<model>/<method>``, so
that a client written for Odoo 19 works unchanged against this addon.

The contract, as Odoo 19 serves it: ``Authorization: bearer <key>`` (here a
token of this addon, or an Odoo API key of the user), the database in the
``X-Odoo-Database`` header, a JSON object of named arguments as body, with
``ids`` for a record method and ``context``; the answer is the method's
result as bare JSON (HTTP 200), a failure Odoo's serialised exception
(``name``, ``message``, ``arguments``, ``context``) with the HTTP status of
its kind in :mod:`..core.errors`.

This module only parses and encodes; the token, the database, the
transaction and CORS are :mod:`.token_dispatcher`'s, the call is
:func:`..http_layer.token_call.call_with_token`'s, the statuses the error table's.
"""

from odoo import http
from odoo.http import request
from odoo.modules.registry import Registry

from ..core import errors, orm_call
from ..http_layer import database_free, token_call
from ..http_layer.dispatcher import TokenDispatcher, route_options

CALL_ROUTE = "/json/2/<model>/<method>"
JSON_MIMETYPE = "application/json"


class Json2Dispatcher(TokenDispatcher, http.Dispatcher):
    routing_type = "json2"
    challenge = "bearer"  # as Odoo 19 sends it

    # ---------------------------------------------------------- dispatching
    def dispatch_call(self, endpoint, args):
        if "model" not in args:  # the catch-all: no call to make
            return self.serve_outside_database(endpoint, args)
        httprequest = self.request.httprequest
        if httprequest.method != "POST":
            raise errors.MethodNotAllowed(f"Call {httprequest.path} with POST.", "POST")
        body = self.read_body()
        if body and httprequest.mimetype != JSON_MIMETYPE:
            raise errors.UnsupportedMediaType(f"Send the body as {JSON_MIMETYPE}.")
        named = self.read_json(body) if body else {}
        if not isinstance(named, dict):
            raise errors.InvalidRequest("The body must be a JSON object of named arguments.")
        ids, context = named.pop("ids", []), named.pop("context", {})
        if not isinstance(context, dict):
            raise errors.BadArguments("'context' must be a JSON object.")
        self.request.params = {**args, "secret": self.bearer(), "ids": ids, "context": context, "kwargs": named}
        dbname = self.requested_database()
        readonly = self.is_readonly(dbname, args["model"], args["method"])
        return self.serve(endpoint, dbname, self.json_response, readonly=readonly)

    def serve_outside_database(self, endpoint, args):
        self.request.params = args
        return endpoint(**args)

    def bearer(self):
        """The bearer secret; a missing or malformed header is answered 401
        with the challenge, as Odoo 19 does."""
        try:
            secret = self.bearer_token()
        except errors.InvalidRequest:
            secret = None
        if not secret:
            raise errors.TokenMissing("Send 'Authorization: bearer <token>' (a token of this API or an Odoo API key).")
        return secret

    def is_readonly(self, dbname, model_name, method_name):
        """Whether the call may start on a read-only cursor: the method is
        marked ``@api.readonly``. Decided on the database's registry if this
        process has loaded it already; otherwise (first call after a start,
        unknown database) read/write, which is always correct. On a replica,
        the token is still checked on the primary (:mod:`..http_layer.read_replica`)."""
        registry = Registry.registries.get(dbname or database_free.default_database(self.request) or "")
        model_class = registry.models.get(model_name) if registry is not None else None
        return model_class is not None and orm_call.is_readonly_method(model_class, method_name)

    # ------------------------------------------------------------ encoding
    def error_response(self, exc):
        status, headers = self.error_status(exc)
        return self.json_response(errors.to_odoo_error(exc), status=status, headers=headers)


ROUTE_OPTIONS = route_options("json2")


class Json2Controller(http.Controller):
    @http.route(CALL_ROUTE, **ROUTE_OPTIONS)
    def json2_call(self, model, method, secret, ids, context, kwargs):
        """Call a public method of a model as the bearer's user."""
        return token_call.call_with_token(
            secret, model, method, [], kwargs, context, api_keys=True, ids=ids, stream=request.dispatcher.stream_asked()
        )

    @http.route(["/json/2", "/json/2/<path:subpath>"], **ROUTE_OPTIONS)
    def json2_not_found(self, subpath=None):
        """Anything else under /json/2: a JSON 404 that shows the way."""
        raise errors.MethodNotFound("Did you mean POST /json/2/<model>/<method>?")

"""Odoo 19's JSON-2 API on Odoo 18: ``POST /json/2/<model>/<method>``, so
that a client written for Odoo 19 works unchanged against this addon.

The contract, as Odoo 19 serves it: ``Authorization: bearer <key>`` (here a
token of this addon, or an Odoo API key of the user), the database in the
``X-Odoo-Database`` header, a JSON object of named arguments as body, with
``ids`` for a record method and ``context``; the answer is the method's
result as bare JSON (HTTP 200), a failure Odoo's serialised exception
(``name``, ``message``, ``arguments``, ``context``) with the HTTP status of
its kind in :mod:`..errors`.

This module only parses and encodes; the token, the database, the
transaction and CORS are :mod:`.token_dispatcher`'s, the call is
:func:`..orm_call.call_with_token`'s, the statuses the error table's.
"""
from odoo import http
from odoo.modules.registry import Registry

from .. import errors, idempotency, openapi, orm_call
from . import database_free
from .token_dispatcher import TokenDispatcher

CALL_ROUTE = "/json/2/<model>/<method>"
DATABASE_HEADER = "X-Odoo-Database"
JSON_MIMETYPE = "application/json"


class Json2Dispatcher(TokenDispatcher, http.Dispatcher):
    routing_type = "json2"
    cors_headers = f"Content-Type, Authorization, {DATABASE_HEADER}, {idempotency.KEY_HEADER}"
    challenge = "bearer"  # as Odoo 19 sends it

    def database(self):
        return self.request.httprequest.headers.get(DATABASE_HEADER) or None

    def preflight_database(self):
        return self.database()

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
        self.request.params = {**args, "secret": self.bearer(), "ids": ids, "context": context,
                               "kwargs": named}
        dbname = self.database()
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
            raise errors.TokenMissing("Send 'Authorization: bearer <token>' (a token of this API or an "
                                      "Odoo API key).")
        return secret

    def is_readonly(self, dbname, model_name, method_name):
        """Whether the call may start on a read-only cursor: the method is
        marked ``@api.readonly``. Decided on the database's registry if this
        process has loaded it already; otherwise (first call after a start,
        unknown database) read/write, which is always correct. On a replica,
        the token is still checked on the primary (:mod:`..read_replica`)."""
        registry = Registry.registries.get(dbname or database_free.default_database(self.request) or "")
        model_class = registry.models.get(model_name) if registry is not None else None
        return model_class is not None and orm_call.is_readonly_method(model_class, method_name)

    # ------------------------------------------------------------ encoding
    def error_response(self, exc):
        status, headers = self.error_status(exc)
        return self.json_response(errors.to_odoo_error(exc), status=status, headers=headers)


# readonly=False: the dispatcher decides per method (see is_readonly); on
# Odoo's database path (addon not loaded server-wide) Odoo's transaction is
# read/write, as for Odoo 18's own RPC.
ROUTE_OPTIONS = {"type": "json2", "auth": "none", "csrf": False, "save_session": False, "readonly": False}


class Json2Controller(http.Controller):

    @http.route(CALL_ROUTE, **ROUTE_OPTIONS)
    def json2_call(self, model, method, secret, ids, context, kwargs):
        """Call a public method of a model as the bearer's user."""
        return orm_call.call_with_token(secret, model, method, [], kwargs, context, api_keys=True, ids=ids)

    @http.route(["/json/2", "/json/2/<path:subpath>"], **ROUTE_OPTIONS)
    def json2_not_found(self, subpath=None):
        """Anything else under /json/2: a JSON 404 that shows the way."""
        raise errors.MethodNotFound("Did you mean POST /json/2/<model>/<method>?")


def _describe(document):
    """The JSON-2 path of the OpenAPI document (see :mod:`..openapi`)."""
    statuses = sorted({kind.http_status for kind in [*errors.ERROR_TABLE.values(), errors.INTERNAL_ERROR]})
    schemas = document["components"]["schemas"]
    schemas["OdooError"] = {
        "type": "object",
        "required": ["name", "message", "arguments", "context"],
        "properties": {
            "name": {"type": "string", "description": "The exception class, e.g. odoo.exceptions.AccessError."},
            "message": {"type": "string"},
            "arguments": {"type": "array", "items": openapi.ANY_JSON},
            "context": {"type": "object"},
            "debug": {"type": "string", "description": "Traceback, in dev mode only."},
        },
    }
    error = {"description": "Odoo's serialised exception.",
             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OdooError"}}}}
    path_param = {"in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
    document["paths"]["/json/2/{model}/{method}"] = {"post": {
        "operationId": "json2_call",
        "summary": Json2Controller.json2_call.__doc__.strip() + " (Odoo 19's JSON-2 API)",
        "security": [{"bearer": []}],
        "parameters": [
            {**path_param, "name": "model", "description": "Technical model name, e.g. res.partner."},
            {**path_param, "name": "method", "description": "A public method of the model, e.g. search_read."},
            {"in": "header", "name": DATABASE_HEADER, "required": False, "schema": {"type": "string"},
             "description": "The database; optional when the server serves one."},
        ],
        "requestBody": {"required": False, "content": {JSON_MIMETYPE: {"schema": {
            "type": "object",
            "description": "The method's arguments, by name.",
            "properties": {
                "ids": {"type": "array", "items": {"type": "integer"},
                        "description": "The records of a record method (not for @api.model methods)."},
                "context": {"type": "object", "description": "Merged over the user's context."},
            },
            "additionalProperties": True,
        }}}},
        "responses": {
            "200": {"description": "What the method returns, as JSON (recordsets as lists of ids).",
                    "content": {"application/json": {"schema": {}}}},
            **{str(status): {**error, "description": f"{error['description']} (see the error table)"}
               for status in statuses},
        },
    }}


openapi.DIALECTS.append(_describe)

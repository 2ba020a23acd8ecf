"""What Odoo 19 serves beside JSON-2 and its clients read, on Odoo 18, so
that they work unchanged:

* ``GET /web/version`` (and ``/json/version``): ``{"version_info": [...],
  "version": "..."}``, the truth: this server's Odoo 18. No token, no
  database, as Odoo 19 serves it (pyodoo-client's ``database.version()``,
  odoo-json2's ``version()`` and mcp-server-odoo read it; mcp-server-odoo
  keeps JSON-2 for Odoo 19 and later, and so uses XML-RPC here, with the
  token as the password);
* ``GET /doc-bearer/index.json`` and ``GET /doc-bearer/<model>.json``: Odoo
  19's API documentation (its ``api_doc`` module), with a JSON-2 bearer: the
  models, fields and public methods of the bearer's user, each method with
  its parameters in order and whether it takes ids (odoo-client-lib names a
  JSON-2 call's positional arguments after them). Described by
  :mod:`..core.model_reference`, as the user, never sudo.

The documentation routes take what a JSON-2 call takes, checked alike
(:func:`..http_layer.token_call.become_token_user`): ``Authorization:
bearer`` with a token of this addon or an Odoo API key, the database in
``X-Odoo-Database``, the rate limits, the usage metering. A token's scope
narrows them: the index lists its models only, another model's page is
refused (403) as a JSON-2 call on it is; a read-only token's documents list
only the methods it may call (the read methods). Unlike Odoo 19, any internal user's key may read them (on
Odoo 19, only members of its "Technical Documentation" group, by default
the administrators): they tell no more than the ``fields_get`` and the calls
that key may make already do. Failures are JSON-2's: Odoo's serialised
exception with the HTTP status of the error table (:mod:`..core.errors`).

Beside them, ``GET /doc-bearer/<model>/<method>/examples.json``, this addon's
own: one method's call in each dialect, ready to copy (:mod:`..core.snippets`,
as the model reference shows them), for the model browser of a token's user
(``/json_rpc_token/models`` without a browser session, see
:mod:`.docs`), with the same checks.
"""

import odoo.release
from odoo import http
from odoo.http import request

from ..core import errors, model_reference, snippets
from ..http_layer import token_call
from ..http_layer.dispatcher import route_options
from .docs import refuse_unless_get
from .json2 import ROUTE_OPTIONS as JSON2_ROUTE_OPTIONS
from .json2 import Json2Dispatcher

VERSION_ROUTES = ["/web/version", "/json/version"]
DOC_INDEX_ROUTE = "/doc-bearer/index.json"
DOC_MODEL_ROUTE = "/doc-bearer/<model_name>.json"
DOC_EXAMPLES_ROUTE = "/doc-bearer/<model_name>/<method_name>/examples.json"
DOC_METHODS = ("GET", "HEAD")


def version_answer():
    """The server's version, in Odoo 19's shape, and as ``server_version``
    too, the name Odoo's RPC gives it (``common.version()``): odoo-json2's
    command line shows that one, and "19.0" when it is missing."""
    return {
        "version_info": list(odoo.release.version_info),
        "version": odoo.release.version,
        "server_version": odoo.release.version,
    }


class Json2DocDispatcher(Json2Dispatcher):
    """JSON-2's bearer, database and answers, for the documents: fetched
    with GET, no body, on a read-only cursor (the replica's, if any)."""

    routing_type = "json2_doc"
    cors_methods = "GET"

    def dispatch_call(self, endpoint, args):
        httprequest = self.request.httprequest
        if httprequest.method not in DOC_METHODS:
            raise errors.MethodNotAllowed(f"Fetch {httprequest.path} with GET.", "GET")
        self.request.params = {**args, "secret": self.bearer()}
        return self.serve(endpoint, self.requested_database(), self.json_response, readonly=True)


DOC_ROUTE_OPTIONS = route_options("json2_doc")


class Odoo19Controller(http.Controller):
    @http.route(VERSION_ROUTES, type="http", auth="none", save_session=False, readonly=True, csrf=False)
    def version(self):
        """Odoo's version, as Odoo 19's ``/web/version`` tells it."""
        return refuse_unless_get("the version") or request.make_json_response(version_answer())

    @http.route(DOC_INDEX_ROUTE, **DOC_ROUTE_OPTIONS)
    def doc_index(self, secret):
        """The modules, and the models the bearer may read (its scope's only)
        with their fields' labels and public methods' names."""
        facts = token_call.become_token_user(secret, None, None, api_keys=True)
        return model_reference.odoo19_index(request.env, facts.models, facts.methods)

    @http.route(DOC_MODEL_ROUTE, **DOC_ROUTE_OPTIONS)
    def doc_model(self, model_name, secret):
        """One model: its fields and public methods, with their signatures."""
        facts = token_call.become_token_user(secret, model_name, None, api_keys=True)
        try:
            return model_reference.odoo19_model(request.env, model_name, facts.methods)
        except model_reference.ModelNotFound:
            raise errors.MethodNotFound(f"The model '{model_name}' does not exist.") from None

    @http.route(DOC_EXAMPLES_ROUTE, **DOC_ROUTE_OPTIONS)
    def doc_examples(self, model_name, method_name, secret):
        """One method's call in each dialect, filled with this server's
        address and database, the token read from an environment variable
        (never the bearer's secret): what the model browser shows to copy."""
        facts = token_call.become_token_user(secret, model_name, None, api_keys=True)
        try:
            model = model_reference.readable_model(request.env, model_name)
        except model_reference.ModelNotFound:
            raise errors.MethodNotFound(f"The model '{model_name}' does not exist.") from None
        if method_name not in model_reference.callable_methods(model, facts.methods):
            raise errors.MethodNotFound(f"This token may call no method '{method_name}' of {model_name}.")
        method = model_reference.odoo19_method(model, method_name)
        fields = model.fields_get(attributes=["type"])
        examples = snippets.method_examples(
            request.env, request.httprequest.host_url, model_name, method_name, method, fields
        )
        return {
            "model": model_name,
            "method": method_name,
            "token_variable": snippets.TOKEN_VARIABLE,
            "examples": [{"key": key, "title": title, "code": code} for key, title, code in examples],
        }

    @http.route(["/doc-bearer", "/doc-bearer/<path:subpath>"], **JSON2_ROUTE_OPTIONS)
    def doc_not_found(self, subpath=None):
        """Anything else under /doc-bearer: a JSON 404 that shows the way."""
        raise errors.MethodNotFound("Did you mean GET /doc-bearer/index.json or GET /doc-bearer/<model>.json?")

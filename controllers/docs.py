"""Documentation people can read.

``/json-call/docs``: the OpenAPI document (``/json-call/openapi.json``) as a
page, by Swagger UI, vendored in ``static/lib/swagger-ui`` (see
``devtools/vendor_docs_ui.sh``). Like the document, it needs no session and
no database: a program's author reads it before having either, and on a
multi-database server (addon loaded server-wide) it is served
database-free, its files by Odoo's static file handler. It loads nothing
from another host, and says so to the browser: its Content-Security-Policy
allows this server only, hence no inline script (the start-up code is a
file of its own).

``/json_rpc_token/models``: the model reference of the logged-in backend
user (see :mod:`..core.model_reference`), as Odoo 19's ``/doc``: the models
(searchable), each model's fields and public methods, and per method
(``/json_rpc_token/models/<model>/<method>``) its parameters and the call in
each dialect, ready to copy (:mod:`..core.snippets`), filled with this
server's address and database. Not under ``/json-call``: the token routes
never see the browser session, and these pages need it.

Without a browser session, ``/json_rpc_token/models`` is the model browser
of a token's user instead of a login redirect: an integrator who has only a
token, or only a login and password, pastes the one or types the others (the
page then logs in with ``/json-call/user_authenticate``), and the page's
script shows what that token may use, read from the token routes Odoo 19's
clients read (``/doc-bearer/index.json``, ``/doc-bearer/<model>.json``) and
one method's examples (``/doc-bearer/<model>/<method>/examples.json``, see
:mod:`.odoo19`): the token's scope and read-only flag apply there, and the
token stays in the page's memory (doc/security.rst says why).
"""

from odoo import http
import json

from markupsafe import Markup
from odoo.exceptions import AccessError
from odoo.http import request

from ..core import errors, model_reference, snippets

SWAGGER_UI = "/json_rpc_token/static/lib/swagger-ui"
API_DOCS_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>JSON-RPC Token API</title>
<link rel="icon" href="/web/static/img/favicon.ico">
<link rel="stylesheet" href="{SWAGGER_UI}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-url="/json-call/openapi.json"></div>
<script src="{SWAGGER_UI}/swagger-ui-bundle.js"></script>
<script src="/json_rpc_token/static/src/api_docs/api_docs.js"></script>
</body>
</html>
"""
#: this server only; inline styles for Swagger UI's React components, and
#: data: images for its icons; "Try it out" calls this server
API_DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


#: the model browser of a token's user takes a password or a token: no
#: other site may frame it (and dress it up to have one typed or a button
#: clicked), and the browser never submits its form itself (a GET with the
#: password in the URL, were the page's script not run yet: the script
#: sends it); Odoo's frontend layout runs inline scripts, so no script-src
TOKEN_PAGE_CSP = "frame-ancestors 'self'; form-action 'none'; base-uri 'none'"

NOT_INTERNAL = "The model reference is for internal users."


def refuse_unless_get(what):
    """A JSON 405 answer unless the request is a GET (or HEAD), else None:
    for the addon's documents, which any method reaches (no CSRF check)."""
    if request.httprequest.method in ("GET", "HEAD"):
        return None
    error = errors.to_error_object(errors.InvalidRequest(f"Fetch {what} with HTTP GET."))
    return request.make_json_response({"error": error}, status=405, headers=[("Allow", "GET")])


class DocsController(http.Controller):
    @http.route("/json-call/docs", type="http", auth="none", save_session=False, readonly=True, csrf=False)
    def api_docs(self):
        """The OpenAPI document as a page (Swagger UI)."""
        refused = refuse_unless_get("the documentation page")
        if refused:
            return refused
        return request.make_response(
            API_DOCS_PAGE,
            headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Security-Policy", API_DOCS_CSP)],
        )

    # ------------------------------------------------------ model reference
    @http.route("/json_rpc_token/models", type="http", auth="public", readonly=True)
    def model_index(self):
        """The models the user may read, linked to their reference; without
        a session, the model browser of a token's user."""
        if request.env.user._is_public():
            return request.render(
                "json_rpc_token.model_reference_token",
                {"database": request.db, "token_variable": snippets.TOKEN_VARIABLE},
                headers=[("Content-Security-Policy", TOKEN_PAGE_CSP)],
            )
        if not request.env.user._is_internal():
            return self._refused_page(None, (403, NOT_INTERNAL))
        return request.render(
            "json_rpc_token.model_reference_index",
            {"models": model_reference.readable_models(request.env), "token_variable": snippets.TOKEN_VARIABLE},
        )

    @http.route("/json_rpc_token/models/<string:model_name>", type="http", auth="user", readonly=True)
    def model_page(self, model_name):
        """One model: its fields and public methods, as the user sees them."""
        reference, refused = self._reference(model_name)
        if refused:
            return self._refused_page(model_name, refused)
        return request.render("json_rpc_token.model_reference_model", {"reference": reference})

    @http.route(
        "/json_rpc_token/models/<string:model_name>/<string:method_name>", type="http", auth="user", readonly=True
    )
    def method_page(self, model_name, method_name):
        """One public method: signature, parameters, documentation, and its
        call in each dialect, with this server's address and database."""
        reference, refused = self._reference(model_name)
        if not refused and method_name not in reference["methods"]:
            refused = (404, f"{model_name} has no public method {method_name}.")
        if refused:
            return self._refused_page(model_name, refused)
        method = model_reference.odoo19_method(request.env[model_name], method_name)
        examples = snippets.method_examples(
            request.env, request.httprequest.host_url, model_name, method_name, method, reference["fields"]
        )
        return request.render(
            "json_rpc_token.model_reference_method",
            {
                "reference": reference,
                "method_name": method_name,
                "method": method,
                # HTML that docutils made from the docstring (raw HTML disabled)
                "doc": Markup(method.get("doc") or ""),
                "parameter_docs": {
                    name: Markup(parameter.get("doc", "")) for name, parameter in method["parameters"].items()
                },
                "defaults": {
                    name: json.dumps(parameter["default"])
                    for name, parameter in method["parameters"].items()
                    if "default" in parameter
                },
                "examples": examples,
                "token_variable": snippets.TOKEN_VARIABLE,
            },
        )

    @http.route("/json_rpc_token/models/<string:model_name>.json", type="http", auth="user", readonly=True)
    def model_json(self, model_name):
        """The same as JSON, for programs."""
        reference, refused = self._reference(model_name)
        if refused:
            return request.make_json_response({"error": refused[1]}, status=refused[0])
        return request.make_json_response(reference)

    @staticmethod
    def _reference(model_name):
        """``(reference, None)``, or ``(None, (status, message))``."""
        if not request.env.user._is_internal():
            return None, (403, NOT_INTERNAL)
        try:
            return model_reference.describe(request.env, model_name), None
        except model_reference.ModelNotFound:
            return None, (404, f"There is no model {model_name}.")
        except AccessError:
            return None, (403, f"You may not read {model_name}, so its reference is not shown to you.")

    @staticmethod
    def _refused_page(model_name, refused):
        status, message = refused
        return request.render(
            "json_rpc_token.model_reference_refused", {"model_name": model_name, "message": message}, status=status
        )

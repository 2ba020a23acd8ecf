"""The ``type='json_call'`` routing type: JSON-RPC as integrators send it.

Odoo routes requests by ``type``: each type is a ``Dispatcher`` subclass that
parses the body, calls the endpoint and encodes the answer, and registering a
subclass is Odoo's own way to add one. Odoo's ``type='json'`` dispatcher does
not fit an API exposed to any client: it answers a malformed body with a
plain-text 400, wraps every failure in ``code: 200`` with a traceback, and
needs a JSON ``Content-Type``. This one accepts any content type, validates
``params`` against the route's declared spec (``json_params=`` in the
``@http.route``), chooses the database from the ``db`` parameter, and turns
every failure into one JSON-RPC error object through :mod:`..errors`.

Transactions stay Odoo's: on the request's own database Odoo has already
opened the cursor and wraps the call in ``service.model.retrying`` (retry on
serialization failures, commit on success, rollback on any exception). For
another database (``db`` parameter on a multi-database server) the dispatcher
opens that database's cursor and applies the same ``retrying``.
"""
import contextlib
import functools
import json
import re
import threading

from odoo import api, http
from odoo.modules.registry import Registry
from odoo.service import model as service_model

from .. import errors, orm_call, params as params_spec

_BEARER_RE = re.compile(r"^\s*bearer\s+(\S+)\s*$", re.IGNORECASE)
_NO_RESULT = object()


class JsonCallDispatcher(http.Dispatcher):
    routing_type = "json_call"

    def __init__(self, request):
        super().__init__(request)
        self.request_id = None

    @classmethod
    def is_compatible_with(cls, request):
        # Any content type: a client that forgets the header gets its call
        # served (or a clear JSON error), not an HTML 400.
        return True

    # ----------------------------------------------------------- parsing
    def _read_request(self):
        httprequest = self.request.httprequest
        if httprequest.method != "POST":
            raise errors.InvalidRequest("Send the JSON-RPC request with HTTP POST.")
        try:
            payload = json.loads(httprequest.get_data())
        except (ValueError, UnicodeDecodeError):
            raise errors.ParseError("The request body is not valid JSON.") from None
        if not isinstance(payload, dict):
            raise errors.InvalidRequest("The request body must be a JSON-RPC request object.")
        request_id = payload.get("id")
        if isinstance(request_id, (str, int, float)) and not isinstance(request_id, bool):
            self.request_id = request_id
        elif request_id is not None:
            raise errors.InvalidRequest("'id' must be a string, a number or null.")
        if payload.get("jsonrpc", "2.0") != "2.0":
            raise errors.InvalidRequest("Only JSON-RPC 2.0 is served: 'jsonrpc' must be \"2.0\".")
        return payload.get("params", {})

    def _bearer_token(self):
        header = self.request.httprequest.headers.get("Authorization")
        if not header:
            return None
        match = _BEARER_RE.match(header)
        if not match:
            raise errors.InvalidRequest("The Authorization header must be 'Bearer <token>'.")
        return match.group(1)

    def _params_for(self, endpoint):
        spec = endpoint.routing["json_params"]
        values = params_spec.validate(spec, self._read_request())
        if "token" in spec:
            bearer = self._bearer_token()
            if bearer:
                if values.get("token") not in (None, bearer):
                    raise errors.InvalidRequest("Give the token once: in the Authorization header or in 'token'.")
                values["token"] = bearer
        return values

    # ---------------------------------------------------------- dispatching
    def dispatch(self, endpoint, args):
        try:
            self.request.params = self._params_for(endpoint)
            return self._in_database(functools.partial(self._serve, endpoint), self.request.params.get("db"))
        except Exception as exc:
            errors.classify(exc)  # before Odoo logs it: a client mistake is no server error
            raise

    def _serve(self, endpoint):
        result = self.request.registry["ir.http"]._dispatch(endpoint)
        # encode inside the transaction: lazy values may still need the cursor
        return self._response(result=result)

    def _in_database(self, serve, dbname):
        """Run ``serve()`` in a transaction on ``dbname`` (default: the
        database Odoo chose for this request)."""
        request = self.request
        if request.db and dbname in (None, request.db):
            return serve()  # Odoo's _transactioning already wraps us
        if not dbname:
            raise errors.DatabaseNotFound(
                "No database selected: this server serves several databases, pass the 'db' parameter.")
        host = request.httprequest.environ.get("HTTP_HOST")
        if dbname not in http.db_list(force=True, host=host):
            raise errors.DatabaseNotFound(f"The database '{dbname}' is not served here.")
        try:
            registry = Registry(dbname).check_signaling()
        except Exception:
            raise errors.DatabaseNotFound(f"The database '{dbname}' cannot be opened.") from None
        if "api.token" not in registry:
            raise errors.DatabaseNotFound(f"The JSON-RPC token API is not installed on database '{dbname}'.")
        saved = request.registry, request.env
        threading.current_thread().dbname = dbname
        try:
            with contextlib.closing(registry.cursor()) as cr:
                request.registry = registry
                request.env = api.Environment(cr, None, {})
                return service_model.retrying(serve, request.env)
        finally:
            request.registry, request.env = saved

    # ------------------------------------------------------------ encoding
    def handle_error(self, exc):
        return self._response(error=errors.to_error_object(exc))

    def _response(self, result=_NO_RESULT, error=None):
        body = {"jsonrpc": "2.0", "id": self.request_id}
        if error is not None:
            body["error"] = error
        else:
            body["result"] = None if result is _NO_RESULT else result
        data = json.dumps(body, ensure_ascii=False, default=orm_call.json_default)
        return self.request.make_response(data, headers=[("Content-Type", "application/json; charset=utf-8")])

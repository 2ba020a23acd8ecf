"""REST as the odoo-rest-api module serves it (``/api/{model}/...`` and
``/object/{model}/...``), with a Bearer token instead of its session id and
real HTTP statuses.

Why a dispatcher of its own (``type='json_rest'``): Odoo's ``http`` and
``json`` types answer a failure with an HTML page or a JSON-RPC object under
HTTP 200, and refuse a method a route does not list with werkzeug's HTML
405 before any of our code runs. Here the routes take every HTTP method and
every sub-path, so that whatever reaches ``/api`` or ``/object`` is answered
in JSON, with the status of the one error table (:mod:`..core.errors`). The
dispatcher only parses (query string and JSON body) and encodes; the rest
is :class:`.token_dispatcher.TokenDispatcher`'s. The operations run through
:mod:`..core.orm_call` as the token's user, public ORM methods only, so scope,
argument and domain checks are those of ``/json-call``.
"""

import contextlib
import math
import re

import werkzeug.exceptions
from odoo import http
from odoo.exceptions import MissingError
from odoo.http import request
from odoo.models import BaseModel, regex_order
from werkzeug.routing import RequestRedirect

from ..core import errors, field_selection, keyset, orm_call, rest_params, strict_json
from ..core.jsonrpc import answer, check_version, valid_id
from ..http_layer import token_call
from ..http_layer.dispatcher import TokenDispatcher, route_options

#: what an envelope may hold besides ``params`` (JSON-RPC's members)
ENVELOPE_KEYS = frozenset(("jsonrpc", "method", "id", "params"))
_ID_RE = re.compile(r"^[0-9]{1,30}$")  # more digits: no number, an unknown path
MAX_ID = rest_params.MAX_ID  # no record has a larger id
COLLECTION_METHODS = "GET, POST, PUT, DELETE"
RECORD_METHODS = "GET, PUT, DELETE"
X2MANY_OPERATIONS = {"push": 4, "pop": 3, "delete": 2}  # Odoo's link, unlink, delete commands


class RestDispatcher(TokenDispatcher, http.Dispatcher):
    routing_type = "json_rest"
    cors_methods = COLLECTION_METHODS
    challenge = 'Bearer realm="odoo"'

    def __init__(self, request):
        super().__init__(request)
        self.request_id = None

    def dispatch_call(self, endpoint, args):
        """``request.params`` = the route's path arguments and ``params``:
        the query string's parameters (text) and the body's (JSON: the
        ``params`` of ``{"params": {...}}``, of a JSON-RPC envelope, or the
        body itself)."""
        params = self.request.httprequest.args.to_dict()
        body = self.read_body()
        if body.strip():
            for name, value in self._body_params(self.read_json(body)).items():
                if name in params:
                    raise errors.InvalidParams(f"'{name}' is given both in the URL and in the body.")
                params[name] = value
        dbname = self.requested_database(params.pop("db", None))
        # the token as the route's argument, as JSON-2 gives it (a missing one
        # is refused by the token step, after the path and method are checked)
        self.request.params = {**args, "params": params, "secret": self.bearer_token()}
        # a GET only reads: on a read-only cursor (the replica's, if any)
        readonly = self.request.httprequest.method == "GET"
        return self.serve(endpoint, dbname, self.json_response, readonly=readonly)

    def _body_params(self, payload):
        if not isinstance(payload, dict):
            raise errors.InvalidRequest('The body must be a JSON object: {"params": {...}}.')
        if "params" not in payload:
            return payload
        if set(payload) - ENVELOPE_KEYS:
            others = ", ".join(sorted(ENVELOPE_KEYS - {"params"}))
            raise errors.InvalidRequest(f"Beside 'params', the body may only hold {others}.")
        check_version(payload)
        if valid_id(payload.get("id")):
            self.request_id = payload.get("id")
        if not isinstance(payload["params"], dict):
            raise errors.InvalidParams("'params' must be a JSON object.")
        return payload["params"]

    def error_response(self, exc):
        if isinstance(exc, (werkzeug.exceptions.NotFound, RequestRedirect)):
            exc = unknown_path()  # no route matched (see database_free.claim), or werkzeug's redirect for '//'
        status, headers = self.error_status(exc)
        return self.json_response(
            answer(self.request_id, error=errors.to_error_object(exc)), status=status, headers=headers
        )


def rpc_answer(result):
    """odoo-rest-api answers POST, PUT and /object in JSON-RPC's shape."""
    return answer(request.dispatcher.request_id, result)


def not_allowed(allowed):
    return errors.MethodNotAllowed(f"{request.httprequest.method} is not served here; allowed: {allowed}.", allowed)


def unknown_path():
    return errors.MethodNotFound(
        f"No REST resource at {request.httprequest.path[:200]}: use /api/<model>/, /api/<model>/<id>/, "
        "/object/<model>/<function> or /object/<model>/<id>/<function>."
    )


def split_path(subpath, shapes):
    """``subpath`` ("res.partner/7/") -> its parts, the id as an int, if it
    has one of ``shapes`` (tuples of "name" or "id"); else a JSON 404."""
    parts = subpath[:-1].split("/") if subpath.endswith("/") else subpath.split("/")
    for shape in shapes:
        if len(parts) != len(shape) or not all(parts):
            continue
        if all(kind != "id" or _ID_RE.match(part) for kind, part in zip(shape, parts)):
            return [int(part) if kind == "id" else part for kind, part in zip(shape, parts)]
    raise unknown_path()


# ------------------------------------------------------------------ params
def json_param(params, name, json_type, default=None):
    """A parameter that is JSON: decoded if it came as text (the query
    string), then checked to be a ``json_type``."""
    value = params.get(name, default)
    if isinstance(value, str) and json_type is not str:
        try:
            value = strict_loads(value)
        except ValueError:
            raise errors.InvalidParams(f"'{name}' must be JSON, e.g. {EXAMPLES[name]}.") from None
    if value is not None and not isinstance(value, json_type):
        raise errors.InvalidParams(f"'{name}' must be a JSON {json_type.__name__}, e.g. {EXAMPLES[name]}.")
    return value


def strict_loads(text):
    """A parameter's text as JSON; ValueError if it is none."""
    try:
        return strict_json.loads(text)
    except (errors.ParseError, RecursionError) as exc:
        raise ValueError(str(exc)) from None


EXAMPLES = {
    "filter": '[["id", ">", 60]]',
    "exclude": '["id"]',
    "data": '{"name": "New"}',
    "context": '{"lang": "en_US"}',
    "args": "[]",
    "kwargs": "{}",
    "query": '{id, name, company_id{name}}',
}


def positive_int(params, name):
    value = params.get(name)
    if isinstance(value, str) and _ID_RE.match(value.strip()):
        value = int(value)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_ID:
        raise errors.InvalidParams(f"'{name}' must be a whole number from 1 to {MAX_ID}.")
    return value


def order_param(params):
    """``order``: odoo-rest-api decodes it as JSON (``"name asc"``, quotes
    included); a plain ``name asc`` is taken as is.

    Its shape is checked here with Odoo's own pattern: Odoo refuses a
    malformed order as a ``UserError`` (422, "Odoo refused the values"), where
    it is bad input of the request (400, as for an unknown field, which Odoo
    refuses as a ``ValueError``)."""
    value = params.get("order")
    if isinstance(value, str):
        with contextlib.suppress(ValueError):  # no JSON: Odoo's own "name desc, id" form
            value = strict_loads(value)
    if isinstance(value, str) and not value.strip():
        return None  # the model's own order
    if value is not None and not (isinstance(value, str) and regex_order.match(value)):
        raise errors.InvalidParams(
            "'order' must be a comma-separated list of field names, each optionally "
            "followed by asc or desc, e.g. \"name asc, id desc\"."
        )
    return value


def query_param(params):
    """``query``: the compact selection (``{id, name}``) or the older JSON
    form (``[["id", "name"]]``), as text or as JSON in a body."""
    query = params.get("query")
    if isinstance(query, str) and not query.lstrip().startswith("{"):
        query = json_param(params, "query", list)
    if query is not None and not isinstance(query, (str, list)):
        raise errors.InvalidParams(f"'query' must be a field selection, e.g. {EXAMPLES['query']}.")
    return query


def filter_param(params, required=False):
    domain = json_param(params, "filter", list)
    if domain is None and required:
        raise errors.InvalidParams(
            f"'filter' is required here (a domain, e.g. {EXAMPLES['filter']}): "
            "it chooses the records; [] chooses all of them."
        )
    return domain


def shape(values, spec):
    """``web_read`` rows -> the fields asked only: it adds ``id`` to every
    record, odoo-rest-api answers what the query names."""
    return shaper(spec)(values)


def shaper(spec):
    """The function that shapes what ``web_read`` answers for ``spec`` (a
    row, a list of rows, an id or False), made once per answer: the
    specification is walked once, not once per row and relation (about a
    fifth less time for a 2 000-row page's rows)."""
    names = list(spec)
    nested = {name: shaper(options["fields"]) for name, options in spec.items() if options.get("fields") is not None}

    def shape_value(value):
        if isinstance(value, list):
            return [shape_value(item) for item in value]
        if not isinstance(value, dict):
            return value  # an id, or False
        return {name: nested[name](value.get(name)) if name in nested else value.get(name) for name in names}

    return shape_value


def x2many_value(name, value):
    """odoo-rest-api's writes on one2many/many2many fields as Odoo commands:
    ``{"push": ids, "pop": ids, "delete": ids}`` (link, unlink, delete), or
    a list of ids that replaces the field's records. Odoo's own commands (a
    list of lists) pass as they are."""

    def ids_of(key, ids):
        if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise errors.InvalidParams(f"'{name}.{key}' must be a list of record ids.")
        return ids

    if isinstance(value, dict):
        unknown = sorted(set(value) - set(X2MANY_OPERATIONS))
        if unknown:
            raise errors.InvalidParams(
                f"Unknown operation(s) {', '.join(map(repr, unknown))} on '{name}': use {', '.join(X2MANY_OPERATIONS)}."
            )
        return [(X2MANY_OPERATIONS[key], record_id, 0) for key, ids in value.items() for record_id in ids_of(key, ids)]
    if isinstance(value, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in value):
        return [(6, 0, value)]
    return value


def values_param(model, params):
    data = json_param(params, "data", dict)
    if data is None:
        raise errors.InvalidParams(f"'data' is required: the field values, e.g. {EXAMPLES['data']}.")
    values = {}
    for name, value in data.items():
        field = model._fields.get(name)
        values[name] = (
            x2many_value(name, value) if field is not None and field.type in ("one2many", "many2many") else value
        )
    return values


# -------------------------------------------------------------- the calls
class TokenCalls:
    """The calls of one request, as the token's user: authenticated once
    (the token step checks the scope for the request's main method), each
    further method checked against the token's scope before it runs."""

    def __init__(self, secret, model_name, method, params):
        context = json_param(params, "context", dict) or {}
        self.model_name = model_name
        self.facts = token_call.become_token_user(secret, model_name, method, context)
        self.checked = {method}
        model = request.env.get(model_name)
        if model is None:
            raise errors.MethodNotFound(f"The model '{model_name}' does not exist.")
        self.model = model

    def run(self, method, args, kwargs=None, stream=False):
        if method not in self.checked:
            self.facts.check_scope(self.model_name, method)
            self.checked.add(method)
        return orm_call.execute(
            request.env, self.model_name, method, args, kwargs or {}, allowed_models=self.facts.models, stream=stream
        )

    def ids(self, method, args):
        result = self.run(method, args)
        return result.ids if isinstance(result, BaseModel) else result

    def existing(self, record_id):
        """``[record_id]``, or a 404 if there is no such record."""
        if record_id > MAX_ID or not self.ids("exists", [[record_id]]):
            raise MissingError(
                request.env._("The record %(model)s(%(id)s) does not exist.", model=self.model_name, id=record_id)
            )
        return [record_id]

    def target(self, record_id, params):
        """The records a PUT or DELETE acts on: the one of the URL, or those
        its ``filter`` (required: never all records by accident) finds."""
        if record_id is not None:
            return self.existing(record_id)
        return self.ids("search", [filter_param(params, required=True)])


# ------------------------------------------------------------- operations
def read_many(secret, model_name, params):
    rest_params.check(params, "rest_search")
    calls = TokenCalls(secret, model_name, "web_search_read", params)
    exclude = json_param(params, "exclude", list) or []
    spec = field_selection.query_specification(calls.model, query_param(params), exclude)
    domain = filter_param(params) or []
    order = order_param(params)
    page_size, limit = positive_int(params, "page_size"), positive_int(params, "limit")
    if request.dispatcher.stream_asked():
        return _stream_many(calls, domain, spec, order, page_size, positive_int(params, "page"), limit)
    if "after" in params:
        return _read_after(calls, params, domain, spec, order, page_size, limit)
    page, total_pages, offset = positive_int(params, "page") or 1, 1, 0
    if page_size:
        offset = page_size * (page - 1)
        limit = min(limit or page_size, page_size)
    else:
        page = 1  # as odoo-rest-api: a page without a page size is the only page
    answer = calls.run("web_search_read", [domain, spec], {"offset": offset, "limit": limit, "order": order})
    if page_size:
        total_pages = math.ceil(_total(calls, domain, answer, offset) / page_size)
    rows = shape(answer["records"], spec)
    return {
        "count": len(rows),
        "prev": page - 1 if 1 <= page - 1 <= total_pages else None,
        "current": page,
        "next": page + 1 if page + 1 <= total_pages else None,
        "total_pages": total_pages,
        "result": rows,
    }


def _total(calls, domain, answer, offset):
    """The records of ``domain``, for the page count: ``web_search_read``'s
    ``length`` (it counts them when the page is full; a page that is not
    ends the set: its offset and rows are the total), counted again only
    for a page past the end, where it answers 0. One count per page, not
    two."""
    if answer["records"] or not offset:
        return answer["length"]
    return calls.run("search_count", [domain])


def _stream_many(calls, domain, spec, order, page_size, page, limit):
    """The records as NDJSON (``Accept: application/x-ndjson``), one shaped
    record per line: the page if one is asked, else all of them."""
    offset = 0
    if page_size:
        offset = page_size * ((page or 1) - 1)
        limit = min(limit or page_size, page_size)
    stream = calls.run(
        "search_read", [domain], {"fields": spec, "offset": offset, "limit": limit, "order": order}, stream=True
    )
    stream.transform = shaper(spec)
    return stream


def _read_after(calls, params, domain, spec, order, page_size, limit):
    """A page of a cursor paging (``after``): odoo-rest-api's answer with
    ``next_cursor`` beside it. The REST cursor carries the ORM's cursor, the
    page number and the total counted on the first page: the count runs
    once per query, not once per page."""
    after = params.get("after")
    if after is not None and not isinstance(after, str):
        raise errors.InvalidParams("'after' must be the 'next_cursor' of the previous answer, or empty.")
    if params.get("page") not in (None, "", 1, "1"):
        raise errors.InvalidParams("Give 'page' or 'after', not both: the cursor knows its page.")
    size = min(limit or page_size, page_size) if page_size else limit
    env = calls.model.env
    if after:
        state = keyset.unseal(env, "rest", after)
        if not (
            isinstance(state.get("c"), str)
            and isinstance(state.get("p"), int)
            and isinstance(state.get("t"), (int, type(None)))
        ):
            raise errors.InvalidParams("'after' is not a cursor this server gave.")
        cursor, page, total = state["c"], state["p"], state["t"]
    else:
        cursor, page = None, 1
        total = calls.run("search_count", [domain]) if page_size else None
    answer = calls.run("search_read", [domain], {"fields": spec, "after": cursor, "limit": size, "order": order})
    total_pages = math.ceil(total / page_size) if page_size and total is not None else 1
    rows = shape(answer["records"], spec)
    next_cursor = keyset.seal(env, "rest", {"c": answer["next"], "p": page + 1, "t": total}) if answer["next"] else None
    return {
        "count": len(rows),
        "prev": page - 1 if page > 1 else None,
        "current": page,
        "next": page + 1 if next_cursor else None,
        "total_pages": max(total_pages, page if next_cursor is None else page + 1),
        "result": rows,
        "next_cursor": next_cursor,
    }


def read_one(secret, model_name, record_id, params):
    rest_params.check(params, "rest_read")
    calls = TokenCalls(secret, model_name, "web_read", params)
    spec = field_selection.query_specification(
        calls.model, query_param(params), json_param(params, "exclude", list) or []
    )
    return shape(calls.run("web_read", [calls.existing(record_id), spec])[0], spec)


def create(secret, model_name, params):
    rest_params.check(params, "rest_create")
    calls = TokenCalls(secret, model_name, "create", params)
    return rpc_answer(calls.run("create", [values_param(calls.model, params)]))


def update(secret, model_name, record_id, params):
    rest_params.check(params, "rest_write" if record_id is not None else "rest_write_filtered")
    calls = TokenCalls(secret, model_name, "write", params)
    values = values_param(calls.model, params)
    ids = calls.target(record_id, params)
    return rpc_answer(calls.run("write", [ids, values]) if ids else True)


def delete(secret, model_name, record_id, params):
    rest_params.check(params, "rest_delete" if record_id is not None else "rest_delete_filtered")
    calls = TokenCalls(secret, model_name, "unlink", params)
    ids = calls.target(record_id, params)
    return {"result": calls.run("unlink", [ids]) if ids else True}


def call_function(secret, model_name, record_id, function, params):
    rest_params.check(params, "rest_call_record" if record_id is not None else "rest_call_model")
    calls = TokenCalls(secret, model_name, function, params)
    args = json_param(params, "args", list) or []
    kwargs = json_param(params, "kwargs", dict) or {}
    if record_id is not None:
        args = [calls.existing(record_id), *args]
    return rpc_answer(calls.run(function, args, kwargs))


ROUTE_OPTIONS = route_options("json_rest")


class RestController(http.Controller):
    """Every method and every sub-path: what does not fit is a JSON 404 or
    405, never Odoo's HTML page."""

    @http.route(["/api", "/api/<path:subpath>"], **ROUTE_OPTIONS)
    def rest_api(self, subpath="", params=None, secret=None):
        model_name, record_id = (split_path(subpath, [("name",), ("name", "id")]) + [None])[:2]
        method = request.httprequest.method
        if record_id is None:
            operations = {
                "GET": lambda: read_many(secret, model_name, params),
                "POST": lambda: create(secret, model_name, params),
                "PUT": lambda: update(secret, model_name, None, params),
                "DELETE": lambda: delete(secret, model_name, None, params),
            }
            allowed = COLLECTION_METHODS
        else:
            operations = {
                "GET": lambda: read_one(secret, model_name, record_id, params),
                "PUT": lambda: update(secret, model_name, record_id, params),
                "DELETE": lambda: delete(secret, model_name, record_id, params),
            }
            allowed = RECORD_METHODS
        if method not in operations:
            raise not_allowed(allowed)
        return operations[method]()

    @http.route(["/object", "/object/<path:subpath>"], **ROUTE_OPTIONS)
    def rest_object(self, subpath="", params=None, secret=None):
        parts = split_path(subpath, [("name", "name"), ("name", "id", "name")])
        if request.httprequest.method != "POST":
            raise not_allowed("POST")
        model_name, record_id, function = parts if len(parts) == 3 else (parts[0], None, parts[1])
        return call_function(secret, model_name, record_id, function, params)

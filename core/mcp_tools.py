"""The Model Context Protocol (MCP) on a token: the methods an assistant
calls on ``POST /mcp`` (``controllers/mcp.py`` parses, authenticates and
encodes), served as the token's user, never sudo.

* ``initialize`` negotiates the revision: the client's if it is one of
  :data:`PROTOCOL_VERSIONS`, else the newest (what the official Python SDK
  ``mcp`` 2.3 offers in its handshake); ``ping``;
* ``tools/list`` and ``tools/call``: :data:`TOOLS`, each a call of
  :func:`.orm_call.execute` (the path of every dialect: public methods only,
  arguments checked, the scope's domain checks), whose failure is a result
  with ``isError`` and a message a model can act on (a misspelt field or
  model is answered with the nearest names);
* ``resources/list``, ``resources/templates/list``, ``resources/read``:
  each model's description (``odoo://model/res.partner``) and its records
  (``odoo://res.partner/{id}``).

A token's scope hides the other models everywhere (``list_models``, the
resources, a misspelt name's suggestions); a read-only token is offered no
writing tool; ``call_method`` only to a token without any scope, and to an
OAuth app's token only if its user approved it (``call_methods``; called all
the same, it is a tool error that says how to get it). Answers are
sized for a model's context: binary fields only when named, relations as
``[id, name]``, at most :data:`MAX_LIMIT` rows and about
:data:`MAX_CHARS` characters, with a note and the next offset when cut.

``facts``: the token's checked facts (``models``: its model scope or None,
``read_only``, ``call_methods``, ``check_scope(model, method)``).
"""

import difflib
import json
import re

import psycopg2
from odoo import release
from odoo.service import model as service_model

from . import encoding, errors, model_reference, orm_call, usage
from .errors import InvalidParams, InvalidRequest, MethodNotFound

#: the revisions served, newest first: the newest is what the Python SDK
#: ``mcp`` 2.3 offers in ``initialize`` (its newer ``server/discover`` era is
#: answered "method not found", and the SDK falls back to the handshake)
PROTOCOL_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26")
LATEST_VERSION = PROTOCOL_VERSIONS[0]
#: what a request without ``MCP-Protocol-Version`` speaks (the spec's default)
DEFAULT_VERSION = "2025-03-26"
#: before it, tools had no ``outputSchema`` nor ``structuredContent``
STRUCTURED_SINCE = "2025-06-18"
SERVER_NAME = "odoo-json-rpc-token"
DEFAULT_LIMIT, MAX_LIMIT = 20, 200
#: about the characters of a tool's records (JSON) before they are cut
MAX_CHARS = 40_000
#: the methods that read, for a read-only cursor
READ_METHODS = frozenset(
    ("initialize", "ping", "tools/list", "resources/list", "resources/templates/list", "resources/read")
)
_RECORD_URI = re.compile(r"^odoo://([a-z0-9_.]+)/(\d+)$")
_MODEL_URI = re.compile(r"^odoo://model/([a-z0-9_.]+)$")


class ToolError(Exception):
    """A tool's failure, answered as a result with ``isError``."""


# ------------------------------------------------------------------ schemas
_MODEL = {"type": "string", "description": "Technical model name, e.g. res.partner (see list_models)."}
_IDS = {"type": "array", "items": {"type": "integer"}, "description": "Record ids."}
_DOMAIN = {
    "type": "array",
    "description": (
        "Odoo domain: a list of [field, operator, value] conditions (and '&', '|', '!'), "
        "e.g. [[\"is_company\", \"=\", true], [\"name\", \"ilike\", \"acme\"]]; [] for every record."
    ),
}
_FIELDS = {
    "description": (
        "Fields to return: a list of names (relations come as [id, name]), or the nested field language as a "
        "string, e.g. \"{name, email, country_id{code}}\" ('*' for all, '-:binary' to leave out binaries). "
        "Default: the stored fields except binaries."
    ),
    "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}, {"type": "object"}],
}
_VALUES = {"type": "object", "description": "Field values, e.g. {\"name\": \"Acme\", \"email\": \"a@acme.test\"}."}
_RECORDS_OUT = {
    "type": "object",
    "properties": {
        "model": {"type": "string"},
        "records": {"type": "array", "items": {"type": "object"}},
        "count": {"type": "integer", "description": "All records matching the domain (when asked)."},
        "next_offset": {"type": ["integer", "null"], "description": "The offset of the next page; null: no more."},
        "note": {"type": "string"},
    },
    "required": ["model", "records"],
}
_READ = {"readOnlyHint": True, "destructiveHint": False, "idempotentHint": True, "openWorldHint": False}


def _tool(name, title, description, properties, required, output, annotations, handler, method, writes=False):
    return {
        "name": name,
        "title": title,
        "description": description,
        "inputSchema": {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        },
        "outputSchema": output,
        "annotations": {"title": title, **annotations},
        "_handler": handler,
        "_method": method,
        "_writes": writes,
    }


# ------------------------------------------------------------- suggestions
def _did_you_mean(name, candidates):
    close = difflib.get_close_matches(str(name), list(candidates), n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else "."


def _available_names(env, facts):
    return [name for name, _description in model_reference.readable_models(env, facts.models)]


def _model(env, facts, name, method):
    """The model ``name`` if the token may use it for ``method``: one answer
    whether it does not exist or lies outside the token's scope."""
    if not isinstance(name, str) or not name:
        raise ToolError("'model' must be a technical model name such as 'res.partner' (see list_models).")
    model = env.get(name)
    if model is None or model._abstract or facts.models is not None and name not in facts.models:
        raise ToolError(
            f"model '{name}' does not exist or is not available to this token"
            f"{_did_you_mean(name, _available_names(env, facts))} (list_models lists them)"
        )
    facts.check_scope(name, method)
    return model


def _check_field(model, name, what="field"):
    if name not in model._fields:
        raise ToolError(f"{what} '{name}' does not exist on {model._name}{_did_you_mean(name, model._fields)}")


def _check_domain(model, domain):
    if not isinstance(domain, list):
        raise ToolError(
            "'domain' must be a list of [field, operator, value] conditions, e.g. [[\"name\", \"ilike\", \"acme\"]]."
        )
    for leaf in domain:
        if isinstance(leaf, (list, tuple)) and len(leaf) == 3 and isinstance(leaf[0], str):
            _check_field(model, leaf[0].split(".")[0])
        elif leaf not in ("&", "|", "!"):
            raise ToolError(
                f"bad domain condition {json.dumps(leaf)[:80]}: write [field, operator, value], or '&', '|', '!'."
            )


def _check_order(model, order):
    if order is None:
        return None
    if not isinstance(order, str):
        raise ToolError("'order' must be a string such as \"name asc, id desc\".")
    for part in order.split(","):
        words = part.split()
        if words:
            _check_field(model, words[0])
    return order


def _fields(model, fields):
    """What search_read/read take: names checked, or the nested language."""
    if fields is None:
        return [
            name
            for name, field in model._fields.items()
            if (field.store and field.type != "binary" or name == "display_name") and _readable_field(model, field)
        ]
    if isinstance(fields, list):
        for name in fields:
            if not isinstance(name, str):
                raise ToolError("'fields' must be a list of field names, or the nested field language as a string.")
            _check_field(model, name)
        return fields
    if isinstance(fields, (str, dict)):
        return fields
    raise ToolError("'fields' must be a list of field names, or the nested field language as a string.")


def _readable_field(model, field):
    return not field.groups or model.env.su or model.env.user.has_groups(field.groups)


def _ids(ids):
    if isinstance(ids, int) and not isinstance(ids, bool):
        ids = [ids]
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise ToolError("'ids' must be a non-empty list of record ids (integers), e.g. [7, 12].")
    return ids


def _size(value):
    return len(encoding.dumps(value).decode())


def _cut(records, limit=MAX_LIMIT):
    """``(records kept, note or None)``: at most ``limit`` rows and about
    :data:`MAX_CHARS` characters."""
    kept, size, note = [], 0, None
    for record in records[:limit]:
        size += _size(record)
        if size > MAX_CHARS:
            note = (
                f"answer cut at {len(kept)} of {len(records)} records to stay under {MAX_CHARS} characters: "
                f"ask for fewer fields, or page with offset/limit."
            )
            break
        kept.append(record)
    if note is None and len(records) > limit:
        note = f"answer cut at {limit} records (the most a call returns); page with offset."
    return kept, note


def _rows_answer(model, key, rows):
    """``{"model": ..., key: rows kept, "note": why cut}``: rows as JSON data,
    cut by :func:`_cut` (the note only when something was left out)."""
    kept, note = _cut(_plain(rows))
    answer = {"model": model._name, key: kept}
    if note:
        answer["note"] = note
    return answer


def _plain(value):
    """JSON-able data (dates as strings, records as ids)."""
    return json.loads(encoding.dumps(value, compact=True))


# -------------------------------------------------------------------- tools
def list_models(env, facts, arguments):
    models = [
        {"model": name, "name": description} for name, description in model_reference.readable_models(env, facts.models)
    ]
    return {"models": models}, f"{len(models)} models available."


def describe_model(env, facts, arguments):
    model = _model(env, facts, arguments.get("model"), None)
    return _description(env, model), None


#: the selection values a description lists of one field (time zones: 600)
MAX_SELECTION = 25


def _description(env, model):
    fields = model.fields_get(attributes=["type", "string", "required", "readonly", "relation", "selection"])
    for field in fields.values():
        selection = field.get("selection")
        if isinstance(selection, list) and len(selection) > MAX_SELECTION:
            field["selection"] = selection[:MAX_SELECTION]
            field["note"] = f"{len(selection) - MAX_SELECTION} more values not listed"
    methods = model_reference.public_methods(model)
    return _plain(
        {
            "model": model._name,
            "name": env["ir.model"].sudo()._get(model._name).name,
            "fields": dict(sorted(fields.items())),
            "methods": methods,
        }
    )


def search_records(env, facts, arguments):
    model = _model(env, facts, arguments.get("model"), "search_read")
    domain = arguments.get("domain") or []
    _check_domain(model, domain)
    limit = DEFAULT_LIMIT if arguments.get("limit") is None else arguments["limit"]
    offset = arguments.get("offset") or 0
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise ToolError(f"'limit' must be an integer from 1 to {MAX_LIMIT}.")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise ToolError("'offset' must be a non-negative integer.")
    kwargs = {
        "domain": domain,
        "fields": _fields(model, arguments.get("fields")),
        "offset": offset,
        "limit": limit + 1,
        "order": _check_order(model, arguments.get("order")),
    }
    records = orm_call.execute(env, model._name, "search_read", [], kwargs, allowed_models=facts.models)
    more = len(records) > limit
    kept, note = _cut(_plain(records[:limit]), limit)
    answer = {
        "model": model._name,
        "records": kept,
        "next_offset": offset + len(kept) if more or len(kept) < min(len(records), limit) else None,
    }
    if arguments.get("count"):
        answer["count"] = orm_call.execute(env, model._name, "search_count", [domain], {}, allowed_models=facts.models)
    if note:
        answer["note"] = note
    summary = (
        f"{len(kept)} {model._name} records"
        + (f" of {answer['count']}" if "count" in answer else "")
        + (f"; next page: offset {answer['next_offset']}" if answer["next_offset"] is not None else "")
    )
    return answer, summary


def read_records(env, facts, arguments):
    model = _model(env, facts, arguments.get("model"), "read")
    ids = _ids(arguments.get("ids"))
    if len(ids) > MAX_LIMIT:
        raise ToolError(f"read at most {MAX_LIMIT} records at a time.")
    missing = set(ids) - set(model.browse(ids).exists().ids)
    if missing:
        raise ToolError(
            f"no {model._name} record with id {', '.join(map(str, sorted(missing)))} "
            f"(deleted, or never existed): search_records finds ids."
        )
    records = orm_call.execute(
        env, model._name, "read", [ids, _fields(model, arguments.get("fields"))], {}, allowed_models=facts.models
    )
    answer = _rows_answer(model, "records", records)
    return answer, f"{len(answer['records'])} {model._name} records"


def aggregate_records(env, facts, arguments):
    model = _model(env, facts, arguments.get("model"), "read_group")
    domain = arguments.get("domain") or []
    _check_domain(model, domain)
    groupby = arguments.get("groupby") or []
    aggregates = arguments.get("aggregates") or []
    if not isinstance(groupby, list) or not all(isinstance(g, str) for g in groupby):
        raise ToolError("'groupby' must be a list of field names, e.g. [\"country_id\"] or [\"date:month\"].")
    if not isinstance(aggregates, list) or not all(isinstance(a, str) for a in aggregates):
        raise ToolError("'aggregates' must be a list such as [\"amount_total:sum\"].")
    for name in groupby:
        _check_field(model, name.split(":")[0])
    for spec in aggregates:
        if "(" not in spec:
            _check_field(model, spec.split(":")[0])
    limit = arguments.get("limit") or MAX_LIMIT
    groups = orm_call.execute(
        env,
        model._name,
        "read_group",
        [],
        {
            "domain": domain,
            "fields": aggregates,
            "groupby": groupby,
            "limit": min(limit, MAX_LIMIT),
            "orderby": _check_order(model, arguments.get("order")) or False,
            "lazy": False,
        },
        allowed_models=facts.models,
    )
    groups = [
        {key: value for key, value in group.items() if not key.startswith("__") or key == "__count"} for group in groups
    ]
    answer = _rows_answer(model, "groups", groups)
    return answer, f"{len(answer['groups'])} groups of {model._name}"


def create_records(env, facts, arguments):
    model = _model(env, facts, arguments.get("model"), "create")
    values = arguments.get("values")
    values_list = [values] if isinstance(values, dict) else values
    if not isinstance(values_list, list) or not values_list or not all(isinstance(v, dict) for v in values_list):
        raise ToolError("'values' must be an object of field values, or a list of them.")
    for vals in values_list:
        for name in vals:
            _check_field(model, name)
    ids = orm_call.execute(env, model._name, "create", [values_list], {}, allowed_models=facts.models)
    env.cr.flush()  # a constraint fails here, as this tool's error
    return {"model": model._name, "ids": ids}, f"created {model._name} {ids}"


def update_records(env, facts, arguments):
    model = _model(env, facts, arguments.get("model"), "write")
    ids = _ids(arguments.get("ids"))
    values = arguments.get("values")
    if not isinstance(values, dict) or not values:
        raise ToolError("'values' must be a non-empty object of field values.")
    for name in values:
        _check_field(model, name)
    orm_call.execute(env, model._name, "write", [ids, values], {}, allowed_models=facts.models)
    env.cr.flush()
    return {"model": model._name, "ids": ids}, f"updated {model._name} {ids}"


def delete_records(env, facts, arguments):
    model = _model(env, facts, arguments.get("model"), "unlink")
    ids = _ids(arguments.get("ids"))
    orm_call.execute(env, model._name, "unlink", [ids], {}, allowed_models=facts.models)
    env.cr.flush()
    return {"model": model._name, "ids": ids}, f"deleted {model._name} {ids}"


def call_method(env, facts, arguments):
    method = arguments.get("method")
    if not isinstance(method, str) or not method:
        raise ToolError("'method' must be the name of a public method (see describe_model).")
    model = _model(env, facts, arguments.get("model"), method)
    args, kwargs = arguments.get("args") or [], arguments.get("kwargs") or {}
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        raise ToolError("'args' must be a list and 'kwargs' an object.")
    ids = arguments.get("ids")
    if method not in model_reference.public_methods(model):
        raise ToolError(
            f"{model._name} has no public method '{method}'"
            f"{_did_you_mean(method, model_reference.public_methods(model))}"
        )
    result = orm_call.execute(
        env, model._name, method, args, kwargs, allowed_models=facts.models, ids=None if ids is None else _ids(ids)
    )
    env.cr.flush()
    result = _plain(result)
    if _size(result) > MAX_CHARS:
        return {
            "model": model._name,
            "result": None,
            "note": f"the result is larger than {MAX_CHARS} characters and was left out.",
        }, None
    return {"model": model._name, "result": result}, None


_WRITE_HINTS = {"readOnlyHint": False, "openWorldHint": False}
TOOLS = [
    _tool(
        "list_models",
        "List models",
        "The Odoo models this token may use, with their descriptions.",
        {},
        [],
        {
            "type": "object",
            "properties": {"models": {"type": "array", "items": {"type": "object"}}},
            "required": ["models"],
        },
        _READ,
        list_models,
        None,
    ),
    _tool(
        "describe_model",
        "Describe a model",
        "The fields of a model (type, label, required, relation, selection values) and its public methods.",
        {"model": _MODEL},
        ["model"],
        {
            "type": "object",
            "properties": {
                "model": {"type": "string"},
                "name": {"type": "string"},
                "fields": {"type": "object"},
                "methods": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["model", "fields"],
        },
        _READ,
        describe_model,
        None,
    ),
    _tool(
        "search_records",
        "Search records",
        f"Search records of a model: domain, fields, order, limit (default {DEFAULT_LIMIT}, at most "
        f"{MAX_LIMIT}) and offset; next_offset gives the next page; count: true adds the total.",
        {
            "model": _MODEL,
            "domain": _DOMAIN,
            "fields": _FIELDS,
            "order": {"type": "string", "description": "e.g. \"name asc, id desc\""},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            "offset": {"type": "integer", "minimum": 0},
            "count": {"type": "boolean"},
        },
        ["model"],
        _RECORDS_OUT,
        _READ,
        search_records,
        "search_read",
    ),
    _tool(
        "read_records",
        "Read records",
        "Read records of a model by id.",
        {"model": _MODEL, "ids": _IDS, "fields": _FIELDS},
        ["model", "ids"],
        _RECORDS_OUT,
        _READ,
        read_records,
        "read",
    ),
    _tool(
        "aggregate_records",
        "Aggregate records",
        "Group records and aggregate fields (read_group): groupby e.g. [\"country_id\"] or [\"date:month\"], "
        "aggregates e.g. [\"amount_total:sum\"]; each group has __count.",
        {
            "model": _MODEL,
            "domain": _DOMAIN,
            "groupby": {"type": "array", "items": {"type": "string"}},
            "aggregates": {"type": "array", "items": {"type": "string"}},
            "order": {"type": "string"},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        },
        ["model", "groupby"],
        {
            "type": "object",
            "properties": {
                "model": {"type": "string"},
                "groups": {"type": "array", "items": {"type": "object"}},
                "note": {"type": "string"},
            },
            "required": ["model", "groups"],
        },
        _READ,
        aggregate_records,
        "read_group",
    ),
    _tool(
        "create_records",
        "Create records",
        "Create one record (values: an object) or several (a list).",
        {"model": _MODEL, "values": {"anyOf": [_VALUES, {"type": "array", "items": _VALUES}]}},
        ["model", "values"],
        {
            "type": "object",
            "properties": {"model": {"type": "string"}, "ids": {"anyOf": [{"type": "integer"}, _IDS]}},
            "required": ["model", "ids"],
        },
        {**_WRITE_HINTS, "destructiveHint": False, "idempotentHint": False},
        create_records,
        "create",
        True,
    ),
    _tool(
        "update_records",
        "Update records",
        "Write the same values on records given by id.",
        {"model": _MODEL, "ids": _IDS, "values": _VALUES},
        ["model", "ids", "values"],
        {"type": "object", "properties": {"model": {"type": "string"}, "ids": _IDS}, "required": ["model", "ids"]},
        {**_WRITE_HINTS, "destructiveHint": True, "idempotentHint": True},
        update_records,
        "write",
        True,
    ),
    _tool(
        "delete_records",
        "Delete records",
        "Delete records given by id (cannot be undone).",
        {"model": _MODEL, "ids": _IDS},
        ["model", "ids"],
        {"type": "object", "properties": {"model": {"type": "string"}, "ids": _IDS}, "required": ["model", "ids"]},
        {**_WRITE_HINTS, "destructiveHint": True, "idempotentHint": True},
        delete_records,
        "unlink",
        True,
    ),
    _tool(
        "call_method",
        "Call a method",
        "Call a public method of a model (see describe_model), e.g. action_archive on ids. Offered to tokens "
        "without a scope only (an app's: when its user approved calling public methods).",
        {
            "model": _MODEL,
            "method": {"type": "string"},
            "ids": _IDS,
            "args": {"type": "array"},
            "kwargs": {"type": "object"},
        },
        ["model", "method"],
        {
            "type": "object",
            "properties": {"model": {"type": "string"}, "result": {}, "note": {"type": "string"}},
            "required": ["model"],
        },
        {**_WRITE_HINTS, "destructiveHint": True, "idempotentHint": False},
        call_method,
        None,
        True,
    ),
]
_BY_NAME = {tool["name"]: tool for tool in TOOLS}


def offered(facts, name):
    """Whether the token is offered the tool ``name``: no writing tool to a
    read-only token, ``call_method`` only to a token without any scope whose
    grant allows it."""
    tool = _BY_NAME[name]
    if name == "call_method":
        return facts.models is None and not facts.read_only and facts.call_methods
    return not (tool["_writes"] and facts.read_only)


CALL_METHODS_NOT_APPROVED = (
    "call_method is not allowed to this app: its user approved reading and writing records only. "
    "To call public methods, the app asks the scope 'read write call' and its user ticks 'Also allow "
    "calling public methods' on the consent page (having left it unticked, they revoke the app in "
    "Connected Apps first)."
)


def is_read_call(message):
    """Whether ``message`` only reads (it may run on a read-only cursor)."""
    method = message.get("method")
    if method == "tools/call":
        tool = _BY_NAME.get((message.get("params") or {}).get("name"))
        return tool is not None and not tool["_writes"]
    return method in READ_METHODS


def _public(tool, version):
    shown = {key: value for key, value in tool.items() if not key.startswith("_")}
    if version < STRUCTURED_SINCE:
        shown.pop("outputSchema")
        shown.pop("title")
    return shown


# ------------------------------------------------------------------ protocol
def parse_message(payload):
    """The JSON-RPC message's kind: ``"request"``, ``"notification"`` or
    ``"response"`` (a client's answer, which this server never asks for)."""
    if isinstance(payload, list):
        raise InvalidRequest("Send one JSON-RPC message per request: MCP has no batches since 2025-06-18.")
    if not isinstance(payload, dict):
        raise InvalidRequest("An MCP message must be a JSON object.")
    if payload.get("jsonrpc") != "2.0":
        raise InvalidRequest("'jsonrpc' must be \"2.0\".")
    if "method" not in payload:
        if "result" in payload or "error" in payload:
            return "response"
        raise InvalidRequest("A JSON-RPC request needs a 'method'.")
    if not isinstance(payload["method"], str):
        raise InvalidRequest("'method' must be a string.")
    if "params" in payload and not isinstance(payload["params"], dict):
        raise InvalidRequest("'params' must be an object.")
    if "id" not in payload:
        return "notification"
    request_id = payload["id"]
    if not isinstance(request_id, (str, int)) or isinstance(request_id, bool):
        raise InvalidRequest("An MCP request's 'id' must be a string or an integer.")
    return "request"


def header_version(value, method):
    """The revision of a request from its ``MCP-Protocol-Version`` header:
    none is the spec's default; one this server does not speak is refused
    (HTTP 400). ``initialize`` negotiates instead; ``server/discover``, the
    probe of the SDK's next era (its header names that era), is answered
    "method not found", after which the SDK falls back to ``initialize``."""
    if method in ("initialize", "server/discover"):
        return None
    if not value:
        return DEFAULT_VERSION
    if value not in PROTOCOL_VERSIONS:
        raise InvalidRequest(
            f"Unsupported MCP-Protocol-Version '{value[:40]}': this server speaks {', '.join(PROTOCOL_VERSIONS)}."
        )
    return value


def handle(env, facts, message, version):
    """The result of the request ``message`` (raises for a protocol error)."""
    method, params = message["method"], message.get("params") or {}
    if method == "initialize":
        return _initialize(params)
    if method == "ping":
        return {}
    if method == "tools/list":
        return {"tools": [_public(tool, version) for tool in TOOLS if offered(facts, tool["name"])]}
    if method == "tools/call":
        return call_tool(env, facts, params, version)
    if method == "resources/list":
        return {
            "resources": [
                {
                    "uri": f"odoo://model/{name}",
                    "name": name,
                    "title": description,
                    "description": f"The fields and methods of {description} ({name}).",
                    "mimeType": "application/json",
                }
                for name, description in model_reference.readable_models(env, facts.models)
            ]
        }
    if method == "resources/templates/list":
        return {
            "resourceTemplates": [
                {
                    "uriTemplate": f"odoo://{name}/{{id}}",
                    "name": f"{name} record",
                    "title": f"{description} record",
                    "description": f"One {description} ({name}) record by id.",
                    "mimeType": "application/json",
                }
                for name, description in model_reference.readable_models(env, facts.models)
            ]
        }
    if method == "resources/read":
        return read_resource(env, facts, params.get("uri"))
    raise MethodNotFound(f"This MCP server has no method '{method[:80]}'.")


def _initialize(params):
    requested = params.get("protocolVersion")
    if not isinstance(requested, str):
        raise InvalidParams("initialize needs 'protocolVersion' (a string).")
    return {
        "protocolVersion": requested if requested in PROTOCOL_VERSIONS else LATEST_VERSION,
        "capabilities": {"tools": {"listChanged": False}, "resources": {"listChanged": False, "subscribe": False}},
        "serverInfo": {"name": SERVER_NAME, "title": "Odoo (json_rpc_token)", "version": release.version},
        "instructions": (
            "Odoo's data as this token's user sees it. Start with list_models, then describe_model for "
            "field names, then search_records / read_records; aggregate_records for totals. Relations come "
            "as [id, name]; page with offset while next_offset is not null."
        ),
    }


def call_tool(env, facts, params, version):
    name, arguments = params.get("name"), params.get("arguments") or {}
    if name not in _BY_NAME:
        raise InvalidParams(f"Unknown tool '{str(name)[:80]}'{_did_you_mean(name, _BY_NAME)}")
    if not offered(facts, name):
        if name == "call_method" and offered(facts._replace(call_methods=True), name):
            # the one refusal a model can act on: ask its user for more
            return _tool_error(_BY_NAME[name], ToolError(CALL_METHODS_NOT_APPROVED), {})
        why = "this token is read-only" if facts.read_only else "this token has a scope"
        raise InvalidParams(f"The tool '{name}' is not offered: {why}.")
    if not isinstance(arguments, dict):
        raise InvalidParams("'arguments' must be an object.")
    tool = _BY_NAME[name]
    try:
        known = tool["inputSchema"]["properties"]
        for argument in arguments:
            if argument not in known:
                raise ToolError(
                    f"{name} has no argument '{argument}'{_did_you_mean(argument, known)} "
                    f"It takes: {', '.join(known) or 'none'}."
                )
        with env.cr.savepoint():
            structured, summary = tool["_handler"](env, facts, arguments)
    except (psycopg2.errors.ReadOnlySqlTransaction, psycopg2.errors.SerializationFailure):
        raise  # run again on a read/write cursor, or by Odoo's retrying
    except Exception as exc:
        if errors.is_passing_fault(exc):
            raise
        env.invalidate_all()
        if isinstance(exc, psycopg2.IntegrityError):
            exc = service_model._as_validation_error(env, exc)
        return _tool_error(tool, exc, arguments)
    # the data in the text too, compact: most assistants show the model the
    # text only (the spec asks for it, for clients without structuredContent)
    text = encoding.dumps(structured, compact=True).decode()
    content = [{"type": "text", "text": f"{summary}\n{text}" if summary else text}]
    if version < STRUCTURED_SINCE:
        return {"content": content, "isError": False}
    return {"content": content, "structuredContent": structured, "isError": False}


def _tool_error(tool, exc, arguments):
    usage.note_failed()
    if isinstance(exc, ToolError):
        message = str(exc)
    else:
        errors.log_exception(exc)
        kind = errors.classify(exc)
        detail = errors.to_error_object(exc)["data"]["message"]
        message = f"{kind.message}: {detail}" if kind.client_error else f"{kind.message}: the call failed."
        if "model" in arguments and tool["_method"]:
            message += f" (tool {tool['name']} on {arguments.get('model')})"
    return {"content": [{"type": "text", "text": message}], "isError": True}


def read_resource(env, facts, uri):
    if not isinstance(uri, str):
        raise InvalidParams("resources/read needs 'uri' (a string).")
    match_model, match_record = _MODEL_URI.match(uri), _RECORD_URI.match(uri)
    try:
        if match_model:
            content = _description(env, _model(env, facts, match_model.group(1), None))
        elif match_record:
            model = _model(env, facts, match_record.group(1), "read")
            content = read_records(env, facts, {"model": model._name, "ids": [int(match_record.group(2))]})[0]
        else:
            raise InvalidParams(f"Unknown resource '{uri[:100]}': odoo://model/<model> or odoo://<model>/<id>.")
    except ToolError as exc:
        raise InvalidParams(f"Resource '{uri[:100]}': {exc}") from None
    return {"contents": [{"uri": uri, "mimeType": "application/json", "text": encoding.dumps(content).decode()}]}

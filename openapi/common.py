"""What the describers of every dialect share: JSON schemas of parameter
specs, the error codes of the one error table, the document's frame."""

from odoo import exceptions as odoo_exceptions

from ..core import errors
from ..core.params import JSON_TYPE_NAMES

#: any JSON value, e.g. the items of an array of mixed values. Spelled out
#: (``items: {}`` means the same) because client generators refuse arrays
#: without ``items``.
ANY_JSON = {"description": "Any JSON value."}


def _param_schema(param):
    schema = {"type": JSON_TYPE_NAMES[param.json_type]}
    if param.doc:
        schema["description"] = param.doc
    if param.items is not None:
        key = "additionalProperties" if param.json_type is dict else "items"
        schema[key] = {"type": JSON_TYPE_NAMES[param.items]}
    elif param.json_type is list:
        schema["items"] = ANY_JSON
    elif param.json_type is dict:
        # free-form unless said otherwise: a bare object is typed as an
        # object of no keys by generators (Record<string, never>)
        schema["additionalProperties"] = True
    schema.update(param.extra)
    if param.json_type is str and param.required:
        schema["minLength"] = 1
    # no ``format: password``: generators map it to secret types that send
    # "**********" instead of the value; ``writeOnly`` says what matters (it
    # is never answered) without changing how it is sent
    if param.secret:
        schema["writeOnly"] = True
    return schema


def params_schema(spec):
    properties, required = {}, []
    for name, param in spec.items():
        properties[name] = _param_schema(param)
        for alias in param.aliases:
            properties[alias] = {**_param_schema(param), "description": f"Alias of '{name}'."}
        if param.required:
            required.append(name)
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def params_example(spec, dbname=None):
    """The ``params`` of a request that works as is: the example of each
    parameter that has one, and the database only when the document knows
    the real one (``dbname``): a made-up name would fail the request."""
    example = {name: param.example for name, param in spec.items() if param.example is not None}
    if dbname and "db" in spec:
        example["db"] = dbname
    return example


def _error_codes():
    kinds = {kind.code: kind.message for kind in [*errors.ERROR_TABLE.values(), errors.INTERNAL_ERROR]}
    return dict(sorted(kinds.items(), reverse=True))


#: each dialect's operations under a tag of its own (generators name their
#: modules and classes after the tags: no "default")
TAGS = [
    {
        "name": "JSON-RPC",
        "description": "/json-call: log in, call any public method, log out; batches. Every "
        "failure is a JSON-RPC error object, answered with HTTP 200.",
    },
    {"name": "REST", "description": "/api and /object, as the odoo-rest-api module serves them."},
    {"name": "JSON-2", "description": "/json/2, as Odoo 19 serves it."},
]
#: a sample token: what a login answers is 43 characters or more
SAMPLE_TOKEN = "Yk3v0FZp9sQ2rX7mL4nT8wC1dE6aH5jU0bG2kR9oPzM"
#: a sample of what a read answers
SAMPLE_RECORDS = [{"id": 7, "name": "Azure Interior", "email": "azure.Interior24@example.com"}]


def error_example(exc):
    """The error object the error table makes of ``exc``: the examples show
    what the server answers, from the code that answers it."""
    return errors.to_error_object(exc)


INVALID_PARAMS_EXAMPLE = errors.InvalidParams("Missing required parameter 'model'.")
#: one failure per HTTP status of the error table, for the examples of the
#: dialects that answer with statuses (:func:`sample_error`)
SAMPLE_ERRORS = [
    errors.InvalidParams("Unknown parameter(s): filtre. Accepted here: data, filter, context."),
    errors.TokenMissing("Send the token: 'Authorization: Bearer <token>'."),
    odoo_exceptions.AccessError("You are not allowed to access 'Contact' (res.partner) records."),
    odoo_exceptions.MissingError("Record does not exist or has been deleted."),
    errors.MethodNotAllowed("Use GET, PUT or DELETE here.", "GET, PUT, DELETE"),
    errors.BatchRolledBack("Nothing of this atomic batch was written: request #2 failed."),
    errors.UnsupportedMediaType("Send the body as application/json."),
    odoo_exceptions.ValidationError("The email address is not valid."),
    errors.RateLimitExceeded("More than 60 calls in a minute.", 12),
    RuntimeError("a server fault"),
    errors.ServiceUnavailable("The database was briefly unavailable: send the request again."),
]


def sample_error(status):
    """A failure answered with HTTP ``status`` (None if there is none)."""
    return next((exc for exc in SAMPLE_ERRORS if errors.classify(exc).http_status == status), None)


def error_statuses():
    """Every HTTP status of the error table, the server fault's included."""
    return sorted({kind.http_status for kind in [*errors.ERROR_TABLE.values(), errors.INTERNAL_ERROR]})


def base_document(server_url):
    """The document's frame, with what every dialect's answers share: the
    ``Error`` object of the error table (JSON-RPC's error, REST's
    ``error``) and the bearer scheme. ``server_url``: where this server
    answers (the document's ``servers``)."""
    codes = _error_codes()
    components = {
        # integer named apart from number: generators then type 1 as an int,
        # not as a float that goes out as 1.0
        "RequestId": {"type": ["string", "integer", "number", "null"], "description": "Echoed in the answer."},
        "Error": {
            "type": "object",
            "required": ["code", "message", "data"],
            "properties": {
                "code": {
                    "type": "integer",
                    "enum": list(codes),
                    "description": "; ".join(f"{code}: {message}" for code, message in codes.items()),
                },
                "message": {"type": "string"},
                "data": {
                    "type": "object",
                    "required": ["name", "message"],
                    "properties": {
                        "name": {"type": "string", "description": "The exception class."},
                        "message": {"type": "string"},
                        "arguments": {"type": "array", "items": ANY_JSON},
                        "debug": {"type": "string", "description": "Traceback, in dev mode only."},
                    },
                },
            },
        },
        "ErrorAnswer": {
            "type": "object",
            "required": ["jsonrpc", "id", "error"],
            "properties": {
                "jsonrpc": {"const": "2.0"},
                "id": {"$ref": "#/components/schemas/RequestId"},
                "error": {"$ref": "#/components/schemas/Error"},
            },
            "additionalProperties": False,
            "examples": [{"jsonrpc": "2.0", "id": 1, "error": error_example(INVALID_PARAMS_EXAMPLE)}],
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "JSON-RPC Token API",
            "version": "1.0",
            "description": "Token-based API for Odoo 18, one token for every dialect. JSON-RPC 2.0 "
            "(/json-call): every failure is a JSON-RPC error object, answered with HTTP "
            "200. REST (/api, /object) and JSON-2 (/json/2): the HTTP status of the "
            "same error table.\n\n"
            "Try it out with a login and password: run POST /json-call/user_authenticate with "
            "yours, then put the token of its answer in Authorize. The models, fields and "
            "methods a token may use, each call ready to copy: the model reference, "
            "/json_rpc_token/models (paste the token there).",
        },
        "servers": [{"url": server_url, "description": "The server that answered this document."}],
        "tags": [dict(tag) for tag in TAGS],
        "paths": {},
        "components": {"schemas": components, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }

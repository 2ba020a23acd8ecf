"""What the describers of every dialect share: JSON schemas of parameter
specs, the error codes of the one error table, the document's frame."""
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
        schema["items"] = {"type": JSON_TYPE_NAMES[param.items]}
    elif param.json_type is list:
        schema["items"] = ANY_JSON
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


def _error_codes():
    kinds = {kind.code: kind.message for kind in [*errors.ERROR_TABLE.values(), errors.INTERNAL_ERROR]}
    return dict(sorted(kinds.items(), reverse=True))


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
                "code": {"type": "integer", "enum": list(codes),
                         "description": "; ".join(f"{code}: {message}" for code, message in codes.items())},
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
            "properties": {"jsonrpc": {"const": "2.0"}, "id": {"$ref": "#/components/schemas/RequestId"},
                           "error": {"$ref": "#/components/schemas/Error"}},
            "additionalProperties": False,
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "JSON-RPC Token API", "version": "1.0",
                 "description": "Token-based API for Odoo 18, one token for every dialect. JSON-RPC 2.0 "
                                "(/json-call): every failure is a JSON-RPC error object, answered with HTTP "
                                "200. REST (/api, /object) and JSON-2 (/json/2): the HTTP status of the "
                                "same error table."},
        "servers": [{"url": server_url, "description": "The server that answered this document."}],
        "paths": {},
        "components": {"schemas": components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }

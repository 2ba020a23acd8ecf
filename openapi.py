"""The OpenAPI 3.1 description of the API, generated from the objects that
serve it: the routes' ``json_params`` specs (which validate requests), their
``json_result`` schemas, and the error table. Nothing here is written by
hand twice, so the description cannot drift from the behaviour.
"""
from . import errors
from .params import JSON_TYPE_NAMES

#: one function per wire format besides JSON-RPC, each adding the paths (and
#: components) of its routes to the document: ``add(document)``. Each
#: adapter module registers its own, next to the routes it describes.
DIALECTS = []

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


def document(routes, max_batch, server_url):
    """``routes``: (path, summary, routing) of each JSON-RPC route;
    ``server_url``: where this server answers (the document's ``servers``)."""
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
    paths = {}
    for path, summary, routing in routes:
        name = path.strip("/").replace("/", "_").replace("-", "_")
        request = {
            "type": "object",
            "properties": {
                "jsonrpc": {"const": "2.0"},
                "id": {"$ref": "#/components/schemas/RequestId"},
                "method": {"type": "string", "description": "Ignored: the URL names the operation."},
                "params": params_schema(routing["json_params"]),
            },
        }
        if request["properties"]["params"].get("required"):  # else the server takes a request without params
            request["required"] = ["params"]
        # each part named: generators derive their classes' names from them
        components[f"{name}_result"] = routing["json_result"]
        components[f"{name}_success"] = {
            "type": "object", "required": ["jsonrpc", "id", "result"],
            "properties": {"jsonrpc": {"const": "2.0"}, "id": {"$ref": "#/components/schemas/RequestId"},
                           "result": {"$ref": f"#/components/schemas/{name}_result"}},
            "additionalProperties": False}
        components[f"{name}_answer"] = {"oneOf": [{"$ref": f"#/components/schemas/{name}_success"},
                                                  {"$ref": "#/components/schemas/ErrorAnswer"}]}
        components[f"{name}_request"] = request
        ref = {"$ref": f"#/components/schemas/{name}_request"}
        answer_ref = {"$ref": f"#/components/schemas/{name}_answer"}
        paths[path] = {"post": {
            "operationId": name,
            "summary": summary,
            "security": [{"bearer": []}, {}] if "token" in routing["json_params"] else [],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"oneOf": [
                ref, {"type": "array", "items": ref, "minItems": 1, "maxItems": max_batch,
                      "description": "A batch: one answer per request that has an 'id'."}]}}}},
            "responses": {
                "200": {"description": "A JSON-RPC answer (errors included), or an array of them for a batch.",
                        "content": {"application/json": {"schema": {"oneOf": [
                            answer_ref, {"type": "array", "items": answer_ref}]}}}},
                "204": {"description": "A batch of notifications only: nothing to answer."},
            },
        }}
    document = {
        "openapi": "3.1.0",
        "info": {"title": "JSON-RPC Token API", "version": "1.0",
                 "description": "Token-based API for Odoo 18, one token for every dialect. JSON-RPC 2.0 "
                                "(/json-call): every failure is a JSON-RPC error object, answered with HTTP "
                                "200. REST (/api, /object) and JSON-2 (/json/2): the HTTP status of the "
                                "same error table."},
        "servers": [{"url": server_url, "description": "The server that answered this document."}],
        "paths": paths,
        "components": {"schemas": components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
    for add_dialect in DIALECTS:
        add_dialect(document)
    return document


AUTHENTICATE_RESULT = {"type": "object", "required": ["token", "uid"], "additionalProperties": False,
                       "properties": {"token": {"type": "string", "minLength": 43}, "uid": {"type": "integer"}}}
LOGOUT_RESULT = {"const": True}
CALL_RESULT = {"description": "What the method returns, serialised as Odoo's RPC does."}


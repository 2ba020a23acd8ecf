"""The JSON-RPC paths (``/json-call...``) of the OpenAPI document, from the
routes' ``json_params`` specs (which validate requests) and their
``json_result`` schemas."""

from .common import SAMPLE_RECORDS, SAMPLE_TOKEN, params_example, params_schema

TAG = "JSON-RPC"
AUTHENTICATE_RESULT = {
    "type": "object",
    "required": ["token", "uid"],
    "additionalProperties": False,
    "properties": {"token": {"type": "string", "minLength": 43}, "uid": {"type": "integer"}},
    "examples": [{"token": SAMPLE_TOKEN, "uid": 2}],
}
LOGOUT_RESULT = {"const": True, "examples": [True]}
#: any JSON value, named type by type: a schema without a type is "any" to
#: generators (``unknown`` at best)
CALL_RESULT = {
    "type": ["object", "array", "string", "number", "boolean", "null"],
    "additionalProperties": True,
    "items": {},
    "description": "What the method returns, serialised as Odoo's RPC does (recordsets as lists of ids, "
    "dates as text). Typed per model for search_read and read: the document of "
    "?models=... has a schema per model (see doc/openapi.rst).",
    "examples": [SAMPLE_RECORDS],
}


def describe(document, routes, max_batch, dbname=None):
    """Add the JSON-RPC paths to ``document``. ``routes``: (path, summary,
    routing) of each JSON-RPC route; ``dbname``: the database the examples
    name, if the document knows it."""
    components, paths = document["components"]["schemas"], document["paths"]
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
        example = {"jsonrpc": "2.0", "id": 1, "params": params_example(routing["json_params"], dbname)}
        request["examples"] = [example]
        result = routing["json_result"]
        answer_example = {"jsonrpc": "2.0", "id": 1, "result": result["examples"][0]}
        # each part named: generators derive their classes' names from them
        components[f"{name}_result"] = result
        components[f"{name}_success"] = {
            "type": "object",
            "required": ["jsonrpc", "id", "result"],
            "properties": {
                "jsonrpc": {"const": "2.0"},
                "id": {"$ref": "#/components/schemas/RequestId"},
                "result": {"$ref": f"#/components/schemas/{name}_result"},
            },
            "additionalProperties": False,
            "examples": [answer_example],
        }
        components[f"{name}_answer"] = {
            "oneOf": [{"$ref": f"#/components/schemas/{name}_success"}, {"$ref": "#/components/schemas/ErrorAnswer"}]
        }
        components[f"{name}_request"] = request
        ref = {"$ref": f"#/components/schemas/{name}_request"}
        answer_ref = {"$ref": f"#/components/schemas/{name}_answer"}
        paths[path] = {
            "post": {
                "operationId": name,
                "summary": summary,
                "tags": [TAG],
                "security": [{"bearer": []}, {}] if "token" in routing["json_params"] else [],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "oneOf": [
                                    ref,
                                    {
                                        "type": "array",
                                        "items": ref,
                                        "minItems": 1,
                                        "maxItems": max_batch,
                                        "description": "A batch: one answer per request that has an 'id'.",
                                    },
                                ]
                            },
                            "example": example,
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "A JSON-RPC answer (errors included), or an array of them for a batch.",
                        "content": {
                            "application/json": {
                                "schema": {"oneOf": [answer_ref, {"type": "array", "items": answer_ref}]},
                                "examples": {
                                    "success": {"summary": "Done", "value": answer_example},
                                    "error": {
                                        "summary": "An error (see the error table)",
                                        "value": components["ErrorAnswer"]["examples"][0],
                                    },
                                },
                            }
                        },
                    },
                    "204": {"description": "A batch of notifications only: nothing to answer."},
                },
            }
        }

"""The JSON-RPC paths (``/json-call...``) of the OpenAPI document, from the
routes' ``json_params`` specs (which validate requests) and their
``json_result`` schemas."""
from .common import params_schema

AUTHENTICATE_RESULT = {"type": "object", "required": ["token", "uid"], "additionalProperties": False,
                       "properties": {"token": {"type": "string", "minLength": 43}, "uid": {"type": "integer"}}}
LOGOUT_RESULT = {"const": True}
CALL_RESULT = {"description": "What the method returns, serialised as Odoo's RPC does."}


def describe(document, routes, max_batch):
    """Add the JSON-RPC paths to ``document``. ``routes``: (path, summary,
    routing) of each JSON-RPC route."""
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

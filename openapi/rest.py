"""The REST paths (:mod:`..controllers.rest`) in the OpenAPI document of
``/json-call/openapi.json``.

The error answers are described from the error table (each status it can
answer, with the same ``Error`` object as JSON-RPC), the accepted parameters
from the lists the operations check, so the description follows them.
"""
import json

from ..core import errors
from ..core.rest_params import MAX_ID, OPERATIONS, PARAMETERS
from .common import ANY_JSON

JSON = "application/json"
ERROR_REF = {"$ref": "#/components/schemas/ErrorAnswer"}
ANY = ANY_JSON
MODEL = {"name": "model", "in": "path", "required": True, "description": "A model's technical name.",
         "schema": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$", "maxLength": 128}}
RECORD_ID = {"name": "id", "in": "path", "required": True,
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
FUNCTION = {"name": "function", "in": "path", "required": True, "description": "A public method of the model.",
            "schema": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$", "maxLength": 128}}


def _query_parameters(operation):
    """The query-string parameters of ``operation``, from its spec."""
    accepted, required = OPERATIONS[operation]
    parameters = []
    for name in accepted:
        param = PARAMETERS[name]
        structured = param.schema.get("type") not in ("integer", "string")
        schema = param.schema if not structured else {"type": "string", "contentMediaType": JSON,
                                                       "contentSchema": param.schema}
        example = param.example if not structured or isinstance(param.example, str) else json.dumps(param.example)
        parameters.append({"name": name, "in": "query", "required": name in required,
                           "description": param.description + (" (JSON text)" if structured else ""),
                           "schema": schema, "example": example})
    return parameters


LIST_ANSWER = {
    "type": "object", "required": ["count", "prev", "current", "next", "total_pages", "result"],
    "additionalProperties": False,
    "properties": {
        "count": {"type": "integer", "description": "Records on this page."},
        "prev": {"type": ["integer", "null"]}, "current": {"type": "integer"}, "next": {"type": ["integer", "null"]},
        "total_pages": {"type": "integer"},
        "result": {"type": "array", "items": {"type": "object"}},
        "next_cursor": {"type": ["string", "null"],
                        "description": "Only when the request gave 'after': the 'after' of the next page, null on "
                                       "the last page."},
    },
}


def _rpc_answer(result):
    return {"type": "object", "required": ["jsonrpc", "id", "result"], "additionalProperties": False,
            "properties": {"jsonrpc": {"const": "2.0"}, "id": {"$ref": "#/components/schemas/RequestId"},
                           "result": result}}


def _body(operation):
    """The JSON body of ``operation``, from its spec."""
    accepted, required = OPERATIONS[operation]
    params = {"type": "object", "properties": {
        name: {**PARAMETERS[name].schema, "description": PARAMETERS[name].description} for name in accepted},
        "additionalProperties": False}
    if required:
        params["required"] = list(required)
    example = {name: PARAMETERS[name].example for name in accepted if name in required or name != "context"}
    return {"required": True, "content": {JSON: {"schema": {
        "type": "object", "required": ["params"],
        "properties": {"jsonrpc": {"const": "2.0"}, "id": {"$ref": "#/components/schemas/RequestId"},
                       "method": {"type": "string"}, "params": params}},
        "example": {"params": example}}},
        "description": "{\"params\": {...}}; a JSON-RPC envelope or the params object alone are accepted too."}


def _operation(operation_id, summary, parameters, answer, body=None):
    statuses = sorted({kind.http_status for kind in errors.ERROR_TABLE.values()})
    responses = {"200": {"description": "Done.", "content": {JSON: {"schema": answer}}}}
    for status in statuses:
        responses[str(status)] = {"description": "An error (the status follows the error table).",
                                  "content": {JSON: {"schema": ERROR_REF}}}
    operation = {"operationId": operation_id, "summary": summary, "tags": ["REST"],
                 "security": [{"bearer": []}], "parameters": parameters, "responses": responses}
    if body:
        operation["requestBody"] = body
    return operation


def describe(document):
    """Add the REST paths to ``document``."""
    write_answer = _rpc_answer({"type": "boolean"})
    delete_answer = {"type": "object", "required": ["result"], "additionalProperties": False,
                     "properties": {"result": {"type": "boolean"}}}
    document["paths"].update({
        "/api/{model}/": {
            "get": _operation("rest_search", "Records of a model, a page at a time.",
                              [MODEL, *_query_parameters("rest_search")], LIST_ANSWER),
            "post": _operation("rest_create", "Create a record; the answer is its id.", [MODEL],
                               _rpc_answer({"type": "integer"}), _body("rest_create")),
            "put": _operation("rest_write_filtered", "Write on the records the filter finds.", [MODEL], write_answer,
                              _body("rest_write_filtered")),
            "delete": _operation("rest_delete_filtered", "Delete the records the filter finds (filter required).",
                                 [MODEL, *_query_parameters("rest_delete_filtered")], delete_answer),
        },
        "/api/{model}/{id}/": {
            "get": _operation("rest_read", "One record.", [MODEL, RECORD_ID, *_query_parameters("rest_read")],
                              {"type": "object", "additionalProperties": True}),
            "put": _operation("rest_write", "Write on one record.", [MODEL, RECORD_ID], write_answer,
                              _body("rest_write")),
            "delete": _operation("rest_delete", "Delete one record.",
                                 [MODEL, RECORD_ID, *_query_parameters("rest_delete")], delete_answer),
        },
        "/object/{model}/{function}": {
            "post": _operation("rest_call_model", "Call a public method of the model.", [MODEL, FUNCTION],
                               _rpc_answer(ANY), _body("rest_call_model")),
        },
        "/object/{model}/{id}/{function}": {
            "post": _operation("rest_call_record", "Call a public method on one record.",
                               [MODEL, RECORD_ID, FUNCTION], _rpc_answer(ANY), _body("rest_call_record")),
        },
    })

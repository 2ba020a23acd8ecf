"""The REST paths (:mod:`..controllers.rest`) in the OpenAPI document of
``/json-call/openapi.json``.

The error answers are described from the error table (each status it can
answer, with the same ``Error`` object as JSON-RPC), the accepted parameters
from the lists the operations check, so the description follows them.
"""
from ..core import errors
from .common import ANY_JSON

JSON = "application/json"
ERROR_REF = {"$ref": "#/components/schemas/ErrorAnswer"}
ANY = ANY_JSON
MODEL = {"name": "model", "in": "path", "required": True, "description": "A model's technical name.",
         "schema": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$", "maxLength": 128}}
RECORD_ID = {"name": "id", "in": "path", "required": True,
             "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}
FUNCTION = {"name": "function", "in": "path", "required": True, "description": "A public method of the model.",
            "schema": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$", "maxLength": 128}}


def _query(name, description, schema=None, required=False):
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema or {"type": "string"}}


QUERY = _query("query", "The fields to answer: '{id, name, company_id{name}}' ('*' all, '-field' leaves one out), "
                        "or the JSON form '[[\"id\", \"name\", {\"company_id\": [\"name\"]}]]'. Default: every field.")
EXCLUDE = _query("exclude", "JSON list of top-level fields to leave out, e.g. [\"id\"].")
CONTEXT = {"type": "object", "description": "Context keys for the call (lang, tz...)."}
DOMAIN = {"type": "array", "items": ANY, "description": "An Odoo domain, e.g. [[\"id\", \">\", 60]]."}
PAGE_INT = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
LIST_PARAMETERS = [
    QUERY, _query("filter", "A JSON domain, e.g. [[\"id\", \">\", 60]]."), EXCLUDE,
    _query("page_size", "Records per page.", PAGE_INT), _query("page", "The page (from 1; with page_size).", PAGE_INT),
    _query("limit", "At most this many records.", PAGE_INT),
    _query("order", "Sort order: field names separated by commas, each optionally followed by asc or desc, "
                    "e.g. name asc, id desc (or as JSON text, \"name asc\"); anything else answers 400."),
]
LIST_ANSWER = {
    "type": "object", "required": ["count", "prev", "current", "next", "total_pages", "result"],
    "additionalProperties": False,
    "properties": {
        "count": {"type": "integer", "description": "Records on this page."},
        "prev": {"type": ["integer", "null"]}, "current": {"type": "integer"}, "next": {"type": ["integer", "null"]},
        "total_pages": {"type": "integer"},
        "result": {"type": "array", "items": {"type": "object"}},
    },
}


def _rpc_answer(result):
    return {"type": "object", "required": ["jsonrpc", "id", "result"], "additionalProperties": False,
            "properties": {"jsonrpc": {"const": "2.0"}, "id": {"$ref": "#/components/schemas/RequestId"},
                           "result": result}}


def _body(properties, required=()):
    params = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        params["required"] = list(required)
    return {"required": True, "content": {JSON: {"schema": {
        "type": "object", "required": ["params"],
        "properties": {"jsonrpc": {"const": "2.0"}, "id": {"$ref": "#/components/schemas/RequestId"},
                       "method": {"type": "string"}, "params": params}}}},
        "description": "{\"params\": {...}}; a JSON-RPC envelope or the params object alone are accepted too."}


CALL_ARGUMENTS = {"args": {"type": "array", "items": ANY}, "kwargs": {"type": "object"}, "context": CONTEXT}
VALUES = {"type": "object", "description": "Field values. On one2many/many2many fields: a list of ids (replaces), "
                                          "or {\"push\": ids, \"pop\": ids, \"delete\": ids}."}


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
    document["paths"].update({
        "/api/{model}/": {
            "get": _operation("rest_search", "Records of a model, a page at a time.", [MODEL, *LIST_PARAMETERS],
                              LIST_ANSWER),
            "post": _operation("rest_create", "Create a record; the answer is its id.", [MODEL],
                               _rpc_answer({"type": "integer"}),
                               _body({"data": VALUES, "context": CONTEXT}, ["data"])),
            "put": _operation("rest_write_filtered", "Write on the records the filter finds.", [MODEL], write_answer,
                              _body({"data": VALUES, "filter": DOMAIN, "context": CONTEXT}, ["data", "filter"])),
            "delete": _operation("rest_delete_filtered", "Delete the records the filter finds (filter required).",
                                 [MODEL, _query("filter", "A JSON domain; [] is every record.", required=True)],
                                 {"type": "object", "required": ["result"], "additionalProperties": False,
                                  "properties": {"result": {"type": "boolean"}}}),
        },
        "/api/{model}/{id}/": {
            "get": _operation("rest_read", "One record.", [MODEL, RECORD_ID, QUERY, EXCLUDE], {"type": "object"}),
            "put": _operation("rest_write", "Write on one record.", [MODEL, RECORD_ID], write_answer,
                              _body({"data": VALUES, "context": CONTEXT}, ["data"])),
            "delete": _operation("rest_delete", "Delete one record.", [MODEL, RECORD_ID],
                                 {"type": "object", "required": ["result"], "additionalProperties": False,
                                  "properties": {"result": {"type": "boolean"}}}),
        },
        "/object/{model}/{function}": {
            "post": _operation("rest_call_model", "Call a public method of the model.", [MODEL, FUNCTION],
                               _rpc_answer(ANY), _body(CALL_ARGUMENTS)),
        },
        "/object/{model}/{id}/{function}": {
            "post": _operation("rest_call_record", "Call a public method on one record.",
                               [MODEL, RECORD_ID, FUNCTION], _rpc_answer(ANY),
                               _body(CALL_ARGUMENTS)),
        },
    })

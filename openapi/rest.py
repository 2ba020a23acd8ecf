"""The REST paths (:mod:`..controllers.rest`) in the OpenAPI document of
``/json-call/openapi.json``.

The error answers are described from the error table (each status it can
answer, with the same ``Error`` object as JSON-RPC), the accepted parameters
from the lists the operations check, so the description follows them.
"""

import json

from ..core.rest_params import MAX_ID, OPERATIONS, PARAMETERS
from .common import ANY_JSON, SAMPLE_RECORDS, error_example, error_statuses, sample_error

TAG = "REST"

JSON = "application/json"
ERROR_REF = {"$ref": "#/components/schemas/ErrorAnswer"}
ANY = ANY_JSON
MODEL = {
    "name": "model",
    "in": "path",
    "required": True,
    "description": "A model's technical name.",
    "schema": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$", "maxLength": 128},
    "example": "res.partner",
}
RECORD_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "example": 1,
}
FUNCTION = {
    "name": "function",
    "in": "path",
    "required": True,
    "description": "A public method of the model.",
    "schema": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$", "maxLength": 128},
    "example": "name_search",
}
RECORD_FUNCTION = {**FUNCTION, "example": "read"}


#: what a write or a deletion of the examples acts on: the record the
#: creation's example makes, not every company
CREATED_FILTER = [["name", "=", "New"]]


def _query_parameters(operation, examples=None):
    """The query-string parameters of ``operation``, from its spec;
    ``examples``: the example of some, in place of the parameter's own."""
    accepted, required = OPERATIONS[operation]
    parameters = []
    for name in accepted:
        param = PARAMETERS[name]
        if examples and name in examples:
            param = param._replace(example=examples[name])
        structured = param.schema.get("type") not in ("integer", "string")
        schema = (
            param.schema
            if not structured
            else {"type": "string", "contentMediaType": JSON, "contentSchema": param.schema}
        )
        example = param.example if not structured or isinstance(param.example, str) else json.dumps(param.example)
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "description": param.description + (" (JSON text)" if structured else ""),
                "schema": schema,
                "example": example,
            }
        )
    return parameters


LIST_ANSWER = {
    "type": "object",
    "required": ["count", "prev", "current", "next", "total_pages", "result"],
    "additionalProperties": False,
    "properties": {
        "count": {"type": "integer", "description": "Records on this page."},
        "prev": {"type": ["integer", "null"]},
        "current": {"type": "integer"},
        "next": {"type": ["integer", "null"]},
        "total_pages": {"type": "integer"},
        "result": {"type": "array", "items": {"$ref": "#/components/schemas/RestRecord"}},
        "next_cursor": {
            "type": ["string", "null"],
            "description": "Only when the request gave 'after': the 'after' of the next page, null on the last page.",
        },
    },
}


#: a record as REST answers it: the fields asked, a many2one as its id (or
#: the object of the fields asked under it), typed per model in the
#: document of ``?models=`` (:mod:`.models`)
REST_RECORD = {
    "type": "object",
    "properties": {"id": {"type": "integer"}},
    "additionalProperties": True,
    "description": "A record: the fields asked for.",
    "examples": SAMPLE_RECORDS,
}
LIST_EXAMPLE = {"count": 1, "prev": None, "current": 1, "next": None, "total_pages": 1, "result": SAMPLE_RECORDS}


def _rpc_answer(result):
    return {
        "type": "object",
        "required": ["jsonrpc", "id", "result"],
        "additionalProperties": False,
        "properties": {"jsonrpc": {"const": "2.0"}, "id": {"$ref": "#/components/schemas/RequestId"}, "result": result},
    }


def rpc_example(result):
    return {"jsonrpc": "2.0", "id": None, "result": result}


def _body(operation, example=None):
    """The JSON body of ``operation``, from its spec."""
    accepted, required = OPERATIONS[operation]
    params = {
        "type": "object",
        "properties": {
            name: {**PARAMETERS[name].schema, "description": PARAMETERS[name].description} for name in accepted
        },
        "additionalProperties": False,
    }
    if required:
        params["required"] = list(required)
    example = example or {name: PARAMETERS[name].example for name in accepted if name in required or name != "context"}
    return {
        "required": True,
        "content": {
            JSON: {
                "schema": {
                    "type": "object",
                    "required": ["params"],
                    "properties": {
                        "jsonrpc": {"const": "2.0"},
                        "id": {"$ref": "#/components/schemas/RequestId"},
                        "method": {"type": "string"},
                        "params": params,
                    },
                },
                "example": {"params": example},
            }
        },
        "description": "{\"params\": {...}}; a JSON-RPC envelope or the params object alone are accepted too.",
    }


def error_responses(schema_ref, encode):
    """The error answer of each HTTP status of the error table, each with an
    example (``encode(exc)``: the body the dialect answers for ``exc``)."""
    responses = {}
    for status in error_statuses():
        response = {"description": "An error (see the error table).", "content": {JSON: {"schema": schema_ref}}}
        sample = sample_error(status)
        if sample is not None:
            response["content"][JSON]["example"] = encode(sample)
        responses[str(status)] = response
    return responses


def _error_answer(exc):
    return {"jsonrpc": "2.0", "id": None, "error": error_example(exc)}


def _operation(operation_id, summary, parameters, answer, body=None, example=None):
    responses = {
        "200": {"description": "Done.", "content": {JSON: {"schema": answer, "example": example}}},
        **error_responses(ERROR_REF, _error_answer),
    }
    operation = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [TAG],
        "security": [{"bearer": []}],
        "parameters": parameters,
        "responses": responses,
    }
    if body:
        operation["requestBody"] = body
    return operation


def describe(document):
    """Add the REST paths to ``document``."""
    document["components"]["schemas"]["RestRecord"] = REST_RECORD
    write_answer = _rpc_answer({"type": "boolean"})
    delete_answer = {
        "type": "object",
        "required": ["result"],
        "additionalProperties": False,
        "properties": {"result": {"type": "boolean"}},
    }
    record_ref = {"$ref": "#/components/schemas/RestRecord"}
    call_answer = _rpc_answer(
        {
            **ANY,
            "type": ["object", "array", "string", "number", "boolean", "null"],
            "additionalProperties": True,
            "items": {},
        }
    )
    name_search = rpc_example([[7, "Azure Interior"]])
    document["paths"].update(
        {
            "/api/{model}/": {
                "get": _operation(
                    "rest_search",
                    "Records of a model, a page at a time.",
                    [MODEL, *_query_parameters("rest_search")],
                    LIST_ANSWER,
                    example=LIST_EXAMPLE,
                ),
                "post": _operation(
                    "rest_create",
                    "Create a record; the answer is its id.",
                    [MODEL],
                    _rpc_answer({"type": "integer"}),
                    _body("rest_create"),
                    rpc_example(42),
                ),
                "put": _operation(
                    "rest_write_filtered",
                    "Write on the records the filter finds.",
                    [MODEL],
                    write_answer,
                    _body("rest_write_filtered", {"data": {"comment": "Written by the API"}, "filter": CREATED_FILTER}),
                    rpc_example(True),
                ),
                "delete": _operation(
                    "rest_delete_filtered",
                    "Delete the records the filter finds (filter required).",
                    [MODEL, *_query_parameters("rest_delete_filtered", {"filter": CREATED_FILTER})],
                    delete_answer,
                    example={"result": True},
                ),
            },
            "/api/{model}/{id}/": {
                "get": _operation(
                    "rest_read",
                    "One record.",
                    [MODEL, RECORD_ID, *_query_parameters("rest_read")],
                    record_ref,
                    example=SAMPLE_RECORDS[0],
                ),
                "put": _operation(
                    "rest_write",
                    "Write on one record.",
                    [MODEL, RECORD_ID],
                    write_answer,
                    _body("rest_write", {"data": {"comment": "Written by the API"}}),
                    rpc_example(True),
                ),
                "delete": _operation(
                    "rest_delete",
                    "Delete one record.",
                    [MODEL, RECORD_ID, *_query_parameters("rest_delete")],
                    delete_answer,
                    example={"result": True},
                ),
            },
            "/object/{model}/{function}": {
                "post": _operation(
                    "rest_call_model",
                    "Call a public method of the model.",
                    [MODEL, FUNCTION],
                    call_answer,
                    _body("rest_call_model", {"args": ["Azure"], "kwargs": {"limit": 5}}),
                    name_search,
                ),
            },
            "/object/{model}/{id}/{function}": {
                "post": _operation(
                    "rest_call_record",
                    "Call a public method on one record.",
                    [MODEL, RECORD_ID, RECORD_FUNCTION],
                    call_answer,
                    _body("rest_call_record", {"args": [["name", "email"]]}),
                    rpc_example(SAMPLE_RECORDS),
                ),
            },
        }
    )

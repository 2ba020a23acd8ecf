"""The JSON-2 path (:mod:`..controllers.json2`) in the OpenAPI document of
``/json-call/openapi.json``, its error answers from the error table."""
from ..core import errors
from ..http_layer.dispatcher import DB_HEADER
from .common import ANY_JSON

JSON_MIMETYPE = "application/json"
SUMMARY = "Call a public method of a model as the bearer's user (Odoo 19's JSON-2 API)."


def describe(document):
    """Add the JSON-2 path to ``document``."""
    statuses = sorted({kind.http_status for kind in [*errors.ERROR_TABLE.values(), errors.INTERNAL_ERROR]})
    schemas = document["components"]["schemas"]
    schemas["OdooError"] = {
        "type": "object",
        "required": ["name", "message", "arguments", "context"],
        "properties": {
            "name": {"type": "string", "description": "The exception class, e.g. odoo.exceptions.AccessError."},
            "message": {"type": "string"},
            "arguments": {"type": "array", "items": ANY_JSON},
            "context": {"type": "object"},
            "debug": {"type": "string", "description": "Traceback, in dev mode only."},
        },
    }
    error = {"description": "Odoo's serialised exception.",
             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OdooError"}}}}
    path_param = {"in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
    document["paths"]["/json/2/{model}/{method}"] = {"post": {
        "operationId": "json2_call",
        "summary": SUMMARY,
        "security": [{"bearer": []}],
        "parameters": [
            {**path_param, "name": "model", "description": "Technical model name, e.g. res.partner."},
            {**path_param, "name": "method", "description": "A public method of the model, e.g. search_read."},
            {"in": "header", "name": DB_HEADER, "required": False, "schema": {"type": "string"},
             "description": "The database; optional when the server serves one."},
        ],
        "requestBody": {"required": False, "content": {JSON_MIMETYPE: {"schema": {
            "type": "object",
            "description": "The method's arguments, by name.",
            "properties": {
                "ids": {"type": "array", "items": {"type": "integer"},
                        "description": "The records of a record method (not for @api.model methods)."},
                "context": {"type": "object", "description": "Merged over the user's context."},
            },
            "additionalProperties": True,
        }}}},
        "responses": {
            "200": {"description": "What the method returns, as JSON (recordsets as lists of ids).",
                    "content": {"application/json": {"schema": {}}}},
            **{str(status): {**error, "description": f"{error['description']} (see the error table)"}
               for status in statuses},
        },
    }}

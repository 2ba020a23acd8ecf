"""The JSON-2 path (:mod:`..controllers.json2`) in the OpenAPI document of
``/json-call/openapi.json``, its error answers from the error table."""

from ..core import errors
from ..core.params import CONTEXT_SCHEMA
from ..http_layer.dispatcher import DB_HEADER
from .common import ANY_JSON, SAMPLE_RECORDS
from .rest import error_responses

JSON_MIMETYPE = "application/json"
SUMMARY = "Call a public method of a model as the bearer's user (Odoo 19's JSON-2 API)."
TAG = "JSON-2"
ODOO_ERROR_REF = {"$ref": "#/components/schemas/OdooError"}
#: the context JSON-2 takes beside the method's arguments
CONTEXT = {"type": "object", **CONTEXT_SCHEMA, "description": "Merged over the user's context."}
#: any JSON value, each type named (see :data:`.jsonrpc.CALL_RESULT`)
RESULT = {
    "type": ["object", "array", "string", "number", "boolean", "null"],
    "additionalProperties": True,
    "items": {},
    "description": "What the method returns, as JSON (recordsets as lists of ids).",
    "examples": [SAMPLE_RECORDS],
}


def database_header(dbname=None):
    """The ``X-Odoo-Database`` header parameter; its example the real
    database when the document knows it (a made-up one fails)."""
    header = {
        "in": "header",
        "name": DB_HEADER,
        "required": False,
        "schema": {"type": "string"},
        "description": "The database; optional when the server serves one.",
    }
    if dbname:
        header["example"] = dbname
    return header


def describe(document, dbname=None):
    """Add the JSON-2 path to ``document``."""
    schemas = document["components"]["schemas"]
    schemas["OdooError"] = {
        "type": "object",
        "required": ["name", "message", "arguments", "context"],
        "properties": {
            "name": {"type": "string", "description": "The exception class, e.g. odoo.exceptions.AccessError."},
            "message": {"type": "string"},
            "arguments": {"type": "array", "items": ANY_JSON},
            "context": {"type": "object", "additionalProperties": True},
            "debug": {"type": "string", "description": "Traceback, in dev mode only."},
        },
    }
    schemas["json2_result"] = RESULT
    path_param = {"in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
    document["paths"]["/json/2/{model}/{method}"] = {
        "post": {
            "operationId": "json2_call",
            "summary": SUMMARY,
            "tags": [TAG],
            "security": [{"bearer": []}],
            "parameters": [
                {
                    **path_param,
                    "name": "model",
                    "description": "Technical model name, e.g. res.partner.",
                    "example": "res.partner",
                },
                {
                    **path_param,
                    "name": "method",
                    "description": "A public method of the model, e.g. search_read.",
                    "example": "search_read",
                },
                database_header(dbname),
            ],
            "requestBody": {
                "required": False,
                "content": {
                    JSON_MIMETYPE: {
                        "schema": {
                            "type": "object",
                            "description": "The method's arguments, by name.",
                            "properties": {
                                "ids": {
                                    "type": "array",
                                    "items": {"type": "integer"},
                                    "description": "The records of a record method (not for @api.model methods).",
                                },
                                "context": CONTEXT,
                            },
                            "additionalProperties": True,
                        },
                        "example": {"domain": [["is_company", "=", False]], "fields": ["name", "email"], "limit": 5},
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "What the method returns, as JSON (recordsets as lists of ids).",
                    "content": {
                        JSON_MIMETYPE: {
                            "schema": {"$ref": "#/components/schemas/json2_result"},
                            "example": SAMPLE_RECORDS,
                        }
                    },
                },
                **error_responses(ODOO_ERROR_REF, errors.to_odoo_error),
            },
        }
    }

"""Typed schemas of some models, for the document of
``/json-call/openapi.json?models=res.partner,res.country``: each model's
fields as ``fields_get`` types them for the token's user, and the REST and
JSON-2 operations of those models answering them, so that a generated
client knows ``ResPartner.email`` as ``string | false``.

A field is typed as Odoo answers it: ``false`` where Odoo answers false for
an empty value (every type but numbers, booleans and x2many), a selection
as the enum of its keys, a many2one as ``[id, display name]`` in
``search_read``/``read`` (JSON-RPC, JSON-2) and as its id, or the object of
the fields asked under it, in REST (``web_read``), an x2many as ids (REST:
or objects), dates and datetimes as Odoo's text, binary as base64 text.
Properties are optional: an answer holds the fields asked for only.
Read-only fields are ``readOnly``; the values of a creation require the
required fields that have no default.

What the user may not read is never described: the models are checked as
a call on them is (the token's scope, read access) by the caller, and
``fields_get`` leaves out the fields of groups the user lacks.
"""

import copy
import re

from ..core import errors, model_reference
from .common import ANY_JSON

#: fields_get's attributes the schemas use
FIELD_ATTRIBUTES = ["type", "string", "help", "required", "readonly", "store", "selection", "relation"]
#: at most this many models in one document
MAX_MODELS = 50
#: Odoo's text of a datetime (UTC) and of a date
DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
#: an enum rather than ``const``: openapi-python-client 0.29 refuses any
#: value but false for a union member that is a ``const`` (TypeScript
#: generators make ``false`` of both)
FALSE = {"type": "boolean", "enum": [False], "description": "Empty."}
IDS = {"type": "array", "items": {"type": "integer"}}
#: a related record as REST answers it when sub-fields are asked for
NESTED_RECORD = {
    "type": "object",
    "properties": {"id": {"type": "integer"}},
    "required": ["id"],
    "additionalProperties": True,
}
#: the x2many values of a creation or a write: ids (set), Odoo's commands,
#: or REST's {"push": ids, "pop": ids, "delete": ids}
X2MANY_VALUES = {
    "anyOf": [
        {
            "type": "array",
            "items": {"anyOf": [{"type": "integer"}, {"type": "array", "items": ANY_JSON}]},
            "description": "Record ids (they replace the current ones), or Odoo's commands, e.g. [[4, 7]].",
        },
        {
            "type": "object",
            "additionalProperties": False,
            "description": "REST only.",
            "properties": {"push": IDS, "pop": IDS, "delete": IDS},
        },
    ]
}
_SCALARS = {
    "char": {"type": "string"},
    "text": {"type": "string"},
    "html": {"type": "string"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "pattern": DATETIME_PATTERN, "description": "UTC, 'YYYY-MM-DD HH:MM:SS'."},
    "binary": {"type": "string", "contentEncoding": "base64"},
    "reference": {"type": "string", "description": "'model,id'."},
    "integer": {"type": "integer"},
    "float": {"type": "number"},
    "monetary": {"type": "number"},
    "boolean": {"type": "boolean"},
    "many2one_reference": {"type": "integer"},
}
#: types Odoo never answers false for (0, false or [] are their empty values)
_NEVER_FALSE = {"integer", "float", "monetary", "boolean", "one2many", "many2many"}


def parse_names(text):
    """``res.partner,res.country`` -> the model names, in order, once each."""
    names = list(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    if not names:
        raise errors.InvalidParams("'models' must name at least one model, e.g. models=res.partner,res.country.")
    if len(names) > MAX_MODELS:
        raise errors.InvalidParams(f"'models' may name at most {MAX_MODELS} models.")
    return names


def check_readable(env, model_names, facts):
    """Refuse, before anything is described, a model the token may not
    call (its scope: 403) or ``env``'s user may not read (403), or one
    that does not exist (404, with an abstract model: no records to call
    on), as a call on it would be refused."""
    for model_name in model_names:
        facts.check_scope(model_name, None)
        try:
            model_reference.readable_model(env, model_name)
        except model_reference.ModelNotFound:
            raise errors.MethodNotFound(f"The model '{model_name}' does not exist.") from None


def schema_name(model_name):
    """``res.partner`` -> ``ResPartner``: the name generators give its type."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[._]", model_name) if part)


def _value_schema(field, dialect):
    """One field's value as ``dialect`` answers it: ``read`` (search_read,
    read: JSON-RPC and JSON-2), ``rest`` (web_read) or ``write`` (values
    of a creation or a write)."""
    kind = field["type"]
    if kind == "selection":
        keys = [key for key, _label in field.get("selection") or []]
        schema = {"enum": keys} if keys else {"type": "string"}
    elif kind == "many2one":
        schema = {
            "read": {
                "type": "array",
                "prefixItems": [{"type": "integer"}, {"type": "string"}],
                "minItems": 2,
                "maxItems": 2,
                "description": f"[id, display name] of a {field.get('relation')}.",
            },
            "rest": {
                "anyOf": [{"type": "integer"}, NESTED_RECORD],
                "description": f"The id of a {field.get('relation')}, or the object of the fields asked under it.",
            },
            "write": {"type": "integer", "description": f"The id of a {field.get('relation')}."},
        }[dialect]
    elif kind in ("one2many", "many2many"):
        schema = {
            "read": {**IDS, "description": f"Ids of {field.get('relation')}."},
            "rest": {
                "type": "array",
                "items": {"anyOf": [{"type": "integer"}, NESTED_RECORD]},
                "description": f"Ids of {field.get('relation')}, or the objects of the fields asked under it.",
            },
            "write": dict(X2MANY_VALUES),
        }[dialect]
    else:
        schema = dict(_SCALARS.get(kind, ANY_JSON))
    if kind not in _NEVER_FALSE and not (field.get("required") and field.get("store")):
        schema = {"anyOf": [schema, FALSE]}
    title = field.get("string")
    if title:
        schema["title"] = title
    if field.get("help"):
        schema["description"] = field["help"]
    return schema


def record_schema(model_name, fields, dialect):
    properties = {}
    for name, field in sorted(fields.items()):
        schema = _value_schema(field, dialect)
        if field.get("readonly"):
            schema["readOnly"] = True
        properties[name] = schema
    properties["id"] = {"type": "integer", "readOnly": True}
    # no "title": generators name their classes after it, the same for each shape
    return {
        "type": "object",
        "properties": properties,
        "required": ["id"],
        "additionalProperties": True,
        "description": f"A {model_name} record: the fields asked for (an answer holds those only).",
    }


def values_schema(model_name, fields, defaults):
    """The values of a creation or a write: the writable fields typed, and
    required in a creation those that are required and have no default."""
    writable = {name: field for name, field in fields.items() if not field.get("readonly")}
    schema = {
        "type": "object",
        "additionalProperties": True,
        "properties": {name: _value_schema(field, "write") for name, field in sorted(writable.items())},
        "description": f"Field values of a {model_name}.",
    }
    required = sorted(name for name, field in writable.items() if field.get("required") and name not in defaults)
    if required:
        schema["required"] = required
    return schema


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _specialised(operation, model_name, suffix, answer=None, body_params=None, drop=("model", "method")):
    """A copy of a generic operation for one model: its own operationId,
    without the path parameters the path now fixes, ``answer`` as the schema
    of its 200, ``body_params`` over the properties of its body's params."""
    operation = copy.deepcopy(operation)
    operation["operationId"] = f"{operation['operationId']}_{model_name.replace('.', '_')}{suffix}"
    operation["parameters"] = [
        p for p in operation.get("parameters", ()) if not (p["in"] == "path" and p["name"] in drop)
    ]
    operation["summary"] = f"{model_name}: {operation['summary']}"
    if answer is not None:
        content = operation["responses"]["200"]["content"]["application/json"]
        content["schema"] = answer
        content.pop("example", None)
    if body_params:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        params = schema["properties"]["params"] if "params" in schema.get("properties", {}) else schema
        params["properties"].update(body_params)
    return operation


def _json2_operation(generic, model_name, method, body, answer, example):
    operation = _specialised(generic, model_name, f"_{method}", answer)
    operation["operationId"] = f"json2_{model_name.replace('.', '_')}_{method}"
    required = [name for name in ("ids", "vals_list", "vals") if name in body]
    operation["requestBody"] = {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": body,
                    "additionalProperties": True,
                    **({"required": required} if required else {}),
                },
                "example": example,
            }
        },
    }
    return operation


def describe(document, env, model_names):
    """Add to ``document`` the schemas of ``model_names`` (each checked
    readable by the caller) as ``env``'s user sees them, and the REST and
    JSON-2 operations of each, typed."""
    schemas, paths = document["components"]["schemas"], document["paths"]
    rest_list, rest_record = paths["/api/{model}/"], paths["/api/{model}/{id}/"]
    json2_call = paths["/json/2/{model}/{method}"]["post"]
    context = json2_call["requestBody"]["content"]["application/json"]["schema"]["properties"]["context"]
    for model_name in model_names:
        model = env[model_name]
        fields = model.fields_get(attributes=FIELD_ATTRIBUTES)
        required = [name for name, field in fields.items() if field.get("required") and not field.get("readonly")]
        defaults = model.default_get(required) if required else {}
        name = schema_name(model_name)
        record, rest, values, page = name, f"{name}Rest", f"{name}Values", f"{name}Page"
        schemas[record] = record_schema(model_name, fields, "read")
        schemas[rest] = record_schema(model_name, fields, "rest")
        schemas[values] = values_schema(model_name, fields, defaults)
        list_answer = copy.deepcopy(rest_list["get"]["responses"]["200"]["content"]["application/json"]["schema"])
        list_answer["properties"]["result"] = {"type": "array", "items": _ref(rest)}
        schemas[page] = list_answer
        data = {"data": _ref(values)}
        paths[f"/api/{model_name}/"] = {
            "get": _specialised(rest_list["get"], model_name, "", _ref(page), drop=("model",)),
            "post": _specialised(rest_list["post"], model_name, "", body_params=data, drop=("model",)),
        }
        paths[f"/api/{model_name}/{{id}}/"] = {
            "get": _specialised(rest_record["get"], model_name, "", _ref(rest), drop=("model",)),
            "put": _specialised(rest_record["put"], model_name, "", body_params=data, drop=("model",)),
        }
        records = {"type": "array", "items": _ref(record)}
        fields_param = {
            "type": "array",
            "items": {"type": "string", "enum": sorted(fields)},
            "description": "The fields to answer (default: all).",
        }
        paging = {
            "limit": {"type": "integer", "minimum": 0},
            "offset": {"type": "integer", "minimum": 0},
            "order": {"type": "string", "description": "e.g. name asc, id desc"},
        }
        domain = {"type": "array", "items": ANY_JSON, "description": "A domain, e.g. [[\"name\", \"ilike\", \"a\"]]."}
        methods = {
            "search_read": (
                {"domain": domain, "fields": fields_param, **paging, "context": context},
                records,
                {"domain": [], "fields": ["display_name"], "limit": 5},
            ),
            "read": (
                {"ids": IDS, "fields": fields_param, "context": context},
                records,
                {"ids": [1], "fields": ["display_name"]},
            ),
            "create": (
                {"vals_list": {"type": "array", "items": _ref(values)}, "context": context},
                {**IDS, "description": "The ids of the new records."},
                None,
            ),
            "write": ({"ids": IDS, "vals": _ref(values), "context": context}, {"type": "boolean"}, None),
        }
        for method, (body, answer, example) in methods.items():
            operation = _json2_operation(json2_call, model_name, method, body, answer, example)
            if example is None:
                operation["requestBody"]["content"]["application/json"].pop("example")
            paths[f"/json/2/{model_name}/{method}"] = {"post": operation}
    return document

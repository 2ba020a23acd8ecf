"""REST's parameters (odoo-rest-api's names), one list for the checks and
the description: what each operation accepts (its check refuses any other
name, :func:`check`) and how the OpenAPI document describes each
(:mod:`..openapi.rest`), so that the two cannot drift apart.

A parameter comes in the query string (text, JSON where it is structured)
or in the JSON body (``{"params": {...}}``); both are accepted everywhere.
"""

from typing import NamedTuple

from .errors import InvalidParams
from .params import CONTEXT_SCHEMA

MAX_ID = 2**31 - 1  # PostgreSQL's integer


class RestParam(NamedTuple):
    description: str
    #: the JSON schema of its value in a body; in the query string the
    #: value is text (JSON text for structured values) unless it is an integer
    schema: dict
    example: object = None


ANY_JSON = {"description": "Any JSON value."}
_PAGE_INT = {"type": "integer", "minimum": 1, "maximum": MAX_ID}

PARAMETERS = {
    "query": RestParam(
        "The fields to answer: '{id, name, company_id{name}}' ('*' all, '-field' leaves one out), or the JSON "
        "form '[[\"id\", \"name\", {\"company_id\": [\"name\"]}]]'. Default: every field.",
        {"type": ["string", "array"]},
        "{id, name, email}",
    ),
    "filter": RestParam(
        "A JSON domain, e.g. [[\"id\", \">\", 60]]; [] is every record.",
        {"type": "array", "items": ANY_JSON},
        [["is_company", "=", True]],
    ),
    "exclude": RestParam(
        "JSON list of top-level fields to leave out, e.g. [\"id\"].",
        {"type": "array", "items": {"type": "string"}},
        ["id"],
    ),
    "page_size": RestParam("Records per page.", _PAGE_INT, 20),
    "page": RestParam("The page (from 1; with page_size).", _PAGE_INT, 1),
    "limit": RestParam("At most this many records.", _PAGE_INT, 80),
    "after": RestParam(
        "Page with a cursor: empty for the first page, then the 'next_cursor' of the previous "
        "answer as is. The next page starts after the last record of the previous one, whatever "
        "was created or deleted meanwhile, and costs what the first page costs; the total "
        "(total_pages) is counted once, on the first page. The order must be of stored plain "
        "fields (id is added to break ties); 'page' comes from the cursor.",
        {"type": "string"},
        "",
    ),
    "order": RestParam(
        "Sort order: field names separated by commas, each optionally followed by asc or desc, "
        "e.g. name asc, id desc (or as JSON text, \"name asc\"); anything else answers 400.",
        {"type": "string"},
        "name asc, id desc",
    ),
    "context": RestParam(
        "Context keys for the call (lang, tz...), merged over the user's.",
        {"type": "object", **CONTEXT_SCHEMA},
        {"lang": "en_US"},
    ),
    "data": RestParam(
        "Field values. On one2many/many2many fields: a list of ids (replaces), or "
        "{\"push\": ids, \"pop\": ids, \"delete\": ids}.",
        {"type": "object", "additionalProperties": True},
        {"name": "New"},
    ),
    "args": RestParam(
        "Positional arguments of the method (after the record's id for /object/<model>/<id>/...).",
        {"type": "array", "items": ANY_JSON},
        [],
    ),
    "kwargs": RestParam("Named arguments of the method.", {"type": "object", "additionalProperties": True}, {}),
}

#: operation -> (accepted parameters, required ones)
OPERATIONS = {
    "rest_search": (("query", "filter", "exclude", "page_size", "page", "limit", "order", "after", "context"), ()),
    "rest_read": (("query", "exclude", "context"), ()),
    "rest_create": (("data", "context"), ("data",)),
    "rest_write": (("data", "context"), ("data",)),
    "rest_write_filtered": (("data", "filter", "context"), ("data", "filter")),
    "rest_delete": (("context",), ()),
    "rest_delete_filtered": (("filter", "context"), ("filter",)),
    "rest_call_model": (("args", "kwargs", "context"), ()),
    "rest_call_record": (("args", "kwargs", "context"), ()),
}


def check(params, operation):
    """Refuse a parameter ``operation`` does not take (a typo must not pass
    silently: a misspelled ``filter`` would act on every record)."""
    accepted = OPERATIONS[operation][0]
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        hint = " Authenticate with 'Authorization: Bearer <token>'." if "session_id" in unknown else ""
        raise InvalidParams(f"Unknown parameter(s): {', '.join(unknown)}. Accepted here: {', '.join(accepted)}.{hint}")

"""Nested field selection for ``read`` and ``search_read``.

``fields`` may be what the ORM takes (a list of names), an Odoo 18 web
specification (``{"name": {}, "company_id": {"fields": {"name": {}}}}``, what
``web_read`` takes), or the compact string of the odoo-rest-api module:
``{id, name, company_id{name, country_id{code}}}``, where ``*`` stands for
every field the user may read, ``-field`` leaves one out and ``-:type``
(e.g. ``-:binary``) leaves out the fields of that type ``*`` brought; as in
that module, a level with exclusions and no ``*`` means ``*`` with them
(``{-name}``: every field but ``name``; ``{*, child_ids{-id}}``). Both nested
forms are turned into a web specification and served by Odoo's own
``web_read``/``web_search_read``, so access rights and the result format are
Odoo's.
"""

import re

from odoo.fields import Field

from .errors import InvalidParams
from .params import JSON_TYPE_NAMES

_TOKEN_RE = re.compile(r"\s*(?:([{},*:-])|([A-Za-z_][A-Za-z0-9_]*))")
_PUNCTUATION = frozenset("{},*:-")
#: how deep a client's nested structure (a selection, a domain, values) may
#: go: far more than any real use, far less than Python's recursion limit
MAX_DEPTH = 32


class _Selection:
    """A parsed compact selection: named fields (with their own selection
    for relational ones), ``*`` and exclusions (by name, or by type for
    the fields ``*`` brings: images are binaries of tens of KB each)."""

    def __init__(self):
        self.fields = {}
        self.star = False
        self.excluded = set()
        self.excluded_types = set()


def parse_compact(text):
    """``"{id, name, company_id{name}}"`` -> a :class:`_Selection`."""
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if not match or match.end() == position:
            raise InvalidParams(f"Bad field selection at character {position + 1}: {text[position : position + 20]!r}")
        tokens.append(match.group(1) or match.group(2))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1

    def expect(index, token):
        if index >= len(tokens) or tokens[index] != token:
            raise InvalidParams(f"Bad field selection {text!r}: expected '{token}'.")
        return index + 1

    def parse_block(index, depth=0):
        if depth > MAX_DEPTH:
            raise InvalidParams(f"The field selection is nested more than {MAX_DEPTH} levels deep.")
        selection = _Selection()
        index = expect(index, "{")
        while True:
            if index >= len(tokens):
                raise InvalidParams(f"Bad field selection {text!r}: missing '}}'.")
            token = tokens[index]
            if token == "*":
                selection.star, index = True, index + 1
            elif token == "-" and index + 1 < len(tokens) and tokens[index + 1] == ":":
                field_type = tokens[index + 2] if index + 2 < len(tokens) else "}"
                if field_type not in Field.by_type:
                    raise InvalidParams(
                        f"Bad field selection {text!r}: '-:' must precede a field type "
                        f"(e.g. -:binary), not {field_type!r}."
                    )
                selection.excluded_types.add(field_type)
                index += 3
            elif token == "-":
                if index + 1 >= len(tokens) or tokens[index + 1] in _PUNCTUATION:
                    raise InvalidParams(f"Bad field selection {text!r}: '-' must precede a field name.")
                selection.excluded.add(tokens[index + 1])
                index += 2
            elif token not in _PUNCTUATION:
                index += 1
                sub = None
                if index < len(tokens) and tokens[index] == "{":
                    sub, index = parse_block(index, depth + 1)
                selection.fields[token] = sub
            else:
                raise InvalidParams(f"Bad field selection {text!r}: unexpected '{token}'.")
            if index < len(tokens) and tokens[index] == ",":
                index += 1
                continue
            end = expect(index, "}")
            return _complete(selection, text), end

    selection, end = parse_block(0)
    if end != len(tokens):
        raise InvalidParams(f"Bad field selection {text!r}: text after the closing '}}'.")
    return selection


def _complete(selection, text):
    """odoo-rest-api's rule for exclusions, at every level: a selection
    that excludes without ``*`` means every field but those (``{-name}``,
    ``{*, child_ids{-id}}``), and may name only relations with their own
    sub-selection besides (``{-name, parent_id{name}}``); a field named
    plainly beside an exclusion (``{id, -name}``) is refused, as that
    module refuses it, and so is a field both named and excluded."""
    if not (selection.excluded or selection.excluded_types):
        return selection
    if not selection.star:
        plain = sorted(name for name, sub in selection.fields.items() if sub is None)
        if plain:
            raise InvalidParams(
                f"Bad field selection {text!r}: a selection that excludes fields ('-') means every field but "
                f"those, and may only add relations with their own sub-fields; it cannot also name "
                f"{', '.join(plain)}. Name the fields wanted ({{id, name}}), or exclude the others ({{-email}})."
            )
        selection.star = True
    both = sorted(selection.excluded & set(selection.fields))
    if both:
        raise InvalidParams(f"Bad field selection {text!r}: {', '.join(both)} both named and excluded.")
    return selection


def parse_json_query(value, depth=0):
    """The older JSON form of odoo-rest-api's ``query`` -> a :class:`_Selection`:
    ``["id", "name", {"company_id": ["name"]}]`` for one record, the same
    wrapped in a list (``[[...]]``) for several; a sub-selection takes either
    form too. ``"*"`` stands for every field, as in the compact form."""
    if depth > MAX_DEPTH:
        raise InvalidParams(f"The field selection is nested more than {MAX_DEPTH} levels deep.")
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        value = value[0]
    if not isinstance(value, list):
        raise InvalidParams(
            'A JSON field selection is a list of field names and {"field": [sub-fields]} '
            'objects, e.g. ["id", "name", {"company_id": ["name"]}].'
        )
    selection = _Selection()
    for item in value:
        if item == "*":
            selection.star = True
        elif isinstance(item, str):
            selection.fields[item] = None
        elif isinstance(item, dict):
            for name, sub in item.items():
                selection.fields[name] = parse_json_query(sub, depth + 1)
        else:
            raise InvalidParams(f"Bad item in the field selection: {str(item)[:40]!r}.")
    return selection


def query_specification(model, query, exclude=()):
    """The web specification for an odoo-rest-api ``query``: the compact
    string, or the JSON form (a list); ``None`` means every field (``*``).
    ``exclude``: field names left out at the top level."""
    if query is None:
        selection = _Selection()
        selection.star = True
    elif isinstance(query, str):
        selection = parse_compact(query)
    else:
        selection = parse_json_query(query)
    selection.excluded.update(exclude)
    return _web_spec(model, selection)


def _web_spec(model, selection):
    names = (
        [
            name
            for name, description in model.fields_get(attributes=["type"]).items()
            if description["type"] not in selection.excluded_types
        ]
        if selection.star
        else []
    )
    names += [name for name in selection.fields if name not in names]
    unknown = sorted(name for name in selection.excluded if name not in model._fields)
    if unknown:
        raise InvalidParams(f"The model '{model._name}' has no field '{unknown[0]}' to exclude.")
    spec = {}
    for name in names:
        if name in selection.excluded:
            continue
        field = model._fields.get(name)
        if field is None:
            raise InvalidParams(f"The model '{model._name}' has no field '{name}'.")
        sub = selection.fields.get(name)
        if sub is None:
            spec[name] = {}
        elif not field.relational:
            raise InvalidParams(f"'{model._name}.{name}' is not a relational field: it has no sub-fields.")
        else:
            spec[name] = {"fields": _web_spec(model.env[field.comodel_name], sub)}
    return spec


_SPEC_HELP = (
    'A field specification maps each field name to an object, e.g. '
    '{"name": {}, "company_id": {"fields": {"name": {}}}}.'
)
#: what an entry of a web specification may hold (Odoo 18's web_read) and of which JSON type
_SPEC_OPTIONS = {"fields": dict, "context": dict, "limit": int, "order": str}
#: ORM methods that take a web specification: its position among the
#: arguments after the ids (by name: ``specification``)
_SPEC_ARGUMENT = {"web_read": 0, "web_search_read": 1}


def check_specification(model, spec, depth=0):
    """Refuse a web specification that Odoo's ``web_read`` would fail on
    inside (a server fault, or a RecursionError when nested deeply): each
    field must exist, map to an object of known options of the right type,
    and have sub-fields only if relational. ``model`` is None below a
    reference field, whose model varies by record: names are not checked
    there."""
    if not isinstance(spec, dict):
        raise InvalidParams(_SPEC_HELP)
    if depth > MAX_DEPTH:
        raise InvalidParams(f"The field specification is nested more than {MAX_DEPTH} levels deep.")
    for name, options in spec.items():
        field = model._fields.get(name) if model is not None else None
        if model is not None and field is None:
            raise InvalidParams(f"The model '{model._name}' has no field '{name}'.")
        if not isinstance(options, dict):
            raise InvalidParams(_SPEC_HELP)
        for key, value in options.items():
            json_type = _SPEC_OPTIONS.get(key)
            if json_type is None:
                raise InvalidParams(
                    f"Unknown option '{key}' for the field '{name}'; accepted: {', '.join(_SPEC_OPTIONS)}."
                )
            if not (
                isinstance(value, json_type)
                and not isinstance(value, bool)
                or value is None
                and key in ("limit", "order")
            ):
                raise InvalidParams(
                    f"The option '{key}' of the field '{name}' must be a JSON {JSON_TYPE_NAMES[json_type]}."
                )
        if "fields" in options:
            if field is not None and not (field.relational or field.type in ("reference", "many2one_reference")):
                raise InvalidParams(f"'{model._name}.{name}' is not a relational field: it has no sub-fields.")
            comodel = model.env[field.comodel_name] if field is not None and field.relational else None
            check_specification(comodel, options["fields"], depth + 1)


def check_web_call(model, method_name, args, kwargs):
    """Check the specification of a direct ``web_read``/``web_search_read``
    call (``args`` without the ids) as for nested ``fields``."""
    position = _SPEC_ARGUMENT.get(method_name)
    if position is None:
        return
    spec = args[position] if len(args) > position else kwargs.get("specification", {})
    check_specification(model, spec)


def web_specification(model, fields):
    """The web specification for ``fields`` (a compact string or a web
    specification), or None when ``fields`` is a plain list (or absent)."""
    if isinstance(fields, str):
        return _web_spec(model, parse_compact(fields))
    if isinstance(fields, dict):
        check_specification(model, fields)
        return fields
    return None


def _take(args, kwargs, position, name, default=None):
    """Remove and return the argument ``name`` given by position or keyword."""
    if len(args) > position:
        value = args[position]
        del args[position : position + 1]
        return value
    return kwargs.pop(name, default)


def read_with_selection(model, method, args, kwargs):
    """Serve ``read``/``search_read`` whose ``fields`` is nested, or whose
    ``search_read`` asks for the total ``count``; None to let the ORM serve
    a plain call."""
    args, kwargs = list(args), dict(kwargs)
    if method == "read":
        if not args:
            return None
        ids = args.pop(0)
        fields = _take(args, kwargs, 0, "fields")
        spec = web_specification(model, fields)
        if spec is None:
            return None
        kwargs.pop("load", None)
        if args or kwargs:
            raise InvalidParams("With nested fields, read takes only the ids and the fields.")
        return model.browse(ids).web_read(spec)
    count = kwargs.pop("count", False)
    domain = _take(args, kwargs, 0, "domain") or []
    fields = _take(args, kwargs, 0, "fields")
    spec = web_specification(model, fields)
    if spec is None and not count:
        return None
    offset = _take(args, kwargs, 0, "offset", 0) or 0
    limit = _take(args, kwargs, 0, "limit")
    order = _take(args, kwargs, 0, "order")
    if spec is None:  # plain fields, with the total count
        records = model.search_read(domain, fields, offset, limit, order, *args, **kwargs)
        return {"records": records, "length": model.search_count(domain)}
    if args or kwargs:
        raise InvalidParams(f"Unexpected search_read arguments with nested fields: {sorted(kwargs)}.")
    answer = web_search_read(model, domain, spec, offset=offset, limit=limit, order=order)
    if not count:
        return answer["records"]
    # Odoo's web client never asks for a page past the end, so web_search_read
    # answers length 0 there; a client's pager needs the real total
    length = answer["length"] if answer["records"] or not offset else model.search_count(domain)
    return {"records": answer["records"], "length": length}


#: where Odoo defines ``web_search_read``: a model whose method comes from
#: elsewhere overrides it, and keeps its own
_WEB_MODULE = "odoo.addons.web.models.models"


def is_odoos_web_search_read(model):
    """Whether ``model``'s ``web_search_read`` is Odoo's own."""
    return type(model).web_search_read.__module__ == _WEB_MODULE


def web_search_read(model, domain, specification, offset=0, limit=None, order=None, count_limit=None):
    """Odoo's ``web_search_read``, answering the same, with the page's rows
    read the way Odoo's ``web_read`` reads records it was given by id.

    Odoo's searches the page with its columns (``search_fetch``), so that
    ``web_read``'s ``read`` finds them all in the cache and checks the record
    rules a second time, in Python (``filtered_domain`` of every row, the
    rule's fields fetched one by one): 40 to 50 % of a 2 000-row REST page
    (doc/performance.rst). Here the search answers the ids only (``search``:
    the same query, the same rules), and ``read`` fetches the columns itself,
    in one query that applies the record rules again, in SQL (Odoo's
    ``fetch`` of records not in the cache). No check is skipped: the rules
    run twice as in Odoo, the second time where they cost least. A model
    with a ``web_search_read`` of its own keeps it."""
    if not is_odoos_web_search_read(model):
        return model.web_search_read(
            domain, specification, offset=offset, limit=limit, order=order, count_limit=count_limit
        )
    records = model.search(domain, offset=offset, limit=limit, order=order)
    return model._format_web_search_read_results(domain, records.web_read(specification), offset, limit, count_limit)

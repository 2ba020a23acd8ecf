"""Keyset (cursor) paging and batched reads, for syncs at connector scale.

A page asked with an offset costs what all the pages before it cost: the
database reads and throws away ``offset`` rows. A page asked *after* a row
costs what the first page costs: the next rows are those that sort after the
last row seen, a condition an index on the order answers directly.

The cursor (``after``) is opaque to the client: the base64url of a JSON
object ``{"m": model, "o": order, "v": [the last row's values of the order's
fields], "i": its id}``, followed by an HMAC-SHA256 signature made with the
database's secret (``database.secret``). A cursor that was altered, made for
another model or order, or is no cursor at all is refused (400), before
anything runs. The values are checked again against the fields' types.

The condition "sorts after the last row" is added to the query the ORM
builds for the user's domain (``_search``: the record rules are applied
there), as an SQL expression whose values are query parameters, never
text of the query, on the columns the ORM gives (``_field_to_sql``, which
checks the user may read each field). Not as a domain: Odoo's domain
takes ``False`` for ``0`` or ``''`` (``('qty', '=', False)`` is
``qty = 0 OR qty IS NULL``), where ``ORDER BY`` keeps ``NULL`` apart; rows
with empty values would be skipped or served twice.

The order of a cursor: stored scalar fields (char, text, integer, float,
monetary, date, datetime, boolean, selection; not translated, not
company-dependent), each ``asc`` or ``desc``, optionally ``nulls first`` /
``nulls last``; ``id`` is appended when missing, so that ties are broken
and no row is served twice or skipped. A many2one sorts by its model's
order (another table), an x2many or a translated field cannot be compared
as a value: refused with a clear 400.
"""

import base64
import binascii
import datetime
import decimal
import hashlib
import hmac
import json
import re

from odoo.models import regex_order
from odoo.tools import SQL, Query

from .errors import InvalidParams

#: the field types a cursor can order by: compared as values in SQL
SCALAR_TYPES = frozenset({"char", "text", "integer", "float", "monetary", "date", "datetime", "boolean", "selection"})
#: a cursor is short; anything much longer is no cursor of ours
MAX_CURSOR_LENGTH = 8192
#: records fetched from the database at a time when streaming
BATCH_SIZE = 1000
_SIGNATURE_BYTES = 16
_B64_RE = re.compile(r"^[A-Za-z0-9_-]+$")


class OrderKey:
    """One term of a cursor's order."""

    __slots__ = ("name", "type", "desc", "nulls_first")

    def __init__(self, name, field_type, desc, nulls_first):
        self.name, self.type, self.desc, self.nulls_first = name, field_type, desc, nulls_first

    def __str__(self):
        text = f"{self.name} {'desc' if self.desc else 'asc'}"
        # PostgreSQL's default: NULLs sort as the largest value
        if self.nulls_first != self.desc:
            text += " nulls first" if self.nulls_first else " nulls last"
        return text


def cursor_order(model, order):
    """``order`` (default: the model's) as the list of :class:`OrderKey` of
    a cursor, ``id`` last; refused (400) if a cursor cannot follow it."""
    text = order or model._order or "id"
    if not isinstance(text, str) or not regex_order.match(text):
        raise InvalidParams(
            "'order' must be a comma-separated list of field names, each optionally followed by "
            "asc or desc, e.g. \"write_date asc, id asc\"."
        )
    keys = []
    for part in text.split(","):
        match = regex_order.match(part)
        name = match["field"].strip('"')
        field = model._fields.get(name)
        if (
            match["property"]
            or match["func"]
            or field is None
            or name != "id"
            and not (
                field.store
                and field.column_type
                and field.type in SCALAR_TYPES
                and not field.translate
                and not field.company_dependent
            )
        ):
            raise InvalidParams(
                f"A cursor ('after') cannot follow the order {text!r} of {model._name}: order by stored fields "
                "holding plain values (text, number, date, boolean, selection; not translated) and id, e.g. "
                "\"write_date asc, id asc\". A many2one sorts by its model's order, in another table: order by "
                "a field of this model, or by id."
            )
        desc = (match["direction"] or "asc").lower() == "desc"
        nulls = (match["nulls"] or "").lower()
        nulls_first = nulls == "nulls first" if nulls else desc
        if field.type == "boolean" or name == "id":
            nulls_first = desc  # never NULL: the ORM sorts booleans as COALESCE(value, FALSE)
        if any(key.name == name for key in keys):
            continue  # sorted already: a second term changes nothing
        keys.append(OrderKey(name, "id" if name == "id" else field.type, desc, nulls_first))
        if name == "id":
            break  # ids are unique: what follows never decides
    if keys[-1].name != "id":
        keys.append(OrderKey("id", "id", False, False))
    return keys


def order_text(keys):
    return ", ".join(str(key) for key in keys)


# ------------------------------------------------------------ the cursor text
def _secret(env):
    return env["ir.config_parameter"].sudo().get_param("database.secret", "").encode()


def _sign(env, kind, data):
    return hmac.new(_secret(env), kind.encode() + b"\0" + data, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def _b64encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(env, kind, payload):
    """``payload`` (a JSON object) as an opaque, signed text of ``kind``."""
    data = json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode()
    return f"{_b64encode(data)}.{_b64encode(_sign(env, kind, data))}"


def unseal(env, kind, text, name="after"):
    """The payload of a text made by :func:`seal` for ``kind``; a 400 if it
    is no such text, or was altered."""
    refused = InvalidParams(
        f"'{name}' is not a cursor this server gave (give the 'next' cursor of the previous "
        "page as is, or nothing for the first page)."
    )
    if not isinstance(text, str) or len(text) > MAX_CURSOR_LENGTH or text.count(".") != 1:
        raise refused
    data_text, signature_text = text.split(".")
    if not (_B64_RE.match(data_text) and _B64_RE.match(signature_text)):
        raise refused
    try:
        data, signature = _b64decode(data_text), _b64decode(signature_text)
    except (binascii.Error, ValueError):
        raise refused from None
    if not hmac.compare_digest(signature, _sign(env, kind, data)):
        raise refused
    try:
        payload = json.loads(data)
    except ValueError:
        raise refused from None
    if not isinstance(payload, dict):
        raise refused
    return payload


def _to_json(key, value):
    """A column's value (as PostgreSQL gives it) as JSON, exactly."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")  # microseconds kept: write_date has them
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)  # a numeric column: its digits, not a float's
    return value


def _from_json(key, value):
    """A value of the cursor back as the ORM compares it; ValueError if it
    cannot be the field's."""
    if value is None and key.type not in ("boolean", "id"):
        return None
    if key.type == "id":
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(value)
        return value
    if key.type == "boolean":
        if not isinstance(value, bool):
            raise ValueError(value)
        return value
    if key.type == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(value)
        return value
    if key.type in ("float", "monetary"):
        if isinstance(value, str):
            value = decimal.Decimal(value)
            if not value.is_finite():
                raise ValueError(value)
        elif not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ValueError(value)
        return value
    if not isinstance(value, str):
        raise ValueError(value)
    if key.type == "datetime":
        return datetime.datetime.fromisoformat(value)
    if key.type == "date":
        return datetime.date.fromisoformat(value)
    return value


def make_cursor(model, keys, record):
    """The cursor that follows ``record`` (the last of a page) in ``keys``'s
    order."""
    values = [_to_json(key, value) for key, value in zip(keys, _row_values(model, keys, record.id))]
    return seal(model.env, "cursor", {"m": model._name, "o": order_text(keys), "v": values[:-1], "i": record.id})


def read_cursor(model, text, order):
    """``(keys, values)`` of the cursor ``text``, checked: made for this model
    and for ``order`` (None: the cursor's own order)."""
    payload = unseal(model.env, "cursor", text)
    mismatch = InvalidParams(
        "This cursor ('after') was made for another model or order: page with the order of the first page."
    )
    if payload.get("m") != model._name or not isinstance(payload.get("o"), str):
        raise mismatch
    keys = cursor_order(model, order if order else payload["o"])
    if order_text(keys) != payload["o"]:
        raise mismatch
    values = payload.get("v")
    if not isinstance(values, list) or len(values) != len(keys) - 1:
        raise mismatch
    try:
        values = [_from_json(key, value) for key, value in zip(keys, [*values, payload.get("i")])]
        return keys, values
    except (ValueError, TypeError):
        raise mismatch from None


# --------------------------------------------------------------- the query
def _columns(model, query, keys):
    """The SQL of the order's columns, as the ORM sorts them; the ORM checks
    that the user may read each field."""
    columns = []
    for key in keys:
        column = model._field_to_sql(model._table, key.name, query)
        if key.type == "boolean":
            column = SQL("COALESCE(%s, FALSE)", column)  # as the ORM sorts it
        columns.append(column)
    return columns


def _row_values(model, keys, record_id):
    """The values of the order's columns of one row, as the database holds
    them: the ORM's cache would not do (a NULL number reads 0, a datetime
    loses nothing there but the JSON answer drops its microseconds)."""
    query = Query(model.env, model._table, model._table_sql)
    query.add_where(SQL("%s = %s", SQL.identifier(model._table, "id"), record_id))
    [row] = model.env.execute_query(query.select(*_columns(model, query, keys)))
    return list(row)


def _after_condition(model, query, keys, values):
    """SQL: the row sorts after the row of ``values`` in ``keys``'s order."""
    columns = _columns(model, query, keys)
    alternatives = []
    for position, (key, value) in enumerate(zip(keys, values)):
        equal_before = [
            SQL("%s IS NULL", column) if before is None else SQL("%s = %s", column, before)
            for column, before in zip(columns[:position], values[:position])
        ]
        column = columns[position]
        if value is None:
            # NULLs tie among themselves: after them, only the non-NULL when these come after
            after = SQL("%s IS NOT NULL", column) if key.nulls_first else None
        else:
            after = SQL("%s < %s", column, value) if key.desc else SQL("%s > %s", column, value)
            if not key.nulls_first:
                after = SQL("(%s OR %s IS NULL)", after, column)
        if after is not None:
            alternatives.append(SQL("(%s)", SQL(" AND ").join([*equal_before, after])))
    return SQL("(%s)", SQL(" OR ").join(alternatives)) if alternatives else SQL("FALSE")


def search_after(model, domain, keys, after_values, limit, field_names=()):
    """The records of ``domain`` (with the record rules) that sort after
    ``after_values`` (None: from the first) in ``keys``'s order, at most
    ``limit`` (None: all), with ``field_names`` fetched."""
    query = model._search(domain or [], limit=limit, order=order_text(keys))
    if after_values is not None:
        query.add_where(_after_condition(model, query, keys, after_values))
    if query.is_empty():
        return model.browse()
    return model._fetch_query(query, model._determine_fields_to_fetch(field_names))


def page(model, domain, order, after, limit, field_names=()):
    """One page of a cursor paging: ``(records, next cursor or None)``.
    ``after``: the previous page's cursor, or None/"" for the first page."""
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise InvalidParams("'limit' must be a whole number from 1 when paging with a cursor.")
    if after:
        keys, values = read_cursor(model, after, order)
    else:
        keys, values = cursor_order(model, order), None
    # one more than asked tells whether there is a next page, without another call
    records = search_after(model, domain, keys, values, limit + 1 if limit else None, field_names)
    if limit is None or len(records) <= limit:
        return records, None
    records = records[:limit]
    return records, make_cursor(model, keys, records[-1])


def batches(model, domain, order, limit=None, offset=0, size=None, field_names=()):
    """The records of ``domain`` in ``order``, as recordsets of at most
    ``size`` records, each fetched when the previous one is used up (by
    keyset, so the n-th batch costs what the first does), the cache emptied
    between two: memory holds one batch, whatever the total. ``offset``
    (with a plain order) is applied once, by the first query."""
    keys, size = cursor_order(model, order), size or BATCH_SIZE
    values, remaining = None, limit
    first_offset = offset or 0
    while remaining is None or remaining > 0:
        count = size if remaining is None else min(size, remaining)
        if first_offset:
            query = model._search(domain or [], offset=first_offset, limit=count, order=order_text(keys))
            records = model._fetch_query(query, model._determine_fields_to_fetch(field_names))
            first_offset = 0
        else:
            records = search_after(model, domain, keys, values, count, field_names)
        if not records:
            return
        values = _row_values(model, keys, records[-1].id)
        yield records
        if remaining is not None:
            remaining -= len(records)
        if len(records) < count:
            return
        model.env.invalidate_all(flush=False)  # the batch's values leave the cache

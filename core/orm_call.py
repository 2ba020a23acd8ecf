"""Call a public model method for a token's user: the same path as Odoo's own
RPC (``odoo.service.model.execute_cr``), never sudo.

What it adds to Odoo's path, and why:

* the user's own context (lang, tz) is the base and the request's context is
  merged over it, where Odoo's ``execute_kw`` starts from an empty context;
* arguments are checked against the method's signature before the call, so a
  wrong argument is reported as such instead of as a crash inside the ORM;
* ``name_get``, gone from the Odoo 17+ ORM but still called by published
  clients, answers ``[[id, display_name], ...]``.
"""

import contextlib
import functools
import inspect

from odoo import api
from odoo.exceptions import MissingError
from odoo.models import BaseModel
from odoo.service.model import get_public_method
from odoo.tools.json import json_default as odoo_json_default

from . import keyset, scope
from .errors import BadArguments, InvalidParams, MethodNotFound
from .field_selection import _take as take_argument
from .field_selection import (
    check_web_call,
    is_odoos_web_search_read,
    read_with_selection,
    web_search_read,
    web_specification,
)

#: methods that cannot write: all a read-only token may call, and what a
#: batch may run without a savepoint of its own
READ_ONLY_METHODS = frozenset(
    {
        "search",
        "search_read",
        "search_count",
        "read",
        "read_group",
        "fields_get",
        "name_search",
        "name_get",
        "web_read",
        "web_search_read",
        "web_read_group",
        "default_get",
        "exists",
        "check_access_rights",
        "check_access",
    }
)


@functools.lru_cache(maxsize=4096)
def _signature(function):
    """inspect.signature is slow (decorated methods); a method's never changes."""
    try:
        return inspect.signature(function)
    except (TypeError, ValueError):  # builtins and C functions: nothing to check
        return None


def user_context(env, uid, request_context):
    """The context a call of user ``uid`` runs with: the user's own (lang,
    tz) with the request's ``context`` merged over it."""
    return {**env["res.users"].with_user(uid).context_get(), **request_context}


def _check_values(model, method_name, args, kwargs):
    """The values of ``create`` (an object, or a list of objects) and
    ``write`` (an object), given by position (after the ids) or by name: the
    ORM takes anything else for a mapping and fails inside, a server fault
    instead of the client's mistake. Missing values are the signature
    check's business."""
    if method_name not in ("create", "write"):
        return
    name, many = {"create": ("vals_list", True), "write": ("vals", False)}[method_name]
    values = args[0] if args else kwargs.get(name, {})
    if isinstance(values, dict) or many and isinstance(values, list) and all(isinstance(v, dict) for v in values):
        return
    expected = "an object (field: value), or a list of objects" if many else "an object (field: value)"
    raise BadArguments(f"The values of {model._name}.{method_name} must be {expected}.")


def _check_ids(model, method_name, args):
    """A record method's first argument: an id or a list of ids."""
    if not args:
        raise BadArguments(f"{model._name}.{method_name} is a record method: give the record ids as first argument.")
    ids = args[0]
    if not (
        isinstance(ids, int)
        and not isinstance(ids, bool)
        or isinstance(ids, list)
        and all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
    ):
        raise BadArguments(f"The first argument of {model._name}.{method_name} must be a list of record ids.")


def _arguments(model, method_name, method, args, kwargs):
    """The call's arguments by parameter name (``**kwargs`` unfolded), for
    the checks of :mod:`.scope`; ``args`` without the ids of a record method.
    A wrong argument is reported here rather than as a crash in the ORM."""
    signature = _signature(method)
    if signature is None:
        return {}
    try:
        bound = signature.bind(model, *args, **kwargs)
    except TypeError as exc:
        raise BadArguments(f"Bad arguments for {model._name}.{method_name}: {exc}") from None
    arguments, spilled = _by_name(signature, bound)
    if spilled:  # an override taking (self, *args, **kwargs): the first definition names them
        for cls in reversed(type(model).__mro__):
            signature = _signature(cls.__dict__[method_name]) if method_name in cls.__dict__ else None
            if signature is not None:
                with contextlib.suppress(TypeError):  # it does not fit: keep what the override bound
                    arguments = _by_name(signature, signature.bind_partial(model, *args, **kwargs))[0]
                break
    return arguments


def _by_name(signature, bound):
    """``({name: value}, whether positional values went to a *args)``.
    A null (or false) given where the method's default is null is the
    method's own "nothing" (``search_read(None)``: every record), left out."""
    arguments, spilled = {}, False
    for name, value in list(bound.arguments.items())[1:]:  # [0] is self
        parameter = signature.parameters[name]
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            arguments.update(value)
        elif parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            spilled = bool(value)
        elif not ((value is None or value is False) and (parameter.default is None or parameter.default is False)):
            arguments[name] = value
    return arguments, spilled


def _name_get(model, args):
    """Odoo <= 16's ``name_get``: ``[[id, display_name], ...]``."""
    _check_ids(model, "name_get", args)
    ids = args[0]
    records = model.browse([ids] if isinstance(ids, int) else ids)
    records.check_access("read")
    return [[record.id, record.display_name] for record in records]


def is_readonly_method(model_class, method_name):
    """Whether Odoo marks the method ``@api.readonly`` (it may then run on a
    read-only cursor, or a replica), looked up along the MRO as Odoo 19's
    JSON-2 does: an override that does not repeat the mark keeps the mark of
    the method it overrides."""
    for cls in model_class.mro():
        method = getattr(cls, method_name, None)
        if method is not None and hasattr(method, "_readonly"):
            return bool(method._readonly)
    return False


def public_method(model, method_name):
    """The method a client may call: Odoo's public method (AttributeError if
    none, AccessError if private), and a function, since Odoo takes any
    callable attribute, such as the model's registry (``pool``)."""
    method = get_public_method(model, method_name)
    if not inspect.isroutine(method):
        raise AttributeError(method_name)
    return method


class RecordStream:
    """A ``search_read`` answered as a stream (see :mod:`.keyset`): its rows
    are read from the database in batches as :meth:`rows` is iterated, in
    the call's transaction, never all at once."""

    def __init__(self, model, domain, fields, spec, offset, limit, order, load="_classic_read"):
        self.model, self.domain, self.fields, self.spec = model, domain, fields, spec
        # a limit of 0 is no limit, as for search_read
        self.offset, self.limit, self.order, self.load = offset, limit or None, order, load
        self.transform = None  # a dialect's shaping of each row
        if order is None:
            try:
                keyset.cursor_order(model, None)
            except InvalidParams:  # the model's own order cannot be followed by keyset: by id
                self.order = "id"
        else:
            keyset.cursor_order(model, order)  # a 400 now, before any answer is started

    def rows(self):
        """The rows, one batch of the database after the other."""
        fields = _readable(self.model, self.fields, self.spec)
        for records in keyset.batches(
            self.model,
            self.domain,
            self.order,
            self.limit,
            self.offset,
            field_names=_fetched_with_search(fields, self.spec),
        ):
            rows = _read_rows(records, fields, self.spec, self.load)
            if self.transform is not None:
                rows = [self.transform(row) for row in rows]
            yield from rows


def _readable(model, fields, spec):
    """The plain fields to read (all the user may read if none), checked as
    ``search_read`` checks them; None with a web specification."""
    return None if spec is not None else model.check_field_access_rights("read", fields or None)


def _fetched_with_search(fields, spec):
    """The fields a search fetches with the records it finds: ``fields``
    (``_read_format`` formats them from the cache); none for a web
    specification, which ``web_read`` fetches itself with the record rules
    in SQL (see :func:`.field_selection.web_search_read`)."""
    return fields if spec is None else ()


def _read_rows(records, fields, spec, load):
    """The rows of ``records``, found by a search (the record rules applied
    there): read as ``search_read`` and ``web_search_read`` read them."""
    if spec is not None:
        return records.web_read(spec)
    if "active_test" in records.env.context:  # as search_read: the flag was for the search only
        records = records.with_env(
            records.env(context={key: value for key, value in records.env.context.items() if key != "active_test"})
        )
    return _read_format(records, fields, load)


def _read_format(records, fields, load):
    """Odoo's ``_read_format`` of ``records`` (in the cache), with the
    many2one names read once per related model (:func:`_display_names`)."""
    many2one = [name for name in fields if records._fields[name].type == "many2one"]
    if load != "_classic_read" or not many2one or type(records)._read_format is not BaseModel._read_format:
        return records._read_format(fnames=fields, load=load)
    rows = records._read_format(fnames=fields, load=None)  # the many2one as ids
    for name in many2one:
        names = _display_names(records.env[records._fields[name].comodel_name], {row[name] for row in rows})
        for row in rows:
            row[name] = names.get(row[name], False)
    return rows


def _read(records, fields=None, load="_classic_read"):
    """Odoo's ``read`` (its field access, its ``fetch`` with the record
    rules, its ``_read_format``) with the many2one names read once per
    related model, as ``search_read``'s."""
    fields = records.check_field_access_rights("read", fields)
    records._origin.fetch(fields)
    return _read_format(records, fields, load)


def _display_names(comodel, ids):
    """``{id: (id, display_name)}`` of the records ``ids`` of ``comodel``:
    what Odoo's ``_read_format`` answers for a many2one value, read for all
    the rows at once. Odoo's ``Many2one.convert_to_read`` reads each value's
    ``display_name`` as superuser (a many2one's name is visible to whoever
    may read the row), in the row's environment, and answers ``False`` for a
    value that no longer exists; so here. The rows themselves, their record
    rules and field access, are ``_read_format``'s: only the names of the
    many2one values are read in one batch per related model, instead of one
    ``sudo()`` and one field access per row and value, which took two thirds
    of a 2 000-row ``search_read`` page (doc/performance.rst)."""
    related = comodel.browse(sorted(filter(None, ids))).sudo()
    try:
        names = related.mapped("display_name")
    except MissingError:
        related = related.exists()
        names = related.mapped("display_name")
    return {record_id: (record_id, name) for record_id, name in zip(related._ids, names)}


def _search_read(model, args, kwargs):
    """``search_read`` as Odoo's (its field access, its search and record
    rules, its ``_read_format``), with the many2one names read once per page
    (:func:`_read_rows`). None when the model has a ``search_read`` of its
    own: Odoo's call serves it."""
    if type(model).search_read is not BaseModel.search_read:
        return None
    domain, fields, _spec, offset, limit, order, load = _search_read_arguments(model, args, kwargs)
    fields = _readable(model, fields, None)
    records = model.search_fetch(domain, fields, offset=offset, limit=limit, order=order)
    return _read_rows(records, fields, None, load)


def _search_read_arguments(model, args, kwargs):
    """``search_read``'s arguments, given by position or by name:
    ``(domain, fields, spec, offset, limit, order, load)``, ``fields``
    None when they are a web specification (``spec``)."""
    args, kwargs = list(args), dict(kwargs)
    domain = take_argument(args, kwargs, 0, "domain") or []
    fields = take_argument(args, kwargs, 0, "fields")
    spec = web_specification(model, fields)
    offset = take_argument(args, kwargs, 0, "offset", 0) or 0
    limit = take_argument(args, kwargs, 0, "limit")
    order = take_argument(args, kwargs, 0, "order")
    load = kwargs.pop("load", "_classic_read")
    if args or kwargs:
        raise InvalidParams(f"Unexpected search_read arguments here: {sorted(kwargs) or args}.")
    return domain, (None if spec is not None else fields), spec, offset, limit, order, load


def _search_read_after(model, args, kwargs, after):
    """``search_read`` paged with a cursor: ``{"records": [...], "next":
    cursor or null}``, the records those that sort after the cursor."""
    if after is not None and not isinstance(after, str):
        raise InvalidParams(
            "'after' must be the 'next' cursor of the previous page (a string), or null (or \"\") for the first page."
        )
    if kwargs.get("count"):
        raise InvalidParams("'count' is not answered with 'after': count once with search_count.")
    kwargs = {key: value for key, value in kwargs.items() if key != "count"}
    domain, fields, spec, offset, limit, order, load = _search_read_arguments(model, args, kwargs)
    if offset:
        raise InvalidParams("Give 'offset' or 'after', not both: the cursor says where the page starts.")
    fields = _readable(model, fields, spec)
    records, next_cursor = keyset.page(
        model, domain, order, after or None, limit, field_names=_fetched_with_search(fields, spec)
    )
    return {"records": _read_rows(records, fields, spec, load), "next": next_cursor}


def execute(env, model_name, method_name, args, kwargs, allowed_models=None, ids=None, stream=False):
    """Run ``model_name.method_name(*args, **kwargs)`` in ``env`` and return
    the result as Odoo's RPC does (created records as ids, ...).

    ``allowed_models``: the names of the models the token is narrowed to, or
    None; the call's domains are checked in any case (see :mod:`.scope`).

    ``ids``: the records, given by name rather than as ``args[0]`` (JSON-2):
    a record method gets them (none: an empty recordset), a model method
    refuses them, since it would silently ignore them.

    ``after`` among ``search_read``'s kwargs: paged with a cursor (see
    :func:`_search_read_after`). ``stream``: a ``search_read`` answers a
    :class:`RecordStream`, that the dialect encodes as it reads it."""
    model = env.get(model_name)
    if model is None:
        raise MethodNotFound(f"The model '{model_name}' does not exist.")
    if method_name == "name_get" and not hasattr(type(model), "name_get"):
        return _name_get(model, args if ids is None else [ids, *args])
    try:
        method = public_method(model, method_name)
    except AttributeError:
        raise MethodNotFound(f"The model '{model_name}' has no method '{method_name}'.") from None
    is_record_method = getattr(method, "_api", None) is None  # args[0] are the ids
    if ids is not None:
        if not is_record_method and ids:
            raise BadArguments(f"{model_name}.{method_name} is a model method: it takes no 'ids'.")
        args = [ids, *args] if is_record_method else args
    if is_record_method:
        _check_ids(model, method_name, args)
    method_args = args[1:] if is_record_method else args
    _check_values(model, method_name, method_args, kwargs)
    check_web_call(model, method_name, method_args, kwargs)
    context = {**env.context, **(kwargs.get("context") or {})}
    call_kwargs = {key: value for key, value in kwargs.items() if key != "context"}
    paged = method_name == "search_read" and "after" in call_kwargs
    after = call_kwargs.pop("after", None) if method_name == "search_read" else None
    arguments = _arguments(model, method_name, method, args[1:] if is_record_method else args, call_kwargs)
    scope.check_call(model, method_name, arguments, allowed_models, context)
    if paged and stream:
        raise InvalidParams("A streamed answer holds every record: give no 'after'.")
    if paged:
        return _search_read_after(model.with_context(**context), args, call_kwargs, after)
    if stream and method_name == "search_read":
        if call_kwargs.get("count"):
            raise InvalidParams("'count' is not answered in a stream: count with search_count.")
        streamed = model.with_context(**context)
        return RecordStream(
            streamed,
            *_search_read_arguments(
                streamed, args, {key: value for key, value in call_kwargs.items() if key != "count"}
            ),
        )
    if method_name == "web_search_read" and is_odoos_web_search_read(model):
        # the same answer as Odoo's, its rows' record rules checked in SQL
        return web_search_read(
            model.with_context(**context),
            arguments.get("domain"),
            arguments.get("specification"),
            **{name: arguments[name] for name in ("offset", "limit", "order", "count_limit") if name in arguments},
        )
    if method_name in ("read", "search_read"):
        result = read_with_selection(model.with_context(**context), method_name, args, call_kwargs)
        if result is None and method_name == "search_read":
            result = _search_read(model.with_context(**context), args, call_kwargs)
        if result is None and method_name == "read" and type(model).read is BaseModel.read:
            result = _read(model.with_context(**context).browse(args[0]), **arguments)
        if result is not None:
            return result
    if getattr(method, "_api", None) == "model_create" and not args and "vals_list" in call_kwargs:
        # Odoo 18's call_kw reads create's values positionally to shape its
        # answer (an id, or a list of ids): values given by name go there
        args = [call_kwargs.pop("vals_list")]
    return api.call_kw(model, method_name, args, {**call_kwargs, "context": context})


def json_default(value):
    """Encode what ``json`` cannot: recordsets as their ids (like Odoo's
    XML-RPC marshaller), then Odoo's own rules (dates, lazy values, bytes)."""
    if isinstance(value, BaseModel):
        return value.ids
    return odoo_json_default(value)

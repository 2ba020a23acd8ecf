"""What a call reaches beyond its own model, checked before anything runs.

Two checks share one walk over the call's arguments:

* **domain structure**, for every call: Odoo's domain parser crashes (an
  ``IndexError``, an ``AssertionError``, an SQL error) on shapes it cannot
  read, which would answer ``Internal error`` and log a traceback for what is
  a client's mistake. Refused are the shapes Odoo has no meaning for (it
  crashes on them, at least for some fields); what Odoo reports itself (an
  unknown field, a bad arity) is left to it.
* **scope**, for a token narrowed to some models: the top-level model is
  checked by the token (``TokenFacts.check_scope``), but a call can name
  other models through its arguments: nested field selections, dotted paths
  in domains, groupby and order, and relational commands in written values.
  Each model reached that way must be in the scope too.

Arguments are found by the parameter names of the method's signature (bound
by ``orm_call``), so a domain or values given by position or by keyword are
checked alike. What a method does internally (computed fields, business
methods writing other models) is not seen: see doc/security.rst, Scopes and
IP allow-lists.
"""

import reprlib

from odoo.exceptions import AccessError
from odoo.models import fix_import_export_id_paths
from odoo.osv.expression import DOMAIN_OPERATORS, FALSE_LEAF, TERM_OPERATORS, TRUE_LEAF

from .errors import InvalidParams
from .field_selection import MAX_DEPTH, web_specification

#: every operator Odoo's domain parser takes ('<>' is its old '!=')
OPERATORS = frozenset(TERM_OPERATORS) | {"<>"}
#: operators whose value may be a list of plain values ('=' and '!=' turn
#: into 'in' and 'not in')
LIST_OPERATORS = frozenset({"in", "not in", "=", "!=", "<>", "child_of", "parent_of"})
#: operators whose value is a domain on the field's comodel
SUBDOMAIN_OPERATORS = frozenset({"any", "not any"})
#: operators that walk the comodel's hierarchy
HIERARCHY_OPERATORS = frozenset({"child_of", "parent_of"})
#: x2many commands that create, update or delete the comodel's records (the
#: others, link/unlink/set/clear, only touch the relation)
COMODEL_COMMANDS = (0, 1, 2)

#: parameter name -> what it holds, whatever the method
ROLES = {
    "domain": "domain",
    "search_domain": "domain",
    "category_domain": "domain",
    "filter_domain": "domain",
    "group_domain": "group_domain",
    "specification": "spec",
    "fields_spec": "spec",
    "fields": "names",
    "field_names": "names",
    "aggregates": "names",
    "groupby": "names",
    "group_by": "names",
    "order": "order",
    "orderby": "order",
    "vals": "vals",
    "vals_list": "vals",
    "values": "vals",
    "default": "vals",
    "fields_to_export": "export_paths",
}
#: where a method gives a parameter name a meaning of its own
METHOD_ROLES = {
    ("name_search", "args"): "domain",  # the domain, under its pre-17 name
    ("read", "fields"): "selection",
    ("search_read", "fields"): "selection",
    ("load", "fields"): "import_paths",
    ("search_panel_select_multi_range", "group_by"): None,  # a comodel field: see search_panel
}
#: roles checked for every call, scoped or not
STRUCTURE_ROLES = frozenset({"domain", "group_domain"})
SEARCH_PANEL_METHODS = frozenset({"search_panel_select_range", "search_panel_select_multi_range"})
#: what JSON nests (json.loads makes exactly these types)
_CONTAINER_TYPES = frozenset({list, tuple, dict})

_repr = reprlib.Repr()
_repr.maxlevel, _repr.maxstring, _repr.maxother, _repr.maxlist = 3, 40, 40, 5


def check_call(model, method_name, arguments, allowed_models, context=None):
    """Check the arguments of ``model.method_name`` (by parameter name).

    :param model: the call's model, in the user's environment
    :param arguments: ``{parameter name: value}``
    :param allowed_models: the token's models (a frozenset of names), or None
        when the token has no model scope: then only domains are checked
    :param context: the call's context, whose ``default_<field>`` keys are
        values for the records the call creates
    :raises InvalidParams: a malformed domain, or a structure nested too deep
    :raises AccessError: the call reaches a model outside ``allowed_models``
    """
    walk = _Walk(allowed_models)
    for name, value in arguments.items():
        role = METHOD_ROLES.get((method_name, name), ROLES.get(name))
        if role is not None and (allowed_models is not None or role in STRUCTURE_ROLES):
            getattr(walk, role)(model, value)
    if method_name in SEARCH_PANEL_METHODS:
        walk.search_panel(model, arguments)
    if allowed_models is not None and context:
        walk.vals(
            model,
            {key[8:]: value for key, value in context.items() if isinstance(key, str) and key.startswith("default_")},
        )


def _show(value):
    """A short rendering of a client's value for an error message."""
    return _repr.repr(value)


def _check_depth(depth, what):
    if depth > MAX_DEPTH:
        raise InvalidParams(f"The {what} is nested more than {MAX_DEPTH} levels deep.")


def _names_records(value):
    """Whether a domain value on a relational field names records (text,
    searched by the comodel's name) rather than giving their ids."""
    if isinstance(value, str):
        return True
    return isinstance(value, (list, tuple)) and any(isinstance(item, str) for item in value)


class _Walk:
    """One call's walk. ``allowed`` is the token's models, or None to check
    only the structure of domains; the methods are named after the roles of
    :data:`ROLES`."""

    def __init__(self, allowed):
        self.allowed = allowed

    # ---------------------------------------------------------- models
    def comodel(self, model, field):
        """The comodel of ``model``'s relational ``field``, which the call
        reaches: refused unless in scope."""
        comodel = model.env[field.comodel_name]
        if self.allowed is not None and comodel._name not in self.allowed:
            through = f"{field.model_name}.{field.name}"  # not inside _(): the extractor cannot read it
            raise AccessError(
                model.env._(
                    "This token may not use the model '%(model)s' (reached through %(path)s).",
                    model=comodel._name,
                    path=through,
                )
            )
        return comodel

    def path(self, model, names):
        """Follow the relational hops of a field path (each one reaches its
        comodel) up to its last name: ``(model holding the last name, its
        field)``, the field None when the path is not made of known fields
        (a property, a date part, a mistake: Odoo tells)."""
        for name in names[:-1]:
            field = model._fields.get(name)
            if field is None or not field.relational:
                return model, None
            model = self.comodel(model, field)
        return model, model._fields.get(names[-1])

    # --------------------------------------------------------- domains
    def domain(self, model, domain, depth=0):
        """A domain on ``model`` (None: unknown, check the structure only)."""
        _check_depth(depth, "domain")
        if not isinstance(domain, (list, tuple)):
            raise InvalidParams(
                f'A domain is a list of conditions such as [["name", "ilike", "acme"]], not {_show(domain)}.'
            )
        for term in domain:
            if isinstance(term, str):
                if term not in DOMAIN_OPERATORS:
                    raise InvalidParams(
                        f"Invalid domain item {_show(term)}: between conditions only '&', '|' and '!' may appear."
                    )
            elif isinstance(term, (list, tuple)) and len(term) == 3:
                self.condition(model, term, depth)
            else:
                raise InvalidParams(
                    f"Invalid domain item {_show(term)}: a condition is a list of three items [field, operator, value]."
                )

    def condition(self, model, term, depth):
        left, operator, right = term
        if not (isinstance(operator, str) and operator in OPERATORS):
            raise InvalidParams(
                f"Invalid operator {_show(operator)} in the domain condition {_show(term)}. "
                f"The operators are: {', '.join(TERM_OPERATORS)}."
            )
        if not (isinstance(left, str) and left):
            if tuple(term) in (TRUE_LEAF, FALSE_LEAF):
                return
            raise InvalidParams(
                f"The domain condition {_show(term)} must start with a field name or path, "
                'such as "name" or "parent_id.name".'
            )
        if operator in SUBDOMAIN_OPERATORS:
            if not isinstance(right, (list, tuple)):
                raise InvalidParams(
                    f"The operator '{operator}' takes a domain (a list of conditions) as value: {_show(term)}."
                )
            self.domain(self.subdomain_model(model, term), right, depth + 1)
            return
        if isinstance(right, dict):
            raise InvalidParams(f"A domain value cannot be an object: {_show(term)}.")
        if isinstance(right, (list, tuple)):
            if operator not in LIST_OPERATORS:
                raise InvalidParams(f"The operator '{operator}' takes one value, not a list: {_show(term)}.")
            if not _CONTAINER_TYPES.isdisjoint(map(type, right)):  # in C: lists of ids can be long
                raise InvalidParams(
                    f"A list of values in a domain holds plain values (text, numbers, "
                    f"true/false, null), not lists or objects: {_show(term)}."
                )
        if self.allowed is not None and model is not None:
            model, field = self.path(model, left.split("."))
            if field is not None and field.relational and (operator in HIERARCHY_OPERATORS or _names_records(right)):
                self.comodel(model, field)

    def subdomain_model(self, model, term):
        """The comodel an ``any`` condition's sub-domain applies to (None
        when the path is unknown: Odoo reports it)."""
        if model is None:
            return None
        model, field = self.path(model, term[0].split("."))
        if field is None:
            return None
        if not field.relational:
            raise InvalidParams(
                f"The operator '{term[1]}' needs a relational field, and "
                f"{field.model_name}.{field.name} is not one: {_show(term)}."
            )
        return self.comodel(model, field)

    def group_domain(self, model, value):
        """search_panel_select_multi_range's domains of the groups (a dict of
        domains), or one domain."""
        for domain in value.values() if isinstance(value, dict) else [value]:
            if domain is not None:  # no group domain
                self.domain(model, domain)

    # ---------------------------------------------- fields, groupby, order
    def names(self, model, names):
        """Field names, possibly ``path:granularity`` or ``name:aggregate``."""
        if isinstance(names, str):
            names = [names]
        if isinstance(names, (list, tuple)):
            for name in names:
                if isinstance(name, str) and "." in name:
                    self.path(model, name.split(":")[0].split("."))

    def order(self, model, order):
        """``"name desc, parent_id.id"``: each term a field path."""
        if not isinstance(order, str):
            return
        for part in order.split(","):
            words = part.split()
            if words:
                names = words[0].strip('"').split(":")[0].split(".")
                if names[1:] != ["id"]:  # "partner_id.id" orders by the stored id, not by the comodel
                    self.path(model, names)

    def selection(self, model, fields):
        """read/search_read's ``fields``: names, or a nested selection."""
        if isinstance(fields, (str, dict)):
            self.spec(model, web_specification(model, fields))
        else:
            self.names(model, fields)

    def spec(self, model, spec, depth=0):
        """An Odoo web specification: ``{"user_ids": {"fields": {...}}}``."""
        _check_depth(depth, "field specification")
        if not isinstance(spec, dict):
            return
        for name, sub in spec.items():
            field = model._fields.get(name)
            if field is None or not isinstance(sub, dict):
                continue
            if field.type in ("reference", "many2one_reference"):
                if "fields" in sub:
                    through = f"{field.model_name}.{field.name}"
                    raise AccessError(
                        model.env._(
                            "This token may not read through %(path)s: a reference field may point at any model.",
                            path=through,
                        )
                    )
            elif field.relational and ("fields" in sub or field.type != "many2one" and sub.get("order")):
                comodel = self.comodel(model, field)
                self.order(comodel, sub.get("order"))
                self.spec(comodel, sub.get("fields"), depth + 1)

    # ---------------------------------------------------------- values
    def vals(self, model, vals, depth=0):
        """Values to write (create takes a list of them): x2many commands
        that create, update or delete comodel records, any value of a
        one2many (it writes the lines' inverse field), a many2one given as
        values; recursively for the values they carry."""
        _check_depth(depth, "values")
        if isinstance(vals, (list, tuple)):
            for item in vals:
                if isinstance(item, dict):
                    self.vals(model, item, depth)
            return
        if not isinstance(vals, dict):
            return
        for name, value in vals.items():
            field = model._fields.get(name)
            if field is None or not field.relational:
                continue
            if field.type == "one2many":
                self.comodel(model, field)
            if field.type in ("one2many", "many2many"):
                self.commands(model, field, value, depth)
            elif isinstance(value, dict):
                self.vals(self.comodel(model, field), value, depth + 1)

    def commands(self, model, field, commands, depth):
        if not isinstance(commands, (list, tuple)):
            return
        for command in commands:
            if isinstance(command, (list, tuple)) and command and command[0] in COMODEL_COMMANDS:
                comodel = self.comodel(model, field)
                if command[0] in (0, 1) and len(command) > 2:
                    self.vals(comodel, command[2], depth + 1)

    # ------------------------------------------------- import and export
    def export_paths(self, model, paths):
        self.transfer_paths(model, paths, importing=False)

    def import_paths(self, model, paths):
        self.transfer_paths(model, paths, importing=True)

    def transfer_paths(self, model, paths, importing):
        """export_data's and load's columns: ``partner_id/name``,
        ``child_ids/id``, ``country_id`` ... A column reaches a comodel when
        it goes into its fields; ``/id`` and ``/.id`` only give or show
        record ids, except on a one2many being imported (that writes the
        lines). Imported by name, a relational column searches the comodel;
        exported plain, it shows the display name, as ``read`` does."""
        if not isinstance(paths, (list, tuple)):
            return
        for path in paths:
            if not isinstance(path, str):
                continue
            current = model
            names = fix_import_export_id_paths(path)
            for index, name in enumerate(names):
                field = current._fields.get(name)
                if field is None or not field.relational:
                    break
                rest = names[index + 1 :]
                if rest in (["id"], [".id"]) and not (importing and field.type == "one2many"):
                    break
                if not rest and not importing:
                    break
                current = self.comodel(current, field)

    # ----------------------------------------------------- search panel
    def search_panel(self, model, arguments):
        """The web client's search panel lists the records of a relational
        field's comodel, filtered by ``comodel_domain`` and grouped by a
        comodel field ``group_by``."""
        field_name = arguments.get("field_name")
        field = model._fields.get(field_name) if isinstance(field_name, str) else None
        comodel = self.comodel(model, field) if field is not None and field.relational else None
        if "comodel_domain" in arguments:
            self.domain(comodel, arguments["comodel_domain"])
        group_by = arguments.get("group_by")
        if self.allowed is not None and comodel is not None and isinstance(group_by, str):
            group_model, group_field = self.path(comodel, group_by.split("."))
            if group_field is not None and group_field.relational:
                self.comodel(group_model, group_field)

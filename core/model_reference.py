"""What the model reference tells: the models a user may read, and of one
model its fields and the public methods the user may call, in two shapes:

* the backend's model reference (``/json_rpc_token/models``, :func:`describe`);
* Odoo 19's API documentation (``/doc-bearer/index.json`` and
  ``/doc-bearer/<model>.json``, :func:`odoo19_index` and
  :func:`odoo19_model`), which Odoo 19's clients read: odoo-client-lib names
  the positional arguments of a JSON-2 call after a method's ``parameters``,
  and tells a model method (``api``: ``model``) from a record method.

Everything is read from the running registry as the user, never sudo, so the
reference shows what a token of that user reaches: ``fields_get`` leaves out
the fields the user's groups do not grant, and a method is public when
:func:`.orm_call.public_method` lets it through, the check every call path of
this addon makes. A method's parameters are those its call binds by name
(:func:`call_signature`), and it is a model method exactly when the call path
takes it for one (no ids first).
"""

import functools
import html
import inspect
import json
import re
import weakref

import docutils.core
import docutils.io
import docutils.nodes
import docutils.readers.doctree
from odoo.exceptions import AccessError
from odoo.models import BaseModel
from odoo.modules.graph import Graph

from .orm_call import _signature, is_readonly_method, public_method

#: what the reference shows of a field: fields_get's attributes
FIELD_ATTRIBUTES = ["type", "string", "required", "readonly", "relation", "selection", "help"]


class ModelNotFound(LookupError):
    """No such model (answered 404)."""


def readable_models(env, names=None):
    """``[(model, description)]`` of the models ``env``'s user may read,
    by technical name (abstract models have no records to call on);
    ``names``: only those models."""
    domain = [] if names is None else [("model", "in", sorted(names))]
    models = env["ir.model"].sudo().search_read(domain, ["model", "name"], order="model")
    return [(model["model"], model["name"]) for model in models if _readable(env, model["model"])]


def _readable(env, model_name):
    model = env.get(model_name)
    return model is not None and not model._abstract and model.has_access("read")


def readable_model(env, model_name):
    """The model ``model_name``; :class:`ModelNotFound`, or ``AccessError``
    when the user may not read it."""
    model = env.get(model_name)
    if model is None or model._abstract:
        raise ModelNotFound(model_name)
    model.check_access("read")
    return model


def describe(env, model_name):
    """The reference of one model, as JSON-able data. Raises
    :class:`ModelNotFound`, or ``AccessError`` when the user may not read it."""
    model = readable_model(env, model_name)
    fields = model.fields_get(attributes=FIELD_ATTRIBUTES)
    return {
        "model": model_name,
        "name": env["ir.model"].sudo()._get(model_name).name,
        "fields": dict(sorted(fields.items())),
        "methods": {name: _describe_method(model, name) for name in public_methods(model)},
    }


#: model class -> the names of its public methods (a registry's classes
#: never change; they go with their registry)
_public_names = weakref.WeakKeyDictionary()


def public_methods(model):
    """The names of the methods a call may reach on ``model``, sorted."""
    model_class = type(model)
    names = _public_names.get(model_class)
    if names is None:
        names = []
        for name in dir(model_class):
            if name.startswith("_"):
                continue
            try:
                public_method(model, name)
            except (AttributeError, AccessError):
                continue
            names.append(name)
        _public_names[model_class] = names = tuple(names)
    return list(names)


def _definitions(model_class, name):
    """Each definition of method ``name``, most derived first."""
    return [getattr(cls, name) for cls in model_class.mro() if name in vars(cls)]


def call_signature(model_class, name):
    """The signature of method ``name`` whose parameters a call binds by
    name (None if it has none): the most derived definition's, unless it
    only passes its arguments on (``(self, *args, **kwargs)``), then the
    first definition's, as :mod:`.orm_call` binds them."""
    definitions = _definitions(model_class, name)
    signature = _signature(definitions[0])
    if signature is not None and _only_passes_on(signature):
        signature = _signature(definitions[-1]) or signature
    return signature


def _docstring(model_class, name):
    """The docstring of the most derived definition that has one."""
    return next((d.__doc__ for d in _definitions(model_class, name) if d.__doc__), "")


def _is_model_method(model, name):
    """As the call path decides it: a record method takes the ids first."""
    return getattr(public_method(model, name), "_api", None) is not None


def _describe_method(model, name):
    signature = call_signature(type(model), name)
    return {
        # record methods take the record ids as first argument in /json-call
        "kind": "model" if _is_model_method(model, name) else "record",
        "signature": f"{name}{_without_self(signature)}" if signature else f"{name}(...)",
        "doc": _summary(name, _docstring(type(model), name)),
    }


def _only_passes_on(signature):
    kinds = {parameter.kind for parameter in list(signature.parameters.values())[1:]}
    return kinds <= {inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD}


def _without_self(signature):
    parameters = list(signature.parameters.values())
    if parameters and parameters[0].name in ("self", "cls"):
        signature = signature.replace(parameters=parameters[1:])
    return signature


def _summary(name, docstring):
    """The first paragraph of a docstring, skipping a first line that only
    repeats the signature (as many ORM docstrings start)."""
    paragraphs = [p for p in inspect.cleandoc(docstring).split("\n\n") if p.strip()]
    if paragraphs and paragraphs[0].startswith(f"{name}(") and "\n" not in paragraphs[0]:
        paragraphs = paragraphs[1:]
    return " ".join(paragraphs[0].split()) if paragraphs else ""


# ------------------------------------------------------ Odoo 19's /doc-bearer
def installed_modules(env):
    """The installed modules, each after the modules it depends on."""
    names = env["ir.module.module"].sudo().search([("state", "=", "installed")]).mapped("name")
    graph = Graph()
    graph.add_modules(env.cr, names)
    return [node.name for node in graph]


def callable_methods(model, allowed_methods=None):
    """:func:`public_methods` of ``model``, of ``allowed_methods`` only if
    not None (a read-only token's): what a token may call, hence what its
    documentation lists."""
    names = public_methods(model)
    return names if allowed_methods is None else [name for name in names if name in allowed_methods]


def odoo19_index(env, allowed_models=None, allowed_methods=None):
    """Odoo 19's ``/doc-bearer/index.json``: the installed modules, and
    each model the user may read (of ``allowed_models`` only, if not None:
    a scoped token's) with its fields' labels and its public methods' names
    (of ``allowed_methods`` only, if not None: a read-only token's).
    """
    models = []
    for model_name, description in readable_models(env, allowed_models):
        model = env[model_name]
        fields = model.fields_get(attributes=["string"])
        models.append(
            {
                "model": model_name,
                "name": description,
                "fields": {name: {"string": field["string"]} for name, field in fields.items()},
                "methods": callable_methods(model, allowed_methods),
            }
        )
    return {"modules": installed_modules(env), "models": models}


def odoo19_model(env, model_name, allowed_methods=None):
    """Odoo 19's ``/doc-bearer/<model>.json``: the model's fields (all of
    ``fields_get``'s attributes, and a module that defines each) and its
    public methods (:func:`odoo19_method`; of ``allowed_methods`` only, if
    not None). Raises :class:`ModelNotFound`, or ``AccessError`` when the
    user may not read the model."""
    model = readable_model(env, model_name)
    return {
        "model": model_name,
        "name": env["ir.model"].sudo()._get(model_name).name,
        "doc": None,  # as Odoo 19 (a model has no documentation of its own)
        "fields": {name: {**field, "module": _field_module(model, name)} for name, field in model.fields_get().items()},
        "methods": {name: odoo19_method(model, name) for name in callable_methods(model, allowed_methods)},
    }


def _field_module(model, name):
    """A module that defines field ``name`` (None: a field ``fields_get``
    makes up, such as ``res.users``' group selections)."""
    field = model._fields.get(name)
    return min(field._modules, key=str) if field is not None and field._modules else None


def odoo19_method(model, name):
    """One public method as Odoo 19 describes it: ``signature`` (without
    ``self``), ``parameters`` (in order; ``kind`` unless positional-or-keyword,
    ``default`` if it is JSON, ``annotation`` and ``doc`` if known),
    ``return``, ``api`` (``model``: takes no ids; ``readonly``), ``raise``,
    ``doc`` (HTML, from the docstring's reStructuredText), and the model and
    module that introduced it (``core``: the ORM itself)."""
    model_class = type(model)
    signature = call_signature(model_class, name)
    parameters, returns = {}, {}
    if signature is not None:
        signature = _without_self(signature)
        for parameter in signature.parameters.values():
            described = (
                {} if parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD else {"kind": parameter.kind.name}
            )
            if parameter.default is not inspect.Parameter.empty and _is_json(parameter.default):
                described["default"] = parameter.default
            if parameter.annotation is not inspect.Parameter.empty:
                described["annotation"] = _annotation(parameter.annotation)
            parameters[parameter.name] = described
        if signature.return_annotation is not inspect.Signature.empty:
            returns["annotation"] = _annotation(signature.return_annotation)
    doc, parameter_docs, parameter_types, return_doc, return_type, raises = _parsed_docstring(
        _docstring(model_class, name)
    )
    for parameter_name, described in parameters.items():
        if parameter_name in parameter_docs:
            described["doc"] = parameter_docs[parameter_name]
        if parameter_name in parameter_types:
            described.setdefault("annotation", parameter_types[parameter_name])
    if return_type:
        returns.setdefault("annotation", return_type)
    if return_doc:
        returns["doc"] = return_doc
    api = (["model"] if _is_model_method(model, name) else []) + (
        ["readonly"] if is_readonly_method(model_class, name) else []
    )
    # the class that introduced the method: the last of the MRO to define it
    introducing_class = next(cls for cls in reversed(model_class.mro()) if name in vars(cls))
    described = {"signature": _signature_text(signature), "parameters": parameters}
    described.update(
        {key: value for key, value in (("return", returns), ("api", api), ("raise", dict(raises))) if value}
    )
    if doc is not None:
        described["doc"] = doc
    described["model"] = getattr(introducing_class, "_name", None) or "core"
    described["module"] = getattr(introducing_class, "_module", None) or "core"
    return described


def _signature_text(signature):
    """``(domain=None, fields=None, ..., **read_kwargs)``: the parameters
    without their annotations, and the return annotation, if any."""
    if signature is None:
        return "(...)"
    bare = signature.replace(
        parameters=[p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()],
        return_annotation=inspect.Signature.empty,
    )
    returns = signature.return_annotation
    return str(bare) + (f" -> {_annotation(returns)}" if returns is not inspect.Signature.empty else "")


#: a return annotation that means "records": JSON-2 answers their ids
_RECORDS_ANNOTATIONS = ("Self", "BaseModel", "models.BaseModel", "Model", "models.Model")


def _annotation(annotation):
    """An annotation as text; records as JSON-2 answers them."""
    if annotation is BaseModel or annotation in _RECORDS_ANNOTATIONS:
        return "list[int]"
    if isinstance(annotation, str):
        return annotation
    if isinstance(annotation, type) and not getattr(annotation, "__args__", None):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def _is_json(value):
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


# ------------------------------------------------------------- docstrings
#: what a field of a docstring's field list says (``:param x:``...), by name
_FIELD_KINDS = {
    **dict.fromkeys(("param", "parameter", "arg", "argument", "key", "keyword"), "param"),
    "type": "type",
    **dict.fromkeys(("raises", "raise", "except", "exception"), "raises"),
    **dict.fromkeys(("returns", "return"), "returns"),
    "rtype": "rtype",
}
#: Sphinx's cross-references (``:meth:`search```), which plain docutils does
#: not know: shown as literals
_SPHINX_ROLE = re.compile(r":(?:py:)?(?:meth|func|class|attr|exc|mod|obj|data|const|ref|term|any):`[~!]?([^`]+)`")
_DOCUTILS_SETTINGS = {
    "report_level": 5,
    "halt_level": 5,
    "warning_stream": False,
    "raw_enabled": False,
    "file_insertion_enabled": False,
    "doctitle_xform": False,
    "docinfo_xform": False,
    "embed_stylesheet": False,
    "_disable_config": True,
    "input_encoding": "unicode",
}


@functools.lru_cache(maxsize=4096)
def _parsed_docstring(docstring):
    """``(doc, {parameter: doc}, {parameter: type}, returns doc, return type,
    {exception: doc})`` of a reStructuredText docstring: its field list
    taken apart, the rest as HTML (None: no docstring). Field texts are
    short: given as escaped text, in a paragraph."""
    if not docstring or not docstring.strip():
        return None, {}, {}, None, None, {}
    text = _SPHINX_ROLE.sub(r"``\1``", inspect.cleandoc(docstring))
    try:
        tree = docutils.core.publish_doctree(text, settings_overrides=_DOCUTILS_SETTINGS)
    except Exception:  # a docstring docutils cannot read: shown as text
        return f"<pre>{html.escape(text)}</pre>", {}, {}, None, None, {}
    docs, types, raises, return_doc, return_type = {}, {}, {}, None, None
    for field_list in [node for node in tree.children if isinstance(node, docutils.nodes.field_list)]:
        for field in field_list.children:
            name_node, body = field.children
            kind, _space, rest = name_node.astext().strip().partition(" ")
            body_html = "".join(f"<p>{html.escape(' '.join(child.astext().split()))}</p>" for child in body.children)
            kind, rest = _FIELD_KINDS.get(kind), rest.strip()
            if kind == "param" and rest:
                annotation, _space, parameter = rest.rpartition(" ")
                docs[parameter] = body_html
                if annotation:
                    types[parameter] = annotation.strip()
            elif kind == "type" and rest:
                types.setdefault(rest, body.astext().strip())
            elif kind == "returns":
                return_doc = body_html
            elif kind == "rtype":
                return_type = body.astext().strip()
            elif kind == "raises" and rest:
                raises[rest] = body_html
        tree.remove(field_list)
    parts = docutils.core.publish_parts(
        source=tree,
        source_class=docutils.io.DocTreeInput,
        reader=docutils.readers.doctree.Reader(parser_name="null"),
        writer_name="html",
        settings_overrides=_DOCUTILS_SETTINGS,
    )
    return parts["body"].strip(), docs, types, return_doc, return_type, raises

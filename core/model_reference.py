"""What the model reference (``/json_rpc_token/models``) tells a backend
user: the models they may read, and of one model its fields and the public
methods ``/json-call`` lets them call, as Odoo 19's ``/doc`` does.

Everything is read from the running registry as the user, never sudo, so the
reference shows what a token of that user reaches: ``fields_get`` leaves out
the fields the user's groups do not grant, and a method is public when
:func:`.orm_call.public_method` lets it through, the check every call path of
this addon makes.
"""
import inspect

from odoo.exceptions import AccessError

from .orm_call import _signature, public_method

#: what the reference shows of a field: fields_get's attributes
FIELD_ATTRIBUTES = ["type", "string", "required", "readonly", "relation", "selection", "help"]


class ModelNotFound(LookupError):
    """No such model (answered 404)."""


def readable_models(env):
    """``[(model, description)]`` of the models ``env``'s user may read,
    by technical name (abstract models have no records to call on)."""
    models = env["ir.model"].sudo().search_read([], ["model", "name"], order="model")
    return [(model["model"], model["name"]) for model in models if _readable(env, model["model"])]


def _readable(env, model_name):
    model = env.get(model_name)
    return model is not None and not model._abstract and model.has_access("read")


def describe(env, model_name):
    """The reference of one model, as JSON-able data. Raises
    :class:`ModelNotFound`, or ``AccessError`` when the user may not read it."""
    model = env.get(model_name)
    if model is None or model._abstract:
        raise ModelNotFound(model_name)
    model.check_access("read")
    fields = model.fields_get(attributes=FIELD_ATTRIBUTES)
    return {
        "model": model_name,
        "name": env["ir.model"].sudo()._get(model_name).name,
        "fields": dict(sorted(fields.items())),
        "methods": {name: _describe_method(model, name) for name in public_methods(model)},
    }


def public_methods(model):
    """The names of the methods a call may reach on ``model``, sorted."""
    names = []
    for name in dir(type(model)):
        if name.startswith("_"):
            continue
        try:
            public_method(model, name)
        except (AttributeError, AccessError):
            continue
        names.append(name)
    return names


def _definitions(model_class, name):
    """Each definition of method ``name``, most derived first."""
    return [getattr(cls, name) for cls in model_class.mro() if name in vars(cls)]


def _describe_method(model, name):
    definitions = _definitions(type(model), name)
    signature = _signature(definitions[0])
    if signature is not None and _only_passes_on(signature):
        # an override taking (self, *args, **kwargs): the first definition
        # names the arguments, as orm_call binds them
        signature = _signature(definitions[-1]) or signature
    return {
        # record methods take the record ids as first argument in /json-call
        "kind": "record" if getattr(definitions[0], "_api", None) is None else "model",
        "signature": f"{name}{_without_self(signature)}" if signature else f"{name}(...)",
        "doc": _summary(name, next((d.__doc__ for d in definitions if d.__doc__), "")),
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

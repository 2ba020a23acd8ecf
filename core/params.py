"""What each route accepts in ``params``, declared once as data.

The dispatcher validates every request against these specs before any
database work, so a bad request gets a precise ``Invalid params`` error
instead of a ``TypeError`` from deep in the ORM. Keeping the specs as data
(not as code in each controller) lets the API description be generated
from the very objects that validate requests.
"""

from dataclasses import dataclass, field

from .errors import InvalidParams

JSON_TYPE_NAMES = {str: "string", int: "integer", bool: "boolean", list: "array", dict: "object"}


@dataclass(frozen=True)
class Param:
    json_type: type
    required: bool = False
    doc: str = ""
    aliases: tuple = ()
    secret: bool = False
    default: object = None
    #: for arrays/objects: the type of their items (checked one level deep)
    items: type = None
    #: more of its JSON schema, for the OpenAPI document only (the known keys
    #: of an object...): what the checks above do not look at
    extra: dict = field(default_factory=dict)
    #: a value that works as is on a demo database, for the document's
    #: examples (what Swagger UI's "Try it out" sends); None: left out
    example: object = None


def _type_ok(value, json_type):
    if json_type is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, json_type)


def validate(spec, params):
    """Return ``params`` checked against ``spec``: aliases folded into their
    canonical name, ``null`` treated as absent, defaults filled in.

    :raises InvalidParams: naming the offending parameter, never its value
        (it may be a password or a token).
    """
    if not isinstance(params, dict):
        raise InvalidParams("'params' must be a JSON object (by-name parameters).")
    by_name = {}
    for name, param in spec.items():
        by_name[name] = (name, param)
        for alias in param.aliases:
            by_name[alias] = (name, param)
    unknown = sorted(set(params) - set(by_name))
    if unknown:
        raise InvalidParams("Unknown parameter(s): %s. Accepted: %s." % (", ".join(unknown), ", ".join(sorted(spec))))
    result = {}
    for given_name, value in params.items():
        name, param = by_name[given_name]
        if value is None:
            continue
        if name in result:
            raise InvalidParams(f"Give '{name}' once (it was also given as one of {', '.join(param.aliases)}).")
        if not _type_ok(value, param.json_type):
            raise InvalidParams(f"Parameter '{given_name}' must be a JSON {JSON_TYPE_NAMES[param.json_type]}.")
        if param.json_type is str and param.required and not value:
            raise InvalidParams(f"Parameter '{given_name}' must not be empty.")
        if param.items is not None:
            values = value.values() if isinstance(value, dict) else value
            if not all(_type_ok(item, param.items) for item in values):
                raise InvalidParams(f"Every item of '{given_name}' must be a JSON {JSON_TYPE_NAMES[param.items]}.")
        result[name] = value
    for name, param in spec.items():
        if name not in result:
            if param.required:
                raise InvalidParams(f"Missing required parameter '{name}'.")
            if param.default is not None:
                result[name] = type(param.default)(param.default)
    return result


#: the context keys clients set most; any other key is taken as well
CONTEXT_KEYS = {
    "lang": {"type": "string", "description": "Language code, e.g. en_US."},
    "tz": {"type": "string", "description": "Time zone, e.g. Europe/Brussels."},
    "active_test": {"type": "boolean", "description": "false: archived records are found too."},
    "allowed_company_ids": {
        "type": "array",
        "items": {"type": "integer"},
        "description": "The companies the call runs in, the first the current one.",
    },
}
CONTEXT_SCHEMA = {"properties": CONTEXT_KEYS, "additionalProperties": True}

DB = Param(str, doc="Database name. Optional when the server serves a single database (or its dbfilter selects one).")
TOKEN = Param(
    str, secret=True, doc="The token from user_authenticate. The 'Authorization: Bearer <token>' header is preferred."
)

AUTHENTICATE = {
    "login": Param(str, required=True, doc="The user's login.", example="admin"),
    "password": Param(
        str, required=True, secret=True, example="admin", doc="The user's password, or one of the user's Odoo API keys."
    ),
    "db": DB,
    "label": Param(str, doc="What the token is for, shown to administrators."),
    "expires_in": Param(
        int,
        doc="Lifetime in seconds, capped by the system parameter "
        "json_rpc_token.max_ttl_hours. Default: json_rpc_token.ttl_hours.",
    ),
    "scope": Param(
        dict,
        doc='Narrows the token: {"models": ["res.partner", ...], "read_only": true}.',
        extra={
            "properties": {
                "models": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "The only models the token may call.",
                },
                "read_only": {"type": "boolean", "description": "true: only methods that read."},
            },
            "additionalProperties": False,
        },
    ),
    "allowed_networks": Param(
        list, items=str, doc='IP addresses or CIDR networks the token may be used from, e.g. ["203.0.113.0/24"].'
    ),
    "rate_limit": Param(
        int,
        doc="Calls per minute the token may make: only lower than the default "
        "(system parameter json_rpc_token.rate_limit_per_minute), never higher.",
    ),
    "resource": Param(
        str,
        doc="The one API the token is for (RFC 8707): this server's MCP endpoint, as its URL "
        "(https://<odoo>/mcp) or '/mcp'; the token then works on /mcp only (for an AI assistant "
        "configured by hand) and is refused by every other API (but user_logout). Left out: the "
        "token serves every API, /mcp included.",
    ),
}

LOGOUT = {
    "token": TOKEN,
    "db": DB,
}

CALL = {
    "token": TOKEN,
    "db": DB,
    "model": Param(str, required=True, doc="Technical model name, e.g. res.partner.", example="res.partner"),
    "method": Param(str, required=True, doc="A public method of the model, e.g. search_read.", example="search_read"),
    "args": Param(
        list,
        aliases=("Args",),
        default=[],
        example=[[["is_company", "=", False]]],
        doc="Positional arguments; for record methods the first is the list of ids.",
    ),
    "kwargs": Param(
        dict,
        default={},
        doc="Keyword arguments, by the method's parameter names.",
        extra={"additionalProperties": True},
        example={"fields": ["name", "email"], "limit": 5},
    ),
    "context": Param(dict, default={}, extra=CONTEXT_SCHEMA, doc="Merged over the user's own context (lang, tz, ...)."),
    "atomic": Param(
        bool,
        doc="In a batch: true in any request makes the whole batch one "
        "transaction, rolled back entirely on the first error.",
    ),
    "idempotency_key": Param(
        str,
        doc="A key chosen by the client (1-255 printable ASCII characters, e.g. a "
        "UUID): the call runs at most once per key, a retry gets the stored "
        "answer. Same as the Idempotency-Key header; in a batch, for the whole "
        "batch.",
    ),
}

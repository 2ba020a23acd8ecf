"""Code people copy and paste, filled with this server's address and
database: the *token ready* dialog's one line per dialect
(:func:`token_lines`) and the model reference's examples per model and
method (:func:`method_snippets`), in curl, Python requests, JavaScript fetch
and XML-RPC.

Each one runs as it is (the tests run them against a live server): the
lines of the dialog carry the token; the examples read it from the
environment variable :data:`TOKEN_VARIABLE`, as a key should be kept (out of
the code, out of git), so the same example serves every token of the user.
Shell values are quoted with :func:`shlex.quote`, Python and JavaScript
values are JSON in JavaScript and Python's literals in Python
(:func:`python_literal`).
"""

import json
import re
import shlex

#: where the examples read the token from
TOKEN_VARIABLE = "ODOO_TOKEN"

#: the example call of the token-ready lines: read-only, on a model every
#: internal user may read, unless the token is scoped to other models
DEFAULT_MODEL = "res.partner"

#: the dialects of the token-ready dialog, in its order: (key, title)
DIALECTS = [
    ("json_call", "JSON-RPC /json-call"),
    ("rest", "REST /api"),
    ("json2", "JSON-2 /json/2"),
    ("rpc", "XML-RPC and /jsonrpc (token as password)"),
    ("mcp", "MCP /mcp"),
]


def _json(value):
    return json.dumps(value, ensure_ascii=False)


def _curl(url, headers, body=None, extra=()):
    """One curl command line: ``url``, ``headers`` (name -> value), a JSON
    ``body`` (POSTed) and ``extra`` arguments, each shell-quoted."""
    words = ["curl", "-s", *extra, url]
    for name, value in headers.items():
        words += ["-H", f"{name}: {value}"]
    if body is not None:
        words += ["-H", "Content-Type: application/json", "-d", _json(body)]
    return " ".join(shlex.quote(word) for word in words)


def token_lines(base_url, database, uid, secret, models=None):
    """``[(key, title, line)]``: for each dialect, one shell command line
    that uses the new token at once (counting the partners, or the records of
    the first model a scoped token may use), on ``base_url`` and
    ``database``; for MCP, the line that connects Claude Code, as
    ``doc/mcp.rst`` shows it. ``uid``: the token's user, whose id Odoo's RPC
    names with the password."""
    base_url = base_url.rstrip("/")
    model = sorted(models)[0] if models else DEFAULT_MODEL
    bearer = {"X-Odoo-Database": database, "Authorization": f"Bearer {secret}"}
    lines = {
        "json_call": _curl(
            f"{base_url}/json-call",
            bearer,
            {"jsonrpc": "2.0", "params": {"model": model, "method": "search_count", "args": [[]]}},
        ),
        "rest": _curl(
            f"{base_url}/api/{model}/",
            bearer,
            extra=["-G", "--data-urlencode", "query={id, display_name}", "-d", "page_size=5"],
        ),
        "json2": _curl(f"{base_url}/json/2/{model}/search_count", bearer, {"domain": []}),
        "rpc": _curl(
            f"{base_url}/jsonrpc",
            {},
            {
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {
                    "service": "object",
                    "method": "execute_kw",
                    "args": [database, uid, secret, model, "search_count", [[]]],
                },
            },
        ),
        "mcp": " ".join(
            shlex.quote(word)
            for word in [
                "claude",
                "mcp",
                "add",
                "--transport",
                "http",
                "odoo",
                f"{base_url}/mcp?db={database}",
                "--header",
                f"Authorization: Bearer {secret}",
            ]
        ),
    }
    return [(key, title, lines[key]) for key, title in DIALECTS]


# ------------------------------------------------------- method examples
#: the languages of a method's examples, in the page's order: (key, title)
LANGUAGES = [
    ("curl", "curl"),
    ("python", "Python requests"),
    ("javascript", "JavaScript fetch"),
    ("xmlrpc", "XML-RPC (Python)"),
    ("json2", "curl, JSON-2"),
]


def python_literal(value, indent=0, column=None):
    """``value`` (JSON-able) as a Python literal: on one line if it fits in
    80 columns from ``column`` (where it starts; ``indent`` if None), else
    one item a line, indented by 4 from ``indent``."""
    flat = repr(value)
    if len(flat) + (indent if column is None else column) <= 80 or not isinstance(value, (dict, list)) or not value:
        return flat
    inner = " " * (indent + 4)
    if isinstance(value, dict):
        items = [
            f"{inner}{key!r}: {python_literal(item, indent + 4, indent + 6 + len(repr(key)))}"
            for key, item in value.items()
        ]
        return "{\n" + ",\n".join(items) + ",\n" + " " * indent + "}"
    items = [f"{inner}{python_literal(item, indent + 4)}" for item in value]
    return "[\n" + ",\n".join(items) + ",\n" + " " * indent + "]"


def example_call(method_name, method, fields, sample_ids):
    """``(ids, arguments)`` of an example call of one method, ``method``
    as :func:`.model_reference.odoo19_method` describes it: the ids of a
    record method (``sample_ids``, records the user may read, if the method
    only reads; none if it may change them: an example copied and run as it
    is must not rename, archive or delete a real record), and the
    arguments by name: the usual ones for the ORM's common methods, else
    each parameter without a default, valued after its name or annotation,
    as Odoo 19's ``/doc`` does. ``fields``: the model's ``fields_get``."""
    api = method.get("api", ())
    ids = None if "model" in api else list(sample_ids) if "readonly" in api else []
    name_field = "name" if "name" in fields else "display_name"
    common = {
        "search_read": {"domain": [], "fields": [name_field], "limit": 5},
        "search": {"domain": [], "limit": 5},
        "search_count": {"domain": []},
        "read": {"fields": [name_field]},
        "name_search": {"name": "", "limit": 5},
        "fields_get": {"attributes": ["string", "type"]},
        "read_group": {"domain": [], "fields": [], "groupby": ["create_date:month"]},
        "web_search_read": {"domain": [], "specification": {name_field: {}}, "limit": 5},
        "create": {"vals_list": [{name_field: "Example"}]},
        "write": {"vals": {name_field: "Example"}},
    }
    if method_name in common:
        arguments = {name: value for name, value in common[method_name].items() if name in method.get("parameters", {})}
        return ids, arguments
    arguments = {}
    for name, parameter in method.get("parameters", {}).items():
        if (
            "default" in parameter
            or parameter.get("kind") in ("VAR_POSITIONAL", "VAR_KEYWORD")
            or _has_default(method, name)
        ):
            continue
        arguments[name] = _example_value(name, parameter.get("annotation", ""))
    return ids, arguments


def _has_default(method, name):
    """Whether the signature gives ``name`` a default that is not JSON
    (``odoo19_method`` leaves such defaults out of ``parameters``)."""
    return re.search(rf"\b{re.escape(name)}=", method.get("signature", "")) is not None


def _example_value(name, annotation):
    annotation = annotation.lower()
    if "domain" in name or "domain" in annotation:
        return []
    if name in ("fields", "field_names", "fnames") or any(
        word in annotation for word in ("list", "sequence", "collection", "tuple", "set")
    ):
        return []
    if "dict" in annotation or name in ("vals", "values", "context"):
        return {}
    if "int" in annotation or "float" in annotation or name in ("limit", "offset"):
        return 0
    if "bool" in annotation:
        return False
    return ""


def method_examples(env, base_url, model_name, method_name, method, fields):
    """:func:`method_snippets` of one method for ``env``'s user, on its
    database: a record method that only reads is called on the first
    record the user may read, so that its example runs as it is.
    ``method``: as :func:`.model_reference.odoo19_method` describes it;
    ``fields``: the model's ``fields_get``."""
    sample_ids = env[model_name].search([], limit=1, order="id").ids
    ids, arguments = example_call(method_name, method, fields, sample_ids)
    return method_snippets(base_url, env.cr.dbname, env.uid, model_name, method_name, ids, arguments)


def method_snippets(base_url, database, uid, model, method_name, ids, arguments):
    """``[(key, title, code)]``: the call of ``model.method_name`` on the
    records ``ids`` (None: a model method) with ``arguments`` (by name), in
    each of :data:`LANGUAGES`, on ``base_url`` and ``database``, the token read
    from :data:`TOKEN_VARIABLE`; ``uid``: the user, for Odoo's RPC."""
    base_url = base_url.rstrip("/")
    args = [] if ids is None else [ids]
    params = {"model": model, "method": method_name, "args": args, "kwargs": arguments}
    body = {"jsonrpc": "2.0", "params": params}
    json2_body = arguments if ids is None else {"ids": ids, **arguments}
    url, json2_url = f"{base_url}/json-call", f"{base_url}/json/2/{model}/{method_name}"
    quoted_body = shlex.quote(_json(body))
    quoted_json2_body = shlex.quote(_json(json2_body))
    code = {
        "curl": f"""curl -s {shlex.quote(url)} \\
  -H "Authorization: Bearer ${TOKEN_VARIABLE}" \\
  -H {shlex.quote(f"X-Odoo-Database: {database}")} \\
  -H 'Content-Type: application/json' \\
  -d {quoted_body}
""",
        "python": f"""import os

import requests

# the token: keep it out of the code (an environment variable, a vault)
token = os.environ[{_json(TOKEN_VARIABLE)}]
response = requests.post(
    {_json(url)},
    headers={{"Authorization": f"Bearer {{token}}", "X-Odoo-Database": {_json(database)}}},
    json={python_literal(body, 4, 9)},
    timeout=60,
)
answer = response.json()
if "error" in answer:  # see the error table: doc/errors.rst
    raise SystemExit(answer["error"])
print(answer["result"])
""",
        "javascript": f"""// Node.js 18+ (or a page of this server, with the token in place of process.env)
const token = process.env.{TOKEN_VARIABLE};
const response = await fetch({_json(url)}, {{
    method: "POST",
    headers: {{
        "Content-Type": "application/json",
        "Authorization": `Bearer ${{token}}`,
        "X-Odoo-Database": {_json(database)},
    }},
    body: JSON.stringify({_json(body)}),
}});
const answer = await response.json();
if ("error" in answer) {{
    throw new Error(JSON.stringify(answer.error));
}}
console.log(JSON.stringify(answer.result));
""",
        "xmlrpc": f"""import os
import xmlrpc.client

# the token is the password of Odoo's XML-RPC, with the user's id
token = os.environ[{_json(TOKEN_VARIABLE)}]
models = xmlrpc.client.ServerProxy({_json(f"{base_url}/xmlrpc/2/object")}, allow_none=True)
print(models.execute_kw({_json(database)}, {uid}, token, {_json(model)}, {_json(method_name)},
                        {python_literal(args, 24)}, {python_literal(arguments, 24, 26 + len(repr(args)))}))
""",
        "json2": f"""curl -s {shlex.quote(json2_url)} \\
  -H "Authorization: bearer ${TOKEN_VARIABLE}" \\
  -H {shlex.quote(f"X-Odoo-Database: {database}")} \\
  -H 'Content-Type: application/json' \\
  -d {quoted_json2_body}
""",
    }
    return [(key, title, code[key]) for key, title in LANGUAGES]

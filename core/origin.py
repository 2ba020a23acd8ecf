"""Which web pages may make a browser call a database with a token: the one
rule of every path that takes a token (``/json-call``, REST, JSON-2, and a
token as the password of Odoo's ``/xmlrpc``, ``/xmlrpc/2``, ``/jsonrpc``).

Any page can make its visitor's browser send a "simple" request (a
``text/plain`` POST, no preflight) from inside the visitor's network: the
page cannot read the answer, but the call would run, passing a token's
``allowed_networks``. Browsers say where such a request comes from in
``Origin``; scripts and connectors send none and are not concerned.

An origin is admitted if the database lists it in the system parameter
``json_rpc_token.cors_origins``, or if it is the server's own public
address: the server option ``json_rpc_token_public_url`` (comma-separated
origins) when set, else the database's ``web.base.url``. Never the ``Host``
header of the request: a page of ``rebind.example`` whose name an attacker
points at the server (DNS rebinding) sends ``Host: rebind.example`` and
``Origin: http://rebind.example`` alike, and would pass as the server's own.
"""

from urllib.parse import urlsplit

from odoo.tools import config

from .errors import OriginRefused

CORS_PARAM = "json_rpc_token.cors_origins"
PUBLIC_URL_OPTION = "json_rpc_token_public_url"
BASE_URL_PARAM = "web.base.url"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalized(url):
    """``scheme://host[:port]`` of ``url``, lowercase, without a default
    port (as browsers write ``Origin``); None if it is no http(s) URL
    ("null", the origin of sandboxed frames and local files, included)."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), parts.hostname
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"{scheme}://{host}" + (f":{port}" if port and port != _DEFAULT_PORTS[scheme] else "")


def listed(env, origin):
    """Whether the database grants ``origin`` (``json_rpc_token.cors_origins``)."""
    allowed = env["ir.config_parameter"].sudo().get_param(CORS_PARAM) or ""
    return origin in {entry.strip() for entry in allowed.split(",") if entry.strip()}


def public_origins(env):
    """The server's own origins: the server option ``json_rpc_token_public_url``
    if set, else the database's ``web.base.url``."""
    configured = config.get(PUBLIC_URL_OPTION)
    urls = configured.split(",") if configured else [env["ir.config_parameter"].sudo().get_param(BASE_URL_PARAM)]
    return {origin for origin in map(normalized, urls) if origin}


def is_public(env, origin):
    own = normalized(origin)
    return bool(own) and own in public_origins(env)


def admit(env, origin):
    """Refuse (:class:`~.errors.OriginRefused`) a request a browser sent from
    ``origin`` if the database behind ``env`` does not admit it; a request
    without ``Origin`` passes."""
    if origin and not listed(env, origin) and not is_public(env, origin):
        raise OriginRefused(
            f"Calls from web pages of {origin[:100]} are not accepted by this database; "
            f"an administrator can list that origin in the system parameter {CORS_PARAM}."
        )

"""What the MCP endpoint publishes of its authorization (RFC 9728,
OAuth 2.0 Protected Resource Metadata), and the challenge of its 401.

Pure: built from the base URL the client used (scheme and host, as Odoo's
``proxy_mode`` sees them behind a proxy) and the database the client named,
so that the metadata names the very URL the client connects to (MCP clients
check that the metadata's ``resource`` is the server they were given).

The database travels in the URL: on a server with several databases, the
MCP URL given to a client is ``https://<odoo>/mcp?db=<name>``, and RFC 9728
keeps the query of a resource in its metadata URL
(``/.well-known/oauth-protected-resource/mcp?db=<name>``). A database named
only by the ``X-Odoo-Database`` header is not repeated: a client configured
with a header is configured by hand.
"""

from urllib.parse import urlencode, urlsplit

from .errors import InvalidParams

#: the protected resource: the MCP endpoint
MCP_PATH = "/mcp"
#: the short name of the MCP endpoint as a ``resource`` of
#: ``/json-call/user_authenticate`` (its URL on this server is the long one)
MCP_SHORT_NAME = MCP_PATH
#: RFC 9728 §3: the well-known metadata path (the resource's path appended)
PROTECTED_RESOURCE_PATH = "/.well-known/oauth-protected-resource"
RESOURCE_NAME = "Odoo (MCP)"
#: what an OAuth client may ask: reading, writing (the record tools), and
#: calling public methods (the ``call_method`` tool: with ``write`` only,
#: and only when the user ticks it on the consent page)
SCOPES = ("read", "write", "call")


def scope_string(read_only, call_methods=False):
    """The OAuth scope of a token: ``read``, ``read write``, or ``read
    write call``."""
    if read_only:
        return "read"
    return "read write call" if call_methods else "read write"


def _base(base_url):
    return base_url.rstrip("/")


def _query(dbname):
    return f"?{urlencode({'db': dbname})}" if dbname else ""


def resource_url(base_url, dbname=None):
    """The MCP endpoint's resource identifier (RFC 8707): its URL."""
    return f"{_base(base_url)}{MCP_PATH}{_query(dbname)}"


def is_mcp_resource(resource, base_url):
    """Whether ``resource`` (RFC 8707) names this server's MCP endpoint: its
    URL on ``base_url`` (any ``?db=``), no fragment."""
    if not isinstance(resource, str):
        return False
    parts = urlsplit(resource)
    return not parts.fragment and f"{parts.scheme}://{parts.netloc}/" == base_url and parts.path == MCP_PATH


def audience_of(resource, base_url):
    """The audience of a token asked for ``resource`` at a login
    (``/json-call/user_authenticate``): None for none (every API of the
    addon), ``mcp`` for the MCP endpoint (its URL, or :data:`MCP_SHORT_NAME`).

    :raises InvalidParams: for any other resource."""
    if resource is None:
        return None
    if resource == MCP_SHORT_NAME or is_mcp_resource(resource, base_url):
        return "mcp"
    raise InvalidParams(
        f"'resource' must be this server's MCP endpoint ({resource_url(base_url)}, or '{MCP_SHORT_NAME}'): "
        "the token then works on /mcp only. Leave it out for a token of every other API."
    )


def metadata_url(base_url, dbname=None):
    """The URL of the MCP endpoint's metadata: the path-suffixed form of
    RFC 9728 §3.1, the query of the resource kept."""
    return f"{_base(base_url)}{PROTECTED_RESOURCE_PATH}{MCP_PATH}{_query(dbname)}"


def protected_resource_metadata(base_url, dbname=None):
    """RFC 9728 §2: the MCP endpoint as a protected resource, signed in to
    by this server's own authorization server (:mod:`.oauth_server`),
    taking bearer tokens in the ``Authorization`` header only (never in the
    query or the body, where logs and proxies keep them)."""
    return {
        "resource": resource_url(base_url, dbname),
        "resource_name": RESOURCE_NAME,
        "authorization_servers": [_base(base_url)],
        "scopes_supported": list(SCOPES),
        "bearer_methods_supported": ["header"],
    }


def challenge(base_url, dbname=None, token_given=False):
    """The ``WWW-Authenticate`` value of the MCP endpoint's 401 (RFC 9728
    §5.1, RFC 6750 §3): where its metadata is; ``error="invalid_token"``
    when a token was sent and refused (none when none was sent, as RFC 6750
    asks), so that a client knows to get a new one."""
    parts = [f'resource_metadata="{metadata_url(base_url, dbname)}"']
    if token_given:
        parts.insert(0, 'error="invalid_token"')
    return "Bearer " + ", ".join(parts)

"""Client ID Metadata Documents (the MCP authorization specification's
*CIMD*, draft-ietf-oauth-client-id-metadata-document): an OAuth client
whose ``client_id`` is an ``https`` URL is registered by the JSON document
at that URL (``client_id``, ``client_name``, ``redirect_uris``...), fetched
by the authorization server when the client first comes to sign a user in.

Fetching a URL that anyone may name is server-side request forgery waiting
to happen: the address a name resolves to is checked before connecting,
and the connection is made to that very address (the ``Host`` header and
the TLS server name stay the URL's name), so that a second DNS answer (DNS
rebinding) cannot send the request elsewhere. Private, loopback and
shared addresses are refused unless an administrator allows them;
link-local (169.254.169.254: a cloud's instance metadata), multicast,
reserved and unspecified addresses are refused always.

The fetch has a timeout, a size cap, follows no redirect and takes JSON
only. Plain ``http`` is never fetched: the document says where the user's
authorization code is sent (``redirect_uris``), and only TLS vouches that
it is the client's own. A document served with a certificate of an
internal authority is trusted through the server option
``json_rpc_token_client_metadata_ca_file`` (a PEM bundle added to the
system's).

Pure: no request, no database; :class:`Refused` says in words what is
wrong, for the OAuth error the user sees.
"""

import functools
import http.client
import ipaddress
import socket
import ssl
import time
from urllib.parse import urlsplit

from . import strict_json

#: the draft's advice: documents are small (5 kB)
MAX_BYTES = 5 * 1024
#: seconds to connect, and for the whole answer to arrive
TIMEOUT = 5
MAX_URL_LENGTH = 2000
USER_AGENT = "Odoo json_rpc_token (client metadata)"


class Refused(ValueError):
    """A client ID metadata document that cannot be used, and why."""


def is_metadata_url(client_id):
    """Whether ``client_id`` names a metadata document (an https URL)
    rather than a client registered by RFC 7591 (a random string)."""
    return isinstance(client_id, str) and client_id[:8].lower() == "https://"


def check_url(url):
    """The parts of a client ID URL, as the draft requires it (§3): https,
    a host, a path, no fragment, no user or password, no dot segment."""
    if len(url) > MAX_URL_LENGTH:
        raise Refused("The client ID URL is too long.")
    try:
        parts = urlsplit(url)
        port = parts.port or 443
    except ValueError:
        raise Refused("The client ID is not a valid URL.") from None
    if parts.scheme != "https" or not parts.hostname:
        raise Refused("A client ID URL must be an https URL with a host.")
    if parts.fragment or parts.username is not None or parts.password is not None or "#" in url:
        raise Refused("A client ID URL has no fragment, user name or password.")
    segments = parts.path.split("/")
    if parts.path in ("", "/") or "." in segments or ".." in segments:
        raise Refused("A client ID URL names a document: it has a path, without '.' or '..' segments.")
    return parts, port


#: RFC 6598 shared address space (carrier-grade NAT): not private to
#: Python, not public either
SHARED_ADDRESSES = ipaddress.ip_network("100.64.0.0/10")
#: "this network" (RFC 1122): 0.0.0.0 and its kin reach the host itself
THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")


def address_refused(address, allow_private):
    """Why the IP ``address`` (a string) may not be fetched from, or None.
    ``allow_private``: an administrator allowed private, loopback and
    shared addresses (a metadata host inside the organisation)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    if ip.is_unspecified or ip.is_multicast or ip.is_link_local or ip in THIS_NETWORK:
        return "an unspecified, multicast or link-local address"
    if ip.is_loopback or (ip.is_private and not ip.is_reserved) or ip in SHARED_ADDRESSES:
        return None if allow_private else "a private or loopback address"
    if ip.is_reserved or not ip.is_global:
        return "a reserved address"
    return None


def resolve_checked(host, port, allow_private):
    """The addresses ``host`` resolves to, each one checked: if any is
    refused, the document is not fetched at all (no address of the name is
    tried)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise Refused(f"The client ID's host {host[:100]} could not be resolved.") from None
    addresses = []
    for family, _type, _proto, _name, sockaddr in infos:
        reason = address_refused(sockaddr[0], allow_private)
        if reason:
            raise Refused(
                f"The client ID's host {host[:100]} resolves to {reason} ({sockaddr[0]}): not fetched. "
                "An administrator may allow private addresses for client metadata in Settings."
            )
        if (family, sockaddr) not in addresses:
            addresses.append((family, sockaddr))
    return addresses


class _CheckedAddressConnection(http.client.HTTPSConnection):
    """HTTPS to the addresses checked already, not to what the name
    resolves to now: the TLS server name and ``Host`` stay the URL's."""

    def __init__(self, host, port, addresses, context, timeout):
        super().__init__(host, port, timeout=timeout, context=context)
        self._addresses = addresses

    def connect(self):
        last_error = None
        for family, sockaddr in self._addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect(sockaddr)
            except OSError as error:
                sock.close()
                last_error = error
                continue
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
            return
        raise last_error or OSError("no address")


@functools.lru_cache(maxsize=8)
def _tls_context(ca_file):
    """The TLS client context (per extra CA bundle), made once: loading the
    system's authorities is most of a fetch's time (bench/client_metadata.py,
    doc/performance.rst). A bundle changed at the same path is read at the
    next restart."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def _read_capped(response, max_bytes, deadline):
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise Refused(f"The client metadata document is larger than {max_bytes} bytes.")
    pieces, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise Refused("The client metadata document took too long to arrive.")
        piece = response.read(min(4096, max_bytes + 1 - size))
        if not piece:
            return b"".join(pieces)
        pieces.append(piece)
        size += len(piece)
        if size > max_bytes:
            raise Refused(f"The client metadata document is larger than {max_bytes} bytes.")


def fetch(url, allow_private=False, ca_file=None, timeout=TIMEOUT, max_bytes=MAX_BYTES):
    """The JSON object at the client ID ``url``, fetched as the module
    says; :class:`Refused` otherwise."""
    parts, port = check_url(url)
    addresses = resolve_checked(parts.hostname, port, allow_private)
    deadline = time.monotonic() + timeout
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = _CheckedAddressConnection(parts.hostname, port, addresses, _tls_context(ca_file), timeout)
    try:
        connection.request("GET", target, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
        response = connection.getresponse()
        if 300 <= response.status < 400:
            raise Refused(f"The client metadata document answered a redirect (HTTP {response.status}): not followed.")
        if response.status != 200:
            raise Refused(f"The client metadata document answered HTTP {response.status}.")
        content_type = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise Refused(f"The client metadata document is not JSON (Content-Type {content_type[:60] or 'none'}).")
        body = _read_capped(response, max_bytes, deadline)
    except ssl.SSLError as error:
        raise Refused(f"The client metadata document's TLS failed: {error.reason or error}.") from None
    except (OSError, http.client.HTTPException) as error:
        raise Refused(f"The client metadata document could not be fetched: {type(error).__name__}.") from None
    finally:
        connection.close()
    try:
        document = strict_json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Refused("The client metadata document is not valid JSON.") from None
    if not isinstance(document, dict):
        raise Refused("The client metadata document must be a JSON object.")
    return document


def registration(url, document, redirect_uri_allowed):
    """What the server registers of the ``document`` fetched at ``url``:
    its name, redirect URIs (each passing ``redirect_uri_allowed``) and
    home page. The document must name itself (``client_id`` equal to its
    URL) and be a public client (PKCE, no secret)."""
    if document.get("client_id") != url:
        raise Refused("The client metadata document's 'client_id' is not the URL it was fetched from.")
    uris = document.get("redirect_uris")
    if not isinstance(uris, list) or not uris or not all(isinstance(uri, str) for uri in uris):
        raise Refused("The client metadata document's 'redirect_uris' must be a non-empty list of URLs.")
    for uri in uris:
        if not redirect_uri_allowed(uri):
            raise Refused(f"The client metadata document's redirect URI {uri[:200]} is not allowed on this server.")
    method = document.get("token_endpoint_auth_method", "none")
    if method != "none":
        raise Refused("This server signs in public clients only ('token_endpoint_auth_method': 'none').")
    name = document.get("client_name")
    client_uri = document.get("client_uri")
    return {
        "name": (name if isinstance(name, str) and name.strip() else urlsplit(url).hostname)[:100],
        "redirect_uris": "\n".join(uris),
        "client_uri": client_uri[:500] if isinstance(client_uri, str) and client_uri.startswith("https://") else False,
    }

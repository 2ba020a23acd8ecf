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

The fetch has a size cap, follows no redirect, takes JSON only, and one
deadline for all of it (connection, TLS handshake, headers, body): each
read from the socket gets only the time left, so that a server dripping a
byte at a time cannot hold an Odoo worker past it. Plain ``http`` is never fetched: the document says where the user's
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
import io
import ipaddress
import socket
import ssl
import time
from urllib.parse import urlsplit

from . import strict_json

#: the draft's advice: documents are small (5 kB)
MAX_BYTES = 5 * 1024
#: seconds for the whole fetch: connecting, TLS, the headers and the body
TIMEOUT = 5
MAX_URL_LENGTH = 2000
USER_AGENT = "Odoo json_rpc_token (client metadata)"


class Refused(ValueError):
    """A client ID metadata document that cannot be used, and why."""


def is_metadata_url(client_id):
    """Whether ``client_id`` names a metadata document (an https URL)
    rather than a client registered by RFC 7591 (a random string)."""
    return isinstance(client_id, str) and client_id[:8].lower() == "https://"


def has_space_or_control(text):
    """Whether ``text`` holds a space, a control or another character that
    cannot be printed: a URL has none (RFC 3986), ``urlsplit`` silently drops
    some (tab, CR, LF), and a list of URLs stored one per line would be cut
    at them (``https://app.example/cb javascript:x`` read as two)."""
    return any(character.isspace() or not character.isprintable() for character in text)


def check_url(url):
    """The parts of a client ID URL, as the draft requires it (§3): https,
    a host, a path, no fragment, no user or password, no dot segment."""
    if len(url) > MAX_URL_LENGTH:
        raise Refused("The client ID URL is too long.")
    if has_space_or_control(url):
        raise Refused("A client ID URL has no space or control character.")
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
    # an IPv6 address that carries an IPv4 one is judged by the IPv4 one,
    # where its packets go: mapped (::ffff:127.0.0.1) and 6to4
    # (2002:a9fe:a9fe::, encapsulated to 169.254.169.254 by a host with a
    # 6to4 route, and "global" to Python)
    ip = getattr(ip, "ipv4_mapped", None) or getattr(ip, "sixtofour", None) or ip
    if ip.is_unspecified or ip.is_multicast or ip.is_link_local or ip in THIS_NETWORK:
        return "an unspecified, multicast or link-local address"
    # site-local (fec0::/10): deprecated, still routed inside some networks,
    # and "global" to Python
    internal = ip.is_private and not ip.is_reserved or getattr(ip, "is_site_local", False)
    if ip.is_loopback or internal or ip in SHARED_ADDRESSES:
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


def _time_left(deadline):
    """Seconds until ``deadline`` (``time.monotonic()``); TimeoutError when
    it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the client metadata fetch's deadline has passed")
    return left


class _DeadlineReader(io.RawIOBase):
    """A socket's bytes (``stream``: its ``makefile``, which keeps it open
    for the answer after ``http.client`` closes the connection), each read
    allowed only the time left before the fetch's deadline. A socket
    timeout alone bounds one read: a server that sends a byte just before
    each timeout would keep the fetch (and the Odoo worker) for hours, as
    ``http.client`` reads the headers line by line and the body until it
    has what it asked for."""

    def __init__(self, sock, stream, deadline):
        super().__init__()
        self._sock, self._stream, self._deadline = sock, stream, deadline

    def readable(self):
        return True

    def readinto(self, buffer):
        self._sock.settimeout(_time_left(self._deadline))
        return self._stream.readinto(buffer)

    def close(self):
        self._stream.close()
        return super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    """An answer read through :class:`_DeadlineReader`."""

    def __init__(self, sock, deadline, **options):
        super().__init__(sock, **options)
        self.fp = io.BufferedReader(_DeadlineReader(sock, self.fp.detach(), deadline))


class _CheckedAddressConnection(http.client.HTTPSConnection):
    """HTTPS to the addresses checked already, not to what the name
    resolves to now: the TLS server name and ``Host`` stay the URL's.
    Connecting, the TLS handshake and every read end by ``deadline``."""

    def __init__(self, host, port, addresses, context, deadline):
        super().__init__(host, port, context=context)  # the timeouts: set by connect and the reader
        self._addresses = addresses
        self._deadline = deadline

    def connect(self):
        last_error = None
        for family, sockaddr in self._addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.settimeout(_time_left(self._deadline))
            try:
                sock.connect(sockaddr)
            except OSError as error:
                sock.close()
                last_error = error
                continue
            # the handshake has the time left (the timeout set above, or less)
            sock.settimeout(_time_left(self._deadline))
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
            return
        raise last_error or OSError("no address")

    def response_class(self, sock, **options):
        return _DeadlineResponse(sock, self._deadline, **options)


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


def _read_capped(response, max_bytes):
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise Refused(f"The client metadata document is larger than {max_bytes} bytes.")
    pieces, size = [], 0
    while True:
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
    connection = _CheckedAddressConnection(parts.hostname, port, addresses, _tls_context(ca_file), deadline)
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
        body = _read_capped(response, max_bytes)
    except TimeoutError:
        raise Refused(f"The client metadata document took longer than {timeout} seconds to arrive.") from None
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

"""The client's address: the peer, or the address a trusted proxy forwards."""

import functools
import ipaddress
import logging

from odoo.tools import config

_logger = logging.getLogger(__name__)

TRUSTED_PROXIES_OPTION = "json_rpc_token_trusted_proxies"


@functools.lru_cache(maxsize=8)
def _trusted_proxies(setting):
    """The networks of the server option ``json_rpc_token_trusted_proxies``
    (comma-separated addresses or CIDR networks). Parsed, and misconfiguration
    reported, once per process and value. An entry that is no address trusts
    nobody."""
    networks = []
    for entry in filter(None, (entry.strip() for entry in (setting or "").split(","))):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            _logger.error("%s: %r is no IP address or network; ignored", TRUSTED_PROXIES_OPTION, entry)
    if not networks:
        _logger.warning(
            "--proxy-mode is on but %s lists no proxy: X-Forwarded-For is ignored, every client "
            "is seen as the address it connects from",
            TRUSTED_PROXIES_OPTION,
        )
    return tuple(networks)


def client_ip(request):
    """The address of the client that sent ``request``.

    With ``--proxy-mode``, Odoo replaces the peer's address by the last
    ``X-Forwarded-For`` entry of any request that carries ``X-Forwarded-Host``,
    whoever sent the headers: a client that reaches Odoo without passing the
    proxy, or through a proxy that passes the headers on, could choose its
    address, and with it pass a token's ``allowed_networks`` and spread its
    failures over fresh lockout counters. So the forwarded address is believed
    only when the peer is a proxy listed in the server option
    ``json_rpc_token_trusted_proxies``; otherwise the peer is the client."""
    httprequest = request.httprequest
    original = httprequest.environ.get("werkzeug.proxy_fix.orig")  # set when Odoo applied forwarding
    if original is None:
        return httprequest.remote_addr
    peer = original.get("REMOTE_ADDR")
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return peer
    address = getattr(address, "ipv4_mapped", None) or address
    if any(address in network for network in _trusted_proxies(config.get(TRUSTED_PROXIES_OPTION))):
        return httprequest.remote_addr
    return peer

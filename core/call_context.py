"""The call being served, as the models and the core see it: what the
request's entry point knows of it, passed down instead of read from the
HTTP request.

A model (a token check, a login's failure counting, an audit entry) needs
a few facts of the request that runs it: the client's address, the page's
``Origin``, whether it serves one of this addon's token routes, the
idempotency claim of the call, a batch's memo of token rows. The entry
point of each request makes one :class:`Call` of them (a dialect's
dispatcher, Odoo's RPC routes for a token given as a password), and the
models ask :func:`current` for it: they never read ``odoo.http.request``.

Two ways in, one answer:

* :func:`bound`: the call holds for the block, whatever runs inside it
  (Odoo's RPC services run with the request taken off the stack: the call
  is bound around them);
* otherwise, the request layer's provider (:func:`provide`, installed by
  :mod:`..http_layer.token_call`): the call of the request being served, made
  once per request, for every request (Odoo's own login pages count
  failures by client address too).

Outside any request (a cron, a shell), :data:`NO_CALL`.
"""

import contextlib
import contextvars
import re
from dataclasses import dataclass


@dataclass
class Call:
    """What one request carries down to the core and the models."""

    #: the routing type of this addon's dialect serving the request
    #: ('json_call', 'json_rest', 'json2'); None: another route (Odoo's
    #: login pages, its RPC with a token as the password)
    dialect: str = None
    #: the client's address, as :mod:`..http_layer.client_address` decides it
    client_address: str = None
    #: the request's ``Origin`` header (None: not sent)
    origin: str = None
    #: the request's ``User-Agent`` header (None: not sent): what names a
    #: token issued by a login (see :func:`client_product`)
    user_agent: str = None
    #: the idempotency claim of the call, if it has a key (http.idempotency.Claim)
    idempotency: object = None
    #: a batch's memo of token rows (digest -> TokenFacts), None outside batches
    facts_memo: dict = None
    #: on a route of any module with ``auth='api_token'``: the token of the
    #: call, until its usage is counted, and when the call started
    token_id: int = None
    started: float = None

    @property
    def on_token_route(self):
        return self.dialect is not None


#: the call of no request
NO_CALL = Call()

#: a User-Agent's first product, ``name/version`` (RFC 9110 section 10.1.5)
_PRODUCT_RE = re.compile(r"\s*([!#$%&'*+.^_`|~0-9A-Za-z-]{1,64})(?:/([!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}))?")


def client_product(user_agent):
    """The client a ``User-Agent`` names, as a person reads it: its first
    product and the version's first two parts (``python-requests/2.32.3``
    -> ``python-requests 2.32``); None when there is none."""
    match = _PRODUCT_RE.match(user_agent or "")
    if not match:
        return None
    name, version = match.groups()
    return f"{name} {'.'.join(version.split('.')[:2])}" if version else name


_bound = contextvars.ContextVar("json_rpc_token_call", default=None)
_provider = None


def provide(provider):
    """Install ``provider()``: the call of the request being served, or None."""
    global _provider  # pylint: disable=global-statement  # installed once, by the request layer
    _provider = provider


def current():
    """The call being served (:data:`NO_CALL` outside any request)."""
    call = _bound.get()
    if call is None and _provider is not None:
        call = _provider()
    return call or NO_CALL


@contextlib.contextmanager
def bound(call):
    """Make ``call`` the current one for the block."""
    reset = _bound.set(call)
    try:
        yield call
    finally:
        _bound.reset(reset)

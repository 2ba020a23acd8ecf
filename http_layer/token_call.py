"""The token step of every dialect, and the :class:`~..core.call_context.Call`
each request carries down.

A dialect's dispatcher starts the call of its request (:func:`start`),
Odoo's RPC routes bind one around Odoo's services (:func:`bound_for_rpc`),
and any other request gets one when a model first asks
(:func:`..core.call_context.current`). The models read the client's
address, the page's origin and the rest from it, never from the request.
"""

import contextlib

from odoo.http import request

from ..core import call_context, orm_call, usage
from ..core.call_context import Call
from . import idempotency, read_replica, token_session
from .client_address import client_ip

#: request attribute: the request's Call
_ATTRIBUTE = "json_rpc_token_call"


def _call_of(odoo_request, dialect=None):
    headers = odoo_request.httprequest.headers
    return Call(
        dialect=dialect,
        client_address=client_ip(odoo_request),
        origin=headers.get("Origin"),
        user_agent=headers.get("User-Agent"),
    )


def start(odoo_request, dialect):
    """A fresh call for ``odoo_request``, served by ``dialect`` (a routing
    type of this addon): made by the dispatcher as it starts, again if
    Odoo's ``retrying`` runs the request again."""
    call = _call_of(odoo_request, dialect)
    setattr(odoo_request, _ATTRIBUTE, call)
    return call


def _of_request():
    """The call of the request being served (None outside a request)."""
    if not request:
        return None
    call = getattr(request, _ATTRIBUTE, None)
    if call is None:
        dialect = getattr(request.dispatcher, "routing_type", None)
        call = start(request, dialect if dialect in token_session.TOKEN_ROUTING_TYPES else None)
    return call


call_context.provide(_of_request)


@contextlib.contextmanager
def bound_for_rpc():
    """The request's call, kept for Odoo's XML-RPC/JSON-RPC services:
    ``odoo.http.dispatch_rpc`` takes the request off the stack before it
    calls them, so a token given there as a password would be checked
    without its client's address (its allowed networks then refuse it, and
    its last use is stamped without one) and its page's ``Origin``.
    Entered by the RPC routes of :mod:`..controllers.xmlrpc`."""
    with call_context.bound(_call_of(request)):
        yield


def become_token_user(secret, model_name, method_name, context=None, api_keys=False):
    """Authenticate the request by the token ``secret`` for calling
    ``model_name.method_name``, and make ``request.env`` the token user's
    (never sudo), with the user's context and ``context`` over it: the one
    token step of every wire format. Returns the token's facts (their
    ``models`` narrow what :func:`..core.orm_call.execute` may touch).

    ``api_keys``: an Odoo API key of the user is accepted too (JSON-2).
    ``model_name``, ``method_name`` None: a document, of no one model or
    running no method (Odoo 19's API documentation, see
    ``TokenFacts.check_scope``).

    The token is read on the primary even when the call runs on a replica
    (:mod:`.read_replica`): revoked means refused at once."""
    with read_replica.checking_env(request.env) as env:
        tokens = env["api.token"].sudo()
        facts = tokens._check_secret(secret, api_keys=api_keys)
        # from here on the call counts on the token, a scope refusal too
        # (_admit_call notes it again, for the dialects without a scope check)
        usage.note(request.env.cr.dbname, facts.id)
        facts.check_scope(model_name, method_name)
        tokens._admit_call(facts)
    # once every check of the credential passed (a stored answer is given to
    # no one who would be refused), in the call's own transaction
    idempotency.on_token_user(request.env, call_context.current(), facts)
    token_session.bind(facts.user_id)
    request.update_env(
        user=facts.user_id, su=False, context=orm_call.user_context(request.env, facts.user_id, context or {})
    )
    return facts


def call_with_token(
    secret, model_name, method_name, args, kwargs, context=None, api_keys=False, ids=None, stream=False
):
    """:func:`become_token_user`, then :func:`..core.orm_call.execute` as that
    user (``stream``: a ``search_read`` answers a stream, see :mod:`.streaming`)."""
    facts = become_token_user(secret, model_name, method_name, context, api_keys)
    return orm_call.execute(
        request.env, model_name, method_name, args, kwargs, allowed_models=facts.models, ids=ids, stream=stream
    )

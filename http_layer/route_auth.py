"""``auth='api_token'``: this addon's tokens on the routes of any module.

Odoo authenticates a route by the ``auth`` it declares, with the method
``ir.http._auth_method_<auth>`` (Odoo's own ``user``, ``public``, ``none``,
``bearer`` for API keys). This addon adds ``api_token``: a module that
depends on it declares ``@http.route(..., auth='api_token')`` and the route
runs as the user of the ``Authorization: Bearer <token>`` the request
carries, on Odoo's own request path (``_serve_db``: its transaction,
``retrying``, read-only cursors, ``ir.http`` hooks), with the same checks
as every dialect of this addon:

* the token is live (not revoked, not expired or idle, its user active and
  internal) and used from an address it allows;
* a browser page may send it only from an origin the database admits
  (:mod:`..core.origin`);
* it counts on its rate limits and its usage, and its use is stamped;
* a token with a scope is refused: a route of another module can do
  anything, nothing there could hold it to its models or to reading (the
  rule of a token given as the password of Odoo's RPC);
* the browser session is never the cookie's: a fresh session, bound to the
  token's user, never saved (no ``Set-Cookie``), and no password
  confirmation can succeed inside the call (:mod:`.token_session`).

A refusal is answered with the status of the error table, in JSON
(``{"error": {code, message, data}}``, with ``WWW-Authenticate: Bearer`` on
a 401 and ``Retry-After`` on a 429), on an ``http`` route; a ``json`` route's
dispatcher makes it its own error object.

This addon's own routes declare ``auth='none'`` and run the same token step
in their dispatchers (:mod:`.token_call`): Odoo routes only ``auth='none'``
routes before a database is chosen, and that path (the ``db`` parameter on a
multi-database server, one cursor instead of three and no ``ir.http``
hooks) is measured faster (see doc/performance.rst).
"""

import time

import werkzeug.exceptions

from odoo.exceptions import AccessError
from odoo.http import request

from ..core import call_context, encoding, errors, origin, usage
from . import token_session
from .token_call import start

#: the dialect (:class:`..core.call_context.Call`) of a route of any module
#: authenticated by a token
ROUTE_AUTH = "api_token"


def _refusal(exc):
    """``exc`` (a refusal of the token step) as the HTTP answer Odoo's
    dispatchers send as it is."""
    kind = errors.classify(exc)
    headers = [("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store")]
    if kind.http_status == 401:
        headers.append(("WWW-Authenticate", "Bearer"))
    if getattr(exc, "retry_after", None) is not None:
        headers.append(("Retry-After", str(exc.retry_after)))
    body = encoding.dumps({"error": errors.to_error_object(exc)})
    refusal = werkzeug.exceptions.default_exceptions.get(kind.http_status, werkzeug.exceptions.InternalServerError)
    return refusal(description=str(exc), response=request.make_response(body, headers, status=kind.http_status))


def _bearer():
    header = request.httprequest.headers.get("Authorization") or ""
    scheme, _space, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise errors.TokenMissing("Send 'Authorization: Bearer <token>'.")
    return secret.strip()


def authenticate():
    """``ir.http._auth_method_api_token``: run the route as the token's user,
    or refuse it (see the module docstring)."""
    token_session.ensure_fresh_session(request)
    call = start(request, ROUTE_AUTH)
    call.started = time.perf_counter()
    try:
        tokens = request.env["api.token"].sudo()
        facts = tokens._check_secret(_bearer())
        call.token_id = facts.id
        origin.admit(request.env, call.origin)
        if facts.models is not None or facts.read_only:
            raise AccessError(  # pylint: disable=translation-required
                "This token has a scope (models or read-only): a route of another module cannot be held to it; "
                "use a token without scope."
            )
        tokens._admit_call(facts)
    except Exception as exc:
        errors.log_exception(exc)
        raise _refusal(exc) from None
    token_session.bind(facts.user_id)
    request.update_env(user=facts.user_id)


def _call():
    call = call_context.current()
    return call if call.dialect == ROUTE_AUTH else None


def before_dispatch():
    """``ir.http._pre_dispatch`` has run: Odoo has just let the route save
    its session (``save_session``); a token's session is never saved."""
    if _call() is not None:
        request.session.can_save = False


def after_dispatch(failed):
    """The route answered (or ``failed``): its call counts on the token's
    usage, once."""
    call = _call()
    if call is not None and call.token_id:
        usage.record(request.env.cr.dbname, call.token_id, (time.perf_counter() - call.started) * 1000, failed)
        call.token_id = None

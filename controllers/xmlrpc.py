"""Odoo's own RPC routes (``/xmlrpc``, ``/xmlrpc/2``, ``/jsonrpc``), unchanged
but for what a token given there as a password needs: the client's address
and the page origin, kept for its checks (see ``token_call.bound_for_rpc``),
the token checked in the call's own transaction for ``execute``/``execute_kw``,
and answers that no cache keeps (``Cache-Control: no-store``: they carry
records, and ``authenticate``'s uid for a secret).

The routes are process-wide (the addon is loaded with ``--load``), and so is
the object service, which :mod:`..http_layer.patches` sends through
:func:`object_dispatch`: on a database without the addon both leave Odoo's
behaviour as it is."""

import threading

from odoo import SUPERUSER_ID, api, http
from odoo.addons.base.controllers.rpc import RPC
from odoo.http import request
from odoo.modules.registry import Registry
from odoo.service import model as service_model

from ..core import errors, usage
from ..http_layer import token_call
from ..models.api_token import may_be_token

NO_STORE = ("Cache-Control", "no-store")


def _no_store(response):
    response.headers.set(*NO_STORE)
    return response


class RpcClientAddress(RPC):
    @http.route()
    def xmlrpc_1(self, service):
        with token_call.bound_for_rpc():
            try:
                return _no_store(super().xmlrpc_1(service))
            except Exception as error:
                _no_store(error.error_response)  # Odoo's fault answer, set by its route
                raise

    @http.route()
    def xmlrpc_2(self, service):
        with token_call.bound_for_rpc():
            try:
                return _no_store(super().xmlrpc_2(service))
            except Exception as error:
                _no_store(error.error_response)
                raise

    @http.route()
    def jsonrpc(self, service, method, args):
        # the answer is made by Odoo's JSON-RPC dispatcher, after the route:
        # future_response's headers go into it; an error answer is made
        # here, as Odoo would make it afterwards
        request.future_response.headers.set(*NO_STORE)
        with token_call.bound_for_rpc():
            try:
                return super().jsonrpc(service, method, args)
            except Exception as error:
                if not hasattr(error, "error_response"):
                    error.error_response = _no_store(request.dispatcher.handle_error(error))
                raise


# ------------------------------------------------------------------------
# execute/execute_kw with a token as the password: checked in the call's own
# transaction. Odoo's object service checks the password (``security.check``,
# ormcached per process) and then opens the call's cursor; a token cannot be
# cached (a revocation must hold at once in every worker), and checking it in
# a cursor of its own costs a connection round trip more than a cached API
# key. Here the token's row is read as the first query of the call's own
# transaction, after the registry's signalling check, before any method runs.
# Anything else (a password, an API key, a secret shaped like a token that is
# none) goes to Odoo's service unchanged.


def _execute_kw(cr, uid, obj, method, args, kw=None):
    return service_model.execute_cr(cr, uid, obj, method, *args, **(kw or {}))


def _execute(cr, uid, obj, method, *args, **kw):
    return service_model.execute_cr(cr, uid, obj, method, *args, **kw)


def _registry_with_addon(db):
    """The registry of ``db`` if it has this addon installed, else None
    (Odoo's own dispatch then serves the call, failures included)."""
    try:
        registry = Registry(db)
    except Exception:
        return None
    return registry if "api.token" in registry else None


def object_dispatch(odoo_dispatch, method, params):
    """Odoo's ``service.model.dispatch(method, params)`` (``odoo_dispatch``),
    but for a token given as the password of ``execute``/``execute_kw``."""
    if method not in ("execute", "execute_kw") or len(params) < 3 or not may_be_token(params[2]):
        return odoo_dispatch(method, params)
    registry = _registry_with_addon(params[0])
    if registry is None:
        return odoo_dispatch(method, params)
    db, uid, secret = params[0], int(params[1]), params[2]
    threading.current_thread().dbname = db
    threading.current_thread().uid = uid
    # a lost connection answers as a passing fault, not as psycopg2's class
    with errors.passing_faults_unavailable():
        registry = registry.check_signaling()
        with usage.metered(), registry.manage_changes(), registry.cursor() as cr:
            facts = api.Environment(cr, SUPERUSER_ID, {})["api.token"]._check_password_token(uid, secret)
            if facts:  # metered on the token since _admit_call
                return (_execute_kw if method == "execute_kw" else _execute)(cr, uid, *params[3:])
    return odoo_dispatch(method, params)  # no token: Odoo checks it as a password

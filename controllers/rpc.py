"""Odoo's own RPC routes (``/xmlrpc``, ``/xmlrpc/2``, ``/jsonrpc``), unchanged
but for the client's address, kept for the checks of a token given there as a
password (see ``api_token.rpc_client_address``), and for a token as the
password of ``execute``/``execute_kw``, checked in the call's transaction."""
import threading

from odoo import SUPERUSER_ID, api, http
from odoo.addons.base.controllers.rpc import RPC
from odoo.modules.registry import Registry
from odoo.service import model as service_model

from .. import errors, usage
from ..models.api_token import may_be_token, rpc_client_address


class RpcClientAddress(RPC):

    @http.route()
    def xmlrpc_1(self, service):
        with rpc_client_address():
            return super().xmlrpc_1(service)

    @http.route()
    def xmlrpc_2(self, service):
        with rpc_client_address():
            return super().xmlrpc_2(service)

    @http.route()
    def jsonrpc(self, service, method, args):
        with rpc_client_address():
            return super().jsonrpc(service, method, args)


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
_odoo_object_dispatch = getattr(service_model.dispatch, "odoo_dispatch", service_model.dispatch)


def _execute_kw(cr, uid, obj, method, args, kw=None):
    return service_model.execute_cr(cr, uid, obj, method, *args, **(kw or {}))


def _execute(cr, uid, obj, method, *args, **kw):
    return service_model.execute_cr(cr, uid, obj, method, *args, **kw)


def object_dispatch(method, params):
    if method not in ("execute", "execute_kw") or len(params) < 3 or not may_be_token(params[2]):
        return _odoo_object_dispatch(method, params)
    db, uid, secret = params[0], int(params[1]), params[2]
    threading.current_thread().dbname = db
    threading.current_thread().uid = uid
    # a lost connection answers as a passing fault, not as psycopg2's class
    with errors.passing_faults_unavailable():
        registry = Registry(db).check_signaling()
        with usage.metered(), registry.manage_changes(), registry.cursor() as cr:
            facts = api.Environment(cr, SUPERUSER_ID, {})["api.token"]._check_password_token(uid, secret)
            if facts:
                usage.note(db, facts.id)
                return (_execute_kw if method == "execute_kw" else _execute)(cr, uid, *params[3:])
    return _odoo_object_dispatch(method, params)  # no token: Odoo checks it as a password


object_dispatch.odoo_dispatch = _odoo_object_dispatch
service_model.dispatch = object_dispatch

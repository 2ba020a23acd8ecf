"""Odoo's own RPC routes (``/xmlrpc``, ``/xmlrpc/2``, ``/jsonrpc``), unchanged
but for the client's address, kept for the checks of a token given there as a
password (see ``api_token.rpc_client_address``)."""
from odoo import http
from odoo.addons.base.controllers.rpc import RPC

from ..models.api_token import rpc_client_address


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

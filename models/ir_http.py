from odoo import models

from ..http_layer import database_free, route_auth


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    def routing_map(self, key=None):
        """Odoo's routing map of this database, also kept on its registry:
        ``database_free.claim`` matches a path with it before any cursor is
        open, so that another module's route under ``/api`` or ``/object``
        stays that module's (Odoo's map is cached per registry, this is its
        latest)."""
        routing_map = super().routing_map(key=key)
        database_free.remember_routing_map(self.pool, routing_map)
        return routing_map

    @classmethod
    def _auth_method_api_token(cls):
        """``@http.route(..., auth='api_token')``: the route runs as the user
        of the request's token (see :mod:`..http_layer.route_auth`)."""
        route_auth.authenticate()

    @classmethod
    def _pre_dispatch(cls, rule, args):
        result = super()._pre_dispatch(rule, args)
        route_auth.before_dispatch()
        return result

    @classmethod
    def _post_dispatch(cls, response):
        result = super()._post_dispatch(response)
        route_auth.after_dispatch(failed=False)
        return result

    @classmethod
    def _handle_error(cls, exception):
        route_auth.after_dispatch(failed=True)
        return super()._handle_error(exception)

from odoo import models

from ..http_layer import database_free


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

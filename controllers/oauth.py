"""OAuth discovery for the MCP endpoint: ``GET
/.well-known/oauth-protected-resource`` (RFC 9728), and its path-suffixed
form for ``/mcp``, which MCP clients fetch first.

Public documents: no session, no token, no database opened (the metadata is
made of the URL the client used, see :mod:`..core.oauth_metadata`), any
origin may read them (a browser-based MCP client fetches them from its own
page), and only GET (or HEAD) reaches them.
"""
from odoo import http
from odoo.http import request

from ..core import oauth_metadata
from .docs import refuse_unless_get

METADATA_ROUTES = [oauth_metadata.PROTECTED_RESOURCE_PATH,
                   oauth_metadata.PROTECTED_RESOURCE_PATH + oauth_metadata.MCP_PATH]


class OAuthDiscoveryController(http.Controller):

    @http.route(METADATA_ROUTES, type="http", auth="none", save_session=False, readonly=True, csrf=False)
    def protected_resource_metadata(self, db=None, **_ignored):
        """The MCP endpoint's protected resource metadata; ``db``: the
        database the MCP URL names (not the ``X-Odoo-Database`` header: the
        ``resource`` must be the URL the client connects to)."""
        refused = refuse_unless_get("the metadata")
        if refused:
            return refused
        dbname = db if isinstance(db, str) and db else None
        metadata = oauth_metadata.protected_resource_metadata(request.httprequest.host_url, dbname)
        return request.make_json_response(metadata, headers=[("Access-Control-Allow-Origin", "*")])

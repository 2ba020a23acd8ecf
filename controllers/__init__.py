# One module per dialect; each registers its routing type (a Dispatcher
# subclass) before its routes use it.
from . import docs, json2, jsonrpc, mcp, oauth, odoo19, rest, xmlrpc

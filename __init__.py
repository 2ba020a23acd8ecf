"""The addon, in layers (each imports only the layers above it):

* ``core/``: what does not know the HTTP request: the error table,
  parameter specs, strict JSON, field selections, scopes and domain checks,
  the public-call path (``orm_call``), the call context the models read;
* ``models/``: one table each (tokens, audit log, lockout, rate limits,
  usage, idempotency keys), the settings, the ``res.users`` hooks;
* ``http_layer/``: what needs the request: the token step and the request's call
  (``token_call``), the base of the dialects' dispatchers (body, database,
  transaction, CORS), which requests are the addon's (``database_free``),
  client address, idempotency, the read replica, and every patch of Odoo
  (``patches``);
* ``controllers/``: one file per dialect (``jsonrpc``, ``rest``, ``json2``,
  ``xmlrpc``: a token as the password of Odoo's RPC), what Odoo 19 serves
  beside JSON-2 (``odoo19``: its version, its API documentation) and the
  documentation pages (``docs``); each only parses, authenticates, calls
  and encodes;
* ``openapi/``: one describer per dialect, from the same parameter specs.
"""

from . import controllers
from . import models
from .http_layer import patches

# Every patch of Odoo's code, applied when Odoo (or anything) first imports the
# addon. Not from the manifest's post_load: Odoo skips that hook when the
# package was imported before it loads the module (a test runner, another
# module importing from this one), and the patches would then be missing.
patches.apply()

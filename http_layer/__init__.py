"""What needs the HTTP request: the token step, the dialects' common
dispatcher, which requests are the addon's, and every patch of Odoo."""

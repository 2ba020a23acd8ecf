"""What the API does, without the HTTP request: nothing here imports
``odoo.http``. The models and the request layer (``http_layer/``) build on it."""

"""The OpenAPI 3.1 description of the API, one describer per dialect,
generated from the objects that serve it: the routes' parameter specs
(which validate requests), their result schemas, the parameters each REST
operation accepts, and the error table. Nothing here is written by hand
twice, so the description cannot drift from the behaviour."""

from . import common, json2, jsonrpc, models, rest


def document(server_url, jsonrpc_routes, max_batch, dbname=None, env=None, model_names=None):
    """The whole document: ``jsonrpc_routes`` as :func:`.jsonrpc.describe`
    takes them, ``max_batch`` the server's batch limit, ``dbname`` the
    database the examples name (None: they name none); with ``model_names``,
    the typed schemas and operations of those models as ``env``'s user sees
    them (:mod:`.models`)."""
    document = common.base_document(server_url)
    jsonrpc.describe(document, jsonrpc_routes, max_batch, dbname)
    rest.describe(document)
    json2.describe(document, dbname)
    if model_names:
        models.describe(document, env, model_names)
    return document

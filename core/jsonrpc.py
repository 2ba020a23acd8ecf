"""JSON-RPC 2.0's envelope, for every dialect that speaks it (``/json-call``,
and REST's bodies and answers, in odoo-rest-api's JSON-RPC shape)."""

from .errors import InvalidRequest

#: an answer's result when there is none (``null`` on the wire)
NO_RESULT = object()


def valid_id(value):
    """JSON-RPC ids are strings, numbers or null (and JSON booleans are no numbers)."""
    return value is None or isinstance(value, (str, int, float)) and not isinstance(value, bool)


def check_version(payload):
    """Refuse a request object that names another JSON-RPC version."""
    if payload.get("jsonrpc", "2.0") != "2.0":
        raise InvalidRequest("Only JSON-RPC 2.0 is served: 'jsonrpc' must be \"2.0\".")


def answer(request_id, result=NO_RESULT, error=None):
    """The answer object to the request ``request_id``: its ``result``, or
    ``error`` (an error object of :func:`.errors.to_error_object`)."""
    body = {"jsonrpc": "2.0", "id": request_id}
    if error is not None:
        body["error"] = error
    else:
        body["result"] = None if result is NO_RESULT else result
    return body

"""Every error this API can answer, and the one table that maps exceptions to
JSON-RPC error objects.

Why one table: integrators branch on ``error.code``; if each route or helper
built its own error dicts, codes would drift between routes. The dispatcher
calls :func:`classify` on any exception and :func:`to_error_object` to encode
it, nothing else builds error objects.

Codes follow JSON-RPC 2.0: the reserved ``-32700..-32603`` where the spec has a
meaning for the case, and the server-error range ``-32000..-32099`` for the
Odoo cases. Every answer carries ``data.name``, a public exception class, so a
client that already knows Odoo's exceptions can branch on that instead: Odoo's
(``odoo.exceptions.*``) or this module's, never the class of what failed
inside (a ``psycopg2`` or Python error says nothing stable to a client, and
tells an attacker which code path it reached).
"""

import contextlib
import logging
import traceback
from dataclasses import dataclass

import psycopg2
import werkzeug.exceptions
from odoo import exceptions as odoo_exceptions
from odoo.tools import config
from psycopg2.pool import PoolError

from . import call_context

_logger = logging.getLogger(__name__)


class JsonRpcError(Exception):
    """Base of the errors this addon raises itself.

    Their text is written for the client and never contains a secret, so it is
    safe both in the response and in the server log. ``loglevel`` keeps client
    mistakes out of the ERROR log (Odoo's ``Application.__call__`` honours it).
    """

    loglevel = logging.INFO


class ParseError(JsonRpcError):
    """The body is not JSON."""


class InvalidRequest(JsonRpcError):
    """The body is JSON but not a JSON-RPC request we accept."""


class InvalidParams(JsonRpcError):
    """A parameter is missing, unknown, or of the wrong type."""


class BadArguments(InvalidParams):
    """The arguments do not fit the called method's signature: the request
    was well formed, the call is not (HTTP 422, as Odoo 19's JSON-2)."""


class MethodNotAllowed(InvalidRequest):
    """The URL exists, but not for this HTTP method; ``allowed``: the ones
    it serves (the ``Allow`` header of the answer)."""

    def __init__(self, message, allowed):
        super().__init__(message)
        self.allowed = allowed


class UnsupportedMediaType(InvalidRequest):
    """A body sent as something else than JSON, where JSON is required."""


class MethodNotFound(JsonRpcError):
    """The model does not exist, or has no such public method."""


class DatabaseNotFound(JsonRpcError):
    """No database could be chosen, or the named one is not served here."""


class TokenError(JsonRpcError):
    """Base of the token failures, so a client can catch them together."""


class TokenMissing(TokenError):
    pass


class TokenInvalid(TokenError):
    pass


class TokenExpired(TokenError):
    pass


class TokenRevoked(TokenError):
    pass


class TokenAddressRefused(TokenError):
    """The token may not be used from the client's IP address."""


class TooManyAttempts(JsonRpcError):
    """Login or token failures crossed the cooldown threshold."""


class RateLimitExceeded(JsonRpcError):
    """More calls than the token's or the user's rate limit allows;
    ``retry_after``: the seconds after which a call fits again."""

    def __init__(self, message, retry_after):
        super().__init__(message)
        self.retry_after = retry_after


class BatchRolledBack(JsonRpcError):
    """Another request of an atomic batch failed: this one was undone."""


class OriginRefused(JsonRpcError):
    """A browser sent the request from an origin the database does not grant."""


class ServiceUnavailable(JsonRpcError):
    """A passing fault (database connection lost, too much contention):
    nothing was committed, the same request may be sent again."""


class IdempotencyInProgress(JsonRpcError):
    """A request with the same idempotency key is still running: nothing
    ran; send the request again after ``retry_after`` seconds to get its
    answer."""

    def __init__(self, message, retry_after=1):
        super().__init__(message)
        self.retry_after = retry_after


class IdempotencyKeyMismatch(JsonRpcError):
    """The idempotency key was used by this user for another request, or
    with another of their tokens (a stored answer is given back only to the
    credential that sent the request)."""


class InternalError(Exception):
    """Never raised: the ``data.name`` of every server fault, whatever
    failed inside (the details are in the server log)."""


@dataclass(frozen=True)
class ErrorKind:
    code: int
    message: str
    #: the HTTP status of this kind, for the wire formats that answer with
    #: HTTP statuses (JSON-RPC itself always answers 200)
    http_status: int
    #: a client mistake: logged at INFO without traceback; the exception text
    #: is shown to the client. Otherwise (server fault) the text is shown only
    #: in dev mode, and the traceback is logged.
    client_error: bool = True


#: exception class -> what the client gets. Looked up along the exception's
#: MRO, so the most specific class wins (ValidationError before UserError).
ERROR_TABLE = {
    ParseError: ErrorKind(-32700, "Parse error", 400),
    InvalidRequest: ErrorKind(-32600, "Invalid Request", 400),
    werkzeug.exceptions.HTTPException: ErrorKind(-32600, "Invalid Request", 400),
    MethodNotFound: ErrorKind(-32601, "Method not found", 404),
    MethodNotAllowed: ErrorKind(-32600, "Invalid Request", 405),
    UnsupportedMediaType: ErrorKind(-32600, "Invalid Request", 415),
    InvalidParams: ErrorKind(-32602, "Invalid params", 400),
    BadArguments: ErrorKind(-32602, "Invalid params", 422),
    TypeError: ErrorKind(-32602, "Invalid params", 400),
    ValueError: ErrorKind(-32602, "Invalid params", 400),
    psycopg2.DataError: ErrorKind(-32602, "Invalid params", 400),
    DatabaseNotFound: ErrorKind(-32000, "Database not found", 404),
    # 403, not 401: a login refused answers -32001 in JSON-RPC (always 200);
    # in a call (an identity check, a key refused) it is a refusal, as Odoo 19 answers
    odoo_exceptions.AccessDenied: ErrorKind(-32001, "Authentication failed", 403),
    TokenMissing: ErrorKind(-32002, "Token missing", 401),
    TokenInvalid: ErrorKind(-32003, "Invalid token", 401),
    TokenExpired: ErrorKind(-32004, "Token expired", 401),
    TokenRevoked: ErrorKind(-32005, "Token revoked", 401),
    TokenAddressRefused: ErrorKind(-32006, "Address not allowed", 403),
    TooManyAttempts: ErrorKind(-32007, "Too many attempts", 429),
    RateLimitExceeded: ErrorKind(-32029, "Rate limit exceeded", 429),
    BatchRolledBack: ErrorKind(-32008, "Batch rolled back", 409),
    OriginRefused: ErrorKind(-32009, "Origin not allowed", 403),
    odoo_exceptions.AccessError: ErrorKind(-32010, "Access denied", 403),
    odoo_exceptions.MissingError: ErrorKind(-32011, "Missing record", 404),
    odoo_exceptions.ValidationError: ErrorKind(-32020, "Validation error", 422),
    odoo_exceptions.UserError: ErrorKind(-32021, "User error", 422),
    odoo_exceptions.RedirectWarning: ErrorKind(-32021, "User error", 422),
    ServiceUnavailable: ErrorKind(-32030, "Service unavailable", 503),
    IdempotencyInProgress: ErrorKind(-32040, "Request in progress", 409),
    IdempotencyKeyMismatch: ErrorKind(-32041, "Idempotency key reused", 422),
}
INTERNAL_ERROR = ErrorKind(-32603, "Internal error", 500, client_error=False)


def classify(exc):
    """The :class:`ErrorKind` of ``exc``; also sets ``exc.loglevel`` so that
    Odoo logs a client mistake as one INFO line instead of an ERROR traceback.
    """
    for cls in type(exc).__mro__:
        kind = ERROR_TABLE.get(cls)
        if kind:
            break
    else:
        kind = INTERNAL_ERROR
    if kind.client_error and not hasattr(exc, "loglevel"):
        exc.loglevel = logging.INFO
    return kind


#: SQLSTATEs of a passing fault, by prefix: 08 connection exception; 53
#: insufficient resources (too many connections, disk full, out of memory);
#: 57 operator intervention (a cancelled statement, an administrator's or a
#: crash shutdown, "cannot connect now" while the server starts); a lock
#: or serialization conflict that outlived Odoo's retries (40001, 40P01,
#: 55P03)
PASSING_SQLSTATES = ("08", "53", "57", "40001", "40P01", "55P03")
#: psycopg2's classes for a mistake of the code that sent the query; when
#: they carry no SQLSTATE, psycopg2 itself refused the query, the
#: connection is fine
_QUERY_MISTAKES = (psycopg2.ProgrammingError, psycopg2.DataError, psycopg2.IntegrityError, psycopg2.NotSupportedError)


def is_passing_fault(exc):
    """Whether ``exc`` says the database was out of reach for a moment
    (connection lost or refused, too busy, shutting down, a conflict that
    outlived Odoo's retries): nothing was committed and the same request may
    be sent again (:class:`ServiceUnavailable`, -32030 / 503).

    Decided by what happened, not by the exception's class: when a server
    crashes or restarts, psycopg2 reports the lost connection with whatever
    class the step it was in uses (``OperationalError`` mostly, but
    ``InterfaceError`` on a closed connection, a bare ``DatabaseError`` when
    libpq has no message, ``InternalError`` and others mid-call). So:

    * the connection of the failed cursor is closed or broken;
    * the server's SQLSTATE is one of :data:`PASSING_SQLSTATES`;
    * no SQLSTATE at all, and no query mistake psycopg2 caught itself: the
      server sent no error, libpq lost or could not make the connection;
    * the pool had no free connection (``PoolError``);
    * an exception of no public class (not Odoo's, not this module's: a
      ``ValueError``, a ``KeyError``...) raised while handling one of the
      above is that fault: Odoo's clean-up after a lost connection, or
      ``safe_eval`` (a custom computed field, a server action) turning it
      into "ValueError: ... while evaluating". A public exception raised
      there (a ``UserError`` "the record is locked, try again") is the
      answer its code chose.

    The one test of every path: opening a database, a call, a token check
    on the primary, the addon's bookkeeping, Odoo's RPC with a token."""
    if _passing_itself(exc):
        return True
    if isinstance(exc, _PUBLIC_EXCEPTIONS):
        return False
    seen, cause = {id(exc)}, exc.__cause__ or exc.__context__
    while cause is not None and id(cause) not in seen:
        if _passing_itself(cause):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


#: exceptions whose class is an answer chosen by the code that raised them
_PUBLIC_EXCEPTIONS = (
    JsonRpcError,
    odoo_exceptions.UserError,
    odoo_exceptions.RedirectWarning,
    werkzeug.exceptions.HTTPException,
)


def _passing_itself(exc):
    if isinstance(exc, (ServiceUnavailable, PoolError)):
        return True
    if not isinstance(exc, psycopg2.Error):
        return False
    connection = getattr(exc.cursor, "connection", None)
    if connection is not None and connection.closed:
        return True
    if exc.pgcode:
        return exc.pgcode.startswith(PASSING_SQLSTATES)
    return not isinstance(exc, _QUERY_MISTAKES)


def retryable(exc):
    """``exc`` as the client is told: a passing fault (:func:`is_passing_fault`)
    becomes :class:`ServiceUnavailable` (-32030), which says the request may
    be sent again and names no internals; the log keeps the original."""
    if isinstance(exc, ServiceUnavailable) or not is_passing_fault(exc):
        return exc
    unavailable = ServiceUnavailable(
        "The database was briefly unavailable (connection lost, or too much contention): the request "
        "was not carried out. It is safe to send it again after a short pause."
    )
    unavailable.__cause__ = exc
    return unavailable


@contextlib.contextmanager
def passing_faults_unavailable():
    """A passing fault leaves the block as :class:`ServiceUnavailable` (its
    cause the original): for the code paths whose exceptions reach the
    client by another way than a dispatcher's ``retryable`` (the addon's
    bookkeeping, Odoo's RPC with a token as password)."""
    try:
        yield
    except Exception as exc:
        answered = retryable(exc)
        if answered is exc:
            raise
        raise answered from exc


#: the text of a DataError is the database's, with the SQL around the value
DATA_ERROR_MESSAGE = (
    "A value does not fit the database: out of range (e.g. an integer beyond 2147483647), "
    "negative where it cannot be (a limit, an offset) or of the wrong type."
)


def _qualified(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


def _public_name(exc, kind):
    """``data.name``: the first public class (Odoo's exceptions, this
    module's) ``exc`` is an instance of; else the public class of its kind
    (``InvalidParams`` for a ``ValueError``...); :class:`InternalError` for
    every server fault."""
    if kind is not INTERNAL_ERROR:
        public = [cls for cls in type(exc).__mro__ if cls.__module__ in (odoo_exceptions.__name__, PUBLIC_MODULE)]
        public = public or [
            cls for cls, cls_kind in ERROR_TABLE.items() if cls_kind == kind and cls.__module__ == PUBLIC_MODULE
        ]
        if public:
            return _qualified(public[0])
    return _qualified(InternalError)


def _exception_text(exc):
    if isinstance(exc, psycopg2.DataError):
        return DATA_ERROR_MESSAGE
    if isinstance(exc, werkzeug.exceptions.HTTPException):
        return exc.description or exc.name
    if isinstance(exc, (odoo_exceptions.UserError, odoo_exceptions.RedirectWarning)) and exc.args:
        return str(exc.args[0])
    return str(exc) or type(exc).__name__


def to_error_object(exc):
    """The JSON-RPC ``error`` member for ``exc``."""
    kind = classify(exc)
    dev_mode = bool(config["dev_mode"])
    data = {"name": _public_name(exc, kind)}
    if kind.client_error or dev_mode:
        data["message"] = _exception_text(exc)
        if isinstance(exc, (odoo_exceptions.UserError, odoo_exceptions.RedirectWarning)):
            data["arguments"] = [a if isinstance(a, (str, int, float, bool, type(None))) else str(a) for a in exc.args]
    else:
        data["message"] = "The server could not complete the call; the details are in its log."
    if getattr(exc, "retry_after", None) is not None:
        data["retry_after"] = exc.retry_after
    if dev_mode and exc.__traceback__ is not None:
        data["debug"] = "".join(traceback.format_exception(exc))
    return {"code": kind.code, "message": kind.message, "data": data}


def to_odoo_error(exc):
    """``exc`` as Odoo's ``serialize_exception`` shapes it (the body of
    Odoo 19's JSON-2 errors): ``name``, ``message``, ``arguments``,
    ``context``; ``debug`` in dev mode only. Same public name and text as
    :func:`to_error_object`."""
    data = to_error_object(exc)["data"]
    odoo_error = {
        "name": data["name"],
        "message": data["message"],
        "arguments": data.get("arguments", [data["message"]]),
        "context": {},
    }
    for extra in ("retry_after", "debug"):
        if extra in data:
            odoo_error[extra] = data[extra]
    return odoo_error


def log_exception(exc):
    """Log a failure that is answered without being raised (a batch member),
    as Odoo logs a raised one: a client mistake as one INFO line, a server
    fault with its traceback."""
    if classify(exc).client_error:
        # the database's own text for the log (the client got DATA_ERROR_MESSAGE)
        text = str(exc).strip() if isinstance(exc, psycopg2.Error) else _exception_text(exc)
        _logger.info("%s: %s", type(exc).__name__, text)
    else:
        _logger.error("Exception in a JSON-RPC batch request", exc_info=exc)


class ClientQueryFilter(logging.Filter):
    """Odoo logs every failed query at ERROR ("bad query"), before anyone
    knows why it failed. In a JSON-RPC call, a query refused for a value
    (``DataError``, a NUL character's ``ValueError``: client mistakes in the
    table) or a constraint (``IntegrityError``, answered as Odoo's
    ``ValidationError``) is a client mistake, already logged once at INFO with
    its answer: the query itself is kept for DEBUG logging only. Installed
    on the ``odoo.sql_db`` logger by :mod:`.patches`."""

    def filter(self, record):
        failure = record.args[-1] if isinstance(record.args, tuple) and record.args else None
        if (
            isinstance(failure, Exception)
            and _in_json_call()
            and (isinstance(failure, psycopg2.IntegrityError) or classify(failure).client_error)
        ):
            if not logging.getLogger("odoo.sql_db").isEnabledFor(logging.DEBUG):
                return False
            record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        return True


def _in_json_call():
    return call_context.current().dialect == "json_call"


#: the module the wire names this module's classes by (``data.name`` of
#: every dialect, and Odoo's own RPC faults when a token is the password):
#: where it lived until 18.0.1.8.0, so that clients matching on the names
#: keep working
PUBLIC_MODULE = "odoo.addons.json_rpc_token.errors"
for _class in [value for value in list(globals().values()) if isinstance(value, type) and value.__module__ == __name__]:
    _class.__module__ = PUBLIC_MODULE

"""The ``type='json_call'`` routing type: JSON-RPC 2.0 as integrators send it.

Odoo routes requests by ``type``: each type is a ``Dispatcher`` subclass that
parses the body, calls the endpoint and encodes the answer, and registering a
subclass is Odoo's own way to add one. Odoo's ``type='json'`` dispatcher does
not fit an API exposed to any client: it answers a malformed body with a
plain-text 400, wraps every failure in ``code: 200`` with a traceback, needs a
JSON ``Content-Type`` and knows no batches. This one accepts any content
type, validates ``params`` against the route's declared spec (``json_params=``
in the ``@http.route``), chooses the database from the ``db`` parameter,
serves batches, answers CORS, and turns every failure into one JSON-RPC error
object through :mod:`..errors`.

Transactions stay Odoo's: the dispatcher opens one cursor on the chosen
database and wraps the call in ``service.model.retrying`` (retry on
serialization failures, commit on success, rollback on any exception). When
the addon is not loaded server-wide, Odoo serves the routes on its database
path: Odoo has opened the cursor and applies the same ``retrying`` (see
:mod:`.database_free`).
"""
import contextlib
import functools
import json
import re
import threading
from typing import NamedTuple

import psycopg2
from psycopg2.pool import PoolError

from odoo import api, http
from odoo.modules.registry import Registry
from odoo.service import model as service_model
from odoo.tools import config

from .. import errors, orm_call, params as params_spec, token_session
from . import database_free, strict_json
from ..models.api_token import token_facts_memo
from ..models.api_token_lockout import record_pending_now


_BEARER_RE = re.compile(r"^\s*bearer\s+(\S+)\s*$", re.IGNORECASE)
_NO_RESULT = object()
#: server-wide limits, from the Odoo configuration file: they apply before
#: any database is chosen
MAX_BODY_OPTION, DEFAULT_MAX_BODY = "json_rpc_token_max_body_bytes", 10 * 1024 * 1024
MAX_BATCH_OPTION, DEFAULT_MAX_BATCH = "json_rpc_token_max_batch", 100
BODY_PIECE = 64 * 1024  # bytes read from the request body at a time
CORS_PARAM = "json_rpc_token.cors_origins"
CORS_MAX_AGE = "86400"
#: faults that pass: the connection to PostgreSQL was lost (a restart, a
#: failover, a killed backend), the connection pool is full, or a concurrency
#: failure outlived Odoo's retries. The transaction was not committed.
TRANSIENT_FAULTS = (psycopg2.OperationalError, psycopg2.InterfaceError, PoolError)


def valid_id(value):
    """JSON-RPC ids are strings, numbers or null (and JSON booleans are no numbers)."""
    return value is None or isinstance(value, (str, int, float)) and not isinstance(value, bool)


def server_limit(option, default):
    return int(config.get(option) or default)


def _read_at_most(httprequest, max_body):
    """The request body, read from the input stream in pieces until it ends,
    refused as soon as it is longer than ``max_body``: the rest is never read.

    Werkzeug 2.2 bounds its stream by Content-Length only; a chunked body
    (``Transfer-Encoding: chunked``, no Content-Length) is handed over whole,
    and ``get_data`` would read all of it, whatever ``max_content_length``
    says. Odoo's request wrapper does not expose the stream, hence the
    wrapped werkzeug request. The body is then cached as ``get_data`` caches
    it, for any later reader."""
    too_large = errors.InvalidRequest(f"The request body is larger than {max_body} bytes.")
    if (httprequest.content_length or 0) > max_body:
        raise too_large  # said so up front: nothing read
    wrapped = httprequest._HTTPRequest__wrapped
    stream, pieces, size = wrapped.stream, [], 0
    while size <= max_body:
        try:
            piece = stream.read(min(BODY_PIECE, max_body + 1 - size))
        except OSError:  # werkzeug's answer to bad chunk framing; a client gone or too slow
            raise errors.InvalidRequest("The request body could not be read (bad chunked encoding?).") from None
        if not piece:
            break
        pieces.append(piece)
        size += len(piece)
    if size > max_body:
        raise too_large
    wrapped._cached_data = body = b"".join(pieces)
    return body


def retryable(exc):
    """``exc`` as the client is told: a passing database fault becomes
    :class:`errors.ServiceUnavailable` (-32030), which says the request may be
    sent again and names no internals; the log keeps the original."""
    if not isinstance(exc, TRANSIENT_FAULTS):
        return exc
    unavailable = errors.ServiceUnavailable(
        "The database was briefly unavailable (connection lost, or too much contention): the request "
        "was not carried out. It is safe to send it again after a short pause.")
    unavailable.__cause__ = exc
    return unavailable


class Member(NamedTuple):
    """One request of a batch, parsed; ``error`` if it could not be."""
    id: object
    is_notification: bool
    params: dict
    error: Exception = None


class _RollBackBatch(Exception):
    """Unwinds the savepoint of an atomic batch after a member failed."""


class JsonCallDispatcher(http.Dispatcher):
    routing_type = "json_call"

    def __init__(self, request):
        super().__init__(request)
        self.request_id = None
        self.cors_origin = None  # the Origin to grant, once checked
        self.cors_checked = False

    @classmethod
    def is_compatible_with(cls, request):
        # Any content type: a client that forgets the header gets its call
        # served (or a clear JSON error), not an HTML 400.
        return True

    # ----------------------------------------------------------- parsing
    def _read_body(self):
        httprequest = self.request.httprequest
        if httprequest.method != "POST":
            raise errors.InvalidRequest("Send the JSON-RPC request with HTTP POST.")
        body = _read_at_most(httprequest, server_limit(MAX_BODY_OPTION, DEFAULT_MAX_BODY))
        try:
            return strict_json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise errors.ParseError("The request body is not valid JSON.") from None
        except RecursionError:
            raise errors.ParseError("The request body is nested too deeply.") from None

    def _parse_member(self, spec, payload):
        """A request object -> :class:`Member` (raises if it is not valid)."""
        if not isinstance(payload, dict):
            raise errors.InvalidRequest("A JSON-RPC request must be a JSON object.")
        request_id = payload.get("id")
        if not valid_id(request_id):
            raise errors.InvalidRequest("'id' must be a string, a number or null.")
        if payload.get("jsonrpc", "2.0") != "2.0":
            raise errors.InvalidRequest("Only JSON-RPC 2.0 is served: 'jsonrpc' must be \"2.0\".")
        values = params_spec.validate(spec, payload.get("params", {}))
        if "token" in spec:
            bearer = self._bearer_token()
            if bearer:
                if values.get("token") not in (None, bearer):
                    raise errors.InvalidRequest("Give the token once: in the Authorization header or in 'token'.")
                values["token"] = bearer
        return Member(request_id, "id" not in payload, values)

    def _bearer_token(self):
        header = self.request.httprequest.headers.get("Authorization")
        if not header:
            return None
        match = _BEARER_RE.match(header)
        if not match:
            raise errors.InvalidRequest("The Authorization header must be 'Bearer <token>'.")
        return match.group(1)

    # ---------------------------------------------------------- dispatching
    def dispatch(self, endpoint, args):
        token_session.ensure_fresh_session(self.request)
        try:
            if self.request.httprequest.method == "OPTIONS":
                self._check_cors_outside_call()
                return self._preflight_response()
            payload = self._read_body()
            spec = endpoint.routing["json_params"]
            if isinstance(payload, list):
                return self._dispatch_batch(endpoint, spec, payload)
            if isinstance(payload, dict) and valid_id(payload.get("id")):
                self.request_id = payload.get("id")  # echoed even if the rest is invalid
            member = self._parse_member(spec, payload)
            self.request.params = member.params
            return self._in_database(functools.partial(self._serve, endpoint), member.params.get("db"))
        except Exception as exc:
            errors.classify(exc)  # before Odoo logs it: a client mistake is no server error
            raise

    def _serve(self, endpoint):
        self._admit_origin(self.request.env)
        result = self.request.registry["ir.http"]._dispatch(endpoint)
        # encode inside the transaction: lazy values may still need the cursor
        return self._response(result=result)

    def _in_database(self, serve, dbname):
        """Run ``serve()`` in a transaction on ``dbname`` (default: the
        database Odoo chose for this request)."""
        request = self.request
        if request.db and dbname in (None, request.db):
            return serve()  # Odoo's _transactioning already wraps us
        dbname = dbname or database_free.default_database(request)
        if not dbname:
            raise errors.DatabaseNotFound(
                "No database selected: this server serves several databases, pass the 'db' parameter.")
        registry, cr = self._open_database(dbname)
        saved = request.registry, request.env
        threading.current_thread().dbname = dbname
        try:
            with contextlib.closing(cr):
                request.registry = registry
                request.env = api.Environment(cr, None, {})
                return service_model.retrying(serve, request.env)
        finally:
            request.registry, request.env = saved

    def _open_database(self, dbname):
        """The registry of ``dbname``, up to date, and a cursor on it, if the
        server serves that database (Odoo's ``db_filter``) and the addon is
        installed there. The database list is read once per database, when
        its registry is not loaded yet: listing them costs a connection."""
        host = self.request.httprequest.environ.get("HTTP_HOST")
        # one answer whether the database does not exist, is filtered out or
        # lacks the addon: the answer must not tell which databases exist
        not_served = errors.DatabaseNotFound(f"The database '{dbname}' is not served here.")
        if not http.db_filter([dbname], host=host) or (
                dbname not in Registry.registries and dbname not in http.db_list(force=True, host=host)):
            raise not_served
        cr = None
        try:
            registry = Registry(dbname)
            cr = registry.cursor()
            registry = registry.check_signaling(cr)  # on the call's own cursor, as Odoo does
        except Exception as exc:
            if cr is not None:
                cr.close()
            if isinstance(exc, TRANSIENT_FAULTS):
                raise  # a lost connection (answered -32030), no configuration fault
            raise errors.DatabaseNotFound(f"The database '{dbname}' cannot be opened.") from None
        if "api.token" not in registry:
            cr.close()
            raise not_served
        return registry, cr

    # -------------------------------------------------------------- batches
    def _dispatch_batch(self, endpoint, spec, payload):
        """A JSON array of requests: one answer per request that has an
        ``id`` (JSON-RPC 2.0 §6), in order. Members run in order on one
        database, and one failing does not undo the others (see
        :meth:`_serve_batch`); with ``"atomic": true`` in any member's params
        the batch is one transaction, rolled back entirely on the first
        failure."""
        if not payload:
            raise errors.InvalidRequest("An empty batch is not a request.")
        max_batch = server_limit(MAX_BATCH_OPTION, DEFAULT_MAX_BATCH)
        if len(payload) > max_batch:
            raise errors.InvalidRequest(f"A batch may hold at most {max_batch} requests.")
        members = []
        for raw in payload:
            try:
                members.append(self._parse_member(spec, raw))
            except Exception as exc:
                errors.log_exception(exc)
                raw_id = raw.get("id") if isinstance(raw, dict) else None
                members.append(Member(raw_id if valid_id(raw_id) else None, False, None, exc))
        databases = {member.params.get("db") for member in members if member.params} - {None}
        if len(databases) > 1:
            raise errors.InvalidRequest("All requests of a batch must use the same database.")
        atomic = any(member.params and member.params.get("atomic") for member in members)
        serve = functools.partial(self._serve_batch, endpoint, members, atomic)
        return self._in_database(serve, databases.pop() if databases else None)

    def _run_member(self, endpoint, member, base_env):
        self.request.env = base_env  # the previous member may have switched user
        self.request.params = member.params
        try:
            return self.request.registry["ir.http"]._dispatch(endpoint)
        finally:
            if member.params.get("method") not in orm_call.READ_ONLY_METHODS:
                token_facts_memo(self.request).clear()  # it may have changed what a token check reads

    def _member_error(self, exc, base_env):
        """What a failed member answers, once its savepoint is rolled back: as
        for a single request, a database constraint violation is reported as
        Odoo's RPC reports it. The failure counts and audit entries it left
        pending are written now, since the batch goes on to commit."""
        record_pending_now(base_env)
        if isinstance(exc, psycopg2.IntegrityError):
            exc = service_model._as_validation_error(base_env, exc)
        errors.log_exception(exc)
        return retryable(exc)

    def _serve_batch(self, endpoint, members, atomic):
        token_facts_memo(self.request, start=True)
        self._admit_origin(self.request.env)
        base_env, cr = self.request.env, self.request.env.cr
        outcomes = []  # (member, result or _NO_RESULT, exception or None)
        if atomic:
            failed = None
            try:
                with cr.savepoint():
                    for member in members:
                        if member.error:
                            failed = member
                            raise _RollBackBatch()
                        try:
                            result = self._run_member(endpoint, member, base_env)
                            cr.flush()  # what the member wrote fails now, as this member's error
                            outcomes.append((member, result, None))
                        except service_model.PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                            raise  # Odoo's retrying runs the whole batch again
                        except Exception as exc:
                            failed = member._replace(error=exc)
                            raise _RollBackBatch() from exc
            except _RollBackBatch:
                if failed.params is not None:  # it ran: the batch's savepoint is rolled back now
                    failed = failed._replace(error=self._member_error(failed.error, base_env))
                index = len(outcomes)  # the members before the failed one ran
                rolled_back = errors.BatchRolledBack(
                    f"Nothing of this atomic batch was written: request #{index + 1} failed.")
                outcomes = [(member, _NO_RESULT, failed.error if position == index else rolled_back)
                            for position, member in enumerate(members)]
        else:
            # Each write runs in its own savepoint, so that a failing one undoes
            # only itself. Consecutive reads share one: they write nothing, so
            # a failing read only needs a rollback to the start of its run of
            # reads (which also clears an aborted SQL transaction).
            reads_savepoint = None
            for member in members:
                if member.error:
                    outcomes.append((member, _NO_RESULT, member.error))
                    continue
                is_read = member.params.get("method") in orm_call.READ_ONLY_METHODS
                if reads_savepoint and not is_read:
                    reads_savepoint.close(rollback=False)
                    reads_savepoint = None
                savepoint = reads_savepoint or cr.savepoint()
                if is_read:
                    reads_savepoint = savepoint
                try:
                    result = self._run_member(endpoint, member, base_env)
                    if not is_read:
                        # flushes: what the member wrote fails now, as this member's error
                        savepoint.close(rollback=False)
                except service_model.PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                    raise  # Odoo's retrying runs the whole batch again
                except Exception as exc:
                    savepoint.close(rollback=True)
                    reads_savepoint = None
                    outcomes.append((member, _NO_RESULT, self._member_error(exc, base_env)))
                else:
                    outcomes.append((member, result, None))
            if reads_savepoint:
                reads_savepoint.close(rollback=False)
        self.request.env = base_env
        answers = [self._answer(member.id, result, exc and errors.to_error_object(exc))
                   for member, result, exc in outcomes if not member.is_notification]
        if not answers:  # only notifications: JSON-RPC says answer nothing
            return self._with_cors(self.request.make_response("", status=204))
        return self._encode(answers)

    # ----------------------------------------------------------------- CORS
    def _check_cors(self, env):
        """Grant the request's Origin if the database lists it in the system
        parameter ``json_rpc_token.cors_origins`` (comma-separated)."""
        origin = self.request.httprequest.headers.get("Origin")
        if not origin or self.cors_checked:
            return
        self.cors_checked = True
        allowed = env["ir.config_parameter"].sudo().get_param(CORS_PARAM) or ""
        if origin in {entry.strip() for entry in allowed.split(",") if entry.strip()}:
            self.cors_origin = origin

    def _admit_origin(self, env):
        """Refuse, before anything runs, a request that a browser sent from a
        page of another site the database does not grant.

        Any page can make its visitor's browser send a "simple" request (a
        ``text/plain`` POST, no preflight) from inside the visitor's network:
        the page cannot read the answer, but the call would run, passing a
        token's ``allowed_networks``. Browsers say where such a request comes
        from in ``Origin``; scripts send none, and the server's own pages
        (same scheme, host and port) are no other site."""
        self._check_cors(env)
        origin = self.request.httprequest.headers.get("Origin")
        if origin and not self.cors_origin and not self._is_own_origin(origin):
            raise errors.OriginRefused(
                f"Calls from web pages of {origin[:100]} are not accepted by this database; "
                f"an administrator can list that origin in the system parameter {CORS_PARAM}.")

    def _is_own_origin(self, origin):
        """Whether ``origin`` is the server as this request addresses it
        (werkzeug leaves out a default port, as browsers do in ``Origin``)."""
        return origin.lower() == self.request.httprequest.host_url.rstrip("/").lower()

    def _check_cors_outside_call(self):
        """A preflight, or a request refused before it reached a database
        (a body that is no JSON...), is granted as the default database's
        parameter says, so that a browser can read the answer."""
        if self.cors_checked or not self.request.httprequest.headers.get("Origin"):
            return
        with contextlib.suppress(Exception):  # no database to ask: no grant
            self._in_database(lambda: self._check_cors(self.request.env), None)

    def _with_cors(self, response):
        if self.cors_origin:
            response.headers["Access-Control-Allow-Origin"] = self.cors_origin
            response.headers.add("Vary", "Origin")
        return response

    def _preflight_response(self):
        response = self.request.make_response("", status=204)
        if self.cors_origin:
            response.headers.update({
                "Access-Control-Allow-Methods": "POST",
                "Access-Control-Allow-Headers": "Content-Type, Authorization",
                "Access-Control-Max-Age": CORS_MAX_AGE,
            })
        return self._with_cors(response)

    # ------------------------------------------------------------ encoding
    def handle_error(self, exc):
        self._check_cors_outside_call()
        return self._response(error=errors.to_error_object(retryable(exc)))

    @staticmethod
    def _answer(request_id, result=_NO_RESULT, error=None):
        answer = {"jsonrpc": "2.0", "id": request_id}
        if error is not None:
            answer["error"] = error
        else:
            answer["result"] = None if result is _NO_RESULT else result
        return answer

    def _response(self, result=_NO_RESULT, error=None):
        return self._encode(self._answer(self.request_id, result, error))

    def _encode(self, body):
        data = json.dumps(body, ensure_ascii=False, default=orm_call.json_default)
        return self._with_cors(self.request.make_response(
            data, headers=[("Content-Type", "application/json; charset=utf-8")]))

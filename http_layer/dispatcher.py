"""What every wire format of this addon shares, before and after its own
parsing and encoding: one base for the dispatchers of ``/json-call``
(JSON-RPC), ``/api`` (REST) and ``/json/2`` (Odoo 19's JSON-2).

Odoo routes requests by ``type``: each type is a ``Dispatcher`` subclass that
parses the body, calls the endpoint and encodes the answer. Each of this
addon's types only parses and encodes; this base does the rest, once:

* the cookie session is never used (:mod:`.token_session`);
* the body is read up to a server-wide limit, even when chunked;
* the database is chosen by the request (a parameter or a header), else
  Odoo's choice, and the call runs in one transaction on it, wrapped in
  ``service.model.retrying`` (retry on serialization failures, commit on
  success, rollback on any exception);
* browsers are admitted by CORS, and pages of other sites refused
  (:mod:`..core.origin`);
* no answer may be cached (``Cache-Control: no-store``): each holds a
  token, data or an outcome;
* every failure goes through the one error table (:mod:`..core.errors`); a
  passing database fault is answered as retryable;
* a request with an idempotency key runs at most once per key
  (:mod:`.idempotency`).

When the addon is not loaded server-wide, Odoo serves the routes on its
database path: Odoo has opened the cursor and applies the same ``retrying``
(see :mod:`.database_free`).
"""

import contextlib
import functools
import re
import threading

import psycopg2
import werkzeug.exceptions
from odoo import api, http
from odoo.modules.registry import Registry
from odoo.service import db as service_db
from odoo.service import model as service_model
from odoo.tools import config

from ..core import encoding, errors, orm_call, strict_json, usage
from ..core import origin as origin_rule
from . import database_free, idempotency, read_replica, streaming, token_call, token_session

_BEARER_RE = re.compile(r"^\s*bearer\s+(\S+)\s*$", re.IGNORECASE)
#: server-wide limit, from the Odoo configuration file: it applies before
#: any database is chosen
MAX_BODY_OPTION, DEFAULT_MAX_BODY = "json_rpc_token_max_body_bytes", 10 * 1024 * 1024
BODY_PIECE = 64 * 1024  # bytes read from the request body at a time
CORS_MAX_AGE = "86400"
#: answer headers a granted page may read: a browser hides all but a few
#: (Content-Type...) unless they are listed
CORS_EXPOSED_HEADERS = "Retry-After, WWW-Authenticate, Allow, Idempotent-Replayed"
#: on every answer: each one holds a token (a login), data the token's user
#: may read, or the outcome of a call. No cache, the browser's, a proxy's or
#: a CDN's, may keep it (RFC 9111 §5.2.2.5); RFC 6749 §5.1 asks exactly this
#: of an answer holding a token, with ``Pragma`` for HTTP/1.0 caches.
NO_STORE_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache"}
#: a passing fault (lost connection...) is answered -32030: errors.retryable,
#: decided by errors.is_passing_fault for every path
retryable = errors.retryable
#: request attribute: the body, once read (see TokenDispatcher.read_body)
_BODY_ATTRIBUTE = "json_rpc_token_body"
#: the database of a call, as Odoo 19's JSON-2 names it; every dialect takes
#: it (JSON-RPC and REST also take a ``db`` parameter)
DB_HEADER = "X-Odoo-Database"


def route_options(routing_type):
    """The ``@http.route`` options of every token route of a dialect.

    ``auth='none'``: the token is the route's business (a header or a
    parameter), and only ``auth='none'`` routes can be served before a
    database is chosen, which is what makes the database header and ``db``
    parameter work on a multi-database server (see :mod:`.database_free`).
    ``readonly=False``: the dispatcher decides per call whether it may run
    on a read-only cursor (:meth:`TokenDispatcher.in_database`); Odoo 18
    would give an ``auth='none'`` route a read-only cursor and re-run the
    whole request read/write on its first write (a login and its failure
    counting, twice). Sessions are never saved (:mod:`.token_session`)."""
    return {"type": routing_type, "auth": "none", "csrf": False, "save_session": False, "readonly": False}


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


class TokenDispatcher:
    """Mixed into each of this addon's ``http.Dispatcher`` subclasses (a
    mixin: Odoo registers every Dispatcher subclass as a routing type).

    A subclass implements :meth:`dispatch_call` (parse, then :meth:`serve`)
    and :meth:`error_response` (encode a failure)."""

    #: what a CORS preflight grants
    cors_methods = "POST"
    cors_headers = f"Content-Type, Authorization, {DB_HEADER}, {idempotency.KEY_HEADER}"

    def __init__(self, request):
        super().__init__(request)
        self.cors_origin = None  # the Origin to grant, once checked
        self.cors_checked = False
        #: the request's Call (see :mod:`.token_call`), made as it is dispatched
        self.call = None

    @property
    def idempotency(self):
        """The request's idempotency.Claim, if it has a key."""
        return self.call.idempotency if self.call is not None else None

    @classmethod
    def is_compatible_with(cls, request):
        # Any content type: a client that forgets the header gets its call
        # served (or a clear JSON error), not an HTML 400.
        return True

    # ---------------------------------------------------------- dispatching
    def dispatch(self, endpoint, args):
        token_session.ensure_fresh_session(self.request)
        self.call = token_call.start(self.request, self.routing_type)
        try:
            if self.request.httprequest.method == "OPTIONS":
                self._check_cors_outside_call()
                return self._preflight_response()
            with usage.metered():
                return self.dispatch_call(endpoint, args)
        except Exception as exc:
            errors.classify(exc)  # before Odoo logs it: a client mistake is no server error
            raise

    def dispatch_call(self, endpoint, args):
        raise NotImplementedError

    def handle_error(self, exc):
        self._check_cors_outside_call()
        answered = retryable(exc)
        response = self.error_response(answered)
        if self.idempotency is not None:
            self.idempotency.store_error(answered, response)
        return response

    def error_response(self, exc):
        raise NotImplementedError

    def serve(self, endpoint, dbname, encode, readonly=False, key=None):
        """Call ``endpoint`` with ``request.params`` in a transaction on
        ``dbname`` and return ``encode(result)``, encoded inside the
        transaction (lazy values may still need the cursor); at most once
        per idempotency key (``key``: a dialect's parameter, see
        :meth:`serve_once`). A :class:`..core.orm_call.RecordStream` is
        answered as NDJSON (:mod:`.streaming`), encoded in the transaction too."""

        def call():
            self._admit_origin(self.request.env)
            result = self.request.registry["ir.http"]._dispatch(endpoint)
            if isinstance(result, orm_call.RecordStream):
                return streaming.response(self, result)
            return encode(result)

        return self.serve_once(call, dbname, readonly, key)

    def stream_asked(self):
        """Whether the client asked for the answer as a stream (``Accept:
        application/x-ndjson``): a ``search_read`` is then answered as
        NDJSON (:mod:`.streaming`)."""
        return streaming.asked(self.request.httprequest)

    def serve_once(self, serve, dbname, readonly=False, key=None, asked=None):
        """:meth:`in_database`; if the request has an idempotency key (the
        ``Idempotency-Key`` header, or ``key``), at most once per key and
        user, on a read/write cursor (see :mod:`.idempotency`). ``asked()``:
        what the request asks, for its fingerprint (default: its params)."""
        key = idempotency.request_key(self.request.httprequest, key)
        if key is None:
            return self.in_database(serve, dbname, readonly)
        content = asked() if asked else idempotency.asked(self.request.params)
        self.call.idempotency = idempotency.Claim(key, idempotency.fingerprint(self, content))
        return self.in_database(functools.partial(self.call.idempotency.serve, self, serve), dbname)

    # -------------------------------------------------------------- reading
    def read_body(self):
        """The request body, read from the stream once per request; every
        later call (a retry) gets the same bytes.

        Odoo runs a request again after a serialization failure
        (``service.model.retrying``): on its database path (addon not loaded
        server-wide) the whole dispatch, parsing included. By then the stream
        is consumed; read again, it gives an empty body, answered -32700 as
        invalid JSON. (Werkzeug happens to replay the body when Odoo's retry
        looks at the request's files, but only for a request with a content
        type it does not parse as a form.)"""
        body = getattr(self.request, _BODY_ATTRIBUTE, None)
        if body is None:
            body = _read_at_most(self.request.httprequest, server_limit(MAX_BODY_OPTION, DEFAULT_MAX_BODY))
            setattr(self.request, _BODY_ATTRIBUTE, body)
        return body

    def read_json(self, body=None):
        """The body (or ``body``) decoded as strict JSON (see :mod:`.strict_json`)."""
        try:
            return strict_json.loads(self.read_body() if body is None else body)
        except (ValueError, UnicodeDecodeError):
            raise errors.ParseError("The request body is not valid JSON.") from None
        except RecursionError:
            raise errors.ParseError("The request body is nested too deeply.") from None

    def requested_database(self, param=None):
        """The database the request names: the ``X-Odoo-Database`` header,
        else ``param`` (a dialect's ``db`` parameter); None: Odoo's choice."""
        dbname = self.request.httprequest.headers.get(DB_HEADER) or param
        if dbname is not None and not isinstance(dbname, str):
            raise errors.InvalidParams("'db' must be a string.")
        return dbname or None

    def bearer_token(self):
        """The token of an ``Authorization: Bearer`` header, or None."""
        header = self.request.httprequest.headers.get("Authorization")
        if not header:
            return None
        match = _BEARER_RE.match(header)
        if not match:
            raise errors.InvalidRequest("The Authorization header must be 'Bearer <token>'.")
        return match.group(1)

    # -------------------------------------------------------------- database
    def in_database(self, serve, dbname, readonly=False):
        """Run ``serve()`` in a transaction on ``dbname`` (default: the
        database Odoo chose for this request); on a read-only cursor if
        ``readonly``, run again on a read/write one if it tries to write, or
        if the replica is lost or hangs meanwhile. A read-only cursor is the
        replica's when one is configured; the token is then checked on the
        primary (see :mod:`.read_replica`)."""
        request = self.request
        if request.db and dbname in (None, request.db):
            if "api.token" not in request.registry:  # Odoo routed it on a database without the addon
                raise not_served(request.db)
            return serve()  # Odoo's _transactioning already wraps us
        dbname = dbname or database_free.default_database(request)
        if not dbname:
            raise errors.DatabaseNotFound(
                "No database selected: this server serves several databases, pass the 'db' parameter "
                "(X-Odoo-Database header in JSON-2 and REST)."
            )
        saved = request.registry, request.env
        threading.current_thread().dbname = dbname
        try:
            for readonly_cursor in (True, False) if readonly else (False,):
                registry, cr, primary = self._open_database(dbname, readonly_cursor)
                with contextlib.closing(cr), read_replica.on_primary(primary):
                    request.registry = registry
                    request.env = api.Environment(cr, None, {})
                    try:
                        return service_model.retrying(serve, request.env)
                    except psycopg2.errors.ReadOnlySqlTransaction:
                        if not readonly_cursor:
                            raise
                    except Exception as exc:
                        if not read_replica.lost(cr, exc):
                            raise
                        # the replica crashed or hung: the read runs again on the primary
        finally:
            request.registry, request.env = saved

    def _open_database(self, dbname, readonly=False):
        """The registry of ``dbname``, up to date, and a cursor on it, if the
        server serves that database (Odoo's ``db_filter``) and the addon is
        installed there. The database list is read once per database, when
        its registry is not loaded yet: listing them costs a connection.
        Returns ``(registry, cursor, primary cursor or None)`` (see
        :func:`..read_replica.open_cursors`)."""
        host = self.request.httprequest.environ.get("HTTP_HOST")
        # one answer whether the database does not exist, is filtered out or
        # lacks the addon: the answer must not tell which databases exist
        not_served_here = not_served(dbname)
        # Odoo's http.db_list answers [] when PostgreSQL is out of reach:
        # "not served" then, where the truth is "unavailable" (-32030)
        if not http.db_filter([dbname], host=host) or (
            dbname not in Registry.registries
            and dbname not in http.db_filter(service_db.list_dbs(force=True), host=host)
        ):
            raise not_served_here
        try:
            registry, cr, primary = read_replica.open_cursors(Registry(dbname), readonly)
        except Exception as exc:
            if errors.is_passing_fault(exc):
                raise  # a lost connection (answered -32030), no configuration fault
            raise errors.DatabaseNotFound(f"The database '{dbname}' cannot be opened.") from None
        if "api.token" not in registry:
            for cursor in filter(None, (cr, primary)):
                cursor.close()
            raise not_served_here
        return registry, cr, primary

    # ----------------------------------------------------------------- CORS
    def _check_cors(self, env):
        """Grant the request's Origin if the database lists it in the system
        parameter ``json_rpc_token.cors_origins`` (comma-separated)."""
        origin = self.request.httprequest.headers.get("Origin")
        if not origin or self.cors_checked:
            return
        self.cors_checked = True
        if origin_rule.listed(env, origin):
            self.cors_origin = origin

    def _admit_origin(self, env):
        """Refuse, before anything runs, a request that a browser sent from a
        page of another site the database does not admit: the rule of every
        path that takes a token, in :mod:`..core.origin`."""
        self._check_cors(env)
        origin_rule.admit(env, self.request.httprequest.headers.get("Origin"))

    def _check_cors_outside_call(self):
        """A preflight, or a request refused before it reached a database
        (a body that is no JSON...), is granted as the default database's
        parameter says, so that a browser can read the answer."""
        if self.cors_checked or not self.request.httprequest.headers.get("Origin"):
            return
        with contextlib.suppress(Exception):  # no database to ask: no grant
            self.in_database(lambda: self._check_cors(self.request.env), self.preflight_database())

    def preflight_database(self):
        """The database a preflight is granted by: the one its header
        names, else the default one."""
        return self.request.httprequest.headers.get(DB_HEADER) or None

    def finish(self, response):
        """Every answer of the dialects passes here, whatever it holds (a
        result, an error, nothing, a stored answer replayed): CORS as
        granted, and never cached (:data:`NO_STORE_HEADERS`)."""
        response.headers.update(NO_STORE_HEADERS)
        return self.with_cors(response)

    def with_cors(self, response):
        if self.cors_origin:
            response.headers["Access-Control-Allow-Origin"] = self.cors_origin
            response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
            response.headers.add("Vary", "Origin")
        return response

    def no_content(self):
        """HTTP 204: no body, hence no Content-Type (werkzeug would add its
        default text/html)."""
        response = self.request.make_response("", status=204)
        response.headers.remove("Content-Type")
        return self.finish(response)

    def _preflight_response(self):
        response = self.no_content()
        if self.cors_origin:
            response.headers.update(
                {
                    "Access-Control-Allow-Methods": self.cors_methods,
                    "Access-Control-Allow-Headers": self.cors_headers,
                    "Access-Control-Max-Age": CORS_MAX_AGE,
                }
            )
        return response

    # ------------------------------------------------------------ encoding
    #: the ``WWW-Authenticate`` challenge of a 401, for the dialects that
    #: answer with HTTP statuses (RFC 9110 §11.6.1)
    challenge = "Bearer"
    #: answers without spaces between items (``encoding.dumps(compact=True)``,
    #: orjson when installed): for the dialects whose clients never had
    #: other bytes to rely on; the others keep the bytes of Odoo's RPC
    compact_answers = False

    def error_status(self, exc):
        """The HTTP status of ``exc``'s kind in the error table, and the
        headers that status needs: the challenge of a 401, the ``Allow`` of
        a 405, the ``Retry-After`` of a rate limit's 429."""
        status = errors.classify(exc).http_status
        headers = []
        if status == werkzeug.exceptions.Unauthorized.code:
            headers.append(("WWW-Authenticate", self.challenge))
        if isinstance(exc, errors.MethodNotAllowed):
            headers.append(("Allow", exc.allowed))
        if getattr(exc, "retry_after", None) is not None:  # 429, 409 in progress
            headers.append(("Retry-After", str(exc.retry_after)))
        return status, headers

    def json_response(self, body, status=200, headers=()):
        """``body`` as JSON (recordsets as ids, dates as Odoo's RPC sends them)."""
        data = encoding.dumps(body, compact=self.compact_answers)
        return self.finish(
            self.request.make_response(
                data, status=status, headers=[("Content-Type", "application/json; charset=utf-8"), *headers]
            )
        )


def not_served(dbname):
    """One answer whether the database does not exist, is filtered out or
    lacks the addon: the answer must not tell which databases exist."""
    return errors.DatabaseNotFound(f"The database '{dbname}' is not served here.")

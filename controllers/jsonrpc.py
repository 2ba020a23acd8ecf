"""The ``type='json_call'`` routing type: JSON-RPC 2.0 as integrators send it.

Odoo routes requests by ``type``: each type is a ``Dispatcher`` subclass that
parses the body, calls the endpoint and encodes the answer, and registering a
subclass is Odoo's own way to add one. Odoo's ``type='json'`` dispatcher does
not fit an API exposed to any client: it answers a malformed body with a
plain-text 400, wraps every failure in ``code: 200`` with a traceback, needs a
JSON ``Content-Type`` and knows no batches. This one validates ``params``
against the route's declared spec (``json_params=`` in the ``@http.route``),
takes the database from the ``db`` parameter, serves batches, and answers
every failure as one JSON-RPC error object (HTTP 200). What this addon's
wire formats share (body limit, database and transaction, CORS, the error
table) is in :mod:`.token_dispatcher`.
"""

import functools
from typing import NamedTuple

import psycopg2
from odoo import http
from odoo.http import request
from odoo.service import model as service_model

from .. import openapi
from ..core import errors, oauth_metadata, orm_call, usage
from ..core import params as params_spec
from ..core.jsonrpc import NO_RESULT, answer, check_version, valid_id
from ..http_layer import idempotency, token_call
from ..http_layer.dispatcher import TokenDispatcher, retryable, route_options, server_limit
from ..models.api_token_lockout import record_pending_now
from .json2 import Json2Dispatcher

#: what a batch lets through to the whole request instead of answering it as
#: one member's error: Odoo's retrying runs the whole batch again on a
#: concurrency failure, and an idempotency key decides for the whole batch
_WHOLE_BATCH = service_model.PG_CONCURRENCY_EXCEPTIONS_TO_RETRY + idempotency.WHOLE_REQUEST
#: server-wide limit, from the Odoo configuration file
MAX_BATCH_OPTION, DEFAULT_MAX_BATCH = "json_rpc_token_max_batch", 100


class Member(NamedTuple):
    """One request of a batch, parsed; ``error`` if it could not be."""

    id: object
    is_notification: bool
    params: dict
    error: Exception = None


class _RollBackBatch(Exception):
    """Unwinds the savepoint of an atomic batch after a member failed."""


class JsonCallDispatcher(TokenDispatcher, http.Dispatcher):
    routing_type = "json_call"

    def __init__(self, request):
        super().__init__(request)
        self.request_id = None

    # ----------------------------------------------------------- parsing
    def _read_body(self):
        if self.request.httprequest.method != "POST":
            raise errors.InvalidRequest("Send the JSON-RPC request with HTTP POST.")
        return self.read_json()

    def _parse_member(self, spec, payload):
        """A request object -> :class:`Member` (raises if it is not valid)."""
        if not isinstance(payload, dict):
            raise errors.InvalidRequest("A JSON-RPC request must be a JSON object.")
        request_id = payload.get("id")
        if not valid_id(request_id):
            raise errors.InvalidRequest("'id' must be a string, a number or null.")
        check_version(payload)
        values = params_spec.validate(spec, payload.get("params", {}))
        if "token" in spec:
            bearer = self.bearer_token()
            if bearer:
                if values.get("token") not in (None, bearer):
                    raise errors.InvalidRequest("Give the token once: in the Authorization header or in 'token'.")
                values["token"] = bearer
        return Member(request_id, "id" not in payload, values)

    # ---------------------------------------------------------- dispatching
    def dispatch_call(self, endpoint, args):
        payload = self._read_body()
        spec = endpoint.routing["json_params"]
        if isinstance(payload, list):
            return self._dispatch_batch(endpoint, spec, payload)
        if isinstance(payload, dict) and valid_id(payload.get("id")):
            self.request_id = payload.get("id")  # echoed even if the rest is invalid
        member = self._parse_member(spec, payload)
        self.request.params = member.params
        key = member.params.pop(idempotency.KEY_PARAM, None)
        return self.serve(
            endpoint,
            member.params.get("db"),
            lambda result: self._response(result=result),
            readonly=self._is_read(member),
            key=key,
        )

    @staticmethod
    def _is_read(member):
        """A call of a read method: it may run on a read-only cursor, the
        replica's if one is configured (run again read/write if it writes).
        With an idempotency key it runs read/write all the same: its answer
        is stored."""
        return member.params.get("method") in orm_call.READ_ONLY_METHODS

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
        if self.stream_asked():
            raise errors.InvalidRequest(
                "A batch is answered as one JSON array: ask for NDJSON (Accept: "
                "application/x-ndjson) with a single search_read."
            )
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
        keys = {member.params.pop(idempotency.KEY_PARAM, None) for member in members if member.params} - {None}
        if len(keys) > 1:
            raise errors.InvalidRequest(
                "All requests of a batch must give the same idempotency key (it is the batch's)."
            )
        serve = functools.partial(self._serve_batch, endpoint, members, atomic)
        readonly = all(member.error or self._is_read(member) for member in members)
        return self.serve_once(
            serve,
            databases.pop() if databases else None,
            readonly,
            key=keys.pop() if keys else None,
            asked=lambda: [
                [member.id, idempotency.asked(member.params), str(member.error or "")] for member in members
            ],
        )

    def _run_member(self, endpoint, member, base_env):
        """Run ``member``, metered as a call of its own; what a writing
        member wrote is flushed here, so that a failure to write (a
        constraint) fails it, and is metered as its error."""
        self.request.env = base_env  # the previous member may have switched user
        self.request.params = member.params
        writes = member.params.get("method") not in orm_call.READ_ONLY_METHODS
        try:
            with usage.metered():
                result = self.request.registry["ir.http"]._dispatch(endpoint)
                if writes:
                    base_env.cr.flush()
                return result
        finally:
            if writes:
                self.call.facts_memo.clear()  # it may have changed what a token check reads

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
        # the token rows read by members that only read: in one transaction that
        # has written nothing, a row read twice reads the same (REPEATABLE READ)
        self.call.facts_memo = {}
        self._admit_origin(self.request.env)
        base_env, cr = self.request.env, self.request.env.cr
        outcomes = []  # (member, result or NO_RESULT, exception or None)
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
                        except _WHOLE_BATCH:
                            raise
                        except Exception as exc:
                            failed = member._replace(error=exc)
                            raise _RollBackBatch() from exc
            except _RollBackBatch:
                if failed.params is not None:  # it ran: the batch's savepoint is rolled back now
                    failed = failed._replace(error=self._member_error(failed.error, base_env))
                index = len(outcomes)  # the members before the failed one ran
                rolled_back = errors.BatchRolledBack(
                    f"Nothing of this atomic batch was written: request #{index + 1} failed."
                )
                outcomes = [
                    (member, NO_RESULT, failed.error if position == index else rolled_back)
                    for position, member in enumerate(members)
                ]
        else:
            # Each write runs in its own savepoint, so that a failing one undoes
            # only itself. Consecutive reads share one: they write nothing, so
            # a failing read only needs a rollback to the start of its run of
            # reads (which also clears an aborted SQL transaction).
            reads_savepoint = None
            for member in members:
                if member.error:
                    outcomes.append((member, NO_RESULT, member.error))
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
                except _WHOLE_BATCH:
                    raise
                except Exception as exc:
                    savepoint.close(rollback=True)
                    reads_savepoint = None
                    outcomes.append((member, NO_RESULT, self._member_error(exc, base_env)))
                else:
                    outcomes.append((member, result, None))
            if reads_savepoint:
                reads_savepoint.close(rollback=False)
        self.request.env = base_env
        answers = [
            answer(member.id, result, exc and errors.to_error_object(exc))
            for member, result, exc in outcomes
            if not member.is_notification
        ]
        if not answers:  # only notifications: JSON-RPC says answer nothing
            return self.no_content()
        return self._encode(answers)

    # ------------------------------------------------------------ encoding
    def error_response(self, exc):
        return self._response(error=errors.to_error_object(exc))

    def _response(self, result=NO_RESULT, error=None):
        return self._encode(answer(self.request_id, result, error))

    def _encode(self, body):
        return self.json_response(body)


ROUTE_OPTIONS = route_options("json_call")
OPENAPI_ROUTE = "/json-call/openapi.json"


class OpenApiDispatcher(Json2Dispatcher):
    """The OpenAPI document: fetched with GET. Without ``models`` it needs
    no token and no database (a program's author reads it before having
    either; any page may fetch it); with ``models`` it describes those
    models as the bearer's user sees them, so it takes what a JSON-2 call
    takes (bearer, ``X-Odoo-Database``, the same checks) on a read-only
    cursor. Failures: ``{"error": <the error object>}`` with the status of
    the error table."""

    routing_type = "openapi_doc"
    cors_methods = "GET"

    def dispatch_call(self, endpoint, args):
        httprequest = self.request.httprequest
        if httprequest.method not in ("GET", "HEAD"):
            raise errors.MethodNotAllowed("Fetch the OpenAPI document with HTTP GET.", "GET")
        models = httprequest.args.get("models")
        if models is None:
            response = self.json_response(endpoint(models=None, secret=None))
            response.headers["Access-Control-Allow-Origin"] = "*"  # no token, nothing of a database
            return response
        self.request.params = {"models": models, "secret": self.bearer()}
        return self.serve(endpoint, self.requested_database(), self.json_response, readonly=True)

    def error_response(self, exc):
        status, headers = self.error_status(exc)
        return self.json_response({"error": errors.to_error_object(exc)}, status=status, headers=headers)


class JsonCallController(http.Controller):
    @http.route(
        "/json-call/user_authenticate",
        json_params=params_spec.AUTHENTICATE,
        json_result=openapi.jsonrpc.AUTHENTICATE_RESULT,
        **ROUTE_OPTIONS,
    )
    def user_authenticate(self, login, password, db=None, resource=None, **options):
        """Log in with a login and password (or Odoo API key); get a token."""
        audience = oauth_metadata.audience_of(resource, request.httprequest.host_url)
        uid, token = request.env["api.token"].sudo()._login(login, password, audience=audience, **options)
        return {"token": token, "uid": uid}

    @http.route(
        "/json-call/user_logout",
        json_params=params_spec.LOGOUT,
        json_result=openapi.jsonrpc.LOGOUT_RESULT,
        **ROUTE_OPTIONS,
    )
    def user_logout(self, token=None, db=None):
        """Revoke the token."""
        return request.env["api.token"].sudo()._logout(token)

    @http.route("/json-call", json_params=params_spec.CALL, json_result=openapi.jsonrpc.CALL_RESULT, **ROUTE_OPTIONS)
    def json_call(self, model, method, args, kwargs, context, token=None, db=None, atomic=False):
        """Call a public method of a model as the token's user."""
        return token_call.call_with_token(
            token, model, method, args, kwargs, context, stream=request.dispatcher.stream_asked()
        )

    # any method, no CSRF check: what is not a GET gets a JSON error, not
    # Odoo's HTML 405 page
    @http.route(OPENAPI_ROUTE, **route_options("openapi_doc"))
    def openapi_description(self, models, secret):
        """The OpenAPI 3.1 description of every route of the addon; with
        ``models`` (``res.partner,res.country``), typed schemas and
        operations of those models, for the bearer's user."""
        routes = []
        for name in ("user_authenticate", "user_logout", "json_call"):
            endpoint = getattr(type(self), name)
            routing = endpoint.original_routing
            routes.append((routing["routes"][0], endpoint.__doc__.strip(), routing))
        model_names = None
        if models is not None:
            model_names = openapi.models.parse_names(models)
            facts = token_call.become_token_user(secret, None, None, api_keys=True)
            openapi.models.check_readable(request.env, model_names, facts)
        # url_root is the address the client used (behind a proxy, with
        # proxy_mode, the one it forwarded); the examples name the database
        # only when the document is served from one (a made-up name fails)
        return openapi.document(
            request.httprequest.url_root.rstrip("/"),
            routes,
            server_limit(MAX_BATCH_OPTION, DEFAULT_MAX_BATCH),
            dbname=request.env.cr.dbname if model_names else request.db,
            env=request.env if model_names else None,
            model_names=model_names,
        )

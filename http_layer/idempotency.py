"""Idempotency keys: a write that can be sent again safely.

A client that loses the answer (a worker killed, a connection cut after the
commit) cannot tell whether its write happened; sent again, it would happen
twice. With a key (the ``Idempotency-Key`` header, in every dialect, or the
``idempotency_key`` parameter of ``/json-call``), the request runs at most
once per user and key, and its answer is given back to the credential that
sent it only (the token, or the Odoo API key on JSON-2):

* the answer is stored with the key in the call's own transaction: committed
  with the call's writes, or not at all;
* the same key again, with the same token and the same request, gets the
  stored answer (``Idempotent-Replayed: true``), and nothing runs;
* the same key with another token (or API key) of the user is refused
  (``-32041``, HTTP 422), and nothing runs: a stored answer is what its
  token was allowed to see; another token of the user may have a narrower
  scope, and would be handed an answer its scope refuses;
* while the first is still running, it gets ``-32040`` (HTTP 409,
  ``data.retry_after``): nothing ran, send it again shortly;
* the same key with another request is refused (``-32041``, HTTP 422);
* a call's client error (a validation error, an access error...) is its
  outcome too: its transaction is rolled back, the error answer is stored
  in a transaction of its own after that. Errors that say "nothing was
  done, try again" (``-32030``, ``-32040``), server faults (``-32603``) and
  everything refused before the token's user is known (a bad token, a
  malformed request) are not stored: a retry runs again;
* keys are kept ``json_rpc_token.idempotency_hours`` (24), then a retry runs
  again; the daily cron deletes them.

The user is known only once the token is checked, inside the call:
:func:`on_token_user` (called by ``token_call.become_token_user``, the one
token step of every dialect, after every check that could refuse the token:
the token itself, its scope and read-only flag for the method, its allowed
networks, its rate limits) looks the key up there, and either lets the
call run or answers for the whole request (:class:`Replay` and the
idempotency errors go through a batch's per-request error handling). The
answer is inserted when the call has returned, outside any savepoint of a
batch, so that a request rolled back to its savepoint cannot take the key
with it.

Concurrency, across workers and servers: the first request holds a
transaction-level advisory lock on (user, key) until it commits; a duplicate
that finds it taken answers ``-32040`` at once. The unique index on (user,
key) is the guarantee: a duplicate that got past the lock (its snapshot
predates the first's commit) fails to insert its answer with a serialization
failure under Odoo's REPEATABLE READ, its transaction (writes included) is
rolled back, and Odoo's ``retrying`` runs it again, which finds the stored
answer. (The lock is also where a batch's request that claimed the key and
failed loses it, with its savepoint: a duplicate may then run alongside, and
is undone and answered the same way.)
"""

import hashlib
import json
import logging

from ..core import errors
from ..core.own_cursor import own_cursor

_logger = logging.getLogger(__name__)

KEY_HEADER = "Idempotency-Key"
KEY_PARAM = "idempotency_key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
#: what a request's fingerprint leaves out: how it authenticates (the
#: credential is checked on its own, see :meth:`Claim.claim`), the key
#: itself, and the database (the key lives in it)
NOT_FINGERPRINTED = frozenset(("token", "secret", KEY_PARAM, "db"))
#: advisory lock namespace (first 32-bit argument), so as not to meet
#: anyone else's advisory locks
LOCK_NAMESPACE = 0x4A525449  # "JRTI"
RETRY_AFTER = 1  # seconds


class Replay(Exception):
    """Raised from inside the call: answer the stored answer, run nothing."""

    def __init__(self, status, content_type, body):
        super().__init__("stored answer")
        self.status, self.content_type, self.body = status, content_type, body


#: what a batch lets through to the whole request rather than answer as one
#: member's error: the key decides for the whole batch
WHOLE_REQUEST = (Replay, errors.IdempotencyInProgress, errors.IdempotencyKeyMismatch)
#: errors that do not settle a key: nothing was done, a retry must run
NOT_STORED = (errors.ServiceUnavailable, errors.IdempotencyInProgress, errors.IdempotencyKeyMismatch)


def request_key(httprequest, param=None):
    """The request's idempotency key (the header, or ``param``: a dialect's
    own parameter), or None; a malformed one is refused."""
    header = httprequest.headers.get(KEY_HEADER)
    if header is None and param is None:
        return None
    if header is not None and param is not None and header != param:
        raise errors.InvalidRequest(f"Give the idempotency key once: in the {KEY_HEADER} header or in '{KEY_PARAM}'.")
    key = header if header is not None else param
    if not (isinstance(key, str) and 0 < len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable()):
        raise errors.InvalidRequest(
            f"An idempotency key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters (a UUID, for instance)."
        )
    return key


def asked(params):
    """What ``params`` (a request's) ask, for its fingerprint: without the
    :data:`NOT_FINGERPRINTED` ones."""
    if not isinstance(params, dict):
        return params
    return {name: value for name, value in params.items() if name not in NOT_FINGERPRINTED}


def fingerprint(dispatcher, content):
    """SHA-256 of what the request asks: the dialect, HTTP method and path,
    the JSON-RPC id, and ``content`` (see :func:`asked`), as canonical
    JSON."""
    httprequest = dispatcher.request.httprequest
    canonical = json.dumps(
        [
            dispatcher.routing_type,
            httprequest.method,
            httprequest.path,
            getattr(dispatcher, "request_id", None),
            content,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _lock_id(user_id, key):
    """(user, key) as the 32-bit second argument of an advisory lock. Two
    keys sharing one only wait for each other (-32040), rarely."""
    digest = hashlib.sha256(f"{user_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


def on_token_user(env, call, facts):
    """The token step has checked the call's credential (``facts``, an
    ``api.token`` TokenFacts): if the request carries a key (``call``'s
    claim), claim it for that user and credential in ``env``'s transaction
    (see :meth:`Claim.claim`). Without a key: one attribute read."""
    if call.idempotency is not None:
        call.idempotency.claim(env, facts.user_id, facts.credential)


class Claim:
    """A request's key and fingerprint; ``user_id`` once claimed in the
    current transaction."""

    def __init__(self, key, request_fingerprint):
        self.key, self.fingerprint = key, request_fingerprint
        self._begin()

    def _begin(self):
        self.user_id = self.credential = self.cr = self.registry = self.hours = self.error_answer = None
        self.rolled_back = False

    def serve(self, dispatcher, serve):
        """``serve()`` (in the call's transaction: Odoo's ``retrying`` may
        run this again), its answer stored with the key, or the stored
        answer of an earlier run."""
        self._begin()
        try:
            response = serve()
        except Replay as replay:
            return replayed(dispatcher, replay.status, replay.content_type, replay.body)
        if self.user_id is not None:
            self._store(self.cr, self.user_id, self.credential, self.hours, response)
        return response

    def claim(self, env, user_id, credential):
        """The key's stored answer for ``user_id``, raised as :class:`Replay`
        if ``credential`` (see ``TokenFacts.credential``) sent the request
        it was stored for; the request refused if another credential of the
        user did, or if it is not the one the key was used for. Else the key
        is this transaction's, for this user and credential.

        The stored answer is only ever given to the credential that made it:
        what a token may be answered is fixed by its scope, read-only flag
        and networks, which never change, and checked in full (down to the
        fields a selection reaches) when the request ran. Keys stored before
        credentials were (18.0.1.7.0) have none, and are given to no one."""
        if self.user_id is not None:
            if credential != self.credential:
                raise errors.InvalidRequest("A batch sent with an idempotency key must use one token.")
            return
        cr = env.cr
        hours = env["api.token.idempotency"]._hours()
        cr.execute(
            """SELECT fingerprint, status, content_type, body, credential,
                             created_at > now() at time zone 'utc' - make_interval(hours => %s)
                        FROM api_token_idempotency WHERE user_id = %s AND key = %s""",
            [hours, user_id, self.key],
        )
        row = cr.fetchone()
        if row and row[5]:
            if row[4] != credential:
                raise errors.IdempotencyKeyMismatch(
                    "This idempotency key was used with another token (or API key) of this user: its answer is "
                    "only given to the one that sent it. Send the retry with that token, or use a new key."
                )
            if row[0] != self.fingerprint:
                raise errors.IdempotencyKeyMismatch(
                    "This idempotency key was used for another request: use a new key for each request."
                )
            raise Replay(*row[1:4])
        cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, _lock_id(user_id, self.key)])
        if not cr.fetchone()[0]:
            raise errors.IdempotencyInProgress(
                f"A request with this idempotency key is still running: send it again in {RETRY_AFTER} s "
                "to get its answer.",
                retry_after=RETRY_AFTER,
            )
        self.user_id, self.credential, self.cr, self.registry, self.hours = user_id, credential, cr, env.registry, hours
        cr.postrollback.add(self._rolled_back)

    def _store(self, cr, user_id, credential, hours, response):
        """Insert the answer in ``cr``'s transaction, in place of an expired
        one. Under REPEATABLE READ an answer committed meanwhile by a
        duplicate fails this insert with a serialization failure: the
        transaction is rolled back and run again, and finds that answer."""
        cr.execute(
            """INSERT INTO api_token_idempotency AS kept (user_id, key, credential, fingerprint, status,
                                                                 content_type, body, created_at)
                      VALUES (%s, %s, %s, %s, %s, %s, %s, now() at time zone 'utc')
                      ON CONFLICT (user_id, key) DO UPDATE
                         SET credential = EXCLUDED.credential, fingerprint = EXCLUDED.fingerprint,
                             status = EXCLUDED.status,
                             content_type = EXCLUDED.content_type, body = EXCLUDED.body,
                             created_at = EXCLUDED.created_at
                       WHERE kept.created_at <= now() at time zone 'utc' - make_interval(hours => %s)
                      RETURNING id""",
            [
                user_id,
                self.key,
                credential,
                self.fingerprint,
                response.status_code,
                response.headers.get("Content-Type"),
                response.get_data(as_text=True),
                hours,
            ],
        )
        if not cr.fetchone():  # READ COMMITTED (an error's own transaction): the other one answered
            raise errors.IdempotencyInProgress(
                "Another request with this idempotency key has just answered: send it again to get its answer.",
                retry_after=RETRY_AFTER,
            )

    # An error is answered (``store_error``, from the dispatcher's
    # handle_error) after the call's transaction is rolled back when the
    # dispatcher opened it, before when Odoo did (addon not loaded
    # server-wide): the error answer is stored at the later of the two.
    def store_error(self, exc, response):
        """The call failed after the key was claimed: store the error answer
        in a transaction of its own once the call's is rolled back, if it is
        the call's outcome (a client error that is not "try again")."""
        if self.user_id is None or isinstance(exc, NOT_STORED) or not errors.classify(exc).client_error:
            return
        self.error_answer = (self.registry, self.user_id, self.credential, self.hours, response)
        if self.rolled_back:
            self._store_error()

    def _rolled_back(self):
        self.rolled_back = True
        if self.error_answer:
            self._store_error()

    def _store_error(self):
        (registry, user_id, credential, hours, response), self.error_answer = self.error_answer, None
        try:
            # READ COMMITTED: a duplicate's answer committed meanwhile is no
            # conflict, nothing is stored
            with own_cursor(registry) as cr:
                self._store(cr, user_id, credential, hours, response)
        except Exception as exc:  # the answer is sent anyway; a retry runs again
            _logger.info("The error answer of an idempotency key was not stored: %s", exc)


def replayed(dispatcher, status, content_type, body):
    """The stored answer, as it was sent, marked ``Idempotent-Replayed``."""
    if status == 204:
        response = dispatcher.no_content()
    else:
        response = dispatcher.finish(
            dispatcher.request.make_response(body, status=status, headers=[("Content-Type", content_type)])
        )
    response.headers[REPLAYED_HEADER] = "true"
    return response

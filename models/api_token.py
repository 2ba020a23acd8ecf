"""API tokens: issued at login, checked on every call, revoked at logout.

Storage follows Odoo's ``res.users.apikeys``: the secret is never stored,
only a passlib hash of it, plus a short lookup index so that a check reads
one row instead of verifying every hash. Unlike Odoo's keys, the index is
not a prefix of the secret but a prefix of its SHA-256 digest, so the table
holds no part of any token in clear. Neither column is an ORM field: they
cannot be read through ``read``/``search_read``/exports by anyone, admin
included.

Verifying a pbkdf2 hash costs milliseconds, too much for every call, so the
verified facts of a token (id, user, expiry, revoked) are kept in an
``ormcache`` keyed by the token's digest. Every change that can kill a token
clears that cache through the registry, and Odoo signals the clearing to all
worker processes through the database, which each checks at the start of its
next request: no worker serves a revoked token.
"""
import hashlib
import ipaddress
import logging
import secrets
import time
from datetime import datetime, timedelta
from typing import NamedTuple

import psycopg2
from passlib.context import CryptContext

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessDenied, AccessError, UserError
from odoo.http import request
from odoo.osv import expression
from odoo.tools import SQL

from ..orm_call import READ_ONLY_METHODS
from ..errors import (InvalidParams, TokenAddressRefused, TokenExpired, TokenInvalid, TokenMissing,
                      TokenRevoked)

_logger = logging.getLogger(__name__)

TOKEN_BYTES = 32  # 256 bits from `secrets`, 43 URL-safe characters
INDEX_SIZE = 16  # hex digits of SHA-256(token) kept as lookup key (64 bits)
MAX_TOKEN_LENGTH = 256  # anything longer is not ours; refuse before hashing
TOKEN_CRYPT_CONTEXT = CryptContext(["pbkdf2_sha512"], pbkdf2_sha512__rounds=6000)
#: last-use stamps are written at most this often per token and process, so
#: that a call is not turned into a write (and a row-lock contention point)
LAST_USE_INTERVAL = 60.0
TTL_PARAM = "json_rpc_token.ttl_hours"
DEFAULT_TTL_HOURS = 24
MAX_TTL_PARAM = "json_rpc_token.max_ttl_hours"
DEFAULT_MAX_TTL_HOURS = 24 * 30
IDLE_PARAM = "json_rpc_token.idle_timeout_minutes"
#: last use is stamped once a minute, so a shorter idle timeout could kill
#: a token in use
MIN_IDLE_MINUTES = 5
PURGE_PARAM = "json_rpc_token.purge_after_days"
DEFAULT_PURGE_DAYS = 30
#: fields only the code itself (in sudo) may change: letting a user rewrite
#: ``user_id`` of a token they know would hand them another user's rights
PROTECTED_FIELDS = frozenset({"user_id", "expires_at", "revoked_at", "last_used_at", "last_used_ip",
                              "scope_model_ids", "scope_read_only", "allowed_networks"})

_last_use_written = {}  # (dbname, token id) -> time.monotonic() of the last stamp
#: digests of tokens this process has verified: they skip the token-guessing
#: lockout query. Validity itself always comes from the ormcache.
_known_digests = set()


def token_digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def client_ip():
    """The client's address (with --proxy-mode, from X-Forwarded-For), or None outside a request."""
    return request.httprequest.remote_addr if request else None


class TokenFacts(NamedTuple):
    """What a check needs to know about a token, cached per process."""
    id: int
    user_id: int
    expires_at: datetime
    revoked: bool
    last_seen: datetime  # last use stamped in the database, or creation
    models: frozenset  # None: any model the user may use
    read_only: bool
    networks: tuple  # ipaddress networks; empty: any address

    def check_scope(self, model, method):
        """Scopes only narrow what the user may do; the call still runs with
        the user's own rights."""
        if self.models is not None and model not in self.models:
            raise AccessError(_("This token may not use the model '%s'.", model))
        if self.read_only and method not in READ_ONLY_METHODS:
            raise AccessError(_("This token is read-only: '%s' is not a read method.", method))


class ApiToken(models.Model):
    _name = "api.token"
    _description = "API Token"
    _order = "id desc"
    _allow_sudo_commands = False

    name = fields.Char("Label", required=True)
    user_id = fields.Many2one("res.users", "User", required=True, readonly=True,
                              index=True, ondelete="cascade")
    expires_at = fields.Datetime("Expires", readonly=True,
                                 help="Empty: the token does not expire.")
    last_used_at = fields.Datetime("Last Used", readonly=True,
                                   help="Updated at most once a minute per server process.")
    last_used_ip = fields.Char("Last Used From", readonly=True)
    revoked_at = fields.Datetime("Revoked", readonly=True)
    scope_model_ids = fields.Many2many(
        "ir.model", "api_token_ir_model_rel", "api_token_id", "ir_model_id", string="Allowed Models",
        readonly=True, help="Empty: every model the user may use.")
    scope_read_only = fields.Boolean("Read Only", readonly=True,
                                     help="Only read methods (search, read, ...) may be called.")
    allowed_networks = fields.Char("Allowed Networks", readonly=True,
                                   help="Comma-separated IP networks (CIDR) the token may be used from. "
                                        "Empty: any address.")
    log_ids = fields.One2many("api.token.log", "token_id", string="Audit Log", readonly=True,
                              groups="json_rpc_token.group_api_token_manager")
    state = fields.Selection(
        [("active", "Active"), ("expired", "Expired"), ("revoked", "Revoked")],
        compute="_compute_state", search="_search_state")

    def init(self):
        # The secret's columns live outside the ORM (see the module docstring).
        self.env.cr.execute(SQL(
            "ALTER TABLE api_token ADD COLUMN IF NOT EXISTS token_index varchar(%s),"
            " ADD COLUMN IF NOT EXISTS token_hash varchar", INDEX_SIZE))
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS api_token_token_index_idx ON api_token (token_index)")

    # ------------------------------------------------------------------ state
    @api.depends("expires_at", "revoked_at")
    def _compute_state(self):
        now = fields.Datetime.now()
        for token in self:
            if token.revoked_at:
                token.state = "revoked"
            elif token.expires_at and token.expires_at <= now:
                token.state = "expired"
            else:
                token.state = "active"

    def _search_state(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(_("Unsupported search on token state: %s", operator))
        now = fields.Datetime.now()
        by_state = {
            "revoked": [("revoked_at", "!=", False)],
            "expired": [("revoked_at", "=", False), ("expires_at", "<=", now)],
            "active": [("revoked_at", "=", False),
                       "|", ("expires_at", "=", False), ("expires_at", ">", now)],
        }
        wanted = [value] if isinstance(value, str) else list(value)
        domain = expression.OR([by_state[state] for state in wanted if state in by_state]) \
            or expression.FALSE_DOMAIN
        return ["!", *domain] if operator in ("!=", "not in") else domain

    # ------------------------------------------------------------- ORM guards
    @api.model_create_multi
    def create(self, vals_list):
        raise UserError(_("API tokens are issued by logging in through the API or by the "
                          "token wizard, never created directly: the secret would be lost."))

    def write(self, vals):
        if PROTECTED_FIELDS & vals.keys():
            if not self.env.su:
                raise AccessError(_("Only the label of an API token can be changed."))
            self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()

    # ---------------------------------------------------------------- issuing
    @api.model
    def _param(self, name, default):
        return float(self.env["ir.config_parameter"].sudo().get_param(name, default) or 0)

    @api.model
    def _default_expiry(self):
        return self._expiry_for(None)

    @api.model
    def _expiry_for(self, expires_in):
        """Expiry of a token asked to live ``expires_in`` seconds (None: the
        default TTL), capped by the maximum TTL; None means never.

        Any lifetime is also capped at 100 years, maximum TTL or not: dates
        end in year 9999 (a longer one was an OverflowError, a server fault),
        and a client asking for more means "as long as allowed"."""
        longest = 100 * 365 * 24 * 3600
        if expires_in is not None and expires_in <= 0:
            raise InvalidParams("'expires_in' must be a positive number of seconds.")
        seconds = expires_in if expires_in is not None else self._param(TTL_PARAM, DEFAULT_TTL_HOURS) * 3600
        max_seconds = self._param(MAX_TTL_PARAM, DEFAULT_MAX_TTL_HOURS) * 3600
        if max_seconds:
            seconds = min(seconds or max_seconds, max_seconds)
        return fields.Datetime.now() + timedelta(seconds=min(seconds, longest)) if seconds else None

    @api.model
    def _check_expiry(self, expires_at):
        """Refuse an expiry chosen by hand (backend wizard) beyond the maximum TTL."""
        max_hours = self._param(MAX_TTL_PARAM, DEFAULT_MAX_TTL_HOURS)
        if not max_hours:
            return
        limit = fields.Datetime.now() + timedelta(hours=max_hours, minutes=1)
        if not expires_at or expires_at > limit:
            raise UserError(_("API tokens must expire within %s hours (system parameter %s).",
                              max_hours, MAX_TTL_PARAM))

    @api.model
    def _scope_from_request(self, scope):
        """``{"models": [...], "read_only": bool}`` -> (ir.model records, read_only)."""
        if scope is None:
            return self.env["ir.model"], False
        if not isinstance(scope, dict) or set(scope) - {"models", "read_only"}:
            raise InvalidParams("'scope' must be an object with 'models' (a list of model names) "
                                "and/or 'read_only' (true or false).")
        read_only = scope.get("read_only", False)
        if not isinstance(read_only, bool):
            raise InvalidParams("'scope.read_only' must be true or false.")
        names = scope.get("models")
        if names is None:
            return self.env["ir.model"], read_only
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise InvalidParams("'scope.models' must be a non-empty list of model names.")
        unknown = [name for name in names if name not in self.env]
        if unknown:
            raise InvalidParams(f"Unknown model(s) in scope: {', '.join(unknown)}.")
        return self.env["ir.model"].sudo().search([("model", "in", names)]), read_only

    @api.model
    def _networks_from_request(self, networks):
        """A list of addresses/CIDR networks -> their canonical comma-separated form."""
        if not networks:
            return None
        if isinstance(networks, str):
            networks = networks.replace(",", " ").split()
        try:
            return ",".join(str(ipaddress.ip_network(net.strip(), strict=False)) for net in networks)
        except (ValueError, TypeError, AttributeError):
            raise InvalidParams("'allowed_networks' must list IP addresses or CIDR networks, "
                                "e.g. [\"203.0.113.0/24\", \"2001:db8::1\"].") from None

    @api.model
    def _issue(self, user, label, expires_at=None, scope_models=None, read_only=False, networks=None):
        """Create a token for ``user`` and return ``(record, secret)``.

        The secret exists only in the return value: the row gets its hash and
        lookup index. Inserted with SQL because ``create`` is closed to
        clients (see :meth:`create`), and so that issuing a token does not
        clear the caches of every worker the way an ORM write of protected
        fields does.
        """
        secret = secrets.token_urlsafe(TOKEN_BYTES)
        author = self.env.uid or user.id
        self.env.cr.execute(SQL(
            """INSERT INTO api_token (name, user_id, expires_at, scope_read_only, allowed_networks,
                                      token_index, token_hash, create_uid, write_uid, create_date, write_date)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, now() at time zone 'utc', now() at time zone 'utc')
               RETURNING id""",
            label, user.id, expires_at, bool(read_only), networks or None,
            token_digest(secret)[:INDEX_SIZE], TOKEN_CRYPT_CONTEXT.hash(secret), author, author))
        token = self.browse(self.env.cr.fetchone()[0])
        if scope_models:
            self.env.cr.execute(SQL(
                "INSERT INTO api_token_ir_model_rel (api_token_id, ir_model_id) SELECT %s, unnest(%s::int[])",
                token.id, scope_models.ids))
        user.invalidate_recordset(["api_token_ids"])
        _logger.info("API token #%s issued for %s (#%s) from %s", token.id, user.login, user.id, client_ip())
        return token, secret

    @api.model
    def _login(self, login, password, label=None, expires_in=None, scope=None, allowed_networks=None):
        """Check ``login``/``password`` with Odoo's own authentication and
        issue a token. Returns ``(uid, secret)``.

        ``interactive: False`` is what Odoo's XML/JSON-RPC passes: Odoo API
        keys work as passwords, users bound to API keys (2FA) must use one,
        and Odoo's ``active`` check applies. Failures are counted per login
        and per IP address in the database (see ``api.token.lockout``), so
        the cooldown holds across worker processes.
        """
        ip = client_ip()
        lockout_keys = [f"login:{login.strip().lower()}"] + ([f"ip:{ip}"] if ip else [])
        Lockout = self.env["api.token.lockout"].sudo()
        Lockout._assert_not_locked(lockout_keys)
        # options are checked first: a malformed request is no failed login
        expires_at = self._expiry_for(expires_in)
        scope_models, read_only = self._scope_from_request(scope)
        networks = self._networks_from_request(allowed_networks)
        credential = {"type": "password", "login": login, "password": password}
        try:
            auth_info = self.env["res.users"].authenticate(self.env.cr.dbname, credential, {"interactive": False})
            user = self.env["res.users"].sudo().browse(auth_info["uid"])
            if not user._is_internal():
                # Same answer as a wrong password: the API is for internal users only.
                _logger.info("API login refused for non-internal user #%s", user.id)
                raise AccessDenied()
        except AccessDenied:
            Lockout._record_failure(lockout_keys, "login_failed", login=login[:128])
            raise
        Lockout._reset(lockout_keys)
        label = label or _("user_authenticate from %s", ip or "n/a")
        token, secret = self.sudo()._issue(user, label, expires_at, scope_models, read_only, networks)
        self.env["api.token.log"]._record("login", user_id=user.id, token_id=token.id)
        return user.id, secret

    # --------------------------------------------------------------- checking
    @api.model
    def _check_secret(self, secret):
        """Return the :class:`TokenFacts` of the live token ``secret``.

        :raises TokenError: missing, unknown, expired (or idle), revoked, or
            used from an address it is not allowed from.
        :raises TooManyAttempts: this address sent too many unknown tokens.
        """
        if not secret:
            raise TokenMissing("No token given: send 'Authorization: Bearer <token>' or the 'token' parameter.")
        digest = token_digest(secret) if isinstance(secret, str) and len(secret) <= MAX_TOKEN_LENGTH else None
        ip = client_ip()
        guess_keys = [f"token-ip:{ip}"] if ip else []
        if digest not in _known_digests:
            self.env["api.token.lockout"].sudo()._assert_not_locked(guess_keys)
        try:
            if digest is None:
                raise TokenInvalid("The token is not valid on this database.")
            facts = self._verified_token_facts(digest, secret)
        except TokenInvalid:
            self.env["api.token.lockout"].sudo()._record_failure(guess_keys, "token_refused")
            raise
        if len(_known_digests) > 100000:
            _known_digests.clear()
        _known_digests.add(digest)
        now = fields.Datetime.now()
        if facts.revoked:
            raise TokenRevoked("The token has been revoked.")
        if facts.expires_at and facts.expires_at <= now:
            raise TokenExpired("The token has expired; authenticate again.")
        idle_minutes = self._param(IDLE_PARAM, 0)
        if idle_minutes:
            idle = timedelta(minutes=max(idle_minutes, MIN_IDLE_MINUTES))
            if now - facts.last_seen > idle and now - self._last_seen(facts.id) > idle:
                raise TokenExpired(f"The token was unused for more than {idle_minutes:g} minutes; "
                                   "authenticate again.")
        if facts.networks:
            address = ipaddress.ip_address(ip) if ip else None
            if address is None or not any(address in network for network in facts.networks):
                raise TokenAddressRefused(f"This token may not be used from {ip}.")
        return facts

    @api.model
    def _last_seen(self, token_id):
        """The fresh last use (the cached one goes stale as the token is used)."""
        self.env.cr.execute("SELECT COALESCE(last_used_at, create_date) FROM api_token WHERE id = %s", [token_id])
        return self.env.cr.fetchone()[0]

    @tools.ormcache("digest")
    def _verified_token_facts(self, digest, secret):
        """The facts about the token whose SHA-256 is ``digest``, after
        verifying ``secret`` against the stored hash. Cached by digest only;
        an unknown token raises, and exceptions are never cached."""
        # the query must see this transaction's pending ORM writes (a token
        # revoked or a user archived earlier in the same transaction)
        self.flush_model()
        self.env["res.users"].flush_model(["active", "share"])
        self.env.cr.execute(
            """SELECT t.id, t.user_id, t.expires_at, t.revoked_at IS NOT NULL,
                      COALESCE(t.last_used_at, t.create_date),
                      (SELECT array_agg(m.model) FROM api_token_ir_model_rel r
                         JOIN ir_model m ON m.id = r.ir_model_id WHERE r.api_token_id = t.id),
                      t.scope_read_only, t.allowed_networks, t.token_hash
                 FROM api_token t JOIN res_users u ON u.id = t.user_id
                WHERE t.token_index = %s AND u.active AND NOT u.share""", [digest[:INDEX_SIZE]])
        for (token_id, user_id, expires_at, revoked, last_seen, models_, read_only, networks,
             token_hash) in self.env.cr.fetchall():
            if token_hash and TOKEN_CRYPT_CONTEXT.verify(secret, token_hash):
                return TokenFacts(
                    token_id, user_id, expires_at, revoked, last_seen,
                    frozenset(models_) if models_ else None, bool(read_only),
                    tuple(ipaddress.ip_network(net) for net in networks.split(",")) if networks else ())
        raise TokenInvalid("The token is not valid on this database.")

    @api.model
    def _note_use(self, token_id):
        """Stamp the token's last use, at most every LAST_USE_INTERVAL
        seconds per process, in its own short transaction: the stamp must not
        roll back with a failed call, nor make concurrent calls with one token
        fight over the row lock."""
        key = (self.env.cr.dbname, token_id)
        now = time.monotonic()
        if now - _last_use_written.get(key, -LAST_USE_INTERVAL) < LAST_USE_INTERVAL:
            return
        if len(_last_use_written) > 10000:
            _last_use_written.clear()
        _last_use_written[key] = now
        try:
            with self.env.registry.cursor() as cr:
                cr.execute(
                    """UPDATE api_token SET last_used_at = now() at time zone 'utc', last_used_ip = %s
                        WHERE id IN (SELECT id FROM api_token WHERE id = %s FOR UPDATE SKIP LOCKED)""",
                    [client_ip(), token_id])
        except psycopg2.Error as exc:
            _logger.debug("last-use stamp of API token #%s skipped: %s", token_id, exc)

    # ------------------------------------------------------------- revoking
    def _revoke(self, event="revoke", detail=None):
        live = self.filtered(lambda token: not token.revoked_at)
        if live:
            live.sudo().write({"revoked_at": fields.Datetime.now()})
            Log = self.env["api.token.log"]
            for token in live:
                Log._record(event, user_id=token.user_id.id, token_id=token.id, detail=detail)
            _logger.info("API token(s) %s revoked (%s) by #%s from %s",
                         live.ids, detail or event, self.env.uid, client_ip())
        return True

    @api.model
    def _logout(self, secret):
        facts = self._check_secret(secret)
        return self.browse(facts.id)._revoke("logout")

    def action_revoke(self):
        """Revoke these tokens; anyone may revoke the tokens they can see
        (their own; all of them for API token managers)."""
        self.check_access("read")
        return self._revoke(detail="from the backend")

    @api.model
    def action_revoke_all(self):
        """Revoke every live token of every user: for a suspected leak."""
        if not self.env.user.has_group("json_rpc_token.group_api_token_manager"):
            raise AccessError(_("Only API token managers can revoke every token."))
        return self.search([("state", "!=", "revoked")]).action_revoke()

    # ------------------------------------------------------------- cleaning
    @api.model
    def _cron_purge(self):
        """Daily: delete tokens expired or revoked for more than
        ``json_rpc_token.purge_after_days`` days (0 keeps them forever), audit
        entries past their retention, and stale failure counters."""
        days = int(self._param(PURGE_PARAM, DEFAULT_PURGE_DAYS))
        if days > 0:
            limit = fields.Datetime.now() - timedelta(days=days)
            dead = self.sudo().search(["|", ("revoked_at", "<", limit), ("expires_at", "<", limit)])
            _logger.info("Purging %d API tokens dead for more than %d days", len(dead), days)
            dead.unlink()
        self.env["api.token.log"]._purge_old()
        self.env["api.token.lockout"]._purge_stale()

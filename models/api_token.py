"""API tokens: issued at login, checked on every call, revoked at logout.

Storage follows Odoo's ``res.users.apikeys``: the secret is never stored,
only a passlib hash of it, plus a short lookup index so that a check reads
one row instead of verifying every hash. Unlike Odoo's keys, the index is
not a prefix of the secret but a prefix of its SHA-256 digest, so the table
holds no part of any token in clear. Neither column is an ORM field: they
cannot be read through ``read``/``search_read``/exports by anyone, admin
included.

Every check reads the token's row (revocation, expiry, scope, its user's
state) in the call's own transaction: a revocation that has committed is
seen by every later call, on any thread of any process of any server. What
is cached, per process, is only the costly part, the pbkdf2 verification of
the secret against the row's hash: the cache maps the secret's digest to the
hash it was verified against, and a hit counts only if the row still holds
that very hash. Nothing in it can go stale in a way that lets a dead token
through, so nothing needs to clear it (an earlier design cached the token's
facts and cleared that cache on revocation: a call running concurrently in
another thread refilled it with the old facts).
"""

import hashlib
import ipaddress
import logging
import secrets
import time
from datetime import datetime, timedelta
from typing import NamedTuple

import psycopg2
from odoo import _, api, fields, models
from odoo.addons.base.models.res_users import INDEX_SIZE as APIKEY_INDEX_SIZE
from odoo.addons.base.models.res_users import KEY_CRYPT_CONTEXT
from odoo.exceptions import AccessDenied, AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL
from passlib.context import CryptContext

from ..core import call_context, usage
from ..core import origin as origin_rule
from ..core.errors import (
    InvalidParams,
    OriginRefused,
    RateLimitExceeded,
    TokenAddressRefused,
    TokenError,
    TokenExpired,
    TokenInvalid,
    TokenMissing,
    TokenRevoked,
)
from ..core.orm_call import READ_ONLY_METHODS
from ..core.own_cursor import own_cursor

_logger = logging.getLogger(__name__)

TOKEN_BYTES = 32  # 256 bits from `secrets`, 43 URL-safe characters
INDEX_SIZE = 16  # hex digits of SHA-256(token) kept as lookup key (64 bits)
MAX_TOKEN_LENGTH = 256  # anything longer is not ours; refuse before hashing
#: passlib refuses to hash longer passwords; longer logins exist nowhere
MAX_PASSWORD_LENGTH = 4096
MAX_LOGIN_LENGTH = 1024
TOKEN_CRYPT_CONTEXT = CryptContext(["pbkdf2_sha512"], pbkdf2_sha512__rounds=6000)
#: last-use stamps are written at most this often per token and process, so
#: that a call is not turned into a write (and a row-lock contention point)
LAST_USE_INTERVAL = 60.0
#: how a token's default label names the dialect that issued it
DIALECT_NAMES = {"json_call": "JSON-RPC", "json_rest": "REST", "json2": "JSON-2"}
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
PROTECTED_FIELDS = frozenset(
    {
        "user_id",
        "expires_at",
        "revoked_at",
        "last_used_at",
        "last_used_ip",
        "scope_models",
        "scope_read_only",
        "allowed_networks",
        "apikey_id",
        "rate_limit",
        "audience",
        "oauth_grant_id",
        "oauth_family",
        "oauth_call_methods",
    }
)
#: a token's audience (RFC 8707's resource, as the dialect that serves it)
#: -> how a refusal names it; a token without one serves every dialect
AUDIENCES = {"mcp": "the MCP endpoint (/mcp)"}

_last_use_written = {}  # (dbname, token id) -> time.monotonic() of the last stamp
#: (dbname, SHA-256 of a secret) -> the stored hash this process verified the
#: secret against (see the module docstring); bounded, cleared when full
_verified_hashes = {}
MAX_VERIFIED_HASHES = 100_000


#: id(Odoo's CryptContext) -> a hash made with it, of no one's password
_dummy_hashes = {}


def _verify_nothing(crypt_context, password):
    """Verify ``password`` against a hash of nothing, made with Odoo's own
    password settings: as long as checking a real user's password."""
    dummy = _dummy_hashes.get(id(crypt_context))
    if dummy is None:
        dummy = _dummy_hashes[id(crypt_context)] = crypt_context.hash(secrets.token_urlsafe())
    crypt_context.verify(password, dummy)


def token_digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


TOKEN_LENGTH = len(secrets.token_urlsafe(TOKEN_BYTES))
_TOKEN_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def may_be_token(secret):
    """Whether ``secret`` has the shape of every token issued
    (``secrets.token_urlsafe(TOKEN_BYTES)``): where a secret may be a
    password or an Odoo API key (40 hex digits), this spares the others a
    database read."""
    return isinstance(secret, str) and len(secret) == TOKEN_LENGTH and _TOKEN_ALPHABET.issuperset(secret)


class TokenFacts(NamedTuple):
    """A token's row as one call sees it, in the call's own transaction."""

    id: int
    user_id: int
    expires_at: datetime
    revoked: bool
    user_eligible: bool  # the user is active and internal
    last_seen: datetime  # last use stamped in the database, or creation
    models: frozenset  # None: any model the user may use
    read_only: bool
    networks: tuple  # ipaddress networks; empty: any address
    rate_limit: int = 0  # the token's own calls per minute; 0: the default (see api_token_rate_limit)
    user_rate_limit: int = 0  # the user's calls per minute, over all their tokens; 0: none
    apikey_id: int = 0  # an Odoo API key (JSON-2), id None: the key's id, its own credential
    audience: str = None  # the one dialect the token serves (AUDIENCES); None: every one
    #: MCP's call_method tool allowed: an OAuth app's token only when its user
    #: approved it; any other token as its scope decides (see core/mcp_tools)
    call_methods: bool = True

    @property
    def credential(self):
        """What sent the call, as one string: ``token:<id>``, or
        ``apikey:<id>`` for an Odoo API key (JSON-2), each a credential of
        its own (for its rate limit, and the answers kept for idempotency
        keys)."""
        return f"token:{self.id}" if self.id else f"apikey:{self.apikey_id}"

    @property
    def methods(self):
        """The only methods the token may call (None: any public method):
        a read-only token's, which its documentation lists too."""
        return READ_ONLY_METHODS if self.read_only else None

    def check_scope(self, model, method):
        """Scopes only narrow what the user may do; the call still runs with
        the user's own rights. (Plain strings: raised before the call has
        a user's environment, where ``_()`` finds no language and logs a
        warning with a stack trace on every refusal.)

        ``model`` None: no one model (a listing, which keeps to
        :attr:`models` itself); ``method`` None: no method runs (a model's
        documentation), which a read-only token may read."""
        if model is not None and self.models is not None and model not in self.models:
            raise AccessError(f"This token may not use the model '{model}'.")  # pylint: disable=translation-required
        if method is not None and self.methods is not None and method not in self.methods:
            raise AccessError(  # pylint: disable=translation-required
                f"This token is read-only: '{method}' is not a read method."
            )


class ApiToken(models.Model):
    _name = "api.token"
    _description = "API Token"
    _order = "id desc"
    _allow_sudo_commands = False

    name = fields.Char("Label", required=True)
    user_id = fields.Many2one("res.users", required=True, readonly=True, index=True, ondelete="cascade")
    expires_at = fields.Datetime("Expires", readonly=True, help="Empty: the token does not expire.")
    last_used_at = fields.Datetime("Last Used", readonly=True, help="Updated at most once a minute per server process.")
    last_used_ip = fields.Char("Last Used From", readonly=True)
    revoked_at = fields.Datetime("Revoked", readonly=True)
    # Model names, not a relation to ir.model: a relation loses its rows when
    # a model is removed (module uninstalled), and an emptied scope would
    # read as "any model". Names fail closed.
    scope_models = fields.Char(
        "Allowed Models",
        readonly=True,
        help="Comma-separated technical names of the models the token may use. Empty: every model the user may use.",
    )
    scope_read_only = fields.Boolean(
        "Read Only", readonly=True, help="Only read methods (search, read, ...) may be called."
    )
    allowed_networks = fields.Char(
        readonly=True, help="Comma-separated IP networks (CIDR) the token may be used from. Empty: any address."
    )
    rate_limit = fields.Integer(
        "Calls per Minute",
        readonly=True,
        help="Rate limit of this token. 0: the default of every token (system parameter "
        "json_rpc_token.rate_limit_per_minute).",
    )
    apikey_id = fields.Many2one(
        "res.users.apikeys",
        "Issued With API Key",
        readonly=True,
        ondelete="cascade",
        help="The Odoo API key given as password at login: the token dies with it.",
    )
    audience = fields.Selection(
        list(AUDIENCES.items()),
        readonly=True,
        help="The one API the token was issued for (OAuth's resource): refused by every other. "
        "Empty: every API of this addon.",
    )
    oauth_grant_id = fields.Many2one(
        "api.oauth.grant",
        "Connected App",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
        help="The approval, given on the consent page to an OAuth client, this token was issued under.",
    )
    #: the chain of refresh tokens (one sign-in of an OAuth client) the token
    #: was issued in: a refresh token used twice revokes the whole chain
    oauth_family = fields.Char(readonly=True, index="btree_not_null")
    oauth_call_methods = fields.Boolean(
        "Call Public Methods",
        readonly=True,
        help="An OAuth app's token: its user approved that the app calls public methods (MCP's call_method "
        "tool). Not used by other tokens.",
    )
    log_ids = fields.One2many(
        "api.token.log", "token_id", string="Audit Log", readonly=True, groups="json_rpc_token.group_api_token_manager"
    )
    state = fields.Selection(
        [("active", "Active"), ("expired", "Expired"), ("revoked", "Revoked")],
        compute="_compute_state",
        search="_search_state",
    )

    def init(self):
        # The secret's columns live outside the ORM (see the module docstring).
        self.env.cr.execute(
            SQL(
                "ALTER TABLE api_token ADD COLUMN IF NOT EXISTS token_index varchar(%s),"
                " ADD COLUMN IF NOT EXISTS token_hash varchar",
                INDEX_SIZE,
            )
        )
        self.env.cr.execute("CREATE INDEX IF NOT EXISTS api_token_token_index_idx ON api_token (token_index)")
        # Odoo adds no foreign key towards a model it does not create itself
        # (res.users.apikeys); without it, removing a key would not remove
        # the tokens issued for it.
        self.pool.add_foreign_key(self._table, "apikey_id", "res_users_apikeys", "id", "cascade", self, self._module)

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
            "active": [("revoked_at", "=", False), "|", ("expires_at", "=", False), ("expires_at", ">", now)],
        }
        wanted = [value] if isinstance(value, str) else list(value)
        domain = expression.OR([by_state[state] for state in wanted if state in by_state]) or expression.FALSE_DOMAIN
        return ["!", *domain] if operator in ("!=", "not in") else domain

    # ------------------------------------------------------------- ORM guards
    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        # never calls super: the one way in is _issue, which knows the secret
        raise UserError(
            _(
                "API tokens are issued by logging in through the API or by the "
                "token wizard, never created directly: the secret would be lost."
            )
        )

    def write(self, vals):
        if PROTECTED_FIELDS & vals.keys():
            if not self.env.su:
                raise AccessError(_("Only the label of an API token can be changed."))
        return super().write(vals)

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
            raise UserError(
                _(
                    "API tokens must expire within %(hours)s hours (system parameter %(param)s).",
                    hours=max_hours,
                    param=MAX_TTL_PARAM,
                )
            )

    @api.model
    def _parse_scope(self, scope):
        """``{"models": [...], "read_only": bool}`` -> (model names or None, read_only)."""
        if scope is None:
            return None, False
        if not isinstance(scope, dict) or set(scope) - {"models", "read_only"}:
            raise InvalidParams(
                "'scope' must be an object with 'models' (a list of model names) and/or 'read_only' (true or false)."
            )
        read_only = scope.get("read_only", False)
        if not isinstance(read_only, bool):
            raise InvalidParams("'scope.read_only' must be true or false.")
        names = scope.get("models")
        if names is None:
            return None, read_only
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise InvalidParams("'scope.models' must be a non-empty list of model names.")
        unknown = [name for name in names if name not in self.env]
        if unknown:
            raise InvalidParams(f"Unknown model(s) in scope: {', '.join(unknown)}.")
        return sorted(set(names)), read_only

    @api.model
    def _parse_networks(self, networks):
        """A list of addresses/CIDR networks -> their canonical comma-separated form."""
        if not networks:
            return None
        if isinstance(networks, str):
            networks = networks.replace(",", " ").split()
        try:
            return ",".join(str(ipaddress.ip_network(net.strip(), strict=False)) for net in networks)
        except (ValueError, TypeError, AttributeError):
            raise InvalidParams(
                "'allowed_networks' must list IP addresses or CIDR networks, "
                "e.g. [\"203.0.113.0/24\", \"2001:db8::1\"]."
            ) from None

    @api.model
    def _check_may_issue(self, issuer, user):
        """Refuse unless ``issuer`` may hold a token of ``user``: the one
        place that decides it, for every way a token is issued (see
        :meth:`_issue`).

        A token is its user's rights, for as long as it lives, out of any
        browser session: issuing one for another user hands the issuer those
        rights. Odoo lets nobody mint an API key for another user; here an
        API token manager may issue tokens for integration users, but only
        for active internal users whose rights they hold already: every group
        of the user (implied ones included) is one of the issuer's, and so is
        every company the user may work in. So a manager never becomes an
        administrator, nor anyone with rights they lack, through a token.
        Anyone else issues only for themselves.

        :raises UserError: ``user`` is archived or not an internal user.
        :raises AccessError: ``issuer`` may not issue for ``user``.
        """
        issuer, user = issuer.sudo(), user.sudo()
        if not user.active or not user._is_internal():
            raise UserError(_("API tokens are for active internal users only."))
        if issuer == user:
            return
        if not issuer.has_group("json_rpc_token.group_api_token_manager"):
            raise AccessError(_("Only API token managers can issue tokens for other users."))
        groups = user.groups_id | user.groups_id.trans_implied_ids
        held = issuer.groups_id | issuer.groups_id.trans_implied_ids
        missing_groups = groups - held
        missing_companies = user.company_ids - issuer.company_ids
        if missing_groups or missing_companies:
            raise AccessError(
                _(
                    "You cannot issue an API token for %(user)s: a token carries its user's rights, and %(user)s "
                    "has rights you do not have (%(rights)s). API token managers may only issue tokens for "
                    "themselves and for users whose groups and companies they all have.",
                    user=user.name,
                    rights=", ".join(missing_groups.mapped("full_name") + missing_companies.mapped("name")),
                )
            )

    @api.model
    def _issue(
        self,
        user,
        label,
        expires_at=None,
        scope_models=None,
        read_only=False,
        networks=None,
        apikey_id=None,
        rate_limit=None,
        issuer=None,
        audience=None,
        oauth_grant_id=None,
        oauth_family=None,
        oauth_call_methods=False,
    ):
        """Create a token for ``user`` and return ``(record, secret)``.

        ``issuer``: the user who asks for it (the backend wizard's user);
        None when ``user`` asks for it themselves (a login proved who they
        are). Refused as :meth:`_check_may_issue` decides, before anything
        is written.

        The secret exists only in the return value: the row gets its hash and
        lookup index. Inserted with SQL because ``create`` is closed to
        clients (see :meth:`create`). ``scope_models``: model names, or None
        for any model. ``audience``: the one dialect the token serves (see
        :data:`AUDIENCES`), with the OAuth grant and refresh chain it was
        issued in, and whether that grant lets it call public methods.
        """
        issuer = issuer or user
        self._check_may_issue(issuer, user)
        secret = secrets.token_urlsafe(TOKEN_BYTES)
        author = issuer.id
        self.env.cr.execute(
            SQL(
                """INSERT INTO api_token (name, user_id, expires_at, scope_models, scope_read_only, allowed_networks,
                                      apikey_id, rate_limit, audience, oauth_grant_id, oauth_family,
                                      oauth_call_methods, token_index, token_hash, create_uid, write_uid,
                                      create_date, write_date)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
                       now() at time zone 'utc', now() at time zone 'utc')
               RETURNING id""",
                label,
                user.id,
                expires_at,
                ",".join(scope_models) if scope_models else None,
                bool(read_only),
                networks or None,
                apikey_id,
                rate_limit or 0,
                audience,
                oauth_grant_id,
                oauth_family,
                bool(oauth_call_methods),
                token_digest(secret)[:INDEX_SIZE],
                TOKEN_CRYPT_CONTEXT.hash(secret),
                author,
                author,
            )
        )
        token = self.browse(self.env.cr.fetchone()[0])
        user.invalidate_recordset(["api_token_ids"])
        _logger.info(
            "API token #%s issued for %s (#%s) by #%s from %s",
            token.id,
            user.login,
            user.id,
            issuer.id,
            call_context.current().client_address,
        )
        return token, secret

    @api.model
    def _login(
        self,
        login,
        password,
        label=None,
        expires_in=None,
        scope=None,
        allowed_networks=None,
        rate_limit=None,
        audience=None,
    ):
        """Check ``login``/``password`` with Odoo's own authentication and
        issue a token. Returns ``(uid, secret)``.

        ``interactive: False`` is what Odoo's XML/JSON-RPC passes: Odoo API
        keys work as passwords, users bound to API keys (2FA) must use one,
        and Odoo's ``active`` check applies. A token issued for an API key
        dies with the key and never outlives its expiry.

        The answer and its time tell nothing about which logins exist:
        every failure is the same ``AccessDenied``, counted per login and per
        address in the database (``api.token.lockout``), and a login that
        checked no password hash (unknown, archived, or bound to API keys)
        costs one all the same.

        ``audience``: the one dialect the token is for (:data:`AUDIENCES`),
        None for every one.
        """
        ip = call_context.current().client_address
        # options are checked first: a malformed request is no failed login
        expires_at = self._expiry_for(expires_in)
        scope_models, read_only = self._parse_scope(scope)
        networks = self._parse_networks(allowed_networks)
        rate_limit = self.env["api.token.rate.limit"]._parse_rate_limit(rate_limit)
        with self.env["api.token.lockout"].sudo()._counting_login(login, ip, {"login": login[:128]}):
            user, auth_method = self._authenticate(login, password)
        apikey_id = None
        if auth_method == "apikey":
            apikey_id, key_expiry = self._apikey_used(user, password)
            if key_expiry and (not expires_at or key_expiry < expires_at):
                expires_at = key_expiry
        label = label or self._default_label(call_context.current())
        token, secret = self.sudo()._issue(
            user, label, expires_at, scope_models, read_only, networks, apikey_id, rate_limit, audience=audience
        )
        self.env["api.token.log"]._record("login", user_id=user.id, issuer_id=user.id, token_id=token.id)
        return user.id, secret

    @api.model
    def _default_label(self, call):
        """A login's token, unless named: what made it, the client (its
        ``User-Agent`` product) and the dialect, e.g. ``python-requests 2.32
        (JSON-RPC)``."""
        client = call_context.client_product(call.user_agent) or _("Unknown client")
        dialect = DIALECT_NAMES.get(call.dialect)
        return _("%(client)s (%(dialect)s)", client=client, dialect=dialect) if dialect else client

    @api.model
    def _authenticate(self, login, password):
        """Odoo's non-interactive authentication -> (internal user, auth method).

        :raises AccessDenied: for every failure alike."""
        Users = self.env["res.users"]
        if len(login) > MAX_LOGIN_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
            # passlib refuses longer passwords before hashing anything
            raise AccessDenied()
        credential = {"type": "password", "login": login, "password": password}
        try:
            auth_info = Users.authenticate(self.env.cr.dbname, credential, {"interactive": False})
        except AccessDenied:
            Users._spend_refused_login(login, password)  # take the time a password check takes
            raise
        user = Users.sudo().browse(auth_info["uid"])
        if not user._is_internal():
            # Same answer as a wrong password: the API is for internal users only.
            _logger.info("API login refused for non-internal user #%s", user.id)
            raise AccessDenied()
        return user, auth_info.get("auth_method")

    @api.model
    def _apikey_used(self, user, key):
        """(id, expiry) of ``user``'s Odoo API key ``key``, the one Odoo's
        ``res.users.apikeys._check_credentials`` just accepted (same lookup:
        global or RPC scope, not expired). The only candidate is that key
        (Odoo has just verified it): only when the user has several keys
        sharing its index is a hash verified again."""
        self.env.cr.execute(
            """SELECT id, key, expiration_date FROM res_users_apikeys
                WHERE user_id = %s AND index = %s AND (scope IS NULL OR scope = 'rpc')
                  AND (expiration_date IS NULL OR expiration_date >= now() at time zone 'utc')""",
            [user.id, key[:APIKEY_INDEX_SIZE]],
        )
        rows = self.env.cr.fetchall()
        if len(rows) == 1:
            return rows[0][0], rows[0][2]
        for key_id, key_hash, expiration in rows:
            if KEY_CRYPT_CONTEXT.verify(key, key_hash):
                return key_id, expiration
        raise AccessDenied()  # Odoo accepted a key we cannot find: refuse rather than outlive it

    # --------------------------------------------------------------- checking
    @api.model
    def _check_secret(self, secret, api_keys=False, any_audience=False):
        """Return the :class:`TokenFacts` of the live token ``secret``.

        ``api_keys``: also accept one of Odoo's API keys (RPC scope, with
        Odoo's own checks: user active, key not expired), as Odoo 19's JSON-2
        API does; its facts have no token id and no scope. ``any_audience``:
        a token of another dialect is accepted (to be revoked: a logout).

        A valid token is never refused by the token-guessing lockout: the
        lockout only decides how an unknown token is answered (-32007 once
        the address sent too many, else -32003), so a guesser behind the
        same NAT or proxy as a real client cannot lock that client out.

        :raises TokenError: missing, unknown, expired (or idle), revoked, its
            user archived or no longer internal, or used from an address it
            is not allowed from.
        :raises TooManyAttempts: this address sent too many unknown tokens.
        """
        if not secret:
            raise TokenMissing("No token given: send 'Authorization: Bearer <token>' or the 'token' parameter.")
        facts = None
        if isinstance(secret, str) and len(secret) <= MAX_TOKEN_LENGTH:
            digest = token_digest(secret)
            memo = call_context.current().facts_memo
            memo = {} if memo is None else memo
            facts = memo.get(digest) or self._token_facts(digest, secret)
            if facts:
                memo[digest] = facts
        ip = call_context.current().client_address
        if facts is None and api_keys and isinstance(secret, str):
            facts = self._api_key_facts(secret)
        if facts is None:
            guess_keys = [f"token-ip:{ip}"] if ip else []
            Lockout = self.env["api.token.lockout"].sudo()
            Lockout._assert_not_locked(guess_keys)
            Lockout._record_failure(guess_keys, "token_refused")
            raise TokenInvalid("The token is not valid on this database.")
        self._check_facts(facts, ip, any_audience)
        return facts

    @api.model
    def _check_facts(self, facts, ip, any_audience=False):
        """Refuse the token of ``facts`` if it may not be used now, from
        ``ip``: the checks every use of a token passes, through this API or
        as a password (:meth:`_check_password_token`).

        :raises TokenError: its user archived or no longer internal, revoked,
            expired (or idle), or ``ip`` outside its allowed networks."""
        if not facts.user_eligible:
            raise TokenInvalid("The token's user is archived or no longer an internal user.")
        if facts.audience and facts.audience != call_context.current().dialect and not any_audience:
            # RFC 8707: a token issued for one resource is no key to another
            raise TokenInvalid(f"This token was issued for {AUDIENCES[facts.audience]} only.")
        if facts.revoked:
            raise TokenRevoked("The token has been revoked.")
        now = fields.Datetime.now()
        if facts.expires_at and facts.expires_at <= now:
            raise TokenExpired("The token has expired; authenticate again.")
        idle_minutes = self._param(IDLE_PARAM, 0)
        if idle_minutes and now - facts.last_seen > timedelta(minutes=max(idle_minutes, MIN_IDLE_MINUTES)):
            raise TokenExpired(f"The token was unused for more than {idle_minutes:g} minutes; authenticate again.")
        if facts.networks:
            address = ipaddress.ip_address(ip) if ip else None
            if address is None or not any(address in network for network in facts.networks):
                raise TokenAddressRefused(f"This token may not be used from {ip}.")

    @api.model
    def _find_token(self, secret):
        """The :class:`TokenFacts` of the token ``secret``, None if it is no
        token; nothing is checked or counted."""
        if not may_be_token(secret):
            return None
        return self._token_facts(token_digest(secret), secret)

    @api.model
    def _check_password_token(self, uid, secret):
        """The :class:`TokenFacts` of ``secret`` given as the password of
        user ``uid`` to Odoo's own non-interactive RPC (``/xmlrpc/2``,
        ``/jsonrpc``), if it is a usable token of that user; None if it is
        no token at all.

        None is no failure: the secret may be the user's password or API key,
        which Odoo checks next; if that fails too, the failure counts on the
        login lockout (see ``res.users._check_credentials``), not as a token
        guess.

        :raises AccessDenied: the token exists but may not be used here, with
            the reason (Odoo's RPC answers it as XML-RPC fault 3 or its JSON-RPC
            error; it knows nothing of this API's error codes). A scoped token
            is refused: Odoo's RPC runs any method on any model, nothing there
            could hold the call to the scope.
        :raises AccessError: a browser sent the request from a web page of an
            origin the database does not admit, the rule of ``/json-call``
            (see :mod:`..core.origin`). Not ``AccessDenied``: ``authenticate`` and
            ``login`` would turn that into a plain ``False``; this is a fault
            on every method (XML-RPC fault 4), with the reason.
        """
        facts = self._find_token(secret)
        if facts is None:
            return None
        try:
            origin_rule.admit(self.env, call_context.current().origin)
        except OriginRefused as exc:
            _logger.info("API token #%s refused as a password: %s", facts.id, exc)
            refused = AccessError(str(exc))
            refused.loglevel = logging.INFO  # a client's mistake, no server warning
            raise refused from None
        try:
            if facts.user_id != uid:
                raise TokenInvalid("The token is not a token of this user.")
            self._check_facts(facts, call_context.current().client_address)
        except TokenError as exc:
            _logger.info("API token #%s refused as the password of user #%s: %s", facts.id, uid, exc)
            raise AccessDenied(str(exc)) from None
        if facts.models is not None or facts.read_only:
            limits = ([f"the models {', '.join(sorted(facts.models))}"] if facts.models is not None else []) + (
                ["read methods"] if facts.read_only else []
            )
            _logger.info("API token #%s refused as a password: it has a scope", facts.id)
            raise AccessDenied(
                self.env._(
                    "This token is limited to %s; Odoo's XML-RPC/JSON-RPC cannot enforce a token's scope: use "
                    "/json-call with this token, or a token without scope.",
                    " and ".join(limits),
                )
            )
        try:
            self._admit_call(facts)
        except RateLimitExceeded as exc:
            raise AccessDenied(str(exc)) from None
        return facts

    @api.model
    def _token_facts(self, digest, secret):
        """The facts of the token ``secret`` (SHA-256 ``digest``), read now,
        in this transaction; None if no token matches.

        One indexed read per call. The rows sharing the index are compared
        with the hash this process last verified the secret against; only
        when none holds it is a hash verified (pbkdf2, milliseconds)."""
        # the read must see this transaction's pending ORM writes (a token
        # revoked or a user archived earlier in the same transaction)
        self.flush_model()
        self.env["res.users"].flush_model(["active", "share", "api_rate_limit"])
        self.env.cr.execute(
            """SELECT t.id, t.user_id, t.expires_at, t.revoked_at IS NOT NULL, u.active AND NOT u.share,
                      COALESCE(t.last_used_at, t.create_date), t.scope_models, t.scope_read_only,
                      t.allowed_networks, t.rate_limit, u.api_rate_limit, t.audience,
                      t.oauth_grant_id IS NULL OR t.oauth_call_methods, t.token_hash
                 FROM api_token t JOIN res_users u ON u.id = t.user_id
                WHERE t.token_index = %s""",
            [digest[:INDEX_SIZE]],
        )
        rows = self.env.cr.fetchall()
        cache_key = (self.env.cr.dbname, digest)
        verified = _verified_hashes.get(cache_key)
        row = next((row for row in rows if verified and row[-1] == verified), None)
        if row is None:
            row = next((row for row in rows if row[-1] and TOKEN_CRYPT_CONTEXT.verify(secret, row[-1])), None)
            if row is None:
                return None
            if len(_verified_hashes) >= MAX_VERIFIED_HASHES:
                _verified_hashes.clear()
            _verified_hashes[cache_key] = row[-1]
        (
            token_id,
            user_id,
            expires_at,
            revoked,
            user_eligible,
            last_seen,
            models_,
            read_only,
            networks,
            rate_limit,
            user_rate_limit,
            audience,
            call_methods,
            _hash,
        ) = row
        return TokenFacts(
            token_id,
            user_id,
            expires_at,
            revoked,
            user_eligible,
            last_seen,
            frozenset(models_.split(",")) if models_ else None,
            bool(read_only),
            tuple(ipaddress.ip_network(net) for net in networks.split(",")) if networks else (),
            rate_limit or 0,
            user_rate_limit or 0,
            audience=audience or None,
            call_methods=bool(call_methods),
        )

    @api.model
    def _api_key_facts(self, key):
        """:class:`TokenFacts` for the Odoo API key ``key``, or None. The
        key is a credential of its own, as a token is (``apikey_id``): the
        default rate limit of every token applies to it, and an answer kept
        for an idempotency key is given back to it only."""
        user_id = self.env["res.users.apikeys"]._check_credentials(scope="rpc", key=key)
        if not user_id:
            return None
        user = self.env["res.users"].sudo().browse(user_id)
        apikey_id = self._apikey_used(user, key)[0]
        return TokenFacts(
            None,
            user_id,
            None,
            False,
            user._is_internal(),
            fields.Datetime.now(),
            None,
            False,
            (),
            user_rate_limit=user.api_rate_limit,
            apikey_id=apikey_id,
        )

    @api.model
    def _admit_call(self, facts):
        """A call with the checked token ``facts`` is let through: metered on
        the token (:func:`..usage.note`: from here on it is a call of the
        token, and an error if it fails, a rate limit's refusal included),
        counted on its rate limits (RateLimitExceeded if over), then its use
        stamped. The last step of every token check that runs a call,
        whatever the dialect, so that every dialect counts alike."""
        usage.note(self.env.cr.dbname, facts.id)
        self.env["api.token.rate.limit"]._count_call(facts)
        self._note_use(facts.id)

    @api.model
    def _note_use(self, token_id):
        """Stamp the token's last use, at most every LAST_USE_INTERVAL
        seconds per process, in its own short transaction: the stamp must not
        roll back with a failed call, nor make concurrent calls with one token
        fight over the row lock (a row another one is stamping is skipped).
        READ COMMITTED (:mod:`..core.own_cursor`): under Odoo's REPEATABLE READ,
        a stamp committed by another process after this transaction's
        snapshot fails this one to serialize (logged by Odoo as a bad query)."""
        if not token_id:  # an Odoo API key: Odoo keeps no trace of its use either
            return
        key = (self.env.cr.dbname, token_id)
        now = time.monotonic()
        if now - _last_use_written.get(key, -LAST_USE_INTERVAL) < LAST_USE_INTERVAL:
            return
        if len(_last_use_written) > 10000:
            _last_use_written.clear()
        _last_use_written[key] = now
        try:
            with own_cursor(self.env.registry) as cr:
                cr.execute(
                    """UPDATE api_token SET last_used_at = now() at time zone 'utc', last_used_ip = %s
                        WHERE id IN (SELECT id FROM api_token WHERE id = %s FOR UPDATE SKIP LOCKED)""",
                    [call_context.current().client_address, token_id],
                )
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
            _logger.info(
                "API token(s) %s revoked (%s) by #%s from %s",
                live.ids,
                detail or event,
                self.env.uid,
                call_context.current().client_address,
            )
        return True

    @api.model
    def _logout(self, secret):
        # a token of one dialect (an MCP token got at a login) is logged out where it was got
        facts = self._check_secret(secret, any_audience=True)
        # the logout route runs as no one (auth='none'): the token's own user logs out
        return self.with_user(facts.user_id).sudo().browse(facts.id)._revoke("logout")

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
        entries past their retention, stale failure counters, expired
        idempotency keys, and OAuth codes and refresh tokens that can no
        longer be used."""
        days = int(self._param(PURGE_PARAM, DEFAULT_PURGE_DAYS))
        if days > 0:
            limit = fields.Datetime.now() - timedelta(days=days)
            dead = self.sudo().search(["|", ("revoked_at", "<", limit), ("expires_at", "<", limit)])
            _logger.info("Purging %d API tokens dead for more than %d days", len(dead), days)
            dead.unlink()
        self.env["api.token.log"]._purge_old()
        self.env["api.token.lockout"]._purge_stale()
        self.env["api.token.idempotency"]._purge_expired()
        self.env["api.oauth.code"]._purge_dead()
        self.env["api.oauth.refresh"]._purge_dead()

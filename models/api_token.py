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
import logging
import secrets
import time
from datetime import timedelta

import psycopg2
from passlib.context import CryptContext

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessDenied, AccessError, UserError
from odoo.http import request
from odoo.osv import expression
from odoo.tools import SQL

from ..errors import TokenExpired, TokenInvalid, TokenMissing, TokenRevoked

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
PURGE_PARAM = "json_rpc_token.purge_after_days"
DEFAULT_PURGE_DAYS = 30
#: fields only the code itself (in sudo) may change: letting a user rewrite
#: ``user_id`` of a token they know would hand them another user's rights
PROTECTED_FIELDS = frozenset({"user_id", "expires_at", "revoked_at", "last_used_at", "last_used_ip"})

_last_use_written = {}  # (dbname, token id) -> time.monotonic() of the last stamp


def token_digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _client_ip():
    return request.httprequest.remote_addr if request else None


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
    def _default_expiry(self):
        hours = float(self.env["ir.config_parameter"].sudo().get_param(TTL_PARAM, DEFAULT_TTL_HOURS))
        return fields.Datetime.now() + timedelta(hours=hours) if hours > 0 else None

    @api.model
    def _issue(self, user, label, expires_at=None):
        """Create a token for ``user`` and return ``(record, secret)``.

        The secret exists only in the return value: the row gets its hash and
        lookup index. Inserted with SQL because ``create`` is closed to
        clients (see :meth:`create`).
        """
        secret = secrets.token_urlsafe(TOKEN_BYTES)
        self.env.cr.execute(SQL(
            """INSERT INTO api_token (name, user_id, expires_at, token_index, token_hash,
                                      create_uid, write_uid, create_date, write_date)
               VALUES (%s, %s, %s, %s, %s, %s, %s, now() at time zone 'utc', now() at time zone 'utc')
               RETURNING id""",
            label, user.id, expires_at, token_digest(secret)[:INDEX_SIZE],
            TOKEN_CRYPT_CONTEXT.hash(secret), self.env.uid or user.id, self.env.uid or user.id))
        token = self.browse(self.env.cr.fetchone()[0])
        _logger.info("API token #%s issued for %s (#%s) from %s", token.id, user.login, user.id, _client_ip())
        return token, secret

    @api.model
    def _login(self, login, password):
        """Check ``login``/``password`` with Odoo's own authentication and
        issue a token. Returns ``(uid, secret)``.

        ``interactive: False`` is what Odoo's XML/JSON-RPC passes: Odoo API
        keys work as passwords, users bound to API keys (2FA) must use one,
        and Odoo's login cooldown and ``active`` check apply.
        """
        credential = {"type": "password", "login": login, "password": password}
        auth_info = self.env["res.users"].authenticate(self.env.cr.dbname, credential, {"interactive": False})
        user = self.env["res.users"].sudo().browse(auth_info["uid"])
        if not user._is_internal():
            # Same answer as a wrong password: the API is for internal users only.
            _logger.info("API login refused for non-internal user #%s", user.id)
            raise AccessDenied()
        label = _("user_authenticate from %s", _client_ip() or "n/a")
        token, secret = self.sudo()._issue(user, label, self._default_expiry())
        return user.id, secret

    # --------------------------------------------------------------- checking
    @api.model
    def _check_secret(self, secret):
        """Return ``(token id, user id)`` of the live token ``secret``.

        :raises TokenError: missing, unknown, expired or revoked token.
        """
        if not secret:
            raise TokenMissing("No token given: send 'Authorization: Bearer <token>' or the 'token' parameter.")
        if not isinstance(secret, str) or len(secret) > MAX_TOKEN_LENGTH:
            raise TokenInvalid("The token is not valid on this database.")
        token_id, user_id, expires_at, revoked = self._verified_token_facts(token_digest(secret), secret)
        if revoked:
            raise TokenRevoked("The token has been revoked.")
        if expires_at and expires_at <= fields.Datetime.now():
            raise TokenExpired("The token has expired; authenticate again.")
        return token_id, user_id

    @tools.ormcache("digest")
    def _verified_token_facts(self, digest, secret):
        """The facts about the token whose SHA-256 is ``digest``, after
        verifying ``secret`` against the stored hash. Cached by digest only;
        an unknown token raises, and exceptions are never cached."""
        # the query must see this transaction's pending ORM writes (a token
        # revoked or a user archived earlier in the same transaction)
        self.flush_model(["user_id", "expires_at", "revoked_at"])
        self.env["res.users"].flush_model(["active"])
        self.env.cr.execute(
            """SELECT t.id, t.user_id, t.expires_at, t.revoked_at IS NOT NULL, t.token_hash
                 FROM api_token t JOIN res_users u ON u.id = t.user_id
                WHERE t.token_index = %s AND u.active""", [digest[:INDEX_SIZE]])
        for token_id, user_id, expires_at, revoked, token_hash in self.env.cr.fetchall():
            if token_hash and TOKEN_CRYPT_CONTEXT.verify(secret, token_hash):
                return token_id, user_id, expires_at, revoked
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
                    [_client_ip(), token_id])
        except psycopg2.Error as exc:
            _logger.debug("last-use stamp of API token #%s skipped: %s", token_id, exc)

    # ------------------------------------------------------------- revoking
    def _revoke(self):
        live = self.filtered(lambda token: not token.revoked_at)
        if live:
            live.sudo().write({"revoked_at": fields.Datetime.now()})
            _logger.info("API token(s) %s revoked by #%s from %s", live.ids, self.env.uid, _client_ip())
        return True

    @api.model
    def _logout(self, secret):
        token_id, _user_id = self._check_secret(secret)
        return self.browse(token_id)._revoke()

    def action_revoke(self):
        """Revoke these tokens; anyone may revoke the tokens they can see
        (their own; all of them for API token managers)."""
        self.check_access("read")
        return self._revoke()

    @api.model
    def action_revoke_all(self):
        """Revoke every live token of every user: for a suspected leak."""
        if not self.env.user.has_group("json_rpc_token.group_api_token_manager"):
            raise AccessError(_("Only API token managers can revoke every token."))
        return self.search([("state", "!=", "revoked")]).action_revoke()

    # ------------------------------------------------------------- cleaning
    @api.model
    def _purge_dead_tokens(self):
        """Daily cron: delete tokens expired or revoked for more than
        ``json_rpc_token.purge_after_days`` days (0 keeps them forever)."""
        days = int(self.env["ir.config_parameter"].sudo().get_param(PURGE_PARAM, DEFAULT_PURGE_DAYS))
        if days <= 0:
            return
        limit = fields.Datetime.now() - timedelta(days=days)
        dead = self.sudo().search(["|", ("revoked_at", "<", limit), ("expires_at", "<", limit)])
        _logger.info("Purging %d API tokens dead for more than %d days", len(dead), days)
        dead.unlink()

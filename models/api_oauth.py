"""OAuth 2.1 for the MCP endpoint: the registered clients, the user's
approvals (*Connected apps*), the authorization codes and refresh tokens.

An access token is an ``api.token`` row like any other (hashed, checked by
the one token check, revoked at once), of audience ``mcp`` and short-lived;
what the user approved is its scope. The grant machinery (PKCE, the token
requests, their errors) is Authlib's (:mod:`..core.oauth_server`); these
models are where it keeps its state.

Codes and refresh tokens are 256-bit random secrets stored only as their
SHA-256 digest (``secret_digest``, outside the ORM's fields as the tokens'
hashes are): a digest of a secret that long cannot be reversed, and a
lookup by it is one indexed read. A refresh token is used once: using it
gives a new one (rotation); a refresh token used a second time means it
was copied, and every token of its chain (``family``) is revoked.
"""

import hashlib
import logging
import secrets
import uuid
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, config

from ..core import call_context, client_metadata, oauth_server
from ..core.oauth_metadata import scope_string

_logger = logging.getLogger(__name__)

ACCESS_MINUTES_PARAM = "json_rpc_token.oauth_access_token_minutes"
DEFAULT_ACCESS_MINUTES = 60
REFRESH_DAYS_PARAM = "json_rpc_token.oauth_refresh_token_days"
DEFAULT_REFRESH_DAYS = 30
#: RFC 6749 §4.1.2 recommends at most ten minutes
CODE_MINUTES = 5


def secret_digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def _locked_by_secret(model, secret):
    """The row of ``model`` whose digest is the secret's, locked FOR UPDATE
    (empty if none): what a one-use secret (a code, a refresh token) is
    looked up with."""
    model.env.cr.execute(
        SQL(
            "SELECT id FROM %s WHERE secret_digest = %s FOR UPDATE", SQL.identifier(model._table), secret_digest(secret)
        )
    )
    row = model.env.cr.fetchone()
    return model.sudo().browse(row[0] if row else [])


def _add_digest_column(env, table):
    env.cr.execute(SQL("ALTER TABLE %s ADD COLUMN IF NOT EXISTS secret_digest varchar(64)", SQL.identifier(table)))
    env.cr.execute(
        SQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (secret_digest)",
            SQL.identifier(f"{table}_secret_digest_uniq"),
            SQL.identifier(table),
        )
    )


REGISTRATION_PARAM = "json_rpc_token.oauth_dynamic_registration"
CLIENT_METADATA_PARAM = "json_rpc_token.oauth_client_metadata_documents"
PRIVATE_ADDRESSES_PARAM = "json_rpc_token.oauth_client_metadata_private_addresses"
REDIRECT_ALLOWED_PARAM = "json_rpc_token.oauth_redirect_uri_allowed"
#: server option: a PEM bundle of the authorities trusted, besides the
#: system's, for client metadata documents (an internal CA)
CA_FILE_OPTION = "json_rpc_token_client_metadata_ca_file"
#: a client metadata document is fetched again after this long
CLIENT_METADATA_CACHE_MINUTES = 5


def _param_on(env, name):
    """A boolean system parameter that is on unless set off (Odoo deletes
    the parameter of a False boolean setting: absent is the default)."""
    return env["ir.config_parameter"].sudo().get_param(name, "True") not in ("False", "0", "")


def allowed_redirect_entries(text):
    """The administrator's allowed redirect schemes and prefixes, one per
    line or comma-separated."""
    return [entry.strip() for entry in (text or "").replace(",", "\n").split() if entry.strip()]


class ApiOAuthClient(models.Model):
    """An OAuth client: registered by Dynamic Client Registration (RFC 7591),
    or by the Client ID Metadata Document its client ID is the URL of
    (:mod:`..core.client_metadata`, kept here as it was last fetched).
    Public clients only (an assistant on a desktop or a server keeps no
    secret the user could not read): PKCE is what binds a code to the
    client that asked for it."""

    _name = "api.oauth.client"
    _description = "OAuth Client"
    _order = "id desc"

    name = fields.Char(required=True, readonly=True)
    client_id = fields.Char("Client ID", required=True, readonly=True, index=True)
    redirect_uris = fields.Text("Redirect URIs", required=True, readonly=True, help="One per line.")
    client_uri = fields.Char(readonly=True)
    metadata_fetched_at = fields.Datetime(
        "Metadata Fetched",
        readonly=True,
        help="When the client ID metadata document was last fetched (empty: "
        "registered by Dynamic Client Registration).",
    )

    _sql_constraints = [("client_id_uniq", "unique(client_id)", "A client ID is registered once.")]

    @api.model
    def _registration_allowed(self):
        """Whether clients may register themselves (RFC 7591); on unless an
        administrator turned it off (Settings)."""
        return _param_on(self.env, REGISTRATION_PARAM)

    @api.model
    def _client_metadata_allowed(self):
        """Whether a client ID may be the URL of its metadata document; on
        unless an administrator turned it off (Settings)."""
        return _param_on(self.env, CLIENT_METADATA_PARAM)

    @api.model
    def _redirect_uri_allowed(self, uri):
        """Whether a client may register ``uri`` as a redirect: https and
        loopback http, and what an administrator allowed (Settings)."""
        extra = self.env["ir.config_parameter"].sudo().get_param(REDIRECT_ALLOWED_PARAM)
        return oauth_server.redirect_uri_allowed(uri, allowed_redirect_entries(extra))

    @api.model
    def _from_metadata_document(self, url):
        """The client whose client ID is the URL ``url`` of its metadata
        document: as registered, if fetched less than a few minutes ago;
        else fetched now (:func:`..core.client_metadata.fetch`) and its
        registration updated. :class:`~..core.client_metadata.Refused`
        when the document cannot be used (or is turned off)."""
        if not self._client_metadata_allowed():
            raise client_metadata.Refused("Client ID metadata documents are turned off on this server.")
        client = self.sudo().search([("client_id", "=", url)], limit=1)
        fresh_since = fields.Datetime.now() - timedelta(minutes=CLIENT_METADATA_CACHE_MINUTES)
        if client.metadata_fetched_at and client.metadata_fetched_at > fresh_since:
            return client
        allow_private = self.env["ir.config_parameter"].sudo().get_param(PRIVATE_ADDRESSES_PARAM) == "True"
        document = client_metadata.fetch(url, allow_private, config.get(CA_FILE_OPTION) or None)
        values = client_metadata.registration(url, document, self._redirect_uri_allowed)
        values["metadata_fetched_at"] = fields.Datetime.now()
        if client:
            client.sudo().write(values)
            return client
        try:
            with self.env.cr.savepoint():
                return self.sudo().create({**values, "client_id": url})
        except psycopg2.errors.UniqueViolation:
            # another sign-in of the same client registered it meanwhile; this
            # transaction's snapshot cannot see that row, the next request will
            raise client_metadata.Refused(
                "This client was registered by another sign-in a moment ago: reload the page."
            ) from None

    def redirect_uri_list(self):
        self.ensure_one()
        return self.redirect_uris.split()


class ApiOAuthGrant(models.Model):
    """What a user approved for a client: the *Connected apps*. Approving
    again the same (or less) for the same client asks nothing; revoking it
    revokes every token issued under it, at once."""

    _name = "api.oauth.grant"
    _description = "Connected App"
    _order = "id desc"

    client_id = fields.Many2one("api.oauth.client", "App", required=True, readonly=True, ondelete="cascade")
    user_id = fields.Many2one("res.users", required=True, readonly=True, index=True, ondelete="cascade")
    scope_models = fields.Char(
        "Allowed Models", readonly=True, help="Comma-separated model names. Empty: every model the user may use."
    )
    scope_read_only = fields.Boolean("Read Only", readonly=True)
    scope_call_methods = fields.Selection(
        [("approved", "Approved"), ("declined", "Declined")],
        "Call Public Methods",
        readonly=True,
        help="The app asked to call public methods of the models (MCP's call_method tool), beyond reading "
        "and writing records, and the user ticked it on the consent page (approved) or not (declined). "
        "Empty: the app did not ask.",
    )
    revoked_at = fields.Datetime("Revoked", readonly=True)
    token_ids = fields.One2many("api.token", "oauth_grant_id", string="Tokens", readonly=True)

    def models_list(self):
        self.ensure_one()
        return self.scope_models.split(",") if self.scope_models else None

    @api.model
    def _approve(self, client, user, models_, read_only, call_methods=None):
        """The live grant of ``user`` to ``client`` of exactly this scope
        (``models_``: names, None for all; ``call_methods``: public methods
        approved or declined, never with ``read_only`` or ``models_``; None:
        not asked),
        made if there is none."""
        scope_models = ",".join(sorted(models_)) if models_ else False
        if call_methods is not None:
            # call_method is offered to a token without a model scope only
            call_methods = "approved" if call_methods and not read_only and not models_ else "declined"
        call_methods = call_methods or False
        grant = self.sudo().search(
            [
                ("client_id", "=", client.id),
                ("user_id", "=", user.id),
                ("revoked_at", "=", False),
                ("scope_read_only", "=", read_only),
                ("scope_models", "=", scope_models),
                ("scope_call_methods", "=", call_methods),
            ],
            limit=1,
        )
        if grant:
            return grant
        grant = self.sudo().create(
            {
                "client_id": client.id,
                "user_id": user.id,
                "scope_read_only": read_only,
                "scope_models": ",".join(sorted(models_)) if models_ else False,
                "scope_call_methods": call_methods,
            }
        )
        self.env["api.token.log"]._record(
            "oauth_consent", user_id=user.id, issuer_id=user.id, detail=f"{client.name} ({client.client_id})"[:200]
        )
        return grant

    @api.model
    def _find(self, client, user, read_only, call_methods=False):
        """The user's latest live approval of ``client`` that answers a
        request for reading (``read_only``) or writing (and calling public
        methods: ``call_methods``): asked again, the user is not asked
        again, and the models they chose hold."""
        domain = [("client_id", "=", client.id), ("user_id", "=", user.id), ("revoked_at", "=", False)]
        if not read_only:
            domain.append(("scope_read_only", "=", False))
        if call_methods:
            # the user answered it, either way: asked again, not asked again
            domain.append(("scope_call_methods", "!=", False))
        return self.sudo().search(domain, limit=1)

    def action_revoke(self):
        """Revoke these apps and every token issued under them, at once;
        anyone may revoke their own (managers: anyone's)."""
        self.check_access("write")
        live = self.sudo().filtered(lambda grant: not grant.revoked_at)
        live.write({"revoked_at": fields.Datetime.now()})
        live.token_ids._revoke(detail="connected app revoked")
        self.env["api.oauth.refresh"].sudo().search([("grant_id", "in", live.ids)]).write(
            {"revoked_at": fields.Datetime.now()}
        )
        return True

    def write(self, vals):
        if not self.env.su:
            raise AccessError(_("A connected app is changed only by revoking it."))
        return super().write(vals)


class ApiOAuthCode(models.Model):
    """An authorization code: one use, a few minutes, bound to its client,
    redirect URI, PKCE challenge and audience."""

    _name = "api.oauth.code"
    _description = "OAuth Authorization Code"
    _log_access = False

    grant_id = fields.Many2one("api.oauth.grant", required=True, ondelete="cascade")
    redirect_uri = fields.Char(required=True)
    code_challenge = fields.Char(required=True)
    code_challenge_method = fields.Char(required=True)
    resource = fields.Char()
    #: reading only: the grant's, or what the request asked (an approval of
    #: writing answers a request for reading with a read-only token)
    scope_read_only = fields.Boolean()
    #: public methods: asked by the request and allowed by the grant
    scope_call_methods = fields.Boolean()
    expires_at = fields.Datetime(required=True)
    used = fields.Boolean()
    #: the refresh chain the code starts (revoked if the code is used twice)
    family = fields.Char(required=True)

    def init(self):
        _add_digest_column(self.env, self._table)

    @api.model
    def _store(self, code, grant, redirect_uri, challenge, method, resource, read_only, call_methods=False):
        """Keep the code Authlib made (its digest only) for ``grant``."""
        read_only = read_only or grant.scope_read_only
        row = self.sudo().create(
            {
                "grant_id": grant.id,
                "redirect_uri": redirect_uri,
                "code_challenge": challenge,
                "scope_read_only": read_only,
                "scope_call_methods": call_methods and grant.scope_call_methods == "approved" and not read_only,
                "code_challenge_method": method,
                "resource": resource,
                "family": uuid.uuid4().hex,
                "expires_at": fields.Datetime.now() + timedelta(minutes=CODE_MINUTES),
            }
        )
        self.env.cr.execute("UPDATE api_oauth_code SET secret_digest = %s WHERE id = %s", [secret_digest(code), row.id])

    @api.model
    def _purge_dead(self):
        """Codes expired or used, deleted by the daily purge (a code is
        checked for reuse only while it lives: five minutes)."""
        self.sudo().search(["|", ("used", "=", True), ("expires_at", "<", fields.Datetime.now())]).unlink()

    @api.model
    def _lookup(self, code):
        """The code's row, locked (two exchanges of one code cannot both win)."""
        return _locked_by_secret(self, code)


class ApiOAuthRefresh(models.Model):
    """A refresh token: one use (rotated), in a chain (``family``) that dies
    as a whole when one of its tokens is used twice."""

    _name = "api.oauth.refresh"
    _description = "OAuth Refresh Token"
    _log_access = False

    grant_id = fields.Many2one("api.oauth.grant", required=True, ondelete="cascade", index=True)
    family = fields.Char(required=True, index=True)
    scope_read_only = fields.Boolean()
    scope_call_methods = fields.Boolean()
    resource = fields.Char()
    expires_at = fields.Datetime(required=True)
    used_at = fields.Datetime()
    revoked_at = fields.Datetime()

    def init(self):
        _add_digest_column(self.env, self._table)

    @api.model
    def _lookup(self, secret):
        """The refresh token's row, locked (two rotations of one token
        cannot both win)."""
        return _locked_by_secret(self, secret)

    @api.model
    def _purge_dead(self):
        """Refresh tokens expired, or revoked or used more than a day ago
        (kept that long to catch the reuse of a copied one), deleted by the
        daily purge."""
        now = fields.Datetime.now()
        day_ago = now - timedelta(days=1)
        self.sudo().search(
            ["|", "|", ("expires_at", "<", now), ("revoked_at", "<", day_ago), ("used_at", "<", day_ago)]
        ).unlink()

    @api.model
    def _revoke_chain(self, family, grant, reason):
        """Every token of the chain ``family``, access and refresh, revoked now."""
        self.sudo().search([("family", "=", family)]).write({"revoked_at": fields.Datetime.now()})
        self.env["api.token"].sudo().search([("oauth_family", "=", family)])._revoke(detail=reason)
        if reason.endswith("reused"):
            self.env["api.token.log"]._record("oauth_reuse", user_id=grant.user_id.id, detail=reason)
            _logger.warning(
                "OAuth chain %s of connected app #%s revoked: %s (from %s)",
                family,
                grant.id,
                reason,
                call_context.current().client_address,
            )

    @api.model
    def _issue_pair(self, grant, read_only, resource, family=None, call_methods=False):
        """A new access token (an ``api.token``, audience ``mcp``) and
        refresh token for ``grant``: the OAuth token response's fields.
        ``call_methods``: asked (and approved) for this chain."""
        Param = self.env["ir.config_parameter"].sudo()
        minutes = float(Param.get_param(ACCESS_MINUTES_PARAM, DEFAULT_ACCESS_MINUTES) or DEFAULT_ACCESS_MINUTES)
        days = float(Param.get_param(REFRESH_DAYS_PARAM, DEFAULT_REFRESH_DAYS) or DEFAULT_REFRESH_DAYS)
        family = family or uuid.uuid4().hex
        now = fields.Datetime.now()
        user = grant.user_id.sudo()
        read_only = read_only or grant.scope_read_only
        call_methods = bool(call_methods) and grant.scope_call_methods == "approved" and not read_only
        token, access = (
            self.env["api.token"]
            .sudo()
            ._issue(
                user,
                f"{grant.client_id.name} (MCP)"[:200],
                now + timedelta(minutes=minutes),
                grant.models_list(),
                read_only,
                audience="mcp",
                oauth_grant_id=grant.id,
                oauth_family=family,
                oauth_call_methods=call_methods,
            )
        )
        refresh = secrets.token_urlsafe(32)
        row = self.sudo().create(
            {
                "grant_id": grant.id,
                "family": family,
                "scope_read_only": read_only,
                "scope_call_methods": call_methods,
                "resource": resource,
                "expires_at": now + timedelta(days=days),
            }
        )
        self.env.cr.execute(
            "UPDATE api_oauth_refresh SET secret_digest = %s WHERE id = %s", [secret_digest(refresh), row.id]
        )
        self.env["api.token.log"]._record(
            "oauth_token", user_id=user.id, issuer_id=user.id, token_id=token.id, detail=grant.client_id.name[:200]
        )
        return {
            "token_type": "Bearer",
            "access_token": access,
            "expires_in": int(minutes * 60),
            "refresh_token": refresh,
            "scope": scope_string(read_only, call_methods),
        }

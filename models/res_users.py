import contextlib
import contextvars

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessDenied

from ..core import call_context
from ..core.errors import TooManyAttempts
from .api_token import _verify_nothing, may_be_token

#: set by ``_check_credentials`` when it checked (and counted) a login's
#: credentials; still unset when Odoo's ``_login`` refused an unknown login
_credentials_checked = contextvars.ContextVar("json_rpc_token_credentials_checked", default=False)


def _counted_here(credential, user_agent_env):
    """Whether this addon's lockout counts this password check: Odoo's own
    non-interactive RPC (its cooldown does not run there: no request). Not
    this addon's routes, which count their own logins (``api.token._login``),
    nor interactive logins, which Odoo's cooldown covers."""
    return (
        not (user_agent_env or {}).get("interactive", True)
        and credential.get("type") == "password"
        and not call_context.current().on_token_route
    )


class ResUsers(models.Model):
    _inherit = "res.users"

    api_token_ids = fields.One2many("api.token", "user_id", string="API Tokens")
    api_token_count = fields.Integer("Active API Tokens", compute="_compute_api_token_count")
    api_rate_limit = fields.Integer(
        "API Calls per Minute",
        default=0,
        help="Rate limit of this user's API calls, over all their tokens (and their API keys on JSON-2). "
        "0: no limit per user (each token's own limit still applies).",
    )

    @api.depends("api_token_ids.revoked_at", "api_token_ids.expires_at")
    def _compute_api_token_count(self):
        counts = dict(
            self.env["api.token"]._read_group(
                [("user_id", "in", self.ids), ("state", "=", "active")], ["user_id"], ["__count"]
            )
        )
        for user in self:
            user.api_token_count = counts.get(user, 0)

    def action_view_api_tokens(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("json_rpc_token.api_token_action")
        action["domain"] = [("user_id", "=", self.id)]
        action["context"] = {"default_user_id": self.id, "search_default_filter_active": 1}
        return action

    def action_revoke_api_tokens(self):
        """Revoke every live token of these users (the ones the caller may see)."""
        tokens = self.env["api.token"].search([("user_id", "in", self.ids), ("revoked_at", "=", False)])
        return tokens.action_revoke()

    # A token must not outlive the credentials or the rights it was issued on.
    def _revoke_all_api_tokens(self, reason):
        tokens = self.env["api.token"].sudo().search([("user_id", "in", self.ids), ("revoked_at", "=", False)])
        tokens._revoke(detail=reason)

    def _revoke_api_tokens_of_ineligible(self):
        users = self.sudo().with_context(active_test=False).exists()
        ineligible = users.filtered(lambda user: not user.active or user.share)
        if ineligible:
            ineligible._revoke_all_api_tokens("user archived or no longer an internal user")

    def _check_credentials(self, credential, user_agent_env):
        """Accept a token as the password of its user wherever Odoo accepts
        an API key: non-interactive logins of its own RPC (``/xmlrpc/2``,
        ``/jsonrpc``: ``authenticate``, ``login``, ``execute_kw``). Never in
        an interactive one (web login, ``/web/session/authenticate``,
        identity checks): a token opens no browser session.

        The token is looked up before Odoo checks the password: one indexed
        read, where the password costs a pbkdf2 hash of 600,000 rounds.
        Not on this addon's routes: ``/json-call/user_authenticate`` with a
        token as password would trade it for a new token, outliving the
        first one's expiry and revocation."""
        interactive = (user_agent_env or {}).get("interactive", True)
        if call_context.current().on_token_route:
            # A token call never confirms a password (see token_session):
            # without this, `res.users.identitycheck.run_check` would let a
            # token holder who also has the password run `check_identity`
            # methods.
            if interactive:
                raise AccessDenied()
        elif _counted_here(credential, user_agent_env):
            _credentials_checked.set(True)
            if self.env["api.token"].sudo()._check_password_token(self.env.uid, credential.get("password")):
                return {"uid": self.env.uid, "auth_method": "api_token", "mfa": "default"}
            return self._check_on_lockout(
                self.env.user.login, lambda: super(ResUsers, self)._check_credentials(credential, user_agent_env)
            )
        return super()._check_credentials(credential, user_agent_env)

    def _check_on_lockout(self, login, check):
        """``check()``, a password check of ``login``, on this addon's
        lockout (``api.token.lockout._counting_login``): refused at once in
        cooldown, a failure counted. Odoo's own cooldown does not run on its
        RPC (its services run without the request it keys on)."""
        try:
            address = call_context.current().client_address
            with self.env["api.token.lockout"].sudo()._counting_login(login, address, {"login": login[:128]}):
                return check()
        except TooManyAttempts as exc:
            raise AccessDenied(str(exc)) from None

    @classmethod
    def _login(cls, db, credential, user_agent_env):
        """Odoo refuses an unknown login (or an archived one) before any
        password check: on its RPC, that was neither counted by the lockout
        nor as slow as a wrong password, which told an attacker which
        logins exist. Here it is counted as any failure, on the same
        counters as ``/json-call/user_authenticate``, and takes the time of
        a password check (see ``_spend_refused_login``)."""
        if not _counted_here(credential, user_agent_env):
            return super()._login(db, credential, user_agent_env)
        checked = _credentials_checked.set(False)
        try:
            return super()._login(db, credential, user_agent_env)
        except AccessDenied:
            login, password = credential.get("login") or "", credential.get("password")
            with cls.pool.cursor() as cr:
                users = api.Environment(cr, SUPERUSER_ID, {})[cls._name]
                if _credentials_checked.get():  # checked and counted by _check_credentials
                    users._spend_refused_login(login, password)
                    raise

                def refuse():  # counted as a failure by the lockout, which lets it through
                    users._spend_refused_login(login, password)
                    raise AccessDenied()

                # an unknown or archived login: refused before anything was checked or counted
                users._check_on_lockout(login, refuse)
            raise  # not reached: refuse() raises
        finally:
            _credentials_checked.reset(checked)

    @api.model
    def _spend_refused_login(self, login, password):
        """After a refused login: if no password hash was checked (unknown or
        archived login, a user bound to API keys), verify a dummy one made
        with Odoo's own password settings, so that the refusal takes as long
        as a wrong password's and its time tells nothing about the login."""
        user = self.sudo().search(self._get_login_domain(login), limit=1)
        if not user or user._rpc_api_keys_only():
            _verify_nothing(self._crypt_context(), password or "")

    @classmethod
    def check(cls, db, uid, passwd):
        """Odoo remembers each (uid, password) its ``check`` accepted, in
        every process, until the registry's caches are cleared (``ormcache``):
        a token revoked, expired or narrowed would go on working for
        ``execute_kw`` wherever it was accepted once. A token is therefore
        checked here, on every call and never remembered (see
        ``api.token._check_password_token``); passwords and API keys go on
        through Odoo's ``check`` and its cache. Usually a token does not get
        here: ``controllers/rpc.py`` checks it in the call's own transaction
        first. This is the path of a process's first call, which loads the
        registry (and with it this addon) inside Odoo's own dispatch."""
        if may_be_token(passwd):
            with contextlib.closing(cls.pool.cursor()) as cr:
                tokens = api.Environment(cr, SUPERUSER_ID, {})["api.token"]
                if tokens._check_password_token(uid, passwd):
                    return
        super().check(db, uid, passwd)

    @contextlib.contextmanager
    def _assert_can_auth(self, user=None):
        # Odoo's per-process cooldown is replaced, on this addon's routes, by
        # the database-backed one of api.token.lockout (shared by every
        # worker, and which answers -32007 rather than failing oddly).
        if call_context.current().on_token_route:
            yield
            return
        with super()._assert_can_auth(user=user):
            yield

    def _set_password(self):
        # every path that changes a password (preferences, admin, reset) ends here
        result = super()._set_password()
        self._revoke_all_api_tokens("password changed")
        return result

    def write(self, vals):
        result = super().write(vals)
        if "active" in vals or any(key == "groups_id" or key.startswith(("in_group_", "sel_groups_")) for key in vals):
            self._revoke_api_tokens_of_ineligible()
        return result


class ResGroups(models.Model):
    _inherit = "res.groups"

    def write(self, vals):
        members_before = self.with_context(active_test=False).users if "users" in vals else None
        result = super().write(vals)
        if members_before:
            members_before._revoke_api_tokens_of_ineligible()
        return result

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path

from odoo.tests import HttpCase, new_test_user

PASSWORD = "Integrator-pass-2026"


def tool_cache(name, install):
    """A folder of installed tools (a virtual environment, npm packages)
    that the tests use, made once by ``install(folder)`` and kept, beside
    devtools' state directories, for every later run and checkout; ``name``
    says what it holds (with a digest of its pinned versions: new pins, new
    folder). None if it cannot be made (no package index): the caller skips.
    Locked, as another checkout's run may be making it."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "json_rpc_token"
    folder, complete = cache / name, cache / name / "complete"
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not complete.exists():
            shutil.rmtree(folder, ignore_errors=True)
            try:
                folder.mkdir()
                install(folder)
            except (subprocess.SubprocessError, OSError):
                shutil.rmtree(folder, ignore_errors=True)
                return None
            complete.touch()
    return folder


class JsonCallCase(HttpCase):
    """Real HTTP against Odoo's test server, as an integrator's script sends it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.integrator = new_test_user(
            cls.env,
            login="integrator",
            password=PASSWORD,
            groups="base.group_user,base.group_partner_manager",
            name="Integrator",
            tz="Europe/Brussels",
        )
        cls.colleague = new_test_user(cls.env, login="colleague", password=PASSWORD, groups="base.group_user")

    def setUp(self):
        super().setUp()
        self.reset_failure_counters()

    def reset_failure_counters(self):
        """Odoo counts login failures per IP in the registry, this addon in a
        table: start clean."""
        getattr(self.env.registry, "_login_failures", {}).clear()
        self.env["api.token.lockout"].sudo().search([]).unlink()

    def http(self, method, path, data=None, headers=None):
        return self.opener.request(
            method,
            self.base_url() + path,
            data=data,
            timeout=20,
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    def post(self, path, body, headers=None):
        """POST ``body`` (a JSON-able object, or raw bytes/str) and return the
        decoded answer, after checking it is a JSON-RPC answer."""
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        response = self.http("POST", path, data, headers)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"), response.text)
        answer = response.json()
        self.assertEqual(answer.get("jsonrpc"), "2.0")
        self.assertTrue(("result" in answer) != ("error" in answer), answer)
        return answer

    def rpc(self, path, params, headers=None, request_id=None):
        body = {"jsonrpc": "2.0", "method": "call", "params": params}
        if request_id is not None:
            body["id"] = request_id
        return self.post(path, body, headers=headers)

    def result(self, path, params, headers=None):
        answer = self.rpc(path, params, headers=headers)
        self.assertIn("result", answer, answer.get("error"))
        return answer["result"]

    def error(self, path, params, code, headers=None):
        answer = self.rpc(path, params, headers=headers)
        self.assertIn("error", answer, answer.get("result"))
        error = answer["error"]
        self.assertEqual(error["code"], code, error)
        self.assertIsInstance(error["message"], str)
        self.assertTrue(error["data"]["name"] and error["data"]["message"], error)
        self.assertNotIn("debug", error["data"], "no traceback outside dev mode")
        return error

    def login(self, login="integrator", password=PASSWORD):
        return self.result("/json-call/user_authenticate", {"login": login, "password": password})["token"]

    def call(self, token, model, method, args=(), kwargs=None, context=None, **extra):
        params = {"token": token, "model": model, "method": method, "args": list(args), **extra}
        if kwargs is not None:
            params["kwargs"] = kwargs
        if context is not None:
            params["context"] = context
        return self.result("/json-call", params)

    def call_error(self, token, model, method, args=(), code=None, kwargs=None):
        params = {"token": token, "model": model, "method": method, "args": list(args)}
        if kwargs is not None:
            params["kwargs"] = kwargs
        return self.error("/json-call", params, code)

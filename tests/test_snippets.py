"""Code people copy from the backend and run as it is (issue #21 items 4
and 8): the token-ready dialog's line per dialect, and the model reference's
examples per method, in each language. Each is run here against the live test
server exactly as the page shows it: the shell lines with ``sh -c`` (curl),
the Python ones with the Python that runs Odoo (requests, xmlrpc.client), the
JavaScript one with Node.js; only the token comes from the environment, as
the examples say."""

import html
import json
import os
import re
import resource
import shlex
import shutil
import subprocess
import sys
from urllib.parse import quote

import requests
from odoo.tests import HttpCase, new_test_user, tagged

from ..core import model_reference, snippets
from .common import PASSWORD

#: the methods whose examples are run: a record method and model methods that
#: read, so that running them changes nothing
RUN_METHODS = ("search_read", "read", "search_count", "name_search", "fields_get", "search")


def _without_memory_limit():
    """Odoo's server limits its address space (``limit_memory_hard``), and a
    child inherits it: Node.js reserves more than that for WebAssembly."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def run(command, token=None, stdin=None):
    """Run ``command`` (argv), the token in the environment; its output."""
    env = {**os.environ, snippets.TOKEN_VARIABLE: token or ""}
    result = subprocess.run(
        command,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
        preexec_fn=_without_memory_limit,
    )
    assert result.returncode == 0, (command, result.stdout, result.stderr)
    return result.stdout


@tagged("post_install", "-at_install")
class TestTokenReadyLines(HttpCase):
    def setUp(self):
        super().setUp()
        self.user = new_test_user(
            self.env, login="lines-user", password=PASSWORD, groups="base.group_user,base.group_partner_manager"
        )
        self.partners = self.env["res.partner"].search_count([])

    def issue(self, user=None, **values):
        """The wizard's answer to Generate: the secret and the dialog's lines."""
        wizard = self.env["api.token.wizard"].with_user(user or self.user).create({"name": "Lines", **values})
        context = wizard._generate()["context"]
        return context["default_secret"], {key: context[f"default_{key}_line"] for key, _t in snippets.DIALECTS}

    def test_each_dialect_line_works_as_copied(self):
        secret, lines = self.issue()
        self.assertEqual(list(lines), ["json_call", "rest", "json2", "rpc", "mcp"])
        for key, line in lines.items():
            with self.subTest(dialect=key):
                self.assertIn(self.base_url(), line)
                self.assertIn(secret, line)
                self.assertIn(self.env.cr.dbname, line)
        answer = json.loads(run(["sh", "-c", lines["json_call"]]))
        self.assertEqual(answer["result"], self.partners)
        answer = json.loads(run(["sh", "-c", lines["rest"]]))
        self.assertEqual(len(answer["result"]), min(5, self.partners))
        self.assertEqual(set(answer["result"][0]), {"id", "display_name"})
        self.assertEqual(json.loads(run(["sh", "-c", lines["json2"]])), self.partners)
        answer = json.loads(run(["sh", "-c", lines["rpc"]]))
        self.assertEqual(answer["result"], self.partners, "the token as password, with the user's id")
        # MCP's is the line that connects Claude Code: its address and header work
        words = shlex.split(lines["mcp"])
        self.assertEqual(words[:6], ["claude", "mcp", "add", "--transport", "http", "odoo"])
        name, _sep, value = words[words.index("--header") + 1].partition(": ")
        answer = requests.post(
            words[6], headers={name: value}, timeout=60, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        ).json()
        self.assertIn("search_records", [tool["name"] for tool in answer["result"]["tools"]])

    def test_a_scoped_token_counts_a_model_it_may_use(self):
        country = self.env["ir.model"]._get("res.country")
        # an administrator: choosing the allowed models reads ir.model
        _secret, lines = self.issue(
            self.env.ref("base.user_admin"), scope_model_ids=[(6, 0, country.ids)], scope_read_only=True
        )
        self.assertIn("/json/2/res.country/search_count", lines["json2"])
        self.assertEqual(json.loads(run(["sh", "-c", lines["json2"]])), self.env["res.country"].search_count([]))
        answer = json.loads(run(["sh", "-c", lines["json_call"]]))
        self.assertEqual(answer["result"], self.env["res.country"].search_count([]))


@tagged("post_install", "-at_install")
class TestMethodExamples(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env, login="examples-user", password=PASSWORD, groups="base.group_user,base.group_partner_manager"
        )

    def setUp(self):
        super().setUp()
        _token, self.secret = self.env["api.token"].sudo()._issue(self.user, "examples")

    def examples(self, model, method):
        """The method page's examples, as shown (``{key: code}``)."""
        self.authenticate("examples-user", PASSWORD)
        page = self.url_open(f"/json_rpc_token/models/{model}/{method}")
        self.assertEqual(page.status_code, 200, page.text)
        found = re.findall(
            r'<div data-example="([a-z0-9]+)"[^>]*>.*?<code class="o_jrt_code">(.*?)</code>', page.text, re.S
        )
        return {key: html.unescape(code) for key, code in found}

    def run_example(self, key, code):
        """Run one example as it is; its output, parsed."""
        if key in ("curl", "json2"):
            return json.loads(run(["sh", "-c", code], self.secret))
        if key in ("python", "xmlrpc"):
            return run([sys.executable, "-c", code], self.secret)
        return run([shutil.which("node"), "--input-type=module", "-"], self.secret, stdin=code)

    def test_examples_run_as_shown_in_every_language(self):
        expected = {
            "search_read": lambda: self.env["res.partner"].with_user(self.user).search_read([], ["name"], limit=5),
            "search_count": lambda: self.env["res.partner"].with_user(self.user).search_count([]),
        }
        for method in RUN_METHODS:
            examples = self.examples("res.partner", method)
            self.assertEqual(list(examples), [key for key, _title in snippets.LANGUAGES], method)
            for key, code in examples.items():
                with self.subTest(method=method, language=key):
                    self.assertIn(self.base_url(), code)
                    self.assertIn(self.env.cr.dbname, code)
                    self.assertNotIn(self.secret, code, "the token is read from the environment")
                    out = self.run_example(key, code)
                    if key == "curl":
                        self.assertIn("result", out, out)
                        result = out["result"]
                    elif key == "json2":
                        self.assertFalse(isinstance(out, dict) and {"name", "message", "arguments"} <= set(out), out)
                        result = out
                    elif key == "javascript":
                        result = json.loads(out)
                    else:
                        self.assertNotIn("Fault", out)
                        continue
                    if method in expected:
                        self.assertEqual(result, expected[method]())

    def test_record_methods_run_on_a_record_the_user_may_read(self):
        examples = self.examples("res.partner", "read")
        first = self.env["res.partner"].with_user(self.user).search([], limit=1, order="id")
        answer = self.run_example("curl", examples["curl"])
        self.assertEqual(answer["result"], first.read(["name"]))
        self.assertIn(f'"ids": [{first.id}]', examples["json2"])

    def test_examples_never_change_a_record_as_they_are(self):
        """Copied and run as they are, write and unlink change nothing."""
        first = self.env["res.partner"].with_user(self.user).search([], limit=1, order="id")
        name = first.name
        for method in ("write", "unlink", "action_archive"):
            with self.subTest(method=method):
                examples = self.examples("res.partner", method)
                self.assertIn('"ids": []', examples["json2"])
                self.assertIn('"args": [[]]', examples["curl"])
                self.run_example("curl", examples["curl"])
        first.invalidate_recordset()
        self.assertEqual((first.exists(), first.name, first.active), (first, name, True))

    def test_page_shows_parameters_doc_and_padlocks(self):
        self.authenticate("examples-user", PASSWORD)
        page = self.url_open("/json_rpc_token/models/res.partner/search_read").text
        self.assertIn('data-parameter="domain"', page)
        self.assertIn(snippets.TOKEN_VARIABLE, page)
        tabs = re.findall(r'<button type="button" role="tab".*?</button>', page, re.S)
        self.assertEqual(len(tabs), len(snippets.LANGUAGES))
        for tab in tabs:
            self.assertIn("fa-lock", tab, "every example needs a token, and says so")

    def test_unknown_or_private_methods_get_a_clear_page(self):
        self.authenticate("examples-user", PASSWORD)
        for method in ("no_such_method", "_compute_display_name", "sudo", "<script>x"):
            with self.subTest(method=method):
                page = self.url_open(f"/json_rpc_token/models/res.partner/{quote(method)}")
                self.assertEqual(page.status_code, 404)
                self.assertIn(f"res.partner has no public method {method}.", html.unescape(page.text))
                self.assertNotIn("Traceback", page.text)
                self.assertNotIn("<script>x", page.text, "escaped")
        page = self.url_open("/json_rpc_token/models/ir.actions.server/read")
        self.assertEqual(page.status_code, 403)

    def test_every_public_method_of_a_model_has_examples(self):
        """Whatever the signature, the page renders and its Python is valid."""
        partner = self.env["res.partner"].with_user(self.user)
        reference_fields = partner.fields_get()
        self.authenticate("examples-user", PASSWORD)
        for method in model_reference.public_methods(partner):
            page = self.url_open(f"/json_rpc_token/models/res.partner/{method}")
            self.assertEqual(page.status_code, 200, method)
            described = model_reference.odoo19_method(partner, method)
            ids, arguments = snippets.example_call(method, described, reference_fields, [1])
            for key, _title, code in snippets.method_snippets(
                "http://x", "db", 2, "res.partner", method, ids, arguments
            ):
                with self.subTest(method=method, language=key):
                    if key in ("python", "xmlrpc"):
                        compile(code, f"<{method}>", "exec")

"""The documentation pages for a user who has only a token, or only a login
and password, and no Odoo session (issue #21 item 4):

* the model reference without a session (``/json_rpc_token/models``) is the
  model browser of a token's user, fed by the token routes
  ``/doc-bearer/index.json``, ``/doc-bearer/<model>.json`` and
  ``/doc-bearer/<model>/<method>/examples.json``: checked here over HTTP
  (scope, read-only flag, revoked token, no cookie) and in a real browser
  (a tour, which takes the manual's picture);
* Swagger UI's "Try it out" (``/json-call/docs``): a login with only the
  login and password typed, the token authorized, a ``search_read`` that
  shows partners, in a real browser.
"""

import json
from pathlib import Path

import odoo
from odoo.tests import tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME

from ..core.orm_call import READ_ONLY_METHODS
from ..http_layer.token_session import is_token_path
from .common import PASSWORD
from .pictures import taking_pictures
from .test_docs_pages import DOCS
from .test_odoo19 import INDEX, Odoo19Case, doc_path

MODELS_PAGE = "/json_rpc_token/models"
SWAGGER_DRIVER = Path(__file__).with_name("swagger_try_it_out.js")


def examples_path(model, method):
    return f"/doc-bearer/{model}/{method}/examples.json"


class CookielessPageCase(Odoo19Case):
    """A test whose browser runs the model browser of a token's user, whose
    calls send no cookie (``credentials: "omit"``), Odoo's test cookie
    included: after ``browser_js``, Odoo's runner refuses the test cursor to
    a request without that cookie (a stray request of an earlier test, as it
    assumes). The token routes' requests of this test's own page are let
    through; every other request is checked as Odoo checks it."""

    def check_test_cursor(self, operation):
        request = odoo.http.request
        httprequest = getattr(request, "httprequest", None)
        if (
            httprequest is not None
            and is_token_path(httprequest.path)
            and not httprequest.cookies.get(TEST_CURSOR_COOKIE_NAME)
            and odoo.modules.module.current_test is self
        ):
            return
        super().check_test_cursor(operation)


@tagged("post_install", "-at_install")
class TestTokenModelBrowser(Odoo19Case):
    def test_page_without_session_offers_the_token_form(self):
        """No cookie at all: the page, not a login redirect, and nothing in
        it but this server's files (its script draws the rest)."""
        self.opener.cookies.clear()
        response = self.opener.get(self.base_url() + MODELS_PAGE, allow_redirects=False, timeout=30)
        self.assertEqual(response.status_code, 200, response.headers.get("Location"))
        self.assertIn('class="o_jrt_token_browser"', response.text)
        self.assertIn(f'data-database="{self.env.cr.dbname}"', response.text)
        self.assertIn('data-token-variable="ODOO_TOKEN"', response.text)
        self.assertIn("o_jrt_token_form", response.text)
        # it takes a password or a token: no other site may frame it, and
        # the form is never submitted by the browser itself (the password
        # in the URL, were the page's script not run yet)
        policy = response.headers["Content-Security-Policy"]
        self.assertIn("frame-ancestors 'self'", policy)
        self.assertIn("form-action 'none'", policy)
        # a model's page is still the backend user's
        response = self.opener.get(self.base_url() + MODELS_PAGE + "/res.partner", allow_redirects=False, timeout=30)
        self.assertEqual(response.status_code, 303)

    def test_scoped_token_sees_its_models_only(self):
        token = self.scoped_token(["res.partner", "res.country"])
        self.opener.cookies.clear()  # what the page sends: the bearer, no cookie
        index = self.doc(INDEX, token=token)
        self.assertEqual([model["model"] for model in index["models"]], ["res.country", "res.partner"])
        self.doc_fails(403, "AccessError", doc_path("res.users"), token=token)
        self.doc_fails(403, "AccessError", examples_path("res.users", "search_read"), token=token)
        self.assertEqual(self.doc(examples_path("res.country", "search_read"), token=token)["model"], "res.country")

    def test_scoped_token_cannot_tell_which_models_exist(self):
        """Out of its scope, a model that exists and one that does not get
        the same answer, on every token route of the model browser: a
        scoped token learns nothing of the models it may not use."""
        token = self.scoped_token(["res.partner"])
        for model in ("res.users", "no.such.model"):
            for path in (doc_path(model), examples_path(model, "search_read")):
                with self.subTest(path=path):
                    _response, error = self.doc_fails(403, "AccessError", path, token=token)
                    self.assertEqual(error["message"], f"This token may not use the model '{model}'.")

    def test_odd_names_in_the_examples_route(self):
        """Names a browser or a script may send: the documented JSON error,
        never a page, a redirect or a 500; a method ``call_kw`` refuses
        (private, ``@api.private``, not a method) has no examples."""
        for method in ("sudo", "with_user", "_read", "__init__", "_name", "pool", "no_such_method"):
            with self.subTest(method=method):
                self.doc_fails(404, "MethodNotFound", examples_path("res.partner", method))
        for model in ("r\u00e9s.partner", "x" * 3000, "res.partner\u0000", "ir.model.."):
            with self.subTest(model=model[:20]):
                self.doc_fails(404, "MethodNotFound", examples_path(model, "search_read"))
        for path in (
            "/doc-bearer/..%2F/search_read/examples.json",
            "/doc-bearer/res.partner/..%2F..%2Fweb/examples.json",
        ):
            with self.subTest(path=path):
                response = self.opener.get(
                    self.base_url() + path, headers={"Authorization": f"bearer {self.token}"}, timeout=30
                )
                self.assertEqual(response.status_code, 404, response.text)
                self.assertTrue(response.headers["Content-Type"].startswith("application/json"), response.text)

    def test_read_only_token_sees_its_methods_only(self):
        token = self.scoped_token(["res.partner"], read_only=True)
        (partner,) = self.doc(INDEX, token=token)["models"]
        self.assertIn("search_read", partner["methods"])
        self.assertLessEqual(set(partner["methods"]), READ_ONLY_METHODS)
        methods = self.doc(doc_path("res.partner"), token=token)["methods"]
        self.assertEqual(set(methods), set(partner["methods"]))
        self.assertNotIn("write", methods)
        self.doc_fails(404, "MethodNotFound", examples_path("res.partner", "write"), token=token)
        # the token of the same user without the flag: every public method
        self.assertIn("write", self.doc(doc_path("res.partner"))["methods"])

    def test_examples_carry_the_placeholder_not_the_token(self):
        answer = self.doc(examples_path("res.partner", "search_read"))
        self.assertEqual(
            (answer["model"], answer["method"], answer["token_variable"]), ("res.partner", "search_read", "ODOO_TOKEN")
        )
        keys = [example["key"] for example in answer["examples"]]
        self.assertEqual(keys, ["curl", "python", "javascript", "xmlrpc", "json2"])
        examples = {example["key"]: example["code"] for example in answer["examples"]}
        self.assertIn(f'"{self.base_url()}/json-call"', examples["python"])
        self.assertIn(self.env.cr.dbname, examples["curl"])
        self.assertIn("$ODOO_TOKEN", examples["curl"])
        self.assertNotIn(self.token, json.dumps(answer))
        # a record method that only reads: called on a record the user may read
        first = self.env["res.partner"].with_user(self.integrator).search([], limit=1, order="id").id
        read = {
            example["key"]: example["code"] for example in self.doc(examples_path("res.partner", "read"))["examples"]
        }
        self.assertIn(f'"args": [[{first}]]', read["curl"])

    def test_refusals_are_json_never_a_login_page(self):
        """A token-only user gets the documented JSON error, whatever
        session cookie the browser holds."""
        self.authenticate("integrator", PASSWORD)  # a logged-in session: it does not count
        for path in (INDEX, doc_path("res.partner"), examples_path("res.partner", "search_read")):
            with self.subTest(path=path):
                response, _error = self.doc_fails(401, "TokenMissing", path, token=False)
                self.assertEqual(response.headers["WWW-Authenticate"], "bearer")
                self.doc_fails(401, "TokenInvalid", path, token="not-a-token")
        self.doc_fails(404, "MethodNotFound", examples_path("no.such.model", "search_read"))
        self.doc_fails(404, "MethodNotFound", examples_path("res.partner", "_compute_display_name"))
        self.doc_fails(405, "MethodNotAllowed", examples_path("res.partner", "search_read"), verb="POST")
        self.assertIs(self.result("/json-call/user_logout", {"token": self.token}), True)
        for path in (INDEX, doc_path("res.partner"), examples_path("res.partner", "search_read")):
            with self.subTest(path=path, revoked=True):
                _response, error = self.doc_fails(401, "TokenRevoked", path)
                self.assertEqual(error["message"], "The token has been revoked.")


@tagged("post_install", "-at_install")
class TestTokenModelBrowserEscapes(CookielessPageCase):
    def test_model_descriptions_are_text_never_html(self):
        """A model whose description (``ir.model``'s name, which an
        administrator edits in Settings › Technical › Models) is HTML that
        runs script: the model browser of a token's user, in a real
        browser, shows it as text on the index and the model's page, and
        nothing of it runs (a script there would read the token). A link
        into the page with a malformed address (``#%E0``) shows its error."""
        label = '<img src=x onerror="window.jrtXss=1"><script>window.jrtXss=2</script>'
        self.env["ir.model"]._get("res.country").write({"name": label})
        code = f"""(async () => {{
            const label = {json.dumps(label)}, token = {json.dumps(self.token)};
            const database = document.querySelector(".o_jrt_token_browser").dataset.database;
            const form = document.querySelector(".o_jrt_token_form");
            async function shown(selector) {{
                for (let tries = 0; tries < 200; tries++) {{
                    const found = document.querySelector(selector);
                    if (found) return found;
                    await new Promise((resolve) => setTimeout(resolve, 100));
                }}
                const page = document.querySelector(".o_jrt_model_reference").textContent.replace(/\\s+/g, " ");
                throw new Error(`${{selector}} not shown: ${{page.slice(0, 600)}}`);
            }}
            try {{
                const probe = await fetch("/doc-bearer/index.json", {{
                    headers: {{ Authorization: `Bearer ${{token}}`, "X-Odoo-Database": database }},
                    credentials: "omit",
                }});
                if (!probe.ok) throw new Error(`probe ${{probe.status}} ${{(await probe.text()).slice(0, 300)}}`);
                form.elements.token.value = token;
                document.querySelector(".o_jrt_token_submit").click();
                const row = await shown('.o_jrt_models tr[data-model="res.country"]');
                location.hash = "res.country";
                const page = await shown('.o_jrt_fields tr[data-field="code"]');
                await new Promise((resolve) => setTimeout(resolve, 500));  // an image's error, had it been one
                const view = document.querySelector(".o_jrt_token_view");
                if (window.jrtXss || view.querySelector("img, script")) {{
                    throw new Error(`HTML of a description ran: ${{view.innerHTML.slice(0, 600)}}`);
                }}
                if (!row.textContent.includes(label) || !view.textContent.includes(label)) {{
                    throw new Error(`the description is not shown as text: ${{view.textContent.slice(0, 600)}}`);
                }}
                // a malformed link into the page: its error, not a page left as it was
                location.hash = "%E0";
                await shown(".o_jrt_token_view .o_jrt_refused");
                console.log("test successful");
            }} catch (error) {{
                console.error(error.message);
            }}
        }})();"""
        self.browser_js(MODELS_PAGE, code, ready='document.body.dataset.jrtReady === "1"', timeout=90)


@tagged("post_install", "-at_install")
class TestTokenDocsTours(CookielessPageCase):
    browser_size = "1100x1000"

    def test_model_browser_for_a_token(self):
        # the manual's picture: the method page of a token's user
        with taking_pictures(self, {"model_reference_token.png": ".o_jrt_model_reference"}):
            self.start_tour(MODELS_PAGE, "json_rpc_token_token_models_tour", timeout=180)
        tokens = self.env["api.token"].sudo().search([("user_id", "=", self.integrator.id)])
        made_here = tokens.filtered(lambda token: token.name == "Model reference page")
        self.assertEqual(len(made_here), 1, "the page made one token, of its login")
        self.assertFalse(made_here.revoked_at, "the tour ends logged in")

    def test_swagger_try_it_out_with_login_and_password(self):
        self.env["res.partner"].create({"name": "Aaron Swagger", "is_company": False})
        tokens = self.env["api.token"].sudo()
        before = tokens.search_count([("user_id", "=", self.integrator.id)])
        code = (
            f"const LOGIN = {json.dumps('integrator')}, PASSWORD = {json.dumps(PASSWORD)}, "
            f"EXPECTED = {json.dumps('Aaron Swagger')};\n" + SWAGGER_DRIVER.read_text()
        )
        self.browser_js(DOCS, code, ready='!!document.querySelector(".opblock-summary-path")', timeout=120)
        self.assertEqual(tokens.search_count([("user_id", "=", self.integrator.id)]), before + 1)

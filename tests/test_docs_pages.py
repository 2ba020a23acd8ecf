"""Documentation pages people can read (issue #12 item 10): the API
documentation page (``/json-call/docs``, Swagger UI over the OpenAPI
document, nothing loaded from another host, no session or database needed)
and the model reference of a backend user (``/json_rpc_token/models``),
both linked from the menu of API Tokens."""

import html.parser
import re
from urllib.parse import urlsplit


from odoo.tests import HttpCase, new_test_user, tagged

from .common import PASSWORD
from .pictures import taking_pictures

DOCS = "/json-call/docs"
NAME_SEARCH = "name_search(name='', args=None, operator='ilike', limit=100)"


class PageReferences(html.parser.HTMLParser):
    """What a page makes the browser load (scripts, styles, icons, images,
    frames, the document given to the script) and its inline scripts."""

    def __init__(self, page):
        super().__init__()
        self.loads, self.inline_scripts, self._script = [], [], None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href", "data-url"):
            if attrs.get(name) and (tag != "a" or name != "href"):
                self.loads.append(attrs[name])
        if tag == "script":
            self._script = {"src": attrs.get("src"), "body": ""}

    def handle_data(self, data):
        if self._script is not None:
            self._script["body"] += data

    def handle_endtag(self, tag):
        if tag == "script":
            if not self._script["src"] or self._script["body"].strip():
                self.inline_scripts.append(self._script)
            self._script = None


def check_page_loads_from_its_server_only(test, get, page):
    """Every address ``page`` loads is a path on its own server, and answers
    200 there; no inline script; styles load images from data: URLs only."""
    references = PageReferences(page)
    test.assertTrue(references.loads)
    test.assertEqual(references.inline_scripts, [])
    for address in references.loads:
        parts = urlsplit(address)
        test.assertTrue(
            address.startswith("/") and not parts.netloc and not parts.scheme, f"{address} is not on this server"
        )
        response = get(address)
        test.assertEqual(response.status_code, 200, address)
        if address.endswith(".css"):
            test.assertEqual(
                {url.strip("'\"")[:5] for url in re.findall(r"url\(([^)]*)\)", response.text)},
                {"data:"},
                f"{address} loads images from elsewhere",
            )
    return references


@tagged("post_install", "-at_install")
class TestApiDocsPage(HttpCase):
    def test_page_loads_only_from_this_server_without_session(self):
        self.opener.cookies.clear()  # no session, as a program's author arrives
        response = self.url_open(DOCS)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers["Content-Type"].startswith("text/html"))
        # the browser is told so too: this server only, no inline script
        policy = response.headers["Content-Security-Policy"]
        self.assertIn("default-src 'self'", policy)
        self.assertNotIn("script-src", policy)
        self.assertNotIn("Set-Cookie", response.headers)
        references = check_page_loads_from_its_server_only(self, self.url_open, response.text)
        self.assertIn("/json-call/openapi.json", references.loads)
        self.assertEqual(self.url_open("/json-call/openapi.json").json()["openapi"][:3], "3.1")

    def test_other_methods_get_a_json_error(self):
        response = self.url_open(DOCS, data="{}")
        self.assertEqual((response.status_code, response.headers["Allow"]), (405, "GET"))
        self.assertEqual(response.json()["error"]["code"], -32600)


@tagged("post_install", "-at_install")
class TestModelReference(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(cls.env, login="ref-user", password=PASSWORD, groups="base.group_user")
        cls.manager = new_test_user(
            cls.env,
            login="ref-manager",
            password=PASSWORD,
            groups="base.group_user,json_rpc_token.group_api_token_manager",
        )
        cls.portal = new_test_user(cls.env, login="ref-portal", password=PASSWORD, groups="base.group_portal")

    def get(self, login, path):
        self.authenticate(login, PASSWORD)
        return self.url_open(path, allow_redirects=False)

    def reference(self, login, model):
        response = self.get(login, f"/json_rpc_token/models/{model}.json")
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def test_index_lists_the_models_the_user_may_read(self):
        response = self.get("ref-user", "/json_rpc_token/models")
        self.assertEqual(response.status_code, 200)
        listed = set(re.findall(r'data-model="([^"]+)"', response.text))
        self.assertIn("res.partner", listed)
        self.assertIn("api.token", listed)
        self.assertNotIn("ir.actions.server", listed, "only administrators may read it")
        self.assertNotIn("mail.thread", listed, "abstract: no records to call on")
        self.assertIn('href="/json-call/docs"', response.text)

    def test_fields_and_public_methods_with_signatures(self):
        reference = self.reference("ref-user", "res.partner")
        self.assertEqual((reference["model"], reference["name"]), ("res.partner", "Contact"))
        self.assertEqual(reference["fields"]["name"]["type"], "char")
        self.assertEqual(reference["fields"]["parent_id"]["relation"], "res.partner")
        self.assertIn(["person", "Individual"], reference["fields"]["company_type"]["selection"])
        methods = reference["methods"]
        self.assertTrue(methods["name_search"]["signature"].startswith(NAME_SEARCH))
        self.assertEqual(methods["name_search"]["kind"], "model")
        self.assertTrue(methods["name_search"]["doc"].startswith("Search for records that have a display name"))
        self.assertEqual(methods["write"]["kind"], "record", "record methods take the ids first")
        self.assertIn("vals", methods["write"]["signature"])
        # private: by name, or marked @api.private, as /json-call refuses them
        for private in ("_compute_display_name", "sudo", "with_env", "ensure_one"):
            self.assertNotIn(private, methods)
        self.assertIn("search_read", methods)
        page = self.get("ref-user", "/json_rpc_token/models/res.partner")
        self.assertEqual(page.status_code, 200)
        self.assertIn('data-field="name"', page.text)
        self.assertIn(NAME_SEARCH.replace("'", "&#39;"), page.text)

    def test_fields_as_the_user_may_see_them(self):
        self.assertNotIn("log_ids", self.reference("ref-user", "api.token")["fields"])
        self.assertIn("log_ids", self.reference("ref-manager", "api.token")["fields"])

    def test_refused_models_get_a_clear_page(self):
        for model, status, message in (
            ("ir.actions.server", 403, "You may not read ir.actions.server"),
            ("no.such.model", 404, "There is no model no.such.model"),
        ):
            with self.subTest(model=model):
                page = self.get("ref-user", f"/json_rpc_token/models/{model}")
                self.assertEqual(page.status_code, status)
                self.assertTrue(page.headers["Content-Type"].startswith("text/html"))
                self.assertIn(message, page.text)
                self.assertNotIn("Traceback", page.text)
                answer = self.get("ref-user", f"/json_rpc_token/models/{model}.json")
                self.assertEqual((answer.status_code, answer.json()["error"][: len(message)]), (status, message))
        self.assertEqual(self.get("admin", "/json_rpc_token/models/ir.actions.server").status_code, 200)

    def test_for_logged_in_internal_users(self):
        """Portal users are refused; without a user, a model's page asks to
        log in, and the index is the model browser of a token's user
        (tests/test_token_docs.py)."""
        for path, anonymous in (("/json_rpc_token/models", 200), ("/json_rpc_token/models/res.partner", 303)):
            with self.subTest(path=path):
                page = self.get("ref-portal", path)
                self.assertEqual(page.status_code, 403)
                self.assertIn("The model reference is for internal users.", page.text)
                self.authenticate(None, None)  # a session on the database, nobody logged in
                response = self.url_open(path, allow_redirects=False)
                self.assertEqual(response.status_code, anonymous)
                if anonymous == 303:
                    self.assertIn("/web/login", response.headers["Location"])
                else:
                    self.assertIn("o_jrt_token_form", response.text)


#: run in the API documentation page: Swagger UI shows the operations of the
#: OpenAPI document, and the page loaded nothing from another host
SWAGGER_UI_CHECK = """
const paths = [...document.querySelectorAll(".opblock-summary-path")].map((node) => node.dataset.path);
const foreign = performance.getEntriesByType("resource").map((entry) => entry.name)
    .filter((address) => new URL(address).origin !== location.origin);
if (!paths.includes("/json-call") || !paths.includes("/json-call/user_authenticate")) {
    console.error(`operations shown: ${paths}`);
} else if (foreign.length) {
    console.error(`loaded from another host: ${foreign}`);
} else {
    console.log("test successful");
}
"""


@tagged("post_install", "-at_install")
class TestDocsTour(HttpCase):
    browser_size = "1100x1000"

    def test_backend_menus_lead_to_both_pages(self):
        # the manual's picture: the method page, its Python example copied
        with taking_pictures(self, {"model_reference.png": ".o_jrt_model_reference"}):
            self.start_tour("/odoo", "json_rpc_token_docs_tour", login="admin", timeout=120)
        # the API documentation is no Odoo page the tour can go on in: open
        # what its menu entry opens, without a session
        url = self.env.ref("json_rpc_token.api_docs_menu").action.url
        self.assertEqual(url, DOCS)
        self.browser_js(url, SWAGGER_UI_CHECK, ready='!!document.querySelector(".opblock-summary-path")', timeout=60)

"""REST as odoo-rest-api's README shows it, with a Bearer token: every
request shaped as the module's clients send it, every failure a JSON body
with its HTTP status, never an HTML page."""

import json
from urllib.parse import urlencode

from odoo.tests import tagged

from .common import JsonCallCase, PASSWORD


@tagged("post_install", "-at_install")
class RestCase(JsonCallCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.company = Partner.create({"name": "Rest Co", "is_company": True, "email": "co@rest.example"})
        cls.alice = Partner.create({"name": "Rest Alice", "parent_id": cls.company.id, "email": "a@rest.example"})
        cls.bob = Partner.create({"name": "Rest Bob", "parent_id": cls.company.id, "email": "b@rest.example"})
        Category = cls.env["res.partner.category"]
        cls.tags = Category.create([{"name": f"Rest tag {n}"} for n in range(4)])

    def setUp(self):
        super().setUp()
        self.token = self.login()

    def rest(self, method, path, params=None, body=None, token=True, headers=None):
        """``params`` go in the query string (JSON values encoded as the
        module's clients do), ``body`` as the JSON body."""
        url = path
        if params:
            url += "?" + urlencode({k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()})
        auth = {"Authorization": f"Bearer {self.token if token is True else token}"} if token else {}
        response = self.http(method, url, None if body is None else json.dumps(body), {**auth, **(headers or {})})
        self.assertTrue(
            response.headers.get("Content-Type", "").startswith("application/json"),
            f"{method} {url}: {response.status_code} {response.text[:300]}",
        )
        return response

    def ok(self, method, path, params=None, body=None, **kwargs):
        response = self.rest(method, path, params, body, **kwargs)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def fails(self, status, method, path, params=None, body=None, code=None, **kwargs):
        response = self.rest(method, path, params, body, **kwargs)
        self.assertEqual(response.status_code, status, response.text)
        answer = response.json()
        self.assertEqual(set(answer), {"jsonrpc", "id", "error"}, answer)
        error = answer["error"]
        self.assertTrue(error["data"]["name"] and error["data"]["message"], error)
        self.assertNotIn("debug", error["data"])
        if code is not None:
            self.assertEqual(error["code"], code, error)
        return response

    def family(self):
        return [["parent_id", "=", self.company.id]]


@tagged("post_install", "-at_install")
class TestRestRead(RestCase):
    def test_list_with_compact_query(self):
        answer = self.ok(
            "GET",
            "/api/res.partner/",
            {"query": "{id, name, parent_id{name}}", "filter": self.family(), "order": '"name asc"'},
        )
        self.assertEqual(
            answer,
            {
                "count": 2,
                "prev": None,
                "current": 1,
                "next": None,
                "total_pages": 1,
                "result": [
                    {"id": self.alice.id, "name": "Rest Alice", "parent_id": {"name": "Rest Co"}},
                    {"id": self.bob.id, "name": "Rest Bob", "parent_id": {"name": "Rest Co"}},
                ],
            },
        )

    def test_list_with_the_older_json_query_and_exclude(self):
        answer = self.ok(
            "GET",
            "/api/res.partner",
            {
                "query": [["id", "name", {"parent_id": ["name"]}]],
                "filter": self.family(),
                "order": "name desc",
                "exclude": ["id"],
            },
        )
        self.assertEqual(
            answer["result"],
            [
                {"name": "Rest Bob", "parent_id": {"name": "Rest Co"}},
                {"name": "Rest Alice", "parent_id": {"name": "Rest Co"}},
            ],
        )
        # x2many as a list of objects with the fields asked only
        answer = self.ok(
            "GET",
            "/api/res.partner/",
            {"query": [["name", {"child_ids": [["name"]]}]], "filter": [["id", "=", self.company.id]]},
        )
        self.assertEqual(
            answer["result"], [{"name": "Rest Co", "child_ids": [{"name": "Rest Alice"}, {"name": "Rest Bob"}]}]
        )

    def test_no_query_means_every_field(self):
        row = self.ok("GET", "/api/res.partner/", {"filter": [["id", "=", self.alice.id]]})["result"][0]
        self.assertEqual(
            (row["id"], row["name"], row["email"], row["parent_id"]),
            (self.alice.id, "Rest Alice", "a@rest.example", self.company.id),
        )

    def test_pagination_and_limit(self):
        domain = [["name", "=like", "Rest %"], ["is_company", "=", False]]
        partners = self.env["res.partner"].search([("name", "=like", "Rest %"), ("is_company", "=", False)])
        self.assertEqual(len(partners), 2)
        page = self.ok(
            "GET",
            "/api/res.partner/",
            {"query": "{name}", "filter": domain, "order": "name asc", "page_size": 1, "page": 2},
        )
        self.assertEqual(
            page,
            {"count": 1, "prev": 1, "current": 2, "next": None, "total_pages": 2, "result": [{"name": "Rest Bob"}]},
        )
        page = self.ok(
            "GET", "/api/res.partner/", {"query": "{name}", "filter": domain, "order": "name asc", "page_size": 1}
        )
        self.assertEqual(
            (page["prev"], page["current"], page["next"], page["result"]), (None, 1, 2, [{"name": "Rest Alice"}])
        )
        limited = self.ok("GET", "/api/res.partner/", {"query": "{name}", "filter": domain, "limit": 1})
        self.assertEqual((limited["count"], limited["total_pages"]), (1, 1))
        # the page count is the set's, whether the page is full, short, past the end, or cut by a limit
        for params, expected in (
            ({"page_size": 1, "page": 1}, (1, None, 1, 2, 2)),
            ({"page_size": 3, "page": 1}, (2, None, 1, None, 1)),
            ({"page_size": 1, "page": 5}, (0, None, 5, None, 2)),
            ({"page_size": 2, "page": 1, "limit": 1}, (1, None, 1, None, 1)),
            ({"page_size": 2, "page": 2, "limit": 1}, (0, 1, 2, None, 1)),
        ):
            with self.subTest(params=params):
                page = self.ok("GET", "/api/res.partner/", {"query": "{name}", "filter": domain, **params})
                self.assertEqual(
                    (page["count"], page["prev"], page["current"], page["next"], page["total_pages"]), expected
                )

    def test_one_record(self):
        self.assertEqual(
            self.ok("GET", f"/api/res.partner/{self.alice.id}/", {"query": '["id", "name"]'}),
            {"id": self.alice.id, "name": "Rest Alice"},
        )
        self.assertEqual(
            self.ok(
                "GET",
                f"/api/res.partner/{self.alice.id}",
                {"query": "{name, parent_id{name, email}}", "exclude": ["id"]},
            ),
            {"name": "Rest Alice", "parent_id": {"name": "Rest Co", "email": "co@rest.example"}},
        )

    def test_database_header(self):
        answer = self.ok(
            "GET",
            "/api/res.partner/",
            {"query": "{name}", "filter": [["id", "=", self.bob.id]]},
            headers={"X-Odoo-Database": self.env.cr.dbname},
        )
        self.assertEqual(answer["result"], [{"name": "Rest Bob"}])


@tagged("post_install", "-at_install")
class TestRestReadmeQueries(RestCase):
    """Each ``GET`` example of odoo-rest-api's README (its query language:
    ``{id, name}``, nesting, ``-field``, ``*``; filter, pages, limit, one
    record), as its README writes it. Its examples read ``product.template``
    and its custom ``related_products``; here a partner and its ``child_ids``
    (the base module's x2many)."""

    def every_field_but(self, *names):
        readable = set(self.env["res.partner"].with_user(self.integrator).fields_get(attributes=["type"]))
        return readable - set(names)

    def test_readme_id_and_name(self):
        # GET /api/res.users/?query={id, name}
        users = [["id", "in", [self.integrator.id, self.colleague.id]]]
        answer = self.ok("GET", "/api/res.users/", {"query": "{id, name}", "filter": users, "order": "id"})
        self.assertEqual(
            answer,
            {
                "count": 2,
                "prev": None,
                "current": 1,
                "next": None,
                "total_pages": 1,
                "result": [
                    {"id": self.integrator.id, "name": "Integrator"},
                    {"id": self.colleague.id, "name": self.colleague.name},
                ],
            },
        )

    def test_readme_nested_record(self):
        # GET /api/res.users/?query={id, name, company_id{name}}
        answer = self.ok(
            "GET",
            "/api/res.users/",
            {"query": "{id, name, company_id{name}}", "filter": [["id", "=", self.integrator.id]]},
        )
        self.assertEqual(
            answer["result"],
            [{"id": self.integrator.id, "name": "Integrator", "company_id": {"name": self.integrator.company_id.name}}],
        )

    def test_readme_nested_iterable_records(self):
        # GET /api/product.template/?query={id, name, related_products{name}}
        answer = self.ok(
            "GET",
            "/api/res.partner/",
            {"query": "{id, name, child_ids{name}}", "filter": [["id", "=", self.company.id]]},
        )
        self.assertEqual(
            answer["result"],
            [{"id": self.company.id, "name": "Rest Co", "child_ids": [{"name": "Rest Alice"}, {"name": "Rest Bob"}]}],
        )

    def test_readme_every_field_but_name(self):
        # GET /api/product.template/?query={-name}: "all fields except name"
        rows = self.ok("GET", "/api/res.partner/", {"query": "{-name}", "filter": self.family(), "order": "id"})[
            "result"
        ]
        self.assertEqual(len(rows), 2)
        for row, partner in zip(rows, (self.alice, self.bob)):
            self.assertEqual(set(row), self.every_field_but("name"))
            self.assertEqual((row["id"], row["email"], row["parent_id"]), (partner.id, partner.email, self.company.id))
        # the same at any depth, and with the older 'exclude' on top
        row = self.ok(
            "GET",
            f"/api/res.partner/{self.alice.id}/",
            {"query": "{-name, -email, parent_id{-name}}", "exclude": ["phone"]},
        )
        self.assertEqual(set(row), self.every_field_but("name", "email", "phone"))
        self.assertEqual(set(row["parent_id"]), self.every_field_but("name"))
        self.assertEqual(row["parent_id"]["email"], "co@rest.example")

    def test_readme_star_with_nested_exclusion(self):
        # GET /api/product.template/?query={*, related_products{-id}}
        row = self.ok(
            "GET", "/api/res.partner/", {"query": "{*, child_ids{-id}}", "filter": [["id", "=", self.company.id]]}
        )["result"][0]
        self.assertEqual(set(row), self.every_field_but())
        self.assertEqual((row["id"], row["name"]), (self.company.id, "Rest Co"))
        self.assertEqual([child["name"] for child in row["child_ids"]], ["Rest Alice", "Rest Bob"])
        for child in row["child_ids"]:
            self.assertEqual(set(child), self.every_field_but("id"))
        # /json-call's nested fields speak the same language (its rows are
        # Odoo's web_read rows: they always hold the id)
        rows = self.call(self.token, "res.partner", "read", [[self.company.id], "{-name, child_ids{-email}}"])
        self.assertEqual(set(rows[0]), self.every_field_but("name"))
        self.assertEqual(set(rows[0]["child_ids"][0]), self.every_field_but("email"))
        self.assertEqual(rows[0]["child_ids"][0]["name"], "Rest Alice")

    def test_readme_no_query_is_every_field(self):
        # "If you don't specify query parameter all fields will be returned."
        row = self.ok("GET", f"/api/res.partner/{self.bob.id}/")
        self.assertEqual(set(row), self.every_field_but())

    def test_readme_filter(self):
        # GET /api/product.template/?query={id, name}&filter=[["id", ">", 60], ["id", "<", 70]]
        low, high = self.alice.id - 1, self.bob.id + 1
        answer = self.ok(
            "GET", f'/api/res.partner/?query={{id, name}}&filter=[["id", ">", {low}], ["id", "<", {high}]]'
        )
        self.assertEqual(
            answer["result"], [{"id": self.alice.id, "name": "Rest Alice"}, {"id": self.bob.id, "name": "Rest Bob"}]
        )

    def test_readme_page_size_and_page(self):
        # GET /api/product.template/?query={id, name}&page_size=5&page=3
        items = self.env["res.partner"].create([{"name": f"Readme item {n:02}"} for n in range(12)])
        answer = self.ok(
            "GET",
            "/api/res.partner/",
            {
                "query": "{id, name}",
                "page_size": 5,
                "page": 3,
                "filter": [["name", "=like", "Readme item %"]],
                "order": "name",
            },
        )
        self.assertEqual(
            answer,
            {
                "count": 2,
                "prev": 2,
                "current": 3,
                "next": None,
                "total_pages": 3,
                "result": [{"id": item.id, "name": item.name} for item in items[10:]],
            },
        )

    def test_readme_limit(self):
        # GET /api/product.template/?query={id, name}&limit=3
        self.env["res.partner"].create([{"name": f"Readme limit {n}"} for n in range(5)])
        answer = self.ok(
            "GET",
            "/api/res.partner/",
            {"query": "{id, name}", "limit": 3, "filter": [["name", "=like", "Readme limit %"]]},
        )
        self.assertEqual((answer["count"], answer["prev"], answer["next"], answer["total_pages"]), (3, None, None, 1))
        self.assertEqual([set(row) for row in answer["result"]], [{"id", "name"}] * 3)

    def test_readme_one_record(self):
        # GET /api/product.template/95/?query={id, name}
        self.assertEqual(
            self.ok("GET", f"/api/res.partner/{self.bob.id}/?query={{id, name}}"),
            {"id": self.bob.id, "name": "Rest Bob"},
        )

    def test_what_cannot_be_honoured_is_a_400(self):
        """Never an empty object: a selection that cannot be served is
        refused with its reason, at any depth, in both dialects."""
        for query, reason in [
            ("{id, -name}", "cannot also name id"),  # the module: "Can not include and exclude fields..."
            ("{*, child_ids{name, -id}}", "cannot also name name"),
            ("{*, -name, name}", "name both named and excluded"),
            ("{-nope}", "no field 'nope' to exclude"),
            ("{*, child_ids{-nope}}", "no field 'nope' to exclude"),
            ("{name, -parent_id{name}}", "expected '}'"),  # no exclusion of a relation's sub-fields
            ("{}", "unexpected '}'"),
            ("{name, child_ids{}}", "unexpected '}'"),
        ]:
            with self.subTest(query=query):
                response = self.fails(400, "GET", "/api/res.partner/", {"query": query}, code=-32602)
                self.assertIn(reason, response.json()["error"]["data"]["message"])
                error = self.call_error(self.token, "res.partner", "read", [[self.alice.id], query], code=-32602)
                self.assertIn(reason, error["data"]["message"])
        response = self.fails(
            400, "GET", "/api/res.partner/", {"query": "{id, name}", "exclude": ["nope"]}, code=-32602
        )
        self.assertIn("no field 'nope' to exclude", response.json()["error"]["data"]["message"])


@tagged("post_install", "-at_install")
class TestRestWrite(RestCase):
    def test_create(self):
        answer = self.ok(
            "POST",
            "/api/res.partner/",
            body={"params": {"data": {"name": "Rest Created"}, "context": {"lang": "en_US"}}},
        )
        self.assertEqual(set(answer), {"jsonrpc", "id", "result"})
        self.assertEqual(self.env["res.partner"].browse(answer["result"]).name, "Rest Created")
        # the JSON-RPC envelope, and a body without "params"
        envelope = {"jsonrpc": "2.0", "method": "call", "params": {"data": {"name": "Rest Enveloped"}}}
        self.assertIsInstance(self.ok("POST", "/api/res.partner", body=envelope)["result"], int)
        self.assertIsInstance(self.ok("POST", "/api/res.partner", body={"data": {"name": "Rest Bare"}})["result"], int)

    def test_put_by_id_with_push_pop_delete(self):
        t0, t1, t2, t3 = self.tags.ids
        self.alice.category_id = [(6, 0, [t0, t1, t2])]
        answer = self.ok(
            "PUT",
            f"/api/res.partner/{self.alice.id}/",
            body={
                "params": {"data": {"name": "Rest Alice 2", "category_id": {"push": [t3], "pop": [t0], "delete": [t1]}}}
            },
        )
        self.assertEqual(answer, {"jsonrpc": "2.0", "id": None, "result": True})
        self.alice.invalidate_recordset()
        self.assertEqual(self.alice.name, "Rest Alice 2")
        self.assertEqual(set(self.alice.category_id.ids), {t2, t3})
        self.assertFalse(self.tags.browse(t1).exists(), "delete removes the record itself")
        self.assertTrue(self.tags.browse(t0).exists(), "pop only unlinks")
        # a plain list replaces
        self.ok("PUT", f"/api/res.partner/{self.alice.id}", body={"params": {"data": {"category_id": [t0]}}})
        self.alice.invalidate_recordset()
        self.assertEqual(self.alice.category_id.ids, [t0])

    def test_put_by_filter(self):
        t0 = self.tags[0].id
        answer = self.ok(
            "PUT",
            "/api/res.partner/",
            body={"params": {"filter": self.family(), "data": {"function": "Tester", "category_id": {"push": [t0]}}}},
        )
        self.assertIs(answer["result"], True)
        (self.alice | self.bob).invalidate_recordset()
        self.assertEqual((self.alice | self.bob).mapped("function"), ["Tester", "Tester"])
        self.assertEqual((self.alice | self.bob).mapped("category_id").ids, [t0])

    def test_put_by_filter_is_all_or_nothing(self):
        # the company is made its own parent: the second record fails, the first stays as it was
        company_b = self.env["res.partner"].create({"name": "Rest Co B", "is_company": True})
        self.fails(
            422,
            "PUT",
            "/api/res.partner/",
            body={
                "params": {
                    "filter": [["id", "in", [company_b.id, self.company.id]]],
                    "data": {"parent_id": self.company.id},
                }
            },
            code=-32020,
        )
        company_b.invalidate_recordset()
        self.assertFalse(company_b.parent_id, "nothing half-written")

    def test_unknown_put_operation(self):
        self.fails(
            400,
            "PUT",
            f"/api/res.partner/{self.alice.id}/",
            body={"params": {"data": {"category_id": {"push": [self.tags[0].id], "append": [1]}}}},
            code=-32602,
        )
        self.alice.invalidate_recordset()
        self.assertFalse(self.alice.category_id)

    def test_delete_by_id_and_by_filter(self):
        doomed = self.env["res.partner"].create([{"name": f"Rest doomed {n}"} for n in range(3)])
        self.assertEqual(self.ok("DELETE", f"/api/res.partner/{doomed[0].id}/"), {"result": True})
        self.assertEqual(
            self.ok("DELETE", "/api/res.partner", {"filter": [["name", "=like", "Rest doomed %"]]}), {"result": True}
        )
        self.assertFalse(doomed.exists())

    def test_delete_needs_a_filter(self):
        count = self.env["res.partner"].search_count([])
        self.fails(400, "DELETE", "/api/res.partner/", code=-32602)
        self.fails(400, "PUT", "/api/res.partner/", body={"params": {"data": {"function": "x"}}}, code=-32602)
        self.assertEqual(self.env["res.partner"].search_count([]), count)

    def test_object_functions(self):
        answer = self.ok(
            "POST", "/object/res.partner/search_count", body={"params": {"args": [self.family()], "kwargs": {}}}
        )
        self.assertEqual(answer, {"jsonrpc": "2.0", "id": None, "result": 2})
        answer = self.ok("POST", f"/object/res.partner/{self.alice.id}/read/", body={"params": {"args": [["name"]]}})
        self.assertEqual(answer["result"], [{"id": self.alice.id, "name": "Rest Alice"}])


@tagged("post_install", "-at_install")
class TestRestErrors(RestCase):
    def test_401_with_www_authenticate(self):
        for token in (False, "not-a-token"):
            response = self.fails(401, "GET", "/api/res.partner/", token=token)
            self.assertTrue(response.headers["WWW-Authenticate"].startswith("Bearer"))

    def test_403_scope_read_only_and_acl(self):
        narrowed = self.result(
            "/json-call/user_authenticate",
            {"login": "integrator", "password": PASSWORD, "scope": {"models": ["res.partner"]}},
        )["token"]
        self.fails(403, "GET", "/api/res.partner.category/", token=narrowed, code=-32010)
        self.fails(
            403, "POST", "/object/res.users/search_count", body={"params": {"args": [[]]}}, token=narrowed, code=-32010
        )
        read_only = self.result(
            "/json-call/user_authenticate", {"login": "integrator", "password": PASSWORD, "scope": {"read_only": True}}
        )["token"]
        self.ok("GET", f"/api/res.partner/{self.alice.id}", {"query": "{name}"}, token=read_only)
        self.fails(
            403, "PUT", f"/api/res.partner/{self.alice.id}", body={"params": {"data": {"name": "x"}}}, token=read_only
        )
        self.fails(403, "DELETE", f"/api/res.partner/{self.alice.id}", token=read_only)
        self.fails(403, "POST", "/api/res.partner", body={"params": {"data": {"name": "x"}}}, token=read_only)
        self.fails(
            403,
            "POST",
            f"/object/res.partner/{self.alice.id}/write",
            body={"params": {"args": [{"name": "x"}]}},
            token=read_only,
        )
        self.assertEqual(self.alice.name, "Rest Alice")
        # the user's own rights: a plain employee may not create users
        colleague = self.login("colleague")
        self.fails(
            403,
            "POST",
            "/api/res.users/",
            body={"params": {"data": {"name": "x", "login": "x"}}},
            token=colleague,
            code=-32010,
        )

    def test_404(self):
        self.fails(404, "GET", "/api/no.such.model/", code=-32601)
        self.fails(404, "GET", "/api/res.partner/99999999/", code=-32011)
        self.fails(404, "GET", "/api/res.partner/99999999999/", code=-32011)
        self.fails(404, "DELETE", "/api/res.partner/99999999", code=-32011)
        for path in (
            "/api/res.partner/abc",
            "/api/res.partner/1/2/3",
            "/api",
            "/api/",
            "/object/res.partner",
            "/object",
            "/object/res.partner/abc/def/ghi",
            "/api/res.partner/a%0Ab",
            "/api/a%0A/b/c/",
            "/object/res.par%0Atner/x",
            "/api//res.partner",
            "/api/res.partner//",
        ):
            self.fails(404, "GET", path, code=-32601)
        self.fails(404, "POST", "/object/res.partner/no_such_method", body={"params": {}}, code=-32601)
        self.fails(404, "POST", "/object/res.partner/_private", body={"params": {}}, code=-32601)

    def test_405_with_allow(self):
        response = self.fails(405, "POST", f"/api/res.partner/{self.alice.id}/", body={"params": {"data": {}}})
        self.assertEqual(response.headers["Allow"], "GET, PUT, DELETE")
        response = self.fails(405, "PATCH", "/api/res.partner/")
        self.assertEqual(response.headers["Allow"], "GET, POST, PUT, DELETE")
        response = self.fails(405, "GET", "/object/res.partner/search_count")
        self.assertEqual(response.headers["Allow"], "POST")

    def test_400_bad_input(self):
        self.fails(400, "GET", "/api/res.partner/", {"filter": "[[bad"}, code=-32602)
        self.fails(400, "GET", "/api/res.partner/", {"filter": '[["nope", "=", 1]]'})
        self.fails(400, "GET", "/api/res.partner/", {"query": "{name"}, code=-32602)
        self.fails(400, "GET", "/api/res.partner/", {"query": "{nope}"}, code=-32602)
        self.fails(400, "GET", "/api/res.partner/", {"page_size": "0"}, code=-32602)
        self.fails(400, "GET", "/api/res.partner/", {"order": "nope desc"})
        self.fails(400, "GET", "/api/res.partner/", {"session_id": "abc"}, code=-32602)
        self.fails(400, "POST", "/api/res.partner/", body={"params": {"data": "x"}}, code=-32602)
        self.fails(400, "POST", "/api/res.partner/", body={"params": {}}, code=-32602)
        response = self.rest("POST", "/api/res.partner/", token=True, headers={})
        self.assertEqual(response.status_code, 400)
        bad_json = self.http("POST", "/api/res.partner/", "{bad", {"Authorization": f"Bearer {self.token}"})
        self.assertEqual((bad_json.status_code, bad_json.json()["error"]["code"]), (400, -32700))

    def test_422_validation(self):
        self.fails(
            422,
            "PUT",
            f"/api/res.partner/{self.company.id}/",
            body={"params": {"data": {"parent_id": self.alice.id}}},
            code=-32020,
        )
        self.fails(422, "POST", "/object/res.partner/create", body={"params": {"args": ["x"]}}, code=-32602)

    def test_429_after_too_many_bad_tokens(self):
        self.env["ir.config_parameter"].sudo().set_param("base.login_cooldown_after", 3)
        for guess in range(3):
            self.fails(401, "GET", "/api/res.partner/", token=f"guess-{guess}", code=-32003)
        self.fails(429, "GET", "/api/res.partner/", token="guess-again", code=-32007)

    def test_cors_preflight(self):
        self.env["ir.config_parameter"].sudo().set_param("json_rpc_token.cors_origins", "https://shop.example")
        response = self.http(
            "OPTIONS",
            "/api/res.partner/",
            headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "PUT"},
        )
        self.assertEqual(response.status_code, 204)
        self.assertEqual(response.headers["Access-Control-Allow-Methods"], "GET, POST, PUT, DELETE")

    def test_openapi_describes_rest(self):
        document = self.url_open("/json-call/openapi.json").json()
        paths = document["paths"]
        self.assertEqual(set(paths["/api/{model}/"]), {"get", "post", "put", "delete"})
        self.assertEqual(set(paths["/api/{model}/{id}/"]), {"get", "put", "delete"})
        self.assertIn("post", paths["/object/{model}/{id}/{function}"])
        responses = paths["/api/{model}/{id}/"]["put"]["responses"]
        self.assertTrue({"200", "400", "401", "403", "404", "405", "409", "422", "429", "503"} <= set(responses))
        self.assertEqual(
            responses["401"]["content"]["application/json"]["schema"], {"$ref": "#/components/schemas/ErrorAnswer"}
        )

    def test_openapi_parameters_are_what_each_operation_accepts(self):
        """The document and the checks cannot drift (issue #20: REST took
        ``context`` while its document did not list it): each operation,
        sent every parameter its document lists with the document's own
        example, does not refuse any of them; sent one more, it names it."""
        document = self.url_open("/json-call/openapi.json").json()
        partner = self.env["res.partner"].create({"name": "Rest documented"})
        urls = {
            "/api/{model}/": "/api/res.partner/",
            "/api/{model}/{id}/": f"/api/res.partner/{partner.id}/",
            "/object/{model}/{function}": "/object/res.partner/search_count",
            "/object/{model}/{id}/{function}": f"/object/res.partner/{partner.id}/exists",
        }
        checked = set()
        for path, url in urls.items():
            for method, operation in document["paths"][path].items():
                if method == "delete":
                    continue  # checked below without deleting anything
                query = {p["name"]: p["example"] for p in operation["parameters"] if p["in"] == "query"}
                body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
                params = body.get("example", {}).get("params", {})
                if method == "put":
                    params = {**params, "data": {"comment": "documented"}}
                if params:
                    params = {**params, "context": {"lang": "en_US"}}  # documented too
                    self.assertIn("context", body["schema"]["properties"]["params"]["properties"])
                else:
                    self.assertIn("context", query, f"{method} {path}")
                for name in list(query) + list(params):
                    checked.add((operation["operationId"], name))
                if method == "get" and "page" in query:
                    query["page"] = 1
                response = self.rest(method.upper(), url, query or None, {"params": params} if params else None)
                self.assertNotIn("Unknown parameter", response.text, f"{method} {path}: {response.text[:300]}")
                self.assertLess(response.status_code, 500, response.text)
                extra = {"params": {**params, "undocumented": 1}} if params else None
                refused = self.rest(method.upper(), url, None if extra else {**query, "undocumented": "1"}, extra)
                self.assertEqual(refused.status_code, 400, refused.text)
                self.assertIn("Unknown parameter(s): undocumented", refused.json()["error"]["data"]["message"])
        self.assertIn(("rest_search", "context"), checked)
        self.assertIn(("rest_call_model", "kwargs"), checked)
        delete = document["paths"]["/api/{model}/"]["delete"]
        self.assertEqual([p["name"] for p in delete["parameters"] if p["in"] == "query"], ["filter", "context"])
        self.fails(400, "DELETE", "/api/res.partner/", {"filter": [["id", "=", 0]], "undocumented": "1"}, code=-32602)

"""Issue #22, items 3 and 4: cursor (keyset) paging in every dialect, and
large answers streamed as NDJSON, over real HTTP.

Cursor paging: every record once, in the order, whatever ties the order
has, NULLs in the order's fields (first or last, ascending or descending),
and records created or deleted between two pages; a cursor that was altered
or made for something else is a clean 400."""

import base64
import json
from urllib.parse import urlencode

from odoo.tests import tagged

from ..core import keyset
from .common import PASSWORD, JsonCallCase

NDJSON = "application/x-ndjson"


class CursorCase(JsonCallCase):
    readonly_enabled = False  # see test_json2.Json2Case

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        # ties: three names for eleven records; NULLs in email and color
        cls.partners = Partner.create(
            [
                {
                    "name": f"Cursor {'ABC'[n % 3]}",
                    "ref": f"cur-{n:02d}",
                    "email": f"c{n % 4}@cursor.example" if n % 3 else False,
                    "color": n % 5,
                    "partner_latitude": 1.25 * (n % 4),
                }
                for n in range(11)
            ]
        )
        cls.env.flush_all()
        # a NULL number: the ORM reads it 0, the database sorts it apart
        cls.env.cr.execute("UPDATE res_partner SET color = NULL WHERE id = ANY(%s)", [cls.partners[:4].ids])
        cls.env.cr.execute("UPDATE res_partner SET partner_latitude = NULL WHERE id = ANY(%s)", [cls.partners[::3].ids])
        cls.env.invalidate_all()

    def setUp(self):
        super().setUp()
        self.token = self.login()

    DOMAIN = [["ref", "=like", "cur-%"]]

    def expected(self, order):
        self.env.invalidate_all()
        return (
            self.env["res.partner"]
            .search(self.DOMAIN, order=keyset.order_text(keyset.cursor_order(self.env["res.partner"], order)))
            .ids
        )

    def page_rpc(self, order, after, limit=3, fields=("name",)):
        kwargs = {"fields": fields if isinstance(fields, str) else list(fields), "limit": limit, "after": after}
        if order:
            kwargs["order"] = order
        return self.call(self.token, "res.partner", "search_read", [self.DOMAIN], kwargs)

    def page_json2(self, order, after, limit=3):
        body = {"domain": self.DOMAIN, "fields": ["name"], "limit": limit, "after": after}
        if order:
            body["order"] = order
        response = self.http(
            "POST", "/json/2/res.partner/search_read", json.dumps(body), {"Authorization": f"bearer {self.token}"}
        )
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def page_rest(self, order, after, limit=3):
        """A REST page, as {records, next} (its result and next_cursor)."""
        params = {"filter": json.dumps(self.DOMAIN), "query": "{id, name}", "page_size": limit, "after": after or ""}
        if order:
            params["order"] = order
        response = self.http(
            "GET", "/api/res.partner/?" + urlencode(params), None, {"Authorization": f"Bearer {self.token}"}
        )
        self.assertEqual(response.status_code, 200, response.text)
        answer = response.json()
        return {"records": answer["result"], "next": answer["next_cursor"]}

    def walk(self, page, order, between=None):
        """Every page through ``page(order, after)``: the ids, in order."""
        ids, after, seen_pages = [], None, 0
        while True:
            answer = page(order, after)
            self.assertEqual(set(answer), {"records", "next"}, answer)
            ids += [row["id"] for row in answer["records"]]
            after = answer["next"]
            seen_pages += 1
            self.assertLess(seen_pages, 30, "the paging must end")
            if after is None:
                return ids
            if between:
                between(seen_pages)


@tagged("post_install", "-at_install")
class TestCursorPaging(CursorCase):
    def test_ties_nulls_and_directions(self):
        orders = [
            "name asc",
            "name desc",
            "name desc, id desc",
            "email asc",
            "email desc",
            "email asc nulls first",
            "email desc nulls last",
            "color asc",
            "color desc, name asc",
            "color asc nulls first",
            "partner_latitude desc",
            "partner_latitude asc, email desc",
            "write_date asc",
            "is_company desc, name",
            "id desc",
            None,
        ]
        for order in orders:
            with self.subTest(order=order):
                ids = self.walk(self.page_rpc, order)
                self.assertEqual(ids, self.expected(order))
                self.assertEqual(len(ids), 11)

    def test_every_dialect_follows_ties_and_nulls(self):
        for dialect in (self.page_json2, self.page_rest):
            for order in ["name desc", "email asc", "color desc, name asc", None]:
                with self.subTest(dialect=dialect.__name__, order=order):
                    self.assertEqual(self.walk(dialect, order), self.expected(order))

    def test_records_created_and_deleted_between_pages(self):
        Partner = self.env["res.partner"]
        made = {}

        def between(page):
            if page == 1:
                original = self.expected("name asc")
                # sorts before the page served: not served; after it: served once
                made["before"] = Partner.create({"name": "Cursor 0", "ref": "cur-new-0"})
                made["after"] = Partner.create({"name": "Cursor Z", "ref": "cur-new-z"})
                # one of the next page's, deleted: never served
                made["deleted"] = original[4]
                Partner.browse(original[4]).unlink()
                self.env.flush_all()

        for dialect in (self.page_rpc, self.page_json2, self.page_rest):
            made.clear()
            with self.subTest(dialect=dialect.__name__):
                ids = self.walk(dialect, "name asc", between)
                self.assertEqual(len(ids), len(set(ids)), "no record twice")
                self.assertNotIn(made["deleted"], ids)
                self.assertIn(made["after"].id, ids)
                self.assertNotIn(made["before"].id, ids, "a cursor does not go back")
                self.assertEqual(ids, [i for i in self.expected("name asc") if i != made["before"].id])
                (made["before"] | made["after"]).unlink()

    def test_first_page_by_empty_cursor_and_plain_search_read_unchanged(self):
        first = self.page_rpc("name", "")
        self.assertEqual(len(first["records"]), 3)
        self.assertIsNotNone(first["next"])
        plain = self.call(
            self.token,
            "res.partner",
            "search_read",
            [self.DOMAIN],
            {"fields": ["name"], "limit": 3, "order": "name, id"},
        )
        self.assertIsInstance(plain, list, "without 'after', search_read answers as before")
        self.assertEqual(plain, first["records"])
        everything = self.page_rpc("name", None, limit=None)
        self.assertEqual(len(everything["records"]), 11)
        self.assertIsNone(everything["next"])
        # nested fields, as search_read takes them
        nested = self.page_rpc("name", None, fields="{name, country_id{code}}")
        self.assertEqual(set(nested["records"][0]), {"id", "name", "country_id"})

    def test_the_cursor_follows_the_users_domain_and_rules(self):
        first = self.page_rpc("name", None)
        # the same cursor with another domain: that domain decides
        answer = self.call(
            self.token,
            "res.partner",
            "search_read",
            [[["ref", "=", "cur-10"]]],
            {"fields": ["name"], "after": first["next"], "order": "name"},
        )
        self.assertEqual(
            [row["id"] for row in answer["records"]],
            self.env["res.partner"].search([("ref", "=", "cur-10"), ("name", ">", "Cursor A")]).ids,
        )
        # a cursor of another model
        colleague = self.login("colleague")
        error = self.call_error(
            colleague,
            "res.users",
            "search_read",
            [[]],
            code=-32602,
            kwargs={"fields": ["login"], "after": first["next"]},
        )
        self.assertIn("another model or order", error["data"]["message"])

    def test_bad_cursors_and_orders_are_400(self):
        good = self.page_rpc("name", None)["next"]
        data, signature = good.split(".")
        payload = json.loads(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
        payload["v"] = ["x'); DROP TABLE res_partner; --"]
        forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=") + "." + signature
        for after in [
            forged,
            good[:-2] + "AA",
            "not a cursor",
            "a.b.c",
            "é.x",
            "x" * 9000,
            42,
            ["x"],
            good.replace(".", ""),
        ]:
            with self.subTest(after=str(after)[:40]):
                params = {
                    "token": self.token,
                    "model": "res.partner",
                    "method": "search_read",
                    "args": [self.DOMAIN],
                    "kwargs": {"fields": ["name"], "after": after},
                }
                error = self.error("/json-call", params, -32602)
                self.assertEqual(error["data"]["name"], "odoo.addons.json_rpc_token.errors.InvalidParams")
        # the cursor of one order given with another
        error = self.call_error(
            self.token,
            "res.partner",
            "search_read",
            [self.DOMAIN],
            code=-32602,
            kwargs={"after": good, "order": "name desc"},
        )
        self.assertIn("another model or order", error["data"]["message"])
        for order in ["parent_id", "category_id", "display_name", "name, parent_id.name", "commercial_partner_id"]:
            with self.subTest(order=order):
                error = self.call_error(
                    self.token,
                    "res.partner",
                    "search_read",
                    [self.DOMAIN],
                    code=-32602,
                    kwargs={"after": None, "order": order},
                )
                self.assertIn("cannot follow the order", error["data"]["message"])
        self.call_error(
            self.token, "res.partner", "search_read", [self.DOMAIN], code=-32602, kwargs={"after": good, "offset": 3}
        )
        self.call_error(
            self.token, "res.partner", "search_read", [self.DOMAIN], code=-32602, kwargs={"after": None, "count": True}
        )
        self.call_error(
            self.token, "res.partner", "search_read", [self.DOMAIN], code=-32602, kwargs={"after": None, "limit": 0}
        )

    def test_field_access_and_scope_hold(self):
        # ordering by a field the user may not read (ir.actions.server.code: settings only)
        error = self.call_error(
            self.token,
            "ir.actions.server",
            "search_read",
            [[]],
            code=-32010,
            kwargs={"fields": ["name"], "after": None, "order": "code"},
        )
        self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError", error)
        # a token scoped to other models
        scoped = self.result(
            "/json-call/user_authenticate",
            {"login": "integrator", "password": PASSWORD, "scope": {"models": ["res.users"]}},
        )["token"]
        self.call_error(
            scoped, "res.partner", "search_read", [self.DOMAIN], code=-32010, kwargs={"fields": ["name"], "after": None}
        )
        response = self.http(
            "POST",
            "/json/2/res.partner/search_read",
            json.dumps({"domain": self.DOMAIN}),
            {"Authorization": f"bearer {scoped}", "Accept": NDJSON},
        )
        self.assertEqual(response.status_code, 403, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"))

    def test_json2_search_read_with_after(self):
        def page(order, after):
            body = {"domain": self.DOMAIN, "fields": ["name"], "limit": 4, "order": order, "after": after}
            response = self.http(
                "POST", "/json/2/res.partner/search_read", json.dumps(body), {"Authorization": f"bearer {self.token}"}
            )
            self.assertEqual(response.status_code, 200, response.text)
            return response.json()

        self.assertEqual(self.walk(page, "email desc, name"), self.expected("email desc, name"))
        response = self.http(
            "POST",
            "/json/2/res.partner/search_read",
            json.dumps({"domain": [], "after": "tampered.x", "order": "name"}),
            {"Authorization": f"bearer {self.token}"},
        )
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(response.json()["name"], "odoo.addons.json_rpc_token.errors.InvalidParams")

    def test_rest_list_with_after(self):
        Partner = self.env["res.partner"]
        headers = {"Authorization": f"Bearer {self.token}"}

        def get(params):
            query = "&".join(f"{name}={value}" for name, value in params.items())
            response = self.http("GET", f"/api/res.partner/?{query}", None, headers)
            return response

        filter_text = json.dumps(self.DOMAIN)
        params = {"filter": filter_text, "query": "{id, name}", "page_size": 4, "order": "name", "after": ""}
        ids, pages, after = [], [], ""
        while True:
            response = get({**params, "after": after})
            self.assertEqual(response.status_code, 200, response.text)
            answer = response.json()
            pages.append(answer)
            ids += [row["id"] for row in answer["result"]]
            self.assertEqual(set(answer["result"][0]), {"id", "name"})
            after = answer["next_cursor"]
            if after is None:
                break
            if len(pages) == 1:  # counted once: records made now do not change the total
                Partner.create([{"name": "Cursor Z", "ref": "cur-zz"}, {"name": "Cursor Y", "ref": "cur-zy"}])
                self.env.flush_all()
        self.assertEqual([page["current"] for page in pages], list(range(1, len(pages) + 1)))
        self.assertEqual(pages[0]["total_pages"], 3)  # 11 records, 4 a page
        # 13 records now (4 pages), but the count is the first page's, carried by the cursor: a page
        # that has a next one says so (at least current + 1)
        self.assertEqual([page["total_pages"] for page in pages], [3, 3, 4, 4])
        self.assertEqual([page["next"] for page in pages], [2, 3, 4, None])
        self.assertEqual([page["prev"] for page in pages], [None, 1, 2, 3])
        self.assertEqual(ids, self.expected("name"))
        # without 'after' the answer is odoo-rest-api's, as before
        plain = get({"filter": filter_text, "page_size": 4, "query": "{id}"}).json()
        self.assertNotIn("next_cursor", plain)
        # a tampered cursor, a page with a cursor: 400
        for bad in [
            {"after": "x.y"},
            {"after": pages[0]["next_cursor"], "page": 2},
            {"after": "", "order": "parent_id"},
        ]:
            with self.subTest(bad=bad):
                response = get({**params, **bad})
                self.assertEqual(response.status_code, 400, response.text)
        # the ORM's cursor is not the REST one
        orm_cursor = self.page_rpc("name", None, limit=4)["next"]
        self.assertEqual(get({**params, "after": orm_cursor}).status_code, 400)


@tagged("post_install", "-at_install")
class TestStreaming(CursorCase):
    def lines(self, response):
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers["Content-Type"], f"{NDJSON}; charset=utf-8")
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        self.assertTrue(response.text.endswith("\n"))
        return [json.loads(line) for line in response.text.splitlines()]

    def test_ndjson_in_every_dialect(self):
        # batches smaller than the answer: the keyset goes from one to the next
        self.patch(keyset, "BATCH_SIZE", 4)
        expected = self.call(
            self.token,
            "res.partner",
            "search_read",
            [self.DOMAIN],
            {"fields": ["name", "email", "write_date"], "order": "email, id"},
        )
        headers = {"Accept": NDJSON, "Authorization": f"Bearer {self.token}"}
        body = {
            "jsonrpc": "2.0",
            "id": 1,
            "params": {
                "model": "res.partner",
                "method": "search_read",
                "args": [self.DOMAIN],
                "kwargs": {"fields": ["name", "email", "write_date"], "order": "email, id"},
            },
        }
        rows = self.lines(self.http("POST", "/json-call", json.dumps(body), headers))
        self.assertEqual(rows, expected)
        response = self.http(
            "POST",
            "/json/2/res.partner/search_read",
            json.dumps({"domain": self.DOMAIN, "fields": ["name", "email", "write_date"], "order": "email, id"}),
            headers,
        )
        self.assertEqual(self.lines(response), expected)
        # REST: the records as the list answers them (shaped by its query)
        response = self.http(
            "GET", f"/api/res.partner/?filter={json.dumps(self.DOMAIN)}&query={{id,name}}&order=email,id", None, headers
        )
        self.assertEqual(self.lines(response), [{"id": row["id"], "name": row["name"]} for row in expected])
        response = self.http(
            "GET",
            f"/api/res.partner/?filter={json.dumps(self.DOMAIN)}&query={{id}}&order=email,id&page_size=4&page=2",
            None,
            headers,
        )
        self.assertEqual(self.lines(response), [{"id": row["id"]} for row in expected[4:8]])
        # offset and limit in a stream, and the model's own order
        response = self.http(
            "POST",
            "/json/2/res.partner/search_read",
            json.dumps({"domain": self.DOMAIN, "fields": ["name"], "offset": 2, "limit": 5}),
            headers,
        )
        self.assertEqual(
            [row["id"] for row in self.lines(response)],
            self.env["res.partner"].search(self.DOMAIN, offset=2, limit=5).ids,
        )
        # nested fields
        response = self.http(
            "POST",
            "/json/2/res.partner/search_read",
            json.dumps({"domain": self.DOMAIN, "fields": {"name": {}, "country_id": {}}}),
            headers,
        )
        self.assertEqual(len(self.lines(response)), 11)

    def test_what_cannot_be_streamed_is_a_json_error(self):
        headers = {"Accept": NDJSON, "Authorization": f"Bearer {self.token}"}
        call = {"model": "res.partner", "method": "search_read", "args": [self.DOMAIN]}
        # a batch
        answer = self.http(
            "POST", "/json-call", json.dumps([{"jsonrpc": "2.0", "id": 1, "params": call}]), headers
        ).json()
        self.assertEqual(answer["error"]["code"], -32600, answer)
        # an idempotency key: a streamed answer is not stored
        answer = self.http(
            "POST",
            "/json-call",
            json.dumps({"jsonrpc": "2.0", "id": 1, "params": call}),
            {**headers, "Idempotency-Key": "stream-1"},
        ).json()
        self.assertEqual(answer["error"]["code"], -32600, answer)
        # a cursor, an order a stream cannot follow, a bad token: JSON errors, before any line
        for kwargs, code in [({"after": None}, -32602), ({"order": "parent_id"}, -32602)]:
            answer = self.http(
                "POST",
                "/json-call",
                json.dumps({"jsonrpc": "2.0", "id": 1, "params": {**call, "kwargs": kwargs}}),
                headers,
            ).json()
            self.assertEqual(answer["error"]["code"], code, answer)
        response = self.http(
            "POST", "/json/2/res.partner/search_read", "{}", {"Accept": NDJSON, "Authorization": "bearer wrong"}
        )
        self.assertEqual(response.status_code, 401)
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"))
        # other methods answer JSON as before
        self.assertEqual(
            self.http("POST", "/json/2/res.partner/search_count", json.dumps({"domain": self.DOMAIN}), headers).json(),
            11,
        )

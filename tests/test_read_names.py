"""A ``search_read`` through the addon answers what Odoo's ``search_read``
answers for the same user (issue #22, item 5): the addon reads the names of
a page's many2one values once per related model (``orm_call._read_rows``)
instead of once per row, and must not show a row, a field or a name that
Odoo would not, nor hide one it would. Checked on a database with two
companies, Odoo's multi-company rules, a record rule of our own, many2one
values the user may not read (another company's partner and company),
archived records, and a context that changes display names."""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from ..core import orm_call

FIELDS = [
    "name",
    "parent_id",
    "company_id",
    "country_id",
    "user_id",
    "commercial_partner_id",
    "state_id",
    "title",
    "industry_id",
    "email",
    "active",
    "create_uid",
    "category_id",
]


class ReadNamesCase(TransactionCase):
    """The database of these tests: two companies and their partners, a
    record rule of our own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company_a = env["res.company"].create({"name": "Company A"})
        cls.company_b = env["res.company"].create({"name": "Company B"})
        cls.user = new_test_user(
            env,
            login="names-reader",
            groups="base.group_user,base.group_partner_manager",
            company_id=cls.company_a.id,
            company_ids=[Command.set(cls.company_a.ids)],
        )
        env["ir.rule"].create(
            {
                "name": "no 'Hidden' partners for employees",
                "model_id": env["ir.model"]._get_id("res.partner"),
                "groups": [Command.link(env.ref("base.group_user").id)],
                "domain_force": "[('name', 'not ilike', 'Hidden')]",
            }
        )
        belgium, france = env.ref("base.be"), env.ref("base.fr")
        Partner = env["res.partner"]
        cls.b_parent = Partner.create(
            {
                "name": "B's own company",
                "is_company": True,
                "company_id": cls.company_b.id,
                "email": "b@example.com",
                "country_id": france.id,
            }
        )
        cls.hidden_parent = Partner.create({"name": "Hidden parent", "is_company": True, "email": "hidden@example.com"})
        cls.archived_parent = Partner.create({"name": "Archived parent SA", "is_company": True, "active": False})
        industry = env["res.partner.industry"].create({"name": "Names industry"})
        cls.a_parent = Partner.create(
            {
                "name": "A, the company",
                "is_company": True,
                "company_id": cls.company_a.id,
                "country_id": belgium.id,
                "state_id": False,
                "industry_id": industry.id,
            }
        )
        category = env["res.partner.category"].create({"name": "Names"})
        rows = [
            {"name": "Under B's company", "parent_id": cls.b_parent.id},
            {"name": "Under a parent the user cannot read", "parent_id": cls.hidden_parent.id},
            {"name": "Under an archived parent", "parent_id": cls.archived_parent.id},
            {
                "name": "Under A",
                "parent_id": cls.a_parent.id,
                "company_id": cls.company_a.id,
                "category_id": [Command.set(category.ids)],
                "user_id": cls.user.id,
            },
            {
                "name": "Also under A",
                "parent_id": cls.a_parent.id,
                "email": "also@example.com",
                "title": env["res.partner.title"].create({"name": "Names title"}).id,
            },
            {"name": "Of company B", "company_id": cls.company_b.id, "parent_id": cls.b_parent.id},
            {"name": "Hidden contact", "parent_id": cls.a_parent.id},
            {"name": "Archived contact", "parent_id": cls.archived_parent.id, "active": False},
            {"name": "No parent, no country"},
        ]
        cls.contacts = Partner.create([{"email": False, **row, "name": f"Names test: {row['name']}"} for row in rows])
        cls.domain = ["|", ("name", "=like", "Names test:%"), ("id", "in", (cls.b_parent | cls.a_parent).ids)]

    def user_env(self, **context):
        return self.env(user=self.user, context={"allowed_company_ids": self.company_a.ids, **context})

    def assertSameAnswer(self, env, model, args, kwargs):
        """The addon's search_read answers what Odoo's does, row for row."""
        context = kwargs.get("context") or {}
        expected = (
            env[model]
            .with_context(**context)
            .search_read(*args, **{key: value for key, value in kwargs.items() if key != "context"})
        )
        answer = orm_call.execute(env, model, "search_read", args, kwargs)
        self.assertEqual(answer, expected)
        self.assertEqual([list(row) for row in answer], [list(row) for row in expected], "the fields' order")
        return answer


@tagged("post_install", "-at_install")
class TestReadNames(ReadNamesCase):
    def test_same_rows_as_search_read(self):
        env = self.user_env()
        for kwargs in (
            {"fields": FIELDS},
            {"fields": FIELDS, "context": {"active_test": False}},
            {"fields": FIELDS, "context": {"show_email": True, "show_address": True}},
            {"fields": FIELDS, "order": "name desc", "limit": 4, "offset": 1},
            {"fields": []},
            {"fields": ["parent_id"], "load": None},
        ):
            with self.subTest(kwargs=kwargs):
                rows = self.assertSameAnswer(env, "res.partner", [self.domain], kwargs)
                self.assertTrue(rows)
        rows = self.assertSameAnswer(env, "res.partner", [self.domain], {"fields": FIELDS})
        by_name = {row["name"]: row for row in rows}
        # the record rules hold: no hidden partner, none of company B's
        self.assertFalse([name for name in by_name if "Hidden" in name or "Of company B" in name])
        self.assertNotIn("B's own company", by_name)
        # many2one values the user may not read are named, as Odoo names them
        self.assertEqual(by_name["Names test: Under B's company"]["parent_id"], (self.b_parent.id, "B's own company"))
        self.assertEqual(
            by_name["Names test: Under a parent the user cannot read"]["parent_id"],
            (self.hidden_parent.id, "Hidden parent"),
        )
        self.assertEqual(by_name["Names test: No parent, no country"]["parent_id"], False)
        self.assertEqual(by_name["Names test: Under A"]["user_id"], (self.user.id, self.user.name))

    def test_names_follow_the_context(self):
        """Display names come from the call's context (the same env as
        Odoo's per-row read)."""
        rows = self.assertSameAnswer(
            self.user_env(), "res.partner", [self.domain], {"fields": ["parent_id"], "context": {"show_email": True}}
        )
        names = {row["parent_id"][1] for row in rows if row["parent_id"]}
        self.assertIn("B's own company <b@example.com>", names)

    def test_other_models_and_paths(self):
        """A model with a _read_format of its own (res.users: Odoo's path
        serves it), a cursor page and the companies of a multi-company
        user: the same rows."""
        env = self.user_env()
        self.assertSameAnswer(
            env,
            "res.users",
            [[("id", "=", self.user.id)]],
            {"fields": ["name", "partner_id", "company_id", "create_uid"]},
        )
        self.assertSameAnswer(env, "res.company", [[]], {"fields": ["name", "partner_id", "currency_id", "parent_id"]})
        page = orm_call.execute(
            env, "res.partner", "search_read", [self.domain], {"fields": FIELDS, "after": None, "order": "id"}
        )
        self.assertEqual(page["records"], env["res.partner"].search_read(self.domain, FIELDS, order="id"))

    def test_missing_related_record(self):
        """A many2one value whose record is gone answers False, as Odoo's
        Many2one.convert_to_read does, and the other rows keep their names."""
        env = self.user_env()
        contact = self.contacts[3]
        gone = self.env["res.partner.industry"].create({"name": "Gone industry"})
        contact.industry_id = gone
        self.env.cr.execute("ALTER TABLE res_partner DROP CONSTRAINT res_partner_industry_id_fkey")
        self.env.cr.execute("DELETE FROM res_partner_industry WHERE id = %s", [gone.id])
        self.env.invalidate_all()
        rows = self.assertSameAnswer(env, "res.partner", [self.domain], {"fields": ["name", "industry_id"]})
        self.assertIn(False, [row["industry_id"] for row in rows if row["id"] == contact.id])
        self.assertIn(self.a_parent.industry_id.id, [row["industry_id"] and row["industry_id"][0] for row in rows])


#: a REST-like web specification: plain fields, many2one names and fields,
#: an x2many with its own fields, as REST's query language builds them
SPEC = {
    "id": {},
    "name": {},
    "email": {},
    "active": {},
    "parent_id": {"fields": {"id": {}, "display_name": {}}},
    "company_id": {"fields": {"display_name": {}}},
    "country_id": {"fields": {"id": {}, "code": {}}},
    "user_id": {},
    "category_id": {"fields": {"name": {}}},
}


@tagged("post_install", "-at_install")
class TestWebReadSameAnswer(ReadNamesCase):
    """REST's pages (``web_search_read``), cursor pages and streams with a
    web specification, and ``read``: the addon reads the rows' columns
    after the search (``field_selection.web_search_read``: the record rules
    checked again in SQL, not in Python) and ``read``'s many2one names once
    per related model; each answer must be Odoo's for that user, on the
    same database: two companies, Odoo's multi-company rules, a record rule
    of our own. Odoo's answer is taken first, on an empty cache, then the
    addon's, on an empty cache again."""

    def odoo_then_addon(self, env, method, args, kwargs, ids=None):
        """``(Odoo's answer, the addon's)`` to ``res.partner.method``, each
        on an empty cache."""
        context = kwargs.get("context") or {}
        target = env["res.partner"].with_context(**context)
        if ids is not None:
            target = target.browse(ids)
        env.invalidate_all()
        expected = getattr(target, method)(*args, **{key: value for key, value in kwargs.items() if key != "context"})
        env.invalidate_all()
        answer = orm_call.execute(env, "res.partner", method, args if ids is None else [ids, *args], kwargs)
        return expected, answer

    def test_web_search_read(self):
        env = self.user_env()
        for kwargs in (
            {},
            {"order": "name desc", "limit": 3, "offset": 1},
            {"limit": 2, "count_limit": 10},
            {"context": {"active_test": False}},
            {"context": {"show_email": True}},
        ):
            with self.subTest(kwargs=kwargs):
                expected, answer = self.odoo_then_addon(env, "web_search_read", [self.domain, SPEC], kwargs)
                self.assertEqual(answer, expected)
                self.assertTrue(answer["records"])
        names = [row["name"] for row in answer["records"]]
        self.assertFalse([name for name in names if "Hidden" in name or "Of company B" in name])
        self.assertIn("Names test: Under B's company", names)

    def test_rules_still_hold(self):
        """The rows a search finds are read as the user: a domain naming the
        hidden partners and company B's by id finds none of them, however
        the columns are fetched."""
        env = self.user_env()
        forbidden = (self.hidden_parent | self.b_parent | self.contacts.filtered(lambda c: "Hidden" in c.name)).ids
        answer = orm_call.execute(env, "res.partner", "web_search_read", [[("id", "in", forbidden)], SPEC], {})
        self.assertEqual(answer, {"length": 0, "records": []})
        page = orm_call.execute(
            env, "res.partner", "search_read", [[("id", "in", forbidden)]], {"fields": SPEC, "after": None}
        )
        self.assertEqual(page, {"records": [], "next": None})
        # the whole set, then each cursor page and the stream: Odoo's rows, in Odoo's order
        env.invalidate_all()
        expected = env["res.partner"].web_search_read(self.domain, SPEC, order="id")["records"]
        env.invalidate_all()
        rows, after = [], None
        while True:
            page = orm_call.execute(
                env,
                "res.partner",
                "search_read",
                [self.domain],
                {"fields": SPEC, "after": after, "limit": 2, "order": "id"},
            )
            rows += page["records"]
            after = page["next"]
            if not after:
                break
        self.assertEqual(rows, expected)
        env.invalidate_all()
        stream = orm_call.execute(
            env, "res.partner", "search_read", [self.domain], {"fields": SPEC, "order": "id"}, stream=True
        )
        self.assertEqual(list(stream.rows()), expected)

    def test_read(self):
        """``read`` with plain fields: Odoo's rows, many2one names included;
        the records the user may not read are refused as Odoo refuses them."""
        env = self.user_env()
        readable = env["res.partner"].search(self.domain).ids
        for kwargs in (
            {"fields": FIELDS},
            {"fields": ["parent_id", "company_id"], "context": {"show_email": True}},
            {"fields": FIELDS, "load": None},
        ):
            with self.subTest(kwargs=kwargs):
                expected, answer = self.odoo_then_addon(env, "read", [], kwargs, ids=readable)
                self.assertEqual(answer, expected)
        with self.assertRaises(AccessError):
            orm_call.execute(env, "res.partner", "read", [[self.hidden_parent.id]], {"fields": ["name"]})
        with self.assertRaises(AccessError):
            orm_call.execute(env, "res.partner", "read", [[self.b_parent.id]], {"fields": ["name", "parent_id"]})

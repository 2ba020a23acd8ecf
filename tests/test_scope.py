"""A token narrowed to some models reaches no other model through the
arguments of its calls; and every call's domains are checked for structure
before Odoo parses them."""

from odoo.tests import tagged

from .common import PASSWORD, JsonCallCase

AUTH, CALL = "/json-call/user_authenticate", "/json-call"


@tagged("post_install", "-at_install")
class TestScopeReach(JsonCallCase):
    """Each channel through which a call names another model, refused for a
    token scoped to res.partner (and allowed for a token without scope, so
    that the refusal is the scope's, not the user's rights); the in-scope
    equivalents still work."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.acme = Partner.create({"name": "Scope Acme", "is_company": True})
        cls.alice = Partner.create({"name": "Scope Alice", "parent_id": cls.acme.id})
        cls.bank = cls.env["res.partner.bank"].create({"acc_number": "BE-SCOPE-1", "partner_id": cls.acme.id})
        cls.tag = cls.env["res.partner.category"].create({"name": "Scope tag"})

    def setUp(self):
        super().setUp()
        self.scoped = self.result(
            AUTH, {"login": "integrator", "password": PASSWORD, "scope": {"models": ["res.partner"]}}
        )["token"]
        self.full = self.login()

    def refused(self, method, args=(), kwargs=None, reached="res.users", through="res.partner.user_ids"):
        """The scoped token is refused, naming the model reached and how."""
        error = self.call_error(self.scoped, "res.partner", method, list(args), code=-32010, kwargs=kwargs)
        self.assertEqual(
            error["data"]["message"], f"This token may not use the model '{reached}' (reached through {through})."
        )

    def assert_unchanged(self):
        self.env.invalidate_all()
        self.assertEqual((self.bank.acc_number, self.bank.active), ("BE-SCOPE-1", True))
        self.assertEqual(self.bank.partner_id, self.acme)
        self.assertEqual(self.acme.bank_ids, self.bank)
        self.assertFalse(self.env["res.partner"].search([("name", "like", "Scope new")]))
        self.assertFalse(self.env["res.partner.bank"].search([("acc_number", "like", "NEW")]))
        self.assertFalse(self.env["res.partner.category"].search([("name", "=", "Scope new tag")]))

    # ------------------------------------------------------------ reading
    def test_nested_compact_fields(self):
        ids = [self.acme.id]
        for method, args in (
            ("read", [ids, "{id, user_ids{login}}"]),
            ("search_read", [[["id", "in", ids]], "{name, child_ids{name, user_ids{login}}}"]),
        ):
            with self.subTest(method=method):
                self.refused(method, args)
                self.call(self.full, "res.partner", method, args)
        rows = self.call(self.scoped, "res.partner", "read", [ids, "{name, child_ids{name, parent_id{name}}}"])
        self.assertEqual(
            rows[0]["child_ids"],
            [{"id": self.alice.id, "name": "Scope Alice", "parent_id": {"id": self.acme.id, "name": "Scope Acme"}}],
        )

    def test_web_specification_in_fields(self):
        spec = {"name": {}, "bank_ids": {"fields": {"acc_number": {}}}}
        self.refused("read", [[self.acme.id], spec], reached="res.partner.bank", through="res.partner.bank_ids")
        self.refused(
            "search_read",
            [[["id", "=", self.acme.id]]],
            kwargs={"fields": spec},
            reached="res.partner.bank",
            through="res.partner.bank_ids",
        )
        self.call(self.full, "res.partner", "read", [[self.acme.id], spec])
        rows = self.call(
            self.scoped, "res.partner", "read", [[self.alice.id], {"parent_id": {"fields": {"display_name": {}}}}]
        )
        self.assertEqual(rows[0]["parent_id"], {"id": self.acme.id, "display_name": "Scope Acme"})

    def test_web_read_and_web_search_read_specification(self):
        spec = {"company_id": {"fields": {"display_name": {}}}}
        through = {"reached": "res.company", "through": "res.partner.company_id"}
        self.refused("web_read", [[self.acme.id], spec], **through)
        self.refused("web_search_read", [[["id", "=", self.acme.id]]], kwargs={"specification": spec}, **through)
        self.refused(
            "web_read",
            [[self.acme.id]],
            kwargs={"specification": {"child_ids": {"fields": {"bank_ids": {"fields": {"acc_number": {}}}}}}},
            reached="res.partner.bank",
            through="res.partner.bank_ids",
        )
        self.refused(
            "web_read",
            [[self.acme.id], {"bank_ids": {"order": "acc_number"}}],
            reached="res.partner.bank",
            through="res.partner.bank_ids",
        )
        self.call(self.full, "res.partner", "web_read", [[self.acme.id], spec])
        answer = self.call(
            self.scoped,
            "res.partner",
            "web_search_read",
            [[["id", "=", self.acme.id]]],
            kwargs={"specification": {"child_ids": {"fields": {"name": {}}}, "company_id": {}}},
        )
        self.assertEqual(answer["records"][0]["child_ids"], [{"id": self.alice.id, "name": "Scope Alice"}])

    def test_dotted_domain_path(self):
        domain = [["user_ids.login", "=", "integrator"]]
        for method, args, kwargs in (
            ("search", [domain], None),
            ("search_count", [domain], None),
            ("search_read", [], {"domain": domain, "fields": ["name"]}),
            ("name_search", [""], {"args": domain}),
            ("read_group", [domain, ["id:count"], ["is_company"]], None),
        ):
            with self.subTest(method=method):
                self.refused(method, args, kwargs=kwargs)
                self.call(self.full, "res.partner", method, args, kwargs=kwargs)
        self.refused(
            "search",
            [["|", ["name", "=", "x"], ["bank_ids.acc_number", "=", "BE-SCOPE-1"]]],
            reached="res.partner.bank",
            through="res.partner.bank_ids",
        )
        # a relational value given by name searches the comodel by its name
        self.refused(
            "search", [[["company_id", "ilike", "company"]]], reached="res.company", through="res.partner.company_id"
        )
        ids = self.call(self.scoped, "res.partner", "search", [[["parent_id.name", "=", "Scope Acme"]]])
        self.assertEqual(ids, [self.alice.id])
        ids = self.call(self.scoped, "res.partner", "search", [[["bank_ids", "=", self.bank.id]]])
        self.assertEqual(ids, [self.acme.id], "comparing ids does not read the comodel")

    def test_any_subdomain(self):
        self.refused("search", [[["user_ids", "any", [["login", "=", "integrator"]]]]])
        self.refused("search", [[["child_ids", "not any", [["user_ids.login", "=", "integrator"]]]]])
        self.call(self.full, "res.partner", "search", [[["user_ids", "any", [["login", "=", "integrator"]]]]])
        ids = self.call(self.scoped, "res.partner", "search", [[["child_ids", "any", [["name", "=", "Scope Alice"]]]]])
        self.assertEqual(ids, [self.acme.id])

    def test_groupby_and_order_paths(self):
        self.refused("read_group", [[], ["id:count"], ["user_ids.login"]])
        self.refused(
            "read_group", [[]], kwargs={"fields": ["id:count"], "groupby": ["is_company"], "orderby": "user_ids.login"}
        )
        self.refused("web_read_group", [[], ["id:count"], ["user_ids.login"]])
        self.refused(
            "search",
            [[]],
            kwargs={"order": "name, company_id.name desc"},
            reached="res.company",
            through="res.partner.company_id",
        )
        self.refused("search_fetch", [[], ["name", "user_ids.login"]])
        groups = self.call(
            self.scoped,
            "res.partner",
            "read_group",
            [[["id", "in", [self.acme.id, self.alice.id]]], ["id:count"], ["parent_id"]],
        )
        self.assertEqual(len(groups), 2)
        ids = self.call(
            self.scoped,
            "res.partner",
            "search",
            [[["id", "in", [self.acme.id, self.alice.id]]]],
            kwargs={"order": "parent_id.id, name"},
        )
        self.assertEqual(ids, [self.alice.id, self.acme.id])

    # ------------------------------------------------------------ writing
    def test_create_with_commands(self):
        bank_line = [0, 0, {"acc_number": "NEW-1"}]
        for vals in (
            {"name": "Scope new 1", "bank_ids": [bank_line]},
            {"name": "Scope new 2", "child_ids": [[0, 0, {"name": "Scope new 3", "bank_ids": [bank_line]}]]},
        ):
            with self.subTest(vals=vals):
                self.refused("create", [vals], reached="res.partner.bank", through="res.partner.bank_ids")
                self.refused(
                    "create",
                    [[{"name": "Scope new 4"}, vals]],
                    reached="res.partner.bank",
                    through="res.partner.bank_ids",
                )
        self.refused(
            "create",
            [{"name": "Scope new 5", "category_id": [[0, 0, {"name": "Scope new tag"}]]}],
            reached="res.partner.category",
            through="res.partner.category_id",
        )
        error = self.error(
            CALL,
            {
                "token": self.scoped,
                "model": "res.partner",
                "method": "create",
                "args": [{"name": "Scope new 6"}],
                "context": {"default_bank_ids": [bank_line]},
            },
            -32010,
        )
        self.assertIn("'res.partner.bank' (reached through res.partner.bank_ids)", error["data"]["message"])
        self.assert_unchanged()
        # in scope: lines of the same model, links to existing tags, a many2one id
        new_id = self.call(
            self.scoped,
            "res.partner",
            "create",
            [
                {
                    "name": "Scope parent",
                    "child_ids": [[0, 0, {"name": "Scope child"}]],
                    "category_id": [[4, self.tag.id]],
                    "country_id": self.env.ref("base.be").id,
                }
            ],
        )
        partner = self.env["res.partner"].browse(new_id)
        self.assertEqual(
            (partner.child_ids.name, partner.category_id, partner.country_id.code), ("Scope child", self.tag, "BE")
        )
        # and the refused call works without scope: the refusal is the scope's
        new_id = self.call(self.full, "res.partner", "create", [{"name": "Full", "bank_ids": [bank_line]}])
        self.assertEqual(self.env["res.partner"].browse(new_id).bank_ids.acc_number, "NEW-1")

    def test_write_commands(self):
        bank = {"reached": "res.partner.bank", "through": "res.partner.bank_ids"}
        for vals in (
            {"bank_ids": [[1, self.bank.id, {"acc_number": "NEW-2"}]]},
            {"bank_ids": [[2, self.bank.id]]},
            {"bank_ids": [[3, self.bank.id]]},  # a one2many unlink writes the line's partner_id
            {"bank_ids": [[6, 0, []]]},
            {"child_ids": [[1, self.alice.id, {"bank_ids": [[0, 0, {"acc_number": "NEW-3"}]]}]]},
        ):
            with self.subTest(vals=vals):
                self.refused("write", [[self.acme.id], vals], **bank)
        self.refused("web_save", [[self.acme.id], {"bank_ids": [[2, self.bank.id]]}, {}], **bank)
        self.refused(
            "copy",
            [[self.acme.id]],
            kwargs={"default": {"name": "Scope new copy", "bank_ids": [[0, 0, {"acc_number": "NEW-4"}]]}},
            **bank,
        )
        self.refused("load", [["name", "bank_ids/acc_number"], [["Scope new load", "NEW-5"]]], **bank)
        self.refused(
            "write",
            [[self.acme.id], {"category_id": [[1, self.tag.id, {"name": "Scope new tag"}]]}],
            reached="res.partner.category",
            through="res.partner.category_id",
        )
        self.assert_unchanged()
        self.assertEqual(self.tag.name, "Scope tag")
        # in scope: same-model lines, many2many links, a many2one id
        self.assertIs(
            self.call(
                self.scoped,
                "res.partner",
                "write",
                [
                    [self.acme.id],
                    {
                        "child_ids": [[1, self.alice.id, {"name": "Scope Alice 2"}]],
                        "category_id": [[4, self.tag.id], [3, self.tag.id], [6, 0, [self.tag.id]]],
                        "country_id": self.env.ref("base.be").id,
                    },
                ],
            ),
            True,
        )
        self.env.invalidate_all()
        self.assertEqual((self.alice.name, self.acme.category_id), ("Scope Alice 2", self.tag))
        self.call(self.full, "res.partner", "write", [[self.acme.id], {"bank_ids": [[2, self.bank.id]]}])
        self.env.invalidate_all()
        self.assertFalse(self.bank.active, "Odoo archives a deleted bank account")

    def test_search_panel_lists_the_comodel(self):
        self.refused(
            "search_panel_select_range", ["country_id"], reached="res.country", through="res.partner.country_id"
        )
        self.call(self.full, "res.partner", "search_panel_select_range", ["country_id"])

    def test_deep_structures_are_refused(self):
        spec = {}
        for _level in range(200):
            spec = {"parent_id": {"fields": spec}}
        error = self.call_error(self.scoped, "res.partner", "web_read", [[self.alice.id], spec], code=-32602)
        self.assertIn("nested more than", error["data"]["message"])
        selection = "{" + "parent_id{" * 2000 + "name" + "}" * 2001
        for token in (self.scoped, self.full):
            error = self.call_error(token, "res.partner", "read", [[self.alice.id], selection], code=-32602)
            self.assertIn("nested more than", error["data"]["message"])


@tagged("post_install", "-at_install")
class TestDomainStructure(JsonCallCase):
    """Domains Odoo's parser would crash on are refused as Invalid params,
    logged as one INFO line, for every token."""

    BAD_DOMAINS = (
        "id=1",  # a string, not a list
        {"id": 1},  # an object
        [[[]]],  # a condition that is not [field, operator, value]
        [["id", "="]],
        [["name", "=", "x", "y"]],
        [None],
        [["id", "=", 1], "and"],  # a stray string between conditions
        [[2, "=", 1]],  # a field that is not a name
        [["id", "==", 1]],  # no such operator
        [["id", "in", [[1]]]],  # nested lists where the operator takes plain values
        [["id", "<", [1]]],  # a list where the operator takes one value
        [["id", "child_of", [[1]]]],
        [["id", "=", {"a": 1}]],  # an object as value
        [["id", "in", [{"a": 1}]]],
        [["user_ids", "any", "login=admin"]],  # 'any' takes a domain
        [["user_ids", "any", [[[]]]]],
        [["id", "not any", []]],  # 'any' on a field that is not relational
        [["child_ids", "any", [["parent_id", "any", [["name", "=", {}]]]]]],
    )

    def setUp(self):
        super().setUp()
        self.token = self.login()

    def assert_refused(self, method, make_call):
        for domain in self.BAD_DOMAINS:
            with self.subTest(method=method, domain=domain), self.assertNoLogs("odoo", level="ERROR"):
                args, kwargs = make_call(domain)
                error = self.call_error(self.token, "res.partner", method, args, code=-32602, kwargs=kwargs)
                message = error["data"]["message"]
                self.assertNotIn("Traceback", message)
                self.assertTrue(any(word in message for word in ("domain", "operator")), message)

    def test_search(self):
        self.assert_refused("search", lambda domain: ([domain], None))
        # and what Odoo takes still passes
        partner = self.env["res.partner"].create({"name": "Structure Co", "is_company": True})
        for domain in (
            [],
            [[1, "=", 1]],
            ["!", [0, "=", 1]],
            [["name", "<>", "x"]],
            [["id", "=", [partner.id]]],
            [["id", "in", [partner.id, None]]],
            [["name", "in", ["Structure Co", False]]],
            [["create_date.month_number", ">", 0]],
            [["child_ids", "not any", []]],
            ["|", ["user_ids", "not any", [["login", "=", "x"]]], ["parent_id", "child_of", "Structure"]],
            [["parent_id", "=?", False]],
        ):
            with self.subTest(domain=domain):
                ids = self.call(self.token, "res.partner", "search", [[["id", "=", partner.id]] + domain])
                self.assertEqual(ids, [partner.id])
        rows = self.call(self.token, "res.partner", "search_read", [None, ["name"]], kwargs={"limit": 1})
        self.assertEqual(len(rows), 1, "no domain: every record")

    def test_search_read(self):
        self.assert_refused("search_read", lambda domain: ([], {"domain": domain, "fields": ["name"]}))

    def test_search_count(self):
        self.assert_refused("search_count", lambda domain: ([domain], None))
        with self.assertNoLogs("odoo", level="ERROR"):
            self.call_error(self.token, "res.partner", "search_count", [None], code=-32602)

    def test_read_group(self):
        self.assert_refused("read_group", lambda domain: ([domain, ["id:count"], ["is_company"]], None))

    def test_name_search(self):
        self.assert_refused("name_search", lambda domain: (["a"], {"args": domain}))

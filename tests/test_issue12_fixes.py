"""Small fixes of issue #12: each test failed before its fix."""
from odoo.tests import tagged

from .common import JsonCallCase


@tagged("post_install", "-at_install")
class TestCountPastTheEnd(JsonCallCase):
    """``search_read`` with ``count``: ``length`` is the number of matching
    records even when the page is past the end (a pager asks for it)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.partner"].create([{"name": f"Counted {i}"} for i in range(3)])

    def test_length_past_the_end(self):
        token = self.login()
        domain = [["name", "like", "Counted "]]
        for fields in ("{name}", {"name": {}}, ["name"]):
            with self.subTest(fields=fields):
                answer = self.call(token, "res.partner", "search_read", [domain, fields],
                                   kwargs={"limit": 2, "offset": 10, "count": True})
                self.assertEqual(answer, {"records": [], "length": 3})
                answer = self.call(token, "res.partner", "search_read", [domain, fields],
                                   kwargs={"offset": 2, "count": True})
                self.assertEqual((len(answer["records"]), answer["length"]), (1, 3))

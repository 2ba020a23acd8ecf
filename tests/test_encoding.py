"""The answers' bytes do not change with the encoder (issue #22): whatever
:func:`..core.encoding.dumps` runs (orjson, when installed, or the standard
library), it writes exactly what ``json.dumps(value, ensure_ascii=False,
default=orm_call.json_default)`` wrote before it, the bytes clients parse
today, on real reads of the database and on the values where orjson and the
standard library differ."""

import base64
import collections
import dataclasses
import datetime
import decimal
import enum
import json
import uuid

from markupsafe import Markup
from odoo.tests import TransactionCase, tagged
from odoo.tools.func import lazy
from odoo.tools.misc import ReadonlyDict
from odoo.tools.translate import LazyTranslate

from ..core import encoding, orm_call

_lt = LazyTranslate("base")


def stdlib_bytes(value, compact=False):
    """What the addon wrote before it had one encoder."""
    separators = (",", ":") if compact else None
    return json.dumps(value, ensure_ascii=False, separators=separators, default=orm_call.json_default).encode()


class Colour(enum.Enum):
    RED = 1


class Size(enum.IntEnum):
    LARGE = 3


class Ratio(float):
    pass


class Row(dict):
    pass


Pair = collections.namedtuple("Pair", "left right")


@dataclasses.dataclass
class Point:
    x: int = 1


@tagged("post_install", "-at_install")
class TestEncoding(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.category = env["res.partner.category"].create({"name": "Clients 🚀"})
        cls.company_partner = env["res.partner"].create(
            {
                "name": "Société Générale d'Élevage, \"Zürich\" 🐄",
                "is_company": True,
                "comment": "<p>Notes: <b>gras</b> &amp; \u2028 séparateur</p>",
                "type": "contact",
                "category_id": [(6, 0, cls.category.ids)],
                "partner_latitude": 50.8503,
                "partner_longitude": -0.0001,
                "street": "Rue de l'Église 1\nBâtiment B\ttab",
                "website": "https://example.com/?a=1&b=2",
            }
        )
        cls.contact = env["res.partner"].create(
            {
                "name": "Ωμέγα 山田 \\ back\\slash",
                "parent_id": cls.company_partner.id,
                "email": False,
                "function": "",
                "phone": "+32 2 555 00 00",
            }
        )
        cls.attachment = env["ir.attachment"].create(
            {"name": "données 📎.bin", "raw": bytes(range(256)), "mimetype": "application/octet-stream"}
        )
        cls.text_attachment = env["ir.attachment"].create(
            {"name": "note.txt", "datas": base64.b64encode("é, \"ok\": 1e16\n".encode())}
        )
        currency = env["res.currency"].search([], limit=1)
        cls.rates = env["res.currency.rate"].create(
            [
                {"currency_id": currency.id, "name": datetime.date(2026, 1, 2), "rate": 0.00001234},
                {"currency_id": currency.id, "name": datetime.date(2026, 1, 3), "rate": 1.5e17},
                {"currency_id": currency.id, "name": datetime.date(2026, 1, 4), "rate": 1.1},
            ]
        )

    def assertSameBytes(self, value, orjson_expected=None):
        """``value`` encodes to the same bytes, spaced and compact; with
        orjson installed, ``orjson_expected`` says whether orjson wrote the
        compact form (the check lets it), so that the corpus exercises it."""
        self.assertEqual(encoding.dumps(value), stdlib_bytes(value))
        self.assertEqual(encoding.dumps(value, compact=True), stdlib_bytes(value, compact=True))
        if encoding.orjson is not None and orjson_expected is not None:
            self.assertEqual(encoding._orjson_writes_the_same(value), orjson_expected, value)

    def real_reads(self):
        """Real answers of the ORM, as the dialects get them from orm_call."""
        partners = self.company_partner | self.contact
        return {
            "partner search_read": self.env["res.partner"].search_read(
                [("id", "in", partners.ids)],
                [
                    "name",
                    "comment",
                    "category_id",
                    "parent_id",
                    "email",
                    "function",
                    "write_date",
                    "create_date",
                    "type",
                    "partner_latitude",
                    "street",
                    "website",
                    "active",
                    "color",
                    "image_128",
                ],
            ),
            "partner read, all fields": partners.read(),
            "user read": self.env.user.read(
                [
                    "name",
                    "login",
                    "login_date",
                    "groups_id",
                    "company_ids",
                    "tz",
                    "lang",
                    "share",
                    "write_date",
                    "signature",
                ]
            ),
            "company search_read": self.env["res.company"].search_read(
                [], ["name", "currency_id", "partner_id", "logo", "email", "phone"]
            ),
            "attachment read": (self.attachment | self.text_attachment).read(
                ["name", "datas", "file_size", "checksum", "mimetype", "create_date"]
            ),
            "read_group": self.env["res.partner"].read_group(
                [], ["color:sum"], ["country_id", "create_date:day"], lazy=False
            ),
            "name_search": self.env["res.partner"].name_search("Ω"),
            "fields_get": self.env["res.partner"].fields_get(
                ["type", "lang", "category_id", "comment", "parent_id", "partner_latitude"]
            ),
            "rates": self.rates.read(["name", "rate", "currency_id"]),
        }

    def test_real_reads(self):
        """Every read of the corpus: the same bytes, spaced and compact, and
        in the envelopes of the dialects."""
        reads = self.real_reads()
        self.assertTrue(all(reads.values()), "every read of the corpus has an answer")
        for label, value in reads.items():
            with self.subTest(label):
                # orjson writes them all, except the rates: 0.00001234 and 1.5e17 are written otherwise
                self.assertSameBytes(value, orjson_expected=label != "rates")
                self.assertSameBytes({"jsonrpc": "2.0", "id": 7, "result": value})
        self.assertSameBytes([self.rates[2].read(["name", "rate"])], orjson_expected=True)
        self.assertIn(b"1.234e-05", encoding.dumps(reads["rates"], compact=True))
        self.assertIn(b"1.5e+17", encoding.dumps(reads["rates"], compact=True))

    def test_edge_values(self):
        """Where orjson and the standard library write differently: the
        standard library's bytes, in a list of plain values or alone."""
        moment = datetime.datetime(2026, 12, 4, 9, 30, 15, 123456)
        differing = [
            1e16,
            -1e16,
            1.5e300,
            1e-5,
            -3.6e-5,
            5e-324,
            1.7976931348623157e308,
            123456789012345678.0,
            float("nan"),
            float("inf"),
            float("-inf"),
            Ratio(1.5),
            Colour.RED,
            Pair(1, 2),
            {1, 2},
            frozenset({3}),
            datetime.time(9, 30),
            lazy(lambda: 0.00001),
            ReadonlyDict({"a": 1e20}),
            _lt("Contact"),
            Point(),
            decimal.Decimal("1.10"),
            uuid.UUID(int=22),
            Size.LARGE,
        ]
        # what orjson refuses (the check lets them: orjson raises, and the standard library writes)
        refused = [2**64, -(2**63) - 1, 10**40, {1: "int key"}, {None: 1, True: 2, 1.5: 3}, {2: {"nested": 1}}]
        alike = [
            0.0,
            -0.0,
            1.0,
            0.1 + 0.2,
            1 / 3,
            1e-4,
            9999999999999998.0,
            1e15,
            123.456,
            -42.5,
            2**63,
            2**64 - 1,
            -(2**63),
            0,
            True,
            False,
            None,
            "",
            [],
            {},
            (),
            [[]],
            {"a": {}},
            (1, "two"),
            [1, (2, [3, {"four": 4.5}])],
            Markup("<b>é</b>"),
            Row(a=1),
            collections.OrderedDict(b=1, a=2),
            {Markup("key"): "markup key"},
            "\x00\x1f\x7f\u2028\u2029 é 😀 \" \\ / \n\r\t\b\f ,: \": ",
            moment,
            moment.date(),
            datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
            b"bytes \xc3\xa9",
            self.env["res.partner"],
            self.contact,
            self.company_partner | self.contact,
        ]
        for values, expected in ((differing, False), (refused, True)):
            for value in values:
                with self.subTest(value=value):
                    self.assertSameBytes(value, orjson_expected=expected)
                    self.assertSameBytes([1, "x", value], orjson_expected=expected)
                    self.assertSameBytes({"result": [{"id": 1, "value": value}]}, orjson_expected=expected)
                    if expected and encoding.orjson is not None:
                        with self.assertRaises(TypeError):
                            encoding.orjson.dumps(value)
        for value in alike:
            with self.subTest(value=value):
                self.assertSameBytes(value, orjson_expected=True)
                self.assertSameBytes({"result": [{"id": 1, "value": value}]}, orjson_expected=True)
        self.assertSameBytes(differing + refused + alike)
        deep = []
        for _depth in range(300):  # deeper than orjson goes
            deep = [deep]
        self.assertSameBytes(deep, orjson_expected=False)
        self.assertEqual(encoding.dumps({"a": [1, {"b": None}]}), b'{"a": [1, {"b": null}]}')
        self.assertEqual(encoding.dumps({"a": [1, {"b": None}]}, compact=True), b'{"a":[1,{"b":null}]}')

    def test_failures_as_before(self):
        """What the standard library refused, the encoder refuses with the
        same error: an invalid string, a circular list, bytes that are not
        UTF-8."""
        circular = []
        circular.append(circular)
        for value, error in (
            ("\ud800 lone surrogate", UnicodeEncodeError),
            (circular, ValueError),
            (b"\xff", UnicodeDecodeError),
        ):
            for compact in (False, True):
                with self.subTest(value=repr(value)[:30], compact=compact):
                    with self.assertRaises(error):
                        stdlib_bytes(value, compact)
                    with self.assertRaises(error):
                        encoding.dumps(value, compact)

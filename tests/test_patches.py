"""Every patch of Odoo's code is in patches.py, applied once (issue #20,
item 1): applying again re-wraps Odoo's original, never a wrapper, and no
other file of the addon assigns to Odoo's classes or modules."""

import logging
import re
from pathlib import Path

from odoo import http, sql_db
from odoo.service import model as service_model
from odoo.tests import BaseCase, tagged

from ..core import errors
from ..http_layer import patches

ADDON = Path(__file__).resolve().parent.parent
#: what patching Odoo looks like: an assignment to one of its attributes
PATCHING = re.compile(
    r"^\s*(?:odoo|http|sql_db|service_model|Request|PsycoConnection|ConnectionPool)"
    r"(?:\.\w+)+\s*=(?!=)|\.addFilter\(",
    re.MULTILINE,
)


def _patched():
    return [
        (http.Request, "_post_init"),
        (service_model, "dispatch"),
        (sql_db.PsycoConnection, "reset"),
        (sql_db.PsycoConnection, "rollback"),
    ]


@tagged("post_install", "-at_install")
class TestPatches(BaseCase):
    def test_applied_once_whatever_the_number_of_calls(self):
        originals = [getattr(getattr(owner, name), patches.ORIGINAL) for owner, name in _patched()]
        patches.apply()
        patches.apply()
        for (owner, name), original in zip(_patched(), originals):
            current = getattr(owner, name)
            self.assertIs(getattr(current, patches.ORIGINAL), original, f"{name} wraps Odoo's original")
            self.assertFalse(hasattr(original, patches.ORIGINAL), f"{name}: Odoo's own, no wrapper")
        filters = [f for f in logging.getLogger("odoo.sql_db").filters if isinstance(f, errors.ClientQueryFilter)]
        self.assertEqual(len(filters), 1)

    def test_no_other_file_patches_odoo(self):
        elsewhere = {
            str(path.relative_to(ADDON)): PATCHING.findall(path.read_text())
            for path in ADDON.rglob("*.py")
            if path.name != "patches.py"
            and not path.relative_to(ADDON).parts[0].startswith(("tests", "devtools", "bench", "static"))
        }
        self.assertEqual({path: found for path, found in elsewhere.items() if found}, {})

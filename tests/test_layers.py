"""The layers of the addon hold (issue #20): each layer imports only the
layers below it, so that what does not need the HTTP request cannot read it.

* ``core/`` imports neither ``odoo.http`` nor any other layer of the addon;
* ``models/`` never imports ``odoo.http`` (no model reads the request: the
  call context carries what they need) nor the controllers;
* ``openapi/`` never imports the controllers (it describes from the specs);
* no module outside ``http_layer/`` names a package ``http`` of its own
  (a top-level ``http/`` folder would shadow Python's ``http`` module for
  anything run from the checkout).
"""

import ast
from pathlib import Path

from odoo.tests import BaseCase, tagged

ADDON = Path(__file__).resolve().parent.parent


def _imports(path):
    """The modules ``path`` imports, absolute ('odoo.http') or relative to
    the addon ('core.errors', 'controllers.json2')."""
    package = path.relative_to(ADDON).parent.parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module
            found.add(prefix)
            found.update(f"{prefix}.{alias.name}" if prefix else alias.name for alias in node.names)
    return found


def _layer(name):
    return {str(path.relative_to(ADDON)): _imports(path) for path in (ADDON / name).rglob("*.py")}


def _offending(layer, forbidden):
    return {
        path: sorted(name for name in names if any(name == f or name.startswith(f + ".") for f in forbidden))
        for path, names in _layer(layer).items()
        if any(name == f or name.startswith(f + ".") for name in names for f in forbidden)
    }


@tagged("post_install", "-at_install")
class TestLayers(BaseCase):
    def test_core_needs_no_request_nor_other_layer(self):
        self.assertEqual(_offending("core", ["odoo.http", "http_layer", "controllers", "models", "openapi"]), {})

    def test_models_never_read_the_request(self):
        self.assertEqual(_offending("models", ["odoo.http", "controllers"]), {})
        for path in (ADDON / "models").rglob("*.py"):
            tree = ast.parse(path.read_text())
            names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
            self.assertNotIn("request", names, f"{path.name} uses a name 'request'")

    def test_openapi_describes_from_specs_not_controllers(self):
        self.assertEqual(_offending("openapi", ["controllers", "models"]), {})

    def test_no_folder_shadows_a_standard_module(self):
        shadowing = {"http", "email", "json", "logging", "types", "html", "xml", "test", "select"}
        self.assertEqual({path.name for path in ADDON.iterdir() if path.is_dir()} & shadowing, set())

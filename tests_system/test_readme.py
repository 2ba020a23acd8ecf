"""README.rst is the user's manual and Odoo's module description: it must
render without errors, and its commands must exist."""
import re
from pathlib import Path

import docutils.core
import docutils.utils

REPO = Path(__file__).resolve().parent.parent


def test_readme_renders_without_warnings():
    text = (REPO / "README.rst").read_text()
    docutils.core.publish_string(text, writer_name="null",
                                 settings_overrides={"report_level": 2, "halt_level": 2})


def test_readme_commands_exist():
    text = (REPO / "README.rst").read_text()
    for command in ("devtools/run.sh", "devtools/test.sh", "bench/run.sh"):
        assert command in text
        assert (REPO / command).stat().st_mode & 0o111, f"{command} is not executable"
    assert "bash devtools/test.sh" in (REPO / ".ci" / "run").read_text()


def test_readme_error_table_is_the_code_table():
    """Integrators branch on the README's codes and statuses: every row of
    its error table is a kind of errors.ERROR_TABLE, and every kind a row."""
    from odoo.addons.json_rpc_token.core import errors
    text = (REPO / "README.rst").read_text()
    rows = {(int(code), int(status), message)
            for code, status, message in re.findall(r"^(-32\d{3})\s+(\d{3})\s+(\S.*?)\s{2,}", text, re.M)}
    kinds = {(kind.code, kind.http_status, kind.message)
             for kind in [*errors.ERROR_TABLE.values(), errors.INTERNAL_ERROR]}
    assert rows == kinds

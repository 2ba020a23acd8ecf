"""The test command itself: what CI relies on (devtools/test.sh, devtools/no_skips.py)."""

import os
import re
import subprocess
import sys
from pathlib import Path

DEVTOOLS = Path(__file__).resolve().parent.parent / "devtools"


def test_ci_run_fails_on_skips(tmp_path):
    """devtools/test.sh under CI=true loads devtools/no_skips.py: a run with
    a skipped test fails; without it (a developer's run) it passes."""
    (tmp_path / "test_skipping.py").write_text(
        "import pytest\n\ndef test_ran():\n    pass\n\ndef test_skipped():\n    pytest.skip('no chromium')\n"
    )
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONPATH": str(DEVTOOLS)}

    def run(*options):
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", *options, str(tmp_path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    plain = run()
    assert plain.returncode == 0, plain.stdout
    ci = run("-p", "no_skips")
    assert ci.returncode == 1, ci.stdout
    assert "no chromium" in ci.stdout and "1 test(s) skipped" in ci.stdout, ci.stdout


def test_odoo_runner_finds_every_test_module():
    """Odoo's runner (``odoo-bin --test-enable``, devtools/test_odoo_runner.sh)
    runs the test modules that ``tests/__init__.py`` imports, and only
    those: each test module of tests/ is imported there, and none of them
    needs what only pytest gives (the system tests live in tests_system/)."""
    tests = Path(__file__).resolve().parent.parent / "tests"
    imported = set(re.findall(r"^from \. import (\w+)$", (tests / "__init__.py").read_text(), re.M))
    modules = {path.stem for path in tests.glob("test_*.py")}
    assert modules == imported, f"not imported: {modules - imported}; imported but missing: {imported - modules}"
    for module in sorted(modules):
        source = (tests / f"{module}.py").read_text()
        assert not re.search(r"^(import pytest|from pytest|def test_)", source, re.M), (
            f"tests/{module}.py holds pytest-only tests: Odoo's runner would not run them (move them to tests_system/)"
        )

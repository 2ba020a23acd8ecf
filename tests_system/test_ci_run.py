"""The test command itself: what CI relies on (devtools/test.sh, devtools/no_skips.py)."""
import os
import subprocess
import sys
from pathlib import Path

DEVTOOLS = Path(__file__).resolve().parent.parent / "devtools"


def test_ci_run_fails_on_skips(tmp_path):
    """devtools/test.sh under CI=true loads devtools/no_skips.py: a run with
    a skipped test fails; without it (a developer's run) it passes."""
    (tmp_path / "test_skipping.py").write_text(
        "import pytest\n\ndef test_ran():\n    pass\n\ndef test_skipped():\n    pytest.skip('no chromium')\n")
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONPATH": str(DEVTOOLS)}

    def run(*options):
        return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", *options,
                               str(tmp_path)], env=env, capture_output=True, text=True, timeout=120)

    plain = run()
    assert plain.returncode == 0, plain.stdout
    ci = run("-p", "no_skips")
    assert ci.returncode == 1, ci.stdout
    assert "no chromium" in ci.stdout and "1 test(s) skipped" in ci.stdout, ci.stdout

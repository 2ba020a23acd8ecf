"""The README's commands choose their Python in devtools/lib.sh (``use_python``).
Debian 12 and Ubuntu 24.04 refuse pip installs into their own Python (PEP 668,
"externally managed"): with no Python at hand that imports Odoo, the commands
must make and use a virtual environment of their own in the state directory.
A Python that imports Odoo is used as is. Each case runs lib.sh in a clean
environment (``env -i``: no pyenv shims, no pip configuration of the user),
as on a fresh machine. Odoo's requirements are not installed here (minutes):
that pip can install into the chosen Python is what they need."""

import subprocess
import sys
from pathlib import Path

LIB = Path(__file__).resolve().parent.parent / "devtools" / "lib.sh"
SYSTEM_PATH = "/usr/bin:/bin"


def use_python(home, path=SYSTEM_PATH, **env):
    """Source lib.sh, run ``use_python`` and return (result, chosen Python)."""
    result = subprocess.run(
        [
            "env",
            "-i",
            f"PATH={path}",
            f"HOME={home}",
            f"JSON_RPC_TOKEN_STATE={home}/state",
            *(f"{name}={value}" for name, value in env.items()),
            "bash",
            "-c",
            f'source "{LIB}"; use_python; printf "%s\\n" "$PYTHON"',
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result, result.stdout.strip()


def test_sourcing_lib_does_nothing(tmp_path):
    """Sourcing lib.sh only defines: scripts and this test call what they need."""
    result = subprocess.run(
        [
            "env",
            "-i",
            f"PATH={SYSTEM_PATH}",
            f"HOME={tmp_path}",
            f"JSON_RPC_TOKEN_STATE={tmp_path}/state",
            "bash",
            "-c",
            f'source "{LIB}"',
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "state").exists()


def test_system_python_gets_a_venv_in_the_state_dir(tmp_path):
    result, python = use_python(tmp_path)
    assert result.returncode == 0, result.stderr
    venv = tmp_path / "state" / "venv"
    assert python == str(venv / "bin" / "python"), result.stderr
    # pip installs into it: no "externally-managed-environment" (PEP 668)
    pip = subprocess.run(
        [
            "env",
            "-i",
            f"PATH={SYSTEM_PATH}",
            f"HOME={tmp_path}",
            python,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--no-deps",
            "passlib==1.7.4",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    assert "Would install passlib-1.7.4" in pip.stdout, pip.stdout + pip.stderr
    # the next run reuses it, as it is
    (venv / "kept").touch()
    again, python_again = use_python(tmp_path)
    assert again.returncode == 0, again.stderr
    assert python_again == python and (venv / "kept").exists()
    assert "creating" not in again.stderr


def test_python_that_imports_odoo_is_used_as_is(tmp_path):
    """A python3 on PATH that imports Odoo (here: the one running the tests) is
    chosen, and no venv is made: CI's pyenv Python stays in use."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (bin_dir / "python3").chmod(0o755)
    result, python = use_python(tmp_path, path=f"{bin_dir}:{SYSTEM_PATH}")
    assert result.returncode == 0, result.stderr
    assert python == "python3"
    assert not (tmp_path / "state" / "venv").exists()
    # PYTHON naming it directly, the same
    result, python = use_python(tmp_path, PYTHON=sys.executable)
    assert (result.returncode, python) == (0, sys.executable), result.stderr
    assert not (tmp_path / "state" / "venv").exists()


def test_unfit_python_is_named_clearly(tmp_path):
    """PYTHON naming a Python that is not 3.10 to 3.12: a message that says so
    and how to name another, no venv."""
    fake = tmp_path / "python3.9"
    fake.write_text(
        "#!/bin/sh\n[ \"$2\" = 'import platform; print(platform.python_version())' ] && echo 3.9.18 || exit 1\n"
    )
    fake.chmod(0o755)
    result, _python = use_python(tmp_path, PYTHON=str(fake))
    assert result.returncode != 0
    assert f"no Python 3.10 to 3.12 to run Odoo 18 with; tried: {fake} (3.9.18)" in result.stderr
    assert "PYTHON=/path/to/python3.X" in result.stderr
    assert not (tmp_path / "state" / "venv").exists()

"""Installing the addon as Odoo users install OCA addons: ``pip install`` of the
checkout (or of its git URL) builds the distribution ``odoo-addon-json_rpc_token``
with whool and puts the addon in ``odoo/addons``, where Odoo finds it without
an addons-path entry of its own (README.rst, "Installing").

The wheel is built from this checkout, whatever its directory is called, and
installed into a fresh virtual environment that sees the Odoo of the test run
(its site directories added by a ``.pth`` file: ``--system-site-packages``
would miss them when the test run's Python is itself a venv, as devtools makes
on a stock Debian), then Odoo installs the module in a new database with an
addons path of Odoo's own directories only.
"""

import ast
import importlib.metadata
import json
import os
import re
import site
import subprocess
import sys
import zipfile
from contextlib import closing
from email.parser import HeaderParser
from pathlib import Path

import psycopg2
import pytest

from .live import DB_A, REPO, needs_test_databases

pytestmark = needs_test_databases

NAME = "odoo-addon-json_rpc_token"
MANIFEST = ast.literal_eval((REPO / "__manifest__.py").read_text())
ADDON_FILES = "odoo/addons/json_rpc_token/"
# Where the Python of the venv finds json_rpc_token, for the module path
# Odoo computes from the addons path of the given configuration file.
PROBE = """
import importlib.util, json, sys
import odoo
from odoo.modules.module import get_module_path, initialize_sys_path
odoo.tools.config.parse_config(["-c", sys.argv[1]])
initialize_sys_path()
spec = importlib.util.find_spec("odoo.addons.json_rpc_token")
print(json.dumps({"origin": spec and spec.origin,
                  "module_path": get_module_path("json_rpc_token", display_warning=False)}))
"""


def has_distribution(name):
    try:
        importlib.metadata.distribution(name)
        return True
    except importlib.metadata.PackageNotFoundError:
        return False


def pip(python, *args):
    """pip without network (the build backend, whool, is in the test
    environment, so is every dependency of the addon)."""
    result = subprocess.run(
        [python, "-m", "pip", "--disable-pip-version-check", *args, "--no-index"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def build_wheel(source, wheel_dir):
    pip(sys.executable, "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(wheel_dir), source)
    wheels = list(wheel_dir.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def wheel_metadata(wheel):
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
        return HeaderParser().parsestr(archive.read(metadata).decode()), archive.namelist()


def assert_addon_distribution(wheel):
    """Name and version of an OCA addon: the manifest's version, or a
    post-release ``.N`` of it for the N commits since it changed."""
    metadata, _ = wheel_metadata(wheel)
    assert metadata["Name"] == NAME
    assert re.fullmatch(re.escape(MANIFEST["version"]) + r"(\.\d+)?", metadata["Version"]), metadata["Version"]
    assert wheel.name == f"odoo_addon_json_rpc_token-{metadata['Version']}-py3-none-any.whl"
    return metadata


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    return build_wheel(str(REPO), tmp_path_factory.mktemp("wheel"))


def test_wheel_metadata(wheel):
    """Dependencies from the manifest: Odoo 18.0 (``depends`` are Odoo's own
    addons) and the Python ``external_dependencies``."""
    metadata = assert_addon_distribution(wheel)
    assert sorted(metadata.get_all("Requires-Dist")) == ["authlib", "odoo==18.0.*", "passlib"]
    assert "Framework :: Odoo :: 18.0" in metadata.get_all("Classifier")


def test_wheel_holds_the_addon_without_the_tooling(wheel):
    _, names = wheel_metadata(wheel)
    addon = {name.removeprefix(ADDON_FILES) for name in names if name.startswith(ADDON_FILES)}
    assert all(name.startswith((ADDON_FILES, "odoo_addon_json_rpc_token-")) for name in names), names
    assert {
        "__init__.py",
        "__manifest__.py",
        "README.rst",
        "controllers/jsonrpc.py",
        "models/api_token.py",
        "tests/test_call.py",
        *MANIFEST["data"],
    } <= addon
    tooling = ("devtools/", "bench/", ".ci/", "tests_system/", ".git")
    assert not {name for name in addon if name.startswith(tooling)}
    assert not {"pyproject.toml", "PKG-INFO"} & addon


def test_git_url_builds_the_same_distribution(tmp_path):
    """pip builds a git URL in a directory of its own (pip-req-build-*): the
    name stays the addon's."""
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert_addon_distribution(build_wheel(f"git+file://{REPO}@{commit}", tmp_path))


def test_odoo_finds_the_installed_wheel_without_addons_path(wheel, tmp_path):
    odoo_src = Path(os.environ["ODOO_SRC"])
    venv = tmp_path / "venv"
    python = str(venv / "bin" / "python")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # the test run's site directories, with their own .pth files (Odoo's path)
    (Path(purelib) / "test_run_site.pth").write_text(
        f"import site; list(map(site.addsitedir, {site.getsitepackages()!r}))\n"
    )
    config = tmp_path / "odoo.conf"
    config.write_text(
        f"[options]\naddons_path = {odoo_src / 'odoo' / 'addons'},{odoo_src / 'addons'}\n"
        f"data_dir = {tmp_path / 'data'}\ndb_host = False\ndb_port = False\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "ODOO_RC"}

    def probe():
        result = subprocess.run(
            [python, "-c", PROBE, str(config)], capture_output=True, text=True, env=env, check=True, timeout=60
        )
        return json.loads(result.stdout)

    assert probe() == {"origin": None, "module_path": False}  # the venv sees Odoo, not the addon
    # its requirements met by the Odoo and passlib it sees; an Odoo put on the
    # path by devtools' venv (a .pth, no pip install) is no distribution to meet them
    pip(python, "install", *([] if has_distribution("odoo") else ["--no-deps"]), str(wheel))
    found = probe()
    site_packages = Path(purelib)
    addon_dir = site_packages / "odoo" / "addons" / "json_rpc_token"
    assert site_packages.is_relative_to(venv) and addon_dir.is_dir()
    assert found == {"origin": str(addon_dir / "__init__.py"), "module_path": str(addon_dir)}

    database = f"{DB_A}_wheel"
    subprocess.run(["dropdb", "--if-exists", "--force", database], check=True)
    try:
        subprocess.run(
            [
                python,
                str(odoo_src / "odoo-bin"),
                "-c",
                str(config),
                "-d",
                database,
                "-i",
                "json_rpc_token",
                "--without-demo=all",
                "--stop-after-init",
                "--log-level=warn",
                "--max-cron-threads=0",
            ],
            env=env,
            check=True,
            timeout=300,
        )
        with closing(psycopg2.connect(dbname=database)) as connection, connection.cursor() as cr:
            cr.execute("SELECT state, latest_version FROM ir_module_module WHERE name = 'json_rpc_token'")
            assert cr.fetchall() == [("installed", MANIFEST["version"])]
    finally:
        subprocess.run(["dropdb", "--if-exists", "--force", database], check=True)

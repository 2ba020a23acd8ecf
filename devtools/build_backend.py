"""PEP 517 build backend of the addon: whool, the backend of the OCA's addons,
given the addon's name and the addon's files only.

whool names the distribution after the directory holding the manifest
(``odoo-addon-<directory>``) and packs every file git tracks, which suits a
repository of addons, one directory each. This repository *is* the addon: its
directory is whatever the clone was called (pip builds a git URL in a
``pip-req-build-*`` directory) and git also tracks the repository's tooling.
So each build stages the addon's files in a directory named ``json_rpc_token``
with a PKG-INFO carrying the name and version (whool's own way of building a
wheel from an sdist) and hands over to whool there. The version stays whool's:
the manifest's, plus ``.N`` for the N commits since it last changed.
"""

import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from email.parser import HeaderParser
from pathlib import Path

from whool import buildapi

ADDON = "json_rpc_token"
NAME = "odoo-addon-" + ADDON
# the repository's tooling, not the addon's: kept in the sdist (the backend
# lives in devtools/), left out of the wheel, so of odoo/addons/json_rpc_token
TOOLING = ("devtools/", "bench/", ".ci/", "tests_system/", ".gitignore")


def _source_files(root):
    """The files of the source: git's tracked ones in a clone; all of them in
    an sdist (or a copy without git)."""
    if not (root / "PKG-INFO").is_file():
        try:
            names = subprocess.check_output(["git", "ls-files", "-z"], cwd=root, text=True).split("\0")
            return [name for name in names if (root / name).is_file()]  # not deleted ones
        except (OSError, subprocess.CalledProcessError):
            pass
    return [
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and ".git" not in path.parts
    ]


def _version(root):
    """The version whool gives the checkout (its metadata hook, whatever the
    directory's name)."""
    with tempfile.TemporaryDirectory() as metadata_dir:
        dist_info = buildapi.prepare_metadata_for_build_wheel(metadata_dir)
        with open(Path(metadata_dir, dist_info, "METADATA"), encoding="utf-8") as metadata:
            return HeaderParser().parse(metadata)["Version"]


def _write_pkg_info(directory, version):
    Path(directory, "PKG-INFO").write_text(
        f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {version}\n", encoding="utf-8"
    )


@contextmanager
def _staged(with_tooling):
    """Change into a temporary ``json_rpc_token`` directory holding the files
    of the source (the tooling only if ``with_tooling``) and a PKG-INFO."""
    root = Path.cwd()
    version = _version(root)
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp, ADDON)
        stage.mkdir()
        for name in _source_files(root):
            if with_tooling or not name.startswith(TOOLING):
                (stage / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / name, stage / name)
        _write_pkg_info(stage, version)
        os.chdir(stage)
        try:
            yield
        finally:
            os.chdir(root)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    wheel_directory = os.path.abspath(wheel_directory)
    with _staged(with_tooling=False):
        return buildapi.build_wheel(wheel_directory, config_settings)


def build_sdist(sdist_directory, config_settings=None):
    sdist_directory = os.path.abspath(sdist_directory)
    with _staged(with_tooling=True):
        return buildapi.build_sdist(sdist_directory, config_settings)


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    metadata_directory = os.path.abspath(metadata_directory)
    with _staged(with_tooling=False):
        return buildapi.prepare_metadata_for_build_wheel(metadata_directory, config_settings)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """An editable install links to the checkout itself, not to a copy: whool
    names the link after the PKG-INFO it finds there, written for the time of
    the build (an sdist has its own)."""
    root = Path.cwd()
    if (root / "PKG-INFO").is_file():
        return buildapi.build_editable(wheel_directory, config_settings)
    _write_pkg_info(root, _version(root))
    try:
        return buildapi.build_editable(wheel_directory, config_settings)
    finally:
        (root / "PKG-INFO").unlink()


def prepare_metadata_for_build_editable(metadata_directory, config_settings=None):
    return prepare_metadata_for_build_wheel(metadata_directory, config_settings)

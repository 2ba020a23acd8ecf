"""README.rst is the entry point and Odoo's module description (what the
addon is, the two commands, a first call per dialect, links); the manual is
split into doc/*.rst, one page per concern. Every page must render without
errors, its links must reach pages and sections that exist, its commands
must exist, what it states of the code must be the code's (the error table),
and the README's first calls must work against a live server."""

import ast
import json
import re
import subprocess
from pathlib import Path

import docutils.core
import docutils.nodes
import pytest

from .live import DB_A, free_port, needs_test_databases, odoo_server, running

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.rst"
DOC = REPO / "doc"
DOC_PAGES = sorted(DOC.glob("*.rst"))
PAGES = [README, *DOC_PAGES]
#: the README stays an entry point, the manual is in doc/
README_MAX_LINES = 400
#: the URL and database the README's first calls name (devtools/run.sh's)
DEMO_URL, DEMO_DB = "http://localhost:8069", "json_rpc_token_demo"


def render(path):
    docutils.core.publish_string(
        path.read_text(), writer_name="null", settings_overrides={"report_level": 2, "halt_level": 2}
    )


def doctree(path):
    return docutils.core.publish_doctree(path.read_text(), settings_overrides={"report_level": 5})


def section_ids(path):
    """The anchors of a page: its sections' ids (and the document's)."""
    tree = doctree(path)
    ids = set(tree["ids"])
    for node in tree.findall(docutils.nodes.Element):
        ids.update(node.get("ids", ()))
    return ids


def relative_links(path):
    """(uri, line) of every link of ``path`` to a file of the repository
    (references and images), not to the web nor inside the page."""
    links = []
    for node in doctree(path).findall(lambda node: isinstance(node, docutils.nodes.reference | docutils.nodes.image)):
        uri = node.get("refuri") or node.get("uri")
        if uri and not re.match(r"[a-z][a-z0-9+.-]*:", uri):
            links.append((uri, node.line or (node.parent and node.parent.line)))
    return links


def code_blocks(path, language, section=None):
    """The text of the ``.. code-block:: <language>`` blocks of ``path``
    (of its section of id ``section`` only, if given)."""
    root = doctree(path)
    if section:
        (root,) = [node for node in root.findall(docutils.nodes.section) if section in node["ids"]]
    return [block.astext() for block in root.findall(docutils.nodes.literal_block) if language in block["classes"]]


def test_readme_renders_without_warnings():
    render(README)


@pytest.mark.parametrize("page", DOC_PAGES, ids=[page.name for page in DOC_PAGES])
def test_doc_page_renders_without_warnings(page):
    render(page)


def test_readme_commands_exist():
    text = README.read_text()
    for command in ("devtools/run.sh", "devtools/test.sh", "bench/run.sh"):
        assert command in text
        assert (REPO / command).stat().st_mode & 0o111, f"{command} is not executable"
    assert "bash devtools/test.sh" in (REPO / ".ci" / "run").read_text()


def test_scripts_named_in_the_manual_exist():
    """Every devtools/ and bench/ script a page names (some are sourced by
    others, not run: only the existence is checked)."""
    for page in PAGES:
        for script in set(re.findall(r"\b(?:devtools|bench)/[\w.-]+\.sh\b", page.read_text())):
            assert (REPO / script).is_file(), f"{page.relative_to(REPO)} names {script}, which does not exist"


def test_readme_is_short():
    lines = len(README.read_text().splitlines())
    assert lines < README_MAX_LINES, f"README.rst has {lines} lines: the manual goes in doc/"


def test_readme_links_every_doc_page():
    assert DOC_PAGES, "no doc/*.rst"
    linked = {(REPO / uri.partition("#")[0]).resolve() for uri, _line in relative_links(README)}
    assert not {page.resolve() for page in DOC_PAGES} - linked


@pytest.mark.parametrize("page", PAGES, ids=[page.relative_to(REPO).as_posix() for page in PAGES])
def test_links_reach_existing_files_and_sections(page):
    """Links from the README to doc/ pages, between pages and back, and
    images: the file exists in the repository, and so does the section an
    anchor names."""
    for uri, line in relative_links(page):
        target, _, anchor = uri.partition("#")
        where = f"{page.relative_to(REPO)}:{line}: {uri}"
        path = (page.parent / target).resolve() if target else page
        assert path.is_relative_to(REPO) and path.is_file(), f"{where}: no such file"
        if anchor:
            assert path.suffix == ".rst" and anchor in section_ids(path), f"{where}: no such section"


def test_readme_error_table_is_the_code_table():
    """Integrators branch on the manual's codes and statuses: every row of
    its error table (doc/errors.rst) is a kind of errors.ERROR_TABLE, and
    every kind a row."""
    from odoo.addons.json_rpc_token.core import errors

    text = (DOC / "errors.rst").read_text()
    rows = {
        (int(code), int(status), message)
        for code, status, message in re.findall(r"^(-32\d{3})\s+(\d{3})\s+(\S.*?)\s{2,}", text, re.M)
    }
    kinds = {
        (kind.code, kind.http_status, kind.message) for kind in [*errors.ERROR_TABLE.values(), errors.INTERNAL_ERROR]
    }
    assert rows == kinds


def test_pip_section_names_the_manifest_version():
    """The pip section says which version pip installs: the manifest's."""
    manifest = ast.literal_eval((REPO / "__manifest__.py").read_text())
    text = " ".join((DOC / "installing.rst").read_text().split())
    named = re.search(
        r"Its version is the manifest's \(``([0-9.]+)``\), followed by ``\.N`` when N commits "
        r"were made since the version changed \(``([0-9.]+)``\)",
        text,
    )
    assert named, "doc/installing.rst no longer says which version pip installs"
    assert named[1] == manifest["version"], f"doc/installing.rst names {named[1]}, the manifest {manifest['version']}"
    assert named[2].startswith(manifest["version"] + ".")


def test_python_examples_compile():
    for page in PAGES:
        for block in code_blocks(page, "python"):
            compile(block, str(page), "exec")


@needs_test_databases
def test_readme_first_calls_run(tmp_path):
    """The README's first calls, copied and pasted in order against a server
    started as devtools/run.sh starts it: the shell blocks in one shell, the
    Python blocks in one interpreter, every call answered without error."""
    shell, python = code_blocks(README, "sh", "first-calls"), code_blocks(README, "python", "first-calls")
    # log in, one call per dialect (JSON-RPC, REST, JSON-2, Odoo's RPC), log out
    assert len(shell) == len(python) == 6
    port, logfile = free_port(), tmp_path / "odoo.log"
    with running(odoo_server(DB_A, logfile, f"--http-port={port}"), port, logfile) as base:

        def here(code):
            return code.replace(DEMO_URL, base).replace(DEMO_DB, DB_A)

        marker = "----- next block -----"
        script = "set -euo pipefail\n" + f"\necho; echo '{marker}'\n".join(map(here, shell))
        run = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout + run.stderr
        login, *outputs = run.stdout.split(marker + "\n")
        assert not login.strip()
        answers = [json.loads(output) for output in outputs]
        for block, answer in zip(shell[1:], answers):
            assert isinstance(answer, list) or "result" in answer, f"{block}\n{answer}"
        assert answers[-1]["result"] is True  # logged out

        namespace = {}
        for block in python:
            exec(compile(here(block), str(README), "exec"), namespace)
        assert namespace["uid"] == namespace["session"]["uid"]  # the token as password
        assert namespace["answer"]["result"] is True  # logged out

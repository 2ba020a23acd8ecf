"""Upgrading in place (``-u json_rpc_token``) from the previous release keeps
the tokens it issued working, with their restrictions.

The previous release is the newest commit whose manifest version differs
from the current one: it is installed from git into a database of its own,
issues tokens over HTTP, then the current code upgrades that database."""

import ast
import io
import os
import subprocess
import tarfile

import pytest
import requests

from .live import DB_A, REPO, free_port, login, needs_test_databases, odoo_server, post, running

pytestmark = needs_test_databases


def _version(commit):
    manifest = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{commit}:__manifest__.py"], capture_output=True, text=True, check=True
    ).stdout
    return ast.literal_eval(manifest.split("\n", 1)[1] if manifest.startswith("#") else manifest)["version"]


def previous_release():
    current = ast.literal_eval((REPO / "__manifest__.py").read_text().split("\n", 1)[1])["version"]
    commits = subprocess.run(
        ["git", "-C", str(REPO), "rev-list", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.split()
    for commit in commits:
        version = _version(commit)
        if version != current:
            return commit, version
    pytest.fail(f"no commit with a version other than {current}: the upgrade needs the git history")


def odoo_addons_path(extra):
    src = os.environ["ODOO_SRC"]
    return f"--addons-path={src}/odoo/addons,{src}/addons,{extra}"


@pytest.fixture()
def database():
    name = f"{DB_A}_upgrade"
    subprocess.run(["dropdb", "--if-exists", "--force", name], check=True)
    yield name
    subprocess.run(["dropdb", "--if-exists", "--force", name], check=True)


def test_tokens_survive_the_upgrade_from_the_previous_release(database, tmp_path):
    commit, version = previous_release()
    old_addons = tmp_path / "addons"
    (old_addons / "json_rpc_token").mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", commit], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        # extraction filters came with 3.11.4; Debian 12's Python is 3.11.2 (the archive is our own history)
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(old_addons / "json_rpc_token", **safe)
    old_options = [odoo_addons_path(old_addons)]
    subprocess.run(
        odoo_server(
            database,
            tmp_path / "install.log",
            *old_options,
            "-i",
            "json_rpc_token",
            "--without-demo=all",
            "--stop-after-init",
        ),
        check=True,
    )

    port = free_port()
    with running(
        odoo_server(database, tmp_path / "old.log", *old_options, f"--http-port={port}"), port, tmp_path / "old.log"
    ) as base:
        plain = login(base, database)
        answer = post(
            base,
            "/json-call/user_authenticate",
            {
                "login": "admin",
                "password": "admin",
                "db": database,
                "scope": {"models": ["res.partner"], "read_only": True},
            },
        )
        scoped = answer["result"]["token"]

    subprocess.run(
        [*odoo_server(database, tmp_path / "upgrade.log"), "-u", "json_rpc_token", "--stop-after-init"], check=True
    )

    port = free_port()
    with running(
        odoo_server(database, tmp_path / "new.log", f"--http-port={port}"), port, tmp_path / "new.log"
    ) as base:

        def call(token, model, method, args):
            return post(
                base,
                "/json-call",
                {"db": database, "model": model, "method": method, "args": args},
                headers={"Authorization": f"Bearer {token}"},
            )

        assert isinstance(call(plain, "res.partner", "search_count", [[]]).get("result"), int), (
            f"a token issued by {version} ({commit[:8]}) works after the upgrade"
        )
        assert isinstance(call(scoped, "res.partner", "search_count", [[]]).get("result"), int)
        assert call(scoped, "res.users", "search_count", [[]])["error"]["code"] == -32010, "scope kept"
        assert call(scoped, "res.partner", "create", [{"name": "x"}])["error"]["code"] == -32010, "read-only kept"
        # the dialects added since serve the tokens issued before
        bearer = {"Authorization": f"Bearer {plain}", "X-Odoo-Database": database}
        rest = requests.get(
            base + "/api/res.partner/", params={"query": "{id}", "limit": 1}, headers=bearer, timeout=30
        )
        assert rest.status_code == 200 and rest.json()["count"] == 1, rest.text
        json2 = requests.post(
            base + "/json/2/res.partner/search_count", json={"domain": []}, headers=bearer, timeout=30
        )
        assert json2.status_code == 200 and isinstance(json2.json(), int), json2.text
        uid = post(base, "/jsonrpc", {"service": "common", "method": "login", "args": [database, "admin", plain]})[
            "result"
        ]
        assert isinstance(uid, int) and uid, "the token is a password of Odoo's own RPC"
        # 18.0.1.9.0 gave tokens an audience (OAuth's resource): the tokens issued before have none, and
        # keep serving every dialect, MCP included
        mcp = requests.post(
            base + "/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
            timeout=30,
            headers={**bearer, "MCP-Protocol-Version": "2025-06-18"},
        )
        assert mcp.status_code == 200 and mcp.json()["result"] == {}, mcp.text
        # audit entries written before the upgrade name who obtained their token (18.0.1.8.0)
        issuers = subprocess.run(
            [
                "psql",
                "-X",
                "-d",
                database,
                "-tAc",
                "SELECT count(*) FILTER (WHERE issuer_id IS NULL), count(*) FROM api_token_log WHERE event = 'login'",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("|")
        assert int(issuers[0]) == 0 and int(issuers[1]) >= 2, f"login entries without their issuer: {issuers}"
        assert (
            post(base, "/json-call/user_logout", {"db": database}, headers={"Authorization": f"Bearer {plain}"})[
                "result"
            ]
            is True
        )

"""The API documentation page on a server that serves no database (see
tests/test_docs_pages.py for the page itself)."""

import requests

from ..tests.test_docs_pages import DOCS, PageReferences
from .live import DB_A, free_port, needs_test_databases, odoo_server, running


@needs_test_databases
def test_docs_page_on_a_server_without_database(tmp_path):
    """A server that serves no database at all (its filter matches none)
    still serves the page, its files and the OpenAPI document."""
    port, logfile = free_port(), tmp_path / "odoo.log"
    command = odoo_server(DB_A, logfile, f"--http-port={port}", "--db-filter=^json_rpc_token_no_database$")
    with running(command, port, logfile) as base:

        def get(path):
            return requests.get(base + path, timeout=30)

        page = get(DOCS)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        for address in PageReferences(page.text).loads:
            assert get(address).status_code == 200, address
        assert get("/json-call/openapi.json").json()["openapi"].startswith("3.1")
        # whereas a call has no database to go to
        answer = requests.post(
            base + "/json-call",
            json={"params": {"model": "res.partner", "method": "search", "args": [[]], "token": "x"}},
            timeout=30,
        )
        assert answer.json()["error"]["code"] == -32000

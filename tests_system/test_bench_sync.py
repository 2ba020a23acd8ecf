"""The paths of the sync benchmark (``bench/run.sh --sync``, bench/sync.py)
against a live server: each reads every partner, page by page by offset or
by cursor, or as one NDJSON stream, and all read the same number of rows;
MCP's page is /json-call's. The benchmark compares rows per second, which
means something only when every path does the same work: a path whose
answer changed shape, or whose cursor skips or repeats rows, fails here
instead of printing a figure for other work. No time is asserted."""

import sys

import pytest

from .live import DB_A, REPO, free_port, needs_test_databases, odoo_server, result_of, running

sys.path.insert(0, str(REPO / "bench"))
import bench  # bench/bench.py, after bench/ is on the path
import sync  # bench/sync.py

pytestmark = needs_test_databases


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    """bench/sync.py's clients of a threaded server on DB_A, with 12 more
    partners (removed afterwards) and pages small enough that every path
    turns a few pages."""
    port, logfile = free_port(), tmp_path_factory.mktemp("bench-sync") / "odoo.log"
    command = odoo_server(DB_A, logfile, f"--http-port={port}", f"--gevent-port={free_port()}")
    with running(command, port, logfile) as base:
        token, uid = bench.login(base, DB_A)
        country = result_of(base, token, "res.country", "search", [("code", "=", "BE")])
        company = result_of(base, token, "res.partner", "create", {"name": "Sync bench company", "is_company": True})
        created = [
            company,
            *result_of(
                base,
                token,
                "res.partner",
                "create",
                [
                    {
                        "name": f"Sync bench contact {n}",
                        "email": f"contact{n}@example.com",
                        "parent_id": company,
                        "country_id": country[0],
                    }
                    for n in range(11)
                ],
            ),
        ]
        try:
            rows, _seconds, _pages = sync.walk(sync.Paths(base, DB_A, token, uid).jsonrpc)
            yield sync.Paths(base, DB_A, token, uid, page_size=rows // 4), rows
        finally:
            result_of(base, token, "res.partner", "unlink", created)


def test_every_path_reads_every_partner_once(paths):
    client, rows = paths
    for name, page in client.paths().items():
        read, _seconds, pages = sync.walk(page)
        assert read == rows, f"{name} read {read} rows, /jsonrpc execute_kw {rows}"
        if name != "JSON-2 NDJSON stream, one request":
            assert len(pages) >= 4, f"{name} answered in {len(pages)} pages of {client.size}"


def test_mcp_reads_the_page_json_call_reads(paths):
    client, rows = paths
    mcp_ms, json_call_ms = sync.mcp_against_json_call(client, rows, calls=1)  # asserts the same ids
    assert mcp_ms > 0 and json_call_ms > 0

"""Issue #22, item 4, on a real prefork server (--workers=2) and 100 000
records: a read answered as NDJSON is fetched in batches and spooled, so the
worker's memory does not grow with the answer (measured against the same
read answered as one JSON array); a client that stops reading midway frees
the worker and the spool's file; cursor paging walks the 100 000 records
with each page costing what the first costs."""

import contextlib
import json
import os
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import psutil
import pytest
import requests

from .live import DB_A, free_port, login, needs_test_databases, odoo_server, running
from .test_live_server import until_both_workers

pytestmark = needs_test_databases

RECORDS = 100_000
DOMAIN = [["ref", "=like", "stream-%"]]
FIELDS = ["name", "email", "ref", "write_date"]
NDJSON = "application/x-ndjson"
MB = 1024 * 1024
PIECE = 64 * 1024


def _psql(sql):
    subprocess.run(["psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", "-d", DB_A, "-c", sql], check=True)


@pytest.fixture(scope="module")
def records():
    _psql(f"""INSERT INTO res_partner (name, complete_name, email, ref, active, type, is_company, color,
                                       create_uid, write_uid, create_date, write_date)
              SELECT 'Stream ' || n, 'Stream ' || n, 'stream' || n || '@example.com', 'stream-' || n, true,
                     'contact', false, 0, 1, 1, now() at time zone 'UTC',
                     now() at time zone 'UTC' - (n % 1000) * interval '1 second'
                FROM generate_series(1, {RECORDS}) n""")
    _psql("ANALYZE res_partner")  # as autovacuum would, after so many rows
    yield
    _psql("DELETE FROM res_partner WHERE ref LIKE 'stream-%'")


@pytest.fixture(scope="module")
def server(records, tmp_path_factory):
    port, logfile = free_port(), tmp_path_factory.mktemp("stream") / "odoo.log"
    command = odoo_server(
        DB_A,
        logfile,
        f"--http-port={port}",
        "--workers=2",
        f"--gevent-port={free_port()}",
        "--limit-time-real=600",
        "--limit-time-cpu=600",
    )
    with running(command, port, logfile) as base:
        token = login(base, DB_A)
        headers = {"Authorization": f"Bearer {token}", "X-Odoo-Database": DB_A, "Connection": "close"}

        def warm(suffix):  # each worker loads the registry and serves both paths once
            for accept in (NDJSON, "application/json"):
                response = requests.post(
                    f"{base}/json/2/res.partner/search_read{suffix}",
                    timeout=60,
                    json={"domain": DOMAIN, "fields": FIELDS, "limit": 2000},
                    headers={**headers, "Accept": accept},
                )
                assert response.status_code == 200, response.text

        until_both_workers(logfile, warm, "warm")
        yield base, port, headers


def _workers(port):
    """The processes of the server on ``port``: its main process and the
    workers it forked (the same command line)."""
    option = f"--http-port={port}"
    processes = []
    for process in psutil.process_iter(["cmdline"]):
        if option in (process.info["cmdline"] or []):
            processes.append(process)
    assert len(processes) >= 3, f"the server on {port} and its two workers: {processes}"
    return processes


class PeakRss:
    """The largest growth of any worker's RSS while the block runs."""

    def __init__(self, port):
        self.processes = _workers(port)
        self.baseline = {p.pid: p.memory_info().rss for p in self.processes}
        self.peak = dict(self.baseline)
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while self.running:
            for process in self.processes:
                with contextlib.suppress(psutil.Error):  # a worker recycled meanwhile
                    self.peak[process.pid] = max(self.peak[process.pid], process.memory_info().rss)
            time.sleep(0.01)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()

    @property
    def growth(self):
        return max(self.peak[pid] - self.baseline[pid] for pid in self.baseline)


def _report(name, value):
    with open(os.environ.get("JSON_RPC_TOKEN_STREAM_REPORT", os.devnull), "a") as report:
        report.write(f"{name}: {value}\n")


def _stream(base, port, headers, body):
    """Read the NDJSON answer of ``body``: (rows, first, last, seconds, the
    largest growth of a worker's RSS meanwhile)."""
    started = time.monotonic()
    with PeakRss(port) as streamed:
        with requests.post(
            f"{base}/json/2/res.partner/search_read",
            json=body,
            stream=True,
            timeout=600,
            headers={**headers, "Accept": NDJSON},
        ) as response:
            assert response.status_code == 200, response.text
            assert response.headers["Content-Type"].startswith(NDJSON)
            count, first, last = 0, None, None
            for line in response.iter_lines(chunk_size=PIECE):
                row = json.loads(line)
                first = first or row
                last, count = row, count + 1
    return count, first, last, time.monotonic() - started, streamed.growth


def test_100000_records_as_ndjson_in_bounded_memory(server):
    base, port, headers = server
    body = {"domain": DOMAIN, "fields": FIELDS, "order": "id"}
    # three streams: the first a worker serves after the warm-up's small ones, then the steady state
    streams = [_stream(base, port, headers, body) for _ in range(3)]
    for count, first, last, _seconds, _growth in streams:
        assert count == RECORDS
        assert first["ref"].startswith("stream-") and last["id"] > first["id"]
    started = time.monotonic()
    with PeakRss(port) as whole:
        response = requests.post(f"{base}/json/2/res.partner/search_read", json=body, timeout=600, headers=headers)
        assert response.status_code == 200
        assert len(response.json()) == RECORDS
    whole_seconds = time.monotonic() - started
    growths = [growth for *_rest, growth in streams]
    _report("ndjson_rss_growth_mb", [round(growth / MB, 1) for growth in growths])
    _report("json_rss_growth_mb", round(whole.growth / MB, 1))
    _report("ndjson_seconds", [round(seconds, 1) for *_rest, seconds, _growth in streams])
    _report("json_seconds", round(whole_seconds, 1))
    _report("answer_mb", round(len(response.content) / MB, 1))
    assert max(growths) < 48 * MB, f"a worker grew {max(growths) / MB:.0f} MB for a stream"
    assert max(growths) < whole.growth / 2, (max(growths) / MB, whole.growth / MB)
    # three streams, two workers: one worker served two, and its second grew by (almost) nothing
    assert min(growths) < 8 * MB, [growth / MB for growth in growths]


def _abandoned_stream(port, headers, read_bytes=20_000):
    """Ask for the 100 000 records as NDJSON on a raw socket, read the first
    bytes, and close the socket with the rest unread."""
    body = json.dumps({"domain": DOMAIN, "fields": FIELDS}).encode()
    request = (
        f"POST /json/2/res.partner/search_read HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: {headers['Authorization']}\r\nX-Odoo-Database: {DB_A}\r\n"
        f"Content-Type: application/json\r\nAccept: {NDJSON}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    client = socket.create_connection(("127.0.0.1", port), timeout=120)
    with closing(client):
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        client.sendall(request)
        received = b""
        while len(received) < read_bytes:
            piece = client.recv(4096)
            assert piece, received[:300]
            received += piece
        assert received.startswith((b"HTTP/1.1 200", b"HTTP/1.0 200")), received[:300]
        assert f"Content-Type: {NDJSON}".encode() in received
        # SO_LINGER 0: a reset, as a client that dies sends it
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


def _open_files(port):
    """The files the server's processes hold open: (pid, path, fd)."""
    held = set()
    for process in _workers(port):
        with contextlib.suppress(psutil.Error):  # a worker recycled meanwhile
            held |= {(process.pid, f.path, f.fd) for f in process.open_files()}
    return held


def test_a_client_that_stops_reading_frees_the_worker(server):
    base, port, headers = server
    files_before = _open_files(port)
    # both workers at once, each left by its client after a few KB
    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(_abandoned_stream, port, headers) for _ in range(2)]:
            done.result(300)
    started = time.monotonic()
    for _ in range(6):
        response = requests.post(
            f"{base}/json/2/res.partner/search_count", json={"domain": DOMAIN}, headers=headers, timeout=10
        )
        assert response.json() == RECORDS
    elapsed = time.monotonic() - started
    _report("six_calls_after_abandoned_streams_seconds", round(elapsed, 2))
    assert elapsed < 5, f"the workers took {elapsed:.1f} s to answer again"
    # the spools (13 MB each, on disk beyond 1 MB) are closed: no file left open
    deadline = time.monotonic() + 10
    while _open_files(port) - files_before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _open_files(port) - files_before, "an abandoned stream's file is still open"


def test_cursor_pages_cost_what_the_first_costs(server):
    """Page 1 and page 100 of 1000 records by write_date: within a few times
    one another with the cursor; the offset's page 100 reads the 99 000
    rows before it."""
    base, _port, headers = server

    def timed(body):
        started = time.monotonic()
        response = requests.post(f"{base}/json/2/res.partner/search_read", json=body, headers=headers, timeout=120)
        assert response.status_code == 200, response.text
        return time.monotonic() - started, response.json()

    order = "write_date asc, id asc"
    body = {"domain": DOMAIN, "fields": ["ref"], "limit": 1000, "order": order}
    first_seconds, page = timed({**body, "after": None})
    seen = [row["id"] for row in page["records"]]
    for _ in range(98):
        _seconds, page = timed({**body, "after": page["next"]})
        seen += [row["id"] for row in page["records"]]
    last_seconds, page = timed({**body, "after": page["next"]})
    seen += [row["id"] for row in page["records"]]
    offset_seconds, _rows = timed({**body, "offset": 99_000})
    assert len(seen) == len(set(seen)) == RECORDS
    assert page["next"] is None
    _report("cursor_page_1_seconds", round(first_seconds, 3))
    _report("cursor_page_100_seconds", round(last_seconds, 3))
    _report("offset_page_100_seconds", round(offset_seconds, 3))

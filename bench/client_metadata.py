"""What fetching an OAuth client's metadata document costs (issue #23,
doc/performance.rst), in-process, on loopback only:

    python3 bench/client_metadata.py [--runs 200]

A throwaway HTTPS server on 127.0.0.1 (a self-signed certificate made with
openssl, trusted as the extra CA bundle) serves a small document; the fetch
of ``core/client_metadata.py`` (address checked, connection to that
address, TLS, JSON) runs --runs times: with the TLS context made for each
fetch (how the first version did it), then with the context made once
(``_tls_context``'s cache). Then the refusal of the same URL when private
addresses are not allowed (resolution and check only, nothing connects).
Prints medians and 90th percentiles in milliseconds.
"""

import argparse
import importlib.util
import json
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ADDON = Path(__file__).resolve().parent.parent


def load_core():
    """The addon's ``core`` package, imported from this checkout without Odoo's addons path."""
    spec = importlib.util.spec_from_file_location(
        "jrt_core", ADDON / "core" / "__init__.py", submodule_search_locations=[str(ADDON / "core")]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules["jrt_core"] = package
    spec.loader.exec_module(package)
    return importlib.import_module("jrt_core.client_metadata")


def serve(directory):
    cert, key = Path(directory, "cert.pem"), Path(directory, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout", str(key),
         "-out", str(cert), "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    state = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps(
                {"client_id": state["url"], "client_name": "Bench", "redirect_uris": ["http://127.0.0.1:1/cb"]}
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["url"] = f"https://localhost:{server.server_address[1]}/client.json"
    return server, state["url"], str(cert)


def measure(runs, fetch):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fetch()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    runs = parser.parse_args().runs
    client_metadata = load_core()
    with tempfile.TemporaryDirectory() as directory:
        server, url, ca_file = serve(directory)
        try:

            def fresh_context():
                client_metadata._tls_context.cache_clear()
                client_metadata.fetch(url, True, ca_file)

            def refused():
                try:
                    client_metadata.fetch(url, False, ca_file)
                except client_metadata.Refused:
                    return
                raise AssertionError("a loopback address was fetched from")

            for name, fetch in (
                ("fetch, TLS context made per fetch", fresh_context),
                ("fetch, TLS context made once", lambda: client_metadata.fetch(url, True, ca_file)),
                ("refused: loopback not allowed (no connection)", refused),
            ):
                median, p90 = measure(runs, fetch)
                print(f"{name:50s} median {median:8.2f} ms   p90 {p90:8.2f} ms   ({runs} runs)")
        finally:
            server.shutdown()
            server.server_close()


if __name__ == "__main__":
    main()

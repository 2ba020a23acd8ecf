"""Scale-out benchmark: read requests per second with 8 client threads
against

* one Odoo server on the primary (the usual set-up);
* one Odoo server reading on the replica (token checked on the primary:
  what reading on a replica costs one server);
* two Odoo servers reading on the replica, behind nginx (round robin);

each server prefork with ``--workers`` workers. The set-ups run side by
side and are measured in turns, round after round, so that a machine
shared with other work weighs on each alike; the median of the rounds is
reported, with the rows PostgreSQL read per request on the primary and
on the replica (``pg_stat_database``): the work the replica takes off the
primary. The read: ``res.partner.search_read([], ['name'], limit=5)``
through ``/json-call``, Bearer token, one keep-alive connection per client.
"""

import argparse
import contextlib
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from tests_system.live import free_port, odoo_server, running  # noqa: E402
from tests_system.scale import machine, nginx  # noqa: E402

BODY = {
    "jsonrpc": "2.0",
    "params": {
        "model": "res.partner",
        "method": "search_read",
        "args": [[]],
        "kwargs": {"fields": ["name"], "limit": 5},
    },
}


def requests_per_second(base, database, token, seconds, threads):
    body = {**BODY, "params": {**BODY["params"], "db": database}}
    counts, stop_at = [], time.monotonic() + seconds

    def client():
        count = 0
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {token}"
            while time.monotonic() < stop_at:
                answer = session.post(base + "/json-call", json=body, timeout=60).json()
                assert "result" in answer, answer
                count += 1
        counts.append(count)

    pool = [threading.Thread(target=client) for _n in range(threads)]
    started = time.monotonic()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


#: an idle PostgreSQL backend reports its counters within 10 s
STATS_DELAY = 11


def rows_read(clusters):
    """Rows PostgreSQL has read in the database so far, (primary, replica),
    once the backends have reported them."""
    time.sleep(STATS_DELAY)
    query = "SELECT tup_returned + tup_fetched FROM pg_stat_database WHERE datname = %s"
    return tuple(clusters.sql("postgres", query, [clusters.db], replica=replica)[0][0] for replica in (False, True))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--workers", type=int, default=2, help="prefork workers per server")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5, help="duration of each measure")
    parser.add_argument("--threads", type=int, default=8)
    options = parser.parse_args()
    db = options.database
    clusters = machine(db)  # the machine's cluster and devtools/replica.sh's replica
    clusters.wait_replayed()
    with tempfile.TemporaryDirectory(prefix="jrt-scale-") as directory, contextlib.ExitStack() as stack:

        def server(name, *extra):
            port, logfile = free_port(), Path(directory) / f"{name}.log"
            command = odoo_server(
                db,
                logfile,
                f"--http-port={port}",
                f"--workers={options.workers}",
                f"--gevent-port={free_port()}",
                "--log-level=warn",
                *extra,
            )
            return port, stack.enter_context(running(command, port, logfile))

        _, single = server("single")
        _, single_replica = server("single-replica", *clusters.odoo_options())
        ports = [server(f"node{n}", *clusters.odoo_options())[0] for n in (1, 2)]
        balanced = stack.enter_context(nginx(Path(directory) / "nginx", free_port(), ports))
        setups = {
            "1 server, primary only": single,
            "1 server, reads on the replica": single_replica,
            "2 servers + replica, behind nginx": balanced,
        }
        answer = requests.post(
            single + "/json-call/user_authenticate",
            json={"params": {"login": "admin", "password": "admin", "db": db, "label": "scale benchmark"}},
            timeout=60,
        ).json()
        token = answer["result"]["token"]
        clusters.wait_replayed()
        for base in setups.values():  # warm up: registries, pooled connections, workers
            requests_per_second(base, db, token, 1, options.threads)
        results = {name: [] for name in setups}
        for round_ in range(options.rounds):
            for name, base in setups.items():
                results[name].append(requests_per_second(base, db, token, options.seconds, options.threads))
            print(
                f"round {round_ + 1}/{options.rounds}: "
                + ", ".join(f"{name}: {values[-1]:.0f}" for name, values in results.items()),
                file=sys.stderr,
            )
        rows = {}  # rows read per request on the primary, on the replica
        for name, base in setups.items():
            before = rows_read(clusters)
            count = requests_per_second(base, db, token, options.seconds, options.threads) * options.seconds
            after = rows_read(clusters)
            rows[name] = [(a - b) / count for a, b in zip(after, before)]
        clusters.sql(db, "UPDATE api_token SET revoked_at = now() at time zone 'utc' WHERE name = 'scale benchmark'")
    base_rps = statistics.median(results["1 server, primary only"])
    print(
        f"\nRead requests/s, {options.threads} client threads, --workers={options.workers} per server, "
        f"median of {options.rounds} rounds of {options.seconds:g} s:"
    )
    print(f"  {'':<36} {'req/s':>7}  {'ratio':>5}  rows read per request: {'primary':>7} {'replica':>7}")
    for name, values in results.items():
        median = statistics.median(values)
        primary, replica = rows[name]
        print(f"  {name:<36} {median:7.0f}  x{median / base_rps:.2f}  {'':<23}{primary:7.0f} {replica:7.0f}")


if __name__ == "__main__":
    main()

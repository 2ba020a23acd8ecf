"""The previous release against the current code, in the same run.

bench/run.sh --compare prepares two databases the same way (a fresh install
of each version, then :func:`bench.prepare`) and two configurations whose
addons paths hold one copy of the addon each. This script starts a server of
each (the same options: threaded, then --workers=2, the addon loaded
server-wide from its own addons path), checks that each serves the version it
should, and times bench.py's latency calls on both, interleaved: for every
path and call the two servers alternate (previous then current, then current
then previous), so that whatever the machine does meanwhile (2 cores, other
work) falls on both alike. Per path and side the median ms/call; per path
current/previous, the median of the ratios of the calls made back to back;
a figure is "no worse" when that is <= MARGIN (the noise margin). A path with
a figure above it is measured again, twice as long, and judged on all its
samples.

Odoo's own paths (/jsonrpc execute_kw, /web/dataset/call_kw, /web/health)
run the same Odoo code on both sides: their ratios show what the run's noise
and the addon's server-wide loading do to them.
"""

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import types

import psutil

import bench  # bench/ is sys.path[0]
from bench import READ, RATE_LIMIT, Clients, Server, login, read_until, timed, write_pair

#: current / previous above this is "worse": the noise margin of this machine
MARGIN = 1.05
JSONRPC = "/jsonrpc execute_kw (password)"
CALL_KW = "/web/dataset/call_kw (session)"
HEALTH = "GET /web/health (no model call)"
BATCH = "/json-call batch of 100 reads"


def prepare_in_own_process(config, database):
    """bench.prepare in a process of its own: a process imports one copy of
    the addon, the one its configuration's addons path holds."""
    return subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--prepare", "--config", config, "--database", database],
        stdout=subprocess.PIPE,
        text=True,
    )


class Side:
    """One version: its configuration, database and, while measured, server."""

    def __init__(self, role, label, config, database, odoo_bin):
        self.role, self.label = role, label  # role: "previous" or "current", the key of its figures
        self.config, self.database, self.odoo_bin = config, database, odoo_bin
        self.server = self.clients = self.tokens = None
        self.uid = self.api_key = None

    def start(self, workers):
        options = types.SimpleNamespace(odoo_bin=self.odoo_bin, config=self.config, database=self.database)
        # assigned before it starts: a server that does not come up is stopped too
        self.server = Server.__new__(Server)
        Server.__init__(self.server, options, workers)
        token, uid = login(self.server.base, self.database)
        limited_token, _uid = login(self.server.base, self.database, rate_limit=RATE_LIMIT)
        self.tokens = (token, limited_token)
        self.clients = Clients(self.server.base, self.database, self.tokens, uid, self.api_key)
        self.paths = self.clients.paths()

    def served_version(self):
        """The addon's version as the server sees it: installed_version is
        read from the manifest the server loaded (its own addons path)."""
        (module,) = self.clients.jsonrpc_password(
            "ir.module.module",
            "search_read",
            [[("name", "=", "json_rpc_token")]],
            {"fields": ["installed_version", "latest_version", "state"]},
        )
        return module["installed_version"], module["latest_version"], module["state"]

    def stop(self):
        if self.server and hasattr(self.server, "process"):
            self.server.stop()
        self.server = None


def alternate(sides, n):
    """The two sides, the first one first on even turns."""
    return sides if n % 2 == 0 else sides[::-1]


def operations(side, name):
    """What a path's figures time on one side: {operation: callable}."""
    if name == HEALTH:
        return {"read": side.clients.health}
    if name == BATCH:
        return {"read": lambda: side.clients.json_call_batch([READ] * 100)}
    call = side.paths[name]
    return {"read": lambda: call(*READ), "write": lambda: write_pair(call)}


class Latency:
    """Samples (ms) per side, path and operation, the sides alternating call
    by call: previous then current, then current then previous."""

    def __init__(self, sides):
        self.sides, self.samples, self.turn = sides, {}, 0
        self.round, self.rounds_of = 0, {}  # the round of each sample
        self.names = [*sides[0].paths, HEALTH, BATCH]

    def measure(self, name, calls):
        for _n in range(calls):
            pair = alternate(self.sides, self.turn)
            self.turn += 1
            for op in operations(self.sides[0], name):
                for side in pair:
                    self.samples.setdefault((side.role, name, op), []).append(timed(operations(side, name)[op]))
                    self.rounds_of.setdefault((side.role, name, op), []).append(self.round)

    def calls(self, name, calls):
        """A batch of 100 reads takes as long as 10 to 20 small reads: 2 a round."""
        return 2 if name == BATCH else calls

    def run(self, rounds, calls, names=None):
        """``rounds`` rounds of ``calls`` calls per path, the paths in a new
        random order each round."""
        for _round in range(rounds):
            order = list(self.names if names is None else names)
            random.shuffle(order)
            for name in order:
                self.measure(name, self.calls(name, calls))
            self.round += 1

    def medians(self):
        return {key: statistics.median(values) for key, values in self.samples.items()}

    def ratios(self):
        """current / previous per path and operation: the median of the
        ratios of the calls made back to back. The machine's drift (load
        coming and going over seconds) falls on both calls of a pair and
        cancels, where a ratio of medians would compare two mixtures of
        calmer and busier stretches."""
        return {
            (name, op): statistics.median(new / old for old, new in zip(values, self.samples["current", name, op]))
            for (role, name, op), values in self.samples.items()
            if role == "previous"
        }

    def against(self, name, op, reference):
        """The current's ``name`` against its ``reference`` path: the median
        over rounds of the ratio of their medians in that round. A round's
        paths run seconds apart; the whole run, minutes, over which the
        machine's load may double."""
        rounds = {}
        for path in (name, reference):
            for round_, ms in zip(self.rounds_of["current", path, op], self.samples["current", path, op]):
                rounds.setdefault(round_, {}).setdefault(path, []).append(ms)
        return statistics.median(
            statistics.median(paths[name]) / statistics.median(paths[reference])
            for paths in rounds.values()
            if name in paths and reference in paths
        )

    def worse(self):
        """The paths with a figure above the margin."""
        return sorted({name for (name, _op), ratio in self.ratios().items() if ratio > MARGIN})


def throughput(sides, seconds, threads=8):
    """Requests/s of the small read with ``threads`` clients on each side,
    both sides at once, path by path: they share the machine's cores at the
    same moments, so that the side whose requests cost more serves fewer,
    whatever else the machine does meanwhile."""
    pools = {
        side.role: [
            Clients(side.server.base, side.database, side.tokens, side.clients.uid, side.api_key)
            for _n in range(threads)
        ]
        for side in sides
    }
    rates = {}

    for name in sides[0].paths:
        stop_at, counts = time.monotonic() + seconds, {side.role: [] for side in sides}
        pool = [
            threading.Thread(target=read_until, args=(pools[side.role][n].paths()[name], stop_at, counts[side.role]))
            for n in range(threads)
            for side in alternate(sides, n)
        ]
        started = time.monotonic()
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        elapsed = time.monotonic() - started
        for side in sides:
            rates[side.role, name] = sum(counts[side.role]) / elapsed
    return rates


def verdict(ratio):
    return "no worse" if ratio <= MARGIN else "WORSE"


def report(mode, measured, rates, rounds, calls, rechecked):
    """Prints the mode's tables; returns the (path, what) found worse."""
    previous, current = "previous", "current"
    sides, medians, ratios = measured.sides, measured.medians(), measured.ratios()
    worse = []
    print(f"\n== {mode}: {rounds} rounds x {calls} calls per path and side, the two sides alternating call by call ==")
    for op, title in (("read", "small read (search_read, 5 partners)"), ("write", "write (create + unlink)")):
        print(f"\n{title}, median ms/call")
        print(
            f"{'path':36} {'previous':>9} {'current':>9} {'cur/prev':>9}  {'verdict':9} "
            f"{'cur/jsonrpc':>11} {'cur/call_kw':>11}"
        )
        names = [*sides[0].paths] + ([HEALTH, BATCH] if op == "read" else [])
        for name in names:
            old, new = medians[previous, name, op], medians[current, name, op]
            ratio = ratios[name, op]
            if ratio > MARGIN:
                worse.append((mode, name, op))
            against = ""
            if name not in (HEALTH, BATCH):
                against = f"{measured.against(name, op, JSONRPC):11.2f} {measured.against(name, op, CALL_KW):11.2f}"
            mark = "*" if name in rechecked else ""
            print(f"{name:36} {old:9.2f} {new:9.2f} {ratio:9.3f}  {verdict(ratio) + mark:9} {against}")
    print(
        "ms: medians of all calls; cur/prev: median of the ratios of the calls made back to back; "
        "cur/jsonrpc,\ncur/call_kw: the current against its /jsonrpc execute_kw (password) and "
        "/web/dataset/call_kw (session),\nthe median over rounds of the ratio of the paths' medians "
        "in the round"
    )
    if rechecked:
        print(f"* above {MARGIN} at first: measured again for {2 * rounds} more rounds, judged on all its samples")
    if rates:
        print(
            "\nsmall read, requests/s with 8 client threads on each side, both sides at once "
            "(higher is better); not judged:\n16 client threads in one Python process on this "
            "machine's cores swing these by more than the margin"
        )
        print(f"{'path':36} {'previous':>9} {'current':>9} {'cur/prev':>9}")
        for name in sides[0].paths:
            old, new = rates[previous, name], rates[current, name]
            print(f"{name:36} {old:9.0f} {new:9.0f} {new / old:9.3f}")
    return worse


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("--previous", nargs=3, metavar=("LABEL", "CONFIG", "DATABASE"), required=True)
    parser.add_argument("--current", nargs=3, metavar=("LABEL", "CONFIG", "DATABASE"), required=True)
    parser.add_argument(
        "--expect",
        nargs=2,
        metavar=("PREVIOUS_VERSION", "CURRENT_VERSION"),
        required=True,
        help="the addon's manifest version each server must serve",
    )
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--calls", type=int, default=20, help="calls per path, round and side")
    parser.add_argument("--dump", metavar="PREFIX", help="write the samples to PREFIX.<workers>.json")
    parser.add_argument(
        "--seconds",
        type=float,
        default=0,
        help="also requests/s under 8 client threads per side, both sides at once for "
        "this long per path; shown, not judged (default 0: not measured)",
    )
    options = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))  # stop the servers on the way out
    random.seed(1)
    started = time.monotonic()
    sides = [Side("previous", *options.previous, options.odoo_bin), Side("current", *options.current, options.odoo_bin)]
    preparing = [prepare_in_own_process(side.config, side.database) for side in sides]
    for side, process in zip(sides, preparing):
        out, _err = process.communicate()
        if process.returncode:
            raise SystemExit(f"preparing {side.database} failed")
        side.uid, side.api_key = json.loads(out.splitlines()[-1])
    print(
        f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
        f"load average {os.getloadavg()[0]:.2f}; Python {sys.version.split()[0]}; "
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}"
    )
    print(f"previous: {sides[0].label}, database {sides[0].database}")
    print(f"current:  {sides[1].label}, database {sides[1].database}")
    worse = []
    for workers in (0, 2):
        mode = "threaded" if not workers else f"--workers={workers}"
        try:
            for side in sides:
                side.start(workers)
            for side, expected in zip(sides, options.expect):
                installed, in_database, state = side.served_version()
                if (installed, state) != (expected, "installed") or in_database != installed:
                    raise SystemExit(
                        f"{side.label}: the server serves json_rpc_token {installed} "
                        f"({state}, {in_database} in the database), not {expected}"
                    )
            for side in sides:  # warm every path and worker
                for call in side.paths.values():
                    for _n in range(20):
                        call(*READ)
            measured = Latency(sides)
            measured.run(options.rounds, options.calls)
            # a figure above the margin is measured again, twice as long, and
            # judged on all its samples: one slow stretch of the machine can
            # push a path over 1.05 (an A/A run, the same code on both sides,
            # found 4 figures in 40 between 1.05 and 1.12 on a loaded machine)
            rechecked = measured.worse()
            measured.run(2 * options.rounds, options.calls, rechecked)
            if options.dump:
                with open(f"{options.dump}.{workers}.json", "w") as dump:
                    json.dump([[*key, values] for key, values in measured.samples.items()], dump)
            rates = throughput(sides, options.seconds) if options.seconds else {}
        finally:
            for side in sides:
                side.stop()
        worse += report(mode, measured, rates, options.rounds, options.calls, rechecked)
    print(f"\nnoise margin: a figure is no worse when current/previous <= {MARGIN}")
    if worse:
        print(
            f"verdict: {len(worse)} figure(s) worse than the previous release: "
            + "; ".join(f"{mode} {name} {what}" for mode, name, what in worse)
        )
    else:
        print("verdict: every figure no worse than the previous release")
    print(f"measured in {time.monotonic() - started:.0f} s")
    return 1 if worse else 0


def prepare_here():
    """--prepare --config C --database D: bench.prepare, its result as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    options = parser.parse_args()
    print(json.dumps(bench.prepare(options)))


if __name__ == "__main__":
    if "--prepare" in sys.argv:
        prepare_here()
    else:
        sys.exit(main())

"""Side-by-side benchmark of /json-call and Odoo's own RPC paths.

Starts a real Odoo server (threaded, then --workers=2) on the benchmark
database and, in the same run, interleaving the paths round by round,
measures:

* a small read: res.partner.search_read([], ['name'], limit=5);
* a write: create + unlink of one partner;
* 100 small reads as one /json-call batch against 100 single requests
  (/json-call, and /jsonrpc execute_kw);
* GET /web/health, a request that calls no model: Odoo's floor;

over /json-call (token in the body, and as a Bearer header; and with a rate
limit on: a token limited to RATE_LIMIT calls per minute, which the run never
reaches, so that what counting costs shows), /jsonrpc
execute_kw (password, API key, and this addon's token as the password),
Odoo 19's JSON-2 and the REST routes with a token, and /web/dataset/call_kw
with a session cookie. Then requests/s with 8 client threads, and the server processes'
memory. Last, in-process, the token check with 1 and with 100 000 tokens in
the table (rolled back afterwards), and one rate counter statement.
"""

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

import psutil
import requests

PASSWORD = "admin"
READ = ("res.partner", "search_read", [[]], {"fields": ["name"], "limit": 5})
#: the limit of the rate-limited path: never reached by the run, so its calls
#: are all counted and all served
RATE_LIMIT = 100_000


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, options, workers):
        # options.port: a port of the caller's choice (and the next for gevent)
        port = getattr(options, "port", None)
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # -d without --db-filter: Odoo lists no databases per request (see README)
        command = [
            sys.executable,
            options.odoo_bin,
            "-c",
            options.config,
            "-d",
            options.database,
            f"--http-port={self.port}",
            "--http-interface=127.0.0.1",
            f"--gevent-port={port + 1 if port else free_port()}",
            "--max-cron-threads=0",
            "--log-level=warn",
            "--load=base,web,json_rpc_token",
            f"--workers={workers}",
        ]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(self.base + "/web/health", timeout=5).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the Odoo server did not start")
            time.sleep(0.3)

    def rss_mib(self):
        process = psutil.Process(self.process.pid)
        return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**20

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(30)


def jsonrpc_body(params, request_id=1):
    return {"jsonrpc": "2.0", "method": "call", "params": params, "id": request_id}


def checked(response):
    answer = response.json()
    if isinstance(answer, dict) and "error" in answer:
        raise RuntimeError(f"{response.url}: {answer['error']}")
    return answer


class Clients:
    """One way per path to call model.method(*args, **kwargs), each with its
    own keep-alive HTTP session."""

    def __init__(self, base, database, tokens, uid, api_key):
        self.base, self.database, self.uid, self.api_key = base, database, uid, api_key
        self.token, self.limited_token = tokens
        self.http = requests.Session()
        web = requests.Session()
        checked(
            web.post(
                base + "/web/session/authenticate",
                json=jsonrpc_body({"db": database, "login": "admin", "password": PASSWORD}),
            )
        )
        self.web = web

    def json_call_body(self, model, method, args, kwargs):
        return checked(
            self.http.post(
                self.base + "/json-call",
                json=jsonrpc_body(
                    {"token": self.token, "model": model, "method": method, "args": args, "kwargs": kwargs}
                ),
            )
        )["result"]

    def json_call_bearer(self, model, method, args, kwargs, token=None):
        return checked(
            self.http.post(
                self.base + "/json-call",
                headers={"Authorization": f"Bearer {token or self.token}"},
                json=jsonrpc_body({"model": model, "method": method, "args": args, "kwargs": kwargs}),
            )
        )["result"]

    def json_call_limited(self, model, method, args, kwargs):
        """/json-call (Bearer) with a token limited to RATE_LIMIT calls a minute."""
        return self.json_call_bearer(model, method, args, kwargs, token=self.limited_token)

    def _execute_kw(self, secret, model, method, args, kwargs):
        return checked(
            self.http.post(
                self.base + "/jsonrpc",
                json=jsonrpc_body(
                    {
                        "service": "object",
                        "method": "execute_kw",
                        "args": [self.database, self.uid, secret, model, method, args, kwargs],
                    }
                ),
            )
        )["result"]

    def jsonrpc_password(self, model, method, args, kwargs):
        return self._execute_kw(PASSWORD, model, method, args, kwargs)

    def jsonrpc_api_key(self, model, method, args, kwargs):
        return self._execute_kw(self.api_key, model, method, args, kwargs)

    def jsonrpc_token(self, model, method, args, kwargs):
        """The token as the password of Odoo's own execute_kw."""
        return self._execute_kw(self.token, model, method, args, kwargs)

    def json2_bearer(self, model, method, args, kwargs):
        """Odoo 19's JSON-2: arguments by name, ``ids`` for record methods."""
        named = {
            "search_read": lambda: {"domain": args[0], **kwargs},
            "create": lambda: {"vals_list": args[0]},
            "unlink": lambda: {"ids": args[0]},
        }[method]()
        response = self.http.post(
            f"{self.base}/json/2/{model}/{method}", json=named, headers={"Authorization": f"bearer {self.token}"}
        )
        if response.status_code != 200:
            raise RuntimeError(f"{response.url}: {response.status_code} {response.text[:300]}")
        return response.json()

    def rest_bearer(self, model, method, args, kwargs):
        """odoo-rest-api's REST: GET a page (with its count), POST, DELETE."""
        headers = {"Authorization": f"Bearer {self.token}"}
        if method == "search_read":
            query = "{" + ", ".join(kwargs["fields"]) + "}"
            return checked(
                self.http.get(
                    f"{self.base}/api/{model}/",
                    headers=headers,
                    params={"query": query, "filter": json.dumps(args[0]), "limit": kwargs["limit"]},
                )
            )["result"]
        if method == "create":
            return checked(
                self.http.post(f"{self.base}/api/{model}/", headers=headers, json={"params": {"data": args[0]}})
            )["result"]
        return checked(self.http.delete(f"{self.base}/api/{model}/{args[0][0]}/", headers=headers))["result"]

    def call_kw_session(self, model, method, args, kwargs):
        return checked(
            self.web.post(
                f"{self.base}/web/dataset/call_kw/{model}/{method}",
                json=jsonrpc_body({"model": model, "method": method, "args": args, "kwargs": kwargs}),
            )
        )["result"]

    def health(self):
        """Odoo's floor: a request that calls no model (HTTP, routing, session)."""
        response = self.http.get(self.base + "/web/health")
        assert response.ok

    def json_call_batch(self, calls):
        batch = [
            {"jsonrpc": "2.0", "id": n, "params": {"model": m, "method": f, "args": a, "kwargs": k}}
            for n, (m, f, a, k) in enumerate(calls)
        ]
        answers = checked(
            self.http.post(self.base + "/json-call", json=batch, headers={"Authorization": f"Bearer {self.token}"})
        )
        assert len(answers) == len(calls) and all("result" in answer for answer in answers), answers[:2]
        return answers

    def paths(self):
        return {
            "/json-call (token in body)": self.json_call_body,
            "/json-call (Bearer header)": self.json_call_bearer,
            "/json-call (Bearer, rate limit on)": self.json_call_limited,
            "/jsonrpc execute_kw (password)": self.jsonrpc_password,
            "/jsonrpc execute_kw (API key)": self.jsonrpc_api_key,
            "/jsonrpc execute_kw (token)": self.jsonrpc_token,
            "/json/2 (Bearer token)": self.json2_bearer,
            "/api REST (Bearer token)": self.rest_bearer,
            "/web/dataset/call_kw (session)": self.call_kw_session,
        }


def prepare(options):
    """Committed set-up through Odoo itself: demo partners, an API key, a token."""
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", options.config, "-d", options.database, "--log-level=warn"])
    with Registry(options.database).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["ir.config_parameter"].set_param("base.login_cooldown_after", 0)
        missing = 20 - env["res.partner"].search_count([])
        if missing > 0:
            env["res.partner"].create([{"name": f"Bench partner {n}"} for n in range(missing)])
        admin = env.ref("base.user_admin")
        api_key = env["res.users.apikeys"].with_user(admin)._generate(None, "bench", None)
    return admin.id, api_key


def login(base, database, **options):
    answer = checked(
        requests.post(
            base + "/json-call/user_authenticate",
            json=jsonrpc_body(
                {"login": "admin", "password": PASSWORD, "db": database, "label": "benchmark", **options}
            ),
        )
    )
    return answer["result"]["token"], answer["result"]["uid"]


def timed(func, *args):
    start = time.perf_counter()
    func(*args)
    return (time.perf_counter() - start) * 1000


def write_pair(call):
    partner = call("res.partner", "create", [{"name": "bench write"}], {})
    call("res.partner", "unlink", [[partner]], {})


def latency(clients, rounds, calls):
    """Median ms per operation, paths interleaved in a new random order each round."""
    paths = clients.paths()
    samples = {(name, op): [] for name in paths for op in ("read", "write")}
    batch_samples = {
        "100 single /json-call reads": [],
        "1 /json-call batch of 100 reads": [],
        "100 single /jsonrpc reads": [],
    }
    floor = []
    for _round in range(rounds):
        order = list(paths.items())
        random.shuffle(order)
        for name, call in order:
            for _n in range(calls):
                samples[name, "read"].append(timed(call, *READ))
                samples[name, "write"].append(timed(write_pair, call))
        floor.extend(timed(clients.health) for _n in range(calls))
        batch_samples["100 single /json-call reads"].append(
            timed(lambda: [clients.json_call_bearer(*READ) for _n in range(100)])
        )
        batch_samples["1 /json-call batch of 100 reads"].append(timed(clients.json_call_batch, [READ] * 100))
        batch_samples["100 single /jsonrpc reads"].append(
            timed(lambda: [clients.jsonrpc_password(*READ) for _n in range(100)])
        )
    return (
        {key: statistics.median(values) for key, values in samples.items()},
        {key: statistics.median(values) for key, values in batch_samples.items()},
        statistics.median(floor),
    )


def rate_limit_cost(clients, calls):
    """Median ms of the small read through /json-call (Bearer) without and
    with a rate limit, alternating call by call (AB, BA, ...): the two
    medians then see the same moments of the machine, whose drift would
    otherwise swamp a difference of a few per cent."""
    samples = {False: [], True: []}
    for n in range(calls):
        for limited in (False, True) if n % 2 else (True, False):
            call = clients.json_call_limited if limited else clients.json_call_bearer
            samples[limited].append(timed(call, *READ))
    return statistics.median(samples[False]), statistics.median(samples[True])


def read_until(call, stop_at, counts):
    """A client thread of a requests/s measure: small reads until ``stop_at``
    (monotonic), then how many it made, appended to ``counts``."""
    count = 0
    while time.monotonic() < stop_at:
        call(*READ)
        count += 1
    counts.append(count)


def throughput(base, database, tokens, uid, api_key, seconds, threads=8):
    """Requests/s of the small read with ``threads`` clients, each path in turn."""
    results = {}
    # set up before the clock runs: a session login hashes a password
    # (hundreds of ms on a loaded machine, and 8 of them ate the 5 seconds)
    pool_clients = [Clients(base, database, tokens, uid, api_key) for _n in range(threads)]
    names = list(pool_clients[0].paths())

    for name in names:
        stop_at, counts = time.monotonic() + seconds, []
        pool = [
            threading.Thread(target=read_until, args=(clients.paths()[name], stop_at, counts))
            for clients in pool_clients
        ]
        started = time.monotonic()
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        results[name] = sum(counts) / (time.monotonic() - started)
    return results


def token_check(options, extra_tokens=100_000, rounds=4, samples=60, warm_samples=1000):
    """Median µs of api.token._check_secret, cold (cache cleared, so index
    lookup + pbkdf2 verification) and warm (cached), with 1 token and with
    ``extra_tokens`` more in the table. The two states alternate round by
    round so that the machine's drift falls on both alike; the filler rows
    are committed, then deleted and vacuumed, as a live table would be."""
    import odoo
    from odoo.addons.json_rpc_token.models import api_token
    from odoo.modules.registry import Registry

    registry = Registry(options.database)
    labels = ("1 token", f"{extra_tokens + 1:,} tokens")
    cold, warm = {label: [] for label in labels}, {label: [] for label in labels}

    def vacuum():
        subprocess.run(["psql", "-q", "-d", options.database, "-c", "VACUUM ANALYZE api_token"], check=True)

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        Token = env["api.token"]
        cr.execute("DELETE FROM api_token WHERE name IN ('filler', 'bench check')")
        _record, secret = Token._issue(env.ref("base.user_admin"), "bench check", None)
        cr.commit()
        vacuum()

        def measure(label):
            for _n in range(samples):
                api_token._verified_hashes.clear()  # cold: the secret's hash is verified again
                start = time.perf_counter()
                Token._check_secret(secret)
                cold[label].append((time.perf_counter() - start) * 1e6)
            for _n in range(warm_samples):
                start = time.perf_counter()
                Token._check_secret(secret)
                warm[label].append((time.perf_counter() - start) * 1e6)
            cr.rollback()

        for _round in range(rounds):
            measure(labels[0])
            cr.execute(
                """INSERT INTO api_token (name, user_id, token_index, token_hash, create_date, write_date)
                          SELECT 'filler', 2, substr(md5(random()::text), 1, 16), 'x', now(), now()
                            FROM generate_series(1, %s)""",
                [extra_tokens],
            )
            cr.commit()
            vacuum()
            measure(labels[1])
            cr.execute("DELETE FROM api_token WHERE name IN ('filler')")
            cr.commit()
            vacuum()
        cr.execute("DELETE FROM api_token WHERE name = 'bench check'")
        cr.commit()
    return {label: (statistics.median(cold[label]), statistics.median(warm[label])) for label in labels}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--calls", type=int, default=20, help="calls per path and round")
    parser.add_argument("--seconds", type=float, default=5, help="duration of each throughput run")
    options = parser.parse_args()
    random.seed(1)
    uid, api_key = prepare(options)
    print(
        f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB; "
        f"Python {sys.version.split()[0]}; database {options.database}"
    )
    for workers in (0, 2):
        mode = "threaded" if not workers else f"--workers={workers}"
        server = Server(options, workers)
        try:
            token, uid = login(server.base, options.database)
            limited_token, _uid = login(server.base, options.database, rate_limit=RATE_LIMIT)
            tokens = (token, limited_token)
            clients = Clients(server.base, options.database, tokens, uid, api_key)
            for call in clients.paths().values():  # warm every path and worker
                for _n in range(20):
                    call(*READ)
            medians, batch, floor = latency(clients, options.rounds, options.calls)
            rate_off, rate_on = rate_limit_cost(clients, options.rounds * options.calls * 5)
            rates = throughput(server.base, options.database, tokens, uid, api_key, options.seconds)
            rss = server.rss_mib()
        finally:
            server.stop()
        print(f"\n== {mode}: {options.rounds} interleaved rounds x {options.calls} calls per path ==")
        print(f"{'path':34} {'read ms':>8} {'write ms':>9} {'read req/s (8 threads)':>23}")
        for name in clients.paths():
            print(f"{name:34} {medians[name, 'read']:8.2f} {medians[name, 'write']:9.2f} {rates[name]:23.0f}")
        print(f"{'GET /web/health (no model call)':34} {floor:8.2f}  <- Odoo's floor for any request")
        ours = medians["/json-call (Bearer header)", "read"]
        print(
            f"ratio read /json-call (Bearer) / jsonrpc execute_kw (password): "
            f"{ours / medians['/jsonrpc execute_kw (password)', 'read']:.2f}  (target <= 0.75)"
        )
        print(
            f"ratio read /json-call (Bearer) / call_kw (session):             "
            f"{ours / medians['/web/dataset/call_kw (session)', 'read']:.2f}  (target <= 1.0)"
        )
        limited = medians["/json-call (Bearer, rate limit on)", "read"]
        print(
            f"ratio read /json-call (Bearer) rate limit on / off:          {limited / ours:.3f}  "
            f"(goal <= 1.05; a limit of {RATE_LIMIT} calls/min, counted {RATE_LIMIT // 200} at a time)"
        )
        print(
            f"   the same, alternating call by call ({options.rounds * options.calls * 5} calls each): "
            f"{rate_off:.2f} ms off, {rate_on:.2f} ms on, ratio {rate_on / rate_off:.3f}"
        )
        for name in ("/jsonrpc execute_kw (token)", "/json/2 (Bearer token)", "/api REST (Bearer token)"):
            print(
                f"ratio read {name} / jsonrpc execute_kw (password): "
                f"{medians[name, 'read'] / medians['/jsonrpc execute_kw (password)', 'read']:.2f}"
            )
        print(
            f"ratio read /jsonrpc execute_kw token / API key: "
            f"{medians['/jsonrpc execute_kw (token)', 'read'] / medians['/jsonrpc execute_kw (API key)', 'read']:.2f}"
            f"  (target <= 1.0)"
        )
        singles, batched = batch["100 single /json-call reads"], batch["1 /json-call batch of 100 reads"]
        print(
            f"100 reads: {singles:.1f} ms as single requests, {batched:.1f} ms as one batch: "
            f"{singles / batched:.1f}x faster  (target >= 10x)"
        )
        jsonrpc_singles = batch["100 single /jsonrpc reads"]
        print(
            f"           {jsonrpc_singles:.1f} ms as single /jsonrpc execute_kw requests: "
            f"the batch is {jsonrpc_singles / batched:.1f}x faster"
        )
        print(f"server memory after the run (all processes): {rss:.0f} MiB")
    print("\n== token check (in-process; 4 alternating rounds, medians of 240 uncached, 4000 cached) ==")
    checks = token_check(options)
    for label, (cold, warm) in checks.items():
        print(f"{label:>16}: {cold:8.0f} µs uncached (index + pbkdf2), {warm:6.1f} µs cached")
    (cold_1, warm_1), (cold_n, warm_n) = checks.values()
    print(f"ratio 100k/1: uncached {cold_n / cold_1:.2f}, cached {warm_n / warm_1:.2f}  (target within 10%)")
    print(
        f"rate counter: {rate_counter(options):.0f} µs per statement (a call's cost under 400 calls/min, "
        f"where calls are counted one at a time)"
    )


def rate_counter(options, samples=2000):
    """Median µs of one rate counter statement (a cursor of its own, one
    call of json_rpc_token_rate_take), as a call pays it when its limit is
    under 400 a minute."""
    import odoo
    from odoo.modules.registry import Registry

    registry = Registry(options.database)
    timings = []
    with registry.cursor() as cr:
        Limits = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})["api.token.rate.limit"]
        for _n in range(samples):
            start = time.perf_counter()
            Limits._reserve("bench", 1, 10**9)
            timings.append((time.perf_counter() - start) * 1e6)
        cr.execute("DELETE FROM api_token_rate WHERE key = 'bench'")
    return statistics.median(timings)


if __name__ == "__main__":
    main()

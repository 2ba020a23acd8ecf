"""The sync benchmark: paging through every partner, on every path.

What a connector spends its time on is reading whole tables page by page.
``bench/run.sh --sync`` makes a throwaway database (a copy of the benchmark
database, dropped at the end), fills it with SIZES[0] partners (companies
and their contacts: name, email, phone, street, city, zip, a country and a
parent company), starts a real server of this tree as the README's
production set-up has it (threaded, ``-d`` and no ``--db-filter``, the
addon loaded server-wide), and reads every partner, pages of PAGE_SIZE rows,
FIELDS (8, of which 2 many2one), ordered by id, on each path (Paths.paths): Odoo's
own RPC, each dialect of the addon by offset and by cursor (``after``), an
NDJSON stream of the whole set in one request, and the floor: the same
columns straight from PostgreSQL (psycopg2 + ``json.dumps``). The paths run
in sweeps, each sweep every path once in a new random order, so that the
machine's other work weighs on each alike; rows/s is the median of the
sweeps, the ratio to /jsonrpc the median of the sweeps' ratios. Then:

* the last page (page 50 at 100 000 rows) against page 1, by offset and by
  cursor, the two alternating call by call;
* MCP's ``tools/call search_records`` against ``/json-call``
  ``search_read`` of the same page (MCP_PAGE rows, MCP's limit is 200 and
  40 000 characters), alternating call by call;
* the server's memory (RSS, from /proc) before and after each streamed
  read.

With ``--sync-large`` the database then grows to SIZES[1] partners and the
sweeps run again. Last (unless ``--no-profile``), in a process of its
own with the server stopped: cProfile of one page in the middle of the set
on each path, through Odoo's own WSGI application in-process (the same
request handling as the server, without the socket), broken down as issue #22
asks: the ORM's search (with its OFFSET), its read
and ``_read_format``, many2one display names, record rules, REST's count,
JSON encoding, and the SQL statements per page.
"""

import argparse
import cProfile
import json
import os
import pstats
import random
import signal
import statistics
import subprocess
import sys
import time

import psutil
import requests

from bench import PASSWORD, Server, checked, jsonrpc_body, login  # bench/ is sys.path[0]

#: the partners of the run, then of ``--sync-large``
SIZES = (20_000, 100_000)
PAGE_SIZE = 2000
FIELDS = ["name", "email", "phone", "street", "city", "zip", "country_id", "parent_id"]
#: the same fields in REST's query language, the many2one as {id, display_name}
REST_QUERY = "{id, name, email, phone, street, city, zip, country_id{id, display_name}, parent_id{id, display_name}}"
ORDER = "id"
NDJSON = "application/x-ndjson"
#: MCP answers at most 200 records and 40 000 characters: a page it answers whole
MCP_PAGE = 100
#: the page of the "page N against page 1" figure (when the set has that many)
LATE_PAGE = 50
BASELINE = "/jsonrpc execute_kw search_read (password), offset"
FLOOR = "PostgreSQL + json.dumps (the floor), keyset"
MIB = 2**20
#: what a server gives Odoo of the client (werkzeug's test client gives no address)
CLIENT_ENVIRON = {"REMOTE_ADDR": "127.0.0.1"}


# --------------------------------------------------------------------- data
def connect(database):
    """A psycopg2 connection to ``database`` as Odoo's configuration reaches it."""
    import odoo

    return odoo.sql_db.db_connect(database).cursor()


def grow(database, total):
    """Add partners until res_partner holds ``total`` active ones, in blocks
    of ten as they are made: a company, then its nine contacts (parent_id),
    so that every page holds both; countries spread over all."""
    with connect(database) as cr:
        cr.execute("SELECT count(*), coalesce(max(id), 0) FROM res_partner WHERE active")
        count, first = cr.fetchone()
        if count >= total:
            return
        cr.execute(
            """
            WITH country AS (SELECT array_agg(id ORDER BY id) AS ids FROM res_country)
            INSERT INTO res_partner (name, complete_name, email, phone, street, city, zip, country_id, is_company,
                                     type, active, lang, ref, create_uid, write_uid, create_date, write_date)
            SELECT kind || ' ' || n, kind || ' ' || n, lower(kind) || n || '@example.com',
                   '+32 470 ' || lpad((n %% 1000000)::text, 6, '0'), n || ' Station Road', 'City ' || (n %% 500),
                   lpad((n %% 9000 + 1000)::text, 4, '0'), country.ids[1 + n %% array_length(country.ids, 1)],
                   kind = 'Company', 'contact', true, 'en_US', 'sync-' || n, 1, 1,
                   now() at time zone 'UTC', now() at time zone 'UTC'
              FROM generate_series(%s, %s) n, country,
                   LATERAL (SELECT CASE WHEN n %% 10 = 0 THEN 'Company' ELSE 'Contact' END AS kind) kind
             ORDER BY n""",
            [first, first + total - count - 1],
        )
        # each contact's company: the company made just before it
        cr.execute(
            """
            UPDATE res_partner contact
               SET parent_id = company.id, commercial_partner_id = company.id,
                   complete_name = company.name || ', ' || contact.name
              FROM res_partner company
             WHERE contact.id > %s AND NOT contact.is_company AND contact.parent_id IS NULL
               AND company.ref = 'sync-' || (substr(contact.ref, 6)::int / 10 * 10)
               AND company.id > %s""",
            [first, first - 10],
        )
        cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE commercial_partner_id IS NULL")
        cr.commit()
    subprocess.run(["psql", "-q", "-X", "-d", database, "-c", "VACUUM ANALYZE res_partner"], check=True)


# -------------------------------------------------------------------- paths
class Paths:
    """One page function per path: ``page(state) -> (rows, next state or
    None)``, the first state being ``None``; every path reads FIELDS of the
    active partners ordered by id."""

    def __init__(self, base, database, token, uid, page_size=PAGE_SIZE):
        self.base, self.database, self.uid, self.size = base, database, uid, page_size
        self.http = requests.Session()
        self.bearer = {"Authorization": f"Bearer {token}"}
        self.web = requests.Session()
        checked(
            self.web.post(
                base + "/web/session/authenticate",
                json=jsonrpc_body({"db": database, "login": "admin", "password": PASSWORD}),
            )
        )

    def _by_offset(self, read, offset):
        records = read(offset or 0)
        more = len(records) == self.size
        return len(records), (offset or 0) + self.size if more else None

    def _kwargs(self, offset):
        return {"fields": FIELDS, "offset": offset, "limit": self.size, "order": ORDER}

    def jsonrpc(self, offset):
        return self._by_offset(
            lambda offset: checked(
                self.http.post(
                    self.base + "/jsonrpc",
                    json=jsonrpc_body(
                        {
                            "service": "object",
                            "method": "execute_kw",
                            "args": [
                                self.database,
                                self.uid,
                                PASSWORD,
                                "res.partner",
                                "search_read",
                                [[]],
                                self._kwargs(offset),
                            ],
                        }
                    ),
                )
            )["result"],
            offset,
        )

    def call_kw(self, offset):
        return self._by_offset(
            lambda offset: checked(
                self.web.post(
                    self.base + "/web/dataset/call_kw/res.partner/search_read",
                    json=jsonrpc_body(
                        {"model": "res.partner", "method": "search_read", "args": [[]], "kwargs": self._kwargs(offset)}
                    ),
                )
            )["result"],
            offset,
        )

    def _json_call(self, kwargs):
        return checked(
            self.http.post(
                self.base + "/json-call",
                headers=self.bearer,
                json=jsonrpc_body({"model": "res.partner", "method": "search_read", "args": [[]], "kwargs": kwargs}),
            )
        )["result"]

    def json_call(self, offset):
        return self._by_offset(lambda offset: self._json_call(self._kwargs(offset)), offset)

    def json_call_after(self, after):
        answer = self._json_call({"fields": FIELDS, "limit": self.size, "order": ORDER, "after": after})
        return len(answer["records"]), answer["next"]

    def _json2(self, body, headers=None):
        response = self.http.post(
            self.base + "/json/2/res.partner/search_read", headers={**self.bearer, **(headers or {})}, json=body
        )
        if response.status_code != 200:
            raise RuntimeError(f"{response.url}: {response.status_code} {response.text[:300]}")
        return response

    def json2(self, offset):
        return self._by_offset(lambda offset: self._json2({"domain": [], **self._kwargs(offset)}).json(), offset)

    def json2_after(self, after):
        answer = self._json2(
            {"domain": [], "fields": FIELDS, "limit": self.size, "order": ORDER, "after": after}
        ).json()
        return len(answer["records"]), answer["next"]

    def _rest(self, params):
        return checked(
            self.http.get(
                self.base + "/api/res.partner/",
                headers=self.bearer,
                params={"query": REST_QUERY, "order": ORDER, "page_size": self.size, **params},
            )
        )

    def rest(self, page):
        answer = self._rest({"page": page or 1})
        return len(answer["result"]), answer["next"]

    def rest_after(self, after):
        answer = self._rest({"after": after or ""})
        return len(answer["result"]), answer["next_cursor"]

    def stream(self, _state):
        """Every partner in one request, as NDJSON lines, read as they come."""
        body = {"domain": [], "fields": FIELDS, "order": ORDER}
        with self.http.post(
            self.base + "/json/2/res.partner/search_read",
            stream=True,
            json=body,
            headers={**self.bearer, "Accept": NDJSON},
        ) as response:
            response.raise_for_status()
            assert response.headers["Content-Type"].startswith(NDJSON), response.headers
            rows = sum(1 for line in response.iter_lines() if line)
        return rows, None

    def mcp(self, offset, size):
        """MCP's search_records of ``size`` rows at ``offset``: its records."""
        answer = checked(
            self.http.post(
                self.base + "/mcp",
                headers={
                    **self.bearer,
                    "Accept": "application/json, text/event-stream",
                    "MCP-Protocol-Version": "2025-06-18",
                },
                json={
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "tools/call",
                    "params": {
                        "name": "search_records",
                        "arguments": {
                            "model": "res.partner",
                            "domain": [],
                            "fields": FIELDS,
                            "order": ORDER,
                            "offset": offset,
                            "limit": size,
                        },
                    },
                },
            )
        )["result"]
        structured = answer["structuredContent"]
        if answer.get("isError") or "note" in structured:
            raise RuntimeError(f"MCP search_records: {answer['content'][0]['text']}")
        return structured["records"]

    def json_call_page(self, offset, size):
        return self._json_call({"fields": FIELDS, "offset": offset, "limit": size, "order": ORDER})

    def paths(self):
        return {
            BASELINE: self.jsonrpc,
            "/web/dataset/call_kw search_read (session), offset": self.call_kw,
            "/json-call search_read (Bearer), offset": self.json_call,
            "/json-call search_read (Bearer), cursor": self.json_call_after,
            "JSON-2 search_read, offset": self.json2,
            "JSON-2 search_read, cursor": self.json2_after,
            "REST GET /api (page, page_size), page": self.rest,
            "REST GET /api (after, page_size), cursor": self.rest_after,
            "JSON-2 NDJSON stream, one request": self.stream,
        }


class Floor:
    """The same columns straight from PostgreSQL, keyset pages, encoded with
    json.dumps as the ORM answers them (many2one as [id, name])."""

    QUERY = """SELECT p.id, p.name, p.email, p.phone, p.street, p.city, p.zip,
                      p.country_id, c.name->>'en_US', p.parent_id, parent.complete_name
                 FROM res_partner p
            LEFT JOIN res_country c ON c.id = p.country_id
            LEFT JOIN res_partner parent ON parent.id = p.parent_id
                WHERE p.active AND p.id > %s
             ORDER BY p.id LIMIT %s"""

    def __init__(self, database, page_size=PAGE_SIZE):
        self.cr, self.size = connect(database), page_size

    def page(self, last_id):
        self.cr.execute(self.QUERY, [last_id or 0, self.size])
        rows = self.cr.fetchall()
        json.dumps(
            [
                {
                    "id": row[0],
                    "name": row[1],
                    "email": row[2] or False,
                    "phone": row[3] or False,
                    "street": row[4] or False,
                    "city": row[5] or False,
                    "zip": row[6] or False,
                    "country_id": [row[7], row[8]] if row[7] else False,
                    "parent_id": [row[9], row[10]] if row[9] else False,
                }
                for row in rows
            ]
        )
        self.cr.rollback()
        return len(rows), rows[-1][0] if len(rows) == self.size else None


# ------------------------------------------------------------------ measure
def walk(page):
    """Every page of a path: (rows, seconds, [(state, seconds) per page])."""
    state, rows, pages = None, 0, []
    started = time.perf_counter()
    while True:
        start = time.perf_counter()
        count, following = page(state)
        pages.append((state, time.perf_counter() - start))
        rows += count
        if following is None:
            return rows, time.perf_counter() - started, pages
        state = following


def rss_mib(pid):
    """Resident memory of the process and its children, from /proc."""
    total = 0
    for process in [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]:
        with open(f"/proc/{process.pid}/status") as status:
            total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return total / 1024


def sweeps(paths, floor, server_pid, count):
    """``count`` sweeps of every path in a new random order each: rows/s
    per path and sweep, the rows read, the pages' states and times of the
    last sweep, and the server's RSS growth per stream."""
    order = [*paths.items(), (FLOOR, floor.page)]
    rates, rows_seen, last_pages, growth = {name: [] for name, _page in order}, {}, {}, []  # the table's order
    for sweep in range(count):
        random.shuffle(order)
        for name, page in order:
            before = rss_mib(server_pid) if page == paths.get("JSON-2 NDJSON stream, one request") else None
            rows, seconds, pages = walk(page)
            if before is not None:
                growth.append((before, rss_mib(server_pid)))
            rates[name].append(rows / seconds)
            rows_seen.setdefault(name, set()).add(rows)
            last_pages[name] = pages
        print(
            f"  sweep {sweep + 1}/{count}: "
            + ", ".join(f"{name.split(' ')[0]} {rates[name][-1]:.0f}" for name, _page in order),
            file=sys.stderr,
        )
    return rates, rows_seen, last_pages, growth


def late_against_first(paths, last_pages, names, rows, calls):
    """Median seconds of page 1 and of page LATE_PAGE (or the last page, in
    a smaller set) on each of ``names``, the two alternating call by call."""
    results = {}
    for name in names:
        pages = last_pages[name]
        late = min(LATE_PAGE, rows // PAGE_SIZE) - 1  # a full page: an offset paging ends with an empty one
        first_state, late_state = pages[0][0], pages[late][0]
        first, later = [], []
        for n in range(calls):
            for state, samples in ((first_state, first), (late_state, later))[:: 1 if n % 2 else -1]:
                start = time.perf_counter()
                paths[name](state)
                samples.append(time.perf_counter() - start)
        results[name] = (late + 1, statistics.median(first), statistics.median(later))
    return results


def mcp_against_json_call(client, rows, calls):
    """Median ms of MCP search_records and of /json-call search_read of the
    same MCP_PAGE rows (a page in the middle of the set), alternating."""
    offset = (rows // 2) // MCP_PAGE * MCP_PAGE
    mcp_records = client.mcp(offset, MCP_PAGE)
    json_call_records = client.json_call_page(offset, MCP_PAGE)
    assert [r["id"] for r in mcp_records] == [r["id"] for r in json_call_records], "not the same page"
    samples = {"mcp": [], "json-call": []}
    for n in range(calls):
        for which in ("mcp", "json-call") if n % 2 else ("json-call", "mcp"):
            start = time.perf_counter()
            if which == "mcp":
                client.mcp(offset, MCP_PAGE)
            else:
                client.json_call_page(offset, MCP_PAGE)
            samples[which].append((time.perf_counter() - start) * 1000)
    return statistics.median(samples["mcp"]), statistics.median(samples["json-call"])


def report(size, sweep_rates, rows_seen, growth, late, mcp, sweep_count):
    """The run's table. rows/s: the median of the sweeps; against /jsonrpc:
    the median of the sweeps' ratios (a sweep's paths run minutes apart at
    most; the whole run, over which the machine's load may double)."""
    width = max(len(name) for name in sweep_rates) + 2
    rates = {name: statistics.median(values) for name, values in sweep_rates.items()}
    against = {
        name: statistics.median(rate / baseline for rate, baseline in zip(values, sweep_rates[BASELINE]))
        for name, values in sweep_rates.items()
    }
    print(
        f"\n== {size:,} partners, pages of {PAGE_SIZE} rows, {len(FIELDS)} fields (2 many2one), ordered by id; "
        f"{sweep_count} interleaved sweeps =="
    )
    border = "=" * width + "  " + "=" * 9 + "  " + "=" * 10
    print(border)
    print(f"{'path':{width}}  {'rows/s':>9}  {'vs jsonrpc':>10}")
    print(border)
    for name, rate in rates.items():
        rows = "/".join(str(r) for r in sorted(rows_seen[name]))
        print(
            f"{name:{width}}  {rate:9.0f}  {against[name]:10.2f}"
            + (f"  ({rows} rows!)" if len(rows_seen[name]) > 1 or rows_seen[name] != {size} else "")
        )
    print(border)
    print("rows/s: the median of the sweeps; vs jsonrpc: the median of the sweeps' ratios")
    tokens = {
        name: ratio for name, ratio in against.items() if name not in (BASELINE, FLOOR) and not name.startswith("/web/")
    }
    fastest = max(tokens, key=tokens.get)
    rest = max(ratio for name, ratio in against.items() if name.startswith("REST"))
    print(
        f"fastest token path: {fastest}, {tokens[fastest]:.2f}x /jsonrpc (goal >= 3.0); "
        f"the floor is {against[FLOOR]:.2f}x"
    )
    print(f"REST, best of page and cursor: {rest:.2f}x /jsonrpc (goal >= 2.0)")
    for name, (page, first, later) in late.items():
        print(
            f"page {page} against page 1, {name}: {later * 1000:.0f} ms / {first * 1000:.0f} ms = "
            f"{later / first:.2f}" + ("  (goal for a cursor: <= 1.2)" if "cursor" in name else "")
        )
    mcp_ms, json_call_ms = mcp
    print(
        f"MCP tools/call search_records against /json-call search_read, the same {MCP_PAGE} rows: "
        f"{mcp_ms:.1f} ms / {json_call_ms:.1f} ms = {mcp_ms / json_call_ms:.2f}  (goal <= 1.10)"
    )
    print(
        "server RSS around each NDJSON stream of the whole set (MiB): "
        + ", ".join(f"{before:.0f} -> {after:.0f} (+{after - before:.1f})" for before, after in growth)
        + ("  (goal for 100 000 rows: < 50 MiB growth)" if size >= SIZES[1] else "")
    )


def measure(options, size, server, sweep_count):
    token, uid = login(server.base, options.database)
    client = Paths(server.base, options.database, token, uid)
    paths, floor = client.paths(), Floor(options.database)
    for page in paths.values():  # warm every path (registry, caches, code)
        page(None)
    floor.page(None)
    rates, rows_seen, last_pages, growth = sweeps(paths, floor, server.process.pid, sweep_count)
    late = late_against_first(
        {**paths, FLOOR: floor.page},
        last_pages,
        [
            "/json-call search_read (Bearer), offset",
            "/json-call search_read (Bearer), cursor",
            "JSON-2 search_read, cursor",
            "REST GET /api (page, page_size), page",
            "REST GET /api (after, page_size), cursor",
        ],
        size,
        options.late_calls,
    )
    mcp = mcp_against_json_call(client, size, options.mcp_calls)
    floor.cr.close()
    report(size, rates, rows_seen, growth, late, mcp, sweep_count)


# ------------------------------------------------------------------ profile
class InProcess:
    """Requests to Odoo's WSGI application in this process (werkzeug's test
    client): Odoo's whole request handling, without the socket."""

    def __init__(self, application):
        from werkzeug.test import Client

        self.client = Client(application)

    def post(self, path, body, headers=None):
        return self._checked(self.client.post(path, json=body, headers=headers or {}, environ_base=CLIENT_ENVIRON))

    def get(self, path, params, headers=None):
        return self._checked(
            self.client.get(path, query_string=params, headers=headers or {}, environ_base=CLIENT_ENVIRON)
        )

    def _checked(self, response):
        assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:300])
        return response


def profiled_requests(odoo, database, middle):
    """{path: a function sending its request of the page at row ``middle``}."""
    wsgi = InProcess(odoo.http.root)
    answer = wsgi.post(
        "/json-call/user_authenticate",
        jsonrpc_body({"login": "admin", "password": PASSWORD, "db": database, "label": "sync profile"}),
    ).json["result"]
    bearer = {"Authorization": f"Bearer {answer['token']}"}
    wsgi.post("/web/session/authenticate", jsonrpc_body({"db": database, "login": "admin", "password": PASSWORD}))
    call = {"model": "res.partner", "method": "search_read", "args": [[]]}
    kwargs = {"fields": FIELDS, "offset": middle, "limit": PAGE_SIZE, "order": ORDER}
    cursor_kwargs = {"fields": FIELDS, "limit": PAGE_SIZE, "order": ORDER}
    # the cursor after the row before the middle page: one call reads up to there
    after = wsgi.post(
        "/json-call",
        jsonrpc_body({**call, "kwargs": {"fields": ["id"], "order": ORDER, "limit": middle, "after": None}}),
        bearer,
    ).json["result"]["next"]
    rest = {"query": REST_QUERY, "order": ORDER, "page_size": PAGE_SIZE}
    rest_after = ""
    for _page in range(middle // PAGE_SIZE):
        rest_after = wsgi.get("/api/res.partner/", {**rest, "after": rest_after}, bearer).json["next_cursor"]
    mcp_headers = {**bearer, "Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"}
    mcp_call = {
        "name": "search_records",
        "arguments": {
            "model": "res.partner",
            "domain": [],
            "fields": FIELDS,
            "order": ORDER,
            "offset": middle,
            "limit": MCP_PAGE,
        },
    }
    return {
        BASELINE: lambda: wsgi.post(
            "/jsonrpc",
            jsonrpc_body(
                {
                    "service": "object",
                    "method": "execute_kw",
                    "args": [database, answer["uid"], PASSWORD, "res.partner", "search_read", [[]], kwargs],
                }
            ),
        ),
        "/web/dataset/call_kw search_read (session), offset": lambda: wsgi.post(
            "/web/dataset/call_kw/res.partner/search_read", jsonrpc_body({**call, "kwargs": kwargs})
        ),
        "/json-call search_read (Bearer), offset": lambda: wsgi.post(
            "/json-call", jsonrpc_body({**call, "kwargs": kwargs}), bearer
        ),
        "/json-call search_read (Bearer), cursor": lambda: wsgi.post(
            "/json-call", jsonrpc_body({**call, "kwargs": {**cursor_kwargs, "after": after}}), bearer
        ),
        "JSON-2 search_read, offset": lambda: wsgi.post(
            "/json/2/res.partner/search_read", {"domain": [], **kwargs}, bearer
        ),
        "JSON-2 search_read, cursor": lambda: wsgi.post(
            "/json/2/res.partner/search_read", {"domain": [], **cursor_kwargs, "after": after}, bearer
        ),
        "REST GET /api (page, page_size), page": lambda: wsgi.get(
            "/api/res.partner/", {**rest, "page": middle // PAGE_SIZE + 1}, bearer
        ),
        "REST GET /api (after, page_size), cursor": lambda: wsgi.get(
            "/api/res.partner/", {**rest, "after": rest_after}, bearer
        ),
        f"MCP search_records ({MCP_PAGE} rows)": lambda: wsgi.post(
            "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": mcp_call}, mcp_headers
        ),
        f"/json-call search_read ({MCP_PAGE} rows)": lambda: wsgi.post(
            "/json-call", jsonrpc_body({**call, "kwargs": {**kwargs, "limit": MCP_PAGE}}), bearer
        ),
    }


def profile_parts(odoo, database):
    """{part: (title, functions, how their cumulative times add up)}: the
    parts are disjoint in the call tree but for the indented ones."""
    from odoo.addons.json_rpc_token.core import encoding, keyset, orm_call  # importable once the addons path is set
    from odoo.modules.registry import Registry

    models, fields = odoo.models.BaseModel, odoo.fields
    partner = Registry(database)["res.partner"]  # the class with every installed module's methods
    return {
        "search": (
            "ORM search: the query, with its OFFSET and record rules, and its rows (search_fetch; "
            "the cursor's keyset.page)",
            [models.search_fetch, keyset.page],
            sum,
        ),
        "read": (
            "ORM read: _read_format (web_read for REST's relations, which calls it; the addon's "
            "orm_call._read_rows, _read_format with the many2one names)",
            [partner.web_read, models._read_format, orm_call._read_rows],
            max,
        ),
        "m2o": (
            "  of which many2one names: Many2one.convert_to_read, or the display names REST and "
            "the addon's orm_call._display_names read",
            [
                fields.Many2one.convert_to_read,
                models._compute_display_name,
                partner._compute_display_name,
                orm_call._display_names,
            ],
            max,
        ),
        "rules": (
            "  record rules: _apply_ir_rules in the search, _check_access in the read",
            [models._apply_ir_rules, models._check_access],
            sum,
        ),
        "count": ("search_count (REST's total pages)", [models.search_count], sum),
        "encode": ("JSON encoding (json.dumps; the addon's encoding.dumps)", [json.dumps, encoding.dumps], max),
        "sql": (
            "SQL, all statements (Cursor.execute): their time, and (statements) their number",
            [odoo.sql_db.Cursor.execute],
            sum,
        ),
    }


def profile_key(function):
    """The key of ``function`` in cProfile's statistics."""
    import inspect

    code = inspect.unwrap(function).__code__
    return code.co_filename, code.co_firstlineno, code.co_name


def quickest_profile(send, runs):
    """The statistics of the quickest of ``runs`` profiled calls: the least
    disturbed by the machine's other work. ``(total ms, profiler, stats)``."""
    profiles = []
    for _run in range(runs):
        profiler = cProfile.Profile()
        profiler.runcall(send)
        stats = pstats.Stats(profiler).stats
        profiles.append((sum(entry[2] for entry in stats.values()) * 1000, profiler, stats))
    return min(profiles, key=lambda measured: measured[0])


def profile(options):
    """cProfile of one page in the middle of the set on each path, through
    Odoo's WSGI application in this process, after a warm-up call each."""
    import odoo

    odoo.tools.config.parse_config(
        [
            "-c",
            options.config,
            "-d",
            options.database,
            "--log-level=warn",
            "--load=base,web,json_rpc_token",
            "--max-cron-threads=0",
        ]
    )
    odoo.service.server.load_server_wide_modules()
    with connect(options.database) as cr:
        cr.execute("SELECT count(*) FROM res_partner WHERE active")
        rows = cr.fetchone()[0]
    middle = (rows // 2) // PAGE_SIZE * PAGE_SIZE
    requests_ = profiled_requests(odoo, options.database, middle)
    for send in requests_.values():  # warm up: caches, code
        send()
    parts = profile_parts(odoo, options.database)
    execute = profile_key(odoo.sql_db.Cursor.execute)
    print(
        f"\n== where the time goes: cProfile of one page at row {middle} of {rows} ({PAGE_SIZE} rows), "
        f"in-process WSGI,\nthe quickest of {options.profile_runs} after a warm-up call; ms under cProfile, "
        "which slows Python code down =="
    )
    header = ["total", "search", "read", "m2o", "rules", "count", "encode", "other", "sql", "statements"]
    width = max(len(name) for name in requests_) + 2
    print(f"{'path':{width}}" + "".join(f"{column:>11}" for column in header))
    for name, send in requests_.items():
        total, profiler, stats = quickest_profile(send, options.profile_runs)
        figures = {
            part: combine([stats[profile_key(f)][3] if profile_key(f) in stats else 0 for f in functions]) * 1000
            for part, (_title, functions, combine) in parts.items()
        }
        other = total - sum(figures[part] for part in ("search", "read", "count", "encode"))
        line = [total, *(figures[part] for part in header[1:7]), other, figures["sql"]]
        print(
            f"{name:{width}}"
            + "".join(f"{value:11.0f}" for value in line)
            + f"{stats[execute][1] if execute in stats else 0:11d}"
        )
        if options.profile_dump:
            profiler.dump_stats(
                os.path.join(options.profile_dump, "".join(char if char.isalnum() else "_" for char in name) + ".prof")
            )
    for part, (title, _functions, _combine) in parts.items():
        print(f"  {part}: {title}")
    print(
        "  other: the rest: HTTP, routing, token check, transaction, the dialect's own code (/jsonrpc: Odoo's "
        "walk of the answer, _traverse_containers)"
    )


# --------------------------------------------------------------------- main
def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True, help="a throwaway database: partners are added to it")
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("--sync-rows", type=int, default=SIZES[0], help="partners of the first part")
    parser.add_argument(
        "--sync-large",
        nargs="?",
        type=int,
        const=SIZES[1],
        default=0,
        metavar="ROWS",
        help=f"then grow to ROWS partners (default {SIZES[1]}) and run the sweeps again",
    )
    parser.add_argument("--sweeps", type=int, default=3)
    parser.add_argument("--large-sweeps", type=int, help="sweeps of the --sync-large part (default: --sweeps)")
    parser.add_argument(
        "--port", type=int, help="the server's HTTP port (default: a free one); PORT+1: its gevent port"
    )
    parser.add_argument("--late-calls", type=int, default=10, help="calls of page 1 and of the late page each")
    parser.add_argument("--mcp-calls", type=int, default=40, help="calls of MCP and of /json-call each")
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    parser.add_argument("--profile-only", action="store_true", help="(internal) the profile, in this process")
    parser.add_argument("--profile-runs", type=int, default=3, help="profiles per path: the quickest is shown")
    parser.add_argument("--profile-dump", metavar="DIR", help="also write each path's profile to DIR")
    options = parser.parse_args()
    if options.profile_only:
        return profile(options)
    import odoo

    odoo.tools.config.parse_config(["-c", options.config, "-d", options.database, "--log-level=warn"])
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))  # stop the server on the way out
    random.seed(1)
    started = time.monotonic()
    print(
        f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / MIB / 1024:.0f} GiB, load average "
        f"{os.getloadavg()[0]:.2f}; Python {sys.version.split()[0]}; {time.strftime('%Y-%m-%d %H:%M %Z')}; "
        f"database {options.database}"
    )
    for size in (options.sync_rows, *([options.sync_large] if options.sync_large else [])):
        filling = time.monotonic()
        grow(options.database, size)
        print(f"{size:,} partners ready in {time.monotonic() - filling:.0f} s", file=sys.stderr)
        server = Server(options, 0)
        try:
            large = size != options.sync_rows
            measure(options, size, server, options.large_sweeps if large and options.large_sweeps else options.sweeps)
        finally:
            server.stop()
        if options.profile and size == options.sync_rows:
            sys.stdout.flush()
            subprocess.run([sys.executable, os.path.abspath(__file__), *sys.argv[1:], "--profile-only"], check=True)
    print(f"\nbench/run.sh --sync took {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

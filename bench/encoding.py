"""What encoding costs in a 2 000-row page, and what orjson would save
(issue #22, doc/performance.rst):

    python3 bench/encoding.py --config ODOO_CONF --database DB --odoo-bin ODOO_SRC/odoo-bin \\
        [--before OTHER_CONF] [--partners 20000] [--rounds 10] [--ports FIRST]

On DB (the addon installed; partners are added up to --partners: companies,
and contacts with an email, a phone, a street, a city, a country and a
company as parent), in-process: a 2 000-row ``search_read`` page
(8 fields, 2 of them many2one) as the admin user, its SQL statements,
Odoo's ``search_read`` against the addon's (many2one names read once per
related model), and its JSON encoded by each way in turn: ``json.dumps`` as before
``core/encoding.py``; ``encoding.dumps`` (the spaced form every dialect
answers); the compact form with the standard library and with orjson
(with the check that it writes the same bytes); orjson's indented form
turned into the spaced one (the way not taken). Then over HTTP, on a real
threaded server of the config (and of --before's, a config whose addons
path holds another version of the addon, on the same database: the two
servers answer alternately, call by call), the median ms of the page and of
the small read of bench/bench.py, through ``/json-call`` (Bearer).
"""

import argparse
import functools
import json
import os
import random
import statistics
import sys
import time
import types

import bench  # bench/ is sys.path[0]
from bench import READ, Clients, Server, login, timed

FIELDS = ["name", "email", "phone", "street", "city", "is_company", "country_id", "parent_id"]
PAGE = ("res.partner", "search_read", [[]], {"fields": FIELDS, "offset": 2000, "limit": 2000, "order": "id"})


def prepare(options):
    """Partners up to --partners (committed), an API key; the page's values,
    SQL statements and in-process timings."""
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", options.config, "-d", options.database, "--log-level=warn"])
    from odoo.addons.json_rpc_token.core import encoding, orm_call

    with Registry(options.database).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["ir.config_parameter"].set_param("base.login_cooldown_after", 0)
        partners = env["res.partner"]
        missing = options.partners - partners.search_count([])
        if missing > 0:
            rnd = random.Random(22)
            countries = env["res.country"].search([], limit=30).ids
            companies = partners.create(
                [
                    {
                        "name": f"Company {n} SA",
                        "is_company": True,
                        "city": "Liège",
                        "country_id": rnd.choice(countries),
                    }
                    for n in range(200)
                ]
            )
            for start in range(0, missing - 200, 2000):
                partners.create(
                    [
                        {
                            "name": f"Contact {n} Ünïcode",
                            "email": f"contact{n}@example.com",
                            "phone": "+32 2 555 %05d" % n,
                            "street": f"Rue {n}",
                            "city": rnd.choice(["Brussels", "Gent", "Zürich", "Kraków"]),
                            "country_id": rnd.choice(countries),
                            "parent_id": rnd.choice(companies.ids),
                        }
                        for n in range(start, min(start + 2000, missing - 200))
                    ]
                )
        admin = env.ref("base.user_admin")
        api_key = env["res.users.apikeys"].with_user(admin)._generate(None, "bench", None)
        cr.commit()
        user_env = env(user=admin.id, context={"lang": "en_US", "tz": "Europe/Brussels"})
        model, _method, args, kwargs = PAGE

        def page():
            user_env.invalidate_all()
            return user_env[model].search_read(*args, **kwargs)

        page()  # the registry's caches warm, as in a server
        rows, statements = _with_statements(page)
        body = {"jsonrpc": "2.0", "id": 1, "result": rows}
        scalar = {**kwargs, "fields": [name for name in FIELDS if partners._fields[name].type != "many2one"]}

        def fetch():
            user_env.invalidate_all()
            return user_env[model].search_fetch(
                args[0], FIELDS, offset=kwargs["offset"], limit=kwargs["limit"], order=kwargs["order"]
            )

        def scalar_page():
            user_env.invalidate_all()
            return user_env[model].search_read(*args, **scalar)

        def addon_page():
            user_env.invalidate_all()
            return orm_call.execute(user_env, model, "search_read", args, kwargs)

        assert addon_page() == rows
        ways = {
            "Odoo's search_read of the page": page,
            "  its search_fetch (SQL, cache)": fetch,
            "  search_read without the 2 many2one": scalar_page,
            "the addon's search_read (orm_call.execute)": addon_page,
            "json.dumps (before core/encoding.py)": lambda: json.dumps(
                body, ensure_ascii=False, default=orm_call.json_default
            ).encode(),
            "encoding.dumps, spaced (every dialect's answer)": lambda: encoding.dumps(body),
            "compact, standard library": lambda: encoding._COMPACT.encode(body).encode(),
            "compact, encoding.dumps (orjson + check)": lambda: encoding.dumps(body, compact=True),
            "the check alone": lambda: encoding._orjson_writes_the_same(body),
        }
        if encoding.orjson is not None:
            spaced = encoding.orjson.OPT_INDENT_2 | encoding._ORJSON_OPTIONS
            ways["orjson indented, re-spaced (not taken)"] = lambda: _respaced(
                encoding.orjson.dumps(body, default=orm_call.json_default, option=spaced)
            )
            assert _respaced(
                encoding.orjson.dumps(body, default=orm_call.json_default, option=spaced)
            ) == encoding.dumps(body)
        figures = {}
        for label, way in ways.items():
            way()
            samples = []
            for _n in range(options.rounds * 3):
                start = time.perf_counter()
                way()
                samples.append((time.perf_counter() - start) * 1000)
            figures[label] = statistics.median(samples)
        return admin.id, api_key, statements, len(encoding.dumps(body)), figures


def _with_statements(function):
    """``function()`` and the SQL statements it ran, per table (Odoo's
    odoo.sql_db debug log)."""
    import logging
    import re

    tables = []

    class Collect(logging.Handler):
        def emit(self, record):
            found = re.search(r'FROM "(\w+)"', record.getMessage())
            tables.append(found.group(1) if found else "?")

    logger, handler = logging.getLogger("odoo.sql_db"), Collect()
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        result = function()
    finally:
        logger.setLevel(level)
        logger.propagate = propagate
        logger.removeHandler(handler)
    return result, {table: tables.count(table) for table in tables}


def _respaced(data):
    """orjson's indented bytes with the standard library's ", " and ": "."""
    return b"".join(map(bytes.lstrip, data.replace(b",\n", b", \n").split(b"\n")))


def over_http(options, api_key):
    """Median ms of the page and of the small read per server, the servers
    alternating call by call."""
    configs = {"current": options.config, **({"before": options.before} if options.before else {})}
    servers, clients = {}, {}
    try:
        for role, config in configs.items():
            servers[role] = Server(
                types.SimpleNamespace(odoo_bin=options.odoo_bin, config=config, database=options.database), 0
            )
            token, uid = login(servers[role].base, options.database)
            clients[role] = Clients(servers[role].base, options.database, (token, token), uid, api_key)
        samples = {(role, call): [] for role in configs for call in ("page", "small read")}
        for n in range(options.rounds * 10):
            roles = list(configs) if n % 2 else list(reversed(configs))
            for role in roles:
                if n % 5 == 0:
                    samples[role, "page"].append(timed(clients[role].json_call_bearer, *PAGE))
                samples[role, "small read"].append(timed(clients[role].json_call_bearer, *READ))
        return {key: statistics.median(values[1:]) for key, values in samples.items()}
    finally:
        for server in servers.values():
            server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("--before", help="the config of another version of the addon, on the same database")
    parser.add_argument("--partners", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--ports", type=int, help="servers' ports from PORTS on (else free ones)")
    options = parser.parse_args()
    if options.ports:
        bench.free_port = functools.partial(next, iter(range(options.ports, options.ports + 10)))
    _uid, api_key, statements, size, figures = prepare(options)
    print(f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; database {options.database}")
    print(f"2 000-row page: {size} bytes of JSON, {sum(statements.values())} SQL statements: {statements}")
    for label, ms in figures.items():
        print(f"  {label:<50} {ms:8.2f} ms")
    for (role, call), ms in over_http(options, api_key).items():
        print(f"  HTTP /json-call (Bearer) {call:<12} {role:<8} {ms:8.2f} ms")


if __name__ == "__main__":
    sys.exit(main())

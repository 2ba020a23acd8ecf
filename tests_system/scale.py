"""Scale-out pieces for the live tests (not a test module): a throwaway
PostgreSQL primary and streaming replica (:mod:`.pg_clusters`: never the
machine's own clusters) holding a copy of the second test database, Odoo
servers reading on the replica, nginx in front of them. Shared by
bench/scale.py too, on the replica devtools/replica.sh keeps."""

import contextlib
import os
import shutil
import subprocess
import textwrap
import time
from pathlib import Path

import psycopg2

from . import pg_clusters
from .live import DB_B, login, post, wait_until_healthy

#: a computed field (of no module: created by the tests) that says where
#: the call's reads ran: "True" on the replica (in recovery), "False" on the primary
WHERE_FIELD = "x_jrt_in_recovery"
WHERE_CODE = textwrap.dedent("""\
    self.env.cr.execute("SELECT pg_is_in_recovery()")
    where = str(self.env.cr.fetchone()[0])
    for record in self:
        record['x_jrt_in_recovery'] = where
""")
#: a field whose reading writes (a counter parameter, created beforehand:
#: the ORM writes it at the flush, outside the field's code, which would
#: turn any error into a ValueError): a "read" that writes
WRITING_FIELD = "x_jrt_counts_reads"
WRITING_CODE = textwrap.dedent("""\
    params = self.env['ir.config_parameter'].sudo()
    params.set_param('jrt.reads', str(int(params.get_param('jrt.reads', '0')) + 1))
    self.env.cr.execute("SELECT pg_is_in_recovery()")
    where = str(self.env.cr.fetchone()[0])
    for record in self:
        record['x_jrt_counts_reads'] = where
""")


class Clusters:
    """A PostgreSQL primary, its streaming replica, and ``db``, the database
    the servers use on them. Each side is anything with ``connect(dbname)``
    (a :class:`.pg_clusters.Cluster`, or :func:`machine` for the benchmark's)."""

    def __init__(self, primary, replica, db):
        self.primary, self.replica, self.db = primary, replica, db

    def odoo_options(self):
        """Odoo's options for a server writing on the primary and reading on
        the replica (only what differs from the configuration file: none
        for the machine's own primary)."""
        options = {**self.primary.odoo_options("db_"), **self.replica.odoo_options("db_replica_")}
        return [f"--{name}={value}" for name, value in options.items() if value]

    def sql(self, dbname, query, args=(), replica=False):
        with (
            contextlib.closing((self.replica if replica else self.primary).connect(dbname)) as connection,
            connection.cursor() as cr,
        ):
            cr.execute(query, args)
            return cr.fetchall() if cr.description else None

    def wait_replayed(self, timeout=60):
        """Wait until the replica has replayed all the primary has written now."""
        # the insert position: with synchronous_commit off (pg_clusters), a
        # commit may still wait in the WAL buffers, past the write position
        target = self.sql("postgres", "SELECT pg_current_wal_insert_lsn()")[0][0]
        deadline = time.monotonic() + timeout
        while not self.sql("postgres", "SELECT pg_last_wal_replay_lsn() >= %s", [target], replica=True)[0][0]:
            assert time.monotonic() < deadline, "the replica does not replay"
            time.sleep(0.05)

    @contextlib.contextmanager
    def replay_paused(self):
        """The replica receives the primary's WAL but applies none of it (a
        replica lagging as long as the block lasts)."""
        with contextlib.closing(self.replica.connect("postgres")) as connection, connection.cursor() as cr:
            connection.autocommit = True
            cr.execute("SELECT pg_wal_replay_pause()")
            # a pause is only requested until the startup process takes it:
            # what arrives before then is still applied
            deadline = time.monotonic() + 10
            while True:
                cr.execute("SELECT pg_get_wal_replay_pause_state()")
                if cr.fetchone()[0] == "paused" or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            try:
                yield
            finally:
                cr.execute("SELECT pg_wal_replay_resume()")


@contextlib.contextmanager
def throwaway_clusters(source_db=DB_B):
    """:class:`Clusters`: a throwaway primary holding a copy of ``source_db``
    (same name: Odoo finds the same filestore) and its streaming replica,
    removed at the end of the block, whatever happened. The copy is in the
    replica's base backup: the replica has it from its first start."""
    with pg_clusters.primary_and_replica(prepare=lambda primary: primary.restore(source_db)) as (primary, replica):
        yield Clusters(primary, replica, source_db)


class _Machine:
    """A cluster of the machine, reached as Odoo's configuration reaches it
    (``db_host = False``: the default socket directory)."""

    def __init__(self, port=None, socket_dir=None):
        self.port, self.socket_dir = port, socket_dir

    def connect(self, dbname):
        connection = psycopg2.connect(dbname=dbname, host=self.socket_dir, port=self.port)
        connection.autocommit = True
        return connection

    def odoo_options(self, prefix):
        return {f"{prefix}host": self.socket_dir, f"{prefix}port": self.port and str(self.port)}


def machine(db):
    """:class:`Clusters` of the machine's own cluster and of the replica
    devtools/replica.sh keeps of it (port ``JSON_RPC_TOKEN_REPLICA_PORT``):
    the benchmark's, which a user runs on purpose."""
    return Clusters(
        _Machine(), _Machine(int(os.environ.get("JSON_RPC_TOKEN_REPLICA_PORT") or 5433), "/var/run/postgresql"), db
    )


def call(base, db, token, model, method, *args, **kwargs):
    """A /json-call; its ``result``, or the error object."""
    answer = post(
        base,
        "/json-call",
        {"db": db, "model": model, "method": method, "args": list(args), "kwargs": kwargs},
        headers={"Authorization": f"Bearer {token}"},
    )
    return answer.get("result", answer.get("error"))


def add_partner_fields(base, db, admin, fields):
    """Add to res.partner each computed, unstored char field of ``fields``
    (``(name, compute code)`` pairs) that it lacks, through ``/json-call``
    with the administrator's token ``admin``."""
    model_id = call(base, db, admin, "ir.model", "search", [["model", "=", "res.partner"]])[0]
    for name, code in fields:
        if not call(base, db, admin, "ir.model.fields", "search", [["model", "=", "res.partner"], ["name", "=", name]]):
            created = call(
                base,
                db,
                admin,
                "ir.model.fields",
                "create",
                {
                    "model_id": model_id,
                    "name": name,
                    "field_description": name,
                    "ttype": "char",
                    "store": False,
                    "compute": code,
                },
            )
            assert isinstance(created, int), created


def add_computed_fields(base, clusters):
    """Add :data:`WHERE_FIELD` and :data:`WRITING_FIELD` to res.partner
    (idempotent), as the administrator, and wait until the replica has
    them; returns the administrator's token."""
    db = clusters.db
    admin = login(base, db)
    add_partner_fields(base, db, admin, ((WHERE_FIELD, WHERE_CODE), (WRITING_FIELD, WRITING_CODE)))
    if not call(base, db, admin, "ir.config_parameter", "get_param", "jrt.reads"):
        call(base, db, admin, "ir.config_parameter", "set_param", "jrt.reads", "0")
    clusters.wait_replayed()
    return admin


#: the nginx configuration devtools/cluster.sh and the README use
NGINX_TEMPLATE = Path(__file__).resolve().parent.parent / "devtools" / "nginx.conf.template"


@contextlib.contextmanager
def nginx(directory, port, upstream_ports):
    """nginx on ``port``, balancing round robin over the Odoo servers on
    ``upstream_ports``; yields its base URL."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in upstream_ports)
    conf = directory / "nginx.conf"
    conf.write_text(
        NGINX_TEMPLATE.read_text()
        .replace("@DIR@", str(directory))
        .replace("@PORT@", str(port))
        .replace("@SERVERS@", servers)
    )
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen(
        [binary, "-c", str(conf), "-p", str(directory), "-e", str(directory / "error.log"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(process, base, 30, lambda: f"nginx exited: {(directory / 'error.log').read_text()[-2000:]}")
        yield base
    finally:
        process.terminate()
        process.wait(30)

"""Scale-out pieces for the live tests (not a test module): the replica that
devtools/replica.sh keeps (port ``JSON_RPC_TOKEN_REPLICA_PORT``), Odoo
servers reading on it, nginx in front of them, and the scale test database
(``JSON_RPC_TOKEN_SCALE_DB``, a copy of the test database that only these
tests change). Shared by bench/scale.py too."""
import contextlib
import fcntl
import os
import shutil
import subprocess
import textwrap
import time
from pathlib import Path

import psycopg2
import pytest

from .live import login, post, wait_until_healthy

SCALE_DB = os.environ.get("JSON_RPC_TOKEN_SCALE_DB")
REPLICA_PORT = int(os.environ.get("JSON_RPC_TOKEN_REPLICA_PORT") or 5433)
REPLICA_LOCK = os.environ.get("JSON_RPC_TOKEN_REPLICA_LOCK")
SOCKET_DIR = "/var/run/postgresql"

needs_replica = pytest.mark.skipif(
    not (SCALE_DB and REPLICA_LOCK), reason="run through devtools/test.sh, which sets up the replica")

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


def replica_options():
    """Odoo's options for reading on the replica (unix socket, as the primary)."""
    return [f"--db_replica_host={SOCKET_DIR}", f"--db_replica_port={REPLICA_PORT}"]


def connect(dbname, replica=False):
    connection = psycopg2.connect(dbname=dbname, host=SOCKET_DIR, port=REPLICA_PORT if replica else None)
    connection.autocommit = True
    return connection


def sql(dbname, query, args=(), replica=False):
    with contextlib.closing(connect(dbname, replica)) as connection, connection.cursor() as cr:
        cr.execute(query, args)
        return cr.fetchall() if cr.description else None


def wait_replayed(timeout=60):
    """Wait until the replica has replayed all the primary has written now."""
    target = sql("postgres", "SELECT pg_current_wal_lsn()")[0][0]
    deadline = time.monotonic() + timeout
    while not sql("postgres", "SELECT pg_last_wal_replay_lsn() >= %s", [target], replica=True)[0][0]:
        assert time.monotonic() < deadline, "the replica does not replay"
        time.sleep(0.05)


@contextlib.contextmanager
def replay_paused():
    """The replica receives the primary's WAL but applies none of it (a
    replica lagging as long as the block lasts). One test run of the machine
    at a time pauses it: the lock devtools/replica.sh takes."""
    with open(REPLICA_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with contextlib.closing(connect("postgres", replica=True)) as connection, connection.cursor() as cr:
            cr.execute("SELECT pg_wal_replay_pause()")
            try:
                yield
            finally:
                cr.execute("SELECT pg_wal_replay_resume()")


def call(base, db, token, model, method, *args, **kwargs):
    """A /json-call; its ``result``, or the error object."""
    answer = post(base, "/json-call", {"db": db, "model": model, "method": method, "args": list(args),
                                       "kwargs": kwargs}, headers={"Authorization": f"Bearer {token}"})
    return answer.get("result", answer.get("error"))


def add_computed_fields(base, db):
    """Add :data:`WHERE_FIELD` and :data:`WRITING_FIELD` to res.partner
    (idempotent), as the administrator; returns the administrator's token."""
    admin = login(base, db)
    model_id = call(base, db, admin, "ir.model", "search", [["model", "=", "res.partner"]])[0]
    for name, code in ((WHERE_FIELD, WHERE_CODE), (WRITING_FIELD, WRITING_CODE)):
        if not call(base, db, admin, "ir.model.fields", "search", [["model", "=", "res.partner"], ["name", "=", name]]):
            created = call(base, db, admin, "ir.model.fields", "create", {
                "model_id": model_id, "name": name, "field_description": name, "ttype": "char",
                "store": False, "compute": code})
            assert isinstance(created, int), created
    if not call(base, db, admin, "ir.config_parameter", "get_param", "jrt.reads"):
        call(base, db, admin, "ir.config_parameter", "set_param", "jrt.reads", "0")
    wait_replayed()
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
    conf.write_text(NGINX_TEMPLATE.read_text().replace("@DIR@", str(directory)).replace("@PORT@", str(port))
                    .replace("@SERVERS@", servers))
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen([binary, "-c", str(conf), "-p", str(directory), "-e", str(directory / "error.log"),
                                "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(process, base, 30, lambda: f"nginx exited: {(directory / 'error.log').read_text()[-2000:]}")
        yield base
    finally:
        process.terminate()
        process.wait(30)

"""Throwaway PostgreSQL clusters for the live tests (not a test module): a
primary on a free port and, if asked, a streaming replica of it, each in a
directory of its own under /tmp, run by PostgreSQL's own ``initdb`` and
``pg_ctl`` as the ``postgres`` system user (PostgreSQL refuses root), with
the test's user (``root``) as their superuser. They listen on their socket
directory only (no TCP port opened on the machine), sync nothing to disk
(made again rather than recovered), and are stopped and removed when the
block ends, whatever happened.

Unlike devtools/replica.sh's replica of the machine's own cluster (for
devtools/cluster.sh and the benchmark, which a user runs on purpose), these
leave the machine's clusters as they were, and may be crashed, frozen and
killed: the fault tests do. Use::

    with pg_clusters.primary_and_replica(prepare=lambda primary: primary.restore(source_db)) as (primary, replica):
        ...options of an Odoo server: primary.odoo_options() + replica.odoo_options("db_replica_")
"""

import contextlib
import getpass
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2

from .live import free_port

BINDIR = Path(
    os.environ.get("JSON_RPC_TOKEN_PG_BINDIR")
    or next(
        iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True)),
        Path("/usr/lib/postgresql/15/bin"),
    )
)
#: the system user that runs the clusters: PostgreSQL refuses to run as root
OWNER = "postgres" if os.geteuid() == 0 else getpass.getuser()
#: the clusters' superuser: the test's own user, as on the machine's cluster
SUPERUSER = getpass.getuser()


def _as_owner(*command, **kwargs):
    if os.geteuid() == 0 and OWNER != "root":
        command = ("runuser", "-u", OWNER, "--", *command)
    return subprocess.run(command, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)


class Cluster:
    """One PostgreSQL cluster: its data directory, socket directory and port."""

    def __init__(self, root, name, port=None):
        self.directory = Path(root) / name
        self.socket_dir = str(root)  # shared by a primary and its replica: each has its own port
        self.port = port or free_port()
        self.log = Path(root) / f"{name}.log"

    def __repr__(self):
        return f"Cluster({self.directory}, port {self.port})"

    # ------------------------------------------------------------ making
    def init(self):
        _as_owner(
            str(BINDIR / "initdb"),
            "-D",
            str(self.directory),
            "-U",
            SUPERUSER,
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        self._configure()

    def base_backup_of(self, primary):
        """Make this cluster a streaming replica of ``primary`` (``pg_basebackup -R``)."""
        _as_owner(
            str(BINDIR / "pg_basebackup"),
            "-h",
            primary.socket_dir,
            "-p",
            str(primary.port),
            "-U",
            SUPERUSER,
            "-D",
            str(self.directory),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        )
        self._configure()

    def _configure(self):
        with open(self.directory / "postgresql.conf", "a") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = ''\nunix_socket_directories = '{self.socket_dir}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 60\nshared_buffers = 32MB\nhot_standby_feedback = on\n"
            )

    # ----------------------------------------------------------- running
    def start(self):
        _as_owner(str(BINDIR / "pg_ctl"), "-D", str(self.directory), "-l", str(self.log), "-w", "-t", "120", "start")
        self.wait_ready()

    def stop(self, mode="fast"):
        """``mode``: ``fast`` (a clean shutdown) or ``immediate`` (a crash:
        every process ends at once, recovery runs at the next start)."""
        with contextlib.suppress(subprocess.CalledProcessError):
            _as_owner(str(BINDIR / "pg_ctl"), "-D", str(self.directory), "-m", mode, "-w", "-t", "60", "stop")

    def crash(self):
        self.stop("immediate")

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while True:
            try:
                with contextlib.closing(self.connect("postgres")):
                    return
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def processes(self):
        """The pids of the postmaster and of all its children."""
        pid_file = self.directory / "postmaster.pid"
        postmaster = int(pid_file.read_text().split()[0])
        children = subprocess.run(["pgrep", "-P", str(postmaster)], stdout=subprocess.PIPE, text=True).stdout
        return [postmaster, *map(int, children.split())]

    @contextlib.contextmanager
    def frozen(self):
        """Every process of the cluster stopped (SIGSTOP) while in the block:
        a hung host, or a partition. The kernel still accepts connections
        and data on its sockets; nothing answers. Resumed (SIGCONT) after."""
        pids = self.processes()
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        try:
            yield pids
        finally:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)

    # ----------------------------------------------------------- talking
    def connect(self, dbname, autocommit=True):
        connection = psycopg2.connect(
            dbname=dbname, host=self.socket_dir, port=self.port, user=SUPERUSER, connect_timeout=5
        )
        connection.autocommit = autocommit
        return connection

    def sql(self, dbname, query, args=()):
        with contextlib.closing(self.connect(dbname)) as connection, connection.cursor() as cr:
            cr.execute(query, args)
            return cr.fetchall() if cr.description else None

    def restore(self, source_db, dbname=None):
        """A copy of ``source_db`` of the machine's own cluster, as ``dbname``
        (default: the same name, so that Odoo finds the same filestore)."""
        dbname = dbname or source_db
        self.sql("postgres", f'CREATE DATABASE "{dbname}"')
        dump = subprocess.Popen(["pg_dump", "--no-owner", "--no-privileges", source_db], stdout=subprocess.PIPE)
        try:
            subprocess.run(
                [
                    "psql",
                    "-q",
                    "-X",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-h",
                    self.socket_dir,
                    "-p",
                    str(self.port),
                    "-d",
                    dbname,
                ],
                stdin=dump.stdout,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        finally:
            dump.stdout.close()
            assert dump.wait() == 0, "pg_dump failed"
        return dbname

    def wait_replayed(self, primary, timeout=60):
        """Wait until this replica has replayed what ``primary`` wrote until now."""
        target = primary.sql("postgres", "SELECT pg_current_wal_lsn()")[0][0]
        deadline = time.monotonic() + timeout
        while not self.sql("postgres", "SELECT pg_last_wal_replay_lsn() >= %s", [target])[0][0]:
            assert time.monotonic() < deadline, f"{self} does not replay"
            time.sleep(0.05)

    def odoo_options(self, prefix="db_"):
        """Odoo configuration lines that point to this cluster (``db_`` for
        the primary, ``db_replica_`` for a replica)."""
        return {f"{prefix}host": self.socket_dir, f"{prefix}port": str(self.port)}


@contextlib.contextmanager
def primary_and_replica(replica=True, prepare=None):
    """``(primary, replica or None)``, running; removed at the end.
    ``prepare(primary)`` runs before the replica is made: what it writes
    (a restored database) is in the replica's base backup, so a replica
    that crashes and restarts never comes back consistent at an earlier
    point (it does for what was written after the backup until it has
    replayed it again)."""
    # short: a socket path is at most 107 bytes. Under devtools/test.sh's
    # directory of the run, which removes what a killed run left behind
    root = Path(tempfile.mkdtemp(prefix="jrt_pg_", dir=os.environ.get("JSON_RPC_TOKEN_PG_TMP")))
    if OWNER != getpass.getuser():
        shutil.chown(root, pwd.getpwnam(OWNER).pw_uid, pwd.getpwnam(OWNER).pw_gid)
    clusters = []
    try:
        primary = Cluster(root, "primary")
        clusters.append(primary)
        primary.init()
        primary.start()
        if prepare:
            prepare(primary)
        standby = None
        if replica:
            standby = Cluster(root, "replica")
            clusters.append(standby)
            standby.base_backup_of(primary)
            standby.start()
        yield primary, standby
    finally:
        for cluster in reversed(clusters):
            if (cluster.directory / "postmaster.pid").exists():
                with contextlib.suppress(Exception):
                    for pid in cluster.processes():
                        os.kill(pid, signal.SIGCONT)  # a frozen one cannot stop
                cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)

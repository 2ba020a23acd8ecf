"""The test command (devtools/test.sh) is a guest on the developer's machine:
it leaves the machine's PostgreSQL clusters as they were (no ALTER SYSTEM,
no replication slot, no cluster made or started: the replica tests make
throwaway clusters of their own) and, pass or fail, drops the databases it
and its tests made, their filestores, and the throwaway clusters.

Runs devtools/test.sh itself, on a copy of this checkout (another checkout:
its own database names, state directory and HTTP port, so that it does not
touch the run it is part of), with one replica test over real HTTP and one
test that fails after making a database of its own."""

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .live import REPO, free_port, needs_test_databases

pytestmark = needs_test_databases

FAILING_TEST = '''\
import os
import subprocess


def test_fails_after_making_a_database():
    subprocess.run(["createdb", os.environ["JSON_RPC_TOKEN_TEST_DB"] + "_made_by_a_test"], check=True)
    assert False, "fails on purpose"
'''


def psql(query):
    return subprocess.run(
        ["psql", "-X", "-d", "postgres", "-tAc", query], check=True, capture_output=True, text=True
    ).stdout.split()


def machine_state():
    """What a test run must not change on the machine's PostgreSQL."""
    clusters = subprocess.run(["pg_lsclusters", "-h"], check=True, capture_output=True, text=True).stdout
    return {
        "clusters": sorted(tuple(line.split()[:3]) for line in clusters.splitlines()),  # version, name, port
        "postgresql.auto.conf": psql("SELECT pg_read_file('postgresql.auto.conf')"),
        "replication slots": psql("SELECT slot_name FROM pg_replication_slots ORDER BY 1"),
    }


def copy_of_checkout(directory):
    """This checkout's files, committed in a fresh repository (test.sh lints
    the files git lists)."""
    copy = directory / "json_rpc_token"
    shutil.copytree(
        REPO, copy, symlinks=True, ignore=shutil.ignore_patterns(".git", "__pycache__", "*.pyc", "node_modules")
    )
    for command in (
        ["git", "init", "-q"],
        ["git", "add", "-A"],
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "copy"],
    ):
        subprocess.run(command, cwd=copy, check=True, capture_output=True)
    return copy


def test_a_failed_run_leaves_the_machine_as_it_was(tmp_path):
    copy = copy_of_checkout(tmp_path)
    (tmp_path / "test_failing.py").write_text(FAILING_TEST)
    # short, and open to the postgres user: the throwaway clusters' sockets are there
    short_tmp = Path(tempfile.mkdtemp(prefix="jrt_tc_"))
    short_tmp.chmod(0o755)
    env = {name: value for name, value in os.environ.items() if not name.startswith("JSON_RPC_TOKEN_")}
    env.update(
        JSON_RPC_TOKEN_STATE=str(tmp_path / "state"), JSON_RPC_TOKEN_HTTP_PORT=str(free_port()), TMPDIR=str(short_tmp)
    )
    before = machine_state()
    try:
        run = subprocess.run(
            [
                "bash",
                str(copy / "devtools" / "test.sh"),
                "-k",
                "test_reads_run_on_the_replica or test_fails_after_making_a_database",
                str(tmp_path / "test_failing.py"),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        output = run.stdout + run.stderr
        assert run.returncode == 1, output[-3000:]
        assert re.search(r"1 failed, 1 passed", output), output[-3000:]  # the replica test ran, and passed

        test_db = "jrt_test_" + hashlib.sha1(str(copy).encode()).hexdigest()[:8]
        assert f"initialising test database {test_db}" in output, output[-3000:]
        assert psql(f"SELECT datname FROM pg_database WHERE datname LIKE '{test_db}%'") == []
        assert not list((tmp_path / "state" / "data" / "filestore").glob(f"{test_db}*"))
        assert list(short_tmp.glob("jrt_run_*")) == []  # the run's throwaway clusters are gone
        assert machine_state() == before
    finally:
        shutil.rmtree(short_tmp, ignore_errors=True)

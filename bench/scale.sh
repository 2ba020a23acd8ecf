#!/usr/bin/env bash
# Scale-out benchmark: read requests/s with 8 client threads against one
# Odoo server, one server reading on a replica, and two servers + replica
# behind nginx, measured in turns in the same run:
#     bench/scale.sh [--workers N] [--rounds N] [--seconds S]
# Sets up the replica (devtools/replica.sh) and nginx first.
source "$(dirname "${BASH_SOURCE[0]}")/../devtools/lib.sh"
source "$REPO_ROOT/devtools/replica.sh"
bootstrap
apt_install_missing nginx
ensure_replica

ensure_bench_database
"$PYTHON" "$REPO_ROOT/bench/scale.py" --database "$BENCH_DB" "$@"

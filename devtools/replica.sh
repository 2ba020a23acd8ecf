# A PostgreSQL streaming replica of the local cluster, for the scale-out
# tests and devtools/cluster.sh: sourced after lib.sh, not run.
#
#     ensure_replica      # -> REPLICA_PORT, a hot standby of the whole cluster
#
# The replica is a second Debian cluster of the same version ("replica", port
# $REPLICA_PORT, default 5433) made with `pg_basebackup -R` from the online
# cluster: every database of the primary appears there once replayed. Every
# step checks before it acts; a replica that no longer streams (stopped too
# long: the primary recycled the WAL it needs) is made again. One machine
# holds one replica, shared by every checkout: a lock keeps two set-ups from
# racing, and a replica whose replay a test paused (and could not resume) is
# resumed.

REPLICA_CLUSTER=replica
REPLICA_PORT=${JSON_RPC_TOKEN_REPLICA_PORT:-5433}
REPLICA_LOCK=${TMPDIR:-/tmp}/json_rpc_token_replica.lock
# The primary keeps the WAL the replica has not received yet in this slot
# (without it, a busy primary recycles WAL before a new replica asks for it),
# but never more than REPLICA_MAX_KEEP: a replica stopped for good costs
# the primary that much disk at most, and is made again when next needed.
REPLICA_SLOT=json_rpc_token_replica
REPLICA_MAX_KEEP=2GB

# "version name port" of the primary: the first online cluster that is not the replica
primary_cluster() {
    pg_lsclusters -h | awk -v r="$REPLICA_CLUSTER" '$2 != r && $4 == "online" {print $1, $2, $3; exit}'
}

primary_sql() { psql -X -p "$1" -d postgres -tAc "$2"; }
replica_sql() { psql -X -p "$REPLICA_PORT" -d postgres -tAc "$1" 2>/dev/null; }

replica_streams() {
    [ "$(replica_sql 'SELECT pg_is_in_recovery()')" = t ] || return 1
    local _
    for _ in $(seq 40); do
        [ "$(replica_sql 'SELECT status FROM pg_stat_wal_receiver')" = streaming ] && return 0
        sleep 0.25
    done
    return 1
}

make_replica() {
    local version=$1 primary_port=$2 datadir
    if pg_lsclusters -h | awk -v v="$version" -v r="$REPLICA_CLUSTER" '$1 == v && $2 == r {f=1} END {exit !f}'; then
        log "replica: dropping the cluster $version $REPLICA_CLUSTER (it does not stream)"
        as_root pg_dropcluster --stop "$version" "$REPLICA_CLUSTER"
    fi
    log "replica: creating cluster $version $REPLICA_CLUSTER on port $REPLICA_PORT (pg_basebackup -R)"
    # a replica for development and tests: made again rather than recovered
    # after a crash, so it syncs nothing to disk (an fsync of the copied data
    # directory alone takes minutes on a slow disk)
    as_root pg_createcluster "$version" "$REPLICA_CLUSTER" -p "$REPLICA_PORT" -- --no-sync >/dev/null
    as_root pg_conftool "$version" "$REPLICA_CLUSTER" set fsync off
    datadir=$(pg_lsclusters -h | awk -v v="$version" -v r="$REPLICA_CLUSTER" '$1 == v && $2 == r {print $6}')
    # the new cluster's own data is replaced by a copy of the primary's
    as_root find "$datadir" -mindepth 1 -delete
    primary_sql "$primary_port" "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
                                  WHERE slot_name = '$REPLICA_SLOT' AND NOT active" >/dev/null
    if [ "$(primary_sql "$primary_port" 'SHOW max_slot_wal_keep_size')" = -1 ]; then
        primary_sql "$primary_port" "ALTER SYSTEM SET max_slot_wal_keep_size = '$REPLICA_MAX_KEEP'" >/dev/null
        primary_sql "$primary_port" 'SELECT pg_reload_conf()' >/dev/null
    fi
    as_root su postgres -c "pg_basebackup -p $primary_port -D '$datadir' -R -X stream -c fast -C -S $REPLICA_SLOT --no-sync"
    as_root pg_ctlcluster "$version" "$REPLICA_CLUSTER" start -- -t 300 {REPLICA_LOCK_FD}>&-
}

ensure_replica() {
    local version _name primary_port
    read -r version _name primary_port < <(primary_cluster) || { log "replica: no online PostgreSQL cluster"; return 1; }
    # the lock's descriptor is closed for the servers started under it: they
    # would hold it as long as they run
    exec {REPLICA_LOCK_FD}>"$REPLICA_LOCK"
    flock "$REPLICA_LOCK_FD"
    if pg_lsclusters -h | awk -v v="$version" -v r="$REPLICA_CLUSTER" '$1 == v && $2 == r && $4 !~ /online/ {f=1} END {exit !f}'; then
        as_root pg_ctlcluster "$version" "$REPLICA_CLUSTER" start {REPLICA_LOCK_FD}>&- || true
    fi
    if ! replica_streams; then
        make_replica "$version" "$primary_port"
        replica_streams || { exec {REPLICA_LOCK_FD}>&-; log "replica: the new replica does not stream"; return 1; }
    fi
    if [ "$(replica_sql 'SELECT pg_is_wal_replay_paused()')" = t ]; then
        log "replica: resuming replay (a test paused it)"
        replica_sql 'SELECT pg_wal_replay_resume()' >/dev/null
    fi
    exec {REPLICA_LOCK_FD}>&-
    export JSON_RPC_TOKEN_REPLICA_PORT=$REPLICA_PORT JSON_RPC_TOKEN_REPLICA_LOCK=$REPLICA_LOCK
}

# Odoo's options for a server that reads on the replica (unix socket, as db_host = False)
replica_options() { printf '%s\n' "--db_replica_host=/var/run/postgresql" "--db_replica_port=$REPLICA_PORT"; }

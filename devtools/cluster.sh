#!/usr/bin/env bash
# Try the scale-out set-up of doc/scaling.rst on one machine:
#     devtools/cluster.sh
# PostgreSQL primary (the local cluster) + a streaming replica (port 5433,
# devtools/replica.sh), two Odoo servers (prefork, 2 workers each) reading
# on the replica, nginx in front of them on http://localhost:$HTTP_PORT
# (round robin), all on the demo database of devtools/run.sh (admin/admin).
# Everything is set up first if missing; Ctrl-C stops the servers and nginx
# (PostgreSQL and its replica keep running).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$REPO_ROOT/devtools/replica.sh"
bootstrap
apt_install_missing nginx
ensure_replica

DEMO_DB=${DEMO_DB:-json_rpc_token_demo}
HTTP_PORT=${HTTP_PORT:-8069}
SERVER_PORTS=(${SERVER_PORTS:-8169 8269})
CLUSTER_DIR=$STATE_DIR/cluster
mkdir -p "$CLUSTER_DIR"
# the demo database, created or updated as devtools/run.sh does
HTTP_PORT=$HTTP_PORT bash "$REPO_ROOT/devtools/run.sh" --stop-after-init --log-level=warn

# Odoo's configuration for each server: devtools' own plus the scale-out options
cat "$ODOO_CONF" - > "$CLUSTER_DIR/odoo.conf" <<EOF
db_replica_host = /var/run/postgresql
db_replica_port = $REPLICA_PORT
workers = 2
max_cron_threads = 1
proxy_mode = True
json_rpc_token_trusted_proxies = 127.0.0.1
EOF

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT
servers=""
for n in "${!SERVER_PORTS[@]}"; do
    port=${SERVER_PORTS[$n]}
    "$PYTHON" "$ODOO_SRC/odoo-bin" -c "$CLUSTER_DIR/odoo.conf" -d "$DEMO_DB" --load=base,web,json_rpc_token \
        --http-interface=127.0.0.1 --http-port="$port" --gevent-port=$((port + 3)) \
        --logfile="$CLUSTER_DIR/odoo-$n.log" &
    pids+=($!)
    servers+="        server 127.0.0.1:$port;"$'\n'
done
for port in "${SERVER_PORTS[@]}"; do
    until curl -sf "http://127.0.0.1:$port/web/health" >/dev/null; do sleep 0.5; done
done
servers=${servers%$'\n'}
awk -v dir="$CLUSTER_DIR" -v port="$HTTP_PORT" -v servers="$servers" \
    '{gsub("@DIR@", dir); gsub("@PORT@", port); gsub("@SERVERS@", servers); print}' \
    "$REPO_ROOT/devtools/nginx.conf.template" > "$CLUSTER_DIR/nginx.conf"
log "Odoo servers on ports ${SERVER_PORTS[*]} (logs in $CLUSTER_DIR), reading on the replica (port $REPLICA_PORT)"
log "nginx on http://localhost:$HTTP_PORT, round robin over them; Ctrl-C stops"
nginx -c "$CLUSTER_DIR/nginx.conf" -p "$CLUSTER_DIR" -e "$CLUSTER_DIR/error.log" -g "daemon off;" &
pids+=($!)
wait

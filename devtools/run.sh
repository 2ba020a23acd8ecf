#!/usr/bin/env bash
# Run Odoo 18 with json_rpc_token on a demo database at http://localhost:8069
#     devtools/run.sh [extra odoo-bin arguments]
# Installs what is missing (PostgreSQL, Python deps), creates the demo
# database with Odoo's demo data on first run (login admin, password admin),
# updates the addon on later runs. Stop with Ctrl-C.
# Listens on this machine only (127.0.0.1): admin/admin must not be reachable
# from the network. HTTP_INTERFACE=0.0.0.0 listens on every interface.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bootstrap

DEMO_DB=${DEMO_DB:-json_rpc_token_demo}
HTTP_PORT=${HTTP_PORT:-8069}
HTTP_INTERFACE=${HTTP_INTERFACE:-127.0.0.1}
if db_exists "$DEMO_DB"; then
    update=(-u json_rpc_token)
else
    log "creating demo database $DEMO_DB (with Odoo demo data)"
    "${ODOO_BIN[@]}" -d "$DEMO_DB" -i json_rpc_token --stop-after-init --log-level=warn
    update=()
fi
log "serving $DEMO_DB on http://$HTTP_INTERFACE:$HTTP_PORT (login admin / password admin)"
# -d without --db-filter exposes exactly that database, and spares every
# request without a session cookie (every API call) Odoo's database listing,
# a new connection to PostgreSQL's "postgres" database each time.
exec "${ODOO_BIN[@]}" -d "$DEMO_DB" --http-interface="$HTTP_INTERFACE" --http-port="$HTTP_PORT" \
    --load=base,web,json_rpc_token "${update[@]}" "$@"

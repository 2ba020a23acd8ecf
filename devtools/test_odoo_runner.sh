#!/usr/bin/env bash
# The addon's tests under Odoo's own runner, as OCA's CI and runboat run them:
#     devtools/test_odoo_runner.sh
# (JSON_RPC_TOKEN_TEST_TAGS narrows it, in --test-tags' syntax, e.g.
# "/json_rpc_token:TestTokenDocsTours")
# installs the addon with --test-enable into a scratch database (its
# at_install tests run during the install, its post_install ones after), then
# drops the database. Exits non-zero if a test failed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bootstrap
apt_install_missing chromium  # the backend tours; without it Odoo skips them
DB=jrt_runner_$CHECKOUT_ID
LOG=$STATE_DIR/odoo-runner.log
trap 'dropdb --if-exists --force "$DB"' EXIT
dropdb --if-exists --force "$DB"
log "Odoo's runner: odoo-bin -i json_rpc_token --test-enable on $DB (log: $LOG)"
status=0
"${ODOO_BIN[@]}" -d "$DB" -i json_rpc_token --without-demo=all --test-enable --test-tags "${JSON_RPC_TOKEN_TEST_TAGS:-/json_rpc_token}" \
    --stop-after-init --http-port="${JSON_RPC_TOKEN_HTTP_PORT:-8069}" --logfile="$LOG" || status=$?
summary=$(grep -a "odoo.tests.result: " "$LOG" | tail -1 | sed 's/.*odoo.tests.result: //')
log "Odoo's runner: ${summary:-no test result in the log}"
[ -n "$summary" ] || status=1
exit "$status"

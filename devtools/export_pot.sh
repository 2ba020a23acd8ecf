#!/usr/bin/env bash
# Regenerate i18n/json_rpc_token.pot, the template translators start from,
# with Odoo's own exporter (every translatable string of the addon: fields,
# views, menus, messages in _()), from a scratch database made for it.
#     devtools/export_pot.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bootstrap
DB=jrt_pot_$CHECKOUT_ID
trap 'dropdb --if-exists --force "$DB"' EXIT
dropdb --if-exists --force "$DB"
"${ODOO_BIN[@]}" -d "$DB" -i json_rpc_token --without-demo=all --stop-after-init --log-level=warn
mkdir -p "$REPO_ROOT/i18n"
"${ODOO_BIN[@]}" -d "$DB" --i18n-export="$REPO_ROOT/i18n/json_rpc_token.pot" --modules=json_rpc_token \
    --stop-after-init --log-level=warn
log "wrote i18n/json_rpc_token.pot ($(grep -c '^msgid ' "$REPO_ROOT/i18n/json_rpc_token.pot") strings)"

#!/usr/bin/env bash
# Run the whole test suite against a real Odoo 18 and PostgreSQL:
#     devtools/test.sh [extra pytest arguments]
# Sets everything up first (idempotent), then builds a fresh test database.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$REPO_ROOT/devtools/replica.sh"
bootstrap
# Odoo drives Debian's chromium for the backend tour; without it the tour is
# skipped. nginx balances the two-server tests (tests/test_live_cluster.py).
apt_install_missing chromium nginx
ensure_replica  # for tests/test_live_replica.py

TEST_DB=jrt_test_$CHECKOUT_ID
export JSON_RPC_TOKEN_TEST_DB=$TEST_DB JSON_RPC_TOKEN_SECOND_DB=${TEST_DB}_b
dropdb --if-exists --force "$TEST_DB"
dropdb --if-exists --force "$JSON_RPC_TOKEN_SECOND_DB"
export JSON_RPC_TOKEN_SCALE_DB=${TEST_DB}_scale  # the replica and cluster tests' own
dropdb --if-exists --force "$JSON_RPC_TOKEN_SCALE_DB"
log "initialising test database $TEST_DB (base, web, json_rpc_token)"
"${ODOO_BIN[@]}" -d "$TEST_DB" -i json_rpc_token --without-demo=all --stop-after-init --log-level=warn
# A second database with the addon, for the multi-database tests.
createdb -T "$TEST_DB" "$JSON_RPC_TOKEN_SECOND_DB"
createdb -T "$TEST_DB" "$JSON_RPC_TOKEN_SCALE_DB"

cd "$ADDON_DIR"
log "static checks: ruff (pyproject.toml), pylint-odoo (OCA's mandatory checks)"
"$PYTHON" -m ruff check --quiet "$REPO_ROOT"
(cd "$REPO_ROOT" && git ls-files -z -- '*.py' ':!devtools/' ':!bench/' \
    | xargs -0 "$PYTHON" -m pylint --rcfile=.pylintrc-mandatory)
ci_options=()
if [[ ${CI:-} == true ]]; then
    # under CI a skipped test is a missing test: list skips (-rs), fail on any
    ci_options=(-rs -p no_skips)
    export PYTHONPATH="$REPO_ROOT/devtools${PYTHONPATH:+:$PYTHONPATH}"
fi
log "running the test suite"
"$PYTHON" -m pytest -p no:cacheprovider "${ci_options[@]}" --odoo-database="$TEST_DB" --odoo-http \
    "$ADDON_DIR/tests" "$ADDON_DIR/tests_system" "$@"

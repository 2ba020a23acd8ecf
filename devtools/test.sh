#!/usr/bin/env bash
# Run the whole test suite against a real Odoo 18 and PostgreSQL:
#     devtools/test.sh [extra pytest arguments]
# Sets everything up first (idempotent), then builds fresh test databases.
# It leaves the machine's PostgreSQL clusters as they were: the tests that
# need a replica make throwaway clusters of their own
# (tests_system/pg_clusters.py). At the end, pass or fail, it drops the test
# databases (jrt_test_<checkout>, and every jrt_test_<checkout>_* a test
# made) and their filestores, unless JSON_RPC_TOKEN_KEEP_DB=1, and removes
# the throwaway clusters a killed test left behind.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bootstrap
# Odoo drives Debian's chromium for the backend tour; without it the tour is
# skipped. nginx balances the two-server tests (tests_system/test_live_cluster.py).
apt_install_missing chromium nginx

TEST_DB=jrt_test_$CHECKOUT_ID
export JSON_RPC_TOKEN_TEST_DB=$TEST_DB JSON_RPC_TOKEN_SECOND_DB=${TEST_DB}_b

# this checkout's test databases: the two made here, and those the tests make
# beside them (named after the first: _plain, _bare, _wheel, _upgrade...)
test_databases() {
    psql -X -d postgres -tAc "SELECT datname FROM pg_database
                              WHERE datname = '$TEST_DB' OR datname LIKE '${TEST_DB}\_%'"
}
drop_test_databases() {
    local db
    for db in $(test_databases); do
        dropdb --if-exists --force "$db" || true
        rm -rf "$STATE_DIR/data/filestore/$db"
    done
}

# stops and removes the throwaway clusters under $JSON_RPC_TOKEN_PG_TMP (a
# test removes its own; these are what a killed test left, maybe frozen)
remove_throwaway_clusters() {
    local pid_file datadir postmaster pg_ctl
    local as_owner=()
    [ "$(id -u)" = 0 ] && as_owner=(runuser -u postgres --)
    for pid_file in "$JSON_RPC_TOKEN_PG_TMP"/*/*/postmaster.pid; do
        [ -f "$pid_file" ] || continue
        datadir=$(dirname "$pid_file")
        postmaster=$(head -1 "$pid_file")
        kill -CONT "$postmaster" 2>/dev/null || true
        pkill -CONT -P "$postmaster" 2>/dev/null || true
        pg_ctl=/usr/lib/postgresql/$(cat "$datadir/PG_VERSION")/bin/pg_ctl
        "${as_owner[@]}" "$pg_ctl" -D "$datadir" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    done
    rm -rf "$JSON_RPC_TOKEN_PG_TMP"
}

clean_up() {
    remove_throwaway_clusters
    if [ "${JSON_RPC_TOKEN_KEEP_DB:-}" = 1 ]; then
        log "keeping the test databases (JSON_RPC_TOKEN_KEEP_DB=1):" $(test_databases)
    else
        log "dropping the test databases"
        drop_test_databases
    fi
}

drop_test_databases  # a run killed before its clean-up left them
# the throwaway clusters' directories (tests_system/pg_clusters.py), one per
# run; short, as a socket path is at most 107 bytes; readable by the
# postgres user that runs them
JSON_RPC_TOKEN_PG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/jrt_run_XXXXXX")
chmod 755 "$JSON_RPC_TOKEN_PG_TMP"
export JSON_RPC_TOKEN_PG_TMP
trap clean_up EXIT
trap 'exit 130' INT  # so that the clean-up runs on Ctrl-C and on kill too
trap 'exit 143' TERM
log "initialising test database $TEST_DB (base, web, json_rpc_token)"
"${ODOO_BIN[@]}" -d "$TEST_DB" -i json_rpc_token --without-demo=all --stop-after-init --log-level=warn
# A second database with the addon, for the multi-database tests.
createdb -T "$TEST_DB" "$JSON_RPC_TOKEN_SECOND_DB"

cd "$ADDON_DIR"
log "static checks: ruff lint + format (pyproject.toml), pylint-odoo (OCA's mandatory checks)"
"$PYTHON" -m ruff check --quiet "$REPO_ROOT"
"$PYTHON" -m ruff format --check --quiet "$REPO_ROOT"
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

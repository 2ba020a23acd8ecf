#!/usr/bin/env bash
# Benchmark /json-call against Odoo's own /jsonrpc and /web/dataset/call_kw on
# the same server, threaded and with --workers=2:
#     bench/run.sh [--rounds N] [--calls N] [--seconds S]
# Prints ms/call medians, requests/s under 8 client threads, and the ratios;
# then the token check time with 1 and with 100 000 tokens in the table.
#
# Against the previous release, in the same run (bench/compare.py):
#     bench/run.sh --compare[=VERSION] [--rounds N] [--calls N] [--seconds S]
# VERSION defaults to 18.0.1.7.0; its code is the last commit whose
# __manifest__.py says that version, found in this clone's history (a shallow
# clone lacks it: git fetch --unshallow). That commit is extracted with git
# archive into a temporary addons folder outside the repository. The
# benchmark database is made again from scratch, and a second one,
# <benchmark database>_previous, gets the previous release the same way, so
# that both hold the same data. A server of each (threaded, then
# --workers=2; the addon loaded server-wide, each from its own addons path
# only, checked by the version each serves) answers the same latency calls
# as above (10 rounds x 20 calls by default), the two servers alternating
# call by call. Prints per path and operation the previous and current
# medians, current/previous (the median of the ratios of calls made back to
# back), the verdict "no worse" up to 1.05 (the noise margin; a path above it
# is measured again twice as long and judged on all its samples), and the
# current's ratios to Odoo's /jsonrpc and /web/dataset/call_kw; --seconds S
# adds requests/s under 8 client threads per server, shown, not judged.
# Exits with 1 if a figure is worse. The temporary folder and the previous
# release's database are removed at the end. 5 to 9 minutes on 2 cores,
# depending on what else runs.
#
# The sync benchmark (bench/sync.py): paging through every partner on every
# path, against Odoo's /jsonrpc execute_kw and the floor (PostgreSQL +
# json.dumps), then a profile of one page per path:
#     bench/run.sh --sync [--sync-rows N] [--sync-large[=N]] [--sweeps N] [--no-profile]
# It copies the benchmark database into a throwaway one,
# <benchmark database>_sync, fills it with 20 000 partners (--sync-rows),
# then with --sync-large 100 000, and drops it at the end.
source "$(dirname "${BASH_SOURCE[0]}")/../devtools/lib.sh"

compare=""
sync=""
args=()
for arg in "$@"; do
    case $arg in
        --compare) compare=18.0.1.7.0 ;;
        --compare=*) compare=${arg#--compare=} ;;
        --sync) sync=1 ;;
        *) args+=("$arg") ;;
    esac
done

bootstrap

# One benchmark of a checkout at a time: they share its benchmark database,
# which --compare makes again.
exec 9>"$STATE_DIR/bench.lock"
if ! flock -n 9; then
    log "another bench/run.sh of this checkout is running: waiting for it to end"
    flock 9
fi

if [ -n "$sync" ]; then
    ensure_bench_database
    SYNC_DB=${BENCH_DB}_sync
    SYNC_FILESTORE=$STATE_DIR/data/filestore/$SYNC_DB
    drop_sync_database() {
        PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists --force "$SYNC_DB" || true
        rm -rf "$SYNC_FILESTORE"
    }
    drop_sync_database
    trap drop_sync_database EXIT
    createdb -T "$BENCH_DB" "$SYNC_DB"
    rm -rf "$SYNC_FILESTORE"
    [ ! -d "$STATE_DIR/data/filestore/$BENCH_DB" ] \
        || cp -r "$STATE_DIR/data/filestore/$BENCH_DB" "$SYNC_FILESTORE"
    "$PYTHON" "$REPO_ROOT/bench/sync.py" --config "$ODOO_CONF" --database "$SYNC_DB" \
        --odoo-bin "$ODOO_SRC/odoo-bin" "${args[@]}"
    exit $?
fi

if [ -z "$compare" ]; then
    ensure_bench_database
    exec "$PYTHON" "$REPO_ROOT/bench/bench.py" --config "$ODOO_CONF" --database "$BENCH_DB" \
        --odoo-bin "$ODOO_SRC/odoo-bin" "${args[@]}"
fi

manifest_version() {  # the version in __manifest__.py of commit $1
    git -C "$REPO_ROOT" show "$1:__manifest__.py" \
        | "$PYTHON" -c 'import ast, sys; print(ast.literal_eval(sys.stdin.read()).get("version", ""))'
}

# The last commit whose manifest says version $1: the first parent of the
# commit that changed it to another (on the first-parent line of HEAD), or
# HEAD if it still says so.
release_commit() {
    local version=$1 commit newer=""
    for commit in $(git -C "$REPO_ROOT" rev-list --first-parent HEAD -- __manifest__.py); do
        if [ "$(manifest_version "$commit")" = "$version" ]; then
            git -C "$REPO_ROOT" rev-parse "${newer:-HEAD}${newer:+^1}"
            return 0
        fi
        newer=$commit
    done
    log "no commit of this clone's history has version $version in __manifest__.py"
    [ "$(git -C "$REPO_ROOT" rev-parse --is-shallow-repository)" = false ] \
        || log "this clone is shallow: git fetch --unshallow"
    return 1
}

started=$SECONDS
previous_commit=$(release_commit "$compare")
current_version=$("$PYTHON" -c 'import ast, sys; print(ast.literal_eval(open(sys.argv[1]).read())["version"])' \
    "$REPO_ROOT/__manifest__.py")
current_commit=$(git -C "$REPO_ROOT" rev-parse --short HEAD)
git -C "$REPO_ROOT" diff --quiet HEAD -- || current_commit="$current_commit + uncommitted changes"

BENCH_DB=jrt_bench_$CHECKOUT_ID  # ensure_bench_database's name
PREVIOUS_DB=${BENCH_DB}_previous
PREVIOUS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/json_rpc_token-previous.XXXXXX")
installs=()
cleanup() {
    local pid
    for pid in "${installs[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists --force "$PREVIOUS_DB" || true
    rm -rf "$PREVIOUS_DIR"
}
trap cleanup EXIT

log "previous release: $compare, commit $previous_commit, extracted into $PREVIOUS_DIR"
mkdir -p "$PREVIOUS_DIR/addons/json_rpc_token" "$PREVIOUS_DIR/data"
git -C "$REPO_ROOT" archive "$previous_commit" | tar -x -C "$PREVIOUS_DIR/addons/json_rpc_token"
# the same configuration but for the addons path, which holds the previous
# release only, and the data directory (its filestore goes with the folder)
sed -e "s|^addons_path = .*|addons_path = $ODOO_SRC/odoo/addons,$ODOO_SRC/addons,$PREVIOUS_DIR/addons|" \
    -e "s|^data_dir = .*|data_dir = $PREVIOUS_DIR/data|" "$ODOO_CONF" > "$PREVIOUS_DIR/odoo.conf"
grep -q "^addons_path = .*$PREVIOUS_DIR/addons$" "$PREVIOUS_DIR/odoo.conf" \
    || { log "$ODOO_CONF has no addons_path line to replace"; exit 1; }

log "installing each version into a new database: $BENCH_DB (current), $PREVIOUS_DB ($compare)"
for db in "$BENCH_DB" "$PREVIOUS_DB"; do
    PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists --force "$db"
done
rm -rf "$STATE_DIR/data/filestore/$BENCH_DB"
ensure_bench_database &
installs+=($!)
"$PYTHON" "$ODOO_SRC/odoo-bin" -c "$PREVIOUS_DIR/odoo.conf" -d "$PREVIOUS_DB" -i json_rpc_token \
    --without-demo=all --stop-after-init --log-level=warn &
installs+=($!)
for pid in "${installs[@]}"; do wait "$pid"; done
installs=()

status=0
"$PYTHON" "$REPO_ROOT/bench/compare.py" --odoo-bin "$ODOO_SRC/odoo-bin" \
    --previous "$compare (${previous_commit:0:7})" "$PREVIOUS_DIR/odoo.conf" "$PREVIOUS_DB" \
    --current "$current_version ($current_commit)" "$ODOO_CONF" "$BENCH_DB" \
    --expect "$compare" "$current_version" "${args[@]}" || status=$?
log "bench/run.sh --compare took $((SECONDS - started)) s"
exit "$status"

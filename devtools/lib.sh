# Shared set-up for devtools/run.sh, devtools/test.sh and bench/: sourced, not run.
# Every step checks before it acts, so running it again costs seconds.
#
# Finds Odoo 18 in this order: $ODOO_SRC; an importable `odoo` package; else a
# shallow clone of upstream odoo/odoo branch 18.0 into the state directory.
# Odoo's source is never copied into this repository.

set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The Python to use: $PYTHON, else the first one that already imports Odoo
# (a login shell's python3, or a pyenv-installed one when PATH lacks pyenv's
# shims, as in CI), else python3.
pick_python() {
    local candidate
    for candidate in python3 "$HOME"/.pyenv/versions/3.1[0-2]*/bin/python3; do
        if [ -x "$(command -v "$candidate" 2>/dev/null)" ] && "$candidate" -c 'import odoo' 2>/dev/null; then
            printf '%s\n' "$candidate"; return
        fi
    done
    printf 'python3\n'
}
PYTHON=${PYTHON:-$(pick_python)}
# State (config, addons link, filestore) lives outside the repository, one per
# checkout, so that two clones on one machine do not share a database name.
CHECKOUT_ID=$(printf '%s' "$REPO_ROOT" | sha1sum | cut -c1-8)
STATE_DIR=${JSON_RPC_TOKEN_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/json_rpc_token/$CHECKOUT_ID}
ODOO_CONF=$STATE_DIR/odoo.conf
ADDONS_DIR=$STATE_DIR/addons
ADDON_DIR=$ADDONS_DIR/json_rpc_token

log() { printf '\033[1m[json_rpc_token]\033[0m %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install_missing() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_postgres() {
    apt_install_missing postgresql libpq-dev libldap2-dev libsasl2-dev git
    if ! pg_lsclusters -h 2>/dev/null | awk '{print $4}' | grep -q online; then
        local cluster
        cluster=$(pg_lsclusters -h | head -1 | awk '{print $1, $2}')
        [ -n "$cluster" ] || { log "no PostgreSQL cluster found"; return 1; }
        log "starting PostgreSQL $cluster"
        # shellcheck disable=SC2086
        as_root pg_ctlcluster $cluster start
    fi
    local me
    me=$(id -un)
    if ! as_root su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='$me'\"" | grep -q 1; then
        log "creating PostgreSQL superuser role $me"
        as_root su postgres -c "createuser -s $me"
    fi
}

find_odoo_src() {
    if [ -n "${ODOO_SRC:-}" ]; then
        [ -f "$ODOO_SRC/odoo/release.py" ] || { log "ODOO_SRC=$ODOO_SRC is not an Odoo source tree"; return 1; }
        printf '%s\n' "$ODOO_SRC"; return 0
    fi
    local src
    if src=$("$PYTHON" -c 'import os, odoo; print(os.path.dirname(os.path.dirname(odoo.__file__)))' 2>/dev/null) \
        && [ -d "$src/addons" ] && [ -f "$src/odoo-bin" ]; then
        printf '%s\n' "$src"; return 0
    fi
    src=$STATE_DIR/../odoo-18.0
    if [ ! -f "$src/odoo/release.py" ]; then
        log "no Odoo found: cloning upstream odoo/odoo 18.0 (shallow) into $src"
        git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git "$src" >&2
    fi
    (cd "$src" && pwd)
}

ensure_python_deps() {
    local src=$1 stamp reqs_hash
    stamp=$STATE_DIR/python-deps.stamp
    reqs_hash=$(cat "$src/requirements.txt" "$REPO_ROOT/devtools/requirements.txt" | sha1sum | cut -c1-16)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$reqs_hash:$src" ] \
        && "$PYTHON" -c 'import odoo, pytest_odoo, passlib' 2>/dev/null; then
        return 0
    fi
    log "installing Python dependencies (Odoo's requirements, test tools)"
    "$PYTHON" -m pip install -q 'setuptools<70' 'setuptools_scm<8' wheel
    "$PYTHON" -m pip install -q --no-build-isolation -r "$src/requirements.txt"
    "$PYTHON" -m pip install -q --no-build-isolation -r "$REPO_ROOT/devtools/requirements.txt"
    if ! "$PYTHON" -c 'import odoo' 2>/dev/null; then
        "$PYTHON" -m pip install -q --no-build-isolation --no-deps -e "$src"
    fi
    printf '%s\n' "$reqs_hash:$src" > "$stamp"
}

write_config() {
    local src=$1
    mkdir -p "$ADDONS_DIR" "$STATE_DIR/data"
    # Odoo finds a module by its directory name; a clone may be named anything.
    ln -sfn "$REPO_ROOT" "$ADDON_DIR"
    # server_wide_modules: as run.sh's --load, so that tests see the routes
    # served database-free (controllers/database_free.py)
    cat > "$ODOO_CONF" <<EOF
[options]
addons_path = $src/odoo/addons,$src/addons,$ADDONS_DIR
data_dir = $STATE_DIR/data
db_host = False
db_port = False
list_db = True
log_level = info
server_wide_modules = base,web,json_rpc_token
EOF
}

# Sets ODOO_SRC and ODOO_BIN; everything after this may start Odoo.
bootstrap() {
    mkdir -p "$STATE_DIR"
    ensure_postgres
    ODOO_SRC=$(find_odoo_src)
    ensure_python_deps "$ODOO_SRC"
    write_config "$ODOO_SRC"
    ODOO_BIN=("$PYTHON" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF")
    export ODOO_SRC ODOO_RC=$ODOO_CONF
}

db_exists() { psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$1'" | grep -q 1; }

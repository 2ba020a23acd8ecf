# Shared set-up for devtools/run.sh, devtools/test.sh and bench/: sourced, not run.
# Every step checks before it acts, so running it again costs seconds.
#
# Finds Odoo 18 in this order: $ODOO_SRC; an importable `odoo` package; else a
# shallow clone of upstream odoo/odoo branch 18.0 into the state directory.
# Odoo's source is never copied into this repository.

set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# State (config, addons link, filestore, virtual environment) lives outside the
# repository, one per checkout, so that two clones on one machine do not share
# a database name.
CHECKOUT_ID=$(printf '%s' "$REPO_ROOT" | sha1sum | cut -c1-8)
STATE_DIR=${JSON_RPC_TOKEN_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/json_rpc_token/$CHECKOUT_ID}
VENV_DIR=$STATE_DIR/venv
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

# Odoo 18's requirements.txt pins a release for each of these Python versions.
python_fits() { "$1" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))' 2>/dev/null; }
imports_odoo() { "$1" -c 'import odoo' 2>/dev/null; }
in_venv() { "$1" -c 'import sys; sys.exit(sys.prefix == sys.base_prefix)' 2>/dev/null; }

# A Python at hand that already imports Odoo: python3 on PATH (a login shell's,
# pyenv's shims), a pyenv-installed one (CI's PATH lacks pyenv's shims), or the
# virtual environment an earlier run made.
find_odoo_python() {
    local candidate
    for candidate in python3 "$HOME"/.pyenv/versions/3.1[0-2]*/bin/python3 "$VENV_DIR/bin/python"; do
        if [ -x "$(command -v "$candidate" 2>/dev/null)" ] && imports_odoo "$candidate"; then
            printf '%s\n' "$candidate"; return 0
        fi
    done
    return 1
}

# The interpreter to make the virtual environment from: $PYTHON, else the
# first of python3, python3.12, python3.11, python3.10 that is 3.10 to 3.12.
find_base_python() {
    local candidate version tried=""
    local candidates=(python3 python3.12 python3.11 python3.10)
    [ -z "${PYTHON:-}" ] || candidates=("$PYTHON")
    for candidate in "${candidates[@]}"; do
        if [ ! -x "$(command -v "$candidate" 2>/dev/null)" ]; then
            version="not found"
        elif python_fits "$candidate"; then
            printf '%s\n' "$candidate"; return 0
        else
            version=$("$candidate" -c 'import platform; print(platform.python_version())' 2>/dev/null) \
                || version="not a Python"
        fi
        tried="${tried:+$tried, }$candidate ($version)"
    done
    log "no Python 3.10 to 3.12 to run Odoo 18 with; tried: $tried."
    log "install one (Debian 12's and Ubuntu 24.04's python3 are), or name it: PYTHON=/path/to/python3.X"
    return 1
}

# A virtual environment of our own in the state directory: Debian 12 and
# Ubuntu 24.04 refuse pip installs into their Python (PEP 668, "externally
# managed"). Reused while it works and comes from the same interpreter.
make_venv() {
    local base=$1 origin
    origin=$("$base" -c 'import sys; print(sys.executable, "%d.%d" % sys.version_info[:2])')
    if [ "$(cat "$VENV_DIR/base-python" 2>/dev/null)" = "$origin" ] \
        && "$VENV_DIR/bin/python" -m pip --version >/dev/null 2>&1; then
        return 0
    fi
    log "creating a virtual environment in $VENV_DIR (Python ${origin#* } from ${origin% *})"
    rm -rf "$VENV_DIR"
    mkdir -p "$STATE_DIR"
    if ! "$base" -m venv "$VENV_DIR" >/dev/null 2>&1; then
        # Debian and Ubuntu ship venv's ensurepip apart from Python
        rm -rf "$VENV_DIR"
        apt_install_missing "python${origin#* }-venv"
        "$base" -m venv "$VENV_DIR"
    fi
    printf '%s\n' "$origin" > "$VENV_DIR/base-python"
}

# Sets and exports PYTHON, the interpreter of Odoo, the tests and the
# benchmark: $PYTHON as is if it imports Odoo or is a virtual environment;
# without $PYTHON, the first Python at hand that imports Odoo; otherwise the
# state directory's virtual environment, made from $PYTHON or a python3.
use_python() {
    local base
    if [ -n "${PYTHON:-}" ] && { imports_odoo "$PYTHON" || in_venv "$PYTHON"; }; then
        :
    elif [ -n "${PYTHON:-}" ] || ! PYTHON=$(find_odoo_python); then
        base=$(find_base_python) || return 1
        make_venv "$base"
        PYTHON=$VENV_DIR/bin/python
    fi
    export PYTHON
}

ensure_python_deps() {
    local src=$1 stamp reqs_hash
    stamp=$STATE_DIR/python-deps.stamp
    reqs_hash=$(cat "$src/requirements.txt" "$REPO_ROOT/devtools/requirements.txt" | sha1sum | cut -c1-16)
    if [ "$(cat "$stamp" 2>/dev/null)" = "$reqs_hash:$src:$PYTHON" ] \
        && "$PYTHON" -c 'import odoo, pytest_odoo, passlib' 2>/dev/null; then
        return 0
    fi
    log "installing Python dependencies (Odoo's requirements, test tools) into $PYTHON"
    # A few of them build from source (psycopg2, python-ldap; cbor2 and rjsmin
    # on 3.11): Debian's and Ubuntu's Python come without headers or compiler.
    if [ "$("$PYTHON" -c 'import sys; print(sys.base_prefix)')" = /usr ]; then
        apt_install_missing "python$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-dev" \
            build-essential
    fi
    "$PYTHON" -m pip install -q 'setuptools<70' 'setuptools_scm<8' wheel
    # one resolution for both files: devtools' pins keep Odoo's gevent working
    "$PYTHON" -m pip install -q --no-build-isolation -r "$src/requirements.txt" \
        -r "$REPO_ROOT/devtools/requirements.txt"
    if ! imports_odoo "$PYTHON"; then
        # Odoo's source on the path by a .pth file: `pip install -e` would
        # write odoo.egg-info into a source tree that may not be ours.
        "$PYTHON" - "$src" <<'EOF'
import sys, sysconfig
with open(sysconfig.get_path("purelib") + "/odoo-src.pth", "w") as pth:
    pth.write(sys.argv[1] + "\n")
EOF
    fi
    printf '%s\n' "$reqs_hash:$src:$PYTHON" > "$stamp"
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
    # the port of Odoo's test HTTP server (HttpCase): two checkouts may run
    # their suites at once
    if [ -n "${JSON_RPC_TOKEN_HTTP_PORT:-}" ]; then
        printf 'http_port = %s\n' "$JSON_RPC_TOKEN_HTTP_PORT" >> "$ODOO_CONF"
    fi
}

# Sets ODOO_SRC and ODOO_BIN; everything after this may start Odoo.
bootstrap() {
    mkdir -p "$STATE_DIR"
    ensure_postgres
    use_python
    ODOO_SRC=$(find_odoo_src)
    ensure_python_deps "$ODOO_SRC"
    write_config "$ODOO_SRC"
    ODOO_BIN=("$PYTHON" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF")
    export ODOO_SRC ODOO_RC=$ODOO_CONF
}

db_exists() { psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$1'" | grep -q 1; }

# The benchmarks' database (bench/), made on first use, updated after.
ensure_bench_database() {
    BENCH_DB=jrt_bench_$CHECKOUT_ID
    if ! db_exists "$BENCH_DB"; then
        log "creating benchmark database $BENCH_DB"
        "${ODOO_BIN[@]}" -d "$BENCH_DB" -i json_rpc_token --without-demo=all --stop-after-init --log-level=warn
    else
        "${ODOO_BIN[@]}" -d "$BENCH_DB" -u json_rpc_token --stop-after-init --log-level=warn
    fi
}

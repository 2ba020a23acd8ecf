#!/usr/bin/env bash
# Benchmark /json-call against Odoo's own /jsonrpc and /web/dataset/call_kw on
# the same server, threaded and with --workers=2:
#     bench/run.sh [--rounds N] [--calls N] [--seconds S]
# Prints ms/call medians, requests/s under 8 client threads, and the ratios;
# then the token check time with 1 and with 100 000 tokens in the table.
source "$(dirname "${BASH_SOURCE[0]}")/../devtools/lib.sh"
bootstrap

ensure_bench_database
"$PYTHON" "$REPO_ROOT/bench/bench.py" --config "$ODOO_CONF" --database "$BENCH_DB" --odoo-bin "$ODOO_SRC/odoo-bin" "$@"

#!/usr/bin/env bash
# Take the manual's pictures again, from a real run: the tours that show the
# token-ready dialog, the model reference (with a session and with a token
# only), the API Usage graph and the OAuth consent page take them
# as they end well (tests/pictures.py), here into static/description/, where
# README.rst and doc/*.rst show them from:
#     devtools/pictures.sh [extra pytest arguments]
# (A normal test run takes them too, into a temporary directory.)
# Extra arguments go to devtools/test.sh, hence to pytest.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export JSON_RPC_TOKEN_PICTURES="$HERE/../static/description"
exec bash "$HERE/test.sh" -k "TestTokenReadyTour or TestDocsTour or TestTokenDocsTours or TestUsageGraphPicture or test_consent_page_picture" "$@"

#!/usr/bin/env bash
# Re-vendor Swagger UI, the page of /json-call/docs, into static/lib/swagger-ui/:
#     devtools/vendor_docs_ui.sh
# The page loads nothing from another host, so the files live in the addon.
# The version is pinned here; so is the tarball's integrity, which must also
# be what the npm registry states for that version (npm view) and what the
# downloaded tarball hashes to. Only the files the page loads are kept, with
# their licenses. To upgrade: change VERSION and INTEGRITY (from
# `npm view swagger-ui-dist@<version> dist.integrity`), run, review, commit.
set -euo pipefail

PACKAGE=swagger-ui-dist
VERSION=5.35.0
INTEGRITY=sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==
FILES=(swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE swagger-ui-bundle.js.LICENSE.txt package.json)

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=$REPO_ROOT/static/lib/swagger-ui

stated=$(npm view "$PACKAGE@$VERSION" dist.integrity)
if [ "$stated" != "$INTEGRITY" ]; then
    echo "the registry states $stated for $PACKAGE@$VERSION, pinned: $INTEGRITY" >&2
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null)
tarball=$work/$PACKAGE-$VERSION.tgz
actual=sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)
if [ "$actual" != "$INTEGRITY" ]; then
    echo "the downloaded tarball hashes to $actual, expected $INTEGRITY" >&2
    exit 1
fi
tar -xzf "$tarball" -C "$work"
rm -rf "$TARGET"
mkdir -p "$TARGET"
for file in "${FILES[@]}"; do
    cp "$work/package/$file" "$TARGET/$file"
done
echo "vendored $PACKAGE@$VERSION into ${TARGET#"$REPO_ROOT"/}: ${FILES[*]}"

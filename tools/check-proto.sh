#!/usr/bin/env bash
# buf lint and buf breaking against the seed's auth.proto (tools/buf/seed), so the wire contract
# cannot change silently. buf comes from the npm registry into build/npm (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
BUF_VERSION=1.75.0
buf=build/npm/node_modules/.bin/buf
if [[ ! -x $buf ]] || [[ "$($buf --version)" != "$BUF_VERSION" ]]; then
  mkdir -p build/npm
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix build/npm \
    "@bufbuild/buf@${BUF_VERSION}" >/dev/null
fi
$buf lint proto
$buf breaking proto --against tools/buf/seed
echo "check-proto: buf lint and buf breaking (against the seed's auth.proto) passed"

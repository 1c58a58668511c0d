#!/usr/bin/env bash
# Quick start: installs what is needed (Debian 12 packages), builds, and starts wardend in dev
# mode on 127.0.0.1:50051 with SQLite under ./data. Extra arguments go to wardend.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
cmake --preset default >/dev/null
cmake --build build --target wardend warden
exec build/bin/wardend --dev "$@"

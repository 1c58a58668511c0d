#!/usr/bin/env bash
# Fails when a layer includes what it must not (DESIGN.md, STYLE.md C4). Debian puts every
# header in /usr/include, so linking alone cannot stop a lower layer from including gRPC.
# Tests (*_test.cc) may wire in other layers (e.g. core tests use the in-memory stores).
set -uo pipefail
cd "$(dirname "$0")/.."
status=0

# forbid FOLDER REGEX WHY
forbid() {
  local folder=$1 pattern=$2 why=$3 hits
  hits=$(grep -rEn --exclude="*_test.cc" "^#include [<\"]($pattern)" "src/$folder" 2>/dev/null)
  if [[ -n $hits ]]; then
    echo "layering violation in src/$folder ($why):"
    echo "$hits"
    status=1
  fi
}

third_party='grpc|grpcpp|google/protobuf|sqlite3|libpq|hiredis|sodium|openssl|spdlog|prometheus|nlohmann'
upper='(app|cmd|cli|client|guard|server|storage|crypto|config|observability|verifier)/'
forbid resilience "$third_party|core/|$upper" "resilience depends on common only"
forbid common "$third_party|core/|$upper" "common depends on nothing"
forbid core "$third_party|$upper" "core knows no gRPC, SQL, crypto library or logging"
forbid guard "$third_party|(app|cmd|cli|client|server|storage|crypto|config|observability|verifier)/" \
  "guards decide on a transport-free call description"
forbid crypto "grpc|grpcpp|sqlite3|spdlog|(app|cmd|cli|client|guard|server|storage|config)/" \
  "crypto implements core ports only"
forbid storage "grpc|grpcpp|sodium|openssl|spdlog|(app|cmd|cli|client|guard|server|crypto|config)/" \
  "storage implements core ports only"
forbid server "sqlite3|sodium|openssl|(app|cmd|cli|client|storage|crypto|config)/" \
  "server maps gRPC to core"
forbid client "sqlite3|sodium|(app|cmd|cli|core|guard|server|storage|crypto|config)/" \
  "client talks to the wire only"
forbid config "grpc|grpcpp|sqlite3|sodium|(app|cmd|cli|client|guard|server|storage|crypto)/" \
  "config reads files and environment"
forbid cli "sqlite3|sodium|(app|cmd|core|server|storage|crypto|config)/" "cli uses the client"
forbid verifier "sqlite3|spdlog|(app|cmd|cli|client|server|storage|config)/" \
  "verifier is a library for other services"
forbid app "(cmd|cli)/" "app is the composition root"

if ((status == 0)); then
  echo "check-layering: every layer includes only what it may"
fi
exit $status

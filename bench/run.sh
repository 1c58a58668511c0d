#!/usr/bin/env bash
# Measures wardend against the bare grpc++ floor server, side by side in one run, on loopback.
# Every load run is bounded (--seconds) and stops by itself.
#   bench/run.sh [SECONDS_PER_RUN] [ROUNDS]
set -euo pipefail
seconds=${1:-10}
rounds=${2:-2}
source "$(dirname "$0")/lib.sh"
bench_init wardend warden floor_server load

# The Login runs come from one address: measure hashing capacity, not the address limit.
write_login_policy "$work/policy.json"
start_server floor "$bin/floor_server"
floor_port=$(wait_port floor)
# WARDEND_FLAGS adds flags, e.g. WARDEND_FLAGS="--access-log all".
# shellcheck disable=SC2086
wardend_port=$(start_wardend wardend --policy-file "$work/policy.json" ${WARDEND_FLAGS:-})
token=$(bench_token "$wardend_port" wardend)

echo "# $(date -u +%FT%TZ) $(nproc) cores; ${seconds}s per run; ${rounds} rounds"
echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for round in $(seq "$rounds"); do
  echo "round $round validate floor:   $($bin/load --target 127.0.0.1:$floor_port --rpc validate --token x --seconds "$seconds")"
  echo "round $round validate wardend: $($bin/load --target 127.0.0.1:$wardend_port --rpc validate --token "$token" --seconds "$seconds")"
done
login_seconds=$(( seconds < 10 ? seconds : 10 ))
echo "login floor:   $($bin/load --target 127.0.0.1:$floor_port --rpc login --username bench --password bench-password --seconds "$login_seconds" --concurrency 8)"
echo "login wardend: $($bin/load --target 127.0.0.1:$wardend_port --rpc login --username bench --password bench-password --seconds "$login_seconds" --concurrency 8)"

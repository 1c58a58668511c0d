#!/usr/bin/env bash
# Measures wardend against the bare grpc++ floor server, side by side in one run, on loopback.
# Every load run is bounded (--seconds) and stops by itself.
#   bench/run.sh [SECONDS_PER_RUN] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
rounds=${2:-2}
bin=build/bin
cmake --preset default >/dev/null
cmake --build build --target wardend warden floor_server load >/dev/null

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# wait_port LOGFILE PATTERN: prints the port once the server has logged it (bounded: 30 s).
wait_port() {
  local log=$1 port=""
  for _ in $(seq 300); do
    port=$(grep -oE '(floor_server: |"msg":")listening on 127\.0\.0\.1:[0-9]+' "$log" | head -1 | grep -oE '[0-9]+$' || true)
    [[ -n $port ]] && { echo "$port"; return 0; }
    sleep 0.1
  done
  echo "server did not start; log:" >&2; cat "$log" >&2; return 1
}

# The Login runs come from one address: lift the per-address Login limit (5/s by default) so
# the hashing capacity is what gets measured.
cat >"$work/policy.json" <<'JSON'
{"methods": {"/auth.AuthService/Login": {"access": "public",
                                         "per_peer": {"per_second": 1000000, "burst": 1000000}}}}
JSON
$bin/floor_server 2>"$work/floor.log" & pids+=($!)
# WARDEND_FLAGS adds flags, e.g. WARDEND_FLAGS="--access-log all".
# shellcheck disable=SC2086
$bin/wardend --dev --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --data-dir "$work/data" \
  --policy-file "$work/policy.json" ${WARDEND_FLAGS:-} >"$work/wardend.log" 2>&1 & pids+=($!)
floor_port=$(wait_port "$work/floor.log")
wardend_port=$(wait_port "$work/wardend.log")

export WARDEN_CREDENTIALS=$work/creds.json
cli="$bin/warden --addr 127.0.0.1:$wardend_port"
echo "bench-password" | $cli register --username bench --email bench@example.com --password-stdin >/dev/null
echo "bench-password" | $cli login --username bench --password-stdin >/dev/null
token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' "$WARDEN_CREDENTIALS")

echo "# $(date -u +%FT%TZ) $(nproc) cores; ${seconds}s per run; ${rounds} rounds"
echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for round in $(seq "$rounds"); do
  echo "round $round validate floor:   $($bin/load --target 127.0.0.1:$floor_port --rpc validate --token x --seconds "$seconds")"
  echo "round $round validate wardend: $($bin/load --target 127.0.0.1:$wardend_port --rpc validate --token "$token" --seconds "$seconds")"
done
login_seconds=$(( seconds < 10 ? seconds : 10 ))
echo "login floor:   $($bin/load --target 127.0.0.1:$floor_port --rpc login --username bench --password bench-password --seconds "$login_seconds" --concurrency 8)"
echo "login wardend: $($bin/load --target 127.0.0.1:$wardend_port --rpc login --username bench --password bench-password --seconds "$login_seconds" --concurrency 8)"

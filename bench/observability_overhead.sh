#!/usr/bin/env bash
# ValidateToken throughput of wardend with metrics on (access log off) against metrics off,
# interleaved round by round in one run. Every load run is bounded and stops by itself.
#   bench/observability_overhead.sh [SECONDS_PER_RUN] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
rounds=${2:-3}
bin=build/bin
cmake --preset default >/dev/null
cmake --build build --target wardend warden load >/dev/null
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start() {  # start NAME FLAGS...: prints the gRPC port
  local name=$1
  shift
  $bin/wardend --dev --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --data-dir "$work/$name" \
    "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 300); do
    port=$(grep -oE '"msg":"listening on 127\.0\.0\.1:[0-9]+' "$work/$name.log" | grep -oE '[0-9]+$' || true)
    [[ -n $port ]] && { echo "$port"; return 0; }
    sleep 0.1
  done
  cat "$work/$name.log" >&2
  return 1
}
token() {  # token PORT NAME
  export WARDEN_CREDENTIALS=$work/$2.creds
  echo "bench-password" | $bin/warden --addr 127.0.0.1:$1 register --username bench \
    --email bench@example.com --password-stdin >/dev/null
  echo "bench-password" | $bin/warden --addr 127.0.0.1:$1 login --username bench \
    --password-stdin >/dev/null
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' "$WARDEN_CREDENTIALS"
}

on_port=$(start on --metrics=true --access-log off)
off_port=$(start off --metrics=false --access-log off)
on_token=$(token "$on_port" on)
off_token=$(token "$off_port" off)
echo "# $(date -u +%FT%TZ) $(nproc) cores; ${seconds}s per run; ${rounds} rounds"
off() { echo "round $1 metrics off: $($bin/load --target 127.0.0.1:$off_port --rpc validate --token "$off_token" --seconds "$seconds")"; }
on() { echo "round $1 metrics on:  $($bin/load --target 127.0.0.1:$on_port --rpc validate --token "$on_token" --seconds "$seconds")"; }
# Alternate which goes first, so position in the round does not favour either.
for round in $(seq "$rounds"); do
  if ((round % 2)); then off "$round"; on "$round"; else on "$round"; off "$round"; fi
done

#!/usr/bin/env bash
# ValidateToken throughput of wardend with metrics on (access log off) against metrics off,
# interleaved round by round in one run. Every load run is bounded and stops by itself.
#   bench/observability_overhead.sh [SECONDS_PER_RUN] [ROUNDS]
set -euo pipefail
seconds=${1:-10}
rounds=${2:-3}
source "$(dirname "$0")/lib.sh"
bench_init wardend warden load

on_port=$(start_wardend on --metrics=true --access-log off)
off_port=$(start_wardend off --metrics=false --access-log off)
on_token=$(bench_token "$on_port" on)
off_token=$(bench_token "$off_port" off)
echo "# $(date -u +%FT%TZ) $(nproc) cores; ${seconds}s per run; ${rounds} rounds"
off() { echo "round $1 metrics off: $($bin/load --target 127.0.0.1:$off_port --rpc validate --token "$off_token" --seconds "$seconds")"; }
on() { echo "round $1 metrics on:  $($bin/load --target 127.0.0.1:$on_port --rpc validate --token "$on_token" --seconds "$seconds")"; }
# Alternate which goes first, so position in the round does not favour either.
for round in $(seq "$rounds"); do
  if ((round % 2)); then off "$round"; on "$round"; else on "$round"; off "$round"; fi
done

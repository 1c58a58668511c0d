#!/usr/bin/env bash
# Login throughput on a host busy with other work (two CPU-bound shell loops at normal
# priority, bounded by `timeout`), for each hashing priority: shows what `idle` costs ordinary
# logins when nothing floods Warden, and that `adaptive` does not.
#   bench/busy_host.sh [SECONDS]
set -euo pipefail
seconds=${1:-8}
source "$(dirname "$0")/lib.sh"
bench_init wardend warden load
write_login_policy "$work/policy.json"
echo "# $(date -u +%FT%TZ) $(nproc) cores; Login at concurrency 2 for ${seconds}s with 2 busy loops"
for priority in adaptive idle normal; do
  port=$(start_wardend "$priority" --policy-file "$work/policy.json" --hash-priority "$priority")
  bench_token "$port" "$priority" >/dev/null
  for i in 1 2; do
    start_server "busy-$priority-$i" timeout $((seconds + 4)) sh -c 'while :; do :; done'
  done
  sleep 1
  echo "$priority: $($bin/load --target "127.0.0.1:$port" --rpc login --username bench \
    --password bench-password --seconds "$seconds" --concurrency 2)"
  for i in 1 2; do kill "$(cat "$work/busy-$priority-$i.pid")" 2>/dev/null || true; done
  kill "$(cat "$work/$priority.pid")"
done

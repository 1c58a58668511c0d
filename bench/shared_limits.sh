#!/usr/bin/env bash
# What shared limits cost on the calls that have them: Login (a rate-limit take plus the
# brute-force check and reset, three Lua scripts) on one wardend with --redis (limits in a real
# redis-server on a Unix socket) versus one without, side by side, alternating. Login's limit is
# lifted to 1e6/s so the bench measures the work, not the refusals. Loopback / Unix sockets only.
#   bench/shared_limits.sh [SECONDS] [ROUNDS]
set -euo pipefail
seconds=${1:-10}
rounds=${2:-3}
source "$(dirname "$0")/lib.sh"
bench_init wardend warden load
write_login_policy "$work/policy.json"
redis_socket=$(start_redis)

local_port=$(start_wardend local --policy-file "$work/policy.json")
shared_port=$(start_wardend shared --policy-file "$work/policy.json" \
  --redis "unix://$redis_socket")
bench_token "$local_port" local >/dev/null
bench_token "$shared_port" shared >/dev/null

echo "# $(date -u +%FT%TZ) $(nproc) cores; ${seconds}s per run; Login, 2 in flight"
for round in $(seq "$rounds"); do
  order=(local shared)
  ((round % 2 == 0)) && order=(shared local)  # neither always runs first
  for name in "${order[@]}"; do
    port_var=${name}_port
    echo "round $round $name: $($bin/load --target "127.0.0.1:${!port_var}" --rpc login \
      --username bench --password bench-password --seconds "$seconds" --concurrency 2)"
  done
done
echo "redis commands processed: $(redis-cli -s "$redis_socket" info stats | grep -E '^total_commands_processed' | tr -d '\r')"
# The round trip one shared limit adds: the rate-limit script itself versus a PING, one client.
gcra=$(python3 - <<'PY'
import re
source = open("src/storage/redis/redis_rate_limiter.cc").read()
print(re.search(r'R"lua\((.*?)\)lua"', source, re.S).group(1).replace("\n", " "))
PY
)
echo "rate-limit script: $(redis-benchmark -s "$redis_socket" -n 20000 -c 1 -q \
  EVAL "$gcra" 1 warden:rl:bench 200000 3800000 | tr '\r' '\n' | tail -1 | grep -oE '[0-9.]+ requests per second, p50=[0-9.]+ msec')"
echo "ping:              $(redis-benchmark -s "$redis_socket" -n 20000 -c 1 -q PING \
  | tr '\r' '\n' | tail -1 | grep -oE '[0-9.]+ requests per second, p50=[0-9.]+ msec')"

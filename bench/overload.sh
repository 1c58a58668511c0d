#!/usr/bin/env bash
# Overload: ValidateToken latency while Login is flooded far beyond hashing capacity.
# Per round: ValidateToken alone (idle), then the same ValidateToken load while FLOOD_RATE (default 1000) Login calls a second, from up to FLOOD_CONCURRENCY (256) at once,
# Login calls hammer the server; prints p50/p99 of both and the p99 ratio. Every load run is
# bounded by --seconds and stops by itself; loopback only.
# Then the same ValidateToken load against the bare floor server, idle and while a separate
# process hashes argon2id on every core at SCHED_IDLE (token_bench): what the machine itself does
# to the tail when memory-hard hashing shares it (set FLOOR_REFERENCE=0 to skip).
#   bench/overload.sh [SECONDS_PER_RUN] [ROUNDS]
set -euo pipefail
seconds=${1:-10}
rounds=${2:-3}
source "$(dirname "$0")/lib.sh"
bench_init wardend warden load floor_server token_bench

# The flood comes from one address: lift the per-address Login limit and the address lockout so
# that the hashing pool, not the rate limiter, is what sheds it.
write_login_policy "$work/policy.json"
# shellcheck disable=SC2086
port=$(start_wardend wardend --policy-file "$work/policy.json" --peer-lockout-after 1000000 \
  ${WARDEND_FLAGS:-})
token=$(bench_token "$port" wardend)

field() { sed -E "s/.*$1=([0-9]+).*/\\1/" <<<"$2"; }
# validate PORT: the paced ValidateToken load against the server on PORT.
validate() {
  $bin/load --target "127.0.0.1:$1" --rpc validate --token "$token" --seconds "$seconds" \
    --concurrency 8 --rate "${VALIDATE_RATE:-2000}"
}
# p99_ratio LABEL IDLE LOADED: prints "LABEL = loaded p99 / idle p99".
p99_ratio() {
  awk -v a="$(field p99_us "$2")" -v b="$(field p99_us "$3")" -v l="$1" \
    'BEGIN { printf "%s = %.2f\n", l, b / a }'
}
echo "# $(date -u +%FT%TZ) $(nproc) cores; ${seconds}s per run; ${rounds} rounds; ValidateToken at ${VALIDATE_RATE:-2000}/s (open loop, 8 in flight at most); Login flood ${FLOOD_RATE:-1000}/s"
for round in $(seq "$rounds"); do
  idle=$(validate "$port")
  ${FLOOD_PREFIX:-} $bin/load --target "127.0.0.1:$port" --rpc login --username bench --password bench-password \
    --rate "${FLOOD_RATE:-1000}" \
    --seconds $((seconds + 2)) --concurrency ${FLOOD_CONCURRENCY:-256} >"$work/flood.txt" &
  flood_pid=$!
  sleep 1  # let the flood fill the hashing queue first
  loaded=$(validate "$port")
  wait "$flood_pid"
  echo "round $round idle:    $idle"
  echo "round $round flooded: $loaded"
  echo "round $round flood:   $(cat "$work/flood.txt")"
  p99_ratio "round $round p99 flooded/idle" "$idle" "$loaded"
done
[[ ${FLOOR_REFERENCE:-1} == 1 ]] || exit 0
start_server floor "$bin/floor_server"
floor_port=$(wait_port floor)
idle=$(validate "$floor_port")
chrt -i 0 $bin/token_bench --benchmark_filter="Argon2idOwasp/real_time/threads:$(nproc)\$" \
  --benchmark_min_time=$((seconds + 1)) >"$work/hash.txt" 2>&1 &
hash_pid=$!
sleep 1
loaded=$(validate "$floor_port")
wait "$hash_pid"
echo "floor idle:                 $idle"
echo "floor beside idle hashing:  $loaded"
echo "hashing beside it:          $(grep -E '^BM_' "$work/hash.txt" | tail -1)"
p99_ratio "floor p99 beside hashing/idle" "$idle" "$loaded"

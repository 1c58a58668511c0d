#!/usr/bin/env bash
# Start-up and memory: start-up to the first SERVING health answer with an existing data
# directory (median of RUNS starts, bench/startup.cc), RSS once it answers (idle), and the peak
# RSS (VmHWM) of one server through a closed-loop Login load at 2x the hashing threads in flight
# for SECONDS, with a hashing-capacity reference (logins/s at one hash per core).
#   bench/footprint.sh [RUNS] [SECONDS]        (defaults 11 and 10)
# Loopback only; every run stops by itself.
set -euo pipefail
runs=${1:-11}
seconds=${2:-10}
source "$(dirname "$0")/lib.sh"
bench_init wardend warden load startup token_bench

echo "# $(date -u +%FT%TZ) $(nproc) cores; wardend --dev ${WARDEND_FLAGS:-}"
# The first start makes the data directory (migrations, keys); the counted ones reuse it.
# shellcheck disable=SC2086
$bin/startup 1 -- $bin/wardend --dev --listen '127.0.0.1:{port}' --http-listen '' \
  --data-dir "$work/data" ${WARDEND_FLAGS:-} >/dev/null
# shellcheck disable=SC2086
$bin/startup "$runs" -- $bin/wardend --dev --listen '127.0.0.1:{port}' --http-listen '' \
  --data-dir "$work/data" ${WARDEND_FLAGS:-} | tail -2

write_login_policy "$work/policy.json"
# shellcheck disable=SC2086
port=$(start_wardend wardend --policy-file "$work/policy.json" ${WARDEND_FLAGS:-})
pid=$(cat "$work/wardend.pid")
bench_token "$port" wardend >/dev/null
status() { awk -v k="$1:" '$1 == k {printf "%.1f", $2 / 1024}' "/proc/$pid/status"; }
echo "idle after a login: RSS $(status VmRSS) MiB (peak so far $(status VmHWM) MiB)"
login=$($bin/load --target "127.0.0.1:$port" --rpc login --username bench \
  --password bench-password --seconds "$seconds" --concurrency $((2 * $(nproc))))
echo "login load: $login"
login_rps=$(sed -E 's/.*rps_ok=([0-9]+).*/\1/' <<<"$login")
echo "after the login load: RSS $(status VmRSS) MiB, peak $(status VmHWM) MiB"
# Hashing capacity right after, on as many threads as the server hashes with (one per core):
# logins/s if a core did nothing but argon2id.
per_hash_ms=$($bin/token_bench --benchmark_filter="Argon2idOwasp/real_time/threads:$(nproc)\$" \
  --benchmark_min_time=3 2>/dev/null | awk '/^BM_/ {print $2}')
echo "hashing capacity: $(awk -v m="$per_hash_ms" 'BEGIN {printf "%.0f", 1000 / m}') hashes/s" \
  "($per_hash_ms ms each, $(nproc) threads); Login / capacity =" \
  "$(awk -v m="$per_hash_ms" -v r="$login_rps" 'BEGIN {printf "%.2f", r / (1000 / m)}')"

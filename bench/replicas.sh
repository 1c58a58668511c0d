#!/usr/bin/env bash
# ValidateToken throughput of replicas on PostgreSQL + Redis versus one replica on SQLite, side
# by side, alternating, on the same machine. Three wardend replicas share a PostgreSQL and a
# redis-server (both on Unix sockets in a temporary directory; tests/postgres/pg_fixture.sh)
# on 127.0.0.1, .2 and .3 (store sync and Redis bus running); one replica runs on SQLite; three
# more SQLite replicas are the control for the process count. Two measurements:
#   per core:  one server process pinned to CPU 1, the load generator to CPU 0: one replica of
#              the PostgreSQL cluster (its two peers running) versus the SQLite replica.
#   aggregate: no pinning; the load generator balances round_robin over the three PostgreSQL
#              replicas, versus the one SQLite replica, versus three SQLite replicas.
# Each line also gives calls per CPU-second used by the servers (utime + stime from /proc).
# Loopback and Unix sockets only.
#   bench/replicas.sh [SECONDS] [ROUNDS]
set -euo pipefail
seconds=${1:-10}
rounds=${2:-3}
source "$(dirname "$0")/lib.sh"
bench_init wardend warden load
pg_state=$work/pg.state
trap 'bash tests/postgres/pg_fixture.sh stop "$pg_state" >/dev/null 2>&1 || true; bench_cleanup' EXIT

cpu_ticks() {  # cpu_ticks PID...: utime + stime of those processes, in clock ticks
  local total=0 pid
  for pid in "$@"; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}

# measure LABEL TOKEN TARGET LB CPUS PIDS...: one load run (the generator on CPUS); prints its
# line plus the CPU time the server PIDS used and calls per server CPU-second.
measure() {
  local label=$1 token=$2 target=$3 lb=$4 cpus=$5
  shift 5
  local before after out ok hz
  hz=$(getconf CLK_TCK)
  before=$(cpu_ticks "$@")
  out=$(taskset -c "$cpus" "$bin/load" --target "$target" ${lb:+--lb "$lb"} --rpc validate \
    --token "$token" --seconds "$seconds" --concurrency 64 --channels 4)
  after=$(cpu_ticks "$@")
  ok=$(grep -oE ' ok=[0-9]+' <<<"$out" | grep -oE '[0-9]+')
  echo "$label $out server_cpu_s=$(awk -v t=$((after - before)) -v hz="$hz" 'BEGIN{printf "%.2f", t/hz}') ok_per_server_cpu_s=$(awk -v ok="$ok" -v t=$((after - before)) -v hz="$hz" 'BEGIN{printf "%.0f", ok/(t/hz)}')"
}

pin() {  # pin CPUS PID...: every thread of those processes onto CPUS
  local pid
  for pid in "${@:2}"; do taskset -a -cp "$1" "$pid" >/dev/null; done
}

bash tests/postgres/pg_fixture.sh start "$pg_state" >/dev/null
socket_dir=$(cat "$pg_state")
url="postgresql://warden@/postgres?host=$socket_dir"
redis_socket=$(start_redis)
openssl rand -base64 32 >"$work/master.key"
"$bin/wardend" migrate --dev --data-dir "$work/migrate" --store "$url" >/dev/null

targets=()
pids=()
for i in 1 2 3; do
  start_server "pg$i" "$bin/wardend" --listen "127.0.0.$i:0" --http-listen "127.0.0.$i:0" \
    --data-dir "$work/pg$i" --store "$url" --master-key-file "$work/master.key" \
    --redis "unix://$redis_socket"
  targets+=("127.0.0.$i:$(wait_port "pg$i")")
  pids+=("$(cat "$work/pg$i.pid")")
done
cluster=$(IFS=,; echo "ipv4:${targets[*]}")
pg_token=$(bench_token "${targets[0]##*:}" pg)
sqlite_port=$(start_wardend sqlite)
sqlite_token=$(bench_token "$sqlite_port" sqlite)
sqlite_pid=$(cat "$work/sqlite.pid")
control=()
control_pids=()
for i in 1 2 3; do
  control+=("127.0.0.1:$(start_wardend "control$i" --master-key-file "$work/master.key" \
    --sqlite-path "$work/control.db")")
  control_pids+=("$(cat "$work/control$i.pid")")
done
control_token=$(bench_token "${control[0]##*:}" control)
control_target=$(IFS=,; echo "ipv4:${control[*]}")
all=("${pids[@]}" "$sqlite_pid" "${control_pids[@]}")

echo "# $(date -u +%FT%TZ) $(nproc) cores; ${seconds}s per run; ValidateToken, 64 in flight over 4 channels"
for round in $(seq "$rounds"); do
  pin 1 "${all[@]}"
  measure "round $round per-core  sqlite x1           " "$sqlite_token" "127.0.0.1:$sqlite_port" "" 0 "$sqlite_pid"
  measure "round $round per-core  postgres (1 of 3)   " "$pg_token" "${targets[0]}" "" 0 "${pids[0]}"
  pin 0,1 "${all[@]}"
  measure "round $round aggregate sqlite x1           " "$sqlite_token" "127.0.0.1:$sqlite_port" "" 0,1 "$sqlite_pid"
  measure "round $round aggregate postgres x3 (rr)    " "$pg_token" "$cluster" round_robin 0,1 "${pids[@]}"
  measure "round $round aggregate sqlite x3 (control) " "$control_token" "$control_target" round_robin 0,1 "${control_pids[@]}"
done

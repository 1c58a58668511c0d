# Shared by the bench scripts (source it): build once, a work dir removed on exit, servers
# started in the background and stopped by their PIDs, bounded waits for their ports.
# shellcheck shell=bash

# bench_init TARGET...: builds the targets; sets $bin and $work; installs the cleanup.
bench_init() {
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  bin=build/bin
  cmake --preset default >/dev/null
  cmake --build build --target "$@" >/dev/null
  work=$(mktemp -d)
  trap bench_cleanup EXIT
}

bench_cleanup() {
  local file
  for file in "$work"/*.pid; do
    [[ -e $file ]] && kill "$(cat "$file")" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$work"
}

# start_server NAME COMMAND...: runs COMMAND in the background, logging to $work/NAME.log; its
# PID goes to $work/NAME.pid (so cleanup finds it even when called in a subshell).
start_server() {
  local name=$1
  shift
  "$@" >"$work/$name.log" 2>&1 &
  echo $! >"$work/$name.pid"
}

# wait_port NAME [SECONDS]: prints the gRPC port once the server has logged it (at most
# SECONDS, default 30); the server may listen on any 127.x address.
wait_port() {
  local log=$work/$1.log port=""
  for _ in $(seq $((${2:-30} * 10))); do
    port=$(grep -oE '(floor_server: |"msg":")listening on 127\.[0-9.]+:[0-9]+' "$log" | head -1 | grep -oE '[0-9]+$' || true)
    [[ -n $port ]] && { echo "$port"; return 0; }
    sleep 0.1
  done
  echo "server $1 did not start; log:" >&2
  cat "$log" >&2
  return 1
}

# start_wardend NAME FLAGS...: starts wardend --dev on 127.0.0.1:0 with its own data dir and
# prints its gRPC port.
start_wardend() {
  local name=$1
  shift
  start_server "$name" "$bin/wardend" --dev --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
    --data-dir "$work/$name" "$@"
  wait_port "$name"
}

# bench_token PORT NAME: registers and logs in user "bench"; prints the access token.
bench_token() {
  local creds=$work/$2.creds
  echo "bench-password" | WARDEN_CREDENTIALS=$creds $bin/warden --addr "127.0.0.1:$1" register \
    --username bench --email bench@example.com --password-stdin >/dev/null
  echo "bench-password" | WARDEN_CREDENTIALS=$creds $bin/warden --addr "127.0.0.1:$1" login \
    --username bench --password-stdin >/dev/null
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' "$creds"
}

# write_login_policy FILE: a policy that lifts the per-address Login limit (5/s by default), so
# a bench from one address measures hashing, not the rate limiter.
write_login_policy() {
  cat >"$1" <<'JSON'
{"methods": {"/auth.AuthService/Login": {"access": "public",
                                         "per_peer": {"per_second": 1000000, "burst": 1000000}}}}
JSON
}

# start_redis: a redis-server on a Unix socket under $work (no TCP port), stopped with the rest;
# prints the socket path once it is there (at most 30 s).
start_redis() {
  mkdir -p "$work/redis"
  start_server redis redis-server --port 0 --unixsocket "$work/redis/redis.sock" --save '' \
    --appendonly no --dir "$work/redis"
  for _ in $(seq 300); do
    [[ -S $work/redis/redis.sock ]] && { echo "$work/redis/redis.sock"; return 0; }
    sleep 0.1
  done
  echo "redis-server did not start" >&2
  return 1
}

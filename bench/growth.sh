#!/usr/bin/env bash
# Register and Login latency with 1,000 versus BIG (default 1,000,000) users in the store, on
# SQLite and on PostgreSQL (a throwaway server from tests/postgres/pg_fixture.sh). Users are
# bulk-inserted (sharing the bench user's argon2id hash), then each size is measured with
# the same closed-loop load: 2 calls in flight for SECONDS. Loopback / Unix sockets only.
#   bench/growth.sh [SECONDS] [BIG]
set -euo pipefail
seconds=${1:-10}
big=${2:-1000000}
source "$(dirname "$0")/lib.sh"
bench_init wardend warden load
pg_state=$work/pg.state
trap 'bash tests/postgres/pg_fixture.sh stop "$pg_state" >/dev/null 2>&1 || true; bench_cleanup' EXIT

cat >"$work/policy.json" <<'JSON'
{"methods": {
  "/auth.AuthService/Login": {"access": "public", "per_peer": {"per_second": 1000000, "burst": 1000000}},
  "/auth.AuthService/Register": {"access": "public", "per_peer": {"per_second": 1000000, "burst": 1000000}}}}
JSON
flags=(--policy-file "$work/policy.json" --peer-lockout-after 1000000)

stop_server() {  # stop_server NAME: SIGTERM by PID file, wait (bounded) for the exit
  local pid
  pid=$(cat "$work/$1.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}

measure() {  # measure LABEL PORT
  echo "$1 login:    $($bin/load --target "127.0.0.1:$2" --rpc login --username bench --password bench-password --seconds "$seconds" --concurrency 2)"
  echo "$1 register: $($bin/load --target "127.0.0.1:$2" --rpc register --username grow --password bench-password --seconds "$seconds" --concurrency 2)"
}

echo "# $(date -u +%FT%TZ) $(nproc) cores; ${seconds}s per run; 1000 vs $big users"
for users in 1000 "$big"; do
  name=sqlite-$users
  port=$(start_wardend "$name" "${flags[@]}")
  bench_token "$port" "$name" >/dev/null
  stop_server "$name"
  python3 - "$work/$name/warden.db" "$users" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
(hash_,) = db.execute("SELECT password_hash FROM users WHERE username_key = 'bench'").fetchone()
rows = ((f"id-{i:09d}", f"user{i}", f"user{i}", f"user{i}@example.com", f"user{i}@example.com",
         "", hash_, "user", 1800000000000000) for i in range(int(sys.argv[2]) - 1))
with db:
    db.executemany("INSERT INTO users (id, username, username_key, email, email_key, full_name, "
                   "password_hash, roles, created_at_us) VALUES (?,?,?,?,?,?,?,?,?)", rows)
print("sqlite users:", db.execute("SELECT count(*) FROM users").fetchone()[0], file=sys.stderr)
PY
  start_server "$name-2" "$bin/wardend" --dev --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
    --data-dir "$work/$name" "${flags[@]}"
  port=$(wait_port "$name-2")
  measure "sqlite $users users" "$port"
  stop_server "$name-2"
done

bash tests/postgres/pg_fixture.sh start "$pg_state" >/dev/null
socket_dir=$(cat "$pg_state")
for users in 1000 "$big"; do
  db=grow$users
  psql -h "$socket_dir" -U warden -d postgres -q -c "CREATE DATABASE $db"
  url="postgresql://warden@/$db?host=$socket_dir"
  name=pg-$users
  port=$(start_wardend "$name" "${flags[@]}" --store "$url")
  bench_token "$port" "$name" >/dev/null
  psql -h "$socket_dir" -U warden -d "$db" -q -c "
    INSERT INTO users (id, username, username_key, email, email_key, full_name, password_hash,
                       roles, created_at_us)
    SELECT 'id-' || i, 'user' || i, 'user' || i, 'user' || i || '@example.com',
           'user' || i || '@example.com', '', (SELECT password_hash FROM users WHERE username_key = 'bench'),
           'user', 1800000000000000
    FROM generate_series(1, $users - 1) AS i;
    ANALYZE users;"
  echo "postgres users: $(psql -h "$socket_dir" -U warden -d "$db" -Atq -c 'SELECT count(*) FROM users')" >&2
  measure "postgres $users users" "$port"
  stop_server "$name"
done

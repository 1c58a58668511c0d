#!/usr/bin/env bash
# A throwaway redis-server for the tests, from Debian's redis-server package.
#   redis_fixture.sh start STATE   redis-server in a new directory under /tmp, listening on a
#                                  Unix socket there only (--port 0: no TCP port to collide on);
#                                  writes the directory to STATE and its URL to STATE.url
#   redis_fixture.sh stop STATE    stops that server (by the PID it wrote), rm -rf
set -euo pipefail
action=$1
state=$2

stop() {
  [[ -f $state ]] || return 0
  local dir pid
  dir=$(cat "$state")
  if [[ -f $dir/redis.pid ]]; then
    pid=$(cat "$dir/redis.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do  # up to 30 s for it to exit
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -rf "$dir" "$state" "$state.url"
}

case $action in
  start)
    stop  # a fixture left behind by an interrupted run
    dir=$(mktemp -d /tmp/warden-redis-XXXXXX)
    echo "$dir" >"$state"
    redis-server --port 0 --unixsocket "$dir/redis.sock" --unixsocketperm 700 --dir "$dir" \
      --save '' --appendonly no --daemonize yes --pidfile "$dir/redis.pid" \
      --logfile "$dir/redis.log"
    for _ in $(seq 1 300); do  # up to 30 s for the socket to appear
      [[ -S $dir/redis.sock ]] && break
      sleep 0.1
    done
    if [[ ! -S $dir/redis.sock ]]; then
      cat "$dir/redis.log" >&2
      exit 1
    fi
    echo "unix://$dir/redis.sock" >"$state.url"
    echo "redis fixture: $(cat "$state.url")"
    ;;
  stop)
    stop
    ;;
  *)
    echo "usage: redis_fixture.sh start|stop STATE" >&2
    exit 2
    ;;
esac

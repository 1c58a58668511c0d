#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests, from Debian's postgresql package.
#   pg_fixture.sh start STATE   initdb + pg_ctl start in a new directory under /tmp; listens on
#                               a Unix socket there only (no TCP port to collide on); writes the
#                               directory to STATE and a libpq connection string to STATE.url
#   pg_fixture.sh stop STATE    pg_ctl stop (the postmaster of that data directory only), rm -rf
#   pg_fixture.sh pause|resume STATE   stop / start that server, keeping its data (an outage)
#   pg_fixture.sh replica STATE  a streaming hot standby of it (pg_basebackup -R), on its own
#                               socket directory; writes its connection string to STATE.replica
# initdb refuses to run as root, so as root the server runs as the `postgres` user.
set -euo pipefail
action=$1
state=$2
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

as_postgres() {
  if [[ $(id -u) == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop() {
  [[ -f $state ]] || return 0
  local dir
  dir=$(cat "$state")
  if [[ -f $dir/replica/postmaster.pid ]]; then
    as_postgres "$bindir/pg_ctl" -D "$dir/replica" -m fast -w -t 60 stop >/dev/null || true
  fi
  if [[ -f $dir/data/postmaster.pid ]]; then
    as_postgres "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null || true
  fi
  rm -rf "$dir" "$state" "$state.url" "$state.replica"
}

case $action in
  start)
    stop  # a fixture left behind by an interrupted run
    dir=$(mktemp -d /tmp/warden-pg-XXXXXX)
    chmod 755 "$dir"
    if [[ $(id -u) == 0 ]]; then
      chown postgres: "$dir"
    fi
    echo "$dir" >"$state"
    if ! as_postgres "$bindir/initdb" -D "$dir/data" -U warden -A trust --no-sync \
        >"$dir/initdb.log" 2>&1; then
      cat "$dir/initdb.log" >&2
      exit 1
    fi
    if ! as_postgres "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses='' -k $dir -c fsync=off -c synchronous_commit=off -c max_connections=300" \
        start >/dev/null; then
      cat "$dir/server.log" >&2
      exit 1
    fi
    echo "host=$dir dbname=postgres user=warden" >"$state.url"
    echo "postgres fixture: $(cat "$state.url")"
    ;;
  stop)
    stop
    ;;
  pause)  # stop the server, keep its data (a database outage)
    dir=$(cat "$state")
    as_postgres "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
    ;;
  resume)  # start it again on the same data and socket
    dir=$(cat "$state")
    as_postgres "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses='' -k $dir -c fsync=off -c synchronous_commit=off -c max_connections=300" \
      start >/dev/null
    ;;
  replica)  # a hot standby streaming from the server above (a previous one is replaced)
    dir=$(cat "$state")
    if [[ -f $dir/replica/postmaster.pid ]]; then
      as_postgres "$bindir/pg_ctl" -D "$dir/replica" -m fast -w -t 60 stop >/dev/null || true
    fi
    rm -rf "$dir/replica" "$dir/rs"
    as_postgres mkdir -p "$dir/rs"
    if ! as_postgres "$bindir/pg_basebackup" -h "$dir" -U warden -D "$dir/replica" -R -X stream \
        >"$dir/basebackup.log" 2>&1; then
      cat "$dir/basebackup.log" >&2
      exit 1
    fi
    if ! as_postgres "$bindir/pg_ctl" -D "$dir/replica" -l "$dir/replica.log" -w -t 60 \
        -o "-c listen_addresses='' -k $dir/rs -c fsync=off -c hot_standby=on -c max_connections=300" start >/dev/null; then
      cat "$dir/replica.log" >&2
      exit 1
    fi
    echo "host=$dir/rs dbname=postgres user=warden" >"$state.replica"
    echo "postgres replica: $(cat "$state.replica")"
    ;;
  *)
    echo "usage: pg_fixture.sh start|stop|pause|resume|replica STATE" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# The C++ client stack's own cost per ValidateToken, against a bare generated stub, in one run:
# the client process (warden_client_driver) counted by callgrind, which is deterministic on this
# shared machine. Each variant runs N and 2N calls (one thread) against the same wardend; the
# difference divided by N is the client's instructions per call, setup excluded.
#   bench/client_stack.sh [N]
set -euo pipefail
calls=${1:-2000}
source "$(dirname "$0")/lib.sh"
bench_init wardend warden warden_client_driver
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }

wardend_port=$(start_wardend wardend)
token=$(bench_token "$wardend_port" wardend)

instructions() {  # STACK TARGET CALLS: total instructions of one driver run
  local out=$work/callgrind.$1.$3
  valgrind --tool=callgrind --callgrind-out-file="$out" "$bin/warden_client_driver" \
    --target "$2" --token "$token" --stack "$1" --calls "$3" --threads 1 \
    --resolve-interval-ms 0 --report-ms 600000 >/dev/null 2>&1
  callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}

echo "# $(date -u +%FT%TZ) $(nproc) cores; callgrind; $calls and $((2 * calls)) calls per variant"
for variant in "bare 127.0.0.1:$wardend_port" "full 127.0.0.1:$wardend_port" \
               "full ipv4:127.0.0.1:$wardend_port"; do
  set -- $variant
  one=$(instructions "$1" "$2" "$calls")
  two=$(instructions "$1" "$2" $((2 * calls)))
  echo "$1 $2: $(( (two - one) / calls )) client instructions per ValidateToken"
done

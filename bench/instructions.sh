#!/usr/bin/env bash
# Server instructions per call, counted by callgrind (deterministic on this shared machine), for
# wardend and the bare grpc++ floor server in one run. Each server runs under callgrind; for
# each scenario the load generator makes WARM calls, the counters are zeroed, it makes CALLS
# more, and the counters are dumped: the dump's total divided by CALLS is the server's cost per
# call, set-up and warm-up excluded.
#   bench/instructions.sh [CALLS] [WARM]        (defaults 10000 and 2000)
# Scenarios (16 in flight over 2 connections):
#   validate-hit   ValidateToken, one token (the verified-token cache answers)
#   validate-cold  ValidateToken, a new token each call (every call verifies ES256): wardend
#                  signs with a key file here so the script can mint them; compared with the
#                  floor plus OpenSSL's raw verify (bench/raw_verify.cc, counted the same way)
#   refresh        RefreshToken on a session that keeps its token (the seed's kind)
#   login          Login, and Login without its password hash (the hash's inclusive cost,
#                  Argon2idPasswordHasher::Verify, subtracted); CALLS/100 calls, the hash is slow
#                  under callgrind
# WARDEND_FLAGS adds flags to wardend (e.g. "--metrics=false"); HIT_ONLY=1 stops after
# validate-hit; PROFILE_DIR=DIR keeps the callgrind dumps there (callgrind_annotate reads them).
# shellcheck disable=SC2086
set -euo pipefail
calls=${1:-10000}
warm=${2:-2000}
source "$(dirname "$0")/lib.sh"
bench_init wardend warden floor_server load raw_verify warden_python_client
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
py=/usr/bin/python3  # Debian's, with python3-grpcio and python3-jwt
export PYTHONPATH=$PWD/build/python

# start_counted NAME COMMAND...: COMMAND under callgrind; prints its gRPC port (at most 120 s:
# everything is 20-50 times slower under callgrind).
start_counted() {
  local name=$1
  shift
  start_server "$name" valgrind --tool=callgrind --callgrind-out-file="$work/cg.$name" "$@"
  wait_port "$name" 120
}

# counted NAME PORT N LOAD_ARGS...: instructions the server NAME spent on N calls after WARM.
counted() {
  local name=$1 port=$2 n=$3 pid dumps
  shift 3
  pid=$(cat "$work/$name.pid")
  if ((warm_calls > 0)); then
    "$bin/load" --target "127.0.0.1:$port" --concurrency 16 --channels 2 --seconds 600 \
      --max-calls "$warm_calls" "$@" >/dev/null
  fi
  callgrind_control -z "$pid" >/dev/null 2>&1
  "$bin/load" --target "127.0.0.1:$port" --concurrency 16 --channels 2 --seconds 600 \
    --max-calls "$n" "$@" >"$work/load.out"
  grep -q "ok=$n " "$work/load.out" || { echo "$name: not every call succeeded:" >&2;
                                          cat "$work/load.out" >&2; return 1; }
  dumps=$(ls "$work"/cg."$name".* 2>/dev/null | wc -l)
  callgrind_control -d "$pid" >/dev/null 2>&1
  for _ in $(seq 600); do
    (($(ls "$work"/cg."$name".* 2>/dev/null | wc -l) > dumps)) && break
    sleep 0.1
  done
  if [[ -n ${PROFILE_DIR:-} ]]; then
    mkdir -p "$PROFILE_DIR" && cp "$(ls -t "$work"/cg."$name".* | head -1)" "$PROFILE_DIR/"
  fi
  awk '/^(summary|totals):/ {print $2; exit}' "$(ls -t "$work"/cg."$name".* | head -1)"
}

# inclusive NAME FUNCTION: inclusive instructions of FUNCTION in the last dump of NAME.
inclusive() {
  callgrind_annotate --inclusive=yes "$(ls -t "$work"/cg."$1".* | head -1)" 2>/dev/null |
    awk -v f="$2" 'index($0, f) && !done {gsub(",", "", $1); print $1; done = 1}'
}

# A static ES256 key, so the script can mint tokens the server accepts.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/signing.pem" 2>/dev/null
# Login and RefreshToken limited per address by default (5/s, 20/s): lifted, so the count is of
# the work a call does, not of refusals.
cat >"$work/policy.json" <<'JSON'
{"methods": {
  "/auth.AuthService/Login": {"access": "public", "per_peer": {"per_second": 1000000, "burst": 1000000}},
  "/auth.AuthService/RefreshToken": {"access": "public",
                                     "per_peer": {"per_second": 1000000, "burst": 1000000}}}}
JSON
floor_port=$(start_counted floor "$bin/floor_server")
wardend_port=$(start_counted wardend "$bin/wardend" --dev --listen 127.0.0.1:0 \
  --data-dir "$work/wardend" --signing-key-file "$work/signing.pem" \
  --policy-file "$work/policy.json" ${WARDEND_FLAGS:-})

# One seed-style session (no refresh mode asked: it keeps its refresh token), and
# WARM + CALLS distinct access tokens with that session's claims and fresh jti values.
"$py" - "$wardend_port" "$work" $((warm + calls)) <<'PY'
import json, sys, uuid, base64
import grpc, jwt
from warden_client._generated import auth_pb2, auth_pb2_grpc
port, work, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
stub = auth_pb2_grpc.AuthServiceStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
stub.Register(auth_pb2.RegisterRequest(username="bench", email="bench@example.com",
                                       password="bench-password"), timeout=120)
login = stub.Login(auth_pb2.LoginRequest(username="bench", password="bench-password"), timeout=120)
open(f"{work}/access", "w").write(login.access_token)
open(f"{work}/refresh", "w").write(login.refresh_token)
header = jwt.get_unverified_header(login.access_token)
claims = jwt.decode(login.access_token, options={"verify_signature": False})
key = open(f"{work}/signing.pem").read()
with open(f"{work}/tokens", "w") as out:
    for _ in range(count):
        claims["jti"] = str(uuid.uuid4())
        out.write(jwt.encode(claims, key, algorithm="ES256", headers=header) + "\n")
PY
access=$(cat "$work/access")
refresh=$(cat "$work/refresh")

echo "# $(date -u +%FT%TZ) $(nproc) cores; callgrind; $warm warm + $calls counted calls," \
  "16 in flight over 2 connections; wardend ${WARDEND_FLAGS:-(defaults)}"
report() {  # SCENARIO N WARDEND FLOOR
  echo "$1: wardend $(( $3 / $2 )) floor $(( $4 / $2 )) instructions per call" \
    "($(awk -v a="$3" -v b="$4" 'BEGIN {printf "%.2f", a / b}')x)"
}
warm_calls=$warm
w=$(counted wardend "$wardend_port" "$calls" --rpc validate --token "$access")
f=$(counted floor "$floor_port" "$calls" --rpc validate --token "$access")
report validate-hit "$calls" "$w" "$f"
[[ ${HIT_ONLY:-0} == 1 ]] && exit 0
# Cold: warm-up and counted calls use different tokens (the file's first WARM lines, then the
# rest), so no counted call finds its token in the cache.
head -n "$warm" "$work/tokens" >"$work/tokens.warm"
tail -n "$calls" "$work/tokens" >"$work/tokens.cold"
warm_calls=$warm
"$bin/load" --target "127.0.0.1:$wardend_port" --concurrency 16 --channels 2 --seconds 600 \
  --max-calls "$warm" --rpc validate --tokens-file "$work/tokens.warm" >/dev/null
warm_calls=0
w=$(counted wardend "$wardend_port" "$calls" --rpc validate --tokens-file "$work/tokens.cold")
warm_calls=$warm
f=$(counted floor "$floor_port" "$calls" --rpc validate --tokens-file "$work/tokens.cold")
report validate-cold "$calls" "$w" "$f"
raw_total() {  # N: instructions of raw_verify N
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.raw.$1" "$bin/raw_verify" "$1" \
    >/dev/null 2>&1
  awk '/^(summary|totals):/ {print $2; exit}' "$work/cg.raw.$1"
}
raw=$(( ($(raw_total $((2 * warm))) - $(raw_total "$warm")) / warm ))
echo "validate-cold: OpenSSL raw ES256 verify $raw instructions; wardend / (floor + raw) =" \
  "$(awk -v w="$w" -v f="$f" -v r="$raw" -v n="$calls" 'BEGIN {printf "%.3f", (w / n) / (f / n + r)}')x"
w=$(counted wardend "$wardend_port" "$calls" --rpc refresh --token "$refresh")
f=$(counted floor "$floor_port" "$calls" --rpc refresh --token "$refresh")
report refresh "$calls" "$w" "$f"
logins=$((calls / 100))
warm_calls=$((warm / 100))
w=$(counted wardend "$wardend_port" "$logins" --rpc login --username bench \
  --password bench-password)
hash=$(inclusive wardend "Argon2idPasswordHasher::Verify")
f=$(counted floor "$floor_port" "$logins" --rpc login --username bench --password bench-password)
report login "$logins" "$w" "$f"
report login-without-hash "$logins" "$((w - hash))" "$f"

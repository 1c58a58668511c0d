#!/usr/bin/env bash
# Installs what is needed, builds once, and runs every check and test:
#   static checks (layering, clang-format, buf lint + breaking against the seed proto,
#   clang-tidy after the build),
#   all tests (unit, store contract, integration, end-to-end) on the default build,
#   unit + integration tests under ASan+UBSan, the concurrent units under TSan, and a bounded
#   libFuzzer run over the token and JWK parsers.
#   the container image (tools/container.sh test: podman build + tests/container).
# Set WARDEN_SKIP_SANITIZERS=1, WARDEN_SKIP_FUZZ=1 and WARDEN_SKIP_CONTAINER=1 for a quick
# local run.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
export CTEST_OUTPUT_ON_FAILURE=1
jobs=$(nproc)

bash tools/install-deps.sh

summary=()
passed=0
failed=0
run_ctest() {  # run_ctest LABEL BUILD_DIR [ctest args...]
  local label=$1 dir=$2 log
  shift 2
  log=$(mktemp)
  set +e
  ctest --test-dir "$dir" -j"$jobs" --timeout 900 "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  set -e
  local line
  line=$(grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" "$log" | tail -1 || true)
  rm -f "$log"
  if [[ -z $line ]]; then
    echo "test.sh: $label ran no tests" >&2
    failed=$((failed + 1))
    return
  fi
  local total fails
  total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
  fails=$(sed -E 's/.*, ([0-9]+) tests failed.*/\1/' <<<"$line")
  passed=$((passed + total - fails))
  failed=$((failed + fails))
  summary+=("$label: $line")
  if ((rc != 0 && fails == 0)); then
    failed=$((failed + 1))
  fi
}

echo "== static checks"
bash tools/check-layering.sh
find src tests bench examples fuzz -name '*.h' -o -name '*.cc' | xargs clang-format --dry-run -Werror
echo "clang-format: clean"
bash tools/check-proto.sh
promtool check rules deploy/prometheus/alerts.yml
bash tools/check-k8s.sh
bash tools/check-ci.sh
/usr/bin/python3 tools/check-compose.py compose.yaml  # Debian's python3, with jsonschema and yaml
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' deploy/grafana/warden.json

echo "== build (RelWithDebInfo)"
cmake --preset default >/dev/null
cmake --build build -j"$jobs"
echo "== clang-tidy (.clang-tidy checks over src/, the default build's compile commands)"
bash tools/clang-tidy.sh
echo "== tests (default build)"
run_ctest default build

if [[ "${WARDEN_SKIP_CONTAINER:-0}" != "1" ]]; then
  # The image's runtime stage with the binaries of the build above (compiling them again in
  # the image would double the build time; the image's own compiling stage is what the
  # release workflow builds).
  echo "== container image: build (podman) and tests/container"
  container_started=$SECONDS
  probe="podman is not installed"
  if ! command -v podman >/dev/null 2>&1 || ! probe=$(bash tools/container.sh probe 2>&1); then
    echo "test.sh: SKIPPED the container test: podman cannot run a container on this machine:" \
      "${probe##*$'\n'}" >&2
    summary+=("container: SKIPPED (podman cannot run a container here)")
  elif bash tools/container.sh test --prebuilt build/bin; then
    summary+=("container: image built and tested in $((SECONDS - container_started)) s")
    passed=$((passed + 1))
  else
    summary+=("container: FAILED")
    failed=$((failed + 1))
  fi
fi

if [[ "${WARDEN_SKIP_SANITIZERS:-0}" != "1" ]]; then
  echo "== ASan + UBSan: unit and integration tests"
  cmake --preset asan-ubsan >/dev/null
  cmake --build build-asan -j"$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    run_ctest asan-ubsan build-asan -E '^(e2e|abuse)\.'

  echo "== TSan: concurrent units (worker pool, revocation list, stores, services, limiters)"
  tsan_targets=(warden_common_test warden_core_test warden_storage_memory_test
                warden_storage_sqlite_test warden_storage_postgres_test warden_storage_redis_test
                warden_resilience_test)
  cmake --preset tsan >/dev/null
  cmake --build build-tsan -j"$jobs" --target "${tsan_targets[@]}"
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    run_ctest tsan build-tsan -R '^(WorkerPoolTest|WorkerPoolPriorityTest|RevocationListTest|AuthServiceTest|AdminServiceTest|ApiKeyServiceTest|LoginThrottleTest|KeyedRateLimiterTest|Memory/|Sqlite/|SqliteDatabaseTest|Postgres/|PgDatabaseTest|ReadReplicaTest|postgres\.|RedisRevocationBusTest|SharedLimitsTest)'
fi

if [[ "${WARDEN_SKIP_FUZZ:-0}" != "1" ]]; then
  echo "== libFuzzer: token and JWK parsers (bounded)"
  if bash tools/fuzz.sh "${WARDEN_FUZZ_SECONDS:-30}"; then
    summary+=("fuzz: token_fuzz ${WARDEN_FUZZ_SECONDS:-30}s, no crash")
    passed=$((passed + 1))
  else
    summary+=("fuzz: token_fuzz FAILED")
    failed=$((failed + 1))
  fi
fi

echo "== summary"
printf '%s\n' "${summary[@]}"
echo "warden: $passed passed, $failed failed"
((failed == 0))

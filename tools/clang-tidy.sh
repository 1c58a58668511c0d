#!/usr/bin/env bash
# clang-tidy over Warden's own sources with the checks in .clang-tidy, from the default build's
# compile commands (build it first: cmake --preset default && cmake --build build).
#   tools/clang-tidy.sh            every non-test source under src/
#   tools/clang-tidy.sh FILE...    just these
# Exits non-zero on any finding (WarningsAsErrors in .clang-tidy).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${WARDEN_TIDY_BUILD:-build}
if [[ ! -f $build/compile_commands.json ]]; then
  echo "clang-tidy.sh: no $build/compile_commands.json; build first" >&2
  exit 2
fi
if (($# > 0)); then
  files=("$@")
else
  mapfile -t files < <(find src -name '*.cc' ! -name '*_test.cc' ! -path '*/testing/*' | sort)
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
started=$SECONDS
set +e
run-clang-tidy -p "$build" -j "$(nproc)" -quiet "${files[@]}" 2>&1 | sed -E 's/\x1b\[[0-9;]*m//g' >"$log"
rc=${PIPESTATUS[0]}
set -e
findings=$(grep -cE "^/.*: (warning|error): " "$log" || true)
if ((rc != 0 || findings > 0)); then
  grep -E "^/.*: (warning|error): " -A3 "$log" >&2 || tail -20 "$log" >&2
  echo "clang-tidy: $findings findings in ${#files[@]} files" >&2
  exit 1
fi
echo "clang-tidy: clean (${#files[@]} files, $((SECONDS - started)) s)"

#!/usr/bin/env bash
# clang-tidy over Warden's own sources with the checks in .clang-tidy, from the default build's
# compile commands (build it first: cmake --preset default && cmake --build build).
#   tools/clang-tidy.sh            every non-test source under src/
#   tools/clang-tidy.sh FILE...    just these
# Exits non-zero on any finding (WarningsAsErrors in .clang-tidy).
#
# A file found clean is remembered under $CCACHE_DIR/clang-tidy (kept wherever ccache is kept),
# keyed by its content, its compile command, .clang-tidy, clang-tidy's version and every header
# and proto of the project: any change to those checks it again. WARDEN_TIDY_NO_CACHE=1 checks
# everything.
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
cache=${CCACHE_DIR:-$HOME/.cache/ccache}/clang-tidy
mkdir -p "$cache"
shared=$( (clang-tidy --version; cat .clang-tidy;
           find src proto -name '*.h' -o -name '*.proto' | sort | xargs cat) | sha256sum | cut -c1-64)
key_of() {  # key_of FILE: what a clean result of FILE depends on
  local file=$1
  { echo "$shared"; cat "$file";
    /usr/bin/python3 - "$build/compile_commands.json" "$(realpath "$file")" <<'PY'
import json, sys
for entry in json.load(open(sys.argv[1])):
    if entry["file"] == sys.argv[2]:
        print(entry.get("command") or " ".join(entry["arguments"]))
PY
  } | sha256sum | cut -c1-64
}
todo=()
declare -A keys
for file in "${files[@]}"; do
  key=$(key_of "$file")
  keys[$file]=$key
  if [[ ${WARDEN_TIDY_NO_CACHE:-0} == 1 || ! -f $cache/$key ]]; then
    todo+=("$file")
  fi
done
started=$SECONDS
if ((${#todo[@]} == 0)); then
  echo "clang-tidy: clean (${#files[@]} files, all unchanged since they were found clean)"
  exit 0
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
run-clang-tidy -p "$build" -j "$(nproc)" -quiet "${todo[@]}" 2>&1 | sed -E 's/\x1b\[[0-9;]*m//g' >"$log"
rc=${PIPESTATUS[0]}
set -e
findings=$(grep -cE "^/.*: (warning|error): " "$log" || true)
if ((rc != 0 || findings > 0)); then
  # Remember the files that were clean, so the next run checks only the others; only when every
  # finding is in a checked file itself (one in a header would hide behind its includers).
  mapfile -t found < <(grep -oE "^/[^:]+" <(grep -E "^/.*: (warning|error): " "$log") | sort -u)
  declare -A checked=()
  for file in "${todo[@]}"; do checked[$(realpath "$file")]=1; done
  in_headers=0
  for path in "${found[@]}"; do [[ -n ${checked[$path]:-} ]] || in_headers=1; done
  if ((in_headers == 0)); then
    for file in "${todo[@]}"; do
      grep -q "^$(realpath "$file"):" "$log" || touch "$cache/${keys[$file]}"
    done
  fi
  grep -E "^/.*: (warning|error): " -A3 "$log" >&2 || tail -20 "$log" >&2
  echo "clang-tidy: $findings findings in ${#todo[@]} files checked" >&2
  exit 1
fi
for file in "${todo[@]}"; do
  touch "$cache/${keys[$file]}"
done
echo "clang-tidy: clean (${#todo[@]} files checked in $((SECONDS - started)) s," \
  "$((${#files[@]} - ${#todo[@]})) unchanged since they were found clean)"

#!/usr/bin/env bash
# Offline checks of the GitHub workflows (@action-validator/cli: the workflow schema) and
# the Dockerfile (dockerfile-utils lint), with npm packages pinned by tools/ci-check.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -x tools/ci-check/node_modules/.bin/action-validator ]]; then
  npm ci --no-audit --no-fund --loglevel=error --prefix tools/ci-check >/dev/null
fi
for workflow in .github/workflows/*.yml; do
  tools/ci-check/node_modules/.bin/action-validator "$workflow"
done
echo "check-ci: $(ls .github/workflows/*.yml | wc -l) workflows valid"
if ! lint=$(tools/ci-check/node_modules/.bin/dockerfile-utils lint Dockerfile) || [[ -n $lint ]]; then
  echo "$lint" >&2
  exit 1
fi
echo "check-ci: Dockerfile lints clean"

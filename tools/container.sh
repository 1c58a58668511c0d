#!/usr/bin/env bash
# Builds and runs Warden's container image with podman (Debian's, with runc) or docker.
#   tools/container.sh base    make docker.io/library/debian:bookworm-slim locally if it is
#                              missing and no registry is reachable (debootstrap + import)
#   tools/container.sh build [--prebuilt DIR]
#                              build warden:<version> and warden:latest from ./Dockerfile
#                              (--prebuilt: take DIR/wardend and DIR/warden, stripped, instead
#                              of compiling them in the image)
#   tools/container.sh probe   exit 0 if this machine can run a container at all
#   tools/container.sh run ... run warden:latest with the given extra podman/docker arguments
#   tools/container.sh test [--prebuilt DIR]
#                              build, then the container end-to-end test (tests/container)
# WARDEN_CONTAINER_ENGINE=docker|podman picks the engine (default: podman if installed).
set -euo pipefail
cd "$(dirname "$0")/.."

engine=${WARDEN_CONTAINER_ENGINE:-}
if [[ -z $engine ]]; then
  if command -v podman >/dev/null 2>&1; then engine=podman; else engine=docker; fi
fi
engine_cmd=("$engine")
if [[ $engine == podman ]]; then
  engine_cmd+=(--runtime runc)
fi
base_image=docker.io/library/debian:bookworm-slim
version=$(sed -nE 's/^project\(warden VERSION ([0-9.]+).*/\1/p' CMakeLists.txt)
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
source_url=$(git remote get-url origin 2>/dev/null || echo unknown)

# Limits a container may get on this host: rootful podman's defaults can sit above a lowered
# hard limit ("error setting rlimit type 7"), and `--ulimit host` does not help.
run_limits=()
if [[ $engine == podman ]]; then
  run_limits=(--ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit nproc=4096:4096)
fi

base() {
  if "${engine_cmd[@]}" image exists "$base_image" 2>/dev/null ||
     "${engine_cmd[@]}" image inspect "$base_image" >/dev/null 2>&1; then
    return
  fi
  if "${engine_cmd[@]}" pull -q "$base_image" >/dev/null 2>&1; then
    return
  fi
  echo "container.sh: no registry: making $base_image with debootstrap (minbase)" >&2
  command -v debootstrap >/dev/null 2>&1 || apt-get install -y -qq debootstrap >/dev/null
  local root
  root=$(mktemp -d /var/tmp/warden-base.XXXXXX)
  # No RETURN trap: it would outlive this function and fire, with $root unset, when the caller
  # returns (a fresh machine's probe failed that way).
  local status=0
  if debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null; then
    # What the official slim image also does: no caches, no docs, apt cleaned.
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/usr/share/doc/* \
      "$root"/usr/share/man/*
    tar -C "$root" -c . | "${engine_cmd[@]}" import --change 'CMD ["bash"]' - "$base_image" \
      >/dev/null || status=$?
  else
    status=$?
  fi
  rm -rf "$root"
  return "$status"
}

build() {
  base
  local started=$SECONDS
  local binaries=compiled
  if [[ "${1:-}" == "--prebuilt" ]]; then
    binaries=prebuilt
    rm -rf .prebuilt && mkdir .prebuilt
    trap 'rm -rf .prebuilt' RETURN
    for b in wardend warden; do
      strip -o ".prebuilt/$b" "$2/$b"
    done
  fi
  local args=(build --network host -t "warden:$version" -t warden:latest
              --build-arg "BINARIES=$binaries" --build-arg "VERSION=$version"
              --build-arg "REVISION=$revision" --build-arg "SOURCE=$source_url" -f Dockerfile .)
  if [[ $engine == podman ]]; then
    # The docker format keeps HEALTHCHECK (the OCI format drops it).
    args=(build --format docker --network host --ulimit nofile=4096:4096
          --ulimit nproc=4096:4096 "${args[@]:1}")
  fi
  "${engine_cmd[@]}" "${args[@]}"
  echo "container.sh: built warden:$version in $((SECONDS - started)) s," \
    "$("${engine_cmd[@]}" image inspect warden:latest --format '{{.Size}}') bytes"
}

# Whether this machine can run a container at all (the base image, `true`).
probe() {
  base
  "${engine_cmd[@]}" run --rm "${run_limits[@]}" "$base_image" true
}

case "${1:-}" in
  base) base ;;
  probe) probe ;;
  build) shift; build "$@" ;;
  run)
    shift
    exec "${engine_cmd[@]}" run --rm "${run_limits[@]}" "$@" warden:latest
    ;;
  test)
    shift
    build "$@"
    python=/usr/bin/python3  # Debian's, with python3-grpcio
    [[ -x $python ]] || python=python3
    WARDEN_CONTAINER_ENGINE=$engine WARDEN_SOURCE_DIR=$PWD "$python" tests/container/test_container.py
    if [[ $engine == podman ]]; then
      # The rendered Kubernetes Deployment, played by podman (tests/container/test_kube_play.py),
      # and compose.yaml with the local override (tests/container/test_compose.py).
      WARDEN_SOURCE_DIR=$PWD "$python" tests/container/test_kube_play.py
      WARDEN_SOURCE_DIR=$PWD "$python" tests/container/test_compose.py
    fi
    ;;
  *)
    sed -n '2,8p' "$0" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# Installs every Debian 12 package Warden needs to build, test and benchmark.
# Idempotent: skips apt-get when everything is already present.
#   --build-only: only what building wardend and warden needs (the container's build stage).
set -euo pipefail

build_only=0
if [[ "${1:-}" == "--build-only" ]]; then
  build_only=1
fi

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config ca-certificates
  # libraries (GoogleTest too: CMake configures the test targets even when only the binaries
  # are built)
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc libabsl-dev
  libsodium-dev libssl-dev libsqlite3-dev libcrypt-dev nlohmann-json3-dev libspdlog-dev
  libfmt-dev libcivetweb-dev prometheus-cpp-dev libcurl4-openssl-dev libpq-dev libhiredis-dev
  libgtest-dev libgmock-dev
)
if ((!build_only)); then
  packages+=(
    git clang-format clang-tidy clang libclang-rt-14-dev
    # tests and benchmarks
    libbenchmark-dev valgrind openssl python3 python3-grpcio python3-protobuf
    python3-jwt python3-cryptography prometheus postgresql redis-server
    procps
    # DNS discovery tests: dnsmasq serves the replicas' A records on a loopback port (the
    # -base package is the binary alone, no system service)
    dnsmasq-base
    # the container image test (rootful podman with runc; debootstrap makes the base image
    # where no registry is reachable)
    podman runc debootstrap podman-compose catatonit
    # podman's CNI network backend resolves service names (Compose) only with this plugin, and
    # `podman kube play` needs catatonit for its pause container
    golang-github-containernetworking-plugin-dnsname
    # offline checks of compose.yaml (the Compose Specification schema ships with
    # docker-compose)
    docker-compose python3-jsonschema python3-yaml
  )
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# nginx (the HTTP/2 front the abuse suite attacks): any Debian flavour will do; nginx-light is
# the smallest with http_v2 and grpc_pass.
if ((!build_only)) && ! command -v nginx >/dev/null 2>&1 && [[ ! -x /usr/sbin/nginx ]]; then
  missing+=(nginx-light)
fi

# kubectl renders the Kubernetes overlays (tools/check-k8s.sh); a machine may carry another one.
if ((!build_only)) && ! command -v kubectl >/dev/null 2>&1; then
  missing+=(kubernetes-client)
fi

# buf (wire-compatibility lint) comes from npm; a machine may already carry a Node.js with npm.
if ((!build_only)) && ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Package scripts must not start daemons (postgresql, redis-server): tests start their own
  # servers in temporary directories and stop them after.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# syntax=docker/dockerfile:1
# Warden's container image: `tools/container.sh build` (podman or docker), docs/deploy.md.
# Both stages start from Debian 12; every package comes from Debian's archive.
# --build-arg BINARIES=prebuilt takes wardend and warden from .prebuilt/ in the context instead
# of compiling them (tools/container.sh build --prebuilt DIR: CI reuses its test build).
ARG BINARIES=compiled

FROM docker.io/library/debian:bookworm-slim AS compiled
ARG DEBIAN_FRONTEND=noninteractive
WORKDIR /src
COPY tools/install-deps.sh tools/install-deps.sh
RUN bash tools/install-deps.sh --build-only && rm -rf /var/lib/apt/lists/*
COPY CMakeLists.txt CMakePresets.json ./
COPY proto proto
COPY src src
COPY tests tests
COPY bench bench
COPY examples examples
COPY fuzz fuzz
# ccache survives between builds in a cache mount (BuildKit and podman/buildah both have them).
RUN --mount=type=cache,target=/root/.cache/ccache \
    CCACHE_DIR=/root/.cache/ccache cmake -S . -B /out -G Ninja -DCMAKE_BUILD_TYPE=Release \
    && cmake --build /out --target wardend warden \
    && strip /out/bin/wardend /out/bin/warden

FROM scratch AS prebuilt
COPY .prebuilt/wardend .prebuilt/warden /out/bin/

FROM ${BINARIES} AS binaries

FROM docker.io/library/debian:bookworm-slim
ARG DEBIAN_FRONTEND=noninteractive
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=unknown
LABEL org.opencontainers.image.title="warden" \
      org.opencontainers.image.description="Authentication service for gRPC systems" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.base.name="docker.io/library/debian:bookworm-slim"
# Only the shared libraries the two binaries link (ldd on the build, mapped to packages).
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends ca-certificates \
       libgrpc++1.51 libprotobuf32 libabsl20220623 libsodium23 libspdlog1.10 libfmt9 \
       libcivetweb1 libprometheus-cpp-core1.0 libcurl4 libhiredis0.14 libpq5 libsqlite3-0 \
    && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* \
    && groupadd --system --gid 10001 warden \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/warden --no-create-home \
       --shell /usr/sbin/nologin warden \
    && install -d -o 10001 -g 10001 -m 0700 /var/lib/warden
COPY --from=binaries /out/bin/wardend /out/bin/warden /usr/local/bin/
# The data (SQLite, the dev master key) lives in the volume; nothing else is written, so the
# root filesystem can be read-only.
VOLUME /var/lib/warden
WORKDIR /var/lib/warden
ENV WARDEN_DATA_DIR=/var/lib/warden \
    WARDEN_LISTEN=0.0.0.0:50051 \
    WARDEN_HTTP_LISTEN=0.0.0.0:8080 \
    WARDEN_HEALTH_LISTEN=0.0.0.0:50052 \
    WARDEN_LOG_FORMAT=json
# gRPC, HTTP (JWKS, discovery, /metrics, /healthz, /readyz), plaintext gRPC health for probes.
EXPOSE 50051 8080 50052
USER 10001:10001
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["warden", "--addr", "127.0.0.1:50052", "health"]
ENTRYPOINT ["wardend"]

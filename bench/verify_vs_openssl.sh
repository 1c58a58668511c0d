#!/usr/bin/env bash
# Token verification cost against OpenSSL's raw signature verify, measured back to back:
# `openssl speed` (ecdsap256, ed25519) and build/bin/token_bench (full JWT verify: base64url,
# JSON, key lookup, signature). Prints the ratio per algorithm.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset default >/dev/null
cmake --build build --target token_bench >/dev/null
speed=$(openssl speed -seconds 3 ecdsap256 ed25519 2>/dev/null)
es_raw=$(awk '/ecdsa \(nistp256\)/ {print $NF}' <<<"$speed")
ed_raw=$(awk '/EdDSA \(Ed25519\)/ {print $NF}' <<<"$speed")
bench=$(build/bin/token_bench --benchmark_filter='BM_JwtVerify|BM_ValidateCachedToken' \
  --benchmark_min_time=2 --benchmark_format=csv 2>/dev/null)
ns() { awk -F, -v name="$1" '$1 ~ name {print $4}' <<<"$bench" | head -1; }  # cpu_time, ns
es_ns=$(ns 'BM_JwtVerify/0')
ed_ns=$(ns 'BM_JwtVerify/1')
hs_ns=$(ns 'BM_JwtVerify/2')
hit_ns=$(ns 'BM_ValidateCachedToken')
awk -v er="$es_raw" -v dr="$ed_raw" -v e="$es_ns" -v d="$ed_ns" -v h="$hs_ns" -v c="$hit_ns" 'BEGIN {
  printf "openssl speed verify: ES256 %.1f us (%.0f/s), Ed25519 %.1f us (%.0f/s)\n", 1e6/er, er, 1e6/dr, dr
  printf "warden JWT verify (cache miss): ES256 %.1f us = %.2fx raw; EdDSA %.1f us = %.2fx raw; HS256 %.1f us\n", e/1000, (e/1000)/(1e6/er), d/1000, (d/1000)/(1e6/dr), h/1000
  printf "warden Validate (cache hit): %.2f us\n", c/1000
}'

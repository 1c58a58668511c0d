#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "core/policy.h"
#include "core/ports/api_key_store.h"
#include "core/ports/audit.h"
#include "core/ports/credential_verifiers.h"
#include "core/ports/random_source.h"

namespace warden::core {

// A key just made: the record and the secret, which is shown this once.
struct NewApiKey {
  ApiKeyRecord record;
  std::string secret;
};

// API keys for services: "wdn_<12 base62 id>_<32 base62 secret><6 base62 CRC32>". The fixed
// prefix and the checksum let secret scanners find leaked keys with no false positives and let
// Warden reject a mistyped or made-up key without a store lookup. Only a keyed hash is stored
// (the secret has ~190 bits of entropy: a slow KDF would add nothing but latency).
//
// Authenticate serves from memory: a looked-up key is cached for `cache_ttl`, so the request
// path does no I/O; a revocation on this replica takes effect at once, on others within
// `cache_ttl`. Last use is written at most once per `touch_interval` per key, off the caller's
// thread via `defer`.
//
// Thread-safe. Keeps references to every port.
class ApiKeyService final : public ApiKeyAuthenticator {
 public:
  struct Ports {
    ApiKeyStore& store;
    TokenHasher& keyed_hasher;  // keyed (HMAC): a stolen database alone cannot test guesses
    RandomSource& random;
    const Clock& clock;
    AuditSink* audit = nullptr;
    // Runs a store write later, off the request path (returns false when it cannot).
    std::function<bool(std::function<void()>)> defer;
  };
  struct Options {
    std::chrono::seconds cache_ttl{30};
    std::chrono::seconds touch_interval{60};
    std::chrono::seconds max_ttl = std::chrono::hours(24 * 365 * 2);
    size_t cache_capacity = 10'000;
  };

  ApiKeyService(Ports ports, Options options) : ports_(std::move(ports)), options_(options) {}

  // `ttl` zero: never expires. Roles are validated like user roles.
  absl::StatusOr<NewApiKey> Create(const Principal& actor, absl::string_view name,
                                   std::vector<std::string> roles, std::chrono::seconds ttl);
  absl::StatusOr<std::vector<ApiKeyRecord>> List(bool include_revoked);
  absl::Status Revoke(const Principal& actor, absl::string_view id);
  // The principal of a live key; kUnauthenticated ("invalid API key") otherwise, the same for
  // every reason (malformed, unknown, wrong secret, revoked, expired). kUnavailable when the
  // store cannot be asked.
  absl::StatusOr<Principal> Authenticate(absl::string_view key) override;

  // Exposed for tests: whether `key` is well-formed with a valid checksum, and its id.
  static std::optional<std::string> IdOfWellFormed(absl::string_view key);

 private:
  struct Cached {
    ApiKeyRecord record;
    std::chrono::steady_clock::time_point fetched;
    std::chrono::steady_clock::time_point touched;
  };

  Ports ports_;
  const Options options_;
  std::mutex mutex_;
  absl::flat_hash_map<std::string, Cached> cache_;
};

}  // namespace warden::core

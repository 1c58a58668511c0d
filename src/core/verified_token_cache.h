#pragma once

#include <array>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "core/model.h"

namespace warden::core {

// Remembers the claims of access tokens whose signature has already been verified, keyed by the
// whole token text, so a token presented again skips the signature check. Only claims that
// passed verification go in; time and revocation are still checked on every use. Bounded: a
// shard that fills up is emptied.
//
// Thread-safe (one mutex per shard).
class VerifiedTokenCache {
 public:
  explicit VerifiedTokenCache(size_t capacity);

  std::optional<AccessClaims> Find(absl::string_view token) const;
  void Insert(absl::string_view token, const AccessClaims& claims);
  // Forgets everything (e.g. after a signing key was withdrawn).
  void Clear();

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    mutable std::mutex mutex;
    absl::flat_hash_map<std::string, AccessClaims> entries;
  };
  Shard& ShardFor(absl::string_view token) const;

  const size_t per_shard_capacity_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace warden::core

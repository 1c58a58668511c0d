#include "core/verified_token_cache.h"

#include "absl/hash/hash.h"

namespace warden::core {

VerifiedTokenCache::VerifiedTokenCache(size_t capacity)
    : per_shard_capacity_(capacity / kShards + 1) {}

VerifiedTokenCache::Shard& VerifiedTokenCache::ShardFor(absl::string_view token) const {
  return shards_[absl::Hash<absl::string_view>{}(token) % kShards];
}

std::optional<AccessClaims> VerifiedTokenCache::Find(absl::string_view token) const {
  Shard& shard = ShardFor(token);
  std::lock_guard<std::mutex> lock(shard.mutex);
  auto it = shard.entries.find(token);
  if (it == shard.entries.end()) {
    return std::nullopt;
  }
  return it->second;
}

void VerifiedTokenCache::Insert(absl::string_view token, const AccessClaims& claims) {
  Shard& shard = ShardFor(token);
  std::lock_guard<std::mutex> lock(shard.mutex);
  if (shard.entries.size() >= per_shard_capacity_) {
    shard.entries.clear();
  }
  shard.entries.insert_or_assign(std::string(token), claims);
}

void VerifiedTokenCache::Clear() {
  for (Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    shard.entries.clear();
  }
}

}  // namespace warden::core

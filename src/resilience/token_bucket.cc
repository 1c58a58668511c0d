#include "resilience/token_bucket.h"

#include <algorithm>
#include <cmath>

#include "absl/hash/hash.h"

namespace warden::resilience {

TokenBucket::TokenBucket(RateSpec spec, TimePoint now)
    : spec_(spec), tokens_(std::max(spec.burst, 1.0)), updated_(now) {
  spec_.burst = tokens_;
}

void TokenBucket::Refill(TimePoint now) {
  if (now <= updated_) {
    return;
  }
  const double elapsed = std::chrono::duration<double>(now - updated_).count();
  tokens_ = std::min(spec_.burst, tokens_ + elapsed * spec_.per_second);
  updated_ = now;
}

std::chrono::nanoseconds TokenBucket::Take(TimePoint now) {
  Refill(now);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return std::chrono::nanoseconds::zero();
  }
  const double wait_seconds = (1.0 - tokens_) / spec_.per_second;
  return std::max(std::chrono::nanoseconds(1),
                  std::chrono::nanoseconds(static_cast<int64_t>(std::ceil(wait_seconds * 1e9))));
}

bool TokenBucket::FullAt(TimePoint now) const {
  if (now <= updated_) {
    return tokens_ >= spec_.burst;
  }
  const double elapsed = std::chrono::duration<double>(now - updated_).count();
  return tokens_ + elapsed * spec_.per_second >= spec_.burst;
}

KeyedRateLimiter::KeyedRateLimiter(RateSpec spec, const Clock& clock, size_t max_keys)
    : spec_(spec), clock_(clock), max_per_shard_(std::max<size_t>(1, max_keys / kShards)) {}

std::chrono::nanoseconds KeyedRateLimiter::Take(absl::string_view key) {
  if (!spec_.enabled()) {
    return std::chrono::nanoseconds::zero();
  }
  Shard& shard = shards_[absl::HashOf(key) % kShards];
  const TokenBucket::TimePoint now = clock_.SteadyNow();
  std::lock_guard lock(shard.mutex);
  auto it = shard.buckets.find(key);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= max_per_shard_) {
      MakeRoom(shard, now);
    }
    it = shard.buckets.emplace(std::string(key), TokenBucket(spec_, now)).first;
  }
  return it->second.Take(now);
}

void KeyedRateLimiter::MakeRoom(Shard& shard, TokenBucket::TimePoint now) {
  absl::erase_if(shard.buckets, [now](const auto& entry) { return entry.second.FullAt(now); });
  // Still full of busy buckets: forget some. A client behind one of them gets a fresh bucket,
  // which is the price of bounded memory under a flood of distinct keys.
  while (shard.buckets.size() >= max_per_shard_) {
    shard.buckets.erase(shard.buckets.begin());
  }
}

size_t KeyedRateLimiter::SizeForTest() const {
  size_t size = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    size += shard.buckets.size();
  }
  return size;
}

}  // namespace warden::resilience

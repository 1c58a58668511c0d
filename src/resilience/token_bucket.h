#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"

namespace warden::resilience {

// A sustained rate and a burst. A zero rate means "no limit".
struct RateSpec {
  double per_second = 0;
  double burst = 0;  // bucket size; at least 1 when the limit is on
  bool enabled() const { return per_second > 0; }
};

// The classic token bucket: `burst` tokens, refilled at `per_second`. Not thread-safe on its
// own; KeyedRateLimiter guards it.
class TokenBucket {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  TokenBucket(RateSpec spec, TimePoint now);
  // Takes one token. Returns zero when one was there, else how long until one will be (no token
  // is taken then).
  std::chrono::nanoseconds Take(TimePoint now);
  // True when the bucket has refilled completely by `now` (it can be forgotten).
  bool FullAt(TimePoint now) const;

 private:
  void Refill(TimePoint now);

  RateSpec spec_;
  double tokens_;
  TimePoint updated_;
};

// A rate limit by key (a peer address, a principal). Thread-safe.
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Takes a token from `key`'s bucket: zero when allowed, else the time until it would be.
  virtual std::chrono::nanoseconds Take(absl::string_view key) = 0;
};

// Token buckets by key in this process's memory, created on first use. The number of keys
// is bounded: past `max_keys`, buckets that have refilled are forgotten (they behave exactly like
// new ones), and if that is not enough, arbitrary ones.
//
// Thread-safe: keys are spread over independently locked shards.
class KeyedRateLimiter final : public RateLimiter {
 public:
  KeyedRateLimiter(RateSpec spec, const Clock& clock, size_t max_keys = 100'000);
  std::chrono::nanoseconds Take(absl::string_view key) override;
  const RateSpec& spec() const { return spec_; }
  size_t SizeForTest() const;

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    mutable std::mutex mutex;
    absl::flat_hash_map<std::string, TokenBucket> buckets;
  };
  void MakeRoom(Shard& shard, TokenBucket::TimePoint now);

  const RateSpec spec_;
  const Clock& clock_;
  const size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace warden::resilience

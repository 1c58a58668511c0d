#pragma once

#include <string>

#include "common/clock.h"
#include "resilience/token_bucket.h"
#include "storage/redis/redis_client.h"

namespace warden::storage {

// A rate limit shared by every replica: the bucket of each key lives in Redis and is taken
// from by one atomic Lua script (GCRA on Redis's own clock, so replicas' clocks do not matter;
// keys expire once their bucket is full again). When Redis cannot answer, the limit falls back
// to this replica's own buckets, which are kept up to date all along, so the fallback starts
// from what this replica has already let through.
//
// Thread-safe. Keeps a reference to `client`.
class RedisRateLimiter final : public resilience::RateLimiter {
 public:
  // `name` tells the limits apart in Redis (keys "warden:rl:<name>:<key>").
  RedisRateLimiter(RedisClient& client, absl::string_view name, resilience::RateSpec spec,
                   const Clock& clock);

  std::chrono::nanoseconds Take(absl::string_view key) override;

 private:
  RedisClient& client_;
  const std::string prefix_;
  const std::string interval_us_;   // ARGV[1]: microseconds per token
  const std::string tolerance_us_;  // ARGV[2]: how far ahead of now a burst may run
  resilience::KeyedRateLimiter local_;
};

}  // namespace warden::storage

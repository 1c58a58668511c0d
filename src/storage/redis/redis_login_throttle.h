#pragma once

#include <string>

#include "core/login_throttle.h"
#include "storage/redis/redis_client.h"

namespace warden::storage {

// Brute-force counters shared by every replica: the same rules as InMemoryLoginThrottle (see
// there), kept in Redis and changed by atomic Lua scripts on Redis's clock, so failures on any
// replica count against the account and the address everywhere. When Redis cannot answer,
// the decision falls back to this replica's own counters, which record every failure all
// along (so they start from what this replica has seen).
//
// Keys: "warden:lt:a:<account>" (hash), "warden:lt:h:<account>" (failure times, last hour),
// "warden:lt:p:<address>" (hash), "warden:lt:f:<address>" (failure times); all expire.
//
// Thread-safe. Keeps a reference to `client`.
class RedisLoginThrottle final : public core::LoginThrottle {
 public:
  using Options = core::InMemoryLoginThrottle::Options;

  RedisLoginThrottle(RedisClient& client, const Clock& clock, Options options);

  core::ThrottleDecision Check(absl::string_view account, absl::string_view peer) override;
  FailureOutcome RecordFailure(absl::string_view account, absl::string_view peer) override;
  void RecordSuccess(absl::string_view account) override;

 private:
  RedisClient& client_;
  core::InMemoryLoginThrottle local_;
  const std::string hourly_cap_;
  const std::string failure_args_[9];
};

}  // namespace warden::storage

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
// Keys: "warden:lt:q:<address>|<account>" (the pair's counters and whether the address is
// known to the account), "warden:lt:h:<account>" (failure times from unknown addresses, last
// hour), "warden:lt:p:<address>" (the address's spent budget); all expire.
//
// Thread-safe. Keeps a reference to `client`.
class RedisLoginThrottle final : public core::LoginThrottle {
 public:
  using Options = core::InMemoryLoginThrottle::Options;

  RedisLoginThrottle(RedisClient& client, const Clock& clock, Options options);

  core::ThrottleDecision Check(absl::string_view account, absl::string_view peer) override;
  FailureOutcome RecordFailure(absl::string_view account, absl::string_view peer) override;
  void RecordSuccess(absl::string_view account, absl::string_view peer) override;

 private:
  RedisClient& client_;
  core::InMemoryLoginThrottle local_;
  const std::string check_args_[3];
  const std::string failure_args_[8];
  const std::string success_args_[2];
};

}  // namespace warden::storage

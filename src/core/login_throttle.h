#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "common/clock.h"
#include "core/ports/login_throttle.h"

namespace warden::core {

// LoginThrottle in this process's memory.
//
// Per account: the first `free_failures` failures cost nothing; each later one makes the account
// wait `base_delay` doubled per failure (at most `max_delay`) before it may try again; at
// `lockout_after` failures it is locked for `lockout`, after which it starts afresh. Failures
// older than `lockout` are forgotten. However those are set, an account never gets more than
// `hourly_cap` password checks that fail per hour (ASVS 2.2.1).
//
// Per client address: `peer_failures` failures within `peer_window` lock the address out for
// `peer_lockout`, so one address cannot lock many accounts out at no cost.
//
// Thread-safe (one mutex; it is taken twice per login, next to an Argon2id hash).
class InMemoryLoginThrottle final : public LoginThrottle {
 public:
  struct Options {
    int free_failures = 3;
    std::chrono::seconds base_delay{1};
    std::chrono::seconds max_delay{30};
    int lockout_after = 10;
    std::chrono::seconds lockout = std::chrono::minutes(15);
    int hourly_cap = 100;
    int peer_failures = 50;
    std::chrono::seconds peer_window = std::chrono::minutes(15);
    std::chrono::seconds peer_lockout = std::chrono::minutes(15);
    size_t max_entries = 200'000;  // accounts + peers remembered; oldest idle forgotten first
  };

  InMemoryLoginThrottle(const Clock& clock, Options options) : clock_(clock), options_(options) {}

  ThrottleDecision Check(absl::string_view account, absl::string_view peer) override;
  FailureOutcome RecordFailure(absl::string_view account, absl::string_view peer) override;
  void RecordSuccess(absl::string_view account) override;

  const Options& options() const { return options_; }
  size_t SizeForTest();

 private:
  using TimePoint = std::chrono::steady_clock::time_point;
  struct AccountState {
    int failures = 0;
    TimePoint last_failure;
    TimePoint next_attempt;
    TimePoint locked_until;
    std::deque<TimePoint> last_hour;  // failure times, at most hourly_cap
  };
  struct PeerState {
    std::deque<TimePoint> failures;  // within peer_window, at most peer_failures
    TimePoint locked_until;
  };
  void Forget(AccountState& state, TimePoint now) const;
  void Prune(TimePoint now);

  const Clock& clock_;
  const Options options_;
  std::mutex mutex_;
  absl::flat_hash_map<std::string, AccountState> accounts_;
  absl::flat_hash_map<std::string, PeerState> peers_;
};

}  // namespace warden::core
